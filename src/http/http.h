/*
 * http.h — requests, routes and surfaces, as the handlers see them.
 *
 * A surface (AQR, Kona, ...) is a table of routes plus one function that
 * renders an error in the surface's own envelope. The server owns the
 * libmicrohttpd connection: it bounds and buffers the body, finds the route,
 * calls the handler once the whole body is in, and queues whatever response
 * the handler left in the request. Handlers never touch libmicrohttpd.
 *
 * Memory: everything a handler allocates for the request comes from
 * r->arena and is freed in one go when the request completes.
 */
#ifndef WP_HTTP_H
#define WP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "bounds.h"
#include "util/arena.h"

struct wp_app;
struct wp_req;
struct wp_surface;
struct wp_cmd;

typedef void (*wp_handler)(struct wp_req *r);

struct wp_route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/f/{keyword}/{amount}": {x} matches one segment */
	wp_handler handler;
};

struct wp_surface {
	const char *name; /* "aqr", "system", ... — also the access-log field */
	const struct wp_route *routes;
	size_t route_count;
	/*
	 * Paths this surface owns, so a 404 or 405 is answered in its envelope:
	 * "/api/" is exact; a trailing star ("/f/" then "*") makes a prefix.
	 */
	const char *const *paths;
	size_t path_count;
	/* Renders st (with a message for humans) as this surface's error response. */
	void (*reply_error)(struct wp_req *r, wp_status st, const char *msg);
};

struct wp_req {
	struct wp_app *app;
	void *conn; /* struct MHD_Connection *, private to server.c */
	const struct wp_surface *surface;
	const struct wp_route *route;
	const char *method;
	const char *path;
	wp_arena arena;

	/* Body, bounded by the configured maximum while it streams in. */
	char *body;
	size_t body_len;
	size_t body_cap;
	bool body_too_large;
	size_t body_discarded;

	const char *params[WP_PATH_PARAMS_MAX];
	size_t param_count;

	/* The response the handler built; queued by the server. */
	void *response; /* struct MHD_Response * */
	unsigned status;

	/* Deferred work (wp_req_commit): the connection waits suspended. */
	bool handled;
	bool deferred;
	_Atomic int async_state;
	void (*finish)(struct wp_req *r, struct wp_cmd *cmd);

	uint64_t start_ns;
	char request_id[24];
};

/* Route matching, exposed for tests. Returns the route, or NULL. */
struct wp_match {
	const struct wp_surface *surface; /* owner of the path, even on 404/405 */
	const struct wp_route *route;     /* NULL on 404/405 */
	const char *params[WP_PATH_PARAMS_MAX];
	size_t param_lens[WP_PATH_PARAMS_MAX];
	size_t param_count;
	char allow[64]; /* "GET, HEAD" when the path exists with other methods */
};
void wp_route_match(const struct wp_surface *const *surfaces, size_t surface_count,
		    const char *method, const char *path, struct wp_match *m);

/* Request accessors. Header lookups are case-insensitive. */
const char *wp_req_header(struct wp_req *r, const char *name);
const char *wp_req_query(struct wp_req *r, const char *name);
const char *wp_req_param(struct wp_req *r, size_t i);

/*
 * Suspends the request: the handler returns without a response, and some
 * other thread builds it later and calls wp_req_resume(r) exactly once.
 * Only from the handler. No worker thread waits meanwhile.
 */
void wp_req_suspend(struct wp_req *r);
void wp_req_resume(struct wp_req *r);

/*
 * Runs cmd through the commit queue (core/commit.h) without holding a worker
 * thread: the connection is suspended, and finish() builds the response in
 * the writer thread once the command's batch is durable (or failed). The
 * handler must return right after this call and touch r no more. If the
 * queue refuses, finish() runs at once with cmd->status WP_E_UNAVAILABLE.
 * May also be called later from another thread on a suspended request.
 */
void wp_req_commit(struct wp_req *r, struct wp_cmd *cmd,
		   void (*finish)(struct wp_req *r, struct wp_cmd *cmd));

/*
 * Responses. Each replaces any response built before. Body memory is copied
 * unless the _take variant is used (then it must come from malloc).
 */
void wp_reply(struct wp_req *r, unsigned status, const char *content_type, const void *body,
	      size_t len);
void wp_reply_take(struct wp_req *r, unsigned status, const char *content_type, void *body,
		   size_t len);
/* Serializes obj (keys in insertion order) and releases the reference. */
void wp_reply_json(struct wp_req *r, unsigned status, json_t *obj);
void wp_reply_header(struct wp_req *r, const char *name, const char *value);

/*
 * wonpay's own error envelope, for its own paths (/health, /sandbox/...):
 * {"error":{"code":"...","message":"..."}}. Provider surfaces never use it.
 */
void wp_reply_own_error(struct wp_req *r, unsigned status, const char *code, const char *msg);
/* The HTTP status for a wp_status in that envelope. */
unsigned wp_status_http(wp_status st);

#endif
