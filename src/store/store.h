/*
 * store.h — durable state behind one interface.
 *
 * Backends (sqlite.c today, postgres.c for scale-out) implement
 * struct wp_store_ops; nothing outside src/store sees a backend type. Every
 * call is safe from any thread: the backend keeps its own connection pool.
 *
 * Contracts kept by every backend:
 * - A call that returns WP_OK has committed durably (SQLite: WAL with
 *   synchronous=FULL) before it returns.
 * - Strings returned in records live in the caller's arena.
 * - WP_E_STORAGE means the database failed (busy past the timeout, disk
 *   full, I/O); callers answer 503, never pretend success.
 * - Schema changes only through numbered migrations, applied in order,
 *   each in its own transaction together with the new version number.
 */
#ifndef WP_STORE_H
#define WP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util/arena.h"

struct wp_store;

struct wp_partner {
	int64_t id;
	const char *email;
	const char *name;
	int64_t created_ms;
};

struct wp_aqr_link {
	const char *keyword;
	int64_t partner_id;
	int bank_id;
	const char *bank_code;
	const char *account_number;
	const char *account_owner;
	const char *phone_number;
	const char *account_name;
	int64_t created_ms;
	int64_t deleted_ms; /* 0 while live */
};

typedef void (*wp_partner_cb)(void *ctx, const struct wp_partner *p);

struct wp_store_ops {
	const char *name;
	void (*close)(struct wp_store *s);
	wp_status (*migrate)(struct wp_store *s, int *version);
	wp_status (*ping)(struct wp_store *s);

	wp_status (*partner_insert)(struct wp_store *s, const char *email, const char *name,
				    int64_t now_ms, int64_t *id);
	wp_status (*partner_count)(struct wp_store *s, int64_t *count);
	wp_status (*partner_list)(struct wp_store *s, wp_partner_cb cb, void *ctx);
	wp_status (*partner_by_email)(struct wp_store *s, const char *email, wp_arena *a,
				      struct wp_partner *out);
	wp_status (*credential_insert)(struct wp_store *s, int64_t partner_id, const char *surface,
				       const uint8_t sha256[32], int64_t now_ms);
	/* WP_E_NOT_FOUND when no partner holds that secret on that surface. */
	wp_status (*partner_by_credential)(struct wp_store *s, const char *surface,
					   const uint8_t sha256[32], wp_arena *a,
					   struct wp_partner *out);

	/* WP_E_CONFLICT when the keyword is taken. */
	wp_status (*aqr_insert)(struct wp_store *s, const struct wp_aqr_link *link);
	/* Deleted links are returned too (deleted_ms != 0); WP_E_NOT_FOUND if never made. */
	wp_status (*aqr_get)(struct wp_store *s, const char *keyword, wp_arena *a,
			     struct wp_aqr_link *out);
	/* WP_E_NOT_FOUND unless the partner owns it; WP_E_GONE if already deleted. */
	wp_status (*aqr_delete)(struct wp_store *s, const char *keyword, int64_t partner_id,
				int64_t now_ms);
};

struct wp_store {
	const struct wp_store_ops *ops;
};

/*
 * Opens the database at path (a file path: SQLite). pool is the number of
 * connections to keep (one per server thread, plus one). On failure writes
 * a message into err.
 */
wp_status wp_store_open(const char *path, unsigned pool, struct wp_store **out, char *err,
			size_t err_cap);

wp_status wp_store_sqlite_open(const char *path, unsigned pool, struct wp_store **out, char *err,
			       size_t err_cap);

static inline void wp_store_close(struct wp_store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

#endif
