/*
 * validate.c — AQR's fields, checked by table (surface/kit.h).
 *
 * Form values are trimmed; lengths are the document's, in characters.
 * account_number and phone_number may carry hyphens or spaces, which are
 * dropped: the value kept is the digits.
 */
#include <stdio.h>
#include <string.h>

#include "surface/aqr/aqr.h"
#include "surface/kit.h"
#include "util/text.h"

enum { F_EMAIL, F_ACCOUNT_NUMBER, F_BANK_ID, F_OWNER, F_PHONE, F_NAME };

static const struct wp_field create_fields[] = {
    [F_EMAIL] = {"email_address", WP_FIELD_EMAIL, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1,
		 AQR_EMAIL_MAX},
    [F_ACCOUNT_NUMBER] = {"account_number", WP_FIELD_NUMBER, WP_FIELD_REQUIRED | WP_FIELD_TRIM,
			  AQR_ACCOUNT_DIGITS_MIN, AQR_ACCOUNT_NUMBER_MAX},
    [F_BANK_ID] = {"bank_id", WP_FIELD_INT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 0, AQR_BANK_ID_MAX,
		   .expect = "must be an integer from 0 to 59"},
    [F_OWNER] = {"account_owner", WP_FIELD_TEXT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1,
		 AQR_ACCOUNT_OWNER_MAX},
    [F_PHONE] = {"phone_number", WP_FIELD_NUMBER, WP_FIELD_REQUIRED | WP_FIELD_TRIM,
		 AQR_PHONE_DIGITS_MIN, AQR_PHONE_MAX},
    [F_NAME] = {"account_name", WP_FIELD_TEXT, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1,
		AQR_ACCOUNT_NAME_MAX},
};

enum { D_EMAIL, D_KEYWORD };

static const struct wp_field delete_fields[] = {
    [D_EMAIL] = {"email_address", WP_FIELD_EMAIL, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1,
		 AQR_EMAIL_MAX},
    [D_KEYWORD] = {"uniq_keyword", WP_FIELD_ALNUM, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1,
		   AQR_KEYWORD_MAX},
};

/* Runs a table; on failure copies its message into err. */
static bool fields(wp_arena *a, const struct wp_form *f, const struct wp_field *t, size_t n,
		   struct wp_value *v, char *err, size_t cap)
{
	struct wp_field_error e;
	if (wp_fields_form(a, f, t, n, v, &e))
		return true;
	snprintf(err, cap, "%s", e.message);
	return false;
}

/* The action picks the body's shape; each accepts the spec's name and its aqr_ form. */
static const char *const create_actions[] = {"create", "aqr_create", NULL};
static const char *const delete_actions[] = {"delete", "aqr_delete", NULL};
static const struct wp_field action_create = {"action", WP_FIELD_ENUM,	WP_FIELD_REQUIRED,
					      1,	AQR_ACTION_MAX, create_actions};
static const struct wp_field action_delete = {"action", WP_FIELD_ENUM,	WP_FIELD_REQUIRED,
					      1,	AQR_ACTION_MAX, delete_actions};

static bool is_one_of(const char *v, const char *const *values)
{
	for (size_t i = 0; values[i] != NULL; i++)
		if (strcmp(v, values[i]) == 0)
			return true;
	return false;
}

wp_status aqr_parse_action(const struct wp_form *f, enum aqr_action *out, char *err, size_t cap)
{
	/* Not a table field: an unknown action says which ones exist. */
	const struct wp_form_field *fld = wp_form_get(f, "action");
	if (fld == NULL || fld->value_len == 0) {
		snprintf(err, cap, "action is required (create or delete)");
		return WP_E_INVALID;
	}
	if (wp_utf8_chars(fld->value, fld->value_len) > AQR_ACTION_MAX) {
		snprintf(err, cap, "action is longer than %d characters", AQR_ACTION_MAX);
		return WP_E_INVALID;
	}
	if (is_one_of(fld->value, action_create.values)) {
		*out = AQR_CREATE;
		return WP_OK;
	}
	if (is_one_of(fld->value, action_delete.values)) {
		*out = AQR_DELETE;
		return WP_OK;
	}
	snprintf(err, cap, "action must be create or delete");
	return WP_E_INVALID;
}

wp_status aqr_validate_create(wp_arena *a, const struct wp_form *f, struct aqr_create_input *out,
			      char *err, size_t cap)
{
	struct wp_value v[WP_COUNT(create_fields)];
	if (!fields(a, f, create_fields, WP_COUNT(create_fields), v, err, cap))
		return WP_E_INVALID;
	*out = (struct aqr_create_input){
	    .email = v[F_EMAIL].s,
	    .bank_id = (int)v[F_BANK_ID].i,
	    .account_number = v[F_ACCOUNT_NUMBER].s,
	    .account_owner = v[F_OWNER].s,
	    .phone_number = v[F_PHONE].s,
	    .account_name = v[F_NAME].s,
	};
	return WP_OK;
}

wp_status aqr_validate_delete(wp_arena *a, const struct wp_form *f, struct aqr_delete_input *out,
			      char *err, size_t cap)
{
	struct wp_value v[WP_COUNT(delete_fields)];
	if (!fields(a, f, delete_fields, WP_COUNT(delete_fields), v, err, cap))
		return WP_E_INVALID;
	out->email = v[D_EMAIL].s;
	out->keyword = v[D_KEYWORD].s;
	return WP_OK;
}

bool aqr_keyword_valid(wp_arena *a, const char *k)
{
	struct wp_value v;
	struct wp_field_error e;
	return wp_field_value(a, &delete_fields[D_KEYWORD], k, &v, &e);
}

/* Path parameters of the GET routes (the keyword's row is delete's). */
static const struct wp_field keyword_params[] = {
    {"keyword", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, 1, AQR_KEYWORD_MAX},
    {"amount", WP_FIELD_INT, WP_FIELD_REQUIRED, 1, WP_AQR_AMOUNT_MAX_WON},
};

bool aqr_parse_amount(const char *s, int64_t *won)
{
	const struct wp_field *amount = &keyword_params[1];
	return wp_parse_i64(s, strlen(s), amount->min, amount->max, won);
}

/* ---- the OpenAPI document's rows (surface/openapi.c) ---- */

static const struct wp_doc_shape api_shapes[] = {
    {"create", create_fields, WP_COUNT(create_fields), &action_create},
    {"delete", delete_fields, WP_COUNT(delete_fields), &action_delete},
};

static const struct wp_doc_prop api_answer[] = {
    {"result", "string", "\"success\" (an error answers \"error\" with a \"reason\")"},
    {"data", "object",
     "create: qr_image (the QR code's URL), short_url (the landing page), uniq_keyword"},
};

const struct wp_route_doc aqr_doc_api = {
    .summary = "Create or delete a bank-account QR code",
    .description = "action=create makes a keyword, its QR image and its short URL; "
		   "action=delete removes it (the keyword then answers 410). The email "
		   "address must belong to the AQR-DEVELOPER-TOKEN's partner.",
    .body = WP_DOC_FORM,
    .shapes = api_shapes,
    .shape_count = WP_COUNT(api_shapes),
    .answer_props = api_answer,
    .answer_prop_count = WP_COUNT(api_answer),
};

const struct wp_route_doc aqr_doc_qr = {
    .summary = "The QR code of a keyword's short URL (PNG)",
    .params = keyword_params,
    .param_count = 1,
    .answer = WP_DOC_ANSWER_PNG,
    .open = true,
};

const struct wp_route_doc aqr_doc_qr_amount = {
    .summary = "The QR code of a keyword's amount page (PNG)",
    .params = keyword_params,
    .param_count = 2,
    .answer = WP_DOC_ANSWER_PNG,
    .open = true,
};

const struct wp_route_doc aqr_doc_qr_query = {
    .summary = "The QR code of a keyword's short URL, the keyword in the query (PNG)",
    .query = keyword_params,
    .query_count = 1,
    .answer = WP_DOC_ANSWER_PNG,
    .open = true,
};

const struct wp_route_doc aqr_doc_landing = {
    .summary = "The landing page: bank, account, owner, copy buttons and the QR code",
    .params = keyword_params,
    .param_count = 1,
    .answer = WP_DOC_ANSWER_HTML,
    .open = true,
};

const struct wp_route_doc aqr_doc_qr_page = {
    .summary = "The landing page with a large QR code",
    .params = keyword_params,
    .param_count = 1,
    .answer = WP_DOC_ANSWER_HTML,
    .open = true,
};

const struct wp_route_doc aqr_doc_amount_page = {
    .summary = "The landing page with an amount to send, and its QR code",
    .params = keyword_params,
    .param_count = 2,
    .answer = WP_DOC_ANSWER_HTML,
    .open = true,
};

/* The document's 은행 ID 테이블: bank_id -> KFTC code, in bank_id order. */
static const char *const bank_codes[AQR_BANK_ID_MAX + 1] = {
    "090", "092", "089", "004", "003", "011", "088", "032", "071", "045", "002", "020",
    "081", "027", "023", "039", "034", "031", "055", "060", "064", "050", "007", "048",
    "037", "035", "067", "062", "063", "061", "054", "057", "279", "287", "290", "261",
    "267", "263", "238", "240", "291", "278", "266", "209", "280", "265", "292", "264",
    "294", "270", "262", "243", "269", "218", "227", "224", "247", "271", "288", "225",
};

const struct wp_bank *aqr_bank(int bank_id)
{
	if (bank_id < 0 || bank_id > AQR_BANK_ID_MAX)
		return NULL;
	return wp_bank_by_code(bank_codes[bank_id]);
}
