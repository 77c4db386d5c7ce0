/* synack connect --cores N: one connection from each stack of a multi-queue
 * device, all at once (posix_mq.h). Each thread owns its queue, stack, loop
 * and buffers; the input is shared read-only. */
#include "tool_connect_mq.h"

#include "posix/posix_mq.h"
#include "posix/posix_sock.h"
#include "synack/error.h"
#include "tool.h"
#include "tool_lease.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IN_MAX (256u * 1024 * 1024) /* standard input, read whole */
#define CHUNK 65536

typedef struct {
    tool_net net;
    tool_net_opts opts;
    int err;          /* 0: closed cleanly; else an SK_E* code */
    bool started;     /* its thread ran (it owns the queue) */
    uint8_t *got;     /* what arrived */
    size_t got_len, got_cap;
} mq_conn;

typedef struct {
    const char *cmd;
    const uint8_t *in;
    size_t in_len;
    const sk_endpoint *remote;
    uint64_t timeout_us;
    mq_conn *c;
} mq_ctx;

static int read_stdin(uint8_t **buf, size_t *len)
{
    size_t cap = CHUNK;
    *len = 0;
    *buf = malloc(cap);
    for (;;) {
        if (*buf == NULL)
            return -1;
        if (*len == cap) {
            if (cap >= IN_MAX)
                return -1;
            uint8_t *b = realloc(*buf, cap * 2);
            if (b == NULL)
                return -1;
            *buf = b;
            cap *= 2;
        }
        ssize_t r = read(STDIN_FILENO, *buf + *len, cap - *len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        *len += (size_t)r;
    }
}

/* Make room for CHUNK more bytes: 0, or SK_ENOMEM. */
static int got_room(mq_conn *c)
{
    if (c->got_cap - c->got_len >= CHUNK)
        return 0;
    size_t cap = c->got_cap ? c->got_cap * 2 : 4 * CHUNK;
    uint8_t *b = realloc(c->got, cap);
    if (b == NULL)
        return SK_ENOMEM;
    c->got = b;
    c->got_cap = cap;
    return 0;
}

/* Read what is there: 0, 1 at the peer's FIN, or an error. */
static int pump_recv(mq_conn *c, sk_sock s)
{
    for (;;) {
        int e = got_room(c);
        if (e != 0)
            return e;
        ptrdiff_t n = sk_tcp_recv(c->net.stack, c->net.loop->now, s, c->got + c->got_len,
                                  c->got_cap - c->got_len);
        if (n == SK_EAGAIN)
            return 0;
        if (n < 0)
            return (int)n;
        if (n == 0)
            return 1;
        c->got_len += (size_t)n;
    }
}

/* Send, half-close, receive to the peer's FIN and our FIN's ACK. */
static int session(const mq_ctx *m, mq_conn *c, sk_sock s)
{
    size_t off = 0;
    bool shut = false, eof = false;
    for (;;) {
        int e = tool_tcp_send_rest(c->net.stack, c->net.loop->now, s, m->in, m->in_len, &off);
        if (e < 0)
            return e;
        e = 0;
        if (off == m->in_len && !shut) {
            shut = true;
            e = sk_tcp_shutdown(c->net.stack, c->net.loop->now, s);
        }
        int r = e != 0 || eof ? 0 : pump_recv(c, s);
        if (e != 0 || r < 0)
            return e != 0 ? e : r;
        eof = eof || r == 1;
        unsigned ev = sk_sock_events(c->net.stack, s);
        if (ev & SK_EV_ERROR)
            return SK_ECONNRESET;
        if (eof && shut && (ev & SK_EV_CLOSED))
            return 0;
        if (tool_stop_flag)
            return SK_ECONNABORTED;
        if (tool_net_step(&c->net, 1000000u) != 0)
            return SK_EIO;
    }
}

static void conn_thread(unsigned i, void *ctx)
{
    const mq_ctx *m = ctx;
    mq_conn *c = &m->c[i];
    c->started = true;
    if (tool_net_start(&c->net, m->cmd, &c->opts, stderr, NULL, NULL) != 0) {
        c->err = SK_EIO;
        return;
    }
    sk_sock s;
    c->err = sk_blocking_connect(c->net.loop, m->remote, m->timeout_us, &s);
    if (c->err != 0)
        return;
    c->err = session(m, c, s);
    if (c->err == 0)
        sk_tcp_close(c->net.stack, c->net.loop->now, s);
    else
        sk_tcp_abort(c->net.stack, c->net.loop->now, s);
    sk_posix_loop_flush(c->net.loop);
}

/* Stop the stacks in queue order (their --stats), write what each got. */
static int finish(const char *cmd, mq_conn *c, unsigned n, const sk_endpoint *remote)
{
    int r = 0;
    char ep[64];
    tool_endpoint_str(remote, ep, sizeof ep);
    for (unsigned i = 0; i < n; i++) {
        tool_net_queue_stop(&c[i].net, c[i].started);
        if (c[i].err != 0) {
            tool_error(cmd, "%s: connection from stack %u of %u: %s", ep, i, n,
                       sk_strerror(c[i].err));
            r = 1;
        } else if (tool_write_all(c[i].got, c[i].got_len) != 0) {
            tool_error(cmd, "cannot write to standard output: %s", strerror(errno));
            r = 1;
        }
        free(c[i].got);
    }
    return r;
}

int tool_connect_cores(const char *cmd, tool_net_opts *o, const sk_endpoint *remote,
                       uint64_t timeout_us)
{
    unsigned n = o->cores;
    mq_ctx m = {.cmd = cmd, .remote = remote, .timeout_us = timeout_us};
    uint8_t *in = NULL;
    if (read_stdin(&in, &m.in_len) != 0) {
        tool_error(cmd, "cannot read standard input whole (at most %u MiB)", IN_MAX >> 20);
        free(in);
        return 1;
    }
    m.in = in;
    m.c = calloc(n, sizeof *m.c);
    sk_posix_dev devs[SK_POSIX_MQ_MAX];
    if (m.c == NULL || tool_net_open_queues(cmd, o, devs) != 0) {
        if (m.c == NULL)
            tool_error(cmd, "out of memory");
        free(m.c);
        free(in);
        return 1;
    }
    for (unsigned i = 0; i < n; i++) {
        tool_net_queue_init(&m.c[i].net, &m.c[i].opts, o, devs, i);
        m.c[i].err = SK_EIO; /* until its thread says otherwise */
    }
    char err[128];
    int r = 0;
    if (sk_posix_mq_run(n, true, conn_thread, &m, err, sizeof err) != 0) {
        tool_error(cmd, "%s", err);
        r = 1;
    }
    r |= finish(cmd, m.c, n, remote);
    free(m.c);
    free(in);
    return r;
}
