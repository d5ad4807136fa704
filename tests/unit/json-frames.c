// SPDX-License-Identifier: GPL-2.0
/*
 * json-frames: reads iommu-flushtop --json output (one object a line) and
 * prints what tests assert on as KEY=VALUE lines, frame by frame:
 *   fK_start=NS fK_end=NS fK_interval_s=S    the frame's window (CLOCK_MONOTONIC)
 *   fK_<count>=N                            the frame's total of each count
 *   fK_total_<figure>=V                     the total's figures ("null" if unknown)
 *   fK_drop_<name>=N                        the frame's drops
 *   fK_row=driver|consumer|device|<figure>=V|...
 *   frames=N
 * A line that is not a JSON object with those members is an error: the
 * message names the line, the exit status is 1.  Not a tool: a test driver.
 */
#define _POSIX_C_SOURCE 200809L	/* getline */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

static const char *const figures[] = {
	"maps_per_s", "unmaps_per_s", "syncs_per_s", "flush_all_per_s", "unmaps_per_sync",
	"pages_per_sync", "forced_sync_pct", "sync_ns_p50", "sync_ns_p99", "stale_ns_p99",
};
#define NFIG (sizeof(figures) / sizeof(figures[0]))

static struct json_object *member(struct json_object *o, const char *key, enum json_type t,
				  int line)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t)) {
		fprintf(stderr, "json-frames: line %d: no %s member of the right type\n", line, key);
		exit(1);
	}
	return v;
}

/* A figure: a number, or null; anything else is an error. */
static void print_fig(struct json_object *o, const char *key, int line)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		fprintf(stderr, "json-frames: line %d: no %s\n", line, key);
		exit(1);
	}
	if (!v)
		printf("null");
	else if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
		printf("%.10g", json_object_get_double(v));
	else {
		fprintf(stderr, "json-frames: line %d: %s is neither a number nor null\n", line, key);
		exit(1);
	}
}

int main(void)
{
	char *buf = NULL;
	size_t cap = 0;
	int line = 0, frames = 0;

	while (getline(&buf, &cap, stdin) > 0) {
		struct json_object *o, *rows, *total, *counts;
		int k;

		line++;
		o = json_tokener_parse(buf);
		if (!o || !json_object_is_type(o, json_type_object)) {
			fprintf(stderr, "json-frames: line %d is not a JSON object\n", line);
			return 1;
		}
		k = (int)json_object_get_int64(member(o, "frame", json_type_int, line));
		printf("f%d_start=%llu\nf%d_end=%llu\nf%d_interval_s=%.9f\n",
		       k, (unsigned long long)json_object_get_uint64(member(o, "start_ns", json_type_int, line)),
		       k, (unsigned long long)json_object_get_uint64(member(o, "end_ns", json_type_int, line)),
		       k, json_object_get_double(member(o, "interval_s", json_type_double, line)));
		counts = member(o, "drops", json_type_object, line);
		json_object_object_foreach(counts, dname, dval)
			printf("f%d_drop_%s=%llu\n", k, dname, (unsigned long long)json_object_get_uint64(dval));
		total = member(o, "total", json_type_object, line);
		counts = member(total, "counts", json_type_object, line);
		json_object_object_foreach(counts, name, val)
			printf("f%d_%s=%llu\n", k, name, (unsigned long long)json_object_get_uint64(val));
		for (size_t f = 0; f < NFIG; f++) {
			printf("f%d_total_%s=", k, figures[f]);
			print_fig(total, figures[f], line);
			printf("\n");
		}
		rows = member(o, "rows", json_type_array, line);
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			struct json_object *r = json_object_array_get_idx(rows, i);

			printf("f%d_row=%s|%s|%s", k,
			       json_object_get_string(member(r, "driver", json_type_string, line)),
			       json_object_get_string(member(r, "consumer", json_type_string, line)),
			       json_object_get_string(member(r, "device", json_type_string, line)));
			for (size_t f = 0; f < NFIG; f++) {
				printf("|%s=", figures[f]);
				print_fig(r, figures[f], line);
			}
			counts = member(r, "counts", json_type_object, line);
			json_object_object_foreach(counts, cname, cval)
				printf("|%s=%llu", cname, (unsigned long long)json_object_get_uint64(cval));
			printf("\n");
		}
		json_object_put(o);
		frames++;
	}
	free(buf);
	printf("frames=%d\n", frames);
	return 0;
}
