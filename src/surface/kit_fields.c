/*
 * kit_fields.c — field tables for JSON and form bodies (see kit.h).
 *
 * Order of checks for a string: presence, emptiness, length in characters,
 * control characters, then the type's own format. The first failure wins
 * and is described in words that name the field and what it expects.
 */
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

static bool int_in_range(const struct wp_field *f, int64_t v, struct wp_value *out,
			 struct wp_field_error *e)
{
	if (v < f->min || v > f->max)
		return fail(e, f, WP_FIELD_FORMAT, "%s must be from %lld to %lld", f->name,
			    (long long)f->min, (long long)f->max);
	out->present = true;
	out->i = v;
	return true;
}

/* A string value of field f (not trimmed yet), arena-owned or borrowed. */
static bool check_string(wp_arena *a, const struct wp_field *f, const char *v, size_t n,
			 struct wp_value *out, struct wp_field_error *e)
{
	if (f->flags & WP_FIELD_TRIM) {
		while (n > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			n--;
		}
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		v = wp_arena_strndup(a, v, n);
		if (v == NULL)
			return fail(e, f, WP_FIELD_LENGTH, "%s is too large", f->name);
	}
	if (n == 0) {
		if (f->flags & WP_FIELD_REQUIRED)
			return fail(e, f, WP_FIELD_EMPTY, "%s must not be empty", f->name);
		if (f->flags & WP_FIELD_EMPTY_ABSENT)
			return true;
	}
	size_t chars = wp_utf8_chars(v, n);
	if ((f->flags & WP_FIELD_BYTES) && (int64_t)n > f->max)
		return fail(e, f, WP_FIELD_LENGTH, "%s is longer than %lld bytes", f->name,
			    (long long)f->max);
	if (f->type == WP_FIELD_DIGITS) {
		if ((int64_t)chars < f->min || (int64_t)chars > f->max || !wp_all_digits(v, n))
			return fail(e, f,
				    (int64_t)chars < f->min || (int64_t)chars > f->max
					? WP_FIELD_LENGTH
					: WP_FIELD_FORMAT,
				    "%s must be %lld to %lld digits", f->name, (long long)f->min,
				    (long long)f->max);
	} else if (f->type == WP_FIELD_INT) {
		int64_t i;
		if (!wp_all_digits(v, n) || n == 0)
			return fail(e, f, WP_FIELD_TYPE, "%s must be a whole number", f->name);
		if (!wp_parse_i64(v, n, f->min, f->max, &i))
			return fail(e, f, WP_FIELD_FORMAT, "%s must be from %lld to %lld", f->name,
				    (long long)f->min, (long long)f->max);
		out->present = true;
		out->i = i;
		out->s = v;
		out->len = n;
		return true;
	} else if (f->type != WP_FIELD_NUMBER && (int64_t)chars < f->min) {
		return fail(e, f, WP_FIELD_LENGTH, "%s is %zu characters long; the minimum is %lld",
			    f->name, chars, (long long)f->min);
	}
	if ((int64_t)chars > f->max)
		return fail(e, f, WP_FIELD_LENGTH, "%s is %zu characters long; the maximum is %lld",
			    f->name, chars, (long long)f->max);
	if (wp_has_control(v, n))
		return fail(e, f, WP_FIELD_FORMAT, "%s must not contain control characters",
			    f->name);
	switch (f->type) {
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

bool wp_fields_json(wp_arena *a, json_t *obj, const struct wp_field *t, size_t n,
		    struct wp_value *out, struct wp_field_error *e)
{
	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct wp_field *f = &t[i];
		json_t *v = json_object_get(obj, f->name);
		if (v == NULL || json_is_null(v)) {
			if (f->flags & WP_FIELD_REQUIRED)
				return fail(e, f, WP_FIELD_MISSING, "%s is required", f->name);
			continue;
		}
		if (f->type == WP_FIELD_INT) {
			if (!json_is_integer(v))
				return fail(e, f, WP_FIELD_TYPE, "%s must be a whole number",
					    f->name);
			if (!int_in_range(f, json_integer_value(v), &out[i], e))
				return false;
			continue;
		}
		if (!json_is_string(v))
			return fail(e, f, WP_FIELD_TYPE, "%s must be a string", f->name);
		if (!check_string(a, f, json_string_value(v), json_string_length(v), &out[i], e))
			return false;
	}
	return true;
}

bool wp_fields_form(wp_arena *a, const struct wp_form *form, const struct wp_field *t, size_t n,
		    struct wp_value *out, struct wp_field_error *e)
{
	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct wp_field *f = &t[i];
		const struct wp_form_field *v = wp_form_get(form, f->name);
		if (v == NULL) {
			if (f->flags & WP_FIELD_REQUIRED)
				return fail(e, f, WP_FIELD_MISSING, "%s is required", f->name);
			continue;
		}
		if (!check_string(a, f, v->value, v->value_len, &out[i], e))
			return false;
	}
	return true;
}
