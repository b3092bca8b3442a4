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

/* The member's registered account: its bank code and (opened) number; false when none. */
bool kona_registered_account(struct kona_charge *c, struct wp_tx *tx, char *bank, size_t bcap,
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
		    wp_open(k->app->data_key, "kona.bankAccount", kona_str(reg, "bankAccount"), &n);
		if (plain != NULL && n < ncap) {
			memcpy(number, plain, n);
			number[n] = '\0';
			snprintf(bank, bcap, "%s", kona_str(reg, "bankCode"));
			found = true;
		}
		free(plain);
	}
	json_decref(list);
	return found;
}

static wp_status save_charge(struct kona_charge *c, struct wp_tx *tx, const char *result,
			     enum kona_code code)
{
	json_t *body = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "userId",
				 (json_int_t)c->user_id, "amount", (json_int_t)c->amount,
				 "oneTimeToken", c->token, "merchantId", c->merchant, "nrNumber",
				 c->nr, "result", result, "code", kona_codes[code].code);
	wp_status st =
	    body ? kona_charge_put(tx, c->kw.k->asp_id, c->id, body, c->now_ms, true) : WP_E_NOMEM;
	json_decref(body);
	c->kw.code = code;
	if (st == WP_OK && code == KONA_OK) {
		json_object_set_new(c->kw.reply, "nrNumber", json_string(c->nr));
		json_object_set_new(c->kw.reply, "isPending", json_false());
	}
	return st;
}

/*
 * The member's charge in progress (its id, or none when `id` is NULL and it
 * was `done`): a charge while one is pending is 007_005.
 */
static wp_status mark_member(struct wp_tx *tx, const char *asp, int64_t user_id, const char *id,
			     const char *done, int64_t now)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *m = NULL;
	struct wp_doc meta;
	wp_status st = kona_member_load(tx, asp, user_id, &a, &m, &meta);
	if (st == WP_OK && (id != NULL || strcmp(kona_str(m, "pendingCharge"), done) == 0)) {
		if (id != NULL)
			json_object_set_new(m, "pendingCharge", json_string(id));
		else
			json_object_del(m, "pendingCharge");
		meta.updated_ms = now;
		st = wp_doc_save(tx, &meta, m, false);
	}
	json_decref(m);
	wp_arena_free(&a);
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}

wp_status kona_charge_pending(struct wp_tx *tx, const char *asp, json_t *member, bool *pending)
{
	*pending = false;
	const char *id = kona_str(member, "pendingCharge");
	if (id[0] == '\0')
		return WP_OK;
	/* a flag whose charge is gone (a sandbox reset) or finished does not count */
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	json_t *p = NULL;
	wp_status st = wp_doc_load(NULL, tx, KONA_KIND_CHARGE, id, asp, &a, &p, NULL);
	*pending = st == WP_OK && strcmp(kona_str(p, "result"), "PENDING") == 0;
	json_decref(p);
	wp_arena_free(&a);
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}

wp_status kona_charge_put(struct wp_tx *tx, const char *asp, const char *id, json_t *body,
			  int64_t now_ms, bool insert)
{
	char user[24];
	snprintf(user, sizeof(user), "%" PRId64, kona_int(body, "userId"));
	struct wp_doc d = {.kind = KONA_KIND_CHARGE,
			   .id = id,
			   .owner = asp,
			   .ref = user,
			   .created_ms = now_ms,
			   .updated_ms = now_ms};
	return wp_doc_save(tx, &d, body, insert);
}

wp_status kona_pending_mark(struct wp_tx *tx, const char *id, const char *ref, int64_t now_ms)
{
	json_t *mark = json_object();
	struct wp_doc md = {.kind = KONA_KIND_PENDING,
			    .id = id,
			    .owner = KONA_PENDING_OWNER,
			    .ref = ref,
			    .created_ms = now_ms,
			    .updated_ms = now_ms};
	wp_status st = mark ? wp_doc_save(tx, &md, mark, true) : WP_E_NOMEM;
	json_decref(mark);
	return st;
}

/*
 * A charge the bank did not answer in time: PENDING, with what finishing it
 * needs (the account sealed), and a marker housekeeping lists.
 */
static wp_status save_pending(struct kona_charge *c, struct wp_tx *tx, json_t *card,
			      const char *bank, const char *number, int64_t answer_at)
{
	struct kona_req *k = c->kw.k;
	char *sealed = wp_seal(k->app->data_key, "kona.bankAccount", number, strlen(number));
	json_t *body =
	    sealed ? json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
			       "userId", (json_int_t)c->user_id, "amount", (json_int_t)c->amount,
			       "oneTimeToken", c->token, "merchantId", c->merchant, "nrNumber",
			       c->nr, "result", "PENDING", "code", kona_codes[KONA_OK].code,
			       "bankCode", bank, "bankAccount", sealed, "par",
			       kona_str(card, "par"), "answerAt", (json_int_t)answer_at, "deadline",
			       (json_int_t)(c->now_ms + KONA_PENDING_DEADLINE_MS))
		   : NULL;
	free(sealed);
	if (body == NULL)
		return WP_E_NOMEM;
	json_object_set_new(body, "aspId", json_string(k->asp_id));
	wp_status st = kona_charge_put(tx, k->asp_id, c->id, body, c->now_ms, true);
	json_decref(body);
	if (st == WP_OK)
		st = kona_pending_mark(tx, c->id, KONA_PENDING_REF, c->now_ms);
	if (st == WP_OK)
		st = mark_member(tx, k->asp_id, c->user_id, c->id, NULL, c->now_ms);
	if (st == WP_OK) {
		json_object_set_new(c->kw.reply, "nrNumber", json_string(c->nr));
		json_object_set_new(c->kw.reply, "isPending", json_true());
	}
	return st;
}

/* Kona's account for refunds on their way to a bank account (made on first use). */
wp_status kona_refund_account(struct wp_tx *tx, int64_t now_ms, int64_t *id)
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
	wp_status st = kona_refund_account(tx, now, &holding);
	if (st != WP_OK)
		return st;
	const char *asp = kona_str(ch, "aspId");
	bool refunded = false;
	if (outcome == WP_BANK_OK) {
		size_t n = 0;
		char *number =
		    wp_open(app->data_key, "kona.bankAccount", kona_str(ch, "bankAccount"), &n);
		if (number == NULL)
			return WP_E_INTERNAL;
		struct wp_bank_party from = {NULL, NULL, holding},
				     to = {kona_str(ch, "bankCode"), number, 0};
		char tid[WP_TRANSFER_ID_MAX + 1];
		uint8_t d[WP_SHA256_BYTES];
		char hex[2 * WP_SHA256_BYTES + 1];
		wp_sha256(id, strlen(id), d);
		wp_hex(d, 16, hex);
		snprintf(tid, sizeof(tid), "kona:refund:%.32s", hex);
		struct wp_transfer moved;
		bool replayed;
		st =
		    app->bank->ops->move(app->bank, tx, tid, &from, &to, kona_int(ch, "amount"),
					 WP_TRANSFER_CODE_CHARGE, now, &outcome, &moved, &replayed);
		free(number);
		if (st != WP_OK)
			return st;
		refunded = outcome == WP_BANK_OK;
	}
	if (!refunded && now < kona_int(ch, "deadline"))
		return WP_OK; /* the bank does not take it yet: again at the next run */
	int64_t card_account = kona_int(ch, "cardAccount");
	if (!refunded && kona_str(ch, "par")[0] != '\0') { /* the card, or what replaced it */
		wp_arena a;
		wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
		json_t *card = NULL;
		st = wp_doc_load(NULL, tx, KONA_KIND_CARD, kona_str(ch, "par"), asp, &a, &card,
				 NULL);
		wp_arena_free(&a);
		if (st == WP_OK)
			st = kona_card_current(tx, asp, &card);
		if (st == WP_OK)
			card_account = kona_int(card, "ledger_account_id");
		json_decref(card);
		if (st != WP_OK)
			return st;
	}
	if (!refunded) { /* back onto the card */
		struct wp_transfer t = {.debit_account_id = holding,
					.credit_account_id = card_account,
					.amount = kona_int(ch, "amount"),
					.code = WP_TRANSFER_CODE_CHARGE},
				   back;
		snprintf(t.id, sizeof(t.id), "kona:unrefund:%s", kona_str(ch, "nrNumber"));
		bool replayed;
		st = wp_ledger_transfer(tx, &t, now, &back, &replayed);
		if (st != WP_OK)
			return st;
	}
	json_object_set_new(ch, "result", json_string(refunded ? "COMPLETED" : "FAILED"));
	json_object_del(ch, "bankAccount");
	st = kona_charge_put(tx, asp, id, ch, now, false);
	*done = st == WP_OK;
	return st;
}

/* One pending charge: finished (COMPLETED or FAILED) when the bank answers, or kept. */
static wp_status finish_pending(struct wp_app *app, struct wp_tx *tx, const char *id, int64_t now)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *ch = NULL, *card = NULL;
	wp_status st = wp_doc_load(NULL, tx, KONA_KIND_CHARGE, id, NULL, &a, &ch, NULL);
	bool done =
	    st == WP_E_NOT_FOUND || (st == WP_OK && strcmp(kona_str(ch, "result"), "PENDING") != 0);
	if (st == WP_E_NOT_FOUND)
		st = WP_OK;
	if (st != WP_OK || done || kona_int(ch, "answerAt") > now)
		goto out;
	const char *asp = kona_str(ch, "aspId"), *bank = kona_str(ch, "bankCode");
	struct wp_bank_answer reach;
	app->bank->ops->reach(app->bank, bank, &reach);
	bool late_answer = kona_int(ch, "answerAt") != 0; /* a slow bank answers in the end */
	int outcome = late_answer && reach.outcome == WP_BANK_TIMEOUT ? WP_BANK_OK : reach.outcome;
	if ((outcome == WP_BANK_UNREACHABLE || outcome == WP_BANK_TIMEOUT) &&
	    now < kona_int(ch, "deadline"))
		goto out; /* still no answer: again at the next run */
	bool cancel = strcmp(kona_str(ch, "type"), "cancel") == 0;
	if (cancel) { /* the refund of a cancelled charge reaches the bank account */
		st = finish_refund(app, tx, id, ch, outcome, now, &done);
		goto out;
	}
	if (outcome == WP_BANK_OK) {
		st = wp_doc_load(NULL, tx, KONA_KIND_CARD, kona_str(ch, "par"), asp, &a, &card,
				 NULL);
		if (st == WP_OK) /* reissued meanwhile: the money goes to the new card */
			st = kona_card_current(tx, asp, &card);
		size_t n = 0;
		char *number = st == WP_OK ? wp_open(app->data_key, "kona.bankAccount",
						     kona_str(ch, "bankAccount"), &n)
					   : NULL;
		if (st == WP_OK && number == NULL)
			st = WP_E_INTERNAL;
		if (st == WP_OK) {
			struct wp_bank_party from = {bank, number, 0},
					     to = {NULL, NULL, kona_int(card, "ledger_account_id")};
			uint8_t d[WP_SHA256_BYTES];
			char hex[2 * WP_SHA256_BYTES + 1], tid[WP_TRANSFER_ID_MAX + 1];
			wp_sha256(id, strlen(id), d);
			wp_hex(d, 16, hex);
			snprintf(tid, sizeof(tid), "kona:charge:%.32s", hex);
			struct wp_transfer moved;
			bool replayed;
			st = app->bank->ops->move(app->bank, tx, tid, &from, &to,
						  kona_int(ch, "amount"), WP_TRANSFER_CODE_CHARGE,
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
	st = kona_charge_put(tx, asp, id, ch, now, false);
	if (st == WP_OK && ok)
		st = kona_card_log(asp, tx, card, "01", kona_int(ch, "amount"),
				   kona_str(ch, "merchantId"), kona_str(ch, "nrNumber"), now);
	if (st == WP_OK)
		st = mark_member(tx, asp, kona_int(ch, "userId"), NULL, id, now);
	done = st == WP_OK;
out:
	if (st == WP_OK && done) {
		st = tx->ops->doc_delete(tx, KONA_KIND_PENDING, id);
		if (st == WP_E_NOT_FOUND)
			st = WP_OK;
	}
	json_decref(ch);
	json_decref(card);
	wp_arena_free(&a);
	return st;
}

void kona_refund_ref(int64_t day_ms, char *out, size_t cap)
{
	char stamp[24];
	wp_format_stamp(day_ms, WP_KST_OFFSET_MIN, false, false, stamp, sizeof(stamp));
	snprintf(out, cap, "refund:%.8s", stamp);
}

/*
 * The markers under `ref`, each finished in its own savepoint: one that
 * cannot be finished is left for the next run and does not hold the others.
 */
static wp_status finish_all(struct wp_app *app, struct wp_tx *tx, const char *ref, int64_t now_ms)
{
	static int64_t last_warned;
	json_t *list = NULL;
	wp_status st = wp_doc_list(NULL, tx, KONA_KIND_PENDING, KONA_PENDING_OWNER, ref,
				   KONA_PENDING_PAGE, &list);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		if (st != WP_OK || (st = tx->ops->tx_savepoint(tx)) != WP_OK)
			break;
		wp_status one = finish_pending(app, tx, kona_str(e, "_id"), now_ms);
		st = one == WP_OK ? tx->ops->tx_release(tx) : tx->ops->tx_rollback_to(tx);
		if (st == WP_OK && one != WP_OK && one != WP_E_INTERNAL && one != WP_E_NOT_FOUND)
			st = one; /* storage: the whole run is retried */
		else if (st == WP_OK && one != WP_OK && now_ms - last_warned > 60000) {
			last_warned = now_ms; /* the writer's thread only: at most once a minute */
			fprintf(stderr, "wonpay: kona: pending %s not finished (%s); retried\n",
				kona_str(e, "_id"), wp_status_name(one));
		}
	}
	json_decref(list);
	return st;
}

wp_status kona_housekeeping(struct wp_app *app, void *state, struct wp_tx *tx, int64_t now_ms)
{
	(void)state;
	/* charges waiting for their bank; cancels' refunds by the day they fall due */
	wp_status st = finish_all(app, tx, KONA_PENDING_REF, now_ms);
	if (st == WP_OK)
		st = kona_ars_housekeeping(app, tx, now_ms);
	for (int d = 0; st == WP_OK && d < KONA_REFUND_DAYS; d++) {
		char ref[32];
		kona_refund_ref(now_ms - (int64_t)d * 86400000, ref, sizeof(ref));
		st = finish_all(app, tx, ref, now_ms);
	}
	return st;
}

static wp_status apply_charge(struct wp_tx *tx, struct wp_cmd *cmd)
{
	struct kona_charge *c = (struct kona_charge *)cmd;
	struct kona_req *k = c->kw.k;
	c->now_ms = wp_clock_now_ms(&k->app->clock); /* the writer's: tokens expire */
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *seen = NULL, *member = NULL, *card = NULL;
	wp_status st = wp_doc_load(NULL, tx, KONA_KIND_CHARGE, c->id, k->asp_id, &a, &seen, NULL);
	if (st == WP_OK) { /* the same sequenceId again */
		if (kona_int(seen, "userId") == c->user_id &&
		    kona_int(seen, "amount") == c->amount &&
		    strcmp(kona_str(seen, "oneTimeToken"), c->token) == 0) {
			snprintf(c->nr, sizeof(c->nr), "%s", kona_str(seen, "nrNumber"));
			bool done = strcmp(kona_str(seen, "result"), "FAILED") != 0;
			c->kw.code = done ? KONA_OK : KONA_WITHDRAW;
			if (done) {
				json_object_set_new(c->kw.reply, "nrNumber", json_string(c->nr));
				json_object_set_new(
				    c->kw.reply, "isPending",
				    json_boolean(strcmp(kona_str(seen, "result"), "PENDING") == 0));
			}
		} else {
			c->kw.code = KONA_BAD_SEQ;
		}
		goto out;
	}
	if (st != WP_E_NOT_FOUND)
		goto out;
	st = kona_member_load(tx, k->asp_id, c->user_id, &a, &member, NULL);
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
	bool busy = false;
	if ((st = kona_charge_pending(tx, k->asp_id, member, &busy)) != WP_OK)
		goto out;
	if (busy) {
		c->kw.code = KONA_CHARGE_BUSY; /* one is waiting for its bank */
		goto out;
	}
	/* The token is spent by this charge, whatever the bank answers. */
	struct kona_spend spend = {c->token, c->dcvv_hash, c->user_id, true, c->now_ms};
	c->kw.code = kona_token_spend(k, tx, &spend, &a, &card, &st);
	if (c->kw.code != KONA_OK)
		goto out;
	char bank[8], number[40];
	if (!kona_registered_account(c, tx, bank, sizeof(bank), number, sizeof(number), &st)) {
		if (st == WP_OK)
			c->kw.code = KONA_NOT_REGISTERED;
		goto out;
	}
	if (c->amount > kona_int(json_object_get(card, "limits"), "once")) {
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
				     to = {NULL, NULL, kona_int(card, "ledger_account_id")};
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
	json_decref(card);
	wp_arena_free(&a);
	return st;
}

enum kona_code kona_recharge(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(charge_fields)];
	enum kona_code code = kona_fields(k, charge_fields, WP_COUNT(charge_fields), v);
	json_t *member; /* a dormant member charges nothing (the rest is decided in the writer) */
	if (code == KONA_OK && (code = kona_member(k, v[C_USER].i, &member)) == KONA_BAD_USER)
		code = KONA_OK;
	if (code != KONA_OK)
		return code;
	struct kona_charge *c = kona_write_new(k, sizeof(*c), apply_charge);
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
	wp_status st = wp_doc_load(k->app->store, NULL, KONA_KIND_CHARGE, id, k->asp_id,
				   &k->r->arena, &charge, NULL);
	if (st == WP_E_NOT_FOUND)
		return KONA_BAD_SEQ;
	if (st != WP_OK || kona_json(k, charge) == NULL ||
	    (k->data = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	json_object_set_new(k->data, "result", json_string(kona_str(charge, "result")));
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
