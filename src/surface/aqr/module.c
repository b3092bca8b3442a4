/*
 * module.c — AQR's routes and module descriptor (surface/kit.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/sandbox.h"
#include "surface/aqr/aqr.h"
#include "surface/kit.h"

#define AQR_GET(pattern, fn, doc)                                                                  \
	{                                                                                          \
		"GET", pattern, aqr_get, (wp_impl)fn, &doc                                         \
	}

static const struct wp_route aqr_routes[] = {
    {"POST", "/api/", aqr_api_post, NULL, &aqr_doc_api},
    {"POST", "/api", aqr_api_post, NULL, &aqr_doc_api},
    AQR_GET("/res/api/{keyword}", aqr_qr_by_path, aqr_doc_qr),
    AQR_GET("/res/api/{keyword}/{amount}", aqr_qr_amount, aqr_doc_qr_amount),
    AQR_GET("/res", aqr_qr_by_query, aqr_doc_qr_query),
    AQR_GET("/f/{keyword}", aqr_page_landing, aqr_doc_landing),
    AQR_GET("/f/{keyword}/qr", aqr_page_qr, aqr_doc_qr_page),
    AQR_GET("/f/{keyword}/{amount}", aqr_page_amount, aqr_doc_amount_page),
};

static const char *const aqr_paths[] = {"/api/", "/api", "/res", "/res/*", "/f/*"};

static const struct wp_surface aqr_surface = {
    .name = AQR_SURFACE,
    .routes = aqr_routes,
    .route_count = WP_COUNT(aqr_routes),
    .paths = aqr_paths,
    .path_count = WP_COUNT(aqr_paths),
    .cors_headers = "AQR-DEVELOPER-TOKEN",
    .cors_expose = "Retry-After",
    .reply_error = aqr_reply_error,
};

/* The documented test token belongs to the sandbox partner from its first start. */
static wp_status aqr_seed(struct wp_app *app, void *state, const struct wp_seed *s)
{
	(void)app;
	(void)state;
	if (!s->created)
		return WP_OK;
	return wp_auth_add(s->tx, NULL, s->partner_id, AQR_SURFACE, NULL, AQR_SANDBOX_TOKEN, NULL,
			   s->now_ms);
}

static void aqr_describe(const struct wp_app *app, FILE *out)
{
	const struct wp_config *cfg = app->cfg;
	fprintf(out, "  AQR API     POST %s/api/\n", cfg->public_url);
	fprintf(out, "  QR images   GET  %s/res/api/<keyword>\n", cfg->public_url);
	fprintf(out, "  short URLs  GET  %s/f/<keyword>\n", cfg->short_url);
	if (cfg->sandbox)
		fprintf(out, "  sandbox AQR partner%s: email_address=%s  AQR-DEVELOPER-TOKEN: %s\n",
			app->sandbox_partner_created ? " (created now)" : "",
			WP_SANDBOX_PARTNER_EMAIL, AQR_SANDBOX_TOKEN);
}

/* `partner add`: every partner gets an AQR developer token, shown once. */
struct aqr_issue {
	char token[WP_TOKEN_MAX_BYTES];
};

static wp_status aqr_prepare(const uint8_t *data_key, const char *value, void **issue, char *err,
			     size_t cap)
{
	(void)data_key;
	(void)value;
	(void)err;
	(void)cap;
	*issue = calloc(1, sizeof(struct aqr_issue));
	return *issue ? WP_OK : WP_E_NOMEM;
}

static wp_status aqr_add(struct wp_tx *tx, void *issue, int64_t partner_id, int64_t now_ms)
{
	struct aqr_issue *i = issue;
	return wp_auth_issue(tx, partner_id, AQR_SURFACE, now_ms, i->token, sizeof(i->token));
}

static void aqr_print(void *issue, FILE *out)
{
	fprintf(out, "AQR-DEVELOPER-TOKEN: %s\n", ((struct aqr_issue *)issue)->token);
}

static const struct wp_issuer aqr_issuer = {
    .always = true,
    .prepare = aqr_prepare,
    .add = aqr_add,
    .print = aqr_print,
    .free = free,
};

static const struct wp_public_credential aqr_sandbox_credentials[] = {
    {AQR_SURFACE, NULL, AQR_SANDBOX_TOKEN},
    {NULL, NULL, NULL},
};

/* {"result":"error","reason":...}: the document's Errors table gives HTTP statuses, not codes. */
static json_t *aqr_error_schema(void)
{
	return json_pack("{s:s, s:{s:{s:s}, s:{s:s, s:s}}, s:[s, s]}", "type", "object",
			 "properties", "result", "const", "error", "reason", "type", "string",
			 "description", "what went wrong, and what to change", "required", "result",
			 "reason");
}

static size_t aqr_codes(struct wp_doc_code *out, size_t cap)
{
	size_t n = wp_own_codes(out, cap);
	for (size_t i = 0; i < n; i++)
		out[i] = (struct wp_doc_code){"error", out[i].status, out[i].code};
	return n;
}

static const struct wp_api_doc aqr_api = {
    .title = "AQR: bank-account QR codes and short URLs",
    .description = "wonpay's AQR surface, wire-compatible with the provider's document: "
		   "POST /api/ with a form body creates or deletes a keyword; its QR image "
		   "and landing pages are public.",
    .auth_header = "AQR-DEVELOPER-TOKEN",
    .error_schema = aqr_error_schema,
    .codes = aqr_codes,
};

/*
 * The module's state: the landing-page cache — none when several processes
 * share the database, since a delete made by another process could not
 * reach this one's cache (every page is then read from the database).
 */
static wp_status aqr_init(struct wp_app *app, void **state)
{
	*state = NULL;
	if (app->store->ops->shared)
		return WP_OK;
	*state = aqr_cache_new();
	return *state != NULL ? WP_OK : WP_E_NOMEM;
}

static void aqr_free(void *state)
{
	aqr_cache_free(state);
}

const struct wp_module wp_module_aqr = {
    .name = AQR_SURFACE,
    .surface = &aqr_surface,
    .init = aqr_init,
    .free = aqr_free,
    .seed = aqr_seed,
    .describe = aqr_describe,
    .issuer = &aqr_issuer,
    .sandbox_credentials = aqr_sandbox_credentials,
    .api = &aqr_api,
};
