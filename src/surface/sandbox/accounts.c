/*
 * accounts.c — POST /sandbox/bank-accounts, GET and PATCH
 * /sandbox/bank-accounts/{bank_code}/{account_number}.
 */
#include <stdio.h>
#include <string.h>

#include "core/bank_sandbox.h"
#include "core/ledger.h"
#include "surface/sandbox/sandbox.h"

json_t *sandbox_account_json(struct wp_store *s, const struct wp_bank_account *a)
{
	struct wp_account la;
	int64_t balance;
	if (s->ops->account_read(s, a->ledger_account_id, &la) != WP_OK ||
	    !wp_account_balance(&la, &balance))
		return NULL;
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
	json_object_set_new(o, "available", json_integer(wp_account_available(&la)));
	json_object_set_new(o, "ledger_account_id", json_integer(a->ledger_account_id));
	return o;
}

/* Reads the account back and answers it with `http`, or 503 when it cannot be read. */
static void answer_account(struct wp_ctl *c, unsigned http, const char *code, const char *number)
{
	struct wp_store *s = c->r->app->store;
	struct wp_bank_account a;
	wp_status st = s->ops->bank_account_read(s, code, number, &a);
	json_t *o = st == WP_OK ? sandbox_account_json(s, &a) : NULL;
	if (st == WP_E_NOT_FOUND)
		wp_ctl_fail_status(c, st, "no such bank account");
	else if (o == NULL)
		wp_ctl_fail_status(c, WP_E_STORAGE, "the account cannot be read");
	else
		wp_ctl_ok(c, http, o);
}

/* ---- POST /sandbox/bank-accounts ---- */

enum { F_CODE, F_NUMBER, F_HOLDER, F_BIRTH, F_BIZNO, F_KIND, F_STATUS, F_BALANCE };

/* An account's two names, in a body and in the path. */
#define BANK_CODE_ROW                                                                              \
	{                                                                                          \
		"bank_code", WP_FIELD_DIGITS, WP_FIELD_REQUIRED | WP_FIELD_BYTES, 3, 3             \
	}
#define ACCOUNT_NUMBER_ROW                                                                         \
	{                                                                                          \
		"account_number", WP_FIELD_DIGITS, WP_FIELD_REQUIRED | WP_FIELD_BYTES, 6, 20       \
	}

static const struct wp_field account_params[] = {BANK_CODE_ROW, ACCOUNT_NUMBER_ROW};

static const struct wp_field open_fields[] = {
    [F_CODE] = BANK_CODE_ROW,
    [F_NUMBER] = ACCOUNT_NUMBER_ROW,
    [F_HOLDER] = {"holder_name", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 40,
		  .expect = "must be at most 40 characters"},
    [F_BIRTH] = {"birth_date", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT | WP_FIELD_BYTES, 8, 8},
    [F_BIZNO] = {"business_no", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT | WP_FIELD_BYTES, 10, 10},
    [F_KIND] = {"kind", WP_FIELD_ENUM, WP_FIELD_EMPTY_ABSENT | WP_FIELD_BYTES, 0, 11,
		wp_bank_account_kinds},
    [F_STATUS] = {"status", WP_FIELD_ENUM, WP_FIELD_EMPTY_ABSENT | WP_FIELD_BYTES, 0, 19,
		  wp_bank_account_statuses},
    [F_BALANCE] = {"balance", WP_FIELD_INT, 0, 0, INT64_MAX / 4},
};

struct open_cmd {
	struct wp_ctl_write cw;
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

static void finish_open(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct open_cmd *cmd = (struct open_cmd *)w;
	struct wp_ctl *c = cmd->cw.c;
	wp_status st = w->cmd.status;
	if (st == WP_E_CONFLICT)
		wp_ctl_fail_status(c, st, "that bank account already exists");
	else if (st == WP_E_INVALID)
		sandbox_fail(c, SANDBOX_BANK_REFUSED, cmd->outcome,
			     "the bank's reserve cannot fund this opening balance (its sums would "
			     "overflow); open it with less");
	else if (st != WP_OK)
		wp_ctl_fail_status(c, st, "the account could not be created");
	else if (cmd->outcome != WP_BANK_OK)
		sandbox_fail(c, SANDBOX_BANK_NOT_A_BANK, cmd->outcome, "bank_code is not a bank");
	else
		answer_account(c, 201, cmd->acct.bank_code, cmd->acct.account_number);
	wp_ctl_answer(c);
}

void sandbox_create_account(struct wp_ctl *c)
{
	struct wp_value v[WP_COUNT(open_fields)];
	if (!wp_ctl_fields(c, c->body, open_fields, WP_COUNT(open_fields), v))
		return;
	if (wp_bank_by_code(v[F_CODE].s) == NULL) {
		sandbox_fail(c, SANDBOX_UNKNOWN_BANK, 0,
			     "bank_code is not a KFTC bank code wonpay knows");
		return;
	}
	if (v[F_BIRTH].present == v[F_BIZNO].present) {
		wp_ctl_fail_status(c, WP_E_INVALID,
				   "give exactly one of birth_date (persons) or business_no "
				   "(businesses)");
		return;
	}
	struct open_cmd *cmd = wp_ctl_write_new(c, sizeof(*cmd), apply_open, finish_open);
	if (cmd == NULL)
		return;
	struct wp_bank_account *a = &cmd->acct;
	snprintf(a->bank_code, sizeof(a->bank_code), "%s", v[F_CODE].s);
	snprintf(a->account_number, sizeof(a->account_number), "%s", v[F_NUMBER].s);
	snprintf(a->holder_name, sizeof(a->holder_name), "%s", v[F_HOLDER].s);
	snprintf(a->birth_date, sizeof(a->birth_date), "%s",
		 v[F_BIRTH].present ? v[F_BIRTH].s : "");
	snprintf(a->business_no, sizeof(a->business_no), "%s",
		 v[F_BIZNO].present ? v[F_BIZNO].s : "");
	snprintf(a->kind, sizeof(a->kind), "%s",
		 v[F_KIND].present    ? v[F_KIND].s
		 : v[F_BIZNO].present ? WP_KIND_BUSINESS
				      : WP_KIND_PERSONAL);
	snprintf(a->status, sizeof(a->status), "%s",
		 v[F_STATUS].present ? v[F_STATUS].s : WP_ACCT_ACTIVE);
	cmd->balance = v[F_BALANCE].i;
	cmd->now_ms = wp_clock_now_ms(&c->r->app->clock);
	wp_write_submit(&cmd->cw.w);
}

/* ---- GET/PATCH /sandbox/bank-accounts/{bank_code}/{account_number} ---- */

/* The path's account, if it could name one (the fields' own rules); false after a 404. */
static bool path_account(struct wp_ctl *c, const char **code, const char **number)
{
	struct wp_value v;
	struct wp_field_error e;
	*code = wp_req_param(c->r, 0);
	*number = wp_req_param(c->r, 1);
	if (wp_field_value(&c->r->arena, &account_params[0], *code, &v, &e) &&
	    wp_field_value(&c->r->arena, &account_params[1], *number, &v, &e))
		return true;
	wp_ctl_fail_status(c, WP_E_NOT_FOUND, "no such bank account");
	return false;
}

void sandbox_get_account(struct wp_ctl *c)
{
	const char *code, *number;
	if (path_account(c, &code, &number))
		answer_account(c, 200, code, number);
}

static const struct wp_field status_fields[] = {
    {"status", WP_FIELD_ENUM, WP_FIELD_REQUIRED | WP_FIELD_BYTES, 1, 19, wp_bank_account_statuses},
};

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_prop account_answer[] = {
    {"bank_code", "string", NULL},   {"account_number", "string", NULL},
    {"holder_name", "string", NULL}, {"kind", "string", NULL},
    {"status", "string", NULL},	     {"balance", "integer", "won, from the ledger"},
};
static const struct wp_doc_shape open_shape[] = {{NULL, open_fields, WP_COUNT(open_fields)}};
const struct wp_route_doc sandbox_doc_open = {
    .summary = "Open a sandbox bank account",
    .description = "Its opening balance is deposited from the bank's reserve through the "
		   "ledger. Give birth_date (a person) or business_no (a business).",
    .body = WP_DOC_JSON,
    .shapes = open_shape,
    .shape_count = 1,
    .success_status = 201,
    .answer_props = account_answer,
    .answer_prop_count = WP_COUNT(account_answer),
};
const struct wp_route_doc sandbox_doc_get_account = {
    .summary = "A sandbox bank account and its balance",
    .params = account_params,
    .param_count = WP_COUNT(account_params),
    .answer_props = account_answer,
    .answer_prop_count = WP_COUNT(account_answer),
};
static const struct wp_doc_shape status_shape[] = {{NULL, status_fields, 1}};
const struct wp_route_doc sandbox_doc_patch_account = {
    .summary = "Change a sandbox account's status (dormant, suspended, closed, ...)",
    .body = WP_DOC_JSON,
    .shapes = status_shape,
    .shape_count = 1,
    .params = account_params,
    .param_count = WP_COUNT(account_params),
    .answer_props = account_answer,
    .answer_prop_count = WP_COUNT(account_answer),
};

struct status_cmd {
	struct wp_ctl_write cw;
	char code[4];
	char number[32];
	char status[20];
};

static wp_status apply_status(struct wp_tx *tx, struct wp_cmd *c)
{
	struct status_cmd *cmd = (struct status_cmd *)c;
	return tx->ops->bank_account_set_status(tx, cmd->code, cmd->number, cmd->status);
}

static void finish_status(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct status_cmd *cmd = (struct status_cmd *)w;
	wp_status st = w->cmd.status;
	if (st != WP_OK)
		wp_ctl_fail_status(cmd->cw.c, st,
				   st == WP_E_NOT_FOUND ? "no such bank account"
							: "the status could not be changed");
	else
		answer_account(cmd->cw.c, 200, cmd->code, cmd->number);
	wp_ctl_answer(cmd->cw.c);
}

void sandbox_patch_account(struct wp_ctl *c)
{
	struct wp_value v[1];
	const char *code, *number;
	if (!wp_ctl_fields(c, c->body, status_fields, 1, v) || !path_account(c, &code, &number))
		return;
	struct status_cmd *cmd = wp_ctl_write_new(c, sizeof(*cmd), apply_status, finish_status);
	if (cmd == NULL)
		return;
	snprintf(cmd->code, sizeof(cmd->code), "%s", code);
	snprintf(cmd->number, sizeof(cmd->number), "%s", number);
	snprintf(cmd->status, sizeof(cmd->status), "%s", v[0].s);
	wp_write_submit(&cmd->cw.w);
}
