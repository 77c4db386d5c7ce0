/* The virtio-net header (port/posix/posix_vnet.h) maps one to one onto
 * sk_frame_meta: every field round-trips, and the bytes are the layout of
 * struct virtio_net_hdr (flags, gso_type, then five 16-bit words in host
 * order, the TAP's legacy byte order). */
#include "sk_test.h"

#include "posix/posix_vnet.h"

#include <string.h>

static void test_layout(void)
{
    sk_frame_meta m = {SK_FRAME_NEEDS_CSUM, SK_GSO_TCPV4, 66, 1448, 34, 16};
    uint8_t h[SK_VNET_HDR_LEN];
    memset(h, 0xee, sizeof h);
    sk_vnet_hdr_encode(&m, h);
    SK_CHECK_EQ(h[0], 1u); /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
    SK_CHECK_EQ(h[1], 1u); /* VIRTIO_NET_HDR_GSO_TCPV4 */
    uint16_t w[4];
    memcpy(w, h + 2, sizeof w);
    SK_CHECK_EQ(w[0], 66u);
    SK_CHECK_EQ(w[1], 1448u);
    SK_CHECK_EQ(w[2], 34u);
    SK_CHECK_EQ(w[3], 16u);
    uint16_t off;
    memcpy(&off, h + 8, 2);
    SK_CHECK_EQ(off, 16u);
}

static void test_round_trip(void)
{
    static const sk_frame_meta cases[] = {
        {0, 0, 0, 0, 0, 0},
        {SK_FRAME_DATA_VALID, SK_GSO_TCPV6, 86, 1428, 0, 0},
        {SK_FRAME_NEEDS_CSUM, SK_GSO_NONE, 0, 0, 54, 16},
        {0xff, 0x81, 0xffff, 0xffff, 0xffff, 0xffff}, /* ECN bit, all ones */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t h[SK_VNET_HDR_LEN];
        sk_frame_meta back;
        sk_vnet_hdr_encode(&cases[i], h);
        sk_vnet_hdr_decode(h, &back);
        SK_CHECK(memcmp(&back, &cases[i], sizeof back) == 0);
    }
}

int main(void)
{
    SK_RUN(test_layout);
    SK_RUN(test_round_trip);
    return sk_test_finish();
}
