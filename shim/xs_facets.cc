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
 * 4 bytes per document and slot, plus the distinct values.
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
		r->facets[slot].clear();
	if (r->docid_spy) {
		const std::vector<Xapian::docid> &ids = r->docid_spy->docids;
		for (unsigned slot : slots) {
			auto col = column(db, slot);
			std::vector<Xapian::doccount> n(col->values.size() + 1, 0);
			for (Xapian::docid id : ids)
				if (id < col->ids.size())
					n[col->ids[id]]++;
			auto &counts = r->facets[slot];
			for (size_t i = 1; i < n.size(); i++)
				if (n[i])
					counts[col->values[i - 1]] = n[i];
		}
		return;
	}
	for (const auto &spy : r->spies) {
		auto &counts = r->facets[spy.first];
		for (auto v = spy.second->values_begin(); v != spy.second->values_end(); ++v)
			counts[*v] = v.get_termfreq();
	}
}

} // namespace xs_impl
