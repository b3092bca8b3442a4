/*
 * auth.c — credentials of every surface (see auth.h for the invariants).
 */
#include "core/auth.h"

#include <assert.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "core/crypto.h"
#include "core/jwe.h"
#include "core/ratelimit.h"
#include "util/clock.h"
#include "util/text.h"

struct cached_key {
	char surface[16];
	char id[WP_CRYPTO_KEY_ID_MAX + 1];
	char login[WP_LOGIN_MAX + 1];
	EVP_PKEY *server_private;
	EVP_PKEY *partner_public;
};

/*
 * A credential that checked out recently (one without a sealed secret: no
 * plaintext secret is kept): a call that repeats it within
 * WP_AUTH_CHECK_CACHE_MS skips the database. Credentials are never removed
 * while a server runs, so this only saves the look-up.
 */
struct checked {
	char surface[16];
	char asked[WP_LOGIN_MAX + 1]; /* the login asked for ("" with by_login false) */
	bool by_login;		      /* a login was asked for (else: by the secret alone) */
	char login[WP_LOGIN_MAX + 1]; /* the credential's ("" when it has none) */
	bool has_login;
	uint8_t digest[WP_SHA256_BYTES];
	int64_t partner_id, partner_created_ms, until_ns; /* until_ns 0: a free slot */
	char email[256], name[256];
};

struct refused {
	char surface[16];
	uint8_t digest[WP_SHA256_BYTES];
};

struct wp_auth {
	struct wp_store *store;
	uint8_t data_key[WP_DATA_KEY_BYTES];
	struct wp_ratelimit *rate;     /* per credential */
	struct wp_ratelimit *failures; /* per client address */
	struct refused refused[WP_AUTH_REFUSED_MAX];
	size_t refused_count; /* set before serving, read-only after */
	pthread_mutex_t lock; /* guards keys */
	struct cached_key keys[WP_AUTH_KEY_CACHE_SLOTS];
	size_t next_key;				   /* round-robin replacement when full */
	struct checked checked[WP_AUTH_CHECK_CACHE_SLOTS]; /* guarded by lock too */
	size_t next_checked;
};

struct wp_auth *wp_auth_new(struct wp_store *s, const uint8_t *data_key,
			    const struct wp_auth_limits *limits)
{
	assert(s != NULL);
	assert(data_key != NULL);
	struct wp_auth *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->store = s;
	memcpy(a->data_key, data_key, WP_DATA_KEY_BYTES);
	a->rate = wp_ratelimit_new(limits->rate_per_s, limits->rate_burst);
	a->failures = wp_ratelimit_new(limits->fail_per_s, limits->fail_burst);
	if (a->rate == NULL || a->failures == NULL) {
		wp_ratelimit_free(a->rate);
		wp_ratelimit_free(a->failures);
		free(a);
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	return a;
}

void wp_auth_free(struct wp_auth *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < WP_AUTH_KEY_CACHE_SLOTS; i++) {
		EVP_PKEY_free(a->keys[i].server_private);
		EVP_PKEY_free(a->keys[i].partner_public);
	}
	pthread_mutex_destroy(&a->lock);
	wp_ratelimit_free(a->rate);
	wp_ratelimit_free(a->failures);
	OPENSSL_cleanse(a->data_key, sizeof(a->data_key));
	free(a);
}

static void log_auth(const char *surface, const char *what)
{
	fprintf(
	    stderr,
	    "{\"level\":\"error\",\"component\":\"auth\",\"surface\":\"%s\",\"message\":\"%s\"}\n",
	    surface, what);
}

/* "<surface>.<purpose>": the AAD that binds a sealed value to its use. */
static void aad_for(const char *surface, const char *purpose, char *out, size_t cap)
{
	snprintf(out, cap, "%s.%s", surface, purpose);
}

/* The failure limiter's key for an address: spread over its shards by the last octet. */
static void client_key(const uint8_t client[4], uint8_t key[32])
{
	memset(key, 0, 32);
	for (int i = 0; i < 4; i++)
		key[i] = client[3 - i];
}

bool wp_auth_client_blocked(struct wp_auth *a, const uint8_t client[4])
{
	uint8_t key[32];
	client_key(client, key);
	return !wp_ratelimit_peek(a->failures, key, wp_mono_ns());
}

void wp_auth_client_failed(struct wp_auth *a, const uint8_t client[4])
{
	uint8_t key[32];
	client_key(client, key);
	wp_ratelimit_take(a->failures, key, wp_mono_ns());
}

static bool is_refused(const struct wp_auth *a, const char *surface, const uint8_t digest[32])
{
	for (size_t i = 0; i < a->refused_count; i++)
		if (strcmp(a->refused[i].surface, surface) == 0 &&
		    wp_ct_equal(a->refused[i].digest, digest, WP_SHA256_BYTES))
			return true;
	return false;
}

static bool checked_same(const struct checked *k, const char *surface, const char *login,
			 const uint8_t digest[WP_SHA256_BYTES])
{
	return strcmp(k->surface, surface) == 0 && k->by_login == (login != NULL) &&
	       strcmp(k->asked, login ? login : "") == 0 &&
	       wp_ct_equal(k->digest, digest, WP_SHA256_BYTES);
}

/* A recent check of the same credential, copied into out; false when none. */
static bool checked_find(struct wp_auth *a, const char *surface, const char *login,
			 const uint8_t digest[WP_SHA256_BYTES], wp_arena *ar,
			 struct wp_principal *out)
{
	int64_t now = (int64_t)wp_mono_ns();
	bool hit = false;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < WP_AUTH_CHECK_CACHE_SLOTS && !hit; i++) {
		const struct checked *k = &a->checked[i];
		if (k->until_ns <= now || !checked_same(k, surface, login, digest))
			continue;
		out->partner.id = k->partner_id;
		out->partner.created_ms = k->partner_created_ms;
		out->partner.email = wp_arena_strndup(ar, k->email, strlen(k->email));
		out->partner.name = wp_arena_strndup(ar, k->name, strlen(k->name));
		out->login = k->has_login ? wp_arena_strndup(ar, k->login, strlen(k->login)) : NULL;
		hit = out->partner.email && out->partner.name && (!k->has_login || out->login);
	}
	pthread_mutex_unlock(&a->lock);
	if (hit) {
		memcpy(out->digest, digest, WP_SHA256_BYTES);
		out->shared_secret = NULL;
	}
	return hit;
}

static void checked_add(struct wp_auth *a, const char *surface, const char *login,
			const struct wp_principal *p)
{
	if (strlen(surface) >= sizeof(a->checked[0].surface) ||
	    strlen(p->partner.email) >= sizeof(a->checked[0].email) ||
	    strlen(p->partner.name) >= sizeof(a->checked[0].name) ||
	    (p->login != NULL && strlen(p->login) > WP_LOGIN_MAX))
		return; /* not kept: checked at the database every time */
	pthread_mutex_lock(&a->lock);
	struct checked *k = &a->checked[a->next_checked];
	a->next_checked = (a->next_checked + 1) % WP_AUTH_CHECK_CACHE_SLOTS;
	snprintf(k->surface, sizeof(k->surface), "%s", surface);
	snprintf(k->asked, sizeof(k->asked), "%s", login ? login : "");
	k->by_login = login != NULL;
	snprintf(k->login, sizeof(k->login), "%s", p->login ? p->login : "");
	k->has_login = p->login != NULL;
	memcpy(k->digest, p->digest, WP_SHA256_BYTES);
	k->partner_id = p->partner.id;
	k->partner_created_ms = p->partner.created_ms;
	snprintf(k->email, sizeof(k->email), "%s", p->partner.email);
	snprintf(k->name, sizeof(k->name), "%s", p->partner.name);
	k->until_ns = (int64_t)wp_mono_ns() + (int64_t)WP_AUTH_CHECK_CACHE_MS * 1000000;
	pthread_mutex_unlock(&a->lock);
}

static wp_status check(struct wp_auth *a, const char *surface, const char *login,
		       const char *secret, wp_arena *ar, struct wp_principal *out)
{
	size_t n = strlen(secret);
	if (n == 0 || n > WP_TOKEN_MAX_BYTES || (login != NULL && strlen(login) > WP_LOGIN_MAX))
		return WP_E_UNAUTHORIZED;
	uint8_t digest[WP_SHA256_BYTES];
	wp_sha256(secret, n, digest);
	if (!is_refused(a, surface, digest) && checked_find(a, surface, login, digest, ar, out))
		return WP_OK;
	struct wp_credential c;
	wp_status st = a->store->ops->credential_get(a->store, NULL, surface, login, digest, ar, &c,
						     &out->partner);
	if (st == WP_E_NOT_FOUND)
		return WP_E_UNAUTHORIZED;
	if (st != WP_OK)
		return st;
	if (!wp_ct_equal(digest, c.secret_sha256, sizeof(digest)) || is_refused(a, surface, digest))
		return WP_E_UNAUTHORIZED;
	memcpy(out->digest, c.secret_sha256, sizeof(out->digest));
	out->login = c.login;
	out->shared_secret = NULL;
	if (c.sealed_secret[0] == '\0' && out->partner.email && out->partner.name)
		checked_add(a, surface, login, out);
	if (c.sealed_secret[0] != '\0') {
		char aad[32];
		aad_for(surface, "secret", aad, sizeof(aad));
		size_t len;
		char *plain = wp_open(a->data_key, aad, c.sealed_secret, &len);
		if (plain == NULL) {
			log_auth(surface, "a stored secret does not open under this data key "
					  "(--data-key-file is not the key it was sealed with)");
			return WP_E_INTERNAL;
		}
		out->shared_secret = wp_arena_strndup(ar, plain, len);
		OPENSSL_cleanse(plain, len);
		free(plain);
		if (out->shared_secret == NULL)
			return WP_E_NOMEM;
	}
	return WP_OK;
}

wp_status wp_auth_check(struct wp_auth *a, const char *surface, const char *login,
			const char *secret, const uint8_t *client, wp_arena *ar,
			struct wp_principal *out)
{
	if (client != NULL && wp_auth_client_blocked(a, client))
		return WP_E_RATE_LIMITED;
	wp_status st = check(a, surface, login, secret, ar, out);
	if (st == WP_E_UNAUTHORIZED && client != NULL)
		wp_auth_client_failed(a, client);
	return st;
}

bool wp_auth_refuse(struct wp_auth *a, const char *surface, const char *login, const char *secret)
{
	assert(a->refused_count < WP_AUTH_REFUSED_MAX);
	struct refused *r = &a->refused[a->refused_count++];
	snprintf(r->surface, sizeof(r->surface), "%s", surface);
	wp_sha256(secret, strlen(secret), r->digest);
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_credential c;
	struct wp_partner p;
	bool found = a->store->ops->credential_get(a->store, NULL, surface, login, r->digest, &ar,
						   &c, &p) == WP_OK &&
		     wp_ct_equal(c.secret_sha256, r->digest, WP_SHA256_BYTES);
	wp_arena_free(&ar);
	return found;
}

bool wp_auth_take(struct wp_auth *a, const struct wp_principal *p)
{
	return wp_ratelimit_take(a->rate, p->digest, wp_mono_ns());
}

bool wp_auth_login_exists(struct wp_store *s, struct wp_tx *tx, const char *surface,
			  const char *login)
{
	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_credential c;
	struct wp_partner p;
	bool found = s->ops->credential_get(s, tx, surface, login, NULL, &ar, &c, &p) == WP_OK;
	wp_arena_free(&ar);
	return found;
}

/* A cached pair with new references, or false. Called with the lock held. */
static bool cache_find(struct wp_auth *a, const char *surface, const char *id, const char *login,
		       EVP_PKEY **priv, EVP_PKEY **pub, bool *known)
{
	for (size_t i = 0; i < WP_AUTH_KEY_CACHE_SLOTS; i++) {
		struct cached_key *k = &a->keys[i];
		if (k->server_private == NULL || strcmp(k->id, id) != 0 ||
		    strcmp(k->surface, surface) != 0)
			continue;
		*known = true;
		if (strcmp(k->login, login) != 0)
			return false;
		if (EVP_PKEY_up_ref(k->server_private) != 1)
			return false;
		if (EVP_PKEY_up_ref(k->partner_public) != 1) {
			EVP_PKEY_free(k->server_private);
			return false;
		}
		*priv = k->server_private;
		*pub = k->partner_public;
		return true;
	}
	*known = false;
	return false;
}

wp_status wp_auth_keys(struct wp_auth *a, const char *surface, const char *id, const char *login,
		       EVP_PKEY **priv, EVP_PKEY **pub)
{
	*priv = *pub = NULL;
	if (strlen(id) > WP_CRYPTO_KEY_ID_MAX || strlen(login) > WP_LOGIN_MAX ||
	    strlen(surface) >= sizeof(a->keys[0].surface))
		return WP_E_NOT_FOUND;
	bool known;
	pthread_mutex_lock(&a->lock);
	bool hit = cache_find(a, surface, id, login, priv, pub, &known);
	pthread_mutex_unlock(&a->lock);
	if (hit)
		return WP_OK;
	if (known)
		return WP_E_NOT_FOUND; /* another partner's key id does not exist for you */

	wp_arena ar;
	wp_arena_init(&ar, WP_SCRATCH_ARENA_BYTES);
	struct wp_crypto_key k;
	wp_status st = a->store->ops->crypto_key_get(a->store, surface, id, &ar, &k);
	if (st == WP_OK && strcmp(k.login, login) != 0)
		st = WP_E_NOT_FOUND;
	if (st != WP_OK) {
		wp_arena_free(&ar);
		return st;
	}
	char aad[32];
	aad_for(surface, "server_private", aad, sizeof(aad));
	size_t len = 0;
	char *priv_pem = wp_open(a->data_key, aad, k.server_private_sealed, &len);
	*pub = wp_rsa_public_from_pem(k.partner_public);
	*priv = priv_pem ? wp_rsa_private_from_pem(priv_pem) : NULL;
	wp_arena_free(&ar);
	if (priv_pem != NULL) {
		OPENSSL_cleanse(priv_pem, len);
		free(priv_pem);
	} else {
		log_auth(surface, "a stored private key does not open under this data key");
	}
	if (*priv == NULL || *pub == NULL) {
		EVP_PKEY_free(*priv);
		EVP_PKEY_free(*pub);
		*priv = *pub = NULL;
		return WP_E_INTERNAL;
	}
	pthread_mutex_lock(&a->lock);
	struct cached_key *slot = &a->keys[a->next_key];
	a->next_key = (a->next_key + 1) % WP_AUTH_KEY_CACHE_SLOTS;
	EVP_PKEY_free(slot->server_private);
	EVP_PKEY_free(slot->partner_public);
	snprintf(slot->surface, sizeof(slot->surface), "%s", surface);
	snprintf(slot->id, sizeof(slot->id), "%s", id);
	snprintf(slot->login, sizeof(slot->login), "%s", login);
	/* One reference for the cache, one for the caller. */
	slot->server_private = slot->partner_public = NULL;
	if (EVP_PKEY_up_ref(*priv) == 1) {
		if (EVP_PKEY_up_ref(*pub) == 1) {
			slot->server_private = *priv;
			slot->partner_public = *pub;
		} else {
			EVP_PKEY_free(*priv);
		}
	}
	pthread_mutex_unlock(&a->lock);
	return WP_OK;
}

/* ---- issuing ---- */

bool wp_auth_email_valid(const char *e)
{
	size_t n = strlen(e);
	const char *at = strchr(e, '@');
	if (n == 0 || n > 254 || at == NULL || at == e || strchr(at + 1, '@') != NULL)
		return false;
	const char *dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)e[i];
		if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '"' || c == ',')
			return false;
	}
	return wp_utf8_valid(e, n);
}

wp_status wp_auth_partner_add(struct wp_tx *tx, const char *email, const char *name, int64_t now_ms,
			      int64_t *id)
{
	if (!wp_auth_email_valid(email) || wp_utf8_chars(email, strlen(email)) > WP_EMAIL_MAX_CHARS)
		return WP_E_INVALID;
	return tx->ops->partner_insert(tx, email, name, now_ms, id);
}

wp_status wp_auth_add(struct wp_tx *tx, const uint8_t *data_key, int64_t partner_id,
		      const char *surface, const char *login, const char *secret,
		      const char *shared_secret, int64_t now_ms)
{
	struct wp_credential c = {.partner_id = partner_id,
				  .surface = surface,
				  .login = login,
				  .sealed_secret = "",
				  .created_ms = now_ms};
	wp_sha256(secret, strlen(secret), c.secret_sha256);
	char *sealed = NULL;
	if (shared_secret != NULL) {
		assert(data_key != NULL);
		char aad[32];
		aad_for(surface, "secret", aad, sizeof(aad));
		sealed = wp_seal(data_key, aad, shared_secret, strlen(shared_secret));
		if (sealed == NULL)
			return WP_E_NOMEM;
		c.sealed_secret = sealed;
	}
	wp_status st = tx->ops->credential_insert(tx, &c);
	free(sealed);
	return st;
}

wp_status wp_auth_issue(struct wp_tx *tx, int64_t partner_id, const char *surface, int64_t now_ms,
			char *secret_out, size_t cap)
{
	char random[33];
	wp_status st = wp_random_alnum(random, 32);
	if (st != WP_OK)
		return st;
	int n = snprintf(secret_out, cap, "%s_%s", surface, random);
	if (n < 0 || (size_t)n >= cap)
		return WP_E_INTERNAL;
	return wp_auth_add(tx, NULL, partner_id, surface, NULL, secret_out, NULL, now_ms);
}

wp_status wp_auth_add_keys(struct wp_tx *tx, const uint8_t *data_key, int64_t partner_id,
			   const char *surface, const char *login, const char *id,
			   const char *server_private_pem, const char *server_public_pem,
			   const char *partner_public_pem, int64_t now_ms)
{
	char aad[32];
	aad_for(surface, "server_private", aad, sizeof(aad));
	char *sealed = wp_seal(data_key, aad, server_private_pem, strlen(server_private_pem));
	if (sealed == NULL)
		return WP_E_NOMEM;
	struct wp_crypto_key k = {id,	  surface,	     partner_id,	 login,
				  sealed, server_public_pem, partner_public_pem, now_ms};
	wp_status st = tx->ops->crypto_key_insert(tx, &k);
	free(sealed);
	return st;
}
