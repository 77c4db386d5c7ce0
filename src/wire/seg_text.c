/* One-line text form of a TCP segment (format in seg_text.h).
 *
 * Text is built with a small bounded writer instead of snprintf: every
 * append is clamped to the buffer, the result is always NUL-terminated when
 * cap > 0, and nothing is written at all when cap == 0. */
#include "wire/seg_text.h"

#include "base/bytes.h"
#include "wire/icmp6.h"
#include "wire/ipv4.h"
#include "wire/nd6.h"

#include <stdint.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t cap;
    size_t len; /* characters stored, always < cap when cap > 0 */
} text_buf;

static text_buf tb_init(char *buf, size_t cap)
{
    text_buf t = {buf, cap, 0};
    if (cap > 0)
        buf[0] = '\0';
    return t;
}

static void tb_putc(text_buf *t, char c)
{
    if (t->cap == 0 || t->len + 1 >= t->cap)
        return;
    t->buf[t->len++] = c;
    t->buf[t->len] = '\0';
}

static void tb_puts(text_buf *t, const char *s)
{
    while (*s != '\0')
        tb_putc(t, *s++);
}

static void tb_uint(text_buf *t, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    while (n > 0)
        tb_putc(t, digits[--n]);
}

/* ------------------------------------------------------------------------ */

static void tb_flags(text_buf *t, uint8_t flags)
{
    /* tcpdump's order and letters (print-tcp.c tcp_flag_values). */
    static const struct {
        uint8_t bit;
        char c;
    } order[] = {
        {SK_TCP_SYN, 'S'}, {SK_TCP_FIN, 'F'}, {SK_TCP_RST, 'R'}, {SK_TCP_PSH, 'P'},
        {SK_TCP_URG, 'U'}, {SK_TCP_ECE, 'E'}, {SK_TCP_CWR, 'W'}, {SK_TCP_ACK, '.'},
    };
    if (flags == 0) {
        tb_puts(t, "none");
        return;
    }
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (flags & order[i].bit)
            tb_putc(t, order[i].c);
}

char *sk_tcp_flags_str(uint8_t flags, char *buf, size_t cap)
{
    text_buf t = tb_init(buf, cap);
    tb_flags(&t, flags);
    return buf;
}

/* Start the next comma-separated option item. */
static void tb_item(text_buf *t, bool *first, const char *s)
{
    if (!*first)
        tb_putc(t, ',');
    *first = false;
    tb_puts(t, s);
}

static void tb_ts_sackperm(text_buf *t, const sk_tcp_opts *o, bool *first)
{
    if (!o->has_ts) {
        if (o->sack_permitted) {
            tb_item(t, first, "nop");
            tb_item(t, first, "nop");
            tb_item(t, first, "sackOK");
        }
        return;
    }
    if (o->sack_permitted) {
        tb_item(t, first, "sackOK");
    } else {
        tb_item(t, first, "nop");
        tb_item(t, first, "nop");
    }
    tb_item(t, first, "TS val ");
    tb_uint(t, o->ts_val);
    tb_puts(t, " ecr ");
    tb_uint(t, o->ts_ecr);
}

static void tb_sack(text_buf *t, const sk_tcp_opts *o, bool *first)
{
    tb_item(t, first, "nop");
    tb_item(t, first, "nop");
    tb_item(t, first, "sack ");
    tb_uint(t, o->n_sack);
    tb_putc(t, ' ');
    for (size_t i = 0; i < o->n_sack && i < SK_TCP_MAX_SACK; i++) {
        tb_putc(t, '{');
        tb_uint(t, o->sack[i].left.v);
        tb_putc(t, ':');
        tb_uint(t, o->sack[i].right.v);
        tb_putc(t, '}');
    }
}

/* Options in sk_tcp_emit's order, with the NOPs emit writes, so that the text
 * of any Linux-laid-out segment equals tcpdump's "options [...]". */
static bool opts_any(const sk_tcp_opts *o)
{
    return o->has_mss || o->has_ts || o->sack_permitted || o->has_wscale || o->n_sack > 0 ||
           o->malformed;
}

static void tb_opts(text_buf *t, const sk_tcp_opts *o)
{
    if (!opts_any(o))
        return;
    bool first = true;
    tb_putc(t, '<');
    if (o->has_mss) {
        tb_item(t, &first, "mss ");
        tb_uint(t, o->mss);
    }
    tb_ts_sackperm(t, o, &first);
    if (o->has_wscale) {
        tb_item(t, &first, "nop");
        tb_item(t, &first, "wscale ");
        tb_uint(t, o->wscale);
    }
    if (o->n_sack > 0)
        tb_sack(t, o, &first);
    if (o->malformed)
        tb_item(t, &first, "[bad opt]");
    tb_putc(t, '>');
}

size_t sk_tcp_opts_str(const sk_tcp_opts *o, char *buf, size_t cap)
{
    text_buf t = tb_init(buf, cap);
    tb_opts(&t, o);
    return t.len;
}

size_t sk_tcp_seg_str(const char *from, const char *to, const sk_tcp_repr *r, char *buf,
                      size_t cap)
{
    text_buf t = tb_init(buf, cap);
    tb_puts(&t, from != NULL ? from : "?");
    tb_puts(&t, " > ");
    tb_puts(&t, to != NULL ? to : "?");
    tb_puts(&t, "  [");
    tb_flags(&t, r->flags);
    tb_puts(&t, "] seq=");
    tb_uint(&t, r->seq.v);
    if (r->flags & SK_TCP_ACK) {
        tb_puts(&t, " ack=");
        tb_uint(&t, r->ack.v);
    }
    tb_puts(&t, " win=");
    tb_uint(&t, r->window);
    if (r->flags & SK_TCP_URG) {
        tb_puts(&t, " urg=");
        tb_uint(&t, r->urgent);
    }
    tb_puts(&t, " len=");
    tb_uint(&t, r->payload_len);
    if (r->gso_size > 0) { /* a super-segment: the device cuts it */
        tb_puts(&t, " gso=");
        tb_uint(&t, r->gso_size);
    }
    if (opts_any(&r->opts)) {
        tb_putc(&t, ' ');
        tb_opts(&t, &r->opts);
    }
    return t.len;
}

/* --- ICMPv6 and UDP (tcpdump's print-icmp6.c and print-udp.c wording) --- */

static void tb_ip6(text_buf *t, const uint8_t *b)
{
    sk_ip6 a;
    char s[SK_IP6_STR_LEN];
    memcpy(a.b, b, 16);
    tb_puts(t, sk_ip6_to_str(a, s, sizeof s));
}

/* Port unreachable quoting UDP or TCP right after the IPv6 header names
 * the quoted destination and port, as tcpdump does. */
static void tb_unreach(text_buf *t, const uint8_t *msg, size_t len)
{
    const uint8_t *q = msg + SK_ICMP6_HDR_LEN;
    size_t qlen = len - SK_ICMP6_HDR_LEN;
    bool l4 = qlen >= SK_IP6_HDR_LEN + 4 && (q[6] == SK_IPPROTO_UDP || q[6] == SK_IPPROTO_TCP);
    if (msg[1] == SK_ICMP6_UNREACH_PORT && l4) {
        tb_puts(t, "unreachable port, ");
        tb_ip6(t, q + 24);
        tb_puts(t, q[6] == SK_IPPROTO_UDP ? " udp port " : " tcp port ");
        tb_uint(t, sk_load_be16(q + SK_IP6_HDR_LEN + 2));
        return;
    }
    tb_puts(t, "code ");
    tb_uint(t, msg[1]);
}

static void tb_time_exceeded(text_buf *t, const uint8_t *msg, size_t len)
{
    if (msg[1] == SK_ICMP6_TIME_HOP_LIMIT && len >= SK_ICMP6_HDR_LEN + SK_IP6_HDR_LEN) {
        tb_puts(t, " in-transit for ");
        tb_ip6(t, msg + SK_ICMP6_HDR_LEN + 24);
    } else if (msg[1] == SK_ICMP6_TIME_REASSEMBLY) {
        tb_puts(t, " reassembly");
    } else {
        tb_puts(t, ", code ");
        tb_uint(t, msg[1]);
    }
}

static void tb_param_problem(text_buf *t, const uint8_t *msg)
{
    static const char *const what[] = {"errorneous - octet ", "next header - octet ",
                                       "option - octet "}; /* tcpdump's spelling */
    if (msg[1] < 3) {
        tb_puts(t, what[msg[1]]);
        tb_uint(t, sk_load_be32(msg + 4));
    } else {
        tb_puts(t, "code-#");
        tb_uint(t, msg[1]);
    }
}

static void tb_nd(text_buf *t, const uint8_t *msg, size_t len)
{
    sk_nd_repr nd;
    bool ok = sk_nd_parse(msg, len, &nd) == 0;
    switch (msg[0]) {
    case SK_ICMP6_ND_RS:
        tb_puts(t, "router solicitation");
        return;
    case SK_ICMP6_ND_RA:
        tb_puts(t, "router advertisement");
        return;
    case SK_ICMP6_ND_NS:
        tb_puts(t, "neighbor solicitation");
        break;
    case SK_ICMP6_ND_NA:
        tb_puts(t, "neighbor advertisement");
        break;
    default:
        tb_puts(t, "redirect");
        break;
    }
    if (!ok)
        return;
    tb_puts(t, msg[0] == SK_ICMP6_ND_NS ? ", who has " : msg[0] == SK_ICMP6_ND_NA ? ", tgt is " : " ");
    tb_ip6(t, nd.target.b);
    if (msg[0] == SK_ICMP6_ND_REDIRECT) {
        tb_puts(t, " to ");
        tb_ip6(t, nd.dest.b);
    }
}

static void tb_icmp6_body(text_buf *t, const uint8_t *msg, size_t len)
{
    switch (msg[0]) {
    case SK_ICMP6_ECHO_REQUEST:
    case SK_ICMP6_ECHO_REPLY:
        tb_puts(t, msg[0] == SK_ICMP6_ECHO_REQUEST ? "echo request, id " : "echo reply, id ");
        tb_uint(t, sk_load_be16(msg + 4));
        tb_puts(t, ", seq ");
        tb_uint(t, sk_load_be16(msg + 6));
        return;
    case SK_ICMP6_DEST_UNREACH:
        tb_puts(t, "destination unreachable, ");
        tb_unreach(t, msg, len);
        return;
    case SK_ICMP6_PACKET_TOO_BIG:
        tb_puts(t, "packet too big, mtu ");
        tb_uint(t, sk_load_be32(msg + 4));
        return;
    case SK_ICMP6_TIME_EXCEEDED:
        tb_puts(t, "time exceeded");
        tb_time_exceeded(t, msg, len);
        return;
    case SK_ICMP6_PARAM_PROBLEM:
        tb_puts(t, "parameter problem, ");
        tb_param_problem(t, msg);
        return;
    case SK_ICMP6_MLD2_REPORT:
        tb_puts(t, "multicast listener report v2, ");
        tb_uint(t, sk_load_be16(msg + 6));
        tb_puts(t, " group record(s)");
        return;
    default:
        break;
    }
    if (msg[0] >= SK_ICMP6_ND_RS && msg[0] <= SK_ICMP6_ND_REDIRECT) {
        tb_nd(t, msg, len);
        return;
    }
    tb_puts(t, "type ");
    tb_uint(t, msg[0]);
}

size_t sk_icmp6_str(const uint8_t *msg, size_t len, char *buf, size_t cap)
{
    text_buf t = tb_init(buf, cap);
    tb_puts(&t, "ICMP6, ");
    if (msg == NULL || len < SK_ICMP6_HDR_LEN)
        tb_puts(&t, "truncated");
    else
        tb_icmp6_body(&t, msg, len);
    tb_puts(&t, ", length ");
    tb_uint(&t, len);
    return t.len;
}

size_t sk_udp_str(const sk_udp_repr *r, char *buf, size_t cap)
{
    text_buf t = tb_init(buf, cap);
    tb_puts(&t, "UDP, length ");
    tb_uint(&t, r->payload_len);
    return t.len;
}
