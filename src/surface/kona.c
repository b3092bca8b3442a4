/*
 * kona.c — the Konaplate surface (see kona.h).
 *
 * Every request goes through kona_begin(): header formats (400, checked
 * before anything is looked up), then the partner's access key and tran
 * token (401), the replay guard, decryption of encData, and the JSON body.
 * Handlers then validate their fields, call the core, and answer with
 * kona_ok() / kona_fail(), which add the response object, echo the
 * correlation id and encrypt when the request was encrypted.
 *
 * Codes: observed on the real platform where docs/decisions.md says so;
 * the 000_1xx header/credential codes, 002_010/002_011 and 007_002 are
 * inferred (the public pages do not show them).
 */
#include "surface/kona.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "core/bank_sandbox.h"
#include "core/crypto.h"
#include "core/jwe.h"
#include "core/auth.h"
#include "core/replay.h"
#include "http/json_body.h"
#include "util/text.h"

#define KIND_PARTNER "kona.partner"
#define KIND_KEY "kona.key"
#define KIND_MEMBER "kona.member"
#define KIND_ARS "kona.arsauth"
#define KIND_BANKACC "kona.bankacc"

/* ---- codes ---- */

struct kona_code {
	const char *code;
	const char *description;
	unsigned http;
};

static const struct kona_code C_OK = {"000_000", "Success.", 200};
static const struct kona_code C_INVALID = {"000_002", "Invalid input value.", 400};
static const struct kona_code C_MISSING = {"000_003", "Missing required values.", 400};
static const struct kona_code C_LENGTH = {"000_015", "The length of value does not match.", 400};
static const struct kona_code C_BAD_ACCESS = {"000_101", "Invalid access key.", 401};
static const struct kona_code C_BAD_TOKEN = {"000_102", "Invalid tran token.", 401};
static const struct kona_code C_STALE = {"000_103", "Request time is out of the allowed range.",
					 401};
static const struct kona_code C_REPLAY = {"000_104", "Tran token was already used.", 401};
static const struct kona_code C_BAD_KEY = {"000_105", "Invalid crypto key id.", 401};
static const struct kona_code C_DECRYPT = {"000_106", "Data could not be decrypted.", 400};
static const struct kona_code C_SYSTEM = {"000_999", "System error. Try again.", 503};
static const struct kona_code C_USER_EXISTS = {"001_001", "User already exists.", 400};
static const struct kona_code C_BAD_USER = {"000_002", "Invalid input parameter. userId", 400};
static const struct kona_code C_ACC_FORMAT = {
    "002_001", "Bank account is length over limit or including not-number digit.", 400};
static const struct kona_code C_NO_RESPONSE = {"002_002", "No response name check api.", 400};
static const struct kona_code C_NAME = {"002_003", "Names are not matched.", 400};
static const struct kona_code C_BEFORE = {"002_004", "Bank is not valid to check account info.",
					  400};
static const struct kona_code C_USER_INFO = {"002_005", "User info not found.", 400};
static const struct kona_code C_BANK_INVALID = {"002_006", "Bank is not valid.", 400};
static const struct kona_code C_ACC_NOT_FOUND = {"002_007", "Bank account is not found.", 400};
static const struct kona_code C_ACC_STATUS = {"002_008", "Bank account's status is not valid.",
					      400};
static const struct kona_code C_NOT_VERIFIABLE = {
    "002_009", "Bank account is not valid for holder's name check.", 400};
static const struct kona_code C_DELAY = {"002_010", "System processing delay.", 400};
static const struct kona_code C_NOT_MEMBER = {"002_011", "Non-participating institution.", 400};
static const struct kona_code C_IN_PROGRESS = {
    "002_013", "Ars auth and bank account register is still in progress.", 400};
static const struct kona_code C_ARS_FAILED = {
    "002_014", "Bank account register failed due to ARS auth failed.", 400};
static const struct kona_code C_LIFETIME = {
    "002_015", "Bank account register failed due to lifetime account.", 400};
static const struct kona_code C_INVALID_ACCOUNT = {"002_016", "Invalid account.", 400};
static const struct kona_code C_NO_REG = {"002_019", "Not found ars bank account register error.",
					  400};
static const struct kona_code C_NOT_REGISTERED = {"007_001", "Bank account is not registered.",
						  400};
static const struct kona_code C_AUTO_EXISTS = {
    "007_002", "Bank account for auto recharge is already registered.", 400};

/* ---- parsers (kona.h) ---- */

static bool digits(const char *s, size_t n)
{
	return wp_all_digits(s, n);
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool valid_date(int y, int mo, int d)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(mo == 2 && d == 29 && !leap);
}

static bool valid_clock(int h, int mi, int s)
{
	return h < 24 && mi < 60 && s < 60;
}

bool kona_correlation_id_valid(const char *s)
{
	if (strlen(s) != KONA_CORRELATION_ID_LEN || s[12] != '-' || !digits(s, 12))
		return false;
	for (int i = 13; i < 20; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return valid_date(2000 + num(s, 2), num(s + 2, 2), num(s + 4, 2)) &&
	       valid_clock(num(s + 6, 2), num(s + 8, 2), num(s + 10, 2));
}

static int zone_offset_min(const char *zone)
{
	if (zone == NULL)
		return -1;
	if (strcmp(zone, "KST") == 0 || strcmp(zone, "JST") == 0)
		return 9 * 60;
	if (strcmp(zone, "UTC") == 0 || strcmp(zone, "GMT") == 0)
		return 0;
	return -1;
}

bool kona_parse_time(const char *d, size_t n, const char *zone, int64_t *ms)
{
	int off = zone_offset_min(zone);
	if ((n != 14 && n != 17) || !digits(d, n) || off < 0)
		return false;
	int y = num(d, 4), mo = num(d + 4, 2), day = num(d + 6, 2);
	int h = num(d + 8, 2), mi = num(d + 10, 2), s = num(d + 12, 2);
	if (y < 1970 || !valid_date(y, mo, day) || !valid_clock(h, mi, s))
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = day,
			.tm_hour = h, .tm_min = mi, .tm_sec = s};
	int64_t secs = (int64_t)timegm(&tm) - (int64_t)off * 60;
	*ms = secs * 1000 + (n == 17 ? num(d + 14, 3) : 0);
	return true;
}

enum kona_token_check kona_verify_tran_token(const char *token, const char *secret,
					     const void *body, size_t body_len, const char *zone,
					     int64_t now_ms, int64_t skew_ms, int64_t *token_ms)
{
	/* KMV1: + 17 digits + : + 44 base64 characters */
	size_t n = strlen(token);
	if (n != 5 + 17 + 1 + 44 || strncmp(token, "KMV1:", 5) != 0 || token[22] != ':')
		return KONA_TOKEN_MALFORMED;
	uint8_t given[40];
	size_t glen = 0;
	if (!kona_parse_time(token + 5, 17, zone, token_ms) ||
	    !wp_base64_decode(token + 23, 44, given, &glen) || glen != WP_SHA256_BYTES)
		return KONA_TOKEN_MALFORMED;
	uint8_t want[WP_SHA256_BYTES];
	wp_hmac_sha256(secret, strlen(secret), body, body_len, want);
	if (!wp_ct_equal(given, want, sizeof(want)))
		return KONA_TOKEN_BAD_SIGNATURE;
	int64_t d = *token_ms - now_ms;
	if (d > skew_ms || -d > skew_ms)
		return KONA_TOKEN_STALE;
	return KONA_TOKEN_OK;
}

/* ---- credentials ---- */

static wp_status random_from(const char *alphabet, char *out, size_t n)
{
	size_t a = strlen(alphabet);
	uint8_t r[64];
	if (n > sizeof(r) || wp_random_bytes(r, n) != WP_OK)
		return WP_E_INTERNAL;
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[r[i] % a]; /* 32 or 36 symbols: bias <= 1/7, names only */
	out[n] = '\0';
	return WP_OK;
}

wp_status kona_generate_credentials(struct kona_credentials *c)
{
	static const char up[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	memset(c, 0, sizeof(*c));
	memcpy(c->asp_id, "KONA", 4);
	wp_status st = random_from(up, c->asp_id + 4, KONA_ASP_ID_LEN - 4);
	if (st == WP_OK)
		st = wp_random_alnum(c->access_key, KONA_ACCESS_KEY_LEN);
	if (st == WP_OK)
		st = wp_random_alnum(c->secret_key, 40);
	if (st == WP_OK)
		st = random_from("abcdefghijklmnopqrstuvwxyz012345", c->crypto_key_id,
				 KONA_CRYPTO_KEY_ID_LEN);
	return st;
}

wp_status kona_provision(struct wp_tx *tx, const uint8_t *data_key, int64_t partner_id,
			 const struct kona_credentials *c, const char *server_private_pem,
			 const char *server_public_pem, const char *partner_public_pem,
			 int64_t now_ms)
{
	uint8_t digest[WP_SHA256_BYTES];
	char hex[2 * WP_SHA256_BYTES + 1];
	wp_sha256(c->access_key, strlen(c->access_key), digest);
	wp_hex(digest, sizeof(digest), hex);
	char *secret = wp_seal(data_key, "kona.secret", c->secret_key, strlen(c->secret_key));
	char *priv = wp_seal(data_key, "kona.server_private", server_private_pem,
			     strlen(server_private_pem));
	wp_status st = WP_E_NOMEM;
	json_t *p = json_object(), *k = json_object();
	char *pbody = NULL, *kbody = NULL;
	if (secret && priv && p && k) {
		json_object_set_new(p, "partner_id", json_integer(partner_id));
		json_object_set_new(p, "access_key_sha256", json_string(hex));
		json_object_set_new(p, "secret", json_string(secret));
		json_object_set_new(k, "server_private", json_string(priv));
		json_object_set_new(k, "server_public", json_string(server_public_pem));
		json_object_set_new(k, "partner_public", json_string(partner_public_pem));
		pbody = json_dumps(p, JSON_COMPACT);
		kbody = json_dumps(k, JSON_COMPACT);
	}
	if (pbody && kbody) {
		struct wp_doc d = {KIND_PARTNER, c->asp_id, c->asp_id, "", NULL, pbody, now_ms,
				   now_ms};
		st = tx->ops->doc_insert(tx, &d);
		if (st == WP_OK) {
			struct wp_doc kd = {KIND_KEY, c->crypto_key_id, c->asp_id, "", NULL, kbody,
					    now_ms, now_ms};
			st = tx->ops->doc_insert(tx, &kd);
		}
	}
	free(secret);
	free(priv);
	free(pbody);
	free(kbody);
	json_decref(p);
	json_decref(k);
	return st;
}

bool kona_partner_exists(struct wp_store *s, const char *asp_id)
{
	wp_arena a;
	wp_arena_init(&a, 1 << 16);
	struct wp_doc d;
	bool found = s->ops->doc_get(s, NULL, KIND_PARTNER, asp_id, &a, &d) == WP_OK;
	wp_arena_free(&a);
	return found;
}

static json_t *doc_body(const struct wp_doc *d)
{
	return json_loads(d->body, JSON_REJECT_DUPLICATES, NULL);
}

/* ---- parsed keys ---- */

#define KEY_CACHE_SLOTS 256

struct cached_key {
	char id[KONA_CRYPTO_KEY_ID_LEN + 1];
	char owner[KONA_ASP_ID_LEN + 1];
	EVP_PKEY *server_private;
	EVP_PKEY *partner_public;
};

struct kona_key_cache {
	pthread_mutex_t lock;
	struct cached_key slots[KEY_CACHE_SLOTS];
	size_t next; /* round-robin replacement when full */
};

struct kona_key_cache *kona_key_cache_new(void)
{
	struct kona_key_cache *c = calloc(1, sizeof(*c));
	if (c != NULL)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

void kona_key_cache_free(struct kona_key_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < KEY_CACHE_SLOTS; i++) {
		EVP_PKEY_free(c->slots[i].server_private);
		EVP_PKEY_free(c->slots[i].partner_public);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/*
 * The keys of crypto key id `id` owned by `asp`: new references (the caller
 * frees them), from the cache or loaded once from the store.
 */
static wp_status keys_for(struct wp_req *r, const char *id, const char *asp, EVP_PKEY **priv,
			  EVP_PKEY **pub)
{
	struct kona_key_cache *c = r->app->kona_keys;
	*priv = *pub = NULL;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < KEY_CACHE_SLOTS; i++) {
		struct cached_key *k = &c->slots[i];
		if (k->server_private != NULL && strcmp(k->id, id) == 0) {
			bool mine = strcmp(k->owner, asp) == 0;
			if (mine && EVP_PKEY_up_ref(k->server_private) == 1 &&
			    EVP_PKEY_up_ref(k->partner_public) == 1) {
				*priv = k->server_private;
				*pub = k->partner_public;
			}
			pthread_mutex_unlock(&c->lock);
			return mine && *priv ? WP_OK : WP_E_NOT_FOUND;
		}
	}
	pthread_mutex_unlock(&c->lock);
	struct wp_store *s = r->app->store;
	struct wp_doc kd;
	wp_status st = s->ops->doc_get(s, NULL, KIND_KEY, id, &r->arena, &kd);
	if (st != WP_OK)
		return st;
	if (strcmp(kd.owner, asp) != 0)
		return WP_E_NOT_FOUND; /* another partner's key id does not exist for you */
	json_t *kj = doc_body(&kd);
	char *priv_pem = wp_open(r->app->data_key, "kona.server_private",
				 json_string_value(json_object_get(kj, "server_private")) ?: "", NULL);
	*pub = wp_rsa_public_from_pem(json_string_value(json_object_get(kj, "partner_public")) ?: "");
	*priv = priv_pem ? wp_rsa_private_from_pem(priv_pem) : NULL;
	json_decref(kj);
	if (priv_pem != NULL) {
		OPENSSL_cleanse(priv_pem, strlen(priv_pem));
		free(priv_pem);
	}
	if (*priv == NULL || *pub == NULL) {
		EVP_PKEY_free(*priv);
		EVP_PKEY_free(*pub);
		*priv = *pub = NULL;
		return WP_E_INTERNAL;
	}
	pthread_mutex_lock(&c->lock);
	struct cached_key *k = &c->slots[c->next];
	c->next = (c->next + 1) % KEY_CACHE_SLOTS;
	EVP_PKEY_free(k->server_private);
	EVP_PKEY_free(k->partner_public);
	snprintf(k->id, sizeof(k->id), "%s", id);
	snprintf(k->owner, sizeof(k->owner), "%s", asp);
	k->server_private = *priv;
	k->partner_public = *pub;
	EVP_PKEY_up_ref(*priv); /* one reference for the cache, one for the caller */
	EVP_PKEY_up_ref(*pub);
	pthread_mutex_unlock(&c->lock);
	return WP_OK;
}

/* ---- the request pipeline ---- */

struct kona_ctx {
	const char *asp_id;
	const char *correlation_id;
	const char *crypto_key_id; /* NULL when not encrypted */
	char enc[8];               /* the request's JWE enc, mirrored in the answer */
	EVP_PKEY *partner_public;
	json_t *body;              /* the (decrypted) JSON object */
};

static void ctx_free(struct kona_ctx *k)
{
	EVP_PKEY_free(k->partner_public);
	json_decref(k->body);
	k->partner_public = NULL;
	k->body = NULL;
}

/*
 * The answer: data fields (may be NULL) plus the response object; encrypted
 * to the partner when the request was. Takes data's reference.
 */
static void kona_answer(struct wp_req *r, struct kona_ctx *k, const struct kona_code *c,
			const char *field, json_t *data)
{
	json_t *o = data ? data : json_object();
	json_t *resp = json_object();
	json_object_set_new(resp, "code", json_string(c->code));
	if (field != NULL) { /* "Missing required values. loginId" */
		char desc[160];
		snprintf(desc, sizeof(desc), "%s %s", c->description, field);
		json_object_set_new(resp, "description", json_string(desc));
	} else {
		json_object_set_new(resp, "description", json_string(c->description));
	}
	json_object_set_new(o, "response", resp);
	if (k != NULL && k->crypto_key_id != NULL && k->partner_public != NULL) {
		char *plain = json_dumps(o, JSON_COMPACT);
		char *jwe = plain ? wp_jwe_encrypt(k->partner_public, k->enc, (uint8_t *)plain,
						   strlen(plain))
				  : NULL;
		free(plain);
		json_decref(o);
		o = json_object();
		json_object_set_new(o, "encData", jwe ? json_string(jwe) : json_null());
		free(jwe);
	}
	wp_reply_json(r, c->http, o);
	if (k != NULL && k->correlation_id != NULL)
		wp_reply_header(r, "X-KM-Correlation-Id", k->correlation_id);
	if (k != NULL && k->crypto_key_id != NULL)
		wp_reply_header(r, "X-KM-Crypto-Key-Id", k->crypto_key_id);
	wp_reply_header(r, "Cache-Control", "no-store");
}

static void kona_fail(struct wp_req *r, struct kona_ctx *k, const struct kona_code *c,
		      const char *field)
{
	kona_answer(r, k, c, field, NULL);
}

static void kona_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	/* Errors from the server itself (404, 405, 413, framing): the same envelope. */
	struct kona_code c = {st == WP_E_NOT_FOUND	  ? "000_404"
			      : st == WP_E_METHOD	  ? "000_405"
			      : st == WP_E_TOO_LARGE	  ? "000_413"
			      : st == WP_E_UNAVAILABLE || st == WP_E_STORAGE ? "000_999"
								       : "000_002",
			      msg, wp_status_http(st)};
	struct kona_ctx k = {.correlation_id = wp_req_header(r, "X-KM-Correlation-Id")};
	if (k.correlation_id != NULL && !kona_correlation_id_valid(k.correlation_id))
		k.correlation_id = NULL;
	kona_answer(r, &k, &c, NULL, NULL);
}

/* A required header of exactly `len` characters (0: any); false after replying. */
static const char *header_or_fail(struct wp_req *r, struct kona_ctx *k, const char *name,
				  size_t len)
{
	const char *v = wp_req_header(r, name);
	if (v == NULL || v[0] == '\0') {
		kona_fail(r, k, &C_MISSING, name);
		return NULL;
	}
	if (len > 0 && strlen(v) != len) {
		kona_fail(r, k, &C_LENGTH, name);
		return NULL;
	}
	return v;
}

/* Runs the common checks; on false an answer has been sent (k is freed by kona_begin). */
static bool kona_begin_checks(struct wp_req *r, struct kona_ctx *k)
{
	memset(k, 0, sizeof(*k));
	const char *cid = wp_req_header(r, "X-KM-Correlation-Id");
	if (cid != NULL && kona_correlation_id_valid(cid))
		k->correlation_id = cid; /* echoed even on errors, once it is well-formed */
	/* 1. Formats, before any lookup. */
	const char *asp = header_or_fail(r, k, "X-KM-User-AspId", KONA_ASP_ID_LEN);
	if (asp == NULL ||
	    header_or_fail(r, k, "X-KM-Correlation-Id", KONA_CORRELATION_ID_LEN) == NULL)
		return false;
	if (k->correlation_id == NULL) {
		kona_fail(r, k, &C_INVALID, "X-KM-Correlation-Id");
		return false;
	}
	const char *access = header_or_fail(r, k, "X-KM-Access-Key", KONA_ACCESS_KEY_LEN);
	const char *token = access ? header_or_fail(r, k, "X-KM-Tran-Token", 0) : NULL;
	const char *ttime = token ? header_or_fail(r, k, "X-KM-Tran-Time", 14) : NULL;
	const char *zone = ttime ? header_or_fail(r, k, "X-KM-Time-Zone", 3) : NULL;
	if (zone == NULL)
		return false;
	int64_t tran_ms;
	if (zone_offset_min(zone) < 0) {
		kona_fail(r, k, &C_INVALID, "X-KM-Time-Zone");
		return false;
	}
	if (!kona_parse_time(ttime, 14, zone, &tran_ms)) {
		kona_fail(r, k, &C_INVALID, "X-KM-Tran-Time");
		return false;
	}
	const char *key_id = wp_req_header(r, "X-KM-Crypto-Key-Id");
	if (key_id != NULL && strlen(key_id) != KONA_CRYPTO_KEY_ID_LEN) {
		kona_fail(r, k, &C_LENGTH, "X-KM-Crypto-Key-Id");
		return false;
	}
	/* 2. Credentials. */
	struct wp_store *s = r->app->store;
	struct wp_doc pd;
	wp_status st = s->ops->doc_get(s, NULL, KIND_PARTNER, asp, &r->arena, &pd);
	json_t *p = st == WP_OK ? doc_body(&pd) : NULL;
	uint8_t digest[WP_SHA256_BYTES], stored[WP_SHA256_BYTES];
	size_t sl = 0;
	const char *hex = json_string_value(json_object_get(p, "access_key_sha256"));
	wp_sha256(access, strlen(access), digest);
	bool ok = hex != NULL && strlen(hex) == 64;
	for (size_t i = 0; ok && i < 32; i++) {
		unsigned v;
		ok = sscanf(hex + 2 * i, "%2x", &v) == 1;
		stored[i] = (uint8_t)v;
		sl++;
	}
	if (st != WP_OK && st != WP_E_NOT_FOUND) {
		json_decref(p);
		kona_fail(r, k, &C_SYSTEM, NULL);
		return false;
	}
	if (!ok || sl != 32 || !wp_ct_equal(digest, stored, 32)) {
		json_decref(p);
		kona_fail(r, k, &C_BAD_ACCESS, NULL);
		return false;
	}
	char *secret = wp_open(r->app->data_key, "kona.secret",
			       json_string_value(json_object_get(p, "secret")) ?: "", NULL);
	json_decref(p);
	if (secret == NULL) {
		kona_fail(r, k, &C_SYSTEM, NULL);
		return false;
	}
	/* 3. Tran token over the body exactly as sent. */
	int64_t now = wp_clock_now_ms(&r->app->clock), token_ms = 0;
	enum kona_token_check tc = kona_verify_tran_token(
	    token, secret, r->body, r->body_len, zone, now, WP_KONA_CLOCK_SKEW_MS, &token_ms);
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
	if (tc == KONA_TOKEN_MALFORMED) {
		kona_fail(r, k, &C_INVALID, "X-KM-Tran-Token");
		return false;
	}
	if (tc == KONA_TOKEN_BAD_SIGNATURE) {
		kona_fail(r, k, &C_BAD_TOKEN, NULL);
		return false;
	}
	int64_t d = tran_ms - now;
	if (tc == KONA_TOKEN_STALE || d > WP_KONA_CLOCK_SKEW_MS || -d > WP_KONA_CLOCK_SKEW_MS) {
		kona_fail(r, k, &C_STALE, NULL);
		return false;
	}
	char replay_key[KONA_ASP_ID_LEN + 80];
	snprintf(replay_key, sizeof(replay_key), "%s|%s", asp, token);
	if (!wp_replay_first_use(r->app->replay, replay_key, strlen(replay_key), now,
				 token_ms + WP_KONA_CLOCK_SKEW_MS + 1000)) {
		kona_fail(r, k, &C_REPLAY, NULL);
		return false;
	}
	k->asp_id = asp;
	/* 4. The body: JSON, and encData when a crypto key is named. */
	char err[256];
	json_t *body = NULL;
	if (wp_json_body(r->body, r->body_len, &body, err, sizeof(err)) != WP_OK) {
		struct kona_code c = {"000_002", err, 400};
		kona_fail(r, k, &c, NULL);
		return false;
	}
	if (key_id == NULL) {
		k->body = body;
		return true;
	}
	EVP_PKEY *priv = NULL;
	st = keys_for(r, key_id, asp, &priv, &k->partner_public);
	if (st != WP_OK) {
		json_decref(body);
		kona_fail(r, k, st == WP_E_NOT_FOUND ? &C_BAD_KEY : &C_SYSTEM, NULL);
		return false;
	}
	k->crypto_key_id = key_id;
	json_t *enc = json_object_get(body, "encData");
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	snprintf(k->enc, sizeof(k->enc), "A256GCM");
	if (!json_is_string(enc)) {
		EVP_PKEY_free(priv);
		bool present = enc != NULL && !json_is_null(enc);
		json_decref(body);
		kona_fail(r, k, present ? &C_INVALID : &C_MISSING, "encData");
		return false;
	}
	st = wp_jwe_decrypt(priv, json_string_value(enc), json_string_length(enc), &plain,
			    &plain_len, err, sizeof(err));
	EVP_PKEY_free(priv);
	/* Answer with the content encryption the partner used. */
	const char *dot = strchr(json_string_value(enc), '.');
	if (dot != NULL) {
		uint8_t h[128];
		size_t hl = 0;
		size_t len = (size_t)(dot - json_string_value(enc));
		if (len < 160 && wp_base64url_decode(json_string_value(enc), len, h, &hl) &&
		    memmem(h, hl, "A128GCM", 7) != NULL)
			snprintf(k->enc, sizeof(k->enc), "A128GCM");
	}
	json_decref(body);
	if (st != WP_OK) {
		struct kona_code c = {C_DECRYPT.code, err, 400};
		kona_fail(r, k, &c, NULL);
		return false;
	}
	st = wp_json_body((const char *)plain, plain_len, &k->body, err, sizeof(err));
	free(plain);
	if (st != WP_OK) {
		struct kona_code c = {"000_002", err, 400};
		kona_fail(r, k, &c, NULL);
		return false;
	}
	return true;
}

static bool kona_begin(struct wp_req *r, struct kona_ctx *k)
{
	if (kona_begin_checks(r, k))
		return true;
	ctx_free(k); /* the error answer is out; keys loaded on the way are released */
	return false;
}

/* ---- fields ---- */

/* A required (or optional: NULL when absent) string of min..max characters. */
static bool str_field(struct wp_req *r, struct kona_ctx *k, const char *name, size_t min,
		      size_t max, bool required, const char **out)
{
	json_t *v = json_object_get(k->body, name);
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return true;
		kona_fail(r, k, &C_MISSING, name);
		return false;
	}
	if (!json_is_string(v) || wp_has_control(json_string_value(v), json_string_length(v))) {
		kona_fail(r, k, &C_INVALID, name);
		return false;
	}
	size_t chars = wp_utf8_chars(json_string_value(v), json_string_length(v));
	if (chars == 0 && required) {
		kona_fail(r, k, &C_INVALID, name);
		return false;
	}
	if (chars < min || chars > max) {
		kona_fail(r, k, &C_LENGTH, name);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

static bool user_id_field(struct wp_req *r, struct kona_ctx *k, int64_t *id)
{
	json_t *v = json_object_get(k->body, "userId");
	if (v == NULL || json_is_null(v)) {
		kona_fail(r, k, &C_MISSING, "userId");
		return false;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		kona_fail(r, k, &C_INVALID, "userId");
		return false;
	}
	*id = json_integer_value(v);
	return true;
}

/* yyyyMMdd, or yyMMdd (the holder-verification page says both). */
static bool birth_date_ok(const char *b, bool allow_short)
{
	size_t n = strlen(b);
	if (!digits(b, n))
		return false;
	if (n == 8)
		return num(b, 4) >= 1900 && valid_date(num(b, 4), num(b + 4, 2), num(b + 6, 2));
	return allow_short && n == 6 && valid_date(2000, num(b + 2, 2), num(b + 4, 2));
}

static char *seal(struct wp_req *r, const char *aad, const char *v)
{
	return v ? wp_seal(r->app->data_key, aad, v, strlen(v)) : NULL;
}

static char *open_field(struct wp_req *r, json_t *body, const char *name, const char *aad)
{
	const char *sealed = json_string_value(json_object_get(body, name));
	return sealed ? wp_open(r->app->data_key, aad, sealed, NULL) : NULL;
}

/* The member, if it exists and belongs to this partner; body is a new reference. */
static json_t *member_of(struct wp_req *r, struct kona_ctx *k, int64_t user_id, wp_status *st)
{
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)user_id);
	struct wp_doc d;
	*st = r->app->store->ops->doc_get(r->app->store, NULL, KIND_MEMBER, id, &r->arena, &d);
	if (*st != WP_OK)
		return NULL;
	if (strcmp(d.owner, k->asp_id) != 0) {
		*st = WP_E_NOT_FOUND; /* another partner's member does not exist for you */
		return NULL;
	}
	return doc_body(&d);
}

/* member_of, answering 000_002 userId / 000_999 itself; NULL after replying. */
static json_t *member_or_fail(struct wp_req *r, struct kona_ctx *k, int64_t user_id)
{
	wp_status st;
	json_t *m = member_of(r, k, user_id, &st);
	if (m == NULL)
		kona_fail(r, k, st == WP_E_NOT_FOUND ? &C_BAD_USER : &C_SYSTEM, NULL);
	return m;
}

/* ---- writes go through the commit queue as one generic command ---- */

enum doc_op { DOC_INSERT_MEMBER, DOC_PUT };

struct doc_cmd {
	struct wp_cmd base;
	struct kona_ctx k; /* the request's context, freed in finish */
	enum doc_op op;
	struct wp_doc doc;
	char id_buf[32];
	bool insert; /* DOC_PUT: insert (else update) */
	/* extra checks inside the writer, for races two requests could otherwise win */
	const char *must_not_exist_kind, *must_not_exist_uniq;
	json_t *reply; /* the data to answer with on success */
	const struct kona_code *conflict_code;
	const char *regno_for_ars; /* set when an ARS call must be scheduled after commit */
	bool refuse_if_busy;       /* a new registration: none of the member's may be running */
	enum reg_change { REG_NONE, REG_AUTO_RECHARGE, REG_DELETE } change;
};

static bool is_status(json_t *reg, const char *status);
static void collect_reg(void *ctx, const struct wp_doc *d);
struct regs {
	struct wp_req *r;
	json_t *list; /* array of registration bodies, with "_id" and "_created" added */
};

static wp_status apply_doc(struct wp_tx *tx, struct wp_cmd *c)
{
	struct doc_cmd *cmd = (struct doc_cmd *)c;
	if (cmd->op == DOC_INSERT_MEMBER) {
		wp_arena a;
		wp_arena_init(&a, 1 << 16);
		struct wp_doc existing;
		wp_status st = tx->ops->doc_by_uniq(NULL, tx, KIND_MEMBER, cmd->doc.uniq, &a,
						    &existing);
		wp_arena_free(&a);
		if (st == WP_OK)
			return WP_E_CONFLICT;
		if (st != WP_E_NOT_FOUND)
			return st;
		for (int i = 0; i < 8; i++) {
			uint64_t v;
			if (wp_random_bytes(&v, sizeof(v)) != WP_OK)
				return WP_E_INTERNAL;
			/* userId: ten digits, never starting with 0 */
			snprintf(cmd->id_buf, sizeof(cmd->id_buf), "%llu",
				 (unsigned long long)(1000000000ull + v % 9000000000ull));
			cmd->doc.id = cmd->id_buf;
			st = tx->ops->doc_insert(tx, &cmd->doc);
			if (st != WP_E_CONFLICT)
				return st;
		}
		return WP_E_UNAVAILABLE;
	}
	if (cmd->change != REG_NONE) {
		/*
		 * Read, check and change the registration here, in the writer: a
		 * concurrent delete and auto-recharge cannot undo each other.
		 */
		wp_arena a;
		wp_arena_init(&a, 1 << 16);
		struct wp_doc cur;
		wp_status st = tx->ops->doc_get(NULL, tx, cmd->doc.kind, cmd->doc.id, &a, &cur);
		json_t *b = st == WP_OK ? doc_body(&cur) : NULL;
		wp_arena_free(&a);
		if (b == NULL)
			return st == WP_OK || st == WP_E_NOT_FOUND ? WP_E_NOT_FOUND : st;
		bool live = is_status(b, "BANK_ACC_REGISTERED");
		bool auto_on = json_is_true(json_object_get(b, "autoRecharge"));
		if (!live || (cmd->change == REG_AUTO_RECHARGE && auto_on)) {
			json_decref(b);
			cmd->conflict_code = live ? &C_AUTO_EXISTS : &C_NOT_REGISTERED;
			return WP_E_CONFLICT;
		}
		if (cmd->change == REG_AUTO_RECHARGE) {
			json_object_set_new(b, "autoRecharge", json_true());
		} else {
			json_object_set_new(b, "deleted", json_true());
			json_object_set_new(b, "autoRecharge", json_false());
		}
		char *text = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		struct wp_doc d = cmd->doc;
		d.body = text;
		st = text ? tx->ops->doc_update(tx, &d) : WP_E_NOMEM;
		free(text);
		return st;
	}
	if (cmd->refuse_if_busy) {
		/* Checked again here, in the writer: two registers at once cannot both start. */
		struct regs g = {NULL, json_array()};
		wp_status st = tx->ops->doc_find(NULL, tx, cmd->doc.kind, cmd->doc.owner,
						 cmd->doc.ref, 50, collect_reg, &g);
		size_t i;
		json_t *reg;
		bool busy = false;
		json_array_foreach(g.list, i, reg) busy |= is_status(reg, "ARS_AUTH_IN_PROGRESS") ||
							   is_status(reg, "ARS_AUTH_DONE");
		json_decref(g.list);
		if (st != WP_OK)
			return st;
		if (busy)
			return WP_E_CONFLICT;
	}
	return cmd->insert ? tx->ops->doc_insert(tx, &cmd->doc) : tx->ops->doc_update(tx, &cmd->doc);
}

/* The simulated ARS call: the member answers, then the bank registers. */
enum ars_step { ARS_ANSWER, ARS_REGISTER };
static void schedule_ars(struct wp_app *app, const char *regno, enum ars_step step,
			 uint32_t delay_ms);

static void finish_doc(struct wp_req *r, struct wp_cmd *c)
{
	struct doc_cmd *cmd = (struct doc_cmd *)c;
	if (c->status == WP_OK) {
		if (cmd->op == DOC_INSERT_MEMBER)
			json_object_set_new(cmd->reply, "userId",
					    json_integer(strtoll(cmd->id_buf, NULL, 10)));
		if (cmd->regno_for_ars != NULL)
			schedule_ars(r->app, cmd->regno_for_ars, ARS_ANSWER, r->app->cfg->ars_delay_ms);
		kona_answer(r, &cmd->k, &C_OK, NULL, cmd->reply);
	} else {
		json_decref(cmd->reply);
		const struct kona_code *code = &C_SYSTEM;
		if (c->status == WP_E_CONFLICT && cmd->conflict_code)
			code = cmd->conflict_code;
		else if (c->status == WP_E_NOT_FOUND && cmd->change != REG_NONE)
			code = &C_NOT_REGISTERED;
		kona_fail(r, &cmd->k, code, NULL);
	}
	ctx_free(&cmd->k);
}

static struct doc_cmd *doc_cmd_new(struct wp_req *r, struct kona_ctx *k, const char *kind,
				   const char *id, const char *ref, const char *uniq,
				   json_t *body, bool insert)
{
	struct doc_cmd *cmd = wp_arena_alloc(&r->arena, sizeof(*cmd));
	char *text = json_dumps(body, JSON_COMPACT);
	char *copy = text ? wp_arena_strndup(&r->arena, text, strlen(text)) : NULL;
	free(text);
	if (cmd == NULL || copy == NULL)
		return NULL;
	memset(cmd, 0, sizeof(*cmd));
	int64_t now = wp_clock_now_ms(&r->app->clock);
	cmd->base.apply = apply_doc;
	cmd->k = *k;
	memset(k, 0, sizeof(*k)); /* the command owns the context now */
	cmd->op = DOC_PUT;
	cmd->insert = insert;
	cmd->doc = (struct wp_doc){kind, id, cmd->k.asp_id, ref ? ref : "", uniq, copy, now, now};
	return cmd;
}

/* ---- members ---- */

static void user_registration(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	const char *ci, *login, *password, *birth, *nationality, *gender, *name, *mobile, *email;
	bool ok = str_field(r, &k, "ci", 88, 88, false, &ci) &&
		  str_field(r, &k, "loginId", 1, 80, true, &login) &&
		  str_field(r, &k, "loginPassword", 6, 6, true, &password) &&
		  str_field(r, &k, "birthDate", 8, 8, true, &birth) &&
		  str_field(r, &k, "nationality", 6, 9, true, &nationality) &&
		  str_field(r, &k, "gender", 4, 6, true, &gender) &&
		  str_field(r, &k, "userName", 1, 100, true, &name) &&
		  str_field(r, &k, "mobileNumber", 10, 20, false, &mobile) &&
		  str_field(r, &k, "email", 1, 50, false, &email);
	const char *bad = NULL;
	if (ok && !digits(password, 6))
		bad = "loginPassword";
	else if (ok && !birth_date_ok(birth, false))
		bad = "birthDate";
	else if (ok && strcmp(nationality, "Korean") != 0 && strcmp(nationality, "Foreigner") != 0)
		bad = "nationality";
	else if (ok && strcmp(gender, "Male") != 0 && strcmp(gender, "Female") != 0)
		bad = "gender";
	else if (ok && mobile != NULL && !digits(mobile, strlen(mobile)))
		bad = "mobileNumber";
	else if (ok && email != NULL && !wp_auth_email_valid(email))
		bad = "email";
	if (ok && bad != NULL) {
		kona_fail(r, &k, &C_INVALID, bad);
		ok = false;
	}
	if (!ok) {
		ctx_free(&k);
		return;
	}
	/* Personal data sealed; the login id found again through a keyed hash. */
	char login_hash[65], pw_hash[65], uniq[KONA_ASP_ID_LEN + 70];
	char pw_input[200];
	wp_lookup_hash(r->app->data_key, "kona.login", login, login_hash);
	snprintf(pw_input, sizeof(pw_input), "%s|%.80s|%s", k.asp_id, login, password);
	wp_lookup_hash(r->app->data_key, "kona.password", pw_input, pw_hash);
	OPENSSL_cleanse(pw_input, sizeof(pw_input));
	snprintf(uniq, sizeof(uniq), "%s:%s", k.asp_id, login_hash);
	json_t *m = json_object();
	char *sl = seal(r, "kona.loginId", login), *sn = seal(r, "kona.userName", name),
	     *sb = seal(r, "kona.birthDate", birth), *sm = seal(r, "kona.mobileNumber", mobile),
	     *se = seal(r, "kona.email", email), *sc = seal(r, "kona.ci", ci);
	json_object_set_new(m, "loginId", json_string(sl ? sl : ""));
	json_object_set_new(m, "password", json_string(pw_hash));
	json_object_set_new(m, "userName", json_string(sn ? sn : ""));
	json_object_set_new(m, "birthDate", json_string(sb ? sb : ""));
	json_object_set_new(m, "nationality", json_string(nationality));
	json_object_set_new(m, "gender", json_string(gender));
	if (sm)
		json_object_set_new(m, "mobileNumber", json_string(sm));
	if (se)
		json_object_set_new(m, "email", json_string(se));
	if (sc)
		json_object_set_new(m, "ci", json_string(sc));
	bool sealed = sl && sn && sb && (!mobile || sm) && (!email || se) && (!ci || sc);
	free(sl);
	free(sn);
	free(sb);
	free(sm);
	free(se);
	free(sc);
	char *uniq_copy = wp_arena_strndup(&r->arena, uniq, strlen(uniq));
	struct doc_cmd *cmd = sealed && uniq_copy
				  ? doc_cmd_new(r, &k, KIND_MEMBER, "", "", uniq_copy, m, true)
				  : NULL;
	json_decref(m);
	if (cmd == NULL) {
		kona_fail(r, &k, &C_SYSTEM, NULL);
		ctx_free(&k);
		return;
	}
	cmd->op = DOC_INSERT_MEMBER;
	cmd->reply = json_object();
	cmd->conflict_code = &C_USER_EXISTS;
	wp_req_commit(r, &cmd->base, finish_doc);
}

static void user_info(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	int64_t user_id;
	json_t *m = user_id_field(r, &k, &user_id) ? member_or_fail(r, &k, user_id) : NULL;
	if (m == NULL) {
		ctx_free(&k);
		return;
	}
	json_t *info = json_object();
	json_object_set_new(info, "aspId", json_string(k.asp_id));
	json_object_set_new(info, "userId", json_integer(user_id));
	static const char *const sealed[][2] = {
	    {"birthDate", "kona.birthDate"}, {"ci", "kona.ci"},
	    {"loginId", "kona.loginId"},     {"mobileNumber", "kona.mobileNumber"},
	    {"userName", "kona.userName"},   {"email", "kona.email"},
	};
	for (size_t i = 0; i < sizeof(sealed) / sizeof(sealed[0]); i++) {
		char *v = open_field(r, m, sealed[i][0], sealed[i][1]);
		if (v != NULL)
			json_object_set_new(info, sealed[i][0], json_string(v));
		free(v);
		if (i == 2) {
			json_object_set(info, "nationality", json_object_get(m, "nationality"));
			json_object_set(info, "gender", json_object_get(m, "gender"));
		}
	}
	json_object_set_new(info, "joinChannel", json_string("OPENAPI"));
	json_decref(m);
	json_t *data = json_object();
	json_object_set_new(data, "userInfo", info);
	kona_answer(r, &k, &C_OK, NULL, data);
	ctx_free(&k);
}

/* ---- bank accounts ---- */

static const struct kona_code *holder_code(int outcome)
{
	switch (outcome) {
	case WP_BANK_OK:
		return &C_OK;
	case WP_BANK_UNREACHABLE:
	case WP_BANK_FAILED:
		return &C_NO_RESPONSE;
	case WP_BANK_HOLDER_MISMATCH:
		return &C_NAME;
	case WP_BANK_BEFORE_HOURS:
		return &C_BEFORE;
	case WP_BANK_IDENTITY_MISMATCH:
		return &C_USER_INFO;
	case WP_BANK_MAINTENANCE:
		return &C_BANK_INVALID;
	case WP_BANK_ACCOUNT_NOT_FOUND:
		return &C_ACC_NOT_FOUND;
	case WP_BANK_ACCOUNT_DORMANT:
	case WP_BANK_ACCOUNT_SUSPENDED:
	case WP_BANK_ACCOUNT_CLOSED:
	case WP_BANK_ACCOUNT_ACCIDENT:
		return &C_ACC_STATUS;
	case WP_BANK_NOT_VERIFIABLE:
		return &C_NOT_VERIFIABLE;
	case WP_BANK_TIMEOUT:
		return &C_DELAY;
	case WP_BANK_NOT_PARTICIPATING:
		return &C_NOT_MEMBER;
	default:
		return &C_NO_RESPONSE;
	}
}

struct account_input {
	int64_t user_id;
	const char *name, *birth, *bank_code, *account;
};

/* userId, userName, birthDate, bankCode, bankAccount; false after replying. */
static bool account_fields(struct wp_req *r, struct kona_ctx *k, struct account_input *in)
{
	if (!user_id_field(r, k, &in->user_id) ||
	    !str_field(r, k, "userName", 1, 100, true, &in->name) ||
	    !str_field(r, k, "birthDate", 6, 8, true, &in->birth) ||
	    !str_field(r, k, "bankCode", 3, 3, true, &in->bank_code))
		return false;
	if (!birth_date_ok(in->birth, true)) {
		kona_fail(r, k, &C_INVALID, "birthDate");
		return false;
	}
	if (!digits(in->bank_code, 3)) {
		kona_fail(r, k, &C_INVALID, "bankCode");
		return false;
	}
	json_t *acc = json_object_get(k->body, "bankAccount");
	if (acc == NULL || json_is_null(acc)) {
		kona_fail(r, k, &C_MISSING, "bankAccount");
		return false;
	}
	in->account = json_string_value(acc);
	size_t n = in->account ? strlen(in->account) : 0;
	if (in->account == NULL || n < 1 || n > 20 || !digits(in->account, n)) {
		kona_fail(r, k, &C_ACC_FORMAT, NULL);
		return false;
	}
	if (wp_bank_by_code(in->bank_code) == NULL) {
		kona_fail(r, k, &C_INVALID, "bankCode");
		return false;
	}
	return true;
}

/* The member exists here and is the person named; false after replying. */
static bool member_named(struct wp_req *r, struct kona_ctx *k, const struct account_input *in)
{
	json_t *m = member_or_fail(r, k, in->user_id);
	if (m == NULL)
		return false;
	char *name = open_field(r, m, "userName", "kona.userName");
	json_decref(m);
	bool same = name != NULL && strcmp(name, in->name) == 0;
	free(name);
	if (!same)
		kona_fail(r, k, &C_NAME, NULL);
	return same;
}

struct delayed_answer {
	struct wp_req *r;
	struct kona_ctx k;
	const struct kona_code *code;
	json_t *data;
};

static void answer_later(void *ctx)
{
	struct delayed_answer *d = ctx;
	kona_answer(d->r, &d->k, d->code, NULL, d->data);
	ctx_free(&d->k);
	wp_req_resume(d->r);
}

/* Answers now, or after the bank's latency without holding a worker. */
static void answer_after(struct wp_req *r, struct kona_ctx *k, const struct kona_code *code,
			 json_t *data, uint32_t latency_ms)
{
	struct delayed_answer *d = latency_ms ? wp_arena_alloc(&r->arena, sizeof(*d)) : NULL;
	if (d != NULL) {
		*d = (struct delayed_answer){r, *k, code, data};
		memset(k, 0, sizeof(*k));
		wp_req_suspend(r);
		if (wp_timer_after(r->app->timer, latency_ms, answer_later, d) == WP_OK)
			return;
		*k = d->k; /* the timer is full: answer now */
		wp_req_resume(r);
	}
	kona_answer(r, k, code, NULL, data);
	ctx_free(k);
}

static void user_valid(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	struct account_input in;
	if (!account_fields(r, &k, &in) || !member_named(r, &k, &in)) {
		ctx_free(&k);
		return;
	}
	struct wp_bank_identity who = {in.name, in.birth, NULL};
	struct wp_bank_answer a;
	r->app->bank->ops->verify_holder(r->app->bank, in.bank_code, in.account, &who, &a);
	answer_after(r, &k, holder_code(a.outcome), NULL, a.latency_ms);
}

/* Registrations of a member, newest first. */
static void collect_reg(void *ctx, const struct wp_doc *d)
{
	struct regs *g = ctx;
	json_t *b = doc_body(d);
	if (b == NULL)
		return;
	json_object_set_new(b, "_id", json_string(d->id));
	json_object_set_new(b, "_created", json_integer(d->created_ms));
	json_array_append_new(g->list, b);
}

static json_t *registrations(struct wp_req *r, struct wp_tx *tx, const char *asp,
			     int64_t user_id, wp_status *st)
{
	char ref[24];
	snprintf(ref, sizeof(ref), "%lld", (long long)user_id);
	struct regs g = {r, json_array()};
	*st = r->app->store->ops->doc_find(r->app->store, tx, KIND_BANKACC, asp, ref, 50,
					   collect_reg, &g);
	return g.list;
}

static bool is_status(json_t *reg, const char *status)
{
	const char *s = json_string_value(json_object_get(reg, "status"));
	return s != NULL && strcmp(s, status) == 0 && !json_is_true(json_object_get(reg, "deleted"));
}

/* The member's registered account (a borrowed reference into list), or NULL. */
static json_t *registered(json_t *list)
{
	size_t i;
	json_t *reg;
	json_array_foreach(list, i, reg) if (is_status(reg, "BANK_ACC_REGISTERED")) return reg;
	return NULL;
}

/* Replace the doc, or create it. */
static wp_status apply_upsert(struct wp_tx *tx, struct wp_cmd *c)
{
	struct doc_cmd *cmd = (struct doc_cmd *)c;
	wp_status st = tx->ops->doc_update(tx, &cmd->doc);
	return st == WP_E_NOT_FOUND ? tx->ops->doc_insert(tx, &cmd->doc) : st;
}

static void ars_auth(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	int64_t user_id;
	json_t *m = user_id_field(r, &k, &user_id) ? member_or_fail(r, &k, user_id) : NULL;
	if (m == NULL) {
		ctx_free(&k);
		return;
	}
	json_decref(m);
	uint8_t rnd;
	char number[4];
	if (wp_random_bytes(&rnd, 1) != WP_OK) {
		kona_fail(r, &k, &C_SYSTEM, NULL);
		ctx_free(&k);
		return;
	}
	snprintf(number, sizeof(number), "%02d", 10 + rnd % 90);
	char *id = wp_arena_printf(&r->arena, "%s:%lld", k.asp_id, (long long)user_id);
	json_t *body = json_object();
	json_object_set_new(body, "authNumber", json_string(number));
	struct doc_cmd *cmd = id ? doc_cmd_new(r, &k, KIND_ARS, id, "", NULL, body, false) : NULL;
	json_decref(body);
	if (cmd == NULL) {
		kona_fail(r, &k, &C_SYSTEM, NULL);
		ctx_free(&k);
		return;
	}
	cmd->base.apply = apply_upsert;
	cmd->reply = json_object();
	json_object_set_new(cmd->reply, "authNumber", json_string(number));
	wp_req_commit(r, &cmd->base, finish_doc);
}


/*
 * ARS registration. The phone call is simulated: after --ars-delay-ms the
 * member presses the number shown to them (POST /sandbox/kona/ars/{regNo}/
 * answer lets a test press something else first). Then the account is
 * registered for withdrawals, or fails as the bank account's state says.
 */
static void ars_register(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	struct account_input in;
	if (!account_fields(r, &k, &in) || !member_named(r, &k, &in)) {
		ctx_free(&k);
		return;
	}
	struct wp_store *s = r->app->store;
	wp_status st;
	json_t *list = registrations(r, NULL, k.asp_id, in.user_id, &st);
	size_t i;
	json_t *reg;
	bool busy = false;
	json_array_foreach(list, i, reg) busy |= is_status(reg, "ARS_AUTH_IN_PROGRESS") ||
						 is_status(reg, "ARS_AUTH_DONE");
	json_decref(list);
	char ars_id[KONA_ASP_ID_LEN + 24];
	snprintf(ars_id, sizeof(ars_id), "%s:%lld", k.asp_id, (long long)in.user_id);
	struct wp_doc ad;
	wp_status ast = st == WP_OK ? s->ops->doc_get(s, NULL, KIND_ARS, ars_id, &r->arena, &ad) : st;
	json_t *auth = ast == WP_OK ? doc_body(&ad) : NULL;
	const char *number = json_string_value(json_object_get(auth, "authNumber"));
	if (st != WP_OK || (ast != WP_OK && ast != WP_E_NOT_FOUND)) {
		json_decref(auth);
		kona_fail(r, &k, &C_SYSTEM, NULL);
		ctx_free(&k);
		return;
	}
	if (busy) {
		json_decref(auth);
		kona_fail(r, &k, &C_IN_PROGRESS, NULL);
		ctx_free(&k);
		return;
	}
	if (number == NULL) {
		/* Inferred: the number must come from bankaccounts/ars/auth first. */
		static const struct kona_code no_auth = {
		    "002_012", "ARS auth number was not issued. Call bankaccounts/ars/auth first.",
		    400};
		json_decref(auth);
		kona_fail(r, &k, &no_auth, NULL);
		ctx_free(&k);
		return;
	}
	/* The holder check first: a mismatch is answered now, a bad account state later. */
	struct wp_bank_identity who = {in.name, in.birth, NULL};
	struct wp_bank_answer a;
	r->app->bank->ops->verify_holder(r->app->bank, in.bank_code, in.account, &who, &a);
	int o = a.outcome;
	bool later = o == WP_BANK_OK || o == WP_BANK_ACCOUNT_DORMANT ||
		     o == WP_BANK_ACCOUNT_SUSPENDED || o == WP_BANK_ACCOUNT_CLOSED ||
		     o == WP_BANK_ACCOUNT_ACCIDENT || o == WP_BANK_NOT_VERIFIABLE;
	if (!later) {
		json_decref(auth);
		answer_after(r, &k, holder_code(o), NULL, a.latency_ms);
		return;
	}
	/* bankAccRegNo: 22 characters, "R" + yyyyMMddHHmmss + 7 random digits */
	char regno[32], stamp[16], acct_hash[65];
	time_t t = (time_t)(wp_clock_now_ms(&r->app->clock) / 1000 + 9 * 3600);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	uint32_t rnd = 0;
	wp_random_bytes(&rnd, sizeof(rnd));
	snprintf(regno, sizeof(regno), "R%s%07u", stamp, rnd % 10000000u);
	wp_lookup_hash(r->app->data_key, "kona.bankAccount", in.account, acct_hash);
	char *sa = seal(r, "kona.bankAccount", in.account), *sh = seal(r, "kona.holder", in.name);
	json_t *body = json_object();
	json_object_set_new(body, "status", json_string("ARS_AUTH_IN_PROGRESS"));
	json_object_set_new(body, "code", json_string("000_000"));
	json_object_set_new(body, "bankCode", json_string(in.bank_code));
	json_object_set_new(body, "bankAccount", json_string(sa ? sa : ""));
	json_object_set_new(body, "bankAccountHash", json_string(acct_hash));
	json_object_set_new(body, "holder", json_string(sh ? sh : ""));
	json_object_set_new(body, "authNumber", json_string(number));
	json_object_set_new(body, "bankOutcome", json_integer(o));
	json_object_set_new(body, "autoRecharge", json_false());
	json_object_set_new(body, "accountId", json_string(regno + 17));
	json_decref(auth);
	bool sealed = sa && sh;
	free(sa);
	free(sh);
	char ref[24];
	snprintf(ref, sizeof(ref), "%lld", (long long)in.user_id);
	char *id = wp_arena_strndup(&r->arena, regno, strlen(regno));
	char *ref_copy = wp_arena_strndup(&r->arena, ref, strlen(ref));
	struct doc_cmd *cmd =
	    sealed && id && ref_copy ? doc_cmd_new(r, &k, KIND_BANKACC, id, ref_copy, NULL, body, true)
				     : NULL;
	json_decref(body);
	if (cmd == NULL) {
		kona_fail(r, &k, &C_SYSTEM, NULL);
		ctx_free(&k);
		return;
	}
	cmd->reply = json_object();
	json_object_set_new(cmd->reply, "bankAccRegNo", json_string(regno));
	cmd->regno_for_ars = id;
	cmd->refuse_if_busy = true;
	cmd->conflict_code = &C_IN_PROGRESS;
	wp_req_commit(r, &cmd->base, finish_doc);
}

/* One step of the simulated ARS call, run in the commit writer. */
struct ars_cmd {
	struct wp_cmd base;
	struct wp_app *app;
	enum ars_step step;
	char regno[32];
	char digits[8]; /* ARS_ANSWER: what the member pressed; "" = the right number */
	char status[32];
	bool found;
	bool advanced;
};

static wp_status apply_ars(struct wp_tx *tx, struct wp_cmd *c)
{
	struct ars_cmd *cmd = (struct ars_cmd *)c;
	wp_arena a;
	wp_arena_init(&a, 1 << 16);
	struct wp_doc d;
	wp_status st = tx->ops->doc_get(NULL, tx, KIND_BANKACC, cmd->regno, &a, &d);
	json_t *b = st == WP_OK ? doc_body(&d) : NULL;
	cmd->found = b != NULL;
	const char *status = json_string_value(json_object_get(b, "status"));
	snprintf(cmd->status, sizeof(cmd->status), "%s", status ? status : "");
	if (b != NULL && cmd->step == ARS_ANSWER && strcmp(cmd->status, "ARS_AUTH_IN_PROGRESS") == 0) {
		const char *want = json_string_value(json_object_get(b, "authNumber"));
		bool right = cmd->digits[0] == '\0' || (want && strcmp(cmd->digits, want) == 0);
		snprintf(cmd->status, sizeof(cmd->status), right ? "ARS_AUTH_DONE" : "ARS_AUTH_FAILED");
		json_object_set_new(b, "code", json_string(right ? "000_000" : C_ARS_FAILED.code));
		cmd->advanced = right;
	} else if (b != NULL && cmd->step == ARS_REGISTER && strcmp(cmd->status, "ARS_AUTH_DONE") == 0) {
		int o = (int)json_integer_value(json_object_get(b, "bankOutcome"));
		const char *code = o == WP_BANK_OK		    ? "000_000"
				   : o == WP_BANK_NOT_VERIFIABLE ? C_LIFETIME.code
								 : C_INVALID_ACCOUNT.code;
		snprintf(cmd->status, sizeof(cmd->status),
			 o == WP_BANK_OK ? "BANK_ACC_REGISTERED" : "BANK_ACC_REG_FAILED");
		json_object_set_new(b, "code", json_string(code));
		if (o == WP_BANK_OK) {
			/* One registered account per member: a new one replaces the old. */
			struct regs g = {NULL, json_array()};
			st = tx->ops->doc_find(NULL, tx, KIND_BANKACC, d.owner, d.ref, 50, collect_reg, &g);
			size_t i;
			json_t *old;
			json_array_foreach(g.list, i, old)
			{
				if (!is_status(old, "BANK_ACC_REGISTERED") || st != WP_OK)
					continue;
				json_object_set_new(old, "deleted", json_true());
				char oid[32]; /* copied: deleting "_id" frees the string */
				snprintf(oid, sizeof(oid), "%s",
					 json_string_value(json_object_get(old, "_id")) ?: "");
				json_object_del(old, "_id");
				json_object_del(old, "_created");
				char *text = json_dumps(old, JSON_COMPACT);
				struct wp_doc od = {KIND_BANKACC, oid, d.owner, d.ref, NULL, text, 0,
						    d.updated_ms};
				st = text ? tx->ops->doc_update(tx, &od) : WP_E_NOMEM;
				free(text);
			}
			json_decref(g.list);
		}
	} else {
		json_decref(b);
		wp_arena_free(&a);
		return st == WP_E_NOT_FOUND ? WP_OK : st; /* nothing to do: already moved on */
	}
	json_object_set_new(b, "status", json_string(cmd->status));
	char *text = json_dumps(b, JSON_COMPACT);
	d.body = text;
	d.updated_ms = wp_clock_now_ms(&cmd->app->clock);
	if (st == WP_OK)
		st = text ? tx->ops->doc_update(tx, &d) : WP_E_NOMEM;
	free(text);
	json_decref(b);
	wp_arena_free(&a);
	return st;
}

static void ars_timer(void *ctx);

static void ars_done(struct wp_cmd *c)
{
	struct ars_cmd *cmd = (struct ars_cmd *)c;
	if (c->status == WP_OK && cmd->advanced)
		schedule_ars(cmd->app, cmd->regno, ARS_REGISTER, 300); /* the bank registers it */
	free(cmd);
}

static void ars_timer(void *ctx)
{
	struct ars_cmd *cmd = ctx;
	if (wp_commit_submit(cmd->app->commit, &cmd->base) != WP_OK)
		free(cmd); /* stopping: the registration stays in progress, as a dropped call would */
}

static void schedule_ars(struct wp_app *app, const char *regno, enum ars_step step,
			 uint32_t delay_ms)
{
	struct ars_cmd *cmd = calloc(1, sizeof(*cmd));
	if (cmd == NULL)
		return;
	cmd->base.apply = apply_ars;
	cmd->base.done = ars_done;
	cmd->app = app;
	snprintf(cmd->regno, sizeof(cmd->regno), "%s", regno);
	cmd->step = step;
	if (app->cfg->ars_delay_ms == 0 && step == ARS_ANSWER) {
		free(cmd); /* automatic answering is off: a test answers */
		return;
	}
	if (wp_timer_after(app->timer, delay_ms, ars_timer, cmd) != WP_OK)
		free(cmd);
}

static void ars_inquiry(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	const char *regno;
	/* The page names it regNo; clients that echo bankAccRegNo are accepted too. */
	bool ok = json_object_get(k.body, "regNo") || !json_object_get(k.body, "bankAccRegNo")
		      ? str_field(r, &k, "regNo", 1, 22, true, &regno)
		      : str_field(r, &k, "bankAccRegNo", 1, 22, true, &regno);
	if (!ok) {
		ctx_free(&k);
		return;
	}
	struct wp_doc d;
	wp_status st = r->app->store->ops->doc_get(r->app->store, NULL, KIND_BANKACC, regno,
						   &r->arena, &d);
	json_t *b = st == WP_OK && strcmp(d.owner, k.asp_id) == 0 ? doc_body(&d) : NULL;
	if (b == NULL) {
		kona_fail(r, &k, st == WP_OK || st == WP_E_NOT_FOUND ? &C_NO_REG : &C_SYSTEM, NULL);
		ctx_free(&k);
		return;
	}
	const char *status = json_string_value(json_object_get(b, "status"));
	const char *code = json_string_value(json_object_get(b, "code"));
	const struct kona_code *c = &C_OK;
	if (code && strcmp(code, C_ARS_FAILED.code) == 0)
		c = &C_ARS_FAILED;
	else if (code && strcmp(code, C_LIFETIME.code) == 0)
		c = &C_LIFETIME;
	else if (code && strcmp(code, C_INVALID_ACCOUNT.code) == 0)
		c = &C_INVALID_ACCOUNT;
	json_t *data = json_object();
	json_object_set_new(data, "status", json_string(status ? status : ""));
	json_decref(b);
	kona_answer(r, &k, c, NULL, data);
	ctx_free(&k);
}

/* Finds the member's registrations; replies and returns NULL on a problem. */
static json_t *member_regs_or_fail(struct wp_req *r, struct kona_ctx *k, int64_t *user_id)
{
	if (!user_id_field(r, k, user_id))
		return NULL;
	json_t *m = member_or_fail(r, k, *user_id);
	if (m == NULL)
		return NULL;
	json_decref(m);
	wp_status st;
	json_t *list = registrations(r, NULL, k->asp_id, *user_id, &st);
	if (st != WP_OK) {
		json_decref(list);
		kona_fail(r, k, &C_SYSTEM, NULL);
		return NULL;
	}
	return list;
}

/*
 * The member's registered account, borrowed from *list (which the caller
 * frees, NULL or not); NULL after replying, 007_001 when there is none.
 */
static json_t *registered_or_fail(struct wp_req *r, struct kona_ctx *k, int64_t *user_id,
				  json_t **list)
{
	*list = member_regs_or_fail(r, k, user_id);
	json_t *reg = *list ? registered(*list) : NULL;
	if (*list != NULL && reg == NULL)
		kona_fail(r, k, &C_NOT_REGISTERED, NULL);
	return reg;
}

/* Changes a registration in the writer (see apply_doc) and answers `reply` once durable. */
static void update_reg(struct wp_req *r, struct kona_ctx *k, json_t *reg, int64_t user_id,
		       enum reg_change change, json_t *reply)
{
	char *id = wp_arena_strndup(&r->arena, json_string_value(json_object_get(reg, "_id")),
				    strlen(json_string_value(json_object_get(reg, "_id"))));
	char *ref = wp_arena_printf(&r->arena, "%lld", (long long)user_id);
	json_object_del(reg, "_id");
	json_object_del(reg, "_created");
	struct doc_cmd *cmd = id && ref ? doc_cmd_new(r, k, KIND_BANKACC, id, ref, NULL, reg, false)
					: NULL;
	if (cmd == NULL) {
		json_decref(reply);
		kona_fail(r, k, &C_SYSTEM, NULL);
		ctx_free(k);
		return;
	}
	cmd->reply = reply;
	cmd->change = change;
	wp_req_commit(r, &cmd->base, finish_doc);
}

static void auto_recharge_register(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	int64_t user_id;
	json_t *list;
	json_t *reg = registered_or_fail(r, &k, &user_id, &list);
	if (reg != NULL && json_is_true(json_object_get(reg, "autoRecharge"))) {
		kona_fail(r, &k, &C_AUTO_EXISTS, NULL);
		reg = NULL;
	}
	if (reg == NULL) {
		json_decref(list);
		ctx_free(&k);
		return;
	}
	json_t *reply = json_object();
	json_object_set(reply, "bankAccRegNo", json_object_get(reg, "_id"));
	update_reg(r, &k, reg, user_id, REG_AUTO_RECHARGE, reply);
	json_decref(list);
}

static json_t *account_view(struct wp_req *r, json_t *reg)
{
	char *acct = open_field(r, reg, "bankAccount", "kona.bankAccount");
	char *holder = open_field(r, reg, "holder", "kona.holder");
	char masked[32] = "";
	if (acct != NULL)
		wp_mask(acct, strlen(acct), masked, sizeof(masked));
	const char *code = json_string_value(json_object_get(reg, "bankCode"));
	const struct wp_bank *bank = code ? wp_bank_by_code(code) : NULL;
	json_t *o = json_object();
	json_object_set(o, "accountId", json_object_get(reg, "accountId"));
	json_object_set_new(o, "userName", json_string(holder ? holder : ""));
	json_object_set_new(o, "bankCode", json_string(code ? code : ""));
	json_object_set_new(o, "bankName", json_string(bank ? bank->name : ""));
	json_object_set_new(o, "bankAccount", json_string(masked));
	json_object_set(o, "bankAccRegNo", json_object_get(reg, "_id"));
	json_object_set_new(o, "isAutoRecharge",
			    json_boolean(json_is_true(json_object_get(reg, "autoRecharge"))));
	free(acct);
	free(holder);
	return o;
}

static void bankaccounts_info(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	int64_t user_id;
	json_t *list;
	json_t *reg = registered_or_fail(r, &k, &user_id, &list);
	if (reg != NULL) {
		json_t *data = json_object();
		json_object_set_new(data, "userId", json_integer(user_id));
		json_object_set_new(data, "accountInfo", account_view(r, reg));
		kona_answer(r, &k, &C_OK, NULL, data);
	}
	json_decref(list);
	ctx_free(&k);
}

static void bankaccounts_inquiry(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	int64_t user_id;
	json_t *list = member_regs_or_fail(r, &k, &user_id);
	if (list != NULL) {
		json_t *reg = registered(list);
		json_t *data = json_object();
		json_object_set_new(data, "bankAccForAutoRcg", reg ? account_view(r, reg) : json_null());
		json_object_set_new(data, "isAutoRcgAccRegAllowed",
				    json_boolean(reg != NULL &&
						 !json_is_true(json_object_get(reg, "autoRecharge"))));
		kona_answer(r, &k, &C_OK, NULL, data);
	}
	json_decref(list);
	ctx_free(&k);
}

static void bankaccounts_delete(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	int64_t user_id;
	json_t *list;
	json_t *reg = registered_or_fail(r, &k, &user_id, &list);
	if (reg != NULL) {
		update_reg(r, &k, reg, user_id, REG_DELETE, json_object());
	} else {
		ctx_free(&k);
	}
	json_decref(list);
}

/* 금융사 목록 조회: path and fields inferred (docs/decisions.md). */
static void financial_institutions(struct wp_req *r)
{
	struct kona_ctx k;
	if (!kona_begin(r, &k))
		return;
	json_t *list = json_array();
	for (size_t i = 0; i < wp_bank_count(); i++) {
		const struct wp_bank *b = wp_bank_at(i);
		struct wp_bank_answer a;
		r->app->bank->ops->status(r->app->bank, b->code, &a);
		if (a.outcome == WP_BANK_NOT_PARTICIPATING)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "bankCode", json_string(b->code));
		json_object_set_new(o, "bankName", json_string(b->name));
		json_object_set_new(o, "isAvailable", json_boolean(a.outcome == WP_BANK_OK));
		json_array_append_new(list, o);
	}
	json_t *data = json_object();
	json_object_set_new(data, "bankList", list);
	kona_answer(r, &k, &C_OK, NULL, data);
	ctx_free(&k);
}

/* ---- sandbox: answer the ARS call (only with --sandbox) ---- */

static void finish_answer(struct wp_req *r, struct wp_cmd *c)
{
	struct ars_cmd *cmd = (struct ars_cmd *)c;
	if (c->status != WP_OK) {
		wp_reply_own_error(r, wp_status_http(c->status), wp_status_name(c->status),
				   "the answer could not be recorded");
		return;
	}
	if (!cmd->found) {
		wp_reply_own_error(r, 404, "not_found", "no such bankAccRegNo");
		return;
	}
	if (cmd->advanced)
		schedule_ars(r->app, cmd->regno, ARS_REGISTER, 300);
	json_t *o = json_object();
	json_object_set_new(o, "bankAccRegNo", json_string(cmd->regno));
	json_object_set_new(o, "status", json_string(cmd->status));
	wp_reply_json(r, 200, o);
}

static void sandbox_ars_answer(struct wp_req *r)
{
	if (!wp_sandbox_admin_or_reply(r))
		return;
	char err[256];
	json_t *body = NULL;
	if (wp_json_body(r->body, r->body_len, &body, err, sizeof(err)) != WP_OK) {
		wp_reply_own_error(r, 400, "invalid", err);
		return;
	}
	const char *digits_in = json_string_value(json_object_get(body, "digits"));
	const char *regno = wp_req_param(r, 0);
	if (digits_in == NULL || strlen(digits_in) == 0 || strlen(digits_in) > 6 ||
	    !digits(digits_in, strlen(digits_in)) || strlen(regno) > 22) {
		json_decref(body);
		wp_reply_own_error(r, 400, "invalid", "digits must be 1 to 6 digits");
		return;
	}
	struct ars_cmd *cmd = wp_arena_alloc(&r->arena, sizeof(*cmd));
	if (cmd == NULL) {
		json_decref(body);
		wp_reply_own_error(r, 503, "out_of_memory", "out of memory");
		return;
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->base.apply = apply_ars;
	cmd->app = r->app;
	cmd->step = ARS_ANSWER;
	snprintf(cmd->regno, sizeof(cmd->regno), "%s", regno);
	snprintf(cmd->digits, sizeof(cmd->digits), "%s", digits_in);
	json_decref(body);
	wp_req_commit(r, &cmd->base, finish_answer);
}

/* ---- routes ---- */

#define KONA_ROUTE(path, fn) {"POST", "/api/v1/" path, fn}, {"POST", "/open-api/api/v1/" path, fn}

static const struct wp_route kona_routes[] = {
    KONA_ROUTE("user/registration", user_registration),
    KONA_ROUTE("user/info", user_info),
    KONA_ROUTE("bankaccounts/user/valid", user_valid),
    KONA_ROUTE("bankaccounts/ars/auth", ars_auth),
    KONA_ROUTE("bankaccounts/ars/register", ars_register),
    KONA_ROUTE("bankaccounts/ars/register/inquiry", ars_inquiry),
    KONA_ROUTE("bankaccounts/as-rcg-svc/ars/register", auto_recharge_register),
    KONA_ROUTE("bankaccounts/info", bankaccounts_info),
    KONA_ROUTE("bankaccounts/inquiry", bankaccounts_inquiry),
    KONA_ROUTE("bankaccounts/delete", bankaccounts_delete),
    KONA_ROUTE("bankaccounts/banks", financial_institutions),
};

static const char *const kona_paths[] = {"/api/v1/*", "/open-api/*"};

const struct wp_surface wp_surface_kona = {
    .name = "kona",
    .routes = kona_routes,
    .route_count = sizeof(kona_routes) / sizeof(kona_routes[0]),
    .paths = kona_paths,
    .path_count = sizeof(kona_paths) / sizeof(kona_paths[0]),
    .reply_error = kona_reply_error,
};

static const struct wp_route kona_sandbox_routes[] = {
    {"POST", "/sandbox/kona/ars/{regNo}/answer", sandbox_ars_answer},
};

static void kona_sandbox_error(struct wp_req *r, wp_status st, const char *msg)
{
	wp_reply_own_error(r, wp_status_http(st), wp_status_name(st), msg);
}

const struct wp_surface wp_surface_kona_sandbox = {
    .name = "sandbox",
    .routes = kona_sandbox_routes,
    .route_count = 1,
    .paths = NULL,
    .path_count = 0,
    .reply_error = kona_sandbox_error,
};
