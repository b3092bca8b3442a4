/*
 * members.c — user/registration, user/info (and by CI), checkRegistrationId.
 *
 * Personal data is sealed field by field (AAD "kona.<field>"); the login id
 * is found again through a keyed hash (uniq: AspId + HMAC of the login), so
 * the same login twice at one partner is 001_001; the CI (one member per
 * person) and the mobile number through index documents of their keyed
 * hashes. A member is dormant after a year without a write of its own or a
 * card transaction: member calls answer 001_005 until user/dormant/release.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/docs.h"
#include "surface/kona/kona.h"

const char *kona_open(struct kona_req *k, json_t *doc, const char *name, const char *aad)
{
	return wp_req_open(k->r, aad, json_string_value(json_object_get(doc, name)));
}

/*
 * Dormant: nothing written for the member (its document's last change) and
 * no card transaction for KONA_DORMANT_MS on wonpay's clock.
 */
static bool dormant(struct kona_req *k, const char *user, int64_t changed_ms)
{
	int64_t now = wp_clock_now_ms(&k->app->clock);
	if (now - changed_ms <= KONA_DORMANT_MS)
		return false;
	json_t *cards = NULL;
	bool asleep = wp_doc_list(k->app->store, NULL, KONA_KIND_CARD, k->asp_id, user,
				  KONA_CARDS_ALL, &cards) == WP_OK;
	size_t i;
	json_t *c;
	json_array_foreach(cards, i, c)
	{
		json_t *tx = NULL;
		if (asleep &&
		    wp_doc_list(k->app->store, NULL, KONA_KIND_CARD_TX, k->asp_id,
				kona_str(c, "par"), 1, &tx) == WP_OK &&
		    now - kona_int(json_array_get(tx, 0), "at_ms") <= KONA_DORMANT_MS)
			asleep = false;
		json_decref(tx);
	}
	json_decref(cards);
	return asleep;
}

enum kona_code kona_member_any(struct kona_req *k, int64_t user_id, json_t **member,
			       bool *is_dormant)
{
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)user_id);
	json_t *m = NULL;
	struct wp_doc meta;
	/* Another partner's member does not exist for this one. */
	wp_status st = wp_doc_load(k->app->store, NULL, KONA_KIND_MEMBER, id, k->asp_id,
				   &k->r->arena, &m, &meta);
	*member = kona_json(k, m);
	if (st == WP_E_NOT_FOUND)
		return KONA_BAD_USER;
	if (st != WP_OK || *member == NULL)
		return KONA_SYSTEM;
	*is_dormant = dormant(k, id, meta.updated_ms);
	return KONA_OK;
}

wp_status kona_member_load(struct wp_tx *tx, const char *asp, int64_t user_id, wp_arena *a,
			   json_t **member, struct wp_doc *meta)
{
	char id[24];
	snprintf(id, sizeof(id), "%" PRId64, user_id);
	return wp_doc_load(NULL, tx, KONA_KIND_MEMBER, id, asp, a, member, meta);
}

wp_status kona_member_in_tx(struct wp_tx *tx, const char *asp, int64_t user_id)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	json_t *m = NULL;
	wp_status st = kona_member_load(tx, asp, user_id, &a, &m, NULL);
	json_decref(m);
	wp_arena_free(&a);
	return st;
}

enum kona_code kona_member(struct kona_req *k, int64_t user_id, json_t **member)
{
	bool asleep = false;
	enum kona_code c = kona_member_any(k, user_id, member, &asleep);
	return c == KONA_OK && asleep ? KONA_DORMANT : c;
}

static const struct wp_field user_id_field[] = {
    {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
};

enum kona_code kona_member_of_body(struct kona_req *k, int64_t *user_id, json_t **member)
{
	struct wp_value v[1];
	json_t *m;
	enum kona_code c = kona_fields(k, user_id_field, 1, v);
	if (c == KONA_OK)
		c = kona_member(k, v[0].i, &m);
	*user_id = v[0].i;
	if (member != NULL)
		*member = c == KONA_OK ? m : NULL;
	return c;
}

/* ---- user/registration ---- */

static const char *const nationalities[] = {"Korean", "Foreigner", NULL};
static const char *const genders[] = {"Male", "Female", NULL};

enum { F_CI, F_LOGIN, F_PASSWORD, F_BIRTH, F_NATIONALITY, F_GENDER, F_NAME, F_MOBILE, F_EMAIL };

static const struct wp_field registration_fields[] = {
    [F_CI] = {"ci", WP_FIELD_TEXT, 0, 88, 88},
    [F_LOGIN] = {"loginId", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 80},
    [F_PASSWORD] = {"loginPassword", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 6, 6},
    [F_BIRTH] = {"birthDate", WP_FIELD_BIRTH_DATE, WP_FIELD_REQUIRED, 8, 8},
    [F_NATIONALITY] = {"nationality", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 6, 9, nationalities},
    [F_GENDER] = {"gender", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 4, 6, genders},
    [F_NAME] = {"userName", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 100},
    [F_MOBILE] = {"mobileNumber", WP_FIELD_DIGITS, 0, 10, 20},
    [F_EMAIL] = {"email", WP_FIELD_EMAIL, 0, 1, 50},
};

/* The sealed fields of a member: the body key, its AAD, and its row in the table. */
static const struct {
	const char *key, *aad;
	int field;
} sealed_fields[] = {
    {"birthDate", "kona.birthDate", F_BIRTH}, {"ci", "kona.ci", F_CI},
    {"loginId", "kona.loginId", F_LOGIN},     {"mobileNumber", "kona.mobileNumber", F_MOBILE},
    {"userName", "kona.userName", F_NAME},    {"email", "kona.email", F_EMAIL},
};

/* ---- the indexes: a member found again by its CI or mobile number ---- */

void kona_index_hash(const struct wp_app *app, const char *kind, const char *value, char *out)
{
	wp_lookup_hash(app->data_key, kind, value, out);
}

/*
 * CI: one member per person at a partner (id "<AspId>:<hash>", ref the
 * userId). Mobile: any number of members (id "<AspId>:<hash>:<userId>",
 * ref the hash).
 */
static void index_id(const char *kind, const char *asp, const char *hash, const char *user,
		     char *out, size_t cap)
{
	if (strcmp(kind, KONA_KIND_CI) == 0)
		snprintf(out, cap, "%s:%s", asp, hash);
	else
		snprintf(out, cap, "%s:%s:%s", asp, hash, user);
}

wp_status kona_index_put(struct wp_tx *tx, const char *kind, const char *asp, const char *hash,
			 const char *user, int64_t now_ms)
{
	char id[KONA_ASP_ID_LEN + 2 * WP_SHA256_BYTES + 32];
	index_id(kind, asp, hash, user, id, sizeof(id));
	bool ci = strcmp(kind, KONA_KIND_CI) == 0;
	json_t *body = json_pack("{s:s}", "userId", user);
	struct wp_doc d = {.kind = kind,
			   .id = id,
			   .owner = asp,
			   .ref = ci ? user : hash,
			   .created_ms = now_ms,
			   .updated_ms = now_ms};
	wp_status st = body ? wp_doc_save(tx, &d, body, true) : WP_E_NOMEM;
	json_decref(body);
	return st;
}

wp_status kona_index_drop(struct wp_tx *tx, const char *kind, const char *asp, const char *hash,
			  const char *user)
{
	char id[KONA_ASP_ID_LEN + 2 * WP_SHA256_BYTES + 32];
	index_id(kind, asp, hash, user, id, sizeof(id));
	wp_status st = tx->ops->doc_delete(tx, kind, id);
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}

struct registration {
	struct kona_doc_write dw;
	char ci[2 * WP_SHA256_BYTES + 1], mobile[2 * WP_SHA256_BYTES + 1]; /* "" when not given */
};

/*
 * A new member under a fresh random userId, unless its login (or its CI) is
 * a member at this partner already.
 */
static wp_status apply_member(struct wp_tx *tx, struct wp_cmd *c)
{
	struct registration *reg = (struct registration *)c;
	struct kona_doc_write *cmd = &reg->dw;
	const char *asp = cmd->kw.k->asp_id;
	char id[24];
	wp_status st = wp_doc_load_uniq(NULL, tx, KONA_KIND_MEMBER, cmd->doc.uniq, NULL);
	if (st == WP_OK)
		return WP_E_CONFLICT;
	if (st != WP_E_NOT_FOUND)
		return st;
	if (reg->ci[0] != '\0') {
		char ci_id[KONA_ASP_ID_LEN + 2 * WP_SHA256_BYTES + 32];
		index_id(KONA_KIND_CI, asp, reg->ci, "", ci_id, sizeof(ci_id));
		json_t *seen = NULL;
		wp_arena a;
		wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
		st = wp_doc_load(NULL, tx, KONA_KIND_CI, ci_id, asp, &a, &seen, NULL);
		wp_arena_free(&a);
		json_decref(seen);
		if (st == WP_OK)
			return WP_E_CONFLICT;
		if (st != WP_E_NOT_FOUND)
			return st;
	}
	for (int i = 0; i < WP_KONA_USER_ID_RETRIES; i++) {
		uint64_t v;
		if (wp_random_bytes(&v, sizeof(v)) != WP_OK)
			return WP_E_INTERNAL;
		int64_t user_id =
		    KONA_USER_ID_MIN + (int64_t)(v % (9 * (uint64_t)KONA_USER_ID_MIN));
		snprintf(id, sizeof(id), "%lld", (long long)user_id);
		cmd->doc.id = id;
		st = wp_doc_save(tx, &cmd->doc, cmd->body, true);
		cmd->doc.id = "";
		if (st == WP_E_CONFLICT)
			continue;
		int64_t now = cmd->doc.created_ms;
		if (st == WP_OK && reg->ci[0] != '\0')
			st = kona_index_put(tx, KONA_KIND_CI, asp, reg->ci, id, now);
		if (st == WP_OK && reg->mobile[0] != '\0')
			st = kona_index_put(tx, KONA_KIND_MOBILE, asp, reg->mobile, id, now);
		if (st == WP_OK) { /* and its mobile card (cards.c) */
			json_object_set_new(cmd->kw.reply, "userId", json_integer(user_id));
			st = kona_card_issue(cmd->kw.k, tx, user_id, now, cmd->kw.reply);
		}
		return st == WP_E_CONFLICT ? WP_E_UNAVAILABLE : st;
	}
	return WP_E_UNAVAILABLE;
}

static const struct wp_doc_shape registration_shape[] = {
    {NULL, registration_fields, WP_COUNT(registration_fields), NULL},
};
static const struct wp_doc_prop registration_answer[] = {
    {"userId", "integer", "the new member's id (10 digits)"},
    {"basicCardInfo", "object",
     "the mobile card issued with it: par (27), cardNo (16, Luhn), expiryDate (YYMMDD), "
     "serviceId (15)"},
    {"response", "object", "code \"000_000\" and its description"},
};
const struct wp_route_doc kona_doc_registration = {
    .summary = "Register a member (user/registration)",
    .description = "Personal data is sealed at rest; the same loginId again is 001_001.",
    .body = WP_DOC_JSON,
    .shapes = registration_shape,
    .shape_count = 1,
    .answer_props = registration_answer,
    .answer_prop_count = WP_COUNT(registration_answer),
};

const struct wp_doc_shape kona_user_id_shape[] = {
    {NULL, user_id_field, WP_COUNT(user_id_field), NULL},
};
static const struct wp_doc_prop user_info_answer[] = {
    {"userInfo", "object", "aspId, userId, userName, birthDate, nationality, gender, ..."},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_user_info = {
    .summary = "A member's information (user/info)",
    .body = WP_DOC_JSON,
    .shapes = kona_user_id_shape,
    .shape_count = 1,
    .answer_props = user_info_answer,
    .answer_prop_count = WP_COUNT(user_info_answer),
};

enum kona_code kona_user_registration(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(registration_fields)];
	enum kona_code c = kona_fields(k, registration_fields, WP_COUNT(registration_fields), v);
	if (c != KONA_OK)
		return c;
	const struct wp_app *app = k->app;
	char login_hash[2 * WP_SHA256_BYTES + 1], pw_hash[2 * WP_SHA256_BYTES + 1];
	wp_lookup_hash(app->data_key, "kona.login", v[F_LOGIN].s, login_hash);
	kona_password_hash(app, k->asp_id, v[F_LOGIN].s, v[F_PASSWORD].s, pw_hash);
	const char *address = NULL;
	json_t *terms = NULL;
	c = kona_address(k, false, &address);
	if (c == KONA_OK)
		c = kona_terms_of_body(k, &terms);
	if (c != KONA_OK)
		return c;
	const char *uniq = wp_arena_printf(&k->r->arena, "%s:%s", k->asp_id, login_hash);
	struct registration *reg =
	    uniq ? kona_doc_write_new(k, sizeof(*reg), apply_member, KONA_KIND_MEMBER, "", "", uniq)
		 : NULL;
	if (reg == NULL)
		return KONA_SYSTEM;
	struct kona_doc_write *cmd = &reg->dw;
	if (v[F_CI].present)
		kona_index_hash(app, KONA_KIND_CI, v[F_CI].s, reg->ci);
	if (v[F_MOBILE].present)
		kona_index_hash(app, KONA_KIND_MOBILE, v[F_MOBILE].s, reg->mobile);
	json_t *m = cmd->body;
	if (address != NULL)
		json_object_set_new(m, "addressInfo", json_string(address));
	if (terms != NULL)
		json_object_set(m, "terms", terms);
	for (size_t i = 0; i < WP_COUNT(sealed_fields); i++) {
		const struct wp_value *f = &v[sealed_fields[i].field];
		if (!f->present)
			continue;
		const char *sealed = wp_req_seal(k->r, sealed_fields[i].aad, f->s);
		if (sealed == NULL)
			return KONA_SYSTEM;
		json_object_set_new(m, sealed_fields[i].key, json_string(sealed));
	}
	json_object_set_new(m, "password", json_string(pw_hash));
	json_object_set_new(m, "nationality", json_string(v[F_NATIONALITY].s));
	json_object_set_new(m, "gender", json_string(v[F_GENDER].s));
	cmd->kw.on_conflict = KONA_USER_EXISTS;
	wp_write_submit(&cmd->kw.w);
	return KONA_DEFERRED;
}

/* ---- user/info ---- */

enum kona_code kona_user_info(struct kona_req *k)
{
	int64_t user_id;
	json_t *m;
	enum kona_code c = kona_member_of_body(k, &user_id, &m);
	if (c != KONA_OK)
		return c;
	json_t *info = json_object();
	json_object_set_new(info, "aspId", json_string(k->asp_id));
	json_object_set_new(info, "userId", json_integer(user_id));
	for (size_t i = 0; i < WP_COUNT(sealed_fields); i++) {
		const char *plain = kona_open(k, m, sealed_fields[i].key, sealed_fields[i].aad);
		if (plain != NULL)
			json_object_set_new(info, sealed_fields[i].key, json_string(plain));
		if (i == 2) { /* after loginId, as the platform orders them */
			json_object_set(info, "nationality", json_object_get(m, "nationality"));
			json_object_set(info, "gender", json_object_get(m, "gender"));
		}
	}
	const char *addr = kona_open(k, m, "addressInfo", "kona.addressInfo");
	if (addr != NULL)
		json_object_set_new(info, "addressInfo", json_loads(addr, 0, NULL));
	json_object_set_new(info, "joinChannel", json_string("OPENAPI"));
	k->data = kona_json(k, json_object());
	if (k->data == NULL) {
		json_decref(info);
		return KONA_SYSTEM;
	}
	json_object_set_new(k->data, "userInfo", info);
	return KONA_OK;
}

/* ---- user/info/by-ci: a member found by its CI ---- */

static const struct wp_field ci_field[] = {
    {"ci", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 88, 88},
};

enum kona_code kona_user_by_ci(struct kona_req *k)
{
	struct wp_value v[1];
	enum kona_code c = kona_fields(k, ci_field, 1, v);
	if (c != KONA_OK)
		return c;
	char hash[2 * WP_SHA256_BYTES + 1], id[KONA_ASP_ID_LEN + 2 * WP_SHA256_BYTES + 32];
	kona_index_hash(k->app, KONA_KIND_CI, v[0].s, hash);
	index_id(KONA_KIND_CI, k->asp_id, hash, "", id, sizeof(id));
	json_t *found = NULL;
	wp_status st = wp_doc_load(k->app->store, NULL, KONA_KIND_CI, id, k->asp_id, &k->r->arena,
				   &found, NULL);
	if (kona_json(k, found) == NULL && st == WP_OK)
		return KONA_SYSTEM;
	if (st == WP_E_NOT_FOUND) {
		k->field = "ci"; /* no member of this partner has it */
		return KONA_INVALID;
	}
	if (st != WP_OK)
		return KONA_SYSTEM;
	json_t *uid = json_pack("{s:I}", "userId", (json_int_t)atoll(kona_str(found, "userId")));
	json_t *body = k->body;
	k->body = kona_json(k, uid);
	c = k->body != NULL ? kona_user_info(k) : KONA_SYSTEM;
	k->body = body;
	return c;
}

/* ---- user/checkRegistrationId: is a login id or a mobile number taken? ---- */

static const struct wp_field check_fields[] = {
    {"loginId", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 1, 80},
    {"mobileNumber", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT, 10, 20},
};

enum kona_code kona_check_registration_id(struct kona_req *k)
{
	struct wp_value v[2];
	enum kona_code c = kona_fields(k, check_fields, 2, v);
	if (c != KONA_OK)
		return c;
	if (!v[0].present && !v[1].present) {
		k->field = "loginId or mobileNumber";
		return KONA_MISSING;
	}
	bool taken = false;
	wp_status st = WP_OK;
	char hash[2 * WP_SHA256_BYTES + 1];
	if (v[0].present) {
		wp_lookup_hash(k->app->data_key, "kona.login", v[0].s, hash);
		const char *uniq = wp_arena_printf(&k->r->arena, "%s:%s", k->asp_id, hash);
		st = uniq ? wp_doc_load_uniq(k->app->store, NULL, KONA_KIND_MEMBER, uniq, NULL)
			  : WP_E_NOMEM;
		taken = st == WP_OK;
		st = st == WP_E_NOT_FOUND ? WP_OK : st;
	}
	if (st == WP_OK && !taken && v[1].present) {
		json_t *list = NULL;
		kona_index_hash(k->app, KONA_KIND_MOBILE, v[1].s, hash);
		st = wp_doc_list(k->app->store, NULL, KONA_KIND_MOBILE, k->asp_id, hash, 1, &list);
		taken = json_array_size(list) > 0;
		json_decref(list);
	}
	if (st != WP_OK || (k->data = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	json_object_set_new(k->data, "isDuplicated", json_boolean(taken));
	return KONA_OK;
}

static const struct wp_doc_shape ci_shape[] = {{NULL, ci_field, 1, NULL}};
const struct wp_route_doc kona_doc_user_by_ci = {
    .summary = "A member's information by its CI (user/info/by-ci)",
    .description = "The member of this partner registered with that CI (88 characters); "
		   "000_002 ci when none.",
    .body = WP_DOC_JSON,
    .shapes = ci_shape,
    .shape_count = 1,
    .answer_props = user_info_answer,
    .answer_prop_count = WP_COUNT(user_info_answer),
};
static const struct wp_doc_shape check_shape[] = {{NULL, check_fields, 2, NULL}};
static const struct wp_doc_prop check_answer[] = {
    {"isDuplicated", "boolean", "a member of this partner has that login id or mobile number"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_check_registration_id = {
    .summary = "Is a login id or mobile number taken? (user/checkRegistrationId)",
    .body = WP_DOC_JSON,
    .shapes = check_shape,
    .shape_count = 1,
    .answer_props = check_answer,
    .answer_prop_count = WP_COUNT(check_answer),
};
