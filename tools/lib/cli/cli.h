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

/*
 * What the tool is waiting for, on a terminal: attaching takes seconds on
 * some kernels (a stock kernel's module BTF read, fentry attach under
 * emulation), and silence then reads as a hang.  Once a second has passed
 * since ifl_cli_waiting_start(), stderr, if it is a terminal, shows one
 * status line, "NAME: waiting: WHAT (3 s)", rewritten as WHAT changes and
 * each second (from a thread: no signal interrupts the caller);
 * ifl_cli_waiting_stop() erases it.  Nothing is printed when stderr is not
 * a terminal: scripts keep their one-line errors.
 */
void ifl_cli_waiting_start(void);
/* The step now waited for ("loading the BPF programs"); arg unused (a
 * collector progress callback, struct ifl_opts.progress). */
void ifl_cli_waiting(const char *what, void *arg);
void ifl_cli_waiting_stop(void);

#endif
