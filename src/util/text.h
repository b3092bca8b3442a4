/*
 * text.h — small, checked string helpers shared by every layer.
 */
#ifndef WP_TEXT_H
#define WP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
bool wp_utf8_valid(const char *s, size_t n);
/* The length of the longest prefix of s that is valid UTF-8. */
size_t wp_utf8_valid_prefix(const char *s, size_t n);
/* Code points in valid UTF-8; the spec's "maximum length" counts these. */
size_t wp_utf8_chars(const char *s, size_t n);
/* True if any byte is a C0 control character or DEL (tab included). */
bool wp_has_control(const char *s, size_t n);
/*
 * True if the UTF-8 text has a bidirectional formatting character (U+061C,
 * U+200E/F, U+202A..E, U+2066..9): shown on a page they can reverse a name.
 */
bool wp_has_bidi_control(const char *s, size_t n);
/* Copies s with every byte that is not part of valid UTF-8 replaced by U+FFFD. */
void wp_utf8_sanitize(const char *s, char *out, size_t cap);
/*
 * snprintf for messages that quote input: the result is valid UTF-8 whatever
 * the arguments held (bytes that are not UTF-8, a character cut by a
 * precision, as U+FFFD) and is cut at cap on a whole character.
 */
void wp_errf(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool wp_all_digits(const char *s, size_t n);
/* The value of a hex digit, or -1. */
int wp_hex_digit(char c);

/*
 * Parses a whole decimal string of digits only (no sign, no spaces) into
 * [min, max]. False on anything else, including overflow.
 */
bool wp_parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out);

/*
 * Masks personal data for logs: keeps the first 4 and last 4 characters of a
 * value longer than 8 ("1234567894321" -> "1234*****4321"); shorter values
 * keep only their last 2 ("010123" -> "****23"). Writes at most cap-1 bytes.
 */
void wp_mask(const char *s, size_t n, char *out, size_t cap);
/*
 * Copies s, masking every run of 6 or more digits with wp_mask; cut at cap on
 * a whole UTF-8 character (valid UTF-8 in, valid UTF-8 out).
 */
void wp_mask_digit_runs(const char *s, char *out, size_t cap);

/* HTML text/attribute escaping: & < > " ' */
bool wp_html_escape(wp_buf *b, const char *s, size_t n);
/* JSON string body escaping (no quotes added), for hand-built log lines. */
bool wp_json_escape(wp_buf *b, const char *s, size_t n);

/* Case-insensitive ASCII comparison of two NUL-terminated strings. */
bool wp_ascii_ieq(const char *a, const char *b);
/* Constant-time comparison of equal-length byte strings. */
bool wp_ct_equal(const void *a, const void *b, size_t n);

/* Formats won with thousands separators: 1234567 -> "1,234,567". */
void wp_format_won(int64_t won, char *out, size_t cap);

#endif
