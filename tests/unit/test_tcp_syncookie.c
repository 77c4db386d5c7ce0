/* SYN cookies (RFC 4987 §3.6, tcp_syncookie.c) and the listener under load
 * (tcp_listen.c, RFC 9293 §3.10.7.2-3): the cookie's arithmetic for every
 * MSS table entry and option combination in both families, its expiry, a
 * forged cookie ACK, a cookie connection carrying data both ways with its
 * options, a flood that leaves the port usable, the table-full paths, the
 * half-open eviction without cookies, accept-queue overflow in both modes,
 * the SYN,ACK backoff schedule, and a listener's close touching only its
 * own children. */
#include "sk_test.h"
#include "tcp_script.h"
#include "api/stack_impl.h"

#include <string.h>

#define US_PORT TS_US_PORT_PASSIVE

static void cookie_config(sk_stack_config *cfg, uint8_t mode)
{
    ts_config(cfg);
    cfg->syn_cookies = mode;
    cfg->sack = true;
    cfg->timestamps = true;
}

static sk_tuple tuple4(uint16_t rport)
{
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 2));
    tu.raddr = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1));
    tu.lport = US_PORT;
    tu.rport = rport;
    return tu;
}

static sk_tuple tuple6(uint16_t rport)
{
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr.family = tu.raddr.family = SK_AF_INET6;
    const uint8_t l[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    const uint8_t r[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    memcpy(tu.laddr.b, l, 16);
    memcpy(tu.raddr.b, r, 16);
    tu.lport = US_PORT;
    tu.rport = rport;
    return tu;
}

/* ---- the cookie itself ---- */

/* Every MSS table entry, and the values between, round-trip in both
 * families for ISNs across the sequence space; the MSS never rounds up. */
static void test_cookie_mss_every_entry(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_tcp_env *e = &ts.s->env;
    SK_CHECK(sk_cookie_mss_count() >= 4);
    static const uint32_t irs[] = {0, 1, 5000, 0x7fffffffu, 0x80000000u, 0xffffffffu};
    for (int fam = 0; fam < 2; fam++) {
        sk_tuple tu = fam == 0 ? tuple4(50000) : tuple6(50000);
        for (uint32_t i = 0; i < sk_cookie_mss_count(); i++) {
            uint16_t entry = sk_cookie_mss_entry(i);
            uint16_t peers[] = {entry, (uint16_t)(entry + 1)};
            for (size_t p = 0; p < 2; p++) {
                for (size_t k = 0; k < sizeof irs / sizeof irs[0]; k++) {
                    sk_time now = TS_SEC(10) + k * TS_MS(1);
                    sk_seq r = sk_seq_make(irs[k]);
                    uint32_t iss = sk_cookie_make(e, &tu, r, peers[p], now);
                    uint16_t mss = 0;
                    SK_CHECK(sk_cookie_check(e, &tu, r, sk_seq_make(iss), now, &mss));
                    SK_CHECK_EQ(mss, entry);
                    /* the same ISS for another tuple or IRS does not check */
                    sk_tuple other = tu;
                    other.rport++;
                    SK_CHECK(!sk_cookie_check(e, &other, r, sk_seq_make(iss), now, &mss));
                    SK_CHECK(!sk_cookie_check(e, &tu, sk_seq_add(r, 1), sk_seq_make(iss), now, &mss));
                }
            }
        }
    }
    /* the table covers what the brief asks: 536 .. 8960 and IPv6's 1220 */
    bool has1220 = false;
    for (uint32_t i = 0; i < sk_cookie_mss_count(); i++)
        has1220 |= sk_cookie_mss_entry(i) == 1220;
    SK_CHECK(has1220);
    SK_CHECK_EQ(sk_cookie_mss_entry(1), 536);
    SK_CHECK_EQ(sk_cookie_mss_entry(sk_cookie_mss_count() - 1), 8960);
    ts_free(&ts);
}

/* Window scale (none, 0..14), SACK on/off through the TSval's low bits;
 * the TSval never runs ahead of the clock, nor more than 63 ms behind. */
static void test_cookie_ts_options(void)
{
    static const uint32_t clocks[] = {0, 63, 64, 1000, 0x7fffffc0u, 0xffffffffu};
    for (int ws = -1; ws <= 14; ws++) {
        for (int sack = 0; sack < 2; sack++) {
            for (size_t c = 0; c < sizeof clocks / sizeof clocks[0]; c++) {
                sk_cookie_opts in = {.wscale = (int8_t)ws, .sack_ok = sack != 0, .ts_ok = true};
                uint32_t tsval = sk_cookie_ts_encode(clocks[c], &in);
                uint32_t behind = clocks[c] - tsval;
                SK_CHECK(behind < 64u);
                sk_cookie_opts out = {.wscale = 99};
                SK_CHECK(sk_cookie_ts_decode(tsval, &out));
                SK_CHECK_EQ_I(out.wscale, ws);
                SK_CHECK_EQ(out.sack_ok, sack != 0);
                SK_CHECK(out.ts_ok);
            }
        }
    }
    sk_cookie_opts out;
    SK_CHECK(!sk_cookie_ts_decode(0x1f, &out)); /* no cookie mark */
}

/* A cookie is valid in its counter (64 s) and the next, not after; a
 * flipped bit anywhere in it fails. */
static void test_cookie_expiry_and_forgery(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_tcp_env *e = &ts.s->env;
    sk_tuple tu = tuple4(50000);
    sk_seq irs = sk_seq_make(5000);
    uint32_t iss = sk_cookie_make(e, &tu, irs, 1460, TS_SEC(10)); /* counter 0 */
    uint16_t mss;
    SK_CHECK(sk_cookie_check(e, &tu, irs, sk_seq_make(iss), TS_SEC(10), &mss));
    SK_CHECK(sk_cookie_check(e, &tu, irs, sk_seq_make(iss), TS_SEC(128) - 1, &mss));
    SK_CHECK(!sk_cookie_check(e, &tu, irs, sk_seq_make(iss), TS_SEC(128), &mss));
    SK_CHECK(!sk_cookie_check(e, &tu, irs, sk_seq_make(iss), TS_SEC(3600), &mss));
    for (int b = 0; b < 32; b++)
        SK_CHECK(!sk_cookie_check(e, &tu, irs, sk_seq_make(iss ^ (1u << b)), TS_SEC(10), &mss));
    for (uint32_t d = 1; d <= 64; d++) {
        SK_CHECK(!sk_cookie_check(e, &tu, irs, sk_seq_make(iss + d), TS_SEC(10), &mss));
        SK_CHECK(!sk_cookie_check(e, &tu, irs, sk_seq_make(iss - d), TS_SEC(10), &mss));
    }
    ts_free(&ts);
}

/* ---- handshakes with cookies ---- */

/* The peer's SYN from `sport` with the options of `opt`, and our answer
 * (copied; false when nothing or more than one segment came). */
static bool syn_and_answer(ts_script *ts, sk_time_us t, uint16_t sport, uint32_t seq,
                           ts_seg opt, sk_tcp_repr *synack)
{
    opt.flags = TS_S;
    opt.seq = seq;
    opt.sport = sport;
    opt.no_ts = !opt.has_ts;
    ts_inject_(ts, __FILE__, __LINE__, t, opt);
    const ts_out *o = ts_next(ts, t);
    if (o == NULL)
        return false;
    *synack = o->hdr;
    return ts_next(ts, t) == NULL;
}

/* Every option combination the peer may offer (window scale none, 0, 7,
 * 14; SACK; timestamps) with every MSS entry: the cookie SYN,ACK answers
 * as a half-open child would (without timestamps: the MSS only), and the
 * connection its ACK makes has the options the SYN negotiated. */
static void one_combination(ts_script *ts, uint16_t sport, uint16_t mss, uint16_t want_mss, int ws,
                            bool sack, bool tsopt)
{
    sk_time_us t = ts->now + TS_MS(1);
    ts_seg o = {.has_mss = true, .mss = mss, .has_ws = ws >= 0, .ws = (uint8_t)(ws < 0 ? 0 : ws),
                .sack_ok = sack, .has_ts = tsopt, .tsval = 777};
    sk_tcp_repr sa = {0};
    SK_CHECK(syn_and_answer(ts, t, sport, 90000u + sport, o, &sa));
    SK_CHECK_EQ(sa.flags, TS_SA);
    SK_CHECK_EQ(sa.ack.v, 90001u + sport);
    SK_CHECK(sa.opts.has_mss);
    SK_CHECK_EQ(sa.opts.has_ts, tsopt);
    SK_CHECK_EQ(sa.opts.has_wscale, tsopt && ws >= 0);
    SK_CHECK_EQ(sa.opts.sack_permitted, tsopt && sack);
    if (tsopt)
        SK_CHECK_EQ(sa.opts.ts_ecr, 777u);
    ts_seg ack = {.flags = TS_A, .seq = 90001u + sport, .ack = sa.seq.v + 1, .sport = sport,
                  .has_ts = tsopt, .no_ts = !tsopt, .tsval = 778, .tsecr = sa.opts.ts_val};
    ts_inject_(ts, __FILE__, __LINE__, t + TS_MS(1), ack);
    SK_CHECK(ts_next(ts, t + TS_MS(1)) == NULL);
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(ts->s, ts->listener, &c, NULL), 0);
    sk_tcb *tcb = sk_stack_tcb(ts->s, c);
    SK_CHECK(tcb != NULL);
    if (tcb == NULL)
        return;
    SK_CHECK_EQ(tcb->state, SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(tcb->snd_mss, want_mss);
    SK_CHECK_EQ(tcb->iss.v, sa.seq.v);
    SK_CHECK_EQ((tcb->flags & SK_TF_WS_OK) != 0, tsopt && ws >= 0);
    SK_CHECK_EQ(tcb->snd_wscale, tsopt && ws >= 0 ? ws : 0);
    SK_CHECK_EQ(tcb->rcv_wscale, tsopt && ws >= 0 ? (sa.opts.wscale) : 0);
    SK_CHECK_EQ((tcb->flags & SK_TF_SACK_OK) != 0, tsopt && sack);
    SK_CHECK_EQ((tcb->flags & SK_TF_TS_OK) != 0, tsopt);
    if (tsopt)
        SK_CHECK_EQ(tcb->ts_recent, 778u);
    SK_CHECK_EQ_I(sk_tcp_abort(ts->s, t + TS_MS(2), c), 0);
    ts_discard(ts, t + TS_MS(2)); /* its RST */
    ts->now = t + TS_MS(2);
}

static void test_cookie_every_option_combination(void)
{
    sk_stack_config cfg;
    cookie_config(&cfg, SK_SYNCOOKIES_ALWAYS);
    cfg.mtu = 9000; /* so that no entry is cut by our own MTU */
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = US_PORT;
    static const int wss[] = {-1, 0, 7, 14};
    uint16_t sport = 1000;
    for (uint32_t i = 0; i < sk_cookie_mss_count(); i++)
        for (int w = 0; w < 4; w++)
            for (int sack = 0; sack < 2; sack++)
                for (int tsopt = 0; tsopt < 2; tsopt++)
                    one_combination(&ts, sport++, sk_cookie_mss_entry(i), sk_cookie_mss_entry(i),
                                    wss[w], sack != 0, tsopt != 0);
    /* a peer MSS between entries is rounded down, never up */
    one_combination(&ts, sport++, 1459, 1440, 7, true, true);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_sent, sk_cookie_mss_count() * 16u + 1u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_recv, sk_cookie_mss_count() * 16u + 1u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->passive_opens, sk_cookie_mss_count() * 16u + 1u);
    ts_free(&ts);
}

/* The flood the issue measured, in virtual time: 1,000 SYNs from spoofed
 * sources that never answer fill the SYN queue; every later SYN is answered
 * with a cookie, and a real client's handshake during the flood completes
 * at once and is accepted; the half-open children time out and the queue
 * is whole again, no slot held by the flood. Without cookies (the old
 * behaviour) that client's SYN is dropped. */
static void flood(ts_script *ts, sk_time_us t, int n)
{
    for (int i = 0; i < n; i++) {
        ts_seg syn = {.flags = TS_S, .seq = 7000u + (uint32_t)i, .sport = (uint16_t)(2000 + i),
                      .has_mss = true, .mss = 1460, .no_ts = true};
        ts_inject_(ts, __FILE__, __LINE__, t, syn);
        if (i % 32 == 31)
            ts_discard(ts, t); /* the output runs between input batches */
    }
    ts_discard(ts, t);
}

static void client_during_flood(uint8_t mode, bool want_ok)
{
    sk_stack_config cfg;
    cookie_config(&cfg, mode);
    cfg.max_sockets = 64;
    cfg.syn_backlog = 16;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = US_PORT;
    flood(&ts, TS_MS(1), 1000);
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->passive_opens, 16u);
    SK_CHECK_EQ(st->syncookies_sent, mode == SK_SYNCOOKIES_OFF ? 0u : 984u);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BACKLOG_FULL), mode == SK_SYNCOOKIES_OFF ? 984u : 0u);
    /* the real client */
    ts_seg o = {.has_mss = true, .mss = 1460, .has_ws = true, .ws = 2, .sack_ok = true,
                .has_ts = true, .tsval = 4242};
    sk_tcp_repr sa = {0};
    bool answered = syn_and_answer(&ts, TS_MS(2), 60000, 123456, o, &sa);
    SK_CHECK_EQ(answered, want_ok);
    if (answered) {
        ts_seg ack = {.flags = TS_A, .seq = 123457, .ack = sa.seq.v + 1, .sport = 60000,
                      .has_ts = true, .tsval = 4243, .tsecr = sa.opts.ts_val};
        ts_inject_(&ts, __FILE__, __LINE__, TS_MS(3), ack);
        sk_sock c;
        SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, NULL), 0);
        SK_CHECK_EQ(st->syncookies_recv, 1u);
        SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(3), c), 0);
    }
    /* the flood's half-open children give up; nothing of it stays */
    for (int s = 1; s <= 200; s++)
        ts_discard(&ts, TS_SEC(s));
    sk_tcb *l = sk_stack_tcb(ts.s, ts.listener);
    SK_CHECK_EQ(l->x->lsn->children.len, 0u);
    SK_CHECK_EQ(l->x->lsn->n_ho, 0);
    ts_free(&ts);
}

static void test_flood_cookies_keep_port_usable(void)
{
    client_during_flood(SK_SYNCOOKIES_WHEN_FULL, true);
}

static void test_flood_without_cookies_refuses(void)
{
    client_during_flood(SK_SYNCOOKIES_OFF, false);
}

/* A stack that always answers with a cookie, listening; the peer's SYN
 * (ISN irs, options o, timestamps) at time 0 and its cookie SYN,ACK, which
 * the script then speaks to (ISS, IRS, our TSval). */
static sk_tcp_repr cookie_syn(ts_script *ts, uint32_t irs, ts_seg o)
{
    sk_stack_config cfg;
    cookie_config(&cfg, SK_SYNCOOKIES_ALWAYS);
    ts_init(ts, &cfg);
    SK_CHECK(ts_listen(ts, 0));
    ts->lport = US_PORT;
    ts->rport = TS_PEER_PORT_PASSIVE;
    sk_tcp_repr sa = {0};
    SK_CHECK(syn_and_answer(ts, 0, TS_PEER_PORT_PASSIVE, irs, o, &sa));
    ts->iss = sa.seq.v;
    ts->irs = irs;
    ts->us_tsval = sa.opts.ts_val;
    ts->ts_on = true;
    return sa;
}

/* A cookie connection carries data both ways with what it negotiated:
 * the text of the third segment, scaled windows both ways, timestamps on
 * every segment, SACK blocks for a hole. */
static void test_cookie_connection_data_both_ways(void)
{
    ts_script ts;
    ts_seg o = {.has_mss = true, .mss = 1460, .has_ws = true, .ws = 7, .sack_ok = true,
                .has_ts = true, .tsval = ts_peer_clock(0)};
    sk_tcp_repr sa = cookie_syn(&ts, 5000, o);
    SK_CHECK_EQ(sa.window, 65535);
    /* the third segment carries 100 bytes */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = ts.iss + 1, .len = 100, TS_WIN(1000));
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_recv(&ts, TS_MS(10), 100), 100);
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.snd_wnd, 1000u << 7); /* the peer's window, scaled */
    SK_CHECK_EQ(in.snd_wscale, 7);
    SK_CHECK_EQ(in.rcv_wscale, sa.opts.wscale);
    SK_CHECK_EQ(in.snd_mss, 1460);
    /* our data: full segments of 1460 - 12 (timestamps) bytes */
    SK_CHECK_EQ(ts_send(&ts, TS_MS(11), 2896), 2896);
    const ts_out *d = ts_next(&ts, TS_MS(11));
    SK_CHECK(d != NULL);
    if (d != NULL) {
        SK_CHECK_EQ(d->hdr.seq.v, ts.iss + 1);
        SK_CHECK_EQ(d->hdr.payload_len, 1448u);
        SK_CHECK(d->hdr.opts.has_ts);
        SK_CHECK_EQ(d->hdr.opts.ts_ecr, ts_peer_clock(TS_MS(10)));
        SK_CHECK_EQ(d->hdr.ack.v, 5101u);
    }
    ts_discard(&ts, TS_MS(11));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5101, .ack = ts.iss + 1 + 2896, TS_WIN(1000));
    /* a hole: bytes 100..199 are lost, 200..299 arrive: a SACK block */
    TS_INJECT(&ts, TS_MS(21), .flags = TS_A, .seq = 5201, .ack = ts.iss + 1 + 2896, .len = 100,
              TS_WIN(1000));
    TS_EXPECT(&ts, TS_MS(21), .flags = TS_A, .seq = ts.iss + 1 + 2896, .ack = 5101,
              TS_SACK(1, {5201, 5301}));
    TS_INJECT(&ts, TS_MS(22), .flags = TS_A, .seq = 5101, .ack = ts.iss + 1 + 2896, .len = 100,
              TS_WIN(1000));
    TS_EXPECT(&ts, TS_MS(22), .flags = TS_A, .seq = ts.iss + 1 + 2896, .ack = 5301);
    SK_CHECK_EQ(ts_recv(&ts, TS_MS(23), 200), 200);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* RFC 7323 §4.3: a cookie connection's Last.ACK.sent is its SYN,ACK's ACK,
 * as a half-open child's is. Two segments arrive before our delayed ACK:
 * the second does not cover Last.ACK.sent, so the ACK echoes the first's
 * TSval (the earliest unacknowledged). The peer's ISN is in the upper half
 * of the sequence space, where a Last.ACK.sent left at 0 (as a cookie
 * connection once had until its first ACK) would seem to cover it. */
static void test_cookie_connection_last_ack_sent(void)
{
    ts_script ts;
    const uint32_t irs = 0x90000000u;
    ts_seg o = {.has_mss = true, .mss = 1460, .sack_ok = true, .has_ts = true,
                .tsval = ts_peer_clock(0)};
    cookie_syn(&ts, irs, o);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = irs + 1, .ack = ts.iss + 1);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_recv, 1u);
    TS_INJECT(&ts, TS_MS(15), .flags = TS_A, .seq = irs + 1, .ack = ts.iss + 1, .len = 100);
    TS_INJECT(&ts, TS_MS(16), .flags = TS_A, .seq = irs + 101, .ack = ts.iss + 1, .len = 100);
    const ts_out *a = ts_next(&ts, TS_SEC(1));
    SK_CHECK(a != NULL);
    if (a != NULL) {
        SK_CHECK_EQ(a->hdr.ack.v, irs + 201);
        SK_CHECK(a->hdr.opts.has_ts);
        SK_CHECK_EQ(a->hdr.opts.ts_ecr, ts_peer_clock(TS_MS(15)));
    }
    ts_free(&ts);
}

/* A forged or stale cookie ACK: dropped, counted (TCP_COOKIE_BAD and
 * syncookies_failed) and answered <SEQ=SEG.ACK><CTL=RST> as any
 * unacceptable ACK to a listener (RFC 9293 §3.10.7.2); no connection. */
static void test_cookie_forged_and_expired(void)
{
    sk_stack_config cfg;
    cookie_config(&cfg, SK_SYNCOOKIES_ALWAYS);
    cfg.timestamps = false;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = US_PORT;
    ts.rport = TS_PEER_PORT_PASSIVE;
    ts_seg o = {.has_mss = true, .mss = 1460};
    sk_tcp_repr sa = {0};
    SK_CHECK(syn_and_answer(&ts, TS_SEC(10), TS_PEER_PORT_PASSIVE, 5000, o, &sa));
    uint32_t iss = sa.seq.v;
    /* forged: one off, and a guess */
    TS_INJECT(&ts, TS_SEC(11), .flags = TS_A, .seq = 5001, .ack = iss + 2);
    TS_EXPECT(&ts, TS_SEC(11), .flags = TS_R, .seq = iss + 2);
    TS_INJECT(&ts, TS_SEC(11), .flags = TS_A, .seq = 5001, .ack = 0x12345678);
    TS_EXPECT(&ts, TS_SEC(11), .flags = TS_R, .seq = 0x12345678);
    /* a right ISS for a wrong IRS */
    TS_INJECT(&ts, TS_SEC(11), .flags = TS_A, .seq = 5002, .ack = iss + 1);
    TS_EXPECT(&ts, TS_SEC(11), .flags = TS_R, .seq = iss + 1);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_COOKIE_BAD), 3u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_failed, 3u);
    /* expired: the counter after next (made at 10 s in counter 0) */
    TS_INJECT(&ts, TS_SEC(128), .flags = TS_A, .seq = 5001, .ack = iss + 1);
    TS_EXPECT(&ts, TS_SEC(128), .flags = TS_R, .seq = iss + 1);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_COOKIE_BAD), 4u);
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, NULL), SK_EAGAIN);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_recv, 0u);
    /* still fresh in the next counter: the real ACK works */
    SK_CHECK(syn_and_answer(&ts, TS_SEC(130), TS_PEER_PORT_PASSIVE, 6000, o, &sa));
    TS_INJECT(&ts, TS_SEC(255), .flags = TS_A, .seq = 6001, .ack = sa.seq.v + 1);
    TS_NOTHING(&ts, TS_SEC(255));
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, NULL), 0);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_recv, 1u);
    ts_free(&ts);
}

/* Cookies only when full: no cookie was sent, so an ACK to the listener
 * is the plain §3.10.7.2 case (RST, TCP_LISTEN_NOT_SYN), not a cookie. */
static void test_no_cookie_check_when_none_sent(void)
{
    sk_stack_config cfg;
    cookie_config(&cfg, SK_SYNCOOKIES_WHEN_FULL);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = US_PORT;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 1, .flags = TS_A, .seq = 5001, .ack = 777);
    TS_EXPECT(&ts, 1, .flags = TS_R, .seq = 777);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_LISTEN_NOT_SYN), 1u);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_COOKIE_BAD), 0u);
    ts_free(&ts);
}

/* The pool of half-open records full (a SYN no longer takes a socket slot,
 * tcp_halfopen.c): the SYN is answered with a cookie (nothing is kept);
 * its ACK finds the socket table full (dropped, TCP_NO_MEMORY, no RST: the
 * peer sends again), and once a slot is free the next segment from the
 * peer makes the connection. */
static void test_table_full_cookie(void)
{
    sk_stack_config cfg;
    cookie_config(&cfg, SK_SYNCOOKIES_WHEN_FULL);
    cfg.timestamps = false;
    cfg.max_sockets = 2;
    cfg.max_half_open = 1;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 0));
    sk_sock a;
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, NULL, &a), 0);
    ts.lport = US_PORT;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 100, .sport = 999); /* takes the one record */
    SK_CHECK_EQ(ts_discard(&ts, 0), 2u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1u);
    ts.lport = US_PORT;
    ts.rport = TS_PEER_PORT_PASSIVE;
    ts.irs = 5000;
    ts_seg o = {.has_mss = true, .mss = 1460};
    sk_tcp_repr sa = {0};
    SK_CHECK(syn_and_answer(&ts, 1, TS_PEER_PORT_PASSIVE, 5000, o, &sa));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->syncookies_sent, 1u);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 0u);
    TS_INJECT(&ts, 2, .flags = TS_A, .seq = 5001, .ack = sa.seq.v + 1);
    TS_NOTHING(&ts, 2);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 1u);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, 3, a), 0);
    ts_discard(&ts, 3);
    TS_INJECT(&ts, 4, .flags = TS_PA, .seq = 5001, .ack = sa.seq.v + 1, .len = 10);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    ts.iss = sa.seq.v;
    SK_CHECK_EQ(ts_recv(&ts, 4, 10), 10);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* Cookies off, SYN queue full: the oldest half-open child whose SYN,ACK
 * already timed out makes room (counted TCP_SYN_EVICTED, nothing sent to
 * it); young ones are never pushed out: with none old, the SYN is dropped. */
static void test_half_open_eviction(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.syn_cookies = SK_SYNCOOKIES_OFF;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 2));
    ts.lport = US_PORT;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 100, .sport = 1001);
    SK_CHECK_EQ(ts_discard(&ts, 0), 1u);
    TS_INJECT(&ts, TS_MS(500), .flags = TS_S, .seq = 200, .sport = 1002);
    SK_CHECK_EQ(ts_discard(&ts, TS_MS(500)), 1u);
    /* both young: refused */
    TS_INJECT(&ts, TS_MS(600), .flags = TS_S, .seq = 300, .sport = 1003);
    TS_NOTHING(&ts, TS_MS(600));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BACKLOG_FULL), 1u);
    /* 1001's SYN,ACK is retransmitted at 1 s: it is old now */
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = TS_US_ISN, .ack = 101, .dport = 1001,
              TS_MSS(1460), TS_WIN(65535));
    TS_INJECT(&ts, TS_MS(1100), .flags = TS_S, .seq = 300, .sport = 1003);
    TS_EXPECT(&ts, TS_MS(1100), .flags = TS_SA, .seq = TS_US_ISN, .ack = 301, .dport = 1003,
              TS_MSS(1460), TS_WIN(65535));
    TS_NOTHING(&ts, TS_MS(1100));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_EVICTED), 1u);
    /* 1001 is gone: its ACK now meets the listener (RST); 1002 stays */
    TS_INJECT(&ts, TS_MS(1200), .flags = TS_A, .seq = 101, .ack = TS_US_ISN + 1, .sport = 1001);
    TS_EXPECT(&ts, TS_MS(1200), .flags = TS_R, .seq = TS_US_ISN + 1, .dport = 1001);
    TS_INJECT(&ts, TS_MS(1200), .flags = TS_A, .seq = 201, .ack = TS_US_ISN + 1, .sport = 1002);
    TS_NOTHING(&ts, TS_MS(1200));
    sk_sock c;
    sk_endpoint p;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, &p), 0);
    SK_CHECK_EQ(p.port, 1002);
    ts_discard(&ts, TS_SEC(300));
    ts_free(&ts);
}

/* Cookies off, the pool of half-open records full (not the SYN queue): a
 * new SYN is refused (TCP_HALFOPEN_FULL) while they are young; once the
 * oldest one's SYN,ACK was retransmitted, it gives its record. */
static void test_table_full_eviction(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.syn_cookies = SK_SYNCOOKIES_OFF;
    cfg.max_half_open = 2;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = US_PORT;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 100, .sport = 1001);
    SK_CHECK_EQ(ts_discard(&ts, 0), 1u);
    TS_INJECT(&ts, TS_MS(100), .flags = TS_S, .seq = 200, .sport = 1002);
    SK_CHECK_EQ(ts_discard(&ts, TS_MS(100)), 1u);
    TS_INJECT(&ts, TS_MS(200), .flags = TS_S, .seq = 300, .sport = 1003);
    TS_NOTHING(&ts, TS_MS(200));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_HALFOPEN_FULL), 1u);
    SK_CHECK_EQ(ts_discard(&ts, TS_SEC(1)), 1u); /* 1001's SYN,ACK again */
    TS_INJECT(&ts, TS_MS(1050), .flags = TS_S, .seq = 300, .sport = 1003);
    TS_EXPECT(&ts, TS_MS(1050), .flags = TS_SA, .seq = TS_US_ISN, .ack = 301, .dport = 1003,
              TS_MSS(1460), TS_WIN(65535));
    TS_NOTHING(&ts, TS_MS(1050));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_EVICTED), 1u);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_HALFOPEN_FULL), 1u);
    ts_discard(&ts, TS_SEC(300));
    ts_free(&ts);
}

/* Accept queue full at the final ACK (backlog 2, both taken): by default
 * the ACK is dropped (nothing sent, TCP_ACCEPTQ_FULL) and the connection
 * stays in SYN-RECEIVED; once the application accepts, the peer's next
 * segment completes it. With accept_overflow_reset, a RST. */
static void overflow(bool reset)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.accept_overflow_reset = reset;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 2));
    ts.lport = US_PORT;
    for (uint16_t p = 1; p <= 2; p++)
        TS_INJECT(&ts, 0, .flags = TS_S, .seq = 100u * p, .sport = p);
    SK_CHECK_EQ(ts_discard(&ts, 0), 2u); /* the SYN,ACKs */
    for (uint16_t p = 1; p <= 2; p++)
        TS_INJECT(&ts, 1, .flags = TS_A, .seq = 100u * p + 1, .ack = TS_US_ISN + 1, .sport = p);
    TS_NOTHING(&ts, 1);
    /* the accept queue is full: a new SYN is refused outright */
    TS_INJECT(&ts, 2, .flags = TS_S, .seq = 300, .sport = 3);
    TS_NOTHING(&ts, 2);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BACKLOG_FULL), 1u);
    /* one accepted: room for a handshake; meanwhile the other fills it */
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, NULL), 0);
    TS_INJECT(&ts, 3, .flags = TS_S, .seq = 300, .sport = 3);
    TS_INJECT(&ts, 3, .flags = TS_S, .seq = 400, .sport = 4);
    SK_CHECK_EQ(ts_discard(&ts, 3), 2u);
    TS_INJECT(&ts, 4, .flags = TS_A, .seq = 301, .ack = TS_US_ISN + 1, .sport = 3);
    TS_NOTHING(&ts, 4);
    TS_INJECT(&ts, 5, .flags = TS_A, .seq = 401, .ack = TS_US_ISN + 1, .sport = 4, .len = 5);
    if (reset) {
        TS_EXPECT(&ts, 5, .flags = TS_RA, .seq = TS_US_ISN + 1, .ack = 401, .dport = 4);
    }
    TS_NOTHING(&ts, 5);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_ACCEPTQ_FULL), 1u);
    sk_endpoint p;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, &p), 0);
    SK_CHECK_EQ(p.port, 2);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, &p), 0);
    SK_CHECK_EQ(p.port, 3);
    if (!reset) {
        /* the peer's data again (or its ACK of our next SYN,ACK) is taken */
        TS_INJECT(&ts, 6, .flags = TS_A, .seq = 401, .ack = TS_US_ISN + 1, .sport = 4, .len = 5);
        SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, &p), 0);
        SK_CHECK_EQ(p.port, 4);
        uint8_t buf[8];
        SK_CHECK_EQ(sk_tcp_recv(ts.s, 6, c, buf, sizeof buf), 5);
    } else {
        SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, NULL), SK_EAGAIN);
        /* and port 4 is forgotten: its next segment meets the listener */
        TS_INJECT(&ts, 6, .flags = TS_A, .seq = 406, .ack = TS_US_ISN + 1, .sport = 4);
        TS_EXPECT(&ts, 6, .flags = TS_R, .seq = TS_US_ISN + 1, .dport = 4);
    }
    ts_discard(&ts, TS_SEC(300));
    ts_free(&ts);
}

static void test_accept_overflow_drops_ack(void)
{
    overflow(false);
}

static void test_accept_overflow_resets(void)
{
    overflow(true);
}

/* The SYN,ACK's retransmissions: RTO 1 s doubling (RFC 6298 §5.5), up to
 * synack_retries (here 3: at 1, 3 and 7 s), then the half-open child is
 * dropped silently at 15 s and the listener has room again. */
static void test_synack_backoff_schedule(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.synack_retries = 3;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 1));
    ts.lport = US_PORT;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000);
    TS_EXPECT(&ts, 0, .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(1460));
    static const unsigned at_ms[] = {1000, 3000, 7000};
    for (int i = 0; i < 3; i++) {
        TS_NOTHING(&ts, TS_MS(at_ms[i]) - 1);
        TS_EXPECT(&ts, TS_MS(at_ms[i]), .flags = TS_SA, .seq = TS_US_ISN, .ack = 5001, TS_MSS(1460));
    }
    TS_NOTHING(&ts, TS_MS(15000) - 1);
    SK_CHECK_EQ(sk_stack_tcb(ts.s, ts.listener)->x->lsn->n_ho, 1u);
    TS_NOTHING(&ts, TS_MS(15000));
    SK_CHECK_EQ(sk_stack_tcb(ts.s, ts.listener)->x->lsn->n_ho, 0u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, 1u);
    TS_INJECT(&ts, TS_SEC(16), .flags = TS_S, .seq = 9000);
    TS_EXPECT(&ts, TS_SEC(16), .flags = TS_SA, .seq = TS_US_ISN, .ack = 9001, TS_MSS(1460));
    ts_discard(&ts, TS_SEC(300));
    ts_free(&ts);
}

/* Closing a listener resets its own established-but-unaccepted children
 * only, drops its half-open records without a RST (as Linux's request
 * sockets; test_tcp_halfopen's test_listener_close), and leaves another
 * listener's children and its own accepted connection alone. */
static void test_listener_close_only_its_children(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    sk_sock l81;
    sk_listen_opts lo = {0, 0, true, 3000};
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 81, &lo, &l81), 0);
    ts.rport = 0;
    /* port 80: one accepted, one unaccepted, one half-open */
    for (uint16_t p = 1; p <= 3; p++) {
        ts.lport = 80;
        TS_INJECT(&ts, 0, .flags = TS_S, .seq = 100u * p, .sport = p);
        ts.lport = 81;
        TS_INJECT(&ts, 0, .flags = TS_S, .seq = 100u * p, .sport = p);
    }
    SK_CHECK_EQ(ts_discard(&ts, 0), 6u);
    for (uint16_t p = 1; p <= 2; p++) {
        ts.lport = 80;
        TS_INJECT(&ts, 1, .flags = TS_A, .seq = 100u * p + 1, .ack = TS_US_ISN + 1, .sport = p);
        ts.lport = 81;
        TS_INJECT(&ts, 1, .flags = TS_A, .seq = 100u * p + 1, .ack = 3001, .sport = p);
    }
    TS_NOTHING(&ts, 1);
    sk_sock acc;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &acc, NULL), 0);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, 2, ts.listener), 0);
    ts.lport = 80;
    TS_EXPECT(&ts, 2, .flags = TS_RA, .seq = TS_US_ISN + 1, .ack = 201, .dport = 2);
    TS_NOTHING(&ts, 2);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ho_orphaned, 1u);
    /* the accepted connection lives on */
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, acc, &in), 0);
    SK_CHECK_EQ(in.state, SK_TCP_ESTABLISHED);
    /* port 81: both children still there; the half-open one completes */
    ts.lport = 81;
    TS_INJECT(&ts, 3, .flags = TS_A, .seq = 301, .ack = 3001, .sport = 3);
    TS_NOTHING(&ts, 3);
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, l81, &c, NULL), 0);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, l81, &c, NULL), 0);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, l81, &c, NULL), 0);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, l81, &c, NULL), SK_EAGAIN);
    ts_discard(&ts, TS_SEC(300));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_cookie_mss_every_entry);
    SK_RUN(test_cookie_ts_options);
    SK_RUN(test_cookie_expiry_and_forgery);
    SK_RUN(test_cookie_every_option_combination);
    SK_RUN(test_flood_cookies_keep_port_usable);
    SK_RUN(test_flood_without_cookies_refuses);
    SK_RUN(test_cookie_connection_data_both_ways);
    SK_RUN(test_cookie_connection_last_ack_sent);
    SK_RUN(test_cookie_forged_and_expired);
    SK_RUN(test_no_cookie_check_when_none_sent);
    SK_RUN(test_table_full_cookie);
    SK_RUN(test_half_open_eviction);
    SK_RUN(test_table_full_eviction);
    SK_RUN(test_accept_overflow_drops_ack);
    SK_RUN(test_accept_overflow_resets);
    SK_RUN(test_synack_backoff_schedule);
    SK_RUN(test_listener_close_only_its_children);
    return sk_test_finish();
}
