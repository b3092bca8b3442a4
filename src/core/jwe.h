/*
 * jwe.h — JSON Web Encryption, compact form, as Konaplate uses it:
 * key management RSA-OAEP-256 (RFC 7518 §4.3, SHA-256 and MGF1-SHA-256),
 * content A128GCM or A256GCM (§5.3), AAD = the protected header as sent.
 *
 * Implemented on OpenSSL directly: Debian 12's libcjose (0.6.2) offers
 * RSA-OAEP with SHA-1 only, not RSA-OAEP-256 (docs/decisions.md).
 */
#ifndef WP_JWE_H
#define WP_JWE_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* PEM (PKCS#8 / SPKI) to key; NULL if it does not parse or is not RSA. */
EVP_PKEY *wp_rsa_private_from_pem(const char *pem);
EVP_PKEY *wp_rsa_public_from_pem(const char *pem);
/* A new RSA key pair as two malloc'd PEM strings. */
wp_status wp_rsa_generate(unsigned bits, char **private_pem, char **public_pem);

/*
 * Decrypts compact JWE with priv. On success *plain is malloc'd (NUL added,
 * not counted). Any failure is WP_E_INVALID with a message that does not
 * say which check failed beyond the header (no padding/tag oracle).
 */
wp_status wp_jwe_decrypt(EVP_PKEY *priv, const char *compact, size_t len, uint8_t **plain,
			 size_t *plain_len, char *err, size_t err_cap);
/* Encrypts to pub; enc is "A128GCM" or "A256GCM". malloc'd compact JWE or NULL. */
char *wp_jwe_encrypt(EVP_PKEY *pub, const char *enc, const uint8_t *plain, size_t n);

#endif
