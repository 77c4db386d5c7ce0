/* Helpers for the src/ip6/ unit tests: a counting allocator (every byte
 * allocated must be released by destroy) and address builders. */
#ifndef SK_IP6_TEST_UTIL_H
#define SK_IP6_TEST_UTIL_H

#include "ip6/ip6_types.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t live;   /* bytes allocated and not released */
    size_t calls;  /* allocations made */
    size_t fail_at; /* 0: never fail; n: the n-th allocation fails */
} t6_heap;

static inline void *t6_alloc(void *ctx, size_t n)
{
    t6_heap *h = ctx;
    if (h->fail_at != 0 && ++h->calls == h->fail_at)
        return NULL;
    if (h->fail_at == 0)
        h->calls++;
    h->live += n;
    return malloc(n);
}

static inline void t6_release(void *ctx, void *p, size_t n)
{
    t6_heap *h = ctx;
    h->live -= n;
    free(p);
}

static inline sk_allocator t6_allocator(t6_heap *h)
{
    sk_allocator a = {t6_alloc, t6_release, h};
    return a;
}

/* 2001:db8:<a>::<b> */
static inline sk_ip6_addr t6_addr(uint16_t a, uint16_t b)
{
    sk_ip6_addr r = {{0x20, 0x01, 0x0d, 0xb8}};
    r.b[4] = (uint8_t)(a >> 8);
    r.b[5] = (uint8_t)a;
    r.b[14] = (uint8_t)(b >> 8);
    r.b[15] = (uint8_t)b;
    return r;
}

/* fe80::<b> */
static inline sk_ip6_addr t6_ll(uint16_t b)
{
    sk_ip6_addr r = {{0xfe, 0x80}};
    r.b[14] = (uint8_t)(b >> 8);
    r.b[15] = (uint8_t)b;
    return r;
}

static inline sk_mac t6_mac(uint8_t last)
{
    sk_mac m = {{0x02, 0, 0, 0, 0, last}};
    return m;
}

static inline bool t6_addr_is(const sk_ip6_addr *a, const sk_ip6_addr *b)
{
    return memcmp(a->b, b->b, 16) == 0;
}

#endif
