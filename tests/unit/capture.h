/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the text tests share: output captured in memory (capture() opens a
 * stream whose text lands in text/text_len once closed) and its widest
 * line.  Header-only, for the test programs; needs _GNU_SOURCE for
 * open_memstream.
 */
#ifndef IFL_CAPTURE_H
#define IFL_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>

static char *text;
static size_t text_len;

static FILE *capture(void)
{
	FILE *f;

	free(text);
	text = NULL;
	f = open_memstream(&text, &text_len);
	if (!f)
		exit(2);
	return f;
}

/* The longest line of the captured text, or -1 if a byte is not plain ASCII. */
static int widest(void)
{
	int w = 0, col = 0;

	for (size_t i = 0; i < text_len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\n') {
			col = 0;
			continue;
		}
		if (c < 0x20 || c > 0x7e)
			return -1;
		if (++col > w)
			w = col;
	}
	return w;
}

#endif
