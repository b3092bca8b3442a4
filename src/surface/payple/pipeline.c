/*
 * pipeline.c — what every Payple call goes through before its endpoint:
 * the JSON body (numbers read as the strings Payple sends), then, except
 * for /oauth/token, the access token and the partner's cst_id and custKey,
 * which must be the token's partner. One answer per request, in Payple's
 * envelope: result and message, then the endpoint's fields.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/auth.h"
#include "http/json_body.h"
#include "surface/payple/payple.h"

void payple_answer(struct payple_req *p, enum payple_code c)
{
	if (p->answered)
		return;
	p->answered = true;
	const struct payple_code_row *row = &payple_codes[c];
	json_t *o = json_object();
	json_object_set_new(o, "result", json_string(row->result));
	json_object_set_new(o, "message", json_string(p->message ? p->message : row->message));
	if (p->data != NULL) /* an endpoint's fields, on success or with A0009 */
		json_object_update(o, p->data);
	wp_reply_json(p->r, row->http, o);
	wp_reply_header(p->r, "Cache-Control", "no-store");
}

static void answer_now(struct wp_req *r)
{
	struct payple_req *p = r->surface_ctx;
	payple_answer(p, p->later);
}

void payple_answer_later(struct payple_req *p, enum payple_code c)
{
	p->later = c;
	p->r->surface_ctx = p;
	p->r->before_answer = answer_now;
}

void payple_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	struct payple_req p = {.r = r};
	enum payple_code c = payple_code_of_status(st);
	char m[WP_MESSAGE_MAX_BYTES];
	snprintf(m, sizeof(m), "%s: %s", payple_codes[c].message, msg);
	p.message = m;
	payple_answer(&p, c);
}

enum payple_code payple_fail(struct payple_req *p, enum payple_code c, const char *fmt, ...)
{
	char detail[WP_MESSAGE_MAX_BYTES];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	p->message = wp_arena_printf(&p->r->arena, "%s: %s", payple_codes[c].message, detail);
	return c;
}

const char *payple_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

void payple_uniq(const char *cst_id, const char *distinct_key, char *out, size_t cap)
{
	snprintf(out, cap, "%s:%s", cst_id, distinct_key);
}

enum payple_code payple_fields(struct payple_req *p, const struct wp_field *t, size_t n,
			       struct wp_value *out, enum payple_code fail)
{
	struct wp_field_error e;
	if (wp_fields_json(&p->r->arena, p->body, t, n, out, &e))
		return PAYPLE_OK;
	enum payple_code c = e.field->code != 0 && e.fail != WP_FIELD_MISSING
				 ? (enum payple_code)e.field->code
				 : fail; /* a row's own code is for any failure but absence */
	return payple_fail(p, c, "%s", e.message);
}

/* The body: one JSON object; Payple's strings, and numbers as their decimal strings. */
static enum payple_code read_body(struct payple_req *p, enum payple_code fail)
{
	char err[WP_MESSAGE_MAX_BYTES];
	json_t *v = NULL;
	if (wp_json_body(p->r->body, p->r->body_len, &v, err, sizeof(err)) != WP_OK ||
	    wp_req_json(p->r, v) == NULL) {
		return payple_fail(p, fail, "%s", err);
	}
	for (void *it = json_object_iter(v); it != NULL; it = json_object_iter_next(v, it)) {
		json_t *val = json_object_iter_value(it);
		if (!json_is_integer(val))
			continue;
		char num[24];
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(val));
		json_object_iter_set_new(v, it, json_string(num));
	}
	p->body = v;
	return PAYPLE_OK;
}

/* The partner fields every call repeats (the token call adds its code). */
const struct wp_field payple_partner_fields[PAYPLE_PARTNER_FIELDS] = {
    {"cst_id", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, 1, PAYPLE_CST_ID_MAX},
    {"custKey", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, PAYPLE_CUST_KEY_MAX},
};

enum payple_code payple_partner(struct payple_req *p, enum payple_code fail,
				enum payple_code refused)
{
	struct wp_value v[PAYPLE_PARTNER_FIELDS];
	enum payple_code c =
	    payple_fields(p, payple_partner_fields, PAYPLE_PARTNER_FIELDS, v, fail);
	if (c != PAYPLE_OK)
		return c;
	struct wp_principal who;
	wp_status st = wp_auth_check(p->r->app->auth, PAYPLE_SURFACE, v[0].s, v[1].s, p->r->client,
				     &p->r->arena, &who);
	if (st == WP_E_RATE_LIMITED)
		return PAYPLE_RATE_LIMITED;
	if (st == WP_E_UNAUTHORIZED)
		return refused;
	if (st != WP_OK)
		return PAYPLE_SYSTEM;
	if (p->partner_id != 0 && who.partner.id != p->partner_id)
		return refused; /* a token of another partner */
	if (!wp_auth_take(p->r->app->auth, &who))
		return PAYPLE_RATE_LIMITED;
	p->partner_id = who.partner.id;
	p->cst_id = v[0].s;
	return PAYPLE_OK;
}

/* Authorization: Bearer <access_token>, signed by this server and not expired. */
static enum payple_code check_token(struct payple_req *p)
{
	const char *h = wp_req_header(p->r, "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return PAYPLE_AUTH;
	const char *token = h + 7;
	while (*token == ' ')
		token++;
	char group[64];
	int64_t now = wp_clock_now_ms(&p->r->app->clock);
	if (!payple_token_check(p->r->app, token, now, &p->partner_id, group, sizeof(group))) {
		wp_auth_client_failed(p->r->app->auth, p->r->client);
		return PAYPLE_AUTH;
	}
	p->group = wp_arena_strndup(&p->r->arena, group, strlen(group));
	return p->group ? PAYPLE_OK : PAYPLE_SYSTEM;
}

void payple_run(struct wp_req *r)
{
	struct payple_req *p = wp_arena_alloc(&r->arena, sizeof(*p));
	if (p == NULL) {
		payple_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	memset(p, 0, sizeof(*p));
	p->r = r;
	payple_handler endpoint = (payple_handler)r->route->impl;
	bool token_call = endpoint == payple_token;
	enum payple_code c = PAYPLE_OK;
	if (wp_auth_client_blocked(r->app->auth, r->client))
		c = PAYPLE_RATE_LIMITED;
	if (c == PAYPLE_OK)
		c = read_body(p, token_call ? PAYPLE_T_FIELD : PAYPLE_FIELD);
	if (c == PAYPLE_OK && !token_call)
		c = check_token(p);
	if (c == PAYPLE_OK && !token_call)
		c = payple_partner(p, PAYPLE_FIELD, PAYPLE_PARTNER);
	if (c == PAYPLE_OK)
		c = endpoint(p);
	if (c != PAYPLE_DEFERRED)
		payple_answer(p, c);
}
