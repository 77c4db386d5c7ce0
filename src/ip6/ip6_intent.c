/* Shared pieces of the IPv6 host state machines: the allocator wrappers and
 * the bounded intent queue (see ip6_types.h). */
#include "ip6/ip6_types.h"

#include "synack/error.h"

#include <string.h>

void *sk_ip6_alloc(const sk_allocator *a, size_t n) { return a->allocate(a->ctx, n); }

void sk_ip6_release(const sk_allocator *a, void *p, size_t n)
{
    if (p != NULL)
        a->release(a->ctx, p, n);
}

int sk_i6q_init(sk_i6q *q, const sk_allocator *a, uint32_t cap)
{
    memset(q, 0, sizeof *q);
    q->q = sk_ip6_alloc(a, sizeof(sk_ip6_intent) * cap);
    if (q->q == NULL)
        return SK_ENOMEM;
    q->cap = cap;
    return 0;
}

void sk_i6q_free(sk_i6q *q, const sk_allocator *a)
{
    sk_ip6_release(a, q->q, sizeof(sk_ip6_intent) * q->cap);
    memset(q, 0, sizeof *q);
}

bool sk_i6q_push(sk_i6q *q, const sk_ip6_intent *in)
{
    if (q->len == q->cap)
        return false;
    q->q[(q->head + q->len) % q->cap] = *in;
    q->len++;
    return true;
}

bool sk_i6q_pop(sk_i6q *q, sk_ip6_intent *out)
{
    if (q->len == 0)
        return false;
    *out = q->q[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    return true;
}
