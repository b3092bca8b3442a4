#include "util/arena.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN_BYTES 4096

struct wp_arena_block {
	struct wp_arena_block *next;
	size_t cap;
	size_t off;
	_Alignas(16) unsigned char data[];
};

void wp_arena_init(wp_arena *a, size_t max_bytes)
{
	a->head = NULL;
	a->used_bytes = 0;
	a->max_bytes = max_bytes;
}

void *wp_arena_alloc(wp_arena *a, size_t n)
{
	assert(a != NULL);
	assert(a->max_bytes > 0); /* initialized */
	if (n > a->max_bytes || a->used_bytes > a->max_bytes)
		return NULL; /* also keeps the rounding below from wrapping */
	size_t need = n == 0 ? 16 : (n + 15) & ~(size_t)15;
	if (need > a->max_bytes - a->used_bytes)
		return NULL;
	struct wp_arena_block *b = a->head;
	if (b == NULL || b->cap - b->off < need) {
		size_t cap = need > BLOCK_MIN_BYTES ? need : BLOCK_MIN_BYTES;
		b = malloc(sizeof(*b) + cap);
		if (b == NULL)
			return NULL;
		b->cap = cap;
		b->off = 0;
		b->next = a->head;
		a->head = b;
	}
	assert(b->off + need <= b->cap);
	void *p = b->data + b->off;
	b->off += need;
	a->used_bytes += need;
	return p;
}

char *wp_arena_strndup(wp_arena *a, const char *s, size_t n)
{
	assert(s != NULL);
	if (n == SIZE_MAX)
		return NULL;
	char *p = wp_arena_alloc(a, n + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *wp_arena_printf(wp_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = wp_arena_alloc(a, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void wp_arena_free(wp_arena *a)
{
	struct wp_arena_block *b = a->head;
	while (b != NULL) {
		struct wp_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used_bytes = 0;
}
