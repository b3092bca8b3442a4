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

#include <jansson.h>
#include <stdbool.h>

#include "http/http.h"
#include "util/clock.h"

struct wp_journal;

/* fd -1: no log line; journal NULL: no journal entry. */
void wp_access_log(int fd, struct wp_journal *journal, const wp_clock *clock, struct wp_req *r,
		   bool completed);

/*
 * The request journal (GET /sandbox/requests): the newest
 * WP_JOURNAL_ENTRIES requests, with the same masking as the access log.
 */
struct wp_journal *wp_journal_new(void);
void wp_journal_free(struct wp_journal *j);
/* The newest `limit` entries, newest first, as a JSON array (new reference). */
json_t *wp_journal_list(struct wp_journal *j, size_t limit);

#endif
