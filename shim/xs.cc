/*
 * xs.cc - the implementation of xs.h over xapian-core 1.4.
 *
 * Every extern "C" function has the same shape: try { ...; return XS_OK; }
 * catch (...) { return fail(err); }.  fail() rethrows to classify the
 * exception (the way Xapian's own bindings do), so no C++ exception can
 * unwind into C code.  Language knowledge the query side needs (stemmer
 * names, stop words) lives here too, because it is applied by Xapian
 * objects.
 */
#include "xs_internal.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace xs_impl {

char *dup_string(const std::string &s)
{
	char *p = static_cast<char *>(std::malloc(s.size() + 1));
	if (!p)
		throw std::bad_alloc();
	std::memcpy(p, s.data(), s.size());
	p[s.size()] = '\0';
	return p;
}

void set_err(char **err, const std::string &msg)
{
	if (!err)
		return;
	char *p = static_cast<char *>(std::malloc(msg.size() + 1));
	if (!p)
		return; /* no memory for the message: the status still says it */
	std::memcpy(p, msg.data(), msg.size());
	p[msg.size()] = '\0';
	*err = p;
}

xs_status fail(char **err)
{
	try {
		throw;
	} catch (const Xapian::DatabaseLockError &e) {
		set_err(err, "database is locked by another writer: " + e.get_msg());
		return XS_ERR_LOCKED;
	} catch (const Xapian::DatabaseModifiedError &e) {
		set_err(err, "database was modified: " + e.get_msg());
		return XS_ERR_MODIFIED;
	} catch (const Xapian::DatabaseCorruptError &e) {
		set_err(err, "database is corrupt: " + e.get_msg());
		return XS_ERR_CORRUPT;
	} catch (const Xapian::DatabaseNotFoundError &e) {
		set_err(err, "no database: " + e.get_msg());
		return XS_ERR_OPENING;
	} catch (const Xapian::DatabaseOpeningError &e) {
		set_err(err, "cannot open database: " + e.get_msg());
		return XS_ERR_OPENING;
	} catch (const Xapian::DatabaseCreateError &e) {
		set_err(err, "cannot create database: " + e.get_msg());
		return XS_ERR_OPENING;
	} catch (const Xapian::DocNotFoundError &e) {
		set_err(err, "no such document: " + e.get_msg());
		return XS_ERR_NOT_FOUND;
	} catch (const Xapian::QueryParserError &e) {
		set_err(err, "cannot parse query: " + e.get_msg());
		return XS_ERR_QUERY;
	} catch (const Xapian::NetworkError &e) {
		set_err(err, "remote shard failed: " + e.get_msg());
		return XS_ERR_NETWORK;
	} catch (const Xapian::InvalidArgumentError &e) {
		set_err(err, "invalid argument: " + e.get_msg());
		return XS_ERR_INVALID;
	} catch (const Xapian::InvalidOperationError &e) {
		set_err(err, "invalid operation: " + e.get_msg());
		return XS_ERR_INVALID;
	} catch (const Xapian::Error &e) {
		set_err(err, e.get_type() + std::string(": ") + e.get_msg());
		return XS_ERR_INTERNAL;
	} catch (const std::bad_alloc &) {
		set_err(err, "out of memory");
		return XS_ERR_NO_MEMORY;
	} catch (const std::exception &e) {
		set_err(err, e.what());
		return XS_ERR_INTERNAL;
	} catch (...) {
		set_err(err, "unknown C++ exception");
		return XS_ERR_INTERNAL;
	}
}

xs_status invalid(char **err, const std::string &msg)
{
	set_err(err, msg);
	return XS_ERR_INVALID;
}

void flush_spelling(xs_db *db)
{
	if (!db->wdb || db->spelling_pending.empty())
		return;
	for (const auto &w : db->spelling_pending)
		db->wdb->add_spelling(w.first, w.second);
	db->spelling_pending.clear();
}

/* Stop words: the function words of questions and phrases that carry no
 * topic.  Kept short on purpose: a word that can be a topic ("over",
 * "bij") would cost recall more than its noise costs precision. */
const char *const stop_nl[] = {
	"de", "het", "een", "en", "of", "ik", "je", "jij", "u", "mijn", "mij", "me", "uw",
	"jouw", "wij", "we", "hoe", "wat", "wie", "waar", "wanneer", "waarom", "welk", "welke",
	"kan", "kun", "kunt", "kunnen", "moet", "moeten", "mag", "is", "zijn", "ben", "bent",
	"wordt", "worden", "word", "heb", "hebt", "heeft", "hebben", "dat", "die", "dit",
	"deze", "er", "te", "van", "aan", "in", "op", "om", "voor", "met", "naar", "als",
	"dan", "ook", "nog", "wel", "niet", "geen", "zo", "al", "hier", "daar", "ze", "zij",
	"hij", "wil", "wilt", "willen", "graag", "even", "toch", "eens",
};
const char *const stop_en[] = {
	"a", "an", "the", "and", "or", "i", "my", "me", "you", "your", "we", "our", "how",
	"what", "who", "where", "when", "why", "which", "can", "could", "do", "does", "did",
	"is", "are", "was", "were", "be", "been", "have", "has", "had", "to", "of", "in",
	"on", "at", "for", "with", "from", "by", "it", "its", "this", "that", "these",
	"those", "there", "if", "as", "so", "not", "no", "will", "would", "should", "want",
	"please", "get",
};

/* Per thread: Xapian's reference counts are not atomic, so a Stem shared
 * between searchd's worker threads would be a data race. */
const language *language_for(const char *lang)
{
	static thread_local const language nl{Xapian::Stem("dutch"),
	                         Xapian::SimpleStopper(std::begin(stop_nl), std::end(stop_nl))};
	static thread_local const language en{Xapian::Stem("english"),
	                         Xapian::SimpleStopper(std::begin(stop_en), std::end(stop_en))};
	static thread_local const language none{Xapian::Stem(), Xapian::SimpleStopper()};
	if (!lang || !*lang)
		return &none;
	if (std::strcmp(lang, "nl") == 0)
		return &nl;
	if (std::strcmp(lang, "en") == 0)
		return &en;
	return nullptr;
}

} // namespace xs_impl

namespace {

using namespace xs_impl;

void run_search(xs_db *db, const xs_query *q, unsigned offset, unsigned limit, xs_results *r)
{
	r->enquire = Xapian::Enquire(db->db);
	r->enquire.set_query(build_query(db, q, &r->correction));
	if (q->time_limit > 0)
		r->enquire.set_time_limit(q->time_limit);
	if (q->sort_slot >= 0)
		r->enquire.set_sort_by_value_then_relevance((Xapian::valueno)q->sort_slot,
		                                            q->sort_desc);
	r->docid_spy.reset();
	r->spies.clear();
	r->facets.clear();
	if (!q->facets.empty() && facet_columns_usable(db)) {
		r->docid_spy.reset(new xs_docid_spy);
		r->enquire.add_matchspy(r->docid_spy.get());
	} else {
		for (unsigned slot : q->facets) {
			auto &spy = r->spies[slot];
			spy.reset(new Xapian::ValueCountMatchSpy(slot));
			r->enquire.add_matchspy(spy.get());
		}
	}
	/* Facet counts are exact only over every match: ask for all of them
	 * when counting, up to a bound that keeps big indexes fast. */
	Xapian::doccount check = q->facets.empty() ? 100 : 20000;
	r->mset = r->enquire.get_mset(offset, limit, check);
	count_facets(db, q->facets, r);
	r->items.clear();
	/* No MSet::fetch() prefetch hint: in 1.4.22 it reads past its items
	 * when the MSet does not start at the first hit (offset > 0). */
	for (auto it = r->mset.begin(); it != r->mset.end(); ++it)
		r->items.push_back({*it, it.get_weight(), it.get_percent(), it.get_document().get_data()});
}

Xapian::WritableDatabase &writable(xs_db *db)
{
	if (!db->wdb)
		throw Xapian::InvalidOperationError("database was opened read-only");
	return *db->wdb;
}

std::string uid_term(const char *uid)
{
	if (!uid || !*uid)
		throw Xapian::InvalidArgumentError("empty document id");
	std::string t = "Q";
	t += uid;
	/* Xapian terms are limited to 245 bytes in glass. */
	if (t.size() > 240)
		throw Xapian::InvalidArgumentError("document id is longer than 239 bytes");
	return t;
}

/* The document with this unique id; throws DocNotFoundError. */
Xapian::Document doc_by_uid(xs_db *db, const char *uid)
{
	std::string term = uid_term(uid);
	Xapian::PostingIterator p = db->db.postlist_begin(term);
	if (p == db->db.postlist_end(term))
		throw Xapian::DocNotFoundError(std::string("no document with id '") + uid + "'");
	return db->db.get_document(*p);
}

} // namespace

extern "C" {

const char *xs_status_to_string(xs_status status)
{
	switch (status) {
	case XS_OK: return "ok";
	case XS_ERR_NOT_FOUND: return "not_found";
	case XS_ERR_LOCKED: return "locked";
	case XS_ERR_MODIFIED: return "modified";
	case XS_ERR_CORRUPT: return "corrupt";
	case XS_ERR_OPENING: return "opening";
	case XS_ERR_QUERY: return "query";
	case XS_ERR_INVALID: return "invalid";
	case XS_ERR_NETWORK: return "network";
	case XS_ERR_NO_MEMORY: return "no_memory";
	case XS_ERR_INTERNAL: return "internal";
	}
	return "unknown";
}

void xs_free(void *p)
{
	std::free(p);
}

const char *xs_xapian_version(void)
{
	return Xapian::version_string();
}

xs_status xs_db_open(const char *path, xs_db_mode mode, xs_db **out, char **err)
{
	xs_db *db = nullptr;
	try {
		if (!path || !*path)
			return invalid(err, "empty database path");
		db = new xs_db;
		if (mode == XS_DB_WRITE) {
			db->wdb = new Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN);
			db->db = *db->wdb;
		} else {
			db->db = Xapian::Database(path);
		}
		*out = db;
		return XS_OK;
	} catch (...) {
		xs_db_close(db);
		return fail(err);
	}
}

xs_status xs_db_open_shards(const char *const *specs, size_t n, xs_db **out, char **err)
{
	xs_db *db = nullptr;
	try {
		if (n == 0)
			return invalid(err, "no shards given");
		db = new xs_db;
		db->sharded = n > 1;
		for (size_t i = 0; i < n; i++) {
			std::string spec = specs[i];
			if (spec.compare(0, 4, "tcp:") == 0) {
				std::string hostport = spec.substr(4);
				size_t colon = hostport.rfind(':');
				char *end = nullptr;
				long port = colon == std::string::npos
				                ? 0
				                : std::strtol(hostport.c_str() + colon + 1, &end, 10);
				if (colon == std::string::npos || colon == 0 || !end || *end ||
				    port <= 0 || port > 65535) {
					xs_db_close(db);
					return invalid(err, "bad shard '" + spec + "': want tcp:HOST:PORT");
				}
				db->db.add_database(Xapian::Remote::open(hostport.substr(0, colon),
				                                         (unsigned)port, 10000, 10000));
				db->sharded = true;
			} else {
				db->db.add_database(Xapian::Database(spec));
			}
		}
		*out = db;
		return XS_OK;
	} catch (...) {
		xs_db_close(db);
		return fail(err);
	}
}

void xs_db_close(xs_db *db)
{
	if (!db)
		return;
	try {
		if (db->wdb) {
			flush_spelling(db);
			db->wdb->close();
		}
		db->db.close();
	} catch (...) {
		/* closing cannot report; Xapian releases the lock regardless */
	}
	delete db->wdb;
	delete db;
}

xs_status xs_db_compact(const char *const *srcs, size_t n, const char *out, char **err)
{
	try {
		if (n == 0)
			return invalid(err, "no databases to merge");
		struct stat st;
		if (stat(out, &st) == 0)
			return invalid(err, std::string("'") + out + "' exists already");
		Xapian::Database all;
		for (size_t i = 0; i < n; i++)
			all.add_database(Xapian::Database(srcs[i]));
		all.compact(out);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_reopen(xs_db *db, bool *changed, char **err)
{
	try {
		bool moved = db->db.reopen();
		if (changed)
			*changed = moved;
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_doc_count(xs_db *db, unsigned long *out, char **err)
{
	try {
		*out = db->db.get_doccount();
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_revision(xs_db *db, unsigned long *out, char **err)
{
	try {
		*out = db->sharded ? 0 : (unsigned long)db->db.get_revision();
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_replace(xs_db *db, const char *uid, xs_doc *doc, char **err)
{
	try {
		std::string term = uid_term(uid);
		doc->doc.add_boolean_term(term);
		writable(db).replace_document(term, doc->doc);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_delete(xs_db *db, const char *uid, char **err)
{
	try {
		std::string term = uid_term(uid);
		Xapian::WritableDatabase &w = writable(db);
		if (w.get_termfreq(term) == 0) {
			set_err(err, std::string("no document with id '") + uid + "'");
			return XS_ERR_NOT_FOUND;
		}
		w.delete_document(term);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_commit(xs_db *db, char **err)
{
	try {
		Xapian::WritableDatabase &w = writable(db);
		flush_spelling(db);
		w.commit();
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_begin_transaction(xs_db *db, char **err)
{
	try {
		Xapian::WritableDatabase &w = writable(db);
		/* Words counted before belong to before the transaction. */
		flush_spelling(db);
		w.begin_transaction(true);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_commit_transaction(xs_db *db, char **err)
{
	try {
		Xapian::WritableDatabase &w = writable(db);
		flush_spelling(db);
		w.commit_transaction();
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_cancel_transaction(xs_db *db, char **err)
{
	try {
		writable(db).cancel_transaction();
		db->spelling_pending.clear();
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_get_data(xs_db *db, const char *uid, char **out, size_t *len, char **err)
{
	try {
		std::string data = doc_by_uid(db, uid).get_data();
		*out = dup_string(data);
		if (len)
			*len = data.size();
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_get_value(xs_db *db, const char *uid, unsigned slot, char **out, size_t *len,
                          char **err)
{
	try {
		std::string v = doc_by_uid(db, uid).get_value(slot);
		if (v.empty()) {
			set_err(err, "value is not set");
			return XS_ERR_NOT_FOUND;
		}
		*out = dup_string(v);
		if (len)
			*len = v.size();
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_each_value_pair(xs_db *db, unsigned slot_a, unsigned slot_b, xs_value_pair_cb cb,
                                void *ctx, char **err)
{
	try {
		for (auto p = db->db.postlist_begin(""); p != db->db.postlist_end(""); ++p) {
			Xapian::Document d = db->db.get_document(*p);
			std::string a = d.get_value(slot_a), b = d.get_value(slot_b);
			if (cb(ctx, a.data(), a.size(), b.data(), b.size()) != 0)
				return invalid(err, "stopped by the caller");
		}
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_metadata_get(xs_db *db, const char *key, char **out, char **err)
{
	try {
		*out = dup_string(db->db.get_metadata(key));
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_metadata_set(xs_db *db, const char *key, const char *value, char **err)
{
	try {
		writable(db).set_metadata(key, value);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_spelling_suggest(xs_db *db, const char *word, char **out, char **err)
{
	try {
		flush_spelling(db);
		*out = dup_string(db->db.get_spelling_suggestion(word));
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_doc_new(xs_doc **out, char **err)
{
	try {
		*out = new xs_doc;
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

void xs_doc_free(xs_doc *doc)
{
	delete doc;
}

xs_status xs_doc_set_data(xs_doc *doc, const char *data, size_t len, char **err)
{
	try {
		doc->doc.set_data(std::string(data, len));
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

/*
 * Count the words of folded text that TermGenerator's FLAG_SPELLING
 * would give the spelling data (every term as written, without stems),
 * for flush_spelling.  A scratch document without positions does the
 * word splitting exactly as TermGenerator does it for the index.
 */
static void count_spelling(xs_db *db, const std::string &folded)
{
	Xapian::TermGenerator tg;
	Xapian::Document scratch;
	tg.set_document(scratch);
	tg.index_text_without_positions(folded);
	for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t)
		db->spelling_pending[*t] += t.get_wdf();
	/* A bound for writers that commit seldom. */
	if (db->spelling_pending.size() > 1000000)
		flush_spelling(db);
}

xs_status xs_doc_index_text(xs_doc *doc, const char *text, const char *lang, const char *prefix,
                            unsigned wdf_inc, unsigned flags, xs_db *spell_db, char **err)
{
	try {
		const language *l = language_for(lang);
		if (!l)
			return invalid(err, std::string("unknown language '") + lang + "'");
		if ((flags & XS_IDX_SPELLING) && (!spell_db || !spell_db->wdb))
			return invalid(err, "spelling data needs the writable database");
		if (!prefix)
			prefix = "";
		Xapian::TermGenerator tg;
		tg.set_stemmer(l->stem);
		tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
		tg.set_document(doc->doc);
		tg.set_termpos(doc->pos);
		std::string folded = fold(text);
		if (flags & XS_IDX_NO_POSITIONS)
			tg.index_text_without_positions(folded, wdf_inc, prefix);
		else
			tg.index_text(folded, wdf_inc, prefix);
		/* Spelling data comes from the general field only, as with
		 * Xapian's FLAG_SPELLING; counted, given at the next commit. */
		if ((flags & XS_IDX_SPELLING) && !*prefix)
			count_spelling(spell_db, folded);
		/* Dutch writes compounds as one word: a suffix index of
		 * them, for the general field only. */
		if (!*prefix && lang && std::strcmp(lang, "nl") == 0)
			index_reversed(doc->doc, folded);
		/* A gap so that a phrase never matches across two fields. */
		doc->pos = tg.get_termpos() + 100;
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_doc_add_term(xs_doc *doc, const char *term, char **err)
{
	try {
		std::string t = term;
		if (t.empty() || t.size() > 240)
			return invalid(err, "term must be 1 to 240 bytes");
		doc->doc.add_boolean_term(t);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_doc_add_value(xs_doc *doc, unsigned slot, const char *value, size_t len, char **err)
{
	try {
		doc->doc.add_value(slot, std::string(value, len));
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_doc_add_value_number(xs_doc *doc, unsigned slot, double value, char **err)
{
	try {
		doc->doc.add_value(slot, Xapian::sortable_serialise(value));
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_query_new(xs_query **out, char **err)
{
	try {
		*out = new xs_query;
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

void xs_query_free(xs_query *q)
{
	delete q;
}

xs_status xs_query_set_text(xs_query *q, const char *text, const char *lang, unsigned flags,
                            char **err)
{
	try {
		if (!lang)
			lang = "nl";
		if (!language_for(lang) || !*lang)
			return invalid(err, std::string("unknown language '") + lang + "'");
		q->text = text ? text : "";
		q->lang = lang;
		q->flags = flags;
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_query_add_filter(xs_query *q, const char *group, const char *term, char **err)
{
	try {
		if (!term || !*term)
			return invalid(err, "empty filter term");
		q->filters[group ? group : ""].push_back(term);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_query_add_range(xs_query *q, unsigned slot, double lo, double hi, char **err)
{
	try {
		if (std::isnan(lo) || std::isnan(hi) || lo > hi)
			return invalid(err, "empty or invalid range");
		q->ranges.push_back({slot, lo, hi});
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_query_set_sort(xs_query *q, int slot, bool descending, char **err)
{
	(void)err;
	q->sort_slot = slot;
	q->sort_desc = descending;
	return XS_OK;
}

xs_status xs_query_add_facet(xs_query *q, unsigned slot, char **err)
{
	try {
		if (q->facets.size() >= 8)
			return invalid(err, "at most 8 facets");
		q->facets.push_back(slot);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_query_set_time_limit(xs_query *q, double seconds, char **err)
{
	if (!(seconds >= 0) || seconds > 3600)
		return invalid(err, "time limit must be from 0 to 3600 seconds");
	q->time_limit = seconds;
	return XS_OK;
}

xs_status xs_db_search(xs_db *db, const xs_query *q, unsigned offset, unsigned limit,
                       xs_results **out, char **err)
{
	xs_results *r = nullptr;
	try {
		if (limit > 10000)
			return invalid(err, "limit is larger than 10000");
		flush_spelling(db); /* a search on the writer sees its words */
		r = new xs_results(db->db);
		with_retry(db, [&] { run_search(db, q, offset, limit, r); });
		*out = r;
		return XS_OK;
	} catch (...) {
		delete r;
		return fail(err);
	}
}

void xs_results_free(xs_results *r)
{
	delete r;
}

unsigned long xs_results_total(const xs_results *r)
{
	return r->mset.get_matches_estimated();
}

size_t xs_results_count(const xs_results *r)
{
	return r->items.size();
}

xs_status xs_results_hit(const xs_results *r, size_t i, struct xs_hit *out, char **err)
{
	if (i >= r->items.size()) {
		set_err(err, "hit index out of range");
		return XS_ERR_INVALID;
	}
	const xs_results::item &it = r->items[i];
	out->docid = it.docid;
	out->score = it.score;
	out->percent = it.percent;
	out->data = it.data.data();
	out->len = it.data.size();
	return XS_OK;
}

xs_status xs_results_facet(const xs_results *r, unsigned slot, size_t max_values,
                           xs_facet_cb cb, void *ctx, char **err)
{
	try {
		auto it = r->facets.find(slot);
		if (it == r->facets.end())
			return invalid(err, "no facet was asked for on this slot");
		each_facet_value(it->second, max_values, cb, ctx);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_results_facet_ranges(const xs_results *r, unsigned slot, const double *edges, size_t n,
                                  unsigned long *counts, char **err)
{
	try {
		auto it = r->facets.find(slot);
		if (it == r->facets.end())
			return invalid(err, "no facet was asked for on this slot");
		if (n == 0)
			return invalid(err, "no ranges given");
		facet_ranges(it->second, edges, n, counts);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

const char *xs_results_correction(const xs_results *r)
{
	return r->correction.c_str();
}

xs_status xs_results_snippet(const xs_results *r, const char *text, size_t len, const char *lang,
                             size_t length, char **out, char **err)
{
	try {
		const language *l = language_for(lang);
		if (!l)
			return invalid(err, std::string("unknown language '") + lang + "'");
		std::string in(text, len);
		/* The marks must be unambiguous: drop them from the input. */
		for (char &c : in)
			if (c == XS_MARK_START || c == XS_MARK_END)
				c = ' ';
		*out = dup_string(r->mset.snippet(in, length, l->stem,
		                                  Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
		                                      Xapian::MSet::SNIPPET_EXHAUSTIVE,
		                                  std::string(1, XS_MARK_START),
		                                  std::string(1, XS_MARK_END), "\xE2\x80\xA6"));
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

} // extern "C"
