/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exporter's HTTP side (serve.c): /metrics served from the last text
 * published, in the format the scraper's Accept header prefers, by
 * libmicrohttpd's own thread.  A scrape copies the published text under a
 * lock and never reaches the collector, so a slow, stalled or hostile
 * client cannot delay an update; connections are bounded in number, time
 * and memory.  Sees model/ and metrics.h only.  Docs: docs/exporter.md.
 */
#ifndef IFL_SERVE_H
#define IFL_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "metrics.h"

/* Bounds: 100 concurrent scrapes are served; a client that sends nothing,
 * or stops reading, is dropped after the timeout. */
#define IFL_SERVE_MAX_CONNECTIONS 256
#define IFL_SERVE_TIMEOUT_S 10

struct ifl_serve_opts {
	const char *listen;	/* "ADDR:PORT": 127.0.0.1:9877, [::1]:9877; port 0: any */
	const char *name;	/* the program, for libmicrohttpd's messages */
	bool verbose;		/* libmicrohttpd's messages on stderr */
};

struct ifl_serve;

/* "127.0.0.1:9877", "[::1]:0": numeric addresses only, so that what is
 * bound is what was written.  0, or -1 with the reason in err. */
int ifl_serve_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			   char *err, size_t errlen);

/* Listening when it returns 0; -1 with one line in err. */
int ifl_serve_start(const struct ifl_serve_opts *o, struct ifl_serve **out, char *err, size_t errlen);
/* The port bound (what port 0 became). */
unsigned int ifl_serve_port(const struct ifl_serve *s);
/* Serve these texts (one per enum ifl_metrics_format) from now on; they
 * become the server's, the previous ones are freed.  Before the first
 * publish, /metrics answers 503. */
void ifl_serve_publish(struct ifl_serve *s, char *text[2], const size_t len[2]);
/* Stop listening, end the connections, free everything. */
void ifl_serve_stop(struct ifl_serve *s);

#endif
