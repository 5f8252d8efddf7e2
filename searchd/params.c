/*
 * params.c - the query-string checks every endpoint makes the same way,
 * so that /search and /suggest refuse the same mistakes with the same
 * words: invalid UTF-8 (which jansson would refuse later), an overlong q,
 * a bad number or language.  An endpoint walks its parameters with
 * MHD_get_connection_values, calls these for the ones it knows and
 * param_fail for the rest; the first failure becomes the 400 reply.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "searchd.h"
#include "util.h"

void param_fail(struct param_check *pc, const char *fmt, ...)
{
	if (pc->failed)
		return;
	pc->failed = true;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	reply_error(pc->r, MHD_HTTP_BAD_REQUEST, "bad_request", "%s", msg);
	free(msg);
}

bool param_one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return true;
	return false;
}

bool param_utf8(struct param_check *pc, const char *key, const char *value)
{
	bool key_ok = utf8_valid(key, strlen(key), NULL);
	if (key_ok && utf8_valid(value, strlen(value), NULL))
		return true;
	/* A key that is not UTF-8 cannot go into the message either. */
	param_fail(pc, "parameter '%s' is not valid UTF-8", key_ok ? key : "?");
	return false;
}

void param_query(struct param_check *pc, const char *key, const char *value, const char **out)
{
	if (strlen(value) > pc->max_query)
		param_fail(pc, "parameter '%s' is longer than %zu bytes", key, pc->max_query);
	*out = value;
}

void param_long(struct param_check *pc, const char *key, const char *value, long min, long max,
                long *out)
{
	if (!parse_long(value, min, max, out))
		param_fail(pc, "parameter '%s' must be a whole number from %ld to %ld", key, min, max);
}

void param_lang(struct param_check *pc, const char *key, const char *value, const char **out)
{
	static const char *const langs[] = {"nl", "en", NULL};
	if (!param_one_of(value, langs))
		param_fail(pc, "parameter '%s' must be one of %s", key, "nl, en");
	*out = value;
}

/* MHD_KeyValueIterator for param_none: any parameter is refused. */
static enum MHD_Result refuse_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
	struct param_check *pc = cls;
	(void)kind;
	if (param_utf8(pc, key, value ? value : ""))
		param_fail(pc, "unknown parameter '%s'", key);
	return MHD_NO;
}

bool param_none(struct request *req, struct reply *r)
{
	struct param_check pc = {r, false, req->srv->cfg.max_query};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, refuse_param, &pc);
	return !pc.failed;
}

double elapsed_ms(double start)
{
	return round((now_seconds() - start) * 1e6) / 1e3;
}
