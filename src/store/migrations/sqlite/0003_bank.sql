-- 0003: the sandbox bank network (src/core/bank_sandbox.c).
-- A bank account's money lives in the ledger (ledger_account_id); each bank
-- has a reserve account that deposits come from.

CREATE TABLE bank_reserves (
	bank_code          TEXT PRIMARY KEY,
	ledger_account_id  INTEGER NOT NULL UNIQUE
) STRICT;

CREATE TABLE bank_accounts (
	bank_code          TEXT NOT NULL,
	account_number     TEXT NOT NULL,
	holder_name        TEXT NOT NULL,
	birth_date         TEXT NOT NULL DEFAULT '',  -- yyyyMMdd (persons)
	business_no        TEXT NOT NULL DEFAULT '',  -- 10 digits (businesses)
	kind               TEXT NOT NULL CHECK (kind IN ('personal', 'business', 'virtual')),
	status             TEXT NOT NULL CHECK (status IN ('active', 'dormant', 'suspended',
	                                                   'closed', 'accident_reported')),
	simulate           TEXT NOT NULL DEFAULT '',  -- documented test account: forced outcome
	ledger_account_id  INTEGER NOT NULL UNIQUE,
	created_ms         INTEGER NOT NULL,
	PRIMARY KEY (bank_code, account_number)
) STRICT;
