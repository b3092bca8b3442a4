/*
 * server.c — libmicrohttpd glue: one request's life.
 *
 * 1. First call (headers in): make the wp_req, refuse ambiguous framing
 *    (Content-Length together with Transfer-Encoding), find the route, refuse
 *    a declared Content-Length over the limit with 413 before reading it.
 * 2. Body calls: append up to the limit; past it stop buffering, discard,
 *    and hang up if a chunked sender keeps going past WP_BODY_DISCARD_MAX.
 * 3. Last call: 413 if the body overflowed, else run the handler.
 * 4. Completion: one access-log line, free the arena.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/accesslog.h"
#include "util/text.h"

enum { ASYNC_NONE, ASYNC_WAITING, ASYNC_SUSPENDED, ASYNC_FINISHED };

struct wp_server {
	struct MHD_Daemon *daemon;
	struct wp_http_options o;
	_Atomic uint64_t request_seq;
	_Atomic int64_t inflight;
	_Atomic int stopping;
};

/* A cleanup hook (wp_req_on_end), kept in the request's arena. */
struct wp_req_end {
	void (*fn)(void *p);
	void *p;
	struct wp_req_end *next;
};

static enum MHD_Result queue(struct wp_req *r)
{
	struct MHD_Connection *conn = r->conn;
	if (r->response == NULL) {
		/* A handler that built no response is a bug; answer 500 in its surface's shape. */
		r->surface->reply_error(r, WP_E_INTERNAL, "the handler produced no response");
	}
	enum MHD_Result ret = MHD_queue_response(conn, r->status, r->response);
	MHD_destroy_response(r->response);
	r->response = NULL;
	return ret;
}

/* Error from the server itself (not a handler), in the owning surface's shape. */
static enum MHD_Result fail(struct wp_req *r, wp_status st, const char *msg)
{
	r->surface->reply_error(r, st, msg);
	return queue(r);
}

static const char *framing_error(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
	if (cl != NULL && te != NULL)
		return "a request must not carry both Content-Length and Transfer-Encoding";
	if (te != NULL && strcasecmp(te, "chunked") != 0)
		return "only Transfer-Encoding: chunked is supported";
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct wp_server *srv = cls;
	const struct wp_http_options *o = &srv->o;
	struct wp_req *r = *con_cls;
	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		*con_cls = r;
		atomic_fetch_add(&srv->inflight, 1);
		r->app = o->app;
		r->conn = conn;
		r->method = method;
		r->path = url;
		r->start_ns = wp_mono_ns();
		wp_arena_init(&r->arena, WP_ARENA_MAX_BYTES);
		uint64_t seq = atomic_fetch_add(&srv->request_seq, 1);
		snprintf(r->request_id, sizeof(r->request_id), "%08x%012llx", srv->o.boot_id,
			 (unsigned long long)seq);

		struct wp_match m;
		wp_route_match(o->surfaces, o->surface_count, method, url, &m);
		r->surface = m.surface != NULL ? m.surface : o->fallback;
		r->route = m.route;
		for (size_t i = 0; i < m.param_count; i++)
			r->params[i] = wp_arena_strndup(&r->arena, m.params[i], m.param_lens[i]);
		r->param_count = m.param_count;

		const char *bad = framing_error(conn);
		if (bad != NULL)
			return fail(r, WP_E_FRAMING, bad);
		if (atomic_load(&srv->stopping))
			return fail(r, WP_E_UNAVAILABLE, "the server is shutting down");
		if (m.route == NULL) {
			if (m.allow[0] != '\0') {
				char msg[160];
				snprintf(msg, sizeof(msg),
					 "method %.16s is not allowed here; use %s", method,
					 m.allow);
				r->surface->reply_error(r, WP_E_METHOD, msg);
				wp_reply_header(r, "Allow", m.allow);
				return queue(r);
			}
			return fail(r, WP_E_NOT_FOUND, "no such path");
		}
		const char *cl =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl != NULL) {
			int64_t n;
			if (!wp_parse_i64(cl, strlen(cl), 0, INT64_MAX, &n))
				return fail(r, WP_E_FRAMING, "Content-Length is not a number");
			if ((uint64_t)n > o->max_body_bytes) {
				char msg[96];
				snprintf(msg, sizeof(msg), "the body is larger than %zu bytes",
					 o->max_body_bytes);
				return fail(r, WP_E_TOO_LARGE, msg);
			}
		}
		return MHD_YES;
	}

	if (*upload_size > 0) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->body_too_large || n > o->max_body_bytes - r->body_len) {
			r->body_too_large = true;
			r->body_discarded += n;
			return r->body_discarded > WP_BODY_DISCARD_MAX_BYTES ? MHD_NO : MHD_YES;
		}
		if (r->body_len + n + 1 > r->body_cap) {
			size_t cap = r->body_cap ? r->body_cap : WP_BODY_INITIAL_BYTES;
			while (cap < r->body_len + n + 1)
				cap *= 2;
			if (cap > o->max_body_bytes + 1)
				cap = o->max_body_bytes + 1;
			char *nb = realloc(r->body, cap);
			if (nb == NULL)
				return MHD_NO;
			r->body = nb;
			r->body_cap = cap;
		}
		memcpy(r->body + r->body_len, upload, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
		return MHD_YES;
	}

	if (r->handled)
		return queue(r); /* resumed: finish() left the response */
	if (r->body_too_large) {
		char msg[96];
		snprintf(msg, sizeof(msg), "the body is larger than %zu bytes", o->max_body_bytes);
		return fail(r, WP_E_TOO_LARGE, msg);
	}
	if (r->body == NULL) {
		r->body = calloc(1, 1); /* handlers may always read a NUL-terminated body */
		if (r->body == NULL)
			return MHD_NO;
	}
	r->handled = true;
	r->route->handler(r);
	if (r->deferred) {
		MHD_suspend_connection(conn);
		/* Whoever comes second resumes: a resume before the suspend would be lost. */
		if (atomic_exchange(&r->async_state, ASYNC_SUSPENDED) == ASYNC_FINISHED)
			MHD_resume_connection(conn);
		return MHD_YES;
	}
	return queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	struct wp_server *srv = cls;
	struct wp_req *r = *con_cls;
	if (r == NULL)
		return;
	wp_access_log(srv->o.access_log_fd, srv->o.journal, srv->o.clock, r,
		      toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (r->response != NULL)
		MHD_destroy_response(r->response);
	for (struct wp_req_end *e = r->on_end; e != NULL; e = e->next)
		e->fn(e->p);
	wp_arena_free(&r->arena);
	free(r->body);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	wp_buf b;
	wp_buf_init(&b, 1024);
	wp_buf_puts(&b, "{\"level\":\"warn\",\"component\":\"http\",\"message\":\"");
	wp_json_escape(&b, msg, n);
	wp_buf_puts(&b, "\"}\n");
	if (!b.failed)
		fputs(b.data, stderr);
	wp_buf_free(&b);
}

wp_status wp_server_start(const struct wp_http_options *o, struct wp_server **out,
			  uint16_t *port_out, char *err, size_t err_cap)
{
	assert(o->fallback != NULL);
	assert(o->clock != NULL);
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(o->listen_port);
	if (inet_pton(AF_INET, o->listen_host, &addr.sin_addr) != 1) {
		snprintf(err, err_cap, "listen host '%s' is not an IPv4 address", o->listen_host);
		return WP_E_INVALID;
	}
	struct wp_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return WP_E_NOMEM;
	s->o = *o;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	s->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned int)o->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->conn_limit,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o->conn_timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WP_HEADER_MEMORY_BYTES,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)WP_LISTEN_BACKLOG,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
	if (s->daemon == NULL) {
		snprintf(err, err_cap, "cannot listen on %s:%u (in use, or not permitted)",
			 o->listen_host, o->listen_port);
		free(s);
		return WP_E_UNAVAILABLE;
	}
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port_out = info != NULL ? info->port : o->listen_port;
	*out = s;
	return WP_OK;
}

void wp_server_stop(struct wp_server *s)
{
	if (s == NULL)
		return;
	atomic_store(&s->stopping, 1);
	MHD_socket fd = MHD_quiesce_daemon(s->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	uint64_t deadline = wp_mono_ns() + (uint64_t)WP_SHUTDOWN_DRAIN_MS * 1000000u;
	while (atomic_load(&s->inflight) > 0 && wp_mono_ns() < deadline) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(s->daemon);
	free(s);
}

/* ---- deferred work ---- */

void wp_req_suspend(struct wp_req *r)
{
	atomic_store(&r->async_state, ASYNC_WAITING);
	r->deferred = true;
}

void wp_req_resume(struct wp_req *r)
{
	if (atomic_exchange(&r->async_state, ASYNC_FINISHED) == ASYNC_SUSPENDED)
		MHD_resume_connection(r->conn);
}

/* ---- request accessors and responses (http.h) ---- */

const char *wp_req_header(struct wp_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *wp_req_query(struct wp_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *wp_req_param(struct wp_req *r, size_t i)
{
	return i < r->param_count ? r->params[i] : NULL;
}

bool wp_req_on_end(struct wp_req *r, void (*fn)(void *p), void *p)
{
	struct wp_req_end *e = wp_arena_alloc(&r->arena, sizeof(*e));
	if (e == NULL) {
		fn(p);
		return false;
	}
	*e = (struct wp_req_end){fn, p, r->on_end};
	r->on_end = e;
	return true;
}

static void set_response(struct wp_req *r, unsigned status, const char *content_type,
			 struct MHD_Response *resp)
{
	if (r->response != NULL)
		MHD_destroy_response(r->response);
	r->response = resp;
	r->status = status;
	if (resp == NULL)
		return;
	if (content_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(resp, "X-Request-Id", r->request_id);
}

void wp_reply(struct wp_req *r, unsigned status, const char *content_type, const void *body,
	      size_t len)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	set_response(r, status, content_type, resp);
}

void wp_reply_take(struct wp_req *r, unsigned status, const char *content_type, void *body,
		   size_t len)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		free(body);
	set_response(r, status, content_type, resp);
}

void wp_reply_json(struct wp_req *r, unsigned status, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (text == NULL) {
		static const char oom[] = "{\"error\":\"out of memory\"}";
		wp_reply(r, 503, "application/json; charset=utf-8", oom, sizeof(oom) - 1);
		return;
	}
	wp_reply_take(r, status, "application/json; charset=utf-8", text, strlen(text));
}

void wp_reply_header(struct wp_req *r, const char *name, const char *value)
{
	if (r->response != NULL)
		MHD_add_response_header(r->response, name, value);
}
