/* Frame metadata and device capabilities (include/synack/stack.h): the
 * seam between the core and a device that offloads, shaped as the
 * virtio-net header (virtio 1.x §5.1.6, Linux's IFF_VNET_HDR). The checks
 * of the capabilities, what an input frame's metadata means to the
 * transport, and what an output frame's says. */
#include "api/stack_impl.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "synack/error.h"
#include "wire/tcp_hdr.h"

#include <string.h>

int sk_dev_caps_check(const sk_stack_config *cfg)
{
    const sk_dev_caps *d = &cfg->dev;
    if (d->tso_max == 0)
        return 0;
    /* virtio 1.x §5.1.3.1: the TSO features require checksum offload (the
     * device must write each segment's checksum); a TSO limit below one
     * MTU could not carry a full segment */
    if (!d->tx_csum || d->tso_max > SK_TSO_MAX || d->tso_max < cfg->mtu)
        return SK_EOFFLOAD;
    return 0;
}

/* The input metadata as the transport uses it (sk_rx_meta): a checksum
 * the device vouches for only when the configuration trusts it, a GSO
 * size only with dev.gro and a TCP GSO type. */
sk_rx_meta sk_rx_meta_of(const sk_stack *s, const sk_frame_meta *m)
{
    sk_rx_meta rx = {false, 0};
    if (m == NULL)
        return rx;
    const sk_dev_caps *d = &s->ctx.cfg.dev;
    rx.csum_ok = d->rx_csum && (m->flags & (SK_FRAME_DATA_VALID | SK_FRAME_NEEDS_CSUM)) != 0;
    if (d->gro && (m->gso_type & 0x7f) != SK_GSO_NONE && m->gso_size > 0)
        rx.gso_size = m->gso_size;
    return rx;
}

/* How much payload one super-segment towards the connection's peer may
 * carry in a buffer of cap (0: one segment). The worst-case TCP header
 * (60 bytes) is kept free, so whatever options the segment has, it fits
 * both cap and the IP length field. Only when the frame leaves at once
 * (sk_iface_tx_direct): a held frame waits in an MTU-sized slot. */
uint32_t sk_tso_room(sk_stack *s, const sk_tuple *tu, size_t cap, sk_time now)
{
    const sk_dev_caps *d = &s->ctx.cfg.dev;
    if (d->tso_max == 0)
        return 0;
    uint8_t fam = tu->raddr.family;
    size_t off = sk_iface_l4_offset(&s->ifc, fam);
    size_t room = cap > off + SK_TCP_MAX_HDR_LEN ? cap - off - SK_TCP_MAX_HDR_LEN : 0;
    size_t lim = sk_iface_l4_gso_max(fam) - SK_TCP_MAX_HDR_LEN;
    room = room < lim ? room : lim;
    room = room < d->tso_max ? room : d->tso_max;
    if (room <= sk_iface_l4_max(&s->ifc, fam) || !sk_iface_tx_direct(&s->ifc, &tu->raddr, now))
        return 0;
    return (uint32_t)room;
}

/* The metadata of a TCP frame of frame_len bytes whose segment (header of
 * thl bytes, payload plen) starts at off: NEEDS_CSUM when the checksum was
 * left partial, a GSO type when gso_size is set. */
void sk_tcp_frame_meta(sk_frame_meta *m, uint8_t family, size_t off, size_t thl,
                       bool csum_partial, uint16_t gso_size)
{
    memset(m, 0, sizeof *m);
    if (csum_partial) {
        m->flags = SK_FRAME_NEEDS_CSUM;
        m->csum_start = (uint16_t)off;
        m->csum_offset = SK_TCP_CSUM_OFF;
    }
    if (gso_size > 0) {
        m->gso_type = family == SK_AF_INET6 ? SK_GSO_TCPV6 : SK_GSO_TCPV4;
        m->gso_size = gso_size;
        m->hdr_len = (uint16_t)(off + thl);
    }
}

int sk_frame_csum_complete(uint8_t *frame, size_t len, sk_frame_meta *meta)
{
    if (frame == NULL || meta == NULL)
        return SK_EINVAL;
    if (!(meta->flags & SK_FRAME_NEEDS_CSUM))
        return 0;
    size_t start = meta->csum_start, at = start + meta->csum_offset;
    if (start > len || at + 2 > len || (meta->csum_offset & 1u) != 0)
        return SK_EINVAL;
    /* the field holds the pseudo-header sum: sum it with the rest */
    uint32_t sum = sk_csum_partial(frame + start, len - start, 0);
    sk_store_be16(frame + at, sk_csum_fold(sum));
    meta->flags &= (uint8_t)~SK_FRAME_NEEDS_CSUM;
    return 0;
}
