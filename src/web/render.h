/*
 * render.h — server-rendered HTML from the templates in src/web/templates/.
 *
 * A template is plain HTML with two forms of slot:
 *   {{name}}              the variable's value, HTML-escaped (always)
 *   {{#name}} ... {{/name}}  kept only when the variable is set and non-empty
 * There is no way to insert unescaped text: user data cannot become markup.
 */
#ifndef WP_RENDER_H
#define WP_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "util/buf.h"

struct wp_tvar {
	const char *name;
	const char *value; /* NULL counts as empty */
};

/* Renders web/templates/<name> into out. WP_E_INTERNAL for an unknown template or slot. */
wp_status wp_render(wp_buf *out, const char *name, const struct wp_tvar *vars, size_t count);

#endif
