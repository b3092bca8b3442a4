-- 0004: surface objects (Kona members, registrations, credentials; later
-- Payple and OneQ objects) as JSON documents. A surface owns the shape of its
-- body; personal data inside a body is sealed field by field (AES-256-GCM,
-- core/crypto.h) and looked up through keyed hashes in `ref` or `uniq`.

CREATE TABLE docs (
	kind        TEXT NOT NULL,             -- 'kona.member', 'kona.bankacc', ...
	id          TEXT NOT NULL,             -- unique within kind
	owner       TEXT NOT NULL,             -- the partner scope, e.g. an AspId
	ref         TEXT NOT NULL DEFAULT '',  -- a secondary lookup, not unique
	uniq        TEXT,                      -- unique within kind when set
	body        TEXT NOT NULL,             -- JSON object
	created_ms  INTEGER NOT NULL,
	updated_ms  INTEGER NOT NULL,
	PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX docs_uniq ON docs(kind, uniq) WHERE uniq IS NOT NULL;
CREATE INDEX docs_ref ON docs(kind, owner, ref);
