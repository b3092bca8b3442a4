/*
 * sandbox.c — Payple's routes on the sandbox control API (served with
 * --sandbox only; admin token, wonpay's envelope {"error":{"code","message"}}):
 *
 *   GET  /sandbox/payple/webhooks                  deliveries and their attempts, newest first
 *   POST /sandbox/payple/webhooks/{id}/redeliver   the same delivery again (a new round)
 *   POST /sandbox/payple/topup {cst_id, amount}    money into a partner's payout account
 *
 * A top-up moves real ledger money the way the sample partner's prefunding
 * does: into the partner's company account at the sandbox bank (cash at the
 * counter, from the bank's reserve), then through the bank into the payout
 * account, so `wonpay ledger verify` sees every won of it.
 */
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "core/bank_sandbox.h"
#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "core/webhook.h"
#include "surface/payple/payple.h"
#include "util/text.h"

/* ---- GET /sandbox/payple/webhooks ---- */

enum { Q_LIMIT, Q_CST_ID };

static const struct wp_field list_query[] = {
    [Q_LIMIT] = {"limit", WP_FIELD_INT, 0, 1, WP_WEBHOOK_LIST_MAX,
		 .expect = "must be a number from 1 to 200 (default 50)"},
    [Q_CST_ID] = {"cst_id", WP_FIELD_ALNUM, WP_FIELD_BYTES, 1, PAYPLE_CST_ID_MAX},
};

static void add_attempt(void *ctx, const struct wp_webhook_attempt *a)
{
	json_t *list = ctx;
	json_t *o = json_pack("{s:i, s:I, s:I, s:i}", "n", (int)a->n, "at_ms", (json_int_t)a->at_ms,
			      "duration_ms", (json_int_t)a->duration_ms, "http_status",
			      (int)a->http_status);
	if (o == NULL)
		return;
	if (a->error[0] != '\0')
		json_object_set_new(o, "error", json_string(a->error));
	json_array_append_new(list, o);
}

/* A delivery as the listing shows it: never its body (personal data), only its digest. */
static json_t *delivery_json(struct wp_app *app, const struct wp_webhook *w, json_t *attempts)
{
	json_t *o = json_object();
	if (o == NULL) {
		json_decref(attempts);
		return NULL;
	}
	json_object_set_new(o, "id", json_string(w->id));
	json_object_set_new(o, "api_tran_id", json_string(w->event_id));
	json_object_set_new(o, "cst_id", json_string(w->owner));
	json_object_set_new(o, "url", json_string(w->url));
	json_object_set_new(o, "state", json_string(wp_webhook_state_name(w->state)));
	json_object_set_new(o, "attempt_count", json_integer(w->attempts));
	json_object_set_new(o, "round_attempts", json_integer(w->tries));
	if (w->state == WP_WEBHOOK_PENDING)
		json_object_set_new(o, "next_attempt_ms", json_integer(w->next_ms));
	if (w->last_status != 0)
		json_object_set_new(o, "last_status", json_integer(w->last_status));
	if (w->last_error[0] != '\0')
		json_object_set_new(o, "last_error", json_string(w->last_error));
	json_object_set_new(o, "created_ms", json_integer(w->created_ms));
	json_object_set_new(o, "updated_ms", json_integer(w->updated_ms));
	size_t n = 0;
	char *body = w->body ? wp_webhook_body_open(app->data_key, w->body, &n) : NULL;
	if (body != NULL) {
		uint8_t digest[WP_SHA256_BYTES];
		char hex[2 * WP_SHA256_BYTES + 1];
		wp_sha256(body, n, digest);
		wp_hex(digest, sizeof(digest), hex);
		json_object_set_new(o, "body_sha256", json_string(hex));
		json_object_set_new(o, "body_bytes", json_integer((json_int_t)n));
		OPENSSL_cleanse(body, n);
		free(body);
	}
	json_object_set_new(o, "attempts", attempts ? attempts : json_array());
	return o;
}

struct listing {
	struct wp_app *app;
	json_t *list;
	bool failed;
};

static void add_delivery(void *ctx, const struct wp_webhook *w)
{
	struct listing *l = ctx;
	struct wp_store *s = l->app->store;
	json_t *attempts = json_array();
	if (attempts == NULL || s->ops->webhook_attempts(s, w->id, WP_WEBHOOK_ATTEMPTS_LISTED_MAX,
							 add_attempt, attempts) != WP_OK)
		l->failed = true;
	json_t *o = delivery_json(l->app, w, attempts);
	if (o == NULL || json_array_append_new(l->list, o) != 0)
		l->failed = true;
}

void payple_sandbox_webhooks(struct wp_ctl *c)
{
	struct wp_value v[WP_COUNT(list_query)];
	for (size_t i = 0; i < WP_COUNT(list_query); i++) {
		struct wp_field_error e;
		if (!wp_field_value(&c->r->arena, &list_query[i],
				    wp_req_query(c->r, list_query[i].name), &v[i], &e)) {
			wp_ctl_fail_status(c, WP_E_INVALID, e.message);
			return;
		}
	}
	struct wp_app *app = c->r->app;
	struct listing l = {app, json_array(), false};
	if (l.list == NULL) {
		wp_ctl_fail_status(c, WP_E_NOMEM, "out of memory");
		return;
	}
	size_t limit = v[Q_LIMIT].present ? (size_t)v[Q_LIMIT].i : WP_WEBHOOK_LIST_DEFAULT;
	wp_status st = app->store->ops->webhook_list(app->store, PAYPLE_SURFACE,
						     v[Q_CST_ID].present ? v[Q_CST_ID].s : NULL,
						     limit, add_delivery, &l);
	if (st != WP_OK || l.failed) {
		json_decref(l.list);
		wp_ctl_fail_status(c, WP_E_STORAGE, "the deliveries cannot be read now; retry");
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "webhooks", l.list);
	wp_ctl_ok(c, 200, o);
}

/* ---- POST /sandbox/payple/webhooks/{id}/redeliver ---- */

static const struct wp_field id_param[] = {
    {"id", WP_FIELD_TEXT, WP_FIELD_REQUIRED | WP_FIELD_BYTES, 1, WP_WEBHOOK_ID_LEN,
     .expect = "must be a delivery id (whd_...), as GET /sandbox/payple/webhooks lists it"},
};

struct redeliver_cmd {
	struct wp_ctl_write cw;
	const char *id;
	int64_t now_ms;
	json_t *answer;
};

static wp_status apply_redeliver(struct wp_tx *tx, struct wp_cmd *c)
{
	struct redeliver_cmd *cmd = (struct redeliver_cmd *)c;
	wp_status st = wp_webhook_redeliver(tx, PAYPLE_SURFACE, cmd->id, cmd->now_ms);
	if (st != WP_OK)
		return st;
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	struct wp_webhook w;
	st = tx->ops->webhook_get(NULL, tx, cmd->id, &a, &w);
	if (st == WP_OK) {
		json_decref(cmd->answer);
		cmd->answer = delivery_json(cmd->cw.c->r->app, &w, NULL);
		json_object_del(cmd->answer, "attempts"); /* this answer says what is queued */
	}
	wp_arena_free(&a);
	return st;
}

static void redelivered(struct wp_app *app, struct wp_write *w)
{
	(void)w;
	wp_webhooks_kick(app->webhooks);
}

static void finish_redeliver(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct redeliver_cmd *cmd = (struct redeliver_cmd *)w;
	struct wp_ctl *c = cmd->cw.c;
	json_t *answer = cmd->answer;
	cmd->answer = NULL;
	if (w->cmd.status == WP_E_NOT_FOUND) {
		wp_ctl_fail_status(c, WP_E_NOT_FOUND, "no Payple webhook delivery has this id");
		json_decref(answer);
	} else if (w->cmd.status != WP_OK || answer == NULL) {
		wp_ctl_fail_status(c, w->cmd.status != WP_OK ? w->cmd.status : WP_E_NOMEM,
				   "the redelivery could not be committed; retry");
		json_decref(answer);
	} else {
		wp_ctl_ok(c, 200, answer);
	}
	wp_ctl_answer(c);
}

void payple_sandbox_redeliver(struct wp_ctl *c)
{
	struct wp_value v;
	struct wp_field_error e;
	if (!wp_field_value(&c->r->arena, &id_param[0], wp_req_param(c->r, 0), &v, &e)) {
		wp_ctl_fail_status(c, WP_E_INVALID, e.message);
		return;
	}
	struct redeliver_cmd *cmd =
	    wp_ctl_write_new(c, sizeof(*cmd), apply_redeliver, finish_redeliver);
	if (cmd == NULL)
		return;
	cmd->id = v.s;
	cmd->now_ms = wp_clock_now_ms(&c->r->app->clock);
	cmd->cw.w.after_commit = redelivered;
	wp_write_submit(&cmd->cw.w);
}

/* ---- POST /sandbox/payple/topup ---- */

/* A partner's company account at the sandbox bank: fixed for the sample, opened for others. */
static wp_status funding_of(struct wp_tx *tx, const char *cst_id, int64_t now_ms, char *number,
			    size_t cap)
{
	if (strcmp(cst_id, PAYPLE_SANDBOX_CST_ID) == 0) {
		snprintf(number, cap, "%s", payple_funding_account.account_number);
		return WP_OK;
	}
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	json_t *body = NULL;
	struct wp_doc meta;
	wp_status st = wp_doc_load(NULL, tx, PAYPLE_KIND_ACCOUNT, cst_id, cst_id, &a, &body, &meta);
	const char *kept = json_string_value(json_object_get(body, "funding_account_number"));
	if (st == WP_OK && kept != NULL) {
		snprintf(number, cap, "%s", kept);
	} else if (st == WP_OK) {
		/* "779" + 8 digits at 004, a business account in the partner's name. */
		struct wp_bank_account acct = payple_funding_account;
		int outcome = WP_BANK_OK;
		for (int tries = 0; tries < 8; tries++) {
			memcpy(acct.account_number, "779", 3);
			st = wp_random_from("0123456789", acct.account_number + 3, 8);
			snprintf(acct.holder_name, sizeof(acct.holder_name), "페이플 파트너 %s",
				 cst_id);
			if (st == WP_OK)
				st = wp_bank_sandbox_open(tx, &acct, 0, now_ms, &outcome);
			if (st != WP_E_CONFLICT)
				break;
		}
		if (st == WP_OK && outcome != WP_BANK_OK)
			st = WP_E_INTERNAL;
		if (st == WP_OK) {
			json_object_set_new(body, "funding_account_number",
					    json_string(acct.account_number));
			meta.updated_ms = now_ms;
			st = wp_doc_save(tx, &meta, body, false);
		}
		if (st == WP_OK)
			snprintf(number, cap, "%s", acct.account_number);
	}
	json_decref(body);
	wp_arena_free(&a);
	return st;
}

wp_status payple_topup(struct wp_app *app, struct wp_tx *tx, const char *cst_id, int64_t amount,
		       int64_t now_ms, int *outcome, struct wp_account *payout)
{
	*outcome = WP_BANK_OK;
	int64_t payout_id = 0;
	wp_status st = payple_payout_account(NULL, tx, cst_id, &payout_id, NULL);
	if (st == WP_E_NOT_FOUND && wp_auth_login_exists(app->store, tx, PAYPLE_SURFACE, cst_id))
		st = payple_payout_account_open(tx, cst_id, now_ms, &payout_id); /* after a reset */
	char number[32];
	if (st == WP_OK)
		st = funding_of(tx, cst_id, now_ms, number, sizeof(number));
	/* One id for both legs: a random one, so two top-ups of one amount are two. */
	char rnd[17], id[WP_TRANSFER_ID_MAX + 1];
	if (st == WP_OK)
		st = wp_random_alnum(rnd, 16);
	if (st == WP_OK) {
		snprintf(id, sizeof(id), "payple:cash:%s", rnd);
		st = wp_bank_sandbox_deposit(tx, payple_funding_account.bank_code, number, id,
					     amount, now_ms, outcome);
	}
	if (st == WP_OK && *outcome == WP_BANK_OK) {
		struct wp_bank_party from = {payple_funding_account.bank_code, number, 0};
		snprintf(id, sizeof(id), "payple:topup:%s", rnd);
		st = payple_fund(app, tx, id, &from, payout_id, amount, now_ms, outcome);
	}
	if (st == WP_OK && *outcome != WP_BANK_OK)
		return WP_E_UNAVAILABLE; /* undone: the cash does not stay at the bank either */
	return st == WP_OK ? tx->ops->account_get(tx, payout_id, payout) : st;
}

enum { T_CST_ID, T_AMOUNT };

static const struct wp_field topup_fields[] = {
    [T_CST_ID] = {"cst_id", WP_FIELD_ALNUM, WP_FIELD_REQUIRED | WP_FIELD_BYTES, 1,
		  PAYPLE_CST_ID_MAX},
    [T_AMOUNT] = {"amount", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, PAYPLE_TOPUP_MAX},
};

struct topup_cmd {
	struct wp_ctl_write cw;
	const char *cst_id;
	int64_t amount, now_ms;
	int outcome;
	struct wp_account payout;
};

static wp_status apply_topup(struct wp_tx *tx, struct wp_cmd *c)
{
	struct topup_cmd *cmd = (struct topup_cmd *)c;
	return payple_topup(cmd->cw.c->r->app, tx, cmd->cst_id, cmd->amount, cmd->now_ms,
			    &cmd->outcome, &cmd->payout);
}

static void finish_topup(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct topup_cmd *cmd = (struct topup_cmd *)w;
	struct wp_ctl *c = cmd->cw.c;
	wp_status st = w->cmd.status;
	if (st == WP_E_NOT_FOUND) {
		wp_ctl_fail_status(c, st, "cst_id is not a Payple partner");
	} else if (st != WP_OK && cmd->outcome != WP_BANK_OK) {
		/* The sandbox bank's own answer: maintenance, a fault, an overflowing reserve. */
		unsigned http = cmd->outcome == WP_BANK_LEDGER_REJECTED ? 422 : 503;
		wp_ctl_fail(c, http, wp_bank_outcome_name(cmd->outcome),
			    "the sandbox bank did not pay it in (%s)",
			    wp_bank_outcome_name(cmd->outcome));
	} else if (st != WP_OK) {
		wp_ctl_fail_status(c, st, "the top-up could not be committed; retry");
	} else {
		json_t *o = json_object();
		json_object_set_new(o, "cst_id", json_string(cmd->cst_id));
		json_object_set_new(o, "amount", json_integer(cmd->amount));
		json_object_set_new(o, "total_account_amt",
				    json_integer(cmd->payout.credits_posted));
		json_object_set_new(o, "remain_amt",
				    json_integer(wp_account_available(&cmd->payout)));
		wp_ctl_ok(c, 200, o);
	}
	wp_ctl_answer(c);
}

void payple_sandbox_topup(struct wp_ctl *c)
{
	struct wp_value v[WP_COUNT(topup_fields)];
	if (!wp_ctl_fields(c, c->body, topup_fields, WP_COUNT(topup_fields), v))
		return;
	struct topup_cmd *cmd = wp_ctl_write_new(c, sizeof(*cmd), apply_topup, finish_topup);
	if (cmd == NULL)
		return;
	cmd->cst_id = v[T_CST_ID].s;
	cmd->amount = v[T_AMOUNT].i;
	cmd->now_ms = wp_clock_now_ms(&c->r->app->clock);
	wp_write_submit(&cmd->cw.w);
}

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_prop list_answer[] = {
    {"webhooks", "array",
     "newest first: id (the X-Wonpay-Delivery header), api_tran_id, cst_id, url, state "
     "(pending, delivered, failed), attempt_count, round_attempts, next_attempt_ms, "
     "last_status, last_error, created_ms, updated_ms, body_sha256 and body_bytes (the body "
     "itself is not shown), attempts (the last 100: n, at_ms, duration_ms, http_status, "
     "error)"},
};
const struct wp_route_doc payple_doc_sandbox_webhooks = {
    .summary = "Payple webhook deliveries and their attempts, newest first",
    .query = list_query,
    .query_count = WP_COUNT(list_query),
    .answer_props = list_answer,
    .answer_prop_count = WP_COUNT(list_answer),
};
static const struct wp_doc_prop redeliver_answer[] = {
    {"id", "string", NULL},
    {"api_tran_id", "string", NULL},
    {"state", "string", "pending: due now"},
    {"attempt_count", "integer", "attempts so far (they go on counting)"},
    {"body_sha256", "string", "the same body as before"},
};
const struct wp_route_doc payple_doc_sandbox_redeliver = {
    .summary = "Deliver a Payple webhook again: same id, same body, a new round of attempts",
    .params = id_param,
    .param_count = 1,
    .answer_props = redeliver_answer,
    .answer_prop_count = WP_COUNT(redeliver_answer),
};
static const struct wp_doc_shape topup_shape[] = {{NULL, topup_fields, WP_COUNT(topup_fields)}};
static const struct wp_doc_prop topup_answer[] = {
    {"cst_id", "string", NULL},
    {"amount", "integer", "won paid in"},
    {"total_account_amt", "integer", "won paid into the payout account in all"},
    {"remain_amt", "integer", "what transfer requests can reserve now"},
};
const struct wp_route_doc payple_doc_sandbox_topup = {
    .summary = "Pay money into a Payple partner's payout account (through the sandbox bank)",
    .description = "From the partner's company account at bank 004 (the sample partner's "
		   "77700000001; another partner gets one on its first top-up), which takes "
		   "the amount as cash first. 503 with the bank's outcome when the bank cannot "
		   "take it now (nightly maintenance 23:30-00:30 KST, a fault).",
    .body = WP_DOC_JSON,
    .shapes = topup_shape,
    .shape_count = 1,
    .answer_props = topup_answer,
    .answer_prop_count = WP_COUNT(topup_answer),
};
