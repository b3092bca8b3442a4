/*
 * token.c — POST /oauth/token and the access tokens it issues.
 *
 * A token is "v1.<payload>.<mac>", both base64url: the payload is
 * "<partner id>:<expiry ms>:<nonce>", the MAC an HMAC-SHA256 under a key
 * derived from the data key, so a token survives a restart, is bound to its
 * partner and expires 60 s after issue on wonpay's clock (POST
 * /sandbox/clock moves it). The nonce also names the token's group: every
 * transfer request made under one token joins one group (payple-notes §7).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "surface/payple/payple.h"
#include "util/text.h"

#define NONCE_BYTES 12
#define MAC_BYTES 32

static void token_key(const struct wp_app *app, uint8_t key[WP_SHA256_BYTES])
{
	static const char label[] = "wonpay payple access token v1";
	wp_hmac_sha256(app->data_key, WP_DATA_KEY_BYTES, label, sizeof(label) - 1, key);
}

/* The group key of a token's nonce: 40 hex digits (Payple: aN(64)). */
static void group_of(const uint8_t key[WP_SHA256_BYTES], const char *nonce, char *out, size_t cap)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "group:%s", nonce);
	uint8_t mac[WP_SHA256_BYTES];
	wp_hmac_sha256(key, WP_SHA256_BYTES, msg, (size_t)n, mac);
	char hex[2 * WP_SHA256_BYTES + 1];
	wp_hex(mac, 20, hex);
	for (char *c = hex; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	snprintf(out, cap, "%s", hex);
}

wp_status payple_token_issue(const struct wp_app *app, int64_t partner_id, int64_t now_ms,
			     char *out, size_t cap)
{
	uint8_t rnd[NONCE_BYTES], key[WP_SHA256_BYTES], mac[MAC_BYTES];
	wp_status st = wp_random_bytes(rnd, sizeof(rnd));
	if (st != WP_OK)
		return st;
	char nonce[2 * NONCE_BYTES + 1], payload[96];
	wp_hex(rnd, sizeof(rnd), nonce);
	int n = snprintf(payload, sizeof(payload), "%" PRId64 ":%" PRId64 ":%s", partner_id,
			 now_ms + PAYPLE_TOKEN_TTL_MS, nonce);
	token_key(app, key);
	wp_hmac_sha256(key, sizeof(key), payload, (size_t)n, mac);
	char p64[2 * sizeof(payload)], m64[2 * MAC_BYTES];
	wp_base64url_encode((const uint8_t *)payload, (size_t)n, p64);
	wp_base64url_encode(mac, sizeof(mac), m64);
	if ((size_t)snprintf(out, cap, "v1.%s.%s", p64, m64) >= cap)
		return WP_E_INTERNAL;
	return WP_OK;
}

bool payple_token_check(const struct wp_app *app, const char *token, int64_t now_ms,
			int64_t *partner_id, char *group, size_t cap)
{
	size_t len = strlen(token);
	if (len > PAYPLE_TOKEN_MAX || strncmp(token, "v1.", 3) != 0)
		return false;
	const char *p64 = token + 3, *dot = strchr(p64, '.');
	if (dot == NULL)
		return false;
	uint8_t payload[PAYPLE_TOKEN_MAX], mac[PAYPLE_TOKEN_MAX], want[MAC_BYTES],
	    key[WP_SHA256_BYTES];
	size_t pn = 0, mn = 0;
	if (!wp_base64url_decode(p64, (size_t)(dot - p64), payload, &pn) ||
	    !wp_base64url_decode(dot + 1, strlen(dot + 1), mac, &mn) || mn != MAC_BYTES ||
	    pn >= sizeof(payload))
		return false;
	token_key(app, key);
	wp_hmac_sha256(key, sizeof(key), payload, pn, want);
	if (!wp_ct_equal(mac, want, MAC_BYTES))
		return false;
	payload[pn] = '\0';
	int64_t id = 0, expiry = 0;
	char nonce[2 * NONCE_BYTES + 1];
	if (sscanf((const char *)payload, "%" SCNd64 ":%" SCNd64 ":%24[0-9a-f]", &id, &expiry,
		   nonce) != 3 ||
	    strlen(nonce) != 2 * NONCE_BYTES || now_ms >= expiry)
		return false;
	*partner_id = id;
	group_of(key, nonce, group, cap);
	return true;
}

/* ---- POST /oauth/token ---- */

static const struct wp_field code_field[] = {
    {"code", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, PAYPLE_CODE_LEN, PAYPLE_CODE_LEN,
     .code = PAYPLE_T_CODE},
};

enum payple_code payple_token(struct payple_req *p)
{
	/* The code's format first: a malformed call spends no credential check. */
	struct wp_value code;
	enum payple_code c = payple_fields(p, code_field, 1, &code, PAYPLE_T_FIELD);
	if (c == PAYPLE_OK)
		c = payple_partner(p, PAYPLE_T_FIELD, PAYPLE_T_PARTNER);
	if (c != PAYPLE_OK)
		return c;
	char token[PAYPLE_TOKEN_MAX];
	if (payple_token_issue(p->r->app, p->partner_id, wp_clock_now_ms(&p->r->app->clock), token,
			       sizeof(token)) != WP_OK)
		return PAYPLE_SYSTEM;
	p->data = wp_req_json(p->r, json_object());
	if (p->data == NULL)
		return PAYPLE_SYSTEM;
	json_object_set_new(p->data, "code", json_string(code.s));
	json_object_set_new(p->data, "access_token", json_string(token));
	json_object_set_new(p->data, "token_type", json_string("Bearer"));
	json_object_set_new(p->data, "expires_in", json_string("60"));
	return PAYPLE_TOKEN_OK;
}

static const struct wp_doc_shape token_shape[] = {{NULL, code_field, 1}};
static const struct wp_doc_prop token_answer[] = {
    {"result", "string", "T0000"},
    {"message", "string", "처리 성공"},
    {"code", "string", "the request's code, echoed"},
    {"access_token", "string", "for Authorization: Bearer on every other call"},
    {"token_type", "string", "Bearer"},
    {"expires_in", "string", "\"60\" (seconds, on wonpay's clock)"},
};
const struct wp_route_doc payple_doc_token = {
    .summary = "Issue an access token (60 s)",
    .description = "The code is any 10 letters and digits the partner chooses. Every "
		   "transfer request made under one token joins one group.",
    .body = WP_DOC_JSON,
    .shapes = token_shape,
    .shape_count = 1,
    .open = true,
    .answer_props = token_answer,
    .answer_prop_count = WP_COUNT(token_answer),
};
