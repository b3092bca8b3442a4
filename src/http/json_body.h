/*
 * json_body.h — JSON request bodies (jansson).
 *
 * Strict: the whole body must be one JSON object, UTF-8, with no key given
 * twice (JSON_REJECT_DUPLICATES). Integers stay exact 64-bit (jansson's
 * json_int_t is long long); errors name the line and column, are UTF-8 and name
 * no library flag. An integer literal above int64 is read as a real out of
 * every field's range (±9.3e18), so the field that holds it is refused by
 * its own name and range rather than the whole body as "too big".
 */
#ifndef WP_JSON_BODY_H
#define WP_JSON_BODY_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

/* On success *out holds a new reference to an object. */
wp_status wp_json_body(const char *body, size_t len, json_t **out, char *err, size_t err_cap);

#endif
