/* tcp_script: the scripted-peer harness (see tcp_script.h). */
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "sk_test.h"
#include "wire/ipv4.h"
#include "wire/seg_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(ts, file, line, ...)                                              \
    do {                                                                       \
        (ts)->fails++;                                                         \
        sk_test_fail(file, line, __VA_ARGS__);                                 \
    } while (0)

static const sk_ip4 US_ADDR = {{10, 0, 0, 2}};
static const sk_ip4 PEER_ADDR = {{10, 0, 0, 1}};

/* ---- counting allocator ---- */

static void *ts_alloc(void *ctx, size_t size)
{
    ts_script *ts = ctx;
    if (ts->fail_alloc_min != 0 && size >= ts->fail_alloc_min)
        return NULL;
    void *p = malloc(size);
    if (p != NULL) {
        ts->live_bytes += size;
        ts->live_blocks++;
    }
    return p;
}

static void ts_release(void *ctx, void *p, size_t size)
{
    ts_script *ts = ctx;
    ts->live_bytes -= size;
    ts->live_blocks--;
    free(p);
}

void ts_config(sk_stack_config *cfg)
{
    sk_stack_config_default(cfg);
    cfg->addr = US_ADDR;
    cfg->prefix_len = 24;
    cfg->seed = 0x5eed;
    cfg->max_sockets = 16;
    /* the scripts are written for the textbook segments: SACK and
     * timestamps are turned on by the tests about them (test_tcp_sack.c,
     * test_tcp_ts.c), which then expect their options */
    cfg->sack = false;
    cfg->timestamps = false;
    /* with SACK on, RFC 5681 §4.2's duplicate ACK per out-of-order segment:
     * SACK compression (the stack's default) has its own tests
     * (test_tcp_sack.c test_sack_compression_*) */
    cfg->sack_compress_nr = 0;
    /* and for RFC 6298's minimum RTO of 1 s (§2.4), which their timings
     * (a retransmission at 1000 ms, not 999) assert; the stack's default is
     * 200 ms (test_tcp_ccconf.c test_min_rto) */
    cfg->rto_min_us = 1000000;
    cfg->rack_tlp = false; /* test_tcp_rack.c turns it on */
    /* the delayed-ACK rule from the first segment: quick ACKs (the stack's
     * default) have their own tests (test_tcp_ackfreq.c test_quick_acks_*,
     * tests/conformance/quick_ack.pkt) */
    cfg->quick_acks = 0;
}

void ts_config_newreno(sk_stack_config *cfg)
{
    ts_config(cfg);
    cfg->congestion_control = "newreno";
    cfg->initial_window_segments = 0;
}

void ts_init(ts_script *ts, const sk_stack_config *cfg)
{
    memset(ts, 0, sizeof *ts);
    if (cfg != NULL)
        ts->cfg = *cfg;
    else
        ts_config(&ts->cfg);
    ts->cfg.alloc.allocate = ts_alloc;
    ts->cfg.alloc.release = ts_release;
    ts->cfg.alloc.ctx = ts;
    ts->peer_mss = 1460;
    ts->peer_ws = -1;
    ts->peer_win = 65535;
    ts->us_isn = TS_US_ISN;
    ts->peer_isn = TS_PEER_ISN;
    ts->q = calloc(TS_QUEUE_CAP, sizeof *ts->q);
    int r = sk_stack_create(&ts->cfg, &ts->s);
    if (r != 0 || ts->q == NULL)
        FAIL(ts, __FILE__, __LINE__, "ts_init: sk_stack_create: %s", sk_errname(r));
}

static void print_seg(const char *prefix, const sk_tcp_repr *h, bool from_us)
{
    char line[256], src[16], dst[16];
    snprintf(src, sizeof src, "%s:%u", from_us ? "us" : "peer", h->src_port);
    snprintf(dst, sizeof dst, "%s:%u", from_us ? "peer" : "us", h->dst_port);
    sk_tcp_seg_str(src, dst, h, line, sizeof line);
    printf("      %s %s\n", prefix, line);
}

static void print_queue(const ts_script *ts)
{
    for (size_t i = 0; i < ts->q_len; i++) {
        const ts_out *o = &ts->q[(ts->q_head + i) % TS_QUEUE_CAP];
        char pre[48];
        snprintf(pre, sizeof pre, "sent at %llu us:", (unsigned long long)o->at);
        print_seg(pre, &o->hdr, true);
    }
}

void ts_free(ts_script *ts)
{
    if (ts->q_len > 0) {
        FAIL(ts, __FILE__, __LINE__, "ts_free: %zu emitted segment(s) never checked",
                     ts->q_len);
        print_queue(ts);
    }
    sk_stack_destroy(ts->s);
    ts->s = NULL;
    if (ts->live_bytes != 0 || ts->live_blocks != 0)
        FAIL(ts, __FILE__, __LINE__, "ts_free: leaked %zu bytes in %zu blocks",
                     ts->live_bytes, ts->live_blocks);
    free(ts->q);
    ts->q = NULL;
}

uint8_t ts_pattern(int stream, uint32_t i)
{
    uint32_t x = (i + (uint32_t)stream * 0x9e3779b9u) * 2654435761u;
    return (uint8_t)(x >> 24);
}

/* ---- time ---- */

static void advance(ts_script *ts, const char *file, int line, sk_time_us t)
{
    if (t < ts->now)
        FAIL(ts, file, line, "time goes back: %llu after %llu", (unsigned long long)t,
                     (unsigned long long)ts->now);
    else
        ts->now = t;
}

/* ---- injecting ---- */

/* SACK-permitted, timestamps and SACK blocks of a test segment. */
static void copy_opts(const ts_seg *seg, sk_tcp_opts *o)
{
    o->sack_permitted = seg->sack_ok;
    o->has_ts = seg->has_ts;
    o->ts_val = seg->tsval;
    o->ts_ecr = seg->tsecr;
    o->n_sack = seg->n_sack <= SK_TCP_MAX_SACK ? seg->n_sack : SK_TCP_MAX_SACK;
    for (uint8_t i = 0; i < o->n_sack; i++) {
        o->sack[i].left = sk_seq_make(seg->sack[i][0]);
        o->sack[i].right = sk_seq_make(seg->sack[i][1]);
    }
}

static void seg_to_repr(const ts_script *ts, const ts_seg *seg, sk_tcp_repr *h, uint8_t *pay)
{
    memset(h, 0, sizeof *h);
    h->src_port = seg->sport != 0 ? seg->sport : ts->rport;
    h->dst_port = seg->dport != 0 ? seg->dport : ts->lport;
    h->seq = sk_seq_make(seg->seq);
    h->ack = sk_seq_make(seg->ack);
    h->flags = seg->flags;
    h->window = seg->has_win ? seg->win : ts->peer_win;
    h->opts.has_mss = seg->has_mss;
    h->opts.mss = seg->mss;
    h->opts.has_wscale = seg->has_ws;
    h->opts.wscale = seg->ws;
    copy_opts(seg, &h->opts);
    h->payload_len = seg->len;
    if (seg->len == 0)
        return;
    if (seg->data != NULL) {
        memcpy(pay, seg->data, seg->len);
    } else {
        uint32_t off = seg->seq - ts->irs - 1u;
        for (uint32_t i = 0; i < seg->len; i++)
            pay[i] = ts_pattern(TS_PEER_STREAM, off + i);
    }
    h->payload = pay;
}

size_t ts_build(const ts_script *ts, const ts_seg *seg, uint8_t *buf, size_t cap)
{
    static uint8_t pay[65536]; /* merged (GRO) segments: up to 64 KiB */
    if (seg->len > sizeof pay)
        return 0;
    sk_tcp_repr h;
    seg_to_repr(ts, seg, &h, pay);
    size_t tcp_len = sk_tcp_hdr_len(&h) + h.payload_len;
    if (SK_IP4_HDR_LEN + tcp_len > cap)
        return 0;
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)(SK_IP4_HDR_LEN + tcp_len);
    ip.df = true;
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_TCP;
    ip.src = PEER_ADDR;
    ip.dst = US_ADDR;
    if (sk_ip4_emit(&ip, buf, cap) != SK_IP4_HDR_LEN)
        return 0;
    if (sk_tcp_emit(&h, buf + SK_IP4_HDR_LEN, cap - SK_IP4_HDR_LEN) != tcp_len)
        return 0;
    sk_tcp_fill_checksum4(PEER_ADDR, US_ADDR, buf + SK_IP4_HDR_LEN, tcp_len);
    return SK_IP4_HDR_LEN + tcp_len;
}

void ts_inject_raw(ts_script *ts, sk_time_us t, const uint8_t *pkt, size_t len)
{
    advance(ts, __FILE__, __LINE__, t);
    sk_stack_input(ts->s, t, pkt, len);
}

void ts_inject_meta(ts_script *ts, sk_time_us t, const uint8_t *pkt, size_t len,
                    const sk_frame_meta *meta)
{
    advance(ts, __FILE__, __LINE__, t);
    sk_stack_input_meta(ts->s, t, pkt, len, meta);
}

size_t ts_output_meta(ts_script *ts, sk_time_us t, uint8_t *buf, size_t cap, sk_frame_meta *meta)
{
    advance(ts, __FILE__, __LINE__, t);
    size_t n = sk_stack_output_meta(ts->s, t, buf, cap, meta);
    sk_ip4_repr ip;
    sk_tcp_repr h;
    if (n > 0 && sk_ip4_parse(buf, n, &ip) == 0 && ip.proto == SK_IPPROTO_TCP &&
        sk_tcp_parse(ip.payload, ip.payload_len, &h) == 0 && h.opts.has_ts)
        ts->us_tsval = h.opts.ts_val;
    return n;
}

void ts_inject_(ts_script *ts, const char *file, int line, sk_time_us t, ts_seg seg)
{
    if (ts->ts_on && !seg.has_ts && !seg.no_ts && !(seg.flags & SK_TCP_RST)) {
        seg.has_ts = true;
        seg.tsval = ts_peer_clock(t);
        seg.tsecr = ts->us_tsval;
    }
    uint8_t pkt[2200];
    size_t n = ts_build(ts, &seg, pkt, sizeof pkt);
    if (n == 0) {
        FAIL(ts, file, line, "TS_INJECT: cannot build the segment");
        return;
    }
    if (ts->q_len > 0) {
        FAIL(ts, file, line, "TS_INJECT at %llu: %zu emitted segment(s) not checked first",
                     (unsigned long long)t, ts->q_len);
        print_queue(ts);
        ts->q_len = 0;
    }
    advance(ts, file, line, t);
    sk_stack_input(ts->s, t, pkt, n);
}

/* ---- draining ---- */

static bool parse_out(ts_out *o, const uint8_t *frame, size_t len)
{
    sk_ip4_repr ip;
    if (sk_ip4_parse(frame, len, &ip) != 0 || ip.proto != SK_IPPROTO_TCP)
        return false;
    o->ip_ok = sk_ip4_eq(ip.src, US_ADDR) && sk_ip4_eq(ip.dst, PEER_ADDR) && ip.df &&
               ip.hdr_len == SK_IP4_HDR_LEN && !ip.mf && ip.frag_off == 0 &&
               sk_tcp_checksum_ok4(ip.src, ip.dst, ip.payload, ip.payload_len);
    if (sk_tcp_parse(ip.payload, ip.payload_len, &o->hdr) != 0)
        return false;
    if (o->hdr.payload_len > sizeof o->data)
        return false;
    if (o->hdr.payload_len > 0)
        memcpy(o->data, o->hdr.payload, o->hdr.payload_len);
    o->hdr.payload = o->data;
    return true;
}

static void drain(ts_script *ts, const char *file, int line, sk_time_us t)
{
    uint8_t frame[9216]; /* room for jumbo MTUs (test_tcp_ccconf.c) */
    for (int guard = 0; guard < 10000; guard++) {
        size_t n = sk_stack_output(ts->s, t, frame, sizeof frame);
        if (n == 0)
            return;
        if (ts->q_len == TS_QUEUE_CAP) {
            FAIL(ts, file, line, "more than %d segments emitted at once", TS_QUEUE_CAP);
            continue;
        }
        ts_out *o = &ts->q[(ts->q_head + ts->q_len) % TS_QUEUE_CAP];
        memset(&o->hdr, 0, sizeof o->hdr);
        o->at = t;
        if (!parse_out(o, frame, n)) {
            FAIL(ts, file, line, "the stack emitted an unparsable frame (%zu bytes)", n);
            continue;
        }
        if (o->hdr.opts.has_ts)
            ts->us_tsval = o->hdr.opts.ts_val;
        ts->q_len++;
    }
    FAIL(ts, file, line, "the stack does not stop emitting at %llu", (unsigned long long)t);
}

/* Queued segments from an earlier time were never checked: report them. */
static void check_stale(ts_script *ts, const char *file, int line, sk_time_us t)
{
    if (ts->q_len == 0 || ts->q[ts->q_head].at == t)
        return;
    FAIL(ts, file, line, "%zu segment(s) emitted earlier were never checked", ts->q_len);
    print_queue(ts);
    ts->q_len = 0;
}

static ts_out *pop(ts_script *ts)
{
    ts_out *o = &ts->q[ts->q_head];
    ts->q_head = (ts->q_head + 1) % TS_QUEUE_CAP;
    ts->q_len--;
    return o;
}

const ts_out *ts_next(ts_script *ts, sk_time_us t)
{
    advance(ts, __FILE__, __LINE__, t);
    check_stale(ts, __FILE__, __LINE__, t);
    if (ts->q_len == 0)
        drain(ts, __FILE__, __LINE__, t);
    return ts->q_len == 0 ? NULL : pop(ts);
}

size_t ts_discard(ts_script *ts, sk_time_us t)
{
    advance(ts, __FILE__, __LINE__, t);
    size_t n = ts->q_len;
    ts->q_len = 0;
    drain(ts, __FILE__, __LINE__, t);
    n += ts->q_len;
    ts->q_len = 0;
    return n;
}

/* ---- comparing ---- */

/* The expected segment as a header, for printing; fields the test does not
 * check are copied from what was sent so they do not look like differences. */
static void expected_repr(const ts_script *ts, const ts_seg *want, const sk_tcp_repr *got,
                          sk_tcp_repr *h)
{
    bool auto_ts = ts->ts_on && !want->has_ts && !want->no_ts && !(want->flags & SK_TCP_RST);
    memset(h, 0, sizeof *h);
    h->src_port = want->sport != 0 ? want->sport : ts->lport;
    h->dst_port = want->dport != 0 ? want->dport : ts->rport;
    h->seq = sk_seq_make(want->seq);
    h->ack = sk_seq_make(want->ack);
    h->flags = want->flags;
    if (!want->check_psh && got != NULL)
        h->flags = (uint8_t)((h->flags & ~SK_TCP_PSH) | (got->flags & SK_TCP_PSH));
    h->window = want->has_win || got == NULL ? want->win : got->window;
    h->opts.has_mss = want->has_mss;
    h->opts.mss = want->mss;
    h->opts.has_wscale = want->has_ws;
    h->opts.wscale = want->ws;
    copy_opts(want, &h->opts);
    if (auto_ts) { /* present, values not checked */
        h->opts.has_ts = true;
        h->opts.ts_val = got != NULL ? got->opts.ts_val : 0;
        h->opts.ts_ecr = got != NULL ? got->opts.ts_ecr : 0;
    }
    h->payload_len = want->len;
}

static bool payload_ok(const ts_script *ts, const ts_seg *want, const sk_tcp_repr *got,
                       char *why, size_t cap)
{
    for (uint32_t i = 0; i < want->len; i++) {
        uint8_t w = want->data != NULL ? ((const uint8_t *)want->data)[i]
                                       : ts_pattern(TS_US_STREAM, want->seq - ts->iss - 1u + i);
        if (got->payload[i] != w) {
            snprintf(why, cap, "payload byte %u is 0x%02x, want 0x%02x", i, got->payload[i], w);
            return false;
        }
    }
    return true;
}

static bool sack_equal(const sk_tcp_opts *a, const sk_tcp_opts *b)
{
    for (uint8_t i = 0; i < a->n_sack && i < b->n_sack; i++)
        if (!sk_seq_eq(a->sack[i].left, b->sack[i].left) ||
            !sk_seq_eq(a->sack[i].right, b->sack[i].right))
            return false;
    return true;
}

static bool opts_equal(const sk_tcp_opts *a, const sk_tcp_opts *b)
{
    return a->has_mss == b->has_mss && (!a->has_mss || a->mss == b->mss) &&
           a->has_wscale == b->has_wscale && (!a->has_wscale || a->wscale == b->wscale) &&
           a->sack_permitted == b->sack_permitted && a->has_ts == b->has_ts &&
           (!a->has_ts || (a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr)) &&
           a->n_sack == b->n_sack && sack_equal(a, b) && !b->malformed;
}

static const char *first_difference(const ts_script *ts, const ts_seg *want, const ts_out *o,
                                    const sk_tcp_repr *w, char *why, size_t cap)
{
    const sk_tcp_repr *g = &o->hdr;
    uint8_t mask = want->check_psh ? 0xff : (uint8_t)~SK_TCP_PSH;
    if (!o->ip_ok)
        return "IPv4 header or TCP checksum";
    if (g->src_port != w->src_port || g->dst_port != w->dst_port)
        return "ports";
    if ((g->flags & mask) != (w->flags & mask))
        return "flags";
    if (g->seq.v != w->seq.v)
        return "seq";
    if ((w->flags & SK_TCP_ACK) && g->ack.v != w->ack.v)
        return "ack";
    if (g->payload_len != w->payload_len)
        return "len";
    if (want->has_win && g->window != w->window)
        return "window";
    if (!opts_equal(&w->opts, &g->opts))
        return "options";
    if (!payload_ok(ts, want, g, why, cap))
        return why;
    return NULL;
}

void ts_expect_(ts_script *ts, const char *file, int line, sk_time_us t, ts_seg want)
{
    advance(ts, file, line, t);
    check_stale(ts, file, line, t);
    if (ts->q_len == 0)
        drain(ts, file, line, t);
    sk_tcp_repr w;
    if (ts->q_len == 0) {
        expected_repr(ts, &want, NULL, &w);
        FAIL(ts, file, line, "at %llu us: nothing was sent", (unsigned long long)t);
        print_seg("want:", &w, true);
        return;
    }
    const ts_out *o = pop(ts);
    expected_repr(ts, &want, &o->hdr, &w);
    char why[96];
    const char *diff = first_difference(ts, &want, o, &w, why, sizeof why);
    if (diff == NULL)
        return;
    FAIL(ts, file, line, "at %llu us: segment differs (%s)", (unsigned long long)t, diff);
    print_seg("got: ", &o->hdr, true);
    print_seg("want:", &w, true);
}

void ts_nothing_(ts_script *ts, const char *file, int line, sk_time_us t)
{
    advance(ts, file, line, t);
    check_stale(ts, file, line, t);
    drain(ts, file, line, t);
    if (ts->q_len == 0)
        return;
    FAIL(ts, file, line, "at %llu us: expected nothing, %zu segment(s) sent",
                 (unsigned long long)t, ts->q_len);
    print_queue(ts);
    ts->q_len = 0;
}

/* ---- connections ---- */

static ts_seg peer_syn_opts(const ts_script *ts, sk_time_us t, ts_seg s)
{
    s.sack_ok = ts->peer_sack;
    if (ts->peer_ts) {
        s.has_ts = true;
        s.tsval = ts_peer_clock(t);
        s.tsecr = (s.flags & SK_TCP_ACK) ? ts->us_tsval : 0;
    }
    if (ts->peer_mss != 0) {
        s.has_mss = true;
        s.mss = ts->peer_mss;
    }
    if (ts->peer_ws >= 0) {
        s.has_ws = true;
        s.ws = (uint8_t)ts->peer_ws;
    }
    return s;
}

/* The window scale we announce: the smallest shift that covers rcvbuf, or
 * the buffer's auto-tuning ceiling (cfg.rcvbuf_max) when it may grow. */
static uint8_t our_ws(const ts_script *ts)
{
    uint32_t b = ts->cfg.rcvbuf_max > ts->cfg.rcvbuf ? ts->cfg.rcvbuf_max : ts->cfg.rcvbuf;
    uint8_t ws = 0;
    while (ws < 14 && ((uint32_t)65535 << ws) < b)
        ws++;
    return ws;
}

static uint16_t our_mss(const ts_script *ts)
{
    return (uint16_t)(ts->cfg.mtu - 40);
}

static uint16_t syn_win(const ts_script *ts)
{
    return (uint16_t)(ts->cfg.rcvbuf > 65535 ? 65535 : ts->cfg.rcvbuf);
}

bool ts_connect_syn(ts_script *ts, sk_time_us t)
{
    int fails = ts->fails;
    ts->lport = TS_US_PORT_ACTIVE;
    ts->rport = TS_PEER_PORT_ACTIVE;
    ts->iss = ts->us_isn;
    ts->irs = ts->peer_isn;
    sk_endpoint peer = {sk_ipaddr_from_ip4(PEER_ADDR), TS_PEER_PORT_ACTIVE};
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, true, ts->us_isn};
    int r = sk_tcp_connect(ts->s, t, &peer, &co, &ts->sock);
    if (r != 0) {
        FAIL(ts, __FILE__, __LINE__, "sk_tcp_connect: %s", sk_errname(r));
        return false;
    }
    bool ws = ts->cfg.window_scaling;
    bool tso = ts->cfg.timestamps;
    ts->ts_on = false;
    TS_EXPECT(ts, t, .flags = TS_S, .seq = ts->us_isn, TS_WIN(syn_win(ts)), TS_MSS(our_mss(ts)),
              .has_ws = ws, .ws = ws ? our_ws(ts) : 0, .sack_ok = ts->cfg.sack, .has_ts = tso,
              .tsval = tso ? ts_us_clock(ts, t) : 0, .tsecr = 0);
    return ts->fails == fails;
}

bool ts_open_active(ts_script *ts, sk_time_us t, sk_time_us rtt)
{
    int fails = ts->fails;
    if (!ts_connect_syn(ts, t))
        return false;
    bool tso = ts->cfg.timestamps;
    ts_inject_(ts, __FILE__, __LINE__, t + rtt,
               peer_syn_opts(ts, t + rtt,
                             (ts_seg){.flags = TS_SA, .seq = ts->peer_isn, .ack = ts->us_isn + 1}));
    ts->ts_on = tso && ts->peer_ts;
    TS_EXPECT(ts, t + rtt, .flags = TS_A, .seq = ts->us_isn + 1, .ack = ts->peer_isn + 1);
    TS_NOTHING(ts, t + rtt);
    if (ts_state(ts) != SK_TCP_ESTABLISHED)
        FAIL(ts, __FILE__, __LINE__, "ts_open_active: state %s",
                     sk_tcp_state_name(ts_state(ts)));
    return ts->fails == fails;
}

bool ts_listen(ts_script *ts, int backlog)
{
    sk_listen_opts lo = {backlog, 0, true, ts->us_isn};
    int r = sk_tcp_listen(ts->s, TS_US_PORT_PASSIVE, &lo, &ts->listener);
    if (r != 0)
        FAIL(ts, __FILE__, __LINE__, "sk_tcp_listen: %s", sk_errname(r));
    return r == 0;
}

sk_endpoint ts_endpoint(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    sk_endpoint e;
    memset(&e, 0, sizeof e);
    e.addr = sk_ipaddr_from_ip4(sk_ip4_make(a, b, c, d));
    e.port = port;
    return e;
}

bool ts_open_passive(ts_script *ts, sk_time_us t, sk_time_us rtt)
{
    int fails = ts->fails;
    ts->lport = TS_US_PORT_PASSIVE;
    ts->rport = TS_PEER_PORT_PASSIVE;
    ts->iss = ts->us_isn;
    ts->irs = ts->peer_isn;
    if (ts->listener.idx == 0 && !ts_listen(ts, 0))
        return false;
    ts->ts_on = false;
    ts_inject_(ts, __FILE__, __LINE__, t,
               peer_syn_opts(ts, t, (ts_seg){.flags = TS_S, .seq = ts->peer_isn}));
    bool ws = ts->cfg.window_scaling && ts->peer_ws >= 0;
    ts->ts_on = ts->cfg.timestamps && ts->peer_ts; /* SYN,ACK values: test_tcp_ts.c */
    TS_EXPECT(ts, t, .flags = TS_SA, .seq = ts->us_isn, .ack = ts->peer_isn + 1,
              TS_WIN(syn_win(ts)), TS_MSS(our_mss(ts)), .has_ws = ws, .ws = ws ? our_ws(ts) : 0,
              .sack_ok = ts->cfg.sack && ts->peer_sack);
    TS_NOTHING(ts, t);
    TS_INJECT(ts, t + rtt, .flags = TS_A, .seq = ts->peer_isn + 1, .ack = ts->us_isn + 1);
    TS_NOTHING(ts, t + rtt);
    int r = sk_tcp_accept(ts->s, ts->listener, &ts->sock, NULL);
    if (r != 0)
        FAIL(ts, __FILE__, __LINE__, "sk_tcp_accept: %s", sk_errname(r));
    else if (ts_state(ts) != SK_TCP_ESTABLISHED)
        FAIL(ts, __FILE__, __LINE__, "ts_open_passive: state %s",
                     sk_tcp_state_name(ts_state(ts)));
    return ts->fails == fails;
}

/* ---- application ---- */

ptrdiff_t ts_send(ts_script *ts, sk_time_us t, size_t n)
{
    advance(ts, __FILE__, __LINE__, t);
    uint8_t *buf = malloc(n > 0 ? n : 1);
    if (buf == NULL)
        return SK_ENOMEM;
    for (size_t i = 0; i < n; i++)
        buf[i] = ts_pattern(TS_US_STREAM, ts->sent + (uint32_t)i);
    ptrdiff_t r = sk_tcp_send(ts->s, t, ts->sock, buf, n);
    if (r > 0)
        ts->sent += (uint32_t)r;
    free(buf);
    return r;
}

ptrdiff_t ts_recv_(ts_script *ts, const char *file, int line, sk_time_us t, size_t n)
{
    advance(ts, file, line, t);
    uint8_t *buf = malloc(n > 0 ? n : 1);
    if (buf == NULL)
        return SK_ENOMEM;
    ptrdiff_t r = sk_tcp_recv(ts->s, t, ts->sock, buf, n);
    for (ptrdiff_t i = 0; i < r; i++) {
        uint8_t w = ts_pattern(TS_PEER_STREAM, ts->read + (uint32_t)i);
        if (buf[i] != w) {
            FAIL(ts, file, line, "ts_recv: stream byte %u is 0x%02x, want 0x%02x",
                         ts->read + (uint32_t)i, buf[i], w);
            break;
        }
    }
    if (r > 0)
        ts->read += (uint32_t)r;
    free(buf);
    return r;
}

uint32_t ts_us_clock(const ts_script *ts, sk_time_us t)
{
    const sk_tcb *tcb = sk_stack_tcb(ts->s, ts->sock);
    return tcb != NULL ? sk_ts_now(tcb, t) : 0;
}

sk_tcp_info ts_info(const ts_script *ts)
{
    sk_tcp_info info;
    memset(&info, 0, sizeof info);
    int r = sk_tcp_get_info(ts->s, ts->sock, &info);
    if (r != 0)
        info.state = SK_TCP_CLOSED;
    return info;
}

enum sk_tcp_state ts_state(const ts_script *ts)
{
    return ts_info(ts).state;
}

static size_t index_bytes(const sk_recpool *p)
{
    return p->slot == NULL ? 0 : sizeof(uint32_t) * ((size_t)p->mask + 1);
}

size_t ts_pool_index_bytes(const ts_script *ts)
{
    return index_bytes(&ts->s->env.ho.pool) + index_bytes(&ts->s->env.tw.pool);
}

size_t ts_pool_index_blocks(const ts_script *ts)
{
    return (size_t)(ts->s->env.ho.pool.slot != NULL) + (size_t)(ts->s->env.tw.pool.slot != NULL);
}

uint64_t ts_drops(const ts_script *ts, int reason)
{
    return sk_stack_stats(ts->s)->drop[reason];
}
