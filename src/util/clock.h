/*
 * clock.h — the one source of time for the whole server.
 *
 * Wall time (ms since the Unix epoch) plus an offset that only sandbox mode
 * may move forward, so token expiry, bank hours and timeouts can be tested
 * without waiting. Monotonic time for latencies and rate limits is separate
 * and never shifted.
 */
#ifndef WP_CLOCK_H
#define WP_CLOCK_H

#include <stdint.h>

typedef struct wp_clock {
	_Atomic int64_t offset_ms;
} wp_clock;

void wp_clock_init(wp_clock *c);
int64_t wp_clock_now_ms(const wp_clock *c);
/* Moves the clock forward; negative values are refused by callers. */
void wp_clock_advance_ms(wp_clock *c, int64_t ms);
/* Sets the offset (a sandbox clock another process moved, or a reset to 0). */
void wp_clock_set_offset_ms(wp_clock *c, int64_t ms);
/* Monotonic nanoseconds, for durations only. */
uint64_t wp_mono_ns(void);

#endif
