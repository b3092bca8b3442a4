/*
 * server.c — libmicrohttpd glue: one request's life.
 *
 * 1. First call (headers in): make the wp_req, refuse framing a proxy in
 *    front could read differently (two Content-Length, Transfer-Encoding
 *    other than one "chunked", both, a malformed or folded framing header,
 *    no Host or two), a path with a NUL or invalid UTF-8 once decoded, too
 *    many query arguments; find the route; refuse a declared Content-Length
 *    over the limit with 413 before reading it. A refused request is
 *    answered: nothing that arrives after it runs its handler.
 * 2. Body calls: append up to the limit; past it stop buffering, discard,
 *    and hang up if a chunked sender keeps going past WP_BODY_DISCARD_MAX.
 * 3. Last call: 413 if the body overflowed, else run the handler.
 * 4. Completion: one access-log line, the request counted (metrics), the
 *    request's end hooks, free the arena.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
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
#include "http/guard.h"
#include "util/text.h"

struct wp_server {
	struct MHD_Daemon *daemon;
	struct wp_http_options o;
	_Atomic uint64_t request_seq;
	_Atomic int64_t inflight;  /* requests begun and not completed */
	_Atomic int64_t suspended; /* connections suspended and not yet resumed */
	_Atomic int stopping;
	int listen_fd;
	struct wp_guard *guard;
	/* Metrics: each surface's first route slot, by position in surfaces[] (then the fallback). */
	size_t slot_base[WP_SURFACES_MAX + 1];
};

static void resume(struct wp_req *r);

/* A cleanup hook (wp_req_on_end), kept in the request's arena. */
struct wp_req_end {
	void (*fn)(void *p);
	void *p;
	struct wp_req_end *next;
};

/*
 * CORS: browsers on other origins call the providers' APIs (AQR's own
 * JavaScript sample does). An allowed Origin gets Access-Control-Allow-Origin
 * on every answer, errors included, and the headers a client may read.
 */
static bool origin_allowed(const struct wp_http_options *o, const char *origin)
{
	if (origin == NULL || o->cors_origins == NULL || o->cors_origins[0] == '\0')
		return false;
	if (strcmp(o->cors_origins, "*") == 0)
		return true;
	size_t n = strlen(origin);
	for (const char *p = o->cors_origins; *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, origin, n) == 0)
			return true;
		p += len + (end != NULL);
	}
	return false;
}

static void cors_headers(struct wp_req *r)
{
	const struct wp_http_options *o = &r->server->o;
	const char *origin = wp_req_header(r, "Origin");
	if (!origin_allowed(o, origin))
		return;
	bool any = strcmp(o->cors_origins, "*") == 0;
	wp_reply_header(r, "Access-Control-Allow-Origin", any ? "*" : origin);
	if (!any)
		wp_reply_header(r, "Vary", "Origin");
	char expose[256];
	snprintf(expose, sizeof(expose), "X-Request-Id%s%s", r->surface->cors_expose ? ", " : "",
		 r->surface->cors_expose ? r->surface->cors_expose : "");
	wp_reply_header(r, "Access-Control-Expose-Headers", expose);
}

static enum MHD_Result queue(struct wp_req *r);

/* A preflight (OPTIONS with Origin and Access-Control-Request-Method): 204 when allowed. */
static enum MHD_Result preflight(struct wp_req *r, const struct wp_match *m)
{
	r->answered = true;
	const char *want = wp_req_header(r, "Access-Control-Request-Method");
	wp_reply(r, 204, NULL, "", 0);
	if (origin_allowed(&r->server->o, wp_req_header(r, "Origin")) && want != NULL &&
	    strstr(m->allow, want) != NULL) {
		char headers[512];
		snprintf(headers, sizeof(headers), "Content-Type%s%s",
			 r->surface->cors_headers ? ", " : "",
			 r->surface->cors_headers ? r->surface->cors_headers : "");
		wp_reply_header(r, "Access-Control-Allow-Methods", m->allow);
		wp_reply_header(r, "Access-Control-Allow-Headers", headers);
		wp_reply_header(r, "Access-Control-Max-Age", "600");
	}
	wp_reply_header(r, "Allow", m->allow);
	return queue(r);
}

static enum MHD_Result queue(struct wp_req *r)
{
	struct MHD_Connection *conn = r->conn;
	if (r->before_answer != NULL)
		r->before_answer(r); /* every part of the work is done: the last word */
	if (r->response == NULL) {
		/* A handler that built no response is a bug; answer in its surface's shape. */
		r->surface->reply_error(r, WP_E_INTERNAL, "the handler produced no response");
	}
	cors_headers(r);
	enum MHD_Result ret = MHD_queue_response(conn, r->status, r->response);
	MHD_destroy_response(r->response);
	r->response = NULL;
	return ret;
}

/*
 * An answer from the server itself (not a handler), in the owning surface's
 * shape. The request is answered: whatever libmicrohttpd calls back with
 * afterwards (the rest of a body, the final call) never runs the handler.
 * With close, the connection ends after it (framing: what follows is not
 * trusted to be a request).
 */
static enum MHD_Result refuse(struct wp_req *r, wp_status st, const char *msg, bool close)
{
	r->answered = true;
	r->surface->reply_error(r, st, msg);
	if (close)
		wp_reply_header(r, "Connection", "close");
	return queue(r);
}

/* What the header block says about framing; counted over every header line. */
struct header_scan {
	unsigned content_length, transfer_encoding, host;
	const char *te;
	const char *bad; /* the first problem, for the 400 */
	size_t count;
};

/* RFC 9110 token characters: a header name with anything else (a space) is refused. */
static bool is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c >= 0x7F || strchr("\"(),/:;<=>?@[\\]{}", c) != NULL)
			return false;
	}
	return true;
}

static bool starts_with_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *name,
				   const char *value)
{
	(void)kind;
	struct header_scan *h = cls;
	h->count++;
	if (!is_token(name) && h->bad == NULL)
		h->bad = "a header name has a space or a character not allowed in a name";
	if (strcasecmp(name, "Content-Length") == 0) {
		h->content_length++;
	} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
		h->transfer_encoding++;
		h->te = value;
	} else if (strcasecmp(name, "Host") == 0) {
		h->host++;
	} else if ((starts_with_ci(name, "Content-Length") ||
		    starts_with_ci(name, "Transfer-Encoding")) &&
		   h->bad == NULL) {
		/* libmicrohttpd joins an obs-fold line onto the name: "Transfer-Encodingchunked" */
		h->bad = "a folded or malformed Content-Length or Transfer-Encoding header";
	}
	return MHD_YES;
}

/* Why the request's framing cannot be trusted, or NULL. */
static const char *framing_error(struct MHD_Connection *conn, const char *version, const char *path)
{
	struct header_scan h = {0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, scan_header, &h);
	if (h.bad != NULL)
		return h.bad;
	if (h.content_length > 1)
		return "a request must not carry more than one Content-Length";
	if (h.transfer_encoding > 1)
		return "a request must not carry more than one Transfer-Encoding";
	if (h.content_length > 0 && h.transfer_encoding > 0)
		return "a request must not carry both Content-Length and Transfer-Encoding";
	if (h.te != NULL && strcasecmp(h.te, "chunked") != 0)
		return "only Transfer-Encoding: chunked is supported";
	if (h.host > 1)
		return "a request must not carry more than one Host";
	if (h.host == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		return "an HTTP/1.1 request must carry a Host header";
	if (wp_has_control(path, strlen(path)))
		return "the path must be UTF-8 without NUL or control characters once decoded";
	return NULL;
}

/*
 * libmicrohttpd's unescaping of the path and query, made strict: a decoded
 * NUL or a result that is not UTF-8 leaves a control byte (0x01) behind, so
 * the request is refused instead of the path being cut at the NUL
 * ("/a%00.png" served as "/a").
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	char *w = s;
	for (const char *p = s; *p != '\0'; p++) {
		int hi, lo;
		if (p[0] == '%' && (hi = wp_hex_digit(p[1])) >= 0 &&
		    (lo = wp_hex_digit(p[2])) >= 0) {
			char ch = (char)(hi * 16 + lo);
			*w++ = ch == '\0' ? '\x01' : ch;
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	size_t n = (size_t)(w - s);
	size_t valid = wp_utf8_valid_prefix(s, n);
	if (valid < n)
		s[valid] = '\x01'; /* where it stops being UTF-8 */
	return n;
}

/*
 * The request line is in: its context is made here, before libmicrohttpd
 * parses the query. A query of more than WP_QUERY_ARGS_MAX arguments is cut
 * off (in libmicrohttpd's own buffer, which it hands us writable) and the
 * request refused with 414: parsed, each tiny argument would take a header
 * record from the connection's memory pool until no answer fits in it.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	struct wp_req *r = calloc(1, sizeof(*r));
	char *q = strchr(uri, '?');
	if (r == NULL || q == NULL)
		return r;
	size_t args = 1;
	for (const char *p = q + 1; *p != '\0'; p++)
		args += *p == '&';
	if (args > WP_QUERY_ARGS_MAX) {
		r->query_cut = true;
		q[1] = '\0';
	}
	return r;
}

/* The first call, headers in: the request's context, then every refusal before the body. */
static enum MHD_Result begin(struct wp_server *srv, struct MHD_Connection *conn, struct wp_req *r,
			     const char *url, const char *method, const char *version)
{
	const struct wp_http_options *o = &srv->o;
	r->app = o->app;
	r->server = srv;
	r->conn = conn;
	r->method = method;
	r->path = url;
	r->start_ns = wp_mono_ns();
	wp_arena_init(&r->arena, WP_ARENA_MAX_BYTES);
	uint64_t seq = atomic_fetch_add(&srv->request_seq, 1);
	snprintf(r->request_id, sizeof(r->request_id), "%08x%012llx", o->boot_id,
		 (unsigned long long)seq);
	const union MHD_ConnectionInfo *sc =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	r->guard = sc != NULL ? sc->socket_context : NULL;
	wp_guard_headers_done(srv->guard, r->guard);
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL && ci->client_addr->sa_family == AF_INET)
		memcpy(r->client, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, 4);

	struct wp_match m;
	wp_route_match(o->surfaces, o->surface_count, method, url, &m);
	r->surface = m.surface != NULL ? m.surface : o->fallback;
	r->route = m.route;
	for (size_t i = 0; i < m.param_count; i++)
		r->params[i] = wp_arena_strndup(&r->arena, m.params[i], m.param_lens[i]);
	r->param_count = m.param_count;

	const char *bad = framing_error(conn, version, url);
	if (bad != NULL)
		return refuse(r, WP_E_FRAMING, bad, true);
	if (r->query_cut) {
		char msg[96];
		snprintf(msg, sizeof(msg), "the query has more than %d arguments",
			 WP_QUERY_ARGS_MAX);
		return refuse(r, WP_E_URI_TOO_LONG, msg, true);
	}
	if (atomic_load(&srv->stopping))
		return refuse(r, WP_E_UNAVAILABLE, "the server is shutting down", true);
	if (m.route == NULL && strcmp(method, "OPTIONS") == 0 && m.allow[0] != '\0')
		return preflight(r, &m);
	if (m.route == NULL) {
		if (m.allow[0] == '\0')
			return refuse(r, WP_E_NOT_FOUND, "no such path", false);
		char msg[160];
		snprintf(msg, sizeof(msg), "method %.16s is not allowed here; use %s", method,
			 m.allow);
		r->answered = true;
		r->surface->reply_error(r, WP_E_METHOD, msg);
		wp_reply_header(r, "Allow", m.allow);
		return queue(r);
	}
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl != NULL) {
		int64_t n;
		if (!wp_parse_i64(cl, strlen(cl), 0, INT64_MAX, &n))
			return refuse(r, WP_E_FRAMING, "Content-Length is not a number", true);
		if ((uint64_t)n > o->max_body_bytes) {
			char msg[96];
			snprintf(msg, sizeof(msg), "the body is larger than %zu bytes",
				 o->max_body_bytes);
			return refuse(r, WP_E_TOO_LARGE, msg, true);
		}
	}
	return MHD_YES;
}

/* A piece of the body: kept up to the limit, then discarded (and counted). */
static enum MHD_Result body(const struct wp_http_options *o, struct wp_req *r, const char *upload,
			    size_t n)
{
	if (r->answered)
		return MHD_YES; /* refused before the body: read and dropped */
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct wp_server *srv = cls;
	struct wp_req *r = *con_cls;
	if (r == NULL || !r->begun) {
		if (r == NULL && (r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		*con_cls = r;
		r->begun = true;
		atomic_fetch_add(&srv->inflight, 1);
		return begin(srv, conn, r, url, method, version);
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;
		*upload_size = 0;
		wp_guard_body(srv->guard, r->guard, n);
		return body(&srv->o, r, upload, n);
	}
	if (r->answered)
		return MHD_YES; /* its answer is queued: the handler never runs */
	if (r->handled)
		return queue(r); /* resumed: the deferred work left the response */
	if (r->body_too_large) {
		char msg[96];
		snprintf(msg, sizeof(msg), "the body is larger than %zu bytes",
			 srv->o.max_body_bytes);
		return refuse(r, WP_E_TOO_LARGE, msg, false);
	}
	if (r->body == NULL) {
		r->body = calloc(1, 1); /* handlers may always read a NUL-terminated body */
		if (r->body == NULL)
			return MHD_NO;
	}
	r->handled = true;
	wp_guard_busy(srv->guard, r->guard);
	/*
	 * The handler holds the request while it runs; each piece of work it
	 * starts (a write, a delayed answer) holds it too, and releases it when
	 * done. The answer goes out when the last hold is released: at once when
	 * nothing was left running, else from the resumed connection.
	 */
	atomic_store(&r->holds, 1);
	r->route->handler(r);
	if (atomic_load(&r->holds) == 1) {
		atomic_store(&r->holds, 0);
		return queue(r);
	}
	atomic_fetch_add(&srv->suspended, 1);
	MHD_suspend_connection(conn);
	if (atomic_fetch_sub(&r->holds, 1) == 1)
		resume(r); /* the work finished while we suspended */
	return MHD_YES;
}

/* The request's route slot (wp_http_metrics): its surface's, then its route's position. */
static size_t metrics_slot(const struct wp_server *srv, const struct wp_req *r)
{
	const struct wp_http_options *o = &srv->o;
	size_t i = 0;
	while (i < o->surface_count && o->surfaces[i] != r->surface)
		i++; /* i == surface_count: the fallback, outside surfaces[] */
	if (r->route == NULL)
		return srv->slot_base[i];
	assert(r->route >= r->surface->routes);
	assert(r->route < r->surface->routes + r->surface->route_count);
	return srv->slot_base[i] + 1 + (size_t)(r->route - r->surface->routes);
}

/* Names every route slot to the metrics, in the order metrics_slot counts them. */
static bool metrics_routes(struct wp_server *srv)
{
	const struct wp_http_options *o = &srv->o;
	const struct wp_http_metrics *hm = &o->metrics;
	assert(hm->route != NULL);
	assert(hm->request != NULL);
	assert(hm->connection != NULL);
	bool fallback_listed = false;
	for (size_t i = 0; i < o->surface_count; i++)
		fallback_listed = fallback_listed || o->surfaces[i] == o->fallback;
	size_t slot = 0, n = o->surface_count + (fallback_listed ? 0 : 1);
	for (size_t i = 0; i < n; i++) {
		const struct wp_surface *sf = i < o->surface_count ? o->surfaces[i] : o->fallback;
		srv->slot_base[i] = slot;
		if (!hm->route(hm->m, sf->name, NULL, NULL))
			return false;
		for (size_t j = 0; j < sf->route_count; j++)
			if (!hm->route(hm->m, sf->name, sf->routes[j].method,
				       sf->routes[j].pattern))
				return false;
		slot += 1 + sf->route_count;
	}
	return true;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	struct wp_server *srv = cls;
	struct wp_req *r = *con_cls;
	if (r == NULL)
		return;
	if (!r->begun) { /* the connection ended within the header block */
		free(r);
		*con_cls = NULL;
		return;
	}
	wp_access_log(srv->o.access_log_fd, srv->o.journal, srv->o.clock, r,
		      toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	const struct wp_http_metrics *hm = &srv->o.metrics;
	if (hm->m != NULL)
		hm->request(hm->m, metrics_slot(srv, r), r->method, r->status,
			    wp_mono_ns() - r->start_ns);
	wp_guard_idle(srv->guard, r->guard);
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

/* The guard watches every connection from accept to close (http/guard.h). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	(void)len;
	struct wp_server *srv = cls;
	if (atomic_load(&srv->stopping)) /* stopping: no new connection (see wp_server_stop) */
		return MHD_NO;
	if (wp_guard_admit(srv->guard, addr))
		return MHD_YES;
	if (srv->o.metrics.m != NULL)
		srv->o.metrics.connection(srv->o.metrics.m, 0);
	return MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct wp_server *srv = cls;
	const struct wp_http_metrics *hm = &srv->o.metrics;
	if (hm->m != NULL)
		hm->connection(hm->m, toe == MHD_CONNECTION_NOTIFY_CLOSED ? -1 : 1);
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		wp_guard_closed(srv->guard, *socket_context);
		*socket_context = NULL;
		return;
	}
	const union MHD_ConnectionInfo *fd =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	*socket_context = fd == NULL ? NULL
				     : wp_guard_opened(srv->guard, fd->connect_fd,
						       ci != NULL ? ci->client_addr : NULL);
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

wp_status wp_server_bind(const struct wp_http_options *o, struct wp_server **out,
			 uint16_t *port_out, char *err, size_t err_cap)
{
	assert(o->fallback != NULL);
	assert(o->clock != NULL);
	assert(o->surface_count <= WP_SURFACES_MAX);
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(o->listen_port);
	if (inet_pton(AF_INET, o->listen_host, &addr.sin_addr) != 1) {
		snprintf(err, err_cap, "listen host '%s' is not an IPv4 address", o->listen_host);
		return WP_E_INVALID;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int on = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(fd, WP_LISTEN_BACKLOG) != 0) {
		snprintf(err, err_cap, "cannot listen on %s:%u: %s (choose another with --listen)",
			 o->listen_host, o->listen_port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return WP_E_UNAVAILABLE;
	}
	socklen_t len = sizeof(addr);
	getsockname(fd, (struct sockaddr *)&addr, &len);
	struct wp_server *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		close(fd);
		return WP_E_NOMEM;
	}
	s->o = *o;
	s->listen_fd = fd;
	if (o->metrics.m != NULL && !metrics_routes(s)) {
		snprintf(err, err_cap, "out of memory sizing the metrics");
		close(fd);
		free(s);
		return WP_E_NOMEM;
	}
	*port_out = ntohs(addr.sin_port);
	*out = s;
	return WP_OK;
}

wp_status wp_server_run(struct wp_server *s, char *err, size_t err_cap)
{
	const struct wp_http_options *o = &s->o;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct wp_guard_config gc = {o->conn_limit,	  o->conn_per_ip,    WP_CONN_RESERVE,
				     o->header_timeout_s, o->conn_timeout_s, o->min_body_rate};
	s->guard = wp_guard_new(&gc);
	if (s->guard == NULL) {
		snprintf(err, err_cap, "cannot start the connection guard");
		close(s->listen_fd);
		free(s);
		return WP_E_NOMEM;
	}
	s->daemon = MHD_start_daemon(
	    flags, 0, on_accept, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, s->listen_fd, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned int)o->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->conn_limit,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o->conn_timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WP_HEADER_MEMORY_BYTES,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK, unescape,
	    NULL, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, s, MHD_OPTION_END);
	if (s->daemon == NULL) {
		snprintf(err, err_cap, "cannot start the HTTP threads");
		close(s->listen_fd);
		wp_guard_free(s->guard);
		free(s);
		return WP_E_UNAVAILABLE;
	}
	return WP_OK;
}

/* Waits up to ms for every request to complete and every suspended one to resume. */
static bool drained(struct wp_server *s, unsigned ms)
{
	uint64_t deadline = wp_mono_ns() + (uint64_t)ms * 1000000u;
	for (;;) {
		if (atomic_load(&s->inflight) == 0 && atomic_load(&s->suspended) == 0)
			return true;
		if (wp_mono_ns() >= deadline)
			return false;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

void wp_server_stop(struct wp_server *s)
{
	if (s == NULL)
		return;
	/*
	 * No new connections from here: on_accept refuses them. Not
	 * MHD_quiesce_daemon: on an epoll daemon with a thread pool it races a
	 * worker removing the same listen FD from the epoll set, and
	 * libmicrohttpd aborts ("Failed to remove listen FD from epoll set";
	 * 2 SIGTERMs in about 600 stops of the test suite). The listen socket
	 * closes with MHD_stop_daemon.
	 */
	atomic_store(&s->stopping, 1);
	/*
	 * Every suspended request must finish (its write acknowledged or refused)
	 * before the daemon stops: libmicrohttpd aborts the process otherwise.
	 * What still waits on a timer after the drain is run now.
	 */
	if (!drained(s, WP_SHUTDOWN_DRAIN_MS) && s->o.flush != NULL) {
		s->o.flush(s->o.app);
		drained(s, WP_SHUTDOWN_FLUSH_MS);
	}
	if (atomic_load(&s->suspended) > 0) {
		fprintf(stderr,
			"{\"level\":\"error\",\"component\":\"http\",\"message\":\"%lld "
			"requests still wait after the drain; the listener is left to the "
			"process exit\"}\n",
			(long long)atomic_load(&s->suspended));
		return;
	}
	MHD_stop_daemon(s->daemon);
	wp_guard_free(s->guard);
	free(s);
}

/* ---- deferred work ---- */

void wp_req_hold(struct wp_req *r)
{
	assert(atomic_load(&r->holds) > 0); /* only from the handler or a holder */
	atomic_fetch_add(&r->holds, 1);
	r->deferred = true;
}

static void resume(struct wp_req *r)
{
	struct wp_server *srv = r->server;
	MHD_resume_connection(r->conn);
	atomic_fetch_sub(&srv->suspended, 1);
}

void wp_req_release(struct wp_req *r)
{
	if (atomic_fetch_sub(&r->holds, 1) == 1)
		resume(r); /* the last holder: the connection was suspended when others remained */
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
