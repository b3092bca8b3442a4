/*
 * aqr.h — the AQR surface: bank-account QR codes and short URLs.
 *
 * Wire contract: the provider's "AQR API Reference" (https://aplx.link/api/). POST
 * /api/ with a form body, action create|delete (and the older
 * aqr_create|aqr_delete), the AQR-DEVELOPER-TOKEN header, and
 * {"result":"error","reason":...} errors with the document's HTTP statuses.
 * GET /res/api/{kw} and /res?keyword={kw} serve the QR PNG; GET
 * /f/{kw}[/{amount}|/qr] the landing pages.
 *
 *   validate.c  the field tables, bank_id table, keywords, amounts
 *   api.c       POST /api/: the request pipeline, create and delete
 *   pages.c     QR images and landing pages
 *   cache.c     landing pages already rendered, kept a short while
 *   module.c    routes, the module descriptor, sandbox token, `partner add`
 *
 * The validators are exposed for the unit tests.
 */
#ifndef WP_SURFACE_AQR_H
#define WP_SURFACE_AQR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/bank.h"
#include "error.h"
#include "http/form.h"
#include "http/http.h"

#define AQR_SURFACE "aqr"
#define AQR_SANDBOX_TOKEN "aqr_sandbox_token"

/* Maximum lengths from the document, in characters. */
#define AQR_ACTION_MAX 20
#define AQR_EMAIL_MAX 100
#define AQR_ACCOUNT_NUMBER_MAX 30
#define AQR_ACCOUNT_OWNER_MAX 50
#define AQR_PHONE_MAX 20
#define AQR_ACCOUNT_NAME_MAX 100
#define AQR_KEYWORD_MAX 20
#define AQR_ACCOUNT_DIGITS_MIN 6
#define AQR_PHONE_DIGITS_MIN 8
#define AQR_BANK_ID_MAX 59

enum aqr_action { AQR_CREATE, AQR_DELETE };

struct aqr_create_input {
	const char *email;
	int bank_id;
	const char *account_number; /* digits only, hyphens removed */
	const char *account_owner;
	const char *phone_number; /* digits only */
	const char *account_name;
};

struct aqr_delete_input {
	const char *email;
	const char *keyword;
};

wp_status aqr_parse_action(const struct wp_form *f, enum aqr_action *out, char *err, size_t cap);
wp_status aqr_validate_create(wp_arena *a, const struct wp_form *f, struct aqr_create_input *out,
			      char *err, size_t cap);
wp_status aqr_validate_delete(wp_arena *a, const struct wp_form *f, struct aqr_delete_input *out,
			      char *err, size_t cap);
/* Amount in a landing-page path: digits, 1..WP_AQR_AMOUNT_MAX_WON. */
bool aqr_parse_amount(const char *s, int64_t *won);
/* A keyword as wonpay issues them: 1..AQR_KEYWORD_MAX letters and digits. */
bool aqr_keyword_valid(wp_arena *a, const char *k);
/* The bank of an AQR bank_id (the document's 은행 ID 테이블), or NULL. */
const struct wp_bank *aqr_bank(int bank_id);

/* A stored account field opened (api.c seals them); NULL if it does not open. */
const char *aqr_open_field(struct wp_req *r, const char *field, const char *stored);

/* Errors in AQR's shape: JSON on the API, a Korean page under /f/. */
void aqr_reply_error(struct wp_req *r, wp_status st, const char *msg);
/* The HTTP status of st (the document's Errors table). */
unsigned aqr_http_status(wp_status st);

/* The routes' OpenAPI rows (validate.c, beside the field tables they show). */
extern const struct wp_route_doc aqr_doc_api, aqr_doc_qr, aqr_doc_qr_amount, aqr_doc_qr_query,
    aqr_doc_landing, aqr_doc_qr_page, aqr_doc_amount_page;

/*
 * The landing-page cache (cache.c), the module's state. Keys are the page's
 * path after /f/. get returns a malloc'd copy of a live page; put keeps a
 * rendered one unless a delete came since generation was read (read it
 * before loading the link); forget (after a delete) drops every page.
 */
extern const struct wp_module wp_module_aqr;
#define AQR_PAGE_KEY_MAX 48
#define AQR_ETAG_MAX 20 /* "16 hex digits" */
struct aqr_cache;
struct aqr_cache *aqr_cache_new(void);
void aqr_cache_free(struct aqr_cache *c);
uint64_t aqr_cache_generation(struct aqr_cache *c);
bool aqr_cache_get(struct aqr_cache *c, const char *key, char **html, size_t *len,
		   char etag[AQR_ETAG_MAX]);
void aqr_cache_put(struct aqr_cache *c, uint64_t generation, const char *key, const char *html,
		   size_t len, const char etag[AQR_ETAG_MAX]);
void aqr_cache_forget(struct aqr_cache *c);
/* A page's ETag: the first 64 bits of its SHA-256, quoted. */
void aqr_page_etag(const char *html, size_t len, char etag[AQR_ETAG_MAX]);

/* Handlers (api.c, pages.c). */
void aqr_api_post(struct wp_req *r);
void aqr_get(struct wp_req *r); /* the wrapper of the GET routes (impl: aqr_page_fn) */
typedef wp_status (*aqr_page_fn)(struct wp_req *r);
wp_status aqr_qr_by_path(struct wp_req *r);
wp_status aqr_qr_amount(struct wp_req *r);
wp_status aqr_qr_by_query(struct wp_req *r);
wp_status aqr_page_landing(struct wp_req *r);
wp_status aqr_page_amount(struct wp_req *r);
wp_status aqr_page_qr(struct wp_req *r);

#endif
