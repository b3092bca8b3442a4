/*
 * realname.c — POST /inquiry/real_name: is this account the person's (birth
 * date, YYMMDD) or the business's (10-digit business number)? Checked at
 * the sandbox bank; a usable account gets a billing_tran_id, the key every
 * transfer request names, kept as a document (kind "payple_billing", owner
 * the cst_id) with the account number and holder sealed. A refusing bank
 * answers A0009 with Payple's bank_rsp_code.
 */
#include <stdio.h>
#include <string.h>

#include "core/bank.h"
#include "core/crypto.h"
#include "core/docs.h"
#include "surface/payple/payple.h"
#include "util/date.h"

enum { F_SUB, F_BANK, F_ACCOUNT, F_TYPE, F_INFO };

static const char *const holder_types[] = {"0", "6", NULL};

static const struct wp_field realname_fields[] = {
    [F_SUB] = {"sub_id", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 0, PAYPLE_SUB_ID_MAX},
    [F_BANK] = {"bank_code_std", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 3, 3},
    [F_ACCOUNT] = {"account_num", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 16},
    [F_TYPE] = {"account_holder_info_type", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 1, 1, holder_types,
		.expect = "must be 0 (a person) or 6 (a business)"},
    [F_INFO] = {"account_holder_info", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 6, 13,
		.expect = "must be a birth date YYMMDD (type 0) or a 10-digit business "
			  "number (type 6)"},
};

/* Payple's bank_rsp_code for a bank outcome (payple-notes §5; README's test accounts). */
const char *payple_bank_rsp_code(int outcome)
{
	static const struct {
		int outcome;
		const char *code;
	} codes[] = {
	    {WP_BANK_OK, "000"},
	    {WP_BANK_ACCOUNT_NOT_FOUND, "412"},
	    {WP_BANK_ACCOUNT_CLOSED, "415"},
	    {WP_BANK_ACCOUNT_DORMANT, "416"},
	    {WP_BANK_ACCOUNT_ACCIDENT, "419"},
	    {WP_BANK_ACCOUNT_SUSPENDED, "420"},
	    {WP_BANK_HOLDER_MISMATCH, "815"},
	    {WP_BANK_IDENTITY_MISMATCH, "815"},
	};
	for (size_t i = 0; i < WP_COUNT(codes); i++)
		if (codes[i].outcome == outcome)
			return codes[i].code;
	return "499"; /* other: the bank cannot be reached, answers late, is closed, ... */
}

/* The account exists at the bank and the request's identity is its holder's. */
struct realname {
	struct payple_req *p;
	const char *sub_id, *bank_code, *account, *type;
	struct wp_bank_answer bank;
};

struct billing_write {
	struct wp_write w;
	struct realname *rn;
	struct wp_doc doc;
	json_t *body;
	char id[37];
};

static wp_status apply_billing(struct wp_tx *tx, struct wp_cmd *c)
{
	struct billing_write *bw = (struct billing_write *)c;
	return wp_doc_save(tx, &bw->doc, bw->body, true);
}

void payple_bank_tran_id(char out[21])
{
	char digits[19];
	if (wp_random_from("0123456789", digits, 18) != WP_OK)
		memset(digits, '0', 18);
	digits[18] = '\0';
	snprintf(out, 21, "M%.9sU%.9s", digits, digits + 9);
}

static void finish_billing(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct billing_write *bw = (struct billing_write *)w;
	struct realname *rn = bw->rn;
	struct payple_req *p = rn->p;
	if (w->cmd.status != WP_OK) {
		payple_answer_later(p, PAYPLE_SYSTEM);
		return;
	}
	const struct wp_bank *bank = wp_bank_by_code(rn->bank_code);
	char date[16];
	wp_format_stamp(wp_clock_now_ms(&r->app->clock), WP_KST_OFFSET_MIN, false, false, date,
			sizeof(date));
	date[8] = '\0';
	json_t *d = p->data;
	json_object_set_new(d, "billing_tran_id", json_string(bw->id));
	char tran_id[21];
	payple_bank_tran_id(tran_id);
	json_object_set_new(d, "bank_tran_id", json_string(tran_id));
	json_object_set_new(d, "bank_tran_date", json_string(date));
	json_object_set_new(d, "bank_rsp_code", json_string("000"));
	json_object_set_new(d, "bank_code_std", json_string(rn->bank_code));
	json_object_set_new(d, "bank_code_sub",
			    json_string(wp_arena_printf(&r->arena, "%s0001", rn->bank_code)));
	json_object_set_new(d, "bank_name", json_string(bank ? bank->name : ""));
	json_object_set_new(d, "account_num", json_string(rn->account));
	json_object_set_new(d, "account_holder_name", json_string(rn->bank.holder_name));
	payple_answer_later(p, PAYPLE_OK);
}

/* A UUID v4, the shape of Payple's billing keys ("6fen3g2m-j9hb-..."). */
static wp_status uuid(char out[37])
{
	uint8_t b[16];
	wp_status st = wp_random_bytes(b, sizeof(b));
	if (st != WP_OK)
		return st;
	b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
	char hex[33];
	wp_hex(b, sizeof(b), hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return WP_OK;
}

/* After the bank's latency: A0009, or the billing key stored and then answered. */
static void decide(struct wp_req *r, void *ctx)
{
	struct realname *rn = ctx;
	struct payple_req *p = rn->p;
	json_object_set_new(p->data, "api_tran_dtm", json_string(payple_dtm(p)));
	if (rn->bank.outcome != WP_BANK_OK) {
		json_object_set_new(p->data, "bank_rsp_code",
				    json_string(payple_bank_rsp_code(rn->bank.outcome)));
		payple_answer(
		    p, payple_fail(p, PAYPLE_BANK, "%s", wp_bank_outcome_name(rn->bank.outcome)));
		return;
	}
	struct billing_write *bw =
	    WP_WRITE_NEW(r, struct billing_write, apply_billing, finish_billing);
	const char *acct = wp_req_seal(r, "payple.billing.account_num", rn->account);
	const char *holder = wp_req_seal(r, "payple.billing.holder", rn->bank.holder_name);
	if (bw == NULL || acct == NULL || holder == NULL || uuid(bw->id) != WP_OK ||
	    (bw->body = wp_req_json(r, json_object())) == NULL) {
		payple_answer(p, PAYPLE_SYSTEM);
		return;
	}
	bw->rn = rn;
	json_object_set_new(bw->body, "bank_code", json_string(rn->bank_code));
	json_object_set_new(bw->body, "account_num", json_string(acct));
	json_object_set_new(bw->body, "holder", json_string(holder));
	json_object_set_new(bw->body, "holder_info_type", json_string(rn->type));
	json_object_set_new(bw->body, "sub_id", json_string(rn->sub_id ? rn->sub_id : ""));
	json_object_set_new(bw->body, "valid", json_true());
	int64_t now = wp_clock_now_ms(&r->app->clock);
	bw->doc = (struct wp_doc){.kind = PAYPLE_KIND_BILLING,
				  .id = bw->id,
				  .owner = p->cst_id,
				  .ref = "",
				  .created_ms = now,
				  .updated_ms = now};
	wp_write_submit(&bw->w);
}

enum payple_code payple_real_name(struct payple_req *p)
{
	struct wp_value v[WP_COUNT(realname_fields)];
	enum payple_code c =
	    payple_fields(p, realname_fields, WP_COUNT(realname_fields), v, PAYPLE_FIELD);
	if (c != PAYPLE_OK)
		return c;
	bool person = strcmp(v[F_TYPE].s, "0") == 0;
	const char *info = v[F_INFO].s;
	if (person ? !(strlen(info) == 6 && wp_birth_date_valid(info, true)) : strlen(info) != 10) {
		return payple_fail(p, PAYPLE_FIELD, "account_holder_info %s",
				   person ? "must be a birth date YYMMDD for type 0"
					  : "must be a 10-digit business number for type 6");
	}
	if (wp_bank_by_code(v[F_BANK].s) == NULL) {
		return payple_fail(p, PAYPLE_FIELD, "bank_code_std %s is not a bank code",
				   v[F_BANK].s);
	}
	struct realname *rn = wp_arena_alloc(&p->r->arena, sizeof(*rn));
	if (rn == NULL || (p->data = wp_req_json(p->r, json_object())) == NULL)
		return PAYPLE_SYSTEM;
	*rn = (struct realname){p, v[F_SUB].present ? v[F_SUB].s : NULL, v[F_BANK].s,
				v[F_ACCOUNT].s, v[F_TYPE].s};
	json_object_set_new(p->data, "cst_id", json_string(p->cst_id));
	if (rn->sub_id != NULL)
		json_object_set_new(p->data, "sub_id", json_string(rn->sub_id));
	struct wp_bank_identity who = {NULL, person ? info : NULL, person ? NULL : info};
	p->r->app->bank->ops->verify_holder(p->r->app->bank, rn->bank_code, rn->account, &who,
					    &rn->bank);
	/* A slow bank answers late; a full timer answers now, as a quick bank would. */
	if (rn->bank.latency_ms > 0 && wp_req_later(p->r, rn->bank.latency_ms, decide, rn) == WP_OK)
		return PAYPLE_DEFERRED;
	decide(p->r, rn);
	return PAYPLE_DEFERRED;
}

static const struct wp_doc_shape realname_shape[] = {
    {NULL, realname_fields, WP_COUNT(realname_fields)}};
static const struct wp_doc_prop realname_answer[] = {
    {"result", "string", "A0000, or A0009 with bank_rsp_code when the bank refuses"},
    {"message", "string", NULL},
    {"billing_tran_id", "string", "the verified account's key for transfer requests"},
    {"account_holder_name", "string", "the holder's name, from the bank"},
    {"bank_rsp_code", "string", "000, or 412, 415, 416, 419, 420, 499, 815"},
    {"bank_tran_id", "string", NULL},
    {"bank_tran_date", "string", "yyyyMMdd"},
    {"bank_code_std", "string", NULL},
    {"bank_code_sub", "string", NULL},
    {"bank_name", "string", NULL},
    {"account_num", "string", NULL},
    {"api_tran_dtm", "string", "yyyyMMddHHmmssSSS (KST)"},
};
const struct wp_route_doc payple_doc_real_name = {
    .summary = "Verify an account's holder and get its billing key (billing_tran_id)",
    .description = "Type 0: a person's birth date (YYMMDD); type 6: a 10-digit business "
		   "number. Checked at the sandbox bank (README: sandbox bank accounts).",
    .body = WP_DOC_JSON,
    .shapes = realname_shape,
    .shape_count = 1,
    .answer_props = realname_answer,
    .answer_prop_count = WP_COUNT(realname_answer),
};
