/*
 * kit.h — what every surface module is built from.
 *
 * A surface module (src/surface/<provider>/) is thin: decode -> validate
 * against the spec -> call the core -> encode in the surface's own envelope.
 * The kit gives each step one shape, so no surface writes it again:
 *
 * - struct wp_module: the descriptor. Its routes, its init / seed / free
 *   hooks and what it adds to `wonpay partner add`. main.c and app.h name no
 *   surface: they walk wp_modules[].
 * - Field tables (struct wp_field): one row per field of a request, checked
 *   here for JSON and form bodies alike — type, length in characters,
 *   required or not — with one failure kind a surface maps to its own code.
 * - Code maps (struct wp_status_map): wp_status to the surface's own code,
 *   in one table per surface.
 * - Writes (struct wp_write): a command allocated from the request, run
 *   through the commit queue; its finish() answers once the batch is
 *   durable, and after_commit() may start follow-up work (a simulated call).
 * - Personal data sealed and opened into the request arena; JSON values
 *   released when the request ends.
 * - wonpay's own paths (/health, /sandbox/...): one error envelope
 *   {"error":{"code","message"}} and one wrapper (wp_ctl_run) that checks
 *   the admin token and parses the JSON body for the endpoint.
 *
 * A surface's handler wrapper owns its per-request context and answers once;
 * an endpoint returns what to answer and never frees anything by hand.
 */
#ifndef WP_SURFACE_KIT_H
#define WP_SURFACE_KIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app.h"
#include "core/commit.h"
#include "error.h"
#include "http/form.h"
#include "http/http.h"

/* ---- the module descriptor ---- */

/* What `wonpay partner add` lets a module issue for a new partner. */
struct wp_issuer {
	const char *option; /* the command-line option that asks for it, or NULL */
	const char *help;   /* its line in --help */
	bool always;	    /* issue without the option too */
	bool seals;	    /* its add() seals with the data key (an option's issuer always may) */
	/* Outside the transaction (files, key generation); *issue is the module's. */
	wp_status (*prepare)(const uint8_t *data_key, const char *option_value, void **issue,
			     char *err, size_t err_cap);
	wp_status (*add)(struct wp_tx *tx, void *issue, int64_t partner_id, int64_t now_ms);
	void (*print)(void *issue, FILE *out); /* after the commit: shown once */
	void (*free)(void *issue);
};

/* What sandbox seeding hands each module (inside one transaction). */
struct wp_seed {
	struct wp_tx *tx;
	int64_t partner_id; /* the sandbox partner; 0 when the database has none */
	bool created;	    /* the partner was made by this start */
	int64_t now_ms;
};

/* A public test credential (README): refused when the server runs in live mode. */
struct wp_public_credential {
	const char *surface, *login, *secret;
};

struct wp_module {
	const char *name;
	const struct wp_surface *surface;	  /* provider paths; NULL if none */
	const struct wp_surface *sandbox_surface; /* extra routes served only with --sandbox */
	bool fallback; /* its surface answers paths no surface owns (exactly one module) */
	/* Before serving: the module's state (may stay NULL). */
	wp_status (*init)(struct wp_app *app, void **state);
	/* Sandbox mode, at every start: its test data (idempotent). */
	wp_status (*seed)(struct wp_app *app, void *state, const struct wp_seed *s);
	/* At start, after listening: its lines of the banner. */
	void (*describe)(const struct wp_app *app, FILE *out);
	/*
	 * In the commit writer, about once a second and at once after the
	 * sandbox clock moved (the ledger's pending expiry runs just before):
	 * the module's own expiry. Its failure undoes the housekeeping only.
	 */
	wp_status (*housekeeping)(struct wp_app *app, void *state, struct wp_tx *tx,
				  int64_t now_ms);
	/* After the server, timers and commit queue stopped. */
	void (*free)(void *state);
	const struct wp_issuer *issuer; /* NULL: nothing for `partner add` */
	/* Its sandbox credentials (terminated by a NULL secret), refused in live mode. */
	const struct wp_public_credential *sandbox_credentials;
	const struct wp_api_doc *api; /* its OpenAPI document; NULL: none */
	/* Document kinds that refer to ledger state: removed by a sandbox reset (NULL-ended). */
	const char *const *reset_kinds;
};

/* Every module, in route match order (src/surface/registry.c). */
extern const struct wp_module *const wp_modules[];
extern const size_t wp_module_count;

/*
 * Sandbox test data, in one transaction: with `reset`, first the bank
 * accounts, the ledger and every module's reset_kinds are removed; then the
 * sandbox partner, the test bank accounts and every module's seed.
 * *partner_created (may be NULL) tells whether the partner was made now.
 */
wp_status wp_sandbox_seed_all(struct wp_app *app, struct wp_tx *tx, bool reset,
			      bool *partner_created);

/* The module's state in this app (set by its init hook). */
void *wp_module_state(const struct wp_app *app, const struct wp_module *m);
/*
 * The route tables to serve, in match order (every module's surface, then
 * with sandbox the sandbox surfaces), and the one that answers paths no
 * surface owns. Returns the count (at most cap).
 */
size_t wp_module_surfaces(bool sandbox, const struct wp_surface **out, size_t cap,
			  const struct wp_surface **fallback);

/* ---- field tables ---- */

enum wp_field_type {
	WP_FIELD_TEXT,	     /* min..max characters, no control characters */
	WP_FIELD_DIGITS,     /* min..max ASCII digits */
	WP_FIELD_NUMBER,     /* digits with '-' or ' ' between (account, phone): text of at most
				max characters, at least min digits; the value is the digits */
	WP_FIELD_ALNUM,	     /* letters and digits, min..max */
	WP_FIELD_INT,	     /* a whole number in [min, max]: a JSON integer, or form text */
	WP_FIELD_ENUM,	     /* one of values[], after the length check */
	WP_FIELD_EMAIL,	     /* a plausible email address, min..max characters */
	WP_FIELD_BIRTH_DATE, /* yyyyMMdd (yyMMdd too with WP_FIELD_SHORT_DATE) */
};

enum wp_field_flags {
	WP_FIELD_REQUIRED = 1u << 0,
	WP_FIELD_TRIM = 1u << 1,	 /* drop spaces and tabs around the value */
	WP_FIELD_EMPTY_ABSENT = 1u << 2, /* an empty string counts as not given */
	WP_FIELD_SHORT_DATE = 1u << 3,
	WP_FIELD_BYTES = 1u << 4, /* max counts bytes, not characters (wonpay's own fields) */
};

struct wp_field {
	const char *name;
	enum wp_field_type type;
	unsigned flags;
	int64_t min, max;	   /* characters; digits (NUMBER's min); the range (INT) */
	const char *const *values; /* ENUM: NULL-terminated */
	const char *expect;	   /* "must be ...": replaces the default message */
	int code;		   /* the surface's own code for any failure but absence; 0 =
				      by failure kind */
};

/* Why a field failed; each surface maps these to its codes. Stable numbers. */
enum wp_field_fail {
	WP_FIELD_OK = 0,
	WP_FIELD_MISSING = 1, /* required and absent (or null) */
	WP_FIELD_EMPTY = 2,   /* required and "" */
	WP_FIELD_TYPE = 3,    /* a number where a string belongs, or the reverse */
	WP_FIELD_LENGTH = 4,  /* too few or too many characters */
	WP_FIELD_FORMAT = 5,  /* the right length, the wrong content or range */
};

struct wp_field_error {
	const struct wp_field *field;
	enum wp_field_fail fail;
	char message[WP_MESSAGE_MAX_BYTES]; /* names the field and what it expects */
};

struct wp_value {
	bool present;
	const char *s; /* strings: the (trimmed, digits-only for NUMBER) value */
	size_t len;
	int64_t i; /* INT */
};

/*
 * Checks obj (form f) against the table, in table order; out[i] is table[i]'s
 * value. Stops at the first failure and describes it in *e. Values live in
 * the arena (form) or in obj (JSON).
 */
bool wp_fields_json(wp_arena *a, json_t *obj, const struct wp_field *t, size_t n,
		    struct wp_value *out, struct wp_field_error *e);
bool wp_fields_form(wp_arena *a, const struct wp_form *f, const struct wp_field *t, size_t n,
		    struct wp_value *out, struct wp_field_error *e);
/* The same, every field's presence, type and length before any field's format. */
bool wp_fields_json_shapes_first(wp_arena *a, json_t *obj, const struct wp_field *t, size_t n,
				 struct wp_value *out, struct wp_field_error *e);
/* One value (a path parameter, a form field; NULL when absent) against a field. */
bool wp_field_value(wp_arena *a, const struct wp_field *f, const char *v, struct wp_value *out,
		    struct wp_field_error *e);
/*
 * What a field expects, in words, from its row: "6 digits", "Korean or
 * Foreigner", "a number from 1 to 9223372036854775807", "1 to 100
 * characters". Error messages and the OpenAPI descriptions use it.
 */
void wp_field_expect(const struct wp_field *f, char *out, size_t cap);

#define WP_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- API documents: OpenAPI 3.1 from the route and field tables ---- */

/*
 * GET /openapi/<surface>.json (surface/openapi.c) is written from these and
 * from the very field tables the handlers check, so it says what is
 * enforced: types, lengths, required fields, enumerations, error codes.
 */
enum wp_doc_body {
	WP_DOC_NO_BODY,
	WP_DOC_JSON, /* application/json */
	WP_DOC_FORM, /* application/x-www-form-urlencoded, or multipart/form-data */
};

enum wp_doc_answer {
	WP_DOC_ANSWER_JSON,
	WP_DOC_ANSWER_PNG,
	WP_DOC_ANSWER_HTML,
	WP_DOC_ANSWER_TEXT, /* text/plain (Prometheus' exposition format) */
};

/* A required object member of a JSON body, itself checked by a field table. */
struct wp_doc_object {
	const char *name; /* "from" */
	const struct wp_field *fields;
	size_t count;
};

/* One shape of a request body; a route with several takes one of them. */
struct wp_doc_shape {
	const char *title; /* "create" */
	const struct wp_field *fields;
	size_t count;
	/* The field whose value picks this shape (AQR's action), or NULL. */
	const struct wp_field *selector;
	const struct wp_doc_object *objects; /* required object members (a wire's from, to) */
	size_t object_count;
};

/* One answer property, for the success schema. */
struct wp_doc_prop {
	const char *name;
	const char *type; /* "string", "integer", "boolean", "object", "array" */
	const char *description;
};

struct wp_route_doc {
	const char *summary;
	const char *description;
	enum wp_doc_body body;
	const struct wp_doc_shape *shapes; /* the body: one of these */
	size_t shape_count;
	const struct wp_field *params; /* the path's {x}, in order */
	size_t param_count;
	const struct wp_field *query;
	size_t query_count;
	enum wp_doc_answer answer;
	bool open;				/* no credential, whatever the surface's scheme */
	int success_status;			/* 0: 200 */
	const struct wp_doc_prop *answer_props; /* the success answer's own fields (JSON) */
	size_t answer_prop_count;
};

/* One error the surface answers: its code, HTTP status and meaning. */
struct wp_doc_code {
	const char *code;
	int status;
	const char *description;
};

/* The surface as a whole, in its module (struct wp_module.api). */
struct wp_api_doc {
	const char *title;
	const char *description;
	/* Header parameters every operation takes (Kona's X-KM-*), with their rules. */
	const struct wp_field *headers;
	size_t header_count;
	/* Body fields every operation with a body takes (Payple's cst_id and custKey). */
	const struct wp_field *body_fields;
	size_t body_field_count;
	const char *auth_header; /* an apiKey header scheme (AQR-DEVELOPER-TOKEN), or NULL */
	bool bearer;		 /* an HTTP bearer scheme (the admin token) */
	/* The error envelope (a JSON schema; a new reference) and every code it can hold. */
	json_t *(*error_schema)(void);
	size_t (*codes)(struct wp_doc_code *out, size_t cap); /* returns the count (<= cap) */
};

/* A field row as a JSON schema (type, lengths, pattern, enum, description). */
json_t *wp_field_schema(const struct wp_field *f, bool json_body);

/* ---- code maps ---- */

/* One row of a surface's table: a wp_status and the surface's own code for it. */
struct wp_status_map {
	wp_status status;
	int code; /* an index into the surface's code table */
};
/* The code for st, or fallback when the table has no row for it. */
int wp_status_code(const struct wp_status_map *m, size_t n, wp_status st, int fallback);

/* ---- writes through the commit queue ---- */

struct wp_write;
typedef void (*wp_write_finish)(struct wp_req *r, struct wp_write *w);

struct wp_write {
	struct wp_cmd cmd; /* first: the commit queue's view (cmd.status is the outcome) */
	struct wp_req *req;
	wp_write_finish finish; /* builds the answer, in the writer thread, once durable */
	/* Optional: runs after a durable WP_OK, before finish (schedules follow-up work). */
	void (*after_commit)(struct wp_app *app, struct wp_write *w);
	/*
	 * finish runs on the request's HTTP thread just before the answer goes
	 * out, not in the writer (whose time every command waits for): for a
	 * finish that only builds the answer and starts no further work. The
	 * request's last write only (it uses the request's before_answer).
	 */
	bool finish_on_http;
};

/*
 * A zeroed command of `size` bytes (it embeds struct wp_write first) from
 * the request's arena, or NULL when the arena is full.
 */
void *wp_write_new(struct wp_req *r, size_t size, wp_cmd_apply apply, wp_write_finish finish);
#define WP_WRITE_NEW(r, type, apply, finish)                                                       \
	((type *)wp_write_new((r), sizeof(type), (apply), (finish)))
/*
 * Runs w through the commit queue without holding a worker: the request is
 * suspended, and finish() answers once the batch is durable (or failed). If
 * the queue refuses, finish() runs at once with cmd.status
 * WP_E_UNAVAILABLE. The handler returns right after and touches r no more.
 * May also be called later, from another thread, on a suspended request.
 */
void wp_write_submit(struct wp_write *w);

/*
 * Runs fn(r, ctx) after delay_ms on the timer thread, holding the request
 * meanwhile (a slow bank answers late); with no delay fn runs now. fn
 * answers, or starts work of its own (a write), which holds the request
 * itself. WP_E_UNAVAILABLE (timer full) or WP_E_NOMEM: fn did not run and
 * will not; the caller answers.
 */
wp_status wp_req_later(struct wp_req *r, uint32_t delay_ms, void (*fn)(struct wp_req *r, void *ctx),
		       void *ctx);

/*
 * Inside a write: the ledger account a document names ("ledger_account_id"
 * of (kind, id, owner)), opened with `code` (debits never above credits)
 * and the document made on first use. For a surface's own accounts: a
 * holding account, a merchant's.
 */
wp_status wp_named_account(struct wp_tx *tx, const char *kind, const char *id, const char *owner,
			   int32_t code, int64_t now_ms, int64_t *account_id);

/* ---- request-owned values ---- */

/* v released when the request ends; returns v, or NULL (v released now) when out of memory. */
json_t *wp_req_json(struct wp_req *r, json_t *v);
/* Personal data sealed under the data key, bound to aad, in the arena; NULL on failure. */
const char *wp_req_seal(struct wp_req *r, const char *aad, const char *plain);
/* Opened into the arena; NULL if it does not open (wrong key, tampered) or sealed is NULL. */
const char *wp_req_open(struct wp_req *r, const char *aad, const char *sealed);

/* ---- wonpay's own paths ---- */

/* The HTTP status wonpay's own envelope uses for st. */
unsigned wp_status_http(wp_status st);
/* {"error":{"code","message"}} with an HTTP status. */
void wp_own_error(struct wp_req *r, unsigned http, const char *code, const char *msg);
/* The same for a wp_status: its name and HTTP status. A surface's reply_error. */
void wp_own_reply_error(struct wp_req *r, wp_status st, const char *msg);

/* The own envelope's JSON schema, and its codes (wp_status names), for struct wp_api_doc. */
json_t *wp_own_error_schema(void);
size_t wp_own_codes(struct wp_doc_code *out, size_t cap);

/* A request on wonpay's own control paths, owned by wp_ctl_run. */
struct wp_ctl {
	struct wp_req *r;
	json_t *body; /* the JSON object sent, or NULL when none was; released at the end */
	/* The answer: a JSON value, or an error when code is set. */
	unsigned http;
	json_t *answer;
	const char *code;
	char message[WP_MESSAGE_MAX_BYTES];
	bool answered;
};
typedef void (*wp_ctl_handler)(struct wp_ctl *c);

/*
 * The wrapper of wonpay's control routes (route.impl is a wp_ctl_handler):
 * admin token (401), the JSON object body when one is sent (400), then the
 * endpoint, then one answer — unless the endpoint went asynchronous (a
 * write, or wp_req_later), whose finish answers with wp_ctl_answer.
 */
void wp_ctl_run(struct wp_req *r);
void wp_ctl_answer(struct wp_ctl *c);
/* The endpoint's answer: failure (code, message) or success (status, value). */
void wp_ctl_fail(struct wp_ctl *c, unsigned http, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void wp_ctl_fail_status(struct wp_ctl *c, wp_status st, const char *msg);
void wp_ctl_ok(struct wp_ctl *c, unsigned http, json_t *answer);
/* A control endpoint's write: its finish answers c (wp_ctl_answer). */
struct wp_ctl_write {
	struct wp_write w;
	struct wp_ctl *c;
};
/* A zeroed write of `size` bytes (embedding struct wp_ctl_write first); NULL after a 503. */
void *wp_ctl_write_new(struct wp_ctl *c, size_t size, wp_cmd_apply apply, wp_write_finish finish);

/* Validates c->body against a table; false after setting a 400 answer. */
bool wp_ctl_fields(struct wp_ctl *c, json_t *obj, const struct wp_field *t, size_t n,
		   struct wp_value *out);

#endif
