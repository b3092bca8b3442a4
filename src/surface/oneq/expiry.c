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
 * look-up per minute (at start a week and a day back; after a jump of the
 * sandbox clock, the two days around it).
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

wp_status oneq_housekeeping(struct wp_app *app, void *state, struct wp_tx *tx, int64_t now_ms)
{
	(void)state;
	int64_t now_minute = now_ms / 60000;
	if (done_minute == 0)
		done_minute = now_minute - FIRST_LOOK_MINUTES;
	else if (done_minute > now_minute + 1) /* the clock went back (a sandbox reset) */
		done_minute = now_minute - DAY_MINUTES;
	/*
	 * From a little before the last minute finished (a sweep whose
	 * transaction rolled back left its payments due) to now. After a jump of
	 * the clock (the sandbox's) only two windows can hold due payments: a
	 * day after the old now, and the day before the new one.
	 */
	int64_t from = done_minute - 2;
	bool all = true;
	wp_status st = WP_OK;
	if (now_minute - from > 2 * DAY_MINUTES + FIRST_LOOK_MINUTES) {
		st = sweep(app, tx, from, from + DAY_MINUTES, now_ms, &all);
		if (st != WP_OK || !all)
			return st;
		from = now_minute - DAY_MINUTES;
	}
	st = sweep(app, tx, from, now_minute, now_ms, &all);
	if (st == WP_OK && all)
		done_minute = now_minute; /* the current minute is looked at again next run */
	return st;
}
