/*
 * bounds.h — every bound wonpay enforces, in one place.
 *
 * "Put a limit on everything": each buffer, list, queue and wait in the server
 * has a maximum named here, so an operator can read the whole envelope of the
 * process in one file. Units go last in names.
 */
#ifndef WP_BOUNDS_H
#define WP_BOUNDS_H

/* HTTP */
#define WP_BODY_MAX_BYTES_DEFAULT (64 * 1024)	/* request body, checked while streaming */
#define WP_BODY_DISCARD_MAX_BYTES (1024 * 1024) /* chunked overflow read before we hang up */
/*
 * Per-connection memory of libmicrohttpd: the header block and the answer's
 * headers. It zeroes all of it at every request: 32 KiB cost 2-3 us of CPU
 * per request more than 16 (bench/aqr.sh, landing page). At 24 KiB a Cookie
 * header is read up to about 11.5 KB (it is kept twice: raw and parsed); a
 * little more and libmicrohttpd closes the connection without an answer
 * (the answer's headers no longer fit), past about 12.5 KB it answers 431.
 * The APIs' own headers are well under 1 KB.
 */
#define WP_HEADER_MEMORY_BYTES (24 * 1024)
#define WP_LISTEN_BACKLOG 1024 /* connections waiting to be accepted */
#define WP_BODY_INITIAL_BYTES                                                                      \
	1000 /* first body buffer (glibc's tcache size); doubles up to the limit */
#define WP_CONN_LIMIT_DEFAULT 4096     /* simultaneous connections */
#define WP_CONN_PER_IP_DEFAULT 64      /* connections from one address (0 in sandbox mode) */
#define WP_HEADER_TIMEOUT_S_DEFAULT 10 /* the whole header block */
#define WP_MIN_BODY_RATE_DEFAULT 256   /* bytes/s a body must keep up after its first second */
#define WP_GUARD_SWEEP_MS 250	       /* how often deadlines are looked at */
#define WP_GUARD_IP_BUCKETS 1024
#define WP_CONN_RESERVE 64
#define WP_FD_MARGIN                                                                               \
	256 /* descriptors beyond the connections: store, logs, timers */ /* connections kept free for addresses that hold none */
#define WP_CONN_TIMEOUT_S_DEFAULT 30 /* idle connection timeout */
#define WP_QUERY_ARGS_MAX 64	     /* arguments in a query string; past it: 414 */
#define WP_SHUTDOWN_FLUSH_MS 15000   /* after flushing timers on stop */
#define WP_SHUTDOWN_DRAIN_MS 15000   /* longer than a slow bank's 10 s timeout */
#define WP_PATH_PARAMS_MAX 4	     /* {param} segments in a route */
#define WP_PATH_MAX_BYTES 2048
#define WP_ARENA_MAX_BYTES (1024 * 1024)   /* per-request scratch memory */
#define WP_SCRATCH_ARENA_BYTES (64 * 1024) /* a short-lived arena outside a request */

/* Bodies */
#define WP_FORM_FIELDS_MAX 64 /* fields in one form body */
#define WP_FORM_NAME_MAX_BYTES 64
#define WP_MULTIPART_BOUNDARY_MAX 70 /* RFC 2046 */

/* AQR */
#define WP_AQR_KEYWORD_LEN 8		     /* random [A-Za-z0-9] characters */
#define WP_AQR_KEYWORD_MAX_BYTES 20	     /* spec: uniq_keyword max length */
#define WP_AQR_KEYWORD_RETRIES 8	     /* on a (vanishingly rare) collision */
#define WP_AQR_AMOUNT_MAX_WON 100000000000LL /* landing page /f/{kw}/{amount}: 1e11 won */
#define WP_AQR_PAGE_CACHE_SLOTS 1024	     /* rendered landing pages kept (one per slot) */
#define WP_AQR_PAGE_CACHE_MS 1000	     /* how long one is kept */
#define WP_QR_MODULE_PX 8
#define WP_QR_QUIET_MODULES 4
#define WP_QR_PNG_MAX_BYTES (256 * 1024)
#define WP_PAGE_MAX_BYTES (64 * 1024) /* a rendered HTML page */

/* Credentials (core/auth.c) */
#define WP_LOGIN_MAX 64 /* the public half of a credential (an AspId) */
#define WP_CRYPTO_KEY_ID_MAX 64
#define WP_AUTH_REFUSED_MAX 8	     /* credentials refused in live mode (the sandbox's) */
#define WP_AUTH_KEY_CACHE_SLOTS 256  /* parsed key pairs kept in memory */
#define WP_AUTH_CHECK_CACHE_SLOTS 64 /* credentials recently checked, kept in memory */
#define WP_AUTH_CHECK_CACHE_MS 2000  /* how long a checked credential is believed */
#define WP_PEM_MAX_BYTES (16 * 1024)
#define WP_RSA_BITS 2048 /* key pairs wonpay generates (Kona's JWE) */
#define WP_JWE_HEADER_MAX_BYTES                                                                    \
	160 /* a JWE protected header read to mirror its enc */ /* a partner's public key file */

/* Rate limiting (token bucket per credential; failures per client address) */
#define WP_AUTH_FAIL_PER_S_DEFAULT 10
#define WP_AUTH_FAIL_BURST_DEFAULT 100
#define WP_ADMIN_TOKEN_MIN 8
#define WP_RATE_PER_S_DEFAULT 100
#define WP_RATE_BURST_DEFAULT 200
#define WP_RATE_TABLE_SLOTS 4096

/* Commit path (group commit) */
#define WP_COMMIT_QUEUE_MAX 65536	 /* commands waiting; past it: 503 */
#define WP_COMMIT_BATCH_MAX_DEFAULT 1000 /* commands per transaction */
#define WP_COMMIT_WAIT_US_DEFAULT 0	 /* linger to fill a batch */
#define WP_COMMIT_TICK_MS 1000		 /* housekeeping (pending expiry) at most this often */
#define WP_EXPIRE_BATCH_MAX 1000	 /* pending transfers released per tick */

/* Timers (slow sandbox banks) */
#define WP_TIMER_MAX 16384 /* callbacks waiting */

/* Webhooks (core/webhook.c): the outbox and its sender */
#define WP_WEBHOOK_MAX_ATTEMPTS_DEFAULT 12	   /* attempts per round before giving up */
#define WP_WEBHOOK_MAX_AGE_S_DEFAULT 86400	   /* a round's total time before giving up */
#define WP_WEBHOOK_RETRY_BASE_MS_DEFAULT 5000	   /* the first retry's delay; doubles */
#define WP_WEBHOOK_RETRY_MAX_MS_DEFAULT 3600000	   /* no retry waits longer */
#define WP_WEBHOOK_TIMEOUT_MS_DEFAULT 10000	   /* one attempt, connect to last byte */
#define WP_WEBHOOK_CONNECT_TIMEOUT_MS_DEFAULT 3000 /* one attempt's TCP (and TLS) connect */
#define WP_WEBHOOK_CONCURRENCY_DEFAULT 64	   /* attempts in flight at once */
#define WP_WEBHOOK_CONCURRENCY_MAX 1024
#define WP_WEBHOOK_PER_HOST_MAX 16	  /* in flight to one host:port: a slow one waits alone */
#define WP_WEBHOOK_PER_HOST_TAKEN_MAX 64  /* one host's deliveries taken from the outbox at once */
#define WP_WEBHOOK_TAKEN_PER_SLOT 4	  /* deliveries taken at once per --webhook-concurrency */
#define WP_ONEQ_EXPIRY_S_DEFAULT 900	  /* OneQ Pay: an unapproved payment's life */
#define WP_WEBHOOK_SCAN_MAX 8192	  /* due rows one fetch reads past hosts with their share */
#define WP_WEBHOOK_DEEP_SCAN_EVERY_MS 200 /* and it does so at most this often */
#define WP_WEBHOOK_FETCH_EVERY_MS 5	  /* looks for due deliveries at most this often */
#define WP_WEBHOOK_IDLE_POLL_MS 1000	  /* and at least this often */
#define WP_WEBHOOK_STOP_GRACE_MS 3000	  /* on stop, attempts in flight may finish within */
/* several processes on one database: a claimed delivery's claim outlives its attempt by this */
#define WP_WEBHOOK_CLAIM_MARGIN_MS 60000
#define WP_WEBHOOK_BODY_MAX_BYTES (64 * 1024) /* one event's JSON */
#define WP_WEBHOOK_RESOLVERS 2		      /* threads resolving webhook hosts (getaddrinfo) */
#define WP_WEBHOOK_RESOLVE_QUEUE_MAX 1024     /* host look-ups waiting */
#define WP_WEBHOOK_ADDRS_MAX 8		      /* addresses of one host checked and pinned */
#define WP_WEBHOOK_LIST_MAX 200		      /* deliveries in one sandbox listing */
#define WP_WEBHOOK_LIST_DEFAULT 50
#define WP_WEBHOOK_ATTEMPTS_LISTED_MAX 100 /* a delivery's attempts in a listing (the last) */
#define WP_WEBHOOK_ERROR_MAX_BYTES 200	   /* an attempt's error, as recorded */

/* Sandbox */
#define WP_BANK_LATENCY_MAX_MS 600000 /* a fault's latency, and the ARS call's delay */
#define WP_JOURNAL_DEFAULT_LIMIT 100  /* GET /sandbox/requests without ?limit */
#define WP_JOURNAL_ENTRIES 1000	      /* GET /sandbox/requests keeps the newest */
#define WP_CLOCK_ADVANCE_MAX_S (10LL * 365 * 24 * 3600)

/* Kona */
#define WP_REPLAY_SLOTS (1u << 19)	      /* used tran tokens remembered (8 MiB) */
#define WP_KONA_CLOCK_SKEW_MS (5 * 60 * 1000) /* request time vs server clock */
#define WP_KONA_ARS_DELAY_MS_DEFAULT 2000     /* the simulated member answers the call */
#define WP_KONA_REPLAY_SLACK_MS 1000 /* a used token is remembered this long past its window */
#define WP_KONA_ARS_REGISTER_MS 300  /* then the bank registers the account */
#define WP_KONA_REGISTRATIONS_MAX 50 /* a member's registrations read at once */
#define WP_KONA_USER_ID_RETRIES 8    /* on a (vanishingly rare) userId collision */

/* Storage */
#define WP_STORE_BUSY_TIMEOUT_MS 5000
/*
 * PostgreSQL: a session idle this long inside a transaction is ended by the
 * server, so a process frozen in the middle of a write batch (stopped,
 * swapped out) releases the write lock every process needs.
 */
#define WP_STORE_IDLE_TX_TIMEOUT_MS 30000
/*
 * PostgreSQL: a write transaction's statements are answered within this, or
 * the batch fails (503) and the connection is reset. Above lock_timeout
 * (the write lock may be waited for that long).
 */
#define WP_STORE_ANSWER_TIMEOUT_MS 15000
#define WP_STORE_POOL_MAX 64
#define WP_STORE_PATH_MAX_BYTES 1024	       /* the database file's path */
#define WP_STORE_ROW_ARENA_BYTES (1024 * 1024) /* one document row while listing */

/* Surfaces (src/surface/kit.h) */
#define WP_MODULES_MAX 8	 /* surface modules in one server */
#define WP_SURFACES_MAX 16	 /* their route tables */
#define WP_FIELDS_MAX 32	 /* fields in one request's table */
#define WP_MESSAGE_MAX_BYTES 256 /* a human message in an error answer */

/* Logging */
#define WP_LOG_LINE_MAX_BYTES 4096

/* Metrics (GET /metrics) */
#define WP_METRICS_TEXT_MAX_BYTES (1024 * 1024) /* one scrape's text */

#endif
