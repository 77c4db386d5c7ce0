/* One-line text form of a TCP segment (format in seg_text.h).
 *
 * Text is built with a small bounded writer instead of snprintf: every
 * append is clamped to the buffer, the result is always NUL-terminated when
 * cap > 0, and nothing is written at all when cap == 0. */
#include "wire/seg_text.h"

#include <stdint.h>

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
    if (opts_any(&r->opts)) {
        tb_putc(&t, ' ');
        tb_opts(&t, &r->opts);
    }
    return t.len;
}
