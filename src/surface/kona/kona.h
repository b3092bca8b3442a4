/*
 * kona.h — the Konaplate surface (prepaid platform: members and bank accounts).
 *
 * Wire contract: Konaplate's API pages (예금주 조회, ARS 자동충전 계좌 등록)
 * plus what docs/decisions.md records as observed or inferred. Every call is
 * POST JSON under /api/v1/... and /open-api/api/v1/...; the X-KM-* headers
 * are checked, the tran token (HMAC-SHA256 of the raw body under the
 * partner's secret key) verified in constant time, stale or replayed tokens
 * refused; with X-KM-Crypto-Key-Id the body is {"encData":"<JWE>"} and the
 * answer is encrypted to the partner's public key. Answers carry the data
 * fields plus "response":{"code","description"}.
 *
 *   codes.c         every code: wp_status, field failures and bank outcomes mapped
 *   token.c         header parsers and the tran-token verifier (unit-tested)
 *   pipeline.c      the wrapper: headers, credentials, token, replay, crypto,
 *                   body; one answer per request
 *   members.c       user/registration, user/info (and by CI), checkRegistrationId
 *   member_changes.c info change, passwords, withdrawal, dormant release
 *   terms.c         terms list and agreement
 *   cards.c         cards: the mobile card, list, info, status
 *   physical.c      physical cards: register, look up, issue and reissue
 *   tokens.c        one-time tokens
 *   recharges.c     charges from the registered account, their results, pending ones
 *   charge_cancel.c a charge cancelled: off the card now, to the bank the next day
 *   payments.c      card payments and their cancels
 *   history.c       a card's transactions
 *   portal.c        the portal's test data, seeded in sandbox mode
 *   bankaccounts.c  holder verification, the registered account, banks
 *   ars.c           ARS auth and registration: the simulated call
 *   module.c        routes, descriptor, sandbox partner, `partner add`
 *
 * An endpoint is a kona_handler: it returns the code to answer with (data
 * in k->data), or KONA_DEFERRED when a write or a slow bank answers later.
 */
#ifndef WP_SURFACE_KONA_H
#define WP_SURFACE_KONA_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/replay.h"
#include "error.h"
#include "surface/kit.h"

#define KONA_SURFACE "kona"
#define KONA_ASP_ID_LEN 15
#define KONA_ACCESS_KEY_LEN 40
#define KONA_SECRET_KEY_LEN 40
#define KONA_CRYPTO_KEY_ID_LEN 32
#define KONA_CORRELATION_ID_LEN 20 /* as documented; clients send up to 23 (more hex) */
#define KONA_CORRELATION_ID_MAX 23
#define KONA_TRAN_TIME_MAX 17 /* documented 14; 16 and 17 (milliseconds) seen: the first 14 read */
#define KONA_TRAN_TOKEN_MAX 128	      /* "KMV1:" + 17-digit stamp + ":" + 44 base64: 67 */
#define KONA_REG_NO_LEN 22	      /* "R" + yyyyMMddHHmmss + 7 digits */
#define KONA_ACCOUNT_ID_LEN 5	      /* the registration's last digits */
#define KONA_USER_ID_MIN 1000000000LL /* ten digits, never starting with 0 */

/* Documents (core/docs.h) kept by this surface. */
#define KONA_KIND_MEMBER "kona.member"
#define KONA_KIND_CI "kona.ci"			   /* a member found by its CI (one per person) */
#define KONA_KIND_MOBILE "kona.mobile"		   /* members found by their mobile number */
#define KONA_DORMANT_MS (365LL * 24 * 3600 * 1000) /* a year without activity */
#define KONA_KIND_ARS "kona.arsauth"
#define KONA_KIND_BANKACC "kona.bankacc"
#define KONA_KIND_CARD "kona.card"
#define KONA_CARDS_MAX 100 /* cards one member's list shows */
#define KONA_KIND_OTT "kona.ott"
#define KONA_OTT_MS 30000	/* a one-time token's life */
#define KONA_OTT_LONG_MS 300000 /* with type ATM or CREDIT */
#define KONA_OTT_LIVE_MAX 256	/* live one-time tokens of one card */
#define KONA_KIND_CARD_TX "kona.cardtx"
#define KONA_CARD_TX_MAX 1000 /* a card's newest transactions transaction/card reads */

/* Registration statuses (bankaccounts/ars/register/inquiry). */
#define KONA_ARS_IN_PROGRESS "ARS_AUTH_IN_PROGRESS"
#define KONA_ARS_DONE "ARS_AUTH_DONE"
#define KONA_ARS_FAILED "ARS_AUTH_FAILED"
#define KONA_REG_FAILED "BANK_ACC_REG_FAILED"
#define KONA_REGISTERED "BANK_ACC_REGISTERED"

/* Every answer code (codes.c has their wire form). Order is not the wire's. */
enum kona_code {
	KONA_DEFERRED = -1, /* not an answer: a write or a timer answers later */
	KONA_OK = 0,
	KONA_INVALID,
	KONA_MISSING,
	KONA_LENGTH,
	KONA_BAD_ACCESS,
	KONA_BAD_TOKEN,
	KONA_STALE,
	KONA_REPLAY,
	KONA_BAD_KEY,
	KONA_DECRYPT,
	KONA_RATE_LIMITED,
	KONA_NOT_FOUND,
	KONA_METHOD,
	KONA_TOO_LARGE,
	KONA_URI_TOO_LONG,
	KONA_SYSTEM,
	KONA_USER_EXISTS,
	KONA_PASSWORD,	      /* 001_002 */
	KONA_PASSWORD_LOCKED, /* 001_003 five wrong passwords in a row */
	KONA_WITHDRAW_DENIED, /* 001_004 a card holds money, or a charge is pending */
	KONA_DORMANT,	      /* 001_005 */
	KONA_TERMS_REQUIRED,  /* 001_006 a required term withdrawn */
	KONA_BAD_USER,
	KONA_BAD_CARD,	    /* 000_002 with the field: no such card (of this partner) */
	KONA_CARD_STATUS,   /* 003_001: the card is not ACTIVE (suspended) */
	KONA_CARD_TAKEN,    /* 003_003: a physical card another member holds */
	KONA_CARD_LIMIT,    /* 003_004: the member holds the most cards */
	KONA_CARD_LOCKED,   /* 003_005: five wrong expiry or CVC tries */
	KONA_BAD_PAR,	    /* 000_002 with the field: no such par (of this member) */
	KONA_BAD_SEQ,	    /* 000_002 sequenceId: used before with other fields, or unknown */
	KONA_BAD_OTT,	    /* 000_002 oneTimeToken: unknown, used, expired, another's card */
	KONA_BAD_DCVV,	    /* 000_002 dcvv: not the token's */
	KONA_LIMIT,	    /* 007_003 the card's limit */
	KONA_WITHDRAW,	    /* 007_004 the bank did not pay out */
	KONA_AMOUNT_ZERO,   /* 007_007 amount not above zero */
	KONA_CHARGE_BUSY,   /* 007_005 a charge of the member is pending */
	KONA_BALANCE,	    /* 003_002 the card holds less than the payment */
	KONA_NO_PAYMENT,    /* 000_002 nrNumber: no payment of this card at this merchant */
	KONA_CANCEL_DENIED, /* 007_030 more than what is left of the payment */
	KONA_ACC_FORMAT,
	KONA_NO_RESPONSE,
	KONA_NAME,
	KONA_BEFORE_HOURS,
	KONA_USER_INFO,
	KONA_BANK_INVALID,
	KONA_ACC_NOT_FOUND,
	KONA_ACC_STATUS,
	KONA_NOT_VERIFIABLE,
	KONA_DELAY,
	KONA_NOT_MEMBER,
	KONA_NO_ARS_AUTH,
	KONA_IN_PROGRESS,
	KONA_ARS_AUTH_FAILED,
	KONA_LIFETIME,
	KONA_INVALID_ACCOUNT,
	KONA_NO_REG,
	KONA_NOT_REGISTERED,
	KONA_AUTO_EXISTS,
	KONA_CODE_COUNT
};

struct kona_code_row {
	const char *code;	 /* "002_003" */
	const char *description; /* "Names are not matched." */
	unsigned http;
};

extern const struct kona_code_row kona_codes[KONA_CODE_COUNT];
enum kona_code kona_code_of_status(wp_status st);
enum kona_code kona_code_of_field(const struct wp_field_error *e);
enum kona_code kona_code_of_bank(int outcome);
/* The code a stored registration carries ("002_014"), KONA_OK for "000_000" or unknown. */
enum kona_code kona_code_of_wire(const char *code);

/* ---- token.c: parsers, exposed for the unit tests ---- */

/* yyMMddHHmmss-xxxxxxx with a real date and 7 (to 10) hex digits. */
bool kona_correlation_id_valid(const char *s);
/* Minutes east of UTC for X-KM-Time-Zone ("KST", "UTC", ...), or -1. */
/* The X-KM-Time-Zone values wonpay knows (NULL-terminated). */
extern const char *const kona_zones[];
int kona_zone_offset_min(const char *zone);
/* Milliseconds since the epoch for yyyyMMddHHmmss[SSS] in zone ("KST", "UTC", ...). */
bool kona_parse_time(const char *digits, size_t n, const char *zone, int64_t *ms);

enum kona_token_check {
	KONA_TOKEN_OK = 0,
	KONA_TOKEN_MALFORMED, /* not KMV1:<17 digits>:<base64 of 32 bytes> */
	KONA_TOKEN_BAD_SIGNATURE,
	KONA_TOKEN_STALE, /* its time is more than the allowed skew from now */
};

/*
 * Verifies X-KM-Tran-Token = "KMV1:" yyyyMMddHHmmssSSS ":" base64(HMAC-SHA256(
 * secret, body)) against the raw body, in constant time. zone is
 * X-KM-Time-Zone. *token_ms gets the token's time when it parses.
 */
enum kona_token_check kona_verify_tran_token(const char *token, const char *secret,
					     const void *body, size_t body_len, const char *zone,
					     int64_t now_ms, int64_t skew_ms, int64_t *token_ms);

/* ---- module.c: credentials, as `partner add` and sandbox mode issue them ---- */

struct kona_credentials {
	char asp_id[KONA_ASP_ID_LEN + 1];
	char access_key[KONA_ACCESS_KEY_LEN + 1];
	char secret_key[KONA_SECRET_KEY_LEN + 1];
	char crypto_key_id[KONA_CRYPTO_KEY_ID_LEN + 1];
};
/* Fresh random credentials (AspId, access key, secret, key id). */
wp_status kona_generate_credentials(struct kona_credentials *c);

/* ---- pipeline.c: the per-request context ---- */

struct kona_state {
	struct wp_replay *replay; /* tran tokens already used */
};

struct kona_req {
	struct wp_req *r;
	struct wp_app *app;
	struct kona_state *state;
	int64_t partner_id;
	const char *asp_id;
	const char *correlation_id; /* echoed once well-formed, errors included */
	const char *crypto_key_id;  /* NULL when the request is not encrypted */
	char enc[8];		    /* the request's JWE enc, mirrored in the answer */
	EVP_PKEY *partner_public;   /* released when the request ends */
	json_t *body;		    /* the (decrypted) JSON object; request-owned */
	/* The answer. */
	json_t *data;	    /* its data fields (request-owned), or NULL */
	const char *field;  /* appended to the description: "Missing required values. loginId" */
	const char *expect; /* then what the field expects: "... loginPassword (6 digits)" */
	const char *detail; /* replaces the description (a parse error) */
	bool answered;
	_Atomic int token_lost; /* the durable token record failed: 1, or 2 when it was used */
};

typedef enum kona_code (*kona_handler)(struct kona_req *k);

/* The routes' wrapper: route.impl is the endpoint's kona_handler. */
void kona_run(struct wp_req *r);
/* Answers once: data + response, encrypted when the request was. */
void kona_answer(struct kona_req *k, enum kona_code c);
/* Errors from the server itself (404, 405, 413, framing) in Kona's envelope. */
void kona_reply_error(struct wp_req *r, wp_status st, const char *msg);
/* Checks k->body against a table: KONA_OK, or the failure's code (k->field set). */
enum kona_code kona_fields(struct kona_req *k, const struct wp_field *t, size_t n,
			   struct wp_value *out);
/* A request-owned JSON value (NULL when out of memory). */
json_t *kona_json(struct kona_req *k, json_t *v);

/*
 * A write whose answer is the common one: on a durable WP_OK the data
 * `reply` (request-owned), else on_conflict / on_not_found / KONA_SYSTEM.
 */
struct kona_write {
	struct wp_write w;
	wp_cmd_apply apply; /* the endpoint's, run once the token is known recorded */
	struct kona_req *k;
	json_t *reply;
	enum kona_code on_conflict;
	enum kona_code on_not_found;
	enum kona_code on_forbidden; /* WP_E_FORBIDDEN's code, when the write refuses */
	enum kona_code code;	     /* set by apply: a refusal decided in the writer */
};
/* A zeroed write of `size` bytes (embedding struct kona_write first), or NULL. */
void *kona_write_new(struct kona_req *k, size_t size, wp_cmd_apply apply);

/* A write of one document: its row and its body (request-owned). */
struct kona_doc_write {
	struct kona_write kw;
	struct wp_doc doc;
	json_t *body;
};
/*
 * A document write of `size` bytes (embedding struct kona_doc_write first)
 * for this request's partner, stamped now, with a fresh request-owned body
 * and reply; NULL when out of memory or id/ref is NULL. id and ref must
 * live as long as the request (arena strings).
 */
void *kona_doc_write_new(struct kona_req *k, size_t size, wp_cmd_apply apply, const char *kind,
			 const char *id, const char *ref, const char *uniq);

/* ---- cards.c ---- */

#define KONA_SERVICE_ID "000170000002000" /* the portal's cards' serviceId */
#define KONA_CARD_MOBILE "MOBILE"
#define KONA_CARD_PHYSICAL "CARDSE"
#define KONA_CARD_REPLACED "REISSUED"	  /* a card a reissue replaced: its balance moved on */
#define KONA_CARD_TERMINATED "TERMINATED" /* its member withdrew */
#define KONA_CARD_CHAIN_MAX 16 /* a card's reissues: followed back (history) or on (refunds) */
/* Every card a member can have had: KONA_CARDS_MAX held, each reissued up to the chain. */
#define KONA_CARDS_ALL (KONA_CARDS_MAX * KONA_CARD_CHAIN_MAX)

/* What a new card is (kona_card_create). */
struct kona_card_spec {
	const char *asp_id;
	int64_t user_id;		     /* 0: not registered (a physical card in stock) */
	const char *type;		     /* KONA_CARD_MOBILE or KONA_CARD_PHYSICAL */
	const char *no, *cvc, *par, *expiry; /* NULL: drawn (the portal's cards bring theirs) */
	const char *previous_par;	     /* the card a reissue replaces */
	bool portal;			     /* the portal's test data */
	json_t **out;			     /* when set: a reference to the new card's body */
};
/*
 * Inside a write: a new card (its ledger account and document); when reply
 * is set its basicCardInfo {par, cardNo, expiryDate, serviceId} into it.
 * WP_E_CONFLICT when a given number or par exists.
 */
wp_status kona_card_create(const struct wp_app *app, struct wp_tx *tx,
			   const struct kona_card_spec *spec, int64_t now_ms, json_t *reply);
/* The mobile card of a new member, into reply as basicCardInfo. */
wp_status kona_card_issue(struct kona_req *k, struct wp_tx *tx, int64_t user_id, int64_t now_ms,
			  json_t *reply);
/* Inside a write: a card's document saved again (its par, member and number's hash kept). */
wp_status kona_card_save(struct wp_tx *tx, json_t *card, int64_t now_ms);
/*
 * Inside a write: the card that now holds what `*card` held — itself, or the
 * card its reissues led to (*card replaced by it). Money coming back to a
 * replaced card (a refund, a pending charge) goes there.
 */
wp_status kona_card_current(struct wp_tx *tx, const char *asp_id, json_t **card);
/* A card's posted balance: a new JSON integer, NULL on failure. */
json_t *kona_card_balance(struct kona_req *k, json_t *card);
bool kona_luhn_valid(const char *no, size_t n);
enum kona_code kona_card_list(struct kona_req *k);
enum kona_code kona_card_info(struct kona_req *k);
enum kona_code kona_onetime_token(struct kona_req *k);
enum kona_code kona_card_status(struct kona_req *k);
/* recharges.c */
enum kona_code kona_recharge(struct kona_req *k);
enum kona_code kona_recharge_result(struct kona_req *k);
enum kona_code kona_payment(struct kona_req *k);
enum kona_code kona_payment_cancel(struct kona_req *k);
enum kona_code kona_recharge_cancel(struct kona_req *k);
extern const struct wp_route_doc kona_doc_recharge_cancel;
void kona_card_uniq(const struct wp_app *app, const char *card_no, char *out, size_t cap);
/* Inside a write, after the money moved: the card's transaction (trType 00/01/02). */
wp_status kona_card_log(const char *asp_id, struct wp_tx *tx, json_t *card, const char *type,
			int64_t amount, const char *merchant, const char *nr, int64_t now_ms);
/* Pending charges (the bank slow or unreachable) finished by the commit writer's housekeeping. */
wp_status kona_housekeeping(struct wp_app *app, void *state, struct wp_tx *tx, int64_t now_ms);
/* ARS calls' steps that fell due and no timer ran (a process stopped or died meanwhile). */
wp_status kona_ars_housekeeping(struct wp_app *app, struct wp_tx *tx, int64_t now_ms);
enum kona_code kona_card_history(struct kona_req *k);
/* Inside a write: whether the member's pendingCharge names a charge still PENDING. */
wp_status kona_charge_pending(struct wp_tx *tx, const char *asp, json_t *member, bool *pending);
/*
 * Inside a write: the member userId of asp (a new reference), its row in meta
 * (may be NULL; strings in a); WP_E_NOT_FOUND when there is none.
 */
wp_status kona_member_load(struct wp_tx *tx, const char *asp, int64_t user_id, wp_arena *a,
			   json_t **member, struct wp_doc *meta);
/* Inside a write: WP_OK when the member exists at this partner, else WP_E_NOT_FOUND. */
wp_status kona_member_in_tx(struct wp_tx *tx, const char *asp, int64_t user_id);

/* The merchant's ledger account (made on its first payment, or seeded). */
wp_status kona_merchant_account(struct wp_tx *tx, const char *merchant, int64_t now_ms,
				int64_t *id);

/* ---- portal.c: the portal's test data (sandbox) ---- */

struct kona_terms_row {
	int64_t id;
	const char *title;
	bool required;
};
extern const struct kona_terms_row kona_terms[];
extern const size_t kona_terms_count;
/* The current code of a portal's legacy bank code (005 -> 081, 010 -> 011, 021 -> 088). */
const char *kona_bank_code(const char *code);
/* A portal merchant's name, or NULL. */
const char *kona_merchant_name(const char *id);
/* Inside the seeding write: the portal's accounts, cards and merchants that are missing. */
wp_status kona_portal_seed(const struct wp_app *app, struct wp_tx *tx, const char *asp_id,
			   int64_t now_ms);

/* physical.c */
/*
 * The body's addressInfo{address, addressDetail, zipCode (5 digits)},
 * checked and sealed (AAD kona.addressInfo) into *sealed (request-owned;
 * NULL when absent and not required).
 */
enum kona_code kona_address(struct kona_req *k, bool required, const char **sealed);
enum kona_code kona_physical_register(struct kona_req *k);
enum kona_code kona_unregistered_card(struct kona_req *k);
enum kona_code kona_issue_delivery(struct kona_req *k);
enum kona_code kona_reissue_delivery(struct kona_req *k);
extern const struct wp_route_doc kona_doc_physical_register, kona_doc_unregistered_card,
    kona_doc_issue_delivery, kona_doc_reissue_delivery;

/* A document's string ("" when absent) and integer (0) fields. */
static inline const char *kona_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}
static inline int64_t kona_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* ---- charges (recharges.c, charge_cancel.c) ---- */

#define KONA_KIND_CHARGE "kona.charge"	 /* id "<AspId>:<sequenceId>": a charge or a cancel */
#define KONA_KIND_PENDING "kona.pending" /* a charge or cancel housekeeping finishes */
#define KONA_PENDING_OWNER "kona"
#define KONA_PENDING_REF "due" /* charges waiting for their bank */
/* A cancel's refund, due on a KST day: marker ref "refund:<yyyyMMdd>" (kona_refund_ref). */
#define KONA_REFUND_DAYS 8 /* days of due refunds housekeeping looks back over */
void kona_refund_ref(int64_t day_ms, char *out, size_t cap);
#define KONA_PENDING_PAGE 200
#define KONA_PENDING_DEADLINE_MS (24LL * 3600 * 1000) /* then FAILED ("through the day") */

/* A charge's (or a charge cancel's) write. */
struct kona_charge {
	struct kona_write kw;
	char id[KONA_ASP_ID_LEN + 40];
	char user[24];
	const char *token, *merchant;
	char dcvv_hash[2 * WP_SHA256_BYTES + 1];
	char nr[24];
	int64_t user_id, amount, now_ms;
};
/* The member's registered account: its bank code and (opened) number; false when none. */
bool kona_registered_account(struct kona_charge *c, struct wp_tx *tx, char *bank, size_t bcap,
			     char *number, size_t ncap, wp_status *st);
/* Inside a write: a charge's (or cancel's) document, filed under its member (body's userId). */
wp_status kona_charge_put(struct wp_tx *tx, const char *asp, const char *id, json_t *body,
			  int64_t now_ms, bool insert);
/* Inside a write: the marker housekeeping finds the charge or refund `id` by (ref). */
wp_status kona_pending_mark(struct wp_tx *tx, const char *id, const char *ref, int64_t now_ms);
/* Kona's account for refunds on their way to a bank account. */
wp_status kona_refund_account(struct wp_tx *tx, int64_t now_ms, int64_t *id);

/* What spending a one-time token checks (tokens.c). */
struct kona_spend {
	const char *token;
	const char *dcvv_hash; /* NULL: not sent */
	int64_t user_id;       /* 0: any member's card */
	bool active;	       /* the card must be ACTIVE */
	int64_t now_ms;
};
/*
 * Inside a write: the token's card (*card, a new reference, NULL when none)
 * and the token marked used — KONA_OK; or why not: KONA_BAD_OTT, KONA_BAD_DCVV,
 * KONA_CARD_STATUS, or KONA_SYSTEM with *st the storage failure.
 */
enum kona_code kona_token_spend(struct kona_req *k, struct wp_tx *tx, const struct kona_spend *in,
				wp_arena *a, json_t **card, wp_status *st);
extern const struct wp_route_doc kona_doc_card_history;
extern const struct wp_route_doc kona_doc_recharge, kona_doc_recharge_result, kona_doc_payment,
    kona_doc_payment_cancel;
extern const struct wp_route_doc kona_doc_card_list, kona_doc_card_info, kona_doc_onetime_token,
    kona_doc_card_status;

/* ---- members.c ---- */

/*
 * The member userId of this partner, request-owned: KONA_OK, KONA_BAD_USER,
 * KONA_DORMANT or KONA_SYSTEM.
 */
enum kona_code kona_member(struct kona_req *k, int64_t user_id, json_t **member);
/* The same, dormant or not (*dormant says). */
enum kona_code kona_member_any(struct kona_req *k, int64_t user_id, json_t **member, bool *dormant);
/* The keyed hash of a CI or mobile number (kind KONA_KIND_CI or _MOBILE) into out[65]. */
void kona_index_hash(const struct wp_app *app, const char *kind, const char *value, char *out);
/* Inside a write: a member's index entry added or removed. */
wp_status kona_index_put(struct wp_tx *tx, const char *kind, const char *asp, const char *hash,
			 const char *user, int64_t now_ms);
wp_status kona_index_drop(struct wp_tx *tx, const char *kind, const char *asp, const char *hash,
			  const char *user);
/* The stored form of a password: a keyed hash of AspId, login and password, into out[65]. */
void kona_password_hash(const struct wp_app *app, const char *asp, const char *login,
			const char *password, char *out);
enum kona_code kona_user_by_ci(struct kona_req *k);
enum kona_code kona_check_registration_id(struct kona_req *k);
extern const struct wp_route_doc kona_doc_user_by_ci, kona_doc_check_registration_id;

/* ---- member_changes.c, terms.c: writes that change a member ---- */

struct kona_member_write;
/* The change, in the writer: *save to save the member; a refusal in w->kw.code. */
typedef wp_status (*kona_member_change)(struct kona_member_write *w, struct wp_tx *tx,
					json_t *member, bool *save);
struct kona_member_write {
	struct kona_write kw;
	int64_t user_id, now_ms;
	kona_member_change change;
};
/* A member write of `size` bytes (embedding struct kona_member_write first), or NULL. */
void *kona_member_write_new(struct kona_req *k, size_t size, int64_t user_id,
			    kona_member_change change);
/* The body's tcIdList: known terms ids, request-owned (NULL when absent). */
enum kona_code kona_terms_of_body(struct kona_req *k, json_t **ids);
enum kona_code kona_user_update(struct kona_req *k);
enum kona_code kona_password_verify(struct kona_req *k);
enum kona_code kona_password_change(struct kona_req *k);
enum kona_code kona_password_reset(struct kona_req *k);
enum kona_code kona_user_withdrawal(struct kona_req *k);
enum kona_code kona_dormant_release(struct kona_req *k);
enum kona_code kona_terms_list(struct kona_req *k);
enum kona_code kona_terms_agreement(struct kona_req *k);
extern const struct wp_route_doc kona_doc_user_update, kona_doc_password_verify,
    kona_doc_password_change, kona_doc_password_reset, kona_doc_withdrawal,
    kona_doc_dormant_release, kona_doc_terms_list, kona_doc_terms_agreement;
/* The body's userId and that member (member may be NULL when only its existence matters). */
enum kona_code kona_member_of_body(struct kona_req *k, int64_t *user_id, json_t **member);
/* A sealed field of a document, opened into the request; NULL when absent or unopenable. */
const char *kona_open(struct kona_req *k, json_t *doc, const char *name, const char *aad);

/* ---- bankaccounts.c, ars.c ---- */

struct kona_account_input {
	int64_t user_id;
	const char *name, *birth, *bank_code, *account;
};
/* userId, userName, birthDate, bankCode, bankAccount; then the member is the named person. */
enum kona_code kona_account_input(struct kona_req *k, struct kona_account_input *in);
/* Answers code (with no data) now, or after the bank's latency without holding a worker. */
enum kona_code kona_answer_after(struct kona_req *k, enum kona_code code, uint32_t latency_ms);
/* The member's registrations, newest first, request-owned (each with "_id"). */
enum kona_code kona_registrations(struct kona_req *k, int64_t user_id, json_t **list);
/* A registration in this status and not deleted. */
bool kona_reg_is(json_t *reg, const char *status);

/* The OpenAPI rows (surface/kit.h), each beside the field table it shows. */
#define KONA_HEADER_FIELDS 7
extern const struct wp_field kona_header_fields[KONA_HEADER_FIELDS];
extern const struct wp_doc_shape kona_user_id_shape[]; /* {userId} */
extern const struct wp_route_doc kona_doc_registration, kona_doc_user_info, kona_doc_user_valid,
    kona_doc_ars_auth, kona_doc_ars_register, kona_doc_ars_inquiry, kona_doc_auto_recharge,
    kona_doc_accounts_info, kona_doc_accounts_inquiry, kona_doc_accounts_delete, kona_doc_banks,
    kona_doc_sandbox_ars_answer;

enum kona_code kona_user_registration(struct kona_req *k);
enum kona_code kona_user_info(struct kona_req *k);
enum kona_code kona_user_valid(struct kona_req *k);
enum kona_code kona_ars_auth(struct kona_req *k);
enum kona_code kona_ars_register(struct kona_req *k);
enum kona_code kona_ars_inquiry(struct kona_req *k);
enum kona_code kona_auto_recharge_register(struct kona_req *k);
enum kona_code kona_bankaccounts_info(struct kona_req *k);
enum kona_code kona_bankaccounts_inquiry(struct kona_req *k);
enum kona_code kona_bankaccounts_delete(struct kona_req *k);
enum kona_code kona_banks(struct kona_req *k);
/* POST /sandbox/kona/ars/{regNo}/answer: the member presses digits (control API). */
void kona_sandbox_ars_answer(struct wp_ctl *c);

#endif
