-- 0001: partners and their credentials, AQR bank-account links.
-- Times are milliseconds since the Unix epoch, from the server clock.

CREATE TABLE partners (
	id          INTEGER PRIMARY KEY,
	email       TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name        TEXT NOT NULL,
	created_ms  INTEGER NOT NULL
) STRICT;

-- One row per issued secret. Only the SHA-256 digest of the secret is kept.
CREATE TABLE credentials (
	id          INTEGER PRIMARY KEY,
	partner_id  INTEGER NOT NULL REFERENCES partners(id),
	surface     TEXT NOT NULL,             -- 'aqr', later 'kona', 'payple', 'oneq'
	secret_sha256 BLOB NOT NULL,
	created_ms  INTEGER NOT NULL,
	UNIQUE (surface, secret_sha256)
) STRICT;

-- AQR: a bank account published under a random keyword (short URL + QR).
CREATE TABLE aqr_links (
	keyword        TEXT PRIMARY KEY,
	partner_id     INTEGER NOT NULL REFERENCES partners(id),
	bank_id        INTEGER NOT NULL CHECK (bank_id BETWEEN 0 AND 59),
	bank_code      TEXT NOT NULL,
	account_number TEXT NOT NULL,
	account_owner  TEXT NOT NULL,
	phone_number   TEXT NOT NULL,
	account_name   TEXT NOT NULL,
	created_ms     INTEGER NOT NULL,
	deleted_ms     INTEGER                  -- NULL while live; pages answer 410 after
) STRICT;

CREATE INDEX aqr_links_partner ON aqr_links(partner_id);
