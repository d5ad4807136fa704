// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-flushhist: record how IOMMU flushes coalesce over a workload and
 * print the distributions a review thread asks for (pages and unmaps per
 * sync, sync duration, stale window, map and unmap sizes) as plain text
 * that survives being pasted into a mail; save recordings as JSON and
 * compare two of them.
 *
 * Recording goes through the collector library; printing a saved file
 * (-i) and comparing two (--compare) read JSON only and never open the
 * collector, so they need no root, no BPF and no IOMMU.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "collector.h"
#include "dump.h"
#include "ab_report.h"
#include "hist_report.h"
#include "outfile.h"
#include "strbuf.h"
#include "sysinfo.h"

#define TOOL "iommu-flushhist"
#define TOOL_VERSION "1"

enum { EXIT_ENV = IFL_EXIT_ENV, EXIT_USAGE = IFL_EXIT_USAGE };

static struct env {
	double duration;	/* -d, seconds; 0: a command */
	double settle;		/* after the command, for lazy flushes */
	const char *output;	/* -o */
	const char *input;	/* -i */
	const char *source;	/* --source; NULL: auto */
	bool compare;
	bool group_set, verbose;
	unsigned int group_by;
	uint32_t metrics;
	char **args;		/* the command, or compare's two files */
	int nargs;
	unsigned int blocks;	/* --blocks: comparisons sharing the 5% (0: unset) */
} env = {
	.settle = 1.0,
	.metrics = IFL_REPORT_ALL_METRICS,
};

static const char doc[] =
	"Record IOMMU flush histograms (pages and unmaps per sync, sync duration, "
	"stale window, map and unmap sizes) for a review thread, save them, compare two.\n"
	"\n"
	"  iommu-flushhist [-g FIELDS] [-m METRICS] [-o FILE.json] -d SECONDS\n"
	"  iommu-flushhist [-g FIELDS] [-m METRICS] [-o FILE.json] -- COMMAND [ARG...]\n"
	"  iommu-flushhist -i FILE.json [-g FIELDS] [-m METRICS] [-o COPY.json]\n"
	"  iommu-flushhist --compare A.json B.json [-g FIELDS] [-m METRICS]\n"
	"  iommu-flushhist --compare A1.json,A2.json,... B1.json,B2.json,...\n"
	"                  [--blocks K]\n"
	"\v"
	"Recording needs root (or CAP_BPF and CAP_PERFMON) and a kernel with the "
	"IOMMU flush tracepoint series; -i and --compare need neither.  Every "
	"output line is plain ASCII of at most 72 columns.\n"
	"\n"
	"EXAMPLES:\n"
	"    iommu-flushhist -d 10                # the whole system for 10 s\n"
	"    iommu-flushhist -o lazy.json -- dd if=/dev/nvme0n1 of=/dev/null \\\n"
	"        bs=64k count=256 iflag=direct    # one command, saved\n"
	"    iommu-flushhist -g driver,device -m unmaps,stale -d 5\n"
	"    iommu-flushhist -i lazy.json         # print a saved recording\n"
	"    iommu-flushhist --compare strict.json lazy.json\n"
	"    iommu-flushhist --compare a1.json,a2.json,a3.json b1.json,b2.json,b3.json\n"
	"                                         # runs of two kernels, with spread\n"
	"\n"
	"FIELDS: driver, type, consumer, device, caller, or none (default "
	"driver,consumer; consumer for --compare).  METRICS: pages, unmaps, sync, "
	"stale, map, unmap, or all (the default).\n"
	"\n"
	"Exit status: 0 (also when COMMAND fails: its status is in the header), "
	"1 (not root, no BTF, no events, no IOMMU; a file that cannot be read, is "
	"not a valid dump or cannot be written; incompatible dumps), 2 (usage).";

enum { OPT_COMPARE = 0x100, OPT_SETTLE, OPT_BLOCKS, OPT_SOURCE };

static const struct argp_option options[] = {
	{ "duration", 'd', "SECONDS", 0, "Record the whole system for SECONDS", 0 },
	{ "output", 'o', "FILE", 0, "Save the recording as JSON to FILE (- for stdout; the report then goes to stderr)", 0 },
	{ "input", 'i', "FILE", 0, "Print a saved recording (no root, no BPF)", 0 },
	{ "compare", OPT_COMPARE, NULL, 0, "Compare two saved recordings, A.json B.json", 0 },
	{ "group", 'g', "FIELDS", 0, "Group rows by these fields (see below)", 0 },
	{ "metrics", 'm', "METRICS", 0, "Print these histograms (see below)", 0 },
	{ "blocks", OPT_BLOCKS, "K", 0,
	  "With --compare of runs: one of K comparisons in a report, which share "
	  "the family-wise 5% (each gets 5%/K; default 1)", 0 },
	{ "settle", OPT_SETTLE, "SECONDS", 0,
	  "After COMMAND, keep recording SECONDS for its lazy flushes (default 1)", 0 },
	{ "source", OPT_SOURCE, "SOURCE", 0,
	  "Event source when recording: tracepoints (the series), fallback (the drivers' callbacks), "
	  "auto (default: the first that works)", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf's messages on stderr", 0 },
	{ "version", 'V', NULL, 0, "Print the version", 0 },
	{ "help", 'h', NULL, 0, "Show this help", 0 },
	{ 0 },
};

static int parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > max)
		return -1;
	*out = v;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'd':
		if (parse_seconds(arg, 1e6, &env.duration) || env.duration <= 0)
			return ifl_cli_usage("-d wants a number of seconds, not \"%s\"", arg);
		break;
	case 'o':
		env.output = arg;
		break;
	case 'i':
		env.input = arg;
		break;
	case OPT_COMPARE:
		env.compare = true;
		break;
	case 'g':
		if (ifl_report_parse_group(arg, &env.group_by))
			return ifl_cli_usage("-g: \"%s\" is not a list of driver, type, "
				     "consumer, device, caller or none", arg);
		env.group_set = true;
		break;
	case 'm':
		if (ifl_report_parse_metrics(arg, &env.metrics))
			return ifl_cli_usage("-m: \"%s\" is not a list of pages, unmaps, "
				     "sync, stale, map, unmap or all", arg);
		break;
	case OPT_BLOCKS: {
		char *end;
		unsigned long k;

		errno = 0;
		k = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || *arg == '-' || k < 1 || k > 1000)
			return ifl_cli_usage("--blocks wants a whole number from 1 to 1000, not \"%s\"", arg);
		env.blocks = (unsigned int)k;
		break;
	}
	case OPT_SETTLE:
		if (parse_seconds(arg, 3600, &env.settle))
			return ifl_cli_usage("--settle wants a number of seconds, not \"%s\"", arg);
		break;
	case OPT_SOURCE:
		if (!ifl_source_known(arg))
			return ifl_cli_usage("--source: unknown source \"%s\" (" IFL_SOURCE_NAMES ")", arg);
		env.source = arg;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'V':
		printf(TOOL " " TOOL_VERSION " (dump schema %d)\n", IFL_DUMP_VERSION);
		exit(0);
	case 'h':
		/* ours (ARGP_NO_HELP): the full help on stdout */
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP, (char *)TOOL);
		exit(0);
	case ARGP_KEY_ARG:
		/* getopt has moved the non-options last and stops at "--": the rest is
		 * the command (its own options after "--" are not ours) or the files */
		env.args = state->argv + state->next - 1;
		env.nargs = state->argc - state->next + 1;
		state->next = state->argc;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- reading and comparing: JSON only ------------------------------------ */

static int load(const char *path, struct ifl_dump *d)
{
	char err[512];

	if (!ifl_dump_read(path, d, err, sizeof(err)))
		return 0;
	fprintf(stderr, TOOL ": %s\n", err);
	return EXIT_ENV;
}

static int save(const struct ifl_dump *d)
{
	char err[512];

	if (!env.output || !ifl_dump_write(d, env.output, err, sizeof(err)))
		return 0;
	fprintf(stderr, TOOL ": %s\n", err);
	return EXIT_ENV;
}

/* The report's stream: stdout, unless -o sends the JSON there (-o -, /dev/stdout). */
static FILE *report_stream(void)
{
	struct ifl_out out;
	char err[512];

	return env.output && !ifl_out_resolve(env.output, &out, err, sizeof(err)) &&
	       ifl_out_is_stdout(&out) ? stderr : stdout;
}

/* What was printed reached its stream, or one line says why not. */
static int flushed(FILE *f)
{
	char err[256];

	if (!ifl_report_flush(f, err, sizeof(err)))
		return 0;
	fprintf(stderr, TOOL ": %s\n", err);
	return EXIT_ENV;
}

static struct ifl_report_opts report_opts(void)
{
	return (struct ifl_report_opts){
		.group_by = env.group_set ? env.group_by : IFL_REPORT_DEFAULT_GROUPS,
		.metrics = env.metrics,
	};
}

static int report(const struct ifl_dump *d)
{
	struct ifl_report_opts o = report_opts();
	FILE *f = report_stream();
	char err[256];

	if (!ifl_report_print(f, d, &o, err, sizeof(err)))
		return flushed(f);
	fprintf(stderr, TOOL ": %s\n", err);
	return EXIT_ENV;
}

/*
 * A recording: printed, saved with -o, freed.  A report that could not be
 * printed does not cost the recording: it is still saved, and the exit
 * status says the report failed.
 */
static int present(struct ifl_dump *d)
{
	int ret = report(d), saved = save(d);

	ifl_dump_free(d);
	return ret ? ret : saved;
}

/* -i: report/ alone (tests/unit/report-print.c runs the same without libbpf) */
static int print_input(void)
{
	struct ifl_report_opts o = report_opts();
	char err[512];

	if (!ifl_report_file(stdout, env.input, &o, env.output, err, sizeof(err)))
		return 0;
	fprintf(stderr, TOOL ": %s\n", err);
	return EXIT_ENV;
}

#define MAX_RUNS 99

/* The files of one side of --compare, comma-separated; *n of them. */
static int load_side(char *list, struct ifl_dump *d, size_t *n)
{
	char *save = NULL, *path;
	int ret = 0;

	*n = 0;
	for (path = strtok_r(list, ",", &save); path && !ret; path = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_RUNS) {
			fprintf(stderr, TOOL ": --compare takes at most %d recordings a side\n", MAX_RUNS);
			return EXIT_USAGE;
		}
		ret = load(path, &d[*n]);
		if (!ret)
			(*n)++;
	}
	if (!ret && !*n) {
		fprintf(stderr, TOOL ": --compare: a side names no file\n");
		ret = EXIT_USAGE;
	}
	return ret;
}

/*
 * Several recordings a side (the runs of scripts/ab-patch): each figure's
 * median and spread, and whether B differs beyond it (ab_report.h).
 */
static int compare_runs(void)
{
	static struct ifl_dump a[MAX_RUNS], b[MAX_RUNS];
	size_t na = 0, nb = 0;
	struct ifl_ab_result res;
	double alpha = IFL_AB_ALPHA / (env.blocks ? env.blocks : 1);
	char err[512];
	int ret;

	ret = load_side(env.args[0], a, &na);
	if (!ret)
		ret = load_side(env.args[1], b, &nb);
	if (!ret && ifl_ab_compare(stdout, a, na, b, nb, alpha, &res, err, sizeof(err))) {
		fprintf(stderr, TOOL ": %s\n", err);
		ret = EXIT_ENV;
	}
	if (!ret)
		ret = flushed(stdout);
	for (size_t i = 0; i < na; i++)
		ifl_dump_free(&a[i]);
	for (size_t i = 0; i < nb; i++)
		ifl_dump_free(&b[i]);
	return ret;
}

static int compare(void)
{
	struct ifl_report_opts o = {
		.group_by = env.group_set ? env.group_by : IFL_BY_CONSUMER,
		.metrics = env.metrics,
	};
	struct ifl_dump a = { 0 }, b = { 0 };
	char err[512];
	int ret;

	ret = load(env.args[0], &a);
	if (!ret)
		ret = load(env.args[1], &b);
	if (!ret && ifl_report_compare(stdout, &a, env.args[0], &b, env.args[1], &o, err, sizeof(err))) {
		fprintf(stderr, TOOL ": %s\n", err);
		ret = EXIT_ENV;
	}
	if (!ret)
		ret = flushed(stdout);
	ifl_dump_free(&a);
	ifl_dump_free(&b);
	return ret;
}

/* ---- recording -------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * While recording, the rows of freed domains are read out of the maps
 * once a second (ifl_collector_reap()): a recording of a workload that
 * creates and frees domains (VFIO, iommufd) must not fill them.
 */
#define REAP_NS 1000000000ULL
static struct ifl_collector *reap_c;
static uint64_t reap_last;

static void reap_tick(void)
{
	uint64_t now = ifl_now_ns();

	if (!reap_c || now - reap_last < REAP_NS)
		return;
	reap_last = now;
	/* a failure here shows in the final snapshot, which fails the same way */
	(void)ifl_collector_reap(reap_c);
}

/* Sleeps up to ms milliseconds, less if a signal comes. */
static void nap(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/* Sleeps s seconds, or until SIGINT/SIGTERM. */
static void wait_seconds(double s)
{
	uint64_t end = ifl_now_ns() + (uint64_t)(s * 1e9);

	for (uint64_t now = ifl_now_ns(); !interrupted && now < end; now = ifl_now_ns()) {
		uint64_t left_ms = (end - now + 999999) / 1000000;

		nap(left_ms < 200 ? (long)left_ms : 200);
		reap_tick();
	}
}

/* The command line as a shell would read it back, printable ASCII only. */
static void command_line(char *buf, size_t len, char **argv, int argc)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && off + 4 < len; i++) {
		bool quote = !argv[i][0] || strpbrk(argv[i], " \t'\"\\$`*?;&|<>()");

		if (i)
			buf[off++] = ' ';
		if (quote)
			buf[off++] = '\'';
		for (const char *p = argv[i]; *p && off + 3 < len; p++) {
			unsigned char c = (unsigned char)*p;

			/* a quote inside quotes: shown as '?' rather than '\'' */
			buf[off++] = c < 0x20 || c > 0x7e || (quote && c == '\'') ? '?' : (char)c;
		}
		if (quote && off + 2 < len)
			buf[off++] = '\'';
		buf[off] = '\0';
	}
	if (off + 4 >= len)
		snprintf(buf + len - 4, 4, "...");
}

/*
 * Runs the command with the collector attached; its status (128 + signal
 * if killed) in *status.  exec failures come back through a close-on-exec
 * pipe, so "no such command" is an error, not a recording of exit 127.
 */
static int run_command(int *status)
{
	int pfd[2], e = 0, ws;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		fprintf(stderr, TOOL ": pipe: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(pfd[0]);
		execvp(env.args[0], env.args);
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		fprintf(stderr, TOOL ": fork: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	if (read(pfd[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = 0;
	close(pfd[0]);
	for (;;) {
		pid_t r = waitpid(pid, &ws, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, TOOL ": waitpid: %s\n", strerror(errno));
			return EXIT_ENV;
		}
		nap(50);
		reap_tick();
	}
	if (e) {
		fprintf(stderr, TOOL ": cannot run %s: %s\n", env.args[0], strerror(e));
		return EXIT_ENV;
	}
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

static void fill_meta(struct ifl_dump_meta *m, const struct ifl_collector *c, time_t start)
{
	struct ifl_strbuf drivers = ifl_sb(m->drivers, sizeof(m->drivers));
	struct ifl_sysinfo si;
	struct tm tm;

	ifl_sysinfo_read(&si, "");
	gmtime_r(&start, &tm);
	strftime(m->recorded, sizeof(m->recorded), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(m->kernel, sizeof(m->kernel), "%s", si.kernel);
	snprintf(m->machine, sizeof(m->machine), "%s", si.machine);
	for (unsigned int i = 0; i < si.ndrivers; i++)
		ifl_sb_put(&drivers, "%s%s", i ? "," : "", si.drivers[i]);
	snprintf(m->mode, sizeof(m->mode), "%s", ifl_dump_mode_of(&si));
	ifl_sysinfo_iommu_line(&si, m->iommu, sizeof(m->iommu));
	snprintf(m->source, sizeof(m->source), "%s", ifl_info(c)->source);
	if (env.nargs) {
		command_line(m->workload, sizeof(m->workload), env.args, env.nargs);
		snprintf(m->command, sizeof(m->command), "%s", basename(env.args[0]));
	} else {
		snprintf(m->workload, sizeof(m->workload), "system-wide, -d %g", env.duration);
	}
}

/* Rows without a single event (the empty overflow row, idle keys) are noise in a dump. */
static void drop_empty_rows(struct ifl_snapshot *s)
{
	static const struct ifl_row zero;
	size_t out = 0;

	for (size_t i = 0; i < s->nrows; i++) {
		const struct ifl_row *r = &s->rows[i];

		if (memcmp(r->count, zero.count, sizeof(zero.count)) ||
		    memcmp(r->hist, zero.hist, sizeof(zero.hist)))
			s->rows[out++] = *r;
	}
	s->nrows = out;
}

/* Every field the dump keeps; per-run domain numbers are not among them. */
#define SAVED_FIELDS (IFL_BY_DRIVER | IFL_BY_TYPE | IFL_BY_CONSUMER | IFL_BY_DEVICE | IFL_BY_CALLER)

static int record(struct ifl_dump *d)
{
	struct ifl_opts o = { .verbose = env.verbose, .source = env.source };
	struct ifl_snapshot *before = NULL, *after = NULL, *delta = NULL;
	struct ifl_collector *c;
	struct sigaction sa = { .sa_handler = on_signal };
	time_t start = time(NULL);
	char err[256];
	int ret;

	memset(d, 0, sizeof(*d));
	d->meta.exit_status = -1;
	o.progress = ifl_cli_waiting;
	ifl_cli_waiting_start();
	ret = ifl_open(&o, &c, err, sizeof(err));
	ifl_cli_waiting_stop();
	if (ret) {
		fprintf(stderr, TOOL ": %s\n", err);
		return EXIT_ENV;
	}
	/* The rows are still printed, their caller reads "-". */
	if (env.group_set && (env.group_by & IFL_BY_CALLER) && !ifl_info(c)->callers)
		fprintf(stderr, TOOL ": -g caller needs the IOMMU flush tracepoint series v1; "
			"the %s source (%s) sees no callers: they read \"-\"\n",
			ifl_info(c)->source, ifl_info(c)->source_desc);
	/* Ctrl-C ends the recording (and reaches the command); the report still prints */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = ifl_snapshot_take(c, &before);
	reap_c = c;
	reap_last = ifl_now_ns();
	if (!ret) {
		if (env.nargs) {
			int r = run_command(&d->meta.exit_status);

			if (r) {
				ifl_snapshot_free(before);
				ifl_close(c);
				return r;
			}
			wait_seconds(env.settle);
		} else {
			wait_seconds(env.duration);
		}
		ret = ifl_snapshot_take(c, &after);
	}
	if (ret)
		fprintf(stderr, TOOL ": cannot read the collector: %s\n", ifl_errmsg(c));
	/* the model's own failures set no collector message: theirs is memory */
	else if (ifl_snapshot_delta(after, before, &delta) ||
		 ifl_snapshot_group(delta, SAVED_FIELDS, &d->snap)) {
		ret = -1;
		fprintf(stderr, TOOL ": out of memory for the recording's rows\n");
	} else {
		drop_empty_rows(d->snap);
		fill_meta(&d->meta, c, start);
		d->meta.duration_ns = delta->interval_ns;
	}
	ifl_snapshot_free(delta);
	ifl_snapshot_free(after);
	ifl_snapshot_free(before);
	ifl_close(c);
	return ret ? EXIT_ENV : 0;
}

/* -o must be writable (outfile.h): say so before a long recording, not after. */
static int check_output(void)
{
	struct ifl_out out;
	char err[512];

	if (!env.output || !ifl_out_check(env.output, &out, err, sizeof(err)))
		return 0;
	fprintf(stderr, TOOL ": %s\n", err);
	return EXIT_ENV;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { .options = options, .parser = parse_opt,
					  .args_doc = "[-- COMMAND [ARG...]]", .doc = doc };
	struct ifl_dump d;
	int ret;

	/* one line per usage error (cli.h); -h, --help and -V are ours */
	ret = ifl_cli_parse(&argp, argc, argv, ARGP_NO_HELP, TOOL);
	if (ret)
		return ret;
	if (env.compare) {
		if (env.input || env.duration > 0 || env.nargs != 2) {
			fprintf(stderr, TOOL ": --compare takes two files, A.json B.json, and no -i or -d\n");
			return EXIT_USAGE;
		}
		if (env.output) {
			fprintf(stderr, TOOL ": --compare prints, it saves nothing (-o)\n");
			return EXIT_USAGE;
		}
		if (env.source) {
			fprintf(stderr, TOOL ": --source is for recording: --compare reads saved files\n");
			return EXIT_USAGE;
		}
		if (strchr(env.args[0], ',') || strchr(env.args[1], ','))
			return compare_runs();
		if (env.blocks) {
			fprintf(stderr, TOOL ": --blocks is for --compare of several runs a side\n");
			return EXIT_USAGE;
		}
		return compare();
	}
	if (env.blocks) {
		fprintf(stderr, TOOL ": --blocks goes with --compare\n");
		return EXIT_USAGE;
	}
	if (env.source && env.input) {
		fprintf(stderr, TOOL ": --source is for recording: -i reads a saved file\n");
		return EXIT_USAGE;
	}
	if (env.input) {
		if (env.duration > 0 || env.nargs) {
			fprintf(stderr, TOOL ": -i prints a saved recording: no -d or COMMAND with it\n");
			return EXIT_USAGE;
		}
		return print_input();
	}
	if ((env.duration > 0) == (env.nargs > 0)) {
		fprintf(stderr, TOOL ": %s\n", env.nargs ? "-d and a COMMAND exclude each other"
			: "nothing to record: give -d SECONDS or -- COMMAND (see --help)");
		return EXIT_USAGE;
	}
	ret = check_output();
	if (ret)
		return ret;
	ret = record(&d);
	return ret ? ret : present(&d);
}
