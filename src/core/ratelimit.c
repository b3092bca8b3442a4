#include "core/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"

#define SHARDS 16
#define SLOTS_PER_SHARD (WP_RATE_TABLE_SLOTS / SHARDS)

struct bucket {
	uint8_t key[32];
	bool used;
	uint64_t tokens_milli; /* tokens * 1000, for sub-token refill precision */
	uint64_t last_ns;
};

struct shard {
	pthread_mutex_t lock;
	struct bucket slots[SLOTS_PER_SHARD];
};

struct wp_ratelimit {
	uint32_t rate_per_s;
	uint32_t burst;
	struct shard shards[SHARDS];
};

struct wp_ratelimit *wp_ratelimit_new(uint32_t rate_per_s, uint32_t burst)
{
	struct wp_ratelimit *rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return NULL;
	rl->rate_per_s = rate_per_s;
	rl->burst = burst > 0 ? burst : 1;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&rl->shards[i].lock, NULL);
	return rl;
}

void wp_ratelimit_free(struct wp_ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_destroy(&rl->shards[i].lock);
	free(rl);
}

/*
 * Adds the tokens earned since last_ns. last_ns advances only by the time
 * turned into whole milli-tokens, so frequent callers keep the remainder
 * (rounding each call's refill down to zero would starve them); a clock
 * reading from the past earns nothing and moves nothing back.
 */
static void refill(struct bucket *b, uint32_t rate_per_s, uint64_t cap_milli, uint64_t now_ns)
{
	if (now_ns <= b->last_ns)
		return;
	uint64_t elapsed_ns = now_ns - b->last_ns;
	/* A milli-token every 1e6/rate ns; room <= burst*1000 <= 1e9, so no product overflows. */
	uint64_t room = cap_milli - b->tokens_milli;
	uint64_t full_ns = room * 1000000u / rate_per_s;
	if (elapsed_ns >= full_ns) {
		b->tokens_milli = cap_milli;
		b->last_ns = now_ns;
		return;
	}
	uint64_t earned = elapsed_ns * rate_per_s / 1000000u;
	b->tokens_milli += earned;
	b->last_ns += earned * 1000000u / rate_per_s;
}

/* The bucket of key (made full when new), refilled to now; the shard stays locked. */
static struct bucket *bucket_of(struct wp_ratelimit *rl, struct shard *sh, const uint8_t key[32],
				uint64_t now_ns)
{
	uint64_t cap_milli = (uint64_t)rl->burst * 1000;
	struct bucket *b = NULL, *victim = &sh->slots[0];
	for (int i = 0; i < SLOTS_PER_SHARD; i++) {
		struct bucket *s = &sh->slots[i];
		if (s->used && memcmp(s->key, key, 32) == 0) {
			b = s;
			break;
		}
		if (!s->used || (victim->used && s->last_ns < victim->last_ns))
			victim = s;
	}
	if (b == NULL) {
		b = victim;
		memcpy(b->key, key, 32);
		b->used = true;
		b->tokens_milli = cap_milli;
		b->last_ns = now_ns;
	}
	refill(b, rl->rate_per_s, cap_milli, now_ns);
	return b;
}

static bool use(struct wp_ratelimit *rl, const uint8_t key[32], uint64_t now_ns, bool take)
{
	if (rl->rate_per_s == 0)
		return true;
	struct shard *sh = &rl->shards[key[0] % SHARDS];
	pthread_mutex_lock(&sh->lock);
	struct bucket *b = bucket_of(rl, sh, key, now_ns);
	bool ok = b->tokens_milli >= 1000;
	if (ok && take)
		b->tokens_milli -= 1000;
	pthread_mutex_unlock(&sh->lock);
	return ok;
}

bool wp_ratelimit_take(struct wp_ratelimit *rl, const uint8_t key[32], uint64_t now_ns)
{
	return use(rl, key, now_ns, true);
}

bool wp_ratelimit_peek(struct wp_ratelimit *rl, const uint8_t key[32], uint64_t now_ns)
{
	return use(rl, key, now_ns, false);
}
