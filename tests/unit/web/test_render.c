/* Unit tests: templates (src/web/render.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web/render.h"

static void test_render_escapes_and_sections(void **state)
{
	(void)state;
	wp_buf b;
	wp_buf_init(&b, 1 << 20);
	const struct wp_tvar vars[] = {
	    {"title", "<b>t</b>"},   {"landing", NULL},
	    {"qr_large", NULL},	     {"error", "<script>alert(1)</script>"},
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
	    cmocka_unit_test(test_render_escapes_and_sections),
	};
	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
