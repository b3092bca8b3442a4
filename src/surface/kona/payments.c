/*
 * payments.c — the card pays a merchant (payment/no-hce) and a payment is
 * refunded to the card, in part or in full (payment/cancel/no-hce).
 *
 * The one-time token's card pays the merchant's ledger account (made on a
 * merchant id's first payment); the card's day and month spending is kept
 * on the card for the limits; the ledger refuses what the card does not
 * hold. Each movement is logged on the card (transaction/card).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/kona/kona.h"
#include "util/date.h"

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

wp_status kona_merchant_account(struct wp_tx *tx, const char *merchant, int64_t now_ms, int64_t *id)
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
	return strcmp(kona_str(p, "period"), now) == 0 ? kona_int(p, "amount") : 0;
}

static wp_status apply_pay(struct wp_tx *tx, struct wp_cmd *cmd)
{
	struct pay_write *w = (struct pay_write *)cmd;
	struct kona_req *k = w->kw.k;
	w->now_ms = wp_clock_now_ms(&k->app->clock);
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *card = NULL;
	wp_status st;
	struct kona_spend spend = {w->token, w->dcvv_hash, 0, true, w->now_ms};
	w->kw.code = kona_token_spend(k, tx, &spend, &a, &card, &st);
	if (w->kw.code != KONA_OK)
		goto out;
	char day[9], month[7];
	periods(w->now_ms, day, month);
	json_t *limits = json_object_get(card, "limits");
	int64_t d = spent(card, "spentDay", day), m = spent(card, "spentMonth", month);
	if (w->amount > kona_int(limits, "once") || w->amount > kona_int(limits, "day") - d ||
	    w->amount > kona_int(limits, "month") - m) {
		w->kw.code = KONA_LIMIT;
		goto out;
	}
	int64_t merchant = 0;
	st = kona_merchant_account(tx, w->merchant, w->now_ms, &merchant);
	struct wp_transfer t = {.debit_account_id = kona_int(card, "ledger_account_id"),
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
	st = kona_card_save(tx, card, w->now_ms);
	json_t *p =
	    json_pack("{s:s, s:s, s:I, s:I, s:s, s:I}", "par", kona_str(card, "par"), "merchantId",
		      w->merchant, "amount", (json_int_t)w->amount, "canceled", (json_int_t)0,
		      "cardUniq", kona_str(card, "uniq"), "ledger_merchant", (json_int_t)merchant);
	char id[KONA_ASP_ID_LEN + 32];
	snprintf(id, sizeof(id), "%s:%s", k->asp_id, w->nr);
	struct wp_doc pd = {.kind = KIND_PAYMENT,
			    .id = id,
			    .owner = k->asp_id,
			    .ref = kona_str(card, "par"),
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
	    (st == WP_OK && (strcmp(kona_str(card, "par"), kona_str(p, "par")) != 0 ||
			     strcmp(kona_str(p, "merchantId"), w->merchant) != 0))) {
		w->kw.code = KONA_NO_PAYMENT; /* not this card's payment at this merchant */
		st = WP_OK;
		goto out;
	}
	if (st != WP_OK)
		goto out;
	int64_t left = kona_int(p, "amount") - kona_int(p, "canceled");
	if (w->amount > left) {
		w->kw.code = KONA_CANCEL_DENIED;
		goto out;
	}
	st = kona_card_current(tx, k->asp_id, &card); /* reissued since: the refund goes there */
	if (st != WP_OK)
		goto out;
	if (strcmp(kona_str(card, "status"), KONA_CARD_TERMINATED) == 0) {
		w->kw.code = KONA_CANCEL_DENIED; /* its member withdrew: no money onto it */
		goto out;
	}
	size_t n = (size_t)kona_int(p, "cancels");
	struct wp_transfer t = {.debit_account_id = kona_int(p, "ledger_merchant"),
				.credit_account_id = kona_int(card, "ledger_account_id"),
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
	json_object_set_new(p, "canceled", json_integer(kona_int(p, "canceled") + w->amount));
	json_object_set_new(p, "cancels", json_integer((json_int_t)n + 1));
	struct wp_doc pd = {.kind = KIND_PAYMENT,
			    .id = id,
			    .owner = k->asp_id,
			    .ref = kona_str(p, "par"),
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
