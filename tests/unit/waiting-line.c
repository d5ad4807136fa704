// SPDX-License-Identifier: GPL-2.0
/*
 * waiting-line SECONDS: tools/lib/cli's waiting line around a step that
 * takes SECONDS ("step a", then "step b" once they passed), then "done" on
 * stderr: what tests/host/flushtop-cli.t checks on a terminal and off one.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"

int main(int argc, char **argv)
{
	double s = argc > 1 ? atof(argv[1]) : 0;
	struct timespec t = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	ifl_cli_waiting_start();
	ifl_cli_waiting("step a", NULL);
	nanosleep(&t, NULL);
	ifl_cli_waiting("step b", NULL);
	ifl_cli_waiting_stop();
	fprintf(stderr, "done\n");
	return 0;
}
