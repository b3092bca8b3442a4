/*
 * sandbox.c — the sandbox control API (only with --sandbox).
 *
 * JSON in and out, `Authorization: Bearer <admin token>`. Errors are
 * {"error":{"code","message"}}. Lets a test create bank accounts, wire money
 * between them through the ledger, set faults per bank, move the clock,
 * reset to the fixtures and read the request journal.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/bank_sandbox.h"
#include "core/crypto.h"
#include "core/ledger.h"
#include "http/accesslog.h"
#include "http/json_body.h"
#include "util/text.h"

static void reply_code(struct wp_req *r, unsigned http, const char *code, const char *msg)
{
	wp_reply_own_error(r, http, code, msg);
}

static void sandbox_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	wp_reply_own_error(r, wp_status_http(st), wp_status_name(st), msg);
}

/* The admin token, compared in constant time; false after replying 401. */
bool wp_sandbox_admin_or_reply(struct wp_req *r)
{
	const char *h = wp_req_header(r, "Authorization");
	const char *want = r->app->cfg->admin_token;
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
		uint8_t a[WP_SHA256_BYTES], b[WP_SHA256_BYTES];
		wp_sha256(h + 7, strlen(h + 7), a);
		wp_sha256(want, strlen(want), b);
		if (wp_ct_equal(a, b, sizeof(a)))
			return true;
	}
	sandbox_reply_error(r, WP_E_UNAUTHORIZED,
			    "send Authorization: Bearer <admin token> (sandbox default "
			    "sandbox-admin-token)");
	return false;
}

/* The JSON object body; false after replying 400. */
static json_t *body_or_reply(struct wp_req *r)
{
	char err[256];
	json_t *v = NULL;
	if (wp_json_body(r->body, r->body_len, &v, err, sizeof(err)) != WP_OK) {
		sandbox_reply_error(r, WP_E_INVALID, err);
		return NULL;
	}
	return v;
}

/* A string field of at most max bytes; NULL after replying 400. */
static const char *str_field(struct wp_req *r, json_t *o, const char *name, size_t max,
			     bool required)
{
	json_t *v = json_object_get(o, name);
	char err[160];
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return "";
		snprintf(err, sizeof(err), "%s is required", name);
	} else if (!json_is_string(v)) {
		snprintf(err, sizeof(err), "%s must be a string", name);
	} else if (json_string_length(v) == 0 && required) {
		snprintf(err, sizeof(err), "%s must not be empty", name);
	} else if (json_string_length(v) > max) {
		snprintf(err, sizeof(err), "%s is longer than %zu bytes", name, max);
	} else if (wp_has_control(json_string_value(v), json_string_length(v))) {
		snprintf(err, sizeof(err), "%s must not contain control characters", name);
	} else {
		return json_string_value(v);
	}
	sandbox_reply_error(r, WP_E_INVALID, err);
	return NULL;
}

/* An integer field in [min, max]; false after replying 400. */
static bool int_field(struct wp_req *r, json_t *o, const char *name, int64_t min, int64_t max,
		      bool required, int64_t *out)
{
	json_t *v = json_object_get(o, name);
	char err[160];
	if (v == NULL && !required)
		return true;
	if (v == NULL)
		snprintf(err, sizeof(err), "%s is required", name);
	else if (!json_is_integer(v))
		snprintf(err, sizeof(err), "%s must be a whole number (won are integers)", name);
	else if (json_integer_value(v) < min || json_integer_value(v) > max)
		snprintf(err, sizeof(err), "%s must be from %lld to %lld", name, (long long)min,
			 (long long)max);
	else {
		*out = json_integer_value(v);
		return true;
	}
	sandbox_reply_error(r, WP_E_INVALID, err);
	return false;
}

static bool one_of(const char *v, const char *const *allowed, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, allowed[i]) == 0)
			return true;
	return false;
}

static const char *const kinds[] = {"personal", "business", "virtual"};
static const char *const statuses[] = {"active", "dormant", "suspended", "closed",
				       "accident_reported"};

static json_t *account_json(struct wp_store *s, const struct wp_bank_account *a)
{
	struct wp_account la;
	int64_t balance = 0, available = 0;
	if (s->ops->account_read(s, a->ledger_account_id, &la) == WP_OK) {
		balance = la.credits_posted - la.debits_posted;
		available = wp_account_available(&la);
	}
	const struct wp_bank *b = wp_bank_by_code(a->bank_code);
	json_t *o = json_object();
	json_object_set_new(o, "bank_code", json_string(a->bank_code));
	json_object_set_new(o, "bank_name", json_string(b ? b->name : ""));
	json_object_set_new(o, "account_number", json_string(a->account_number));
	json_object_set_new(o, "holder_name", json_string(a->holder_name));
	if (a->birth_date[0])
		json_object_set_new(o, "birth_date", json_string(a->birth_date));
	if (a->business_no[0])
		json_object_set_new(o, "business_no", json_string(a->business_no));
	json_object_set_new(o, "kind", json_string(a->kind));
	json_object_set_new(o, "status", json_string(a->status));
	if (a->simulate[0])
		json_object_set_new(o, "simulate", json_string(a->simulate));
	json_object_set_new(o, "balance", json_integer(balance));
	json_object_set_new(o, "available", json_integer(available));
	json_object_set_new(o, "ledger_account_id", json_integer(a->ledger_account_id));
	return o;
}

/* ---- POST /sandbox/bank-accounts ---- */

struct open_cmd {
	struct wp_cmd base;
	struct wp_bank_account acct;
	int64_t balance;
	int64_t now_ms;
	int outcome;
};

static wp_status apply_open(struct wp_tx *tx, struct wp_cmd *c)
{
	struct open_cmd *cmd = (struct open_cmd *)c;
	return wp_bank_sandbox_open(tx, &cmd->acct, cmd->balance, cmd->now_ms, &cmd->outcome);
}

static void finish_open(struct wp_req *r, struct wp_cmd *c)
{
	struct open_cmd *cmd = (struct open_cmd *)c;
	if (c->status == WP_E_CONFLICT) {
		sandbox_reply_error(r, WP_E_CONFLICT, "that bank account already exists");
		return;
	}
	if (c->status != WP_OK) {
		sandbox_reply_error(r, c->status, "the account could not be created");
		return;
	}
	if (cmd->outcome != WP_BANK_OK) {
		reply_code(r, 400, wp_bank_outcome_name(cmd->outcome), "bank_code is not a bank");
		return;
	}
	struct wp_bank_account a;
	if (r->app->store->ops->bank_account_read(r->app->store, cmd->acct.bank_code,
						  cmd->acct.account_number, &a) != WP_OK) {
		sandbox_reply_error(r, WP_E_STORAGE, "the account was created but cannot be read");
		return;
	}
	wp_reply_json(r, 201, account_json(r->app->store, &a));
}

static bool digits_field(struct wp_req *r, const char *name, const char *v, size_t min,
			 size_t max)
{
	size_t n = strlen(v);
	if (n >= min && n <= max && wp_all_digits(v, n))
		return true;
	char err[160];
	snprintf(err, sizeof(err), "%s must be %zu to %zu digits", name, min, max);
	sandbox_reply_error(r, WP_E_INVALID, err);
	return false;
}

static void create_account(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	json_t *o = body_or_reply(r);
	if (o == NULL)
		return;
	struct open_cmd *cmd = wp_arena_alloc(&r->arena, sizeof(*cmd));
	if (cmd == NULL) {
		json_decref(o);
		sandbox_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	memset(cmd, 0, sizeof(*cmd));
	struct wp_bank_account *a = &cmd->acct;
	const char *code = str_field(r, o, "bank_code", 3, true);
	const char *num = code ? str_field(r, o, "account_number", 20, true) : NULL;
	const char *holder = num ? str_field(r, o, "holder_name", 160, true) : NULL;
	const char *birth = holder ? str_field(r, o, "birth_date", 8, false) : NULL;
	const char *bizno = birth ? str_field(r, o, "business_no", 10, false) : NULL;
	const char *kind = bizno ? str_field(r, o, "kind", 11, false) : NULL;
	const char *status = kind ? str_field(r, o, "status", 19, false) : NULL;
	int64_t balance = 0;
	bool ok = status != NULL && digits_field(r, "bank_code", code, 3, 3) &&
		  digits_field(r, "account_number", num, 6, 20) &&
		  int_field(r, o, "balance", 0, INT64_MAX / 4, false, &balance);
	if (ok && wp_bank_by_code(code) == NULL) {
		reply_code(r, 400, "unknown_bank", "bank_code is not a KFTC bank code wonpay knows");
		ok = false;
	}
	if (ok && (!wp_utf8_valid(holder, strlen(holder)) ||
		   wp_utf8_chars(holder, strlen(holder)) > 40)) {
		sandbox_reply_error(r, WP_E_INVALID, "holder_name must be at most 40 characters");
		ok = false;
	}
	if (ok && birth[0] != '\0' && !digits_field(r, "birth_date", birth, 8, 8))
		ok = false;
	if (ok && bizno[0] != '\0' && !digits_field(r, "business_no", bizno, 10, 10))
		ok = false;
	if (ok && (birth[0] == '\0') == (bizno[0] == '\0')) {
		sandbox_reply_error(r, WP_E_INVALID,
				    "give exactly one of birth_date (persons) or business_no "
				    "(businesses)");
		ok = false;
	}
	if (ok && kind[0] != '\0' && !one_of(kind, kinds, 3)) {
		sandbox_reply_error(r, WP_E_INVALID, "kind must be personal, business or virtual");
		ok = false;
	}
	if (ok && status[0] != '\0' && !one_of(status, statuses, 5)) {
		sandbox_reply_error(r, WP_E_INVALID,
				    "status must be active, dormant, suspended, closed or "
				    "accident_reported");
		ok = false;
	}
	if (ok) {
		snprintf(a->bank_code, sizeof(a->bank_code), "%s", code);
		snprintf(a->account_number, sizeof(a->account_number), "%s", num);
		snprintf(a->holder_name, sizeof(a->holder_name), "%s", holder);
		snprintf(a->birth_date, sizeof(a->birth_date), "%s", birth);
		snprintf(a->business_no, sizeof(a->business_no), "%s", bizno);
		snprintf(a->kind, sizeof(a->kind), "%s",
			 kind[0] ? kind : (bizno[0] ? "business" : "personal"));
		snprintf(a->status, sizeof(a->status), "%s", status[0] ? status : "active");
	}
	json_decref(o);
	if (!ok)
		return;
	cmd->balance = balance;
	cmd->now_ms = wp_clock_now_ms(&r->app->clock);
	cmd->base.apply = apply_open;
	wp_req_commit(r, &cmd->base, finish_open);
}

/* ---- GET/PATCH /sandbox/bank-accounts/{bank_code}/{account_number} ---- */

static void get_account(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	struct wp_bank_account a;
	const char *code = wp_req_param(r, 0), *num = wp_req_param(r, 1);
	wp_status st = strlen(code) == 3 && strlen(num) <= 20
			   ? r->app->store->ops->bank_account_read(r->app->store, code, num, &a)
			   : WP_E_NOT_FOUND;
	if (st != WP_OK) {
		sandbox_reply_error(r, st, st == WP_E_NOT_FOUND ? "no such bank account"
								: "the account cannot be read");
		return;
	}
	wp_reply_json(r, 200, account_json(r->app->store, &a));
}

struct status_cmd {
	struct wp_cmd base;
	char code[4];
	char number[32];
	char status[20];
};

static wp_status apply_status(struct wp_tx *tx, struct wp_cmd *c)
{
	struct status_cmd *cmd = (struct status_cmd *)c;
	return tx->ops->bank_account_set_status(tx, cmd->code, cmd->number, cmd->status);
}

static void finish_status(struct wp_req *r, struct wp_cmd *c)
{
	struct status_cmd *cmd = (struct status_cmd *)c;
	if (c->status != WP_OK) {
		sandbox_reply_error(r, c->status, c->status == WP_E_NOT_FOUND
						      ? "no such bank account"
						      : "the status could not be changed");
		return;
	}
	struct wp_bank_account a;
	if (r->app->store->ops->bank_account_read(r->app->store, cmd->code, cmd->number, &a) !=
	    WP_OK) {
		sandbox_reply_error(r, WP_E_STORAGE, "the account cannot be read");
		return;
	}
	wp_reply_json(r, 200, account_json(r->app->store, &a));
}

static void patch_account(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	json_t *o = body_or_reply(r);
	if (o == NULL)
		return;
	const char *status = str_field(r, o, "status", 19, true);
	bool ok = status != NULL;
	if (ok && !one_of(status, statuses, 5)) {
		sandbox_reply_error(r, WP_E_INVALID,
				    "status must be active, dormant, suspended, closed or "
				    "accident_reported");
		ok = false;
	}
	const char *code = wp_req_param(r, 0), *num = wp_req_param(r, 1);
	if (ok && (strlen(code) != 3 || strlen(num) > 20)) {
		sandbox_reply_error(r, WP_E_NOT_FOUND, "no such bank account");
		ok = false;
	}
	struct status_cmd *cmd = ok ? wp_arena_alloc(&r->arena, sizeof(*cmd)) : NULL;
	if (ok && cmd == NULL)
		sandbox_reply_error(r, WP_E_NOMEM, "out of memory");
	if (cmd != NULL) {
		memset(cmd, 0, sizeof(*cmd));
		snprintf(cmd->code, sizeof(cmd->code), "%s", code);
		snprintf(cmd->number, sizeof(cmd->number), "%s", num);
		snprintf(cmd->status, sizeof(cmd->status), "%s", status);
		cmd->base.apply = apply_status;
	}
	json_decref(o);
	if (cmd != NULL)
		wp_req_commit(r, &cmd->base, finish_status);
}

/* ---- POST /sandbox/transfers, GET /sandbox/transfers/{id} ---- */

#define WIRE_PREFIX "wire:"

struct wire_cmd {
	struct wp_cmd base;
	struct wp_req *req;
	char id[WP_TRANSFER_ID_MAX + 1]; /* the ledger's id: WIRE_PREFIX + the client's */
	char from_code[4], from_number[32], to_code[4], to_number[32];
	int64_t amount;
	int64_t now_ms;
	int outcome;
	struct wp_transfer result;
	bool replayed;
};

static json_t *wire_json(struct wp_req *r, const struct wp_transfer *t, const char *from_code,
			 const char *from_number, const char *to_code, const char *to_number)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(t->id + strlen(WIRE_PREFIX)));
	json_t *from = json_object(), *to = json_object();
	json_object_set_new(from, "bank_code", json_string(from_code));
	json_object_set_new(from, "account_number", json_string(from_number));
	json_object_set_new(to, "bank_code", json_string(to_code));
	json_object_set_new(to, "account_number", json_string(to_number));
	json_object_set_new(o, "from", from);
	json_object_set_new(o, "to", to);
	json_object_set_new(o, "amount", json_integer(t->amount));
	json_object_set_new(o, "status", json_string(t->result == WP_TR_OK ? "posted" : "rejected"));
	json_object_set_new(o, "result", json_string(wp_transfer_result_name(t->result)));
	json_object_set_new(o, "created_ms", json_integer(t->created_ms));
	(void)r;
	return o;
}

static wp_status apply_wire(struct wp_tx *tx, struct wp_cmd *c)
{
	struct wire_cmd *cmd = (struct wire_cmd *)c;
	struct wp_bank_net *n = cmd->req->app->bank;
	struct wp_bank_party from = {cmd->from_code, cmd->from_number, 0};
	struct wp_bank_party to = {cmd->to_code, cmd->to_number, 0};
	return n->ops->move(n, tx, cmd->id, &from, &to, cmd->amount, WP_TRANSFER_CODE_WIRE,
			    cmd->now_ms, &cmd->outcome, &cmd->result, &cmd->replayed);
}

static void finish_wire(struct wp_req *r, struct wp_cmd *c)
{
	struct wire_cmd *cmd = (struct wire_cmd *)c;
	if (c->status != WP_OK) {
		sandbox_reply_error(r, c->status, "the transfer could not be committed; retry");
		return;
	}
	if (cmd->outcome == WP_BANK_ACCOUNT_NOT_FOUND) {
		reply_code(r, 404, "account_not_found", "no such bank account (from or to)");
		return;
	}
	if (cmd->result.id[0] == '\0') {
		/* Refused by a bank before the ledger saw it: not recorded, may be retried. */
		reply_code(r, 422, wp_bank_outcome_name(cmd->outcome),
			   "the bank refused the transfer");
		return;
	}
	json_t *o = wire_json(r, &cmd->result, cmd->from_code, cmd->from_number, cmd->to_code,
			      cmd->to_number);
	json_object_set_new(o, "replayed", json_boolean(cmd->replayed));
	if (cmd->result.result != WP_TR_OK)
		json_object_set_new(o, "bank_outcome",
				    json_string(wp_bank_outcome_name(cmd->outcome)));
	wp_reply_json(r, cmd->result.result == WP_TR_OK ? (cmd->replayed ? 200 : 201) : 422, o);
}

static void wire_after_delay(void *ctx)
{
	struct wire_cmd *cmd = ctx;
	wp_req_commit(cmd->req, &cmd->base, finish_wire);
}

static bool endpoint(struct wp_req *r, json_t *o, const char *name, char *code, size_t ccap,
		     char *num, size_t ncap)
{
	json_t *e = json_object_get(o, name);
	if (!json_is_object(e)) {
		char err[96];
		snprintf(err, sizeof(err), "%s must be an object {bank_code, account_number}", name);
		sandbox_reply_error(r, WP_E_INVALID, err);
		return false;
	}
	const char *c = str_field(r, e, "bank_code", 3, true);
	const char *n = c ? str_field(r, e, "account_number", 20, true) : NULL;
	if (n == NULL)
		return false;
	snprintf(code, ccap, "%s", c);
	snprintf(num, ncap, "%s", n);
	return true;
}

static void post_transfer(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	json_t *o = body_or_reply(r);
	if (o == NULL)
		return;
	struct wire_cmd *cmd = wp_arena_alloc(&r->arena, sizeof(*cmd));
	if (cmd == NULL) {
		json_decref(o);
		sandbox_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	memset(cmd, 0, sizeof(*cmd));
	const char *id = str_field(r, o, "id", WP_TRANSFER_ID_MAX - strlen(WIRE_PREFIX), true);
	bool ok = id != NULL &&
		  endpoint(r, o, "from", cmd->from_code, sizeof(cmd->from_code), cmd->from_number,
			   sizeof(cmd->from_number)) &&
		  endpoint(r, o, "to", cmd->to_code, sizeof(cmd->to_code), cmd->to_number,
			   sizeof(cmd->to_number)) &&
		  int_field(r, o, "amount", 1, INT64_MAX, true, &cmd->amount);
	if (ok)
		snprintf(cmd->id, sizeof(cmd->id), WIRE_PREFIX "%s", id);
	json_decref(o);
	if (!ok)
		return;
	/* Both banks must answer; a slow one delays the answer without holding a worker. */
	struct wp_bank_answer a, b = {WP_BANK_OK, 0};
	r->app->bank->ops->reach(r->app->bank, cmd->from_code, &a);
	if (strcmp(cmd->from_code, cmd->to_code) != 0) /* one bank is asked once */
		r->app->bank->ops->reach(r->app->bank, cmd->to_code, &b);
	int outcome = a.outcome != WP_BANK_OK ? a.outcome : b.outcome;
	if (outcome != WP_BANK_OK && outcome != WP_BANK_NOT_PARTICIPATING) {
		reply_code(r, outcome == WP_BANK_UNKNOWN_BANK ? 400 : 503,
			   wp_bank_outcome_name(outcome),
			   outcome == WP_BANK_UNKNOWN_BANK ? "bank_code is not a bank"
							   : "a bank could not take the transfer");
		return;
	}
	/* The slower bank sets the pace: sending and receiving both have to answer. */
	uint32_t latency = a.latency_ms > b.latency_ms ? a.latency_ms : b.latency_ms;
	cmd->req = r;
	cmd->now_ms = wp_clock_now_ms(&r->app->clock);
	cmd->base.apply = apply_wire;
	if (latency == 0) {
		wp_req_commit(r, &cmd->base, finish_wire);
		return;
	}
	wp_req_suspend(r);
	if (wp_timer_after(r->app->timer, latency, wire_after_delay, cmd) != WP_OK) {
		sandbox_reply_error(r, WP_E_UNAVAILABLE, "too many delayed requests; retry");
		wp_req_resume(r);
	}
}

static void get_transfer(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	char id[WP_TRANSFER_ID_MAX + 1];
	const char *p = wp_req_param(r, 0);
	struct wp_transfer t;
	wp_status st = WP_E_NOT_FOUND;
	if (strlen(p) <= WP_TRANSFER_ID_MAX - strlen(WIRE_PREFIX)) {
		snprintf(id, sizeof(id), WIRE_PREFIX "%s", p);
		st = r->app->store->ops->transfer_read(r->app->store, id, &t);
	}
	if (st != WP_OK) {
		sandbox_reply_error(r, st, st == WP_E_NOT_FOUND ? "no such transfer"
								: "the transfer cannot be read");
		return;
	}
	struct wp_bank_account from, to;
	memset(&from, 0, sizeof(from));
	memset(&to, 0, sizeof(to));
	r->app->store->ops->bank_account_by_ledger(r->app->store, t.debit_account_id, &from);
	r->app->store->ops->bank_account_by_ledger(r->app->store, t.credit_account_id, &to);
	wp_reply_json(r, 200,
		      wire_json(r, &t, from.bank_code, from.account_number, to.bank_code,
				to.account_number));
}

/* ---- faults, clock, reset, journal ---- */

static json_t *fault_json(const char *code, const struct wp_bank_fault *f)
{
	static const char *const modes[] = {"none", "unreachable", "slow", "failing"};
	json_t *o = json_object();
	json_object_set_new(o, "bank_code", json_string(code));
	json_object_set_new(o, "mode", json_string(modes[f->mode]));
	json_object_set_new(o, "latency_ms", json_integer(f->latency_ms));
	json_object_set_new(o, "rate_ppm", json_integer(f->rate_ppm));
	json_object_set_new(o, "seed", json_integer((json_int_t)(f->seed & INT64_MAX)));
	return o;
}

static void put_fault(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	json_t *o = body_or_reply(r);
	if (o == NULL)
		return;
	static const char *const modes[] = {"none", "unreachable", "slow", "failing"};
	const char *mode = str_field(r, o, "mode", 16, true);
	struct wp_bank_fault f = {0};
	int64_t latency = 0, seed = 0;
	bool ok = mode != NULL && int_field(r, o, "latency_ms", 0, 600000, false, &latency) &&
		  int_field(r, o, "seed", 0, INT64_MAX, false, &seed);
	if (ok) {
		f.mode = -1;
		for (int i = 0; i < 4; i++)
			if (strcmp(mode, modes[i]) == 0)
				f.mode = i;
		if (f.mode < 0) {
			sandbox_reply_error(r, WP_E_INVALID,
					    "mode must be none, unreachable, slow or failing");
			ok = false;
		}
	}
	json_t *rate = json_object_get(o, "rate");
	if (ok && rate != NULL) {
		/* A share, not money: 0.25 or 25%-as-0.25; kept as parts per million. */
		if (!json_is_number(rate) || json_number_value(rate) < 0 ||
		    json_number_value(rate) > 1) {
			sandbox_reply_error(r, WP_E_INVALID, "rate must be a number from 0 to 1");
			ok = false;
		} else {
			f.rate_ppm = (uint32_t)(json_number_value(rate) * 1000000 + 0.5);
		}
	}
	if (ok && f.mode == WP_FAULT_FAILING && rate == NULL)
		f.rate_ppm = 1000000;
	f.latency_ms = (uint32_t)latency;
	f.seed = (uint64_t)seed;
	json_decref(o);
	if (!ok)
		return;
	wp_status st = r->app->bank->ops->set_fault(r->app->bank, wp_req_param(r, 0), &f);
	if (st != WP_OK) {
		sandbox_reply_error(r, st, "bank_code is not a bank wonpay knows");
		return;
	}
	wp_reply_json(r, 200, fault_json(wp_req_param(r, 0), &f));
}

static void get_fault(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	struct wp_bank_fault f;
	if (r->app->bank->ops->get_fault(r->app->bank, wp_req_param(r, 0), &f) != WP_OK) {
		sandbox_reply_error(r, WP_E_NOT_FOUND, "bank_code is not a bank wonpay knows");
		return;
	}
	wp_reply_json(r, 200, fault_json(wp_req_param(r, 0), &f));
}

static void reply_clock(struct wp_req *r)
{
	int64_t now = wp_clock_now_ms(&r->app->clock);
	json_t *o = json_object();
	json_object_set_new(o, "now_ms", json_integer(now));
	json_object_set_new(o, "offset_ms", json_integer(atomic_load(&r->app->clock.offset_ms)));
	json_object_set_new(o, "bank_minute_kst", json_integer(wp_bank_minute_kst(now)));
	wp_reply_json(r, 200, o);
}

static void get_clock(struct wp_req *r)
{
	if (wp_sandbox_admin_or_reply(r))
		reply_clock(r);
}

static void post_clock(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	json_t *o = body_or_reply(r);
	if (o == NULL)
		return;
	int64_t secs = 0;
	bool ok = int_field(r, o, "advance_seconds", 0, WP_CLOCK_ADVANCE_MAX_S, true, &secs);
	json_decref(o);
	if (!ok)
		return;
	wp_clock_advance_ms(&r->app->clock, secs * 1000);
	wp_commit_kick(r->app->commit); /* pending transfers may have expired */
	reply_clock(r);
}

struct reset_cmd {
	struct wp_cmd base;
	int64_t now_ms;
};

static wp_status apply_reset(struct wp_tx *tx, struct wp_cmd *c)
{
	struct reset_cmd *cmd = (struct reset_cmd *)c;
	wp_status st = tx->ops->sandbox_clear(tx);
	return st == WP_OK ? wp_bank_sandbox_seed(tx, cmd->now_ms) : st;
}

static void finish_reset(struct wp_req *r, struct wp_cmd *c)
{
	if (c->status != WP_OK) {
		sandbox_reply_error(r, c->status, "the reset could not be committed");
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string("reset"));
	wp_reply_json(r, 200, o);
}

static void post_reset(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	struct reset_cmd *cmd = wp_arena_alloc(&r->arena, sizeof(*cmd));
	if (cmd == NULL) {
		sandbox_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	memset(cmd, 0, sizeof(*cmd));
	wp_bank_sandbox_clear_faults(r->app->bank);
	wp_clock_advance_ms(&r->app->clock, -atomic_load(&r->app->clock.offset_ms));
	cmd->now_ms = wp_clock_now_ms(&r->app->clock);
	cmd->base.apply = apply_reset;
	wp_req_commit(r, &cmd->base, finish_reset);
}

static void get_requests(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	const char *l = wp_req_query(r, "limit");
	int64_t limit = 100;
	if (l != NULL && !wp_parse_i64(l, strlen(l), 1, WP_JOURNAL_ENTRIES, &limit)) {
		char err[96];
		snprintf(err, sizeof(err), "limit must be from 1 to %d", WP_JOURNAL_ENTRIES);
		sandbox_reply_error(r, WP_E_INVALID, err);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "requests", wp_journal_list(r->app->journal, (size_t)limit));
	wp_reply_json(r, 200, o);
}

static const struct wp_route sandbox_routes[] = {
    {"POST", "/sandbox/bank-accounts", create_account},
    {"GET", "/sandbox/bank-accounts/{bank_code}/{account_number}", get_account},
    {"PATCH", "/sandbox/bank-accounts/{bank_code}/{account_number}", patch_account},
    {"POST", "/sandbox/transfers", post_transfer},
    {"GET", "/sandbox/transfers/{id}", get_transfer},
    {"PUT", "/sandbox/banks/{bank_code}/fault", put_fault},
    {"GET", "/sandbox/banks/{bank_code}/fault", get_fault},
    {"GET", "/sandbox/clock", get_clock},
    {"POST", "/sandbox/clock", post_clock},
    {"POST", "/sandbox/reset", post_reset},
    {"GET", "/sandbox/requests", get_requests},
};

static const char *const sandbox_paths[] = {"/sandbox/*"};

const struct wp_surface wp_surface_sandbox = {
    .name = "sandbox",
    .routes = sandbox_routes,
    .route_count = sizeof(sandbox_routes) / sizeof(sandbox_routes[0]),
    .paths = sandbox_paths,
    .path_count = sizeof(sandbox_paths) / sizeof(sandbox_paths[0]),
    .reply_error = sandbox_reply_error,
};
