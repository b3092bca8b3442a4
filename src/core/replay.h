/*
 * replay.h — remembers signed tokens already used, so a captured request
 * cannot be sent again (Kona's X-KM-Tran-Token).
 *
 * A token only needs remembering while it is fresh: older ones are refused by
 * their timestamp anyway. The set is a fixed open-addressing table of
 * WP_REPLAY_SLOTS digests with the time each stops mattering; expired slots
 * are reused. Under a flood of fresh tokens beyond its size the oldest in a
 * probe run is evicted; the durable record below still refuses it.
 */
#ifndef WP_REPLAY_H
#define WP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/store.h"

struct wp_replay;

struct wp_replay *wp_replay_new(void);
void wp_replay_free(struct wp_replay *r);
/*
 * Records token (any bytes) as used until expires_ms. False if it was
 * already recorded and has not expired: a replay.
 */
bool wp_replay_first_use(struct wp_replay *r, const void *token, size_t n, int64_t now_ms,
			 int64_t expires_ms);

/*
 * The durable record: a token used is written (its digest) in the same
 * commit queue as the request's own writes, before them, and the answer
 * waits for it, so a restart forgets no token that was answered. The
 * in-memory set above stays the first check (it sees tokens not committed
 * yet).
 */
wp_status wp_replay_record(struct wp_tx *tx, const char *scope, const void *token, size_t n,
			   int64_t now_ms, int64_t expires_ms);
/* *seen: a committed record of the token exists and has not expired. */
wp_status wp_replay_seen(struct wp_store *s, const char *scope, const void *token, size_t n,
			 int64_t now_ms, bool *seen);
/* Housekeeping in a write transaction: forgets up to max expired records. */
wp_status wp_replay_expire(struct wp_tx *tx, int64_t now_ms, unsigned max);

#endif
