/*
 * charge_cancel.c — recharges/by-bank-accounts/no-hce/cancel: a completed
 * charge taken back off the card at once, into Kona's refund account, and
 * paid into the registered account from the next KST day by the pending
 * charges' housekeeping (recharges.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/kona/kona.h"

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
	struct kona_charge c; /* id (the cancel's sequenceId), user, token, nr (the cancel's) */
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
	struct kona_charge *c = &x->c;
	struct kona_req *k = c->kw.k;
	c->now_ms = wp_clock_now_ms(&k->app->clock);
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *seen = NULL, *list = NULL, *card = NULL, *orig = NULL;
	wp_status st = wp_doc_load(NULL, tx, KONA_KIND_CHARGE, c->id, k->asp_id, &a, &seen, NULL);
	if (st == WP_OK) { /* this cancel's sequenceId again */
		bool same = strcmp(kona_str(seen, "type"), "cancel") == 0 &&
			    strcmp(kona_str(seen, "chargeNr"), x->charge_nr) == 0 &&
			    kona_int(seen, "userId") == c->user_id;
		c->kw.code = same ? KONA_OK : KONA_BAD_SEQ;
		if (same) {
			json_object_set_new(c->kw.reply, "nrNumber",
					    json_string(kona_str(seen, "nrNumber")));
			json_object_set_new(
			    c->kw.reply, "isPending",
			    json_boolean(strcmp(kona_str(seen, "result"), "PENDING") == 0));
		}
		goto out;
	}
	if (st != WP_E_NOT_FOUND)
		goto out;
	st = wp_doc_list(NULL, tx, KONA_KIND_CHARGE, k->asp_id, c->user, 1000, &list);
	if (st != WP_OK)
		goto out;
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		if (orig == NULL && strcmp(kona_str(e, "nrNumber"), x->charge_nr) == 0 &&
		    strcmp(kona_str(e, "type"), "cancel") != 0)
			orig = e;
	}
	if (orig == NULL || strcmp(kona_str(orig, "result"), "COMPLETED") != 0 ||
	    json_is_true(json_object_get(orig, "cancelled"))) {
		c->kw.code = KONA_CANCEL_DENIED; /* no completed charge of this member, or done */
		goto out;
	}
	struct kona_spend spend = {c->token, x->dcvv_given ? c->dcvv_hash : NULL, c->user_id, false,
				   c->now_ms};
	c->kw.code = kona_token_spend(k, tx, &spend, &a, &card, &st);
	if (c->kw.code != KONA_OK)
		goto out;
	char bank[8], number[40];
	if (st == WP_OK &&
	    !kona_registered_account(c, tx, bank, sizeof(bank), number, sizeof(number), &st)) {
		if (st == WP_OK)
			c->kw.code = KONA_NOT_REGISTERED;
		goto out;
	}
	int64_t holding = 0;
	if (st == WP_OK)
		st = kona_refund_account(tx, c->now_ms, &holding);
	int64_t amount = kona_int(orig, "amount");
	struct wp_transfer t = {.debit_account_id = kona_int(card, "ledger_account_id"),
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
	st = kona_charge_put(tx, k->asp_id, kona_str(orig, "_id"), orig, c->now_ms, false);
	char *sealed = wp_seal(k->app->data_key, "kona.bankAccount", number, strlen(number));
	json_t *body =
	    sealed
		? json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}",
			    "type", "cancel", "aspId", k->asp_id, "userId", (json_int_t)c->user_id,
			    "amount", (json_int_t)amount, "nrNumber", c->nr, "chargeNr",
			    x->charge_nr, "result", "PENDING", "bankCode", bank, "bankAccount",
			    sealed, "answerAt", (json_int_t)next_day_ms(c->now_ms), "deadline",
			    (json_int_t)(next_day_ms(c->now_ms) + KONA_PENDING_DEADLINE_MS),
			    "cardAccount", (json_int_t)kona_int(card, "ledger_account_id"), "par",
			    kona_str(card, "par"))
		: NULL;
	free(sealed);
	if (st == WP_OK)
		st = body ? kona_charge_put(tx, k->asp_id, c->id, body, c->now_ms, true)
			  : WP_E_NOMEM;
	json_decref(body);
	char refund_ref[32]; /* by the day it is due, so that day finds it */
	kona_refund_ref(next_day_ms(c->now_ms), refund_ref, sizeof(refund_ref));
	if (st == WP_OK)
		st = kona_pending_mark(tx, c->id, refund_ref, c->now_ms);
	if (st == WP_OK)
		st = kona_card_log(k->asp_id, tx, card, "01", -amount, "", c->nr, c->now_ms);
	if (st == WP_OK) {
		json_object_set_new(c->kw.reply, "nrNumber", json_string(c->nr));
		json_object_set_new(c->kw.reply, "isPending", json_true());
	}
out:
	json_decref(seen);
	json_decref(list);
	json_decref(card);
	wp_arena_free(&a);
	return st;
}

enum kona_code kona_recharge_cancel(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(charge_cancel_fields)];
	enum kona_code code =
	    kona_fields(k, charge_cancel_fields, WP_COUNT(charge_cancel_fields), v);
	json_t *member; /* a dormant member cancels nothing (the rest is decided in the writer) */
	if (code == KONA_OK && (code = kona_member(k, v[Y_USER].i, &member)) == KONA_BAD_USER)
		code = KONA_OK;
	if (code != KONA_OK)
		return code;
	struct charge_cancel_write *x = kona_write_new(k, sizeof(*x), apply_charge_cancel);
	if (x == NULL || (x->c.kw.reply = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	struct kona_charge *c = &x->c;
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
