/* UDP in the tools: see tool_udp.h. */
#include "tool_udp.h"

#include "synack/error.h"
#include "tool.h"
#include "tool_net.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- serve --udp-echo ---- */

int tool_udp_echo_open(tool_udp_echo *e, sk_stack *s)
{
    int r = sk_udp_open(s, &e->sock);
    if (r != 0)
        return r;
    sk_endpoint any;
    memset(&any, 0, sizeof any);
    any.port = e->port;
    r = sk_udp_bind(s, e->sock, &any);
    if (r != 0)
        sk_udp_close(s, e->sock);
    return r;
}

bool tool_udp_echo_owns(const tool_udp_echo *e, sk_sock h)
{
    return e->on && h.idx == e->sock.idx && h.gen == e->sock.gen;
}

void tool_udp_echo_pump(tool_udp_echo *e, sk_stack *s, sk_time_us now)
{
    for (int i = 0; i < 4096; i++) { /* bounded: other sockets get their turn */
        if (!e->held) {
            sk_udp_meta m;
            ptrdiff_t n = sk_udp_recvfrom(s, now, e->sock, e->buf, sizeof e->buf, &m);
            if (n < 0)
                return; /* SK_EAGAIN: nothing more */
            e->held = true;
            e->held_len = (size_t)n;
            e->held_to = m.from;
        }
        ptrdiff_t w = sk_udp_sendto(s, now, e->sock, e->buf, e->held_len, &e->held_to);
        if (w == SK_EAGAIN)
            return; /* the send queue is full: again when writable */
        e->held = false; /* sent, or refused (a source we cannot answer) */
        if (w >= 0)
            e->echoed++;
    }
}

/* ---- connect --udp ---- */

typedef struct {
    const char *cmd;
    const char *remote_str;
    sk_posix_loop *loop;
    sk_stack *stack;
    sk_sock sock;
    size_t max;          /* the largest datagram */
    uint64_t window;     /* datagrams sent and not answered at most; 0: no limit */
    uint64_t wait_us;
    bool eof;
    size_t in_len;       /* bytes read from stdin, not yet sent */
    uint64_t sent, received;
    sk_time_us last;     /* the last datagram sent or received */
    uint8_t in[TOOL_UDP_BUF];
    uint8_t out[TOOL_UDP_BUF];
} udp_client;

static int client_fail(udp_client *c, int err)
{
    tool_error(c->cmd, "%s: %s", c->remote_str, sk_strerror(err));
    return 1;
}

/* The length of the next datagram in c->in: a line, a piece of the
 * largest datagram, or the rest at EOF; 0 when none is complete. */
static size_t next_datagram(const udp_client *c)
{
    size_t lim = c->in_len < c->max ? c->in_len : c->max;
    const uint8_t *nl = memchr(c->in, '\n', lim);
    if (nl != NULL)
        return (size_t)(nl - c->in) + 1;
    if (c->in_len >= c->max || (c->eof && c->in_len > 0))
        return lim;
    return 0;
}

/* The window is full: as many datagrams unanswered as allowed, and the
 * last datagram was less than wait_us ago (after that the missing replies
 * count as lost and the window moves on). */
static bool window_full(const udp_client *c)
{
    return c->window > 0 && c->sent - c->received >= c->window &&
           c->loop->now - c->last < c->wait_us;
}

/* Queue every complete datagram the window allows; 0, or an SK_E* code
 * (SK_EAGAIN is not one: the rest waits for room). */
static int send_lines(udp_client *c)
{
    size_t n;
    while (!window_full(c) && (n = next_datagram(c)) > 0) {
        ptrdiff_t w = sk_udp_send(c->stack, c->loop->now, c->sock, c->in, n);
        if (w == SK_EAGAIN)
            return 0;
        if (w < 0)
            return (int)w;
        memmove(c->in, c->in + n, c->in_len - n);
        c->in_len -= n;
        if (c->window > 0 && c->sent - c->received >= c->window)
            c->received = c->sent - c->window + 1; /* the oldest is lost */
        c->sent++;
        c->last = c->loop->now;
    }
    return 0;
}

static int read_stdin(udp_client *c)
{
    if (c->eof || c->in_len == sizeof c->in || next_datagram(c) > 0)
        return 0;
    ssize_t r = read(STDIN_FILENO, c->in + c->in_len, sizeof c->in - c->in_len);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (r <= 0) {
        c->eof = true;
        sk_posix_loop_unwatch(c->loop, STDIN_FILENO);
        return 0;
    }
    c->in_len += (size_t)r;
    return 0;
}

static int take_replies(udp_client *c)
{
    for (;;) {
        ptrdiff_t n = sk_udp_recv(c->stack, c->loop->now, c->sock, c->out, sizeof c->out);
        if (n == SK_EAGAIN)
            return 0;
        if (n < 0)
            return (int)n;
        if (tool_write_all(c->out, (size_t)n) != 0) {
            tool_error(c->cmd, "cannot write to standard output: %s", strerror(errno));
            return SK_EIO;
        }
        c->received++;
        c->last = c->loop->now;
    }
}

static int client_loop(udp_client *c)
{
    uint64_t wait_us = c->wait_us;
    for (;;) {
        int e = take_replies(c);
        if (e == 0)
            e = read_stdin(c);
        if (e == 0)
            e = send_lines(c);
        if (e != 0)
            return e;
        bool done_sending = c->eof && c->in_len == 0;
        if (done_sending && (c->received >= c->sent || c->loop->now - c->last >= wait_us))
            return 0;
        if (tool_stop_flag)
            return SK_ECONNABORTED;
        uint64_t t = 1000000u;
        if (done_sending || window_full(c))
            t = c->last + wait_us > c->loop->now ? c->last + wait_us - c->loop->now : 0;
        if (sk_posix_loop_step(c->loop, t) != 0)
            return SK_EIO;
    }
}

int tool_udp_client(const char *cmd, sk_posix_loop *loop, const sk_endpoint *remote,
                    const char *remote_str, uint64_t wait_us, uint64_t window)
{
    static udp_client c;
    memset(&c, 0, sizeof c);
    c.cmd = cmd;
    c.remote_str = remote_str;
    c.loop = loop;
    c.stack = loop->stack;
    c.wait_us = wait_us;
    c.window = window;
    int r = sk_udp_open(c.stack, &c.sock);
    if (r == 0)
        r = sk_udp_connect(c.stack, c.sock, remote);
    sk_udp_info info;
    if (r == 0)
        r = sk_udp_get_info(c.stack, c.sock, &info);
    if (r != 0)
        return client_fail(&c, r);
    c.max = info.max_payload;
    c.last = sk_posix_loop_clock(loop);
    int flags = fcntl(STDIN_FILENO, F_GETFL);
    if (flags >= 0)
        fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK);
    sk_posix_loop_watch(loop, STDIN_FILENO, POLLIN);
    r = client_loop(&c);
    if (flags >= 0)
        fcntl(STDIN_FILENO, F_SETFL, flags);
    sk_posix_loop_flush(loop);
    sk_udp_close(c.stack, c.sock);
    if (r == SK_ECONNABORTED) {
        tool_error(cmd, "interrupted");
        return 1;
    }
    return r == 0 ? 0 : r == SK_EIO ? 1 : client_fail(&c, r);
}
