/* Resource limits and memory bounds: every fixed capacity (the socket
 * table, a listener's backlog, the ephemeral port range, the control-segment
 * queue, the reassembly ranges, the demux hash) fails in a defined, counted
 * way and gives back what it took; idle connections hold no buffer memory;
 * the allocator failing at any call is an error code or a counted drop,
 * never a crash or a leak. Memory is counted by the script's allocator
 * (ts.live_bytes), which ts_free checks is zero after destroy. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "base/siphash.h"

#include <stdlib.h>
#include <string.h>

static sk_tuple tuple_of(uint16_t lport)
{
    sk_tuple tu = {sk_addr4(sk_ip4_make(10, 0, 0, 2)), sk_addr4(sk_ip4_make(10, 0, 0, 1)), lport,
                   80};
    return tu;
}

/* The peer's stream: byte i. */
static uint8_t pbyte(uint32_t i)
{
    return (uint8_t)(i * 7u + 3u);
}

static uint8_t g_stream[4096];

static void init_stream(void)
{
    for (uint32_t i = 0; i < sizeof g_stream; i++)
        g_stream[i] = pbyte(i);
}

/* Active open from local port lport to 10.0.0.1:80 with ISS 1000 and the
 * peer's ISN 5000; returns the handle (zero handle on failure). */
static sk_sock open_at(ts_script *ts, uint16_t lport, sk_time_us t)
{
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    sk_connect_opts co = {lport, 0, true, 1000};
    sk_sock s = {0, 0};
    int r = sk_tcp_connect(ts->s, t, &peer, &co, &s);
    SK_CHECK_EQ_I(r, 0);
    if (r != 0)
        return s;
    ts_discard(ts, t); /* SYN */
    TS_INJECT(ts, t, .flags = TS_SA, .seq = 5000, .ack = 1001, .sport = 80, .dport = lport,
              TS_MSS(1460));
    ts_discard(ts, t); /* ACK */
    return s;
}

static enum sk_tcp_state state_of(const ts_script *ts, sk_sock s)
{
    sk_tcp_info in;
    if (sk_tcp_get_info(ts->s, s, &in) != 0)
        return SK_TCP__STATE_COUNT;
    return in.state;
}

/* One send buffer's block: the buffer bytes (rounded up to 16) and the
 * record of what was sent (tcp_rtb.h), allocated together. */
static size_t snd_block(const sk_tcp_env *e)
{
    return (((size_t)e->ctx->cfg.sndbuf + 15u) & ~(size_t)15u) + sk_rtb_size(e->ctx->cfg.sndbuf);
}

/* One receive buffer's block: the bytes (rounded up to 16) and the
 * out-of-order ranges sized from them (tcp_reass.c). */
static size_t rcv_block(uint32_t rcvbuf)
{
    return (((size_t)rcvbuf + 15u) & ~(size_t)15u) + sk_reass_cap(rcvbuf) * sizeof(sk_range);
}

/* Bytes the stack holds beyond its creation-time tables in its cache of
 * spare buffers: the spares, and its stacks of pointers beyond the
 * SK_BUFCACHE_KEEP each that creation allocated. */
static size_t cached_bytes(const ts_script *ts)
{
    const sk_tcp_env *e = &ts->s->env;
    return (size_t)e->snd_cache.n * snd_block(e) +
           (size_t)e->rcv_cache.n * rcv_block(e->ctx->cfg.rcvbuf) +
           sizeof(void *) * ((size_t)e->snd_cache.cap + e->rcv_cache.cap -
                             2u * (e->n_tcbs < SK_BUFCACHE_KEEP ? e->n_tcbs : SK_BUFCACHE_KEEP));
}

/* ---- memory ---- */

/* A script whose stack has `sockets` slots and 4 KiB buffers each way. */
static void init_small_bufs(ts_script *ts, uint32_t sockets)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = sockets;
    cfg.sndbuf = 4096;
    cfg.rcvbuf = 4096;
    ts_init(ts, &cfg);
}

/* Idle ESTABLISHED connections allocate nothing: the TCB slot is part of
 * the table allocated at creation. Data takes one buffer per direction
 * (the send buffer's block holds the record of what was sent too),
 * drained buffers go back to a cache that keeps every one (the next burst
 * takes them again) until they stay unused for SK_BUFCACHE_DECAY_US, then
 * only SK_BUFCACHE_KEEP per direction; once every connection is gone the
 * stack holds exactly its creation-time tables plus that cache. */
static void test_memory_idle_and_drained(void)
{
    enum { N = 80 };
    ts_script ts;
    init_small_bufs(&ts, 100);
    size_t base = ts.live_bytes;
    sk_sock c[N];
    for (int i = 0; i < N; i++)
        c[i] = open_at(&ts, (uint16_t)(40000 + i), TS_MS(1));
    SK_CHECK_EQ(ts.live_bytes, base); /* 80 idle connections: 0 bytes */
    /* every connection sends 100 bytes and receives 100 bytes, all at once */
    for (int i = 0; i < N; i++) {
        SK_CHECK_EQ_I(sk_tcp_send(ts.s, TS_MS(2), c[i], g_stream, 100), 100);
        TS_INJECT(&ts, TS_MS(2), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100,
                  .data = g_stream, .sport = 80, .dport = (uint16_t)(40000 + i));
    }
    /* a send buffer with its record of what was sent, a receive buffer */
    SK_CHECK_EQ(ts.live_bytes, base + (size_t)N * (snd_block(&ts.s->env) + rcv_block(4096) +
                                                    sizeof(sk_tcb_ext)));
    ts_discard(&ts, TS_MS(2));
    /* the peer acknowledges; the application reads: both buffers drain */
    for (int i = 0; i < N; i++) {
        TS_INJECT(&ts, TS_MS(3), .flags = TS_A, .seq = 5101, .ack = 1101, .sport = 80,
                  .dport = (uint16_t)(40000 + i));
        uint8_t b[200];
        SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(3), c[i], b, sizeof b), 100);
        SK_CHECK_MEM(b, g_stream, 100);
        sk_tcb *t = sk_stack_tcb(ts.s, c[i]);
        SK_CHECK(t->x->sndbuf.buf == NULL && t->x->rcvbuf.buf == NULL);
    }
    ts_discard(&ts, TS_MS(3));
    /* what is left is the bounded cache of spare buffers, nothing else */
    /* idle again: no extension either (tcp_ext.c) */
    SK_CHECK_EQ(ts.live_bytes, base + cached_bytes(&ts));
    SK_CHECK_EQ(ts.s->env.snd_cache.n, N); /* all of the burst's, for the next one */
    SK_CHECK_EQ(ts.s->env.rcv_cache.n, N);
    /* one block per socket at most: the stacks of pointers stop at 100 */
    SK_CHECK_EQ(ts.s->env.snd_cache.cap, 100);

    /* close, abort, peer reset and timeout: every slot comes back, no new
     * memory is taken */
    for (int i = 0; i < N; i++) {
        uint16_t lp = (uint16_t)(40000 + i);
        switch (i % 4) {
        case 0:
            SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(4), c[i]), 0);
            break;
        case 1:
            TS_INJECT(&ts, TS_MS(4), .flags = TS_R, .seq = 5101, .sport = 80, .dport = lp);
            SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(4), c[i]), 0);
            break;
        case 2: /* FIN both ways, then TIME-WAIT runs out */
            SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(4), c[i]), 0);
            ts_discard(&ts, TS_MS(4));
            TS_INJECT(&ts, TS_MS(4), .flags = TS_FA, .seq = 5101, .ack = 1102, .sport = 80,
                      .dport = lp);
            break;
        default: /* keepalive gives up on a silent peer */
            SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, c[i], SK_SO_KEEPIDLE_US, TS_SEC(1)), 0);
            SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, c[i], SK_SO_KEEPINTVL_US, TS_SEC(1)), 0);
            SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, c[i], SK_SO_KEEPCNT, 1), 0);
            SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, c[i], SK_SO_KEEPALIVE, 1), 0);
            break;
        }
        ts_discard(&ts, TS_MS(4));
    }
    for (int s = 1; s <= 70; s++)
        ts_discard(&ts, TS_SEC(s));
    for (int i = 3; i < N; i += 4)
        SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_SEC(70), c[i]), 0);
    /* the keepalive victims kept their history (tcp_info reads it) until
     * closed; its records' slab goes back once unused through
     * SK_BUFCACHE_DECAY_US of timer runs */
    ts_discard(&ts, TS_SEC(71));
    ts_discard(&ts, TS_SEC(72));
    /* 70 s on, unused since the burst: the spares above SK_BUFCACHE_KEEP
     * went back (test_bufcache_decay has the rule), nothing else is held */
    SK_CHECK_EQ(ts.s->env.snd_cache.n, SK_BUFCACHE_KEEP);
    SK_CHECK_EQ(ts.s->env.rcv_cache.n, SK_BUFCACHE_KEEP);
    /* (and the half-open and TIME-WAIT pools' indexes, taken at their first
     * records, kept for the next) */
    SK_CHECK_EQ(ts.live_bytes, base + cached_bytes(&ts) + ts_pool_index_bytes(&ts));
    size_t closed = ts.live_bytes;
    SK_CHECK_EQ(ts.s->env.heap_len, 0);
    /* every slot is free again */
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 81);
    sk_sock d;
    for (int i = 0; i < 100; i++)
        SK_CHECK_EQ_I(sk_tcp_connect(ts.s, TS_SEC(70), &peer, NULL, &d), 0);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, TS_SEC(70), &peer, NULL, &d), SK_ENOSPC);
    /* each handshake under way holds its extension, nothing more */
    SK_CHECK_EQ(ts.live_bytes, closed + 100 * sizeof(sk_tcb_ext));
    ts_free(&ts);
}

/* N connections (local ports 41000...) send 100 bytes each at t and the
 * peer acknowledges them (up to `acked`) at t + 1 ms: N send buffers taken
 * and given back. */
static void burst(ts_script *ts, const sk_sock *c, int n, sk_time_us t, uint32_t acked)
{
    for (int i = 0; i < n; i++)
        SK_CHECK_EQ_I(sk_tcp_send(ts->s, t, c[i], g_stream, 100), 100);
    ts_discard(ts, t);
    for (int i = 0; i < n; i++)
        TS_INJECT(ts, t + TS_MS(1), .flags = TS_A, .seq = 5001, .ack = acked, .sport = 80,
                  .dport = (uint16_t)(41000 + i));
    ts_discard(ts, t + TS_MS(1));
}

/* The cache of spare buffers keeps what a burst gave back, so the next
 * burst allocates nothing, and gives back to the allocator only spares no
 * connection took for a whole SK_BUFCACHE_DECAY_US, keeping
 * SK_BUFCACHE_KEEP: a burst of 100, then one of 90 inside the next period
 * (10 spares unused all along: 10 go back, not the 36 above the floor),
 * then nothing (the other 26 go). The bytes the stack holds show that the
 * second burst allocated nothing. */
static void test_bufcache_decay(void)
{
    enum { N = 100 };
    ts_script ts;
    init_small_bufs(&ts, 200);
    sk_sock c[N];
    for (int i = 0; i < N; i++)
        c[i] = open_at(&ts, (uint16_t)(41000 + i), TS_MS(1));
    const sk_bufcache *sc = &ts.s->env.snd_cache;
    burst(&ts, c, N, TS_MS(10), 1101);
    SK_CHECK_EQ(sc->n, N);
    SK_CHECK_EQ(sc->cap, 128); /* 64, then doubled; max_sockets 200 */
    size_t held = ts.live_bytes;
    ts_discard(&ts, TS_MS(1500)); /* the first sweep: the period starts */
    SK_CHECK_EQ(sc->n, N);
    SK_CHECK_EQ(ts.live_bytes, held);
    burst(&ts, c, 90, TS_MS(2000), 1201); /* 90 taken from the cache */
    SK_CHECK_EQ(sc->n, N);
    SK_CHECK_EQ(ts.live_bytes, held); /* the burst allocated nothing */
    ts_discard(&ts, TS_MS(2600)); /* the second sweep: 10 sat unused */
    SK_CHECK_EQ(sc->n, N - 10);
    ts_discard(&ts, TS_MS(3700)); /* the third: all 90 did */
    SK_CHECK_EQ(sc->n, SK_BUFCACHE_KEEP);
    SK_CHECK_EQ(ts.s->env.rcv_cache.n, 0); /* nothing was received */
    ts_discard(&ts, TS_MS(9000));
    SK_CHECK_EQ(sc->n, SK_BUFCACHE_KEEP); /* the floor stays */
    ts_free(&ts);
}

/* A counting allocator that fails at its fail_at-th call (0: never),
 * forwarding everything else to the script's allocator. */
typedef struct {
    sk_allocator inner;
    long calls, fail_at, failures;
} fail_alloc;

static void *fa_allocate(void *ctx, size_t n)
{
    fail_alloc *f = ctx;
    if (++f->calls == f->fail_at) {
        f->failures++;
        return NULL;
    }
    return f->inner.allocate(f->inner.ctx, n);
}

static void fa_release(void *ctx, void *p, size_t n)
{
    fail_alloc *f = ctx;
    f->inner.release(f->inner.ctx, p, n);
}

static size_t g_live;

static void *plain_allocate(void *ctx, size_t n)
{
    (void)ctx;
    void *p = malloc(n);
    if (p != NULL)
        g_live += n;
    return p;
}

static void plain_release(void *ctx, void *p, size_t n)
{
    (void)ctx;
    g_live -= n;
    free(p);
}

/* sk_stack_create with the allocator failing at call N, for every N up to
 * the number of calls creation makes: SK_ENOMEM and nothing leaked. */
static void test_alloc_fail_at_create(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.link = SK_LINK_ETHERNET; /* ARP tables too */
    cfg.mac = (sk_mac){{0x02, 0, 0, 0, 0, 2}};
    fail_alloc f = {{plain_allocate, plain_release, NULL}, 0, 0, 0};
    cfg.alloc = (sk_allocator){fa_allocate, fa_release, &f};
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    long total = f.calls;
    sk_stack_destroy(s);
    SK_CHECK_EQ(g_live, 0);
    SK_CHECK(total >= 4);
    for (long n = 1; n <= total; n++) {
        f.calls = 0;
        f.fail_at = n;
        s = NULL;
        SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_ENOMEM);
        SK_CHECK(s == NULL);
        SK_CHECK_EQ(g_live, 0);
    }
}

/* One run of a scripted scenario over 3 connections (send, in-order and
 * out-of-order receive, close) with the allocator failing at runtime call
 * fail_at. A failed send is SK_ENOBUFS and is retried; a segment that
 * found no memory is counted (TCP_NO_MEMORY) and the peer retransmits it.
 * Returns the number of allocator calls the run made. */
static long alloc_scenario(long fail_at)
{
    enum { N = 3 };
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.sndbuf = 4096;
    cfg.rcvbuf = 4096;
    ts_script ts;
    ts_init(&ts, &cfg);
    sk_sock c[N];
    for (int i = 0; i < N; i++)
        c[i] = open_at(&ts, (uint16_t)(40000 + i), TS_MS(1));
    /* established and idle: no extension (tcp_ext.c), no buffer */
    fail_alloc f = {ts.s->ctx.cfg.alloc, 0, fail_at, 0};
    ts.s->ctx.cfg.alloc = (sk_allocator){fa_allocate, fa_release, &f};
    int enobufs = 0;
    for (int i = 0; i < N; i++) {
        ptrdiff_t r = sk_tcp_send(ts.s, TS_MS(2), c[i], g_stream, 300);
        if (r == SK_ENOBUFS) {
            enobufs++;
            r = sk_tcp_send(ts.s, TS_MS(2), c[i], g_stream, 300);
        }
        SK_CHECK_EQ_I(r, 300);
    }
    ts_discard(&ts, TS_MS(2));
    /* out of order first, then the hole; each injection is repeated as a
     * retransmission would be when memory was short */
    for (int i = 0; i < N; i++) {
        uint16_t lp = (uint16_t)(40000 + i);
        for (int k = 0; k < 2; k++) {
            uint32_t off = k == 0 ? 200 : 0;
            uint32_t len = k == 0 ? 100 : 200;
            uint64_t nomem = ts_drops(&ts, SK_DROP_TCP_NO_MEMORY);
            TS_INJECT(&ts, TS_MS(3), .flags = TS_A, .seq = 5001 + off, .ack = 1001, .len = len,
                      .data = g_stream + off, .sport = 80, .dport = lp);
            if (ts_drops(&ts, SK_DROP_TCP_NO_MEMORY) != nomem)
                TS_INJECT(&ts, TS_MS(3), .flags = TS_A, .seq = 5001 + off, .ack = 1001,
                          .len = len, .data = g_stream + off, .sport = 80, .dport = lp);
        }
        TS_INJECT(&ts, TS_MS(3), .flags = TS_A, .seq = 5301, .ack = 1301, .sport = 80, .dport = lp);
    }
    ts_discard(&ts, TS_MS(3));
    for (int i = 0; i < N; i++) {
        uint8_t b[400];
        SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(4), c[i], b, sizeof b), 300);
        SK_CHECK_MEM(b, g_stream, 300);
        SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(4), c[i]), 0);
    }
    ts_discard(&ts, TS_MS(4));
    /* exactly one failure, reported exactly once, when it happened */
    long want = fail_at >= 1 && fail_at <= f.calls ? 1 : 0;
    SK_CHECK_EQ(f.failures, want);
    SK_CHECK_EQ((uint64_t)enobufs + ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), (uint64_t)want);
    long calls = f.calls;
    ts_free(&ts); /* checks: nothing leaked */
    return calls;
}

static void test_alloc_fail_at_every_call(void)
{
    long total = alloc_scenario(0);
    SK_CHECK_EQ(total, 9); /* 3 extensions, 3 send + 3 receive buffers, nothing else */
    for (long n = 1; n <= total + 1; n++)
        alloc_scenario(n);
}

/* ---- the socket table ---- */

/* A SYN flood to a listener takes no socket slot: each SYN it keeps is a
 * half-open record (tcp_halfopen.c) from the pool made at creation (4 per
 * slot by default), up to the pool or the backlog, whichever is smaller;
 * it answers each SYN it took, drops and counts the rest, allocates
 * nothing, the table stays free for connect and listen, and when the
 * peers vanish every record times out and goes back to the pool. */
static void test_syn_flood_then_reclaimed(void)
{
    sk_stack_config cfg;
    ts_config(&cfg); /* 16 sockets: 64 half-open records */
    cfg.syn_cookies = SK_SYNCOOKIES_OFF; /* with them: test_tcp_syncookie */
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 0)); /* backlog 128 > pool */
    size_t base = ts.live_bytes; /* with the listener's block (sk_tcb_listen) */
    ts.lport = TS_US_PORT_PASSIVE;
    size_t synacks = 0;
    for (int i = 0; i < 200; i++) {
        TS_INJECT(&ts, 0, .flags = TS_S, .seq = 7000, .sport = (uint16_t)(1000 + i), TS_MSS(1460));
        if (i % 50 == 49)
            synacks += ts_discard(&ts, 0);
    }
    SK_CHECK_EQ(synacks, 64);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->passive_opens, 64);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 64);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_HALFOPEN_FULL), 136);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 0);
    /* a handshake under way holds no memory of its own (the pool's index
     * came with the first record) */
    SK_CHECK_EQ(ts.live_bytes, base + ts_pool_index_bytes(&ts));
    /* and no slot: the other 15 are free */
    sk_sock x[15];
    for (int i = 0; i < 15; i++)
        SK_CHECK_EQ_I(sk_tcp_listen(ts.s, (uint16_t)(81 + i), NULL, &x[i]), 0);
    for (int i = 0; i < 15; i++)
        SK_CHECK_EQ_I(sk_tcp_close(ts.s, 0, x[i]), 0);
    /* nobody answers: SYN,ACK retransmissions, then each record goes */
    size_t rexmits = 0;
    for (int s = 1; s <= 300; s++)
        rexmits += ts_discard(&ts, TS_SEC(s));
    SK_CHECK_EQ(rexmits, 64u * cfg.syn_retries);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, 64);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 0);
    SK_CHECK_EQ(sk_stack_tcb(ts.s, ts.listener)->x->lsn->n_ho, 0);
    SK_CHECK_EQ(sk_stack_tcb(ts.s, ts.listener)->x->lsn->children.len, 0);
    SK_CHECK_EQ(ts.live_bytes, base + ts_pool_index_bytes(&ts));
    /* every record is back: a full round of new handshakes is taken */
    for (int i = 0; i < 64; i++)
        TS_INJECT(&ts, TS_SEC(301), .flags = TS_S, .seq = 9000, .sport = (uint16_t)(3000 + i),
                  TS_MSS(1460));
    SK_CHECK_EQ(ts_discard(&ts, TS_SEC(301)), 64);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_HALFOPEN_FULL), 136);
    ts_free(&ts);
}

/* The backlog, not the table, bounds a flood when it is smaller; the
 * timed-out half-open connections leave the backlog too (SYN cookies off;
 * none of the half-open ones was retransmitted, so none is evicted). */
static void test_syn_flood_backlog_reclaimed(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.syn_cookies = SK_SYNCOOKIES_OFF;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 4));
    ts.lport = TS_US_PORT_PASSIVE;
    for (int i = 0; i < 50; i++)
        TS_INJECT(&ts, 0, .flags = TS_S, .seq = 7000, .sport = (uint16_t)(1000 + i), TS_MSS(1460));
    SK_CHECK_EQ(ts_discard(&ts, 0), 4);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BACKLOG_FULL), 46);
    for (int s = 1; s <= 300; s++)
        ts_discard(&ts, TS_SEC(s));
    for (int i = 0; i < 4; i++)
        TS_INJECT(&ts, TS_SEC(301), .flags = TS_S, .seq = 9000, .sport = (uint16_t)(3000 + i),
                  TS_MSS(1460));
    SK_CHECK_EQ(ts_discard(&ts, TS_SEC(301)), 4);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BACKLOG_FULL), 46);
    ts_free(&ts);
}

/* ---- ephemeral ports (RFC 6056) ---- */

/* Towards one destination there are 16384 ephemeral ports. One of them is
 * in TIME-WAIT and the rest in SYN-SENT: the next connect is SK_EADDRINUSE
 * (RFC 9293 §3.6.1: the TIME-WAIT tuple may not be reused by an active
 * open), takes no slot, and another destination still gets one. When the
 * TIME-WAIT ends, its port is the one handed out. */
static void test_ephemeral_exhaustion(void)
{
    enum { NPORTS = 16384 };
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = NPORTS + 2;
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
    TS_INJECT(&ts, 1, .flags = TS_SA, .seq = 5000, .ack = 1001, .sport = 80, .dport = tw_port);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, 1, c), 0);
    ts_discard(&ts, 1);
    TS_INJECT(&ts, 2, .flags = TS_FA, .seq = 5001, .ack = 1002, .sport = 80, .dport = tw_port);
    ts_discard(&ts, 2);
    static uint8_t seen[65536];
    memset(seen, 0, sizeof seen);
    seen[tw_port] = 1;
    int bad = 0;
    for (int i = 1; i < NPORTS; i++) {
        sk_sock s;
        int r = sk_tcp_connect(ts.s, 3, &peer, NULL, &s);
        if (r != 0 || sk_tcp_get_info(ts.s, s, &in) != 0 || in.local.port < 49152 ||
            seen[in.local.port]) {
            bad++;
            continue;
        }
        seen[in.local.port] = 1;
    }
    SK_CHECK_EQ(bad, 0);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 3, &peer, NULL, &c), SK_EADDRINUSE);
    sk_endpoint other = ts_endpoint(10, 0, 0, 1, 81);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 3, &other, NULL, &c), 0);
    /* any input runs the timers: TIME-WAIT ends, its port is free again */
    TS_INJECT(&ts, 2 + cfg.time_wait_us, .flags = TS_R, .seq = 1, .sport = 7, .dport = 7);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 2 + cfg.time_wait_us, &peer, NULL, &c), 0);
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, c, &in), 0);
    SK_CHECK_EQ(in.local.port, tw_port);
    ts_free(&ts);
}

/* ---- the control-segment queue ---- */

/* RSTs for closed ports wait in a fixed queue (SK_CTLQ_CAP). A burst larger
 * than the queue between two output calls queues what fits; every RST that
 * did not fit is counted (TCP_CTLQ_FULL), the segments themselves are
 * counted as TCP_NO_SOCKET, and the queue works again once drained. */
static void test_ctlq_overflow_counted(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.lport = 9999;
    for (int i = 0; i < SK_CTLQ_CAP + 36; i++)
        TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, .sport = (uint16_t)(1000 + i));
    SK_CHECK_EQ(ts.s->env.ctlq_len, SK_CTLQ_CAP);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_SOCKET), SK_CTLQ_CAP + 36);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_CTLQ_FULL), 36);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_out, SK_CTLQ_CAP);
    /* the first SK_CTLQ_CAP are answered, in arrival order */
    for (int i = 0; i < SK_CTLQ_CAP; i++)
        TS_EXPECT(&ts, 0, .flags = TS_RA, .seq = 0, .ack = 5001, .dport = (uint16_t)(1000 + i));
    TS_NOTHING(&ts, 0);
    TS_INJECT(&ts, 1, .flags = TS_S, .seq = 5000, .sport = 2000);
    TS_EXPECT(&ts, 1, .flags = TS_RA, .seq = 0, .ack = 5001, .dport = 2000);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_CTLQ_FULL), 36);
    ts_free(&ts);
}

/* An abort whose RST finds the control queue full is counted too, and the
 * connection is gone all the same. */
static void test_ctlq_full_abort_counted(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    for (int i = 0; i < SK_CTLQ_CAP; i++)
        TS_INJECT(&ts, TS_MS(2), .flags = TS_S, .seq = 5000, .sport = (uint16_t)(1000 + i),
                  .dport = 9999);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(2), ts.sock), 0);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_CTLQ_FULL), 1);
    SK_CHECK_EQ(ts_discard(&ts, TS_MS(2)), SK_CTLQ_CAP);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_out, SK_CTLQ_CAP);
    ts_free(&ts);
}

/* ---- reassembly ---- */

/* A peer sending every other byte out of order fills at most the receive
 * buffer's number of ranges (sk_reass_cap: 32 with 512 KiB; each later one
 * dropped and counted, with an ACK), uses no memory beyond the one receive
 * buffer's block, and in-order delivery resumes byte exact
 * as the holes fill and the rest is retransmitted. */
static void test_reass_every_other_byte(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.rcvbuf = 512u << 10;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    size_t base = ts.live_bytes;
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    const uint32_t cap = sk_reass_cap(ts.cfg.rcvbuf), sent = 100;
    SK_CHECK(cap > SK_REASS_MAX && cap < sent);
    for (uint32_t i = 1; i < 2 * sent; i += 2) {
        TS_INJECT(&ts, TS_MS(2), .flags = TS_A, .seq = 5001 + i, .ack = 1001, .len = 1,
                  .data = g_stream + i);
        SK_CHECK(sk_rset_count(&t->x->reass) <= cap);
        ts_discard(&ts, TS_MS(2)); /* one (duplicate) ACK each */
    }
    SK_CHECK_EQ(sk_rset_count(&t->x->reass), cap);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ooo_segments, cap);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_REASS_FULL), sent - cap);
    SK_CHECK_EQ(ts.live_bytes, base + rcv_block(ts.cfg.rcvbuf) + sizeof(sk_tcb_ext));
    uint8_t b[256];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(2), ts.sock, b, sizeof b), SK_EAGAIN);
    /* the holes fill one by one: each joins the next range */
    for (uint32_t i = 0; i < 2 * cap; i += 2) {
        TS_INJECT(&ts, TS_MS(3), .flags = TS_A, .seq = 5001 + i, .ack = 1001, .len = 1,
                  .data = g_stream + i);
        TS_EXPECT(&ts, TS_MS(3), .flags = TS_A, .seq = 1001, .ack = 5001 + i + 2);
    }
    SK_CHECK_EQ(sk_rset_count(&t->x->reass), 0);
    /* the rest, retransmitted in order, overlapping what is there */
    TS_INJECT(&ts, TS_MS(4), .flags = TS_A, .seq = 5001 + 30, .ack = 1001, .len = 170,
              .data = g_stream + 30);
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(4), ts.sock, b, sizeof b), 200);
    SK_CHECK_MEM(b, g_stream, 200);
    SK_CHECK(t->x->rcvbuf.buf == NULL);
    ts_discard(&ts, TS_MS(100));
    ts_free(&ts);
}

/* ---- demux ---- */

/* The demux table's home slot of a tuple (tcp_demux.c's keyed hash); the
 * test checks it agrees with where the table put a lone entry. */
static uint32_t tuple_hash_of(const sk_tcp_env *e, uint16_t lport, uint16_t rport)
{
    /* the one tuple key (base/tuple.h): laddr, lport, raddr, rport */
    uint8_t key[12] = {10, 0, 0, 2, (uint8_t)(lport >> 8), (uint8_t)lport,
                       10, 0, 0, 1, (uint8_t)(rport >> 8), (uint8_t)rport};
    return (uint32_t)sk_siphash24(&e->ctx->key, key, sizeof key);
}

static uint32_t home_slot(const sk_tcp_env *e, uint16_t lport, uint16_t rport)
{
    return tuple_hash_of(e, lport, rport) & e->hash_mask;
}

/* Twelve tuples with the same home slot, the last slot of the table, so the
 * probe chain wraps around; the first three also share the slot's tag (the
 * hash's top bits, SK_DEMUX_TAG_SHIFT), so only their tuples tell them
 * apart. Each connection is found by its own segments;
 * removing from the middle and the head of the chain keeps the others
 * found; the one-entry cache never hands a freed slot's new owner the old
 * tuple's segments. */
static void test_demux_collisions(void)
{
    enum { N = 12 };
    ts_script ts;
    ts_init(&ts, NULL); /* 16 sockets: 32 hash slots */
    sk_tcp_env *e = &ts.s->env;
    SK_CHECK_EQ(e->hash_mask, 31);
    uint16_t port[N];
    int n = 0;
    for (uint32_t p = 1024; p < 65536 && n < N; p++) {
        if (home_slot(e, (uint16_t)p, 80) != e->hash_mask)
            continue;
        if (n > 0 && n < 3 && tuple_hash_of(e, (uint16_t)p, 80) >> SK_DEMUX_TAG_SHIFT !=
                                   tuple_hash_of(e, port[0], 80) >> SK_DEMUX_TAG_SHIFT)
            continue;
        port[n++] = (uint16_t)p;
    }
    SK_CHECK_EQ(n, N);
    sk_sock c[N];
    for (int i = 0; i < N; i++) {
        c[i] = open_at(&ts, port[i], TS_MS(1));
        if (i == 0) { /* the hash agrees with the table; the slot's tag is the hash's top */
            uint32_t v = e->hash[e->hash_mask];
            SK_CHECK_EQ(sk_demux_slot_tcb(v) + 1, c[0].idx);
            sk_tuple tu0 = sk_tcb_tuple(e, &e->tcbs[c[0].idx - 1]);
            SK_CHECK_EQ(v >> SK_DEMUX_TAG_SHIFT, sk_demux_hash(e, &tu0) >> SK_DEMUX_TAG_SHIFT);
        }
        SK_CHECK_EQ(state_of(&ts, c[i]), SK_TCP_ESTABLISHED);
    }
    for (uint32_t k = 0; k < N - 1; k++) /* the chain: slots 31, 0, 1, ... */
        SK_CHECK(e->hash[k] != 0);
    /* the cache holds c[5]; then c[0] (head of the chain) and c[5] go */
    TS_INJECT(&ts, TS_MS(2), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 10,
              .data = g_stream, .sport = 80, .dport = port[5]);
    SK_CHECK_EQ(e->demux_last, c[5].idx - 1);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(2), c[0]), 0);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(2), c[5]), 0);
    ts_discard(&ts, TS_MS(2));
    /* the freed slot still holds the old tuple: the cache must not match it */
    TS_INJECT(&ts, TS_MS(3), .flags = TS_A, .seq = 5011, .ack = 1001, .len = 10,
              .data = g_stream, .sport = 80, .dport = port[5]);
    TS_EXPECT(&ts, TS_MS(3), .flags = TS_R, .seq = 1001, .dport = 80, .sport = port[5]);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_SOCKET), 1);
    /* the freed slot goes to a new connection with another tuple */
    sk_sock fresh = open_at(&ts, 1023, TS_MS(3)); /* below every port[] */
    SK_CHECK_EQ(fresh.idx, c[5].idx);
    /* the old tuple: no connection (RST), the new owner is untouched */
    TS_INJECT(&ts, TS_MS(4), .flags = TS_A, .seq = 5011, .ack = 1001, .len = 10,
              .data = g_stream, .sport = 80, .dport = port[5]);
    TS_EXPECT(&ts, TS_MS(4), .flags = TS_R, .seq = 1001, .dport = 80, .sport = port[5]);
    SK_CHECK_EQ(state_of(&ts, fresh), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_SOCKET), 2);
    /* every survivor still gets its own data */
    for (int i = 1; i < N; i++) {
        if (i == 5)
            continue;
        TS_INJECT(&ts, TS_MS(5), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 10,
                  .data = g_stream + i, .sport = 80, .dport = port[i]);
        uint8_t b[32];
        SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(5), c[i], b, sizeof b), 10);
        SK_CHECK_MEM(b, g_stream + i, 10);
    }
    sk_tuple gone = tuple_of(port[0]);
    SK_CHECK(sk_demux_lookup(e, &gone) == NULL);
    ts_discard(&ts, TS_MS(100));
    ts_free(&ts);
}

/* Random churn of inserts and removals over a small table where most
 * tuples collide: after every step each live tuple is found and each
 * removed one is not (backward-shift deletion keeps every chain whole). */
static void test_demux_churn(void)
{
    enum { POOL = 40 };
    ts_script ts;
    ts_init(&ts, NULL);
    sk_tcp_env *e = &ts.s->env;
    /* tuples whose home slots crowd into 4 of the 32 slots */
    uint16_t port[POOL];
    int n = 0;
    for (uint32_t p = 1024; p < 65536 && n < POOL; p++) {
        uint32_t h = home_slot(e, (uint16_t)p, 80);
        if (h >= 29 || h == 0)
            port[n++] = (uint16_t)p;
    }
    SK_CHECK_EQ(n, POOL);
    sk_sock h[POOL];
    bool live[POOL] = {false};
    int nlive = 0, bad = 0;
    uint32_t x = 12345;
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    for (int step = 0; step < 4000; step++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        int i = (int)(x % POOL);
        if (live[i]) {
            SK_CHECK_EQ_I(sk_tcp_close(ts.s, 0, h[i]), 0); /* SYN-SENT: gone */
            live[i] = false;
            nlive--;
        } else if (nlive < 16) {
            sk_connect_opts co = {port[i], 0, true, 1000};
            SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &h[i]), 0);
            live[i] = true;
            nlive++;
        }
        for (int k = 0; k < POOL; k++) {
            sk_tuple tu = tuple_of(port[k]);
            sk_tcb *t = sk_demux_lookup(e, &tu);
            if (live[k] ? t != sk_stack_tcb(ts.s, h[k]) : t != NULL)
                bad++;
        }
    }
    SK_CHECK_EQ(bad, 0);
    ts_discard(&ts, 0);
    ts_free(&ts);
}

int main(void)
{
    init_stream();
    SK_RUN(test_memory_idle_and_drained);
    SK_RUN(test_bufcache_decay);
    SK_RUN(test_alloc_fail_at_create);
    SK_RUN(test_alloc_fail_at_every_call);
    SK_RUN(test_syn_flood_then_reclaimed);
    SK_RUN(test_syn_flood_backlog_reclaimed);
    SK_RUN(test_ephemeral_exhaustion);
    SK_RUN(test_ctlq_overflow_counted);
    SK_RUN(test_ctlq_full_abort_counted);
    SK_RUN(test_reass_every_other_byte);
    SK_RUN(test_demux_collisions);
    SK_RUN(test_demux_churn);
    return sk_test_finish();
}
