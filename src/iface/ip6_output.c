/* IPv6 out (RFC 8200): which addresses are ours, source selection, the
 * header we write (hop limit, flow label) and the link framing.
 *
 * Our addresses are the IPv6 entries of cfg->addrs; we listen to the
 * all-nodes group and the solicited-node group of each (RFC 4291 §2.8).
 * The flow label is a keyed hash of the transport 5-tuple (RFC 6437 §3:
 * the same for every packet of a flow, not guessable by others); zero is
 * kept for packets of no flow (ICMPv6). On a raw IP link the packet is the
 * frame; on Ethernet iface_nd6.c frames it (group MAC or neighbour
 * discovery). */
#include "iface/iface.h"

#include "base/checksum.h"
#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

#define FLOW_TWEAK 0x464c4f572d363433ull /* "FLOW-643" */

static sk_ip6 ip6_of(const sk_ipaddr *a)
{
    sk_ip6 r;
    memcpy(r.b, a->b, 16);
    return r;
}

int sk_ip6out_init(sk_iface *ifc)
{
    ifc->hop_limit6 = SK_IFACE_HOP_LIMIT;
    if (ifc->cfg->ip_reass_max == 0)
        return 0;
    sk_ip6r_config rc;
    memset(&rc, 0, sizeof rc);
    rc.datagrams = ifc->cfg->ip_reass_max;
    rc.max_bytes = ifc->cfg->ip_reass_max * SK_IP6R_MAX;
    rc.alloc = ifc->cfg->alloc;
    return sk_ip6r_create(&rc, &ifc->reass6);
}

void sk_ip6out_free(sk_iface *ifc)
{
    if (ifc->reass6 != NULL)
        sk_ip6r_destroy(ifc->reass6);
    ifc->reass6 = NULL;
}

bool sk_iface_is_ours6(const sk_iface *ifc, sk_ip6 a)
{
    for (uint8_t i = 0; i < ifc->cfg->n_addrs; i++) {
        const sk_ipaddr *x = &ifc->cfg->addrs[i].addr;
        if (x->family == SK_AF_INET6 && memcmp(x->b, a.b, 16) == 0)
            return true;
    }
    return false;
}

bool sk_iface_joined6(const sk_iface *ifc, sk_ip6 a)
{
    if (sk_ip6_eq(a, sk_ip6_all_nodes()))
        return true;
    if (!sk_ip6_is_solicited_node(a))
        return false;
    sk_ip6 g[SK_RA6_GROUPS];
    size_t n = sk_ra6_groups(ifc, g, SK_RA6_GROUPS);
    for (size_t i = 0; i < n; i++)
        if (sk_ip6_eq(a, g[i]))
            return true;
    return false;
}

/* Leading bits a and b share (0..128). */
static int common_bits(sk_ip6 a, sk_ip6 b)
{
    for (int i = 0; i < 16; i++) {
        uint8_t x = (uint8_t)(a.b[i] ^ b.b[i]);
        if (x != 0) {
            int n = 0;
            while (!(x & 0x80)) {
                x = (uint8_t)(x << 1);
                n++;
            }
            return i * 8 + n;
        }
    }
    return 128;
}

/* RFC 6724 §5 on one interface: rule 1 (the destination itself), rule 2
 * (a scope that reaches the destination: link-local for a link-local or
 * link-scoped multicast destination, else a global address first), then
 * rule 8 (the longest matching prefix). */
bool sk_iface_src_for6(const sk_iface *ifc, sk_ip6 dst, sk_ip6 *src)
{
    bool want_ll = sk_ip6_is_link_local(dst) ||
                   (sk_ip6_is_multicast(dst) && sk_ip6_mcast_scope(dst) <= 2);
    int best = -1, best_score = -1;
    for (uint8_t i = 0; i < ifc->cfg->n_addrs; i++) {
        const sk_ifaddr *x = &ifc->cfg->addrs[i];
        if (x->addr.family != SK_AF_INET6)
            continue;
        sk_ip6 a = ip6_of(&x->addr);
        int score = 0;
        if (sk_ip6_eq(a, dst))
            score = 1000;
        else if (sk_ip6_is_link_local(a) == want_ll)
            score = 500;
        score += common_bits(a, dst);
        if (score > best_score) {
            best_score = score;
            best = i;
        }
    }
    if (best < 0)
        return false;
    *src = ip6_of(&ifc->cfg->addrs[best].addr);
    return true;
}

static uint32_t flow_label(sk_iface *ifc, const sk_l4_out *o, const uint8_t *seg, size_t len)
{
    if (o->proto != SK_IPPROTO_TCP && o->proto != SK_IPPROTO_UDP)
        return 0;
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr = o->src;
    tu.raddr = o->dst;
    if (len >= 4) {
        tu.lport = (uint16_t)(seg[0] << 8 | seg[1]);
        tu.rport = (uint16_t)(seg[2] << 8 | seg[3]);
    }
    /* two entries, most recent first: a burst of one flow hashes once,
     * and so do two flows taking turns (one connection's last ACK after
     * the next one's SYN) */
    for (int i = 0; i < 2; i++)
        if (ifc->flow_label[i] != 0 && sk_tuple_eq(&tu, &ifc->flow_tu[i])) {
            uint32_t f = ifc->flow_label[i];
            if (i == 1) {
                ifc->flow_tu[1] = ifc->flow_tu[0];
                ifc->flow_label[1] = ifc->flow_label[0];
                ifc->flow_tu[0] = tu;
                ifc->flow_label[0] = f;
            }
            return f;
        }
    uint32_t h = sk_tuple_hash(&ifc->ctx->key, &tu, FLOW_TWEAK) & 0xfffffu;
    ifc->flow_tu[1] = ifc->flow_tu[0];
    ifc->flow_label[1] = ifc->flow_label[0];
    ifc->flow_tu[0] = tu;
    ifc->flow_label[0] = h != 0 ? h : 1; /* RFC 6437 §2: 0 means "no flow" */
    return ifc->flow_label[0];
}

size_t sk_iface_send_l4_6(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap,
                          const sk_l4_out *o, size_t l4_len)
{
    size_t off = sk_iface_l4_offset(ifc, SK_AF_INET6);
    SK_ASSERT(off + l4_len <= cap);
    sk_iface_l4_csum(o, buf + off, l4_len);
    uint32_t flow = flow_label(ifc, o, buf + off, l4_len);
    return sk_iface_send_ip6(ifc, now, buf, cap, ip6_of(&o->src), ip6_of(&o->dst), o->proto,
                             flow, ifc->hop_limit6, l4_len);
}

size_t sk_iface_send_ip6(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap, sk_ip6 src,
                         sk_ip6 dst, uint8_t next_header, uint32_t flow, uint8_t hop_limit,
                         size_t pl_len)
{
    size_t lh = sk_iface_link_hdr(ifc);
    SK_ASSERT(lh + SK_IP6_HDR_LEN + pl_len <= cap && pl_len <= 0xffffu);
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.flow_label = flow;
    ip.payload_len = (uint16_t)pl_len;
    ip.next_header = next_header;
    ip.hop_limit = hop_limit;
    ip.src = src;
    ip.dst = dst;
    sk_ip6_emit(&ip, buf + lh, SK_IP6_HDR_LEN);
    size_t ip_len = SK_IP6_HDR_LEN + pl_len;
    if (ifc->cfg->link != SK_LINK_ETHERNET)
        return ip_len;
    return sk_nd6_frame(ifc, now, buf, cap, dst, ip_len);
}
