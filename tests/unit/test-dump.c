// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c: a recording written and read back is the same, field by field;
 * a file that is not a valid dump is refused with one line naming it and
 * what is wrong; a write that fails (no directory, the file size limit
 * standing in for a full disk, a kernel address in a field) leaves the
 * old file as it was and no temporary file behind.
 */
#define _GNU_SOURCE	/* mkdtemp, asprintf */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dump.h"
#include "sysinfo.h"

static char dir[] = "/tmp/ifl-dump-XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		exit(2);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Files in the test directory other than those named (temporary leftovers). */
static int stray_files(const char *keep1, const char *keep2)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    (!keep1 || strcmp(e->d_name, keep1)) && (!keep2 || strcmp(e->d_name, keep2)))
			n++;
	if (d)
		closedir(d);
	return n;
}

/* A recording with every kind of value: large, zero, sparse buckets. */
static void make_dump(struct ifl_dump *d)
{
	struct ifl_snapshot *s = calloc(1, sizeof(*s));
	struct ifl_dump_meta *m = &d->meta;

	memset(d, 0, sizeof(*d));
	snprintf(m->recorded, sizeof(m->recorded), "2026-11-26T07:00:00Z");
	snprintf(m->kernel, sizeof(m->kernel), "7.2.13+");
	snprintf(m->machine, sizeof(m->machine), "x86_64");
	snprintf(m->drivers, sizeof(m->drivers), "intel-iommu");
	snprintf(m->mode, sizeof(m->mode), "lazy");
	snprintf(m->iommu, sizeof(m->iommu), "intel-iommu; DMA-FQ (lazy) x7");
	snprintf(m->source, sizeof(m->source), "tracepoints");
	snprintf(m->workload, sizeof(m->workload), "dd if=/dev/nvme0n1 'a b' \"q\" \\x");
	snprintf(m->command, sizeof(m->command), "dd");
	m->exit_status = 3;
	m->duration_ns = 1114179247;
	if (!s || !(s->rows = calloc(2, sizeof(*s->rows))))
		exit(2);
	s->nrows = 2;
	s->avail_counts = (1ULL << IFL_NR_COUNTS) - 1;
	s->avail_hists = (1u << IFL_NR_HISTS) - 1 - (1u << IFL_H_STALE_NS);
	s->drops[IFL_DROP_FQ_DOMAINS] = 7;
	s->drops[IFL_DROP_FQ_LOCKED] = 2;	/* written only when not 0 */
	s->interval_ns = m->duration_ns;
	for (int i = 0; i < 2; i++) {
		struct ifl_row *r = &s->rows[i];

		snprintf(r->driver, sizeof(r->driver), "intel-iommu");
		snprintf(r->domain_type, sizeof(r->domain_type), i ? "DMA" : "DMA-FQ");
		snprintf(r->consumer, sizeof(r->consumer), "dma-iommu");
		snprintf(r->device, sizeof(r->device), "0000:00:0%d.0", i + 1);
		/* one described device, one not: absent from the file */
		if (!i)
			snprintf(r->device_desc, sizeof(r->device_desc), "nvme nvme0n1");
		snprintf(r->caller, sizeof(r->caller), "-");
		for (int k = 0; k < IFL_NR_COUNTS; k++)
			r->count[k] = (uint64_t)(k * 1000 + i);
		r->count[IFL_C_MAP_BYTES] = 1ULL << 61;	/* the two rows sum below 2^63 */
		r->hist[IFL_H_UNMAPS_PER_SYNC][1] = 256;
		r->hist[IFL_H_UNMAPS_PER_SYNC][31] = 1ULL << 61;
		r->hist[IFL_H_MAP_SIZE][13] = 4096 + (uint64_t)i;
	}
	d->snap = s;
}

static bool same_dump(const struct ifl_dump *a, const struct ifl_dump *b)
{
	const struct ifl_snapshot *x = a->snap, *y = b->snap;

	if (memcmp(&a->meta, &b->meta, sizeof(a->meta)) || x->nrows != y->nrows ||
	    x->avail_counts != y->avail_counts || x->avail_hists != y->avail_hists ||
	    memcmp(x->drops, y->drops, sizeof(x->drops)) || x->interval_ns != y->interval_ns)
		return false;
	for (size_t i = 0; i < x->nrows; i++) {
		const struct ifl_row *r = &x->rows[i], *q = &y->rows[i];

		if (strcmp(r->driver, q->driver) || strcmp(r->domain_type, q->domain_type) ||
		    strcmp(r->consumer, q->consumer) || strcmp(r->device, q->device) ||
		    strcmp(r->device_desc, q->device_desc) || strcmp(r->caller, q->caller) || memcmp(r->count, q->count, sizeof(r->count)) ||
		    memcmp(r->hist, q->hist, sizeof(r->hist)))
			return false;
	}
	return true;
}

/* A valid file with one substitution: the bad inputs below are each one fault. */
static const char *valid_head =
	"{ \"format\": \"iommu-flushhist\", \"version\": %s,"
	"  \"buckets\": { \"scale\": \"log2\", \"count\": 32 },"
	"  \"meta\": { \"recorded\": \"x\", \"kernel\": \"7.2\", \"machine\": \"x86_64\","
	"    \"drivers\": \"intel-iommu\", \"mode\": \"strict\", \"iommu\": \"i\","
	"    \"source\": \"tracepoints\", \"workload\": \"dd\", \"command\": \"dd\","
	"    \"exit_status\": %s, \"duration_ns\": 5 },"
	"  \"counts\": [ \"map\" ], \"metrics\": [ \"unmaps_per_sync\" ],"
	"  \"drops\": { \"keys\": 0, \"domains\": 0, \"fq_domains\": 0 },"
	"  \"rows\": [ %s ] }";

static const char *row_fmt =
	"{ \"driver\": \"intel-iommu\", \"domain_type\": \"DMA\", \"consumer\": \"%s\","
	"  \"device\": \"-\", \"caller\": \"-\", \"counts\": { \"map\": %s },"
	"  \"hists\": { \"unmaps_per_sync\": [ [ %s, %s ] ] } }";

static void put_case(const char *name, const char *version, const char *exit_status,
		     const char *consumer, const char *map, const char *bucket, const char *n,
		     int nrows)
{
	char row[1024], rows[2100], *text;

	snprintf(row, sizeof(row), row_fmt, consumer, map, bucket, n);
	snprintf(rows, sizeof(rows), "%s%s%s", row, nrows > 1 ? ", " : "", nrows > 1 ? row : "");
	if (asprintf(&text, valid_head, version, exit_status, rows) < 0)
		exit(2);
	put(name, text);
	free(text);
}

static void expect_refused(const char *name, const char *what)
{
	struct ifl_dump d;
	char path[256], err[512] = "";
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = ifl_dump_read(path, &d, err, sizeof(err));
	CHECK(ret == -1 && !d.snap && !strchr(err, '\n') && !strncmp(err, path, strlen(path)) &&
	      strstr(err, what), "%s: refused in one line naming the file and \"%s\" (\"%s\")",
	      name, what, err);
}

int main(void)
{
	struct ifl_dump a, b;
	char path[256], target[256], err[512] = "";
	char *before, *after;

	if (!mkdtemp(dir))
		return 2;

	/* ---- round trip ---- */
	make_dump(&a);
	snprintf(path, sizeof(path), "%s/rec.json", dir);
	CHECK(ifl_dump_write(&a, path, err, sizeof(err)) == 0, "a recording is written (%s)", err);
	CHECK(ifl_dump_read(path, &b, err, sizeof(err)) == 0, "and read back (%s)", err);
	CHECK(b.snap && same_dump(&a, &b),
	      "every field, count and bucket read back equals what was written");
	CHECK(b.snap && !ifl_hist_available(b.snap, IFL_H_STALE_NS) &&
	      ifl_hist_available(b.snap, IFL_H_SYNC_NS),
	      "a histogram the source did not measure stays unavailable, not zero");
	CHECK(stray_files("rec.json", NULL) == 0, "no temporary file is left beside it");
	ifl_dump_free(&b);

	/* ---- failed writes ---- */
	snprintf(target, sizeof(target), "%s/missing/rec.json", dir);
	CHECK(ifl_dump_write(&a, target, err, sizeof(err)) == -1 && access(target, F_OK) &&
	      !strchr(err, '\n'), "into a missing directory: refused in one line (%s)", err);

	/* the file size limit stands in for a full disk: write() fails midway */
	before = slurp(path);
	{
		struct rlimit old, lim = { .rlim_cur = 512, .rlim_max = RLIM_INFINITY };
		int ret;

		signal(SIGXFSZ, SIG_IGN);
		getrlimit(RLIMIT_FSIZE, &old);
		lim.rlim_max = old.rlim_max;
		if (setrlimit(RLIMIT_FSIZE, &lim))
			return 2;
		a.meta.exit_status = 4;	/* a different recording over the old file */
		ret = ifl_dump_write(&a, path, err, sizeof(err));
		setrlimit(RLIMIT_FSIZE, &old);
		after = slurp(path);
		CHECK(ret == -1 && strstr(err, "cannot write") && !strchr(err, '\n'),
		      "a write that runs out of room fails in one line (%s)", err);
		CHECK(before && after && !strcmp(before, after),
		      "and the file it would have replaced is intact, byte for byte");
		CHECK(stray_files("rec.json", NULL) == 0, "and no partial temporary file is left");
		free(after);
	}
	free(before);

	snprintf(a.snap->rows[0].consumer, sizeof(a.snap->rows[0].consumer), "ffff888003a1c000");
	snprintf(target, sizeof(target), "%s/ptr.json", dir);
	CHECK(ifl_dump_write(&a, target, err, sizeof(err)) == -1 && access(target, F_OK) &&
	      strstr(err, "kernel address"), "a kernel address is never saved (%s)", err);
	snprintf(a.snap->rows[0].consumer, sizeof(a.snap->rows[0].consumer), "dma-iommu");
	snprintf(a.meta.workload, sizeof(a.meta.workload), "echo 0xFFFF888003A1C000");
	CHECK(ifl_dump_write(&a, target, err, sizeof(err)) == -1 && access(target, F_OK),
	      "in the metadata either, in capitals too (%s)", err);
	ifl_dump_free(&a);

	/* ---- bad input ---- */
	put_case("ok.json", "1", "0", "dma-iommu", "4", "1", "256", 1);
	snprintf(path, sizeof(path), "%s/ok.json", dir);
	CHECK(ifl_dump_read(path, &b, err, sizeof(err)) == 0 && b.snap->nrows == 1 &&
	      b.snap->rows[0].count[IFL_C_MAP] == 4 &&
	      b.snap->rows[0].hist[IFL_H_UNMAPS_PER_SYNC][1] == 256 &&
	      !ifl_count_available(b.snap, IFL_C_SYNC),
	      "the model file the bad ones are made from loads (%s)", err);
	if (b.snap)
		ifl_dump_free(&b);

	expect_refused("absent.json", "No such file");
	snprintf(path, sizeof(path), "%s/sub.json", dir);
	mkdir(path, 0755);
	expect_refused("sub.json", "is a directory");
	snprintf(path, sizeof(path), "%s/fifo.json", dir);
	mkfifo(path, 0644);
	expect_refused("fifo.json", "not a regular file");
	put("empty.json", "");
	expect_refused("empty.json", "empty file");
	put("text.json", "hello, world\n");
	expect_refused("text.json", "not JSON");
	put("trunc.json", "{ \"format\": \"iommu-flushhist\", \"version\": 1, \"rows\": [ { \"dri");
	expect_refused("trunc.json", "truncated");
	put("trailing.json", "{ \"format\": \"iommu-flushhist\" } }");
	expect_refused("trailing.json", "trailing data");
	{
		char *deep = malloc(200002);

		if (!deep)
			return 2;
		memset(deep, '[', 100000);
		memset(deep + 100000, ']', 100000);
		deep[200000] = '\0';
		put("deep.json", deep);
		free(deep);
	}
	expect_refused("deep.json", "not JSON");
	put("array.json", "[ 1, 2 ]");
	expect_refused("array.json", "not an iommu-flushhist dump");
	put_case("v2.json", "2", "0", "dma-iommu", "4", "1", "256", 1);
	expect_refused("v2.json", "schema version 2; this iommu-flushhist reads version 1");
	put_case("vstr.json", "\"1\"", "0", "dma-iommu", "4", "1", "256", 1);
	expect_refused("vstr.json", "no schema version");
	put_case("huge.json", "1", "0", "dma-iommu", "99999999999999999999999", "1", "256", 1);
	expect_refused("huge.json", "too large");
	put_case("u64.json", "1", "0", "dma-iommu", "18446744073709551615", "1", "256", 1);
	expect_refused("u64.json", "too large");
	put_case("neg.json", "1", "0", "dma-iommu", "-5", "1", "256", 1);
	expect_refused("neg.json", "negative");
	put_case("negbucket.json", "1", "0", "dma-iommu", "4", "1", "-256", 1);
	expect_refused("negbucket.json", "negative");
	put_case("float.json", "1", "0", "dma-iommu", "4.5", "1", "256", 1);
	expect_refused("float.json", "not an integer");
	/* each row fits, their sum does not: regrouping would overflow */
	put_case("sum.json", "1", "0", "dma-iommu", "5000000000000000000", "1", "256", 2);
	expect_refused("sum.json", "sum over all rows");
	put_case("bucket.json", "1", "0", "dma-iommu", "4", "32", "256", 1);
	expect_refused("bucket.json", "bucket 32 out of order or range");
	put_case("status.json", "1", "300", "dma-iommu", "4", "1", "256", 1);
	expect_refused("status.json", "not an exit status");
	put_case("ctrl.json", "1", "0", "dma\\u0007iommu", "4", "1", "256", 1);
	expect_refused("ctrl.json", "not printable ASCII");
	put_case("ptr.json", "1", "0", "ffff888003a1c000", "4", "1", "256", 1);
	expect_refused("ptr.json", "kernel address");
	put_case("long.json", "1", "0",
		 "a-consumer-name-longer-than-the-sixty-three-characters-a-row-has-room-for",
		 "4", "1", "256", 1);
	expect_refused("long.json", "longer than 63");
	put("nul.json", "{ \"format\": \"iommu-flushhist\" }");
	snprintf(path, sizeof(path), "%s/nul.json", dir);
	{
		FILE *f = fopen(path, "r+");

		if (!f || fseek(f, 5, SEEK_SET) || fputc('\0', f) == EOF || fclose(f))
			return 2;
	}
	expect_refused("nul.json", "NUL byte");
	{
		/* an unknown metric: a file from a newer iommu-flushhist */
		char *t = NULL;

		put_case("metric.json", "1", "0", "dma-iommu", "4", "1", "256", 1);
		snprintf(path, sizeof(path), "%s/metric.json", dir);
		t = slurp(path);
		if (!t)
			return 2;
		*strstr(t, "unmaps_per_sync") = 'X';
		put("metric.json", t);
		free(t);
	}
	expect_refused("metric.json", "unknown name \"Xnmaps_per_sync\"");
	{
		/* more rows than any recording has: refused before any is read */
		char row[512], *rows, *t;
		size_t off = 0;

		snprintf(row, sizeof(row), row_fmt, "dma-iommu", "4", "1", "256");
		rows = malloc((strlen(row) + 2) * (IFL_DUMP_MAX_ROWS + 1) + 1);
		if (!rows)
			return 2;
		for (unsigned int n = 0; n <= IFL_DUMP_MAX_ROWS; n++)
			off += (size_t)sprintf(rows + off, "%s%s", n ? ", " : "", row);
		if (asprintf(&t, valid_head, "1", "0", rows) < 0)
			return 2;
		put("rows.json", t);
		free(t);
		free(rows);
	}
	expect_refused("rows.json", "more than 4096 rows");

	/* ---- mode of a machine ---- */
	{
		struct ifl_sysinfo si = { .ntypes = 2 };

		snprintf(si.types[0].type, sizeof(si.types[0].type), "DMA");
		snprintf(si.types[1].type, sizeof(si.types[1].type), "identity");
		CHECK(!strcmp(ifl_dump_mode_of(&si), "strict"), "DMA groups: strict");
		snprintf(si.types[1].type, sizeof(si.types[1].type), "DMA-FQ");
		CHECK(!strcmp(ifl_dump_mode_of(&si), "mixed"), "DMA and DMA-FQ groups: mixed");
		si.ntypes = 0;
		CHECK(!strcmp(ifl_dump_mode_of(&si), "none"), "no groups: none");
	}

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		return 2;
	CHECK_EXIT();
}
