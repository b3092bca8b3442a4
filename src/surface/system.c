/*
 * system.c — wonpay's own paths: GET /health for probes, and the envelope
 * for any path no provider surface owns (the fallback).
 */
#include <stdio.h>

#include "surface/kit.h"

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
    {"GET", "/health", health, NULL},
};

static const char *const system_paths[] = {"/health"};

static const struct wp_surface system_surface = {
    .name = "system",
    .routes = system_routes,
    .route_count = WP_COUNT(system_routes),
    .paths = system_paths,
    .path_count = WP_COUNT(system_paths),
    .reply_error = wp_own_reply_error,
};

static void system_describe(const struct wp_app *app, FILE *out)
{
	fprintf(out, "  health      GET  http://%s:%u/health\n", app->cfg->listen_host,
		app->cfg->listen_port);
}

const struct wp_module wp_module_system = {
    .name = "system",
    .surface = &system_surface,
    .fallback = true,
    .describe = system_describe,
};
