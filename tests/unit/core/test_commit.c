/* Unit tests: the group-commit queue (src/core/commit.c) over a real store. */
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

#define N 600

struct cmd {
	struct wp_cmd base;
	int i;
	bool fail;
	int64_t account_id;
	_Atomic int done_calls;
};

static _Atomic int done_total;

/* Writes an account, then fails every third command after writing. */
static wp_status apply(struct wp_tx *tx, struct wp_cmd *c)
{
	struct cmd *cmd = (struct cmd *)c;
	struct wp_account a;
	wp_status st = wp_ledger_create_account(tx, WP_ACCOUNT_TEST, 0, cmd->i, &a);
	cmd->account_id = a.id;
	return st == WP_OK && cmd->fail ? WP_E_INVALID : st;
}

static void done(struct wp_cmd *c)
{
	struct cmd *cmd = (struct cmd *)c;
	atomic_fetch_add(&cmd->done_calls, 1);
	atomic_fetch_add(&done_total, 1);
}

static struct cmd cmds[N];

struct submitter {
	struct wp_commit *q;
	int from, to;
};

static void *submit_range(void *arg)
{
	struct submitter *s = arg;
	for (int i = s->from; i < s->to; i++)
		assert_int_equal(wp_commit_submit(s->q, &cmds[i].base), WP_OK);
	return NULL;
}

static void test_batches_isolate_failures(void **state)
{
	(void)state;
	struct temp_store store;
	struct wp_store *s = temp_store_open(&store, 3);
	assert_non_null(s);
	struct wp_commit_config cfg = {.max_batch = 64, .max_wait_us = 200};
	struct wp_commit *q;
	assert_int_equal(wp_commit_start(s, &cfg, &q), WP_OK);
	for (int i = 0; i < N; i++) {
		memset(&cmds[i], 0, sizeof(cmds[i]));
		cmds[i].base.apply = apply;
		cmds[i].base.done = done;
		cmds[i].i = i;
		cmds[i].fail = i % 3 == 0;
	}
	pthread_t t[4];
	struct submitter sub[4];
	for (int k = 0; k < 4; k++) {
		sub[k] = (struct submitter){q, k * N / 4, (k + 1) * N / 4};
		pthread_create(&t[k], NULL, submit_range, &sub[k]);
	}
	for (int k = 0; k < 4; k++)
		pthread_join(t[k], NULL);
	/* Stop drains: every command submitted before is applied and acknowledged. */
	struct wp_commit_stats stats;
	wp_commit_stop(q);
	assert_int_equal(atomic_load(&done_total), N);
	int ok = 0;
	for (int i = 0; i < N; i++) {
		assert_int_equal(atomic_load(&cmds[i].done_calls), 1);
		struct wp_account a;
		wp_status st = s->ops->account_read(s, cmds[i].account_id, &a);
		if (cmds[i].fail) {
			/* Its write was rolled back alone (the id may be reused by a neighbour). */
			assert_int_equal(cmds[i].base.status, WP_E_INVALID);
			assert_true(st == WP_E_NOT_FOUND || a.created_ms != cmds[i].i);
		} else {
			assert_int_equal(cmds[i].base.status, WP_OK);
			assert_int_equal(st, WP_OK);
			assert_int_equal(a.created_ms, cmds[i].i);
			ok++;
		}
	}
	assert_int_equal(ok, N - (N + 2) / 3);

	/* A second queue on the same store: group commit really groups. */
	atomic_store(&done_total, 0);
	assert_int_equal(wp_commit_start(s, &cfg, &q), WP_OK);
	for (int i = 0; i < N; i++) {
		memset(&cmds[i], 0, sizeof(cmds[i]));
		cmds[i].base.apply = apply;
		cmds[i].base.done = done;
		cmds[i].i = i;
		assert_int_equal(wp_commit_submit(q, &cmds[i].base), WP_OK);
	}
	while (atomic_load(&done_total) < N)
		usleep(1000);
	wp_commit_get_stats(q, &stats);
	assert_int_equal(stats.commands, N);
	assert_true(stats.batches < N / 4);
	assert_true(stats.max_batch_seen <= 64);
	wp_commit_stop(q);
	temp_store_close(&store);
}

static wp_status run_sync_apply(struct wp_tx *tx, struct wp_cmd *c)
{
	(void)tx;
	(void)c;
	return WP_E_CONFLICT;
}

static void test_run_sync_returns_status(void **state)
{
	(void)state;
	struct temp_store store;
	struct wp_store *s = temp_store_open(&store, 2);
	assert_non_null(s);
	struct wp_commit_config cfg = {.max_batch = 8};
	struct wp_commit *q;
	assert_int_equal(wp_commit_start(s, &cfg, &q), WP_OK);
	struct wp_cmd c = {.apply = run_sync_apply};
	assert_int_equal(wp_commit_run(q, &c), WP_E_CONFLICT);
	wp_commit_stop(q);
	temp_store_close(&store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batches_isolate_failures),
	    cmocka_unit_test(test_run_sync_returns_status),
	};
	return cmocka_run_group_tests_name("commit", tests, NULL, NULL);
}
