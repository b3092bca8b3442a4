/*
 * Unit test: the commit path under injected storage faults (as SQLite tests
 * itself). Thousands of transfers go through the commit queue while the
 * store's writes, reads, savepoints and commits fail at seeded random
 * points, and some commits are made durable yet reported failed. Then, with
 * faults off, every transfer is sent again with the same fields. Nothing
 * acknowledged may be lost, nothing may be applied twice, the destination
 * must hold exactly the sum of all amounts, and `ledger verify` must hold —
 * also after the file is closed and opened again.
 *
 * WONPAY_FAULT_SEED replays a schedule; WONPAY_FAULT_N sets the transfers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>

#include <cmocka.h>

#include "core/commit.h"
#include "core/ledger.h"
#include "temp_store.h"

#define N_DEFAULT 10000

struct xfer {
	struct wp_cmd base;
	struct wp_transfer t;
	struct wp_transfer out;
	bool replayed;
	_Atomic int done;
	bool acked; /* status OK and the ledger applied it */
};

static _Atomic int finished;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

static wp_status apply(struct wp_tx *tx, struct wp_cmd *c)
{
	struct xfer *x = (struct xfer *)c;
	return wp_ledger_transfer(tx, &x->t, 1000, &x->out, &x->replayed);
}

static void done(struct wp_cmd *c)
{
	struct xfer *x = (struct xfer *)c;
	x->acked = c->status == WP_OK && x->out.result == WP_TR_OK;
	atomic_fetch_add(&x->done, 1);
	pthread_mutex_lock(&lock);
	atomic_fetch_add(&finished, 1);
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

struct accounts {
	int64_t from, to;
};

static wp_status make_accounts(struct wp_tx *tx, void *arg)
{
	struct accounts *a = arg;
	struct wp_account x, y;
	wp_status st = wp_ledger_create_account(tx, WP_ACCOUNT_TEST, 0, 1, &x);
	if (st == WP_OK)
		st = wp_ledger_create_account(tx, WP_ACCOUNT_TEST, 0, 1, &y);
	a->from = x.id;
	a->to = y.id;
	return st;
}

static void no_problem(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "ledger verify: %s\n", line);
}

static void assert_ledger_clean(struct wp_store *s)
{
	struct wp_verify_report rep;
	assert_int_equal(wp_ledger_verify(s, no_problem, NULL, &rep), WP_OK);
	assert_int_equal(rep.problems, 0);
}

/* One run: n transfers at rate_ppm faults; returns the durable-but-unacknowledged count. */
static int run(uint64_t seed, uint32_t rate_ppm, int n)
{
	struct temp_store ts;
	struct wp_store *s = temp_store_open(&ts, 3);
	assert_non_null(s);
	struct accounts acc;
	assert_int_equal(wp_store_write(s, make_accounts, &acc), WP_OK);

	struct xfer *xs = calloc((size_t)n, sizeof(*xs));
	assert_non_null(xs);
	int64_t total = 0;
	for (int i = 0; i < n; i++) {
		xs[i].base.apply = apply;
		xs[i].base.done = done;
		snprintf(xs[i].t.id, sizeof(xs[i].t.id), "fault-%d", i);
		xs[i].t.debit_account_id = acc.from;
		xs[i].t.credit_account_id = acc.to;
		xs[i].t.amount = 1 + i % 997;
		xs[i].t.code = WP_TRANSFER_CODE_TEST;
		total += xs[i].t.amount;
	}

	struct wp_commit_config cfg = {.max_batch = 32};
	struct wp_commit *q;
	assert_int_equal(wp_commit_start(s, &cfg, &q), WP_OK);
	wp_store_inject(s, &(struct wp_fault_plan){seed, rate_ppm, WP_FAULT_ALL, 100000});
	atomic_store(&finished, 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(wp_commit_submit(q, &xs[i].base), WP_OK);
	pthread_mutex_lock(&lock);
	while (atomic_load(&finished) < n)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	uint64_t injected = wp_store_faults_injected(s);
	wp_store_inject(s, NULL);

	int acked = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		assert_int_equal(atomic_load(&xs[i].done), 1); /* done exactly once */
		acked += xs[i].acked;
		failed += !xs[i].acked;
	}
	fprintf(stderr,
		"seed %llu, %u ppm: %d transfers, %llu faults injected, %d acknowledged, %d not\n",
		(unsigned long long)seed, rate_ppm, n, (unsigned long long)injected, acked, failed);
	assert_true(injected > 0);
	assert_true(acked > 0);
	assert_true(failed > 0);

	/* Every transfer again, same fields, faults off. */
	int replayed = 0;
	for (int i = 0; i < n; i++) {
		bool was_acked = xs[i].acked;
		struct wp_transfer first = xs[i].out;
		xs[i].base.apply = apply;
		assert_int_equal(wp_commit_run(q, &xs[i].base), WP_OK);
		assert_int_equal(xs[i].out.result, WP_TR_OK);
		if (was_acked) {
			/* acknowledged, so durable: found again, the same */
			assert_true(xs[i].replayed);
			assert_int_equal(xs[i].out.amount, first.amount);
			assert_int_equal(xs[i].out.created_ms, first.created_ms);
		}
		replayed += xs[i].replayed;
	}
	fprintf(stderr, "  on retry: %d found durable, %d applied now\n", replayed, n - replayed);
	assert_true(replayed >= acked);
	wp_commit_stop(q);

	/* Each exactly once: the destination holds the sum of every amount. */
	struct wp_account to;
	assert_int_equal(s->ops->account_read(s, acc.to, &to), WP_OK);
	assert_int_equal(to.credits_posted, total);
	assert_ledger_clean(s);

	/* And so on disk: closed and opened again. */
	wp_store_close(s);
	char err[256];
	assert_int_equal(wp_store_open(ts.path, 1, &ts.s, err, sizeof(err)), WP_OK);
	s = ts.s;
	assert_int_equal(s->ops->account_read(s, acc.to, &to), WP_OK);
	assert_int_equal(to.credits_posted, total);
	assert_ledger_clean(s);
	free(xs);
	temp_store_close(&ts);
	return replayed - acked;
}

static void test_nothing_acknowledged_is_lost(void **state)
{
	(void)state;
	const char *seed_env = getenv("WONPAY_FAULT_SEED");
	const char *n_env = getenv("WONPAY_FAULT_N");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 10) : 20261202;
	int n = n_env ? atoi(n_env) : N_DEFAULT;
	if (n < 1)
		n = N_DEFAULT;
	static const uint32_t rates[] = {50000, 20000, 5000, 1000};
	int lied = 0;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		lied += run(seed + i, rates[i], n);
	/* Some commits were durable yet reported failed: their retries found them once. */
	assert_true(lied > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nothing_acknowledged_is_lost),
	};
	return cmocka_run_group_tests_name("commit under faults", tests, NULL, NULL);
}
