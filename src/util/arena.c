#include "util/arena.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN_BYTES 4096
#define SPARE_BLOCKS_MAX 16 /* freed first blocks a thread keeps for its next requests */

struct wp_arena_block {
	struct wp_arena_block *next;
	size_t cap;
	size_t off;
	_Alignas(16) unsigned char data[];
};

/*
 * Each thread keeps up to SPARE_BLOCKS_MAX freed blocks of the smallest size
 * for its next arenas: nearly every request needs one, and a 4 KiB malloc
 * is a large request to glibc, which consolidates its fast bins first
 * (malloc_consolidate took about 1% of a request's CPU). The list is freed
 * when the thread exits.
 */
struct spare {
	struct wp_arena_block *head;
	unsigned count;
};
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static _Thread_local struct spare spare_tls;

static void spare_release(void *p)
{
	struct spare *s = p;
	while (s->head != NULL) {
		struct wp_arena_block *next = s->head->next;
		free(s->head);
		s->head = next;
	}
	s->count = 0;
}

static void spare_key_make(void)
{
	(void)pthread_key_create(&spare_key, spare_release);
}

/* Under AddressSanitizer every block goes back to malloc: a read through a stale pointer is caught. */
#if defined(__SANITIZE_ADDRESS__)
#define SPARE_ON 0
#else
#define SPARE_ON 1
#endif

static struct wp_arena_block *block_new(size_t cap)
{
	if (SPARE_ON && cap == BLOCK_MIN_BYTES && spare_tls.head != NULL) {
		struct wp_arena_block *b = spare_tls.head;
		spare_tls.head = b->next;
		spare_tls.count--;
		return b;
	}
	struct wp_arena_block *b = malloc(sizeof(*b) + cap);
	if (b != NULL)
		b->cap = cap;
	return b;
}

static void block_free(struct wp_arena_block *b)
{
	if (!SPARE_ON || b->cap != BLOCK_MIN_BYTES || spare_tls.count >= SPARE_BLOCKS_MAX) {
		free(b);
		return;
	}
	if (spare_tls.count == 0) { /* the thread's first: free the list when it exits */
		pthread_once(&spare_once, spare_key_make);
		if (pthread_getspecific(spare_key) == NULL &&
		    pthread_setspecific(spare_key, &spare_tls) != 0) {
			free(b);
			return;
		}
	}
	b->next = spare_tls.head;
	spare_tls.head = b;
	spare_tls.count++;
}

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
		b = block_new(need > BLOCK_MIN_BYTES ? need : BLOCK_MIN_BYTES);
		if (b == NULL)
			return NULL;
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
		block_free(b);
		b = next;
	}
	a->head = NULL;
	a->used_bytes = 0;
}
