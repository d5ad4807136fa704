/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assertions of the C test programs: one "ok DESC" / "not ok DESC" line
 * each (tests/host/collector-*.t prefix them with the test's name), and an
 * exit status that says whether all passed.
 */
#ifndef IFL_CHECK_H
#define IFL_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...)                                        \
	do {                                                    \
		if (cond) {                                     \
			printf("ok ");                          \
		} else {                                        \
			printf("not ok ");                      \
			check_failures++;                       \
		}                                               \
		printf(__VA_ARGS__);                            \
		printf("\n");                                   \
		fflush(stdout);                                 \
	} while (0)

#define CHECK_EXIT() return check_failures ? 1 : 0

#endif
