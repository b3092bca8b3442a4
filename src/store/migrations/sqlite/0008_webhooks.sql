-- 0008: the webhook outbox (src/core/webhook.c). A delivery is written in the
-- same transaction as the result it announces (Payple: an executed item), so
-- none is lost and none exists without its result; a sender thread delivers
-- it after the commit and records every attempt here. Bodies are sealed under
-- the data key (they name the recipient's account and holder); so are the
-- partners' signing secrets (X-Wonpay-Signature).

CREATE TABLE webhook_deliveries (
	seq          INTEGER PRIMARY KEY,       -- creation order: the listing, newest first
	id           TEXT NOT NULL UNIQUE,      -- the stable delivery id (X-Wonpay-Delivery)
	surface      TEXT NOT NULL,             -- 'payple'
	owner        TEXT NOT NULL,             -- the partner's login on it (cst_id)
	event_id     TEXT NOT NULL,             -- the event's own id (api_tran_id)
	url          TEXT NOT NULL,
	body         TEXT NOT NULL,             -- sealed JSON, sent byte for byte on every try
	state        INTEGER NOT NULL,          -- 0 pending, 1 delivered, 2 failed (given up)
	attempts     INTEGER NOT NULL DEFAULT 0, -- every attempt ever made
	tries        INTEGER NOT NULL DEFAULT 0, -- attempts in this round (redeliver starts one)
	round_ms     INTEGER NOT NULL,          -- when this round began: the total-time budget
	next_ms      INTEGER NOT NULL,          -- when the next attempt is due (pending)
	last_status  INTEGER NOT NULL DEFAULT 0, -- HTTP status of the last attempt, 0: none
	last_error   TEXT NOT NULL DEFAULT '',
	created_ms   INTEGER NOT NULL,
	updated_ms   INTEGER NOT NULL
) STRICT;

-- One delivery per event: a retry or a redelivery is never a new event.
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries(surface, event_id);
-- "Pending deliveries due now", soonest first: only pending rows are indexed.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_ms) WHERE state = 0;
-- A partner's deliveries, newest first (the sandbox listing).
CREATE INDEX webhook_deliveries_owner ON webhook_deliveries(surface, owner, seq);

CREATE TABLE webhook_attempts (
	delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries(id),
	n            INTEGER NOT NULL,          -- 1, 2, ... over every round
	at_ms        INTEGER NOT NULL,          -- when it started
	duration_ms  INTEGER NOT NULL,
	http_status  INTEGER NOT NULL,          -- 0 when no answer came
	error        TEXT NOT NULL,             -- '' when answered; else why not
	PRIMARY KEY (delivery_id, n)
) STRICT, WITHOUT ROWID;

-- A partner's webhook signing secret, sealed (AAD '<surface>.webhook_secret').
CREATE TABLE webhook_secrets (
	surface     TEXT NOT NULL,
	owner       TEXT NOT NULL,
	sealed      TEXT NOT NULL,
	created_ms  INTEGER NOT NULL,
	PRIMARY KEY (surface, owner)
) STRICT, WITHOUT ROWID;
