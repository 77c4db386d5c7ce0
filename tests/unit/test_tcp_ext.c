/* The TCB core and its active-transfer extension (tcp_ext.c): what an idle
 * connection costs, the attach/detach cycle (data, idle, data again), the
 * states and episodes that keep the extension, keepalive on an idle
 * connection, and an allocator that fails when an idle connection wakes. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "synack/error.h"
#include "tcp/tcp_conn.h"

#include <stdio.h>
#include <string.h>

/* The connection record stays small: a ceiling at today's size catches
 * growth (issue 10 asks <= 256 bytes of core state: docs/architecture.md). */
_Static_assert(sizeof(sk_tcb) <= 128, "sk_tcb grew: move the field to sk_tcb_ext (issue 10)");

static void test_idle_cost_reported(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    const sk_tcp_env *e = &ts.s->env;
    /* the demux hash (2x the table, a power of two, 4 bytes a slot) and the
     * timer heap (an index and a key, 12 bytes a TCB) per TCB */
    double hash = 4.0 * (double)(e->hash_mask + 1) / (double)e->n_tcbs;
    double idle = (double)sizeof(sk_tcb) + hash + 12.0;
    printf("  sizeof(sk_tcb) %zu, sizeof(sk_tcb_ext) %zu, sizeof(sk_tcb_listen) %zu; idle "
           "ESTABLISHED connection: %.0f bytes (core + hash %.1f + heap 12)\n",
           sizeof(sk_tcb), sizeof(sk_tcb_ext), sizeof(sk_tcb_listen), idle, hash);
    SK_CHECK(sizeof(sk_tcb_ext) > sizeof(sk_tcb)); /* the split is worth it */
    /* the table starts on a cache line: a 128-byte core lies on two */
    SK_CHECK(((uintptr_t)(const void *)e->tcbs & 63u) == 0);
    SK_CHECK(idle < 400.0);
    ts_free(&ts);
}

/* The spare buffers the stack keeps in its cache (tcp_bufs.c). */
static size_t cached_bytes(const ts_script *ts)
{
    const sk_tcp_env *e = &ts->s->env;
    size_t snd = (((size_t)e->ctx->cfg.sndbuf + 15u) & ~(size_t)15u) + sk_rtb_size(e->ctx->cfg.sndbuf);
    size_t rcv = (((size_t)e->ctx->cfg.rcvbuf + 15u) & ~(size_t)15u) +
                 sk_reass_cap(e->ctx->cfg.rcvbuf) * sizeof(sk_range);
    return (size_t)e->snd_cache.n * snd + (size_t)e->rcv_cache.n * rcv +
           sizeof(void *) * ((size_t)e->snd_cache.cap + e->rcv_cache.cap -
                             2u * (e->n_tcbs < SK_BUFCACHE_KEEP ? e->n_tcbs : SK_BUFCACHE_KEEP));
}

static bool attached(const ts_script *ts)
{
    const sk_tcb *t = sk_stack_tcb(ts->s, ts->sock);
    return t != NULL && sk_tcb_ext_attached(&ts->s->env, t);
}

/* Data out and back, idle, data again: the extension comes and goes and
 * the bytes and the congestion window are what they would have been. */
static void test_attach_detach_cycle(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    size_t base = ts.live_bytes;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK(!attached(&ts));
    SK_CHECK_EQ(ts.live_bytes, base);
    const sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK(t->flags & SK_TF_CC_PACKED);
    uint32_t cwnd0 = t->cwnd;
    static const uint8_t msg[100] = {1, 2, 3};
    for (int round = 0; round < 3; round++) {
        uint32_t off = (uint32_t)round * 100u;
        sk_time_us at = TS_SEC(1 + round);
        SK_CHECK_EQ_I(sk_tcp_send(ts.s, at, ts.sock, msg, sizeof msg), 100);
        SK_CHECK(attached(&ts));
        TS_EXPECT(&ts, at, .flags = TS_PA, .seq = 1001 + off, .ack = 5001 + off, .len = 100,
                  .data = msg);
        SK_CHECK(attached(&ts)); /* in flight */
        /* the peer acknowledges and answers with 100 bytes */
        TS_INJECT(&ts, at + TS_MS(1), .flags = TS_PA, .seq = 5001 + off, .ack = 1101 + off,
                  .len = 100, .data = msg);
        SK_CHECK(attached(&ts)); /* unread data, an ACK owed */
        uint8_t b[200];
        SK_CHECK_EQ_I(sk_tcp_recv(ts.s, at + TS_MS(1), ts.sock, b, sizeof b), 100);
        SK_CHECK_MEM(b, msg, 100);
        /* the delayed ACK goes, then nothing is left: detached */
        TS_EXPECT(&ts, at + TS_MS(1) + TS_MS(200), .flags = TS_A, .seq = 1101 + off,
                  .ack = 5101 + off, .len = 0);
        TS_NOTHING(&ts, at + TS_MS(500));
        SK_CHECK(!attached(&ts));
        SK_CHECK(t->flags & SK_TF_CC_PACKED);
        SK_CHECK_EQ(ts.live_bytes, base + cached_bytes(&ts));
    }
    /* 100-byte exchanges are application-limited: slow start does not grow
     * cwnd (RFC 7661 §4.3), and three detaches did not touch it */
    SK_CHECK_EQ(t->cwnd, cwnd0);
    SK_CHECK(sk_tcb_ext_blank_intact(&ts.s->env));
    ts_free(&ts);
}

/* MAX.SND.WND lives in the extension: an idle connection gives it back
 * only while the peer's window is the largest it offered (attaching copies
 * SND.WND). One whose peer shrank its window keeps it, so an old ACK
 * within the largest window still passes RFC 5961 §5.2's test, and gives
 * it back once the window reopens. */
static void test_max_window_across_idle(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK(!attached(&ts));
    const sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    uint32_t full = t->snd_wnd;
    SK_CHECK(full > 40000);
    static const uint8_t msg[100] = {7};
    SK_CHECK_EQ_I(sk_tcp_send(ts.s, TS_SEC(1), ts.sock, msg, sizeof msg), 100);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100, .data = msg);
    /* the peer acknowledges with a window of 1000 */
    TS_INJECT(&ts, TS_SEC(1) + TS_MS(1), .flags = TS_A, .seq = 5001, .ack = 1101, TS_WIN(1000));
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(t->snd_wnd, 1000);
    SK_CHECK(attached(&ts)); /* idle, but SND.WND is not MAX.SND.WND */
    /* 30,000 below SND.UNA: old, within the largest window: ignored, not challenged */
    uint64_t old = ts_drops(&ts, SK_DROP_TCP_OLD_ACK);
    TS_INJECT(&ts, TS_SEC(3), .flags = TS_A, .seq = 5001, .ack = 1101u - 30000u, TS_WIN(1000));
    TS_NOTHING(&ts, TS_SEC(3));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OLD_ACK), old);
    /* the window reopens: idle with nothing to keep */
    TS_INJECT(&ts, TS_SEC(4), .flags = TS_A, .seq = 5001, .ack = 1101, TS_WIN(full));
    TS_NOTHING(&ts, TS_SEC(4));
    SK_CHECK(!attached(&ts));
    /* attaching again reads the largest window: the same old ACK passes */
    TS_INJECT(&ts, TS_SEC(5), .flags = TS_A, .seq = 5001, .ack = 1101u - 30000u, TS_WIN(full));
    TS_NOTHING(&ts, TS_SEC(5));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OLD_ACK), old);
    SK_CHECK(!attached(&ts));
    ts_free(&ts);
}

/* What keeps the extension: an episode (recovery, spurious detection, RTT
 * measurement), an owed ACK, a timer other than keepalive, a state with a
 * handshake or a FIN in flight. A recovery can never span a detach. */
static void test_busy_keeps_extension(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_tcp_env *e = &ts.s->env;
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK(sk_tcb_ext_attach(e, t));
    SK_CHECK(sk_tcb_ext_idle(e, t));
    static const uint32_t busy[] = {SK_TF_IN_RECOVERY, SK_TF_SACK_RECOVERY, SK_TF_RTT_ACTIVE,
                                    SK_TF_DSACK,       SK_TF_ACK_NOW,       SK_TF_REXMIT_ONE};
    for (size_t i = 0; i < sizeof busy / sizeof busy[0]; i++) {
        t->flags |= busy[i];
        sk_tcb_ext_settle(e, t);
        SK_CHECK(sk_tcb_ext_attached(e, t));
        t->flags &= ~busy[i];
    }
    t->x->spur_rto = SK_SPUR_FRTO1;
    sk_tcb_ext_settle(e, t);
    SK_CHECK(sk_tcb_ext_attached(e, t));
    t->x->spur_rto = SK_SPUR_NONE;
    t->x->n_ack_owed = 1;
    sk_tcb_ext_settle(e, t);
    SK_CHECK(sk_tcb_ext_attached(e, t));
    t->x->n_ack_owed = 0;
    sk_tcb_timer_set(e, t, SK_TIMER_DELACK, TS_SEC(5));
    sk_tcb_ext_settle(e, t);
    SK_CHECK(sk_tcb_ext_attached(e, t));
    sk_tcb_timer_set(e, t, SK_TIMER_DELACK, SK_TIME_NEVER);
    /* nor fields that attaching could not derive: the send buffer's start
     * away from SND.UNA, Last.ACK.sent away from RCV.NXT */
    t->x->snd_buf_seq = sk_seq_add(t->snd_una, 1);
    sk_tcb_ext_settle(e, t);
    SK_CHECK(sk_tcb_ext_attached(e, t));
    t->x->snd_buf_seq = t->snd_una;
    t->x->last_ack_sent = sk_seq_add(t->rcv_nxt, (uint32_t)0 - 1u);
    sk_tcb_ext_settle(e, t);
    SK_CHECK(sk_tcb_ext_attached(e, t));
    t->x->last_ack_sent = t->rcv_nxt;
    /* an RTO or a zero-window probe unanswered (never so when idle), a
     * window last set by a segment beyond RCV.NXT (attaching would take
     * SND.WL1 = RCV.NXT) */
    t->x->timeouts = 1;
    sk_tcb_ext_settle(e, t);
    SK_CHECK(sk_tcb_ext_attached(e, t));
    t->x->timeouts = 0;
    t->x->probes_unanswered = 1;
    sk_tcb_ext_settle(e, t);
    SK_CHECK(sk_tcb_ext_attached(e, t));
    t->x->probes_unanswered = 0;
    t->x->snd_wl1 = sk_seq_add(t->rcv_nxt, 1);
    sk_tcb_ext_settle(e, t);
    SK_CHECK(sk_tcb_ext_attached(e, t));
    t->x->snd_wl1 = sk_seq_add(t->rcv_nxt, (uint32_t)0 - 100u); /* behind: derivable */
    sk_tcb_ext_settle(e, t);
    SK_CHECK(!sk_tcb_ext_attached(e, t));
    SK_CHECK(sk_tcb_ext_attach(e, t));
    SK_CHECK(sk_seq_eq(t->x->snd_wl1, t->rcv_nxt));
    SK_CHECK(sk_seq_eq(t->x->past.recover, sk_seq_add(t->snd_una, (uint32_t)0 - 1u)));
    /* keepalive alone does not keep it */
    t->flags |= SK_TF_KEEPALIVE;
    sk_tcb_keep_changed(e, t);
    SK_CHECK(sk_tcb_keep_deadline(e, t) != SK_TIME_NEVER && t->heap_pos != SK_TCB_NONE);
    sk_tcb_ext_settle(e, t);
    SK_CHECK(!sk_tcb_ext_attached(e, t));
    t->flags &= ~(uint32_t)SK_TF_KEEPALIVE;
    sk_tcb_keep_changed(e, t);
    /* a FIN on its way keeps it until acknowledged */
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_SEC(1), ts.sock), 0);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_FA, .seq = 1001, .ack = 5001);
    SK_CHECK(sk_tcb_ext_attached(e, t));
    TS_INJECT(&ts, TS_SEC(1) + TS_MS(1), .flags = TS_A, .seq = 5001, .ack = 1002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_2);
    TS_NOTHING(&ts, TS_SEC(1) + TS_MS(1)); /* output finds nothing to send: it settles */
    SK_CHECK(!sk_tcb_ext_attached(e, t));
    /* attached again, FIN-WAIT-2 derives what the core does not keep: the
     * buffer starts at the FIN (1001, acknowledged by 1002), the last ACK
     * sent is RCV.NXT */
    SK_CHECK(sk_tcb_ext_attach(e, t));
    SK_CHECK_EQ(t->x->snd_buf_seq.v, 1001u);
    SK_CHECK_EQ(sk_tcb_fin_seq(t).v, 1001u);
    SK_CHECK_EQ(t->x->last_ack_sent.v, 5001u);
    SK_CHECK(sk_tcb_ext_idle(e, t));
    ts_free(&ts);
}

/* A passive connection keeps its extension while it waits in the accept
 * queue and gives it back when accepted (if idle). */
static void test_passive_detached_when_accepted(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    size_t base = ts.live_bytes;
    SK_CHECK(ts_listen(&ts, 0));
    size_t with_listener = ts.live_bytes;
    /* its block, and the extension it hangs off (a listener keeps one) */
    SK_CHECK_EQ(with_listener, base + sizeof(sk_tcb_listen) + sizeof(sk_tcb_ext));
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK(!attached(&ts));
    /* and the half-open pool's index, taken at its first record */
    SK_CHECK_EQ(ts.live_bytes, with_listener + ts_pool_index_bytes(&ts));
    ts_free(&ts);
}

/* Keepalive on an idle connection: the probe and its answer take the
 * extension for a moment only; with keepalive off nothing is armed. */
static void set_keepalive(ts_script *ts, sk_time_us idle, sk_time_us intvl)
{
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_KEEPIDLE_US, idle), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_KEEPINTVL_US, intvl), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_KEEPALIVE, 1), 0);
}

static void test_keepalive_on_idle_connection(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    size_t base = ts.live_bytes;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    set_keepalive(&ts, TS_SEC(75), TS_SEC(75));
    sk_time_us t = TS_MS(1);
    for (int i = 0; i < 3; i++) {
        t += TS_SEC(75);
        TS_NOTHING(&ts, t - 1);
        SK_CHECK(!attached(&ts));
        TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
        TS_NOTHING(&ts, t);
        SK_CHECK(!attached(&ts));
        TS_INJECT(&ts, t + TS_MS(1), .flags = TS_A, .seq = 5001, .ack = 1001);
        SK_CHECK(!attached(&ts));
        /* nothing held but the idle-output queue and the history records' slab
         * (the probe's deadline waited in one), given back once unused
         * through SK_BUFCACHE_DECAY_US of timer runs */
        SK_CHECK_EQ(ts.live_bytes, base + sizeof(sk_sock) * ts.s->env.n_tcbs +
                                       sizeof(sk_tcb_hist) * ts.s->env.n_tcbs);
        SK_CHECK_EQ(ts.s->env.idle_out.len, 0);
        SK_CHECK_EQ(ts.s->env.hist.used, 0);
        TS_NOTHING(&ts, t + TS_MS(1) + SK_BUFCACHE_DECAY_US);
        TS_NOTHING(&ts, t + TS_MS(1) + 2 * SK_BUFCACHE_DECAY_US);
        SK_CHECK_EQ(ts.live_bytes, base);
        t += TS_MS(1);
    }
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK(sk_tcb_ext_blank_intact(&ts.s->env));
    ts_free(&ts);
}

/* An idle connection keeps a history record (sk_tcb_hist) only when its
 * past differs from a new connection's: a retransmission, 4 GiB
 * acknowledged, recover or the RTO backoff or a soft error left behind, a
 * congestion signal in the CC's packed words. Waking gives
 * the record back and its contents to the extension; releasing the
 * connection gives it back too. */
static void test_history_only_when_needed(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_tcp_env *e = &ts.s->env;
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    /* a new connection: idle, packed, no record, the slab never taken */
    SK_CHECK(!sk_tcb_ext_attached(e, t) && (t->flags & SK_TF_CC_PACKED));
    SK_CHECK_EQ(t->hist, 0);
    SK_CHECK(e->hist.mem == NULL);
    /* a retransmission is history */
    SK_CHECK(sk_tcb_ext_attach(e, t));
    t->x->past.retransmits = 3;
    sk_tcb_ext_settle(e, t);
    SK_CHECK(!sk_tcb_ext_attached(e, t));
    SK_CHECK_EQ(t->hist, 1); /* the slab's first record */
    SK_CHECK_EQ(ts_info(&ts).retransmits, 3);
    SK_CHECK(sk_tcb_ext_attach(e, t));
    SK_CHECK_EQ(t->hist, 0);
    SK_CHECK_EQ(e->hist.free_head, 0); /* given back */
    SK_CHECK_EQ(t->x->past.retransmits, 3);
    SK_CHECK_EQ(ts_info(&ts).retransmits, 3);
    /* so are the bytes acknowledged above 2^32 */
    t->x->past.retransmits = 0;
    t->x->past.delivered_hi = 2;
    sk_tcb_ext_settle(e, t);
    SK_CHECK(!sk_tcb_ext_attached(e, t) && t->hist == 1);
    SK_CHECK(sk_tcb_ext_attach(e, t));
    SK_CHECK_EQ(sk_tcb_delivered(t) >> 32, 2);
    t->x->past.delivered_hi = 0;
    /* and recover left at SND.UNA (a timeout's, all acknowledged since),
     * Karn's backoff without a sample since, an ICMP soft error */
    t->x->past.recover = t->snd_una;
    t->x->past.backoff = 2;
    sk_tcb_ext_settle(e, t);
    SK_CHECK(!sk_tcb_ext_attached(e, t) && t->hist == 1);
    SK_CHECK(sk_tcb_ext_attach(e, t));
    SK_CHECK(sk_seq_eq(t->x->past.recover, t->snd_una) && t->x->past.backoff == 2);
    t->x->past.recover = sk_seq_add(t->snd_una, (uint32_t)0 - 1u);
    t->x->past.backoff = 0;
    sk_tcb_ext_settle(e, t);
    SK_CHECK(!sk_tcb_ext_attached(e, t) && t->hist == 0);
    sk_tcp_host_unreachable(e, t, TS_SEC(2)); /* a next hop that stopped answering */
    SK_CHECK(!sk_tcb_ext_attached(e, t) && t->hist == 1);
    SK_CHECK_EQ_I(ts_info(&ts).soft_error, SK_EHOSTUNREACH);
    SK_CHECK(sk_tcb_ext_attach(e, t));
    SK_CHECK_EQ_I(t->x->past.soft_error, SK_EHOSTUNREACH);
    t->x->past.soft_error = 0;
    /* nothing but a new connection's past again: no record */
    sk_tcb_ext_settle(e, t);
    SK_CHECK(!sk_tcb_ext_attached(e, t) && t->hist == 0);
    /* a congestion signal changes the curve: its words are kept and come
     * back whole */
    SK_CHECK(sk_tcb_ext_attach(e, t));
    sk_cc_timeout(t, true, TS_SEC(2));
    uint32_t w0[SK_CC_IDLE_WORDS], w1[SK_CC_IDLE_WORDS];
    SK_CHECK(sk_tcb_cc(t)->idle_pack(t, w0));
    SK_CHECK(memcmp(w0, sk_tcb_cc(t)->idle_fresh, sizeof w0) != 0);
    sk_tcb_ext_settle(e, t);
    SK_CHECK(!sk_tcb_ext_attached(e, t) && t->hist == 1);
    SK_CHECK(memcmp(((const sk_tcb_hist *)sk_slab_at(&e->hist, 0))->cc, w0, sizeof w0) == 0);
    SK_CHECK(sk_tcb_ext_attach(e, t));
    SK_CHECK(sk_tcb_cc(t)->idle_pack(t, w1));
    SK_CHECK(memcmp(w0, w1, sizeof w0) == 0);
    sk_tcb_ext_settle(e, t);
    SK_CHECK(t->hist == 1);
    /* released (an abort) idle: the record goes back */
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_SEC(3), ts.sock), 0);
    SK_CHECK_EQ(e->hist.free_head, 0);
    SK_CHECK_EQ(sk_slab_next_free(&e->hist, 0), SK_SLAB_NONE);
    ts_free(&ts);
}

/* A counting allocator that fails while `fail` is set. */
typedef struct {
    sk_allocator inner;
    bool fail;
    long failures;
} flaky;

static void *flaky_allocate(void *ctx, size_t n)
{
    flaky *f = ctx;
    if (f->fail) {
        f->failures++;
        return NULL;
    }
    return f->inner.allocate(f->inner.ctx, n);
}

static void flaky_release(void *ctx, void *p, size_t n)
{
    flaky *f = ctx;
    f->inner.release(f->inner.ctx, p, n);
}

/* An idle connection that finds no memory when a segment arrives drops
 * it (counted, the connection unharmed); the retransmission gets in. */
static void test_wake_without_memory(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    flaky f = {ts.s->ctx.cfg.alloc, true, 0};
    ts.s->ctx.cfg.alloc = (sk_allocator){flaky_allocate, flaky_release, &f};
    static const uint8_t msg[10] = {9, 8, 7};
    TS_INJECT(&ts, TS_MS(2), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10, .data = msg);
    SK_CHECK_EQ(f.failures, 1);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 1);
    TS_NOTHING(&ts, TS_MS(2));
    SK_CHECK(!attached(&ts));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    /* a send finds none either: SK_ENOBUFS, nothing changed */
    SK_CHECK_EQ_I(sk_tcp_send(ts.s, TS_MS(2), ts.sock, msg, 10), SK_ENOBUFS);
    f.fail = false;
    TS_INJECT(&ts, TS_MS(300), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10, .data = msg);
    uint8_t b[16];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(300), ts.sock, b, sizeof b), 10);
    SK_CHECK_MEM(b, msg, 10);
    ts.s->ctx.cfg.alloc = f.inner;
    ts_free(&ts);
}

/* The output list links through the extension: an idle connection's
 * keepalive probe waits in the idle-output queue and takes one when its turn
 * comes. Without memory (neither for the queue nor for an extension) the
 * probe is lost like a dropped segment (counted once, the connection
 * unharmed, nothing left waiting) and the next one, an interval later,
 * goes out. */
static void test_probe_without_memory(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    set_keepalive(&ts, TS_SEC(10), TS_SEC(5));
    flaky f = {ts.s->ctx.cfg.alloc, true, 0};
    ts.s->ctx.cfg.alloc = (sk_allocator){flaky_allocate, flaky_release, &f};
    sk_time_us t = TS_MS(1) + TS_SEC(10);
    TS_NOTHING(&ts, t);
    /* the queue, then an extension to send it at once */
    SK_CHECK_EQ(f.failures, 2);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 1);
    SK_CHECK_EQ(ts.s->env.idle_out.len, 0);
    SK_CHECK(!attached(&ts));
    SK_CHECK_EQ(ts.s->env.out_list.len, 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    f.fail = false;
    TS_NOTHING(&ts, t + TS_SEC(5) - 1);
    TS_EXPECT(&ts, t + TS_SEC(5), .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    TS_NOTHING(&ts, t + TS_SEC(5));
    SK_CHECK(!attached(&ts)); /* sent: given back at once */
    ts.s->ctx.cfg.alloc = f.inner;
    SK_CHECK(sk_tcb_ext_blank_intact(&ts.s->env));
    ts_free(&ts);
}

/* A later probe lost for want of memory (its connection already sent one,
 * so its history record holds the schedule) counts, and the next goes an
 * interval after it, not at once from the lost one's deadline; the
 * interval after that ends the connection (three probes unanswered). At a
 * 5 s interval the idle-output queue was given back (unused for a second)
 * and the probe finds no memory for it nor for an extension at once
 * (tcp_timer.c); at 500 ms it waits in the queue and finds no extension
 * at its turn (tcp_emit.c). */
static void later_probe_without_memory(sk_time_us intvl, long failures)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    set_keepalive(&ts, TS_SEC(10), intvl);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPCNT, 3), 0);
    sk_tcp_env *e = &ts.s->env;
    sk_time_us t = TS_MS(1) + TS_SEC(10);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    SK_CHECK(!attached(&ts) && sk_stack_tcb(ts.s, ts.sock)->hist != 0);
    flaky f = {ts.s->ctx.cfg.alloc, true, 0};
    ts.s->ctx.cfg.alloc = (sk_allocator){flaky_allocate, flaky_release, &f};
    TS_NOTHING(&ts, t + intvl);
    SK_CHECK_EQ(f.failures, failures);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 1);
    SK_CHECK_EQ(e->idle_out.len, 0);
    SK_CHECK_EQ(sk_stack_tcb(ts.s, ts.sock)->keep_sent, 2);
    f.fail = false;
    TS_NOTHING(&ts, t + intvl + 1);
    TS_NOTHING(&ts, t + 2 * intvl - 1);
    TS_EXPECT(&ts, t + 2 * intvl, .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    TS_NOTHING(&ts, t + 3 * intvl - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, t + 3 * intvl);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ETIMEDOUT);
    ts.s->ctx.cfg.alloc = f.inner;
    ts_free(&ts);
}

static void test_later_probe_without_memory(void)
{
    later_probe_without_memory(TS_SEC(5), 2);
    later_probe_without_memory(TS_MS(500), 1);
}

/* A probe waits in the queue without an extension. If a segment comes
 * first (the connection attaches for it), the probe still goes, and the
 * connection detaches after it; one whose connection closed meanwhile is
 * skipped (its flag went with the close). */
static void test_probe_queue_waits(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    set_keepalive(&ts, TS_SEC(10), TS_SEC(5));
    sk_tcp_env *e = &ts.s->env;
    sk_time_us t = TS_MS(1) + TS_SEC(10);
    sk_tcp_run_timers(e, t); /* the timer alone: the probe waits for output */
    SK_CHECK_EQ(e->idle_out.len, 1);
    SK_CHECK(!attached(&ts));
    static const uint8_t msg[10] = {4, 2};
    TS_INJECT(&ts, t, .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10, .data = msg);
    uint8_t b[16];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, t, ts.sock, b, sizeof b), 10);
    /* the probe (the segment did not cancel it), then the ACK owed */
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1000, .ack = 5011, .len = 0);
    SK_CHECK_EQ(e->idle_out.len, 0);
    ts_discard(&ts, t + TS_SEC(1));
    SK_CHECK(!attached(&ts));
    /* queued, then the connection is aborted: nothing of it goes out */
    t = t + TS_SEC(10);
    sk_tcp_run_timers(e, t);
    SK_CHECK_EQ(e->idle_out.len, 1);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, t, ts.sock), 0);
    TS_EXPECT(&ts, t, .flags = TS_RA, .seq = 1001, .ack = 5011);
    TS_NOTHING(&ts, t + TS_SEC(60));
    SK_CHECK_EQ(e->idle_out.len, 0);
    SK_CHECK(sk_tcb_ext_blank_intact(e));
    ts_free(&ts);
}

/* A close of an idle connection waits in the idle-output queue without an
 * extension; its FIN goes at the output's turn. An entry whose connection
 * was released before its turn (an abort) is skipped: a new connection in
 * the same slot is not woken by it. */
static void test_idle_close_waits(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_tcp_env *e = &ts.s->env;
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_SEC(1), ts.sock), 0);
    SK_CHECK_EQ(e->idle_out.len, 1);
    SK_CHECK(!attached(&ts));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_FA, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(e->idle_out.len, 0);
    SK_CHECK(attached(&ts)); /* the FIN is in flight */
    ts_free(&ts);

    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    e = &ts.s->env;
    uint32_t slot = sk_tcb_index(e, sk_stack_tcb(ts.s, ts.sock));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_SEC(1), ts.sock), 0);
    SK_CHECK_EQ(e->idle_out.len, 1);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_SEC(1), ts.sock), 0);
    SK_CHECK(e->tcbs[slot].state == SK_TCP_CLOSED);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_RA, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(e->idle_out.len, 0);
    SK_CHECK(e->tcbs[slot].x == &e->ext_blank); /* never attached for it */
    SK_CHECK(sk_tcb_ext_blank_intact(e));
    ts_free(&ts);
}

/* Going idle with a history and no memory for its record: the connection
 * keeps its extension (nothing lost) and gives it back at the next chance. */
static void test_history_without_memory(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_tcp_env *e = &ts.s->env;
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK(sk_tcb_ext_attach(e, t));
    t->x->past.retransmits = 1;
    flaky f = {ts.s->ctx.cfg.alloc, true, 0};
    ts.s->ctx.cfg.alloc = (sk_allocator){flaky_allocate, flaky_release, &f};
    sk_tcb_ext_settle(e, t);
    SK_CHECK_EQ(f.failures, 1);
    SK_CHECK(sk_tcb_ext_attached(e, t) && t->hist == 0);
    SK_CHECK_EQ(ts_info(&ts).retransmits, 1);
    f.fail = false;
    sk_tcb_ext_settle(e, t);
    SK_CHECK(!sk_tcb_ext_attached(e, t) && t->hist != 0);
    SK_CHECK_EQ(ts_info(&ts).retransmits, 1);
    ts.s->ctx.cfg.alloc = f.inner;
    ts_free(&ts);
}

/* Buffer limits of its own (SK_SO_SNDBUF/RCVBUF) live in the extension:
 * setting one on an idle connection takes an extension back (SK_ENOMEM,
 * nothing changed, without memory), idleness keeps it and the limit holds;
 * back at the stack's sizes the extension is given back. */
static void test_buffer_limits_keep_extension(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK(!attached(&ts));
    flaky f = {ts.s->ctx.cfg.alloc, true, 0};
    ts.s->ctx.cfg.alloc = (sk_allocator){flaky_allocate, flaky_release, &f};
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, 16384), SK_ENOMEM);
    SK_CHECK(!attached(&ts));
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, ts.sock, &in), 0);
    SK_CHECK_EQ(in.rcvbuf, ts.s->ctx.cfg.rcvbuf);
    /* the stack's own size needs no extension, even without memory */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_SNDBUF, ts.s->ctx.cfg.sndbuf), 0);
    f.fail = false;
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, 16384), 0);
    SK_CHECK(attached(&ts));
    static const uint8_t msg[10] = {1, 2, 3};
    TS_INJECT(&ts, TS_MS(2), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10, .data = msg);
    uint8_t b[16];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(2), ts.sock, b, sizeof b), 10);
    /* the edge already offered stays (RFC 7323 §2.4): 65535 - 10 */
    TS_EXPECT(&ts, TS_MS(202), .flags = TS_A, .seq = 1001, .ack = 5011, TS_WIN(65525));
    TS_NOTHING(&ts, TS_SEC(5));
    SK_CHECK(attached(&ts)); /* idle, but the limit is its own */
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, ts.sock, &in), 0);
    SK_CHECK_EQ(in.rcvbuf, 16384);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, ts.s->ctx.cfg.rcvbuf), 0);
    SK_CHECK(!attached(&ts)); /* nothing of its own left */
    SK_CHECK(sk_tcb_ext_blank_intact(&ts.s->env));
    ts.s->ctx.cfg.alloc = f.inner;
    ts_free(&ts);
}

/* Closed in FIN-WAIT-2, a connection keeps its extension for the timeout
 * (a TIME-WAIT timer, which lives there); with no memory for one the
 * orphan is reset at once (counted), not left without a timeout. */
static void test_fin_wait_2_close_without_memory(void)
{
    for (int oom = 0; oom < 2; oom++) {
        ts_script ts;
        ts_init(&ts, NULL);
        SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
        SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_SEC(1), ts.sock), 0);
        TS_EXPECT(&ts, TS_SEC(1), .flags = TS_FA, .seq = 1001, .ack = 5001);
        TS_INJECT(&ts, TS_SEC(1) + TS_MS(1), .flags = TS_A, .seq = 5001, .ack = 1002);
        TS_NOTHING(&ts, TS_SEC(1) + TS_MS(1));
        SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_2);
        SK_CHECK(!attached(&ts));
        flaky f = {ts.s->ctx.cfg.alloc, oom != 0, 0};
        ts.s->ctx.cfg.alloc = (sk_allocator){flaky_allocate, flaky_release, &f};
        sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
        SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_SEC(2), ts.sock), 0);
        if (oom) {
            SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 1);
            TS_EXPECT(&ts, TS_SEC(2), .flags = TS_RA, .seq = 1002, .ack = 5001);
            SK_CHECK_EQ(ts.s->env.heap_len, 0);
        } else {
            SK_CHECK(t != NULL && sk_tcb_ext_attached(&ts.s->env, t));
            SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_TIME_WAIT), TS_SEC(2) + TS_SEC(60));
            TS_NOTHING(&ts, TS_SEC(2));
            SK_CHECK(sk_tcb_ext_attached(&ts.s->env, t)); /* kept for the timeout */
        }
        ts.s->ctx.cfg.alloc = f.inner;
        ts_free(&ts);
    }
}

int main(void)
{
    SK_RUN(test_idle_cost_reported);
    SK_RUN(test_attach_detach_cycle);
    SK_RUN(test_busy_keeps_extension);
    SK_RUN(test_max_window_across_idle);
    SK_RUN(test_passive_detached_when_accepted);
    SK_RUN(test_keepalive_on_idle_connection);
    SK_RUN(test_wake_without_memory);
    SK_RUN(test_history_only_when_needed);
    SK_RUN(test_history_without_memory);
    SK_RUN(test_probe_without_memory);
    SK_RUN(test_later_probe_without_memory);
    SK_RUN(test_probe_queue_waits);
    SK_RUN(test_idle_close_waits);
    SK_RUN(test_fin_wait_2_close_without_memory);
    SK_RUN(test_buffer_limits_keep_extension);
    return sk_test_finish();
}
