/*
 * app.h — the server's context, passed to every handler through the request.
 *
 * Configuration is read-only after start. The few fields that change at run
 * time (counters, the sandbox clock offset) are atomics or own their locks;
 * there are no mutable globals.
 */
#ifndef WP_APP_H
#define WP_APP_H

#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "core/clock.h"
#include "core/bank.h"
#include "core/commit.h"
#include "core/timer.h"
#include "core/ratelimit.h"
#include "http/http.h"
#include "store/store.h"

struct wp_app {
	const struct wp_config *cfg;
	struct wp_store *store;
	struct wp_commit *commit; /* the write path: every write goes through it */
	struct wp_ratelimit *rate;
	struct wp_bank_net *bank;   /* the bank network (sandbox implementation) */
	struct wp_timer *timer;     /* delayed answers of slow banks */
	struct wp_journal *journal; /* sandbox only: GET /sandbox/requests */
	struct wp_replay *replay;   /* Kona tran tokens already used */
	struct kona_key_cache *kona_keys; /* parsed Kona RSA keys by crypto key id */
	uint8_t data_key[32];       /* seals personal data at rest (core/crypto.h) */
	wp_clock clock;
	int access_log_fd; /* -1 when off */
	const struct wp_surface *const *surfaces;
	size_t surface_count;
	uint32_t boot_id; /* random per process, prefixes request ids */
	_Atomic uint64_t request_seq;
	_Atomic int64_t inflight;
	_Atomic int stopping;
};

/* The surfaces, in match order. */
extern const struct wp_surface wp_surface_aqr;
extern const struct wp_surface wp_surface_system;
extern const struct wp_surface wp_surface_kona;
extern const struct wp_surface wp_surface_sandbox;      /* only with --sandbox */
extern const struct wp_surface wp_surface_kona_sandbox; /* only with --sandbox */

/* The sandbox control API's admin check; false after replying 401. */
bool wp_sandbox_admin_or_reply(struct wp_req *r);

#endif
