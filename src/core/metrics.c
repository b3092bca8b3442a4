/*
 * metrics.c — per-thread counter blocks, summed into Prometheus' text
 * format on a scrape (see metrics.h for the invariants).
 *
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/
 * ("Text-based format", version 0.0.4): # HELP and # TYPE lines before a
 * family's samples, label values with \\, \" and \n escaped, histogram
 * buckets cumulative with le="+Inf" equal to _count.
 */
#include "core/metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixed label sets ---- */

/* Statuses wonpay answers, each its own label value; any other is "other". */
static const unsigned status_codes[] = {200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 406,
					409, 410, 413, 414, 415, 422, 429, 431, 500, 503};
#define S_OTHER COUNT(status_codes)
#define STATUS_N (S_OTHER + 1)

static size_t status_index(unsigned status)
{
	for (size_t i = 0; i < COUNT(status_codes); i++) /* 200 first: the common case */
		if (status_codes[i] == status)
			return i;
	return S_OTHER;
}

enum { M_GET, M_HEAD, M_POST, M_PUT, M_PATCH, M_DELETE, M_OPTIONS, M_OTHER, METHOD_N };

static const char *const method_labels[METHOD_N] = {"GET",   "HEAD",   "POST",	  "PUT",
						    "PATCH", "DELETE", "OPTIONS", "other"};

static size_t method_index(const char *method)
{
	for (size_t i = 0; method != NULL && i < M_OTHER; i++)
		if (strcmp(method, method_labels[i]) == 0)
			return i;
	return M_OTHER;
}

/* ---- histogram buckets: upper bounds (inclusive), then +Inf ---- */

struct bound {
	uint64_t v;
	const char *le;
};

/* Request latency, in ns. */
static const struct bound latency_bounds[] = {
    {500000, "0.0005"},	 {1000000, "0.001"},  {2500000, "0.0025"}, {5000000, "0.005"},
    {10000000, "0.01"},	 {25000000, "0.025"}, {50000000, "0.05"},  {100000000, "0.1"},
    {250000000, "0.25"}, {500000000, "0.5"},  {1000000000, "1"},   {2500000000u, "2.5"},
    {5000000000u, "5"},
};

/* A batch's COMMIT, in ns. */
static const struct bound fsync_bounds[] = {
    {100000, "0.0001"},	 {250000, "0.00025"}, {500000, "0.0005"},  {1000000, "0.001"},
    {2500000, "0.0025"}, {5000000, "0.005"},  {10000000, "0.01"},  {25000000, "0.025"},
    {50000000, "0.05"},	 {100000000, "0.1"},  {250000000, "0.25"}, {500000000, "0.5"},
    {1000000000, "1"},
};

/* Commands in a batch. */
static const struct bound size_bounds[] = {
    {1, "1"},	{2, "2"},     {5, "5"},	    {10, "10"},	  {20, "20"},
    {50, "50"}, {100, "100"}, {200, "200"}, {500, "500"}, {1000, "1000"},
};

/* A webhook's time from queued to delivered, in ns (retries make it long). */
static const struct bound delivery_bounds[] = {
    {10000000, "0.01"},	      {50000000, "0.05"},	  {100000000, "0.1"},
    {500000000, "0.5"},	      {1000000000, "1"},	  {5000000000u, "5"},
    {30000000000u, "30"},     {60000000000u, "60"},	  {300000000000u, "300"},
    {3600000000000u, "3600"}, {86400000000000u, "86400"},
};

static const char *const webhook_outcomes[WP_METRICS_WEBHOOK_OUTCOMES] = {
    "2xx", "non_2xx", "timeout", "connect_error", "refused", "error"};

#define LATENCY_B (COUNT(latency_bounds) + 1)
#define DELIVERY_B (COUNT(delivery_bounds) + 1)
#define FSYNC_B (COUNT(fsync_bounds) + 1)
#define SIZE_B (COUNT(size_bounds) + 1)

/* The bucket v falls in: the first bound at or above it, else +Inf. */
static size_t bucket_of(const struct bound *b, size_t n, uint64_t v)
{
	size_t i = 0;
	while (i < n && v > b[i].v)
		i++;
	return i;
}

/* ---- counter blocks ---- */

typedef _Atomic uint64_t counter;

struct block {
	struct wp_metrics *m;
	struct block *next; /* every block of m, under m->lock */
	bool shared;	    /* several threads: counted with atomic adds */
	bool free;	    /* its thread ended: the next new thread takes it over */
	counter conn_opened, conn_closed, conn_refused;
	counter commit_batches, commit_failures, commit_refused;
	counter size_b[SIZE_B], size_sum;
	counter fsync_b[FSYNC_B], fsync_sum_ns;
	/* ---- webhook deliveries ---- */
	counter wh_attempts[WP_METRICS_WEBHOOK_OUTCOMES], wh_retries, wh_delivered, wh_failed;
	counter wh_duration_b[LATENCY_B], wh_duration_sum_ns;
	counter wh_latency_b[DELIVERY_B], wh_latency_sum_ns;
	/* Sized once labels are fixed: requests[rows][STATUS_N], latency[names][LATENCY_B],
	   latency_sum_ns[names]. */
	counter dyn[];
};

/* One series of wonpay_http_requests_total, before its status. */
struct row {
	size_t name;	     /* its surface's label */
	const char *pattern; /* NULL: "none" */
	size_t method;
};

/* What a registered slot counts into: rows[row], or rows[row + method] for "none". */
struct slot {
	size_t row;
	bool none;
	bool head; /* a GET route: HEAD counts into row + 1 */
};

struct wp_metrics {
	pthread_mutex_t lock;
	pthread_key_t key; /* this thread's block */
	struct block *blocks;
	struct block *shared;
	bool frozen; /* blocks exist: the labels and the layout are fixed */
	size_t dyn_count, latency_off, latency_sum_off;
	const char **names;
	size_t name_count, name_cap;
	struct row *rows;
	size_t row_count, row_cap;
	struct slot *slots;
	size_t slot_count, slot_cap;
	_Atomic uint64_t commit_depth;
	_Atomic uint64_t webhook_in_flight;
	struct timespec started;
};

/* The owner's increment: a plain add, atomic only so the scraper may read it meanwhile. */
static void bump(struct block *b, counter *c, uint64_t v)
{
	if (b->shared)
		atomic_fetch_add_explicit(c, v, memory_order_relaxed);
	else
		atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
				      memory_order_relaxed);
}

static size_t block_bytes(const struct wp_metrics *m)
{
	size_t n = sizeof(struct block) + m->dyn_count * sizeof(counter);
	return (n + 63) / 64 * 64; /* whole cache lines: no line shared with another thread */
}

static struct block *block_new(struct wp_metrics *m, bool shared)
{
	size_t n = block_bytes(m);
	struct block *b = aligned_alloc(64, n);
	if (b == NULL)
		return NULL;
	memset(b, 0, n);
	b->m = m;
	b->shared = shared;
	b->next = m->blocks;
	m->blocks = b;
	return b;
}

/* A thread ended: its block (and its counts) wait for the next thread. */
static void block_release(void *p)
{
	struct block *b = p;
	if (b->shared)
		return;
	pthread_mutex_lock(&b->m->lock);
	b->free = true;
	pthread_mutex_unlock(&b->m->lock);
}

/* Fixes the labels and the layout, and makes the shared block. Lock held. */
static bool freeze(struct wp_metrics *m)
{
	if (m->frozen)
		return true;
	m->latency_off = m->row_count * STATUS_N;
	m->latency_sum_off = m->latency_off + m->name_count * LATENCY_B;
	m->dyn_count = m->latency_sum_off + m->name_count;
	m->shared = block_new(m, true);
	m->frozen = m->shared != NULL;
	return m->frozen;
}

/* This thread's first event: a free block, a new one, or the shared one. */
static struct block *attach(struct wp_metrics *m)
{
	pthread_mutex_lock(&m->lock);
	struct block *b = NULL;
	if (freeze(m)) {
		for (b = m->blocks; b != NULL && !b->free; b = b->next) {
		}
		if (b == NULL)
			b = block_new(m, false);
		if (b != NULL && pthread_setspecific(m->key, b) == 0) {
			b->free = false;
		} else {
			if (b != NULL)
				b->free = true;
			b = m->shared; /* not ours: the next event asks again */
		}
	}
	pthread_mutex_unlock(&m->lock);
	return b; /* NULL only when not even the shared block exists: the event is lost */
}

static struct block *mine(struct wp_metrics *m)
{
	struct block *b = pthread_getspecific(m->key);
	return b != NULL ? b : attach(m);
}

/* ---- life ---- */

struct wp_metrics *wp_metrics_new(void)
{
	struct wp_metrics *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	if (pthread_key_create(&m->key, block_release) != 0) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	clock_gettime(CLOCK_REALTIME, &m->started);
	return m;
}

void wp_metrics_free(struct wp_metrics *m)
{
	if (m == NULL)
		return;
	pthread_key_delete(m->key);
	while (m->blocks != NULL) {
		struct block *b = m->blocks;
		m->blocks = b->next;
		free(b);
	}
	pthread_mutex_destroy(&m->lock);
	free(m->names);
	free(m->rows);
	free(m->slots);
	free(m);
}

/* ---- labels ---- */

/* arr with room for need elements (moved when it grows), or NULL: then arr is unchanged. */
static void *room(void *arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return arr;
	size_t n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	void *p = realloc(arr, n * size);
	if (p != NULL)
		*cap = n;
	return p;
}

static bool name_of(struct wp_metrics *m, const char *surface, size_t *out)
{
	for (size_t i = 0; i < m->name_count; i++) {
		if (strcmp(m->names[i], surface) == 0) {
			*out = i;
			return true;
		}
	}
	const char **names = room(m->names, &m->name_cap, m->name_count + 1, sizeof(*names));
	if (names == NULL)
		return false;
	m->names = names;
	names[m->name_count] = surface;
	*out = m->name_count++;
	return true;
}

/* The first of the rows for (name, pattern, method), added (n of them) when new. */
static bool rows_of(struct wp_metrics *m, size_t name, const char *pattern, size_t method, size_t n,
		    size_t *out)
{
	for (size_t i = 0; i < m->row_count; i++) {
		const struct row *r = &m->rows[i];
		bool same = pattern == NULL
				? r->pattern == NULL
				: r->pattern != NULL && strcmp(r->pattern, pattern) == 0;
		if (r->name == name && same && r->method == method) {
			*out = i;
			return true;
		}
	}
	struct row *rows = room(m->rows, &m->row_cap, m->row_count + n, sizeof(*rows));
	if (rows == NULL)
		return false;
	m->rows = rows;
	*out = m->row_count;
	for (size_t i = 0; i < n; i++) {
		size_t mi = pattern == NULL ? i : i == 0 ? method : M_HEAD;
		m->rows[m->row_count++] = (struct row){name, pattern, mi};
	}
	return true;
}

bool wp_metrics_route(struct wp_metrics *m, const char *surface, const char *method,
		      const char *pattern)
{
	assert(surface != NULL);
	assert((method == NULL) == (pattern == NULL));
	pthread_mutex_lock(&m->lock);
	struct slot *slots =
	    m->frozen ? NULL : room(m->slots, &m->slot_cap, m->slot_count + 1, sizeof(*slots));
	bool ok = slots != NULL;
	if (ok)
		m->slots = slots;
	size_t name = 0, row = 0;
	ok = ok && name_of(m, surface, &name);
	struct slot s = {.none = pattern == NULL};
	if (ok && s.none) {
		ok = rows_of(m, name, NULL, M_GET, METHOD_N, &row);
	} else if (ok) {
		size_t mi = method_index(method);
		s.head = mi == M_GET;
		ok = rows_of(m, name, pattern, mi, s.head ? 2 : 1, &row);
	}
	if (ok) {
		s.row = row;
		m->slots[m->slot_count++] = s;
	}
	pthread_mutex_unlock(&m->lock);
	return ok;
}

/* ---- recording ---- */

void wp_metrics_request(struct wp_metrics *m, size_t slot, const char *method, unsigned status,
			uint64_t latency_ns)
{
	if (m == NULL)
		return;
	struct block *b = mine(m);
	if (b == NULL)
		return;
	assert(slot < m->slot_count); /* registered before the first event */
	const struct slot *s = &m->slots[slot];
	size_t mi = method_index(method);
	size_t row = s->row;
	if (s->none)
		row += mi; /* one row per method */
	else if (s->head && mi == M_HEAD)
		row += 1; /* a GET route's HEAD row */
	size_t name = m->rows[row].name;
	bump(b, &b->dyn[row * STATUS_N + status_index(status)], 1);
	size_t i = bucket_of(latency_bounds, COUNT(latency_bounds), latency_ns);
	bump(b, &b->dyn[m->latency_off + name * LATENCY_B + i], 1);
	bump(b, &b->dyn[m->latency_sum_off + name], latency_ns);
}

void wp_metrics_connection(struct wp_metrics *m, int change)
{
	struct block *b = m != NULL ? mine(m) : NULL;
	if (b == NULL)
		return;
	bump(b, change > 0 ? &b->conn_opened : change < 0 ? &b->conn_closed : &b->conn_refused, 1);
}

void wp_metrics_commit_batch(struct wp_metrics *m, unsigned commands, bool ok)
{
	struct block *b = m != NULL ? mine(m) : NULL;
	if (b == NULL)
		return;
	bump(b, &b->commit_batches, 1);
	if (!ok)
		bump(b, &b->commit_failures, 1);
	bump(b, &b->size_b[bucket_of(size_bounds, COUNT(size_bounds), commands)], 1);
	bump(b, &b->size_sum, commands);
}

void wp_metrics_commit_time(struct wp_metrics *m, uint64_t ns)
{
	struct block *b = m != NULL ? mine(m) : NULL;
	if (b == NULL)
		return;
	bump(b, &b->fsync_b[bucket_of(fsync_bounds, COUNT(fsync_bounds), ns)], 1);
	bump(b, &b->fsync_sum_ns, ns);
}

void wp_metrics_commit_refused(struct wp_metrics *m)
{
	struct block *b = m != NULL ? mine(m) : NULL;
	if (b != NULL)
		bump(b, &b->commit_refused, 1);
}

void wp_metrics_commit_depth(struct wp_metrics *m, unsigned depth)
{
	if (m != NULL)
		atomic_store_explicit(&m->commit_depth, depth, memory_order_relaxed);
}

void wp_metrics_webhook_attempt(struct wp_metrics *m, int outcome, bool retry, uint64_t duration_ns)
{
	struct block *b = m != NULL ? mine(m) : NULL;
	if (b == NULL)
		return;
	if (outcome < 0 || outcome >= WP_METRICS_WEBHOOK_OUTCOMES)
		outcome = WP_METRICS_WEBHOOK_ERROR;
	bump(b, &b->wh_attempts[outcome], 1);
	if (retry)
		bump(b, &b->wh_retries, 1);
	bump(b, &b->wh_duration_b[bucket_of(latency_bounds, COUNT(latency_bounds), duration_ns)],
	     1);
	bump(b, &b->wh_duration_sum_ns, duration_ns);
}

void wp_metrics_webhook_done(struct wp_metrics *m, bool delivered, uint64_t latency_ns)
{
	struct block *b = m != NULL ? mine(m) : NULL;
	if (b == NULL)
		return;
	if (!delivered) {
		bump(b, &b->wh_failed, 1);
		return;
	}
	bump(b, &b->wh_delivered, 1);
	bump(b, &b->wh_latency_b[bucket_of(delivery_bounds, COUNT(delivery_bounds), latency_ns)],
	     1);
	bump(b, &b->wh_latency_sum_ns, latency_ns);
}

void wp_metrics_webhook_in_flight(struct wp_metrics *m, unsigned n)
{
	if (m != NULL)
		atomic_store_explicit(&m->webhook_in_flight, n, memory_order_relaxed);
}

/* ---- the scrape ---- */

static uint64_t get(const counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void add(counter *to, const counter *from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		atomic_store_explicit(&to[i], get(&to[i]) + get(&from[i]), memory_order_relaxed);
}

/* Every block's counts in one (an unshared block not in the list). Lock held. */
static void sum_blocks(struct wp_metrics *m, struct block *t)
{
	for (const struct block *b = m->blocks; b != NULL; b = b->next) {
		add(&t->conn_opened, &b->conn_opened, 1);
		add(&t->conn_closed, &b->conn_closed, 1);
		add(&t->conn_refused, &b->conn_refused, 1);
		add(&t->commit_batches, &b->commit_batches, 1);
		add(&t->commit_failures, &b->commit_failures, 1);
		add(&t->commit_refused, &b->commit_refused, 1);
		add(t->size_b, b->size_b, SIZE_B);
		add(&t->size_sum, &b->size_sum, 1);
		add(t->fsync_b, b->fsync_b, FSYNC_B);
		add(&t->fsync_sum_ns, &b->fsync_sum_ns, 1);
		add(t->wh_attempts, b->wh_attempts, WP_METRICS_WEBHOOK_OUTCOMES);
		add(&t->wh_retries, &b->wh_retries, 1);
		add(&t->wh_delivered, &b->wh_delivered, 1);
		add(&t->wh_failed, &b->wh_failed, 1);
		add(t->wh_duration_b, b->wh_duration_b, LATENCY_B);
		add(&t->wh_duration_sum_ns, &b->wh_duration_sum_ns, 1);
		add(t->wh_latency_b, b->wh_latency_b, DELIVERY_B);
		add(&t->wh_latency_sum_ns, &b->wh_latency_sum_ns, 1);
		add(t->dyn, b->dyn, m->dyn_count);
	}
}

static void family(wp_buf *out, const char *name, const char *type, const char *help)
{
	wp_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and line feed escaped. */
static void label_value(wp_buf *out, const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\\')
			wp_buf_puts(out, "\\\\");
		else if (*p == '"')
			wp_buf_puts(out, "\\\"");
		else if (*p == '\n')
			wp_buf_puts(out, "\\n");
		else
			wp_buf_append(out, p, 1);
	}
}

/* ns as seconds, exactly: 1500000 -> 0.001500000 */
static void seconds(wp_buf *out, uint64_t ns)
{
	wp_buf_printf(out, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

/*
 * One histogram's samples: cumulative buckets, _sum, _count. label is
 * `surface="aqr"` (NULL: none); sum_ns says whether the sum is in ns (shown
 * as seconds) or a plain count.
 */
static void histogram(wp_buf *out, const char *name, const char *surface, const struct bound *b,
		      size_t n, const counter *counts, uint64_t sum, bool sum_ns)
{
	uint64_t total = 0;
	for (size_t i = 0; i <= n; i++) {
		total += get(&counts[i]);
		wp_buf_printf(out, "%s_bucket{", name);
		if (surface != NULL) {
			wp_buf_puts(out, "surface=\"");
			label_value(out, surface);
			wp_buf_puts(out, "\",");
		}
		wp_buf_printf(out, "le=\"%s\"} %" PRIu64 "\n", i < n ? b[i].le : "+Inf", total);
	}
	const char *open = surface != NULL ? "{surface=\"" : "";
	wp_buf_printf(out, "%s_sum%s", name, open);
	if (surface != NULL) {
		label_value(out, surface);
		wp_buf_puts(out, "\"}");
	}
	wp_buf_puts(out, " ");
	if (sum_ns)
		seconds(out, sum);
	else
		wp_buf_printf(out, "%" PRIu64, sum);
	wp_buf_printf(out, "\n%s_count%s", name, open);
	if (surface != NULL) {
		label_value(out, surface);
		wp_buf_puts(out, "\"}");
	}
	wp_buf_printf(out, " %" PRIu64 "\n", total);
}

static void render_process(struct wp_metrics *m, wp_buf *out)
{
	family(out, "wonpay_up", "gauge", "1 while the server answers.");
	wp_buf_puts(out, "wonpay_up 1\n");
	family(out, "wonpay_process_start_time_seconds", "gauge",
	       "When the server started, in seconds since the Unix epoch.");
	wp_buf_printf(out, "wonpay_process_start_time_seconds %lld.%03ld\n",
		      (long long)m->started.tv_sec, m->started.tv_nsec / 1000000);
}

static void render_http(struct wp_metrics *m, const struct block *t, wp_buf *out)
{
	family(out, "wonpay_http_requests_total", "counter",
	       "Requests answered, by surface, route pattern (none: no route matched), method and "
	       "status (other: any other, or none when the client went away first).");
	for (size_t r = 0; r < m->row_count; r++) {
		const struct row *row = &m->rows[r];
		for (size_t s = 0; s < STATUS_N; s++) {
			uint64_t v = get(&t->dyn[r * STATUS_N + s]);
			if (v == 0)
				continue;
			wp_buf_puts(out, "wonpay_http_requests_total{surface=\"");
			label_value(out, m->names[row->name]);
			wp_buf_puts(out, "\",route=\"");
			label_value(out, row->pattern != NULL ? row->pattern : "none");
			wp_buf_printf(out, "\",method=\"%s\",status=\"",
				      method_labels[row->method]);
			if (s < S_OTHER)
				wp_buf_printf(out, "%u\"} %" PRIu64 "\n", status_codes[s], v);
			else
				wp_buf_printf(out, "other\"} %" PRIu64 "\n", v);
		}
	}
	family(out, "wonpay_http_request_duration_seconds", "histogram",
	       "Time from a request's header block to its end, by surface.");
	for (size_t n = 0; n < m->name_count; n++)
		histogram(out, "wonpay_http_request_duration_seconds", m->names[n], latency_bounds,
			  COUNT(latency_bounds), &t->dyn[m->latency_off + n * LATENCY_B],
			  get(&t->dyn[m->latency_sum_off + n]), true);
	family(out, "wonpay_http_responses_503_total", "counter",
	       "Requests answered 503 (storage, queue full, stopping), by surface.");
	size_t s503 = status_index(503);
	for (size_t n = 0; n < m->name_count; n++) {
		uint64_t v = 0;
		for (size_t r = 0; r < m->row_count; r++)
			if (m->rows[r].name == n)
				v += get(&t->dyn[r * STATUS_N + s503]);
		wp_buf_puts(out, "wonpay_http_responses_503_total{surface=\"");
		label_value(out, m->names[n]);
		wp_buf_printf(out, "\"} %" PRIu64 "\n", v);
	}
	uint64_t opened = get(&t->conn_opened), closed = get(&t->conn_closed);
	family(out, "wonpay_http_connections_open", "gauge", "Connections open now.");
	wp_buf_printf(out, "wonpay_http_connections_open %" PRIu64 "\n",
		      opened > closed ? opened - closed : 0);
	family(out, "wonpay_http_connections_total", "counter", "Connections accepted.");
	wp_buf_printf(out, "wonpay_http_connections_total %" PRIu64 "\n", opened);
	family(out, "wonpay_http_connections_refused_total", "counter",
	       "Connections refused at accept by the connection guard (per-address limit, or "
	       "the reserve when nearly full).");
	wp_buf_printf(out, "wonpay_http_connections_refused_total %" PRIu64 "\n",
		      get(&t->conn_refused));
}

static void render_commit(struct wp_metrics *m, const struct block *t, wp_buf *out)
{
	family(out, "wonpay_commit_batches_total", "counter",
	       "Transactions the commit writer ran for submitted commands (housekeeping alone is "
	       "not counted).");
	wp_buf_printf(out, "wonpay_commit_batches_total %" PRIu64 "\n", get(&t->commit_batches));
	family(out, "wonpay_commit_failures_total", "counter",
	       "Batches that failed: none of their commands happened, each answered with a "
	       "storage error.");
	wp_buf_printf(out, "wonpay_commit_failures_total %" PRIu64 "\n", get(&t->commit_failures));
	family(out, "wonpay_commit_refused_total", "counter",
	       "Commands refused before the queue (full or stopping): answered 503.");
	wp_buf_printf(out, "wonpay_commit_refused_total %" PRIu64 "\n", get(&t->commit_refused));
	family(out, "wonpay_commit_batch_size", "histogram", "Commands per batch.");
	histogram(out, "wonpay_commit_batch_size", NULL, size_bounds, COUNT(size_bounds), t->size_b,
		  get(&t->size_sum), false);
	family(out, "wonpay_commit_fsync_seconds", "histogram",
	       "Time of a batch's COMMIT, which returns once the batch is durable (fsync).");
	histogram(out, "wonpay_commit_fsync_seconds", NULL, fsync_bounds, COUNT(fsync_bounds),
		  t->fsync_b, get(&t->fsync_sum_ns), true);
	family(out, "wonpay_commit_queue_depth", "gauge", "Commands waiting for the writer now.");
	wp_buf_printf(out, "wonpay_commit_queue_depth %" PRIu64 "\n",
		      atomic_load_explicit(&m->commit_depth, memory_order_relaxed));
}

static void render_webhooks(struct wp_metrics *m, const struct block *t, wp_buf *out)
{
	family(out, "wonpay_webhook_attempts_total", "counter",
	       "Webhook delivery attempts, by outcome: 2xx (delivered), non_2xx, timeout, "
	       "connect_error (refused, unreachable, DNS, TLS), refused (the address is not "
	       "allowed), error.");
	for (size_t i = 0; i < WP_METRICS_WEBHOOK_OUTCOMES; i++)
		wp_buf_printf(out, "wonpay_webhook_attempts_total{outcome=\"%s\"} %" PRIu64 "\n",
			      webhook_outcomes[i], get(&t->wh_attempts[i]));
	family(out, "wonpay_webhook_retries_total", "counter",
	       "Attempts that were not a delivery's first.");
	wp_buf_printf(out, "wonpay_webhook_retries_total %" PRIu64 "\n", get(&t->wh_retries));
	family(out, "wonpay_webhook_delivered_total", "counter",
	       "Deliveries a receiver took (answered 2xx), redeliveries included.");
	wp_buf_printf(out, "wonpay_webhook_delivered_total %" PRIu64 "\n", get(&t->wh_delivered));
	family(out, "wonpay_webhook_failed_total", "counter",
	       "Deliveries given up after their last attempt or their total time.");
	wp_buf_printf(out, "wonpay_webhook_failed_total %" PRIu64 "\n", get(&t->wh_failed));
	family(out, "wonpay_webhook_attempt_duration_seconds", "histogram",
	       "One attempt, from its start to its answer or error.");
	histogram(out, "wonpay_webhook_attempt_duration_seconds", NULL, latency_bounds,
		  COUNT(latency_bounds), t->wh_duration_b, get(&t->wh_duration_sum_ns), true);
	family(out, "wonpay_webhook_delivery_latency_seconds", "histogram",
	       "From a delivery's queueing (or redelivery) to its 2xx, retries included.");
	histogram(out, "wonpay_webhook_delivery_latency_seconds", NULL, delivery_bounds,
		  COUNT(delivery_bounds), t->wh_latency_b, get(&t->wh_latency_sum_ns), true);
	family(out, "wonpay_webhook_in_flight", "gauge", "Webhook attempts in flight now.");
	wp_buf_printf(out, "wonpay_webhook_in_flight %" PRIu64 "\n",
		      atomic_load_explicit(&m->webhook_in_flight, memory_order_relaxed));
}

bool wp_metrics_render(struct wp_metrics *m, wp_buf *out)
{
	pthread_mutex_lock(&m->lock);
	struct block *t = freeze(m) ? calloc(1, block_bytes(m)) : NULL;
	if (t != NULL)
		sum_blocks(m, t);
	pthread_mutex_unlock(&m->lock);
	if (t == NULL)
		return false;
	render_process(m, out);
	render_http(m, t, out);
	render_commit(m, t, out);
	render_webhooks(m, t, out);
	free(t);
	return !out->failed;
}
