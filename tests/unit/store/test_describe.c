/*
 * Unit tests: which backend a --db names (wp_store_is_url) and how messages
 * show it (wp_store_describe): a PostgreSQL URL never with its password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"

static void shows(const char *db, const char *want)
{
	char out[256];
	wp_store_describe(db, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_backend_by_name(void **state)
{
	(void)state;
	assert_true(wp_store_is_url("postgres://u@h/db"));
	assert_true(wp_store_is_url("postgresql://h"));
	assert_false(wp_store_is_url("data/wonpay.db"));
	assert_false(wp_store_is_url("postgres.db"));
	assert_false(wp_store_is_url("mysql://h/db"));
}

static void test_password_never_shown(void **state)
{
	(void)state;
	shows("data/wonpay.db", "data/wonpay.db");
	shows("postgres://wonpay@127.0.0.1:5432/pay", "postgres://wonpay@127.0.0.1:5432/pay");
	shows("postgres://wonpay:secret@127.0.0.1:5432/pay",
	      "postgres://wonpay:***@127.0.0.1:5432/pay");
	/* an '@' inside the password: the last one ends the user info */
	shows("postgresql://u:p@ss@db.example:5432/x?sslmode=verify-full",
	      "postgresql://u:***@db.example:5432/x?sslmode=verify-full");
	shows("postgres://u@h/db?sslmode=require&password=hunter2&connect_timeout=3",
	      "postgres://u@h/db?sslmode=require&password=***&connect_timeout=3");
	shows("postgres://h/db?password=hunter2", "postgres://h/db?password=***");
	shows("postgres://u:pw@h", "postgres://u:***@h");
	/* a '/' in the password, and the query's sslpassword (the key file's) */
	shows("postgres://wonpay:p/w@127.0.0.1:5432/db", "postgres://wonpay:***@127.0.0.1:5432/db");
	shows("postgres://u@h/db?sslmode=require&sslpassword=KeyPass123",
	      "postgres://u@h/db?sslmode=require&sslpassword=***");
	/* a path that merely contains the word is left alone */
	shows("postgres://h/password=x", "postgres://h/password=x");
}

static void test_cut_to_fit(void **state)
{
	(void)state;
	char out[16];
	wp_store_describe("postgres://user:secret@host/db", out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_null(strstr(out, "secret"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backend_by_name),
	    cmocka_unit_test(test_password_never_shown),
	    cmocka_unit_test(test_cut_to_fit),
	};
	return cmocka_run_group_tests_name("store_describe", tests, NULL, NULL);
}
