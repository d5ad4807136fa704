// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-flushtop: a live, top-like view of IOMMU flush coalescing per IOMMU
 * driver, consumer and device.  Every interval it takes a snapshot from the
 * collector library (tools/lib/collector.h) and shows the difference: a
 * full-screen view on a terminal, plain text frames in batch mode, or one
 * JSON object per interval.  It only presents: what is measured, and how,
 * is the collector's (docs/collector.md).
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "collector.h"
#include "strbuf.h"
#include "sysinfo.h"
#include "top_frame.h"
#include "top_json.h"
#include "top_screen.h"
#include "top_text.h"

#define NAME "iommu-flushtop"
#define EXIT_ENV IFL_EXIT_ENV	/* not root, no BTF, events missing, no IOMMU, failures */
#define EXIT_USAGE IFL_EXIT_USAGE
#define MAX_INTERVAL 3600.0
#define MIN_INTERVAL 0.1

const char *argp_program_version = NAME " 0.1";

static const char doc[] =
"Show, live, how IOMMU unmaps coalesce into IOTLB flushes: maps, unmaps,\n"
"syncs and flushes per second, unmaps and pages per sync, forced syncs,\n"
"flush latency and how long stale IOTLB entries live, per IOMMU driver and\n"
"consumer (or device, or driver).  Needs root and a kernel with the flush\n"
"tracepoint series.\n"
"\n"
"USAGE: iommu-flushtop [-b] [--json] [-i SECONDS] [-n COUNT] [-g GROUP]\n"
"         [-s COLUMN] [--driver NAME] [--consumer NAME] [--device BDF]\n"
"         [--source SOURCE] [-v] [-h] [-V]\n"
"\n"
"EXAMPLES:\n"
"    iommu-flushtop                  # full screen, every second; q quits\n"
"    iommu-flushtop -i 5             # every 5 seconds\n"
"    iommu-flushtop -b -n 10         # 10 text frames, then a summary\n"
"    iommu-flushtop --json -n 60     # a minute of JSON, an object a second\n"
"    iommu-flushtop -g device        # one row per device\n"
"    iommu-flushtop --consumer vfio  # only what VFIO maps and unmaps\n"
"    iommu-flushtop -s stale_ns_p99 --device 0000:00:04.0\n"
"\n"
"OPTIONS:";

enum { OPT_JSON = 0x100, OPT_DRIVER, OPT_CONSUMER, OPT_DEVICE, OPT_SOURCE };

static const struct argp_option options[] = {
	{ "interval", 'i', "SECONDS", 0, "Refresh every SECONDS (0.1 to 3600; default 1)", 0 },
	{ "count", 'n', "COUNT", 0, "Stop after COUNT frames", 0 },
	{ "batch", 'b', NULL, 0, "Plain text frames (the default when stdout is not a terminal)", 0 },
	{ "json", OPT_JSON, NULL, 0, "One JSON object per interval (docs/iommu-flushtop-json.md)", 0 },
	{ "group", 'g', "GROUP", 0, "Rows per consumer (default), device or driver", 0 },
	{ "sort", 's', "COLUMN", 0, "Sort by COLUMN: a title (UNMAPS/s) or JSON name (unmaps_per_s)", 0 },
	{ "driver", OPT_DRIVER, "NAME", 0, "Only this IOMMU driver (intel-iommu, ...)", 0 },
	{ "consumer", OPT_CONSUMER, "NAME", 0, "Only this consumer (dma-iommu, vfio, ...)", 0 },
	{ "device", OPT_DEVICE, "BDF", 0, "Only this device (0000:00:04.0)", 0 },
	{ "source", OPT_SOURCE, "SOURCE", 0,
	  "Event source: tracepoints (the series), fallback (the drivers' callbacks), auto (default: the first that works)", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf's messages on stderr", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{ 0 },
};

static struct env {
	const char *source;	/* --source; NULL: auto */
	double interval;
	unsigned long count;	/* 0: until stopped */
	bool batch, json, verbose;
	enum ifl_top_group group;
	enum ifl_fig sort;
	struct ifl_top_filter filter;
	char filter_text[256];
} env = { .interval = 1.0, .group = IFL_TG_CONSUMER, .sort = IFL_F_UNMAPS };

static int parse_sort(const char *s)
{
	for (int f = 0; f < IFL_NR_FIGS; f++)
		if (!strcasecmp(s, ifl_fig_desc(f)->key) || !strcasecmp(s, ifl_fig_desc(f)->title))
			return f;
	return -1;
}

static void add_filter_text(const char *opt, const char *val)
{
	static struct ifl_strbuf sb;

	if (!sb.buf)
		sb = ifl_sb(env.filter_text, sizeof(env.filter_text));
	ifl_sb_put(&sb, "%s--%s %s", sb.off ? " " : "", opt, val);
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;
	int v;

	switch (key) {
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case 'i':
		errno = 0;
		env.interval = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(env.interval))
			return ifl_cli_usage("-i: not a number of seconds: '%s'", arg);
		if (env.interval < MIN_INTERVAL || env.interval > MAX_INTERVAL)
			return ifl_cli_usage("-i: %s s is out of range (0.1 to 3600)", arg);
		break;
	case 'n':
		errno = 0;
		env.count = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+' || env.count == 0)
			return ifl_cli_usage("-n: not a count of frames (1 or more): '%s'", arg);
		break;
	case 'b':
		env.batch = true;
		break;
	case OPT_JSON:
		env.json = true;
		break;
	case 'g':
		v = ifl_top_group_parse(arg);
		if (v < 0)
			return ifl_cli_usage("-g: unknown grouping '%s' (consumer, device or driver)", arg);
		env.group = (enum ifl_top_group)v;
		break;
	case 's':
		v = parse_sort(arg);
		if (v < 0)
			return ifl_cli_usage("-s: unknown column '%s'", arg);
		env.sort = (enum ifl_fig)v;
		break;
	case OPT_DRIVER:
		env.filter.driver = arg;
		add_filter_text("driver", arg);
		break;
	case OPT_CONSUMER:
		env.filter.consumer = arg;
		add_filter_text("consumer", arg);
		break;
	case OPT_DEVICE:
		env.filter.device = arg;
		add_filter_text("device", arg);
		break;
	case OPT_SOURCE:
		if (!ifl_source_known(arg))
			return ifl_cli_usage("--source: unknown source '%s' (" IFL_SOURCE_NAMES ")", arg);
		env.source = arg;
		break;
	case 'v':
		env.verbose = true;
		break;
	case ARGP_KEY_ARG:
		return ifl_cli_usage("unexpected argument '%s'", arg);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- signals ------------------------------------------------------------------ */

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* A crash must not leave the terminal raw: restore it, then die of the signal. */
static void on_fatal(int sig)
{
	ifl_screen_stop();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void setup_signals(void)
{
	/* no SA_RESTART: a signal ends the wait for the next interval at once */
	struct sigaction sa = { .sa_handler = on_stop };
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		sigaction(stops[i], &sa, NULL);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
}

/* ---- the loop ---------------------------------------------------------------- */

struct top {
	struct ifl_collector *c;
	struct ifl_sysinfo si;
	struct ifl_snapshot *start;	/* at attach: the batch summary's base */
	struct ifl_snapshot *base;	/* totals since here: start, or the last `r` */
	struct ifl_snapshot *before, *now;	/* the interval shown */
	struct ifl_top_frame frame, since;
	struct ifl_top_state st;
	bool screen;
	int help;
};

/* Frees s unless another member still points to it. */
static void release(struct top *t, struct ifl_snapshot *s)
{
	if (s != t->start && s != t->base && s != t->before && s != t->now)
		ifl_snapshot_free(s);
}

/* One line on stderr, after the terminal is restored; the collector's reason if it has one. */
static int fail(struct top *t, const char *what)
{
	const char *why = t->c ? ifl_errmsg(t->c) : NULL;

	ifl_screen_stop();
	fprintf(stderr, NAME ": %s%s%s\n", what, why && *why ? ": " : "", why && *why ? why : "");
	return EXIT_ENV;
}

/* A frame or the summary did not reach stdout (closed, /dev/full, a full disk). */
static int write_failed(const char *what)
{
	int e = errno ? errno : EIO;

	fprintf(stderr, NAME ": cannot write %s to standard output: %s\n", what, strerror(e));
	return EXIT_ENV;
}

/* The frames of the interval before..now and of the totals base..now. */
static int build(struct top *t)
{
	const struct ifl_snapshot *until = t->now;

	ifl_top_frame_free(&t->frame);
	ifl_top_frame_free(&t->since);
	/* right after `r` the base is newer than the interval's end */
	if (t->base->time_ns > until->time_ns)
		until = t->base;
	if (ifl_top_frame_build(t->now, t->before, &env.filter, env.group, env.sort, &t->frame) ||
	    ifl_top_frame_build(until, t->base, &env.filter, env.group, env.sort, &t->since))
		return -1;
	t->st.since = &t->since;
	return 0;
}

static void print_lines(FILE *out, const struct ifl_top_frame *f)
{
	char buf[1024];
	size_t at, len;

	ifl_top_column_titles(f->group, f->sort, buf, sizeof(buf), &at, &len);
	fprintf(out, "%s\n", buf);
	for (size_t i = 0; i < f->nrows; i++) {
		ifl_top_row_line(f->group, &f->rows[i], buf, sizeof(buf));
		fprintf(out, "%s\n", buf);
	}
}

static int emit_batch(struct top *t)
{
	char buf[1024];

	if (env.json)
		return ifl_top_json_write(stdout, &t->frame, &t->st);
	for (int i = 0; i < IFL_TOP_HEADER_LINES; i++) {
		ifl_top_header_line(&t->frame, &t->st, i, buf, sizeof(buf));
		printf("%s\n", buf);
	}
	printf("\n");
	print_lines(stdout, &t->frame);
	printf("\n");
	return fflush(stdout) || ferror(stdout) ? -1 : 0;
}

/*
 * Batch text mode's last words: the whole run, per second and in counts,
 * in the rows' grouping and, unless that is it already, per device (the
 * question a run of several devices leaves).
 */
static int summary(struct top *t)
{
	enum ifl_top_group groups[2] = { env.group, IFL_TG_DEVICE };
	struct ifl_top_frame all;
	char buf[1024];

	for (int i = 0; i < (env.group == IFL_TG_DEVICE ? 1 : 2); i++) {
		if (ifl_top_frame_build(t->now, t->start, &env.filter, groups[i], env.sort, &all))
			return -1;
		if (i == 0) {
			t->st.since = &all;
			ifl_top_header_line(&all, &t->st, 3, buf, sizeof(buf));
			t->st.since = &t->since;
			printf("== summary: %lu frames; %s\n", t->st.frame, buf);
		}
		print_lines(stdout, &all);
		ifl_top_frame_free(&all);
	}
	return fflush(stdout) || ferror(stdout) ? -1 : 0;
}

/* A key of the full-screen view; returns true when it asks to quit. */
static bool on_key(struct top *t, int k)
{
	if (t->help) {
		t->help = 0;		/* any key leaves the help page */
		return false;
	}
	switch (k) {
	case 'q':
	case 'Q':
		return true;
	case '<':
		env.sort = (enum ifl_fig)((env.sort + IFL_NR_FIGS - 1) % IFL_NR_FIGS);
		break;
	case '>':
		env.sort = (enum ifl_fig)((env.sort + 1) % IFL_NR_FIGS);
		break;
	case 'g':
		env.group = (enum ifl_top_group)((env.group + 1) % IFL_NR_TG);
		break;
	case 'p':
		t->st.paused = !t->st.paused;
		break;
	case '?':
	case 'h':
		t->help = 1;
		break;
	}
	return false;
}

/*
 * The full-screen view until the deadline: keys, resizes.  Returns 1 when
 * asked to quit, -1 on failure (reported), else 0.
 */
static int wait_screen(struct top *t, uint64_t deadline, uint64_t now)
{
	int k = ifl_screen_key((int)((deadline - now + 999999) / 1000000));

	if (k < 0)
		return 0;
	if (k == 'r' && !t->help) {
		/* the totals from now on */
		struct ifl_snapshot *b, *old = t->base;

		if (ifl_snapshot_take(t->c, &b)) {
			fail(t, "cannot read the collector");
			return -1;
		}
		t->base = b;
		release(t, old);
	} else if (k != IFL_KEY_RESIZE && on_key(t, k)) {
		return 1;
	}
	/* the frame on screen again: re-sorted, regrouped, resized */
	if (t->now) {
		if (build(t)) {
			fail(t, "out of memory");
			return -1;
		}
		ifl_screen_draw(&t->frame, &t->st, t->help);
	}
	return 0;
}

static int run(struct top *t)
{
	uint64_t interval_ns = (uint64_t)(env.interval * 1e9), deadline;

	if (ifl_snapshot_take(t->c, &t->start))
		return fail(t, "cannot read the collector");
	t->base = t->start;
	t->before = t->start;
	deadline = ifl_now_ns();	/* the first frame at once: what happened since attach */
	for (;;) {
		struct ifl_snapshot *next;
		uint64_t now = ifl_now_ns();

		if (stop)
			break;
		if (now < deadline) {
			/* wait for the deadline, or a key, or a signal */
			if (t->screen) {
				int r = wait_screen(t, deadline, now);

				if (r < 0)
					return EXIT_ENV;
				if (r > 0)
					break;
			} else {
				struct timespec ts = { (time_t)(deadline / 1000000000ULL),
						       (long)(deadline % 1000000000ULL) };

				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			}
			continue;
		}
		/* an interval ended */
		deadline += interval_ns;
		if (deadline < now)	/* fell behind (stopped, suspended): start afresh */
			deadline = now + interval_ns;
		/*
		 * Paused, the screen keeps its frame and the interval goes on:
		 * the first frame after the pause covers the paused time too.
		 */
		if (t->st.paused)
			continue;
		if (ifl_snapshot_take(t->c, &next))
			return fail(t, "cannot read the collector");
		if (t->now) {
			struct ifl_snapshot *old = t->before;

			t->before = t->now;
			t->now = next;
			release(t, old);
		} else {
			t->now = next;
		}
		t->st.frame++;
		ifl_sysinfo_read(&t->si, "");	/* domain types change (vfio, iommufd) */
		if (build(t))
			return fail(t, "out of memory");
		if (t->screen)
			ifl_screen_draw(&t->frame, &t->st, t->help);
		else if (emit_batch(t))
			return write_failed("the frame");
		if (env.count && t->st.frame >= env.count)
			break;
	}
	if (!t->screen && !env.json && t->now && summary(t))
		return write_failed("the summary");
	return 0;
}

static void cleanup(struct top *t)
{
	ifl_screen_stop();
	ifl_top_frame_free(&t->frame);
	ifl_top_frame_free(&t->since);
	/* each snapshot once: several members may point to one */
	struct ifl_snapshot *all[] = { t->start, t->base, t->before, t->now };

	for (size_t i = 0; i < 4; i++) {
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= all[j] == all[i];
		if (!seen)
			ifl_snapshot_free(all[i]);
	}
	ifl_close(t->c);
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_arg, NULL, doc, NULL, NULL, NULL };
	struct ifl_opts o = { 0 };
	struct top t = { 0 };
	char err[256];
	int ret;

	/* one line per usage error (cli.h) */
	ret = ifl_cli_parse(&argp, argc, argv, 0, NAME);
	if (ret)
		return ret;
	t.screen = !env.batch && !env.json && isatty(STDOUT_FILENO);

	o.verbose = env.verbose;
	o.source = env.source;
	o.progress = ifl_cli_waiting;
	ifl_cli_waiting_start();
	ret = ifl_open(&o, &t.c, err, sizeof(err));
	ifl_cli_waiting_stop();
	if (ret) {
		fprintf(stderr, NAME ": %s\n", err);
		return EXIT_ENV;
	}
	/* Without the series no event carries its caller: a consumer filter
	 * would show nothing, which would read as "that consumer is idle". */
	if (env.filter.consumer && !ifl_info(t.c)->consumers) {
		fprintf(stderr, NAME ": --consumer needs the IOMMU flush tracepoint series; the %s "
			"source does not see who maps and unmaps\n", ifl_info(t.c)->source);
		ifl_close(t.c);
		return EXIT_ENV;
	}
	ifl_sysinfo_read(&t.si, "");
	t.st.si = &t.si;
	t.st.info = ifl_info(t.c);
	t.st.interval = env.interval;
	t.st.filter = env.filter_text;
	setup_signals();
	if (t.screen && ifl_screen_start(err, sizeof(err))) {
		fprintf(stderr, NAME ": %s\n", err);
		ifl_close(t.c);
		return EXIT_ENV;
	}
	ret = run(&t);
	cleanup(&t);
	return ret;
}
