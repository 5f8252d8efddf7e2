/*
 * xs_analyze.cc - the query pipeline: from what a customer typed to the
 * Xapian query that finds what they meant, and the index-side analysis
 * that pipeline relies on.
 *
 * Customers type their own words, with typos, half words and Dutch
 * compounds.  The query is built in two layers:
 *
 *   1. Xapian's QueryParser over the folded text: words (stemmed), quoted
 *      phrases that match exactly, stop words, "title:", and the
 *      unfinished last word as a prefix.
 *   2. Alternatives OR'ed to it, found per word by one pipeline over the
 *      index's own vocabulary:
 *        normalise   case and accents folded (the index is folded too)
 *        split       a compound the index doesn't know as such is split
 *                    into parts it does know (zwembadfilter: zwembad +
 *                    filter); adjacent words are joined into a compound
 *                    the index has (wachtwoord wijzigen:
 *                    wachtwoordwijziging); a Dutch word also matches as
 *                    the last part of a compound (hoes: afdekhoes)
 *        stem        every alternative is searched by its stem
 *        synonyms    the editors' rules, looked up by the words as typed
 *                    and by their stems, on every word and on the words
 *                    the steps around them produce
 *        typos       a word the index doesn't know (and that no rule or
 *                    split explains) is corrected from the spelling data;
 *                    the correction goes through split and synonyms too,
 *                    so "aquacentrm" finds what "aquacentrum" finds
 *      plus an exact-match key: a query that is a product's whole name,
 *      SKU, EAN or brand puts that product first.
 *
 * The alternatives only add: a document the typed words find is still
 * found, and ranks by the same words.  Words in quotes get no
 * alternatives.
 */
#include "xs_internal.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace xs_impl {

namespace {

/* Weights of the alternatives, relative to a typed word (1).  Tuned on
 * tests/relevance/ (make eval). */
const double W_EXACT = 4.0;   /* the whole query is a name, SKU or EAN */
const double W_SYNONYM = 0.9; /* an editor's synonym */
const double W_SPLIT = 1.0;   /* the parts of a compound typed as one word */
const double W_JOIN = 1.0;    /* a compound of two words typed apart */
const double W_COMPLETION = 0.3; /* a longer word the last word may become */
const double W_TAIL = 0.4;    /* a word as the last part of a compound */

/* Compounds: parts and tails shorter than this are too often accidents
 * (bes+telling).  In code points. */
const size_t MIN_PART = 3;
const size_t MIN_TAIL_HEAD = 4, MIN_TAIL = 4;
const size_t MIN_SPLIT_WORD = 7;

/* Latin Extended-A (U+0100..U+017F) without accents; '*' marks the two
 * ligatures that fold to two letters. */
const char latin_ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkk"
                           "llllllllllnnnnnnnnnoooooo**rrrrrrsssssssstttttt"
                           "uuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(sizeof latin_ext_a == 0x80 + 1, "one letter per code point");
/* Latin-1 U+00E0..U+00FF (lowercase) without accents; '*' as above, '-'
 * keeps the character (the division sign). */
const char latin_1[] = "aaaaaa*ceeeeiiiidnooooo-ouuuuy*y";
static_assert(sizeof latin_1 == 0x20 + 1, "one letter per code point");

/* Append c (lowercase) to out without its accents. */
void fold_append(std::string &out, unsigned c)
{
	if (c >= 0x300 && c <= 0x36F) /* combining marks of decomposed text */
		return;
	if (c == 0xDF) {
		out += "ss";
	} else if (c >= 0xE0 && c <= 0xFF && latin_1[c - 0xE0] != '-') {
		char f = latin_1[c - 0xE0];
		if (f == '*')
			out += c == 0xE6 ? "ae" : "th";
		else
			out += f;
	} else if (c >= 0x100 && c <= 0x17F) {
		char f = latin_ext_a[c - 0x100];
		if (f == '*')
			out += c < 0x140 ? "ij" : "oe";
		else
			out += f;
	} else {
		Xapian::Unicode::append_utf8(out, c);
	}
}

struct token {
	std::string word;  /* folded */
	size_t start, end; /* bytes in the folded text */
	unsigned quote;    /* which "..." it is in; 0: none */
	bool joined;       /* tied to the word before by - / . ' @ without a space */
};

/*
 * The words of folded text, by Xapian's notion of a word character, so
 * that they agree with the terms TermGenerator makes.  A word keeps up to
 * three trailing '+' or '#' ("a++", "c#"), as Xapian's do.
 */
std::vector<token> tokenize(const std::string &s)
{
	std::vector<token> out;
	unsigned quotes = 0;
	bool in_quote = false;
	const char *base = s.data();
	Xapian::Utf8Iterator it(s), end;
	while (it != end) {
		unsigned c = *it;
		if (c == '"') {
			in_quote = !in_quote;
			quotes += in_quote;
			++it;
			continue;
		}
		if (!Xapian::Unicode::is_wordchar(c)) {
			++it;
			continue;
		}
		token t;
		t.start = (size_t)(it.raw() - base);
		t.quote = in_quote ? quotes : 0;
		t.joined = false;
		if (!out.empty() && out.back().quote == t.quote && out.back().end < t.start) {
			t.joined = true;
			for (size_t i = out.back().end; i < t.start; i++)
				if (!std::strchr("-/.'@", s[i]))
					t.joined = false;
		}
		while (it != end && Xapian::Unicode::is_wordchar(*it))
			++it;
		size_t stop = it == end ? s.size() : (size_t)(it.raw() - base);
		size_t suffix = 0;
		while (stop + suffix < s.size() && suffix < 3 &&
		       (s[stop + suffix] == '+' || s[stop + suffix] == '#'))
			suffix++;
		if (suffix && (stop + suffix == s.size() ||
		               !Xapian::Unicode::is_wordchar((unsigned char)s[stop + suffix]))) {
			stop += suffix;
			while (it != end && it.raw() - base < (ptrdiff_t)stop)
				++it;
		}
		t.end = stop;
		t.word = s.substr(t.start, t.end - t.start);
		out.push_back(std::move(t));
	}
	return out;
}

size_t code_points(const std::string &s)
{
	size_t n = 0;
	for (unsigned char c : s)
		n += (c & 0xC0) != 0x80;
	return n;
}

/* Byte offset of code point i in s (s.size() past the end). */
size_t byte_at(const std::string &s, size_t i)
{
	size_t b = 0;
	for (; b < s.size(); b++)
		if (((unsigned char)s[b] & 0xC0) != 0x80 && i-- == 0)
			return b;
	return s.size();
}

/* s with its code points in reverse order. */
std::string reversed(const std::string &s)
{
	std::string out;
	out.reserve(s.size());
	size_t end = s.size();
	while (end > 0) {
		size_t start = end - 1;
		while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
			start--;
		out.append(s, start, end - start);
		end = start;
	}
	return out;
}

std::string join(const std::vector<std::string> &words, const char *sep)
{
	std::string out;
	for (const auto &w : words) {
		if (!out.empty() && *sep)
			out += sep;
		out += w;
	}
	return out;
}

std::vector<std::string> words_of(const std::string &text)
{
	std::vector<std::string> out;
	for (auto &t : tokenize(fold(text)))
		out.push_back(std::move(t.word));
	return out;
}

/* The synonym-table key of words stemmed in language code. */
std::string stem_key(const language *lang, const char *code, const std::vector<std::string> &words)
{
	std::string key = std::string("Z") + code + ":";
	for (size_t i = 0; i < words.size(); i++)
		key += (i ? " " : "") + lang->stem(words[i]);
	return key;
}

const char *const stem_codes[] = {"nl", "en"};

/* Xapian's limit on a term's length, with room for a prefix. */
const size_t MAX_TERM = 240;

/*
 * The per-query view of the index: vocabulary lookups and the queries
 * for a word, a phrase, a compound.
 */
class analyzer {
public:
	/* field: the term prefix searched ("" all text, "S" titles). */
	analyzer(const Xapian::Database &db, const language *lang, const std::string &code,
	         const std::string &field, bool synonyms)
		: db_(db), lang_(lang), code_(code), field_(field), use_synonyms_(synonyms)
	{
	}

	Xapian::doccount freq(const std::string &term) const
	{
		return term.size() > MAX_TERM ? 0 : db_.get_termfreq(term);
	}

	std::string stem(const std::string &w) const { return lang_->stem(w); }

	std::string raw_term(const std::string &w) const { return field_ + w; }

	/* The term a word is searched by: its stem, as Xapian's
	 * TermGenerator writes it. */
	std::string word_term(const std::string &w) const
	{
		std::string s = stem(w);
		return s.empty() ? raw_term(w) : "Z" + field_ + s;
	}

	/* Documents that have the word in any form. */
	Xapian::doccount word_freq(const std::string &w) const
	{
		return std::max(freq(raw_term(w)), freq(word_term(w)));
	}

	/* The words a word being typed may become (the most frequent
	 * hundred). */
	Xapian::Query completions(const std::string &w) const
	{
		return Xapian::Query(Xapian::Query::OP_WILDCARD, raw_term(w), 100,
		                     Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
	}

	/* A rule's target, counted only in documents of the query's
	 * language: "sand filter" is a synonym for Dutch customers of Dutch
	 * pages, not a reason to show them the English manual. */
	Xapian::Query target_query(const std::string &phrase) const
	{
		return Xapian::Query(Xapian::Query::OP_FILTER, phrase_query(phrase),
		                     Xapian::Query("L" + code_));
	}

	bool is_stop(const std::string &w) const { return lang_->stopper(w); }

	bool compounds() const { return code_ == "nl" && field_.empty(); }

	bool has_prefix(const std::string &prefix) const
	{
		std::string p = raw_term(prefix);
		if (p.size() > MAX_TERM)
			return false;
		return db_.allterms_begin(p) != db_.allterms_end(p);
	}

	/* The targets of the rules whose left side is these words: by the
	 * words as typed, else by their stems. */
	std::vector<std::string> synonyms(const std::vector<std::string> &words) const
	{
		std::vector<std::string> out;
		std::string raw = join(words, " ");
		if (!use_synonyms_ || raw.size() > MAX_TERM)
			return out;
		for (auto s = db_.synonyms_begin(raw); s != db_.synonyms_end(raw); ++s)
			out.push_back(*s);
		if (out.empty() && !stem(words[0]).empty()) {
			std::string key = stem_key(lang_, code_.c_str(), words);
			for (auto s = db_.synonyms_begin(key); s != db_.synonyms_end(key); ++s)
				out.push_back(*s);
		}
		return out;
	}

	/* One word, in any form. */
	Xapian::Query word_query(const std::string &w) const { return Xapian::Query(word_term(w)); }

	/* A phrase from a rule: all its words, in any form. */
	Xapian::Query phrase_query(const std::string &phrase) const
	{
		std::vector<Xapian::Query> parts;
		for (const auto &t : tokenize(phrase))
			parts.push_back(word_query(t.word));
		if (parts.size() == 1)
			return parts[0];
		return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
	}

	/*
	 * The compounds the index has that end in w (as typed or by its
	 * stem): hoes gives afdekhoes, pomp gives warmtepomp.  Found through
	 * the reversed long words (index_reversed), so their heads are
	 * known to be at least MIN_TAIL_HEAD long.  An empty query when none.
	 */
	Xapian::Query tail_query(const std::string &w) const
	{
		std::vector<std::string> found;
		if (!compounds() || code_points(w) < MIN_TAIL)
			return Xapian::Query();
		std::string s = stem(w);
		for (const std::string &end : {w, s}) {
			if (end.empty() || code_points(end) < MIN_TAIL || (&end == &s && s == w))
				continue;
			std::string prefix = "XR" + reversed(end);
			unsigned seen = 0;
			for (auto t = db_.allterms_begin(prefix);
			     t != db_.allterms_end(prefix) && seen < 200 && found.size() < 30;
			     ++t, ++seen) {
				std::string word = reversed((*t).substr(2));
				if (code_points(word) >= code_points(end) + MIN_TAIL_HEAD)
					found.push_back(word_term(word));
			}
		}
		if (found.empty())
			return Xapian::Query();
		std::sort(found.begin(), found.end());
		found.erase(std::unique(found.begin(), found.end()), found.end());
		return Xapian::Query(Xapian::Query::OP_SYNONYM, found.begin(), found.end());
	}

	/*
	 * Split a compound into parts the index knows, after Koehn and
	 * Knight: of the two-part splits, the one whose parts are most
	 * frequent wins, and only when they are more frequent than the word
	 * itself; three parts only when no two-part split exists (a
	 * frequent short part must not break up a known compound:
	 * warmtepomp+hoes, not warmte+pomp+hoes).  A Dutch linking -s-
	 * between parts is allowed.  Empty when no split beats the word.
	 */
	std::vector<std::string> split(const std::string &w, bool allow_three = true) const
	{
		std::vector<std::string> best;
		size_t n = code_points(w);
		if (n < 2 * MIN_PART)
			return best;
		double whole = (double)word_freq(w), best_score = whole;
		std::vector<std::pair<std::string, std::string>> unknown_tails;
		for (size_t i = MIN_PART; i + MIN_PART <= n; i++) {
			size_t b = byte_at(w, i);
			std::string head = w.substr(0, b), tail = w.substr(b);
			for (int linking = 0; linking < 2; linking++) {
				std::string h = head;
				if (linking) {
					if (h.back() != 's' || code_points(h) <= MIN_PART)
						break;
					h.pop_back();
				}
				double fh = part_freq(h);
				if (fh == 0)
					continue;
				double ft = part_freq(tail);
				if (ft == 0) {
					unknown_tails.emplace_back(h, tail);
					continue;
				}
				double score = std::sqrt(fh * ft);
				if (score > best_score) {
					best_score = score;
					best = {h, tail};
				}
			}
		}
		if (!best.empty() || !allow_three)
			return best;
		for (const auto &ht : unknown_tails) {
			std::vector<std::string> sub = split(ht.second, false);
			if (sub.empty())
				continue;
			double score =
				std::cbrt(part_freq(ht.first) * part_freq(sub[0]) * part_freq(sub[1]));
			if (score > best_score) {
				best_score = score;
				best = {ht.first, sub[0], sub[1]};
			}
		}
		return best;
	}

	/* How often a part occurs; a word only rules know counts once. */
	double part_freq(const std::string &w) const
	{
		double f = (double)word_freq(w);
		if (f == 0 && !synonyms({w}).empty())
			f = 1;
		return f;
	}

	/*
	 * The compounds the index has that join these words (the last one by
	 * its stem, or as typed when it is unfinished), with or without a
	 * linking -s-: "wachtwoord wijzigen" gives wachtwoordwijziging.
	 */
	std::vector<std::string> joins(const std::vector<std::string> &words, bool last_partial) const
	{
		std::vector<std::string> out;
		std::string head;
		for (size_t i = 0; i + 1 < words.size(); i++)
			head += words[i];
		std::string last = words.back();
		if (!last_partial) {
			std::string s = stem(last);
			if (!s.empty() && last.compare(0, s.size(), s) == 0)
				last = s;
		}
		for (const std::string &link : {std::string(), std::string("s")}) {
			std::string prefix = head + link + last;
			if (prefix.size() > MAX_TERM)
				continue;
			unsigned seen = 0;
			for (auto t = db_.allterms_begin(prefix);
			     t != db_.allterms_end(prefix) && seen < 50; ++t, ++seen) {
				/* Inflections of the compound, not longer compounds. */
				if ((*t).size() <= prefix.size() + 4 && out.size() < 8)
					out.push_back(*t);
			}
		}
		return out;
	}

	/* The spelling correction of an unknown word, at most max_edits
	 * away (one for short words). */
	std::string correct(const std::string &w, unsigned max_edits) const
	{
		if (code_points(w) <= 4)
			max_edits = 1;
		return db_.get_spelling_suggestion(w, max_edits);
	}

private:
	const Xapian::Database &db_;
	const language *lang_;
	std::string code_;
	std::string field_;
	bool use_synonyms_;
};

Xapian::Query scaled(Xapian::Query q, double w)
{
	return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, w);
}

/* The exact-match keys of text: its words joined by a space, and joined
 * without ("TB-ZW-1001": "tb zw 1001", "tbzw1001"). */
std::vector<std::string> exact_keys(const std::vector<std::string> &words)
{
	std::vector<std::string> keys;
	if (words.empty())
		return keys;
	std::string spaced = "XE" + join(words, " "), compact = "XE" + join(words, "");
	if (spaced.size() <= MAX_TERM)
		keys.push_back(spaced);
	if (compact != spaced && compact.size() <= MAX_TERM)
		keys.push_back(compact);
	return keys;
}

/* A run of tokens searched as one unit: a word, or a phrase (quoted, or
 * words tied by hyphens and the like: "usb-c", "tb-zw-1001"). */
struct unit {
	size_t first, last; /* token indices, inclusive */
	bool phrase() const { return last > first; }
};

std::vector<unit> units_of(const std::vector<token> &toks)
{
	std::vector<unit> units;
	for (size_t i = 0; i < toks.size(); i++) {
		bool same = !units.empty() &&
		            ((toks[i].quote && toks[i].quote == toks[i - 1].quote) || toks[i].joined);
		if (same)
			units.back().last = i;
		else
			units.push_back({i, i});
	}
	return units;
}

/*
 * Build the query for the tokens of folded text.  Each word is one
 * OP_SYNONYM group of everything it may stand for (its stem, its
 * completions while it is typed, its synonyms, its correction, the parts
 * of a compound), so a document is not counted twice for having the word
 * and its synonym; words are OR'ed (AND with XS_QF_AND).  Then weaker
 * alternatives are added: tails of compounds, compounds of words typed
 * apart, synonyms of several words, the exact-match key.  *corrected gets
 * the folded text with its typos corrected ("" when none).
 */
Xapian::Query compose(const analyzer &an, const std::string &folded, unsigned flags,
                      std::string *corrected)
{
	std::vector<token> toks = tokenize(folded);
	std::vector<unit> units = units_of(toks);
	bool plain = !(flags & (XS_QF_TITLES | XS_QF_AND)); /* alternatives wanted */
	/* The unfinished last word of search as you type. */
	bool partial_last = (flags & XS_QF_PARTIAL) && !toks.empty() &&
	                    toks.back().end == folded.size() && !toks.back().quote &&
	                    !units.back().phrase();
	std::vector<Xapian::Query> words, stops, alts;
	std::vector<std::pair<size_t, std::string>> fixes;

	/* Synonyms of one word join its group; a target of several words
	 * ("werkt niet") is an alternative of its own, scaled down by its
	 * length, since a group counts each of its words' occurrences. */
	auto synonym_queries = [&](const std::vector<std::string> &ws) {
		std::vector<Xapian::Query> qs;
		for (const auto &s : an.synonyms(ws)) {
			size_t n = tokenize(s).size();
			if (n == 1)
				qs.push_back(an.target_query(s));
			else if (n > 1)
				alts.push_back(scaled(an.target_query(s), W_SYNONYM / (double)n));
		}
		return qs;
	};
	/* A compound's parts, each with its synonyms, or as the end of
	 * another compound (warmtepomphoes: warmtepomp + afdekhoes). */
	auto split_query = [&](const std::string &w, Xapian::Query *out) {
		if (!an.compounds() || code_points(w) < MIN_SPLIT_WORD)
			return false;
		std::vector<std::string> parts = an.split(w);
		if (parts.empty())
			return false;
		std::vector<Xapian::Query> qs;
		for (const auto &p : parts) {
			std::vector<Xapian::Query> forms = synonym_queries({p});
			forms.insert(forms.begin(), an.word_query(p));
			Xapian::Query part(Xapian::Query::OP_SYNONYM, forms.begin(), forms.end());
			Xapian::Query tails = an.tail_query(p);
			if (!tails.empty())
				part = Xapian::Query(Xapian::Query::OP_OR, part, scaled(tails, W_TAIL));
			qs.push_back(part);
		}
		*out = scaled(Xapian::Query(Xapian::Query::OP_AND, qs.begin(), qs.end()), W_SPLIT);
		return true;
	};

	for (const unit &u : units) {
		if (u.phrase()) {
			std::vector<Xapian::Query> terms;
			std::string glued;
			for (size_t i = u.first; i <= u.last; i++) {
				terms.emplace_back(an.raw_term(toks[i].word));
				glued += toks[i].word;
			}
			Xapian::Query q(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(),
			                (Xapian::termcount)terms.size());
			/* "wi-fi" is also written "wifi". */
			if (!toks[u.first].quote && an.freq(an.raw_term(glued)) > 0)
				q = Xapian::Query(Xapian::Query::OP_SYNONYM, q,
				                  Xapian::Query(an.raw_term(glued)));
			words.push_back(q);
			continue;
		}
		const token &t = toks[u.first];
		const std::string &w = t.word;
		bool partial = partial_last && u.first + 1 == toks.size();
		/* A word being typed: what it may become, in its group when
		 * it is no word yet ("zwemb"), else as a weak alternative, so
		 * that "groen" is not outweighed by "groene" and "groenten". */
		bool is_word = an.word_freq(w) > 0;
		std::vector<Xapian::Query> forms{an.word_query(w)};
		if (partial && (!is_word || !plain))
			forms.push_back(an.completions(w));
		else if (partial && plain)
			alts.push_back(scaled(an.completions(w), W_COMPLETION));
		if (an.is_stop(w) || t.quote) {
			(t.quote ? words : stops).push_back(forms[0]);
			continue;
		}
		if (!plain) {
			words.emplace_back(Xapian::Query::OP_SYNONYM, forms.begin(), forms.end());
			continue;
		}
		std::vector<Xapian::Query> syns = synonym_queries({w});
		forms.insert(forms.end(), syns.begin(), syns.end());
		Xapian::Query parts;
		bool was_split = split_query(w, &parts);
		if (was_split)
			alts.push_back(parts);
		bool known = is_word || (partial && an.has_prefix(w));
		/* An unknown word is corrected; when it also splits, only by
		 * one edit (warmtpomp: warmtepomp, not warmt + pomp alone). */
		if (!known && syns.empty() && (flags & XS_QF_SPELLING) && code_points(w) >= 2) {
			std::string c = an.correct(w, was_split ? 1 : 2);
			if (!c.empty() && c != w) {
				fixes.emplace_back(u.first, c);
				forms.push_back(an.word_query(c));
				std::vector<Xapian::Query> csyns = synonym_queries({c});
				forms.insert(forms.end(), csyns.begin(), csyns.end());
				if (split_query(c, &parts))
					alts.push_back(parts);
			}
		}
		words.emplace_back(Xapian::Query::OP_SYNONYM, forms.begin(), forms.end());
		/* A Dutch word also names the compounds it ends. */
		Xapian::Query tails = an.tail_query(w);
		if (!tails.empty())
			alts.push_back(scaled(tails, W_TAIL));
	}
	/* A query of stop words only ("the who") searches them after all. */
	if (words.empty())
		words.swap(stops);

	std::string fixed = folded;
	for (auto f = fixes.rbegin(); f != fixes.rend(); ++f)
		fixed.replace(toks[f->first].start, toks[f->first].end - toks[f->first].start,
		              f->second);
	*corrected = fixes.empty() ? std::string() : fixed;

	Xapian::Query query((flags & XS_QF_AND) ? Xapian::Query::OP_AND : Xapian::Query::OP_OR,
	                    words.begin(), words.end());
	if (!plain)
		return query;

	for (size_t i = 0; i < toks.size(); i++) {
		if (toks[i].quote)
			continue;
		/* Synonyms of two or three words ("geld terug"). */
		std::vector<std::string> ws{toks[i].word};
		for (size_t j = i + 1; j < toks.size() && j < i + 3 && !toks[j].quote; j++) {
			ws.push_back(toks[j].word);
			std::vector<Xapian::Query> syns = synonym_queries(ws);
			if (!syns.empty())
				alts.push_back(scaled(Xapian::Query(Xapian::Query::OP_OR, syns.begin(),
				                                    syns.end()),
				                      W_SYNONYM));
		}
		/* Words typed apart that the index has as one compound: two or
		 * three adjacent words, stop words excepted. */
		if (!an.compounds())
			continue;
		std::vector<std::string> run;
		for (size_t j = i; j < toks.size() && j < i + 3; j++) {
			const token &t = toks[j];
			if (t.quote || an.is_stop(t.word) || code_points(t.word) < MIN_PART)
				break;
			run.push_back(t.word);
			if (run.size() < 2)
				continue;
			std::vector<std::string> terms =
				an.joins(run, partial_last && j + 1 == toks.size());
			/* A compound stands for all the words it joins. */
			if (!terms.empty())
				alts.push_back(scaled(Xapian::Query(Xapian::Query::OP_SYNONYM,
				                                    terms.begin(), terms.end()),
				                      W_JOIN * (double)run.size() / 2));
		}
	}

	/* The whole query as a product's name, SKU, EAN or brand. */
	std::vector<std::string> all;
	for (const auto &t : toks)
		all.push_back(t.word);
	std::vector<std::string> keys = exact_keys(all);
	if (!keys.empty())
		alts.push_back(scaled(Xapian::Query(Xapian::Query::OP_OR, keys.begin(), keys.end()),
		                      W_EXACT));
	if (alts.empty())
		return query;
	alts.insert(alts.begin(), query);
	return Xapian::Query(Xapian::Query::OP_OR, alts.begin(), alts.end());
}

} // namespace

std::string fold(const std::string &text)
{
	std::string out;
	out.reserve(text.size());
	for (Xapian::Utf8Iterator it(text), end; it != end; ++it) {
		unsigned c = Xapian::Unicode::tolower(*it);
		if (c < 0x80)
			out += (char)c;
		else
			fold_append(out, c);
	}
	return out;
}

Xapian::Query build_query(xs_db *db, const xs_query *q, std::string *correction)
{
	const language *lang = language_for(q->lang.c_str());
	Xapian::Query query;
	std::string folded = fold(q->text);
	correction->clear();
	if (folded.find_first_not_of(" \t\r\n") == std::string::npos) {
		/* Not the static Query::MatchAll: copying a shared object would
		 * touch its non-atomic reference count from several threads. */
		query = Xapian::Query(std::string());
	} else {
		analyzer an(db->db, lang, q->lang, (q->flags & XS_QF_TITLES) ? "S" : "",
		            q->flags & XS_QF_SYNONYMS);
		query = compose(an, folded, q->flags, correction);
	}

	std::vector<Xapian::Query> filters;
	for (const auto &group : q->filters)
		filters.emplace_back(Xapian::Query::OP_OR, group.second.begin(), group.second.end());
	for (const auto &r : q->ranges) {
		if (std::isinf(r.lo) && std::isinf(r.hi))
			continue;
		if (std::isinf(r.lo))
			filters.emplace_back(Xapian::Query::OP_VALUE_LE, r.slot,
			                     Xapian::sortable_serialise(r.hi));
		else if (std::isinf(r.hi))
			filters.emplace_back(Xapian::Query::OP_VALUE_GE, r.slot,
			                     Xapian::sortable_serialise(r.lo));
		else
			filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, r.slot,
			                     Xapian::sortable_serialise(r.lo),
			                     Xapian::sortable_serialise(r.hi));
	}
	if (!filters.empty())
		query = Xapian::Query(Xapian::Query::OP_FILTER, query,
		                      Xapian::Query(Xapian::Query::OP_AND, filters.begin(),
		                                    filters.end()));
	return query;
}

std::vector<tied_word> words_tied(const std::string &text)
{
	std::string folded = fold(text);
	std::vector<token> toks = tokenize(folded);
	std::vector<tied_word> out;
	for (size_t i = 0; i < toks.size(); i++) {
		std::string tie;
		if (i > 0 && toks[i].joined)
			tie = folded.substr(toks[i - 1].end, toks[i].start - toks[i - 1].end);
		out.push_back({std::move(toks[i].word), std::move(tie)});
	}
	return out;
}

void index_reversed(Xapian::Document &doc, const std::string &folded)
{
	for (const auto &t : tokenize(folded))
		if (code_points(t.word) >= MIN_TAIL_HEAD + MIN_TAIL && t.word.size() <= 64)
			doc.add_boolean_term("XR" + reversed(t.word));
}

} // namespace xs_impl

using namespace xs_impl;

extern "C" {

xs_status xs_db_synonym_add(xs_db *db, const char *from, const char *to, char **err)
{
	try {
		if (!db->wdb)
			return invalid(err, "database was opened read-only");
		std::vector<std::string> lhs = words_of(from ? from : "");
		std::vector<std::string> rhs = words_of(to ? to : "");
		if (lhs.empty() || rhs.empty())
			return invalid(err, "a synonym rule needs words on both sides");
		std::string key = join(lhs, " "), target = join(rhs, " ");
		if (key.size() > MAX_TERM || target.size() > MAX_TERM)
			return invalid(err, "a synonym is longer than 240 bytes");
		Xapian::WritableDatabase &w = *db->wdb;
		flush_spelling(db); /* rules change spelling data too: keep the order */
		for (auto s = w.synonyms_begin(key); s != w.synonyms_end(key); ++s)
			if (*s == target)
				return XS_OK;
		w.add_synonym(key, target);
		for (const char *code : stem_codes)
			w.add_synonym(stem_key(language_for(code), code, lhs), target);
		/* Words of rules are words the index knows, for corrections;
		 * xs_db_synonyms_clear takes them back. */
		for (const auto &v : {lhs, rhs})
			for (const auto &word : v)
				w.add_spelling(word);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_db_synonyms_clear(xs_db *db, char **err)
{
	try {
		if (!db->wdb)
			return invalid(err, "database was opened read-only");
		Xapian::WritableDatabase &w = *db->wdb;
		flush_spelling(db); /* rules change spelling data too: keep the order */
		std::vector<std::string> keys;
		for (auto k = w.synonym_keys_begin(); k != w.synonym_keys_end(); ++k)
			keys.push_back(*k);
		for (const auto &k : keys) {
			/* Keys as typed (stem keys start with "Z", folded words
			 * never do) gave their words and targets to spelling. */
			if (k[0] != 'Z') {
				for (auto s = w.synonyms_begin(k); s != w.synonyms_end(k); ++s) {
					for (const auto &v : {words_of(k), words_of(*s)})
						for (const auto &word : v)
							w.remove_spelling(word);
				}
			}
			w.clear_synonyms(k);
		}
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

xs_status xs_doc_add_key(xs_doc *doc, const char *text, char **err)
{
	try {
		std::vector<std::string> words = words_of(text ? text : "");
		for (const auto &k : exact_keys(words))
			doc->doc.add_term(k, 1);
		return XS_OK;
	} catch (...) {
		return fail(err);
	}
}

} // extern "C"
