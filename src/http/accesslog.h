/*
 * accesslog.h — one JSON line per request.
 *
 * Fields: time (UTC, ms), method, path, status, latency_us, surface,
 * request_id, and "aborted":true when the client went away first. Runs of 6+
 * digits in the path are masked (account numbers, phone numbers); headers
 * and bodies are never logged, so no token can leak here.
 */
#ifndef WP_ACCESSLOG_H
#define WP_ACCESSLOG_H

#include <stdbool.h>

#include "app.h"

void wp_access_log(struct wp_app *app, struct wp_req *r, bool completed);

/*
 * The request journal (GET /sandbox/requests): the newest
 * WP_JOURNAL_ENTRIES requests, with the same masking as the access log.
 */
struct wp_journal;
struct wp_journal *wp_journal_new(void);
void wp_journal_free(struct wp_journal *j);
/* The newest `limit` entries, newest first, as a JSON array (new reference). */
json_t *wp_journal_list(struct wp_journal *j, size_t limit);

#endif
