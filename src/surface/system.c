/*
 * system.c — wonpay's own paths: GET /health (liveness: the process answers
 * and its store is there) and GET /ready (readiness: a write commits), and
 * the envelope for any path no provider surface owns (the fallback).
 */
#include <stdio.h>
#include <time.h>

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

/*
 * Readiness: a write through the commit queue, answered once durable. A
 * full disk, a lost database file or a stuck writer makes it 503, so a load
 * balancer stops sending traffic; /health stays the liveness check.
 */
static wp_status apply_probe(struct wp_tx *tx, struct wp_cmd *c)
{
	(void)c;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return tx->ops->health_write(tx, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void finish_probe(struct wp_req *r, struct wp_write *w)
{
	bool ok = w->cmd.status == WP_OK;
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(ok ? "ready" : "not_ready"));
	json_object_set_new(o, "writes",
			    json_string(ok ? "durable" : wp_status_name(w->cmd.status)));
	wp_reply_json(r, ok ? 200 : 503, o);
	wp_reply_header(r, "Cache-Control", "no-store");
}

static void ready(struct wp_req *r)
{
	struct wp_write *w = WP_WRITE_NEW(r, struct wp_write, apply_probe, finish_probe);
	if (w == NULL) {
		wp_own_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	wp_write_submit(w);
}

static const struct wp_route system_routes[] = {
    {"GET", "/health", health, NULL},
    {"GET", "/ready", ready, NULL},
};

static const char *const system_paths[] = {"/health", "/ready"};

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
	fprintf(out, "  health      GET  http://%s:%u/health (liveness), /ready (writes commit)\n",
		app->cfg->listen_host, app->cfg->listen_port);
}

const struct wp_module wp_module_system = {
    .name = "system",
    .surface = &system_surface,
    .fallback = true,
    .describe = system_describe,
};
