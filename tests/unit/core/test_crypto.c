/* Unit tests: base64, HMAC-SHA256, sealing at rest (crypto.c) and JWE (jwe.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/crypto.h"
#include "core/jwe.h"

static void test_base64_rfc4648_vectors(void **state)
{
	(void)state;
	const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	const char *std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	const char *url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	for (int i = 0; i < 7; i++) {
		char out[32];
		uint8_t back[32];
		size_t n;
		wp_base64_encode((const uint8_t *)in[i], strlen(in[i]), out);
		assert_string_equal(out, std[i]);
		wp_base64url_encode((const uint8_t *)in[i], strlen(in[i]), out);
		assert_string_equal(out, url[i]);
		assert_true(wp_base64_decode(std[i], strlen(std[i]), back, &n));
		assert_int_equal(n, strlen(in[i]));
		assert_memory_equal(back, in[i], n);
		assert_true(wp_base64url_decode(url[i], strlen(url[i]), back, &n));
		assert_memory_equal(back, in[i], n);
	}
	uint8_t b[16];
	size_t n;
	assert_false(wp_base64_decode("Zm9", 3, b, &n));      /* bad length */
	assert_false(wp_base64_decode("Zm9v!A==", 8, b, &n)); /* bad character */
	assert_false(wp_base64url_decode("Zh", 2, b, &n));    /* non-canonical bits */
	assert_false(wp_base64url_decode("Zm9+", 4, b, &n));  /* '+' is not base64url */
	/* "\xfb\xff" encodes with '+' and '/' vs '-' and '_' */
	char o1[8], o2[8];
	wp_base64_encode((const uint8_t *)"\xfb\xff", 2, o1);
	wp_base64url_encode((const uint8_t *)"\xfb\xff", 2, o2);
	assert_string_equal(o1, "+/8=");
	assert_string_equal(o2, "-_8");
}

static void test_hmac_rfc4231(void **state)
{
	(void)state;
	/* RFC 4231 test case 2 */
	uint8_t mac[32];
	char hex[65];
	wp_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
	wp_hex(mac, 32, hex);
	assert_string_equal(hex,
			    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* test case 6: a key longer than the block is hashed first */
	uint8_t key[131];
	memset(key, 0xaa, sizeof(key));
	const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";
	wp_hmac_sha256(key, sizeof(key), data, strlen(data), mac);
	wp_hex(mac, 32, hex);
	assert_string_equal(hex,
			    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	/* test case 1: a 20-byte key, and a key of exactly one block (64) after it */
	memset(key, 0x0b, 20);
	wp_hmac_sha256(key, 20, "Hi There", 8, mac);
	wp_hex(mac, 32, hex);
	assert_string_equal(hex,
			    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	wp_sha256("abc", 3, mac);
	wp_hex(mac, 32, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* Random bytes come from a per-thread pool for small draws: never handed out twice. */
static void test_random_pool(void **state)
{
	(void)state;
	uint8_t a[16], b[16], big[1000];
	for (int i = 0; i < 100; i++) { /* across several refills of the pool */
		assert_int_equal(wp_random_bytes(a, sizeof(a)), WP_OK);
		assert_int_equal(wp_random_bytes(b, sizeof(b)), WP_OK);
		assert_memory_not_equal(a, b, sizeof(a));
	}
	memset(big, 0, sizeof(big));
	assert_int_equal(wp_random_bytes(big, sizeof(big)), WP_OK);
	size_t zeros = 0;
	for (size_t i = 0; i < sizeof(big); i++)
		zeros += big[i] == 0;
	assert_true(zeros < 30); /* ~4 expected */
}

static void test_seal_open(void **state)
{
	(void)state;
	uint8_t key[WP_DATA_KEY_BYTES], other[WP_DATA_KEY_BYTES];
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	char *a = wp_seal(key, "kona.name", "홍길동", strlen("홍길동"));
	char *b = wp_seal(key, "kona.name", "홍길동", strlen("홍길동"));
	assert_non_null(a);
	assert_string_not_equal(a, b); /* random nonce */
	assert_null(strstr(a, "홍길동"));
	size_t n;
	char *p = wp_open(key, "kona.name", a, &n);
	assert_string_equal(p, "홍길동");
	free(p);
	assert_null(wp_open(other, "kona.name", a, &n)); /* wrong key */
	assert_null(wp_open(key, "kona.birth", a, &n));	 /* moved to another column */
	a[10] = a[10] == 'A' ? 'B' : 'A';
	assert_null(wp_open(key, "kona.name", a, &n)); /* tampered */
	assert_null(wp_open(key, "kona.name", "not base64!", &n));
	free(a);
	free(b);
	char h1[65], h2[65], h3[65];
	wp_lookup_hash(key, "account", "110123456789", h1);
	wp_lookup_hash(key, "account", "110123456789", h2);
	wp_lookup_hash(other, "account", "110123456789", h3);
	assert_string_equal(h1, h2);
	assert_string_not_equal(h1, h3);
}

static void test_jwe_roundtrip_and_tamper(void **state)
{
	(void)state;
	char *priv_pem, *pub_pem;
	assert_int_equal(wp_rsa_generate(2048, &priv_pem, &pub_pem), WP_OK);
	EVP_PKEY *priv = wp_rsa_private_from_pem(priv_pem);
	EVP_PKEY *pub = wp_rsa_public_from_pem(pub_pem);
	assert_non_null(priv);
	assert_non_null(pub);
	const char *msg = "{\"userId\":1000000001,\"userName\":\"홍길동\"}";
	const char *encs[] = {"A128GCM", "A256GCM"};
	for (int i = 0; i < 2; i++) {
		char *jwe = wp_jwe_encrypt(pub, encs[i], (const uint8_t *)msg, strlen(msg));
		assert_non_null(jwe);
		uint8_t *plain;
		size_t n;
		char err[160];
		assert_int_equal(
		    wp_jwe_decrypt(priv, jwe, strlen(jwe), &plain, &n, err, sizeof(err)), WP_OK);
		assert_int_equal(n, strlen(msg));
		assert_memory_equal(plain, msg, n);
		free(plain);
		/* Flip one character of the ciphertext part: the tag no longer matches. */
		char *dot = strrchr(jwe, '.');
		dot[-2] = dot[-2] == 'A' ? 'B' : 'A';
		assert_int_equal(
		    wp_jwe_decrypt(priv, jwe, strlen(jwe), &plain, &n, err, sizeof(err)),
		    WP_E_INVALID);
		assert_string_equal(err, "encData could not be decrypted");
		free(jwe);
	}
	char err[160];
	uint8_t *plain;
	size_t n;
	assert_int_equal(wp_jwe_decrypt(priv, "a.b.c", 5, &plain, &n, err, sizeof(err)),
			 WP_E_INVALID);
	/* RSA-OAEP (SHA-1) is refused: the header must say RSA-OAEP-256. */
	char hdr[64], bad[256];
	wp_base64url_encode((const uint8_t *)"{\"alg\":\"RSA-OAEP\",\"enc\":\"A128GCM\"}", 35, hdr);
	snprintf(bad, sizeof(bad), "%s.AAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA", hdr);
	assert_int_equal(wp_jwe_decrypt(priv, bad, strlen(bad), &plain, &n, err, sizeof(err)),
			 WP_E_INVALID);
	assert_non_null(strstr(err, "RSA-OAEP-256"));
	assert_null(wp_rsa_private_from_pem("-----BEGIN PRIVATE KEY-----\nnope\n"));
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
	free(priv_pem);
	free(pub_pem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_rfc4648_vectors),
	    cmocka_unit_test(test_hmac_rfc4231),
	    cmocka_unit_test(test_random_pool),
	    cmocka_unit_test(test_seal_open),
	    cmocka_unit_test(test_jwe_roundtrip_and_tamper),
	};
	return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
