#include "core/jwe.h"

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"

#define JWE_PART_MAX (1u << 20)

static EVP_PKEY *from_pem(const char *pem, bool private_key)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	if (bio == NULL)
		return NULL;
	EVP_PKEY *k = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
				  : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (k != NULL && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

EVP_PKEY *wp_rsa_private_from_pem(const char *pem)
{
	return from_pem(pem, true);
}

EVP_PKEY *wp_rsa_public_from_pem(const char *pem)
{
	return from_pem(pem, false);
}

static char *bio_string(BIO *bio)
{
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	char *out = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (out != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	return out;
}

wp_status wp_rsa_generate(unsigned bits, char **private_pem, char **public_pem)
{
	EVP_PKEY *k = EVP_RSA_gen(bits);
	BIO *a = BIO_new(BIO_s_mem()), *b = BIO_new(BIO_s_mem());
	wp_status st = WP_E_INTERNAL;
	if (k != NULL && a != NULL && b != NULL &&
	    PEM_write_bio_PrivateKey(a, k, NULL, NULL, 0, NULL, NULL) == 1 &&
	    PEM_write_bio_PUBKEY(b, k) == 1) {
		*private_pem = bio_string(a);
		*public_pem = bio_string(b);
		if (*private_pem != NULL && *public_pem != NULL)
			st = WP_OK;
		else {
			free(*private_pem);
			free(*public_pem);
		}
	}
	BIO_free(a);
	BIO_free(b);
	EVP_PKEY_free(k);
	return st;
}

static EVP_PKEY_CTX *oaep256(EVP_PKEY *key, bool decrypt)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	if (ctx == NULL)
		return NULL;
	if ((decrypt ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_encrypt_init(ctx)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static const EVP_CIPHER *gcm_for(const char *enc, size_t *key_len)
{
	if (strcmp(enc, "A128GCM") == 0) {
		*key_len = 16;
		return EVP_aes_128_gcm();
	}
	if (strcmp(enc, "A256GCM") == 0) {
		*key_len = 32;
		return EVP_aes_256_gcm();
	}
	return NULL;
}

wp_status wp_jwe_decrypt(EVP_PKEY *priv, const char *compact, size_t len, uint8_t **plain,
			 size_t *plain_len, char *err, size_t err_cap)
{
	const char *part[5];
	size_t plen[5];
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= len && k < 5; i++) {
		if (i == len || compact[i] == '.') {
			part[k] = compact + start;
			plen[k] = i - start;
			k++;
			start = i + 1;
		}
	}
	if (k != 5 || start != len + 1) {
		snprintf(err, err_cap, "encData is not a compact JWE (five base64url parts)");
		return WP_E_INVALID;
	}
	for (int i = 0; i < 5; i++)
		if (plen[i] > JWE_PART_MAX) {
			snprintf(err, err_cap, "encData is too large");
			return WP_E_INVALID;
		}
	uint8_t *buf[5] = {NULL};
	size_t blen[5];
	wp_status st = WP_E_INVALID;
	json_t *hdr = NULL;
	uint8_t *cek = NULL, *out = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_CIPHER_CTX *cctx = NULL;
	size_t key_len = 0, cek_len = 0;
	int n = 0, n2 = 0;
	const char *alg, *enc;
	const EVP_CIPHER *cipher;
	for (int i = 0; i < 5; i++) {
		buf[i] = malloc(plen[i] / 4 * 3 + 4);
		if (buf[i] == NULL || !wp_base64url_decode(part[i], plen[i], buf[i], &blen[i])) {
			snprintf(err, err_cap, "encData part %d is not base64url", i + 1);
			goto out;
		}
	}
	hdr = json_loadb((const char *)buf[0], blen[0], JSON_REJECT_DUPLICATES, NULL);
	alg = json_string_value(json_object_get(hdr, "alg"));
	enc = json_string_value(json_object_get(hdr, "enc"));
	cipher = enc ? gcm_for(enc, &key_len) : NULL;
	if (hdr == NULL || alg == NULL || strcmp(alg, "RSA-OAEP-256") != 0 || cipher == NULL ||
	    json_object_get(hdr, "zip") != NULL || json_object_get(hdr, "crit") != NULL) {
		snprintf(err, err_cap,
			 "encData header must have alg RSA-OAEP-256 and enc A128GCM or A256GCM");
		goto out;
	}
	if (blen[2] != 12 || blen[4] != 16) {
		snprintf(err, err_cap, "encData could not be decrypted");
		goto out;
	}
	cek_len = (size_t)EVP_PKEY_get_size(priv);
	cek = malloc(cek_len);
	pctx = oaep256(priv, true);
	if (cek == NULL || pctx == NULL ||
	    EVP_PKEY_decrypt(pctx, cek, &cek_len, buf[1], blen[1]) != 1 || cek_len != key_len) {
		snprintf(err, err_cap, "encData could not be decrypted");
		goto out;
	}
	out = malloc(blen[3] + 1);
	cctx = EVP_CIPHER_CTX_new();
	if (out == NULL || cctx == NULL ||
	    EVP_DecryptInit_ex(cctx, cipher, NULL, cek, buf[2]) != 1 ||
	    EVP_DecryptUpdate(cctx, NULL, &n, (const uint8_t *)part[0], (int)plen[0]) != 1 ||
	    EVP_DecryptUpdate(cctx, out, &n, buf[3], (int)blen[3]) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_SET_TAG, 16, buf[4]) != 1 ||
	    EVP_DecryptFinal_ex(cctx, out + n, &n2) != 1) {
		snprintf(err, err_cap, "encData could not be decrypted");
		goto out;
	}
	out[n + n2] = '\0';
	*plain = out;
	*plain_len = (size_t)(n + n2);
	out = NULL;
	st = WP_OK;
out:
	for (int i = 0; i < 5; i++)
		free(buf[i]);
	json_decref(hdr);
	if (cek != NULL)
		OPENSSL_cleanse(cek, key_len ? key_len : 1);
	free(cek);
	free(out);
	EVP_PKEY_CTX_free(pctx);
	EVP_CIPHER_CTX_free(cctx);
	return st;
}

char *wp_jwe_encrypt(EVP_PKEY *pub, const char *enc, const uint8_t *plain, size_t n)
{
	size_t key_len = 0;
	const EVP_CIPHER *cipher = gcm_for(enc, &key_len);
	if (cipher == NULL || n > JWE_PART_MAX)
		return NULL;
	char header[64];
	int hl = snprintf(header, sizeof(header), "{\"alg\":\"RSA-OAEP-256\",\"enc\":\"%s\"}", enc);
	uint8_t cek[32], iv[12], tag[16];
	size_t ek_len = (size_t)EVP_PKEY_get_size(pub);
	uint8_t *ek = malloc(ek_len), *ct = malloc(n + 1);
	/* base64url grows 4/3: one buffer for the whole compact string. */
	size_t cap = (size_t)hl * 2 + ek_len * 2 + 32 + n * 2 + 64;
	char *outs = malloc(cap);
	EVP_PKEY_CTX *pctx = oaep256(pub, false);
	EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
	int len = 0, len2 = 0;
	char *result = NULL;
	if (ek == NULL || ct == NULL || outs == NULL || pctx == NULL || cctx == NULL ||
	    RAND_bytes(cek, (int)key_len) != 1 || RAND_bytes(iv, 12) != 1 ||
	    EVP_PKEY_encrypt(pctx, ek, &ek_len, cek, key_len) != 1)
		goto out;
	size_t o = wp_base64url_encode((const uint8_t *)header, (size_t)hl, outs);
	size_t aad_len = o;
	if (EVP_EncryptInit_ex(cctx, cipher, NULL, cek, iv) != 1 ||
	    EVP_EncryptUpdate(cctx, NULL, &len, (const uint8_t *)outs, (int)aad_len) != 1 ||
	    EVP_EncryptUpdate(cctx, ct, &len, plain, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(cctx, ct + len, &len2) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	outs[o++] = '.';
	o += wp_base64url_encode(ek, ek_len, outs + o);
	outs[o++] = '.';
	o += wp_base64url_encode(iv, 12, outs + o);
	outs[o++] = '.';
	o += wp_base64url_encode(ct, (size_t)(len + len2), outs + o);
	outs[o++] = '.';
	wp_base64url_encode(tag, 16, outs + o);
	result = outs;
	outs = NULL;
out:
	OPENSSL_cleanse(cek, sizeof(cek));
	free(ek);
	free(ct);
	free(outs);
	EVP_PKEY_CTX_free(pctx);
	EVP_CIPHER_CTX_free(cctx);
	return result;
}
