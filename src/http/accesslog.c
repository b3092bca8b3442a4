#include "http/accesslog.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/text.h"

void wp_access_log(struct wp_app *app, struct wp_req *r, bool completed)
{
	if (app->access_log_fd < 0)
		return;
	int64_t now_ms = wp_clock_now_ms(&app->clock);
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char ts[40];
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	uint64_t latency_us = (wp_mono_ns() - r->start_ns) / 1000;

	char path[WP_PATH_MAX_BYTES];
	wp_mask_digit_runs(r->path ? r->path : "", path, sizeof(path));

	wp_buf b;
	wp_buf_init(&b, WP_LOG_LINE_MAX_BYTES);
	wp_buf_printf(&b, "{\"time\":\"%s.%03dZ\",\"method\":\"", ts, (int)(now_ms % 1000));
	wp_json_escape(&b, r->method, strlen(r->method));
	wp_buf_puts(&b, "\",\"path\":\"");
	wp_json_escape(&b, path, strlen(path));
	wp_buf_printf(&b, "\",\"status\":%u,\"latency_us\":%llu,\"surface\":\"%s\",\"request_id\":\"%s\"",
		      r->status, (unsigned long long)latency_us, r->surface ? r->surface->name : "",
		      r->request_id);
	if (!completed)
		wp_buf_puts(&b, ",\"aborted\":true");
	wp_buf_puts(&b, "}\n");
	if (!b.failed) {
		/* One write per line: lines from different threads never interleave. */
		ssize_t w = write(app->access_log_fd, b.data, b.len);
		(void)w;
	}
	wp_buf_free(&b);
}
