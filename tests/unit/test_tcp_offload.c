/* Device offloads out (include/synack/stack.h: sk_dev_caps, sk_frame_meta,
 * sk_stack_output_meta): TCP super-segments (TSO) and partial checksums,
 * their boundaries, sequence numbers and metadata; retransmissions stay
 * one MSS; fallbacks when a capability, the buffer or the call is missing;
 * the capabilities' checks. Input offloads: test_tcp_gro.c. */
#include "posix/posix_alloc.h"
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "base/checksum.h"
#include "wire/ipv4.h"

#include <stdlib.h>
#include <string.h>

static const sk_ip4 US = {{10, 0, 0, 2}};
static const sk_ip4 PEER = {{10, 0, 0, 1}};

static uint8_t frame[70000];

/* One frame from the stack, parsed. */
typedef struct {
    size_t n;
    sk_frame_meta m;
    sk_ip4_repr ip;
    sk_tcp_repr tcp;
} out_frame;

static bool take(ts_script *ts, sk_time_us t, size_t cap, out_frame *o)
{
    memset(o, 0, sizeof *o);
    o->n = ts_output_meta(ts, t, frame, cap, &o->m);
    if (o->n == 0)
        return false;
    SK_CHECK_EQ_I(sk_ip4_parse(frame, o->n, &o->ip), 0);
    SK_CHECK_EQ_I(sk_tcp_parse(o->ip.payload, o->ip.payload_len, &o->tcp), 0);
    return true;
}

/* The payload is our stream from byte `off` on. */
static bool payload_is_stream(const out_frame *o, uint32_t off)
{
    for (size_t i = 0; i < o->tcp.payload_len; i++)
        if (o->tcp.payload[i] != ts_pattern(TS_US_STREAM, off + (uint32_t)i))
            return false;
    return true;
}

static void offload_config(sk_stack_config *cfg, bool ts_on)
{
    ts_config(cfg);
    cfg->sack = ts_on;
    cfg->timestamps = ts_on;
    cfg->dev.tx_csum = true;
    cfg->dev.tso_max = SK_TSO_MAX;
}

static void open_offload(ts_script *ts, bool ts_on)
{
    sk_stack_config cfg;
    offload_config(&cfg, ts_on);
    ts_init(ts, &cfg);
    ts->peer_sack = ts_on;
    ts->peer_ts = ts_on;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(1)));
}

/* SACK on both ends, no timestamps: the options take no room, so every
 * segment carries a whole MSS of 1460. */
static void open_offload_sack(ts_script *ts)
{
    sk_stack_config cfg;
    offload_config(&cfg, false);
    cfg.sack = true;
    ts_init(ts, &cfg);
    ts->peer_sack = true;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(1)));
}

/* cwnd of 10 MSS (RFC 6928) and a 64 KiB TSO limit: one frame carries the
 * whole window, 14600 bytes at SND.NXT, cut on the wire into 1460-byte
 * segments; checksum partial for the device (csum_start at the TCP
 * header, offset 16), the IPv4 header checksum computed; nothing more. */
static void test_one_frame_of_ten_mss(void)
{
    ts_script ts;
    open_offload(&ts, false);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 30000), 30000);
    out_frame o;
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.seq.v, 1001u);
    SK_CHECK_EQ(o.tcp.payload_len, 14600u);
    SK_CHECK(payload_is_stream(&o, 0));
    SK_CHECK_EQ(o.m.gso_type, SK_GSO_TCPV4);
    SK_CHECK_EQ(o.m.gso_size, 1460u);
    SK_CHECK_EQ(o.m.hdr_len, 40u);
    SK_CHECK_EQ(o.m.flags, SK_FRAME_NEEDS_CSUM);
    SK_CHECK_EQ(o.m.csum_start, 20u);
    SK_CHECK_EQ(o.m.csum_offset, 16u);
    SK_CHECK_EQ(o.ip.total_len, 20u + 20u + 14600u);
    SK_CHECK(sk_csum(frame, 20) == 0); /* the IPv4 header checksum is right */
    SK_CHECK(!take(&ts, TS_MS(10), sizeof frame, &o)); /* cwnd is full */
    SK_CHECK_EQ(ts_info(&ts).snd_nxt, 1001u + 14600u);
    /* every byte is acknowledged: the next window goes out the same way */
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5001, .ack = 1001 + 14600);
    SK_CHECK(take(&ts, TS_MS(12), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.seq.v, 1001u + 14600u);
    /* 15400 bytes wait: whole segments go, the 800-byte rest waits for an
     * ACK (Nagle, RFC 1122 §4.2.3.4) as it would one MSS at a time */
    SK_CHECK(o.tcp.payload_len >= 2u * 1460u && o.tcp.payload_len % 1460u == 0);
    SK_CHECK_EQ(o.m.gso_size, 1460u);
    SK_CHECK(payload_is_stream(&o, 14600));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The trace reports a super-segment as one event, marked: its whole
 * length and the gso_size the device cuts it by (tools print "gso="). */
static uint32_t traced_len, traced_gso;

static void trace_hook(void *ctx, const sk_trace_event *ev)
{
    (void)ctx;
    if (ev->kind == SK_TRACE_SEG_OUT && ev->seg->len > 0) {
        traced_len = ev->seg->len;
        traced_gso = ev->seg->gso_size;
    }
}

static void test_trace_marks_super_segment(void)
{
    sk_stack_config cfg;
    offload_config(&cfg, false);
    cfg.trace = trace_hook;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 30000), 30000);
    out_frame o;
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(traced_len, 14600u);
    SK_CHECK_EQ(traced_gso, 1460u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The partial checksum is the pseudo-header sum over the whole segment's
 * length (what virtio and Linux's TSO expect); completed in software as
 * the device would, it verifies; before, it does not. */
static void test_partial_checksum_completes(void)
{
    ts_script ts;
    open_offload(&ts, false);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 4380), 4380);
    out_frame o;
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.payload_len, 4380u);
    SK_CHECK_EQ(o.m.gso_size, 1460u);
    uint16_t l4 = (uint16_t)(o.n - 20);
    uint16_t pseudo = (uint16_t)~sk_csum_fold(sk_csum_pseudo4(US.b, PEER.b, 6, l4));
    SK_CHECK_EQ(o.tcp.checksum, pseudo);
    SK_CHECK(!sk_tcp_checksum_ok4(US, PEER, frame + 20, l4));
    sk_frame_meta m = o.m;
    SK_CHECK_EQ_I(sk_frame_csum_complete(frame, o.n, &m), 0);
    SK_CHECK(sk_tcp_checksum_ok4(US, PEER, frame + 20, l4));
    SK_CHECK_EQ(m.flags, 0u);
    SK_CHECK_EQ(m.gso_size, 1460u); /* the rest of the metadata stays */
    /* completing again changes nothing; bad offsets are refused */
    SK_CHECK_EQ_I(sk_frame_csum_complete(frame, o.n, &m), 0);
    SK_CHECK(sk_tcp_checksum_ok4(US, PEER, frame + 20, l4));
    sk_frame_meta bad = o.m;
    bad.csum_start = (uint16_t)(o.n - 1);
    SK_CHECK_EQ_I(sk_frame_csum_complete(frame, o.n, &bad), SK_EINVAL);
    bad = o.m;
    bad.csum_offset = 17;
    SK_CHECK_EQ_I(sk_frame_csum_complete(frame, o.n, &bad), SK_EINVAL);
    SK_CHECK_EQ_I(sk_frame_csum_complete(NULL, o.n, &bad), SK_EINVAL);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The peer's window ends inside the fourth segment: the frame holds the
 * three full segments; the 620-byte rest would be a small segment with
 * data in flight (sender SWS avoidance, RFC 9293 §3.8.6.2.1), so it waits,
 * exactly as one-MSS output would. */
static void test_window_edge_in_the_middle(void)
{
    sk_stack_config cfg;
    offload_config(&cfg, false);
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_win = 5000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 30000), 30000);
    out_frame o;
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.seq.v, 1001u);
    SK_CHECK_EQ(o.tcp.payload_len, 3u * 1460u);
    SK_CHECK_EQ(o.m.gso_size, 1460u);
    SK_CHECK(!take(&ts, TS_MS(10), sizeof frame, &o));
    /* the ACK of the first two opens the window to 3 more segments and
     * the rest of the old edge: new data from SND.NXT on */
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5001, .ack = 1001 + 2920, TS_WIN(5000));
    SK_CHECK(take(&ts, TS_MS(12), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.seq.v, 1001u + 4380u);
    SK_CHECK_EQ(o.tcp.payload_len, 2u * 1460u); /* 5000 - 1460 in flight, whole segments */
    SK_CHECK(payload_is_stream(&o, 4380));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* A short tail: with Nagle (RFC 1122 §4.2.3.4) it waits for the ACK of
 * the full segments, as one-MSS output would make it, and goes alone
 * then; with NODELAY nothing holds it back and it rides in the frame, the
 * gso_size still the MSS, PSH on the frame. */
static void test_short_tail(void)
{
    for (int nodelay = 0; nodelay < 2; nodelay++) {
        ts_script ts;
        open_offload(&ts, false);
        SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_NODELAY, (uint64_t)nodelay), 0);
        SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 3 * 1460 + 500), 3 * 1460 + 500);
        out_frame o;
        SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
        SK_CHECK_EQ(o.tcp.payload_len, nodelay ? 3u * 1460u + 500u : 3u * 1460u);
        SK_CHECK_EQ(o.m.gso_size, 1460u);
        SK_CHECK_EQ(o.tcp.flags & SK_TCP_PSH, nodelay ? SK_TCP_PSH : 0);
        SK_CHECK(!take(&ts, TS_MS(10), sizeof frame, &o));
        if (!nodelay) {
            TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5001, .ack = 1001 + 4380);
            SK_CHECK(take(&ts, TS_MS(12), sizeof frame, &o));
            SK_CHECK_EQ(o.tcp.seq.v, 1001u + 4380u);
            SK_CHECK_EQ(o.tcp.payload_len, 500u);
            SK_CHECK_EQ(o.m.gso_type, SK_GSO_NONE);
        }
        ts_discard(&ts, TS_SEC(100));
        ts_free(&ts);
    }
}

/* Options shrink the per-segment payload: timestamps (12 bytes) make it
 * 1448, a SACK block (12 more) 1436; the frame holds whole segments of
 * that size and hdr_len counts the options. */
static void test_options_shrink_gso_size(void)
{
    ts_script ts;
    open_offload(&ts, true);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 30000), 30000);
    out_frame o;
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.m.gso_size, 1448u);
    SK_CHECK_EQ(o.m.hdr_len, 20u + 32u);
    SK_CHECK(o.tcp.opts.has_ts);
    SK_CHECK_EQ(o.tcp.payload_len % 1448u, 0u);
    SK_CHECK_EQ(o.tcp.payload_len, 10u * 1448u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    open_offload(&ts, true);
    /* a hole in what the peer sent: our segments carry a SACK block */
    TS_INJECT(&ts, TS_MS(5), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(1, {5101, 5201}));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 30000), 30000);
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.opts.n_sack, 1u);
    SK_CHECK_EQ(o.m.gso_size, 1436u);
    SK_CHECK_EQ(o.m.hdr_len, 20u + 44u);
    SK_CHECK_EQ(o.tcp.payload_len % 1436u, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* A super-segment lost whole: the timeout resends one MSS at SND.UNA
 * (RFC 6298 §5.4), not the frame; a plain frame, partial checksum only. */
static void test_retransmission_is_one_mss(void)
{
    ts_script ts;
    open_offload(&ts, false);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 30000), 30000);
    out_frame o;
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.payload_len, 14600u);
    SK_CHECK(!take(&ts, TS_MS(10) + TS_SEC(1) - 1, sizeof frame, &o));
    SK_CHECK(take(&ts, TS_MS(10) + TS_SEC(1), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.seq.v, 1001u);
    SK_CHECK_EQ(o.tcp.payload_len, 1460u);
    SK_CHECK_EQ(o.m.gso_type, SK_GSO_NONE);
    SK_CHECK_EQ(o.m.gso_size, 0u);
    SK_CHECK_EQ(o.m.flags, SK_FRAME_NEEDS_CSUM);
    SK_CHECK(!take(&ts, TS_MS(10) + TS_SEC(1), sizeof frame, &o));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* SACK recovery after a super-segment: the peer SACKs segments 2 to 4 of
 * it; fast retransmit (RFC 6675 NextSeg) resends the first segment, one
 * MSS, though the record held the frame as one range. */
static void test_sack_recovery_resends_one_mss(void)
{
    ts_script ts;
    open_offload_sack(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 14600), 14600);
    out_frame o;
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.payload_len, 14600u);
    uint32_t b = 1001 + 1460;
    for (uint32_t k = 1; k <= 3; k++)
        TS_INJECT(&ts, TS_MS(20) + k, .flags = TS_A, .seq = 5001, .ack = 1001,
                  TS_SACK(1, {b, b + k * 1460}));
    SK_CHECK(take(&ts, TS_MS(20) + 3, sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.seq.v, 1001u);
    SK_CHECK_EQ(o.tcp.payload_len, 1460u);
    SK_CHECK_EQ(o.m.gso_type, SK_GSO_NONE);
    SK_CHECK_EQ(ts_info(&ts).retransmits, 1u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 5681 §3.2 step 2 keeps the data Limited Transmit sent beyond cwnd
 * out of the FlightSize that sets ssthresh. A super-segment sent on a
 * duplicate ACK may cross cwnd part way: only its bytes beyond cwnd are
 * Limited Transmit's. Counting the whole frame took a segment more out of
 * FlightSize for every one the frame carried below cwnd (ssthresh 0.7 x 9
 * segments here, not 0.7 x 10). */
static void test_limited_transmit_counts_bytes_beyond_cwnd(void)
{
    ts_script ts;
    open_offload_sack(&ts);
    uint32_t seg = 1460, a = 1001;
    /* 9 segments queued, below the initial window of 10 */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 9 * seg), (int)(9 * seg));
    out_frame o;
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.payload_len, 9u * seg);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 10u * seg);
    /* the first is lost, the second SACKed: a duplicate ACK */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = a,
              TS_SACK(1, {a + seg, a + 2 * seg}));
    SK_CHECK(!take(&ts, TS_MS(20), sizeof frame, &o));
    /* more data: cwnd's last segment and Limited Transmit's first go in
     * one frame, half of it within cwnd */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), 100000), 100000);
    SK_CHECK(take(&ts, TS_MS(20), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.seq.v, a + 9 * seg);
    SK_CHECK_EQ(o.tcp.payload_len, 2u * seg);
    SK_CHECK(!take(&ts, TS_MS(20), sizeof frame, &o));
    /* the second duplicate ACK: one more segment, all beyond cwnd */
    TS_INJECT(&ts, TS_MS(21), .flags = TS_A, .seq = 5001, .ack = a,
              TS_SACK(1, {a + seg, a + 3 * seg}));
    SK_CHECK(take(&ts, TS_MS(21), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.seq.v, a + 11 * seg);
    SK_CHECK_EQ(o.tcp.payload_len, seg);
    SK_CHECK(!take(&ts, TS_MS(21), sizeof frame, &o));
    /* the third: recovery, ssthresh = 0.7 x FlightSize, the 12 segments
     * outstanding less the 2 Limited Transmit sent beyond cwnd */
    TS_INJECT(&ts, TS_MS(22), .flags = TS_A, .seq = 5001, .ack = a,
              TS_SACK(1, {a + seg, a + 4 * seg}));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_recoveries, 1u);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 10u * seg * 7u / 10u);
    SK_CHECK(take(&ts, TS_MS(22), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.seq.v, a); /* the hole, resent */
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Fallbacks: TSO off (checksum offload alone) gives MTU-sized frames with
 * a partial checksum; a buffer of one MTU gives one segment; the plain
 * sk_stack_output on an offloading stack gives complete frames of one MSS
 * (the script's checks verify the checksums); no capabilities: metadata
 * all zero, checksum complete. */
static void test_fallbacks(void)
{
    sk_stack_config cfg;
    offload_config(&cfg, false);
    cfg.dev.tso_max = 0;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 5000), 5000);
    out_frame o;
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.payload_len, 1460u);
    SK_CHECK_EQ(o.m.flags, SK_FRAME_NEEDS_CSUM);
    SK_CHECK_EQ(o.m.gso_type, SK_GSO_NONE);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    open_offload(&ts, false);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 5000), 5000);
    SK_CHECK(take(&ts, TS_MS(10), 1500, &o));
    SK_CHECK_EQ(o.tcp.payload_len, 1460u);
    SK_CHECK_EQ(o.m.gso_size, 0u);
    SK_CHECK_EQ(o.m.flags, SK_FRAME_NEEDS_CSUM);
    /* a buffer below the MTU is refused, metadata cleared */
    memset(&o.m, 0xff, sizeof o.m);
    SK_CHECK_EQ(sk_stack_output_meta(ts.s, TS_MS(10), frame, 1499, &o.m), 0u);
    SK_CHECK_EQ(o.m.flags, 0u);
    SK_CHECK_EQ(sk_stack_output_meta(ts.s, TS_MS(10), frame, sizeof frame, NULL), 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    open_offload(&ts, false);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 3 * 1460), 3 * 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 2461, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 3921, .ack = 5001, .len = 1460);
    TS_NOTHING(&ts, TS_MS(10));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 5000), 5000);
    SK_CHECK(take(&ts, TS_MS(10), sizeof frame, &o));
    SK_CHECK_EQ(o.tcp.payload_len, 1460u);
    sk_frame_meta zero;
    memset(&zero, 0, sizeof zero);
    SK_CHECK(memcmp(&o.m, &zero, sizeof zero) == 0);
    SK_CHECK(sk_tcp_checksum_ok4(US, PEER, frame + 20, o.n - 20));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Capabilities that do not go together are refused with their own error:
 * TSO without checksum offload (virtio 1.x §5.1.3.1), a TSO limit over
 * SK_TSO_MAX or under the MTU. */
static void test_caps_checked(void)
{
    sk_stack_config cfg;
    sk_stack *s = NULL;
    ts_config(&cfg);
    cfg.alloc = sk_posix_allocator();
    cfg.dev.tso_max = 65000;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EOFFLOAD);
    cfg.dev.tx_csum = true;
    cfg.dev.tso_max = SK_TSO_MAX + 1;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EOFFLOAD);
    cfg.dev.tso_max = 1499;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EOFFLOAD);
    SK_CHECK(s == NULL);
    SK_CHECK(strstr(sk_strerror(SK_EOFFLOAD), "TSO") != NULL);
    SK_CHECK_STR(sk_errname(SK_EOFFLOAD), "SK_EOFFLOAD");
    /* the edges are accepted */
    ts_script ts;
    cfg.dev.tso_max = 1500;
    ts_init(&ts, &cfg);
    SK_CHECK(ts.s != NULL);
    ts_free(&ts);
    cfg.dev.tso_max = SK_TSO_MAX;
    ts_init(&ts, &cfg);
    SK_CHECK(ts.s != NULL);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_one_frame_of_ten_mss);
    SK_RUN(test_trace_marks_super_segment);
    SK_RUN(test_partial_checksum_completes);
    SK_RUN(test_window_edge_in_the_middle);
    SK_RUN(test_short_tail);
    SK_RUN(test_options_shrink_gso_size);
    SK_RUN(test_retransmission_is_one_mss);
    SK_RUN(test_sack_recovery_resends_one_mss);
    SK_RUN(test_limited_transmit_counts_bytes_beyond_cwnd);
    SK_RUN(test_fallbacks);
    SK_RUN(test_caps_checked);
    return sk_test_finish();
}
