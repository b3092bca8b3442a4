/* Unit tests: the landing-page cache (src/surface/aqr/cache.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "surface/aqr/aqr.h"

static const char page_a[] = "<p>page a</p>";
static const char page_b[] = "<p>page b</p>";

/* The page under key, or NULL (the copy is freed by the next call). */
static const char *get(struct aqr_cache *c, const char *key)
{
	static char *last;
	free(last);
	last = NULL;
	size_t len;
	char etag[AQR_ETAG_MAX];
	if (!aqr_cache_get(c, key, &last, &len, etag))
		return NULL;
	char *s = realloc(last, len + 1);
	assert_non_null(s);
	s[len] = '\0';
	last = s;
	return last;
}

static void put(struct aqr_cache *c, const char *key, const char *html)
{
	char etag[AQR_ETAG_MAX];
	aqr_page_etag(html, strlen(html), etag);
	aqr_cache_put(c, aqr_cache_generation(c), key, html, strlen(html), etag);
}

static void test_put_get_replace(void **state)
{
	(void)state;
	struct aqr_cache *c = aqr_cache_new();
	assert_null(get(c, "Kw1"));
	put(c, "Kw1", page_a);
	put(c, "Kw1/5000", page_b);
	assert_string_equal(get(c, "Kw1"), page_a);
	assert_string_equal(get(c, "Kw1/5000"), page_b);
	assert_null(get(c, "Kw1/qr"));
	put(c, "Kw1", page_b);
	assert_string_equal(get(c, "Kw1"), page_b);
	aqr_cache_free(c);
}

static void test_forget_drops_every_page(void **state)
{
	(void)state;
	struct aqr_cache *c = aqr_cache_new();
	put(c, "Kw1", page_a);
	put(c, "Kw1/5000", page_a);
	put(c, "Kw1/qr", page_a);
	put(c, "Kw2", page_b);
	aqr_cache_forget(c);
	assert_null(get(c, "Kw1"));
	assert_null(get(c, "Kw1/5000"));
	assert_null(get(c, "Kw1/qr"));
	assert_null(get(c, "Kw2"));
	put(c, "Kw2", page_b); /* rendered again after the delete */
	assert_string_equal(get(c, "Kw2"), page_b);
	aqr_cache_forget(NULL); /* no cache: nothing to do */
	aqr_cache_free(c);
}

/* A reader that loaded the link before a delete must not put its page back after it. */
static void test_put_from_before_a_forget_is_dropped(void **state)
{
	(void)state;
	struct aqr_cache *c = aqr_cache_new();
	uint64_t before = aqr_cache_generation(c);
	aqr_cache_forget(c);
	char etag[AQR_ETAG_MAX];
	aqr_page_etag(page_a, strlen(page_a), etag);
	aqr_cache_put(c, before, "Kw1", page_a, strlen(page_a), etag);
	assert_null(get(c, "Kw1"));
	put(c, "Kw1", page_a); /* a reader after the forget */
	assert_string_equal(get(c, "Kw1"), page_a);
	aqr_cache_free(c);
}

static void test_pages_expire_and_long_keys_are_not_kept(void **state)
{
	(void)state;
	struct aqr_cache *c = aqr_cache_new();
	char key[AQR_PAGE_KEY_MAX + 8];
	memset(key, '7', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	put(c, key, page_a);
	assert_null(get(c, key));
	put(c, "Kw1", page_a);
	struct timespec ts = {WP_AQR_PAGE_CACHE_MS / 1000,
			      (WP_AQR_PAGE_CACHE_MS % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	assert_null(get(c, "Kw1"));
	aqr_cache_free(c);
}

static void test_etag(void **state)
{
	(void)state;
	char a[AQR_ETAG_MAX], b[AQR_ETAG_MAX];
	aqr_page_etag(page_a, strlen(page_a), a);
	aqr_page_etag(page_b, strlen(page_b), b);
	assert_int_equal(strlen(a), 18);
	assert_true(a[0] == '"' && a[17] == '"');
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put_get_replace),
	    cmocka_unit_test(test_forget_drops_every_page),
	    cmocka_unit_test(test_put_from_before_a_forget_is_dropped),
	    cmocka_unit_test(test_pages_expire_and_long_keys_are_not_kept),
	    cmocka_unit_test(test_etag),
	};
	return cmocka_run_group_tests_name("aqr cache", tests, NULL, NULL);
}
