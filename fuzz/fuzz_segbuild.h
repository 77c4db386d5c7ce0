/* A TCP segment built from fuzzer bytes around a connection's edges, so
 * that SACK-permitted, SACK blocks and timestamps reach the stack from the
 * input itself, not only from corpus seeds: sequence and ACK numbers near
 * SND.UNA, SND.NXT, SND.MAX, RCV.NXT, the right edge of our window or an
 * ISN; SACK blocks (0-4, empty ones and ones past SND.MAX included) with
 * edges near the same points; timestamps whose TSval steps from TS.Recent
 * by a small or a 2^16-scaled amount either way (old ones for PAWS) and
 * whose TSecr echoes our clock some milliseconds back (or anything).
 *
 * Layout of the record bytes (missing bytes read as 0):
 *   0 flags        1 seq/ack edge selectors   2-3 seq offset (int16)
 *   4 ack offset (int8)   5 options: bit 0 SACK-permitted, 1 timestamps,
 *   2-4 SACK block count, 5 MSS, 6 window scale   6 window (<< 8)
 *   7 payload length   then, with timestamps: TSval step (int8), its
 *   scale (odd: << 16), TSecr age in ms (255: a raw value from the next
 *   4 bytes); then per SACK block: edge selector, offset (int8), length / 8. */
#ifndef SK_FUZZ_SEGBUILD_H
#define SK_FUZZ_SEGBUILD_H

#include "tcp/tcp_conn.h"
#include "wire/tcp_hdr.h"

#include <stdint.h>
#include <string.h>

typedef struct {
    const uint8_t *p;
    size_t n, i;
} fz_rd;

static inline uint8_t fz_rd8(fz_rd *r)
{
    return r->i < r->n ? r->p[r->i++] : 0;
}

/* A sequence number `d` away from one of t's edges (t may be NULL: the
 * listener's fixed ISN 8000 and zeros). */
static inline sk_seq fz_near_edge(const sk_tcp_env *e, const sk_tcb *t, uint8_t sel, int32_t d)
{
    static const sk_tcb none;
    if (t == NULL)
        t = &none;
    sk_seq base;
    switch (sel % 8) {
    case 0: base = t->snd_una; break;
    case 1: base = t == &none ? t->snd_una : sk_tcb_snd_nxt(e, t); break;
    case 2: base = t == &none ? t->snd_una : sk_tcb_snd_max(e, t); break;
    case 3: base = t->rcv_nxt; break;
    case 4: base = t->rcv_adv; break;
    case 5: base = t->iss; break;
    case 6: base = t->irs; break;
    default: base = sk_seq_make(8001); break;
    }
    return sk_seq_add(base, (uint32_t)d);
}

static inline void fz_build_ts(fz_rd *r, const sk_tcb *t, uint64_t now, sk_tcp_opts *o)
{
    int32_t step = (int8_t)fz_rd8(r);
    if (fz_rd8(r) & 1)
        step *= 65536;
    uint8_t age = fz_rd8(r);
    o->has_ts = true;
    o->ts_val = (t != NULL ? t->ts_recent : 0) + (uint32_t)step;
    if (age == 255) {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++)
            v = (v << 8) | fz_rd8(r);
        o->ts_ecr = v;
    } else {
        o->ts_ecr = (t != NULL ? sk_ts_now(t, now) : 0) - age;
    }
}

/* Build the segment into buf (TCP header and payload, checksum left to the
 * caller); 0 when nothing fits. */
static inline size_t fz_build_segment(const sk_tcp_env *e, const sk_tcb *t, uint64_t now,
                                      const uint8_t *p, size_t n,
                                      uint16_t dport, uint8_t *buf, size_t cap)
{
    static const uint8_t payload[255];
    fz_rd r = {p, n, 0};
    sk_tcp_repr h;
    memset(&h, 0, sizeof h);
    h.src_port = 5000;
    h.dst_port = dport;
    h.flags = (uint8_t)(fz_rd8(&r) & 0x3f);
    uint8_t sel = fz_rd8(&r);
    int32_t dseq = (int16_t)(uint16_t)(fz_rd8(&r) << 8);
    dseq |= fz_rd8(&r);
    h.seq = fz_near_edge(e, t, sel & 15, (int16_t)dseq);
    h.ack = fz_near_edge(e, t, (uint8_t)(sel >> 4), (int8_t)fz_rd8(&r));
    uint8_t ob = fz_rd8(&r);
    h.window = (uint16_t)(fz_rd8(&r) << 8);
    h.payload_len = fz_rd8(&r);
    h.payload = payload;
    h.opts.sack_permitted = (ob & 1) != 0;
    h.opts.has_mss = (ob & 0x20) != 0;
    h.opts.mss = 536;
    h.opts.has_wscale = (ob & 0x40) != 0;
    h.opts.wscale = 7;
    if (ob & 2)
        fz_build_ts(&r, t, now, &h.opts);
    uint8_t nb = (uint8_t)((ob >> 2) & 7);
    if (nb > SK_TCP_MAX_SACK)
        nb = SK_TCP_MAX_SACK;
    for (uint8_t k = 0; k < nb; k++) {
        uint8_t bsel = fz_rd8(&r);
        sk_seq left = fz_near_edge(e, t, bsel, (int8_t)fz_rd8(&r));
        h.opts.sack[k].left = left;
        h.opts.sack[k].right = sk_seq_add(left, (uint32_t)fz_rd8(&r) * 8u);
    }
    h.opts.n_sack = nb;
    size_t m = 0;
    while ((m = sk_tcp_emit(&h, buf, cap)) == 0 && h.opts.n_sack > 0)
        h.opts.n_sack--; /* the options did not fit: fewer blocks */
    return m;
}

#endif
