/* A slab of fixed-size records named by index, for what only some TCBs
 * keep outside the table (an IPv6 connection's addresses, an idle
 * connection's history): room for `cap` records, taken from the allocator
 * at the first record wanted, so a stack that never needs one never pays;
 * records are handed out in index order (`fresh`) before any given back is
 * reused, so the slab's pages are touched only as far as it has been used.
 * A record given back heads the free list, its first four bytes naming the
 * next (SK_SLAB_NONE ends it); the rest of it is zeroed. */
#ifndef SK_BASE_SLAB_H
#define SK_BASE_SLAB_H

#include "base/ctx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_SLAB_NONE UINT32_MAX

typedef struct {
    unsigned char *mem; /* NULL until the first record is taken */
    uint32_t size;      /* bytes a record (at least 4) */
    uint32_t cap;       /* records at most */
    uint32_t fresh;     /* records handed out so far: [0, fresh) */
    uint32_t free_head; /* the last one given back, SK_SLAB_NONE: none */
    uint32_t used;      /* records taken and not given back */
} sk_slab;

void sk_slab_init(sk_slab *s, uint32_t size, uint32_t cap);
/* A record's index in *out: false when the allocator refused the slab's
 * memory or all `cap` are in use. What the record holds is unspecified
 * (the allocator's bytes, or zeros): the taker writes all of it. */
bool sk_slab_take(sk_slab *s, const sk_ctx *ctx, uint32_t *out);
void sk_slab_give(sk_slab *s, uint32_t i);
/* The memory back to the allocator; the slab is empty again. */
void sk_slab_free(sk_slab *s, const sk_ctx *ctx);
/* The free record after i on the free list (for invariant checks). */
uint32_t sk_slab_next_free(const sk_slab *s, uint32_t i);

static inline void *sk_slab_at(const sk_slab *s, uint32_t i)
{
    return s->mem + (size_t)i * s->size;
}

#endif
