/* Device offloads in (sk_stack_input_meta): a checksum the device checked
 * is not checked again, only when the configuration trusts the device;
 * segments the device merged (GRO), longer than the MSS, are ACKed as the
 * segments they were (RFC 5681 §4.2), reassembled and SACKed when out of
 * order, their timestamps echoed. */
#include "sk_test.h"
#include "tcp_script.h"

#include "wire/ipv4.h"

#include <string.h>

static uint8_t pkt[70000];

/* The peer's segment `seg` as an IPv4 packet in pkt, and its length. */
static size_t build(ts_script *ts, ts_seg seg)
{
    if (ts->ts_on && !seg.has_ts) {
        seg.has_ts = true;
        seg.tsval = ts_peer_clock(ts->now);
        seg.tsecr = ts->us_tsval;
    }
    size_t n = ts_build(ts, &seg, pkt, sizeof pkt);
    SK_CHECK(n > 0);
    return n;
}

static sk_frame_meta gro_meta(uint16_t gso_size)
{
    sk_frame_meta m;
    memset(&m, 0, sizeof m);
    m.flags = SK_FRAME_DATA_VALID;
    m.gso_type = SK_GSO_TCPV4;
    m.gso_size = gso_size;
    m.hdr_len = 40;
    return m;
}

static void open_gro(ts_script *ts, bool rx_csum, bool sack, bool ts_opt)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.dev.rx_csum = rx_csum;
    cfg.dev.gro = true;
    cfg.sack = sack;
    cfg.timestamps = ts_opt;
    ts_init(ts, &cfg);
    ts->peer_sack = sack;
    ts->peer_ts = ts_opt;
    SK_CHECK(ts_open_passive(ts, 0, TS_MS(1)));
}

/* A segment with a wrong checksum flagged DATA_VALID (or NEEDS_CSUM, a
 * frame from this host) is taken when dev.rx_csum trusts the flags, and
 * dropped as before without the flag or without the capability. */
static void test_checked_checksum_skips_software(void)
{
    static const uint8_t flags[] = {SK_FRAME_DATA_VALID, SK_FRAME_NEEDS_CSUM};
    for (int trust = 0; trust < 2; trust++) {
        for (int f = 0; f < 3; f++) {
            ts_script ts;
            open_gro(&ts, trust != 0, false, false);
            size_t n = build(&ts, (ts_seg){.flags = TS_A, .seq = 5001, .ack = 1001, .len = 100});
            pkt[n - 1] ^= 0x5a; /* the payload changes, the checksum does not */
            sk_frame_meta m;
            memset(&m, 0, sizeof m);
            m.flags = f < 2 ? flags[f] : 0;
            ts_inject_meta(&ts, TS_MS(5), pkt, n, &m);
            bool taken = trust && f < 2;
            SK_CHECK_EQ(ts_info(&ts).rcv_nxt, taken ? 5101u : 5001u);
            SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_CHECKSUM), taken ? 0u : 1u);
            ts_discard(&ts, TS_SEC(100));
            ts_free(&ts);
        }
    }
}

/* The flag never vouches for the IPv4 header: a bad header checksum is
 * dropped whatever the metadata says. */
static void test_ip_header_always_checked(void)
{
    ts_script ts;
    open_gro(&ts, true, false, false);
    size_t n = build(&ts, (ts_seg){.flags = TS_A, .seq = 5001, .ack = 1001, .len = 100});
    pkt[10] ^= 0x01;
    sk_frame_meta m = gro_meta(0);
    ts_inject_meta(&ts, TS_MS(5), pkt, n, &m);
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 5001u);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_IP_CHECKSUM), 1u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Five segments merged into one frame: taken whole, one ACK at once
 * (five full segments count as five, RFC 5681 §4.2), the merged frame's
 * timestamp echoed (RFC 7323 §4.3), the bytes right. */
static void test_gro_five_mss_acked_at_once(void)
{
    ts_script ts;
    open_gro(&ts, true, false, true);
    ts.now = TS_MS(5);
    size_t n = build(&ts, (ts_seg){.flags = TS_A, .seq = 5001, .ack = 1001, .len = 5 * 1448});
    sk_frame_meta m = gro_meta(1448);
    ts_inject_meta(&ts, TS_MS(5), pkt, n, &m);
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_A, .seq = 1001, .ack = 5001 + 5 * 1448,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(5)), ts_peer_clock(TS_MS(5))));
    TS_NOTHING(&ts, TS_MS(5));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(6), 8000), 5 * 1448);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* One and a half segments merged: two segments on the wire, so the ACK
 * goes at once, not after the delayed-ACK timer a single segment of 2190
 * bytes' worth of bytes (under two MSS) would wait for. The same without
 * GRO metadata: a segment over our MSS can only be merged ones. */
static void test_gro_one_and_a_half_mss(void)
{
    for (int meta = 0; meta < 2; meta++) {
        ts_script ts;
        open_gro(&ts, false, false, false);
        size_t n = build(&ts, (ts_seg){.flags = TS_A, .seq = 5001, .ack = 1001, .len = 2190});
        sk_frame_meta m = gro_meta(1460);
        m.flags = 0;
        ts_inject_meta(&ts, TS_MS(5), pkt, n, meta ? &m : NULL);
        TS_EXPECT(&ts, TS_MS(5), .flags = TS_A, .seq = 1001, .ack = 5001 + 2190);
        TS_NOTHING(&ts, TS_MS(5));
        ts_discard(&ts, TS_SEC(100));
        ts_free(&ts);
    }
}

/* A merged frame of 5 MSS arrives after a hole of one segment: one
 * duplicate ACK whose SACK block covers the whole frame (RFC 2018 §4);
 * the missing segment then fills the hole and everything is ACKed at
 * once (RFC 5681 §4.2) and reads back byte for byte. */
static void test_gro_out_of_order_sacked(void)
{
    ts_script ts;
    open_gro(&ts, true, true, true);
    uint32_t s1 = 5001 + 1460, e1 = s1 + 5 * 1448;
    ts.now = TS_MS(5);
    size_t n = build(&ts, (ts_seg){.flags = TS_A, .seq = s1, .ack = 1001, .len = 5 * 1448});
    sk_frame_meta m = gro_meta(1448);
    ts_inject_meta(&ts, TS_MS(5), pkt, n, &m);
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_A, .seq = 1001, .ack = 5001, TS_SACK(1, {s1, e1}));
    TS_NOTHING(&ts, TS_MS(5));
    TS_INJECT(&ts, TS_MS(6), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(6), .flags = TS_A, .seq = 1001, .ack = e1,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(6)), ts_peer_clock(TS_MS(6))));
    TS_NOTHING(&ts, TS_MS(6));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(7), 10000), (int)(e1 - 5001));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* A merged frame larger than the window we offered is trimmed to it
 * (RFC 9293 §3.10.7.4), never dropped for its size. */
static void test_gro_trimmed_to_window(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.dev.gro = true;
    cfg.rcvbuf = 4096;
    cfg.window_scaling = false;
    cfg.sack = false;
    cfg.timestamps = false;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    uint32_t wnd = ts_info(&ts).rcv_wnd;
    SK_CHECK(wnd > 0 && wnd < 5 * 1460);
    size_t n = build(&ts, (ts_seg){.flags = TS_A, .seq = 5001, .ack = 1001, .len = 5 * 1460});
    sk_frame_meta m = gro_meta(1460);
    m.flags = 0;
    ts_inject_meta(&ts, TS_MS(5), pkt, n, &m);
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 5001u + wnd);
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_A, .seq = 1001, .ack = 5001 + wnd);
    ts_discard(&ts, TS_SEC(100));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(100), 8000), (int)wnd);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_checked_checksum_skips_software);
    SK_RUN(test_ip_header_always_checked);
    SK_RUN(test_gro_five_mss_acked_at_once);
    SK_RUN(test_gro_one_and_a_half_mss);
    SK_RUN(test_gro_out_of_order_sacked);
    SK_RUN(test_gro_trimmed_to_window);
    return sk_test_finish();
}
