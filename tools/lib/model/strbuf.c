// SPDX-License-Identifier: GPL-2.0
/* The string builder (strbuf.h). */
#include <stdarg.h>
#include <stdio.h>

#include "strbuf.h"

struct ifl_strbuf ifl_sb(char *buf, size_t len)
{
	buf[0] = '\0';
	return (struct ifl_strbuf){ .buf = buf, .len = len };
}

bool ifl_sb_put(struct ifl_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->full)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->off, sb->len - sb->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->len - sb->off) {
		/* cut: what fitted stays, terminated by vsnprintf */
		sb->full = true;
		if (n < 0)
			sb->buf[sb->off] = '\0';
		else
			sb->off = sb->len - 1;
		return false;
	}
	sb->off += (size_t)n;
	return true;
}
