// SPDX-License-Identifier: GPL-2.0
/* The exporter's HTTP side (serve.h), on libmicrohttpd. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

/* A request's headers and the connection's buffers: more is refused (431) */
#define CONNECTION_MEMORY (32 * 1024)

struct ifl_serve {
	struct MHD_Daemon *d;
	char name[32];
	unsigned int port;
	/* One response per format, made at publish and shared by every scrape
	 * until the next: libmicrohttpd counts its users, so a client still
	 * reading an old one keeps that alive and no scrape copies the text. */
	pthread_mutex_t lock;
	struct MHD_Response *resp[2];
	struct MHD_Response *not_found, *not_allowed, *not_yet, *index;
};

int ifl_serve_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			   char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port;
	unsigned long p;
	bool v6 = s[0] == '[';
	char *end;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "want [IPV6]:PORT");
			return -1;
		}
		hlen = (size_t)(close - s - 1);
		s++;
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon || colon == s) {
			snprintf(err, errlen, "want ADDR:PORT (an IPv4 address, or [IPV6])");
			return -1;
		}
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "not an %s address", v6 ? "IPv6" : "IPv4");
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = 0;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p > 65535 || port[0] == '-' || port[0] == '+' || port[0] == ' ') {
		snprintf(err, errlen, "not a port number: '%s'", port);
		return -1;
	}
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		*len = sizeof(*a);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		*len = sizeof(*a);
		if (inet_pton(AF_INET, host, &a->sin_addr) == 1)
			return 0;
	}
	snprintf(err, errlen, "not a numeric %s address: '%s'", v6 ? "IPv6" : "IPv4", host);
	return -1;
}

static struct MHD_Response *fixed(const char *type, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_PERSISTENT);

	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req)
{
	struct ifl_serve *s = cls;
	enum ifl_metrics_format f;
	enum MHD_Result ret;

	(void)version, (void)upload, (void)req;
	/* a body is not read: a request with one is refused, not buffered */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, s->not_allowed);
	if (*upload_len)
		return MHD_NO;
	if (!strcmp(url, "/"))
		return MHD_queue_response(conn, MHD_HTTP_OK, s->index);
	if (strcmp(url, "/metrics"))
		return MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, s->not_found);
	f = ifl_metrics_negotiate(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	/* queued under the lock: a publish cannot free it in between */
	pthread_mutex_lock(&s->lock);
	if (s->resp[f])
		ret = MHD_queue_response(conn, MHD_HTTP_OK, s->resp[f]);
	else
		ret = MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, s->not_yet);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: libmicrohttpd: ", ((struct ifl_serve *)cls)->name);
	vfprintf(stderr, fmt, ap);
}

static void free_responses(struct ifl_serve *s)
{
	struct MHD_Response **all[] = { &s->resp[0], &s->resp[1], &s->not_found, &s->not_allowed,
					&s->not_yet, &s->index };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (*all[i])
			MHD_destroy_response(*all[i]);
		*all[i] = NULL;
	}
}

int ifl_serve_start(const struct ifl_serve_opts *o, struct ifl_serve **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	const union MHD_DaemonInfo *info;
	struct ifl_serve *s;
	unsigned int flags;

	*out = NULL;
	if (ifl_serve_parse_listen(o->listen, &ss, &sslen, err, errlen))
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(s->name, sizeof(s->name), "%s", o->name ? o->name : "serve");
	pthread_mutex_init(&s->lock, NULL);
	s->not_found = fixed("text/plain; charset=utf-8", "not found: the metrics are at /metrics\n");
	s->not_allowed = fixed("text/plain; charset=utf-8", "only GET and HEAD\n");
	s->not_yet = fixed("text/plain; charset=utf-8", "no figures read yet\n");
	s->index = fixed("text/html; charset=utf-8",
			 "<html><head><title>IOMMU flush exporter</title></head><body>\n"
			 "<h1>IOMMU flush exporter</h1>\n<p><a href=\"/metrics\">Metrics</a></p>\n"
			 "</body></html>\n");
	if (!s->not_found || !s->not_allowed || !s->not_yet || !s->index) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	MHD_add_response_header(s->not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (o->verbose ? MHD_USE_ERROR_LOG : 0);
	/* the port is ss's: the port argument is ignored with SOCK_ADDR */
	errno = 0;
	/* the logger first: libmicrohttpd's own would print what comes before it */
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)IFL_SERVE_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IFL_SERVE_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
				MHD_OPTION_END);
	if (!s->d) {
		int e = errno;

		snprintf(err, errlen, "cannot listen on %s: %s", o->listen,
			 e ? strerror(e) : "libmicrohttpd refused");
		goto fail;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*out = s;
	return 0;
fail:
	free_responses(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return -1;
}

unsigned int ifl_serve_port(const struct ifl_serve *s)
{
	return s->port;
}

void ifl_serve_publish(struct ifl_serve *s, char *text[2], const size_t len[2])
{
	struct MHD_Response *r[2] = { NULL, NULL }, *old[2];

	for (int f = 0; f < 2; f++) {
		/* libmicrohttpd frees the text with the response */
		r[f] = text[f] ? MHD_create_response_from_buffer(len[f], text[f], MHD_RESPMEM_MUST_FREE) : NULL;
		if (!r[f]) {
			free(text[f]);
			continue;
		}
		MHD_add_response_header(r[f], MHD_HTTP_HEADER_CONTENT_TYPE,
					ifl_metrics_content_type((enum ifl_metrics_format)f));
		MHD_add_response_header(r[f], MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT);
	}
	pthread_mutex_lock(&s->lock);
	for (int f = 0; f < 2; f++) {
		old[f] = s->resp[f];
		s->resp[f] = r[f];
	}
	pthread_mutex_unlock(&s->lock);
	for (int f = 0; f < 2; f++)
		if (old[f])
			MHD_destroy_response(old[f]);
}

void ifl_serve_stop(struct ifl_serve *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free_responses(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
