// SPDX-License-Identifier: GPL-2.0
/* The tools' argp error scheme (cli.h). */
#define _GNU_SOURCE	/* argp */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *tool = "?";
static argp_parser_t tool_parser;
static volatile int parsing;

/*
 * An exit() while argp_parse() runs is --help's or --version's (argp's own
 * or the tool's): what they printed must have reached stdout.  exit() would
 * flush stdout again after us, to no end: _exit.
 */
static void printed_at_exit(void)
{
	int e;

	if (!parsing)
		return;
	errno = 0;
	if (!fflush(stdout) && !ferror(stdout))
		return;
	e = errno ? errno : EIO;
	fprintf(stderr, "%s: cannot write to standard output: %s\n", tool, strerror(e));
	_exit(IFL_EXIT_ENV);
}

/* The tool's parser, with argp's error stream sent to /dev/null around it. */
static error_t parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_INIT:
		state->err_stream = fopen("/dev/null", "w");
		break;
	case ARGP_KEY_FINI:
		if (state->err_stream && state->err_stream != stderr)
			fclose(state->err_stream);
		state->err_stream = stderr;
		break;
	}
	return tool_parser(key, arg, state);
}

int ifl_cli_parse(const struct argp *argp, int argc, char **argv, unsigned int flags,
		  const char *name)
{
	struct argp a = *argp;
	error_t err;

	tool = name;
	tool_parser = argp->parser;
	a.parser = parse;
	argp_err_exit_status = IFL_EXIT_USAGE;
	argv[0] = (char *)name;
	/*
	 * A standard stream started closed (`>&-`) is held by /dev/null
	 * opened read-only: writes to it still fail, and are reported, but no
	 * file, BPF object or dump opened later takes its number and gets the
	 * report written into it.
	 */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDONLY) != fd)
			return IFL_EXIT_ENV;
	if (atexit(printed_at_exit))
		return IFL_EXIT_ENV;
	parsing = 1;
	err = argp_parse(&a, argc, argv, flags, NULL, NULL);
	parsing = 0;
	return err ? IFL_EXIT_USAGE : 0;
}

error_t ifl_cli_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see --help)\n");
	return EINVAL;
}

/* ---- the waiting line ------------------------------------------------------ */

/*
 * A thread of its own draws the line each second, so that no signal
 * interrupts the caller (a SIGALRM would make the verifier give up with
 * EAGAIN, and libbpf retries that only five times).
 */
static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct timespec t0;
	char what[160];
	bool on, stop, printed;
} wait_state = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static double wait_elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - wait_state.t0.tv_sec) + (t.tv_nsec - wait_state.t0.tv_nsec) / 1e9;
}

/* under the lock */
static void wait_draw(void)
{
	double s = wait_elapsed();

	if (s < 1 || !wait_state.what[0])
		return;
	fprintf(stderr, "\r\033[K%s: waiting: %s (%ld s)", tool, wait_state.what, (long)s);
	fflush(stderr);
	wait_state.printed = true;
}

static void *wait_loop(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wait_state.lock);
	while (!wait_state.stop) {
		struct timespec until;

		/* the next whole second since the start */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&wait_state.wake, &wait_state.lock, &until);
		if (!wait_state.stop)
			wait_draw();
	}
	pthread_mutex_unlock(&wait_state.lock);
	return NULL;
}

void ifl_cli_waiting_start(void)
{
	if (!isatty(STDERR_FILENO) || wait_state.on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &wait_state.t0);
	wait_state.what[0] = '\0';
	wait_state.stop = false;
	wait_state.on = !pthread_create(&wait_state.thread, NULL, wait_loop, NULL);
}

void ifl_cli_waiting(const char *what, void *arg)
{
	(void)arg;
	if (!wait_state.on)
		return;
	pthread_mutex_lock(&wait_state.lock);
	snprintf(wait_state.what, sizeof(wait_state.what), "%s", what);
	wait_draw();
	pthread_mutex_unlock(&wait_state.lock);
}

void ifl_cli_waiting_stop(void)
{
	if (!wait_state.on)
		return;
	pthread_mutex_lock(&wait_state.lock);
	wait_state.stop = true;
	pthread_cond_signal(&wait_state.wake);
	pthread_mutex_unlock(&wait_state.lock);
	pthread_join(wait_state.thread, NULL);
	wait_state.on = false;
	if (wait_state.printed) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	wait_state.printed = false;
}
