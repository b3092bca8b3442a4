/*
 * system.c — wonpay's own paths: GET /health for probes, and the envelope
 * for any path no provider surface owns.
 */
#include <string.h>

#include "app.h"

static unsigned system_status(wp_status st)
{
	switch (st) {
	case WP_E_NOT_FOUND:
		return 404;
	case WP_E_METHOD:
		return 405;
	case WP_E_TOO_LARGE:
		return 413;
	case WP_E_INVALID:
	case WP_E_FRAMING:
	case WP_E_MEDIA_TYPE:
		return 400;
	case WP_E_UNAUTHORIZED:
		return 401;
	case WP_E_STORAGE:
	case WP_E_UNAVAILABLE:
	case WP_E_NOMEM:
		return 503;
	default:
		return 500;
	}
}

static void system_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	json_t *e = json_object();
	json_object_set_new(e, "code", json_string(wp_status_name(st)));
	json_object_set_new(e, "message", json_string(msg));
	json_t *o = json_object();
	json_object_set_new(o, "error", e);
	wp_reply_json(r, system_status(st), o);
}

static void health(struct wp_req *r)
{
	wp_status st = r->app->store->ops->ping(r->app->store);
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(st == WP_OK ? "ok" : "unavailable"));
	json_object_set_new(o, "store", json_string(r->app->store->ops->name));
	wp_reply_json(r, st == WP_OK ? 200 : 503, o);
	wp_reply_header(r, "Cache-Control", "no-store");
}

static const struct wp_route system_routes[] = {
    {"GET", "/health", health},
};

static const char *const system_paths[] = {"/health"};

const struct wp_surface wp_surface_system = {
    .name = "system",
    .routes = system_routes,
    .route_count = sizeof(system_routes) / sizeof(system_routes[0]),
    .paths = system_paths,
    .path_count = sizeof(system_paths) / sizeof(system_paths[0]),
    .reply_error = system_reply_error,
};
