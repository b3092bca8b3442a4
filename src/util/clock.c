#include "util/clock.h"

#include <stdatomic.h>
#include <time.h>

void wp_clock_init(wp_clock *c)
{
	atomic_init(&c->offset_ms, 0);
}

int64_t wp_clock_now_ms(const wp_clock *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return ms + atomic_load(&((wp_clock *)c)->offset_ms);
}

void wp_clock_advance_ms(wp_clock *c, int64_t ms)
{
	atomic_fetch_add(&c->offset_ms, ms);
}

void wp_clock_set_offset_ms(wp_clock *c, int64_t ms)
{
	atomic_store(&c->offset_ms, ms);
}

uint64_t wp_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
