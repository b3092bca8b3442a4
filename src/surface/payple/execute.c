/*
 * execute.c — POST /transfer/execute (NOW or CANCEL) and POST
 * /transfer/cancel, and the result lookups: /transfer/result (by
 * api_tran_id), /transfer/result/date (by bank_tran_date) and
 * /transfer/result/group_key.
 *
 * NOW, in the commit writer, for each requested item of the group (one
 * billing_tran_id or ALL): the reservation is posted to the clearing
 * account and paid out of it into the recipient's bank account through the
 * sandbox bank (its faults, maintenance and the account's state apply). A
 * payout the bank refuses comes back to the payout account; the item fails
 * with A0009 and its bank_rsp_code, and for 412/415/416/419/420/815 the
 * billing_tran_id is no longer usable (Payple: a new real_name is needed).
 * CANCEL voids the reservations. Every executed item keeps its result
 * (the webhook's fields); a "payple_result" document (ref the bank date)
 * serves the date lookup.
 *
 * Webhooks (payple-notes §6): with a webhook_url (this call's, or the one an
 * earlier execute of the group gave), each executed item's result is queued
 * for delivery in the same transaction as the result itself
 * (core/webhook.h: the outbox), and the sender is woken once it is durable.
 * The body is the result exactly, Payple's fields in Payple's order; a
 * CANCEL sends nothing. The URL must be http(s) and, outside sandbox mode,
 * must not reach a loopback, private or link-local address (A0003).
 */
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bank.h"
#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "core/webhook.h"
#include "surface/payple/payple.h"
#include "util/date.h"
#include "util/text.h"

enum { E_GROUP, E_BILLING, E_TYPE, E_WEBHOOK };

static const char *const execute_types[] = {"NOW", "CANCEL", NULL};

static const struct wp_field execute_fields[] = {
    [E_GROUP] = {"group_key", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, 1, PAYPLE_KEY_MAX},
    [E_BILLING] = {"billing_tran_id", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, PAYPLE_BILLING_MAX,
		   .expect = "must be a billing_tran_id of the group, or ALL"},
    [E_TYPE] = {"execute_type", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 3, 6, execute_types},
    [E_WEBHOOK] = {"webhook_url", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 0, WP_URL_MAX},
};

enum { C_GROUP, C_BILLING, C_REASON };

static const struct wp_field cancel_fields[] = {
    [C_GROUP] = {"group_key", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, 1, PAYPLE_KEY_MAX},
    [C_BILLING] = {"billing_tran_id", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, PAYPLE_BILLING_MAX,
		   .expect = "must be a billing_tran_id of the group, or ALL"},
    [C_REASON] = {"cancel_reason", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 0, 100},
};

struct execute_cmd {
	struct wp_write w;
	struct payple_req *p;
	const struct wp_app *app;
	const char *group, *billing, *webhook, *dtm;
	const char *hook; /* where results go: webhook, or the group's kept one (NULL: none) */
	bool cancel;
	bool queued; /* webhooks were queued: wake the sender once durable */
	int64_t now_ms;
	char date[9]; /* the bank date: yyyyMMdd, KST */
	enum payple_code code;
	int64_t total, remain;
};

/* One ledger transfer that must apply (a reservation's post or void, a return). */
static wp_status must(struct wp_tx *tx, struct wp_transfer *t, int64_t now_ms)
{
	struct wp_transfer out;
	bool replayed;
	wp_status st = wp_ledger_transfer(tx, t, now_ms, &out, &replayed);
	return st != WP_OK ? st : out.result == WP_TR_OK ? WP_OK : WP_E_INTERNAL;
}

/* A refusal that makes the billing key unusable (payple-notes §5). */
static bool invalidates(const char *rsp)
{
	static const char *const codes[] = {"412", "415", "416", "419", "420", "815"};
	for (size_t i = 0; i < WP_COUNT(codes); i++)
		if (strcmp(rsp, codes[i]) == 0)
			return true;
	return false;
}

/* Pays one posted item out of the clearing account; its result (the webhook's fields). */
static wp_status pay_out(struct wp_tx *tx, struct execute_cmd *cmd, json_t *item,
			 const char *api_tran_id, int64_t payout, int64_t clearing, wp_arena *a,
			 json_t **result)
{
	const char *owner = cmd->p->cst_id;
	int64_t amount = json_integer_value(json_object_get(item, "amount"));
	json_t *billing = NULL;
	struct wp_doc bmeta;
	wp_status st = wp_doc_load(NULL, tx, PAYPLE_KIND_BILLING,
				   payple_str(item, "billing_tran_id"), owner, a, &billing, &bmeta);
	if (st != WP_OK)
		return st;
	const char *bank_code = payple_str(billing, "bank_code");
	size_t n;
	char *account = wp_open(cmd->app->data_key, "payple.billing.account_num",
				payple_str(billing, "account_num"), &n);
	char *holder =
	    wp_open(cmd->app->data_key, "payple.billing.holder", payple_str(billing, "holder"), &n);
	struct wp_bank_answer reach;
	int outcome = WP_BANK_FAILED;
	if (account != NULL && holder != NULL) {
		cmd->app->bank->ops->reach(cmd->app->bank, bank_code, &reach);
		outcome = reach.outcome;
	}
	if (outcome == WP_BANK_OK) {
		struct wp_bank_party from = {NULL, NULL, clearing}, to = {bank_code, account, 0};
		struct wp_transfer t;
		bool replayed;
		char id[WP_TRANSFER_ID_MAX + 1];
		snprintf(id, sizeof(id), "payple:pay:%s", api_tran_id);
		st = cmd->app->bank->ops->move(cmd->app->bank, tx, id, &from, &to, amount,
					       WP_TRANSFER_CODE_PAYOUT, cmd->now_ms, &outcome, &t,
					       &replayed);
	}
	const char *rsp = payple_bank_rsp_code(outcome);
	if (st == WP_OK && outcome != WP_BANK_OK) {
		/* Refused: the money comes back to the payout account. */
		struct wp_transfer back = {.debit_account_id = clearing,
					   .credit_account_id = payout,
					   .amount = amount,
					   .code = WP_TRANSFER_CODE_PAYOUT};
		snprintf(back.id, sizeof(back.id), "payple:ret:%s", api_tran_id);
		st = must(tx, &back, cmd->now_ms);
		if (st == WP_OK && invalidates(rsp)) {
			json_object_set_new(billing, "valid", json_false());
			bmeta.updated_ms = cmd->now_ms;
			st = wp_doc_save(tx, &bmeta, billing, false);
		}
	}
	const struct wp_bank *bank = wp_bank_by_code(bank_code);
	char tran_id[21], masked[64];
	payple_bank_tran_id(tran_id);
	wp_mask(account ? account : "", account ? strlen(account) : 0, masked, sizeof(masked));
	bool ok = outcome == WP_BANK_OK;
	*result = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s}",
	    "result", ok ? "A0000" : "A0009", "message",
	    ok ? "처리 성공"
	       : wp_arena_printf(a, "%s (%s)", payple_codes[PAYPLE_BANK].message,
				 wp_bank_outcome_name(outcome)),
	    "cst_id", owner, "sub_id", payple_str(item, "sub_id"), "distinct_key",
	    payple_str(item, "distinct_key"), "group_key", cmd->group, "billing_tran_id",
	    payple_str(item, "billing_tran_id"), "api_tran_id", api_tran_id, "api_tran_dtm",
	    cmd->dtm, "bank_tran_id", tran_id, "bank_tran_date", cmd->date, "bank_rsp_code", rsp,
	    "bank_code_std", bank_code, "bank_code_sub", wp_arena_printf(a, "%s0001", bank_code),
	    "bank_name", bank ? bank->name : "", "account_num", account ? account : "",
	    "account_num_masked", masked, "account_holder_name", holder ? holder : "",
	    "print_content", payple_str(item, "print_content"), "tran_amt",
	    payple_str(item, "tran_amt"));
	if (account != NULL)
		OPENSSL_cleanse(account, strlen(account));
	free(account);
	free(holder);
	json_decref(billing);
	if (st == WP_OK && *result == NULL)
		st = WP_E_NOMEM;
	return st;
}

/* The item's result, exactly as /transfer/result answers it, into the outbox. */
static wp_status queue_webhook(struct wp_tx *tx, struct execute_cmd *cmd, const char *api_tran_id,
			       json_t *result)
{
	char *body = json_dumps(result, JSON_COMPACT);
	if (body == NULL)
		return WP_E_NOMEM;
	struct wp_webhook_event e = {
	    .surface = PAYPLE_SURFACE,
	    .owner = cmd->p->cst_id,
	    .event_id = api_tran_id,
	    .url = cmd->hook,
	    .body = body,
	    .body_len = strlen(body),
	    .now_ms = cmd->now_ms,
	};
	wp_status st = wp_webhook_enqueue(tx, cmd->app->data_key, &e, NULL);
	OPENSSL_cleanse(body, e.body_len); /* the recipient's account number and name */
	free(body);
	if (st == WP_OK)
		cmd->queued = true;
	return st == WP_E_CONFLICT ? WP_E_INTERNAL : st; /* an item executes once */
}

/* One requested item: posted and paid out, or voided. */
static wp_status settle(struct wp_tx *tx, struct execute_cmd *cmd, json_t *item, int64_t payout,
			int64_t clearing, wp_arena *a)
{
	const char *api_tran_id = payple_str(item, "_id");
	struct wp_transfer t = {.flags = cmd->cancel ? WP_TRANSFER_VOID_PENDING
						     : WP_TRANSFER_POST_PENDING,
				.code = WP_TRANSFER_CODE_PAYOUT};
	snprintf(t.id, sizeof(t.id), "payple:%s:%s", cmd->cancel ? "void" : "post", api_tran_id);
	snprintf(t.pending_id, sizeof(t.pending_id), "payple:req:%s", api_tran_id);
	wp_status st = must(tx, &t, cmd->now_ms);
	json_t *result = NULL;
	if (st == WP_OK && !cmd->cancel)
		st = pay_out(tx, cmd, item, api_tran_id, payout, clearing, a, &result);
	if (st != WP_OK)
		return st;
	bool failed = result != NULL && strcmp(payple_str(result, "result"), "A0000") != 0;
	json_object_set_new(item, "status",
			    json_string(cmd->cancel ? "cancelled"
					: failed    ? "failed"
						    : "executed"));
	if (result != NULL)
		json_object_set(item, "result", result);
	struct wp_doc meta = {.kind = PAYPLE_KIND_ITEM,
			      .id = api_tran_id,
			      .owner = cmd->p->cst_id,
			      .ref = cmd->group,
			      .updated_ms = cmd->now_ms};
	json_t *uniq = json_object_get(item, "distinct_key");
	char u[PAYPLE_UNIQ_MAX];
	if (json_string_length(uniq) > 0) {
		payple_uniq(cmd->p->cst_id, json_string_value(uniq), u, sizeof(u));
		meta.uniq = u;
	}
	st = wp_doc_save(tx, &meta, item, false);
	if (st == WP_OK && result != NULL) {
		struct wp_doc rmeta = {.kind = PAYPLE_KIND_RESULT,
				       .id = api_tran_id,
				       .owner = cmd->p->cst_id,
				       .ref = cmd->date,
				       .created_ms = cmd->now_ms,
				       .updated_ms = cmd->now_ms};
		st = wp_doc_save(tx, &rmeta, result, true);
	}
	if (st == WP_OK && result != NULL && cmd->hook != NULL)
		st = queue_webhook(tx, cmd, api_tran_id, result);
	json_decref(result);
	return st;
}

static wp_status apply_execute(struct wp_tx *tx, struct wp_cmd *c)
{
	struct execute_cmd *cmd = (struct execute_cmd *)c;
	const char *owner = cmd->p->cst_id;
	wp_arena a;
	wp_arena_init(&a, 1 << 20);
	json_t *group = NULL, *items = NULL;
	struct wp_doc gmeta;
	wp_status st =
	    wp_doc_load(NULL, tx, PAYPLE_KIND_GROUP, cmd->group, owner, &a, &group, &gmeta);
	if (st == WP_E_NOT_FOUND ||
	    (st == WP_OK && strcmp(payple_str(group, "status"), "open") != 0)) {
		cmd->code = PAYPLE_NO_GROUP;
		st = WP_OK;
		goto out;
	}
	int64_t payout = 0, clearing = 0;
	if (st == WP_OK)
		st = payple_group_items(NULL, tx, owner, cmd->group, &items);
	if (st == WP_OK)
		st = payple_payout_account(NULL, tx, owner, &payout, &clearing);
	const char *kept = payple_str(group, "webhook_url");
	cmd->hook = cmd->cancel ? NULL : cmd->webhook ? cmd->webhook : kept[0] ? kept : NULL;
	bool all = strcmp(cmd->billing, "ALL") == 0, left = false;
	size_t i, settled = 0;
	json_t *item;
	json_array_foreach(items, i, item)
	{
		if (st != WP_OK || strcmp(payple_str(item, "status"), "requested") != 0)
			continue;
		if (!all && strcmp(payple_str(item, "billing_tran_id"), cmd->billing) != 0) {
			left = true;
			continue;
		}
		st = settle(tx, cmd, item, payout, clearing, &a);
		int64_t amount = json_integer_value(json_object_get(item, "amount"));
		if (st == WP_OK && __builtin_add_overflow(cmd->total, amount, &cmd->total))
			st = WP_E_INTERNAL;
		settled++;
	}
	if (st == WP_OK && settled == 0) {
		cmd->code = PAYPLE_NOTHING;
		goto out;
	}
	/* The group closes once nothing in it waits; a webhook_url given is kept for it. */
	if (st == WP_OK) {
		if (!left)
			json_object_set_new(group, "status",
					    json_string(cmd->cancel ? "cancelled" : "executed"));
		if (cmd->webhook != NULL && !cmd->cancel) /* CANCEL sends nothing, keeps nothing */
			json_object_set_new(group, "webhook_url", json_string(cmd->webhook));
		gmeta.updated_ms = cmd->now_ms;
		st = wp_doc_save(tx, &gmeta, group, false);
	}
	struct wp_account acct;
	if (st == WP_OK)
		st = tx->ops->account_get(tx, payout, &acct);
	if (st == WP_OK) {
		cmd->remain = wp_account_available(&acct);
		cmd->code = PAYPLE_OK;
	}
out:
	json_decref(group);
	json_decref(items);
	wp_arena_free(&a);
	return st;
}

static void finish_execute(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct execute_cmd *cmd = (struct execute_cmd *)w;
	struct payple_req *p = cmd->p;
	if (w->cmd.status != WP_OK) {
		payple_answer_later(p, PAYPLE_SYSTEM);
		return;
	}
	if (cmd->code == PAYPLE_OK) {
		json_t *d = p->data;
		json_object_set_new(d, "cst_id", json_string(p->cst_id));
		json_object_set_new(d, "group_key", json_string(cmd->group));
		json_object_set_new(d, "billing_tran_id", json_string(cmd->billing));
		payple_set_amount(d, "tot_tran_amt", cmd->total);
		payple_set_amount(d, "remain_amt", cmd->remain);
		json_object_set_new(d, "execute_type", json_string(cmd->cancel ? "CANCEL" : "NOW"));
		json_object_set_new(d, "api_tran_dtm", json_string(cmd->dtm));
	} else {
		p->data = NULL;
	}
	payple_answer_later(p, cmd->code);
}

/* Once durable: the sender looks at the outbox now. */
static void execute_committed(struct wp_app *app, struct wp_write *w)
{
	if (((struct execute_cmd *)w)->queued)
		wp_webhooks_kick(app->webhooks);
}

static enum payple_code url_refused(struct payple_req *p, const char *why)
{
	p->data = NULL;
	return payple_fail(p, PAYPLE_FIELD, "webhook_url %s", why);
}

/* The webhook_url's host was resolved (a resolver thread): execute, or refuse. */
static void url_checked(void *ctx, bool ok, const char *why)
{
	struct execute_cmd *cmd = ctx;
	struct payple_req *p = cmd->p;
	struct wp_req *r = p->r;
	if (ok)
		wp_write_submit(&cmd->w);
	else
		payple_answer(p, url_refused(p, why));
	wp_req_release(r);
}

static enum payple_code start(struct payple_req *p, const char *group, const char *billing,
			      bool cancel, const char *webhook)
{
	struct wp_app *app = p->r->app;
	enum wp_webhook_check check = WP_WEBHOOK_URL_OK;
	if (webhook != NULL) {
		char why[WP_MESSAGE_MAX_BYTES];
		struct wp_webhook_url u;
		if (app->webhooks == NULL) /* not serving (a tool): the URL's form only */
			check = wp_webhook_url_parse(webhook, &u, why, sizeof(why))
				    ? WP_WEBHOOK_URL_OK
				    : WP_WEBHOOK_URL_REFUSED;
		else
			check = wp_webhooks_check(app->webhooks, webhook, why, sizeof(why));
		if (check == WP_WEBHOOK_URL_REFUSED)
			return url_refused(p, why);
	}
	struct execute_cmd *cmd =
	    WP_WRITE_NEW(p->r, struct execute_cmd, apply_execute, finish_execute);
	if (cmd == NULL || (p->data = wp_req_json(p->r, json_object())) == NULL)
		return PAYPLE_SYSTEM;
	cmd->w.after_commit = execute_committed;
	cmd->p = p;
	cmd->app = p->r->app;
	cmd->group = group;
	cmd->billing = billing;
	cmd->cancel = cancel;
	cmd->webhook = webhook;
	cmd->dtm = payple_dtm(p);
	cmd->now_ms = wp_clock_now_ms(&p->r->app->clock);
	snprintf(cmd->date, sizeof(cmd->date), "%.8s", cmd->dtm);
	if (check == WP_WEBHOOK_URL_RESOLVE) {
		/* A host name: resolved off this worker, then executed (or refused) from there. */
		bool was_deferred = p->r->deferred;
		wp_req_hold(p->r);
		if (wp_webhooks_check_async(app->webhooks, webhook, url_checked, cmd) == WP_OK)
			return PAYPLE_DEFERRED;
		wp_req_release(p->r);
		p->r->deferred = was_deferred;
		p->data = NULL;
		return PAYPLE_SYSTEM;
	}
	wp_write_submit(&cmd->w);
	return PAYPLE_DEFERRED;
}

enum payple_code payple_transfer_execute(struct payple_req *p)
{
	struct wp_value v[WP_COUNT(execute_fields)];
	enum payple_code c =
	    payple_fields(p, execute_fields, WP_COUNT(execute_fields), v, PAYPLE_FIELD);
	if (c != PAYPLE_OK)
		return c;
	return start(p, v[E_GROUP].s, v[E_BILLING].s, strcmp(v[E_TYPE].s, "CANCEL") == 0,
		     v[E_WEBHOOK].present ? v[E_WEBHOOK].s : NULL);
}

enum payple_code payple_transfer_cancel(struct payple_req *p)
{
	struct wp_value v[WP_COUNT(cancel_fields)];
	enum payple_code c =
	    payple_fields(p, cancel_fields, WP_COUNT(cancel_fields), v, PAYPLE_FIELD);
	return c != PAYPLE_OK ? c : start(p, v[C_GROUP].s, v[C_BILLING].s, true, NULL);
}

/* ---- results ---- */

static const struct wp_field result_id_field[] = {
    {"api_tran_id", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 40},
};

enum payple_code payple_transfer_result(struct payple_req *p)
{
	struct wp_value v[1];
	enum payple_code c = payple_fields(p, result_id_field, 1, v, PAYPLE_FIELD);
	if (c != PAYPLE_OK)
		return c;
	json_t *result = NULL;
	wp_status st = wp_doc_load(p->r->app->store, NULL, PAYPLE_KIND_RESULT, v[0].s, p->cst_id,
				   &p->r->arena, &result, NULL);
	if (st == WP_E_NOT_FOUND)
		return PAYPLE_NO_RESULT;
	if (st != WP_OK || wp_req_json(p->r, result) == NULL)
		return PAYPLE_SYSTEM;
	/* The transfer's own result and message, as its webhook carried them. */
	p->data = result;
	p->message = payple_str(result, "message");
	return strcmp(payple_str(result, "result"), "A0000") == 0 ? PAYPLE_OK : PAYPLE_BANK;
}

static const struct wp_field date_field[] = {
    {"bank_tran_date", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 8, 8},
};

/* A list lookup's answer: total, count, list (results in order). */
static enum payple_code list_answer(struct payple_req *p, json_t *results)
{
	if (json_array_size(results) == 0)
		return PAYPLE_NO_RESULT;
	int64_t total = 0;
	size_t i;
	json_t *r;
	json_array_foreach(results, i, r)
	{
		int64_t amount = 0;
		const char *s = payple_str(r, "tran_amt");
		if (!wp_parse_i64(s, strlen(s), 0, INT64_MAX, &amount) ||
		    __builtin_add_overflow(total, amount, &total))
			return PAYPLE_SYSTEM;
		json_object_del(r, "_id");
	}
	if ((p->data = wp_req_json(p->r, json_object())) == NULL)
		return PAYPLE_SYSTEM;
	payple_set_amount(p->data, "total", total);
	payple_set_amount(p->data, "count", (int64_t)json_array_size(results));
	json_object_set(p->data, "list", results);
	return PAYPLE_OK;
}

enum payple_code payple_transfer_result_date(struct payple_req *p)
{
	struct wp_value v[1];
	enum payple_code c = payple_fields(p, date_field, 1, v, PAYPLE_FIELD);
	if (c != PAYPLE_OK)
		return c;
	if (!wp_birth_date_valid(v[0].s, false)) {
		return payple_fail(p, PAYPLE_FIELD, "bank_tran_date must be a date, yyyyMMdd");
	}
	json_t *results = NULL;
	wp_status st = wp_doc_list(p->r->app->store, NULL, PAYPLE_KIND_RESULT, p->cst_id, v[0].s,
				   PAYPLE_RESULTS_MAX, &results);
	if (st != WP_OK || wp_req_json(p->r, results) == NULL)
		return PAYPLE_SYSTEM;
	return list_answer(p, results);
}

enum payple_code payple_transfer_result_group(struct payple_req *p)
{
	struct wp_value v[1];
	enum payple_code c = payple_fields(p, execute_fields, 1, v, PAYPLE_FIELD);
	if (c != PAYPLE_OK)
		return c;
	json_t *items = NULL, *results = NULL;
	wp_status st = payple_group_items(p->r->app->store, NULL, p->cst_id, v[0].s, &items);
	if (st != WP_OK || wp_req_json(p->r, items) == NULL ||
	    (results = wp_req_json(p->r, json_array())) == NULL)
		return PAYPLE_SYSTEM;
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item)
	{
		json_t *r = json_object_get(item, "result");
		if (r != NULL)
			json_array_append(results, r);
	}
	return list_answer(p, results);
}

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_shape execute_shape[] = {
    {NULL, execute_fields, WP_COUNT(execute_fields)}};
static const struct wp_doc_prop execute_answer[] = {
    {"result", "string", "A0000; A0005 unknown or closed group, A0011 nothing pending"},
    {"message", "string", NULL},
    {"cst_id", "string", NULL},
    {"group_key", "string", NULL},
    {"billing_tran_id", "string", "the one executed, or ALL"},
    {"tot_tran_amt", "string", "the amount executed or cancelled"},
    {"remain_amt", "string", "after it (a payout the bank refused is back in it)"},
    {"execute_type", "string", "NOW or CANCEL"},
    {"api_tran_dtm", "string", NULL},
};
const struct wp_route_doc payple_doc_transfer_execute = {
    .summary = "Execute (NOW) or cancel (CANCEL) a group's pending requests",
    .description = "NOW pays each out through the sandbox bank; a refusal returns the money "
		   "and the item's result is A0009 with its bank_rsp_code (412, 415, 416, 419, "
		   "420 and 815 also end the billing_tran_id). Results: /transfer/result*, and "
		   "with webhook_url one POST per executed item there (its result; header "
		   "X-Wonpay-Signature, README: Webhooks). Outside sandbox mode webhook_url must "
		   "not reach a loopback, private or link-local address (A0003).",
    .body = WP_DOC_JSON,
    .shapes = execute_shape,
    .shape_count = 1,
    .answer_props = execute_answer,
    .answer_prop_count = WP_COUNT(execute_answer),
};
static const struct wp_doc_shape cancel_shape[] = {{NULL, cancel_fields, WP_COUNT(cancel_fields)}};
const struct wp_route_doc payple_doc_transfer_cancel = {
    .summary = "Cancel pending requests (as execute_type CANCEL)",
    .body = WP_DOC_JSON,
    .shapes = cancel_shape,
    .shape_count = 1,
    .answer_props = execute_answer,
    .answer_prop_count = WP_COUNT(execute_answer),
};
static const struct wp_doc_prop result_answer[] = {
    {"result", "string", "the transfer's own: A0000, or A0009 with bank_rsp_code; A0008 none"},
    {"message", "string", NULL},
    {"api_tran_id", "string", NULL},
    {"bank_tran_id", "string", NULL},
    {"bank_tran_date", "string", "yyyyMMdd"},
    {"bank_rsp_code", "string", NULL},
    {"account_num_masked", "string", NULL},
    {"account_holder_name", "string", NULL},
    {"tran_amt", "string", NULL},
};
static const struct wp_doc_shape result_shape[] = {{NULL, result_id_field, 1}};
const struct wp_route_doc payple_doc_transfer_result = {
    .summary = "One executed transfer's result, by api_tran_id",
    .body = WP_DOC_JSON,
    .shapes = result_shape,
    .shape_count = 1,
    .answer_props = result_answer,
    .answer_prop_count = WP_COUNT(result_answer),
};
static const struct wp_doc_prop list_props[] = {
    {"result", "string", "A0000; A0008 when there is none"},
    {"message", "string", NULL},
    {"total", "string", NULL},
    {"count", "string", NULL},
    {"list", "array", "each result, as /transfer/result answers it"},
};
static const struct wp_doc_shape date_shape[] = {{NULL, date_field, 1}};
const struct wp_route_doc payple_doc_transfer_result_date = {
    .summary = "The results a bank completed on a date (bank_tran_date)",
    .body = WP_DOC_JSON,
    .shapes = date_shape,
    .shape_count = 1,
    .answer_props = list_props,
    .answer_prop_count = WP_COUNT(list_props),
};
static const struct wp_doc_shape group_shape[] = {{NULL, execute_fields, 1}};
const struct wp_route_doc payple_doc_transfer_result_group = {
    .summary = "A group's executed results",
    .body = WP_DOC_JSON,
    .shapes = group_shape,
    .shape_count = 1,
    .answer_props = list_props,
    .answer_prop_count = WP_COUNT(list_props),
};
