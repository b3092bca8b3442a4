#include "core/sandbox.h"

#include "core/auth.h"

wp_status wp_sandbox_seed(struct wp_store *s, int64_t now_ms, bool *created)
{
	*created = false;
	int64_t count = 0;
	wp_status st = s->ops->partner_count(s, &count);
	if (st != WP_OK || count > 0)
		return st;
	int64_t id;
	st = wp_auth_partner_add(s, WP_SANDBOX_AQR_EMAIL, "Sandbox partner", now_ms, &id);
	if (st == WP_OK)
		st = wp_auth_register(s, id, "aqr", WP_SANDBOX_AQR_TOKEN, now_ms);
	*created = st == WP_OK;
	return st;
}
