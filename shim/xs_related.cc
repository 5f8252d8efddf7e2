/*
 * xs_related.cc - documents related to a document, from its own terms:
 * the "more like this" under an FAQ answer or a manual section.
 *
 * This is Xapian's relevance feedback with one relevant document: the
 * document alone is the RSet, the expand set (ESet) ranks its terms by how
 * much they single it out (frequent in it, rare in the index), and the
 * best of them, searched as one OR query, find the documents that share
 * what the document is about; those that share only one of them are
 * left out.  Only the stemmed terms of the general text
 * ("Z" + a lowercase stem) are candidates: filter, id, title and exact-key
 * terms say where a document belongs, not what it says, and the unstemmed
 * forms would count each word twice.
 */
#include "xs_internal.h"

#include <algorithm>
#include <string>
#include <vector>

namespace
{

using namespace xs_impl;

/*
 * The terms worth searching for: stemmed words of the general text field
 * ("Z" and no more prefix: title stems are "ZS...", prefixes are upper
 * case and folded words are not), that some other document has too, and
 * that are not a stop word of either language (stop words are indexed,
 * and a question's "hoe" is rare enough to look telling).
 */
struct telling_terms : Xapian::ExpandDecider {
	explicit telling_terms(const Xapian::Database &db) : db_(db)
	{
	}
	bool operator()(const std::string &term) const override
	{
		if (term.size() < 2 || term[0] != 'Z' || (term[1] >= 'A' && term[1] <= 'Z'))
			return false;
		std::string stem = term.substr(1);
		for (const char *code : {"nl", "en"})
			if (language_for(code)->stopper(stem))
				return false;
		return db_.get_termfreq(term) >= 2;
	}

      private:
	const Xapian::Database &db_;
};

/* Documents that share at least two of the terms: one shared word is
 * too often a coincidence ("plakken" in a returns answer and on a LED
 * strip). */
struct shares_two : Xapian::MatchDecider {
	explicit shares_two(std::vector<std::string> terms) : terms_(std::move(terms))
	{
		std::sort(terms_.begin(), terms_.end());
	}
	bool operator()(const Xapian::Document &doc) const override
	{
		unsigned shared = 0;
		Xapian::TermIterator t = doc.termlist_begin(), end = doc.termlist_end();
		for (const std::string &term : terms_) {
			t.skip_to(term);
			if (t == end)
				break;
			if (*t == term && ++shared == 2)
				return true;
		}
		return false;
	}

      private:
	std::vector<std::string> terms_;
};

void related(xs_db *db, const std::string &uid_term, const xs_query *q, unsigned limit,
             xs_results *r)
{
	Xapian::PostingIterator p = db->db.postlist_begin(uid_term);
	if (p == db->db.postlist_end(uid_term))
		throw Xapian::DocNotFoundError("no document with id '" + uid_term.substr(1) + "'");
	Xapian::RSet rset;
	rset.add_document(*p);
	r->enquire = Xapian::Enquire(db->db);
	telling_terms decider(db->db);
	Xapian::ESet eset = r->enquire.get_eset(XS_RELATED_TERMS, rset, &decider);
	r->items.clear();
	if (eset.empty())
		return; /* a document without text relates to nothing */
	Xapian::Query query(Xapian::Query::OP_OR, eset.begin(), eset.end());
	shares_two shared(std::vector<std::string>(eset.begin(), eset.end()));
	query = Xapian::Query(Xapian::Query::OP_AND_NOT, query, Xapian::Query(uid_term));
	if (q && (!q->filters.empty() || !q->ranges.empty())) {
		/* The filters and ranges as build_query makes them, over an
		 * empty text (which matches everything). */
		xs_query narrow = *q;
		narrow.text.clear();
		std::string unused;
		query = Xapian::Query(Xapian::Query::OP_FILTER, query,
		                      build_query(db, &narrow, &unused));
	}
	r->enquire.set_query(query);
	if (q && q->time_limit > 0)
		r->enquire.set_time_limit(q->time_limit);
	r->mset = r->enquire.get_mset(0, limit, 0, nullptr, &shared);
	for (auto it = r->mset.begin(); it != r->mset.end(); ++it)
		r->items.push_back(
		    {*it, it.get_weight(), it.get_percent(), it.get_document().get_data()});
}

} // namespace

extern "C" {

xs_status xs_db_related(xs_db *db, const char *uid, const xs_query *q, unsigned limit,
                        xs_results **out, char **err)
{
	xs_results *r = nullptr;
	try {
		if (!uid || !*uid)
			return invalid(err, "empty document id");
		std::string term = std::string("Q") + uid;
		if (term.size() > 240)
			return invalid(err, "document id is longer than 239 bytes");
		if (limit > 10000)
			return invalid(err, "limit is larger than 10000");
		r = new xs_results(db->db);
		with_retry(db, [&] { related(db, term, q, limit, r); });
		*out = r;
		return XS_OK;
	} catch (...) {
		delete r;
		return fail(err);
	}
}

} // extern "C"
