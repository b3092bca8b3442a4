/*
 * system.c — wonpay's own paths: GET /health for probes, and the envelope
 * for any path no provider surface owns.
 */
#include <string.h>

#include "app.h"

static void system_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	wp_reply_own_error(r, wp_status_http(st), wp_status_name(st), msg);
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
