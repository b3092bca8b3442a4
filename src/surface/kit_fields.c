/*
 * kit_fields.c — field tables for JSON and form bodies (see kit.h).
 *
 * Order of checks for a string: presence, type, emptiness, length in
 * characters, control characters, then the type's own format. The first
 * failure wins and is described in words that name the field and what it
 * expects. wp_fields_json_shapes_first checks every field's presence, type
 * and length before any field's format (Kona's order), with control
 * characters before length.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/auth.h"
#include "surface/kit.h"
#include "util/date.h"
#include "util/text.h"

static bool fail(struct wp_field_error *e, const struct wp_field *f, enum wp_field_fail kind,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool fail(struct wp_field_error *e, const struct wp_field *f, enum wp_field_fail kind,
		 const char *fmt, ...)
{
	e->field = f;
	e->fail = kind;
	if (f->expect != NULL && kind != WP_FIELD_MISSING && kind != WP_FIELD_EMPTY) {
		snprintf(e->message, sizeof(e->message), "%s %s", f->name, f->expect);
		return false;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return false;
}

static bool is_alnum(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static bool one_of(const char *v, const char *const *values)
{
	for (size_t i = 0; values != NULL && values[i] != NULL; i++)
		if (strcmp(v, values[i]) == 0)
			return true;
	return false;
}

/* "a, b or c" */
static void enum_list(const char *const *values, char *out, size_t cap)
{
	size_t n = 0, used = 0;
	while (values != NULL && values[n] != NULL)
		n++;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(out + used, cap - used, "%s%s", sep, values[i]);
		if (w < 0 || (size_t)w >= cap - used)
			return;
		used += (size_t)w;
	}
}

/* "6" or "1 to 100": a count of min..max. */
static const char *range(const struct wp_field *f, char *buf, size_t cap)
{
	if (f->min == f->max)
		snprintf(buf, cap, "%lld", (long long)f->max);
	else
		snprintf(buf, cap, "%lld to %lld", (long long)f->min, (long long)f->max);
	return buf;
}

void wp_field_expect(const struct wp_field *f, char *out, size_t cap)
{
	if (f->expect != NULL) { /* the row's own words, without "must be " */
		snprintf(out, cap, "%s",
			 strncmp(f->expect, "must be ", 8) == 0 ? f->expect + 8 : f->expect);
		return;
	}
	char r[48];
	const char *unit = f->flags & WP_FIELD_BYTES ? "bytes" : "characters";
	switch (f->type) {
	case WP_FIELD_DIGITS:
		snprintf(out, cap, "%s digits", range(f, r, sizeof(r)));
		break;
	case WP_FIELD_NUMBER:
		snprintf(out, cap,
			 "at least %lld digits, hyphens or spaces allowed, at most %lld %s",
			 (long long)f->min, (long long)f->max, unit);
		break;
	case WP_FIELD_ALNUM:
		snprintf(out, cap, "%s letters and digits", range(f, r, sizeof(r)));
		break;
	case WP_FIELD_INT:
		snprintf(out, cap, "a number from %lld to %lld", (long long)f->min,
			 (long long)f->max);
		break;
	case WP_FIELD_ENUM:
		enum_list(f->values, out, cap);
		break;
	case WP_FIELD_EMAIL:
		snprintf(out, cap, "an email address of at most %lld %s", (long long)f->max, unit);
		break;
	case WP_FIELD_BIRTH_DATE:
		snprintf(out, cap, "a date, %s",
			 f->flags & WP_FIELD_SHORT_DATE ? "yyyyMMdd or yyMMdd" : "yyyyMMdd");
		break;
	default:
		snprintf(out, cap, "%s %s", range(f, r, sizeof(r)), unit);
		break;
	}
}

json_t *wp_field_schema(const struct wp_field *f, bool json_body)
{
	char words[WP_MESSAGE_MAX_BYTES], pattern[128];
	wp_field_expect(f, words, sizeof(words));
	json_t *s = json_object();
	const char *type = f->type == WP_FIELD_INT && json_body ? "integer" : "string";
	json_object_set_new(s, "type", json_string(type));
	pattern[0] = '\0';
	switch (f->type) {
	case WP_FIELD_TEXT:
		/* JSON Schema counts characters: a limit in bytes is in the description. */
		if (!(f->flags & WP_FIELD_BYTES)) {
			json_object_set_new(s, "minLength", json_integer(f->min));
			json_object_set_new(s, "maxLength", json_integer(f->max));
		}
		break;
	case WP_FIELD_DIGITS:
		snprintf(pattern, sizeof(pattern), "^[0-9]{%lld,%lld}$", (long long)f->min,
			 (long long)f->max);
		break;
	case WP_FIELD_NUMBER:
		json_object_set_new(s, "maxLength", json_integer(f->max));
		snprintf(pattern, sizeof(pattern), "^[0-9 -]+$");
		break;
	case WP_FIELD_ALNUM:
		snprintf(pattern, sizeof(pattern), "^[A-Za-z0-9]{%lld,%lld}$", (long long)f->min,
			 (long long)f->max);
		break;
	case WP_FIELD_INT:
		if (json_body) {
			json_object_set_new(s, "minimum", json_integer(f->min));
			json_object_set_new(s, "maximum", json_integer(f->max));
		} else {
			snprintf(pattern, sizeof(pattern), "^[0-9]+$");
		}
		break;
	case WP_FIELD_ENUM: {
		json_t *e = json_array();
		for (size_t i = 0; f->values != NULL && f->values[i] != NULL; i++)
			json_array_append_new(e, json_string(f->values[i]));
		json_object_set_new(s, "enum", e);
		break;
	}
	case WP_FIELD_EMAIL:
		json_object_set_new(s, "format", json_string("email"));
		json_object_set_new(s, "maxLength", json_integer(f->max));
		break;
	case WP_FIELD_BIRTH_DATE:
		snprintf(pattern, sizeof(pattern), "%s",
			 f->flags & WP_FIELD_SHORT_DATE ? "^([0-9]{6}|[0-9]{8})$" : "^[0-9]{8}$");
		break;
	}
	if (pattern[0] != '\0' && (f->flags & WP_FIELD_TRIM)) {
		/* Spaces and tabs around a trimmed value are dropped before the check. */
		char inner[96];
		snprintf(inner, sizeof(inner), "%.*s", (int)strlen(pattern) - 2, pattern + 1);
		snprintf(pattern, sizeof(pattern), "^[ \\t]*(%s)[ \\t]*$", inner);
	}
	if (pattern[0] != '\0')
		json_object_set_new(s, "pattern", json_string(pattern));
	char desc[WP_MESSAGE_MAX_BYTES + 96];
	snprintf(desc, sizeof(desc), "%s%s%s%s", words,
		 f->flags & WP_FIELD_TRIM ? "; spaces around it are dropped" : "",
		 f->flags & WP_FIELD_EMPTY_ABSENT ? "; empty counts as not given" : "",
		 f->type == WP_FIELD_TEXT ? "; no control characters" : "");
	json_object_set_new(s, "description", json_string(desc));
	return s;
}

/* The value with spaces and tabs around it dropped (an arena copy), when the field says so. */
static bool trimmed(wp_arena *a, const struct wp_field *f, const char **v, size_t *n,
		    struct wp_field_error *e)
{
	if (!(f->flags & WP_FIELD_TRIM))
		return true;
	const char *s = *v;
	size_t len = *n;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	*v = wp_arena_strndup(a, s, len);
	*n = len;
	return *v != NULL || fail(e, f, WP_FIELD_LENGTH, "%s is too large", f->name);
}

/* No C0 control character, and no bidirectional formatting (it could reverse a name on a page). */
static bool control_free(const struct wp_field *f, const char *v, size_t n,
			 struct wp_field_error *e)
{
	return (!wp_has_control(v, n) && !wp_has_bidi_control(v, n)) ||
	       fail(e, f, WP_FIELD_FORMAT, "%s must not contain control characters", f->name);
}

/*
 * The shape of a string value: emptiness, length, control characters.
 * *absent is set for an empty value that counts as not given. With
 * control_first, control characters are checked before the length (Kona's
 * order), else after it.
 */
static bool shape(const struct wp_field *f, const char *v, size_t n, bool control_first,
		  bool *absent, struct wp_field_error *e)
{
	*absent = false;
	if (control_first && !control_free(f, v, n, e))
		return false;
	if (n == 0) {
		if (f->flags & WP_FIELD_REQUIRED)
			return fail(e, f, WP_FIELD_EMPTY, "%s must not be empty", f->name);
		if (f->flags & WP_FIELD_EMPTY_ABSENT) {
			*absent = true;
			return true;
		}
	}
	int64_t chars = (int64_t)wp_utf8_chars(v, n);
	if ((f->flags & WP_FIELD_BYTES) && (int64_t)n > f->max)
		return fail(e, f, WP_FIELD_LENGTH, "%s is longer than %lld bytes", f->name,
			    (long long)f->max);
	switch (f->type) {
	case WP_FIELD_DIGITS:
		if (chars < f->min || chars > f->max)
			return fail(e, f, WP_FIELD_LENGTH, "%s must be %lld to %lld digits",
				    f->name, (long long)f->min, (long long)f->max);
		break;
	case WP_FIELD_INT:
		if (n == 0 || !wp_all_digits(v, n))
			return fail(e, f, WP_FIELD_TYPE,
				    "%s must be a number: a whole number from %lld to %lld",
				    f->name, (long long)f->min, (long long)f->max);
		return true;
	case WP_FIELD_NUMBER: /* min counts digits: the format's check */
		break;
	default:
		if (chars < f->min)
			return fail(e, f, WP_FIELD_LENGTH,
				    "%s is %lld characters long; the minimum is %lld", f->name,
				    (long long)chars, (long long)f->min);
		break;
	}
	if (chars > f->max)
		return fail(e, f, WP_FIELD_LENGTH,
			    "%s is %lld characters long; the maximum is %lld", f->name,
			    (long long)chars, (long long)f->max);
	return control_first || control_free(f, v, n, e);
}

/* The format of a string value of the right shape, and its value into out. */
static bool format(wp_arena *a, const struct wp_field *f, const char *v, size_t n,
		   struct wp_value *out, struct wp_field_error *e)
{
	switch (f->type) {
	case WP_FIELD_DIGITS:
		if (!wp_all_digits(v, n))
			return fail(e, f, WP_FIELD_FORMAT, "%s must be %lld to %lld digits",
				    f->name, (long long)f->min, (long long)f->max);
		break;
	case WP_FIELD_INT: {
		int64_t i;
		if (!wp_parse_i64(v, n, f->min, f->max, &i))
			return fail(e, f, WP_FIELD_FORMAT, "%s must be from %lld to %lld", f->name,
				    (long long)f->min, (long long)f->max);
		out->i = i;
		break;
	}
	case WP_FIELD_NUMBER: {
		char *d = wp_arena_alloc(a, n + 1);
		if (d == NULL)
			return fail(e, f, WP_FIELD_LENGTH, "%s is too large", f->name);
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (v[i] == '-' || v[i] == ' ')
				continue;
			if (v[i] < '0' || v[i] > '9')
				return fail(e, f, WP_FIELD_FORMAT,
					    "%s must contain only digits (hyphens are allowed)",
					    f->name);
			d[k++] = v[i];
		}
		d[k] = '\0';
		if ((int64_t)k < f->min)
			return fail(e, f, WP_FIELD_FORMAT, "%s must have at least %lld digits",
				    f->name, (long long)f->min);
		v = d;
		n = k;
		break;
	}
	case WP_FIELD_ALNUM:
		if (!is_alnum(v, n))
			return fail(e, f, WP_FIELD_FORMAT,
				    "%s must contain only letters and digits", f->name);
		break;
	case WP_FIELD_ENUM:
		if (!one_of(v, f->values)) {
			char list[160];
			enum_list(f->values, list, sizeof(list));
			return fail(e, f, WP_FIELD_FORMAT, "%s must be %s", f->name, list);
		}
		break;
	case WP_FIELD_EMAIL:
		if (!wp_auth_email_valid(v))
			return fail(e, f, WP_FIELD_FORMAT, "%s is not a valid email address",
				    f->name);
		break;
	case WP_FIELD_BIRTH_DATE:
		if (!wp_birth_date_valid(v, f->flags & WP_FIELD_SHORT_DATE))
			return fail(e, f, WP_FIELD_FORMAT, "%s must be a date, %s", f->name,
				    f->flags & WP_FIELD_SHORT_DATE ? "yyyyMMdd or yyMMdd"
								   : "yyyyMMdd");
		break;
	default:
		break;
	}
	out->present = true;
	out->s = v;
	out->len = n;
	return true;
}

bool wp_field_value(wp_arena *a, const struct wp_field *f, const char *v, struct wp_value *out,
		    struct wp_field_error *e)
{
	memset(out, 0, sizeof(*out));
	if (v == NULL)
		return !(f->flags & WP_FIELD_REQUIRED) ||
		       fail(e, f, WP_FIELD_MISSING, "%s is required", f->name);
	size_t n = strlen(v);
	bool absent;
	return trimmed(a, f, &v, &n, e) && shape(f, v, n, false, &absent, e) &&
	       (absent || format(a, f, v, n, out, e));
}

/* One JSON field's presence, type and shape; *str is its string (NULL when absent). */
static bool json_shape(wp_arena *a, json_t *obj, const struct wp_field *f, bool control_first,
		       const char **str, size_t *len, struct wp_value *out,
		       struct wp_field_error *e)
{
	json_t *v = json_object_get(obj, f->name);
	*str = NULL;
	if (v == NULL || json_is_null(v))
		return !(f->flags & WP_FIELD_REQUIRED) ||
		       fail(e, f, WP_FIELD_MISSING, "%s is required", f->name);
	if (f->type == WP_FIELD_INT) {
		/* json_body.h: an integer above int64 arrives as a real out of range. */
		if (json_is_real(v) &&
		    (json_real_value(v) >= 9.2e18 || json_real_value(v) <= -9.2e18))
			return fail(e, f, WP_FIELD_FORMAT, "%s must be from %lld to %lld", f->name,
				    (long long)f->min, (long long)f->max);
		if (!json_is_integer(v))
			return fail(e, f, WP_FIELD_TYPE,
				    "%s must be a number: a whole number from %lld to %lld",
				    f->name, (long long)f->min, (long long)f->max);
		out->i = json_integer_value(v);
		out->present = true;
		return true;
	}
	if (!json_is_string(v))
		return fail(e, f, WP_FIELD_TYPE, "%s must be a string", f->name);
	*str = json_string_value(v);
	*len = json_string_length(v);
	bool absent;
	if (!trimmed(a, f, str, len, e) || !shape(f, *str, *len, control_first, &absent, e))
		return false;
	if (absent)
		*str = NULL;
	return true;
}

/* A JSON field's format, once its shape passed. */
static bool json_format(wp_arena *a, const struct wp_field *f, const char *str, size_t len,
			struct wp_value *out, struct wp_field_error *e)
{
	if (f->type == WP_FIELD_INT && out->present) {
		if (out->i < f->min || out->i > f->max)
			return fail(e, f, WP_FIELD_FORMAT, "%s must be from %lld to %lld", f->name,
				    (long long)f->min, (long long)f->max);
		return true;
	}
	return str == NULL || format(a, f, str, len, out, e);
}

bool wp_fields_json(wp_arena *a, json_t *obj, const struct wp_field *t, size_t n,
		    struct wp_value *out, struct wp_field_error *e)
{
	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const char *str;
		size_t len;
		if (!json_shape(a, obj, &t[i], false, &str, &len, &out[i], e) ||
		    !json_format(a, &t[i], str, len, &out[i], e))
			return false;
	}
	return true;
}

bool wp_fields_json_shapes_first(wp_arena *a, json_t *obj, const struct wp_field *t, size_t n,
				 struct wp_value *out, struct wp_field_error *e)
{
	assert(n <= WP_FIELDS_MAX);
	memset(out, 0, n * sizeof(*out));
	const char *str[WP_FIELDS_MAX];
	size_t len[WP_FIELDS_MAX];
	for (size_t i = 0; i < n; i++)
		if (!json_shape(a, obj, &t[i], true, &str[i], &len[i], &out[i], e))
			return false;
	for (size_t i = 0; i < n; i++)
		if (!json_format(a, &t[i], str[i], len[i], &out[i], e))
			return false;
	return true;
}

bool wp_fields_form(wp_arena *a, const struct wp_form *form, const struct wp_field *t, size_t n,
		    struct wp_value *out, struct wp_field_error *e)
{
	for (size_t i = 0; i < n; i++) {
		const struct wp_form_field *v = wp_form_get(form, t[i].name);
		if (!wp_field_value(a, &t[i], v ? v->value : NULL, &out[i], e))
			return false;
	}
	return true;
}
