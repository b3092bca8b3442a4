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

#define CTL(method, pattern, fn)                                                                   \
	{                                                                                          \
		method, pattern, wp_ctl_run, (wp_impl)fn                                           \
	}

static const struct wp_route sandbox_routes[] = {
    CTL("POST", "/sandbox/bank-accounts", sandbox_create_account),
    CTL("GET", "/sandbox/bank-accounts/{bank_code}/{account_number}", sandbox_get_account),
    CTL("PATCH", "/sandbox/bank-accounts/{bank_code}/{account_number}", sandbox_patch_account),
    CTL("POST", "/sandbox/transfers", sandbox_post_transfer),
    CTL("GET", "/sandbox/transfers/{id}", sandbox_get_transfer),
    CTL("PUT", "/sandbox/banks/{bank_code}/fault", sandbox_put_fault),
    CTL("GET", "/sandbox/banks/{bank_code}/fault", sandbox_get_fault),
    CTL("GET", "/sandbox/clock", sandbox_get_clock),
    CTL("POST", "/sandbox/clock", sandbox_post_clock),
    CTL("POST", "/sandbox/reset", sandbox_post_reset),
    CTL("GET", "/sandbox/requests", sandbox_get_requests),
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

const struct wp_module wp_module_sandbox = {
    .name = "sandbox",
    .sandbox_surface = &sandbox_surface,
    .describe = sandbox_describe,
};
