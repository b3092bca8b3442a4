/*
 * members.c — user/registration and user/info.
 *
 * Personal data is sealed field by field (AAD "kona.<field>"); the login id
 * is found again through a keyed hash (uniq: AspId + HMAC of the login), so
 * the same login twice at one partner is 001_001.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/docs.h"
#include "surface/kona/kona.h"

const char *kona_open(struct kona_req *k, json_t *doc, const char *name, const char *aad)
{
	return wp_req_open(k->r, aad, json_string_value(json_object_get(doc, name)));
}

enum kona_code kona_member(struct kona_req *k, int64_t user_id, json_t **member)
{
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)user_id);
	json_t *m = NULL;
	/* Another partner's member does not exist for this one. */
	wp_status st = wp_doc_load(k->app->store, NULL, KONA_KIND_MEMBER, id, k->asp_id,
				   &k->r->arena, &m, NULL);
	*member = kona_json(k, m);
	if (st == WP_E_NOT_FOUND)
		return KONA_BAD_USER;
	return st == WP_OK && *member != NULL ? KONA_OK : KONA_SYSTEM;
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

/* A new member under a fresh random userId, unless its login exists at this partner. */
static wp_status apply_member(struct wp_tx *tx, struct wp_cmd *c)
{
	struct kona_doc_write *cmd = (struct kona_doc_write *)c;
	char id[24];
	wp_status st = wp_doc_load_uniq(NULL, tx, KONA_KIND_MEMBER, cmd->doc.uniq, NULL);
	if (st == WP_OK)
		return WP_E_CONFLICT;
	if (st != WP_E_NOT_FOUND)
		return st;
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
		if (st == WP_OK) { /* and its mobile card (cards.c) */
			json_object_set_new(cmd->kw.reply, "userId", json_integer(user_id));
			st = kona_card_issue(cmd->kw.k, tx, user_id, cmd->doc.created_ms,
					     cmd->kw.reply);
			return st == WP_E_CONFLICT ? WP_E_UNAVAILABLE : st;
		}
		if (st != WP_E_CONFLICT)
			return st;
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
	char pw_input[KONA_ASP_ID_LEN + 100];
	wp_lookup_hash(app->data_key, "kona.login", v[F_LOGIN].s, login_hash);
	snprintf(pw_input, sizeof(pw_input), "%s|%.80s|%s", k->asp_id, v[F_LOGIN].s,
		 v[F_PASSWORD].s);
	wp_lookup_hash(app->data_key, "kona.password", pw_input, pw_hash);
	OPENSSL_cleanse(pw_input, sizeof(pw_input));

	const char *uniq = wp_arena_printf(&k->r->arena, "%s:%s", k->asp_id, login_hash);
	struct kona_doc_write *cmd =
	    uniq ? kona_doc_write_new(k, sizeof(*cmd), apply_member, KONA_KIND_MEMBER, "", "", uniq)
		 : NULL;
	if (cmd == NULL)
		return KONA_SYSTEM;
	json_t *m = cmd->body;
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
	json_object_set_new(info, "joinChannel", json_string("OPENAPI"));
	k->data = kona_json(k, json_object());
	if (k->data == NULL) {
		json_decref(info);
		return KONA_SYSTEM;
	}
	json_object_set_new(k->data, "userInfo", info);
	return KONA_OK;
}
