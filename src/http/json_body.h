/*
 * json_body.h — JSON request bodies (jansson).
 *
 * Strict: the whole body must be one JSON object, UTF-8, with no key given
 * twice (JSON_REJECT_DUPLICATES). Integers stay exact 64-bit (jansson's
 * json_int_t is long long); errors name the line and column.
 */
#ifndef WP_JSON_BODY_H
#define WP_JSON_BODY_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

/* On success *out holds a new reference to an object. */
wp_status wp_json_body(const char *body, size_t len, json_t **out, char *err, size_t err_cap);

#endif
