#include "web/render.h"

#include <stdio.h>
#include <string.h>

#include "util/embedded.h"
#include "util/text.h"

static const struct wp_tvar *find(const struct wp_tvar *vars, size_t count, const char *name,
				  size_t len)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
			return &vars[i];
	return NULL;
}

/* Position just past "{{/name}}" at or after s, or NULL. */
static const char *section_end(const char *s, const char *name, size_t len)
{
	for (;;) {
		const char *o = strstr(s, "{{/");
		if (o == NULL)
			return NULL;
		const char *c = strstr(o + 3, "}}");
		if (c == NULL)
			return NULL;
		if ((size_t)(c - (o + 3)) == len && memcmp(o + 3, name, len) == 0)
			return c + 2;
		s = c + 2;
	}
}

wp_status wp_render(wp_buf *out, const char *name, const struct wp_tvar *vars, size_t count)
{
	char path[128];
	snprintf(path, sizeof(path), "web/templates/%s", name);
	const struct wp_embedded *t = wp_embedded_get(path);
	if (t == NULL)
		return WP_E_INTERNAL;
	const char *s = t->data, *end = t->data + t->len;
	while (s < end) {
		const char *open = strstr(s, "{{");
		if (open == NULL) {
			wp_buf_append(out, s, (size_t)(end - s));
			break;
		}
		wp_buf_append(out, s, (size_t)(open - s));
		const char *tag = open + 2;
		const char *close = strstr(tag, "}}");
		if (close == NULL)
			return WP_E_INTERNAL;
		size_t tlen = (size_t)(close - tag);
		s = close + 2;
		bool section = tlen > 1 && (tag[0] == '#' || tag[0] == '/');
		const struct wp_tvar *v =
		    section ? find(vars, count, tag + 1, tlen - 1) : find(vars, count, tag, tlen);
		if (v == NULL)
			return WP_E_INTERNAL; /* a template slot with no variable is a bug */
		bool empty = v->value == NULL || v->value[0] == '\0';
		if (section) {
			if (tag[0] == '#' && empty) {
				s = section_end(s, tag + 1, tlen - 1);
				if (s == NULL)
					return WP_E_INTERNAL;
			}
			continue; /* a shown section's own tags print nothing */
		}
		if (!empty)
			wp_html_escape(out, v->value, strlen(v->value));
	}
	return out->failed ? WP_E_NOMEM : WP_OK;
}
