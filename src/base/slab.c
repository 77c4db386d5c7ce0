/* base/slab.h: records named by index, touched only as used. */
#include "base/slab.h"

#include "base/skassert.h"

#include <string.h>

void sk_slab_init(sk_slab *s, uint32_t size, uint32_t cap)
{
    SK_ASSERT(size >= sizeof(uint32_t));
    s->mem = NULL;
    s->size = size;
    s->cap = cap;
    s->fresh = 0;
    s->free_head = SK_SLAB_NONE;
    s->used = 0;
}

uint32_t sk_slab_next_free(const sk_slab *s, uint32_t i)
{
    uint32_t n;
    memcpy(&n, sk_slab_at(s, i), sizeof n);
    return n;
}

bool sk_slab_take(sk_slab *s, const sk_ctx *ctx, uint32_t *out)
{
    if (s->mem == NULL) {
        if (s->cap == 0)
            return false;
        s->mem = sk_ctx_alloc(ctx, (size_t)s->size * s->cap);
        if (s->mem == NULL)
            return false;
        s->fresh = 0;
        s->free_head = SK_SLAB_NONE;
    }
    if (s->free_head != SK_SLAB_NONE) {
        *out = s->free_head;
        s->free_head = sk_slab_next_free(s, *out);
        memset(sk_slab_at(s, *out), 0, sizeof(uint32_t));
        s->used++;
        return true;
    }
    if (s->fresh >= s->cap)
        return false;
    *out = s->fresh++;
    s->used++;
    return true;
}

void sk_slab_give(sk_slab *s, uint32_t i)
{
    SK_ASSERT(s->mem != NULL && i < s->fresh);
    unsigned char *r = sk_slab_at(s, i);
    memset(r, 0, s->size);
    memcpy(r, &s->free_head, sizeof s->free_head);
    s->free_head = i;
    s->used--;
}

void sk_slab_free(sk_slab *s, const sk_ctx *ctx)
{
    if (s->mem != NULL)
        sk_ctx_release(ctx, s->mem, (size_t)s->size * s->cap);
    sk_slab_init(s, s->size, s->cap);
}
