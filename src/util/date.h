/*
 * date.h — calendar checks and compact timestamps (yyyyMMddHHmmss...).
 *
 * Pure functions on digits; no time zone database: zones are fixed
 * offsets, as the providers' documents use them (KST = UTC+9).
 */
#ifndef WP_DATE_H
#define WP_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Korea Standard Time: UTC+9, no daylight saving. */
#define WP_KST_OFFSET_MIN (9 * 60)

/* The value of n ASCII digits (the caller checked they are digits). */
int wp_digits_value(const char *s, size_t n);
/* A real day of the Gregorian calendar (29 February only in leap years). */
bool wp_date_valid(int year, int month, int day);
/* 00:00:00 .. 23:59:59 */
bool wp_clock_time_valid(int hour, int minute, int second);
/* yyyyMMdd from 1900 on; with allow_short also yyMMdd (any year of a century). */
bool wp_birth_date_valid(const char *s, bool allow_short);
/*
 * Milliseconds since the epoch for yyyyMMddHHmmss (n 14) or
 * yyyyMMddHHmmssSSS (n 17) at a fixed offset from UTC, from 1970 on.
 */
bool wp_parse_stamp(const char *d, size_t n, int offset_min, int64_t *ms);
/*
 * The inverse: ms since the epoch (>= 0) at a fixed offset as
 * yyyyMMddHHmmss, or dashed as "yyyy-MM-dd HH:mm:ss", with the
 * milliseconds appended as 3 digits when with_ms. Returns out.
 */
char *wp_format_stamp(int64_t ms, int offset_min, bool dashed, bool with_ms, char *out, size_t cap);

#endif
