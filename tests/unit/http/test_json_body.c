/* Unit tests: JSON request bodies (src/http/json_body.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/json_body.h"
#include "util/text.h"

static wp_status load(const char *s, json_t **out, char *err)
{
	*out = NULL;
	return wp_json_body(s, strlen(s), out, err, 256);
}

static void test_object_and_exact_int64(void **state)
{
	(void)state;
	json_t *v;
	char err[256];
	assert_int_equal(load("{\"amount\": 9223372036854775807, \"name\": \"홍길동\"}", &v, err),
			 WP_OK);
	assert_true(json_integer_value(json_object_get(v, "amount")) == INT64_MAX);
	assert_string_equal(json_string_value(json_object_get(v, "name")), "홍길동");
	json_decref(v);
}

static void test_errors_name_line_and_column(void **state)
{
	(void)state;
	json_t *v;
	char err[256];
	assert_int_equal(load("{\n  \"a\": 1,\n  \"b\": }", &v, err), WP_E_INVALID);
	assert_non_null(strstr(err, "line 3"));
	assert_non_null(strstr(err, "column"));
	assert_int_equal(load("{\"a\":1,\"a\":2}", &v, err), WP_E_INVALID);
	assert_non_null(strstr(err, "duplicate"));
	assert_int_equal(load("[1,2]", &v, err), WP_E_INVALID);
	assert_non_null(strstr(err, "must be a JSON object"));
	assert_int_equal(load("", &v, err), WP_E_INVALID);
	assert_int_equal(load("{\"a\":\"\xff\"}", &v, err), WP_E_INVALID); /* not UTF-8 */
	assert_int_equal(load("{} {}", &v, err), WP_E_INVALID);		   /* trailing data */
	assert_null(v);
}

/* An integer above int64 is the field's problem, not the body's: a real out of range. */
static void test_big_integers_become_out_of_range_reals(void **state)
{
	(void)state;
	json_t *v;
	char err[256];
	assert_int_equal(load("{\"a\": 99999999999999999999, \"b\": \"x\", "
			      "\"c\":-123456789012345678901234567890}",
			      &v, err),
			 WP_OK);
	assert_true(json_is_real(json_object_get(v, "a")));
	assert_true(json_real_value(json_object_get(v, "a")) > 9.2e18);
	assert_true(json_real_value(json_object_get(v, "c")) < -9.2e18);
	assert_string_equal(json_string_value(json_object_get(v, "b")), "x");
	json_decref(v);
}

/* After a big integer, a later error still names the client's own line and column. */
static void test_positions_survive_the_rewrite(void **state)
{
	(void)state;
	json_t *v;
	char err[256];
	assert_int_equal(load("{\"userId\":99999999999999999999x}", &v, err), WP_E_INVALID);
	assert_non_null(strstr(err, "column 31"));
	assert_int_equal(load("{\"a\":99999999999999999999, \"b\": tru}", &v, err), WP_E_INVALID);
	assert_non_null(strstr(err, "column 35"));
	assert_int_equal(load("99999999999999999999", &v, err), WP_E_INVALID);
	assert_null(strstr(err, "9.3e18")); /* never quotes what the client did not send */
}

/* Messages are UTF-8 whatever the body held, and name no library flag. */
static void test_messages_are_utf8_without_flag_names(void **state)
{
	(void)state;
	json_t *v;
	char err[256];
	assert_int_equal(load("{\"a\":\"\\u0000\"}", &v, err), WP_E_INVALID);
	assert_null(strstr(err, "JSON_"));
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(load("{\"a\":\"\\\xed\x95\x9c\"}", &v, err), WP_E_INVALID);
	assert_true(wp_utf8_valid(err, strlen(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_object_and_exact_int64),
	    cmocka_unit_test(test_errors_name_line_and_column),
	    cmocka_unit_test(test_big_integers_become_out_of_range_reals),
	    cmocka_unit_test(test_messages_are_utf8_without_flag_names),
	    cmocka_unit_test(test_positions_survive_the_rewrite),
	};
	return cmocka_run_group_tests_name("json_body", tests, NULL, NULL);
}
