#include "store/store.h"

#include <stdio.h>
#include <string.h>

bool wp_store_is_url(const char *path)
{
	return strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0;
}

wp_status wp_store_open(const char *path, unsigned pool, struct wp_store **out, char *err,
			size_t err_cap)
{
	if (wp_store_is_url(path))
		return wp_store_postgres_open(path, pool, out, err, err_cap);
	return wp_store_sqlite_open(path, pool, out, err, err_cap);
}

/*
 * A URL's password is in its user info (scheme://user:password@host: up to
 * the last '@' before the query, so a '/' or '@' in it is covered) or in a
 * password= or sslpassword= parameter of its query; each is shown as ***.
 * When unsure it masks more, never less.
 */
void wp_store_describe(const char *path, char *out, size_t cap)
{
	if (cap == 0)
		return;
	if (!wp_store_is_url(path)) {
		snprintf(out, cap, "%s", path);
		return;
	}
	size_t n = 0;
	const char *p = path;
	const char *authority = strstr(p, "://") + 3;
	const char *end = authority + strcspn(authority, "?");
	const char *at = NULL;
	for (const char *q = authority; q < end; q++)
		if (*q == '@')
			at = q; /* the last '@' ends the user info */
	const char *colon = at ? memchr(authority, ':', (size_t)(at - authority)) : NULL;
#define PUT(s, len)                                                                                \
	do {                                                                                       \
		size_t l_ = (len);                                                                 \
		if (n + l_ >= cap)                                                                 \
			l_ = cap - 1 - n;                                                          \
		memcpy(out + n, (s), l_);                                                          \
		n += l_;                                                                           \
	} while (0)
	if (colon != NULL) {
		PUT(p, (size_t)(colon + 1 - p));
		PUT("***", 3);
		p = at;
	}
	/* the rest, with each password=VALUE of the query masked */
	while (*p != '\0') {
		const char *hit = strstr(p, "password=");
		const char *key = hit;
		while (key != NULL && key > path && key[-1] >= 'a' && key[-1] <= 'z')
			key--; /* sslpassword= too */
		bool param = key != NULL && key > path && (key[-1] == '?' || key[-1] == '&');
		if (hit == NULL) {
			PUT(p, strlen(p));
			break;
		}
		PUT(p, (size_t)(hit + 9 - p));
		p = hit + 9;
		if (param) {
			PUT("***", 3);
			p += strcspn(p, "&");
		}
	}
#undef PUT
	out[n] = '\0';
}

wp_status wp_store_write(struct wp_store *s, wp_status (*fn)(struct wp_tx *tx, void *arg),
			 void *arg)
{
	struct wp_tx *tx;
	wp_status st = s->ops->tx_begin(s, &tx);
	if (st != WP_OK)
		return st;
	st = fn(tx, arg);
	if (st != WP_OK) {
		s->ops->tx_rollback(tx);
		return st;
	}
	return s->ops->tx_commit(tx);
}
