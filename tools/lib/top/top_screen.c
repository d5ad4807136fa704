// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-flushtop's full-screen view (top_screen.h).  It draws the lines of
 * top_text.c, cut to the terminal's width: the view and the batch frames
 * never disagree.  ncurses handles SIGWINCH itself and reports a resize
 * as KEY_RESIZE, upon which the tool redraws the frame it has.
 */
#define _DEFAULT_SOURCE
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "top_screen.h"

static SCREEN *screen;

static const char *const help_lines[] = {
	"iommu-flushtop: keys",
	"",
	"  q        quit",
	"  <  >     sort by the column to the left / right",
	"  g        group rows by driver+consumer, driver+device, driver",
	"  p        pause / resume: the frame stays, the next one covers the pause",
	"  r        reset the totals (the \"totals over\" line)",
	"  ? or h   this help; any key returns",
	"",
	"Columns: maps, unmaps, IOTLB syncs and whole-IOTLB flushes per second;",
	"unmaps and 4 KiB pages each sync or flush-queue flush covered; the %",
	"of syncs a range-add forced; sync duration p50/p99; p99 of the time a",
	"lazily unmapped IOVA stayed in the IOTLB.  \"-\": not measured here, or",
	"nothing to divide by.  See iommu-flushtop(8).",
};

int ifl_screen_start(char *err, size_t errlen)
{
	/* newterm, not initscr: initscr exits on an unknown TERM */
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)",
			 getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	cbreak();	/* keys one by one, ^C still a signal */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	nodelay(stdscr, TRUE);
	return 0;
}

void ifl_screen_stop(void)
{
	if (!screen)
		return;
	endwin();
	delscreen(screen);
	screen = NULL;
}

static void line(int y, const char *text, attr_t attr)
{
	if (y >= LINES)
		return;
	attrset(attr);
	mvaddnstr(y, 0, text, COLS);
	attrset(A_NORMAL);
}

static void draw_help(void)
{
	int n = (int)(sizeof(help_lines) / sizeof(help_lines[0]));

	for (int i = 0; i < n; i++)
		line(i, help_lines[i], i ? A_NORMAL : A_BOLD);
}

void ifl_screen_draw(const struct ifl_top_frame *f, const struct ifl_top_state *st, int help)
{
	char buf[1024];
	size_t sort_at = 0, sort_len = 0;
	int y = 0;

	if (!screen)
		return;
	erase();
	if (help) {
		draw_help();
		refresh();
		return;
	}
	for (int i = 0; i < IFL_TOP_HEADER_LINES; i++) {
		ifl_top_header_line(f, st, i, buf, sizeof(buf));
		line(y++, buf, i ? A_NORMAL : A_BOLD);
	}
	y++;
	ifl_top_column_titles(f->group, f->sort, buf, sizeof(buf), &sort_at, &sort_len);
	if (y < LINES) {
		/* the whole title line reversed, padded to the width */
		attrset(A_REVERSE);
		mvhline(y, 0, ' ', COLS);
		mvaddnstr(y, 0, buf, COLS);
		if ((int)sort_at < COLS) {
			attrset(A_REVERSE | A_BOLD | A_UNDERLINE);
			mvaddnstr(y, (int)sort_at, buf + sort_at, (int)sort_len);
		}
		attrset(A_NORMAL);
	}
	y++;
	for (size_t i = 0; i < f->nrows && y < LINES; i++) {
		ifl_top_row_line(f->group, &f->rows[i], buf, sizeof(buf));
		line(y++, buf, A_NORMAL);
	}
	if (!f->nrows)
		line(y, "(no IOMMU activity in this interval)", A_DIM);
	refresh();
}

int ifl_screen_key(int timeout_ms)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	int k;

	if (!screen)
		return -1;
	/* a key typed ahead is in ncurses' buffer, not on the fd */
	k = getch();
	if (k == ERR) {
		if (timeout_ms > 0 && poll(&p, 1, timeout_ms) < 0 && errno != EINTR)
			return -1;
		k = getch();
	}
	if (k == KEY_RESIZE)
		return IFL_KEY_RESIZE;
	return k == ERR ? -1 : k;
}
