/* Send buffer auto-tuning (cfg.sndbuf_max; tcp_bufs.c) in virtual time: a
 * connection whose only limit is its send buffer doubles it at an ACK, up
 * to the ceiling, and the stream goes on byte for byte from the larger
 * block; an application-limited, a window-limited, a closing and a locked
 * (SK_SO_SNDBUF) connection never grow; a failed allocation leaves the
 * buffer as it was and is counted; a grown block unused for a second goes
 * back to the allocator (the harness counts every byte) and a bad ceiling
 * is refused. */
#include "sk_test.h"
#include "tcp_script.h"

#define SMALL 8192u

static void auto_config(sk_stack_config *cfg, uint32_t max)
{
    ts_config(cfg);
    cfg->sndbuf = SMALL;
    cfg->sndbuf_max = max;
    cfg->initial_window_segments = 40; /* cwnd is never the limit here */
}

static void open_nodelay(ts_script *ts, const sk_stack_config *cfg)
{
    ts_init(ts, cfg);
    SK_CHECK(ts_open_active(ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_NODELAY, 1), 0);
}

/* Everything the stack sends at t: payload bytes, each checked against
 * our stream (ts_send's pattern at its sequence number). */
static uint32_t drain_data(ts_script *ts, sk_time_us t)
{
    uint32_t bytes = 0;
    const ts_out *o;
    while ((o = ts_next(ts, t)) != NULL) {
        uint32_t off = o->hdr.seq.v - ts->iss - 1u;
        for (uint32_t i = 0; i < o->hdr.payload_len; i++)
            if (o->hdr.payload[i] != ts_pattern(TS_US_STREAM, off + i)) {
                SK_CHECK_EQ(o->hdr.payload[i], ts_pattern(TS_US_STREAM, off + i)); /* the stream's */
                break;
            }
        bytes += (uint32_t)o->hdr.payload_len;
    }
    return bytes;
}

static uint64_t grown(const ts_script *ts)
{
    return sk_stack_stats(ts->s)->sndbuf_grown;
}

/* The buffer full, all of it in flight, both windows larger: each ACK
 * that finds it so doubles it, up to the ceiling (8 -> 16 -> 32 KiB). */
static void test_grows_when_the_buffer_is_the_limit(void)
{
    sk_stack_config cfg;
    auto_config(&cfg, 4u * SMALL);
    ts_script ts;
    open_nodelay(&ts, &cfg);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, SMALL);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), 100000), SMALL);
    SK_CHECK_EQ(drain_data(&ts, TS_MS(20)), SMALL); /* the initial window, 10 MSS, holds it */
    size_t live_small = ts.live_bytes;
    /* the first ACK: the buffer was the limit; it doubles */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460);
    SK_CHECK_EQ(grown(&ts), 1u);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, 2u * SMALL);
    SK_CHECK(ts.live_bytes > live_small); /* a larger block, the small one cached */
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_WRITABLE);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(30), 100000), 2u * SMALL - (SMALL - 1460u));
    SK_CHECK_EQ(drain_data(&ts, TS_MS(30)), 2u * SMALL - (SMALL - 1460u));
    SK_CHECK_EQ(ts_info(&ts).unacked, 2u * SMALL);
    /* again: 32 KiB, the ceiling */
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 1001 + SMALL);
    SK_CHECK_EQ(grown(&ts), 2u);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, 4u * SMALL);
    uint32_t held = ts.sent - SMALL;
    uint32_t more = (uint32_t)ts_send(&ts, TS_MS(40), 100000);
    SK_CHECK_EQ(more, 4u * SMALL - held);
    SK_CHECK_EQ(drain_data(&ts, TS_MS(40)), more);
    /* at the ceiling it stays */
    TS_INJECT(&ts, TS_MS(50), .flags = TS_A, .seq = 5001, .ack = 1001 + 2u * SMALL);
    SK_CHECK_EQ(grown(&ts), 2u);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, 4u * SMALL);
    /* everything acknowledged: the grown block waits in the cache of grown
     * blocks, for this connection's next write; unused for a second, it
     * goes back to the allocator (a cached block of the stack's size may
     * stay, as before) */
    drain_data(&ts, TS_MS(50));
    TS_INJECT(&ts, TS_MS(60), .flags = TS_A, .seq = 5001, .ack = 1001 + ts.sent);
    SK_CHECK_EQ(ts_info(&ts).unacked, 0u);
    SK_CHECK(ts.live_bytes > live_small);
    ts_discard(&ts, TS_MS(60) + TS_SEC(1) + 1);
    ts_discard(&ts, TS_MS(60) + TS_SEC(2) + 2);
    SK_CHECK(ts.live_bytes <= live_small);
    ts_free(&ts); /* fails on any byte not given back */
}

/* Not the buffer's doing, or not allowed: no growth. */
static void test_no_growth(void)
{
    sk_stack_config cfg;
    auto_config(&cfg, 4u * SMALL);
    ts_script ts;

    /* application-limited: the buffer under three quarters full */
    open_nodelay(&ts, &cfg);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), SMALL / 2u), SMALL / 2u);
    drain_data(&ts, TS_MS(20));
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460);
    SK_CHECK_EQ(grown(&ts), 0u);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, SMALL);
    ts_free(&ts);

    /* the peer's window is the limit: bytes wait unsent */
    open_nodelay(&ts, &cfg);
    TS_INJECT(&ts, TS_MS(15), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(4380));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), SMALL), SMALL);
    SK_CHECK_EQ(drain_data(&ts, TS_MS(20)), 4380u);
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460, TS_WIN(4380));
    SK_CHECK_EQ(grown(&ts), 0u);
    ts_discard(&ts, TS_MS(30));
    ts_free(&ts);

    /* bytes not sent yet (written after the last output): the buffer has
     * not been the limit, whatever the windows say */
    open_nodelay(&ts, &cfg);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), SMALL / 2u), SMALL / 2u);
    drain_data(&ts, TS_MS(20));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(25), SMALL), SMALL / 2u);
    TS_INJECT(&ts, TS_MS(25), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460);
    SK_CHECK_EQ(grown(&ts), 0u);
    SK_CHECK_EQ(drain_data(&ts, TS_MS(25)), SMALL / 2u);
    ts_free(&ts);

    /* the application set SK_SO_SNDBUF: locked, as Linux's SOCK_SNDBUF_LOCK */
    open_nodelay(&ts, &cfg);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_SNDBUF, SMALL), 0);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), SMALL), SMALL);
    drain_data(&ts, TS_MS(20));
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460);
    SK_CHECK_EQ(grown(&ts), 0u);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, SMALL);
    ts_free(&ts);

    /* closing: the FIN is queued after the bytes, nothing more will come */
    open_nodelay(&ts, &cfg);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), SMALL), SMALL);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(20), ts.sock), 0);
    drain_data(&ts, TS_MS(20));
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460);
    SK_CHECK_EQ(grown(&ts), 0u);
    ts_discard(&ts, TS_MS(30));
    ts_free(&ts);

    /* off (sndbuf_max 0, the library's default) */
    auto_config(&cfg, 0);
    open_nodelay(&ts, &cfg);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), SMALL), SMALL);
    drain_data(&ts, TS_MS(20));
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460);
    SK_CHECK_EQ(grown(&ts), 0u);
    ts_free(&ts);
}

/* No memory for the larger block: counted, the buffer and the stream as
 * they were, and the next ACK tries again. */
static void test_grow_without_memory(void)
{
    sk_stack_config cfg;
    auto_config(&cfg, 4u * SMALL);
    ts_script ts;
    open_nodelay(&ts, &cfg);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), SMALL), SMALL);
    SK_CHECK_EQ(drain_data(&ts, TS_MS(20)), SMALL);
    ts.fail_alloc_min = SMALL + SMALL / 2u; /* the stack's blocks still come, a doubled one not */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460);
    SK_CHECK_EQ(grown(&ts), 0u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sndbuf_grow_failed, 1u);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, SMALL);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(30), 100000), 1460);
    SK_CHECK_EQ(drain_data(&ts, TS_MS(30)), 1460u);
    /* memory again: the next ACK that finds the buffer the limit grows it */
    ts.fail_alloc_min = 0;
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 1001 + 2920);
    SK_CHECK_EQ(grown(&ts), 1u);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, 2u * SMALL);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(40), 100000), SMALL + 1460);
    SK_CHECK_EQ(drain_data(&ts, TS_MS(40)), SMALL + 1460u);
    ts_free(&ts);
}

static void test_bad_ceiling(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_stack *s = NULL;
    sk_stack_config cfg = ts.cfg; /* with the harness's allocator */
    cfg.sndbuf = SMALL;
    cfg.sndbuf_max = SMALL - 1024u; /* under the stack's size */
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.sndbuf_max = 64u * 1024u * 1024u; /* over 64 MiB - 1 KiB */
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.sndbuf_max = 64u * 1024u * 1024u - 1024u;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    cfg.sndbuf_max = SMALL; /* equal: off */
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_grows_when_the_buffer_is_the_limit);
    SK_RUN(test_no_growth);
    SK_RUN(test_grow_without_memory);
    SK_RUN(test_bad_ceiling);
    return sk_test_finish();
}
