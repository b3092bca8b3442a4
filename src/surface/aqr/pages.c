/*
 * pages.c — AQR's QR images and landing pages, and its error answers.
 *
 * GET /res/api/{kw} and /res?keyword={kw}: the QR PNG of the short URL.
 * GET /f/{kw}, /f/{kw}/{amount}, /f/{kw}/qr: Korean pages showing the bank,
 * account number, holder, a copy button and the QR. Errors under /f/ are
 * pages too; elsewhere AQR's JSON {"result":"error","reason":...}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/qr.h"
#include "surface/aqr/aqr.h"
#include "surface/kit.h"
#include "util/text.h"
#include "web/render.h"

static void page_headers(struct wp_req *r)
{
	wp_reply_header(r, "Cache-Control", "no-cache");
	wp_reply_header(r, "X-Content-Type-Options", "nosniff");
	wp_reply_header(r, "Referrer-Policy", "no-referrer");
	wp_reply_header(r, "Content-Security-Policy",
			"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
			"script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
}

/* A page (malloc'd, taken); with an ETag, 304 to a client that has it. */
static void reply_html(struct wp_req *r, unsigned status, char *html, size_t len, const char *etag)
{
	const char *inm = etag != NULL ? wp_req_header(r, "If-None-Match") : NULL;
	if (inm != NULL && strstr(inm, etag) != NULL) {
		free(html);
		wp_reply(r, 304, NULL, "", 0);
	} else {
		wp_reply_take(r, status, "text/html; charset=utf-8", html, len);
	}
	page_headers(r);
	if (etag != NULL)
		wp_reply_header(r, "ETag", etag);
}

/* The page rendered (malloc'd into *html), or false after answering 503. */
static bool render_page(struct wp_req *r, const struct wp_tvar *vars, size_t count, char **html,
			size_t *len)
{
	wp_buf b;
	wp_buf_init(&b, WP_PAGE_MAX_BYTES);
	if (wp_render(&b, "aqr_page.html", vars, count) != WP_OK) {
		wp_buf_free(&b);
		static const char msg[] =
		    "<!DOCTYPE html><title>오류</title><p>페이지를 만들 수 없습니다.";
		wp_reply(r, 503, "text/html; charset=utf-8", msg, sizeof(msg) - 1);
		return false;
	}
	*html = wp_buf_take(&b, len);
	return true;
}

/* What an error page says, by status. */
static const struct {
	wp_status status;
	const char *title, *detail;
} error_pages[] = {
    {WP_E_NOT_FOUND, "계좌 정보를 찾을 수 없습니다", "주소를 다시 확인해 주세요."},
    {WP_E_GONE, "삭제된 계좌 정보입니다", "이 계좌 정보는 더 이상 사용할 수 없습니다."},
    {WP_E_INVALID, "주소가 올바르지 않습니다",
     "금액은 1원부터 100,000,000,000원까지 숫자로만 입력해 주세요."},
};

static void reply_error_page(struct wp_req *r, wp_status st)
{
	const char *title = "요청을 처리할 수 없습니다";
	const char *detail = "잠시 후 다시 시도해 주세요.";
	for (size_t i = 0; i < WP_COUNT(error_pages); i++) {
		if (error_pages[i].status == st) {
			title = error_pages[i].title;
			detail = error_pages[i].detail;
		}
	}
	const struct wp_tvar vars[] = {
	    {"title", title}, {"landing", NULL},	{"qr_large", NULL},
	    {"error", title}, {"error_detail", detail},
	};
	char *html;
	size_t len;
	if (render_page(r, vars, WP_COUNT(vars), &html, &len))
		reply_html(r, aqr_http_status(st), html, len, NULL);
}

void aqr_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	if (strncmp(r->path, "/f/", 3) == 0) {
		reply_error_page(r, st);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "result", json_string("error"));
	json_object_set_new(o, "reason", json_string(msg));
	wp_reply_json(r, aqr_http_status(st), o);
	wp_reply_header(r, "Cache-Control", "no-store");
}

/*
 * The live link for a keyword. With `shown`, the account number and owner
 * (what a page shows) are opened; the phone number stays sealed: no page
 * shows it.
 */
static wp_status live_link(struct wp_req *r, const char *keyword, bool shown,
			   struct wp_aqr_link *out)
{
	if (keyword == NULL || !aqr_keyword_valid(&r->arena, keyword))
		return WP_E_NOT_FOUND;
	wp_status st = r->app->store->ops->aqr_get(r->app->store, keyword, &r->arena, out);
	if (st == WP_OK && out->deleted_ms != 0)
		st = WP_E_GONE;
	if (st == WP_OK && shown) {
		out->account_number = aqr_open_field(r, "account_number", out->account_number);
		out->account_owner = aqr_open_field(r, "account_owner", out->account_owner);
		if (out->account_number == NULL || out->account_owner == NULL)
			st = WP_E_INTERNAL; /* sealed under another data key, or tampered with */
	}
	return st;
}

/* The GET routes' wrapper: the page or image, or AQR's error for what failed. */
void aqr_get(struct wp_req *r)
{
	wp_status st = ((aqr_page_fn)r->route->impl)(r);
	if (st == WP_OK)
		return;
	aqr_reply_error(r, st,
			st == WP_E_NOT_FOUND ? "no account has this keyword"
			: st == WP_E_GONE    ? "this account was deleted"
			: st == WP_E_INVALID
			    ? "the amount must be a whole number of won from 1 to 100,000,000,000"
			    : "the account or its QR image could not be made; try again");
}

/* The QR image of a short URL (with amount_text: the amount page's). */
static wp_status qr_image(struct wp_req *r, const char *keyword, const char *amount_text)
{
	struct wp_aqr_link link;
	wp_status st = live_link(r, keyword, false, &link);
	if (st != WP_OK)
		return st;
	int64_t won = 0;
	if (amount_text != NULL && !aqr_parse_amount(amount_text, &won))
		return WP_E_INVALID;
	char url[WP_URL_MAX + 64];
	if (amount_text != NULL)
		snprintf(url, sizeof(url), "%s/f/%s/%lld", r->app->cfg->short_url, link.keyword,
			 (long long)won);
	else
		snprintf(url, sizeof(url), "%s/f/%s", r->app->cfg->short_url, link.keyword);
	uint8_t digest[WP_SHA256_BYTES];
	wp_sha256(url, strlen(url), digest);
	char hex[17], etag[24];
	wp_hex(digest, 8, hex);
	snprintf(etag, sizeof(etag), "\"%s\"", hex);
	const char *inm = wp_req_header(r, "If-None-Match");
	if (inm != NULL && strstr(inm, etag) != NULL) {
		wp_reply(r, 304, NULL, "", 0);
		wp_reply_header(r, "ETag", etag);
		return WP_OK;
	}
	unsigned char *png;
	size_t len;
	if (wp_qr_png(url, WP_QR_MODULE_PX, &png, &len) != WP_OK)
		return WP_E_INTERNAL;
	wp_reply_take(r, 200, "image/png", png, len);
	wp_reply_header(r, "Cache-Control", "public, max-age=300");
	wp_reply_header(r, "ETag", etag);
	return WP_OK;
}

wp_status aqr_qr_by_path(struct wp_req *r)
{
	return qr_image(r, wp_req_param(r, 0), NULL);
}

wp_status aqr_qr_amount(struct wp_req *r)
{
	return qr_image(r, wp_req_param(r, 0), wp_req_param(r, 1));
}

wp_status aqr_qr_by_query(struct wp_req *r)
{
	return qr_image(r, wp_req_query(r, "keyword"), NULL);
}

static wp_status landing(struct wp_req *r, const char *amount_text, bool large_qr)
{
	/* A page rendered moments ago is answered as it is (cache.c). */
	struct aqr_cache *cache = wp_module_state(r->app, &wp_module_aqr);
	const char *kw = wp_req_param(r, 0);
	char key[AQR_PAGE_KEY_MAX], etag[AQR_ETAG_MAX];
	int kn = snprintf(key, sizeof(key), "%s%s%s", kw ? kw : "",
			  large_qr	? "/qr"
			  : amount_text ? "/"
					: "",
			  amount_text ? amount_text : "");
	bool cacheable = cache != NULL && kw != NULL && kn > 0 && (size_t)kn < sizeof(key);
	char *html;
	size_t len;
	if (cacheable && aqr_cache_get(cache, key, &html, &len, etag)) {
		reply_html(r, 200, html, len, etag);
		return WP_OK;
	}
	uint64_t generation = cacheable ? aqr_cache_generation(cache) : 0;

	struct wp_aqr_link link;
	wp_status st = live_link(r, kw, true, &link);
	if (st != WP_OK)
		return st;
	char amount[40] = "", amount_digits[24] = "";
	if (amount_text != NULL) {
		int64_t won;
		if (!aqr_parse_amount(amount_text, &won))
			return WP_E_INVALID;
		wp_format_won(won, amount, sizeof(amount));
		snprintf(amount_digits, sizeof(amount_digits), "%lld", (long long)won);
	}
	const struct wp_bank *bank = wp_bank_by_code(link.bank_code);
	const char *bank_name = bank ? bank->name : link.bank_code;
	char qr_src[96], landing_page[64], qr_page[64];
	/* The amount page's QR carries the amount: a payer who scans it keeps it. */
	if (amount_text != NULL)
		snprintf(qr_src, sizeof(qr_src), "/res/api/%s/%s", link.keyword, amount_digits);
	else
		snprintf(qr_src, sizeof(qr_src), "/res/api/%s", link.keyword);
	snprintf(landing_page, sizeof(landing_page), "/f/%s", link.keyword);
	snprintf(qr_page, sizeof(qr_page), "/f/%s/qr", link.keyword);
	const char *title = wp_arena_printf(&r->arena, "%s - %s", link.account_name, bank_name);
	const struct wp_tvar vars[] = {
	    {"title", title ? title : link.account_name},
	    {"landing", large_qr ? NULL : "1"},
	    {"qr_large", large_qr ? "1" : NULL},
	    {"error", NULL},
	    {"error_detail", NULL},
	    {"account_name", link.account_name},
	    {"bank_name", bank_name},
	    {"account_number", link.account_number},
	    {"account_owner", link.account_owner},
	    {"amount", amount},
	    {"amount_digits", amount_digits},
	    {"qr_src", qr_src},
	    {"qr_page", qr_page},
	    {"landing_page", landing_page},
	};
	if (!render_page(r, vars, WP_COUNT(vars), &html, &len))
		return WP_OK;
	aqr_page_etag(html, len, etag);
	if (cacheable)
		aqr_cache_put(cache, generation, key, html, len, etag);
	reply_html(r, 200, html, len, etag);
	return WP_OK;
}

wp_status aqr_page_landing(struct wp_req *r)
{
	return landing(r, NULL, false);
}

wp_status aqr_page_amount(struct wp_req *r)
{
	return landing(r, wp_req_param(r, 1), false);
}

wp_status aqr_page_qr(struct wp_req *r)
{
	return landing(r, NULL, true);
}
