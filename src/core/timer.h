/*
 * timer.h — run a callback after a delay, on one timer thread.
 *
 * Used where the server must wait without holding an HTTP worker: a slow
 * sandbox bank answers after its latency. Callbacks run on the timer thread
 * in due order and must not block. Bounded: at most WP_TIMER_MAX waiting.
 */
#ifndef WP_TIMER_H
#define WP_TIMER_H

#include <stdint.h>

#include "error.h"

struct wp_timer;

wp_status wp_timer_start(struct wp_timer **out);
/* WP_E_UNAVAILABLE when full or stopping (fn is then not called). */
wp_status wp_timer_after(struct wp_timer *t, uint32_t delay_ms, void (*fn)(void *ctx), void *ctx);
/*
 * Runs every waiting callback at once (they are due: we are stopping) and
 * stops the thread. Afterwards wp_timer_after refuses (safely) until
 * wp_timer_free, so other threads may still call it while they wind down.
 */
void wp_timer_stop(struct wp_timer *t);
void wp_timer_free(struct wp_timer *t);

#endif
