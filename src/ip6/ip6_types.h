/* What the IPv6 host state machines (src/ip6/) share: a 16-byte address,
 * the intents they hand to the interface, and a bounded intent queue.
 *
 * The modules are sans-I/O: inputs are parsed values (the wire layer's
 * parsers fill them), outputs are intents the interface turns into frames
 * or passes to TCP. After every call on a module the caller drains its
 * intents with the module's next_intent function; pointers inside an intent
 * (held packet bytes, a quoted packet) are valid until the next call on that
 * module. */
#ifndef SK_IP6_TYPES_H
#define SK_IP6_TYPES_H

#include "base/sktime.h"
#include "synack/addr.h"
#include "synack/stack.h"
#include "wire/ipv6.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv6 address in network order: the public sk_ip6 (synack/addr.h); the
 * address helpers (classes, solicited-node, multicast MAC, prefixes) are the
 * wire layer's (wire/ipv6.h). */
typedef sk_ip6 sk_ip6_addr;

/* What a module asks the interface (or TCP) to do. */
enum sk_ip6_intent_kind {
    SK_I6_NONE = 0,
    /* Send a Neighbor Solicitation for `target` to IP destination `dst`
     * and link-layer destination `mac` (the solicited-node group's
     * 33:33:ff:.., or the cached address of a unicast probe, §7.3.3);
     * flags: SK_I6F_SLLAO (add our source link-layer address option),
     * SK_I6F_SRC_UNSPEC (source ::, a DAD probe, RFC 4862 §5.4.2). */
    SK_I6_SEND_NS,
    /* Send a Router Solicitation to `dst` (ff02::2) at `mac`, RFC 4861
     * §6.3.7; SK_I6F_SLLAO unless the source is :: (§4.1). */
    SK_I6_SEND_RS,
    /* Send the held packet `data`/`len` (an IPv6 packet) to link address
     * `mac`: its next hop `target` resolved (RFC 4861 §7.2.2). */
    SK_I6_RELEASE,
    /* Resolution of `target` failed: answer the held packet `data`/`len`
     * with ICMPv6 destination unreachable, code 3 (address unreachable,
     * RFC 4861 §7.2.2, RFC 4443 §3.1). */
    SK_I6_UNREACHABLE,
    /* The neighbour `target` said it is no longer a router (NA with R=0,
     * RFC 4861 §7.2.5): remove it from the default router list. */
    SK_I6_NOT_ROUTER,
    /* Send an MLDv2 report (RFC 3810 §6.1) to `dst` (ff02::16) at `mac`:
     * join group `target` (CHANGE_TO_EXCLUDE {}), or leave it with
     * SK_I6F_LEAVE (TO_INCLUDE {}). */
    SK_I6_MLD_REPORT,
    /* Address `target` (prefix length `value`) changed state (RFC 4862):
     * tentative (do not use yet), preferred (use), deprecated (keep for
     * existing connections, choose it for no new one), invalid (remove),
     * duplicate (remove; SK_I6F_FINAL when no retry follows). `code` holds
     * the RFC 7217 DAD counter. */
    SK_I6_ADDR_TENTATIVE,
    SK_I6_ADDR_PREFERRED,
    SK_I6_ADDR_DEPRECATED,
    SK_I6_ADDR_INVALID,
    SK_I6_ADDR_DUPLICATE,
    /* Send ICMPv6 time exceeded, code 1 (fragment reassembly time exceeded,
     * RFC 8200 §4.5, RFC 4443 §3.3), quoting `data`/`len` (the first
     * fragment as it arrived), to its source `dst`. */
    SK_I6_TIME_EXCEEDED,
    /* Send ICMPv6 parameter problem, code `code`, pointer `value` (RFC 4443
     * §3.4), quoting `data`/`len`, to its source `dst`. */
    SK_I6_PARAM_PROBLEM,
    /* The path MTU to `target` is now `value` (RFC 8201): TCP recomputes
     * its MSS (value - 60) for connections to it. */
    SK_I6_PMTU,
};

#define SK_I6F_SLLAO 0x01u
#define SK_I6F_SRC_UNSPEC 0x02u
#define SK_I6F_LEAVE 0x04u
#define SK_I6F_FINAL 0x08u

typedef struct {
    uint8_t kind; /* enum sk_ip6_intent_kind */
    uint8_t flags;
    uint8_t code;
    uint32_t value;
    sk_ip6_addr target;
    sk_ip6_addr dst;
    sk_mac mac;
    uint32_t slot; /* internal: the held-packet slot (nd_cache) */
    const uint8_t *data;
    size_t len;
} sk_ip6_intent;

/* A bounded FIFO of intents, allocated once. Push fails (returns false)
 * when full; the module counts that. */
typedef struct {
    sk_ip6_intent *q;
    uint32_t cap, head, len;
} sk_i6q;

int sk_i6q_init(sk_i6q *q, const sk_allocator *a, uint32_t cap);
void sk_i6q_free(sk_i6q *q, const sk_allocator *a);
bool sk_i6q_push(sk_i6q *q, const sk_ip6_intent *in);
bool sk_i6q_pop(sk_i6q *q, sk_ip6_intent *out);

/* Allocation helpers over the configuration's allocator. */
void *sk_ip6_alloc(const sk_allocator *a, size_t n);
void sk_ip6_release(const sk_allocator *a, void *p, size_t n);

#endif
