/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an output file named on the command line (-o) is written, decided
 * before anything is recorded (docs/reliability.md, "Output files"):
 *
 *   "-", /dev/stdout, /dev/fd/N   into that descriptor, as it was opened
 *                                 (a pipe, a terminal, a file opened for
 *                                 appending stay so);
 *   a device node, a FIFO         into it: opened for writing, never
 *                                 replaced (as root, a rename onto
 *                                 /dev/null would break the machine);
 *   a regular file or a new name  replaced atomically: a temporary file
 *                                 beside it renamed over it once complete;
 *                                 through symlinks, the file they lead to,
 *                                 the links left as they are;
 *   a directory                   refused.
 *
 * A directory that cannot take a file (missing, read-only, no space or no
 * inode left) and a file or node that is not writable are refused before
 * recording, where that can be known; what shows only on write (/dev/full,
 * a disk filling meanwhile) fails the write, with its reason.
 */
#ifndef IFL_OUTFILE_H
#define IFL_OUTFILE_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum ifl_out_kind {
	IFL_OUT_FD,		/* an open descriptor: "-", /dev/stdout, /dev/fd/N */
	IFL_OUT_INTO,		/* a device node or FIFO, written into */
	IFL_OUT_REPLACE,	/* a regular file (or none yet), replaced atomically */
};

struct ifl_out {
	enum ifl_out_kind kind;
	int fd;			/* IFL_OUT_FD */
	char path[PATH_MAX];	/* INTO: the node; REPLACE: the file the links lead to */
	const char *name;	/* as given, for messages */
};

/* 0, or -1 with one line in err naming the file and what is wrong. */
int ifl_out_resolve(const char *name, struct ifl_out *o, char *err, size_t errlen);
/* Resolve, then refuse what cannot be written before anything is recorded. */
int ifl_out_check(const char *name, struct ifl_out *o, char *err, size_t errlen);
/* The target is this process's standard output: a report goes elsewhere. */
bool ifl_out_is_stdout(const struct ifl_out *o);
/* The whole of text, or -1 with one line in err; REPLACE never leaves a partial file. */
int ifl_out_write(const struct ifl_out *o, const char *text, size_t len, char *err, size_t errlen);

#endif
