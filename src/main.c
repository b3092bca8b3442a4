/*
 * main.c — the wonpay command line.
 *
 *   wonpay serve [options]            run the server
 *   wonpay migrate [--db PATH]        apply database migrations and exit
 *   wonpay partner add --email E [--name N] [--db PATH]
 *   wonpay partner list [--db PATH]
 *   wonpay ledger verify [--db PATH]
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "core/auth.h"
#include "core/bank_sandbox.h"
#include "core/crypto.h"
#include "core/jwe.h"
#include "core/replay.h"
#include "core/ledger.h"
#include "core/sandbox.h"
#include "http/accesslog.h"
#include "http/server.h"
#include "surface/kona.h"

#define WONPAY_VERSION "0.1.0"

static const struct wp_surface *const live_surfaces[] = {&wp_surface_aqr, &wp_surface_kona,
							 &wp_surface_system};
static const struct wp_surface *const sandbox_surfaces[] = {
    &wp_surface_aqr, &wp_surface_kona, &wp_surface_system, &wp_surface_sandbox,
    &wp_surface_kona_sandbox};

/* Commit-writer housekeeping: release pending transfers whose timeout passed. */
static wp_status expire_pending(struct wp_tx *tx, void *ctx)
{
	struct wp_app *app = ctx;
	unsigned n = 0;
	return wp_ledger_expire(tx, wp_clock_now_ms(&app->clock), 1000, &n);
}

static wp_status seed_banks(struct wp_tx *tx, void *arg)
{
	return wp_bank_sandbox_seed(tx, *(int64_t *)arg);
}

static void usage(FILE *out)
{
	fprintf(out,
		"wonpay %s — Korean payment APIs (AQR, Konaplate, Payple, OneQ Pay) on one core\n"
		"\n"
		"usage:\n"
		"  wonpay serve [options]                 run the HTTP server\n"
		"  wonpay migrate [--db PATH]             apply database migrations\n"
		"  wonpay partner add --email E [--name N] [--kona-public-key PEM] [--db PATH]\n"
		"                                         add a partner; prints its AQR token (and\n"
		"                                         with a public key, Kona credentials) once\n"
		"  wonpay partner list [--db PATH]        list partners\n"
		"  wonpay ledger verify [--db PATH]       recompute every balance; exit 1 on a problem\n"
		"  wonpay --help | --version\n"
		"\n"
		"serve options (flags win over WONPAY_* environment variables):\n%s",
		WONPAY_VERSION, wp_config_usage);
}

/* mkdir -p of the directory that will hold the database file. */
static int ensure_parent_dir(const char *path)
{
	char dir[WP_FILE_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

/* Parses options shared by every command; extra names are offered to `extra`. */
static int parse_options(int argc, char **argv, int start, struct wp_config *cfg,
			 int (*extra)(void *ctx, const char *name, const char *value), void *ctx)
{
	char err[256];
	for (int i = start; i < argc; i++) {
		const char *name = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		int used = wp_config_option(cfg, name, value, err, sizeof(err));
		if (used == 0 && extra != NULL)
			used = extra(ctx, name, value);
		if (used < 0) {
			fprintf(stderr, "wonpay: %s\n", used == -1 ? err : "bad option");
			return -1;
		}
		if (used == 0) {
			fprintf(stderr, "wonpay: unknown option '%s' (see wonpay --help)\n", name);
			return -1;
		}
		if (used == 1)
			i++;
	}
	return 0;
}

static struct wp_store *open_store(const struct wp_config *cfg, unsigned pool)
{
	char err[512];
	if (ensure_parent_dir(cfg->db_path) != 0) {
		fprintf(stderr, "wonpay: cannot create the directory of %s: %s\n", cfg->db_path,
			strerror(errno));
		return NULL;
	}
	struct wp_store *s = NULL;
	if (wp_store_open(cfg->db_path, pool, &s, err, sizeof(err)) != WP_OK) {
		fprintf(stderr, "wonpay: %s\n", err);
		return NULL;
	}
	int version = 0;
	if (s->ops->migrate(s, &version) != WP_OK) {
		fprintf(stderr, "wonpay: database migration failed\n");
		wp_store_close(s);
		return NULL;
	}
	return s;
}

/* The directory of the database file ("." when it has none). */
static void db_dir(const char *db, char *out, size_t cap)
{
	const char *slash = strrchr(db, '/');
	if (slash == NULL)
		snprintf(out, cap, ".");
	else
		snprintf(out, cap, "%.*s", (int)(slash - db), db);
}

static bool write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return false;
	size_t n = strlen(text);
	bool ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
	return close(fd) == 0 && ok;
}

/*
 * The key that seals personal data: 64 hex characters in a file. Created on
 * first start (0600) when missing; an operator may supply their own.
 */
static bool load_data_key(const struct wp_config *cfg, uint8_t key[WP_DATA_KEY_BYTES])
{
	char path[WP_FILE_PATH_MAX + 32], dir[WP_FILE_PATH_MAX];
	db_dir(cfg->db_path, dir, sizeof(dir));
	if (cfg->data_key_file[0] != '\0')
		snprintf(path, sizeof(path), "%s", cfg->data_key_file);
	else
		snprintf(path, sizeof(path), "%s/%sdata.key", dir, cfg->sandbox ? "sandbox/" : "");
	char hex[2 * WP_DATA_KEY_BYTES + 4] = "";
	FILE *f = fopen(path, "r");
	if (f == NULL && errno == ENOENT && cfg->data_key_file[0] == '\0') {
		char sub[WP_FILE_PATH_MAX + 16];
		snprintf(sub, sizeof(sub), "%s/sandbox", dir);
		if (cfg->sandbox && mkdir(sub, 0700) != 0 && errno != EEXIST)
			return false;
		if (wp_random_bytes(key, WP_DATA_KEY_BYTES) != WP_OK)
			return false;
		wp_hex(key, WP_DATA_KEY_BYTES, hex);
		hex[2 * WP_DATA_KEY_BYTES] = '\n';
		hex[2 * WP_DATA_KEY_BYTES + 1] = '\0';
		if (!write_file(path, hex, 0600)) {
			fprintf(stderr, "wonpay: cannot write the data key %s: %s\n", path,
				strerror(errno));
			return false;
		}
		fprintf(stderr, "wonpay: created data key %s (keep it: it opens personal data)\n",
			path);
		return true;
	}
	bool ok = f != NULL && fgets(hex, sizeof(hex), f) != NULL;
	if (f != NULL)
		fclose(f);
	for (size_t i = 0; ok && i < WP_DATA_KEY_BYTES; i++) {
		unsigned v;
		ok = sscanf(hex + 2 * i, "%2x", &v) == 1;
		key[i] = (uint8_t)v;
	}
	if (!ok)
		fprintf(stderr, "wonpay: cannot read the data key %s (64 hex characters)\n", path);
	return ok;
}

/* The documented Kona sandbox credentials (README). */
static const struct kona_credentials kona_sandbox = {
    "KONASANDBOX0001", "sandbox000000000000000000000000000000000", "sandbox-secret-key",
    "sandboxcryptokey0000000000000001"};

struct kona_seed {
	const uint8_t *key;
	int64_t partner_id;
	const char *server_priv, *server_pub, *partner_pub;
	int64_t now_ms;
};

static wp_status provision_kona(struct wp_tx *tx, void *arg)
{
	struct kona_seed *k = arg;
	return kona_provision(tx, k->key, k->partner_id, &kona_sandbox, k->server_priv,
			      k->server_pub, k->partner_pub, k->now_ms);
}

/*
 * Sandbox: the Kona partner and its keys, once. The server's public key and
 * the partner's key pair are written to sandbox/ beside the database.
 */
static bool seed_kona(struct wp_app *app, int64_t now_ms)
{
	struct wp_store *s = app->store;
	if (kona_partner_exists(s, kona_sandbox.asp_id))
		return true;
	wp_arena a;
	wp_arena_init(&a, 1 << 16);
	struct wp_partner p;
	wp_status st = s->ops->partner_by_email(s, WP_SANDBOX_AQR_EMAIL, &a, &p);
	int64_t partner_id = st == WP_OK ? p.id : 0;
	wp_arena_free(&a);
	if (st != WP_OK)
		return false;
	char *sp = NULL, *su = NULL, *pp = NULL, *pu = NULL;
	bool ok = wp_rsa_generate(2048, &sp, &su) == WP_OK && wp_rsa_generate(2048, &pp, &pu) == WP_OK;
	char dir[WP_FILE_PATH_MAX], path[WP_FILE_PATH_MAX + 64];
	db_dir(app->cfg->db_path, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/sandbox", dir);
	ok = ok && (mkdir(path, 0700) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/sandbox/kona-server-public.pem", dir);
	ok = ok && write_file(path, su, 0644);
	snprintf(path, sizeof(path), "%s/sandbox/kona-partner-private.pem", dir);
	ok = ok && write_file(path, pp, 0600);
	snprintf(path, sizeof(path), "%s/sandbox/kona-partner-public.pem", dir);
	ok = ok && write_file(path, pu, 0644);
	struct kona_seed seed = {app->data_key, partner_id, sp, su, pu, now_ms};
	ok = ok && wp_store_write(s, provision_kona, &seed) == WP_OK;
	free(sp);
	free(su);
	free(pp);
	free(pu);
	return ok;
}

static int open_access_log(const char *dest)
{
	if (strcmp(dest, "off") == 0)
		return -1;
	if (strcmp(dest, "-") == 0)
		return STDOUT_FILENO;
	int fd = open(dest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		fprintf(stderr, "wonpay: cannot open access log %s: %s\n", dest, strerror(errno));
	return fd;
}

static int cmd_serve(int argc, char **argv)
{
	struct wp_config cfg;
	char err[256];
	if (!wp_config_defaults(&cfg, err, sizeof(err))) {
		fprintf(stderr, "wonpay: %s\n", err);
		return 2;
	}
	if (parse_options(argc, argv, 2, &cfg, NULL, NULL) != 0)
		return 2;

	/* Signals are taken by sigwait in this thread only; workers inherit the mask. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct wp_app app;
	memset(&app, 0, sizeof(app));
	app.cfg = &cfg;
	app.surfaces = cfg.sandbox ? sandbox_surfaces : live_surfaces;
	app.surface_count = cfg.sandbox ? sizeof(sandbox_surfaces) / sizeof(sandbox_surfaces[0])
					: sizeof(live_surfaces) / sizeof(live_surfaces[0]);
	wp_clock_init(&app.clock);
	if (wp_random_bytes(&app.boot_id, sizeof(app.boot_id)) != WP_OK) {
		fprintf(stderr, "wonpay: no randomness available\n");
		return 1;
	}
	app.store = open_store(&cfg, cfg.threads + 2);
	if (app.store == NULL)
		return 1;
	int rc = 1;
	bool seeded = false;
	int64_t now_ms = wp_clock_now_ms(&app.clock);
	if (cfg.sandbox && (wp_sandbox_seed(app.store, now_ms, &seeded) != WP_OK ||
			    wp_store_write(app.store, seed_banks, &now_ms) != WP_OK)) {
		fprintf(stderr, "wonpay: cannot create the sandbox partner and bank accounts\n");
		goto out_store;
	}
	app.rate = wp_ratelimit_new(cfg.rate_per_s, cfg.rate_burst);
	app.access_log_fd = open_access_log(cfg.access_log);
	app.bank = wp_bank_sandbox_new(app.store, &app.clock);
	app.journal = cfg.sandbox ? wp_journal_new() : NULL;
	app.replay = wp_replay_new();
	app.kona_keys = kona_key_cache_new();
	if (!load_data_key(&cfg, app.data_key) || (cfg.sandbox && !seed_kona(&app, now_ms))) {
		fprintf(stderr, "wonpay: cannot set up the data key or the Kona sandbox partner\n");
		goto out_rate;
	}
	if (app.rate == NULL || app.bank == NULL || app.replay == NULL || app.kona_keys == NULL ||
	    (cfg.sandbox && app.journal == NULL) ||
	    (app.access_log_fd < 0 && strcmp(cfg.access_log, "off") != 0))
		goto out_rate;
	if (wp_timer_start(&app.timer) != WP_OK)
		goto out_rate;

	struct wp_commit_config commit_cfg = {
	    .max_batch = cfg.commit_batch,
	    .max_wait_us = cfg.commit_wait_us,
	    .tick = expire_pending,
	    .tick_ctx = &app,
	    .tick_ms = 1000,
	};
	if (wp_commit_start(app.store, &commit_cfg, &app.commit) != WP_OK) {
		fprintf(stderr, "wonpay: cannot start the commit writer\n");
		goto out_timer;
	}
	struct wp_server *server = NULL;
	uint16_t port = 0;
	if (wp_server_start(&app, &server, &port, err, sizeof(err)) != WP_OK) {
		fprintf(stderr, "wonpay: %s\n", err);
		goto out_commit;
	}
	wp_config_finish(&cfg, port);
	printf("wonpay %s listening on http://%s:%u (%s, database %s, %u threads)\n",
	       WONPAY_VERSION, cfg.listen_host, port, cfg.sandbox ? "sandbox mode" : "live mode",
	       cfg.db_path, cfg.threads);
	printf("  health      GET  http://%s:%u/health\n", cfg.listen_host, port);
	printf("  AQR API     POST %s/api/\n", cfg.public_url);
	printf("  QR images   GET  %s/res/api/<keyword>\n", cfg.public_url);
	printf("  short URLs  GET  %s/f/<keyword>\n", cfg.short_url);
	if (cfg.sandbox) {
		printf("  sandbox AQR partner%s: email_address=%s  AQR-DEVELOPER-TOKEN: %s\n",
		       seeded ? " (created now)" : "", WP_SANDBOX_AQR_EMAIL, WP_SANDBOX_AQR_TOKEN);
		printf("  sandbox control API: %s/sandbox/  Authorization: Bearer %s\n",
		       cfg.public_url, cfg.admin_token);
		printf("  sandbox bank accounts: see README (004 11111111111 홍길동 ...)\n");
		printf("  Kona: POST %s/api/v1/...  X-KM-User-AspId: %s  X-KM-Access-Key: %s\n"
		       "        secret key %s, crypto key id %s, PEM files in the sandbox/ folder "
		       "beside the database\n",
		       cfg.public_url, kona_sandbox.asp_id, kona_sandbox.access_key,
		       kona_sandbox.secret_key, kona_sandbox.crypto_key_id);
	}
	fflush(stdout);

	int sig = 0;
	sigwait(&stop_signals, &sig);
	fprintf(stderr, "wonpay: %s received, finishing requests in flight\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	wp_server_stop(server);
	rc = 0;
out_commit:
	wp_timer_stop(app.timer);   /* runs what waits on slow banks: they submit their writes */
	wp_commit_stop(app.commit); /* drains: every accepted write is committed or refused */
	if (rc == 0)
		fprintf(stderr, "wonpay: stopped cleanly\n");
out_timer:
	wp_timer_free(app.timer);
out_rate:
	OPENSSL_cleanse(app.data_key, sizeof(app.data_key));
	wp_replay_free(app.replay);
	kona_key_cache_free(app.kona_keys);
	wp_journal_free(app.journal);
	wp_bank_sandbox_free(app.bank);
	wp_ratelimit_free(app.rate);
	if (app.access_log_fd > STDERR_FILENO)
		close(app.access_log_fd);
out_store:
	wp_store_close(app.store);
	return rc;
}

static void print_problem(void *ctx, const char *line)
{
	(void)ctx;
	printf("PROBLEM %s\n", line);
}

static int cmd_ledger(int argc, char **argv)
{
	if (argc < 3 || strcmp(argv[2], "verify") != 0) {
		fprintf(stderr, "wonpay: ledger wants 'verify' (see wonpay --help)\n");
		return 2;
	}
	struct wp_config cfg;
	char err[256];
	if (!wp_config_defaults(&cfg, err, sizeof(err)) ||
	    parse_options(argc, argv, 3, &cfg, NULL, NULL) != 0)
		return 2;
	struct wp_store *s = open_store(&cfg, 1);
	if (s == NULL)
		return 1;
	struct wp_verify_report rep;
	wp_status st = wp_ledger_verify(s, print_problem, NULL, &rep);
	wp_store_close(s);
	if (st != WP_OK) {
		fprintf(stderr, "wonpay: ledger verify could not read the ledger: %s\n",
			wp_status_name(st));
		return 1;
	}
	printf("accounts %lld, transfers %lld (failed attempts %lld), open pending %lld, "
	       "posted debits %lld = credits %lld\n",
	       (long long)rep.accounts, (long long)rep.transfers, (long long)rep.failed_attempts,
	       (long long)rep.open_pending, (long long)rep.total_debits_posted,
	       (long long)rep.total_credits_posted);
	if (rep.problems > 0) {
		printf("ledger verify: %lld problem(s)\n", (long long)rep.problems);
		return 1;
	}
	printf("ledger verify: ok\n");
	return 0;
}

static int cmd_migrate(int argc, char **argv)
{
	struct wp_config cfg;
	char err[256];
	if (!wp_config_defaults(&cfg, err, sizeof(err)) ||
	    parse_options(argc, argv, 2, &cfg, NULL, NULL) != 0)
		return 2;
	struct wp_store *s = open_store(&cfg, 1);
	if (s == NULL)
		return 1;
	int version = 0;
	s->ops->migrate(s, &version);
	printf("database %s is at schema version %d\n", cfg.db_path, version);
	wp_store_close(s);
	return 0;
}

struct partner_opts {
	const char *email;
	const char *name;
	const char *kona_public_key; /* a file: the partner's RSA public key (PEM) */
	int64_t now_ms;
	int64_t id;
	char token[WP_TOKEN_MAX_BYTES];
	/* Kona, when kona_public_key is given */
	const uint8_t *data_key;
	struct kona_credentials kona;
	char *partner_pub, *server_priv, *server_pub;
};

static wp_status add_partner(struct wp_tx *tx, void *arg)
{
	struct partner_opts *o = arg;
	wp_status st = wp_auth_partner_add(tx, o->email, o->name ? o->name : o->email, o->now_ms,
					   &o->id);
	if (st == WP_OK)
		st = wp_auth_issue(tx, o->id, "aqr", o->now_ms, o->token, sizeof(o->token));
	if (st == WP_OK && o->partner_pub != NULL)
		st = kona_provision(tx, o->data_key, o->id, &o->kona, o->server_priv, o->server_pub,
				    o->partner_pub, o->now_ms);
	return st;
}

static char *read_text_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *buf = calloc(1, max + 1);
	size_t n = buf ? fread(buf, 1, max, f) : 0;
	fclose(f);
	if (buf != NULL && n == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int partner_option(void *ctx, const char *name, const char *value)
{
	struct partner_opts *o = ctx;
	if (strcmp(name, "--email") == 0 && value != NULL) {
		o->email = value;
		return 1;
	}
	if (strcmp(name, "--name") == 0 && value != NULL) {
		o->name = value;
		return 1;
	}
	if (strcmp(name, "--kona-public-key") == 0 && value != NULL) {
		o->kona_public_key = value;
		return 1;
	}
	return 0;
}

static void print_partner(void *ctx, const struct wp_partner *p)
{
	(void)ctx;
	printf("%-6lld %-40s %s\n", (long long)p->id, p->email, p->name);
}

static int cmd_partner(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[2], "add") != 0 && strcmp(argv[2], "list") != 0)) {
		fprintf(stderr, "wonpay: partner wants 'add' or 'list' (see wonpay --help)\n");
		return 2;
	}
	struct wp_config cfg;
	char err[256];
	struct partner_opts o = {.email = NULL};
	if (!wp_config_defaults(&cfg, err, sizeof(err)) ||
	    parse_options(argc, argv, 3, &cfg, partner_option, &o) != 0)
		return 2;
	bool add = strcmp(argv[2], "add") == 0;
	if (add && o.email == NULL) {
		fprintf(stderr, "wonpay: partner add needs --email\n");
		return 2;
	}
	struct wp_store *s = open_store(&cfg, 1);
	if (s == NULL)
		return 1;
	wp_clock clock;
	wp_clock_init(&clock);
	int rc = 0;
	if (!add) {
		printf("%-6s %-40s %s\n", "id", "email", "name");
		rc = s->ops->partner_list(s, print_partner, NULL) == WP_OK ? 0 : 1;
	} else {
		o.now_ms = wp_clock_now_ms(&clock);
		uint8_t data_key[WP_DATA_KEY_BYTES];
		wp_status st = WP_OK;
		bool reported = false;
		if (o.kona_public_key != NULL) {
			/* Kona: random credentials and a server key pair for this partner. */
			o.partner_pub = read_text_file(o.kona_public_key, 16384);
			EVP_PKEY *check = o.partner_pub ? wp_rsa_public_from_pem(o.partner_pub) : NULL;
			if (check == NULL) {
				fprintf(stderr, "wonpay: %s is not an RSA public key (PEM)\n",
					o.kona_public_key);
				st = WP_E_INVALID;
				reported = true;
			}
			EVP_PKEY_free(check);
			if (st == WP_OK && (!load_data_key(&cfg, data_key) ||
					    kona_generate_credentials(&o.kona) != WP_OK ||
					    wp_rsa_generate(2048, &o.server_priv, &o.server_pub) != WP_OK))
				st = WP_E_INTERNAL;
			o.data_key = data_key;
		}
		if (st == WP_OK)
			st = wp_store_write(s, add_partner, &o);
		if (st == WP_OK) {
			printf("partner %lld added: %s\n", (long long)o.id, o.email);
			printf("AQR-DEVELOPER-TOKEN: %s\n", o.token);
			if (o.partner_pub != NULL) {
				printf("X-KM-User-AspId: %s\n", o.kona.asp_id);
				printf("X-KM-Access-Key: %s\n", o.kona.access_key);
				printf("Kona secret key: %s\n", o.kona.secret_key);
				printf("X-KM-Crypto-Key-Id: %s\n", o.kona.crypto_key_id);
				printf("Kona server public key (encrypt requests to it):\n%s",
				       o.server_pub);
			}
			printf("(shown once: tokens and access keys are stored hashed, "
			       "secrets sealed)\n");
		} else if (!reported) {
			fprintf(stderr, "wonpay: cannot add partner %s: %s\n", o.email,
				st == WP_E_CONFLICT  ? "that email is already a partner"
				: st == WP_E_INVALID ? "not a valid email address"
						     : wp_status_name(st));
			rc = 1;
		} else {
			rc = 1;
		}
		if (o.server_priv != NULL)
			OPENSSL_cleanse(o.server_priv, strlen(o.server_priv));
		free(o.partner_pub);
		free(o.server_priv);
		free(o.server_pub);
		OPENSSL_cleanse(data_key, sizeof(data_key));
	}
	wp_store_close(s);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("wonpay %s\n", WONPAY_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate(argc, argv);
	if (strcmp(argv[1], "partner") == 0)
		return cmd_partner(argc, argv);
	if (strcmp(argv[1], "ledger") == 0)
		return cmd_ledger(argc, argv);
	fprintf(stderr, "wonpay: unknown command '%s' (see wonpay --help)\n", argv[1]);
	return 2;
}
