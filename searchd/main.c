/*
 * searchd - serve the index as ranked JSON over HTTP.
 *
 * Startup checks what it can before it listens (the index opens, the
 * address binds) and says so plainly, with exit status 1, when it
 * cannot.  SIGINT and SIGTERM stop it: in-flight requests finish first.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "searchd.h"
#include "util.h"

static void usage(FILE *f)
{
	fputs("usage: searchd [--db DIR] [--listen HOST:PORT] [--threads N]\n"
	      "\n"
	      "Serve the index over HTTP: GET /search?q=... returns ranked JSON.\n"
	      "\n"
	      "  --db DIR            index directory made by indexer (default: ./index)\n"
	      "  --listen HOST:PORT  address to listen on (default: 127.0.0.1:8080;\n"
	      "                      port 0 picks a free port)\n"
	      "  --threads N         worker threads, each with its own index handle\n"
	      "                      (default: 4)\n"
	      "  -h, --help          this help\n",
	      f);
}

int main(int argc, char **argv)
{
	struct server srv = {"index", 4, NULL};
	const char *listen_addr = "127.0.0.1:8080";
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	long n;
	while ((c = getopt_long(argc, argv, "d:l:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': srv.dbpath = optarg; break;
		case 'l': listen_addr = optarg; break;
		case 't':
			if (!parse_long(optarg, 1, 256, &n)) {
				fprintf(stderr, "searchd: --threads must be a number from 1 to 256\n");
				return 1;
			}
			srv.threads = (unsigned)n;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "searchd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}

	/* Check the index before listening: a daemon that starts and then
	 * answers every request with 503 helps nobody. */
	char *err = NULL;
	xs_db *probe = NULL;
	unsigned long docs = 0;
	if (xs_db_open(srv.dbpath, XS_DB_READ, &probe, &err) != XS_OK ||
	    xs_db_doc_count(probe, &docs, &err) != XS_OK) {
		fprintf(stderr, "searchd: cannot open index '%s': %s\n(build one with: indexer --db %s PATH)\n",
		        srv.dbpath, err, srv.dbpath);
		xs_free(err);
		xs_db_close(probe);
		return 1;
	}
	xs_db_close(probe);

	/* Signals are taken synchronously by sigwait below; block them before
	 * MHD starts its threads so they inherit the mask. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	unsigned port = 0;
	if (http_start(&srv, listen_addr, &port, &err) != 0) {
		fprintf(stderr, "searchd: %s\n", err);
		free(err);
		return 1;
	}
	char *host = xstrdup(listen_addr);
	*strrchr(host, ':') = '\0';
	printf("searchd: serving %lu documents from '%s' on http://%s:%u/\n", docs, srv.dbpath, host,
	       port);
	fflush(stdout);
	free(host);

	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "searchd: %s received, finishing requests\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	http_stop(&srv);
	return 0;
}
