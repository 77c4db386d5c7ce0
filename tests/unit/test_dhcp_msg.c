/* DHCPv4 codec: dnsmasq's OFFER, ACK and NAK (tests/support/golden_dhcp.h,
 * from tests/tools/capture_dhcp.sh) parsed field by field; our DISCOVER and
 * REQUEST byte by byte; truncation at every length and each malformed
 * option form (RFC 2132 lengths, overload, no end option, no cookie). */
#include "dhcp/dhcp_msg.h"
#include "golden_dhcp.h"
#include "sk_test.h"

static const uint8_t mac[6] = {2, 0, 0, 0, 0, 2};

static void test_golden_offer_ack_nak(void)
{
    sk_dhcp_msg m;
    SK_CHECK_EQ_I(sk_dhcp_parse(golden_dhcp_offer, sizeof golden_dhcp_offer, &m), SK_DHCP_PARSE_OK);
    SK_CHECK_EQ(m.op, 2);
    SK_CHECK_EQ(m.xid, 0x5ca1ab1e);
    SK_CHECK_EQ(m.flags, 0x8000);
    SK_CHECK_MEM(m.chaddr, mac, 6);
    SK_CHECK_MEM(m.yiaddr.b, ((const uint8_t[]){192, 0, 2, 146}), 4);
    SK_CHECK_EQ(m.type, SK_DHCPOFFER);
    SK_CHECK_MEM(m.server_id.b, ((const uint8_t[]){192, 0, 2, 1}), 4);
    SK_CHECK_EQ(m.lease, 3600);
    SK_CHECK_EQ(m.t1, 1800);
    SK_CHECK_EQ(m.t2, 3150);
    SK_CHECK_EQ(sk_dhcp_prefix_len(m.mask), 24);
    SK_CHECK_MEM(m.router.b, ((const uint8_t[]){192, 0, 2, 1}), 4);
    SK_CHECK_EQ(m.dns_count, 1);
    SK_CHECK_MEM(m.dns[0].b, ((const uint8_t[]){192, 0, 2, 53}), 4);
    SK_CHECK_EQ(m.mtu, 1400);
    SK_CHECK_EQ(m.has & SK_DHCP_HAS_OVERLOAD, 0);
    SK_CHECK_EQ_I(sk_dhcp_parse(golden_dhcp_ack, sizeof golden_dhcp_ack, &m), SK_DHCP_PARSE_OK);
    SK_CHECK_EQ(m.type, SK_DHCPACK);
    SK_CHECK_EQ(m.lease, 3600);
    SK_CHECK_EQ_I(sk_dhcp_parse(golden_dhcp_nak, sizeof golden_dhcp_nak, &m), SK_DHCP_PARSE_OK);
    SK_CHECK_EQ(m.type, SK_DHCPNAK);
    SK_CHECK_EQ(m.has & SK_DHCP_HAS_LEASE, 0);
    SK_CHECK(m.has & SK_DHCP_HAS_SERVER);
}

static void test_build_discover_request(void)
{
    uint8_t b[576];
    sk_dhcp_out o;
    memset(&o, 0, sizeof o);
    o.type = SK_DHCPDISCOVER;
    o.xid = 0x5ca1ab1e;
    o.secs = 3;
    o.broadcast_flag = true;
    memcpy(o.chaddr.b, mac, 6);
    o.hostname = "synack";
    size_t n = sk_dhcp_build(b, sizeof b, &o);
    SK_CHECK_EQ(n, 300);
    static const uint8_t head[12] = {1, 1, 6, 0, 0x5c, 0xa1, 0xab, 0x1e, 0, 3, 0x80, 0};
    SK_CHECK_MEM(b, head, 12);
    SK_CHECK_MEM(b + 28, mac, 6);
    SK_CHECK_MEM(b + 236, ((const uint8_t[]){99, 130, 83, 99}), 4);
    static const uint8_t opts[] = {53, 1, 1, 61, 7, 1, 2, 0, 0, 0, 0, 2, 12, 6, 's', 'y', 'n',
                                   'a', 'c', 'k', 55, 9, 1, 3, 6, 12, 26, 51, 54, 58, 59, 255};
    SK_CHECK_MEM(b + 240, opts, sizeof opts);
    SK_CHECK(sk_test_all_bytes_are(b + 240 + sizeof opts, n - 240 - sizeof opts, 0));
    o.type = SK_DHCPREQUEST;
    o.hostname = "";
    o.requested = sk_ip4_make(192, 0, 2, 146);
    o.server_id = sk_ip4_make(192, 0, 2, 1);
    n = sk_dhcp_build(b, sizeof b, &o);
    static const uint8_t ropts[] = {53, 1, 3, 61, 7, 1, 2, 0, 0, 0, 0, 2, 50, 4, 192, 0, 2, 146,
                                    54, 4, 192, 0, 2, 1, 55, 9, 1, 3, 6, 12, 26, 51, 54, 58, 59, 255};
    SK_CHECK_MEM(b + 240, ropts, sizeof ropts);
    SK_CHECK_EQ(sk_dhcp_build(b, 299, &o), 0); /* too small a buffer */
    /* what we build, we parse (as a reply would be, with op 1) */
    sk_dhcp_msg m;
    SK_CHECK_EQ_I(sk_dhcp_parse(b, n, &m), SK_DHCP_PARSE_OK);
    SK_CHECK_EQ(m.type, SK_DHCPREQUEST);
    SK_CHECK_EQ(m.op, 1);
}

static void test_truncated_everywhere(void)
{
    sk_dhcp_msg m;
    size_t end = 240;
    while (golden_dhcp_ack[end] != 255)
        end += golden_dhcp_ack[end] == 0 ? 1 : 2u + golden_dhcp_ack[end + 1];
    for (size_t len = 0; len <= sizeof golden_dhcp_ack; len++) {
        int want = len < 240 ? SK_DHCP_DROP_SHORT : len <= end ? SK_DHCP_DROP_MALFORMED : SK_DHCP_PARSE_OK;
        SK_CHECK_MSG(sk_dhcp_parse(golden_dhcp_ack, len, &m) == want, "len %zu", len);
    }
}

/* the golden ACK with its first option (53) replaced by `opt` */
static int parse_with(const uint8_t *opt, size_t n)
{
    uint8_t b[600];
    sk_dhcp_msg m;
    memcpy(b, golden_dhcp_ack, 240);
    memcpy(b + 240, opt, n);
    memcpy(b + 240 + n, golden_dhcp_ack + 243, sizeof golden_dhcp_ack - 243);
    return sk_dhcp_parse(b, 240 + n + sizeof golden_dhcp_ack - 243, &m);
}

static void test_bad_options(void)
{
    uint8_t b[400];
    sk_dhcp_msg m;
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){53, 1, 5}, 3), SK_DHCP_PARSE_OK); /* the ACK unchanged */
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){0, 0, 53, 1, 5}, 5), SK_DHCP_PARSE_OK); /* pads */
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){53, 1, 9}, 3), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){53, 1, 0}, 3), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){53, 2, 5, 5}, 4), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){1, 3, 255, 255, 255}, 5), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){3, 5, 1, 2, 3, 4, 5}, 7), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){3, 0}, 2), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){6, 2, 1, 2}, 4), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){26, 2, 0, 67}, 4), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){26, 2, 0, 68}, 4), SK_DHCP_PARSE_OK);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){51, 3, 0, 0, 1}, 5), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){54, 5, 1, 2, 3, 4, 5}, 7), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){52, 1, 3}, 3), SK_DHCP_DROP_OVERLOAD);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){52, 2, 3, 3}, 4), SK_DHCP_DROP_MALFORMED);
    SK_CHECK_EQ_I(parse_with((const uint8_t[]){200, 3, 1, 2, 3}, 5), SK_DHCP_PARSE_OK); /* unknown: skipped */
    /* an option whose length runs past the end */
    memcpy(b, golden_dhcp_ack, 240);
    b[240] = 12, b[241] = 200;
    SK_CHECK_EQ_I(sk_dhcp_parse(b, 300, &m), SK_DHCP_DROP_MALFORMED);
    b[240] = 12; /* a code without its length byte at the very end */
    SK_CHECK_EQ_I(sk_dhcp_parse(b, 241, &m), SK_DHCP_DROP_MALFORMED);
    memcpy(b, golden_dhcp_ack, sizeof golden_dhcp_ack);
    b[239] = 0x64; /* cookie */
    SK_CHECK_EQ_I(sk_dhcp_parse(b, sizeof golden_dhcp_ack, &m), SK_DHCP_DROP_NO_COOKIE);
}

static void test_prefix_len(void)
{
    SK_CHECK_EQ(sk_dhcp_prefix_len(sk_ip4_make(255, 255, 255, 0)), 24);
    SK_CHECK_EQ(sk_dhcp_prefix_len(sk_ip4_make(255, 255, 255, 255)), 32);
    SK_CHECK_EQ(sk_dhcp_prefix_len(sk_ip4_make(255, 255, 192, 0)), 18);
    SK_CHECK_EQ(sk_dhcp_prefix_len(sk_ip4_make(0, 0, 0, 0)), 0);
    SK_CHECK_EQ(sk_dhcp_prefix_len(sk_ip4_make(255, 0, 255, 0)), 0); /* holes */
}

int main(void)
{
    SK_RUN(test_golden_offer_ack_nak);
    SK_RUN(test_build_discover_request);
    SK_RUN(test_truncated_everywhere);
    SK_RUN(test_bad_options);
    SK_RUN(test_prefix_len);
    return sk_test_finish();
}
