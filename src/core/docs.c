#include "core/docs.h"

#include <stdlib.h>
#include <string.h>

#include "bounds.h"

/* Reads run on tx's connection when there is one (s may then be NULL). */
static const struct wp_store_ops *ops_of(struct wp_store *s, struct wp_tx *tx)
{
	return tx != NULL ? tx->ops : s->ops;
}

static json_t *parse(const char *text)
{
	json_t *b = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (b != NULL && !json_is_object(b)) {
		json_decref(b);
		return NULL;
	}
	return b;
}

wp_status wp_doc_load(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *id,
		      const char *owner, wp_arena *a, json_t **body, struct wp_doc *meta)
{
	struct wp_doc d;
	*body = NULL;
	wp_status st = ops_of(s, tx)->doc_get(s, tx, kind, id, a, &d);
	if (st != WP_OK)
		return st;
	if (owner != NULL && strcmp(d.owner, owner) != 0)
		return WP_E_NOT_FOUND;
	*body = parse(d.body);
	if (*body == NULL)
		return WP_E_INTERNAL;
	if (meta != NULL)
		*meta = d;
	return WP_OK;
}

wp_status wp_doc_load_uniq(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *uniq,
			   json_t **body)
{
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	struct wp_doc d;
	wp_status st = ops_of(s, tx)->doc_by_uniq(s, tx, kind, uniq, &a, &d);
	if (st == WP_OK && body != NULL) {
		*body = parse(d.body);
		if (*body == NULL)
			st = WP_E_INTERNAL;
	}
	wp_arena_free(&a);
	return st;
}

struct collect {
	json_t *list;
	bool failed;
};

static void collect(void *ctx, const struct wp_doc *d)
{
	struct collect *c = ctx;
	json_t *b = parse(d->body);
	if (b == NULL || json_object_set_new(b, "_id", json_string(d->id)) != 0 ||
	    json_array_append_new(c->list, b) != 0)
		c->failed = true;
}

wp_status wp_doc_list(struct wp_store *s, struct wp_tx *tx, const char *kind, const char *owner,
		      const char *ref, size_t max, json_t **list)
{
	struct collect c = {json_array(), false};
	*list = NULL;
	if (c.list == NULL)
		return WP_E_NOMEM;
	wp_status st = ops_of(s, tx)->doc_find(s, tx, kind, owner, ref, max, collect, &c);
	if (st == WP_OK && c.failed)
		st = WP_E_INTERNAL;
	if (st != WP_OK) {
		json_decref(c.list);
		return st;
	}
	*list = c.list;
	return WP_OK;
}

wp_status wp_doc_save(struct wp_tx *tx, const struct wp_doc *meta, json_t *body, bool insert)
{
	json_t *copy = json_copy(body);
	if (copy == NULL)
		return WP_E_NOMEM;
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(copy, tmp, key, v)
	{
		if (key[0] == '_')
			json_object_del(copy, key);
	}
	char *text = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	if (text == NULL)
		return WP_E_NOMEM;
	struct wp_doc d = *meta;
	d.body = text;
	wp_status st = insert ? tx->ops->doc_insert(tx, &d) : tx->ops->doc_update(tx, &d);
	free(text);
	return st;
}
