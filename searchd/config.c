/*
 * config.c - searchd's settings: one table gives every setting its name
 * in the config file ("max_body"), its flag ("--max-body"), its type,
 * default and help line, so the two can never drift apart.
 *
 * The config file is plain "key = value" lines with # comments, the
 * format of the synonyms file's neighbours in /etc.  Precedence, lowest
 * first: defaults, the file, VB_ADMIN_KEY / VB_SEARCH_KEY from the
 * environment, flags.  Keys are better kept in the file (mode 0600) or
 * the environment than on a command line that ps shows.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "searchd.h"
#include "util.h"

enum kind { K_STR, K_UINT, K_SECONDS, K_LIST, K_LEVEL };

static const struct setting {
	const char *name;
	enum kind kind;
	size_t offset;
	double min, max; /* K_UINT, K_SECONDS */
	const char *arg, *help;
} settings[] = {
	{"listen", K_STR, offsetof(struct config, listen), 0, 0, "HOST:PORT",
	 "address to listen on (default 127.0.0.1:8080; port 0 picks a free one)"},
	{"db", K_STR, offsetof(struct config, db), 0, 0, "DIR",
	 "index directory made by indexer (default ./index)"},
	{"data", K_STR, offsetof(struct config, data), 0, 0, "DIR",
	 "analytics and feedback store (default: the index directory + \".data\")"},
	{"synonyms", K_STR, offsetof(struct config, synonyms), 0, 0, "FILE",
	 "synonyms file that approved synonym proposals are appended to"},
	{"admin_key", K_STR, offsetof(struct config, admin_key), 0, 0, "KEY",
	 "Bearer key for writes and analytics (none: those are refused)"},
	{"search_key", K_STR, offsetof(struct config, search_key), 0, 0, "KEY",
	 "Bearer key searches must carry (none: searching is open)"},
	{"origins", K_LIST, offsetof(struct config, origins), 0, 0, "LIST",
	 "storefront origins allowed by CORS, comma-separated, or *"},
	{"threads", K_UINT, offsetof(struct config, threads), 1, 256, "N",
	 "worker threads, each with its own index handle (default 4)"},
	{"max_connections", K_UINT, offsetof(struct config, max_connections), 1, 100000, "N",
	 "connections served at once; more are refused (default 1024)"},
	{"max_query", K_UINT, offsetof(struct config, max_query), 1, 100000, "BYTES",
	 "longest q parameter (default 1000)"},
	{"max_body", K_UINT, offsetof(struct config, max_body), 1, 1024 * 1024 * 1024, "BYTES",
	 "largest request body (default 16777216)"},
	{"request_timeout", K_SECONDS, offsetof(struct config, request_timeout), 1, 3600, "SECONDS",
	 "an idle or slow connection is closed after this (default 30)"},
	{"search_time_limit", K_SECONDS, offsetof(struct config, search_time_limit), 0, 3600,
	 "SECONDS", "a search stops refining its ranking after this (default 1; 0: none)"},
	{"lock_wait", K_SECONDS, offsetof(struct config, lock_wait), 0, 3600, "SECONDS",
	 "how long a write waits for another writer's lock (default 5)"},
	{"drain_timeout", K_SECONDS, offsetof(struct config, drain_timeout), 0, 3600, "SECONDS",
	 "on SIGTERM, how long in-flight requests may take to finish (default 10)"},
	{"access_log", K_STR, offsetof(struct config, access_log), 0, 0, "FILE",
	 "one JSON line per request: a file, - for stdout, or off (default -)"},
	{"log_level", K_LEVEL, offsetof(struct config, log_level), 0, 0, "LEVEL",
	 "error, warn, info or debug (default info)"},
	{"public_url", K_STR, offsetof(struct config, public_url), 0, 0, "URL",
	 "the address browsers reach searchd at, for /opensearch.xml (default: from Host)"},
	{"site_name", K_STR, offsetof(struct config, site_name), 0, 0, "NAME",
	 "the shop's name in a browser's search bar, at most 16 characters (default vraagbaak)"},
	{"web_root", K_STR, offsetof(struct config, web_root), 0, 0, "DIR",
	 "the help centre's page, widget and styles, served at / and /static/ (default ./web)"},
};
#define NSETTINGS (sizeof settings / sizeof *settings)

static const char *const levels[] = {"error", "warn", "info", "debug", NULL};

void config_init(struct config *cfg)
{
	*cfg = (struct config){0};
	cfg->listen = xstrdup("127.0.0.1:8080");
	cfg->db = xstrdup("index");
	cfg->access_log = xstrdup("-");
	cfg->web_root = xstrdup("web");
	cfg->threads = 4;
	cfg->max_connections = 1024;
	cfg->max_query = 1000;
	cfg->max_body = 16 * 1024 * 1024;
	cfg->request_timeout = 30;
	cfg->search_time_limit = 1;
	cfg->lock_wait = 5;
	cfg->drain_timeout = 10;
	cfg->log_level = LOG_INFO;
	cfg->site_name = xstrdup("vraagbaak");
}

static void list_free(char **list)
{
	for (char **p = list; p && *p; p++)
		free(*p);
	free(list);
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		void *field = (char *)cfg + settings[i].offset;
		if (settings[i].kind == K_STR) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (settings[i].kind == K_LIST) {
			list_free(*(char ***)field);
			*(char ***)field = NULL;
		}
	}
}

/* "a, b ,c" -> {"a", "b", "c", NULL}; empty items are dropped. */
static char **split_list(const char *value)
{
	size_t n = 0, cap = 4;
	char **list = xmalloc(cap * sizeof *list);
	const char *p = value;
	while (*p) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		const char *a = p, *b = end;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a) {
			if (n + 2 > cap)
				list = xrealloc(list, (cap *= 2) * sizeof *list);
			list[n++] = xstrndup(a, (size_t)(b - a));
		}
		p = *end ? end + 1 : end;
	}
	list[n] = NULL;
	return list;
}

/* The setting called name ("max_body"; a flag's "max-body" too). */
static const struct setting *find(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *a = settings[i].name, *b = name;
		while (*a && (*a == *b || (*a == '_' && *b == '-')))
			a++, b++;
		if (!*a && !*b)
			return &settings[i];
	}
	return NULL;
}

int config_set(struct config *cfg, const char *name, const char *value, char **err)
{
	const struct setting *s = find(name);
	if (!s)
		return vb_error(err, "unknown setting '%s'", name);
	void *field = (char *)cfg + s->offset;
	double d;
	long n;
	switch (s->kind) {
	case K_STR:
		free(*(char **)field);
		*(char **)field = *value ? xstrdup(value) : NULL;
		return 0;
	case K_LIST:
		list_free(*(char ***)field);
		*(char ***)field = split_list(value);
		return 0;
	case K_UINT:
		if (!parse_long(value, (long)s->min, (long)s->max, &n))
			return vb_error(err, "%s must be a whole number from %.0f to %.0f", s->name,
			                s->min, s->max);
		*(unsigned long *)field = (unsigned long)n;
		return 0;
	case K_SECONDS:
		if (!parse_double(value, &d) || !(d >= s->min && d <= s->max))
			return vb_error(err, "%s must be a number of seconds from %g to %g", s->name,
			                s->min, s->max);
		*(double *)field = d;
		return 0;
	case K_LEVEL:
		for (int i = 0; levels[i]; i++)
			if (strcmp(value, levels[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		return vb_error(err, "%s must be one of error, warn, info, debug", s->name);
	}
	return vb_error(err, "setting '%s' has no type", name);
}

int config_load(struct config *cfg, const char *path, char **err)
{
	char *text = NULL, *msg = NULL;
	size_t len;
	if (read_file(path, 1024 * 1024, &text, &len, err) != 0)
		return -1;
	if (!utf8_valid(text, len, NULL) || memchr(text, '\0', len)) {
		free(text);
		return vb_error(err, "%s: not a UTF-8 text file", path);
	}
	int rc = 0;
	long line = 0;
	char *next = text;
	while (next) {
		char *l = next;
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		line++;
		char *end = l + strlen(l);
		char *hash = strchr(l, '#');
		if (hash)
			end = hash;
		while (end > l && isspace((unsigned char)end[-1]))
			end--;
		*end = '\0';
		while (isspace((unsigned char)*l))
			l++;
		if (!*l)
			continue;
		char *eq = strchr(l, '=');
		if (!eq) {
			rc = vb_error(err, "%s:%ld: expected 'key = value'", path, line);
			break;
		}
		char *k = l, *kend = eq, *v = eq + 1;
		while (kend > k && isspace((unsigned char)kend[-1]))
			kend--;
		*kend = '\0';
		while (isspace((unsigned char)*v))
			v++;
		if (config_set(cfg, k, v, &msg) != 0) {
			rc = vb_error(err, "%s:%ld: %s", path, line, msg);
			free(msg);
			break;
		}
	}
	free(text);
	return rc;
}

void config_env(struct config *cfg)
{
	const char *v;
	if ((v = getenv("VB_ADMIN_KEY")) && *v)
		config_set(cfg, "admin_key", v, NULL);
	if ((v = getenv("VB_SEARCH_KEY")) && *v)
		config_set(cfg, "search_key", v, NULL);
}

int config_finish(struct config *cfg, char **err)
{
	if (!cfg->listen)
		return vb_error(err, "listen must not be empty (HOST:PORT)");
	if (!cfg->db)
		return vb_error(err, "db must not be empty (the index directory)");
	if (!cfg->data)
		cfg->data = xasprintf("%s.data", cfg->db);
	if (cfg->admin_key && strlen(cfg->admin_key) < 16)
		return vb_error(err, "admin_key is too short: use at least 16 characters");
	if (cfg->search_key && strlen(cfg->search_key) < 8)
		return vb_error(err, "search_key is too short: use at least 8 characters");
	if (opensearch_config_check(cfg, err) != 0)
		return -1;
	for (char **o = cfg->origins; o && *o; o++)
		if (strcmp(*o, "*") != 0 && strncmp(*o, "http://", 7) != 0 &&
		    strncmp(*o, "https://", 8) != 0)
			return vb_error(err, "origin '%s' must be * or start with http:// or https://", *o);
	return 0;
}

void config_usage(FILE *f)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		char flag[64];
		snprintf(flag, sizeof flag, "--%s %s", settings[i].name, settings[i].arg);
		for (char *p = flag + 2; *p && *p != ' '; p++)
			if (*p == '_')
				*p = '-';
		fprintf(f, "  %-28s %s\n", flag, settings[i].help);
	}
}

size_t config_options(struct option *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < NSETTINGS && n < max; i++, n++) {
		char *flag = xstrdup(settings[i].name);
		for (char *p = flag; *p; p++)
			if (*p == '_')
				*p = '-';
		out[n] = (struct option){flag, required_argument, NULL, 1000 + (int)i};
	}
	return n;
}

const char *config_option_name(int val)
{
	size_t i = (size_t)(val - 1000);
	return i < NSETTINGS ? settings[i].name : NULL;
}
