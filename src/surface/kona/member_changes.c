/*
 * member_changes.c — what changes a member: info change (user/info/update),
 * password verify, change and reset (user/password/...), withdrawal
 * (user/withdrawal) and dormant release (user/dormant/release).
 *
 * Each is a member write: the member is loaded in the commit writer, changed
 * and saved (its last change is what dormancy counts from). Passwords are
 * kept as a keyed hash of AspId, login and password; five wrong ones in a
 * row lock verify and change (001_003) until a reset.
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

#define PASSWORD_TRIES 5

static wp_status apply_member_write(struct wp_tx *tx, struct wp_cmd *c)
{
	struct kona_member_write *w = (struct kona_member_write *)c;
	struct kona_req *k = w->kw.k;
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *m = NULL;
	struct wp_doc meta;
	wp_status st = kona_member_load(tx, k->asp_id, w->user_id, &a, &m, &meta);
	bool save = false;
	if (st == WP_E_NOT_FOUND) {
		w->kw.code = KONA_BAD_USER; /* withdrawn meanwhile */
		st = WP_OK;
	} else if (st == WP_OK) {
		st = w->change(w, tx, m, &save);
	}
	if (st == WP_OK && save) {
		meta.updated_ms = w->now_ms;
		st = wp_doc_save(tx, &meta, m, false);
	}
	json_decref(m);
	wp_arena_free(&a);
	return st;
}

void *kona_member_write_new(struct kona_req *k, size_t size, int64_t user_id,
			    kona_member_change change)
{
	struct kona_member_write *w = kona_write_new(k, size, apply_member_write);
	if (w == NULL || (w->kw.reply = kona_json(k, json_object())) == NULL)
		return NULL;
	w->user_id = user_id;
	w->now_ms = wp_clock_now_ms(&k->app->clock);
	w->change = change;
	return w;
}

/* A sealed field of the member opened in the writer (malloc'd), or NULL. */
static char *open_field(struct kona_member_write *w, json_t *m, const char *key, const char *aad)
{
	size_t n = 0;
	const char *sealed = json_string_value(json_object_get(m, key));
	return sealed ? wp_open(w->kw.k->app->data_key, aad, sealed, &n) : NULL;
}

static void free_secret(char *p)
{
	if (p != NULL)
		OPENSSL_cleanse(p, strlen(p));
	free(p);
}

/* ---- user/info/update ---- */

static const struct wp_field update_fields[] = {
    {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    {"mobileNumber", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT, 10, 20},
    {"email", WP_FIELD_EMAIL, WP_FIELD_EMPTY_ABSENT, 1, 50},
};

struct update_write {
	struct kona_member_write mw;
	const char *mobile, *email, *address;	   /* sealed; NULL: unchanged */
	char mobile_hash[2 * WP_SHA256_BYTES + 1]; /* the new number's */
};

static wp_status change_info(struct kona_member_write *mw, struct wp_tx *tx, json_t *m, bool *save)
{
	struct update_write *w = (struct update_write *)mw;
	const char *asp = mw->kw.k->asp_id;
	char user[24];
	snprintf(user, sizeof(user), "%" PRId64, mw->user_id);
	wp_status st = WP_OK;
	if (w->mobile != NULL) { /* the index follows the number */
		char *old = open_field(mw, m, "mobileNumber", "kona.mobileNumber");
		if (old != NULL) {
			char hash[2 * WP_SHA256_BYTES + 1];
			kona_index_hash(mw->kw.k->app, KONA_KIND_MOBILE, old, hash);
			st = kona_index_drop(tx, KONA_KIND_MOBILE, asp, hash, user);
		}
		free_secret(old);
		if (st == WP_OK)
			st = kona_index_put(tx, KONA_KIND_MOBILE, asp, w->mobile_hash, user,
					    mw->now_ms);
		json_object_set_new(m, "mobileNumber", json_string(w->mobile));
	}
	if (w->email != NULL)
		json_object_set_new(m, "email", json_string(w->email));
	if (w->address != NULL)
		json_object_set_new(m, "addressInfo", json_string(w->address));
	*save = st == WP_OK;
	return st;
}

enum kona_code kona_user_update(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(update_fields)];
	enum kona_code c = kona_fields(k, update_fields, WP_COUNT(update_fields), v);
	const char *address = NULL;
	json_t *member;
	if (c == KONA_OK)
		c = kona_address(k, false, &address);
	if (c == KONA_OK && !v[1].present && !v[2].present && address == NULL) {
		k->field = "mobileNumber, email or addressInfo";
		c = KONA_MISSING;
	}
	if (c == KONA_OK)
		c = kona_member(k, v[0].i, &member);
	if (c != KONA_OK)
		return c;
	struct update_write *w = kona_member_write_new(k, sizeof(*w), v[0].i, change_info);
	if (w == NULL)
		return KONA_SYSTEM;
	w->address = address;
	if (v[1].present) {
		kona_index_hash(k->app, KONA_KIND_MOBILE, v[1].s, w->mobile_hash);
		w->mobile = wp_req_seal(k->r, "kona.mobileNumber", v[1].s);
	}
	if (v[2].present)
		w->email = wp_req_seal(k->r, "kona.email", v[2].s);
	if ((v[1].present && w->mobile == NULL) || (v[2].present && w->email == NULL))
		return KONA_SYSTEM;
	json_object_set_new(w->mw.kw.reply, "userId", json_integer(v[0].i));
	wp_write_submit(&w->mw.kw.w);
	return KONA_DEFERRED;
}

/* ---- user/password/verify, change, reset ---- */

static const struct wp_field password_fields[] = {
    {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    {"loginPassword", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 6, 6},
    {"newLoginPassword", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 6, 6},
};
enum { P_USER, P_CURRENT, P_NEW };

struct password_write {
	struct kona_member_write mw;
	char current[7], next[7]; /* "" when not part of the call */
};

void kona_password_hash(const struct wp_app *app, const char *asp, const char *login,
			const char *password, char *out)
{
	char input[KONA_ASP_ID_LEN + 100];
	snprintf(input, sizeof(input), "%s|%.80s|%s", asp, login, password);
	wp_lookup_hash(app->data_key, "kona.password", input, out);
	OPENSSL_cleanse(input, sizeof(input));
}

static wp_status change_password(struct kona_member_write *mw, struct wp_tx *tx, json_t *m,
				 bool *save)
{
	(void)tx;
	struct password_write *w = (struct password_write *)mw;
	struct kona_req *k = mw->kw.k;
	char *login = open_field(mw, m, "loginId", "kona.loginId");
	if (login == NULL)
		return WP_E_INTERNAL;
	char hash[2 * WP_SHA256_BYTES + 1];
	*save = true; /* a try is the member's activity, and counted */
	if (w->current[0] != '\0') {
		if (json_is_true(json_object_get(m, "passwordLocked"))) {
			mw->kw.code = KONA_PASSWORD_LOCKED;
			*save = false;
			free_secret(login);
			return WP_OK;
		}
		kona_password_hash(k->app, k->asp_id, login, w->current, hash);
		if (CRYPTO_memcmp(hash, kona_str(m, "password"), sizeof(hash) - 1) != 0) {
			int64_t fails = kona_int(m, "passwordFails") + 1;
			json_object_set_new(m, "passwordFails", json_integer(fails));
			if (fails >= PASSWORD_TRIES)
				json_object_set_new(m, "passwordLocked", json_true());
			mw->kw.code =
			    fails >= PASSWORD_TRIES ? KONA_PASSWORD_LOCKED : KONA_PASSWORD;
			free_secret(login);
			return WP_OK;
		}
	}
	if (w->next[0] != '\0') {
		if (strcmp(w->next, w->current) == 0) {
			k->field = "newLoginPassword"; /* the same password again */
			mw->kw.code = KONA_INVALID;
			*save = false;
			free_secret(login);
			return WP_OK;
		}
		kona_password_hash(k->app, k->asp_id, login, w->next, hash);
		json_object_set_new(m, "password", json_string(hash));
		json_object_del(m, "passwordLocked");
	}
	json_object_del(m, "passwordFails");
	OPENSSL_cleanse(hash, sizeof(hash));
	free_secret(login);
	return WP_OK;
}

/* verify: current; change: current and new; reset: new. */
static enum kona_code password(struct kona_req *k, bool current, bool next)
{
	struct wp_value v[WP_COUNT(password_fields)] = {0};
	enum kona_code c = kona_fields(k, password_fields, 1, v);
	if (c == KONA_OK && current)
		c = kona_fields(k, &password_fields[P_CURRENT], 1, &v[P_CURRENT]);
	if (c == KONA_OK && next)
		c = kona_fields(k, &password_fields[P_NEW], 1, &v[P_NEW]);
	json_t *member;
	if (c == KONA_OK)
		c = kona_member(k, v[P_USER].i, &member);
	if (c != KONA_OK)
		return c;
	struct password_write *w =
	    kona_member_write_new(k, sizeof(*w), v[P_USER].i, change_password);
	if (w == NULL)
		return KONA_SYSTEM;
	if (current)
		memcpy(w->current, v[P_CURRENT].s, 6);
	if (next)
		memcpy(w->next, v[P_NEW].s, 6);
	wp_write_submit(&w->mw.kw.w);
	return KONA_DEFERRED;
}

enum kona_code kona_password_verify(struct kona_req *k)
{
	return password(k, true, false);
}

enum kona_code kona_password_change(struct kona_req *k)
{
	return password(k, true, true);
}

enum kona_code kona_password_reset(struct kona_req *k)
{
	return password(k, false, true);
}

/* ---- user/withdrawal ---- */

/* Whether any of the member's cards holds money, or a charge or cancel is pending. */
static wp_status holds_money(struct kona_member_write *w, struct wp_tx *tx, const char *user,
			     json_t *cards, bool *holds)
{
	const char *asp = w->kw.k->asp_id;
	json_t *charges = NULL;
	size_t i;
	json_t *e;
	*holds = false;
	json_array_foreach(cards, i, e)
	{
		struct wp_account a;
		int64_t balance = 0;
		wp_status st = tx->ops->account_get(tx, kona_int(e, "ledger_account_id"), &a);
		if (st != WP_OK)
			return st;
		if (!wp_account_balance(&a, &balance))
			return WP_E_INTERNAL;
		*holds = *holds || balance != 0;
	}
	wp_status st = wp_doc_list(NULL, tx, KONA_KIND_CHARGE, asp, user, 1000, &charges);
	json_array_foreach(charges, i, e) *holds =
	    *holds || strcmp(kona_str(e, "result"), "PENDING") == 0;
	json_decref(charges);
	return st;
}

static wp_status change_withdraw(struct kona_member_write *w, struct wp_tx *tx, json_t *m,
				 bool *save)
{
	const char *asp = w->kw.k->asp_id;
	char user[24];
	snprintf(user, sizeof(user), "%" PRId64, w->user_id);
	json_t *cards = NULL;
	bool holds = false;
	*save = false;
	wp_status st = wp_doc_list(NULL, tx, KONA_KIND_CARD, asp, user, KONA_CARDS_ALL, &cards);
	if (st == WP_OK)
		st = holds_money(w, tx, user, cards, &holds);
	if (st == WP_OK && holds)
		w->kw.code = KONA_WITHDRAW_DENIED;
	size_t i;
	json_t *card;
	json_array_foreach(cards, i, card)
	{
		if (st != WP_OK || holds)
			break;
		if (strcmp(kona_str(card, "status"), KONA_CARD_REPLACED) == 0)
			continue;
		json_object_set_new(card, "status", json_string(KONA_CARD_TERMINATED));
		json_object_del(card, "otts");
		st = kona_card_save(tx, card, w->now_ms);
	}
	json_decref(cards);
	if (st != WP_OK || holds)
		return st;
	/* the member's personal data goes with it: its document and its indexes */
	static const struct {
		const char *key, *aad, *kind;
	} indexed[] = {{"ci", "kona.ci", KONA_KIND_CI},
		       {"mobileNumber", "kona.mobileNumber", KONA_KIND_MOBILE}};
	for (size_t j = 0; st == WP_OK && j < WP_COUNT(indexed); j++) {
		char *v = open_field(w, m, indexed[j].key, indexed[j].aad);
		if (v != NULL) {
			char hash[2 * WP_SHA256_BYTES + 1];
			kona_index_hash(w->kw.k->app, indexed[j].kind, v, hash);
			st = kona_index_drop(tx, indexed[j].kind, asp, hash, user);
		}
		free_secret(v);
	}
	/* its account registrations (sealed account and holder) and its ARS number */
	json_t *regs = NULL;
	if (st == WP_OK)
		st = wp_doc_list(NULL, tx, KONA_KIND_BANKACC, asp, user, WP_KONA_REGISTRATIONS_MAX,
				 &regs);
	json_array_foreach(regs, i, card)
	{
		if (st == WP_OK)
			st = tx->ops->doc_delete(tx, KONA_KIND_BANKACC, kona_str(card, "_id"));
	}
	json_decref(regs);
	char ars[KONA_ASP_ID_LEN + 32];
	snprintf(ars, sizeof(ars), "%s:%s", asp, user);
	if (st == WP_OK && (st = tx->ops->doc_delete(tx, KONA_KIND_ARS, ars)) == WP_E_NOT_FOUND)
		st = WP_OK;
	return st == WP_OK ? tx->ops->doc_delete(tx, KONA_KIND_MEMBER, user) : st;
}

/* ---- user/dormant/release ---- */

static wp_status change_nothing(struct kona_member_write *w, struct wp_tx *tx, json_t *m,
				bool *save)
{
	(void)w;
	(void)tx;
	(void)m;
	*save = true; /* saved now: awake for another year */
	return WP_OK;
}

static enum kona_code member_call(struct kona_req *k, kona_member_change change, bool dormant_ok)
{
	struct wp_value v[1];
	json_t *member;
	enum kona_code c = kona_fields(k, password_fields, 1, v); /* userId */
	int64_t user_id = v[0].i;
	bool asleep = false;
	if (c == KONA_OK)
		c = kona_member_any(k, user_id, &member, &asleep);
	if (c == KONA_OK && asleep && !dormant_ok)
		c = KONA_DORMANT;
	if (c != KONA_OK)
		return c;
	struct kona_member_write *w = kona_member_write_new(k, sizeof(*w), user_id, change);
	if (w == NULL)
		return KONA_SYSTEM;
	json_object_set_new(w->kw.reply, "userId", json_integer(user_id));
	wp_write_submit(&w->kw.w);
	return KONA_DEFERRED;
}

enum kona_code kona_user_withdrawal(struct kona_req *k)
{
	return member_call(k, change_withdraw, false);
}

enum kona_code kona_dormant_release(struct kona_req *k)
{
	return member_call(k, change_nothing, true);
}

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_shape update_shape[] = {
    {NULL, update_fields, WP_COUNT(update_fields), NULL, NULL, 0},
};
static const struct wp_doc_prop user_answer[] = {
    {"userId", "integer", NULL},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_user_update = {
    .summary = "Change a member's mobile number, email or address (user/info/update)",
    .description = "At least one of mobileNumber, email, addressInfo{address, addressDetail, "
		   "zipCode}; name, birth date and CI do not change.",
    .body = WP_DOC_JSON,
    .shapes = update_shape,
    .shape_count = 1,
    .answer_props = user_answer,
    .answer_prop_count = WP_COUNT(user_answer),
};
static const struct wp_doc_shape verify_shape[] = {{NULL, password_fields, 2, NULL}};
static const struct wp_doc_shape change_shape[] = {{NULL, password_fields, 3, NULL}};
static const struct wp_field reset_fields[] = {
    {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    {"newLoginPassword", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 6, 6},
};
static const struct wp_doc_shape reset_shape[] = {{NULL, reset_fields, 2, NULL}};
static const struct wp_doc_prop response_only[] = {
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_password_verify = {
    .summary = "Check a member's password (user/password/verify)",
    .description = "001_002 when it does not match; the fifth wrong one in a row locks verify "
		   "and change (001_003) until user/password/reset.",
    .body = WP_DOC_JSON,
    .shapes = verify_shape,
    .shape_count = 1,
    .answer_props = response_only,
    .answer_prop_count = WP_COUNT(response_only),
};
const struct wp_route_doc kona_doc_password_change = {
    .summary = "Change a member's password, knowing the current one (user/password/change)",
    .body = WP_DOC_JSON,
    .shapes = change_shape,
    .shape_count = 1,
    .answer_props = response_only,
    .answer_prop_count = WP_COUNT(response_only),
};
const struct wp_route_doc kona_doc_password_reset = {
    .summary = "Set a new password after the partner verified the member (user/password/reset)",
    .description = "Also lifts the lock five wrong passwords set.",
    .body = WP_DOC_JSON,
    .shapes = reset_shape,
    .shape_count = 1,
    .answer_props = response_only,
    .answer_prop_count = WP_COUNT(response_only),
};
const struct wp_route_doc kona_doc_withdrawal = {
    .summary = "A member leaves (user/withdrawal)",
    .description = "Refused (001_004) while a card holds money or a charge or its cancel is "
		   "pending; then the member's personal data is deleted, its cards TERMINATED, "
		   "and its userId answers 000_002.",
    .body = WP_DOC_JSON,
    .shapes = kona_user_id_shape,
    .shape_count = 1,
    .answer_props = user_answer,
    .answer_prop_count = WP_COUNT(user_answer),
};
const struct wp_route_doc kona_doc_dormant_release = {
    .summary = "Wake a dormant member (user/dormant/release)",
    .description = "A member with no write of its own and no card transaction for a year "
		   "(wonpay's clock) is dormant: its calls answer 001_005 until this one.",
    .body = WP_DOC_JSON,
    .shapes = kona_user_id_shape,
    .shape_count = 1,
    .answer_props = user_answer,
    .answer_prop_count = WP_COUNT(user_answer),
};
