/*
 * xs_analyze.cc - the query pipeline: from what a customer typed to the
 * Xapian query that finds what they meant.
 */
#include "xs_internal.h"

#include <cmath>

namespace xs_impl {

Xapian::Query build_query(xs_db *db, const xs_query *q, std::string *correction)
{
	const language *lang = language_for(q->lang.c_str());
	Xapian::Query query;
	if (q->text.find_first_not_of(" \t\r\n") == std::string::npos) {
		/* Not the static Query::MatchAll: copying a shared object would
		 * touch its non-atomic reference count from several threads. */
		query = Xapian::Query(std::string());
	} else {
		Xapian::QueryParser qp;
		qp.set_database(db->db);
		qp.set_stemmer(lang->stem);
		qp.set_stopper(&lang->stopper);
		qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
		qp.set_default_op((q->flags & XS_QF_AND) ? Xapian::Query::OP_AND
		                                         : Xapian::Query::OP_OR);
		qp.add_prefix("title", "S");
		unsigned flags = Xapian::QueryParser::FLAG_DEFAULT;
		if (q->flags & XS_QF_PARTIAL)
			flags |= Xapian::QueryParser::FLAG_PARTIAL;
		if (q->flags & XS_QF_SPELLING)
			flags |= Xapian::QueryParser::FLAG_SPELLING_CORRECTION;
		if (q->flags & XS_QF_SYNONYMS)
			flags |= Xapian::QueryParser::FLAG_AUTO_SYNONYMS |
			         Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS;
		const std::string field = (q->flags & XS_QF_TITLES) ? "S" : "";
		try {
			query = qp.parse_query(q->text, flags, field);
		} catch (const Xapian::QueryParserError &) {
			/* What users type is not a query language: when the
			 * operators don't parse, take the words as words. */
			flags &= ~(unsigned)(Xapian::QueryParser::FLAG_BOOLEAN |
			                     Xapian::QueryParser::FLAG_PHRASE |
			                     Xapian::QueryParser::FLAG_LOVEHATE);
			query = qp.parse_query(q->text, flags, field);
		}
		if (correction) {
			*correction = qp.get_corrected_query_string();
			/* Xapian does not correct a word it takes as a prefix:
			 * the last word while typing.  Ask again without. */
			if (correction->empty() && (flags & Xapian::QueryParser::FLAG_PARTIAL) &&
			    (flags & Xapian::QueryParser::FLAG_SPELLING_CORRECTION)) {
				qp.parse_query(q->text,
				               flags & ~(unsigned)Xapian::QueryParser::FLAG_PARTIAL);
				*correction = qp.get_corrected_query_string();
			}
		}
		if (query.empty()) /* only stop words: match on them after all */
			query = Xapian::QueryParser().parse_query(q->text, 0);
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

} // namespace xs_impl
