/*
 * portal.c — the Konaplate developer portal's test data, seeded in sandbox
 * mode so a client written against the real sandbox with the portal's data
 * runs unchanged (README: "Kona portal test data"; docs/decisions.md):
 *
 * - the ten test people's bank accounts at the sandbox bank, with money
 *   where the portal flags balance Y and none where it flags N;
 * - the ten physical test cards (expiry 3108, serviceId 000170000002000),
 *   not registered to anyone, for the sandbox partner;
 * - the merchant ids, with their ledger accounts and names;
 * - the terms ids (kona_terms, read by terms.c).
 *
 * The portal's legacy bank codes 005, 010 and 021 are taken for their
 * current banks 081, 011 and 088 (kona_bank_code).
 */
#include <stdio.h>
#include <string.h>

#include "core/bank_sandbox.h"
#include "core/docs.h"
#include "core/ledger.h"
#include "surface/kona/kona.h"

#define PORTAL_FUNDED 10000000 /* won in an account the portal flags balance Y */
#define PORTAL_EXPIRY "310831" /* 3108: the last day of August 2031 */

static const struct {
	const char *name, *birth, *bank, *account;
	bool funded;
} portal_people[] = {
    {"김코나", "19751112", "003", "333015555557", true},
    {"김코코", "19890530", "010", "11112333333", true},
    {"박탐나", "19920315", "020", "1006122222222", true},
    {"유대코", "19991202", "034", "100333888888", false},
    {"이모나", "20050628", "092", "100666666668", false},
    {"정푸루", "19880214", "005", "2224444455605", true},
    {"조동백", "19950525", "021", "10044444445", false},
    {"최이음", "19970911", "031", "505222222224", false},
    {"추비즈", "20020126", "045", "9002777777779", false},
    {"한배코", "19800704", "004", "3333015555556", true},
};

/* The portal publishes one card's number, CVC and par; the other nine are wonpay's. */
static const struct {
	const char *no, *cvc, *par;
} portal_cards[] = {
    {"9491339401250765", "211", "Q180BEA3B2F1BBD8410336D66A4"},
    {"9491339401250708", "212", "Q180BEA3B2F1BBD8410336D66A0"},
    {"9491339401250716", "213", "Q180BEA3B2F1BBD8410336D66A1"},
    {"9491339401250724", "214", "Q180BEA3B2F1BBD8410336D66A2"},
    {"9491339401250732", "215", "Q180BEA3B2F1BBD8410336D66A3"},
    {"9491339401250740", "216", "Q180BEA3B2F1BBD8410336D66A5"},
    {"9491339401250757", "217", "Q180BEA3B2F1BBD8410336D66A6"},
    {"9491339401250773", "218", "Q180BEA3B2F1BBD8410336D66A7"},
    {"9491339401250781", "219", "Q180BEA3B2F1BBD8410336D66A8"},
    {"9491339401250799", "220", "Q180BEA3B2F1BBD8410336D66A9"},
};

static const struct {
	const char *id, *name;
} portal_merchants[] = {
    {"410195430033901", "네네치킨 청학점"},	 {"410894040073801", "코나 테스트 가맹점 2"},
    {"410147370025101", "코나 테스트 가맹점 3"}, {"410616271317501", "코나 테스트 가맹점 4"},
    {"410121137754301", "코나 테스트 가맹점 5"},
};

const struct kona_terms_row kona_terms[] = {
    {29184, "서비스 이용약관", true},
    {29186, "전자금융거래 이용약관", true},
    {29187, "개인정보 수집 및 이용 동의", true},
    {29188, "개인정보 제3자 제공 동의", true},
    {601151, "선불카드 이용약관", true},
    {601152, "선불카드 개인정보 수집 및 이용 동의", true},
    {604150, "마케팅 정보 수신 동의", false},
    {606153, "광고성 정보 수신 동의", false},
};
const size_t kona_terms_count = WP_COUNT(kona_terms);

const char *kona_bank_code(const char *code)
{
	static const char *const legacy[][2] = {{"005", "081"}, {"010", "011"}, {"021", "088"}};
	for (size_t i = 0; i < WP_COUNT(legacy); i++)
		if (strcmp(code, legacy[i][0]) == 0)
			return legacy[i][1];
	return code;
}

const char *kona_merchant_name(const char *id)
{
	for (size_t i = 0; i < WP_COUNT(portal_merchants); i++)
		if (strcmp(id, portal_merchants[i].id) == 0)
			return portal_merchants[i].name;
	return NULL;
}

/* Inside the seeding write: what is missing of the portal's data (idempotent). */
wp_status kona_portal_seed(const struct wp_app *app, struct wp_tx *tx, const char *asp_id,
			   int64_t now_ms)
{
	wp_status st = WP_OK;
	for (size_t i = 0; st == WP_OK && i < WP_COUNT(portal_people); i++) {
		struct wp_bank_account a;
		memset(&a, 0, sizeof(a));
		snprintf(a.bank_code, sizeof(a.bank_code), "%s",
			 kona_bank_code(portal_people[i].bank));
		snprintf(a.account_number, sizeof(a.account_number), "%s",
			 portal_people[i].account);
		snprintf(a.holder_name, sizeof(a.holder_name), "%s", portal_people[i].name);
		snprintf(a.birth_date, sizeof(a.birth_date), "%s", portal_people[i].birth);
		snprintf(a.kind, sizeof(a.kind), "%s", WP_KIND_PERSONAL);
		snprintf(a.status, sizeof(a.status), "%s", WP_ACCT_ACTIVE);
		int outcome = WP_BANK_OK;
		st = wp_bank_sandbox_open(tx, &a, portal_people[i].funded ? PORTAL_FUNDED : 0,
					  now_ms, &outcome);
		if (st == WP_E_CONFLICT)
			st = WP_OK; /* seeded before */
		else if (st == WP_OK && outcome != WP_BANK_OK)
			st = WP_E_INTERNAL;
	}
	for (size_t i = 0; st == WP_OK && i < WP_COUNT(portal_cards); i++) {
		const struct kona_card_spec spec = {.asp_id = asp_id,
						    .type = KONA_CARD_PHYSICAL,
						    .no = portal_cards[i].no,
						    .cvc = portal_cards[i].cvc,
						    .par = portal_cards[i].par,
						    .expiry = PORTAL_EXPIRY,
						    .portal = true};
		json_t *card = NULL;
		wp_arena a;
		wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
		st = wp_doc_load(NULL, tx, KONA_KIND_CARD, spec.par, NULL, &a, &card, NULL);
		wp_arena_free(&a);
		json_decref(card);
		if (st == WP_E_NOT_FOUND)
			st = kona_card_create(app, tx, &spec, now_ms, NULL);
	}
	for (size_t i = 0; st == WP_OK && i < WP_COUNT(portal_merchants); i++) {
		int64_t id;
		st = kona_merchant_account(tx, portal_merchants[i].id, now_ms, &id);
	}
	return st;
}
