/* Unit tests: partners and credentials of every surface (src/core/auth.c) over a real store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "bounds.h"
#include "core/auth.h"
#include "core/crypto.h"
#include "core/jwe.h"
#include "temp_store.h"
#include "util/arena.h"

#define NOW 1800000000000LL

static uint8_t key_a[WP_DATA_KEY_BYTES], key_b[WP_DATA_KEY_BYTES];

/* ---- one-off writes through wp_store_write ---- */

struct partner_arg {
	const char *email;
	int64_t id;
};

static wp_status partner_fn(struct wp_tx *tx, void *arg)
{
	struct partner_arg *p = arg;
	return wp_auth_partner_add(tx, p->email, "Partner", NOW, &p->id);
}

static wp_status partner_add(struct wp_store *s, const char *email, int64_t *id)
{
	struct partner_arg p = {email, 0};
	wp_status st = wp_store_write(s, partner_fn, &p);
	if (id != NULL)
		*id = p.id;
	return st;
}

struct cred_arg {
	const uint8_t *key;
	int64_t partner_id;
	const char *surface, *login, *secret, *shared;
};

static wp_status cred_fn(struct wp_tx *tx, void *arg)
{
	struct cred_arg *c = arg;
	return wp_auth_add(tx, c->key, c->partner_id, c->surface, c->login, c->secret, c->shared,
			   NOW);
}

static wp_status cred_add(struct wp_store *s, const uint8_t *key, int64_t partner_id,
			  const char *surface, const char *login, const char *secret,
			  const char *shared)
{
	struct cred_arg c = {key, partner_id, surface, login, secret, shared};
	return wp_store_write(s, cred_fn, &c);
}

struct issue_arg {
	int64_t partner_id;
	const char *surface;
	char *out;
	size_t cap;
};

static wp_status issue_fn(struct wp_tx *tx, void *arg)
{
	struct issue_arg *i = arg;
	return wp_auth_issue(tx, i->partner_id, i->surface, NOW, i->out, i->cap);
}

static wp_status issue(struct wp_store *s, int64_t partner_id, const char *surface, char *out,
		       size_t cap)
{
	struct issue_arg i = {partner_id, surface, out, cap};
	return wp_store_write(s, issue_fn, &i);
}

struct keys_arg {
	const uint8_t *key;
	int64_t partner_id;
	const char *surface, *login, *id, *priv, *pub, *partner_pub;
};

static wp_status keys_fn(struct wp_tx *tx, void *arg)
{
	struct keys_arg *k = arg;
	return wp_auth_add_keys(tx, k->key, k->partner_id, k->surface, k->login, k->id, k->priv,
				k->pub, k->partner_pub, NOW);
}

/* Two RSA key pairs, made once (key generation is slow under ASan). */
static char *server_priv, *server_pub, *partner_priv, *partner_pub;

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < WP_DATA_KEY_BYTES; i++) {
		key_a[i] = (uint8_t)(i + 1);
		key_b[i] = (uint8_t)(0xF0 ^ i);
	}
	if (wp_rsa_generate(2048, &server_priv, &server_pub) != WP_OK ||
	    wp_rsa_generate(2048, &partner_priv, &partner_pub) != WP_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(server_priv);
	free(server_pub);
	free(partner_priv);
	free(partner_pub);
	return 0;
}

/* ---- tests ---- */

static void test_partner_add(void **state)
{
	(void)state;
	struct temp_store ts;
	struct wp_store *s = temp_store_open(&ts, 2);
	assert_non_null(s);
	int64_t id1 = 0, id2 = 0;
	assert_int_equal(partner_add(s, "dev@example.com", &id1), WP_OK);
	assert_true(id1 > 0);
	assert_int_equal(partner_add(s, "other@example.co.kr", &id2), WP_OK);
	assert_true(id2 > 0 && id2 != id1);

	static const char *const bad[] = {
	    "",
	    "no-at-sign",
	    "@example.com",
	    "dev@",
	    "dev@example",
	    "a@b@example.com",
	    "dev @example.com",
	    "dev@exa mple.com",
	    "dev@.com",
	    "dev@example.",
	    "<dev>@example.com",
	    "dev,x@example.com",
	    "\"dev\"@example.com",
	    "dev@example.com\t",
	    "d\x7f@example.com",
	    "d\xff@example.com", /* not UTF-8 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(partner_add(s, bad[i], NULL), WP_E_INVALID);
	assert_false(wp_auth_email_valid("dev@example"));
	assert_true(wp_auth_email_valid("dev+tag@sub.example.com"));
	assert_true(wp_auth_email_valid("개발@예시.한국")); /* UTF-8 is fine */

	/* WP_EMAIL_MAX_CHARS is in characters: 100 pass, 101 do not. */
	char email[WP_EMAIL_MAX_CHARS + 2];
	const char *domain = "@example.com";
	size_t local = WP_EMAIL_MAX_CHARS - strlen(domain);
	memset(email, 'a', local);
	strcpy(email + local, domain);
	assert_int_equal(strlen(email), WP_EMAIL_MAX_CHARS);
	assert_int_equal(partner_add(s, email, NULL), WP_OK);
	memset(email, 'b', local + 1);
	strcpy(email + local + 1, domain);
	assert_int_equal(partner_add(s, email, NULL), WP_E_INVALID);

	/* An email is taken, whatever its case. */
	assert_int_equal(partner_add(s, "dev@example.com", NULL), WP_E_CONFLICT);
	assert_int_equal(partner_add(s, "DEV@Example.COM", NULL), WP_E_CONFLICT);
	temp_store_close(&ts);
}

static void test_issue_and_check_secret(void **state)
{
	(void)state;
	struct temp_store ts;
	struct wp_store *s = temp_store_open(&ts, 2);
	assert_non_null(s);
	int64_t pid, other;
	assert_int_equal(partner_add(s, "dev@example.com", &pid), WP_OK);
	assert_int_equal(partner_add(s, "other@example.com", &other), WP_OK);
	char secret[WP_TOKEN_MAX_BYTES + 1], secret2[WP_TOKEN_MAX_BYTES + 1];
	assert_int_equal(issue(s, pid, "aqr", secret, sizeof(secret)), WP_OK);
	assert_int_equal(issue(s, other, "aqr", secret2, sizeof(secret2)), WP_OK);
	/* "<surface>_" + 32 alphanumerics, fresh each time. */
	assert_int_equal(strlen(secret), 4 + 32);
	assert_memory_equal(secret, "aqr_", 4);
	for (size_t i = 4; i < strlen(secret); i++)
		assert_true((secret[i] >= '0' && secret[i] <= '9') ||
			    (secret[i] >= 'a' && secret[i] <= 'z') ||
			    (secret[i] >= 'A' && secret[i] <= 'Z'));
	assert_string_not_equal(secret, secret2);
	/* A buffer too small for it: an error, not a truncated secret stored. */
	char tiny[10];
	assert_int_equal(issue(s, pid, "aqr", tiny, sizeof(tiny)), WP_E_INTERNAL);

	struct wp_auth *a = wp_auth_new(s, key_a, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(a);
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_principal p;
	assert_int_equal(wp_auth_check(a, "aqr", NULL, secret, NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, pid);
	assert_string_equal(p.partner.email, "dev@example.com");
	assert_null(p.login);
	assert_null(p.shared_secret);
	assert_int_equal(wp_auth_check(a, "aqr", NULL, secret2, NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, other);

	/* A secret off by one character, a prefix, one with more: no. */
	char wrong[sizeof(secret) + 1];
	strcpy(wrong, secret);
	wrong[strlen(wrong) - 1] ^= 1;
	assert_int_equal(wp_auth_check(a, "aqr", NULL, wrong, NULL, &ar, &p), WP_E_UNAUTHORIZED);
	wrong[strlen(wrong) - 1] = '\0';
	assert_int_equal(wp_auth_check(a, "aqr", NULL, wrong, NULL, &ar, &p), WP_E_UNAUTHORIZED);
	snprintf(wrong, sizeof(wrong), "%sx", secret);
	assert_int_equal(wp_auth_check(a, "aqr", NULL, wrong, NULL, &ar, &p), WP_E_UNAUTHORIZED);
	assert_int_equal(wp_auth_check(a, "aqr", NULL, "", NULL, &ar, &p), WP_E_UNAUTHORIZED);
	/* The right secret on another surface. */
	assert_int_equal(wp_auth_check(a, "kona", NULL, secret, NULL, &ar, &p), WP_E_UNAUTHORIZED);
	/* The right secret with a login it does not have. */
	assert_int_equal(wp_auth_check(a, "aqr", "someone", secret, NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);

	/* Length bound: a stored secret of WP_TOKEN_MAX_BYTES checks, one byte more never does. */
	char max[WP_TOKEN_MAX_BYTES + 2];
	memset(max, 'm', WP_TOKEN_MAX_BYTES);
	max[WP_TOKEN_MAX_BYTES] = '\0';
	assert_int_equal(cred_add(s, NULL, pid, "aqr", NULL, max, NULL), WP_OK);
	assert_int_equal(wp_auth_check(a, "aqr", NULL, max, NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, pid);
	memset(max, 'n', WP_TOKEN_MAX_BYTES + 1);
	max[WP_TOKEN_MAX_BYTES + 1] = '\0';
	assert_int_equal(cred_add(s, NULL, pid, "aqr", NULL, max, NULL), WP_OK);
	assert_int_equal(wp_auth_check(a, "aqr", NULL, max, NULL, &ar, &p), WP_E_UNAUTHORIZED);

	/* A secret is one partner's: adding it again (for anyone) on that surface conflicts. */
	assert_int_equal(cred_add(s, NULL, other, "aqr", NULL, secret, NULL), WP_E_CONFLICT);
	wp_arena_free(&ar);
	wp_auth_free(a);
	temp_store_close(&ts);
}

static void test_login_credential(void **state)
{
	(void)state;
	struct temp_store ts;
	struct wp_store *s = temp_store_open(&ts, 2);
	assert_non_null(s);
	int64_t p1, p2;
	assert_int_equal(partner_add(s, "one@example.com", &p1), WP_OK);
	assert_int_equal(partner_add(s, "two@example.com", &p2), WP_OK);
	assert_int_equal(cred_add(s, key_a, p1, "kona", "ASP001", "access-key-1", "hmac-secret-1"),
			 WP_OK);
	assert_int_equal(cred_add(s, key_a, p2, "kona", "ASP002", "access-key-2", "hmac-secret-2"),
			 WP_OK);
	/* A login without a kept secret. */
	assert_int_equal(cred_add(s, key_a, p2, "payple", "CST002", "cust-key-2", NULL), WP_OK);

	struct wp_auth *a = wp_auth_new(s, key_a, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(a);
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_principal p;
	assert_int_equal(wp_auth_check(a, "kona", "ASP001", "access-key-1", NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, p1);
	assert_string_equal(p.partner.email, "one@example.com");
	assert_string_equal(p.login, "ASP001");
	assert_string_equal(p.shared_secret, "hmac-secret-1");
	assert_int_equal(wp_auth_check(a, "kona", "ASP002", "access-key-2", NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, p2);
	assert_string_equal(p.shared_secret, "hmac-secret-2");
	assert_int_equal(wp_auth_check(a, "payple", "CST002", "cust-key-2", NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, p2);
	assert_string_equal(p.login, "CST002");
	assert_null(p.shared_secret);

	/* Wrong secret; unknown login; a login with another partner's (valid) secret. */
	assert_int_equal(wp_auth_check(a, "kona", "ASP001", "access-key-X", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	assert_int_equal(wp_auth_check(a, "kona", "ASP003", "access-key-1", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	assert_int_equal(wp_auth_check(a, "kona", "ASP002", "access-key-1", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	assert_int_equal(wp_auth_check(a, "kona", "ASP001", "access-key-2", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	assert_int_equal(wp_auth_check(a, "kona", "ASP001", "", NULL, &ar, &p), WP_E_UNAUTHORIZED);
	/* The same login and secret on another surface. */
	assert_int_equal(wp_auth_check(a, "payple", "ASP001", "access-key-1", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	assert_int_equal(wp_auth_check(a, "payple", NULL, "access-key-1", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	assert_int_equal(wp_auth_check(a, "kona", "CST002", "cust-key-2", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	/* A login over WP_LOGIN_MAX never matches (and is not looked up). */
	char long_login[WP_LOGIN_MAX + 2];
	memset(long_login, 'L', WP_LOGIN_MAX + 1);
	long_login[WP_LOGIN_MAX + 1] = '\0';
	assert_int_equal(wp_auth_check(a, "kona", long_login, "access-key-1", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);

	/* A login is taken on its surface, whatever the secret; free on another surface. */
	assert_int_equal(cred_add(s, key_a, p2, "kona", "ASP001", "access-key-3", "s"),
			 WP_E_CONFLICT);
	assert_int_equal(cred_add(s, key_a, p1, "kona", "ASP001", "access-key-4", NULL),
			 WP_E_CONFLICT);
	assert_int_equal(cred_add(s, key_a, p2, "kona", "ASP009", "access-key-1", "s"),
			 WP_E_CONFLICT); /* the secret is taken */
	assert_int_equal(cred_add(s, key_a, p2, "payple", "ASP001", "access-key-5", NULL), WP_OK);
	assert_int_equal(wp_auth_check(a, "payple", "ASP001", "access-key-5", NULL, &ar, &p),
			 WP_OK);
	assert_int_equal(p.partner.id, p2);
	/* ...and the kona one is unchanged. */
	assert_int_equal(wp_auth_check(a, "kona", "ASP001", "access-key-1", NULL, &ar, &p), WP_OK);
	assert_int_equal(p.partner.id, p1);
	assert_string_equal(p.shared_secret, "hmac-secret-1");
	/* The refused adds left nothing behind. */
	assert_int_equal(wp_auth_check(a, "kona", "ASP009", "access-key-1", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	assert_int_equal(wp_auth_check(a, "kona", "ASP001", "access-key-3", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	wp_arena_free(&ar);
	wp_auth_free(a);
	temp_store_close(&ts);
}

static void test_rate_limit(void **state)
{
	(void)state;
	struct temp_store ts;
	struct wp_store *s = temp_store_open(&ts, 2);
	assert_non_null(s);
	int64_t pid;
	assert_int_equal(partner_add(s, "dev@example.com", &pid), WP_OK);
	char s1[64], s2[64];
	assert_int_equal(issue(s, pid, "aqr", s1, sizeof(s1)), WP_OK);
	assert_int_equal(issue(s, pid, "aqr", s2, sizeof(s2)), WP_OK);
	assert_int_equal(cred_add(s, key_a, pid, "kona", "ASP001", "access-key-1", "hmac"), WP_OK);

	struct wp_auth *a = wp_auth_new(s, key_a, &(struct wp_auth_limits){1, 2, 0, 1});
	assert_non_null(a);
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_principal p;
	/* A check spends nothing; wp_auth_take spends one request of the checked credential. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(wp_auth_check(a, "aqr", NULL, "aqr_wrong", NULL, &ar, &p),
				 WP_E_UNAUTHORIZED);
	for (int i = 0; i < 5; i++)
		assert_int_equal(wp_auth_check(a, "aqr", NULL, s1, NULL, &ar, &p), WP_OK);
	assert_true(wp_auth_take(a, &p));
	assert_true(wp_auth_take(a, &p));
	assert_false(wp_auth_take(a, &p));
	assert_int_equal(wp_auth_check(a, "aqr", NULL, s1, NULL, &ar, &p), WP_OK);
	/* Per credential: another secret of the same partner has its own bucket. */
	assert_int_equal(wp_auth_check(a, "aqr", NULL, s2, NULL, &ar, &p), WP_OK);
	assert_true(wp_auth_take(a, &p));
	assert_int_equal(wp_auth_check(a, "kona", "ASP001", "access-key-1", NULL, &ar, &p), WP_OK);
	assert_true(wp_auth_take(a, &p));
	assert_true(wp_auth_take(a, &p));
	assert_false(wp_auth_take(a, &p));
	wp_auth_free(a);

	/* Rate 0 turns limiting off. */
	a = wp_auth_new(s, key_a, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(a);
	assert_int_equal(wp_auth_check(a, "aqr", NULL, s1, NULL, &ar, &p), WP_OK);
	for (int i = 0; i < 50; i++)
		assert_true(wp_auth_take(a, &p));
	wp_arena_free(&ar);
	wp_auth_free(a);
	temp_store_close(&ts);
}

/* Failed checks from one address are limited; other addresses and refused credentials. */
static void test_client_failures_and_refusals(void **state)
{
	(void)state;
	struct temp_store ts;
	struct wp_store *s = temp_store_open(&ts, 2);
	assert_non_null(s);
	int64_t pid;
	assert_int_equal(partner_add(s, "dev@example.com", &pid), WP_OK);
	char good[64];
	assert_int_equal(issue(s, pid, "aqr", good, sizeof(good)), WP_OK);
	struct wp_auth *a = wp_auth_new(s, key_a, &(struct wp_auth_limits){0, 1, 1, 3});
	assert_non_null(a);
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_principal p;
	const uint8_t one[4] = {127, 0, 0, 1}, two[4] = {127, 0, 0, 2};
	for (int i = 0; i < 3; i++)
		assert_int_equal(wp_auth_check(a, "aqr", NULL, "aqr_wrong", one, &ar, &p),
				 WP_E_UNAUTHORIZED);
	/* The address spent its failures: refused before any lookup, even the right token. */
	assert_int_equal(wp_auth_check(a, "aqr", NULL, good, one, &ar, &p), WP_E_RATE_LIMITED);
	assert_true(wp_auth_client_blocked(a, one));
	/* Another address is not touched; a check from no address is never limited. */
	assert_int_equal(wp_auth_check(a, "aqr", NULL, good, two, &ar, &p), WP_OK);
	assert_int_equal(wp_auth_check(a, "aqr", NULL, good, NULL, &ar, &p), WP_OK);
	/* A refused credential (live mode, the sandbox's) never matches again. */
	assert_true(wp_auth_refuse(a, "aqr", NULL, good));
	assert_false(wp_auth_refuse(a, "aqr", NULL, "aqr_never_issued"));
	assert_int_equal(wp_auth_check(a, "aqr", NULL, good, two, &ar, &p), WP_E_UNAUTHORIZED);
	wp_arena_free(&ar);
	wp_auth_free(a);
	temp_store_close(&ts);
}

static void test_wrong_data_key(void **state)
{
	(void)state;
	struct temp_store ts;
	struct wp_store *s = temp_store_open(&ts, 2);
	assert_non_null(s);
	int64_t pid;
	assert_int_equal(partner_add(s, "dev@example.com", &pid), WP_OK);
	assert_int_equal(cred_add(s, key_a, pid, "kona", "ASP001", "access-key-1", "hmac"), WP_OK);
	assert_int_equal(cred_add(s, key_a, pid, "kona", "ASP002", "access-key-2", NULL), WP_OK);

	struct wp_auth *b = wp_auth_new(s, key_b, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(b);
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_principal p;
	/* Matches, but its secret does not open: the server's fault, not the partner's. */
	assert_int_equal(wp_auth_check(b, "kona", "ASP001", "access-key-1", NULL, &ar, &p),
			 WP_E_INTERNAL);
	/* With nothing sealed, the data key does not matter. */
	assert_int_equal(wp_auth_check(b, "kona", "ASP002", "access-key-2", NULL, &ar, &p), WP_OK);
	/* A wrong secret is still just unauthorized. */
	assert_int_equal(wp_auth_check(b, "kona", "ASP001", "access-key-X", NULL, &ar, &p),
			 WP_E_UNAUTHORIZED);
	wp_auth_free(b);
	/* The auth object copied its key: the caller's buffer may change afterwards. */
	uint8_t key_copy[WP_DATA_KEY_BYTES];
	memcpy(key_copy, key_a, sizeof(key_copy));
	struct wp_auth *a = wp_auth_new(s, key_copy, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(a);
	memset(key_copy, 0, sizeof(key_copy));
	assert_int_equal(wp_auth_check(a, "kona", "ASP001", "access-key-1", NULL, &ar, &p), WP_OK);
	assert_string_equal(p.shared_secret, "hmac");
	wp_arena_free(&ar);
	wp_auth_free(a);
	temp_store_close(&ts);
}

/* True if priv is the private half of pub_pem, and pub is the key in pub2_pem. */
static bool keys_are(EVP_PKEY *priv, EVP_PKEY *pub, const char *priv_pub_pem, const char *pub_pem)
{
	EVP_PKEY *x = wp_rsa_public_from_pem(priv_pub_pem), *y = wp_rsa_public_from_pem(pub_pem);
	bool ok = x != NULL && y != NULL && EVP_PKEY_eq(priv, x) == 1 && EVP_PKEY_eq(pub, y) == 1;
	EVP_PKEY_free(x);
	EVP_PKEY_free(y);
	return ok;
}

static void expect_keys(struct wp_auth *a, const char *surface, const char *id, const char *login)
{
	EVP_PKEY *priv = NULL, *pub = NULL;
	assert_int_equal(wp_auth_keys(a, surface, id, login, &priv, &pub), WP_OK);
	assert_non_null(priv);
	assert_non_null(pub);
	assert_true(keys_are(priv, pub, server_pub, partner_pub));
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
}

static void expect_no_keys(struct wp_auth *a, const char *surface, const char *id,
			   const char *login, wp_status want)
{
	EVP_PKEY *priv = (EVP_PKEY *)1, *pub = (EVP_PKEY *)1;
	assert_int_equal(wp_auth_keys(a, surface, id, login, &priv, &pub), want);
	assert_null(priv);
	assert_null(pub);
}

static void test_keys(void **state)
{
	(void)state;
	struct temp_store ts;
	struct wp_store *s = temp_store_open(&ts, 2);
	assert_non_null(s);
	int64_t p1, p2;
	assert_int_equal(partner_add(s, "one@example.com", &p1), WP_OK);
	assert_int_equal(partner_add(s, "two@example.com", &p2), WP_OK);
	assert_int_equal(cred_add(s, key_a, p1, "kona", "ASP001", "access-key-1", "h1"), WP_OK);
	assert_int_equal(cred_add(s, key_a, p2, "kona", "ASP002", "access-key-2", "h2"), WP_OK);
	struct keys_arg k = {key_a,	   p1,		"kona",	    "ASP001",
			     "key-one-id", server_priv, server_pub, partner_pub};
	assert_int_equal(wp_store_write(s, keys_fn, &k), WP_OK);
	/* A key id is taken once, whoever asks. */
	k.partner_id = p2;
	k.login = "ASP002";
	assert_int_equal(wp_store_write(s, keys_fn, &k), WP_E_CONFLICT);

	struct wp_auth *a = wp_auth_new(s, key_a, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(a);
	/* Another partner first, while nothing is cached: not found (not "forbidden"). */
	expect_no_keys(a, "kona", "key-one-id", "ASP002", WP_E_NOT_FOUND);
	expect_keys(a, "kona", "key-one-id", "ASP001");
	/* The second call is served from the cache: same answers, new references each time. */
	expect_keys(a, "kona", "key-one-id", "ASP001");
	expect_no_keys(a, "kona", "key-one-id", "ASP002", WP_E_NOT_FOUND);
	expect_no_keys(a, "kona", "key-one-id", "ASP002", WP_E_NOT_FOUND);
	expect_no_keys(a, "kona", "key-one-id", "", WP_E_NOT_FOUND);
	expect_keys(a, "kona", "key-one-id", "ASP001");
	/* Unknown id; the id on another surface; bounds on the lengths. */
	expect_no_keys(a, "kona", "no-such-key", "ASP001", WP_E_NOT_FOUND);
	expect_no_keys(a, "kona", "no-such-key", "ASP001", WP_E_NOT_FOUND);
	expect_no_keys(a, "payple", "key-one-id", "ASP001", WP_E_NOT_FOUND);
	char long_id[WP_CRYPTO_KEY_ID_MAX + 2];
	memset(long_id, 'k', WP_CRYPTO_KEY_ID_MAX + 1);
	long_id[WP_CRYPTO_KEY_ID_MAX + 1] = '\0';
	expect_no_keys(a, "kona", long_id, "ASP001", WP_E_NOT_FOUND);
	char long_login[WP_LOGIN_MAX + 2];
	memset(long_login, 'L', WP_LOGIN_MAX + 1);
	long_login[WP_LOGIN_MAX + 1] = '\0';
	expect_no_keys(a, "kona", "key-one-id", long_login, WP_E_NOT_FOUND);
	expect_no_keys(a, "a-surface-name-over-15", "key-one-id", "ASP001", WP_E_NOT_FOUND);

	/* A fresh checker, the right owner first this time, then the other. */
	struct wp_auth *a2 = wp_auth_new(s, key_a, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(a2);
	expect_keys(a2, "kona", "key-one-id", "ASP001");
	expect_no_keys(a2, "kona", "key-one-id", "ASP002", WP_E_NOT_FOUND);
	wp_auth_free(a2);

	/* The private key is sealed: under another data key it does not open. */
	struct wp_auth *b = wp_auth_new(s, key_b, &(struct wp_auth_limits){0, 1, 0, 1});
	assert_non_null(b);
	expect_no_keys(b, "kona", "key-one-id", "ASP001", WP_E_INTERNAL);
	/* A failure is not cached as a success. */
	expect_no_keys(b, "kona", "key-one-id", "ASP001", WP_E_INTERNAL);
	expect_no_keys(b, "kona", "key-one-id", "ASP002", WP_E_NOT_FOUND);
	wp_auth_free(b);
	wp_auth_free(a);
	temp_store_close(&ts);
}

struct exists_arg {
	struct wp_store *s;
	bool in_tx, committed;
};

/* Adds a credential, looks at it from inside and outside the transaction, then rolls back. */
static wp_status exists_fn(struct wp_tx *tx, void *arg)
{
	struct exists_arg *e = arg;
	int64_t pid;
	wp_status st = wp_auth_partner_add(tx, "tx@example.com", "Tx", NOW, &pid);
	if (st == WP_OK)
		st = wp_auth_add(tx, key_a, pid, "kona", "ASP-TX", "access-key-tx", NULL, NOW);
	if (st != WP_OK)
		return st;
	e->in_tx = wp_auth_login_exists(e->s, tx, "kona", "ASP-TX");
	e->committed = wp_auth_login_exists(e->s, NULL, "kona", "ASP-TX");
	return WP_E_INVALID;
}

static void test_login_exists(void **state)
{
	(void)state;
	struct temp_store ts;
	struct wp_store *s = temp_store_open(&ts, 3);
	assert_non_null(s);
	int64_t pid;
	assert_int_equal(partner_add(s, "dev@example.com", &pid), WP_OK);
	assert_false(wp_auth_login_exists(s, NULL, "kona", "ASP001"));
	assert_int_equal(cred_add(s, key_a, pid, "kona", "ASP001", "access-key-1", "h"), WP_OK);
	char secret[64];
	assert_int_equal(issue(s, pid, "aqr", secret, sizeof(secret)), WP_OK);
	assert_true(wp_auth_login_exists(s, NULL, "kona", "ASP001"));
	assert_false(wp_auth_login_exists(s, NULL, "kona", "ASP002"));
	assert_false(wp_auth_login_exists(s, NULL, "kona", "asp001"));
	assert_false(wp_auth_login_exists(s, NULL, "payple", "ASP001"));
	assert_false(wp_auth_login_exists(s, NULL, "aqr", secret));

	struct exists_arg e = {s, false, true};
	assert_int_equal(wp_store_write(s, exists_fn, &e), WP_E_INVALID);
	assert_true(e.in_tx);	   /* the transaction sees its own write */
	assert_false(e.committed); /* others do not, before commit */
	assert_false(wp_auth_login_exists(s, NULL, "kona", "ASP-TX")); /* rolled back */
	temp_store_close(&ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_partner_add),
	    cmocka_unit_test(test_issue_and_check_secret),
	    cmocka_unit_test(test_login_credential),
	    cmocka_unit_test(test_rate_limit),
	    cmocka_unit_test(test_client_failures_and_refusals),
	    cmocka_unit_test(test_wrong_data_key),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_login_exists),
	};
	return cmocka_run_group_tests_name("auth", tests, setup, teardown);
}
