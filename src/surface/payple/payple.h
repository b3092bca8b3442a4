/*
 * payple.h — Payple's payout hub (정산지급대행), wire-compatible.
 *
 * Every call is a POST with a JSON body at the root path, as on
 * demohub.payple.kr; every answer is a JSON object with "result" and
 * "message" first (T0000 for the token, A0000 for every other success).
 * After /oauth/token, a call carries "Authorization: Bearer <token>" and
 * repeats cst_id and custKey in its body: both must name the token's
 * partner. Parameters are strings on the real hub ("tran_amt":"1000"); a
 * JSON number is accepted too.
 *
 * Money: each partner has a payout account on the ledger (prefunded); a
 * transfer request reserves its amount there, an execution posts it and
 * wires it through the sandbox bank. ../shared/specs/payple-notes.md has the
 * facts; docs/decisions.md what wonpay chose where Payple publishes nothing.
 */
#ifndef WP_SURFACE_PAYPLE_H
#define WP_SURFACE_PAYPLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bank.h"
#include "surface/kit.h"

#define PAYPLE_SURFACE "payple"
/* The spec's sample partner, created in sandbox mode (README: "Payple"). */
#define PAYPLE_SANDBOX_CST_ID "test"
#define PAYPLE_SANDBOX_CUST_KEY "abcd1234567890"
#define PAYPLE_SANDBOX_FUNDS 10000000 /* won in the sample partner's payout account */
/* The sample partner's webhook signing secret (README: "Webhooks"): a test value. */
#define PAYPLE_SANDBOX_WEBHOOK_SECRET "whsec_sandbox_test"
#define PAYPLE_TOPUP_MAX 1000000000000LL /* won in one sandbox top-up */

#define PAYPLE_CST_ID_MAX 12 /* aN(8) in the spec, String 12 on the token call */
#define PAYPLE_CUST_KEY_MAX 255
#define PAYPLE_CODE_LEN 10	  /* the token call's code: letters and digits */
#define PAYPLE_TOKEN_TTL_MS 60000 /* expires_in "60" */
#define PAYPLE_TOKEN_MAX 256
#define PAYPLE_SUB_ID_MAX 64	   /* aN(64) */
#define PAYPLE_BILLING_MAX 40	   /* billing_tran_id, aNS(40) */
#define PAYPLE_KEY_MAX 64	   /* group_key, distinct_key: aN(64) */
#define PAYPLE_PRINT_CONTENT_MAX 6 /* characters on the recipient's statement */
#define PAYPLE_GROUP_MAX 1000	   /* requests in one group */
#define PAYPLE_RESULTS_MAX 1000	   /* results in one lookup */

/* Document kinds (core/docs.h), owned by the partner's cst_id. */
#define PAYPLE_KIND_ACCOUNT "payple_account" /* the payout and clearing ledger accounts */
#define PAYPLE_KIND_BILLING "payple_billing" /* a verified account: its billing_tran_id */
#define PAYPLE_KIND_GROUP "payple_group"     /* a group: status, request count */
#define PAYPLE_KIND_RESULT "payple_result"   /* an executed item's result, ref its bank date */
#define PAYPLE_KIND_ITEM "payple_item"	     /* a transfer request, by api_tran_id */

/* Every answer Payple gives; rows in codes.c. */
enum payple_code {
	PAYPLE_TOKEN_OK,     /* T0000 */
	PAYPLE_OK,	     /* A0000 */
	PAYPLE_T_PARTNER,    /* T0200: cst_id / custKey not a partner */
	PAYPLE_T_FIELD,	     /* T0201: a token call's field */
	PAYPLE_T_CODE,	     /* T0211: code is not 10 letters and digits */
	PAYPLE_AUTH,	     /* A0001: no token, a bad one or an expired one */
	PAYPLE_PARTNER,	     /* A0002: cst_id / custKey not the token's partner */
	PAYPLE_FIELD,	     /* A0003: a field is missing or malformed */
	PAYPLE_NO_BILLING,   /* A0004: no such billing_tran_id, or no longer usable */
	PAYPLE_NO_GROUP,     /* A0005: no such group_key, or not open */
	PAYPLE_DUPLICATE,    /* A0006: distinct_key already used with other fields */
	PAYPLE_NO_REMAIN,    /* A0007: remain_amt is less than tran_amt */
	PAYPLE_BANK,	     /* A0009: the bank refused (with bank_rsp_code) */
	PAYPLE_GROUP_FULL,   /* A0010: the group holds PAYPLE_GROUP_MAX requests */
	PAYPLE_NO_RESULT,    /* A0008: no result for this lookup */
	PAYPLE_NOTHING,	     /* A0011: no pending request to execute or cancel */
	PAYPLE_RATE_LIMITED, /* A0429 */
	PAYPLE_NOT_FOUND,    /* A0404: no such API */
	PAYPLE_METHOD,	     /* A0405 */
	PAYPLE_TOO_LARGE,    /* A0413 */
	PAYPLE_SYSTEM,	     /* A9999: the store cannot commit; retry */
	PAYPLE_CODE_COUNT
};

struct payple_code_row {
	const char *result;  /* "A0000" */
	const char *message; /* "처리 성공" */
	unsigned http;
};
extern const struct payple_code_row payple_codes[PAYPLE_CODE_COUNT];
enum payple_code payple_code_of_status(wp_status st);

/* A request on a Payple path, owned by payple_run. */
struct payple_req {
	struct wp_req *r;
	json_t *body;		/* the JSON object, numbers turned into strings */
	int64_t partner_id;	/* once the credentials (and token) checked out */
	const char *cst_id;	/* the body's, once checked */
	const char *group;	/* the token's group key (not for /oauth/token) */
	json_t *data;		/* the answer's fields after result and message */
	const char *message;	/* replaces the code's message (a field error) */
	enum payple_code later; /* payple_answer_later's code */
	bool answered;
};

typedef enum payple_code (*payple_handler)(struct payple_req *p);
#define PAYPLE_DEFERRED PAYPLE_CODE_COUNT /* the endpoint answers later (a write) */

/* The routes' wrapper: route.impl is the endpoint's payple_handler. */
void payple_run(struct wp_req *r);
/* Answers once: result, message, then p->data's fields. */
void payple_answer(struct payple_req *p, enum payple_code c);
/*
 * payple_answer, but on the HTTP thread just before the answer is queued:
 * what a write's finish calls, so the commit writer (the serial stage) does
 * not build and print JSON.
 */
void payple_answer_later(struct payple_req *p, enum payple_code c);
/* Errors from the server itself (404, 405, 413, framing) in Payple's envelope. */
void payple_reply_error(struct wp_req *r, wp_status st, const char *msg);
/*
 * The code's message, ": ", then the formatted detail, as p->message;
 * returns c (so an endpoint can `return payple_fail(p, PAYPLE_FIELD, ...)`).
 */
enum payple_code payple_fail(struct payple_req *p, enum payple_code c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* o[key] when it is a string, else "". */
const char *payple_str(json_t *o, const char *key);
/* The documents' uniq of a distinct_key: "<cst_id>:<key>" (cap >= PAYPLE_UNIQ_MAX). */
#define PAYPLE_UNIQ_MAX (PAYPLE_CST_ID_MAX + PAYPLE_KEY_MAX + 2)
void payple_uniq(const char *cst_id, const char *distinct_key, char *out, size_t cap);
/* Checks p->body against a table: PAYPLE_OK, or the code of the first failure (message set). */
enum payple_code payple_fields(struct payple_req *p, const struct wp_field *t, size_t n,
			       struct wp_value *out, enum payple_code fail);

/*
 * cst_id and custKey of the body: a partner's (else `refused`), and the
 * token's partner when a token was checked. Sets p->partner_id, p->cst_id.
 */
enum payple_code payple_partner(struct payple_req *p, enum payple_code fail,
				enum payple_code refused);

/* Access tokens (token.c): signed, bound to the partner, 60 s on wonpay's clock. */
wp_status payple_token_issue(const struct wp_app *app, int64_t partner_id, int64_t now_ms,
			     char *out, size_t cap);
/* The token's partner and group key (cap >= 41), or false when bad or expired. */
bool payple_token_check(const struct wp_app *app, const char *token, int64_t now_ms,
			int64_t *partner_id, char *group, size_t cap);

/* The partner's payout account (account.c). */
wp_status payple_payout_account(struct wp_store *s, struct wp_tx *tx, const char *cst_id,
				int64_t *ledger_account_id, int64_t *clearing_account_id);
wp_status payple_payout_account_open(struct wp_tx *tx, const char *cst_id, int64_t now_ms,
				     int64_t *ledger_account_id);

/*
 * Sandbox: pays amount into the partner's payout account through the sandbox
 * bank, from its company account there (the sample partner's is 004
 * 77700000001; another partner's is opened on first use and kept in its
 * payout account's document), into which the bank first takes the amount as
 * cash. *outcome is the bank's (WP_BANK_OK when paid). WP_E_NOT_FOUND when
 * cst_id is not a Payple partner.
 */
wp_status payple_topup(struct wp_app *app, struct wp_tx *tx, const char *cst_id, int64_t amount,
		       int64_t now_ms, int *outcome, struct wp_account *payout);
/* The sandbox funding account of the sample partner, and the prefunding move. */
extern const struct wp_bank_account payple_funding_account;
wp_status payple_fund(struct wp_app *app, struct wp_tx *tx, const char *id,
		      const struct wp_bank_party *from, int64_t payout_id, int64_t amount,
		      int64_t now_ms, int *outcome);

/* o[name] = won as Payple's string amount. */
void payple_set_amount(json_t *o, const char *name, int64_t won);
/* Now as Payple's api_tran_dtm: yyyyMMddHHmmssSSS, KST (in the arena). */
const char *payple_dtm(struct payple_req *p);

/* Endpoints. */
enum payple_code payple_token(struct payple_req *p);
enum payple_code payple_account_remain(struct payple_req *p);
enum payple_code payple_real_name(struct payple_req *p);
enum payple_code payple_transfer_request(struct payple_req *p);
enum payple_code payple_request_result_group(struct payple_req *p);
enum payple_code payple_transfer_execute(struct payple_req *p);
enum payple_code payple_transfer_cancel(struct payple_req *p);
enum payple_code payple_transfer_result(struct payple_req *p);
enum payple_code payple_transfer_result_date(struct payple_req *p);
enum payple_code payple_transfer_result_group(struct payple_req *p);

/* A group's items (documents) in request order, as a new array. */
wp_status payple_group_items(struct wp_store *s, struct wp_tx *tx, const char *owner,
			     const char *group, json_t **items);

/* A bank transaction id in Payple's shape: "M" + 9 digits + "U" + 9 digits (AN(20)). */
void payple_bank_tran_id(char out[21]);
/* Payple's bank_rsp_code for a bank outcome: "000", 412, 415, 416, 419, 420, 815 or 499. */
const char *payple_bank_rsp_code(int outcome);

/* The sandbox control API's Payple routes (sandbox.c): admin token, wonpay's envelope. */
void payple_sandbox_webhooks(struct wp_ctl *c); /* GET /sandbox/payple/webhooks */
void payple_sandbox_redeliver(struct wp_ctl *c);
void payple_sandbox_topup(struct wp_ctl *c);
extern const struct wp_route_doc payple_doc_sandbox_webhooks, payple_doc_sandbox_redeliver,
    payple_doc_sandbox_topup;

/* OpenAPI rows: the body fields every call has, and each route's. */
#define PAYPLE_PARTNER_FIELDS 2
extern const struct wp_field payple_partner_fields[PAYPLE_PARTNER_FIELDS]; /* cst_id, custKey */
extern const struct wp_route_doc payple_doc_token, payple_doc_account_remain, payple_doc_real_name,
    payple_doc_transfer_request, payple_doc_request_result_group, payple_doc_transfer_execute,
    payple_doc_transfer_cancel, payple_doc_transfer_result, payple_doc_transfer_result_date,
    payple_doc_transfer_result_group;

#endif
