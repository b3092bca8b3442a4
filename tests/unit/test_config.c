/* Unit tests: flags, WONPAY_* variables and defaults (src/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "config.h"

/*
 * Every variable config.c reads: saved and cleared around each test,
 * so the caller's do not leak in.
 */
static const char *const env_names[] = {
    "WONPAY_LISTEN",	     "WONPAY_DB",
    "WONPAY_PUBLIC_URL",     "WONPAY_SHORT_URL",
    "WONPAY_THREADS",	     "WONPAY_MAX_BODY",
    "WONPAY_CONN_LIMIT",     "WONPAY_CONN_TIMEOUT",
    "WONPAY_RATE_LIMIT",     "WONPAY_RATE_BURST",
    "WONPAY_ACCESS_LOG",     "WONPAY_COMMIT_BATCH",
    "WONPAY_COMMIT_WAIT_US", "WONPAY_ADMIN_TOKEN",
    "WONPAY_DATA_KEY_FILE",  "WONPAY_ARS_DELAY_MS",
    "WONPAY_SANDBOX",	     "WONPAY_CONN_PER_IP",
    "WONPAY_HEADER_TIMEOUT", "WONPAY_MIN_BODY_RATE",
    "WONPAY_AUTH_FAIL_RATE", "WONPAY_AUTH_FAIL_BURST",
};
#define ENV_COUNT (sizeof(env_names) / sizeof(env_names[0]))
static char *saved_env[ENV_COUNT];

static int save_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < ENV_COUNT; i++) {
		const char *v = getenv(env_names[i]);
		saved_env[i] = v ? strdup(v) : NULL;
		unsetenv(env_names[i]);
	}
	return 0;
}

static int restore_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < ENV_COUNT; i++) {
		if (saved_env[i] != NULL)
			setenv(env_names[i], saved_env[i], 1);
		else
			unsetenv(env_names[i]);
		free(saved_env[i]);
		saved_env[i] = NULL;
	}
	return 0;
}

static void defaults(struct wp_config *c)
{
	char err[256] = "";
	assert_true(wp_config_defaults(c, err, sizeof(err)));
}

/* A string of n copies of ch (static storage, one at a time). */
static const char *repeat(char ch, size_t n)
{
	static char buf[4096];
	assert_true(n < sizeof(buf));
	memset(buf, ch, n);
	buf[n] = '\0';
	return buf;
}

static void test_defaults(void **state)
{
	(void)state;
	struct wp_config c;
	memset(&c, 0xAB, sizeof(c)); /* defaults must set everything, not rely on zeroed memory */
	defaults(&c);
	assert_string_equal(c.listen_host, "127.0.0.1");
	assert_int_equal(c.listen_port, 8080);
	assert_string_equal(c.db_path, "data/wonpay.db");
	assert_string_equal(c.public_url, "");
	assert_string_equal(c.short_url, "");
	assert_string_equal(c.access_log, "-");
	assert_false(c.sandbox);
	assert_true(c.threads >= 1 && c.threads <= 64);
	assert_int_equal(c.max_body_bytes, WP_BODY_MAX_BYTES_DEFAULT);
	assert_int_equal(c.conn_limit, WP_CONN_LIMIT_DEFAULT);
	assert_int_equal(c.conn_timeout_s, WP_CONN_TIMEOUT_S_DEFAULT);
	assert_int_equal(c.rate_per_s, WP_RATE_PER_S_DEFAULT);
	assert_int_equal(c.rate_burst, WP_RATE_BURST_DEFAULT);
	assert_string_equal(c.admin_token, "sandbox-admin-token");
	assert_string_equal(c.data_key_file, "");
	assert_int_equal(c.ars_delay_ms, WP_KONA_ARS_DELAY_MS_DEFAULT);
	assert_int_equal(c.commit_batch, WP_COMMIT_BATCH_MAX_DEFAULT);
	assert_int_equal(c.commit_wait_us, WP_COMMIT_WAIT_US_DEFAULT);
	/* The usage text names every option. */
	static const char *const opts[] = {
	    "--listen",		"--db",
	    "--public-url",	"--short-url",
	    "--sandbox",	"--threads",
	    "--max-body",	"--conn-limit",
	    "--conn-timeout",	"--rate-limit",
	    "--rate-burst",	"--access-log",
	    "--admin-token",	"--data-key-file",
	    "--ars-delay-ms",	"--commit-batch",
	    "--commit-wait-us", "--conn-per-ip",
	    "--header-timeout", "--min-body-rate",
	    "--auth-fail-rate", "--auth-fail-burst",
	};
	char usage[8192];
	wp_config_usage(NULL, usage, sizeof(usage));
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		assert_non_null(strstr(usage, opts[i]));
		/* ... with its variable */
		char var[64] = "WONPAY_";
		for (size_t k = 2, j = 7; opts[i][k] != '\0' && j < sizeof(var) - 1; k++, j++)
			var[j] = opts[i][k] == '-' ? '_' : (char)(opts[i][k] - 'a' + 'A');
		if (strcmp(opts[i], "--rate-limit") != 0 && strcmp(opts[i], "--max-body") != 0 &&
		    strcmp(opts[i], "--auth-fail-rate") != 0 &&
		    strcmp(opts[i], "--conn-timeout") != 0)
			assert_non_null(strstr(usage, var));
	}
}

static void test_flag_and_unknown(void **state)
{
	(void)state;
	struct wp_config c;
	char err[256] = "";
	defaults(&c);
	/* --sandbox takes no value: 2, and a following word is not eaten. */
	assert_int_equal(wp_config_option(&c, "--sandbox", NULL, err, sizeof(err)), 2);
	assert_true(c.sandbox);
	defaults(&c);
	assert_int_equal(wp_config_option(&c, "--sandbox", "--db", err, sizeof(err)), 2);
	assert_true(c.sandbox);
	assert_string_equal(c.db_path, "data/wonpay.db");
	/* Not config options: 0, with or without a value, and nothing changes. */
	struct wp_config before = c;
	assert_int_equal(wp_config_option(&c, "--nope", NULL, err, sizeof(err)), 0);
	assert_int_equal(wp_config_option(&c, "--nope", "1", err, sizeof(err)), 0);
	assert_int_equal(wp_config_option(&c, "listen", "1.2.3.4:5", err, sizeof(err)), 0);
	assert_int_equal(wp_config_option(&c, "--LISTEN", "1.2.3.4:5", err, sizeof(err)), 0);
	assert_int_equal(wp_config_option(&c, "--threads=4", NULL, err, sizeof(err)), 0);
	assert_int_equal(wp_config_option(&c, "", NULL, err, sizeof(err)), 0);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_missing_values(void **state)
{
	(void)state;
	static const char *const valued[] = {
	    "--listen",	       "--db",		 "--public-url",   "--short-url",
	    "--threads",       "--max-body",	 "--conn-limit",   "--conn-timeout",
	    "--rate-limit",    "--rate-burst",	 "--access-log",   "--admin-token",
	    "--data-key-file", "--ars-delay-ms", "--commit-batch", "--commit-wait-us",
	};
	for (size_t i = 0; i < sizeof(valued) / sizeof(valued[0]); i++) {
		struct wp_config c;
		defaults(&c);
		struct wp_config before = c;
		char err[256] = "";
		assert_int_equal(wp_config_option(&c, valued[i], NULL, err, sizeof(err)), -1);
		assert_non_null(strstr(err, valued[i]));
		assert_non_null(strstr(err, "needs a value"));
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

struct num {
	const char *name;
	int64_t min, max;
	size_t offset; /* of the field in struct wp_config */
	size_t size;
};

#define FIELD(f) offsetof(struct wp_config, f), sizeof(((struct wp_config *)0)->f)

static uint64_t field(const struct wp_config *c, const struct num *n)
{
	const char *p = (const char *)c + n->offset;
	if (n->size == sizeof(uint64_t)) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void test_numbers_and_ranges(void **state)
{
	(void)state;
	static const struct num nums[] = {
	    {"--threads", 1, 64, FIELD(threads)},
	    {"--max-body", 1024, 64 * 1024 * 1024, FIELD(max_body_bytes)},
	    {"--conn-limit", 1, 1000000, FIELD(conn_limit)},
	    {"--conn-timeout", 1, 3600, FIELD(conn_timeout_s)},
	    {"--rate-limit", 0, 1000000, FIELD(rate_per_s)},
	    {"--rate-burst", 1, 1000000, FIELD(rate_burst)},
	    {"--commit-batch", 1, 100000, FIELD(commit_batch)},
	    {"--commit-wait-us", 0, 1000000, FIELD(commit_wait_us)},
	    {"--ars-delay-ms", 0, 600000, FIELD(ars_delay_ms)},
	};
	static const char *const junk[] = {
	    "",
	    "-1",
	    "+5",
	    " 5",
	    "5 ",
	    "0x10",
	    "1e3",
	    "5.0",
	    "five",
	    "1,000",
	    "99999999999999999999",
	    "18446744073709551617",
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		const struct num *n = &nums[i];
		struct wp_config c;
		char err[256], v[32];
		defaults(&c);
		snprintf(v, sizeof(v), "%lld", (long long)n->min);
		assert_int_equal(wp_config_option(&c, n->name, v, err, sizeof(err)), 1);
		assert_int_equal(field(&c, n), (uint64_t)n->min);
		snprintf(v, sizeof(v), "%lld", (long long)n->max);
		assert_int_equal(wp_config_option(&c, n->name, v, err, sizeof(err)), 1);
		assert_int_equal(field(&c, n), (uint64_t)n->max);
		/* Leading zeros are still a whole number. */
		snprintf(v, sizeof(v), "00%lld", (long long)n->max);
		assert_int_equal(wp_config_option(&c, n->name, v, err, sizeof(err)), 1);
		assert_int_equal(field(&c, n), (uint64_t)n->max);

		/* Out of range or not a number: -1, a message with the range, value kept. */
		const char *bad[2 + sizeof(junk) / sizeof(junk[0])];
		char below[32], above[32];
		snprintf(below, sizeof(below), "%lld", (long long)n->min - 1);
		snprintf(above, sizeof(above), "%lld", (long long)n->max + 1);
		size_t nbad = 0;
		if (n->min > 0)
			bad[nbad++] = below;
		bad[nbad++] = above;
		for (size_t j = 0; j < sizeof(junk) / sizeof(junk[0]); j++)
			bad[nbad++] = junk[j];
		char range[64];
		snprintf(range, sizeof(range), "from %lld to %lld", (long long)n->min,
			 (long long)n->max);
		for (size_t j = 0; j < nbad; j++) {
			err[0] = '\0';
			assert_int_equal(wp_config_option(&c, n->name, bad[j], err, sizeof(err)),
					 -1);
			assert_non_null(strstr(err, n->name));
			assert_non_null(strstr(err, range));
			assert_int_equal(field(&c, n), (uint64_t)n->max);
		}
	}
}

static void test_listen(void **state)
{
	(void)state;
	struct wp_config c;
	char err[256];
	defaults(&c);
	assert_int_equal(wp_config_option(&c, "--listen", "0.0.0.0:9000", err, sizeof(err)), 1);
	assert_string_equal(c.listen_host, "0.0.0.0");
	assert_int_equal(c.listen_port, 9000);
	/* Port 0 picks a free port; 65535 is the top. */
	assert_int_equal(wp_config_option(&c, "--listen", "127.0.0.1:0", err, sizeof(err)), 1);
	assert_string_equal(c.listen_host, "127.0.0.1");
	assert_int_equal(c.listen_port, 0);
	assert_int_equal(wp_config_option(&c, "--listen", "10.1.2.3:65535", err, sizeof(err)), 1);
	assert_string_equal(c.listen_host, "10.1.2.3");
	assert_int_equal(c.listen_port, 65535);

	assert_int_equal(wp_config_option(&c, "--listen", "127.0.0.1:8080", err, sizeof(err)), 1);
	static const char *const bad[] = {
	    "8080",
	    ":8080",
	    "10.0.0.1:",
	    "10.0.0.1:65536",
	    "10.0.0.1:-1",
	    "10.0.0.1:80x",
	    "10.0.0.1: 80",
	    "10.0.0.1:99999999999999999999",
	    "10.0.0.1:+80",
	    "",
	    ":",
	    "localhost:80", /* the listener takes IPv4 addresses only */
	    "[::1]:8081",
	    "1.2.3:80",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(wp_config_option(&c, "--listen", bad[i], err, sizeof(err)), -1);
		assert_non_null(strstr(err, "--listen wants"));
		/* Refused values change nothing. */
		assert_string_equal(c.listen_host, "127.0.0.1");
		assert_int_equal(c.listen_port, 8080);
	}
	/* A host longer than its buffer is refused, not cut. */
	char v[128];
	snprintf(v, sizeof(v), "%s:1", repeat('h', sizeof(c.listen_host)));
	assert_int_equal(wp_config_option(&c, "--listen", v, err, sizeof(err)), -1);
	assert_string_equal(c.listen_host, "127.0.0.1");
	assert_int_equal(c.listen_port, 8080);
}

static void test_urls(void **state)
{
	(void)state;
	static const char *const names[] = {"--public-url", "--short-url"};
	for (size_t i = 0; i < 2; i++) {
		struct wp_config c;
		char err[256];
		defaults(&c);
		char *dst = i == 0 ? c.public_url : c.short_url;
		const char *other = i == 0 ? c.short_url : c.public_url;
		const char *n = names[i];
		assert_int_equal(
		    wp_config_option(&c, n, "https://pay.example.com", err, sizeof(err)), 1);
		assert_string_equal(dst, "https://pay.example.com");
		assert_string_equal(other, "");
		/* Bases are joined with "/path": trailing slashes go, inner ones stay. */
		assert_int_equal(wp_config_option(&c, n, "http://x.test/", err, sizeof(err)), 1);
		assert_string_equal(dst, "http://x.test");
		assert_int_equal(
		    wp_config_option(&c, n, "https://x.test/base///", err, sizeof(err)), 1);
		assert_string_equal(dst, "https://x.test/base");
		assert_int_equal(
		    wp_config_option(&c, n, "http://127.0.0.1:8080/a/b", err, sizeof(err)), 1);
		assert_string_equal(dst, "http://127.0.0.1:8080/a/b");

		static const char *const bad[] = {
		    "ftp://x.test", "x.test", "//x.test",  "http:/x.test",
		    "https:x.test", "",	      " http://x",
		};
		for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			err[0] = '\0';
			assert_int_equal(wp_config_option(&c, n, bad[j], err, sizeof(err)), -1);
			assert_non_null(strstr(err, n));
			assert_non_null(strstr(err, "http:// or https://"));
			assert_string_equal(dst, "http://127.0.0.1:8080/a/b");
		}
		/* A scheme alone names no host. */
		static const char *const hostless[] = {"http://", "https:///", "http:////a"};
		for (size_t j = 0; j < sizeof(hostless) / sizeof(hostless[0]); j++) {
			err[0] = '\0';
			assert_int_equal(wp_config_option(&c, n, hostless[j], err, sizeof(err)),
					 -1);
			assert_non_null(strstr(err, "must name a host"));
		}
		/* Bounded: WP_URL_MAX - 1 bytes fit, one more does not. */
		char url[WP_URL_MAX + 8];
		snprintf(url, sizeof(url), "https://%s", repeat('u', WP_URL_MAX - 1 - 8));
		assert_int_equal(strlen(url), WP_URL_MAX - 1);
		assert_int_equal(wp_config_option(&c, n, url, err, sizeof(err)), 1);
		assert_string_equal(dst, url);
		snprintf(url, sizeof(url), "https://%s", repeat('v', WP_URL_MAX - 8));
		err[0] = '\0';
		assert_int_equal(wp_config_option(&c, n, url, err, sizeof(err)), -1);
		assert_non_null(strstr(err, n));
		assert_int_equal(strlen(dst), WP_URL_MAX - 1);
		assert_int_equal(dst[8], 'u');
	}
}

static void test_strings(void **state)
{
	(void)state;
	struct wp_config c;
	char err[256];
	defaults(&c);
	assert_int_equal(wp_config_option(&c, "--db", "/var/lib/wonpay/w.db", err, sizeof(err)), 1);
	assert_string_equal(c.db_path, "/var/lib/wonpay/w.db");
	assert_int_equal(wp_config_option(&c, "--access-log", "off", err, sizeof(err)), 1);
	assert_string_equal(c.access_log, "off");
	assert_int_equal(wp_config_option(&c, "--data-key-file", "/etc/k", err, sizeof(err)), 1);
	assert_string_equal(c.data_key_file, "/etc/k");

	/* Paths: WP_FILE_PATH_MAX - 1 bytes fit, one more is refused and keeps the old value. */
	struct {
		const char *name;
		char *dst;
	} paths[] = {
	    {"--db", c.db_path},
	    {"--access-log", c.access_log},
	    {"--data-key-file", c.data_key_file},
	};
	for (size_t i = 0; i < 3; i++) {
		char old[WP_FILE_PATH_MAX];
		snprintf(old, sizeof(old), "%s", paths[i].dst);
		err[0] = '\0';
		assert_int_equal(wp_config_option(&c, paths[i].name, repeat('p', WP_FILE_PATH_MAX),
						  err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, paths[i].name));
		assert_string_equal(paths[i].dst, old);
		assert_int_equal(wp_config_option(&c, paths[i].name,
						  repeat('q', WP_FILE_PATH_MAX - 1), err,
						  sizeof(err)),
				 1);
		assert_int_equal(strlen(paths[i].dst), WP_FILE_PATH_MAX - 1);
	}

	/* The admin token: at least 8 characters, at most what its buffer holds. */
	defaults(&c);
	err[0] = '\0';
	assert_int_equal(wp_config_option(&c, "--admin-token", "1234567", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--admin-token"));
	assert_string_equal(c.admin_token, "sandbox-admin-token");
	assert_int_equal(wp_config_option(&c, "--admin-token", "12345678", err, sizeof(err)), 1);
	assert_string_equal(c.admin_token, "12345678");
	assert_int_equal(wp_config_option(&c, "--admin-token", repeat('t', sizeof(c.admin_token)),
					  err, sizeof(err)),
			 -1);
	assert_string_equal(c.admin_token, "12345678");
	assert_int_equal(wp_config_option(&c, "--admin-token",
					  repeat('t', sizeof(c.admin_token) - 1), err, sizeof(err)),
			 1);
	assert_int_equal(strlen(c.admin_token), sizeof(c.admin_token) - 1);
}

static void test_environment(void **state)
{
	(void)state;
	struct wp_config c;
	char err[256];
	setenv("WONPAY_LISTEN", "0.0.0.0:9999", 1);
	setenv("WONPAY_DB", "/tmp/env.db", 1);
	setenv("WONPAY_PUBLIC_URL", "https://pub.example.com/", 1);
	setenv("WONPAY_SHORT_URL", "https://s.example.com", 1);
	setenv("WONPAY_THREADS", "3", 1);
	setenv("WONPAY_MAX_BODY", "2048", 1);
	setenv("WONPAY_CONN_LIMIT", "10", 1);
	setenv("WONPAY_CONN_TIMEOUT", "5", 1);
	setenv("WONPAY_RATE_LIMIT", "0", 1);
	setenv("WONPAY_RATE_BURST", "7", 1);
	setenv("WONPAY_ACCESS_LOG", "off", 1);
	setenv("WONPAY_COMMIT_BATCH", "11", 1);
	setenv("WONPAY_COMMIT_WAIT_US", "12", 1);
	setenv("WONPAY_ADMIN_TOKEN", "env-admin-token", 1);
	setenv("WONPAY_DATA_KEY_FILE", "/tmp/env.key", 1);
	setenv("WONPAY_ARS_DELAY_MS", "0", 1);
	setenv("WONPAY_SANDBOX", "1", 1);
	defaults(&c);
	assert_string_equal(c.listen_host, "0.0.0.0");
	assert_int_equal(c.listen_port, 9999);
	assert_string_equal(c.db_path, "/tmp/env.db");
	assert_string_equal(c.public_url, "https://pub.example.com");
	assert_string_equal(c.short_url, "https://s.example.com");
	assert_int_equal(c.threads, 3);
	assert_int_equal(c.max_body_bytes, 2048);
	assert_int_equal(c.conn_limit, 10);
	assert_int_equal(c.conn_timeout_s, 5);
	assert_int_equal(c.rate_per_s, 0);
	assert_int_equal(c.rate_burst, 7);
	assert_string_equal(c.access_log, "off");
	assert_int_equal(c.commit_batch, 11);
	assert_int_equal(c.commit_wait_us, 12);
	assert_string_equal(c.admin_token, "env-admin-token");
	assert_string_equal(c.data_key_file, "/tmp/env.key");
	assert_int_equal(c.ars_delay_ms, 0);
	assert_true(c.sandbox);
	/* A flag given after wins over the variable. */
	assert_int_equal(wp_config_option(&c, "--threads", "4", err, sizeof(err)), 1);
	assert_int_equal(c.threads, 4);

	/* WONPAY_SANDBOX: 1/true or 0/false, case aside; empty is unset. */
	static const struct {
		const char *v;
		bool on;
	} sb[] = {{"true", true}, {"TRUE", true},   {"1", true},
		  {"0", false},	  {"False", false}, {"", false}};
	for (size_t i = 0; i < sizeof(sb) / sizeof(sb[0]); i++) {
		setenv("WONPAY_SANDBOX", sb[i].v, 1);
		defaults(&c);
		assert_int_equal(c.sandbox, sb[i].on);
	}
	/* Anything else is a mistake to report, not a guess either way ("yes" too). */
	static const char *const unclear[] = {"11", "yes", "on", "no"};
	for (size_t i = 0; i < sizeof(unclear) / sizeof(unclear[0]); i++) {
		setenv("WONPAY_SANDBOX", unclear[i], 1);
		char sberr[256] = "";
		assert_false(wp_config_defaults(&c, sberr, sizeof(sberr)));
		assert_non_null(strstr(sberr, "WONPAY_SANDBOX"));
	}
	unsetenv("WONPAY_SANDBOX");
	/* An empty variable is as good as unset. */
	for (size_t i = 0; i < ENV_COUNT; i++)
		setenv(env_names[i], "", 1);
	defaults(&c);
	assert_int_equal(c.threads >= 1 && c.threads <= 64, true);
	assert_int_equal(c.listen_port, 8080);
	assert_string_equal(c.admin_token, "sandbox-admin-token");
	for (size_t i = 0; i < ENV_COUNT; i++)
		unsetenv(env_names[i]);
}

static void test_bad_environment_named(void **state)
{
	(void)state;
	static const struct {
		const char *name, *bad, *good;
	} vars[] = {
	    {"WONPAY_LISTEN", "localhost:1", "127.0.0.1:1"},
	    {"WONPAY_DB", NULL, "x.db"},
	    {"WONPAY_PUBLIC_URL", "ftp://x", "http://x"},
	    {"WONPAY_SHORT_URL", "x.test", "http://x"},
	    {"WONPAY_THREADS", "0", "1"},
	    {"WONPAY_MAX_BODY", "1023", "1024"},
	    {"WONPAY_CONN_LIMIT", "-5", "5"},
	    {"WONPAY_CONN_TIMEOUT", "3601", "3600"},
	    {"WONPAY_RATE_LIMIT", "lots", "1"},
	    {"WONPAY_RATE_BURST", "0", "1"},
	    {"WONPAY_ACCESS_LOG", NULL, "-"},
	    {"WONPAY_COMMIT_BATCH", "100001", "100000"},
	    {"WONPAY_COMMIT_WAIT_US", "1000001", "1000000"},
	    {"WONPAY_ADMIN_TOKEN", "short", "long-enough"},
	    {"WONPAY_DATA_KEY_FILE", NULL, "k"},
	    {"WONPAY_ARS_DELAY_MS", "600001", "600000"},
	};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		/* Paths have no bad form but length. */
		const char *bad = vars[i].bad ? vars[i].bad : repeat('p', WP_FILE_PATH_MAX);
		struct wp_config c;
		char err[256] = "";
		setenv(vars[i].name, bad, 1);
		assert_false(wp_config_defaults(&c, err, sizeof(err)));
		assert_non_null(strstr(err, vars[i].name));
		/* The same variable with a good value is fine. */
		setenv(vars[i].name, vars[i].good, 1);
		assert_true(wp_config_defaults(&c, err, sizeof(err)));
		unsetenv(vars[i].name);
	}
}

static void test_finish(void **state)
{
	(void)state;
	struct wp_config c;
	char err[256];
	defaults(&c);
	assert_int_equal(wp_config_option(&c, "--listen", "127.0.0.1:0", err, sizeof(err)), 1);
	/* The real port replaces 0, and the URLs default to it. */
	wp_config_finish(&c, 43210);
	assert_int_equal(c.listen_port, 43210);
	assert_string_equal(c.public_url, "http://127.0.0.1:43210");
	assert_string_equal(c.short_url, "http://127.0.0.1:43210");

	/* A public URL given: kept, and the short URL follows it. */
	defaults(&c);
	assert_int_equal(wp_config_option(&c, "--public-url", "https://p.test/", err, sizeof(err)),
			 1);
	wp_config_finish(&c, 8080);
	assert_string_equal(c.public_url, "https://p.test");
	assert_string_equal(c.short_url, "https://p.test");

	/* Both given: both kept. */
	defaults(&c);
	assert_int_equal(wp_config_option(&c, "--public-url", "https://p.test", err, sizeof(err)),
			 1);
	assert_int_equal(wp_config_option(&c, "--short-url", "https://s.test", err, sizeof(err)),
			 1);
	wp_config_finish(&c, 8080);
	assert_string_equal(c.public_url, "https://p.test");
	assert_string_equal(c.short_url, "https://s.test");

	/* Only a short URL: the public one is still the listen address. */
	defaults(&c);
	assert_int_equal(wp_config_option(&c, "--listen", "10.0.0.5:8443", err, sizeof(err)), 1);
	assert_int_equal(wp_config_option(&c, "--short-url", "https://s.test", err, sizeof(err)),
			 1);
	wp_config_finish(&c, 8443);
	assert_string_equal(c.public_url, "http://10.0.0.5:8443");
	assert_string_equal(c.short_url, "https://s.test");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_defaults, save_env, restore_env),
	    cmocka_unit_test_setup_teardown(test_flag_and_unknown, save_env, restore_env),
	    cmocka_unit_test_setup_teardown(test_missing_values, save_env, restore_env),
	    cmocka_unit_test_setup_teardown(test_numbers_and_ranges, save_env, restore_env),
	    cmocka_unit_test_setup_teardown(test_listen, save_env, restore_env),
	    cmocka_unit_test_setup_teardown(test_urls, save_env, restore_env),
	    cmocka_unit_test_setup_teardown(test_strings, save_env, restore_env),
	    cmocka_unit_test_setup_teardown(test_environment, save_env, restore_env),
	    cmocka_unit_test_setup_teardown(test_bad_environment_named, save_env, restore_env),
	    cmocka_unit_test_setup_teardown(test_finish, save_env, restore_env),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
