/* The IPv6 extension-header walker (RFC 8200 §4), for a host: it reads the
 * chain after the fixed header up to the upper-layer header, applying:
 *   §4.1 / §4.3  hop-by-hop options only right after the fixed header;
 *                elsewhere: parameter problem code 1 at the next header
 *                byte that named it (as Linux)           IP6_HBH_NOT_FIRST
 *   §4.2         options: Pad1, PadN; router alert (RFC 2711) in
 *                hop-by-hop; any other type by its two high-order bits:
 *                00 skip, 01 discard, 10 discard + parameter problem code 2
 *                at the option type, 11 the same unless the destination
 *                is multicast                            IP6_OPT_UNKNOWN
 *                an option past its header               IP6_OPT_BAD
 *   §4.4         routing: segments left 0 is ignored; otherwise discard
 *                and parameter problem code 0 at the routing type, since
 *                we implement no type. Type 0 is refused the same way, as
 *                RFC 5095 §3 requires                    IP6_ROUTING
 *   §4.5         fragment: a fragment whose length is not a multiple of 8
 *                with M set (code 0 at the payload length), or that would
 *                reassemble past 65535 bytes (code 0 at the fragment
 *                offset)                                 IP6_FRAG_BAD
 *                an atomic fragment (offset 0, M 0) is walked through
 *                (RFC 6946 §4); any other stops the walk for reassembly
 *   any header past the payload                          IP6_EXT_TRUNCATED
 * Reserved fields are ignored on receipt. Every header is at least 8 bytes,
 * so the walk ends within payload_len / 8 + 1 steps. */
#include "wire/ipv6.h"

#include "base/bytes.h"
#include "base/skassert.h"
#include "synack/stats.h"

#include <string.h>

#define OPT_PAD1 0
#define OPT_PADN 1
#define OPT_ROUTER_ALERT 5

static int refuse(sk_ip6_ext *out, int reason, uint8_t action, uint8_t code, size_t ptr)
{
    out->icmp_action = action;
    out->icmp_code = code;
    out->icmp_pointer = (uint32_t)ptr;
    return reason;
}

/* The action the two high-order bits of an unknown option type ask for
 * (RFC 8200 §4.2); ptr is the option type's offset in the packet. */
static int unknown_option(sk_ip6_ext *out, uint8_t type, size_t ptr)
{
    switch (type >> 6) {
    case 0:
        return 0;
    case 1:
        return refuse(out, SK_DROP_IP6_OPT_UNKNOWN, SK_IP6_ICMP_NONE, 0, 0);
    case 2:
        return refuse(out, SK_DROP_IP6_OPT_UNKNOWN, SK_IP6_ICMP_SEND, SK_ICMP6_PARAM_OPTION, ptr);
    default:
        return refuse(out, SK_DROP_IP6_OPT_UNKNOWN, SK_IP6_ICMP_SEND_UNLESS_MCAST,
                      SK_ICMP6_PARAM_OPTION, ptr);
    }
}

/* The options of one hop-by-hop or destination options header h[0..hlen),
 * which starts at packet offset base. */
static int walk_options(const uint8_t *h, size_t hlen, size_t base, bool hbh, sk_ip6_ext *out)
{
    size_t i = 2;
    while (i < hlen) {
        uint8_t type = h[i];
        if (type == OPT_PAD1) {
            i++;
            continue;
        }
        if (hlen - i < 2 || (size_t)h[i + 1] > hlen - i - 2)
            return refuse(out, SK_DROP_IP6_OPT_BAD, SK_IP6_ICMP_NONE, 0, 0);
        uint8_t olen = h[i + 1];
        if (hbh && type == OPT_ROUTER_ALERT) {
            if (olen != 2) /* RFC 2711 §2.1: the value is two bytes */
                return refuse(out, SK_DROP_IP6_OPT_BAD, SK_IP6_ICMP_NONE, 0, 0);
            out->router_alert = true;
            out->router_alert_value = sk_load_be16(h + i + 2);
        } else if (type != OPT_PADN) {
            int err = unknown_option(out, type, base + i);
            if (err != 0)
                return err;
        }
        i += 2u + olen;
    }
    return 0;
}

/* The fragment header at packet offset base (h[0..8)), followed by rest
 * bytes of the packet. */
static int walk_fragment(const uint8_t *h, size_t base, size_t rest, sk_ip6_ext *out)
{
    uint16_t fo = sk_load_be16(h + 2);
    out->fragment = true;
    out->frag_offset = (uint16_t)(fo & 0xfff8u);
    out->frag_more = (fo & 1u) != 0;
    out->frag_id = sk_load_be32(h + 4);
    out->frag_hdr_offset = base;
    out->atomic = out->frag_offset == 0 && !out->frag_more;
    if (out->frag_more && rest % 8 != 0)
        return refuse(out, SK_DROP_IP6_FRAG_BAD, SK_IP6_ICMP_SEND, SK_ICMP6_PARAM_HEADER, 4);
    /* The reassembled payload: the headers before this one, then the
     * fragmentable part up to this fragment's end. */
    if ((base - SK_IP6_HDR_LEN) + out->frag_offset + rest > 65535u)
        return refuse(out, SK_DROP_IP6_FRAG_BAD, SK_IP6_ICMP_SEND, SK_ICMP6_PARAM_HEADER, base + 2);
    return 0;
}

/* Length of the extension header at p[0..left), or 0 when it does not fit. */
static size_t ext_len(uint8_t nh, const uint8_t *p, size_t left)
{
    size_t n = nh == SK_IPPROTO_FRAGMENT ? 8 : left >= 2 ? ((size_t)p[1] + 1) * 8 : 0;
    return n != 0 && n <= left ? n : 0;
}

static int walk_one(uint8_t nh, const uint8_t *h, size_t hlen, size_t base, size_t rest,
                    sk_ip6_ext *out)
{
    switch (nh) {
    case SK_IPPROTO_HOPOPTS:
    case SK_IPPROTO_DSTOPTS:
        return walk_options(h, hlen, base, nh == SK_IPPROTO_HOPOPTS, out);
    case SK_IPPROTO_ROUTING:
        if (h[3] != 0) /* segments left */
            return refuse(out, SK_DROP_IP6_ROUTING, SK_IP6_ICMP_SEND, SK_ICMP6_PARAM_HEADER,
                          base + 2);
        return 0;
    default:
        return walk_fragment(h, base, rest, out);
    }
}

static bool is_ext(uint8_t nh)
{
    return nh == SK_IPPROTO_HOPOPTS || nh == SK_IPPROTO_DSTOPTS || nh == SK_IPPROTO_ROUTING ||
           nh == SK_IPPROTO_FRAGMENT;
}

int sk_ip6_walk_ext(const sk_ip6_repr *ip, sk_ip6_ext *out)
{
    SK_ASSERT(ip != NULL && out != NULL && (ip->payload != NULL || ip->payload_len == 0));
    memset(out, 0, sizeof *out);
    const uint8_t *p = ip->payload;
    size_t len = ip->payload_len, off = 0, nh_ptr = 6;
    uint8_t nh = ip->next_header;
    while (is_ext(nh)) {
        if (nh == SK_IPPROTO_HOPOPTS && nh_ptr != 6)
            return refuse(out, SK_DROP_IP6_HBH_NOT_FIRST, SK_IP6_ICMP_SEND,
                          SK_ICMP6_PARAM_NEXT_HEADER, nh_ptr);
        size_t hlen = ext_len(nh, p + off, len - off);
        if (hlen == 0)
            return refuse(out, SK_DROP_IP6_EXT_TRUNCATED, SK_IP6_ICMP_NONE, 0, 0);
        size_t base = SK_IP6_HDR_LEN + off;
        int err = walk_one(nh, p + off, hlen, base, len - off - hlen, out);
        if (err != 0)
            return err;
        nh_ptr = base;
        nh = p[off];
        off += hlen;
        if (out->fragment && !out->atomic)
            break; /* the rest belongs to the reassembled packet */
    }
    out->proto = nh;
    out->proto_ptr = nh_ptr;
    out->offset = SK_IP6_HDR_LEN + off;
    return 0;
}

/* The upper-layer header inside a quoted packet (an ICMPv6 error's
 * invoking packet, RFC 4443 §2.4 (c): as much of it as fits). Unlike
 * sk_ip6_walk_ext the options are not judged: the packet was ours (or
 * claims to be), and all we want is where its transport header starts.
 * Hop-by-hop, destination options and routing headers are stepped over by
 * their length; a fragment header by its 8 bytes, and a non-first fragment
 * has no transport header to find. Each step moves at least 8 bytes, so
 * the walk ends within len / 8 steps. */
int sk_ip6_quote_l4(const uint8_t *q, size_t len, uint8_t *proto, size_t *off)
{
    if (len < SK_IP6_HDR_LEN)
        return SK_DROP_ICMP6_BAD_QUOTE;
    uint8_t nh = q[6];
    size_t at = SK_IP6_HDR_LEN;
    while (is_ext(nh)) {
        size_t hlen = ext_len(nh, q + at, len - at);
        if (hlen == 0)
            return SK_DROP_ICMP6_QUOTE_TRUNCATED;
        if (nh == SK_IPPROTO_FRAGMENT && (sk_load_be16(q + at + 2) & 0xfff8u) != 0)
            return SK_DROP_ICMP6_QUOTE_TRUNCATED; /* not the first fragment */
        nh = q[at];
        at += hlen;
    }
    if (len - at < 8) /* the ports (and TCP's sequence number) */
        return SK_DROP_ICMP6_QUOTE_TRUNCATED;
    *proto = nh;
    *off = at;
    return 0;
}
