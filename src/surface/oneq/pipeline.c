/*
 * pipeline.c — what every OneQ call goes through: the form body (or, for the
 * pages' own calls, a JSON body), then the endpoint, then one answer — the
 * document's fields on success, KakaoPay's error shape on failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/auth.h"
#include "http/json_body.h"
#include "surface/oneq/oneq.h"
#include "util/date.h"
#include "util/text.h"

/* KakaoPay publishes no code table (oneq-notes §4); these are wonpay's, in its style. */
const struct oneq_code_row oneq_codes[ONEQ_CODE_COUNT] = {
    [ONEQ_OK] = {0, 200, "", ""},
    [ONEQ_INVALID] = {-401, 400, "INVALID_PARAMETER", "invalid request"},
    [ONEQ_NO_MERCHANT] = {-402, 400, "MERCHANT_NOT_FOUND", "unknown merchant"},
    [ONEQ_UNAUTHORIZED] = {-403, 401, "UNAUTHORIZED", "merchant authentication failed"},
    [ONEQ_NO_PAYMENT] = {-404, 400, "PAYMENT_NOT_FOUND", "payment not found"},
    [ONEQ_DUPLICATE] = {-405, 400, "DUPLICATE_ORDER", "order_id already used"},
    [ONEQ_MISMATCH] = {-406, 400, "PAYMENT_MISMATCH", "request does not match the payment"},
    [ONEQ_NOT_CONFIRMED] = {-780, 400, "PAYMENT_NOT_CONFIRMED", "approval failure!"},
    [ONEQ_CLOSED] = {-781, 400, "PAYMENT_CLOSED", "approval failure!"},
    [ONEQ_EXPIRED] = {-782, 400, "PAYMENT_EXPIRED", "approval failure!"},
    [ONEQ_BAD_PG_TOKEN] = {-783, 400, "INVALID_PG_TOKEN", "approval failure!"},
    [ONEQ_NOT_APPROVED] = {-790, 400, "PAYMENT_NOT_APPROVED", "cancel failure!"},
    [ONEQ_CANCEL_EXCEEDS] = {-791, 400, "CANCEL_AMOUNT_EXCEEDED", "cancel failure!"},
    [ONEQ_PIN_WRONG] = {-801, 400, "WRONG_PASSWORD", "password failure"},
    [ONEQ_PIN_LOCKED] = {-802, 400, "USER_LOCKED", "password failure"},
    [ONEQ_NO_FUNDS] = {-803, 400, "INSUFFICIENT_BALANCE", "payment failure"},
    [ONEQ_BANK] = {-804, 400, "BANK_ERROR", "payment failure"},
    [ONEQ_STATE] = {-805, 400, "INVALID_STATE", "invalid payment state"},
    [ONEQ_NOT_FOUND] = {-404, 404, "NOT_FOUND", "not found"},
    [ONEQ_METHOD] = {-405, 405, "METHOD_NOT_ALLOWED", "method not allowed"},
    [ONEQ_TOO_LARGE] = {-413, 413, "PAYLOAD_TOO_LARGE", "request too large"},
    [ONEQ_RATE_LIMITED] = {-429, 429, "TOO_MANY_REQUESTS", "too many requests"},
    [ONEQ_SYSTEM] = {-999, 503, "SYSTEM_ERROR", "system error, try again"},
};

void oneq_answer(struct oneq_req *q, enum oneq_code c)
{
	if (q->answered)
		return;
	q->answered = true;
	const struct oneq_code_row *row = &oneq_codes[c];
	if (c == ONEQ_OK) {
		wp_reply_json(q->r, 200, q->data ? json_incref(q->data) : json_object());
	} else {
		/* a message cut at its buffer's end may end inside a character: cut it there */
		q->message[wp_utf8_valid_prefix(q->message, strlen(q->message))] = '\0';
		json_t *o = json_pack("{s:i, s:s, s:{s:s, s:s}}", "error_code", row->error_code,
				      "error_message", row->message, "extras", "method_result_code",
				      row->method_result_code, "method_result_message",
				      q->message[0] ? q->message : row->message);
		if (o == NULL) /* never an answer outside the error shape */
			o = json_pack("{s:i, s:s, s:{s:s, s:s}}", "error_code", row->error_code,
				      "error_message", row->message, "extras", "method_result_code",
				      row->method_result_code, "method_result_message",
				      row->message);
		wp_reply_json(q->r, row->http, o);
		if (c == ONEQ_SYSTEM || c == ONEQ_RATE_LIMITED)
			wp_reply_header(q->r, "Retry-After", "1");
	}
	wp_reply_header(q->r, "Cache-Control", "no-store");
}

static void answer_now(struct wp_req *r)
{
	struct oneq_req *q = r->surface_ctx;
	oneq_answer(q, q->later);
}

void oneq_answer_later(struct oneq_req *q, enum oneq_code c)
{
	q->later = c;
	q->r->surface_ctx = q;
	q->r->before_answer = answer_now;
}

void oneq_write_finish(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct oneq_write *ow = (struct oneq_write *)w;
	struct oneq_req *q = ow->q;
	if (w->cmd.status != WP_OK) {
		oneq_answer_later(q, ONEQ_SYSTEM);
		return;
	}
	if (ow->code == ONEQ_OK)
		q->data = ow->answer;
	else
		snprintf(q->message, sizeof(q->message), "%s", ow->why);
	oneq_answer_later(q, ow->code);
}

void oneq_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	struct oneq_req q = {.r = r};
	enum oneq_code c = st == WP_E_NOT_FOUND	     ? ONEQ_NOT_FOUND
			   : st == WP_E_METHOD	     ? ONEQ_METHOD
			   : st == WP_E_TOO_LARGE    ? ONEQ_TOO_LARGE
			   : st == WP_E_INVALID	     ? ONEQ_INVALID
			   : st == WP_E_MEDIA_TYPE   ? ONEQ_INVALID
			   : st == WP_E_UNAUTHORIZED ? ONEQ_UNAUTHORIZED
			   : st == WP_E_URI_TOO_LONG ? ONEQ_INVALID
			   : st == WP_E_FRAMING	     ? ONEQ_INVALID
			   : st == WP_E_RATE_LIMITED ? ONEQ_SYSTEM
						     : ONEQ_SYSTEM;
	snprintf(q.message, sizeof(q.message), "%s", msg);
	oneq_answer(&q, c);
}

enum oneq_code oneq_fail(struct oneq_req *q, enum oneq_code c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q->message, sizeof(q->message), fmt, ap);
	va_end(ap);
	return c;
}

enum oneq_code oneq_fields(struct oneq_req *q, const struct wp_field *t, size_t n,
			   struct wp_value *out)
{
	struct wp_field_error e;
	bool ok = q->json ? wp_fields_json(&q->r->arena, q->json, t, n, out, &e)
			  : wp_fields_form(&q->r->arena, &q->form, t, n, out, &e);
	if (ok)
		return ONEQ_OK;
	return oneq_fail(q, ONEQ_INVALID, "%s", e.message);
}

const char *oneq_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

void oneq_time(int64_t ms, char out[20])
{
	char s[24];
	wp_format_stamp(ms, WP_KST_OFFSET_MIN, true, false, s, sizeof(s));
	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = '.';
	memcpy(out, s, 19);
	out[19] = '\0';
}

bool oneq_business_no_valid(const char *d)
{
	static const int w[9] = {1, 3, 7, 1, 3, 7, 1, 3, 5};
	if (strlen(d) != 10)
		return false;
	int sum = 0;
	for (int i = 0; i < 10; i++)
		if (d[i] < '0' || d[i] > '9')
			return false;
	for (int i = 0; i < 9; i++)
		sum += (d[i] - '0') * w[i];
	sum += (d[8] - '0') * 5 / 10;
	return (10 - sum % 10) % 10 == d[9] - '0';
}

const char *oneq_cid_canonical(const char *cid)
{
	return strcmp(cid, ONEQ_SANDBOX_CID_ALT) == 0 ? ONEQ_SANDBOX_CID : cid;
}

static enum oneq_code read_form(struct oneq_req *q)
{
	struct wp_req *r = q->r;
	const char *ct = wp_req_header(r, "Content-Type");
	char type[128], charset[64];
	wp_content_type_parse(ct, type, sizeof(type), charset, sizeof(charset));
	wp_status st;
	if (strcmp(type, "multipart/form-data") == 0) {
		char boundary[WP_MULTIPART_BOUNDARY_MAX + 1];
		if (!wp_content_type_param(ct, "boundary", boundary, sizeof(boundary)))
			return oneq_fail(q, ONEQ_INVALID, "multipart/form-data needs its boundary");
		st = wp_form_decode_multipart(&r->arena, r->body, r->body_len, boundary, &q->form,
					      q->message, sizeof(q->message));
	} else if (type[0] == '\0' || strcmp(type, "application/x-www-form-urlencoded") == 0) {
		st = wp_form_decode(&r->arena, r->body, r->body_len, charset[0] ? charset : NULL,
				    &q->form, q->message, sizeof(q->message));
	} else {
		return oneq_fail(q, ONEQ_INVALID,
				 "Content-Type must be application/x-www-form-urlencoded;"
				 "charset=utf-8");
	}
	return st == WP_OK ? ONEQ_OK : ONEQ_INVALID;
}

static struct oneq_req *new_req(struct wp_req *r)
{
	struct oneq_req *q = wp_arena_alloc(&r->arena, sizeof(*q));
	if (q == NULL) {
		oneq_reply_error(r, WP_E_NOMEM, "out of memory");
		return NULL;
	}
	memset(q, 0, sizeof(*q));
	q->r = r;
	return q;
}

bool oneq_owns(const struct oneq_req *q, json_t *o)
{
	return q->r->app->cfg->sandbox ||
	       json_integer_value(json_object_get(o, "partner_id")) == q->partner_id;
}

/*
 * Outside sandbox mode, wonpay's addition to the document: `Authorization:
 * OneQ <secret>` (or Bearer), the secret `wonpay partner add --oneq` issued.
 * Sandbox mode asks for nothing, as the document does.
 */
static enum oneq_code merchant_secret(struct oneq_req *q)
{
	struct wp_req *r = q->r;
	if (r->app->cfg->sandbox)
		return ONEQ_OK;
	const char *h = wp_req_header(r, "Authorization");
	const char *secret = NULL;
	if (h != NULL && strncasecmp(h, "OneQ ", 5) == 0)
		secret = h + 5;
	else if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
		secret = h + 7;
	if (secret == NULL || secret[0] == '\0')
		return oneq_fail(q, ONEQ_UNAUTHORIZED,
				 "send Authorization: OneQ <secret> (wonpay partner add --oneq)");
	struct wp_principal who;
	wp_status st =
	    wp_auth_check(r->app->auth, ONEQ_SURFACE, NULL, secret, r->client, &r->arena, &who);
	if (st == WP_E_UNAUTHORIZED)
		return oneq_fail(q, ONEQ_UNAUTHORIZED, "the merchant secret is not valid");
	if (st == WP_E_RATE_LIMITED || (st == WP_OK && !wp_auth_take(r->app->auth, &who)))
		return oneq_fail(q, ONEQ_RATE_LIMITED, "too many requests; retry shortly");
	if (st != WP_OK)
		return ONEQ_SYSTEM;
	q->partner_id = who.partner.id;
	return ONEQ_OK;
}

void oneq_run(struct wp_req *r)
{
	struct oneq_req *q = new_req(r);
	if (q == NULL)
		return;
	enum oneq_code c = merchant_secret(q);
	if (c == ONEQ_OK)
		c = read_form(q);
	if (c == ONEQ_OK)
		c = ((oneq_handler)r->route->impl)(q);
	if (c != ONEQ_DEFERRED)
		oneq_answer(q, c);
}

void oneq_run_json(struct wp_req *r)
{
	struct oneq_req *q = new_req(r);
	if (q == NULL)
		return;
	json_t *body = NULL;
	enum oneq_code c = ONEQ_OK;
	if (wp_json_body(r->body, r->body_len, &body, q->message, sizeof(q->message)) != WP_OK ||
	    wp_req_json(r, body) == NULL)
		c = ONEQ_INVALID;
	if (c == ONEQ_OK) {
		q->json = body;
		c = ((oneq_handler)r->route->impl)(q);
	}
	if (c != ONEQ_DEFERRED)
		oneq_answer(q, c);
}
