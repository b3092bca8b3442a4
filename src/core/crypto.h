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
/* n random characters from [A-Za-z0-9], unbiased (rejection sampling); out has n+1. */
wp_status wp_random_alnum(char *out, size_t n);
void wp_sha256(const void *data, size_t n, uint8_t out[WP_SHA256_BYTES]);
void wp_hex(const uint8_t *data, size_t n, char *out /* 2n+1 */);

#endif
