/*
 * Unit tests: the per-thread counters and their Prometheus text
 * (src/core/metrics.c). Counts from many threads add up, also across
 * threads that end; buckets hold what their le says; every document this
 * writes parses by the text format's rules (a checker written from
 * https://prometheus.io/docs/instrumenting/exposition_formats/, not from
 * the renderer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>

#include <cmocka.h>

#include "core/metrics.h"

/* ---- reading a document ---- */

static char *render(struct wp_metrics *m)
{
	wp_buf b;
	wp_buf_init(&b, 1024 * 1024);
	assert_true(wp_metrics_render(m, &b));
	size_t len = 0;
	char *text = wp_buf_take(&b, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

/*
 * The value of the sample whose name and labels are exactly `series`; -1
 * when absent. No cmocka asserts: the scraper thread calls it too.
 */
static double value(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; *p != '\0';) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		const char *end = strchr(p, '\n');
		if (end == NULL)
			break; /* check_document refuses such a document */
		p = end + 1;
	}
	return -1;
}

/* ---- a strict checker of the text format ---- */

struct family {
	char name[128];
	char type[16];
	bool help;
};

struct series {
	char key[512]; /* name + labels as written (minus le for buckets) */
	double last_bucket;
	bool inf_seen;
	double inf;
};

struct checker {
	struct family fam[64];
	size_t fam_n;
	struct series ser[512];
	size_t ser_n;
	char seen[4096][256]; /* every sample line's name{labels}, for duplicates */
	size_t seen_n;
};

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/* A metric or label name at p; returns its length (0: none). */
static size_t name_len(const char *p)
{
	size_t n = 0;
	while (name_char(p[n], n == 0))
		n++;
	return n;
}

static struct family *family_of(struct checker *c, const char *name, size_t n)
{
	for (size_t i = 0; i < c->fam_n; i++)
		if (strlen(c->fam[i].name) == n && strncmp(c->fam[i].name, name, n) == 0)
			return &c->fam[i];
	return NULL;
}

static struct series *series_of(struct checker *c, const char *key)
{
	for (size_t i = 0; i < c->ser_n; i++)
		if (strcmp(c->ser[i].key, key) == 0)
			return &c->ser[i];
	assert_true(c->ser_n < 512);
	struct series *s = &c->ser[c->ser_n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	return s;
}

/* "# HELP name text" or "# TYPE name counter|gauge|histogram". */
static void check_comment(struct checker *c, const char *line, size_t len)
{
	bool help = strncmp(line, "# HELP ", 7) == 0;
	bool type = strncmp(line, "# TYPE ", 7) == 0;
	assert_true(help || type);
	size_t n = name_len(line + 7);
	assert_true(n > 0 && n < 128);
	assert_true(line[7 + n] == ' ');
	struct family *f = family_of(c, line + 7, n);
	if (f == NULL) {
		assert_true(c->fam_n < 64);
		f = &c->fam[c->fam_n++];
		memset(f, 0, sizeof(*f));
		memcpy(f->name, line + 7, n);
	}
	const char *rest = line + 7 + n + 1;
	size_t rest_len = len - (7 + n + 1);
	if (help) {
		assert_false(f->help); /* one HELP per family */
		assert_true(rest_len > 0);
		f->help = true;
		return;
	}
	assert_string_equal(f->type, ""); /* one TYPE per family, before its samples */
	assert_true(rest_len < sizeof(f->type));
	memcpy(f->type, rest, rest_len);
	assert_true(strcmp(f->type, "counter") == 0 || strcmp(f->type, "gauge") == 0 ||
		    strcmp(f->type, "histogram") == 0);
}

/* name{label="value",...} value, with the value's escapes \\ \" \n only. */
static void check_sample(struct checker *c, const char *line, size_t len)
{
	size_t n = name_len(line);
	assert_true(n > 0);
	/* The family: the name itself, or a histogram's _bucket, _sum or _count. */
	const char *suffix = "";
	struct family *f = family_of(c, line, n);
	static const char *const parts[] = {"_bucket", "_sum", "_count"};
	for (size_t i = 0; f == NULL && i < 3; i++) {
		size_t k = strlen(parts[i]);
		if (n > k && strncmp(line + n - k, parts[i], k) == 0) {
			f = family_of(c, line, n - k);
			suffix = parts[i];
		}
	}
	assert_non_null(f);		 /* every sample's family has a TYPE */
	assert_true(f->type[0] != '\0'); /* ... given before the sample */
	assert_true(suffix[0] == '\0' || strcmp(f->type, "histogram") == 0);
	assert_true(strcmp(f->type, "histogram") != 0 || suffix[0] != '\0');

	/* labels: every label but le, as written; a histogram's series is name + labels. */
	char labels[512] = "", le[32] = "";
	size_t kn = 0;
	size_t i = n;
	if (line[i] == '{') {
		i++;
		while (line[i] != '}') {
			size_t ln = name_len(line + i);
			assert_true(ln > 0);
			bool is_le = ln == 2 && strncmp(line + i, "le", 2) == 0;
			const char *label = line + i;
			i += ln;
			assert_true(line[i] == '=' && line[i + 1] == '"');
			i += 2;
			size_t vstart = i;
			while (line[i] != '"') {
				assert_true(i < len);
				if (line[i] == '\\') {
					assert_true(line[i + 1] == '\\' || line[i + 1] == '"' ||
						    line[i + 1] == 'n');
					i++;
				}
				i++;
			}
			size_t whole = (size_t)(line + i + 1 - label); /* name="value" */
			if (is_le) {
				assert_true(i - vstart < sizeof(le));
				memcpy(le, line + vstart, i - vstart);
				le[i - vstart] = '\0';
			} else {
				assert_true(kn + whole + 2 < sizeof(labels));
				memcpy(labels + kn, label, whole);
				kn += whole;
				labels[kn++] = ',';
				labels[kn] = '\0';
			}
			i++;
			assert_true(line[i] == ',' || line[i] == '}');
			if (line[i] == ',')
				i++;
		}
		i++;
	}
	assert_true(line[i] == ' ');
	char *end = NULL;
	char num[64];
	assert_true(len - i - 1 < sizeof(num));
	memcpy(num, line + i + 1, len - i - 1);
	num[len - i - 1] = '\0';
	double v = strtod(num, &end);
	assert_true(end != num && *end == '\0'); /* the whole rest is one number */
	assert_true(v >= 0);

	/* No series twice. */
	char whole[256];
	assert_true(i < sizeof(whole));
	memcpy(whole, line, i);
	whole[i] = '\0';
	for (size_t k = 0; k < c->seen_n; k++)
		assert_string_not_equal(c->seen[k], whole);
	assert_true(c->seen_n < 4096);
	snprintf(c->seen[c->seen_n++], sizeof(c->seen[0]), "%s", whole);

	/* Histograms: buckets never fall, +Inf last and equal to _count. */
	if (strcmp(suffix, "_bucket") == 0) {
		assert_true(le[0] != '\0');
		char skey[700];
		snprintf(skey, sizeof(skey), "%s{%s}", f->name, labels);
		struct series *s = series_of(c, skey);
		assert_false(s->inf_seen);
		assert_true(v >= s->last_bucket);
		s->last_bucket = v;
		if (strcmp(le, "+Inf") == 0) {
			s->inf_seen = true;
			s->inf = v;
		}
	} else if (strcmp(suffix, "_count") == 0) {
		char skey[700];
		snprintf(skey, sizeof(skey), "%s{%s}", f->name, labels);
		struct series *s = series_of(c, skey);
		assert_true(s->inf_seen);
		assert_true(s->inf == v);
	}
}

static void check_document(const char *text)
{
	struct checker *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	size_t lines = 0;
	for (const char *p = text; *p != '\0';) {
		const char *end = strchr(p, '\n');
		assert_non_null(end); /* every line ends with \n, the last too */
		size_t len = (size_t)(end - p);
		assert_true(len > 0);
		if (p[0] == '#')
			check_comment(c, p, len);
		else
			check_sample(c, p, len);
		lines++;
		p = end + 1;
	}
	assert_true(lines > 0);
	for (size_t i = 0; i < c->fam_n; i++)
		assert_true(c->fam[i].help && c->fam[i].type[0] != '\0');
	free(c);
}

/* ---- a small label table ---- */

enum { AQR_NONE, AQR_API, AQR_LANDING, SYS_NONE, SYS_HEALTH };

static struct wp_metrics *new_metrics(void)
{
	struct wp_metrics *m = wp_metrics_new();
	assert_non_null(m);
	assert_true(wp_metrics_route(m, "aqr", NULL, NULL));
	assert_true(wp_metrics_route(m, "aqr", "POST", "/api/"));
	assert_true(wp_metrics_route(m, "aqr", "GET", "/f/{keyword}"));
	assert_true(wp_metrics_route(m, "system", NULL, NULL));
	assert_true(wp_metrics_route(m, "system", "GET", "/health"));
	return m;
}

#define API_200                                                                                    \
	"wonpay_http_requests_total{surface=\"aqr\",route=\"/api/\",method=\"POST\",status=\"200\"}"

/* ---- tests ---- */

#define THREADS 8
#define PER_THREAD 20000

static void *hammer(void *arg)
{
	struct wp_metrics *m = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		wp_metrics_request(m, AQR_API, "POST", 200, 1000);
		wp_metrics_connection(m, 1);
		wp_metrics_connection(m, -1);
		wp_metrics_commit_batch(m, 3, i % 4 != 0);
		wp_metrics_commit_time(m, 2000);
	}
	return NULL;
}

#define KEPT 16

struct scraper {
	struct wp_metrics *m;
	_Atomic bool stop;
	int scrapes;
	bool fell;	  /* a count went down between two scrapes */
	char *kept[KEPT]; /* the first documents, checked by the test's own thread */
};

/*
 * Scrapes while the counters move. cmocka's asserts belong to the test's
 * thread, so this one only keeps what it saw.
 */
static void *scrape(void *arg)
{
	struct scraper *s = arg;
	double last = 0;
	while (!atomic_load(&s->stop) || s->scrapes == 0) {
		wp_buf b;
		wp_buf_init(&b, 1024 * 1024);
		if (!wp_metrics_render(s->m, &b)) {
			s->fell = true;
			wp_buf_free(&b);
			break;
		}
		char *text = wp_buf_take(&b, NULL);
		double v = value(text, API_200);
		if (v < 0)
			v = 0; /* not written until it moves */
		s->fell = s->fell || v < last;
		last = v;
		if (s->scrapes < KEPT)
			s->kept[s->scrapes] = text;
		else
			free(text);
		s->scrapes++;
	}
	return NULL;
}

static void run_threads(struct wp_metrics *m)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, m), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

static void test_threads_add_up(void **state)
{
	(void)state;
	struct wp_metrics *m = new_metrics();
	struct scraper s = {.m = m};
	pthread_t st;
	assert_int_equal(pthread_create(&st, NULL, scrape, &s), 0);
	run_threads(m);
	/* A second round of threads takes over the ended threads' blocks: nothing is lost. */
	run_threads(m);
	atomic_store(&s.stop, true);
	pthread_join(st, NULL);
	assert_true(s.scrapes > 0);
	assert_false(s.fell);
	for (int i = 0; i < KEPT && i < s.scrapes; i++) {
		check_document(s.kept[i]); /* taken while the counters moved */
		free(s.kept[i]);
	}

	const double n = 2.0 * THREADS * PER_THREAD;
	char *text = render(m);
	check_document(text);
	assert_true(value(text, API_200) == n);
	assert_true(value(text, "wonpay_http_request_duration_seconds_count{surface=\"aqr\"}") ==
		    n);
	assert_true(value(text, "wonpay_http_request_duration_seconds_bucket{surface=\"aqr\",le="
				"\"0.0005\"}") == n);
	/* 1000 ns each: the sum, in seconds. */
	double sum = value(text, "wonpay_http_request_duration_seconds_sum{surface=\"aqr\"}");
	assert_true(sum > n * 1e-6 - 1e-9 && sum < n * 1e-6 + 1e-9);
	assert_true(value(text, "wonpay_http_request_duration_seconds_count{surface=\"system\"}") ==
		    0);
	assert_true(value(text, "wonpay_http_connections_total") == n);
	assert_true(value(text, "wonpay_http_connections_open") == 0);
	assert_true(value(text, "wonpay_http_connections_refused_total") == 0);
	assert_true(value(text, "wonpay_commit_batches_total") == n);
	assert_true(value(text, "wonpay_commit_failures_total") == n / 4);
	assert_true(value(text, "wonpay_commit_batch_size_sum") == 3 * n);
	assert_true(value(text, "wonpay_commit_batch_size_count") == n);
	assert_true(value(text, "wonpay_commit_fsync_seconds_count") == n);
	free(text);
	wp_metrics_free(m);
}

static void test_request_buckets(void **state)
{
	(void)state;
	struct wp_metrics *m = new_metrics();
	/* le is inclusive: exactly 0.5 ms is in le="0.0005"; one ns more is not. */
	wp_metrics_request(m, SYS_HEALTH, "GET", 200, 500000);
	wp_metrics_request(m, SYS_HEALTH, "GET", 200, 500001);
	wp_metrics_request(m, SYS_HEALTH, "GET", 200, 0);
	wp_metrics_request(m, SYS_HEALTH, "GET", 200, 5000000000u); /* 5 s: le="5" */
	wp_metrics_request(m, SYS_HEALTH, "GET", 200, 5000000001u); /* only +Inf */
	wp_metrics_request(m, SYS_HEALTH, "GET", 200, 60000000000u);
	char *text = render(m);
	check_document(text);
#define SYS_BUCKET(le)                                                                             \
	"wonpay_http_request_duration_seconds_bucket{surface=\"system\",le=\"" le "\"}"
	assert_true(value(text, SYS_BUCKET("0.0005")) == 2);
	assert_true(value(text, SYS_BUCKET("0.001")) == 3);
	assert_true(value(text, SYS_BUCKET("2.5")) == 3);
	assert_true(value(text, SYS_BUCKET("5")) == 4);
	assert_true(value(text, SYS_BUCKET("+Inf")) == 6);
	assert_true(value(text, "wonpay_http_request_duration_seconds_count{surface=\"system\"}") ==
		    6);
	assert_true(value(text, "wonpay_http_request_duration_seconds_sum{surface=\"system\"}") ==
		    70.001000002);
	free(text);
	wp_metrics_free(m);
}

static void test_commit_buckets(void **state)
{
	(void)state;
	struct wp_metrics *m = new_metrics();
	wp_metrics_commit_batch(m, 1, true);
	wp_metrics_commit_batch(m, 2, true);
	wp_metrics_commit_batch(m, 1000, true);
	wp_metrics_commit_batch(m, 1001, false);
	wp_metrics_commit_time(m, 100000); /* exactly 0.1 ms */
	wp_metrics_commit_time(m, 100001);
	wp_metrics_commit_time(m, 2000000000u); /* 2 s: only +Inf */
	wp_metrics_commit_depth(m, 7);
	wp_metrics_commit_refused(m);
	char *text = render(m);
	check_document(text);
	assert_true(value(text, "wonpay_commit_batch_size_bucket{le=\"1\"}") == 1);
	assert_true(value(text, "wonpay_commit_batch_size_bucket{le=\"2\"}") == 2);
	assert_true(value(text, "wonpay_commit_batch_size_bucket{le=\"500\"}") == 2);
	assert_true(value(text, "wonpay_commit_batch_size_bucket{le=\"1000\"}") == 3);
	assert_true(value(text, "wonpay_commit_batch_size_bucket{le=\"+Inf\"}") == 4);
	assert_true(value(text, "wonpay_commit_batch_size_sum") == 2004);
	assert_true(value(text, "wonpay_commit_fsync_seconds_bucket{le=\"0.0001\"}") == 1);
	assert_true(value(text, "wonpay_commit_fsync_seconds_bucket{le=\"0.00025\"}") == 2);
	assert_true(value(text, "wonpay_commit_fsync_seconds_bucket{le=\"1\"}") == 2);
	assert_true(value(text, "wonpay_commit_fsync_seconds_bucket{le=\"+Inf\"}") == 3);
	assert_true(value(text, "wonpay_commit_batches_total") == 4);
	assert_true(value(text, "wonpay_commit_failures_total") == 1);
	assert_true(value(text, "wonpay_commit_refused_total") == 1);
	assert_true(value(text, "wonpay_commit_queue_depth") == 7);
	free(text);
	wp_metrics_free(m);
}

static void test_webhook_counters(void **state)
{
	(void)state;
	struct wp_metrics *m = new_metrics();
	wp_metrics_webhook_attempt(m, WP_METRICS_WEBHOOK_NON_2XX, false, 1000000); /* 1 ms */
	wp_metrics_webhook_attempt(m, WP_METRICS_WEBHOOK_TIMEOUT, true, 10000000000u);
	wp_metrics_webhook_attempt(m, WP_METRICS_WEBHOOK_2XX, true, 2000000);
	wp_metrics_webhook_attempt(m, 99, false, 1);	/* out of range: "error" */
	wp_metrics_webhook_done(m, true, 40000000000u); /* 40 s after it was queued */
	wp_metrics_webhook_done(m, false, 0);
	wp_metrics_webhook_in_flight(m, 3);
	char *text = render(m);
	check_document(text);
	assert_true(value(text, "wonpay_webhook_attempts_total{outcome=\"non_2xx\"}") == 1);
	assert_true(value(text, "wonpay_webhook_attempts_total{outcome=\"timeout\"}") == 1);
	assert_true(value(text, "wonpay_webhook_attempts_total{outcome=\"2xx\"}") == 1);
	assert_true(value(text, "wonpay_webhook_attempts_total{outcome=\"error\"}") == 1);
	assert_true(value(text, "wonpay_webhook_attempts_total{outcome=\"refused\"}") == 0);
	assert_true(value(text, "wonpay_webhook_retries_total") == 2);
	assert_true(value(text, "wonpay_webhook_delivered_total") == 1);
	assert_true(value(text, "wonpay_webhook_failed_total") == 1);
	assert_true(value(text, "wonpay_webhook_attempt_duration_seconds_bucket{le=\"0.001\"}") ==
		    2);
	assert_true(value(text, "wonpay_webhook_attempt_duration_seconds_bucket{le=\"+Inf\"}") ==
		    4);
	assert_true(value(text, "wonpay_webhook_delivery_latency_seconds_bucket{le=\"30\"}") == 0);
	assert_true(value(text, "wonpay_webhook_delivery_latency_seconds_bucket{le=\"60\"}") == 1);
	assert_true(value(text, "wonpay_webhook_delivery_latency_seconds_sum") == 40);
	assert_true(value(text, "wonpay_webhook_in_flight") == 3);
	free(text);
	wp_metrics_free(m);
}

static void test_bounded_labels(void **state)
{
	(void)state;
	struct wp_metrics *m = new_metrics();
	/* Statuses outside the list, and none at all, are "other". */
	wp_metrics_request(m, AQR_API, "POST", 418, 1);
	wp_metrics_request(m, AQR_API, "POST", 0, 1);
	wp_metrics_request(m, AQR_API, "POST", 503, 1);
	/* No route: the request's own method, from a fixed list. */
	wp_metrics_request(m, AQR_NONE, "BREW", 404, 1);
	wp_metrics_request(m, AQR_NONE, "DELETE", 405, 1);
	wp_metrics_request(m, SYS_NONE, "GET", 404, 1);
	/* HEAD on a GET route is its own series. */
	wp_metrics_request(m, AQR_LANDING, "HEAD", 200, 1);
	wp_metrics_request(m, AQR_LANDING, "GET", 200, 1);
	/* The layout is fixed from the first event on. */
	assert_false(wp_metrics_route(m, "aqr", "GET", "/res"));
	char *text = render(m);
	check_document(text);
	assert_true(value(text, "wonpay_http_requests_total{surface=\"aqr\",route=\"/api/\",method="
				"\"POST\",status=\"other\"}") == 2);
	assert_true(value(text, "wonpay_http_requests_total{surface=\"aqr\",route=\"none\",method="
				"\"other\",status=\"404\"}") == 1);
	assert_true(value(text, "wonpay_http_requests_total{surface=\"aqr\",route=\"none\",method="
				"\"DELETE\",status=\"405\"}") == 1);
	assert_true(value(text, "wonpay_http_requests_total{surface=\"system\",route=\"none\","
				"method=\"GET\",status=\"404\"}") == 1);
	assert_true(value(text, "wonpay_http_requests_total{surface=\"aqr\",route=\"/f/{keyword}\","
				"method=\"HEAD\",status=\"200\"}") == 1);
	assert_true(value(text, "wonpay_http_requests_total{surface=\"aqr\",route=\"/f/{keyword}\","
				"method=\"GET\",status=\"200\"}") == 1);
	assert_true(value(text, "wonpay_http_responses_503_total{surface=\"aqr\"}") == 1);
	assert_true(value(text, "wonpay_http_responses_503_total{surface=\"system\"}") == 0);
	/* Series that never moved are not written. */
	assert_true(value(text, "wonpay_http_requests_total{surface=\"system\",route=\"/health\","
				"method=\"GET\",status=\"200\"}") == -1);
	assert_true(value(text, "wonpay_up") == 1);
	assert_true(value(text, "wonpay_process_start_time_seconds") > 1.6e9);
	free(text);
	wp_metrics_free(m);
}

/* Two tables with one surface name share its series; odd label text is escaped. */
static void test_shared_names_and_escaping(void **state)
{
	(void)state;
	struct wp_metrics *m = wp_metrics_new();
	assert_non_null(m);
	assert_true(wp_metrics_route(m, "sandbox", NULL, NULL));	      /* 0 */
	assert_true(wp_metrics_route(m, "sandbox", "GET", "/sandbox/clock")); /* 1 */
	assert_true(wp_metrics_route(m, "sandbox", NULL, NULL));	      /* 2 */
	assert_true(wp_metrics_route(m, "sandbox", "GET", "/sandbox/clock")); /* 3 */
	assert_true(wp_metrics_route(m, "we\"ird\\name\n", NULL, NULL));      /* 4 */
	wp_metrics_request(m, 0, "GET", 404, 1);
	wp_metrics_request(m, 2, "GET", 404, 1);
	wp_metrics_request(m, 1, "GET", 200, 1);
	wp_metrics_request(m, 3, "GET", 200, 1);
	wp_metrics_request(m, 4, "GET", 404, 1);
	char *text = render(m);
	check_document(text); /* no series twice */
	assert_true(value(text, "wonpay_http_requests_total{surface=\"sandbox\",route=\"none\","
				"method=\"GET\",status=\"404\"}") == 2);
	assert_true(value(text, "wonpay_http_requests_total{surface=\"sandbox\",route=\"/sandbox/"
				"clock\",method=\"GET\",status=\"200\"}") == 2);
	assert_true(value(text, "wonpay_http_requests_total{surface=\"we\\\"ird\\\\name\\n\","
				"route=\"none\",method=\"GET\",status=\"404\"}") == 1);
	free(text);
	wp_metrics_free(m);
}

/* An empty table still renders a whole document; NULL is "off" for every recorder. */
static void test_empty_and_off(void **state)
{
	(void)state;
	struct wp_metrics *m = wp_metrics_new();
	assert_non_null(m);
	char *text = render(m);
	check_document(text);
	assert_true(value(text, "wonpay_commit_batches_total") == 0);
	assert_true(value(text, "wonpay_http_connections_open") == 0);
	free(text);
	wp_metrics_request(NULL, 0, "GET", 200, 1);
	wp_metrics_connection(NULL, 1);
	wp_metrics_commit_batch(NULL, 1, true);
	wp_metrics_commit_time(NULL, 1);
	wp_metrics_commit_refused(NULL);
	wp_metrics_commit_depth(NULL, 1);
	wp_metrics_free(m);
	wp_metrics_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threads_add_up), cmocka_unit_test(test_request_buckets),
	    cmocka_unit_test(test_commit_buckets), cmocka_unit_test(test_webhook_counters),
	    cmocka_unit_test(test_bounded_labels), cmocka_unit_test(test_shared_names_and_escaping),
	    cmocka_unit_test(test_empty_and_off),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
