/*
 * pipeline.c — one Kona request, from headers to the one answer.
 *
 * kona_run() owns the request's context. In order: header formats (400,
 * checked before anything is looked up), the partner's access key (401,
 * rate limit 429), the tran token over the body as sent (401), the replay
 * guard, decryption of encData, and the JSON body. Then the endpoint runs
 * and returns its code; kona_answer() adds the response object, echoes the
 * correlation id and encrypts when the request was encrypted.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "core/crypto.h"
#include "core/jwe.h"
#include "http/json_body.h"
#include "surface/kona/kona.h"

extern const struct wp_module wp_module_kona;

json_t *kona_json(struct kona_req *k, json_t *v)
{
	return wp_req_json(k->r, v);
}

static void release_key(void *p)
{
	EVP_PKEY_free(p);
}

void kona_answer(struct kona_req *k, enum kona_code c)
{
	if (k->answered)
		return;
	k->answered = true;
	const struct kona_code_row *row = &kona_codes[c];
	json_t *o = k->data ? json_incref(k->data) : json_object();
	char desc[WP_MESSAGE_MAX_BYTES];
	if (k->detail != NULL)
		snprintf(desc, sizeof(desc), "%s", k->detail);
	else if (k->field != NULL && k->expect != NULL) /* "... loginPassword (6 digits)" */
		snprintf(desc, sizeof(desc), "%s %s (%s)", row->description, k->field, k->expect);
	else if (k->field != NULL) /* "Missing required values. loginId" */
		snprintf(desc, sizeof(desc), "%s %s", row->description, k->field);
	else
		snprintf(desc, sizeof(desc), "%s", row->description);
	json_t *resp = json_object();
	json_object_set_new(resp, "code", json_string(row->code));
	json_object_set_new(resp, "description", json_string(desc));
	json_object_set_new(o, "response", resp);
	if (k->crypto_key_id != NULL && k->partner_public != NULL) {
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
	wp_reply_json(k->r, row->http, o);
	if (k->correlation_id != NULL)
		wp_reply_header(k->r, "X-KM-Correlation-Id", k->correlation_id);
	if (k->crypto_key_id != NULL)
		wp_reply_header(k->r, "X-KM-Crypto-Key-Id", k->crypto_key_id);
	if (c == KONA_RATE_LIMITED)
		wp_reply_header(k->r, "Retry-After", "1");
	wp_reply_header(k->r, "Cache-Control", "no-store");
}

static const char *well_formed_correlation_id(struct wp_req *r)
{
	const char *cid = wp_req_header(r, "X-KM-Correlation-Id");
	return cid != NULL && kona_correlation_id_valid(cid) ? cid : NULL;
}

void kona_reply_error(struct wp_req *r, wp_status st, const char *msg)
{
	struct kona_req k = {
	    .r = r, .correlation_id = well_formed_correlation_id(r), .detail = msg};
	kona_answer(&k, kona_code_of_status(st));
}

enum kona_code kona_fields(struct kona_req *k, const struct wp_field *t, size_t n,
			   struct wp_value *out)
{
	struct wp_field_error e;
	if (wp_fields_json_shapes_first(&k->r->arena, k->body, t, n, out, &e))
		return KONA_OK;
	enum kona_code c = kona_code_of_field(&e);
	if (c == KONA_MISSING || c == KONA_INVALID || c == KONA_LENGTH) {
		char expect[WP_MESSAGE_MAX_BYTES];
		wp_field_expect(e.field, expect, sizeof(expect));
		k->field = e.field->name;
		k->expect = wp_arena_strndup(&k->r->arena, expect, strlen(expect));
	}
	return c;
}

/* ---- the checks before an endpoint runs ---- */

/* The request headers, checked in this order; their rows are also the OpenAPI document's. */
enum { H_ASP, H_CORRELATION, H_ACCESS, H_TOKEN, H_TIME, H_ZONE, H_KEY_ID };

const struct wp_field kona_header_fields[KONA_HEADER_FIELDS] = {
    [H_ASP] = {"X-KM-User-AspId", WP_FIELD_TEXT, WP_FIELD_REQUIRED, KONA_ASP_ID_LEN,
	       KONA_ASP_ID_LEN},
    [H_CORRELATION] = {"X-KM-Correlation-Id", WP_FIELD_TEXT, WP_FIELD_REQUIRED,
		       KONA_CORRELATION_ID_LEN, KONA_CORRELATION_ID_MAX,
		       .expect = "must be yyMMddHHmmss-xxxxxxx: a time, a hyphen and 7 (to 10) hex "
				 "digits"},
    [H_ACCESS] = {"X-KM-Access-Key", WP_FIELD_TEXT, WP_FIELD_REQUIRED, KONA_ACCESS_KEY_LEN,
		  KONA_ACCESS_KEY_LEN},
    [H_TOKEN] = {"X-KM-Tran-Token", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 1, KONA_TRAN_TOKEN_MAX,
		 .expect = "must be KMV1:<yyyyMMddHHmmssSSS>:<base64 of HMAC-SHA256(secret key, "
			   "the body's bytes)>"},
    [H_TIME] = {"X-KM-Tran-Time", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 14, KONA_TRAN_TIME_MAX,
		.expect = "must be yyyyMMddHHmmss, a time in X-KM-Time-Zone"},
    [H_ZONE] = {"X-KM-Time-Zone", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 3, 3, kona_zones},
    [H_KEY_ID] = {"X-KM-Crypto-Key-Id", WP_FIELD_TEXT, 0, KONA_CRYPTO_KEY_ID_LEN,
		  KONA_CRYPTO_KEY_ID_LEN,
		  .expect = "must be the crypto key id issued with the key pair; the body is "
			    "then {\"encData\": a JWE (RSA-OAEP-256, A128GCM or A256GCM)}"},
};

/* The header of row h, refused as missing (when required) or of the wrong length. */
static enum kona_code header(struct kona_req *k, int h, const char **out)
{
	const struct wp_field *f = &kona_header_fields[h];
	*out = wp_req_header(k->r, f->name);
	if (*out == NULL && !(f->flags & WP_FIELD_REQUIRED))
		return KONA_OK; /* an optional header not sent; sent empty, it has a wrong length */
	k->field = f->name;
	if (*out == NULL || ((*out)[0] == '\0' && (f->flags & WP_FIELD_REQUIRED)))
		return KONA_MISSING;
	size_t n = strlen(*out);
	if (f->min == f->max ? n != (size_t)f->max : (n < (size_t)f->min || n > (size_t)f->max)) {
		k->expect =
		    f->min == f->max
			? wp_arena_printf(&k->r->arena, "%lld characters", (long long)f->max)
			: wp_arena_printf(&k->r->arena, "%lld to %lld characters",
					  (long long)f->min, (long long)f->max);
		return KONA_LENGTH;
	}
	k->field = NULL;
	return KONA_OK;
}

/* A header of the right length, the wrong content: its row says what it expects. */
static enum kona_code invalid_header(struct kona_req *k, int h)
{
	char expect[WP_MESSAGE_MAX_BYTES];
	wp_field_expect(&kona_header_fields[h], expect, sizeof(expect));
	k->field = kona_header_fields[h].name;
	k->expect = wp_arena_strndup(&k->r->arena, expect, strlen(expect));
	return KONA_INVALID;
}

struct headers {
	const char *asp, *access, *token, *time, *zone, *key_id;
};

/* 1. Formats, before any lookup. */
static enum kona_code check_headers(struct kona_req *k, struct headers *h)
{
	const char *cid;
	enum kona_code c = header(k, H_ASP, &h->asp);
	if (c == KONA_OK)
		c = header(k, H_CORRELATION, &cid);
	if (c == KONA_OK && k->correlation_id == NULL)
		return invalid_header(k, H_CORRELATION);
	if (c == KONA_OK)
		c = header(k, H_ACCESS, &h->access);
	if (c == KONA_OK)
		c = header(k, H_TOKEN, &h->token);
	if (c == KONA_OK)
		c = header(k, H_TIME, &h->time);
	if (c == KONA_OK)
		c = header(k, H_ZONE, &h->zone);
	if (c != KONA_OK)
		return c;
	int64_t ms;
	if (kona_zone_offset_min(h->zone) < 0)
		return invalid_header(k, H_ZONE);
	if (!kona_parse_time(h->time, 14, h->zone, &ms))
		return invalid_header(k, H_TIME);
	return header(k, H_KEY_ID, &h->key_id);
}

/*
 * The token goes into the durable record ahead of anything the endpoint
 * writes (one writer, in order), and the answer waits for it: no answered
 * request's token is forgotten by a restart. Should the record fail, the
 * endpoint's own writes are refused (kona_write_new checks) and the answer
 * becomes 000_999 (token_gate).
 */
struct token_cmd {
	struct wp_write w;
	struct kona_req *k;
	const char *key;
	int64_t now_ms, expires_ms;
};

static wp_status apply_token(struct wp_tx *tx, struct wp_cmd *c)
{
	struct token_cmd *t = (struct token_cmd *)c;
	wp_status st =
	    wp_replay_record(tx, KONA_SURFACE, t->key, strlen(t->key), t->now_ms, t->expires_ms);
	/*
	 * Refused now, not only once the batch is over: the endpoint's write may
	 * be the next command of this very batch (apply_guarded). Another process
	 * may have recorded the token since this one looked (WP_E_CONFLICT).
	 */
	if (st != WP_OK)
		atomic_store(&t->k->token_lost, st == WP_E_CONFLICT ? 2 : 1);
	return st;
}

static void token_recorded(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct token_cmd *t = (struct token_cmd *)w;
	if (w->cmd.status != WP_OK)
		atomic_store(&t->k->token_lost, w->cmd.status == WP_E_CONFLICT ? 2 : 1);
}

/* Every part of the request is done: an answer whose token was not recorded is withdrawn. */
static void token_gate(struct wp_req *r)
{
	struct kona_req *k = r->surface_ctx;
	int lost = atomic_load(&k->token_lost);
	if (lost == 0)
		return;
	k->answered = false;
	k->data = NULL;
	k->field = k->detail = k->expect = NULL;
	kona_answer(k, lost == 2 ? KONA_REPLAY : KONA_SYSTEM);
}

static enum kona_code record_token(struct kona_req *k, const char *key, int64_t now_ms,
				   int64_t expires_ms)
{
	struct token_cmd *t = WP_WRITE_NEW(k->r, struct token_cmd, apply_token, token_recorded);
	if (t == NULL)
		return KONA_SYSTEM;
	t->k = k;
	t->key = key;
	t->now_ms = now_ms;
	t->expires_ms = expires_ms;
	k->r->surface_ctx = k;
	k->r->before_answer = token_gate;
	wp_write_submit(&t->w);
	return KONA_OK;
}

/* 2 and 3. The access key, then the tran token over the body exactly as sent, once. */
static enum kona_code check_credentials(struct kona_req *k, const struct headers *h)
{
	struct wp_principal who;
	wp_status st = wp_auth_check(k->app->auth, KONA_SURFACE, h->asp, h->access, k->r->client,
				     &k->r->arena, &who);
	if (st == WP_E_UNAUTHORIZED)
		return KONA_BAD_ACCESS;
	if (st == WP_E_RATE_LIMITED)
		return KONA_RATE_LIMITED;
	if (st != WP_OK || who.shared_secret == NULL)
		return KONA_SYSTEM;
	k->partner_id = who.partner.id;
	int64_t now = wp_clock_now_ms(&k->app->clock), token_ms = 0, tran_ms = 0;
	enum kona_token_check tc =
	    kona_verify_tran_token(h->token, who.shared_secret, k->r->body, k->r->body_len, h->zone,
				   now, WP_KONA_CLOCK_SKEW_MS, &token_ms);
	OPENSSL_cleanse((char *)who.shared_secret, strlen(who.shared_secret));
	if (tc == KONA_TOKEN_MALFORMED)
		return invalid_header(k, H_TOKEN);
	if (tc == KONA_TOKEN_BAD_SIGNATURE) {
		wp_auth_client_failed(k->app->auth,
				      k->r->client); /* a guessed secret is a failure */
		return KONA_BAD_TOKEN;
	}
	kona_parse_time(h->time, 14, h->zone, &tran_ms);
	int64_t d = tran_ms - now;
	if (tc == KONA_TOKEN_STALE || d > WP_KONA_CLOCK_SKEW_MS || -d > WP_KONA_CLOCK_SKEW_MS)
		return KONA_STALE;
	/* Signed and fresh: now it counts against the partner's rate (before the token is
	   spent, so a 429 may be retried with the same token). */
	if (!wp_auth_take(k->app->auth, &who))
		return KONA_RATE_LIMITED;
	/* Used once: in this process's memory first, then in the durable record. */
	char *key = wp_arena_printf(&k->r->arena, "%s|%s", h->asp, h->token);
	int64_t expires = token_ms + WP_KONA_CLOCK_SKEW_MS + WP_KONA_REPLAY_SLACK_MS;
	bool seen = false;
	if (key == NULL)
		return KONA_SYSTEM;
	if (!wp_replay_first_use(k->state->replay, key, strlen(key), now, expires))
		return KONA_REPLAY;
	if (wp_replay_seen(k->app->store, KONA_SURFACE, key, strlen(key), now, &seen) != WP_OK)
		return KONA_SYSTEM;
	if (seen)
		return KONA_REPLAY; /* used before a restart */
	k->asp_id = h->asp;
	return record_token(k, key, now, expires);
}

/* The JSON object in text, request-owned; a parse error answers 000_002 with its words. */
static enum kona_code parse_body(struct kona_req *k, const char *text, size_t len, json_t **out)
{
	char err[WP_MESSAGE_MAX_BYTES];
	json_t *v = NULL;
	*out = NULL;
	if (wp_json_body(text, len, &v, err, sizeof(err)) != WP_OK) {
		k->detail = wp_arena_strndup(&k->r->arena, err, strlen(err));
		return KONA_INVALID;
	}
	*out = kona_json(k, v);
	return *out ? KONA_OK : KONA_SYSTEM;
}

/* The content encryption the partner used (its JWE header's enc), to answer alike. */
static void mirror_enc(struct kona_req *k, const char *jwe)
{
	snprintf(k->enc, sizeof(k->enc), "A256GCM");
	const char *dot = strchr(jwe, '.');
	uint8_t h[WP_JWE_HEADER_MAX_BYTES + 3]; /* the decoder writes whole triples */
	size_t hl = 0;
	size_t len = dot ? (size_t)(dot - jwe) : 0;
	if (dot != NULL && len <= WP_JWE_HEADER_MAX_BYTES * 4 / 3 &&
	    wp_base64url_decode(jwe, len, h, &hl) && memmem(h, hl, "A128GCM", 7) != NULL)
		snprintf(k->enc, sizeof(k->enc), "A128GCM");
}

/* 4. The body: JSON, and encData when a crypto key is named. */
static enum kona_code read_body(struct kona_req *k, const char *key_id)
{
	json_t *body = NULL;
	enum kona_code c = parse_body(k, k->r->body, k->r->body_len, &body);
	if (c != KONA_OK || key_id == NULL) {
		k->body = body;
		return c;
	}
	EVP_PKEY *priv = NULL, *pub = NULL;
	wp_status st = wp_auth_keys(k->app->auth, KONA_SURFACE, key_id, k->asp_id, &priv, &pub);
	if (st != WP_OK)
		return st == WP_E_NOT_FOUND ? KONA_BAD_KEY : KONA_SYSTEM;
	if (!wp_req_on_end(k->r, release_key, pub)) {
		EVP_PKEY_free(priv);
		return KONA_SYSTEM;
	}
	k->partner_public = pub;
	k->crypto_key_id = key_id;
	snprintf(k->enc, sizeof(k->enc), "A256GCM");
	json_t *enc = json_object_get(body, "encData");
	if (!json_is_string(enc)) {
		EVP_PKEY_free(priv);
		k->field = "encData";
		k->expect = enc != NULL && !json_is_null(enc)
				? "a JWE in compact serialization, a string"
				: "encData is required when X-KM-Crypto-Key-Id is sent";
		return enc != NULL && !json_is_null(enc) ? KONA_INVALID : KONA_MISSING;
	}
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	char err[WP_MESSAGE_MAX_BYTES];
	st = wp_jwe_decrypt(priv, json_string_value(enc), json_string_length(enc), &plain,
			    &plain_len, err, sizeof(err));
	EVP_PKEY_free(priv);
	mirror_enc(k, json_string_value(enc));
	if (st != WP_OK) {
		k->detail = wp_arena_strndup(&k->r->arena, err, strlen(err));
		return KONA_DECRYPT;
	}
	c = parse_body(k, (const char *)plain, plain_len, &k->body);
	OPENSSL_cleanse(plain, plain_len);
	free(plain);
	return c;
}

void kona_run(struct wp_req *r)
{
	struct kona_req *k = wp_arena_alloc(&r->arena, sizeof(*k));
	if (k == NULL) {
		kona_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	memset(k, 0, sizeof(*k));
	k->r = r;
	k->app = r->app;
	k->state = wp_module_state(r->app, &wp_module_kona);
	k->correlation_id = well_formed_correlation_id(r);
	struct headers h;
	enum kona_code c = check_headers(k, &h);
	if (c == KONA_OK)
		c = check_credentials(k, &h);
	if (c == KONA_OK)
		c = read_body(k, h.key_id);
	if (c == KONA_OK)
		c = ((kona_handler)r->route->impl)(k);
	if (c != KONA_DEFERRED)
		kona_answer(k, c);
}

/* ---- writes ---- */

static void kona_write_finish(struct wp_req *r, struct wp_write *w)
{
	(void)r;
	struct kona_write *kw = (struct kona_write *)w;
	struct kona_req *k = kw->k;
	wp_status st = w->cmd.status;
	enum kona_code c = st == WP_OK && kw->code		      ? kw->code
			   : st == WP_OK			      ? KONA_OK
			   : st == WP_E_CONFLICT && kw->on_conflict   ? kw->on_conflict
			   : st == WP_E_NOT_FOUND && kw->on_not_found ? kw->on_not_found
			   : st == WP_E_FORBIDDEN && kw->on_forbidden ? kw->on_forbidden
								      : KONA_SYSTEM;
	k->data = st == WP_OK && !kw->code ? kw->reply : NULL;
	kona_answer(k, c);
}

/* An endpoint's write runs only if the request's token was recorded (record_token). */
static wp_status apply_guarded(struct wp_tx *tx, struct wp_cmd *c)
{
	struct kona_write *kw = (struct kona_write *)c;
	if (atomic_load(&kw->k->token_lost) != 0)
		return WP_E_STORAGE;
	return kw->apply(tx, c);
}

void *kona_write_new(struct kona_req *k, size_t size, wp_cmd_apply apply)
{
	struct kona_write *kw = wp_write_new(k->r, size, apply_guarded, kona_write_finish);
	if (kw != NULL) {
		kw->k = k;
		kw->apply = apply;
	}
	return kw;
}

void *kona_doc_write_new(struct kona_req *k, size_t size, wp_cmd_apply apply, const char *kind,
			 const char *id, const char *ref, const char *uniq)
{
	struct kona_doc_write *dw = kona_write_new(k, size, apply);
	if (dw == NULL || id == NULL || ref == NULL)
		return NULL;
	dw->body = kona_json(k, json_object());
	dw->kw.reply = kona_json(k, json_object());
	if (dw->body == NULL || dw->kw.reply == NULL)
		return NULL;
	int64_t now = wp_clock_now_ms(&k->app->clock);
	dw->doc = (struct wp_doc){kind, id, k->asp_id, ref, uniq, NULL, now, now};
	return dw;
}
