/*
 * webhook.h — webhooks: a durable outbox and the sender that empties it.
 *
 * Invariants:
 * - A delivery is written by the surface inside the write transaction that
 *   makes the event it announces (wp_webhook_enqueue, in the commit
 *   writer): it exists once the event is durable, and never without it.
 * - One delivery per event (surface, event id). Its id and its body never
 *   change: every attempt, retry or redelivery sends the same bytes with the
 *   same X-Wonpay-Delivery header, so a receiver can drop what it has seen.
 *   Delivery is at least once: an attempt cut short by a crash is made
 *   again after the restart.
 * - The sender runs on its own thread (libcurl's multi interface, bounded
 *   attempts in flight, fewer to any one host) and records every attempt
 *   through the commit queue; it never holds an HTTP worker. Host names are
 *   resolved on resolver threads, never on the sender's or a worker's.
 * - A failed attempt (non-2xx, timeout, no connection) is retried after
 *   base * 2^(tries-1) (capped, plus up to 10% jitter) until the round's
 *   attempts or total time run out; then the delivery is failed. A
 *   redelivery starts a new round.
 * - Destinations (server-side request forgery): an address that is not
 *   public (loopback, private, shared, link-local, unique-local,
 *   unspecified, multicast, reserved) is refused unless allowed — loopback
 *   in sandbox mode, everything with --webhook-allow-private. The rule is
 *   checked when the URL is given, again at every attempt on the addresses
 *   the host resolves to then, and those addresses are pinned for the
 *   connection (CURLOPT_RESOLVE) and checked once more as the socket opens.
 * - Bodies and signing secrets are sealed at rest under the data key.
 *
 * Schedules run on wonpay's clock (moving the sandbox clock makes waiting
 * retries due); the signature's t is real Unix time, which receivers check
 * against their own clocks.
 */
#ifndef WP_WEBHOOK_H
#define WP_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"
#include "store/store.h"
#include "util/clock.h"

struct wp_commit;
struct wp_metrics;

/* A delivery's state; stable numbers (stored). */
enum wp_webhook_state {
	WP_WEBHOOK_PENDING = 0,
	WP_WEBHOOK_DELIVERED = 1,
	WP_WEBHOOK_FAILED = 2, /* given up: attempts or total time ran out */
};
const char *wp_webhook_state_name(int state);

#define WP_WEBHOOK_ID_LEN 28	    /* "whd_" + 24 letters and digits */
#define WP_WEBHOOK_SECRET_LEN 38    /* "whsec_" + 32 letters and digits */
#define WP_WEBHOOK_SECRET_MAX 128   /* a stored secret, in bytes */
#define WP_WEBHOOK_SIGNATURE_MAX 96 /* "t=<unix>,v1=<64 hex>" */
#define WP_WEBHOOK_URL_MAX_BYTES 512
#define WP_WEBHOOK_HOST_MAX 256

struct wp_webhook_config {
	unsigned max_attempts;	     /* per round */
	unsigned max_age_s;	     /* a round's total time */
	unsigned retry_base_ms;	     /* the first retry's delay */
	unsigned retry_max_ms;	     /* the longest delay */
	unsigned timeout_ms;	     /* one attempt */
	unsigned connect_timeout_ms; /* one attempt's connect */
	unsigned concurrency;	     /* attempts in flight */
	bool allow_loopback;	     /* sandbox mode */
	bool allow_private;	     /* every destination (--webhook-allow-private) */
};

/* ---- destinations ---- */

enum wp_addr_class {
	WP_ADDR_PUBLIC,
	WP_ADDR_LOOPBACK,     /* 127/8, ::1 */
	WP_ADDR_PRIVATE,      /* RFC 1918: 10/8, 172.16/12, 192.168/16 */
	WP_ADDR_SHARED,	      /* RFC 6598 (CGNAT): 100.64/10 */
	WP_ADDR_LINK_LOCAL,   /* 169.254/16, fe80::/10 */
	WP_ADDR_UNIQUE_LOCAL, /* fc00::/7 (and the old site-local fec0::/10) */
	WP_ADDR_UNSPECIFIED,  /* 0/8, :: (0.0.0.0 reaches this host) */
	WP_ADDR_MULTICAST,    /* 224/4, ff00::/8 */
	WP_ADDR_RESERVED,     /* 240/4, 192.0.0/24, 198.18/15, and the like */
};
/* IPv4 and IPv6; an IPv6 address that embeds an IPv4 one (mapped, NAT64, 6to4) is the latter's. */
enum wp_addr_class wp_addr_classify(const struct sockaddr *sa);
/* "a loopback address", "a private address (RFC 1918)", ... */
const char *wp_addr_class_name(enum wp_addr_class c);
bool wp_addr_allowed(enum wp_addr_class c, bool allow_loopback, bool allow_private);

/* A webhook URL as libcurl parses it (its URL API: no parser differential). */
struct wp_webhook_url {
	char host[WP_WEBHOOK_HOST_MAX]; /* an IPv6 literal without its brackets */
	char port[8];			/* the default one when the URL names none */
	bool literal;			/* host is an IP address */
	bool ipv6;
};
/* False with a reason (", it must be ...") when not an absolute http(s) URL with a host. */
bool wp_webhook_url_parse(const char *url, struct wp_webhook_url *out, char *why, size_t cap);

/* ---- the pure parts: backoff, signature ---- */

/* The wait after the tries-th failed attempt of a round: base * 2^(tries-1), at most max. */
uint64_t wp_webhook_backoff_ms(unsigned tries, unsigned base_ms, unsigned max_ms);
/*
 * The X-Wonpay-Signature value: "t=<unix_s>,v1=<hex HMAC-SHA256 of
 * "<unix_s>.<body>" under the secret>". out has WP_WEBHOOK_SIGNATURE_MAX.
 */
void wp_webhook_signature(const char *secret, size_t secret_len, int64_t unix_s, const char *body,
			  size_t body_len, char out[WP_WEBHOOK_SIGNATURE_MAX]);

/* ---- the outbox (inside a write transaction: the commit writer) ---- */

struct wp_webhook_event {
	const char *surface;  /* "payple" */
	const char *owner;    /* the partner's login: whose secret signs it */
	const char *event_id; /* one delivery per event */
	const char *url;      /* checked by the caller (wp_webhooks_check) */
	const char *body;     /* the exact JSON sent */
	size_t body_len;
	int64_t now_ms; /* wonpay's clock */
};
/*
 * Queues the delivery, due now, its body sealed; id_out (may be NULL) gets
 * its id. WP_E_CONFLICT when the event has one already; WP_E_INVALID for a
 * body over WP_WEBHOOK_BODY_MAX_BYTES.
 */
wp_status wp_webhook_enqueue(struct wp_tx *tx, const uint8_t *data_key,
			     const struct wp_webhook_event *e, char *id_out);
/* A new round for a delivery of the surface: pending and due now, same id and body. */
wp_status wp_webhook_redeliver(struct wp_tx *tx, const char *surface, const char *id,
			       int64_t now_ms);
/* A fresh signing secret: "whsec_" + 32 letters and digits; out has WP_WEBHOOK_SECRET_LEN+1. */
wp_status wp_webhook_secret_new(char *out);
/* Stores an owner's signing secret, sealed. WP_E_CONFLICT when it has one. */
wp_status wp_webhook_secret_set(struct wp_tx *tx, const uint8_t *data_key, const char *surface,
				const char *owner, const char *secret, int64_t now_ms);
bool wp_webhook_secret_exists(struct wp_store *s, struct wp_tx *tx, const char *surface,
			      const char *owner);
/* A delivery's body opened (malloc'd, NUL-terminated), or NULL. */
char *wp_webhook_body_open(const uint8_t *data_key, const char *sealed, size_t *len);

/* ---- the sender ---- */

struct wp_webhooks;

/*
 * Starts the sender thread and the resolver threads; it resumes every
 * pending delivery at once. The data key is copied.
 */
wp_status wp_webhooks_start(struct wp_store *s, struct wp_commit *commit, const uint8_t *data_key,
			    const wp_clock *clock, struct wp_metrics *m,
			    const struct wp_webhook_config *cfg, struct wp_webhooks **out);
/* New or redelivered deliveries were committed: look now. NULL is ignored. */
void wp_webhooks_kick(struct wp_webhooks *w);

enum wp_webhook_check {
	WP_WEBHOOK_URL_OK,	/* an allowed address */
	WP_WEBHOOK_URL_REFUSED, /* why says why */
	WP_WEBHOOK_URL_RESOLVE, /* a host name: wp_webhooks_check_async */
};
/* The destination rule for a URL given now, as far as it can be said without DNS. */
enum wp_webhook_check wp_webhooks_check(const struct wp_webhooks *w, const char *url, char *why,
					size_t cap);
/*
 * The same for a host name, resolved on a resolver thread: done(ctx, ok,
 * why) runs there. WP_E_UNAVAILABLE (done not called) when the queue is
 * full or the sender stops.
 */
wp_status wp_webhooks_check_async(struct wp_webhooks *w, const char *url,
				  void (*done)(void *ctx, bool ok, const char *why), void *ctx);
/*
 * Stops: no new attempt starts, those in flight get WP_WEBHOOK_STOP_GRACE_MS
 * to finish (the rest are made again after a restart), the threads end.
 * Before the commit queue stops: attempts are recorded through it.
 */
void wp_webhooks_stop(struct wp_webhooks *w);
/* After the commit queue stopped. NULL is ignored. */
void wp_webhooks_free(struct wp_webhooks *w);

#endif
