/*
 * terms.c — the terms a member agrees to: terms/list and
 * user/terms/agreement (agree or withdraw), and the tcIdList registration
 * takes. The terms are the portal's ids (portal.c); a member keeps the ids
 * it agreed to; a required term cannot be withdrawn (001_006).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "surface/kona/kona.h"

#define TERMS_MAX 32 /* ids one call may name */

static const struct kona_terms_row *term_of(json_t *v)
{
	int64_t id = -1;
	if (json_is_integer(v))
		id = json_integer_value(v);
	else if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 10 &&
		 strspn(json_string_value(v), "0123456789") == json_string_length(v))
		id = atoll(json_string_value(v));
	for (size_t i = 0; i < kona_terms_count; i++)
		if (kona_terms[i].id == id)
			return &kona_terms[i];
	return NULL;
}

enum kona_code kona_terms_of_body(struct kona_req *k, json_t **ids)
{
	json_t *list = json_object_get(k->body, "tcIdList");
	*ids = NULL;
	if (list == NULL || json_is_null(list))
		return KONA_OK;
	k->field = "tcIdList";
	k->expect = "an array of the terms ids of terms/list";
	if (!json_is_array(list) || json_array_size(list) > TERMS_MAX)
		return KONA_INVALID;
	json_t *out = kona_json(k, json_array());
	if (out == NULL)
		return KONA_SYSTEM;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		const struct kona_terms_row *t = term_of(v);
		if (t == NULL)
			return KONA_INVALID;
		bool seen = false;
		for (size_t j = 0; j < json_array_size(out); j++)
			seen = seen || json_integer_value(json_array_get(out, j)) == t->id;
		if (!seen)
			json_array_append_new(out, json_integer(t->id));
	}
	k->field = k->expect = NULL;
	*ids = out;
	return KONA_OK;
}

static bool agreed(json_t *member, int64_t id)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(member, "terms"), i,
			   v) if (json_integer_value(v) == id) return true;
	return false;
}

/* ---- terms/list ---- */

static const struct wp_field list_fields[] = {
    {"userId", WP_FIELD_INT, 0, 1, INT64_MAX},
};

enum kona_code kona_terms_list(struct kona_req *k)
{
	struct wp_value v[1];
	enum kona_code c = kona_fields(k, list_fields, 1, v);
	json_t *member = NULL;
	if (c == KONA_OK && v[0].present)
		c = kona_member(k, v[0].i, &member);
	if (c != KONA_OK)
		return c;
	json_t *list = kona_json(k, json_array());
	for (size_t i = 0; list != NULL && i < kona_terms_count; i++) {
		json_t *t =
		    json_pack("{s:I, s:s, s:b}", "tcId", (json_int_t)kona_terms[i].id, "title",
			      kona_terms[i].title, "isRequired", kona_terms[i].required);
		if (member != NULL)
			json_object_set_new(t, "isAgreed",
					    json_boolean(agreed(member, kona_terms[i].id)));
		json_array_append_new(list, t);
	}
	if (list == NULL || (k->data = kona_json(k, json_object())) == NULL)
		return KONA_SYSTEM;
	json_object_set(k->data, "termsList", list);
	return KONA_OK;
}

/* ---- user/terms/agreement ---- */

static const char *const yn[] = {"Y", "N", NULL};
static const struct wp_field agreement_fields[] = {
    {"userId", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, INT64_MAX},
    {"agreeYn", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 1, 1, yn},
};

struct agreement {
	struct kona_member_write mw;
	json_t *ids; /* request-owned */
	bool agree;
};

static wp_status change_terms(struct kona_member_write *mw, struct wp_tx *tx, json_t *m, bool *save)
{
	(void)tx;
	struct agreement *w = (struct agreement *)mw;
	json_t *now = json_array();
	if (now == NULL)
		return WP_E_NOMEM;
	for (size_t i = 0; i < kona_terms_count; i++) {
		int64_t id = kona_terms[i].id;
		bool named = false;
		for (size_t j = 0; j < json_array_size(w->ids); j++)
			named = named || json_integer_value(json_array_get(w->ids, j)) == id;
		bool on = named ? w->agree : agreed(m, id);
		if (named && !w->agree && kona_terms[i].required) {
			mw->kw.code = KONA_TERMS_REQUIRED;
			json_decref(now);
			*save = false;
			return WP_OK;
		}
		if (on)
			json_array_append_new(now, json_integer(id));
	}
	json_object_set(mw->kw.reply, "tcIdList", now);
	json_object_set_new(m, "terms", now);
	*save = true;
	return WP_OK;
}

enum kona_code kona_terms_agreement(struct kona_req *k)
{
	struct wp_value v[WP_COUNT(agreement_fields)];
	json_t *ids = NULL, *member;
	enum kona_code c = kona_fields(k, agreement_fields, WP_COUNT(agreement_fields), v);
	if (c == KONA_OK)
		c = kona_terms_of_body(k, &ids);
	if (c == KONA_OK && (ids == NULL || json_array_size(ids) == 0)) {
		k->field = "tcIdList";
		c = KONA_MISSING;
	}
	if (c == KONA_OK)
		c = kona_member(k, v[0].i, &member);
	if (c != KONA_OK)
		return c;
	struct agreement *w = kona_member_write_new(k, sizeof(*w), v[0].i, change_terms);
	if (w == NULL)
		return KONA_SYSTEM;
	w->ids = ids;
	w->agree = strcmp(v[1].s, "Y") == 0;
	json_object_set_new(w->mw.kw.reply, "userId", json_integer(v[0].i));
	wp_write_submit(&w->mw.kw.w);
	return KONA_DEFERRED;
}

/* ---- the OpenAPI rows ---- */

static const struct wp_doc_shape list_shape[] = {{NULL, list_fields, 1, NULL}};
static const struct wp_doc_prop list_answer[] = {
    {"termsList", "array", "tcId, title, isRequired; with userId isAgreed"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_terms_list = {
    .summary = "The terms members agree to (terms/list)",
    .body = WP_DOC_JSON,
    .shapes = list_shape,
    .shape_count = 1,
    .answer_props = list_answer,
    .answer_prop_count = WP_COUNT(list_answer),
};
static const struct wp_doc_shape agreement_shape[] = {
    {NULL, agreement_fields, WP_COUNT(agreement_fields), NULL}};
static const struct wp_doc_prop agreement_answer[] = {
    {"userId", "integer", NULL},
    {"tcIdList", "array", "the terms the member agrees to now"},
    {"response", "object", "code and description"},
};
const struct wp_route_doc kona_doc_terms_agreement = {
    .summary = "Agree to terms or withdraw (user/terms/agreement)",
    .description = "tcIdList (terms ids of terms/list) and agreeYn Y (agree) or N (withdraw); "
		   "a required term cannot be withdrawn (001_006).",
    .body = WP_DOC_JSON,
    .shapes = agreement_shape,
    .shape_count = 1,
    .answer_props = agreement_answer,
    .answer_prop_count = WP_COUNT(agreement_answer),
};
