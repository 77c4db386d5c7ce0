/* wire/eth: Ethernet II header parse/emit and MAC address helpers.
 *
 * Golden frames were captured from Linux: two network namespaces joined by a
 * veth pair (192.0.2.1/24 on "va", 192.0.2.2/24 on "vb"), `ping -c 1
 * 192.0.2.2` from the first, captured with `ip netns exec A tshark -i va -w
 * f.pcap -a duration:6` and dumped with `tshark -r f.pcap -x`. veth does not
 * pad short frames and tshark shows no FCS, so these are the exact bytes the
 * kernel handed to the device. */
#include "base/bytes.h"
#include "golden_ip.h"
#include "sk_test.h"
#include "synack/stats.h"
#include "wire/eth.h"

static const sk_mac mac_a = {{0xbe, 0xd0, 0x31, 0xd3, 0x91, 0x62}};
static const sk_mac mac_b = {{0x86, 0x69, 0x1a, 0x88, 0xd5, 0xce}};

static void test_eth_parse_golden_arp(void)
{
    sk_eth_repr e;
    SK_CHECK_EQ_I(sk_eth_parse(arp_request, sizeof arp_request, &e), 0);
    SK_CHECK(sk_mac_eq(e.dst, sk_mac_broadcast));
    SK_CHECK(sk_mac_eq(e.src, mac_a));
    SK_CHECK_EQ(e.ethertype, SK_ETHERTYPE_ARP);
    SK_CHECK(e.payload == arp_request + 14);
    SK_CHECK_EQ(e.payload_len, 28u);
}

static void test_eth_parse_golden_ipv4(void)
{
    sk_eth_repr e;
    SK_CHECK_EQ_I(sk_eth_parse(echo_request, sizeof echo_request, &e), 0);
    SK_CHECK(sk_mac_eq(e.dst, mac_b));
    SK_CHECK(sk_mac_eq(e.src, mac_a));
    SK_CHECK_EQ(e.ethertype, SK_ETHERTYPE_IPV4);
    SK_CHECK(e.payload == echo_request + 14);
    SK_CHECK_EQ(e.payload_len, 84u);
}

/* Parse, emit the header, append the payload: the frame comes back byte for
 * byte. */
static void test_eth_reemit_identical(void)
{
    const uint8_t *frames[2] = {arp_request, echo_request};
    size_t lens[2] = {sizeof arp_request, sizeof echo_request};
    for (int i = 0; i < 2; i++) {
        sk_eth_repr e;
        uint8_t out[128];
        SK_CHECK_EQ_I(sk_eth_parse(frames[i], lens[i], &e), 0);
        SK_CHECK_EQ(sk_eth_emit(&e, out, sizeof out), SK_ETH_HDR_LEN);
        memcpy(out + SK_ETH_HDR_LEN, e.payload, e.payload_len);
        SK_CHECK_MEM(out, frames[i], lens[i]);
    }
}

/* Every length below 14 is truncated, and the repr is left untouched. */
static void test_eth_truncated_every_length(void)
{
    for (size_t len = 0; len < SK_ETH_HDR_LEN; len++) {
        sk_eth_repr e;
        memset(&e, 0x5a, sizeof e);
        SK_CHECK_EQ_I(sk_eth_parse(echo_request, len, &e), SK_DROP_ETH_TRUNCATED);
        SK_CHECK(sk_test_all_bytes_are((const uint8_t *)&e, sizeof e, 0x5a));
    }
}

static void test_eth_header_only(void)
{
    sk_eth_repr e;
    SK_CHECK_EQ_I(sk_eth_parse(echo_request, SK_ETH_HDR_LEN, &e), 0);
    SK_CHECK_EQ(e.payload_len, 0u);
    SK_CHECK_EQ(e.ethertype, SK_ETHERTYPE_IPV4);
}

/* A minimum-size frame (60 bytes, RFC 894 padding): Ethernet does not know
 * the payload's length, so the padding stays in the payload; ARP and IPv4
 * drop it themselves. */
static void test_eth_padding_kept_in_payload(void)
{
    uint8_t f[60];
    memset(f, 0, sizeof f);
    memcpy(f, arp_request, sizeof arp_request);
    sk_eth_repr e;
    SK_CHECK_EQ_I(sk_eth_parse(f, sizeof f, &e), 0);
    SK_CHECK_EQ(e.payload_len, 46u);
}

static void test_eth_emit_fields(void)
{
    sk_eth_repr e = {.dst = mac_b, .src = mac_a, .ethertype = SK_ETHERTYPE_IPV6};
    uint8_t out[14];
    SK_CHECK_EQ(sk_eth_emit(&e, out, sizeof out), 14u);
    SK_CHECK_MEM(out, mac_b.b, 6);
    SK_CHECK_MEM(out + 6, mac_a.b, 6);
    SK_CHECK_EQ(sk_load_be16(out + 12), 0x86ddu);
}

/* Too small a buffer: 0 returned, not one byte written. */
static void test_eth_emit_too_small(void)
{
    sk_eth_repr e = {.dst = mac_b, .src = mac_a, .ethertype = SK_ETHERTYPE_IPV4};
    for (size_t cap = 0; cap < SK_ETH_HDR_LEN; cap++) {
        uint8_t out[SK_ETH_HDR_LEN + 4];
        memset(out, 0xee, sizeof out);
        SK_CHECK_EQ(sk_eth_emit(&e, out, cap), 0u);
        SK_CHECK(sk_test_all_bytes_are(out, sizeof out, 0xee));
    }
}

static void test_mac_helpers(void)
{
    sk_mac ipv4_mcast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
    sk_mac ipv6_mcast = {{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}};
    sk_mac local_unicast = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
    sk_mac almost_bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}};
    SK_CHECK(sk_mac_is_broadcast(sk_mac_broadcast));
    SK_CHECK(!sk_mac_is_broadcast(almost_bcast));
    SK_CHECK(!sk_mac_is_broadcast(mac_a));
    SK_CHECK(sk_mac_is_multicast(sk_mac_broadcast));
    SK_CHECK(sk_mac_is_multicast(ipv4_mcast));
    SK_CHECK(sk_mac_is_multicast(ipv6_mcast));
    SK_CHECK(!sk_mac_is_multicast(local_unicast));
    SK_CHECK(!sk_mac_is_multicast(mac_a));
    SK_CHECK(sk_mac_eq(mac_a, mac_a));
    SK_CHECK(!sk_mac_eq(mac_a, mac_b));
    SK_CHECK(!sk_mac_eq(sk_mac_broadcast, almost_bcast));
}

int main(void)
{
    SK_RUN(test_eth_parse_golden_arp);
    SK_RUN(test_eth_parse_golden_ipv4);
    SK_RUN(test_eth_reemit_identical);
    SK_RUN(test_eth_truncated_every_length);
    SK_RUN(test_eth_header_only);
    SK_RUN(test_eth_padding_kept_in_payload);
    SK_RUN(test_eth_emit_fields);
    SK_RUN(test_eth_emit_too_small);
    SK_RUN(test_mac_helpers);
    return sk_test_finish();
}
