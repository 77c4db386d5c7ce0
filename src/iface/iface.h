/* The interface layer's internal interface: link framing (raw IPv4 or
 * Ethernet II), the ARP neighbour cache with its queue of packets awaiting
 * resolution, IPv4 input (validation, address classes, reassembly, protocol
 * demultiplexing) and output (header, route, next hop), and ICMP (echo,
 * errors to TCP, our own rate-limited errors, the ping queues).
 *
 * One emission path: input only records intent in bounded queues (ARP
 * replies, echo replies, ICMP errors, packets held for ARP);
 * sk_iface_output() and sk_iface_send_ip() are the only places that write
 * frames. Every table is allocated once at creation through cfg.alloc.
 */
#ifndef SK_IFACE_IFACE_H
#define SK_IFACE_IFACE_H

#include "base/tbucket.h"
#include "ip6/ip6_reass.h"
#include "ip6/nd_cache.h"
#include "ip6/pmtu6.h"
#include "ip6/nd_router.h"
#include "ip6/slaac.h"
#include "wire/nd6.h"
#include "synack/icmp.h"
#include "tcp/tcp_conn.h"
#include "udp/udp.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_IFACE_TTL 64          /* RFC 1700 default TTL, as Linux */
#define SK_IFACE_HOP_LIMIT 64    /* IPv6 hop limit until a router says otherwise */
#define SK_ICMP6Q_CAP 8          /* ICMPv6 messages waiting to be sent */
#define SK_ND6Q_CAP 8            /* neighbour advertisements waiting to be sent */
#define SK_ARP_REPLYQ_CAP 8      /* ARP replies waiting to be sent */
#define SK_IPR_RANGES 32         /* received ranges tracked per datagram */
#define SK_IPR_BUF 65536         /* payload bytes a datagram can hold */
#define SK_ICMP_QUOTE_MAX 576    /* RFC 1812 §4.3.2.3: errors up to 576 bytes */
#define SK_PMTU6_ENTRIES 32      /* IPv6 destinations with a path MTU (LRU) */

/* ---- ARP (arp_cache.c) ---- */
enum { SK_ARP_FREE, SK_ARP_INCOMPLETE, SK_ARP_REACHABLE };

typedef struct {
    sk_ip4 ip;
    sk_mac mac;
    uint8_t state;
    uint8_t tries; /* INCOMPLETE: requests sent so far */
    bool known;    /* resolved before: INCOMPLETE asks again for a neighbour in use */
    uint32_t n_held; /* INCOMPLETE: held packets waiting for it */
    sk_time when;  /* INCOMPLETE: next request (or give-up); REACHABLE: expiry */
    uint64_t used; /* REACHABLE: tick of the last lookup that hit (LRU);
                    * INCOMPLETE: tick of its creation (oldest first) */
} sk_arp_entry;

/* A packet held until its next hop is resolved (a copy of the IPv4 packet). */
typedef struct {
    uint16_t len; /* 0: slot free */
    bool ready;   /* the next hop has been resolved: send it to mac */
    sk_ip4 nexthop;
    uint32_t entry; /* not ready: index of nexthop's (INCOMPLETE) entry */
    sk_mac mac;
    uint32_t order; /* FIFO order among held packets */
    uint8_t *data;  /* cfg.mtu bytes */
} sk_arp_held;

typedef struct {
    sk_mac mac;
    sk_ip4 ip;
} sk_arp_target;

typedef struct {
    sk_arp_entry *entries;
    uint32_t n_entries;
    sk_arp_held *held;
    uint8_t *held_mem;
    uint32_t n_held, held_used, held_order;
    uint32_t held_per_entry; /* packets one unresolved next hop may hold */
    uint32_t unresolved_max; /* INCOMPLETE entries not `known` at once */
    uint64_t tick;           /* stamps `used` */
    /* Counts that let the per-frame paths (output, timers, poll_at) skip
     * the table scans when nothing is being resolved, which is nearly
     * always: entries in INCOMPLETE, held packets that are ready. */
    uint32_t n_incomplete, held_ready;
    /* No INCOMPLETE entry's `when` (its next request or give-up) is
     * earlier: a lower bound, 0 at start. The per-frame timer run skips
     * its scan before it. */
    sk_time next_due;
    uint32_t hint; /* index of the entry the last lookup hit */
    sk_arp_target replyq[SK_ARP_REPLYQ_CAP];
    uint32_t replyq_head, replyq_len;
    bool garp_pending; /* gratuitous ARP at the first output */
} sk_arp;

/* ---- IPv4 reassembly (ip_reass.c) ---- */
enum { SK_IPR_FREE, SK_IPR_ACTIVE, SK_IPR_DEAD };

typedef struct {
    uint32_t start, end; /* payload bytes [start, end) received */
} sk_ipr_range;

typedef struct {
    uint8_t state;
    uint8_t proto;
    uint16_t id;
    int dead_reason; /* DEAD: the reason later fragments are dropped with */
    sk_ip4 src, dst;
    sk_time expires;
    uint32_t total;  /* payload length, known once the last fragment came */
    bool have_last;
    uint8_t hdr_len; /* header of fragment 0 (0: not received yet) */
    uint8_t hdr[SK_IP4_MAX_HDR_LEN];
    sk_ipr_range r[SK_IPR_RANGES];
    uint8_t n_r;
    uint8_t *buf; /* SK_IPR_BUF bytes */
} sk_ipr_dgram;

typedef struct {
    sk_ipr_dgram *d;
    uint32_t n;
    uint32_t n_busy; /* slots not FREE: timers and poll_at skip the scan at 0 */
    sk_time next_due; /* no datagram expires earlier (a lower bound, 0 at
                       * start): the per-frame timer run skips its scan before it */
} sk_ipr;

/* ---- ICMP (icmp.c) ---- */
typedef struct {
    sk_ip4 dst;
    uint16_t len;  /* ICMP message length (header + data) */
    uint8_t *msg;  /* cfg.mtu - 20 bytes, checksum filled */
} sk_icmp_out;

typedef struct {
    sk_icmp_out *q;
    uint8_t *mem;
    uint32_t cap, head, len;
    sk_tbucket bucket; /* token bucket for our errors (v4 and v6) */
    sk_ping_reply *replies;
    uint32_t rcap, rhead, rlen;
} sk_icmp;

/* ---- ICMPv6 (iface_icmp6.c) ---- */
typedef struct {
    sk_ip6 src, dst;
    uint16_t len; /* ICMPv6 message length, checksum filled */
    uint8_t *msg; /* SK_IP6_MIN_MTU - 40 bytes */
} sk_icmp6_out;

typedef struct {
    sk_icmp6_out q[SK_ICMP6Q_CAP];
    uint8_t *mem;
    uint32_t head, len;
} sk_icmp6q;

/* ---- Neighbour Discovery (iface_nd6.c) ---- */
typedef struct {
    sk_ip6 target, dst;
    sk_mac mac; /* unicast dst: the solicitor's link address */
    bool solicited;
} sk_nd6_answer;

typedef struct {
    sk_nd6_answer q[SK_ND6Q_CAP];
    uint32_t head, len;
} sk_nd6q;

/* ---- router discovery and SLAAC (iface_ra6.c) ---- */
#define SK_RA6Q_CAP 8
typedef struct {
    sk_ip6_intent q[SK_RA6Q_CAP];
    uint32_t head, len;
} sk_ra6q;

/* ---- MLD (iface_mld6.c) ---- */
#define SK_MLDQ_GROUPS 4
typedef struct {
    sk_time general_at;               /* answer to a General Query, NEVER: none */
    sk_ip6 group[SK_MLDQ_GROUPS];     /* Multicast Address Specific answers pending */
    sk_time group_at[SK_MLDQ_GROUPS]; /* NEVER: slot free */
    sk_rng rng;                       /* the random delays (§6.2), seeded */
} sk_mldq;

/* ---- transport segments out (iface.c) ---- */
/* What a transport layer (TCP; UDP and ICMPv6 next) hands the interface
 * with a segment: the interface writes the IP header of the addresses'
 * family and the checksum over the pseudo-header. */
typedef struct {
    sk_ipaddr src, dst; /* family-tagged, one family; src is one of ours */
    uint8_t proto;      /* SK_IPPROTO_TCP ... (IPv4 protocol / IPv6 next header) */
    bool df;            /* IPv4: don't fragment (RFC 1191) */
    uint16_t csum_off;  /* offset of the transport checksum in the segment */
    /* offload (sk_dev_caps): leave only the pseudo-header sum in the
     * checksum field for the device to complete (NEEDS_CSUM); gso: a
     * super-segment, longer than one MTU (the device cuts it). Both only
     * where sk_iface_tx_direct said the frame leaves at once. */
    bool csum_partial;
    bool gso;
} sk_l4_out;

/* ---- the interface ---- */
typedef struct {
    sk_ctx *ctx;                /* configuration, statistics, trace, keys */
    const sk_stack_config *cfg; /* &ctx->cfg */
    sk_tcp_env *tcp;            /* TCP, for demultiplexing and errors */
    sk_udp *udp;                /* UDP sockets (set by the stack after init) */
    /* Our IPv4 address and prefix: the one IPv4 entry of cfg->addrs
     * (0.0.0.0/32 without one), set at creation */
    sk_ip4 addr4;
    uint8_t plen4;
    uint32_t mask;              /* on-link prefix mask, host order */
    uint16_t ip_id;             /* IPv4 identification counter */
    uint16_t mtu_alloc;         /* cfg->mtu at creation: the size of held-packet and
                                   ICMP buffers (sk_stack_set_mtu only lowers cfg->mtu) */
    sk_arp arp;
    sk_ipr reass;
    sk_icmp icmp;
    uint8_t hop_limit6;         /* RFC 8200 §3: ours, SK_IFACE_HOP_LIMIT */
    uint16_t mtu6;              /* IPv6's link MTU from an RA's MTU option (RFC 4861
                                 * §6.3.4); 0: the link's own */
    sk_ip6_reass *reass6;       /* NULL: fragments are dropped (IP6_FRAGMENT) */
    sk_icmp6q icmp6;
    sk_pmtu6 *pmtu6;            /* RFC 8201 path MTU per IPv6 destination (iface_pmtu.c) */
    sk_pmtu6 *pmtu4;            /* RFC 1191 path MTU per IPv4 destination (the same cache) */
    sk_nd_cache *nd;            /* Ethernet only */
    sk_nd6q nd6q;
    sk_nd_router *ndr;          /* default router and prefix lists (Ethernet only) */
    sk_slaac *slaac;            /* RFC 4862/7217 addresses and their DAD (Ethernet only) */
    sk_ra6q ra6q;               /* their NS/RS intents waiting for output */
    bool ra6_started;           /* the first timer run moved their start-up delays to now */
    sk_ip6 rdnss[SK_ND_MAX_RDNSS];       /* DNS servers from RAs (RFC 8106) */
    sk_time rdnss_until[SK_ND_MAX_RDNSS]; /* their lifetimes' end; 0: slot free */
    uint8_t mld_left;           /* MLDv2 reports still to send (RFC 3810 §6.1) */
    sk_time mld_at;             /* when the next one is due */
    sk_mldq mldq;               /* answers to queries due (RFC 3810 §6.2) */
    sk_tuple flow_tu[2];        /* the last two flows labelled, and their */
    uint32_t flow_label[2];     /* labels (0: empty): a cache before the hash */
    sk_rx_meta rx;              /* the frame being input: set and cleared by sk_iface_input */
} sk_iface;

/* iface.c */
int sk_iface_init(sk_iface *ifc, sk_ctx *ctx, sk_tcp_env *tcp);
void sk_iface_free(sk_iface *ifc);
/* cfg->addrs changed (sk_stack_set_ipv4): take the IPv4 address and prefix
 * from the list again; a new address is announced by gratuitous ARP. */
void sk_iface_addrs_changed(sk_iface *ifc);
void *sk_iface_alloc(sk_iface *ifc, size_t n);
void sk_iface_release(sk_iface *ifc, void *p, size_t n);
void sk_iface_drop(sk_iface *ifc, int reason, sk_time now);
/* Bytes of link header before the IPv4 packet (0 or 14). */
static inline size_t sk_iface_link_hdr(const sk_iface *ifc)
{
    return ifc->cfg->link == SK_LINK_ETHERNET ? SK_ETH_HDR_LEN : 0;
}
bool sk_iface_on_link(const sk_iface *ifc, sk_ip4 a);
/* Limited broadcast or the subnet-directed broadcast of our prefix. */
bool sk_iface_is_bcast(const sk_iface *ifc, sk_ip4 a);
/* a names one host on our link's terms (sk_ip4_is_host on our prefix);
 * RFC 1122 §3.2.2 (e) and §3.2.1.3 for the sources we accept and answer. */
bool sk_iface_is_host(const sk_iface *ifc, sk_ip4 a);
/* 127/8 or our own address: nothing we send can reach it (no loopback). */
bool sk_iface_is_local(const sk_iface *ifc, sk_ip4 a);
/* Next hop for dst: 0, or SK_EHOSTUNREACH (off-link, no gateway). On a raw
 * IP link every destination is reached through the link (point to point). */
int sk_iface_route(const sk_iface *ifc, sk_ip4 dst, sk_ip4 *nexthop);
/* Where a transport segment of `family` starts in an output buffer (link
 * header + IP header), and the longest segment the MTU lets it carry. */
static inline size_t sk_iface_ip_hdr_len(uint8_t family)
{
    return family == SK_AF_INET6 ? SK_IP6_HDR_LEN : SK_IP4_HDR_LEN;
}
static inline size_t sk_iface_l4_offset(const sk_iface *ifc, uint8_t family)
{
    return sk_iface_link_hdr(ifc) + sk_iface_ip_hdr_len(family);
}
/* The link MTU for a family: the configured one, or for IPv6 the smaller
 * MTU a router advertised for this link (RFC 4861 §6.3.4). */
static inline uint16_t sk_iface_link_mtu(const sk_iface *ifc, uint8_t family)
{
    uint16_t m = ifc->cfg->mtu;
    return family == SK_AF_INET6 && ifc->mtu6 != 0 && ifc->mtu6 < m ? ifc->mtu6 : m;
}
static inline size_t sk_iface_l4_max(const sk_iface *ifc, uint8_t family)
{
    size_t h = sk_iface_ip_hdr_len(family);
    uint16_t m = sk_iface_link_mtu(ifc, family);
    return m > h ? m - h : 0;
}
/* The transport segment of l4_len bytes sits at buf + sk_iface_l4_offset:
 * fill its checksum, write the IP header of the addresses' family in front
 * of it and frame it (sk_iface_send_ip, sk_iface_send_ip6). */
size_t sk_iface_send_l4(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap, const sk_l4_out *o,
                        size_t l4_len);
/* The transport checksum of seg[0..len): complete, or with o->csum_partial
 * the pseudo-header sum the device completes. */
void sk_iface_l4_csum(const sk_l4_out *o, uint8_t *seg, size_t len);
/* Largest transport segment one super-segment may carry: the IP length
 * field's limit less the IP header (an IPv6 payload length counts no
 * header of its own). */
static inline size_t sk_iface_l4_gso_max(uint8_t family)
{
    return family == SK_AF_INET6 ? 0xffffu : 0xffffu - sk_iface_ip_hdr_len(family);
}
/* Would a packet to dst leave now, framed, rather than wait for ARP or
 * neighbour discovery (or be dropped for want of a route)? Changes
 * nothing but the ARP cache's lookup hint. Held
 * packets sit in MTU-sized slots and go out later without metadata, so
 * only such packets may be super-segments or carry a partial checksum. */
bool sk_iface_tx_direct(sk_iface *ifc, const sk_ipaddr *dst, sk_time now);
/* Our source address for a destination of dst's family; false when we
 * have none of that family. */
bool sk_iface_src_for(const sk_iface *ifc, const sk_ipaddr *dst, sk_ipaddr *src);
/* Write a 20-byte IPv4 header from us (TTL 64, next identification). */
void sk_iface_ip_hdr(sk_iface *ifc, uint8_t *p, size_t total, uint8_t proto, sk_ip4 dst, bool df);
/* The IPv4 packet of ip_len bytes sits at buf + link header: frame it.
 * Returns the frame length, or, when the next hop is unresolved, holds a
 * copy and returns an ARP request written into buf (or 0). */
size_t sk_iface_send_ip(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap, size_t ip_len);
/* Frames of the interface itself (ARP, ICMP, released held packets). */
size_t sk_iface_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap);
void sk_iface_run_timers(sk_iface *ifc, sk_time now);
/* 0 when output is pending, else the next deadline (SK_TIME_NEVER). */
sk_time sk_iface_poll_at(const sk_iface *ifc);

/* iface_input.c */
void sk_iface_input(sk_iface *ifc, sk_time now, const uint8_t *frame, size_t len,
                    const sk_rx_meta *rx);

/* ip6_output.c */
int sk_ip6out_init(sk_iface *ifc);
void sk_ip6out_free(sk_iface *ifc);
/* a is one of our IPv6 unicast addresses (cfg->addrs). */
bool sk_iface_is_ours6(const sk_iface *ifc, sk_ip6 a);
/* a is a multicast group we listen to: all-nodes (ff02::1) or the
 * solicited-node group of one of our addresses (RFC 4291 §2.8). */
bool sk_iface_joined6(const sk_iface *ifc, sk_ip6 a);
/* Source address selection for an IPv6 destination (RFC 6724 §5, the
 * rules that apply to one interface). */
bool sk_iface_src_for6(const sk_iface *ifc, sk_ip6 dst, sk_ip6 *src);
/* The IPv6 payload of pl_len bytes sits at buf + link header + 40: write
 * the IPv6 header (RFC 8200 §3) and frame the packet. Returns the frame
 * length or 0 (counted). flow: the flow label (RFC 6437). */
size_t sk_iface_send_ip6(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap, sk_ip6 src,
                         sk_ip6 dst, uint8_t next_header, uint32_t flow, uint8_t hop_limit,
                         size_t pl_len);
size_t sk_iface_send_l4_6(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap,
                          const sk_l4_out *o, size_t l4_len);

/* iface_nd6.c */
int sk_nd6_init(sk_iface *ifc);
/* Copy the neighbour cache's eviction counts into the stack's statistics. */
void sk_nd6_sync_stats(sk_iface *ifc);
/* A packet to dst would be framed at once (a neighbour entry in any state
 * but INCOMPLETE, RFC 4861 §7.3.2), not held. Pure. */
bool sk_nd6_tx_direct(sk_iface *ifc, sk_ip6 dst, sk_time now);
void sk_nd6_free(sk_iface *ifc);
/* Frame the IPv6 packet of ip_len bytes at buf + 14 for dst: multicast to
 * its group MAC, unicast after next-hop determination and resolution
 * (held while resolving: 0). */
size_t sk_nd6_frame(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap, sk_ip6 dst,
                    size_t ip_len);
size_t sk_nd6_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap);
/* One intent of ip6/ (NS, release, unreachable, not-router) as a frame, or 0. */
size_t sk_nd6_intent_frame(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap,
                           const sk_ip6_intent *it);
bool sk_nd6_pending(const sk_iface *ifc);
/* An MLDv2 report of our solicited-node groups when one is due (RFC 3810
 * §6.1: at start and after a new address, twice, 1 s apart), else 0. */
/* iface_mld6.c */
void sk_mld6_init(sk_iface *ifc);
/* A Multicast Listener Query (RFC 3810 §6.2) that passed sk_icmp6_parse. */
void sk_mld6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const uint8_t *msg,
                   size_t len);
sk_time sk_mld6_poll_at(const sk_iface *ifc);
size_t sk_mld6_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap);
/* Report our groups again (an address was added). */
void sk_mld6_schedule(sk_iface *ifc, sk_time now);
void sk_nd6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const uint8_t *msg,
                  size_t len);
/* Upper-layer confirmation (RFC 4861 §7.3.1) of the next hop to peer. */
void sk_nd6_confirm(sk_iface *ifc, sk_time now, sk_ip6 peer);
/* RFC 4861 §5.2 next-hop determination for dst (false: none). */
bool sk_nd6_next_hop(sk_iface *ifc, sk_ip6 dst, sk_time now, sk_ip6 *nh);

/* iface_redirect6.c */
/* A Redirect (RFC 4861 §8.1 checks, §8.3 effect); drops counted. */
void sk_redirect6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const uint8_t *msg,
                        size_t len);
/* The next hop a redirect set for dst, if any. */
void sk_nd6_run_timers(sk_iface *ifc, sk_time now);
sk_time sk_nd6_poll_at(const sk_iface *ifc);

/* iface_ra6.c: ip6/nd_router.c and ip6/slaac.c wired to the interface */
int sk_ra6_init(sk_iface *ifc);
void sk_ra6_free(sk_iface *ifc);
/* A Router Advertisement that passed sk_nd_check (RFC 4861 §6.1.2). */
void sk_ra6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const sk_nd_repr *nd);
/* An NS (src :: for DAD) or NA for `target`: DAD conflicts (RFC 4862 §5.4.3, §5.4.4). */
void sk_ra6_input_ns(sk_iface *ifc, sk_time now, sk_ip6 src, sk_ip6 target);
void sk_ra6_input_na(sk_iface *ifc, sk_time now, sk_ip6 target);
/* The next hop for an off-link destination (§5.2, §6.3.6): 0 or SK_EHOSTUNREACH. */
int sk_ra6_next_hop(sk_iface *ifc, sk_time now, sk_ip6 dst, sk_ip6 *nh);
bool sk_ra6_on_link(const sk_iface *ifc, sk_time now, sk_ip6 dst);
/* A neighbour said it is no longer a router (NA with R=0). */
void sk_ra6_router_gone(sk_iface *ifc, sk_ip6 ip);
/* `a` is one of our addresses still in DAD (RFC 4862 §5.4): not ours yet. */
bool sk_ra6_tentative(const sk_iface *ifc, sk_ip6 a);
/* The solicited-node groups we listen to (RFC 4861 §7.2.1): of every IPv6
 * address in cfg->addrs and of every tentative one (RFC 4862 §5.4.2), each
 * once; returns how many (at most cap). */
#define SK_RA6_GROUPS (2 * SK_CFG_ADDRS)
size_t sk_ra6_groups(const sk_iface *ifc, sk_ip6 *out, size_t cap);
/* The RDNSS servers still valid at now (RFC 8106 §5.3.1), at most max. */
int sk_ra6_dns(const sk_iface *ifc, sk_time now, sk_ip6 *out, int max);
size_t sk_ra6_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap);
void sk_ra6_run_timers(sk_iface *ifc, sk_time now);
sk_time sk_ra6_poll_at(const sk_iface *ifc);

/* ip6_input.c */
void sk_iface_input_ip6(sk_iface *ifc, sk_time now, const uint8_t *pkt, size_t len,
                        bool link_mcast);
void sk_ip6in_run_timers(sk_iface *ifc, sk_time now);
sk_time sk_ip6in_poll_at(const sk_iface *ifc);

/* iface_icmp6.c */
int sk_icmp6_init(sk_iface *ifc);
void sk_icmp6_free(sk_iface *ifc);
/* An ICMPv6 message for us (dst is ours or a group we joined). */
void sk_icmp6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const uint8_t *msg,
                    size_t len);
/* Queue an ICMPv6 error about the packet pkt[0..pkt_len) (its IPv6 header
 * first), subject to RFC 4443 §2.4 (e) and (f) and the rate limit;
 * mcast_ok: the exceptions of §2.4 (e.3) (packet too big, parameter
 * problem code 2 with the option type's high bits 10). */
void sk_icmp6_error(sk_iface *ifc, sk_time now, uint8_t type, uint8_t code, uint32_t word,
                    const uint8_t *pkt, size_t pkt_len, bool mcast_ok);
size_t sk_icmp6_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap);
int sk_icmp6_ping_send(sk_iface *ifc, sk_time now, sk_ip6 dst, uint16_t id, uint16_t seq,
                       const void *data, size_t len);

/* iface_pmtu.c */
int sk_ifpmtu_init(sk_iface *ifc);
/* The MTU towards dst: the link MTU, or less when the cache knows less. */
uint16_t sk_iface_path_mtu(sk_iface *ifc, const sk_ipaddr *dst, sk_time now);
void sk_ifpmtu_free(sk_iface *ifc);
/* A Packet Too Big saying `mtu` about the quoted packet q (its IPv6 header
 * first, from us; the upper-layer header `proto` at q + off with 8 bytes):
 * RFC 8201 §4 validation, then the cache and TCP. 0 or a drop reason (not
 * counted). */
int sk_ifpmtu_ptb(sk_iface *ifc, sk_time now, const uint8_t *q, uint8_t proto, size_t off,
                  uint32_t mtu);
/* A Fragmentation Needed (RFC 1191) saying `mtu` (the plateau already
 * guessed) about the quoted IPv4 datagram q (header of ihl bytes, from us,
 * 8 bytes of its payload): the same checks and cache. */
int sk_ifpmtu_frag_needed(sk_iface *ifc, sk_time now, const uint8_t *q, size_t ihl, uint16_t mtu);
void sk_ifpmtu_run_timers(sk_iface *ifc, sk_time now);
sk_time sk_ifpmtu_poll_at(const sk_iface *ifc);

/* arp_cache.c */
int sk_arp_init(sk_iface *ifc);
void sk_arp_free(sk_iface *ifc);
void sk_arp_input(sk_iface *ifc, sk_time now, const sk_eth_repr *eth);
/* The MAC of a resolved, unexpired next hop. */
bool sk_arp_lookup(sk_iface *ifc, sk_ip4 ip, sk_time now, sk_mac *mac);
/* Hold the packet for nexthop; returns an ARP request frame in buf when one
 * is due, else 0. */
size_t sk_arp_hold(sk_iface *ifc, sk_time now, sk_ip4 nexthop, size_t ip_len, uint8_t *buf,
                   size_t cap);
size_t sk_arp_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap);
void sk_arp_run_timers(sk_iface *ifc, sk_time now);
sk_time sk_arp_poll_at(const sk_iface *ifc);

/* ip_reass.c */
int sk_ipr_init(sk_iface *ifc);
void sk_ipr_free(sk_iface *ifc);
/* A fragment arrived. Returns 0 with *whole describing the complete
 * datagram (payload in the slot, valid until sk_ipr_done(*slot)), 1 when the
 * fragment was kept, or a drop reason (already counted). */
int sk_ipr_input(sk_iface *ifc, sk_time now, const sk_ip4_repr *frag, sk_ip4_repr *whole,
                 sk_ipr_dgram **slot);
void sk_ipr_done(sk_iface *ifc, sk_ipr_dgram *d);
void sk_ipr_run_timers(sk_iface *ifc, sk_time now);
sk_time sk_ipr_poll_at(const sk_iface *ifc);

/* icmp.c */
int sk_icmp_init(sk_iface *ifc);
void sk_icmp_free(sk_iface *ifc);
void sk_icmp_input(sk_iface *ifc, sk_time now, const sk_ip4_repr *ip, bool bcast);
/* Queue an ICMP error about the datagram `orig` (its header bytes at
 * orig_hdr), subject to RFC 1122 §3.2.2 and the rate limit. */
void sk_icmp_error(sk_iface *ifc, sk_time now, uint8_t type, uint8_t code,
                   const sk_ip4_repr *orig, const uint8_t *orig_hdr, bool bcast);
size_t sk_icmp_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap);
int sk_icmp_ping_send(sk_iface *ifc, sk_time now, sk_ip4 dst, uint16_t id, uint16_t seq,
                      const void *data, size_t len);
bool sk_icmp_ping_next(sk_iface *ifc, sk_ping_reply *out);
/* A zeroed slot of the ping reply queue for an echo reply, or NULL (full,
 * counted). */
sk_ping_reply *sk_icmp_reply_slot(sk_iface *ifc, sk_time now);
/* The error token bucket both ICMP versions share: true when an error may
 * be sent now (one token taken). */
bool sk_icmp_take_token(sk_iface *ifc, sk_time now);

#endif
