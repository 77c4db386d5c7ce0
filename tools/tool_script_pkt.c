/* `synack script`: segments of a script line on the wire. The peer's
 * sequence numbers are written as they go on the wire (the script's SYN
 * carries the peer's ISN); synack's are relative to its ISN, learned from
 * the first SYN it sends (packetdrill's convention). TS ecr of `<` lines is
 * shifted by the offset between synack's TSval and the script's, learned
 * from the first `>` line with timestamps. */
#include "tool_script.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/seg_text.h"
#include "wire/tcp_hdr.h"

#include <string.h>

void sc_addrs(uint8_t family, sk_ipaddr *us, sk_ipaddr *peer)
{
    if (family == SK_AF_INET6) {
        sk_ip6 a = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
        *us = sk_ipaddr_from_ip6(a);
        a.b[15] = 2;
        *peer = sk_ipaddr_from_ip6(a);
    } else {
        *us = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 1));
        *peer = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2));
    }
}

/* The IP header of a packet from the peer carrying tlen bytes of TCP; its
 * length (0 when it does not fit). */
static size_t build_ip(const sc_flow *fl, size_t tlen, uint8_t *buf, size_t cap)
{
    if (fl->peer.family == SK_AF_INET6) {
        sk_ip6_repr ip = {.payload_len = (uint16_t)tlen, .next_header = 6, .hop_limit = 64};
        memcpy(ip.src.b, fl->peer.b, 16);
        memcpy(ip.dst.b, fl->us.b, 16);
        return SK_IP6_HDR_LEN + tlen <= cap ? sk_ip6_emit(&ip, buf, cap) : 0;
    }
    sk_ip4_repr ip = {.total_len = (uint16_t)(20 + tlen), .df = true, .ttl = 64, .proto = 6};
    memcpy(ip.src.b, fl->peer.b, 4);
    memcpy(ip.dst.b, fl->us.b, 4);
    return 20 + tlen <= cap ? sk_ip4_emit(&ip, buf, cap) : 0;
}

/* The option bytes of a `<` line, in the order written, padded with EOL to
 * a multiple of 4; 0 when they exceed 40 bytes (-1 as size_t: too long). */
static size_t build_opts(const sc_flow *fl, const sc_seg *sg, uint8_t *o)
{
    size_t n = 0;
    for (int i = 0; i < sg->n_opts; i++) {
        const sc_opt *op = &sg->opts[i];
        size_t need = op->kind == SC_O_MSS ? 4u : op->kind == SC_O_WS ? 3u
                    : op->kind == SC_O_SACKOK ? 2u : op->kind == SC_O_TS ? 10u
                    : op->kind == SC_O_SACK ? 2u + 8u * op->n_blocks : 1u;
        if (n + need > 40)
            return (size_t)-1;
        switch (op->kind) {
        case SC_O_NOP: o[n] = SK_TCPOPT_NOP; break;
        case SC_O_EOL: o[n] = SK_TCPOPT_EOL; break;
        case SC_O_MSS: o[n] = SK_TCPOPT_MSS; o[n + 1] = 4; sk_store_be16(o + n + 2, (uint16_t)op->v[0]); break;
        case SC_O_WS: o[n] = SK_TCPOPT_WSCALE; o[n + 1] = 3; o[n + 2] = (uint8_t)op->v[0]; break;
        case SC_O_SACKOK: o[n] = SK_TCPOPT_SACK_PERM; o[n + 1] = 2; break;
        case SC_O_TS:
            o[n] = SK_TCPOPT_TS;
            o[n + 1] = 10;
            sk_store_be32(o + n + 2, op->v[0]);
            sk_store_be32(o + n + 6, fl->ts_known ? (uint32_t)(op->v[1] + (uint32_t)fl->ts_off) : op->v[1]);
            break;
        default: /* SC_O_SACK: blocks in synack's sequence space */
            o[n] = SK_TCPOPT_SACK;
            o[n + 1] = (uint8_t)need;
            for (int b = 0; b < 2 * op->n_blocks; b++)
                sk_store_be32(o + n + 2 + 4 * b, op->v[b] + fl->our_isn);
            break;
        }
        n += need;
    }
    while (n % 4 != 0)
        o[n++] = SK_TCPOPT_EOL;
    return n;
}

size_t sc_build_in(const sc_flow *fl, const sc_seg *sg, uint8_t *buf, size_t cap)
{
    uint8_t opts[48];
    size_t olen = build_opts(fl, sg, opts);
    uint32_t plen = sg->end - sg->seq;
    size_t tlen = SK_TCP_HDR_LEN + olen + plen;
    size_t hl = olen == (size_t)-1 ? 0 : build_ip(fl, tlen, buf, cap);
    if (hl == 0)
        return 0;
    uint8_t *t = buf + hl;
    memset(t, 0, tlen);
    sk_store_be16(t, fl->rport);
    sk_store_be16(t + 2, fl->lport);
    sk_store_be32(t + 4, sg->seq);
    sk_store_be32(t + 8, sg->has_ack ? sg->ack + fl->our_isn : 0);
    t[12] = (uint8_t)(((SK_TCP_HDR_LEN + olen) / 4) << 4);
    t[13] = sg->flags;
    sk_store_be16(t + 14, (uint16_t)(sg->has_win ? sg->win : 65535u));
    memcpy(t + SK_TCP_HDR_LEN, opts, olen);
    sk_csum_l4_fill(&fl->peer, &fl->us, 6, t, tlen, SK_TCP_CSUM_OFF);
    return hl + tlen;
}

/* The TCP segment of an emitted frame from us to the peer; false (with a
 * reason) for anything else. */
static bool parse_out(const sc_flow *fl, const uint8_t *frame, size_t len, sk_tcp_repr *h,
                      char *why, size_t cap)
{
    const uint8_t *seg = NULL;
    size_t seg_len = 0;
    bool addrs_ok = false;
    if (fl->us.family == SK_AF_INET6) {
        sk_ip6_repr ip;
        if (sk_ip6_parse(frame, len, &ip) == 0 && ip.next_header == 6) {
            seg = ip.payload;
            seg_len = ip.payload_len;
            addrs_ok = memcmp(ip.src.b, fl->us.b, 16) == 0 && memcmp(ip.dst.b, fl->peer.b, 16) == 0;
        }
    } else {
        sk_ip4_repr ip;
        if (sk_ip4_parse(frame, len, &ip) == 0 && ip.proto == 6) {
            seg = ip.payload;
            seg_len = ip.payload_len;
            addrs_ok = memcmp(ip.src.b, fl->us.b, 4) == 0 && memcmp(ip.dst.b, fl->peer.b, 4) == 0;
        }
    }
    if (seg == NULL) {
        snprintf(why, cap, "a frame that is not IPv%d/TCP (%zu bytes)", fl->us.family, len);
        return false;
    }
    if (!addrs_ok || !sk_csum_l4_ok(&fl->us, &fl->peer, 6, seg, seg_len) ||
        sk_tcp_parse(seg, seg_len, h) != 0) {
        snprintf(why, cap, "a TCP segment with wrong addresses, checksum or header");
        return false;
    }
    return true;
}

static void format_repr(const sc_flow *fl, const sk_tcp_repr *h, char *out, size_t cap)
{
    char fl_s[12], opts[200] = "", win[24] = "", ack[24] = "";
    uint32_t seq = (h->seq).v - fl->our_isn;
    if (h->flags & SK_TCP_SYN && !fl->isn_known)
        seq = 0;
    sk_tcp_flags_str(h->flags & (SK_TCP_SYN | SK_TCP_FIN | SK_TCP_RST | SK_TCP_PSH | SK_TCP_ACK),
                     fl_s, sizeof fl_s);
    if (h->flags & SK_TCP_ACK)
        snprintf(ack, sizeof ack, " ack %u", (h->ack).v);
    snprintf(win, sizeof win, " win %u", h->window);
    sk_tcp_opts o = h->opts;
    if (fl->ts_known) /* on the script's clock */
        o.ts_val -= (uint32_t)fl->ts_off;
    size_t n = sk_tcp_opts_str(&o, opts + 1, sizeof opts - 1);
    if (n > 0)
        opts[0] = ' ';
    snprintf(out, cap, "> %s %u:%u(%zu)%s%s%s", fl_s, seq, seq + (uint32_t)h->payload_len,
             h->payload_len, ack, win, n > 0 ? opts : "");
}

void sc_format_frame(const sc_flow *fl, const uint8_t *frame, size_t len, char *out, size_t cap)
{
    sk_tcp_repr h;
    char why[120];
    if (!parse_out(fl, frame, len, &h, why, sizeof why))
        snprintf(out, cap, "%s", why);
    else
        format_repr(fl, &h, out, cap);
}

void sc_format_seg(const sc_seg *sg, char dir, char *out, size_t cap)
{
    char fl_s[12];
    sk_tcp_flags_str(sg->flags, fl_s, sizeof fl_s);
    int n = snprintf(out, cap, "%c %s %u:%u(%u)", dir, fl_s, sg->seq, sg->end, sg->end - sg->seq);
    if (sg->has_ack && n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, " ack %u", sg->ack);
    if (sg->has_win && n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, " win %u", sg->win);
    for (int i = 0; sg->has_opts && i < sg->n_opts && n > 0 && (size_t)n < cap; i++) {
        const sc_opt *o = &sg->opts[i];
        char one[120];
        static const char *const names[] = {"nop", "eol", "mss", "wscale", "sackOK", "TS", "sack"};
        int k = snprintf(one, sizeof one, "%s", names[o->kind]);
        if (o->kind == SC_O_MSS || o->kind == SC_O_WS)
            snprintf(one + k, sizeof one - (size_t)k, " %u", o->v[0]);
        else if (o->kind == SC_O_TS)
            snprintf(one + k, sizeof one - (size_t)k, " val %u ecr %u", o->v[0], o->v[1]);
        for (int b = 0; o->kind == SC_O_SACK && b < o->n_blocks; b++)
            k += snprintf(one + k, sizeof one - (size_t)k, " %u:%u", o->v[2 * b], o->v[2 * b + 1]);
        n += snprintf(out + n, cap - (size_t)n, "%s%s", i == 0 ? " <" : ",", one);
    }
    if (sg->has_opts && n > 0 && (size_t)n + 1 < cap)
        snprintf(out + n, cap - (size_t)n, "%s", sg->n_opts == 0 ? " <>" : ">");
}

/* The layout: the kinds of the segment's options in order (trailing EOL
 * padding aside) must be the line's, NOPs included, as packetdrill compares
 * option bytes. h is a parsed segment, so the list is well formed. */
static bool match_layout(const sc_seg *want, const sk_tcp_repr *h, char *why, size_t cap)
{
    static const uint8_t kinds[] = {SK_TCPOPT_NOP, SK_TCPOPT_EOL, SK_TCPOPT_MSS, SK_TCPOPT_WSCALE,
                                    SK_TCPOPT_SACK_PERM, SK_TCPOPT_TS, SK_TCPOPT_SACK};
    const uint8_t *o = h->payload - (h->hdr_len - SK_TCP_HDR_LEN);
    size_t n = (size_t)h->hdr_len - SK_TCP_HDR_LEN, at = 0;
    int i = 0;
    while (at < n) {
        bool padding = o[at] == SK_TCPOPT_EOL && (i >= want->n_opts || want->opts[i].kind != SC_O_EOL);
        if (padding)
            break;
        if (i >= want->n_opts || kinds[want->opts[i].kind] != o[at])
            return snprintf(why, cap, "another option layout (option %d)", i + 1), false;
        at += (o[at] <= SK_TCPOPT_NOP || at + 1 >= n || o[at + 1] < 2) ? 1u : o[at + 1];
        i++;
    }
    if (i != want->n_opts)
        return snprintf(why, cap, "fewer options"), false;
    return true;
}

/* The options the line names (nop and eol aside) against the segment's. */
static bool match_opts(sc_flow *fl, const sc_seg *want, const sk_tcp_opts *o, char *why, size_t cap)
{
    bool mss = false, ws = false, sok = false, ts = false;
    int nsack = 0;
    for (int i = 0; i < want->n_opts; i++) {
        const sc_opt *op = &want->opts[i];
        if (op->kind == SC_O_MSS && (mss = true) && (!o->has_mss || o->mss != op->v[0]))
            return snprintf(why, cap, "MSS %u expected", op->v[0]), false;
        if (op->kind == SC_O_WS && (ws = true) && (!o->has_wscale || o->wscale != op->v[0]))
            return snprintf(why, cap, "wscale %u expected", op->v[0]), false;
        if (op->kind == SC_O_SACKOK && (sok = true) && !o->sack_permitted)
            return snprintf(why, cap, "sackOK expected"), false;
        if (op->kind == SC_O_TS) {
            ts = true;
            if (!o->has_ts || o->ts_ecr != op->v[1])
                return snprintf(why, cap, "TS ecr %u expected", op->v[1]), false;
            if (fl->ts_known && o->ts_val != (uint32_t)(op->v[0] + (uint32_t)fl->ts_off))
                return snprintf(why, cap, "TS val %u expected, %u on synack's clock",
                                op->v[0], (uint32_t)(o->ts_val - (uint32_t)fl->ts_off)), false;
            if (!fl->ts_known) {
                fl->ts_known = true;
                fl->ts_off = (int64_t)o->ts_val - (int64_t)op->v[0];
            }
        }
        if (op->kind == SC_O_SACK) {
            nsack = op->n_blocks;
            for (int b = 0; b < op->n_blocks; b++)
                if (b >= o->n_sack || (o->sack[b].left).v != op->v[2 * b] ||
                    (o->sack[b].right).v != op->v[2 * b + 1])
                    return snprintf(why, cap, "SACK block %u:%u expected", op->v[2 * b],
                                    op->v[2 * b + 1]), false;
        }
    }
    if (mss != o->has_mss || ws != o->has_wscale || sok != o->sack_permitted ||
        ts != o->has_ts || nsack != o->n_sack)
        return snprintf(why, cap, "other options"), false;
    return true;
}

bool sc_match_out(sc_flow *fl, const sc_seg *want, const uint8_t *frame, size_t len, char *why,
                  size_t cap)
{
    sk_tcp_repr h;
    if (!parse_out(fl, frame, len, &h, why, cap))
        return false;
    if ((h.flags & SK_TCP_SYN) && !fl->isn_known) {
        fl->our_isn = (h.seq).v - want->seq;
        fl->isn_known = true;
        fl->lport = h.src_port;
    }
    uint32_t seq = (h.seq).v - fl->our_isn;
    if (h.src_port != fl->lport || h.dst_port != fl->rport)
        return snprintf(why, cap, "ports %u > %u, not %u > %u", h.src_port, h.dst_port,
                        fl->lport, fl->rport), false;
    uint8_t flags = h.flags & (uint8_t)~(SK_TCP_ECE | SK_TCP_CWR | SK_TCP_URG);
    if (flags != want->flags)
        return snprintf(why, cap, "other flags"), false;
    if (seq != want->seq || h.payload_len != want->end - want->seq)
        return snprintf(why, cap, "other sequence numbers"), false;
    if (want->has_ack && (h.ack).v != want->ack)
        return snprintf(why, cap, "other ack"), false;
    if (want->has_win && h.window != want->win)
        return snprintf(why, cap, "other window"), false;
    if (want->has_opts && (!match_layout(want, &h, why, cap) ||
                           !match_opts(fl, want, &h.opts, why, cap)))
        return false;
    return true;
}
