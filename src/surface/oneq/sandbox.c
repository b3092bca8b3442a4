/*
 * sandbox.c — OneQ Pay's test data: the document's merchant TC0ONETIME, a
 * shopper (registered account 081-123456789012 at the sandbox bank, PIN
 * 123456, 하나머니 1,000,000 won charged from that account), OneQ's holding
 * account for 계좌 payments, and POST /sandbox/oneq/shoppers to add shoppers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/bank_sandbox.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/oneq/oneq.h"

#define HOLDING_KIND "oneq_holding"

/* The account a 계좌 payment's withdrawal waits in until approve (one, made on first use). */
wp_status oneq_holding_account(struct wp_tx *tx, int64_t now_ms, int64_t *id)
{
	return wp_named_account(tx, HOLDING_KIND, "holding", ONEQ_SHOPPER_OWNER,
				WP_ACCOUNT_MERCHANT, now_ms, id);
}

struct shopper_in {
	const char *account, *bank_code, *holder, *pin;
	int64_t bank_balance, money;
};

/*
 * A shopper: the bank account opened at the sandbox bank with its balance,
 * a 하나머니 wallet charged `money` from it, the PIN's digest. WP_E_CONFLICT
 * when the shopper exists; *outcome the bank's answer.
 */
static wp_status shopper_open(struct wp_app *app, struct wp_tx *tx, const struct shopper_in *in,
			      int64_t now_ms, int *outcome)
{
	*outcome = WP_BANK_OK;
	json_t *seen = NULL;
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	wp_status st = wp_doc_load(NULL, tx, ONEQ_KIND_SHOPPER, in->account, ONEQ_SHOPPER_OWNER, &a,
				   &seen, NULL);
	wp_arena_free(&a);
	json_decref(seen);
	if (st != WP_E_NOT_FOUND)
		return st == WP_OK ? WP_E_CONFLICT : st;
	struct wp_bank_account acct = {.kind = WP_KIND_PERSONAL, .status = WP_ACCT_ACTIVE};
	snprintf(acct.bank_code, sizeof(acct.bank_code), "%s", in->bank_code);
	snprintf(acct.account_number, sizeof(acct.account_number), "%s", in->account);
	snprintf(acct.holder_name, sizeof(acct.holder_name), "%s", in->holder);
	snprintf(acct.birth_date, sizeof(acct.birth_date), "19900101");
	st = wp_bank_sandbox_open(tx, &acct, in->bank_balance, now_ms, outcome);
	if (st == WP_E_CONFLICT) /* the bank account was there already: it is registered */
		st = WP_OK, *outcome = WP_BANK_OK;
	if (st != WP_OK || *outcome != WP_BANK_OK)
		return st;
	struct wp_account wallet;
	st = wp_ledger_create_account(tx, WP_ACCOUNT_PREPAID_WALLET,
				      WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, now_ms, &wallet);
	if (st != WP_OK)
		return st;
	if (in->money > 0) {
		struct wp_bank_party from = {in->bank_code, in->account, 0},
				     to = {NULL, NULL, wallet.id};
		char id[WP_TRANSFER_ID_MAX + 1];
		snprintf(id, sizeof(id), "oneq:charge:%s:%" PRId64, in->account, wallet.id);
		struct wp_transfer moved;
		bool replayed;
		st = app->bank->ops->move(app->bank, tx, id, &from, &to, in->money,
					  WP_TRANSFER_CODE_CHARGE, now_ms, outcome, &moved,
					  &replayed);
		if (st != WP_OK || *outcome != WP_BANK_OK)
			return st;
	}
	char pin[2 * WP_SHA256_BYTES + 1];
	oneq_pin_digest_hex(in->pin, pin);
	json_t *body =
	    json_pack("{s:s, s:s, s:s, s:I}", "bank_acct_num", in->account, "bank_code",
		      in->bank_code, "pin_sha256", pin, "wallet_account_id", (json_int_t)wallet.id);
	struct wp_doc meta = {.kind = ONEQ_KIND_SHOPPER,
			      .id = in->account,
			      .owner = ONEQ_SHOPPER_OWNER,
			      .ref = "",
			      .created_ms = now_ms,
			      .updated_ms = now_ms};
	st = body ? wp_doc_save(tx, &meta, body, true) : WP_E_NOMEM;
	json_decref(body);
	return st;
}

wp_status oneq_seed(struct wp_app *app, void *state, const struct wp_seed *s)
{
	(void)state;
	json_t *m = NULL;
	wp_status st = oneq_merchant_load(NULL, s->tx, ONEQ_SANDBOX_CID, &m);
	json_decref(m);
	if (st == WP_E_NOT_FOUND) {
		char at[20];
		oneq_time(s->now_ms, at);
		json_t *body = json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "cid", ONEQ_SANDBOX_CID,
		    "business_no", ONEQ_SANDBOX_BUSINESS_NO, "opponent_name", "원큐테스트상점",
		    "store_phone", "0212345678", "store_address1", "서울특별시 중구",
		    "store_address2", "을지로 35", "post_no", "04523", "category_cd",
		    ONEQ_SANDBOX_CATEGORY, "created_at", at, "approved_at", at);
		st = body ? oneq_merchant_open(s->tx, ONEQ_SANDBOX_CID, body, s->now_ms)
			  : WP_E_NOMEM;
		json_decref(body);
	}
	if (st != WP_OK)
		return st;
	const struct shopper_in shopper = {ONEQ_SANDBOX_ACCOUNT,      ONEQ_SANDBOX_BANK,
					   ONEQ_SANDBOX_HOLDER,	      ONEQ_SANDBOX_PIN,
					   ONEQ_SANDBOX_BANK_BALANCE, ONEQ_SANDBOX_MONEY};
	int outcome;
	st = shopper_open(app, s->tx, &shopper, s->now_ms, &outcome);
	if (st == WP_E_CONFLICT)
		return WP_OK;
	return st != WP_OK ? st : outcome == WP_BANK_OK ? WP_OK : WP_E_INTERNAL;
}

/* ---- POST /sandbox/oneq/shoppers ---- */

enum { S_ACCOUNT, S_BANK, S_HOLDER, S_PIN, S_BALANCE, S_MONEY };

static const struct wp_field shopper_fields[] = {
    [S_ACCOUNT] = {"bank_acct_num", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 6, 12},
    [S_BANK] = {"bank_code", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 3, 3},
    [S_HOLDER] = {"holder_name", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 40},
    [S_PIN] = {"pin", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 6, 6},
    [S_BALANCE] = {"bank_balance", WP_FIELD_INT, WP_FIELD_REQUIRED, 0, 1000000000000},
    [S_MONEY] = {"money", WP_FIELD_INT, WP_FIELD_REQUIRED, 0, 1000000000000},
};

struct shopper_cmd {
	struct wp_ctl_write cw;
	struct shopper_in in;
	int64_t now_ms;
	int outcome;
};

static wp_status apply_shopper(struct wp_tx *tx, struct wp_cmd *c)
{
	struct shopper_cmd *cmd = (struct shopper_cmd *)c;
	if (cmd->in.money > cmd->in.bank_balance)
		return WP_E_INVALID;
	wp_status st = shopper_open(cmd->cw.c->r->app, tx, &cmd->in, cmd->now_ms, &cmd->outcome);
	if (st == WP_OK && cmd->outcome != WP_BANK_OK)
		return WP_E_UNAVAILABLE; /* undone */
	return st;
}

static void finish_shopper(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct shopper_cmd *cmd = (struct shopper_cmd *)w;
	struct wp_ctl *c = cmd->cw.c;
	wp_status st = w->cmd.status;
	if (st == WP_E_CONFLICT)
		wp_ctl_fail_status(c, st, "a shopper has this bank_acct_num already");
	else if (st == WP_E_INVALID)
		wp_ctl_fail_status(c, st,
				   "money is charged from the bank account: at most bank_balance");
	else if (st != WP_OK && cmd->outcome != WP_BANK_OK)
		wp_ctl_fail(c, 422, wp_bank_outcome_name(cmd->outcome),
			    "the sandbox bank refused: %s", wp_bank_outcome_name(cmd->outcome));
	else if (st != WP_OK)
		wp_ctl_fail_status(c, st, "the shopper could not be committed; retry");
	else
		wp_ctl_ok(c, 201,
			  json_pack("{s:s, s:s, s:I}", "bank_acct_num", cmd->in.account,
				    "bank_code", cmd->in.bank_code, "money",
				    (json_int_t)cmd->in.money));
	wp_ctl_answer(c);
}

void oneq_sandbox_shopper(struct wp_ctl *c)
{
	struct wp_value v[WP_COUNT(shopper_fields)];
	if (!wp_ctl_fields(c, c->body, shopper_fields, WP_COUNT(shopper_fields), v))
		return;
	if (wp_bank_by_code(v[S_BANK].s) == NULL) {
		wp_ctl_fail(c, 400, "invalid", "bank_code %s is not a bank the sandbox knows",
			    v[S_BANK].s);
		return;
	}
	struct shopper_cmd *cmd = wp_ctl_write_new(c, sizeof(*cmd), apply_shopper, finish_shopper);
	if (cmd == NULL)
		return;
	cmd->in = (struct shopper_in){v[S_ACCOUNT].s, v[S_BANK].s,    v[S_HOLDER].s,
				      v[S_PIN].s,     v[S_BALANCE].i, v[S_MONEY].i};
	cmd->now_ms = wp_clock_now_ms(&c->r->app->clock);
	wp_write_submit(&cmd->cw.w);
}

static const struct wp_doc_shape shopper_shape[] = {
    {NULL, shopper_fields, WP_COUNT(shopper_fields)}};
static const struct wp_doc_prop shopper_answer[] = {
    {"bank_acct_num", "string", "the registered account: a ready's bank_acct_num names it"},
    {"bank_code", "string", NULL},
    {"money", "integer", "하나머니 charged from the account"},
};
const struct wp_route_doc oneq_doc_sandbox_shopper = {
    .summary = "Add a OneQ Pay shopper: a bank account at the sandbox bank, a PIN, 하나머니",
    .body = WP_DOC_JSON,
    .shapes = shopper_shape,
    .shape_count = 1,
    .success_status = 201,
    .answer_props = shopper_answer,
    .answer_prop_count = WP_COUNT(shopper_answer),
};
