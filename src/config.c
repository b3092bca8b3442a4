/*
 * config.c — every setting, as one table: its flag, its WONPAY_* variable,
 * its type and bounds, where it lands in struct wp_config, and its help.
 * Parsing, the environment and --help all read the same rows.
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "store/store.h"
#include "util/file.h"
#include "util/text.h"

enum kind {
	K_FLAG,	  /* no value: sets a bool */
	K_TEXT,	  /* a string of at most size-1 bytes */
	K_URL,	  /* http(s)://host..., trailing slashes dropped */
	K_LISTEN, /* IPv4:PORT into listen_host and listen_port */
	K_TOKEN,  /* a secret of at least WP_ADMIN_TOKEN_MIN characters */
	K_UINT,	  /* a whole number in [min, max] into an unsigned of `size` bytes */
};

struct option {
	const char *flag, *env, *arg;
	enum kind kind;
	size_t off, size;
	int64_t min, max;
	const char *help;
};

#define CORS_BY_MODE "\x01" /* not a settable value: the mode decides */
#define FIELD(f) offsetof(struct wp_config, f), sizeof(((struct wp_config *)0)->f)

static const struct option options[] = {
    {"--listen", "WONPAY_LISTEN", "HOST:PORT", K_LISTEN, 0, 0, 0, 0,
     "IPv4 address and port to listen on (default 127.0.0.1:8080; port 0 picks a free one)"},
    {"--db", "WONPAY_DB", "PATH", K_TEXT, FIELD(db_path), 0, 0,
     "SQLite database file, or a PostgreSQL URL postgres://USER@HOST:PORT/DB?sslmode=... "
     "(default data/wonpay.db)"},
    {"--data-dir", "WONPAY_DATA_DIR", "DIR", K_TEXT, FIELD(data_dir), 0, 0,
     "where data.key and sandbox/ are kept (default: the SQLite file's directory; with "
     "PostgreSQL, data)"},
    {"--public-url", "WONPAY_PUBLIC_URL", "URL", K_URL, FIELD(public_url), 0, 0,
     "base URL of QR images (default http://LISTEN)"},
    {"--short-url", "WONPAY_SHORT_URL", "URL", K_URL, FIELD(short_url), 0, 0,
     "base URL of short links (default the public URL)"},
    {"--sandbox", "WONPAY_SANDBOX", NULL, K_FLAG, FIELD(sandbox), 0, 0,
     "sandbox mode: test partner, fixtures, control API (variable: 1 or true)"},
    {"--threads", "WONPAY_THREADS", "N", K_UINT, FIELD(threads), 1, 64,
     "HTTP worker threads (default: cores)"},
    {"--max-body", "WONPAY_MAX_BODY", "BYTES", K_UINT, FIELD(max_body_bytes), 1024,
     64 * 1024 * 1024, "request body limit (default 65536)"},
    {"--conn-limit", "WONPAY_CONN_LIMIT", "N", K_UINT, FIELD(conn_limit), 1, 1000000,
     "simultaneous connections (default 4096)"},
    {"--conn-per-ip", "WONPAY_CONN_PER_IP", "N", K_UINT, FIELD(conn_per_ip), 0, 1000000,
     "simultaneous connections from one address, 0 = no limit (default 64; sandbox 0)"},
    {"--conn-timeout", "WONPAY_CONN_TIMEOUT", "S", K_UINT, FIELD(conn_timeout_s), 1, 3600,
     "idle connection timeout (default 30)"},
    {"--header-timeout", "WONPAY_HEADER_TIMEOUT", "S", K_UINT, FIELD(header_timeout_s), 1, 3600,
     "the whole header block must arrive within S seconds (default 10)"},
    {"--min-body-rate", "WONPAY_MIN_BODY_RATE", "BYTES", K_UINT, FIELD(min_body_rate), 0, 1000000,
     "slowest body accepted, bytes/s after the first second, 0 = any (default 256)"},
    {"--rate-limit", "WONPAY_RATE_LIMIT", "N", K_UINT, FIELD(rate_per_s), 0, 1000000,
     "requests/s per credential, 0 = off (default 100)"},
    {"--rate-burst", "WONPAY_RATE_BURST", "N", K_UINT, FIELD(rate_burst), 1, 1000000,
     "burst size per credential (default 200)"},
    {"--auth-fail-rate", "WONPAY_AUTH_FAIL_RATE", "N", K_UINT, FIELD(auth_fail_per_s), 0, 1000000,
     "failed credentials/s accepted from one address before 429, 0 = off (default 10)"},
    {"--auth-fail-burst", "WONPAY_AUTH_FAIL_BURST", "N", K_UINT, FIELD(auth_fail_burst), 1, 1000000,
     "failed credentials in a burst from one address (default 100)"},
    {"--cors-origins", "WONPAY_CORS_ORIGINS", "LIST", K_TEXT, FIELD(cors_origins), 0, 0,
     "origins whose pages may call the APIs: * or https://a.example,https://b.example "
     "(default * in sandbox mode, none otherwise)"},
    {"--access-log", "WONPAY_ACCESS_LOG", "DEST", K_TEXT, FIELD(access_log), 0, 0,
     "'-' stdout, 'off', or a file (default -)"},
    {"--admin-token", "WONPAY_ADMIN_TOKEN", "T", K_TOKEN, FIELD(admin_token), 0, 0,
     "sandbox control API token (default sandbox-admin-token)"},
    {"--data-key-file", "WONPAY_DATA_KEY_FILE", "PATH", K_TEXT, FIELD(data_key_file), 0, 0,
     "32-byte key (64 hex) sealing personal data at rest (default: created beside the "
     "database)"},
    {"--ars-delay-ms", "WONPAY_ARS_DELAY_MS", "N", K_UINT, FIELD(ars_delay_ms), 0,
     WP_BANK_LATENCY_MAX_MS,
     "Kona sandbox: the member answers the ARS call after N ms, 0 = a test answers "
     "(default 2000)"},
    {"--commit-batch", "WONPAY_COMMIT_BATCH", "N", K_UINT, FIELD(commit_batch), 1, 100000,
     "commands per group commit (default 1000)"},
    {"--commit-wait-us", "WONPAY_COMMIT_WAIT_US", "N", K_UINT, FIELD(commit_wait_us), 0, 1000000,
     "linger to fill a batch, microseconds (default 0: batches form while the "
     "previous commit syncs)"},
    {"--webhook-max-attempts", "WONPAY_WEBHOOK_MAX_ATTEMPTS", "N", K_UINT,
     FIELD(webhook_max_attempts), 1, 100,
     "attempts to deliver a webhook before giving up (default 12)"},
    {"--webhook-max-age", "WONPAY_WEBHOOK_MAX_AGE", "S", K_UINT, FIELD(webhook_max_age_s), 1,
     30 * 86400, "seconds a webhook is retried before giving up (default 86400)"},
    {"--webhook-retry-base-ms", "WONPAY_WEBHOOK_RETRY_BASE_MS", "N", K_UINT,
     FIELD(webhook_retry_base_ms), 1, 3600000,
     "delay before the first retry, doubled for each next one (default 5000)"},
    {"--webhook-retry-max-ms", "WONPAY_WEBHOOK_RETRY_MAX_MS", "N", K_UINT,
     FIELD(webhook_retry_max_ms), 1, 86400000, "longest delay between retries (default 3600000)"},
    {"--oneq-expiry-s", "WONPAY_ONEQ_EXPIRY_S", "N", K_UINT, FIELD(oneq_expiry_s), 10, 86400,
     "OneQ Pay: seconds before an unapproved payment expires (default 900)"},
    {"--webhook-timeout-ms", "WONPAY_WEBHOOK_TIMEOUT_MS", "N", K_UINT, FIELD(webhook_timeout_ms),
     100, 300000, "one delivery attempt, connect to answer (default 10000)"},
    {"--webhook-connect-timeout-ms", "WONPAY_WEBHOOK_CONNECT_TIMEOUT_MS", "N", K_UINT,
     FIELD(webhook_connect_timeout_ms), 10, 60000, "one delivery attempt's connect (default 3000)"},
    {"--webhook-concurrency", "WONPAY_WEBHOOK_CONCURRENCY", "N", K_UINT, FIELD(webhook_concurrency),
     1, WP_WEBHOOK_CONCURRENCY_MAX,
     "webhook deliveries in flight at once (default 64; 16 to one host)"},
    {"--webhook-allow-private", "WONPAY_WEBHOOK_ALLOW_PRIVATE", NULL, K_FLAG,
     FIELD(webhook_allow_private), 0, 0,
     "send webhooks to loopback, private (RFC 1918, CGNAT), link-local and unique-local "
     "addresses too (default: refused; sandbox mode allows loopback)"},
};

#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

static bool listed(const char *flag, const char *const *only)
{
	for (size_t i = 0; only != NULL && only[i] != NULL; i++)
		if (strcmp(flag, only[i]) == 0)
			return true;
	return only == NULL;
}

size_t wp_config_usage(const char *const *only, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const struct option *o = &options[i];
		if (!listed(o->flag, only))
			continue;
		char head[48];
		snprintf(head, sizeof(head), "%s%s%s", o->flag, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		int n =
		    snprintf(out + used, cap - used, "  %-30s %s (%s)\n", head, o->help, o->env);
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
	}
	return used;
}

static bool copy_str(char *dst, size_t cap, const char *v, const char *name, char *err,
		     size_t err_cap)
{
	size_t n = strlen(v);
	if (n >= cap) {
		snprintf(err, err_cap, "%s is longer than %zu bytes", name, cap - 1);
		return false;
	}
	memcpy(dst, v, n + 1);
	return true;
}

static bool parse_url(char *dst, size_t cap, const char *v, const char *name, char *err,
		      size_t err_cap)
{
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		snprintf(err, err_cap, "%s must start with http:// or https://", name);
		return false;
	}
	char url[WP_URL_MAX];
	if (!copy_str(url, cap < sizeof(url) ? cap : sizeof(url), v, name, err, err_cap))
		return false;
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0'; /* bases are joined with "/path" */
	const char *host = strstr(url, "://");
	if (host == NULL || host[3] == '\0' || host[3] == '/') {
		snprintf(err, err_cap, "%s must name a host, as in https://pay.example.com", name);
		return false;
	}
	memcpy(dst, url, n + 1);
	return true;
}

static bool parse_listen(struct wp_config *c, const char *v, char *err, size_t err_cap)
{
	const char *colon = strrchr(v, ':');
	int64_t port;
	if (colon == NULL || colon == v || (size_t)(colon - v) >= sizeof(c->listen_host) ||
	    !wp_parse_i64(colon + 1, strlen(colon + 1), 0, 65535, &port)) {
		snprintf(err, err_cap, "--listen wants HOST:PORT, got '%s'", v);
		return false;
	}
	char host[sizeof(c->listen_host)];
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = '\0';
	struct in_addr addr;
	if (inet_pton(AF_INET, host, &addr) != 1) {
		snprintf(err, err_cap,
			 "--listen wants an IPv4 address as HOST (127.0.0.1), got '%s'", host);
		return false;
	}
	memcpy(c->listen_host, host, sizeof(host));
	c->listen_port = (uint16_t)port;
	return true;
}

static bool apply(struct wp_config *c, const struct option *o, const char *value, char *err,
		  size_t err_cap)
{
	char *field = (char *)c + o->off;
	int64_t n;
	if (o->kind == K_FLAG) {
		*(bool *)field = true;
		return true;
	}
	if (value == NULL) {
		snprintf(err, err_cap, "%s needs a value", o->flag);
		return false;
	}
	switch (o->kind) {
	case K_FLAG:
		return true;
	case K_TEXT:
		return copy_str(field, o->size, value, o->flag, err, err_cap);
	case K_URL:
		return parse_url(field, o->size, value, o->flag, err, err_cap);
	case K_LISTEN:
		return parse_listen(c, value, err, err_cap);
	case K_TOKEN:
		if (strlen(value) < WP_ADMIN_TOKEN_MIN) {
			snprintf(err, err_cap, "%s must be at least %d characters", o->flag,
				 WP_ADMIN_TOKEN_MIN);
			return false;
		}
		return copy_str(field, o->size, value, o->flag, err, err_cap);
	case K_UINT:
		if (!wp_parse_i64(value, strlen(value), o->min, o->max, &n)) {
			snprintf(err, err_cap, "%s wants a whole number from %lld to %lld", o->flag,
				 (long long)o->min, (long long)o->max);
			return false;
		}
		if (o->size == sizeof(uint32_t)) {
			uint32_t u = (uint32_t)n;
			memcpy(field, &u, sizeof(u));
		} else {
			uint64_t u = (uint64_t)n;
			memcpy(field, &u, sizeof(u));
		}
		return true;
	}
	return false;
}

int wp_config_option(struct wp_config *c, const char *name, const char *value, char *err,
		     size_t err_cap)
{
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const struct option *o = &options[i];
		if (strcmp(name, o->flag) != 0)
			continue;
		if (o->kind == K_FLAG)
			return apply(c, o, NULL, err, err_cap) ? 2 : -1;
		return apply(c, o, value, err, err_cap) ? 1 : -1;
	}
	return 0;
}

bool wp_config_defaults(struct wp_config *c, char *err, size_t err_cap)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
	c->listen_port = 8080;
	snprintf(c->db_path, sizeof(c->db_path), "data/wonpay.db");
	snprintf(c->access_log, sizeof(c->access_log), "-");
	snprintf(c->cors_origins, sizeof(c->cors_origins), CORS_BY_MODE);
	snprintf(c->admin_token, sizeof(c->admin_token), "sandbox-admin-token");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	c->threads = cores > 0 && cores <= 64 ? (unsigned)cores : 2;
	c->max_body_bytes = WP_BODY_MAX_BYTES_DEFAULT;
	c->conn_limit = WP_CONN_LIMIT_DEFAULT;
	c->conn_per_ip = WP_CONFIG_UNSET;
	c->conn_timeout_s = WP_CONN_TIMEOUT_S_DEFAULT;
	c->header_timeout_s = WP_HEADER_TIMEOUT_S_DEFAULT;
	c->min_body_rate = WP_MIN_BODY_RATE_DEFAULT;
	c->rate_per_s = WP_RATE_PER_S_DEFAULT;
	c->rate_burst = WP_RATE_BURST_DEFAULT;
	c->auth_fail_per_s = WP_AUTH_FAIL_PER_S_DEFAULT;
	c->auth_fail_burst = WP_AUTH_FAIL_BURST_DEFAULT;
	c->commit_batch = WP_COMMIT_BATCH_MAX_DEFAULT;
	c->commit_wait_us = WP_COMMIT_WAIT_US_DEFAULT;
	c->ars_delay_ms = WP_KONA_ARS_DELAY_MS_DEFAULT;
	c->webhook_max_attempts = WP_WEBHOOK_MAX_ATTEMPTS_DEFAULT;
	c->webhook_max_age_s = WP_WEBHOOK_MAX_AGE_S_DEFAULT;
	c->webhook_retry_base_ms = WP_WEBHOOK_RETRY_BASE_MS_DEFAULT;
	c->webhook_retry_max_ms = WP_WEBHOOK_RETRY_MAX_MS_DEFAULT;
	c->webhook_timeout_ms = WP_WEBHOOK_TIMEOUT_MS_DEFAULT;
	c->webhook_connect_timeout_ms = WP_WEBHOOK_CONNECT_TIMEOUT_MS_DEFAULT;
	c->webhook_concurrency = WP_WEBHOOK_CONCURRENCY_DEFAULT;
	c->oneq_expiry_s = WP_ONEQ_EXPIRY_S_DEFAULT;
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const struct option *o = &options[i];
		const char *v = getenv(o->env);
		if (v == NULL || v[0] == '\0')
			continue;
		char sub[200];
		if (o->kind == K_FLAG) {
			/* "1"/"true" on, "0"/"false" off; anything else is a mistake, never a guess. */
			if (strcmp(v, "1") == 0 || wp_ascii_ieq(v, "true"))
				apply(c, o, NULL, sub, sizeof(sub));
			else if (strcmp(v, "0") != 0 && !wp_ascii_ieq(v, "false")) {
				snprintf(err, err_cap, "%s: want 1 or true (0 or false for off)",
					 o->env);
				return false;
			}
		} else if (!apply(c, o, v, sub, sizeof(sub))) {
			snprintf(err, err_cap, "%s: %s", o->env, sub);
			return false;
		}
	}
	return true;
}

void wp_config_finish(struct wp_config *c, uint16_t bound_port)
{
	c->listen_port = bound_port;
	if (c->public_url[0] == '\0')
		snprintf(c->public_url, sizeof(c->public_url), "http://%s:%u", c->listen_host,
			 bound_port);
	if (c->short_url[0] == '\0')
		snprintf(c->short_url, sizeof(c->short_url), "%s", c->public_url);
}

void wp_config_data_dir(const struct wp_config *c, char *out, size_t cap)
{
	if (c->data_dir[0] != '\0')
		snprintf(out, cap, "%s", c->data_dir);
	else if (wp_store_is_url(c->db_path))
		snprintf(out, cap, "data");
	else
		wp_file_dir(c->db_path, out, cap);
}

void wp_config_resolve(struct wp_config *c)
{
	if (strcmp(c->cors_origins, CORS_BY_MODE) == 0)
		snprintf(c->cors_origins, sizeof(c->cors_origins), "%s", c->sandbox ? "*" : "");
	if (c->conn_per_ip == WP_CONFIG_UNSET)
		c->conn_per_ip = c->sandbox ? 0 : WP_CONN_PER_IP_DEFAULT;
}
