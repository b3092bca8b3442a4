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

wp_status wp_store_write(struct wp_store *s, wp_status (*fn)(struct wp_tx *tx, void *arg),
			 void *arg)
{
	struct wp_tx *tx;
	wp_status st = s->ops->tx_begin(s, &tx);
	if (st != WP_OK)
		return st;
	st = fn(tx, arg);
	if (st != WP_OK) {
		s->ops->tx_rollback(tx);
		return st;
	}
	return s->ops->tx_commit(tx);
}
