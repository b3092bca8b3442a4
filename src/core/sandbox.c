#include "core/sandbox.h"

#include "core/auth.h"

static wp_status seed_partner(struct wp_tx *tx, void *arg)
{
	int64_t now_ms = *(int64_t *)arg;
	int64_t id;
	wp_status st = wp_auth_partner_add(tx, WP_SANDBOX_AQR_EMAIL, "Sandbox partner", now_ms, &id);
	return st == WP_OK ? wp_auth_register(tx, id, "aqr", WP_SANDBOX_AQR_TOKEN, now_ms) : st;
}

wp_status wp_sandbox_seed(struct wp_store *s, int64_t now_ms, bool *created)
{
	*created = false;
	int64_t count = 0;
	wp_status st = s->ops->partner_count(s, &count);
	if (st != WP_OK || count > 0)
		return st;
	/* Partner and token in one transaction: a crash never leaves one without the other. */
	st = wp_store_write(s, seed_partner, &now_ms);
	*created = st == WP_OK;
	return st;
}
