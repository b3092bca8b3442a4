/*
 * transfers.c — POST /sandbox/transfers and GET /sandbox/transfers/{id}:
 * wires between sandbox bank accounts, through the bank network and the
 * ledger. The client's id makes a wire idempotent (the ledger's id is
 * WIRE_PREFIX + it).
 */
#include <stdio.h>
#include <string.h>

#include "core/ledger.h"
#include "surface/sandbox/sandbox.h"

#define WIRE_PREFIX "wire:"

static json_t *wire_json(const struct wp_transfer *t, const char *from_code,
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
	json_object_set_new(o, "status",
			    json_string(t->result == WP_TR_OK ? "posted" : "rejected"));
	json_object_set_new(o, "result", json_string(wp_transfer_result_name(t->result)));
	json_object_set_new(o, "created_ms", json_integer(t->created_ms));
	return o;
}

enum { F_ID, F_AMOUNT };

static const struct wp_field wire_fields[] = {
    [F_ID] = {"id", WP_FIELD_TEXT, WP_FIELD_REQUIRED | WP_FIELD_BYTES, 1,
	      WP_TRANSFER_ID_MAX - (sizeof(WIRE_PREFIX) - 1)},
    [F_AMOUNT] = {"amount", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
};

static const struct wp_field endpoint_fields[] = {
    {"bank_code", WP_FIELD_TEXT, WP_FIELD_REQUIRED | WP_FIELD_BYTES, 1, 3},
    {"account_number", WP_FIELD_TEXT, WP_FIELD_REQUIRED | WP_FIELD_BYTES, 1, 20},
};

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_object wire_objects[] = {
    {"from", endpoint_fields, WP_COUNT(endpoint_fields)},
    {"to", endpoint_fields, WP_COUNT(endpoint_fields)},
};
static const struct wp_doc_shape wire_shape[] = {
    {NULL, wire_fields, WP_COUNT(wire_fields), NULL, wire_objects, WP_COUNT(wire_objects)},
};
static const struct wp_doc_prop wire_answer[] = {
    {"id", "string", NULL},
    {"amount", "integer", "won"},
    {"from", "object", NULL},
    {"to", "object", NULL},
    {"status", "string", "posted"},
    {"result", "string", "the ledger's result"},
    {"replayed", "boolean", "the same id and fields again: the first answer"},
    {"created_ms", "integer", NULL},
};
const struct wp_route_doc sandbox_doc_post_transfer = {
    .summary = "Wire money between two sandbox bank accounts",
    .description = "Idempotent by id: the same id with the same fields answers 200 with "
		   "replayed=true; with other fields, 422 exists_with_different_*.",
    .body = WP_DOC_JSON,
    .shapes = wire_shape,
    .shape_count = 1,
    .success_status = 201,
    .answer_props = wire_answer,
    .answer_prop_count = WP_COUNT(wire_answer),
};
const struct wp_route_doc sandbox_doc_get_transfer = {
    .summary = "A wire by its id",
    .params = wire_fields,
    .param_count = 1,
    .answer_props = wire_answer,
    .answer_prop_count = WP_COUNT(wire_answer),
};

struct wire_cmd {
	struct wp_ctl_write cw;
	char id[WP_TRANSFER_ID_MAX + 1];
	char from_code[4], from_number[32], to_code[4], to_number[32];
	int64_t amount;
	int64_t now_ms;
	int outcome;
	struct wp_transfer result;
	bool replayed;
};

static wp_status apply_wire(struct wp_tx *tx, struct wp_cmd *c)
{
	struct wire_cmd *cmd = (struct wire_cmd *)c;
	struct wp_bank_net *n = cmd->cw.c->r->app->bank;
	struct wp_bank_party from = {cmd->from_code, cmd->from_number, 0};
	struct wp_bank_party to = {cmd->to_code, cmd->to_number, 0};
	return n->ops->move(n, tx, cmd->id, &from, &to, cmd->amount, WP_TRANSFER_CODE_WIRE,
			    cmd->now_ms, &cmd->outcome, &cmd->result, &cmd->replayed);
}

static void finish_wire(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct wire_cmd *cmd = (struct wire_cmd *)w;
	struct wp_ctl *c = cmd->cw.c;
	if (w->cmd.status != WP_OK) {
		wp_ctl_fail_status(c, w->cmd.status, "the transfer could not be committed; retry");
	} else if (cmd->outcome == WP_BANK_ACCOUNT_NOT_FOUND) {
		sandbox_fail(c, SANDBOX_ACCOUNT_NOT_FOUND, 0, "no such bank account (from or to)");
	} else if (cmd->result.id[0] == '\0') {
		/* Refused by a bank before the ledger saw it: not recorded, may be retried. */
		sandbox_fail(c, SANDBOX_BANK_REFUSED, cmd->outcome,
			     "the bank refused the transfer");
	} else {
		json_t *o = wire_json(&cmd->result, cmd->from_code, cmd->from_number, cmd->to_code,
				      cmd->to_number);
		json_object_set_new(o, "replayed", json_boolean(cmd->replayed));
		bool ok = cmd->result.result == WP_TR_OK;
		if (!ok)
			json_object_set_new(o, "bank_outcome",
					    json_string(wp_bank_outcome_name(cmd->outcome)));
		wp_ctl_ok(c, ok ? (cmd->replayed ? 200 : 201) : 422, o);
	}
	wp_ctl_answer(c);
}

/* After the slower bank's latency: the wire goes to the commit queue. */
static void wire_later(struct wp_req *r, void *ctx)
{
	(void)r;
	wp_write_submit(ctx);
}

/* {bank_code, account_number}; false after setting a 400. */
static bool endpoint(struct wp_ctl *c, const char *name, char *code, size_t ccap, char *num,
		     size_t ncap)
{
	json_t *e = json_object_get(c->body, name);
	if (!json_is_object(e)) {
		wp_ctl_fail(c, 400, wp_status_name(WP_E_INVALID),
			    "%s must be an object {bank_code, account_number}", name);
		return false;
	}
	struct wp_value v[2];
	if (!wp_ctl_fields(c, e, endpoint_fields, 2, v))
		return false;
	snprintf(code, ccap, "%s", v[0].s);
	snprintf(num, ncap, "%s", v[1].s);
	return true;
}

void sandbox_post_transfer(struct wp_ctl *c)
{
	struct wp_req *r = c->r;
	struct wp_app *app = r->app;
	struct wire_cmd *cmd = wp_ctl_write_new(c, sizeof(*cmd), apply_wire, finish_wire);
	if (cmd == NULL)
		return;
	cmd->cw.w.finish_on_http = true; /* finish_wire only builds the answer */
	/* In the order a reader checks them: id, from, to, amount. */
	struct wp_value v[WP_COUNT(wire_fields)];
	if (!wp_ctl_fields(c, c->body, wire_fields, 1, v) ||
	    !endpoint(c, "from", cmd->from_code, sizeof(cmd->from_code), cmd->from_number,
		      sizeof(cmd->from_number)) ||
	    !endpoint(c, "to", cmd->to_code, sizeof(cmd->to_code), cmd->to_number,
		      sizeof(cmd->to_number)) ||
	    !wp_ctl_fields(c, c->body, wire_fields, WP_COUNT(wire_fields), v))
		return;
	snprintf(cmd->id, sizeof(cmd->id), WIRE_PREFIX "%s", v[F_ID].s);
	cmd->amount = v[F_AMOUNT].i;
	/* Both banks must answer; a slow one delays the answer without holding a worker. */
	struct wp_bank_answer a, b = {WP_BANK_OK, 0};
	app->bank->ops->reach(app->bank, cmd->from_code, &a);
	if (strcmp(cmd->from_code, cmd->to_code) != 0) /* one bank is asked once */
		app->bank->ops->reach(app->bank, cmd->to_code, &b);
	int outcome = a.outcome != WP_BANK_OK ? a.outcome : b.outcome;
	if (outcome != WP_BANK_OK && outcome != WP_BANK_NOT_PARTICIPATING) {
		if (outcome == WP_BANK_UNKNOWN_BANK)
			sandbox_fail(c, SANDBOX_BANK_NOT_A_BANK, outcome,
				     "bank_code is not a bank");
		else
			sandbox_fail(c, SANDBOX_BANK_UNAVAILABLE, outcome,
				     "a bank could not take the transfer");
		return;
	}
	cmd->now_ms = wp_clock_now_ms(&app->clock);
	/* The slower bank sets the pace: sending and receiving both have to answer. */
	uint32_t latency = a.latency_ms > b.latency_ms ? a.latency_ms : b.latency_ms;
	if (latency == 0)
		wp_write_submit(&cmd->cw.w);
	else if (wp_req_later(r, latency, wire_later, &cmd->cw.w) != WP_OK)
		wp_ctl_fail_status(c, WP_E_UNAVAILABLE, "too many delayed requests; retry");
}

void sandbox_get_transfer(struct wp_ctl *c)
{
	struct wp_store *s = c->r->app->store;
	struct wp_value v;
	struct wp_field_error e;
	char id[WP_TRANSFER_ID_MAX + 1];
	struct wp_transfer t;
	wp_status st = WP_E_NOT_FOUND;
	if (wp_field_value(&c->r->arena, &wire_fields[F_ID], wp_req_param(c->r, 0), &v, &e)) {
		snprintf(id, sizeof(id), WIRE_PREFIX "%s", v.s);
		st = s->ops->transfer_read(s, id, &t);
	}
	if (st != WP_OK) {
		wp_ctl_fail_status(c, st,
				   st == WP_E_NOT_FOUND ? "no such transfer"
							: "the transfer cannot be read");
		return;
	}
	struct wp_bank_account from, to;
	memset(&from, 0, sizeof(from));
	memset(&to, 0, sizeof(to));
	s->ops->bank_account_by_ledger(s, t.debit_account_id, &from);
	s->ops->bank_account_by_ledger(s, t.credit_account_id, &to);
	wp_ctl_ok(
	    c, 200,
	    wire_json(&t, from.bank_code, from.account_number, to.bank_code, to.account_number));
}
