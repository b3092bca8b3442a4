/*
 * pay.c — the payment: POST /pay (ready), /pay/success (approve), /pay/cancel
 * and /pay/order, and what they share with the pages (state, expiry, the
 * release of held money).
 *
 * Money: the shopper's PIN holds the amount (pages.c) as a pending ledger
 * transfer to the merchant's settlement account — from the 하나머니 wallet,
 * or for 계좌 from OneQ's holding account after a withdrawal through the
 * sandbox bank. Approve posts it; a cancel before approve, a locked PIN or
 * expiry voids it (and pays a withdrawal back to the bank account); a cancel
 * after approve refunds from the settlement account. Every decision is made
 * in the commit writer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/bank.h"
#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/oneq/oneq.h"
#include "util/text.h"

/* ---- the payment document ---- */

wp_status oneq_payment_load(struct wp_store *s, struct wp_tx *tx, const char *tid, json_t **out)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	wp_status st = wp_doc_load(s, tx, ONEQ_KIND_PAYMENT, tid, NULL, &a, out, NULL);
	wp_arena_free(&a);
	return st;
}

static wp_status payment_by_order(struct wp_tx *tx, const char *cid, const char *order_id,
				  json_t **out)
{
	char uniq[ONEQ_CID_LEN + 1 + 400 + 1];
	snprintf(uniq, sizeof(uniq), "%s:%s", cid, order_id);
	return wp_doc_load_uniq(NULL, tx, ONEQ_KIND_PAYMENT, uniq, out);
}

wp_status oneq_payment_save(struct wp_tx *tx, const char *tid, json_t *payment, bool insert,
			    int64_t now_ms)
{
	char uniq[ONEQ_CID_LEN + 1 + 400 + 1];
	snprintf(uniq, sizeof(uniq), "%s:%s", oneq_str(payment, "cid"),
		 oneq_str(payment, "order_id"));
	struct wp_doc meta = {.kind = ONEQ_KIND_PAYMENT,
			      .id = tid,
			      .owner = oneq_str(payment, "cid"),
			      .ref = "",
			      .uniq = uniq,
			      .created_ms = now_ms,
			      .updated_ms = now_ms};
	return wp_doc_save(tx, &meta, payment, insert);
}

bool oneq_approved(const char *status)
{
	return strcmp(status, "SUCCESS_PAYMENT") == 0 ||
	       strcmp(status, "PART_CANCEL_PAYMENT") == 0 || strcmp(status, "CANCEL_PAYMENT") == 0;
}

static bool open_status(const char *status)
{
	return strcmp(status, "READY") == 0 || strcmp(status, "OPEN_PAYMENT") == 0 ||
	       strcmp(status, "SELECT_METHOD") == 0 || strcmp(status, "AUTH_PASSWORD") == 0;
}

bool oneq_expired(json_t *payment, int64_t now_ms)
{
	return open_status(oneq_str(payment, "status")) &&
	       now_ms >= oneq_int(payment, "expires_ms");
}

const char *oneq_status(json_t *payment, int64_t now_ms)
{
	return oneq_expired(payment, now_ms) ? "FAIL_PAYMENT" : oneq_str(payment, "status");
}

void oneq_action(json_t *payment, const char *type, int64_t amount, int64_t now_ms)
{
	json_t *list = json_object_get(payment, "actions");
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(payment, "actions", list);
	}
	char at[20];
	oneq_time(now_ms, at);
	json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "payment_action_type", type,
					      "amount", (json_int_t)amount, "approved_at", at));
}

wp_status oneq_release(struct wp_app *app, struct wp_tx *tx, const char *tid, json_t *payment,
		       int64_t now_ms)
{
	const char *hold = oneq_str(payment, "hold_id");
	if (hold[0] == '\0' || json_is_true(json_object_get(payment, "released")))
		return WP_OK;
	struct wp_transfer t = {.code = WP_TRANSFER_CODE_PAYMENT,
				.flags = WP_TRANSFER_VOID_PENDING},
			   out;
	snprintf(t.id, sizeof(t.id), "oneq:void:%s", tid);
	snprintf(t.pending_id, sizeof(t.pending_id), "%s", hold);
	bool replayed;
	wp_status st = wp_ledger_transfer(tx, &t, now_ms, &out, &replayed);
	if (st != WP_OK)
		return st;
	/* voided now, or the ledger's timeout released it already: either way it is back */
	if (strcmp(oneq_str(payment, "method"), "계좌") == 0) {
		int64_t holding = oneq_int(payment, "source_account_id");
		struct wp_bank_party from = {NULL, NULL, holding},
				     to = {oneq_str(payment, "bank_code"),
					   oneq_str(payment, "bank_acct_num"), 0};
		char id[WP_TRANSFER_ID_MAX + 1];
		snprintf(id, sizeof(id), "oneq:back:%s", tid);
		int outcome = 0;
		struct wp_transfer moved;
		st = app->bank->ops->move(app->bank, tx, id, &from, &to,
					  oneq_int(payment, "amount"), WP_TRANSFER_CODE_PAYMENT,
					  now_ms, &outcome, &moved, &replayed);
		if (st != WP_OK)
			return st;
		if (outcome != WP_BANK_OK) { /* the account cannot take it back now: again later */
			json_object_set_new(payment, "refund_error",
					    json_string(wp_bank_outcome_name(outcome)));
			st = oneq_due_remove(tx, tid);
			return st == WP_OK ? oneq_due_add(tx, tid, now_ms + ONEQ_RETRY_MS, now_ms)
					   : st;
		}
		json_object_del(payment, "refund_error");
	}
	json_object_set_new(payment, "released", json_true());
	return oneq_due_remove(tx, tid);
}

/* ---- POST /pay: ready ---- */

static const char *const method_values[] = {"계좌", "MONEY", NULL};

enum {
	R_CID,
	R_CATEGORY,
	R_NAME,
	R_ITEM,
	R_ITEM_CODE,
	R_MEMBER,
	R_ORDER,
	R_QUANTITY,
	R_AMOUNT,
	R_METHOD,
	R_ACCT,
	R_ALIAS,
	R_BALANCE,
	R_APPROVAL,
	R_CANCEL,
	R_FAIL
};

#define URL_FIELD(name)                                                                            \
	{                                                                                          \
		name, WP_FIELD_TEXT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, 255,                    \
		    .expect = "must be an absolute http:// or https:// URL of at most 255 "        \
			      "characters"                                                         \
	}

static const struct wp_field ready_fields[] = {
    [R_CID] = {"cid", WP_FIELD_ALNUM, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 10, 10},
    [R_CATEGORY] = {"category_cd", WP_FIELD_INT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, INT64_MAX},
    [R_NAME] = {"opponent_name", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 100},
    [R_ITEM] = {"item_name", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 200},
    [R_ITEM_CODE] = {"item_code", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 1, 100},
    [R_MEMBER] = {"member_id", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 100},
    [R_ORDER] = {"order_id", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 100},
    [R_QUANTITY] = {"quantity", WP_FIELD_INT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, INT64_MAX},
    [R_AMOUNT] = {"amount", WP_FIELD_INT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, INT64_MAX},
    [R_METHOD] = {"payment_method_type", WP_FIELD_ENUM, WP_FIELD_EMPTY_ABSENT | WP_FIELD_TRIM, 1,
		  10, method_values},
    [R_ACCT] = {"bank_acct_num", WP_FIELD_NUMBER, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 6, 12,
		.expect = "must be the registered account number: 6 to 12 characters of digits "
			  "and hyphens"},
    [R_ALIAS] = {"bank_acct_alias", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 1, 50},
    [R_BALANCE] = {"balance", WP_FIELD_INT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 0, INT64_MAX},
    [R_APPROVAL] = URL_FIELD("approval_url"),
    [R_CANCEL] = URL_FIELD("cancel_url"),
    [R_FAIL] = URL_FIELD("fail_url"),
};

static bool absolute_http_url(const char *u)
{
	const char *rest = strncmp(u, "https://", 8) == 0  ? u + 8
			   : strncmp(u, "http://", 7) == 0 ? u + 7
							   : NULL;
	if (rest == NULL || *rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#')
		return false;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
			return false;
	return true;
}

/* The ready's fields as the payment keeps them; two readies of one order must agree. */
static const char *const ready_keys[] = {
    "category_cd", "opponent_name", "item_name",	   "item_code",	    "member_id",
    "quantity",	   "amount",	    "payment_method_type", "bank_acct_num", "bank_acct_alias",
    "balance",	   "approval_url",  "cancel_url",	   "fail_url"};

enum pay_op { OP_READY, OP_APPROVE };

struct pay_cmd {
	struct oneq_write ow; /* first */
	enum pay_op op;
	const char *cid, *order_id, *member_id, *item_name, *pg_token, *tid, *tran_dt;
	int64_t amount, category;
	json_t *ready; /* OP_READY: the new payment (the request's) */
	char new_tid[ONEQ_TID_LEN + 1];
	int64_t now_ms;
};

enum oneq_code oneq_write_fail(struct oneq_write *ow, enum oneq_code c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ow->why, sizeof(ow->why), fmt, ap);
	va_end(ap);
	ow->code = c;
	return c;
}

static wp_status new_tid(char out[ONEQ_TID_LEN + 1])
{
	wp_status st = wp_random_from("0123456789", out, ONEQ_TID_LEN);
	if (st == WP_OK && out[0] == '0')
		out[0] = '1' + (char)(out[1] - '0') % 9;
	return st;
}

static void page_urls(const struct wp_app *app, json_t *payment, const char *tid, json_t *into)
{
	const char *key = oneq_str(payment, "page_key");
	char pc[WP_URL_MAX + 96], mobile[WP_URL_MAX + 96];
	snprintf(pc, sizeof(pc), "%s/pay/showQRCode?tid=%s&key=%s", app->cfg->public_url, tid, key);
	snprintf(mobile, sizeof(mobile), "%s/pay/oneq/transfer?tid=%s&key=%s", app->cfg->public_url,
		 tid, key);
	json_object_set_new(into, "next_redirect_url", json_string(pc));
	json_object_set_new(into, "android_app_scheme", json_string(mobile));
}

static wp_status apply_ready(struct wp_tx *tx, struct pay_cmd *cmd)
{
	json_t *merchant = NULL;
	wp_status st = oneq_merchant_load(NULL, tx, cmd->cid, &merchant);
	if (st == WP_OK && !oneq_owns(cmd->ow.q, merchant)) {
		json_decref(merchant);
		st = WP_E_NOT_FOUND; /* another partner's: not named to this one */
	}
	if (st == WP_E_NOT_FOUND) {
		oneq_write_fail(&cmd->ow, ONEQ_NO_MERCHANT, "cid %s is not a OneQ Pay merchant",
				cmd->cid);
		return WP_OK;
	}
	if (st != WP_OK)
		return st;
	json_object_set(cmd->ready, "partner_id", json_object_get(merchant, "partner_id"));
	const char *approved_at =
	    wp_arena_strndup(&cmd->ow.q->r->arena, oneq_str(merchant, "approved_at"),
			     strlen(oneq_str(merchant, "approved_at")));
	json_decref(merchant);
	json_t *seen = NULL;
	json_object_set_new(cmd->ow.answer, "tid", json_null()); /* first, as in the document */
	st = payment_by_order(tx, cmd->cid, cmd->order_id, &seen);
	if (st == WP_OK) {
		bool same = true;
		for (size_t i = 0; i < WP_COUNT(ready_keys); i++)
			same = same && json_equal(json_object_get(seen, ready_keys[i]),
						  json_object_get(cmd->ready, ready_keys[i]));
		if (!same) {
			json_decref(seen);
			oneq_write_fail(
			    &cmd->ow, ONEQ_DUPLICATE,
			    "order_id %s was readied with other fields; use a new order_id",
			    cmd->order_id);
			return WP_OK;
		}
		snprintf(cmd->new_tid, sizeof(cmd->new_tid), "%s", oneq_str(seen, "tid"));
		/* the same order again: its payment's pages */
		page_urls(cmd->ow.q->r->app, seen, cmd->new_tid, cmd->ow.answer);
		json_decref(seen);
	} else if (st != WP_E_NOT_FOUND) {
		return st;
	} else {
		for (int i = 0; i < 8; i++) {
			st = new_tid(cmd->new_tid);
			json_object_set_new(cmd->ready, "tid", json_string(cmd->new_tid));
			if (st == WP_OK)
				st = oneq_payment_save(tx, cmd->new_tid, cmd->ready, true,
						       cmd->now_ms);
			if (st != WP_E_CONFLICT)
				break;
		}
		if (st != WP_OK)
			return st;
		page_urls(cmd->ow.q->r->app, cmd->ready, cmd->new_tid, cmd->ow.answer);
	}
	json_object_set_new(cmd->ow.answer, "tid", json_string(cmd->new_tid));
	json_object_set_new(cmd->ow.answer, "approved_at",
			    json_string(approved_at ? approved_at : ""));
	cmd->ow.code = ONEQ_OK;
	return WP_OK;
}

/* ---- approve ---- */

static void approve_answer(json_t *p, json_t *into)
{
	static const char *const keys[] = {
	    "tid", "cid", "order_id", "member_id", "payment_method_type", "item_name"};
	for (size_t i = 0; i < WP_COUNT(keys); i++)
		json_object_set_new(into, keys[i], json_string(oneq_str(p, keys[i])));
	/* what the shopper paid with (the ready's payment_method_type only allowed it) */
	json_object_set_new(into, "payment_method_type", json_string(oneq_str(p, "method")));
	json_object_set_new(into, "amount", json_integer(oneq_int(p, "amount")));
	json_object_set_new(into, "tran_dt", json_string(oneq_str(p, "tran_dt")));
}

wp_status oneq_settle_expiry(struct wp_app *app, struct wp_tx *tx, json_t *p, int64_t now_ms,
			     bool *expired)
{
	*expired = oneq_expired(p, now_ms);
	if (!*expired)
		return WP_OK;
	wp_status st = oneq_release(app, tx, oneq_str(p, "tid"), p, now_ms);
	if (st != WP_OK)
		return st;
	json_object_set_new(p, "status", json_string("FAIL_PAYMENT"));
	json_object_set_new(p, "fail_reason", json_string("expired"));
	return oneq_payment_save(tx, oneq_str(p, "tid"), p, false, now_ms);
}

wp_status oneq_known_merchant(struct wp_tx *tx, struct oneq_write *ow, const char *cid, bool *known)
{
	json_t *m = NULL;
	wp_status st = oneq_merchant_load(NULL, tx, cid, &m);
	*known = st == WP_OK && oneq_owns(ow->q, m);
	json_decref(m);
	if (st == WP_E_NOT_FOUND || (st == WP_OK && !*known)) {
		oneq_write_fail(ow, ONEQ_NO_MERCHANT, "cid %s is not a OneQ Pay merchant", cid);
		return WP_OK;
	}
	return st;
}

static wp_status apply_approve(struct wp_tx *tx, struct pay_cmd *cmd)
{
	json_t *p = NULL;
	bool known;
	wp_status st = oneq_known_merchant(tx, &cmd->ow, cmd->cid, &known);
	if (st != WP_OK || !known)
		return st;
	st = payment_by_order(tx, cmd->cid, cmd->order_id, &p);
	if (st == WP_OK && !oneq_owns(cmd->ow.q, p)) {
		json_decref(p);
		st = WP_E_NOT_FOUND;
	}
	if (st == WP_E_NOT_FOUND) {
		oneq_write_fail(&cmd->ow, ONEQ_NO_PAYMENT,
				"no payment of merchant %s has order_id %s", cmd->cid,
				cmd->order_id);
		return WP_OK;
	}
	if (st != WP_OK)
		return st;
	char status[32]; /* a copy: setting "status" frees the string it points to */
	snprintf(status, sizeof(status), "%s", oneq_str(p, "status"));
	if (strcmp(oneq_str(p, "member_id"), cmd->member_id) != 0)
		oneq_write_fail(&cmd->ow, ONEQ_MISMATCH,
				"member_id %s is not the member of order_id %s", cmd->member_id,
				cmd->order_id);
	else if (oneq_int(p, "amount") != cmd->amount)
		oneq_write_fail(&cmd->ow, ONEQ_MISMATCH,
				"amount %" PRId64 " is not the payment's (%" PRId64 ")",
				cmd->amount, oneq_int(p, "amount"));
	else if (strcmp(oneq_str(p, "item_name"), cmd->item_name) != 0)
		oneq_write_fail(&cmd->ow, ONEQ_MISMATCH, "item_name is not the payment's (%s)",
				oneq_str(p, "item_name"));
	else if (oneq_int(p, "category_cd") != cmd->category)
		oneq_write_fail(&cmd->ow, ONEQ_MISMATCH,
				"category_cd %" PRId64 " is not the payment's (%" PRId64 ")",
				cmd->category, oneq_int(p, "category_cd"));
	if (cmd->ow.code != ONEQ_OK) {
		json_decref(p);
		return WP_OK;
	}
	if (oneq_approved(status)) { /* approving twice: the same answer */
		approve_answer(p, cmd->ow.answer);
		json_decref(p);
		return WP_OK;
	}
	bool expired;
	st = oneq_settle_expiry(cmd->ow.q->r->app, tx, p, cmd->now_ms, &expired);
	expired = expired || (strcmp(status, "FAIL_PAYMENT") == 0 &&
			      strcmp(oneq_str(p, "fail_reason"), "expired") == 0);
	if (st == WP_OK && expired)
		oneq_write_fail(&cmd->ow, ONEQ_EXPIRED,
				"the payment was not approved in time (tid %s)",
				oneq_str(p, "tid"));
	else if (st == WP_OK && strcmp(status, "AUTH_PASSWORD") != 0)
		oneq_write_fail(
		    &cmd->ow, open_status(status) ? ONEQ_NOT_CONFIRMED : ONEQ_CLOSED,
		    open_status(status)
			? "the shopper has not confirmed the payment with the PIN yet (status %s)"
			: "the payment ended without approval (status %s)",
		    status);
	else if (st == WP_OK && cmd->pg_token &&
		 strcmp(cmd->pg_token, oneq_str(p, "pg_token")) != 0)
		oneq_write_fail(&cmd->ow, ONEQ_BAD_PG_TOKEN,
				"pg_token is not the one sent to approval_url");
	if (st != WP_OK || cmd->ow.code != ONEQ_OK) {
		json_decref(p);
		return st;
	}
	struct wp_transfer t = {.code = WP_TRANSFER_CODE_PAYMENT,
				.flags = WP_TRANSFER_POST_PENDING},
			   out;
	snprintf(t.id, sizeof(t.id), "oneq:post:%s", oneq_str(p, "tid"));
	snprintf(t.pending_id, sizeof(t.pending_id), "%s", oneq_str(p, "hold_id"));
	bool replayed;
	st = wp_ledger_transfer(tx, &t, cmd->now_ms, &out, &replayed);
	if (st == WP_OK && out.result != WP_TR_OK) { /* the hold ran out in the ledger */
		json_object_set_new(p, "expires_ms", json_integer(cmd->now_ms));
		st = oneq_settle_expiry(cmd->ow.q->r->app, tx, p, cmd->now_ms, &replayed);
		oneq_write_fail(&cmd->ow, ONEQ_EXPIRED,
				"the payment was not approved in time (tid %s)",
				oneq_str(p, "tid"));
		json_decref(p);
		return st;
	}
	if (st != WP_OK) {
		json_decref(p);
		return st;
	}
	char at[20];
	oneq_time(cmd->now_ms, at);
	json_object_set_new(p, "status", json_string("SUCCESS_PAYMENT"));
	json_object_set_new(p, "approved_at", json_string(at));
	json_object_set_new(p, "tran_dt", json_string(cmd->tran_dt));
	json_object_set_new(p, "canceled_amount", json_integer(0));
	oneq_action(p, "PAYMENT", oneq_int(p, "amount"), cmd->now_ms);
	st = oneq_due_remove(tx, oneq_str(p, "tid"));
	if (st == WP_OK)
		st = oneq_payment_save(tx, oneq_str(p, "tid"), p, false, cmd->now_ms);
	approve_answer(p, cmd->ow.answer);
	json_decref(p);
	return st;
}

static wp_status apply_pay(struct wp_tx *tx, struct wp_cmd *c)
{
	struct pay_cmd *cmd = (struct pay_cmd *)c;
	if (cmd->op != OP_READY) /* the writer's now: housekeeping may have run since */
		cmd->now_ms = wp_clock_now_ms(&cmd->ow.q->r->app->clock);
	cmd->ow.code = ONEQ_OK;
	cmd->ow.why[0] = '\0';
	json_object_clear(cmd->ow.answer);
	switch (cmd->op) {
	case OP_READY:
		return apply_ready(tx, cmd);
	case OP_APPROVE:
		return apply_approve(tx, cmd);
	}
	return WP_E_INTERNAL;
}

static struct pay_cmd *new_cmd(struct oneq_req *q, enum pay_op op)
{
	struct pay_cmd *cmd = WP_WRITE_NEW(q->r, struct pay_cmd, apply_pay, oneq_write_finish);
	if (cmd == NULL || (cmd->ow.answer = wp_req_json(q->r, json_object())) == NULL)
		return NULL;
	cmd->ow.q = q;
	cmd->op = op;
	cmd->now_ms = wp_clock_now_ms(&q->r->app->clock);
	return cmd;
}

enum oneq_code oneq_ready(struct oneq_req *q)
{
	struct wp_value v[WP_COUNT(ready_fields)];
	enum oneq_code c = oneq_fields(q, ready_fields, WP_COUNT(ready_fields), v);
	if (c != ONEQ_OK)
		return c;
	for (int i = R_APPROVAL; i <= R_FAIL; i++)
		if (!absolute_http_url(v[i].s))
			return oneq_fail(q, ONEQ_INVALID, "%s %s", ready_fields[i].name,
					 ready_fields[i].expect);
	if (v[R_AMOUNT].i < v[R_QUANTITY].i)
		return oneq_fail(q, ONEQ_INVALID,
				 "amount %" PRId64 " is less than quantity %" PRId64
				 ": each item costs at least 1 won",
				 v[R_AMOUNT].i, v[R_QUANTITY].i);
	struct pay_cmd *cmd = new_cmd(q, OP_READY);
	if (cmd == NULL)
		return ONEQ_SYSTEM;
	cmd->cid = oneq_cid_canonical(v[R_CID].s);
	cmd->order_id = v[R_ORDER].s;
	char key[ONEQ_PAGE_KEY_LEN + 1];
	if (wp_random_alnum(key, ONEQ_PAGE_KEY_LEN) != WP_OK)
		return ONEQ_SYSTEM;
	char at[20];
	oneq_time(cmd->now_ms, at);
	json_t *p = json_pack(
	    "{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, "
	    "s:s, s:s, s:I, s:I, s:I, s:s}",
	    "status", "READY", "cid", cmd->cid, "category_cd", (json_int_t)v[R_CATEGORY].i,
	    "opponent_name", v[R_NAME].s, "item_name", v[R_ITEM].s, "item_code",
	    v[R_ITEM_CODE].present ? v[R_ITEM_CODE].s : "", "member_id", v[R_MEMBER].s, "order_id",
	    v[R_ORDER].s, "quantity", (json_int_t)v[R_QUANTITY].i, "amount",
	    (json_int_t)v[R_AMOUNT].i, "payment_method_type",
	    v[R_METHOD].present ? v[R_METHOD].s : "", "bank_acct_num", v[R_ACCT].s,
	    "bank_acct_alias", v[R_ALIAS].present ? v[R_ALIAS].s : "", "balance",
	    (json_int_t)v[R_BALANCE].i, "approval_url", v[R_APPROVAL].s, "cancel_url",
	    v[R_CANCEL].s, "fail_url", v[R_FAIL].s, "page_key", key, "created_at", at, "created_ms",
	    (json_int_t)cmd->now_ms, "expires_ms",
	    (json_int_t)(cmd->now_ms + (int64_t)q->r->app->cfg->oneq_expiry_s * 1000), "pin_fails",
	    (json_int_t)0, "tid", "");
	if (p == NULL || wp_req_json(q->r, p) == NULL)
		return ONEQ_SYSTEM;
	cmd->ready = p;
	wp_write_submit(&cmd->ow.w);
	return ONEQ_DEFERRED;
}

enum { A_CID, A_ORDER, A_CATEGORY, A_NAME, A_ITEM, A_MEMBER, A_AMOUNT, A_TRAN_DT, A_PG_TOKEN };

static const struct wp_field approve_fields[] = {
    [A_CID] = {"cid", WP_FIELD_ALNUM, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 10, 10},
    [A_ORDER] = {"order_id", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 100},
    [A_CATEGORY] = {"category_cd", WP_FIELD_INT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, INT64_MAX},
    [A_NAME] = {"opponent_name", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 1, 100},
    [A_ITEM] = {"item_name", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 200},
    [A_MEMBER] = {"member_id", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 100},
    [A_AMOUNT] = {"amount", WP_FIELD_INT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, INT64_MAX},
    [A_TRAN_DT] = {"tran_dt", WP_FIELD_TEXT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, 20},
    [A_PG_TOKEN] = {"pg_token", WP_FIELD_ALNUM, WP_FIELD_EMPTY_ABSENT | WP_FIELD_TRIM, 1, 40},
};

enum oneq_code oneq_approve(struct oneq_req *q)
{
	struct wp_value v[WP_COUNT(approve_fields)];
	enum oneq_code c = oneq_fields(q, approve_fields, WP_COUNT(approve_fields), v);
	if (c != ONEQ_OK)
		return c;
	struct pay_cmd *cmd = new_cmd(q, OP_APPROVE);
	if (cmd == NULL)
		return ONEQ_SYSTEM;
	cmd->cid = oneq_cid_canonical(v[A_CID].s);
	cmd->order_id = v[A_ORDER].s;
	cmd->category = v[A_CATEGORY].i;
	cmd->item_name = v[A_ITEM].s;
	cmd->member_id = v[A_MEMBER].s;
	cmd->amount = v[A_AMOUNT].i;
	cmd->tran_dt = v[A_TRAN_DT].s;
	cmd->pg_token = v[A_PG_TOKEN].present ? v[A_PG_TOKEN].s : NULL;
	wp_write_submit(&cmd->ow.w);
	return ONEQ_DEFERRED;
}

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_shape ready_shape[] = {{NULL, ready_fields, WP_COUNT(ready_fields)}};
static const struct wp_doc_prop ready_answer[] = {
    {"tid", "string", "the payment's number: 18 digits (an Integer, sent as a string)"},
    {"next_redirect_url", "string", "the PC page: the order and a QR code of the mobile page"},
    {"android_app_scheme", "string", "the mobile page: 다음, the method, the PIN"},
    {"approved_at", "string", "the merchant's affiliation approval time, yyyy.MM.dd HH:mm:ss"},
};
const struct wp_route_doc oneq_doc_ready = {
    .summary = "Ready: a payment for the shopper to confirm on the pages",
    .description = "order_id is unique per merchant: the same fields again answer the same "
		   "tid; other fields are refused (-405). Unapproved, it expires.",
    .body = WP_DOC_FORM,
    .shapes = ready_shape,
    .shape_count = 1,
    .answer_props = ready_answer,
    .answer_prop_count = WP_COUNT(ready_answer),
};

static const struct wp_doc_shape approve_shape[] = {
    {NULL, approve_fields, WP_COUNT(approve_fields)}};
static const struct wp_doc_prop approve_answer_props[] = {
    {"tid", "string", NULL},
    {"cid", "string", NULL},
    {"order_id", "string", NULL},
    {"member_id", "string", NULL},
    {"payment_method_type", "string", "계좌 or MONEY: what the shopper paid with"},
    {"item_name", "string", NULL},
    {"amount", "integer", NULL},
    {"tran_dt", "string", "the merchant's tran_dt of the first approval"},
};
const struct wp_route_doc oneq_doc_approve = {
    .summary = "Approve: the payment the shopper confirmed, by cid + order_id + member_id",
    .description = "Refused before the shopper's PIN (-780), after a quit, failure or cancel "
		   "(-781), after expiry (-782). Approving twice answers the first approval.",
    .body = WP_DOC_FORM,
    .shapes = approve_shape,
    .shape_count = 1,
    .answer_props = approve_answer_props,
    .answer_prop_count = WP_COUNT(approve_answer_props),
};
