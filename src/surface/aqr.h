/*
 * aqr.h — the AQR surface: bank-account QR codes and short URLs.
 *
 * Wire contract: specs/aqr-account-qr-api.txt. POST /api/ with a form body,
 * action create|delete (and the older aqr_create|aqr_delete), the
 * AQR-DEVELOPER-TOKEN header, and {"result":"error","reason":...} errors with
 * the spec's HTTP statuses. GET /res/api/{kw} and /res?keyword={kw} serve the
 * QR PNG; GET /f/{kw}[/{amount}|/qr] the landing pages.
 *
 * The validators are exposed for the unit tests.
 */
#ifndef WP_SURFACE_AQR_H
#define WP_SURFACE_AQR_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "http/form.h"

/* Spec maximum lengths, in characters. */
#define AQR_ACTION_MAX 20
#define AQR_EMAIL_MAX 100
#define AQR_ACCOUNT_NUMBER_MAX 30
#define AQR_ACCOUNT_OWNER_MAX 50
#define AQR_PHONE_MAX 20
#define AQR_ACCOUNT_NAME_MAX 100
#define AQR_KEYWORD_MAX 20
#define AQR_ACCOUNT_DIGITS_MIN 6
#define AQR_PHONE_DIGITS_MIN 8

enum aqr_action { AQR_CREATE, AQR_DELETE };

struct aqr_create_input {
	const char *email;
	int bank_id;
	const char *account_number; /* digits only, hyphens removed */
	const char *account_owner;
	const char *phone_number; /* digits only */
	const char *account_name;
};

struct aqr_delete_input {
	const char *email;
	const char *keyword;
};

wp_status aqr_parse_action(const struct wp_form *f, enum aqr_action *out, char *err, size_t cap);
wp_status aqr_validate_create(wp_arena *a, const struct wp_form *f, struct aqr_create_input *out,
			      char *err, size_t cap);
wp_status aqr_validate_delete(wp_arena *a, const struct wp_form *f, struct aqr_delete_input *out,
			      char *err, size_t cap);
/* Amount in a landing-page path: digits, 1..WP_AQR_AMOUNT_MAX_WON. */
bool aqr_parse_amount(const char *s, int64_t *won);

#endif
