#include "core/replay.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "core/crypto.h"

#define PROBE 32
#define SHARDS 16

struct slot {
	uint8_t digest[16];
	int64_t expires_ms; /* 0 = empty */
};

struct wp_replay {
	pthread_mutex_t locks[SHARDS];
	struct slot *slots;
};

struct wp_replay *wp_replay_new(void)
{
	struct wp_replay *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->slots = calloc(WP_REPLAY_SLOTS, sizeof(*r->slots));
	if (r->slots == NULL) {
		free(r);
		return NULL;
	}
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&r->locks[i], NULL);
	return r;
}

void wp_replay_free(struct wp_replay *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_destroy(&r->locks[i]);
	free(r->slots);
	free(r);
}

bool wp_replay_first_use(struct wp_replay *r, const void *token, size_t n, int64_t now_ms,
			 int64_t expires_ms)
{
	uint8_t full[WP_SHA256_BYTES];
	wp_sha256(token, n, full);
	uint64_t h;
	memcpy(&h, full, sizeof(h));
	/* Each shard owns a contiguous region, so a probe run never crosses locks. */
	size_t per = WP_REPLAY_SLOTS / SHARDS;
	size_t shard = (size_t)(h % SHARDS);
	size_t base = shard * per, start = (size_t)((h / SHARDS) % per);
	pthread_mutex_lock(&r->locks[shard]);
	struct slot *free_slot = NULL, *oldest = NULL;
	bool first = true;
	for (size_t i = 0; i < PROBE; i++) {
		struct slot *s = &r->slots[base + (start + i) % per];
		bool live = s->expires_ms > now_ms;
		if (live && memcmp(s->digest, full, 16) == 0) {
			first = false;
			break;
		}
		if (!live && free_slot == NULL)
			free_slot = s;
		if (oldest == NULL || s->expires_ms < oldest->expires_ms)
			oldest = s;
	}
	if (first) {
		struct slot *s = free_slot ? free_slot : oldest;
		memcpy(s->digest, full, 16);
		s->expires_ms = expires_ms;
	}
	pthread_mutex_unlock(&r->locks[shard]);
	return first;
}

wp_status wp_replay_record(struct wp_tx *tx, const char *scope, const void *token, size_t n,
			   int64_t now_ms, int64_t expires_ms)
{
	uint8_t d[WP_SHA256_BYTES];
	wp_sha256(token, n, d);
	return tx->ops->used_token_insert(tx, scope, d, expires_ms, now_ms);
}

wp_status wp_replay_seen(struct wp_store *s, const char *scope, const void *token, size_t n,
			 int64_t now_ms, bool *seen)
{
	uint8_t d[WP_SHA256_BYTES];
	wp_sha256(token, n, d);
	int64_t expires = 0;
	wp_status st = s->ops->used_token_get(s, scope, d, &expires);
	*seen = st == WP_OK && expires > now_ms;
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}

wp_status wp_replay_expire(struct wp_tx *tx, int64_t now_ms, unsigned max)
{
	return tx->ops->used_token_expire(tx, now_ms, max);
}
