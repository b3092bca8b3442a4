#include "core/commit.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "bounds.h"
#include "core/metrics.h"
#include "util/clock.h"

struct wp_commit {
	struct wp_store *store;
	struct wp_commit_config cfg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct wp_cmd *head, *tail;
	unsigned depth;
	bool stopping;
	bool kicked;
	uint64_t next_tick_ns;
	struct wp_commit_stats stats;
};

static void deadline_after_us(struct timespec *ts, uint64_t us)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	uint64_t ns = (uint64_t)ts->tv_nsec + us * 1000u;
	ts->tv_sec += (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
}

/* Takes up to max_batch commands off the queue; called with the lock held. */
static struct wp_cmd *take_batch(struct wp_commit *q, unsigned *count)
{
	struct wp_cmd *first = q->head, *last = NULL, *c = q->head;
	unsigned n = 0;
	assert(q->cfg.max_batch > 0);
	while (c != NULL && n < q->cfg.max_batch) {
		last = c;
		c = c->next;
		n++;
	}
	if (last != NULL)
		last->next = NULL;
	q->head = c;
	if (c == NULL)
		q->tail = NULL;
	assert(q->depth >= n);
	q->depth -= n;
	wp_metrics_commit_depth(q->cfg.metrics, q->depth);
	*count = n;
	return first;
}

static void run_batch(struct wp_commit *q, struct wp_cmd *batch, unsigned n, bool tick)
{
	const struct wp_store_ops *ops = q->store->ops;
	struct wp_tx *tx = NULL;
	wp_status st = ops->tx_begin(q->store, &tx);
	if (st == WP_OK && tick && q->cfg.tick != NULL) {
		/* Housekeeping is one more command: its failure undoes only itself. */
		if (ops->tx_savepoint(tx) == WP_OK) {
			if (q->cfg.tick(tx, q->cfg.tick_ctx) == WP_OK)
				ops->tx_release(tx);
			else
				ops->tx_rollback_to(tx);
		}
	}
	for (struct wp_cmd *c = batch; st == WP_OK && c != NULL; c = c->next) {
		wp_status sp = ops->tx_savepoint(tx);
		if (sp != WP_OK) {
			st = sp;
			break;
		}
		c->status = c->apply(tx, c);
		sp = c->status == WP_OK ? ops->tx_release(tx) : ops->tx_rollback_to(tx);
		if (sp != WP_OK)
			st = sp;
	}
	if (tx != NULL) {
		if (st == WP_OK) {
			uint64_t t0 = wp_mono_ns();
			st = ops->tx_commit(tx);
			if (n > 0)
				wp_metrics_commit_time(q->cfg.metrics, wp_mono_ns() - t0);
		} else {
			ops->tx_rollback(tx);
		}
	}
	if (n > 0) /* housekeeping alone is not a batch of commands */
		wp_metrics_commit_batch(q->cfg.metrics, n, st == WP_OK);
	pthread_mutex_lock(&q->lock);
	q->stats.batches++;
	q->stats.commands += n;
	if (n > q->stats.max_batch_seen)
		q->stats.max_batch_seen = n;
	if (st != WP_OK)
		q->stats.failed_batches++;
	pthread_mutex_unlock(&q->lock);
	assert(st != WP_OK || tx != NULL);
	/* Acknowledge only now: the batch is on disk, or none of it happened. */
	struct wp_cmd *c = batch;
	while (c != NULL) {
		struct wp_cmd *next = c->next; /* done() may free c */
		if (st != WP_OK)
			c->status = WP_E_STORAGE;
		c->done(c);
		c = next;
	}
}

static void *writer(void *arg)
{
	struct wp_commit *q = arg;
	pthread_mutex_lock(&q->lock);
	for (;;) {
		uint64_t now = wp_mono_ns();
		bool tick_due = q->cfg.tick != NULL && (q->kicked || now >= q->next_tick_ns);
		if (q->head == NULL && !tick_due) {
			if (q->stopping)
				break;
			struct timespec ts;
			uint64_t wait_us = q->cfg.tick != NULL && q->next_tick_ns > now
					       ? (q->next_tick_ns - now) / 1000
					       : 1000000;
			deadline_after_us(&ts, wait_us);
			pthread_cond_timedwait(&q->wake, &q->lock, &ts);
			continue;
		}
		if (q->cfg.max_wait_us > 0 && q->head != NULL && q->depth < q->cfg.max_batch &&
		    !q->stopping) {
			/* Linger briefly so a trickle of commands shares one fsync. */
			struct timespec ts;
			deadline_after_us(&ts, q->cfg.max_wait_us);
			while (q->depth < q->cfg.max_batch && !q->stopping &&
			       pthread_cond_timedwait(&q->wake, &q->lock, &ts) != ETIMEDOUT) {
			}
		}
		unsigned n = 0;
		struct wp_cmd *batch = take_batch(q, &n);
		if (tick_due) {
			q->kicked = false;
			q->next_tick_ns = wp_mono_ns() + (uint64_t)q->cfg.tick_ms * 1000000u;
		}
		pthread_mutex_unlock(&q->lock);
		run_batch(q, batch, n, tick_due);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

wp_status wp_commit_start(struct wp_store *s, const struct wp_commit_config *cfg,
			  struct wp_commit **out)
{
	assert(s != NULL);
	assert(cfg != NULL);
	struct wp_commit *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return WP_E_NOMEM;
	q->store = s;
	q->cfg = *cfg;
	if (q->cfg.max_batch == 0)
		q->cfg.max_batch = 1;
	if (q->cfg.tick_ms == 0)
		q->cfg.tick_ms = 1000;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		pthread_cond_destroy(&q->wake);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return WP_E_NOMEM;
	}
	pthread_setname_np(q->thread, "wp-writer"); /* in top, perf and /proc */
	*out = q;
	return WP_OK;
}

wp_status wp_commit_submit(struct wp_commit *q, struct wp_cmd *cmd)
{
	assert(cmd->apply != NULL);
	assert(cmd->done != NULL);
	cmd->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->stopping || q->depth >= WP_COMMIT_QUEUE_MAX) {
		pthread_mutex_unlock(&q->lock);
		wp_metrics_commit_refused(q->cfg.metrics);
		return WP_E_UNAVAILABLE;
	}
	if (q->tail != NULL)
		q->tail->next = cmd;
	else
		q->head = cmd;
	q->tail = cmd;
	q->depth++;
	wp_metrics_commit_depth(q->cfg.metrics, q->depth);
	/* Wake the writer when it sleeps on an empty queue, or a lingering batch fills. */
	if (q->depth == 1 || q->depth >= q->cfg.max_batch)
		pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	return WP_OK;
}

struct sync_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void sync_done(struct wp_cmd *cmd)
{
	struct sync_wait *w = cmd->ctx;
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

wp_status wp_commit_run(struct wp_commit *q, struct wp_cmd *cmd)
{
	struct sync_wait w = {.done = false};
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	cmd->done = sync_done;
	cmd->ctx = &w;
	wp_status st = wp_commit_submit(q, cmd);
	if (st == WP_OK) {
		pthread_mutex_lock(&w.lock);
		while (!w.done)
			pthread_cond_wait(&w.cond, &w.lock);
		pthread_mutex_unlock(&w.lock);
		st = cmd->status;
	}
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	return st;
}

void wp_commit_kick(struct wp_commit *q)
{
	pthread_mutex_lock(&q->lock);
	q->kicked = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
}

void wp_commit_get_stats(struct wp_commit *q, struct wp_commit_stats *out)
{
	pthread_mutex_lock(&q->lock);
	*out = q->stats;
	pthread_mutex_unlock(&q->lock);
}

void wp_commit_stop(struct wp_commit *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
