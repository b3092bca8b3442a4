/*
 * temp_store.h — a migrated SQLite store in a fresh temporary directory, for
 * the unit tests that need real storage (ledger, commit queue, bank network).
 */
#ifndef WP_TEST_TEMP_STORE_H
#define WP_TEST_TEMP_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/store.h"

struct temp_store {
	char dir[64];
	char path[128];
	int version; /* the schema version after migrating */
	struct wp_store *s;
};

/* The store, or NULL (with the reason on stderr). */
static inline struct wp_store *temp_store_open(struct temp_store *t, unsigned pool)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/wonpay-test-XXXXXX");
	t->s = NULL;
	t->version = 0;
	if (mkdtemp(t->dir) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	snprintf(t->path, sizeof(t->path), "%s/w.db", t->dir);
	char err[256] = "";
	if (wp_store_open(t->path, pool, &t->s, err, sizeof(err)) != WP_OK) {
		fprintf(stderr, "store open: %s\n", err);
		return NULL;
	}
	if (t->s->ops->migrate(t->s, &t->version) != WP_OK) {
		fprintf(stderr, "store migrate failed\n");
		wp_store_close(t->s);
		t->s = NULL;
	}
	return t->s;
}

/* Closes the store and removes the database, its WAL files and the directory. */
static inline void temp_store_close(struct temp_store *t)
{
	wp_store_close(t->s);
	t->s = NULL;
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char p[160];
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, suffix[i]);
		unlink(p);
	}
	rmdir(t->dir);
}

#endif
