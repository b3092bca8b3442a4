/*
 * kona.h — the Konaplate surface (prepaid platform: members and bank accounts).
 *
 * Wire contract: specs/kona-*.txt plus the real platform's pages
 * (docs/decisions.md says what was observed and what is inferred). Every
 * call is POST JSON under /api/v1/... and /open-api/api/v1/...; the X-KM-*
 * headers are checked, the tran token (HMAC-SHA256 of the raw body under the
 * partner's secret key) verified in constant time, stale or replayed tokens
 * refused; with X-KM-Crypto-Key-Id the body is {"encData":"<JWE>"} and the
 * answer is encrypted to the partner's public key. Answers carry the data
 * fields plus "response":{"code","description"}.
 *
 * The parsers are exposed for the unit tests.
 */
#ifndef WP_SURFACE_KONA_H
#define WP_SURFACE_KONA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/store.h"

#define KONA_ASP_ID_LEN 15
#define KONA_ACCESS_KEY_LEN 40
#define KONA_CRYPTO_KEY_ID_LEN 32
#define KONA_CORRELATION_ID_LEN 20

/* yyMMddHHmmss-xxxxxxx with a real date and 7 hex digits. */
bool kona_correlation_id_valid(const char *s);

/* Milliseconds since the epoch for yyyyMMddHHmmss[SSS] in zone ("KST", "UTC", ...). */
bool kona_parse_time(const char *digits, size_t n, const char *zone, int64_t *ms);

enum kona_token_check {
	KONA_TOKEN_OK = 0,
	KONA_TOKEN_MALFORMED,  /* not KMV1:<17 digits>:<base64 of 32 bytes> */
	KONA_TOKEN_BAD_SIGNATURE,
	KONA_TOKEN_STALE,      /* its time is more than the allowed skew from now */
};

/*
 * Verifies X-KM-Tran-Token = "KMV1:" yyyyMMddHHmmssSSS ":" base64(HMAC-SHA256(
 * secret, body)) against the raw body, in constant time. zone is
 * X-KM-Time-Zone. *token_ms gets the token's time when it parses.
 */
enum kona_token_check kona_verify_tran_token(const char *token, const char *secret,
					     const void *body, size_t body_len, const char *zone,
					     int64_t now_ms, int64_t skew_ms, int64_t *token_ms);

/* Kona credentials, as `wonpay partner add` and sandbox mode create them. */
struct kona_credentials {
	char asp_id[KONA_ASP_ID_LEN + 1];
	char access_key[KONA_ACCESS_KEY_LEN + 1];
	char secret_key[64];
	char crypto_key_id[KONA_CRYPTO_KEY_ID_LEN + 1];
};

/*
 * Inside a write transaction: stores the credentials (access key as SHA-256,
 * secret and server private key sealed under the data key) and the key pair
 * for crypto_key_id. WP_E_CONFLICT if the AspId or key id exists.
 */
wp_status kona_provision(struct wp_tx *tx, const uint8_t *data_key, int64_t partner_id,
			 const struct kona_credentials *c, const char *server_private_pem,
			 const char *server_public_pem, const char *partner_public_pem,
			 int64_t now_ms);
/*
 * Parsed RSA keys per crypto key id, so an encrypted request does not unseal
 * and parse PEM every time (keys never change once provisioned). Bounded;
 * the server holds one in struct wp_app.
 */
struct kona_key_cache;
struct kona_key_cache *kona_key_cache_new(void);
void kona_key_cache_free(struct kona_key_cache *c);

/* Fresh random credentials (AspId, access key, secret, key id). */
wp_status kona_generate_credentials(struct kona_credentials *c);
/* True if the AspId already has credentials (committed read). */
bool kona_partner_exists(struct wp_store *s, const char *asp_id);

#endif
