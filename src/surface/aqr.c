/*
 * aqr.c — the AQR surface (see aqr.h for the wire contract).
 *
 * decode (form) -> validate against the spec -> store -> encode in AQR's own
 * envelope. Order of checks on POST /api/, each with its own status:
 * Accept (406), token (401), rate limit (429), Content-Type and body (400),
 * action (400), fields (400), email belongs to the token (401), then the
 * operation (404 unknown keyword, 410 already deleted, 503 storage).
 */
#include "surface/aqr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/auth.h"
#include "core/bank.h"
#include "core/commit.h"
#include "core/crypto.h"
#include "core/qr.h"
#include "util/text.h"
#include "web/render.h"

#define AQR_SURFACE "aqr"
#define PAGE_MAX_BYTES (64 * 1024)

/* ---- validation (pure; unit-tested) ---- */

static const char *trim(wp_arena *a, const char *s, size_t n, size_t *out_len)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*out_len = n;
	return wp_arena_strndup(a, s, n);
}

/* A required text field of at most max characters, trimmed, no control characters. */
static wp_status text_field(wp_arena *a, const struct wp_form *f, const char *name, size_t max,
			    const char **out, size_t *out_len, char *err, size_t cap)
{
	const struct wp_form_field *fld = wp_form_get(f, name);
	if (fld == NULL) {
		snprintf(err, cap, "%s is required", name);
		return WP_E_INVALID;
	}
	size_t n;
	const char *v = trim(a, fld->value, fld->value_len, &n);
	if (v == NULL) {
		snprintf(err, cap, "%s is too large", name);
		return WP_E_INVALID;
	}
	if (n == 0) {
		snprintf(err, cap, "%s must not be empty", name);
		return WP_E_INVALID;
	}
	size_t chars = wp_utf8_chars(v, n);
	if (chars > max) {
		snprintf(err, cap, "%s is %zu characters long; the maximum is %zu", name, chars,
			 max);
		return WP_E_INVALID;
	}
	if (wp_has_control(v, n)) {
		snprintf(err, cap, "%s must not contain control characters", name);
		return WP_E_INVALID;
	}
	*out = v;
	*out_len = n;
	return WP_OK;
}

/* Digits with optional hyphens (and spaces), returned as digits only. */
static wp_status digits_field(wp_arena *a, const struct wp_form *f, const char *name, size_t max,
			      size_t min_digits, const char **out, char *err, size_t cap)
{
	const char *v;
	size_t n;
	wp_status st = text_field(a, f, name, max, &v, &n, err, cap);
	if (st != WP_OK)
		return st;
	char *d = wp_arena_alloc(a, n + 1);
	if (d == NULL) {
		snprintf(err, cap, "%s is too large", name);
		return WP_E_INVALID;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '-' || v[i] == ' ')
			continue;
		if (v[i] < '0' || v[i] > '9') {
			snprintf(err, cap, "%s must contain only digits (hyphens are allowed)", name);
			return WP_E_INVALID;
		}
		d[k++] = v[i];
	}
	d[k] = '\0';
	if (k < min_digits) {
		snprintf(err, cap, "%s must have at least %zu digits", name, min_digits);
		return WP_E_INVALID;
	}
	*out = d;
	return WP_OK;
}

static wp_status email_field(wp_arena *a, const struct wp_form *f, const char **out, char *err,
			     size_t cap)
{
	size_t n;
	wp_status st = text_field(a, f, "email_address", AQR_EMAIL_MAX, out, &n, err, cap);
	if (st == WP_OK && !wp_auth_email_valid(*out)) {
		snprintf(err, cap, "email_address is not a valid email address");
		st = WP_E_INVALID;
	}
	return st;
}

wp_status aqr_parse_action(const struct wp_form *f, enum aqr_action *out, char *err, size_t cap)
{
	const struct wp_form_field *fld = wp_form_get(f, "action");
	if (fld == NULL || fld->value_len == 0) {
		snprintf(err, cap, "action is required (create or delete)");
		return WP_E_INVALID;
	}
	if (wp_utf8_chars(fld->value, fld->value_len) > AQR_ACTION_MAX) {
		snprintf(err, cap, "action is longer than %d characters", AQR_ACTION_MAX);
		return WP_E_INVALID;
	}
	if (strcmp(fld->value, "create") == 0 || strcmp(fld->value, "aqr_create") == 0) {
		*out = AQR_CREATE;
		return WP_OK;
	}
	if (strcmp(fld->value, "delete") == 0 || strcmp(fld->value, "aqr_delete") == 0) {
		*out = AQR_DELETE;
		return WP_OK;
	}
	snprintf(err, cap, "action must be create or delete");
	return WP_E_INVALID;
}

wp_status aqr_validate_create(wp_arena *a, const struct wp_form *f, struct aqr_create_input *out,
			      char *err, size_t cap)
{
	size_t n;
	wp_status st = email_field(a, f, &out->email, err, cap);
	if (st != WP_OK)
		return st;
	st = digits_field(a, f, "account_number", AQR_ACCOUNT_NUMBER_MAX, AQR_ACCOUNT_DIGITS_MIN,
			  &out->account_number, err, cap);
	if (st != WP_OK)
		return st;
	const char *bank;
	int64_t id;
	st = text_field(a, f, "bank_id", SIZE_MAX, &bank, &n, err, cap);
	if (st == WP_OK && !wp_parse_i64(bank, n, 0, WP_AQR_BANK_ID_MAX, &id)) {
		snprintf(err, cap, "bank_id must be an integer from 0 to %d", WP_AQR_BANK_ID_MAX);
		st = WP_E_INVALID;
	}
	if (st != WP_OK)
		return st;
	out->bank_id = (int)id;
	st = text_field(a, f, "account_owner", AQR_ACCOUNT_OWNER_MAX, &out->account_owner, &n, err,
			cap);
	if (st != WP_OK)
		return st;
	st = digits_field(a, f, "phone_number", AQR_PHONE_MAX, AQR_PHONE_DIGITS_MIN,
			  &out->phone_number, err, cap);
	if (st != WP_OK)
		return st;
	return text_field(a, f, "account_name", AQR_ACCOUNT_NAME_MAX, &out->account_name, &n, err,
			  cap);
}

static bool keyword_valid(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > AQR_KEYWORD_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

wp_status aqr_validate_delete(wp_arena *a, const struct wp_form *f, struct aqr_delete_input *out,
			      char *err, size_t cap)
{
	size_t n;
	wp_status st = email_field(a, f, &out->email, err, cap);
	if (st != WP_OK)
		return st;
	st = text_field(a, f, "uniq_keyword", AQR_KEYWORD_MAX, &out->keyword, &n, err, cap);
	if (st != WP_OK)
		return st;
	if (!keyword_valid(out->keyword)) {
		snprintf(err, cap, "uniq_keyword must contain only letters and digits");
		return WP_E_INVALID;
	}
	return WP_OK;
}

bool aqr_parse_amount(const char *s, int64_t *won)
{
	return wp_parse_i64(s, strlen(s), 1, WP_AQR_AMOUNT_MAX_WON, won);
}

/* ---- responses ---- */

/*
 * AQR's Errors table (400, 401, 403, 404, 405, 406, 410, 429, 500, 503) is HTTP's own
 * meaning of each status, so the shared mapping is exactly AQR's.
 */
static unsigned http_status(wp_status st)
{
	return wp_status_http(st);
}

static void page_headers(struct wp_req *r)
{
	wp_reply_header(r, "Cache-Control", "no-cache");
	wp_reply_header(r, "X-Content-Type-Options", "nosniff");
	wp_reply_header(r, "Referrer-Policy", "no-referrer");
	wp_reply_header(r, "Content-Security-Policy",
			"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
			"script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
}

static void reply_page(struct wp_req *r, unsigned status, const struct wp_tvar *vars,
		       size_t count)
{
	wp_buf b;
	wp_buf_init(&b, PAGE_MAX_BYTES);
	if (wp_render(&b, "aqr_page.html", vars, count) != WP_OK) {
		wp_buf_free(&b);
		static const char msg[] = "<!DOCTYPE html><title>오류</title><p>페이지를 만들 수 없습니다.";
		wp_reply(r, 500, "text/html; charset=utf-8", msg, sizeof(msg) - 1);
		return;
	}
	size_t len;
	char *html = wp_buf_take(&b, &len);
	wp_reply_take(r, status, "text/html; charset=utf-8", html, len);
	page_headers(r);
}

static void reply_error_page(struct wp_req *r, wp_status st)
{
	const char *title = "요청을 처리할 수 없습니다";
	const char *detail = "잠시 후 다시 시도해 주세요.";
	if (st == WP_E_NOT_FOUND) {
		title = "계좌 정보를 찾을 수 없습니다";
		detail = "주소를 다시 확인해 주세요.";
	} else if (st == WP_E_GONE) {
		title = "삭제된 계좌 정보입니다";
		detail = "이 계좌 정보는 더 이상 사용할 수 없습니다.";
	} else if (st == WP_E_INVALID) {
		title = "주소가 올바르지 않습니다";
		detail = "금액은 1원 이상의 숫자로 입력해 주세요.";
	}
	const struct wp_tvar vars[] = {
	    {"title", title},  {"landing", NULL}, {"qr_large", NULL},
	    {"error", title},  {"error_detail", detail},
	};
	reply_page(r, http_status(st), vars, sizeof(vars) / sizeof(vars[0]));
}

static void aqr_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	if (strncmp(r->path, "/f/", 3) == 0) {
		reply_error_page(r, st);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "result", json_string("error"));
	json_object_set_new(o, "reason", json_string(msg));
	wp_reply_json(r, http_status(st), o);
	wp_reply_header(r, "Cache-Control", "no-store");
}

/* ---- POST /api/ ---- */

static bool accepts_json(const char *accept)
{
	if (accept == NULL || accept[0] == '\0')
		return true;
	const char *p = accept;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		const char *end = p;
		while (*end != '\0' && *end != ',' && *end != ';')
			end++;
		size_t n = (size_t)(end - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		static const char *const ok[] = {"*/*", "*", "application/*", "application/json",
						  "text/json", "text/javascript"};
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			if (strlen(ok[i]) == n && strncasecmp(p, ok[i], n) == 0)
				return true;
		p = end;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return false;
}

/* ---- personal data at rest ---- */

/*
 * The account number, owner and phone number are stored sealed (AES-256-GCM
 * under the data key, bound to their field) as "s1:" + the sealed form. A
 * value without the prefix was written before sealing existed and is read as
 * it is, so older databases keep working.
 */
#define SEALED_PREFIX "s1:"

static const char *seal_field(struct wp_req *r, const char *field, const char *value)
{
	char aad[32];
	snprintf(aad, sizeof(aad), "aqr.%s", field);
	char *sealed = wp_seal(r->app->data_key, aad, value, strlen(value));
	const char *out = sealed ? wp_arena_printf(&r->arena, SEALED_PREFIX "%s", sealed) : NULL;
	free(sealed);
	return out;
}

/* The stored value opened, or NULL if it is sealed and does not open. */
static const char *open_field(struct wp_req *r, const char *field, const char *stored)
{
	if (strncmp(stored, SEALED_PREFIX, strlen(SEALED_PREFIX)) != 0)
		return stored;
	char aad[32];
	snprintf(aad, sizeof(aad), "aqr.%s", field);
	size_t n;
	char *plain = wp_open(r->app->data_key, aad, stored + strlen(SEALED_PREFIX), &n);
	const char *out = plain ? wp_arena_strndup(&r->arena, plain, n) : NULL;
	free(plain);
	return out;
}

/* ---- the writes, as commands on the commit queue ---- */

struct create_cmd {
	struct wp_cmd base;
	struct wp_aqr_link link;
	char keyword[WP_AQR_KEYWORD_LEN + 1];
};

static wp_status apply_create(struct wp_tx *tx, struct wp_cmd *c)
{
	struct create_cmd *cmd = (struct create_cmd *)c;
	wp_status st = WP_E_CONFLICT;
	for (int i = 0; i < WP_AQR_KEYWORD_RETRIES && st == WP_E_CONFLICT; i++) {
		st = wp_random_alnum(cmd->keyword, WP_AQR_KEYWORD_LEN);
		if (st == WP_OK)
			st = tx->ops->aqr_insert(tx, &cmd->link);
	}
	return st;
}

static void finish_create(struct wp_req *r, struct wp_cmd *c)
{
	struct create_cmd *cmd = (struct create_cmd *)c;
	if (c->status != WP_OK) {
		aqr_reply_error(r, c->status == WP_E_CONFLICT ? WP_E_UNAVAILABLE : c->status,
				"the account could not be saved; try again");
		return;
	}
	const struct wp_config *cfg = r->app->cfg;
	char qr[WP_URL_MAX + 64], short_url[WP_URL_MAX + 64];
	snprintf(qr, sizeof(qr), "%s/res/api/%s", cfg->public_url, cmd->keyword);
	snprintf(short_url, sizeof(short_url), "%s/f/%s", cfg->short_url, cmd->keyword);
	json_t *data = json_object();
	json_object_set_new(data, "qr_image", json_string(qr));
	json_object_set_new(data, "short_url", json_string(short_url));
	json_object_set_new(data, "uniq_keyword", json_string(cmd->keyword));
	json_t *o = json_object();
	json_object_set_new(o, "result", json_string("success"));
	json_object_set_new(o, "data", data);
	wp_reply_json(r, 200, o);
	wp_reply_header(r, "Cache-Control", "no-store");
}

struct delete_cmd {
	struct wp_cmd base;
	const char *keyword;
	int64_t partner_id;
	int64_t now_ms;
};

static wp_status apply_delete(struct wp_tx *tx, struct wp_cmd *c)
{
	struct delete_cmd *cmd = (struct delete_cmd *)c;
	return tx->ops->aqr_delete(tx, cmd->keyword, cmd->partner_id, cmd->now_ms);
}

static void finish_delete(struct wp_req *r, struct wp_cmd *c)
{
	struct delete_cmd *cmd = (struct delete_cmd *)c;
	char err[256];
	if (c->status == WP_E_NOT_FOUND || c->status == WP_E_GONE) {
		snprintf(err, sizeof(err),
			 c->status == WP_E_GONE ? "uniq_keyword '%s' was already deleted"
						: "uniq_keyword '%s' was not found",
			 cmd->keyword);
		aqr_reply_error(r, c->status, err);
		return;
	}
	if (c->status != WP_OK) {
		aqr_reply_error(r, c->status, "the account could not be deleted; try again");
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "result", json_string("success"));
	wp_reply_json(r, 200, o);
	wp_reply_header(r, "Cache-Control", "no-store");
}

/* The token and email_address together are the credential; false after replying 401. */
static bool owner_or_reply(struct wp_req *r, const char *email, const struct wp_partner *who)
{
	if (wp_ascii_ieq(email, who->email))
		return true;
	aqr_reply_error(r, WP_E_UNAUTHORIZED,
			"email_address does not belong to the developer token's owner");
	return false;
}

static void api_create(struct wp_req *r, const struct wp_form *f, const struct wp_partner *who)
{
	char err[256];
	struct aqr_create_input in;
	wp_status st = aqr_validate_create(&r->arena, f, &in, err, sizeof(err));
	if (st != WP_OK) {
		aqr_reply_error(r, st, err);
		return;
	}
	if (!owner_or_reply(r, in.email, who))
		return;
	struct create_cmd *cmd = wp_arena_alloc(&r->arena, sizeof(*cmd));
	if (cmd == NULL) {
		aqr_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->base.apply = apply_create;
	cmd->link = (struct wp_aqr_link){
	    .keyword = cmd->keyword,
	    .partner_id = who->id,
	    .bank_id = in.bank_id,
	    .bank_code = wp_bank_by_aqr_id(in.bank_id)->code,
	    .account_number = seal_field(r, "account_number", in.account_number),
	    .account_owner = seal_field(r, "account_owner", in.account_owner),
	    .phone_number = seal_field(r, "phone_number", in.phone_number),
	    .account_name = in.account_name,
	    .created_ms = wp_clock_now_ms(&r->app->clock),
	};
	if (!cmd->link.account_number || !cmd->link.account_owner || !cmd->link.phone_number) {
		aqr_reply_error(r, WP_E_INTERNAL, "the account could not be sealed");
		return;
	}
	wp_req_commit(r, &cmd->base, finish_create);
}

static void api_delete(struct wp_req *r, const struct wp_form *f, const struct wp_partner *who)
{
	char err[256];
	struct aqr_delete_input in;
	wp_status st = aqr_validate_delete(&r->arena, f, &in, err, sizeof(err));
	if (st != WP_OK) {
		aqr_reply_error(r, st, err);
		return;
	}
	if (!owner_or_reply(r, in.email, who))
		return;
	struct delete_cmd *cmd = wp_arena_alloc(&r->arena, sizeof(*cmd));
	if (cmd == NULL) {
		aqr_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->base.apply = apply_delete;
	cmd->keyword = in.keyword;
	cmd->partner_id = who->id;
	cmd->now_ms = wp_clock_now_ms(&r->app->clock);
	wp_req_commit(r, &cmd->base, finish_delete);
}

static void api_post(struct wp_req *r)
{
	char err[256];
	if (!accepts_json(wp_req_header(r, "Accept"))) {
		aqr_reply_error(r, WP_E_NOT_ACCEPTABLE,
				"this API answers in JSON; accept application/json");
		return;
	}
	const char *token = wp_req_header(r, "AQR-DEVELOPER-TOKEN");
	if (token == NULL || token[0] == '\0') {
		aqr_reply_error(r, WP_E_UNAUTHORIZED, "the AQR-DEVELOPER-TOKEN header is missing");
		return;
	}
	struct wp_partner who;
	uint8_t digest[WP_SHA256_BYTES];
	wp_status st = wp_auth_partner(r->app->store, AQR_SURFACE, token, &r->arena, &who, digest);
	if (st != WP_OK) {
		aqr_reply_error(r, st,
				st == WP_E_UNAUTHORIZED ? "the developer token is not valid"
							: "the token could not be checked; try again");
		return;
	}
	if (!wp_ratelimit_take(r->app->rate, digest, wp_mono_ns())) {
		aqr_reply_error(r, WP_E_RATE_LIMITED,
				"too many requests for this developer token; retry shortly");
		wp_reply_header(r, "Retry-After", "1");
		return;
	}
	char type[128], charset[64];
	wp_content_type_parse(wp_req_header(r, "Content-Type"), type, sizeof(type), charset,
			      sizeof(charset));
	if (type[0] != '\0' && strcmp(type, "application/x-www-form-urlencoded") != 0) {
		aqr_reply_error(r, WP_E_MEDIA_TYPE,
				"Content-Type must be application/x-www-form-urlencoded");
		return;
	}
	struct wp_form *form = wp_arena_alloc(&r->arena, sizeof(*form));
	if (form == NULL) {
		aqr_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	st = wp_form_decode(&r->arena, r->body, r->body_len, charset[0] ? charset : NULL, form,
			    err, sizeof(err));
	if (st != WP_OK) {
		aqr_reply_error(r, st, err);
		return;
	}
	enum aqr_action action;
	st = aqr_parse_action(form, &action, err, sizeof(err));
	if (st != WP_OK) {
		aqr_reply_error(r, st, err);
		return;
	}
	if (action == AQR_CREATE)
		api_create(r, form, &who);
	else
		api_delete(r, form, &who);
}

/* ---- QR images and landing pages ---- */

/*
 * The live link for a keyword, or an error already replied. With `shown`,
 * the account number and owner (what a page shows) are opened; the phone
 * number stays sealed: no page shows it.
 */
static bool live_link_or_reply(struct wp_req *r, const char *keyword, bool shown,
			       struct wp_aqr_link *out)
{
	wp_status st = keyword != NULL && keyword_valid(keyword)
			   ? r->app->store->ops->aqr_get(r->app->store, keyword, &r->arena, out)
			   : WP_E_NOT_FOUND;
	if (st == WP_OK && out->deleted_ms != 0)
		st = WP_E_GONE;
	if (st == WP_OK && shown) {
		out->account_number = open_field(r, "account_number", out->account_number);
		out->account_owner = open_field(r, "account_owner", out->account_owner);
		if (out->account_number == NULL || out->account_owner == NULL)
			st = WP_E_INTERNAL; /* sealed under another data key, or tampered with */
	}
	if (st == WP_OK)
		return true;
	aqr_reply_error(r, st,
			st == WP_E_NOT_FOUND ? "no account has this keyword"
			: st == WP_E_GONE    ? "this account was deleted"
					     : "the account could not be read; try again");
	return false;
}

static void qr_image(struct wp_req *r, const char *keyword)
{
	struct wp_aqr_link link;
	if (!live_link_or_reply(r, keyword, false, &link))
		return;
	const struct wp_config *cfg = r->app->cfg;
	char url[WP_URL_MAX + 64];
	snprintf(url, sizeof(url), "%s/f/%s", cfg->short_url, link.keyword);
	uint8_t digest[WP_SHA256_BYTES];
	wp_sha256(url, strlen(url), digest);
	char hex[17], etag[24];
	wp_hex(digest, 8, hex);
	snprintf(etag, sizeof(etag), "\"%s\"", hex);
	const char *inm = wp_req_header(r, "If-None-Match");
	if (inm != NULL && strstr(inm, etag) != NULL) {
		wp_reply(r, 304, NULL, "", 0);
		wp_reply_header(r, "ETag", etag);
		return;
	}
	unsigned char *png;
	size_t len;
	wp_status st = wp_qr_png(url, WP_QR_MODULE_PX, &png, &len);
	if (st != WP_OK) {
		aqr_reply_error(r, WP_E_INTERNAL, "the QR image could not be made");
		return;
	}
	wp_reply_take(r, 200, "image/png", png, len);
	wp_reply_header(r, "Cache-Control", "public, max-age=300");
	wp_reply_header(r, "ETag", etag);
}

static void qr_by_path(struct wp_req *r)
{
	qr_image(r, wp_req_param(r, 0));
}

static void qr_by_query(struct wp_req *r)
{
	qr_image(r, wp_req_query(r, "keyword"));
}

static void landing(struct wp_req *r, const char *amount_text, bool large_qr)
{
	struct wp_aqr_link link;
	if (!live_link_or_reply(r, wp_req_param(r, 0), true, &link))
		return;
	char amount[40] = "", amount_digits[24] = "";
	if (amount_text != NULL) {
		int64_t won;
		if (!aqr_parse_amount(amount_text, &won)) {
			reply_error_page(r, WP_E_INVALID);
			return;
		}
		wp_format_won(won, amount, sizeof(amount));
		snprintf(amount_digits, sizeof(amount_digits), "%lld", (long long)won);
	}
	const struct wp_bank *bank = wp_bank_by_code(link.bank_code);
	char qr_src[64], landing_page[64], qr_page[64];
	snprintf(qr_src, sizeof(qr_src), "/res/api/%s", link.keyword);
	snprintf(landing_page, sizeof(landing_page), "/f/%s", link.keyword);
	snprintf(qr_page, sizeof(qr_page), "/f/%s/qr", link.keyword);
	const char *title = wp_arena_printf(&r->arena, "%s - %s", link.account_name,
					    bank ? bank->name : link.bank_code);
	const struct wp_tvar vars[] = {
	    {"title", title ? title : link.account_name},
	    {"landing", large_qr ? NULL : "1"},
	    {"qr_large", large_qr ? "1" : NULL},
	    {"error", NULL},
	    {"error_detail", NULL},
	    {"account_name", link.account_name},
	    {"bank_name", bank ? bank->name : link.bank_code},
	    {"account_number", link.account_number},
	    {"account_owner", link.account_owner},
	    {"amount", amount},
	    {"amount_digits", amount_digits},
	    {"qr_src", qr_src},
	    {"qr_page", qr_page},
	    {"landing_page", landing_page},
	};
	reply_page(r, 200, vars, sizeof(vars) / sizeof(vars[0]));
}

static void page_landing(struct wp_req *r)
{
	landing(r, NULL, false);
}

static void page_amount(struct wp_req *r)
{
	landing(r, wp_req_param(r, 1), false);
}

static void page_qr(struct wp_req *r)
{
	landing(r, NULL, true);
}

static const struct wp_route aqr_routes[] = {
    {"POST", "/api/", api_post},
    {"POST", "/api", api_post},
    {"GET", "/res/api/{keyword}", qr_by_path},
    {"GET", "/res", qr_by_query},
    {"GET", "/f/{keyword}", page_landing},
    {"GET", "/f/{keyword}/qr", page_qr},
    {"GET", "/f/{keyword}/{amount}", page_amount},
};

static const char *const aqr_paths[] = {"/api/", "/api", "/res", "/res/*", "/f/*"};

const struct wp_surface wp_surface_aqr = {
    .name = AQR_SURFACE,
    .routes = aqr_routes,
    .route_count = sizeof(aqr_routes) / sizeof(aqr_routes[0]),
    .paths = aqr_paths,
    .path_count = sizeof(aqr_paths) / sizeof(aqr_paths[0]),
    .reply_error = aqr_reply_error,
};
