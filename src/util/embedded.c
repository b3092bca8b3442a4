#include "util/embedded.h"

#include <string.h>

const struct wp_embedded *wp_embedded_get(const char *name)
{
	for (unsigned i = 0; i < wp_embedded_count; i++)
		if (strcmp(wp_embedded_files[i].name, name) == 0)
			return &wp_embedded_files[i];
	return NULL;
}
