/* libFuzzer target over the whole stack. The input is a script: a listener
 * on port 80 and an active connection to 10.0.0.1:5000 exist; each record
 * is either a frame delivered to the stack (with the IPv4 and TCP checksums
 * fixed up, so the fuzzer reaches the state machine instead of stopping at
 * the checksum; kinds below 0x90 with bits 0 and 6 set: an IPv6 packet from
 * 2001:db8::1 to the stack's 2001:db8::2 instead, for the listener, which
 * takes both families, or an IPv6 connection), a segment built around the connection's sequence edges
 * with SACK-permitted, SACK blocks and timestamps from the record's bytes
 * (kinds 0x98-0x9f, fuzz_segbuild.h), a UDP datagram (kinds 0x90-0x97, to
 * the UDP socket bound to port 53 or the one connected from 40001 to
 * 10.0.0.1:5353; the checksum fixed unless bit 2 of the kind is set), a
 * time step (0xa0-0xc7), a runtime reconfiguration (0xc8-0xcf: link MTU,
 * IPv4 address, a new IPv4 or IPv6 connection once the old one is gone),
 * an application call on TCP (0xd0-0xe7) or UDP (0xe8-0xff). The
 * device offloads everything (cfg.dev): a time step's kind also sets the
 * metadata of the frames that follow (checksum flags, a GSO type and size
 * from its bits and length), and the output is drained with
 * sk_stack_output_meta and sk_stack_output_gather in turn into a 64 KiB
 * buffer: a frame over the MTU must be a
 * TCP super-segment whose metadata says so, and a partial checksum,
 * completed as the device would, must verify. After every step the
 * stack's output is drained, poll_at must not be in the past, and every
 * live TCB (accepted, unaccepted, closed by the application and finishing
 * in the background, listeners) and the tables that index them are checked
 * by fuzz_tcb_check.h; the active connection's public info must agree with
 * its TCB. The UDP table is checked by fuzz_udp_check.h. */
#include "base/bytes.h"
#include "api/stack_impl.h"
#include "base/checksum.h"
#include "fuzz_common.h"
#include "fuzz_segbuild.h"
#include "fuzz_tcb_check.h"
#include "fuzz_udp_check.h"
#include "synack/synack.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_hdr.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What sk_tcp_get_info reports for the application's connection is its
 * TCB (a stale handle is refused: the TCB walk covers what follows). */
static void check_conn(sk_stack *s, sk_sock c)
{
    sk_tcp_info in;
    if (sk_tcp_get_info(s, c, &in) != 0) {
        CHECK(sk_stack_tcb(s, c) == NULL);
        return;
    }
    const sk_tcb *t = sk_stack_tcb(s, c);
    CHECK(t != NULL && (t->flags & SK_TF_APP_HELD) && in.state == t->state);
    CHECK(in.snd_una == t->snd_una.v && in.snd_nxt == sk_tcb_snd_nxt(&s->env, t).v &&
          in.snd_max == sk_tcb_snd_max(&s->env, t).v);
    CHECK(in.sndbuf_used == t->x->sndbuf.len && in.rcvbuf_used == t->x->rcvbuf.len);
}

/* Make a fuzzed IPv4+TCP frame acceptable up to the TCP parser (`ports`:
 * point them at our sockets as below). */
static size_t fix_frame(const uint8_t *p, size_t n, uint8_t *buf, size_t cap, bool ports)
{
    if (n + 20 > cap || n < 20)
        return 0;
    size_t total = 20 + n;
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)total;
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_TCP;
    ip.src = sk_ip4_make(10, 0, 0, 1);
    ip.dst = sk_ip4_make(10, 0, 0, 2);
    sk_ip4_emit(&ip, buf, cap);
    memcpy(buf + 20, p, n);
    /* keep the fuzzer's ports pointed at our sockets most of the time: the
     * listener when bit 1 of the second byte is set, else the connection
     * (that bit is read before the source port overwrites it) */
    if (ports && (buf[20] & 1)) {
        uint16_t dport = (buf[21] & 2) ? 80 : 40000;
        sk_store_be16(buf + 20, 5000);
        sk_store_be16(buf + 22, dport);
    }
    sk_tcp_fill_checksum4(ip.src, ip.dst, buf + 20, n);
    return total;
}

/* The same over IPv6: 2001:db8::1 -> 2001:db8::2, TCP checksum over the
 * IPv6 pseudo-header (RFC 8200 §8.1). */
static size_t fix_frame6(const uint8_t *p, size_t n, uint8_t *buf, size_t cap)
{
    if (n + 40 > cap || n < 20)
        return 0;
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = SK_IPPROTO_TCP;
    ip.hop_limit = 64;
    ip.src = (sk_ip6){{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
    ip.dst = (sk_ip6){{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
    sk_ip6_emit(&ip, buf, cap);
    memcpy(buf + 40, p, n);
    if (buf[40] & 1) { /* bit 1 of the second byte: the listener, else the connection */
        uint16_t dport = (buf[41] & 2) ? 80 : 40000;
        sk_store_be16(buf + 40, 5000);
        sk_store_be16(buf + 42, dport);
    }
    sk_ipaddr s6 = sk_ipaddr_from_ip6(ip.src), d6 = sk_ipaddr_from_ip6(ip.dst);
    sk_csum_l4_fill(&s6, &d6, SK_IPPROTO_TCP, buf + 40, n, 16);
    return 40 + n;
}

/* A UDP datagram from 10.0.0.1: the fuzzer's bytes after a header whose
 * ports point at our sockets (bit 0 of the first byte: the connected one,
 * from its remote port; else port 53 from the fuzzed source port) and
 * whose length field is right unless bit 1 says to keep the fuzzed one;
 * the checksum is fixed unless `raw_sum`. */
static size_t udp_frame(const uint8_t *p, size_t n, uint8_t *buf, size_t cap, bool raw_sum)
{
    if (n < 8 || n + 20 > cap)
        return 0;
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)(20 + n);
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_UDP;
    ip.src = sk_ip4_make(10, 0, 0, 1);
    ip.dst = sk_ip4_make(10, 0, 0, 2);
    sk_ip4_emit(&ip, buf, cap);
    uint8_t *u = buf + 20;
    memcpy(u, p, n);
    bool connected = p[0] & 1, keep_len = p[0] & 2;
    if (connected)
        sk_store_be16(u, 5353);
    sk_store_be16(u + 2, connected ? 40001 : 53);
    if (!keep_len)
        sk_store_be16(u + 4, (uint16_t)n);
    if (!raw_sum) {
        sk_store_be16(u + 6, 0);
        uint32_t sum = sk_csum_pseudo4(ip.src.b, ip.dst.b, SK_IPPROTO_UDP, (uint16_t)n);
        uint16_t c = sk_csum_fold(sk_csum_partial(u, n, sum));
        sk_store_be16(u + 6, c == 0 ? 0xffff : c);
    }
    return 20 + n;
}

/* UDP calls: ops pick send, sendto, recv, close-and-reopen of the bound
 * socket, connect or disconnect of it. */
static void udp_call(sk_stack *s, uint64_t now, uint8_t op, sk_sock *bound, sk_sock conn)
{
    uint8_t buf[800];
    memset(buf, op, sizeof buf);
    sk_endpoint peer = {sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1)), (uint16_t)(5300 + op)};
    sk_endpoint none;
    memset(&none, 0, sizeof none);
    switch (op % 6) {
    case 0:
        sk_udp_send(s, now, conn, buf, (size_t)(op * 3u));
        break;
    case 1:
        sk_udp_sendto(s, now, *bound, buf, (size_t)op, &peer);
        break;
    case 2:
        sk_udp_recv(s, now, (op & 0x40) ? conn : *bound, buf, (size_t)(op & 0x1f));
        break;
    case 3:
        sk_udp_close(s, *bound);
        if (sk_udp_open(s, bound) == 0) {
            sk_endpoint l = {none.addr, 53};
            sk_udp_bind(s, *bound, &l);
        }
        break;
    case 4:
        sk_udp_connect(s, *bound, &peer);
        break;
    default:
        sk_udp_connect(s, *bound, &none);
        break;
    }
}

static void app_call(sk_stack *s, uint64_t now, uint8_t op, sk_sock *c, sk_sock l)
{
    uint8_t buf[800]; /* op * 3 <= 765 */
    memset(buf, op, sizeof buf);
    sk_sock a;
    switch (op % 6) {
    case 0:
        sk_tcp_send(s, now, *c, buf, (size_t)(op * 3u));
        break;
    case 1:
        sk_tcp_recv(s, now, *c, buf, (size_t)op);
        break;
    case 2:
        if (sk_tcp_accept(s, l, &a, NULL) == 0) {
            sk_tcp_send(s, now, a, buf, 100);
            if (op & 0x40)
                sk_tcp_close(s, now, a);
        }
        break;
    case 3:
        sk_tcp_shutdown(s, now, *c);
        break;
    case 4:
        sk_tcp_close(s, now, *c);
        break;
    default:
        sk_tcp_abort(s, now, *c);
        break;
    }
}

/* One frame out with its metadata: what the device is told is true. */
static void check_out(const sk_stack_config *cfg, uint8_t *f, size_t n, sk_frame_meta *m)
{
    if (m->gso_type == SK_GSO_NONE) {
        CHECK(m->gso_size == 0 && n <= (size_t)cfg->mtu);
    } else {
        CHECK(m->gso_type == SK_GSO_TCPV4 || m->gso_type == SK_GSO_TCPV6);
        CHECK(m->gso_size > 0 && m->hdr_len < n && n - m->hdr_len > m->gso_size);
        CHECK(m->flags & SK_FRAME_NEEDS_CSUM);
    }
    if (!(m->flags & SK_FRAME_NEEDS_CSUM))
        return;
    CHECK(m->csum_offset == SK_TCP_CSUM_OFF && sk_frame_csum_complete(f, n, m) == 0);
    sk_ip4_repr ip;
    if ((f[0] >> 4) == 4) {
        CHECK(sk_ip4_parse(f, n, &ip) == 0 && m->csum_start == SK_IP4_HDR_LEN);
        CHECK(sk_tcp_checksum_ok4(ip.src, ip.dst, ip.payload, ip.payload_len));
    } else {
        CHECK(m->csum_start == SK_IP6_HDR_LEN);
        uint32_t sum = sk_csum_pseudo6(f + 8, f + 24, SK_IPPROTO_TCP,
                                       (uint32_t)(n - SK_IP6_HDR_LEN));
        CHECK(sk_csum_fold(sk_csum_partial(f + SK_IP6_HDR_LEN, n - SK_IP6_HDR_LEN, sum)) == 0);
    }
}

/* Every other frame through sk_stack_output_gather: views only with a
 * partial checksum, at most two, never empty, and the frame they make
 * (copied after the headers, as a device's gathering write would) is
 * checked like any other. */
static uint64_t drain_meta(const sk_stack_config *cfg, sk_stack *s, uint64_t now)
{
    static uint8_t out[65536 + 64];
    sk_frame_meta m;
    sk_frame_span sp[SK_FRAME_SPANS_MAX];
    for (int i = 0; i < 1000; i++) {
        size_t ns = 0, n;
        if (i & 1)
            n = sk_stack_output_gather(s, now, out, sizeof out, &m, sp, &ns);
        else
            n = sk_stack_output_meta(s, now, out, sizeof out, &m);
        if (n == 0)
            break;
        CHECK(ns <= SK_FRAME_SPANS_MAX);
        CHECK(ns == 0 || (m.flags & SK_FRAME_NEEDS_CSUM));
        for (size_t k = 0; k < ns; k++) {
            CHECK(sp[k].data != NULL && sp[k].len > 0 && n + sp[k].len <= sizeof out);
            memmove(out + n, sp[k].data, sp[k].len);
            n += sp[k].len;
        }
        check_out(cfg, out, n, &m);
    }
    uint64_t at = sk_stack_poll_at(s);
    CHECK(at == SK_NEVER || at > now);
    return at;
}

/* The metadata a time step of `kind` and `len` sets for the frames after it. */
static sk_frame_meta meta_of(uint8_t kind, uint8_t len)
{
    sk_frame_meta m;
    memset(&m, 0, sizeof m);
    m.flags = kind & 3u;
    m.gso_type = (kind & 4u) ? ((kind & 8u) ? SK_GSO_TCPV6 : SK_GSO_TCPV4) : SK_GSO_NONE;
    m.gso_size = (uint16_t)(len * 8u);
    m.hdr_len = 40;
    return m;
}

/* No connection is left on an IPv4 address that is no longer ours
 * (sk_stack_set_ipv4 closes them: RFC 2131 §4.4.5); listeners stay. */
static void check_addr_gone(sk_stack *s, sk_ip4 old)
{
    sk_ipaddr a = sk_ipaddr_from_ip4(old);
    for (uint32_t i = 0; i < s->env.n_tcbs; i++) {
        const sk_tcb *t = &s->env.tcbs[i];
        sk_ipaddr la = sk_tcb_laddr(&s->env, t);
        CHECK(!(t->flags & SK_TF_HASHED) || t->state == SK_TCP_LISTEN || !sk_ipaddr_eq(&la, &a));
    }
    /* nor a half-open record (tcp_halfopen.c) */
    const sk_recpool *p = &s->env.ho.pool;
    for (uint32_t i = 0; i < p->fresh; i++) { /* records never used are not looked at */
        const sk_rec_key *k = sk_recpool_at(p, i); /* a free one has family 0 */
        CHECK(k->family == 0 || k->family != a.family || memcmp(k->laddr, a.b, 16) != 0);
    }
}

/* Runtime reconfiguration with connections live (kinds 0xc8-0xcf, the
 * parameter in the length byte): the link MTU lowered and raised (560..1580:
 * below 576 and above the creation MTU refused), the IPv4 address moved
 * within 10.0.0.0/24 with or without a gateway, removed, restored, bad
 * arguments refused; and a new active connection (IPv4 or IPv6) once the
 * application's has gone, so that later changes meet a live one. */
static void reconfig(sk_stack *s, uint64_t now, uint8_t kind, uint8_t arg, sk_sock *c)
{
    sk_ip4 home = sk_ip4_make(10, 0, 0, 2), gw = sk_ip4_make(10, 0, 0, 1), zero = {{0}};
    sk_ip4 old = s->ifc.addr4;
    switch (kind & 7) {
    case 0:
    case 1: {
        uint16_t mtu = (uint16_t)(560 + arg * 4);
        int r = sk_stack_set_mtu(s, mtu);
        CHECK((r == 0) == (mtu >= 576 && mtu <= 1500));
        break;
    }
    case 2: {
        sk_ip4 a = sk_ip4_make(10, 0, 0, arg);
        bool with_gw = arg & 1;
        int r = sk_stack_set_ipv4(s, now, a, 24, with_gw ? gw : zero);
        CHECK((r == 0) == (arg != 0 && arg != 255 && !(with_gw && arg == 1)));
        if (r == 0 && arg != old.b[3])
            check_addr_gone(s, old);
        break;
    }
    case 3:
        CHECK(sk_stack_set_ipv4(s, now, zero, 0, zero) == 0);
        check_addr_gone(s, old);
        break;
    case 4:
        CHECK(sk_stack_set_ipv4(s, now, home, 24, (arg & 1) ? gw : zero) == 0);
        break;
    case 5:
        CHECK(sk_stack_set_ipv4(s, now, home, 33, zero) != 0);
        CHECK(sk_stack_set_ipv4(s, now, zero, 24, gw) != 0);
        CHECK(sk_stack_set_mtu(NULL, 1500) != 0);
        break;
    case 6: {
        sk_tcp_info in;
        if (sk_tcp_get_info(s, *c, &in) == 0 && in.state != SK_TCP_CLOSED)
            break;
        sk_tcp_close(s, now, *c);
        sk_ip6 p6 = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
        sk_endpoint ep = {(arg & 1) ? sk_ipaddr_from_ip6(p6) : sk_ipaddr_from_ip4(gw), 5000};
        sk_connect_opts co = {40000, 0, true, 1000};
        sk_sock n;
        if (sk_tcp_connect(s, now, &ep, &co, &n) == 0)
            *c = n;
        break;
    }
    default:
        CHECK(sk_stack_set_mtu(s, 1500) == 0);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_stack_config cfg;
    fz_config(&cfg, sk_ip4_make(10, 0, 0, 2));
    /* dual stack: 10.0.0.2/24 and 2001:db8::2/64 */
    cfg.addr = sk_ip4_make(0, 0, 0, 0);
    cfg.n_addrs = 2;
    cfg.addrs[0].addr = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 2));
    cfg.addrs[0].prefix_len = 24;
    cfg.addrs[1].addr = sk_ipaddr_from_ip6((sk_ip6){{0x20, 0x01, 0x0d, 0xb8, [15] = 2}});
    cfg.addrs[1].prefix_len = 64;
    sk_sock l, c;
    sk_listen_opts lo = {2, 0, true, 8000};
    cfg.udp_max_sockets = 3;
    cfg.udp_rcvq_datagrams = 4;
    cfg.udp_rcvq_bytes = 2000;
    cfg.udp_sndq_datagrams = 3;
    cfg.dev.tx_csum = true;
    cfg.dev.rx_csum = true;
    cfg.dev.gro = true;
    cfg.dev.tso_max = SK_TSO_MAX;
    cfg.sndbuf_max = 8u * cfg.sndbuf; /* buffer auto-tuning under hostile segments */
    cfg.rcvbuf_max = 8u * cfg.rcvbuf;
    sk_stack *s = fz_start(&cfg, &lo, sk_ip4_make(10, 0, 0, 1), &l, &c);
    sk_frame_meta meta;
    memset(&meta, 0, sizeof meta);
    sk_sock ub, uc;
    sk_endpoint l53 = {{0}, 53}, l40001 = {{0}, 40001};
    sk_endpoint r5353 = {sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1)), 5353};
    CHECK(sk_udp_open(s, &ub) == 0 && sk_udp_bind(s, ub, &l53) == 0);
    CHECK(sk_udp_open(s, &uc) == 0 && sk_udp_bind(s, uc, &l40001) == 0);
    CHECK(sk_udp_connect(s, uc, &r5353) == 0);
    uint64_t now = 0;
    uint8_t frame[1600];
    size_t i = 0;
    while (i + 2 <= size) {
        uint8_t kind = data[i], len = data[i + 1];
        i += 2;
        size_t n = len < size - i ? len : size - i;
        if (kind >= 0x90 && kind < 0x98) {
            size_t m = udp_frame(data + i, n, frame, sizeof frame, kind & 4);
            if (m > 0)
                sk_stack_input_meta(s, now, frame, m, &meta);
            i += n;
        } else if (kind >= 0x98 && kind < 0xa0) {
            /* odd kinds: to the listener's port (its child), even: the connection */
            uint8_t seg[SK_TCP_MAX_HDR_LEN + 255];
            size_t m = fz_build_segment(&s->env, sk_stack_tcb(s, c), now, data + i, n,
                                        (kind & 1) ? 80 : 40000, seg, sizeof seg);
            m = m > 0 ? fix_frame(seg, m, frame, sizeof frame, false) : 0;
            if (m > 0)
                sk_stack_input_meta(s, now, frame, m, &meta);
            i += n;
        } else if (kind < 0xa0) {
            size_t m = (kind & 0x41) == 0x41 ? fix_frame6(data + i, n, frame, sizeof frame)
                        : (kind & 1)         ? fix_frame(data + i, n, frame, sizeof frame, true)
                                             : 0;
            if (m > 0)
                sk_stack_input_meta(s, now, frame, m, &meta);
            else
                sk_stack_input_meta(s, now, data + i, n, &meta);
            i += n;
        } else if (kind < 0xc8) {
            now += (uint64_t)len * 10000u; /* up to 2.55 s per step */
            meta = meta_of(kind, len);
        } else if (kind < 0xd0) {
            reconfig(s, now, kind, len, &c);
        } else if (kind < 0xe8) {
            app_call(s, now, len, &c, l);
        } else {
            udp_call(s, now, len, &ub, uc);
        }
        uint64_t at = drain_meta(&cfg, s, now);
        fz_check_stack(s, now);
        check_conn(s, c);
        fz_check_udp(s);
        if (kind >= 0xa0 && kind < 0xc8 && at != SK_NEVER && at > now && at - now < 5000000)
            now = at; /* let timers fire (at the next step's drain) */
    }
    fz_finish(s);
    return 0;
}
