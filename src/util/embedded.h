/*
 * embedded.h — text files compiled into the binary (tools/embed.sh):
 * SQL migrations under store/migrations/<backend>/, HTML under web/templates/.
 */
#ifndef WP_EMBEDDED_H
#define WP_EMBEDDED_H

#include <stddef.h>

struct wp_embedded {
	const char *name; /* path below src/, e.g. "web/templates/aqr_landing.html" */
	const char *data; /* NUL-terminated */
	size_t len;
};

extern const struct wp_embedded wp_embedded_files[];
extern const unsigned wp_embedded_count;

/* The file of that name, or NULL. */
const struct wp_embedded *wp_embedded_get(const char *name);

#endif
