/* ICMPv6 (RFC 4443) at the interface: echo replies to pings of us, echo
 * requests and replies for the ping API, errors received (to TCP, with the
 * RFC 5927 checks of tcp/tcp_icmp.c, and to UDP; packet too big to the
 * path MTU cache, iface_pmtu6.c), and errors of our own.
 *
 * Everything to send waits in one bounded queue of SK_ICMP6Q_CAP messages
 * (MTU - 40 bytes each, allocated at creation). Our errors follow RFC 4443
 * §2.4: never about an ICMPv6 error or a redirect (e.1, e.2), never to a
 * group or after a link-layer multicast except packet too big and the
 * parameter problem of an unknown option that asks for it (e.3, e.4), never
 * about a source that names no single node (e.5), at most 1280 bytes
 * (c), and rate limited (f) by the token bucket ICMPv4 uses. Echo replies
 * are not rate limited (RFC 4443 §4.2: the reply to a request to a group
 * comes from one of our unicast addresses). */
#include "iface/iface.h"

#include "base/bytes.h"
#include "synack/error.h"
#include "wire/icmp6.h"

#include <string.h>

static size_t msg_cap(const sk_iface *ifc)
{
    return ifc->cfg->mtu > SK_IP6_HDR_LEN ? (size_t)ifc->cfg->mtu - SK_IP6_HDR_LEN : 0;
}

/* A queue slot holds a message at the creation MTU (cfg->mtu may be
 * lowered since, sk_stack_set_mtu): the block is laid out and given back
 * with this size, messages are cut to msg_cap. */
static size_t slot_size(const sk_iface *ifc)
{
    return ifc->mtu_alloc > SK_IP6_HDR_LEN ? (size_t)ifc->mtu_alloc - SK_IP6_HDR_LEN : 0;
}

int sk_icmp6_init(sk_iface *ifc)
{
    sk_icmp6q *q = &ifc->icmp6;
    q->mem = sk_iface_alloc(ifc, slot_size(ifc) * SK_ICMP6Q_CAP + 1);
    if (q->mem == NULL)
        return SK_ENOMEM;
    for (uint32_t i = 0; i < SK_ICMP6Q_CAP; i++)
        q->q[i].msg = q->mem + i * slot_size(ifc);
    return 0;
}

void sk_icmp6_free(sk_iface *ifc)
{
    sk_icmp6q *q = &ifc->icmp6;
    if (q->mem != NULL)
        sk_iface_release(ifc, q->mem, slot_size(ifc) * SK_ICMP6Q_CAP + 1);
    memset(q, 0, sizeof *q);
}

static sk_icmp6_out *slot(sk_icmp6q *q)
{
    return q->len == SK_ICMP6Q_CAP ? NULL : &q->q[(q->head + q->len) % SK_ICMP6Q_CAP];
}

/* Emit r from src to dst into the next queue slot (false: full or no room). */
static bool queue_msg(sk_iface *ifc, sk_ip6 src, sk_ip6 dst, const sk_icmp6_repr *r)
{
    sk_icmp6q *q = &ifc->icmp6;
    sk_icmp6_out *o = slot(q);
    if (o == NULL)
        return false;
    size_t n = sk_icmp6_emit(src, dst, r, o->msg, msg_cap(ifc));
    if (n == 0)
        return false;
    o->src = src;
    o->dst = dst;
    o->len = (uint16_t)n;
    q->len++;
    return true;
}

/* ---- our errors ---- */

/* RFC 4443 §2.4 (e.1, e.2): the packet is itself an ICMPv6 error or a
 * redirect (only when ICMPv6 follows the fixed header directly; behind
 * extension headers we answer, as the quote is all we keep). */
static bool about_error(const uint8_t *pkt, size_t len)
{
    if (len <= SK_IP6_HDR_LEN || pkt[6] != SK_IPPROTO_ICMPV6)
        return false;
    uint8_t t = pkt[SK_IP6_HDR_LEN];
    return sk_icmp6_is_error(t) || t == SK_ICMP6_ND_REDIRECT;
}

void sk_icmp6_error(sk_iface *ifc, sk_time now, uint8_t type, uint8_t code, uint32_t word,
                    const uint8_t *pkt, size_t pkt_len, bool mcast_ok)
{
    if (pkt_len < SK_IP6_HDR_LEN || about_error(pkt, pkt_len))
        return;
    sk_ip6 osrc, odst, src;
    memcpy(osrc.b, pkt + 8, 16);
    memcpy(odst.b, pkt + 24, 16);
    if (sk_ip6_is_unspecified(osrc) || sk_ip6_is_multicast(osrc)) /* e.5 */
        return;
    if (sk_ip6_is_multicast(odst) && !mcast_ok) /* e.3 */
        return;
    /* from the address the packet was sent to, or ours for a group */
    if (sk_ip6_is_multicast(odst) ? !sk_iface_src_for6(ifc, osrc, &src) : false)
        return;
    if (!sk_ip6_is_multicast(odst))
        src = odst;
    if (slot(&ifc->icmp6) == NULL || !sk_icmp_take_token(ifc, now)) {
        ifc->ctx->stats.icmp_rate_limited++;
        return;
    }
    sk_icmp6_repr m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.code = code;
    m.mtu = word;
    m.pointer = word;
    m.data = pkt;
    m.data_len = pkt_len; /* the emitter cuts it to fit 1280 bytes (c) */
    if (m.data_len > msg_cap(ifc) - SK_ICMP6_HDR_LEN)
        m.data_len = msg_cap(ifc) - SK_ICMP6_HDR_LEN;
    queue_msg(ifc, src, osrc, &m);
}

/* ---- input ---- */

static void echo_request(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip,
                         const sk_icmp6_repr *m)
{
    sk_ip6 src = ip->dst;
    if (sk_ip6_is_multicast(ip->dst) && !sk_iface_src_for6(ifc, ip->src, &src))
        return;
    if (m->data_len + SK_ICMP6_HDR_LEN > msg_cap(ifc)) {
        sk_iface_drop(ifc, SK_DROP_ICMP_TOO_BIG, now);
        return;
    }
    /* RFC 4443 §4.2: the identifier, sequence number and data returned */
    sk_icmp6_repr r = *m;
    r.type = SK_ICMP6_ECHO_REPLY;
    r.code = 0;
    if (!queue_msg(ifc, src, ip->src, &r))
        sk_iface_drop(ifc, SK_DROP_ICMP_QUEUE_FULL, now);
}

static void echo_reply(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip,
                       const sk_icmp6_repr *m)
{
    sk_ping_reply *p = sk_icmp_reply_slot(ifc, now);
    if (p == NULL)
        return;
    p->from.family = SK_AF_INET6;
    memcpy(p->from.b, ip->src.b, 16);
    p->id = m->echo_id;
    p->seq = m->echo_seq;
    p->ttl = ip->hop_limit;
    p->len = (uint16_t)m->data_len;
}

/* An error about one of our UDP datagrams (RFC 4443 §3.1, §2.4 (e): to
 * the process; RFC 1122 §4.1.3.3, RFC 8085 §5.2): port unreachable, and
 * parameter problem code 1 at the next header (UDP unknown there, the
 * IPv6 protocol unreachable), are hard errors for the connected socket
 * with those ends, as on Linux (SK_ECONNREFUSED once, and an event). An
 * unconnected socket is not told: it could not tell which of its
 * destinations failed, and Linux reports to one only with IPV6_RECVERR,
 * which we do not have. The rest are soft errors, counted only. */
static int error_udp(sk_iface *ifc, const sk_icmp6_repr *m, const uint8_t *q, size_t off)
{
    bool hard = (m->type == SK_ICMP6_DEST_UNREACH && m->code == SK_ICMP6_UNREACH_PORT) ||
                (m->type == SK_ICMP6_PARAM_PROBLEM && m->code == SK_ICMP6_PARAM_NEXT_HEADER);
    if (!hard || ifc->udp == NULL)
        return SK_DROP_UDP_ICMP_SOFT;
    sk_endpoint local, remote;
    memset(&local, 0, sizeof local);
    memset(&remote, 0, sizeof remote);
    local.addr.family = remote.addr.family = SK_AF_INET6;
    memcpy(local.addr.b, q + 8, 16);
    memcpy(remote.addr.b, q + 24, 16);
    local.port = sk_load_be16(q + off);
    remote.port = sk_load_be16(q + off + 2);
    return sk_udp_icmp_error(ifc->udp, &local, &remote, SK_ECONNREFUSED);
}

/* An error about one of our TCP segments, with the checks of RFC 5927. */
static int error_tcp(sk_iface *ifc, sk_time now, const sk_icmp6_repr *m, const uint8_t *q,
                     size_t off)
{
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr.family = tu.raddr.family = SK_AF_INET6;
    memcpy(tu.laddr.b, q + 8, 16);
    memcpy(tu.raddr.b, q + 24, 16);
    tu.lport = sk_load_be16(q + off);
    tu.rport = sk_load_be16(q + off + 2);
    sk_seq seq = sk_seq_make(sk_load_be32(q + off + 4));
    int kind = SK_TCP_ICMP_UNREACH;
    if (m->type == SK_ICMP6_DEST_UNREACH && m->code == SK_ICMP6_UNREACH_PORT)
        kind = SK_TCP_ICMP_REFUSED;
    else if (m->type == SK_ICMP6_PARAM_PROBLEM && m->code == SK_ICMP6_PARAM_NEXT_HEADER)
        kind = SK_TCP_ICMP_REFUSED; /* RFC 4443 §3.4: TCP not known there */
    return sk_tcp_icmp_error(ifc->tcp, &tu, seq, kind, now);
}

/* An error about a packet of ours: the quote's IPv6 header must come from
 * us; extension headers in it (RFC 4443 §2.4 (c) quotes as much of the
 * packet as fits, ours or a middlebox's additions) are stepped over to the
 * transport header, and a quote that ends before 8 bytes of it is dropped
 * (ICMP6_QUOTE_TRUNCATED). Packet too big goes to the path MTU cache
 * (iface_pmtu6.c, RFC 8201 §4), the rest to TCP or UDP. */
static void error_in(sk_iface *ifc, sk_time now, const sk_icmp6_repr *m)
{
    const uint8_t *q = m->data; /* the parser checked: a 40-byte IPv6 header */
    sk_ip6 s6;
    memcpy(s6.b, q + 8, 16);
    if (!sk_iface_is_ours6(ifc, s6)) {
        sk_iface_drop(ifc, SK_DROP_ICMP6_BAD_QUOTE, now);
        return;
    }
    uint8_t proto = 0;
    size_t off = 0;
    int r = sk_ip6_quote_l4(q, m->data_len, &proto, &off);
    if (r == 0 && m->type == SK_ICMP6_PACKET_TOO_BIG)
        r = sk_ifpmtu_ptb(ifc, now, q, proto, off, m->mtu);
    else if (r == 0 && proto == SK_IPPROTO_UDP)
        r = error_udp(ifc, m, q, off);
    else if (r == 0 && proto == SK_IPPROTO_TCP)
        r = error_tcp(ifc, now, m, q, off);
    else if (r == 0)
        r = SK_DROP_ICMP_NO_CONN;
    if (r != 0)
        sk_iface_drop(ifc, r, now);
}

void sk_icmp6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const uint8_t *msg,
                    size_t len)
{
    sk_icmp6_repr m;
    int r = sk_icmp6_parse(ip->src, ip->dst, msg, len, &m);
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        return;
    }
    sk_stats *st = &ifc->ctx->stats;
    st->icmp_in++;
    switch (m.type) {
    case SK_ICMP6_ECHO_REQUEST:
        st->icmp_echo_requests_in++;
        echo_request(ifc, now, ip, &m);
        return;
    case SK_ICMP6_ECHO_REPLY:
        st->icmp_echo_replies_in++;
        if (sk_ip6_is_multicast(ip->dst))
            sk_iface_drop(ifc, SK_DROP_ICMP6_UNHANDLED, now);
        else
            echo_reply(ifc, now, ip, &m);
        return;
    case SK_ICMP6_DEST_UNREACH:
        st->icmp_unreach_in++;
        error_in(ifc, now, &m);
        return;
    case SK_ICMP6_PACKET_TOO_BIG:
    case SK_ICMP6_TIME_EXCEEDED:
    case SK_ICMP6_PARAM_PROBLEM:
        if (m.type == SK_ICMP6_TIME_EXCEEDED)
            st->icmp_time_exceeded_in++;
        error_in(ifc, now, &m);
        return;
    case SK_ICMP6_ND_RS:
    case SK_ICMP6_ND_RA:
    case SK_ICMP6_ND_NS:
    case SK_ICMP6_ND_NA:
        sk_nd6_input(ifc, now, ip, msg, len);
        return;
    case SK_ICMP6_ND_REDIRECT:
        sk_redirect6_input(ifc, now, ip, msg, len);
        return;
    case SK_ICMP6_MLD_QUERY:
        sk_mld6_input(ifc, now, ip, msg, len);
        return;
    default: /* MLD reports: another listener's, nothing for a host to do */
        sk_iface_drop(ifc, SK_DROP_ICMP6_UNHANDLED, now);
        return;
    }
}

/* ---- output and the ping API ---- */

size_t sk_icmp6_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap)
{
    sk_icmp6q *q = &ifc->icmp6;
    sk_icmp6_out *o = &q->q[q->head];
    q->head = (q->head + 1) % SK_ICMP6Q_CAP;
    q->len--;
    size_t off = sk_iface_l4_offset(ifc, SK_AF_INET6);
    if (off + o->len > cap)
        return 0;
    memcpy(buf + off, o->msg, o->len);
    sk_stats *st = &ifc->ctx->stats;
    st->icmp_out++;
    uint8_t t = o->msg[0];
    if (t == SK_ICMP6_ECHO_REPLY)
        st->icmp_echo_replies_out++;
    else if (t == SK_ICMP6_ECHO_REQUEST)
        st->icmp_echo_requests_out++;
    else if (t == SK_ICMP6_DEST_UNREACH)
        st->icmp_unreach_out++;
    else if (t == SK_ICMP6_TIME_EXCEEDED)
        st->icmp_time_exceeded_out++;
    return sk_iface_send_ip6(ifc, now, buf, cap, o->src, o->dst, SK_IPPROTO_ICMPV6, 0,
                             ifc->hop_limit6, o->len);
}

int sk_icmp6_ping_send(sk_iface *ifc, sk_time now, sk_ip6 dst, uint16_t id, uint16_t seq,
                       const void *data, size_t len)
{
    (void)now;
    if ((data == NULL && len > 0) || sk_ip6_is_unspecified(dst) || sk_ip6_is_multicast(dst) ||
        sk_ip6_is_loopback(dst) || sk_ip6_is_v4_mapped(dst) || sk_iface_is_ours6(ifc, dst))
        return SK_EINVAL;
    if (len + SK_ICMP6_HDR_LEN > msg_cap(ifc))
        return SK_EMSGSIZE;
    sk_ip6 src;
    if (!sk_iface_src_for6(ifc, dst, &src))
        return SK_EHOSTUNREACH;
    sk_icmp6_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP6_ECHO_REQUEST;
    m.echo_id = id;
    m.echo_seq = seq;
    m.data = data;
    m.data_len = len;
    return queue_msg(ifc, src, dst, &m) ? 0 : SK_ENOBUFS;
}
