// SPDX-License-Identifier: GPL-2.0
/* Where -o writes, and the writing (outfile.h). */
#define _GNU_SOURCE	/* asprintf, realpath */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dump.h"	/* ifl_dump_fail */
#include "outfile.h"

/* Symlinks followed before giving up, as the kernel's own limit. */
#define MAX_HOPS 40

static int check_fd(struct ifl_out *o, char *err, size_t errlen)
{
	int fl = fcntl(o->fd, F_GETFL);

	if (fl < 0)
		return ifl_dump_fail(err, errlen, "%s: descriptor %d is not open", o->name, o->fd);
	if ((fl & O_ACCMODE) == O_RDONLY)
		return ifl_dump_fail(err, errlen, "%s: descriptor %d is not open for writing", o->name, o->fd);
	return 0;
}

/* "/proc/PID/fd" (or a thread's) of this process, and base a number: that descriptor. */
static bool own_fd(const char *rdir, const char *base, int *fd)
{
	char self[64], task[64];
	char *end;
	long n;

	snprintf(self, sizeof(self), "/proc/%d/fd", (int)getpid());
	snprintf(task, sizeof(task), "/proc/%d/task/", (int)getpid());
	if (strcmp(rdir, self) && (strncmp(rdir, task, strlen(task)) ||
				   strcmp(rdir + strlen(rdir) - 3, "/fd")))
		return false;
	errno = 0;
	n = strtol(base, &end, 10);
	if (errno || end == base || *end || n < 0 || n > INT_MAX)
		return false;
	*fd = (int)n;
	return true;
}

static int join(char *out, const char *dir, const char *base)
{
	int n = snprintf(out, PATH_MAX, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", base);

	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

int ifl_out_resolve(const char *name, struct ifl_out *o, char *err, size_t errlen)
{
	char cur[PATH_MAX], dir[PATH_MAX], rdir[PATH_MAX], full[PATH_MAX], link[PATH_MAX];

	memset(o, 0, sizeof(*o));
	o->name = name;
	if (!*name)
		return ifl_dump_fail(err, errlen, "an empty file name");
	if (!strcmp(name, "-")) {
		o->kind = IFL_OUT_FD;
		o->fd = STDOUT_FILENO;
		return check_fd(o, err, errlen);
	}
	if (snprintf(cur, sizeof(cur), "%s", name) >= (int)sizeof(cur))
		return ifl_dump_fail(err, errlen, "%.64s...: file name too long", name);
	for (int hops = 0;; hops++) {
		char *slash = strrchr(cur, '/');
		const char *base;
		struct stat st;
		ssize_t n;

		if (hops > MAX_HOPS)
			return ifl_dump_fail(err, errlen, "%s: %s", name, strerror(ELOOP));
		if (slash && !slash[1]) {
			/* "dir/": a directory, or nothing a file could be */
			return ifl_dump_fail(err, errlen, "%s: %s", name,
					     stat(cur, &st) || !S_ISDIR(st.st_mode) ? strerror(ENOTDIR)
										  : "is a directory");
		}
		if (!slash) {
			strcpy(dir, ".");
			base = cur;
		} else if (slash == cur) {
			strcpy(dir, "/");
			base = cur + 1;
		} else {
			memcpy(dir, cur, (size_t)(slash - cur));
			dir[slash - cur] = '\0';
			base = slash + 1;
		}
		if (!realpath(dir, rdir))
			return ifl_dump_fail(err, errlen, "%s: cannot write in %s: %s", name, dir, strerror(errno));
		if (own_fd(rdir, base, &o->fd)) {
			/* /dev/stdout, /dev/fd/N: the descriptor itself, not a second open of what it is */
			o->kind = IFL_OUT_FD;
			return check_fd(o, err, errlen);
		}
		if (join(full, rdir, base))
			return ifl_dump_fail(err, errlen, "%.64s...: file name too long", name);
		if (!strcmp(rdir, "/proc") || !strncmp(rdir, "/proc/", 6)) {
			/* proc's links are not paths (pipe:[123]): opened as they are */
			o->kind = IFL_OUT_INTO;
			strcpy(o->path, full);
			return 0;
		}
		if (lstat(full, &st)) {
			if (errno != ENOENT)
				return ifl_dump_fail(err, errlen, "%s: %s", name, strerror(errno));
			o->kind = IFL_OUT_REPLACE;	/* a new file (or where a dangling link leads) */
			strcpy(o->path, full);
			return 0;
		}
		if (S_ISLNK(st.st_mode)) {
			n = readlink(full, link, sizeof(link) - 1);
			if (n < 0)
				return ifl_dump_fail(err, errlen, "%s: %s", name, strerror(errno));
			link[n] = '\0';
			if (link[0] == '/' ? snprintf(cur, sizeof(cur), "%s", link) >= (int)sizeof(cur)
					   : join(cur, rdir, link))
				return ifl_dump_fail(err, errlen, "%.64s...: file name too long", name);
			continue;
		}
		if (S_ISDIR(st.st_mode))
			return ifl_dump_fail(err, errlen, "%s: is a directory", name);
		o->kind = S_ISREG(st.st_mode) ? IFL_OUT_REPLACE : IFL_OUT_INTO;
		strcpy(o->path, full);
		return 0;
	}
}

int ifl_out_check(const char *name, struct ifl_out *o, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct statvfs vfs;
	char *slash;

	if (ifl_out_resolve(name, o, err, errlen))
		return -1;
	switch (o->kind) {
	case IFL_OUT_FD:
		return 0;
	case IFL_OUT_INTO:
		if (access(o->path, W_OK))
			return ifl_dump_fail(err, errlen, "%s: cannot write: %s", name, strerror(errno));
		return 0;
	case IFL_OUT_REPLACE:
		break;
	}
	strcpy(dir, o->path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK | X_OK))
		return ifl_dump_fail(err, errlen, "%s: cannot write in %s: %s", name, dir, strerror(errno));
	if (!access(o->path, F_OK) && access(o->path, W_OK))
		return ifl_dump_fail(err, errlen, "%s: cannot write: %s", name, strerror(errno));
	if (!statvfs(dir, &vfs)) {
		/* root may use the blocks reserved for it; a file system without an inode count says 0 files */
		unsigned long blocks = geteuid() ? vfs.f_bavail : vfs.f_bfree;

		if ((vfs.f_blocks && !blocks) || (vfs.f_files && !vfs.f_favail))
			return ifl_dump_fail(err, errlen, "%s: cannot write in %s: %s", name, dir,
					     strerror(ENOSPC));
	}
	return 0;
}

bool ifl_out_is_stdout(const struct ifl_out *o)
{
	return o->kind == IFL_OUT_FD && o->fd == STDOUT_FILENO;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file beside path, mode 0666 less the umask (the kernel applies it:
 * umask() to read it would change it for the whole process meanwhile). */
static int create_beside(const char *path, char **tmp)
{
	const char *slash = strrchr(path, '/');

	for (int i = 0; i < 100; i++) {
		unsigned int r;
		int fd;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned int)getpid() * 2654435761u + (unsigned int)i;
		if (asprintf(tmp, "%.*s.%s.%08x", (int)(slash - path + 1), path, slash + 1, r) < 0) {
			*tmp = NULL;
			errno = ENOMEM;
			return -1;
		}
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		free(*tmp);
	}
	*tmp = NULL;
	errno = EEXIST;
	return -1;
}

/* The rename made durable: the directory's entry synced too. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd, ret;

	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* some file systems cannot sync a directory: nothing more to do there */
	ret = fsync(fd) && errno != EINVAL && errno != EROFS ? -1 : 0;
	close(fd);
	return ret;
}

static int replace(const struct ifl_out *o, const char *text, size_t len, char *err, size_t errlen)
{
	char *tmp = NULL;
	int fd, e;

	/* The temporary file is in the target's directory: rename() is atomic there. */
	fd = create_beside(o->path, &tmp);
	if (fd < 0) {
		e = errno;
		free(tmp);
		return ifl_dump_fail(err, errlen, "%s: cannot create a file beside it: %s", o->name, strerror(e));
	}
	if (write_all(fd, text, len) || fsync(fd))
		goto failed;
	e = close(fd);
	fd = -1;
	if (e || rename(tmp, o->path))
		goto failed;
	free(tmp);
	if (sync_dir(o->path))
		return ifl_dump_fail(err, errlen, "%s: written, but its directory cannot be synced: %s",
				     o->name, strerror(errno));
	return 0;
failed:
	e = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return ifl_dump_fail(err, errlen, "%s: cannot write: %s", o->name, strerror(e));
}

int ifl_out_write(const struct ifl_out *o, const char *text, size_t len, char *err, size_t errlen)
{
	int fd, e;

	switch (o->kind) {
	case IFL_OUT_REPLACE:
		return replace(o, text, len, err, errlen);
	case IFL_OUT_FD:
		if (write_all(o->fd, text, len))
			return ifl_dump_fail(err, errlen, "%s: cannot write: %s", o->name, strerror(errno));
		return 0;
	case IFL_OUT_INTO:
		break;
	}
	/* A FIFO's open waits for its reader, as a shell's redirection would. */
	do
		fd = open(o->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return ifl_dump_fail(err, errlen, "%s: cannot open: %s", o->name, strerror(errno));
	e = write_all(fd, text, len) ? errno : 0;
	if (close(fd) && !e)
		e = errno;
	if (e)
		return ifl_dump_fail(err, errlen, "%s: cannot write: %s", o->name, strerror(e));
	return 0;
}
