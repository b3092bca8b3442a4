/*
 * bank.h — the bank network behind one interface.
 *
 * The institutions: one table of every bank wonpay knows, with its 3-digit
 * KFTC code and Korean name. A surface that numbers banks its own way keeps
 * its own table of codes.
 *
 * The network: struct wp_bank_ops is what a surface may ask of a bank —
 * whether it can be reached now, whether an account belongs to a person,
 * and moving money out of or into an account. bank_sandbox.c implements it
 * over the ledger with run-time faults; a connector to real banks would
 * implement the same table.
 *
 * Outcomes are bank-neutral and numbered for good; each surface maps them
 * to its own codes (Kona 002_0xx, Payple bank_rsp_code ...).
 */
#ifndef WP_BANK_H
#define WP_BANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/store.h"

struct wp_bank {
	const char *code; /* KFTC 3-digit code, e.g. "004" */
	const char *name; /* Korean name, e.g. "국민은행" */
};

/* Stable numbers: never renumbered, never reused. */
enum wp_bank_outcome {
	WP_BANK_OK = 0,
	WP_BANK_UNKNOWN_BANK = 1,
	WP_BANK_NOT_PARTICIPATING = 2, /* not in the network (비참여기관) */
	WP_BANK_UNREACHABLE = 3,       /* no answer */
	WP_BANK_TIMEOUT = 4,	       /* answered too late: system delay */
	WP_BANK_FAILED = 5,	       /* the bank said "error", no detail */
	WP_BANK_MAINTENANCE = 6,       /* nightly maintenance window */
	WP_BANK_BEFORE_HOURS = 7,      /* before the bank's service hours */
	WP_BANK_ACCOUNT_NOT_FOUND = 8,
	WP_BANK_HOLDER_MISMATCH = 9,
	WP_BANK_IDENTITY_MISMATCH = 10, /* birth date / business number */
	WP_BANK_ACCOUNT_DORMANT = 11,
	WP_BANK_ACCOUNT_SUSPENDED = 12,
	WP_BANK_ACCOUNT_CLOSED = 13,
	WP_BANK_ACCOUNT_ACCIDENT = 14, /* accident reported (사고신고) */
	WP_BANK_NOT_VERIFIABLE = 15,   /* e.g. a virtual account: no holder check */
	WP_BANK_INSUFFICIENT_FUNDS = 16,
	WP_BANK_LEDGER_REJECTED = 17, /* the ledger refused: see the transfer result */
};

const char *wp_bank_outcome_name(int outcome);

struct wp_bank_net;

/* A person or business claiming an account. */
struct wp_bank_identity {
	const char *holder_name;
	const char *birth_date;	 /* yyyyMMdd, or NULL/"" */
	const char *business_no; /* 10 digits, or NULL/"" */
};

struct wp_bank_answer {
	int outcome;	       /* enum wp_bank_outcome */
	uint32_t latency_ms;   /* how long the bank takes to say it */
	char holder_name[164]; /* verify_holder, when the account is usable: its holder's name */
};

enum wp_bank_fault_mode { WP_FAULT_NONE, WP_FAULT_UNREACHABLE, WP_FAULT_SLOW, WP_FAULT_FAILING };

struct wp_bank_fault {
	int mode;	     /* enum wp_bank_fault_mode */
	uint32_t latency_ms; /* slow: added to every answer */
	uint32_t rate_ppm;   /* failing: share of calls that fail, per million */
	uint64_t seed;	     /* failing: the sequence of failures is a function of it */
};

/*
 * One side of a money movement: a bank account (bank_code + number), or
 * (bank_code NULL) a ledger account of wonpay's own, such as a wallet.
 */
struct wp_bank_party {
	const char *bank_code;
	const char *number;
	int64_t ledger_account_id;
};

struct wp_bank_ops {
	/* Can the bank take this request now (faults, hours, participation)? */
	void (*reach)(struct wp_bank_net *n, const char *bank_code, struct wp_bank_answer *out);
	/*
	 * The bank's status for listings: like reach, but it asks nothing of the
	 * bank, so a failing fault's seeded sequence is not advanced by it.
	 */
	void (*status)(struct wp_bank_net *n, const char *bank_code, struct wp_bank_answer *out);
	/*
	 * Holder verification: reach, then does the account exist and belong to
	 * who? A NULL holder_name checks the birth date or business number only
	 * (Payple's real-name check), and the answer then names the holder.
	 */
	void (*verify_holder)(struct wp_bank_net *n, const char *bank_code, const char *number,
			      const struct wp_bank_identity *who, struct wp_bank_answer *out);
	/*
	 * Inside the commit writer: moves amount through the ledger as transfer
	 * `id` (ledger.h: idempotent by id). A wire goes bank account to bank
	 * account; a withdrawal from a bank account to a ledger account (a
	 * charge); a deposit from a ledger account into a bank account (a
	 * payout). Bank accounts must exist and be active; the ledger checks
	 * funds. *outcome is the bank outcome, *result the ledger's transfer
	 * (result->id empty when a bank refused before the ledger saw it).
	 */
	wp_status (*move)(struct wp_bank_net *n, struct wp_tx *tx, const char *id,
			  const struct wp_bank_party *from, const struct wp_bank_party *to,
			  int64_t amount, int32_t code, int64_t now_ms, int *outcome,
			  struct wp_transfer *result, bool *replayed);
	/* Sandbox control: faults per bank. */
	wp_status (*set_fault)(struct wp_bank_net *n, const char *bank_code,
			       const struct wp_bank_fault *f);
	wp_status (*get_fault)(struct wp_bank_net *n, const char *bank_code,
			       struct wp_bank_fault *out);
};

struct wp_bank_net {
	const struct wp_bank_ops *ops;
};

const struct wp_bank *wp_bank_by_code(const char *code);
size_t wp_bank_count(void);
const struct wp_bank *wp_bank_at(size_t i);

#endif
