#include "core/sandbox.h"

#include "bounds.h"
#include "core/auth.h"

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
