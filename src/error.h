/*
 * error.h — the one internal status type.
 *
 * Every layer returns a wp_status. The numbers are stable: a code is never
 * renumbered or reused (TigerBeetle, curl). Each surface maps these to its own
 * wire codes and HTTP statuses in one table of its own; no surface passes
 * another's codes through.
 */
#ifndef WP_ERROR_H
#define WP_ERROR_H

typedef enum wp_status {
	WP_OK = 0,
	WP_E_INVALID = 1,      /* a field failed validation */
	WP_E_UNAUTHORIZED = 2, /* missing or wrong credential */
	WP_E_FORBIDDEN = 3,    /* credential valid, action not allowed */
	WP_E_NOT_FOUND = 4,
	WP_E_GONE = 5,		 /* existed, was deleted */
	WP_E_METHOD = 6,	 /* wrong HTTP method */
	WP_E_NOT_ACCEPTABLE = 7, /* Accept header excludes what we produce */
	WP_E_TOO_LARGE = 8,	 /* body over the limit */
	WP_E_RATE_LIMITED = 9,
	WP_E_CONFLICT = 10, /* unique key already taken */
	WP_E_NOMEM = 11,
	WP_E_STORAGE = 12,	/* the database failed; retryable */
	WP_E_UNAVAILABLE = 13,	/* shutting down, maintenance */
	WP_E_INTERNAL = 14,	/* a bug: never for bad input */
	WP_E_MEDIA_TYPE = 15,	/* unsupported Content-Type or charset */
	WP_E_FRAMING = 16,	/* ambiguous HTTP framing */
	WP_E_URI_TOO_LONG = 17, /* too many query arguments */
} wp_status;

const char *wp_status_name(wp_status s);

#endif
