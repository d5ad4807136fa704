// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-flush-exporter: IOMMU flush figures for Prometheus.  Every interval
 * it takes a snapshot from the collector library, adds its difference from
 * the last one to monotonic counters and histograms (tools/lib/export/),
 * and renders them once; HTTP scrapes (tools/lib/export/serve.c, its own
 * thread) are served that text, Prometheus' or OpenMetrics by the Accept
 * header, and never touch the collector: a slow or hostile client cannot
 * stall it.  Or it writes a node_exporter textfile, replaced atomically
 * every interval.
 * Docs: docs/exporter.md, docs/iommu-flush-exporter.8.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "collector.h"
#include "metrics.h"
#include "outfile.h"
#include "serve.h"

#define NAME "iommu-flush-exporter"
#define VERSION "0.1"
#define EXIT_ENV IFL_EXIT_ENV
#define DEFAULT_LISTEN "127.0.0.1:9877"
#define TEXTFILE_NAME "iommu_flush.prom"

const char *argp_program_version = NAME " " VERSION;

static const char doc[] =
"Export IOMMU flush figures to Prometheus: maps, unmaps, IOTLB syncs and\n"
"flushes, forced syncs and flush-queue flushes as counters, flush latency,\n"
"the stale window and pages per flush as histograms, per IOMMU driver,\n"
"consumer and device.  Serves /metrics over HTTP (127.0.0.1 unless told),\n"
"or writes a node_exporter textfile.  Needs CAP_BPF, CAP_PERFMON and\n"
"CAP_SYSLOG (or root).\n"
"\n"
"USAGE: iommu-flush-exporter [-l ADDR:PORT] [--textfile DIR] [-i SECONDS]\n"
"         [-d SECONDS] [--max-series N] [--source SOURCE] [-v] [-h] [-V]\n"
"\n"
"EXAMPLES:\n"
"    iommu-flush-exporter                      # http://127.0.0.1:9877/metrics\n"
"    iommu-flush-exporter -l 0.0.0.0:9877      # on every IPv4 address\n"
"    iommu-flush-exporter -l [::1]:9877        # IPv6 loopback\n"
"    iommu-flush-exporter --textfile /var/lib/prometheus/node-exporter\n"
"    iommu-flush-exporter -i 1 -d 60           # read every second, for a minute\n"
"\n"
"OPTIONS:";

enum { OPT_TEXTFILE = 0x100, OPT_MAX_SERIES, OPT_SOURCE };

static const struct argp_option options[] = {
	{ "listen", 'l', "ADDR:PORT", 0, "Serve /metrics there (default " DEFAULT_LISTEN "; port 0: any free one)", 0 },
	{ "textfile", OPT_TEXTFILE, "DIR", 0,
	  "Write DIR/" TEXTFILE_NAME " every interval, for node_exporter's textfile collector (no HTTP unless -l)", 0 },
	{ "interval", 'i', "SECONDS", 0, "Read the kernel's figures every SECONDS (0.1 to 3600; default 5)", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (default: until SIGTERM or SIGINT)", 0 },
	{ "max-series", OPT_MAX_SERIES, "N", 0,
	  "Label sets (driver, consumer, device) kept before new ones fold into \"other\" (1 to 100000; default 1000)", 0 },
	{ "source", OPT_SOURCE, "SOURCE", 0,
	  "Event source: tracepoints (the series), fallback (the drivers' callbacks), auto (default)", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf's and libmicrohttpd's messages on stderr", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{ 0 },
};

static struct env {
	const char *listen;	/* NULL: DEFAULT_LISTEN, unless --textfile alone */
	const char *textfile;
	const char *source;
	double interval, duration;
	unsigned long max_series;
	bool verbose;
} env = { .interval = 5.0, .max_series = 1000 };

static int parse_seconds(const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(*out))
		return ifl_cli_usage("%s: not a number of seconds: '%s'", opt, arg);
	if (*out < lo || *out > hi)
		return ifl_cli_usage("%s: %s s is out of range (%g to %g)", opt, arg, lo, hi);
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;

	switch (key) {
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case 'l':
		env.listen = arg;
		break;
	case OPT_TEXTFILE:
		if (!*arg)
			return ifl_cli_usage("--textfile: an empty directory name");
		env.textfile = arg;
		break;
	case 'i':
		return parse_seconds("-i", arg, 0.1, 3600, &env.interval);
	case 'd':
		return parse_seconds("-d", arg, 0.1, 1e9, &env.duration);
	case OPT_MAX_SERIES:
		errno = 0;
		env.max_series = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+' ||
		    env.max_series < 1 || env.max_series > 100000)
			return ifl_cli_usage("--max-series: not a count from 1 to 100000: '%s'", arg);
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

static void setup_signals(void)
{
	/* no SA_RESTART: a signal ends the wait for the next interval at once */
	struct sigaction sa = { .sa_handler = on_stop };
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		sigaction(stops[i], &sa, NULL);
	/* a scraper that hangs up mid-response must not kill the exporter */
	signal(SIGPIPE, SIG_IGN);
}

/* ---- the loop ---------------------------------------------------------------- */

struct exporter {
	struct ifl_collector *c;
	struct ifl_metrics *m;
	struct ifl_snapshot *last;	/* cumulative, at the last update */
	struct ifl_serve *http;		/* NULL: no -l */
	struct ifl_out textfile;
	bool have_textfile;
	bool warned;			/* an update failure was reported */
};

/* Render both formats and hand them to the HTTP side; write the textfile. */
static int render(struct exporter *x)
{
	char *text[2] = { NULL, NULL }, err[PATH_MAX + 128];
	size_t len[2] = { 0, 0 };

	for (int f = 0; f < 2; f++)
		if (ifl_metrics_render(x->m, (enum ifl_metrics_format)f, &text[f], &len[f])) {
			free(text[0]);
			fprintf(stderr, NAME ": out of memory\n");
			return -1;
		}
	if (x->have_textfile &&
	    ifl_out_write(&x->textfile, text[IFL_FMT_PROMETHEUS], len[IFL_FMT_PROMETHEUS], err, sizeof(err))) {
		fprintf(stderr, NAME ": %s\n", err);
		free(text[0]);
		free(text[1]);
		return -1;
	}
	if (x->http)
		ifl_serve_publish(x->http, text, len);
	else {
		free(text[0]);
		free(text[1]);
	}
	return 0;
}

static void update(struct exporter *x)
{
	struct ifl_snapshot *now = NULL, *d = NULL;

	if (ifl_snapshot_take(x->c, &now) || ifl_snapshot_delta(now, x->last, &d) ||
	    ifl_metrics_add(x->m, d)) {
		/* counted in iommu_exporter_update_errors_total; said once */
		ifl_metrics_update_failed(x->m);
		if (!x->warned)
			fprintf(stderr, NAME ": an update failed (counted in "
				"iommu_exporter_update_errors_total): %s\n", ifl_errmsg(x->c));
		x->warned = true;
		ifl_snapshot_free(now);
		ifl_snapshot_free(d);
		return;
	}
	ifl_snapshot_free(d);
	ifl_snapshot_free(x->last);
	x->last = now;
}

static void sleep_until(uint64_t deadline)
{
	uint64_t now = ifl_now_ns();
	struct timespec ts;

	if (now >= deadline)
		return;
	ts.tv_sec = (time_t)((deadline - now) / 1000000000u);
	ts.tv_nsec = (long)((deadline - now) % 1000000000u);
	nanosleep(&ts, NULL);	/* a signal ends it */
}

static int run(struct exporter *x)
{
	uint64_t step = (uint64_t)(env.interval * 1e9), start = ifl_now_ns();
	uint64_t end = env.duration > 0 ? start + (uint64_t)(env.duration * 1e9) : UINT64_MAX;
	uint64_t next = start + step;

	while (!stop) {
		sleep_until(next < end ? next : end);
		if (stop || ifl_now_ns() >= end)
			break;
		if (ifl_now_ns() < next)
			continue;
		update(x);
		if (render(x))
			return EXIT_ENV;
		/* on schedule: the next deadline from the last, skipping missed ones */
		next += step;
		if (next <= ifl_now_ns())
			next = ifl_now_ns() + step;
	}
	/* what happened since the last update reaches the textfile too */
	update(x);
	return render(x) ? EXIT_ENV : 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_arg, NULL, doc, NULL, NULL, NULL };
	struct ifl_opts o = { 0 };
	struct exporter x = { 0 };
	struct ifl_metrics_opts mo = { 0 };
	struct ifl_serve_opts so = { .name = NAME };
	struct sockaddr_storage ss;
	socklen_t sslen;
	char err[PATH_MAX + 128], path[PATH_MAX];
	int ret;

	ret = ifl_cli_parse(&argp, argc, argv, 0, NAME);
	if (ret)
		return ret;
	if (!env.listen && !env.textfile)
		env.listen = DEFAULT_LISTEN;
	if (env.listen && ifl_serve_parse_listen(env.listen, &ss, &sslen, err, sizeof(err))) {
		fprintf(stderr, NAME ": -l %s: %s (see --help)\n", env.listen, err);
		return IFL_EXIT_USAGE;
	}
	if (env.textfile) {
		struct stat st;

		errno = 0;
		if (stat(env.textfile, &st) || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, NAME ": --textfile %s: %s\n", env.textfile,
				errno ? strerror(errno) : "not a directory");
			return EXIT_ENV;
		}
		if (snprintf(path, sizeof(path), "%s/%s", env.textfile, TEXTFILE_NAME) >= (int)sizeof(path)) {
			fprintf(stderr, NAME ": --textfile %s: name too long\n", env.textfile);
			return EXIT_ENV;
		}
		/* refused now, not after attaching: a directory that cannot take the file */
		if (ifl_out_check(path, &x.textfile, err, sizeof(err))) {
			fprintf(stderr, NAME ": %s\n", err);
			return EXIT_ENV;
		}
		if (x.textfile.kind != IFL_OUT_REPLACE) {
			fprintf(stderr, NAME ": --textfile %s: %s is not a regular file\n", env.textfile, path);
			return EXIT_ENV;
		}
		x.have_textfile = true;
	}

	o.verbose = env.verbose;
	o.source = env.source;
	o.progress = ifl_cli_waiting;
	ifl_cli_waiting_start();
	ret = ifl_open(&o, &x.c, err, sizeof(err));
	ifl_cli_waiting_stop();
	if (ret) {
		fprintf(stderr, NAME ": %s\n", err);
		return EXIT_ENV;
	}
	mo.max_series = (unsigned int)env.max_series;
	mo.source = ifl_info(x.c)->source;
	mo.prog_type = ifl_info(x.c)->prog_type;
	mo.version = VERSION;
	x.m = ifl_metrics_new(&mo);
	if (!x.m) {
		fprintf(stderr, NAME ": out of memory\n");
		ifl_close(x.c);
		return EXIT_ENV;
	}
	setup_signals();
	so.listen = env.listen;
	so.verbose = env.verbose;
	if (env.listen && ifl_serve_start(&so, &x.http, err, sizeof(err))) {
		fprintf(stderr, NAME ": %s\n", err);
		ifl_metrics_free(x.m);
		ifl_close(x.c);
		return EXIT_ENV;
	}
	/* the first figures are served before the address is announced */
	if (ifl_snapshot_take(x.c, &x.last)) {
		fprintf(stderr, NAME ": reading the figures failed: %s\n", ifl_errmsg(x.c));
		ret = EXIT_ENV;
		goto out;
	}
	if (render(&x)) {
		ret = EXIT_ENV;
		goto out;
	}
	if (x.http)
		fprintf(stderr, NAME ": serving http://%.*s:%u/metrics from the %s source\n",
			(int)(strrchr(env.listen, ':') - env.listen), env.listen,
			ifl_serve_port(x.http), ifl_info(x.c)->source);
	if (x.have_textfile)
		fprintf(stderr, NAME ": writing %s every %g s from the %s source\n", x.textfile.path,
			env.interval, ifl_info(x.c)->source);
	ret = run(&x);
out:
	ifl_serve_stop(x.http);
	ifl_snapshot_free(x.last);
	ifl_metrics_free(x.m);
	ifl_close(x.c);
	return ret;
}
