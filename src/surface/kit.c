/*
 * kit.c — modules, code maps, writes, request-owned values and wonpay's own
 * envelope (see kit.h). Field tables are in kit_fields.c.
 */
#include "surface/kit.h"

#include "core/bank_sandbox.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "core/sandbox.h"

#include <assert.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/crypto.h"
#include "http/json_body.h"
#include "util/text.h"

/* ---- modules ---- */

void *wp_module_state(const struct wp_app *app, const struct wp_module *m)
{
	for (size_t i = 0; i < wp_module_count; i++)
		if (wp_modules[i] == m)
			return app->module_state[i];
	return NULL;
}

wp_status wp_sandbox_seed_all(struct wp_app *app, struct wp_tx *tx, bool reset,
			      bool *partner_created)
{
	struct wp_seed seed = {.tx = tx, .now_ms = wp_clock_now_ms(&app->clock)};
	wp_status st = reset ? tx->ops->sandbox_clear(tx) : WP_OK;
	for (size_t i = 0; reset && st == WP_OK && i < wp_module_count; i++)
		for (const char *const *k = wp_modules[i]->reset_kinds; st == WP_OK && k && *k; k++)
			st = tx->ops->doc_delete(tx, *k, NULL);
	if (st == WP_OK)
		st = wp_sandbox_partner(app->store, tx, seed.now_ms, &seed.partner_id,
					&seed.created);
	if (st == WP_OK)
		st = wp_bank_sandbox_seed(tx, seed.now_ms);
	for (size_t i = 0; st == WP_OK && i < wp_module_count; i++) {
		const struct wp_module *m = wp_modules[i];
		if (m->seed != NULL)
			st = m->seed(app, app->module_state[i], &seed);
	}
	if (partner_created != NULL)
		*partner_created = st == WP_OK && seed.created;
	return st;
}

size_t wp_module_surfaces(bool sandbox, const struct wp_surface **out, size_t cap,
			  const struct wp_surface **fallback)
{
	size_t n = 0;
	*fallback = NULL;
	for (size_t i = 0; i < wp_module_count; i++) {
		const struct wp_surface *s = wp_modules[i]->surface;
		if (s != NULL && n < cap)
			out[n++] = s;
		if (wp_modules[i]->fallback)
			*fallback = s;
	}
	for (size_t i = 0; sandbox && i < wp_module_count; i++)
		if (wp_modules[i]->sandbox_surface != NULL && n < cap)
			out[n++] = wp_modules[i]->sandbox_surface;
	return n;
}

/* ---- code maps ---- */

int wp_status_code(const struct wp_status_map *m, size_t n, wp_status st, int fallback)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].status == st)
			return m[i].code;
	return fallback;
}

/* ---- writes ---- */

void *wp_write_new(struct wp_req *r, size_t size, wp_cmd_apply apply, wp_write_finish finish)
{
	assert(size >= sizeof(struct wp_write));
	assert(apply != NULL);
	struct wp_write *w = wp_arena_alloc(&r->arena, size);
	if (w == NULL)
		return NULL;
	memset(w, 0, size);
	w->cmd.apply = apply;
	w->req = r;
	w->finish = finish;
	return w;
}

static void finish_before_answer(struct wp_req *r)
{
	struct wp_write *w = r->write_to_finish;
	w->finish(r, w);
}

/* Runs in the writer thread once the batch is durable (or failed). */
static void write_done(struct wp_cmd *cmd)
{
	struct wp_write *w = (struct wp_write *)cmd;
	struct wp_req *r = w->req;
	if (cmd->status == WP_OK && w->after_commit != NULL)
		w->after_commit(r->app, w);
	if (w->finish_on_http) { /* the answer is built where it goes out */
		r->write_to_finish = w;
		r->before_answer = finish_before_answer;
	} else {
		w->finish(r, w);
	}
	wp_req_release(r);
}

void wp_write_submit(struct wp_write *w)
{
	struct wp_req *r = w->req;
	assert(w->finish != NULL);
	w->cmd.done = write_done;
	w->cmd.ctx = w;
	wp_req_hold(r);
	wp_status st = wp_commit_submit(r->app->commit, &w->cmd);
	if (st != WP_OK) {
		w->cmd.status = st;
		w->finish(r, w);
		wp_req_release(r);
	}
}

struct later {
	struct wp_req *r;
	void (*fn)(struct wp_req *r, void *ctx);
	void *ctx;
};

static void later_run(void *p)
{
	struct later *l = p;
	l->fn(l->r, l->ctx); /* work fn starts holds the request itself */
	wp_req_release(l->r);
}

wp_status wp_req_later(struct wp_req *r, uint32_t delay_ms, void (*fn)(struct wp_req *r, void *ctx),
		       void *ctx)
{
	if (delay_ms == 0) {
		fn(r, ctx);
		return WP_OK;
	}
	struct later *l = wp_arena_alloc(&r->arena, sizeof(*l));
	if (l == NULL)
		return WP_E_NOMEM;
	*l = (struct later){r, fn, ctx};
	bool was_deferred = r->deferred;
	wp_req_hold(r);
	if (wp_timer_after(r->app->timer, delay_ms, later_run, l) == WP_OK)
		return WP_OK;
	wp_req_release(r);
	r->deferred = was_deferred; /* nothing was started: the caller answers */
	return WP_E_UNAVAILABLE;
}

wp_status wp_named_account(struct wp_tx *tx, const char *kind, const char *id, const char *owner,
			   int32_t code, int64_t now_ms, int64_t *account_id)
{
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	json_t *body = NULL;
	wp_status st = wp_doc_load(NULL, tx, kind, id, owner, &a, &body, NULL);
	wp_arena_free(&a);
	if (st == WP_OK) {
		json_t *v = json_object_get(body, "ledger_account_id");
		st = json_is_integer(v) ? WP_OK : WP_E_INTERNAL;
		*account_id = json_integer_value(v);
		json_decref(body);
		return st;
	}
	if (st != WP_E_NOT_FOUND)
		return st;
	struct wp_account acct;
	st = wp_ledger_create_account(tx, code, WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, now_ms,
				      &acct);
	if (st != WP_OK)
		return st;
	body = json_pack("{s:I}", "ledger_account_id", (json_int_t)acct.id);
	struct wp_doc meta = {.kind = kind,
			      .id = id,
			      .owner = owner,
			      .ref = "",
			      .created_ms = now_ms,
			      .updated_ms = now_ms};
	st = body ? wp_doc_save(tx, &meta, body, true) : WP_E_NOMEM;
	json_decref(body);
	*account_id = acct.id;
	return st;
}

/* ---- request-owned values ---- */

static void release_json(void *p)
{
	json_decref(p);
}

json_t *wp_req_json(struct wp_req *r, json_t *v)
{
	if (v == NULL)
		return NULL;
	return wp_req_on_end(r, release_json, v) ? v : NULL;
}

const char *wp_req_seal(struct wp_req *r, const char *aad, const char *plain)
{
	if (plain == NULL)
		return NULL;
	char *sealed = wp_seal(r->app->data_key, aad, plain, strlen(plain));
	const char *out = sealed ? wp_arena_strndup(&r->arena, sealed, strlen(sealed)) : NULL;
	free(sealed);
	return out;
}

const char *wp_req_open(struct wp_req *r, const char *aad, const char *sealed)
{
	if (sealed == NULL)
		return NULL;
	size_t n;
	char *plain = wp_open(r->app->data_key, aad, sealed, &n);
	if (plain == NULL)
		return NULL;
	const char *out = wp_arena_strndup(&r->arena, plain, n);
	OPENSSL_cleanse(plain, n);
	free(plain);
	return out;
}

/* ---- wonpay's own envelope ---- */

/* HTTP's own meaning of each status. */
static const struct {
	wp_status status;
	unsigned http;
} own_http[] = {
    {WP_OK, 200},
    {WP_E_INVALID, 400},
    {WP_E_FRAMING, 400},
    {WP_E_MEDIA_TYPE, 400},
    {WP_E_UNAUTHORIZED, 401},
    {WP_E_FORBIDDEN, 403},
    {WP_E_NOT_FOUND, 404},
    {WP_E_METHOD, 405},
    {WP_E_NOT_ACCEPTABLE, 406},
    {WP_E_CONFLICT, 409},
    {WP_E_GONE, 410},
    {WP_E_TOO_LARGE, 413},
    {WP_E_URI_TOO_LONG, 414},
    {WP_E_RATE_LIMITED, 429},
    {WP_E_INTERNAL, 503}, /* logged where it happens; the client may retry */
    {WP_E_STORAGE, 503},
    {WP_E_UNAVAILABLE, 503},
    {WP_E_NOMEM, 503},
};

unsigned wp_status_http(wp_status st)
{
	for (size_t i = 0; i < WP_COUNT(own_http); i++)
		if (own_http[i].status == st)
			return own_http[i].http;
	return 503;
}

size_t wp_own_codes(struct wp_doc_code *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < WP_COUNT(own_http) && n < cap; i++)
		if (own_http[i].status != WP_OK)
			out[n++] = (struct wp_doc_code){wp_status_name(own_http[i].status),
							(int)own_http[i].http, NULL};
	return n;
}

json_t *wp_own_error_schema(void)
{
	return json_pack("{s:s, s:{s:{s:s, s:{s:{s:s}, s:{s:s}}, s:[s, s]}}, s:[s]}", "type",
			 "object", "properties", "error", "type", "object", "properties", "code",
			 "type", "string", "message", "type", "string", "required", "code",
			 "message", "required", "error");
}

void wp_own_error(struct wp_req *r, unsigned http, const char *code, const char *msg)
{
	json_t *e = json_object();
	json_object_set_new(e, "code", json_string(code));
	json_object_set_new(e, "message", json_string(msg));
	json_t *o = json_object();
	json_object_set_new(o, "error", e);
	wp_reply_json(r, http, o);
}

void wp_own_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	wp_own_error(r, wp_status_http(st), wp_status_name(st), msg);
}

/* The admin token, compared in constant time. */
static bool admin_ok(struct wp_req *r)
{
	const char *h = wp_req_header(r, "Authorization");
	const char *want = r->app->cfg->admin_token;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	uint8_t a[WP_SHA256_BYTES], b[WP_SHA256_BYTES];
	wp_sha256(h + 7, strlen(h + 7), a);
	wp_sha256(want, strlen(want), b);
	return wp_ct_equal(a, b, sizeof(a));
}

void wp_ctl_fail(struct wp_ctl *c, unsigned http, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	c->http = http;
	c->code = code;
}

void wp_ctl_fail_status(struct wp_ctl *c, wp_status st, const char *msg)
{
	wp_ctl_fail(c, wp_status_http(st), wp_status_name(st), "%s", msg);
}

void wp_ctl_ok(struct wp_ctl *c, unsigned http, json_t *answer)
{
	json_decref(c->answer);
	c->http = http;
	c->answer = answer;
	c->code = NULL;
}

void wp_ctl_answer(struct wp_ctl *c)
{
	if (c->answered)
		return;
	c->answered = true;
	if (c->code != NULL) {
		json_decref(c->answer);
		c->answer = NULL;
		wp_own_error(c->r, c->http, c->code, c->message);
		return;
	}
	json_t *a = c->answer;
	c->answer = NULL;
	if (a == NULL) {
		wp_own_reply_error(c->r, WP_E_INTERNAL, "the endpoint produced no answer");
		return;
	}
	wp_reply_json(c->r, c->http ? c->http : 200, a);
}

void *wp_ctl_write_new(struct wp_ctl *c, size_t size, wp_cmd_apply apply, wp_write_finish finish)
{
	assert(size >= sizeof(struct wp_ctl_write));
	struct wp_ctl_write *cw = wp_write_new(c->r, size, apply, finish);
	if (cw == NULL) {
		wp_ctl_fail_status(c, WP_E_NOMEM, "out of memory");
		return NULL;
	}
	cw->c = c;
	return cw;
}

bool wp_ctl_fields(struct wp_ctl *c, json_t *obj, const struct wp_field *t, size_t n,
		   struct wp_value *out)
{
	struct wp_field_error e;
	if (obj == NULL) {
		wp_ctl_fail_status(c, WP_E_INVALID, "the body is empty; a JSON object is required");
		return false;
	}
	if (wp_fields_json(&c->r->arena, obj, t, n, out, &e))
		return true;
	wp_ctl_fail_status(c, WP_E_INVALID, e.message);
	return false;
}

void wp_ctl_run(struct wp_req *r)
{
	struct wp_ctl *c = wp_arena_alloc(&r->arena, sizeof(*c));
	if (c == NULL) {
		wp_own_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	memset(c, 0, sizeof(*c));
	c->r = r;
	/* A body is read when one is sent with a method that has one; an endpoint that needs
	   one and got none fails its fields. */
	bool has_body =
	    r->body_len > 0 && (strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
				strcmp(r->method, "PATCH") == 0);
	if (wp_auth_client_blocked(r->app->auth, r->client)) {
		wp_ctl_fail_status(c, WP_E_RATE_LIMITED,
				   "too many failed admin tokens from this address; retry shortly");
	} else if (!admin_ok(r)) {
		wp_auth_client_failed(r->app->auth, r->client);
		wp_ctl_fail_status(c, WP_E_UNAUTHORIZED,
				   "send Authorization: Bearer <admin token> (sandbox default "
				   "sandbox-admin-token)");
	} else if (has_body) {
		json_t *body = NULL;
		if (wp_json_body(r->body, r->body_len, &body, c->message, sizeof(c->message)) !=
		    WP_OK) {
			c->http = 400;
			c->code = wp_status_name(WP_E_INVALID);
		} else if ((c->body = wp_req_json(r, body)) == NULL) {
			wp_ctl_fail_status(c, WP_E_NOMEM, "out of memory");
		}
	}
	if (c->code == NULL)
		((wp_ctl_handler)r->route->impl)(c);
	if (!r->deferred)
		wp_ctl_answer(c); /* an endpoint that went asynchronous answers from its finish */
}
