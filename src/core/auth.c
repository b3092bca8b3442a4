#include "core/auth.h"

#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "util/text.h"

bool wp_auth_email_valid(const char *e)
{
	size_t n = strlen(e);
	const char *at = strchr(e, '@');
	if (n == 0 || n > 254 || at == NULL || at == e || strchr(at + 1, '@') != NULL)
		return false;
	const char *dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)e[i];
		if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '"' || c == ',')
			return false;
	}
	return wp_utf8_valid(e, n);
}

wp_status wp_auth_partner_add(struct wp_tx *tx, const char *email, const char *name,
			      int64_t now_ms, int64_t *id)
{
	if (!wp_auth_email_valid(email) || wp_utf8_chars(email, strlen(email)) > WP_EMAIL_MAX_CHARS)
		return WP_E_INVALID;
	return tx->ops->partner_insert(tx, email, name, now_ms, id);
}

wp_status wp_auth_register(struct wp_tx *tx, int64_t partner_id, const char *surface,
			   const char *secret, int64_t now_ms)
{
	uint8_t d[WP_SHA256_BYTES];
	wp_sha256(secret, strlen(secret), d);
	return tx->ops->credential_insert(tx, partner_id, surface, d, now_ms);
}

wp_status wp_auth_issue(struct wp_tx *tx, int64_t partner_id, const char *surface,
			int64_t now_ms, char *secret_out, size_t cap)
{
	char random[33];
	wp_status st = wp_random_alnum(random, 32);
	if (st != WP_OK)
		return st;
	int n = snprintf(secret_out, cap, "%s_%s", surface, random);
	if (n < 0 || (size_t)n >= cap)
		return WP_E_INTERNAL;
	return wp_auth_register(tx, partner_id, surface, secret_out, now_ms);
}

wp_status wp_auth_partner(struct wp_store *s, const char *surface, const char *secret,
			  wp_arena *a, struct wp_partner *out, uint8_t digest_out[32])
{
	size_t n = strlen(secret);
	if (n == 0 || n > WP_TOKEN_MAX_BYTES)
		return WP_E_UNAUTHORIZED;
	wp_sha256(secret, n, digest_out);
	wp_status st = s->ops->partner_by_credential(s, surface, digest_out, a, out);
	return st == WP_E_NOT_FOUND ? WP_E_UNAUTHORIZED : st;
}
