/* Unit tests: the sandbox bank network (src/core/bank_sandbox.c) over a real store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/bank_sandbox.h"
#include "core/ledger.h"
#include "temp_store.h"

struct fx {
	struct temp_store store;
	struct wp_store *s;
	wp_clock clock;
	struct wp_bank_net *net;
};

static int64_t now_ms(struct fx *f)
{
	return wp_clock_now_ms(&f->clock);
}

static wp_status seed(struct wp_tx *tx, void *arg)
{
	return wp_bank_sandbox_seed(tx, now_ms(arg));
}

/* Puts the clock at 12:00 KST so hours do not interfere unless a test moves it. */
static void set_noon(struct fx *f)
{
	int m = wp_bank_minute_kst(now_ms(f));
	wp_clock_advance_ms(&f->clock, (int64_t)(((12 * 60 - m) + 24 * 60) % (24 * 60)) * 60000);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->s = temp_store_open(&f->store, 2);
	assert_non_null(f->s);
	wp_clock_init(&f->clock);
	set_noon(f);
	f->net = wp_bank_sandbox_new(f->s, &f->clock);
	assert_int_equal(wp_store_write(f->s, seed, f), WP_OK);
	assert_int_equal(wp_store_write(f->s, seed, f), WP_OK); /* idempotent */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	wp_bank_sandbox_free(f->net);
	temp_store_close(&f->store);
	free(f);
	return 0;
}

static int holder(struct fx *f, const char *code, const char *num, const char *name,
		  const char *birth)
{
	struct wp_bank_identity who = {name, birth, NULL};
	struct wp_bank_answer a;
	f->net->ops->verify_holder(f->net, code, num, &who, &a);
	return a.outcome;
}

static void test_holder_outcomes(void **state)
{
	struct fx *f = *state;
	assert_int_equal(holder(f, "004", "11111111111", "홍길동", "19900101"), WP_BANK_OK);
	assert_int_equal(holder(f, "004", "11111111111", "홍길동", "900101"), WP_BANK_OK);
	assert_int_equal(holder(f, "004", "11111111111", "김길동", "19900101"),
			 WP_BANK_HOLDER_MISMATCH);
	assert_int_equal(holder(f, "004", "11111111111", "홍길동", "19900102"),
			 WP_BANK_IDENTITY_MISMATCH);
	assert_int_equal(holder(f, "004", "00000000000", "홍길동", ""), WP_BANK_ACCOUNT_NOT_FOUND);
	assert_int_equal(holder(f, "004", "90000000001", "홍길동", ""), WP_BANK_ACCOUNT_DORMANT);
	assert_int_equal(holder(f, "004", "90000000002", "홍길동", ""), WP_BANK_ACCOUNT_SUSPENDED);
	assert_int_equal(holder(f, "004", "90000000003", "홍길동", ""), WP_BANK_ACCOUNT_CLOSED);
	assert_int_equal(holder(f, "004", "90000000004", "홍길동", ""), WP_BANK_ACCOUNT_ACCIDENT);
	assert_int_equal(holder(f, "004", "90000000005", "홍길동", ""), WP_BANK_NOT_VERIFIABLE);
	assert_int_equal(holder(f, "004", "90000000006", "홍길동", ""), WP_BANK_UNREACHABLE);
	assert_int_equal(holder(f, "004", "90000000007", "홍길동", ""), WP_BANK_TIMEOUT);
	assert_int_equal(holder(f, "004", "90000000008", "홍길동", ""), WP_BANK_BEFORE_HOURS);
	assert_int_equal(holder(f, "004", "90000000009", "홍길동", ""), WP_BANK_MAINTENANCE);
	assert_int_equal(holder(f, "004", "90000000010", "홍길동", ""), WP_BANK_FAILED);
	assert_int_equal(holder(f, "055", "12345678901", "홍길동", ""), WP_BANK_NOT_PARTICIPATING);
	assert_int_equal(holder(f, "999", "12345678901", "홍길동", ""), WP_BANK_UNKNOWN_BANK);
	struct wp_bank_identity biz = {"(주)테스트상사", NULL, "1234567890"};
	struct wp_bank_answer a;
	f->net->ops->verify_holder(f->net, "081", "33333333333", &biz, &a);
	assert_int_equal(a.outcome, WP_BANK_OK);
}

static void test_hours_and_faults(void **state)
{
	struct fx *f = *state;
	struct wp_bank_answer a;
	/* 23:40 KST: maintenance everywhere; 03:00: 우체국 (071) not open yet, others are. */
	wp_clock_advance_ms(&f->clock, (11 * 60 + 40) * 60000LL);
	f->net->ops->reach(f->net, "004", &a);
	assert_int_equal(a.outcome, WP_BANK_MAINTENANCE);
	wp_clock_advance_ms(&f->clock, (3 * 60 + 20) * 60000LL);
	f->net->ops->reach(f->net, "004", &a);
	assert_int_equal(a.outcome, WP_BANK_OK);
	f->net->ops->reach(f->net, "071", &a);
	assert_int_equal(a.outcome, WP_BANK_BEFORE_HOURS);

	struct wp_bank_fault slow = {.mode = WP_FAULT_SLOW, .latency_ms = 250};
	assert_int_equal(f->net->ops->set_fault(f->net, "004", &slow), WP_OK);
	f->net->ops->reach(f->net, "004", &a);
	assert_int_equal(a.outcome, WP_BANK_OK);
	assert_int_equal(a.latency_ms, 250);
	slow.latency_ms = WP_BANK_TIMEOUT_MS + 1;
	f->net->ops->set_fault(f->net, "004", &slow);
	f->net->ops->reach(f->net, "004", &a);
	assert_int_equal(a.outcome, WP_BANK_TIMEOUT);

	struct wp_bank_fault failing = {.mode = WP_FAULT_FAILING, .rate_ppm = 300000, .seed = 42};
	int first[64], again[64], fails = 0;
	f->net->ops->set_fault(f->net, "004", &failing);
	for (int i = 0; i < 64; i++) {
		f->net->ops->reach(f->net, "004", &a);
		first[i] = a.outcome;
		fails += a.outcome == WP_BANK_FAILED;
	}
	f->net->ops->set_fault(f->net, "004", &failing);
	for (int i = 0; i < 64; i++) {
		f->net->ops->reach(f->net, "004", &a);
		again[i] = a.outcome;
	}
	assert_memory_equal(first, again, sizeof(first)); /* same seed, same failures */
	/* Listing the bank's status asks nothing of it: the sequence is not advanced. */
	f->net->ops->set_fault(f->net, "004", &failing);
	for (int i = 0; i < 64; i++) {
		if (i % 3 == 0)
			for (int k = 0; k < 5; k++)
				f->net->ops->status(f->net, "004", &a);
		f->net->ops->reach(f->net, "004", &a);
		again[i] = a.outcome;
	}
	assert_memory_equal(first, again, sizeof(first));
	assert_true(fails > 5 && fails < 40);
	struct wp_bank_fault bad = {.mode = 9};
	assert_int_equal(f->net->ops->set_fault(f->net, "004", &bad), WP_E_INVALID);
	assert_int_equal(f->net->ops->set_fault(f->net, "999", &failing), WP_E_NOT_FOUND);
	wp_bank_sandbox_clear_faults(f->net);
	f->net->ops->reach(f->net, "004", &a);
	assert_int_equal(a.outcome, WP_BANK_OK);
}

struct move_args {
	struct fx *f;
	const char *id;
	struct wp_bank_party from, to;
	int64_t amount;
	int outcome;
	struct wp_transfer result;
	bool replayed;
};

static wp_status do_move(struct wp_tx *tx, void *arg)
{
	struct move_args *m = arg;
	return m->f->net->ops->move(m->f->net, tx, m->id, &m->from, &m->to, m->amount,
				    WP_TRANSFER_CODE_TEST, now_ms(m->f), &m->outcome, &m->result,
				    &m->replayed);
}

static wp_status make_wallet(struct wp_tx *tx, void *arg)
{
	struct wp_account *a = arg;
	return wp_ledger_create_account(tx, WP_ACCOUNT_PREPAID_WALLET,
					WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, 0, a);
}

static int64_t bank_balance(struct fx *f, const char *code, const char *num)
{
	struct wp_bank_account b;
	struct wp_account a;
	assert_int_equal(f->s->ops->bank_account_read(f->s, code, num, &b), WP_OK);
	assert_int_equal(f->s->ops->account_read(f->s, b.ledger_account_id, &a), WP_OK);
	return a.credits_posted - a.debits_posted;
}

static void test_withdraw_deposit_wire(void **state)
{
	struct fx *f = *state;
	struct wp_account wallet;
	assert_int_equal(wp_store_write(f->s, make_wallet, &wallet), WP_OK);
	struct wp_bank_party hong = {"004", "11111111111", 0}, kim = {"088", "22222222222", 0};
	struct wp_bank_party w = {NULL, NULL, wallet.id};

	struct move_args m = {f, "charge-1", hong, w, 30000, 0, {{0}}, false};
	assert_int_equal(wp_store_write(f->s, do_move, &m), WP_OK); /* withdraw: a charge */
	assert_int_equal(m.outcome, WP_BANK_OK);
	assert_int_equal(bank_balance(f, "004", "11111111111"), 970000);
	assert_int_equal(wp_store_write(f->s, do_move, &m), WP_OK); /* replay */
	assert_true(m.replayed);
	assert_int_equal(bank_balance(f, "004", "11111111111"), 970000);

	m = (struct move_args){f, "payout-1", w, kim, 10000, 0, {{0}}, false}; /* deposit */
	assert_int_equal(wp_store_write(f->s, do_move, &m), WP_OK);
	assert_int_equal(m.outcome, WP_BANK_OK);
	assert_int_equal(bank_balance(f, "088", "22222222222"), 5010000);

	m = (struct move_args){f, "payout-2", w, kim, 25000, 0, {{0}}, false}; /* 20000 left */
	assert_int_equal(wp_store_write(f->s, do_move, &m), WP_OK);
	assert_int_equal(m.outcome, WP_BANK_INSUFFICIENT_FUNDS);
	assert_int_equal(m.result.result, WP_TR_EXCEEDS_CREDITS);

	struct wp_bank_party closed = {"004", "90000000003", 0}, none = {"004", "00000000000", 0};
	m = (struct move_args){f, "payout-3", w, closed, 1, 0, {{0}}, false};
	assert_int_equal(wp_store_write(f->s, do_move, &m), WP_OK);
	assert_int_equal(m.outcome, WP_BANK_ACCOUNT_CLOSED);
	assert_string_equal(m.result.id, ""); /* never reached the ledger */
	m = (struct move_args){f, "payout-4", w, none, 1, 0, {{0}}, false};
	assert_int_equal(wp_store_write(f->s, do_move, &m), WP_OK);
	assert_int_equal(m.outcome, WP_BANK_ACCOUNT_NOT_FOUND);

	m = (struct move_args){f, "wire-1", kim, hong, 5, 0, {{0}}, false};
	assert_int_equal(wp_store_write(f->s, do_move, &m), WP_OK);
	assert_int_equal(m.outcome, WP_BANK_OK);

	struct wp_verify_report rep;
	assert_int_equal(wp_ledger_verify(f->s, NULL, NULL, &rep), WP_OK);
	assert_int_equal(rep.problems, 0);
	assert_int_equal(rep.total_debits_posted, rep.total_credits_posted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_holder_outcomes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hours_and_faults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_withdraw_deposit_wire, setup, teardown),
	};
	return cmocka_run_group_tests_name("bank_sandbox", tests, NULL, NULL);
}
