#include "store/store.h"

#include <stdio.h>
#include <string.h>

wp_status wp_store_open(const char *path, unsigned pool, struct wp_store **out, char *err,
			size_t err_cap)
{
	if (strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0) {
		snprintf(err, err_cap, "the PostgreSQL backend is not built yet; use a file path");
		return WP_E_INVALID;
	}
	return wp_store_sqlite_open(path, pool, out, err, err_cap);
}
