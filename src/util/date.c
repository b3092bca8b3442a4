#include "util/date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/text.h"

int wp_digits_value(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

bool wp_date_valid(int y, int mo, int d)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(mo == 2 && d == 29 && !leap);
}

bool wp_clock_time_valid(int h, int mi, int s)
{
	return h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 60;
}

bool wp_birth_date_valid(const char *b, bool allow_short)
{
	size_t n = strlen(b);
	if (!wp_all_digits(b, n))
		return false;
	if (n == 8)
		return wp_digits_value(b, 4) >= 1900 &&
		       wp_date_valid(wp_digits_value(b, 4), wp_digits_value(b + 4, 2),
				     wp_digits_value(b + 6, 2));
	/* yyMMdd: the century is unknown, so 29 February is allowed (2000 is leap). */
	return allow_short && n == 6 &&
	       wp_date_valid(2000, wp_digits_value(b + 2, 2), wp_digits_value(b + 4, 2));
}

bool wp_parse_stamp(const char *d, size_t n, int offset_min, int64_t *ms)
{
	if ((n != 14 && n != 17) || !wp_all_digits(d, n))
		return false;
	int y = wp_digits_value(d, 4), mo = wp_digits_value(d + 4, 2),
	    day = wp_digits_value(d + 6, 2);
	int h = wp_digits_value(d + 8, 2), mi = wp_digits_value(d + 10, 2),
	    s = wp_digits_value(d + 12, 2);
	if (y < 1970 || !wp_date_valid(y, mo, day) || !wp_clock_time_valid(h, mi, s))
		return false;
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = day,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s};
	int64_t secs = (int64_t)timegm(&tm) - (int64_t)offset_min * 60;
	*ms = secs * 1000 + (n == 17 ? wp_digits_value(d + 14, 3) : 0);
	return true;
}

char *wp_format_stamp(int64_t ms, int offset_min, bool dashed, bool with_ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000 + (int64_t)offset_min * 60);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = dashed ? strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm)
			  : strftime(out, cap, "%Y%m%d%H%M%S", &tm);
	if (with_ms && n < cap)
		snprintf(out + n, cap - n, "%03d", (int)(ms % 1000));
	return out;
}
