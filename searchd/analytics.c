/*
 * analytics.c - what searchd learns from its searches, held in memory and
 * rebuilt from the event log at start.
 *
 * Every event (a search, a click, a vote, an editor's decision on a
 * synonym) goes through one apply_* function, both live and when the log
 * is replayed at start, and the functions look only at the event (its
 * time included), never at the clock: a restart rebuilds exactly the
 * state the daemon had.  The state:
 *
 *   days       per UTC day, per normalised query: searches, hits, searches
 *              without results, clicks, searches followed by a click,
 *              sessions; for GET /analytics and the suggestions.  The last
 *              AN_DAYS_HELD days, at most AN_DAY_QUERIES queries a day and
 *              AN_HELD_QUERIES in all (the oldest day goes first).
 *   sessions   per session id, its latest search and latest search without
 *              results, what it has searched and voted; a session ends
 *              after AN_SESSION_IDLE_MS without events.  At most
 *              AN_SESSIONS, the longest idle dropped first.
 *   votes      per document, helpful yes/no (one vote per session).
 *   proposals  "zero-result query => reformulation" pairs with evidence;
 *              decisions taken on them.
 *
 * Search-as-you-type sends a search per pause, so within a session a
 * search whose query extends the previous one ("zw", "zwem", "zwembad")
 * within AN_BURST_MS replaces it in every count, unless the earlier one
 * got a click.
 *
 * Locking: one mutex guards the state.  /search holds it for one hash
 * update and a queue append (microseconds; the event line is made and
 * the query normalised before it is taken, and the disk is written by the
 * flusher thread, never by a request).  Reports lock one day at a time.
 * Suggestions are read from a sorted array the flusher rebuilds, under a
 * read-write lock of their own.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics.h"
#include "util.h"

#define SEEN 16    /* queries a session remembers having searched */
#define EVIDENCE 8 /* proposals a session remembers supporting */
#define VOTES 8    /* votes a session remembers */
#define FLUSH_MS 200
#define SYNC_MS 5000
#define EXPIRE_MS 60000

struct day {
	long day;              /* -1: slot unused */
	struct strmap queries; /* normalised query -> struct query_stat */
	struct day_totals tot;
};

struct session_vote {
	char *id; /* NULL: empty */
	bool helpful;
	long day;
};

struct session {
	struct session *older, *newer; /* by last event */
	const char *id;                /* the sessions map's key */
	long long last_t;
	/* Its latest search, kept to replace it, or to credit it a click. */
	char *q;
	long long q_t;
	long q_day;
	unsigned long q_hits;
	double q_took;
	bool q_in_day;   /* counted in its day's totals */
	bool q_in_query; /* counted in the query's stat */
	bool q_new;      /* counted as a new session for the query */
	bool q_clicked;
	/* Its latest search without results, and the one before. */
	char *zero, *zero_before;
	long long zero_t, zero_before_t;
	uint64_t seen[SEEN];
	unsigned seen_next;
	uint64_t evidence[EVIDENCE];
	unsigned evidence_next;
	struct session_vote votes[VOTES];
	unsigned votes_next;
};

struct vote {
	unsigned long yes, no;
};

struct proposal {
	char *from, *to;
	unsigned long evidence;
	long long first_t, last_t;
};

struct decision {
	char *from, *to;
	bool approved;
	long long t;
};

struct suggestion {
	char *q;
	unsigned long searches;
};

struct analytics {
	struct server *srv;
	struct eventlog *log;
	pthread_mutex_t lock; /* everything below but the suggestions */
	struct day days[AN_DAYS_HELD];
	size_t held_queries;
	struct strmap sessions;
	struct session *oldest, *newest;
	struct strmap votes;     /* document id -> struct vote */
	struct strmap proposals; /* "from\x1fto" -> struct proposal */
	struct strmap decisions; /* "from\x1fto" -> struct decision */
	bool warned_votes, warned_proposals;
	atomic_bool any_votes;
	atomic_bool suggest_dirty;

	pthread_rwlock_t suggest_lock;
	struct suggestion *suggest;
	size_t nsuggest;

	pthread_t flusher;
	bool started;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	bool stop;
};

bool analytics_session_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < AN_SESSION_MIN || n > AN_SESSION_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static char *pair_key(const char *from, const char *to)
{
	return xasprintf("%s\x1f%s", from, to);
}

/* ------------------------------------------------------------- days */

static struct day *day_slot(struct analytics *a, long day)
{
	long i = day % AN_DAYS_HELD;
	return &a->days[i < 0 ? i + AN_DAYS_HELD : i];
}

static void day_clear(struct analytics *a, struct day *d)
{
	if (d->day < 0)
		return;
	a->held_queries -= d->queries.count;
	strmap_release(&d->queries, free);
	memset(&d->tot, 0, sizeof d->tot);
	d->day = -1;
}

/* The counts of day; made when create (dropping the older day that held
 * the slot).  NULL when day is older than the days held. */
static struct day *day_get(struct analytics *a, long day, bool create)
{
	struct day *d = day_slot(a, day);
	if (d->day == day)
		return d;
	if (!create || d->day > day)
		return NULL;
	day_clear(a, d);
	d->day = day;
	strmap_init(&d->queries);
	return d;
}

/* Make room for one more query stat by dropping the oldest day but keep. */
static void drop_oldest_day(struct analytics *a, const struct day *keep)
{
	struct day *oldest = NULL;
	for (size_t i = 0; i < AN_DAYS_HELD; i++) {
		struct day *d = &a->days[i];
		if (d->day >= 0 && d != keep && (!oldest || d->day < oldest->day))
			oldest = d;
	}
	if (oldest)
		day_clear(a, oldest);
}

/* The stat of query q on day d; made when create and there is room. */
static struct query_stat *stat_get(struct analytics *a, struct day *d, const char *q, bool create)
{
	if (strlen(q) > AN_QUERY_MAX)
		return NULL;
	struct query_stat *st = strmap_get(&d->queries, q);
	if (st || !create || d->queries.count >= AN_DAY_QUERIES)
		return st;
	while (a->held_queries >= AN_HELD_QUERIES) {
		size_t before = a->held_queries;
		drop_oldest_day(a, d);
		if (a->held_queries == before)
			return NULL;
	}
	st = xcalloc(1, sizeof *st);
	*strmap_slot(&d->queries, q, NULL, NULL) = st;
	a->held_queries++;
	return st;
}

/* --------------------------------------------------------- sessions */

static void unlink_session(struct analytics *a, struct session *s)
{
	if (s->older)
		s->older->newer = s->newer;
	else
		a->oldest = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		a->newest = s->older;
	s->older = s->newer = NULL;
}

static void link_newest(struct analytics *a, struct session *s)
{
	s->older = a->newest;
	s->newer = NULL;
	if (a->newest)
		a->newest->newer = s;
	else
		a->oldest = s;
	a->newest = s;
}

/* Forget everything a session knew, as for a new visit. */
static void session_reset(struct session *s)
{
	free(s->q);
	free(s->zero);
	free(s->zero_before);
	for (unsigned i = 0; i < VOTES; i++)
		free(s->votes[i].id);
	const char *id = s->id;
	struct session *older = s->older, *newer = s->newer;
	memset(s, 0, sizeof *s);
	s->id = id;
	s->older = older;
	s->newer = newer;
}

static void session_drop(struct analytics *a, struct session *s)
{
	unlink_session(a, s);
	session_reset(s);
	strmap_remove(&a->sessions, s->id);
	free(s);
}

/* The session with this id, made or renewed; NULL for no id. */
static struct session *session_touch(struct analytics *a, const char *id, long long t)
{
	if (!id)
		return NULL;
	struct session *s = strmap_get(&a->sessions, id);
	if (s) {
		if (t - s->last_t > AN_SESSION_IDLE_MS)
			session_reset(s);
		unlink_session(a, s);
	} else {
		if (a->sessions.count >= AN_SESSIONS)
			session_drop(a, a->oldest);
		s = xcalloc(1, sizeof *s);
		*strmap_slot(&a->sessions, id, NULL, &s->id) = s;
	}
	link_newest(a, s);
	if (t > s->last_t)
		s->last_t = t;
	return s;
}

static bool hash_has(const uint64_t *set, unsigned n, uint64_t h)
{
	for (unsigned i = 0; i < n; i++)
		if (set[i] == h && h)
			return true;
	return false;
}

static void hash_forget(uint64_t *set, unsigned n, uint64_t h)
{
	for (unsigned i = 0; i < n; i++)
		if (set[i] == h)
			set[i] = 0;
}

static void set_zero(struct session *s, const char *q, long long t)
{
	free(s->zero_before);
	s->zero_before = s->zero;
	s->zero_before_t = s->zero_t;
	s->zero = xstrdup(q);
	s->zero_t = t;
}

/* ------------------------------------------------------------ apply */

/* Take the session's latest search back out of every count. */
static void unsearch(struct analytics *a, struct session *s)
{
	struct day *d = day_get(a, s->q_day, false);
	if (d && s->q_in_day) {
		d->tot.searches--;
		d->tot.no_results -= s->q_hits == 0;
		d->tot.took_ms -= s->q_took;
		struct query_stat *st = s->q_in_query ? stat_get(a, d, s->q, false) : NULL;
		if (st) {
			st->searches--;
			st->hits -= s->q_hits;
			st->no_results -= s->q_hits == 0;
			st->sessions -= s->q_new;
		} else {
			d->tot.untracked--;
		}
	}
	if (s->q_new)
		hash_forget(s->seen, SEEN, strmap_hash(s->q, strlen(s->q)));
	if (s->zero && s->zero_t == s->q_t && strcmp(s->zero, s->q) == 0) {
		free(s->zero);
		s->zero = s->zero_before;
		s->zero_t = s->zero_before_t;
		s->zero_before = NULL;
	}
	free(s->q);
	s->q = NULL;
}

static void apply_search(struct analytics *a, long long t, const char *q, const char *lang,
                         unsigned long hits, double took_ms, const char *session)
{
	struct session *s = session_touch(a, session, t);
	if (s && s->q && !s->q_clicked && t - s->q_t <= AN_BURST_MS &&
	    strncmp(q, s->q, strlen(s->q)) == 0)
		unsearch(a, s);
	uint64_t h = strmap_hash(q, strlen(q));
	bool new_session = !s || !hash_has(s->seen, SEEN, h);
	long day = day_of_ms(t);
	struct day *d = day_get(a, day, true);
	struct query_stat *st = NULL;
	if (d) {
		d->tot.searches++;
		d->tot.no_results += hits == 0;
		d->tot.took_ms += took_ms;
		st = stat_get(a, d, q, true);
		if (st) {
			st->searches++;
			st->hits += hits;
			st->no_results += hits == 0;
			st->sessions += new_session;
			snprintf(st->lang, sizeof st->lang, "%s", lang ? lang : "");
		} else {
			d->tot.untracked++;
		}
	}
	if (s) {
		if (new_session)
			s->seen[s->seen_next++ % SEEN] = h;
		free(s->q);
		s->q = xstrdup(q);
		s->q_t = t;
		s->q_day = day;
		s->q_hits = hits;
		s->q_took = took_ms;
		s->q_in_day = d != NULL;
		s->q_in_query = st != NULL;
		s->q_new = new_session;
		s->q_clicked = false;
		if (hits == 0)
			set_zero(s, q, t);
	}
	atomic_store(&a->suggest_dirty, true);
}

static void free_proposal(void *v)
{
	struct proposal *p = v;
	free(p->from);
	free(p->to);
	free(p);
}

static void free_decision(void *v)
{
	struct decision *d = v;
	free(d->from);
	free(d->to);
	free(d);
}

/* The weakest pending proposal: least evidence, then least recent. */
static void drop_weakest_proposal(struct analytics *a)
{
	struct strmap_iter it = {&a->proposals, 0, NULL};
	const char *key, *weakest = NULL;
	void *v;
	struct proposal *w = NULL;
	while (strmap_next(&it, &key, &v)) {
		struct proposal *p = v;
		if (!w || p->evidence < w->evidence ||
		    (p->evidence == w->evidence && p->last_t < w->last_t)) {
			w = p;
			weakest = key;
		}
	}
	if (!w)
		return;
	strmap_remove(&a->proposals, weakest);
	free_proposal(w);
}

static void propose(struct analytics *a, struct session *s, const char *from, const char *to,
                    long long t)
{
	char *key = pair_key(from, to);
	uint64_t h = strmap_hash(key, strlen(key));
	if (strmap_get(&a->decisions, key) || hash_has(s->evidence, EVIDENCE, h))
		goto out;
	s->evidence[s->evidence_next++ % EVIDENCE] = h;
	struct proposal *p = strmap_get(&a->proposals, key);
	if (!p) {
		if (a->proposals.count >= AN_PROPOSALS) {
			if (!a->warned_proposals)
				log_msg(a->srv, LOG_WARN,
				        "analytics: %d synonym proposals pending; the weakest "
				        "make way for new ones",
				        AN_PROPOSALS);
			a->warned_proposals = true;
			drop_weakest_proposal(a);
		}
		p = xcalloc(1, sizeof *p);
		p->from = xstrdup(from);
		p->to = xstrdup(to);
		p->first_t = t;
		*strmap_slot(&a->proposals, key, NULL, NULL) = p;
	}
	p->evidence++;
	if (t > p->last_t)
		p->last_t = t;
out:
	free(key);
}

static void apply_click(struct analytics *a, long long t, const char *q, const char *session)
{
	struct session *s = session_touch(a, session, t);
	struct day *cd = day_get(a, day_of_ms(t), true);
	if (cd)
		cd->tot.clicks++;
	if (s && s->q && strcmp(s->q, q) == 0) {
		/* A click on the session's latest search: credit that search. */
		struct day *d = day_get(a, s->q_day, false);
		struct query_stat *st = d && s->q_in_query ? stat_get(a, d, s->q, false) : NULL;
		if (st)
			st->clicks++;
		if (!s->q_clicked) {
			if (st)
				st->clicked++;
			if (d && s->q_in_day)
				d->tot.clicked++;
			s->q_clicked = true;
		}
		/* Found after a search that found nothing: the customer's word
		 * for what this search calls it. */
		if (s->zero && s->q_hits > 0 && strcmp(s->zero, q) != 0 &&
		    t - s->zero_t <= AN_SESSION_IDLE_MS)
			propose(a, s, s->zero, q, t);
		return;
	}
	/* Without a session the search cannot be told: the query's stat of
	 * the day, each click counting as a clicked search. */
	struct query_stat *st = cd ? stat_get(a, cd, q, false) : NULL;
	if (st) {
		st->clicks++;
		if (st->clicked < st->searches) {
			st->clicked++;
			cd->tot.clicked++;
		}
	}
}

static void apply_feedback(struct analytics *a, long long t, const char *id, bool helpful,
                           const char *session, unsigned long *yes, unsigned long *no)
{
	struct session *s = session_touch(a, session, t);
	long day = day_of_ms(t);
	struct vote *v = strmap_get(&a->votes, id);
	*yes = *no = 0;
	if (!v) {
		if (a->votes.count >= AN_VOTED_DOCS) {
			if (!a->warned_votes)
				log_msg(a->srv, LOG_WARN,
				        "analytics: %d documents have votes; votes for "
				        "others are not counted",
				        AN_VOTED_DOCS);
			a->warned_votes = true;
			return;
		}
		v = xcalloc(1, sizeof *v);
		*strmap_slot(&a->votes, id, NULL, NULL) = v;
	}
	struct session_vote *old = NULL;
	for (unsigned i = 0; s && i < VOTES; i++)
		if (s->votes[i].id && strcmp(s->votes[i].id, id) == 0)
			old = &s->votes[i];
	if (old && old->helpful == helpful)
		goto out; /* the same vote again */
	if (old) {
		/* A changed mind replaces the earlier vote. */
		if (old->helpful)
			v->yes--;
		else
			v->no--;
		struct day *od = day_get(a, old->day, false);
		if (od && old->helpful)
			od->tot.helpful--;
		else if (od)
			od->tot.not_helpful--;
		old->helpful = helpful;
		old->day = day;
	} else if (s) {
		struct session_vote *sv = &s->votes[s->votes_next++ % VOTES];
		free(sv->id);
		*sv = (struct session_vote){xstrdup(id), helpful, day};
	}
	if (helpful)
		v->yes++;
	else
		v->no++;
	struct day *d = day_get(a, day, true);
	if (d && helpful)
		d->tot.helpful++;
	else if (d)
		d->tot.not_helpful++;
	atomic_store(&a->any_votes, true);
out:
	*yes = v->yes;
	*no = v->no;
}

static void apply_decision(struct analytics *a, long long t, const char *from, const char *to,
                           bool approved)
{
	char *key = pair_key(from, to);
	struct proposal *p = strmap_remove(&a->proposals, key);
	if (p)
		free_proposal(p);
	struct decision **slot = (struct decision **)strmap_slot(&a->decisions, key, NULL, NULL);
	if (!*slot) {
		*slot = xcalloc(1, sizeof **slot);
		(*slot)->from = xstrdup(from);
		(*slot)->to = xstrdup(to);
	}
	(*slot)->approved = approved;
	(*slot)->t = t;
	free(key);
}

/* ------------------------------------------------ events (the log) */

/* The normalised form of text; NULL (after a debug line) when the shim
 * fails.  New: xs_free(). */
static char *normalize(struct analytics *a, const char *text)
{
	char *out = NULL, *err = NULL;
	if (xs_text_normalize(text, &out, &err) != XS_OK) {
		log_msg(a->srv, LOG_DEBUG, "analytics: cannot normalise a query: %s", err);
		xs_free(err);
		return NULL;
	}
	return out;
}

static const char *opt_string(json_t *ev, const char *key, bool *bad)
{
	json_t *v = json_object_get(ev, key);
	if (v && !json_is_string(v))
		*bad = true;
	return json_string_value(v);
}

/* One event of the log, applied; NULL, or why it cannot be. */
static const char *apply_event(void *ctx, json_t *ev)
{
	struct analytics *a = ctx;
	bool bad = false;
	const char *e = opt_string(ev, "e", &bad);
	json_t *jt = json_object_get(ev, "t");
	const char *session = opt_string(ev, "session", &bad);
	if (!e)
		return "no event type 'e'";
	if (!json_is_integer(jt))
		return "no time 't'";
	if (bad || (session && !analytics_session_valid(session)))
		return "a field of the wrong type";
	long long t = json_integer_value(jt);
	const char *why = NULL;
	char *norm = NULL, *norm2 = NULL;
	pthread_mutex_lock(&a->lock);
	if (strcmp(e, "search") == 0) {
		const char *q = opt_string(ev, "q", &bad), *lang = opt_string(ev, "lang", &bad);
		json_t *hits = json_object_get(ev, "hits"), *took = json_object_get(ev, "took_ms");
		if (!q || !json_is_integer(hits) || json_integer_value(hits) < 0 ||
		    (took && !json_is_number(took)) || bad)
			why = "a search needs q and hits";
		else if (!(norm = normalize(a, q)) || !*norm)
			why = "a search without words";
		else
			apply_search(a, t, norm,
			             lang && (!strcmp(lang, "nl") || !strcmp(lang, "en")) ? lang
			                                                                  : NULL,
			             (unsigned long)json_integer_value(hits),
			             json_number_value(took), session);
	} else if (strcmp(e, "click") == 0) {
		const char *q = opt_string(ev, "q", &bad), *id = opt_string(ev, "id", &bad);
		if (!q || !id || bad)
			why = "a click needs q and id";
		else if (!(norm = normalize(a, q)))
			why = "a click whose query cannot be read";
		else
			apply_click(a, t, norm, session);
	} else if (strcmp(e, "feedback") == 0) {
		const char *id = opt_string(ev, "id", &bad);
		json_t *helpful = json_object_get(ev, "helpful");
		unsigned long yes, no;
		if (!id || !json_is_boolean(helpful) || bad)
			why = "feedback needs id and helpful";
		else
			apply_feedback(a, t, id, json_is_true(helpful), session, &yes, &no);
	} else if (strcmp(e, "synonym") == 0) {
		const char *from = opt_string(ev, "from", &bad), *to = opt_string(ev, "to", &bad);
		const char *action = opt_string(ev, "action", &bad);
		if (!from || !to || !action || bad ||
		    (strcmp(action, "approve") != 0 && strcmp(action, "reject") != 0))
			why = "a synonym decision needs from, to and action approve or reject";
		else if (!(norm = normalize(a, from)) || !(norm2 = normalize(a, to)) || !*norm ||
		         !*norm2)
			why = "a synonym decision without words";
		else
			apply_decision(a, t, norm, norm2, strcmp(action, "approve") == 0);
	} else {
		why = "an unknown event type";
	}
	pthread_mutex_unlock(&a->lock);
	xs_free(norm);
	xs_free(norm2);
	return why;
}

/* Make the line of an event: ev with "t" added.  New: free(). */
static char *event_line(json_t *ev, long long t, const char *session, size_t *len)
{
	json_object_set_new(ev, "t", json_integer(t));
	if (session)
		json_object_set_new(ev, "session", json_string(session));
	char *line = json_dumps(ev, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(ev);
	*len = line ? strlen(line) : 0;
	return line;
}

void analytics_search(struct analytics *a, const char *q, const char *lang, unsigned long hits,
                      double took_ms, const char *session)
{
	if (!a)
		return;
	char *norm = normalize(a, q);
	if (norm && *norm) {
		long long t = now_ms();
		size_t len;
		json_t *ev = json_pack("{s:s,s:s,s:I,s:f}", "e", "search", "q", q, "hits",
		                       (json_int_t)hits, "took_ms", took_ms);
		if (ev && lang)
			json_object_set_new(ev, "lang", json_string(lang));
		char *line = ev ? event_line(ev, t, session, &len) : NULL;
		pthread_mutex_lock(&a->lock);
		apply_search(a, t, norm, lang, hits, took_ms, session);
		if (line)
			eventlog_add(a->log, day_of_ms(t), line, len);
		pthread_mutex_unlock(&a->lock);
		free(line);
	}
	xs_free(norm);
}

void analytics_click(struct analytics *a, const char *q, const char *id, long rank,
                     const char *session)
{
	char *norm = normalize(a, q);
	if (!norm)
		return;
	long long t = now_ms();
	size_t len;
	json_t *ev = json_pack("{s:s,s:s,s:s}", "e", "click", "q", q, "id", id);
	if (ev && rank > 0)
		json_object_set_new(ev, "rank", json_integer(rank));
	char *line = ev ? event_line(ev, t, session, &len) : NULL;
	pthread_mutex_lock(&a->lock);
	apply_click(a, t, norm, session);
	if (line)
		eventlog_add(a->log, day_of_ms(t), line, len);
	pthread_mutex_unlock(&a->lock);
	free(line);
	xs_free(norm);
}

void analytics_feedback(struct analytics *a, const char *id, bool helpful, const char *session,
                        unsigned long *yes, unsigned long *no)
{
	long long t = now_ms();
	size_t len;
	json_t *ev = json_pack("{s:s,s:s,s:b}", "e", "feedback", "id", id, "helpful", helpful);
	char *line = ev ? event_line(ev, t, session, &len) : NULL;
	pthread_mutex_lock(&a->lock);
	apply_feedback(a, t, id, helpful, session, yes, no);
	if (line)
		eventlog_add(a->log, day_of_ms(t), line, len);
	pthread_mutex_unlock(&a->lock);
	free(line);
}

void analytics_decide(struct analytics *a, const char *from, const char *to, bool approve)
{
	long long t = now_ms();
	size_t len;
	json_t *ev = json_pack("{s:s,s:s,s:s,s:s}", "e", "synonym", "from", from, "to", to,
	                       "action", approve ? "approve" : "reject");
	char *line = ev ? event_line(ev, t, NULL, &len) : NULL;
	pthread_mutex_lock(&a->lock);
	apply_decision(a, t, from, to, approve);
	if (line)
		eventlog_add(a->log, day_of_ms(t), line, len);
	pthread_mutex_unlock(&a->lock);
	free(line);
	/* An editor's decision is rare and must not be lost: on disk now. */
	char *err = NULL;
	if (eventlog_flush(a->log, true, &err) != 0) {
		log_msg(a->srv, LOG_ERROR, "analytics: %s", err);
		free(err);
	}
}

/* ------------------------------------------------------------ votes */

bool analytics_has_votes(struct analytics *a)
{
	return a && atomic_load(&a->any_votes);
}

void analytics_votes(struct analytics *a, char *const *ids, size_t n, unsigned long *yes,
                     unsigned long *no)
{
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < n; i++) {
		struct vote *v = ids[i] ? strmap_get(&a->votes, ids[i]) : NULL;
		yes[i] = v ? v->yes : 0;
		no[i] = v ? v->no : 0;
	}
	pthread_mutex_unlock(&a->lock);
}

/* ---------------------------------------------------------- reports */

struct strmap *analytics_merge(struct analytics *a, long from, long to, struct day_totals *tot,
                               long *held_from)
{
	struct strmap *out = xmalloc(sizeof *out);
	strmap_init(out);
	memset(tot, 0, sizeof *tot);
	*held_from = -1;
	for (size_t i = 0; i < AN_DAYS_HELD; i++) {
		pthread_mutex_lock(&a->lock);
		struct day *d = &a->days[i];
		if (d->day >= 0 && (*held_from < 0 || d->day < *held_from))
			*held_from = d->day;
		if (d->day >= from && d->day <= to) {
			tot->searches += d->tot.searches;
			tot->no_results += d->tot.no_results;
			tot->clicks += d->tot.clicks;
			tot->clicked += d->tot.clicked;
			tot->helpful += d->tot.helpful;
			tot->not_helpful += d->tot.not_helpful;
			tot->untracked += d->tot.untracked;
			tot->took_ms += d->tot.took_ms;
			struct strmap_iter it = {&d->queries, 0, NULL};
			const char *q;
			void *v;
			while (strmap_next(&it, &q, &v)) {
				const struct query_stat *st = v;
				bool added;
				struct query_stat **m =
				    (struct query_stat **)strmap_slot(out, q, &added, NULL);
				if (added)
					*m = xcalloc(1, sizeof **m);
				(*m)->searches += st->searches;
				(*m)->hits += st->hits;
				(*m)->no_results += st->no_results;
				(*m)->clicks += st->clicks;
				(*m)->clicked += st->clicked;
				(*m)->sessions += st->sessions;
				if (!(*m)->lang[0])
					memcpy((*m)->lang, st->lang, sizeof st->lang);
			}
		}
		pthread_mutex_unlock(&a->lock);
	}
	return out;
}

static int by_evidence(const void *x, const void *y)
{
	const struct proposal *a = *(struct proposal *const *)x, *b = *(struct proposal *const *)y;
	if (a->evidence != b->evidence)
		return a->evidence > b->evidence ? -1 : 1;
	if (a->last_t != b->last_t)
		return a->last_t > b->last_t ? -1 : 1;
	int c = strcmp(a->from, b->from);
	return c ? c : strcmp(a->to, b->to);
}

json_t *analytics_proposals(struct analytics *a, size_t limit)
{
	json_t *out = json_array();
	pthread_mutex_lock(&a->lock);
	size_t n = 0;
	struct proposal **all = xmalloc((a->proposals.count + 1) * sizeof *all);
	struct strmap_iter it = {&a->proposals, 0, NULL};
	void *v;
	while (strmap_next(&it, NULL, &v))
		all[n++] = v;
	qsort(all, n, sizeof *all, by_evidence);
	for (size_t i = 0; i < n && i < limit; i++) {
		char first[21], last[21];
		time_format(all[i]->first_t, first);
		time_format(all[i]->last_t, last);
		json_array_append_new(out, json_pack("{s:s,s:s,s:I,s:s,s:s}", "from", all[i]->from,
		                                     "to", all[i]->to, "evidence",
		                                     (json_int_t)all[i]->evidence, "first_seen",
		                                     first, "last_seen", last));
	}
	pthread_mutex_unlock(&a->lock);
	free(all);
	return out;
}

static int by_time(const void *x, const void *y)
{
	const struct decision *a = *(struct decision *const *)x, *b = *(struct decision *const *)y;
	if (a->t != b->t)
		return a->t > b->t ? -1 : 1;
	int c = strcmp(a->from, b->from);
	return c ? c : strcmp(a->to, b->to);
}

json_t *analytics_decisions(struct analytics *a, size_t limit)
{
	json_t *out = json_array();
	pthread_mutex_lock(&a->lock);
	size_t n = 0;
	struct decision **all = xmalloc((a->decisions.count + 1) * sizeof *all);
	struct strmap_iter it = {&a->decisions, 0, NULL};
	void *v;
	while (strmap_next(&it, NULL, &v))
		all[n++] = v;
	qsort(all, n, sizeof *all, by_time);
	for (size_t i = 0; i < n && i < limit; i++) {
		char at[21];
		time_format(all[i]->t, at);
		json_array_append_new(
		    out, json_pack("{s:s,s:s,s:s,s:s}", "from", all[i]->from, "to", all[i]->to,
		                   "action", all[i]->approved ? "approved" : "rejected", "at", at));
	}
	pthread_mutex_unlock(&a->lock);
	free(all);
	return out;
}

int analytics_proposal_state(struct analytics *a, const char *from, const char *to, bool *approved,
                             long long *when)
{
	char *key = pair_key(from, to);
	int state = -1;
	pthread_mutex_lock(&a->lock);
	struct decision *d = strmap_get(&a->decisions, key);
	if (d) {
		state = 1;
		*approved = d->approved;
		*when = d->t;
	} else if (strmap_get(&a->proposals, key)) {
		state = 0;
	}
	pthread_mutex_unlock(&a->lock);
	free(key);
	return state;
}

/* ------------------------------------------------------ suggestions */

static int by_searches(const void *x, const void *y)
{
	const struct suggestion *a = x, *b = y;
	if (a->searches != b->searches)
		return a->searches > b->searches ? -1 : 1;
	return strcmp(a->q, b->q);
}

static int by_text(const void *x, const void *y)
{
	return strcmp(((const struct suggestion *)x)->q, ((const struct suggestion *)y)->q);
}

/*
 * The past queries worth offering while typing: found something, and
 * searched in at least AN_SUGGEST_SESSIONS sessions, so that what one
 * customer typed (a name, an order number) is never shown to others.
 * Sorted by text, so the completions of a prefix are one range.
 */
static void suggest_rebuild(struct analytics *a)
{
	struct day_totals tot;
	long held;
	struct strmap *all = analytics_merge(a, LONG_MIN, LONG_MAX, &tot, &held);
	struct suggestion *list = xmalloc((all->count + 1) * sizeof *list);
	size_t n = 0;
	struct strmap_iter it = {all, 0, NULL};
	const char *q;
	void *v;
	while (strmap_next(&it, &q, &v)) {
		const struct query_stat *st = v;
		unsigned long found = st->searches - st->no_results;
		if (found > 0 && st->sessions >= AN_SUGGEST_SESSIONS)
			list[n++] = (struct suggestion){(char *)q, found};
	}
	if (n > AN_SUGGEST_MAX) {
		qsort(list, n, sizeof *list, by_searches);
		n = AN_SUGGEST_MAX;
	}
	for (size_t i = 0; i < n; i++)
		list[i].q = xstrdup(list[i].q);
	qsort(list, n, sizeof *list, by_text);
	strmap_release(all, free);
	free(all);

	pthread_rwlock_wrlock(&a->suggest_lock);
	struct suggestion *old = a->suggest;
	size_t nold = a->nsuggest;
	a->suggest = list;
	a->nsuggest = n;
	pthread_rwlock_unlock(&a->suggest_lock);
	for (size_t i = 0; i < nold; i++)
		free(old[i].q);
	free(old);
}

void analytics_complete(struct analytics *a, const char *typed, size_t max, analytics_query_cb cb,
                        void *ctx)
{
	if (!a || !*typed || max == 0)
		return;
	size_t len = strlen(typed);
	struct suggestion best[32];
	size_t nbest = 0;
	if (max > 32)
		max = 32;
	pthread_rwlock_rdlock(&a->suggest_lock);
	size_t lo = 0, hi = a->nsuggest;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(a->suggest[mid].q, typed) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, seen = 0; i < a->nsuggest && seen < AN_SUGGEST_SCAN; i++, seen++) {
		const struct suggestion *s = &a->suggest[i];
		if (strncmp(s->q, typed, len) != 0)
			break;
		/* Keep the max most searched, in order (ties: alphabetical, as
		 * scanned). */
		size_t at = nbest;
		while (at > 0 && best[at - 1].searches < s->searches)
			at--;
		if (at >= max)
			continue;
		if (nbest < max)
			nbest++;
		memmove(&best[at + 1], &best[at], (nbest - 1 - at) * sizeof *best);
		best[at] = *s;
	}
	for (size_t i = 0; i < nbest; i++)
		cb(ctx, best[i].q, best[i].searches);
	pthread_rwlock_unlock(&a->suggest_lock);
}

/* ---------------------------------------------------------- flusher */

static void expire_sessions(struct analytics *a, long long now)
{
	pthread_mutex_lock(&a->lock);
	while (a->oldest && now - a->oldest->last_t > AN_SESSION_IDLE_MS)
		session_drop(a, a->oldest);
	pthread_mutex_unlock(&a->lock);
}

/*
 * Every FLUSH_MS: write the queued events; every SYNC_MS fdatasync them;
 * rebuild the suggestions when searches came in (no more often than 20
 * times what a rebuild takes, so that a large history costs at most a
 * twentieth of a core); now and then end idle sessions.
 */
static void *flusher_main(void *arg)
{
	struct analytics *a = arg;
	double last_sync = now_seconds(), last_expire = last_sync, last_rebuild = 0,
	       rebuild_cost = 0;
	double last_warn = -1e9;
	pthread_mutex_lock(&a->stop_lock);
	while (!a->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += FLUSH_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&a->stop_cond, &a->stop_lock, &ts);
		if (a->stop)
			break;
		pthread_mutex_unlock(&a->stop_lock);

		double now = now_seconds();
		bool sync = now - last_sync >= SYNC_MS / 1000.0;
		char *err = NULL;
		if (eventlog_flush(a->log, sync, &err) != 0) {
			if (now - last_warn >= 60) {
				log_msg(a->srv, LOG_ERROR, "analytics: %s", err);
				last_warn = now;
			}
			free(err);
		}
		if (sync)
			last_sync = now;
		if (atomic_load(&a->suggest_dirty) && now - last_rebuild >= 20 * rebuild_cost &&
		    now - last_rebuild >= 1.0) {
			atomic_store(&a->suggest_dirty, false);
			suggest_rebuild(a);
			last_rebuild = now_seconds();
			rebuild_cost = last_rebuild - now;
		}
		if (now - last_expire >= EXPIRE_MS / 1000.0) {
			expire_sessions(a, now_ms());
			last_expire = now;
		}
		pthread_mutex_lock(&a->stop_lock);
	}
	pthread_mutex_unlock(&a->stop_lock);
	return NULL;
}

/* ---------------------------------------------------- start and stop */

static void analytics_free(struct analytics *a)
{
	for (size_t i = 0; i < AN_DAYS_HELD; i++)
		day_clear(a, &a->days[i]);
	while (a->oldest)
		session_drop(a, a->oldest);
	strmap_release(&a->sessions, NULL);
	strmap_release(&a->votes, free);
	strmap_release(&a->proposals, free_proposal);
	strmap_release(&a->decisions, free_decision);
	for (size_t i = 0; i < a->nsuggest; i++)
		free(a->suggest[i].q);
	free(a->suggest);
	eventlog_free(a->log);
	pthread_rwlock_destroy(&a->suggest_lock);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->stop_lock);
	pthread_cond_destroy(&a->stop_cond);
	free(a);
}

int analytics_open(struct server *srv, char **err)
{
	struct analytics *a = xcalloc(1, sizeof *a);
	a->srv = srv;
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->stop_lock, NULL);
	pthread_cond_init(&a->stop_cond, NULL);
	pthread_rwlock_init(&a->suggest_lock, NULL);
	for (size_t i = 0; i < AN_DAYS_HELD; i++)
		a->days[i].day = -1;
	strmap_init(&a->sessions);
	strmap_init(&a->votes);
	strmap_init(&a->proposals);
	strmap_init(&a->decisions);
	atomic_init(&a->any_votes, false);
	atomic_init(&a->suggest_dirty, false);
	if (eventlog_open(srv, srv->cfg.data, &a->log, err) != 0) {
		analytics_free(a);
		return -1;
	}
	double start = now_seconds();
	unsigned long skipped;
	unsigned files;
	unsigned long events = eventlog_replay(a->log, apply_event, a, &skipped, &files);
	/* Sessions that ended while searchd was down end now. */
	expire_sessions(a, now_ms());
	suggest_rebuild(a);
	log_msg(srv, LOG_INFO,
	        "analytics: %lu events from %u day files in '%s' replayed in %.2f s%s", events,
	        files, srv->cfg.data, now_seconds() - start,
	        skipped ? " (some lines skipped)" : "");
	/* The flusher takes no signal: SIGTERM and SIGINT are main's, which
	 * sigwaits for them (a thread that let them through would die of
	 * the first one that came before main waits). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&a->flusher, NULL, flusher_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		analytics_free(a);
		return vb_error(err, "cannot start the analytics thread");
	}
	a->started = true;
	srv->analytics = a;
	return 0;
}

void analytics_close(struct server *srv)
{
	struct analytics *a = srv->analytics;
	if (!a)
		return;
	if (a->started) {
		pthread_mutex_lock(&a->stop_lock);
		a->stop = true;
		pthread_cond_signal(&a->stop_cond);
		pthread_mutex_unlock(&a->stop_lock);
		pthread_join(a->flusher, NULL);
	}
	char *err = NULL;
	if (eventlog_flush(a->log, true, &err) != 0) {
		log_msg(srv, LOG_ERROR, "analytics: %s", err);
		free(err);
	}
	analytics_free(a);
	srv->analytics = NULL;
}
