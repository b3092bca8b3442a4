-- 0006: one row that GET /ready writes through the commit path, to prove
-- that a write can still become durable (disk full, a lost file: 503).
CREATE TABLE health (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	checked_ms  INTEGER NOT NULL
) STRICT;
