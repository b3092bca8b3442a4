/* Unit tests: route matching (src/http/router.c) over every surface's table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "surface/kit.h"

extern const struct wp_module wp_module_aqr, wp_module_kona;

static const struct wp_surface *surfaces[WP_SURFACES_MAX], *fallback, *aqr, *kona;
static size_t surface_count;

static void match(const char *method, const char *path, struct wp_match *m)
{
	wp_route_match(surfaces, surface_count, method, path, m);
}

static void test_routes(void **state)
{
	(void)state;
	struct wp_match m;
	match("POST", "/api/", &m);
	assert_non_null(m.route);
	assert_ptr_equal(m.surface, aqr);

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
	assert_ptr_equal(m.surface, aqr);

	match("DELETE", "/f/abc", &m);
	assert_null(m.route);
	assert_string_equal(m.allow, "GET, HEAD");

	match("GET", "/f/", &m); /* empty parameter: no route, but AQR owns /f/ */
	assert_null(m.route);
	assert_string_equal(m.allow, "");
	assert_ptr_equal(m.surface, aqr);

	match("GET", "/nowhere", &m);
	assert_null(m.route);
	assert_null(m.surface); /* the server falls back to the system envelope */

	match("GET", "/f/a/b/c", &m);
	assert_null(m.route);
	assert_ptr_equal(m.surface, aqr);
}

/* Every surface together, as a sandbox server serves them. */
static void test_all_surfaces(void **state)
{
	(void)state;
	struct wp_match m;
	/* AQR's /api/ is exact; Kona owns everything under /api/v1/. */
	match("POST", "/api/", &m);
	assert_ptr_equal(m.surface, aqr);
	match("POST", "/api/v1/user/info", &m);
	assert_non_null(m.route);
	assert_ptr_equal(m.surface, kona);
	match("POST", "/open-api/api/v1/user/info", &m);
	assert_non_null(m.route);
	assert_ptr_equal(m.surface, kona);
	match("POST", "/api/v1/no/such/api", &m);
	assert_null(m.route);
	assert_ptr_equal(m.surface, kona); /* 404 in Kona's envelope */
	match("GET", "/api/v1/user/info", &m);
	assert_null(m.route);
	assert_string_equal(m.allow, "POST");
	assert_ptr_equal(m.surface, kona);
	match("POST", "/api/v2", &m);
	assert_null(m.route);
	assert_null(m.surface);

	/* wonpay's own paths. */
	match("GET", "/health", &m);
	assert_non_null(m.route);
	assert_ptr_equal(m.surface, fallback);
	match("POST", "/health", &m);
	assert_null(m.route);
	assert_string_equal(m.allow, "GET, HEAD");
	match("PUT", "/sandbox/banks/004/fault", &m);
	assert_non_null(m.route);
	assert_int_equal(m.param_count, 1);
	match("DELETE", "/sandbox/clock", &m);
	assert_null(m.route);
	assert_string_equal(m.allow, "GET, HEAD, POST");
	match("POST", "/sandbox/kona/ars/R123/answer", &m);
	assert_non_null(m.route); /* Kona's sandbox route under the sandbox's prefix */
	assert_string_equal(m.route->pattern, "/sandbox/kona/ars/{regNo}/answer");
	match("GET", "/sandbox/nothing", &m);
	assert_null(m.route);
	assert_string_equal(m.surface->name, "sandbox");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes),
	    cmocka_unit_test(test_405_and_404),
	    cmocka_unit_test(test_all_surfaces),
	};
	surface_count = wp_module_surfaces(true, surfaces, WP_SURFACES_MAX, &fallback);
	aqr = wp_module_aqr.surface;
	kona = wp_module_kona.surface;
	return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
