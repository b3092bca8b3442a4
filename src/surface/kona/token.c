/*
 * token.c — Kona's header formats and the tran-token verifier (kona.h).
 */
#include <string.h>

#include "core/crypto.h"
#include "surface/kona/kona.h"
#include "util/date.h"
#include "util/text.h"

#define TOKEN_PREFIX "KMV1:"
#define TOKEN_STAMP_LEN 17 /* yyyyMMddHHmmssSSS */
#define TOKEN_MAC_B64_LEN 44

bool kona_correlation_id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < KONA_CORRELATION_ID_LEN || n > KONA_CORRELATION_ID_MAX || s[12] != '-' ||
	    !wp_all_digits(s, 12))
		return false;
	for (size_t i = 13; i < n; i++)
		if (wp_hex_digit(s[i]) < 0)
			return false;
	return wp_date_valid(2000 + wp_digits_value(s, 2), wp_digits_value(s + 2, 2),
			     wp_digits_value(s + 4, 2)) &&
	       wp_clock_time_valid(wp_digits_value(s + 6, 2), wp_digits_value(s + 8, 2),
				   wp_digits_value(s + 10, 2));
}

const char *const kona_zones[] = {"KST", "JST", "UTC", "GMT", NULL};

int kona_zone_offset_min(const char *zone)
{
	static const int offset_min[] = {WP_KST_OFFSET_MIN, WP_KST_OFFSET_MIN, 0, 0};
	_Static_assert(WP_COUNT(offset_min) + 1 == WP_COUNT(kona_zones), "a zone's offset");
	for (size_t i = 0; zone != NULL && i < WP_COUNT(offset_min); i++)
		if (strcmp(zone, kona_zones[i]) == 0)
			return offset_min[i];
	return -1;
}

bool kona_parse_time(const char *d, size_t n, const char *zone, int64_t *ms)
{
	int off = kona_zone_offset_min(zone);
	return off >= 0 && wp_parse_stamp(d, n, off, ms);
}

enum kona_token_check kona_verify_tran_token(const char *token, const char *secret,
					     const void *body, size_t body_len, const char *zone,
					     int64_t now_ms, int64_t skew_ms, int64_t *token_ms)
{
	const size_t prefix = strlen(TOKEN_PREFIX), mac_at = prefix + TOKEN_STAMP_LEN + 1;
	if (strlen(token) != mac_at + TOKEN_MAC_B64_LEN ||
	    strncmp(token, TOKEN_PREFIX, prefix) != 0 || token[mac_at - 1] != ':')
		return KONA_TOKEN_MALFORMED;
	uint8_t given[40];
	size_t glen = 0;
	if (!kona_parse_time(token + prefix, TOKEN_STAMP_LEN, zone, token_ms) ||
	    !wp_base64_decode(token + mac_at, TOKEN_MAC_B64_LEN, given, &glen) ||
	    glen != WP_SHA256_BYTES)
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
