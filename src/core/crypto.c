#include "core/crypto.h"

#include <assert.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Each thread keeps what it needs for SHA-256 (the digest fetched once, a
 * context of its own) and a pool of random bytes drawn from OpenSSL's DRBG
 * 256 at a time: OpenSSL's one-shot calls fetch the algorithm and set up a
 * context on every call, which cost more than the hashing (bench/payple.sh).
 */
struct thread_crypto {
	EVP_MD_CTX *md_ctx;
	EVP_CIPHER_CTX *gcm_ctx; /* sealing and opening: set up again per call, not made */
	uint8_t pool[256];
	size_t pool_left; /* unused bytes at the pool's end */
};

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static pthread_key_t crypto_key; /* its destructor frees a thread's state at its exit */
static EVP_MD *sha256_md;
static EVP_CIPHER *aes_gcm; /* fetched once: a lookup by name per call cost more than the AES */
static __thread struct thread_crypto thread_state;

static void thread_crypto_free(void *p)
{
	struct thread_crypto *t = p;
	EVP_MD_CTX_free(t->md_ctx);
	t->md_ctx = NULL;
	EVP_CIPHER_CTX_free(t->gcm_ctx);
	t->gcm_ctx = NULL;
	OPENSSL_cleanse(t->pool, sizeof(t->pool));
	t->pool_left = 0;
}

static void crypto_init(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (pthread_key_create(&crypto_key, thread_crypto_free) != 0)
		abort();
}

/* The calling thread's state, set up on first use; NULL when out of memory. */
static struct thread_crypto *thread_crypto(void)
{
	struct thread_crypto *t = &thread_state;
	if (t->md_ctx != NULL)
		return t;
	pthread_once(&crypto_once, crypto_init);
	if ((t->md_ctx = EVP_MD_CTX_new()) == NULL)
		return NULL;
	if ((t->gcm_ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    pthread_setspecific(crypto_key, t) != 0) {
		thread_crypto_free(t);
		return NULL;
	}
	return t;
}

wp_status wp_random_bytes(void *out, size_t n)
{
	struct thread_crypto *t = n <= sizeof(t->pool) / 4 ? thread_crypto() : NULL;
	if (t == NULL) { /* a large request, or no pool: straight from the DRBG */
		if (n > INT32_MAX || RAND_bytes(out, (int)n) != 1)
			return WP_E_INTERNAL;
		return WP_OK;
	}
	if (t->pool_left < n) {
		if (RAND_bytes(t->pool, (int)sizeof(t->pool)) != 1)
			return WP_E_INTERNAL;
		t->pool_left = sizeof(t->pool);
	}
	uint8_t *from = t->pool + sizeof(t->pool) - t->pool_left;
	memcpy(out, from, n);
	OPENSSL_cleanse(from, n); /* handed out once */
	t->pool_left -= n;
	return WP_OK;
}

wp_status wp_random_from(const char *alphabet, char *out, size_t n)
{
	size_t a = strlen(alphabet);
	assert(a > 0);
	assert(a <= 256);
	/* Bytes at or past the last whole multiple of a would bias the first symbols. */
	unsigned limit = 256 - 256 % (unsigned)a;
	size_t k = 0;
	while (k < n) {
		uint8_t pool[64];
		if (wp_random_bytes(pool, sizeof(pool)) != WP_OK)
			return WP_E_INTERNAL;
		for (size_t i = 0; i < sizeof(pool) && k < n; i++)
			if (pool[i] < limit)
				out[k++] = alphabet[pool[i] % a];
	}
	out[n] = '\0';
	return WP_OK;
}

wp_status wp_random_alnum(char *out, size_t n)
{
	return wp_random_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", out,
			      n);
}

/* SHA-256 of two parts on the thread's context; false when it cannot run. */
static bool sha256_two(const void *a, size_t an, const void *b, size_t bn,
		       uint8_t out[WP_SHA256_BYTES])
{
	struct thread_crypto *t = thread_crypto();
	return t != NULL && sha256_md != NULL && EVP_DigestInit_ex2(t->md_ctx, sha256_md, NULL) &&
	       EVP_DigestUpdate(t->md_ctx, a, an) && EVP_DigestUpdate(t->md_ctx, b, bn) &&
	       EVP_DigestFinal_ex(t->md_ctx, out, NULL);
}

void wp_sha256(const void *data, size_t n, uint8_t out[WP_SHA256_BYTES])
{
	if (sha256_two(data, n, "", 0, out))
		return;
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

/* HMAC-SHA256 (RFC 2104) on the thread's context: H(K^opad || H(K^ipad || data)). */
void wp_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
		    uint8_t out[WP_SHA256_BYTES])
{
	enum { BLOCK = 64 };
	uint8_t k[BLOCK] = {0}, pad[BLOCK], inner[WP_SHA256_BYTES];
	bool ok = true;
	if (key_len > BLOCK)
		ok = sha256_two(key, key_len, "", 0, k);
	else
		memcpy(k, key, key_len);
	for (size_t i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	ok = ok && sha256_two(pad, BLOCK, data, n, inner);
	for (size_t i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	ok = ok && sha256_two(pad, BLOCK, inner, sizeof(inner), out);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	if (!ok) { /* no thread state (out of memory): OpenSSL's one-shot */
		unsigned int len = WP_SHA256_BYTES;
		HMAC(EVP_sha256(), key, (int)key_len, data, n, out, &len);
	}
}

static size_t b64_encode(const uint8_t *in, size_t n, char *out, const char *alpha, bool pad)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = alpha[(v >> 18) & 63];
		out[o++] = alpha[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = alpha[(v >> 6) & 63];
		else if (pad)
			out[o++] = '=';
		if (i + 2 < n)
			out[o++] = alpha[v & 63];
		else if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t wp_base64_encode(const uint8_t *in, size_t n, char *out)
{
	return b64_encode(in, n, out, B64, true);
}

size_t wp_base64url_encode(const uint8_t *in, size_t n, char *out)
{
	return b64_encode(in, n, out, B64URL, false);
}

static bool b64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len, const char *alpha,
		       bool padded)
{
	if (padded) {
		if (len % 4 != 0)
			return false;
		size_t pads = 0;
		while (pads < 2 && len > 0 && in[len - 1] == '=') {
			len--;
			pads++;
		}
	}
	if (len % 4 == 1)
		return false;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		const char *p = in[i] ? strchr(alpha, in[i]) : NULL;
		if (p == NULL)
			return false;
		acc = (acc << 6) | (uint32_t)(p - alpha);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return false; /* non-canonical trailing bits */
	*out_len = o;
	return true;
}

bool wp_base64url_decode(const char *in, size_t len, uint8_t *out, size_t *out_len)
{
	return b64_decode(in, len, out, out_len, B64URL, false);
}

bool wp_base64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len)
{
	return b64_decode(in, len, out, out_len, B64, true);
}

char *wp_seal(const uint8_t key[WP_DATA_KEY_BYTES], const char *aad, const void *plain, size_t n)
{
	if (n > (1u << 20))
		return NULL;
	size_t raw_len = 12 + n + 16;
	uint8_t *raw = malloc(raw_len);
	char *out = malloc(4 * ((raw_len + 2) / 3) + 1);
	struct thread_crypto *t = thread_crypto();
	EVP_CIPHER_CTX *ctx = t && aes_gcm ? t->gcm_ctx : NULL;
	int len = 0,
	    ok = raw && out && ctx && wp_random_bytes(raw, 12) == WP_OK &&
		 EVP_EncryptInit_ex2(ctx, aes_gcm, key, raw, NULL) == 1 &&
		 EVP_EncryptUpdate(ctx, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
		 EVP_EncryptUpdate(ctx, raw + 12, &len, plain, (int)n) == 1 &&
		 EVP_EncryptFinal_ex(ctx, raw + 12 + len, &len) == 1 &&
		 EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, raw + 12 + n) == 1;
	if (ok)
		wp_base64_encode(raw, raw_len, out);
	free(raw);
	if (!ok) {
		free(out);
		return NULL;
	}
	return out;
}

char *wp_open(const uint8_t key[WP_DATA_KEY_BYTES], const char *aad, const char *sealed, size_t *n)
{
	size_t slen = strlen(sealed), raw_len = 0;
	if (slen > (2u << 20))
		return NULL;
	uint8_t *raw = malloc(slen / 4 * 3 + 3);
	if (raw == NULL || !wp_base64_decode(sealed, slen, raw, &raw_len) || raw_len < 28) {
		free(raw);
		return NULL;
	}
	size_t clen = raw_len - 28;
	char *out = malloc(clen + 1);
	struct thread_crypto *t = thread_crypto();
	EVP_CIPHER_CTX *ctx = t && aes_gcm ? t->gcm_ctx : NULL;
	int len = 0,
	    ok = out && ctx && EVP_DecryptInit_ex2(ctx, aes_gcm, key, raw, NULL) == 1 &&
		 EVP_DecryptUpdate(ctx, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
		 EVP_DecryptUpdate(ctx, (uint8_t *)out, &len, raw + 12, (int)clen) == 1 &&
		 EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, raw + 12 + clen) == 1 &&
		 EVP_DecryptFinal_ex(ctx, (uint8_t *)out + len, &len) == 1;
	free(raw);
	if (!ok) {
		free(out);
		return NULL;
	}
	out[clen] = '\0';
	if (n != NULL)
		*n = clen;
	return out;
}

void wp_lookup_hash(const uint8_t key[WP_DATA_KEY_BYTES], const char *domain, const char *value,
		    char out[2 * WP_SHA256_BYTES + 1])
{
	uint8_t mac[WP_SHA256_BYTES];
	size_t dl = strlen(domain), vl = strlen(value);
	uint8_t *buf = malloc(dl + 1 + vl);
	if (buf == NULL) {
		out[0] = '\0';
		return;
	}
	memcpy(buf, domain, dl);
	buf[dl] = 0; /* domain separator: "a"+"bc" never hashes like "ab"+"c" */
	memcpy(buf + dl + 1, value, vl);
	wp_hmac_sha256(key, WP_DATA_KEY_BYTES, buf, dl + 1 + vl, mac);
	free(buf);
	wp_hex(mac, sizeof(mac), out);
}
