/*
 * bankaccounts.c — holder verification (bankaccounts/user/valid), the
 * member's registered account (info, inquiry, delete, auto-recharge) and the
 * list of institutions.
 *
 * A registration (document KONA_KIND_BANKACC, id = bankAccRegNo, ref =
 * userId) is made by ars.c; here it is read and changed. Changes are checked
 * and made in the commit writer, so a concurrent delete and auto-recharge
 * cannot undo each other.
 */
#include <stdio.h>
#include <string.h>

#include "core/docs.h"
#include "surface/kona/kona.h"
#include "util/text.h"

enum { F_USER, F_NAME, F_BIRTH, F_BANK, F_ACCOUNT };

static const struct wp_field account_fields[] = {
    [F_USER] = {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    [F_NAME] = {"userName", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 100},
    [F_BIRTH] = {"birthDate", WP_FIELD_BIRTH_DATE, WP_FIELD_REQUIRED | WP_FIELD_SHORT_DATE, 6, 8},
    [F_BANK] = {"bankCode", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 3, 3},
    [F_ACCOUNT] = {"bankAccount", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 20,
		   .code = KONA_ACC_FORMAT},
};

static const struct wp_doc_shape account_shape[] = {
    {NULL, account_fields, WP_COUNT(account_fields), NULL},
};
static const struct wp_doc_prop response_only[] = {
    {"response", "object", "code and description: 000_000, or the bank's refusal"},
};
const struct wp_route_doc kona_doc_user_valid = {
    .summary = "Verify an account's holder against the member (bankaccounts/user/valid)",
    .description = "Checked at the sandbox bank: name, birth date (yyMMdd or yyyyMMdd) and "
		   "account; each bank refusal has its own code (002_0xx).",
    .body = WP_DOC_JSON,
    .shapes = account_shape,
    .shape_count = 1,
    .answer_props = response_only,
    .answer_prop_count = WP_COUNT(response_only),
};
static const struct wp_doc_prop register_answer[] = {
    {"bankAccRegNo", "string", "the registration number (R + yyyyMMddHHmmss + 7 digits)"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_ars_register = {
    .summary = "Register the account after the ARS call (bankaccounts/ars/register)",
    .description = "Needs bankaccounts/ars/auth first; the registration completes when the "
		   "member answers the call with the number (POST "
		   "/sandbox/kona/ars/{regNo}/answer in the sandbox).",
    .body = WP_DOC_JSON,
    .shapes = account_shape,
    .shape_count = 1,
    .answer_props = register_answer,
    .answer_prop_count = WP_COUNT(register_answer),
};
static const struct wp_doc_prop info_answer[] = {
    {"userId", "integer", NULL},
    {"accountInfo", "object", "the registered account (masked)"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_accounts_info = {
    .summary = "The member's registered account (bankaccounts/info)",
    .body = WP_DOC_JSON,
    .shapes = kona_user_id_shape,
    .shape_count = 1,
    .answer_props = info_answer,
    .answer_prop_count = WP_COUNT(info_answer),
};
static const struct wp_doc_prop inquiry_answer[] = {
    {"bankAccForAutoRcg", "object", "the account registered for auto-recharge, or null"},
    {"isAutoRcgAccRegAllowed", "boolean", NULL},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_accounts_inquiry = {
    .summary = "The member's auto-recharge account (bankaccounts/inquiry)",
    .body = WP_DOC_JSON,
    .shapes = kona_user_id_shape,
    .shape_count = 1,
    .answer_props = inquiry_answer,
    .answer_prop_count = WP_COUNT(inquiry_answer),
};
static const struct wp_doc_prop change_answer[] = {
    {"bankAccRegNo", "string", NULL},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_auto_recharge = {
    .summary = "Use the registered account for auto-recharge "
	       "(bankaccounts/as-rcg-svc/ars/register)",
    .body = WP_DOC_JSON,
    .shapes = kona_user_id_shape,
    .shape_count = 1,
    .answer_props = change_answer,
    .answer_prop_count = WP_COUNT(change_answer),
};
const struct wp_route_doc kona_doc_accounts_delete = {
    .summary = "Delete the member's registered account (bankaccounts/delete)",
    .body = WP_DOC_JSON,
    .shapes = kona_user_id_shape,
    .shape_count = 1,
    .answer_props = change_answer,
    .answer_prop_count = WP_COUNT(change_answer),
};
static const struct wp_doc_shape no_fields[] = {{NULL, NULL, 0, NULL}};
static const struct wp_doc_prop banks_answer[] = {
    {"bankList", "array", "bankCode and bankName of each bank that can be registered now"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_banks = {
    .summary = "The banks accounts can be registered at (bankaccounts/banks)",
    .body = WP_DOC_JSON,
    .shapes = no_fields,
    .shape_count = 1,
    .answer_props = banks_answer,
    .answer_prop_count = WP_COUNT(banks_answer),
};

enum kona_code kona_account_input(struct kona_req *k, struct kona_account_input *in)
{
	struct wp_value v[WP_COUNT(account_fields)];
	enum kona_code c = kona_fields(k, account_fields, WP_COUNT(account_fields), v);
	if (c != KONA_OK)
		return c;
	const char *bank = kona_bank_code(v[F_BANK].s); /* the portal's legacy codes too */
	if (wp_bank_by_code(bank) == NULL) {
		k->field = "bankCode";
		return KONA_INVALID;
	}
	*in = (struct kona_account_input){v[F_USER].i, v[F_NAME].s, v[F_BIRTH].s, bank,
					  v[F_ACCOUNT].s};
	/* The member exists here and is the person named. */
	json_t *m;
	c = kona_member(k, in->user_id, &m);
	if (c != KONA_OK)
		return c;
	const char *name = kona_open(k, m, "userName", "kona.userName");
	return name != NULL && strcmp(name, in->name) == 0 ? KONA_OK : KONA_NAME;
}

struct later_answer {
	struct kona_req *k;
	enum kona_code code;
};

static void answer_now(struct wp_req *r, void *ctx)
{
	(void)r;
	struct later_answer *l = ctx;
	kona_answer(l->k, l->code);
}

enum kona_code kona_answer_after(struct kona_req *k, enum kona_code code, uint32_t latency_ms)
{
	struct later_answer *l = wp_arena_alloc(&k->r->arena, sizeof(*l));
	if (l == NULL)
		return code; /* answer now */
	*l = (struct later_answer){k, code};
	/* A full timer answers now, as a quick bank would: nothing is stored either way. */
	return wp_req_later(k->r, latency_ms, answer_now, l) == WP_OK ? KONA_DEFERRED : code;
}

enum kona_code kona_user_valid(struct kona_req *k)
{
	struct kona_account_input in;
	enum kona_code c = kona_account_input(k, &in);
	if (c != KONA_OK)
		return c;
	struct wp_bank_identity who = {in.name, in.birth, NULL};
	struct wp_bank_answer a;
	k->app->bank->ops->verify_holder(k->app->bank, in.bank_code, in.account, &who, &a);
	return kona_answer_after(k, kona_code_of_bank(a.outcome), a.latency_ms);
}

/* ---- registrations ---- */

bool kona_reg_is(json_t *reg, const char *status)
{
	const char *s = json_string_value(json_object_get(reg, "status"));
	return s != NULL && strcmp(s, status) == 0 &&
	       !json_is_true(json_object_get(reg, "deleted"));
}

enum kona_code kona_registrations(struct kona_req *k, int64_t user_id, json_t **list)
{
	char ref[24];
	snprintf(ref, sizeof(ref), "%lld", (long long)user_id);
	json_t *l = NULL;
	wp_status st = wp_doc_list(k->app->store, NULL, KONA_KIND_BANKACC, k->asp_id, ref,
				   WP_KONA_REGISTRATIONS_MAX, &l);
	*list = kona_json(k, l);
	return st == WP_OK && *list != NULL ? KONA_OK : KONA_SYSTEM;
}

/* The member's registered account (borrowed from the request-owned list), or NULL. */
static json_t *registered(json_t *list)
{
	size_t i;
	json_t *reg;
	json_array_foreach(list, i, reg)
	{
		if (kona_reg_is(reg, KONA_REGISTERED))
			return reg;
	}
	return NULL;
}

/*
 * userId, the member, and its registered account: NULL when it has none,
 * which is KONA_NOT_REGISTERED when `needed`, else KONA_OK.
 */
static enum kona_code member_registration(struct kona_req *k, bool needed, int64_t *user_id,
					  json_t **reg)
{
	json_t *list;
	enum kona_code c = kona_member_of_body(k, user_id, NULL);
	if (c == KONA_OK)
		c = kona_registrations(k, *user_id, &list);
	*reg = c == KONA_OK ? registered(list) : NULL;
	return c == KONA_OK && *reg == NULL && needed ? KONA_NOT_REGISTERED : c;
}

static json_t *account_view(struct kona_req *k, json_t *reg)
{
	const char *acct = kona_open(k, reg, "bankAccount", "kona.bankAccount");
	const char *holder = kona_open(k, reg, "holder", "kona.holder");
	char masked[32] = "";
	if (acct != NULL)
		wp_mask(acct, strlen(acct), masked, sizeof(masked));
	const char *code = json_string_value(json_object_get(reg, "bankCode"));
	const struct wp_bank *bank = code ? wp_bank_by_code(code) : NULL;
	json_t *o = json_object();
	json_object_set(o, "accountId", json_object_get(reg, "accountId"));
	json_object_set_new(o, "userName", json_string(holder ? holder : ""));
	json_object_set_new(o, "bankCode", json_string(code ? code : ""));
	json_object_set_new(o, "bankName", json_string(bank ? bank->name : ""));
	json_object_set_new(o, "bankAccount", json_string(masked));
	json_object_set(o, "bankAccRegNo", json_object_get(reg, "_id"));
	json_object_set_new(o, "isAutoRecharge",
			    json_boolean(json_is_true(json_object_get(reg, "autoRecharge"))));
	return o;
}

enum kona_code kona_bankaccounts_info(struct kona_req *k)
{
	int64_t user_id;
	json_t *reg;
	enum kona_code c = member_registration(k, true, &user_id, &reg);
	if (c != KONA_OK)
		return c;
	if ((k->data = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	json_object_set_new(k->data, "userId", json_integer(user_id));
	json_object_set_new(k->data, "accountInfo", account_view(k, reg));
	return KONA_OK;
}

enum kona_code kona_bankaccounts_inquiry(struct kona_req *k)
{
	int64_t user_id;
	json_t *reg;
	enum kona_code c = member_registration(k, false, &user_id, &reg);
	if (c != KONA_OK)
		return c;
	if ((k->data = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	json_object_set_new(k->data, "bankAccForAutoRcg", reg ? account_view(k, reg) : json_null());
	json_object_set_new(
	    k->data, "isAutoRcgAccRegAllowed",
	    json_boolean(reg != NULL && !json_is_true(json_object_get(reg, "autoRecharge"))));
	return KONA_OK;
}

/* ---- changes, checked again in the writer ---- */

enum reg_change { REG_AUTO_RECHARGE, REG_DELETE };

struct change_cmd {
	struct kona_doc_write dw;
	enum reg_change change;
};

static wp_status apply_change(struct wp_tx *tx, struct wp_cmd *c)
{
	struct change_cmd *cmd = (struct change_cmd *)c;
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	json_t *b = NULL;
	wp_status st = wp_doc_load(NULL, tx, cmd->dw.doc.kind, cmd->dw.doc.id, NULL, &a, &b, NULL);
	wp_arena_free(&a);
	if (st != WP_OK)
		return st;
	bool live = kona_reg_is(b, KONA_REGISTERED);
	bool auto_on = json_is_true(json_object_get(b, "autoRecharge"));
	if (!live || (cmd->change == REG_AUTO_RECHARGE && auto_on)) {
		cmd->dw.kw.on_conflict = live ? KONA_AUTO_EXISTS : KONA_NOT_REGISTERED;
		json_decref(b);
		return WP_E_CONFLICT;
	}
	if (cmd->change == REG_AUTO_RECHARGE) {
		json_object_set_new(b, "autoRecharge", json_true());
	} else {
		json_object_set_new(b, "deleted", json_true());
		json_object_set_new(b, "autoRecharge", json_false());
	}
	st = wp_doc_save(tx, &cmd->dw.doc, b, false);
	json_decref(b);
	return st;
}

/* Changes the registration in the writer; answers {bankAccRegNo} or {} once durable. */
static enum kona_code change(struct kona_req *k, json_t *reg, int64_t user_id, enum reg_change what)
{
	const char *id = json_string_value(json_object_get(reg, "_id"));
	const char *ref = wp_arena_printf(&k->r->arena, "%lld", (long long)user_id);
	id = id ? wp_arena_strndup(&k->r->arena, id, strlen(id)) : NULL;
	struct change_cmd *cmd =
	    kona_doc_write_new(k, sizeof(*cmd), apply_change, KONA_KIND_BANKACC, id, ref, NULL);
	if (cmd == NULL)
		return KONA_SYSTEM;
	cmd->change = what;
	cmd->dw.kw.on_not_found = KONA_NOT_REGISTERED;
	if (what == REG_AUTO_RECHARGE)
		json_object_set_new(cmd->dw.kw.reply, "bankAccRegNo", json_string(id));
	wp_write_submit(&cmd->dw.kw.w);
	return KONA_DEFERRED;
}

enum kona_code kona_auto_recharge_register(struct kona_req *k)
{
	int64_t user_id;
	json_t *reg;
	enum kona_code c = member_registration(k, true, &user_id, &reg);
	if (c != KONA_OK)
		return c;
	if (json_is_true(json_object_get(reg, "autoRecharge")))
		return KONA_AUTO_EXISTS;
	return change(k, reg, user_id, REG_AUTO_RECHARGE);
}

enum kona_code kona_bankaccounts_delete(struct kona_req *k)
{
	int64_t user_id;
	json_t *reg;
	enum kona_code c = member_registration(k, true, &user_id, &reg);
	if (c != KONA_OK)
		return c;
	return change(k, reg, user_id, REG_DELETE);
}

/* 금융사 목록 조회: path and fields inferred (docs/decisions.md). */
enum kona_code kona_banks(struct kona_req *k)
{
	struct wp_bank_net *net = k->app->bank;
	json_t *list = json_array();
	for (size_t i = 0; i < wp_bank_count(); i++) {
		const struct wp_bank *b = wp_bank_at(i);
		struct wp_bank_answer a;
		net->ops->status(net, b->code, &a);
		if (a.outcome == WP_BANK_NOT_PARTICIPATING)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "bankCode", json_string(b->code));
		json_object_set_new(o, "bankName", json_string(b->name));
		json_object_set_new(o, "isAvailable", json_boolean(a.outcome == WP_BANK_OK));
		json_array_append_new(list, o);
	}
	if ((k->data = kona_json(k, json_object())) == NULL) {
		json_decref(list);
		return KONA_SYSTEM;
	}
	json_object_set_new(k->data, "bankList", list);
	return KONA_OK;
}
