/* Family-tagged addresses inside the core, and the transport 4-tuple.
 *
 * The core uses the public sk_ipaddr (include/synack/addr.h: a family tag
 * and 16 bytes, IPv4 in b[0..3]) so that addresses cross the API and the
 * trace unchanged. Every sk_ipaddr the core builds has its unused bytes
 * zero (sk_addr4), so that a tuple compares with memcmp.
 *
 * sk_tuple_hash is THE key of a connection's 4-tuple: the demux table, the
 * ISN (RFC 6528), the timestamp offset (RFC 7323 §5.4) and ephemeral port
 * selection (RFC 6056) all hash the same bytes (sk_tuple_key) under the
 * stack's key, each with its own tweak. TCP and UDP share it. */
#ifndef SK_BASE_TUPLE_H
#define SK_BASE_TUPLE_H

#include "base/siphash.h"
#include "synack/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A connection's ends. Both addresses have the same family. */
typedef struct {
    sk_ipaddr laddr, raddr;
    uint16_t lport, rport;
} sk_tuple;

/* Address bytes of a family: 4 or 16 (0 for SK_AF_UNSPEC). */
static inline size_t sk_addr_len(uint8_t family)
{
    return family == SK_AF_INET6 ? 16u : family == SK_AF_INET4 ? 4u : 0u;
}

static inline sk_ipaddr sk_addr4(sk_ip4 a)
{
    sk_ipaddr r;
    memset(&r, 0, sizeof r);
    r.family = SK_AF_INET4;
    memcpy(r.b, a.b, 4);
    return r;
}

/* The IPv4 address of an SK_AF_INET4 address. */
static inline sk_ip4 sk_addr_ip4(const sk_ipaddr *a)
{
    sk_ip4 r;
    memcpy(r.b, a->b, 4);
    return r;
}

static inline bool sk_addr_is4(const sk_ipaddr *a)
{
    return a->family == SK_AF_INET4;
}

/* Ports first (they differ most often), then the fixed-size address
 * bytes, which the compiler turns into a few word compares. */
static inline bool sk_tuple_eq(const sk_tuple *a, const sk_tuple *b)
{
    return a->lport == b->lport && a->rport == b->rport && a->raddr.family == b->raddr.family &&
           memcmp(a->raddr.b, b->raddr.b, 16) == 0 && memcmp(a->laddr.b, b->laddr.b, 16) == 0;
}

#define SK_TUPLE_KEY_MAX 36 /* two IPv6 addresses and two ports */

/* The bytes that name a tuple: local address, local port (big-endian),
 * remote address, remote port; 12 bytes for IPv4, 36 for IPv6. */
size_t sk_tuple_key(const sk_tuple *tu, uint8_t key[SK_TUPLE_KEY_MAX]);

/* SipHash-2-4 of sk_tuple_key under `k` with k1 ^= tweak (0: the demux). */
uint32_t sk_tuple_hash(const sk_siphash_key *k, const sk_tuple *tu, uint64_t tweak);

#endif
