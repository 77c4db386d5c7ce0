/* Half-open connections as records (tcp_halfopen.c): a SYN flood costs
 * records from the pool and no socket slot; the SYN,ACK and its
 * retransmissions come from the record; every SYN-RECEIVED rule of RFC
 * 9293 §3.10.7.4 is answered from it (RST exact and in window, a SYN
 * again, a SYN with another ISN, segments out of the window, an ACK of
 * something else, PAWS); the listener's close, the pool-full paths with
 * and without cookies, ICMP errors for the tuple; and the connection the
 * final ACK makes is the one a child TCB would have been: data and FIN on
 * the third segment, timestamps, window scale and SACK, the RTT of the
 * SYN,ACK (Karn's rule after a timeout), the trace. */
#include "sk_test.h"
#include "tcp_script.h"
#include "api/stack_impl.h"

#include <stdio.h>
#include <string.h>

#define US_PORT TS_US_PORT_PASSIVE
#define PEER TS_PEER_PORT_PASSIVE

static void init_listen(ts_script *ts, sk_stack_config *cfg, int backlog)
{
    ts_init(ts, cfg);
    SK_CHECK(ts_listen(ts, backlog));
    ts->lport = US_PORT;
    ts->rport = PEER;
    ts->iss = TS_US_ISN;
    ts->irs = 5000;
}

static void syn(ts_script *ts, sk_time_us t)
{
    TS_INJECT(ts, t, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(ts, t, .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(1460), TS_WIN(65535));
    TS_NOTHING(ts, t);
}

static sk_tuple peer_tuple(uint16_t rport)
{
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 2));
    tu.raddr = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1));
    tu.lport = US_PORT;
    tu.rport = rport;
    return tu;
}

static const sk_tcb_listen *lsn(const ts_script *ts)
{
    return sk_stack_tcb(ts->s, ts->listener)->x->lsn;
}

/* ---- a flood costs records, not slots ---- */

/* N SYNs from N ports: N records (all answered), no socket slot (every
 * other slot still opens a listener) and no allocation; the cost of each
 * is what sk_stack_half_open_bytes says, and it is printed. On the code
 * before records each SYN took a slot (TCB, extension): the slots ran out
 * at max_sockets - 1 and the listens below failed with SK_ENOSPC. */
static void test_flood_uses_records_not_slots(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = 16;
    cfg.max_half_open = 200;
    ts_script ts;
    init_listen(&ts, &cfg, 1000);
    size_t base = ts.live_blocks;
    size_t base_bytes = ts.live_bytes;
    const int n = 150;
    size_t synacks = 0;
    for (int i = 0; i < n; i++) {
        TS_INJECT(&ts, 0, .flags = TS_S, .seq = 7000, .sport = (uint16_t)(1000 + i), TS_MSS(1460));
        if (i % 32 == 31)
            synacks += ts_discard(&ts, 0);
    }
    synacks += ts_discard(&ts, 0);
    SK_CHECK_EQ(synacks, (size_t)n);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, (uint64_t)n);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ho_records, (uint64_t)n);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_sent, 0u);
    SK_CHECK_EQ(lsn(&ts)->n_ho, (uint32_t)n);
    /* nothing per connection: only the pool's index, at its first record */
    SK_CHECK_EQ(ts.live_blocks, base + ts_pool_index_blocks(&ts));
    SK_CHECK_EQ(ts.live_bytes, base_bytes + ts_pool_index_bytes(&ts));
    sk_sock x[15];
    for (int i = 0; i < 15; i++)
        SK_CHECK_EQ_I(sk_tcp_listen(ts.s, (uint16_t)(100 + i), NULL, &x[i]), 0);
    size_t per = sk_stack_half_open_bytes();
    SK_CHECK(per <= 96);
    SK_CHECK(per < sizeof(sk_tcb) + sizeof(sk_tcb_ext));
    printf("memory per half-open connection: %zu bytes (record %zu + hash slots); a child TCB "
           "cost %zu + %zu bytes and a socket slot\n",
           per, sizeof(sk_ho_rec), sizeof(sk_tcb), sizeof(sk_tcb_ext));
    for (int i = 0; i < 15; i++)
        SK_CHECK_EQ_I(sk_tcp_close(ts.s, 1, x[i]), 0);
    for (int s = 1; s <= 300; s++)
        ts_discard(&ts, TS_SEC(s));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 0u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, (uint64_t)n);
    ts_free(&ts);
}

/* ---- SYN-RECEIVED rules, from the record ---- */

/* RST at RCV.NXT: back to LISTEN (the record goes, nothing is sent; the
 * next ACK meets the listener). In the window but not exact: a challenge
 * ACK <SEQ=ISS+1><ACK=RCV.NXT> (RFC 5961 §3.2), the record stays. Out of
 * the window: dropped silently. */
static void test_rst_rules(void)
{
    ts_script ts;
    init_listen(&ts, NULL, 0);
    syn(&ts, 0);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_R, .seq = 5001 + 70000);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_RST_OUT_OF_WINDOW), 1u);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_R, .seq = 5002);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = TS_US_ISN + 1, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(20));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_RST_CHALLENGED), 1u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1u);
    TS_INJECT(&ts, TS_MS(30), .flags = TS_R, .seq = 5001);
    TS_NOTHING(&ts, TS_MS(30));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 0u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_in, 1u);
    SK_CHECK_EQ(lsn(&ts)->n_ho, 0u);
    SK_CHECK_EQ(lsn(&ts)->children.len, 0u);
    /* gone: no SYN,ACK at 1 s, and its ACK now gets the listener's RST */
    TS_NOTHING(&ts, TS_SEC(2));
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_A, .seq = 5001, .ack = TS_US_ISN + 1);
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_R, .seq = TS_US_ISN + 1);
    ts_free(&ts);
}

/* The peer's SYN again (it lies below RCV.NXT): the SYN,ACK again at once,
 * a retransmission (cause syn), and the timer runs on (the next one is
 * still at 1 s). A SYN with another ISN in the window: a challenge ACK
 * (RFC 5961 §4.2); out of it: the SYN,ACK again. */
static void test_syn_again_and_new_isn(void)
{
    ts_script ts;
    init_listen(&ts, NULL, 0);
    syn(&ts, 0);
    TS_INJECT(&ts, TS_MS(500), .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(500), .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_MS(500));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->retransmits_by_cause[SK_REXMIT_SYN], 1u);
    TS_NOTHING(&ts, TS_MS(999));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(1460));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->retransmits_by_cause[SK_REXMIT_SYN], 2u);
    TS_INJECT(&ts, TS_MS(1100), .flags = TS_S, .seq = 5100, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(1100), .flags = TS_A, .seq = TS_US_ISN + 1, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(1100));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_CHALLENGED), 1u);
    TS_INJECT(&ts, TS_MS(1200), .flags = TS_S, .seq = 900000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(1200), .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_MS(1200));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1u);
    /* the handshake still completes */
    TS_INJECT(&ts, TS_MS(1300), .flags = TS_A, .seq = 5001, .ack = TS_US_ISN + 1);
    TS_NOTHING(&ts, TS_MS(1300));
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 0u);
    ts_discard(&ts, TS_SEC(2));
    ts_free(&ts);
}

/* A segment past the window: dropped, answered with the SYN,ACK (a
 * child's ACK in SYN-RECEIVED). An ACK of something we never sent:
 * <SEQ=SEG.ACK><CTL=RST> and the record stays. No ACK bit: dropped. */
static void test_out_of_window_and_bad_ack(void)
{
    ts_script ts;
    init_listen(&ts, NULL, 0);
    syn(&ts, 0);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001 + 65535, .ack = TS_US_ISN + 1, .len = 10);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OUT_OF_WINDOW), 1u);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = TS_US_ISN + 7);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_R, .seq = TS_US_ISN + 7);
    TS_NOTHING(&ts, TS_MS(20));
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = TS_US_ISN);
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_R, .seq = TS_US_ISN);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BAD_ACK), 2u);
    TS_INJECT(&ts, TS_MS(40), .flags = 0, .seq = 5001, .len = 3);
    TS_NOTHING(&ts, TS_MS(40));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_ACK), 1u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1u);
    ts_discard(&ts, TS_SEC(300));
    ts_free(&ts);
}

/* Closing the listener: its records go without a RST (as Linux's request
 * sockets), counted; another listener's record stays. A peer's final ACK
 * that comes later meets a closed port: <SEQ=SEG.ACK><CTL=RST> (RFC 9293
 * §3.10.7.1), and so does its data. */
static void test_listener_close(void)
{
    ts_script ts;
    init_listen(&ts, NULL, 0);
    sk_sock l81;
    sk_listen_opts lo = {0, 0, true, 3000};
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 81, &lo, &l81), 0);
    for (uint16_t p = 1; p <= 3; p++)
        TS_INJECT(&ts, 0, .flags = TS_S, .seq = 100u * p, .sport = p);
    ts.lport = 81;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 900, .sport = 9);
    SK_CHECK_EQ(ts_discard(&ts, 0), 4u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 4u);
    uint64_t resets = sk_stack_stats(ts.s)->resets_out;
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, 1, ts.listener), 0);
    ts.lport = US_PORT;
    TS_NOTHING(&ts, 1);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ho_orphaned, 3u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_out, resets);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->drop[SK_DROP_TCP_CTLQ_FULL], 0u);
    TS_INJECT(&ts, 1, .flags = TS_A, .seq = 101, .ack = TS_US_ISN + 1, .sport = 1);
    TS_EXPECT(&ts, 1, .flags = TS_R, .seq = TS_US_ISN + 1, .dport = 1);
    TS_INJECT(&ts, 1, .flags = TS_A | TS_P, .seq = 201, .ack = TS_US_ISN + 1, .sport = 2,
              .data = "hi", .len = 2);
    TS_EXPECT(&ts, 1, .flags = TS_R, .seq = TS_US_ISN + 1, .dport = 2);
    TS_NOTHING(&ts, 1);
    ts.lport = 81;
    TS_INJECT(&ts, 2, .flags = TS_A, .seq = 901, .ack = 3001, .sport = 9);
    TS_NOTHING(&ts, 2);
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, l81, &c, NULL), 0);
    ts_discard(&ts, TS_SEC(300));
    ts_free(&ts);
}

/* ---- the pool full ---- */

/* With cookies (the default) a SYN the pool cannot keep gets a cookie and
 * its ACK makes the connection; without them it is dropped and counted
 * (TCP_HALFOPEN_FULL), or an old record makes room (test_tcp_syncookie). */
static void pool_full(bool cookies)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_half_open = 2;
    cfg.syn_cookies = cookies ? SK_SYNCOOKIES_WHEN_FULL : SK_SYNCOOKIES_OFF;
    ts_script ts;
    init_listen(&ts, &cfg, 0);
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 100, .sport = 1);
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 200, .sport = 2);
    SK_CHECK_EQ(ts_discard(&ts, 0), 2u);
    TS_INJECT(&ts, TS_MS(1), .flags = TS_S, .seq = 300, .sport = 3, TS_MSS(1460));
    const ts_out *o = ts_next(&ts, TS_MS(1));
    if (cookies) {
        SK_CHECK(o != NULL && o->hdr.flags == TS_SA);
        uint32_t iss = o != NULL ? o->hdr.seq.v : 0;
        SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_sent, 1u);
        SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 2u);
        TS_INJECT(&ts, TS_MS(2), .flags = TS_A, .seq = 301, .ack = iss + 1, .sport = 3);
        TS_NOTHING(&ts, TS_MS(2));
        SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_recv, 1u);
        sk_sock c;
        SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, NULL), 0);
    } else {
        SK_CHECK(o == NULL);
        SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_HALFOPEN_FULL), 1u);
    }
    /* a record's own ACK still completes its handshake */
    TS_INJECT(&ts, TS_MS(3), .flags = TS_A, .seq = 101, .ack = TS_US_ISN + 1, .sport = 1);
    TS_NOTHING(&ts, TS_MS(3));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ho_promoted, 1u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1u);
    ts_discard(&ts, TS_SEC(300));
    ts_free(&ts);
}

static void test_pool_full_cookie(void)
{
    pool_full(true);
}

static void test_pool_full_counted(void)
{
    pool_full(false);
}

/* ---- ICMP for the tuple (RFC 5927 §4.1, RFC 1122 §4.2.3.9) ---- */

/* An error quoting our SYN,ACK (SEQ = ISS) is taken and kept as the soft
 * error, as a child kept it; another SEQ or tuple is refused. */
static void test_icmp(void)
{
    ts_script ts;
    init_listen(&ts, NULL, 0);
    syn(&ts, 0);
    sk_tcp_env *e = &ts.s->env;
    sk_tuple tu = peer_tuple(PEER);
    SK_CHECK_EQ(sk_tcp_icmp_error(e, &tu, sk_seq_make(TS_US_ISN + 1), SK_TCP_ICMP_REFUSED, 1),
                SK_DROP_ICMP_OUT_OF_WINDOW);
    sk_tuple other = peer_tuple(PEER + 1);
    SK_CHECK_EQ(sk_tcp_icmp_error(e, &other, sk_seq_make(TS_US_ISN), SK_TCP_ICMP_REFUSED, 1),
                SK_DROP_ICMP_NO_CONN);
    SK_CHECK_EQ(sk_tcp_icmp_check(e, &tu, sk_seq_make(TS_US_ISN)), 0);
    SK_CHECK_EQ(sk_tcp_icmp_error(e, &tu, sk_seq_make(TS_US_ISN), SK_TCP_ICMP_REFUSED, 1), 0);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1u); /* soft: the handshake goes on */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = TS_US_ISN + 1);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(ts_info(&ts).soft_error, SK_ECONNREFUSED);
    ts_discard(&ts, TS_SEC(2));
    ts_free(&ts);
}

/* The link MTU lowered while a record waits: its SYN,ACK sent again
 * announces the MSS that fits (a child's adv_mss was lowered the same
 * way); our address gone: its records are dropped without a RST (RFC 2131
 * §4.4.5), the listener stays. */
static void test_mtu_lowered_and_addr_gone(void)
{
    ts_script ts;
    init_listen(&ts, NULL, 0);
    syn(&ts, 0);
    SK_CHECK_EQ_I(sk_stack_set_mtu(ts.s, 1000), 0);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(960));
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ_I(sk_stack_set_ipv4(ts.s, TS_MS(1500), sk_ip4_make(10, 0, 0, 9), 24,
                                    sk_ip4_make(0, 0, 0, 0)), 0);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 0u);
    SK_CHECK_EQ(lsn(&ts)->n_ho, 0u);
    TS_NOTHING(&ts, TS_SEC(10));
    ts_free(&ts);
}

/* ---- the connection the final ACK makes ---- */

/* Data and FIN on the third segment (RFC 9293 §3.10.7.4: SYN-RECEIVED ->
 * ESTABLISHED, then text, then FIN -> CLOSE-WAIT): the application reads
 * the bytes and the end of the stream, our ACK covers the FIN. */
static void test_third_segment_data_fin(void)
{
    ts_script ts;
    init_listen(&ts, NULL, 0);
    syn(&ts, 0);
    TS_INJECT(&ts, TS_MS(50), .flags = TS_FA, .seq = 5001, .ack = TS_US_ISN + 1, .len = 20);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = TS_US_ISN + 1, .ack = 5022);
    TS_NOTHING(&ts, TS_MS(50));
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    SK_CHECK_EQ(ts_recv(&ts, TS_MS(60), 100), 20);
    SK_CHECK_EQ(ts_recv(&ts, TS_MS(60), 100), 0); /* end of stream */
    /* the SYN,ACK was timed (RFC 6298 §3): 50 ms */
    SK_CHECK_EQ(ts_info(&ts).srtt_us, 50000u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ho_promoted, 1u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->passive_opens, 1u);
    ts_discard(&ts, TS_SEC(2));
    ts_free(&ts);
}

/* After a SYN,ACK timeout the final ACK gives no RTT sample (Karn) and
 * data starts with RTO = 3 s (RFC 6298 §5.7), as a child's did. */
static void test_timeout_then_rto_3s(void)
{
    ts_script ts;
    init_listen(&ts, NULL, 0);
    syn(&ts, 0);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(1460));
    TS_INJECT(&ts, TS_MS(1100), .flags = TS_A, .seq = 5001, .ack = TS_US_ISN + 1);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.srtt_us, 0u);
    SK_CHECK_EQ(in.rto_us, 3000000u);
    SK_CHECK_EQ(in.retransmits, 1u);
    ts_discard(&ts, TS_SEC(2));
    ts_free(&ts);
}

/* Timestamps, window scale and SACK negotiated in the SYN and SYN,ACK are
 * the connection's: our data carries TSval/TSecr (TSecr the peer's last
 * TSval), a scaled window, and SACK blocks for a hole; RTTM measured the
 * SYN,ACK from the ACK's TSecr. PAWS in the record: an old TSval is
 * dropped and answered. */
static void test_options_carried(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.timestamps = true;
    cfg.sack = true;
    cfg.rcvbuf = 1u << 20; /* shift 5 */
    ts_script ts;
    init_listen(&ts, &cfg, 0);
    uint32_t t0 = ts_peer_clock(0);
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460), TS_WS(7), TS_SACKOK,
              TS_TSOPT(t0, 0));
    const ts_out *sa = ts_next(&ts, 0);
    SK_CHECK(sa != NULL && sa->hdr.flags == TS_SA);
    if (sa == NULL) {
        ts_free(&ts);
        return;
    }
    SK_CHECK(sa->hdr.opts.has_wscale && sa->hdr.opts.wscale == 5);
    SK_CHECK(sa->hdr.opts.sack_permitted);
    SK_CHECK(sa->hdr.opts.has_ts && sa->hdr.opts.ts_ecr == t0);
    uint32_t our_ts = sa->hdr.opts.ts_val;
    TS_NOTHING(&ts, 0);
    /* an old TSval: PAWS drops it and the SYN,ACK answers */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = TS_US_ISN + 1,
              TS_TSOPT(t0 - 5, our_ts));
    const ts_out *again = ts_next(&ts, TS_MS(10));
    SK_CHECK(again != NULL && again->hdr.flags == TS_SA);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_PAWS), 1u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1u);
    /* the final ACK at 40 ms echoes our first TSval */
    uint32_t t1 = ts_peer_clock(TS_MS(40));
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = TS_US_ISN + 1, TS_WIN(100),
              TS_TSOPT(t1, our_ts));
    TS_NOTHING(&ts, TS_MS(40));
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.state, SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(in.snd_wscale, 7);
    SK_CHECK_EQ(in.rcv_wscale, 5);
    SK_CHECK_EQ(in.snd_wnd, 100u << 7);
    SK_CHECK_EQ(in.srtt_us, 40000u); /* RTTM from TSecr (RFC 7323 §4.1) */
    /* out of order data: our ACK carries a SACK block and timestamps */
    uint32_t t2 = ts_peer_clock(TS_MS(50));
    TS_INJECT(&ts, TS_MS(50), .flags = TS_A, .seq = 5101, .ack = TS_US_ISN + 1, .len = 100,
              TS_WIN(100), TS_TSOPT(t2, our_ts));
    const ts_out *a = ts_next(&ts, TS_MS(50));
    SK_CHECK(a != NULL && a->hdr.flags == TS_A && a->hdr.ack.v == 5001);
    if (a != NULL) {
        SK_CHECK_EQ(a->hdr.opts.n_sack, 1);
        SK_CHECK_EQ(a->hdr.opts.sack[0].left.v, 5101u);
        SK_CHECK(a->hdr.opts.has_ts && a->hdr.opts.ts_ecr == t1);
        SK_CHECK_EQ(a->hdr.window, (uint16_t)((1u << 20) >> 5) - 0); /* the whole buffer, scaled */
    }
    ts_discard(&ts, TS_SEC(2));
    ts_free(&ts);
}

/* ---- trace ---- */

typedef struct {
    int states_no_handle;  /* CLOSED -> SYN-RECEIVED and back, no handle, with ends */
    int syn_rcvd_to_est;   /* SYN-RECEIVED -> ESTABLISHED with a handle */
    int timers_no_handle;
    int rexmits_syn;
    int bad;
} trace_rec;

static void on_trace(void *ctx, const sk_trace_event *ev)
{
    trace_rec *r = ctx;
    bool handle = ev->sock.idx != 0;
    if (ev->kind == SK_TRACE_STATE && !handle) {
        if (ev->local.port != US_PORT || ev->remote.port == 0)
            r->bad++;
        r->states_no_handle++;
    } else if (ev->kind == SK_TRACE_STATE && ev->old_state == SK_TCP_SYN_RECEIVED &&
               ev->new_state == SK_TCP_ESTABLISHED) {
        r->syn_rcvd_to_est++;
    } else if (ev->kind == SK_TRACE_STATE && ev->new_state == SK_TCP_SYN_RECEIVED) {
        r->bad++; /* a record's connection does not show SYN-RECEIVED again */
    } else if (ev->kind == SK_TRACE_TIMER && !handle) {
        r->timers_no_handle++;
    } else if (ev->kind == SK_TRACE_RETRANSMIT && ev->rexmit_cause == SK_REXMIT_SYN) {
        r->rexmits_syn++;
        if (ev->local.port != ev->seg->src.port)
            r->bad++;
    }
}

/* The record reports what a child reported: SYN-RECEIVED on the SYN, its
 * timer and retransmission, and the connection's SYN-RECEIVED ->
 * ESTABLISHED; a second one that times out shows SYN-RECEIVED -> CLOSED. */
static void test_trace(void)
{
    trace_rec r;
    memset(&r, 0, sizeof r);
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.trace = on_trace;
    cfg.trace_ctx = &r;
    cfg.synack_retries = 1;
    ts_script ts;
    init_listen(&ts, &cfg, 0);
    syn(&ts, 0);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(1460));
    TS_INJECT(&ts, TS_MS(1100), .flags = TS_A, .seq = 5001, .ack = TS_US_ISN + 1);
    SK_CHECK_EQ(r.states_no_handle, 1);
    SK_CHECK_EQ(r.syn_rcvd_to_est, 1);
    SK_CHECK_EQ(r.timers_no_handle, 1);
    SK_CHECK_EQ(r.rexmits_syn, 1);
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_S, .seq = 100, .sport = 7);
    ts_discard(&ts, TS_SEC(2));
    ts_discard(&ts, TS_SEC(3));
    ts_discard(&ts, TS_SEC(6));
    SK_CHECK_EQ(r.states_no_handle, 3);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, 1u);
    SK_CHECK_EQ(r.bad, 0);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_flood_uses_records_not_slots);
    SK_RUN(test_rst_rules);
    SK_RUN(test_syn_again_and_new_isn);
    SK_RUN(test_out_of_window_and_bad_ack);
    SK_RUN(test_listener_close);
    SK_RUN(test_pool_full_cookie);
    SK_RUN(test_pool_full_counted);
    SK_RUN(test_icmp);
    SK_RUN(test_mtu_lowered_and_addr_gone);
    SK_RUN(test_third_segment_data_fin);
    SK_RUN(test_timeout_then_rto_3s);
    SK_RUN(test_options_carried);
    SK_RUN(test_trace);
    return sk_test_finish();
}
