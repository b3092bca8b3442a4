/*
 * control.c — faults per bank, the sandbox clock, reset, the request journal.
 */
#include <stdio.h>
#include <string.h>

#include "core/bank_sandbox.h"
#include "core/sandbox.h"
#include "http/accesslog.h"
#include "surface/sandbox/sandbox.h"
#include "util/text.h"

static const char *const fault_modes[] = {"none", "unreachable", "slow", "failing", NULL};

static json_t *fault_json(const char *code, const struct wp_bank_fault *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "bank_code", json_string(code));
	json_object_set_new(o, "mode", json_string(fault_modes[f->mode]));
	json_object_set_new(o, "latency_ms", json_integer(f->latency_ms));
	json_object_set_new(o, "rate_ppm", json_integer(f->rate_ppm));
	json_object_set_new(o, "seed", json_integer((json_int_t)(f->seed & INT64_MAX)));
	return o;
}

enum { F_MODE, F_LATENCY, F_SEED };

static const struct wp_field fault_fields[] = {
    [F_MODE] = {"mode", WP_FIELD_ENUM, WP_FIELD_REQUIRED | WP_FIELD_BYTES, 1, 16, fault_modes},
    [F_LATENCY] = {"latency_ms", WP_FIELD_INT, 0, 0, WP_BANK_LATENCY_MAX_MS},
    [F_SEED] = {"seed", WP_FIELD_INT, 0, 0, INT64_MAX},
};

static const struct wp_field bank_param[] = {
    {"bank_code", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 3, 3},
};
static const struct wp_doc_prop fault_answer[] = {
    {"bank_code", "string", NULL}, {"mode", "string", NULL},  {"latency_ms", "integer", NULL},
    {"rate_ppm", "integer", NULL}, {"seed", "integer", NULL},
};
static const struct wp_doc_shape fault_shape[] = {{NULL, fault_fields, WP_COUNT(fault_fields)}};
const struct wp_route_doc sandbox_doc_put_fault = {
    .summary = "Make a sandbox bank fail on purpose (down, slow, timeouts, ...)",
    .description = "Also `rate`, a number from 0 to 1: in failing mode, the share of calls "
		   "that fail (1 when not given), in a sequence fixed by `seed`.",
    .body = WP_DOC_JSON,
    .shapes = fault_shape,
    .shape_count = 1,
    .params = bank_param,
    .param_count = 1,
    .answer_props = fault_answer,
    .answer_prop_count = WP_COUNT(fault_answer),
};
const struct wp_route_doc sandbox_doc_get_fault = {
    .summary = "A sandbox bank's fault",
    .params = bank_param,
    .param_count = 1,
    .answer_props = fault_answer,
    .answer_prop_count = WP_COUNT(fault_answer),
};

void sandbox_put_fault(struct wp_ctl *c)
{
	struct wp_value v[WP_COUNT(fault_fields)];
	if (!wp_ctl_fields(c, c->body, fault_fields, WP_COUNT(fault_fields), v))
		return;
	struct wp_bank_fault f = {0};
	for (int i = 0; fault_modes[i] != NULL; i++)
		if (strcmp(v[F_MODE].s, fault_modes[i]) == 0)
			f.mode = i;
	f.latency_ms = (uint32_t)v[F_LATENCY].i;
	f.seed = (uint64_t)v[F_SEED].i;
	/* A share of calls, not money: a number from 0 to 1, kept as parts per million. */
	json_t *rate = json_object_get(c->body, "rate");
	if (rate != NULL) {
		if (!json_is_number(rate) || json_number_value(rate) < 0 ||
		    json_number_value(rate) > 1) {
			wp_ctl_fail_status(c, WP_E_INVALID, "rate must be a number from 0 to 1");
			return;
		}
		f.rate_ppm = (uint32_t)(json_number_value(rate) * 1000000 + 0.5);
	} else if (f.mode == WP_FAULT_FAILING) {
		f.rate_ppm = 1000000;
	}
	struct wp_bank_net *bank = c->r->app->bank;
	const char *code = wp_req_param(c->r, 0);
	if (bank->ops->set_fault(bank, code, &f) != WP_OK) {
		wp_ctl_fail_status(c, WP_E_NOT_FOUND, "bank_code is not a bank wonpay knows");
		return;
	}
	wp_ctl_ok(c, 200, fault_json(code, &f));
}

void sandbox_get_fault(struct wp_ctl *c)
{
	struct wp_bank_net *bank = c->r->app->bank;
	const char *code = wp_req_param(c->r, 0);
	struct wp_bank_fault f;
	if (bank->ops->get_fault(bank, code, &f) != WP_OK) {
		wp_ctl_fail_status(c, WP_E_NOT_FOUND, "bank_code is not a bank wonpay knows");
		return;
	}
	wp_ctl_ok(c, 200, fault_json(code, &f));
}

static void answer_clock(struct wp_ctl *c)
{
	wp_clock *clock = &c->r->app->clock;
	int64_t now = wp_clock_now_ms(clock);
	json_t *o = json_object();
	json_object_set_new(o, "now_ms", json_integer(now));
	json_object_set_new(o, "offset_ms", json_integer(atomic_load(&clock->offset_ms)));
	json_object_set_new(o, "bank_minute_kst", json_integer(wp_bank_minute_kst(now)));
	wp_ctl_ok(c, 200, o);
}

/* Shared stores: the clock as the database has it, which another process may have moved. */
static void sync_clock(struct wp_app *app)
{
	int64_t offset;
	if (app->store->ops->shared && wp_sandbox_clock_load(app->store, NULL, &offset) == WP_OK)
		wp_clock_set_offset_ms(&app->clock, offset);
}

void sandbox_get_clock(struct wp_ctl *c)
{
	sync_clock(c->r->app);
	answer_clock(c);
}

static const struct wp_field clock_fields[] = {
    {"advance_seconds", WP_FIELD_INT, WP_FIELD_REQUIRED, 0, WP_CLOCK_ADVANCE_MAX_S},
};

static const struct wp_doc_prop clock_answer[] = {
    {"now_ms", "integer", "wonpay's clock"},
    {"offset_ms", "integer", "how far it was moved ahead of the system clock"},
};
const struct wp_route_doc sandbox_doc_get_clock = {
    .summary = "wonpay's sandbox clock",
    .answer_props = clock_answer,
    .answer_prop_count = WP_COUNT(clock_answer),
};
static const struct wp_doc_shape clock_shape[] = {{NULL, clock_fields, 1}};
const struct wp_route_doc sandbox_doc_post_clock = {
    .summary = "Move the sandbox clock ahead (tokens, holds and timers expire)",
    .body = WP_DOC_JSON,
    .shapes = clock_shape,
    .shape_count = 1,
    .answer_props = clock_answer,
    .answer_prop_count = WP_COUNT(clock_answer),
};

/*
 * A move of the clock. With one process it is this process's alone (and a
 * restart forgets it); where several share the database it is recorded
 * there, added to what any of them moved before, and each picks it up
 * (GET /sandbox/clock at once, the writer's tick within a second).
 */
struct clock_cmd {
	struct wp_ctl_write cw;
	int64_t advance_ms, offset_ms;
};

static wp_status apply_clock(struct wp_tx *tx, struct wp_cmd *c)
{
	struct clock_cmd *k = (struct clock_cmd *)c;
	struct wp_app *app = k->cw.c->r->app;
	wp_status st = wp_sandbox_clock_load(NULL, tx, &k->offset_ms);
	if (st != WP_OK)
		return st;
	k->offset_ms += k->advance_ms;
	return wp_sandbox_clock_save(tx, k->offset_ms, wp_clock_now_ms(&app->clock));
}

static void finish_clock(struct wp_req *r, struct wp_write *w)
{
	struct clock_cmd *k = (struct clock_cmd *)w;
	struct wp_ctl *c = k->cw.c;
	if (w->cmd.status != WP_OK) {
		wp_ctl_fail_status(c, w->cmd.status, "the clock's move could not be committed");
	} else {
		wp_clock_set_offset_ms(&r->app->clock, k->offset_ms);
		wp_commit_kick(r->app->commit); /* pending transfers may have expired */
		answer_clock(c);
	}
	wp_ctl_answer(c);
}

void sandbox_post_clock(struct wp_ctl *c)
{
	struct wp_value v[1];
	if (!wp_ctl_fields(c, c->body, clock_fields, 1, v))
		return;
	if (!c->r->app->store->ops->shared) { /* this process's alone: moved at once */
		wp_clock_advance_ms(&c->r->app->clock, v[0].i * 1000);
		wp_commit_kick(c->r->app->commit); /* pending transfers may have expired */
		answer_clock(c);
		return;
	}
	struct clock_cmd *cmd = wp_ctl_write_new(c, sizeof(*cmd), apply_clock, finish_clock);
	if (cmd == NULL)
		return;
	cmd->advance_ms = v[0].i * 1000;
	wp_write_submit(&cmd->cw.w);
}

struct reset_cmd {
	struct wp_ctl_write cw;
};

static wp_status apply_reset(struct wp_tx *tx, struct wp_cmd *c)
{
	struct wp_app *app = ((struct reset_cmd *)c)->cw.c->r->app;
	wp_status st = WP_OK;
	if (app->store->ops->shared)
		st = wp_sandbox_clock_save(tx, 0, wp_clock_now_ms(&app->clock));
	return st == WP_OK ? wp_sandbox_seed_all(app, tx, true, NULL) : st;
}

static void finish_reset(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct wp_ctl *c = ((struct reset_cmd *)w)->cw.c;
	if (w->cmd.status != WP_OK) {
		wp_ctl_fail_status(c, w->cmd.status, "the reset could not be committed");
	} else {
		json_t *o = json_object();
		json_object_set_new(o, "status", json_string("reset"));
		wp_ctl_ok(c, 200, o);
	}
	wp_ctl_answer(c);
}

void sandbox_post_reset(struct wp_ctl *c)
{
	struct wp_app *app = c->r->app;
	struct reset_cmd *cmd = wp_ctl_write_new(c, sizeof(*cmd), apply_reset, finish_reset);
	if (cmd == NULL)
		return;
	wp_bank_sandbox_clear_faults(app->bank);
	wp_clock_advance_ms(&app->clock, -atomic_load(&app->clock.offset_ms));
	wp_write_submit(&cmd->cw.w);
}

static const struct wp_field limit_query[] = {
    {"limit", WP_FIELD_INT, 0, 1, WP_JOURNAL_ENTRIES},
};
static const struct wp_doc_prop requests_answer[] = {
    {"requests", "array", "the latest requests: time, method, path, status, surface, ..."},
};
const struct wp_route_doc sandbox_doc_get_requests = {
    .summary = "The latest requests the server answered (newest first)",
    .query = limit_query,
    .query_count = 1,
    .answer_props = requests_answer,
    .answer_prop_count = WP_COUNT(requests_answer),
};
static const struct wp_doc_prop reset_answer[] = {
    {"status", "string", "reset"},
};
const struct wp_route_doc sandbox_doc_post_reset = {
    .summary = "Start over: faults cleared, the clock back, the test accounts as documented",
    .description = "Accounts and wires created since are removed; the documented test "
		   "accounts are restored with their balances.",
    .answer_props = reset_answer,
    .answer_prop_count = WP_COUNT(reset_answer),
};

void sandbox_get_requests(struct wp_ctl *c)
{
	const char *l = wp_req_query(c->r, "limit");
	int64_t limit = WP_JOURNAL_DEFAULT_LIMIT;
	const struct wp_field *f = &limit_query[0];
	if (l != NULL && !wp_parse_i64(l, strlen(l), f->min, f->max, &limit)) {
		wp_ctl_fail(c, 400, wp_status_name(WP_E_INVALID), "limit must be from %lld to %lld",
			    (long long)f->min, (long long)f->max);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "requests", wp_journal_list(c->r->app->journal, (size_t)limit));
	wp_ctl_ok(c, 200, o);
}
