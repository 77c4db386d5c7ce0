/* A TCP segment from the interface, with the family-tagged addresses of
 * the IP header that carried it: checksum over the pseudo-header of its
 * family (RFC 9293 §3.1), parse, demultiplex to a connection or listener
 * (or none: RFC 9293 §3.10.7.1), trace, input. Bad segments are dropped and
 * counted by reason. */
#include "tcp/tcp_conn.h"

#include "base/checksum.h"
#include "wire/ipv4.h"

void sk_tcp_rx(sk_tcp_env *e, const sk_ipaddr *src, const sk_ipaddr *dst, const uint8_t *p,
               size_t len, const sk_rx_meta *rx, sk_time now)
{
    /* the IPv4 pseudo-header length is 16 bits (no datagram carries more);
     * a checksum the device checked (rx->csum_ok: dev.rx_csum and
     * DATA_VALID or NEEDS_CSUM) is not summed again */
    if (len < SK_TCP_HDR_LEN || len > 0xffffu ||
        (!rx->csum_ok && !sk_csum_l4_ok(src, dst, SK_IPPROTO_TCP, p, len))) {
        sk_tcp_count_drop(e, SK_DROP_TCP_CHECKSUM, NULL, now);
        return;
    }
    sk_tcp_repr seg;
    int r = sk_tcp_parse(p, len, &seg);
    if (r != 0) {
        sk_tcp_count_drop(e, r, NULL, now);
        return;
    }
    if (rx->gso_size > 0 && seg.payload_len > rx->gso_size)
        seg.gso_size = rx->gso_size; /* the device merged segments (GRO) */
    if (seg.src_port == 0 || seg.dst_port == 0) {
        sk_tcp_count_drop(e, SK_DROP_TCP_BAD_PORT, NULL, now);
        return;
    }
    if (seg.opts.malformed)
        e->ctx->stats.opts_malformed++;
    e->ctx->stats.segs_in++;
    sk_tuple tu = {*dst, *src, seg.dst_port, seg.src_port};
    sk_tcb *t = sk_demux_lookup(e, &tu);
    if (t == NULL) { /* TIME-WAIT, as a record (tcp_timewait.c) */
        sk_tw_expire(e, now);
        if (sk_tw_find(e, &tu) != SK_TW_NONE) {
            sk_tcp_trace_seg(e, SK_TRACE_SEG_IN, NULL, &tu, false, &seg, now, SK_REXMIT_NONE);
            sk_tw_input(e, &tu, &seg, now);
            return;
        }
        uint32_t ho = sk_ho_find(e, &tu); /* SYN-RECEIVED, as a record (tcp_halfopen.c) */
        if (ho != SK_HO_NONE) {
            sk_tcp_trace_seg(e, SK_TRACE_SEG_IN, NULL, &tu, false, &seg, now, SK_REXMIT_NONE);
            sk_ho_input(e, ho, &tu, &seg, now);
            return;
        }
    }
    if (t == NULL)
        t = sk_demux_listener(e, &tu.laddr, tu.lport);
    sk_tcp_trace_seg(e, SK_TRACE_SEG_IN, t, &tu, false, &seg, now, SK_REXMIT_NONE);
    if (t == NULL)
        sk_tcp_input_closed(e, &tu, &seg, now);
    else if (!(t->flags & SK_TF_LISTENER) && !sk_tcb_ext_attach(e, t))
        sk_tcp_count_drop(e, SK_DROP_TCP_NO_MEMORY, t, now); /* the peer sends it again */
    else {
        sk_tcp_input(e, t, &tu, &seg, now);
        sk_tcb_ext_settle(e, t); /* t may be another connection now: settle checks */
    }
}
