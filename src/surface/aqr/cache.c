/*
 * cache.c — landing pages already rendered, kept a short while.
 *
 * A landing page costs a store read, opening two sealed fields and the
 * template; the same page is asked for again and again (every payer who
 * scans one QR). Rendered 200 pages are kept by their path for
 * WP_AQR_PAGE_CACHE_MS in WP_AQR_PAGE_CACHE_SLOTS slots (one page per slot,
 * a newer one replaces it; each slot has its own lock). Errors are never
 * kept: a keyword that is not there yet may be created.
 *
 * A delete forgets every page at once: it moves the cache's generation on,
 * and a page is served only while it carries the current one. Deletes are
 * rare, and a page forgotten for nothing costs one render. A reader that
 * loaded the link before the delete committed cannot put its page back:
 * puts carry the generation read before the link was loaded.
 *
 * The process that answers a delete forgets; with several processes on one
 * database (issue 14) the others would only see it when their page expires,
 * which is why a server holds its database alone for now (store claim).
 * Pages hold opened account numbers and names: wiped before they are freed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "surface/aqr/aqr.h"
#include "util/clock.h"

struct page {
	pthread_mutex_t mu;
	char key[AQR_PAGE_KEY_MAX];
	uint64_t generation;
	uint64_t until_ns;
	char *html;
	size_t len;
	char etag[AQR_ETAG_MAX];
};

struct aqr_cache {
	_Atomic uint64_t generation; /* moved on by every delete */
	struct page slots[WP_AQR_PAGE_CACHE_SLOTS];
};

struct aqr_cache *aqr_cache_new(void)
{
	struct aqr_cache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < WP_AQR_PAGE_CACHE_SLOTS; i++)
		pthread_mutex_init(&c->slots[i].mu, NULL);
	return c;
}

static void drop(struct page *p)
{
	if (p->html != NULL)
		OPENSSL_cleanse(p->html, p->len);
	free(p->html);
	p->html = NULL;
	p->len = 0;
}

void aqr_cache_free(struct aqr_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < WP_AQR_PAGE_CACHE_SLOTS; i++) {
		drop(&c->slots[i]);
		pthread_mutex_destroy(&c->slots[i].mu);
	}
	free(c);
}

static struct page *slot(struct aqr_cache *c, const char *key)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ull;
	return &c->slots[h % WP_AQR_PAGE_CACHE_SLOTS];
}

uint64_t aqr_cache_generation(struct aqr_cache *c)
{
	return atomic_load(&c->generation);
}

bool aqr_cache_get(struct aqr_cache *c, const char *key, char **html, size_t *len,
		   char etag[AQR_ETAG_MAX])
{
	struct page *p = slot(c, key);
	bool hit = false;
	pthread_mutex_lock(&p->mu);
	if (p->html != NULL &&
	    (p->generation != atomic_load(&c->generation) || wp_mono_ns() >= p->until_ns)) {
		drop(p); /* forgotten or expired */
	} else if (p->html != NULL && strcmp(p->key, key) == 0) {
		*html = malloc(p->len);
		if (*html != NULL) {
			memcpy(*html, p->html, p->len);
			*len = p->len;
			memcpy(etag, p->etag, AQR_ETAG_MAX);
			hit = true;
		}
	}
	pthread_mutex_unlock(&p->mu);
	return hit;
}

void aqr_cache_put(struct aqr_cache *c, uint64_t generation, const char *key, const char *html,
		   size_t len, const char etag[AQR_ETAG_MAX])
{
	if (strlen(key) >= AQR_PAGE_KEY_MAX || atomic_load(&c->generation) != generation)
		return;
	char *copy = malloc(len);
	if (copy == NULL)
		return;
	memcpy(copy, html, len);
	struct page *p = slot(c, key);
	pthread_mutex_lock(&p->mu);
	drop(p);
	p->html = copy;
	p->len = len;
	strcpy(p->key, key);
	p->generation = generation;
	memcpy(p->etag, etag, AQR_ETAG_MAX);
	p->until_ns = wp_mono_ns() + (uint64_t)WP_AQR_PAGE_CACHE_MS * 1000000u;
	pthread_mutex_unlock(&p->mu);
}

void aqr_cache_forget(struct aqr_cache *c)
{
	if (c != NULL)
		atomic_fetch_add(&c->generation, 1);
}

void aqr_page_etag(const char *html, size_t len, char etag[AQR_ETAG_MAX])
{
	uint8_t digest[WP_SHA256_BYTES];
	wp_sha256(html, len, digest);
	char hex[17];
	wp_hex(digest, 8, hex);
	etag[0] = '"';
	memcpy(etag + 1, hex, 16);
	etag[17] = '"';
	etag[18] = '\0';
}
