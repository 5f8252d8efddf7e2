/*
 * baseline - the least an indexer of these feeds can do: a bare Xapian
 * loop, the yardstick `make bench` holds the real indexer against.
 *
 *   baseline --db DIR FEED.ndjson|DIR...
 *
 * For each NDJSON line: parse it with jansson, index title and body with
 * one TermGenerator and the stemmer of the record's language (the
 * indexer's: Dutch unless "en"; STEM_SOME), store the line as the
 * document data, add the unique id term and replace_document by it;
 * commit every 5000 documents, as the indexer does, and at the end.
 * Everything the indexer adds on top (folding, spelling data, titles
 * twice, filters, values, exact keys, fingerprints) is what the ratio
 * measures.  Lines without an id are skipped.  Prints one line:
 *
 *   baseline: indexed N documents in S s (R docs/s)
 *
 * Built for `make bench` only; C++ directly on Xapian on purpose.
 */
#include "docbuild.h"
#include "schema.h"

#include <jansson.h>
#include <xapian.h>

#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

/* The indexer's batch and title weight, so both index alike. */
const unsigned COMMIT_EVERY = DOCBUILD_COMMIT_EVERY;
const unsigned WEIGHT_TITLE = VB_WEIGHT_TITLE;

void usage(std::FILE *f)
{
	std::fputs("usage: baseline --db DIR PATH...\n"
	           "\n"
	           "Index NDJSON feeds (files, or directories of *.ndjson) with a bare\n"
	           "Xapian TermGenerator loop: title and body, stored data, unique id;\n"
	           "the yardstick of `make bench` for the real indexer.\n"
	           "\n"
	           "  --db DIR    index directory, created (it should not exist yet)\n"
	           "  -h, --help  this help\n",
	           f);
}

double now()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool ends_with(const std::string &s, const std::string &suffix)
{
	return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/* path itself, or the *.ndjson files in it, in name order. */
std::vector<std::string> feeds_of(const std::string &path)
{
	struct stat st;
	if (stat(path.c_str(), &st) != 0)
		throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return {path};
	std::vector<std::string> out;
	DIR *d = opendir(path.c_str());
	if (!d)
		throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
	while (dirent *e = readdir(d))
		if (e->d_name[0] != '.' && ends_with(e->d_name, ".ndjson"))
			out.push_back(path + "/" + e->d_name);
	closedir(d);
	std::sort(out.begin(), out.end());
	return out;
}

struct loop {
	Xapian::WritableDatabase db;
	Xapian::TermGenerator tg;
	Xapian::Stem dutch{"dutch"}, english{"english"};
	unsigned long docs = 0, pending = 0, skipped = 0;

	explicit loop(const std::string &path) : db(path, Xapian::DB_CREATE_OR_OPEN)
	{
		tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
	}

	void index_line(const std::string &line)
	{
		json_error_t jerr;
		json_t *rec = json_loadb(line.data(), line.size(), 0, &jerr);
		const char *id = json_string_value(json_object_get(rec, "id"));
		if (!id || !*id) {
			skipped++;
			json_decref(rec);
			return;
		}
		const char *lang = json_string_value(json_object_get(rec, "lang"));
		const char *title = json_string_value(json_object_get(rec, "title"));
		const char *body = json_string_value(json_object_get(rec, "body"));
		Xapian::Document doc;
		tg.set_document(doc);
		tg.set_stemmer(lang && std::strcmp(lang, "en") == 0 ? english : dutch);
		if (title) {
			tg.index_text(title, WEIGHT_TITLE);
			tg.increase_termpos(100);
		}
		if (body)
			tg.index_text(body);
		doc.set_data(line);
		std::string uid = std::string("Q") + id;
		json_decref(rec);
		doc.add_boolean_term(uid);
		db.replace_document(uid, doc);
		docs++;
		if (++pending >= COMMIT_EVERY) {
			db.commit();
			pending = 0;
		}
	}

	void index_file(const std::string &path)
	{
		std::ifstream in(path);
		if (!in)
			throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
		std::string line;
		while (std::getline(in, line))
			if (line.find_first_not_of(" \t\r") != std::string::npos)
				index_line(line);
		if (in.bad())
			throw std::runtime_error("cannot read '" + path + "'");
	}
};

} // namespace

int main(int argc, char **argv)
{
	std::string dbpath;
	std::vector<std::string> paths;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "-h" || a == "--help") {
			usage(stdout);
			return 0;
		} else if (a == "--db") {
			if (i + 1 == argc) {
				std::fputs("baseline: --db needs a directory\n", stderr);
				return 1;
			}
			dbpath = argv[++i];
		} else if (a.compare(0, 5, "--db=") == 0) {
			dbpath = a.substr(5);
		} else if (!a.empty() && a[0] == '-') {
			std::fprintf(stderr, "baseline: unknown option '%s'\n", a.c_str());
			usage(stderr);
			return 1;
		} else {
			paths.push_back(a);
		}
	}
	if (dbpath.empty() || paths.empty()) {
		std::fputs("baseline: --db DIR and at least one PATH are needed\n", stderr);
		usage(stderr);
		return 1;
	}
	try {
		double start = now();
		loop l(dbpath);
		for (const auto &p : paths)
			for (const auto &f : feeds_of(p))
				l.index_file(f);
		l.db.commit();
		l.db.close();
		double secs = now() - start;
		std::printf("baseline: indexed %lu documents in %.2f s (%.0f docs/s)%s\n", l.docs, secs,
		            secs > 0 ? (double)l.docs / secs : 0.0,
		            l.skipped ? "; some lines had no id and were skipped" : "");
		return 0;
	} catch (const Xapian::Error &e) {
		std::fprintf(stderr, "baseline: %s: %s\n", e.get_type(), e.get_msg().c_str());
	} catch (const std::exception &e) {
		std::fprintf(stderr, "baseline: %s\n", e.what());
	}
	return 1;
}
