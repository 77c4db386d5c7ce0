/* `synack script`: the parser of packetdrill's syntax (the subset in
 * docs/conformance.md). One event per line; a line that is not understood
 * is an error naming its line, never skipped, never a crash. */
#include "tool_script.h"

#include "wire/tcp_hdr.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    char *msg;
    size_t cap;
} lexer;

static int fail(lexer *lx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(lexer *lx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->msg, lx->cap, fmt, ap);
    va_end(ap);
    return -1;
}

static void skip_ws(lexer *lx)
{
    while (*lx->p == ' ' || *lx->p == '\t')
        lx->p++;
}

/* An unsigned decimal number up to max. */
static int read_u64(lexer *lx, uint64_t max, uint64_t *out, const char *what)
{
    skip_ws(lx);
    if (!isdigit((unsigned char)*lx->p))
        return fail(lx, "expected %s (a number) at '%.20s'", what, lx->p);
    uint64_t v = 0;
    while (isdigit((unsigned char)*lx->p)) {
        v = v * 10u + (uint64_t)(*lx->p - '0');
        if (v > max)
            return fail(lx, "%s is larger than %llu", what, (unsigned long long)max);
        lx->p++;
    }
    *out = v;
    return 0;
}

static int read_u32(lexer *lx, uint32_t *out, const char *what)
{
    uint64_t v;
    if (read_u64(lx, UINT32_MAX, &v, what) != 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static bool eat(lexer *lx, const char *word)
{
    skip_ws(lx);
    size_t n = strlen(word);
    if (strncmp(lx->p, word, n) != 0)
        return false;
    if (isalpha((unsigned char)word[n - 1]) && (isalnum((unsigned char)lx->p[n]) || lx->p[n] == '_'))
        return false;
    lx->p += n;
    return true;
}

/* "1.250" seconds, at most 6 decimals, at most 100000 s. */
static int read_time(lexer *lx, int64_t *us)
{
    uint64_t sec = 0, frac = 0;
    if (*lx->p != '.' && read_u64(lx, 100000, &sec, "a time") != 0)
        return -1;
    if (*lx->p == '.' && !isdigit((unsigned char)lx->p[1]))
        return fail(lx, "expected digits after '.' in a time");
    if (*lx->p == '.') {
        lx->p++;
        int digits = 0;
        while (isdigit((unsigned char)*lx->p)) {
            if (++digits > 6)
                return fail(lx, "a time has at most 6 decimals (microseconds)");
            frac = frac * 10u + (uint64_t)(*lx->p - '0');
            lx->p++;
        }
        for (; digits < 6; digits++)
            frac *= 10u;
    }
    *us = (int64_t)(sec * 1000000u + frac);
    return 0;
}

static int parse_flags(lexer *lx, uint8_t *flags)
{
    skip_ws(lx);
    *flags = 0;
    const char *start = lx->p;
    for (; *lx->p != '\0' && *lx->p != ' ' && *lx->p != '\t'; lx->p++) {
        uint8_t f;
        switch (*lx->p) {
        case 'S': f = SK_TCP_SYN; break;
        case 'F': f = SK_TCP_FIN; break;
        case 'R': f = SK_TCP_RST; break;
        case 'P': f = SK_TCP_PSH; break;
        case '.': f = SK_TCP_ACK; break;
        default: return fail(lx, "unknown TCP flag '%c' (S F R P . are supported)", *lx->p);
        }
        if (*flags & f)
            return fail(lx, "flag '%c' given twice", *lx->p);
        *flags |= f;
    }
    if (lx->p == start)
        return fail(lx, "expected TCP flags after the direction");
    return 0;
}

static int parse_sack_blocks(lexer *lx, sc_opt *o)
{
    o->n_blocks = 0;
    for (;;) {
        skip_ws(lx);
        if (!isdigit((unsigned char)*lx->p))
            break;
        if (o->n_blocks == SK_TCP_MAX_SACK)
            return fail(lx, "at most %d SACK blocks", SK_TCP_MAX_SACK);
        uint32_t *b = &o->v[2 * o->n_blocks];
        if (read_u32(lx, &b[0], "a SACK block's left edge") != 0)
            return -1;
        if (*lx->p++ != ':')
            return fail(lx, "a SACK block is left:right");
        if (read_u32(lx, &b[1], "a SACK block's right edge") != 0)
            return -1;
        o->n_blocks++;
    }
    if (o->n_blocks == 0)
        return fail(lx, "sack needs at least one block left:right");
    return 0;
}

static int parse_one_opt(lexer *lx, sc_opt *o)
{
    memset(o, 0, sizeof *o);
    uint32_t v = 0;
    if (eat(lx, "nop")) {
        o->kind = SC_O_NOP;
    } else if (eat(lx, "eol")) {
        o->kind = SC_O_EOL;
    } else if (eat(lx, "mss")) {
        o->kind = SC_O_MSS;
        if (read_u32(lx, &v, "the MSS") != 0)
            return -1;
        if (v > 65535)
            return fail(lx, "MSS above 65535");
        o->v[0] = v;
    } else if (eat(lx, "wscale")) {
        o->kind = SC_O_WS;
        if (read_u32(lx, &v, "the window scale") != 0)
            return -1;
        if (v > 255)
            return fail(lx, "window scale above 255");
        o->v[0] = v;
    } else if (eat(lx, "sackOK")) {
        o->kind = SC_O_SACKOK;
    } else if (eat(lx, "TS")) {
        o->kind = SC_O_TS;
        if (!eat(lx, "val") || read_u32(lx, &o->v[0], "TS val") != 0)
            return fail(lx, "TS needs 'val N ecr N'");
        if (!eat(lx, "ecr") || read_u32(lx, &o->v[1], "TS ecr") != 0)
            return fail(lx, "TS needs 'val N ecr N'");
    } else if (eat(lx, "sack")) {
        o->kind = SC_O_SACK;
        return parse_sack_blocks(lx, o);
    } else {
        return fail(lx, "unknown TCP option at '%.20s'", lx->p);
    }
    return 0;
}

static int parse_opts(lexer *lx, sc_seg *sg)
{
    sg->has_opts = true;
    sg->n_opts = 0;
    skip_ws(lx);
    if (*lx->p == '>') {
        lx->p++;
        return 0;
    }
    for (;;) {
        if (sg->n_opts == SC_MAX_OPTS)
            return fail(lx, "at most %d options", SC_MAX_OPTS);
        if (parse_one_opt(lx, &sg->opts[sg->n_opts++]) != 0)
            return -1;
        skip_ws(lx);
        if (*lx->p == ',') {
            lx->p++;
            continue;
        }
        if (*lx->p == '>') {
            lx->p++;
            return 0;
        }
        return fail(lx, "expected ',' or '>' in the option list at '%.20s'", lx->p);
    }
}

/* The bytes the line's options take on the wire. */
static size_t opts_len(const sc_seg *sg)
{
    size_t olen = 0;
    for (int i = 0; i < sg->n_opts; i++) {
        uint8_t k = sg->opts[i].kind;
        olen += k == SC_O_MSS ? 4u : k == SC_O_WS ? 3u : k == SC_O_SACKOK ? 2u
              : k == SC_O_TS ? 10u : k == SC_O_SACK ? 2u + 8u * sg->opts[i].n_blocks : 1u;
    }
    return olen;
}

/* "ack N", "win N" and "<options>" after the sequence numbers. */
static int parse_seg_tail(lexer *lx, sc_seg *sg)
{
    for (;;) {
        skip_ws(lx);
        if (*lx->p == '\0')
            return 0;
        if (eat(lx, "ack")) {
            if (sg->has_ack)
                return fail(lx, "ack given twice");
            sg->has_ack = true;
            if (read_u32(lx, &sg->ack, "the ack number") != 0)
                return -1;
        } else if (eat(lx, "win")) {
            if (sg->has_win)
                return fail(lx, "win given twice");
            sg->has_win = true;
            if (read_u32(lx, &sg->win, "the window") != 0)
                return -1;
            if (sg->win > 65535)
                return fail(lx, "win is the 16-bit field: at most 65535");
        } else if (*lx->p == '<') {
            if (sg->has_opts)
                return fail(lx, "two option lists");
            lx->p++;
            if (parse_opts(lx, sg) != 0)
                return -1;
        } else {
            return fail(lx, "unexpected '%.20s' in a segment line", lx->p);
        }
    }
}

/* "S. 0:0(0) ack 1 win 65535 <mss 1460,...>" */
static int parse_seg(lexer *lx, sc_seg *sg)
{
    memset(sg, 0, sizeof *sg);
    if (parse_flags(lx, &sg->flags) != 0)
        return -1;
    uint32_t len;
    if (read_u32(lx, &sg->seq, "the start sequence number") != 0)
        return -1;
    if (*lx->p++ != ':')
        return fail(lx, "expected start:end(len)");
    if (read_u32(lx, &sg->end, "the end sequence number") != 0)
        return -1;
    if (*lx->p++ != '(')
        return fail(lx, "expected start:end(len)");
    if (read_u32(lx, &len, "the length") != 0)
        return -1;
    if (*lx->p++ != ')')
        return fail(lx, "expected start:end(len)");
    if (sg->end - sg->seq != len)
        return fail(lx, "end - start is %u, not the length %u", sg->end - sg->seq, len);
    if (len > 1900)
        return fail(lx, "a payload of at most 1900 bytes per segment line");
    if (parse_seg_tail(lx, sg) != 0)
        return -1;
    if (opts_len(sg) > 40)
        return fail(lx, "the options take %zu bytes, more than TCP's 40", opts_len(sg));
    if (sg->has_ack && !(sg->flags & SK_TCP_ACK))
        return fail(lx, "ack given without the ACK flag '.'");
    if (!sg->has_ack && (sg->flags & SK_TCP_ACK))
        return fail(lx, "the ACK flag '.' needs 'ack N'");
    return 0;
}

static const char *const sc_calls[] = {"socket", "bind", "listen", "accept", "connect", "write",
                                       "read", "close", "shutdown", "setsockopt", "getsockopt",
                                       "fcntl"};

static int parse_args(lexer *lx, sc_call *c)
{
    c->n_args = 0;
    skip_ws(lx);
    if (*lx->p == ')') {
        lx->p++;
        return 0;
    }
    for (;;) {
        skip_ws(lx);
        const char *start = lx->p;
        int depth = 0;
        while (*lx->p != '\0' && !(depth == 0 && (*lx->p == ',' || *lx->p == ')'))) {
            if (strchr("([{", *lx->p))
                depth++;
            else if (strchr(")]}", *lx->p))
                depth--;
            lx->p++;
        }
        if (*lx->p == '\0')
            return fail(lx, "unterminated argument list");
        size_t n = (size_t)(lx->p - start);
        while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
            n--;
        if (c->n_args == SC_MAX_ARGS || n >= SC_TEXT)
            return fail(lx, "too many or too long arguments");
        memcpy(c->args[c->n_args], start, n);
        c->args[c->n_args++][n] = '\0';
        if (*lx->p++ == ')')
            return 0;
    }
}

/* "name(args) = 3" or "= -1 EINPROGRESS (Operation now in progress)" */
static int parse_call(lexer *lx, sc_call *c)
{
    memset(c, 0, sizeof *c);
    skip_ws(lx);
    size_t n = 0;
    while (isalpha((unsigned char)lx->p[n]) || lx->p[n] == '_')
        n++;
    if (n == 0 || n >= sizeof c->name || lx->p[n] != '(')
        return fail(lx, "expected '<', '>' or a socket call at '%.20s'", lx->p);
    memcpy(c->name, lx->p, n);
    bool known = false;
    for (size_t i = 0; i < sizeof sc_calls / sizeof sc_calls[0]; i++)
        known = known || strcmp(c->name, sc_calls[i]) == 0;
    if (!known)
        return fail(lx, "unsupported call '%s'", c->name);
    lx->p += n + 1;
    if (parse_args(lx, c) != 0)
        return -1;
    if (!eat(lx, "="))
        return fail(lx, "expected '= result' after %s(...)", c->name);
    skip_ws(lx);
    bool neg = *lx->p == '-';
    lx->p += neg;
    uint64_t v;
    if (read_u64(lx, 1u << 30, &v, "the result") != 0)
        return -1;
    c->ret = neg ? -(int64_t)v : (int64_t)v;
    skip_ws(lx);
    if (c->ret == -1) {
        size_t m = 0;
        while (isalnum((unsigned char)lx->p[m]))
            m++;
        if (m == 0 || lx->p[0] != 'E' || m >= sizeof c->err)
            return fail(lx, "a result of -1 needs an errno name (-1 EAGAIN)");
        memcpy(c->err, lx->p, m);
        lx->p += m;
        skip_ws(lx);
        if (*lx->p == '(') {
            const char *close = strchr(lx->p, ')');
            if (close == NULL)
                return fail(lx, "unterminated '(' after the errno name");
            lx->p = close + 1;
        }
    } else if (c->ret < 0) {
        return fail(lx, "a failing call's result is -1 ERRNO");
    }
    skip_ws(lx);
    if (*lx->p != '\0')
        return fail(lx, "unexpected '%.20s' after the result", lx->p);
    return 0;
}

int sc_parse_line(const char *text, sc_line *out, char *msg, size_t cap)
{
    lexer lx = {text, msg, cap};
    memset(out, 0, sizeof *out);
    skip_ws(&lx);
    if (*lx.p == '*') {
        out->time_kind = SC_T_ANY;
        lx.p++;
    } else {
        out->time_kind = SC_T_ABS;
        if (*lx.p == '+') {
            out->time_kind = SC_T_REL;
            lx.p++;
        }
        if (read_time(&lx, &out->t_us) != 0)
            return -1;
    }
    if (*lx.p != ' ' && *lx.p != '\t')
        return fail(&lx, "expected a space after the time");
    skip_ws(&lx);
    if (*lx.p == '<' || *lx.p == '>') {
        out->kind = *lx.p == '<' ? SC_IN : SC_OUT;
        lx.p++;
        return parse_seg(&lx, &out->seg);
    }
    out->kind = SC_CALL;
    return parse_call(&lx, &out->call);
}
