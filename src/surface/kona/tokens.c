/*
 * tokens.c — one-time tokens: made for a card (v2
 * payment/generate/onetimetoken) and spent by a charge, a charge cancel or a
 * payment, each once, before it expires, with its dcvv.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/kona/kona.h"
#include "util/date.h"

/* ---- v2 payment/generate/onetimetoken ---- */

static const char *const token_types[] = {"ATM", "CREDIT", NULL};

static const struct wp_field token_fields[] = {
    {"cardNo", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 16, 16},
    {"type", WP_FIELD_ENUM, WP_FIELD_EMPTY_ABSENT, 3, 6, token_types},
};

struct token_write {
	struct kona_write kw;
	char uniq[96];
	char token[17], dcvv[4];
	char dcvv_hash[2 * WP_SHA256_BYTES + 1];
	int64_t now_ms, life_ms;
	const char *type;
};

/*
 * A card's live one-time tokens (at most KONA_OTT_LIVE_MAX): each a document
 * (kind "kona.ott", id the 16 digits, ref the card's par) with the dcvv's
 * keyed hash, its expiry and whether it was used; the card names it.
 */
static wp_status apply_token(struct wp_tx *tx, struct wp_cmd *c)
{
	struct token_write *t = (struct token_write *)c;
	struct kona_req *k = t->kw.k;
	json_t *card = NULL;
	wp_status st = wp_doc_load_uniq(NULL, tx, KONA_KIND_CARD, t->uniq, &card);
	if (st == WP_OK &&
	    (strcmp(kona_str(card, "aspId"), k->asp_id) != 0 || kona_int(card, "userId") == 0))
		st = WP_E_NOT_FOUND; /* another partner's card, or one no member registered */
	if (st == WP_OK && strcmp(kona_str(card, "status"), "ACTIVE") != 0)
		st = WP_E_FORBIDDEN;
	/*
	 * The card's live tokens: expired ones are deleted now, and past
	 * KONA_OTT_LIVE_MAX the oldest goes, so a card's tokens stay bounded.
	 */
	json_t *live = st == WP_OK ? json_object_get(card, "otts") : NULL;
	if (st == WP_OK && !json_is_array(live)) {
		live = json_array();
		json_object_set_new(card, "otts", live);
	}
	for (size_t i = 0; st == WP_OK && i < json_array_size(live);) {
		json_t *e = json_array_get(live, i);
		bool old = json_integer_value(json_object_get(e, "expires_ms")) < t->now_ms ||
			   json_array_size(live) >= KONA_OTT_LIVE_MAX;
		if (!old) {
			i++;
			continue;
		}
		st = tx->ops->doc_delete(tx, KONA_KIND_OTT, kona_str(e, "id"));
		if (st == WP_E_NOT_FOUND)
			st = WP_OK;
		json_array_remove(live, i);
	}
	const char *par = st == WP_OK ? kona_str(card, "par") : "";
	for (int i = 0; st == WP_OK; i++) {
		if (wp_random_from("0123456789", t->token, 16) != WP_OK) {
			st = WP_E_INTERNAL;
			break;
		}
		if (t->token[0] == '0')
			t->token[0] = '9';
		json_t *body =
		    json_pack("{s:s, s:s, s:I, s:s, s:b, s:I}", "par", par, "dcvv", t->dcvv_hash,
			      "expires_ms", (json_int_t)(t->now_ms + t->life_ms), "type",
			      t->type ? t->type : "", "used", 0, "userId",
			      (json_int_t)kona_int(card, "userId"));
		struct wp_doc d = {.kind = KONA_KIND_OTT,
				   .id = t->token,
				   .owner = k->asp_id,
				   .ref = par,
				   .created_ms = t->now_ms,
				   .updated_ms = t->now_ms};
		st = body ? wp_doc_save(tx, &d, body, true) : WP_E_NOMEM;
		json_decref(body);
		if (st != WP_E_CONFLICT)
			break;
		st = i < 7 ? WP_OK : WP_E_UNAVAILABLE; /* a live token has these digits: again */
	}
	if (st == WP_OK) {
		json_array_append_new(live, json_pack("{s:s, s:I}", "id", t->token, "expires_ms",
						      (json_int_t)(t->now_ms + t->life_ms)));
		st = kona_card_save(tx, card, t->now_ms);
	}
	json_decref(card);
	if (st == WP_OK) {
		json_object_set_new(t->kw.reply, "oneTimeToken", json_string(t->token));
		json_object_set_new(t->kw.reply, "dcvv", json_string(t->dcvv));
	}
	return st;
}

enum kona_code kona_onetime_token(struct kona_req *k)
{
	struct wp_value v[2];
	enum kona_code c = kona_fields(k, token_fields, 2, v);
	if (c != KONA_OK)
		return c;
	if (!kona_luhn_valid(v[0].s, v[0].len))
		return KONA_BAD_CARD;
	struct token_write *t = kona_write_new(k, sizeof(*t), apply_token);
	if (t == NULL || (t->kw.reply = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	kona_card_uniq(k->app, v[0].s, t->uniq, sizeof(t->uniq));
	if (wp_random_from("0123456789", t->dcvv, 3) != WP_OK)
		return KONA_SYSTEM;
	wp_lookup_hash(k->app->data_key, "kona.dcvv", t->dcvv, t->dcvv_hash);
	t->now_ms = wp_clock_now_ms(&k->app->clock);
	t->type = v[1].present ? v[1].s : NULL;
	t->life_ms = t->type ? KONA_OTT_LONG_MS : KONA_OTT_MS;
	t->kw.on_not_found = KONA_BAD_CARD;
	t->kw.on_forbidden = KONA_CARD_STATUS;
	wp_write_submit(&t->kw.w);
	return KONA_DEFERRED;
}

static const struct wp_doc_shape token_shape[] = {{NULL, token_fields, 2, NULL}};
static const struct wp_doc_prop token_answer[] = {
    {"oneTimeToken", "string", "16 digits: single use, bound to the card"},
    {"dcvv", "string", "3 digits, sent with the token"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_onetime_token = {
    .summary = "A one-time token for the card: 30 s, or 5 minutes with type ATM or CREDIT",
    .description = "A card keeps at most 256 live tokens. 000_002 for a number that "
		   "is no card of this partner; a suspended card gets none.",
    .body = WP_DOC_JSON,
    .shapes = token_shape,
    .shape_count = 1,
    .answer_props = token_answer,
    .answer_prop_count = WP_COUNT(token_answer),
};

/* ---- spending a one-time token (charge, charge cancel, payment) ---- */

enum kona_code kona_token_spend(struct kona_req *k, struct wp_tx *tx, const struct kona_spend *in,
				wp_arena *a, json_t **card, wp_status *st)
{
	json_t *ott = NULL;
	*card = NULL;
	*st = wp_doc_load(NULL, tx, KONA_KIND_OTT, in->token, k->asp_id, a, &ott, NULL);
	if (*st == WP_OK)
		*st = wp_doc_load(NULL, tx, KONA_KIND_CARD, kona_str(ott, "par"), k->asp_id, a,
				  card, NULL);
	enum kona_code c = KONA_OK;
	if (*st == WP_E_NOT_FOUND ||
	    (*st == WP_OK && (json_is_true(json_object_get(ott, "used")) ||
			      json_integer_value(json_object_get(ott, "expires_ms")) < in->now_ms ||
			      /* issued to the card's holder then: a portal card changes hands */
			      (json_object_get(ott, "userId") != NULL &&
			       kona_int(ott, "userId") != kona_int(*card, "userId")) ||
			      (in->user_id != 0 && json_integer_value(json_object_get(
						       *card, "userId")) != in->user_id)))) {
		*st = WP_OK;
		c = KONA_BAD_OTT; /* unknown, used, expired, or not this member's card */
	} else if (*st != WP_OK) {
		c = KONA_SYSTEM;
	} else if (in->dcvv_hash != NULL && strcmp(kona_str(ott, "dcvv"), in->dcvv_hash) != 0) {
		c = KONA_BAD_DCVV;
	} else if (in->active && strcmp(kona_str(*card, "status"), "ACTIVE") != 0) {
		c = KONA_CARD_STATUS;
	} else { /* spent now, whatever follows */
		json_object_set_new(ott, "used", json_true());
		struct wp_doc od = {.kind = KONA_KIND_OTT,
				    .id = in->token,
				    .owner = k->asp_id,
				    .ref = kona_str(ott, "par"),
				    .updated_ms = in->now_ms};
		*st = wp_doc_save(tx, &od, ott, false);
		c = *st == WP_OK ? KONA_OK : KONA_SYSTEM;
	}
	json_decref(ott);
	return c;
}
