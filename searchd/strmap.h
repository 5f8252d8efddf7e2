/*
 * strmap.h - a hash table from strings to pointers, for analytics'
 * in-memory tables (queries per day, sessions, votes, proposals).
 *
 * The map owns copies of its keys; values are the caller's (strmap_release
 * can free them).  Not thread-safe: the caller locks.
 */
#ifndef VB_STRMAP_H
#define VB_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap_entry;
struct strmap {
	struct strmap_entry **buckets;
	size_t nbuckets, count;
};

void strmap_init(struct strmap *m);
/* Free the map's entries, and each value with free_value (may be NULL). */
void strmap_release(struct strmap *m, void (*free_value)(void *));

/* The value stored under key, NULL when none. */
void *strmap_get(const struct strmap *m, const char *key);
/*
 * The slot for key's value, made (holding NULL) when key is new; *added
 * (may be NULL) tells which.  The slot stays valid until the next change
 * to the map.  *key_out (may be NULL) gets the map's copy of the key,
 * valid as long as the entry.
 */
void **strmap_slot(struct strmap *m, const char *key, bool *added, const char **key_out);
/* Remove key; returns its value (NULL when there was none). */
void *strmap_remove(struct strmap *m, const char *key);

/* Walk every entry, in no particular order; the map must not change
 * meanwhile.  struct strmap_iter it = {m}; while (strmap_next(&it, ...)). */
struct strmap_iter {
	const struct strmap *m;
	size_t bucket;
	struct strmap_entry *e;
};
bool strmap_next(struct strmap_iter *it, const char **key, void **value);

/* 64-bit FNV-1a of s, the hash the map uses. */
uint64_t strmap_hash(const char *s, size_t len);

#endif
