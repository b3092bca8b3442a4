/* Unit tests: AQR validation (src/surface/aqr.c), the bank table, keyword generation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/bank.h"
#include "core/crypto.h"
#include "surface/aqr/aqr.h"

static wp_arena arena_;

static struct wp_form *form(const char *body)
{
	static struct wp_form f;
	char err[256];
	wp_arena_free(&arena_);
	wp_arena_init(&arena_, 1 << 20);
	assert_int_equal(wp_form_decode(&arena_, body, strlen(body), NULL, &f, err, sizeof(err)),
			 WP_OK);
	return &f;
}

#define GOOD                                                                                       \
	"email_address=sandbox@example.com&account_number=110-123-456789&bank_id=1"                \
	"&account_owner=+%ED%99%8D%EA%B8%B8%EB%8F%99+&phone_number=010-1234-1234"                  \
	"&account_name=%ED%9A%8C%EB%B9%84&action=create"

static void test_create_valid(void **state)
{
	(void)state;
	struct aqr_create_input in;
	char err[256] = "";
	assert_int_equal(aqr_validate_create(&arena_, form(GOOD), &in, err, sizeof(err)), WP_OK);
	assert_string_equal(in.email, "sandbox@example.com");
	assert_string_equal(in.account_number, "110123456789"); /* hyphens stripped */
	assert_int_equal(in.bank_id, 1);
	assert_string_equal(in.account_owner, "홍길동"); /* trimmed */
	assert_string_equal(in.phone_number, "01012341234");
	assert_string_equal(in.account_name, "회비");
}

static void expect_error(const char *body, const char *fragment)
{
	struct aqr_create_input in;
	char err[256] = "";
	assert_int_equal(aqr_validate_create(&arena_, form(body), &in, err, sizeof(err)),
			 WP_E_INVALID);
	if (strstr(err, fragment) == NULL)
		fail_msg("error '%s' does not mention '%s'", err, fragment);
}

static void test_create_each_field(void **state)
{
	(void)state;
	expect_error("account_number=1234567&bank_id=1&account_owner=a&phone_number=01012341234"
		     "&account_name=n",
		     "email_address is required");
	expect_error("email_address=nope&account_number=1234567&bank_id=1&account_owner=a"
		     "&phone_number=01012341234&account_name=n",
		     "email_address is not a valid");
	expect_error("email_address=a@b.co&account_number=12a4567&bank_id=1&account_owner=a"
		     "&phone_number=01012341234&account_name=n",
		     "account_number must contain only digits");
	expect_error("email_address=a@b.co&account_number=12345&bank_id=1&account_owner=a"
		     "&phone_number=01012341234&account_name=n",
		     "account_number must have at least");
	expect_error("email_address=a@b.co&account_number=1234567890123456789012345678901"
		     "&bank_id=1&account_owner=a&phone_number=01012341234&account_name=n",
		     "account_number is 31 characters long; the maximum is 30");
	expect_error("email_address=a@b.co&account_number=1234567&bank_id=60&account_owner=a"
		     "&phone_number=01012341234&account_name=n",
		     "bank_id must be an integer from 0 to 59");
	expect_error("email_address=a@b.co&account_number=1234567&bank_id=-1&account_owner=a"
		     "&phone_number=01012341234&account_name=n",
		     "bank_id must be an integer");
	expect_error("email_address=a@b.co&account_number=1234567&bank_id=1.5&account_owner=a"
		     "&phone_number=01012341234&account_name=n",
		     "bank_id must be an integer");
	expect_error("email_address=a@b.co&account_number=1234567&bank_id=&account_owner=a"
		     "&phone_number=01012341234&account_name=n",
		     "bank_id must not be empty");
	expect_error("email_address=a@b.co&account_number=1234567&bank_id=1&account_owner=+++"
		     "&phone_number=01012341234&account_name=n",
		     "account_owner must not be empty");
	expect_error("email_address=a@b.co&account_number=1234567&bank_id=1&account_owner=a%0Ab"
		     "&phone_number=01012341234&account_name=n",
		     "account_owner must not contain control characters");
	expect_error("email_address=a@b.co&account_number=1234567&bank_id=1&account_owner=a"
		     "&phone_number=010-CALL-ME&account_name=n",
		     "phone_number must contain only digits");
	expect_error("email_address=a@b.co&account_number=1234567&bank_id=1&account_owner=a"
		     "&phone_number=01012341234",
		     "account_name is required");
}

static void test_max_lengths_count_characters(void **state)
{
	(void)state;
	/* 50 Korean characters (150 bytes) is within account_owner's 50; 51 is not. */
	char body[2048];
	char owner[51 * 9 + 1] = "";
	for (int i = 0; i < 50; i++)
		strcat(owner, "%EA%B0%80"); /* 가 */
	snprintf(body, sizeof(body),
		 "email_address=a@b.co&account_number=1234567&bank_id=0&account_owner=%s"
		 "&phone_number=01012341234&account_name=n",
		 owner);
	struct aqr_create_input in;
	char err[256];
	assert_int_equal(aqr_validate_create(&arena_, form(body), &in, err, sizeof(err)), WP_OK);
	strcat(owner, "%EA%B0%80");
	snprintf(body, sizeof(body),
		 "email_address=a@b.co&account_number=1234567&bank_id=0&account_owner=%s"
		 "&phone_number=01012341234&account_name=n",
		 owner);
	expect_error(body, "account_owner is 51 characters long; the maximum is 50");
}

static void test_actions(void **state)
{
	(void)state;
	enum aqr_action a;
	char err[256];
	assert_int_equal(aqr_parse_action(form("action=create"), &a, err, sizeof(err)), WP_OK);
	assert_int_equal(a, AQR_CREATE);
	assert_int_equal(aqr_parse_action(form("action=aqr_create"), &a, err, sizeof(err)), WP_OK);
	assert_int_equal(a, AQR_CREATE);
	assert_int_equal(aqr_parse_action(form("action=delete"), &a, err, sizeof(err)), WP_OK);
	assert_int_equal(a, AQR_DELETE);
	assert_int_equal(aqr_parse_action(form("action=aqr_delete"), &a, err, sizeof(err)), WP_OK);
	assert_int_equal(a, AQR_DELETE);
	assert_int_equal(aqr_parse_action(form("action=update"), &a, err, sizeof(err)),
			 WP_E_INVALID);
	assert_int_equal(aqr_parse_action(form("x=1"), &a, err, sizeof(err)), WP_E_INVALID);
	assert_non_null(strstr(err, "action is required"));
	assert_int_equal(
	    aqr_parse_action(form("action=create_create_create_create"), &a, err, sizeof(err)),
	    WP_E_INVALID);
	assert_non_null(strstr(err, "longer than 20"));
}

static void test_delete_validation(void **state)
{
	(void)state;
	struct aqr_delete_input in;
	char err[256];
	assert_int_equal(aqr_validate_delete(&arena_,
					     form("email_address=a@b.co&uniq_keyword=abcde"), &in,
					     err, sizeof(err)),
			 WP_OK);
	assert_string_equal(in.keyword, "abcde");
	assert_int_equal(aqr_validate_delete(&arena_,
					     form("email_address=a@b.co&uniq_keyword=ab/../cd"),
					     &in, err, sizeof(err)),
			 WP_E_INVALID);
	assert_int_equal(
	    aqr_validate_delete(&arena_,
				form("email_address=a@b.co&uniq_keyword=abcdefghijklmnopqrstu"),
				&in, err, sizeof(err)),
	    WP_E_INVALID);
	assert_non_null(strstr(err, "maximum is 20"));
	assert_int_equal(
	    aqr_validate_delete(&arena_, form("email_address=a@b.co"), &in, err, sizeof(err)),
	    WP_E_INVALID);
	assert_non_null(strstr(err, "uniq_keyword is required"));
}

static void test_amount(void **state)
{
	(void)state;
	int64_t won;
	assert_true(aqr_parse_amount("10000", &won));
	assert_int_equal(won, 10000);
	assert_false(aqr_parse_amount("0", &won));
	assert_false(aqr_parse_amount("-5", &won));
	assert_false(aqr_parse_amount("1e3", &won));
	assert_false(aqr_parse_amount("100000000001", &won));
	assert_false(aqr_parse_amount("99999999999999999999999", &won));
}

static void test_bank_table(void **state)
{
	(void)state;
	/* Every AQR id 0..59 maps, codes are unique 3-digit strings. */
	for (int id = 0; id <= AQR_BANK_ID_MAX; id++) {
		const struct wp_bank *b = aqr_bank(id);
		assert_non_null(b);
		for (int other = 0; other < id; other++)
			assert_ptr_not_equal(aqr_bank(other), b);
		assert_int_equal(strlen(b->code), 3);
		assert_ptr_equal(wp_bank_by_code(b->code), b);
	}
	assert_null(aqr_bank(-1));
	assert_null(aqr_bank(60));
	assert_string_equal(aqr_bank(0)->code, "090");
	assert_string_equal(aqr_bank(0)->name, "카카오뱅크");
	assert_string_equal(aqr_bank(3)->code, "004");
	assert_string_equal(aqr_bank(3)->name, "국민은행");
	assert_string_equal(aqr_bank(12)->code, "081");
	assert_string_equal(aqr_bank(59)->code, "225");
	assert_string_equal(wp_bank_by_code("088")->name, "신한은행");
	assert_null(wp_bank_by_code("999"));
}

static void test_keywords(void **state)
{
	(void)state;
	/* Alphabet, length, and no repeats among many draws. */
	enum { N = 2000 };
	static char seen[N][WP_AQR_KEYWORD_LEN + 1];
	int counts[128] = {0};
	for (int i = 0; i < N; i++) {
		assert_int_equal(wp_random_alnum(seen[i], WP_AQR_KEYWORD_LEN), WP_OK);
		assert_int_equal(strlen(seen[i]), WP_AQR_KEYWORD_LEN);
		for (int k = 0; k < WP_AQR_KEYWORD_LEN; k++) {
			char c = seen[i][k];
			assert_true((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9'));
			counts[(int)c]++;
		}
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
	/* 16000 characters over 62 symbols: ~258 each; every symbol must appear. */
	const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	for (const char *p = alpha; *p; p++)
		assert_true(counts[(int)*p] > 150 && counts[(int)*p] < 400);
}

static int teardown(void **state)
{
	(void)state;
	wp_arena_free(&arena_);
	return 0;
}

int main(void)
{
	wp_arena_init(&arena_, 1 << 20);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_valid),
	    cmocka_unit_test(test_create_each_field),
	    cmocka_unit_test(test_max_lengths_count_characters),
	    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_delete_validation),
	    cmocka_unit_test(test_amount),
	    cmocka_unit_test(test_bank_table),
	    cmocka_unit_test(test_keywords),
	};
	return cmocka_run_group_tests_name("aqr", tests, NULL, teardown);
}
