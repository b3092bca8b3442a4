/* Unit tests: the used-token set against replays (src/core/replay.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "core/replay.h"

#define NOW 1800000000000LL /* ms: an ordinary wall-clock time */
#define TTL 600000LL	    /* a token matters for 10 minutes */

static bool first_use(struct wp_replay *r, const char *token, int64_t now, int64_t expires)
{
	return wp_replay_first_use(r, token, strlen(token), now, expires);
}

static void test_first_use_then_replay(void **state)
{
	(void)state;
	struct wp_replay *r = wp_replay_new();
	assert_non_null(r);
	assert_true(first_use(r, "tran-token-1", NOW, NOW + TTL));
	assert_false(first_use(r, "tran-token-1", NOW, NOW + TTL));
	/* Still a replay any time while fresh, whatever expiry the replay claims. */
	assert_false(first_use(r, "tran-token-1", NOW + 1, NOW + 2 * TTL));
	assert_false(first_use(r, "tran-token-1", NOW + TTL - 1, NOW + 2 * TTL));
	wp_replay_free(r);
}

static void test_accepted_again_after_expiry(void **state)
{
	(void)state;
	struct wp_replay *r = wp_replay_new();
	assert_non_null(r);
	assert_true(first_use(r, "tok", NOW, NOW + TTL));
	assert_false(first_use(r, "tok", NOW + TTL - 1, NOW + TTL));
	/* Used "until expires_ms": from then on the timestamp check alone refuses it. */
	assert_true(first_use(r, "tok", NOW + TTL, NOW + 2 * TTL));
	/* That use is recorded afresh, with its own expiry. */
	assert_false(first_use(r, "tok", NOW + TTL + 1, NOW + 2 * TTL));
	assert_false(first_use(r, "tok", NOW + 2 * TTL - 1, NOW + 3 * TTL));
	assert_true(first_use(r, "tok", NOW + 2 * TTL + 5, NOW + 3 * TTL));
	/* A token recorded as already expired is not remembered at all. */
	assert_true(first_use(r, "stale", NOW, NOW));
	assert_true(first_use(r, "stale", NOW, NOW));
	wp_replay_free(r);
}

static void test_distinct_tokens_independent(void **state)
{
	(void)state;
	struct wp_replay *r = wp_replay_new();
	assert_non_null(r);
	assert_true(first_use(r, "a", NOW, NOW + TTL));
	assert_true(first_use(r, "b", NOW, NOW + TTL));
	assert_true(first_use(r, "A", NOW, NOW + TTL));
	assert_true(first_use(r, "ab", NOW, NOW + TTL));
	/* Tokens are bytes with a length: a prefix, or one with a NUL inside, is another token. */
	const uint8_t bin1[] = {'x', 0, 'y'}, bin2[] = {'x', 0, 'z'};
	assert_true(wp_replay_first_use(r, bin1, sizeof(bin1), NOW, NOW + TTL));
	assert_true(wp_replay_first_use(r, bin2, sizeof(bin2), NOW, NOW + TTL));
	assert_true(wp_replay_first_use(r, bin1, 1, NOW, NOW + TTL)); /* "x" */
	assert_true(wp_replay_first_use(r, "", 0, NOW, NOW + TTL));
	assert_false(wp_replay_first_use(r, bin1, sizeof(bin1), NOW, NOW + TTL));
	assert_false(wp_replay_first_use(r, bin2, sizeof(bin2), NOW, NOW + TTL));
	assert_false(wp_replay_first_use(r, "x", 1, NOW, NOW + TTL));
	assert_false(wp_replay_first_use(r, "", 0, NOW, NOW + TTL));
	assert_false(first_use(r, "a", NOW, NOW + TTL));
	assert_false(first_use(r, "b", NOW, NOW + TTL));
	assert_false(first_use(r, "A", NOW, NOW + TTL));
	assert_false(first_use(r, "ab", NOW, NOW + TTL));
	/* One expiring does not free the other. */
	assert_true(first_use(r, "short", NOW, NOW + 10));
	assert_true(first_use(r, "long", NOW, NOW + TTL));
	assert_true(first_use(r, "short", NOW + 10, NOW + TTL));
	assert_false(first_use(r, "long", NOW + 10, NOW + TTL));
	wp_replay_free(r);
}

static void token_n(char *out, size_t cap, uint32_t i)
{
	snprintf(out, cap, "flood-%010u", i);
}

static void test_flood_beyond_capacity(void **state)
{
	(void)state;
	struct wp_replay *r = wp_replay_new();
	assert_non_null(r);
	/*
	 * Twice more fresh tokens than the table has slots, one per ms, all still
	 * live: the table must evict (never crash or grow) and still refuse a token
	 * right after it was recorded (checked for every fourth: hashing under
	 * ASan is what makes this test slow).
	 */
	const uint32_t n = 2 * WP_REPLAY_SLOTS;
	char tok[32];
	int64_t now = NOW;
	for (uint32_t i = 0; i < n; i++, now++) {
		token_n(tok, sizeof(tok), i);
		assert_true(first_use(r, tok, now, now + 100 * (int64_t)n));
		if (i % 4 == 0 || i >= n - 1000)
			assert_false(first_use(r, tok, now, now + 100 * (int64_t)n));
	}
	/* The newest tokens are the last to go: all of the latest thousand are still known. */
	for (uint32_t i = n - 1000; i < n; i++) {
		token_n(tok, sizeof(tok), i);
		assert_false(first_use(r, tok, now, now + TTL));
	}
	/* Once everything has expired every slot is reusable, old tokens included. */
	now += 200 * (int64_t)n;
	for (uint32_t i = n - 10; i < n; i++) {
		token_n(tok, sizeof(tok), i);
		assert_true(first_use(r, tok, now, now + TTL));
		assert_false(first_use(r, tok, now, now + TTL));
	}
	assert_true(first_use(r, "after the flood", now, now + TTL));
	assert_false(first_use(r, "after the flood", now, now + TTL));
	wp_replay_free(r);
}

static void test_free_null(void **state)
{
	(void)state;
	wp_replay_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_use_then_replay),
	    cmocka_unit_test(test_accepted_again_after_expiry),
	    cmocka_unit_test(test_distinct_tokens_independent),
	    cmocka_unit_test(test_flood_beyond_capacity),
	    cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
