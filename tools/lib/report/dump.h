/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dump files of iommu-flushhist: one recording (a snapshot delta and what
 * was recorded where) saved as JSON through json-c, in the versioned schema
 * of docs/dump-format.md.  Reading needs no privilege and no BPF: the
 * comparison of two files works anywhere.
 *
 * Loading validates everything a later step relies on (names, ranges, sums
 * that fit), so a file that loads can be grouped and printed without
 * further checks.  Writing goes where outfile.h says: a regular file is
 * replaced by a temporary file in its directory renamed over it once
 * complete (a failed write leaves the old file, or none, never a partial
 * one); a device node, a FIFO or a descriptor ("-", /dev/stdout) is
 * written into.
 */
#ifndef IFL_DUMP_H
#define IFL_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define IFL_DUMP_FORMAT "iommu-flushhist"
#define IFL_DUMP_VERSION 1
/*
 * Largest file read, and most rows: above any real recording (a row comes
 * from at least one of the collector's keys, 2048 at most), and low
 * enough that matching the rows of two files one against the other stays
 * quick whatever a file holds.
 */
#define IFL_DUMP_MAX_BYTES (64u << 20)
#define IFL_DUMP_MAX_ROWS 4096u
/* Nesting depth the parser accepts; the schema needs 5. */
#define IFL_DUMP_MAX_DEPTH 16

struct ifl_dump_meta {
	char recorded[32];	/* UTC, "2026-11-26T07:00:00Z" */
	char kernel[128];	/* uname -r */
	char machine[65];	/* uname -m */
	char drivers[128];	/* "intel-iommu" or "intel-iommu,virtio-iommu" */
	char mode[16];		/* "strict", "lazy", "mixed", "passthrough", "none" */
	char iommu[256];	/* ifl_sysinfo_iommu_line() */
	char source[32];	/* the collector's event source */
	char workload[512];	/* the command line, or "-d 5" */
	char command[64];	/* the command's name; "" when recording for -d */
	int exit_status;	/* the command's (128 + signal if killed); -1: no command */
	uint64_t duration_ns;	/* the recording window */
};

struct ifl_dump {
	struct ifl_dump_meta meta;
	/* rows grouped by driver, type, consumer, device and caller (domain 0),
	 * availability, drops and interval_ns; owned by the dump */
	struct ifl_snapshot *snap;
};

/* 0, or -1 with one line (no newline) in err.  Never leaves a partial file. */
int ifl_dump_write(const struct ifl_dump *d, const char *path, char *err, size_t errlen);
/* 0, or -1 with one line in err naming the file and what is wrong. */
int ifl_dump_read(const char *path, struct ifl_dump *d, char *err, size_t errlen);
/* The same from len bytes in memory (a NUL among them is refused), named
 * name in err: what the fuzzer drives (tests/fuzz/). */
int ifl_dump_parse(const char *name, const char *buf, size_t len, struct ifl_dump *d,
		   char *err, size_t errlen);
void ifl_dump_free(struct ifl_dump *d);

/* vsnprintf into err, returns -1: the one-line errors of dump and report code. */
int ifl_dump_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "strict", "lazy", ... from the group types of a machine (see sysinfo.h). */
struct ifl_sysinfo;
const char *ifl_dump_mode_of(const struct ifl_sysinfo *si);

#endif
