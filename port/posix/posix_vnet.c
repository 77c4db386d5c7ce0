/* virtio_net_hdr <-> sk_frame_meta (posix_vnet.h). */
#include "posix_vnet.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2); /* host order: the TAP's legacy vnet header */
}

static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

void sk_vnet_hdr_encode(const sk_frame_meta *m, uint8_t hdr[SK_VNET_HDR_LEN])
{
    hdr[0] = m->flags;
    hdr[1] = m->gso_type;
    put16(hdr + 2, m->hdr_len);
    put16(hdr + 4, m->gso_size);
    put16(hdr + 6, m->csum_start);
    put16(hdr + 8, m->csum_offset);
}

void sk_vnet_hdr_decode(const uint8_t hdr[SK_VNET_HDR_LEN], sk_frame_meta *m)
{
    m->flags = hdr[0];
    m->gso_type = hdr[1];
    m->hdr_len = get16(hdr + 2);
    m->gso_size = get16(hdr + 4);
    m->csum_start = get16(hdr + 6);
    m->csum_offset = get16(hdr + 8);
}
