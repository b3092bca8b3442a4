#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

size_t wp_utf8_valid_prefix(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (n - i < len)
			return i;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return i; /* overlong or out of range */
		if (cp >= 0xD800 && cp <= 0xDFFF)
			return i; /* surrogate */
		i += len;
	}
	return n;
}

bool wp_utf8_valid(const char *s, size_t n)
{
	return wp_utf8_valid_prefix(s, n) == n;
}

size_t wp_utf8_chars(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

bool wp_has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			return true;
	}
	return false;
}

bool wp_has_bidi_control(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i + 1 < n; i++) {
		if (u[i] == 0xD8 && u[i + 1] == 0x9C) /* U+061C arabic letter mark */
			return true;
		if (i + 2 >= n || u[i] != 0xE2)
			continue;
		unsigned cp = 0x2000u | ((u[i + 1] & 0x3Fu) << 6) | (u[i + 2] & 0x3Fu);
		if (cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return true;
	}
	return false;
}

void wp_utf8_sanitize(const char *s, char *out, size_t cap)
{
	size_t o = 0, n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t room = cap - o - 1; /* the NUL stays */
		size_t ok = wp_utf8_valid_prefix(s + i, n - i);
		if (ok > room)
			ok = wp_utf8_valid_prefix(s + i, room); /* whole characters only */
		if (ok > 0) {
			memcpy(out + o, s + i, ok);
			o += ok;
			i += ok;
			continue;
		}
		if (room < 3 || wp_utf8_valid_prefix(s + i, n - i) > 0)
			break;			    /* out of room */
		memcpy(out + o, "\xEF\xBF\xBD", 3); /* U+FFFD for a byte that is not UTF-8 */
		o += 3;
		i++;
	}
	out[o] = '\0';
}

void wp_errf(char *out, size_t cap, const char *fmt, ...)
{
	if (cap == 0)
		return;
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	wp_utf8_sanitize(tmp, out, cap);
}

int wp_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool wp_all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool wp_parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
	if (!wp_all_digits(s, n) || n > 19)
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v))
			return false;
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

void wp_mask(const char *s, size_t n, char *out, size_t cap)
{
	if (cap == 0)
		return;
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		bool keep = n > 8 ? (i < 4 || i >= n - 4) : (n >= 2 && i >= n - 2);
		out[o++] = keep ? s[i] : '*';
	}
	out[o] = '\0';
}

void wp_mask_digit_runs(const char *s, char *out, size_t cap)
{
	if (cap == 0)
		return;
	size_t o = 0;
	size_t i = 0;
	size_t n = strlen(s);
	while (i < n && o + 1 < cap) {
		size_t j = i;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j - i >= 6) {
			wp_mask(s + i, j - i, out + o, cap - o);
			o += strlen(out + o);
			i = j;
		} else if (j > i) {
			while (i < j && o + 1 < cap)
				out[o++] = s[i++];
		} else {
			/* A whole UTF-8 character or nothing: a cut one is not UTF-8. */
			size_t len = wp_utf8_valid_prefix(s + i, n - i < 4 ? n - i : 4);
			size_t ch = 1;
			unsigned char c = (unsigned char)s[i];
			if (len > 0 && c >= 0x80)
				ch = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			if (o + ch + 1 > cap)
				break;
			memcpy(out + o, s + i, ch);
			o += ch;
			i += ch;
		}
	}
	out[o] = '\0';
}

bool wp_html_escape(wp_buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		wp_buf_append(b, s + start, i - start);
		wp_buf_puts(b, rep);
		start = i + 1;
	}
	wp_buf_append(b, s + start, n - start);
	return !b->failed;
}

bool wp_json_escape(wp_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F)
			continue;
		wp_buf_append(b, s + start, i - start);
		char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			esc[2] = 0;
		}
		wp_buf_puts(b, esc);
		start = i + 1;
	}
	wp_buf_append(b, s + start, n - start);
	return !b->failed;
}

bool wp_ascii_ieq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return false;
		if (x == 0)
			return true;
	}
}

bool wp_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

void wp_format_won(int64_t won, char *out, size_t cap)
{
	char digits[24];
	size_t nd = 0;
	uint64_t v = won < 0 ? (uint64_t)0 - (uint64_t)won : (uint64_t)won;
	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	size_t o = 0;
	if (won < 0 && o + 1 < cap)
		out[o++] = '-';
	for (size_t i = nd; i > 0 && o + 1 < cap; i--) {
		out[o++] = digits[i - 1];
		if (i > 1 && (i - 1) % 3 == 0 && o + 1 < cap)
			out[o++] = ',';
	}
	if (cap > 0)
		out[o < cap ? o : cap - 1] = '\0';
}
