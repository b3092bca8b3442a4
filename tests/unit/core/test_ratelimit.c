/* Unit tests: the token bucket per credential (src/core/ratelimit.c). Time is a parameter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "core/ratelimit.h"

#define MS 1000000ULL	 /* ns */
#define S (1000ULL * MS) /* ns */
#define T0 (1000ULL * S) /* an arbitrary start: buckets must not assume time 0 */

/* A key filled with b; key[0] picks the shard, so callers vary it to spread keys. */
static void key_fill(uint8_t key[32], uint8_t b)
{
	memset(key, b, 32);
}

/* Distinct key number i, spread over every shard (low byte first). */
static void key_n(uint8_t key[32], uint32_t i)
{
	memset(key, 0x5A, 32);
	key[0] = (uint8_t)i;
	key[1] = (uint8_t)(i >> 8);
	key[2] = (uint8_t)(i >> 16);
	key[3] = (uint8_t)(i >> 24);
}

static void test_burst_then_refusal(void **state)
{
	(void)state;
	struct wp_ratelimit *rl = wp_ratelimit_new(10, 5);
	assert_non_null(rl);
	uint8_t k[32];
	key_fill(k, 1);
	/* A new key starts with a full bucket: exactly `burst` requests at one instant. */
	for (int i = 0; i < 5; i++)
		assert_true(wp_ratelimit_take(rl, k, T0));
	assert_false(wp_ratelimit_take(rl, k, T0));
	/* Refusals do not go negative or otherwise punish: still refused, no more. */
	for (int i = 0; i < 100; i++)
		assert_false(wp_ratelimit_take(rl, k, T0));
	wp_ratelimit_free(rl);
}

static void test_refill_over_time(void **state)
{
	(void)state;
	struct wp_ratelimit *rl = wp_ratelimit_new(10, 5); /* one token per 100 ms */
	assert_non_null(rl);
	uint8_t k[32];
	key_fill(k, 2);
	for (int i = 0; i < 5; i++)
		assert_true(wp_ratelimit_take(rl, k, T0));
	assert_false(wp_ratelimit_take(rl, k, T0));
	/* Just short of one token's time: nothing yet. */
	assert_false(wp_ratelimit_take(rl, k, T0 + 99 * MS));
	/* The partial refill is kept across the refused call: one token at 100 ms. */
	assert_true(wp_ratelimit_take(rl, k, T0 + 100 * MS));
	assert_false(wp_ratelimit_take(rl, k, T0 + 100 * MS));
	/* Two halves make a whole. */
	assert_false(wp_ratelimit_take(rl, k, T0 + 150 * MS));
	assert_true(wp_ratelimit_take(rl, k, T0 + 200 * MS));
	assert_false(wp_ratelimit_take(rl, k, T0 + 200 * MS));
	/* 300 ms: three tokens. */
	uint64_t t = T0 + 500 * MS;
	for (int i = 0; i < 3; i++)
		assert_true(wp_ratelimit_take(rl, k, t));
	assert_false(wp_ratelimit_take(rl, k, t));
	/* A long idle time refills to the burst, never beyond it. */
	t += 3600 * S;
	for (int i = 0; i < 5; i++)
		assert_true(wp_ratelimit_take(rl, k, t));
	assert_false(wp_ratelimit_take(rl, k, t));
	/* Days of idleness: no overflow into a huge (or zero) bucket. */
	t += 30 * 24 * 3600 * S;
	for (int i = 0; i < 5; i++)
		assert_true(wp_ratelimit_take(rl, k, t));
	assert_false(wp_ratelimit_take(rl, k, t));
	wp_ratelimit_free(rl);
}

static void test_clock_going_back_refills_nothing(void **state)
{
	(void)state;
	struct wp_ratelimit *rl = wp_ratelimit_new(1000, 2);
	assert_non_null(rl);
	uint8_t k[32];
	key_fill(k, 3);
	assert_true(wp_ratelimit_take(rl, k, T0));
	assert_true(wp_ratelimit_take(rl, k, T0));
	/* An earlier timestamp (another thread's older reading) must not mint tokens. */
	assert_false(wp_ratelimit_take(rl, k, T0 - 10 * S));
	assert_false(wp_ratelimit_take(rl, k, 0));
	/* Time moving on again refills (how much after a step back is not pinned down). */
	assert_true(wp_ratelimit_take(rl, k, T0 + 1 * MS));
	wp_ratelimit_free(rl);
}

/* Frequent callers keep the time between calls: refills must not round to nothing. */
static void test_frequent_callers_still_refill(void **state)
{
	(void)state;
	static const struct {
		uint32_t rate, burst;
		uint64_t step_ns, span_ns;
	} cases[] = {
	    {1, 1, 999 * 1000, 10 * S}, /* a call every 999 us at 1/s: about 10 pass */
	    {100, 1, 5 * 1000, 5 * S},	/* every 5 us at the default 100/s: about 500 */
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct wp_ratelimit *rl = wp_ratelimit_new(cases[c].rate, cases[c].burst);
		assert_non_null(rl);
		uint8_t k[32];
		key_fill(k, 3);
		uint64_t allowed = 0;
		for (uint64_t t = 0; t <= cases[c].span_ns; t += cases[c].step_ns)
			allowed += wp_ratelimit_take(rl, k, T0 + t);
		uint64_t want = cases[c].burst + cases[c].rate * (cases[c].span_ns / S);
		assert_in_range(allowed, want - 1, want + 1);
		wp_ratelimit_free(rl);
	}
}

static void test_rate_zero_disables(void **state)
{
	(void)state;
	struct wp_ratelimit *rl = wp_ratelimit_new(0, 1);
	assert_non_null(rl);
	uint8_t k[32];
	key_fill(k, 4);
	for (int i = 0; i < 10000; i++)
		assert_true(wp_ratelimit_take(rl, k, T0));
	/* Also for many keys: nothing is tracked, nothing refused. */
	for (uint32_t i = 0; i < 2 * WP_RATE_TABLE_SLOTS; i++) {
		key_n(k, i);
		assert_true(wp_ratelimit_take(rl, k, T0));
		assert_true(wp_ratelimit_take(rl, k, T0));
	}
	wp_ratelimit_free(rl);
}

static void test_keys_are_independent(void **state)
{
	(void)state;
	struct wp_ratelimit *rl = wp_ratelimit_new(1, 3);
	assert_non_null(rl);
	uint8_t a[32], b[32], c[32];
	key_fill(a, 7);
	memcpy(b, a, 32);
	b[31] ^= 1;	/* same shard as a, differs only in its last byte */
	key_fill(c, 8); /* another shard */
	for (int i = 0; i < 3; i++)
		assert_true(wp_ratelimit_take(rl, a, T0));
	assert_false(wp_ratelimit_take(rl, a, T0));
	/* a's exhaustion leaves b and c untouched. */
	for (int i = 0; i < 3; i++) {
		assert_true(wp_ratelimit_take(rl, b, T0));
		assert_true(wp_ratelimit_take(rl, c, T0));
	}
	assert_false(wp_ratelimit_take(rl, b, T0));
	assert_false(wp_ratelimit_take(rl, c, T0));
	assert_false(wp_ratelimit_take(rl, a, T0));
	/* Each refills on its own. */
	assert_true(wp_ratelimit_take(rl, a, T0 + S));
	assert_false(wp_ratelimit_take(rl, a, T0 + S));
	assert_true(wp_ratelimit_take(rl, b, T0 + S));
	assert_true(wp_ratelimit_take(rl, c, T0 + S));
	wp_ratelimit_free(rl);
}

static void test_table_is_bounded(void **state)
{
	(void)state;
	struct wp_ratelimit *rl = wp_ratelimit_new(1, 1);
	assert_non_null(rl);
	uint8_t hot[32], k[32];
	key_fill(hot, 0xA0); /* shard 0: flood keys with key[0] % 16 == 0 share it */
	uint64_t t = T0;
	assert_true(wp_ratelimit_take(rl, hot, t));
	assert_false(wp_ratelimit_take(rl, hot, t));
	/*
	 * Ten times more distinct keys than the table holds, 1 µs apart. Each is
	 * new, so it gets a full bucket (never a failure for lack of room), while
	 * the hot key, used all along, keeps its empty bucket: it is not the least
	 * recently used, so it is never the one reused (that would refill it).
	 */
	const uint32_t n = 10 * WP_RATE_TABLE_SLOTS;
	for (uint32_t i = 0; i < n; i++) {
		t += 1000;
		key_n(k, i);
		assert_true(wp_ratelimit_take(rl, k, t));
		assert_false(wp_ratelimit_take(rl, k, t));
		if (i % 16 == 0)
			assert_false(wp_ratelimit_take(rl, hot, t));
	}
	/*
	 * The table did not grow to remember them all: the first keys were pushed
	 * out, so at the same instant they get a fresh bucket again. The newest
	 * keys of every shard are still remembered (and still empty).
	 */
	for (uint32_t i = 0; i < 16; i++) {
		key_n(k, i);
		assert_true(wp_ratelimit_take(rl, k, t));
	}
	for (uint32_t i = n - 16; i < n; i++) {
		key_n(k, i);
		assert_false(wp_ratelimit_take(rl, k, t));
	}
	/* The hot key still works: refused until its refill, then exactly one. */
	assert_false(wp_ratelimit_take(rl, hot, t));
	t += 2 * S;
	assert_true(wp_ratelimit_take(rl, hot, t));
	assert_false(wp_ratelimit_take(rl, hot, t));
	wp_ratelimit_free(rl);
}

static void test_free_null(void **state)
{
	(void)state;
	wp_ratelimit_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_burst_then_refusal),
	    cmocka_unit_test(test_refill_over_time),
	    cmocka_unit_test(test_clock_going_back_refills_nothing),
	    cmocka_unit_test(test_frequent_callers_still_refill),
	    cmocka_unit_test(test_rate_zero_disables),
	    cmocka_unit_test(test_keys_are_independent),
	    cmocka_unit_test(test_table_is_bounded),
	    cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
