// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-flushtop's JSON frames (top_json.h).  Figures a source cannot
 * measure, or that have nothing to divide by, are null; the raw counts of
 * the interval come with each row, so a reader can check every rate.
 */
#include <math.h>
#include <json-c/json.h>

#include "top_json.h"

/* A number, or null when unknown (NAN). */
static struct json_object *num(double v)
{
	char s[32];

	if (isnan(v))
		return NULL;
	/* %.17g would print 0.1 as 0.10000000000000001: ten digits are plenty */
	snprintf(s, sizeof(s), "%.10g", v);
	return json_object_new_double_s(v, s);
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

/* The figures and the available counts of a row, into o. */
static void add_figures(struct json_object *o, const struct ifl_snapshot *s,
			const struct ifl_row *r, const double *fig)
{
	struct json_object *counts = json_object_new_object();

	for (int f = 0; f < IFL_NR_FIGS; f++)
		add(o, ifl_fig_desc(f)->key, num(fig[f]));
	for (int k = 0; k < IFL_NR_COUNTS; k++)
		if (ifl_count_available(s, k))
			add(counts, ifl_count_name(k), json_object_new_uint64(r->count[k]));
	add(o, "counts", counts);
}

static struct json_object *iommu(const struct ifl_sysinfo *si)
{
	struct json_object *o = json_object_new_object();
	struct json_object *drivers = json_object_new_array(), *types = json_object_new_array();

	for (unsigned int i = 0; i < si->ndrivers; i++)
		json_object_array_add(drivers, json_object_new_string(si->drivers[i]));
	for (unsigned int i = 0; i < si->ntypes; i++) {
		struct json_object *t = json_object_new_object();

		add(t, "type", json_object_new_string(si->types[i].type));
		add(t, "mode", json_object_new_string(ifl_type_mode(si->types[i].type)));
		add(t, "groups", json_object_new_int((int)si->types[i].groups));
		json_object_array_add(types, t);
	}
	add(o, "drivers", drivers);
	add(o, "domain_types", types);
	return o;
}

int ifl_top_json_write(FILE *out, const struct ifl_top_frame *f, const struct ifl_top_state *st)
{
	struct json_object *o = json_object_new_object(), *rows, *drops, *total;
	const char *text;
	int ret;

	if (!o)
		return -1;
	add(o, "frame", json_object_new_uint64(st->frame));
	add(o, "start_ns", json_object_new_uint64(f->start_ns));
	add(o, "end_ns", json_object_new_uint64(f->end_ns));
	add(o, "interval_s", num(f->secs));
	add(o, "kernel", json_object_new_string(st->si->kernel));
	add(o, "machine", json_object_new_string(st->si->machine));
	add(o, "iommu", iommu(st->si));
	add(o, "source", json_object_new_string(st->info->source));
	add(o, "prog_type", json_object_new_string(st->info->prog_type));
	add(o, "group_by", json_object_new_string(ifl_top_group_name(f->group)));
	add(o, "sort", json_object_new_string(ifl_fig_desc(f->sort)->key));

	drops = json_object_new_object();
	for (int d = 0; d < IFL_NR_DROPS; d++)
		add(drops, ifl_drop_name(d), json_object_new_uint64(f->grouped->drops[d]));
	add(o, "drops", drops);

	total = json_object_new_object();
	add_figures(total, f->grouped, &f->total, f->total_fig);
	add(o, "total", total);

	rows = json_object_new_array();
	for (size_t i = 0; i < f->nrows; i++) {
		const struct ifl_row *r = f->rows[i].row;
		struct json_object *row = json_object_new_object();

		add(row, "driver", json_object_new_string(r->driver));
		add(row, "consumer", json_object_new_string(r->consumer));
		add(row, "device", json_object_new_string(r->device));
		add(row, "device_desc", json_object_new_string(r->device_desc));
		add_figures(row, f->grouped, r, f->rows[i].fig);
		json_object_array_add(rows, row);
	}
	add(o, "rows", rows);

	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = text && fprintf(out, "%s\n", text) > 0 && fflush(out) == 0 ? 0 : -1;
	json_object_put(o);
	return ret;
}
