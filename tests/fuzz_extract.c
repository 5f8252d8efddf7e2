/*
 * fuzz_extract.c - fuzz harness for the extractors: every input is read as
 * an HTML page and as an NDJSON feed, and its text is slugged.  Nothing is
 * checked but that the code survives (no crash, no leak, no sanitizer
 * report), which is what a shop's worst export has to be met with.
 *
 * Built with -DVB_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer
 * target.  Without it, main() replays the files and directories named on
 * the command line (a corpus such as tests/corpus/extract), so `make check`
 * runs the corpus under the sanitizers without needing clang.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>

#include "extract.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_emit(void *ctx, json_t *rec)
{
	(void)ctx;
	/* Dumping walks the whole record: a bad string would show here. */
	char *s = json_dumps(rec, JSON_COMPACT);
	free(s);
	json_decref(rec);
}

static void fuzz_problem(void *ctx, long line, const char *msg)
{
	(void)ctx;
	(void)line;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct extract_sink sink = {NULL, fuzz_emit, fuzz_problem};
	const char *buf = (const char *)data;
	char *err = NULL;
	long line;

	xmlInitParser();
	extract_html(buf, size, "fuzz/page.html", &sink, &err, &line);
	free(err);
	err = NULL;
	extract_ndjson(buf, size, &sink, &err, &line);
	free(err);
	err = NULL;

	/* The slugger takes a C string: stop at the first NUL. */
	char *text = xstrndup(buf, size);
	char *slug = extract_slug(text);
	free(slug);
	free(text);
	return 0;
}

#ifndef VB_LIBFUZZER
static int replay_file(const char *path)
{
	char *data = NULL, *err = NULL;
	size_t len;
	if (read_file(path, (size_t)EXTRACT_MAX_FILE, &data, &len, &err) < 0) {
		fprintf(stderr, "fuzz_extract: %s\n", err);
		free(err);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	return 0;
}

static int replay(const char *path, int *count)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "fuzz_extract: cannot stat '%s'\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	DIR *dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "fuzz_extract: cannot open '%s'\n", path);
		return -1;
	}
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		char *sub = xasprintf("%s/%s", path, de->d_name);
		if (replay(sub, count) < 0)
			rc = -1;
		free(sub);
	}
	closedir(dir);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0, count = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: fuzz_extract <file-or-corpus-dir>...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (replay(argv[i], &count) < 0)
			rc = 1;
	xmlCleanupParser();
	printf("fuzz_extract: %d input%s replayed\n", count, count == 1 ? "" : "s");
	return rc;
}
#endif
