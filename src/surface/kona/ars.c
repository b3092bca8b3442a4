/*
 * ars.c — ARS account registration: bankaccounts/ars/auth, /ars/register,
 * /ars/register/inquiry, and the simulated phone call behind them.
 *
 * The call is a small state machine on the registration document, each step
 * run in the commit writer:
 *
 *   ARS_AUTH_IN_PROGRESS --answer: the number shown--> ARS_AUTH_DONE
 *   ARS_AUTH_IN_PROGRESS --answer: other digits-----> ARS_AUTH_FAILED (002_014)
 *   ARS_AUTH_DONE --register: account fine---------> BANK_ACC_REGISTERED
 *   ARS_AUTH_DONE --register: lifetime / invalid---> BANK_ACC_REG_FAILED (002_015 / 002_016)
 *
 * After --ars-delay-ms the simulated member presses the number shown to
 * them (POST /sandbox/kona/ars/{regNo}/answer lets a test press something
 * else first); WP_KONA_ARS_REGISTER_MS later the bank registers the account,
 * or fails as the bank account's state says. A step that finds the
 * registration already moved on does nothing. One member has at most one
 * call running and one registered account: a new registration replaces it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/docs.h"
#include "surface/kona/kona.h"
#include "util/date.h"
#include "util/text.h"

/* ---- bankaccounts/ars/auth ---- */

/* Replaces the member's auth number, or makes the first. */
static wp_status apply_auth(struct wp_tx *tx, struct wp_cmd *c)
{
	struct kona_doc_write *cmd = (struct kona_doc_write *)c;
	wp_status st = wp_doc_save(tx, &cmd->doc, cmd->body, false);
	return st == WP_E_NOT_FOUND ? wp_doc_save(tx, &cmd->doc, cmd->body, true) : st;
}

static const char *auth_id(struct kona_req *k, int64_t user_id)
{
	return wp_arena_printf(&k->r->arena, "%s:%lld", k->asp_id, (long long)user_id);
}

static const struct wp_doc_prop auth_answer[] = {
    {"authNumber", "string", "the 2 digits the member enters when the ARS call comes"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_ars_auth = {
    .summary = "Issue the ARS authentication number (bankaccounts/ars/auth)",
    .body = WP_DOC_JSON,
    .shapes = kona_user_id_shape,
    .shape_count = 1,
    .answer_props = auth_answer,
    .answer_prop_count = WP_COUNT(auth_answer),
};

enum kona_code kona_ars_auth(struct kona_req *k)
{
	int64_t user_id;
	enum kona_code c = kona_member_of_body(k, &user_id, NULL);
	if (c != KONA_OK)
		return c;
	uint8_t rnd;
	if (wp_random_bytes(&rnd, 1) != WP_OK)
		return KONA_SYSTEM;
	char number[4];
	snprintf(number, sizeof(number), "%02d", 10 + rnd % 90);
	struct kona_doc_write *cmd = kona_doc_write_new(k, sizeof(*cmd), apply_auth, KONA_KIND_ARS,
							auth_id(k, user_id), "", NULL);
	if (cmd == NULL)
		return KONA_SYSTEM;
	json_object_set_new(cmd->body, "authNumber", json_string(number));
	json_object_set_new(cmd->kw.reply, "authNumber", json_string(number));
	wp_write_submit(&cmd->kw.w);
	return KONA_DEFERRED;
}

/* ---- the simulated call ---- */

enum ars_step_kind { ARS_ANSWER, ARS_REGISTER };

struct ars_step {
	enum ars_step_kind kind;
	const wp_clock *clock;
	char regno[KONA_REG_NO_LEN + 1];
	char digits[8]; /* ARS_ANSWER: what the member pressed; "" = the right number */
	/* Out. */
	char status[32];
	bool found;
	bool advanced; /* the answer was right: the bank registers next */
};

static bool running(json_t *reg)
{
	return kona_reg_is(reg, KONA_ARS_IN_PROGRESS) || kona_reg_is(reg, KONA_ARS_DONE);
}

/* Marks the member's registered account deleted: the new one replaces it. */
static wp_status replace_registered(struct wp_tx *tx, const struct wp_doc *d, int64_t now_ms)
{
	json_t *list;
	wp_status st = wp_doc_list(NULL, tx, KONA_KIND_BANKACC, d->owner, d->ref,
				   WP_KONA_REGISTRATIONS_MAX, &list);
	if (st != WP_OK)
		return st;
	size_t i;
	json_t *old;
	json_array_foreach(list, i, old)
	{
		if (!kona_reg_is(old, KONA_REGISTERED) || st != WP_OK)
			continue;
		json_object_set_new(old, "deleted", json_true());
		struct wp_doc od = {KONA_KIND_BANKACC,
				    json_string_value(json_object_get(old, "_id")),
				    d->owner,
				    d->ref,
				    NULL,
				    NULL,
				    0,
				    now_ms};
		st = od.id ? wp_doc_save(tx, &od, old, false) : WP_E_INTERNAL;
	}
	json_decref(list);
	return st;
}

/*
 * The call's next step is on record too (a marker of kind kona.pending, ref
 * "ars", id "ars:<regno>", body {"step", "dueAt"}): the timer that runs it in
 * this process is only the prompt way. Should this process stop or die
 * before it runs, any process's housekeeping runs it once due
 * (kona_ars_housekeeping), so no registration stays in progress for ever.
 */
#define ARS_MARK_REF "ars"
#define ARS_MARK_PREFIX "ars:"

static wp_status ars_mark(struct wp_tx *tx, const char *regno, enum ars_step_kind kind,
			  int64_t due_ms, int64_t now_ms)
{
	char id[KONA_REG_NO_LEN + sizeof(ARS_MARK_PREFIX)];
	snprintf(id, sizeof(id), ARS_MARK_PREFIX "%s", regno);
	json_t *m = json_pack("{s:s, s:I}", "step", kind == ARS_ANSWER ? "answer" : "register",
			      "dueAt", (json_int_t)due_ms);
	struct wp_doc md = {.kind = KONA_KIND_PENDING,
			    .id = id,
			    .owner = KONA_PENDING_OWNER,
			    .ref = ARS_MARK_REF,
			    .created_ms = now_ms,
			    .updated_ms = now_ms};
	wp_status st = m ? wp_doc_save(tx, &md, m, false) : WP_E_NOMEM;
	if (st == WP_E_NOT_FOUND)
		st = wp_doc_save(tx, &md, m, true);
	json_decref(m);
	return st;
}

static wp_status ars_unmark(struct wp_tx *tx, const char *regno)
{
	char id[KONA_REG_NO_LEN + sizeof(ARS_MARK_PREFIX)];
	snprintf(id, sizeof(id), ARS_MARK_PREFIX "%s", regno);
	wp_status st = tx->ops->doc_delete(tx, KONA_KIND_PENDING, id);
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}

/* One step, in the writer. */
static wp_status apply_step(struct wp_tx *tx, struct ars_step *s)
{
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	struct wp_doc d;
	json_t *b = NULL;
	wp_status st = wp_doc_load(NULL, tx, KONA_KIND_BANKACC, s->regno, NULL, &a, &b, &d);
	s->found = st == WP_OK;
	const char *status = json_string_value(json_object_get(b, "status"));
	snprintf(s->status, sizeof(s->status), "%s", status ? status : "");
	bool changed = false;
	if (s->found && s->kind == ARS_ANSWER && strcmp(s->status, KONA_ARS_IN_PROGRESS) == 0) {
		const char *want = json_string_value(json_object_get(b, "authNumber"));
		bool right = s->digits[0] == '\0' || (want && strcmp(s->digits, want) == 0);
		snprintf(s->status, sizeof(s->status), "%s",
			 right ? KONA_ARS_DONE : KONA_ARS_FAILED);
		json_object_set_new(
		    b, "code",
		    json_string(kona_codes[right ? KONA_OK : KONA_ARS_AUTH_FAILED].code));
		s->advanced = right;
		changed = true;
	} else if (s->found && s->kind == ARS_REGISTER && strcmp(s->status, KONA_ARS_DONE) == 0) {
		int o = (int)json_integer_value(json_object_get(b, "bankOutcome"));
		enum kona_code code = o == WP_BANK_OK		    ? KONA_OK
				      : o == WP_BANK_NOT_VERIFIABLE ? KONA_LIFETIME
								    : KONA_INVALID_ACCOUNT;
		snprintf(s->status, sizeof(s->status), "%s",
			 o == WP_BANK_OK ? KONA_REGISTERED : KONA_REG_FAILED);
		json_object_set_new(b, "code", json_string(kona_codes[code].code));
		d.updated_ms = wp_clock_now_ms(s->clock);
		if (o == WP_BANK_OK)
			st = replace_registered(tx, &d, d.updated_ms);
		changed = true;
	}
	if (changed) {
		json_object_set_new(b, "status", json_string(s->status));
		d.updated_ms = wp_clock_now_ms(s->clock);
		if (st == WP_OK)
			st = wp_doc_save(tx, &d, b, false);
		if (st == WP_OK)
			st = s->advanced
				 ? ars_mark(tx, s->regno, ARS_REGISTER,
					    d.updated_ms + WP_KONA_ARS_REGISTER_MS, d.updated_ms)
				 : ars_unmark(tx, s->regno);
	} else if (!s->found || !running(b)) {
		st = ars_unmark(tx, s->regno); /* nothing left to do: no marker either */
	}
	json_decref(b);
	wp_arena_free(&a);
	if (!changed)
		return st == WP_E_NOT_FOUND ? WP_OK : st; /* nothing to do: already moved on */
	return st;
}

/* A step the timer starts: not tied to any request. */
struct ars_call {
	struct wp_cmd cmd;
	struct wp_app *app;
	struct ars_step s;
};

static void schedule(struct wp_app *app, const char *regno, enum ars_step_kind kind,
		     uint32_t delay_ms);

static wp_status apply_call(struct wp_tx *tx, struct wp_cmd *c)
{
	return apply_step(tx, &((struct ars_call *)c)->s);
}

static void call_done(struct wp_cmd *c)
{
	struct ars_call *call = (struct ars_call *)c;
	if (c->status == WP_OK && call->s.advanced)
		schedule(call->app, call->s.regno, ARS_REGISTER, WP_KONA_ARS_REGISTER_MS);
	free(call);
}

static void call_due(void *ctx)
{
	struct ars_call *call = ctx;
	if (wp_commit_submit(call->app->commit, &call->cmd) != WP_OK)
		free(
		    call); /* stopping: the registration stays in progress, as a dropped call would */
}

static void schedule(struct wp_app *app, const char *regno, enum ars_step_kind kind,
		     uint32_t delay_ms)
{
	if (kind == ARS_ANSWER && app->cfg->ars_delay_ms == 0)
		return; /* automatic answering is off: a test answers */
	struct ars_call *call = calloc(1, sizeof(*call));
	if (call == NULL)
		return;
	call->cmd.apply = apply_call;
	call->cmd.done = call_done;
	call->app = app;
	call->s.kind = kind;
	call->s.clock = &app->clock;
	snprintf(call->s.regno, sizeof(call->s.regno), "%s", regno);
	if (wp_timer_after(app->timer, delay_ms, call_due, call) != WP_OK)
		free(call);
}

/* ---- bankaccounts/ars/register ---- */

/* Checked again here, in the writer: two registers at once cannot both start. */
static wp_status apply_register(struct wp_tx *tx, struct wp_cmd *c)
{
	struct kona_doc_write *cmd = (struct kona_doc_write *)c;
	json_t *list;
	wp_status st = wp_doc_list(NULL, tx, KONA_KIND_BANKACC, cmd->doc.owner, cmd->doc.ref,
				   WP_KONA_REGISTRATIONS_MAX, &list);
	if (st != WP_OK)
		return st;
	bool busy = false;
	size_t i;
	json_t *reg;
	json_array_foreach(list, i, reg) busy |= running(reg);
	json_decref(list);
	if (busy)
		return WP_E_CONFLICT;
	st = wp_doc_save(tx, &cmd->doc, cmd->body, true);
	uint32_t delay = cmd->kw.k->app->cfg->ars_delay_ms;
	if (st == WP_OK && delay != 0) /* 0: no automatic answer, a test answers */
		st = ars_mark(tx, cmd->doc.id, ARS_ANSWER, cmd->doc.created_ms + delay,
			      cmd->doc.created_ms);
	return st;
}

/* Once durable: the phone rings. */
static void register_committed(struct wp_app *app, struct wp_write *w)
{
	struct kona_doc_write *cmd = (struct kona_doc_write *)w;
	schedule(app, cmd->doc.id, ARS_ANSWER, app->cfg->ars_delay_ms);
}

/* bankAccRegNo: "R" + yyyyMMddHHmmss (KST) + 7 random digits. */
static const char *new_regno(struct kona_req *k)
{
	char stamp[16];
	wp_format_stamp(wp_clock_now_ms(&k->app->clock), WP_KST_OFFSET_MIN, false, false, stamp,
			sizeof(stamp));
	uint32_t rnd = 0;
	if (wp_random_bytes(&rnd, sizeof(rnd)) != WP_OK)
		return NULL;
	return wp_arena_printf(&k->r->arena, "R%s%07u", stamp, rnd % 10000000u);
}

/* The bank outcomes that pass now and decide the registration later. */
static bool decided_later(int outcome)
{
	static const int later[] = {WP_BANK_OK,
				    WP_BANK_ACCOUNT_DORMANT,
				    WP_BANK_ACCOUNT_SUSPENDED,
				    WP_BANK_ACCOUNT_CLOSED,
				    WP_BANK_ACCOUNT_ACCIDENT,
				    WP_BANK_NOT_VERIFIABLE};
	for (size_t i = 0; i < WP_COUNT(later); i++)
		if (later[i] == outcome)
			return true;
	return false;
}

enum kona_code kona_ars_register(struct kona_req *k)
{
	struct kona_account_input in;
	json_t *regs, *auth = NULL;
	enum kona_code c = kona_account_input(k, &in);
	if (c == KONA_OK)
		c = kona_registrations(k, in.user_id, &regs);
	if (c != KONA_OK)
		return c;
	const char *aid = auth_id(k, in.user_id);
	wp_status st = aid ? wp_doc_load(k->app->store, NULL, KONA_KIND_ARS, aid, k->asp_id,
					 &k->r->arena, &auth, NULL)
			   : WP_E_NOMEM;
	auth = kona_json(k, auth);
	if (st != WP_OK && st != WP_E_NOT_FOUND)
		return KONA_SYSTEM;
	size_t i;
	json_t *reg;
	json_array_foreach(regs, i, reg)
	{
		if (running(reg))
			return KONA_IN_PROGRESS;
	}
	const char *number = json_string_value(json_object_get(auth, "authNumber"));
	if (number == NULL)
		return KONA_NO_ARS_AUTH; /* inferred: the number comes from ars/auth first */
	/* The holder check first: a mismatch is answered now, a bad account state later. */
	struct wp_bank_identity who = {in.name, in.birth, NULL};
	struct wp_bank_answer a;
	k->app->bank->ops->verify_holder(k->app->bank, in.bank_code, in.account, &who, &a);
	if (!decided_later(a.outcome))
		return kona_answer_after(k, kona_code_of_bank(a.outcome), a.latency_ms);

	const char *regno = new_regno(k);
	char acct_hash[2 * WP_SHA256_BYTES + 1];
	wp_lookup_hash(k->app->data_key, "kona.bankAccount", in.account, acct_hash);
	const char *sealed_acct = wp_req_seal(k->r, "kona.bankAccount", in.account);
	const char *sealed_holder = wp_req_seal(k->r, "kona.holder", in.name);
	const char *ref = wp_arena_printf(&k->r->arena, "%lld", (long long)in.user_id);
	struct kona_doc_write *cmd = kona_doc_write_new(k, sizeof(*cmd), apply_register,
							KONA_KIND_BANKACC, regno, ref, NULL);
	if (cmd == NULL || sealed_acct == NULL || sealed_holder == NULL)
		return KONA_SYSTEM;
	json_t *body = cmd->body;
	json_object_set_new(body, "status", json_string(KONA_ARS_IN_PROGRESS));
	json_object_set_new(body, "code", json_string(kona_codes[KONA_OK].code));
	json_object_set_new(body, "bankCode", json_string(in.bank_code));
	json_object_set_new(body, "bankAccount", json_string(sealed_acct));
	json_object_set_new(body, "bankAccountHash", json_string(acct_hash));
	json_object_set_new(body, "holder", json_string(sealed_holder));
	json_object_set_new(body, "authNumber", json_string(number));
	json_object_set_new(body, "bankOutcome", json_integer(a.outcome));
	json_object_set_new(body, "autoRecharge", json_false());
	json_object_set_new(body, "accountId",
			    json_string(regno + KONA_REG_NO_LEN - KONA_ACCOUNT_ID_LEN));
	json_object_set_new(cmd->kw.reply, "bankAccRegNo", json_string(regno));
	cmd->kw.on_conflict = KONA_IN_PROGRESS;
	cmd->kw.w.after_commit = register_committed;
	wp_write_submit(&cmd->kw.w);
	return KONA_DEFERRED;
}

/* ---- bankaccounts/ars/register/inquiry ---- */

static const struct wp_field regno_field[] = {
    {"regNo", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, KONA_REG_NO_LEN},
};
static const struct wp_field bank_acc_regno_field[] = {
    {"bankAccRegNo", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, KONA_REG_NO_LEN},
};

static const struct wp_doc_shape inquiry_shapes[] = {
    {"regNo", regno_field, 1, NULL},
    {"bankAccRegNo (the name the answer used)", bank_acc_regno_field, 1, NULL},
};
static const struct wp_doc_prop inquiry_answer[] = {
    {"status", "string", "ARS_AUTH_IN_PROGRESS, ARS_AUTH_DONE, BANK_ACC_REGISTERED or a failure"},
    {"response", "object", "code and description: the registration's own outcome"},
};
const struct wp_route_doc kona_doc_ars_inquiry = {
    .summary = "A registration's state (bankaccounts/ars/register/inquiry)",
    .body = WP_DOC_JSON,
    .shapes = inquiry_shapes,
    .shape_count = WP_COUNT(inquiry_shapes),
    .answer_props = inquiry_answer,
    .answer_prop_count = WP_COUNT(inquiry_answer),
};

enum kona_code kona_ars_inquiry(struct kona_req *k)
{
	/* The page names it regNo; clients that echo bankAccRegNo are accepted too. */
	bool echoed =
	    !json_object_get(k->body, "regNo") && json_object_get(k->body, "bankAccRegNo");
	struct wp_value v[1];
	enum kona_code c = kona_fields(k, echoed ? bank_acc_regno_field : regno_field, 1, v);
	if (c != KONA_OK)
		return c;
	json_t *b = NULL;
	wp_status st = wp_doc_load(k->app->store, NULL, KONA_KIND_BANKACC, v[0].s, k->asp_id,
				   &k->r->arena, &b, NULL);
	b = kona_json(k, b);
	if (st == WP_E_NOT_FOUND)
		return KONA_NO_REG;
	if (st != WP_OK || b == NULL || (k->data = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	const char *status = json_string_value(json_object_get(b, "status"));
	json_object_set_new(k->data, "status", json_string(status ? status : ""));
	return kona_code_of_wire(json_string_value(json_object_get(b, "code")));
}

/* ---- POST /sandbox/kona/ars/{regNo}/answer (control API) ---- */

static const struct wp_field digits_field[] = {
    {"digits", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 6},
};
static const struct wp_field regno_param[] = {
    {"regNo", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, KONA_REG_NO_LEN},
};
static const struct wp_doc_shape answer_shape[] = {{NULL, digits_field, 1, NULL}};
static const struct wp_doc_prop answer_answer[] = {
    {"bankAccRegNo", "string", NULL},
    {"status", "string", "the registration's state after the answer"},
};
const struct wp_route_doc kona_doc_sandbox_ars_answer = {
    .summary = "Answer a Kona ARS call with digits, as the member would (sandbox)",
    .body = WP_DOC_JSON,
    .shapes = answer_shape,
    .shape_count = 1,
    .params = regno_param,
    .param_count = 1,
    .answer_props = answer_answer,
    .answer_prop_count = WP_COUNT(answer_answer),
};

struct answer_cmd {
	struct wp_ctl_write cw;
	struct ars_step s;
};

static wp_status apply_answer(struct wp_tx *tx, struct wp_cmd *c)
{
	return apply_step(tx, &((struct answer_cmd *)c)->s);
}

static void answer_committed(struct wp_app *app, struct wp_write *w)
{
	struct answer_cmd *cmd = (struct answer_cmd *)w;
	if (cmd->s.advanced)
		schedule(app, cmd->s.regno, ARS_REGISTER, WP_KONA_ARS_REGISTER_MS);
}

static void finish_answer(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct answer_cmd *cmd = (struct answer_cmd *)w;
	struct wp_ctl *c = cmd->cw.c;
	if (w->cmd.status != WP_OK) {
		wp_ctl_fail_status(c, w->cmd.status, "the answer could not be recorded");
	} else if (!cmd->s.found) {
		wp_ctl_fail_status(c, WP_E_NOT_FOUND, "no such bankAccRegNo");
	} else {
		json_t *o = json_object();
		json_object_set_new(o, "bankAccRegNo", json_string(cmd->s.regno));
		json_object_set_new(o, "status", json_string(cmd->s.status));
		wp_ctl_ok(c, 200, o);
	}
	wp_ctl_answer(c);
}

void kona_sandbox_ars_answer(struct wp_ctl *c)
{
	struct wp_value v[1], regno;
	struct wp_field_error e;
	if (!wp_ctl_fields(c, c->body, digits_field, 1, v))
		return;
	if (!wp_field_value(&c->r->arena, regno_field, wp_req_param(c->r, 0), &regno, &e)) {
		wp_ctl_fail_status(c, WP_E_NOT_FOUND, "no such bankAccRegNo");
		return;
	}
	struct answer_cmd *cmd = wp_ctl_write_new(c, sizeof(*cmd), apply_answer, finish_answer);
	if (cmd == NULL)
		return;
	cmd->s.kind = ARS_ANSWER;
	cmd->s.clock = &c->r->app->clock;
	snprintf(cmd->s.regno, sizeof(cmd->s.regno), "%s", regno.s);
	snprintf(cmd->s.digits, sizeof(cmd->s.digits), "%s", v[0].s);
	cmd->cw.w.after_commit = answer_committed;
	wp_write_submit(&cmd->cw.w);
}

/* ---- recovery: steps due that no timer ran (kona_housekeeping) ---- */

wp_status kona_ars_housekeeping(struct wp_app *app, struct wp_tx *tx, int64_t now_ms)
{
	json_t *list = NULL;
	wp_status st = wp_doc_list(NULL, tx, KONA_KIND_PENDING, KONA_PENDING_OWNER, ARS_MARK_REF,
				   KONA_PENDING_PAGE, &list);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		const char *id = kona_str(e, "_id");
		if (st != WP_OK)
			break;
		if (kona_int(e, "dueAt") > now_ms || strncmp(id, ARS_MARK_PREFIX, 4) != 0)
			continue;
		struct ars_step s = {
		    .kind = strcmp(kona_str(e, "step"), "answer") == 0 ? ARS_ANSWER : ARS_REGISTER,
		    .clock = &app->clock};
		snprintf(s.regno, sizeof(s.regno), "%s", id + 4);
		if ((st = tx->ops->tx_savepoint(tx)) != WP_OK)
			break;
		wp_status one = apply_step(tx, &s);
		st = one == WP_OK ? tx->ops->tx_release(tx) : tx->ops->tx_rollback_to(tx);
		if (st == WP_OK && (one == WP_E_INTERNAL || one == WP_E_NOT_FOUND))
			st = ars_unmark(tx, s.regno); /* a step that can never run: not retried */
		else if (st == WP_OK && one != WP_OK)
			st = one; /* storage: the whole run is retried */
	}
	json_decref(list);
	return st;
}
