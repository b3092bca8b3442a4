/*
 * order.c — a payment after approval: POST /pay/cancel (in part or in full,
 * KakaoPay's amounts) and POST /pay/order (status, amounts, history), in
 * KakaoPay's fields under OneQ's names. A cancel refunds from the merchant's
 * settlement account: to the wallet, or through the bank for 계좌.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/bank.h"
#include "core/ledger.h"
#include "surface/oneq/oneq.h"

struct cancel_cmd {
	struct oneq_write ow; /* first */
	const char *cid, *tid;
	int64_t cancel_amount, cancel_available; /* -1: not given */
	int64_t now_ms;
};

/* ---- cancel and order: KakaoPay's fields under OneQ's names ---- */

static void order_answer(json_t *p, int64_t now_ms, json_t *into)
{
	static const char *const keys[] = {"tid",	"cid",	     "order_id",  "member_id",
					   "item_name", "item_code", "created_at"};
	for (size_t i = 0; i < WP_COUNT(keys); i++)
		json_object_set_new(into, keys[i], json_string(oneq_str(p, keys[i])));
	json_object_set_new(into, "status", json_string(oneq_status(p, now_ms)));
	const char *method = oneq_str(p, "method");
	json_object_set_new(into, "payment_method_type",
			    json_string(method[0] ? method : oneq_str(p, "payment_method_type")));
	int64_t amount = oneq_int(p, "amount"), canceled = oneq_int(p, "canceled_amount");
	bool approved = oneq_approved(oneq_str(p, "status"));
	json_object_set_new(into, "amount", json_integer(amount));
	json_object_set_new(into, "quantity", json_integer(oneq_int(p, "quantity")));
	json_object_set_new(into, "canceled_amount", json_integer(canceled));
	json_object_set_new(into, "cancel_available_amount",
			    json_integer(approved ? amount - canceled : 0));
	json_object_set_new(into, "approved_at", json_string(oneq_str(p, "approved_at")));
	json_object_set_new(into, "canceled_at", json_string(oneq_str(p, "canceled_at")));
	json_t *actions = json_object_get(p, "actions");
	json_object_set_new(into, "payment_action_details",
			    json_is_array(actions) ? json_deep_copy(actions) : json_array());
}

static wp_status apply_cancel(struct wp_tx *tx, struct wp_cmd *c)
{
	struct cancel_cmd *cmd = (struct cancel_cmd *)c;
	cmd->now_ms = wp_clock_now_ms(&cmd->ow.q->r->app->clock); /* the writer's now */
	cmd->ow.code = ONEQ_OK;
	cmd->ow.why[0] = '\0';
	json_object_clear(cmd->ow.answer);
	json_t *p = NULL;
	bool known;
	wp_status st = oneq_known_merchant(tx, &cmd->ow, cmd->cid, &known);
	if (st != WP_OK || !known)
		return st;
	st = oneq_payment_load(NULL, tx, cmd->tid, &p);
	if (st == WP_OK &&
	    (strcmp(oneq_str(p, "cid"), cmd->cid) != 0 || !oneq_owns(cmd->ow.q, p))) {
		json_decref(p);
		st = WP_E_NOT_FOUND;
	}
	if (st == WP_E_NOT_FOUND) {
		oneq_write_fail(&cmd->ow, ONEQ_NO_PAYMENT, "merchant %s has no payment with tid %s",
				cmd->cid, cmd->tid);
		return WP_OK;
	}
	if (st != WP_OK)
		return st;
	char status[32]; /* a copy: setting "status" frees the string it points to */
	snprintf(status, sizeof(status), "%s", oneq_str(p, "status"));
	int64_t amount = oneq_int(p, "amount"), canceled = oneq_int(p, "canceled_amount");
	int64_t available = amount - canceled;
	if (!oneq_approved(status)) {
		bool expired;
		st = oneq_settle_expiry(cmd->ow.q->r->app, tx, p, cmd->now_ms, &expired);
		oneq_write_fail(&cmd->ow, ONEQ_NOT_APPROVED,
				"only an approved payment can be cancelled (status %s)",
				oneq_status(p, cmd->now_ms));
	} else if (cmd->cancel_available >= 0 && cmd->cancel_available != available) {
		oneq_write_fail(&cmd->ow, ONEQ_MISMATCH,
				"cancel_available_amount %" PRId64 " is not the payment's (%" PRId64
				")",
				cmd->cancel_available, available);
	} else if (json_array_size(json_object_get(p, "actions")) > ONEQ_CANCELS_MAX) {
		oneq_write_fail(&cmd->ow, ONEQ_CANCEL_EXCEEDS, "a payment takes at most %d cancels",
				ONEQ_CANCELS_MAX);
	} else if (cmd->cancel_amount > available) {
		oneq_write_fail(&cmd->ow, ONEQ_CANCEL_EXCEEDS,
				"cancel_amount %" PRId64
				" is more than cancel_available_amount %" PRId64,
				cmd->cancel_amount, available);
	}
	if (st != WP_OK || cmd->ow.code != ONEQ_OK) {
		json_decref(p);
		return st;
	}
	/* The refund: from the settlement account back to where the money came from. */
	json_t *merchant = NULL;
	st = oneq_merchant_load(NULL, tx, cmd->cid, &merchant);
	int64_t settlement = oneq_int(merchant, "settlement_account_id");
	json_decref(merchant);
	size_t n = json_array_size(json_object_get(p, "actions"));
	char id[WP_TRANSFER_ID_MAX + 1];
	snprintf(id, sizeof(id), "oneq:refund:%s:%zu", cmd->tid, n);
	bool replayed;
	if (st == WP_OK && strcmp(oneq_str(p, "method"), "계좌") == 0) {
		struct wp_bank_party from = {NULL, NULL, settlement},
				     to = {oneq_str(p, "bank_code"), oneq_str(p, "bank_acct_num"),
					   0};
		int outcome = 0;
		struct wp_transfer moved;
		st = cmd->ow.q->r->app->bank->ops->move(
		    cmd->ow.q->r->app->bank, tx, id, &from, &to, cmd->cancel_amount,
		    WP_TRANSFER_CODE_PAYMENT, cmd->now_ms, &outcome, &moved, &replayed);
		if (st == WP_OK && outcome != WP_BANK_OK)
			oneq_write_fail(&cmd->ow, ONEQ_BANK,
					"the refund to the account failed at the bank: %s",
					wp_bank_outcome_name(outcome));
	} else if (st == WP_OK) {
		struct wp_transfer t = {.debit_account_id = settlement,
					.credit_account_id = oneq_int(p, "source_account_id"),
					.amount = cmd->cancel_amount,
					.code = WP_TRANSFER_CODE_PAYMENT},
				   out;
		snprintf(t.id, sizeof(t.id), "%s", id);
		st = wp_ledger_transfer(tx, &t, cmd->now_ms, &out, &replayed);
		if (st == WP_OK && out.result != WP_TR_OK)
			oneq_write_fail(&cmd->ow, ONEQ_SYSTEM, "the refund could not be booked: %s",
					wp_transfer_result_name(out.result));
	}
	if (st != WP_OK || cmd->ow.code != ONEQ_OK) {
		json_decref(p);
		return st;
	}
	canceled += cmd->cancel_amount;
	char at[20];
	oneq_time(cmd->now_ms, at);
	json_object_set_new(p, "canceled_amount", json_integer(canceled));
	json_object_set_new(p, "canceled_at", json_string(at));
	json_object_set_new(
	    p, "status",
	    json_string(canceled == amount ? "CANCEL_PAYMENT" : "PART_CANCEL_PAYMENT"));
	oneq_action(p, "CANCEL", cmd->cancel_amount, cmd->now_ms);
	st = oneq_payment_save(tx, cmd->tid, p, false, cmd->now_ms);
	order_answer(p, cmd->now_ms, cmd->ow.answer);
	json_object_del(cmd->ow.answer, "payment_action_details");
	json_object_set_new(cmd->ow.answer, "approved_cancel_amount",
			    json_integer(cmd->cancel_amount));
	json_decref(p);
	return st;
}

enum { C_CID, C_TID, C_AMOUNT, C_TAX_FREE, C_VAT, C_AVAILABLE, C_PAYLOAD };

static const struct wp_field cancel_fields[] = {
    [C_CID] = {"cid", WP_FIELD_ALNUM, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 10, 10},
    [C_TID] = {"tid", WP_FIELD_DIGITS, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, 20},
    [C_AMOUNT] = {"cancel_amount", WP_FIELD_INT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, INT64_MAX},
    [C_TAX_FREE] = {"cancel_tax_free_amount", WP_FIELD_INT, WP_FIELD_EMPTY_ABSENT | WP_FIELD_TRIM,
		    0, INT64_MAX},
    [C_VAT] = {"cancel_vat_amount", WP_FIELD_INT, WP_FIELD_EMPTY_ABSENT | WP_FIELD_TRIM, 0,
	       INT64_MAX},
    [C_AVAILABLE] = {"cancel_available_amount", WP_FIELD_INT, WP_FIELD_EMPTY_ABSENT | WP_FIELD_TRIM,
		     0, INT64_MAX},
    [C_PAYLOAD] = {"payload", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 1, 200},
};

enum oneq_code oneq_cancel(struct oneq_req *q)
{
	struct wp_value v[WP_COUNT(cancel_fields)];
	enum oneq_code c = oneq_fields(q, cancel_fields, WP_COUNT(cancel_fields), v);
	if (c != ONEQ_OK)
		return c;
	if (v[C_TAX_FREE].present && v[C_TAX_FREE].i > v[C_AMOUNT].i)
		return oneq_fail(q, ONEQ_INVALID,
				 "cancel_tax_free_amount is more than cancel_amount");
	struct cancel_cmd *cmd =
	    WP_WRITE_NEW(q->r, struct cancel_cmd, apply_cancel, oneq_write_finish);
	if (cmd == NULL || (cmd->ow.answer = wp_req_json(q->r, json_object())) == NULL)
		return ONEQ_SYSTEM;
	cmd->ow.q = q;
	cmd->cancel_available = -1;
	cmd->cid = oneq_cid_canonical(v[C_CID].s);
	cmd->tid = v[C_TID].s;
	cmd->cancel_amount = v[C_AMOUNT].i;
	if (v[C_AVAILABLE].present)
		cmd->cancel_available = v[C_AVAILABLE].i;
	wp_write_submit(&cmd->ow.w);
	return ONEQ_DEFERRED;
}

static const struct wp_field order_fields[] = {
    {"cid", WP_FIELD_ALNUM, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 10, 10},
    {"tid", WP_FIELD_DIGITS, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, 20},
};

enum oneq_code oneq_order(struct oneq_req *q)
{
	struct wp_value v[2];
	enum oneq_code c = oneq_fields(q, order_fields, 2, v);
	if (c != ONEQ_OK)
		return c;
	const char *cid = oneq_cid_canonical(v[0].s);
	json_t *p = NULL;
	wp_status st = oneq_merchant_load(q->r->app->store, NULL, cid, &p);
	bool known = st == WP_OK && oneq_owns(q, p);
	json_decref(p);
	p = NULL;
	if (st == WP_E_NOT_FOUND || (st == WP_OK && !known))
		return oneq_fail(q, ONEQ_NO_MERCHANT, "cid %s is not a OneQ Pay merchant", cid);
	if (st != WP_OK)
		return ONEQ_SYSTEM;
	st = oneq_payment_load(q->r->app->store, NULL, v[1].s, &p);
	if (st == WP_OK && (strcmp(oneq_str(p, "cid"), cid) != 0 || !oneq_owns(q, p))) {
		json_decref(p);
		st = WP_E_NOT_FOUND;
	}
	if (st == WP_E_NOT_FOUND)
		return oneq_fail(q, ONEQ_NO_PAYMENT, "merchant %s has no payment with tid %s", cid,
				 v[1].s);
	if (st != WP_OK || wp_req_json(q->r, p) == NULL ||
	    (q->data = wp_req_json(q->r, json_object())) == NULL)
		return ONEQ_SYSTEM;
	order_answer(p, wp_clock_now_ms(&q->r->app->clock), q->data);
	return ONEQ_OK;
}

static const struct wp_doc_shape cancel_shape[] = {{NULL, cancel_fields, WP_COUNT(cancel_fields)}};
static const struct wp_doc_prop cancel_answer_props[] = {
    {"tid", "string", NULL},
    {"status", "string", "PART_CANCEL_PAYMENT or CANCEL_PAYMENT"},
    {"amount", "integer", "the payment's amount"},
    {"approved_cancel_amount", "integer", "this cancel's amount"},
    {"canceled_amount", "integer", "all cancels so far"},
    {"cancel_available_amount", "integer", "what can still be cancelled"},
};
const struct wp_route_doc oneq_doc_cancel = {
    .summary = "Cancel an approved payment, fully or in part (KakaoPay's fields)",
    .body = WP_DOC_FORM,
    .shapes = cancel_shape,
    .shape_count = 1,
    .answer_props = cancel_answer_props,
    .answer_prop_count = WP_COUNT(cancel_answer_props),
};

static const struct wp_doc_shape order_shape[] = {{NULL, order_fields, 2}};
static const struct wp_doc_prop order_answer_props[] = {
    {"tid", "string", NULL},
    {"status", "string",
     "READY, OPEN_PAYMENT, SELECT_METHOD, AUTH_PASSWORD, SUCCESS_PAYMENT, "
     "PART_CANCEL_PAYMENT, CANCEL_PAYMENT, FAIL_AUTH_PASSWORD, QUIT_PAYMENT, FAIL_PAYMENT"},
    {"amount", "integer", NULL},
    {"canceled_amount", "integer", NULL},
    {"cancel_available_amount", "integer", NULL},
    {"payment_action_details", "array", "PAYMENT and CANCEL actions, oldest first"},
};
const struct wp_route_doc oneq_doc_order = {
    .summary = "Order: a payment's status, amounts and history",
    .body = WP_DOC_FORM,
    .shapes = order_shape,
    .shape_count = 1,
    .answer_props = order_answer_props,
    .answer_prop_count = WP_COUNT(order_answer_props),
};
