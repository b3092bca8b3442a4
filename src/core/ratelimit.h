/*
 * ratelimit.h — a token bucket per credential (429 Too Many Requests).
 *
 * A fixed table of WP_RATE_TABLE_SLOTS buckets keyed by a credential digest,
 * sharded by lock. The table never grows: when a shard is full the least
 * recently used bucket is reused, so memory is bounded whatever clients do.
 * rate_per_s == 0 disables limiting (benchmarks).
 */
#ifndef WP_RATELIMIT_H
#define WP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct wp_ratelimit;

struct wp_ratelimit *wp_ratelimit_new(uint32_t rate_per_s, uint32_t burst);
void wp_ratelimit_free(struct wp_ratelimit *rl);
/* True if one request may pass now for this key (32-byte digest); it is counted. */
bool wp_ratelimit_take(struct wp_ratelimit *rl, const uint8_t key[32], uint64_t now_ns);
/* True if one request could pass now; nothing is counted. */
bool wp_ratelimit_peek(struct wp_ratelimit *rl, const uint8_t key[32], uint64_t now_ns);

#endif
