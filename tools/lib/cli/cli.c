// SPDX-License-Identifier: GPL-2.0
/* The tools' argp error scheme (cli.h). */
#define _GNU_SOURCE	/* argp */
#include <errno.h>
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
