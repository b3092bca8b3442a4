-- 0005: every surface's credentials in one place (src/core/auth.c).
-- A credential may have a public half (`login`: Kona's AspId, Payple's
-- cst_id) and a secret the server itself must use, kept sealed under the
-- data key (Kona's HMAC key). Crypto keys (Kona's X-KM-Crypto-Key-Id) get
-- their own table. Kona's partners and keys move here from `docs`, sealed
-- values unchanged (their AAD, "kona.secret" and "kona.server_private", is
-- what core/auth.c uses for the surface "kona").

ALTER TABLE credentials ADD COLUMN login TEXT;
ALTER TABLE credentials ADD COLUMN sealed_secret TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX credentials_login ON credentials(surface, login) WHERE login IS NOT NULL;

CREATE TABLE crypto_keys (
	id                     TEXT PRIMARY KEY,
	surface                TEXT NOT NULL,
	partner_id             INTEGER NOT NULL REFERENCES partners(id),
	login                  TEXT NOT NULL,
	server_private_sealed  TEXT NOT NULL,
	server_public          TEXT NOT NULL,
	partner_public         TEXT NOT NULL,
	created_ms             INTEGER NOT NULL
) STRICT;

INSERT INTO credentials(partner_id, surface, secret_sha256, login, sealed_secret, created_ms)
	SELECT json_extract(body, '$.partner_id'), 'kona',
	       unhex(json_extract(body, '$.access_key_sha256')), id,
	       json_extract(body, '$.secret'), created_ms
	FROM docs WHERE kind = 'kona.partner';

INSERT INTO crypto_keys(id, surface, partner_id, login, server_private_sealed, server_public,
			partner_public, created_ms)
	SELECT k.id, 'kona', json_extract(p.body, '$.partner_id'), k.owner,
	       json_extract(k.body, '$.server_private'), json_extract(k.body, '$.server_public'),
	       json_extract(k.body, '$.partner_public'), k.created_ms
	FROM docs k JOIN docs p ON p.kind = 'kona.partner' AND p.id = k.owner
	WHERE k.kind = 'kona.key';

-- Only what moved leaves docs (a key whose partner row is missing stays, as it was).
DELETE FROM docs WHERE kind = 'kona.partner'
	AND id IN (SELECT login FROM credentials WHERE surface = 'kona');
DELETE FROM docs WHERE kind = 'kona.key'
	AND id IN (SELECT id FROM crypto_keys WHERE surface = 'kona');
