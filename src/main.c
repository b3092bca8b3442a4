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
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "core/auth.h"
#include "core/bank_sandbox.h"
#include "core/crypto.h"
#include "core/ledger.h"
#include "core/metrics.h"
#include "core/replay.h"
#include "core/sandbox.h"
#include "core/webhook.h"
#include "http/accesslog.h"
#include "http/server.h"
#include "surface/kit.h"
#include "util/file.h"
#include "util/text.h"

/* Commit-writer housekeeping: release pending transfers whose timeout passed. */
static wp_status expire_pending(struct wp_tx *tx, void *ctx)
{
	struct wp_app *app = ctx;
	unsigned n = 0;
	int64_t offset;
	/* where processes share the database, a clock another one moved (sandbox/control.c) */
	if (app->cfg->sandbox && app->store->ops->shared &&
	    wp_sandbox_clock_load(NULL, tx, &offset) == WP_OK)
		wp_clock_set_offset_ms(&app->clock, offset);
	int64_t now = wp_clock_now_ms(&app->clock);
	wp_status st = wp_ledger_expire(tx, now, WP_EXPIRE_BATCH_MAX, &n);
	if (st == WP_OK)
		st = wp_replay_expire(tx, now, WP_EXPIRE_BATCH_MAX);
	for (size_t i = 0; st == WP_OK && i < wp_module_count; i++)
		if (wp_modules[i]->housekeeping != NULL)
			st = wp_modules[i]->housekeeping(app, wp_module_state(app, wp_modules[i]),
							 tx, now);
	return st;
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "wonpay %s — Korean payment APIs (AQR, Konaplate, Payple, OneQ Pay) on one core\n"
	    "\n"
	    "usage:\n"
	    "  wonpay serve [options]                 run the HTTP server\n"
	    "  wonpay migrate [--db PATH]             apply database migrations\n"
	    "  wonpay partner add --email E [--name N] [--db PATH] [surface options]\n"
	    "                                         add a partner; prints its credentials once\n",
	    WONPAY_VERSION);
	for (size_t i = 0; i < wp_module_count; i++) {
		const struct wp_issuer *is = wp_modules[i]->issuer;
		if (is != NULL && is->option != NULL)
			fprintf(out, "      %s\n", is->help);
	}
	fprintf(
	    out,
	    "  wonpay partner list [--db PATH]        list partners\n"
	    "  wonpay ledger verify [--db PATH]       recompute every balance; exit 1 on a problem\n"
	    "  wonpay --help | --version\n"
	    "\n"
	    "serve options (flags win over WONPAY_* environment variables):\n");
	char options[8192];
	wp_config_usage(NULL, options, sizeof(options));
	fputs(options, out);
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
/* What each subcommand says to --help: its synopsis, and which settings matter to it. */
struct command_help {
	const char *command;
	const char *synopsis;
	const char *const *options; /* NULL: every setting */
};

static const char *const db_only[] = {"--db", NULL};
static const char *const partner_add_options[] = {"--db", "--data-dir", "--data-key-file", NULL};

static const struct command_help helps[] = {
    {"serve", "wonpay serve [options]\n  runs the HTTP server\n", NULL},
    {"migrate",
     "wonpay migrate [--db PATH]\n  applies the database migrations and prints the schema "
     "version\n",
     db_only},
    {"partner add",
     "wonpay partner add --email E [--name N] [surface options] [--db PATH]\n"
     "  adds a partner and prints its credentials once\n"
     "  --email E              the partner's email (required)\n"
     "  --name N               its name (default: the email)\n",
     partner_add_options},
    {"partner list", "wonpay partner list [--db PATH]\n  lists partners\n", db_only},
    {"ledger verify",
     "wonpay ledger verify [--db PATH]\n  recomputes every balance from the transfers; exit 1 "
     "on a problem\n",
     db_only},
};

static void command_usage(const char *command)
{
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		if (strcmp(helps[i].command, command) != 0)
			continue;
		printf("usage: %s", helps[i].synopsis);
		for (size_t m = 0; strcmp(command, "partner add") == 0 && m < wp_module_count;
		     m++) {
			const struct wp_issuer *is = wp_modules[m]->issuer;
			if (is != NULL && is->option != NULL)
				printf("  %s\n", is->help);
		}
		char options[8192];
		wp_config_usage(helps[i].options, options, sizeof(options));
		printf("%s%s",
		       helps[i].options ? "" : "options (flags win over WONPAY_* variables):\n",
		       options);
	}
}

/* 0 on success, -1 after a message, 1 after --help (the caller exits 0). */
static int parse_options(int argc, char **argv, int start, struct wp_config *cfg,
			 int (*extra)(void *ctx, const char *name, const char *value), void *ctx)
{
	char err[256];
	char command[32];
	snprintf(command, sizeof(command), "%s%s%s", argv[1], start > 2 ? " " : "",
		 start > 2 ? argv[2] : "");
	for (int i = start; i < argc; i++) {
		const char *name = argv[i];
		if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
			command_usage(command);
			return 1;
		}
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

/* mkdir -p of the directory of data.key and sandbox/ (wp_config_data_dir). */
static int ensure_data_dir(const struct wp_config *cfg)
{
	char dir[WP_FILE_PATH_MAX], inside[WP_FILE_PATH_MAX + 4];
	wp_config_data_dir(cfg, dir, sizeof(dir));
	snprintf(inside, sizeof(inside), "%s/.", dir);
	if (ensure_parent_dir(inside) == 0)
		return 0;
	fprintf(stderr, "wonpay: cannot create the directory %s: %s\n", dir, strerror(errno));
	return -1;
}

static struct wp_store *open_store(const struct wp_config *cfg, unsigned pool)
{
	char err[512];
	if (!wp_store_is_url(cfg->db_path) && ensure_parent_dir(cfg->db_path) != 0) {
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

/*
 * The key that seals personal data: 64 hex characters in a file. One rule
 * for every subcommand: --data-key-file when given (it must exist); else
 * data.key in the data directory (beside a SQLite database, --data-dir, or
 * data/ with PostgreSQL: wp_config_data_dir), or sandbox/data.key in it where
 * an earlier sandbox made it; else a new one is created as data.key there
 * (0600). An operator may supply their own.
 */
static bool data_key_path(const struct wp_config *cfg, char *path, size_t cap, bool *exists)
{
	char dir[WP_FILE_PATH_MAX];
	struct stat st;
	wp_config_data_dir(cfg, dir, sizeof(dir));
	if (cfg->data_key_file[0] != '\0') {
		snprintf(path, cap, "%s", cfg->data_key_file);
		*exists = true; /* read it, or say why not */
		return true;
	}
	snprintf(path, cap, "%s/sandbox/data.key", dir);
	if (stat(path, &st) == 0) {
		*exists = true;
		return true;
	}
	snprintf(path, cap, "%s/data.key", dir);
	*exists = stat(path, &st) == 0;
	return true;
}

/*
 * The database remembers a keyed hash of the data key it was first used with
 * (a document of kind "wonpay.data-key"), and a start with another key is
 * refused: a process on another host that made a key of its own, or a
 * database moved without its key, would otherwise seal new data under a key
 * nothing else has and fail to open the old (Kona secrets, webhook bodies).
 */
#define DATA_KEY_DOC_KIND "wonpay.data-key"
struct key_check {
	char hash[2 * WP_SHA256_BYTES + 1];
	int64_t now_ms;
	bool differs;
};

static wp_status check_key_in(struct wp_tx *tx, void *arg)
{
	struct key_check *k = arg;
	wp_arena a;
	wp_arena_init(&a, WP_STORE_ROW_ARENA_BYTES);
	struct wp_doc d;
	wp_status st = tx->ops->doc_get(NULL, tx, DATA_KEY_DOC_KIND, "check", &a, &d);
	if (st == WP_OK) {
		k->differs = strcmp(d.body, k->hash) != 0;
	} else if (st == WP_E_NOT_FOUND) {
		struct wp_doc n = {.kind = DATA_KEY_DOC_KIND,
				   .id = "check",
				   .owner = "",
				   .ref = "",
				   .body = k->hash,
				   .created_ms = k->now_ms,
				   .updated_ms = k->now_ms};
		st = tx->ops->doc_insert(tx, &n);
	}
	wp_arena_free(&a);
	return st;
}

static bool data_key_matches(struct wp_store *s, const uint8_t key[WP_DATA_KEY_BYTES],
			     const char *db_shown)
{
	wp_clock clock = {0};
	struct key_check k = {.now_ms = wp_clock_now_ms(&clock)};
	wp_lookup_hash(key, DATA_KEY_DOC_KIND, "check", k.hash);
	wp_status st = wp_store_write(s, check_key_in, &k);
	if (st != WP_OK) {
		fprintf(stderr, "wonpay: cannot check the data key against the database: %s\n",
			wp_status_name(st));
		return false;
	}
	if (k.differs)
		fprintf(stderr,
			"wonpay: the data key is not the one the database %s was first used with: "
			"give every process the same key file (--data-key-file, "
			"WONPAY_DATA_KEY_FILE), copied from where the database was first served\n",
			db_shown);
	return !k.differs;
}

static bool load_data_key(const struct wp_config *cfg, uint8_t key[WP_DATA_KEY_BYTES])
{
	char path[WP_FILE_PATH_MAX + 32];
	bool exists;
	data_key_path(cfg, path, sizeof(path), &exists);
	char hex[2 * WP_DATA_KEY_BYTES + 4] = "";
	if (!exists && ensure_data_dir(cfg) != 0)
		return false;
	if (!exists) {
		if (wp_random_bytes(key, WP_DATA_KEY_BYTES) != WP_OK)
			return false;
		wp_hex(key, WP_DATA_KEY_BYTES, hex);
		hex[2 * WP_DATA_KEY_BYTES] = '\n';
		hex[2 * WP_DATA_KEY_BYTES + 1] = '\0';
		/* never over a key another process made meanwhile: then that one is read */
		int made = wp_file_create(path, hex, 0600);
		if (made < 0) {
			fprintf(stderr, "wonpay: cannot write the data key %s: %s\n", path,
				strerror(errno));
			return false;
		}
		if (made == 1) {
			fprintf(stderr,
				"wonpay: created data key %s (keep it: it opens personal data)\n",
				path);
			return true;
		}
	}
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "wonpay: cannot open the data key %s: %s\n", path, strerror(errno));
		return false;
	}
	bool ok = fgets(hex, sizeof(hex), f) != NULL;
	fclose(f);
	for (size_t i = 0; ok && i < 2 * WP_DATA_KEY_BYTES; i++)
		ok = wp_hex_digit(hex[i]) >= 0;
	for (size_t i = 0; ok && i < WP_DATA_KEY_BYTES; i++)
		key[i] = (uint8_t)(wp_hex_digit(hex[2 * i]) * 16 + wp_hex_digit(hex[2 * i + 1]));
	if (!ok)
		fprintf(stderr, "wonpay: the data key %s must hold 64 hex characters\n", path);
	return ok;
}

/* Sandbox mode: the sandbox partner, the test bank accounts and every module's test data. */
static wp_status seed_sandbox(struct wp_tx *tx, void *arg)
{
	struct wp_app *app = arg;
	return wp_sandbox_seed_all(app, tx, false, &app->sandbox_partner_created);
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

/*
 * Live mode never accepts the public sandbox credentials, even on a database
 * a sandbox created: they are refused, and the operator is told.
 */
static void refuse_sandbox_credentials(struct wp_app *app)
{
	for (size_t i = 0; i < wp_module_count; i++) {
		const struct wp_public_credential *c = wp_modules[i]->sandbox_credentials;
		for (; c != NULL && c->secret != NULL; c++)
			if (wp_auth_refuse(app->auth, c->surface, c->login, c->secret))
				fprintf(
				    stderr,
				    "wonpay: this database holds the public %s sandbox credential "
				    "(created by --sandbox); live mode refuses it\n",
				    c->surface);
	}
}

/*
 * One server per database file: a lock on "<db>.lock" held for the
 * process's life (released by the kernel even after a crash). SQLite alone
 * would let a second server run beside the first, each with its own commit
 * queue and in-memory state. The CLI's commands may still run beside it.
 */
static int lock_database(const char *db)
{
	char path[WP_FILE_PATH_MAX + 8];
	snprintf(path, sizeof(path), "%s.lock", db);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		fprintf(stderr, "wonpay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";
		ssize_t n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		fprintf(
		    stderr,
		    "wonpay: another wonpay server (pid %s) already serves %s; stop it, or give "
		    "this one its own --db (several servers share one database only on "
		    "PostgreSQL)\n",
		    pid[0] ? pid : "unknown", db);
		close(fd);
		return -1;
	}
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		fprintf(stderr, "wonpay: cannot write %s (the lock holds anyway)\n", path);
	return fd;
}

/* On stop, requests still waiting on a slow bank are answered now. */
static void flush_timers(struct wp_app *app)
{
	wp_timer_stop(app->timer);
}

/*
 * Enough descriptors for every connection the server allows (plus the
 * store's and a margin): the soft limit is raised up to the hard one.
 */
static void raise_fd_limit(unsigned conn_limit)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t want = (rlim_t)conn_limit + WP_FD_MARGIN;
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		fprintf(stderr, "wonpay: only %llu descriptors for %u connections (ulimit -n)\n",
			(unsigned long long)rl.rlim_cur, conn_limit);
}

static void modules_free(struct wp_app *app)
{
	for (size_t i = wp_module_count; i-- > 0;) {
		if (wp_modules[i]->free != NULL)
			wp_modules[i]->free(app->module_state[i]);
		app->module_state[i] = NULL;
	}
}

static int cmd_serve(int argc, char **argv)
{
	struct wp_config cfg;
	char err[256];
	if (!wp_config_defaults(&cfg, err, sizeof(err))) {
		fprintf(stderr, "wonpay: %s\n", err);
		return 2;
	}
	int parsed = parse_options(argc, argv, 2, &cfg, NULL, NULL);
	if (parsed != 0)
		return parsed > 0 ? 0 : 2;
	wp_config_resolve(&cfg);
	raise_fd_limit(cfg.conn_limit);

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
	wp_clock_init(&app.clock);
	struct wp_http_options http = {
	    .listen_host = cfg.listen_host,
	    .listen_port = cfg.listen_port,
	    .threads = cfg.threads,
	    .conn_limit = cfg.conn_limit,
	    .conn_per_ip = cfg.conn_per_ip,
	    .conn_timeout_s = cfg.conn_timeout_s,
	    .header_timeout_s = cfg.header_timeout_s,
	    .min_body_rate = cfg.min_body_rate,
	    .max_body_bytes = cfg.max_body_bytes,
	    .clock = &app.clock,
	    .cors_origins = cfg.cors_origins,
	    .flush = flush_timers,
	    .app = &app,
	};
	const struct wp_surface *surfaces[WP_SURFACES_MAX];
	http.surface_count =
	    wp_module_surfaces(cfg.sandbox, surfaces, WP_SURFACES_MAX, &http.fallback);
	http.surfaces = surfaces;
	if (wp_random_bytes(&http.boot_id, sizeof(http.boot_id)) != WP_OK) {
		fprintf(stderr, "wonpay: no randomness available\n");
		return 1;
	}
	bool url = wp_store_is_url(cfg.db_path);
	if (!url && (ensure_parent_dir(cfg.db_path) != 0 || lock_database(cfg.db_path) < 0))
		return 1; /* the lock's descriptor stays open until the process ends */
	app.store = open_store(&cfg, cfg.threads + 3); /* workers, writer, sender, spare */
	if (app.store == NULL)
		return 1;
	int rc = 1;
	if (ensure_data_dir(&cfg) != 0) /* data.key, sandbox/ */
		goto out_store;
	http.access_log_fd = open_access_log(cfg.access_log);
	char db_shown[WP_FILE_PATH_MAX];
	wp_store_describe(cfg.db_path, db_shown, sizeof(db_shown));
	if (!load_data_key(&cfg, app.data_key) ||
	    !data_key_matches(app.store, app.data_key, db_shown))
		goto out_store;
	struct wp_auth_limits limits = {cfg.rate_per_s, cfg.rate_burst, cfg.auth_fail_per_s,
					cfg.auth_fail_burst};
	app.auth = wp_auth_new(app.store, app.data_key, &limits);
	app.bank = wp_bank_sandbox_new(app.store, &app.clock);
	app.journal = cfg.sandbox ? wp_journal_new() : NULL;
	http.journal = app.journal;
	app.metrics = wp_metrics_new();
	http.metrics = (struct wp_http_metrics){app.metrics, wp_metrics_route, wp_metrics_request,
						wp_metrics_connection};
	if (app.auth == NULL || app.bank == NULL || (cfg.sandbox && app.journal == NULL) ||
	    app.metrics == NULL || (http.access_log_fd < 0 && strcmp(cfg.access_log, "off") != 0))
		goto out_store;
	if (wp_timer_start(&app.timer) != WP_OK)
		goto out_store;
	for (size_t i = 0; i < wp_module_count; i++) {
		const struct wp_module *m = wp_modules[i];
		if (m->init != NULL && m->init(&app, &app.module_state[i]) != WP_OK) {
			fprintf(stderr, "wonpay: cannot start the %s surface\n", m->name);
			goto out_timer;
		}
	}
	if (!cfg.sandbox)
		refuse_sandbox_credentials(&app);
	if (cfg.sandbox && wp_store_write(app.store, seed_sandbox, &app) != WP_OK) {
		fprintf(stderr, "wonpay: cannot create the sandbox partner, its credentials and "
				"the test bank accounts\n");
		goto out_timer;
	}

	struct wp_commit_config commit_cfg = {
	    .max_batch = cfg.commit_batch,
	    .max_wait_us = cfg.commit_wait_us,
	    .tick = expire_pending,
	    .tick_ctx = &app,
	    .tick_ms = WP_COMMIT_TICK_MS,
	    .metrics = app.metrics,
	};
	if (wp_commit_start(app.store, &commit_cfg, &app.commit) != WP_OK) {
		fprintf(stderr, "wonpay: cannot start the commit writer\n");
		goto out_timer;
	}
	struct wp_webhook_config hooks = {
	    .max_attempts = cfg.webhook_max_attempts,
	    .max_age_s = cfg.webhook_max_age_s,
	    .retry_base_ms = cfg.webhook_retry_base_ms,
	    .retry_max_ms = cfg.webhook_retry_max_ms,
	    .timeout_ms = cfg.webhook_timeout_ms,
	    .connect_timeout_ms = cfg.webhook_connect_timeout_ms,
	    .concurrency = cfg.webhook_concurrency,
	    .allow_loopback = cfg.sandbox,
	    .allow_private = cfg.webhook_allow_private,
	};
	/* It resumes every delivery a previous run left pending. */
	if (wp_webhooks_start(app.store, app.commit, app.data_key, &app.clock, app.metrics, &hooks,
			      &app.webhooks) != WP_OK) {
		fprintf(stderr, "wonpay: cannot start the webhook sender\n");
		goto out_commit;
	}
	struct wp_server *server = NULL;
	uint16_t port = 0;
	if (wp_server_bind(&http, &server, &port, err, sizeof(err)) != WP_OK) {
		fprintf(stderr, "wonpay: %s\n", err);
		goto out_commit;
	}
	if (cfg.public_url[0] == '\0' && app.store->ops->shared)
		fprintf(stderr,
			"wonpay: several processes may serve this database: give each the "
			"address clients reach them by (--public-url, the proxy's), or the "
			"links it hands out (AQR short_url and qr_image, OneQ redirects) name "
			"this process alone\n");
	wp_config_finish(&cfg, port); /* before any worker can read it */
	if (wp_server_run(server, err, sizeof(err)) != WP_OK) {
		fprintf(stderr, "wonpay: %s\n", err);
		goto out_commit;
	}
	char shown[WP_FILE_PATH_MAX];
	wp_store_describe(cfg.db_path, shown, sizeof(shown));
	printf("wonpay %s listening on http://%s:%u (%s, database %s, %u threads)\n",
	       WONPAY_VERSION, cfg.listen_host, port, cfg.sandbox ? "sandbox mode" : "live mode",
	       shown, cfg.threads);
	for (size_t i = 0; i < wp_module_count; i++)
		if (wp_modules[i]->describe != NULL)
			wp_modules[i]->describe(&app, stdout);
	fflush(stdout);

	int sig = 0;
	sigwait(&stop_signals, &sig);
	fprintf(stderr, "wonpay: %s received, finishing requests in flight\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	wp_server_stop(server);
	rc = 0;
out_commit:
	wp_webhooks_stop(app.webhooks); /* attempts in flight finish (briefly) and are recorded */
	wp_timer_stop(app.timer);	/* runs what waits on timers: they submit their writes */
	wp_commit_stop(app.commit);	/* drains: every accepted write is committed or refused */
	wp_webhooks_free(app.webhooks);
	app.webhooks = NULL;
	if (rc == 0)
		fprintf(stderr, "wonpay: stopped cleanly\n");
out_timer:
	wp_timer_free(app.timer);
	modules_free(&app);
out_store:
	OPENSSL_cleanse(app.data_key, sizeof(app.data_key));
	wp_auth_free(app.auth);
	wp_journal_free(app.journal);
	wp_metrics_free(app.metrics);
	wp_bank_sandbox_free(app.bank);
	if (http.access_log_fd > STDERR_FILENO)
		close(http.access_log_fd);
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
	if (!wp_config_defaults(&cfg, err, sizeof(err))) {
		fprintf(stderr, "wonpay: %s\n", err);
		return 2;
	}
	int parsed = parse_options(argc, argv, 3, &cfg, NULL, NULL);
	if (parsed != 0)
		return parsed > 0 ? 0 : 2;
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
	if (!wp_config_defaults(&cfg, err, sizeof(err))) {
		fprintf(stderr, "wonpay: %s\n", err);
		return 2;
	}
	int parsed = parse_options(argc, argv, 2, &cfg, NULL, NULL);
	if (parsed != 0)
		return parsed > 0 ? 0 : 2;
	struct wp_store *s = open_store(&cfg, 1);
	if (s == NULL)
		return 1;
	int version = 0;
	s->ops->migrate(s, &version);
	char shown[WP_FILE_PATH_MAX];
	wp_store_describe(cfg.db_path, shown, sizeof(shown));
	printf("database %s is at schema version %d (%s)\n", shown, version, s->ops->name);
	wp_store_close(s);
	return 0;
}

/* What `partner add` issues: every module's issuer, asked for or always. */
struct partner_opts {
	const char *email;
	const char *name;
	const char *option_value[WP_MODULES_MAX]; /* by module: its issuer option's value */
	void *issue[WP_MODULES_MAX];
	int64_t now_ms;
	int64_t id;
};

static bool issuing(const struct partner_opts *o, size_t i)
{
	const struct wp_issuer *is = wp_modules[i]->issuer;
	return is != NULL && (is->always || o->option_value[i] != NULL);
}

static wp_status add_partner(struct wp_tx *tx, void *arg)
{
	struct partner_opts *o = arg;
	wp_status st =
	    wp_auth_partner_add(tx, o->email, o->name ? o->name : o->email, o->now_ms, &o->id);
	for (size_t i = 0; st == WP_OK && i < wp_module_count; i++)
		if (issuing(o, i))
			st = wp_modules[i]->issuer->add(tx, o->issue[i], o->id, o->now_ms);
	return st;
}

static int partner_option(void *ctx, const char *name, const char *value)
{
	struct partner_opts *o = ctx;
	if (value == NULL)
		return 0;
	if (strcmp(name, "--email") == 0) {
		o->email = value;
		return 1;
	}
	if (strcmp(name, "--name") == 0) {
		o->name = value;
		return 1;
	}
	for (size_t i = 0; i < wp_module_count; i++) {
		const struct wp_issuer *is = wp_modules[i]->issuer;
		if (is != NULL && is->option != NULL && strcmp(name, is->option) == 0) {
			o->option_value[i] = value;
			return 1;
		}
	}
	return 0;
}

static void print_partner(void *ctx, const struct wp_partner *p)
{
	(void)ctx;
	printf("%-6lld %-40s %s\n", (long long)p->id, p->email, p->name);
}

/* Prepares, adds in one transaction, prints once; frees what was prepared. */
static int partner_add(struct wp_store *s, const struct wp_config *cfg, struct partner_opts *o)
{
	wp_clock clock;
	wp_clock_init(&clock);
	o->now_ms = wp_clock_now_ms(&clock);
	/* Issuers that seal keep a pointer to the key: it is read only once every issuer
	   accepted its input, so a bad input leaves no new key file behind. */
	uint8_t data_key[WP_DATA_KEY_BYTES] = {0};
	bool sealing = false;
	for (size_t i = 0; i < wp_module_count; i++)
		sealing |= issuing(o, i) &&
			   (!wp_modules[i]->issuer->always || wp_modules[i]->issuer->seals);
	char err[256] = "";
	wp_status st = WP_OK;
	for (size_t i = 0; st == WP_OK && i < wp_module_count; i++)
		if (issuing(o, i))
			st = wp_modules[i]->issuer->prepare(data_key, o->option_value[i],
							    &o->issue[i], err, sizeof(err));
	bool reported = st != WP_OK && err[0] != '\0';
	if (reported)
		fprintf(stderr, "wonpay: %s\n", err);
	char db_shown[WP_FILE_PATH_MAX];
	wp_store_describe(cfg->db_path, db_shown, sizeof(db_shown));
	if (st == WP_OK && sealing &&
	    (!load_data_key(cfg, data_key) || !data_key_matches(s, data_key, db_shown))) {
		st = WP_E_INTERNAL; /* load_data_key or data_key_matches said why */
		reported = true;
	}
	if (st == WP_OK)
		st = wp_store_write(s, add_partner, o);
	if (st == WP_OK) {
		printf("partner %lld added: %s\n", (long long)o->id, o->email);
		for (size_t i = 0; i < wp_module_count; i++)
			if (o->issue[i] != NULL)
				wp_modules[i]->issuer->print(o->issue[i], stdout);
		printf("(shown once: tokens and access keys are stored hashed, secrets sealed)\n");
	} else if (!reported) {
		fprintf(stderr, "wonpay: cannot add partner %s: %s\n", o->email,
			st == WP_E_CONFLICT  ? "that email is already a partner"
			: st == WP_E_INVALID ? "not a valid email address"
					     : wp_status_name(st));
	}
	for (size_t i = 0; i < wp_module_count; i++)
		if (o->issue[i] != NULL)
			wp_modules[i]->issuer->free(o->issue[i]);
	OPENSSL_cleanse(data_key, sizeof(data_key));
	return st == WP_OK ? 0 : 1;
}

static int cmd_partner(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[2], "add") != 0 && strcmp(argv[2], "list") != 0)) {
		fprintf(stderr, "wonpay: partner wants 'add' or 'list' (see wonpay --help)\n");
		return 2;
	}
	struct wp_config cfg;
	char err[256];
	struct partner_opts o;
	memset(&o, 0, sizeof(o));
	if (!wp_config_defaults(&cfg, err, sizeof(err))) {
		fprintf(stderr, "wonpay: %s\n", err);
		return 2;
	}
	int parsed = parse_options(argc, argv, 3, &cfg, partner_option, &o);
	if (parsed != 0)
		return parsed > 0 ? 0 : 2;
	bool add = strcmp(argv[2], "add") == 0;
	if (add && o.email == NULL) {
		fprintf(stderr, "wonpay: partner add needs --email\n");
		return 2;
	}
	struct wp_store *s = open_store(&cfg, 1);
	if (s == NULL)
		return 1;
	int rc;
	if (add) {
		rc = partner_add(s, &cfg, &o);
	} else {
		printf("%-6s %-40s %s\n", "id", "email", "name");
		rc = s->ops->partner_list(s, print_partner, NULL) == WP_OK ? 0 : 1;
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
