/*
 * bank_sandbox.h — the sandbox implementation of the bank network.
 *
 * Banks are the KFTC table (bank.c). A few institutions do not take part in
 * the network (foreign banks' branches), so holder checks there answer
 * "not participating". Every bank keeps the nightly maintenance window
 * (23:30–00:30 KST) and its own service hours (우체국 opens at 06:00).
 * Faults are set per bank at run time and cleared by a sandbox reset.
 *
 * Accounts live in the store, their money in the ledger: each account is a
 * ledger account that cannot be overdrawn; each bank has a reserve account
 * (no limit) from which opening balances are deposited.
 */
#ifndef WP_BANK_SANDBOX_H
#define WP_BANK_SANDBOX_H

#include "core/bank.h"
#include "util/clock.h"
#include "store/store.h"

#define WP_BANK_TIMEOUT_MS 10000 /* a slower answer is a system delay */

/* An account's status and kind, as stored and as the control API spells them. */
#define WP_ACCT_ACTIVE "active"
#define WP_ACCT_DORMANT "dormant"
#define WP_ACCT_SUSPENDED "suspended"
#define WP_ACCT_CLOSED "closed"
#define WP_ACCT_ACCIDENT "accident_reported"
#define WP_KIND_PERSONAL "personal"
#define WP_KIND_BUSINESS "business"
#define WP_KIND_VIRTUAL "virtual"

/* Every status and every kind (NULL-terminated). */
extern const char *const wp_bank_account_statuses[];
extern const char *const wp_bank_account_kinds[];

struct wp_bank_net *wp_bank_sandbox_new(struct wp_store *s, const wp_clock *clock);
void wp_bank_sandbox_free(struct wp_bank_net *n);
/* Clears every fault (sandbox reset). */
void wp_bank_sandbox_clear_faults(struct wp_bank_net *n);

/*
 * Inside a write transaction: opens an account and deposits its opening
 * balance from the bank's reserve. *outcome is WP_BANK_OK, or
 * WP_BANK_UNKNOWN_BANK; WP_E_CONFLICT if the account exists; WP_E_INVALID
 * (outcome WP_BANK_LEDGER_REJECTED, nothing written) when the reserve's sums
 * cannot take the balance.
 */
wp_status wp_bank_sandbox_open(struct wp_tx *tx, const struct wp_bank_account *a, int64_t balance,
			       int64_t now_ms, int *outcome);

/*
 * Inside a write transaction: cash paid into an existing account at its bank
 * (from the bank's reserve), as ledger transfer `id` (idempotent by id).
 * *outcome is WP_BANK_OK, WP_BANK_ACCOUNT_NOT_FOUND, or WP_BANK_LEDGER_REJECTED
 * (the reserve's sums cannot take it, or the id was used with other fields).
 */
wp_status wp_bank_sandbox_deposit(struct wp_tx *tx, const char *bank_code, const char *number,
				  const char *id, int64_t amount, int64_t now_ms, int *outcome);

/* Inside a write transaction: the documented test accounts (README). Idempotent. */
wp_status wp_bank_sandbox_seed(struct wp_tx *tx, int64_t now_ms);

/* Bank minutes since local midnight (KST, UTC+9) for a clock time. */
int wp_bank_minute_kst(int64_t now_ms);

#endif
