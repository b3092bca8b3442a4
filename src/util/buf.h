/*
 * buf.h — a growable byte buffer with a maximum (curl's dynbuf).
 *
 * Appends past the maximum fail and leave the buffer marked as failed, so a
 * caller can append many pieces and check once at the end.
 */
#ifndef WP_BUF_H
#define WP_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct wp_buf {
	char *data; /* always NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	size_t max_bytes;
	bool failed; /* an append ran out of memory or past max_bytes */
} wp_buf;

void wp_buf_init(wp_buf *b, size_t max_bytes);
bool wp_buf_append(wp_buf *b, const void *p, size_t n);
bool wp_buf_puts(wp_buf *b, const char *s);
bool wp_buf_printf(wp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the memory to the caller (free() it); the buffer is reset. */
char *wp_buf_take(wp_buf *b, size_t *len);
void wp_buf_free(wp_buf *b);

#endif
