/* Unit tests: form decoding (src/http/form.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/form.h"

static wp_status decode(const char *body, const char *charset, struct wp_form *f, char *err,
			wp_arena *a)
{
	wp_arena_init(a, 1 << 20);
	return wp_form_decode(a, body, strlen(body), charset, f, err, 256);
}

static void test_basic_and_plus_and_percent(void **state)
{
	(void)state;
	wp_arena a;
	struct wp_form f;
	char err[256];
	assert_int_equal(
	    decode("a=1&b=hello+world&c=%ED%99%8D%EA%B8%B8%EB%8F%99", NULL, &f, err, &a), WP_OK);
	assert_int_equal(f.count, 3);
	assert_string_equal(wp_form_get(&f, "a")->value, "1");
	assert_string_equal(wp_form_get(&f, "b")->value, "hello world");
	assert_string_equal(wp_form_get(&f, "c")->value, "홍길동");
	assert_null(wp_form_get(&f, "d"));
	wp_arena_free(&a);
}

static void test_raw_unescaped_bytes_accepted(void **state)
{
	(void)state;
	/* The spec's curl sample sends "<OWNER NAME>" unescaped. */
	wp_arena a;
	struct wp_form f;
	char err[256];
	assert_int_equal(decode("account_owner=<OWNER NAME>&n=홍길동", NULL, &f, err, &a), WP_OK);
	assert_string_equal(wp_form_get(&f, "account_owner")->value, "<OWNER NAME>");
	assert_string_equal(wp_form_get(&f, "n")->value, "홍길동");
	wp_arena_free(&a);
}

static void test_empty_value_and_missing_equals(void **state)
{
	(void)state;
	wp_arena a;
	struct wp_form f;
	char err[256];
	assert_int_equal(decode("a=&b&&c=3\r\n", NULL, &f, err, &a), WP_OK);
	assert_int_equal(f.count, 3);
	assert_string_equal(wp_form_get(&f, "a")->value, "");
	assert_string_equal(wp_form_get(&f, "b")->value, "");
	assert_string_equal(wp_form_get(&f, "c")->value, "3");
	wp_arena_free(&a);
}

static void test_duplicate_key_rejected(void **state)
{
	(void)state;
	wp_arena a;
	struct wp_form f;
	char err[256];
	assert_int_equal(decode("bank_id=1&bank_id=2", NULL, &f, err, &a), WP_E_INVALID);
	assert_non_null(strstr(err, "bank_id is given more than once"));
	wp_arena_free(&a);
	/* The same key spelled with an escape is still the same key. */
	assert_int_equal(decode("bank_id=1&bank%5Fid=2", NULL, &f, err, &a), WP_E_INVALID);
	wp_arena_free(&a);
}

static void test_broken_escapes(void **state)
{
	(void)state;
	wp_arena a;
	struct wp_form f;
	char err[256];
	const char *bad[] = {"a=%", "a=%4", "a=%zz", "a=%4g&b=1", "%=1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(decode(bad[i], NULL, &f, err, &a), WP_E_INVALID);
		assert_non_null(strstr(err, "percent-escape"));
		wp_arena_free(&a);
	}
}

static void test_nul_and_invalid_utf8_rejected(void **state)
{
	(void)state;
	wp_arena a;
	struct wp_form f;
	char err[256];
	assert_int_equal(decode("a=x%00y", NULL, &f, err, &a), WP_E_INVALID);
	assert_non_null(strstr(err, "NUL"));
	wp_arena_free(&a);
	assert_int_equal(decode("a=%C3%28", NULL, &f, err, &a), WP_E_INVALID);
	assert_non_null(strstr(err, "UTF-8"));
	wp_arena_free(&a);
	/* Overlong encoding of '/' and a UTF-16 surrogate. */
	assert_int_equal(decode("a=%C0%AF", NULL, &f, err, &a), WP_E_INVALID);
	wp_arena_free(&a);
	assert_int_equal(decode("a=%ED%A0%80", NULL, &f, err, &a), WP_E_INVALID);
	wp_arena_free(&a);
}

static void test_empty_name_rejected(void **state)
{
	(void)state;
	wp_arena a;
	struct wp_form f;
	char err[256];
	assert_int_equal(decode("=1", NULL, &f, err, &a), WP_E_INVALID);
	wp_arena_free(&a);
}

static void test_too_many_fields(void **state)
{
	(void)state;
	char body[4096] = "";
	size_t n = 0;
	for (int i = 0; i <= WP_FORM_FIELDS_MAX; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "k%d=v&", i);
	wp_arena a;
	struct wp_form f;
	char err[256];
	assert_int_equal(decode(body, NULL, &f, err, &a), WP_E_INVALID);
	assert_non_null(strstr(err, "more than"));
	wp_arena_free(&a);
}

static void test_charsets(void **state)
{
	(void)state;
	wp_arena a;
	struct wp_form f;
	char err[256];
	/* 홍길동 in EUC-KR: C8AB B1E6 B5BF */
	assert_int_equal(decode("n=%C8%AB%B1%E6%B5%BF", "euc-kr", &f, err, &a), WP_OK);
	assert_string_equal(wp_form_get(&f, "n")->value, "홍길동");
	wp_arena_free(&a);
	assert_int_equal(decode("n=%C8", "UTF-8", &f, err, &a), WP_E_INVALID); /* truncated */
	wp_arena_free(&a);
	assert_int_equal(decode("n=x", "klingon", &f, err, &a), WP_E_MEDIA_TYPE);
	assert_non_null(strstr(err, "klingon"));
	wp_arena_free(&a);
	assert_int_equal(decode("n=caf%E9", "ISO-8859-1", &f, err, &a), WP_OK);
	assert_string_equal(wp_form_get(&f, "n")->value, "café");
	wp_arena_free(&a);
}

static void test_content_type_parse(void **state)
{
	(void)state;
	char type[64], cs[32];
	wp_content_type_parse("Application/X-WWW-Form-Urlencoded; Charset=\"EUC-KR\"", type,
			      sizeof(type), cs, sizeof(cs));
	assert_string_equal(type, "application/x-www-form-urlencoded");
	assert_string_equal(cs, "euc-kr");
	wp_content_type_parse("application/json", type, sizeof(type), cs, sizeof(cs));
	assert_string_equal(type, "application/json");
	assert_string_equal(cs, "");
	wp_content_type_parse(NULL, type, sizeof(type), cs, sizeof(cs));
	assert_string_equal(type, "");
}

static wp_status multipart(const char *body, const char *boundary, struct wp_form *f, char *err,
			   wp_arena *a)
{
	wp_arena_init(a, 1 << 20);
	return wp_form_decode_multipart(a, body, strlen(body), boundary, f, err, 256);
}

static void test_multipart(void **state)
{
	(void)state;
	wp_arena a;
	struct wp_form f;
	char err[256];
	/* As Chromium sends a FormData. */
	const char *body = "------WebKitFormBoundaryX1\r\n"
			   "Content-Disposition: form-data; name=\"email_address\"\r\n\r\n"
			   "a@b.co\r\n"
			   "------WebKitFormBoundaryX1\r\n"
			   "Content-Disposition: form-data; name=\"account_owner\"\r\n\r\n"
			   "홍길동\r\n"
			   "------WebKitFormBoundaryX1\r\n"
			   "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
			   "\r\n"
			   "------WebKitFormBoundaryX1--\r\n";
	assert_int_equal(multipart(body, "----WebKitFormBoundaryX1", &f, err, &a), WP_OK);
	assert_int_equal(f.count, 3);
	assert_string_equal(wp_form_get(&f, "email_address")->value, "a@b.co");
	assert_string_equal(wp_form_get(&f, "account_owner")->value, "홍길동");
	assert_string_equal(wp_form_get(&f, "empty")->value, "");
	wp_arena_free(&a);

	static const char *const bad[] = {
	    "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--B--", /* twice */
	    "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n1\r\n--B--",
	    "--B\r\nContent-Disposition: form-data\r\n\r\n1\r\n--B--",	  /* no name */
	    "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1", /* cut short */
	    "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff\r\n--B--",
	    "no boundary at all",
	    "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(multipart(bad[i], "B", &f, err, &a), WP_E_INVALID);
		wp_arena_free(&a);
	}
	/* The boundary comes from the header, its case kept. */
	char b[80];
	assert_true(
	    wp_content_type_param("multipart/form-data; boundary=AbC", "boundary", b, sizeof(b)));
	assert_string_equal(b, "AbC");
	assert_true(wp_content_type_param("multipart/form-data; charset=x; Boundary=\"q q\"",
					  "boundary", b, sizeof(b)));
	assert_string_equal(b, "q q");
	assert_false(wp_content_type_param("multipart/form-data", "boundary", b, sizeof(b)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_and_plus_and_percent),
	    cmocka_unit_test(test_raw_unescaped_bytes_accepted),
	    cmocka_unit_test(test_empty_value_and_missing_equals),
	    cmocka_unit_test(test_duplicate_key_rejected),
	    cmocka_unit_test(test_broken_escapes),
	    cmocka_unit_test(test_nul_and_invalid_utf8_rejected),
	    cmocka_unit_test(test_empty_name_rejected),
	    cmocka_unit_test(test_too_many_fields),
	    cmocka_unit_test(test_charsets),
	    cmocka_unit_test(test_content_type_parse),
	    cmocka_unit_test(test_multipart),
	};
	return cmocka_run_group_tests_name("form", tests, NULL, NULL);
}
