#include "error.h"

const char *wp_status_name(wp_status s)
{
	switch (s) {
	case WP_OK:
		return "ok";
	case WP_E_INVALID:
		return "invalid";
	case WP_E_UNAUTHORIZED:
		return "unauthorized";
	case WP_E_FORBIDDEN:
		return "forbidden";
	case WP_E_NOT_FOUND:
		return "not_found";
	case WP_E_GONE:
		return "gone";
	case WP_E_METHOD:
		return "method_not_allowed";
	case WP_E_NOT_ACCEPTABLE:
		return "not_acceptable";
	case WP_E_TOO_LARGE:
		return "too_large";
	case WP_E_RATE_LIMITED:
		return "rate_limited";
	case WP_E_CONFLICT:
		return "conflict";
	case WP_E_NOMEM:
		return "out_of_memory";
	case WP_E_STORAGE:
		return "storage";
	case WP_E_UNAVAILABLE:
		return "unavailable";
	case WP_E_INTERNAL:
		return "internal";
	case WP_E_MEDIA_TYPE:
		return "unsupported_media_type";
	case WP_E_FRAMING:
		return "bad_framing";
	case WP_E_URI_TOO_LONG:
		return "uri_too_long";
	}
	return "unknown";
}
