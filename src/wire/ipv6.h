/* IPv6 (RFC 8200): the fixed header, address classes (RFC 4291) and the
 * extension-header walker (ip6_ext.c). No state: reassembly, neighbour
 * discovery and the decision to send an ICMPv6 error belong to the caller,
 * which gets from the walker what to send (type, code, pointer) and when. */
#ifndef SK_WIRE_IPV6_H
#define SK_WIRE_IPV6_H

#include "synack/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_IP6_HDR_LEN 40
#define SK_IP6_MIN_MTU 1280 /* RFC 8200 §5 */

/* Next header values (IANA "Assigned Internet Protocol Numbers"). */
#define SK_IPPROTO_HOPOPTS 0
#define SK_IPPROTO_ROUTING 43
#define SK_IPPROTO_FRAGMENT 44
#define SK_IPPROTO_ICMPV6 58
#define SK_IPPROTO_NONE 59
#define SK_IPPROTO_DSTOPTS 60

/* ICMPv6 Parameter Problem codes (RFC 4443 §3.4), named here because the
 * extension-header walker reports them. */
#define SK_ICMP6_PARAM_HEADER 0      /* erroneous header field */
#define SK_ICMP6_PARAM_NEXT_HEADER 1 /* unrecognized next header type */
#define SK_ICMP6_PARAM_OPTION 2      /* unrecognized IPv6 option */

typedef struct {
    uint8_t traffic_class; /* DSCP + ECN */
    uint32_t flow_label;   /* 20 bits (RFC 6437) */
    uint16_t payload_len;  /* the header's field: bytes after the fixed header */
    uint8_t next_header;
    uint8_t hop_limit;
    sk_ip6 src;
    sk_ip6 dst;
    const uint8_t *payload; /* payload_len bytes: extension headers + upper layer */
} sk_ip6_repr;

/* Parse the fixed header (RFC 8200 §3). Returns 0, or SK_DROP_IP6_TRUNCATED
 * (under 40 bytes), _VERSION, _PAYLOAD_LEN (payload length past len) or
 * _BAD_SRC (multicast source, RFC 4291 §2.7). Bytes past 40 + payload_len
 * are link padding and left out. A payload length of 0 means an empty
 * payload: jumbograms (RFC 2675) are not supported. */
int sk_ip6_parse(const uint8_t *pkt, size_t len, sk_ip6_repr *out);
/* Write the 40-byte fixed header (not the payload). Returns 40, or 0 when
 * cap is too small. The flow label is masked to 20 bits. */
size_t sk_ip6_emit(const sk_ip6_repr *r, uint8_t *buf, size_t cap);

/* --- Address classes (RFC 4291 §2.4-2.7, RFC 4861 §2.3) ---------------- */

bool sk_ip6_eq(sk_ip6 a, sk_ip6 b);
/* Inline: every IPv6 packet in asks several of these about its addresses
 * (a call with a 16-byte argument cost more than the test itself). */
static inline bool sk_ip6_zero_bytes_(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}
static inline bool sk_ip6_is_unspecified(sk_ip6 a) /* ::      (§2.5.2) */
{
    return sk_ip6_zero_bytes_(a.b, 16);
}
static inline bool sk_ip6_is_loopback(sk_ip6 a) /* ::1     (§2.5.3) */
{
    return sk_ip6_zero_bytes_(a.b, 15) && a.b[15] == 1;
}
static inline bool sk_ip6_is_multicast(sk_ip6 a) /* ff00::/8 (§2.7) */
{
    return a.b[0] == 0xff;
}
static inline bool sk_ip6_is_link_local(sk_ip6 a) /* fe80::/10 unicast (§2.5.6) */
{
    return a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80;
}
static inline bool sk_ip6_is_v4_mapped(sk_ip6 a) /* ::ffff:0:0/96 (§2.5.5.2) */
{
    return sk_ip6_zero_bytes_(a.b, 10) && a.b[10] == 0xff && a.b[11] == 0xff;
}
/* The scope field of a multicast address (§2.7: 1 interface-local, 2
 * link-local, 5 site-local, 8 organization-local, 0xe global); 0 for an
 * address that is not multicast (0 is reserved as a scope). */
uint8_t sk_ip6_mcast_scope(sk_ip6 a);
/* ff02::1:ffXX:XXXX with the low 24 bits of a (§2.7.1). */
sk_ip6 sk_ip6_solicited_node(sk_ip6 a);
/* a is some solicited-node multicast address, ff02::1:ff00:0/104. */
bool sk_ip6_is_solicited_node(sk_ip6 a);
sk_ip6 sk_ip6_all_nodes(void);   /* ff02::1 */
sk_ip6 sk_ip6_all_routers(void); /* ff02::2 */
sk_ip6 sk_ip6_mld2_routers(void); /* ff02::16, where MLDv2 reports go (RFC 3810 §5.2.14) */
/* a and b share their first len bits (len 0..128). */
bool sk_ip6_same_prefix(sk_ip6 a, sk_ip6 b, uint8_t len);
/* The Ethernet group address of an IPv6 multicast address: 33:33 and its
 * last 32 bits (RFC 2464 §7). */
sk_mac sk_ip6_mcast_mac(sk_ip6 a);
/* fe80::/64 with the modified EUI-64 of an Ethernet address: the U/L bit
 * inverted and ff:fe in the middle (RFC 4291 §2.5.1 and appendix A,
 * RFC 2464 §5). */
sk_ip6 sk_ip6_link_local_from_mac(sk_mac m);

/* --- Extension headers (ip6_ext.c) -------------------------------------- */

/* What the caller must do when the walker refuses a packet: nothing more
 * than the drop, or send an ICMPv6 Parameter Problem (RFC 4443 §3.4) with
 * icmp_code and icmp_pointer, or send it unless the packet's destination was
 * a multicast address (RFC 8200 §4.2, option type bits 11). The rate limit
 * and RFC 4443 §2.4(e) (never for an error, a multicast or link-layer
 * broadcast destination except these cases, ...) stay the caller's. */
enum sk_ip6_icmp_action {
    SK_IP6_ICMP_NONE = 0,
    SK_IP6_ICMP_SEND = 1,
    SK_IP6_ICMP_SEND_UNLESS_MCAST = 2,
};

typedef struct {
    /* Success: the upper-layer header. proto is the last next header value
     * (ICMPv6, TCP, UDP, 59 = no next header, or any other: the caller
     * answers an unknown one with a parameter problem, code 1, pointing at
     * proto_ptr). offset counts from the start of the IPv6 header. */
    uint8_t proto;
    size_t offset;
    size_t proto_ptr; /* offset of the next header byte that named proto */
    /* Router alert option in the hop-by-hop header (RFC 2711): value 0 is
     * MLD (RFC 3810 §5). */
    bool router_alert;
    uint16_t router_alert_value;
    /* Fragment header (RFC 8200 §4.5). An atomic fragment (offset 0, M 0,
     * RFC 6946) is walked through and reported with atomic set; any other
     * fragment stops the walk: proto/offset then describe what follows the
     * fragment header, and the caller reassembles. */
    bool fragment;
    bool atomic;
    bool frag_more;       /* M flag */
    uint16_t frag_offset; /* bytes (a multiple of 8) */
    uint32_t frag_id;
    size_t frag_hdr_offset; /* where the fragment header starts */
    /* Failure: the ICMPv6 error to send, if any (pointer from the start of
     * the IPv6 header, RFC 4443 §3.4). */
    uint8_t icmp_action; /* enum sk_ip6_icmp_action */
    uint8_t icmp_code;   /* SK_ICMP6_PARAM_* */
    uint32_t icmp_pointer;
} sk_ip6_ext;

/* Walk the extension headers of a parsed packet (RFC 8200 §4): hop-by-hop
 * (only right after the fixed header), destination options (any number),
 * routing (segments left 0 is skipped; otherwise the packet is refused: no
 * routing type is implemented, and type 0 is deprecated by RFC 5095) and
 * fragment. Options: Pad1, PadN, router alert in hop-by-hop; any other type
 * by its two high-order bits (RFC 8200 §4.2). Returns 0 with out's success
 * fields, or a drop reason (SK_DROP_IP6_EXT_TRUNCATED, _HBH_NOT_FIRST,
 * _OPT_BAD, _OPT_UNKNOWN, _ROUTING, _FRAG_BAD) with out's icmp_* fields. */
int sk_ip6_walk_ext(const sk_ip6_repr *ip, sk_ip6_ext *out);
/* The upper-layer header of the packet quoted in an ICMPv6 error,
 * q[0..len) from its IPv6 header on: extension headers are stepped over
 * without judging their options. Returns 0 with *proto and *off (from the
 * IPv6 header; at least 8 bytes follow it), or SK_DROP_ICMP6_BAD_QUOTE (no
 * IPv6 header) or SK_DROP_ICMP6_QUOTE_TRUNCATED (the quote ends before 8
 * bytes of the upper-layer header, or quotes a non-first fragment). */
int sk_ip6_quote_l4(const uint8_t *q, size_t len, uint8_t *proto, size_t *off);

#endif
