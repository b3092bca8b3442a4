/*
 * transfers.c — POST /transfer/request and the spec's own endpoint, POST
 * /request/result/group_key.
 *
 * A request moves nothing yet: it reserves tran_amt on the partner's payout
 * account (a pending ledger transfer to its clearing account), so remain_amt
 * falls with each request, as in the spec's sample. Every request made under
 * one access token joins the token's group; a request may name an open
 * group_key of the partner's instead. distinct_key: the same key with the
 * same fields answers the first answer again; with other fields, A0006.
 * Everything is decided in the commit writer, so concurrent requests can
 * never reserve more than the account holds.
 *
 * Documents (owner: the cst_id): "payple_group" (id the group key: its
 * status and request count) and "payple_item" (id api_tran_id, ref the group
 * key, uniq cst_id:distinct_key: one request and its answer).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/payple/payple.h"
#include "util/date.h"
#include "util/text.h"

enum { F_BILLING, F_AMOUNT, F_SUB, F_DISTINCT, F_PRINT, F_GROUP };

static const struct wp_field request_fields[] = {
    [F_BILLING] = {"billing_tran_id", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, PAYPLE_BILLING_MAX},
    [F_AMOUNT] = {"tran_amt", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 19,
		  .expect = "must be a whole number of won from 1 to 9223372036854775807"},
    [F_SUB] = {"sub_id", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 0, PAYPLE_SUB_ID_MAX},
    [F_DISTINCT] = {"distinct_key", WP_FIELD_ALNUM, WP_FIELD_EMPTY_ABSENT, 1, PAYPLE_KEY_MAX},
    [F_PRINT] = {"print_content", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 0,
		 PAYPLE_PRINT_CONTENT_MAX},
    [F_GROUP] = {"group_key", WP_FIELD_ALNUM, WP_FIELD_EMPTY_ABSENT, 1, PAYPLE_KEY_MAX},
};

/* What a request is: two with the same distinct_key must agree on all of it. */
struct request_in {
	const char *billing, *sub_id, *distinct, *print, *group;
	int64_t amount;
	bool group_given;
};

struct request_cmd {
	struct wp_write w;
	struct payple_req *p;
	struct request_in in;
	char api_tran_id[41];
	char request_date[20];
	const char *dtm; /* api_tran_dtm, made before the write (the arena is the handler's) */
	int64_t now_ms;
	enum payple_code code; /* the outcome decided in the writer */
	json_t *answer;	       /* the answer's fields, or the first one's on a replay */
};

/* The answer's fields, which the item keeps (a distinct_key replay answers them again). */
static const char *const answer_keys[] = {"cst_id",	"sub_id",	   "distinct_key",
					  "group_key",	"billing_tran_id", "tran_amt",
					  "remain_amt", "print_content",   "api_tran_dtm"};

static bool same_request(json_t *item, const struct request_in *in)
{
	return strcmp(payple_str(item, "billing_tran_id"), in->billing) == 0 &&
	       strcmp(payple_str(item, "sub_id"), in->sub_id ? in->sub_id : "") == 0 &&
	       strcmp(payple_str(item, "print_content"), in->print ? in->print : "") == 0 &&
	       json_integer_value(json_object_get(item, "amount")) == in->amount &&
	       (!in->group_given || strcmp(payple_str(item, "group_key"), in->group) == 0);
}

/* The group's document: the token's group is opened by its first request. */
static wp_status open_group(struct wp_tx *tx, struct request_cmd *cmd, wp_arena *a, json_t **group)
{
	const char *owner = cmd->p->cst_id;
	wp_status st =
	    wp_doc_load(NULL, tx, PAYPLE_KIND_GROUP, cmd->in.group, owner, a, group, NULL);
	if (st != WP_E_NOT_FOUND || cmd->in.group_given)
		return st;
	*group = json_pack("{s:s, s:I}", "status", "open", "requests", (json_int_t)0);
	struct wp_doc meta = {.kind = PAYPLE_KIND_GROUP,
			      .id = cmd->in.group,
			      .owner = owner,
			      .ref = "",
			      .created_ms = cmd->now_ms,
			      .updated_ms = cmd->now_ms};
	return *group ? wp_doc_save(tx, &meta, *group, true) : WP_E_NOMEM;
}

/* Reserves the amount and records the request, or decides why not (cmd->code). */
static wp_status reserve(struct wp_tx *tx, struct request_cmd *cmd, wp_arena *a)
{
	struct payple_req *p = cmd->p;
	const char *owner = p->cst_id;
	json_t *billing = NULL, *group = NULL;
	wp_status st =
	    wp_doc_load(NULL, tx, PAYPLE_KIND_BILLING, cmd->in.billing, owner, a, &billing, NULL);
	bool usable = st == WP_OK && json_is_true(json_object_get(billing, "valid"));
	json_decref(billing);
	if (st == WP_E_NOT_FOUND || (st == WP_OK && !usable)) {
		cmd->code = PAYPLE_NO_BILLING;
		return WP_OK;
	}
	if (st == WP_OK)
		st = open_group(tx, cmd, a, &group);
	if (st == WP_E_NOT_FOUND ||
	    (st == WP_OK && strcmp(payple_str(group, "status"), "open") != 0)) {
		json_decref(group);
		cmd->code = PAYPLE_NO_GROUP;
		return WP_OK;
	}
	int64_t seq = json_integer_value(json_object_get(group, "requests")) + 1;
	if (st == WP_OK && seq > PAYPLE_GROUP_MAX) {
		json_decref(group);
		cmd->code = PAYPLE_GROUP_FULL;
		return WP_OK;
	}
	int64_t payout = 0, clearing = 0;
	if (st == WP_OK)
		st = payple_payout_account(NULL, tx, owner, &payout, &clearing);
	struct wp_transfer t = {.debit_account_id = payout,
				.credit_account_id = clearing,
				.amount = cmd->in.amount,
				.code = WP_TRANSFER_CODE_PAYOUT,
				.flags = WP_TRANSFER_PENDING},
			   out;
	snprintf(t.id, sizeof(t.id), "payple:req:%s", cmd->api_tran_id);
	bool replayed;
	if (st == WP_OK)
		st = wp_ledger_transfer(tx, &t, cmd->now_ms, &out, &replayed);
	if (st == WP_OK && out.result == WP_TR_EXCEEDS_CREDITS) {
		json_decref(group);
		cmd->code = PAYPLE_NO_REMAIN;
		return WP_OK;
	}
	if (st == WP_OK && out.result != WP_TR_OK)
		st = WP_E_INTERNAL; /* a fresh reservation of a positive amount */
	struct wp_account acct;
	if (st == WP_OK)
		st = tx->ops->account_get(tx, payout, &acct);
	if (st != WP_OK) {
		json_decref(group);
		return st;
	}
	/* The group counts its requests: their order in the lookup. */
	json_object_set_new(group, "requests", json_integer(seq));
	struct wp_doc gmeta = {.kind = PAYPLE_KIND_GROUP,
			       .id = cmd->in.group,
			       .owner = owner,
			       .ref = "",
			       .updated_ms = cmd->now_ms};
	st = wp_doc_save(tx, &gmeta, group, false);
	json_decref(group);
	if (st != WP_OK)
		return st;
	json_t *ans = cmd->answer;
	json_object_set_new(ans, "cst_id", json_string(owner));
	json_object_set_new(ans, "sub_id", json_string(cmd->in.sub_id ? cmd->in.sub_id : ""));
	json_object_set_new(ans, "distinct_key",
			    json_string(cmd->in.distinct ? cmd->in.distinct : ""));
	json_object_set_new(ans, "group_key", json_string(cmd->in.group));
	json_object_set_new(ans, "billing_tran_id", json_string(cmd->in.billing));
	payple_set_amount(ans, "tran_amt", cmd->in.amount);
	payple_set_amount(ans, "remain_amt", wp_account_available(&acct));
	json_object_set_new(ans, "print_content", json_string(cmd->in.print ? cmd->in.print : ""));
	json_object_set_new(ans, "api_tran_dtm", json_string(cmd->dtm));
	json_t *item = json_pack("{s:s, s:I, s:I, s:s}", "status", "requested", "amount",
				 (json_int_t)cmd->in.amount, "seq", (json_int_t)seq, "request_date",
				 cmd->request_date);
	if (item == NULL)
		return WP_E_NOMEM;
	json_object_update(item, ans); /* the answer's fields: lookups and replays read them */
	char uniq[PAYPLE_UNIQ_MAX];
	payple_uniq(owner, cmd->in.distinct ? cmd->in.distinct : "", uniq, sizeof(uniq));
	struct wp_doc imeta = {.kind = PAYPLE_KIND_ITEM,
			       .id = cmd->api_tran_id,
			       .owner = owner,
			       .ref = cmd->in.group,
			       .uniq = cmd->in.distinct ? uniq : NULL,
			       .created_ms = cmd->now_ms,
			       .updated_ms = cmd->now_ms};
	st = wp_doc_save(tx, &imeta, item, true);
	json_decref(item);
	cmd->code = PAYPLE_OK;
	return st;
}

static wp_status apply_request(struct wp_tx *tx, struct wp_cmd *c)
{
	struct request_cmd *cmd = (struct request_cmd *)c;
	wp_arena a;
	wp_arena_init(&a, 16384);
	wp_status st = WP_OK;
	/* distinct_key: the first answer again, or A0006 when the fields differ. */
	if (cmd->in.distinct != NULL) {
		char uniq[PAYPLE_UNIQ_MAX];
		payple_uniq(cmd->p->cst_id, cmd->in.distinct, uniq, sizeof(uniq));
		json_t *seen = NULL;
		st = wp_doc_load_uniq(NULL, tx, PAYPLE_KIND_ITEM, uniq, &seen);
		if (st == WP_OK) {
			if (same_request(seen, &cmd->in)) {
				for (size_t k = 0; k < WP_COUNT(answer_keys); k++)
					json_object_set(cmd->answer, answer_keys[k],
							json_object_get(seen, answer_keys[k]));
				cmd->code = PAYPLE_OK;
			} else {
				cmd->code = PAYPLE_DUPLICATE;
			}
			json_decref(seen);
			wp_arena_free(&a);
			return WP_OK;
		}
		if (st != WP_E_NOT_FOUND) {
			wp_arena_free(&a);
			return st;
		}
	}
	st = reserve(tx, cmd, &a);
	wp_arena_free(&a);
	return st;
}

static void finish_request(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct request_cmd *cmd = (struct request_cmd *)w;
	struct payple_req *p = cmd->p;
	if (w->cmd.status != WP_OK) {
		payple_answer_later(p, PAYPLE_SYSTEM);
		return;
	}
	if (cmd->code == PAYPLE_OK)
		p->data = cmd->answer;
	payple_answer_later(p, cmd->code);
}

/* "P" + yyyyMMddHHmmssSSS (KST) + 12 random letters and digits: api_tran_id, aNS(40). */
static wp_status new_api_tran_id(int64_t now_ms, char out[41])
{
	char stamp[20], rnd[13];
	wp_format_stamp(now_ms, WP_KST_OFFSET_MIN, false, true, stamp, sizeof(stamp));
	wp_status st = wp_random_alnum(rnd, 12);
	rnd[12] = '\0';
	snprintf(out, 41, "P%s%s", stamp, rnd);
	return st;
}

enum payple_code payple_transfer_request(struct payple_req *p)
{
	struct wp_value v[WP_COUNT(request_fields)];
	enum payple_code c =
	    payple_fields(p, request_fields, WP_COUNT(request_fields), v, PAYPLE_FIELD);
	if (c != PAYPLE_OK)
		return c;
	int64_t amount;
	if (!wp_parse_i64(v[F_AMOUNT].s, v[F_AMOUNT].len, 1, INT64_MAX, &amount)) {
		return payple_fail(p, PAYPLE_FIELD, "tran_amt %s", request_fields[F_AMOUNT].expect);
	}
	struct request_cmd *cmd =
	    WP_WRITE_NEW(p->r, struct request_cmd, apply_request, finish_request);
	if (cmd == NULL || (cmd->answer = wp_req_json(p->r, json_object())) == NULL)
		return PAYPLE_SYSTEM;
	cmd->p = p;
	cmd->now_ms = wp_clock_now_ms(&p->r->app->clock);
	cmd->in = (struct request_in){
	    .billing = v[F_BILLING].s,
	    .sub_id = v[F_SUB].present ? v[F_SUB].s : NULL,
	    .distinct = v[F_DISTINCT].present ? v[F_DISTINCT].s : NULL,
	    .print = v[F_PRINT].present ? v[F_PRINT].s : NULL,
	    .group = v[F_GROUP].present ? v[F_GROUP].s : p->group,
	    .amount = amount,
	    .group_given = v[F_GROUP].present,
	};
	wp_format_stamp(cmd->now_ms, WP_KST_OFFSET_MIN, true, false, cmd->request_date,
			sizeof(cmd->request_date));
	cmd->dtm = payple_dtm(p);
	if (new_api_tran_id(cmd->now_ms, cmd->api_tran_id) != WP_OK)
		return PAYPLE_SYSTEM;
	wp_write_submit(&cmd->w);
	return PAYPLE_DEFERRED;
}

/* ---- POST /request/result/group_key: the group's pending requests ---- */

static const struct wp_field group_field[] = {
    {"group_key", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, 1, PAYPLE_KEY_MAX},
};

static int by_seq(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "seq"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "seq"));
	return (x > y) - (x < y);
}

/* The group's items (documents), in request order, as a new array. */
wp_status payple_group_items(struct wp_store *s, struct wp_tx *tx, const char *owner,
			     const char *group, json_t **items)
{
	json_t *list = NULL;
	wp_status st = wp_doc_list(s, tx, PAYPLE_KIND_ITEM, owner, group, PAYPLE_GROUP_MAX, &list);
	if (st != WP_OK)
		return st;
	size_t n = json_array_size(list);
	json_t **v = calloc(n ? n : 1, sizeof(*v));
	if (v == NULL) {
		json_decref(list);
		return WP_E_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(list, i));
	qsort(v, n, sizeof(*v), by_seq);
	json_array_clear(list);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, v[i]);
	free(v);
	*items = list;
	return WP_OK;
}

enum payple_code payple_request_result_group(struct payple_req *p)
{
	struct wp_value v[1];
	enum payple_code c = payple_fields(p, group_field, 1, v, PAYPLE_FIELD);
	if (c != PAYPLE_OK)
		return c;
	struct wp_store *s = p->r->app->store;
	json_t *group = NULL, *items = NULL;
	wp_status st =
	    wp_doc_load(s, NULL, PAYPLE_KIND_GROUP, v[0].s, p->cst_id, &p->r->arena, &group, NULL);
	json_decref(group);
	if (st == WP_E_NOT_FOUND)
		return PAYPLE_NO_GROUP;
	if (st == WP_OK)
		st = payple_group_items(s, NULL, p->cst_id, v[0].s, &items);
	if (st != WP_OK || wp_req_json(p->r, items) == NULL ||
	    (p->data = wp_req_json(p->r, json_object())) == NULL)
		return PAYPLE_SYSTEM;
	/* Pending requests only: executed, cancelled and failed ones are left out. */
	json_t *list = json_array();
	int64_t total = 0, count = 0;
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item)
	{
		if (strcmp(payple_str(item, "status"), "requested") != 0)
			continue;
		int64_t amount = json_integer_value(json_object_get(item, "amount"));
		if (__builtin_add_overflow(total, amount, &total))
			return PAYPLE_SYSTEM; /* the account could never hold it */
		count++;
		json_t *e = json_object();
		static const char *const keys[] = {"cst_id",	      "sub_id",	       "group_key",
						   "billing_tran_id", "print_content", "tran_amt",
						   "remain_amt"};
		for (size_t k = 0; k < WP_COUNT(keys); k++)
			json_object_set_new(e, keys[k], json_string(payple_str(item, keys[k])));
		json_object_set_new(e, "request_date",
				    json_string(payple_str(item, "request_date")));
		json_array_append_new(list, e);
	}
	payple_set_amount(p->data, "total", total);
	payple_set_amount(p->data, "count", count);
	json_object_set_new(p->data, "list", list);
	return PAYPLE_OK;
}

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_shape request_shape[] = {
    {NULL, request_fields, WP_COUNT(request_fields)}};
static const struct wp_doc_prop request_answer[] = {
    {"result", "string",
     "A0000; A0004 unknown billing_tran_id, A0005 unknown or closed "
     "group_key, A0006 distinct_key with other fields, A0007 not enough "
     "remain_amt"},
    {"message", "string", NULL},
    {"cst_id", "string", NULL},
    {"sub_id", "string", NULL},
    {"distinct_key", "string", NULL},
    {"group_key", "string", "the group the request joined (the token's, or the one named)"},
    {"billing_tran_id", "string", NULL},
    {"tran_amt", "string", NULL},
    {"remain_amt", "string", "the payout account's remain after this reservation"},
    {"print_content", "string", NULL},
    {"api_tran_dtm", "string", "yyyyMMddHHmmssSSS (KST)"},
};
const struct wp_route_doc payple_doc_transfer_request = {
    .summary = "Request a payout: reserve tran_amt in a group (nothing moves yet)",
    .body = WP_DOC_JSON,
    .shapes = request_shape,
    .shape_count = 1,
    .answer_props = request_answer,
    .answer_prop_count = WP_COUNT(request_answer),
};

static const struct wp_doc_shape group_shape[] = {{NULL, group_field, 1}};
static const struct wp_doc_prop group_answer[] = {
    {"result", "string", "A0000; A0005 unknown group_key"},
    {"message", "string", NULL},
    {"total", "string", "the sum of the pending requests' tran_amt"},
    {"count", "string", "how many requests are pending"},
    {"list", "array",
     "each pending request: cst_id, sub_id, group_key, billing_tran_id, print_content, "
     "tran_amt, remain_amt (after it), request_date (YYYY-MM-DD HH:MM:SS)"},
};
const struct wp_route_doc payple_doc_request_result_group = {
    .summary = "The group's pending requests (지급이체 요청정보 조회)",
    .body = WP_DOC_JSON,
    .shapes = group_shape,
    .shape_count = 1,
    .answer_props = group_answer,
    .answer_prop_count = WP_COUNT(group_answer),
};
