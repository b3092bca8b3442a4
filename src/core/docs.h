/*
 * docs.h — a surface's objects kept as JSON documents (store table docs).
 *
 * A surface owns the shape of its bodies; this module only loads and saves
 * them. Invariants:
 * - A document belongs to one owner (a partner's login on the surface, such
 *   as an AspId). A load scoped to an owner never returns another owner's
 *   document: it does not exist for them (WP_E_NOT_FOUND).
 * - Bodies are JSON objects; a body that does not parse is reported as
 *   WP_E_INTERNAL, never taken for an empty one.
 * - Writes run inside a write transaction (the commit queue's).
 */
#ifndef WP_DOCS_H
#define WP_DOCS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store/store.h"

/*
 * The body of (kind, id) as a new reference, if owner owns it (owner NULL:
 * any owner). tx NULL reads committed state from s; with a tx, s may be NULL. meta (may be NULL) gets the row,
 * its strings in arena a.
 */
wp_status wp_doc_load(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *id,
		      const char *owner, wp_arena *a, json_t **body, struct wp_doc *meta);

/* The body of the document whose uniq is `uniq` (WP_E_NOT_FOUND if none); body may be NULL. */
wp_status wp_doc_load_uniq(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *uniq,
			   json_t **body);

/*
 * Every document of (kind, owner, ref), newest first, at most max, as a new
 * array of bodies; each body carries its id as "_id" (wp_doc_save drops it).
 */
wp_status wp_doc_list(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *owner,
		      const char *ref, size_t max, json_t **list);

/*
 * Writes body as the document `meta` describes (meta->body is ignored):
 * insert (WP_E_CONFLICT when the id or uniq is taken) or update
 * (WP_E_NOT_FOUND when it does not exist). Keys starting with '_' are not
 * stored.
 */
wp_status wp_doc_save(struct wp_tx *tx, const struct wp_doc *meta, json_t *body, bool insert);

#endif
