/*
 * module.c — Kona's routes, module descriptor, sandbox partner and what
 * `wonpay partner add --kona-public-key` issues.
 *
 * A Kona credential is an AspId (the login) with an access key (stored as
 * its digest) and a secret key (the HMAC key of the tran token, sealed), plus
 * a crypto key id naming a server key pair (private key sealed) and the
 * partner's public key: all kept by core/auth.c.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/auth.h"
#include "core/crypto.h"
#include "core/jwe.h"
#include "surface/kona/kona.h"
#include "util/file.h"

#define KONA_ROUTE(path, fn, doc)                                                                  \
	{"POST", "/api/v1/" path, kona_run, (wp_impl)fn, &doc},                                    \
	{                                                                                          \
		"POST", "/open-api/api/v1/" path, kona_run, (wp_impl)fn, &doc                      \
	}

static const struct wp_route kona_routes[] = {
    {"POST", "/api/v2/payment/generate/onetimetoken", kona_run, (wp_impl)kona_onetime_token,
     &kona_doc_onetime_token},
    {"POST", "/open-api/api/v2/payment/generate/onetimetoken", kona_run,
     (wp_impl)kona_onetime_token, &kona_doc_onetime_token},
    KONA_ROUTE("user/registration", kona_user_registration, kona_doc_registration),
    KONA_ROUTE("user/info", kona_user_info, kona_doc_user_info),
    KONA_ROUTE("user/info/by-ci", kona_user_by_ci, kona_doc_user_by_ci),
    KONA_ROUTE("user/checkRegistrationId", kona_check_registration_id,
	       kona_doc_check_registration_id),
    KONA_ROUTE("user/info/update", kona_user_update, kona_doc_user_update),
    KONA_ROUTE("user/password/verify", kona_password_verify, kona_doc_password_verify),
    KONA_ROUTE("user/password/change", kona_password_change, kona_doc_password_change),
    KONA_ROUTE("user/password/reset", kona_password_reset, kona_doc_password_reset),
    KONA_ROUTE("user/withdrawal", kona_user_withdrawal, kona_doc_withdrawal),
    KONA_ROUTE("user/dormant/release", kona_dormant_release, kona_doc_dormant_release),
    KONA_ROUTE("terms/list", kona_terms_list, kona_doc_terms_list),
    KONA_ROUTE("user/terms/agreement", kona_terms_agreement, kona_doc_terms_agreement),
    KONA_ROUTE("user/card/list", kona_card_list, kona_doc_card_list),
    KONA_ROUTE("user/card/info", kona_card_info, kona_doc_card_info),
    KONA_ROUTE("card/status", kona_card_status, kona_doc_card_status),
    KONA_ROUTE("prepay-card/physical/register", kona_physical_register, kona_doc_physical_register),
    KONA_ROUTE("unregister/card/info", kona_unregistered_card, kona_doc_unregistered_card),
    KONA_ROUTE("prepay-card/issue/delivery", kona_issue_delivery, kona_doc_issue_delivery),
    KONA_ROUTE("prepay-card/reissue/delivery", kona_reissue_delivery, kona_doc_reissue_delivery),
    KONA_ROUTE("recharges/by-bank-accounts/no-hce", kona_recharge, kona_doc_recharge),
    KONA_ROUTE("recharges/by-bank-accounts/no-hce/cancel", kona_recharge_cancel,
	       kona_doc_recharge_cancel),
    KONA_ROUTE("recharges/by-bank-account/result/inquiry", kona_recharge_result,
	       kona_doc_recharge_result),
    KONA_ROUTE("payment/no-hce", kona_payment, kona_doc_payment),
    KONA_ROUTE("payment/cancel/no-hce", kona_payment_cancel, kona_doc_payment_cancel),
    KONA_ROUTE("transaction/card", kona_card_history, kona_doc_card_history),
    KONA_ROUTE("bankaccounts/user/valid", kona_user_valid, kona_doc_user_valid),
    KONA_ROUTE("bankaccounts/ars/auth", kona_ars_auth, kona_doc_ars_auth),
    KONA_ROUTE("bankaccounts/ars/register", kona_ars_register, kona_doc_ars_register),
    KONA_ROUTE("bankaccounts/ars/register/inquiry", kona_ars_inquiry, kona_doc_ars_inquiry),
    KONA_ROUTE("bankaccounts/as-rcg-svc/ars/register", kona_auto_recharge_register,
	       kona_doc_auto_recharge),
    KONA_ROUTE("bankaccounts/info", kona_bankaccounts_info, kona_doc_accounts_info),
    KONA_ROUTE("bankaccounts/inquiry", kona_bankaccounts_inquiry, kona_doc_accounts_inquiry),
    KONA_ROUTE("bankaccounts/delete", kona_bankaccounts_delete, kona_doc_accounts_delete),
    KONA_ROUTE("bankaccounts/banks", kona_banks, kona_doc_banks),
};

static const char *const kona_paths[] = {"/api/v1/*", "/api/v2/*", "/open-api/*"};

static const struct wp_surface kona_surface = {
    .name = KONA_SURFACE,
    .routes = kona_routes,
    .route_count = WP_COUNT(kona_routes),
    .paths = kona_paths,
    .path_count = WP_COUNT(kona_paths),
    .cors_headers = "X-KM-User-AspId, X-KM-Correlation-Id, X-KM-Access-Key, X-KM-Tran-Token, "
		    "X-KM-Tran-Time, X-KM-Time-Zone, X-KM-Crypto-Key-Id",
    .cors_expose = "X-KM-Correlation-Id, X-KM-Crypto-Key-Id, Retry-After",
    .reply_error = kona_reply_error,
};

static const struct wp_route kona_sandbox_routes[] = {
    {"POST", "/sandbox/kona/ars/{regNo}/answer", wp_ctl_run, (wp_impl)kona_sandbox_ars_answer,
     &kona_doc_sandbox_ars_answer},
};

static const struct wp_surface kona_sandbox_surface = {
    .name = "sandbox",
    .routes = kona_sandbox_routes,
    .route_count = WP_COUNT(kona_sandbox_routes),
    .reply_error = wp_own_reply_error,
};

static wp_status kona_init(struct wp_app *app, void **state)
{
	(void)app;
	struct kona_state *s = calloc(1, sizeof(*s));
	if (s == NULL || (s->replay = wp_replay_new()) == NULL) {
		free(s);
		return WP_E_NOMEM;
	}
	*state = s;
	return WP_OK;
}

static void kona_free(void *state)
{
	struct kona_state *s = state;
	if (s == NULL)
		return;
	wp_replay_free(s->replay);
	free(s);
}

/* ---- credentials ---- */

/* The documented sandbox credentials (README: "Sandbox credentials"). */
static const struct kona_credentials kona_sandbox = {
    "KONASANDBOX0001", "sandbox000000000000000000000000000000000", "sandbox-secret-key",
    "sandboxcryptokey0000000000000001"};

wp_status kona_generate_credentials(struct kona_credentials *c)
{
	static const char up[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	memset(c, 0, sizeof(*c));
	memcpy(c->asp_id, "KONA", 4);
	wp_status st = wp_random_from(up, c->asp_id + 4, KONA_ASP_ID_LEN - 4);
	if (st == WP_OK)
		st = wp_random_alnum(c->access_key, KONA_ACCESS_KEY_LEN);
	if (st == WP_OK)
		st = wp_random_alnum(c->secret_key, KONA_SECRET_KEY_LEN);
	if (st == WP_OK)
		st = wp_random_from("abcdefghijklmnopqrstuvwxyz012345", c->crypto_key_id,
				    KONA_CRYPTO_KEY_ID_LEN);
	return st;
}

/* Stores a partner's credentials and key pair (WP_E_CONFLICT if the AspId or key id exists). */
static wp_status provision(struct wp_tx *tx, const uint8_t *data_key, int64_t partner_id,
			   const struct kona_credentials *c, const char *server_private_pem,
			   const char *server_public_pem, const char *partner_public_pem,
			   int64_t now_ms)
{
	wp_status st = wp_auth_add(tx, data_key, partner_id, KONA_SURFACE, c->asp_id, c->access_key,
				   c->secret_key, now_ms);
	if (st == WP_OK)
		st = wp_auth_add_keys(tx, data_key, partner_id, KONA_SURFACE, c->asp_id,
				      c->crypto_key_id, server_private_pem, server_public_pem,
				      partner_public_pem, now_ms);
	return st;
}

/* ---- sandbox ---- */

/*
 * The sandbox partner's Kona credentials and keys, once. The server's public
 * key and the partner's key pair are written to sandbox/ in the data directory
 * (beside a SQLite database; wp_config_data_dir).
 */
static wp_status kona_seed(struct wp_app *app, void *state, const struct wp_seed *s)
{
	(void)state;
	if (wp_auth_login_exists(app->store, s->tx, KONA_SURFACE, kona_sandbox.asp_id))
		return kona_portal_seed(app, s->tx, kona_sandbox.asp_id, s->now_ms);
	if (s->partner_id == 0)
		return WP_E_NOT_FOUND;
	char *sp = NULL, *su = NULL, *pp = NULL, *pu = NULL;
	bool ok = wp_rsa_generate(WP_RSA_BITS, &sp, &su) == WP_OK &&
		  wp_rsa_generate(WP_RSA_BITS, &pp, &pu) == WP_OK;
	char base[WP_FILE_PATH_MAX], dir[WP_FILE_PATH_MAX + 16], path[WP_FILE_PATH_MAX + 64];
	wp_config_data_dir(app->cfg, base, sizeof(base));
	snprintf(dir, sizeof(dir), "%s/sandbox", base);
	ok = ok && (mkdir(dir, 0700) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/kona-server-public.pem", dir);
	ok = ok && wp_file_write(path, su, 0644);
	snprintf(path, sizeof(path), "%s/kona-partner-private.pem", dir);
	ok = ok && wp_file_write(path, pp, 0600);
	snprintf(path, sizeof(path), "%s/kona-partner-public.pem", dir);
	ok = ok && wp_file_write(path, pu, 0644);
	wp_status st = ok ? provision(s->tx, app->data_key, s->partner_id, &kona_sandbox, sp, su,
				      pu, s->now_ms)
			  : WP_E_INTERNAL;
	if (st == WP_OK)
		st = kona_portal_seed(app, s->tx, kona_sandbox.asp_id, s->now_ms);
	if (sp != NULL)
		OPENSSL_cleanse(sp, strlen(sp));
	if (pp != NULL)
		OPENSSL_cleanse(pp, strlen(pp));
	free(sp);
	free(su);
	free(pp);
	free(pu);
	return st;
}

static void kona_describe(const struct wp_app *app, FILE *out)
{
	if (!app->cfg->sandbox)
		return;
	char dir[WP_FILE_PATH_MAX];
	wp_config_data_dir(app->cfg, dir, sizeof(dir));
	fprintf(out,
		"  Kona: POST %s/api/v1/...  X-KM-User-AspId: %s  X-KM-Access-Key: %s\n"
		"        secret key %s, crypto key id %s, PEM files in %s/sandbox/\n",
		app->cfg->public_url, kona_sandbox.asp_id, kona_sandbox.access_key,
		kona_sandbox.secret_key, kona_sandbox.crypto_key_id, dir);
}

/* ---- `partner add --kona-public-key PEM` ---- */

struct kona_issue {
	const uint8_t *data_key;
	struct kona_credentials creds;
	char *partner_pub, *server_priv, *server_pub;
};

static void issue_free(void *p)
{
	struct kona_issue *i = p;
	if (i == NULL)
		return;
	if (i->server_priv != NULL)
		OPENSSL_cleanse(i->server_priv, strlen(i->server_priv));
	free(i->server_priv);
	free(i->server_pub);
	free(i->partner_pub);
	OPENSSL_cleanse(&i->creds, sizeof(i->creds));
	free(i);
}

static wp_status issue_prepare(const uint8_t *data_key, const char *pem_path, void **out, char *err,
			       size_t cap)
{
	struct kona_issue *i = calloc(1, sizeof(*i));
	if (i == NULL)
		return WP_E_NOMEM;
	i->data_key = data_key;
	errno = 0;
	i->partner_pub = wp_file_read_text(pem_path, WP_PEM_MAX_BYTES);
	EVP_PKEY *check = i->partner_pub ? wp_rsa_public_from_pem(i->partner_pub) : NULL;
	wp_status st = WP_OK;
	if (i->partner_pub == NULL && errno != 0) {
		snprintf(err, cap, "cannot read %s: %s", pem_path, strerror(errno));
		st = WP_E_INVALID;
	} else if (check == NULL) {
		snprintf(err, cap, "%s is not an RSA public key (PEM)", pem_path);
		st = WP_E_INVALID;
	} else if (kona_generate_credentials(&i->creds) != WP_OK ||
		   wp_rsa_generate(WP_RSA_BITS, &i->server_priv, &i->server_pub) != WP_OK) {
		snprintf(err, cap, "cannot generate Kona credentials");
		st = WP_E_INTERNAL;
	}
	EVP_PKEY_free(check);
	if (st != WP_OK) {
		issue_free(i);
		return st;
	}
	*out = i;
	return WP_OK;
}

static wp_status issue_add(struct wp_tx *tx, void *p, int64_t partner_id, int64_t now_ms)
{
	struct kona_issue *i = p;
	return provision(tx, i->data_key, partner_id, &i->creds, i->server_priv, i->server_pub,
			 i->partner_pub, now_ms);
}

static void issue_print(void *p, FILE *out)
{
	struct kona_issue *i = p;
	fprintf(out, "X-KM-User-AspId: %s\n", i->creds.asp_id);
	fprintf(out, "X-KM-Access-Key: %s\n", i->creds.access_key);
	fprintf(out, "Kona secret key: %s\n", i->creds.secret_key);
	fprintf(out, "X-KM-Crypto-Key-Id: %s\n", i->creds.crypto_key_id);
	fprintf(out, "Kona server public key (encrypt requests to it):\n%s", i->server_pub);
}

static const struct wp_issuer kona_issuer = {
    .option = "--kona-public-key",
    .help = "--kona-public-key PEM  also issue Kona credentials; answers are encrypted to "
	    "this RSA public key",
    .prepare = issue_prepare,
    .add = issue_add,
    .print = issue_print,
    .free = issue_free,
};

static const struct wp_public_credential kona_sandbox_credentials[] = {
    {KONA_SURFACE, kona_sandbox.asp_id, kona_sandbox.access_key},
    {NULL, NULL, NULL},
};

/* {"response":{"code","description"}}, with every code of the table (codes.c). */
static json_t *kona_error_schema(void)
{
	json_t *codes = json_array();
	for (size_t i = 0; i < KONA_CODE_COUNT; i++) {
		bool seen = false; /* 000_002 has two rows */
		for (size_t j = 0; j < i; j++)
			seen = seen || strcmp(kona_codes[j].code, kona_codes[i].code) == 0;
		if (!seen)
			json_array_append_new(codes, json_string(kona_codes[i].code));
	}
	return json_pack("{s:s, s:{s:{s:s, s:{s:{s:s, s:o}, s:{s:s}}, s:[s, s]}}, s:[s]}", "type",
			 "object", "properties", "response", "type", "object", "properties", "code",
			 "type", "string", "enum", codes, "description", "type", "string",
			 "required", "code", "description", "required", "response");
}

static size_t kona_doc_codes(struct wp_doc_code *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < KONA_CODE_COUNT && n < cap; i++)
		out[n++] = (struct wp_doc_code){kona_codes[i].code, (int)kona_codes[i].http,
						kona_codes[i].description};
	return n;
}

static const struct wp_api_doc kona_api = {
    .title = "Konaplate: member, account holder verification, ARS account registration",
    .description = "wonpay's Konaplate surface. Every call is a signed POST (X-KM-Tran-Token: "
		   "an HMAC-SHA256 of the body with the partner's secret key); with "
		   "X-KM-Crypto-Key-Id the body and the answer are {\"encData\": JWE}. Paths "
		   "are served under /api/v1/ and /open-api/api/v1/.",
    .headers = kona_header_fields,
    .auth_header = "X-KM-Access-Key", /* with the tran token's signature */
    .header_count = KONA_HEADER_FIELDS,
    .error_schema = kona_error_schema,
    .codes = kona_doc_codes,
};

/* Cards hold ledger accounts: a sandbox reset removes them with the ledger. */
static const char *const kona_reset_kinds[] = {KONA_KIND_CARD, KONA_KIND_OTT,	"kona.charge",
					       "kona.payment", "kona.merchant", KONA_KIND_CARD_TX,
					       "kona.pending", "kona.holding",	NULL};

const struct wp_module wp_module_kona = {
    .name = KONA_SURFACE,
    .surface = &kona_surface,
    .sandbox_surface = &kona_sandbox_surface,
    .init = kona_init,
    .seed = kona_seed,
    .describe = kona_describe,
    .housekeeping = kona_housekeeping,
    .free = kona_free,
    .issuer = &kona_issuer,
    .sandbox_credentials = kona_sandbox_credentials,
    .api = &kona_api,
    .reset_kinds = kona_reset_kinds,
};
