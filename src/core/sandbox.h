/*
 * sandbox.h — the sandbox partner that `serve --sandbox` creates.
 *
 * One partner (README: "Sandbox credentials") holds every surface's test
 * credentials; each surface module adds its own in its seed hook, in the
 * same transaction. Creating it is idempotent and only happens on a
 * database without partners, so a partner an operator removed or changed
 * is never silently re-created.
 */
#ifndef WP_SANDBOX_H
#define WP_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store/store.h"

#define WP_SANDBOX_PARTNER_EMAIL "sandbox@example.com"

/*
 * Inside tx: the sandbox partner's id (0 when the database has partners but
 * not this one); *created tells whether this call made it.
 */
wp_status wp_sandbox_partner(struct wp_store *s, struct wp_tx *tx, int64_t now_ms,
			     int64_t *partner_id, bool *created);

/*
 * The sandbox clock's offset where several processes share the database
 * (store ops->shared): kept as a document, so a move made through one
 * process is every process's. load: 0 when it was never moved; tx may be
 * NULL (a committed read). save: inside the write that moves it.
 */
wp_status wp_sandbox_clock_load(struct wp_store *s, struct wp_tx *tx, int64_t *offset_ms);
wp_status wp_sandbox_clock_save(struct wp_tx *tx, int64_t offset_ms, int64_t now_ms);

#endif
