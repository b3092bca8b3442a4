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
 * A delete forgets every page of its keyword once it is durable. A reader
 * that loaded the link before the delete committed must not put its page
 * back: puts carry the forget generation seen before the read, and a put
 * from an older generation is dropped. Another process's delete (several
 * processes on one database) is seen when the page expires.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "surface/aqr/aqr.h"
#include "util/clock.h"

struct page {
	pthread_mutex_t mu;
	char key[AQR_PAGE_KEY_MAX];
	char keyword[AQR_KEYWORD_MAX + 1];
	uint64_t until_ns;
	char *html;
	size_t len;
	char etag[AQR_ETAG_MAX];
};

struct aqr_cache {
	_Atomic uint64_t forgets; /* deletes so far: the forget generation */
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

void aqr_cache_free(struct aqr_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < WP_AQR_PAGE_CACHE_SLOTS; i++) {
		free(c->slots[i].html);
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
	return atomic_load(&c->forgets);
}

bool aqr_cache_get(struct aqr_cache *c, const char *key, char **html, size_t *len,
		   char etag[AQR_ETAG_MAX])
{
	struct page *p = slot(c, key);
	bool hit = false;
	pthread_mutex_lock(&p->mu);
	if (p->html != NULL && strcmp(p->key, key) == 0 && wp_mono_ns() < p->until_ns) {
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

void aqr_cache_put(struct aqr_cache *c, uint64_t generation, const char *key, const char *keyword,
		   const char *html, size_t len, const char etag[AQR_ETAG_MAX])
{
	if (strlen(key) >= AQR_PAGE_KEY_MAX || strlen(keyword) > AQR_KEYWORD_MAX)
		return;
	char *copy = malloc(len);
	if (copy == NULL)
		return;
	memcpy(copy, html, len);
	struct page *p = slot(c, key);
	pthread_mutex_lock(&p->mu);
	/* Checked under the lock: a forget that ran before it has already looked at this slot. */
	if (atomic_load(&c->forgets) != generation) {
		pthread_mutex_unlock(&p->mu);
		free(copy);
		return;
	}
	free(p->html);
	p->html = copy;
	p->len = len;
	strcpy(p->key, key);
	strcpy(p->keyword, keyword);
	memcpy(p->etag, etag, AQR_ETAG_MAX);
	p->until_ns = wp_mono_ns() + (uint64_t)WP_AQR_PAGE_CACHE_MS * 1000000u;
	pthread_mutex_unlock(&p->mu);
}

void aqr_cache_forget(struct aqr_cache *c, const char *keyword)
{
	if (c == NULL)
		return;
	atomic_fetch_add(&c->forgets, 1);
	for (size_t i = 0; i < WP_AQR_PAGE_CACHE_SLOTS; i++) {
		struct page *p = &c->slots[i];
		pthread_mutex_lock(&p->mu);
		if (p->html != NULL && strcmp(p->keyword, keyword) == 0) {
			free(p->html);
			p->html = NULL;
		}
		pthread_mutex_unlock(&p->mu);
	}
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
