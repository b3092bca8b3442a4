#include "core/timer.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "bounds.h"
#include "util/clock.h"

struct entry {
	uint64_t due_ns;
	uint64_t seq; /* ties run in submission order */
	void (*fn)(void *ctx);
	void *ctx;
};

struct wp_timer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct entry heap[WP_TIMER_MAX];
	size_t count;
	uint64_t seq;
	bool stopping;
};

static bool before(const struct entry *a, const struct entry *b)
{
	return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void swap(struct entry *a, struct entry *b)
{
	struct entry t = *a;
	*a = *b;
	*b = t;
}

static struct entry pop(struct wp_timer *t)
{
	assert(t->count > 0);
	struct entry top = t->heap[0];
	t->heap[0] = t->heap[--t->count];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < t->count && before(&t->heap[l], &t->heap[m]))
			m = l;
		if (r < t->count && before(&t->heap[r], &t->heap[m]))
			m = r;
		if (m == i)
			break;
		swap(&t->heap[i], &t->heap[m]);
		i = m;
	}
	return top;
}

static void *run(void *arg)
{
	struct wp_timer *t = arg;
	pthread_mutex_lock(&t->lock);
	for (;;) {
		if (t->count == 0) {
			if (t->stopping)
				break;
			pthread_cond_wait(&t->wake, &t->lock);
			continue;
		}
		uint64_t now = wp_mono_ns();
		if (!t->stopping && t->heap[0].due_ns > now) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			uint64_t ns = (uint64_t)ts.tv_nsec + (t->heap[0].due_ns - now);
			ts.tv_sec += (time_t)(ns / 1000000000u);
			ts.tv_nsec = (long)(ns % 1000000000u);
			pthread_cond_timedwait(&t->wake, &t->lock, &ts);
			continue;
		}
		struct entry e = pop(t);
		pthread_mutex_unlock(&t->lock);
		e.fn(e.ctx);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

wp_status wp_timer_start(struct wp_timer **out)
{
	struct wp_timer *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return WP_E_NOMEM;
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		free(t);
		return WP_E_NOMEM;
	}
	pthread_setname_np(t->thread, "wp-timer"); /* in top, perf and /proc */
	*out = t;
	return WP_OK;
}

wp_status wp_timer_after(struct wp_timer *t, uint32_t delay_ms, void (*fn)(void *ctx), void *ctx)
{
	assert(t != NULL);
	assert(fn != NULL);
	pthread_mutex_lock(&t->lock);
	if (t->stopping || t->count == WP_TIMER_MAX) {
		pthread_mutex_unlock(&t->lock);
		return WP_E_UNAVAILABLE;
	}
	size_t i = t->count++;
	t->heap[i] =
	    (struct entry){wp_mono_ns() + (uint64_t)delay_ms * 1000000u, t->seq++, fn, ctx};
	while (i > 0 && before(&t->heap[i], &t->heap[(i - 1) / 2])) {
		swap(&t->heap[i], &t->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	return WP_OK;
}

void wp_timer_stop(struct wp_timer *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	bool running = !t->stopping;
	t->stopping = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	if (running)
		pthread_join(t->thread, NULL);
}

void wp_timer_free(struct wp_timer *t)
{
	if (t == NULL)
		return;
	wp_timer_stop(t);
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
