/* bench/sqlite_ref.c — the SQLite references for bench/transfers.sh: wonpay's
 * statements for one sandbox wire, run by one thread, no HTTP, no JSON.
 *
 *   gcc -O2 -o sqlite_ref bench/sqlite_ref.c -lsqlite3
 *   ./sqlite_ref DB SECONDS [BATCH]       (BATCH: transfers per commit, default 1)
 *
 * Like wonpay's writer (src/core/commit.c run_batch) on wonpay's schema
 * (src/store/migrations/sqlite/0002_ledger.sql, 0003_bank.sql) and
 * connection settings (src/store/sqlite.c open_conn: WAL, synchronous=FULL,
 * foreign_keys=ON, temp_store=MEMORY; statements prepared once, reset and
 * their bindings cleared after each use), each transaction is
 *   BEGIN IMMEDIATE; BATCH x (SAVEPOINT cmd; <one transfer>; RELEASE cmd); COMMIT
 * and <one transfer> is what POST /sandbox/transfers runs in the writer
 * (bank_sandbox.c sandbox_move, then ledger.c wp_ledger_transfer):
 *   SELECT bank_accounts (from), SELECT bank_accounts (to): both must be usable;
 *   SELECT ledger_transfers by id (the bank's replay check: none);
 *   SELECT ledger_transfers by id (the ledger's replay check: none);
 *   SELECT ledger_accounts x2; new balances, overflow and limit checks;
 *   INSERT ledger_transfers (a unique text id "wire:..."); UPDATE ledger_accounts x2.
 * BATCH=1 is one durable commit per transfer (fsync-bound); a large BATCH is
 * the ceiling the storage puts on wonpay's writer (CPU-bound).
 *
 * Prints one line:
 *   "transfers N seconds S tps X p50_ms A p99_ms B maxrss_kb M batch K
 *    commits C cpu_us U utime_s T stime_s Y"
 * (latency = BEGIN..COMMIT of one transaction, i.e. of a whole batch;
 * cpu_us = this process's user + system CPU over the measured loop / N).
 * Afterwards the money moved must match the rows written and the ledger must
 * balance. Exits 1 on any SQLite error or failed check. */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* src/core/ledger.h */
#define ACCOUNT_BANK_ACCOUNT 1
#define ACCOUNT_BANK_RESERVE 2
#define DEBITS_MUST_NOT_EXCEED_CREDITS 1u
#define CREDITS_MUST_NOT_EXCEED_DEBITS 2u
#define TRANSFER_CODE_WIRE 1
#define TRANSFER_CODE_OPENING 2
#define OPENING_BALANCE 1000000000000LL /* bench/transfers.sh's source account */

/* The accounts bench/transfers.lua wires between. */
#define FROM_BANK "088"
#define FROM_NUMBER "1000000001"
#define TO_BANK "004"
#define TO_NUMBER "11111111111"

/* src/store/sqlite.c stmt_sql[] */
#define ACCOUNT_COLS                                                                               \
	"id, code, flags, debits_posted, credits_posted, debits_pending, "                         \
	"credits_pending, created_ms"
#define TRANSFER_COLS                                                                              \
	"id, debit_account_id, credit_account_id, amount, code, flags, "                           \
	"pending_id, timeout_s, ref, created_ms, expires_ms, state, result"
#define BANK_COLS                                                                                  \
	"bank_code, account_number, holder_name, birth_date, business_no, kind, "                  \
	"status, simulate, ledger_account_id, created_ms"

static sqlite3 *db;

static struct {
	sqlite3_stmt *begin, *commit, *savepoint, *release;
	sqlite3_stmt *bank_get, *transfer_get, *account_get, *account_update, *transfer_insert;
} S;

struct account {
	int64_t id, debits_posted, credits_posted, debits_pending, credits_pending, created_ms;
	int32_t code;
	uint32_t flags;
};

struct bank_account {
	char bank_code[4], account_number[32], holder_name[164], birth_date[16], business_no[16],
	    kind[16], status[24], simulate[32];
	int64_t ledger_account_id, created_ms;
};

static void die(const char *what)
{
	fprintf(stderr, "sqlite_ref: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
	exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "sqlite_ref: %s\n", what);
	exit(1);
}

static void exec(const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sqlite_ref: %s: %s\n", sql, err ? err : "?");
		exit(1);
	}
}

static sqlite3_stmt *prep(const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		die(sql);
	return st;
}

/* As src/store/sqlite.c done(): after every use. */
static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void run(sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die(what);
	done(st);
}

/* A query for at most one row: 1 with the row ready to read, 0 for none. */
static int step_row(sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		die(what);
	return 0;
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

static void bank_get(const char *code, const char *number, struct bank_account *a)
{
	sqlite3_bind_text(S.bank_get, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(S.bank_get, 2, number, -1, SQLITE_STATIC);
	if (!step_row(S.bank_get, "bank_account_get"))
		fail("a bank account is missing");
	copy_col(S.bank_get, 0, a->bank_code, sizeof(a->bank_code));
	copy_col(S.bank_get, 1, a->account_number, sizeof(a->account_number));
	copy_col(S.bank_get, 2, a->holder_name, sizeof(a->holder_name));
	copy_col(S.bank_get, 3, a->birth_date, sizeof(a->birth_date));
	copy_col(S.bank_get, 4, a->business_no, sizeof(a->business_no));
	copy_col(S.bank_get, 5, a->kind, sizeof(a->kind));
	copy_col(S.bank_get, 6, a->status, sizeof(a->status));
	copy_col(S.bank_get, 7, a->simulate, sizeof(a->simulate));
	a->ledger_account_id = sqlite3_column_int64(S.bank_get, 8);
	a->created_ms = sqlite3_column_int64(S.bank_get, 9);
	done(S.bank_get);
	if (a->simulate[0] != '\0' || strcmp(a->status, "active") != 0)
		fail("a bank account is not usable");
}

/* A replay check: the id must be new. Reads the row as wonpay would if it existed. */
static void transfer_absent(const char *id)
{
	sqlite3_bind_text(S.transfer_get, 1, id, -1, SQLITE_STATIC);
	int found = step_row(S.transfer_get, "transfer_get");
	done(S.transfer_get);
	if (found)
		fail("a transfer id was used twice");
}

static void account_get(int64_t id, struct account *a)
{
	sqlite3_bind_int64(S.account_get, 1, id);
	if (!step_row(S.account_get, "account_get"))
		fail("a ledger account is missing");
	a->id = sqlite3_column_int64(S.account_get, 0);
	a->code = sqlite3_column_int(S.account_get, 1);
	a->flags = (uint32_t)sqlite3_column_int64(S.account_get, 2);
	a->debits_posted = sqlite3_column_int64(S.account_get, 3);
	a->credits_posted = sqlite3_column_int64(S.account_get, 4);
	a->debits_pending = sqlite3_column_int64(S.account_get, 5);
	a->credits_pending = sqlite3_column_int64(S.account_get, 6);
	a->created_ms = sqlite3_column_int64(S.account_get, 7);
	done(S.account_get);
}

static void account_update(const struct account *a)
{
	sqlite3_bind_int64(S.account_update, 1, a->id);
	sqlite3_bind_int64(S.account_update, 2, a->debits_posted);
	sqlite3_bind_int64(S.account_update, 3, a->credits_posted);
	sqlite3_bind_int64(S.account_update, 4, a->debits_pending);
	sqlite3_bind_int64(S.account_update, 5, a->credits_pending);
	if (sqlite3_step(S.account_update) != SQLITE_DONE)
		die("account_update");
	done(S.account_update);
	if (sqlite3_changes(db) != 1)
		fail("account_update changed no row");
}

static void transfer_insert(const char *id, int64_t debit, int64_t credit, int64_t amount, int code,
			    int64_t now_ms)
{
	sqlite3_stmt *st = S.transfer_insert;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, debit);
	sqlite3_bind_int64(st, 3, credit);
	sqlite3_bind_int64(st, 4, amount);
	sqlite3_bind_int(st, 5, code);
	sqlite3_bind_int64(st, 6, 0);			 /* flags */
	sqlite3_bind_text(st, 7, "", -1, SQLITE_STATIC); /* pending_id */
	sqlite3_bind_int64(st, 8, 0);			 /* timeout_s */
	sqlite3_bind_text(st, 9, "", -1, SQLITE_STATIC); /* ref */
	sqlite3_bind_int64(st, 10, now_ms);
	sqlite3_bind_int64(st, 11, 0); /* expires_ms */
	sqlite3_bind_int(st, 12, 0);   /* state */
	sqlite3_bind_int(st, 13, 0);   /* result: ok */
	if (sqlite3_step(st) != SQLITE_DONE)
		die("transfer_insert");
	done(st);
}

static int limits_hold(const struct account *a)
{
	int64_t d, c;
	if (__builtin_add_overflow(a->debits_posted, a->debits_pending, &d) ||
	    __builtin_add_overflow(a->credits_posted, a->credits_pending, &c))
		return 0;
	if ((a->flags & DEBITS_MUST_NOT_EXCEED_CREDITS) && d > a->credits_posted)
		return 0;
	if ((a->flags & CREDITS_MUST_NOT_EXCEED_DEBITS) && c > a->debits_posted)
		return 0;
	return 1;
}

/* One sandbox wire of AMOUNT, inside the caller's savepoint. */
static void wire(const char *id, int64_t amount, int64_t now_ms)
{
	struct bank_account from, to;
	bank_get(FROM_BANK, FROM_NUMBER, &from);
	bank_get(TO_BANK, TO_NUMBER, &to);
	transfer_absent(id); /* sandbox_move */
	transfer_absent(id); /* wp_ledger_transfer */
	struct account dr, cr;
	account_get(from.ledger_account_id, &dr);
	account_get(to.ledger_account_id, &cr);
	if (!limits_hold(&dr) || !limits_hold(&cr))
		fail("a stored account breaks its limit");
	struct account ndr = dr, ncr = cr;
	if (__builtin_add_overflow(ndr.debits_posted, amount, &ndr.debits_posted) ||
	    __builtin_add_overflow(ncr.credits_posted, amount, &ncr.credits_posted) ||
	    !limits_hold(&ndr) || !limits_hold(&ncr))
		fail("the transfer would be refused (funds or overflow)");
	transfer_insert(id, dr.id, cr.id, amount, TRANSFER_CODE_WIRE, now_ms);
	account_update(&ndr);
	account_update(&ncr);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double cpu_s(const struct rusage *ru, double *user, double *sys)
{
	*user = (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6;
	*sys = (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
	return *user + *sys;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t query_i64(const char *sql)
{
	sqlite3_stmt *st = prep(sql);
	if (sqlite3_step(st) != SQLITE_ROW)
		die(sql);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* wonpay's tables for the ledger and the sandbox banks. */
static void create_schema(void)
{
	exec("CREATE TABLE IF NOT EXISTS ledger_accounts ("
	     " id INTEGER PRIMARY KEY, code INTEGER NOT NULL, flags INTEGER NOT NULL,"
	     " debits_posted INTEGER NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),"
	     " credits_posted INTEGER NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),"
	     " debits_pending INTEGER NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),"
	     " credits_pending INTEGER NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),"
	     " created_ms INTEGER NOT NULL) STRICT");
	exec("CREATE TABLE IF NOT EXISTS ledger_transfers ("
	     " id TEXT PRIMARY KEY, debit_account_id INTEGER NOT NULL,"
	     " credit_account_id INTEGER NOT NULL, amount INTEGER NOT NULL,"
	     " code INTEGER NOT NULL, flags INTEGER NOT NULL,"
	     " pending_id TEXT NOT NULL DEFAULT '', timeout_s INTEGER NOT NULL DEFAULT 0,"
	     " ref TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL,"
	     " expires_ms INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL DEFAULT 0,"
	     " result INTEGER NOT NULL DEFAULT 0) STRICT, WITHOUT ROWID");
	exec("CREATE INDEX IF NOT EXISTS ledger_pending_expiry ON ledger_transfers(expires_ms)"
	     " WHERE state = 1 AND expires_ms > 0");
	exec("CREATE TABLE IF NOT EXISTS bank_reserves ("
	     " bank_code TEXT PRIMARY KEY, ledger_account_id INTEGER NOT NULL UNIQUE) STRICT");
	exec("CREATE TABLE IF NOT EXISTS bank_accounts ("
	     " bank_code TEXT NOT NULL, account_number TEXT NOT NULL, holder_name TEXT NOT NULL,"
	     " birth_date TEXT NOT NULL DEFAULT '', business_no TEXT NOT NULL DEFAULT '',"
	     " kind TEXT NOT NULL CHECK (kind IN ('personal', 'business', 'virtual')),"
	     " status TEXT NOT NULL CHECK (status IN ('active', 'dormant', 'suspended',"
	     " 'closed', 'accident_reported')),"
	     " simulate TEXT NOT NULL DEFAULT '', ledger_account_id INTEGER NOT NULL UNIQUE,"
	     " created_ms INTEGER NOT NULL, PRIMARY KEY (bank_code, account_number)) STRICT");
}

/* The two accounts (with their banks' reserves), funded as bench/transfers.sh funds them. */
static void seed(void)
{
	if (query_i64("SELECT count(*) FROM bank_accounts") > 0)
		return; /* set up by an earlier run */
	int64_t ms = wall_ms();
	exec("BEGIN IMMEDIATE");
	sqlite3_stmt *acct = prep("INSERT INTO ledger_accounts(id, code, flags, created_ms)"
				  " VALUES (?1, ?2, ?3, ?4)");
	sqlite3_stmt *bank = prep("INSERT INTO bank_accounts(" BANK_COLS ")"
				  " VALUES (?1, ?2, ?3, ?4, '', 'personal', 'active', '', ?5, ?6)");
	sqlite3_stmt *res = prep("INSERT INTO bank_reserves VALUES (?1, ?2)");
	static const struct {
		const char *bank, *number, *holder, *birth;
	} accts[] = {{FROM_BANK, FROM_NUMBER, "벤치", "19900101"},
		     {TO_BANK, TO_NUMBER, "홍길동", "19900101"}};
	for (int i = 0; i < 2; i++) {
		int64_t reserve = 2 * i + 1, id = 2 * i + 2;
		sqlite3_bind_int64(acct, 1, reserve);
		sqlite3_bind_int(acct, 2, ACCOUNT_BANK_RESERVE);
		sqlite3_bind_int64(acct, 3, 0);
		sqlite3_bind_int64(acct, 4, ms);
		run(acct, "insert reserve");
		sqlite3_bind_int64(acct, 1, id);
		sqlite3_bind_int(acct, 2, ACCOUNT_BANK_ACCOUNT);
		sqlite3_bind_int64(acct, 3, DEBITS_MUST_NOT_EXCEED_CREDITS);
		sqlite3_bind_int64(acct, 4, ms);
		run(acct, "insert account");
		sqlite3_bind_text(res, 1, accts[i].bank, -1, SQLITE_STATIC);
		sqlite3_bind_int64(res, 2, reserve);
		run(res, "insert bank_reserves");
		sqlite3_bind_text(bank, 1, accts[i].bank, -1, SQLITE_STATIC);
		sqlite3_bind_text(bank, 2, accts[i].number, -1, SQLITE_STATIC);
		sqlite3_bind_text(bank, 3, accts[i].holder, -1, SQLITE_STATIC);
		sqlite3_bind_text(bank, 4, accts[i].birth, -1, SQLITE_STATIC);
		sqlite3_bind_int64(bank, 5, id);
		sqlite3_bind_int64(bank, 6, ms);
		run(bank, "insert bank_accounts");
	}
	/* The source's opening deposit: reserve 1 -> account 2. */
	transfer_insert("open:" FROM_BANK ":" FROM_NUMBER, 1, 2, OPENING_BALANCE,
			TRANSFER_CODE_OPENING, ms);
	struct account r = {.id = 1, .debits_posted = OPENING_BALANCE};
	struct account a = {.id = 2, .credits_posted = OPENING_BALANCE};
	account_update(&r);
	account_update(&a);
	exec("COMMIT");
	sqlite3_finalize(acct);
	sqlite3_finalize(bank);
	sqlite3_finalize(res);
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s DB SECONDS [BATCH]\n", argv[0]);
		return 2;
	}
	double seconds = atof(argv[2]);
	if (seconds <= 0) {
		fprintf(stderr, "sqlite_ref: SECONDS must be positive\n");
		return 2;
	}
	long batch = argc == 4 ? atol(argv[3]) : 1;
	if (batch < 1 || batch > 100000) {
		fprintf(stderr, "sqlite_ref: BATCH must be 1..100000\n");
		return 2;
	}
	/* As src/store/sqlite.c open_conn. */
	if (sqlite3_open_v2(argv[1], &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		die("open");
	sqlite3_busy_timeout(db, 5000);
	sqlite3_extended_result_codes(db, 1);
	exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	     "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;");

	create_schema();
	/* src/store/sqlite.c stmt_sql[] */
	S.begin = prep("BEGIN IMMEDIATE");
	S.commit = prep("COMMIT");
	S.savepoint = prep("SAVEPOINT cmd");
	S.release = prep("RELEASE cmd");
	S.bank_get = prep("SELECT " BANK_COLS " FROM bank_accounts "
			  "WHERE bank_code = ?1 AND account_number = ?2");
	S.transfer_get = prep("SELECT " TRANSFER_COLS " FROM ledger_transfers WHERE id = ?1");
	S.account_get = prep("SELECT " ACCOUNT_COLS " FROM ledger_accounts WHERE id = ?1");
	S.account_update =
	    prep("UPDATE ledger_accounts SET debits_posted = ?2, credits_posted = ?3, "
		 "debits_pending = ?4, credits_pending = ?5 WHERE id = ?1");
	S.transfer_insert = prep("INSERT INTO ledger_transfers(" TRANSFER_COLS ") "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
	seed();

	/* Ids like bench/transfers.lua's ("<tag>-<thread>-<n>", n unpadded), after any earlier run's. */
	size_t base = (size_t)query_i64("SELECT count(*) FROM ledger_transfers"), n = 0,
	       commits = 0;
	size_t cap = 1 << 16;
	int64_t *lat = malloc(cap * sizeof(*lat));
	if (lat == NULL)
		return 1;
	char id[64];
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds * 1e9), t = t0;
	while (t < end) {
		run(S.begin, "BEGIN");
		for (long i = 0; i < batch; i++) {
			snprintf(id, sizeof(id), "wire:ref-1-%zu", base + n + (size_t)i + 1);
			run(S.savepoint, "SAVEPOINT");
			wire(id, 1, wall_ms());
			run(S.release, "RELEASE");
		}
		run(S.commit, "COMMIT");
		n += (size_t)batch;
		int64_t t1 = now_ns();
		if (commits == cap) {
			cap *= 2;
			int64_t *p = realloc(lat, cap * sizeof(*lat));
			if (p == NULL)
				return 1;
			lat = p;
		}
		lat[commits++] = t1 - t;
		t = t1;
	}
	getrusage(RUSAGE_SELF, &ru1);
	double elapsed = (double)(t - t0) / 1e9;
	qsort(lat, commits, sizeof(*lat), cmp_i64);
	double p50 = commits ? (double)lat[commits / 2] / 1e6 : 0;
	double p99 = commits ? (double)lat[(size_t)((double)(commits - 1) * 0.99)] / 1e6 : 0;
	double u0, s0, u1, s1;
	double cpu = cpu_s(&ru1, &u1, &s1) - cpu_s(&ru0, &u0, &s0);

	/* The money moved must match the rows written, and the ledger must balance. */
	int64_t rows = query_i64("SELECT count(*) FROM ledger_transfers WHERE code = 1");
	int64_t credited = query_i64("SELECT credits_posted FROM ledger_accounts WHERE id = 4");
	int64_t debited = query_i64("SELECT debits_posted FROM ledger_accounts WHERE id = 2");
	int64_t unbalanced = query_i64("SELECT sum(debits_posted) - sum(credits_posted) "
				       "FROM ledger_accounts");
	if (rows != credited || rows != debited || unbalanced != 0) {
		fprintf(stderr,
			"sqlite_ref: %lld wires but %lld credited, %lld debited, %lld unbalanced\n",
			(long long)rows, (long long)credited, (long long)debited,
			(long long)unbalanced);
		return 1;
	}

	printf("transfers %zu seconds %.3f tps %.0f p50_ms %.3f p99_ms %.3f maxrss_kb %ld"
	       " batch %ld commits %zu cpu_us %.2f utime_s %.3f stime_s %.3f\n",
	       n, elapsed, elapsed > 0 ? (double)n / elapsed : 0, p50, p99, ru1.ru_maxrss, batch,
	       commits, n ? cpu * 1e6 / (double)n : 0, u1 - u0, s1 - s0);

	sqlite3_finalize(S.begin);
	sqlite3_finalize(S.commit);
	sqlite3_finalize(S.savepoint);
	sqlite3_finalize(S.release);
	sqlite3_finalize(S.bank_get);
	sqlite3_finalize(S.transfer_get);
	sqlite3_finalize(S.account_get);
	sqlite3_finalize(S.account_update);
	sqlite3_finalize(S.transfer_insert);
	free(lat);
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
