/*
 * api.c — POST /api/: create and delete (see aqr.h for the wire contract).
 *
 * decode (form) -> validate against the document -> store -> encode in
 * AQR's own envelope. Order of checks, each with its own status: Accept
 * (406), token (401), rate limit (429), Content-Type and body (400), action
 * (400), fields (400), email belongs to the token (401), then the operation
 * (404 unknown keyword, 410 already deleted, 503 storage).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "surface/aqr/aqr.h"
#include "surface/kit.h"
#include "util/text.h"

/*
 * The document's Errors table (400, 401, 403, 404, 405, 406, 410, 429, 500,
 * 503) gives each status HTTP's own meaning: AQR's code table is the kit's.
 */
unsigned aqr_http_status(wp_status st)
{
	return wp_status_http(st);
}

/* A request on POST /api/, owned by aqr_api_post. */
struct aqr_req {
	struct wp_req *r;
	struct wp_form form;
	struct wp_principal who;
	char message[WP_MESSAGE_MAX_BYTES]; /* the reason, when the answer is an error */
};

static wp_status fail(struct aqr_req *q, wp_status st, const char *msg)
{
	snprintf(q->message, sizeof(q->message), "%s", msg);
	return st;
}

/* The token and email_address together are the credential. */
static wp_status owned(struct aqr_req *q, const char *email)
{
	if (!wp_ascii_ieq(email, q->who.partner.email))
		return fail(q, WP_E_UNAUTHORIZED,
			    "email_address does not belong to the developer token's owner");
	return WP_OK;
}

static void reply_success(struct wp_req *r, json_t *data)
{
	json_t *o = json_object();
	json_object_set_new(o, "result", json_string("success"));
	if (data != NULL)
		json_object_set_new(o, "data", data);
	wp_reply_json(r, 200, o);
	wp_reply_header(r, "Cache-Control", "no-store");
}

static bool accepts_json(const char *accept)
{
	if (accept == NULL || accept[0] == '\0')
		return true;
	const char *p = accept;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		const char *end = p;
		while (*end != '\0' && *end != ',' && *end != ';')
			end++;
		size_t n = (size_t)(end - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		static const char *const ok[] = {"*/*",		  "*",
						 "application/*", "application/json",
						 "text/json",	  "text/javascript"};
		for (size_t i = 0; i < WP_COUNT(ok); i++)
			if (strlen(ok[i]) == n && strncasecmp(p, ok[i], n) == 0)
				return true;
		p = end;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return false;
}

/*
 * The account number, owner and phone number are stored sealed (AES-256-GCM
 * under the data key, bound to their field by the AAD "aqr.<field>") as
 * SEALED_PREFIX + the sealed form. A value without the prefix was written
 * before sealing existed and is read as it is, so older databases keep
 * working.
 */
#define SEALED_PREFIX "s1:"

static void field_aad(const char *field, char *aad, size_t cap)
{
	snprintf(aad, cap, "aqr.%s", field);
}

static const char *seal_field(struct wp_req *r, const char *field, const char *value)
{
	char aad[32];
	field_aad(field, aad, sizeof(aad));
	const char *sealed = wp_req_seal(r, aad, value);
	return sealed ? wp_arena_printf(&r->arena, SEALED_PREFIX "%s", sealed) : NULL;
}

const char *aqr_open_field(struct wp_req *r, const char *field, const char *stored)
{
	if (strncmp(stored, SEALED_PREFIX, strlen(SEALED_PREFIX)) != 0)
		return stored;
	char aad[32];
	field_aad(field, aad, sizeof(aad));
	return wp_req_open(r, aad, stored + strlen(SEALED_PREFIX));
}

/* ---- create ---- */

struct create_cmd {
	struct wp_write w;
	struct wp_aqr_link link;
	char keyword[WP_AQR_KEYWORD_LEN + 1];
};

static wp_status apply_create(struct wp_tx *tx, struct wp_cmd *c)
{
	struct create_cmd *cmd = (struct create_cmd *)c;
	wp_status st = WP_E_CONFLICT;
	for (int i = 0; i < WP_AQR_KEYWORD_RETRIES && st == WP_E_CONFLICT; i++) {
		st = wp_random_alnum(cmd->keyword, WP_AQR_KEYWORD_LEN);
		if (st == WP_OK)
			st = tx->ops->aqr_insert(tx, &cmd->link);
	}
	return st;
}

static void finish_create(struct wp_req *r, struct wp_write *w)
{
	struct create_cmd *cmd = (struct create_cmd *)w;
	wp_status st = w->cmd.status;
	if (st != WP_OK) {
		aqr_reply_error(r, st == WP_E_CONFLICT ? WP_E_UNAVAILABLE : st,
				"the account could not be saved; try again");
		return;
	}
	const struct wp_config *cfg = r->app->cfg;
	char qr[WP_URL_MAX + 64], short_url[WP_URL_MAX + 64];
	snprintf(qr, sizeof(qr), "%s/res/api/%s", cfg->public_url, cmd->keyword);
	snprintf(short_url, sizeof(short_url), "%s/f/%s", cfg->short_url, cmd->keyword);
	json_t *data = json_object();
	json_object_set_new(data, "qr_image", json_string(qr));
	json_object_set_new(data, "short_url", json_string(short_url));
	json_object_set_new(data, "uniq_keyword", json_string(cmd->keyword));
	reply_success(r, data);
}

static wp_status api_create(struct aqr_req *q)
{
	struct wp_req *r = q->r;
	struct aqr_create_input in = {0};
	wp_status st =
	    aqr_validate_create(&r->arena, &q->form, &in, q->message, sizeof(q->message));
	if (st == WP_OK)
		st = owned(q, in.email);
	struct create_cmd *cmd =
	    st == WP_OK ? WP_WRITE_NEW(r, struct create_cmd, apply_create, finish_create) : NULL;
	if (cmd == NULL)
		return st != WP_OK ? st : fail(q, WP_E_NOMEM, "out of memory");
	cmd->link = (struct wp_aqr_link){
	    .keyword = cmd->keyword,
	    .partner_id = q->who.partner.id,
	    .bank_id = in.bank_id,
	    .bank_code = aqr_bank(in.bank_id)->code,
	    .account_number = seal_field(r, "account_number", in.account_number),
	    .account_owner = seal_field(r, "account_owner", in.account_owner),
	    .phone_number = seal_field(r, "phone_number", in.phone_number),
	    .account_name = in.account_name,
	    .created_ms = wp_clock_now_ms(&r->app->clock),
	};
	if (!cmd->link.account_number || !cmd->link.account_owner || !cmd->link.phone_number)
		return fail(q, WP_E_INTERNAL, "the account could not be sealed");
	wp_write_submit(&cmd->w);
	return WP_OK;
}

/* ---- delete ---- */

struct delete_cmd {
	struct wp_write w;
	const char *keyword;
	int64_t partner_id;
	int64_t now_ms;
};

static wp_status apply_delete(struct wp_tx *tx, struct wp_cmd *c)
{
	struct delete_cmd *cmd = (struct delete_cmd *)c;
	return tx->ops->aqr_delete(tx, cmd->keyword, cmd->partner_id, cmd->now_ms);
}

static void finish_delete(struct wp_req *r, struct wp_write *w)
{
	struct delete_cmd *cmd = (struct delete_cmd *)w;
	char err[WP_MESSAGE_MAX_BYTES];
	/*
	 * No page kept in this process may outlive the answer. Whatever it is: a
	 * commit may be durable though reported failed, and a keyword already
	 * deleted (a retry) may have been deleted by that commit.
	 */
	aqr_cache_forget(wp_module_state(r->app, &wp_module_aqr));
	switch (w->cmd.status) {
	case WP_OK:
		reply_success(r, NULL);
		return;
	case WP_E_GONE:
		snprintf(err, sizeof(err), "uniq_keyword '%s' was already deleted", cmd->keyword);
		break;
	case WP_E_NOT_FOUND:
		snprintf(err, sizeof(err), "uniq_keyword '%s' was not found", cmd->keyword);
		break;
	default:
		snprintf(err, sizeof(err), "the account could not be deleted; try again");
		break;
	}
	aqr_reply_error(r, w->cmd.status, err);
}

static wp_status api_delete(struct aqr_req *q)
{
	struct wp_req *r = q->r;
	struct aqr_delete_input in = {0};
	wp_status st =
	    aqr_validate_delete(&r->arena, &q->form, &in, q->message, sizeof(q->message));
	if (st == WP_OK)
		st = owned(q, in.email);
	struct delete_cmd *cmd =
	    st == WP_OK ? WP_WRITE_NEW(r, struct delete_cmd, apply_delete, finish_delete) : NULL;
	if (cmd == NULL)
		return st != WP_OK ? st : fail(q, WP_E_NOMEM, "out of memory");
	cmd->keyword = in.keyword;
	cmd->partner_id = q->who.partner.id;
	cmd->now_ms = wp_clock_now_ms(&r->app->clock);
	wp_write_submit(&cmd->w);
	return WP_OK;
}

/* ---- the pipeline ---- */

static wp_status api(struct aqr_req *q)
{
	struct wp_req *r = q->r;
	if (!accepts_json(wp_req_header(r, "Accept")))
		return fail(q, WP_E_NOT_ACCEPTABLE,
			    "this API answers in JSON; accept application/json");
	const char *token = wp_req_header(r, "AQR-DEVELOPER-TOKEN");
	if (token == NULL || token[0] == '\0')
		return fail(q, WP_E_UNAUTHORIZED, "the AQR-DEVELOPER-TOKEN header is missing");
	wp_status st =
	    wp_auth_check(r->app->auth, AQR_SURFACE, NULL, token, r->client, &r->arena, &q->who);
	if (st == WP_E_UNAUTHORIZED)
		return fail(q, st, "the developer token is not valid");
	if (st == WP_E_RATE_LIMITED)
		return fail(q, st, "too many failed tokens from this address; retry shortly");
	if (st != WP_OK)
		return fail(q, st, "the token could not be checked; try again");
	if (!wp_auth_take(r->app->auth, &q->who))
		return fail(q, WP_E_RATE_LIMITED,
			    "too many requests for this developer token; retry shortly");
	const char *ct = wp_req_header(r, "Content-Type");
	char type[128], charset[64], boundary[WP_MULTIPART_BOUNDARY_MAX + 1];
	wp_content_type_parse(ct, type, sizeof(type), charset, sizeof(charset));
	if (strcmp(type, "multipart/form-data") == 0) { /* a browser's FormData */
		if (!wp_content_type_param(ct, "boundary", boundary, sizeof(boundary)))
			return fail(q, WP_E_MEDIA_TYPE, "multipart/form-data needs its boundary");
		st = wp_form_decode_multipart(&r->arena, r->body, r->body_len, boundary, &q->form,
					      q->message, sizeof(q->message));
	} else if (type[0] == '\0' || strcmp(type, "application/x-www-form-urlencoded") == 0) {
		st = wp_form_decode(&r->arena, r->body, r->body_len, charset[0] ? charset : NULL,
				    &q->form, q->message, sizeof(q->message));
	} else {
		return fail(q, WP_E_MEDIA_TYPE,
			    "Content-Type must be application/x-www-form-urlencoded or "
			    "multipart/form-data");
	}
	if (st != WP_OK)
		return st;
	enum aqr_action action;
	st = aqr_parse_action(&q->form, &action, q->message, sizeof(q->message));
	if (st != WP_OK)
		return st;
	return action == AQR_CREATE ? api_create(q) : api_delete(q);
}

void aqr_api_post(struct wp_req *r)
{
	struct aqr_req *q = wp_arena_alloc(&r->arena, sizeof(*q));
	if (q == NULL) {
		aqr_reply_error(r, WP_E_NOMEM, "out of memory");
		return;
	}
	memset(q, 0, sizeof(*q));
	q->r = r;
	wp_status st = api(q);
	if (st == WP_OK)
		return; /* a write answers once it is durable */
	aqr_reply_error(r, st, q->message);
	if (st == WP_E_RATE_LIMITED)
		wp_reply_header(r, "Retry-After", "1");
}
