/*
 * module.c — the sandbox control API's routes and module descriptor.
 */
#include <stdio.h>

#include "surface/sandbox/sandbox.h"

static const struct {
	unsigned http;
	const char *code; /* NULL: the bank outcome's name */
} codes[] = {
    [SANDBOX_UNKNOWN_BANK] = {400, "unknown_bank"},
    [SANDBOX_ACCOUNT_NOT_FOUND] = {404, "account_not_found"},
    [SANDBOX_BANK_REFUSED] = {422, NULL},
    [SANDBOX_BANK_UNAVAILABLE] = {503, NULL},
    [SANDBOX_BANK_NOT_A_BANK] = {400, NULL},
};

void sandbox_fail(struct wp_ctl *c, enum sandbox_code code, int outcome, const char *msg)
{
	wp_ctl_fail(c, codes[code].http,
		    codes[code].code ? codes[code].code : wp_bank_outcome_name(outcome), "%s", msg);
}

#define CTL(method, pattern, fn, doc)                                                              \
	{                                                                                          \
		method, pattern, wp_ctl_run, (wp_impl)fn, &doc                                     \
	}

static const struct wp_route sandbox_routes[] = {
    CTL("POST", "/sandbox/bank-accounts", sandbox_create_account, sandbox_doc_open),
    CTL("GET", "/sandbox/bank-accounts/{bank_code}/{account_number}", sandbox_get_account,
	sandbox_doc_get_account),
    CTL("PATCH", "/sandbox/bank-accounts/{bank_code}/{account_number}", sandbox_patch_account,
	sandbox_doc_patch_account),
    CTL("POST", "/sandbox/transfers", sandbox_post_transfer, sandbox_doc_post_transfer),
    CTL("GET", "/sandbox/transfers/{id}", sandbox_get_transfer, sandbox_doc_get_transfer),
    CTL("PUT", "/sandbox/banks/{bank_code}/fault", sandbox_put_fault, sandbox_doc_put_fault),
    CTL("GET", "/sandbox/banks/{bank_code}/fault", sandbox_get_fault, sandbox_doc_get_fault),
    CTL("GET", "/sandbox/clock", sandbox_get_clock, sandbox_doc_get_clock),
    CTL("POST", "/sandbox/clock", sandbox_post_clock, sandbox_doc_post_clock),
    CTL("POST", "/sandbox/reset", sandbox_post_reset, sandbox_doc_post_reset),
    CTL("GET", "/sandbox/requests", sandbox_get_requests, sandbox_doc_get_requests),
};

static const char *const sandbox_paths[] = {"/sandbox/*"};

static const struct wp_surface sandbox_surface = {
    .name = "sandbox",
    .routes = sandbox_routes,
    .route_count = WP_COUNT(sandbox_routes),
    .paths = sandbox_paths,
    .path_count = WP_COUNT(sandbox_paths),
    .cors_headers = "Authorization",
    .reply_error = wp_own_reply_error,
};

static void sandbox_describe(const struct wp_app *app, FILE *out)
{
	if (!app->cfg->sandbox)
		return;
	fprintf(out, "  sandbox control API: %s/sandbox/  Authorization: Bearer %s\n",
		app->cfg->public_url, app->cfg->admin_token);
	fprintf(out, "  sandbox bank accounts: see README (004 11111111111 홍길동 ...)\n");
}

/* Codes: a wp_status's name, the control API's own, and a refusing bank's outcome. */
static size_t sandbox_codes(struct wp_doc_code *out, size_t cap)
{
	size_t n = wp_own_codes(out, cap);
	for (size_t i = 0; i < WP_COUNT(codes) && n < cap; i++)
		if (codes[i].code != NULL)
			out[n++] = (struct wp_doc_code){codes[i].code, (int)codes[i].http, NULL};
	for (int o = WP_BANK_OK + 1; o <= WP_BANK_LEDGER_REJECTED && n < cap; o++)
		out[n++] = (struct wp_doc_code){wp_bank_outcome_name(o), 422,
						"a bank refused (503 when it cannot be reached)"};
	return n;
}

static const struct wp_api_doc sandbox_api = {
    .title = "wonpay sandbox control API",
    .description = "Served with --sandbox only: the sandbox bank's accounts, wires and "
		   "faults, the clock, and each surface's simulated counterpart (the ARS "
		   "call's answer, ...). Authorization: Bearer <admin token>.",
    .bearer = true,
    .error_schema = wp_own_error_schema,
    .codes = sandbox_codes,
};

const struct wp_module wp_module_sandbox = {
    .name = "sandbox",
    .sandbox_surface = &sandbox_surface,
    .describe = sandbox_describe,
    .api = &sandbox_api,
};
