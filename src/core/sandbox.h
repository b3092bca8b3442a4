/*
 * sandbox.h — what `serve --sandbox` creates on first start.
 *
 * The documented test partner (README: "Sandbox credentials"). Seeding is
 * idempotent: it only acts on a database that has no partners yet, so a
 * partner an operator removed or changed is never silently re-created.
 */
#ifndef WP_SANDBOX_H
#define WP_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store/store.h"

#define WP_SANDBOX_AQR_EMAIL "sandbox@example.com"
#define WP_SANDBOX_AQR_TOKEN "aqr_sandbox_token"

/* *created tells whether this call seeded an empty database. */
wp_status wp_sandbox_seed(struct wp_store *s, int64_t now_ms, bool *created);

#endif
