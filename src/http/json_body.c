#include "http/json_body.h"

#include <stdio.h>

wp_status wp_json_body(const char *body, size_t len, json_t **out, char *err, size_t err_cap)
{
	if (len == 0) {
		snprintf(err, err_cap, "the body is empty; a JSON object is required");
		return WP_E_INVALID;
	}
	json_error_t e;
	json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
	if (v == NULL) {
		snprintf(err, err_cap, "the body is not valid JSON (line %d, column %d): %s",
			 e.line, e.column, e.text);
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
