/*
 * xs_answer.cc - how much of a question a document answers, for GET
 * /answer: a chat widget must tell "this FAQ answers it" from "this FAQ
 * merely ranks first", and say nothing in the second case.
 *
 * The ranking alone cannot tell them apart: Xapian's weights are relative
 * to the query, so the best hit of an off-topic question ("kan ik een
 * auto huren") gets a weight like any other.  What can be compared across
 * questions is how much of the question a document covers.  A question's
 * words do not count alike: "retourneren" says more than "jullie", and a
 * word that no document has ("tokio") is exactly what the shop cannot
 * answer.  So each word counts with its idf over the whole index, and a
 * document covers a word when it matches it in any form the query
 * pipeline gives the word (stem, synonyms, correction, compound parts):
 * every word is run through build_query() on its own and the candidates
 * are checked against it with a search filtered to them.  That is exact
 * where a term-by-term check is not: a split compound needs all of its
 * parts, a phrase its words in order.
 *
 * An FAQ's own question matching the customer's says more than a word
 * somewhere in its answer, so the same word queries are also run against
 * the candidates' titles: each title is made a small document of its own,
 * in an in-memory database, with the title words as plain words, so that
 * synonyms, corrections and compound parts count there too.
 */
#include "xs_internal.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace
{

using namespace xs_impl;

/*
 * The words of text for coverage: split at blanks, a "quoted phrase" kept
 * whole, so that "usb-c" or "wachtwoord?" each stay one word as typed
 * (build_query makes of them what a search does).  Duplicates once.
 */
std::vector<std::string> words_of_text(const std::string &text)
{
	std::vector<std::string> out;
	std::string cur;
	bool quoted = false;
	auto flush = [&] {
		if (!cur.empty()) {
			bool seen = false;
			for (const auto &w : out)
				seen = seen || w == cur;
			if (!seen)
				out.push_back(cur);
		}
		cur.clear();
	};
	for (char c : text) {
		if (c == '"')
			quoted = !quoted;
		if (!quoted && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			flush();
		else
			cur += c;
	}
	flush();
	return out;
}

/* Whether a word as typed carries meaning: some part of it (by Xapian's
 * word characters, after folding) is not a stop word of lang. */
bool has_meaning(const std::string &word, const language *lang)
{
	std::string folded = fold(word), part;
	auto meaningful = [&] { return !part.empty() && !lang->stopper(part); };
	for (Xapian::Utf8Iterator it(folded), end; it != end; ++it) {
		if (Xapian::Unicode::is_wordchar(*it)) {
			Xapian::Unicode::append_utf8(part, *it);
			continue;
		}
		if (meaningful())
			return true;
		part.clear();
	}
	return meaningful();
}

/* The unique-id term ("Q...") of a document, "" when it has none. */
std::string uid_term_of(const Xapian::Database &db, Xapian::docid did)
{
	Xapian::TermIterator t = db.termlist_begin(did);
	t.skip_to("Q");
	if (t != db.termlist_end(did) && (*t)[0] == 'Q')
		return *t;
	return std::string();
}

/* Whether term starts with prefix and then a word (prefixes are upper
 * case, folded words are not). */
bool field_term(const std::string &term, const char *prefix)
{
	size_t n = std::strlen(prefix);
	return term.size() > n && term.compare(0, n, prefix) == 0 &&
	       !(term[n] >= 'A' && term[n] <= 'Z');
}

/*
 * A view of a document's title as if it were its whole text: its title
 * words ("S", "ZS" for stems) as plain words ("", "Z"), with their
 * positions, plus its language terms, which the query's synonym targets
 * are filtered by.  A word's query then matches the view when it matches
 * the title.
 */
Xapian::Document title_view(const Xapian::Database &db, Xapian::docid did)
{
	Xapian::Document view;
	for (auto t = db.termlist_begin(did); t != db.termlist_end(did); ++t) {
		const std::string term = *t;
		std::string as;
		if (field_term(term, "S"))
			as = term.substr(1);
		else if (field_term(term, "ZS"))
			as = "Z" + term.substr(2);
		else if (term[0] == 'L')
			as = term;
		else
			continue;
		if (t.positionlist_count() == 0) {
			view.add_term(as, t.get_wdf());
			continue;
		}
		for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
			view.add_posting(as, *p);
	}
	return view;
}

/* The documents among those of db that match query (db's docids). */
std::vector<Xapian::docid> matching(const Xapian::Database &db, const Xapian::Query &query,
                                    Xapian::doccount max)
{
	std::vector<Xapian::docid> out;
	Xapian::Enquire enquire(db);
	enquire.set_query(query);
	Xapian::MSet hits = enquire.get_mset(0, max);
	for (auto h = hits.begin(); h != hits.end(); ++h)
		out.push_back(*h);
	return out;
}

void coverage(xs_db *db, const xs_query *q, const std::vector<Xapian::docid> &docs,
              std::vector<double> &text, std::vector<double> &title)
{
	text.assign(docs.size(), 0.0);
	title.assign(docs.size(), 0.0);
	if (docs.empty())
		return;
	const language *lang = language_for(q->lang.c_str());
	std::vector<std::string> words = words_of_text(q->text);
	Xapian::doccount n = db->db.get_doccount();
	/* The candidates: by their id terms in the index, and their titles
	 * as documents 1..k of a small database of their own. */
	std::vector<Xapian::Query> ids;
	Xapian::WritableDatabase titles(std::string(), Xapian::DB_BACKEND_INMEMORY);
	for (Xapian::docid did : docs) {
		std::string t = uid_term_of(db->db, did);
		if (!t.empty())
			ids.emplace_back(t);
		titles.add_document(title_view(db->db, did));
	}
	Xapian::Query among(Xapian::Query::OP_OR, ids.begin(), ids.end());
	Xapian::doccount k = (Xapian::doccount)docs.size();
	double total = 0;
	size_t counted = 0;
	for (size_t i = 0; i < words.size() && counted < XS_COVERAGE_WORDS; i++) {
		if (!has_meaning(words[i], lang))
			continue;
		counted++;
		xs_query one;
		one.text = words[i];
		one.lang = q->lang;
		/* The last word is unfinished only if the text was. */
		one.flags = q->flags & ~(unsigned)XS_QF_PARTIAL;
		if (i + 1 == words.size())
			one.flags |= q->flags & XS_QF_PARTIAL;
		std::string correction;
		Xapian::Query word = build_query(db, &one, &correction);
		Xapian::Enquire enquire(db->db);
		enquire.set_query(word);
		/* Exact up to a bound that keeps a common word on a big index
		 * cheap; beyond it an estimate changes the idf very little. */
		Xapian::doccount df = enquire.get_mset(0, 0, std::min<Xapian::doccount>(n, 10000))
		                          .get_matches_estimated();
		double idf = std::log(1.0 + ((double)n - df + 0.5) / ((double)df + 0.5));
		total += idf;
		if (df == 0)
			continue;
		for (Xapian::docid did :
		     matching(db->db, Xapian::Query(Xapian::Query::OP_FILTER, word, among), k))
			for (size_t d = 0; d < docs.size(); d++)
				if (docs[d] == did)
					text[d] += idf;
		for (Xapian::docid view : matching(titles, word, k))
			title[view - 1] += idf;
	}
	if (total > 0) {
		for (size_t d = 0; d < docs.size(); d++) {
			text[d] /= total;
			title[d] /= total;
		}
	}
}

} // namespace

extern "C" {

xs_status xs_results_coverage(const xs_results *r, xs_db *db, const xs_query *q, double *text,
                              double *title, char **err)
{
	try {
		std::vector<Xapian::docid> docs;
		for (const auto &it : r->items)
			docs.push_back(it.docid);
		std::vector<double> by_text, by_title;
		with_retry(db, [&] { coverage(db, q, docs, by_text, by_title); });
		for (size_t i = 0; i < docs.size(); i++) {
			text[i] = by_text[i];
			if (title)
				title[i] = by_title[i];
		}
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

} // extern "C"
