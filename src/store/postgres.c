/*
 * postgres.c — the PostgreSQL backend of store.h (libpq).
 *
 * The same contract as sqlite.c, on a server instead of a file:
 * - A fixed pool of connections, each used by one thread at a time; each
 *   prepares a statement the first time it runs it (PQprepare) and keeps it
 *   for the connection's life. Values only ever travel as parameters.
 * - Every session runs with synchronous_commit=on: COMMIT returns once the
 *   commit record is flushed (on the standby too, where the operator has one),
 *   and tx_commit says WP_OK only when COMMIT itself answered COMMIT. A
 *   transaction PostgreSQL has aborted answers COMMIT with ROLLBACK: that is
 *   a failure here, never a success.
 * - One write transaction at a time per process (write_lock), as sqlite.c,
 *   and across processes: several wonpay processes may serve one database,
 *   and each write transaction first takes a transaction-scoped advisory
 *   lock (WRITE_KEY) that every one of them takes. Batches of different
 *   processes run one after another, never interleaved: what a command
 *   reads in its transaction (balances, used tokens, idempotency keys) is
 *   everything committed before by any process, and nothing another process
 *   does can change it before this COMMIT; no deadlock is possible. The
 *   lock goes with the transaction (COMMIT, ROLLBACK, a lost session).
 *   Waiting for it is bounded by lock_timeout (WP_STORE_BUSY_TIMEOUT_MS),
 *   like SQLite's busy timeout: past it the batch fails with 503s.
 * - A statement that fails leaves a PostgreSQL transaction aborted until a
 *   ROLLBACK TO; the commit queue runs each command in a savepoint, so a
 *   failed command undoes only itself. Inserts whose callers retry on
 *   WP_E_CONFLICT (a keyword, an id drawn at random) use ON CONFLICT DO
 *   NOTHING, so a conflict is an answer, not an error that aborts.
 * - A lost connection fails what runs on it with WP_E_STORAGE (callers answer
 *   503). The next time the pool hands it out it is re-established
 *   (PQreset), never in the middle of a transaction: a statement meant for a
 *   transaction never runs in autocommit on a new session.
 * - The URL goes to libpq untouched (sslmode, sslrootcert, ... are its
 *   parameters); messages show it without its password (wp_store_describe).
 *
 * Fault injection (test builds) is SQLite's alone: wp_store_inject is a
 * no-op on this backend.
 *
 * Webhook deliveries are claimed one attempt at a time (webhook_claim), so
 * with several processes each attempt is made by exactly one of them.
 */
#include <assert.h>
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bounds.h"
#include "store/postgres.h"
#include "util/clock.h"
#include "util/embedded.h"

#define CREDENTIAL_COLS                                                                            \
	"p.id, p.email, p.name, p.created_ms, c.surface, c.login, "                                \
	"c.secret_sha256, c.sealed_secret, c.created_ms"
#define CRYPTO_KEY_COLS                                                                            \
	"id, surface, partner_id, login, server_private_sealed, server_public, "                   \
	"partner_public, created_ms"
/* Every write transaction takes it first (pg_tx_begin): one writer at a time across processes. */
#define WRITE_KEY "7742363371570299" /* "wonpay" in a bigint */
/* Migrations take it for their transaction: two starts never migrate at once. */
#define MIGRATE_KEY "7742363371570300"
#define DOC_COLS "kind, id, owner, ref, uniq, body, created_ms, updated_ms"
#define WEBHOOK_COLS(BODY)                                                                         \
	"id, surface, owner, event_id, url, " BODY ", state, attempts, tries, last_status, "       \
	"last_error, round_ms, next_ms, created_ms, updated_ms"
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

/* Each statement's parameters are exactly $1..$n, every one referenced (PostgreSQL infers types). */
static const char *const stmt_sql[ST_COUNT] = {
    [ST_PING] = "SELECT 1",
    [ST_SESSION] = "SELECT set_config('synchronous_commit', 'on', false), "
		   "set_config('lock_timeout', $1, false), "
		   "set_config('idle_in_transaction_session_timeout', $2, false), "
		   "set_config('client_min_messages', 'warning', false), "
		   "set_config('bytea_output', 'hex', false)",
    [ST_HEALTH_WRITE] = "INSERT INTO health(id, checked_ms) VALUES (1, $1) "
			"ON CONFLICT (id) DO UPDATE SET checked_ms = excluded.checked_ms",
    [ST_USED_TOKEN_INSERT] =
	"INSERT INTO used_tokens(scope, digest, expires_ms) VALUES ($1, $2, $3) "
	"ON CONFLICT (scope, digest) DO UPDATE SET expires_ms = excluded.expires_ms "
	"WHERE used_tokens.expires_ms <= $4",
    [ST_USED_TOKEN_GET] = "SELECT expires_ms FROM used_tokens WHERE scope = $1 AND digest = $2",
    [ST_USED_TOKEN_EXPIRE] = "DELETE FROM used_tokens WHERE ctid IN (SELECT ctid FROM used_tokens "
			     "WHERE expires_ms <= $1 LIMIT $2)",
    [ST_PARTNER_INSERT] = "INSERT INTO partners(email, name, created_ms) VALUES ($1, $2, $3) "
			  "ON CONFLICT DO NOTHING RETURNING id",
    [ST_PARTNER_COUNT] = "SELECT count(*) FROM partners",
    [ST_PARTNER_LIST] = "SELECT id, email, name, created_ms FROM partners ORDER BY id",
    [ST_PARTNER_BY_EMAIL] = "SELECT id, email, name, created_ms FROM partners "
			    "WHERE lower(email) = lower($1)",
    [ST_CREDENTIAL_INSERT] = "INSERT INTO credentials(partner_id, surface, secret_sha256, login, "
			     "sealed_secret, created_ms) VALUES ($1, $2, $3, $4, $5, $6) "
			     "ON CONFLICT DO NOTHING",
    [ST_CREDENTIAL_BY_LOGIN] = "SELECT " CREDENTIAL_COLS " FROM credentials c "
			       "JOIN partners p ON p.id = c.partner_id "
			       "WHERE c.surface = $1 AND c.login = $2",
    [ST_CREDENTIAL_BY_SECRET] = "SELECT " CREDENTIAL_COLS " FROM credentials c "
				"JOIN partners p ON p.id = c.partner_id "
				"WHERE c.surface = $1 AND c.secret_sha256 = $2",
    [ST_CRYPTO_KEY_INSERT] = "INSERT INTO crypto_keys(" CRYPTO_KEY_COLS ") "
			     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    [ST_CRYPTO_KEY_GET] = "SELECT " CRYPTO_KEY_COLS " FROM crypto_keys "
			  "WHERE surface = $1 AND id = $2",
    [ST_AQR_INSERT] = "INSERT INTO aqr_links(keyword, partner_id, bank_id, bank_code, "
		      "account_number, account_owner, phone_number, account_name, created_ms) "
		      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    [ST_AQR_GET] = "SELECT keyword, partner_id, bank_id, bank_code, account_number, "
		   "account_owner, phone_number, account_name, created_ms, deleted_ms "
		   "FROM aqr_links WHERE keyword = $1",
    [ST_AQR_DELETE] = "UPDATE aqr_links SET deleted_ms = $3 "
		      "WHERE keyword = $1 AND partner_id = $2 AND deleted_ms IS NULL",
    [ST_BEGIN] = "BEGIN",
    [ST_WRITE_LOCK] = "SELECT pg_advisory_xact_lock(" WRITE_KEY ")",
    /* ledger verify: both tables from one snapshot */
    [ST_BEGIN_SNAPSHOT] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT cmd",
    [ST_RELEASE] = "RELEASE cmd",
    [ST_ROLLBACK_TO] = "ROLLBACK TO cmd",
    [ST_ACCOUNT_INSERT] = "INSERT INTO ledger_accounts(code, flags, debits_posted, credits_posted, "
			  "debits_pending, credits_pending, created_ms) "
			  "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [ST_ACCOUNT_GET] = "SELECT " ACCOUNT_COLS " FROM ledger_accounts WHERE id = $1",
    /* deferred (wp_pg_defer): exactly one row, checked when its result is read */
    [ST_ACCOUNT_UPDATE] = "UPDATE ledger_accounts SET debits_posted = $2, credits_posted = $3, "
			  "debits_pending = $4, credits_pending = $5 WHERE id = $1",
    [ST_ACCOUNTS_EACH] = "SELECT " ACCOUNT_COLS " FROM ledger_accounts ORDER BY id",
    [ST_TRANSFER_GET] = "SELECT " TRANSFER_COLS " FROM ledger_transfers WHERE id = $1",
    [ST_TRANSFER_INSERT] = "INSERT INTO ledger_transfers(" TRANSFER_COLS ") "
			   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    [ST_TRANSFER_SET_STATE] = "UPDATE ledger_transfers SET state = $2 WHERE id = $1",
    [ST_TRANSFERS_EACH] = "SELECT " TRANSFER_COLS " FROM ledger_transfers ORDER BY created_ms, id",
    [ST_PENDING_EXPIRED] = "SELECT id FROM ledger_transfers WHERE state = 1 AND expires_ms > 0 "
			   "AND expires_ms <= $1 ORDER BY expires_ms LIMIT $2",
    [ST_BANK_ACCOUNT_INSERT] = "INSERT INTO bank_accounts(" BANK_COLS ") "
			       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
			       "ON CONFLICT DO NOTHING",
    [ST_BANK_ACCOUNT_GET] = "SELECT " BANK_COLS " FROM bank_accounts "
			    "WHERE bank_code = $1 AND account_number = $2",
    [ST_BANK_ACCOUNT_SET_STATUS] = "UPDATE bank_accounts SET status = $3 "
				   "WHERE bank_code = $1 AND account_number = $2",
    [ST_BANK_ACCOUNT_BY_LEDGER] = "SELECT " BANK_COLS " FROM bank_accounts "
				  "WHERE ledger_account_id = $1",
    [ST_BANK_RESERVE_GET] = "SELECT ledger_account_id FROM bank_reserves WHERE bank_code = $1",
    [ST_BANK_RESERVE_INSERT] = "INSERT INTO bank_reserves(bank_code, ledger_account_id) "
			       "VALUES ($1, $2) ON CONFLICT DO NOTHING",
    [ST_SANDBOX_CLEAR] = "WITH a AS (DELETE FROM bank_accounts), b AS (DELETE FROM bank_reserves), "
			 "t AS (DELETE FROM ledger_transfers) DELETE FROM ledger_accounts",
    [ST_DOC_INSERT] = "INSERT INTO docs(" DOC_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
		      "ON CONFLICT DO NOTHING",
    /*
     * A uniq another document holds is a conflict answered, not an error
     * that aborts the transaction: (updated, taken) tells which.
     */
    [ST_DOC_UPDATE] = "WITH taken AS (SELECT 1 FROM docs WHERE kind = $1 AND uniq = $4 "
		      "AND id <> $2 LIMIT 1), "
		      "upd AS (UPDATE docs SET ref = $3, uniq = $4, body = $5, updated_ms = $6 "
		      "WHERE kind = $1 AND id = $2 AND NOT EXISTS (SELECT 1 FROM taken) "
		      "RETURNING 1) "
		      "SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM taken), "
		      "(SELECT count(*) FROM docs WHERE kind = $1 AND id = $2)",
    [ST_DOC_DELETE] = "DELETE FROM docs WHERE kind = $1 AND id = $2",
    [ST_DOC_DELETE_KIND] = "DELETE FROM docs WHERE kind = $1",
    [ST_DOC_GET] = "SELECT " DOC_COLS " FROM docs WHERE kind = $1 AND id = $2",
    [ST_DOC_BY_UNIQ] = "SELECT " DOC_COLS " FROM docs WHERE kind = $1 AND uniq = $2",
    [ST_DOC_FIND] = "SELECT " DOC_COLS " FROM docs WHERE kind = $1 AND owner = $2 AND ref = $3 "
		    "ORDER BY created_ms DESC, id DESC LIMIT $4",
    [ST_WEBHOOK_INSERT] = "INSERT INTO webhook_deliveries(" WEBHOOK_COLS(
	"body") ") "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
		"ON CONFLICT DO NOTHING",
    [ST_WEBHOOK_UPDATE] = "UPDATE webhook_deliveries SET state = $2, attempts = $3, tries = $4, "
			  "last_status = $5, last_error = $6, round_ms = $7, next_ms = $8, "
			  "updated_ms = $9 WHERE id = $1",
    [ST_WEBHOOK_CLAIM] = "UPDATE webhook_deliveries SET next_ms = $3 "
			 "WHERE id = $1 AND state = 0 AND next_ms = $2",
    [ST_WEBHOOK_GET] = "SELECT " WEBHOOK_READ("body") " FROM webhook_deliveries WHERE id = $1",
    [ST_WEBHOOK_DUE] = "SELECT " WEBHOOK_READ(
	"NULL") " FROM webhook_deliveries "
		"WHERE state = 0 AND next_ms <= $1 AND (next_ms > $3 OR (next_ms = $3 AND seq > $4)) "
		"ORDER BY next_ms, seq LIMIT $2",
    [ST_WEBHOOK_NEXT_DUE] = "SELECT next_ms FROM webhook_deliveries WHERE state = 0 "
			    "ORDER BY next_ms LIMIT 1",
    [ST_WEBHOOK_LIST] =
	"SELECT " WEBHOOK_READ("body") " FROM webhook_deliveries "
				       "WHERE surface = $1 ORDER BY seq DESC LIMIT $2",
    [ST_WEBHOOK_LIST_OWNER] = "SELECT " WEBHOOK_READ(
	"body") " FROM webhook_deliveries "
		"WHERE surface = $1 AND owner = $3 ORDER BY seq DESC LIMIT $2",
    [ST_WEBHOOK_ATTEMPT_INSERT] = "INSERT INTO webhook_attempts(delivery_id, n, at_ms, "
				  "duration_ms, http_status, error) "
				  "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    [ST_WEBHOOK_ATTEMPTS] = "SELECT * FROM (SELECT delivery_id, n, at_ms, duration_ms, "
			    "http_status, error FROM webhook_attempts WHERE delivery_id = $1 "
			    "ORDER BY n DESC LIMIT $2) last ORDER BY n",
    [ST_WEBHOOK_SECRET_INSERT] = "INSERT INTO webhook_secrets(surface, owner, sealed, created_ms) "
				 "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    [ST_WEBHOOK_SECRET_GET] = "SELECT sealed FROM webhook_secrets WHERE surface = $1 AND "
			      "owner = $2",
};

/* A statement sent in pipeline mode whose result is read later (wp_pg_defer). */
struct deferred {
	enum stmt_id id;
	unsigned sp; /* the savepoint innermost when it was sent (0: none) */
};

/* Deferred writes that must change exactly one row (else they failed). */
static bool one_row(enum stmt_id id)
{
	return id == ST_ACCOUNT_UPDATE || id == ST_TRANSFER_SET_STATE;
}
#define SP_DEPTH_MAX 8 /* savepoints open at once (a command's, housekeeping's inner ones) */
#define PIPE_MAX 64    /* deferred statements at most before their results are read */

struct conn {
	struct pg_store *store;
	PGconn *pg;
	bool prepared[ST_COUNT];
	bool all_prepared; /* every statement: the connection may enter pipeline mode */
	bool busy;
	bool ready;    /* its session settings are in force (session_setup succeeded) */
	bool broken;   /* its protocol state is unknown: re-established before the next use */
	bool piped;    /* in pipeline mode: a write transaction's connection */
	bool poisoned; /* a command already counted done failed after all: the batch fails */
	unsigned sp_open[SP_DEPTH_MAX]; /* the savepoints open, outermost first */
	unsigned depth, next_sp;
	unsigned pending;
	struct deferred pend[PIPE_MAX];
};

/*
 * Rows a write transaction has read or written, kept for its life: it holds
 * the write lock, so no other process changes them meanwhile, and every
 * change it makes itself goes through here. A transfer reads the same
 * accounts and bank accounts again and again within a batch; each read
 * saved is a round trip to the server. Forgotten on ROLLBACK TO (the
 * database is the truth again) and when the transaction ends.
 */
#define TX_CACHE_ACCOUNTS 16
#define TX_CACHE_BANKS 8
struct tx_cache {
	struct wp_account accounts[TX_CACHE_ACCOUNTS];
	unsigned n_accounts, next_account;
	struct wp_bank_account banks[TX_CACHE_BANKS];
	unsigned n_banks, next_bank;
	bool transfer_known, transfer_found; /* the last transfer_get: its row, or none */
	struct wp_transfer transfer;
};

struct pg_tx {
	struct wp_tx base;
	struct pg_store *store;
	struct conn *conn;
	struct tx_cache cache;
};

struct pg_store {
	struct wp_store base;
	struct pg_tx tx; /* the one open write transaction, guarded by write_lock */
	pthread_mutex_t lock;
	pthread_cond_t freed;
	pthread_mutex_t write_lock;
	unsigned count;
	struct conn conns[WP_STORE_POOL_MAX];
	char url[WP_STORE_PATH_MAX_BYTES];
	char shown[WP_STORE_PATH_MAX_BYTES]; /* the URL without its password, for messages */
};

static const struct wp_store_ops pg_ops;

static int hex_digit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* A bytea in text form ("\x" and hex) into exactly n bytes; zeros if it is not that. */
static void col_bytes(const PGresult *r, int row, int i, uint8_t *out, size_t n)
{
	const char *t = PQgetvalue(r, row, i);
	memset(out, 0, n);
	if ((size_t)PQgetlength(r, row, i) != 2 + 2 * n || t[0] != '\\' || t[1] != 'x')
		return;
	for (size_t k = 0; k < n; k++) {
		int hi = hex_digit(t[2 + 2 * k]), lo = hex_digit(t[3 + 2 * k]);
		if (hi < 0 || lo < 0) {
			memset(out, 0, n);
			return;
		}
		out[k] = (uint8_t)(hi << 4 | lo);
	}
}

/* ---- errors and logging ---- */

/* A libpq message as one line of JSON string (no quotes, backslashes or control bytes). */
static void log_line(const char *op, const char *msg)
{
	char clean[512];
	size_t n = 0;
	for (const char *p = msg ? msg : "?"; *p != '\0' && n + 1 < sizeof(clean); p++)
		clean[n++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? ' ' : *p;
	while (n > 0 && clean[n - 1] == ' ')
		n--;
	clean[n] = '\0';
	fprintf(stderr,
		"{\"level\":\"error\",\"store\":\"postgres\",\"op\":\"%s\",\"error\":\"%s\"}\n", op,
		clean);
}

/* What a failed result means: a constraint is WP_E_CONFLICT, anything else WP_E_STORAGE. */
static wp_status failed(struct conn *c, const PGresult *res, enum stmt_id id)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state != NULL && strncmp(state, "23", 2) == 0)
		return WP_E_CONFLICT; /* integrity constraint violation */
	char op[16];
	snprintf(op, sizeof(op), "s%d", (int)id);
	log_line(op, res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
							 : PQerrorMessage(c->pg));
	return WP_E_STORAGE;
}

/* ---- connections ---- */

/*
 * Session settings every connection runs with, set again after a reconnect:
 * durable commits whatever the server's or the role's default, lock waits
 * bounded as SQLite's busy timeout bounds them, and a transaction left idle
 * (its process frozen) ended by the server, releasing the write lock.
 */
static bool session_setup(struct conn *c)
{
	memset(c->prepared, 0, sizeof(c->prepared));
	c->all_prepared = false;
	char timeout[24], idle[24];
	snprintf(timeout, sizeof(timeout), "%dms", WP_STORE_BUSY_TIMEOUT_MS);
	snprintf(idle, sizeof(idle), "%dms", WP_STORE_IDLE_TX_TIMEOUT_MS);
	const char *v[2] = {timeout, idle};
	PGresult *r = PQexecParams(c->pg, stmt_sql[ST_SESSION], 2, NULL, v, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		log_line("session", PQresultErrorMessage(r));
	PQclear(r);
	c->ready = ok; /* without its settings (synchronous_commit) nothing may run on it */
	return ok;
}

/*
 * Connects with the URL as given; libpq's own defaults apply to what it
 * leaves out. A connect timeout unless the URL names one; the client
 * encoding is always UTF-8 (the server's text is what wonpay stores).
 */
static PGconn *connect_url(const char *url, const char *application_name)
{
	char timeout[16];
	snprintf(timeout, sizeof(timeout), "%d", WP_STORE_BUSY_TIMEOUT_MS / 1000);
	const char *const keys[] = {"connect_timeout",
				    "fallback_application_name",
				    "dbname",
				    "client_encoding",
				    application_name ? "application_name" : NULL,
				    NULL};
	const char *const values[] = {timeout, "wonpay", url, "UTF8", application_name, NULL};
	return PQconnectdbParams(keys, values, 1);
}

/* Whether s occurs in msg, or (quoted, as libpq quotes what it cannot parse) a '/'-separated piece of it. */
static bool quotes(const char *msg, const char *s, size_t n)
{
	if (n == 0)
		return false;
	if (memmem(msg, strlen(msg), s, n) != NULL)
		return true;
	for (size_t i = 0; i < n;) {
		size_t len = strcspn(s + i, "/");
		if (len > n - i)
			len = n - i;
		char piece[WP_STORE_PATH_MAX_BYTES + 3];
		if (len > 0 && len < sizeof(piece) - 2) {
			snprintf(piece, sizeof(piece), "\"%.*s\"", (int)len, s + i);
			if (strstr(msg, piece) != NULL)
				return true;
		}
		i += len + 1;
	}
	return false;
}

/*
 * Whether libpq's message about url may give away a secret of it: the user
 * info's password, a password or sslpassword parameter (libpq echoes tokens
 * it could not parse, sometimes a piece of a password). Such a message is
 * not shown.
 */
static bool leaks(const char *msg, const char *url)
{
	const char *auth = strstr(url, "://");
	if (auth != NULL) {
		auth += 3;
		const char *end = auth + strcspn(auth, "?");
		const char *at = NULL;
		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon != NULL && quotes(msg, colon + 1, (size_t)(at - colon - 1)))
			return true;
	}
	for (const char *p = strstr(url, "password="); p != NULL; p = strstr(p + 1, "password=")) {
		const char *v = p + 9;
		if (quotes(msg, v, strcspn(v, "&")))
			return true;
	}
	return false;
}

/* A connection fit to use: re-established if it was lost. False if it still is not. */
static bool live(struct conn *c)
{
	if (PQstatus(c->pg) == CONNECTION_OK && c->ready && !c->broken)
		return true;
	if (PQstatus(c->pg) != CONNECTION_OK || c->broken) {
		c->ready = false;
		c->broken = false;
		c->piped = false;
		c->pending = 0;
		PQreset(c->pg);
		if (PQstatus(c->pg) != CONNECTION_OK) {
			log_line("reconnect", PQerrorMessage(c->pg));
			return false;
		}
	}
	if (!session_setup(c)) /* tried again at the next use; until then statements fail */
		return false;
	fprintf(stderr, "{\"level\":\"info\",\"store\":\"postgres\",\"message\":\"reconnected to "
			"the database\"}\n");
	return true;
}

static struct conn *acquire(struct pg_store *s)
{
	struct conn *c = NULL;
	pthread_mutex_lock(&s->lock);
	while (c == NULL) {
		for (unsigned i = 0; i < s->count && c == NULL; i++) {
			if (!s->conns[i].busy) {
				s->conns[i].busy = true;
				c = &s->conns[i];
			}
		}
		if (c == NULL)
			pthread_cond_wait(&s->freed, &s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	live(c); /* if not, what runs on it fails with WP_E_STORAGE */
	return c;
}

static void release(struct pg_store *s, struct conn *c)
{
	pthread_mutex_lock(&s->lock);
	assert(c->busy);
	c->busy = false;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

struct conn *wp_pg_acquire(struct wp_store *s)
{
	return acquire((struct pg_store *)s);
}

void wp_pg_release(struct wp_store *s, struct conn *c)
{
	release((struct pg_store *)s, c);
}

static void conn_broken(struct conn *c, const char *why)
{
	log_line("connection", why);
	/*
	 * The session ends now, not at the next use: a server that was only slow
	 * must not keep this transaction (and the write lock) open meanwhile.
	 */
	if (PQsocket(c->pg) >= 0)
		shutdown(PQsocket(c->pg), SHUT_RDWR);
	c->broken = true; /* re-established at the next acquire; nothing else runs on it */
	c->ready = false;
}

/*
 * The next result, waited for at most until deadline (monotonic ns): a
 * server that stops answering without closing the connection (a stopped
 * process, a frozen machine) fails the batch (503) instead of holding the
 * writer for ever. The connection is then reset before its next use.
 */
static PGresult *next_result(struct conn *c, uint64_t deadline)
{
	if (c->broken)
		return NULL;
	while (PQisBusy(c->pg)) {
		uint64_t now = wp_mono_ns();
		if (now >= deadline) {
			conn_broken(c, "the database did not answer in time");
			return NULL;
		}
		struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
		int n = poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && PQconsumeInput(c->pg) != 1)) {
			conn_broken(c, PQerrorMessage(c->pg));
			return NULL;
		}
	}
	return PQgetResult(c->pg);
}

/*
 * The one result of a statement just sent (sent: what PQsend* returned),
 * as PQexec* would give it, but waited for at most the answer timeout;
 * NULL (and the connection broken) when none came.
 */
static PGresult *answer(struct conn *c, int sent)
{
	if (!sent) {
		conn_broken(c, PQerrorMessage(c->pg));
		return NULL;
	}
	uint64_t deadline = wp_mono_ns() + (uint64_t)WP_STORE_ANSWER_TIMEOUT_MS * 1000000u;
	PGresult *r = next_result(c, deadline), *more;
	while (r != NULL && (more = next_result(c, deadline)) != NULL)
		PQclear(more); /* one statement: nothing should follow */
	return r;
}

static bool prepare(struct conn *c, enum stmt_id id, char name[16])
{
	snprintf(name, 16, "wp%d", (int)id);
	if (c->prepared[id])
		return true;
	PGresult *r = answer(c, PQsendPrepare(c->pg, name, stmt_sql[id], 0, NULL));
	c->prepared[id] = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!c->prepared[id] && !c->broken)
		failed(c, r, id);
	PQclear(r);
	return c->prepared[id];
}

/*
 * Runs a prepared statement with its parameters. WP_OK with *out holding the
 * result (the caller clears it); WP_E_CONFLICT on a constraint; WP_E_STORAGE
 * (logged) when the database failed or the connection is lost.
 */
/* ---- pipeline mode (a write transaction's connection) ---- */

/*
 * Inside a write transaction the connection is in libpq's pipeline mode:
 * statements whose only answer is "done" (BEGIN, a savepoint and its
 * RELEASE, an account's new balances, a transfer's row) are sent without
 * waiting (wp_pg_defer), and their results are read with the next
 * statement that needs an answer, in one round trip. A deferred statement
 * that fails on the server (a duplicate row) makes PostgreSQL skip
 * everything sent after it, COMMIT included. An UPDATE that must change one
 * row and changed none is no error to it: pipe_sync counts it as failed and
 * poisons the batch (below), and everything unread is read before COMMIT
 * or a waited RELEASE is sent, so that neither goes through with it.
 *
 * A failure is read with a later statement: that statement fails too
 * (WP_E_STORAGE, never its own answer). If the failed statement belongs to
 * the savepoint open now, ROLLBACK TO undoes it alone (that savepoint is
 * still there: everything after the failure was skipped). If it belongs to
 * a savepoint already released — a command that counts as done — nothing
 * short of the whole transaction can undo it: the connection is poisoned,
 * everything fails until the batch ends, and no command of it is answered
 * as done. RELEASE is waited for where that would cost more than it saves:
 * nested savepoints (housekeeping's inner steps) and a transaction's first
 * savepoint (housekeeping itself, or a batch's first command).
 */

/* Every statement prepared (pipeline mode cannot prepare one on first use synchronously). */
static bool prepare_all(struct conn *c)
{
	char name[16];
	for (int id = 0; id < ST_COUNT && !c->all_prepared; id++)
		if (id != ST_SESSION && !prepare(c, (enum stmt_id)id, name))
			return false;
	c->all_prepared = true;
	return true;
}

/* The savepoint open now, innermost (0: none). */
static unsigned sp_top(const struct conn *c)
{
	return c->depth > 0 ? c->sp_open[c->depth - 1] : 0;
}

static bool pipe_begin(struct conn *c)
{
	if (!c->ready || !prepare_all(c) || PQenterPipelineMode(c->pg) != 1)
		return false;
	c->piped = true;
	c->poisoned = false;
	c->depth = c->next_sp = 0;
	c->pending = 0;
	return true;
}

/*
 * Sends a sync and reads, in order, the deferred statements' results, then
 * (sent) the result of the statement just sent, then the sync's. *out
 * keeps that statement's result when everything succeeded.
 */
static wp_status pipe_sync(struct conn *c, bool sent, enum stmt_id id, PGresult **out)
{
	if (out != NULL)
		*out = NULL;
	if (PQpipelineSync(c->pg) != 1) {
		conn_broken(c, PQerrorMessage(c->pg));
		return WP_E_STORAGE;
	}
	wp_status st = WP_OK;
	uint64_t deadline = wp_mono_ns() + (uint64_t)WP_STORE_ANSWER_TIMEOUT_MS * 1000000u;
	for (unsigned i = 0; i < c->pending; i++) {
		PGresult *r = next_result(c, deadline);
		if (r == NULL) {
			conn_broken(c, "a deferred statement has no result");
			return WP_E_STORAGE;
		}
		ExecStatusType es = PQresultStatus(r);
		bool done = es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK;
		bool missed = done && one_row(c->pend[i].id) && strcmp(PQcmdTuples(r), "1") != 0;
		if ((!done || missed) && st == WP_OK) {
			/* the first failure (what follows it was skipped, or is undone with it) */
			if (missed)
				log_line("pipeline", "a write changed no row");
			else if (es != PGRES_PIPELINE_ABORTED)
				failed(c, r, c->pend[i].id);
			st = WP_E_STORAGE;
			/*
			 * A write that changed no row is no error to PostgreSQL: nothing
			 * after it was skipped, and only this answer would say so. The
			 * whole batch fails (it never happens short of a bug).
			 */
			if (missed || c->pend[i].sp != sp_top(c)) {
				log_line("pipeline",
					 "a write failed after its savepoint was released; "
					 "the whole batch is rolled back");
				c->poisoned = true;
			}
		}
		PQclear(r);
		PQclear(next_result(c, deadline)); /* the NULL that ends each statement's results */
	}
	c->pending = 0;
	if (sent) {
		PGresult *r = next_result(c, deadline);
		ExecStatusType es = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (r == NULL) {
			conn_broken(c, "a statement has no result");
			return WP_E_STORAGE;
		}
		if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK) {
			if (st == WP_OK && out != NULL)
				*out = r;
			else
				PQclear(r);
		} else {
			wp_status f =
			    es == PGRES_PIPELINE_ABORTED ? WP_E_STORAGE : failed(c, r, id);
			if (st == WP_OK)
				st = f;
			PQclear(r);
		}
		PQclear(next_result(c, deadline));
	}
	PGresult *s = next_result(c, deadline);
	if (s == NULL || PQresultStatus(s) != PGRES_PIPELINE_SYNC) {
		PQclear(s);
		if (out != NULL && *out != NULL) {
			PQclear(*out);
			*out = NULL;
		}
		conn_broken(c, "the pipeline lost its place");
		return WP_E_STORAGE;
	}
	PQclear(s);
	return c->poisoned ? WP_E_STORAGE : st;
}

/* Leaves pipeline mode (every result read); false when the connection must be reset. */
static void pipe_end(struct conn *c)
{
	if (!c->piped)
		return;
	if (c->pending > 0)
		pipe_sync(c, false, ST_PING, NULL);
	if (!c->broken && PQexitPipelineMode(c->pg) != 1)
		conn_broken(c, PQerrorMessage(c->pg));
	c->piped = false;
}

wp_status wp_pg_defer(struct conn *c, enum stmt_id id, const struct params *p)
{
	if (!c->piped) {
		long rows = 0;
		wp_status st = wp_pg_run_write(c, id, p, &rows);
		return st == WP_OK && one_row(id) && rows != 1 ? WP_E_STORAGE : st;
	}
	if (PQstatus(c->pg) != CONNECTION_OK || !c->ready || c->poisoned)
		return WP_E_STORAGE;
	if (c->pending == PIPE_MAX) {
		wp_status st = pipe_sync(c, false, id, NULL);
		if (st != WP_OK)
			return st;
	}
	char name[16];
	snprintf(name, sizeof(name), "wp%d", (int)id);
	if (!PQsendQueryPrepared(c->pg, name, p ? p->n : 0, p ? p->v : NULL, p ? p->len : NULL,
				 p ? p->fmt : NULL, 0)) {
		conn_broken(c, PQerrorMessage(c->pg));
		return WP_E_STORAGE;
	}
	c->pend[c->pending++] = (struct deferred){id, sp_top(c)};
	return WP_OK;
}

wp_status wp_pg_run(struct conn *c, enum stmt_id id, const struct params *p, PGresult **out)
{
	char name[16];
	*out = NULL;
	if (PQstatus(c->pg) != CONNECTION_OK || !c->ready) {
		log_line("connection", "the connection to the database is lost or not set up");
		return WP_E_STORAGE;
	}
	if (!prepare(c, id, name))
		return WP_E_STORAGE;
	if (c->piped) {
		if (c->poisoned)
			return WP_E_STORAGE;
		if (!PQsendQueryPrepared(c->pg, name, p ? p->n : 0, p ? p->v : NULL,
					 p ? p->len : NULL, p ? p->fmt : NULL, 0)) {
			conn_broken(c, PQerrorMessage(c->pg));
			return WP_E_STORAGE;
		}
		return pipe_sync(c, true, id, out);
	}
	PGresult *r = answer(c, PQsendQueryPrepared(c->pg, name, p ? p->n : 0, p ? p->v : NULL,
						    p ? p->len : NULL, p ? p->fmt : NULL, 0));
	if (c->broken) {
		PQclear(r);
		return WP_E_STORAGE;
	}
	ExecStatusType es = PQresultStatus(r);
	if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK) {
		*out = r;
		return WP_OK;
	}
	wp_status st = failed(c, r, id);
	PQclear(r);
	return st;
}

/* A statement run for its effect; rows (if asked) is how many it changed. */
wp_status wp_pg_run_write(struct conn *c, enum stmt_id id, const struct params *p, long *rows)
{
	PGresult *r;
	wp_status st = wp_pg_run(c, id, p, &r);
	if (st == WP_OK && rows != NULL)
		*rows = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return st;
}

/* A query giving at most one row: WP_OK with the row in *out, or WP_E_NOT_FOUND. */
wp_status wp_pg_run_row(struct conn *c, enum stmt_id id, const struct params *p, PGresult **out)
{
	wp_status st = wp_pg_run(c, id, p, out);
	if (st == WP_OK && PQntuples(*out) == 0) {
		PQclear(*out);
		*out = NULL;
		st = WP_E_NOT_FOUND;
	}
	return st;
}

/* Insert ... ON CONFLICT DO NOTHING: no row written means the key was taken. */
wp_status wp_pg_run_insert(struct conn *c, enum stmt_id id, const struct params *p)
{
	long rows = 0;
	wp_status st = wp_pg_run_write(c, id, p, &rows);
	return st == WP_OK && rows != 1 ? WP_E_CONFLICT : st;
}

static void pg_close(struct wp_store *base)
{
	struct pg_store *s = (struct pg_store *)base;
	for (unsigned i = 0; i < s->count; i++)
		PQfinish(s->conns[i].pg);
	pthread_cond_destroy(&s->freed);
	pthread_mutex_destroy(&s->write_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

wp_status wp_store_postgres_open(const char *url, unsigned pool, struct wp_store **out, char *err,
				 size_t err_cap)
{
	if (pool == 0)
		pool = 1;
	if (pool > WP_STORE_POOL_MAX)
		pool = WP_STORE_POOL_MAX;
	struct pg_store *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, err_cap, "out of memory");
		return WP_E_NOMEM;
	}
	s->base.ops = &pg_ops;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->freed, NULL);
	pthread_mutex_init(&s->write_lock, NULL);
	wp_store_describe(url, s->shown, sizeof(s->shown));
	if (snprintf(s->url, sizeof(s->url), "%s", url) >= (int)sizeof(s->url)) {
		snprintf(err, err_cap, "the database URL is longer than %zu bytes",
			 sizeof(s->url) - 1);
		pg_close(&s->base);
		return WP_E_INVALID;
	}
	for (unsigned i = 0; i < pool; i++) {
		struct conn *c = &s->conns[i];
		c->store = s;
		c->pg = connect_url(s->url, NULL);
		s->count++;
		if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK || !session_setup(c)) {
			char why[256];
			snprintf(why, sizeof(why), "%s",
				 c->pg ? PQerrorMessage(c->pg) : "out of memory");
			why[strcspn(why, "\n")] = '\0';
			if (leaks(why, s->url))
				snprintf(
				    why, sizeof(why),
				    "libpq's message is not shown: it quotes part of the URL's "
				    "password; check the URL");
			snprintf(err, err_cap, "cannot connect to the database %s: %s", s->shown,
				 why);
			pg_close(&s->base);
			return WP_E_STORAGE;
		}
	}
	*out = &s->base;
	return WP_OK;
}

/* ---- migrations: store/migrations/postgres/NNNN_*.sql, in name order ---- */

static const char migrations_prefix[] = "store/migrations/postgres/";

/* The number of an embedded migration of this backend, or 0. */
static int migration_number(const struct wp_embedded *m)
{
	size_t plen = sizeof(migrations_prefix) - 1;
	int number = 0;
	if (strncmp(m->name, migrations_prefix, plen) != 0 ||
	    sscanf(m->name + plen, "%4d_", &number) != 1 || number <= 0)
		return 0;
	return number;
}

/* A statement without values (a migration file, transaction control) on c. */
static bool simple(struct conn *c, const char *sql, const char *what)
{
	if (!c->ready) {
		fprintf(stderr, "wonpay: %s failed: the connection is not set up\n", what);
		return false;
	}
	PGresult *r = PQexec(c->pg, sql);
	ExecStatusType es = PQresultStatus(r);
	bool ok = es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "wonpay: %s failed: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

/*
 * In one transaction under the migration lock: the version table made if
 * missing, and the version read. -1 when the database fails.
 */
static int schema_version(struct conn *c)
{
	const char *v[1] = {MIGRATE_KEY};
	PGresult *r = NULL;
	int version = -1;
	if (!simple(c, "BEGIN", "reading the schema version"))
		return -1;
	r = PQexecParams(c->pg, "SELECT pg_advisory_xact_lock($1::bigint)", 1, NULL, v, NULL, NULL,
			 0);
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	ok = ok && simple(c,
			  "CREATE TABLE IF NOT EXISTS wonpay_schema ("
			  "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
			  "making the schema version table");
	if (ok) {
		r = PQexecParams(c->pg, "SELECT version FROM wonpay_schema WHERE id = 1", 0, NULL,
				 NULL, NULL, NULL, 0);
		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			version = PQntuples(r) == 0 ? 0 : (int)col_int(r, 0, 0);
		PQclear(r);
	}
	if (version < 0 || !simple(c, "COMMIT", "reading the schema version")) {
		simple(c, "ROLLBACK", "rolling back");
		return -1;
	}
	return version;
}

/* Applies migration m (number) in its own transaction, unless another start did. */
static bool apply_migration(struct conn *c, const struct wp_embedded *m, int number)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", number);
	const char *lock[1] = {MIGRATE_KEY};
	const char *ver[1] = {num};
	if (!simple(c, "BEGIN", m->name))
		return false;
	PGresult *r = PQexecParams(c->pg, "SELECT pg_advisory_xact_lock($1::bigint)", 1, NULL, lock,
				   NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	int now = -1;
	if (ok) {
		r = PQexecParams(c->pg, "SELECT version FROM wonpay_schema WHERE id = 1", 0, NULL,
				 NULL, NULL, NULL, 0);
		ok = PQresultStatus(r) == PGRES_TUPLES_OK;
		now = ok && PQntuples(r) > 0 ? (int)col_int(r, 0, 0) : 0;
		PQclear(r);
	}
	if (ok && now < number) {
		ok = now == number - 1 && simple(c, m->data, m->name);
		if (ok) {
			r = PQexecParams(
			    c->pg,
			    "INSERT INTO wonpay_schema(id, version) VALUES (1, $1) "
			    "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
			    1, NULL, ver, NULL, NULL, 0);
			ok = PQresultStatus(r) == PGRES_COMMAND_OK;
			if (!ok)
				fprintf(stderr, "wonpay: %s: %s", m->name, PQresultErrorMessage(r));
			PQclear(r);
		}
	}
	if (ok)
		ok = simple(c, "COMMIT", m->name);
	if (!ok) {
		simple(c, "ROLLBACK", "rolling back");
		fprintf(stderr, "migration %s failed\n", m->name);
	}
	return ok;
}

static wp_status pg_migrate(struct wp_store *base, int *version)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	wp_status result = WP_E_STORAGE;
	int latest = 0;
	for (unsigned i = 0; i < wp_embedded_count; i++) {
		int n = migration_number(&wp_embedded_files[i]);
		latest = n > latest ? n : latest;
	}
	int current = PQstatus(c->pg) == CONNECTION_OK ? schema_version(c) : -1;
	if (current < 0)
		goto out;
	if (current > latest) {
		fprintf(stderr,
			"wonpay: the database %s is at schema version %d, newer than this wonpay "
			"knows (%d): run the wonpay that migrated it, or a newer one\n",
			s->shown, current, latest);
		result = WP_E_INVALID;
		goto out;
	}
	if (current > 0 && current < latest)
		fprintf(stderr,
			"wonpay: the database %s is at schema version %d; migrating to %d\n",
			s->shown, current, latest);
	int applied = current;
	for (unsigned i = 0; i < wp_embedded_count; i++) {
		const struct wp_embedded *m = &wp_embedded_files[i];
		int number = migration_number(m);
		if (number == 0 || number <= current)
			continue;
		if (number != applied + 1) {
			fprintf(stderr, "migration %s is out of order (at version %d)\n", m->name,
				applied);
			goto out;
		}
		if (!apply_migration(c, m, number))
			goto out;
		applied = number;
	}
	*version = applied;
	result = WP_OK;
out:
	release(s, c);
	return result;
}

static wp_status pg_ping(struct wp_store *base)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_PING, NULL, &r);
	PQclear(r);
	release(s, c);
	return st;
}

/* ---- write transactions ---- */

/* Transaction control: no parameters, no rows. */
static wp_status control(struct conn *c, enum stmt_id id)
{
	return wp_pg_run_write(c, id, NULL, NULL);
}

static struct tx_cache *cache_of(struct wp_tx *tx)
{
	return &((struct pg_tx *)tx)->cache;
}

static void cache_clear(struct tx_cache *k)
{
	k->n_accounts = k->next_account = 0;
	k->n_banks = k->next_bank = 0;
	k->transfer_known = false;
}

static struct wp_account *cached_account(struct tx_cache *k, int64_t id)
{
	for (unsigned i = 0; i < k->n_accounts; i++)
		if (k->accounts[i].id == id)
			return &k->accounts[i];
	return NULL;
}

static void cache_account(struct tx_cache *k, const struct wp_account *a)
{
	struct wp_account *slot = cached_account(k, a->id);
	if (slot == NULL && k->n_accounts < TX_CACHE_ACCOUNTS)
		slot = &k->accounts[k->n_accounts++];
	if (slot == NULL) /* full: replace in turn */
		slot = &k->accounts[k->next_account++ % TX_CACHE_ACCOUNTS];
	*slot = *a;
}

static struct wp_bank_account *cached_bank(struct tx_cache *k, const char *code, const char *number)
{
	for (unsigned i = 0; i < k->n_banks; i++)
		if (strcmp(k->banks[i].bank_code, code) == 0 &&
		    strcmp(k->banks[i].account_number, number) == 0)
			return &k->banks[i];
	return NULL;
}

static void cache_bank(struct tx_cache *k, const struct wp_bank_account *a)
{
	struct wp_bank_account *slot = k->n_banks < TX_CACHE_BANKS
					   ? &k->banks[k->n_banks++]
					   : &k->banks[k->next_bank++ % TX_CACHE_BANKS];
	*slot = *a;
}

static void tx_end(struct wp_tx *base);

static wp_status pg_tx_begin(struct wp_store *base, struct wp_tx **out)
{
	struct pg_store *s = (struct pg_store *)base;
	pthread_mutex_lock(&s->write_lock);
	assert(s->tx.conn == NULL); /* one write transaction at a time */
	struct conn *c = acquire(s);
	s->tx.base.ops = &pg_ops;
	s->tx.store = s;
	s->tx.conn = c;
	cache_clear(&s->tx.cache);
	/*
	 * Piped (if it cannot be, statements simply wait for their answers),
	 * BEGIN goes with the lock, in one round trip. The lock is waited for
	 * here, not later: commands also read committed state on other
	 * connections (a partner's credentials, a document), which only holds
	 * everything other processes committed once the lock is held.
	 */
	pipe_begin(c);
	wp_status st = wp_pg_defer(c, ST_BEGIN, NULL);
	if (st == WP_OK)
		st = control(c, ST_WRITE_LOCK);
	if (st != WP_OK) {
		tx_end(&s->tx.base);
		return st;
	}
	*out = &s->tx.base;
	return WP_OK;
}

static struct conn *txc(struct wp_tx *tx)
{
	assert(tx != NULL);
	assert(((struct pg_tx *)tx)->conn != NULL);
	return ((struct pg_tx *)tx)->conn;
}

struct conn *wp_pg_txc(struct wp_tx *tx)
{
	return txc(tx);
}

static void tx_end(struct wp_tx *base)
{
	struct pg_tx *tx = (struct pg_tx *)base;
	struct pg_store *s = tx->store;
	struct conn *c = tx->conn;
	if (c->piped && c->pending > 0)
		pipe_sync(c, false, ST_PING, NULL);
	c->poisoned = false; /* the batch is over: its ROLLBACK must run */
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		control(c, ST_ROLLBACK);
	pipe_end(c);
	ts = PQtransactionStatus(c->pg);
	if (ts != PQTRANS_IDLE && ts != PQTRANS_UNKNOWN) /* never handed out inside a transaction */
		conn_broken(c, "the transaction could not be ended; the connection is reset");
	release(s, c);
	tx->conn = NULL;
	cache_clear(&tx->cache);
	pthread_mutex_unlock(&s->write_lock);
}

static wp_status pg_tx_commit(struct wp_tx *tx)
{
	struct conn *c = txc(tx);
	wp_status st = WP_E_STORAGE;
	/*
	 * piped: the statements still unread are read first (one round trip): a
	 * write that changed no row is no error to PostgreSQL, and a COMMIT sent
	 * with it would go through.
	 */
	if (c->piped && c->pending > 0 && pipe_sync(c, false, ST_PING, NULL) != WP_OK) {
		log_line("commit", "a write of the batch failed; rolled back");
	} else if (PQtransactionStatus(c->pg) != PQTRANS_INTRANS) {
		/* aborted by a failed statement: its COMMIT would only roll back */
		log_line("commit", "the transaction was aborted; rolled back");
	} else {
		PGresult *r;
		st = wp_pg_run(c, ST_COMMIT, NULL, &r);
		if (st == WP_OK && strcmp(PQcmdStatus(r), "COMMIT") != 0) {
			log_line("commit", "COMMIT answered ROLLBACK");
			st = WP_E_STORAGE;
		}
		PQclear(r);
	}
	tx_end(tx);
	return st;
}

static void pg_tx_rollback(struct wp_tx *tx)
{
	tx_end(tx);
}

/*
 * Savepoints (see "pipeline mode" above for when RELEASE waits). Whatever
 * tx_release and tx_rollback_to answer, the savepoint is gone after them:
 * a RELEASE waited for that finds the savepoint's work failed undoes it
 * (ROLLBACK TO) before it answers the failure.
 */
static wp_status pg_tx_savepoint(struct wp_tx *tx)
{
	struct conn *c = txc(tx);
	if (!c->piped)
		return control(c, ST_SAVEPOINT);
	if (c->depth == SP_DEPTH_MAX)
		return WP_E_STORAGE;
	/* sent in the enclosing savepoint's name; open (on the stack) only once sent */
	wp_status st = wp_pg_defer(c, ST_SAVEPOINT, NULL);
	if (st == WP_OK)
		c->sp_open[c->depth++] = ++c->next_sp;
	return st;
}

/* Undoes the innermost savepoint's work and removes it, waiting for both. */
static wp_status undo_savepoint(struct wp_tx *tx)
{
	struct conn *c = txc(tx);
	cache_clear(cache_of(tx));
	/* its own deferred statements first: one of them may be why */
	if (c->piped && c->pending > 0)
		pipe_sync(c, false, ST_PING, NULL);
	wp_status st = c->poisoned ? WP_E_STORAGE : control(c, ST_ROLLBACK_TO);
	if (st == WP_OK)
		st = control(c, ST_RELEASE);
	if (c->depth > 0)
		c->depth--;
	return st;
}

static wp_status pg_tx_release(struct wp_tx *tx)
{
	struct conn *c = txc(tx);
	if (!c->piped)
		return control(c, ST_RELEASE);
	if (c->depth > 1 || c->sp_open[0] == 1) {
		/* waited for: its work is known here (read first: a write that changed no row
		   is no error to PostgreSQL, and RELEASE would go through) */
		wp_status st = c->pending > 0 ? pipe_sync(c, false, ST_PING, NULL) : WP_OK;
		if (st == WP_OK)
			st = control(c, ST_RELEASE);
		if (st != WP_OK)
			return undo_savepoint(tx) == WP_OK ? st : WP_E_STORAGE;
		c->depth--;
		return WP_OK;
	}
	wp_status st = wp_pg_defer(c, ST_RELEASE, NULL);
	if (c->depth > 0)
		c->depth--;
	return st;
}

static wp_status pg_tx_rollback_to(struct wp_tx *tx)
{
	return undo_savepoint(tx);
}

static wp_status pg_health_write(struct wp_tx *tx, int64_t now_ms)
{
	struct params p = {0};
	p_int(&p, now_ms);
	return wp_pg_run_write(txc(tx), ST_HEALTH_WRITE, &p, NULL);
}

/* ---- used tokens ---- */

static wp_status pg_used_token_insert(struct wp_tx *tx, const char *scope, const uint8_t digest[32],
				      int64_t expires_ms, int64_t now_ms)
{
	struct params p = {0};
	p_text(&p, scope);
	p_blob(&p, digest, 32);
	p_int(&p, expires_ms);
	p_int(&p, now_ms);
	return wp_pg_run_insert(txc(tx), ST_USED_TOKEN_INSERT,
				&p); /* none: recorded and still fresh */
}

static wp_status pg_used_token_get(struct wp_store *base, const char *scope,
				   const uint8_t digest[32], int64_t *expires_ms)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	struct params p = {0};
	p_text(&p, scope);
	p_blob(&p, digest, 32);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_USED_TOKEN_GET, &p, &r);
	if (st == WP_OK)
		*expires_ms = col_int(r, 0, 0);
	PQclear(r);
	release(s, c);
	return st;
}

static wp_status pg_used_token_expire(struct wp_tx *tx, int64_t now_ms, unsigned max)
{
	struct params p = {0};
	p_int(&p, now_ms);
	p_int(&p, max);
	return wp_pg_run_write(txc(tx), ST_USED_TOKEN_EXPIRE, &p, NULL);
}

/* ---- partners and credentials ---- */

static wp_status pg_partner_insert(struct wp_tx *tx, const char *email, const char *name,
				   int64_t now_ms, int64_t *id)
{
	struct params p = {0};
	p_text(&p, email);
	p_text(&p, name);
	p_int(&p, now_ms);
	PGresult *r;
	wp_status st = wp_pg_run_row(txc(tx), ST_PARTNER_INSERT, &p, &r);
	if (st == WP_OK)
		*id = col_int(r, 0, 0);
	PQclear(r);
	return st == WP_E_NOT_FOUND ? WP_E_CONFLICT : st; /* the email is taken */
}

static wp_status pg_partner_count(struct wp_store *base, int64_t *count)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_PARTNER_COUNT, NULL, &r);
	if (st == WP_OK)
		*count = col_int(r, 0, 0);
	PQclear(r);
	release(s, c);
	return st == WP_E_NOT_FOUND ? WP_E_STORAGE : st;
}

static void read_partner(const PGresult *r, int row, wp_arena *a, struct wp_partner *p)
{
	p->id = col_int(r, row, 0);
	p->email = col_text(r, row, 1, a);
	p->name = col_text(r, row, 2, a);
	p->created_ms = col_int(r, row, 3);
}

static wp_status pg_partner_list(struct wp_store *base, wp_partner_cb cb, void *ctx)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	PGresult *r;
	wp_status st = wp_pg_run(c, ST_PARTNER_LIST, NULL, &r);
	for (int i = 0; st == WP_OK && i < PQntuples(r); i++) {
		wp_arena a;
		wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
		struct wp_partner p;
		read_partner(r, i, &a, &p);
		if (p.email != NULL && p.name != NULL)
			cb(ctx, &p);
		wp_arena_free(&a);
	}
	PQclear(r);
	release(s, c);
	return st;
}

static wp_status pg_partner_by_email(struct wp_store *base, const char *email, wp_arena *a,
				     struct wp_partner *out)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	struct params p = {0};
	p_text(&p, email);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_PARTNER_BY_EMAIL, &p, &r);
	if (st == WP_OK) {
		read_partner(r, 0, a, out);
		if (out->email == NULL || out->name == NULL)
			st = WP_E_NOMEM;
	}
	PQclear(r);
	release(s, c);
	return st;
}

static wp_status pg_credential_insert(struct wp_tx *tx, const struct wp_credential *cr)
{
	struct params p = {0};
	p_int(&p, cr->partner_id);
	p_text(&p, cr->surface);
	p_blob(&p, cr->secret_sha256, 32);
	p_text(&p, cr->login);
	p_text(&p, cr->sealed_secret ? cr->sealed_secret : "");
	p_int(&p, cr->created_ms);
	return wp_pg_run_insert(txc(tx), ST_CREDENTIAL_INSERT, &p);
}

static wp_status pg_credential_get(struct wp_store *base, struct wp_tx *tx, const char *surface,
				   const char *login, const uint8_t sha256[32], wp_arena *a,
				   struct wp_credential *out, struct wp_partner *partner)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = tx ? txc(tx) : acquire(s);
	struct params p = {0};
	p_text(&p, surface);
	if (login != NULL)
		p_text(&p, login);
	else
		p_blob(&p, sha256, 32);
	PGresult *r;
	wp_status st =
	    wp_pg_run_row(c, login ? ST_CREDENTIAL_BY_LOGIN : ST_CREDENTIAL_BY_SECRET, &p, &r);
	if (st == WP_OK) {
		read_partner(r, 0, a, partner);
		out->partner_id = partner->id;
		out->surface = col_text(r, 0, 4, a);
		out->login = col_text_or_null(r, 0, 5, a);
		col_bytes(r, 0, 6, out->secret_sha256, 32);
		out->sealed_secret = col_text(r, 0, 7, a);
		out->created_ms = col_int(r, 0, 8);
		if (!partner->email || !partner->name || !out->surface || !out->sealed_secret ||
		    (out->login == NULL && !PQgetisnull(r, 0, 5)))
			st = WP_E_NOMEM;
	}
	PQclear(r);
	if (tx == NULL)
		release(s, c);
	return st;
}

static wp_status pg_crypto_key_insert(struct wp_tx *tx, const struct wp_crypto_key *k)
{
	struct params p = {0};
	p_text(&p, k->id);
	p_text(&p, k->surface);
	p_int(&p, k->partner_id);
	p_text(&p, k->login);
	p_text(&p, k->server_private_sealed);
	p_text(&p, k->server_public);
	p_text(&p, k->partner_public);
	p_int(&p, k->created_ms);
	return wp_pg_run_insert(txc(tx), ST_CRYPTO_KEY_INSERT, &p);
}

static wp_status pg_crypto_key_get(struct wp_store *base, const char *surface, const char *id,
				   wp_arena *a, struct wp_crypto_key *out)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	struct params p = {0};
	p_text(&p, surface);
	p_text(&p, id);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_CRYPTO_KEY_GET, &p, &r);
	if (st == WP_OK) {
		out->id = col_text(r, 0, 0, a);
		out->surface = col_text(r, 0, 1, a);
		out->partner_id = col_int(r, 0, 2);
		out->login = col_text(r, 0, 3, a);
		out->server_private_sealed = col_text(r, 0, 4, a);
		out->server_public = col_text(r, 0, 5, a);
		out->partner_public = col_text(r, 0, 6, a);
		out->created_ms = col_int(r, 0, 7);
		if (!out->id || !out->surface || !out->login || !out->server_private_sealed ||
		    !out->server_public || !out->partner_public)
			st = WP_E_NOMEM;
	}
	PQclear(r);
	release(s, c);
	return st;
}

/* ---- AQR ---- */

static wp_status pg_aqr_insert(struct wp_tx *tx, const struct wp_aqr_link *l)
{
	struct params p = {0};
	p_text(&p, l->keyword);
	p_int(&p, l->partner_id);
	p_int(&p, l->bank_id);
	p_text(&p, l->bank_code);
	p_text(&p, l->account_number);
	p_text(&p, l->account_owner);
	p_text(&p, l->phone_number);
	p_text(&p, l->account_name);
	p_int(&p, l->created_ms);
	return wp_pg_run_insert(txc(tx), ST_AQR_INSERT, &p);
}

static wp_status aqr_get_on(struct conn *c, const char *keyword, wp_arena *a,
			    struct wp_aqr_link *out)
{
	struct params p = {0};
	p_text(&p, keyword);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_AQR_GET, &p, &r);
	if (st == WP_OK) {
		out->keyword = col_text(r, 0, 0, a);
		out->partner_id = col_int(r, 0, 1);
		out->bank_id = (int)col_int(r, 0, 2);
		out->bank_code = col_text(r, 0, 3, a);
		out->account_number = col_text(r, 0, 4, a);
		out->account_owner = col_text(r, 0, 5, a);
		out->phone_number = col_text(r, 0, 6, a);
		out->account_name = col_text(r, 0, 7, a);
		out->created_ms = col_int(r, 0, 8);
		out->deleted_ms = col_int(r, 0, 9);
		st = out->keyword && out->bank_code && out->account_number && out->account_owner &&
			     out->phone_number && out->account_name
			 ? WP_OK
			 : WP_E_NOMEM;
	}
	PQclear(r);
	return st;
}

static wp_status pg_aqr_get(struct wp_store *base, const char *keyword, wp_arena *a,
			    struct wp_aqr_link *out)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	wp_status st = aqr_get_on(c, keyword, a, out);
	release(s, c);
	return st;
}

static wp_status pg_aqr_delete(struct wp_tx *tx, const char *keyword, int64_t partner_id,
			       int64_t now_ms)
{
	struct conn *c = txc(tx);
	struct params p = {0};
	p_text(&p, keyword);
	p_int(&p, partner_id);
	p_int(&p, now_ms);
	long rows = 0;
	wp_status st = wp_pg_run_write(c, ST_AQR_DELETE, &p, &rows);
	if (st != WP_OK || rows != 0)
		return st;
	/* unknown, foreign, or already gone */
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	struct wp_aqr_link l;
	wp_status g = aqr_get_on(c, keyword, &a, &l);
	st = WP_E_NOT_FOUND;
	if (g == WP_OK && l.partner_id == partner_id && l.deleted_ms != 0)
		st = WP_E_GONE;
	else if (g != WP_OK && g != WP_E_NOT_FOUND)
		st = g;
	wp_arena_free(&a);
	return st;
}

/* ---- ledger ---- */

static void read_account(const PGresult *r, int row, struct wp_account *a)
{
	a->id = col_int(r, row, 0);
	a->code = (int32_t)col_int(r, row, 1);
	a->flags = (uint32_t)col_int(r, row, 2);
	a->debits_posted = col_int(r, row, 3);
	a->credits_posted = col_int(r, row, 4);
	a->debits_pending = col_int(r, row, 5);
	a->credits_pending = col_int(r, row, 6);
	a->created_ms = col_int(r, row, 7);
}

static void read_transfer(const PGresult *r, int row, struct wp_transfer *t)
{
	copy_col(r, row, 0, t->id, sizeof(t->id));
	t->debit_account_id = col_int(r, row, 1);
	t->credit_account_id = col_int(r, row, 2);
	t->amount = col_int(r, row, 3);
	t->code = (int32_t)col_int(r, row, 4);
	t->flags = (uint32_t)col_int(r, row, 5);
	copy_col(r, row, 6, t->pending_id, sizeof(t->pending_id));
	t->timeout_s = col_int(r, row, 7);
	copy_col(r, row, 8, t->ref, sizeof(t->ref));
	t->created_ms = col_int(r, row, 9);
	t->expires_ms = col_int(r, row, 10);
	t->state = (int32_t)col_int(r, row, 11);
	t->result = (int32_t)col_int(r, row, 12);
}

static wp_status account_get_on(struct conn *c, int64_t id, struct wp_account *out)
{
	struct params p = {0};
	p_int(&p, id);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_ACCOUNT_GET, &p, &r);
	if (st == WP_OK)
		read_account(r, 0, out);
	PQclear(r);
	return st;
}

static wp_status transfer_get_on(struct conn *c, const char *id, struct wp_transfer *out)
{
	struct params p = {0};
	p_text(&p, id);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_TRANSFER_GET, &p, &r);
	if (st == WP_OK)
		read_transfer(r, 0, out);
	PQclear(r);
	return st;
}

static wp_status pg_account_insert(struct wp_tx *tx, struct wp_account *a)
{
	struct params p = {0};
	p_int(&p, a->code);
	p_int(&p, a->flags);
	p_int(&p, a->debits_posted);
	p_int(&p, a->credits_posted);
	p_int(&p, a->debits_pending);
	p_int(&p, a->credits_pending);
	p_int(&p, a->created_ms);
	PGresult *r;
	wp_status st = wp_pg_run_row(txc(tx), ST_ACCOUNT_INSERT, &p, &r);
	if (st == WP_OK)
		a->id = col_int(r, 0, 0);
	PQclear(r);
	return st == WP_E_NOT_FOUND ? WP_E_STORAGE : st;
}

static wp_status pg_account_get(struct wp_tx *tx, int64_t id, struct wp_account *out)
{
	const struct wp_account *known = cached_account(cache_of(tx), id);
	if (known != NULL) {
		*out = *known;
		return WP_OK;
	}
	wp_status st = account_get_on(txc(tx), id, out);
	if (st == WP_OK)
		cache_account(cache_of(tx), out);
	return st;
}

static wp_status pg_account_update(struct wp_tx *tx, const struct wp_account *a)
{
	struct params p = {0};
	p_int(&p, a->id);
	p_int(&p, a->debits_posted);
	p_int(&p, a->credits_posted);
	p_int(&p, a->debits_pending);
	p_int(&p, a->credits_pending);
	wp_status st = wp_pg_defer(txc(tx), ST_ACCOUNT_UPDATE, &p);
	struct wp_account *known = cached_account(cache_of(tx), a->id);
	if (st == WP_OK && known != NULL) {
		known->debits_posted = a->debits_posted;
		known->credits_posted = a->credits_posted;
		known->debits_pending = a->debits_pending;
		known->credits_pending = a->credits_pending;
	} else if (known != NULL) {
		cache_clear(cache_of(tx));
	}
	return st;
}

static wp_status pg_transfer_get(struct wp_tx *tx, const char *id, struct wp_transfer *out)
{
	struct tx_cache *k = cache_of(tx);
	if (k->transfer_known && strcmp(k->transfer.id, id) == 0) {
		if (!k->transfer_found)
			return WP_E_NOT_FOUND;
		*out = k->transfer;
		return WP_OK;
	}
	wp_status st = transfer_get_on(txc(tx), id, out);
	k->transfer_known =
	    (st == WP_OK || st == WP_E_NOT_FOUND) && strlen(id) < sizeof(k->transfer.id);
	k->transfer_found = st == WP_OK;
	if (st == WP_OK)
		k->transfer = *out;
	else if (k->transfer_known)
		snprintf(k->transfer.id, sizeof(k->transfer.id), "%s", id);
	return st;
}

static wp_status pg_transfer_insert(struct wp_tx *tx, const struct wp_transfer *t)
{
	struct params p = {0};
	p_text(&p, t->id);
	p_int(&p, t->debit_account_id);
	p_int(&p, t->credit_account_id);
	p_int(&p, t->amount);
	p_int(&p, t->code);
	p_int(&p, t->flags);
	p_text(&p, t->pending_id);
	p_int(&p, t->timeout_s);
	p_text(&p, t->ref);
	p_int(&p, t->created_ms);
	p_int(&p, t->expires_ms);
	p_int(&p, t->state);
	p_int(&p, t->result);
	cache_of(tx)->transfer_known = false;
	return wp_pg_defer(txc(tx), ST_TRANSFER_INSERT, &p);
}

static wp_status pg_transfer_set_state(struct wp_tx *tx, const char *id, int32_t state)
{
	struct params p = {0};
	p_text(&p, id);
	p_int(&p, state);
	cache_of(tx)->transfer_known = false;
	return wp_pg_defer(txc(tx), ST_TRANSFER_SET_STATE, &p);
}

static wp_status pg_pending_expired(struct wp_tx *tx, int64_t now_ms,
				    char (*ids)[WP_TRANSFER_ID_MAX + 1], size_t max, size_t *count)
{
	struct params p = {0};
	p_int(&p, now_ms);
	p_int(&p, (int64_t)max);
	*count = 0;
	PGresult *r;
	wp_status st = wp_pg_run(txc(tx), ST_PENDING_EXPIRED, &p, &r);
	for (int i = 0; st == WP_OK && i < PQntuples(r) && *count < max; i++)
		copy_col(r, i, 0, ids[(*count)++], WP_TRANSFER_ID_MAX + 1);
	PQclear(r);
	return st;
}

static wp_status pg_account_read(struct wp_store *base, int64_t id, struct wp_account *out)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	wp_status st = account_get_on(c, id, out);
	release(s, c);
	return st;
}

static wp_status pg_transfer_read(struct wp_store *base, const char *id, struct wp_transfer *out)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	wp_status st = transfer_get_on(c, id, out);
	release(s, c);
	return st;
}

/*
 * Streams a query's rows one at a time (libpq's single-row mode): a ledger
 * of millions of transfers is never held in memory at once.
 */
static wp_status each_row(struct conn *c, enum stmt_id id, void (*row)(const PGresult *r, void *),
			  void *ctx)
{
	char name[16];
	if (PQstatus(c->pg) != CONNECTION_OK || !c->ready || !prepare(c, id, name))
		return WP_E_STORAGE;
	if (!PQsendQueryPrepared(c->pg, name, 0, NULL, NULL, NULL, 0)) {
		log_line("scan", PQerrorMessage(c->pg));
		return WP_E_STORAGE;
	}
	PQsetSingleRowMode(c->pg);
	wp_status st = WP_OK;
	PGresult *r;
	while ((r = PQgetResult(c->pg)) != NULL) {
		ExecStatusType es = PQresultStatus(r);
		if (es == PGRES_SINGLE_TUPLE && st == WP_OK)
			row(r, ctx);
		else if (es != PGRES_SINGLE_TUPLE && es != PGRES_TUPLES_OK && st == WP_OK)
			st = failed(c, r, id);
		PQclear(r);
	}
	return st;
}

struct scan {
	wp_account_cb acb;
	wp_transfer_cb tcb;
	void *ctx;
};

static void scan_account(const PGresult *r, void *ctx)
{
	struct scan *sc = ctx;
	struct wp_account a;
	read_account(r, 0, &a);
	sc->acb(sc->ctx, &a);
}

static void scan_transfer(const PGresult *r, void *ctx)
{
	struct scan *sc = ctx;
	struct wp_transfer t;
	read_transfer(r, 0, &t);
	sc->tcb(sc->ctx, &t);
}

/* Both tables from one snapshot (REPEATABLE READ), so verify never sees half a batch. */
static wp_status pg_ledger_scan(struct wp_store *base, wp_account_cb acb, wp_transfer_cb tcb,
				void *ctx)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	struct scan sc = {acb, tcb, ctx};
	wp_status st = control(c, ST_BEGIN_SNAPSHOT);
	if (st == WP_OK)
		st = each_row(c, ST_ACCOUNTS_EACH, scan_account, &sc);
	if (st == WP_OK)
		st = each_row(c, ST_TRANSFERS_EACH, scan_transfer, &sc);
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		control(c, ST_ROLLBACK); /* read only: nothing to keep */
	release(s, c);
	return st;
}

/* ---- sandbox bank network ---- */

static void read_bank_account(const PGresult *r, struct wp_bank_account *a)
{
	copy_col(r, 0, 0, a->bank_code, sizeof(a->bank_code));
	copy_col(r, 0, 1, a->account_number, sizeof(a->account_number));
	copy_col(r, 0, 2, a->holder_name, sizeof(a->holder_name));
	copy_col(r, 0, 3, a->birth_date, sizeof(a->birth_date));
	copy_col(r, 0, 4, a->business_no, sizeof(a->business_no));
	copy_col(r, 0, 5, a->kind, sizeof(a->kind));
	copy_col(r, 0, 6, a->status, sizeof(a->status));
	copy_col(r, 0, 7, a->simulate, sizeof(a->simulate));
	a->ledger_account_id = col_int(r, 0, 8);
	a->created_ms = col_int(r, 0, 9);
}

static wp_status bank_account_query(struct conn *c, enum stmt_id id, const char *code,
				    const char *number, int64_t ledger_id,
				    struct wp_bank_account *out)
{
	struct params p = {0};
	if (id == ST_BANK_ACCOUNT_BY_LEDGER) {
		p_int(&p, ledger_id);
	} else {
		p_text(&p, code);
		p_text(&p, number);
	}
	PGresult *r;
	wp_status st = wp_pg_run_row(c, id, &p, &r);
	if (st == WP_OK)
		read_bank_account(r, out);
	PQclear(r);
	return st;
}

static wp_status pg_bank_account_insert(struct wp_tx *tx, const struct wp_bank_account *a)
{
	struct params p = {0};
	p_text(&p, a->bank_code);
	p_text(&p, a->account_number);
	p_text(&p, a->holder_name);
	p_text(&p, a->birth_date);
	p_text(&p, a->business_no);
	p_text(&p, a->kind);
	p_text(&p, a->status);
	p_text(&p, a->simulate);
	p_int(&p, a->ledger_account_id);
	p_int(&p, a->created_ms);
	return wp_pg_run_insert(txc(tx), ST_BANK_ACCOUNT_INSERT, &p);
}

static wp_status pg_bank_account_get(struct wp_tx *tx, const char *code, const char *number,
				     struct wp_bank_account *out)
{
	struct tx_cache *k = cache_of(tx);
	const struct wp_bank_account *known = cached_bank(k, code, number);
	if (known != NULL) {
		*out = *known;
		return WP_OK;
	}
	wp_status st = bank_account_query(txc(tx), ST_BANK_ACCOUNT_GET, code, number, 0, out);
	if (st == WP_OK)
		cache_bank(k, out);
	return st;
}

static wp_status pg_bank_account_set_status(struct wp_tx *tx, const char *code, const char *number,
					    const char *status)
{
	struct params p = {0};
	p_text(&p, code);
	p_text(&p, number);
	p_text(&p, status);
	long rows = 0;
	cache_of(tx)->n_banks = 0;
	wp_status st = wp_pg_run_write(txc(tx), ST_BANK_ACCOUNT_SET_STATUS, &p, &rows);
	return st == WP_OK && rows != 1 ? WP_E_NOT_FOUND : st;
}

static wp_status pg_bank_reserve_get(struct wp_tx *tx, const char *code, int64_t *ledger_id)
{
	struct params p = {0};
	p_text(&p, code);
	PGresult *r;
	wp_status st = wp_pg_run_row(txc(tx), ST_BANK_RESERVE_GET, &p, &r);
	if (st == WP_OK)
		*ledger_id = col_int(r, 0, 0);
	PQclear(r);
	return st;
}

static wp_status pg_bank_reserve_insert(struct wp_tx *tx, const char *code, int64_t ledger_id)
{
	struct params p = {0};
	p_text(&p, code);
	p_int(&p, ledger_id);
	return wp_pg_run_insert(txc(tx), ST_BANK_RESERVE_INSERT, &p);
}

static wp_status pg_sandbox_clear(struct wp_tx *tx)
{
	cache_clear(cache_of(tx));
	return wp_pg_run_write(txc(tx), ST_SANDBOX_CLEAR, NULL, NULL);
}

static wp_status pg_bank_account_read(struct wp_store *base, const char *code, const char *number,
				      struct wp_bank_account *out)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	wp_status st = bank_account_query(c, ST_BANK_ACCOUNT_GET, code, number, 0, out);
	release(s, c);
	return st;
}

static wp_status pg_bank_account_by_ledger(struct wp_store *base, int64_t ledger_id,
					   struct wp_bank_account *out)
{
	struct pg_store *s = (struct pg_store *)base;
	struct conn *c = acquire(s);
	wp_status st = bank_account_query(c, ST_BANK_ACCOUNT_BY_LEDGER, NULL, NULL, ledger_id, out);
	release(s, c);
	return st;
}

static const struct wp_store_ops pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .migrate = pg_migrate,
    .ping = pg_ping,
    .shared = true,
    .health_write = pg_health_write,
    .used_token_insert = pg_used_token_insert,
    .used_token_get = pg_used_token_get,
    .used_token_expire = pg_used_token_expire,
    .tx_begin = pg_tx_begin,
    .tx_savepoint = pg_tx_savepoint,
    .tx_release = pg_tx_release,
    .tx_rollback_to = pg_tx_rollback_to,
    .tx_commit = pg_tx_commit,
    .tx_rollback = pg_tx_rollback,
    .partner_insert = pg_partner_insert,
    .partner_count = pg_partner_count,
    .partner_list = pg_partner_list,
    .partner_by_email = pg_partner_by_email,
    .credential_insert = pg_credential_insert,
    .credential_get = pg_credential_get,
    .crypto_key_insert = pg_crypto_key_insert,
    .crypto_key_get = pg_crypto_key_get,
    .aqr_insert = pg_aqr_insert,
    .aqr_get = pg_aqr_get,
    .aqr_delete = pg_aqr_delete,
    .account_insert = pg_account_insert,
    .account_get = pg_account_get,
    .account_update = pg_account_update,
    .transfer_get = pg_transfer_get,
    .transfer_insert = pg_transfer_insert,
    .transfer_set_state = pg_transfer_set_state,
    .pending_expired = pg_pending_expired,
    .account_read = pg_account_read,
    .transfer_read = pg_transfer_read,
    .ledger_scan = pg_ledger_scan,
    .bank_account_insert = pg_bank_account_insert,
    .bank_account_get = pg_bank_account_get,
    .bank_account_set_status = pg_bank_account_set_status,
    .bank_reserve_get = pg_bank_reserve_get,
    .bank_reserve_insert = pg_bank_reserve_insert,
    .sandbox_clear = pg_sandbox_clear,
    .bank_account_read = pg_bank_account_read,
    .bank_account_by_ledger = pg_bank_account_by_ledger,
    .doc_insert = wp_pg_doc_insert,
    .doc_update = wp_pg_doc_update,
    .doc_delete = wp_pg_doc_delete,
    .doc_get = wp_pg_doc_get,
    .doc_by_uniq = wp_pg_doc_by_uniq,
    .doc_find = wp_pg_doc_find,
    .webhook_insert = wp_pg_webhook_insert,
    .webhook_update = wp_pg_webhook_update,
    .webhook_claim = wp_pg_webhook_claim,
    .webhook_get = wp_pg_webhook_get,
    .webhook_due = wp_pg_webhook_due,
    .webhook_next_due = wp_pg_webhook_next_due,
    .webhook_list = wp_pg_webhook_list,
    .webhook_attempt_insert = wp_pg_webhook_attempt_insert,
    .webhook_attempts = wp_pg_webhook_attempts,
    .webhook_secret_insert = wp_pg_webhook_secret_insert,
    .webhook_secret_get = wp_pg_webhook_secret_get,
};
