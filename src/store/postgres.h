/*
 * postgres.h — what the PostgreSQL backend's files share (postgres.c:
 * connections, migrations, transactions, credentials, AQR, ledger, bank;
 * postgres_docs.c: surface documents and the webhook outbox). Nothing
 * outside src/store includes it.
 *
 * Invariants:
 * - Every statement is prepared once per connection (its enum stmt_id names
 *   it) and run with parameters: values never become SQL text.
 * - A statement's parameters are exactly $1..$n and every one is referenced,
 *   so PostgreSQL infers each type; parameters travel as text, except
 *   digests (bytea, binary). Results come back as text.
 * - A connection is used by one thread at a time: a pool connection between
 *   wp_pg_acquire and wp_pg_release, or the open write transaction's
 *   (wp_pg_txc) while the process's write lock is held.
 * - wp_pg_run* answer WP_E_CONFLICT for a constraint, WP_E_STORAGE (logged)
 *   when the database failed or the connection is lost.
 */
#ifndef WP_STORE_POSTGRES_H
#define WP_STORE_POSTGRES_H

#include <assert.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

enum stmt_id {
	ST_PING,
	ST_SESSION,
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
	ST_WRITE_LOCK,
	ST_BEGIN_SNAPSHOT,
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
	ST_SANDBOX_CLEAR,
	ST_DOC_INSERT,
	ST_DOC_UPDATE,
	ST_DOC_DELETE,
	ST_DOC_DELETE_KIND,
	ST_DOC_GET,
	ST_DOC_BY_UNIQ,
	ST_DOC_FIND,
	ST_WEBHOOK_INSERT,
	ST_WEBHOOK_UPDATE,
	ST_WEBHOOK_CLAIM,
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

/* ---- parameters: text, except digests (binary bytea) ---- */

#define PARAMS_MAX 16

struct params {
	int n;
	const char *v[PARAMS_MAX];
	int len[PARAMS_MAX];
	int fmt[PARAMS_MAX];
	char num[PARAMS_MAX][24];
};

/* NULL binds SQL NULL. */
static inline void p_text(struct params *p, const char *s)
{
	assert(p->n < PARAMS_MAX);
	p->v[p->n] = s;
	p->len[p->n] = 0;
	p->fmt[p->n] = 0;
	p->n++;
}

static inline void p_int(struct params *p, int64_t x)
{
	assert(p->n < PARAMS_MAX);
	snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)x);
	p_text(p, p->num[p->n]);
}

static inline void p_blob(struct params *p, const uint8_t *d, int n)
{
	assert(p->n < PARAMS_MAX);
	p->v[p->n] = (const char *)d;
	p->len[p->n] = n;
	p->fmt[p->n] = 1;
	p->n++;
}

/* ---- reading a row (text format) ---- */

static inline int64_t col_int(const PGresult *r, int row, int i)
{
	return PQgetisnull(r, row, i) ? 0 : strtoll(PQgetvalue(r, row, i), NULL, 10);
}

/* "" for NULL, as sqlite.c's col_text. */
static inline const char *col_text(const PGresult *r, int row, int i, wp_arena *a)
{
	return wp_arena_strndup(a, PQgetvalue(r, row, i), (size_t)PQgetlength(r, row, i));
}

static inline const char *col_text_or_null(const PGresult *r, int row, int i, wp_arena *a)
{
	return PQgetisnull(r, row, i) ? NULL : col_text(r, row, i, a);
}

static inline void copy_col(const PGresult *r, int row, int i, char *dst, size_t cap)
{
	size_t n = (size_t)PQgetlength(r, row, i);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, PQgetvalue(r, row, i), n);
	dst[n] = '\0';
}

struct conn;

struct conn *wp_pg_acquire(struct wp_store *s);
void wp_pg_release(struct wp_store *s, struct conn *c);
/* The open write transaction's connection. */
struct conn *wp_pg_txc(struct wp_tx *tx);

/* WP_OK with *out holding the result (the caller PQclears it). */
wp_status wp_pg_run(struct conn *c, enum stmt_id id, const struct params *p, PGresult **out);
/* For its effect; *rows (when not NULL) the rows it changed. */
wp_status wp_pg_run_write(struct conn *c, enum stmt_id id, const struct params *p, long *rows);
/* At most one row: WP_OK with it in *out, or WP_E_NOT_FOUND. */
wp_status wp_pg_run_row(struct conn *c, enum stmt_id id, const struct params *p, PGresult **out);
/* INSERT ... ON CONFLICT DO NOTHING: WP_E_CONFLICT when no row was written. */
wp_status wp_pg_run_insert(struct conn *c, enum stmt_id id, const struct params *p);
/*
 * A write whose result is read later (in a write transaction: with the next
 * statement that needs an answer; see postgres.c, "pipeline mode"). Its SQL
 * must fail on the server whenever the write does not do what it should.
 * Outside a transaction it runs at once.
 */
wp_status wp_pg_defer(struct conn *c, enum stmt_id id, const struct params *p);

/* postgres_docs.c */
wp_status wp_pg_doc_insert(struct wp_tx *tx, const struct wp_doc *d);
wp_status wp_pg_doc_update(struct wp_tx *tx, const struct wp_doc *d);
wp_status wp_pg_doc_delete(struct wp_tx *tx, const char *kind, const char *id);
wp_status wp_pg_doc_get(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *id,
			wp_arena *a, struct wp_doc *out);
wp_status wp_pg_doc_by_uniq(struct wp_store *s, struct wp_tx *tx, const char *kind,
			    const char *uniq, wp_arena *a, struct wp_doc *out);
wp_status wp_pg_doc_find(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *owner,
			 const char *ref, size_t max, wp_doc_cb cb, void *ctx);
wp_status wp_pg_webhook_insert(struct wp_tx *tx, const struct wp_webhook *w);
wp_status wp_pg_webhook_update(struct wp_tx *tx, const struct wp_webhook *w);
wp_status wp_pg_webhook_claim(struct wp_store *s, const char *id, int64_t seen_ms,
			      int64_t until_ms);
wp_status wp_pg_webhook_get(struct wp_store *s, struct wp_tx *tx, const char *id, wp_arena *a,
			    struct wp_webhook *out);
wp_status wp_pg_webhook_due(struct wp_store *s, int64_t now_ms, int64_t after_ms, int64_t after_seq,
			    size_t max, wp_webhook_cb cb, void *ctx);
wp_status wp_pg_webhook_next_due(struct wp_store *s, int64_t *next_ms);
wp_status wp_pg_webhook_list(struct wp_store *s, const char *surface, const char *owner, size_t max,
			     wp_webhook_cb cb, void *ctx);
wp_status wp_pg_webhook_attempt_insert(struct wp_tx *tx, const struct wp_webhook_attempt *a);
wp_status wp_pg_webhook_attempts(struct wp_store *s, const char *delivery_id, size_t max,
				 wp_webhook_attempt_cb cb, void *ctx);
wp_status wp_pg_webhook_secret_insert(struct wp_tx *tx, const char *surface, const char *owner,
				      const char *sealed, int64_t now_ms);
wp_status wp_pg_webhook_secret_get(struct wp_store *s, struct wp_tx *tx, const char *surface,
				   const char *owner, wp_arena *a, const char **sealed);

#endif
