/* TCP pacing (cfg.pacing, tcp_output.c) in virtual time: MSS 1000, CUBIC
 * with an initial window of 10 segments (10000 bytes), RTT 10 ms from the
 * handshake (srtt 10000 us), so in slow start the rate is 200 % x 10000
 * bytes / 10 ms = 2 bytes/us and a 1000-byte segment takes 500 us. Off by
 * default and then the window goes as one burst; on, segments leave one
 * rate-interval apart, the pacing timer wakes the stack for each
 * (sk_stack_poll_at reports it), retransmissions are not held, a
 * connection without an RTT sample is not paced, and a TSO super-segment
 * carries about 1 ms of the rate. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "wire/ipv4.h"

#include <string.h>

#define T0 TS_SEC(1)

static sk_tcb *open_paced(ts_script *ts, bool pacing, uint16_t ss_ratio)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.initial_window_segments = 10;
    cfg.pacing = pacing;
    if (ss_ratio != 0)
        cfg.pacing_ss_ratio = ss_ratio;
    ts_init(ts, &cfg);
    ts->peer_mss = 1000;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(10)));
    sk_tcb *t = sk_stack_tcb(ts->s, ts->sock);
    SK_CHECK_EQ(t->srtt, 10000u);
    SK_CHECK_EQ(t->cwnd, 10000u);
    return t;
}

static void expect_data(ts_script *ts, sk_time_us t, uint32_t seq, uint32_t len, int line)
{
    ts_expect_(ts, __FILE__, line, t, (ts_seg){.flags = TS_A, .seq = seq, .ack = 5001, .len = len});
}

/* The defaults (off, Linux's ratios 200 / 120); off, the initial window
 * leaves at once and nothing waits on a pacing deadline. */
static void test_off_by_default(void)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    SK_CHECK(!cfg.pacing);
    SK_CHECK_EQ(cfg.pacing_ss_ratio, 200u);
    SK_CHECK_EQ(cfg.pacing_ca_ratio, 120u);
    ts_script ts;
    sk_tcb *t = open_paced(&ts, false, 0);
    SK_CHECK_EQ_I(ts_send(&ts, T0, 20000), 20000);
    for (uint32_t i = 0; i < 10; i++)
        expect_data(&ts, T0, 1001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, T0);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_PACING), SK_TIME_NEVER);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->pacing_waits, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* On: one segment per 500 us (1000 bytes at 2 bytes/us), to the
 * microsecond; each wait is the pacing timer's, reported by
 * sk_stack_poll_at so that a port sleeps until then. */
static void test_spacing_is_size_over_rate(void)
{
    ts_script ts;
    sk_tcb *t = open_paced(&ts, true, 0);
    SK_CHECK_EQ_I(ts_send(&ts, T0, 20000), 20000);
    for (uint32_t i = 0; i < 10; i++) {
        sk_time_us at = T0 + 500u * i;
        if (i > 0) {
            TS_NOTHING(&ts, at - 1);
            SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_PACING), at);
            SK_CHECK_EQ(sk_stack_poll_at(ts.s), at);
        }
        expect_data(&ts, at, 1001 + 1000 * i, 1000, __LINE__);
        TS_NOTHING(&ts, at);
    }
    /* the window is full: nothing more until an ACK, however long */
    TS_NOTHING(&ts, T0 + 9000u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->pacing_waits, 9u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* A ratio of 300 %: 1000 bytes at 3 bytes/us take 333.3 us; consecutive
 * segments leave 333 or 334 us apart, never more than a microsecond off
 * size / rate, and the error does not add up over the window. */
static void test_spacing_within_a_microsecond(void)
{
    ts_script ts;
    open_paced(&ts, true, 300);
    SK_CHECK_EQ_I(ts_send(&ts, T0, 10000), 10000);
    double interval = 1000.0 / (3.0 * 10000.0 / 10000.0); /* size / rate, us */
    sk_time_us prev = 0, now = T0;
    uint32_t seen = 0;
    for (int guard = 0; guard < 100000 && seen < 10; guard++, now++) {
        const ts_out *o = ts_next(&ts, now);
        if (o == NULL)
            continue;
        SK_CHECK_EQ(o->hdr.seq.v, 1001u + 1000u * seen);
        if (seen > 0) {
            double gap = (double)(now - prev);
            SK_CHECK_MSG(gap > interval - 1.0 && gap < interval + 1.0, "gap %.0f us", gap);
        }
        double drift = (double)(now - T0) - interval * seen;
        SK_CHECK_MSG(drift > -1.0 && drift < 1.0, "segment %u: %.1f us off", seen, drift);
        prev = now;
        seen++;
        SK_CHECK(ts_next(&ts, now) == NULL); /* one at a time */
    }
    SK_CHECK_EQ(seen, 10u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The pacing timer alone sends: nothing but time passes between the
 * segments, and the output at the deadline (timers run first) carries
 * the next one. */
static void test_timer_fires_and_sends(void)
{
    ts_script ts;
    sk_tcb *t = open_paced(&ts, true, 0);
    SK_CHECK_EQ_I(ts_send(&ts, T0, 3000), 3000);
    expect_data(&ts, T0, 1001, 1000, __LINE__);
    TS_NOTHING(&ts, T0);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_PACING), T0 + 500u);
    expect_data(&ts, T0 + 500u, 2001, 1000, __LINE__);
    expect_data(&ts, T0 + 1000u, 3001, 1000, __LINE__);
    TS_NOTHING(&ts, T0 + 1000u);
    /* nothing waits: the timer is off once it fired with nothing held */
    SK_CHECK(sk_tcb_timer(&ts.s->env, t, SK_TIMER_PACING) == SK_TIME_NEVER ||
             sk_tcb_timer(&ts.s->env, t, SK_TIMER_PACING) <= T0 + 1000u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 5681 §3.2 fast retransmit is not held: the window's ten segments
 * leave 500 us apart; at 10 ms three duplicate ACKs arrive together. The
 * first lets Limited Transmit (RFC 3042) send a new segment (its turn had
 * come), the second one's new segment waits for its turn, and the third
 * one's retransmission of SND.UNA goes at once, before it. */
static void test_retransmission_not_delayed(void)
{
    ts_script ts;
    open_paced(&ts, true, 0);
    SK_CHECK_EQ_I(ts_send(&ts, T0, 20000), 20000);
    for (uint32_t i = 0; i < 10; i++)
        expect_data(&ts, T0 + 500u * i, 1001 + 1000 * i, 1000, __LINE__);
    sk_time_us now = T0 + TS_MS(10);
    TS_NOTHING(&ts, now);
    TS_INJECT(&ts, now, .flags = TS_A, .seq = 5001, .ack = 1001);
    expect_data(&ts, now, 11001, 1000, __LINE__); /* Limited Transmit */
    TS_NOTHING(&ts, now);
    TS_INJECT(&ts, now, .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_NOTHING(&ts, now); /* the second new segment waits for its turn */
    TS_INJECT(&ts, now, .flags = TS_A, .seq = 5001, .ack = 1001);
    expect_data(&ts, now, 1001, 1000, __LINE__); /* fast retransmit, at once */
    TS_NOTHING(&ts, now);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->retransmits, 1u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* No RTT sample, no rate: a handshake whose SYN was retransmitted gives
 * none (Karn, RFC 6298 §3), and the first flight goes out unpaced; the
 * ACK of its first segment is the first sample, and from then on new
 * data is paced. */
static void test_no_pacing_before_rtt_sample(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.initial_window_segments = 10;
    cfg.pacing = true;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000;
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, TS_PEER_PORT_ACTIVE);
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, true, TS_US_ISN};
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    ts.iss = TS_US_ISN;
    ts.irs = TS_PEER_ISN;
    const ts_out *o = ts_next(&ts, 0);
    SK_CHECK(o != NULL && (o->hdr.flags & SK_TCP_SYN));
    o = ts_next(&ts, TS_SEC(1)); /* the initial RTO: the SYN again */
    SK_CHECK(o != NULL && (o->hdr.flags & SK_TCP_SYN));
    TS_INJECT(&ts, TS_SEC(1) + TS_MS(10), .flags = TS_SA, .seq = TS_PEER_ISN, .ack = TS_US_ISN + 1,
              TS_MSS(1000), TS_WIN(65535));
    TS_EXPECT(&ts, TS_SEC(1) + TS_MS(10), .flags = TS_A, .seq = TS_US_ISN + 1, .ack = TS_PEER_ISN + 1);
    SK_CHECK_EQ_I(ts_state(&ts), SK_TCP_ESTABLISHED);
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK_EQ(t->srtt, 0u);
    uint32_t segs = t->cwnd / 1000;
    SK_CHECK(segs >= 1);
    sk_time_us at = TS_SEC(2);
    SK_CHECK_EQ_I(ts_send(&ts, at, 20000), 20000);
    for (uint32_t i = 0; i < segs; i++)
        expect_data(&ts, at, 1001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, at);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->pacing_waits, 0u);
    /* the first sample: 10 ms; now paced */
    TS_INJECT(&ts, at + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001 + 1000 * segs);
    SK_CHECK_EQ(t->srtt, 10000u);
    uint32_t cwnd = t->cwnd;
    SK_CHECK(cwnd >= 2000u);
    expect_data(&ts, at + TS_MS(10), 1001 + 1000 * segs, 1000, __LINE__);
    TS_NOTHING(&ts, at + TS_MS(10));
    SK_CHECK(sk_stack_stats(ts.s)->pacing_waits > 0);
    /* 1000 bytes at 200 % x cwnd / 10 ms, rounded up to the microsecond */
    sk_time_us gap = ((sk_time_us)1000u * 10000u * 100u + 200u * cwnd - 1) / (200u * cwnd);
    TS_NOTHING(&ts, at + TS_MS(10) + gap - 1);
    expect_data(&ts, at + TS_MS(10) + gap, 2001 + 1000 * segs, 1000, __LINE__);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Linux's tcp_tso_autosize: with TSO (64 KiB frames) and RTT 5 ms the
 * rate is 200 % x 14600 bytes / 5 ms = 5840 bytes per ms, four 1460-byte
 * segments: the window goes as frames of 4, 4 and 2 segments, 1 ms apart
 * (5840 bytes at the rate). Off, it is one frame of all ten. */
static uint8_t frame[70000];

static uint32_t take_len(ts_script *ts, sk_time_us t, sk_frame_meta *m)
{
    size_t n = ts_output_meta(ts, t, frame, sizeof frame, m);
    if (n == 0)
        return 0;
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(frame, n, &ip), 0);
    return (uint32_t)(ip.payload_len - 20u); /* no TCP options */
}

static void tso_run(bool pacing, const uint32_t *want_len, const sk_time_us *want_at, int n)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.initial_window_segments = 10;
    cfg.pacing = pacing;
    cfg.dev.tx_csum = true;
    cfg.dev.tso_max = SK_TSO_MAX;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(5)));
    SK_CHECK_EQ_I(ts_send(&ts, T0, 30000), 30000);
    sk_frame_meta m;
    for (int i = 0; i < n; i++) {
        if (want_at[i] > T0)
            SK_CHECK_EQ(take_len(&ts, want_at[i] - 1, &m), 0u);
        SK_CHECK_EQ(take_len(&ts, want_at[i], &m), want_len[i]);
        SK_CHECK_EQ(m.gso_size, 1460u);
    }
    SK_CHECK_EQ(take_len(&ts, T0 + TS_MS(4), &m), 0u); /* the window is full */
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

static void test_tso_autosize(void)
{
    const uint32_t paced_len[] = {5840, 5840, 2920};
    const sk_time_us paced_at[] = {T0, T0 + 1000u, T0 + 2000u};
    tso_run(true, paced_len, paced_at, 3);
    const uint32_t burst_len[] = {14600};
    const sk_time_us burst_at[] = {T0};
    tso_run(false, burst_len, burst_at, 1);
}

/* The ratios are bounded: above 1000 % fails the stack's creation. */
static void test_config_bounds(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_stack_config cfg = ts.cfg;
    sk_stack *s = NULL;
    cfg.pacing_ss_ratio = 1001;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg = ts.cfg;
    cfg.pacing_ca_ratio = 1001;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg = ts.cfg;
    cfg.pacing = true;
    cfg.pacing_ss_ratio = 1000;
    cfg.pacing_ca_ratio = 0; /* the default */
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_off_by_default);
    SK_RUN(test_spacing_is_size_over_rate);
    SK_RUN(test_spacing_within_a_microsecond);
    SK_RUN(test_timer_fires_and_sends);
    SK_RUN(test_retransmission_not_delayed);
    SK_RUN(test_no_pacing_before_rtt_sample);
    SK_RUN(test_tso_autosize);
    SK_RUN(test_config_bounds);
    return sk_test_finish();
}
