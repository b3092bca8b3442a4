/*
 * form.h — application/x-www-form-urlencoded bodies.
 *
 * Decodes percent-escapes and '+' as space, converts from the declared
 * charset to UTF-8 (UTF-8, EUC-KR/CP949 and a few single-byte sets that real
 * Korean clients send), and rejects what would make a field ambiguous: a key
 * given twice, a broken escape, a NUL byte, invalid UTF-8. Raw bytes that a
 * sloppy client forgets to escape (a space, '<', Korean) are accepted as-is,
 * because the specs' own curl and Python samples send them that way.
 */
#ifndef WP_FORM_H
#define WP_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "bounds.h"
#include "util/arena.h"

struct wp_form_field {
	const char *name;  /* NUL-terminated UTF-8 */
	const char *value; /* NUL-terminated UTF-8 */
	size_t value_len;
};

struct wp_form {
	struct wp_form_field fields[WP_FORM_FIELDS_MAX];
	size_t count;
};

/*
 * charset: the Content-Type's charset parameter, or NULL for UTF-8.
 * On failure writes a human message naming the field into err.
 */
wp_status wp_form_decode(wp_arena *a, const char *body, size_t len, const char *charset,
			 struct wp_form *out, char *err, size_t err_cap);

/* The field's value, or NULL if absent. */
const struct wp_form_field *wp_form_get(const struct wp_form *f, const char *name);

/*
 * multipart/form-data (a browser's FormData): text parts by their
 * form-data name, values as sent (UTF-8), the same rules as above (no file
 * parts, no name twice, bounded count). boundary: the Content-Type's.
 */
wp_status wp_form_decode_multipart(wp_arena *a, const char *body, size_t len, const char *boundary,
				   struct wp_form *out, char *err, size_t err_cap);
/* A Content-Type parameter's value, case kept; false when absent or too long. */
bool wp_content_type_param(const char *header, const char *param, char *out, size_t cap);

/*
 * Splits a Content-Type header into its lowercased media type and charset
 * parameter (either may come back empty). Never fails; bounded copies.
 */
void wp_content_type_parse(const char *header, char *type, size_t type_cap, char *charset,
			   size_t charset_cap);

#endif
