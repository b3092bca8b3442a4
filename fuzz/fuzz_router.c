/*
 * fuzz_router.c — wp_route_match (src/http/router.c) over every surface's
 * table, as the server gets them from wp_module_surfaces (surface/kit.h).
 *
 * Input: byte 0: bit 0 sandbox surfaces too; bits 1..4 the method (GET,
 * HEAD, POST, PUT, PATCH, DELETE, OPTIONS, or, past those, the bytes up to
 * the first '\n'); the rest is the path (cut at a NUL, as a C string).
 *
 * Properties (against a reference matcher by '/'-separated segments):
 *  - the route is the first, in surface and table order, whose pattern
 *    matches and whose method is the request's (HEAD served by GET);
 *  - with a route: its surface is the surface answering, allow is empty,
 *    the parameters are the pattern's {x} segments, each non-empty, inside
 *    the path, without '/', and putting them back into the pattern gives
 *    the path again;
 *  - without one: allow lists (once each, GET followed by HEAD) the methods
 *    of the routes whose pattern matches, never the request's own method,
 *    and is terminated; the surface is one owning the longest prefix of the
 *    path, or with no owner NULL or a surface with a route for the path.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "surface/kit.h"

static const struct wp_surface *all[2][WP_SURFACES_MAX], *fallback[2];
static size_t count[2];

static void init(void)
{
	for (int s = 0; s < 2; s++) {
		count[s] = wp_module_surfaces(s == 1, all[s], WP_SURFACES_MAX, &fallback[s]);
		CHECK(count[s] > 0 && count[s] <= WP_SURFACES_MAX && fallback[s] != NULL,
		      "wp_module_surfaces");
		for (size_t cap = 0; cap < count[s]; cap++) {
			const struct wp_surface *few[WP_SURFACES_MAX], *fb = NULL;
			CHECK(wp_module_surfaces(s == 1, few, cap, &fb) <= cap, "past cap %zu",
			      cap);
		}
	}
}

/* Segment matcher: {x} takes one non-empty segment, anything else matches literally. */
static bool ref_match(const char *pattern, const char *path)
{
	const char *p = pattern, *s = path;
	for (;;) {
		size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
		if (pl >= 2 && p[0] == '{' && p[pl - 1] == '}') {
			if (sl == 0)
				return false;
		} else if (pl != sl || memcmp(p, s, pl) != 0) {
			return false;
		}
		p += pl, s += sl;
		if (*p == '\0' || *s == '\0')
			return *p == '\0' && *s == '\0';
		p++, s++; /* both at '/' */
	}
}

static size_t ref_owns(const struct wp_surface *sf, const char *path)
{
	size_t best = 0;
	for (size_t i = 0; i < sf->path_count; i++) {
		const char *o = sf->paths[i];
		size_t n = strlen(o);
		if (n > 0 && o[n - 1] == '*') {
			if (strncmp(path, o, n - 1) == 0 && n - 1 > best)
				best = n - 1;
		} else if (strcmp(path, o) == 0 && n > best) {
			best = n;
		}
	}
	return best;
}

static bool allow_has(const char *allow, const char *method)
{
	size_t n = strlen(method);
	for (const char *a = allow; *a;) {
		size_t k = strcspn(a, ",");
		if (k == n && memcmp(a, method, n) == 0)
			return true;
		a += k;
		while (*a == ',' || *a == ' ')
			a++;
	}
	return false;
}

static void check(const struct wp_surface *const *sfs, size_t n, const char *method,
		  const char *path)
{
	struct wp_match m;
	memset(&m, 0x5A, sizeof(m));
	wp_route_match(sfs, n, method, path, &m);
	CHECK(memchr(m.allow, 0, sizeof(m.allow)) != NULL, "allow not terminated");
	bool head = strcmp(method, "HEAD") == 0;

	/* The reference: the first route that serves, the methods of all that match. */
	const struct wp_route *want = NULL;
	const struct wp_surface *want_sf = NULL;
	char allow[256] = "";
	bool any_match_sf[WP_SURFACES_MAX] = {false};
	for (size_t si = 0; si < n; si++) {
		for (size_t ri = 0; ri < sfs[si]->route_count; ri++) {
			const struct wp_route *rt = &sfs[si]->routes[ri];
			if (!ref_match(rt->pattern, path))
				continue;
			any_match_sf[si] = true;
			if (!want && (strcmp(rt->method, method) == 0 ||
				      (head && strcmp(rt->method, "GET") == 0))) {
				want = rt;
				want_sf = sfs[si];
			}
			const char *add[2] = {rt->method,
					      strcmp(rt->method, "GET") == 0 ? "HEAD" : NULL};
			for (int k = 0; k < 2 && add[k]; k++) {
				if (allow_has(allow, add[k]))
					continue;
				if (allow[0])
					strcat(allow, ", ");
				strcat(allow, add[k]);
			}
		}
	}
	CHECK(m.route == want, "%s %s: route %s, the reference says %s", method, path,
	      m.route ? m.route->pattern : "none", want ? want->pattern : "none");
	if (m.route) {
		CHECK(m.surface == want_sf, "%s %s: the route's surface is not the one answering",
		      method, path);
		CHECK(m.allow[0] == '\0', "allow '%s' with a route", m.allow);
		size_t braces = 0;
		for (const char *c = m.route->pattern; *c; c++)
			braces += *c == '{';
		CHECK(m.param_count == braces && m.param_count <= WP_PATH_PARAMS_MAX,
		      "%zu params for %s", m.param_count, m.route->pattern);
		/* Put the parameters back: the path again. */
		size_t plen = strlen(path);
		char *re = malloc(strlen(m.route->pattern) + plen + 1);
		if (!re)
			abort();
		size_t o = 0, pi = 0;
		for (const char *c = m.route->pattern; *c;) {
			if (*c == '{') {
				const char *v = m.params[pi];
				size_t vl = m.param_lens[pi];
				CHECK(vl > 0 && v >= path && v + vl <= path + plen, "param %zu",
				      pi);
				CHECK(memchr(v, '/', vl) == NULL, "param %zu holds a '/'", pi);
				memcpy(re + o, v, vl);
				o += vl;
				pi++;
				c = strchr(c, '}') + 1;
			} else {
				re[o++] = *c++;
			}
		}
		re[o] = '\0';
		CHECK(strcmp(re, path) == 0, "params put back give '%s', not '%s'", re, path);
		free(re);
	} else {
		CHECK(!allow_has(m.allow, method) && !(head && allow_has(m.allow, "GET")),
		      "%s %s: no route, yet allow says '%s'", method, path, m.allow);
		if (strlen(allow) < sizeof(m.allow) - 2)
			CHECK(strcmp(m.allow, allow) == 0, "%s %s: allow '%s', the reference '%s'",
			      method, path, m.allow, allow);
		size_t best = 0;
		for (size_t si = 0; si < n; si++) {
			size_t own = ref_owns(sfs[si], path);
			best = own > best ? own : best;
		}
		if (best > 0) {
			CHECK(m.surface != NULL && ref_owns(m.surface, path) == best,
			      "%s %s: answered by %s, not by the path's owner", method, path,
			      m.surface ? m.surface->name : "(none)");
		} else if (m.surface != NULL) {
			bool ok = false;
			for (size_t si = 0; si < n; si++)
				ok |= sfs[si] == m.surface && any_match_sf[si];
			CHECK(ok, "%s %s: answered by %s, which neither owns nor routes it", method,
			      path, m.surface->name);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fallback[0] == NULL)
		init();
	static const char *const methods[] = {"GET",   "HEAD",	 "POST",   "PUT",
					      "PATCH", "DELETE", "OPTIONS"};
	struct fz in = {data, size};
	uint8_t b = fz_byte(&in);
	int s = b & 1;
	unsigned mi = (b >> 1) & 15;
	char *own_method = NULL;
	const char *method = mi < 7 ? methods[mi] : (own_method = fz_cstr(&in, '\n'));
	size_t n;
	const uint8_t *p = fz_rest(&in, &n);
	char *path = fz_strndup(p, n);
	check(all[s], count[s], method, path);
	free(path);
	free(own_method);
	return 0;
}
