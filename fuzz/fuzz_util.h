/*
 * fuzz_util.h — what every driver shares: reading the input, checking properties.
 *
 * A driver reads its input front to back with the fz_* helpers (they never
 * fail: past the end they give zeros and empty fields), and states what the
 * code promises with CHECK. A failed CHECK prints the property and aborts,
 * which libFuzzer reports as a crash and saves the input.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_byte(struct fz *f)
{
	if (f->n == 0)
		return 0;
	uint8_t b = *f->p;
	f->p++;
	f->n--;
	return b;
}

static inline uint64_t fz_u64(struct fz *f, size_t bytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < bytes; i++)
		v = (v << 8) | fz_byte(f);
	return v;
}

/*
 * The bytes up to the next sep (not included, and consumed), or the rest of
 * the input when there is none. *len is its length; the pointer is into the input.
 */
static inline const uint8_t *fz_field(struct fz *f, uint8_t sep, size_t *len)
{
	const uint8_t *start = f->p;
	const uint8_t *end = f->n ? memchr(f->p, sep, f->n) : NULL;
	size_t k = end ? (size_t)(end - start) : f->n;
	*len = k;
	f->p += k;
	f->n -= k;
	if (end) {
		f->p++;
		f->n--;
	}
	return start;
}

/* A malloc'd NUL-terminated copy of n bytes (the fuzzer's data is not terminated). */
static inline char *fz_strndup(const void *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s == NULL)
		abort();
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* The next field as a malloc'd C string (cut at an embedded NUL, as a C caller would see it). */
static inline char *fz_cstr(struct fz *f, uint8_t sep)
{
	size_t n;
	const uint8_t *p = fz_field(f, sep, &n);
	char *s = fz_strndup(p, n);
	return s;
}

/* The rest of the input. */
static inline const uint8_t *fz_rest(struct fz *f, size_t *len)
{
	const uint8_t *p = f->p;
	*len = f->n;
	f->p += f->n;
	f->n = 0;
	return p;
}

/*
 * Reference UTF-8 decoder (RFC 3629 §4 table, written independently of
 * src/util/text.c): the length of the well-formed character at s[0..n), or 0.
 */
static inline size_t ref_utf8_char(const uint8_t *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	uint8_t c = s[0];
	if (c <= 0x7F) {
		*cp = c;
		return 1;
	}
	size_t len;
	uint8_t lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c == 0xE0)
		len = 3, lo = 0xA0;
	else if (c >= 0xE1 && c <= 0xEC)
		len = 3;
	else if (c == 0xED)
		len = 3, hi = 0x9F;
	else if (c >= 0xEE && c <= 0xEF)
		len = 3;
	else if (c == 0xF0)
		len = 4, lo = 0x90;
	else if (c >= 0xF1 && c <= 0xF3)
		len = 4;
	else if (c == 0xF4)
		len = 4, hi = 0x8F;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	uint32_t v = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
	for (size_t i = 1; i < len; i++)
		v = (v << 6) | (s[i] & 0x3F);
	*cp = v;
	return len;
}

/* Well-formed UTF-8 by the reference decoder. */
static inline bool ref_utf8_valid(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint32_t cp;
	for (size_t i = 0; i < n;) {
		size_t k = ref_utf8_char(s + i, n - i, &cp);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* A NUL-terminated C string of at most cap-1 bytes that is valid UTF-8. */
static inline bool ref_cstr_ok(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	return n < cap && ref_utf8_valid(s, n);
}

#endif
