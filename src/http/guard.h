/*
 * guard.h — fair connections: no client can hold the server for others.
 *
 * libmicrohttpd bounds connections in total and times out idle ones, but a
 * client that trickles a header byte every few seconds is never idle, and
 * one address can take every connection. The guard adds, per connection:
 * - a limit per client address (0 = none), and a reserve: when the server
 *   is nearly full, only addresses that hold no connection get in;
 * - a deadline for the whole header block (from the connection's start, or
 *   the idle timeout after a finished request on a kept-alive connection);
 * - a minimum body rate once a body has had a second to start.
 * A connection past its deadline or rate is shut down (shutdown(2) on its
 * socket, under the guard's lock; libmicrohttpd sees the end and cleans up,
 * and tells the guard before it closes the descriptor).
 */
#ifndef WP_GUARD_H
#define WP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct wp_guard_config {
	unsigned conn_limit;	   /* the server's total */
	unsigned conn_per_ip;	   /* 0 = no limit */
	unsigned reserve;	   /* kept for addresses that hold none */
	unsigned header_timeout_s; /* the whole header block */
	unsigned idle_timeout_s;   /* between requests on a kept-alive connection */
	unsigned min_body_rate;	   /* bytes/s after the body's first second; 0 = any */
};

struct wp_guard;
struct wp_guard_conn;

/* Starts the sweeper thread. NULL when out of memory. */
struct wp_guard *wp_guard_new(const struct wp_guard_config *cfg);
/* Stops the sweeper and frees the guard (after every connection closed). */
void wp_guard_free(struct wp_guard *g);

/*
 * Accept policy: may this address open one more connection now? An admitted
 * connection is counted at once; wp_guard_opened must follow (libmicrohttpd
 * starts every connection it accepted; should it fail between the two, the
 * count stays one too high for that address).
 */
bool wp_guard_admit(struct wp_guard *g, const struct sockaddr *addr);
/* An admitted connection started (NULL when out of memory: then it is not watched). */
struct wp_guard_conn *wp_guard_opened(struct wp_guard *g, int fd, const struct sockaddr *addr);
/* Before its descriptor closes. */
void wp_guard_closed(struct wp_guard *g, struct wp_guard_conn *c);

/* The header block is in; a body may follow. */
void wp_guard_headers_done(struct wp_guard *g, struct wp_guard_conn *c);
/* n more body bytes arrived. */
void wp_guard_body(struct wp_guard *g, struct wp_guard_conn *c, size_t n);
/* The request is being handled (or waits on a commit): no deadline runs. */
void wp_guard_busy(struct wp_guard *g, struct wp_guard_conn *c);
/* The request is answered: the connection may wait for the next one. */
void wp_guard_idle(struct wp_guard *g, struct wp_guard_conn *c);
/* Connections shut down so far (for tests and logs). */
uint64_t wp_guard_cut(struct wp_guard *g);

#endif
