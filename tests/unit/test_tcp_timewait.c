/* TIME-WAIT as compact records (src/tcp/tcp_timewait.c): a connection the
 * application closed gives its socket slot back when it enters TIME-WAIT,
 * and a 64-byte record answers for it (RFC 9293 §3.10.7.4, RFC 5961 §4.2,
 * RFC 6191, RFC 9293 §3.6.1) until 2*MSL runs out. The held-handle cases
 * (a TCB in TIME-WAIT) are in test_tcp_conform.c, test_tcp_close.c and
 * test_tcp_ts.c; these are the same rules, answered by the record. */
#include "sk_test.h"
#include "api/stack_impl.h"
#include "tcp_script.h"

#include <string.h>

#define TW TS_SEC(60) /* default time_wait_us (2 MSL) */

static const sk_stats *st(const ts_script *ts)
{
    return sk_stack_stats(ts->s);
}

static sk_tuple passive_tuple(uint16_t rport)
{
    sk_tuple tu = {sk_addr4(sk_ip4_make(10, 0, 0, 2)), sk_addr4(sk_ip4_make(10, 0, 0, 1)),
                   TS_US_PORT_PASSIVE, rport};
    return tu;
}

/* The record's size: the static assertion in tcp_timewait.c, and here;
 * what the API says a TIME-WAIT costs is the record and its two hash
 * slots, far below a socket slot. */
static void test_record_size(void)
{
    SK_CHECK(sizeof(sk_tw_rec) <= 64);
    SK_CHECK_EQ(sk_stack_time_wait_bytes(), sizeof(sk_tw_rec) + 2 * sizeof(uint32_t));
    SK_CHECK(sk_stack_time_wait_bytes() < sizeof(sk_tcb));
}

/* A passive connection the application closed, taken to TIME-WAIT at
 * 15 ms: SND.NXT 1002, RCV.NXT 5002, the listener still open. The ACK of
 * the peer's FIN comes from the record; the socket's slot is free and its
 * handle stale. */
static void to_time_wait(ts_script *ts)
{
    SK_CHECK(ts_open_passive(ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_close(ts->s, TS_MS(10), ts->sock), 0);
    TS_EXPECT(ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(ts, TS_MS(15), .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(ts, TS_MS(15), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(ts, TS_MS(15));
    SK_CHECK_EQ(st(ts)->time_wait, 1);
    SK_CHECK_EQ(st(ts)->tw_records, 1);
    sk_tuple tu = passive_tuple(TS_PEER_PORT_PASSIVE);
    SK_CHECK(sk_demux_lookup(&ts->s->env, &tu) == NULL);
    SK_CHECK(sk_tw_find(&ts->s->env, &tu) != SK_TW_NONE);
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(ts->s, ts->sock, &in), SK_EBADHANDLE);
}

/* Nothing holds the record's tuple but the record: after 2*MSL a
 * segment to it is answered as at a closed port (RFC 9293 §3.10.7.1). */
static void check_gone(ts_script *ts, sk_time_us t)
{
    SK_CHECK_EQ(st(ts)->time_wait, 0);
    TS_INJECT(ts, t, .flags = TS_A, .seq = 5002, .ack = 1002);
    TS_EXPECT(ts, t, .flags = TS_R, .seq = 1002);
    TS_NOTHING(ts, t);
}

/* The retransmitted FIN (below RCV.NXT: not acceptable) is ACKed and
 * restarts 2*MSL; the record ends exactly then. */
static void test_fin_again_acked_and_restarts(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    to_time_wait(&ts);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), TS_MS(15) + TW);
    sk_time_us t = TS_SEC(30);
    TS_INJECT(&ts, t, .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t + TW);
    TS_NOTHING(&ts, t + TW - 1);
    SK_CHECK_EQ(st(&ts)->time_wait, 1);
    TS_NOTHING(&ts, t + TW);
    SK_CHECK_EQ(st(&ts)->tw_expired, 1);
    check_gone(&ts, t + TW);
    ts_free(&ts);
}

/* An acceptable bare ACK restarts the timer and gets no answer; text at
 * RCV.NXT is ACKed and dropped (counted), and restarts it again. */
static void test_acceptable_segment(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    to_time_wait(&ts);
    sk_time_us t = TS_SEC(10);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5002, .ack = 1002);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t + TW);
    t += TS_SEC(10);
    TS_INJECT(&ts, t, .flags = TS_PA, .seq = 5002, .ack = 1002, .len = 10, .data = "0123456789");
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_DATA_AFTER_FIN), 1);
    /* an ACK of something never sent: ACKed, dropped, no restart */
    TS_INJECT(&ts, t + 1, .flags = TS_A, .seq = 5002, .ack = 3000);
    TS_EXPECT(&ts, t + 1, .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BAD_ACK), 1);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t + TW);
    TS_NOTHING(&ts, t + TW);
    check_gone(&ts, t + TW);
    ts_free(&ts);
}

/* RFC 5961 §4.2: a SYN that does not reopen (SYN+FIN; a SYN at RCV.NXT,
 * not above it) gets a challenge ACK and leaves the timer alone; a SYN
 * above RCV.NXT reopens through the listener with an ISS above the old
 * SND.NXT (RFC 9293 §3.6.1). */
static void test_syn_challenged_then_reopens(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    to_time_wait(&ts);
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_S | TS_F, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_S, .seq = 5002, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_CHALLENGED), 2);
    SK_CHECK_EQ(st(&ts)->challenge_acks, 2);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), TS_MS(15) + TW);
    TS_INJECT(&ts, TS_SEC(3), .flags = TS_S, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(3), .flags = TS_SA, .seq = 1002 + 65536, .ack = 9001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_SEC(3));
    SK_CHECK_EQ(st(&ts)->tw_reopened, 1);
    SK_CHECK_EQ(st(&ts)->time_wait, 0);
    TS_INJECT(&ts, TS_SEC(3), .flags = TS_A, .seq = 9001, .ack = 1002 + 65537);
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, NULL), 0);
    ts_free(&ts);
}

/* The challenge ACKs share the stack's RFC 5961 §7 limit. */
static void test_challenge_rate_limited(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.challenge_ack_limit = 2;
    ts_script ts;
    ts_init(&ts, &cfg);
    to_time_wait(&ts);
    for (int i = 0; i < 5; i++)
        TS_INJECT(&ts, TS_SEC(1), .flags = TS_S, .seq = 5002, TS_MSS(1460));
    SK_CHECK_EQ(ts_discard(&ts, TS_SEC(1)), 2);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_CHALLENGED), 5);
    ts_free(&ts);
}

/* RST: out of the window dropped silently; in the window but not at
 * RCV.NXT challenged (RFC 5961 §3.2); at RCV.NXT it ends TIME-WAIT (RFC
 * 9293 §3.10.7.4, Linux's default; RFC 1337 is not taken). */
static void test_rst(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    to_time_wait(&ts);
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_R, .seq = 1);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_RST_OUT_OF_WINDOW), 1);
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_R, .seq = 5003);
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_RST_CHALLENGED), 1);
    SK_CHECK_EQ(st(&ts)->time_wait, 1);
    TS_INJECT(&ts, TS_SEC(3), .flags = TS_R, .seq = 5002);
    TS_NOTHING(&ts, TS_SEC(3));
    SK_CHECK_EQ(st(&ts)->resets_in, 1);
    check_gone(&ts, TS_SEC(4));
    ts_free(&ts);
}

/* With timestamps (RFC 7323, RFC 6191): the record's ACKs carry our clock
 * and TS.Recent; a SYN with an older TSval is dropped by PAWS and ACKed;
 * one with a newer TSval reopens even below RCV.NXT; a segment without
 * timestamps is dropped (§3.2). */
static void test_reopen_with_timestamps(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.timestamps = true;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_ts = true;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    /* our clock for the tuple (the record derives it from the tuple too) */
    uint32_t off = ts_us_clock(&ts, 0);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1002, .ack = 5002,
              TS_TSOPT(off + 20, ts_peer_clock(TS_MS(20))));
    SK_CHECK_EQ(st(&ts)->time_wait, 1);
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 5002, .ack = 1002, TS_NOTS);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_TS), 1);
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_S, .seq = 9000, TS_MSS(1460),
              TS_TSOPT(ts_peer_clock(TS_MS(10)), 0));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1002, .ack = 5002,
              TS_TSOPT(off + 1000, ts_peer_clock(TS_MS(20))));
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_PAWS), 1);
    SK_CHECK_EQ(st(&ts)->time_wait, 1);
    uint32_t clk = off + 2000;
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_S, .seq = 4000, TS_MSS(1460),
              TS_TSOPT(ts_peer_clock(TS_SEC(2)), 0));
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_SA, .seq = 1002 + 65536, .ack = 4001, TS_MSS(1460),
              TS_TSOPT(clk, ts_peer_clock(TS_SEC(2))));
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(st(&ts)->tw_reopened, 1);
    SK_CHECK_EQ(st(&ts)->time_wait, 0);
    ts_free(&ts);
}

/* Without timestamps, RFC 9293 §3.6.1: a SYN below RCV.NXT does not
 * reopen (challenge ACK), one above does. */
static void test_reopen_without_timestamps_refused(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    to_time_wait(&ts);
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_S, .seq = 4000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(st(&ts)->tw_reopened, 0);
    SK_CHECK_EQ(st(&ts)->time_wait, 1);
    ts_free(&ts);
}

/* The record of to_time_wait (seq 1002, ack 5002), its listener's SYN
 * queue of one (cfg.syn_backlog 1, cookies as `cookies`) filled at 1 s by a
 * half-open connection from port 52000; a SYN that would reopen the record
 * at 1.1 s waits (RFC 5961 §4.2 challenge ACK, the record kept). */
static void time_wait_syn_queue_full(ts_script *ts, uint8_t cookies)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.syn_backlog = 1;
    cfg.syn_cookies = cookies;
    ts_init(ts, &cfg);
    to_time_wait(ts);
    TS_INJECT(ts, TS_SEC(1), .flags = TS_S, .seq = 7000, .sport = 52000, TS_MSS(1460));
    TS_EXPECT(ts, TS_SEC(1), .flags = TS_SA, .seq = 1000, .ack = 7001,
              .sport = TS_US_PORT_PASSIVE, .dport = 52000, TS_MSS(1460));
    SK_CHECK_EQ(st(ts)->half_open, 1);
    TS_INJECT(ts, TS_MS(1100), .flags = TS_S, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(ts, TS_MS(1100), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(ts, TS_MS(1100));
    SK_CHECK_EQ(st(ts)->tw_reopened, 0);
    SK_CHECK_EQ(st(ts)->time_wait, 1);
    SK_CHECK_EQ(ts_drops(ts, SK_DROP_TCP_BACKLOG_FULL), 0);
}

/* A SYN that would reopen the record while its listener's SYN queue is
 * full: the listener could not take it (a reopening SYN's ISS is fixed,
 * so no cookie), so the record stays and answers as for any SYN it does
 * not let through (RFC 5961 §4.2 challenge ACK); once the queue has room
 * the same SYN reopens it. Before, the gate read the listener's backlog,
 * not its SYN queue: the record went and the SYN was then dropped. */
static void test_reopen_waits_for_syn_room(void)
{
    ts_script ts;
    time_wait_syn_queue_full(&ts, SK_SYNCOOKIES_WHEN_FULL);
    /* the half-open connection completes: the queue has room again */
    TS_INJECT(&ts, TS_MS(1200), .flags = TS_A, .seq = 7001, .ack = 1001, .sport = 52000);
    SK_CHECK_EQ(st(&ts)->half_open, 0);
    TS_INJECT(&ts, TS_MS(1300), .flags = TS_S, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(1300), .flags = TS_SA, .seq = 1002 + 65536, .ack = 9001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_MS(1300));
    SK_CHECK_EQ(st(&ts)->tw_reopened, 1);
    SK_CHECK_EQ(st(&ts)->time_wait, 0);
    ts_free(&ts);
}

/* With cookies off a full SYN queue makes room by dropping its oldest
 * record whose SYN,ACK already timed out (sk_ho_evict_old): a reopening
 * SYN that would get that room reopens the record; while every record is
 * young it waits, as above. */
static void test_reopen_evicts_old_without_cookies(void)
{
    ts_script ts;
    time_wait_syn_queue_full(&ts, SK_SYNCOOKIES_OFF);
    /* its SYN,ACK times out once (RFC 6298 §2.1's 1 s) */
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_SA, .seq = 1000, .ack = 7001,
              .sport = TS_US_PORT_PASSIVE, .dport = 52000, TS_MSS(1460));
    TS_INJECT(&ts, TS_MS(2100), .flags = TS_S, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(2100), .flags = TS_SA, .seq = 1002 + 65536, .ack = 9001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_MS(2100));
    SK_CHECK_EQ(st(&ts)->tw_reopened, 1);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_EVICTED), 1);
    SK_CHECK_EQ(st(&ts)->half_open, 1);
    ts_free(&ts);
}

/* A handle held through TIME-WAIT keeps its TCB (it reads TIME-WAIT);
 * closed later, the record takes over with the time left: it ends at the
 * deadline the TCB had, not 2*MSL after the close. */
static void test_held_then_closed_keeps_deadline(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(15), .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(&ts, TS_MS(15), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    SK_CHECK_EQ(st(&ts)->time_wait, 0);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_SEC(10), ts.sock), 0);
    SK_CHECK_EQ(st(&ts)->time_wait, 1);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), TS_MS(15) + TW);
    TS_INJECT(&ts, TS_SEC(20), .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(&ts, TS_SEC(20), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, TS_SEC(20) + TW - 1);
    SK_CHECK_EQ(st(&ts)->time_wait, 1);
    TS_NOTHING(&ts, TS_SEC(20) + TW);
    check_gone(&ts, TS_SEC(20) + TW);
    ts_free(&ts);
}

/* A passive connection from peer port `rport`, accepted, closed by us,
 * the peer's FIN ACKed: in TIME-WAIT at t. */
static void passive_to_time_wait(ts_script *ts, uint16_t rport, sk_time_us t)
{
    TS_INJECT(ts, t, .flags = TS_S, .seq = 5000, .sport = rport, TS_MSS(1460));
    TS_EXPECT(ts, t, .flags = TS_SA, .seq = 1000, .ack = 5001, .sport = TS_US_PORT_PASSIVE,
              .dport = rport, TS_MSS(1460));
    TS_INJECT(ts, t, .flags = TS_A, .seq = 5001, .ack = 1001, .sport = rport);
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(ts->s, ts->listener, &c, NULL), 0);
    SK_CHECK_EQ_I(sk_tcp_close(ts->s, t, c), 0);
    TS_EXPECT(ts, t, .flags = TS_FA, .seq = 1001, .ack = 5001, .sport = TS_US_PORT_PASSIVE,
              .dport = rport);
    TS_INJECT(ts, t, .flags = TS_FA, .seq = 5001, .ack = 1002, .sport = rport);
    TS_EXPECT(ts, t, .flags = TS_A, .seq = 1002, .ack = 5002, .sport = TS_US_PORT_PASSIVE,
              .dport = rport);
}

/* The accept side with a full table: a listener and 7 connections that
 * went through TIME-WAIT in a table of 8. Before the records, each kept
 * its slot for 2*MSL and the next SYN was dropped (TCP_NO_MEMORY); now
 * the slots are free and 7 more connections are taken at once. */
static void test_table_full_accept(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = 8;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    SK_CHECK(ts_listen(&ts, 16));
    for (uint16_t i = 0; i < 7; i++)
        passive_to_time_wait(&ts, (uint16_t)(50000 + i), TS_MS(1 + i));
    SK_CHECK_EQ(st(&ts)->time_wait, 7);
    for (uint16_t i = 0; i < 7; i++) {
        uint16_t rp = (uint16_t)(51000 + i);
        TS_INJECT(&ts, TS_MS(20), .flags = TS_S, .seq = 7000, .sport = rp, TS_MSS(1460));
        TS_EXPECT(&ts, TS_MS(20), .flags = TS_SA, .seq = 1000, .ack = 7001,
                  .sport = TS_US_PORT_PASSIVE, .dport = rp, TS_MSS(1460));
    }
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 0);
    SK_CHECK_EQ(st(&ts)->time_wait, 7);
    ts_free(&ts);
}

/* The pool is bounded (max_time_wait): when it is full, the oldest record
 * is recycled (counted TCP_TW_RECYCLED) and the newer ones still answer. */
static void test_pool_full_recycles_oldest(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_time_wait = 2;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    SK_CHECK(ts_listen(&ts, 16));
    for (uint16_t i = 0; i < 3; i++)
        passive_to_time_wait(&ts, (uint16_t)(50000 + i), TS_MS(1 + i));
    SK_CHECK_EQ(st(&ts)->time_wait, 2);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_TW_RECYCLED), 1);
    /* the oldest (50000) is gone: RST; the others ACK a FIN again */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5002, .ack = 1002, .sport = 50000);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_R, .seq = 1002, .sport = TS_US_PORT_PASSIVE,
              .dport = 50000);
    for (uint16_t i = 1; i < 3; i++) {
        uint16_t rp = (uint16_t)(50000 + i);
        TS_INJECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 5001, .ack = 1002, .sport = rp);
        TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1002, .ack = 5002,
                  .sport = TS_US_PORT_PASSIVE, .dport = rp);
    }
    TS_NOTHING(&ts, TS_MS(10));
    ts_free(&ts);
}

/* An active close to TIME-WAIT from local port 40000 (SND.NXT 1002,
 * RCV.NXT 5002), with or without timestamps. */
static void active_to_time_wait(ts_script *ts)
{
    SK_CHECK(ts_open_active(ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_close(ts->s, TS_MS(10), ts->sock), 0);
    TS_EXPECT(ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(ts, TS_MS(15), .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(ts, TS_MS(15), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(st(ts)->time_wait, 1);
}

/* An active open on a tuple in TIME-WAIT: refused without timestamps
 * (old duplicates could land in the new window), reused with them, with
 * an ISS above the old SND.NXT (RFC 9293 §3.6.1). */
static void test_active_reuse(void)
{
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, TS_PEER_PORT_ACTIVE);
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, false, 0};
    sk_sock c;
    ts_script ts;
    ts_init(&ts, NULL);
    active_to_time_wait(&ts);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, TS_SEC(1), &peer, &co, &c), SK_EADDRINUSE);
    SK_CHECK_EQ(st(&ts)->time_wait, 1);
    ts_free(&ts);

    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.timestamps = true;
    ts_init(&ts, &cfg);
    ts.peer_ts = true;
    active_to_time_wait(&ts);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, TS_SEC(1), &peer, &co, &c), 0);
    SK_CHECK_EQ(st(&ts)->tw_reused, 1);
    SK_CHECK_EQ(st(&ts)->time_wait, 0);
    const ts_out *o = ts_next(&ts, TS_SEC(1));
    SK_CHECK(o != NULL && o->hdr.flags == TS_S && o->hdr.seq.v == 1002 + 65536);
    ts_free(&ts);
}

/* The connect side with a full table (the old test_time_wait_fills_table
 * asserted SK_ENOSPC here until 2*MSL ran out): 8 connections closed
 * into TIME-WAIT in a table of 8 leave it empty; new sockets are taken at
 * once, and the ephemeral ports of the TIME-WAIT tuples are passed over
 * (no timestamps: no safe reuse). */
static void test_table_full_connect(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = 8;
    ts_script ts;
    ts_init(&ts, &cfg);
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    for (uint16_t i = 0; i < 8; i++) {
        sk_time_us t0 = TS_MS(1 + 2 * i);
        sk_connect_opts co = {(uint16_t)(49152 + i), 0, true, 1000};
        sk_sock c;
        SK_CHECK_EQ_I(sk_tcp_connect(ts.s, t0, &peer, &co, &c), 0);
        ts_discard(&ts, t0);
        TS_INJECT(&ts, t0, .flags = TS_SA, .seq = 5000, .ack = 1001, .sport = 80,
                  .dport = co.local_port, TS_MSS(1460));
        SK_CHECK_EQ_I(sk_tcp_close(ts.s, t0, c), 0);
        ts_discard(&ts, t0);
        TS_INJECT(&ts, t0 + 1, .flags = TS_FA, .seq = 5001, .ack = 1002, .sport = 80,
                  .dport = co.local_port);
        ts_discard(&ts, t0 + 1);
    }
    SK_CHECK_EQ(st(&ts)->time_wait, 8);
    sk_sock x;
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 81, NULL, &x), 0);
    for (int i = 0; i < 7; i++) {
        SK_CHECK_EQ_I(sk_tcp_connect(ts.s, TS_MS(30), &peer, NULL, &x), 0);
        sk_tcp_info in;
        SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, x, &in), 0);
        SK_CHECK(in.local.port < 49152 || in.local.port >= 49152 + 8);
    }
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, TS_MS(30), &peer, NULL, &x), SK_ENOSPC);
    ts_discard(&ts, TS_MS(30));
    ts_free(&ts);
}

/* Every ephemeral port towards one destination taken, one of them by a
 * TIME-WAIT with timestamps: the next connect reuses that one (the only
 * safe choice left) above its old SND.NXT; test_ephemeral_exhaustion
 * (test_tcp_limits.c) has the same without timestamps: SK_EADDRINUSE. */
static void test_ephemeral_reuse_last(void)
{
    enum { NPORTS = 16384 };
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = NPORTS + 2;
    cfg.timestamps = true;
    ts_script ts;
    ts_init(&ts, &cfg);
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    sk_connect_opts co = {0, 0, true, 1000};
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &c), 0);
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, c, &in), 0);
    uint16_t tw_port = in.local.port;
    ts_discard(&ts, 0);
    TS_INJECT(&ts, 1, .flags = TS_SA, .seq = 5000, .ack = 1001, .sport = 80, .dport = tw_port,
              TS_TSOPT(7000, 0));
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, 1, c), 0);
    ts_discard(&ts, 1);
    TS_INJECT(&ts, 2, .flags = TS_FA, .seq = 5001, .ack = 1002, .sport = 80, .dport = tw_port,
              TS_TSOPT(7001, 0));
    ts_discard(&ts, 2);
    SK_CHECK_EQ(st(&ts)->time_wait, 1);
    int bad = 0;
    for (int i = 1; i < NPORTS; i++) {
        sk_sock s;
        if (sk_tcp_connect(ts.s, 3, &peer, NULL, &s) != 0 ||
            sk_tcp_get_info(ts.s, s, &in) != 0 || in.local.port == tw_port)
            bad++;
    }
    SK_CHECK_EQ(bad, 0);
    SK_CHECK_EQ(st(&ts)->tw_reused, 0);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 3, &peer, NULL, &c), 0);
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, c, &in), 0);
    SK_CHECK_EQ(in.local.port, tw_port);
    SK_CHECK_EQ(st(&ts)->tw_reused, 1);
    SK_CHECK_EQ(st(&ts)->time_wait, 0);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 3, &peer, NULL, &c), SK_EADDRINUSE);
    ts_free(&ts);
}

/* IPv6 tuples fit the same 64-byte record: a TCB with a 16-byte address
 * pair, taken to TIME-WAIT and released, is found by its full tuple only
 * (not by an IPv4 tuple with the same first four bytes, nor by one that
 * differs in the last address byte), and ends at its deadline. */
static void test_ipv6_tuple(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_tcp_env *e = &ts.s->env;
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr.family = tu.raddr.family = SK_AF_INET6;
    for (int i = 0; i < 16; i++) {
        tu.laddr.b[i] = (uint8_t)(0x20 + i);
        tu.raddr.b[i] = (uint8_t)(0x40 + i);
    }
    tu.lport = 443;
    tu.rport = 50000;
    sk_tcb *t = sk_tcb_alloc(e, 0);
    SK_CHECK(t != NULL);
    if (t == NULL)
        return;
    SK_CHECK(sk_tcb_set_ends(e, t, &tu));
    SK_CHECK(sk_tcb_ext_attach(e, t)); /* SND.MAX lives there */
    t->x->snd_max = sk_seq_make(1234);
    t->rcv_nxt = t->rcv_adv = sk_seq_make(5678);
    t->state = SK_TCP_TIME_WAIT;
    sk_demux_insert(e, t);
    SK_CHECK(sk_tcb_ext_attach(e, t)); /* the TIME-WAIT timer lives there */
    sk_tcb_timer_set(e, t, SK_TIMER_TIME_WAIT, TS_SEC(5));
    sk_tcb_release_if_unheld(e, t); /* nobody holds it: a record */
    SK_CHECK(sk_demux_lookup(e, &tu) == NULL);
    uint32_t i = sk_tw_find(e, &tu);
    SK_CHECK(i != SK_TW_NONE);
    if (i != SK_TW_NONE) {
        const sk_tw_rec *r = sk_recpool_at(&e->tw.pool, i);
        SK_CHECK_EQ(r->snd_nxt.v, 1234);
        SK_CHECK_EQ(r->rcv_nxt.v, 5678);
    }
    sk_tuple v4 = tu;
    v4.laddr.family = v4.raddr.family = SK_AF_INET4;
    memset(v4.laddr.b + 4, 0, 12);
    memset(v4.raddr.b + 4, 0, 12);
    SK_CHECK(sk_tw_find(e, &v4) == SK_TW_NONE);
    sk_tuple other = tu;
    other.raddr.b[15] ^= 1;
    SK_CHECK(sk_tw_find(e, &other) == SK_TW_NONE);
    SK_CHECK_EQ(sk_tw_next_deadline(e), TS_SEC(5));
    sk_tw_expire(e, TS_SEC(5) - 1);
    SK_CHECK(sk_tw_find(e, &tu) != SK_TW_NONE);
    sk_tw_expire(e, TS_SEC(5));
    SK_CHECK(sk_tw_find(e, &tu) == SK_TW_NONE);
    SK_CHECK_EQ(st(&ts)->time_wait, 0);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_record_size);
    SK_RUN(test_ipv6_tuple);
    SK_RUN(test_fin_again_acked_and_restarts);
    SK_RUN(test_acceptable_segment);
    SK_RUN(test_syn_challenged_then_reopens);
    SK_RUN(test_challenge_rate_limited);
    SK_RUN(test_rst);
    SK_RUN(test_reopen_with_timestamps);
    SK_RUN(test_reopen_without_timestamps_refused);
    SK_RUN(test_reopen_waits_for_syn_room);
    SK_RUN(test_reopen_evicts_old_without_cookies);
    SK_RUN(test_held_then_closed_keeps_deadline);
    SK_RUN(test_table_full_accept);
    SK_RUN(test_pool_full_recycles_oldest);
    SK_RUN(test_active_reuse);
    SK_RUN(test_table_full_connect);
    SK_RUN(test_ephemeral_reuse_last);
    return sk_test_finish();
}
