#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool wp_file_write(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return false;
	size_t n = strlen(text);
	bool ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
	return close(fd) == 0 && ok;
}

int wp_file_create(const char *path, const char *text, mode_t mode)
{
	char tmp[4096], dir[4096];
	int n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(tmp); /* a name of its own, created exclusively */
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	bool ok = fchmod(fd, mode) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	int rc = !ok ? -1 : link(tmp, path) == 0 ? 1 : errno == EEXIST ? 0 : -1;
	int e = errno;
	unlink(tmp);
	if (rc == 1) { /* the new name is durable too */
		wp_file_dir(path, dir, sizeof(dir));
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) != 0)
			rc = -1;
		e = errno;
		if (dfd >= 0)
			close(dfd);
	}
	errno = e;
	return rc;
}

char *wp_file_read_text(const char *path, size_t max)
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

void wp_file_dir(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(out, cap, ".");
	else
		snprintf(out, cap, "%.*s", (int)(slash - path), path);
}
