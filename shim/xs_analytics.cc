/*
 * xs_analytics.cc - xs_analytics.h: query forms for counting and grouping,
 * and a hit's unique id.
 *
 * Counting and grouping must see a query the way the search saw it, or
 * "Zwembad" and "zwembad" would be two top queries while they are one
 * search; so both are built from the query pipeline's own word splitting
 * (words_tied, xs_analyze.cc), folding, stop words and stemmers.
 */
#include "xs_internal.h"
#include "xs_analytics.h"

#include <algorithm>
#include <string>
#include <vector>

using namespace xs_impl;

extern "C" {

xs_status xs_text_normalize(const char *text, char **out, char **err)
{
	try {
		std::string norm;
		for (const auto &w : words_tied(text ? text : "")) {
			if (!norm.empty())
				norm += w.tie.empty() ? " " : w.tie;
			norm += w.word;
		}
		*out = dup_string(norm);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_text_group_key(const char *text, const char *lang, char **out, char **err)
{
	try {
		const language *l = language_for(lang ? lang : "nl");
		if (!l || (lang && !*lang))
			return invalid(err, std::string("unknown language '") + (lang ? lang : "") +
			                        "'");
		std::vector<std::string> keep, all;
		for (const auto &w : words_tied(text ? text : "")) {
			all.push_back(w.word);
			if (l->stopper(w.word))
				continue;
			std::string s = l->stem(w.word);
			keep.push_back(s.empty() ? w.word : s);
		}
		std::vector<std::string> &words = keep.empty() ? all : keep;
		std::sort(words.begin(), words.end());
		words.erase(std::unique(words.begin(), words.end()), words.end());
		std::string key;
		for (const auto &w : words) {
			if (!key.empty())
				key += ' ';
			key += w;
		}
		*out = dup_string(key);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_results_uid(const xs_results *r, size_t i, char **out, char **err)
{
	try {
		if (i >= r->items.size() || i >= r->mset.size())
			return invalid(err, "hit index out of range");
		Xapian::Document doc = r->mset[(Xapian::doccount)i].get_document();
		Xapian::TermIterator t = doc.termlist_begin();
		t.skip_to("Q");
		if (t == doc.termlist_end() || (*t)[0] != 'Q') {
			set_err(err,
			        "document " + std::to_string(r->items[i].docid) + " has no id");
			return XS_ERR_NOT_FOUND;
		}
		*out = dup_string((*t).substr(1));
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

} // extern "C"
