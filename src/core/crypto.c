#include "core/crypto.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

wp_status wp_random_bytes(void *out, size_t n)
{
	if (n > INT32_MAX || RAND_bytes(out, (int)n) != 1)
		return WP_E_INTERNAL;
	return WP_OK;
}

wp_status wp_random_alnum(char *out, size_t n)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t k = 0;
	while (k < n) {
		uint8_t pool[64];
		if (wp_random_bytes(pool, sizeof(pool)) != WP_OK)
			return WP_E_INTERNAL;
		for (size_t i = 0; i < sizeof(pool) && k < n; i++) {
			/* 62 * 4 = 248: bytes 248..255 would bias the first letters. */
			if (pool[i] < 248)
				out[k++] = alphabet[pool[i] % 62];
		}
	}
	out[n] = '\0';
	return WP_OK;
}

void wp_sha256(const void *data, size_t n, uint8_t out[WP_SHA256_BYTES])
{
	unsigned int len = WP_SHA256_BYTES;
	EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

void wp_hex(const uint8_t *data, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[data[i] >> 4];
		out[2 * i + 1] = hex[data[i] & 15];
	}
	out[2 * n] = '\0';
}
