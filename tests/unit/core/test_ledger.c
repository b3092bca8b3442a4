/*
 * Unit tests: the double-entry ledger (src/core/ledger.c) on a real SQLite
 * store — every result code, single- and two-phase balances, expiry,
 * idempotent replays, remembered failures, and `ledger verify`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/ledger.h"
#include "temp_store.h"
#include "store/store.h"

#define T0 1700000000000LL /* the fixture's clock at start, in ms */

static struct temp_store store_;
static struct wp_store *s_;

static int setup(void **state)
{
	(void)state;
	s_ = temp_store_open(&store_, 2);
	return s_ != NULL && store_.version >= 2 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	temp_store_close(&store_);
	s_ = NULL;
	return 0;
}

/* ---- one ledger call in its own write transaction ---- */

enum op_kind { OP_ACCOUNT, OP_TRANSFER, OP_EXPIRE };

struct op {
	enum op_kind kind;
	int64_t now;
	/* account */
	int32_t code;
	uint32_t flags;
	struct wp_account acct;
	/* transfer */
	const struct wp_transfer *in;
	struct wp_transfer out;
	bool replayed;
	/* expire */
	unsigned max, expired;
};

static wp_status op_fn(struct wp_tx *tx, void *arg)
{
	struct op *o = arg;
	switch (o->kind) {
	case OP_ACCOUNT:
		return wp_ledger_create_account(tx, o->code, o->flags, o->now, &o->acct);
	case OP_TRANSFER:
		return wp_ledger_transfer(tx, o->in, o->now, &o->out, &o->replayed);
	case OP_EXPIRE:
		return wp_ledger_expire(tx, o->now, o->max, &o->expired);
	}
	return WP_E_INTERNAL;
}

static int64_t account(uint32_t flags)
{
	struct op o = {.kind = OP_ACCOUNT, .now = T0, .code = WP_ACCOUNT_TEST, .flags = flags};
	assert_int_equal(wp_store_write(s_, op_fn, &o), WP_OK);
	assert_true(o.acct.id > 0);
	return o.acct.id;
}

static struct wp_transfer req(const char *id, uint32_t flags, int64_t dr, int64_t cr,
			      int64_t amount)
{
	struct wp_transfer t;
	memset(&t, 0, sizeof(t));
	snprintf(t.id, sizeof(t.id), "%s", id);
	t.flags = flags;
	t.debit_account_id = dr;
	t.credit_account_id = cr;
	t.amount = amount;
	t.code = 1;
	return t;
}

static struct wp_transfer resolve_req(const char *id, uint32_t flags, const char *pending_id,
				      int64_t dr, int64_t cr, int64_t amount)
{
	struct wp_transfer t = req(id, flags, dr, cr, amount);
	snprintf(t.pending_id, sizeof(t.pending_id), "%s", pending_id);
	return t;
}

/* Runs one transfer at `now`; returns the stored (or returned) transfer. */
static struct wp_transfer run_at(const struct wp_transfer *in, int64_t now, bool *replayed)
{
	struct op o = {.kind = OP_TRANSFER, .now = now, .in = in};
	assert_int_equal(wp_store_write(s_, op_fn, &o), WP_OK);
	if (replayed != NULL)
		*replayed = o.replayed;
	return o.out;
}

static int run(const struct wp_transfer *in)
{
	bool replayed = true;
	struct wp_transfer out = run_at(in, T0, &replayed);
	assert_false(replayed);
	return out.result;
}

/* A fresh transfer with a unique id; returns its result. */
static int xfer(uint32_t flags, int64_t dr, int64_t cr, int64_t amount)
{
	static int n;
	char id[32];
	snprintf(id, sizeof(id), "auto-%d", ++n);
	struct wp_transfer t = req(id, flags, dr, cr, amount);
	return run(&t);
}

static unsigned expire_at(int64_t now, unsigned max)
{
	struct op o = {.kind = OP_EXPIRE, .now = now, .max = max};
	assert_int_equal(wp_store_write(s_, op_fn, &o), WP_OK);
	return o.expired;
}

static struct wp_account bal(int64_t id)
{
	struct wp_account a;
	assert_int_equal(s_->ops->account_read(s_, id, &a), WP_OK);
	return a;
}

#define expect_bal(id, dp, cp, dq, cq)                                                             \
	do {                                                                                       \
		struct wp_account a_ = bal(id);                                                    \
		assert_int_equal(a_.debits_posted, (dp));                                          \
		assert_int_equal(a_.credits_posted, (cp));                                         \
		assert_int_equal(a_.debits_pending, (dq));                                         \
		assert_int_equal(a_.credits_pending, (cq));                                        \
	} while (0)

#define expect_result(got, want)                                                                   \
	do {                                                                                       \
		int g_ = (got), w_ = (want);                                                       \
		if (g_ != w_)                                                                      \
			fail_msg("result %s (%d), expected %s (%d)", wp_transfer_result_name(g_),  \
				 g_, wp_transfer_result_name(w_), w_);                             \
	} while (0)

static struct wp_transfer stored(const char *id)
{
	struct wp_transfer t;
	assert_int_equal(s_->ops->transfer_read(s_, id, &t), WP_OK);
	return t;
}

static void expect_not_stored(const char *id)
{
	struct wp_transfer t;
	assert_int_equal(s_->ops->transfer_read(s_, id, &t), WP_E_NOT_FOUND);
}

struct problems {
	int n;
	char text[4096];
};

static void on_problem(void *ctx, const char *line)
{
	struct problems *p = ctx;
	p->n++;
	size_t used = strlen(p->text);
	snprintf(p->text + used, sizeof(p->text) - used, "%s\n", line);
}

static void expect_clean(void)
{
	struct problems p = {0};
	struct wp_verify_report rep;
	assert_int_equal(wp_ledger_verify(s_, on_problem, &p, &rep), WP_OK);
	if (rep.problems != 0 || p.n != 0)
		fail_msg("verify found %lld problems:\n%s", (long long)rep.problems, p.text);
}

/* A no-limit source account already credited `amount` to a fresh account with `flags`. */
static int64_t funded(uint32_t flags, int64_t amount, int64_t *source)
{
	int64_t src = account(0), a = account(flags);
	if (amount > 0)
		expect_result(xfer(0, src, a, amount), WP_TR_OK);
	if (source != NULL)
		*source = src;
	return a;
}

/* ---- validation: one test per result code ---- */

static void test_id_invalid(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	struct wp_transfer t = req("", 0, a, b, 1);
	expect_result(run(&t), WP_TR_ID_INVALID);

	t = req("x", 0, a, b, 1);
	memset(t.id, 'a', sizeof(t.id)); /* 65 characters, unterminated */
	expect_result(run(&t), WP_TR_ID_INVALID);

	t = req("has space", 0, a, b, 1);
	expect_result(run(&t), WP_TR_ID_INVALID);
	expect_not_stored("has space");
	t = req("bad/slash", 0, a, b, 1);
	expect_result(run(&t), WP_TR_ID_INVALID);
	t = req("naïve", 0, a, b, 1);
	expect_result(run(&t), WP_TR_ID_INVALID);

	/* Exactly 64 characters of every allowed kind is fine. */
	char id[WP_TRANSFER_ID_MAX + 1];
	memset(id, 'z', WP_TRANSFER_ID_MAX);
	id[WP_TRANSFER_ID_MAX] = '\0';
	memcpy(id, "aZ09-_.:", 8);
	t = req(id, 0, a, b, 1);
	expect_result(run(&t), WP_TR_OK);
	expect_bal(a, 1, 0, 0, 0);
	expect_bal(b, 0, 1, 0, 0);
}

static void test_flags_invalid(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	expect_result(xfer(WP_TRANSFER_PENDING | WP_TRANSFER_POST_PENDING, a, b, 1),
		      WP_TR_FLAGS_INVALID);
	expect_result(xfer(WP_TRANSFER_PENDING | WP_TRANSFER_VOID_PENDING, a, b, 1),
		      WP_TR_FLAGS_INVALID);
	expect_result(xfer(WP_TRANSFER_POST_PENDING | WP_TRANSFER_VOID_PENDING, a, b, 1),
		      WP_TR_FLAGS_INVALID);
	expect_result(xfer(1u << 3, a, b, 1), WP_TR_FLAGS_INVALID);
	struct wp_transfer t = req("fl", WP_TRANSFER_PENDING | WP_TRANSFER_POST_PENDING, a, b, 5);
	expect_result(run(&t), WP_TR_FLAGS_INVALID);
	/* Remembered, with no effect. */
	struct wp_transfer st = stored("fl");
	assert_int_equal(st.result, WP_TR_FLAGS_INVALID);
	assert_int_equal(st.state, WP_PENDING_NONE);
	expect_bal(a, 0, 0, 0, 0);
	expect_bal(b, 0, 0, 0, 0);
}

static void test_accounts_and_amount(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	expect_result(xfer(0, a, a, 1), WP_TR_ACCOUNTS_MUST_BE_DIFFERENT);
	expect_result(xfer(WP_TRANSFER_PENDING, b, b, 1), WP_TR_ACCOUNTS_MUST_BE_DIFFERENT);
	expect_result(xfer(0, a, b, 0), WP_TR_AMOUNT_MUST_BE_POSITIVE);
	expect_result(xfer(0, a, b, -5), WP_TR_AMOUNT_MUST_BE_POSITIVE);
	expect_result(xfer(0, a, b, INT64_MIN), WP_TR_AMOUNT_MUST_BE_POSITIVE);
	expect_result(xfer(WP_TRANSFER_PENDING, a, b, 0), WP_TR_AMOUNT_MUST_BE_POSITIVE);
	expect_result(xfer(0, 999999, b, 1), WP_TR_DEBIT_ACCOUNT_NOT_FOUND);
	expect_result(xfer(0, a, 999999, 1), WP_TR_CREDIT_ACCOUNT_NOT_FOUND);
	expect_result(xfer(0, 0, b, 1), WP_TR_DEBIT_ACCOUNT_NOT_FOUND);
	expect_result(xfer(WP_TRANSFER_PENDING, a, 999999, 1), WP_TR_CREDIT_ACCOUNT_NOT_FOUND);
	expect_bal(a, 0, 0, 0, 0);
	expect_bal(b, 0, 0, 0, 0);
	expect_clean();
}

static void test_code_invalid(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	struct wp_transfer t = req("c0", 0, a, b, 1);
	t.code = 0;
	expect_result(run(&t), WP_TR_CODE_INVALID);
	t = req("c-neg", 0, a, b, 1);
	t.code = -7;
	expect_result(run(&t), WP_TR_CODE_INVALID);
	expect_bal(a, 0, 0, 0, 0);
}

static void test_ref_invalid(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	/* 128 characters is the most a ref may have. */
	struct wp_transfer t = req("ref-ok", 0, a, b, 1);
	memset(t.ref, 'r', WP_TRANSFER_REF_MAX);
	expect_result(run(&t), WP_TR_OK);
	assert_int_equal(strlen(stored("ref-ok").ref), WP_TRANSFER_REF_MAX);
	/* Longer can only arrive unterminated. */
	t = req("ref-long", 0, a, b, 1);
	memset(t.ref, 'r', sizeof(t.ref));
	expect_result(run(&t), WP_TR_REF_INVALID);
	bool replayed = false;
	expect_result(run_at(&t, T0 + 1, &replayed).result, WP_TR_REF_INVALID);
	assert_true(replayed);
	expect_bal(a, 1, 0, 0, 0);
}

static void test_timeout_invalid(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	struct wp_transfer t = req("to-plain", 0, a, b, 1);
	t.timeout_s = 5;
	expect_result(run(&t), WP_TR_TIMEOUT_INVALID);
	t = req("to-neg", WP_TRANSFER_PENDING, a, b, 1);
	t.timeout_s = -1;
	expect_result(run(&t), WP_TR_TIMEOUT_INVALID);
	t = req("to-year", WP_TRANSFER_PENDING, a, b, 1);
	t.timeout_s = 365LL * 24 * 3600 + 1;
	expect_result(run(&t), WP_TR_TIMEOUT_INVALID);
	t = req("to-ok", WP_TRANSFER_PENDING, a, b, 1);
	t.timeout_s = 365LL * 24 * 3600;
	expect_result(run(&t), WP_TR_OK);
	t = resolve_req("to-post", WP_TRANSFER_POST_PENDING, "to-ok", 0, 0, 0);
	t.timeout_s = 5;
	expect_result(run(&t), WP_TR_TIMEOUT_INVALID);
	expect_bal(a, 0, 0, 1, 0);
	expect_bal(b, 0, 0, 0, 1);
}

static void test_pending_id_invalid(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	expect_result(xfer(WP_TRANSFER_PENDING, a, b, 10), WP_TR_OK);
	struct wp_transfer p = req("pid-p", WP_TRANSFER_PENDING, a, b, 10);
	expect_result(run(&p), WP_TR_OK);

	struct wp_transfer t = resolve_req("pid-plain", 0, "pid-p", a, b, 1);
	expect_result(run(&t), WP_TR_PENDING_ID_INVALID);
	t = resolve_req("pid-pend", WP_TRANSFER_PENDING, "pid-p", a, b, 1);
	expect_result(run(&t), WP_TR_PENDING_ID_INVALID);
	t = req("pid-post", WP_TRANSFER_POST_PENDING, a, b, 1);
	expect_result(run(&t), WP_TR_PENDING_ID_INVALID);
	t = req("pid-void", WP_TRANSFER_VOID_PENDING, a, b, 10);
	expect_result(run(&t), WP_TR_PENDING_ID_INVALID);
	/* A pending id longer than any id can only arrive unterminated. */
	t = resolve_req("pid-long", WP_TRANSFER_POST_PENDING, "", 0, 0, 0);
	memset(t.pending_id, 'p', sizeof(t.pending_id));
	expect_result(run(&t), WP_TR_PENDING_ID_INVALID);
	assert_int_equal(stored("pid-p").state, WP_PENDING_OPEN);
	expect_bal(a, 0, 0, 20, 0);
	expect_bal(b, 0, 0, 0, 20);
}

static void test_limits(void **state)
{
	(void)state;
	int64_t src;
	/* DEBITS_MUST_NOT_EXCEED_CREDITS: debits_posted + debits_pending <= credits_posted. */
	int64_t w = funded(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, 100, &src);
	int64_t sink = account(0);
	expect_result(xfer(0, w, sink, 101), WP_TR_EXCEEDS_CREDITS);
	expect_result(xfer(WP_TRANSFER_PENDING, w, sink, 101), WP_TR_EXCEEDS_CREDITS);
	expect_result(xfer(WP_TRANSFER_PENDING, w, sink, 60), WP_TR_OK);
	expect_result(xfer(0, w, sink, 41), WP_TR_EXCEEDS_CREDITS); /* reservations count */
	expect_result(xfer(0, w, sink, 40), WP_TR_OK);
	expect_result(xfer(0, w, sink, 1), WP_TR_EXCEEDS_CREDITS);
	expect_bal(w, 40, 100, 60, 0);
	/* Pending credits do not count as credits. */
	int64_t w2 = account(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS);
	expect_result(xfer(WP_TRANSFER_PENDING, src, w2, 50), WP_TR_OK);
	expect_result(xfer(0, w2, sink, 1), WP_TR_EXCEEDS_CREDITS);
	expect_bal(w2, 0, 0, 0, 50);

	/* CREDITS_MUST_NOT_EXCEED_DEBITS, the mirror. */
	int64_t c = account(WP_ACCOUNT_CREDITS_MUST_NOT_EXCEED_DEBITS);
	expect_result(xfer(0, src, c, 1), WP_TR_EXCEEDS_DEBITS);
	expect_result(xfer(0, c, sink, 10), WP_TR_OK);
	expect_result(xfer(0, src, c, 11), WP_TR_EXCEEDS_DEBITS);
	expect_result(xfer(WP_TRANSFER_PENDING, src, c, 6), WP_TR_OK);
	expect_result(xfer(0, src, c, 5), WP_TR_EXCEEDS_DEBITS);
	expect_result(xfer(WP_TRANSFER_PENDING, src, c, 5), WP_TR_EXCEEDS_DEBITS);
	expect_result(xfer(0, src, c, 4), WP_TR_OK);
	expect_bal(c, 10, 4, 0, 6);
	expect_clean();
}

static void test_overflow(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0), c = account(0), d = account(0);
	expect_result(xfer(0, a, b, INT64_MAX), WP_TR_OK);
	expect_result(xfer(0, c, b, 1), WP_TR_OVERFLOWS_CREDITS);
	expect_result(xfer(WP_TRANSFER_PENDING, c, b, 1), WP_TR_OVERFLOWS_CREDITS);
	expect_result(xfer(0, a, c, 1), WP_TR_OVERFLOWS_DEBITS);
	expect_result(xfer(WP_TRANSFER_PENDING, a, c, 1), WP_TR_OVERFLOWS_DEBITS);
	expect_bal(a, INT64_MAX, 0, 0, 0);
	expect_bal(b, 0, INT64_MAX, 0, 0);
	expect_bal(c, 0, 0, 0, 0);
	/* posted + pending together must fit too. */
	expect_result(xfer(WP_TRANSFER_PENDING, c, d, INT64_MAX - 5), WP_TR_OK);
	expect_result(xfer(0, c, a, 6), WP_TR_OVERFLOWS_DEBITS);
	expect_result(xfer(0, b, d, 6), WP_TR_OVERFLOWS_CREDITS);
	expect_result(xfer(0, c, b, 5), WP_TR_OVERFLOWS_CREDITS); /* b's credits are full */
	expect_result(xfer(0, c, a, 5), WP_TR_OK);
	expect_bal(c, 5, 0, INT64_MAX - 5, 0);
	expect_bal(d, 0, 0, 0, INT64_MAX - 5);
	expect_bal(a, INT64_MAX, 5, 0, 0);
	/* The ledger's totals exceed int64 while every account is fine: still clean. */
	expect_clean();
}

/* ---- two-phase ---- */

static void test_pending_errors(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0), c = account(0);
	struct wp_transfer t = resolve_req("nf", WP_TRANSFER_POST_PENDING, "nope", a, b, 1);
	expect_result(run(&t), WP_TR_PENDING_NOT_FOUND);
	/* Accounts and amount left to the (missing) pending: still not found. */
	t = resolve_req("nf0", WP_TRANSFER_POST_PENDING, "nope", 0, 0, 0);
	expect_result(run(&t), WP_TR_PENDING_NOT_FOUND);
	t = resolve_req("nf-void", WP_TRANSFER_VOID_PENDING, "nope", 0, 0, 0);
	expect_result(run(&t), WP_TR_PENDING_NOT_FOUND);

	/* Naming a plain transfer, or a failed pending one. */
	struct wp_transfer plain = req("plain", 0, a, b, 5);
	expect_result(run(&plain), WP_TR_OK);
	t = resolve_req("np", WP_TRANSFER_POST_PENDING, "plain", a, b, 5);
	expect_result(run(&t), WP_TR_PENDING_NOT_PENDING);
	t = resolve_req("np0", WP_TRANSFER_POST_PENDING, "plain", 0, 0, 0);
	expect_result(run(&t), WP_TR_PENDING_NOT_PENDING);
	struct wp_transfer bad = req("bad-p", WP_TRANSFER_PENDING, a, a, 5);
	expect_result(run(&bad), WP_TR_ACCOUNTS_MUST_BE_DIFFERENT);
	t = resolve_req("np-bad", WP_TRANSFER_VOID_PENDING, "bad-p", 0, 0, 0);
	expect_result(run(&t), WP_TR_PENDING_NOT_PENDING);

	/* Different accounts; more than reserved; a void of another amount. */
	struct wp_transfer p = req("p", WP_TRANSFER_PENDING, a, b, 100);
	expect_result(run(&p), WP_TR_OK);
	t = resolve_req("diff-dr", WP_TRANSFER_POST_PENDING, "p", c, b, 10);
	expect_result(run(&t), WP_TR_PENDING_ACCOUNTS_DIFFER);
	t = resolve_req("diff-cr", WP_TRANSFER_POST_PENDING, "p", a, c, 10);
	expect_result(run(&t), WP_TR_PENDING_ACCOUNTS_DIFFER);
	t = resolve_req("diff-cr0", WP_TRANSFER_VOID_PENDING, "p", 0, c, 0);
	expect_result(run(&t), WP_TR_PENDING_ACCOUNTS_DIFFER);
	t = resolve_req("over", WP_TRANSFER_POST_PENDING, "p", a, b, 101);
	expect_result(run(&t), WP_TR_EXCEEDS_PENDING_AMOUNT);
	t = resolve_req("void-less", WP_TRANSFER_VOID_PENDING, "p", a, b, 99);
	expect_result(run(&t), WP_TR_EXCEEDS_PENDING_AMOUNT);
	t = resolve_req("void-more", WP_TRANSFER_VOID_PENDING, "p", 0, 0, 101);
	expect_result(run(&t), WP_TR_EXCEEDS_PENDING_AMOUNT);
	t = resolve_req("neg", WP_TRANSFER_POST_PENDING, "p", 0, 0, -1);
	expect_result(run(&t), WP_TR_AMOUNT_MUST_BE_POSITIVE);
	t = resolve_req("same", WP_TRANSFER_POST_PENDING, "p", b, b, 1);
	expect_result(run(&t), WP_TR_ACCOUNTS_MUST_BE_DIFFERENT);
	assert_int_equal(stored("p").state, WP_PENDING_OPEN);
	expect_bal(a, 5, 0, 100, 0);
	expect_bal(b, 0, 5, 0, 100);
	expect_bal(c, 0, 0, 0, 0);

	/* Resolved once: a second post or void is refused. */
	t = resolve_req("post-p", WP_TRANSFER_POST_PENDING, "p", a, b, 100);
	expect_result(run(&t), WP_TR_OK);
	t = resolve_req("post-p2", WP_TRANSFER_POST_PENDING, "p", a, b, 100);
	expect_result(run(&t), WP_TR_PENDING_ALREADY_POSTED);
	t = resolve_req("void-p", WP_TRANSFER_VOID_PENDING, "p", 0, 0, 0);
	expect_result(run(&t), WP_TR_PENDING_ALREADY_POSTED);

	struct wp_transfer q = req("q", WP_TRANSFER_PENDING, a, b, 7);
	expect_result(run(&q), WP_TR_OK);
	t = resolve_req("void-q", WP_TRANSFER_VOID_PENDING, "q", a, b, 7);
	expect_result(run(&t), WP_TR_OK);
	t = resolve_req("void-q2", WP_TRANSFER_VOID_PENDING, "q", a, b, 7);
	expect_result(run(&t), WP_TR_PENDING_ALREADY_VOIDED);
	t = resolve_req("post-q", WP_TRANSFER_POST_PENDING, "q", 0, 0, 0);
	expect_result(run(&t), WP_TR_PENDING_ALREADY_VOIDED);
	expect_bal(a, 105, 0, 0, 0);
	expect_bal(b, 0, 105, 0, 0);
	expect_clean();
}

static void test_single_phase_balances(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0), c = account(0);
	struct wp_transfer t = req("s1", 0, a, b, 300);
	snprintf(t.ref, sizeof(t.ref), "order-17");
	t.code = 42;
	struct wp_transfer out = run_at(&t, T0 + 5, NULL);
	expect_result(out.result, WP_TR_OK);
	assert_string_equal(out.id, "s1");
	assert_int_equal(out.created_ms, T0 + 5);
	assert_int_equal(out.state, WP_PENDING_NONE);
	struct wp_transfer st = stored("s1");
	assert_int_equal(st.amount, 300);
	assert_int_equal(st.code, 42);
	assert_string_equal(st.ref, "order-17");
	expect_result(xfer(0, b, c, 120), WP_TR_OK);
	expect_bal(a, 300, 0, 0, 0);
	expect_bal(b, 120, 300, 0, 0);
	expect_bal(c, 0, 120, 0, 0);
	struct wp_account bb = bal(b);
	assert_int_equal(wp_account_available(&bb), 180);
	expect_clean();
}

static void test_two_phase_full_post(void **state)
{
	(void)state;
	int64_t src;
	int64_t a = funded(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, 500, &src);
	int64_t b = account(0);
	struct wp_transfer p = req("hold", WP_TRANSFER_PENDING, a, b, 200);
	struct wp_transfer out = run_at(&p, T0, NULL);
	expect_result(out.result, WP_TR_OK);
	assert_int_equal(out.state, WP_PENDING_OPEN);
	assert_int_equal(out.expires_ms, 0);
	expect_bal(a, 0, 500, 200, 0);
	expect_bal(b, 0, 0, 0, 200);
	struct wp_account aa = bal(a);
	assert_int_equal(wp_account_available(&aa), 300);

	struct wp_transfer t = resolve_req("capture", WP_TRANSFER_POST_PENDING, "hold", a, b, 200);
	expect_result(run(&t), WP_TR_OK);
	expect_bal(a, 200, 500, 0, 0);
	expect_bal(b, 0, 200, 0, 0);
	assert_int_equal(stored("hold").state, WP_PENDING_POSTED);
	expect_clean();
}

static void test_partial_post(void **state)
{
	(void)state;
	int64_t src;
	int64_t a = funded(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, 100, &src);
	int64_t b = account(0);
	struct wp_transfer p = req("hold", WP_TRANSFER_PENDING, a, b, 100);
	expect_result(run(&p), WP_TR_OK);
	expect_result(xfer(0, a, b, 1), WP_TR_EXCEEDS_CREDITS);
	struct wp_transfer t = resolve_req("cap", WP_TRANSFER_POST_PENDING, "hold", 0, 0, 30);
	struct wp_transfer out = run_at(&t, T0, NULL);
	expect_result(out.result, WP_TR_OK);
	assert_int_equal(out.amount, 30);
	expect_bal(a, 30, 100, 0, 0);
	expect_bal(b, 0, 30, 0, 0);
	assert_int_equal(stored("hold").state, WP_PENDING_POSTED);
	/* The released 70 can be spent again. */
	expect_result(xfer(0, a, b, 70), WP_TR_OK);
	expect_bal(a, 100, 100, 0, 0);
	expect_bal(b, 0, 100, 0, 0);
	expect_clean();
}

static void test_void_releases(void **state)
{
	(void)state;
	int64_t src;
	int64_t a = funded(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, 100, &src);
	int64_t b = account(0);
	struct wp_transfer p = req("hold", WP_TRANSFER_PENDING, a, b, 80);
	expect_result(run(&p), WP_TR_OK);
	expect_bal(a, 0, 100, 80, 0);
	struct wp_transfer t = resolve_req("cancel", WP_TRANSFER_VOID_PENDING, "hold", a, b, 80);
	expect_result(run(&t), WP_TR_OK);
	expect_bal(a, 0, 100, 0, 0);
	expect_bal(b, 0, 0, 0, 0);
	assert_int_equal(stored("hold").state, WP_PENDING_VOIDED);
	/* Void with accounts and amount left to the pending. */
	struct wp_transfer p2 = req("hold2", WP_TRANSFER_PENDING, a, b, 100);
	expect_result(run(&p2), WP_TR_OK);
	t = resolve_req("cancel2", WP_TRANSFER_VOID_PENDING, "hold2", 0, 0, 0);
	expect_result(run(&t), WP_TR_OK);
	expect_bal(a, 0, 100, 0, 0);
	expect_bal(b, 0, 0, 0, 0);
	expect_clean();
}

static void test_post_inherits(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	struct wp_transfer p = req("hold", WP_TRANSFER_PENDING, a, b, 250);
	expect_result(run(&p), WP_TR_OK);
	struct wp_transfer t = resolve_req("cap", WP_TRANSFER_POST_PENDING, "hold", 0, 0, 0);
	struct wp_transfer out = run_at(&t, T0, NULL);
	expect_result(out.result, WP_TR_OK);
	assert_int_equal(out.debit_account_id, a);
	assert_int_equal(out.credit_account_id, b);
	assert_int_equal(out.amount, 250);
	struct wp_transfer st = stored("cap");
	assert_int_equal(st.debit_account_id, a);
	assert_int_equal(st.credit_account_id, b);
	assert_int_equal(st.amount, 250);
	expect_bal(a, 250, 0, 0, 0);
	expect_bal(b, 0, 250, 0, 0);
	/* Replays compare alike whether they repeat the zeros or spell the values out. */
	bool replayed = false;
	expect_result(run_at(&t, T0 + 1, &replayed).result, WP_TR_OK);
	assert_true(replayed);
	struct wp_transfer spelled =
	    resolve_req("cap", WP_TRANSFER_POST_PENDING, "hold", a, b, 250);
	replayed = false;
	expect_result(run_at(&spelled, T0 + 2, &replayed).result, WP_TR_OK);
	assert_true(replayed);
	expect_bal(a, 250, 0, 0, 0);
	expect_clean();
}

/* ---- expiry ---- */

static void test_expire_sweep(void **state)
{
	(void)state;
	int64_t src;
	int64_t a = funded(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, 100, &src);
	int64_t b = account(0);
	struct wp_transfer p = req("hold", WP_TRANSFER_PENDING, a, b, 60);
	p.timeout_s = 10;
	struct wp_transfer out = run_at(&p, T0, NULL);
	expect_result(out.result, WP_TR_OK);
	assert_int_equal(out.expires_ms, T0 + 10000);
	struct wp_transfer p2 = req("hold-long", WP_TRANSFER_PENDING, a, b, 30);
	p2.timeout_s = 3600;
	expect_result(run_at(&p2, T0, NULL).result, WP_TR_OK);

	assert_int_equal(expire_at(T0 + 9999, 100), 0);
	expect_bal(a, 0, 100, 90, 0);
	assert_int_equal(expire_at(T0 + 10000, 100), 1);
	expect_bal(a, 0, 100, 30, 0);
	expect_bal(b, 0, 0, 0, 30);
	assert_int_equal(stored("hold").state, WP_PENDING_EXPIRED);
	assert_int_equal(stored("hold-long").state, WP_PENDING_OPEN);
	assert_int_equal(expire_at(T0 + 20000, 100), 0); /* nothing twice */

	struct wp_transfer t = resolve_req("late", WP_TRANSFER_POST_PENDING, "hold", 0, 0, 0);
	expect_result(run_at(&t, T0 + 20000, NULL).result, WP_TR_PENDING_EXPIRED);
	t = resolve_req("late-void", WP_TRANSFER_VOID_PENDING, "hold", a, b, 60);
	expect_result(run_at(&t, T0 + 20000, NULL).result, WP_TR_PENDING_EXPIRED);
	expect_bal(a, 0, 100, 30, 0);
	expect_bal(b, 0, 0, 0, 30);
	/* The released 60 is spendable again. */
	expect_result(xfer(0, a, b, 70), WP_TR_OK);
	expect_clean();
}

static void test_expire_max(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	for (int i = 0; i < 70; i++) {
		char id[16];
		snprintf(id, sizeof(id), "h%d", i);
		struct wp_transfer p = req(id, WP_TRANSFER_PENDING, a, b, 1);
		p.timeout_s = 1 + i % 3;
		expect_result(run(&p), WP_TR_OK);
	}
	assert_int_equal(expire_at(T0 + 1000, 5), 5);
	assert_int_equal(expire_at(T0 + 1000, 100), 24 - 5 + 0); /* i % 3 == 0: 24 of them */
	expect_bal(a, 0, 0, 46, 0);
	assert_int_equal(expire_at(T0 + 5000, 1000), 46); /* more than one batch of 64 */
	expect_bal(a, 0, 0, 0, 0);
	expect_bal(b, 0, 0, 0, 0);
	expect_clean();
}

static void test_expire_on_post(void **state)
{
	(void)state;
	int64_t src;
	int64_t a = funded(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, 100, &src);
	int64_t b = account(0);
	struct wp_transfer p = req("hold", WP_TRANSFER_PENDING, a, b, 100);
	p.timeout_s = 10;
	expect_result(run_at(&p, T0, NULL).result, WP_TR_OK);
	/* Just before the deadline the post still works — on another pending. */
	struct wp_transfer p2 = req("hold2", WP_TRANSFER_PENDING, src, b, 5);
	p2.timeout_s = 10;
	expect_result(run_at(&p2, T0, NULL).result, WP_TR_OK);
	struct wp_transfer t = resolve_req("cap2", WP_TRANSFER_POST_PENDING, "hold2", 0, 0, 0);
	expect_result(run_at(&t, T0 + 9999, NULL).result, WP_TR_OK);

	/* No sweep ran: the post past the deadline expires it itself. */
	t = resolve_req("cap", WP_TRANSFER_POST_PENDING, "hold", a, b, 100);
	expect_result(run_at(&t, T0 + 10000, NULL).result, WP_TR_PENDING_EXPIRED);
	assert_int_equal(stored("hold").state, WP_PENDING_EXPIRED);
	expect_bal(a, 0, 100, 0, 0);
	expect_bal(b, 0, 5, 0, 0);
	assert_int_equal(expire_at(T0 + 20000, 100), 0);
	/* A void arriving late, same story. */
	struct wp_transfer p3 = req("hold3", WP_TRANSFER_PENDING, a, b, 40);
	p3.timeout_s = 1;
	expect_result(run_at(&p3, T0, NULL).result, WP_TR_OK);
	t = resolve_req("cancel3", WP_TRANSFER_VOID_PENDING, "hold3", 0, 0, 0);
	expect_result(run_at(&t, T0 + 1500, NULL).result, WP_TR_PENDING_EXPIRED);
	assert_int_equal(stored("hold3").state, WP_PENDING_EXPIRED);
	expect_bal(a, 0, 100, 0, 0);
	expect_clean();
}

/* ---- idempotency ---- */

static void test_replay(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0);
	struct wp_transfer t = req("pay-1", 0, a, b, 77);
	snprintf(t.ref, sizeof(t.ref), "r");
	bool replayed = true;
	struct wp_transfer first = run_at(&t, T0, &replayed);
	assert_false(replayed);
	expect_result(first.result, WP_TR_OK);
	struct wp_transfer again = run_at(&t, T0 + 1000, &replayed);
	assert_true(replayed);
	expect_result(again.result, WP_TR_OK);
	assert_int_equal(again.created_ms, T0); /* the original, not a new one */
	expect_bal(a, 77, 0, 0, 0);
	expect_bal(b, 0, 77, 0, 0);

	/* Two-phase: neither the pending nor its post move money twice. */
	struct wp_transfer p = req("hold", WP_TRANSFER_PENDING, a, b, 10);
	p.timeout_s = 60;
	expect_result(run(&p), WP_TR_OK);
	expect_result(run_at(&p, T0 + 1, &replayed).result, WP_TR_OK);
	assert_true(replayed);
	expect_bal(a, 77, 0, 10, 0);
	struct wp_transfer c = resolve_req("cap", WP_TRANSFER_POST_PENDING, "hold", 0, 0, 4);
	expect_result(run(&c), WP_TR_OK);
	expect_result(run_at(&c, T0 + 2, &replayed).result, WP_TR_OK);
	assert_true(replayed);
	expect_bal(a, 81, 0, 0, 0);
	expect_bal(b, 0, 81, 0, 0);
	/* The replayed pending shows its state now. */
	struct wp_transfer pr = run_at(&p, T0 + 3, &replayed);
	assert_true(replayed);
	assert_int_equal(pr.state, WP_PENDING_POSTED);
	expect_clean();
}

static void test_replay_different(void **state)
{
	(void)state;
	int64_t a = account(0), b = account(0), c = account(0);
	struct wp_transfer base = req("x1", 0, a, b, 10);
	snprintf(base.ref, sizeof(base.ref), "r");
	expect_result(run(&base), WP_TR_OK);
	struct {
		struct wp_transfer t;
		int want;
	} cases[8];
	for (int i = 0; i < 8; i++)
		cases[i].t = base;
	cases[0].t.flags = WP_TRANSFER_PENDING;
	cases[0].want = WP_TR_EXISTS_WITH_DIFFERENT_FLAGS;
	cases[1].t.debit_account_id = c;
	cases[1].want = WP_TR_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT;
	cases[2].t.credit_account_id = c;
	cases[2].want = WP_TR_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT;
	cases[3].t.amount = 11;
	cases[3].want = WP_TR_EXISTS_WITH_DIFFERENT_AMOUNT;
	snprintf(cases[4].t.pending_id, sizeof(cases[4].t.pending_id), "zz");
	cases[4].want = WP_TR_EXISTS_WITH_DIFFERENT_PENDING_ID;
	cases[5].t.timeout_s = 5;
	cases[5].want = WP_TR_EXISTS_WITH_DIFFERENT_TIMEOUT;
	cases[6].t.code = 2;
	cases[6].want = WP_TR_EXISTS_WITH_DIFFERENT_CODE;
	snprintf(cases[7].t.ref, sizeof(cases[7].t.ref), "s");
	cases[7].want = WP_TR_EXISTS_WITH_DIFFERENT_REF;
	for (int i = 0; i < 8; i++) {
		bool replayed = true;
		struct wp_transfer out = run_at(&cases[i].t, T0 + 1, &replayed);
		expect_result(out.result, cases[i].want);
		assert_false(replayed);
	}
	/* The stored transfer is the first one, and money moved once. */
	struct wp_transfer st = stored("x1");
	assert_int_equal(st.result, WP_TR_OK);
	assert_int_equal(st.amount, 10);
	assert_int_equal(st.debit_account_id, a);
	assert_int_equal(st.credit_account_id, b);
	assert_int_equal(st.flags, 0);
	assert_int_equal(st.code, 1);
	assert_string_equal(st.ref, "r");
	assert_string_equal(st.pending_id, "");
	expect_bal(a, 10, 0, 0, 0);
	expect_bal(b, 0, 10, 0, 0);
	expect_bal(c, 0, 0, 0, 0);
	/* Against a failed first attempt too. */
	struct wp_transfer f = req("x2", 0, a, a, 10);
	expect_result(run(&f), WP_TR_ACCOUNTS_MUST_BE_DIFFERENT);
	f.credit_account_id = b;
	expect_result(run_at(&f, T0, NULL).result, WP_TR_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT);
	expect_bal(a, 10, 0, 0, 0);
	expect_clean();
}

static void test_failure_remembered(void **state)
{
	(void)state;
	int64_t src = account(0), sink = account(0);
	int64_t w = account(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS);
	struct wp_transfer t = req("spend", 0, w, sink, 50);
	expect_result(run(&t), WP_TR_EXCEEDS_CREDITS);
	struct wp_transfer st = stored("spend");
	assert_int_equal(st.result, WP_TR_EXCEEDS_CREDITS);
	expect_result(xfer(0, src, w, 100), WP_TR_OK);
	/* Same request again: the recorded failure, even though it would fit now. */
	bool replayed = false;
	expect_result(run_at(&t, T0 + 1, &replayed).result, WP_TR_EXCEEDS_CREDITS);
	assert_true(replayed);
	expect_bal(w, 0, 100, 0, 0);
	expect_bal(sink, 0, 0, 0, 0);
	/* A new id is a new attempt. */
	struct wp_transfer t2 = req("spend-2", 0, w, sink, 50);
	expect_result(run(&t2), WP_TR_OK);
	expect_bal(w, 50, 100, 0, 0);

	/* A post that named a pending that did not exist yet stays not-found. */
	struct wp_transfer post =
	    resolve_req("early-post", WP_TRANSFER_POST_PENDING, "later", 0, 0, 0);
	expect_result(run(&post), WP_TR_PENDING_NOT_FOUND);
	struct wp_transfer p = req("later", WP_TRANSFER_PENDING, src, sink, 5);
	expect_result(run(&p), WP_TR_OK);
	replayed = false;
	expect_result(run_at(&post, T0 + 2, &replayed).result, WP_TR_PENDING_NOT_FOUND);
	assert_true(replayed);
	assert_int_equal(stored("later").state, WP_PENDING_OPEN);
	expect_bal(sink, 0, 50, 0, 5);
	expect_clean();
}

/* ---- accounts ---- */

static void test_create_account(void **state)
{
	(void)state;
	struct op o = {.kind = OP_ACCOUNT, .now = T0, .code = 0, .flags = 0};
	assert_int_equal(wp_store_write(s_, op_fn, &o), WP_E_INVALID);
	o.code = -1;
	assert_int_equal(wp_store_write(s_, op_fn, &o), WP_E_INVALID);
	o.code = WP_ACCOUNT_TEST;
	o.flags =
	    WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS | WP_ACCOUNT_CREDITS_MUST_NOT_EXCEED_DEBITS;
	assert_int_equal(wp_store_write(s_, op_fn, &o), WP_E_INVALID);
	o.flags = 1u << 5;
	assert_int_equal(wp_store_write(s_, op_fn, &o), WP_E_INVALID);
	o.flags = WP_ACCOUNT_CREDITS_MUST_NOT_EXCEED_DEBITS;
	o.now = T0 + 7;
	assert_int_equal(wp_store_write(s_, op_fn, &o), WP_OK);
	struct wp_account a = bal(o.acct.id);
	assert_int_equal(a.code, WP_ACCOUNT_TEST);
	assert_int_equal(a.flags, WP_ACCOUNT_CREDITS_MUST_NOT_EXCEED_DEBITS);
	assert_int_equal(a.created_ms, T0 + 7);
	expect_bal(o.acct.id, 0, 0, 0, 0);
	struct problems p = {0};
	struct wp_verify_report rep;
	assert_int_equal(wp_ledger_verify(s_, on_problem, &p, &rep), WP_OK);
	assert_int_equal(rep.accounts, 1); /* the refused ones were not made */
}

/* ---- verify ---- */

static void tamper(const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(store_.path, &db), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("tamper: %s", msg ? msg : "?");
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
}

static void test_verify(void **state)
{
	(void)state;
	int64_t src;
	int64_t a = funded(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, 1000, &src);
	int64_t b = account(0);
	int64_t c = account(WP_ACCOUNT_CREDITS_MUST_NOT_EXCEED_DEBITS);
	expect_result(xfer(0, c, b, 50), WP_TR_OK);
	struct wp_transfer p = req("p1", WP_TRANSFER_PENDING, a, b, 100);
	expect_result(run(&p), WP_TR_OK);
	struct wp_transfer t = resolve_req("c1", WP_TRANSFER_POST_PENDING, "p1", 0, 0, 60);
	expect_result(run(&t), WP_TR_OK);
	p = req("p2", WP_TRANSFER_PENDING, a, b, 100);
	expect_result(run(&p), WP_TR_OK);
	t = resolve_req("v2", WP_TRANSFER_VOID_PENDING, "p2", 0, 0, 0);
	expect_result(run(&t), WP_TR_OK);
	p = req("p3", WP_TRANSFER_PENDING, a, b, 10);
	p.timeout_s = 1;
	expect_result(run(&p), WP_TR_OK);
	assert_int_equal(expire_at(T0 + 1000, 10), 1);
	p = req("p4", WP_TRANSFER_PENDING, a, b, 20);
	expect_result(run(&p), WP_TR_OK); /* left open */
	expect_result(xfer(0, a, b, 5000), WP_TR_EXCEEDS_CREDITS);

	struct problems pr = {0};
	struct wp_verify_report rep;
	assert_int_equal(wp_ledger_verify(s_, on_problem, &pr, &rep), WP_OK);
	if (rep.problems != 0)
		fail_msg("clean ledger, verify says:\n%s", pr.text);
	assert_int_equal(pr.n, 0);
	assert_int_equal(rep.accounts, 4);
	assert_int_equal(rep.transfers, 9);
	assert_int_equal(rep.failed_attempts, 1);
	assert_int_equal(rep.open_pending, 1);
	assert_int_equal(rep.total_debits_posted, 1000 + 50 + 60);
	assert_int_equal(rep.total_credits_posted, 1000 + 50 + 60);

	/* A stored balance changed behind the ledger's back. */
	char sql[160];
	snprintf(sql, sizeof(sql),
		 "UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = %lld",
		 (long long)b);
	tamper(sql);
	memset(&pr, 0, sizeof(pr));
	assert_int_equal(wp_ledger_verify(s_, on_problem, &pr, &rep), WP_OK);
	assert_true(rep.problems > 0);
	assert_int_equal(pr.n, rep.problems);
	char needle[48];
	snprintf(needle, sizeof(needle), "account %lld:", (long long)b);
	if (strstr(pr.text, needle) == NULL)
		fail_msg("no line names account %lld:\n%s", (long long)b, pr.text);
	if (strstr(pr.text, "total debits != total credits") == NULL)
		fail_msg("unbalanced totals not reported:\n%s", pr.text);
}

static void test_verify_limit_and_state(void **state)
{
	(void)state;
	int64_t src;
	int64_t a = funded(WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, 100, &src);
	int64_t b = account(0);
	struct wp_transfer p = req("p1", WP_TRANSFER_PENDING, a, b, 40);
	expect_result(run(&p), WP_TR_OK);
	expect_clean();
	/* Overdraw a no-overdraft account directly, moving both sides so totals balance. */
	char sql[200];
	snprintf(sql, sizeof(sql),
		 "UPDATE ledger_accounts SET debits_posted = debits_posted + 500 WHERE id = %lld",
		 (long long)a);
	tamper(sql);
	snprintf(sql, sizeof(sql),
		 "UPDATE ledger_accounts SET credits_posted = credits_posted + 500 WHERE id = %lld",
		 (long long)b);
	tamper(sql);
	struct problems pr = {0};
	struct wp_verify_report rep;
	assert_int_equal(wp_ledger_verify(s_, on_problem, &pr, &rep), WP_OK);
	char needle[64];
	snprintf(needle, sizeof(needle), "account %lld: breaks its balance limit", (long long)a);
	if (strstr(pr.text, needle) == NULL)
		fail_msg("limit break not reported:\n%s", pr.text);
	if (strstr(pr.text, "total debits != total credits") != NULL)
		fail_msg("totals still balance, but:\n%s", pr.text);

	/* A pending marked posted with no post naming it. */
	tamper("UPDATE ledger_transfers SET state = 2 WHERE id = 'p1'");
	memset(&pr, 0, sizeof(pr));
	assert_int_equal(wp_ledger_verify(s_, on_problem, &pr, &rep), WP_OK);
	if (strstr(pr.text, "pending transfer p1 (state 2) is resolved by 0 transfers") == NULL)
		fail_msg("orphaned state not reported:\n%s", pr.text);
}

static void test_result_names(void **state)
{
	(void)state;
	assert_string_equal(wp_transfer_result_name(WP_TR_OK), "ok");
	assert_string_equal(wp_transfer_result_name(WP_TR_EXCEEDS_CREDITS), "exceeds_credits");
	assert_string_equal(wp_transfer_result_name(WP_TR_REF_INVALID), "ref_invalid");
	for (int r = WP_TR_OK; r <= WP_TR_REF_INVALID; r++)
		assert_string_not_equal(wp_transfer_result_name(r), "unknown");
	assert_string_equal(wp_transfer_result_name(-1), "unknown");
	assert_string_equal(wp_transfer_result_name(WP_TR_REF_INVALID + 1), "unknown");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_id_invalid),
	    T(test_flags_invalid),
	    T(test_accounts_and_amount),
	    T(test_code_invalid),
	    T(test_ref_invalid),
	    T(test_timeout_invalid),
	    T(test_pending_id_invalid),
	    T(test_limits),
	    T(test_overflow),
	    T(test_pending_errors),
	    T(test_single_phase_balances),
	    T(test_two_phase_full_post),
	    T(test_partial_post),
	    T(test_void_releases),
	    T(test_post_inherits),
	    T(test_expire_sweep),
	    T(test_expire_max),
	    T(test_expire_on_post),
	    T(test_replay),
	    T(test_replay_different),
	    T(test_failure_remembered),
	    T(test_create_account),
	    T(test_verify),
	    T(test_verify_limit_and_state),
	    cmocka_unit_test(test_result_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
