-- 0002: the double-entry ledger (rules in src/core/ledger.c).
-- Amounts are integer won. Balances are stored on the account and
-- re-derivable from the transfers: `wonpay ledger verify` does exactly that.

CREATE TABLE ledger_accounts (
	id               INTEGER PRIMARY KEY,
	code             INTEGER NOT NULL,          -- what kind: enum wp_account_code
	flags            INTEGER NOT NULL,          -- enum wp_account_flags
	debits_posted    INTEGER NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
	credits_posted   INTEGER NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
	debits_pending   INTEGER NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
	credits_pending  INTEGER NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
	created_ms       INTEGER NOT NULL
) STRICT;

-- Every attempt with a client id, including failed ones (result != 0), so a
-- replay gets the original outcome. Failed rows move no money.
CREATE TABLE ledger_transfers (
	id                 TEXT PRIMARY KEY,
	debit_account_id   INTEGER NOT NULL,
	credit_account_id  INTEGER NOT NULL,
	amount             INTEGER NOT NULL,
	code               INTEGER NOT NULL,
	flags              INTEGER NOT NULL,        -- enum wp_transfer_flags
	pending_id         TEXT NOT NULL DEFAULT '',
	timeout_s          INTEGER NOT NULL DEFAULT 0,
	ref                TEXT NOT NULL DEFAULT '',
	created_ms         INTEGER NOT NULL,
	expires_ms         INTEGER NOT NULL DEFAULT 0,
	state              INTEGER NOT NULL DEFAULT 0, -- pending: enum wp_pending_state
	result             INTEGER NOT NULL DEFAULT 0  -- enum wp_transfer_result
) STRICT, WITHOUT ROWID;

CREATE INDEX ledger_pending_expiry ON ledger_transfers(expires_ms)
	WHERE state = 1 AND expires_ms > 0;
