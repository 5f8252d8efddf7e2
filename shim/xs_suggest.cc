/*
 * xs_suggest.cc - completing the word a customer is typing from the
 * index's own vocabulary, for suggestions under a search bar.
 *
 * A search bar asks on every keystroke, so this reads only the term
 * dictionary, never a posting list: the unprefixed word terms that start
 * with what was typed (their document counts come with the dictionary),
 * and the same words under the title prefix "S", because a word that
 * names products and questions is a better completion than one that only
 * occurs in running text.  Both scans stop after XS_COMPLETE_SCAN terms,
 * which keeps a one-letter prefix fast on a large index at the price of
 * not seeing words late in the alphabet there; every further letter
 * narrows the range, so the words wanted come into view quickly.
 */
#include "xs_internal.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

using namespace xs_impl;

struct candidate {
	std::string word;
	Xapian::doccount freq;       /* documents with the word; 0: not scanned */
	Xapian::doccount title_freq; /* documents with it in their title */
};

/*
 * Whether a word is worth offering.  One-letter words, numbers and codes
 * without a letter ("366", "2024") and stop words would crowd out the
 * words people search for.  The vocabulary is shared by every language in
 * the index, so the stop words of each language are left out, not only
 * those of the language asked for ("and" in a Dutch shop with English
 * pages).
 */
bool worth_offering(const std::string &word)
{
	static const char *const langs[] = {"nl", "en"};
	size_t chars = 0;
	bool letter = false;
	for (Xapian::Utf8Iterator it(word); it != Xapian::Utf8Iterator(); ++it) {
		unsigned ch = *it;
		chars++;
		if (ch < 0x80) {
			letter = letter || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
			continue;
		}
		switch (Xapian::Unicode::get_category(ch)) {
		case Xapian::Unicode::UPPERCASE_LETTER:
		case Xapian::Unicode::LOWERCASE_LETTER:
		case Xapian::Unicode::TITLECASE_LETTER:
		case Xapian::Unicode::MODIFIER_LETTER:
		case Xapian::Unicode::OTHER_LETTER:
			letter = true;
			break;
		default:
			break;
		}
	}
	if (chars < 2 || !letter)
		return false;
	for (const char *code : langs)
		if (language_for(code)->stopper(word))
			return false;
	return true;
}

/* Up to XS_COMPLETE_SCAN words from the term dictionary that start with
 * prefix (folded), each with the number of documents holding it. */
std::vector<candidate> scan(const Xapian::Database &db, const std::string &prefix)
{
	std::vector<candidate> words;
	words.reserve(XS_COMPLETE_SCAN);
	size_t seen = 0;
	for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
		if (++seen > XS_COMPLETE_SCAN)
			break;
		words.push_back({*t, t.get_termfreq(), 0});
	}
	/* Title words, merged into the list (both are in term order).  A
	 * title word past the end of a cut-off word scan is added with its
	 * document count unknown for now. */
	const std::string title_prefix = "S" + prefix;
	const size_t scanned = words.size();
	size_t w = 0;
	seen = 0;
	for (auto t = db.allterms_begin(title_prefix); t != db.allterms_end(title_prefix); ++t) {
		if (++seen > XS_COMPLETE_SCAN)
			break;
		const std::string term = *t;
		int cmp = -1;
		while (w < scanned && (cmp = words[w].word.compare(0, std::string::npos, term, 1,
		                                                    std::string::npos)) < 0)
			++w;
		if (w < scanned && cmp == 0)
			words[w].title_freq = t.get_termfreq();
		else
			words.push_back({term.substr(1), 0, t.get_termfreq()});
	}
	return words;
}

/* Best first: words that occur in titles before words that don't, each
 * by the number of documents with them; ties alphabetically, so the order
 * is stable.  A word whose count is not known yet ranks by its titles,
 * the least it can have. */
bool better(const candidate &a, const candidate &b)
{
	if ((a.title_freq > 0) != (b.title_freq > 0))
		return a.title_freq > 0;
	Xapian::doccount fa = a.freq ? a.freq : a.title_freq;
	Xapian::doccount fb = b.freq ? b.freq : b.title_freq;
	if (fa != fb)
		return fa > fb;
	return a.word < b.word;
}

/* The completions to report, best first, at most max of them. */
std::vector<candidate> complete(const Xapian::Database &db, const std::string &prefix,
                                const language &lang, size_t max)
{
	std::vector<candidate> words = scan(db, prefix);
	/* Only the first few in order are wanted, out of thousands with a
	 * short prefix: a heap gives them without sorting the rest. */
	auto worse = [](const candidate &a, const candidate &b) { return better(b, a); };
	std::make_heap(words.begin(), words.end(), worse);
	/* Inflections of one word ("zwembad", "zwembaden") are one
	 * suggestion: the best of them stands for the rest. */
	std::unordered_set<std::string> stems;
	std::vector<candidate> out;
	for (auto end = words.end(); end != words.begin() && out.size() < max; --end) {
		std::pop_heap(words.begin(), end, worse);
		candidate &c = *(end - 1);
		if (!worth_offering(c.word) || !stems.insert(lang.stem(c.word)).second)
			continue;
		if (!c.freq)
			c.freq = db.get_termfreq(c.word);
		out.push_back(std::move(c));
	}
	return out;
}

} // namespace

extern "C" {

xs_status xs_db_complete(xs_db *db, const char *prefix, const char *lang, size_t max,
                         xs_complete_cb cb, void *ctx, char **err)
{
	try {
		if (!lang)
			lang = "nl";
		const language *l = language_for(lang);
		if (!l || !*lang)
			return invalid(err, std::string("unknown language '") + lang + "'");
		/* Word terms are folded (lowercase, no accents, as the index
		 * writes them) and carry no prefix; an empty prefix
		 * would scan the prefixed terms (filters, ids) instead. */
		const std::string folded = fold(prefix ? prefix : "");
		if (folded.empty() || max == 0)
			return XS_OK;
		std::vector<candidate> words =
			with_retry(db, [&] { return complete(db->db, folded, *l, max); });
		/* Called only once the words are known, so a retry never calls
		 * back twice and cb never runs with an exception in flight. */
		for (const candidate &c : words)
			cb(ctx, c.word.c_str(), c.freq);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

} // extern "C"
