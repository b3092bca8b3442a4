/*
 * merchant.c — POST /pay/store/token: affiliation. A business registration
 * number (check digit verified) becomes a merchant with a 10-character cid
 * and a settlement account on the ledger; the same number again answers the
 * merchant it already is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/oneq/oneq.h"

enum { F_BUSINESS, F_NAME, F_PHONE, F_ADDR1, F_ADDR2, F_POST };

static const struct wp_field store_fields[] = {
    [F_BUSINESS] = {"business_no", WP_FIELD_NUMBER, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 10, 15,
		    .expect = "must be a business registration number: 10 digits, hyphens "
			      "allowed (123-45-67891)"},
    [F_NAME] = {"opponent_name", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 100},
    [F_PHONE] = {"store_phone", WP_FIELD_NUMBER, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 8, 20,
		 .expect = "must be a telephone number: 8 to 20 characters of digits and hyphens"},
    [F_ADDR1] = {"store_address1", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 200},
    [F_ADDR2] = {"store_address2", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 200},
    [F_POST] = {"post_no", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT | WP_FIELD_TRIM, 5, 5},
};

wp_status oneq_merchant_load(struct wp_store *s, struct wp_tx *tx, const char *cid,
			     json_t **merchant)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	wp_status st = wp_doc_load(s, tx, ONEQ_KIND_MERCHANT, cid, NULL, &a, merchant, NULL);
	wp_arena_free(&a);
	return st;
}

wp_status oneq_merchant_open(struct wp_tx *tx, const char *cid, json_t *body, int64_t now_ms)
{
	struct wp_account acct;
	wp_status st = wp_ledger_create_account(
	    tx, WP_ACCOUNT_MERCHANT, WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, now_ms, &acct);
	if (st != WP_OK)
		return st;
	json_object_set_new(body, "settlement_account_id", json_integer(acct.id));
	char uniq[32];
	snprintf(uniq, sizeof(uniq), "bn:%s", oneq_str(body, "business_no"));
	struct wp_doc meta = {.kind = ONEQ_KIND_MERCHANT,
			      .id = cid,
			      .owner = cid,
			      .ref = "",
			      .uniq = uniq,
			      .created_ms = now_ms,
			      .updated_ms = now_ms};
	return wp_doc_save(tx, &meta, body, true);
}

struct store_cmd {
	struct wp_write w;
	struct oneq_req *q;
	json_t *body; /* the merchant to open, or (after apply) the one that answers */
	char cid[ONEQ_CID_LEN + 1];
	int64_t now_ms;
	enum oneq_code code;
};

static wp_status apply_store(struct wp_tx *tx, struct wp_cmd *c)
{
	struct store_cmd *cmd = (struct store_cmd *)c;
	char uniq[32];
	snprintf(uniq, sizeof(uniq), "bn:%s", oneq_str(cmd->body, "business_no"));
	json_t *seen = NULL;
	wp_status st = wp_doc_load_uniq(NULL, tx, ONEQ_KIND_MERCHANT, uniq, &seen);
	cmd->code = ONEQ_OK;
	if (st == WP_OK && !oneq_owns(cmd->q, seen)) {
		json_decref(seen);
		cmd->code = ONEQ_INVALID; /* another partner's merchant: not named */
		return WP_OK;
	}
	if (st == WP_OK) { /* the same business again: its merchant */
		json_object_update(cmd->body, seen);
		json_decref(seen);
		return WP_OK;
	}
	if (st != WP_E_NOT_FOUND)
		return st;
	for (int i = 0; i < 8; i++) {
		/* "OQ" + 8 capital letters and digits: 10 characters, like TC0ONETIME */
		st = wp_random_from("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", cmd->cid + 2, 8);
		cmd->cid[0] = 'O';
		cmd->cid[1] = 'Q';
		if (st != WP_OK)
			return st;
		json_object_set_new(cmd->body, "cid", json_string(cmd->cid));
		st = oneq_merchant_open(tx, cmd->cid, cmd->body, cmd->now_ms);
		if (st != WP_E_CONFLICT)
			return st;
	}
	return st;
}

static void finish_store(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct store_cmd *cmd = (struct store_cmd *)w;
	struct oneq_req *q = cmd->q;
	if (w->cmd.status != WP_OK) {
		oneq_answer_later(q, ONEQ_SYSTEM);
		return;
	}
	if (cmd->code != ONEQ_OK) {
		oneq_fail(q, cmd->code, "business_no %s is affiliated under another account",
			  oneq_str(cmd->body, "business_no"));
		oneq_answer_later(q, cmd->code);
		return;
	}
	json_t *b = cmd->body;
	q->data =
	    json_pack("{s:s, s:s, s:O, s:s}", "cid", oneq_str(b, "cid"), "created_at",
		      oneq_str(b, "created_at"), "category_cd", json_object_get(b, "category_cd"),
		      "approved_at", oneq_str(b, "approved_at"));
	if (q->data == NULL || wp_req_json(q->r, q->data) == NULL) {
		q->data = NULL;
		oneq_answer_later(q, ONEQ_SYSTEM);
		return;
	}
	oneq_answer_later(q, ONEQ_OK);
}

enum oneq_code oneq_store_token(struct oneq_req *q)
{
	struct wp_value v[WP_COUNT(store_fields)];
	enum oneq_code c = oneq_fields(q, store_fields, WP_COUNT(store_fields), v);
	if (c != ONEQ_OK)
		return c;
	if (v[F_BUSINESS].len != 10 || !oneq_business_no_valid(v[F_BUSINESS].s))
		return oneq_fail(q, ONEQ_INVALID,
				 "business_no %s is not a business registration number: 10 digits "
				 "whose last is the check digit of the first nine",
				 v[F_BUSINESS].s);
	struct wp_req *r = q->r;
	struct store_cmd *cmd = WP_WRITE_NEW(r, struct store_cmd, apply_store, finish_store);
	if (cmd == NULL)
		return ONEQ_SYSTEM;
	cmd->q = q;
	cmd->now_ms = wp_clock_now_ms(&r->app->clock);
	char at[20];
	oneq_time(cmd->now_ms, at);
	cmd->body = wp_req_json(
	    r, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "partner_id",
			 (json_int_t)q->partner_id, "business_no", v[F_BUSINESS].s, "opponent_name",
			 v[F_NAME].s, "store_phone", v[F_PHONE].s, "store_address1", v[F_ADDR1].s,
			 "store_address2", v[F_ADDR2].s, "post_no",
			 v[F_POST].present ? v[F_POST].s : "", "category_cd", ONEQ_SANDBOX_CATEGORY,
			 "created_at", at, "approved_at", at));
	if (cmd->body == NULL)
		return ONEQ_SYSTEM;
	wp_write_submit(&cmd->w);
	return ONEQ_DEFERRED;
}

/* ---- `wonpay partner add --oneq BUSINESS_NO`: a merchant and its secret ---- */

struct oneq_issue {
	char business_no[16];
	char cid[ONEQ_CID_LEN + 1];
	char secret[WP_TOKEN_MAX_BYTES];
};

static wp_status issue_prepare(const uint8_t *data_key, const char *value, void **issue, char *err,
			       size_t cap)
{
	(void)data_key;
	char digits[16];
	size_t n = 0;
	for (const char *p = value; *p; p++) {
		if (*p == '-')
			continue;
		if (*p < '0' || *p > '9' || n == 10) {
			n = 11;
			break;
		}
		digits[n++] = *p;
	}
	digits[n < sizeof(digits) ? n : 0] = '\0';
	if (n != 10 || !oneq_business_no_valid(digits)) {
		snprintf(err, cap,
			 "--oneq wants a business registration number: 10 digits with a valid "
			 "check digit (123-45-67891)");
		return WP_E_INVALID;
	}
	struct oneq_issue *i = calloc(1, sizeof(*i));
	if (i == NULL)
		return WP_E_NOMEM;
	memcpy(i->business_no, digits, 11);
	*issue = i;
	return WP_OK;
}

static wp_status issue_add(struct wp_tx *tx, void *issue, int64_t partner_id, int64_t now_ms)
{
	struct oneq_issue *i = issue;
	char at[20];
	oneq_time(now_ms, at);
	wp_status st =
	    wp_auth_issue(tx, partner_id, ONEQ_SURFACE, now_ms, i->secret, sizeof(i->secret));
	json_t *body =
	    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "partner_id",
		      (json_int_t)partner_id, "business_no", i->business_no, "opponent_name", "",
		      "store_phone", "", "store_address1", "", "store_address2", "", "post_no", "",
		      "category_cd", ONEQ_SANDBOX_CATEGORY, "created_at", at, "approved_at", at);
	for (int k = 0; k < 8 && st == WP_OK; k++) {
		memcpy(i->cid, "OQ", 2);
		st = wp_random_from("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", i->cid + 2, 8);
		if (st == WP_OK && body != NULL) {
			json_object_set_new(body, "cid", json_string(i->cid));
			st = oneq_merchant_open(tx, i->cid, body, now_ms);
			if (st != WP_E_CONFLICT)
				break;
			json_t *seen = NULL; /* the business is affiliated already */
			char uniq[32];
			snprintf(uniq, sizeof(uniq), "bn:%s", i->business_no);
			if (wp_doc_load_uniq(NULL, tx, ONEQ_KIND_MERCHANT, uniq, &seen) == WP_OK) {
				json_decref(seen);
				st = WP_E_CONFLICT;
				break;
			}
		}
	}
	if (st == WP_OK && body == NULL)
		st = WP_E_NOMEM;
	json_decref(body);
	return st;
}

static void issue_print(void *issue, FILE *out)
{
	struct oneq_issue *i = issue;
	fprintf(out, "OneQ Pay cid: %s\n", i->cid);
	fprintf(out, "OneQ Pay secret (Authorization: OneQ <secret>): %s\n", i->secret);
}

const struct wp_issuer oneq_issuer = {
    .option = "--oneq",
    .help = "--oneq BUSINESS_NO  also make a OneQ Pay merchant for this business registration "
	    "number, and its secret",
    .prepare = issue_prepare,
    .add = issue_add,
    .print = issue_print,
    .free = free,
};

static const struct wp_doc_shape store_shape[] = {{NULL, store_fields, WP_COUNT(store_fields)}};
static const struct wp_doc_prop store_answer[] = {
    {"cid", "string", "the merchant code (10 characters)"},
    {"created_at", "string", "yyyy.MM.dd HH:mm:ss (KST)"},
    {"category_cd", "integer", "the merchant's category"},
    {"approved_at", "string", "yyyy.MM.dd HH:mm:ss (KST)"},
};
const struct wp_route_doc oneq_doc_store_token = {
    .summary = "Affiliation: a merchant code for a business registration number",
    .description = "The same business_no again answers its existing merchant.",
    .body = WP_DOC_FORM,
    .shapes = store_shape,
    .shape_count = 1,
    .answer_props = store_answer,
    .answer_prop_count = WP_COUNT(store_answer),
};
