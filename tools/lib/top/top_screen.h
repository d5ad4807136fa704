/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu-flushtop's full-screen view, drawn with ncurses.  The terminal is
 * put back as it was by ifl_screen_stop(), which the tool calls on every
 * way out: normal exit, error, and the signals that end it.
 */
#ifndef IFL_TOP_SCREEN_H
#define IFL_TOP_SCREEN_H

#include <stddef.h>

#include "top_frame.h"
#include "top_text.h"

/* 0, or -1 with a one-line reason in err (an unknown TERM, say). */
int ifl_screen_start(char *err, size_t errlen);
/* Idempotent, and safe to call when the screen never started. */
void ifl_screen_stop(void);
/* Header, column titles, as many rows as fit; or the help page. */
void ifl_screen_draw(const struct ifl_top_frame *f, const struct ifl_top_state *st, int help);
/*
 * The next key, waiting at most timeout_ms: a character, IFL_KEY_RESIZE,
 * or -1 when none came (or a signal interrupted the wait).
 */
#define IFL_KEY_RESIZE 0x10000
int ifl_screen_key(int timeout_ms);

#endif
