/* Unit tests: Kona's tran-token verifier and header parsers (src/surface/kona.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/crypto.h"
#include "surface/kona/kona.h"

static void test_correlation_id(void **state)
{
	(void)state;
	assert_true(kona_correlation_id_valid("221108120814-a1b2c3d"));
	assert_true(kona_correlation_id_valid("240229235959-ABCDEF0"));	   /* leap day */
	assert_false(kona_correlation_id_valid("230229120000-abcdef0"));   /* not a leap year */
	assert_false(kona_correlation_id_valid("221308120814-a1b2c3d"));   /* month 13 */
	assert_false(kona_correlation_id_valid("221108250814-a1b2c3d"));   /* hour 25 */
	assert_false(kona_correlation_id_valid("221108120814-a1b2c3g"));   /* not hex */
	assert_false(kona_correlation_id_valid("221108120814_a1b2c3d"));   /* separator */
	assert_false(kona_correlation_id_valid("221108120814-a1b2c3"));	   /* 19 long */
	assert_true(kona_correlation_id_valid("221108120814-a1b2c3d4"));   /* 21: clients send it */
	assert_true(kona_correlation_id_valid("221108120814-a1b2c3d4e5")); /* 23 */
	assert_false(kona_correlation_id_valid("221108120814-a1b2c3d4e5f")); /* 24 */
	assert_false(kona_correlation_id_valid("221108120814-a1b2c3d4-5"));  /* not hex */
	assert_false(kona_correlation_id_valid("2211081208145a1b2c3d"));
	assert_false(kona_correlation_id_valid(""));
}

static void test_parse_time(void **state)
{
	(void)state;
	int64_t utc, kst;
	assert_true(kona_parse_time("20221108120814", 14, "UTC", &utc));
	assert_int_equal(utc, 1667909294000LL);
	assert_true(kona_parse_time("20221108210814", 14, "KST", &kst));
	assert_int_equal(kst, utc); /* 21:08 KST is 12:08 UTC */
	assert_true(kona_parse_time("20221108120814608", 17, "UTC", &utc));
	assert_int_equal(utc, 1667909294608LL);
	assert_false(kona_parse_time("20221108120814", 14, "PST", &utc));
	assert_false(kona_parse_time("2022110812081", 13, "UTC", &utc));
	assert_false(kona_parse_time("20221131120814", 14, "UTC", &utc)); /* 31 November */
	assert_false(kona_parse_time("2022110812a814", 14, "UTC", &utc));
}

/* Builds a token the way a Konaplate client does. */
static void make_token(const char *secret, const char *body, const char *stamp, char *out,
		       size_t cap)
{
	uint8_t mac[32];
	char b64[48];
	wp_hmac_sha256(secret, strlen(secret), body, strlen(body), mac);
	wp_base64_encode(mac, 32, b64);
	snprintf(out, cap, "KMV1:%s:%s", stamp, b64);
}

static void test_tran_token(void **state)
{
	(void)state;
	const char *body = "{\"userId\":1000000001}";
	char tok[128];
	int64_t now, when;
	assert_true(kona_parse_time("20221108120814608", 17, "KST", &now));
	make_token("sandbox-secret-key", body, "20221108120814608", tok, sizeof(tok));
	assert_int_equal(strlen(tok), 67); /* the spec says 66; real tokens are 67 */
	assert_int_equal(kona_verify_tran_token(tok, "sandbox-secret-key", body, strlen(body),
						"KST", now, 300000, &when),
			 KONA_TOKEN_OK);
	assert_int_equal(when, now);
	/* Another secret, another body, a changed byte: bad signature. */
	assert_int_equal(kona_verify_tran_token(tok, "other-secret", body, strlen(body), "KST", now,
						300000, &when),
			 KONA_TOKEN_BAD_SIGNATURE);
	assert_int_equal(kona_verify_tran_token(tok, "sandbox-secret-key", "{\"userId\":2}", 12,
						"KST", now, 300000, &when),
			 KONA_TOKEN_BAD_SIGNATURE);
	/* Within 5 minutes either way; 5 minutes and 1 ms off is stale. */
	assert_int_equal(kona_verify_tran_token(tok, "sandbox-secret-key", body, strlen(body),
						"KST", now + 300000, 300000, &when),
			 KONA_TOKEN_OK);
	assert_int_equal(kona_verify_tran_token(tok, "sandbox-secret-key", body, strlen(body),
						"KST", now + 300001, 300000, &when),
			 KONA_TOKEN_STALE);
	assert_int_equal(kona_verify_tran_token(tok, "sandbox-secret-key", body, strlen(body),
						"KST", now - 300001, 300000, &when),
			 KONA_TOKEN_STALE);
	/* The same instant written in UTC is 9 hours earlier on the wall clock. */
	char utc_tok[128];
	make_token("sandbox-secret-key", body, "20221108030814608", utc_tok, sizeof(utc_tok));
	assert_int_equal(kona_verify_tran_token(utc_tok, "sandbox-secret-key", body, strlen(body),
						"UTC", now, 300000, &when),
			 KONA_TOKEN_OK);
	const char *malformed[] = {
	    "",
	    "KMV2:20221108120814608:uLD+mU8mz9K95neGiSJTSsF3zzAQJglCggZAOSs5Fkg=",
	    "KMV1:2022110812081460:uLD+mU8mz9K95neGiSJTSsF3zzAQJglCggZAOSs5Fkg=",
	    "KMV1:20221108120814608:uLD+mU8mz9K95neGiSJTSsF3zzAQJglCggZAOSs5Fkg",
	    "KMV1:20221108120814608:uLD-mU8mz9K95neGiSJTSsF3zzAQJglCggZAOSs5Fkg=", /* base64url */
	    "KMV1:20221399120814608:uLD+mU8mz9K95neGiSJTSsF3zzAQJglCggZAOSs5Fkg=", /* month 13 */
	    "KMV1:20221108120814608;uLD+mU8mz9K95neGiSJTSsF3zzAQJglCggZAOSs5Fkg=",
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		assert_int_equal(kona_verify_tran_token(malformed[i], "sandbox-secret-key", body,
							strlen(body), "KST", now, 300000, &when),
				 KONA_TOKEN_MALFORMED);
}

static void test_generated_credentials(void **state)
{
	(void)state;
	struct kona_credentials a, b;
	assert_int_equal(kona_generate_credentials(&a), WP_OK);
	assert_int_equal(kona_generate_credentials(&b), WP_OK);
	assert_int_equal(strlen(a.asp_id), KONA_ASP_ID_LEN);
	assert_int_equal(strlen(a.access_key), KONA_ACCESS_KEY_LEN);
	assert_int_equal(strlen(a.crypto_key_id), KONA_CRYPTO_KEY_ID_LEN);
	assert_true(strlen(a.secret_key) >= 32);
	assert_string_not_equal(a.asp_id, b.asp_id);
	assert_string_not_equal(a.access_key, b.access_key);
	assert_string_not_equal(a.secret_key, b.secret_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_correlation_id),
	    cmocka_unit_test(test_parse_time),
	    cmocka_unit_test(test_tran_token),
	    cmocka_unit_test(test_generated_credentials),
	};
	return cmocka_run_group_tests_name("kona", tests, NULL, NULL);
}
