#include "http/json_body.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/text.h"

/* How many integers above int64 one body may have rewritten (then: refused). */
#define BIG_INTEGERS_MAX 64

/* "too big integer" or "too big negative integer" */
static bool too_big(const json_error_t *e)
{
	return strncmp(e->text, "too big ", 8) == 0 && strstr(e->text, "integer") != NULL;
}

/*
 * jansson refuses a whole document for one integer outside int64 ("too big
 * integer"). wonpay answers it as that field's own error instead: in a copy,
 * the literal ending at the error's position is overwritten by a real out of
 * every field's range (±9.3e18) padded with spaces to the literal's length,
 * so the copy keeps every byte's position (a later error's line and column
 * are the client's). False when the error is not that.
 */
static bool replace_big_integer(char *body, size_t len, const json_error_t *e)
{
	if (!too_big(e) || e->position <= 0 || (size_t)e->position > len)
		return false;
	size_t end = (size_t)e->position; /* jansson stops just past the literal */
	for (int k = 0; k < 2 && end > 0 && !(body[end - 1] >= '0' && body[end - 1] <= '9'); k++)
		end--;
	size_t start = end;
	while (start > 0 && body[start - 1] >= '0' && body[start - 1] <= '9')
		start--;
	if (start > 0 && body[start - 1] == '-')
		start--;
	const char *real = body[start] == '-' ? "-9.3e18" : "9.3e18";
	size_t rl = strlen(real);
	if (end - start < rl) /* an integer too big for int64 has at least 19 digits */
		return false;
	memcpy(body + start, real, rl);
	memset(body + start + rl, ' ', end - start - rl);
	return true;
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
			"outside -9223372036854775808..9223372036854775807",
			e->line, e->column);
	else if (strstr(e->text, "9.3e18") !=
		 NULL) /* it quotes a rewritten literal: not the client's */
		wp_errf(err, err_cap, "the body is not valid JSON (line %d, column %d): %.*s",
			e->line, e->column,
			(int)(strstr(e->text, " near '") ? strstr(e->text, " near '") - e->text
							 : (ptrdiff_t)strlen(e->text)),
			e->text);
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
	for (int i = 0; v == NULL && too_big(&e) && i < BIG_INTEGERS_MAX; i++) {
		if (copy == NULL && (copy = malloc(len)) != NULL)
			memcpy(copy, body, len);
		if (copy == NULL || !replace_big_integer(copy, len, &e))
			break;
		v = json_loadb(copy, len, JSON_REJECT_DUPLICATES, &e);
	}
	if (copy != NULL) {
		OPENSSL_cleanse(copy, len); /* it may be a decrypted body */
		free(copy);
	}
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
