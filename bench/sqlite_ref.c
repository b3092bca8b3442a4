/* bench/sqlite_ref.c — the reference for bench/transfers.sh: one durable
 * transfer per SQLite transaction, single thread, no HTTP, no batching.
 *
 *   gcc -O2 -o sqlite_ref bench/sqlite_ref.c -lsqlite3
 *   ./sqlite_ref DB SECONDS
 *
 * WAL, synchronous=FULL. Each transaction is
 *   BEGIN IMMEDIATE; UPDATE accounts (debit); UPDATE accounts (credit);
 *   INSERT INTO transfers (unique text id, like ledger_transfers); COMMIT
 * Prints one line: "transfers N seconds S tps X p50_ms A p99_ms B maxrss_kb M"
 * (latency = BEGIN..COMMIT of one transfer). Exits 1 on any SQLite error. */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static sqlite3 *db;

static void die(const char *what)
{
	fprintf(stderr, "sqlite_ref: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
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

static void step_done(sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die(what);
	sqlite3_reset(st);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s DB SECONDS\n", argv[0]);
		return 2;
	}
	double seconds = atof(argv[2]);
	if (seconds <= 0) {
		fprintf(stderr, "sqlite_ref: SECONDS must be positive\n");
		return 2;
	}
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		die("open");
	exec("PRAGMA journal_mode=WAL");
	exec("PRAGMA synchronous=FULL");
	exec("CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY,"
	     " balance INTEGER NOT NULL) STRICT");
	exec("CREATE TABLE IF NOT EXISTS transfers (id TEXT PRIMARY KEY,"
	     " debit_account_id INTEGER NOT NULL, credit_account_id INTEGER NOT NULL,"
	     " amount INTEGER NOT NULL, created_ms INTEGER NOT NULL) STRICT, WITHOUT ROWID");
	exec("INSERT OR IGNORE INTO accounts VALUES (1, 1000000000000), (2, 0)");

	sqlite3_stmt *begin = prep("BEGIN IMMEDIATE");
	sqlite3_stmt *debit = prep("UPDATE accounts SET balance = balance - ?1 WHERE id = 1");
	sqlite3_stmt *credit = prep("UPDATE accounts SET balance = balance + ?1 WHERE id = 2");
	sqlite3_stmt *insert = prep("INSERT INTO transfers VALUES (?1, 1, 2, ?2, ?3)");
	sqlite3_stmt *commit = prep("COMMIT");

	size_t cap = 1 << 16, n = 0;
	int64_t *lat = malloc(cap * sizeof(*lat));
	if (lat == NULL)
		return 1;
	char id[64];
	int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds * 1e9), t = t0;
	while (t < end) {
		snprintf(id, sizeof(id), "ref-%zu", n + 1);
		step_done(begin, "BEGIN");
		sqlite3_bind_int64(debit, 1, 1);
		step_done(debit, "UPDATE debit");
		sqlite3_bind_int64(credit, 1, 1);
		step_done(credit, "UPDATE credit");
		sqlite3_bind_text(insert, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(insert, 2, 1);
		sqlite3_bind_int64(insert, 3, (int64_t)time(NULL) * 1000);
		step_done(insert, "INSERT");
		step_done(commit, "COMMIT");
		int64_t t1 = now_ns();
		if (n == cap) {
			cap *= 2;
			int64_t *p = realloc(lat, cap * sizeof(*lat));
			if (p == NULL)
				return 1;
			lat = p;
		}
		lat[n++] = t1 - t;
		t = t1;
	}
	double elapsed = (double)(t - t0) / 1e9;
	qsort(lat, n, sizeof(*lat), cmp_i64);
	double p50 = n ? (double)lat[n / 2] / 1e6 : 0;
	double p99 = n ? (double)lat[(size_t)((double)(n - 1) * 0.99)] / 1e6 : 0;

	/* The money moved must match the rows written. */
	sqlite3_stmt *chk = prep("SELECT (SELECT count(*) FROM transfers),"
				 " (SELECT balance FROM accounts WHERE id = 2)");
	if (sqlite3_step(chk) != SQLITE_ROW)
		die("check");
	int64_t rows = sqlite3_column_int64(chk, 0), credited = sqlite3_column_int64(chk, 1);
	sqlite3_finalize(chk);
	if (rows != credited) {
		fprintf(stderr, "sqlite_ref: %lld transfers but %lld credited\n", (long long)rows,
			(long long)credited);
		return 1;
	}

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("transfers %zu seconds %.3f tps %.0f p50_ms %.3f p99_ms %.3f maxrss_kb %ld\n", n,
	       elapsed, elapsed > 0 ? (double)n / elapsed : 0, p50, p99, ru.ru_maxrss);

	sqlite3_finalize(begin);
	sqlite3_finalize(debit);
	sqlite3_finalize(credit);
	sqlite3_finalize(insert);
	sqlite3_finalize(commit);
	free(lat);
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
