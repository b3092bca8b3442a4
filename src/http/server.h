/*
 * server.h — the libmicrohttpd listener.
 *
 * epoll thread pool (one thread per core by default), connection limit and
 * idle timeout set (libmicrohttpd has neither by default), header memory
 * bounded, bodies bounded while they stream, ambiguous framing refused.
 * TLS is left to a reverse proxy in front (see README: nginx).
 */
#ifndef WP_SERVER_H
#define WP_SERVER_H

#include <stdint.h>

#include "app.h"
#include "error.h"

struct wp_server;

/* Binds and starts the worker threads. *port_out gets the bound port. */
wp_status wp_server_start(struct wp_app *app, struct wp_server **out, uint16_t *port_out,
			  char *err, size_t err_cap);
/*
 * Stops accepting, waits up to WP_SHUTDOWN_DRAIN_MS for requests in flight,
 * then stops the threads and frees the server.
 */
void wp_server_stop(struct wp_server *s);

#endif
