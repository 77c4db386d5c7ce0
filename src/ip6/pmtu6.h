/* RFC 8201 path MTU cache for IPv6 destinations (see pmtu6.c). */
#ifndef SK_IP6_PMTU6_H
#define SK_IP6_PMTU6_H

#include "ip6/ip6_types.h"

#define SK_PMTU6_MIN 1280u           /* RFC 8200 §5 */
#define SK_PMTU6_AGING SK_SEC(600)   /* RFC 8201 §4: 10 minutes */

typedef struct {
    uint32_t entries;  /* destinations remembered (>= 1) */
    uint32_t link_mtu; /* >= floor */
    /* The smallest estimate: 0 means 1280 (RFC 8200 §5). The interface's
     * IPv4 cache (keys ::ffff:a.b.c.d) uses 552 (RFC 5927 §7.2, Linux's
     * min_pmtu). */
    uint32_t floor;
    sk_allocator alloc;
} sk_pmtu6_config;

typedef struct {
    uint64_t ptb_in;
    uint64_t ptb_below_min;  /* a value < floor (1280) taken as the floor */
    uint64_t ptb_not_lower;  /* no decrease: ignored (§4 MUST NOT increase) */
    uint64_t decreased;      /* the estimate went down */
    uint64_t aged;           /* raised to the link MTU after 10 minutes */
    uint64_t evicted;        /* LRU entry reused */
    uint64_t drop_intent_full;
} sk_pmtu6_stats;

typedef struct {
    sk_ip6_addr dst;
    uint32_t mtu;
    bool used;
    sk_time expires;
    uint64_t stamp;
} sk_pmtu6_entry;

typedef struct {
    sk_pmtu6_config cfg;
    sk_pmtu6_entry *e;
    uint32_t n_used; /* entries in use: timers and poll_at skip the scan at 0 */
    sk_time next_due; /* no entry expires earlier (a lower bound; 0 at
                       * creation): the per-frame timer run skips its scan before it */
    uint64_t tick;
    sk_i6q iq;
    sk_pmtu6_stats stats;
} sk_pmtu6;

int sk_pmtu6_create(const sk_pmtu6_config *cfg, sk_pmtu6 **out);
void sk_pmtu6_destroy(sk_pmtu6 *p);
/* The path MTU to dst at now (the link MTU when nothing is known). */
uint32_t sk_pmtu6_lookup(sk_pmtu6 *p, const sk_ip6_addr *dst, sk_time now);
/* A Packet Too Big for dst saying `mtu` (RFC 8201 §4, RFC 4443 §3.2). A
 * decrease queues SK_I6_PMTU (target dst, value the new MTU). */
void sk_pmtu6_input_ptb(sk_pmtu6 *p, sk_time now, const sk_ip6_addr *dst, uint32_t mtu);
/* The link MTU changed (an RA's MTU option, nd_router's `mtu`; >= 1280):
 * estimates at or above it are forgotten (they follow the link again). */
void sk_pmtu6_set_link_mtu(sk_pmtu6 *p, uint32_t link_mtu);
void sk_pmtu6_run_timers(sk_pmtu6 *p, sk_time now);
sk_time sk_pmtu6_poll_at(const sk_pmtu6 *p);
bool sk_pmtu6_next_intent(sk_pmtu6 *p, sk_ip6_intent *out);

#endif
