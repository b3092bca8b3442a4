#include "core/sandbox.h"

#include "bounds.h"
#include "core/auth.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define CLOCK_KIND "sandbox.clock"
#define CLOCK_ID "offset"

wp_status wp_sandbox_clock_load(struct wp_store *s, struct wp_tx *tx, int64_t *offset_ms)
{
	const struct wp_store_ops *ops = tx != NULL ? tx->ops : s->ops;
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	struct wp_doc d;
	*offset_ms = 0;
	wp_status st = ops->doc_get(s, tx, CLOCK_KIND, CLOCK_ID, &a, &d);
	if (st == WP_OK) {
		char *end;
		long long v = strtoll(d.body, &end, 10);
		*offset_ms = *end == '\0' && v >= 0 ? (int64_t)v : 0;
	}
	wp_arena_free(&a);
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}

wp_status wp_sandbox_clock_save(struct wp_tx *tx, int64_t offset_ms, int64_t now_ms)
{
	char body[24];
	snprintf(body, sizeof(body), "%" PRId64, offset_ms);
	struct wp_doc d = {.kind = CLOCK_KIND,
			   .id = CLOCK_ID,
			   .owner = "",
			   .ref = "",
			   .body = body,
			   .created_ms = now_ms,
			   .updated_ms = now_ms};
	wp_status st = tx->ops->doc_update(tx, &d);
	return st == WP_E_NOT_FOUND ? tx->ops->doc_insert(tx, &d) : st;
}

wp_status wp_sandbox_partner(struct wp_store *s, struct wp_tx *tx, int64_t now_ms,
			     int64_t *partner_id, bool *created)
{
	*created = false;
	*partner_id = 0;
	int64_t count = 0;
	wp_status st = s->ops->partner_count(s, &count);
	if (st != WP_OK)
		return st;
	if (count == 0) {
		st = wp_auth_partner_add(tx, WP_SANDBOX_PARTNER_EMAIL, "Sandbox partner", now_ms,
					 partner_id);
		*created = st == WP_OK;
		return st;
	}
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	struct wp_partner p;
	st = s->ops->partner_by_email(s, WP_SANDBOX_PARTNER_EMAIL, &a, &p);
	if (st == WP_OK)
		*partner_id = p.id;
	wp_arena_free(&a);
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}
