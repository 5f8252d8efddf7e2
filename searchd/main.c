/*
 * searchd - serve the index as ranked JSON over HTTP.
 *
 * Settings come from a config file (--config) and the matching flags
 * (config.c).  Startup checks what it can before it listens (the config,
 * the index, the access log, the address) and says so plainly, with exit
 * status 1, when something is wrong.  On SIGTERM or SIGINT it stops
 * listening, lets in-flight requests finish (writes commit before they
 * are answered, so a finished request is a committed one), then exits.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "searchd.h"
#include "util.h"

static void usage(FILE *f)
{
	fputs("usage: searchd [--config FILE] [--SETTING VALUE]...\n"
	      "\n"
	      "Serve the index over HTTP: GET /search?q=... returns ranked JSON; the\n"
	      "README lists every endpoint.  Every setting can be given in the config\n"
	      "file as 'setting = value' (max_body = 1048576) or as a flag (--max-body\n"
	      "1048576); flags win.  VB_ADMIN_KEY and VB_SEARCH_KEY in the environment\n"
	      "set the keys.\n"
	      "\n"
	      "  --config FILE                the config file\n",
	      f);
	config_usage(f);
	fputs("  -h, --help                   this help\n"
	      "\n"
	      "Exit status: 0 after a clean stop, 1 when it cannot start.\n",
	      f);
}

/* Settings, lowest precedence first: defaults, file, environment, flags. */
static int configure(struct config *cfg, int argc, char **argv)
{
	struct option opts[64];
	size_t n = config_options(opts, 60);
	opts[n++] = (struct option){"config", required_argument, NULL, 'c'};
	opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	opts[n] = (struct option){NULL, 0, NULL, 0};
	int rc = 0, c;
	char *err = NULL;

	/* The file first, wherever --config stands, so flags override it. */
	for (int i = 1; i < argc && rc == 0; i++) {
		const char *path = NULL;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		if (path && config_load(cfg, path, &err) != 0) {
			fprintf(stderr, "searchd: bad config: %s\n", err);
			rc = 1;
		}
	}
	if (rc == 0)
		config_env(cfg);
	while (rc == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			rc = -1;
		} else if (c == 'c') {
			continue;
		} else if (c >= 1000) {
			if (config_set(cfg, config_option_name(c), optarg, &err) != 0) {
				fprintf(stderr, "searchd: --%s: %s\n", opts[c - 1000].name, err);
				rc = 1;
			}
		} else {
			usage(stderr);
			rc = 1;
		}
	}
	if (rc == 0 && optind < argc) {
		fprintf(stderr, "searchd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		rc = 1;
	}
	if (rc == 0 && config_finish(cfg, &err) != 0) {
		fprintf(stderr, "searchd: bad config: %s\n", err);
		rc = 1;
	}
	free(err);
	for (size_t i = 0; opts[i].name; i++)
		if (opts[i].val >= 1000)
			free((char *)opts[i].name);
	return rc;
}

/* Everything searchd needs before it listens; 0, or 1 after a message. */
static int prepare(struct server *srv, unsigned long *docs_out)
{
	/* Check the index before listening: a daemon that starts and then
	 * answers every request with 503 helps nobody. */
	char *err = NULL;
	xs_db *probe = NULL;
	unsigned long docs = 0;
	if (xs_db_open(srv->cfg.db, XS_DB_READ, &probe, &err) != XS_OK ||
	    xs_db_doc_count(probe, &docs, &err) != XS_OK) {
		fprintf(stderr, "searchd: cannot open index '%s': %s\n(build one with: indexer --db %s PATH)\n",
		        srv->cfg.db, err, srv->cfg.db);
		xs_free(err);
		xs_db_close(probe);
		return 1;
	}
	xs_db_close(probe);
	*docs_out = docs;

	const char *log = srv->cfg.access_log;
	if (log && strcmp(log, "off") != 0) {
		srv->access_log = strcmp(log, "-") == 0 ? stdout : fopen(log, "a");
		if (!srv->access_log) {
			fprintf(stderr, "searchd: cannot open access log '%s': %m\n", log);
			return 1;
		}
	}
	srv->metrics = metrics_new(http_route_count());
	/* Replays the event log, so what was learnt survives a restart. */
	if (analytics_open(srv, &err) != 0) {
		fprintf(stderr, "searchd: %s\n", err);
		free(err);
		return 1;
	}
	return 0;
}

static void release(struct server *srv)
{
	analytics_close(srv);
	if (srv->access_log && srv->access_log != stdout)
		fclose(srv->access_log);
	metrics_free(srv->metrics);
	config_release(&srv->cfg);
}

int main(int argc, char **argv)
{
	struct server srv = {0};
	config_init(&srv.cfg);
	int rc = configure(&srv.cfg, argc, argv);
	if (rc != 0) {
		config_release(&srv.cfg);
		return rc < 0 ? 0 : rc;
	}
	unsigned long docs = 0;
	if (prepare(&srv, &docs) != 0) {
		release(&srv);
		return 1;
	}

	/* Signals are taken synchronously by sigwait below; block them before
	 * MHD starts its threads so they inherit the mask. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	char *err = NULL;
	unsigned port = 0;
	if (http_start(&srv, &port, &err) != 0) {
		fprintf(stderr, "searchd: %s\n", err);
		free(err);
		release(&srv);
		return 1;
	}
	char *host = xstrdup(srv.cfg.listen);
	*strrchr(host, ':') = '\0';
	/* The first line on stdout is the address: scripts wait for it. */
	printf("searchd: serving %lu documents from '%s' on http://%s:%u/\n", docs, srv.cfg.db, host,
	       port);
	fflush(stdout);
	free(host);
	log_msg(&srv, LOG_INFO, "%lu threads; writes and analytics %s; searches %s; CORS %s",
	        srv.cfg.threads, srv.cfg.admin_key ? "need the admin key" : "disabled (no admin_key)",
	        srv.cfg.search_key ? "need the search key" : "open",
	        srv.cfg.origins ? "on" : "off");

	int sig = 0;
	sigwait(&stop, &sig);
	log_msg(&srv, LOG_INFO, "%s received, finishing requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	unsigned cut = http_drain(&srv);
	if (cut)
		log_msg(&srv, LOG_WARN, "%u requests did not finish within %g s", cut,
		        srv.cfg.drain_timeout);
	release(&srv);
	return 0;
}
