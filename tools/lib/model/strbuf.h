/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one string builder of the library and the tools: appends to a
 * fixed buffer, never past its end, always terminated.  An append that
 * does not fit is cut, and every later one does nothing, so a line that
 * is too long ends where it stopped fitting, never in the middle of a
 * later piece.
 */
#ifndef IFL_STRBUF_H
#define IFL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct ifl_strbuf {
	char *buf;
	size_t len;	/* the buffer's size */
	size_t off;	/* the length of the text so far */
	bool full;	/* an append was cut: the rest is dropped */
};

/* buf[0..len) becomes the empty string (len > 0). */
struct ifl_strbuf ifl_sb(char *buf, size_t len);
/* printf into the rest of the buffer; false once the text was cut. */
bool ifl_sb_put(struct ifl_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
