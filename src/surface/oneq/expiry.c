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
 * look-up per minute (at start, the longest expiry back).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/docs.h"
#include "surface/oneq/oneq.h"

#define DUE_KIND "oneq_due"
#define DUE_PAGE 200 /* payments released per minute per housekeeping run */

struct oneq_state {
	int64_t done_minute; /* every minute before it was swept (writer thread only) */
};

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
	return st;
}

wp_status oneq_due_remove(struct wp_tx *tx, const char *tid)
{
	wp_status st = tx->ops->doc_delete(tx, DUE_KIND, tid);
	return st == WP_E_NOT_FOUND ? WP_OK : st;
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
		if (st == WP_OK && oneq_expired(p, now)) {
			st = oneq_release(app, tx, tid, p, now);
			json_object_set_new(p, "status", json_string("FAIL_PAYMENT"));
			json_object_set_new(p, "fail_reason", json_string("expired"));
			if (st == WP_OK)
				st = oneq_payment_save(tx, tid, p, false, now);
		} else if (st == WP_E_NOT_FOUND || st == WP_OK) {
			st = oneq_due_remove(tx, tid); /* gone, or no longer holding */
		}
		json_decref(p);
		if (st != WP_OK)
			break;
	}
	json_decref(list);
	return st;
}

wp_status oneq_housekeeping(struct wp_app *app, void *state, struct wp_tx *tx, int64_t now_ms)
{
	struct oneq_state *s = state;
	int64_t now_minute = now_ms / 60000;
	if (s->done_minute == 0) /* first run: as far back as a payment can live, and a day */
		s->done_minute = now_minute - 2 * (86400 / 60) - 1;
	for (int64_t m = s->done_minute; m <= now_minute; m++) {
		bool full = false;
		wp_status st = sweep_minute(app, tx, m, now_ms, &full);
		if (st != WP_OK)
			return st;
		if (full)
			return WP_OK; /* more in this minute: the next run goes on from here */
		if (m < now_minute)
			s->done_minute = m + 1;
	}
	return WP_OK;
}

wp_status oneq_init(struct wp_app *app, void **state)
{
	(void)app;
	*state = calloc(1, sizeof(struct oneq_state));
	return *state ? WP_OK : WP_E_NOMEM;
}

void oneq_free(void *state)
{
	free(state);
}
