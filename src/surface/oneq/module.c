/*
 * module.c — OneQ Pay's routes and module descriptor. GET pages and POST
 * APIs share paths (/pay/success is both in the origin project): the router
 * tells them apart by method.
 */
#include <stdio.h>

#include "surface/oneq/oneq.h"

#define ONEQ_POST(path, fn, doc)                                                                   \
	{                                                                                          \
		"POST", path, oneq_run, (wp_impl)fn, &doc                                          \
	}
#define ONEQ_PAGE_CALL(path, fn, doc)                                                              \
	{                                                                                          \
		"POST", path, oneq_run_json, (wp_impl)fn, &doc                                     \
	}

static const struct wp_route oneq_routes[] = {
    ONEQ_POST("/pay/store/token", oneq_store_token, oneq_doc_store_token),
    ONEQ_POST("/pay", oneq_ready, oneq_doc_ready),
    ONEQ_POST("/pay/success", oneq_approve, oneq_doc_approve),
    ONEQ_POST("/pay/cancel", oneq_cancel, oneq_doc_cancel),
    ONEQ_POST("/pay/order", oneq_order, oneq_doc_order),
    {"GET", "/pay/showQRCode", oneq_page_pc, NULL, &oneq_doc_page_pc},
    {"GET", "/pay/oneq/transfer", oneq_page_mobile, NULL, &oneq_doc_page_mobile},
    {"GET", "/pay/oneq/qr.png", oneq_page_qr, NULL, &oneq_doc_page_qr},
    ONEQ_PAGE_CALL("/pay/oneq/api/state", oneq_page_state, oneq_doc_page_state),
    ONEQ_PAGE_CALL("/pay/oneq/api/step", oneq_page_step, oneq_doc_page_step),
    ONEQ_PAGE_CALL("/pay/oneq/api/confirm", oneq_page_confirm, oneq_doc_page_confirm),
};

static const char *const oneq_paths[] = {"/pay", "/pay/*"};

static const struct wp_surface oneq_surface = {
    .name = ONEQ_SURFACE,
    .routes = oneq_routes,
    .route_count = WP_COUNT(oneq_routes),
    .paths = oneq_paths,
    .path_count = WP_COUNT(oneq_paths),
    .cors_headers = "Authorization",
    .reply_error = oneq_reply_error,
};

static const struct wp_route oneq_sandbox_routes[] = {
    {"POST", "/sandbox/oneq/shoppers", wp_ctl_run, (wp_impl)oneq_sandbox_shopper,
     &oneq_doc_sandbox_shopper},
};

static const struct wp_surface oneq_sandbox_surface = {
    .name = "sandbox",
    .routes = oneq_sandbox_routes,
    .route_count = WP_COUNT(oneq_sandbox_routes),
    .reply_error = wp_own_reply_error,
};

static void oneq_describe(const struct wp_app *app, FILE *out)
{
	fprintf(
	    out,
	    "  OneQ Pay    POST %s/pay/store/token, /pay, /pay/success, /pay/cancel, /pay/order "
	    "(README: OneQ Pay)\n",
	    app->cfg->public_url);
	if (app->cfg->sandbox)
		fprintf(out, "  sandbox OneQ merchant: cid=%s; shopper bank_acct_num=%s PIN %s\n",
			ONEQ_SANDBOX_CID, ONEQ_SANDBOX_ACCOUNT, ONEQ_SANDBOX_PIN);
}

/* KakaoPay's error shape (oneq-notes §4). */
static json_t *oneq_error_schema(void)
{
	return json_pack("{s:s, s:{s:{s:s, s:s}, s:{s:s}, s:{s:s, s:{s:{s:s}, s:{s:s}}}}, s:[s, s, "
			 "s]}",
			 "type", "object", "properties", "error_code", "type", "integer",
			 "description", "negative: README's OneQ table", "error_message", "type",
			 "string", "extras", "type", "object", "properties", "method_result_code",
			 "type", "string", "method_result_message", "type", "string", "required",
			 "error_code", "error_message", "extras");
}

static size_t oneq_code_rows(struct wp_doc_code *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 1; i < ONEQ_CODE_COUNT && n < cap; i++)
		out[n++] = (struct wp_doc_code){oneq_codes[i].method_result_code,
						(int)oneq_codes[i].http, oneq_codes[i].message};
	return n;
}

static const struct wp_api_doc oneq_api = {
    .title = "OneQ Pay: affiliation, ready, approve, cancel, order, and the shopper's pages",
    .description = "wonpay's OneQ Pay surface, wire-compatible with the 원큐페이 OPEN API "
		   "document: form-urlencoded requests, JSON answers; errors in KakaoPay's "
		   "shape. The pages' own calls take JSON.",
    .error_schema = oneq_error_schema,
    .codes = oneq_code_rows,
};

static const char *const oneq_reset_kinds[] = {
    ONEQ_KIND_MERCHANT, ONEQ_KIND_PAYMENT, ONEQ_KIND_SHOPPER, "oneq_holding", "oneq_due", NULL};

const struct wp_module wp_module_oneq = {
    .name = ONEQ_SURFACE,
    .surface = &oneq_surface,
    .sandbox_surface = &oneq_sandbox_surface,
    .seed = oneq_seed,
    .housekeeping = oneq_housekeeping,
    .describe = oneq_describe,
    .issuer = &oneq_issuer,
    .api = &oneq_api,
    .reset_kinds = oneq_reset_kinds,
};
