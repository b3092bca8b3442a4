/*
 * router.c — matching a path against the surfaces' route tables.
 *
 * Routes are data; this file is the only place that interprets them. A
 * pattern is a sequence of '/'-separated segments, each literal or a {param}
 * that matches one non-empty segment. Matching is exact: "/api/" and "/api"
 * are different paths, as they are on the wire.
 */
#include <string.h>

#include "http/http.h"

static bool match_pattern(const char *pattern, const char *path, struct wp_match *m)
{
	const char *p = pattern, *s = path;
	m->param_count = 0;
	while (*p != '\0') {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (close == NULL || m->param_count == WP_PATH_PARAMS_MAX)
				return false;
			const char *end = s;
			while (*end != '\0' && *end != '/')
				end++;
			if (end == s)
				return false;
			m->params[m->param_count] = s;
			m->param_lens[m->param_count] = (size_t)(end - s);
			m->param_count++;
			p = close + 1;
			s = end;
		} else {
			if (*p != *s)
				return false;
			p++;
			s++;
		}
	}
	return *s == '\0';
}

static size_t owns_path(const struct wp_surface *sf, const char *path)
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

static void allow_add(char *allow, size_t cap, const char *method)
{
	if (strstr(allow, method) != NULL)
		return;
	size_t n = strlen(allow);
	if (n + strlen(method) + 3 > cap)
		return;
	if (n > 0) {
		memcpy(allow + n, ", ", 2);
		n += 2;
	}
	memcpy(allow + n, method, strlen(method) + 1);
}

void wp_route_match(const struct wp_surface *const *surfaces, size_t surface_count,
		    const char *method, const char *path, struct wp_match *m)
{
	memset(m, 0, sizeof(*m));
	size_t best_owner = 0;
	bool is_head = strcmp(method, "HEAD") == 0;
	for (size_t si = 0; si < surface_count; si++) {
		const struct wp_surface *sf = surfaces[si];
		size_t own = owns_path(sf, path);
		if (own > best_owner) {
			best_owner = own;
			if (m->route == NULL)
				m->surface = sf;
		}
		for (size_t ri = 0; ri < sf->route_count; ri++) {
			const struct wp_route *rt = &sf->routes[ri];
			struct wp_match tmp; /* match_pattern sets what is read of it */
			if (!match_pattern(rt->pattern, path, &tmp))
				continue;
			bool same = strcmp(rt->method, method) == 0 ||
				    (is_head && strcmp(rt->method, "GET") == 0);
			if (same && m->route == NULL) {
				m->route = rt;
				m->surface = sf;
				for (size_t i = 0; i < tmp.param_count; i++) {
					m->params[i] = tmp.params[i];
					m->param_lens[i] = tmp.param_lens[i];
				}
				m->param_count = tmp.param_count;
			}
			if (m->route == NULL && best_owner == 0)
				m->surface = sf;
			allow_add(m->allow, sizeof(m->allow), rt->method);
			if (strcmp(rt->method, "GET") == 0)
				allow_add(m->allow, sizeof(m->allow), "HEAD");
		}
	}
	if (m->route != NULL)
		m->allow[0] = '\0';
}
