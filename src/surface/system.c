/*
 * system.c — wonpay's own paths: GET /health (liveness: the process answers
 * and its store is there), GET /ready (readiness: a write commits), GET
 * /metrics (Prometheus' text format, core/metrics.h), and the envelope for
 * any path no provider surface owns (the fallback).
 */
#include <stdio.h>
#include <time.h>

#include "core/metrics.h"
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

/*
 * The counters for a Prometheus scrape. Open like /health and /ready, in
 * both modes: the labels are route patterns, surfaces and statuses, never a
 * path, a partner, an amount or a token (docs/decisions.md, "Metrics").
 */
static void metrics(struct wp_req *r)
{
	wp_buf b;
	wp_buf_init(&b, WP_METRICS_TEXT_MAX_BYTES);
	if (!wp_metrics_render(r->app->metrics, &b)) {
		wp_buf_free(&b);
		wp_own_reply_error(r, WP_E_NOMEM, "the metrics did not fit in memory; retry");
		return;
	}
	size_t len = 0;
	char *text = wp_buf_take(&b, &len);
	wp_reply_take(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	wp_reply_header(r, "Cache-Control", "no-store");
}

static const struct wp_doc_prop health_answer[] = {
    {"status", "string", "ok, or unavailable (503) when the database file is gone or replaced"},
    {"store", "string", "the storage backend"},
};
static const struct wp_route_doc health_doc = {
    .summary = "Liveness: the process answers and its database file is the one it opened",
    .answer_props = health_answer,
    .answer_prop_count = WP_COUNT(health_answer),
};
static const struct wp_doc_prop ready_answer[] = {
    {"status", "string", "ready, or not_ready (503)"},
    {"writes", "string", "durable, or why a write cannot commit"},
};
static const struct wp_route_doc ready_doc = {
    .summary = "Readiness: a write goes through the commit queue and is durable",
    .answer_props = ready_answer,
    .answer_prop_count = WP_COUNT(ready_answer),
};
static const struct wp_route_doc metrics_doc = {
    .summary = "Counters in Prometheus' text format (0.0.4)",
    .description = "Requests by surface, route pattern, method and status; latency "
		   "histograms; connections; commit batches, their size and fsync time, the "
		   "queue depth and refusals.",
    .answer = WP_DOC_ANSWER_TEXT,
};

static const struct wp_route system_routes[] = {
    {"GET", "/health", health, NULL, &health_doc},
    {"GET", "/ready", ready, NULL, &ready_doc},
    {"GET", "/metrics", metrics, NULL, &metrics_doc},
};

static const char *const system_paths[] = {"/health", "/ready", "/metrics"};

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
	/* One line: tests count the banner's lines before the sandbox credentials. */
	fprintf(out,
		"  health      GET  http://%s:%u/health (liveness), /ready (writes commit), "
		"/metrics (Prometheus)\n",
		app->cfg->listen_host, app->cfg->listen_port);
}

static const struct wp_api_doc system_api = {
    .title = "wonpay: probes and metrics",
    .description = "Liveness, readiness and Prometheus metrics; no credential.",
    .error_schema = wp_own_error_schema,
    .codes = wp_own_codes,
};

const struct wp_module wp_module_system = {
    .name = "system",
    .surface = &system_surface,
    .fallback = true,
    .describe = system_describe,
    .api = &system_api,
};
