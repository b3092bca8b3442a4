/*
 * module.c — Payple's routes, module descriptor, the spec's sample partner
 * and what `wonpay partner add` issues (a cst_id and a custKey).
 */
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "core/bank_sandbox.h"
#include "core/crypto.h"
#include "core/ledger.h"
#include "core/webhook.h"
#include "surface/payple/payple.h"

#define PAYPLE_ROUTE(path, fn, doc)                                                                \
	{                                                                                          \
		"POST", path, payple_run, (wp_impl)fn, &doc                                        \
	}

static const struct wp_route payple_routes[] = {
    PAYPLE_ROUTE("/oauth/token", payple_token, payple_doc_token),
    PAYPLE_ROUTE("/inquiry/real_name", payple_real_name, payple_doc_real_name),
    PAYPLE_ROUTE("/transfer/request", payple_transfer_request, payple_doc_transfer_request),
    PAYPLE_ROUTE("/request/result/group_key", payple_request_result_group,
		 payple_doc_request_result_group),
    PAYPLE_ROUTE("/transfer/execute", payple_transfer_execute, payple_doc_transfer_execute),
    PAYPLE_ROUTE("/transfer/cancel", payple_transfer_cancel, payple_doc_transfer_cancel),
    PAYPLE_ROUTE("/transfer/result", payple_transfer_result, payple_doc_transfer_result),
    PAYPLE_ROUTE("/transfer/result/date", payple_transfer_result_date,
		 payple_doc_transfer_result_date),
    PAYPLE_ROUTE("/transfer/result/group_key", payple_transfer_result_group,
		 payple_doc_transfer_result_group),
    PAYPLE_ROUTE("/account/remain", payple_account_remain, payple_doc_account_remain),
};

static const char *const payple_paths[] = {"/oauth/*", "/inquiry/*", "/transfer/*", "/request/*",
					   "/account/*"};

/* Sandbox only (the control API: admin token, wonpay's envelope). */
static const struct wp_route payple_sandbox_routes[] = {
    {"GET", "/sandbox/payple/webhooks", wp_ctl_run, (wp_impl)payple_sandbox_webhooks,
     &payple_doc_sandbox_webhooks},
    {"POST", "/sandbox/payple/webhooks/{id}/redeliver", wp_ctl_run,
     (wp_impl)payple_sandbox_redeliver, &payple_doc_sandbox_redeliver},
    {"POST", "/sandbox/payple/topup", wp_ctl_run, (wp_impl)payple_sandbox_topup,
     &payple_doc_sandbox_topup},
};

static const struct wp_surface payple_sandbox_surface = {
    .name = "sandbox",
    .routes = payple_sandbox_routes,
    .route_count = WP_COUNT(payple_sandbox_routes),
    .reply_error = wp_own_reply_error,
};

static const struct wp_surface payple_surface = {
    .name = PAYPLE_SURFACE,
    .routes = payple_routes,
    .route_count = WP_COUNT(payple_routes),
    .paths = payple_paths,
    .path_count = WP_COUNT(payple_paths),
    .cors_headers = "Authorization, Cache-Control",
    .cors_expose = "Retry-After",
    .reply_error = payple_reply_error,
};

/* ---- the spec's sample partner (sandbox) ---- */

/* Its company account at a sandbox bank, which prefunds its payout account. */
const struct wp_bank_account payple_funding_account = {
    .bank_code = "004",
    .account_number = "77700000001",
    .holder_name = "(주)페이플테스트",
    .business_no = "2208112345",
    .kind = "business",
    .status = "active",
};

/* Prefunds a payout account from a sandbox bank account, through the bank (idempotent by id). */
wp_status payple_fund(struct wp_app *app, struct wp_tx *tx, const char *id,
		      const struct wp_bank_party *from, int64_t payout_id, int64_t amount,
		      int64_t now_ms, int *outcome)
{
	struct wp_bank_party to = {NULL, NULL, payout_id};
	struct wp_transfer t;
	bool replayed;
	*outcome = WP_BANK_OK;
	return app->bank->ops->move(app->bank, tx, id, from, &to, amount,
				    WP_TRANSFER_CODE_PAYOUT_FUNDING, now_ms, outcome, &t,
				    &replayed);
}

/* The sample partner, and its funded payout account (again after a sandbox reset). */
static wp_status payple_seed(struct wp_app *app, void *state, const struct wp_seed *s)
{
	(void)state;
	wp_status st = WP_OK;
	if (!wp_auth_login_exists(app->store, s->tx, PAYPLE_SURFACE, PAYPLE_SANDBOX_CST_ID))
		st = s->partner_id == 0 ? WP_E_NOT_FOUND
					: wp_auth_add(s->tx, app->data_key, s->partner_id,
						      PAYPLE_SURFACE, PAYPLE_SANDBOX_CST_ID,
						      PAYPLE_SANDBOX_CUST_KEY, NULL, s->now_ms);
	/* Its webhook signing secret: documented, so a receiver under test can check it. */
	if (st == WP_OK &&
	    !wp_webhook_secret_exists(app->store, s->tx, PAYPLE_SURFACE, PAYPLE_SANDBOX_CST_ID))
		st = wp_webhook_secret_set(s->tx, app->data_key, PAYPLE_SURFACE,
					   PAYPLE_SANDBOX_CST_ID, PAYPLE_SANDBOX_WEBHOOK_SECRET,
					   s->now_ms);
	int64_t payout_id = 0;
	if (st == WP_OK)
		st = payple_payout_account(NULL, s->tx, PAYPLE_SANDBOX_CST_ID, &payout_id, NULL);
	if (st != WP_E_NOT_FOUND)
		return st;
	int outcome = WP_BANK_OK;
	st = payple_payout_account_open(s->tx, PAYPLE_SANDBOX_CST_ID, s->now_ms, &payout_id);
	if (st == WP_OK)
		st = wp_bank_sandbox_open(s->tx, &payple_funding_account, PAYPLE_SANDBOX_FUNDS,
					  s->now_ms, &outcome);
	if (st == WP_E_CONFLICT) /* an earlier start opened it */
		st = WP_OK;
	struct wp_bank_party from = {payple_funding_account.bank_code,
				     payple_funding_account.account_number, 0};
	if (st == WP_OK)
		st = payple_fund(app, s->tx, "payple:fund:" PAYPLE_SANDBOX_CST_ID, &from, payout_id,
				 PAYPLE_SANDBOX_FUNDS, s->now_ms, &outcome);
	return st != WP_OK ? st : outcome == WP_BANK_OK ? WP_OK : WP_E_INTERNAL;
}

static void payple_describe(const struct wp_app *app, FILE *out)
{
	fprintf(out,
		"  Payple      POST %s/oauth/token, /inquiry/real_name, /transfer/request, "
		"/transfer/execute, ... (README: Payple)\n",
		app->cfg->public_url);
	if (app->cfg->sandbox)
		fprintf(
		    out,
		    "  sandbox Payple partner: cst_id=%s custKey=%s (webhooks signed with %s)\n",
		    PAYPLE_SANDBOX_CST_ID, PAYPLE_SANDBOX_CUST_KEY, PAYPLE_SANDBOX_WEBHOOK_SECRET);
}

/*
 * ---- `partner add`: a cst_id, a custKey and a webhook secret, shown once; an
 * empty payout account ----
 */

struct payple_issue {
	char cst_id[PAYPLE_CST_ID_MAX + 1];
	char cust_key[33];
	char webhook_secret[WP_WEBHOOK_SECRET_LEN + 1];
	const uint8_t *data_key; /* filled by the caller before add() */
};

static wp_status payple_prepare(const uint8_t *data_key, const char *value, void **issue, char *err,
				size_t cap)
{
	(void)value;
	(void)err;
	(void)cap;
	struct payple_issue *i = calloc(1, sizeof(*i));
	if (i == NULL)
		return WP_E_NOMEM;
	/* "p" + 11 letters and digits: never the sample's "test". */
	i->cst_id[0] = 'p';
	wp_status st = wp_random_from("abcdefghijklmnopqrstuvwxyz0123456789", i->cst_id + 1,
				      PAYPLE_CST_ID_MAX - 1);
	if (st == WP_OK)
		st = wp_random_alnum(i->cust_key, sizeof(i->cust_key) - 1);
	if (st == WP_OK)
		st = wp_webhook_secret_new(i->webhook_secret);
	if (st != WP_OK) {
		free(i);
		return st;
	}
	i->data_key = data_key;
	*issue = i;
	return WP_OK;
}

static void payple_issue_free(void *issue)
{
	if (issue != NULL)
		OPENSSL_cleanse(issue, sizeof(struct payple_issue));
	free(issue);
}

static wp_status payple_add(struct wp_tx *tx, void *issue, int64_t partner_id, int64_t now_ms)
{
	struct payple_issue *i = issue;
	int64_t payout_id;
	wp_status st =
	    wp_auth_add(tx, NULL, partner_id, PAYPLE_SURFACE, i->cst_id, i->cust_key, NULL, now_ms);
	if (st == WP_OK)
		st = wp_webhook_secret_set(tx, i->data_key, PAYPLE_SURFACE, i->cst_id,
					   i->webhook_secret, now_ms);
	return st == WP_OK ? payple_payout_account_open(tx, i->cst_id, now_ms, &payout_id) : st;
}

static void payple_print(void *issue, FILE *out)
{
	struct payple_issue *i = issue;
	fprintf(out, "Payple cst_id: %s\nPayple custKey: %s\nPayple webhook secret: %s\n",
		i->cst_id, i->cust_key, i->webhook_secret);
}

static const struct wp_issuer payple_issuer = {
    .always = true,
    .seals = true, /* the webhook secret */
    .prepare = payple_prepare,
    .add = payple_add,
    .print = payple_print,
    .free = payple_issue_free,
};

static const struct wp_public_credential payple_sandbox_credentials[] = {
    {PAYPLE_SURFACE, PAYPLE_SANDBOX_CST_ID, PAYPLE_SANDBOX_CUST_KEY},
    {NULL, NULL, NULL},
};

/* ---- the OpenAPI document ---- */

static json_t *payple_error_schema(void)
{
	json_t *codes = json_array();
	for (size_t i = 0; i < PAYPLE_CODE_COUNT; i++)
		json_array_append_new(codes, json_string(payple_codes[i].result));
	return json_pack("{s:s, s:{s:{s:s, s:o}, s:{s:s}}, s:[s, s]}", "type", "object",
			 "properties", "result", "type", "string", "enum", codes, "message", "type",
			 "string", "required", "result", "message");
}

static size_t payple_doc_codes(struct wp_doc_code *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < PAYPLE_CODE_COUNT && n < cap; i++)
		out[n++] = (struct wp_doc_code){payple_codes[i].result, (int)payple_codes[i].http,
						payple_codes[i].message};
	return n;
}

static const struct wp_api_doc payple_api = {
    .title = "Payple payout hub (정산지급대행)",
    .description = "wonpay's Payple surface: POST JSON at the root paths, as on "
		   "demohub.payple.kr. Every call after /oauth/token carries Authorization: "
		   "Bearer <access_token> and repeats cst_id and custKey. Failures answer HTTP "
		   "200 with their result code, as Payple's do; only A0000/T0000 is a success.",
    .body_fields = payple_partner_fields,
    .body_field_count = PAYPLE_PARTNER_FIELDS,
    .bearer = true,
    .error_schema = payple_error_schema,
    .codes = payple_doc_codes,
};

/* A sandbox reset empties the ledger: what refers to it goes too (billing keys stay). */
static const char *const payple_reset_kinds[] = {PAYPLE_KIND_ACCOUNT, PAYPLE_KIND_GROUP,
						 PAYPLE_KIND_ITEM, PAYPLE_KIND_RESULT, NULL};

const struct wp_module wp_module_payple = {
    .name = PAYPLE_SURFACE,
    .surface = &payple_surface,
    .sandbox_surface = &payple_sandbox_surface,
    .seed = payple_seed,
    .describe = payple_describe,
    .issuer = &payple_issuer,
    .sandbox_credentials = payple_sandbox_credentials,
    .api = &payple_api,
    .reset_kinds = payple_reset_kinds,
};
