/*
 * store.h — durable state behind one interface.
 *
 * Backends (sqlite.c, the default; postgres.c and postgres_docs.c) implement
 * struct wp_store_ops; nothing outside src/store sees a backend type. Every
 * call is safe from any thread: the backend keeps its own connection pool.
 *
 * Reads run on a pool connection and see committed state. Every write runs
 * inside a write transaction (struct wp_tx): the server's commit queue
 * (core/commit.c) owns the one in use at a time and puts many commands in
 * it (group commit); one-off writers (the CLI, start-up) use
 * wp_store_write().
 *
 * Contracts kept by every backend:
 * - tx_commit returning WP_OK means the transaction is on disk (SQLite: WAL
 *   with synchronous=FULL; PostgreSQL: COMMIT answered, synchronous_commit=on);
 *   nothing is acknowledged before that.
 * - Only one write transaction is open at a time per process; tx_begin
 *   waits for it.
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

/*
 * A credential of a partner on one surface (core/auth.h). The secret the
 * partner sends is kept only as its SHA-256; a secret the server must use
 * itself (Kona's HMAC key) is kept sealed under the data key.
 */
struct wp_credential {
	int64_t partner_id;
	const char *surface; /* "aqr", "kona", ... */
	const char *login;   /* the public half (Kona's AspId); NULL: the secret alone names */
	uint8_t secret_sha256[32];
	const char *sealed_secret; /* "" when none */
	int64_t created_ms;
};

/* A key pair for encrypted requests (Kona's X-KM-Crypto-Key-Id), with the partner's key. */
struct wp_crypto_key {
	const char *id;
	const char *surface;
	int64_t partner_id;
	const char *login;		   /* the credential it belongs to */
	const char *server_private_sealed; /* PEM, sealed under the data key */
	const char *server_public;	   /* PEM */
	const char *partner_public;	   /* PEM: answers are encrypted to it */
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

#define WP_TRANSFER_ID_MAX 64
#define WP_TRANSFER_REF_MAX 128

/* A ledger account (see core/ledger.h for the rules). */
struct wp_account {
	int64_t id;
	int32_t code;
	uint32_t flags;
	int64_t debits_posted;
	int64_t credits_posted;
	int64_t debits_pending;
	int64_t credits_pending;
	int64_t created_ms;
};

/* A ledger transfer, as stored; result != 0 records a failed attempt. */
struct wp_transfer {
	char id[WP_TRANSFER_ID_MAX + 1];
	int64_t debit_account_id;
	int64_t credit_account_id;
	int64_t amount;
	int32_t code;
	uint32_t flags;
	char pending_id[WP_TRANSFER_ID_MAX + 1];
	int64_t timeout_s;
	char ref[WP_TRANSFER_REF_MAX + 1];
	int64_t created_ms;
	int64_t expires_ms; /* pending only; 0 = never */
	int32_t state;	    /* pending only: enum wp_pending_state */
	int32_t result;	    /* enum wp_transfer_result; 0 = applied */
};

/* An account at a sandbox bank (core/bank_sandbox.c). */
struct wp_bank_account {
	char bank_code[4];
	char account_number[32];
	char holder_name[164]; /* UTF-8, at most 40 characters (160 bytes) */
	char birth_date[9];    /* yyyyMMdd or "" */
	char business_no[11];  /* 10 digits or "" */
	char kind[12];	       /* personal | business | virtual */
	char status[20];       /* active | dormant | suspended | closed | accident_reported */
	char simulate[16];     /* "" or a forced outcome for documented test accounts */
	int64_t ledger_account_id;
	int64_t created_ms;
};

/* A surface object (table docs). Strings are the caller's or, when read, an arena's. */
struct wp_doc {
	const char *kind;
	const char *id;
	const char *owner;
	const char *ref;  /* "" when unused */
	const char *uniq; /* NULL when unused */
	const char *body; /* JSON text */
	int64_t created_ms;
	int64_t updated_ms;
};

typedef void (*wp_doc_cb)(void *ctx, const struct wp_doc *d);

/*
 * A webhook delivery in the outbox (core/webhook.h has the rules; the store
 * only keeps them). Strings are the caller's or, when read, an arena's.
 */
struct wp_webhook {
	const char *id;	      /* the stable delivery id */
	const char *surface;  /* "payple" */
	const char *owner;    /* the partner's login on the surface */
	const char *event_id; /* the event's own id (one delivery per surface and event) */
	const char *url;
	const char *body; /* sealed */
	int32_t state;	  /* 0 pending, 1 delivered, 2 failed */
	int32_t attempts; /* every attempt made */
	int32_t tries;	  /* attempts in this round */
	int32_t last_status;
	const char *last_error;
	int64_t round_ms; /* this round's start */
	int64_t next_ms;  /* the next attempt, while pending */
	int64_t created_ms;
	int64_t updated_ms;
	int64_t seq; /* creation order (the outbox's row number) */
};

/* One attempt of a delivery. */
struct wp_webhook_attempt {
	const char *delivery_id;
	int32_t n; /* 1, 2, ... */
	int64_t at_ms;
	int64_t duration_ms;
	int32_t http_status; /* 0: no answer */
	const char *error;   /* "" when answered */
};

typedef void (*wp_webhook_cb)(void *ctx, const struct wp_webhook *w);
typedef void (*wp_webhook_attempt_cb)(void *ctx, const struct wp_webhook_attempt *a);

struct wp_store_ops;
/* An open write transaction; backends embed this as their first member. */
struct wp_tx {
	const struct wp_store_ops *ops;
};

typedef void (*wp_partner_cb)(void *ctx, const struct wp_partner *p);
typedef void (*wp_transfer_cb)(void *ctx, const struct wp_transfer *t);
typedef void (*wp_account_cb)(void *ctx, const struct wp_account *a);

struct wp_store_ops {
	const char *name;
	void (*close)(struct wp_store *s);
	wp_status (*migrate)(struct wp_store *s, int *version);
	/* WP_E_STORAGE once the store is lost (its file removed or replaced, corrupt). */
	wp_status (*ping)(struct wp_store *s);
	/*
	 * Several processes may serve this database at once (PostgreSQL). Write
	 * transactions never overlap then either: tx_begin takes a lock that
	 * every process's writer takes, so what one reads inside its transaction
	 * is everything any process committed before. SQLite: false, one process
	 * per file (main.c locks a file beside it).
	 */
	bool shared;
	/* A tiny write (the readiness probe's): its commit proves writes can be durable. */
	wp_status (*health_write)(struct wp_tx *tx, int64_t now_ms);

	/* Used tokens (core/replay.h). insert: WP_E_CONFLICT if recorded and not expired. */
	wp_status (*used_token_insert)(struct wp_tx *tx, const char *scope,
				       const uint8_t digest[32], int64_t expires_ms,
				       int64_t now_ms);
	wp_status (*used_token_get)(struct wp_store *s, const char *scope, const uint8_t digest[32],
				    int64_t *expires_ms);
	/* Forgets up to max tokens that expired. */
	wp_status (*used_token_expire)(struct wp_tx *tx, int64_t now_ms, unsigned max);

	/* Write transactions. tx_begin waits for the process's write lock. */
	wp_status (*tx_begin)(struct wp_store *s, struct wp_tx **tx);
	wp_status (*tx_savepoint)(struct wp_tx *tx);
	wp_status (*tx_release)(struct wp_tx *tx);     /* keep the savepoint's writes */
	wp_status (*tx_rollback_to)(struct wp_tx *tx); /* undo writes since the savepoint */
	wp_status (*tx_commit)(struct wp_tx *tx);      /* durable when WP_OK */
	void (*tx_rollback)(struct wp_tx *tx);

	wp_status (*partner_insert)(struct wp_tx *tx, const char *email, const char *name,
				    int64_t now_ms, int64_t *id);
	wp_status (*partner_count)(struct wp_store *s, int64_t *count);
	wp_status (*partner_list)(struct wp_store *s, wp_partner_cb cb, void *ctx);
	wp_status (*partner_by_email)(struct wp_store *s, const char *email, wp_arena *a,
				      struct wp_partner *out);
	/* WP_E_CONFLICT when the secret, or the login on that surface, is taken. */
	wp_status (*credential_insert)(struct wp_tx *tx, const struct wp_credential *c);
	/*
	 * The credential with this login on the surface (login != NULL), or the one
	 * whose secret has this digest (login == NULL), and its partner.
	 * WP_E_NOT_FOUND when there is none. tx may be NULL: a committed read.
	 */
	wp_status (*credential_get)(struct wp_store *s, struct wp_tx *tx, const char *surface,
				    const char *login, const uint8_t sha256[32], wp_arena *a,
				    struct wp_credential *out, struct wp_partner *partner);
	/* WP_E_CONFLICT when the id is taken. */
	wp_status (*crypto_key_insert)(struct wp_tx *tx, const struct wp_crypto_key *k);
	wp_status (*crypto_key_get)(struct wp_store *s, const char *surface, const char *id,
				    wp_arena *a, struct wp_crypto_key *out);

	/* WP_E_CONFLICT when the keyword is taken. */
	wp_status (*aqr_insert)(struct wp_tx *tx, const struct wp_aqr_link *link);
	/* Deleted links are returned too (deleted_ms != 0); WP_E_NOT_FOUND if never made. */
	wp_status (*aqr_get)(struct wp_store *s, const char *keyword, wp_arena *a,
			     struct wp_aqr_link *out);
	/* WP_E_NOT_FOUND unless the partner owns it; WP_E_GONE if already deleted. */
	wp_status (*aqr_delete)(struct wp_tx *tx, const char *keyword, int64_t partner_id,
				int64_t now_ms);

	/* Ledger (rules in core/ledger.c; these only load and save). */
	wp_status (*account_insert)(struct wp_tx *tx, struct wp_account *a); /* sets a->id */
	wp_status (*account_get)(struct wp_tx *tx, int64_t id, struct wp_account *out);
	wp_status (*account_update)(struct wp_tx *tx, const struct wp_account *a);
	wp_status (*transfer_get)(struct wp_tx *tx, const char *id, struct wp_transfer *out);
	wp_status (*transfer_insert)(struct wp_tx *tx, const struct wp_transfer *t);
	wp_status (*transfer_set_state)(struct wp_tx *tx, const char *id, int32_t state);
	/* Up to max ids of pending transfers whose expires_ms <= now_ms. */
	wp_status (*pending_expired)(struct wp_tx *tx, int64_t now_ms,
				     char (*ids)[WP_TRANSFER_ID_MAX + 1], size_t max,
				     size_t *count);
	/* Sandbox bank network. WP_E_CONFLICT if the account exists. */
	wp_status (*bank_account_insert)(struct wp_tx *tx, const struct wp_bank_account *a);
	wp_status (*bank_account_get)(struct wp_tx *tx, const char *bank_code, const char *number,
				      struct wp_bank_account *out);
	wp_status (*bank_account_set_status)(struct wp_tx *tx, const char *bank_code,
					     const char *number, const char *status);
	wp_status (*bank_reserve_get)(struct wp_tx *tx, const char *bank_code, int64_t *ledger_id);
	wp_status (*bank_reserve_insert)(struct wp_tx *tx, const char *bank_code,
					 int64_t ledger_id);
	/* Empties the bank network and the ledger (sandbox reset). */
	wp_status (*sandbox_clear)(struct wp_tx *tx);
	wp_status (*bank_account_read)(struct wp_store *s, const char *bank_code,
				       const char *number, struct wp_bank_account *out);
	wp_status (*bank_account_by_ledger)(struct wp_store *s, int64_t ledger_id,
					    struct wp_bank_account *out);

	/* Surface objects. insert: WP_E_CONFLICT on a taken id or uniq. */
	wp_status (*doc_insert)(struct wp_tx *tx, const struct wp_doc *d);
	/* Replaces body, ref, uniq and updated_ms of an existing (kind, id). */
	wp_status (*doc_update)(struct wp_tx *tx, const struct wp_doc *d);
	/* id NULL: every document of the kind (a sandbox reset). */
	wp_status (*doc_delete)(struct wp_tx *tx, const char *kind, const char *id);
	/* tx may be NULL: then a committed read on the pool. */
	wp_status (*doc_get)(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *id,
			     wp_arena *a, struct wp_doc *out);
	wp_status (*doc_by_uniq)(struct wp_store *s, struct wp_tx *tx, const char *kind,
				 const char *uniq, wp_arena *a, struct wp_doc *out);
	/* Every doc of kind with this owner and ref, newest first, at most max. */
	wp_status (*doc_find)(struct wp_store *s, struct wp_tx *tx, const char *kind,
			      const char *owner, const char *ref, size_t max, wp_doc_cb cb,
			      void *ctx);

	/* Webhook outbox. insert: WP_E_CONFLICT on a taken id, or an event that has one. */
	wp_status (*webhook_insert)(struct wp_tx *tx, const struct wp_webhook *w);
	/* Replaces state, attempts, tries, round, next, last status and error, updated_ms. */
	wp_status (*webhook_update)(struct wp_tx *tx, const struct wp_webhook *w);
	/* tx may be NULL: a committed read. */
	wp_status (*webhook_get)(struct wp_store *s, struct wp_tx *tx, const char *id, wp_arena *a,
				 struct wp_webhook *out);
	/*
	 * Pending deliveries due at now_ms (next_ms <= now_ms) in (next_ms, seq)
	 * order after the cursor (after_ms, after_seq) — INT64_MIN, 0 for the
	 * first page — at most max, without their bodies (body NULL): what the
	 * sender may start. The cursor lets it page past a host with its share.
	 */
	wp_status (*webhook_due)(struct wp_store *s, int64_t now_ms, int64_t after_ms,
				 int64_t after_seq, size_t max, wp_webhook_cb cb, void *ctx);
	/*
	 * shared stores: takes a pending delivery for one attempt, durably and
	 * outside any transaction: its next_ms moves from seen_ms (as just read)
	 * to until_ms, so no other process finds it due meanwhile. WP_E_CONFLICT
	 * when it is no longer pending at seen_ms (another process took it, or it
	 * was delivered). NULL on a store one process owns.
	 */
	wp_status (*webhook_claim)(struct wp_store *s, const char *id, int64_t seen_ms,
				   int64_t until_ms);
	/* The soonest next_ms of any pending delivery; WP_E_NOT_FOUND when none is pending. */
	wp_status (*webhook_next_due)(struct wp_store *s, int64_t *next_ms);
	/* A surface's deliveries (of one owner, or all with owner NULL), newest first, at most max. */
	wp_status (*webhook_list)(struct wp_store *s, const char *surface, const char *owner,
				  size_t max, wp_webhook_cb cb, void *ctx);
	wp_status (*webhook_attempt_insert)(struct wp_tx *tx, const struct wp_webhook_attempt *a);
	/* A delivery's attempts in order, the last max of them. */
	wp_status (*webhook_attempts)(struct wp_store *s, const char *delivery_id, size_t max,
				      wp_webhook_attempt_cb cb, void *ctx);
	/* A partner's sealed signing secret. insert: WP_E_CONFLICT when it has one. */
	wp_status (*webhook_secret_insert)(struct wp_tx *tx, const char *surface, const char *owner,
					   const char *sealed, int64_t now_ms);
	/* tx may be NULL: a committed read. WP_E_NOT_FOUND when it has none. */
	wp_status (*webhook_secret_get)(struct wp_store *s, struct wp_tx *tx, const char *surface,
					const char *owner, wp_arena *a, const char **sealed);

	/* Committed reads, for lookups and `ledger verify`. */
	wp_status (*account_read)(struct wp_store *s, int64_t id, struct wp_account *out);
	wp_status (*transfer_read)(struct wp_store *s, const char *id, struct wp_transfer *out);
	/* Every account, then every transfer, from one consistent snapshot. */
	wp_status (*ledger_scan)(struct wp_store *s, wp_account_cb acb, wp_transfer_cb tcb,
				 void *ctx);
};

struct wp_store {
	const struct wp_store_ops *ops;
};

/*
 * Opens the database at path: a postgres:// or postgresql:// URL (passed to
 * libpq as it is: sslmode and the rest are its parameters), else a SQLite
 * file path. pool is the number of connections to keep (one per server
 * thread, plus one). On failure writes a message into err (never the URL's
 * password).
 */
wp_status wp_store_open(const char *path, unsigned pool, struct wp_store **out, char *err,
			size_t err_cap);

wp_status wp_store_sqlite_open(const char *path, unsigned pool, struct wp_store **out, char *err,
			       size_t err_cap);
wp_status wp_store_postgres_open(const char *url, unsigned pool, struct wp_store **out, char *err,
				 size_t err_cap);

/* Whether path names a PostgreSQL database (a URL) rather than a SQLite file. */
bool wp_store_is_url(const char *path);

/*
 * path as messages and logs may show it: a URL without its password
 * (user:***@host, password=***), a file path as it is.
 */
void wp_store_describe(const char *path, char *out, size_t cap);

/*
 * Runs fn inside one write transaction and commits it (rolls back if fn
 * fails). For one-off writers; the server's hot path uses core/commit.c.
 */
wp_status wp_store_write(struct wp_store *s, wp_status (*fn)(struct wp_tx *tx, void *arg),
			 void *arg);

#ifdef WP_FAULT_INJECTION
/*
 * Test builds: fail the store's operations at seeded random points. points
 * is a bit set of FAULT_* (sqlite.c: write 0, read 1, begin 2, savepoint 3,
 * commit 4 — it leaves nothing written), and lie_ppm makes a durable commit
 * report failure. NULL stops. SQLite only: on a PostgreSQL store both are
 * no-ops (nothing injected, 0 counted).
 */
struct wp_fault_plan {
	uint64_t seed;
	uint32_t rate_ppm; /* chance per operation, per million */
	uint32_t points;
	uint32_t lie_ppm; /* chance that a durable commit is reported failed */
};
#define WP_FAULT_ALL 0x1Fu
void wp_store_inject(struct wp_store *s, const struct wp_fault_plan *plan);
uint64_t wp_store_faults_injected(struct wp_store *s);
#endif

static inline void wp_store_close(struct wp_store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

#endif
