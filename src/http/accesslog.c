#include "http/accesslog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/text.h"

struct journal_entry {
	int64_t time_ms;
	char method[8];
	char path[256];
	unsigned status;
	uint64_t latency_us;
	const char *surface; /* static string */
	char request_id[24];
};

struct wp_journal {
	pthread_mutex_t lock;
	struct journal_entry ring[WP_JOURNAL_ENTRIES];
	size_t next;
	size_t count;
};

struct wp_journal *wp_journal_new(void)
{
	struct wp_journal *j = calloc(1, sizeof(*j));
	if (j != NULL)
		pthread_mutex_init(&j->lock, NULL);
	return j;
}

void wp_journal_free(struct wp_journal *j)
{
	if (j == NULL)
		return;
	pthread_mutex_destroy(&j->lock);
	free(j);
}

static void journal_add(struct wp_journal *j, const struct journal_entry *e)
{
	pthread_mutex_lock(&j->lock);
	j->ring[j->next] = *e;
	j->next = (j->next + 1) % WP_JOURNAL_ENTRIES;
	if (j->count < WP_JOURNAL_ENTRIES)
		j->count++;
	pthread_mutex_unlock(&j->lock);
}

json_t *wp_journal_list(struct wp_journal *j, size_t limit)
{
	json_t *arr = json_array();
	pthread_mutex_lock(&j->lock);
	size_t n = limit < j->count ? limit : j->count;
	for (size_t i = 0; i < n; i++) {
		const struct journal_entry *e =
		    &j->ring[(j->next + WP_JOURNAL_ENTRIES - 1 - i) % WP_JOURNAL_ENTRIES];
		json_t *o = json_object();
		json_object_set_new(o, "time_ms", json_integer(e->time_ms));
		json_object_set_new(o, "method", json_string(e->method));
		json_object_set_new(o, "path", json_string(e->path));
		json_object_set_new(o, "status", json_integer(e->status));
		json_object_set_new(o, "latency_us", json_integer((json_int_t)e->latency_us));
		json_object_set_new(o, "surface", json_string(e->surface));
		json_object_set_new(o, "request_id", json_string(e->request_id));
		json_array_append_new(arr, o);
	}
	pthread_mutex_unlock(&j->lock);
	return arr;
}

void wp_access_log(int fd, struct wp_journal *journal, const wp_clock *clock, struct wp_req *r,
		   bool completed)
{
	if (fd < 0 && journal == NULL)
		return;
	int64_t now_ms = wp_clock_now_ms(clock);
	uint64_t latency_us = (wp_mono_ns() - r->start_ns) / 1000;

	/* Any bytes at all may arrive in a path: the log line and the journal stay UTF-8. */
	char clean[WP_PATH_MAX_BYTES * 3], path[WP_PATH_MAX_BYTES];
	wp_utf8_sanitize(r->path ? r->path : "", clean, sizeof(clean));
	wp_mask_digit_runs(clean, path, sizeof(path));
	if (journal != NULL) {
		struct journal_entry e = {.time_ms = now_ms,
					  .status = r->status,
					  .latency_us = latency_us,
					  .surface = r->surface ? r->surface->name : ""};
		snprintf(e.method, sizeof(e.method), "%s", r->method);
		wp_utf8_sanitize(path, e.path, sizeof(e.path)); /* whole characters */
		snprintf(e.request_id, sizeof(e.request_id), "%s", r->request_id);
		journal_add(journal, &e);
	}
	if (fd < 0)
		return;

	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char ts[40];
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	wp_buf b;
	wp_buf_init(&b, WP_LOG_LINE_MAX_BYTES);
	wp_buf_printf(&b, "{\"time\":\"%s.%03dZ\",\"method\":\"", ts, (int)(now_ms % 1000));
	wp_json_escape(&b, r->method, strlen(r->method));
	wp_buf_puts(&b, "\",\"path\":\"");
	wp_json_escape(&b, path, strlen(path));
	wp_buf_printf(
	    &b, "\",\"status\":%u,\"latency_us\":%llu,\"surface\":\"%s\",\"request_id\":\"%s\"",
	    r->status, (unsigned long long)latency_us, r->surface ? r->surface->name : "",
	    r->request_id);
	if (!completed)
		wp_buf_puts(&b, ",\"aborted\":true");
	wp_buf_puts(&b, "}\n");
	if (!b.failed) {
		/* One write per line: lines from different threads never interleave. */
		ssize_t w = write(fd, b.data, b.len);
		(void)w;
	}
	wp_buf_free(&b);
}
