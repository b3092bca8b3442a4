/*
 * pages.c — the shopper's side of a payment.
 *
 * GET /pay/showQRCode?tid&key     the PC page: the order, a QR code of the
 *                                 mobile page, a countdown; it follows the
 *                                 phone to approval_url, cancel_url or fail_url.
 * GET /pay/oneq/transfer?tid&key  the mobile page: the order, 다음, the method
 *                                 (하나머니 or 계좌), a 6-digit PIN pad.
 * GET /pay/oneq/qr.png?tid&key    the QR image of the mobile page's URL.
 * POST /pay/oneq/api/{state,step,confirm}  the pages' own calls (JSON).
 *
 * `key` (24 random letters and digits, made at ready) is what lets a page
 * see and act on its payment; without it a tid names nothing. The PIN is the
 * shopper's (README: OneQ Pay); five wrong ones lock the payment.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/bank.h"
#include "core/crypto.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "core/qr.h"
#include "surface/oneq/oneq.h"
#include "util/text.h"
#include "web/render.h"

/* ---- shared ---- */

/* The payment a page names (tid + key), or WP_E_NOT_FOUND. */
static wp_status page_payment(struct wp_store *s, struct wp_tx *tx, const char *tid,
			      const char *key, json_t **out)
{
	if (tid == NULL || key == NULL || strlen(tid) > 20 || strlen(key) != ONEQ_PAGE_KEY_LEN ||
	    !wp_all_digits(tid, strlen(tid)))
		return WP_E_NOT_FOUND;
	json_t *p = NULL;
	wp_status st = oneq_payment_load(s, tx, tid, &p);
	if (st != WP_OK)
		return st;
	const char *want = oneq_str(p, "page_key");
	if (strlen(want) != ONEQ_PAGE_KEY_LEN || !wp_ct_equal(want, key, ONEQ_PAGE_KEY_LEN)) {
		json_decref(p);
		return WP_E_NOT_FOUND;
	}
	*out = p;
	return WP_OK;
}

static wp_status shopper_load(struct wp_store *s, struct wp_tx *tx, const char *acct, json_t **out)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	wp_status st =
	    wp_doc_load(s, tx, ONEQ_KIND_SHOPPER, acct, ONEQ_SHOPPER_OWNER, &a, out, NULL);
	wp_arena_free(&a);
	return st;
}

/* Where the browser goes once the shopper is done, or "" while not. */
static const char *redirect_of(wp_arena *a, json_t *p, int64_t now_ms)
{
	const char *status = oneq_status(p, now_ms);
	const char *base = NULL;
	if (strcmp(status, "AUTH_PASSWORD") == 0 || strcmp(status, "SUCCESS_PAYMENT") == 0 ||
	    strcmp(status, "PART_CANCEL_PAYMENT") == 0 || strcmp(status, "CANCEL_PAYMENT") == 0)
		base = oneq_str(p, "approval_url");
	else if (strcmp(status, "QUIT_PAYMENT") == 0)
		base = oneq_str(p, "cancel_url");
	else if (strcmp(status, "FAIL_AUTH_PASSWORD") == 0 || strcmp(status, "FAIL_PAYMENT") == 0)
		base = oneq_str(p, "fail_url");
	if (base == NULL)
		return "";
	const char *sep = strchr(base, '?') ? "&" : "?";
	const char *token = oneq_str(p, "pg_token");
	const char *u =
	    base == oneq_str(p, "approval_url") && token[0]
		? wp_arena_printf(a, "%s%stid=%s&pg_token=%s", base, sep, oneq_str(p, "tid"), token)
		: wp_arena_printf(a, "%s%stid=%s", base, sep, oneq_str(p, "tid"));
	return u ? u : "";
}

static void state_answer(struct oneq_req *q, json_t *p, int64_t now_ms, json_t *into)
{
	int64_t left = (oneq_int(p, "expires_ms") - now_ms) / 1000;
	json_object_set_new(into, "tid", json_string(oneq_str(p, "tid")));
	json_object_set_new(into, "status", json_string(oneq_status(p, now_ms)));
	json_object_set_new(into, "amount", json_integer(oneq_int(p, "amount")));
	json_object_set_new(into, "expires_in", json_integer(left > 0 ? left : 0));
	json_object_set_new(into, "tries_left",
			    json_integer(ONEQ_PIN_TRIES - oneq_int(p, "pin_fails")));
	json_object_set_new(into, "redirect", json_string(redirect_of(&q->r->arena, p, now_ms)));
}

/* ---- pages (GET) ---- */

static void page_headers(struct wp_req *r)
{
	wp_reply_header(r, "Cache-Control", "no-store");
	wp_reply_header(r, "X-Content-Type-Options", "nosniff");
	wp_reply_header(r, "Referrer-Policy", "no-referrer");
	wp_reply_header(r, "X-Frame-Options", "DENY");
	wp_reply_header(r, "Content-Security-Policy",
			"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
			"script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; "
			"form-action 'none'; frame-ancestors 'none'");
}

static void reply_page(struct wp_req *r, unsigned status, const char *tmpl,
		       const struct wp_tvar *vars, size_t n)
{
	wp_buf b;
	wp_buf_init(&b, WP_PAGE_MAX_BYTES);
	if (wp_render(&b, tmpl, vars, n) != WP_OK) {
		wp_buf_free(&b);
		static const char msg[] =
		    "<!DOCTYPE html><title>오류</title><p>페이지를 만들 수 없습니다.";
		wp_reply(r, 503, "text/html; charset=utf-8", msg, sizeof(msg) - 1);
		page_headers(r);
		return;
	}
	size_t len;
	char *html = wp_buf_take(&b, &len);
	wp_reply_take(r, status, "text/html; charset=utf-8", html, len);
	page_headers(r);
}

static void error_page(struct wp_req *r, unsigned status, const char *title, const char *detail)
{
	const struct wp_tvar vars[] = {
	    {"title", title},	 {"error", title},	   {"error_detail", detail},
	    {"pc", NULL},	 {"mobile", NULL},	   {"tid", NULL},
	    {"key", NULL},	 {"merchant", NULL},	   {"item", NULL},
	    {"amount", NULL},	 {"expires_in", NULL},	   {"qr_src", NULL},
	    {"money", NULL},	 {"account", NULL},	   {"balance", NULL},
	    {"bank_name", NULL}, {"account_masked", NULL}, {"account_alias", NULL},
	};
	reply_page(r, status, "oneq_page.html", vars, WP_COUNT(vars));
}

static void page(struct wp_req *r, bool mobile)
{
	const char *tid = wp_req_query(r, "tid"), *key = wp_req_query(r, "key");
	struct wp_store *s = r->app->store;
	json_t *p = NULL;
	wp_status st = page_payment(s, NULL, tid, key, &p);
	if (st == WP_E_NOT_FOUND) {
		error_page(r, 404, "결제 정보를 찾을 수 없습니다",
			   "결제 주소를 다시 확인해 주세요.");
		return;
	}
	if (st != WP_OK || wp_req_json(r, p) == NULL) {
		error_page(r, 503, "잠시 후 다시 시도해 주세요", "결제 정보를 읽지 못했습니다.");
		return;
	}
	int64_t now = wp_clock_now_ms(&r->app->clock);
	char amount[40], left[24];
	wp_format_won(oneq_int(p, "amount"), amount, sizeof(amount));
	int64_t secs = (oneq_int(p, "expires_ms") - now) / 1000;
	snprintf(left, sizeof(left), "%" PRId64, secs > 0 ? secs : 0);
	const char *allowed = oneq_str(p, "payment_method_type");
	bool money_ok = allowed[0] == '\0' || strcmp(allowed, "MONEY") == 0;
	bool account_ok = allowed[0] == '\0' || strcmp(allowed, "계좌") == 0;
	/* The shopper's methods, as the mobile page offers them. */
	char balance[40] = "", masked[64] = "";
	const char *bank_name = "";
	json_t *shopper = NULL;
	if (mobile && shopper_load(s, NULL, oneq_str(p, "bank_acct_num"), &shopper) == WP_OK) {
		struct wp_account wallet;
		if (s->ops->account_read(s, oneq_int(shopper, "wallet_account_id"), &wallet) ==
		    WP_OK)
			wp_format_won(wp_account_available(&wallet), balance, sizeof(balance));
		const struct wp_bank *bank = wp_bank_by_code(oneq_str(shopper, "bank_code"));
		bank_name = bank ? bank->name : "";
		json_decref(shopper);
	}
	const char *acct = oneq_str(p, "bank_acct_num");
	size_t n = strlen(acct);
	snprintf(masked, sizeof(masked), "%s%s", n > 4 ? "****" : "", n > 4 ? acct + n - 4 : acct);
	const char *alias = oneq_str(p, "bank_acct_alias");
	char qr[160];
	snprintf(qr, sizeof(qr), "/pay/oneq/qr.png?tid=%s&key=%s", tid, key);
	const struct wp_tvar vars[] = {
	    {"title", mobile ? "원큐페이 결제" : "원큐페이 QR 결제"},
	    {"pc", mobile ? NULL : "1"},
	    {"mobile", mobile ? "1" : NULL},
	    {"tid", tid},
	    {"key", key},
	    {"merchant", oneq_str(p, "opponent_name")},
	    {"item", oneq_str(p, "item_name")},
	    {"amount", amount},
	    {"expires_in", left},
	    {"qr_src", qr},
	    {"money", money_ok ? "1" : NULL},
	    {"account", account_ok ? "1" : NULL},
	    {"balance", balance[0] ? balance : "확인할 수 없음"},
	    {"bank_name", bank_name},
	    {"account_masked", masked},
	    {"account_alias", alias},
	    {"error", NULL},
	    {"error_detail", NULL},
	};
	reply_page(r, 200, "oneq_page.html", vars, WP_COUNT(vars));
}

void oneq_page_pc(struct wp_req *r)
{
	page(r, false);
}

void oneq_page_mobile(struct wp_req *r)
{
	page(r, true);
}

void oneq_page_qr(struct wp_req *r)
{
	const char *tid = wp_req_query(r, "tid"), *key = wp_req_query(r, "key");
	json_t *p = NULL;
	wp_status st = page_payment(r->app->store, NULL, tid, key, &p);
	json_decref(p);
	if (st != WP_OK) {
		oneq_reply_error(r, st == WP_E_NOT_FOUND ? WP_E_NOT_FOUND : WP_E_UNAVAILABLE,
				 "no payment has this tid and key");
		return;
	}
	char url[WP_URL_MAX + 96];
	snprintf(url, sizeof(url), "%s/pay/oneq/transfer?tid=%s&key=%s", r->app->cfg->public_url,
		 tid, key);
	unsigned char *png;
	size_t len;
	if (wp_qr_png(url, WP_QR_MODULE_PX, &png, &len) != WP_OK) {
		oneq_reply_error(r, WP_E_UNAVAILABLE, "the QR image could not be made");
		return;
	}
	wp_reply_take(r, 200, "image/png", png, len);
	wp_reply_header(r, "Cache-Control", "private, max-age=300");
	wp_reply_header(r, "X-Content-Type-Options", "nosniff");
}

/* ---- the pages' calls (JSON) ---- */

enum { P_TID, P_KEY, P_STEP, P_METHOD, P_PIN };

static const char *const step_values[] = {"open", "next", "quit", NULL};
static const char *const method_values[] = {"MONEY", "계좌", NULL};

static const struct wp_field page_fields[] = {
    [P_TID] = {"tid", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 20},
    [P_KEY] = {"key", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, ONEQ_PAGE_KEY_LEN, ONEQ_PAGE_KEY_LEN},
    [P_STEP] = {"step", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 1, 10, step_values},
    [P_METHOD] = {"method", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 1, 10, method_values},
    [P_PIN] = {"pin", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 6, 6,
	       .expect = "must be the 6-digit PIN"},
};

enum oneq_code oneq_page_state(struct oneq_req *q)
{
	struct wp_value v[2];
	enum oneq_code c = oneq_fields(q, page_fields, 2, v);
	if (c != ONEQ_OK)
		return c;
	json_t *p = NULL;
	wp_status st = page_payment(q->r->app->store, NULL, v[P_TID].s, v[P_KEY].s, &p);
	if (st == WP_E_NOT_FOUND)
		return oneq_fail(q, ONEQ_NO_PAYMENT, "no payment has this tid and key");
	if (st != WP_OK || wp_req_json(q->r, p) == NULL ||
	    (q->data = wp_req_json(q->r, json_object())) == NULL)
		return ONEQ_SYSTEM;
	state_answer(q, p, wp_clock_now_ms(&q->r->app->clock), q->data);
	return ONEQ_OK;
}

enum page_op { PG_STEP, PG_CONFIRM };

struct page_cmd {
	struct oneq_write ow; /* first */
	enum page_op op;
	const char *tid, *key, *step, *method, *pin;
	uint8_t pin_digest[WP_SHA256_BYTES];
	char pg_token[ONEQ_PG_TOKEN_LEN + 1];
	int64_t now_ms;
};

static void pin_digest(const char *pin, uint8_t out[WP_SHA256_BYTES])
{
	char buf[64];
	snprintf(buf, sizeof(buf), "oneq.pin:%s", pin);
	wp_sha256(buf, strlen(buf), out);
}

/* The hold: wallet (MONEY) or holding account after a withdrawal (계좌) → settlement. */
static wp_status hold(struct page_cmd *cmd, struct wp_tx *tx, json_t *p, json_t *shopper,
		      bool *held)
{
	struct wp_app *app = cmd->ow.q->r->app;
	const char *tid = oneq_str(p, "tid");
	int64_t amount = oneq_int(p, "amount");
	json_t *merchant = NULL;
	wp_status st = oneq_merchant_load(NULL, tx, oneq_str(p, "cid"), &merchant);
	int64_t settlement = oneq_int(merchant, "settlement_account_id");
	json_decref(merchant);
	if (st != WP_OK)
		return st;
	bool account = strcmp(cmd->method, "계좌") == 0;
	int64_t source = oneq_int(shopper, "wallet_account_id");
	bool replayed;
	*held = false;
	if (account) {
		st = oneq_holding_account(tx, cmd->now_ms, &source);
		struct wp_bank_party from = {oneq_str(shopper, "bank_code"),
					     oneq_str(shopper, "bank_acct_num"), 0},
				     to = {NULL, NULL, source};
		char id[WP_TRANSFER_ID_MAX + 1];
		snprintf(id, sizeof(id), "oneq:wd:%s", tid);
		int outcome = 0;
		struct wp_transfer moved;
		if (st == WP_OK)
			st = app->bank->ops->move(app->bank, tx, id, &from, &to, amount,
						  WP_TRANSFER_CODE_PAYMENT, cmd->now_ms, &outcome,
						  &moved, &replayed);
		if (st != WP_OK)
			return st;
		if (outcome != WP_BANK_OK) {
			cmd->ow.code = outcome == WP_BANK_INSUFFICIENT_FUNDS ||
					       (outcome == WP_BANK_LEDGER_REJECTED &&
						moved.result == WP_TR_EXCEEDS_CREDITS)
					   ? ONEQ_NO_FUNDS
					   : ONEQ_BANK;
			if (cmd->ow.code == ONEQ_NO_FUNDS)
				snprintf(cmd->ow.why, sizeof(cmd->ow.why),
					 "the registered account has less than %" PRId64 " won",
					 amount);
			else
				snprintf(cmd->ow.why, sizeof(cmd->ow.why),
					 "the bank refused the withdrawal: %s",
					 wp_bank_outcome_name(outcome));
			return WP_OK;
		}
	}
	int64_t timeout_s = (oneq_int(p, "expires_ms") - cmd->now_ms + 999) / 1000;
	struct wp_transfer t = {.debit_account_id = source,
				.credit_account_id = settlement,
				.amount = amount,
				.code = WP_TRANSFER_CODE_PAYMENT,
				.flags = WP_TRANSFER_PENDING,
				.timeout_s = timeout_s > 0 ? timeout_s : 1},
			   out;
	snprintf(t.id, sizeof(t.id), "oneq:hold:%s", tid);
	st = wp_ledger_transfer(tx, &t, cmd->now_ms, &out, &replayed);
	if (st != WP_OK)
		return st;
	if (out.result == WP_TR_EXCEEDS_CREDITS) {
		cmd->ow.code = ONEQ_NO_FUNDS;
		snprintf(cmd->ow.why, sizeof(cmd->ow.why),
			 "하나머니 balance is less than %" PRId64 " won", amount);
		return WP_OK;
	}
	if (out.result != WP_TR_OK)
		return WP_E_INTERNAL;
	json_object_set_new(p, "hold_id", json_string(t.id));
	json_object_set_new(p, "source_account_id", json_integer(source));
	json_object_set_new(p, "method", json_string(cmd->method));
	json_object_set_new(p, "bank_code", json_string(oneq_str(shopper, "bank_code")));
	*held = true;
	return WP_OK;
}

static wp_status confirm(struct page_cmd *cmd, struct wp_tx *tx, json_t *p)
{
	char status[32]; /* a copy: setting "status" frees the string it points to */
	snprintf(status, sizeof(status), "%s", oneq_str(p, "status"));
	const char *allowed = oneq_str(p, "payment_method_type");
	if (strcmp(status, "SELECT_METHOD") != 0 && strcmp(status, "OPEN_PAYMENT") != 0) {
		cmd->ow.code = ONEQ_STATE;
		snprintf(cmd->ow.why, sizeof(cmd->ow.why),
			 "the payment cannot be confirmed now (status %s)", status);
		return WP_OK;
	}
	if (allowed[0] && strcmp(allowed, cmd->method) != 0) {
		cmd->ow.code = ONEQ_STATE;
		snprintf(cmd->ow.why, sizeof(cmd->ow.why), "the merchant allows %s only", allowed);
		return WP_OK;
	}
	json_t *shopper = NULL;
	wp_status st = shopper_load(NULL, tx, oneq_str(p, "bank_acct_num"), &shopper);
	if (st == WP_E_NOT_FOUND) {
		cmd->ow.code = ONEQ_STATE;
		snprintf(cmd->ow.why, sizeof(cmd->ow.why),
			 "no OneQ Pay member has the registered account %s",
			 oneq_str(p, "bank_acct_num"));
		return WP_OK;
	}
	if (st != WP_OK)
		return st;
	/* Five wrong PINs in a row lock the shopper (across payments) for a while. */
	int64_t locked = oneq_int(shopper, "locked_until");
	if (locked > cmd->now_ms) {
		json_object_set_new(p, "status", json_string("FAIL_AUTH_PASSWORD"));
		cmd->ow.code = ONEQ_PIN_LOCKED;
		snprintf(cmd->ow.why, sizeof(cmd->ow.why),
			 "the PIN was wrong %d times in a row: it is locked for %" PRId64
			 " more minutes",
			 ONEQ_PIN_TRIES, (locked - cmd->now_ms + 59999) / 60000);
		json_decref(shopper);
		return WP_OK;
	}
	char hex[2 * WP_SHA256_BYTES + 1];
	wp_hex(cmd->pin_digest, WP_SHA256_BYTES, hex);
	const char *want = oneq_str(shopper, "pin_sha256");
	bool right = strlen(want) == strlen(hex) && wp_ct_equal(want, hex, strlen(hex));
	int64_t in_a_row = right ? 0 : oneq_int(shopper, "pin_fails") + 1;
	if (in_a_row != oneq_int(shopper, "pin_fails")) {
		json_object_set_new(shopper, "pin_fails",
				    json_integer(in_a_row >= ONEQ_PIN_TRIES ? 0 : in_a_row));
		if (in_a_row >= ONEQ_PIN_TRIES)
			json_object_set_new(shopper, "locked_until",
					    json_integer(cmd->now_ms + ONEQ_PIN_LOCK_MS));
		struct wp_doc meta = {.kind = ONEQ_KIND_SHOPPER,
				      .id = oneq_str(shopper, "bank_acct_num"),
				      .owner = ONEQ_SHOPPER_OWNER,
				      .ref = "",
				      .updated_ms = cmd->now_ms};
		st = wp_doc_save(tx, &meta, shopper, false);
		if (st != WP_OK) {
			json_decref(shopper);
			return st;
		}
	}
	if (!right) {
		int64_t fails = oneq_int(p, "pin_fails") + 1;
		json_object_set_new(p, "pin_fails", json_integer(fails));
		if (fails >= ONEQ_PIN_TRIES || in_a_row >= ONEQ_PIN_TRIES) {
			json_object_set_new(p, "status", json_string("FAIL_AUTH_PASSWORD"));
			cmd->ow.code = ONEQ_PIN_LOCKED;
			snprintf(cmd->ow.why, sizeof(cmd->ow.why),
				 "the PIN was wrong %d times: the payment is locked",
				 ONEQ_PIN_TRIES);
		} else {
			cmd->ow.code = ONEQ_PIN_WRONG;
			snprintf(cmd->ow.why, sizeof(cmd->ow.why),
				 "the PIN is wrong: %" PRId64 " tries left",
				 (int64_t)ONEQ_PIN_TRIES - (fails > in_a_row ? fails : in_a_row));
		}
		json_decref(shopper);
		return WP_OK;
	}
	bool held = false;
	json_object_set_new(p, "bank_acct_num", json_string(oneq_str(shopper, "bank_acct_num")));
	st = hold(cmd, tx, p, shopper, &held);
	json_decref(shopper);
	if (st != WP_OK)
		return st;
	if (!held) { /* not enough money, or the bank refused: the payment fails */
		json_object_set_new(p, "status", json_string("FAIL_PAYMENT"));
		json_object_set_new(p, "fail_reason", json_string(cmd->ow.why));
		return WP_OK;
	}
	json_object_set_new(p, "status", json_string("AUTH_PASSWORD"));
	json_object_set_new(p, "pg_token", json_string(cmd->pg_token));
	return oneq_due_add(tx, oneq_str(p, "tid"), oneq_int(p, "expires_ms"), cmd->now_ms);
}

static wp_status apply_page(struct wp_tx *tx, struct wp_cmd *c)
{
	struct page_cmd *cmd = (struct page_cmd *)c;
	cmd->now_ms = wp_clock_now_ms(&cmd->ow.q->r->app->clock); /* the writer's now */
	cmd->ow.code = ONEQ_OK;
	cmd->ow.why[0] = '\0';
	json_object_clear(cmd->ow.answer);
	json_t *p = NULL;
	wp_status st = page_payment(NULL, tx, cmd->tid, cmd->key, &p);
	if (st == WP_E_NOT_FOUND) {
		cmd->ow.code = ONEQ_NO_PAYMENT;
		snprintf(cmd->ow.why, sizeof(cmd->ow.why), "no payment has this tid and key");
		return WP_OK;
	}
	if (st != WP_OK)
		return st;
	char status[32]; /* a copy: setting "status" frees the string it points to */
	snprintf(status, sizeof(status), "%s", oneq_str(p, "status"));
	bool unconfirmed = strcmp(status, "READY") == 0 || strcmp(status, "OPEN_PAYMENT") == 0 ||
			   strcmp(status, "SELECT_METHOD") == 0;
	if (strcmp(status, "FAIL_PAYMENT") == 0 &&
	    strcmp(oneq_str(p, "fail_reason"), "expired") == 0) {
		cmd->ow.code = ONEQ_EXPIRED; /* recorded by an earlier call */
		snprintf(cmd->ow.why, sizeof(cmd->ow.why), "the payment expired");
	} else if (oneq_expired(p, cmd->now_ms)) {
		st = oneq_release(cmd->ow.q->r->app, tx, cmd->tid, p, cmd->now_ms);
		json_object_set_new(p, "status", json_string("FAIL_PAYMENT"));
		json_object_set_new(p, "fail_reason", json_string("expired"));
		cmd->ow.code = ONEQ_EXPIRED;
		snprintf(cmd->ow.why, sizeof(cmd->ow.why), "the payment expired");
	} else if (cmd->op == PG_CONFIRM) {
		st = confirm(cmd, tx, p);
	} else if (strcmp(cmd->step, "quit") == 0) {
		if (unconfirmed) {
			json_object_set_new(p, "status", json_string("QUIT_PAYMENT"));
		} else if (strcmp(status, "QUIT_PAYMENT") != 0) {
			cmd->ow.code = ONEQ_STATE;
			snprintf(cmd->ow.why, sizeof(cmd->ow.why),
				 "the payment can no longer be quit (%s)", status);
		}
	} else if (strcmp(cmd->step, "open") == 0) {
		if (strcmp(status, "READY") == 0)
			json_object_set_new(p, "status", json_string("OPEN_PAYMENT"));
	} else if (strcmp(status, "READY") == 0 || strcmp(status, "OPEN_PAYMENT") == 0) {
		json_object_set_new(p, "status", json_string("SELECT_METHOD")); /* 다음 */
	} else if (strcmp(status, "SELECT_METHOD") != 0) {
		cmd->ow.code = ONEQ_STATE;
		snprintf(cmd->ow.why, sizeof(cmd->ow.why), "the payment is past this step (%s)",
			 status);
	}
	if (st == WP_OK && strcmp(oneq_str(p, "status"), status) != 0) {
		st = oneq_payment_save(tx, cmd->tid, p, false, cmd->now_ms);
	} else if (st == WP_OK && oneq_int(p, "pin_fails") > 0 && cmd->op == PG_CONFIRM) {
		st = oneq_payment_save(tx, cmd->tid, p, false, cmd->now_ms);
	}
	if (st == WP_OK)
		state_answer(cmd->ow.q, p, cmd->now_ms, cmd->ow.answer);
	json_decref(p);
	return st;
}

/*
 * 계좌: can the shopper's bank take a withdrawal now (hours, maintenance,
 * faults)? Asked before the write, as a bank would answer before moving
 * anything; the payment stays as it is, so the shopper may retry or pick
 * 하나머니.
 */
static enum oneq_code bank_reachable(struct oneq_req *q, const char *tid, const char *key)
{
	struct wp_app *app = q->r->app;
	json_t *p = NULL, *shopper = NULL;
	wp_status st = page_payment(app->store, NULL, tid, key, &p);
	if (st == WP_OK)
		st = shopper_load(app->store, NULL, oneq_str(p, "bank_acct_num"), &shopper);
	json_decref(p);
	if (st == WP_E_NOT_FOUND)
		return ONEQ_OK; /* the write says what is missing */
	if (st != WP_OK)
		return ONEQ_SYSTEM;
	struct wp_bank_answer a;
	app->bank->ops->reach(app->bank, oneq_str(shopper, "bank_code"), &a);
	json_decref(shopper);
	if (a.outcome == WP_BANK_OK)
		return ONEQ_OK;
	return oneq_fail(q, ONEQ_BANK, "the bank cannot take a withdrawal now: %s",
			 wp_bank_outcome_name(a.outcome));
}

static enum oneq_code page_write(struct oneq_req *q, enum page_op op)
{
	struct wp_value v[WP_COUNT(page_fields)];
	enum oneq_code c = oneq_fields(q, page_fields, 2, v);
	if (c == ONEQ_OK && op == PG_STEP)
		c = oneq_fields(q, page_fields + P_STEP, 1, v + P_STEP);
	if (c == ONEQ_OK && op == PG_CONFIRM)
		c = oneq_fields(q, page_fields + P_METHOD, 2, v + P_METHOD);
	if (c != ONEQ_OK)
		return c;
	struct page_cmd *cmd = WP_WRITE_NEW(q->r, struct page_cmd, apply_page, oneq_write_finish);
	if (cmd == NULL || (cmd->ow.answer = wp_req_json(q->r, json_object())) == NULL)
		return ONEQ_SYSTEM;
	cmd->ow.q = q;
	cmd->op = op;
	cmd->tid = v[P_TID].s;
	cmd->key = v[P_KEY].s;
	cmd->now_ms = wp_clock_now_ms(&q->r->app->clock);
	if (op == PG_STEP) {
		cmd->step = v[P_STEP].s;
	} else {
		cmd->method = v[P_METHOD].s;
		if (strcmp(cmd->method, "계좌") == 0) {
			c = bank_reachable(q, cmd->tid, cmd->key);
			if (c != ONEQ_OK)
				return c;
		}
		pin_digest(v[P_PIN].s, cmd->pin_digest);
		if (wp_random_alnum(cmd->pg_token, ONEQ_PG_TOKEN_LEN) != WP_OK)
			return ONEQ_SYSTEM;
	}
	wp_write_submit(&cmd->ow.w);
	return ONEQ_DEFERRED;
}

enum oneq_code oneq_page_step(struct oneq_req *q)
{
	return page_write(q, PG_STEP);
}

enum oneq_code oneq_page_confirm(struct oneq_req *q)
{
	return page_write(q, PG_CONFIRM);
}

void oneq_pin_digest_hex(const char *pin, char out[2 * WP_SHA256_BYTES + 1])
{
	uint8_t d[WP_SHA256_BYTES];
	pin_digest(pin, d);
	wp_hex(d, sizeof(d), out);
}

/* ---- the OpenAPI rows ---- */

static const struct wp_field page_query[] = {
    {"tid", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 20},
    {"key", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, ONEQ_PAGE_KEY_LEN, ONEQ_PAGE_KEY_LEN},
};
static const struct wp_doc_prop state_props[] = {
    {"tid", "string", NULL},
    {"status", "string", "the payment's status (as /pay/order)"},
    {"amount", "integer", NULL},
    {"expires_in", "integer", "seconds until an unapproved payment expires"},
    {"tries_left", "integer", "PIN tries left"},
    {"redirect", "string", "where the browser goes now; empty while the shopper is not done"},
};
static const struct wp_doc_shape state_shape[] = {{NULL, page_fields, 2}};
static const struct wp_field step_table[] = {
    {"tid", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 20},
    {"key", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, ONEQ_PAGE_KEY_LEN, ONEQ_PAGE_KEY_LEN},
    {"step", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 1, 10, step_values},
};
static const struct wp_field confirm_table[] = {
    {"tid", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 1, 20},
    {"key", WP_FIELD_ALNUM, WP_FIELD_REQUIRED, ONEQ_PAGE_KEY_LEN, ONEQ_PAGE_KEY_LEN},
    {"method", WP_FIELD_ENUM, WP_FIELD_REQUIRED, 1, 10, method_values},
    {"pin", WP_FIELD_DIGITS, WP_FIELD_REQUIRED, 6, 6},
};
static const struct wp_doc_shape step_shape[] = {{NULL, step_table, WP_COUNT(step_table)}};
static const struct wp_doc_shape confirm_shape[] = {{NULL, confirm_table, WP_COUNT(confirm_table)}};

const struct wp_route_doc oneq_doc_page_state = {
    .summary = "The pages' poll: a payment's status and where to go",
    .body = WP_DOC_JSON,
    .shapes = state_shape,
    .shape_count = 1,
    .answer_props = state_props,
    .answer_prop_count = WP_COUNT(state_props),
};
const struct wp_route_doc oneq_doc_page_step = {
    .summary = "The mobile page's steps: open, next (다음), quit (취소)",
    .body = WP_DOC_JSON,
    .shapes = step_shape,
    .shape_count = 1,
    .answer_props = state_props,
    .answer_prop_count = WP_COUNT(state_props),
};
const struct wp_route_doc oneq_doc_page_confirm = {
    .summary = "The shopper's PIN: holds the money (MONEY: 하나머니, 계좌: the account)",
    .description = "A wrong PIN answers -801 with the tries left; the fifth locks the "
		   "payment (-802, FAIL_AUTH_PASSWORD).",
    .body = WP_DOC_JSON,
    .shapes = confirm_shape,
    .shape_count = 1,
    .answer_props = state_props,
    .answer_prop_count = WP_COUNT(state_props),
};
const struct wp_route_doc oneq_doc_page_pc = {
    .summary = "The PC page (next_redirect_url): the order and a QR code of the mobile page",
    .query = page_query,
    .query_count = 2,
    .answer = WP_DOC_ANSWER_HTML,
    .open = true,
};
const struct wp_route_doc oneq_doc_page_mobile = {
    .summary = "The mobile page (android_app_scheme): 다음, the method, the PIN",
    .query = page_query,
    .query_count = 2,
    .answer = WP_DOC_ANSWER_HTML,
    .open = true,
};
const struct wp_route_doc oneq_doc_page_qr = {
    .summary = "The QR image (PNG) of the mobile page's URL",
    .query = page_query,
    .query_count = 2,
    .answer = WP_DOC_ANSWER_PNG,
    .open = true,
};
