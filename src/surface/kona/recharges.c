/*
 * recharges.c — charging a card from the member's registered bank account
 * (recharges/by-bank-accounts/no-hce) and the result inquiry
 * (recharges/by-bank-account/result/inquiry, singular as documented).
 *
 * Everything is decided in the commit writer: the one-time token (live,
 * unused, its dcvv, the member's active card), the registered account, the
 * card's limit, then the money moves through the sandbox bank from the
 * account into the card's ledger account. A charge is a document (kind
 * "kona.charge", id "<AspId>:<sequenceId>"): the same sequenceId with the
 * same fields answers the first answer again; with other fields, 000_002.
 * A charge the bank refuses is kept as FAILED (007_004), so the inquiry says so.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bank.h"
#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/kona/kona.h"
#include "util/date.h"

#define KIND_CHARGE "kona.charge"

enum { C_SEQ, C_USER, C_AMOUNT, C_TOKEN, C_DCVV, C_MERCHANT };

static const struct wp_field charge_fields[] = {
    [C_SEQ] = {"sequenceId", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 30},
    [C_USER] = {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    /* at most 9,999,999,999; zero or below is the documented 007_007 */
    [C_AMOUNT] = {"amount", WP_FIELD_INT, WP_FIELD_REQUIRED, -9999999999LL, 9999999999LL},
    [C_TOKEN] = {"oneTimeToken", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 16, 16},
    [C_DCVV] = {"dcvv", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 3, 3},
    [C_MERCHANT] = {"merchantId", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 20},
};

struct charge_write {
	struct kona_write kw;
	char id[KONA_ASP_ID_LEN + 40];
	char user[24];
	const char *token, *merchant;
	char dcvv_hash[2 * WP_SHA256_BYTES + 1];
	char nr[24];
	int64_t user_id, amount, now_ms;
};

static const char *str_of(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static int64_t int_of(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The member's registered account: its bank code and (opened) number; false when none. */
static bool registered_account(struct charge_write *c, struct wp_tx *tx, char *bank, size_t bcap,
			       char *number, size_t ncap, wp_status *st)
{
	struct kona_req *k = c->kw.k;
	json_t *list = NULL;
	*st = wp_doc_list(NULL, tx, KONA_KIND_BANKACC, k->asp_id, c->user,
			  WP_KONA_REGISTRATIONS_MAX, &list);
	bool found = false;
	size_t i;
	json_t *reg;
	json_array_foreach(list, i, reg)
	{
		if (found || !kona_reg_is(reg, KONA_REGISTERED))
			continue;
		size_t n = 0;
		char *plain =
		    wp_open(k->app->data_key, "kona.bankAccount", str_of(reg, "bankAccount"), &n);
		if (plain != NULL && n < ncap) {
			memcpy(number, plain, n);
			number[n] = '\0';
			snprintf(bank, bcap, "%s", str_of(reg, "bankCode"));
			found = true;
		}
		free(plain);
	}
	json_decref(list);
	return found;
}

static wp_status save_charge(struct charge_write *c, struct wp_tx *tx, const char *result,
			     enum kona_code code)
{
	json_t *body = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "userId",
				 (json_int_t)c->user_id, "amount", (json_int_t)c->amount,
				 "oneTimeToken", c->token, "merchantId", c->merchant, "nrNumber",
				 c->nr, "result", result, "code", kona_codes[code].code);
	struct wp_doc d = {.kind = KIND_CHARGE,
			   .id = c->id,
			   .owner = c->kw.k->asp_id,
			   .ref = c->user,
			   .created_ms = c->now_ms,
			   .updated_ms = c->now_ms};
	wp_status st = body ? wp_doc_save(tx, &d, body, true) : WP_E_NOMEM;
	json_decref(body);
	c->kw.code = code;
	if (st == WP_OK && code == KONA_OK) {
		json_object_set_new(c->kw.reply, "nrNumber", json_string(c->nr));
		json_object_set_new(c->kw.reply, "isPending", json_false());
	}
	return st;
}

#define KIND_PENDING "kona.pending"
#define PENDING_OWNER "kona"
#define PENDING_REF "due"
#define PENDING_PAGE 200
#define PENDING_DEADLINE_MS (24LL * 3600 * 1000) /* then FAILED: rechecked "through the day" */

/*
 * A charge the bank did not answer in time: PENDING, with what finishing it
 * needs (the account sealed), and a marker housekeeping lists.
 */
static wp_status save_pending(struct charge_write *c, struct wp_tx *tx, json_t *card,
			      const char *bank, const char *number, int64_t answer_at)
{
	struct kona_req *k = c->kw.k;
	char *sealed = wp_seal(k->app->data_key, "kona.bankAccount", number, strlen(number));
	json_t *body =
	    sealed ? json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
			       "userId", (json_int_t)c->user_id, "amount", (json_int_t)c->amount,
			       "oneTimeToken", c->token, "merchantId", c->merchant, "nrNumber",
			       c->nr, "result", "PENDING", "code", kona_codes[KONA_OK].code,
			       "bankCode", bank, "bankAccount", sealed, "par", str_of(card, "par"),
			       "answerAt", (json_int_t)answer_at, "deadline",
			       (json_int_t)(c->now_ms + PENDING_DEADLINE_MS))
		   : NULL;
	free(sealed);
	if (body == NULL)
		return WP_E_NOMEM;
	json_object_set_new(body, "aspId", json_string(k->asp_id));
	struct wp_doc d = {.kind = KIND_CHARGE,
			   .id = c->id,
			   .owner = k->asp_id,
			   .ref = c->user,
			   .created_ms = c->now_ms,
			   .updated_ms = c->now_ms};
	wp_status st = wp_doc_save(tx, &d, body, true);
	json_decref(body);
	json_t *mark = json_object();
	struct wp_doc md = {.kind = KIND_PENDING,
			    .id = c->id,
			    .owner = PENDING_OWNER,
			    .ref = PENDING_REF,
			    .created_ms = c->now_ms,
			    .updated_ms = c->now_ms};
	if (st == WP_OK)
		st = mark ? wp_doc_save(tx, &md, mark, true) : WP_E_NOMEM;
	json_decref(mark);
	if (st == WP_OK) {
		json_object_set_new(c->kw.reply, "nrNumber", json_string(c->nr));
		json_object_set_new(c->kw.reply, "isPending", json_true());
	}
	return st;
}

/* Kona's account for refunds on their way to a bank account (made on first use). */
static wp_status refund_account(struct wp_tx *tx, int64_t now_ms, int64_t *id)
{
	return wp_named_account(tx, "kona.holding", "refunds", "kona", WP_ACCOUNT_PAYOUT_FLOAT,
				now_ms, id);
}

/*
 * A cancelled charge's refund, due the next day: from the refund account to
 * the registered account when the bank takes it; a day past due without
 * that, it goes back to the card (FAILED).
 */
static wp_status finish_refund(struct wp_app *app, struct wp_tx *tx, const char *id, json_t *ch,
			       int outcome, int64_t now, bool *done)
{
	*done = false;
	int64_t holding = 0;
	wp_status st = refund_account(tx, now, &holding);
	if (st != WP_OK)
		return st;
	const char *asp = str_of(ch, "aspId");
	bool refunded = false;
	if (outcome == WP_BANK_OK) {
		size_t n = 0;
		char *number =
		    wp_open(app->data_key, "kona.bankAccount", str_of(ch, "bankAccount"), &n);
		if (number == NULL)
			return WP_E_INTERNAL;
		struct wp_bank_party from = {NULL, NULL, holding},
				     to = {str_of(ch, "bankCode"), number, 0};
		char tid[WP_TRANSFER_ID_MAX + 1];
		uint8_t d[WP_SHA256_BYTES];
		char hex[2 * WP_SHA256_BYTES + 1];
		wp_sha256(id, strlen(id), d);
		wp_hex(d, 16, hex);
		snprintf(tid, sizeof(tid), "kona:refund:%.32s", hex);
		struct wp_transfer moved;
		bool replayed;
		st =
		    app->bank->ops->move(app->bank, tx, tid, &from, &to, int_of(ch, "amount"),
					 WP_TRANSFER_CODE_CHARGE, now, &outcome, &moved, &replayed);
		free(number);
		if (st != WP_OK)
			return st;
		refunded = outcome == WP_BANK_OK;
	}
	if (!refunded && now < int_of(ch, "deadline"))
		return WP_OK; /* the bank does not take it yet: again at the next run */
	if (!refunded) {      /* back onto the card */
		struct wp_transfer t = {.debit_account_id = holding,
					.credit_account_id = int_of(ch, "cardAccount"),
					.amount = int_of(ch, "amount"),
					.code = WP_TRANSFER_CODE_CHARGE},
				   back;
		snprintf(t.id, sizeof(t.id), "kona:unrefund:%s", str_of(ch, "nrNumber"));
		bool replayed;
		st = wp_ledger_transfer(tx, &t, now, &back, &replayed);
		if (st != WP_OK)
			return st;
	}
	json_object_set_new(ch, "result", json_string(refunded ? "COMPLETED" : "FAILED"));
	json_object_del(ch, "bankAccount");
	char user[24];
	snprintf(user, sizeof(user), "%" PRId64, int_of(ch, "userId"));
	struct wp_doc d = {
	    .kind = KIND_CHARGE, .id = id, .owner = asp, .ref = user, .updated_ms = now};
	st = wp_doc_save(tx, &d, ch, false);
	*done = st == WP_OK;
	return st;
}

/* One pending charge: finished (COMPLETED or FAILED) when the bank answers, or kept. */
static wp_status finish_pending(struct wp_app *app, struct wp_tx *tx, const char *id, int64_t now)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *ch = NULL, *card = NULL;
	wp_status st = wp_doc_load(NULL, tx, KIND_CHARGE, id, NULL, &a, &ch, NULL);
	bool done =
	    st == WP_E_NOT_FOUND || (st == WP_OK && strcmp(str_of(ch, "result"), "PENDING") != 0);
	if (st == WP_E_NOT_FOUND)
		st = WP_OK;
	if (st != WP_OK || done || int_of(ch, "answerAt") > now)
		goto out;
	const char *asp = str_of(ch, "aspId"), *bank = str_of(ch, "bankCode");
	struct wp_bank_answer reach;
	app->bank->ops->reach(app->bank, bank, &reach);
	bool late_answer = int_of(ch, "answerAt") != 0; /* a slow bank answers in the end */
	int outcome = late_answer && reach.outcome == WP_BANK_TIMEOUT ? WP_BANK_OK : reach.outcome;
	if ((outcome == WP_BANK_UNREACHABLE || outcome == WP_BANK_TIMEOUT) &&
	    now < int_of(ch, "deadline"))
		goto out; /* still no answer: again at the next run */
	bool cancel = strcmp(str_of(ch, "type"), "cancel") == 0;
	if (cancel) { /* the refund of a cancelled charge reaches the bank account */
		st = finish_refund(app, tx, id, ch, outcome, now, &done);
		goto out;
	}
	if (outcome == WP_BANK_OK) {
		st = wp_doc_load(NULL, tx, KONA_KIND_CARD, str_of(ch, "par"), asp, &a, &card, NULL);
		size_t n = 0;
		char *number = st == WP_OK ? wp_open(app->data_key, "kona.bankAccount",
						     str_of(ch, "bankAccount"), &n)
					   : NULL;
		if (st == WP_OK && number == NULL)
			st = WP_E_INTERNAL;
		if (st == WP_OK) {
			struct wp_bank_party from = {bank, number, 0},
					     to = {NULL, NULL, int_of(card, "ledger_account_id")};
			uint8_t d[WP_SHA256_BYTES];
			char hex[2 * WP_SHA256_BYTES + 1], tid[WP_TRANSFER_ID_MAX + 1];
			wp_sha256(id, strlen(id), d);
			wp_hex(d, 16, hex);
			snprintf(tid, sizeof(tid), "kona:charge:%.32s", hex);
			struct wp_transfer moved;
			bool replayed;
			st = app->bank->ops->move(app->bank, tx, tid, &from, &to,
						  int_of(ch, "amount"), WP_TRANSFER_CODE_CHARGE,
						  now, &outcome, &moved, &replayed);
		}
		free(number);
		if (st != WP_OK)
			goto out;
	}
	bool ok = outcome == WP_BANK_OK;
	json_object_set_new(ch, "result", json_string(ok ? "COMPLETED" : "FAILED"));
	json_object_set_new(ch, "code", json_string(kona_codes[ok ? KONA_OK : KONA_WITHDRAW].code));
	json_object_del(ch, "bankAccount");
	char user[24];
	snprintf(user, sizeof(user), "%" PRId64, int_of(ch, "userId"));
	struct wp_doc d = {
	    .kind = KIND_CHARGE, .id = id, .owner = asp, .ref = user, .updated_ms = now};
	st = wp_doc_save(tx, &d, ch, false);
	if (st == WP_OK && ok)
		st = kona_card_log(asp, tx, card, "01", int_of(ch, "amount"),
				   str_of(ch, "merchantId"), str_of(ch, "nrNumber"), now);
	done = st == WP_OK;
out:
	if (st == WP_OK && done) {
		st = tx->ops->doc_delete(tx, KIND_PENDING, id);
		if (st == WP_E_NOT_FOUND)
			st = WP_OK;
	}
	json_decref(ch);
	json_decref(card);
	wp_arena_free(&a);
	return st;
}

wp_status kona_housekeeping(struct wp_app *app, void *state, struct wp_tx *tx, int64_t now_ms)
{
	(void)state;
	json_t *list = NULL;
	wp_status st =
	    wp_doc_list(NULL, tx, KIND_PENDING, PENDING_OWNER, PENDING_REF, PENDING_PAGE, &list);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		if (st != WP_OK)
			break;
		st = finish_pending(app, tx, str_of(e, "_id"), now_ms);
	}
	json_decref(list);
	return st;
}

static wp_status apply_charge(struct wp_tx *tx, struct wp_cmd *cmd)
{
	struct charge_write *c = (struct charge_write *)cmd;
	struct kona_req *k = c->kw.k;
	c->now_ms = wp_clock_now_ms(&k->app->clock); /* the writer's: tokens expire */
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *seen = NULL, *member = NULL, *ott = NULL, *card = NULL;
	wp_status st = wp_doc_load(NULL, tx, KIND_CHARGE, c->id, k->asp_id, &a, &seen, NULL);
	if (st == WP_OK) { /* the same sequenceId again */
		if (int_of(seen, "userId") == c->user_id && int_of(seen, "amount") == c->amount &&
		    strcmp(str_of(seen, "oneTimeToken"), c->token) == 0) {
			snprintf(c->nr, sizeof(c->nr), "%s", str_of(seen, "nrNumber"));
			bool done = strcmp(str_of(seen, "result"), "FAILED") != 0;
			c->kw.code = done ? KONA_OK : KONA_WITHDRAW;
			if (done) {
				json_object_set_new(c->kw.reply, "nrNumber", json_string(c->nr));
				json_object_set_new(
				    c->kw.reply, "isPending",
				    json_boolean(strcmp(str_of(seen, "result"), "PENDING") == 0));
			}
		} else {
			c->kw.code = KONA_BAD_SEQ;
		}
		goto out;
	}
	if (st != WP_E_NOT_FOUND)
		goto out;
	st = wp_doc_load(NULL, tx, KONA_KIND_MEMBER, c->user, k->asp_id, &a, &member, NULL);
	if (st == WP_E_NOT_FOUND) {
		c->kw.code = KONA_BAD_USER;
		st = WP_OK;
		goto out;
	}
	if (st != WP_OK)
		goto out;
	if (c->amount <= 0) {
		c->kw.code = KONA_AMOUNT_ZERO;
		goto out;
	}
	st = wp_doc_load(NULL, tx, KONA_KIND_OTT, c->token, k->asp_id, &a, &ott, NULL);
	if (st == WP_OK)
		st = wp_doc_load(NULL, tx, KONA_KIND_CARD, str_of(ott, "par"), k->asp_id, &a, &card,
				 NULL);
	if (st == WP_E_NOT_FOUND || (st == WP_OK && (json_is_true(json_object_get(ott, "used")) ||
						     int_of(ott, "expires_ms") < c->now_ms ||
						     int_of(card, "userId") != c->user_id))) {
		c->kw.code = KONA_BAD_OTT; /* unknown, used, expired, or not this member's card */
		st = WP_OK;
		goto out;
	}
	if (st != WP_OK)
		goto out;
	if (strcmp(str_of(ott, "dcvv"), c->dcvv_hash) != 0) {
		c->kw.code = KONA_BAD_DCVV;
		goto out;
	}
	if (strcmp(str_of(card, "status"), "ACTIVE") != 0) {
		c->kw.code = KONA_CARD_STATUS;
		goto out;
	}
	/* The token is spent by this charge, whatever the bank answers. */
	json_object_set_new(ott, "used", json_true());
	struct wp_doc od = {.kind = KONA_KIND_OTT,
			    .id = c->token,
			    .owner = k->asp_id,
			    .ref = str_of(ott, "par"),
			    .updated_ms = c->now_ms};
	st = wp_doc_save(tx, &od, ott, false);
	if (st != WP_OK)
		goto out;
	char bank[8], number[40];
	if (!registered_account(c, tx, bank, sizeof(bank), number, sizeof(number), &st)) {
		if (st == WP_OK)
			c->kw.code = KONA_NOT_REGISTERED;
		goto out;
	}
	if (c->amount > int_of(json_object_get(card, "limits"), "once")) {
		c->kw.code = KONA_LIMIT;
		goto out;
	}
	struct wp_bank_answer reach;
	k->app->bank->ops->reach(k->app->bank, bank, &reach);
	int outcome = reach.outcome;
	if (outcome == WP_BANK_UNREACHABLE || outcome == WP_BANK_TIMEOUT) {
		/* no answer in time: isPending, finished later by housekeeping */
		st = save_pending(c, tx, card, bank, number,
				  outcome == WP_BANK_TIMEOUT ? c->now_ms + reach.latency_ms : 0);
		goto out;
	}
	if (outcome == WP_BANK_OK) {
		struct wp_bank_party from = {bank, number, 0},
				     to = {NULL, NULL, int_of(card, "ledger_account_id")};
		/* the ledger's id: the charge's own, hashed to fit (AspId + sequenceId) */
		uint8_t d[WP_SHA256_BYTES];
		char hex[2 * WP_SHA256_BYTES + 1], tid[WP_TRANSFER_ID_MAX + 1];
		wp_sha256(c->id, strlen(c->id), d);
		wp_hex(d, 16, hex);
		snprintf(tid, sizeof(tid), "kona:charge:%.32s", hex);
		struct wp_transfer moved;
		bool replayed;
		st = k->app->bank->ops->move(k->app->bank, tx, tid, &from, &to, c->amount,
					     WP_TRANSFER_CODE_CHARGE, c->now_ms, &outcome, &moved,
					     &replayed);
		if (st != WP_OK)
			goto out;
	}
	st = save_charge(c, tx, outcome == WP_BANK_OK ? "COMPLETED" : "FAILED",
			 outcome == WP_BANK_OK ? KONA_OK : KONA_WITHDRAW);
	if (st == WP_OK && outcome == WP_BANK_OK)
		st = kona_card_log(k->asp_id, tx, card, "01", c->amount, c->merchant, c->nr,
				   c->now_ms);
out:
	json_decref(seen);
	json_decref(member);
	json_decref(ott);
	json_decref(card);
	wp_arena_free(&a);
	return st;
}

enum kona_code kona_recharge(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(charge_fields)];
	enum kona_code code = kona_fields(k, charge_fields, WP_COUNT(charge_fields), v);
	if (code != KONA_OK)
		return code;
	struct charge_write *c = kona_write_new(k, sizeof(*c), apply_charge);
	if (c == NULL || (c->kw.reply = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	snprintf(c->id, sizeof(c->id), "%s:%s", k->asp_id, v[C_SEQ].s);
	snprintf(c->user, sizeof(c->user), "%" PRId64, v[C_USER].i);
	c->user_id = v[C_USER].i;
	c->amount = v[C_AMOUNT].i;
	c->token = v[C_TOKEN].s;
	c->merchant = v[C_MERCHANT].s;
	wp_lookup_hash(k->app->data_key, "kona.dcvv", v[C_DCVV].s, c->dcvv_hash);
	/* "KMN" and 15 digits, the shape of the platform's transaction numbers */
	memcpy(c->nr, "KMN", 3);
	if (wp_random_from("0123456789", c->nr + 3, 15) != WP_OK)
		return KONA_SYSTEM;
	wp_write_submit(&c->kw.w);
	return KONA_DEFERRED;
}

/* ---- recharges/by-bank-account/result/inquiry ---- */

static const struct wp_field result_fields[] = {
    {"sequenceId", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 30},
};

enum kona_code kona_recharge_result(struct kona_req *k)
{
	struct wp_value v[1];
	enum kona_code code = kona_fields(k, result_fields, 1, v);
	if (code != KONA_OK)
		return code;
	char id[KONA_ASP_ID_LEN + 40];
	snprintf(id, sizeof(id), "%s:%s", k->asp_id, v[0].s);
	json_t *charge = NULL;
	wp_status st = wp_doc_load(k->app->store, NULL, KIND_CHARGE, id, k->asp_id, &k->r->arena,
				   &charge, NULL);
	if (st == WP_E_NOT_FOUND)
		return KONA_BAD_SEQ;
	if (st != WP_OK || kona_json(k, charge) == NULL ||
	    (k->data = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	json_object_set_new(k->data, "result", json_string(str_of(charge, "result")));
	return KONA_OK;
}

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_shape charge_shape[] = {
    {NULL, charge_fields, WP_COUNT(charge_fields), NULL}};
static const struct wp_doc_prop charge_answer[] = {
    {"nrNumber", "string", "the charge's transaction number (KMN + 15 digits)"},
    {"isPending", "boolean", "false: the bank answered"},
    {"response", "object",
     "000_000; 000_002 (userId, oneTimeToken, dcvv, sequenceId), 003_001, 007_001, 007_003, "
     "007_004, 007_007"},
};
const struct wp_route_doc kona_doc_recharge = {
    .summary = "Charge the card from the registered bank account "
	       "(recharges/by-bank-accounts/no-hce)",
    .description = "The one-time token's card, through the sandbox bank (its hours, "
		   "maintenance, faults, the account's state and balance apply). The same "
		   "sequenceId with the same fields answers the first answer again.",
    .body = WP_DOC_JSON,
    .shapes = charge_shape,
    .shape_count = 1,
    .answer_props = charge_answer,
    .answer_prop_count = WP_COUNT(charge_answer),
};
static const struct wp_doc_shape result_shape[] = {{NULL, result_fields, 1, NULL}};
static const struct wp_doc_prop result_answer[] = {
    {"result", "string", "COMPLETED, FAILED or PENDING"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_recharge_result = {
    .summary = "A charge's result by its sequenceId (recharges/by-bank-account/result/inquiry)",
    .body = WP_DOC_JSON,
    .shapes = result_shape,
    .shape_count = 1,
    .answer_props = result_answer,
    .answer_prop_count = WP_COUNT(result_answer),
};

/* ---- payment/no-hce and payment/cancel/no-hce: the card pays a merchant ---- */

#define KIND_PAYMENT "kona.payment"
#define KIND_MERCHANT "kona.merchant"

enum { P_TOKEN, P_DCVV, P_AMOUNT, P_MERCHANT, P_CHANNEL, P_TRANSACTION };

static const struct wp_field pay_fields[] = {
    [P_TOKEN] = {"oneTimeToken", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 16, 16},
    [P_DCVV] = {"dcvv", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 3, 3},
    [P_AMOUNT] = {"amount", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, 9999999999LL},
    [P_MERCHANT] = {"merchantId", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 20},
    [P_CHANNEL] = {"channel", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 1, 20},
    [P_TRANSACTION] = {"transactionId", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 1, 50},
};

struct pay_write {
	struct kona_write kw;
	const char *token, *merchant, *nr_in;
	char dcvv_hash[2 * WP_SHA256_BYTES + 1];
	char nr[24];
	char card_uniq[96];
	int64_t amount, now_ms;
	bool cancel;
};

/* The merchant's ledger account (made on its first payment). */
static wp_status merchant_account(struct wp_tx *tx, const char *merchant, int64_t now_ms,
				  int64_t *id)
{
	return wp_named_account(tx, KIND_MERCHANT, merchant, "kona", WP_ACCOUNT_MERCHANT, now_ms,
				id);
}

/* The day (yyyyMMdd) and month (yyyyMM) of now, KST: the limits' periods. */
static void periods(int64_t now_ms, char day[9], char month[7])
{
	char stamp[24];
	wp_format_stamp(now_ms, WP_KST_OFFSET_MIN, false, false, stamp, sizeof(stamp));
	memcpy(day, stamp, 8);
	day[8] = '\0';
	memcpy(month, stamp, 6);
	month[6] = '\0';
}

/* What the card spent in the period `key` ("day" or "month") whose name is `now`. */
static int64_t spent(json_t *card, const char *key, const char *now)
{
	json_t *p = json_object_get(card, key);
	return strcmp(str_of(p, "period"), now) == 0 ? int_of(p, "amount") : 0;
}

static wp_status apply_pay(struct wp_tx *tx, struct wp_cmd *cmd)
{
	struct pay_write *w = (struct pay_write *)cmd;
	struct kona_req *k = w->kw.k;
	w->now_ms = wp_clock_now_ms(&k->app->clock);
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *ott = NULL, *card = NULL;
	wp_status st = wp_doc_load(NULL, tx, KONA_KIND_OTT, w->token, k->asp_id, &a, &ott, NULL);
	if (st == WP_OK)
		st = wp_doc_load(NULL, tx, KONA_KIND_CARD, str_of(ott, "par"), k->asp_id, &a, &card,
				 NULL);
	if (st == WP_E_NOT_FOUND || (st == WP_OK && (json_is_true(json_object_get(ott, "used")) ||
						     int_of(ott, "expires_ms") < w->now_ms))) {
		w->kw.code = KONA_BAD_OTT;
		st = WP_OK;
		goto out;
	}
	if (st != WP_OK)
		goto out;
	if (strcmp(str_of(ott, "dcvv"), w->dcvv_hash) != 0) {
		w->kw.code = KONA_BAD_DCVV;
		goto out;
	}
	if (strcmp(str_of(card, "status"), "ACTIVE") != 0) {
		w->kw.code = KONA_CARD_STATUS;
		goto out;
	}
	json_object_set_new(ott, "used", json_true());
	struct wp_doc od = {.kind = KONA_KIND_OTT,
			    .id = w->token,
			    .owner = k->asp_id,
			    .ref = str_of(ott, "par"),
			    .updated_ms = w->now_ms};
	st = wp_doc_save(tx, &od, ott, false);
	if (st != WP_OK)
		goto out;
	char day[9], month[7];
	periods(w->now_ms, day, month);
	json_t *limits = json_object_get(card, "limits");
	int64_t d = spent(card, "spentDay", day), m = spent(card, "spentMonth", month);
	if (w->amount > int_of(limits, "once") || w->amount > int_of(limits, "day") - d ||
	    w->amount > int_of(limits, "month") - m) {
		w->kw.code = KONA_LIMIT;
		goto out;
	}
	int64_t merchant = 0;
	st = merchant_account(tx, w->merchant, w->now_ms, &merchant);
	struct wp_transfer t = {.debit_account_id = int_of(card, "ledger_account_id"),
				.credit_account_id = merchant,
				.amount = w->amount,
				.code = WP_TRANSFER_CODE_PAYMENT},
			   out;
	snprintf(t.id, sizeof(t.id), "kona:pay:%s", w->nr);
	bool replayed;
	if (st == WP_OK)
		st = wp_ledger_transfer(tx, &t, w->now_ms, &out, &replayed);
	if (st != WP_OK)
		goto out;
	if (out.result == WP_TR_EXCEEDS_CREDITS) {
		w->kw.code = KONA_BALANCE;
		goto out;
	}
	if (out.result != WP_TR_OK) {
		st = WP_E_INTERNAL;
		goto out;
	}
	json_object_set_new(
	    card, "spentDay",
	    json_pack("{s:s, s:I}", "period", day, "amount", (json_int_t)(d + w->amount)));
	json_object_set_new(
	    card, "spentMonth",
	    json_pack("{s:s, s:I}", "period", month, "amount", (json_int_t)(m + w->amount)));
	char user[24];
	snprintf(user, sizeof(user), "%" PRId64, int_of(card, "userId"));
	struct wp_doc cd = {.kind = KONA_KIND_CARD,
			    .id = str_of(card, "par"),
			    .owner = k->asp_id,
			    .ref = user,
			    .uniq = str_of(card, "uniq"),
			    .updated_ms = w->now_ms};
	st = wp_doc_save(tx, &cd, card, false);
	json_t *p =
	    json_pack("{s:s, s:s, s:I, s:I, s:s, s:I}", "par", str_of(card, "par"), "merchantId",
		      w->merchant, "amount", (json_int_t)w->amount, "canceled", (json_int_t)0,
		      "cardUniq", str_of(card, "uniq"), "ledger_merchant", (json_int_t)merchant);
	char id[KONA_ASP_ID_LEN + 32];
	snprintf(id, sizeof(id), "%s:%s", k->asp_id, w->nr);
	struct wp_doc pd = {.kind = KIND_PAYMENT,
			    .id = id,
			    .owner = k->asp_id,
			    .ref = str_of(card, "par"),
			    .created_ms = w->now_ms,
			    .updated_ms = w->now_ms};
	if (st == WP_OK)
		st = p ? wp_doc_save(tx, &pd, p, true) : WP_E_NOMEM;
	json_decref(p);
	if (st == WP_OK)
		st = kona_card_log(k->asp_id, tx, card, "00", w->amount, w->merchant, w->nr,
				   w->now_ms);
	if (st == WP_OK)
		json_object_set_new(w->kw.reply, "nrNumber", json_string(w->nr));
out:
	json_decref(ott);
	json_decref(card);
	wp_arena_free(&a);
	return st;
}

enum kona_code kona_payment(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(pay_fields)];
	enum kona_code code = kona_fields(k, pay_fields, WP_COUNT(pay_fields), v);
	if (code != KONA_OK)
		return code;
	struct pay_write *w = kona_write_new(k, sizeof(*w), apply_pay);
	if (w == NULL || (w->kw.reply = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	w->token = v[P_TOKEN].s;
	w->merchant = v[P_MERCHANT].s;
	w->amount = v[P_AMOUNT].i;
	wp_lookup_hash(k->app->data_key, "kona.dcvv", v[P_DCVV].s, w->dcvv_hash);
	memcpy(w->nr, "KMP", 3);
	if (wp_random_from("0123456789", w->nr + 3, 15) != WP_OK)
		return KONA_SYSTEM;
	wp_write_submit(&w->kw.w);
	return KONA_DEFERRED;
}

static const struct wp_doc_shape pay_shape[] = {{NULL, pay_fields, WP_COUNT(pay_fields), NULL}};
static const struct wp_doc_prop pay_answer[] = {
    {"nrNumber", "string", "the payment's transaction number (KMP + 15 digits)"},
    {"response", "object",
     "000_000; 000_002 (oneTimeToken, dcvv), 003_001 suspended card, 007_003 a limit "
     "(once, day, month), 003_002 not enough on the card"},
};
const struct wp_route_doc kona_doc_payment = {
    .summary = "Pay a merchant with the card's one-time token (payment/no-hce)",
    .body = WP_DOC_JSON,
    .shapes = pay_shape,
    .shape_count = 1,
    .answer_props = pay_answer,
    .answer_prop_count = WP_COUNT(pay_answer),
};

/* ---- payment/cancel/no-hce: a refund to the card, in part or in full ---- */

enum { X_CARD, X_AMOUNT, X_NR, X_MERCHANT, X_CHANNEL };

static const struct wp_field cancel_fields[] = {
    [X_CARD] = {"cardNo", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 16, 16},
    [X_AMOUNT] = {"amount", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, 9999999999LL},
    [X_NR] = {"nrNumber", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 50},
    [X_MERCHANT] = {"merchantId", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 20},
    [X_CHANNEL] = {"channel", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 1, 20},
};

static wp_status apply_cancel(struct wp_tx *tx, struct wp_cmd *cmd)
{
	struct pay_write *w = (struct pay_write *)cmd;
	struct kona_req *k = w->kw.k;
	w->now_ms = wp_clock_now_ms(&k->app->clock);
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *p = NULL, *card = NULL;
	char id[KONA_ASP_ID_LEN + 64];
	snprintf(id, sizeof(id), "%s:%s", k->asp_id, w->nr_in);
	wp_status st = wp_doc_load(NULL, tx, KIND_PAYMENT, id, k->asp_id, &a, &p, NULL);
	if (st == WP_OK)
		st = wp_doc_load_uniq(NULL, tx, KONA_KIND_CARD, w->card_uniq, &card);
	if (st == WP_E_NOT_FOUND ||
	    (st == WP_OK && (strcmp(str_of(card, "par"), str_of(p, "par")) != 0 ||
			     strcmp(str_of(p, "merchantId"), w->merchant) != 0))) {
		w->kw.code = KONA_NO_PAYMENT; /* not this card's payment at this merchant */
		st = WP_OK;
		goto out;
	}
	if (st != WP_OK)
		goto out;
	int64_t left = int_of(p, "amount") - int_of(p, "canceled");
	if (w->amount > left) {
		w->kw.code = KONA_CANCEL_DENIED;
		goto out;
	}
	size_t n = (size_t)int_of(p, "cancels");
	struct wp_transfer t = {.debit_account_id = int_of(p, "ledger_merchant"),
				.credit_account_id = int_of(card, "ledger_account_id"),
				.amount = w->amount,
				.code = WP_TRANSFER_CODE_PAYMENT},
			   out;
	snprintf(t.id, sizeof(t.id), "kona:refund:%s:%zu", w->nr_in, n);
	bool replayed;
	st = wp_ledger_transfer(tx, &t, w->now_ms, &out, &replayed);
	if (st == WP_OK && out.result != WP_TR_OK)
		st = WP_E_INTERNAL; /* the merchant's account holds what it was paid */
	if (st != WP_OK)
		goto out;
	json_object_set_new(p, "canceled", json_integer(int_of(p, "canceled") + w->amount));
	json_object_set_new(p, "cancels", json_integer((json_int_t)n + 1));
	struct wp_doc pd = {.kind = KIND_PAYMENT,
			    .id = id,
			    .owner = k->asp_id,
			    .ref = str_of(p, "par"),
			    .updated_ms = w->now_ms};
	st = wp_doc_save(tx, &pd, p, false);
	if (st == WP_OK)
		st = kona_card_log(k->asp_id, tx, card, "02", w->amount, w->merchant, w->nr,
				   w->now_ms);
	if (st == WP_OK) {
		json_object_set_new(w->kw.reply, "nrNumber", json_string(w->nr));
		json_object_set_new(w->kw.reply, "cancelAmount", json_integer(w->amount));
		json_object_set_new(w->kw.reply, "remainAmount", json_integer(left - w->amount));
	}
out:
	json_decref(p);
	json_decref(card);
	wp_arena_free(&a);
	return st;
}

enum kona_code kona_payment_cancel(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(cancel_fields)];
	enum kona_code code = kona_fields(k, cancel_fields, WP_COUNT(cancel_fields), v);
	if (code != KONA_OK)
		return code;
	if (!kona_luhn_valid(v[X_CARD].s, v[X_CARD].len))
		return KONA_BAD_CARD;
	struct pay_write *w = kona_write_new(k, sizeof(*w), apply_cancel);
	if (w == NULL || (w->kw.reply = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	kona_card_uniq(k->app, v[X_CARD].s, w->card_uniq, sizeof(w->card_uniq));
	w->nr_in = v[X_NR].s;
	w->merchant = v[X_MERCHANT].s;
	w->amount = v[X_AMOUNT].i;
	memcpy(w->nr, "KMC", 3);
	if (wp_random_from("0123456789", w->nr + 3, 15) != WP_OK)
		return KONA_SYSTEM;
	wp_write_submit(&w->kw.w);
	return KONA_DEFERRED;
}

static const struct wp_doc_shape cancel_shape[] = {
    {NULL, cancel_fields, WP_COUNT(cancel_fields), NULL}};
static const struct wp_doc_prop cancel_answer[] = {
    {"nrNumber", "string", "the cancel's transaction number (KMC + 15 digits)"},
    {"cancelAmount", "integer", "refunded to the card now"},
    {"remainAmount", "integer", "what of the payment can still be cancelled"},
    {"response", "object",
     "000_000; 000_002 (cardNo, nrNumber), 007_030 more than what is left of the payment"},
};
const struct wp_route_doc kona_doc_payment_cancel = {
    .summary = "Cancel a card payment, in part or in full (payment/cancel/no-hce)",
    .body = WP_DOC_JSON,
    .shapes = cancel_shape,
    .shape_count = 1,
    .answer_props = cancel_answer,
    .answer_prop_count = WP_COUNT(cancel_answer),
};

/* ---- recharges/by-bank-accounts/no-hce/cancel ---- */

enum { Y_SEQ, Y_USER, Y_NR, Y_TOKEN, Y_DCVV };

static const struct wp_field charge_cancel_fields[] = {
    [Y_SEQ] = {"sequenceId", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 30},
    [Y_USER] = {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    [Y_NR] = {"nrNumber", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 50},
    [Y_TOKEN] = {"oneTimeToken", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 16, 16},
    [Y_DCVV] = {"dcvv", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT, 3, 3},
};

struct charge_cancel_write {
	struct charge_write c; /* id (the cancel's sequenceId), user, token, nr (the cancel's) */
	const char *charge_nr;
	bool dcvv_given;
};

/* The next day's start, KST, in ms: when a cancelled charge's money reaches the bank. */
static int64_t next_day_ms(int64_t now_ms)
{
	const int64_t day = 86400000, kst = 9LL * 3600000;
	return ((now_ms + kst) / day + 1) * day - kst;
}

static wp_status apply_charge_cancel(struct wp_tx *tx, struct wp_cmd *cmd)
{
	struct charge_cancel_write *x = (struct charge_cancel_write *)cmd;
	struct charge_write *c = &x->c;
	struct kona_req *k = c->kw.k;
	c->now_ms = wp_clock_now_ms(&k->app->clock);
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *seen = NULL, *list = NULL, *ott = NULL, *card = NULL, *orig = NULL;
	wp_status st = wp_doc_load(NULL, tx, KIND_CHARGE, c->id, k->asp_id, &a, &seen, NULL);
	if (st == WP_OK) { /* this cancel's sequenceId again */
		bool same = strcmp(str_of(seen, "type"), "cancel") == 0 &&
			    strcmp(str_of(seen, "chargeNr"), x->charge_nr) == 0 &&
			    int_of(seen, "userId") == c->user_id;
		c->kw.code = same ? KONA_OK : KONA_BAD_SEQ;
		if (same) {
			json_object_set_new(c->kw.reply, "nrNumber",
					    json_string(str_of(seen, "nrNumber")));
			json_object_set_new(
			    c->kw.reply, "isPending",
			    json_boolean(strcmp(str_of(seen, "result"), "PENDING") == 0));
		}
		goto out;
	}
	if (st != WP_E_NOT_FOUND)
		goto out;
	st = wp_doc_list(NULL, tx, KIND_CHARGE, k->asp_id, c->user, 1000, &list);
	if (st != WP_OK)
		goto out;
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		if (orig == NULL && strcmp(str_of(e, "nrNumber"), x->charge_nr) == 0 &&
		    strcmp(str_of(e, "type"), "cancel") != 0)
			orig = e;
	}
	if (orig == NULL || strcmp(str_of(orig, "result"), "COMPLETED") != 0 ||
	    json_is_true(json_object_get(orig, "cancelled"))) {
		c->kw.code = KONA_CANCEL_DENIED; /* no completed charge of this member, or done */
		goto out;
	}
	st = wp_doc_load(NULL, tx, KONA_KIND_OTT, c->token, k->asp_id, &a, &ott, NULL);
	if (st == WP_OK)
		st = wp_doc_load(NULL, tx, KONA_KIND_CARD, str_of(ott, "par"), k->asp_id, &a, &card,
				 NULL);
	if (st == WP_E_NOT_FOUND || (st == WP_OK && (json_is_true(json_object_get(ott, "used")) ||
						     int_of(ott, "expires_ms") < c->now_ms ||
						     int_of(card, "userId") != c->user_id))) {
		c->kw.code = KONA_BAD_OTT;
		st = WP_OK;
		goto out;
	}
	if (st != WP_OK)
		goto out;
	if (x->dcvv_given && strcmp(str_of(ott, "dcvv"), c->dcvv_hash) != 0) {
		c->kw.code = KONA_BAD_DCVV;
		goto out;
	}
	json_object_set_new(ott, "used", json_true());
	struct wp_doc od = {.kind = KONA_KIND_OTT,
			    .id = c->token,
			    .owner = k->asp_id,
			    .ref = str_of(ott, "par"),
			    .updated_ms = c->now_ms};
	st = wp_doc_save(tx, &od, ott, false);
	char bank[8], number[40];
	if (st == WP_OK &&
	    !registered_account(c, tx, bank, sizeof(bank), number, sizeof(number), &st)) {
		if (st == WP_OK)
			c->kw.code = KONA_NOT_REGISTERED;
		goto out;
	}
	int64_t holding = 0;
	if (st == WP_OK)
		st = refund_account(tx, c->now_ms, &holding);
	int64_t amount = int_of(orig, "amount");
	struct wp_transfer t = {.debit_account_id = int_of(card, "ledger_account_id"),
				.credit_account_id = holding,
				.amount = amount,
				.code = WP_TRANSFER_CODE_CHARGE},
			   out;
	snprintf(t.id, sizeof(t.id), "kona:uncharge:%s", c->nr);
	bool replayed;
	if (st == WP_OK)
		st = wp_ledger_transfer(tx, &t, c->now_ms, &out, &replayed);
	if (st != WP_OK)
		goto out;
	if (out.result == WP_TR_EXCEEDS_CREDITS) { /* the card no longer holds it */
		c->kw.code = KONA_CANCEL_DENIED;
		goto out;
	}
	if (out.result != WP_TR_OK) {
		st = WP_E_INTERNAL;
		goto out;
	}
	/* the original charge is cancelled; this cancel is pending until the bank has it */
	json_object_set_new(orig, "cancelled", json_true());
	struct wp_doc cd = {.kind = KIND_CHARGE,
			    .id = str_of(orig, "_id"),
			    .owner = k->asp_id,
			    .ref = c->user,
			    .updated_ms = c->now_ms};
	st = wp_doc_save(tx, &cd, orig, false);
	char *sealed = wp_seal(k->app->data_key, "kona.bankAccount", number, strlen(number));
	json_t *body =
	    sealed
		? json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}",
			    "type", "cancel", "aspId", k->asp_id, "userId", (json_int_t)c->user_id,
			    "amount", (json_int_t)amount, "nrNumber", c->nr, "chargeNr",
			    x->charge_nr, "result", "PENDING", "bankCode", bank, "bankAccount",
			    sealed, "answerAt", (json_int_t)next_day_ms(c->now_ms), "deadline",
			    (json_int_t)(next_day_ms(c->now_ms) + PENDING_DEADLINE_MS),
			    "cardAccount", (json_int_t)int_of(card, "ledger_account_id"), "par",
			    str_of(card, "par"))
		: NULL;
	free(sealed);
	struct wp_doc d = {.kind = KIND_CHARGE,
			   .id = c->id,
			   .owner = k->asp_id,
			   .ref = c->user,
			   .created_ms = c->now_ms,
			   .updated_ms = c->now_ms};
	if (st == WP_OK)
		st = body ? wp_doc_save(tx, &d, body, true) : WP_E_NOMEM;
	json_decref(body);
	json_t *mark = json_object();
	struct wp_doc md = {.kind = KIND_PENDING,
			    .id = c->id,
			    .owner = PENDING_OWNER,
			    .ref = PENDING_REF,
			    .created_ms = c->now_ms,
			    .updated_ms = c->now_ms};
	if (st == WP_OK)
		st = mark ? wp_doc_save(tx, &md, mark, true) : WP_E_NOMEM;
	json_decref(mark);
	if (st == WP_OK)
		st = kona_card_log(k->asp_id, tx, card, "01", -amount, "", c->nr, c->now_ms);
	if (st == WP_OK) {
		json_object_set_new(c->kw.reply, "nrNumber", json_string(c->nr));
		json_object_set_new(c->kw.reply, "isPending", json_true());
	}
out:
	json_decref(seen);
	json_decref(list);
	json_decref(ott);
	json_decref(card);
	wp_arena_free(&a);
	return st;
}

enum kona_code kona_recharge_cancel(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(charge_cancel_fields)];
	enum kona_code code =
	    kona_fields(k, charge_cancel_fields, WP_COUNT(charge_cancel_fields), v);
	if (code != KONA_OK)
		return code;
	struct charge_cancel_write *x = kona_write_new(k, sizeof(*x), apply_charge_cancel);
	if (x == NULL || (x->c.kw.reply = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	struct charge_write *c = &x->c;
	snprintf(c->id, sizeof(c->id), "%s:%s", k->asp_id, v[Y_SEQ].s);
	snprintf(c->user, sizeof(c->user), "%" PRId64, v[Y_USER].i);
	c->user_id = v[Y_USER].i;
	c->token = v[Y_TOKEN].s;
	c->merchant = "";
	x->charge_nr = v[Y_NR].s;
	x->dcvv_given = v[Y_DCVV].present;
	if (x->dcvv_given)
		wp_lookup_hash(k->app->data_key, "kona.dcvv", v[Y_DCVV].s, c->dcvv_hash);
	memcpy(c->nr, "KMR", 3);
	if (wp_random_from("0123456789", c->nr + 3, 15) != WP_OK)
		return KONA_SYSTEM;
	wp_write_submit(&c->kw.w);
	return KONA_DEFERRED;
}

static const struct wp_doc_shape charge_cancel_shape[] = {
    {NULL, charge_cancel_fields, WP_COUNT(charge_cancel_fields), NULL}};
static const struct wp_doc_prop charge_cancel_answer[] = {
    {"nrNumber", "string", "the cancel's transaction number (KMR + 15 digits)"},
    {"isPending", "boolean", "true: the money reaches the bank account the next day"},
    {"response", "object",
     "000_000; 000_002 (userId, oneTimeToken, dcvv, sequenceId), 007_001, 007_030 (no "
     "completed charge of the member with that nrNumber, already cancelled, or the card no "
     "longer holds it)"},
};
const struct wp_route_doc kona_doc_recharge_cancel = {
    .summary = "Cancel a charge (recharges/by-bank-accounts/no-hce/cancel)",
    .description = "The amount leaves the card at once and reaches the registered account "
		   "the next day (KST, wonpay's clock); the cancel's sequenceId reads PENDING "
		   "until then, COMPLETED after.",
    .body = WP_DOC_JSON,
    .shapes = charge_cancel_shape,
    .shape_count = 1,
    .answer_props = charge_cancel_answer,
    .answer_prop_count = WP_COUNT(charge_cancel_answer),
};
