/*
 * sqlite.c — the embedded SQLite backend of store.h.
 *
 * A fixed pool of connections, each used by one thread at a time; each keeps
 * its prepared statements for its lifetime. WAL journal with
 * synchronous=FULL: a COMMIT has reached the disk when sqlite3_step returns.
 *
 * SQLite admits one writer at a time. Left to itself, a connection that
 * meets the write lock sleeps in the busy handler with growing back-off, so
 * under load some writers starve for seconds while others commit. Writes in
 * this process therefore queue on write_lock first and reach SQLite one at a
 * time; the busy timeout only covers other processes (the CLI). A writer that
 * still meets the lock after WP_STORE_BUSY_TIMEOUT_MS fails with
 * WP_E_STORAGE (503), never with half-written data.
 */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "store/store.h"
#include "util/embedded.h"
#include "util/text.h"

enum stmt_id {
	ST_PING,
	ST_HEALTH_WRITE,
	ST_USED_TOKEN_INSERT,
	ST_USED_TOKEN_GET,
	ST_USED_TOKEN_EXPIRE,
	ST_PARTNER_INSERT,
	ST_PARTNER_COUNT,
	ST_PARTNER_LIST,
	ST_PARTNER_BY_EMAIL,
	ST_CREDENTIAL_INSERT,
	ST_CREDENTIAL_BY_LOGIN,
	ST_CREDENTIAL_BY_SECRET,
	ST_CRYPTO_KEY_INSERT,
	ST_CRYPTO_KEY_GET,
	ST_AQR_INSERT,
	ST_AQR_GET,
	ST_AQR_DELETE,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_ACCOUNT_INSERT,
	ST_ACCOUNT_GET,
	ST_ACCOUNT_UPDATE,
	ST_ACCOUNTS_EACH,
	ST_TRANSFER_GET,
	ST_TRANSFER_INSERT,
	ST_TRANSFER_SET_STATE,
	ST_TRANSFERS_EACH,
	ST_PENDING_EXPIRED,
	ST_BANK_ACCOUNT_INSERT,
	ST_BANK_ACCOUNT_GET,
	ST_BANK_ACCOUNT_SET_STATUS,
	ST_BANK_ACCOUNT_BY_LEDGER,
	ST_BANK_RESERVE_GET,
	ST_BANK_RESERVE_INSERT,
	ST_DOC_INSERT,
	ST_DOC_UPDATE,
	ST_DOC_DELETE,
	ST_DOC_DELETE_KIND,
	ST_DOC_GET,
	ST_DOC_BY_UNIQ,
	ST_DOC_FIND,
	ST_WEBHOOK_INSERT,
	ST_WEBHOOK_UPDATE,
	ST_WEBHOOK_GET,
	ST_WEBHOOK_DUE,
	ST_WEBHOOK_NEXT_DUE,
	ST_WEBHOOK_LIST,
	ST_WEBHOOK_LIST_OWNER,
	ST_WEBHOOK_ATTEMPT_INSERT,
	ST_WEBHOOK_ATTEMPTS,
	ST_WEBHOOK_SECRET_INSERT,
	ST_WEBHOOK_SECRET_GET,
	ST_COUNT
};

#define CREDENTIAL_COLS                                                                            \
	"p.id, p.email, p.name, p.created_ms, c.surface, c.login, "                                \
	"c.secret_sha256, c.sealed_secret, c.created_ms"
#define CRYPTO_KEY_COLS                                                                            \
	"id, surface, partner_id, login, server_private_sealed, server_public, "                   \
	"partner_public, created_ms"
#define DOC_COLS "kind, id, owner, ref, uniq, body, created_ms, updated_ms"

/* A delivery's columns; BODY is "body", or "NULL" where the body is not wanted. */
#define WEBHOOK_COLS(BODY)                                                                         \
	"id, surface, owner, event_id, url, " BODY ", state, attempts, tries, last_status, "       \
	"last_error, round_ms, next_ms, created_ms, updated_ms"
/* What a read selects: the columns, then the row's creation order. */
#define WEBHOOK_READ(BODY) WEBHOOK_COLS(BODY) ", seq"

#define BANK_COLS                                                                                  \
	"bank_code, account_number, holder_name, birth_date, business_no, kind, "                  \
	"status, simulate, ledger_account_id, created_ms"

#define ACCOUNT_COLS                                                                               \
	"id, code, flags, debits_posted, credits_posted, debits_pending, "                         \
	"credits_pending, created_ms"
#define TRANSFER_COLS                                                                              \
	"id, debit_account_id, credit_account_id, amount, code, flags, "                           \
	"pending_id, timeout_s, ref, created_ms, expires_ms, state, result"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_PING] = "SELECT 1",
    [ST_USED_TOKEN_INSERT] =
	"INSERT INTO used_tokens(scope, digest, expires_ms) VALUES (?1, ?2, ?3) "
	"ON CONFLICT(scope, digest) DO UPDATE SET expires_ms = excluded.expires_ms "
	"WHERE used_tokens.expires_ms <= ?4",
    [ST_USED_TOKEN_GET] = "SELECT expires_ms FROM used_tokens WHERE scope = ?1 AND digest = ?2",
    [ST_USED_TOKEN_EXPIRE] =
	"DELETE FROM used_tokens WHERE rowid IN (SELECT rowid FROM used_tokens "
	"WHERE expires_ms <= ?1 LIMIT ?2)",
    [ST_HEALTH_WRITE] = "INSERT INTO health(id, checked_ms) VALUES (1, ?1) "
			"ON CONFLICT(id) DO UPDATE SET checked_ms = excluded.checked_ms",
    [ST_PARTNER_INSERT] = "INSERT INTO partners(email, name, created_ms) VALUES (?1, ?2, ?3)",
    [ST_PARTNER_COUNT] = "SELECT count(*) FROM partners",
    [ST_PARTNER_LIST] = "SELECT id, email, name, created_ms FROM partners ORDER BY id",
    [ST_PARTNER_BY_EMAIL] = "SELECT id, email, name, created_ms FROM partners WHERE email = ?1",
    [ST_CREDENTIAL_INSERT] = "INSERT INTO credentials(partner_id, surface, secret_sha256, login, "
			     "sealed_secret, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_CREDENTIAL_BY_LOGIN] = "SELECT " CREDENTIAL_COLS " FROM credentials c "
			       "JOIN partners p ON p.id = c.partner_id "
			       "WHERE c.surface = ?1 AND c.login = ?2",
    [ST_CREDENTIAL_BY_SECRET] = "SELECT " CREDENTIAL_COLS " FROM credentials c "
				"JOIN partners p ON p.id = c.partner_id "
				"WHERE c.surface = ?1 AND c.secret_sha256 = ?2",
    [ST_CRYPTO_KEY_INSERT] = "INSERT INTO crypto_keys(" CRYPTO_KEY_COLS ") "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_CRYPTO_KEY_GET] = "SELECT " CRYPTO_KEY_COLS " FROM crypto_keys "
			  "WHERE surface = ?1 AND id = ?2",
    [ST_AQR_INSERT] = "INSERT INTO aqr_links(keyword, partner_id, bank_id, bank_code, "
		      "account_number, account_owner, phone_number, account_name, created_ms) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_AQR_GET] = "SELECT keyword, partner_id, bank_id, bank_code, account_number, "
		   "account_owner, phone_number, account_name, created_ms, deleted_ms "
		   "FROM aqr_links WHERE keyword = ?1",
    [ST_AQR_DELETE] = "UPDATE aqr_links SET deleted_ms = ?3 "
		      "WHERE keyword = ?1 AND partner_id = ?2 AND deleted_ms IS NULL",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT cmd",
    [ST_RELEASE] = "RELEASE cmd",
    [ST_ROLLBACK_TO] = "ROLLBACK TO cmd",
    [ST_ACCOUNT_INSERT] = "INSERT INTO ledger_accounts(code, flags, debits_posted, credits_posted, "
			  "debits_pending, credits_pending, created_ms) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_ACCOUNT_GET] = "SELECT " ACCOUNT_COLS " FROM ledger_accounts WHERE id = ?1",
    [ST_ACCOUNT_UPDATE] = "UPDATE ledger_accounts SET debits_posted = ?2, credits_posted = ?3, "
			  "debits_pending = ?4, credits_pending = ?5 WHERE id = ?1",
    [ST_ACCOUNTS_EACH] = "SELECT " ACCOUNT_COLS " FROM ledger_accounts ORDER BY id",
    [ST_TRANSFER_GET] = "SELECT " TRANSFER_COLS " FROM ledger_transfers WHERE id = ?1",
    [ST_TRANSFER_INSERT] = "INSERT INTO ledger_transfers(" TRANSFER_COLS ") "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [ST_TRANSFER_SET_STATE] = "UPDATE ledger_transfers SET state = ?2 WHERE id = ?1",
    [ST_TRANSFERS_EACH] = "SELECT " TRANSFER_COLS " FROM ledger_transfers ORDER BY created_ms, id",
    [ST_BANK_ACCOUNT_INSERT] = "INSERT INTO bank_accounts(" BANK_COLS ") "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_BANK_ACCOUNT_GET] = "SELECT " BANK_COLS " FROM bank_accounts "
			    "WHERE bank_code = ?1 AND account_number = ?2",
    [ST_BANK_ACCOUNT_SET_STATUS] = "UPDATE bank_accounts SET status = ?3 "
				   "WHERE bank_code = ?1 AND account_number = ?2",
    [ST_BANK_ACCOUNT_BY_LEDGER] = "SELECT " BANK_COLS " FROM bank_accounts "
				  "WHERE ledger_account_id = ?1",
    [ST_BANK_RESERVE_GET] = "SELECT ledger_account_id FROM bank_reserves WHERE bank_code = ?1",
    [ST_BANK_RESERVE_INSERT] = "INSERT INTO bank_reserves(bank_code, ledger_account_id) "
			       "VALUES (?1, ?2)",
    [ST_DOC_INSERT] = "INSERT INTO docs(" DOC_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_DOC_UPDATE] = "UPDATE docs SET ref = ?4, uniq = ?5, body = ?6, updated_ms = ?8 "
		      "WHERE kind = ?1 AND id = ?2",
    [ST_DOC_DELETE] = "DELETE FROM docs WHERE kind = ?1 AND id = ?2",
    [ST_DOC_DELETE_KIND] = "DELETE FROM docs WHERE kind = ?1",
    [ST_DOC_GET] = "SELECT " DOC_COLS " FROM docs WHERE kind = ?1 AND id = ?2",
    [ST_DOC_BY_UNIQ] = "SELECT " DOC_COLS " FROM docs WHERE kind = ?1 AND uniq = ?2",
    [ST_DOC_FIND] = "SELECT " DOC_COLS " FROM docs WHERE kind = ?1 AND owner = ?2 AND ref = ?3 "
		    "ORDER BY created_ms DESC, id DESC LIMIT ?4",
    [ST_WEBHOOK_INSERT] = "INSERT INTO webhook_deliveries(" WEBHOOK_COLS(
	"body") ") "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [ST_WEBHOOK_UPDATE] = "UPDATE webhook_deliveries SET state = ?7, attempts = ?8, tries = ?9, "
			  "last_status = ?10, last_error = ?11, round_ms = ?12, next_ms = ?13, "
			  "updated_ms = ?15 WHERE id = ?1",
    [ST_WEBHOOK_GET] = "SELECT " WEBHOOK_READ("body") " FROM webhook_deliveries WHERE id = ?1",
    /* webhook_deliveries_due: the partial index of pending rows by next_ms */
    [ST_WEBHOOK_DUE] = "SELECT " WEBHOOK_READ(
	"NULL") " FROM webhook_deliveries "
		"WHERE state = 0 AND next_ms <= ?1 AND (next_ms > ?3 OR (next_ms = ?3 AND seq > ?4)) "
		"ORDER BY next_ms, seq LIMIT ?2",
    [ST_WEBHOOK_NEXT_DUE] = "SELECT next_ms FROM webhook_deliveries WHERE state = 0 "
			    "ORDER BY next_ms LIMIT 1",
    [ST_WEBHOOK_LIST] =
	"SELECT " WEBHOOK_READ("body") " FROM webhook_deliveries "
				       "WHERE surface = ?1 ORDER BY seq DESC LIMIT ?2",
    [ST_WEBHOOK_LIST_OWNER] = "SELECT " WEBHOOK_READ(
	"body") " FROM webhook_deliveries "
		"WHERE surface = ?1 AND owner = ?3 ORDER BY seq DESC LIMIT ?2",
    [ST_WEBHOOK_ATTEMPT_INSERT] =
	"INSERT INTO webhook_attempts(delivery_id, n, at_ms, "
	"duration_ms, http_status, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_WEBHOOK_ATTEMPTS] = "SELECT * FROM (SELECT delivery_id, n, at_ms, duration_ms, "
			    "http_status, error FROM webhook_attempts WHERE delivery_id = ?1 "
			    "ORDER BY n DESC LIMIT ?2) ORDER BY n",
    [ST_WEBHOOK_SECRET_INSERT] = "INSERT INTO webhook_secrets(surface, owner, sealed, created_ms) "
				 "VALUES (?1, ?2, ?3, ?4)",
    [ST_WEBHOOK_SECRET_GET] = "SELECT sealed FROM webhook_secrets WHERE surface = ?1 AND "
			      "owner = ?2",
    [ST_PENDING_EXPIRED] = "SELECT id FROM ledger_transfers WHERE state = 1 AND expires_ms > 0 "
			   "AND expires_ms <= ?1 ORDER BY expires_ms LIMIT ?2",
};

struct conn {
	struct sqlite_store *store;
	sqlite3 *db;
	sqlite3_stmt *stmts[ST_COUNT];
	bool busy;
};

struct sqlite_tx {
	struct wp_tx base;
	struct sqlite_store *store;
	struct conn *conn;
};

struct sqlite_store {
	struct wp_store base;
	struct sqlite_tx tx; /* the one open write transaction, guarded by write_lock */
	pthread_mutex_t lock;
	pthread_cond_t freed;
	pthread_mutex_t write_lock; /* one writer at a time, handed over without sleeping */
	unsigned count;
	struct conn conns[WP_STORE_POOL_MAX];
	/*
	 * The file we opened. If the path stops naming it (deleted, replaced) or
	 * SQLite reports corruption, the store is lost for good: every write is
	 * refused from then on, so nothing is acknowledged into a file nobody
	 * will read again.
	 */
#ifdef WP_FAULT_INJECTION
	pthread_mutex_t fault_lock;
	struct wp_fault_plan faults;
	uint64_t fault_state;
	uint64_t faults_injected;
#endif
	char path[WP_STORE_PATH_MAX_BYTES];
	dev_t dev;
	ino_t ino;
	_Atomic int lost;
};

static const struct wp_store_ops sqlite_ops;

/*
 * Fault injection (test builds only, as SQLite tests itself): the store's
 * writes, reads and commits fail at seeded random points, as a full disk, an
 * I/O error or a busy database would make them fail; and a commit may be
 * made durable yet reported failed (an fsync error after the write).
 */
enum fault_point { FAULT_WRITE, FAULT_READ, FAULT_BEGIN, FAULT_SAVEPOINT, FAULT_COMMIT, FAULT_LIE };

#ifdef WP_FAULT_INJECTION
static bool fault(struct sqlite_store *s, enum fault_point p)
{
	if (s == NULL || (s->faults.rate_ppm == 0 && s->faults.lie_ppm == 0))
		return false;
	pthread_mutex_lock(&s->fault_lock);
	/* xorshift64*: a seed replays the same schedule */
	uint64_t x = s->fault_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->fault_state = x;
	uint32_t draw = (uint32_t)((x * 2685821657736338717ull) >> 32) % 1000000u;
	bool hit = p == FAULT_LIE ? draw < s->faults.lie_ppm
				  : draw < s->faults.rate_ppm && (s->faults.points & (1u << p));
	s->faults_injected += hit;
	pthread_mutex_unlock(&s->fault_lock);
	return hit;
}

void wp_store_inject(struct wp_store *base, const struct wp_fault_plan *plan)
{
	if (base->ops != &sqlite_ops)
		return; /* SQLite's alone (store.h) */
	struct sqlite_store *s = (struct sqlite_store *)base;
	pthread_mutex_lock(&s->fault_lock);
	s->faults = plan ? *plan : (struct wp_fault_plan){0};
	s->fault_state = (plan && plan->seed) ? plan->seed : 0x9E3779B97F4A7C15ull;
	pthread_mutex_unlock(&s->fault_lock);
}

uint64_t wp_store_faults_injected(struct wp_store *base)
{
	if (base->ops != &sqlite_ops)
		return 0;
	struct sqlite_store *s = (struct sqlite_store *)base;
	pthread_mutex_lock(&s->fault_lock);
	uint64_t n = s->faults_injected;
	pthread_mutex_unlock(&s->fault_lock);
	return n;
}
#else
static bool fault(struct sqlite_store *s, enum fault_point p)
{
	(void)s;
	(void)p;
	return false;
}
#endif

static void lose(struct sqlite_store *s, const char *why)
{
	if (atomic_exchange(&s->lost, 1) == 0)
		fprintf(stderr,
			"{\"level\":\"error\",\"store\":\"sqlite\",\"message\":\"the database "
			"is lost (%s): every write is refused until a restart\"}\n",
			why);
}

/* Whether the path still names the file we opened; false (and lost) when not. */
static bool still_ours(struct sqlite_store *s)
{
	if (atomic_load(&s->lost))
		return false;
	struct stat now;
	if (stat(s->path, &now) != 0) {
		lose(s, "its file was removed");
		return false;
	}
	if (now.st_dev != s->dev || now.st_ino != s->ino) {
		lose(s, "its file was replaced");
		return false;
	}
	return true;
}

static void log_db_error(sqlite3 *db, const char *what)
{
	fprintf(stderr,
		"{\"level\":\"error\",\"store\":\"sqlite\",\"op\":\"%s\",\"error\":\"%s\"}\n", what,
		sqlite3_errmsg(db));
}

static struct conn *acquire(struct sqlite_store *s)
{
	pthread_mutex_lock(&s->lock);
	for (;;) {
		for (unsigned i = 0; i < s->count; i++) {
			if (!s->conns[i].busy) {
				s->conns[i].busy = true;
				pthread_mutex_unlock(&s->lock);
				return &s->conns[i];
			}
		}
		pthread_cond_wait(&s->freed, &s->lock);
	}
}

static void release(struct sqlite_store *s, struct conn *c)
{
	pthread_mutex_lock(&s->lock);
	assert(c->busy);
	c->busy = false;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

static sqlite3_stmt *stmt(struct conn *c, enum stmt_id id)
{
	if (c->stmts[id] == NULL) {
		if (sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				       &c->stmts[id], NULL) != SQLITE_OK) {
			log_db_error(c->db, "prepare");
			return NULL;
		}
	}
	return c->stmts[id];
}

static void done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

static const char *col_text(sqlite3_stmt *st, int i, wp_arena *a)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);
	return wp_arena_strndup(a, t ? (const char *)t : "", (size_t)n);
}

/*
 * unhex(text) -> blob, as SQLite 3.41 has it built in (Debian 12 ships 3.40):
 * migration 0005 turns stored hex digests into blobs. NULL for bad input.
 */
static void sql_unhex(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *t = sqlite3_value_text(argv[0]);
	int n = sqlite3_value_bytes(argv[0]);
	if (t == NULL || n % 2 != 0) {
		sqlite3_result_null(ctx);
		return;
	}
	unsigned char *out = sqlite3_malloc(n / 2 + 1);
	if (out == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	for (int i = 0; i < n; i++) {
		int v = wp_hex_digit((char)t[i]);
		if (v < 0) {
			sqlite3_free(out);
			sqlite3_result_null(ctx);
			return;
		}
		out[i / 2] = (unsigned char)(i % 2 ? (out[i / 2] << 4) | v : v);
	}
	sqlite3_result_blob(ctx, out, n / 2, sqlite3_free);
}

static wp_status open_conn(const char *path, struct conn *c, char *err, size_t err_cap)
{
	memset(c, 0, sizeof(*c));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, err_cap, "cannot open database %s: %s", path,
			 c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		c->db = NULL;
		return WP_E_STORAGE;
	}
	sqlite3_busy_timeout(c->db, WP_STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_create_function(c->db, "unhex", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				sql_unhex, NULL, NULL);
	/*
	 * temp_store=MEMORY keeps the savepoints' statement journal (a batch
	 * puts each command in one) in memory: past 64 KiB it otherwise spills
	 * to a temp file with two writes per page. A crash never needs it (the
	 * WAL holds what committed); measured: bench/payple.sh.
	 */
	const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
			      "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
	char *msg = NULL;
	if (sqlite3_exec(c->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, err_cap, "cannot configure database %s: %s", path,
			 msg ? msg : "unknown error");
		sqlite3_free(msg);
		sqlite3_close(c->db);
		c->db = NULL;
		return WP_E_STORAGE;
	}
	return WP_OK;
}

static void sqlite_close(struct wp_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	for (unsigned i = 0; i < s->count; i++) {
		for (int k = 0; k < ST_COUNT; k++)
			sqlite3_finalize(s->conns[i].stmts[k]);
		/* The last connection to close checkpoints the WAL into the main file. */
		sqlite3_close(s->conns[i].db);
	}
	pthread_cond_destroy(&s->freed);
	pthread_mutex_destroy(&s->write_lock);
	pthread_mutex_destroy(&s->lock);
#ifdef WP_FAULT_INJECTION
	pthread_mutex_destroy(&s->fault_lock);
#endif
	free(s);
}

wp_status wp_store_sqlite_open(const char *path, unsigned pool, struct wp_store **out, char *err,
			       size_t err_cap)
{
	if (pool == 0)
		pool = 1;
	if (pool > WP_STORE_POOL_MAX)
		pool = WP_STORE_POOL_MAX;
	if (sqlite3_threadsafe() == 0) {
		snprintf(err, err_cap, "this SQLite was built without thread support");
		return WP_E_STORAGE;
	}
	struct sqlite_store *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, err_cap, "out of memory");
		return WP_E_NOMEM;
	}
	s->base.ops = &sqlite_ops;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->freed, NULL);
	pthread_mutex_init(&s->write_lock, NULL);
#ifdef WP_FAULT_INJECTION
	pthread_mutex_init(&s->fault_lock, NULL);
#endif
	for (unsigned i = 0; i < pool; i++) {
		wp_status st = open_conn(path, &s->conns[i], err, err_cap);
		if (st != WP_OK) {
			sqlite_close(&s->base);
			return st;
		}
		s->conns[i].store = s;
		s->count++;
	}
	struct stat file;
	if (snprintf(s->path, sizeof(s->path), "%s", path) >= (int)sizeof(s->path) ||
	    stat(path, &file) != 0) {
		snprintf(err, err_cap, "cannot find the database file %s after opening it", path);
		sqlite_close(&s->base);
		return WP_E_STORAGE;
	}
	s->dev = file.st_dev;
	s->ino = file.st_ino;
	*out = &s->base;
	return WP_OK;
}

/* Migrations: store/migrations/sqlite/NNNN_*.sql, applied in name order. */
static wp_status sqlite_migrate(struct wp_store *base, int *version)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	wp_status result = WP_E_STORAGE;
	sqlite3_stmt *st = NULL;
	int current = 0;
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	current = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	const char *prefix = "store/migrations/sqlite/";
	size_t plen = strlen(prefix);
	int latest = 0;
	for (unsigned i = 0; i < wp_embedded_count; i++) {
		int number = 0;
		const char *name = wp_embedded_files[i].name;
		if (strncmp(name, prefix, plen) == 0 && sscanf(name + plen, "%4d_", &number) == 1 &&
		    number > latest)
			latest = number;
	}
	if (current > latest) {
		fprintf(stderr,
			"wonpay: the database %s is at schema version %d, newer than this wonpay "
			"knows (%d): run the wonpay that migrated it, or a newer one\n",
			s->path, current, latest);
		result = WP_E_INVALID;
		goto out;
	}
	if (current > 0 && current < latest)
		fprintf(stderr,
			"wonpay: the database %s is at schema version %d; migrating to %d\n",
			s->path, current, latest);
	int applied = current;
	for (unsigned i = 0; i < wp_embedded_count; i++) {
		const struct wp_embedded *m = &wp_embedded_files[i];
		if (strncmp(m->name, prefix, plen) != 0)
			continue;
		int number = 0;
		if (sscanf(m->name + plen, "%4d_", &number) != 1 || number <= 0)
			continue;
		if (number <= current)
			continue;
		if (number != applied + 1) {
			fprintf(stderr, "migration %s is out of order (at version %d)\n", m->name,
				applied);
			goto out;
		}
		char sql[64];
		char *msg = NULL;
		if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
			goto fail_msg;
		if (sqlite3_exec(c->db, m->data, NULL, NULL, &msg) != SQLITE_OK) {
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail_msg;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", number);
		if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(c->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail_msg;
		}
		applied = number;
		continue;
	fail_msg:
		fprintf(stderr, "migration %s failed: %s\n", m->name, msg ? msg : "?");
		sqlite3_free(msg);
		goto out;
	}
	*version = applied;
	result = WP_OK;
out:
	sqlite3_finalize(st);
	release(s, c);
	return result;
}

static wp_status sqlite_ping(struct wp_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	if (!still_ours(s))
		return WP_E_STORAGE;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, ST_PING);
	wp_status r = st && sqlite3_step(st) == SQLITE_ROW ? WP_OK : WP_E_STORAGE;
	done(st);
	release(s, c);
	return r;
}

/* ---- write transactions ---- */

static wp_status run(struct conn *c, enum stmt_id id)
{
	enum fault_point p = id == ST_BEGIN    ? FAULT_BEGIN
			     : id == ST_COMMIT ? FAULT_COMMIT
					       : FAULT_SAVEPOINT;
	if ((id == ST_BEGIN || id == ST_COMMIT || id == ST_SAVEPOINT || id == ST_RELEASE) &&
	    fault(c->store, p))
		return WP_E_STORAGE; /* as if the disk refused it: nothing happened */
	sqlite3_stmt *st = stmt(c, id);
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	done(st);
	if (rc == SQLITE_DONE)
		return WP_OK;
	log_db_error(c->db, stmt_sql[id]);
	if ((rc & 0xFF) == SQLITE_CORRUPT || (rc & 0xFF) == SQLITE_NOTADB)
		lose(c->store, "SQLite reports it corrupt");
	return WP_E_STORAGE;
}

static wp_status sqlite_tx_begin(struct wp_store *base, struct wp_tx **out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	pthread_mutex_lock(&s->write_lock);
	assert(s->tx.conn == NULL); /* one write transaction at a time */
	if (!still_ours(s)) {
		pthread_mutex_unlock(&s->write_lock);
		return WP_E_STORAGE;
	}
	struct conn *c = acquire(s);
	wp_status st = run(c, ST_BEGIN);
	if (st != WP_OK) {
		release(s, c);
		pthread_mutex_unlock(&s->write_lock);
		return st;
	}
	s->tx.base.ops = &sqlite_ops;
	s->tx.store = s;
	s->tx.conn = c;
	*out = &s->tx.base;
	return WP_OK;
}

/* The open transaction's connection. */
static struct conn *txc(struct wp_tx *tx)
{
	assert(tx != NULL);
	assert(((struct sqlite_tx *)tx)->conn != NULL);
	return ((struct sqlite_tx *)tx)->conn;
}

static void tx_end(struct wp_tx *base)
{
	struct sqlite_tx *tx = (struct sqlite_tx *)base;
	struct sqlite_store *s = tx->store;
	release(s, tx->conn);
	tx->conn = NULL;
	pthread_mutex_unlock(&s->write_lock);
}

static wp_status sqlite_tx_commit(struct wp_tx *tx)
{
	struct sqlite_store *s = ((struct sqlite_tx *)tx)->store;
	wp_status st = run(txc(tx), ST_COMMIT);
	if (st != WP_OK && !sqlite3_get_autocommit(txc(tx)->db))
		run(txc(tx), ST_ROLLBACK);
	/* Committed into a file the path no longer names is not durable: not acknowledged. */
	if (st == WP_OK && !still_ours(s))
		st = WP_E_STORAGE;
	if (st == WP_OK && fault(s, FAULT_LIE))
		st = WP_E_STORAGE; /* durable, yet reported failed: retries must find it once */
	tx_end(tx);
	return st;
}

static void sqlite_tx_rollback(struct wp_tx *tx)
{
	if (!sqlite3_get_autocommit(txc(tx)->db))
		run(txc(tx), ST_ROLLBACK);
	tx_end(tx);
}

static wp_status sqlite_tx_savepoint(struct wp_tx *tx)
{
	return run(txc(tx), ST_SAVEPOINT);
}

static wp_status sqlite_tx_release(struct wp_tx *tx)
{
	return run(txc(tx), ST_RELEASE);
}

static wp_status sqlite_tx_rollback_to(struct wp_tx *tx)
{
	wp_status st = run(txc(tx), ST_ROLLBACK_TO);
	return st == WP_OK ? run(txc(tx), ST_RELEASE) : st;
}

/* Runs a bound write statement; constraint failures are CONFLICT. */
static wp_status step_write(struct conn *c, sqlite3_stmt *st, const char *what)
{
	if (fault(c->store, FAULT_WRITE))
		return WP_E_STORAGE;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return WP_OK;
	if ((rc & 0xFF) == SQLITE_CONSTRAINT)
		return WP_E_CONFLICT;
	log_db_error(c->db, what);
	return WP_E_STORAGE;
}

/*
 * Steps a bound query expected to give at most one row: WP_OK with the row
 * ready to read, WP_E_NOT_FOUND, or WP_E_STORAGE (logged).
 */
static wp_status step_row(struct conn *c, sqlite3_stmt *st, const char *what)
{
	if (fault(c->store, FAULT_READ))
		return WP_E_STORAGE;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return WP_OK;
	if (rc == SQLITE_DONE)
		return WP_E_NOT_FOUND;
	log_db_error(c->db, what);
	return WP_E_STORAGE;
}

static wp_status sqlite_health_write(struct wp_tx *tx, int64_t now_ms)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_HEALTH_WRITE);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, now_ms);
		r = step_write(c, st, "health_write");
	}
	done(st);
	return r;
}

/* ---- used tokens ---- */

static wp_status sqlite_used_token_insert(struct wp_tx *tx, const char *scope,
					  const uint8_t digest[32], int64_t expires_ms,
					  int64_t now_ms)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_USED_TOKEN_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, digest, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, expires_ms);
		sqlite3_bind_int64(st, 4, now_ms);
		r = step_write(c, st, "used_token_insert");
		if (r == WP_OK && sqlite3_changes(c->db) == 0)
			r = WP_E_CONFLICT; /* recorded and still fresh */
	}
	done(st);
	return r;
}

static wp_status sqlite_used_token_get(struct wp_store *base, const char *scope,
				       const uint8_t digest[32], int64_t *expires_ms)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, ST_USED_TOKEN_GET);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, digest, 32, SQLITE_STATIC);
		r = step_row(c, st, "used_token_get");
		if (r == WP_OK)
			*expires_ms = sqlite3_column_int64(st, 0);
	}
	done(st);
	release(s, c);
	return r;
}

static wp_status sqlite_used_token_expire(struct wp_tx *tx, int64_t now_ms, unsigned max)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_USED_TOKEN_EXPIRE);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, now_ms);
		sqlite3_bind_int64(st, 2, max);
		r = step_write(c, st, "used_token_expire");
	}
	done(st);
	return r;
}

/* ---- partners ---- */

static wp_status sqlite_partner_insert(struct wp_tx *tx, const char *email, const char *name,
				       int64_t now_ms, int64_t *id)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_PARTNER_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now_ms);
		r = step_write(c, st, "partner_insert");
		if (r == WP_OK)
			*id = sqlite3_last_insert_rowid(c->db);
	}
	done(st);
	return r;
}

static wp_status sqlite_partner_count(struct wp_store *base, int64_t *count)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, ST_PARTNER_COUNT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		r = WP_OK;
	}
	done(st);
	release(s, c);
	return r;
}

static void read_partner(sqlite3_stmt *st, wp_arena *a, struct wp_partner *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->email = col_text(st, 1, a);
	p->name = col_text(st, 2, a);
	p->created_ms = sqlite3_column_int64(st, 3);
}

static wp_status sqlite_partner_list(struct wp_store *base, wp_partner_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, ST_PARTNER_LIST);
	wp_status r = st ? WP_OK : WP_E_STORAGE;
	int rc;
	while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		wp_arena a;
		wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
		struct wp_partner p;
		read_partner(st, &a, &p);
		if (p.email != NULL && p.name != NULL)
			cb(ctx, &p);
		wp_arena_free(&a);
	}
	if (st != NULL && rc != SQLITE_DONE)
		r = WP_E_STORAGE;
	done(st);
	release(s, c);
	return r;
}

static wp_status read_one_partner(struct conn *c, sqlite3_stmt *st, wp_arena *a,
				  struct wp_partner *out)
{
	wp_status r = step_row(c, st, "partner_lookup");
	if (r != WP_OK)
		return r;
	read_partner(st, a, out);
	return out->email && out->name ? WP_OK : WP_E_NOMEM;
}

static wp_status sqlite_partner_by_email(struct wp_store *base, const char *email, wp_arena *a,
					 struct wp_partner *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, ST_PARTNER_BY_EMAIL);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
		r = read_one_partner(c, st, a, out);
	}
	done(st);
	release(s, c);
	return r;
}

static wp_status sqlite_credential_insert(struct wp_tx *tx, const struct wp_credential *cr)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_CREDENTIAL_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, cr->partner_id);
		sqlite3_bind_text(st, 2, cr->surface, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, cr->secret_sha256, 32, SQLITE_STATIC);
		if (cr->login != NULL)
			sqlite3_bind_text(st, 4, cr->login, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_text(st, 5, cr->sealed_secret ? cr->sealed_secret : "", -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, cr->created_ms);
		r = step_write(c, st, "credential_insert");
	}
	done(st);
	return r;
}

static wp_status sqlite_credential_get(struct wp_store *base, struct wp_tx *tx, const char *surface,
				       const char *login, const uint8_t sha256[32], wp_arena *a,
				       struct wp_credential *out, struct wp_partner *partner)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = tx ? txc(tx) : acquire(s);
	sqlite3_stmt *st = stmt(c, login ? ST_CREDENTIAL_BY_LOGIN : ST_CREDENTIAL_BY_SECRET);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, surface, -1, SQLITE_STATIC);
		if (login != NULL)
			sqlite3_bind_text(st, 2, login, -1, SQLITE_STATIC);
		else
			sqlite3_bind_blob(st, 2, sha256, 32, SQLITE_STATIC);
		r = step_row(c, st, "credential_get");
	}
	if (r == WP_OK) {
		read_partner(st, a, partner);
		out->partner_id = partner->id;
		out->surface = col_text(st, 4, a);
		out->login = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : col_text(st, 5, a);
		const void *d = sqlite3_column_blob(st, 6);
		if (d != NULL && sqlite3_column_bytes(st, 6) == 32)
			memcpy(out->secret_sha256, d, 32);
		else
			memset(out->secret_sha256, 0, 32);
		out->sealed_secret = col_text(st, 7, a);
		out->created_ms = sqlite3_column_int64(st, 8);
		if (!partner->email || !partner->name || !out->surface || !out->sealed_secret)
			r = WP_E_NOMEM;
	}
	done(st);
	if (tx == NULL)
		release(s, c);
	return r;
}

static wp_status sqlite_crypto_key_insert(struct wp_tx *tx, const struct wp_crypto_key *k)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_CRYPTO_KEY_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, k->surface, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, k->partner_id);
		sqlite3_bind_text(st, 4, k->login, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, k->server_private_sealed, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, k->server_public, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, k->partner_public, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, k->created_ms);
		r = step_write(c, st, "crypto_key_insert");
	}
	done(st);
	return r;
}

static wp_status sqlite_crypto_key_get(struct wp_store *base, const char *surface, const char *id,
				       wp_arena *a, struct wp_crypto_key *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, ST_CRYPTO_KEY_GET);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, surface, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		r = step_row(c, st, "crypto_key_get");
	}
	if (r == WP_OK) {
		out->id = col_text(st, 0, a);
		out->surface = col_text(st, 1, a);
		out->partner_id = sqlite3_column_int64(st, 2);
		out->login = col_text(st, 3, a);
		out->server_private_sealed = col_text(st, 4, a);
		out->server_public = col_text(st, 5, a);
		out->partner_public = col_text(st, 6, a);
		out->created_ms = sqlite3_column_int64(st, 7);
		if (!out->id || !out->surface || !out->login || !out->server_private_sealed ||
		    !out->server_public || !out->partner_public)
			r = WP_E_NOMEM;
	}
	done(st);
	release(s, c);
	return r;
}

/* ---- AQR ---- */

static wp_status sqlite_aqr_insert(struct wp_tx *tx, const struct wp_aqr_link *l)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_AQR_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, l->keyword, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, l->partner_id);
		sqlite3_bind_int(st, 3, l->bank_id);
		sqlite3_bind_text(st, 4, l->bank_code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, l->account_number, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, l->account_owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, l->phone_number, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, l->account_name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, l->created_ms);
		r = step_write(c, st, "aqr_insert");
	}
	done(st);
	return r;
}

/* The link on this connection (inside or outside a transaction). */
static wp_status aqr_get_on(struct conn *c, const char *keyword, wp_arena *a,
			    struct wp_aqr_link *out)
{
	sqlite3_stmt *st = stmt(c, ST_AQR_GET);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, keyword, -1, SQLITE_STATIC);
		r = step_row(c, st, "aqr_get");
		if (r == WP_OK) {
			out->keyword = col_text(st, 0, a);
			out->partner_id = sqlite3_column_int64(st, 1);
			out->bank_id = sqlite3_column_int(st, 2);
			out->bank_code = col_text(st, 3, a);
			out->account_number = col_text(st, 4, a);
			out->account_owner = col_text(st, 5, a);
			out->phone_number = col_text(st, 6, a);
			out->account_name = col_text(st, 7, a);
			out->created_ms = sqlite3_column_int64(st, 8);
			out->deleted_ms = sqlite3_column_int64(st, 9);
			r = out->keyword && out->bank_code && out->account_number &&
				    out->account_owner && out->phone_number && out->account_name
				? WP_OK
				: WP_E_NOMEM;
		}
	}
	done(st);
	return r;
}

static wp_status sqlite_aqr_get(struct wp_store *base, const char *keyword, wp_arena *a,
				struct wp_aqr_link *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	wp_status r = aqr_get_on(c, keyword, a, out);
	release(s, c);
	return r;
}

static wp_status sqlite_aqr_delete(struct wp_tx *tx, const char *keyword, int64_t partner_id,
				   int64_t now_ms)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_AQR_DELETE);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, keyword, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, partner_id);
		sqlite3_bind_int64(st, 3, now_ms);
		r = step_write(c, st, "aqr_delete");
		if (r == WP_OK && sqlite3_changes(c->db) == 0)
			r = WP_E_NOT_FOUND; /* refined below: unknown, foreign, or already gone */
	}
	done(st);
	if (r == WP_E_NOT_FOUND) {
		wp_arena a;
		wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
		struct wp_aqr_link l;
		wp_status g = aqr_get_on(c, keyword, &a, &l);
		if (g == WP_OK && l.partner_id == partner_id && l.deleted_ms != 0)
			r = WP_E_GONE;
		else if (g != WP_OK && g != WP_E_NOT_FOUND)
			r = g;
		wp_arena_free(&a);
	}
	return r;
}

/* ---- ledger ---- */

static void read_account(sqlite3_stmt *st, struct wp_account *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->code = sqlite3_column_int(st, 1);
	a->flags = (uint32_t)sqlite3_column_int64(st, 2);
	a->debits_posted = sqlite3_column_int64(st, 3);
	a->credits_posted = sqlite3_column_int64(st, 4);
	a->debits_pending = sqlite3_column_int64(st, 5);
	a->credits_pending = sqlite3_column_int64(st, 6);
	a->created_ms = sqlite3_column_int64(st, 7);
}

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	if (n >= cap)
		n = cap - 1;
	if (t != NULL)
		memcpy(dst, t, n);
	dst[t ? n : 0] = '\0';
}

static void read_transfer(sqlite3_stmt *st, struct wp_transfer *t)
{
	copy_col(st, 0, t->id, sizeof(t->id));
	t->debit_account_id = sqlite3_column_int64(st, 1);
	t->credit_account_id = sqlite3_column_int64(st, 2);
	t->amount = sqlite3_column_int64(st, 3);
	t->code = sqlite3_column_int(st, 4);
	t->flags = (uint32_t)sqlite3_column_int64(st, 5);
	copy_col(st, 6, t->pending_id, sizeof(t->pending_id));
	t->timeout_s = sqlite3_column_int64(st, 7);
	copy_col(st, 8, t->ref, sizeof(t->ref));
	t->created_ms = sqlite3_column_int64(st, 9);
	t->expires_ms = sqlite3_column_int64(st, 10);
	t->state = sqlite3_column_int(st, 11);
	t->result = sqlite3_column_int(st, 12);
}

static wp_status account_get_on(struct conn *c, int64_t id, struct wp_account *out)
{
	sqlite3_stmt *st = stmt(c, ST_ACCOUNT_GET);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, id);
		r = step_row(c, st, "account_get");
		if (r == WP_OK)
			read_account(st, out);
	}
	done(st);
	return r;
}

static wp_status transfer_get_on(struct conn *c, const char *id, struct wp_transfer *out)
{
	sqlite3_stmt *st = stmt(c, ST_TRANSFER_GET);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		r = step_row(c, st, "transfer_get");
		if (r == WP_OK)
			read_transfer(st, out);
	}
	done(st);
	return r;
}

static wp_status sqlite_account_insert(struct wp_tx *tx, struct wp_account *a)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_ACCOUNT_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_int(st, 1, a->code);
		sqlite3_bind_int64(st, 2, a->flags);
		sqlite3_bind_int64(st, 3, a->debits_posted);
		sqlite3_bind_int64(st, 4, a->credits_posted);
		sqlite3_bind_int64(st, 5, a->debits_pending);
		sqlite3_bind_int64(st, 6, a->credits_pending);
		sqlite3_bind_int64(st, 7, a->created_ms);
		r = step_write(c, st, "account_insert");
		if (r == WP_OK)
			a->id = sqlite3_last_insert_rowid(c->db);
	}
	done(st);
	return r;
}

static wp_status sqlite_account_get(struct wp_tx *tx, int64_t id, struct wp_account *out)
{
	return account_get_on(txc(tx), id, out);
}

static wp_status sqlite_account_update(struct wp_tx *tx, const struct wp_account *a)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_ACCOUNT_UPDATE);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, a->id);
		sqlite3_bind_int64(st, 2, a->debits_posted);
		sqlite3_bind_int64(st, 3, a->credits_posted);
		sqlite3_bind_int64(st, 4, a->debits_pending);
		sqlite3_bind_int64(st, 5, a->credits_pending);
		r = step_write(c, st, "account_update");
		if (r == WP_OK && sqlite3_changes(c->db) != 1)
			r = WP_E_NOT_FOUND;
	}
	done(st);
	return r;
}

static wp_status sqlite_transfer_get(struct wp_tx *tx, const char *id, struct wp_transfer *out)
{
	return transfer_get_on(txc(tx), id, out);
}

static wp_status sqlite_transfer_insert(struct wp_tx *tx, const struct wp_transfer *t)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_TRANSFER_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, t->debit_account_id);
		sqlite3_bind_int64(st, 3, t->credit_account_id);
		sqlite3_bind_int64(st, 4, t->amount);
		sqlite3_bind_int(st, 5, t->code);
		sqlite3_bind_int64(st, 6, t->flags);
		sqlite3_bind_text(st, 7, t->pending_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, t->timeout_s);
		sqlite3_bind_text(st, 9, t->ref, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 10, t->created_ms);
		sqlite3_bind_int64(st, 11, t->expires_ms);
		sqlite3_bind_int(st, 12, t->state);
		sqlite3_bind_int(st, 13, t->result);
		r = step_write(c, st, "transfer_insert");
	}
	done(st);
	return r;
}

static wp_status sqlite_transfer_set_state(struct wp_tx *tx, const char *id, int32_t state)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_TRANSFER_SET_STATE);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, state);
		r = step_write(c, st, "transfer_set_state");
		if (r == WP_OK && sqlite3_changes(c->db) != 1)
			r = WP_E_NOT_FOUND;
	}
	done(st);
	return r;
}

static wp_status sqlite_pending_expired(struct wp_tx *tx, int64_t now_ms,
					char (*ids)[WP_TRANSFER_ID_MAX + 1], size_t max,
					size_t *count)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_PENDING_EXPIRED);
	*count = 0;
	if (st == NULL)
		return WP_E_STORAGE;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *count < max)
		copy_col(st, 0, ids[(*count)++], WP_TRANSFER_ID_MAX + 1);
	done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? WP_OK : WP_E_STORAGE;
}

static wp_status sqlite_account_read(struct wp_store *base, int64_t id, struct wp_account *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	wp_status r = account_get_on(c, id, out);
	release(s, c);
	return r;
}

static wp_status sqlite_transfer_read(struct wp_store *base, const char *id,
				      struct wp_transfer *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	wp_status r = transfer_get_on(c, id, out);
	release(s, c);
	return r;
}

/*
 * Both tables read from one snapshot (a read transaction on one connection),
 * so a verify running beside the writer never sees half of a batch.
 */
static wp_status sqlite_ledger_scan(struct wp_store *base, wp_account_cb acb, wp_transfer_cb tcb,
				    void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	int rc = sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
	sqlite3_stmt *st = rc == SQLITE_OK ? stmt(c, ST_ACCOUNTS_EACH) : NULL;
	rc = SQLITE_ERROR;
	while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct wp_account a;
		read_account(st, &a);
		acb(ctx, &a);
	}
	done(st);
	if (rc == SQLITE_DONE) {
		st = stmt(c, ST_TRANSFERS_EACH);
		rc = SQLITE_ERROR;
		while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct wp_transfer t;
			read_transfer(st, &t);
			tcb(ctx, &t);
		}
		done(st);
	}
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	release(s, c);
	return rc == SQLITE_DONE ? WP_OK : WP_E_STORAGE;
}

/* ---- sandbox bank network ---- */

static void read_bank_account(sqlite3_stmt *st, struct wp_bank_account *a)
{
	copy_col(st, 0, a->bank_code, sizeof(a->bank_code));
	copy_col(st, 1, a->account_number, sizeof(a->account_number));
	copy_col(st, 2, a->holder_name, sizeof(a->holder_name));
	copy_col(st, 3, a->birth_date, sizeof(a->birth_date));
	copy_col(st, 4, a->business_no, sizeof(a->business_no));
	copy_col(st, 5, a->kind, sizeof(a->kind));
	copy_col(st, 6, a->status, sizeof(a->status));
	copy_col(st, 7, a->simulate, sizeof(a->simulate));
	a->ledger_account_id = sqlite3_column_int64(st, 8);
	a->created_ms = sqlite3_column_int64(st, 9);
}

static wp_status bank_account_query(struct conn *c, enum stmt_id id, const char *code,
				    const char *number, int64_t ledger_id,
				    struct wp_bank_account *out)
{
	sqlite3_stmt *st = stmt(c, id);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		if (id == ST_BANK_ACCOUNT_BY_LEDGER) {
			sqlite3_bind_int64(st, 1, ledger_id);
		} else {
			sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
		}
		r = step_row(c, st, "bank_account_get");
		if (r == WP_OK)
			read_bank_account(st, out);
	}
	done(st);
	return r;
}

static wp_status sqlite_bank_account_insert(struct wp_tx *tx, const struct wp_bank_account *a)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_BANK_ACCOUNT_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, a->bank_code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a->account_number, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, a->holder_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, a->birth_date, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, a->business_no, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, a->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, a->status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, a->simulate, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, a->ledger_account_id);
		sqlite3_bind_int64(st, 10, a->created_ms);
		r = step_write(c, st, "bank_account_insert");
	}
	done(st);
	return r;
}

static wp_status sqlite_bank_account_get(struct wp_tx *tx, const char *code, const char *number,
					 struct wp_bank_account *out)
{
	return bank_account_query(txc(tx), ST_BANK_ACCOUNT_GET, code, number, 0, out);
}

static wp_status sqlite_bank_account_set_status(struct wp_tx *tx, const char *code,
						const char *number, const char *status)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_BANK_ACCOUNT_SET_STATUS);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
		r = step_write(c, st, "bank_account_set_status");
		if (r == WP_OK && sqlite3_changes(c->db) != 1)
			r = WP_E_NOT_FOUND;
	}
	done(st);
	return r;
}

static wp_status sqlite_bank_reserve_get(struct wp_tx *tx, const char *code, int64_t *ledger_id)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_BANK_RESERVE_GET);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
		r = step_row(c, st, "bank_reserve_get");
		if (r == WP_OK)
			*ledger_id = sqlite3_column_int64(st, 0);
	}
	done(st);
	return r;
}

static wp_status sqlite_bank_reserve_insert(struct wp_tx *tx, const char *code, int64_t ledger_id)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_BANK_RESERVE_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, ledger_id);
		r = step_write(c, st, "bank_reserve_insert");
	}
	done(st);
	return r;
}

static wp_status sqlite_sandbox_clear(struct wp_tx *tx)
{
	char *msg = NULL;
	int rc = sqlite3_exec(txc(tx)->db,
			      "DELETE FROM bank_accounts; DELETE FROM bank_reserves; "
			      "DELETE FROM ledger_transfers; DELETE FROM ledger_accounts;",
			      NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_db_error(txc(tx)->db, "sandbox_clear");
		sqlite3_free(msg);
		return WP_E_STORAGE;
	}
	return WP_OK;
}

static wp_status sqlite_bank_account_read(struct wp_store *base, const char *code,
					  const char *number, struct wp_bank_account *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	wp_status r = bank_account_query(c, ST_BANK_ACCOUNT_GET, code, number, 0, out);
	release(s, c);
	return r;
}

static wp_status sqlite_bank_account_by_ledger(struct wp_store *base, int64_t ledger_id,
					       struct wp_bank_account *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	wp_status r = bank_account_query(c, ST_BANK_ACCOUNT_BY_LEDGER, NULL, NULL, ledger_id, out);
	release(s, c);
	return r;
}

/* ---- surface objects ---- */

static wp_status doc_write(struct wp_tx *tx, enum stmt_id id, const struct wp_doc *d)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, id);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, d->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, d->ref ? d->ref : "", -1, SQLITE_STATIC);
		if (d->uniq != NULL)
			sqlite3_bind_text(st, 5, d->uniq, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_text(st, 6, d->body, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, d->created_ms);
		sqlite3_bind_int64(st, 8, d->updated_ms);
		r = step_write(c, st, "doc_write");
		if (r == WP_OK && id == ST_DOC_UPDATE && sqlite3_changes(c->db) != 1)
			r = WP_E_NOT_FOUND;
	}
	done(st);
	return r;
}

static wp_status sqlite_doc_insert(struct wp_tx *tx, const struct wp_doc *d)
{
	return doc_write(tx, ST_DOC_INSERT, d);
}

static wp_status sqlite_doc_update(struct wp_tx *tx, const struct wp_doc *d)
{
	return doc_write(tx, ST_DOC_UPDATE, d);
}

static wp_status sqlite_doc_delete(struct wp_tx *tx, const char *kind, const char *id)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, id != NULL ? ST_DOC_DELETE : ST_DOC_DELETE_KIND);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		if (id != NULL)
			sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		r = step_write(c, st, "doc_delete");
		if (r == WP_OK && id != NULL && sqlite3_changes(c->db) != 1)
			r = WP_E_NOT_FOUND;
	}
	done(st);
	return r;
}

static bool read_doc(sqlite3_stmt *st, wp_arena *a, struct wp_doc *d)
{
	d->kind = col_text(st, 0, a);
	d->id = col_text(st, 1, a);
	d->owner = col_text(st, 2, a);
	d->ref = col_text(st, 3, a);
	d->uniq = sqlite3_column_type(st, 4) == SQLITE_NULL ? NULL : col_text(st, 4, a);
	d->body = col_text(st, 5, a);
	d->created_ms = sqlite3_column_int64(st, 6);
	d->updated_ms = sqlite3_column_int64(st, 7);
	return d->kind && d->id && d->owner && d->ref && d->body;
}

/* Runs a doc query on tx's connection, or on a pool connection when tx is NULL. */
static wp_status doc_query(struct wp_store *base, struct wp_tx *tx, enum stmt_id id, const char *a1,
			   const char *a2, const char *a3, int64_t limit, wp_arena *arena,
			   struct wp_doc *one, wp_doc_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = tx ? txc(tx) : acquire(s);
	sqlite3_stmt *st = stmt(c, id);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, a1, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a2, -1, SQLITE_STATIC);
		if (a3 != NULL)
			sqlite3_bind_text(st, 3, a3, -1, SQLITE_STATIC);
		if (limit > 0)
			sqlite3_bind_int64(st, 4, limit);
		int rc;
		r = one ? WP_E_NOT_FOUND : WP_OK;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (one != NULL) {
				r = read_doc(st, arena, one) ? WP_OK : WP_E_NOMEM;
				break;
			}
			wp_arena row;
			wp_arena_init(&row, WP_STORE_ROW_ARENA_BYTES);
			struct wp_doc d;
			if (read_doc(st, &row, &d))
				cb(ctx, &d);
			wp_arena_free(&row);
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			log_db_error(c->db, "doc_query");
			r = WP_E_STORAGE;
		}
	}
	done(st);
	if (tx == NULL)
		release(s, c);
	return r;
}

static wp_status sqlite_doc_get(struct wp_store *s, struct wp_tx *tx, const char *kind,
				const char *id, wp_arena *a, struct wp_doc *out)
{
	return doc_query(s, tx, ST_DOC_GET, kind, id, NULL, 0, a, out, NULL, NULL);
}

static wp_status sqlite_doc_by_uniq(struct wp_store *s, struct wp_tx *tx, const char *kind,
				    const char *uniq, wp_arena *a, struct wp_doc *out)
{
	return doc_query(s, tx, ST_DOC_BY_UNIQ, kind, uniq, NULL, 0, a, out, NULL, NULL);
}

static wp_status sqlite_doc_find(struct wp_store *s, struct wp_tx *tx, const char *kind,
				 const char *owner, const char *ref, size_t max, wp_doc_cb cb,
				 void *ctx)
{
	return doc_query(s, tx, ST_DOC_FIND, kind, owner, ref, max > 0 ? (int64_t)max : 1, NULL,
			 NULL, cb, ctx);
}

/* ---- webhook outbox ---- */

static void bind_webhook(sqlite3_stmt *st, const struct wp_webhook *w)
{
	sqlite3_bind_text(st, 1, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->surface, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, w->event_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, w->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, w->body ? w->body : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, w->state);
	sqlite3_bind_int(st, 8, w->attempts);
	sqlite3_bind_int(st, 9, w->tries);
	sqlite3_bind_int(st, 10, w->last_status);
	sqlite3_bind_text(st, 11, w->last_error ? w->last_error : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, w->round_ms);
	sqlite3_bind_int64(st, 13, w->next_ms);
	sqlite3_bind_int64(st, 14, w->created_ms);
	sqlite3_bind_int64(st, 15, w->updated_ms);
}

static wp_status webhook_write(struct wp_tx *tx, enum stmt_id id, const struct wp_webhook *w)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, id);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		bind_webhook(st, w);
		r = step_write(c, st, "webhook_write");
		if (r == WP_OK && id == ST_WEBHOOK_UPDATE && sqlite3_changes(c->db) != 1)
			r = WP_E_NOT_FOUND;
	}
	done(st);
	return r;
}

static wp_status sqlite_webhook_insert(struct wp_tx *tx, const struct wp_webhook *w)
{
	return webhook_write(tx, ST_WEBHOOK_INSERT, w);
}

static wp_status sqlite_webhook_update(struct wp_tx *tx, const struct wp_webhook *w)
{
	return webhook_write(tx, ST_WEBHOOK_UPDATE, w);
}

/* A row of WEBHOOK_READ; body NULL when the query left it out. */
static bool read_webhook(sqlite3_stmt *st, wp_arena *a, struct wp_webhook *w)
{
	w->id = col_text(st, 0, a);
	w->surface = col_text(st, 1, a);
	w->owner = col_text(st, 2, a);
	w->event_id = col_text(st, 3, a);
	w->url = col_text(st, 4, a);
	w->body = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : col_text(st, 5, a);
	w->state = sqlite3_column_int(st, 6);
	w->attempts = sqlite3_column_int(st, 7);
	w->tries = sqlite3_column_int(st, 8);
	w->last_status = sqlite3_column_int(st, 9);
	w->last_error = col_text(st, 10, a);
	w->round_ms = sqlite3_column_int64(st, 11);
	w->next_ms = sqlite3_column_int64(st, 12);
	w->created_ms = sqlite3_column_int64(st, 13);
	w->updated_ms = sqlite3_column_int64(st, 14);
	w->seq = sqlite3_column_int64(st, 15);
	return w->id && w->surface && w->owner && w->event_id && w->url && w->last_error &&
	       (w->body != NULL || sqlite3_column_type(st, 5) == SQLITE_NULL);
}

static wp_status sqlite_webhook_get(struct wp_store *base, struct wp_tx *tx, const char *id,
				    wp_arena *a, struct wp_webhook *out)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = tx ? txc(tx) : acquire(s);
	sqlite3_stmt *st = stmt(c, ST_WEBHOOK_GET);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		r = step_row(c, st, "webhook_get");
		if (r == WP_OK && !read_webhook(st, a, out))
			r = WP_E_NOMEM;
	}
	done(st);
	if (tx == NULL)
		release(s, c);
	return r;
}

/* Each row of a bound query to cb, with its strings in a row arena. */
static wp_status webhook_rows(struct conn *c, sqlite3_stmt *st, wp_webhook_cb cb, void *ctx)
{
	if (fault(c->store, FAULT_READ))
		return WP_E_STORAGE;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		wp_arena row;
		wp_arena_init(&row, WP_STORE_ROW_ARENA_BYTES);
		struct wp_webhook w;
		if (read_webhook(st, &row, &w))
			cb(ctx, &w);
		wp_arena_free(&row);
	}
	if (rc == SQLITE_DONE)
		return WP_OK;
	log_db_error(c->db, "webhook_rows");
	return WP_E_STORAGE;
}

static wp_status sqlite_webhook_due(struct wp_store *base, int64_t now_ms, int64_t after_ms,
				    int64_t after_seq, size_t max, wp_webhook_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, ST_WEBHOOK_DUE);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, now_ms);
		sqlite3_bind_int64(st, 2, max > 0 ? (int64_t)max : 1);
		sqlite3_bind_int64(st, 3, after_ms);
		sqlite3_bind_int64(st, 4, after_seq);
		r = webhook_rows(c, st, cb, ctx);
	}
	done(st);
	release(s, c);
	return r;
}

static wp_status sqlite_webhook_next_due(struct wp_store *base, int64_t *next_ms)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, ST_WEBHOOK_NEXT_DUE);
	wp_status r = st ? step_row(c, st, "webhook_next_due") : WP_E_STORAGE;
	if (r == WP_OK)
		*next_ms = sqlite3_column_int64(st, 0);
	done(st);
	release(s, c);
	return r;
}

static wp_status sqlite_webhook_list(struct wp_store *base, const char *surface, const char *owner,
				     size_t max, wp_webhook_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, owner ? ST_WEBHOOK_LIST_OWNER : ST_WEBHOOK_LIST);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, surface, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, max > 0 ? (int64_t)max : 1);
		if (owner != NULL)
			sqlite3_bind_text(st, 3, owner, -1, SQLITE_STATIC);
		r = webhook_rows(c, st, cb, ctx);
	}
	done(st);
	release(s, c);
	return r;
}

static wp_status sqlite_webhook_attempt_insert(struct wp_tx *tx, const struct wp_webhook_attempt *a)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_WEBHOOK_ATTEMPT_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, a->delivery_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, a->n);
		sqlite3_bind_int64(st, 3, a->at_ms);
		sqlite3_bind_int64(st, 4, a->duration_ms);
		sqlite3_bind_int(st, 5, a->http_status);
		sqlite3_bind_text(st, 6, a->error ? a->error : "", -1, SQLITE_STATIC);
		r = step_write(c, st, "webhook_attempt_insert");
	}
	done(st);
	return r;
}

static wp_status sqlite_webhook_attempts(struct wp_store *base, const char *delivery_id, size_t max,
					 wp_webhook_attempt_cb cb, void *ctx)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = acquire(s);
	sqlite3_stmt *st = stmt(c, ST_WEBHOOK_ATTEMPTS);
	wp_status r = WP_E_STORAGE;
	if (st != NULL && !fault(s, FAULT_READ)) {
		sqlite3_bind_text(st, 1, delivery_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, max > 0 ? (int64_t)max : 1);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			wp_arena row;
			wp_arena_init(&row, WP_SCRATCH_ARENA_BYTES);
			struct wp_webhook_attempt a = {
			    .delivery_id = col_text(st, 0, &row),
			    .n = sqlite3_column_int(st, 1),
			    .at_ms = sqlite3_column_int64(st, 2),
			    .duration_ms = sqlite3_column_int64(st, 3),
			    .http_status = sqlite3_column_int(st, 4),
			    .error = col_text(st, 5, &row),
			};
			if (a.delivery_id != NULL && a.error != NULL)
				cb(ctx, &a);
			wp_arena_free(&row);
		}
		if (rc == SQLITE_DONE)
			r = WP_OK;
		else
			log_db_error(c->db, "webhook_attempts");
	}
	done(st);
	release(s, c);
	return r;
}

static wp_status sqlite_webhook_secret_insert(struct wp_tx *tx, const char *surface,
					      const char *owner, const char *sealed, int64_t now_ms)
{
	struct conn *c = txc(tx);
	sqlite3_stmt *st = stmt(c, ST_WEBHOOK_SECRET_INSERT);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, surface, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, sealed, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now_ms);
		r = step_write(c, st, "webhook_secret_insert");
	}
	done(st);
	return r;
}

static wp_status sqlite_webhook_secret_get(struct wp_store *base, struct wp_tx *tx,
					   const char *surface, const char *owner, wp_arena *a,
					   const char **sealed)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct conn *c = tx ? txc(tx) : acquire(s);
	sqlite3_stmt *st = stmt(c, ST_WEBHOOK_SECRET_GET);
	wp_status r = WP_E_STORAGE;
	if (st != NULL) {
		sqlite3_bind_text(st, 1, surface, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
		r = step_row(c, st, "webhook_secret_get");
		if (r == WP_OK && (*sealed = col_text(st, 0, a)) == NULL)
			r = WP_E_NOMEM;
	}
	done(st);
	if (tx == NULL)
		release(s, c);
	return r;
}

static const struct wp_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .migrate = sqlite_migrate,
    .ping = sqlite_ping,
    .health_write = sqlite_health_write,
    .used_token_insert = sqlite_used_token_insert,
    .used_token_get = sqlite_used_token_get,
    .used_token_expire = sqlite_used_token_expire,
    .tx_begin = sqlite_tx_begin,
    .tx_savepoint = sqlite_tx_savepoint,
    .tx_release = sqlite_tx_release,
    .tx_rollback_to = sqlite_tx_rollback_to,
    .tx_commit = sqlite_tx_commit,
    .tx_rollback = sqlite_tx_rollback,
    .partner_insert = sqlite_partner_insert,
    .partner_count = sqlite_partner_count,
    .partner_list = sqlite_partner_list,
    .partner_by_email = sqlite_partner_by_email,
    .credential_insert = sqlite_credential_insert,
    .credential_get = sqlite_credential_get,
    .crypto_key_insert = sqlite_crypto_key_insert,
    .crypto_key_get = sqlite_crypto_key_get,
    .aqr_insert = sqlite_aqr_insert,
    .aqr_get = sqlite_aqr_get,
    .aqr_delete = sqlite_aqr_delete,
    .account_insert = sqlite_account_insert,
    .account_get = sqlite_account_get,
    .account_update = sqlite_account_update,
    .transfer_get = sqlite_transfer_get,
    .transfer_insert = sqlite_transfer_insert,
    .transfer_set_state = sqlite_transfer_set_state,
    .pending_expired = sqlite_pending_expired,
    .account_read = sqlite_account_read,
    .transfer_read = sqlite_transfer_read,
    .ledger_scan = sqlite_ledger_scan,
    .bank_account_insert = sqlite_bank_account_insert,
    .bank_account_get = sqlite_bank_account_get,
    .bank_account_set_status = sqlite_bank_account_set_status,
    .bank_reserve_get = sqlite_bank_reserve_get,
    .bank_reserve_insert = sqlite_bank_reserve_insert,
    .sandbox_clear = sqlite_sandbox_clear,
    .bank_account_read = sqlite_bank_account_read,
    .bank_account_by_ledger = sqlite_bank_account_by_ledger,
    .doc_insert = sqlite_doc_insert,
    .doc_update = sqlite_doc_update,
    .doc_delete = sqlite_doc_delete,
    .doc_get = sqlite_doc_get,
    .doc_by_uniq = sqlite_doc_by_uniq,
    .doc_find = sqlite_doc_find,
    .webhook_insert = sqlite_webhook_insert,
    .webhook_update = sqlite_webhook_update,
    .webhook_get = sqlite_webhook_get,
    .webhook_due = sqlite_webhook_due,
    .webhook_next_due = sqlite_webhook_next_due,
    .webhook_list = sqlite_webhook_list,
    .webhook_attempt_insert = sqlite_webhook_attempt_insert,
    .webhook_attempts = sqlite_webhook_attempts,
    .webhook_secret_insert = sqlite_webhook_secret_insert,
    .webhook_secret_get = sqlite_webhook_secret_get,
};
