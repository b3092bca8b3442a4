/*
 * sandbox.h — the sandbox control API (only with --sandbox).
 *
 * wonpay's own paths under /sandbox/: JSON in and out, `Authorization:
 * Bearer <admin token>`, errors {"error":{"code","message"}}. Every endpoint
 * runs in the kit's control wrapper (wp_ctl_run): it checks the token,
 * parses the body, and answers once.
 *
 *   accounts.c   bank accounts: open, read, change status
 *   transfers.c  wires between bank accounts, through the ledger
 *   control.c    faults per bank, the clock, reset, the request journal
 *   module.c     routes and the module descriptor
 */
#ifndef WP_SURFACE_SANDBOX_H
#define WP_SURFACE_SANDBOX_H

#include "surface/kit.h"

/*
 * The control API's codes: a wp_status's name (wp_ctl_fail_status), or one
 * of these, each with its HTTP status in one place.
 */
enum sandbox_code {
	SANDBOX_UNKNOWN_BANK,	   /* 400: not a KFTC code wonpay knows */
	SANDBOX_ACCOUNT_NOT_FOUND, /* 404: a wire's account does not exist */
	SANDBOX_BANK_REFUSED,	   /* 422: a bank refused a wire (code: the bank outcome's name) */
	SANDBOX_BANK_UNAVAILABLE, /* 503: a bank cannot be reached now (code: the outcome's name) */
	SANDBOX_BANK_NOT_A_BANK,  /* 400: the bank outcome "unknown_bank" */
};
/* Sets c's failure: the code's HTTP status, its name (or outcome's name), the message. */
void sandbox_fail(struct wp_ctl *c, enum sandbox_code code, int outcome, const char *msg);

/* The routes' OpenAPI rows, beside the field tables they show. */
extern const struct wp_route_doc sandbox_doc_open, sandbox_doc_get_account,
    sandbox_doc_patch_account, sandbox_doc_post_transfer, sandbox_doc_get_transfer,
    sandbox_doc_put_fault, sandbox_doc_get_fault, sandbox_doc_get_clock, sandbox_doc_post_clock,
    sandbox_doc_post_reset, sandbox_doc_get_requests;

void sandbox_create_account(struct wp_ctl *c);
void sandbox_get_account(struct wp_ctl *c);
void sandbox_patch_account(struct wp_ctl *c);
void sandbox_post_transfer(struct wp_ctl *c);
void sandbox_get_transfer(struct wp_ctl *c);
void sandbox_put_fault(struct wp_ctl *c);
void sandbox_get_fault(struct wp_ctl *c);
void sandbox_get_clock(struct wp_ctl *c);
void sandbox_post_clock(struct wp_ctl *c);
void sandbox_post_reset(struct wp_ctl *c);
void sandbox_get_requests(struct wp_ctl *c);

/* The account as JSON with its ledger balance; NULL when the ledger cannot be read. */
json_t *sandbox_account_json(struct wp_store *s, const struct wp_bank_account *a);

#endif
