-- 0007: signed tokens already used (Kona's X-KM-Tran-Token), kept until they
-- would be refused as stale anyway, so a restart forgets none of them
-- (src/core/replay.c). The token itself is not kept: only its SHA-256.
CREATE TABLE used_tokens (
	scope       TEXT NOT NULL,      -- the surface
	digest      BLOB NOT NULL,      -- SHA-256 of the token (and who sent it)
	expires_ms  INTEGER NOT NULL,
	PRIMARY KEY (scope, digest)
) STRICT;

CREATE INDEX used_tokens_expiry ON used_tokens(expires_ms);
