/* One segment budget (RFC 9293 §3.7.1): a segment's payload is the
 * effective send MSS less this segment's own TCP options (timestamps, SACK
 * blocks), so a frame never exceeds the MTU, down to the smallest MTU. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"

/* A frame's IPv4 length as the stack emitted it. */
static size_t frame_len(const ts_out *o)
{
    return 20u + o->hdr.hdr_len + o->hdr.payload_len;
}

/* The first data segment of an active connection to a peer announcing
 * MSS 1000, with the options given; `hole` first makes the peer send out
 * of order so that our segments carry a SACK block. */
static uint32_t first_payload(bool sack, bool timestamps, bool hole, const ts_out **out,
                              ts_script *ts)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.sack = sack;
    cfg.timestamps = timestamps;
    ts_init(ts, &cfg);
    ts->peer_mss = 1000;
    ts->peer_sack = sack;
    ts->peer_ts = timestamps;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(1)));
    if (hole) {
        TS_INJECT(ts, TS_MS(5), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
        TS_EXPECT(ts, TS_MS(5), .flags = TS_A, .seq = 1001, .ack = 5001,
                  TS_SACK(1, {5101, 5201}));
    }
    SK_CHECK_EQ_I(ts_send(ts, TS_MS(10), 3000), 3000);
    *out = ts_next(ts, TS_MS(10));
    SK_CHECK(*out != NULL);
    return *out != NULL ? (uint32_t)(*out)->hdr.payload_len : 0;
}

/* The payload shrinks by exactly the option bytes: 12 for timestamps
 * (NOP NOP TS), 12 more for one SACK block (NOP NOP + 2 + 8). */
static void test_payload_shrinks_by_option_bytes(void)
{
    ts_script ts;
    const ts_out *o;
    SK_CHECK_EQ(first_payload(false, false, false, &o, &ts), 1000u);
    SK_CHECK(o != NULL && frame_len(o) == 1040u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
    SK_CHECK_EQ(first_payload(false, true, false, &o, &ts), 988u);
    SK_CHECK(o != NULL && o->hdr.opts.has_ts && frame_len(o) == 1040u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
    SK_CHECK_EQ(first_payload(true, true, true, &o, &ts), 976u);
    SK_CHECK(o != NULL && o->hdr.opts.n_sack == 1 && frame_len(o) == 1040u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
    SK_CHECK_EQ(first_payload(true, false, true, &o, &ts), 988u);
    SK_CHECK(o != NULL && !o->hdr.opts.has_ts && o->hdr.opts.n_sack == 1);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Every frame of a transfer fits the MTU exactly when the MTU is the
 * limit (576: MSS 536, 524 beside timestamps), and nothing is counted as
 * over the MTU. */
static void test_frames_fit_mtu(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.mtu = 576;
    cfg.sack = true;
    cfg.timestamps = true;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_mss = 1460;
    ts.peer_sack = true;
    ts.peer_ts = true;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 3000), 3000);
    int n = 0;
    for (const ts_out *o = ts_next(&ts, TS_MS(10)); o != NULL; o = ts_next(&ts, TS_MS(10))) {
        SK_CHECK(frame_len(o) <= 576u);
        if (o->hdr.payload_len == 524)
            n++;
    }
    SK_CHECK(n >= 2);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OVER_MTU), 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The smallest MTU (68: MSS 28): timestamps and one SACK block leave 4
 * bytes; a second block would not fit, so only the newest is sent. */
static void test_tiny_mtu_trims_blocks(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.mtu = 68;
    cfg.sack = true;
    cfg.timestamps = true;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_sack = true;
    ts.peer_ts = true;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(5), .flags = TS_A, .seq = 5011, .ack = 1001, .len = 10);
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_A, .seq = 1001, .ack = 5001, TS_SACK(1, {5011, 5021}));
    TS_INJECT(&ts, TS_MS(6), .flags = TS_A, .seq = 5031, .ack = 1001, .len = 10);
    TS_EXPECT(&ts, TS_MS(6), .flags = TS_A, .seq = 1001, .ack = 5001, TS_SACK(1, {5031, 5041}));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 40), 40);
    const ts_out *o = ts_next(&ts, TS_MS(10));
    SK_CHECK(o != NULL && o->hdr.payload_len == 4 && o->hdr.opts.n_sack == 1 &&
             frame_len(o) == 68u);
    for (o = ts_next(&ts, TS_MS(10)); o != NULL; o = ts_next(&ts, TS_MS(10)))
        SK_CHECK(frame_len(o) <= 68u);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OVER_MTU), 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_payload_shrinks_by_option_bytes);
    SK_RUN(test_frames_fit_mtu);
    SK_RUN(test_tiny_mtu_trims_blocks);
    return sk_test_finish();
}
