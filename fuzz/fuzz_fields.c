/*
 * fuzz_fields.c — the field tables of src/surface/kit.h: wp_fields_json,
 * wp_fields_json_shapes_first and wp_fields_form (with wp_field_value), on a
 * fixed table with every field type and flag, named like AQR's and Kona's
 * fields so the providers' sample bodies are meaningful seeds.
 *
 * Input: byte 0: bit 0 the body is a form (UTF-8), else JSON; bytes 1..2:
 * which rows of the table are used (0: all of them); the rest is the body.
 *
 * Properties:
 *  - accepted: every REQUIRED field is present, and each present value is
 *    what its row promises (text: valid UTF-8, min..max characters, no
 *    control or bidi characters, bytes bounded with WP_FIELD_BYTES, trimmed
 *    with WP_FIELD_TRIM; digits; number: digits only, at least min; alnum;
 *    int in [min, max]; one of the enum; a plausible email; a real birth
 *    date), NUL-terminated at its length;
 *  - refused: the error names a row of the table, a failure kind 1..5,
 *    MISSING only for a required row, a message that is terminated, non-empty
 *    and valid UTF-8;
 *  - wp_fields_json and wp_fields_json_shapes_first accept the same objects
 *    with the same values;
 *  - a JSON object of strings and integers and the same fields as a form
 *    give the same outcome (same values, or the same field and failure).
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "http/form.h"
#include "http/json_body.h"
#include "surface/kit.h"

static const char *const ACTIONS[] = {"create", "delete", NULL};
static const char *const KINDS[] = {"personal", "corporate", "\xED\x95\x9C", NULL};

static const struct wp_field TABLE[] = {
    {"email_address", WP_FIELD_EMAIL, WP_FIELD_REQUIRED | WP_FIELD_TRIM, 1, 100},
    {"account_number", WP_FIELD_NUMBER, WP_FIELD_TRIM, 10, 20},
    {"bank_id", WP_FIELD_INT, WP_FIELD_TRIM, 0, 99},
    {"account_owner", WP_FIELD_TEXT, WP_FIELD_TRIM, 1, 20},
    {"phone_number", WP_FIELD_NUMBER, WP_FIELD_TRIM | WP_FIELD_EMPTY_ABSENT, 9, 13},
    {"account_name", WP_FIELD_TEXT, WP_FIELD_EMPTY_ABSENT, 0, 40, NULL, "must be a short name"},
    {"action", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 1, 10, ACTIONS},
    {"uniq_keyword", WP_FIELD_ALNUM, 0, 1, 20},
    {"userId", WP_FIELD_INT, 0, 1000000000LL, 9999999999LL},
    {"userName", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, 10},
    {"birthDate", WP_FIELD_BIRTH_DATE, WP_FIELD_SHORT_DATE, 6, 8},
    {"bankCode", WP_FIELD_DIGITS, 0, 3, 3},
    {"loginPassword", WP_FIELD_DIGITS, WP_FIELD_EMPTY_ABSENT, 4, 8},
    {"memo", WP_FIELD_TEXT, WP_FIELD_BYTES | WP_FIELD_TRIM, 0, 12},
    {"kind", WP_FIELD_ENUM, WP_FIELD_EMPTY_ABSENT, 1, 20, KINDS},
    {"openDate", WP_FIELD_BIRTH_DATE, 0, 8, 8},
};
#define NROWS (sizeof(TABLE) / sizeof(TABLE[0]))
_Static_assert(NROWS <= WP_FIELDS_MAX, "table too long");

static bool ref_date(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool all_of(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || !strchr(set, s[i]))
			return false;
	return true;
}

static const char DIGITS[] = "0123456789";
static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static size_t chars(const char *s, size_t n)
{
	size_t c = 0;
	uint32_t cp;
	for (size_t i = 0; i < n;) {
		size_t k = ref_utf8_char((const uint8_t *)s + i, n - i, &cp);
		CHECK(k > 0, "not UTF-8");
		i += k, c++;
	}
	return c;
}

static void check_value(const struct wp_field *f, const struct wp_value *v)
{
	if (!v->present) {
		CHECK(!(f->flags & WP_FIELD_REQUIRED), "required %s accepted absent", f->name);
		return;
	}
	if (f->type == WP_FIELD_INT) {
		CHECK(v->i >= f->min && v->i <= f->max, "%s = %lld out of range", f->name,
		      (long long)v->i);
		return;
	}
	const char *s = v->s;
	size_t n = v->len;
	CHECK(s != NULL && strlen(s) == n, "%s: value not terminated at its length", f->name);
	CHECK(ref_utf8_valid(s, n), "%s: not UTF-8", f->name);
	if (f->flags & WP_FIELD_TRIM)
		CHECK(n == 0 ||
			  (s[0] != ' ' && s[0] != '\t' && s[n - 1] != ' ' && s[n - 1] != '\t'),
		      "%s: '%s' not trimmed", f->name, s);
	if (f->flags & WP_FIELD_BYTES)
		CHECK((int64_t)n <= f->max, "%s: %zu bytes", f->name, n);
	size_t c = chars(s, n);
	switch (f->type) {
	case WP_FIELD_TEXT:
	case WP_FIELD_EMAIL:
	case WP_FIELD_ALNUM:
	case WP_FIELD_ENUM:
	case WP_FIELD_DIGITS:
		CHECK((int64_t)c >= f->min && (int64_t)c <= f->max, "%s: %zu characters", f->name,
		      c);
		break;
	default:
		break;
	}
	if (f->type != WP_FIELD_NUMBER) {
		uint32_t cp;
		for (size_t i = 0; i < n;) {
			size_t k = ref_utf8_char((const uint8_t *)s + i, n - i, &cp);
			CHECK(cp >= 0x20 && cp != 0x7F, "%s: a control character", f->name);
			CHECK(!(cp == 0x061C || cp == 0x200E || cp == 0x200F ||
				(cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)),
			      "%s: a bidi control U+%04X", f->name, cp);
			i += k;
		}
	}
	switch (f->type) {
	case WP_FIELD_DIGITS:
		CHECK(all_of(s, n, DIGITS), "%s: '%s' not digits", f->name, s);
		break;
	case WP_FIELD_NUMBER:
		CHECK(n > 0 && all_of(s, n, DIGITS) && (int64_t)n >= f->min && (int64_t)n <= f->max,
		      "%s: '%s' not a number of at least %lld digits", f->name, s,
		      (long long)f->min);
		break;
	case WP_FIELD_ALNUM:
		CHECK(all_of(s, n, ALNUM), "%s: '%s' not alnum", f->name, s);
		break;
	case WP_FIELD_ENUM: {
		bool found = false;
		for (size_t i = 0; f->values[i]; i++)
			found |= strcmp(f->values[i], s) == 0;
		CHECK(found, "%s: '%s' is no value of the enum", f->name, s);
		break;
	}
	case WP_FIELD_EMAIL: {
		const char *at = strchr(s, '@');
		CHECK(at && at != s && !strchr(at + 1, '@'), "%s: '%s' has no single '@'", f->name,
		      s);
		const char *dot = strrchr(at + 1, '.');
		CHECK(dot && dot != at + 1 && dot[1] != '\0', "%s: '%s' has no domain", f->name, s);
		for (size_t i = 0; i < n; i++)
			CHECK((uint8_t)s[i] > 0x20 && !strchr("<>\",", s[i]),
			      "%s: '%s' has a forbidden character", f->name, s);
		break;
	}
	case WP_FIELD_BIRTH_DATE: {
		bool ok =
		    all_of(s, n, DIGITS) && ((n == 8 && num(s, 4) >= 1900 &&
					      ref_date(num(s, 4), num(s + 4, 2), num(s + 6, 2))) ||
					     ((f->flags & WP_FIELD_SHORT_DATE) && n == 6 &&
					      ref_date(2000, num(s + 2, 2), num(s + 4, 2))));
		CHECK(ok, "%s: '%s' is not a real date", f->name, s);
		break;
	}
	default:
		break;
	}
}

static void check_outcome(bool ok, const struct wp_field *t, size_t n, const struct wp_value *out,
			  const struct wp_field_error *e)
{
	if (ok) {
		for (size_t i = 0; i < n; i++)
			check_value(&t[i], &out[i]);
		return;
	}
	CHECK(e->field >= t && e->field < t + n, "the error names no row of the table");
	CHECK(e->fail >= WP_FIELD_MISSING && e->fail <= WP_FIELD_FORMAT, "fail %d", e->fail);
	CHECK(e->fail != WP_FIELD_MISSING || (e->field->flags & WP_FIELD_REQUIRED),
	      "%s missing but not required", e->field->name);
	CHECK(memchr(e->message, 0, sizeof(e->message)) && e->message[0] != '\0', "no message");
	CHECK(ref_utf8_valid(e->message, strlen(e->message)), "message not UTF-8: %s", e->message);
}

static bool same_value(const struct wp_field *f, const struct wp_value *a, const struct wp_value *b)
{
	if (a->present != b->present)
		return false;
	if (!a->present)
		return true;
	if (f->type == WP_FIELD_INT)
		return a->i == b->i;
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* The JSON object as a form, when it is one (strings; integers >= 0 for INT rows). */
static bool json_as_form(json_t *obj, const struct wp_field *t, size_t n, wp_arena *a,
			 struct wp_form *form)
{
	form->count = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(obj, t[i].name);
		if (v == NULL || json_is_null(v))
			continue;
		const char *s;
		if (t[i].type == WP_FIELD_INT) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return false;
			s = wp_arena_printf(a, "%lld", (long long)json_integer_value(v));
		} else {
			if (!json_is_string(v))
				return false;
			s = json_string_value(v);
		}
		form->fields[form->count++] =
		    (struct wp_form_field){t[i].name, s, s ? strlen(s) : 0};
		if (s == NULL)
			return false;
	}
	return true;
}

/* The form as a JSON object, when it is one (INT rows: canonical decimals). */
static json_t *form_as_json(const struct wp_form *form, const struct wp_field *t, size_t n)
{
	json_t *obj = json_object();
	for (size_t i = 0; i < n; i++) {
		const struct wp_form_field *f = wp_form_get(form, t[i].name);
		if (f == NULL)
			continue;
		json_t *v;
		if (t[i].type == WP_FIELD_INT) {
			if (f->value_len == 0 || f->value_len > 18 ||
			    !all_of(f->value, f->value_len, DIGITS) ||
			    (f->value[0] == '0' && f->value_len > 1)) {
				json_decref(obj);
				return NULL;
			}
			v = json_integer(strtoll(f->value, NULL, 10));
		} else {
			v = json_stringn(f->value, f->value_len);
		}
		if (v == NULL || json_object_set_new(obj, t[i].name, v) != 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/* JSON and form of the same fields: one outcome. */
static void compare(json_t *obj, const struct wp_form *form, const struct wp_field *t, size_t n)
{
	wp_arena a;
	wp_arena_init(&a, WP_ARENA_MAX_BYTES);
	struct wp_value vj[NROWS], vf[NROWS];
	struct wp_field_error ej, ef;
	bool okj = wp_fields_json(&a, obj, t, n, vj, &ej);
	bool okf = wp_fields_form(&a, form, t, n, vf, &ef);
	CHECK(okj == okf, "JSON %s, the same form %s (%s)", okj ? "accepted" : "refused",
	      okf ? "accepted" : "refused", okj ? ef.message : ej.message);
	if (okj) {
		for (size_t i = 0; i < n; i++)
			CHECK(same_value(&t[i], &vj[i], &vf[i]), "%s differs JSON/form", t[i].name);
	} else {
		CHECK(ej.field == ef.field && ej.fail == ef.fail,
		      "JSON fails %s (%d), the form %s (%d)", ej.field->name, ej.fail,
		      ef.field->name, ef.fail);
	}
	wp_arena_free(&a);
}

static void run_json(const char *body, size_t len, const struct wp_field *t, size_t n)
{
	json_t *obj = NULL;
	char err[WP_MESSAGE_MAX_BYTES];
	if (wp_json_body(body, len, &obj, err, sizeof(err)) != WP_OK)
		return;
	wp_arena a;
	wp_arena_init(&a, WP_ARENA_MAX_BYTES);
	struct wp_value v1[NROWS], v2[NROWS];
	struct wp_field_error e1, e2;
	bool ok1 = wp_fields_json(&a, obj, t, n, v1, &e1);
	check_outcome(ok1, t, n, v1, &e1);
	bool ok2 = wp_fields_json_shapes_first(&a, obj, t, n, v2, &e2);
	check_outcome(ok2, t, n, v2, &e2);
	CHECK(ok1 == ok2, "wp_fields_json %d, shapes_first %d (%s)", ok1, ok2,
	      ok1 ? e2.message : e1.message);
	if (ok1)
		for (size_t i = 0; i < n; i++)
			CHECK(same_value(&t[i], &v1[i], &v2[i]), "%s differs", t[i].name);
	struct wp_form form;
	if (json_as_form(obj, t, n, &a, &form))
		compare(obj, &form, t, n);
	wp_arena_free(&a);
	json_decref(obj);
}

static void run_form(const char *body, size_t len, const struct wp_field *t, size_t n)
{
	wp_arena a;
	wp_arena_init(&a, WP_ARENA_MAX_BYTES);
	struct wp_form form;
	char err[WP_MESSAGE_MAX_BYTES];
	if (wp_form_decode(&a, body, len, NULL, &form, err, sizeof(err)) == WP_OK) {
		struct wp_value v[NROWS];
		struct wp_field_error e;
		bool ok = wp_fields_form(&a, &form, t, n, v, &e);
		check_outcome(ok, t, n, v, &e);
		json_t *obj = form_as_json(&form, t, n);
		if (obj) {
			compare(obj, &form, t, n);
			json_decref(obj);
		}
	}
	wp_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	uint8_t mode = fz_byte(&in);
	unsigned rows = (unsigned)fz_u64(&in, 2);
	struct wp_field t[NROWS];
	size_t n = 0;
	for (size_t i = 0; i < NROWS; i++)
		if (rows == 0 || (rows >> i & 1))
			t[n++] = TABLE[i];
	size_t len;
	const uint8_t *raw = fz_rest(&in, &len);
	char *body = malloc(len ? len : 1);
	if (!body)
		abort();
	if (len)
		memcpy(body, raw, len);
	if (mode & 1)
		run_form(body, len, t, n);
	else
		run_json(body, len, t, n);
	free(body);
	return 0;
}
