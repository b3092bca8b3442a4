/*
 * oneq.h — OneQ Pay (원큐페이): merchant affiliation, payment ready, the
 * shopper's pages (PC with a QR code, mobile with a PIN pad), approve,
 * cancel and order lookup. Spec: specs/oneq-pay-api.txt; what it leaves
 * open follows KakaoPay's single payment (specs/oneq-notes.md).
 *
 * Wire: form-urlencoded in, JSON out. Success answers carry exactly the
 * document's fields; failures KakaoPay's shape: HTTP 400 (or 503),
 * {"error_code": -NNN, "error_message": ..., "extras": {"method_result_code",
 * "method_result_message"}}.
 *
 * Documents (owner: the cid):
 *   "oneq_merchant" id cid, uniq "bn:<business number>": the merchant.
 *   "oneq_payment"  id tid, uniq "<cid>:<order_id>": a payment, its state,
 *                   its money (the hold) and its history of actions.
 *   "oneq_shopper"  id the registered account number (owner "oneq"): a
 *                   shopper's PIN digest, 하나머니 wallet and bank account.
 */
#ifndef WP_SURFACE_ONEQ_H
#define WP_SURFACE_ONEQ_H

#include <jansson.h>

#include "core/crypto.h"
#include "http/form.h"
#include "surface/kit.h"

#define ONEQ_SURFACE "oneq"
#define ONEQ_KIND_MERCHANT "oneq_merchant"
#define ONEQ_KIND_PAYMENT "oneq_payment"
#define ONEQ_KIND_SHOPPER "oneq_shopper"
#define ONEQ_SHOPPER_OWNER "oneq"

#define ONEQ_CID_LEN 10
#define ONEQ_TID_LEN 18	     /* digits: an Integer as the document types it, as a string */
#define ONEQ_PAGE_KEY_LEN 24 /* the pages' unguessable part */
#define ONEQ_PG_TOKEN_LEN 20
#define ONEQ_PIN_TRIES 5
#define ONEQ_PIN_LOCK_MS (30 * 60 * 1000) /* a shopper locked after 5 wrong PINs in a row */
#define ONEQ_RETRY_MS 60000		  /* a failed pay-back to the bank, tried again after */
#define ONEQ_CANCELS_MAX 100 /* partial cancels of one payment (its history stays bounded) */

/* The sandbox: the document's merchant and one shopper (README: OneQ Pay). */
#define ONEQ_SANDBOX_CID "TC0ONETIME"
#define ONEQ_SANDBOX_CID_ALT "TC00NETIME" /* the specs/ text's spelling */
#define ONEQ_SANDBOX_BUSINESS_NO "2208139938"
#define ONEQ_SANDBOX_CATEGORY 552101
#define ONEQ_SANDBOX_ACCOUNT "123456789012" /* 하나은행 081 */
#define ONEQ_SANDBOX_BANK "081"
#define ONEQ_SANDBOX_PIN "123456"
#define ONEQ_SANDBOX_HOLDER "김원큐"
#define ONEQ_SANDBOX_BANK_BALANCE 10000000
#define ONEQ_SANDBOX_MONEY 1000000

enum oneq_code {
	ONEQ_OK,
	ONEQ_INVALID,	     /* -401 a field missing or not what the document says */
	ONEQ_NO_MERCHANT,    /* -402 unknown cid */
	ONEQ_UNAUTHORIZED,   /* -403 outside sandbox: the merchant's secret */
	ONEQ_NO_PAYMENT,     /* -404 no such payment */
	ONEQ_DUPLICATE,	     /* -405 order_id used with other fields */
	ONEQ_MISMATCH,	     /* -406 approve's amount, item_name or member_id differ */
	ONEQ_NOT_CONFIRMED,  /* -780 the shopper has not confirmed with the PIN */
	ONEQ_CLOSED,	     /* -781 cancelled, failed or quit */
	ONEQ_EXPIRED,	     /* -782 not approved in time */
	ONEQ_BAD_PG_TOKEN,   /* -783 pg_token is not the payment's */
	ONEQ_NOT_APPROVED,   /* -790 cancel before approve */
	ONEQ_CANCEL_EXCEEDS, /* -791 more than cancel_available_amount */
	ONEQ_PIN_WRONG,	     /* -801 the PIN is wrong (tries left) */
	ONEQ_PIN_LOCKED,     /* -802 five wrong PINs */
	ONEQ_NO_FUNDS,	     /* -803 not enough 하나머니 or money in the account */
	ONEQ_BANK,	     /* -804 the bank refused or failed */
	ONEQ_STATE,	     /* -805 the page's step is not allowed in this state */
	ONEQ_NOT_FOUND,	     /* -404 route, HTTP 404 */
	ONEQ_METHOD,	     /* -405 route method, HTTP 405 */
	ONEQ_TOO_LARGE,	     /* -413 body, HTTP 413 */
	ONEQ_RATE_LIMITED,   /* -429 outside sandbox: too many requests, HTTP 429 */
	ONEQ_SYSTEM,	     /* -999 storage: try again (HTTP 503) */
	ONEQ_CODE_COUNT
};

struct oneq_code_row {
	int error_code;
	unsigned http;
	const char *method_result_code;
	const char *message; /* error_message: what KakaoPay's short text says */
};
extern const struct oneq_code_row oneq_codes[ONEQ_CODE_COUNT];

/* A request on a OneQ API path, owned by oneq_run. */
struct oneq_req {
	struct wp_req *r;
	struct wp_form form;
	json_t *json;			    /* a page call's JSON body (then the form is empty) */
	json_t *data;			    /* the success answer */
	char message[WP_MESSAGE_MAX_BYTES]; /* method_result_message on failure */
	enum oneq_code later;		    /* oneq_answer_later's code */
	int64_t partner_id; /* outside sandbox: the merchant secret's partner (0 in sandbox) */
	bool answered;
};

/*
 * A OneQ write (embedded first in each command): the writer decides the
 * answer — code, and why on failure, or the answer's fields — and
 * oneq_write_finish answers it on the HTTP thread.
 */
struct oneq_write {
	struct wp_write w;
	struct oneq_req *q;
	enum oneq_code code;
	json_t *answer;
	char why[WP_MESSAGE_MAX_BYTES];
};
void oneq_write_finish(struct wp_req *r, struct wp_write *w);
/* Sets ow's code and why; returns c. */
enum oneq_code oneq_write_fail(struct oneq_write *ow, enum oneq_code c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The cid is a merchant q may act for; else ow says why not (-402). */
wp_status oneq_known_merchant(struct wp_tx *tx, struct oneq_write *ow, const char *cid,
			      bool *known);

typedef enum oneq_code (*oneq_handler)(struct oneq_req *q);
#define ONEQ_DEFERRED ONEQ_CODE_COUNT

/* The routes' wrapper for the form APIs: route.impl is the endpoint's oneq_handler. */
void oneq_run(struct wp_req *r);
/* The page endpoints' wrapper (JSON body from the page's script): the same envelope. */
void oneq_run_json(struct wp_req *r);
void oneq_answer(struct oneq_req *q, enum oneq_code c);
/* oneq_answer on the HTTP thread, just before the answer: a write's finish calls it. */
void oneq_answer_later(struct oneq_req *q, enum oneq_code c);
void oneq_reply_error(struct wp_req *r, wp_status st, const char *msg);
/* Sets the message (method_result_message) and returns c. */
enum oneq_code oneq_fail(struct oneq_req *q, enum oneq_code c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The form checked against a table (or the page's JSON body); ONEQ_INVALID with the field. */
enum oneq_code oneq_fields(struct oneq_req *q, const struct wp_field *t, size_t n,
			   struct wp_value *out);
const char *oneq_str(json_t *o, const char *key);
/* "yyyy.MM.dd HH:mm:ss", KST (the document's times). */
void oneq_time(int64_t ms, char out[20]);
/* A 10-digit business registration number with a valid check digit. */
bool oneq_business_no_valid(const char *digits);
/* The sample spelling TC00NETIME names the sandbox merchant TC0ONETIME. */
const char *oneq_cid_canonical(const char *cid);

/* Endpoints (merchant.c, pay.c). */
enum oneq_code oneq_store_token(struct oneq_req *q);
enum oneq_code oneq_ready(struct oneq_req *q);
enum oneq_code oneq_approve(struct oneq_req *q);
enum oneq_code oneq_cancel(struct oneq_req *q);
enum oneq_code oneq_order(struct oneq_req *q);
/* The pages' calls (pages.c): JSON {tid, key, ...}. */
enum oneq_code oneq_page_state(struct oneq_req *q);
enum oneq_code oneq_page_step(struct oneq_req *q);
enum oneq_code oneq_page_confirm(struct oneq_req *q);
/* Pages and the QR image (GET). */
void oneq_page_pc(struct wp_req *r);
void oneq_page_mobile(struct wp_req *r);
void oneq_page_qr(struct wp_req *r);

/*
 * Outside sandbox a merchant belongs to the partner whose secret made it
 * (`wonpay partner add --oneq`, or affiliation with that secret): true when
 * q may act for the merchant or payment doc `o` (its "partner_id").
 */
bool oneq_owns(const struct oneq_req *q, json_t *o);
extern const struct wp_issuer oneq_issuer;

/* The merchant's document and settlement account; WP_E_NOT_FOUND when unknown. */
wp_status oneq_merchant_load(struct wp_store *s, struct wp_tx *tx, const char *cid,
			     json_t **merchant);
/* Opens a merchant (its settlement account and document) inside a write. */
wp_status oneq_merchant_open(struct wp_tx *tx, const char *cid, json_t *body, int64_t now_ms);

/*
 * The payment's state as the API shows it at now_ms: an unapproved payment
 * past its expiry reads FAIL_PAYMENT (expired) before any write records it.
 */
const char *oneq_status(json_t *payment, int64_t now_ms);
bool oneq_expired(json_t *payment, int64_t now_ms);
/* SUCCESS_PAYMENT, PART_CANCEL_PAYMENT or CANCEL_PAYMENT: approved once. */
bool oneq_approved(const char *status);
/* Records an expiry (money released, FAIL_PAYMENT) when the payment ran out of time. */
wp_status oneq_settle_expiry(struct wp_app *app, struct wp_tx *tx, json_t *p, int64_t now_ms,
			     bool *expired);
static inline int64_t oneq_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}
/* Appends {payment_action_type, amount, approved_at} to the history. */
void oneq_action(json_t *payment, const char *type, int64_t amount, int64_t now_ms);
/* Loads a payment by tid (inside tx or committed). */
wp_status oneq_payment_load(struct wp_store *s, struct wp_tx *tx, const char *tid, json_t **out);
wp_status oneq_payment_save(struct wp_tx *tx, const char *tid, json_t *payment, bool insert,
			    int64_t now_ms);
/*
 * Inside a write: releases the payment's money when it ends unapproved
 * (voids the hold; for 계좌 pays the withdrawal back to the bank account).
 */
wp_status oneq_release(struct wp_app *app, struct wp_tx *tx, const char *tid, json_t *payment,
		       int64_t now_ms);

/* The stored form of a PIN: hex SHA-256 of "oneq.pin:" + PIN (pages.c). */
void oneq_pin_digest_hex(const char *pin, char out[2 * WP_SHA256_BYTES + 1]);

/* Expiry (expiry.c): a payment holding money is due at its expiry until the hold ends. */
wp_status oneq_due_add(struct wp_tx *tx, const char *tid, int64_t expires_ms, int64_t now_ms);
wp_status oneq_due_remove(struct wp_tx *tx, const char *tid);
wp_status oneq_housekeeping(struct wp_app *app, void *state, struct wp_tx *tx, int64_t now_ms);

/* Sandbox (sandbox.c). */
wp_status oneq_seed(struct wp_app *app, void *state, const struct wp_seed *s);
void oneq_sandbox_shopper(struct wp_ctl *c);
wp_status oneq_holding_account(struct wp_tx *tx, int64_t now_ms, int64_t *id);

extern const struct wp_route_doc oneq_doc_store_token, oneq_doc_ready, oneq_doc_approve,
    oneq_doc_cancel, oneq_doc_order, oneq_doc_page_state, oneq_doc_page_step, oneq_doc_page_confirm,
    oneq_doc_page_pc, oneq_doc_page_mobile, oneq_doc_page_qr, oneq_doc_sandbox_shopper;

#endif
