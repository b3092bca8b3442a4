/*
 * account.c — a partner's payout account and POST /account/remain.
 *
 * The payout account is a ledger account of the partner's that cannot be
 * overdrawn (reservations included): prefunded, it is what transfer
 * requests reserve and executions spend. Its id is kept in a document
 * (kind "payple_account", id and owner the cst_id).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/docs.h"
#include "core/ledger.h"
#include "surface/payple/payple.h"
#include "util/date.h"

wp_status payple_payout_account(struct wp_store *s, struct wp_tx *tx, const char *cst_id,
				int64_t *ledger_account_id, int64_t *clearing_account_id)
{
	wp_arena a;
	wp_arena_init(&a, 1024);
	json_t *body = NULL;
	wp_status st = wp_doc_load(s, tx, PAYPLE_KIND_ACCOUNT, cst_id, cst_id, &a, &body, NULL);
	wp_arena_free(&a);
	json_t *id = json_object_get(body, "ledger_account_id");
	json_t *clearing = json_object_get(body, "clearing_account_id");
	if (st == WP_OK && !(json_is_integer(id) && json_is_integer(clearing)))
		st = WP_E_INTERNAL;
	if (st == WP_OK) {
		*ledger_account_id = json_integer_value(id);
		if (clearing_account_id != NULL)
			*clearing_account_id = json_integer_value(clearing);
	}
	json_decref(body);
	return st;
}

/*
 * The payout account, and the partner's clearing account: requests reserve
 * from the first to the second (pending), an execution posts the
 * reservation and pays the recipient's bank account out of the clearing
 * account, a failed payout comes back to the payout account.
 */
wp_status payple_payout_account_open(struct wp_tx *tx, const char *cst_id, int64_t now_ms,
				     int64_t *ledger_account_id)
{
	struct wp_account acct, clearing;
	wp_status st = wp_ledger_create_account(
	    tx, WP_ACCOUNT_PAYOUT_FLOAT, WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, now_ms, &acct);
	if (st == WP_OK)
		st = wp_ledger_create_account(tx, WP_ACCOUNT_PAYOUT_FLOAT,
					      WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, now_ms,
					      &clearing);
	if (st != WP_OK)
		return st;
	json_t *body = json_pack("{s:I, s:I}", "ledger_account_id", (json_int_t)acct.id,
				 "clearing_account_id", (json_int_t)clearing.id);
	struct wp_doc meta = {.kind = PAYPLE_KIND_ACCOUNT,
			      .id = cst_id,
			      .owner = cst_id,
			      .ref = "",
			      .created_ms = now_ms,
			      .updated_ms = now_ms};
	st = body ? wp_doc_save(tx, &meta, body, true) : WP_E_NOMEM;
	json_decref(body);
	*ledger_account_id = acct.id;
	return st;
}

/* "20211022152040289": now, KST, with milliseconds (Payple's api_tran_dtm). */
const char *payple_dtm(struct payple_req *p)
{
	char *out = wp_arena_alloc(&p->r->arena, 18);
	return out ? wp_format_stamp(wp_clock_now_ms(&p->r->app->clock), WP_KST_OFFSET_MIN, false,
				     true, out, 18)
		   : "";
}

void payple_set_amount(json_t *o, const char *name, int64_t won)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRId64, won);
	json_object_set_new(o, name, json_string(s));
}

/* ---- POST /account/remain ---- */

static const struct wp_field remain_fields[] = {
    {"sub_id", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 0, PAYPLE_SUB_ID_MAX},
};

enum payple_code payple_account_remain(struct payple_req *p)
{
	struct wp_value v[WP_COUNT(remain_fields)];
	enum payple_code c =
	    payple_fields(p, remain_fields, WP_COUNT(remain_fields), v, PAYPLE_FIELD);
	if (c != PAYPLE_OK)
		return c;
	struct wp_store *s = p->r->app->store;
	int64_t id;
	struct wp_account a;
	wp_status st = payple_payout_account(s, NULL, p->cst_id, &id, NULL);
	if (st == WP_OK)
		st = s->ops->account_read(s, id, &a);
	if (st != WP_OK)
		return PAYPLE_SYSTEM;
	if ((p->data = wp_req_json(p->r, json_object())) == NULL)
		return PAYPLE_SYSTEM;
	json_object_set_new(p->data, "cst_id", json_string(p->cst_id));
	if (v[0].present)
		json_object_set_new(p->data, "sub_id", json_string(v[0].s));
	/* remain = everything paid in - (transferred + reserved): the ledger's available. */
	payple_set_amount(p->data, "total_account_amt", a.credits_posted);
	payple_set_amount(p->data, "total_transfer_amt", a.debits_posted + a.debits_pending);
	payple_set_amount(p->data, "remain_amt", wp_account_available(&a));
	json_object_set_new(p->data, "api_tran_dtm", json_string(payple_dtm(p)));
	return PAYPLE_OK;
}

static const struct wp_doc_shape remain_shape[] = {{NULL, remain_fields, 1}};
static const struct wp_doc_prop remain_answer[] = {
    {"result", "string", "A0000"},
    {"message", "string", NULL},
    {"cst_id", "string", NULL},
    {"total_account_amt", "string", "won paid into the payout account"},
    {"total_transfer_amt", "string", "won transferred or reserved by pending requests"},
    {"remain_amt", "string", "what requests can still reserve"},
    {"api_tran_dtm", "string", "yyyyMMddHHmmssSSS (KST)"},
};
const struct wp_route_doc payple_doc_account_remain = {
    .summary = "The payout account's balance",
    .body = WP_DOC_JSON,
    .shapes = remain_shape,
    .shape_count = 1,
    .answer_props = remain_answer,
    .answer_prop_count = WP_COUNT(remain_answer),
};
