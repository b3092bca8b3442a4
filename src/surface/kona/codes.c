/*
 * codes.c — every answer Kona gives, and what maps to each, in tables.
 *
 * Codes: observed on the real platform where docs/decisions.md says so; the
 * 000_1xx header/credential codes, 000_4xx for the server's own refusals,
 * 002_010/002_011, 002_012 and 007_002 are inferred (the public pages do not
 * show them). A code, once given, never changes meaning.
 */
#include <string.h>

#include "core/bank.h"
#include "surface/kona/kona.h"

const struct kona_code_row kona_codes[KONA_CODE_COUNT] = {
    [KONA_OK] = {"000_000", "Success.", 200},
    [KONA_INVALID] = {"000_002", "Invalid input value.", 400},
    [KONA_MISSING] = {"000_003", "Missing required values.", 400},
    [KONA_LENGTH] = {"000_015", "The length of value does not match.", 400},
    [KONA_BAD_ACCESS] = {"000_101", "Invalid access key.", 401},
    [KONA_BAD_TOKEN] = {"000_102", "Invalid tran token.", 401},
    [KONA_STALE] = {"000_103", "Request time is out of the allowed range.", 401},
    [KONA_REPLAY] = {"000_104", "Tran token was already used.", 401},
    [KONA_BAD_KEY] = {"000_105", "Invalid crypto key id.", 401},
    [KONA_DECRYPT] = {"000_106", "Data could not be decrypted.", 400},
    [KONA_RATE_LIMITED] = {"000_429", "Too many requests. Retry shortly.", 429},
    [KONA_NOT_FOUND] = {"000_404", "No such API.", 404},
    [KONA_METHOD] = {"000_405", "Method not allowed.", 405},
    [KONA_TOO_LARGE] = {"000_413", "Request body is too large.", 413},
    [KONA_URI_TOO_LONG] = {"000_414", "Request URI is too long.", 414},
    [KONA_SYSTEM] = {"000_999", "System error. Try again.", 503},
    [KONA_USER_EXISTS] = {"001_001", "User already exists.", 400},
    [KONA_PASSWORD] = {"001_002", "Password does not match.", 400},
    [KONA_PASSWORD_LOCKED] = {"001_003",
			      "Password is locked after five wrong tries. Reset it "
			      "(user/password/reset).",
			      400},
    [KONA_WITHDRAW_DENIED] = {"001_004",
			      "Withdrawal not possible: a card holds money or a charge is pending.",
			      400},
    [KONA_DORMANT] = {"001_005", "Dormant member. Release it first (user/dormant/release).", 400},
    [KONA_TERMS_REQUIRED] = {"001_006", "Required terms cannot be withdrawn.", 400},
    [KONA_BAD_USER] = {"000_002", "Invalid input parameter. userId", 400},
    [KONA_BAD_CARD] = {"000_002", "Invalid input parameter. cardNo", 400},
    [KONA_CARD_STATUS] = {"003_001", "Card status is not valid.", 400},
    [KONA_CARD_TAKEN] = {"003_003", "Card is already registered to another member.", 400},
    [KONA_CARD_LIMIT] = {"003_004", "The member holds the most cards allowed.", 400},
    [KONA_CARD_LOCKED] = {"003_005", "Too many wrong card details. Try again later.", 400},
    [KONA_BAD_PAR] = {"000_002", "Invalid input parameter. par", 400},
    [KONA_BAD_SEQ] = {"000_002", "Invalid input parameter. sequenceId", 400},
    [KONA_BAD_OTT] = {"000_002", "Invalid input parameter. oneTimeToken", 400},
    [KONA_BAD_DCVV] = {"000_002", "Invalid input parameter. dcvv", 400},
    [KONA_LIMIT] = {"007_003", "Credit limit exceeded.", 400},
    [KONA_WITHDRAW] = {"007_004", "Withdraw failure from PG.", 400},
    [KONA_CHARGE_BUSY] = {"007_005", "Account charge request while proceeding.", 400},
    [KONA_AMOUNT_ZERO] = {"007_007", "Recharge amount should be more than zero.", 400},
    [KONA_BALANCE] = {"003_002", "Card balance is not enough.", 400},
    [KONA_NO_PAYMENT] = {"000_002", "Invalid input parameter. nrNumber", 400},
    [KONA_CANCEL_DENIED] = {"007_030", "Cancellation not possible for this transaction.", 400},
    [KONA_ACC_FORMAT] = {"002_001",
			 "Bank account is length over limit or including not-number digit.", 400},
    [KONA_NO_RESPONSE] = {"002_002", "No response name check api.", 400},
    [KONA_NAME] = {"002_003", "Names are not matched.", 400},
    [KONA_BEFORE_HOURS] = {"002_004", "Bank is not valid to check account info.", 400},
    [KONA_USER_INFO] = {"002_005", "User info not found.", 400},
    [KONA_BANK_INVALID] = {"002_006", "Bank is not valid.", 400},
    [KONA_ACC_NOT_FOUND] = {"002_007", "Bank account is not found.", 400},
    [KONA_ACC_STATUS] = {"002_008", "Bank account's status is not valid.", 400},
    [KONA_NOT_VERIFIABLE] = {"002_009", "Bank account is not valid for holder's name check.", 400},
    [KONA_DELAY] = {"002_010", "System processing delay.", 400},
    [KONA_NOT_MEMBER] = {"002_011", "Non-participating institution.", 400},
    [KONA_NO_ARS_AUTH] = {"002_012",
			  "ARS auth number was not issued. Call bankaccounts/ars/auth first.", 400},
    [KONA_IN_PROGRESS] = {"002_013", "Ars auth and bank account register is still in progress.",
			  400},
    [KONA_ARS_AUTH_FAILED] = {"002_014", "Bank account register failed due to ARS auth failed.",
			      400},
    [KONA_LIFETIME] = {"002_015", "Bank account register failed due to lifetime account.", 400},
    [KONA_INVALID_ACCOUNT] = {"002_016", "Invalid account.", 400},
    [KONA_NO_REG] = {"002_019", "Not found ars bank account register error.", 400},
    [KONA_NOT_REGISTERED] = {"007_001", "Bank account is not registered.", 400},
    [KONA_AUTO_EXISTS] = {"007_002", "Bank account for auto recharge is already registered.", 400},
};

/* The server's own refusals and the core's failures. */
static const struct wp_status_map status_codes[] = {
    {WP_OK, KONA_OK},
    {WP_E_INVALID, KONA_INVALID},
    {WP_E_FRAMING, KONA_INVALID},
    {WP_E_MEDIA_TYPE, KONA_INVALID},
    {WP_E_UNAUTHORIZED, KONA_BAD_ACCESS},
    {WP_E_RATE_LIMITED, KONA_RATE_LIMITED},
    {WP_E_NOT_FOUND, KONA_NOT_FOUND},
    {WP_E_METHOD, KONA_METHOD},
    {WP_E_TOO_LARGE, KONA_TOO_LARGE},
    {WP_E_URI_TOO_LONG, KONA_URI_TOO_LONG},
};

enum kona_code kona_code_of_status(wp_status st)
{
	return (enum kona_code)wp_status_code(status_codes, WP_COUNT(status_codes), st,
					      KONA_SYSTEM);
}

static const struct {
	enum wp_field_fail fail;
	enum kona_code code;
} field_codes[] = {
    {WP_FIELD_MISSING, KONA_MISSING}, {WP_FIELD_EMPTY, KONA_INVALID},
    {WP_FIELD_TYPE, KONA_INVALID},    {WP_FIELD_LENGTH, KONA_LENGTH},
    {WP_FIELD_FORMAT, KONA_INVALID},
};

enum kona_code kona_code_of_field(const struct wp_field_error *e)
{
	if (e->field->code != 0 && e->fail != WP_FIELD_MISSING)
		return (enum kona_code)e->field->code;
	for (size_t i = 0; i < WP_COUNT(field_codes); i++)
		if (field_codes[i].fail == e->fail)
			return field_codes[i].code;
	return KONA_INVALID;
}

/* Holder verification's answer for each bank outcome (예금주 조회 오류 코드). */
static const struct {
	int outcome;
	enum kona_code code;
} bank_codes[] = {
    {WP_BANK_OK, KONA_OK},
    {WP_BANK_UNREACHABLE, KONA_NO_RESPONSE},
    {WP_BANK_FAILED, KONA_NO_RESPONSE},
    {WP_BANK_HOLDER_MISMATCH, KONA_NAME},
    {WP_BANK_BEFORE_HOURS, KONA_BEFORE_HOURS},
    {WP_BANK_IDENTITY_MISMATCH, KONA_USER_INFO},
    {WP_BANK_MAINTENANCE, KONA_BANK_INVALID},
    {WP_BANK_ACCOUNT_NOT_FOUND, KONA_ACC_NOT_FOUND},
    {WP_BANK_ACCOUNT_DORMANT, KONA_ACC_STATUS},
    {WP_BANK_ACCOUNT_SUSPENDED, KONA_ACC_STATUS},
    {WP_BANK_ACCOUNT_CLOSED, KONA_ACC_STATUS},
    {WP_BANK_ACCOUNT_ACCIDENT, KONA_ACC_STATUS},
    {WP_BANK_NOT_VERIFIABLE, KONA_NOT_VERIFIABLE},
    {WP_BANK_TIMEOUT, KONA_DELAY},
    {WP_BANK_NOT_PARTICIPATING, KONA_NOT_MEMBER},
};

enum kona_code kona_code_of_bank(int outcome)
{
	for (size_t i = 0; i < WP_COUNT(bank_codes); i++)
		if (bank_codes[i].outcome == outcome)
			return bank_codes[i].code;
	return KONA_NO_RESPONSE;
}

enum kona_code kona_code_of_wire(const char *code)
{
	static const enum kona_code stored[] = {KONA_ARS_AUTH_FAILED, KONA_LIFETIME,
						KONA_INVALID_ACCOUNT};
	for (size_t i = 0; code != NULL && i < WP_COUNT(stored); i++)
		if (strcmp(code, kona_codes[stored[i]].code) == 0)
			return stored[i];
	return KONA_OK;
}
