/*
 * arena.h — per-request scratch memory (nginx's pool).
 *
 * Everything a request decodes or formats is allocated here and released in
 * one go when the request ends, so no error path can leak or half-free. The
 * arena has a hard maximum; an allocation past it returns NULL and callers
 * answer WP_E_NOMEM / 413 instead of growing without bound.
 */
#ifndef WP_ARENA_H
#define WP_ARENA_H

#include <stddef.h>

struct wp_arena_block;

typedef struct wp_arena {
	struct wp_arena_block *head;
	size_t used_bytes; /* total bytes handed out, for the limit */
	size_t max_bytes;
} wp_arena;

void wp_arena_init(wp_arena *a, size_t max_bytes);
/* 16-byte aligned memory, or NULL when the arena's maximum would be passed. */
void *wp_arena_alloc(wp_arena *a, size_t n);
char *wp_arena_strndup(wp_arena *a, const char *s, size_t n);
char *wp_arena_printf(wp_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wp_arena_free(wp_arena *a);

#endif
