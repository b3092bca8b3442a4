/*
 * Unit tests: delayed callbacks on the timer thread (src/core/timer.c).
 *
 * Real time is involved, so checks are one-sided or generous: a callback
 * never runs before its due time; it runs within seconds after it; order is
 * only asserted between callbacks whose due times cannot have swapped
 * whatever the scheduler did between our calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <cmocka.h>

#include "bounds.h"
#include "core/timer.h"
#include "util/clock.h"

#define MS 1000000ULL
#define SLACK_NS (5000 * MS) /* "soon": far more than any sane scheduling delay */

/* What ran, in order, and when. */
static struct {
	pthread_mutex_t lock;
	int order[64];
	uint64_t ran_ns[64];
	size_t count;
} ran = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void reset(void)
{
	pthread_mutex_lock(&ran.lock);
	ran.count = 0;
	pthread_mutex_unlock(&ran.lock);
}

static size_t ran_count(void)
{
	pthread_mutex_lock(&ran.lock);
	size_t n = ran.count;
	pthread_mutex_unlock(&ran.lock);
	return n;
}

/* ctx is a small integer id. */
static void record(void *ctx)
{
	uint64_t now = wp_mono_ns();
	pthread_mutex_lock(&ran.lock);
	if (ran.count < 64) {
		ran.order[ran.count] = (int)(intptr_t)ctx;
		ran.ran_ns[ran.count] = now;
		ran.count++;
	}
	pthread_mutex_unlock(&ran.lock);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Waits (generously) until n callbacks ran; true if they did. */
static bool wait_for(size_t n)
{
	uint64_t until = wp_mono_ns() + SLACK_NS;
	while (ran_count() < n) {
		if (wp_mono_ns() > until)
			return false;
		sleep_ms(1);
	}
	return true;
}

/* Index in ran.order of id, or -1. */
static int position(int id)
{
	for (size_t i = 0; i < ran.count; i++)
		if (ran.order[i] == id)
			return (int)i;
	return -1;
}

static void test_runs_after_delay_in_due_order(void **state)
{
	(void)state;
	reset();
	struct wp_timer *t;
	assert_int_equal(wp_timer_start(&t), WP_OK);
	static const uint32_t delay[] = {30, 5, 50, 1, 20, 10, 40, 0, 25, 15};
	enum { N = sizeof(delay) / sizeof(delay[0]) };
	uint64_t before[N], after[N];
	for (int i = 0; i < N; i++) {
		before[i] = wp_mono_ns();
		assert_int_equal(wp_timer_after(t, delay[i], record, (void *)(intptr_t)i), WP_OK);
		after[i] = wp_mono_ns();
	}
	/* They run on their own, without a stop to push them. */
	assert_true(wait_for(N));
	pthread_mutex_lock(&ran.lock);
	assert_int_equal(ran.count, N);
	for (int i = 0; i < N; i++) {
		int p = position(i);
		assert_true(p >= 0);
		/* Never early; and not absurdly late. */
		assert_true(ran.ran_ns[p] >= before[i] + delay[i] * MS);
		assert_true(ran.ran_ns[p] <= after[i] + delay[i] * MS + SLACK_NS);
	}
	/*
	 * Due order: i's due time is in [before_i, after_i] + delay_i. Wherever
	 * those ranges cannot overlap, i must have run before j.
	 */
	int checked = 0;
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++) {
			if (after[i] + delay[i] * MS < before[j] + delay[j] * MS) {
				assert_true(position(i) < position(j));
				checked++;
			}
		}
	}
	pthread_mutex_unlock(&ran.lock);
	assert_true(checked > 0);
	wp_timer_free(t);
}

static void test_shorter_timer_added_later_runs_first(void **state)
{
	(void)state;
	reset();
	struct wp_timer *t;
	assert_int_equal(wp_timer_start(&t), WP_OK);
	/* The thread is asleep until the long one; a new earlier one must wake it. */
	assert_int_equal(wp_timer_after(t, 3600 * 1000, record, (void *)1), WP_OK);
	sleep_ms(20);
	uint64_t before = wp_mono_ns();
	assert_int_equal(wp_timer_after(t, 10, record, (void *)2), WP_OK);
	assert_true(wait_for(1));
	pthread_mutex_lock(&ran.lock);
	assert_int_equal(ran.order[0], 2);
	assert_true(ran.ran_ns[0] >= before + 10 * MS);
	pthread_mutex_unlock(&ran.lock);
	/* The hour-long one did not run; stop runs it now. */
	sleep_ms(30);
	assert_int_equal(ran_count(), 1);
	wp_timer_stop(t);
	assert_int_equal(ran_count(), 2);
	wp_timer_free(t);
}

static struct wp_timer *chain_timer;
static _Atomic int chain_errors; /* cmocka asserts belong on the test's thread */

/* A callback may schedule another (it runs without the timer's lock held). */
static void chain(void *ctx)
{
	record(ctx);
	int id = (int)(intptr_t)ctx;
	if (id < 3 && wp_timer_after(chain_timer, 1, chain, (void *)(intptr_t)(id + 1)) != WP_OK)
		atomic_fetch_add(&chain_errors, 1);
}

static void test_callback_can_schedule(void **state)
{
	(void)state;
	reset();
	assert_int_equal(wp_timer_start(&chain_timer), WP_OK);
	assert_int_equal(wp_timer_after(chain_timer, 1, chain, (void *)0), WP_OK);
	assert_true(wait_for(4));
	assert_int_equal(atomic_load(&chain_errors), 0);
	pthread_mutex_lock(&ran.lock);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ran.order[i], i);
	pthread_mutex_unlock(&ran.lock);
	wp_timer_free(chain_timer);
	chain_timer = NULL;
}

static void test_stop_runs_waiting_at_once(void **state)
{
	(void)state;
	reset();
	struct wp_timer *t;
	assert_int_equal(wp_timer_start(&t), WP_OK);
	/* Minutes away, submitted out of order. */
	assert_int_equal(wp_timer_after(t, 60000, record, (void *)3), WP_OK);
	assert_int_equal(wp_timer_after(t, 20000, record, (void *)1), WP_OK);
	assert_int_equal(wp_timer_after(t, 40000, record, (void *)2), WP_OK);
	assert_int_equal(wp_timer_after(t, 20000, record, (void *)4), WP_OK); /* due just after 1 */
	assert_int_equal(ran_count(), 0);
	uint64_t t0 = wp_mono_ns();
	wp_timer_stop(t);
	/* stop returns after running them, long before they were due, in due order. */
	assert_true(wp_mono_ns() - t0 < SLACK_NS);
	pthread_mutex_lock(&ran.lock);
	assert_int_equal(ran.count, 4);
	assert_int_equal(ran.order[0], 1);
	assert_int_equal(ran.order[1], 4);
	assert_int_equal(ran.order[2], 2);
	assert_int_equal(ran.order[3], 3);
	pthread_mutex_unlock(&ran.lock);

	/* After stop: refused, and fn is never called, not now and not later. */
	assert_int_equal(wp_timer_after(t, 0, record, (void *)9), WP_E_UNAVAILABLE);
	assert_int_equal(wp_timer_after(t, 1, record, (void *)9), WP_E_UNAVAILABLE);
	wp_timer_stop(t); /* a second stop is harmless */
	assert_int_equal(wp_timer_after(t, 0, record, (void *)9), WP_E_UNAVAILABLE);
	sleep_ms(20);
	assert_int_equal(ran_count(), 4);
	wp_timer_free(t);
	assert_int_equal(ran_count(), 4);
}

static void test_free_runs_waiting(void **state)
{
	(void)state;
	reset();
	struct wp_timer *t;
	assert_int_equal(wp_timer_start(&t), WP_OK);
	assert_int_equal(wp_timer_after(t, 60000, record, (void *)1), WP_OK);
	wp_timer_free(t); /* stops first: nothing waiting is dropped */
	assert_int_equal(ran_count(), 1);
	wp_timer_stop(NULL);
	wp_timer_free(NULL);
}

static _Atomic long full_calls, refused_calls;

static void count_full(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&full_calls, 1);
}

static void count_refused(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&refused_calls, 1);
}

static void test_bounded(void **state)
{
	(void)state;
	atomic_store(&full_calls, 0);
	atomic_store(&refused_calls, 0);
	struct wp_timer *t;
	assert_int_equal(wp_timer_start(&t), WP_OK);
	for (long i = 0; i < WP_TIMER_MAX; i++)
		assert_int_equal(wp_timer_after(t, 3600 * 1000, count_full, NULL), WP_OK);
	/* Full: refused, whatever the delay, and its fn is never called. */
	assert_int_equal(wp_timer_after(t, 3600 * 1000, count_refused, NULL), WP_E_UNAVAILABLE);
	assert_int_equal(wp_timer_after(t, 0, count_refused, NULL), WP_E_UNAVAILABLE);
	assert_int_equal(atomic_load(&full_calls), 0);
	wp_timer_stop(t); /* drains every one */
	assert_int_equal(atomic_load(&full_calls), WP_TIMER_MAX);
	assert_int_equal(atomic_load(&refused_calls), 0);
	wp_timer_free(t);
	assert_int_equal(atomic_load(&refused_calls), 0);

	/* Room frees up as callbacks run: a full timer accepts again once one is done. */
	atomic_store(&full_calls, 0);
	assert_int_equal(wp_timer_start(&t), WP_OK);
	for (long i = 0; i < WP_TIMER_MAX - 1; i++)
		assert_int_equal(wp_timer_after(t, 3600 * 1000, count_full, NULL), WP_OK);
	assert_int_equal(wp_timer_after(t, 1, count_full, NULL), WP_OK);
	assert_int_equal(wp_timer_after(t, 3600 * 1000, count_refused, NULL), WP_E_UNAVAILABLE);
	uint64_t until = wp_mono_ns() + SLACK_NS;
	while (atomic_load(&full_calls) < 1 && wp_mono_ns() < until)
		sleep_ms(1);
	assert_int_equal(atomic_load(&full_calls), 1);
	assert_int_equal(wp_timer_after(t, 3600 * 1000, count_full, NULL), WP_OK);
	wp_timer_free(t);
	assert_int_equal(atomic_load(&full_calls), WP_TIMER_MAX + 1);
	assert_int_equal(atomic_load(&refused_calls), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runs_after_delay_in_due_order),
	    cmocka_unit_test(test_shorter_timer_added_later_runs_first),
	    cmocka_unit_test(test_callback_can_schedule),
	    cmocka_unit_test(test_stop_runs_waiting_at_once),
	    cmocka_unit_test(test_free_runs_waiting),
	    cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
