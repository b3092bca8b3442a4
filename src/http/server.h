/*
 * server.h — the libmicrohttpd listener.
 *
 * epoll thread pool (one thread per core by default), connection limit and
 * idle timeout set (libmicrohttpd has neither by default), header memory
 * bounded, bodies bounded while they stream, ambiguous framing refused.
 * TLS is left to a reverse proxy in front (see README: nginx).
 *
 * The server is told everything it needs in struct wp_http_options; it
 * includes nothing of the core or the surfaces.
 */
#ifndef WP_SERVER_H
#define WP_SERVER_H

#include <stdint.h>

#include "error.h"
#include "http/http.h"
#include "util/clock.h"

struct wp_journal;
struct wp_metrics; /* opaque here: core/metrics.h */

/*
 * Metrics (m NULL: off). At bind the server names every route slot once,
 * numbered from 0 in call order: for each surface in surfaces[] (then the
 * fallback if no table holds it), its "no route matched" slot (method and
 * pattern NULL) then each of its routes. Then, from the worker threads and
 * without blocking: request() as each request ends, connection() as a
 * connection opens (+1), closes (-1) or is refused at accept (0).
 */
struct wp_http_metrics {
	struct wp_metrics *m;
	bool (*route)(struct wp_metrics *m, const char *surface, const char *method,
		      const char *pattern);
	void (*request)(struct wp_metrics *m, size_t slot, const char *method, unsigned status,
			uint64_t latency_ns);
	void (*connection)(struct wp_metrics *m, int change);
};

struct wp_http_options {
	const char *listen_host; /* IPv4 address */
	uint16_t listen_port;	 /* 0 picks a free port */
	unsigned threads;
	unsigned conn_limit;
	unsigned conn_per_ip;	   /* 0 = none */
	unsigned conn_timeout_s;   /* idle */
	unsigned header_timeout_s; /* the whole header block */
	unsigned min_body_rate;	   /* bytes/s; 0 = any */
	size_t max_body_bytes;
	/* The surfaces, in match order, and the one answering paths nobody owns. */
	const struct wp_surface *const *surfaces;
	size_t surface_count;
	const struct wp_surface *fallback;
	int access_log_fd;	    /* -1 when off */
	struct wp_journal *journal; /* NULL when off */
	const char *cors_origins;   /* "*", "https://a.example,https://b.example", or "" */
	const wp_clock *clock;	    /* the time in the access log and journal */
	uint32_t boot_id;	    /* random per process: prefixes request ids */
	/* On stop, when requests still wait after the drain: run what they wait on now. */
	void (*flush)(struct wp_app *app);
	struct wp_app *app; /* handed to handlers as r->app */
	struct wp_http_metrics metrics;
};

struct wp_server;

/*
 * Binds and listens (no thread yet): *port_out gets the bound port, so the
 * caller can finish its configuration before any request can read it.
 */
wp_status wp_server_bind(const struct wp_http_options *o, struct wp_server **out,
			 uint16_t *port_out, char *err, size_t err_cap);
/* Starts the worker threads; on failure the server is freed. */
wp_status wp_server_run(struct wp_server *s, char *err, size_t err_cap);
/*
 * Stops accepting (requests on open connections get 503), waits up to
 * WP_SHUTDOWN_DRAIN_MS for requests in flight and suspended ones to finish,
 * then flush()es and waits WP_SHUTDOWN_FLUSH_MS more, then stops the
 * threads and frees the server. A suspended request is never abandoned
 * under a stopping daemon.
 */
void wp_server_stop(struct wp_server *s);

#endif
