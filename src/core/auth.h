/*
 * auth.h — partners and their credentials, for every surface.
 *
 * A credential is what a partner presents on one surface: a secret alone
 * (AQR's developer token) or a public login with a secret (Kona's AspId
 * with its access key; Payple's cst_id with its custKey). Invariants:
 * - The secret a partner sends is stored only as its SHA-256 digest and
 *   compared digest to digest in constant time; it is shown once, when
 *   issued. Our tokens carry 128+ bits of entropy, so a fast hash suffices.
 * - A secret the server must use itself (Kona's HMAC key, a server private
 *   key) is stored sealed under the data key (core/crypto.h), bound to its
 *   surface and purpose, and opened only into a request's arena.
 * - A login, a crypto key id or a secret belongs to exactly one partner on
 *   one surface; another partner's never matches.
 * - A request whose credential is fully checked (for Kona: the tran token's
 *   signature too, so an unsigned request cannot spend a partner's limit)
 *   takes one token from the credential's bucket (wp_auth_take,
 *   core/ratelimit.h); past the rate the surface answers 429.
 */
#ifndef WP_AUTH_H
#define WP_AUTH_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/store.h"

#define WP_TOKEN_MAX_BYTES 128
#define WP_EMAIL_MAX_CHARS 100

struct wp_auth;

struct wp_auth_limits {
	uint32_t rate_per_s, rate_burst; /* requests per credential; 0 = off */
	uint32_t fail_per_s, fail_burst; /* failed checks per client address; 0 = off */
};

/* The checker: store, data key (copied), limits. NULL when out of memory. */
struct wp_auth *wp_auth_new(struct wp_store *s, const uint8_t *data_key,
			    const struct wp_auth_limits *limits);
void wp_auth_free(struct wp_auth *a);

/* Who presented a valid credential. Strings live in the arena given to the check. */
struct wp_principal {
	struct wp_partner partner;
	const char *login;	   /* NULL for a secret-only credential */
	const char *shared_secret; /* opened; NULL when the credential keeps none */
	uint8_t digest[32];	   /* the secret's digest: its rate-limit key */
};

/*
 * Checks a credential from a client address (IPv4; NULL: not from the
 * network): login NULL looks the secret up by its digest; else the login's
 * stored digest must equal the secret's. WP_E_RATE_LIMITED before any lookup
 * when the address failed too many checks lately; WP_E_UNAUTHORIZED when it
 * does not match (or the secret is empty or over WP_TOKEN_MAX_BYTES, or the
 * credential is refused in this mode: wp_auth_refuse), counted against the
 * address; WP_E_STORAGE
 * when the store fails, WP_E_INTERNAL when a sealed secret does not open
 * under this data key (logged).
 */
wp_status wp_auth_check(struct wp_auth *a, const char *surface, const char *login,
			const char *secret, const uint8_t *client, wp_arena *ar,
			struct wp_principal *out);

/* A credential checked outside wp_auth_check (an admin token, a tran token's signature). */
bool wp_auth_client_blocked(struct wp_auth *a, const uint8_t client[4]);
void wp_auth_client_failed(struct wp_auth *a, const uint8_t client[4]);

/*
 * From now on this credential never matches (live mode refuses the public
 * sandbox credentials). True if it exists in the store: the caller says so.
 */
bool wp_auth_refuse(struct wp_auth *a, const char *surface, const char *login, const char *secret);

/* One request of this credential: false when its rate is spent (answer 429). */
bool wp_auth_take(struct wp_auth *a, const struct wp_principal *p);

/* True if the surface has a credential with this login (committed state or tx). */
bool wp_auth_login_exists(struct wp_store *s, struct wp_tx *tx, const char *surface,
			  const char *login);

/*
 * The key pair of crypto key id `id` on the surface, if it belongs to the
 * credential `login`: new references the caller frees. Parsed keys are
 * cached (they never change once added). WP_E_NOT_FOUND for an unknown id or
 * another partner's.
 */
wp_status wp_auth_keys(struct wp_auth *a, const char *surface, const char *id, const char *login,
		       EVP_PKEY **server_private, EVP_PKEY **partner_public);

/* ---- issuing (inside a write transaction: the CLI and sandbox seeding) ---- */

/* Creates a partner. WP_E_INVALID for a bad email; WP_E_CONFLICT if the email is taken. */
wp_status wp_auth_partner_add(struct wp_tx *tx, const char *email, const char *name, int64_t now_ms,
			      int64_t *id);

/*
 * Stores a credential: the secret's digest, and shared_secret (may be NULL)
 * sealed under data_key. WP_E_CONFLICT if the login or the secret is taken.
 */
wp_status wp_auth_add(struct wp_tx *tx, const uint8_t *data_key, int64_t partner_id,
		      const char *surface, const char *login, const char *secret,
		      const char *shared_secret, int64_t now_ms);

/* Issues a fresh random secret ("<surface>_" + 32 alnum) with no login. */
wp_status wp_auth_issue(struct wp_tx *tx, int64_t partner_id, const char *surface, int64_t now_ms,
			char *secret_out, size_t cap);

/* Stores a key pair under `id` for the credential `login` (private key sealed). */
wp_status wp_auth_add_keys(struct wp_tx *tx, const uint8_t *data_key, int64_t partner_id,
			   const char *surface, const char *login, const char *id,
			   const char *server_private_pem, const char *server_public_pem,
			   const char *partner_public_pem, int64_t now_ms);

/* Plausible email: one '@', non-empty parts, a dot in the domain, no spaces. */
bool wp_auth_email_valid(const char *email);

#endif
