/*
 * commit.h — the one write path of the server: a queue and a writer thread
 * that commits many commands in one durable transaction (group commit).
 *
 * Invariants:
 * - Commands are applied in the order they were submitted, one writer
 *   thread, one transaction per batch. Each command runs between its own
 *   savepoint and release: a command whose apply fails has its writes undone
 *   and never disturbs its neighbours in the batch.
 * - done() is called for every submitted command exactly once, after the
 *   batch's COMMIT has returned (so after fsync), with the status apply
 *   returned; or with WP_E_STORAGE if the batch could not be committed, in
 *   which case none of its writes happened. Nothing is acknowledged early.
 * - The queue is bounded (WP_COMMIT_QUEUE_MAX): past it submit refuses with
 *   WP_E_UNAVAILABLE instead of growing without limit.
 * - Stopping drains: everything submitted before stop is applied and
 *   acknowledged; submissions after stop are refused.
 */
#ifndef WP_COMMIT_H
#define WP_COMMIT_H

#include <stdint.h>

#include "error.h"
#include "store/store.h"

struct wp_cmd;
struct wp_metrics;
typedef wp_status (*wp_cmd_apply)(struct wp_tx *tx, struct wp_cmd *cmd);
typedef void (*wp_cmd_done)(struct wp_cmd *cmd);

/* Embed as the first member of a command's own struct. */
struct wp_cmd {
	wp_cmd_apply apply; /* runs in the writer thread, inside the batch */
	wp_cmd_done done;   /* runs in the writer thread after commit; must not block */
	void *ctx;	    /* for done() */
	wp_status status;
	struct wp_cmd *next;
};

struct wp_commit_config {
	unsigned max_batch;   /* commands per transaction */
	unsigned max_wait_us; /* linger to fill a batch when fewer are waiting; 0 = none */
	/* Optional: runs at the start of a batch at most every tick_ms (pending expiry). */
	wp_status (*tick)(struct wp_tx *tx, void *ctx);
	void *tick_ctx;
	unsigned tick_ms;
	/* Optional: batches, their sizes and COMMIT times, queue depth, refusals. */
	struct wp_metrics *metrics;
};

struct wp_commit_stats {
	uint64_t batches;
	uint64_t commands;
	uint64_t failed_batches;
	unsigned max_batch_seen;
};

struct wp_commit;

wp_status wp_commit_start(struct wp_store *s, const struct wp_commit_config *cfg,
			  struct wp_commit **out);
/* Queues cmd; WP_E_UNAVAILABLE (cmd untouched, done not called) when full or stopping. */
wp_status wp_commit_submit(struct wp_commit *q, struct wp_cmd *cmd);
/* Submits and waits for the result: for callers outside the HTTP path. */
wp_status wp_commit_run(struct wp_commit *q, struct wp_cmd *cmd);
/* Asks for a tick in the next batch now (after the sandbox clock moved). */
void wp_commit_kick(struct wp_commit *q);
void wp_commit_get_stats(struct wp_commit *q, struct wp_commit_stats *out);
/* Drains the queue, then stops the writer and frees q. */
void wp_commit_stop(struct wp_commit *q);

#endif
