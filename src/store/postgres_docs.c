/*
 * postgres_docs.c — the PostgreSQL backend's surface documents and webhook
 * outbox (postgres.h has what it shares with postgres.c; sqlite.c has the
 * same operations on SQLite).
 */
#include "bounds.h"
#include "store/postgres.h"

/* ---- surface objects ---- */

wp_status wp_pg_doc_insert(struct wp_tx *tx, const struct wp_doc *d)
{
	struct params p = {0};
	p_text(&p, d->kind);
	p_text(&p, d->id);
	p_text(&p, d->owner);
	p_text(&p, d->ref ? d->ref : "");
	p_text(&p, d->uniq);
	p_text(&p, d->body);
	p_int(&p, d->created_ms);
	p_int(&p, d->updated_ms);
	return wp_pg_run_insert(wp_pg_txc(tx), ST_DOC_INSERT, &p);
}

wp_status wp_pg_doc_update(struct wp_tx *tx, const struct wp_doc *d)
{
	struct params p = {0};
	p_text(&p, d->kind);
	p_text(&p, d->id);
	p_text(&p, d->ref ? d->ref : "");
	p_text(&p, d->uniq);
	p_text(&p, d->body);
	p_int(&p, d->updated_ms);
	PGresult *r;
	wp_status st = wp_pg_run(wp_pg_txc(tx), ST_DOC_UPDATE, &p, &r);
	if (st == WP_OK && PQntuples(r) != 1)
		st = WP_E_STORAGE;
	if (st == WP_OK)
		st = col_int(r, 0, 0) == 1   ? WP_OK
		     : col_int(r, 0, 2) == 0 ? WP_E_NOT_FOUND /* as SQLite: no such document */
		     : col_int(r, 0, 1) != 0 ? WP_E_CONFLICT  /* another document holds the uniq */
					     : WP_E_NOT_FOUND;
	PQclear(r);
	return st;
}

wp_status wp_pg_doc_delete(struct wp_tx *tx, const char *kind, const char *id)
{
	struct params p = {0};
	p_text(&p, kind);
	if (id != NULL)
		p_text(&p, id);
	long rows = 0;
	wp_status st = wp_pg_run_write(wp_pg_txc(tx),
				       id != NULL ? ST_DOC_DELETE : ST_DOC_DELETE_KIND, &p, &rows);
	return st == WP_OK && id != NULL && rows != 1 ? WP_E_NOT_FOUND : st;
}

static bool read_doc(const PGresult *r, int row, wp_arena *a, struct wp_doc *d)
{
	d->kind = col_text(r, row, 0, a);
	d->id = col_text(r, row, 1, a);
	d->owner = col_text(r, row, 2, a);
	d->ref = col_text(r, row, 3, a);
	d->uniq = col_text_or_null(r, row, 4, a);
	d->body = col_text(r, row, 5, a);
	d->created_ms = col_int(r, row, 6);
	d->updated_ms = col_int(r, row, 7);
	return d->kind && d->id && d->owner && d->ref && d->body &&
	       (d->uniq != NULL || PQgetisnull(r, row, 4));
}

/* Runs a doc query on tx's connection, or on a pool connection when tx is NULL. */
static wp_status doc_query(struct wp_store *s, struct wp_tx *tx, enum stmt_id id,
			   const struct params *p, wp_arena *arena, struct wp_doc *one,
			   wp_doc_cb cb, void *ctx)
{
	struct conn *c = tx ? wp_pg_txc(tx) : wp_pg_acquire(s);
	PGresult *r;
	wp_status st = wp_pg_run(c, id, p, &r);
	if (st == WP_OK && one != NULL) {
		st = PQntuples(r) == 0		  ? WP_E_NOT_FOUND
		     : read_doc(r, 0, arena, one) ? WP_OK
						  : WP_E_NOMEM;
	}
	for (int i = 0; st == WP_OK && one == NULL && i < PQntuples(r); i++) {
		wp_arena row;
		wp_arena_init(&row, WP_STORE_ROW_ARENA_BYTES);
		struct wp_doc d;
		if (read_doc(r, i, &row, &d))
			cb(ctx, &d);
		wp_arena_free(&row);
	}
	PQclear(r);
	if (tx == NULL)
		wp_pg_release(s, c);
	return st;
}

wp_status wp_pg_doc_get(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *id,
			wp_arena *a, struct wp_doc *out)
{
	struct params p = {0};
	p_text(&p, kind);
	p_text(&p, id);
	return doc_query(s, tx, ST_DOC_GET, &p, a, out, NULL, NULL);
}

wp_status wp_pg_doc_by_uniq(struct wp_store *s, struct wp_tx *tx, const char *kind,
			    const char *uniq, wp_arena *a, struct wp_doc *out)
{
	struct params p = {0};
	p_text(&p, kind);
	p_text(&p, uniq);
	return doc_query(s, tx, ST_DOC_BY_UNIQ, &p, a, out, NULL, NULL);
}

wp_status wp_pg_doc_find(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *owner,
			 const char *ref, size_t max, wp_doc_cb cb, void *ctx)
{
	struct params p = {0};
	p_text(&p, kind);
	p_text(&p, owner);
	p_text(&p, ref);
	p_int(&p, max > 0 ? (int64_t)max : 1);
	return doc_query(s, tx, ST_DOC_FIND, &p, NULL, NULL, cb, ctx);
}

/* ---- webhook outbox ---- */

wp_status wp_pg_webhook_insert(struct wp_tx *tx, const struct wp_webhook *w)
{
	struct params p = {0};
	p_text(&p, w->id);
	p_text(&p, w->surface);
	p_text(&p, w->owner);
	p_text(&p, w->event_id);
	p_text(&p, w->url);
	p_text(&p, w->body ? w->body : "");
	p_int(&p, w->state);
	p_int(&p, w->attempts);
	p_int(&p, w->tries);
	p_int(&p, w->last_status);
	p_text(&p, w->last_error ? w->last_error : "");
	p_int(&p, w->round_ms);
	p_int(&p, w->next_ms);
	p_int(&p, w->created_ms);
	p_int(&p, w->updated_ms);
	return wp_pg_run_insert(wp_pg_txc(tx), ST_WEBHOOK_INSERT, &p);
}

wp_status wp_pg_webhook_update(struct wp_tx *tx, const struct wp_webhook *w)
{
	struct params p = {0};
	p_text(&p, w->id);
	p_int(&p, w->state);
	p_int(&p, w->attempts);
	p_int(&p, w->tries);
	p_int(&p, w->last_status);
	p_text(&p, w->last_error ? w->last_error : "");
	p_int(&p, w->round_ms);
	p_int(&p, w->next_ms);
	p_int(&p, w->updated_ms);
	long rows = 0;
	wp_status st = wp_pg_run_write(wp_pg_txc(tx), ST_WEBHOOK_UPDATE, &p, &rows);
	return st == WP_OK && rows != 1 ? WP_E_NOT_FOUND : st;
}

wp_status wp_pg_webhook_claim(struct wp_store *s, const char *id, int64_t seen_ms, int64_t until_ms)
{
	struct conn *c = wp_pg_acquire(s);
	struct params p = {0};
	p_text(&p, id);
	p_int(&p, seen_ms);
	p_int(&p, until_ms);
	long rows = 0;
	wp_status st = wp_pg_run_write(c, ST_WEBHOOK_CLAIM, &p, &rows);
	wp_pg_release(s, c);
	return st == WP_OK && rows != 1 ? WP_E_CONFLICT : st;
}

/* A row of WEBHOOK_READ; body NULL when the query left it out. */
static bool read_webhook(const PGresult *r, int row, wp_arena *a, struct wp_webhook *w)
{
	w->id = col_text(r, row, 0, a);
	w->surface = col_text(r, row, 1, a);
	w->owner = col_text(r, row, 2, a);
	w->event_id = col_text(r, row, 3, a);
	w->url = col_text(r, row, 4, a);
	w->body = col_text_or_null(r, row, 5, a);
	w->state = (int32_t)col_int(r, row, 6);
	w->attempts = (int32_t)col_int(r, row, 7);
	w->tries = (int32_t)col_int(r, row, 8);
	w->last_status = (int32_t)col_int(r, row, 9);
	w->last_error = col_text(r, row, 10, a);
	w->round_ms = col_int(r, row, 11);
	w->next_ms = col_int(r, row, 12);
	w->created_ms = col_int(r, row, 13);
	w->updated_ms = col_int(r, row, 14);
	w->seq = col_int(r, row, 15);
	return w->id && w->surface && w->owner && w->event_id && w->url && w->last_error &&
	       (w->body != NULL || PQgetisnull(r, row, 5));
}

wp_status wp_pg_webhook_get(struct wp_store *s, struct wp_tx *tx, const char *id, wp_arena *a,
			    struct wp_webhook *out)
{
	struct conn *c = tx ? wp_pg_txc(tx) : wp_pg_acquire(s);
	struct params p = {0};
	p_text(&p, id);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_WEBHOOK_GET, &p, &r);
	if (st == WP_OK && !read_webhook(r, 0, a, out))
		st = WP_E_NOMEM;
	PQclear(r);
	if (tx == NULL)
		wp_pg_release(s, c);
	return st;
}

/* Each row of a query on a pool connection to cb, with its strings in a row arena. */
static wp_status webhook_rows(struct wp_store *s, enum stmt_id id, const struct params *p,
			      wp_webhook_cb cb, void *ctx)
{
	struct conn *c = wp_pg_acquire(s);
	PGresult *r;
	wp_status st = wp_pg_run(c, id, p, &r);
	for (int i = 0; st == WP_OK && i < PQntuples(r); i++) {
		wp_arena row;
		wp_arena_init(&row, WP_STORE_ROW_ARENA_BYTES);
		struct wp_webhook w;
		if (read_webhook(r, i, &row, &w))
			cb(ctx, &w);
		wp_arena_free(&row);
	}
	PQclear(r);
	wp_pg_release(s, c);
	return st;
}

wp_status wp_pg_webhook_due(struct wp_store *s, int64_t now_ms, int64_t after_ms, int64_t after_seq,
			    size_t max, wp_webhook_cb cb, void *ctx)
{
	struct params p = {0};
	p_int(&p, now_ms);
	p_int(&p, max > 0 ? (int64_t)max : 1);
	p_int(&p, after_ms);
	p_int(&p, after_seq);
	return webhook_rows(s, ST_WEBHOOK_DUE, &p, cb, ctx);
}

wp_status wp_pg_webhook_next_due(struct wp_store *s, int64_t *next_ms)
{
	struct conn *c = wp_pg_acquire(s);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_WEBHOOK_NEXT_DUE, NULL, &r);
	if (st == WP_OK)
		*next_ms = col_int(r, 0, 0);
	PQclear(r);
	wp_pg_release(s, c);
	return st;
}

wp_status wp_pg_webhook_list(struct wp_store *s, const char *surface, const char *owner, size_t max,
			     wp_webhook_cb cb, void *ctx)
{
	struct params p = {0};
	p_text(&p, surface);
	p_int(&p, max > 0 ? (int64_t)max : 1);
	if (owner != NULL)
		p_text(&p, owner);
	return webhook_rows(s, owner ? ST_WEBHOOK_LIST_OWNER : ST_WEBHOOK_LIST, &p, cb, ctx);
}

wp_status wp_pg_webhook_attempt_insert(struct wp_tx *tx, const struct wp_webhook_attempt *a)
{
	struct params p = {0};
	p_text(&p, a->delivery_id);
	p_int(&p, a->n);
	p_int(&p, a->at_ms);
	p_int(&p, a->duration_ms);
	p_int(&p, a->http_status);
	p_text(&p, a->error ? a->error : "");
	return wp_pg_run_insert(wp_pg_txc(tx), ST_WEBHOOK_ATTEMPT_INSERT, &p);
}

wp_status wp_pg_webhook_attempts(struct wp_store *s, const char *delivery_id, size_t max,
				 wp_webhook_attempt_cb cb, void *ctx)
{
	struct conn *c = wp_pg_acquire(s);
	struct params p = {0};
	p_text(&p, delivery_id);
	p_int(&p, max > 0 ? (int64_t)max : 1);
	PGresult *r;
	wp_status st = wp_pg_run(c, ST_WEBHOOK_ATTEMPTS, &p, &r);
	for (int i = 0; st == WP_OK && i < PQntuples(r); i++) {
		wp_arena row;
		wp_arena_init(&row, WP_SCRATCH_ARENA_BYTES);
		struct wp_webhook_attempt a = {
		    .delivery_id = col_text(r, i, 0, &row),
		    .n = (int32_t)col_int(r, i, 1),
		    .at_ms = col_int(r, i, 2),
		    .duration_ms = col_int(r, i, 3),
		    .http_status = (int32_t)col_int(r, i, 4),
		    .error = col_text(r, i, 5, &row),
		};
		if (a.delivery_id != NULL && a.error != NULL)
			cb(ctx, &a);
		wp_arena_free(&row);
	}
	PQclear(r);
	wp_pg_release(s, c);
	return st;
}

wp_status wp_pg_webhook_secret_insert(struct wp_tx *tx, const char *surface, const char *owner,
				      const char *sealed, int64_t now_ms)
{
	struct params p = {0};
	p_text(&p, surface);
	p_text(&p, owner);
	p_text(&p, sealed);
	p_int(&p, now_ms);
	return wp_pg_run_insert(wp_pg_txc(tx), ST_WEBHOOK_SECRET_INSERT, &p);
}

wp_status wp_pg_webhook_secret_get(struct wp_store *s, struct wp_tx *tx, const char *surface,
				   const char *owner, wp_arena *a, const char **sealed)
{
	struct conn *c = tx ? wp_pg_txc(tx) : wp_pg_acquire(s);
	struct params p = {0};
	p_text(&p, surface);
	p_text(&p, owner);
	PGresult *r;
	wp_status st = wp_pg_run_row(c, ST_WEBHOOK_SECRET_GET, &p, &r);
	if (st == WP_OK && (*sealed = col_text(r, 0, 0, a)) == NULL)
		st = WP_E_NOMEM;
	PQclear(r);
	if (tx == NULL)
		wp_pg_release(s, c);
	return st;
}
