/*
 * metrics.h — the server's counters, served as GET /metrics in Prometheus'
 * text exposition format (version 0.0.4).
 *
 * Invariants:
 * - Recording never takes a lock and never allocates after a thread's first
 *   event: each thread that records owns a block of counters (found through
 *   a thread-specific pointer, registered once under the lock) and is the
 *   only writer of it, with relaxed atomic loads and stores (no bus-locked
 *   read-modify-write). A scrape sums every block under the lock, reading
 *   with relaxed loads. A thread that ends leaves its block, counts and all,
 *   for the next thread to continue. A thread that cannot get a block of its
 *   own (out of memory) counts into one shared block with atomic adds.
 * - Every label set is bounded and sized before the first event: surfaces
 *   and routes are registered once (the route tables' patterns, never a raw
 *   path; "none" when no route matched), methods and statuses are fixed
 *   lists (anything else is "other"). Registering after the first event is
 *   refused, so a block's layout never changes.
 * - Histogram buckets are counted one by one and made cumulative when
 *   rendered; _count is their sum, so le="+Inf" always equals _count.
 *
 * The metrics (names prefixed wonpay_):
 *   up, process_start_time_seconds
 *   http_requests_total{surface,route,method,status}
 *   http_request_duration_seconds{surface} (histogram)
 *   http_responses_503_total{surface}
 *   http_connections_open, http_connections_total, http_connections_refused_total
 *   commit_batches_total, commit_failures_total, commit_refused_total,
 *   commit_batch_size (histogram), commit_fsync_seconds (histogram), commit_queue_depth
 *   webhook_attempts_total{outcome}, webhook_retries_total,
 *   webhook_delivered_total, webhook_failed_total,
 *   webhook_attempt_duration_seconds (histogram),
 *   webhook_delivery_latency_seconds (histogram), webhook_in_flight
 */
#ifndef WP_METRICS_H
#define WP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct wp_metrics;

/* NULL when out of memory. */
struct wp_metrics *wp_metrics_new(void);
/* After every thread that records has stopped. NULL is ignored. */
void wp_metrics_free(struct wp_metrics *m);

/*
 * The route label table, before the first event: call once per slot, slots
 * numbered from 0 in call order. A slot is a surface's "no route matched"
 * (method and pattern NULL) or one of its routes. Slots with the same
 * labels share their counters (two tables may carry one surface name). The
 * strings must outlive m. False when out of memory or after the first event.
 */
bool wp_metrics_route(struct wp_metrics *m, const char *surface, const char *method,
		      const char *pattern);

/*
 * A request ended: its route slot, the request's method, the status
 * answered (0 when none was: the client went away first) and the time from
 * its header block to its end. Every recorder takes m == NULL as "off".
 */
void wp_metrics_request(struct wp_metrics *m, size_t slot, const char *method, unsigned status,
			uint64_t latency_ns);
/* A connection opened (change +1), closed (-1), or was refused at accept (0). */
void wp_metrics_connection(struct wp_metrics *m, int change);

/* The commit writer: a batch of commands ran (ok: its COMMIT is durable). */
void wp_metrics_commit_batch(struct wp_metrics *m, unsigned commands, bool ok);
/* How long a batch's COMMIT took (it returns once the batch is on disk). */
void wp_metrics_commit_time(struct wp_metrics *m, uint64_t ns);
/* A submission refused (queue full or stopping: a 503). */
void wp_metrics_commit_refused(struct wp_metrics *m);
/* Commands waiting now (set by the queue under its own lock). */
void wp_metrics_commit_depth(struct wp_metrics *m, unsigned depth);

/* How a webhook attempt ended: the label `outcome` (fixed list, metrics.c). */
enum wp_metrics_webhook_outcome {
	WP_METRICS_WEBHOOK_2XX,	     /* answered 2xx: delivered */
	WP_METRICS_WEBHOOK_NON_2XX,  /* answered with another status */
	WP_METRICS_WEBHOOK_TIMEOUT,  /* no answer in time (connect or total) */
	WP_METRICS_WEBHOOK_CONNECT,  /* no connection (refused, unreachable, DNS, TLS) */
	WP_METRICS_WEBHOOK_REFUSED,  /* the address is not allowed (SSRF rule) */
	WP_METRICS_WEBHOOK_ERROR,    /* anything else */
	WP_METRICS_WEBHOOK_OUTCOMES, /* count */
};
/* A webhook attempt ended: how, whether it was a retry, and how long it took. */
void wp_metrics_webhook_attempt(struct wp_metrics *m, int outcome, bool retry,
				uint64_t duration_ns);
/* A delivery ended for good: delivered (latency: since it was queued) or given up. */
void wp_metrics_webhook_done(struct wp_metrics *m, bool delivered, uint64_t latency_ns);
/* Attempts in flight now (set by the sender). */
void wp_metrics_webhook_in_flight(struct wp_metrics *m, unsigned n);

/* Appends the whole exposition to out; false when it did not fit or memory ran out. */
bool wp_metrics_render(struct wp_metrics *m, wp_buf *out);

#endif
