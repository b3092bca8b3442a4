/* Unit tests: text helpers and masking (src/util/text.c), arena, buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/text.h"

static void test_mask(void **state)
{
	(void)state;
	char out[64];
	wp_mask("1234567894321", 13, out, sizeof(out));
	assert_string_equal(out, "1234*****4321");
	wp_mask("123456784321", 12, out, sizeof(out));
	assert_string_equal(out, "1234****4321");
	wp_mask("01012341234", 11, out, sizeof(out));
	assert_string_equal(out, "0101***1234");
	wp_mask("123456", 6, out, sizeof(out));
	assert_string_equal(out, "****56");
	wp_mask("", 0, out, sizeof(out));
	assert_string_equal(out, "");
	wp_mask("1234567894321", 13, out, 5); /* truncated, still terminated */
	assert_string_equal(out, "1234");
}

static void test_mask_digit_runs(void **state)
{
	(void)state;
	char out[128];
	wp_mask_digit_runs("/f/ab12/1234567894321?x=99", out, sizeof(out));
	assert_string_equal(out, "/f/ab12/1234*****4321?x=99");
	wp_mask_digit_runs("/f/kw/10000", out, sizeof(out));
	assert_string_equal(out, "/f/kw/10000");
	wp_mask_digit_runs("/x/123456", out, sizeof(out));
	assert_string_equal(out, "/x/****56");
	/* Cut at the capacity on a whole character: "/f/" + 홍 fits in 7 bytes, 길 not. */
	char small[8];
	wp_mask_digit_runs("/f/홍길", small, sizeof(small));
	assert_string_equal(small, "/f/홍");
}

/* A message quoting bytes that are not UTF-8, or cut inside a character, is UTF-8. */
static void test_errf_is_utf8(void **state)
{
	(void)state;
	char out[64];
	wp_errf(out, sizeof(out), "%s has a broken escape", "\xff\xfe");
	assert_string_equal(out, "\xEF\xBF\xBD\xEF\xBF\xBD has a broken escape");
	wp_errf(out, sizeof(out), "%.4s!", "홍길동"); /* the precision cuts 길 */
	assert_true(wp_utf8_valid(out, strlen(out)));
	wp_errf(out, 5, "%s", "홍길동"); /* whole characters at the capacity */
	assert_string_equal(out, "홍");
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(wp_utf8_valid("홍길동", strlen("홍길동")));
	assert_int_equal(wp_utf8_chars("홍길동", strlen("홍길동")), 3);
	assert_int_equal(wp_utf8_chars("a홍b", strlen("a홍b")), 3);
	assert_false(wp_utf8_valid("\xC3\x28", 2));
	assert_false(wp_utf8_valid("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(wp_utf8_valid("\xE0\x80\xAF", 3));	    /* overlong */
	assert_false(wp_utf8_valid("\xEA\xB0", 2));	    /* truncated */
	assert_true(wp_utf8_valid("\xF0\x9F\x98\x80", 4));  /* emoji */
}

static void test_parse_i64(void **state)
{
	(void)state;
	int64_t v;
	assert_true(wp_parse_i64("59", 2, 0, 59, &v));
	assert_int_equal(v, 59);
	assert_false(wp_parse_i64("60", 2, 0, 59, &v));
	assert_false(wp_parse_i64("-1", 2, 0, 59, &v));
	assert_false(wp_parse_i64("+1", 2, 0, 59, &v));
	assert_false(wp_parse_i64(" 1", 2, 0, 59, &v));
	assert_false(wp_parse_i64("1.0", 3, 0, 59, &v));
	assert_false(wp_parse_i64("", 0, 0, 59, &v));
	assert_true(wp_parse_i64("9223372036854775807", 19, 0, INT64_MAX, &v));
	assert_int_equal(v, INT64_MAX);
	assert_false(wp_parse_i64("9223372036854775808", 19, 0, INT64_MAX, &v));
	assert_false(wp_parse_i64("99999999999999999999", 20, 0, INT64_MAX, &v));
}

static void test_escapes(void **state)
{
	(void)state;
	wp_buf b;
	wp_buf_init(&b, 1024);
	wp_html_escape(&b, "<script>\"'&", 11);
	assert_string_equal(b.data, "&lt;script&gt;&quot;&#39;&amp;");
	wp_buf_free(&b);
	wp_json_escape(&b, "a\"b\\c\n\x01", 7);
	assert_string_equal(b.data, "a\\\"b\\\\c\\u000a\\u0001");
	wp_buf_free(&b);
}

static void test_buf_limit(void **state)
{
	(void)state;
	wp_buf b;
	wp_buf_init(&b, 8);
	assert_true(wp_buf_puts(&b, "12345678"));
	assert_false(wp_buf_puts(&b, "9"));
	assert_true(b.failed);
	assert_false(wp_buf_puts(&b, "")); /* stays failed */
	wp_buf_free(&b);
}

static void test_arena_limit(void **state)
{
	(void)state;
	wp_arena a;
	wp_arena_init(&a, 10000);
	assert_non_null(wp_arena_alloc(&a, 5000));
	assert_non_null(wp_arena_alloc(&a, 4000));
	assert_null(wp_arena_alloc(&a, 2000));
	char *s = wp_arena_printf(&a, "%d-%s", 7, "x");
	assert_string_equal(s, "7-x");
	assert_null(wp_arena_alloc(&a, SIZE_MAX));
	wp_arena_free(&a);
}

static void test_format_won(void **state)
{
	(void)state;
	char out[32];
	wp_format_won(10000, out, sizeof(out));
	assert_string_equal(out, "10,000");
	wp_format_won(1, out, sizeof(out));
	assert_string_equal(out, "1");
	wp_format_won(100000000000, out, sizeof(out));
	assert_string_equal(out, "100,000,000,000");
	wp_format_won(INT64_MIN, out, sizeof(out));
	assert_string_equal(out, "-9,223,372,036,854,775,808");
}

static void test_ct_equal_and_ieq(void **state)
{
	(void)state;
	assert_true(wp_ct_equal("abc", "abc", 3));
	assert_false(wp_ct_equal("abc", "abd", 3));
	assert_true(wp_ascii_ieq("Sandbox@Example.com", "sandbox@example.COM"));
	assert_false(wp_ascii_ieq("a", "ab"));
}

static void test_bidi_and_sanitize(void **state)
{
	(void)state;
	static const char *const bidi[] = {"\xE2\x80\xAE",
					   "a\xE2\x80\x8F"
					   "b",
					   "\xD8\x9C", "x\xE2\x81\xA6y", "\xE2\x81\xA9"};
	for (size_t i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++)
		assert_true(wp_has_bidi_control(bidi[i], strlen(bidi[i])));
	static const char *const plain[] = {"홍길동",
					    "a\xE2\x80\x94"
					    "b" /* em dash */,
					    "", "abc", "\xE2\x81\xA5" /* U+2065, unassigned */};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		assert_false(wp_has_bidi_control(plain[i], strlen(plain[i])));

	char out[64];
	wp_utf8_sanitize("/f/\xff\xfe", out, sizeof(out));
	assert_string_equal(out, "/f/\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_true(wp_utf8_valid(out, strlen(out)));
	wp_utf8_sanitize("가\xEA\xB0", out, sizeof(out)); /* a cut sequence at the end */
	assert_string_equal(out, "가\xEF\xBF\xBD\xEF\xBF\xBD");
	wp_utf8_sanitize("plain", out, sizeof(out));
	assert_string_equal(out, "plain");
	wp_utf8_sanitize("\xff\xff\xff\xff\xff", out, 8); /* bounded */
	assert_true(strlen(out) < 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_mask_digit_runs),
	    cmocka_unit_test(test_errf_is_utf8),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_parse_i64),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_buf_limit),
	    cmocka_unit_test(test_arena_limit),
	    cmocka_unit_test(test_format_won),
	    cmocka_unit_test(test_ct_equal_and_ieq),
	    cmocka_unit_test(test_bidi_and_sanitize),
	};
	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
