// SPDX-License-Identifier: GPL-2.0
/* iommu-flushtop's frames as lines of text (top_text.h). */
#define _DEFAULT_SOURCE	/* localtime_r */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "strbuf.h"
#include "top_text.h"

#define FIG_W 10	/* width of a figure column */
#define DRIVER_W 13	/* "virtio-iommu" */
#define NAME_W 18	/* consumer */
#define DEVICE_W 30	/* "0000:00:03.0 nvme nvme0n1" */

void ifl_top_format_fig(enum ifl_fig f, double v, char *buf, size_t len)
{
	const struct ifl_fig_desc *d = ifl_fig_desc(f);

	if (!d || isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	switch (d->unit) {
	case IFL_U_NS:
		if (v < 1e3)
			snprintf(buf, len, "%.0fns", v);
		else if (v < 1e6)
			snprintf(buf, len, "%.1fus", v / 1e3);
		else if (v < 1e9)
			snprintf(buf, len, "%.1fms", v / 1e6);
		else
			snprintf(buf, len, "%.2fs", v / 1e9);
		break;
	case IFL_U_RATE:
		snprintf(buf, len, v >= 1e5 ? "%.0f" : "%.1f", v);
		break;
	case IFL_U_RATIO:
	case IFL_U_PCT:
		snprintf(buf, len, "%.1f", v);
		break;
	}
}

static const char *key_title(enum ifl_top_group g)
{
	return g == IFL_TG_DEVICE ? "DEVICE" : "CONSUMER";
}

static int key_width(enum ifl_top_group g)
{
	return g == IFL_TG_DEVICE ? DEVICE_W : NAME_W;
}

void ifl_top_column_titles(enum ifl_top_group g, enum ifl_fig sort, char *buf, size_t len,
			   size_t *sort_at, size_t *sort_len)
{
	struct ifl_strbuf sb = ifl_sb(buf, len);

	ifl_sb_put(&sb, "%-*s", DRIVER_W, "DRIVER");
	if (g != IFL_TG_DRIVER)
		ifl_sb_put(&sb, " %-*s", key_width(g), key_title(g));
	for (int f = 0; f < IFL_NR_FIGS; f++) {
		const char *t = ifl_fig_desc(f)->title;

		if ((enum ifl_fig)f == sort) {
			/* the title itself, without the padding in front */
			*sort_at = sb.off + 1 + (FIG_W - strlen(t));
			*sort_len = strlen(t);
		}
		ifl_sb_put(&sb, " %*s", FIG_W, t);
	}
}

void ifl_top_row_line(enum ifl_top_group g, const struct ifl_top_row *r, char *buf, size_t len)
{
	struct ifl_strbuf sb = ifl_sb(buf, len);
	char v[32];

	char key[2 * IFL_NAME_LEN];

	ifl_sb_put(&sb, "%-*s", DRIVER_W, r->row->driver);
	/* a device with what it is: "0000:00:03.0 nvme nvme0n1" */
	if (g == IFL_TG_DEVICE)
		snprintf(key, sizeof(key), "%s%s%s", r->row->device,
			 r->row->device_desc[0] ? " " : "", r->row->device_desc);
	else
		snprintf(key, sizeof(key), "%s", r->row->consumer);
	if (g != IFL_TG_DRIVER)
		ifl_sb_put(&sb, " %-*s", key_width(g), key);
	for (int f = 0; f < IFL_NR_FIGS; f++) {
		ifl_top_format_fig(f, r->fig[f], v, sizeof(v));
		ifl_sb_put(&sb, " %*s", FIG_W, v);
	}
}

/* "maps 12.0  unmaps 12.0 ..." of a frame's total */
static void totals(const struct ifl_top_frame *f, bool per_second, struct ifl_strbuf *sb)
{
	static const struct { enum ifl_fig fig; enum ifl_count count; const char *name; } t[] = {
		{ IFL_F_MAPS, IFL_C_MAP, "maps" },
		{ IFL_F_UNMAPS, IFL_C_UNMAP, "unmaps" },
		{ IFL_F_SYNCS, IFL_C_SYNC, "syncs" },
		{ IFL_F_FLUSH_ALL, IFL_C_FLUSH_ALL, "flush-all" },
	};
	char v[32];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (per_second)
			ifl_top_format_fig(t[i].fig, f->total_fig[t[i].fig], v, sizeof(v));
		else if (!ifl_count_available(f->grouped, t[i].count))
			snprintf(v, sizeof(v), "-");
		else
			snprintf(v, sizeof(v), "%llu", (unsigned long long)f->total.count[t[i].count]);
		ifl_sb_put(sb, "%s%s %s", i ? "  " : "", t[i].name, v);
	}
}

/*
 * What the collector could not measure, when anything: flushes whose
 * share of the stale-window ring was left to a later flush, the
 * fallback's callback exits without their entry, failed walks of the
 * IOMMU groups (docs/collector.md, "Drops").
 */
static void unmeasured(const uint64_t *drops, struct ifl_strbuf *sb)
{
	if (!drops[IFL_DROP_FQ_LOCKED] && !drops[IFL_DROP_FB_UNPAIRED] && !drops[IFL_DROP_GROUP_WALKS])
		return;
	ifl_sb_put(sb, "  unmeasured: locked-out flushes %llu, unpaired exits %llu, group walks %llu",
	    (unsigned long long)drops[IFL_DROP_FQ_LOCKED], (unsigned long long)drops[IFL_DROP_FB_UNPAIRED],
	    (unsigned long long)drops[IFL_DROP_GROUP_WALKS]);
}

void ifl_top_header_line(const struct ifl_top_frame *f, const struct ifl_top_state *st,
			 int i, char *buf, size_t len)
{
	struct ifl_strbuf sb = ifl_sb(buf, len);
	char v[32], iommu[256];

	switch (i) {
	case 0: {
		time_t now = time(NULL);
		struct tm tm;
		char clock[16] = "";

		if (localtime_r(&now, &tm))
			strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
		ifl_sb_put(&sb, "iommu-flushtop  %s  kernel %s %s  interval %g s (last %.3f s)  frame %lu%s",
		    clock, st->si->kernel, st->si->machine, st->interval, f->secs, st->frame,
		    st->paused ? "  PAUSED" : "");
		break;
	}
	case 1: {
		bool first = true;

		ifl_sysinfo_iommu_line(st->si, iommu, sizeof(iommu));
		ifl_sb_put(&sb, "IOMMU: %s  events: %s, %s (%s)", iommu,
		    st->info->source, st->info->source_desc, st->info->prog_type);
		/* a source that sees less says what it misses: those columns read "-" */
		for (int k = 0; k < IFL_NR_COUNTS; k++) {
			if (ifl_count_available(f->grouped, k))
				continue;
			ifl_sb_put(&sb, "%s%s", first ? "  not measured: " : ",", ifl_count_name(k));
			first = false;
		}
		for (int h = 0; h < IFL_NR_HISTS; h++) {
			if (ifl_hist_available(f->grouped, h))
				continue;
			ifl_sb_put(&sb, "%s%s", first ? "  not measured: " : ",", ifl_hist_name(h));
			first = false;
		}
		break;
	}
	case 2:
		ifl_sb_put(&sb, "per second: ");
		totals(f, true, &sb);
		ifl_top_format_fig(IFL_F_UNMAPS_PER_SYNC, f->total_fig[IFL_F_UNMAPS_PER_SYNC], v, sizeof(v));
		ifl_sb_put(&sb, "  unmaps/sync %s  dropped keys %llu", v,
		    (unsigned long long)f->grouped->drops[IFL_DROP_KEYS]);
		if (f->grouped->drops[IFL_DROP_DOMAINS] || f->grouped->drops[IFL_DROP_FQ_DOMAINS])
			ifl_sb_put(&sb, ", domains %llu, fq domains %llu",
			    (unsigned long long)f->grouped->drops[IFL_DROP_DOMAINS],
			    (unsigned long long)f->grouped->drops[IFL_DROP_FQ_DOMAINS]);
		unmeasured(f->grouped->drops, &sb);
		break;
	case 3:
		if (!st->since)
			break;
		ifl_sb_put(&sb, "totals over %.1f s: ", st->since->secs);
		totals(st->since, false, &sb);
		ifl_sb_put(&sb, "  dropped keys %llu",
		    (unsigned long long)st->since->grouped->drops[IFL_DROP_KEYS]);
		unmeasured(st->since->grouped->drops, &sb);
		break;
	case 4:
		ifl_sb_put(&sb, "group: %s  sort: %s%s%s", ifl_top_group_name(f->group),
		    ifl_fig_desc(f->sort)->title, st->filter && *st->filter ? "  filter: " : "",
		    st->filter ? st->filter : "");
		break;
	}
}
