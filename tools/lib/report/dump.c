// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-flushhist's dump files (dump.h, docs/dump-format.md): JSON through
 * json-c, written atomically, validated field by field on load.  Every
 * number is a non-negative integer below 2^63 and the sum of each figure
 * over all rows fits as well, so regrouping rows (ifl_snapshot_group) and
 * the text's arithmetic cannot overflow whatever the file says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dump.h"
#include "outfile.h"
#include "sysinfo.h"

#define U63_MAX ((uint64_t)INT64_MAX - 1)	/* json-c clamps overflows to INT64_MAX */

int ifl_dump_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A kernel address, as printed by %px or %lx: 16 hex digits starting with
 * ffff.  Dumps are pasted into public mail; no field may carry one.
 */
static bool has_kernel_address(const char *s)
{
	for (; *s; s++) {
		size_t n = 0;

		if (strncasecmp(s, "ffff", 4))
			continue;
		while (n < 16 && s[n] && strchr("0123456789abcdefABCDEF", s[n]))
			n++;
		if (n == 16)
			return true;
	}
	return false;
}

const char *ifl_dump_mode_of(const struct ifl_sysinfo *si)
{
	bool strict = false, lazy = false, pt = false;

	for (unsigned int i = 0; i < si->ntypes; i++) {
		strict |= !strcmp(si->types[i].type, "DMA");
		lazy |= !strcmp(si->types[i].type, "DMA-FQ");
		pt |= !strcmp(si->types[i].type, "identity");
	}
	if (strict && lazy)
		return "mixed";
	if (strict)
		return "strict";
	if (lazy)
		return "lazy";
	if (pt)
		return "passthrough";
	return "none";
}

/* ---- writing ---------------------------------------------------------------- */

static json_object *names_array(uint64_t bits, unsigned int n, const char *(*name)(int))
{
	json_object *a = json_object_new_array();

	for (unsigned int i = 0; a && i < n; i++)
		if ((bits >> i) & 1)
			json_object_array_add(a, json_object_new_string(name((int)i)));
	return a;
}

static const char *count_name(int i) { return ifl_count_name((enum ifl_count)i); }
static const char *hist_name(int i) { return ifl_hist_name((enum ifl_hist)i); }
static const char *drop_name(int i) { return ifl_drop_name((enum ifl_drop)i); }

/* Sparse buckets: [[bucket, samples], ...] for the non-empty ones. */
static json_object *hist_to_json(const uint64_t *h)
{
	json_object *a = json_object_new_array();

	for (unsigned int b = 0; a && b < IFL_HIST_BUCKETS; b++) {
		json_object *pair;

		if (!h[b])
			continue;
		pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_int64(b));
		json_object_array_add(pair, json_object_new_int64((int64_t)h[b]));
		json_object_array_add(a, pair);
	}
	return a;
}

static json_object *row_to_json(const struct ifl_snapshot *s, const struct ifl_row *r)
{
	json_object *o = json_object_new_object(), *c = json_object_new_object(),
		    *h = json_object_new_object();

	json_object_object_add(o, "driver", json_object_new_string(r->driver));
	json_object_object_add(o, "domain_type", json_object_new_string(r->domain_type));
	json_object_object_add(o, "consumer", json_object_new_string(r->consumer));
	json_object_object_add(o, "device", json_object_new_string(r->device));
	/* what the device is, where sysfs said (absent: unknown, or a dump
	 * of before it was saved) */
	if (r->device_desc[0])
		json_object_object_add(o, "device_desc", json_object_new_string(r->device_desc));
	json_object_object_add(o, "caller", json_object_new_string(r->caller));
	for (int k = 0; k < IFL_NR_COUNTS; k++)
		if (ifl_count_available(s, k))
			json_object_object_add(c, ifl_count_name(k), json_object_new_int64((int64_t)r->count[k]));
	for (int k = 0; k < IFL_NR_HISTS; k++)
		if (ifl_hist_available(s, k))
			json_object_object_add(h, ifl_hist_name(k), hist_to_json(r->hist[k]));
	json_object_object_add(o, "counts", c);
	json_object_object_add(o, "hists", h);
	return o;
}

static json_object *dump_to_json(const struct ifl_dump *d)
{
	const struct ifl_dump_meta *m = &d->meta;
	const struct ifl_snapshot *s = d->snap;
	json_object *o = json_object_new_object(), *meta = json_object_new_object(),
		    *b = json_object_new_object(), *drops = json_object_new_object(),
		    *rows = json_object_new_array();

	json_object_object_add(o, "format", json_object_new_string(IFL_DUMP_FORMAT));
	json_object_object_add(o, "version", json_object_new_int(IFL_DUMP_VERSION));
	json_object_object_add(b, "scale", json_object_new_string("log2"));
	json_object_object_add(b, "count", json_object_new_int(IFL_HIST_BUCKETS));
	json_object_object_add(o, "buckets", b);
	json_object_object_add(meta, "recorded", json_object_new_string(m->recorded));
	json_object_object_add(meta, "kernel", json_object_new_string(m->kernel));
	json_object_object_add(meta, "machine", json_object_new_string(m->machine));
	json_object_object_add(meta, "drivers", json_object_new_string(m->drivers));
	json_object_object_add(meta, "mode", json_object_new_string(m->mode));
	json_object_object_add(meta, "iommu", json_object_new_string(m->iommu));
	json_object_object_add(meta, "source", json_object_new_string(m->source));
	json_object_object_add(meta, "workload", json_object_new_string(m->workload));
	json_object_object_add(meta, "command", json_object_new_string(m->command));
	json_object_object_add(meta, "exit_status",
			       m->exit_status < 0 ? NULL : json_object_new_int(m->exit_status));
	json_object_object_add(meta, "duration_ns", json_object_new_int64((int64_t)m->duration_ns));
	json_object_object_add(o, "meta", meta);
	json_object_object_add(o, "counts", names_array(s->avail_counts, IFL_NR_COUNTS, count_name));
	json_object_object_add(o, "metrics", names_array(s->avail_hists, IFL_NR_HISTS, hist_name));
	/* the drops added since the first files of version 1: only when not 0, as readers default them */
	for (int k = 0; k < IFL_NR_DROPS; k++)
		if (k < IFL_DROP_FQ_LOCKED || s->drops[k])
			json_object_object_add(drops, drop_name(k), json_object_new_int64((int64_t)s->drops[k]));
	json_object_object_add(o, "drops", drops);
	for (size_t i = 0; i < s->nrows; i++)
		json_object_array_add(rows, row_to_json(s, &s->rows[i]));
	json_object_object_add(o, "rows", rows);
	return o;
}

/* What the reader would refuse is not written either. */
static int check_writable(const struct ifl_dump *d, char *err, size_t errlen)
{
	const struct ifl_dump_meta *m = &d->meta;
	const char *strs[] = { m->recorded, m->kernel, m->machine, m->drivers, m->mode,
			       m->iommu, m->source, m->workload, m->command };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (has_kernel_address(strs[i]))
			return ifl_dump_fail(err, errlen, "refusing to save a kernel address (in \"%s\")", strs[i]);
	for (size_t i = 0; i < d->snap->nrows; i++) {
		const struct ifl_row *r = &d->snap->rows[i];

		if (has_kernel_address(r->driver) || has_kernel_address(r->consumer) ||
		    has_kernel_address(r->device) || has_kernel_address(r->device_desc) ||
		    has_kernel_address(r->caller))
			return ifl_dump_fail(err, errlen, "refusing to save a kernel address (row %zu)", i);
	}
	if (d->snap->nrows > IFL_DUMP_MAX_ROWS)
		return ifl_dump_fail(err, errlen, "%zu rows, more than a dump holds (%u)", d->snap->nrows,
			    IFL_DUMP_MAX_ROWS);
	return 0;
}

int ifl_dump_write(const struct ifl_dump *d, const char *path, char *err, size_t errlen)
{
	struct ifl_out out;
	json_object *o;
	const char *text;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (!d->snap)
		return ifl_dump_fail(err, errlen, "%s: nothing recorded", path);
	if (check_writable(d, err, errlen) || ifl_out_resolve(path, &out, err, errlen))
		return -1;
	o = dump_to_json(d);
	text = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						  JSON_C_TO_STRING_SPACED |
						  JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	/* with its newline, in one write: a pipe's reader gets the text whole */
	if (text && asprintf(&buf, "%s\n", text) < 0)
		buf = NULL;
	if (buf)
		len = strlen(buf);
	json_object_put(o);
	if (!buf)
		return ifl_dump_fail(err, errlen, "%s: out of memory", path);
	ret = ifl_out_write(&out, buf, len, err, errlen);
	free(buf);
	return ret;
}

/* ---- reading ---------------------------------------------------------------- */

struct rd {
	const char *file;
	char *err;
	size_t errlen;
};

static int bad(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct rd *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* what the file says, quoted in the message, stays on one line of ASCII
	 * (a name with a newline made two: found by tests/fuzz/fuzz-dump) */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	snprintf(r->err, r->errlen, "%s: %s", r->file, msg);
	return -1;
}

static int get_u63(struct rd *r, json_object *o, const char *what, uint64_t *out)
{
	int64_t v;

	if (!json_object_is_type(o, json_type_int))
		return bad(r, "%s: not an integer", what);
	v = json_object_get_int64(o);
	if (v < 0)
		return bad(r, "%s: negative (%lld)", what, (long long)v);
	if ((uint64_t)v > U63_MAX)
		return bad(r, "%s: too large (%s)", what, json_object_get_string(o));
	*out = (uint64_t)v;
	return 0;
}

/* a += b, refusing sums beyond 2^63 - 2 */
static int add_u63(struct rd *r, uint64_t *a, uint64_t b, const char *what)
{
	if (b > U63_MAX - *a)
		return bad(r, "%s: the sum over all rows is too large", what);
	*a += b;
	return 0;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A printable-ASCII string that fits in len bytes and holds no kernel address. */
static int get_str(struct rd *r, json_object *o, const char *key, char *dst, size_t len)
{
	json_object *v = member(o, key);
	const char *s;
	size_t n;

	if (!v)
		return bad(r, "no \"%s\"", key);
	if (!json_object_is_type(v, json_type_string))
		return bad(r, "\"%s\" is not a string", key);
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n >= len)
		return bad(r, "\"%s\" is longer than %zu characters", key, len - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return bad(r, "\"%s\" holds a character that is not printable ASCII", key);
	if (has_kernel_address(s))
		return bad(r, "\"%s\" holds a kernel address", key);
	memcpy(dst, s, n + 1);
	return 0;
}

static int name_index(const char *s, unsigned int n, const char *(*name)(int))
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(s, name((int)i)))
			return (int)i;
	return -1;
}

/* "counts"/"metrics": an array of distinct known names, as a bit set. */
static int read_names(struct rd *r, json_object *top, const char *key, unsigned int n,
		      const char *(*name)(int), uint64_t *bits)
{
	json_object *a = member(top, key);

	*bits = 0;
	if (!a || !json_object_is_type(a, json_type_array))
		return bad(r, "no \"%s\" list", key);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);
		int k;

		if (!json_object_is_type(v, json_type_string))
			return bad(r, "%s[%zu] is not a name", key, i);
		k = name_index(json_object_get_string(v), n, name);
		if (k < 0)
			return bad(r, "%s: unknown name \"%.40s\" (a newer format?)", key,
				   json_object_get_string(v));
		if ((*bits >> k) & 1)
			return bad(r, "%s: \"%s\" twice", key, name(k));
		*bits |= 1ULL << k;
	}
	return 0;
}

static int read_meta(struct rd *r, json_object *top, struct ifl_dump_meta *m)
{
	json_object *o = member(top, "meta"), *v;

	if (!o || !json_object_is_type(o, json_type_object))
		return bad(r, "no \"meta\" object");
	if (get_str(r, o, "recorded", m->recorded, sizeof(m->recorded)) ||
	    get_str(r, o, "kernel", m->kernel, sizeof(m->kernel)) ||
	    get_str(r, o, "machine", m->machine, sizeof(m->machine)) ||
	    get_str(r, o, "drivers", m->drivers, sizeof(m->drivers)) ||
	    get_str(r, o, "mode", m->mode, sizeof(m->mode)) ||
	    get_str(r, o, "iommu", m->iommu, sizeof(m->iommu)) ||
	    get_str(r, o, "source", m->source, sizeof(m->source)) ||
	    get_str(r, o, "workload", m->workload, sizeof(m->workload)) ||
	    get_str(r, o, "command", m->command, sizeof(m->command)))
		return -1;
	if (!json_object_object_get_ex(o, "exit_status", &v))
		return bad(r, "no \"exit_status\"");
	m->exit_status = -1;
	if (v) {
		uint64_t st;

		if (get_u63(r, v, "exit_status", &st))
			return -1;
		if (st > 255)
			return bad(r, "exit_status: %llu is not an exit status", (unsigned long long)st);
		m->exit_status = (int)st;
	}
	v = member(o, "duration_ns");
	if (!v)
		return bad(r, "no \"duration_ns\"");
	return get_u63(r, v, "duration_ns", &m->duration_ns);
}

/* [[bucket, samples], ...] with buckets in increasing order. */
static int read_hist(struct rd *r, json_object *a, const char *what, uint64_t *h, uint64_t *sum)
{
	int last = -1;

	if (!json_object_is_type(a, json_type_array))
		return bad(r, "%s is not a list of [bucket, samples]", what);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *p = json_object_array_get_idx(a, i);
		uint64_t b, n;

		if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) != 2)
			return bad(r, "%s[%zu] is not a [bucket, samples] pair", what, i);
		if (get_u63(r, json_object_array_get_idx(p, 0), what, &b) ||
		    get_u63(r, json_object_array_get_idx(p, 1), what, &n))
			return -1;
		if (b >= IFL_HIST_BUCKETS || (int)b <= last)
			return bad(r, "%s: bucket %llu out of order or range (0..%d)", what,
				   (unsigned long long)b, IFL_HIST_BUCKETS - 1);
		last = (int)b;
		h[b] = n;
		if (add_u63(r, sum, n, what))
			return -1;
	}
	return 0;
}

struct sums {
	uint64_t count[IFL_NR_COUNTS];
	uint64_t hist[IFL_NR_HISTS];
};

static int read_row(struct rd *r, json_object *o, size_t i, const struct ifl_snapshot *s,
		    struct ifl_row *row, struct sums *sums)
{
	json_object *c, *h;
	char what[96];
	size_t nc = 0, nh = 0;

	if (!json_object_is_type(o, json_type_object))
		return bad(r, "rows[%zu] is not an object", i);
	if (get_str(r, o, "driver", row->driver, sizeof(row->driver)) ||
	    get_str(r, o, "domain_type", row->domain_type, sizeof(row->domain_type)) ||
	    get_str(r, o, "consumer", row->consumer, sizeof(row->consumer)) ||
	    get_str(r, o, "device", row->device, sizeof(row->device)) ||
	    get_str(r, o, "caller", row->caller, sizeof(row->caller)) ||
	    (member(o, "device_desc") &&
	     get_str(r, o, "device_desc", row->device_desc, sizeof(row->device_desc))))
		return -1;
	c = member(o, "counts");
	h = member(o, "hists");
	if (!c || !json_object_is_type(c, json_type_object) ||
	    !h || !json_object_is_type(h, json_type_object))
		return bad(r, "rows[%zu]: no \"counts\" or \"hists\" object", i);
	/* exactly the figures the file says were measured */
	for (int k = 0; k < IFL_NR_COUNTS; k++) {
		json_object *v;

		if (!ifl_count_available(s, k))
			continue;
		snprintf(what, sizeof(what), "rows[%zu].counts.%s", i, ifl_count_name(k));
		v = member(c, ifl_count_name(k));
		if (!v)
			return bad(r, "%s: missing", what);
		if (get_u63(r, v, what, &row->count[k]) ||
		    add_u63(r, &sums->count[k], row->count[k], what))
			return -1;
		nc++;
	}
	for (int k = 0; k < IFL_NR_HISTS; k++) {
		json_object *v;

		if (!ifl_hist_available(s, k))
			continue;
		snprintf(what, sizeof(what), "rows[%zu].hists.%s", i, ifl_hist_name(k));
		v = member(h, ifl_hist_name(k));
		if (!v)
			return bad(r, "%s: missing", what);
		if (read_hist(r, v, what, row->hist[k], &sums->hist[k]))
			return -1;
		nh++;
	}
	if ((size_t)json_object_object_length(c) != nc || (size_t)json_object_object_length(h) != nh)
		return bad(r, "rows[%zu]: a figure not in \"counts\" or \"metrics\"", i);
	return 0;
}

static int from_json(struct rd *r, json_object *top, struct ifl_dump *d)
{
	struct ifl_snapshot *s;
	json_object *v, *rows, *drops;
	uint64_t bits, version;
	struct sums sums = { 0 };
	const char *fmt;

	if (!json_object_is_type(top, json_type_object))
		return bad(r, "not an iommu-flushhist dump (not a JSON object)");
	v = member(top, "format");
	fmt = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!fmt || strcmp(fmt, IFL_DUMP_FORMAT))
		return bad(r, "not an iommu-flushhist dump (\"format\" is not \"%s\")", IFL_DUMP_FORMAT);
	v = member(top, "version");
	if (!v || get_u63(r, v, "version", &version))
		return bad(r, "no schema version");
	if (version != IFL_DUMP_VERSION)
		return bad(r, "schema version %llu; this iommu-flushhist reads version %d",
			   (unsigned long long)version, IFL_DUMP_VERSION);
	v = member(top, "buckets");
	{
		json_object *sc = v ? member(v, "scale") : NULL, *n = v ? member(v, "count") : NULL;

		if (!sc || !n || !json_object_is_type(sc, json_type_string) ||
		    strcmp(json_object_get_string(sc), "log2") ||
		    !json_object_is_type(n, json_type_int) ||
		    json_object_get_int64(n) != IFL_HIST_BUCKETS)
			return bad(r, "buckets: not %d log2 buckets", IFL_HIST_BUCKETS);
	}
	if (read_meta(r, top, &d->meta))
		return -1;

	s = calloc(1, sizeof(*s));
	if (!s)
		return bad(r, "out of memory");
	d->snap = s;
	if (read_names(r, top, "counts", IFL_NR_COUNTS, count_name, &bits))
		return -1;
	s->avail_counts = bits;
	if (read_names(r, top, "metrics", IFL_NR_HISTS, hist_name, &bits))
		return -1;
	s->avail_hists = (uint32_t)bits;
	s->interval_ns = d->meta.duration_ns;
	drops = member(top, "drops");
	if (!drops || !json_object_is_type(drops, json_type_object))
		return bad(r, "no \"drops\" object");
	for (int k = 0; k < IFL_NR_DROPS; k++) {
		char what[48];

		snprintf(what, sizeof(what), "drops.%s", ifl_drop_name(k));
		v = member(drops, ifl_drop_name(k));
		/* the drops added since the first files of version 1 read 0 when absent */
		if (!v && k >= IFL_DROP_FQ_LOCKED)
			continue;
		if (!v)
			return bad(r, "%s: missing", what);
		if (get_u63(r, v, what, &s->drops[k]))
			return -1;
	}

	rows = member(top, "rows");
	if (!rows || !json_object_is_type(rows, json_type_array))
		return bad(r, "no \"rows\" list");
	if (json_object_array_length(rows) > IFL_DUMP_MAX_ROWS)
		return bad(r, "more than %u rows", IFL_DUMP_MAX_ROWS);
	s->rows = calloc(json_object_array_length(rows) ? json_object_array_length(rows) : 1,
			 sizeof(*s->rows));
	if (!s->rows)
		return bad(r, "out of memory");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		if (read_row(r, json_object_array_get_idx(rows, i), i, s, &s->rows[i], &sums))
			return -1;
		s->nrows++;
	}
	return 0;
}

/* The whole file, if it is a regular file of a sane size. */
static char *slurp(struct rd *r, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	/* O_NONBLOCK: a FIFO must not hang the reader; it is refused below */
	int fd = open(r->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st)) {
		bad(r, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		bad(r, "%s", S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		goto out;
	}
	if (st.st_size > (off_t)IFL_DUMP_MAX_BYTES) {
		bad(r, "larger than %u MiB: not a dump", IFL_DUMP_MAX_BYTES >> 20);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		bad(r, "out of memory");
		goto out;
	}
	/* read what stat said, no more: a file that grows meanwhile is cut */
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			bad(r, "%s", strerror(errno));
			free(buf);
			buf = NULL;
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*len = n;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

static json_object *parse(struct rd *r, const char *buf, size_t len)
{
	struct json_tokener *tok;
	enum json_tokener_error je;
	json_object *o;
	size_t end;

	if (len == 0) {
		bad(r, "empty file");
		return NULL;
	}
	if (memchr(buf, '\0', len)) {
		bad(r, "not JSON (a NUL byte)");
		return NULL;
	}
	tok = json_tokener_new_ex(IFL_DUMP_MAX_DEPTH);
	if (!tok) {
		bad(r, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, buf, (int)len);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (je == json_tokener_continue) {
		json_object_put(o);
		bad(r, "truncated JSON (ends inside a value)");
		return NULL;
	}
	if (je != json_tokener_success) {
		json_object_put(o);
		bad(r, "not JSON: %s at byte %zu", json_tokener_error_desc(je), end);
		return NULL;
	}
	while (end < len && strchr(" \t\r\n", buf[end]))
		end++;
	if (end < len) {
		json_object_put(o);
		bad(r, "not JSON: trailing data at byte %zu", end);
		return NULL;
	}
	return o;
}

static int load_text(struct rd *r, const char *buf, size_t len, struct ifl_dump *d)
{
	json_object *o = parse(r, buf, len);
	int ret;

	if (!o)
		return -1;
	ret = from_json(r, o, d);
	json_object_put(o);
	if (ret)
		ifl_dump_free(d);
	return ret;
}

int ifl_dump_read(const char *path, struct ifl_dump *d, char *err, size_t errlen)
{
	struct rd r = { .file = path, .err = err, .errlen = errlen };
	size_t len = 0;
	char *buf;
	int ret;

	memset(d, 0, sizeof(*d));
	buf = slurp(&r, &len);
	if (!buf)
		return -1;
	ret = load_text(&r, buf, len, d);
	free(buf);
	return ret;
}

int ifl_dump_parse(const char *name, const char *buf, size_t len, struct ifl_dump *d,
		   char *err, size_t errlen)
{
	struct rd r = { .file = name, .err = err, .errlen = errlen };

	memset(d, 0, sizeof(*d));
	if (len > IFL_DUMP_MAX_BYTES)
		return bad(&r, "larger than %u MiB: not a dump", IFL_DUMP_MAX_BYTES >> 20);
	return load_text(&r, buf, len, d);
}

void ifl_dump_free(struct ifl_dump *d)
{
	ifl_snapshot_free(d->snap);
	d->snap = NULL;
}
