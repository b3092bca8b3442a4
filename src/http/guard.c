/*
 * guard.c — fair connections (see guard.h).
 */
#include "http/guard.h"

#include <assert.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "util/clock.h"

enum phase { HEADERS, BODY, BUSY };

struct wp_guard_conn {
	int fd;
	uint32_t ip; /* IPv4, network order; 0 for another family */
	enum phase phase;
	uint64_t since_ns; /* when the phase began */
	uint64_t limit_ns; /* HEADERS: how long the phase may last */
	uint64_t body_bytes;
	struct wp_guard_conn *prev, *next;
};

struct ip_count {
	uint32_t ip;
	unsigned n;
	struct ip_count *next;
};

struct wp_guard {
	struct wp_guard_config cfg;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t sweeper;
	bool stopping;
	struct wp_guard_conn *conns; /* every open connection */
	unsigned total;
	struct ip_count *by_ip[WP_GUARD_IP_BUCKETS];
	uint64_t cut;
};

static uint32_t ip_of(const struct sockaddr *addr)
{
	if (addr == NULL || addr->sa_family != AF_INET)
		return 0;
	return ((const struct sockaddr_in *)addr)->sin_addr.s_addr;
}

/* The count of an address; created at 0 when asked to. Called with the lock held. */
static struct ip_count *count_of(struct wp_guard *g, uint32_t ip, bool create)
{
	struct ip_count **head = &g->by_ip[(ip * 2654435761u) % WP_GUARD_IP_BUCKETS];
	for (struct ip_count *c = *head; c != NULL; c = c->next)
		if (c->ip == ip)
			return c;
	if (!create)
		return NULL;
	struct ip_count *c = calloc(1, sizeof(*c));
	if (c != NULL) {
		c->ip = ip;
		c->next = *head;
		*head = c;
	}
	return c;
}

static void count_drop(struct wp_guard *g, uint32_t ip)
{
	struct ip_count **p = &g->by_ip[(ip * 2654435761u) % WP_GUARD_IP_BUCKETS];
	for (; *p != NULL; p = &(*p)->next) {
		if ((*p)->ip != ip)
			continue;
		struct ip_count *c = *p;
		assert(c->n > 0);
		if (--c->n == 0) {
			*p = c->next;
			free(c);
		}
		return;
	}
}

/* Shuts a connection down: libmicrohttpd reads the end and closes it. Lock held. */
static void cut(struct wp_guard *g, struct wp_guard_conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->phase = BUSY; /* once is enough */
	g->cut++;
}

static bool overdue(const struct wp_guard *g, const struct wp_guard_conn *c, uint64_t now)
{
	uint64_t age = now - c->since_ns;
	if (c->phase == HEADERS)
		return age > c->limit_ns;
	if (c->phase != BODY || g->cfg.min_body_rate == 0 || age < 1000000000u)
		return false;
	/* bytes < rate * seconds, in integers: bytes * 1e9 < rate * age_ns */
	return c->body_bytes * 1000000000u < (uint64_t)g->cfg.min_body_rate * age;
}

static void *sweep(void *arg)
{
	struct wp_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		uint64_t now = wp_mono_ns();
		for (struct wp_guard_conn *c = g->conns; c != NULL; c = c->next)
			if (overdue(g, c, now))
				cut(g, c);
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += WP_GUARD_SWEEP_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct wp_guard *wp_guard_new(const struct wp_guard_config *cfg)
{
	struct wp_guard *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->cfg = *cfg;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&g->sweeper, NULL, sweep, g) != 0) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return NULL;
	}
	pthread_setname_np(g->sweeper, "wp-guard"); /* in top, perf and /proc */
	return g;
}

void wp_guard_free(struct wp_guard *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->sweeper, NULL);
	while (g->conns != NULL) { /* a connection libmicrohttpd never reported closed */
		struct wp_guard_conn *c = g->conns;
		g->conns = c->next;
		free(c);
	}
	for (size_t i = 0; i < WP_GUARD_IP_BUCKETS; i++) {
		while (g->by_ip[i] != NULL) {
			struct ip_count *c = g->by_ip[i];
			g->by_ip[i] = c->next;
			free(c);
		}
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/*
 * The admission counts the connection at once: libmicrohttpd's worker
 * threads accept in parallel, and a count taken later (when the connection
 * starts) would let a burst from one address past the limit.
 */
bool wp_guard_admit(struct wp_guard *g, const struct sockaddr *addr)
{
	uint32_t ip = ip_of(addr);
	pthread_mutex_lock(&g->lock);
	struct ip_count *c = count_of(g, ip, false);
	unsigned held = c ? c->n : 0;
	bool ok = g->cfg.conn_per_ip == 0 || held < g->cfg.conn_per_ip;
	/* Nearly full: only an address holding nothing may take the reserve. */
	if (g->total + g->cfg.reserve >= g->cfg.conn_limit && held > 0)
		ok = false;
	if (ok && (c != NULL || (c = count_of(g, ip, true)) != NULL)) {
		c->n++;
		g->total++;
	} else {
		ok = false;
	}
	pthread_mutex_unlock(&g->lock);
	return ok;
}

struct wp_guard_conn *wp_guard_opened(struct wp_guard *g, int fd, const struct sockaddr *addr)
{
	struct wp_guard_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		pthread_mutex_lock(&g->lock);
		count_drop(g, ip_of(addr)); /* its admission's count */
		g->total--;
		pthread_mutex_unlock(&g->lock);
		return NULL;
	}
	c->fd = fd;
	c->ip = ip_of(addr);
	c->phase = HEADERS;
	c->since_ns = wp_mono_ns();
	c->limit_ns = (uint64_t)g->cfg.header_timeout_s * 1000000000u;
	pthread_mutex_lock(&g->lock);
	c->next = g->conns;
	if (g->conns != NULL)
		g->conns->prev = c;
	g->conns = c;
	pthread_mutex_unlock(&g->lock);
	return c;
}

void wp_guard_closed(struct wp_guard *g, struct wp_guard_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	count_drop(g, c->ip);
	assert(g->total > 0);
	g->total--;
	pthread_mutex_unlock(&g->lock);
	free(c);
}

static void enter(struct wp_guard *g, struct wp_guard_conn *c, enum phase p, uint64_t limit_s)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->phase != BUSY || p != BODY) { /* a cut connection stays cut */
		c->phase = p;
		c->since_ns = wp_mono_ns();
		c->limit_ns = limit_s * 1000000000u;
		c->body_bytes = 0;
	}
	pthread_mutex_unlock(&g->lock);
}

void wp_guard_headers_done(struct wp_guard *g, struct wp_guard_conn *c)
{
	enter(g, c, BODY, 0);
}

void wp_guard_body(struct wp_guard *g, struct wp_guard_conn *c, size_t n)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	c->body_bytes += n;
	pthread_mutex_unlock(&g->lock);
}

void wp_guard_busy(struct wp_guard *g, struct wp_guard_conn *c)
{
	enter(g, c, BUSY, 0);
}

void wp_guard_idle(struct wp_guard *g, struct wp_guard_conn *c)
{
	enter(g, c, HEADERS, g->cfg.idle_timeout_s);
}

uint64_t wp_guard_cut(struct wp_guard *g)
{
	pthread_mutex_lock(&g->lock);
	uint64_t n = g->cut;
	pthread_mutex_unlock(&g->lock);
	return n;
}
