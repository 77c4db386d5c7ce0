/* ICMPv4 (RFC 792, RFC 1122 §3.2.2): echo replies to pings of us, echo
 * requests and their replies for the ping API, errors received (to TCP, with
 * the RFC 5927 checks in tcp/tcp_icmp.c), and errors of our own.
 *
 * Everything that will be sent waits in one bounded queue (cfg.icmp_queue_len
 * messages of up to MTU - 20 bytes, allocated at creation) until
 * sk_stack_output emits it. An echo request that finds the queue full is not
 * answered (ICMP_QUEUE_FULL). Echo replies are not rate limited (they answer
 * a request, as Linux does); errors are.
 *
 * Our errors follow RFC 1122 §3.2.2: never about an ICMP error, a datagram
 * to a broadcast or multicast address (or a link-layer broadcast), a
 * non-initial fragment, or a source that does not name one host. A token
 * bucket (cfg.icmp_error_rate per second, cfg.icmp_error_burst deep, like
 * Linux's icmp_msgs_per_sec / icmp_msgs_burst) limits them; an error the
 * bucket refuses is counted in stats.icmp_rate_limited.
 *
 * Echo requests to a broadcast address are answered only when
 * cfg.icmp_echo_broadcast is set (RFC 1122 §3.2.2.6 allows both; Linux
 * ignores them by default against smurf amplification); the reply comes from
 * our unicast address. Options of the request (record route, timestamp) are
 * not copied into the reply (RFC 1122 §3.2.2.6 SHOULD; not implemented). */
#include "iface/iface.h"

#include "base/bytes.h"
#include "synack/error.h"
#include "wire/icmp4.h"

#include <string.h>

static size_t icmp_msg_cap(const sk_iface *ifc)
{
    return (size_t)ifc->cfg->mtu - SK_IP4_HDR_LEN;
}

/* A queue slot holds a message at the creation MTU (cfg->mtu may be lowered). */
static size_t icmp_slot_size(const sk_iface *ifc)
{
    return (size_t)ifc->mtu_alloc - SK_IP4_HDR_LEN;
}

int sk_icmp_init(sk_iface *ifc)
{
    sk_icmp *ic = &ifc->icmp;
    ic->cap = ifc->cfg->icmp_queue_len;
    ic->rcap = ifc->cfg->ping_queue_len;
    ic->q = sk_iface_alloc(ifc, sizeof(sk_icmp_out) * (ic->cap + 1));
    ic->mem = sk_iface_alloc(ifc, icmp_slot_size(ifc) * (ic->cap + 1));
    ic->replies = sk_iface_alloc(ifc, sizeof(sk_ping_reply) * (ic->rcap + 1));
    if (ic->q == NULL || ic->mem == NULL || ic->replies == NULL)
        return SK_ENOMEM;
    for (uint32_t i = 0; i < ic->cap; i++)
        ic->q[i].msg = ic->mem + i * icmp_slot_size(ifc);
    return 0;
}

void sk_icmp_free(sk_iface *ifc)
{
    sk_icmp *ic = &ifc->icmp;
    sk_iface_release(ifc, ic->q, sizeof(sk_icmp_out) * (ic->cap + 1));
    sk_iface_release(ifc, ic->mem, icmp_slot_size(ifc) * (ic->cap + 1));
    sk_iface_release(ifc, ic->replies, sizeof(sk_ping_reply) * (ic->rcap + 1));
    memset(ic, 0, sizeof *ic);
}

/* The next free queue entry (not yet counted), or NULL when full. */
static sk_icmp_out *icmp_slot(sk_icmp *ic)
{
    if (ic->len == ic->cap)
        return NULL;
    return &ic->q[(ic->head + ic->len) % ic->cap];
}

static void icmp_commit(sk_icmp *ic, sk_icmp_out *o, sk_ip4 dst, size_t len)
{
    o->dst = dst;
    o->len = (uint16_t)len;
    ic->len++;
}

/* ---- our errors ---- */

/* RFC 1122 §3.2.2: ICMP messages that are not errors (echo, timestamp,
 * information, address mask) may be answered with an error; the rest not. */
static bool icmp_is_error(const sk_ip4_repr *orig)
{
    if (orig->proto != SK_IPPROTO_ICMP || orig->payload_len == 0)
        return false;
    uint8_t t = orig->payload[0];
    return !(t == 0 || t == 8 || (t >= 13 && t <= 18));
}

bool sk_icmp_take_token(sk_iface *ifc, sk_time now)
{
    return sk_tbucket_take(&ifc->icmp.bucket, now, ifc->cfg->icmp_error_rate,
                           ifc->cfg->icmp_error_burst);
}

void sk_icmp_error(sk_iface *ifc, sk_time now, uint8_t type, uint8_t code,
                   const sk_ip4_repr *orig, const uint8_t *orig_hdr, bool bcast)
{
    if (bcast || orig->frag_off != 0 || icmp_is_error(orig) ||
        !sk_iface_is_host(ifc, orig->src))
        return;
    sk_icmp *ic = &ifc->icmp;
    sk_icmp_out *o = icmp_slot(ic);
    if (o == NULL || !sk_icmp_take_token(ifc, now)) {
        ifc->ctx->stats.icmp_rate_limited++;
        return;
    }
    /* RFC 1812 §4.3.2.3: quote as much as fits in a 576-byte datagram */
    size_t room = SK_ICMP_QUOTE_MAX - SK_IP4_HDR_LEN - SK_ICMP_HDR_LEN;
    if (room > icmp_msg_cap(ifc) - SK_ICMP_HDR_LEN)
        room = icmp_msg_cap(ifc) - SK_ICMP_HDR_LEN;
    if ((size_t)orig->hdr_len + 8 > room) { /* a tiny MTU and a long header */
        ifc->ctx->stats.icmp_rate_limited++;
        return;
    }
    size_t data = orig->payload_len < room - orig->hdr_len ? orig->payload_len
                                                            : room - orig->hdr_len;
    uint8_t *q = o->msg + SK_ICMP_HDR_LEN;
    memcpy(q, orig_hdr, orig->hdr_len);
    memcpy(q + orig->hdr_len, orig->payload, data);
    sk_icmp4_repr m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.code = code;
    m.data = q;
    m.data_len = orig->hdr_len + data;
    size_t n = sk_icmp4_emit(&m, o->msg, icmp_msg_cap(ifc));
    icmp_commit(ic, o, orig->src, n);
}

/* ---- input ---- */

static void icmp_echo_request(sk_iface *ifc, sk_time now, const sk_ip4_repr *ip,
                              const sk_icmp4_repr *m)
{
    sk_icmp *ic = &ifc->icmp;
    if (ip->payload_len > icmp_msg_cap(ifc)) {
        sk_iface_drop(ifc, SK_DROP_ICMP_TOO_BIG, now); /* we never fragment */
        return;
    }
    sk_icmp_out *o = icmp_slot(ic);
    if (o == NULL) {
        sk_iface_drop(ifc, SK_DROP_ICMP_QUEUE_FULL, now);
        return;
    }
    /* RFC 792: the same identifier, sequence number and data */
    sk_icmp4_repr r = *m;
    r.type = SK_ICMP_ECHO_REPLY;
    r.code = 0;
    size_t n = sk_icmp4_emit(&r, o->msg, icmp_msg_cap(ifc));
    icmp_commit(ic, o, ip->src, n);
}

/* The next slot of the ping reply queue (sk_ping_next_reply), zeroed, with
 * `at` set; NULL when the queue is full (counted). The caller fills the
 * reply: an ICMPv4 or ICMPv6 echo reply to one of our pings. */
sk_ping_reply *sk_icmp_reply_slot(sk_iface *ifc, sk_time now)
{
    sk_icmp *ic = &ifc->icmp;
    if (ic->rlen == ic->rcap) {
        sk_iface_drop(ifc, SK_DROP_PING_QUEUE_FULL, now);
        return NULL;
    }
    sk_ping_reply *p = &ic->replies[(ic->rhead + ic->rlen) % ic->rcap];
    memset(p, 0, sizeof *p);
    p->at = now;
    ic->rlen++;
    return p;
}

static void icmp_echo_reply(sk_iface *ifc, sk_time now, const sk_ip4_repr *ip,
                            const sk_icmp4_repr *m)
{
    sk_ping_reply *p = sk_icmp_reply_slot(ifc, now);
    if (p == NULL)
        return;
    p->src = ip->src;
    p->from = sk_addr4(ip->src);
    p->id = m->echo_id;
    p->seq = m->echo_seq;
    p->ttl = ip->ttl;
    p->len = (uint16_t)m->data_len;
}

/* RFC 1191 §5/§7: a router that sends no next-hop MTU (0, pre-1191) or an
 * impossible one: guess the plateau below the size of the quoted datagram. */
static uint16_t icmp_plateau(uint16_t mtu, uint16_t quoted_len)
{
    static const uint16_t plateaus[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    if (mtu >= 68 && mtu < quoted_len)
        return mtu;
    for (size_t i = 0; i < sizeof plateaus / sizeof plateaus[0]; i++)
        if (plateaus[i] < quoted_len)
            return plateaus[i];
    return 68;
}

/* An error quoting one of our UDP datagrams (RFC 1122 §4.1.3.3): port and
 * protocol unreachable are hard errors for the connected socket with those
 * ends (Linux reports only these, and only to connected sockets, unless
 * IP_RECVERR is set); soft errors are counted and not reported. */
static int icmp_error_udp(sk_iface *ifc, const sk_icmp4_repr *m, const uint8_t *q, size_t ihl)
{
    if (m->type != SK_ICMP_DEST_UNREACH ||
        (m->code != SK_ICMP_UNREACH_PROTO && m->code != SK_ICMP_UNREACH_PORT))
        return SK_DROP_UDP_ICMP_SOFT;
    sk_endpoint local, remote;
    sk_ip4 a;
    memcpy(a.b, q + 12, 4);
    local.addr = sk_ipaddr_from_ip4(a);
    memcpy(a.b, q + 16, 4);
    remote.addr = sk_ipaddr_from_ip4(a);
    local.port = sk_load_be16(q + ihl);
    remote.port = sk_load_be16(q + ihl + 2);
    return sk_udp_icmp_error(ifc->udp, &local, &remote, SK_ECONNREFUSED);
}

/* Destination unreachable and time exceeded: pass to the TCP connection
 * the quote names (RFC 1122 §4.2.3.9, RFC 5927), or to the UDP socket. */
static void icmp_error_in(sk_iface *ifc, sk_time now, const sk_icmp4_repr *m)
{
    const uint8_t *q = m->data; /* the parser checked: IHL*4 + 8 bytes */
    size_t ihl = (size_t)(q[0] & 0x0f) * 4;
    sk_ip4 src, dst;
    memcpy(src.b, q + 12, 4);
    memcpy(dst.b, q + 16, 4);
    sk_tuple tu = {sk_addr4(src), sk_addr4(dst), 0, 0};
    if (!sk_ip4_eq(src, ifc->addr4)) {
        sk_iface_drop(ifc, SK_DROP_ICMP_BAD_QUOTE, now);
        return;
    }
    if (m->type == SK_ICMP_DEST_UNREACH && m->code == SK_ICMP_UNREACH_FRAG_NEEDED) {
        /* RFC 1191 §6: the path MTU cache, for TCP and UDP (iface_pmtu.c) */
        uint16_t mtu = icmp_plateau(m->next_hop_mtu, sk_load_be16(q + 2));
        int r = sk_ifpmtu_frag_needed(ifc, now, q, ihl, mtu);
        if (r != 0)
            sk_iface_drop(ifc, r, now);
        return;
    }
    if (q[9] == SK_IPPROTO_UDP) {
        int r = icmp_error_udp(ifc, m, q, ihl);
        if (r != 0)
            sk_iface_drop(ifc, r, now);
        return;
    }
    if (q[9] != SK_IPPROTO_TCP) {
        sk_iface_drop(ifc, SK_DROP_ICMP_NO_CONN, now);
        return;
    }
    tu.lport = sk_load_be16(q + ihl);
    tu.rport = sk_load_be16(q + ihl + 2);
    sk_seq seq = sk_seq_make(sk_load_be32(q + ihl + 4));
    int kind = SK_TCP_ICMP_UNREACH;
    if (m->type == SK_ICMP_DEST_UNREACH &&
        (m->code == SK_ICMP_UNREACH_PROTO || m->code == SK_ICMP_UNREACH_PORT))
        kind = SK_TCP_ICMP_REFUSED;
    int r = sk_tcp_icmp_error(ifc->tcp, &tu, seq, kind, now);
    if (r != 0)
        sk_iface_drop(ifc, r, now);
}

void sk_icmp_input(sk_iface *ifc, sk_time now, const sk_ip4_repr *ip, bool bcast)
{
    sk_icmp4_repr m;
    int r = sk_icmp4_parse(ip->payload, ip->payload_len, &m);
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        return;
    }
    sk_stats *st = &ifc->ctx->stats;
    st->icmp_in++;
    if (bcast && !(m.type == SK_ICMP_ECHO_REQUEST && ifc->cfg->icmp_echo_broadcast)) {
        sk_iface_drop(ifc, SK_DROP_ICMP_BROADCAST, now);
        return;
    }
    switch (m.type) {
    case SK_ICMP_ECHO_REQUEST:
        st->icmp_echo_requests_in++;
        icmp_echo_request(ifc, now, ip, &m);
        break;
    case SK_ICMP_ECHO_REPLY:
        st->icmp_echo_replies_in++;
        icmp_echo_reply(ifc, now, ip, &m);
        break;
    case SK_ICMP_DEST_UNREACH:
        st->icmp_unreach_in++;
        icmp_error_in(ifc, now, &m);
        break;
    default: /* the parser passes only these four types */
        st->icmp_time_exceeded_in++;
        icmp_error_in(ifc, now, &m);
        break;
    }
}

/* ---- output and the ping API ---- */

static void icmp_count_out(sk_stats *st, uint8_t type)
{
    st->icmp_out++;
    if (type == SK_ICMP_ECHO_REPLY)
        st->icmp_echo_replies_out++;
    else if (type == SK_ICMP_ECHO_REQUEST)
        st->icmp_echo_requests_out++;
    else if (type == SK_ICMP_DEST_UNREACH)
        st->icmp_unreach_out++;
    else if (type == SK_ICMP_TIME_EXCEEDED)
        st->icmp_time_exceeded_out++;
}

size_t sk_icmp_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap)
{
    sk_icmp *ic = &ifc->icmp;
    sk_icmp_out *o = &ic->q[ic->head];
    ic->head = (ic->head + 1) % ic->cap;
    ic->len--;
    size_t lh = sk_iface_link_hdr(ifc);
    size_t total = SK_IP4_HDR_LEN + o->len;
    /* Linux sends ICMP without DF; a router may fragment it */
    sk_iface_ip_hdr(ifc, buf + lh, total, SK_IPPROTO_ICMP, o->dst, false);
    memcpy(buf + lh + SK_IP4_HDR_LEN, o->msg, o->len);
    icmp_count_out(&ifc->ctx->stats, o->msg[0]);
    return sk_iface_send_ip(ifc, now, buf, cap, total);
}

int sk_icmp_ping_send(sk_iface *ifc, sk_time now, sk_ip4 dst, uint16_t id, uint16_t seq,
                      const void *data, size_t len)
{
    (void)now;
    if ((data == NULL && len > 0) || dst.b[0] == 0 || sk_ip4_is_multicast(dst) ||
        sk_iface_is_local(ifc, dst))
        return SK_EINVAL;
    if (len > icmp_msg_cap(ifc) - SK_ICMP_HDR_LEN)
        return SK_EMSGSIZE;
    sk_ip4 nh;
    if (sk_iface_route(ifc, dst, &nh) != 0)
        return SK_EHOSTUNREACH;
    sk_icmp_out *o = icmp_slot(&ifc->icmp);
    if (o == NULL)
        return SK_ENOBUFS;
    sk_icmp4_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP_ECHO_REQUEST;
    m.echo_id = id;
    m.echo_seq = seq;
    m.data = data;
    m.data_len = len;
    size_t n = sk_icmp4_emit(&m, o->msg, icmp_msg_cap(ifc));
    icmp_commit(&ifc->icmp, o, dst, n);
    return 0;
}

bool sk_icmp_ping_next(sk_iface *ifc, sk_ping_reply *out)
{
    sk_icmp *ic = &ifc->icmp;
    if (ic->rlen == 0)
        return false;
    *out = ic->replies[ic->rhead];
    ic->rhead = (ic->rhead + 1) % ic->rcap;
    ic->rlen--;
    return true;
}
