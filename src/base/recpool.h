/* A bounded pool of fixed-size records named by a 4-tuple, with an
 * open-addressing index (base/ohash.h) over them: the TIME-WAIT records
 * (tcp/tcp_timewait.c) and the half-open records (tcp/tcp_halfopen.c) keep
 * their state in one each. The pool owns what the two have in common: the
 * key at the head of every record, the tuple hash, lookup, adding and
 * removing, the free records, and doubly linked lists of records by
 * index (base/ilist.h's, over the pool's array). Which lists a record
 * waits on (a FIFO of deadlines, timer levels, a listener's list), in
 * what order, and what happens when the pool is
 * full (the oldest TIME-WAIT record makes room; a SYN finds no half-open
 * record) stay with the owner.
 *
 * Records are handed out in index order (`fresh`) before any is reused,
 * so the pool's memory is touched only as far as it has been used; a
 * record given back goes to the head of the free list, whose link is kept
 * in the record's key (a free record is in no index: its key is free too).
 *
 * The index has two slots per record (a power of two, at least 16), 4
 * bytes each, record index + 1 (0: empty); a slot's home is the tuple hash
 * (sk_tuple_hash, tweak 0, under the stack's key) of its record's key. */
#ifndef SK_BASE_RECPOOL_H
#define SK_BASE_RECPOOL_H

#include "base/ctx.h"
#include "base/ilist.h"
#include "base/tuple.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_REC_NONE UINT32_MAX
#define SK_REC_MAX (1u << 28) /* records in a pool at most */

/* The head of every record: its ends (16 bytes an address, IPv4 in the
 * first four, the rest zero), the ports in host order and the family
 * (0: a free record). `flags` is the owner's and is not part of the key:
 * it fills the byte that would otherwise pad the key to 38 bytes, which the
 * records could not use. */
typedef struct {
    uint8_t laddr[16], raddr[16];
    uint16_t lport, rport;
    uint8_t family;
    uint8_t flags; /* the owner's: not compared, not hashed */
} sk_rec_key;

/* A record type starts with its key (a member `key`). */
#define SK_REC_KEY_FIRST(type) _Static_assert(offsetof(type, key) == 0, #type " starts with its key")

typedef struct {
    unsigned char *recs;
    uint32_t size; /* bytes a record */
    uint32_t cap;
    uint32_t *slot; /* record index + 1, 0: empty; NULL until the first record */
    uint32_t mask;  /* slots - 1 */
    uint32_t free_head; /* records given back, newest first */
    uint32_t fresh;     /* records [fresh, cap) never used: not touched */
    uint32_t count;     /* records in the index */
    const sk_siphash_key *hkey;
    const sk_ctx *ctx; /* the allocator, for the index at the first record */
} sk_recpool;

/* A pool's size: `configured` when not 0, else 4 records per socket slot
 * at most `dflt`; at most SK_REC_MAX either way. */
static inline uint32_t sk_recpool_cap(uint32_t configured, uint32_t max_sockets, uint32_t dflt)
{
    uint64_t cap = configured;
    if (cap == 0) {
        cap = (uint64_t)max_sockets * 4u;
        if (cap > dflt)
            cap = dflt;
    }
    return cap > SK_REC_MAX ? SK_REC_MAX : (uint32_t)cap;
}

/* cap records of `size` bytes (at most SK_REC_MAX), from the context's
 * allocator; the tuple hash under c->key. 0, or SK_ENOMEM (nothing held).
 * A pool of 0 records is valid: it is always full. */
int sk_recpool_init(sk_recpool *p, const sk_ctx *c, uint32_t size, uint32_t cap);
void sk_recpool_free(sk_recpool *p, const sk_ctx *c);

static inline void *sk_recpool_at(const sk_recpool *p, uint32_t i)
{
    return p->recs + (size_t)i * p->size;
}

static inline bool sk_recpool_full(const sk_recpool *p)
{
    return p->free_head == SK_REC_NONE && p->fresh >= p->cap;
}

/* The record named by tu, or SK_REC_NONE. */
uint32_t sk_recpool_find(const sk_recpool *p, const sk_tuple *tu);
/* The same with tu's tuple hash already computed:
 * h == sk_tuple_hash(p->hkey, tu, 0). The demux hashes a tuple the same
 * way (tweak 0, the stack's key), so one hash serves the demux and both
 * pools (tcp_demux.c: the ephemeral port search). */
uint32_t sk_recpool_find_h(const sk_recpool *p, const sk_tuple *tu, uint32_t h);

/* Copy `rec` (p->size bytes, starting with its sk_rec_key, family not 0)
 * into a free record and index it by its key; its index, or SK_REC_NONE
 * when the pool is full (the owner decides whether something makes room)
 * or the index's memory, taken at the first record, was refused. The key
 * must name no record already in the pool. */
uint32_t sk_recpool_add(sk_recpool *p, const void *rec);

/* Take record i out of the index and give it back; its key is cleared
 * (the rest of the record is left as it is). */
void sk_recpool_remove(sk_recpool *p, uint32_t i);

/* Lists of records (base/ilist.h): a record on one holds an sk_rec_link
 * at offset `off` (the same for every record of that list), the list is
 * its ends, head and tail (SK_REC_NONE: empty). The owners keep them: a
 * FIFO of deadlines, timer levels, a listener's records. */
typedef sk_ilink sk_rec_link;
_Static_assert(SK_REC_NONE == SK_ILIST_NONE, "a pool's 'none' ends a list");

static inline sk_rec_link *sk_rec_link_at(const sk_recpool *p, size_t off, uint32_t i)
{
    return (sk_rec_link *)(void *)(p->recs + (size_t)i * p->size + off);
}

static inline sk_ilink *sk_rec_link_of(const void *pool, size_t off, uint32_t i)
{
    return sk_rec_link_at(pool, off, i);
}

static inline sk_ilinks sk_rec_links(const sk_recpool *p, size_t off)
{
    return (sk_ilinks){sk_rec_link_of, p, off};
}

/* Put record i after record `after` (SK_REC_NONE: at the head). */
static inline void sk_rec_list_insert(const sk_recpool *p, size_t off, uint32_t *head,
                                      uint32_t *tail, uint32_t after, uint32_t i)
{
    sk_il_insert(sk_rec_links(p, off), head, tail, after, i);
}
/* Take record i off the list; its links become SK_REC_NONE. */
static inline void sk_rec_list_unlink(const sk_recpool *p, size_t off, uint32_t *head,
                                      uint32_t *tail, uint32_t i)
{
    sk_il_unlink(sk_rec_links(p, off), head, tail, i);
}

/* Key <-> tuple. sk_rec_key_set leaves k->flags alone. */
void sk_rec_key_set(sk_rec_key *k, const sk_tuple *tu);
void sk_rec_key_tuple(const sk_rec_key *k, sk_tuple *tu);
bool sk_rec_key_is(const sk_rec_key *k, const sk_tuple *tu);

#endif
