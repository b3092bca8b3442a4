/*
 * http.h — the narrow request context: what a handler sees of HTTP.
 *
 * A surface (AQR, Kona, ...) is a table of routes plus one function that
 * renders an error in the surface's own envelope. The server owns the
 * libmicrohttpd connection: it bounds and buffers the body, finds the route,
 * calls the handler once the whole body is in, and queues whatever response
 * the handler left in the request. Handlers never touch libmicrohttpd.
 *
 * This layer knows nothing of the core or of any surface: struct wp_app is
 * opaque here, a pointer the server hands through to handlers untouched.
 *
 * Memory: everything a handler allocates for the request comes from
 * r->arena and is freed in one go when the request completes; other
 * resources (JSON values, keys) are released by wp_req_on_end hooks then.
 */
#ifndef WP_HTTP_H
#define WP_HTTP_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "error.h"
#include "util/arena.h"

struct wp_app;
struct wp_server;
struct wp_guard_conn;
struct wp_req;
struct wp_surface;
struct wp_route_doc; /* its OpenAPI description: surface/kit.h */

typedef void (*wp_handler)(struct wp_req *r);
/* A surface's own handler type, called by its wrapper (cast back before the call). */
typedef void (*wp_impl)(void);

struct wp_route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/f/{keyword}/{amount}": {x} matches one segment */
	wp_handler handler;  /* the surface's wrapper, or the handler itself */
	wp_impl impl;	     /* for the wrapper: the endpoint it runs (NULL when unused) */
	const struct wp_route_doc *doc; /* what GET /openapi/<surface>.json says of it */
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
	/* CORS: request headers a browser may send besides Content-Type, and answer headers it
	   may read besides X-Request-Id (comma-separated; NULL for none). */
	const char *cors_headers;
	const char *cors_expose;
	/* Renders st (with a message for humans) as this surface's error response. */
	void (*reply_error)(struct wp_req *r, wp_status st, const char *msg);
};

struct wp_req_end; /* a cleanup hook, private to server.c */

struct wp_req {
	struct wp_app *app;	     /* opaque to http: the server's context for handlers */
	struct wp_server *server;    /* private to server.c */
	void *conn;		     /* struct MHD_Connection *, private to server.c */
	struct wp_guard_conn *guard; /* private to server.c */
	uint8_t client[4];	     /* the client's IPv4 address (0.0.0.0 when unknown) */
	const struct wp_surface *surface;
	const struct wp_route *route;
	const char *method;
	const char *path;
	wp_arena arena;
	struct wp_req_end *on_end;

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

	/* Deferred work (wp_req_suspend): the connection waits suspended. */
	bool begun;	/* the headers are in and the request counted */
	bool query_cut; /* more query arguments than WP_QUERY_ARGS_MAX */
	bool answered;	/* refused by the server before the handler: it never runs */
	bool handled;
	bool deferred;				 /* some work holds the request past its handler */
	_Atomic int holds;			 /* the handler and each piece of work it started */
	void (*before_answer)(struct wp_req *r); /* runs once all work is done, then the answer */
	void *surface_ctx;			 /* the surface wrapper's, for before_answer */
	void *write_to_finish; /* the kit's: a write whose finish runs before the answer */

	uint64_t start_ns;
	char request_id[24];
};

/* Route matching, exposed for tests. Returns the route, or NULL. */
struct wp_match {
	const struct wp_surface *surface; /* owner of the path, even on 404/405 */
	const struct wp_route *route;	  /* NULL on 404/405 */
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
 * Runs fn(p) when the request ends, after its answer (hooks run newest
 * first). If the hook cannot be recorded (arena full) fn(p) runs at once and
 * the call returns false: the caller must not use p any more.
 */
bool wp_req_on_end(struct wp_req *r, void (*fn)(void *p), void *p);

/*
 * Work that outlives the handler (a write waiting for its commit, a slow
 * bank's answer) holds the request, and releases it exactly once when done,
 * from any thread. The answer is sent when the handler has returned and
 * every hold is released; no worker thread waits meanwhile. Hold only from
 * the handler, or from work that itself holds the request.
 */
void wp_req_hold(struct wp_req *r);
void wp_req_release(struct wp_req *r);

/*
 * Responses. Each replaces any response built before. Body memory is copied
 * unless the _take variant is used (then it must come from malloc).
 */
void wp_reply(struct wp_req *r, unsigned status, const char *content_type, const void *body,
	      size_t len);
void wp_reply_take(struct wp_req *r, unsigned status, const char *content_type, void *body,
		   size_t len);
/* Serializes obj (keys in insertion order) and releases the reference; NULL answers 503. */
void wp_reply_json(struct wp_req *r, unsigned status, json_t *obj);
void wp_reply_header(struct wp_req *r, const char *name, const char *value);

#endif
