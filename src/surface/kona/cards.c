/*
 * cards.c — a member's prepaid cards: the mobile card issued at
 * registration (user/registration answers its basicCardInfo), user/card/list
 * and user/card/info.
 *
 * A card is a document (kind "kona.card", id its par, owner the AspId, ref
 * the userId, uniq "cardno:" + a keyed hash of its number) and a ledger
 * account that holds its balance: the surface never does arithmetic on it.
 * The card number and CVC are sealed at rest like other personal data; the
 * number under a sandbox BIN (949133, the portal's cards') with a valid Luhn
 * check digit; par is 27 characters: "Q" and 26 hexadecimal digits.
 */
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/kona/kona.h"
#include "util/date.h"

#define CARD_BIN "949133"
#define CARD_YEARS 5 /* a new card's validity */

/* Limits of a debit prepaid card, won (decisions.md: Kona cards). */
#define LIMIT_ONCE 2000000
#define LIMIT_DAY 2000000
#define LIMIT_MONTH 5000000

/* The Luhn check digit of the first 15 digits, as the 16th. */
static char luhn_digit(const char *d15)
{
	int sum = 0;
	for (int i = 14, dbl = 1; i >= 0; i--, dbl = !dbl) {
		int v = d15[i] - '0';
		if (dbl && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

bool kona_luhn_valid(const char *no, size_t n)
{
	if (n != 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (no[i] < '0' || no[i] > '9')
			return false;
	return luhn_digit(no) == no[15];
}

void kona_card_uniq(const struct wp_app *app, const char *card_no, char *out, size_t cap)
{
	char hash[2 * WP_SHA256_BYTES + 1];
	wp_lookup_hash(app->data_key, "kona.cardNo", card_no, hash);
	snprintf(out, cap, "cardno:%s", hash);
}

/* The last day of the month CARD_YEARS from now (KST), as YYMMDD. */
static void expiry_of(int64_t now_ms, char out[7])
{
	char stamp[24];
	wp_format_stamp(now_ms, WP_KST_OFFSET_MIN, false, false, stamp, sizeof(stamp));
	int year = wp_digits_value(stamp, 4) + CARD_YEARS, month = wp_digits_value(stamp + 4, 2);
	int day = 31;
	while (day > 28 && !wp_date_valid(year, month, day))
		day--;
	char buf[32];
	snprintf(buf, sizeof(buf), "%02d%02d%02d", year % 100, month % 100, day % 100);
	memcpy(out, buf, 6);
	out[6] = '\0';
}

/* Draws what the spec leaves NULL: a number under the sandbox BIN, a CVC, a par. */
static wp_status draw(char no[17], char cvc[4], char par[28])
{
	memcpy(no, CARD_BIN, 6);
	if (wp_random_from("0123456789", no + 6, 9) != WP_OK ||
	    wp_random_from("0123456789ABCDEF", par + 1, 26) != WP_OK ||
	    wp_random_from("0123456789", cvc, 3) != WP_OK)
		return WP_E_INTERNAL;
	no[15] = luhn_digit(no);
	no[16] = cvc[3] = par[27] = '\0';
	par[0] = 'Q';
	return WP_OK;
}

wp_status kona_card_create(const struct wp_app *app, struct wp_tx *tx,
			   const struct kona_card_spec *spec, int64_t now_ms, json_t *reply)
{
	struct wp_account acct;
	wp_status st =
	    wp_ledger_create_account(tx, WP_ACCOUNT_PREPAID_WALLET,
				     WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS, now_ms, &acct);
	if (st != WP_OK)
		return st;
	char expiry[7], user[24] = "";
	if (spec->expiry != NULL)
		snprintf(expiry, sizeof(expiry), "%s", spec->expiry);
	else
		expiry_of(now_ms, expiry);
	if (spec->user_id != 0)
		snprintf(user, sizeof(user), "%" PRId64, spec->user_id);
	for (int attempt = 0; attempt < 8; attempt++) {
		char no[17], par[28], cvc[4], uniq[96];
		if (draw(no, cvc, par) != WP_OK)
			return WP_E_INTERNAL;
		if (spec->no != NULL) { /* the portal's cards come with theirs */
			snprintf(no, sizeof(no), "%s", spec->no);
			snprintf(cvc, sizeof(cvc), "%s", spec->cvc);
			snprintf(par, sizeof(par), "%s", spec->par);
		}
		kona_card_uniq(app, no, uniq, sizeof(uniq));
		char *sealed_no = wp_seal(app->data_key, "kona.cardNo", no, 16);
		char *sealed_cvc = wp_seal(app->data_key, "kona.cardCVC", cvc, 3);
		json_t *body =
		    sealed_no && sealed_cvc
			? json_pack(
			      "{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, "
			      "s:{s:i, s:i, s:i}, s:I, s:b}",
			      "par", par, "uniq", uniq, "aspId", spec->asp_id, "userId",
			      (json_int_t)spec->user_id, "cardNo", sealed_no, "cardCVC", sealed_cvc,
			      "last4", no + 12, "expiryDate", expiry, "serviceId", KONA_SERVICE_ID,
			      "status", "ACTIVE", "cardType", spec->type, "isNamed", 1,
			      "ledger_account_id", (json_int_t)acct.id, "limits", "once",
			      LIMIT_ONCE, "day", LIMIT_DAY, "month", LIMIT_MONTH, "issued_ms",
			      (json_int_t)now_ms, "portal", spec->portal)
			: NULL;
		free(sealed_no);
		free(sealed_cvc);
		OPENSSL_cleanse(cvc, sizeof(cvc));
		if (body == NULL)
			return WP_E_NOMEM;
		if (spec->previous_par != NULL)
			json_object_set_new(body, "previousPar", json_string(spec->previous_par));
		struct wp_doc meta = {.kind = KONA_KIND_CARD,
				      .id = par,
				      .owner = spec->asp_id,
				      .ref = user,
				      .uniq = uniq,
				      .created_ms = now_ms,
				      .updated_ms = now_ms};
		st = wp_doc_save(tx, &meta, body, true);
		if (st == WP_OK && reply != NULL)
			json_object_set_new(reply, "basicCardInfo",
					    json_pack("{s:s, s:s, s:s, s:s}", "par", par, "cardNo",
						      no, "expiryDate", expiry, "serviceId",
						      KONA_SERVICE_ID));
		if (st == WP_OK && spec->out != NULL)
			*spec->out = json_incref(body);
		json_decref(body);
		if (st != WP_E_CONFLICT || spec->no != NULL)
			return st;
	}
	return WP_E_UNAVAILABLE;
}

wp_status kona_card_issue(struct kona_req *k, struct wp_tx *tx, int64_t user_id, int64_t now_ms,
			  json_t *reply)
{
	const struct kona_card_spec spec = {
	    .asp_id = k->asp_id, .user_id = user_id, .type = KONA_CARD_MOBILE};
	return kona_card_create(k->app, tx, &spec, now_ms, reply);
}

wp_status kona_card_save(struct wp_tx *tx, json_t *card, int64_t now_ms)
{
	char user[24] = "";
	if (kona_int(card, "userId") != 0)
		snprintf(user, sizeof(user), "%" PRId64, kona_int(card, "userId"));
	struct wp_doc d = {.kind = KONA_KIND_CARD,
			   .id = kona_str(card, "par"),
			   .owner = kona_str(card, "aspId"),
			   .ref = user,
			   .uniq = kona_str(card, "uniq"), /* kept: the number's keyed hash */
			   .updated_ms = now_ms};
	return wp_doc_save(tx, &d, card, false);
}

wp_status kona_card_current(struct wp_tx *tx, const char *asp_id, json_t **card)
{
	for (int i = 0; i <= KONA_CARD_CHAIN_MAX; i++) {
		const char *next = json_string_value(json_object_get(*card, "replacedBy"));
		if (next == NULL)
			return WP_OK;
		json_t *c = NULL;
		wp_arena a;
		wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
		wp_status st = wp_doc_load(NULL, tx, KONA_KIND_CARD, next, asp_id, &a, &c, NULL);
		wp_arena_free(&a);
		if (st != WP_OK)
			return st == WP_E_NOT_FOUND ? WP_E_INTERNAL : st;
		json_decref(*card);
		*card = c;
	}
	return WP_E_INTERNAL;
}

/* A card's balance: what its ledger account holds, posted. */
json_t *kona_card_balance(struct kona_req *k, json_t *card)
{
	struct wp_store *s = k->app->store;
	struct wp_account a;
	int64_t balance = 0;
	if (s->ops->account_read(s, json_integer_value(json_object_get(card, "ledger_account_id")),
				 &a) != WP_OK ||
	    !wp_account_balance(&a, &balance))
		return NULL;
	return json_integer(balance);
}

/* ---- user/card/list ---- */

enum { L_USER, L_PAR, L_PHYSICAL };

static const struct wp_field list_fields[] = {
    [L_USER] = {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    [L_PAR] = {"par", WP_FIELD_ALNUM, 0, 27, 27},
    [L_PHYSICAL] = {"physicalCardNo", WP_FIELD_DIGITS, 0, 16, 16},
};

enum kona_code kona_card_list(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(list_fields)];
	enum kona_code c = kona_fields(k, list_fields, WP_COUNT(list_fields), v);
	json_t *member;
	if (c == KONA_OK)
		c = kona_member(k, v[L_USER].i, &member);
	if (c != KONA_OK)
		return c;
	char user[24];
	snprintf(user, sizeof(user), "%" PRId64, v[L_USER].i);
	json_t *cards = NULL;
	if (wp_doc_list(k->app->store, NULL, KONA_KIND_CARD, k->asp_id, user, KONA_CARDS_ALL,
			&cards) != WP_OK ||
	    kona_json(k, cards) == NULL)
		return KONA_SYSTEM;
	char physical[96] = "";
	if (v[L_PHYSICAL].present)
		kona_card_uniq(k->app, v[L_PHYSICAL].s, physical, sizeof(physical));
	json_t *out = json_array();
	size_t i;
	json_t *card;
	json_array_foreach(cards, i, card)
	{
		if (v[L_PAR].present &&
		    strcmp(json_string_value(json_object_get(card, "_id")), v[L_PAR].s) != 0)
			continue;
		if (v[L_PHYSICAL].present && strcmp(kona_str(card, "uniq"), physical) != 0)
			continue;
		if (strcmp(kona_str(card, "status"), KONA_CARD_REPLACED) == 0)
			continue; /* gone; its history stays (transaction/card, includePreviousCard) */
		json_t *balance = kona_card_balance(k, card);
		if (balance == NULL) {
			json_decref(out);
			return KONA_SYSTEM;
		}
		json_array_append_new(
		    out, json_pack("{s:O, s:o, s:i, s:O, s:O, s:O, s:O, s:O, s:O}", "par",
				   json_object_get(card, "_id"), "balance", balance,
				   "pendingAmount", 0, "limits", json_object_get(card, "limits"),
				   "isNamed", json_object_get(card, "isNamed"), "cardStatus",
				   json_object_get(card, "status"), "expiryDate",
				   json_object_get(card, "expiryDate"), "cardType",
				   json_object_get(card, "cardType"), "serviceId",
				   json_object_get(card, "serviceId")));
	}
	if ((k->data = kona_json(k, json_object())) == NULL) {
		json_decref(out);
		return KONA_SYSTEM;
	}
	json_object_set_new(k->data, "cardDataInfo", out);
	return KONA_OK;
}

/* ---- user/card/info ---- */

static const struct wp_field info_fields[] = {
    {"cardNo", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 16, 16},
};

enum kona_code kona_card_info(struct kona_req *k)
{
	struct wp_value v[1];
	enum kona_code c = kona_fields(k, info_fields, 1, v);
	if (c != KONA_OK)
		return c;
	if (!kona_luhn_valid(v[0].s, v[0].len))
		return KONA_BAD_CARD;
	char uniq[96];
	kona_card_uniq(k->app, v[0].s, uniq, sizeof(uniq));
	json_t *card = NULL;
	wp_status st = wp_doc_load_uniq(k->app->store, NULL, KONA_KIND_CARD, uniq, &card);
	if (kona_json(k, card) == NULL && st == WP_OK)
		return KONA_SYSTEM;
	/* another partner's card does not exist for this one */
	if (st == WP_E_NOT_FOUND ||
	    (st == WP_OK &&
	     strcmp(json_string_value(json_object_get(card, "aspId")) ?: "", k->asp_id) != 0))
		return KONA_BAD_CARD;
	if (st != WP_OK)
		return KONA_SYSTEM;
	json_t *balance = kona_card_balance(k, card);
	if (balance == NULL || (k->data = kona_json(k, json_object())) == NULL) {
		json_decref(balance);
		return KONA_SYSTEM;
	}
	json_object_set(k->data, "userId", json_object_get(card, "userId"));
	json_object_set_new(k->data, "balance", balance);
	return KONA_OK;
}

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_shape list_shape[] = {{NULL, list_fields, WP_COUNT(list_fields), NULL}};
static const struct wp_doc_prop list_answer[] = {
    {"cardDataInfo", "array",
     "the member's cards: par, balance, pendingAmount, limits{once, day, month}, isNamed, "
     "cardStatus, expiryDate, cardType, serviceId"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_card_list = {
    .summary = "A member's cards and their balances (user/card/list)",
    .body = WP_DOC_JSON,
    .shapes = list_shape,
    .shape_count = 1,
    .answer_props = list_answer,
    .answer_prop_count = WP_COUNT(list_answer),
};
static const struct wp_doc_shape info_shape[] = {{NULL, info_fields, 1, NULL}};
static const struct wp_doc_prop info_answer[] = {
    {"userId", "integer", "the card's member"},
    {"balance", "integer", "won on the card"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_card_info = {
    .summary = "A card's member and balance, by its number (user/card/info)",
    .body = WP_DOC_JSON,
    .shapes = info_shape,
    .shape_count = 1,
    .answer_props = info_answer,
    .answer_prop_count = WP_COUNT(info_answer),
};

/* ---- card/status: SUSPEND and RESUME ---- */

static const char *const status_values[] = {"SUSPEND", "RESUME", NULL};

enum { S_USER, S_PAR, S_CARD, S_STATUS };

static const struct wp_field status_fields[] = {
    [S_USER] = {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    [S_PAR] = {"par", WP_FIELD_ALNUM, WP_FIELD_EMPTY_ABSENT, 27, 27},
    [S_CARD] = {"cardNo", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT, 16, 16},
    [S_STATUS] = {"status", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 6, 7, status_values},
};

struct status_write {
	struct kona_write kw;
	int64_t user_id, now_ms;
	const char *par; /* or */
	char uniq[96];	 /* the card number's */
	bool suspend;
};

static wp_status apply_status(struct wp_tx *tx, struct wp_cmd *c)
{
	struct status_write *w = (struct status_write *)c;
	struct kona_req *k = w->kw.k;
	json_t *card = NULL;
	wp_status st;
	if (w->par != NULL) {
		wp_arena a;
		wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
		st = wp_doc_load(NULL, tx, KONA_KIND_CARD, w->par, k->asp_id, &a, &card, NULL);
		wp_arena_free(&a);
	} else {
		st = wp_doc_load_uniq(NULL, tx, KONA_KIND_CARD, w->uniq, &card);
	}
	if (st == WP_OK && (strcmp(kona_str(card, "aspId"), k->asp_id) != 0 ||
			    json_integer_value(json_object_get(card, "userId")) != w->user_id))
		st = WP_E_NOT_FOUND; /* not this member's card */
	if (st != WP_OK) {
		json_decref(card);
		return st;
	}
	if (strcmp(kona_str(card, "status"), KONA_CARD_REPLACED) == 0 ||
	    strcmp(kona_str(card, "status"), KONA_CARD_TERMINATED) == 0) {
		w->kw.code = KONA_CARD_STATUS; /* replaced by a reissue, or withdrawn: for good */
		json_decref(card);
		return WP_OK;
	}
	json_object_set_new(card, "status", json_string(w->suspend ? "SUSPENDED" : "ACTIVE"));
	st = kona_card_save(tx, card, w->now_ms);
	if (st == WP_OK) {
		json_object_set_new(w->kw.reply, "par", json_string(kona_str(card, "par")));
		json_object_set_new(w->kw.reply, "cardStatus",
				    json_string(kona_str(card, "status")));
	}
	json_decref(card);
	return st;
}

enum kona_code kona_card_status(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(status_fields)];
	enum kona_code c = kona_fields(k, status_fields, WP_COUNT(status_fields), v);
	if (c != KONA_OK)
		return c;
	if (!v[S_PAR].present && !v[S_CARD].present) {
		k->field = "par or cardNo";
		return KONA_MISSING;
	}
	if (v[S_CARD].present && !kona_luhn_valid(v[S_CARD].s, v[S_CARD].len))
		return KONA_BAD_CARD;
	json_t *member; /* exists, and is not dormant */
	if ((c = kona_member(k, v[S_USER].i, &member)) != KONA_OK)
		return c;
	struct status_write *w = kona_write_new(k, sizeof(*w), apply_status);
	if (w == NULL || (w->kw.reply = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	w->user_id = v[S_USER].i;
	w->par = v[S_PAR].present ? v[S_PAR].s : NULL;
	if (w->par == NULL)
		kona_card_uniq(k->app, v[S_CARD].s, w->uniq, sizeof(w->uniq));
	w->suspend = strcmp(v[S_STATUS].s, "SUSPEND") == 0;
	w->now_ms = wp_clock_now_ms(&k->app->clock);
	w->kw.on_not_found = v[S_PAR].present ? KONA_BAD_PAR : KONA_BAD_CARD;
	wp_write_submit(&w->kw.w);
	return KONA_DEFERRED;
}

static const struct wp_doc_shape status_shape[] = {
    {NULL, status_fields, WP_COUNT(status_fields), NULL}};
static const struct wp_doc_prop status_answer[] = {
    {"par", "string", NULL},
    {"cardStatus", "string", "ACTIVE or SUSPENDED"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_card_status = {
    .summary = "Suspend or resume a member's card (card/status), named by par or cardNo",
    .description = "A suspended card gets no one-time token (003_001), so it can neither "
		   "charge nor pay.",
    .body = WP_DOC_JSON,
    .shapes = status_shape,
    .shape_count = 1,
    .answer_props = status_answer,
    .answer_prop_count = WP_COUNT(status_answer),
};
