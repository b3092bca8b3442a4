/*
 * fuzz_render.c — wp_render (src/web/render.h) of "aqr_page.html", the
 * page AQR serves, with every variable's value from the input.
 *
 * Input: byte 0: bit 0 set drops the variable numbered by bits 1..4 (a
 * template slot without a variable must be refused, never crash); bit 5
 * renders an unknown template instead; then the values of the page's
 * variables (pages.c's list, then any other slot of the template) separated
 * by NUL bytes, a missing one NULL.
 *
 * Properties:
 *  - with every variable: WP_OK within WP_PAGE_MAX_BYTES; no markup from a
 *    value: the page has exactly as many < > " ' as the same page rendered
 *    with each non-empty value replaced by "x"; no '&' but in an entity or the
 *    template's own text (counted the same way); valid UTF-8 in, valid UTF-8 out;
 *  - a dropped variable: WP_OK or WP_E_INTERNAL, nothing else;
 *  - an unknown template: WP_E_INTERNAL.
 */
#include <stdint.h>
#include <string.h>

#include "bounds.h"
#include "fuzz_util.h"
#include "util/buf.h"
#include "util/embedded.h"
#include "web/render.h"

/* pages.c's variables, in its order (the seeds give values in this order)... */
static const char *const PAGES_VARS[] = {
    "title",	     "landing",	  "qr_large",	    "error",	     "error_detail",
    "account_name",  "bank_name", "account_number", "account_owner", "amount",
    "amount_digits", "qr_src",	  "qr_page",	    "landing_page",
};
#define NVARS_MAX 64
/* ...then any other slot the template has (read from it once), so a new slot is covered. */
static char *NAMES[NVARS_MAX];
static size_t NVARS;

static void add_name(const char *s, size_t n)
{
	for (size_t i = 0; i < NVARS; i++)
		if (strlen(NAMES[i]) == n && memcmp(NAMES[i], s, n) == 0)
			return;
	CHECK(NVARS < NVARS_MAX, "more than %d template variables", NVARS_MAX);
	NAMES[NVARS++] = fz_strndup(s, n);
}

static void init(void)
{
	for (size_t i = 0; i < sizeof(PAGES_VARS) / sizeof(PAGES_VARS[0]); i++)
		add_name(PAGES_VARS[i], strlen(PAGES_VARS[i]));
	const struct wp_embedded *t = wp_embedded_get("web/templates/aqr_page.html");
	CHECK(t != NULL, "aqr_page.html is not embedded");
	for (const char *p = strstr(t->data, "{{"); p; p = strstr(p, "{{")) {
		const char *close = strstr(p + 2, "}}");
		if (close == NULL)
			break;
		const char *name = p + 2;
		if (*name == '#' || *name == '/')
			name++;
		if (close > name)
			add_name(name, (size_t)(close - name));
		p = close + 2;
	}
}

static void count_special(const char *s, size_t n, size_t c[4])
{
	static const char special[] = "<>\"'";
	memset(c, 0, 4 * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		const char *p = s[i] ? strchr(special, s[i]) : NULL;
		if (p)
			c[p - special]++;
	}
}

/* '&' that start no entity. */
static size_t bare_amps(const char *s, size_t n)
{
	static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
	size_t bare = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '&')
			continue;
		bool ent = false;
		for (int e = 0; e < 5; e++)
			ent |= strncmp(s + i, ents[e], strlen(ents[e])) == 0;
		bare += !ent;
	}
	return bare;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (NVARS == 0)
		init();
	struct fz in = {data, size};
	uint8_t flags = fz_byte(&in);
	struct wp_tvar vars[NVARS_MAX], skel[NVARS_MAX];
	char *vals[NVARS_MAX];
	bool all_utf8 = true;
	for (size_t i = 0; i < NVARS; i++) {
		vals[i] = NULL;
		if (in.n > 0) {
			vals[i] = fz_cstr(&in, '\0');
			all_utf8 &= ref_utf8_valid(vals[i], strlen(vals[i]));
		}
		vars[i] = (struct wp_tvar){NAMES[i], vals[i]};
		bool empty = vals[i] == NULL || vals[i][0] == '\0';
		skel[i] = (struct wp_tvar){NAMES[i], empty ? vals[i] : "x"};
	}
	size_t count = NVARS;
	if (flags & 1) { /* drop one variable */
		size_t k = ((size_t)flags >> 1 & 15) % NVARS;
		vars[k] = vars[NVARS - 1];
		count--;
	}
	wp_buf out, sk;
	wp_buf_init(&out, WP_PAGE_MAX_BYTES);
	wp_buf_init(&sk, WP_PAGE_MAX_BYTES);
	if (flags & 32) {
		CHECK(wp_render(&out, "no_such_page.html", vars, count) == WP_E_INTERNAL,
		      "an unknown template rendered");
	} else {
		wp_status st = wp_render(&out, "aqr_page.html", vars, count);
		if (count < NVARS) {
			CHECK(st == WP_OK || st == WP_E_INTERNAL,
			      "status %d with a variable missing", st);
		} else {
			CHECK(st == WP_OK, "status %d", st);
			CHECK(wp_render(&sk, "aqr_page.html", skel, NVARS) == WP_OK, "skeleton");
			size_t a[4], b[4];
			count_special(out.data, out.len, a);
			count_special(sk.data, sk.len, b);
			static const char *const what[] = {"<", ">", "\"", "'"};
			for (int i = 0; i < 4; i++)
				CHECK(a[i] == b[i],
				      "%zu '%s' in the page, %zu in its skeleton: a value "
				      "became markup",
				      a[i], what[i], b[i]);
			/* Every '&' a value adds starts an entity. */
			CHECK(bare_amps(out.data, out.len) == bare_amps(sk.data, sk.len),
			      "a bare '&' from a value");
			if (all_utf8)
				CHECK(ref_utf8_valid(out.data, out.len), "page is not valid UTF-8");
		}
	}
	wp_buf_free(&out);
	wp_buf_free(&sk);
	for (size_t i = 0; i < NVARS; i++)
		free(vals[i]);
	return 0;
}
