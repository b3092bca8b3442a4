/*
 * file.h — small files: keys and PEM files beside the database.
 */
#ifndef WP_FILE_H
#define WP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes text to path (created with mode, or truncated) and fsyncs it. */
bool wp_file_write(const char *path, const char *text, mode_t mode);
/*
 * Creates path holding text (mode, fsynced) only if it does not exist, all
 * at once (written beside it, then linked): 1 created, 0 it existed (left
 * as it is), -1 an error (errno).
 */
int wp_file_create(const char *path, const char *text, mode_t mode);
/* The whole file as a malloc'd NUL-terminated string of at most max bytes; NULL if unreadable or empty. */
char *wp_file_read_text(const char *path, size_t max);
/* The directory part of a file path ("." when it has none). */
void wp_file_dir(const char *path, char *out, size_t cap);

#endif
