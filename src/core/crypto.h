/*
 * crypto.h — randomness, hashing and secret comparison (OpenSSL libcrypto).
 *
 * Keywords and tokens come from the OS CSPRNG via RAND_bytes; a failure to
 * get randomness is an error, never a fallback to something predictable.
 * Secrets are stored only as SHA-256 digests: the tokens we issue carry 128+
 * bits of entropy, so a fast hash is enough (no password stretching needed).
 */
#ifndef WP_CRYPTO_H
#define WP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define WP_SHA256_BYTES 32

wp_status wp_random_bytes(void *out, size_t n);
/* n random characters from alphabet (1..256 symbols), unbiased (rejection sampling); out has n+1. */
wp_status wp_random_from(const char *alphabet, char *out, size_t n);
/* n random characters from [A-Za-z0-9], unbiased (rejection sampling); out has n+1. */
wp_status wp_random_alnum(char *out, size_t n);
void wp_sha256(const void *data, size_t n, uint8_t out[WP_SHA256_BYTES]);
void wp_hex(const uint8_t *data, size_t n, char *out /* 2n+1 */);

void wp_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
		    uint8_t out[WP_SHA256_BYTES]);

/* Base64 (RFC 4648 §4, padded) and base64url (§5, unpadded). out has enough room:
 * encode: 4*ceil(n/3)+1; decode: 3*(len/4)+3. Decoders refuse bad input (false). */
size_t wp_base64_encode(const uint8_t *in, size_t n, char *out);
size_t wp_base64url_encode(const uint8_t *in, size_t n, char *out);
bool wp_base64url_decode(const char *in, size_t len, uint8_t *out, size_t *out_len);
bool wp_base64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len);

/*
 * Personal data at rest: AES-256-GCM with a random 96-bit nonce; the sealed
 * form is base64(nonce || ciphertext || tag), a NUL-terminated string that
 * SQL stores as text. `aad` binds a value to its column ("kona.name"), so a
 * ciphertext moved to another column fails to open.
 */
#define WP_DATA_KEY_BYTES 32
char *wp_seal(const uint8_t key[WP_DATA_KEY_BYTES], const char *aad, const void *plain,
	      size_t n); /* malloc'd, NULL on failure */
/* malloc'd NUL-terminated plaintext, NULL if it does not open (wrong key, tampered). */
char *wp_open(const uint8_t key[WP_DATA_KEY_BYTES], const char *aad, const char *sealed, size_t *n);
/* Keyed lookup hash of personal data (HMAC-SHA256 under the data key), hex. */
void wp_lookup_hash(const uint8_t key[WP_DATA_KEY_BYTES], const char *domain, const char *value,
		    char out[2 * WP_SHA256_BYTES + 1]);

#endif
