#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wp_buf_init(wp_buf *b, size_t max_bytes)
{
	memset(b, 0, sizeof(*b));
	b->max_bytes = max_bytes;
}

static bool reserve(wp_buf *b, size_t extra)
{
	if (b->failed)
		return false;
	if (extra > b->max_bytes || b->len > b->max_bytes - extra) {
		b->failed = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

bool wp_buf_append(wp_buf *b, const void *p, size_t n)
{
	if (!reserve(b, n))
		return false;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

bool wp_buf_puts(wp_buf *b, const char *s)
{
	return wp_buf_append(b, s, strlen(s));
}

bool wp_buf_printf(wp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}

char *wp_buf_take(wp_buf *b, size_t *len)
{
	char *p = b->data;
	if (len != NULL)
		*len = b->len;
	size_t max = b->max_bytes;
	wp_buf_init(b, max);
	return p;
}

void wp_buf_free(wp_buf *b)
{
	free(b->data);
	size_t max = b->max_bytes;
	wp_buf_init(b, max);
}
