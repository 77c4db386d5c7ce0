/* Records named by a 4-tuple in a bounded pool (base/recpool.h). */
#include "base/recpool.h"

#include "base/ohash.h"
#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

_Static_assert(sizeof(sk_rec_key) == 38, "the key is 38 bytes: no padding");

static sk_rec_key *key_at(const sk_recpool *p, uint32_t i)
{
    return (sk_rec_key *)sk_recpool_at(p, i);
}

int sk_recpool_init(sk_recpool *p, const sk_ctx *c, uint32_t size, uint32_t cap)
{
    SK_ASSERT(size >= sizeof(sk_rec_key));
    memset(p, 0, sizeof *p);
    if (cap > SK_REC_MAX)
        cap = SK_REC_MAX;
    p->size = size;
    p->cap = cap;
    p->mask = sk_pow2_at_least(cap * 2) - 1;
    p->hkey = &c->key;
    p->ctx = c;
    p->free_head = SK_REC_NONE;
    /* the records are touched as used; the index (8 bytes a record, all
     * written to clear it) only when the first record comes: a pool sized
     * for a peak that never comes costs nothing */
    p->recs = sk_ctx_alloc(c, (size_t)size * cap);
    if (p->recs == NULL) {
        sk_recpool_free(p, c);
        return SK_ENOMEM;
    }
    return 0;
}

static bool index_alloc(sk_recpool *p)
{
    p->slot = sk_ctx_alloc(p->ctx, sizeof(uint32_t) * ((size_t)p->mask + 1));
    if (p->slot == NULL)
        return false;
    memset(p->slot, 0, sizeof(uint32_t) * ((size_t)p->mask + 1));
    return true;
}

void sk_recpool_free(sk_recpool *p, const sk_ctx *c)
{
    sk_ctx_release(c, p->recs, (size_t)p->size * p->cap);
    sk_ctx_release(c, p->slot, sizeof(uint32_t) * ((size_t)p->mask + 1));
    p->recs = NULL;
    p->slot = NULL;
    p->cap = p->fresh = p->count = 0;
    p->free_head = SK_REC_NONE;
}

void sk_rec_key_set(sk_rec_key *k, const sk_tuple *tu)
{
    k->family = tu->laddr.family;
    memcpy(k->laddr, tu->laddr.b, 16);
    memcpy(k->raddr, tu->raddr.b, 16);
    k->lport = tu->lport;
    k->rport = tu->rport;
}

void sk_rec_key_tuple(const sk_rec_key *k, sk_tuple *tu)
{
    memset(tu, 0, sizeof *tu);
    tu->laddr.family = tu->raddr.family = k->family;
    memcpy(tu->laddr.b, k->laddr, 16);
    memcpy(tu->raddr.b, k->raddr, 16);
    tu->lport = k->lport;
    tu->rport = k->rport;
}

bool sk_rec_key_is(const sk_rec_key *k, const sk_tuple *tu)
{
    return k->lport == tu->lport && k->rport == tu->rport && k->family == tu->laddr.family &&
           memcmp(k->laddr, tu->laddr.b, 16) == 0 && memcmp(k->raddr, tu->raddr.b, 16) == 0;
}

static uint32_t tuple_home(const sk_recpool *p, const sk_tuple *tu)
{
    return sk_tuple_hash(p->hkey, tu, 0) & p->mask;
}

static uint32_t key_home(const sk_recpool *p, const sk_rec_key *k)
{
    sk_tuple tu;
    sk_rec_key_tuple(k, &tu);
    return tuple_home(p, &tu);
}

static uint32_t home_of(const void *ctx, uint32_t i)
{
    const sk_recpool *p = ctx;
    return key_home(p, key_at(p, i));
}

/* The index slot that holds the record named by tu (whose tuple hash is
 * h), or SK_REC_NONE. */
static uint32_t find_slot_h(const sk_recpool *p, const sk_tuple *tu, uint32_t h)
{
    if (p->count == 0)
        return SK_REC_NONE;
    uint32_t s = h & p->mask;
    while (p->slot[s] != 0) {
        if (sk_rec_key_is(key_at(p, p->slot[s] - 1), tu))
            return s;
        s = (s + 1) & p->mask;
    }
    return SK_REC_NONE;
}

static uint32_t find_slot(const sk_recpool *p, const sk_tuple *tu)
{
    if (p->count == 0)
        return SK_REC_NONE; /* no hash needed */
    return find_slot_h(p, tu, sk_tuple_hash(p->hkey, tu, 0));
}

uint32_t sk_recpool_find(const sk_recpool *p, const sk_tuple *tu)
{
    uint32_t s = find_slot(p, tu);
    return s == SK_REC_NONE ? SK_REC_NONE : p->slot[s] - 1;
}

uint32_t sk_recpool_find_h(const sk_recpool *p, const sk_tuple *tu, uint32_t h)
{
    uint32_t s = find_slot_h(p, tu, h);
    return s == SK_REC_NONE ? SK_REC_NONE : p->slot[s] - 1;
}

/* The free list's link, in a free record's key. */
static uint32_t free_next(const sk_recpool *p, uint32_t i)
{
    uint32_t next;
    memcpy(&next, key_at(p, i)->laddr, sizeof next);
    return next;
}

static uint32_t take_free(sk_recpool *p)
{
    if (p->free_head != SK_REC_NONE) {
        uint32_t i = p->free_head;
        p->free_head = free_next(p, i);
        return i;
    }
    if (p->fresh < p->cap)
        return p->fresh++;
    return SK_REC_NONE;
}

uint32_t sk_recpool_add(sk_recpool *p, const void *rec)
{
    const sk_rec_key *k = rec;
    SK_ASSERT(k->family != 0);
    if (p->slot == NULL && !index_alloc(p))
        return SK_REC_NONE;
    uint32_t i = take_free(p);
    if (i == SK_REC_NONE)
        return SK_REC_NONE;
    memcpy(sk_recpool_at(p, i), rec, p->size);
    sk_ohash_insert(p->slot, p->mask, key_home(p, k), i);
    p->count++;
    return i;
}

void sk_recpool_remove(sk_recpool *p, uint32_t i)
{
    SK_ASSERT(i < p->fresh);
    sk_rec_key *k = key_at(p, i);
    sk_tuple tu;
    sk_rec_key_tuple(k, &tu);
    uint32_t s = find_slot(p, &tu);
    SK_ASSERT(s != SK_REC_NONE && p->slot[s] == i + 1);
    if (s == SK_REC_NONE)
        return;
    sk_ohash_remove(p->slot, p->mask, s, home_of, p);
    memset(k, 0, sizeof *k);
    memcpy(k->laddr, &p->free_head, sizeof p->free_head);
    p->free_head = i;
    p->count--;
}
