/*
 * Unit tests: SQLite migration 0005 moves Kona partners and keys from `docs`
 * to `credentials` and `crypto_keys`, sealed values unchanged, so that
 * core/auth.c reads them as if they had been added through it.
 *
 * The version-4 database is built by hand from the .sql files of 0001..0004
 * (read from the source tree: tests run from the repository root) and rows in
 * the shape the Kona surface wrote before 0005.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glob.h>
#include <jansson.h>
#include <sqlite3.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "bounds.h"
#include "core/auth.h"
#include "core/crypto.h"
#include "core/jwe.h"
#include "store/store.h"
#include "util/arena.h"

#define MIGRATIONS "src/store/migrations/sqlite/"
#define CREATED_MS 1700000000000LL

#define PARTNER_ID 7
#define ASP_ID "KONAAB12CD34"
#define ACCESS_KEY "AccessKey0123456789abcdefABCDEF01"
#define HMAC_SECRET "HmacSecret0123456789abcdefghijABCDEFGHIJ"
#define KEY_ID "kid0123456789abc"

/* A second partner whose digest was stored in upper case hex. */
#define PARTNER2_ID 8
#define ASP_ID2 "KONAZZ99YY88"
#define ACCESS_KEY2 "SecondAccessKey"
#define HMAC_SECRET2 "second-hmac-secret"

static uint8_t data_key[WP_DATA_KEY_BYTES];
static char *server_priv, *server_pub, *partner_priv, *partner_pub;

struct temp_db {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < WP_DATA_KEY_BYTES; i++)
		data_key[i] = (uint8_t)(0x40 + i);
	if (wp_rsa_generate(2048, &server_priv, &server_pub) != WP_OK ||
	    wp_rsa_generate(2048, &partner_priv, &partner_pub) != WP_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(server_priv);
	free(server_pub);
	free(partner_priv);
	free(partner_pub);
	return 0;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *data = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
		    (data = malloc((size_t)n + 1)) != NULL) {
			if (fread(data, 1, (size_t)n, f) != (size_t)n) {
				free(data);
				data = NULL;
			} else {
				data[n] = '\0';
			}
		}
	}
	fclose(f);
	return data;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "sql failed: %s\n", msg ? msg : "?");
	sqlite3_free(msg);
	assert_int_equal(rc, SQLITE_OK);
}

/* Runs migrations 0001..0004 from the source tree and sets user_version 4. */
static void migrate_to_4(sqlite3 *db)
{
	exec_ok(db, "BEGIN");
	for (int v = 1; v <= 4; v++) {
		char pattern[64];
		snprintf(pattern, sizeof(pattern), MIGRATIONS "%04d_*.sql", v);
		glob_t g;
		assert_int_equal(glob(pattern, 0, NULL, &g), 0);
		assert_int_equal(g.gl_pathc, 1);
		char *sql = read_all(g.gl_pathv[0]);
		globfree(&g);
		assert_non_null(sql);
		exec_ok(db, sql);
		free(sql);
	}
	exec_ok(db, "PRAGMA user_version = 4");
	exec_ok(db, "COMMIT");
}

static void insert_partner(sqlite3 *db, int64_t id, const char *email)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "INSERT INTO partners(id, email, name, created_ms) "
					    "VALUES (?1, ?2, 'Kona partner', ?3)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, CREATED_MS);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* A docs row; body is a JSON object, stolen. */
static void insert_doc(sqlite3 *db, const char *kind, const char *id, const char *owner,
		       json_t *body, int64_t created_ms)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	assert_non_null(text);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "INSERT INTO docs(kind, id, owner, body, created_ms, "
					    "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, owner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, created_ms);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	free(text);
}

/* The pre-0005 Kona partner row: digest of the access key in hex, HMAC secret sealed. */
static void insert_kona_partner(sqlite3 *db, int64_t partner_id, const char *asp_id,
				const char *access_key, const char *secret, bool upper_hex)
{
	uint8_t digest[WP_SHA256_BYTES];
	char hex[2 * WP_SHA256_BYTES + 1];
	wp_sha256(access_key, strlen(access_key), digest);
	wp_hex(digest, sizeof(digest), hex);
	for (char *p = hex; upper_hex && *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	char *sealed = wp_seal(data_key, "kona.secret", secret, strlen(secret));
	assert_non_null(sealed);
	json_t *body = json_pack("{s:I, s:s, s:s}", "partner_id", (json_int_t)partner_id,
				 "access_key_sha256", hex, "secret", sealed);
	assert_non_null(body);
	free(sealed);
	insert_doc(db, "kona.partner", asp_id, asp_id, body, CREATED_MS);
}

static void insert_kona_key(sqlite3 *db, const char *key_id, const char *owner)
{
	char *sealed = wp_seal(data_key, "kona.server_private", server_priv, strlen(server_priv));
	assert_non_null(sealed);
	json_t *body = json_pack("{s:s, s:s, s:s}", "server_private", sealed, "server_public",
				 server_pub, "partner_public", partner_pub);
	assert_non_null(body);
	free(sealed);
	insert_doc(db, "kona.key", key_id, owner, body, CREATED_MS + 1);
}

/* A fresh directory with a version-4 database holding Kona rows from before 0005. */
static void make_v4(struct temp_db *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/wonpay-test-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/w.db", t->dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	migrate_to_4(db);
	exec_ok(db, "BEGIN");
	insert_partner(db, PARTNER_ID, "kona@example.com");
	insert_partner(db, PARTNER2_ID, "kona2@example.com");
	insert_kona_partner(db, PARTNER_ID, ASP_ID, ACCESS_KEY, HMAC_SECRET, false);
	insert_kona_partner(db, PARTNER2_ID, ASP_ID2, ACCESS_KEY2, HMAC_SECRET2, true);
	insert_kona_key(db, KEY_ID, ASP_ID);
	/* Another surface object: not Kona credentials, so it stays where it is. */
	insert_doc(db, "kona.member", "member-1", ASP_ID, json_pack("{s:s}", "name", "x"),
		   CREATED_MS);
	exec_ok(db, "COMMIT");
	int version = -1;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(version, 4);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void remove_db(struct temp_db *t)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[160];
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, suffix[i]);
		unlink(p);
	}
	rmdir(t->dir);
}

static struct wp_store *open_migrated(const char *path, int *version)
{
	struct wp_store *s = NULL;
	char err[256] = "";
	if (wp_store_open(path, 2, &s, err, sizeof(err)) != WP_OK) {
		fprintf(stderr, "store open: %s\n", err);
		return NULL;
	}
	if (s->ops->migrate(s, version) != WP_OK) {
		wp_store_close(s);
		return NULL;
	}
	return s;
}

/* True if priv is the private half of server_pub and pub is partner_pub. */
static bool keys_match(EVP_PKEY *priv, EVP_PKEY *pub)
{
	EVP_PKEY *x = wp_rsa_public_from_pem(server_pub), *y = wp_rsa_public_from_pem(partner_pub);
	bool ok = x != NULL && y != NULL && EVP_PKEY_eq(priv, x) == 1 && EVP_PKEY_eq(pub, y) == 1;
	EVP_PKEY_free(x);
	EVP_PKEY_free(y);
	return ok;
}

static void test_0005_moves_kona_credentials(void **state)
{
	(void)state;
	struct temp_db t;
	make_v4(&t);
	int version = 0;
	struct wp_store *s = open_migrated(t.path, &version);
	assert_non_null(s);
	assert_true(version >= 5);

	struct wp_auth *a = wp_auth_new(s, data_key, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(a);
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_principal p;
	/* The AspId is now the login, the access key the secret, the HMAC key still sealed. */
	assert_int_equal(wp_auth_check(a, "kona", ASP_ID, ACCESS_KEY, NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, PARTNER_ID);
	assert_string_equal(p.partner.email, "kona@example.com");
	assert_string_equal(p.login, ASP_ID);
	assert_string_equal(p.shared_secret, HMAC_SECRET);
	assert_int_equal(wp_auth_check(a, "kona", ASP_ID, "not-the-key", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	assert_int_equal(wp_auth_check(a, "kona", ASP_ID2, ACCESS_KEY, NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	/* An upper case hex digest converts too. */
	assert_int_equal(wp_auth_check(a, "kona", ASP_ID2, ACCESS_KEY2, NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, PARTNER2_ID);
	assert_string_equal(p.shared_secret, HMAC_SECRET2);
	assert_true(wp_auth_login_exists(s, NULL, "kona", ASP_ID));
	assert_true(wp_auth_login_exists(s, NULL, "kona", ASP_ID2));

	/* The key pair: its owner gets it, another partner does not. */
	EVP_PKEY *priv = NULL, *pub = NULL;
	assert_int_equal(wp_auth_keys(a, "kona", KEY_ID, ASP_ID, &priv, &pub), WP_OK);
	assert_true(keys_match(priv, pub));
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
	assert_int_equal(wp_auth_keys(a, "kona", KEY_ID, ASP_ID2, &priv, &pub), WP_E_NOT_FOUND);
	struct wp_crypto_key k;
	assert_int_equal(s->ops->crypto_key_get(s, "kona", KEY_ID, &ar, &k), WP_OK);
	assert_int_equal(k.partner_id, PARTNER_ID);
	assert_string_equal(k.login, ASP_ID);
	assert_string_equal(k.server_public, server_pub);
	assert_string_equal(k.partner_public, partner_pub);
	assert_int_equal(k.created_ms, CREATED_MS + 1);

	/* The docs rows of those kinds are gone; other docs stay. */
	struct wp_doc d;
	assert_int_equal(s->ops->doc_get(s, NULL, "kona.partner", ASP_ID, &ar, &d), WP_E_NOT_FOUND);
	assert_int_equal(s->ops->doc_get(s, NULL, "kona.partner", ASP_ID2, &ar, &d),
			 WP_E_NOT_FOUND);
	assert_int_equal(s->ops->doc_get(s, NULL, "kona.key", KEY_ID, &ar, &d), WP_E_NOT_FOUND);
	assert_int_equal(s->ops->doc_get(s, NULL, "kona.member", "member-1", &ar, &d), WP_OK);
	assert_string_equal(d.owner, ASP_ID);
	wp_arena_free(&ar);
	wp_auth_free(a);
	wp_store_close(s);

	/* Opening again applies nothing twice. */
	int again = 0;
	s = open_migrated(t.path, &again);
	assert_non_null(s);
	assert_int_equal(again, version);
	a = wp_auth_new(s, data_key, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(a);
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	assert_int_equal(wp_auth_check(a, "kona", ASP_ID, ACCESS_KEY, NULL, &ar, &p), WP_OK);
	assert_string_equal(p.shared_secret, HMAC_SECRET);
	wp_arena_free(&ar);
	wp_auth_free(a);
	wp_store_close(s);
	remove_db(&t);
}

static void test_0005_on_database_without_kona(void **state)
{
	(void)state;
	struct temp_db t;
	snprintf(t.dir, sizeof(t.dir), "/tmp/wonpay-test-XXXXXX");
	assert_non_null(mkdtemp(t.dir));
	snprintf(t.path, sizeof(t.path), "%s/w.db", t.dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(t.path, &db), SQLITE_OK);
	migrate_to_4(db);
	/* An AQR partner with a plain secret, the only kind of credential before 0005. */
	insert_partner(db, 3, "aqr@example.com");
	uint8_t digest[WP_SHA256_BYTES];
	wp_sha256("aqr_secret", 10, digest);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "INSERT INTO credentials(partner_id, surface, "
					    "secret_sha256, created_ms) VALUES (3, 'aqr', ?1, 1)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, digest, sizeof(digest), SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);

	int version = 0;
	struct wp_store *s = open_migrated(t.path, &version);
	assert_non_null(s);
	assert_true(version >= 5);
	struct wp_auth *a = wp_auth_new(s, data_key, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(a);
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_principal p;
	/* It keeps working: no login, nothing sealed. */
	assert_int_equal(wp_auth_check(a, "aqr", NULL, "aqr_secret", NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, 3);
	assert_null(p.login);
	assert_null(p.shared_secret);
	wp_arena_free(&ar);
	wp_auth_free(a);
	wp_store_close(s);
	remove_db(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_0005_moves_kona_credentials),
	    cmocka_unit_test(test_0005_on_database_without_kona),
	};
	return cmocka_run_group_tests_name("migrations", tests, setup, teardown);
}
