/*
 * history.c — a card's transactions: each charge, payment and refund logs
 * one in its own transaction (kind "kona.cardtx", ref the card's par), and
 * transaction/card reads them by approval date.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/kona/kona.h"
#include "util/date.h"

/* ---- the card's transactions: a log written with each movement ---- */

wp_status kona_card_log(const char *asp_id, struct wp_tx *tx, json_t *card, const char *type,
			int64_t amount, const char *merchant, const char *nr, int64_t now_ms)
{
	struct wp_account a;
	int64_t balance = 0;
	wp_status st = tx->ops->account_get(
	    tx, json_integer_value(json_object_get(card, "ledger_account_id")), &a);
	if (st != WP_OK)
		return st;
	if (!wp_account_balance(&a, &balance))
		return WP_E_INTERNAL;
	char when[24], id[KONA_ASP_ID_LEN + 40];
	wp_format_stamp(now_ms, WP_KST_OFFSET_MIN, false, false, when, sizeof(when));
	snprintf(id, sizeof(id), "%s:%s", asp_id, nr);
	json_t *body =
	    json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:I}", "nrNumber", nr, "par",
		      kona_str(card, "par"), "trType", type, "amount", (json_int_t)amount,
		      "balanceAfter", (json_int_t)balance, "merchantId", merchant ? merchant : "",
		      "approvalDateTime", when, "at_ms", (json_int_t)now_ms);
	struct wp_doc d = {.kind = KONA_KIND_CARD_TX,
			   .id = id,
			   .owner = asp_id,
			   .ref = kona_str(card, "par"),
			   .created_ms = now_ms,
			   .updated_ms = now_ms};
	st = body ? wp_doc_save(tx, &d, body, true) : WP_E_NOMEM;
	json_decref(body);
	return st;
}

/* ---- transaction/card ---- */

struct entry {
	json_t *t;
	size_t i; /* the order read: newest first per card */
};

static int newest_first(const void *a, const void *b)
{
	const struct entry *p = a, *q = b;
	int64_t x = kona_int(p->t, "at_ms"), y = kona_int(q->t, "at_ms");
	return x < y ? 1 : x > y ? -1 : p->i < q->i ? -1 : p->i > q->i;
}

/*
 * The card's transactions, newest first (request-owned); with `previous`
 * those of the cards it replaced too (reissues, followed back).
 */
static json_t *transactions(struct kona_req *k, json_t *card, bool previous)
{
	json_t *all = kona_json(k, json_array());
	const char *par = kona_str(card, "par");
	for (int i = 0; all != NULL && i < KONA_CARD_CHAIN_MAX && par[0] != '\0'; i++) {
		json_t *some = NULL, *c = NULL;
		if (wp_doc_list(k->app->store, NULL, KONA_KIND_CARD_TX, k->asp_id, par,
				KONA_CARD_TX_MAX, &some) != WP_OK ||
		    json_array_extend(all, some) != 0) {
			json_decref(some);
			return NULL;
		}
		json_decref(some);
		if (!previous)
			break;
		par = kona_str(card, "previousPar");
		if (par[0] == '\0')
			break;
		if (wp_doc_load(k->app->store, NULL, KONA_KIND_CARD, par, k->asp_id, &k->r->arena,
				&c, NULL) != WP_OK ||
		    (card = kona_json(k, c)) == NULL)
			return NULL;
		par = kona_str(card, "par");
	}
	if (all == NULL || !previous)
		return all;
	/* merged: newest first across the cards, as one card's list is */
	size_t n = json_array_size(all);
	struct entry *v = wp_arena_alloc(&k->r->arena, (n ? n : 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = (struct entry){json_incref(json_array_get(all, i)), i};
	qsort(v, n, sizeof(*v), newest_first);
	json_array_clear(all);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(all, v[i].t);
	return all;
}

static const char *const tr_types[] = {"00", "01", "02", "03", NULL};

enum { T_USER, T_PAR, T_START, T_END, T_TYPE };

static const struct wp_field history_fields[] = {
    [T_USER] = {"userId", WP_FIELD_INT, 0, 1, 999999999999999LL},
    [T_PAR] = {"par", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, 27, 27},
    [T_START] = {"startDate", WP_FIELD_BIRTH_DATE, WP_FIELD_REQUIRED, 8, 8},
    [T_END] = {"endDate", WP_FIELD_BIRTH_DATE, WP_FIELD_REQUIRED, 8, 8},
    [T_TYPE] = {"trType", WP_FIELD_ENUM, WP_FIELD_EMPTY_ABSENT, 2, 2, tr_types},
};

enum kona_code kona_card_history(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(history_fields)];
	enum kona_code c = kona_fields(k, history_fields, WP_COUNT(history_fields), v);
	if (c != KONA_OK)
		return c;
	if (strcmp(v[T_START].s, v[T_END].s) > 0) {
		k->field = "startDate";
		return KONA_INVALID;
	}
	json_t *pr = json_object_get(k->body, "pageRequest");
	int64_t page = json_is_integer(json_object_get(pr, "page"))
			   ? json_integer_value(json_object_get(pr, "page"))
			   : 0;
	int64_t size = json_is_integer(json_object_get(pr, "pageSize"))
			   ? json_integer_value(json_object_get(pr, "pageSize"))
			   : 20;
	const char *dir = json_string_value(json_object_get(pr, "orderByDirection"));
	if (page < 0 || page > KONA_CARD_TX_MAX * KONA_CARD_CHAIN_MAX || size < 1 || size > 100 ||
	    (dir != NULL && strcmp(dir, "ASC") != 0 && strcmp(dir, "DESC") != 0)) {
		k->field = "pageRequest";
		return KONA_INVALID;
	}
	json_t *card = NULL;
	wp_status st = wp_doc_load(k->app->store, NULL, KONA_KIND_CARD, v[T_PAR].s, k->asp_id,
				   &k->r->arena, &card, NULL);
	if (kona_json(k, card) == NULL && st == WP_OK)
		return KONA_SYSTEM;
	if (st == WP_E_NOT_FOUND ||
	    (st == WP_OK && v[T_USER].present &&
	     json_integer_value(json_object_get(card, "userId")) != v[T_USER].i))
		return KONA_BAD_PAR;
	if (st != WP_OK)
		return KONA_SYSTEM;
	json_t *prev = json_object_get(k->body, "includePreviousCard");
	if (prev != NULL && !json_is_boolean(prev) && !json_is_null(prev)) {
		k->field = "includePreviousCard";
		return KONA_INVALID;
	}
	json_t *all = transactions(k, card, json_is_true(prev));
	if (all == NULL)
		return KONA_SYSTEM;
	/* newest first from the store; in time order (DESC by default) */
	json_t *match = kona_json(k, json_array());
	if (match == NULL)
		return KONA_SYSTEM;
	size_t i;
	json_t *t;
	json_array_foreach(all, i, t)
	{
		const char *when = kona_str(t, "approvalDateTime");
		if (strncmp(when, v[T_START].s, 8) < 0 || strncmp(when, v[T_END].s, 8) > 0)
			continue;
		if (v[T_TYPE].present && strcmp(kona_str(t, "trType"), v[T_TYPE].s) != 0)
			continue;
		json_t *e = json_deep_copy(t);
		json_object_del(e, "_id");
		json_object_del(e, "at_ms");
		const char *shop = kona_merchant_name(kona_str(e, "merchantId"));
		if (shop != NULL)
			json_object_set_new(e, "merchantName", json_string(shop));
		if (dir != NULL && strcmp(dir, "ASC") == 0)
			json_array_insert_new(match, 0, e);
		else
			json_array_append_new(match, e);
	}
	size_t total = json_array_size(match);
	json_t *list = json_array();
	for (size_t j = (size_t)(page * size); j < total && j < (size_t)((page + 1) * size); j++)
		json_array_append(list, json_array_get(match, j));
	if ((k->data = kona_json(k, json_object())) == NULL) {
		json_decref(list);
		return KONA_SYSTEM;
	}
	json_object_set_new(k->data, "transactionList", list);
	json_object_set_new(k->data, "pageResponse",
			    json_pack("{s:I, s:I, s:I, s:I}", "page", (json_int_t)page, "pageSize",
				      (json_int_t)size, "totalElements", (json_int_t)total,
				      "totalPages",
				      (json_int_t)((total + (size_t)size - 1) / (size_t)size)));
	return KONA_OK;
}

static const struct wp_doc_shape history_shape[] = {
    {NULL, history_fields, WP_COUNT(history_fields), NULL}};
static const struct wp_doc_prop history_answer[] = {
    {"transactionList", "array",
     "nrNumber, trType (00 payment, 01 charge, 02 refund, 03 transfer), par, amount, balanceAfter, merchantId, "
     "approvalDateTime (yyyyMMddHHmmss, KST)"},
    {"pageResponse", "object", "page, pageSize, totalElements, totalPages"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_card_history = {
    .summary = "A card's transactions by approval date (transaction/card)",
    .description = "pageRequest{page (from 0), pageSize (1..100, default 20), "
		   "orderByDirection DESC (default) or ASC}; includePreviousCard (boolean): the "
		   "transactions of the cards this one replaced (reissues) too.",
    .body = WP_DOC_JSON,
    .shapes = history_shape,
    .shape_count = 1,
    .answer_props = history_answer,
    .answer_prop_count = WP_COUNT(history_answer),
};
