/*
 * xs_internal.h - what the shim's C++ files share, never seen by C: the
 * structs behind the opaque handles, the exception barrier and the
 * languages.  One section per file that defines them.
 */
#ifndef VB_XS_INTERNAL_H
#define VB_XS_INTERNAL_H

#include "xs.h"

#include <xapian.h>

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace xs_impl {
struct facet_column;
}

struct xs_db {
	Xapian::Database db; /* a WritableDatabase when writable */
	Xapian::WritableDatabase *wdb = nullptr;
	bool sharded = false;
	/* Facet columns of the revision the handle is at (xs_facets.cc). */
	std::map<unsigned, std::shared_ptr<const xs_impl::facet_column>> columns;
	Xapian::rev columns_rev = 0;
	std::string columns_uuid;
	/* Spelling words of XS_IDX_SPELLING text not yet given to Xapian,
	 * with their counts (see flush_spelling). */
	std::unordered_map<std::string, Xapian::termcount> spelling_pending;
};

struct xs_doc {
	Xapian::Document doc;
	Xapian::termpos pos = 0; /* next free position, for field gaps */
};

struct xs_query {
	std::string text;
	std::string lang = "nl";
	unsigned flags = 0;
	std::map<std::string, std::vector<std::string>> filters;
	struct range {
		unsigned slot;
		double lo, hi;
	};
	std::vector<range> ranges;
	int sort_slot = -1;
	bool sort_desc = false;
	std::vector<unsigned> facets;
	double time_limit = 0; /* seconds; 0: none */
};

/*
 * Records the documents the matcher counts as matches (the set a
 * ValueCountMatchSpy sees), for counting facets against the facet
 * columns (xs_facets.cc) when facet_columns_usable().
 */
class xs_docid_spy : public Xapian::MatchSpy {
public:
	std::vector<Xapian::docid> docids;
	void operator()(const Xapian::Document &doc, double) override
	{
		docids.push_back(doc.get_docid());
	}
	std::string name() const override { return "vraagbaak.DocidSpy"; }
};

struct xs_results {
	/* Declared first so they outlive the Enquire that points to them:
	 * the matches for facets (one database), or one spy per facet slot
	 * (shards). */
	std::unique_ptr<xs_docid_spy> docid_spy;
	std::map<unsigned, std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
	/* Facet counts by slot: per value id of the slot's column, or (with
	 * the spies) per value. */
	struct facet_counts {
		std::shared_ptr<const xs_impl::facet_column> column;
		std::vector<Xapian::doccount> by_id;
		std::vector<std::pair<std::string, Xapian::doccount>> by_value;
	};
	std::map<unsigned, facet_counts> facets;
	Xapian::Enquire enquire;
	Xapian::MSet mset;
	struct item {
		unsigned docid;
		double score;
		int percent;
		std::string data;
	};
	std::vector<item> items;
	std::string correction;
	explicit xs_results(const Xapian::Database &db) : enquire(db) {}
};

namespace xs_impl {

/* ---- xs.cc */

/* A malloc'd copy for C callers (xs_free); throws std::bad_alloc. */
char *dup_string(const std::string &s);
/* Store msg in *err (when err is not NULL). */
void set_err(char **err, const std::string &msg);
/* Call only from inside a catch block: classifies the current exception
 * into a status and a message. */
xs_status fail(char **err);
/* XS_ERR_INVALID with msg. */
xs_status invalid(char **err, const std::string &msg);

/*
 * Give the spelling words counted by xs_doc_index_text to Xapian, each
 * once with its count.  Xapian's own FLAG_SPELLING adds every occurrence
 * by itself, a lookup in its ordered map of changed words each time (and
 * in the table, for the first after a commit); counting in a hash map
 * and adding once per word and batch gives the same spelling data at a
 * fraction of the cost.  Called before everything that commits, reads
 * the spelling data or changes it otherwise, so the order of changes is
 * kept.  No-op for a read-only handle.
 */
void flush_spelling(xs_db *db);

/*
 * Run fn() against db; if the writer moved on past db's snapshot
 * meanwhile (DatabaseModifiedError), reopen and run it once more.
 * fn must have no effect outside its own result, since it may run twice.
 */
template <class F> auto with_retry(xs_db *db, F fn) -> decltype(fn())
{
	try {
		return fn();
	} catch (const Xapian::DatabaseModifiedError &) {
		db->db.reopen();
		return fn();
	}
}

/* ---- xs_facets.cc */

/* Whether db's searches count facets with xs_docid_spy and the facet
 * columns: one local database, read-only. */
bool facet_columns_usable(const xs_db *db);
/* r->facets for slots, from the spies of the search just run on db. */
void count_facets(xs_db *db, const std::vector<unsigned> &slots, xs_results *r);
/* Call cb for the max values (0: all) of c with the highest counts, the
 * most frequent first, equal counts by value. */
void each_facet_value(const xs_results::facet_counts &c, size_t max, xs_facet_cb cb, void *ctx);
/* counts[i]: the matches counted in c whose number is in [edges[i],
 * edges[i+1]) (xs_results_facet_ranges). */
void facet_ranges(const xs_results::facet_counts &c, const double *edges, size_t n,
                  unsigned long *counts);

struct language {
	Xapian::Stem stem;
	Xapian::SimpleStopper stopper;
};
/* The stemmer and stop words of "nl" or "en"; "" and NULL mean no
 * language; nullptr for an unknown code.  Per thread (Xapian's reference
 * counts are not atomic). */
const language *language_for(const char *lang);

/* ---- xs_analyze.cc */

/* Lowercase without accents, the form of every indexed and searched
 * word: "Café Ideeën" gives "cafe ideeen". */
std::string fold(const std::string &text);

/* Add a boolean "XR" term for every long word of folded text, reversed:
 * a suffix index of the vocabulary, through which a word finds the
 * compounds it ends (hoes: afdekhoes) without lengthening documents. */
void index_reversed(Xapian::Document &doc, const std::string &folded);

/* The Xapian query for q: the user's text through the query pipeline,
 * then filters and ranges.  *correction gets the "did you mean" text. */
Xapian::Query build_query(xs_db *db, const xs_query *q, std::string *correction);

/* The words of text as the query pipeline splits them, folded, each with
 * the characters that tie it to the word before ("-" of usb-c), empty
 * after a blank or other separator.  Quotes are dropped. */
struct tied_word {
	std::string word, tie;
};
std::vector<tied_word> words_tied(const std::string &text);

} // namespace xs_impl

#endif
