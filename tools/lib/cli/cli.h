/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tools' command line: one argp error scheme for both.  Every refusal
 * is one line on stderr naming the tool, and exit status 2: getopt's own
 * message for an unknown option or a missing value (argp's follow-up "Try
 * --help" line goes to /dev/null), ifl_cli_usage()'s for a bad value or a
 * combination the tool refuses.  Other failures exit 1.
 */
#ifndef IFL_CLI_H
#define IFL_CLI_H

#include <argp.h>

/* exit statuses, as the bcc tools use them */
enum { IFL_EXIT_ENV = 1, IFL_EXIT_USAGE = 2 };

/* argp_parse() under that scheme, argv[0] becoming name (getopt's messages
 * name the tool, not its path); 0, or IFL_EXIT_USAGE with its line printed.
 * What exits while parsing (--help, --version) exits 1 with one line
 * ("NAME: cannot write to standard output: why") when stdout did not take
 * what it printed. */
int ifl_cli_parse(const struct argp *argp, int argc, char **argv, unsigned int flags,
		  const char *name);
/* "NAME: why (see --help)" on stderr; returns EINVAL for a parser to return. */
error_t ifl_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
