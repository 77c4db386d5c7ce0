/* Zero-copy send and receive (sk_tcp_send_fill, sk_tcp_recv_view; stack.h)
 * and the room a send would find (sk_tcp_send_space)
 * in virtual time, on a stack whose buffers are 4 KiB so that the free
 * space and the received bytes wrap: the callbacks get the spans in stream
 * order, what fill writes goes on the wire byte for byte, what view consumes
 * is gone and opens the window as a read does, a short callback ends the
 * call, and misuse returns the documented errors without calling back. */
#include "sk_test.h"
#include "tcp_script.h"

#include <string.h>

#define BUF 4096u

static void small_buffers(sk_stack_config *cfg)
{
    ts_config(cfg);
    cfg->sndbuf = BUF;
    cfg->rcvbuf = BUF;
}

/* ---- fill: writes our stream's pattern, at most `limit` bytes a call ---- */

typedef struct {
    ts_script *ts;
    size_t limit;     /* most bytes written per call */
    int calls;
    size_t caps[4];   /* the cap of each call */
    uint8_t *spans[4];
} filler;

static size_t fill_pattern(void *ctx, uint8_t *buf, size_t cap)
{
    filler *f = ctx;
    if (f->calls < 4) {
        f->caps[f->calls] = cap;
        f->spans[f->calls] = buf;
    }
    f->calls++;
    size_t n = cap < f->limit ? cap : f->limit;
    for (size_t i = 0; i < n; i++)
        buf[i] = ts_pattern(TS_US_STREAM, f->ts->sent + (uint32_t)i);
    f->ts->sent += (uint32_t)n; /* TS_EXPECT checks the pattern */
    return n;
}

static void test_fill_goes_on_the_wire(void)
{
    sk_stack_config cfg;
    small_buffers(&cfg);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_NODELAY, 1), 0);

    /* the whole free space is one span: a short fill (3000) ends the call */
    SK_CHECK_EQ_I(sk_tcp_send_space(ts.s, ts.sock), BUF);
    filler f = {.ts = &ts, .limit = 3000};
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(20), ts.sock, fill_pattern, &f), 3000);
    SK_CHECK_EQ_I(sk_tcp_send_space(ts.s, ts.sock), BUF - 3000);
    SK_CHECK_EQ(f.calls, 1);
    SK_CHECK_EQ(f.caps[0], BUF);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 2461, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_PA, .seq = 3921, .ack = 5001, .len = 80);
    TS_NOTHING(&ts, TS_MS(20));

    /* 2000 acknowledged: 1000 held from 2000, so the free space wraps,
     * 1096 bytes to the block's end, then 2000 from its start */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 3001);
    f = (filler){.ts = &ts, .limit = BUF};
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(30), ts.sock, fill_pattern, &f), 3096);
    SK_CHECK_EQ(f.calls, 2);
    SK_CHECK_EQ(f.caps[0], 1096u);
    SK_CHECK_EQ(f.caps[1], 2000u);
    SK_CHECK(f.spans[1] + BUF == f.spans[0] + f.caps[0]); /* the block's start */
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_A, .seq = 4001, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5461, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_PA, .seq = 6921, .ack = 5001, .len = 176);
    TS_NOTHING(&ts, TS_MS(30));

    /* full: no space, SK_EAGAIN, fill not called, and not writable */
    SK_CHECK_EQ_I(sk_tcp_send_space(ts.s, ts.sock), 0);
    f = (filler){.ts = &ts, .limit = BUF};
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(31), ts.sock, fill_pattern, &f), SK_EAGAIN);
    SK_CHECK_EQ(f.calls, 0);
    SK_CHECK_EQ(sk_sock_events(ts.s, ts.sock) & SK_EV_WRITABLE, 0);

    /* room again: a fill that writes nothing queues nothing and sends nothing */
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 7097);
    f = (filler){.ts = &ts, .limit = 0};
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(40), ts.sock, fill_pattern, &f), 0);
    SK_CHECK_EQ(f.calls, 1);
    SK_CHECK_EQ(ts_info(&ts).unacked, 0);
    TS_NOTHING(&ts, TS_MS(40));

    /* and sk_tcp_send and fill share one stream */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(50), 10), 10);
    f = (filler){.ts = &ts, .limit = 20};
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(50), ts.sock, fill_pattern, &f), 20);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_PA, .seq = 7097, .ack = 5001, .len = 30);
    TS_NOTHING(&ts, TS_MS(50));
    ts_free(&ts);
}

/* The connection's limit (SK_SO_SNDBUF), not the block, bounds the spans. */
static void test_fill_within_the_limit(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_SNDBUF, 2048), 0);
    filler f = {.ts = &ts, .limit = 1u << 20};
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(20), ts.sock, fill_pattern, &f), 2048);
    SK_CHECK_EQ(f.calls, 1);
    SK_CHECK_EQ(f.caps[0], 2048u);
    SK_CHECK_EQ_I(sk_tcp_send_space(ts.s, ts.sock), 0);
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(20), ts.sock, fill_pattern, &f), SK_EAGAIN);
    SK_CHECK_EQ(f.calls, 1);
    ts_discard(&ts, TS_MS(20));
    ts_free(&ts);
}

static size_t fill_never(void *ctx, uint8_t *buf, size_t cap)
{
    (void)buf;
    (void)cap;
    (*(int *)ctx)++;
    return 0;
}

static size_t view_never(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    (*(int *)ctx)++;
    return 0;
}

static void test_misuse(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    int calls = 0;
    sk_sock zero = {0, 0};
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, 0, zero, fill_never, &calls), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_send_space(ts.s, zero), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_send_space(NULL, zero), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, 0, zero, view_never, &calls), SK_EBADHANDLE);
    SK_CHECK(ts_listen(&ts, 0));
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, 0, ts.listener, fill_never, &calls), SK_ENOTCONN);
    SK_CHECK_EQ_I(sk_tcp_send_space(ts.s, ts.listener), SK_ENOTCONN);
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, 0, ts.listener, view_never, &calls), SK_ENOTCONN);
    SK_CHECK(ts_open_passive(&ts, TS_MS(1), TS_MS(10)));
    SK_CHECK_EQ_I(sk_tcp_send_fill(NULL, TS_MS(20), ts.sock, fill_never, &calls), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(20), ts.sock, NULL, &calls), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_recv_view(NULL, TS_MS(20), ts.sock, view_never, &calls), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, TS_MS(20), ts.sock, NULL, &calls), SK_EINVAL);
    /* nothing received yet: SK_EAGAIN without a call */
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, TS_MS(20), ts.sock, view_never, &calls), SK_EAGAIN);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(21), ts.sock), 0);
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(21), ts.sock, fill_never, &calls), SK_ESHUTDOWN);
    SK_CHECK_EQ_I(sk_tcp_send_space(ts.s, ts.sock), SK_ESHUTDOWN);
    SK_CHECK_EQ(calls, 0);
    TS_EXPECT(&ts, TS_MS(21), .flags = TS_FA, .seq = 1001, .ack = 5001);
    /* a reset connection reports its error */
    TS_INJECT(&ts, TS_MS(22), .flags = TS_R, .seq = 5001);
    SK_CHECK_EQ_I(sk_tcp_send_fill(ts.s, TS_MS(22), ts.sock, fill_never, &calls),
                  SK_ECONNRESET);
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, TS_MS(22), ts.sock, view_never, &calls),
                  SK_ECONNRESET);
    SK_CHECK_EQ(calls, 0);
    ts_free(&ts);
}

/* ---- view: checks the peer's stream, consumes at most `limit` a call ---- */

typedef struct {
    ts_script *ts;
    size_t limit;
    int calls;
    size_t lens[4];
    int bad; /* bytes that were not the peer's stream */
} viewer;

static size_t view_check(void *ctx, const uint8_t *data, size_t len)
{
    viewer *v = ctx;
    if (v->calls < 4)
        v->lens[v->calls] = len;
    v->calls++;
    size_t n = len < v->limit ? len : v->limit;
    for (size_t i = 0; i < len; i++) /* the whole span, consumed or not */
        v->bad += data[i] != ts_pattern(TS_PEER_STREAM, v->ts->read + (uint32_t)i);
    v->ts->read += (uint32_t)n;
    return n;
}

static void test_view_reads_in_place(void)
{
    sk_stack_config cfg;
    small_buffers(&cfg);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1460);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 6461, .ack = 1001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 7921);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_PA, .seq = 7921, .ack = 1001, .len = 80);
    ts_discard(&ts, TS_MS(20)); /* the ACK of the pushed tail, if any */
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_READABLE);

    /* a short view (2000 of the 3000) ends the call; the rest stays */
    viewer v = {.ts = &ts, .limit = 2000};
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, TS_MS(21), ts.sock, view_check, &v), 2000);
    SK_CHECK_EQ(v.calls, 1);
    SK_CHECK_EQ(v.lens[0], 3000u);
    SK_CHECK_EQ(v.bad, 0);
    /* the window (1096) was under one MSS and may now move by more than
     * one (RFC 9293 §3.8.6.2.2): the read announces 4096 - 1000 */
    TS_EXPECT(&ts, TS_MS(21), .flags = TS_A, .seq = 1001, .ack = 8001, TS_WIN(3096));
    TS_NOTHING(&ts, TS_MS(21));
    /* a view that takes nothing: SK_EAGAIN, the bytes wait */
    v = (viewer){.ts = &ts, .limit = 0};
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, TS_MS(21), ts.sock, view_check, &v), SK_EAGAIN);
    SK_CHECK_EQ(v.calls, 1);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_READABLE);
    TS_NOTHING(&ts, TS_MS(21));

    /* 3096 more fill the block: it holds bytes 2000..6095 of the stream,
     * from offset 2000 to its end (2096) and from its start (2000) */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 8001, .ack = 1001, .len = 1460);
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 9461, .ack = 1001, .len = 1460);
    TS_INJECT(&ts, TS_MS(30), .flags = TS_PA, .seq = 10921, .ack = 1001, .len = 176);
    ts_discard(&ts, TS_MS(30)); /* the ACKs of the data (not under test) */
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 11097u);
    v = (viewer){.ts = &ts, .limit = BUF};
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, TS_MS(31), ts.sock, view_check, &v), 4096);
    SK_CHECK_EQ(v.calls, 2);
    SK_CHECK_EQ(v.lens[0], 2096u);
    SK_CHECK_EQ(v.lens[1], 2000u);
    SK_CHECK_EQ(v.bad, 0);
    SK_CHECK_EQ(ts.read, 6096u);
    /* the window was closed: the read announces the whole buffer */
    TS_EXPECT(&ts, TS_MS(31), .flags = TS_A, .seq = 1001, .ack = 11097, TS_WIN(BUF));
    TS_NOTHING(&ts, TS_MS(31));
    /* nothing ready: SK_EAGAIN without a call */
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, TS_MS(32), ts.sock, view_check, &v), SK_EAGAIN);
    SK_CHECK_EQ(v.calls, 2);

    /* and sk_tcp_recv reads the same stream on */
    TS_INJECT(&ts, TS_MS(40), .flags = TS_PA, .seq = 11097, .ack = 1001, .len = 10);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(41), 4), 4);
    v = (viewer){.ts = &ts, .limit = BUF};
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, TS_MS(41), ts.sock, view_check, &v), 6);
    SK_CHECK_EQ(v.bad, 0);

    /* end of stream: 0, without a call */
    TS_INJECT(&ts, TS_MS(50), .flags = TS_FA, .seq = 11107, .ack = 1001);
    v = (viewer){.ts = &ts, .limit = BUF};
    SK_CHECK_EQ_I(sk_tcp_recv_view(ts.s, TS_MS(51), ts.sock, view_check, &v), 0);
    SK_CHECK_EQ(v.calls, 0);
    ts_discard(&ts, TS_MS(51));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_fill_goes_on_the_wire);
    SK_RUN(test_fill_within_the_limit);
    SK_RUN(test_misuse);
    SK_RUN(test_view_reads_in_place);
    return sk_test_finish();
}
