/*
 * fuzz_text.c — the string helpers of src/util/text.h and the calendar of
 * src/util/date.h, each against a reference written here from the header's
 * words.
 *
 * Input (a 32-byte prefix of parameters, then the text s):
 *   [0] a small capacity (1 + x % 64)  [1] flags (bit 0: short birth dates)
 *   [2..9] won for wp_format_won       [10..17] min, [18..25] max for wp_parse_i64
 *   [26..27] an offset in minutes      [28..29] year, [30] month, [31] day
 *
 * Properties:
 *  - wp_utf8_valid / _valid_prefix / _chars agree with an independent
 *    RFC 3629 decoder (the prefix is the longest valid one);
 *  - wp_has_control: a byte below 0x20 or DEL; wp_has_bidi_control, on valid
 *    UTF-8: one of U+061C, U+200E/F, U+202A..E, U+2066..9;
 *  - wp_utf8_sanitize: each byte that is not part of a valid character
 *    becomes U+FFFD; with a small capacity, a prefix of that of whole
 *    characters, terminated, valid UTF-8;
 *  - wp_parse_i64: the value of a whole digit string in [min, max], false otherwise
 *    (strings over 19 digits are only checked in the "true" direction);
 *  - wp_mask, wp_mask_digit_runs: exactly the documented masking; bounded by
 *    cap; a smaller cap gives a prefix; no run of six digits survives; valid
 *    UTF-8 stays valid; and sanitize followed by mask_digit_runs with the
 *    access log's buffers (accesslog.c: "the log line and the journal stay
 *    UTF-8") gives valid UTF-8;
 *  - wp_html_escape: no & < > " ' left but in entities, and unescaping gives s;
 *  - wp_json_escape: "..." around it parses (jansson) back to s (valid UTF-8 s);
 *  - wp_ascii_ieq, wp_ct_equal, wp_all_digits, wp_hex_digit: their references;
 *  - wp_format_won: the decimal with a comma every three digits; bounded;
 *  - wp_date_valid, wp_clock_time_valid, wp_birth_date_valid, wp_parse_stamp
 *    (the time back through gmtime gives the same wall clock), wp_digits_value.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bounds.h"
#include "fuzz_util.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/text.h"

/* ---- UTF-8 ---- */

static void check_utf8(const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t valid = 0, chars = 0;
	uint32_t cp;
	bool bidi = false;
	while (valid < n) {
		size_t k = ref_utf8_char(u + valid, n - valid, &cp);
		if (k == 0)
			break;
		bidi |= cp == 0x061C || cp == 0x200E || cp == 0x200F ||
			(cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
		valid += k;
		chars++;
	}
	CHECK(wp_utf8_valid_prefix(s, n) == valid, "valid prefix %zu, reference %zu",
	      wp_utf8_valid_prefix(s, n), valid);
	CHECK(wp_utf8_valid(s, n) == (valid == n), "wp_utf8_valid disagrees");
	CHECK(wp_utf8_chars(s, valid) == chars, "%zu chars, reference %zu", wp_utf8_chars(s, valid),
	      chars);
	if (valid == n)
		CHECK(wp_has_bidi_control(s, n) == bidi, "bidi control: %d, reference %d",
		      wp_has_bidi_control(s, n), bidi);
	bool control = false;
	for (size_t i = 0; i < n; i++)
		control |= u[i] < 0x20 || u[i] == 0x7F;
	CHECK(wp_has_control(s, n) == control, "has_control disagrees");
}

/* U+FFFD for each byte that starts no valid character; out has 3n+1. */
static void ref_sanitize(const char *s, char *out)
{
	size_t n = strlen(s), o = 0;
	uint32_t cp;
	for (size_t i = 0; i < n;) {
		size_t k = ref_utf8_char((const uint8_t *)s + i, n - i, &cp);
		if (k) {
			memcpy(out + o, s + i, k);
			o += k, i += k;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3, i++;
		}
	}
	out[o] = '\0';
}

static void check_sanitize(const char *s, size_t small)
{
	size_t n = strlen(s);
	char *want = malloc(3 * n + 1), *got = malloc(3 * n + 1), *few = malloc(small + 1);
	if (!want || !got || !few)
		abort();
	ref_sanitize(s, want);
	wp_utf8_sanitize(s, got, 3 * n + 1);
	CHECK(strcmp(got, want) == 0, "sanitize differs from the reference");
	memset(few, 'X', small + 1);
	wp_utf8_sanitize(s, few, small);
	CHECK(few[small] == 'X', "sanitize wrote past cap %zu", small);
	size_t k = strnlen(few, small);
	CHECK(k < small, "sanitize: not terminated within %zu", small);
	CHECK(ref_utf8_valid(few, k), "sanitize at cap %zu: not valid UTF-8", small);
	CHECK(strncmp(few, want, k) == 0, "sanitize at cap %zu: not a prefix", small);
	/* Whole characters: stopped only where the next one would not fit. */
	uint32_t cp;
	size_t next = ref_utf8_char((const uint8_t *)want + k, strlen(want) - k, &cp);
	CHECK(want[k] == '\0' || k + next > small - 1, "sanitize at cap %zu stopped early at %zu",
	      small, k);
	free(want), free(got), free(few);
}

/* ---- masking ---- */

static void ref_mask(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		bool keep = n > 8 ? (i < 4 || i >= n - 4) : (n >= 2 && i >= n - 2);
		out[i] = keep ? s[i] : '*';
	}
	out[n] = '\0';
}

static bool dig(char c)
{
	return c >= '0' && c <= '9';
}

static void ref_mask_runs(const char *s, char *out)
{
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && dig(s[j]))
			j++;
		if (j - i >= 6)
			ref_mask(s + i, j - i, out + i);
		else if (j > i)
			memcpy(out + i, s + i, j - i);
		else
			out[i] = s[i], j = i + 1;
		i = j;
	}
	out[n] = '\0';
}

static void check_mask(const char *s, size_t n, size_t small)
{
	/* wp_mask on bytes with any content. */
	char *want = malloc(n + 1), *got = malloc(n + 1), *few = malloc(small + 1);
	if (!want || !got || !few)
		abort();
	ref_mask(s, n, want);
	wp_mask(s, n, got, n + 1);
	CHECK(memcmp(got, want, n + 1) == 0, "wp_mask differs from the reference");
	memset(few, 'X', small + 1);
	wp_mask(s, n, few, small);
	size_t k = n < small - 1 ? n : small - 1;
	CHECK(few[small] == 'X' && few[k] == '\0' && memcmp(few, want, k) == 0,
	      "wp_mask at cap %zu", small);
	wp_mask(s, n, few, 0); /* writes nothing */
	free(want), free(got), free(few);

	/* wp_mask_digit_runs on the C string. */
	size_t sl = strlen(s);
	want = malloc(sl + 1), got = malloc(sl + 1), few = malloc(small + 1);
	if (!want || !got || !few)
		abort();
	ref_mask_runs(s, want);
	wp_mask_digit_runs(s, got, sl + 1);
	CHECK(strcmp(got, want) == 0, "wp_mask_digit_runs differs from the reference");
	size_t run = 0;
	for (const char *c = got; *c; c++) {
		run = dig(*c) ? run + 1 : 0;
		CHECK(run < 6, "six digits in a row survive masking");
	}
	if (ref_utf8_valid(s, sl))
		CHECK(ref_utf8_valid(got, strlen(got)), "masking broke UTF-8");
	memset(few, 'X', small + 1);
	wp_mask_digit_runs(s, few, small);
	k = strnlen(few, small);
	/* Cut on a whole character: up to 3 bytes short of the capacity. */
	CHECK(few[small] == 'X' && k < small && strncmp(few, want, k) == 0 &&
		  (k == sl || k + 4 > small - 1),
	      "wp_mask_digit_runs at cap %zu", small);
	if (ref_utf8_valid(s, sl))
		CHECK(ref_utf8_valid(few, k), "wp_mask_digit_runs cut a character at cap %zu",
		      small);
	free(want), free(got), free(few);

	/* The access log's pipeline (accesslog.c): any path bytes, a UTF-8 line. */
	if (sl <= WP_PATH_MAX_BYTES) {
		static char clean[WP_PATH_MAX_BYTES * 3], path[WP_PATH_MAX_BYTES];
		wp_utf8_sanitize(s, clean, sizeof(clean));
		wp_mask_digit_runs(clean, path, sizeof(path));
		CHECK(ref_utf8_valid(path, strlen(path)),
		      "access log path not UTF-8 after sanitize + mask_digit_runs (%zu bytes in, "
		      "%zu sanitized, %zu kept)",
		      sl, strlen(clean), strlen(path));
	}
}

/* ---- escaping ---- */

static void check_html(const char *s, size_t n, size_t max)
{
	wp_buf b;
	wp_buf_init(&b, 6 * n + 16);
	CHECK(wp_html_escape(&b, s, n), "html escape failed");
	/* Unescape: every '&' starts one of the five entities. */
	char *back = malloc(n + 1);
	if (!back)
		abort();
	static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
	static const char chars[] = "&<>\"'";
	size_t o = 0;
	for (size_t i = 0; i < b.len;) {
		char c = b.len ? b.data[i] : 0;
		CHECK(c != '<' && c != '>' && c != '"' && c != '\'', "raw '%c' after escaping", c);
		if (c == '&') {
			size_t e = 0;
			while (e < 5 && strncmp(b.data + i, ents[e], strlen(ents[e])) != 0)
				e++;
			CHECK(e < 5, "a bare '&' after escaping");
			CHECK(o < n, "escaped text longer than its source");
			back[o++] = chars[e];
			i += strlen(ents[e]);
		} else {
			CHECK(o < n, "escaped text longer than its source");
			back[o++] = c;
			i++;
		}
	}
	CHECK(o == n && (n == 0 || memcmp(back, s, n) == 0), "html unescape differs");
	free(back);
	wp_buf_free(&b);
	/* A buffer too small: false, and marked failed. */
	wp_buf_init(&b, max);
	bool ok = wp_html_escape(&b, s, n);
	CHECK(ok == !b.failed && b.len <= max, "html escape into %zu bytes", max);
	wp_buf_free(&b);
}

static void check_json(const char *s, size_t n)
{
	wp_buf b;
	wp_buf_init(&b, 6 * n + 16);
	wp_buf_puts(&b, "\"");
	CHECK(wp_json_escape(&b, s, n), "json escape failed");
	wp_buf_puts(&b, "\"");
	for (size_t i = 0; i < b.len; i++)
		CHECK((uint8_t)b.data[i] >= 0x20 && b.data[i] != 0x7F,
		      "a control byte escaped raw");
	if (ref_utf8_valid(s, n)) {
		json_error_t e;
		json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
		CHECK(v && json_is_string(v), "escaped text is not a JSON string: %s", e.text);
		CHECK(json_string_length(v) == n && memcmp(json_string_value(v), s, n) == 0,
		      "json escape does not round-trip");
		json_decref(v);
	}
	wp_buf_free(&b);
}

/* ---- numbers ---- */

static void check_parse_i64(const char *s, size_t n, int64_t min, int64_t max)
{
	bool digits = n > 0;
	for (size_t i = 0; i < n; i++)
		digits &= dig(s[i]);
	CHECK(wp_all_digits(s, n) == digits, "wp_all_digits disagrees");
	__int128 v = 0;
	bool fits = digits;
	for (size_t i = 0; fits && i < n; i++) {
		v = v * 10 + (s[i] - '0');
		fits = v <= INT64_MAX;
	}
	bool want = fits && v >= min && v <= max;
	int64_t got = 0x5A5A;
	bool ok = wp_parse_i64(s, n, min, max, &got);
	if (ok)
		CHECK(want && got == (int64_t)v, "parsed '%.*s' as %" PRId64, (int)n, s, got);
	else if (n <= 19)
		CHECK(!want, "'%.*s' in [%" PRId64 ", %" PRId64 "] refused", (int)n, s, min, max);
	/* Its own digits parse back. */
	char dec[24];
	int64_t back;
	if (min >= 0 && min <= max) {
		snprintf(dec, sizeof(dec), "%" PRId64, min);
		CHECK(wp_parse_i64(dec, strlen(dec), min, max, &back) && back == min, "min %s",
		      dec);
	}
}

static void check_won(int64_t won, size_t small)
{
	char dec[32], want[40], got[40];
	snprintf(dec, sizeof(dec), "%" PRId64, won);
	const char *d = dec[0] == '-' ? dec + 1 : dec;
	size_t nd = strlen(d), o = 0;
	if (dec[0] == '-')
		want[o++] = '-';
	for (size_t i = 0; i < nd; i++) {
		want[o++] = d[i];
		if ((nd - 1 - i) % 3 == 0 && i + 1 < nd)
			want[o++] = ',';
	}
	want[o] = '\0';
	wp_format_won(won, got, sizeof(got));
	CHECK(strcmp(got, want) == 0, "format_won(%" PRId64 ") = '%s', want '%s'", won, got, want);
	char few[70];
	memset(few, 'X', sizeof(few));
	wp_format_won(won, few, small);
	size_t k = strnlen(few, small);
	CHECK(few[small] == 'X' && k < small && strncmp(few, want, k) == 0, "format_won at cap %zu",
	      small);
}

/* ---- calendar ---- */

static bool ref_date(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static void check_dates(const char *s, size_t n, int y, int m, int d, int off, bool short_ok)
{
	CHECK(wp_date_valid(y, m, d) == ref_date(y, m, d), "date %d-%d-%d", y, m, d);
	CHECK(wp_clock_time_valid(y, m, d) ==
		  (y >= 0 && y < 24 && m >= 0 && m < 60 && d >= 0 && d < 60),
	      "clock %d:%d:%d", y, m, d);
	bool digits = n > 0;
	for (size_t i = 0; i < n; i++)
		digits &= dig(s[i]);
	if (digits && n <= 9)
		CHECK(wp_digits_value(s, n) == num(s, n), "digits value");

	/* Birth dates take a C string. */
	size_t sl = strlen(s);
	bool sdigits = sl > 0;
	for (size_t i = 0; i < sl; i++)
		sdigits &= dig(s[i]);
	bool want =
	    sdigits &&
	    ((sl == 8 && num(s, 4) >= 1900 && ref_date(num(s, 4), num(s + 4, 2), num(s + 6, 2))) ||
	     (short_ok && sl == 6 && ref_date(2000, num(s + 2, 2), num(s + 4, 2))));
	CHECK(wp_birth_date_valid(s, short_ok) == want, "birth date '%s' (short %d)", s, short_ok);

	/* Stamps: yyyyMMddHHmmss[SSS] from 1970. */
	bool ok = digits && (n == 14 || n == 17) && num(s, 4) >= 1970 &&
		  ref_date(num(s, 4), num(s + 4, 2), num(s + 6, 2)) && num(s + 8, 2) < 24 &&
		  num(s + 10, 2) < 60 && num(s + 12, 2) < 60;
	int64_t ms = 0;
	CHECK(wp_parse_stamp(s, n, off, &ms) == ok, "parse_stamp '%.*s'", (int)n, s);
	if (ok) {
		int64_t local = ms + (int64_t)off * 60000;
		int64_t secs = local >= 0 ? local / 1000 : -((-local + 999) / 1000);
		int64_t milli = local - secs * 1000;
		time_t t = (time_t)secs;
		struct tm tm;
		CHECK(gmtime_r(&t, &tm) != NULL, "gmtime_r");
		char back[24];
		snprintf(back, sizeof(back), "%04d%02d%02d%02d%02d%02d%03d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)milli);
		CHECK(memcmp(back, s, n) == 0 && (n == 17 || milli == 0),
		      "stamp '%.*s' at %d min -> %" PRId64 " ms -> %s", (int)n, s, off, ms, back);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	size_t small = 1 + fz_byte(&in) % 64;
	uint8_t flags = fz_byte(&in);
	int64_t won = (int64_t)fz_u64(&in, 8);
	int64_t min = (int64_t)fz_u64(&in, 8), max = (int64_t)fz_u64(&in, 8);
	int off = (int16_t)fz_u64(&in, 2) % (24 * 60);
	int y = (int16_t)fz_u64(&in, 2), m = (int8_t)fz_byte(&in), d = (int8_t)fz_byte(&in);
	size_t n;
	const uint8_t *raw = fz_rest(&in, &n);
	/* An exact-size copy for the (s, n) functions, a C string for the others. */
	char *s = fz_strndup(raw, n);

	check_utf8(s, n);
	check_sanitize(s, small);
	check_mask(s, n, small);
	check_html(s, n, small);
	check_json(s, n);
	check_parse_i64(s, n, min, max);
	check_won(won, small);
	check_dates(s, n, y, m, d, off, flags & 1);

	/* Comparisons. */
	size_t half = n / 2;
	char *a = fz_strndup(s, half), *b = fz_strndup(s + half, n - half);
	CHECK(wp_ascii_ieq(a, b) == (strcasecmp(a, b) == 0), "ascii_ieq('%s', '%s')", a, b);
	CHECK(wp_ascii_ieq(a, a), "ascii_ieq(a, a)");
	size_t m2 = half < n - half ? half : n - half;
	CHECK(wp_ct_equal(a, b, m2) == (memcmp(a, b, m2) == 0), "ct_equal");
	free(a), free(b);
	for (int c = 0; c < 256; c += 1 + (flags >> 5)) {
		int want = c >= '0' && c <= '9'	  ? c - '0'
			   : c >= 'a' && c <= 'f' ? c - 'a' + 10
			   : c >= 'A' && c <= 'F' ? c - 'A' + 10
						  : -1;
		CHECK(wp_hex_digit((char)c) == want, "hex digit %d", c);
	}
	free(s);
	return 0;
}
