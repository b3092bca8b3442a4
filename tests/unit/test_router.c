/* Unit tests: route matching (src/http/router.c) and templates (src/web/render.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "web/render.h"

static const struct wp_surface *const surfaces[] = {&wp_surface_aqr, &wp_surface_system};

static void match(const char *method, const char *path, struct wp_match *m)
{
	wp_route_match(surfaces, 2, method, path, m);
}

static void test_routes(void **state)
{
	(void)state;
	struct wp_match m;
	match("POST", "/api/", &m);
	assert_non_null(m.route);
	assert_ptr_equal(m.surface, &wp_surface_aqr);

	match("GET", "/f/abcDE123", &m);
	assert_non_null(m.route);
	assert_int_equal(m.param_count, 1);
	assert_int_equal(m.param_lens[0], 8);
	assert_memory_equal(m.params[0], "abcDE123", 8);

	match("GET", "/f/abc/qr", &m);
	assert_non_null(m.route);
	assert_string_equal(m.route->pattern, "/f/{keyword}/qr");

	match("GET", "/f/abc/5000", &m);
	assert_string_equal(m.route->pattern, "/f/{keyword}/{amount}");
	assert_int_equal(m.param_count, 2);

	match("HEAD", "/f/abc", &m);
	assert_non_null(m.route); /* HEAD is served by GET routes */
}

static void test_405_and_404(void **state)
{
	(void)state;
	struct wp_match m;
	match("GET", "/api/", &m);
	assert_null(m.route);
	assert_string_equal(m.allow, "POST");
	assert_ptr_equal(m.surface, &wp_surface_aqr);

	match("DELETE", "/f/abc", &m);
	assert_null(m.route);
	assert_string_equal(m.allow, "GET, HEAD");

	match("GET", "/f/", &m); /* empty parameter: no route, but AQR owns /f/ */
	assert_null(m.route);
	assert_string_equal(m.allow, "");
	assert_ptr_equal(m.surface, &wp_surface_aqr);

	match("GET", "/nowhere", &m);
	assert_null(m.route);
	assert_null(m.surface); /* the server falls back to the system envelope */

	match("GET", "/f/a/b/c", &m);
	assert_null(m.route);
	assert_ptr_equal(m.surface, &wp_surface_aqr);
}

static void test_render_escapes_and_sections(void **state)
{
	(void)state;
	wp_buf b;
	wp_buf_init(&b, 1 << 20);
	const struct wp_tvar vars[] = {
	    {"title", "<b>t</b>"},
	    {"landing", NULL},
	    {"qr_large", NULL},
	    {"error", "<script>alert(1)</script>"},
	    {"error_detail", "d&d"},
	};
	assert_int_equal(wp_render(&b, "aqr_page.html", vars, 5), WP_OK);
	assert_non_null(strstr(b.data, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strstr(b.data, "<script>alert"));
	assert_non_null(strstr(b.data, "d&amp;d"));
	assert_null(strstr(b.data, "copy-account")); /* landing section hidden */
	assert_null(strstr(b.data, "{{"));
	wp_buf_free(&b);

	/* A slot without a variable is a programming error, reported, not rendered. */
	assert_int_equal(wp_render(&b, "aqr_page.html", vars, 2), WP_E_INTERNAL);
	wp_buf_free(&b);
	assert_int_equal(wp_render(&b, "missing.html", vars, 5), WP_E_INTERNAL);
	wp_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes),
	    cmocka_unit_test(test_405_and_404),
	    cmocka_unit_test(test_render_escapes_and_sections),
	};
	return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
