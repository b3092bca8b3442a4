#include "http/json_body.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* How many integers above int64 one body may have rewritten (then: refused). */
#define BIG_INTEGERS_MAX 16

/* "too big integer" or "too big negative integer" */
static bool too_big(const json_error_t *e)
{
	return strncmp(e->text, "too big ", 8) == 0 && strstr(e->text, "integer") != NULL;
}

/*
 * jansson refuses a whole document for one integer outside int64 ("too big
 * integer"). wonpay answers it as that field's own error instead: the literal
 * ending at the error's position is replaced by a real out of every field's
 * range (±9.3e18), which the field tables refuse by the field's name and
 * range. Returns a new buffer, or NULL when the error is not that.
 */
static char *replace_big_integer(const char *body, size_t len, const json_error_t *e,
				 size_t *out_len)
{
	if (!too_big(e) || e->position <= 0 || (size_t)e->position > len)
		return NULL;
	size_t end = (size_t)e->position; /* jansson stops just past the literal */
	for (int k = 0; k < 2 && end > 0 && !(body[end - 1] >= '0' && body[end - 1] <= '9'); k++)
		end--;
	size_t start = end;
	while (start > 0 && body[start - 1] >= '0' && body[start - 1] <= '9')
		start--;
	if (start == end)
		return NULL;
	bool negative = start > 0 && body[start - 1] == '-';
	if (negative)
		start--;
	const char *real = negative ? "-9.3e18" : "9.3e18";
	size_t rl = strlen(real);
	char *b = malloc(len - (end - start) + rl + 1);
	if (b == NULL)
		return NULL;
	memcpy(b, body, start);
	memcpy(b + start, real, rl);
	memcpy(b + start + rl, body + end, len - end);
	*out_len = len - (end - start) + rl;
	b[*out_len] = '\0';
	return b;
}

/* jansson's message, in words a client can act on (no library flag names). */
static void refusal(const json_error_t *e, char *err, size_t err_cap)
{
	if (strstr(e->text, "JSON_ALLOW_NUL") != NULL)
		wp_errf(err, err_cap,
			"the body is not valid JSON here (line %d, column %d): a string holds "
			"\\u0000 (NUL), which is not allowed",
			e->line, e->column);
	else if (too_big(e))
		wp_errf(err, err_cap,
			"the body is not valid JSON here (line %d, column %d): a number is "
			"larger than 9223372036854775807",
			e->line, e->column);
	else /* jansson quotes the bytes near the error: kept UTF-8 */
		wp_errf(err, err_cap, "the body is not valid JSON (line %d, column %d): %s",
			e->line, e->column, e->text);
}

wp_status wp_json_body(const char *body, size_t len, json_t **out, char *err, size_t err_cap)
{
	if (len == 0) {
		snprintf(err, err_cap, "the body is empty; a JSON object is required");
		return WP_E_INVALID;
	}
	json_error_t e;
	json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
	char *copy = NULL;
	size_t copy_len = 0;
	for (int i = 0; v == NULL && i < BIG_INTEGERS_MAX; i++) {
		size_t n;
		char *next = replace_big_integer(copy ? copy : body, copy ? copy_len : len, &e, &n);
		if (next == NULL)
			break;
		free(copy);
		copy = next;
		copy_len = n;
		v = json_loadb(copy, n, JSON_REJECT_DUPLICATES, &e);
	}
	free(copy);
	if (v == NULL) {
		refusal(&e, err, err_cap);
		return WP_E_INVALID;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		snprintf(err, err_cap, "the body must be a JSON object");
		return WP_E_INVALID;
	}
	*out = v;
	return WP_OK;
}
