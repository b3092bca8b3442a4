/*
 * expiry.c — payments that hold money and are not approved in time are
 * released by the commit writer's housekeeping, whether or not anyone
 * touches them again: a 하나머니 hold is voided (the ledger's own timeout
 * does that too), a 계좌 withdrawal is paid back to the bank account, and
 * the payment records FAIL_PAYMENT.
 *
 * Each payment holding money has a "oneq_due" document (owner "oneq", ref
 * "m:<the minute it expires>"), removed when the hold ends. Housekeeping
 * lists the minutes from the last one it finished up to now: one indexed
 * look-up per minute: the last hour at once, older minutes (a week and a
 * day back at start; the day after the old now after a jump of the sandbox
 * clock) 60 a run, newest first.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/docs.h"
#include "surface/oneq/oneq.h"

#define DUE_KIND "oneq_due"
#define DUE_PAGE 200		      /* payments released per minute per housekeeping run */
#define DAY_MINUTES 1441	      /* a payment lives at most a day (--oneq-expiry-s) */
#define FIRST_LOOK_MINUTES (8 * 1440) /* at start: a week's downtime, and a day */
#define RECENT_MINUTES 60	      /* swept at once after a start or a jump */
#define BACKLOG_BUDGET 60	      /* older minutes swept per run */

/*
 * Every minute before it was swept (the commit writer's alone: housekeeping
 * and oneq_due_add both run there). 0: not yet this process.
 */
static int64_t done_minute;

static void due_ref(int64_t expires_ms, char out[32])
{
	snprintf(out, 32, "m:%" PRId64, expires_ms / 60000);
}

wp_status oneq_due_add(struct wp_tx *tx, const char *tid, int64_t expires_ms, int64_t now_ms)
{
	char ref[32];
	due_ref(expires_ms, ref);
	json_t *body = json_pack("{s:I}", "expires_ms", (json_int_t)expires_ms);
	struct wp_doc meta = {.kind = DUE_KIND,
			      .id = tid,
			      .owner = ONEQ_SHOPPER_OWNER,
			      .ref = ref,
			      .created_ms = now_ms,
			      .updated_ms = now_ms};
	wp_status st = body ? wp_doc_save(tx, &meta, body, true) : WP_E_NOMEM;
	json_decref(body);
	if (st == WP_OK && done_minute != 0 && expires_ms / 60000 < done_minute)
		done_minute = expires_ms / 60000; /* due in a minute swept already: again */
	return st;
}

wp_status oneq_due_remove(struct wp_tx *tx, const char *tid)
{
	wp_status st = tx->ops->doc_delete(tx, DUE_KIND, tid);
	return st == WP_E_NOT_FOUND ? WP_OK : st;
}

static bool ended_unpaid(json_t *p)
{
	const char *s = oneq_str(p, "status");
	return strcmp(s, "FAIL_PAYMENT") == 0 || strcmp(s, "FAIL_AUTH_PASSWORD") == 0 ||
	       strcmp(s, "QUIT_PAYMENT") == 0;
}

/* One minute's due payments: released when expired. *full when a page was full. */
static wp_status sweep_minute(struct wp_app *app, struct wp_tx *tx, int64_t minute, int64_t now,
			      bool *full)
{
	char ref[32];
	due_ref(minute * 60000, ref);
	json_t *list = NULL;
	wp_status st = wp_doc_list(NULL, tx, DUE_KIND, ONEQ_SHOPPER_OWNER, ref, DUE_PAGE, &list);
	if (st != WP_OK)
		return st;
	*full = json_array_size(list) == DUE_PAGE;
	size_t i;
	json_t *due;
	json_array_foreach(list, i, due)
	{
		const char *tid = oneq_str(due, "_id");
		if (json_integer_value(json_object_get(due, "expires_ms")) > now)
			continue; /* later in this minute */
		json_t *p = NULL;
		st = oneq_payment_load(NULL, tx, tid, &p);
		bool expired = st == WP_OK && oneq_expired(p, now);
		if (expired || (st == WP_OK && ended_unpaid(p))) {
			/* expired now, or ended earlier with its pay-back still owed */
			st = oneq_release(app, tx, tid, p, now);
			if (st == WP_OK && expired) {
				json_object_set_new(p, "status", json_string("FAIL_PAYMENT"));
				json_object_set_new(p, "fail_reason", json_string("expired"));
			}
			if (st == WP_OK)
				st = oneq_payment_save(tx, tid, p, false, now);
		} else if (st == WP_E_NOT_FOUND || st == WP_OK) {
			st = oneq_due_remove(tx, tid); /* gone, or approved */
		}
		json_decref(p);
		if (st != WP_OK)
			break;
	}
	json_decref(list);
	return st;
}

/* Sweeps [from, to]; false when a minute had more than a page (the rest next run). */
static wp_status sweep(struct wp_app *app, struct wp_tx *tx, int64_t from, int64_t to, int64_t now,
		       bool *all)
{
	*all = true;
	for (int64_t m = from; m <= to; m++) {
		bool full = false;
		wp_status st = sweep_minute(app, tx, m, now, &full);
		if (st != WP_OK)
			return st;
		if (full) {
			*all = false;
			return WP_OK;
		}
	}
	return WP_OK;
}

/*
 * Older minutes still to look at (a backlog: the week before a start, the
 * day after the old now when the sandbox clock jumps), swept from the top
 * down, BACKLOG_BUDGET minutes per run: a run stays short whatever the
 * clock did, and the recent minutes come first. back_hi < back_lo: none.
 */
static int64_t back_lo, back_hi = -1;

static void backlog_add(int64_t lo, int64_t hi)
{
	if (hi < lo)
		return;
	if (back_hi < back_lo) {
		back_lo = lo;
		back_hi = hi;
		return;
	}
	back_lo = lo < back_lo ? lo : back_lo;
	back_hi = hi > back_hi ? hi : back_hi;
}

wp_status oneq_housekeeping(struct wp_app *app, void *state, struct wp_tx *tx, int64_t now_ms)
{
	(void)state;
	int64_t now_minute = now_ms / 60000;
	if (done_minute == 0) { /* this process's first run: the last hour now, the week later */
		done_minute = now_minute - RECENT_MINUTES;
		backlog_add(now_minute - FIRST_LOOK_MINUTES, done_minute - 1);
	} else if (done_minute > now_minute + 1) { /* the clock went back (a sandbox reset) */
		done_minute = now_minute - RECENT_MINUTES;
		backlog_add(now_minute - DAY_MINUTES, done_minute - 1);
	} else if (now_minute - done_minute > RECENT_MINUTES) {
		/* the clock jumped: the day after the old now can hold due payments */
		backlog_add(done_minute - 2, done_minute + DAY_MINUTES);
		done_minute = now_minute - RECENT_MINUTES;
	}
	/* From a little before the last minute finished (a sweep whose transaction
	 * rolled back left its payments due) to now. */
	bool all = true;
	wp_status st = sweep(app, tx, done_minute - 2, now_minute, now_ms, &all);
	if (st != WP_OK || !all)
		return st;
	done_minute = now_minute; /* the current minute is looked at again next run */
	if (back_hi < back_lo)
		return WP_OK;
	int64_t lo =
	    back_hi - BACKLOG_BUDGET + 1 > back_lo ? back_hi - BACKLOG_BUDGET + 1 : back_lo;
	st = sweep(app, tx, lo, back_hi, now_ms, &all);
	if (st == WP_OK && all)
		back_hi = lo - 1;
	return st;
}
