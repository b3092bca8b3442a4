/*
 * ledger.h — the double-entry ledger every money-moving surface stands on.
 *
 * Model (after TigerBeetle). An account holds four int64 won sums:
 * debits_posted, credits_posted, debits_pending, credits_pending. A transfer
 * moves one positive amount from a debit account to a different credit
 * account: it adds the amount to the debit side of one and the credit side
 * of the other, so across all accounts total debits always equal total
 * credits. Balances are stored on the account and always re-derivable from
 * the applied transfers (`wonpay ledger verify`).
 *
 * Two phases. A PENDING transfer reserves: it adds to the *_pending sums and
 * is OPEN. A POST_PENDING transfer names it by pending_id and moves up to
 * its amount to posted (a partial post releases the rest); a VOID_PENDING
 * transfer releases it; a pending transfer with a timeout expires (released)
 * once the clock passes created + timeout. Each pending transfer is resolved
 * at most once: OPEN -> POSTED | VOIDED | EXPIRED.
 *
 * Limits. DEBITS_MUST_NOT_EXCEED_CREDITS holds
 *   debits_posted + debits_pending <= credits_posted
 * (an account that cannot be overdrawn, counting reservations);
 * CREDITS_MUST_NOT_EXCEED_DEBITS is the mirror. Because all writes run in
 * the single commit writer, a check and its write are atomic: two
 * concurrent debits can never overdraw an account.
 *
 * Rules of the code below:
 * - Validate everything, then apply: once the writes start, the transfer
 *   must succeed (a storage failure aborts the whole savepoint instead).
 * - Every sum is overflow-checked; bad input gets a result code, never an
 *   assert. Assertions guard the ledger's own invariants before and after.
 * - Every attempt with a valid id is remembered, the failed ones too (with
 *   their result and no effect on balances). A replay with identical fields
 *   returns the original outcome; with different fields it gets the
 *   matching exists_with_different_* result. Result numbers never change.
 */
#ifndef WP_LEDGER_H
#define WP_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store/store.h"

enum wp_account_flags {
	WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS = 1u << 0,
	WP_ACCOUNT_CREDITS_MUST_NOT_EXCEED_DEBITS = 1u << 1,
};
#define WP_ACCOUNT_FLAGS_ALL 3u

/* What an account is; stable numbers. */
enum wp_account_code {
	WP_ACCOUNT_BANK_ACCOUNT = 1, /* a customer's account at a sandbox bank */
	WP_ACCOUNT_BANK_RESERVE = 2, /* a bank's own money: deposits come from it */
	WP_ACCOUNT_PREPAID_WALLET = 3,
	WP_ACCOUNT_MERCHANT = 4,
	WP_ACCOUNT_PAYOUT_FLOAT = 5,
	WP_ACCOUNT_TEST = 99, /* unit tests */
};

/* What a transfer is for; stable numbers. */
enum wp_transfer_code {
	WP_TRANSFER_CODE_WIRE = 1,	     /* sandbox bank-to-bank wire */
	WP_TRANSFER_CODE_OPENING = 2,	     /* a sandbox account's opening deposit */
	WP_TRANSFER_CODE_PAYOUT_FUNDING = 3, /* a partner prefunds its payout account */
	WP_TRANSFER_CODE_PAYOUT = 4,	     /* a payout: reserved, posted, paid out, returned */
	WP_TRANSFER_CODE_DEPOSIT = 5,	     /* sandbox: cash paid into an account at its bank */
	WP_TRANSFER_CODE_PAYMENT = 6,	     /* a shopper pays a merchant: held, posted, refunded */
	WP_TRANSFER_CODE_CHARGE = 7,	     /* a wallet charged from a bank account */
	WP_TRANSFER_CODE_CARD_MOVE = 8,	     /* a card's balance moved to its replacement */
	WP_TRANSFER_CODE_TEST = 99,
};

enum wp_transfer_flags {
	WP_TRANSFER_PENDING = 1u << 0,
	WP_TRANSFER_POST_PENDING = 1u << 1,
	WP_TRANSFER_VOID_PENDING = 1u << 2,
};

enum wp_pending_state {
	WP_PENDING_NONE = 0, /* not a pending transfer */
	WP_PENDING_OPEN = 1,
	WP_PENDING_POSTED = 2,
	WP_PENDING_VOIDED = 3,
	WP_PENDING_EXPIRED = 4,
};

/* Stable numbers: never renumbered, never reused. */
enum wp_transfer_result {
	WP_TR_OK = 0,
	WP_TR_ID_INVALID = 1,
	WP_TR_FLAGS_INVALID = 2,
	WP_TR_ACCOUNTS_MUST_BE_DIFFERENT = 3,
	WP_TR_AMOUNT_MUST_BE_POSITIVE = 4,
	WP_TR_DEBIT_ACCOUNT_NOT_FOUND = 5,
	WP_TR_CREDIT_ACCOUNT_NOT_FOUND = 6,
	WP_TR_EXCEEDS_CREDITS = 7,
	WP_TR_EXCEEDS_DEBITS = 8,
	WP_TR_OVERFLOWS_DEBITS = 9,
	WP_TR_OVERFLOWS_CREDITS = 10,
	WP_TR_PENDING_NOT_FOUND = 11,
	WP_TR_PENDING_NOT_PENDING = 12,
	WP_TR_PENDING_ALREADY_POSTED = 13,
	WP_TR_PENDING_ALREADY_VOIDED = 14,
	WP_TR_PENDING_EXPIRED = 15,
	WP_TR_EXCEEDS_PENDING_AMOUNT = 16,
	WP_TR_PENDING_ACCOUNTS_DIFFER = 17,
	WP_TR_TIMEOUT_INVALID = 18,
	WP_TR_PENDING_ID_INVALID = 19,
	WP_TR_EXISTS_WITH_DIFFERENT_FLAGS = 20,
	WP_TR_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT = 21,
	WP_TR_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT = 22,
	WP_TR_EXISTS_WITH_DIFFERENT_AMOUNT = 23,
	WP_TR_EXISTS_WITH_DIFFERENT_PENDING_ID = 24,
	WP_TR_EXISTS_WITH_DIFFERENT_TIMEOUT = 25,
	WP_TR_EXISTS_WITH_DIFFERENT_CODE = 26,
	WP_TR_EXISTS_WITH_DIFFERENT_REF = 27,
	WP_TR_CODE_INVALID = 28,
	WP_TR_REF_INVALID = 29,
};

const char *wp_transfer_result_name(int result);

/* A new account; code > 0, flags a valid combination. */
wp_status wp_ledger_create_account(struct wp_tx *tx, int32_t code, uint32_t flags, int64_t now_ms,
				   struct wp_account *out);

/*
 * Applies (or records the failure of) one transfer. `in` gives id, flags,
 * debit/credit accounts, amount, code, pending_id, timeout_s, ref; for
 * post/void the accounts may be 0 (taken from the pending transfer) and the
 * amount may be 0 (the whole pending amount). On WP_OK, *out is the
 * transfer as stored (its result field is the outcome) and *replayed tells
 * whether it was an earlier attempt returned again. Any other wp_status is
 * a storage failure: nothing was written.
 */
wp_status wp_ledger_transfer(struct wp_tx *tx, const struct wp_transfer *in, int64_t now_ms,
			     struct wp_transfer *out, bool *replayed);

/* Releases up to `max` pending transfers whose timeout has passed. */
wp_status wp_ledger_expire(struct wp_tx *tx, int64_t now_ms, unsigned max, unsigned *expired);

/* Posted balance, credits_posted - debits_posted; false on overflow. */
bool wp_account_balance(const struct wp_account *a, int64_t *balance);

/* Available to spend: credits_posted - debits_posted - debits_pending. */
int64_t wp_account_available(const struct wp_account *a);

struct wp_verify_report {
	int64_t accounts;
	int64_t transfers;
	int64_t failed_attempts;
	int64_t open_pending;
	int64_t total_debits_posted;
	int64_t total_credits_posted;
	int64_t problems;
};

/*
 * Recomputes every balance from the transfers and checks: stored balances
 * match; total debits equal total credits (posted and pending); no account
 * breaks its limit; every post/void names a pending transfer in the matching
 * state, and every resolved pending transfer has exactly one. Each problem
 * is passed to `problem` as one line. WP_OK means the check ran (see
 * report->problems), not that the ledger is clean.
 */
wp_status wp_ledger_verify(struct wp_store *s, void (*problem)(void *ctx, const char *line),
			   void *ctx, struct wp_verify_report *report);

#endif
