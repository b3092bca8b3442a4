/*
 * config.h — read-only configuration, set once at start.
 *
 * Every setting has a flag and a WONPAY_* environment variable; the flag
 * wins. Nothing changes it after the server starts.
 */
#ifndef WP_CONFIG_H
#define WP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WP_URL_MAX 256
#define WP_FILE_PATH_MAX 1024

#define WP_CONFIG_UNSET 0xFFFFFFFFu /* a number left to its mode's default */

struct wp_config {
	char listen_host[64];
	uint16_t listen_port;
	char db_path[WP_FILE_PATH_MAX];	   /* a SQLite file, or a postgres:// URL */
	char data_dir[WP_FILE_PATH_MAX];   /* "" = beside the SQLite file, or data/ */
	char public_url[WP_URL_MAX];	   /* base of qr_image; default http://<listen> */
	char short_url[WP_URL_MAX];	   /* base of short_url; default public_url */
	char access_log[WP_FILE_PATH_MAX]; /* "-" stdout, "off", or a file */
	char cors_origins[512];		   /* "*", a comma list, or "" (none) */
	bool sandbox;
	unsigned threads;
	size_t max_body_bytes;
	unsigned conn_limit;
	unsigned conn_per_ip;	   /* 0 = no limit; WP_CONFIG_UNSET until resolved */
	unsigned conn_timeout_s;   /* idle */
	unsigned header_timeout_s; /* the whole header block */
	unsigned min_body_rate;	   /* bytes/s; 0 = any */
	uint32_t rate_per_s;	   /* per credential; 0 disables */
	uint32_t rate_burst;
	unsigned auth_fail_per_s; /* failed credentials per address; 0 disables */
	unsigned auth_fail_burst;
	char admin_token[128];		      /* sandbox control API bearer token */
	char data_key_file[WP_FILE_PATH_MAX]; /* "" = data.key in the data directory */
	unsigned ars_delay_ms;	 /* Kona: the simulated member answers the ARS call; 0 = never */
	unsigned commit_batch;	 /* commands per group commit */
	unsigned commit_wait_us; /* linger to fill a batch */
	unsigned oneq_expiry_s;	 /* OneQ Pay: an unapproved payment expires after */
	/* Webhooks (core/webhook.h) */
	unsigned webhook_max_attempts;	     /* per round, then given up */
	unsigned webhook_max_age_s;	     /* a round's total time, then given up */
	unsigned webhook_retry_base_ms;	     /* the first retry's delay; doubles */
	unsigned webhook_retry_max_ms;	     /* the longest delay */
	unsigned webhook_timeout_ms;	     /* one attempt */
	unsigned webhook_connect_timeout_ms; /* one attempt's connect */
	unsigned webhook_concurrency;	     /* attempts in flight */
	bool webhook_allow_private;	     /* loopback, private, link-local destinations too */
};

/* Defaults, then WONPAY_* variables. False with a message on a bad value. */
bool wp_config_defaults(struct wp_config *c, char *err, size_t err_cap);
/*
 * Applies one "--name value" option (value may be NULL). Returns 2 for a
 * flag that takes no value, 1 if consumed with its value, 0 if the name is
 * not a config option, -1 on a bad or missing value (err set).
 */
int wp_config_option(struct wp_config *c, const char *name, const char *value, char *err,
		     size_t err_cap);
/* After the options: defaults that depend on the mode (--conn-per-ip). */
void wp_config_resolve(struct wp_config *c);
/*
 * The directory of the files kept beside the database (data.key, sandbox/):
 * --data-dir, else the SQLite file's directory, else (PostgreSQL) "data".
 */
void wp_config_data_dir(const struct wp_config *c, char *out, size_t cap);
/* Fills public_url/short_url defaults once the real port is known. */
void wp_config_finish(struct wp_config *c, uint16_t bound_port);
/*
 * The options (only those named in the NULL-terminated list `only`, or all
 * with NULL), their variables and meanings, one per line, for --help; the
 * length written.
 */
size_t wp_config_usage(const char *const *only, char *out, size_t cap);

#endif
