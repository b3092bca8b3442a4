/*
 * auth.h — partners and their credentials, per surface.
 *
 * A credential is a secret the partner sends (AQR: the developer token). Only
 * its SHA-256 digest is stored; the secret is shown once when issued. Lookup
 * is by digest, so the comparison never touches the secret byte by byte.
 */
#ifndef WP_AUTH_H
#define WP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/store.h"

#define WP_TOKEN_MAX_BYTES 128
#define WP_EMAIL_MAX_CHARS 100

/* Creates a partner. WP_E_CONFLICT if the email is taken. */
wp_status wp_auth_partner_add(struct wp_tx *tx, const char *email, const char *name,
			      int64_t now_ms, int64_t *id);
/* Issues a fresh random secret ("<surface>_" + 32 alnum) and stores its digest. */
wp_status wp_auth_issue(struct wp_tx *tx, int64_t partner_id, const char *surface,
			int64_t now_ms, char *secret_out, size_t cap);
/* Stores a known secret (sandbox's documented test token). */
wp_status wp_auth_register(struct wp_tx *tx, int64_t partner_id, const char *surface,
			   const char *secret, int64_t now_ms);
/* The partner holding this secret on this surface; WP_E_UNAUTHORIZED if none. */
wp_status wp_auth_partner(struct wp_store *s, const char *surface, const char *secret,
			  wp_arena *a, struct wp_partner *out, uint8_t digest_out[32]);
/* Plausible email: one '@', non-empty parts, a dot in the domain, no spaces. */
bool wp_auth_email_valid(const char *email);

#endif
