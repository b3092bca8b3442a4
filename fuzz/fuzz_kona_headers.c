/*
 * fuzz_kona_headers.c — Kona's header parsers and the tran-token verifier
 * (src/surface/kona/kona.h, token.c).
 *
 * Input: byte 0 flags (bit 0: zone NULL; bit 1: skew from the input, else
 * the server's 5 minutes), 4 bytes of clock offset, then '\n'-separated
 * fields: X-KM-Correlation-Id, a timestamp, X-KM-Time-Zone,
 * X-KM-Tran-Token, the secret key; the rest is the raw body.
 *
 * Properties (each against a reference written here from the header's words):
 *  - kona_correlation_id_valid: yyMMddHHmmss- and 7 to 10 hex digits, a real
 *    date and time;
 *  - kona_zone_offset_min: KST/JST 540, UTC/GMT 0, else (NULL too) -1;
 *  - kona_parse_time: accepts exactly 14/17 digits of a real time from 1970
 *    in a known zone, and the milliseconds convert back to the same wall clock;
 *  - kona_verify_tran_token on the given token: OK/STALE only if the MAC
 *    part is exactly base64(HMAC-SHA256(secret, body)), anything but
 *    MALFORMED only for a well-formed token whose time parses, OK exactly
 *    when the time is within the skew;
 *  - on a token built here from the input's stamp, secret and body: OK at
 *    the token's own time and at +-skew, STALE one millisecond past,
 *    BAD_SIGNATURE for another body or secret.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "fuzz_util.h"
#include "surface/kona/kona.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool ref_date(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

static bool ref_correlation(const char *s)
{
	size_t n = strlen(s); /* 7 hex digits as documented, up to 10 as clients send */
	if (n < 20 || n > 23 || s[12] != '-')
		return false;
	for (int i = 0; i < 12; i++)
		if (!is_digit(s[i]))
			return false;
	for (size_t i = 13; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]) || s[i] == 0)
			return false;
	return ref_date(2000 + num(s, 2), num(s + 2, 2), num(s + 4, 2)) && num(s + 6, 2) < 24 &&
	       num(s + 8, 2) < 60 && num(s + 10, 2) < 60;
}

static int ref_zone(const char *z)
{
	if (z == NULL)
		return -1;
	if (strcmp(z, "KST") == 0 || strcmp(z, "JST") == 0)
		return 540;
	if (strcmp(z, "UTC") == 0 || strcmp(z, "GMT") == 0)
		return 0;
	return -1;
}

static bool ref_stamp_ok(const char *d, size_t n)
{
	if (n != 14 && n != 17)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(d[i]))
			return false;
	int y = num(d, 4);
	return y >= 1970 && ref_date(y, num(d + 4, 2), num(d + 6, 2)) && num(d + 8, 2) < 24 &&
	       num(d + 10, 2) < 60 && num(d + 12, 2) < 60;
}

/* ms back to the wall clock in the zone: must give the same digits. */
static void check_wall_clock(const char *d, size_t n, int off_min, int64_t ms)
{
	int64_t local = ms + (int64_t)off_min * 60000;
	int64_t secs = local >= 0 ? local / 1000 : -((-local + 999) / 1000);
	int64_t milli = local - secs * 1000;
	time_t t = (time_t)secs;
	struct tm tm;
	CHECK(gmtime_r(&t, &tm) != NULL, "gmtime_r(%lld)", (long long)secs);
	char back[24];
	snprintf(back, sizeof(back), "%04d%02d%02d%02d%02d%02d%03d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)milli);
	CHECK(memcmp(back, d, n) == 0 && (n == 17 || milli == 0),
	      "%.*s at offset %d parsed to %lld ms, which is %s", (int)n, d, off_min, (long long)ms,
	      back);
}

static void make_token(const char *stamp17, const char *secret, const void *body, size_t n,
		       char out[80])
{
	uint8_t mac[WP_SHA256_BYTES];
	char b64[64];
	wp_hmac_sha256(secret, strlen(secret), body, n, mac);
	wp_base64_encode(mac, sizeof(mac), b64);
	snprintf(out, 80, "KMV1:%s:%s", stamp17, b64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	uint8_t flags = fz_byte(&in);
	uint32_t rnd = (uint32_t)fz_u64(&in, 4);
	char *cid = fz_cstr(&in, '\n');
	char *stamp = fz_cstr(&in, '\n');
	char *zone_s = fz_cstr(&in, '\n');
	char *token = fz_cstr(&in, '\n');
	char *secret = fz_cstr(&in, '\n');
	size_t blen;
	const uint8_t *braw = fz_rest(&in, &blen);
	uint8_t *body = malloc(blen ? blen : 1);
	if (!body)
		abort();
	if (blen)
		memcpy(body, braw, blen);
	const char *zone = (flags & 1) ? NULL : zone_s;

	/* Correlation id. */
	CHECK(kona_correlation_id_valid(cid) == ref_correlation(cid), "correlation id '%s': %d",
	      cid, kona_correlation_id_valid(cid));

	/* Zone. */
	int off = kona_zone_offset_min(zone);
	CHECK(off == ref_zone(zone), "zone '%s' -> %d", zone ? zone : "(null)", off);

	/* Timestamp. */
	size_t sn = strlen(stamp);
	int64_t ms = 0;
	bool parsed = kona_parse_time(stamp, sn, zone, &ms);
	CHECK(parsed == (off >= 0 && ref_stamp_ok(stamp, sn)), "kona_parse_time('%s', %s) = %d",
	      stamp, zone ? zone : "(null)", parsed);
	if (parsed)
		check_wall_clock(stamp, sn, off, ms);

	/* The given token. */
	int64_t skew = (flags & 2) ? (int64_t)(rnd % 1000000000u) : WP_KONA_CLOCK_SKEW_MS;
	/* A clock from 1970 to about 2106 (the real one is epoch milliseconds). */
	int64_t now = (int64_t)rnd * 1000 + (flags >> 2);
	int64_t tms = INT64_MIN;
	enum kona_token_check r =
	    kona_verify_tran_token(token, secret, body, blen, zone, now, skew, &tms);
	CHECK(r == KONA_TOKEN_OK || r == KONA_TOKEN_MALFORMED || r == KONA_TOKEN_BAD_SIGNATURE ||
		  r == KONA_TOKEN_STALE,
	      "result %d", r);
	if (r != KONA_TOKEN_MALFORMED) {
		CHECK(strlen(token) == 67 && memcmp(token, "KMV1:", 5) == 0 && token[22] == ':',
		      "'%s' is not KMV1:<17>:<44> but was not called malformed", token);
		int64_t t2;
		CHECK(kona_parse_time(token + 5, 17, zone, &t2) && t2 == tms,
		      "token time %lld does not match its stamp", (long long)tms);
	}
	if (r == KONA_TOKEN_OK || r == KONA_TOKEN_STALE) {
		char want[80];
		char st17[18];
		memcpy(st17, token + 5, 17);
		st17[17] = '\0';
		make_token(st17, secret, body, blen, want);
		CHECK(strcmp(want, token) == 0, "token '%s' accepted, the signature is '%s'", token,
		      want);
		int64_t d = tms - now;
		bool fresh = d <= skew && -d <= skew;
		CHECK((r == KONA_TOKEN_OK) == fresh, "token %lld ms off, skew %lld: result %d",
		      (long long)d, (long long)skew, r);
	}

	/* A token built here: the input's stamp when it is 17 digits of a real time. */
	const char *s17 = "20221108120814608";
	if (sn == 17 && parsed)
		s17 = stamp;
	const char *z = off >= 0 ? zone : "KST";
	int64_t at;
	if (kona_parse_time(s17, 17, z, &at)) {
		char tok[80];
		make_token(s17, secret, body, blen, tok);
		int64_t when = 0;
		CHECK(kona_verify_tran_token(tok, secret, body, blen, z, at, skew, &when) ==
			  KONA_TOKEN_OK,
		      "own token refused");
		CHECK(when == at, "own token's time %lld != %lld", (long long)when, (long long)at);
		CHECK(kona_verify_tran_token(tok, secret, body, blen, z, at + skew, skew, &when) ==
			  KONA_TOKEN_OK,
		      "own token refused at +skew");
		CHECK(kona_verify_tran_token(tok, secret, body, blen, z, at - skew, skew, &when) ==
			  KONA_TOKEN_OK,
		      "own token refused at -skew");
		CHECK(kona_verify_tran_token(tok, secret, body, blen, z, at + skew + 1, skew,
					     &when) == KONA_TOKEN_STALE,
		      "own token not stale at +skew+1");
		CHECK(kona_verify_tran_token(tok, secret, body, blen, z, at - skew - 1, skew,
					     &when) == KONA_TOKEN_STALE,
		      "own token not stale at -skew-1");
		if (blen > 0) {
			body[rnd % blen] ^= (uint8_t)(1u << (flags & 7));
			CHECK(kona_verify_tran_token(tok, secret, body, blen, z, at, skew, &when) ==
				  KONA_TOKEN_BAD_SIGNATURE,
			      "a changed body still verifies");
			body[rnd % blen] ^= (uint8_t)(1u << (flags & 7));
		}
		size_t sl = strlen(secret);
		char *other = malloc(sl + 2);
		if (!other)
			abort();
		memcpy(other, secret, sl);
		memcpy(other + sl, "x", 2);
		CHECK(kona_verify_tran_token(tok, other, body, blen, z, at, skew, &when) ==
			  KONA_TOKEN_BAD_SIGNATURE,
		      "another secret still verifies");
		free(other);
	}
	free(cid), free(stamp), free(zone_s), free(token), free(secret), free(body);
	return 0;
}
