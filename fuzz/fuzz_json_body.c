/*
 * fuzz_json_body.c — wp_json_body (src/http/json_body.h) on the raw input.
 *
 * Properties:
 *  - accepted: a JSON object (one new reference); every string and key, at
 *    any depth, is NUL-free valid UTF-8; no key given twice anywhere (a
 *    lenient parse of the same bytes gives the same value, or refuses only an
 *    integer above int64, read as a real); the value dumped and read back is
 *    equal (integers stay exact);
 *  - refused: WP_E_INVALID with a non-empty, terminated message that is
 *    valid UTF-8 (Kona and the control API put it in a JSON string);
 *  - an empty body is refused; a body that is not an object is refused.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "bounds.h"
#include "fuzz_util.h"
#include "http/json_body.h"

#define ERR_CAP WP_MESSAGE_MAX_BYTES /* what kona/pipeline.c and kit.c pass */

static void check_value(json_t *v, int depth)
{
	CHECK(depth < 4096, "nesting deeper than jansson allows");
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		CHECK(strlen(s) == n, "a string holds a NUL byte");
		CHECK(ref_utf8_valid(s, n), "a string is not valid UTF-8");
	} else if (json_is_object(v)) {
		const char *key;
		json_t *m;
		json_object_foreach(v, key, m)
		{
			CHECK(ref_utf8_valid(key, strlen(key)), "a key is not valid UTF-8");
			check_value(m, depth + 1);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m) check_value(m, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: the server's body buffer is not NUL-terminated. */
	char *body = malloc(size ? size : 1);
	if (!body)
		abort();
	if (size)
		memcpy(body, data, size);
	json_t *v = NULL;
	char err[ERR_CAP];
	memset(err, 0x5A, sizeof(err));
	wp_status st = wp_json_body(body, size, &v, err, sizeof(err));
	if (st == WP_OK) {
		CHECK(size > 0, "an empty body was accepted");
		CHECK(v != NULL && json_is_object(v), "accepted something that is not an object");
		CHECK(v->refcount == 1, "refcount %zu", v->refcount);
		check_value(v, 0);
		/* Duplicates rejected: a lenient parse must agree (it keeps the last),
		 * unless an integer above int64 was read as the real ±9.3e18. */
		json_error_t le;
		json_t *lenient = json_loadb(body, size, 0, &le);
		CHECK(lenient != NULL ? json_equal(lenient, v) : strstr(le.text, "too big") != NULL,
		      "lenient parse differs");
		json_decref(lenient);
		/* Round trip. */
		char *dump = json_dumps(v, JSON_COMPACT);
		CHECK(dump != NULL, "json_dumps failed");
		json_t *again = NULL;
		char err2[ERR_CAP];
		CHECK(wp_json_body(dump, strlen(dump), &again, err2, sizeof(err2)) == WP_OK,
		      "its own dump is refused: %s", err2);
		CHECK(json_equal(v, again), "round trip changed the value");
		json_decref(again);
		free(dump);
		json_decref(v);
	} else {
		CHECK(st == WP_E_INVALID, "status %d", st);
		CHECK(memchr(err, 0, sizeof(err)) != NULL, "err not terminated");
		CHECK(err[0] != '\0', "empty error message");
		CHECK(ref_utf8_valid(err, strlen(err)), "error message is not valid UTF-8: '%s'",
		      err);
		if (size > 0) {
			/* Refused: either jansson refuses it strictly, or it is not an object. */
			json_t *strict = json_loadb(body, size, JSON_REJECT_DUPLICATES, NULL);
			CHECK(strict == NULL || !json_is_object(strict),
			      "an object jansson accepts was refused: %s", err);
			json_decref(strict);
		}
	}
	free(body);
	return 0;
}
