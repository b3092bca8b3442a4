#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "util/text.h"

const char wp_config_usage[] =
    "  --listen HOST:PORT   address to listen on (WONPAY_LISTEN, default 127.0.0.1:8080;\n"
    "                       port 0 picks a free port)\n"
    "  --db PATH            SQLite database file (WONPAY_DB, default data/wonpay.db)\n"
    "  --public-url URL     base URL of QR images (WONPAY_PUBLIC_URL, default http://LISTEN)\n"
    "  --short-url URL      base URL of short links (WONPAY_SHORT_URL, default public URL)\n"
    "  --sandbox            sandbox mode: test partner and fixtures (WONPAY_SANDBOX=1)\n"
    "  --threads N          HTTP worker threads (WONPAY_THREADS, default: cores)\n"
    "  --max-body BYTES     request body limit (WONPAY_MAX_BODY, default 65536)\n"
    "  --conn-limit N       simultaneous connections (WONPAY_CONN_LIMIT, default 4096)\n"
    "  --conn-timeout S     idle connection timeout (WONPAY_CONN_TIMEOUT, default 30)\n"
    "  --rate-limit N       requests/s per credential, 0 = off (WONPAY_RATE_LIMIT, default 100)\n"
    "  --rate-burst N       burst size per credential (WONPAY_RATE_BURST, default 200)\n"
    "  --access-log DEST    '-' stdout, 'off', or a file (WONPAY_ACCESS_LOG, default -)\n"
    "  --admin-token T      sandbox control API token (WONPAY_ADMIN_TOKEN,\n"
    "                       default sandbox-admin-token)\n"
    "  --data-key-file PATH 32-byte key (64 hex) sealing personal data at rest\n"
    "                       (WONPAY_DATA_KEY_FILE; default: created beside the database)\n"
    "  --ars-delay-ms N     Kona sandbox: the member answers the ARS call after N ms, 0 = a\n"
    "                       test answers (WONPAY_ARS_DELAY_MS, default 2000)\n"
    "  --commit-batch N     commands per group commit (WONPAY_COMMIT_BATCH, default 1000)\n"
    "  --commit-wait-us N   linger to fill a batch, microseconds (WONPAY_COMMIT_WAIT_US,\n"
    "                       default 0: batches form while the previous commit syncs)\n";

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

static bool parse_uint(const char *v, int64_t min, int64_t max, int64_t *out)
{
	return wp_parse_i64(v, strlen(v), min, max, out);
}

static bool parse_url(char *dst, const char *v, const char *name, char *err, size_t err_cap)
{
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		snprintf(err, err_cap, "%s must start with http:// or https://", name);
		return false;
	}
	if (!copy_str(dst, WP_URL_MAX, v, name, err, err_cap))
		return false;
	size_t n = strlen(dst);
	while (n > 0 && dst[n - 1] == '/')
		dst[--n] = '\0'; /* bases are joined with "/path" */
	const char *host = strstr(dst, "://");
	if (host == NULL || host[3] == '\0' || host[3] == '/') {
		snprintf(err, err_cap, "%s must name a host, as in https://pay.example.com", name);
		return false;
	}
	return true;
}

static bool parse_listen(struct wp_config *c, const char *v, char *err, size_t err_cap)
{
	const char *colon = strrchr(v, ':');
	int64_t port;
	if (colon == NULL || colon == v || (size_t)(colon - v) >= sizeof(c->listen_host) ||
	    !parse_uint(colon + 1, 0, 65535, &port)) {
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

int wp_config_option(struct wp_config *c, const char *name, const char *value, char *err,
		     size_t err_cap)
{
	int64_t n;
	if (strcmp(name, "--sandbox") == 0) {
		c->sandbox = true;
		return 2;
	}
	if (value == NULL) {
		if (strcmp(name, "--listen") == 0 || strcmp(name, "--db") == 0 ||
		    strcmp(name, "--public-url") == 0 || strcmp(name, "--short-url") == 0 ||
		    strcmp(name, "--threads") == 0 || strcmp(name, "--max-body") == 0 ||
		    strcmp(name, "--conn-limit") == 0 || strcmp(name, "--conn-timeout") == 0 ||
		    strcmp(name, "--rate-limit") == 0 || strcmp(name, "--rate-burst") == 0 ||
		    strcmp(name, "--access-log") == 0 || strcmp(name, "--commit-batch") == 0 ||
		    strcmp(name, "--admin-token") == 0 || strcmp(name, "--data-key-file") == 0 ||
		    strcmp(name, "--ars-delay-ms") == 0 || strcmp(name, "--commit-wait-us") == 0) {
			snprintf(err, err_cap, "%s needs a value", name);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "--listen") == 0)
		return parse_listen(c, value, err, err_cap) ? 1 : -1;
	if (strcmp(name, "--db") == 0)
		return copy_str(c->db_path, sizeof(c->db_path), value, name, err, err_cap) ? 1 : -1;
	if (strcmp(name, "--public-url") == 0)
		return parse_url(c->public_url, value, name, err, err_cap) ? 1 : -1;
	if (strcmp(name, "--short-url") == 0)
		return parse_url(c->short_url, value, name, err, err_cap) ? 1 : -1;
	if (strcmp(name, "--admin-token") == 0) {
		if (strlen(value) < 8) {
			snprintf(err, err_cap, "--admin-token must be at least 8 characters");
			return -1;
		}
		return copy_str(c->admin_token, sizeof(c->admin_token), value, name, err, err_cap)
			   ? 1
			   : -1;
	}
	if (strcmp(name, "--data-key-file") == 0)
		return copy_str(c->data_key_file, sizeof(c->data_key_file), value, name, err,
				err_cap)
			   ? 1
			   : -1;
	if (strcmp(name, "--access-log") == 0)
		return copy_str(c->access_log, sizeof(c->access_log), value, name, err, err_cap)
			   ? 1
			   : -1;
	struct {
		const char *name;
		int64_t min, max;
	} nums[] = {
	    {"--threads", 1, 64},
	    {"--max-body", 1024, 64 * 1024 * 1024},
	    {"--conn-limit", 1, 1000000},
	    {"--conn-timeout", 1, 3600},
	    {"--rate-limit", 0, 1000000},
	    {"--rate-burst", 1, 1000000},
	    {"--commit-batch", 1, 100000},
	    {"--commit-wait-us", 0, 1000000},
	    {"--ars-delay-ms", 0, WP_BANK_LATENCY_MAX_MS},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(name, nums[i].name) != 0)
			continue;
		if (!parse_uint(value, nums[i].min, nums[i].max, &n)) {
			snprintf(err, err_cap, "%s wants a whole number from %lld to %lld", name,
				 (long long)nums[i].min, (long long)nums[i].max);
			return -1;
		}
		switch (i) {
		case 0:
			c->threads = (unsigned)n;
			break;
		case 1:
			c->max_body_bytes = (size_t)n;
			break;
		case 2:
			c->conn_limit = (unsigned)n;
			break;
		case 3:
			c->conn_timeout_s = (unsigned)n;
			break;
		case 4:
			c->rate_per_s = (uint32_t)n;
			break;
		case 5:
			c->rate_burst = (uint32_t)n;
			break;
		case 6:
			c->commit_batch = (unsigned)n;
			break;
		case 7:
			c->commit_wait_us = (unsigned)n;
			break;
		default:
			c->ars_delay_ms = (unsigned)n;
			break;
		}
		return 1;
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
	snprintf(c->admin_token, sizeof(c->admin_token), "sandbox-admin-token");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	c->threads = cores > 0 && cores <= 64 ? (unsigned)cores : 2;
	c->max_body_bytes = WP_BODY_MAX_BYTES_DEFAULT;
	c->conn_limit = WP_CONN_LIMIT_DEFAULT;
	c->conn_timeout_s = WP_CONN_TIMEOUT_S_DEFAULT;
	c->rate_per_s = WP_RATE_PER_S_DEFAULT;
	c->rate_burst = WP_RATE_BURST_DEFAULT;
	c->commit_batch = WP_COMMIT_BATCH_MAX_DEFAULT;
	c->commit_wait_us = WP_COMMIT_WAIT_US_DEFAULT;
	c->ars_delay_ms = WP_KONA_ARS_DELAY_MS_DEFAULT;
	static const char *const env[][2] = {
	    {"WONPAY_LISTEN", "--listen"},
	    {"WONPAY_DB", "--db"},
	    {"WONPAY_PUBLIC_URL", "--public-url"},
	    {"WONPAY_SHORT_URL", "--short-url"},
	    {"WONPAY_THREADS", "--threads"},
	    {"WONPAY_MAX_BODY", "--max-body"},
	    {"WONPAY_CONN_LIMIT", "--conn-limit"},
	    {"WONPAY_CONN_TIMEOUT", "--conn-timeout"},
	    {"WONPAY_RATE_LIMIT", "--rate-limit"},
	    {"WONPAY_RATE_BURST", "--rate-burst"},
	    {"WONPAY_ACCESS_LOG", "--access-log"},
	    {"WONPAY_COMMIT_BATCH", "--commit-batch"},
	    {"WONPAY_COMMIT_WAIT_US", "--commit-wait-us"},
	    {"WONPAY_ADMIN_TOKEN", "--admin-token"},
	    {"WONPAY_DATA_KEY_FILE", "--data-key-file"},
	    {"WONPAY_ARS_DELAY_MS", "--ars-delay-ms"},
	};
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		const char *v = getenv(env[i][0]);
		if (v == NULL || v[0] == '\0')
			continue;
		char sub[200];
		if (wp_config_option(c, env[i][1], v, sub, sizeof(sub)) < 0) {
			snprintf(err, err_cap, "%s: %s", env[i][0], sub);
			return false;
		}
	}
	/* "1"/"true" on, "0"/"false" off; anything else is a mistake, never a silent guess. */
	const char *sb = getenv("WONPAY_SANDBOX");
	if (sb != NULL && sb[0] != '\0') {
		if (strcmp(sb, "1") == 0 || wp_ascii_ieq(sb, "true")) {
			c->sandbox = true;
		} else if (strcmp(sb, "0") != 0 && !wp_ascii_ieq(sb, "false")) {
			snprintf(err, err_cap,
				 "WONPAY_SANDBOX: want 1 or true (0 or false for off)");
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
