/* The virtio-net header (struct virtio_net_hdr, virtio 1.x §5.1.6; Linux's
 * IFF_VNET_HDR on a TAP or TUN) in front of every frame, and its one-to-one
 * translation to and from the stack's sk_frame_meta. 10 bytes: flags,
 * gso_type, then hdr_len, gso_size, csum_start, csum_offset as 16-bit
 * words in the device's byte order, which for a Linux TAP is the host's
 * (the legacy default; TUNSETVNETLE/BE change it, we do not). */
#ifndef SK_PORT_POSIX_VNET_H
#define SK_PORT_POSIX_VNET_H

#include "synack/stack.h"

#include <stddef.h>
#include <stdint.h>

#define SK_VNET_HDR_LEN 10

void sk_vnet_hdr_encode(const sk_frame_meta *m, uint8_t hdr[SK_VNET_HDR_LEN]);
/* The metadata of a header read from the device. Types the stack does not
 * take (UDP, ECN-marked TCP) keep their numbers: the stack ignores GSO
 * fields it does not know, and a merged TCP segment with ECN is still
 * processed whole. */
void sk_vnet_hdr_decode(const uint8_t hdr[SK_VNET_HDR_LEN], sk_frame_meta *m);

#endif
