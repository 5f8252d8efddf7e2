/*
 * xs_facets.cc - facet counts over every match of a search.
 *
 * Xapian's ValueCountMatchSpy looks up each value of each match in the
 * value table: a B-tree search, a block read and a chunk decoded per
 * value, some 140,000 of them when seven facets are counted over 20,000
 * matches.  Instead, for one local database, a search only records the
 * docids of its matches (xs_docid_spy), and counts them against facet
 * columns: per value slot, the value id of every document (an array by
 * docid) and the distinct values.  A column is read once, from the slot's
 * value stream, per database revision, and shared by every handle of the
 * process at that revision: a search then counts its facets with one
 * array lookup per match and slot.
 *
 * Columns are kept while a handle uses them: the registry holds weak
 * references, each handle strong ones for its current revision.  Memory:
 * 4 bytes per document id (up to the highest) and slot, plus the distinct
 * values.
 */
#include "xs_internal.h"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <tuple>

namespace xs_impl {

struct facet_column {
	std::vector<uint32_t> ids;        /* by docid: 1 + index in values; 0: none */
	std::vector<std::string> values; /* distinct values */

	/* The values as numbers (sortable_unserialise), made once, by the
	 * first range count that needs them. */
	const std::vector<double> &numbers() const
	{
		std::call_once(numbers_made, [this] {
			as_numbers.reserve(values.size());
			for (const auto &v : values)
				as_numbers.push_back(Xapian::sortable_unserialise(v));
		});
		return as_numbers;
	}

private:
	mutable std::once_flag numbers_made;
	mutable std::vector<double> as_numbers;
};

namespace {

/* Columns of every database and revision in use, by (uuid, revision,
 * slot).  Built under the lock: builds are rare (one per slot and
 * revision), and a second handle wanting the same column should wait for
 * it rather than read the value stream too. */
std::mutex registry_lock;
std::map<std::tuple<std::string, Xapian::rev, unsigned>, std::weak_ptr<const facet_column>>
    registry;

std::shared_ptr<const facet_column> build_column(const Xapian::Database &db, unsigned slot)
{
	auto col = std::make_shared<facet_column>();
	col->ids.assign((size_t)db.get_lastdocid() + 1, 0);
	std::unordered_map<std::string, uint32_t> index;
	for (auto v = db.valuestream_begin(slot); v != db.valuestream_end(slot); ++v) {
		Xapian::docid id = v.get_docid();
		if (id >= col->ids.size())
			continue; /* cannot happen at one revision; never write past */
		auto ins = index.emplace(*v, (uint32_t)col->values.size() + 1);
		if (ins.second)
			col->values.push_back(ins.first->first);
		col->ids[id] = ins.first->second;
	}
	return col;
}

/* Forget registry entries nobody uses any more.  Under registry_lock. */
void prune_registry()
{
	for (auto it = registry.begin(); it != registry.end();)
		it = it->second.expired() ? registry.erase(it) : std::next(it);
}

std::shared_ptr<const facet_column> column(xs_db *db, unsigned slot)
{
	Xapian::rev rev = db->db.get_revision();
	if (db->columns_rev != rev || db->columns_uuid.empty()) {
		db->columns.clear();
		db->columns_rev = rev;
		db->columns_uuid = db->db.get_uuid();
	}
	auto &mine = db->columns[slot];
	if (mine)
		return mine;
	std::lock_guard<std::mutex> hold(registry_lock);
	auto key = std::make_tuple(db->columns_uuid, rev, slot);
	auto found = registry.find(key);
	if (found != registry.end())
		mine = found->second.lock();
	if (!mine) {
		mine = build_column(db->db, slot);
		prune_registry();
		registry[key] = mine;
	}
	return mine;
}

} // namespace

bool facet_columns_usable(const xs_db *db)
{
	/* Not for a writer (its uncommitted documents have no revision of
	 * their own) nor for shards (no single docid space): those count
	 * with ValueCountMatchSpy. */
	return !db->wdb && !db->sharded;
}

void count_facets(xs_db *db, const std::vector<unsigned> &slots, xs_results *r)
{
	for (unsigned slot : slots)
		r->facets[slot] = xs_results::facet_counts();
	if (r->docid_spy) {
		const std::vector<Xapian::docid> &ids = r->docid_spy->docids;
		for (unsigned slot : slots) {
			auto &c = r->facets[slot];
			c.column = column(db, slot);
			c.by_id.assign(c.column->values.size() + 1, 0);
			const std::vector<uint32_t> &of = c.column->ids;
			for (Xapian::docid id : ids)
				if (id < of.size())
					c.by_id[of[id]]++;
		}
		return;
	}
	for (const auto &spy : r->spies) {
		auto &c = r->facets[spy.first];
		for (auto v = spy.second->values_begin(); v != spy.second->values_end(); ++v)
			c.by_value.emplace_back(*v, v.get_termfreq());
	}
}

void each_facet_value(const xs_results::facet_counts &c, size_t max, xs_facet_cb cb, void *ctx)
{
	/* (value, count) of every value counted, without copying values. */
	std::vector<std::pair<const std::string *, Xapian::doccount>> all;
	if (c.column) {
		for (size_t id = 1; id < c.by_id.size(); id++)
			if (c.by_id[id])
				all.emplace_back(&c.column->values[id - 1], c.by_id[id]);
	} else {
		for (const auto &v : c.by_value)
			all.emplace_back(&v.first, v.second);
	}
	size_t n = all.size();
	if (max) {
		n = std::min(max, n);
		std::partial_sort(all.begin(), all.begin() + (std::ptrdiff_t)n, all.end(),
		                  [](const auto &a, const auto &b) {
			                  return a.second != b.second ? a.second > b.second
			                                              : *a.first < *b.first;
		                  });
	}
	for (size_t i = 0; i < n; i++)
		cb(ctx, all[i].first->data(), all[i].first->size(), all[i].second);
}

void facet_ranges(const xs_results::facet_counts &c, const double *edges, size_t n,
                  unsigned long *counts)
{
	std::fill(counts, counts + n, 0);
	auto bucket = [&](double x) {
		size_t b = (size_t)(std::upper_bound(edges, edges + n, x) - edges);
		return b ? b - 1 : 0;
	};
	if (c.column) {
		const std::vector<double> &number = c.column->numbers();
		for (size_t id = 1; id < c.by_id.size(); id++)
			if (c.by_id[id])
				counts[bucket(number[id - 1])] += c.by_id[id];
	} else {
		for (const auto &v : c.by_value)
			counts[bucket(Xapian::sortable_unserialise(v.first))] += v.second;
	}
}

} // namespace xs_impl
