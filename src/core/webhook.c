/*
 * webhook.c — the webhook outbox and its sender (see webhook.h for the
 * invariants).
 *
 * Threads: one sender (libcurl multi interface: every attempt in flight on
 * one thread, none blocking another), WP_WEBHOOK_RESOLVERS resolvers
 * (getaddrinfo, which blocks), and the commit writer, which records each
 * attempt and decides what comes next. A delivery taken from the outbox
 * occupies a "flight" from then until its attempt is recorded, so it is
 * never sent twice at once.
 *
 * libcurl: https://curl.se/libcurl/c/libcurl-multi.html (curl_multi_poll,
 * curl_multi_wakeup), CURLOPT_RESOLVE, CURLOPT_OPENSOCKETFUNCTION.
 */
#include "core/webhook.h"

#include <arpa/inet.h>
#include <assert.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "core/commit.h"
#include "core/crypto.h"
#include "core/metrics.h"

#define BODY_AAD "webhook.body"
#define USER_AGENT "wonpay-webhook/1"

const char *wp_webhook_state_name(int state)
{
	switch (state) {
	case WP_WEBHOOK_PENDING:
		return "pending";
	case WP_WEBHOOK_DELIVERED:
		return "delivered";
	case WP_WEBHOOK_FAILED:
		return "failed";
	default:
		return "unknown";
	}
}

/* ---- destinations ---- */

static enum wp_addr_class classify_v4(const uint8_t a[4])
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	static const struct {
		uint32_t net;
		unsigned bits;
		enum wp_addr_class c;
	} nets[] = {
	    {0x00000000u, 8, WP_ADDR_UNSPECIFIED}, /* 0/8 "this network" */
	    {0x7F000000u, 8, WP_ADDR_LOOPBACK},	   /* 127/8 */
	    {0x0A000000u, 8, WP_ADDR_PRIVATE},	   /* 10/8 */
	    {0xAC100000u, 12, WP_ADDR_PRIVATE},	   /* 172.16/12 */
	    {0xC0A80000u, 16, WP_ADDR_PRIVATE},	   /* 192.168/16 */
	    {0x64400000u, 10, WP_ADDR_SHARED},	   /* 100.64/10 */
	    {0xA9FE0000u, 16, WP_ADDR_LINK_LOCAL}, /* 169.254/16 */
	    {0xC0000000u, 24, WP_ADDR_RESERVED},   /* 192.0.0/24 protocol assignments */
	    {0xC0000200u, 24, WP_ADDR_RESERVED},   /* 192.0.2/24 documentation */
	    {0xC6120000u, 15, WP_ADDR_RESERVED},   /* 198.18/15 benchmarking */
	    {0xC6336400u, 24, WP_ADDR_RESERVED},   /* 198.51.100/24 documentation */
	    {0xCB007100u, 24, WP_ADDR_RESERVED},   /* 203.0.113/24 documentation */
	    {0xE0000000u, 4, WP_ADDR_MULTICAST},   /* 224/4 */
	    {0xF0000000u, 4, WP_ADDR_RESERVED},	   /* 240/4, 255.255.255.255 */
	};
	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		uint32_t mask = 0xFFFFFFFFu << (32 - nets[i].bits);
		if ((v & mask) == nets[i].net)
			return nets[i].c;
	}
	return WP_ADDR_PUBLIC;
}

static enum wp_addr_class classify_v6(const uint8_t a[16])
{
	static const uint8_t zero[16] = {0};
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
	static const uint8_t nat64[12] = {0x00, 0x64, 0xFF, 0x9B};
	if (memcmp(a, zero, 15) == 0)
		return a[15] == 0   ? WP_ADDR_UNSPECIFIED
		       : a[15] == 1 ? WP_ADDR_LOOPBACK
				    : WP_ADDR_RESERVED;
	/* An IPv4 address inside: ::ffff:a.b.c.d, 64:ff9b::a.b.c.d, ::a.b.c.d, 2002:a.b.c.d::/48 */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 || memcmp(a, zero, 12) == 0)
		return classify_v4(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02)
		return classify_v4(a + 2);
	if (a[0] == 0xFF)
		return WP_ADDR_MULTICAST;
	if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80)
		return WP_ADDR_LINK_LOCAL; /* fe80::/10 */
	if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0)
		return WP_ADDR_UNIQUE_LOCAL; /* fec0::/10, the old site-local */
	if ((a[0] & 0xFE) == 0xFC)
		return WP_ADDR_UNIQUE_LOCAL; /* fc00::/7 */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8)
		return WP_ADDR_RESERVED; /* 2001:db8::/32 documentation */
	if ((a[0] & 0xE0) != 0x20)
		return WP_ADDR_RESERVED; /* outside 2000::/3, the global unicast space */
	return WP_ADDR_PUBLIC;
}

enum wp_addr_class wp_addr_classify(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof(in));
		uint8_t a[4];
		memcpy(a, &in.sin_addr, 4);
		return classify_v4(a);
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof(in6));
		uint8_t a[16];
		memcpy(a, &in6.sin6_addr, 16);
		return classify_v6(a);
	}
	return WP_ADDR_RESERVED; /* not an internet address at all */
}

const char *wp_addr_class_name(enum wp_addr_class c)
{
	switch (c) {
	case WP_ADDR_PUBLIC:
		return "a public address";
	case WP_ADDR_LOOPBACK:
		return "a loopback address";
	case WP_ADDR_PRIVATE:
		return "a private address (RFC 1918)";
	case WP_ADDR_SHARED:
		return "a shared address (CGNAT, RFC 6598)";
	case WP_ADDR_LINK_LOCAL:
		return "a link-local address";
	case WP_ADDR_UNIQUE_LOCAL:
		return "a unique-local address";
	case WP_ADDR_UNSPECIFIED:
		return "an unspecified address";
	case WP_ADDR_MULTICAST:
		return "a multicast address";
	case WP_ADDR_RESERVED:
		return "a reserved address";
	}
	return "a reserved address";
}

bool wp_addr_allowed(enum wp_addr_class c, bool allow_loopback, bool allow_private)
{
	return c == WP_ADDR_PUBLIC || allow_private || (allow_loopback && c == WP_ADDR_LOOPBACK);
}

/* sa (IPv4 or IPv6) as text: "10.0.0.1", "::1". */
static void addr_text(const struct sockaddr *sa, char *out, size_t cap)
{
	const void *src = NULL;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	if (sa->sa_family == AF_INET) {
		memcpy(&in, sa, sizeof(in));
		src = &in.sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&in6, sa, sizeof(in6));
		src = &in6.sin6_addr;
	}
	if (src == NULL || inet_ntop(sa->sa_family, src, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "?");
}

bool wp_webhook_url_parse(const char *url, struct wp_webhook_url *out, char *why, size_t cap)
{
	memset(out, 0, sizeof(*out));
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	bool ok = false;
	if (u == NULL) {
		snprintf(why, cap, "cannot be read now (out of memory)");
		return false;
	}
	/* "http://host...": libcurl alone would take "http:///x" or "http:x" as naming host x. */
	size_t skip = strncasecmp(url, "http://", 7) == 0    ? 7
		      : strncasecmp(url, "https://", 8) == 0 ? 8
							     : 0;
	if (skip == 0 || url[skip] == '/' || url[skip] == '\\' ||
	    strlen(url) >= WP_WEBHOOK_URL_MAX_BYTES ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		snprintf(why, cap, "must be an absolute http:// or https:// URL with a host");
		goto out;
	}
	if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
		snprintf(why, cap, "must be an http:// or https:// URL");
		goto out;
	}
	size_t n = strlen(host);
	const char *h = host;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		h = host + 1;
		n -= 2;
		out->ipv6 = true;
	}
	if (n == 0 || n >= sizeof(out->host) || strlen(port) >= sizeof(out->port)) {
		snprintf(why, cap, "must name a host");
		goto out;
	}
	memcpy(out->host, h, n);
	out->host[n] = '\0';
	memcpy(out->port, port, strlen(port) + 1);
	uint8_t buf[16];
	out->literal = inet_pton(out->ipv6 ? AF_INET6 : AF_INET, out->host, buf) == 1;
	if (out->ipv6 && !out->literal) {
		snprintf(why, cap, "must name a host (an IPv6 address with a zone is not one)");
		goto out;
	}
	ok = true;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok;
}

/* The literal's class (host is one: url->literal). */
static enum wp_addr_class literal_class(const struct wp_webhook_url *url)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (url->ipv6) {
		struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
		if (inet_pton(AF_INET6, url->host, &in6.sin6_addr) != 1)
			return WP_ADDR_RESERVED;
		memcpy(&ss, &in6, sizeof(in6));
	} else {
		struct sockaddr_in in = {.sin_family = AF_INET};
		if (inet_pton(AF_INET, url->host, &in.sin_addr) != 1)
			return WP_ADDR_RESERVED;
		memcpy(&ss, &in, sizeof(in));
	}
	return wp_addr_classify((const struct sockaddr *)&ss);
}

/* ---- backoff, signature ---- */

uint64_t wp_webhook_backoff_ms(unsigned tries, unsigned base_ms, unsigned max_ms)
{
	uint64_t d = base_ms;
	for (unsigned i = 1; i < tries && d < max_ms; i++)
		d *= 2;
	return d < max_ms ? d : max_ms;
}

void wp_webhook_signature(const char *secret, size_t secret_len, int64_t unix_s, const char *body,
			  size_t body_len, char out[WP_WEBHOOK_SIGNATURE_MAX])
{
	char t[24];
	int tn = snprintf(t, sizeof(t), "%lld.", (long long)unix_s);
	char hex[2 * WP_SHA256_BYTES + 1] = "";
	char *signed_text = tn > 0 ? malloc((size_t)tn + body_len + 1) : NULL;
	if (signed_text != NULL) {
		memcpy(signed_text, t, (size_t)tn);
		memcpy(signed_text + tn, body, body_len);
		uint8_t mac[WP_SHA256_BYTES];
		wp_hmac_sha256(secret, secret_len, signed_text, (size_t)tn + body_len, mac);
		wp_hex(mac, sizeof(mac), hex);
		free(signed_text);
	}
	snprintf(out, WP_WEBHOOK_SIGNATURE_MAX, "t=%lld,v1=%s", (long long)unix_s, hex);
}

/* ---- the outbox ---- */

static void secret_aad(const char *surface, char *out, size_t cap)
{
	snprintf(out, cap, "%s.webhook_secret", surface);
}

wp_status wp_webhook_enqueue(struct wp_tx *tx, const uint8_t *data_key,
			     const struct wp_webhook_event *e, char *id_out)
{
	if (e->body_len > WP_WEBHOOK_BODY_MAX_BYTES)
		return WP_E_INVALID;
	char id[WP_WEBHOOK_ID_LEN + 1] = "whd_";
	wp_status st = wp_random_alnum(id + 4, WP_WEBHOOK_ID_LEN - 4);
	if (st != WP_OK)
		return st;
	char *sealed = wp_seal(data_key, BODY_AAD, e->body, e->body_len);
	if (sealed == NULL)
		return WP_E_NOMEM;
	struct wp_webhook d = {
	    .id = id,
	    .surface = e->surface,
	    .owner = e->owner,
	    .event_id = e->event_id,
	    .url = e->url,
	    .body = sealed,
	    .state = WP_WEBHOOK_PENDING,
	    .last_error = "",
	    .round_ms = e->now_ms,
	    .next_ms = e->now_ms,
	    .created_ms = e->now_ms,
	    .updated_ms = e->now_ms,
	};
	st = tx->ops->webhook_insert(tx, &d);
	free(sealed);
	if (st == WP_OK && id_out != NULL)
		memcpy(id_out, id, sizeof(id));
	return st;
}

wp_status wp_webhook_redeliver(struct wp_tx *tx, const char *surface, const char *id,
			       int64_t now_ms)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	struct wp_webhook d;
	wp_status st = tx->ops->webhook_get(NULL, tx, id, &a, &d);
	if (st == WP_OK && strcmp(d.surface, surface) != 0)
		st = WP_E_NOT_FOUND;
	if (st == WP_OK) {
		d.state = WP_WEBHOOK_PENDING;
		d.tries = 0;
		d.round_ms = now_ms;
		d.next_ms = now_ms;
		d.updated_ms = now_ms;
		st = tx->ops->webhook_update(tx, &d);
	}
	wp_arena_free(&a);
	return st;
}

wp_status wp_webhook_secret_new(char *out)
{
	memcpy(out, "whsec_", 6);
	return wp_random_alnum(out + 6, WP_WEBHOOK_SECRET_LEN - 6);
}

wp_status wp_webhook_secret_set(struct wp_tx *tx, const uint8_t *data_key, const char *surface,
				const char *owner, const char *secret, int64_t now_ms)
{
	size_t n = strlen(secret);
	if (n == 0 || n > WP_WEBHOOK_SECRET_MAX)
		return WP_E_INVALID;
	char aad[48];
	secret_aad(surface, aad, sizeof(aad));
	char *sealed = wp_seal(data_key, aad, secret, n);
	if (sealed == NULL)
		return WP_E_NOMEM;
	wp_status st = tx->ops->webhook_secret_insert(tx, surface, owner, sealed, now_ms);
	free(sealed);
	return st;
}

bool wp_webhook_secret_exists(struct wp_store *s, struct wp_tx *tx, const char *surface,
			      const char *owner)
{
	wp_arena a;
	wp_arena_init(&a, WP_SCRATCH_ARENA_BYTES);
	const char *sealed;
	const struct wp_store_ops *ops = tx != NULL ? tx->ops : s->ops;
	bool found = ops->webhook_secret_get(s, tx, surface, owner, &a, &sealed) == WP_OK;
	wp_arena_free(&a);
	return found;
}

char *wp_webhook_body_open(const uint8_t *data_key, const char *sealed, size_t *len)
{
	return wp_open(data_key, BODY_AAD, sealed, len);
}

/* ---- resolvers: host names, off every other thread ---- */

struct resolution {
	bool ok;
	bool refused; /* resolved, to an address that is not allowed */
	size_t n;
	char addrs[WP_WEBHOOK_ADDRS_MAX][INET6_ADDRSTRLEN];
	bool v6[WP_WEBHOOK_ADDRS_MAX];
	char why[200];
};

struct resolve_job {
	struct resolve_job *next;
	char host[WP_WEBHOOK_HOST_MAX];
	char port[8];
	void (*done)(struct wp_webhooks *w, void *ctx, const struct resolution *r);
	void *ctx;
};

/* ---- the sender ---- */

enum flight_state {
	FL_FREE,
	FL_READY,     /* taken from the outbox, waiting for a slot */
	FL_RESOLVING, /* its host is being resolved */
	FL_RESOLVED,  /* resolved (or refused): start it */
	FL_SENDING,   /* the attempt is in flight */
	FL_RECORDING, /* its outcome goes through the commit queue */
};

struct flight {
	struct wp_cmd cmd; /* first: the attempt's record */
	struct wp_webhooks *w;
	enum flight_state state;
	char id[WP_WEBHOOK_ID_LEN + 1];
	char surface[32];
	char owner[128];
	char url[WP_WEBHOOK_URL_MAX_BYTES];
	struct wp_webhook_url target;
	char hostkey[WP_WEBHOOK_HOST_MAX + 8]; /* host:port, for the per-host bound */
	int32_t attempts;		       /* made before this one */
	int64_t claim_until;		       /* shared stores: the next_ms claimed (0: none) */
	char *body;			       /* opened: the exact bytes to send */
	size_t body_len;
	char secret[WP_WEBHOOK_SECRET_MAX + 1]; /* "" when the owner has none */
	size_t secret_len;
	struct resolution res; /* a host name's addresses, written by a resolver */
	CURL *easy;
	struct curl_slist *headers, *resolve;
	char errbuf[CURL_ERROR_SIZE];
	bool addr_refused;
	char refused_why[120];
	uint64_t start_ns;
	int64_t at_ms;
	/* the outcome */
	int http_status;
	int outcome; /* enum wp_metrics_webhook_outcome */
	char error[WP_WEBHOOK_ERROR_MAX_BYTES + 1];
	uint64_t duration_ns;
	uint16_t jitter; /* 0..65535: up to 10% added to the next wait */
	/* decided by the writer */
	int32_t decided;
	int64_t round_ms;
};

struct wp_webhooks {
	struct wp_store *store;
	struct wp_commit *commit;
	struct wp_metrics *metrics;
	const wp_clock *clock;
	struct wp_webhook_config cfg;
	uint8_t data_key[WP_DATA_KEY_BYTES];
	CURLM *multi;
	pthread_t sender;
	bool sender_started;
	pthread_mutex_t lock; /* flights' states, the flags below, the resolver queue */
	pthread_cond_t job;   /* a resolver job waits, or stopping */
	bool stopping, refetch;
	uint64_t pause_until_ns; /* a record was refused: do not fetch again before */
	uint64_t deep_scan_ns;	 /* no paging past saturated hosts before (sender only) */
	struct flight *flights;
	size_t flight_count;
	struct resolve_job *jobs_head, *jobs_tail;
	size_t jobs;
	bool resolvers_stop;
	pthread_t resolvers[WP_WEBHOOK_RESOLVERS];
	size_t resolver_count;
};

static void log_webhook(const char *what, const char *detail)
{
	fprintf(stderr,
		"{\"level\":\"error\",\"component\":\"webhook\",\"message\":\"%s\",\"detail\":"
		"\"%s\"}\n",
		what, detail);
}

/* Wakes the sender out of curl_multi_poll (any thread). */
static void wake(struct wp_webhooks *w)
{
	if (w->multi != NULL)
		curl_multi_wakeup(w->multi);
}

/* Resolves host:port and applies the destination rule to every address. */
static void resolve_now(const struct wp_webhook_config *cfg, const char *host, const char *port,
			struct resolution *r)
{
	memset(r, 0, sizeof(*r));
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(r->why, sizeof(r->why), "%.64s does not resolve (%.60s)", host,
			 rc != 0 ? gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return;
	}
	r->ok = true;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		char text[INET6_ADDRSTRLEN];
		addr_text(ai->ai_addr, text, sizeof(text));
		enum wp_addr_class c = wp_addr_classify(ai->ai_addr);
		if (!wp_addr_allowed(c, cfg->allow_loopback, cfg->allow_private)) {
			/* One address that is not allowed refuses the host: it could be the one used. */
			r->ok = false;
			r->refused = true;
			snprintf(r->why, sizeof(r->why), "%.64s resolves to %s, %s", host, text,
				 wp_addr_class_name(c));
			break;
		}
		bool seen = false;
		for (size_t i = 0; i < r->n; i++)
			seen |= strcmp(r->addrs[i], text) == 0;
		if (!seen && r->n < WP_WEBHOOK_ADDRS_MAX) {
			snprintf(r->addrs[r->n], sizeof(r->addrs[0]), "%s", text);
			r->v6[r->n++] = ai->ai_family == AF_INET6;
		}
	}
	freeaddrinfo(res);
	if (r->ok && r->n == 0) {
		r->ok = false;
		snprintf(r->why, sizeof(r->why), "%.64s has no internet address", host);
	}
}

static void *resolver_main(void *arg)
{
	struct wp_webhooks *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct resolve_job *j = w->jobs_head;
		if (j == NULL) {
			if (w->resolvers_stop)
				break;
			pthread_cond_wait(&w->job, &w->lock);
			continue;
		}
		w->jobs_head = j->next;
		if (w->jobs_head == NULL)
			w->jobs_tail = NULL;
		w->jobs--;
		bool stop = w->resolvers_stop;
		pthread_mutex_unlock(&w->lock);
		struct resolution *r = malloc(sizeof(*r));
		if (r != NULL) {
			if (stop) {
				memset(r, 0, sizeof(*r));
				snprintf(r->why, sizeof(r->why), "the server is stopping");
			} else {
				resolve_now(&w->cfg, j->host, j->port, r);
			}
			j->done(w, j->ctx, r);
			free(r);
		} else {
			struct resolution none = {.ok = false};
			snprintf(none.why, sizeof(none.why), "out of memory");
			j->done(w, j->ctx, &none);
		}
		free(j);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Queues a look-up; WP_E_UNAVAILABLE when full or stopping. Lock not held. */
static wp_status
resolve_later(struct wp_webhooks *w, const char *host, const char *port,
	      void (*done)(struct wp_webhooks *, void *, const struct resolution *), void *ctx)
{
	struct resolve_job *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return WP_E_NOMEM;
	snprintf(j->host, sizeof(j->host), "%s", host);
	snprintf(j->port, sizeof(j->port), "%s", port);
	j->done = done;
	j->ctx = ctx;
	pthread_mutex_lock(&w->lock);
	if (w->resolvers_stop || w->resolver_count == 0 ||
	    w->jobs >= WP_WEBHOOK_RESOLVE_QUEUE_MAX) {
		pthread_mutex_unlock(&w->lock);
		free(j);
		return WP_E_UNAVAILABLE;
	}
	if (w->jobs_tail != NULL)
		w->jobs_tail->next = j;
	else
		w->jobs_head = j;
	w->jobs_tail = j;
	w->jobs++;
	pthread_cond_signal(&w->job);
	pthread_mutex_unlock(&w->lock);
	return WP_OK;
}

enum wp_webhook_check wp_webhooks_check(const struct wp_webhooks *w, const char *url, char *why,
					size_t cap)
{
	struct wp_webhook_url u;
	if (!wp_webhook_url_parse(url, &u, why, cap))
		return WP_WEBHOOK_URL_REFUSED;
	if (!u.literal)
		return WP_WEBHOOK_URL_RESOLVE;
	enum wp_addr_class c = literal_class(&u);
	if (wp_addr_allowed(c, w->cfg.allow_loopback, w->cfg.allow_private))
		return WP_WEBHOOK_URL_OK;
	snprintf(why, cap, "must not point to %s (%.64s)", wp_addr_class_name(c), u.host);
	return WP_WEBHOOK_URL_REFUSED;
}

struct check_job {
	void (*done)(void *ctx, bool ok, const char *why);
	void *ctx;
};

static void checked(struct wp_webhooks *w, void *ctx, const struct resolution *r)
{
	(void)w;
	struct check_job cj = *(struct check_job *)ctx;
	free(ctx);
	char why[240];
	snprintf(why, sizeof(why), "must name a host %s: %.180s",
		 r->refused ? "whose addresses are public" : "that resolves", r->why);
	cj.done(cj.ctx, r->ok, r->ok ? NULL : why);
}

wp_status wp_webhooks_check_async(struct wp_webhooks *w, const char *url,
				  void (*done)(void *ctx, bool ok, const char *why), void *ctx)
{
	struct wp_webhook_url u;
	char why[160];
	if (!wp_webhook_url_parse(url, &u, why, sizeof(why)))
		return WP_E_INVALID;
	struct check_job *cj = malloc(sizeof(*cj));
	if (cj == NULL)
		return WP_E_NOMEM;
	*cj = (struct check_job){done, ctx};
	wp_status st = resolve_later(w, u.host, u.port, checked, cj);
	if (st != WP_OK)
		free(cj);
	return st;
}

/* A flight's look-up came back (a resolver thread). */
static void flight_resolved(struct wp_webhooks *w, void *ctx, const struct resolution *r)
{
	struct flight *f = ctx;
	pthread_mutex_lock(&w->lock);
	f->res = *r;
	f->state = FL_RESOLVED;
	pthread_mutex_unlock(&w->lock);
	wake(w);
}

static void set_state(struct wp_webhooks *w, struct flight *f, enum flight_state s)
{
	pthread_mutex_lock(&w->lock);
	f->state = s;
	pthread_mutex_unlock(&w->lock);
}

/* Forgets what the flight held (its body is personal data). */
static void flight_clear(struct flight *f)
{
	if (f->body != NULL) {
		OPENSSL_cleanse(f->body, f->body_len);
		free(f->body);
	}
	f->body = NULL;
	f->body_len = 0;
	OPENSSL_cleanse(f->secret, sizeof(f->secret));
	f->secret_len = 0;
}

/* ---- recording an attempt (the commit writer) ---- */

static wp_status apply_record(struct wp_tx *tx, struct wp_cmd *c)
{
	struct flight *f = (struct flight *)c;
	const struct wp_webhook_config *cfg = &f->w->cfg;
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	struct wp_webhook d;
	f->decided = -1;
	wp_status st = tx->ops->webhook_get(NULL, tx, f->id, &a, &d);
	if (st == WP_E_NOT_FOUND) {
		st = WP_OK; /* gone meanwhile: nothing to record */
		goto out;
	}
	if (st != WP_OK)
		goto out;
	int64_t now = wp_clock_now_ms(f->w->clock);
	struct wp_webhook_attempt at = {
	    .delivery_id = f->id,
	    .n = d.attempts + 1,
	    .at_ms = f->at_ms,
	    .duration_ms = (int64_t)(f->duration_ns / 1000000u),
	    .http_status = f->http_status,
	    .error = f->error,
	};
	st = tx->ops->webhook_attempt_insert(tx, &at);
	if (st != WP_OK)
		goto out;
	if (f->claim_until != 0 && (d.state != WP_WEBHOOK_PENDING || d.next_ms != f->claim_until)) {
		/*
		 * Not this process's any more (its claim ran out and another took it,
		 * or it was delivered or redelivered meanwhile): the attempt is on
		 * record, what comes next is the current holder's to decide.
		 */
		d.attempts++;
		d.updated_ms = now;
		st = tx->ops->webhook_update(tx, &d);
		goto out;
	}
	d.attempts++;
	d.tries++;
	d.last_status = f->http_status;
	d.last_error = f->error;
	d.updated_ms = now;
	if (f->http_status >= 200 && f->http_status <= 299) {
		d.state = WP_WEBHOOK_DELIVERED;
	} else {
		uint64_t wait =
		    wp_webhook_backoff_ms((unsigned)d.tries, cfg->retry_base_ms, cfg->retry_max_ms);
		wait += wait * f->jitter / 655360u; /* up to 10% more: retries do not march */
		int64_t next = now + (int64_t)wait;
		bool late = next > d.round_ms + (int64_t)cfg->max_age_s * 1000;
		if ((unsigned)d.tries >= cfg->max_attempts || late) {
			d.state = WP_WEBHOOK_FAILED;
		} else {
			d.state = WP_WEBHOOK_PENDING;
			d.next_ms = next;
		}
	}
	st = tx->ops->webhook_update(tx, &d);
	if (st == WP_OK) {
		f->decided = d.state;
		f->round_ms = d.round_ms;
	}
out:
	wp_arena_free(&a);
	return st;
}

static void record_done(struct wp_cmd *c)
{
	struct flight *f = (struct flight *)c;
	struct wp_webhooks *w = f->w;
	if (c->status == WP_OK && f->decided == WP_WEBHOOK_DELIVERED) {
		int64_t ms = wp_clock_now_ms(w->clock) - f->round_ms;
		wp_metrics_webhook_done(w->metrics, true, ms > 0 ? (uint64_t)ms * 1000000u : 0);
	} else if (c->status == WP_OK && f->decided == WP_WEBHOOK_FAILED) {
		wp_metrics_webhook_done(w->metrics, false, 0);
	}
	pthread_mutex_lock(&w->lock);
	f->state = FL_FREE;
	w->refetch = true;
	if (c->status != WP_OK) /* not recorded: it is made again, after a pause */
		w->pause_until_ns = wp_mono_ns() + 1000000000u;
	pthread_mutex_unlock(&w->lock);
	wake(w);
}

/* The attempt is over: its outcome goes to the writer. Sender thread. */
static void record(struct wp_webhooks *w, struct flight *f)
{
	wp_metrics_webhook_attempt(w->metrics, f->outcome, f->attempts > 0, f->duration_ns);
	flight_clear(f);
	uint16_t jitter = 0;
	wp_random_bytes(&jitter, sizeof(jitter));
	f->jitter = jitter;
	memset(&f->cmd, 0, sizeof(f->cmd));
	f->cmd.apply = apply_record;
	f->cmd.done = record_done;
	f->cmd.ctx = f;
	set_state(w, f, FL_RECORDING);
	if (wp_commit_submit(w->commit, &f->cmd) != WP_OK) {
		pthread_mutex_lock(&w->lock);
		f->state = FL_FREE;
		w->pause_until_ns = wp_mono_ns() + 1000000000u;
		pthread_mutex_unlock(&w->lock);
	}
}

/* An attempt that never left: refused, unresolvable, or out of memory. */
static void fail_now(struct wp_webhooks *w, struct flight *f, int outcome, const char *error)
{
	f->http_status = 0;
	f->outcome = outcome;
	f->duration_ns = 0;
	f->at_ms = wp_clock_now_ms(w->clock);
	snprintf(f->error, sizeof(f->error), "%s", error);
	record(w, f);
}

/* ---- one attempt over HTTP ---- */

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* The last check, on the very address libcurl is about to connect to. */
static curl_socket_t open_socket(void *ctx, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct flight *f = ctx;
	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	size_t n = addr->addrlen < sizeof(ss) ? addr->addrlen : sizeof(ss);
	memcpy(&ss, &addr->addr, n);
	enum wp_addr_class c = wp_addr_classify((const struct sockaddr *)&ss);
	if (!wp_addr_allowed(c, f->w->cfg.allow_loopback, f->w->cfg.allow_private)) {
		char text[INET6_ADDRSTRLEN];
		addr_text((const struct sockaddr *)&ss, text, sizeof(text));
		f->addr_refused = true;
		snprintf(f->refused_why, sizeof(f->refused_why), "%s is %s", text,
			 wp_addr_class_name(c));
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

static bool add_header(struct curl_slist **list, const char *line)
{
	struct curl_slist *l = curl_slist_append(*list, line);
	if (l == NULL)
		return false;
	*list = l;
	return true;
}

/* Starts the attempt on the multi handle; false when it could not start (recorded). */
static bool start(struct wp_webhooks *w, struct flight *f)
{
	char line[WP_WEBHOOK_HOST_MAX + WP_WEBHOOK_ADDRS_MAX * (INET6_ADDRSTRLEN + 3) + 16];
	bool ok = (f->easy = curl_easy_init()) != NULL;
	ok = ok && add_header(&f->headers, "Content-Type: application/json; charset=utf-8");
	ok = ok && add_header(&f->headers, "User-Agent: " USER_AGENT);
	ok = ok && add_header(&f->headers, "Expect:"); /* no 100-continue wait */
	snprintf(line, sizeof(line), "X-Wonpay-Delivery: %s", f->id);
	ok = ok && add_header(&f->headers, line);
	if (ok && f->secret_len > 0) {
		char sig[WP_WEBHOOK_SIGNATURE_MAX];
		wp_webhook_signature(f->secret, f->secret_len, (int64_t)time(NULL), f->body,
				     f->body_len, sig);
		snprintf(line, sizeof(line), "X-Wonpay-Signature: %s", sig);
		ok = add_header(&f->headers, line);
	}
	if (ok && f->res.n > 0) {
		/* Pin the addresses just checked: libcurl connects to these, not to a fresh look-up. */
		int used = snprintf(line, sizeof(line), "%s:%s:", f->target.host, f->target.port);
		for (size_t i = 0; i < f->res.n && used > 0 && (size_t)used < sizeof(line); i++)
			used += snprintf(line + used, sizeof(line) - (size_t)used,
					 f->res.v6[i] ? "%s[%s]" : "%s%s", i ? "," : "",
					 f->res.addrs[i]);
		struct curl_slist *l = curl_slist_append(NULL, line);
		ok = l != NULL;
		f->resolve = l;
	}
	if (ok) {
		CURL *e = f->easy;
		f->errbuf[0] = '\0';
		f->addr_refused = false;
		curl_easy_setopt(e, CURLOPT_URL, f->url);
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(e, CURLOPT_PROXY,
				 ""); /* never through a proxy: the rule is ours */
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, f->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)f->body_len);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
		if (f->resolve != NULL)
			curl_easy_setopt(e, CURLOPT_RESOLVE, f->resolve);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)w->cfg.connect_timeout_ms);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)w->cfg.timeout_ms);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
		curl_easy_setopt(e, CURLOPT_PRIVATE, f);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, f);
		f->start_ns = wp_mono_ns();
		f->at_ms = wp_clock_now_ms(w->clock);
		ok = curl_multi_add_handle(w->multi, e) == CURLM_OK;
	}
	if (ok) {
		set_state(w, f, FL_SENDING);
		return true;
	}
	curl_slist_free_all(f->headers);
	curl_slist_free_all(f->resolve);
	curl_easy_cleanup(f->easy);
	f->headers = f->resolve = NULL;
	f->easy = NULL;
	fail_now(w, f, WP_METRICS_WEBHOOK_ERROR, "the attempt could not start (out of memory)");
	return false;
}

static int outcome_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return WP_METRICS_WEBHOOK_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return WP_METRICS_WEBHOOK_CONNECT;
	default:
		return WP_METRICS_WEBHOOK_ERROR;
	}
}

/* libcurl is done with the attempt. */
static void finished(struct wp_webhooks *w, CURL *e, CURLcode rc)
{
	char *priv = NULL;
	curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
	struct flight *f = (struct flight *)(void *)priv;
	assert(f != NULL);
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(w->multi, e);
	curl_easy_cleanup(e);
	curl_slist_free_all(f->headers);
	curl_slist_free_all(f->resolve);
	f->easy = NULL;
	f->headers = f->resolve = NULL;
	f->duration_ns = wp_mono_ns() - f->start_ns;
	f->error[0] = '\0';
	if (f->addr_refused) {
		f->http_status = 0;
		f->outcome = WP_METRICS_WEBHOOK_REFUSED;
		snprintf(f->error, sizeof(f->error), "refused: %s", f->refused_why);
	} else if (rc == CURLE_OK && status > 0) {
		f->http_status = (int)status;
		f->outcome = status >= 200 && status <= 299 ? WP_METRICS_WEBHOOK_2XX
							    : WP_METRICS_WEBHOOK_NON_2XX;
	} else {
		f->http_status = 0;
		f->outcome = rc == CURLE_OK ? WP_METRICS_WEBHOOK_ERROR : outcome_of(rc);
		snprintf(f->error, sizeof(f->error), "%.180s",
			 f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc));
	}
	record(w, f);
}

/* ---- taking deliveries from the outbox ---- */

static size_t count_state(const struct wp_webhooks *w, enum flight_state s)
{
	size_t n = 0;
	for (size_t i = 0; i < w->flight_count; i++)
		n += w->flights[i].state == s;
	return n;
}

static bool on_wire(enum flight_state s)
{
	return s == FL_RESOLVING || s == FL_RESOLVED || s == FL_SENDING;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* What one fetch knows: the flights that were busy, and how loaded each host is. */
struct fetch {
	struct wp_webhooks *w;
	bool *busy;	 /* by flight: not free when the fetch began (its id is stable) */
	int32_t *ids;	 /* open-addressing set of busy flights by id: flight index + 1 */
	size_t ids_mask; /* its size - 1 (a power of two) */
	char (*hosts)[WP_WEBHOOK_HOST_MAX + 8];
	size_t *host_load; /* flights waiting or on the wire, per host */
	size_t host_count;
	size_t want, taken, seen, next_free;
	int64_t after_ms, after_seq; /* the last row seen: the next page starts after it */
};

/* Marks flight i's id busy for the rest of this fetch (its later pages). */
static void ids_add(struct fetch *ft, size_t i)
{
	size_t h = fnv1a(ft->w->flights[i].id) & ft->ids_mask;
	while (ft->ids[h] != 0)
		h = (h + 1) & ft->ids_mask;
	ft->ids[h] = (int32_t)i + 1;
}

static bool busy_id(const struct fetch *ft, const char *id)
{
	for (size_t h = fnv1a(id) & ft->ids_mask;; h = (h + 1) & ft->ids_mask) {
		int32_t i = ft->ids[h];
		if (i == 0)
			return false;
		if (strcmp(ft->w->flights[i - 1].id, id) == 0)
			return true;
	}
}

/* The host's slot in the fetch's table (added when new), or SIZE_MAX when full. */
static size_t host_slot(struct fetch *ft, const char *hostkey)
{
	for (size_t i = 0; i < ft->host_count; i++)
		if (strcmp(ft->hosts[i], hostkey) == 0)
			return i;
	if (ft->host_count == ft->w->flight_count)
		return SIZE_MAX;
	size_t i = ft->host_count++;
	snprintf(ft->hosts[i], sizeof(ft->hosts[i]), "%s", hostkey);
	ft->host_load[i] = 0;
	return i;
}

static void take(void *ctx, const struct wp_webhook *d)
{
	struct fetch *ft = ctx;
	struct wp_webhooks *w = ft->w;
	ft->seen++;
	ft->after_ms = d->next_ms;
	ft->after_seq = d->seq;
	if (ft->taken >= ft->want || strlen(d->id) > WP_WEBHOOK_ID_LEN ||
	    strlen(d->url) >= sizeof(w->flights[0].url) ||
	    strlen(d->surface) >= sizeof(w->flights[0].surface) ||
	    strlen(d->owner) >= sizeof(w->flights[0].owner) || busy_id(ft, d->id))
		return; /* busy: in flight or being recorded */
	struct wp_webhook_url u;
	char why[160];
	bool parsed = wp_webhook_url_parse(d->url, &u, why, sizeof(why));
	char hostkey[sizeof(w->flights[0].hostkey)];
	snprintf(hostkey, sizeof(hostkey), "%s:%s", parsed ? u.host : "", parsed ? u.port : "");
	size_t h = host_slot(ft, hostkey);
	if (h == SIZE_MAX || ft->host_load[h] >= WP_WEBHOOK_PER_HOST_TAKEN_MAX)
		return; /* that host has its share waiting already: others go first */
	size_t i = ft->next_free;
	while (i < w->flight_count && ft->busy[i])
		i++;
	if (i == w->flight_count)
		return;
	ft->next_free = i + 1;
	ft->busy[i] = true;
	ft->host_load[h]++;
	struct flight *f = &w->flights[i];
	snprintf(f->id, sizeof(f->id), "%s", d->id);
	ids_add(ft, i); /* a later page of this fetch may return it again (a redelivery) */
	snprintf(f->surface, sizeof(f->surface), "%s", d->surface);
	snprintf(f->owner, sizeof(f->owner), "%s", d->owner);
	snprintf(f->url, sizeof(f->url), "%s", d->url);
	memcpy(f->hostkey, hostkey, sizeof(hostkey));
	f->target = u;
	if (!parsed)
		f->target.host[0] = '\0';
	f->attempts = d->attempts;
	memset(&f->res, 0, sizeof(f->res));
	set_state(w, f, FL_READY);
	ft->taken++;
}

/*
 * How long a claimed delivery stays another process's (shared stores): its
 * wait behind the host's earlier deliveries, its attempt, a margin. Only a
 * process that dies holding one makes anyone wait this long.
 */
static int64_t claim_ms(const struct wp_webhook_config *cfg)
{
	return (int64_t)(WP_WEBHOOK_PER_HOST_TAKEN_MAX / WP_WEBHOOK_PER_HOST_MAX + 1) *
		   cfg->timeout_ms +
	       WP_WEBHOOK_CLAIM_MARGIN_MS;
}

/* A taken delivery's body and its owner's secret, opened; false when it cannot be sent. */
static bool load(struct wp_webhooks *w, struct flight *f, char *why, size_t cap)
{
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	struct wp_webhook d;
	const char *sealed = NULL;
	wp_status st = w->store->ops->webhook_get(w->store, NULL, f->id, &a, &d);
	bool ok = false;
	f->claim_until = 0;
	why[0] = '\0'; /* "": nothing to send (delivered or gone meanwhile) */
	if (st != WP_OK && st != WP_E_NOT_FOUND) {
		snprintf(why, cap, "the outbox cannot be read now");
	} else if (st == WP_OK && d.state == WP_WEBHOOK_PENDING &&
		   w->store->ops->webhook_claim != NULL &&
		   w->store->ops->webhook_claim(w->store, f->id, d.next_ms,
						f->claim_until = wp_clock_now_ms(w->clock) +
								 claim_ms(&w->cfg)) != WP_OK) {
		/* another process took it (or the store fails: it is looked at again later) */
	} else if (st == WP_OK && d.state == WP_WEBHOOK_PENDING) {
		f->body = wp_open(w->data_key, BODY_AAD, d.body, &f->body_len);
		ok = f->body != NULL;
		if (!ok)
			snprintf(why, cap, "its body does not open under this data key");
	}
	char aad[48];
	secret_aad(f->surface, aad, sizeof(aad));
	if (ok && w->store->ops->webhook_secret_get(w->store, NULL, f->surface, f->owner, &a,
						    &sealed) == WP_OK) {
		size_t n = 0;
		char *plain = wp_open(w->data_key, aad, sealed, &n);
		if (plain != NULL && n < sizeof(f->secret)) {
			memcpy(f->secret, plain, n);
			f->secret[n] = '\0';
			f->secret_len = n;
		} else {
			log_webhook(
			    "a webhook secret does not open under this data key; the delivery "
			    "goes unsigned",
			    f->owner);
		}
		if (plain != NULL) {
			OPENSSL_cleanse(plain, n);
			free(plain);
		}
	}
	wp_arena_free(&a);
	return ok;
}

/* Takes due deliveries into free flights; when to look again (wonpay's clock). */
static int64_t fetch(struct wp_webhooks *w, struct fetch *ft)
{
	int64_t now = wp_clock_now_ms(w->clock);
	size_t n_busy = 0;
	ft->host_count = 0;
	ft->taken = ft->seen = ft->next_free = 0;
	memset(ft->ids, 0, (ft->ids_mask + 1) * sizeof(ft->ids[0]));
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->flight_count; i++) {
		const struct flight *f = &w->flights[i];
		ft->busy[i] = f->state != FL_FREE;
		if (!ft->busy[i])
			continue;
		n_busy++;
		ids_add(ft, i);
		if (f->state != FL_RECORDING) {
			size_t slot = host_slot(ft, f->hostkey);
			if (slot != SIZE_MAX)
				ft->host_load[slot]++;
		}
	}
	pthread_mutex_unlock(&w->lock);
	ft->want = w->flight_count - n_busy;
	if (ft->want == 0)
		return now + WP_WEBHOOK_IDLE_POLL_MS;
	/*
	 * The due rows in (next_ms, seq) order, one page; when free flights are
	 * left after a full page (the hosts in it have their share: a slow one
	 * with a backlog), page on past them so the hosts behind are not
	 * starved — at most every WP_WEBHOOK_DEEP_SCAN_EVERY_MS, since a backlog
	 * of one host would otherwise be read through on every look.
	 */
	size_t page = n_busy + ft->want;
	bool full_page = false, deep = false;
	ft->after_ms = INT64_MIN;
	ft->after_seq = 0;
	for (;;) {
		size_t before = ft->seen;
		if (w->store->ops->webhook_due(w->store, now, ft->after_ms, ft->after_seq, page,
					       take, ft) != WP_OK)
			return now + WP_WEBHOOK_IDLE_POLL_MS; /* the store is failing: later */
		full_page = ft->seen - before == page;
		if (!full_page || ft->taken >= ft->want || ft->seen >= WP_WEBHOOK_SCAN_MAX)
			break;
		if (!deep) {
			uint64_t mono = wp_mono_ns();
			if (mono < w->deep_scan_ns)
				break;
			w->deep_scan_ns = mono + (uint64_t)WP_WEBHOOK_DEEP_SCAN_EVERY_MS * 1000000u;
			deep = true;
		}
	}
	for (size_t i = 0; i < w->flight_count; i++) {
		struct flight *f = &w->flights[i];
		pthread_mutex_lock(&w->lock); /* record_done sets states under it */
		bool to_load = f->state == FL_READY && f->body == NULL;
		pthread_mutex_unlock(&w->lock);
		if (!to_load)
			continue;
		char why[160];
		if (load(w, f, why, sizeof(why)))
			continue;
		if (why[0] == '\0')
			set_state(w, f, FL_FREE);
		else
			fail_now(w, f, WP_METRICS_WEBHOOK_ERROR, why);
	}
	if (ft->taken > 0 && full_page)
		return now; /* more may be due */
	int64_t next = 0;
	if (ft->taken > 0 || w->store->ops->webhook_next_due(w->store, &next) != WP_OK ||
	    next <= now)
		return now +
		       WP_WEBHOOK_IDLE_POLL_MS; /* the due ones are busy: their records wake us */
	return next < now + WP_WEBHOOK_IDLE_POLL_MS ? next : now + WP_WEBHOOK_IDLE_POLL_MS;
}

/* One host's attempts on the wire, for start_ready. */
struct host_count {
	const char *hostkey;
	size_t n;
};

static size_t *host_count_of(struct host_count *t, size_t *used, size_t cap, const char *hostkey)
{
	for (size_t i = 0; i < *used; i++)
		if (strcmp(t[i].hostkey, hostkey) == 0)
			return &t[i].n;
	if (*used == cap)
		return NULL;
	t[*used] = (struct host_count){hostkey, 0};
	return &t[(*used)++].n;
}

/*
 * Starts what waits, within the bounds: in all, and per host. hosts and
 * todo have room for every flight (the sender's scratch).
 */
static void start_ready(struct wp_webhooks *w, struct host_count *hosts, size_t *todo)
{
	size_t wire = 0, used = 0, n = 0;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->flight_count; i++) {
		const struct flight *f = &w->flights[i];
		if (on_wire(f->state)) {
			wire++;
			size_t *c = host_count_of(hosts, &used, w->flight_count, f->hostkey);
			if (c != NULL)
				(*c)++;
		}
		if (f->state == FL_RESOLVED || f->state == FL_READY)
			todo[n++] = i; /* only the sender moves a flight out of these */
	}
	pthread_mutex_unlock(&w->lock);
	for (size_t k = 0; k < n; k++) {
		struct flight *f = &w->flights[todo[k]];
		if (f->state == FL_RESOLVED) { /* it counted as on the wire */
			bool started = f->res.ok && start(w, f);
			if (!f->res.ok)
				fail_now(w, f,
					 f->res.refused ? WP_METRICS_WEBHOOK_REFUSED
							: WP_METRICS_WEBHOOK_CONNECT,
					 f->res.why);
			if (!started) {
				wire--;
				size_t *c =
				    host_count_of(hosts, &used, w->flight_count, f->hostkey);
				if (c != NULL && *c > 0)
					(*c)--;
			}
			continue;
		}
		size_t *c = host_count_of(hosts, &used, w->flight_count, f->hostkey);
		if (wire >= w->cfg.concurrency || c == NULL || *c >= WP_WEBHOOK_PER_HOST_MAX)
			continue;
		bool on = false;
		if (f->target.host[0] == '\0') {
			fail_now(w, f, WP_METRICS_WEBHOOK_ERROR, "its url is not an http(s) URL");
		} else if (f->target.literal) {
			enum wp_addr_class cl = literal_class(&f->target);
			if (!wp_addr_allowed(cl, w->cfg.allow_loopback, w->cfg.allow_private)) {
				char why[160];
				snprintf(why, sizeof(why), "refused: %.64s is %s", f->target.host,
					 wp_addr_class_name(cl));
				fail_now(w, f, WP_METRICS_WEBHOOK_REFUSED, why);
			} else {
				on = start(w, f);
			}
		} else {
			set_state(w, f, FL_RESOLVING);
			on = resolve_later(w, f->target.host, f->target.port, flight_resolved, f) ==
			     WP_OK;
			if (!on)
				fail_now(w, f, WP_METRICS_WEBHOOK_CONNECT,
					 "its host cannot be resolved now (too many look-ups)");
		}
		if (on) {
			wire++;
			(*c)++;
		}
	}
}

static void *sender_main(void *arg)
{
	struct wp_webhooks *w = arg;
	size_t slots = 1;
	while (slots < 2 * w->flight_count)
		slots *= 2;
	struct fetch ft = {
	    .w = w,
	    .busy = calloc(w->flight_count, sizeof(bool)),
	    .ids = calloc(slots, sizeof(int32_t)),
	    .ids_mask = slots - 1,
	    .hosts = calloc(w->flight_count, sizeof(ft.hosts[0])),
	    .host_load = calloc(w->flight_count, sizeof(size_t)),
	};
	struct host_count *hosts = calloc(w->flight_count, sizeof(*hosts));
	size_t *todo = calloc(w->flight_count, sizeof(size_t));
	bool can_fetch = ft.busy && ft.ids && ft.hosts && ft.host_load && hosts && todo;
	if (!can_fetch)
		log_webhook("out of memory", "the sender cannot take deliveries");
	int64_t next_fetch_ms = 0; /* at once: resume what a restart left pending */
	uint64_t last_fetch_ns = 0, stop_by_ns = 0;
	const uint64_t every_ns = (uint64_t)WP_WEBHOOK_FETCH_EVERY_MS * 1000000u;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		bool stopping = w->stopping, refetch = w->refetch;
		uint64_t pause_until = w->pause_until_ns;
		size_t sending = count_state(w, FL_SENDING);
		size_t wire = sending + count_state(w, FL_RESOLVING) + count_state(w, FL_RESOLVED);
		bool free_flight = count_state(w, FL_FREE) > 0;
		pthread_mutex_unlock(&w->lock);
		wp_metrics_webhook_in_flight(w->metrics, (unsigned)wire);
		uint64_t now_ns = wp_mono_ns();
		bool wanted = can_fetch && !stopping && free_flight && now_ns >= pause_until &&
			      (refetch || wp_clock_now_ms(w->clock) >= next_fetch_ms);
		if (stopping) {
			if (stop_by_ns == 0)
				stop_by_ns = now_ns + (uint64_t)WP_WEBHOOK_STOP_GRACE_MS * 1000000u;
			if (sending == 0 || now_ns >= stop_by_ns)
				break;
		} else if (wanted && now_ns - last_fetch_ns >= every_ns) {
			pthread_mutex_lock(&w->lock);
			w->refetch = false;
			pthread_mutex_unlock(&w->lock);
			next_fetch_ms = fetch(w, &ft);
			last_fetch_ns = now_ns;
			wanted = false;
		}
		if (!stopping && can_fetch)
			start_ready(w, hosts, todo);
		int running = 0;
		curl_multi_perform(w->multi, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(w->multi, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE)
				finished(w, msg->easy_handle, msg->data.result);
		/* Sleep until libcurl, a due delivery, a kick or a finished record wants us. */
		now_ns = wp_mono_ns();
		pthread_mutex_lock(&w->lock);
		refetch = w->refetch;
		free_flight = count_state(w, FL_FREE) > 0;
		pthread_mutex_unlock(&w->lock);
		uint64_t wait_ns = (uint64_t)WP_WEBHOOK_IDLE_POLL_MS * 1000000u;
		if (stopping) {
			wait_ns = 50000000u;
		} else if (can_fetch && free_flight && (wanted || refetch)) {
			/* a fetch waits for its turn */
			uint64_t turn = last_fetch_ns + every_ns;
			uint64_t at = turn > pause_until ? turn : pause_until;
			wait_ns = at > now_ns ? at - now_ns : 0;
		} else if (free_flight && can_fetch) {
			int64_t until = next_fetch_ms - wp_clock_now_ms(w->clock);
			if (until < WP_WEBHOOK_IDLE_POLL_MS)
				wait_ns = until > 0 ? (uint64_t)until * 1000000u : 0;
		}
		long curl_ms = -1;
		if (curl_multi_timeout(w->multi, &curl_ms) == CURLM_OK && curl_ms >= 0 &&
		    (uint64_t)curl_ms * 1000000u < wait_ns)
			wait_ns = (uint64_t)curl_ms * 1000000u;
		int wait_ms = (int)((wait_ns + 999999u) / 1000000u);
		if (wait_ms > 0)
			curl_multi_poll(w->multi, NULL, 0, wait_ms, NULL);
	}
	/* Stopping: what is still on the wire is dropped, not recorded: made again after a start. */
	for (size_t i = 0; i < w->flight_count; i++) {
		struct flight *f = &w->flights[i];
		if (f->state != FL_SENDING && f->state != FL_READY)
			continue;
		if (f->easy != NULL) {
			curl_multi_remove_handle(w->multi, f->easy);
			curl_easy_cleanup(f->easy);
			curl_slist_free_all(f->headers);
			curl_slist_free_all(f->resolve);
			f->easy = NULL;
			f->headers = f->resolve = NULL;
		}
		flight_clear(f);
		set_state(w, f, FL_FREE);
	}
	wp_metrics_webhook_in_flight(w->metrics, 0);
	free(ft.busy);
	free(ft.ids);
	free(ft.hosts);
	free(ft.host_load);
	free(hosts);
	free(todo);
	return NULL;
}

/* ---- life ---- */

wp_status wp_webhooks_start(struct wp_store *s, struct wp_commit *commit, const uint8_t *data_key,
			    const wp_clock *clock, struct wp_metrics *m,
			    const struct wp_webhook_config *cfg, struct wp_webhooks **out)
{
	assert(cfg->concurrency > 0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return WP_E_INTERNAL;
	struct wp_webhooks *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		curl_global_cleanup();
		return WP_E_NOMEM;
	}
	w->store = s;
	w->commit = commit;
	w->metrics = m;
	w->clock = clock;
	w->cfg = *cfg;
	memcpy(w->data_key, data_key, WP_DATA_KEY_BYTES);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->job, NULL);
	w->flight_count = (size_t)cfg->concurrency * WP_WEBHOOK_TAKEN_PER_SLOT;
	w->flights = calloc(w->flight_count, sizeof(*w->flights));
	w->multi = curl_multi_init();
	if (w->flights == NULL || w->multi == NULL) {
		wp_webhooks_free(w);
		return WP_E_NOMEM;
	}
	for (size_t i = 0; i < w->flight_count; i++)
		w->flights[i].w = w;
	for (size_t i = 0; i < WP_WEBHOOK_RESOLVERS; i++) {
		if (pthread_create(&w->resolvers[i], NULL, resolver_main, w) != 0)
			break;
		pthread_setname_np(w->resolvers[i], "wp-resolver");
		w->resolver_count++;
	}
	if (w->resolver_count == 0 || pthread_create(&w->sender, NULL, sender_main, w) != 0) {
		wp_webhooks_stop(w);
		wp_webhooks_free(w);
		return WP_E_NOMEM;
	}
	pthread_setname_np(w->sender, "wp-webhook");
	w->sender_started = true;
	*out = w;
	return WP_OK;
}

void wp_webhooks_kick(struct wp_webhooks *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->refetch = true;
	pthread_mutex_unlock(&w->lock);
	wake(w);
}

void wp_webhooks_stop(struct wp_webhooks *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	bool sender = w->sender_started && !w->stopping;
	w->stopping = true;
	pthread_mutex_unlock(&w->lock);
	if (sender) {
		wake(w);
		pthread_join(w->sender, NULL);
	}
	/* Then the resolvers: a look-up still waiting is answered "stopping". */
	pthread_mutex_lock(&w->lock);
	size_t resolvers = w->resolvers_stop ? 0 : w->resolver_count;
	w->resolvers_stop = true;
	pthread_cond_broadcast(&w->job);
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < resolvers; i++)
		pthread_join(w->resolvers[i], NULL);
}

void wp_webhooks_free(struct wp_webhooks *w)
{
	if (w == NULL)
		return;
	wp_webhooks_stop(w);
	for (size_t i = 0; w->flights != NULL && i < w->flight_count; i++)
		flight_clear(&w->flights[i]);
	free(w->flights);
	if (w->multi != NULL)
		curl_multi_cleanup(w->multi);
	pthread_cond_destroy(&w->job);
	pthread_mutex_destroy(&w->lock);
	OPENSSL_cleanse(w->data_key, sizeof(w->data_key));
	free(w);
	curl_global_cleanup();
}
