/*
 * physical.c — physical cards: registering one to a member
 * (prepay-card/physical/register), looking one up before it is registered
 * (unregister/card/info), issuing one for delivery (prepay-card/issue/
 * delivery) and reissuing a lost or suspended card (prepay-card/reissue/
 * delivery), which carries its balance over to the new card.
 *
 * A physical card is a card document of type CARDSE. Until a member
 * registers it, its userId is 0 (the portal's test cards start so). Its
 * number, expiry and CVC must all match to register or look it up; five
 * wrong tries in a row lock those two calls for the card for 10 minutes
 * (wonpay's clock) and ten since the last match for good, so the three
 * digits cannot be guessed.
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

#define CVC_TRIES 5 /* wrong in a row: locked for CVC_LOCK_MS */
#define CVC_LOCK_MS (10LL * 60 * 1000)
#define CVC_TRIES_EVER 10 /* wrong since the last match: blocked for good */

/* A physical card named by number, expiry (YYMM) and CVC, checked in the writer. */
struct card_check {
	struct kona_write kw;
	int64_t user_id, now_ms; /* user_id: register (0: look up) */
	char uniq[96];
	const char *expiry, *cvc;
	const char *no_field, *secret_field; /* the request's names: "expiry or CVC" as one */
};

/*
 * The card `w` names, when number, expiry and CVC match (*card a new
 * reference); else w->kw.code set and the try counted. WP_OK either way
 * unless storage failed.
 */
static wp_status check_card(struct card_check *w, struct wp_tx *tx, json_t **card)
{
	struct kona_req *k = w->kw.k;
	*card = NULL;
	json_t *c = NULL;
	wp_status st = wp_doc_load_uniq(NULL, tx, KONA_KIND_CARD, w->uniq, &c);
	if (st == WP_E_NOT_FOUND ||
	    (st == WP_OK && (strcmp(kona_str(c, "aspId"), k->asp_id) != 0 ||
			     strcmp(kona_str(c, "cardType"), KONA_CARD_PHYSICAL) != 0))) {
		json_decref(c);
		k->field = w->no_field; /* no physical card of this partner */
		w->kw.code = KONA_INVALID;
		return WP_OK;
	}
	if (st != WP_OK)
		return st;
	if (kona_int(c, "cvcLockedUntil") > w->now_ms ||
	    kona_int(c, "cvcFailsEver") >= CVC_TRIES_EVER) {
		json_decref(c);
		w->kw.code = KONA_CARD_LOCKED;
		return WP_OK;
	}
	size_t n = 0;
	char *cvc = wp_open(k->app->data_key, "kona.cardCVC", kona_str(c, "cardCVC"), &n);
	bool exp_ok = strncmp(kona_str(c, "expiryDate"), w->expiry, 4) == 0;
	bool cvc_ok = cvc != NULL && n == 3 && CRYPTO_memcmp(cvc, w->cvc, 3) == 0;
	if (cvc != NULL)
		OPENSSL_cleanse(cvc, n);
	free(cvc);
	bool match = exp_ok && cvc_ok;
	int64_t fails = match ? 0 : kona_int(c, "cvcFails") + 1;
	int64_t ever = match ? 0 : kona_int(c, "cvcFailsEver") + 1;
	if (ever != kona_int(c, "cvcFailsEver")) { /* counted, or cleared by a match */
		json_object_set_new(c, "cvcFails", json_integer(fails % CVC_TRIES));
		json_object_set_new(c, "cvcFailsEver", json_integer(ever));
		if (fails == CVC_TRIES)
			json_object_set_new(c, "cvcLockedUntil",
					    json_integer(w->now_ms + CVC_LOCK_MS));
		st = kona_card_save(tx, c, w->now_ms);
	}
	if (st != WP_OK || !exp_ok || !cvc_ok) {
		k->field = w->secret_field; /* which of the two is not said */
		w->kw.code = KONA_INVALID;
		json_decref(c);
		return st;
	}
	*card = c;
	return WP_OK;
}

/* ---- prepay-card/physical/register ---- */

enum { R_USER, R_NO, R_EXP, R_CVC };

static const struct wp_field register_fields[] = {
    [R_USER] = {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    [R_NO] = {"physicalCardNo", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 16, 16},
    [R_EXP] = {"physicalCardExpDate", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 4, 4, .expect = "YYMM"},
    [R_CVC] = {"physicalCardCVC", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 3, 3},
};

/* Whether the card's holder has a charge pending (it would land on this card). */
static wp_status holder_busy(struct wp_tx *tx, const char *asp, int64_t holder, bool *busy)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *m = NULL;
	wp_status st = kona_member_load(tx, asp, holder, &a, &m, NULL);
	*busy = false;
	if (st == WP_OK)
		st = kona_charge_pending(tx, asp, m, busy);
	json_decref(m);
	wp_arena_free(&a);
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}

static wp_status apply_register(struct wp_tx *tx, struct wp_cmd *cmd)
{
	struct card_check *w = (struct card_check *)cmd;
	json_t *card = NULL;
	wp_status st = check_card(w, tx, &card);
	if (card == NULL)
		return st;
	int64_t holder = kona_int(card, "userId");
	bool busy = false;
	if (holder != 0 &&
	    holder != w->user_id) /* the holder's charge must not land on another's */
		st = holder_busy(tx, w->kw.k->asp_id, holder, &busy);
	if (st == WP_OK)
		st = kona_member_in_tx(tx, w->kw.k->asp_id, w->user_id);
	const char *status = kona_str(card, "status");
	if (st == WP_E_NOT_FOUND) {
		w->kw.code = KONA_BAD_USER; /* withdrawn meanwhile */
		st = WP_OK;
	} else if (st != WP_OK) {
		/* storage: the command fails */
	} else if (strcmp(status, "ACTIVE") != 0 && strcmp(status, "SUSPENDED") != 0) {
		w->kw.code = KONA_CARD_STATUS; /* REISSUED or TERMINATED: for good */
	} else if (holder != 0 && holder != w->user_id &&
		   (!json_is_true(json_object_get(card, "portal")) || busy)) {
		w->kw.code = KONA_CARD_TAKEN;
	} else if (holder != w->user_id) { /* the portal's cards move to whoever registers them */
		json_object_set_new(card, "userId", json_integer(w->user_id));
		json_object_set_new(card, "registered_ms", json_integer(w->now_ms));
		/* the new holder starts afresh: earlier tokens (bound to their holder) and
		   spending are the old holder's; the balance is the card's */
		json_object_del(card, "otts");
		json_object_del(card, "spentDay");
		json_object_del(card, "spentMonth");
		st = kona_card_save(tx, card, w->now_ms);
	}
	if (st == WP_OK && w->kw.code == KONA_OK)
		json_object_set_new(
		    w->kw.reply, "basicCardInfo",
		    json_pack("{s:s, s:s, s:s, s:s, s:s}", "par", kona_str(card, "par"),
			      "expiryDate", kona_str(card, "expiryDate"), "serviceId",
			      kona_str(card, "serviceId"), "cardType", kona_str(card, "cardType"),
			      "cardStatus", kona_str(card, "status")));
	json_decref(card);
	return st;
}

static struct card_check *check_new(struct kona_req *k, wp_cmd_apply apply,
				    const struct wp_value *no, const struct wp_value *exp,
				    const struct wp_value *cvc, const struct wp_field *t)
{
	struct card_check *w = kona_write_new(k, sizeof(*w), apply);
	if (w == NULL || (w->kw.reply = kona_json(k, json_object())) == NULL)
		return NULL;
	kona_card_uniq(k->app, no->s, w->uniq, sizeof(w->uniq));
	w->expiry = exp->s;
	w->cvc = cvc->s;
	w->no_field = t[0].name;
	w->secret_field = wp_arena_printf(&k->r->arena, "%s or %s", t[1].name, t[2].name);
	w->now_ms = wp_clock_now_ms(&k->app->clock);
	return w;
}

/* Number, expiry (YYMM, a real month) and CVC: KONA_OK or the field's failure. */
static enum kona_code card_fields(struct kona_req *k, const struct wp_value *no,
				  const struct wp_value *exp, const struct wp_field *t)
{
	int month = (exp->s[2] - '0') * 10 + (exp->s[3] - '0');
	if (!kona_luhn_valid(no->s, no->len))
		k->field = t[0].name;
	else if (month < 1 || month > 12)
		k->field = t[1].name;
	else
		return KONA_OK;
	return KONA_INVALID;
}

enum kona_code kona_physical_register(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(register_fields)];
	enum kona_code c = kona_fields(k, register_fields, WP_COUNT(register_fields), v);
	json_t *member;
	if (c == KONA_OK)
		c = card_fields(k, &v[R_NO], &v[R_EXP], &register_fields[R_NO]);
	if (c == KONA_OK)
		c = kona_member(k, v[R_USER].i, &member);
	if (c != KONA_OK)
		return c;
	struct card_check *w =
	    check_new(k, apply_register, &v[R_NO], &v[R_EXP], &v[R_CVC], &register_fields[R_NO]);
	if (w == NULL)
		return KONA_SYSTEM;
	w->user_id = v[R_USER].i;
	wp_write_submit(&w->kw.w);
	return KONA_DEFERRED;
}

/* ---- unregister/card/info ---- */

enum { U_NO, U_EXP, U_CVC };

static const struct wp_field unregistered_fields[] = {
    [U_NO] = {"cardNo", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 16, 16},
    [U_EXP] = {"expiryDate", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 4, 4, .expect = "YYMM"},
    [U_CVC] = {"cardCVC", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 3, 3},
};

static wp_status apply_lookup(struct wp_tx *tx, struct wp_cmd *cmd)
{
	struct card_check *w = (struct card_check *)cmd;
	json_t *card = NULL;
	wp_status st = check_card(w, tx, &card);
	if (card == NULL)
		return st;
	struct wp_account a;
	int64_t balance = 0;
	st = tx->ops->account_get(tx, kona_int(card, "ledger_account_id"), &a);
	if (st == WP_OK && !wp_account_balance(&a, &balance))
		st = WP_E_INTERNAL;
	if (st == WP_OK)
		json_object_set_new(
		    w->kw.reply, "cardInfo",
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "par", kona_str(card, "par"),
			      "cardType", kona_str(card, "cardType"), "cardStatus",
			      kona_str(card, "status"), "expiryDate", kona_str(card, "expiryDate"),
			      "serviceId", kona_str(card, "serviceId"), "balance",
			      (json_int_t)balance, "isRegistered", kona_int(card, "userId") != 0));
	json_decref(card);
	return st;
}

enum kona_code kona_unregistered_card(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(unregistered_fields)];
	enum kona_code c = kona_fields(k, unregistered_fields, WP_COUNT(unregistered_fields), v);
	if (c == KONA_OK)
		c = card_fields(k, &v[U_NO], &v[U_EXP], unregistered_fields);
	if (c != KONA_OK)
		return c;
	struct card_check *w =
	    check_new(k, apply_lookup, &v[U_NO], &v[U_EXP], &v[U_CVC], unregistered_fields);
	if (w == NULL)
		return KONA_SYSTEM;
	wp_write_submit(&w->kw.w);
	return KONA_DEFERRED;
}

/* ---- prepay-card/issue/delivery and prepay-card/reissue/delivery ---- */

enum { D_USER };
static const struct wp_field user_info_fields[] = {
    [D_USER] = {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
};
enum { A_ADDRESS, A_DETAIL, A_ZIP };
static const struct wp_field address_fields[] = {
    [A_ADDRESS] = {"address", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 200},
    [A_DETAIL] = {"addressDetail", WP_FIELD_TEXT, 0, 0, 200},
    [A_ZIP] = {"zipCode", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 5, 5},
};
enum { I_SERVICE, I_PAR, I_CARD };
static const struct wp_field issue_fields[] = {
    [I_SERVICE] = {"serviceId", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT, 15, 15},
    [I_PAR] = {"par", WP_FIELD_ALNUM, WP_FIELD_EMPTY_ABSENT, 27, 27},
    [I_CARD] = {"cardNo", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT, 16, 16},
};

struct delivery {
	struct kona_write kw;
	int64_t user_id, now_ms;
	const char *par;     /* reissue: the card replaced, by par, */
	char uniq[96];	     /* or by number; "" for an issue */
	const char *address; /* sealed; NULL when not delivered */
	bool reissue;
};

/* The fields of an object inside the body (userInfo, addressInfo), named "object.field". */
static enum kona_code nested(struct kona_req *k, const char *name, const struct wp_field *t,
			     size_t n, struct wp_value *v, bool required)
{
	json_t *o = json_object_get(k->body, name);
	if (o == NULL || json_is_null(o)) {
		if (!required)
			return KONA_OK;
		k->field = name;
		return KONA_MISSING;
	}
	if (!json_is_object(o)) {
		k->field = name;
		return KONA_INVALID;
	}
	json_t *body = k->body;
	k->body = o;
	enum kona_code c = kona_fields(k, t, n, v);
	k->body = body;
	if (c != KONA_OK && k->field != NULL)
		k->field = wp_arena_printf(&k->r->arena, "%s.%s", name, k->field);
	return c;
}

static const char *sealed_address(struct kona_req *k, const struct wp_value a[3])
{
	json_t *addr = json_pack("{s:s, s:s, s:s}", "address", a[A_ADDRESS].s, "addressDetail",
				 a[A_DETAIL].present ? a[A_DETAIL].s : "", "zipCode", a[A_ZIP].s);
	char *text = addr ? json_dumps(addr, JSON_COMPACT) : NULL;
	json_decref(addr);
	const char *sealed = text ? wp_req_seal(k->r, "kona.addressInfo", text) : NULL;
	free(text);
	return sealed;
}

enum kona_code kona_address(struct kona_req *k, bool required, const char **sealed)
{
	struct wp_value a[WP_COUNT(address_fields)] = {0};
	*sealed = NULL;
	enum kona_code c =
	    nested(k, "addressInfo", address_fields, WP_COUNT(address_fields), a, required);
	if (c != KONA_OK || !a[A_ADDRESS].present)
		return c;
	return (*sealed = sealed_address(k, a)) != NULL ? KONA_OK : KONA_SYSTEM;
}

/* A member's cards, counted in the writer: the list shows at most KONA_CARDS_MAX. */
static wp_status room_for_a_card(struct wp_tx *tx, const char *asp_id, int64_t user_id, bool *room)
{
	char user[24];
	snprintf(user, sizeof(user), "%" PRId64, user_id);
	json_t *cards = NULL;
	wp_status st = wp_doc_list(NULL, tx, KONA_KIND_CARD, asp_id, user, KONA_CARDS_ALL, &cards);
	size_t held = 0, i;
	json_t *c;
	json_array_foreach(cards, i, c) held +=
	    strcmp(kona_str(c, "status"), KONA_CARD_REPLACED) != 0;
	json_decref(cards);
	*room = held < KONA_CARDS_MAX - 1;
	return st;
}

/* Reissue: the old card's balance onto the new one, logged as a transfer (03) on both. */
static wp_status carry_over(struct delivery *w, struct wp_tx *tx, json_t *old, json_t *card)
{
	struct kona_req *k = w->kw.k;
	struct wp_account a;
	int64_t balance = 0;
	wp_status st = tx->ops->account_get(tx, kona_int(old, "ledger_account_id"), &a);
	if (st == WP_OK && !wp_account_balance(&a, &balance))
		st = WP_E_INTERNAL;
	if (st != WP_OK || balance == 0)
		return st;
	struct wp_transfer t = {.debit_account_id = kona_int(old, "ledger_account_id"),
				.credit_account_id = kona_int(card, "ledger_account_id"),
				.amount = balance,
				.code = WP_TRANSFER_CODE_CARD_MOVE},
			   out;
	snprintf(t.id, sizeof(t.id), "kona:reissue:%s", kona_str(old, "par"));
	bool replayed;
	st = wp_ledger_transfer(tx, &t, w->now_ms, &out, &replayed);
	if (st == WP_OK && out.result != WP_TR_OK)
		st = WP_E_INTERNAL; /* the old card holds exactly its posted balance */
	char nr[32];
	snprintf(nr, sizeof(nr), "KMR%s", kona_str(old, "par") + 1);
	if (st == WP_OK)
		st = kona_card_log(k->asp_id, tx, old, "03", -balance, "", nr, w->now_ms);
	snprintf(nr, sizeof(nr), "KMT%s", kona_str(card, "par") + 1);
	if (st == WP_OK)
		st = kona_card_log(k->asp_id, tx, card, "03", balance, "", nr, w->now_ms);
	if (st == WP_OK)
		json_object_set_new(w->kw.reply, "transferredAmount", json_integer(balance));
	return st;
}

static wp_status apply_delivery(struct wp_tx *tx, struct wp_cmd *cmd)
{
	struct delivery *w = (struct delivery *)cmd;
	struct kona_req *k = w->kw.k;
	json_t *old = NULL, *card = NULL;
	bool room = true; /* a reissue replaces a card: it adds none */
	wp_status st = kona_member_in_tx(tx, k->asp_id, w->user_id);
	if (st == WP_E_NOT_FOUND) {
		w->kw.code = KONA_BAD_USER; /* withdrawn meanwhile */
		return WP_OK;
	}
	if (st == WP_OK && !w->reissue)
		st = room_for_a_card(tx, k->asp_id, w->user_id, &room);
	if (st != WP_OK)
		return st;
	if (!room) {
		w->kw.code = KONA_CARD_LIMIT;
		return WP_OK;
	}
	struct kona_card_spec spec = {
	    .asp_id = k->asp_id, .user_id = w->user_id, .type = KONA_CARD_PHYSICAL, .out = &card};
	if (w->reissue) {
		wp_arena a;
		wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
		st = w->par
			 ? wp_doc_load(NULL, tx, KONA_KIND_CARD, w->par, k->asp_id, &a, &old, NULL)
			 : wp_doc_load_uniq(NULL, tx, KONA_KIND_CARD, w->uniq, &old);
		wp_arena_free(&a);
		if (st == WP_OK && (strcmp(kona_str(old, "aspId"), k->asp_id) != 0 ||
				    kona_int(old, "userId") != w->user_id))
			st = WP_E_NOT_FOUND; /* not this member's card */
		if (st != WP_OK)
			goto out;
		/* only a lost (suspended) card is replaced, and a card at most 15 times */
		if (strcmp(kona_str(old, "status"), "SUSPENDED") != 0 ||
		    kona_int(old, "generation") >= KONA_CARD_CHAIN_MAX - 1) {
			w->kw.code = KONA_CARD_STATUS;
			goto out;
		}
		spec.type = strcmp(kona_str(old, "cardType"), KONA_CARD_MOBILE) == 0
				? KONA_CARD_MOBILE
				: KONA_CARD_PHYSICAL;
		spec.previous_par = kona_str(old, "par");
	}
	st = kona_card_create(k->app, tx, &spec, w->now_ms, w->kw.reply);
	if (st == WP_OK && w->address != NULL)
		json_object_set_new(card, "delivery", json_string(w->address));
	if (st == WP_OK && old != NULL) { /* its place in the chain, and its spending so far */
		json_object_set_new(card, "generation",
				    json_integer(kona_int(old, "generation") + 1));
		json_t *spent;
		if ((spent = json_object_get(old, "spentDay")) != NULL)
			json_object_set(card, "spentDay", spent);
		if ((spent = json_object_get(old, "spentMonth")) != NULL)
			json_object_set(card, "spentMonth", spent);
	}
	if (st == WP_OK && old != NULL) {
		st = carry_over(w, tx, old, card);
		json_object_set_new(old, "status", json_string(KONA_CARD_REPLACED));
		json_object_set_new(old, "replacedBy", json_string(kona_str(card, "par")));
		if (st == WP_OK)
			st = kona_card_save(tx, old, w->now_ms);
	}
	if (st == WP_OK && (w->address != NULL || old != NULL))
		st = kona_card_save(tx, card, w->now_ms);
	if (st == WP_OK) {
		char apply_no[32];
		snprintf(apply_no, sizeof(apply_no), "A%s", kona_str(card, "par") + 1);
		json_object_set_new(w->kw.reply, "cardApplyNo", json_string(apply_no));
		if (old != NULL)
			json_object_set_new(w->kw.reply, "previousPar",
					    json_string(kona_str(old, "par")));
	}
out:
	json_decref(old);
	json_decref(card);
	return st;
}

static enum kona_code delivery(struct kona_req *k, bool reissue)
{
	struct wp_value u[1] = {0}, v[WP_COUNT(issue_fields)] = {0};
	const char *address = NULL;
	enum kona_code c = nested(k, "userInfo", user_info_fields, 1, u, true);
	json_t *deliver = json_object_get(k->body, "isDeliveryRequired");
	if (c == KONA_OK && deliver != NULL && !json_is_boolean(deliver) &&
	    !json_is_null(deliver)) {
		k->field = "isDeliveryRequired";
		c = KONA_INVALID;
	}
	bool delivered = !json_is_false(deliver); /* absent: delivered */
	if (c == KONA_OK)
		c = kona_address(k, delivered, &address);
	if (c == KONA_OK)
		c = kona_fields(k, &issue_fields[I_SERVICE], 1, &v[I_SERVICE]);
	if (c == KONA_OK && reissue)
		c = kona_fields(k, &issue_fields[I_PAR], 2, &v[I_PAR]);
	if (c == KONA_OK && v[I_SERVICE].present && strcmp(v[I_SERVICE].s, KONA_SERVICE_ID) != 0) {
		k->field = "serviceId"; /* the one card product of the sandbox */
		c = KONA_INVALID;
	}
	if (c == KONA_OK && reissue && !v[I_PAR].present && !v[I_CARD].present) {
		k->field = "par or cardNo";
		c = KONA_MISSING;
	}
	if (c == KONA_OK && reissue && !v[I_PAR].present &&
	    !kona_luhn_valid(v[I_CARD].s, v[I_CARD].len))
		c = KONA_BAD_CARD;
	json_t *member;
	if (c == KONA_OK)
		c = kona_member(k, u[0].i, &member);
	if (c != KONA_OK)
		return c;
	struct delivery *w = kona_write_new(k, sizeof(*w), apply_delivery);
	if (w == NULL || (w->kw.reply = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	w->user_id = u[0].i;
	w->now_ms = wp_clock_now_ms(&k->app->clock);
	w->reissue = reissue;
	if (reissue && v[I_PAR].present)
		w->par = v[I_PAR].s;
	else if (reissue)
		kona_card_uniq(k->app, v[I_CARD].s, w->uniq, sizeof(w->uniq));
	w->address = delivered ? address : NULL;
	w->kw.on_not_found = v[I_PAR].present ? KONA_BAD_PAR : KONA_BAD_CARD;
	wp_write_submit(&w->kw.w);
	return KONA_DEFERRED;
}

enum kona_code kona_issue_delivery(struct kona_req *k)
{
	return delivery(k, false);
}

enum kona_code kona_reissue_delivery(struct kona_req *k)
{
	return delivery(k, true);
}

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_shape register_shape[] = {
    {NULL, register_fields, WP_COUNT(register_fields), NULL}};
static const struct wp_doc_prop register_answer[] = {
    {"basicCardInfo", "object", "par, expiryDate (YYMMDD), serviceId, cardType, cardStatus"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_physical_register = {
    .summary = "Register a physical card to a member (prepay-card/physical/register)",
    .description = "Number, expiry (YYMM) and CVC must match (000_002, not saying which of "
		   "expiry and CVC is wrong); five wrong tries lock the card's registration for "
		   "10 minutes, ten for good (003_005). A card another member holds is 003_003; "
		   "the portal's test cards move to whoever registers them unless its holder "
		   "has a charge pending.",
    .body = WP_DOC_JSON,
    .shapes = register_shape,
    .shape_count = 1,
    .answer_props = register_answer,
    .answer_prop_count = WP_COUNT(register_answer),
};
static const struct wp_doc_shape unregistered_shape[] = {
    {NULL, unregistered_fields, WP_COUNT(unregistered_fields), NULL}};
static const struct wp_doc_prop unregistered_answer[] = {
    {"cardInfo", "object",
     "par, cardType, cardStatus, expiryDate, serviceId, balance, isRegistered"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_unregistered_card = {
    .summary = "A physical card by number, expiry and CVC (unregister/card/info)",
    .body = WP_DOC_JSON,
    .shapes = unregistered_shape,
    .shape_count = 1,
    .answer_props = unregistered_answer,
    .answer_prop_count = WP_COUNT(unregistered_answer),
};
static const struct wp_doc_object delivery_objects[] = {
    {"userInfo", user_info_fields, WP_COUNT(user_info_fields)},
    {"addressInfo", address_fields, WP_COUNT(address_fields)},
};
static const struct wp_doc_shape delivery_shape[] = {
    {NULL, issue_fields, WP_COUNT(issue_fields), NULL, delivery_objects,
     WP_COUNT(delivery_objects)},
};
static const struct wp_doc_prop delivery_answer[] = {
    {"cardApplyNo", "string", "the application's number"},
    {"basicCardInfo", "object", "the new card: par, cardNo, expiryDate (YYMMDD), serviceId"},
    {"previousPar", "string", "reissue: the card replaced"},
    {"transferredAmount", "integer", "reissue: the balance carried over (when any)"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_issue_delivery = {
    .summary = "Issue a physical card to a member, delivered (prepay-card/issue/delivery)",
    .description = "userInfo{userId}; addressInfo{address, addressDetail, zipCode} unless "
		   "isDeliveryRequired (boolean, default true) is false; serviceId, when given, "
		   "the sandbox's "
		   "000170000002000. par and cardNo are not read.",
    .body = WP_DOC_JSON,
    .shapes = delivery_shape,
    .shape_count = WP_COUNT(delivery_shape),
    .answer_props = delivery_answer,
    .answer_prop_count = WP_COUNT(delivery_answer),
};
const struct wp_route_doc kona_doc_reissue_delivery = {
    .summary = "Replace a lost or suspended card (prepay-card/reissue/delivery)",
    .description = "The card (par or cardNo) must be SUSPENDED (003_001 otherwise); the new "
		   "card of the same type takes its balance (logged as trType 03 on both) and "
		   "the old one becomes REISSUED; its history stays reachable "
		   "(transaction/card with includePreviousCard).",
    .body = WP_DOC_JSON,
    .shapes = delivery_shape,
    .shape_count = WP_COUNT(delivery_shape),
    .answer_props = delivery_answer,
    .answer_prop_count = WP_COUNT(delivery_answer),
};
