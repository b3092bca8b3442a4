/*
 * app.h — the server's context, passed to every handler through the request.
 *
 * Configuration is read-only after start. The few fields that change at run
 * time (the sandbox clock offset) are atomics or own their locks; there are
 * no mutable globals. The app names no surface: each surface module keeps
 * its own state in module_state (src/surface/kit.h).
 */
#ifndef WP_APP_H
#define WP_APP_H

#define WONPAY_VERSION "0.1.0"

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"
#include "config.h"
#include "core/auth.h"
#include "core/bank.h"
#include "core/commit.h"
#include "core/crypto.h"
#include "core/timer.h"
#include "store/store.h"
#include "util/clock.h"

struct wp_journal;
struct wp_metrics;
struct wp_webhooks;

struct wp_app {
	const struct wp_config *cfg;
	struct wp_store *store;
	struct wp_commit *commit;	     /* the write path: every write goes through it */
	struct wp_auth *auth;		     /* partners' credentials, rate limits, key pairs */
	struct wp_bank_net *bank;	     /* the bank network (sandbox implementation) */
	struct wp_timer *timer;		     /* delayed work: slow banks, simulated calls */
	struct wp_journal *journal;	     /* sandbox only: GET /sandbox/requests */
	struct wp_metrics *metrics;	     /* GET /metrics: the counters (core/metrics.h) */
	struct wp_webhooks *webhooks;	     /* the webhook sender (core/webhook.h) */
	uint8_t data_key[WP_DATA_KEY_BYTES]; /* seals personal data at rest */
	wp_clock clock;
	bool sandbox_partner_created;	    /* this start made the sandbox partner */
	void *module_state[WP_MODULES_MAX]; /* by position in wp_modules[] */
};

#endif
