// SPDX-License-Identifier: GPL-2.0
/* The tools' argp error scheme (cli.h). */
#define _GNU_SOURCE	/* argp */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

static const char *tool = "?";
static argp_parser_t tool_parser;

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

	tool = name;
	tool_parser = argp->parser;
	a.parser = parse;
	argp_err_exit_status = IFL_EXIT_USAGE;
	argv[0] = (char *)name;
	if (argp_parse(&a, argc, argv, flags, NULL, NULL))
		return IFL_EXIT_USAGE;
	return 0;
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
