/* Receive buffer auto-tuning (cfg.rcvbuf_max; tcp_bufs.c) in virtual time:
 * when the peer filled the window we offered and the application read
 * every byte held, the buffer doubles at that read and the larger window
 * is announced at once; bytes held ahead of a hole move with it and the
 * stream stays byte-exact; a slow reader, a window not filled, a locked
 * (SK_SO_RCVBUF) or a disabled buffer never grow; no memory keeps the
 * buffer as it was, counted; the SYN offers the ceiling's window scale
 * (RFC 7323 §2.2); a bad ceiling is refused. */
#include "sk_test.h"
#include "tcp_script.h"

#define SMALL 8192u

static void auto_config(sk_stack_config *cfg, uint32_t max)
{
    ts_config(cfg);
    cfg->rcvbuf = SMALL;
    cfg->rcvbuf_max = max;
}

static uint64_t grown(const ts_script *ts)
{
    return sk_stack_stats(ts->s)->rcvbuf_grown;
}

/* The peer sends [from, from + n) of its stream in full segments (the
 * last shorter), at t. */
static void peer_sends(ts_script *ts, sk_time_us t, uint32_t from, uint32_t n)
{
    for (uint32_t off = 0; off < n; off += 1460u) {
        uint32_t len = n - off < 1460u ? n - off : 1460u;
        TS_INJECT(ts, t, .flags = TS_A, .seq = 5001 + from + off, .ack = 1001, .len = len);
    }
}

static void test_grows_when_the_window_is_the_limit(void)
{
    sk_stack_config cfg;
    auto_config(&cfg, 4u * SMALL);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, SMALL);
    /* the peer fills the 8 KiB window; the application reads it all */
    peer_sends(&ts, TS_MS(20), 0, SMALL);
    ts_discard(&ts, TS_MS(20));
    SK_CHECK_EQ(ts_info(&ts).rcv_wnd, 0u);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(21), 100000), SMALL);
    SK_CHECK_EQ(grown(&ts), 1u);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, 2u * SMALL);
    /* the larger window, announced at once (the peer was blocked) */
    TS_EXPECT(&ts, TS_MS(21), .flags = TS_A, .seq = 1001, .ack = 5001 + SMALL, TS_WIN(2u * SMALL));
    TS_NOTHING(&ts, TS_MS(21));
    /* again: 32 KiB, the ceiling */
    peer_sends(&ts, TS_MS(30), SMALL, 2u * SMALL);
    ts_discard(&ts, TS_MS(30));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(31), 100000), 2u * SMALL);
    SK_CHECK_EQ(grown(&ts), 2u);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, 4u * SMALL);
    TS_EXPECT(&ts, TS_MS(31), .flags = TS_A, .seq = 1001, .ack = 5001 + 3u * SMALL,
              TS_WIN(4u * SMALL));
    /* at the ceiling it stays */
    peer_sends(&ts, TS_MS(40), 3u * SMALL, 4u * SMALL);
    ts_discard(&ts, TS_MS(40));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(41), 100000), 4u * SMALL);
    SK_CHECK_EQ(grown(&ts), 2u);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, 4u * SMALL);
    ts_discard(&ts, TS_MS(41));
    ts_free(&ts); /* fails on any byte not given back */
}

/* The application keeps up, the peer filled the window within less than a
 * segment, and bytes wait ahead of a hole: they move to the larger block
 * at their offsets, and the stream completes byte for byte. */
static void test_grows_with_bytes_ahead_of_a_hole(void)
{
    sk_stack_config cfg;
    auto_config(&cfg, 4u * SMALL);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    peer_sends(&ts, TS_MS(20), 0, 7000); /* 1192 short of the edge: less than a segment */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001 + 7500, .ack = 1001, .len = SMALL - 7500);
    ts_discard(&ts, TS_MS(20));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(21), 100000), 7000);
    SK_CHECK_EQ(grown(&ts), 1u);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, 2u * SMALL);
    ts_discard(&ts, TS_MS(21));
    /* the hole fills: the bytes held ahead come out after it, exact */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001 + 7000, .ack = 1001, .len = 500);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(31), 100000), SMALL - 7000);
    SK_CHECK_EQ(ts.read, SMALL);
    /* and more, into the larger window */
    peer_sends(&ts, TS_MS(40), SMALL, 12000);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(41), 100000), 12000);
    ts_discard(&ts, TS_MS(41));
    ts_free(&ts);
}

static void test_no_growth(void)
{
    sk_stack_config cfg;
    auto_config(&cfg, 4u * SMALL);
    ts_script ts;

    /* a slow reader: the window filled, the application took half */
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    peer_sends(&ts, TS_MS(20), 0, SMALL);
    ts_discard(&ts, TS_MS(20));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(21), SMALL / 2u), SMALL / 2u);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(22), 100000), SMALL / 2u); /* the signal was spent */
    SK_CHECK_EQ(grown(&ts), 0u);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, SMALL);
    ts_discard(&ts, TS_MS(22));
    ts_free(&ts);

    /* the window not filled: the path, not the window, held the peer */
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    peer_sends(&ts, TS_MS(20), 0, 4000);
    ts_discard(&ts, TS_MS(20));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(21), 100000), 4000);
    SK_CHECK_EQ(grown(&ts), 0u);
    ts_discard(&ts, TS_MS(21));
    ts_free(&ts);

    /* SK_SO_RCVBUF set: locked (Linux's SOCK_RCVBUF_LOCK), at the stack's
     * size too */
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, SMALL), 0);
    peer_sends(&ts, TS_MS(20), 0, SMALL);
    ts_discard(&ts, TS_MS(20));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(21), 100000), SMALL);
    SK_CHECK_EQ(grown(&ts), 0u);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, SMALL);
    ts_discard(&ts, TS_MS(21));
    ts_free(&ts);

    /* off (rcvbuf_max 0, the library's default) */
    auto_config(&cfg, 0);
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    peer_sends(&ts, TS_MS(20), 0, SMALL);
    ts_discard(&ts, TS_MS(20));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(21), 100000), SMALL);
    SK_CHECK_EQ(grown(&ts), 0u);
    ts_discard(&ts, TS_MS(21));
    ts_free(&ts);
}

/* No memory for the larger block: counted, the buffer as it was, the next
 * filled window tries again. */
static void test_grow_without_memory(void)
{
    sk_stack_config cfg;
    auto_config(&cfg, 4u * SMALL);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    peer_sends(&ts, TS_MS(20), 0, SMALL);
    ts_discard(&ts, TS_MS(20));
    ts.fail_alloc_min = SMALL + SMALL / 2u; /* the stack's blocks come, a doubled one not */
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(21), 100000), SMALL);
    SK_CHECK_EQ(grown(&ts), 0u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rcvbuf_grow_failed, 1u);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, SMALL);
    ts_discard(&ts, TS_MS(21));
    ts.fail_alloc_min = 0;
    peer_sends(&ts, TS_MS(30), SMALL, SMALL);
    ts_discard(&ts, TS_MS(30));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(31), 100000), SMALL);
    SK_CHECK_EQ(grown(&ts), 1u);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, 2u * SMALL);
    ts_discard(&ts, TS_MS(31));
    ts_free(&ts);
}

/* RFC 7323 §2.2: the scale is fixed by the SYN, so a buffer that may grow
 * offers its ceiling's (64 KiB growing to 1 MiB: 5, not 1); a locked one
 * its own. */
static void test_syn_offers_the_ceilings_scale(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.rcvbuf = 64u * 1024u;
    cfg.rcvbuf_max = 1024u * 1024u;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, TS_PEER_PORT_ACTIVE);
    sk_connect_opts co = {.local_port = TS_US_PORT_ACTIVE, .fixed_isn = true, .isn = TS_US_ISN};
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    TS_EXPECT(&ts, 0, .flags = TS_S, .seq = TS_US_ISN, TS_WIN(65535), TS_MSS(1460), TS_WS(5));
    TS_NOTHING(&ts, 0);
    ts_free(&ts);

    ts_init(&ts, &cfg);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, 64u * 1024u), 0);
    TS_EXPECT(&ts, 0, .flags = TS_S, .seq = TS_US_ISN, TS_WIN(65535), TS_MSS(1460), TS_WS(1));
    TS_NOTHING(&ts, 0);
    ts_free(&ts);

    /* bad ceilings */
    ts_init(&ts, NULL);
    sk_stack *s = NULL;
    sk_stack_config bad = ts.cfg;
    bad.rcvbuf_max = bad.rcvbuf - 1024u;
    SK_CHECK_EQ_I(sk_stack_create(&bad, &s), SK_EINVAL);
    bad.rcvbuf_max = 64u * 1024u * 1024u;
    SK_CHECK_EQ_I(sk_stack_create(&bad, &s), SK_EINVAL);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_grows_when_the_window_is_the_limit);
    SK_RUN(test_grows_with_bytes_ahead_of_a_hole);
    SK_RUN(test_no_growth);
    SK_RUN(test_grow_without_memory);
    SK_RUN(test_syn_offers_the_ceilings_scale);
    return sk_test_finish();
}
