/* Shared pieces of the IPv6 host state machines: address predicates and
 * the bounded intent queue (see ip6_types.h). */
#include "ip6/ip6_types.h"

#include "synack/error.h"

#include <string.h>

bool sk_ip6_addr_eq(const sk_ip6_addr *a, const sk_ip6_addr *b)
{
    return memcmp(a->b, b->b, 16) == 0;
}

bool sk_ip6_is_unspecified(const sk_ip6_addr *a)
{
    static const sk_ip6_addr zero;
    return sk_ip6_addr_eq(a, &zero);
}

bool sk_ip6_is_multicast(const sk_ip6_addr *a) { return a->b[0] == 0xff; }

bool sk_ip6_is_link_local(const sk_ip6_addr *a)
{
    return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

bool sk_ip6_prefix_match(const sk_ip6_addr *a, const sk_ip6_addr *p, uint8_t len)
{
    uint32_t full = len / 8u, rest = len % 8u;
    if (len > 128 || memcmp(a->b, p->b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8u - rest));
    return (a->b[full] & mask) == (p->b[full] & mask);
}

sk_ip6_addr sk_ip6_solicited_node(const sk_ip6_addr *a)
{
    sk_ip6_addr r = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0}};
    memcpy(&r.b[13], &a->b[13], 3);
    return r;
}

sk_ip6_addr sk_ip6_all_routers(void)
{
    sk_ip6_addr r = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}};
    return r;
}

sk_ip6_addr sk_ip6_all_mldv2_routers(void)
{
    sk_ip6_addr r = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16}};
    return r;
}

sk_mac sk_ip6_multicast_mac(const sk_ip6_addr *group)
{
    sk_mac m = {{0x33, 0x33, group->b[12], group->b[13], group->b[14], group->b[15]}};
    return m;
}

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
