/*
 * strmap.c - see strmap.h.  Separate chaining; the table doubles when it
 * holds more entries than buckets, so chains stay short.
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct strmap_entry {
	struct strmap_entry *next;
	uint64_t hash;
	void *value;
	char key[]; /* NUL-terminated copy */
};

uint64_t strmap_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void strmap_init(struct strmap *m)
{
	m->nbuckets = 16;
	m->count = 0;
	m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
}

void strmap_release(struct strmap *m, void (*free_value)(void *))
{
	for (size_t b = 0; m->buckets && b < m->nbuckets; b++) {
		struct strmap_entry *e = m->buckets[b];
		while (e) {
			struct strmap_entry *next = e->next;
			if (free_value)
				free_value(e->value);
			free(e);
			e = next;
		}
	}
	free(m->buckets);
	m->buckets = NULL;
	m->nbuckets = m->count = 0;
}

static struct strmap_entry **find(const struct strmap *m, const char *key, uint64_t h)
{
	struct strmap_entry **p = &m->buckets[h & (m->nbuckets - 1)];
	while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
		p = &(*p)->next;
	return p;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_entry *e = *find(m, key, strmap_hash(key, strlen(key)));
	return e ? e->value : NULL;
}

static void grow(struct strmap *m)
{
	size_t n = m->nbuckets * 2;
	struct strmap_entry **b = xcalloc(n, sizeof *b);
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct strmap_entry *e = m->buckets[i];
		while (e) {
			struct strmap_entry *next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
			e = next;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
}

void **strmap_slot(struct strmap *m, const char *key, bool *added, const char **key_out)
{
	size_t len = strlen(key);
	uint64_t h = strmap_hash(key, len);
	struct strmap_entry **p = find(m, key, h);
	if (added)
		*added = *p == NULL;
	if (!*p) {
		if (m->count >= m->nbuckets) {
			grow(m);
			p = find(m, key, h);
		}
		struct strmap_entry *e = xmalloc(sizeof *e + len + 1);
		e->next = NULL;
		e->hash = h;
		e->value = NULL;
		memcpy(e->key, key, len + 1);
		*p = e;
		m->count++;
	}
	if (key_out)
		*key_out = (*p)->key;
	return &(*p)->value;
}

void *strmap_remove(struct strmap *m, const char *key)
{
	struct strmap_entry **p = find(m, key, strmap_hash(key, strlen(key)));
	struct strmap_entry *e = *p;
	if (!e)
		return NULL;
	void *value = e->value;
	*p = e->next;
	free(e);
	m->count--;
	return value;
}

bool strmap_next(struct strmap_iter *it, const char **key, void **value)
{
	if (it->e)
		it->e = it->e->next;
	while (!it->e && it->bucket < it->m->nbuckets)
		it->e = it->m->buckets[it->bucket++];
	if (!it->e)
		return false;
	if (key)
		*key = it->e->key;
	if (value)
		*value = it->e->value;
	return true;
}
