/* `synack script`: packetdrill's socket calls mapped onto synack's API
 * (include/synack/stack.h). File descriptors are the script's: socket()
 * and accept() return the lowest free one from 3, as a kernel does. Every
 * synack socket is non-blocking: connect() answers -1 EINPROGRESS, read()
 * and accept() -1 EAGAIN when nothing is ready. Errors are synack's codes
 * under their errno names (SK_ECONNRESET is ECONNRESET; a stale handle
 * EBADF). */
#include "tool_script.h"

#include "synack/error.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t ret;        /* the call's result, -1 on an error */
    const char *err;    /* the errno name on an error */
} sc_result;

static sc_result from_code(int64_t code)
{
    if (code >= 0)
        return (sc_result){code, NULL};
    const char *name = code == SK_EBADHANDLE ? "EBADF" : sk_errname((int)code) + 3;
    return (sc_result){-1, name};
}

static int check_result(const sc_call *c, sc_result got, char *why, size_t cap)
{
    bool same = got.ret == c->ret && (got.ret != -1 || strcmp(got.err, c->err) == 0);
    if (same)
        return 0;
    char want[40], have[40];
    if (c->ret == -1)
        snprintf(want, sizeof want, "-1 %s", c->err);
    else
        snprintf(want, sizeof want, "%lld", (long long)c->ret);
    if (got.ret == -1)
        snprintf(have, sizeof have, "-1 %s", got.err);
    else
        snprintf(have, sizeof have, "%lld", (long long)got.ret);
    snprintf(why, cap, "%s() returned %s, expected %s", c->name, have, want);
    return -1;
}

static int bad(char *why, size_t cap, const char *c, const char *what)
{
    snprintf(why, cap, "%s(): %s", c, what);
    return -1;
}

/* The fd in argument 0: a number naming a descriptor the script opened. */
static sc_fd *arg_fd(sc_runner *r, const sc_call *c, char *why, size_t cap)
{
    char *end;
    long fd = c->n_args > 0 ? strtol(c->args[0], &end, 10) : -1;
    if (c->n_args == 0 || *end != '\0' || fd < 3 || fd >= SC_MAX_FDS ||
        r->fds[fd].kind == SC_FD_FREE) {
        bad(why, cap, c->name, "the first argument is not an open descriptor");
        return NULL;
    }
    return &r->fds[fd];
}

static int64_t free_fd(const sc_runner *r)
{
    for (int i = 3; i < SC_MAX_FDS; i++)
        if (r->fds[i].kind == SC_FD_FREE)
            return i;
    return -1;
}

/* A number argument, "[N]" or "N"; -1 when it is neither. */
static int64_t arg_num(const char *a)
{
    char buf[SC_TEXT];
    size_t n = strlen(a);
    if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
        memcpy(buf, a + 1, n - 2);
        buf[n - 2] = '\0';
        a = buf;
    }
    char *end;
    long long v = strtoll(a, &end, 10);
    return (*a == '\0' || *end != '\0' || v < 0) ? -1 : v;
}

/* The script's socket options, given to synack when the socket exists. */
static int apply_opts(sc_runner *r, const sc_fd *f, sk_sock sock)
{
    int e = 0;
    if (f->has_nodelay)
        e = e ? e : sk_tcp_setopt(r->s, sock, SK_SO_NODELAY, f->nodelay);
    if (f->keepidle_us)
        e = e ? e : sk_tcp_setopt(r->s, sock, SK_SO_KEEPIDLE_US, f->keepidle_us);
    if (f->keepintvl_us)
        e = e ? e : sk_tcp_setopt(r->s, sock, SK_SO_KEEPINTVL_US, f->keepintvl_us);
    if (f->keepcnt)
        e = e ? e : sk_tcp_setopt(r->s, sock, SK_SO_KEEPCNT, f->keepcnt);
    if (f->has_keepalive)
        e = e ? e : sk_tcp_setopt(r->s, sock, SK_SO_KEEPALIVE, f->keepalive);
    return e;
}

static int do_setsockopt(sc_runner *r, sc_fd *f, const sc_call *c, char *why, size_t cap)
{
    if (c->n_args != 5)
        return bad(why, cap, c->name, "needs 5 arguments");
    const char *opt = c->args[2];
    int64_t v = arg_num(c->args[3]);
    if (v < 0 && strcmp(opt, "TCP_CONGESTION") != 0 && strcmp(opt, "SO_LINGER") != 0)
        return bad(why, cap, c->name, "the value is [N]");
    if (strcmp(opt, "SO_LINGER") == 0) { /* {onoff=1, linger=0}: close() aborts */
        const char *a = c->args[3];
        f->abort_on_close = strstr(a, "onoff=1") != NULL && strstr(a, "linger=0") != NULL;
        if (!f->abort_on_close && strstr(a, "onoff=0") == NULL)
            return bad(why, cap, c->name, "SO_LINGER is {onoff=1, linger=0} or {onoff=0, ...}");
        return check_result(c, from_code(0), why, cap);
    }
    if (strcmp(opt, "SO_REUSEADDR") == 0)
        return check_result(c, from_code(0), why, cap); /* no bind conflicts to relax */
    if (strcmp(opt, "TCP_NODELAY") == 0) {
        f->has_nodelay = true;
        f->nodelay = v != 0;
    } else if (strcmp(opt, "SO_KEEPALIVE") == 0) {
        f->has_keepalive = true;
        f->keepalive = v != 0;
    } else if (strcmp(opt, "TCP_KEEPIDLE") == 0) {
        f->keepidle_us = (uint64_t)v * 1000000u; /* seconds, as Linux */
    } else if (strcmp(opt, "TCP_KEEPINTVL") == 0) {
        f->keepintvl_us = (uint64_t)v * 1000000u;
    } else if (strcmp(opt, "TCP_KEEPCNT") == 0) {
        f->keepcnt = (uint64_t)v;
    } else if (strcmp(opt, "TCP_CONGESTION") == 0) {
        if (f->kind == SC_FD_SOCKET)
            return bad(why, cap, c->name, "TCP_CONGESTION only after listen or connect");
        char name[SC_TEXT];
        snprintf(name, sizeof name, "%s", c->args[3]);
        size_t n = strlen(name);
        if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
            memmove(name, name + 1, n - 2);
            name[n - 2] = '\0';
        }
        return check_result(c, from_code(sk_tcp_set_cc(r->s, f->sock, name)), why, cap);
    } else {
        return bad(why, cap, c->name, "unsupported option");
    }
    int e = f->kind == SC_FD_SOCKET ? 0 : apply_opts(r, f, f->sock);
    return check_result(c, from_code(e), why, cap);
}

static const char *const sc_state_names[] = {
    "TCP_CLOSE", "TCP_LISTEN", "TCP_SYN_SENT", "TCP_SYN_RECV", "TCP_ESTABLISHED",
    "TCP_FIN_WAIT1", "TCP_FIN_WAIT2", "TCP_CLOSE_WAIT", "TCP_CLOSING", "TCP_LAST_ACK",
    "TCP_TIME_WAIT"};

/* One "tcpi_x=v" of a TCP_INFO struct against synack's sk_tcp_info. */
static int check_info_field(const sk_tcp_info *in, const char *k, const char *v, char *why,
                            size_t cap)
{
    uint64_t have;
    if (strcmp(k, "tcpi_state") == 0) {
        const char *name = in->state < SK_TCP__STATE_COUNT ? sc_state_names[in->state] : "?";
        if (strcmp(name, v) == 0)
            return 0;
        snprintf(why, cap, "getsockopt(): tcpi_state is %s, expected %s", name, v);
        return -1;
    }
    uint32_t mss = in->snd_mss ? in->snd_mss : 1;
    /* in segments, as Linux: bytes / MSS rounded up (a window of segments
     * that carry options is a little less than a multiple of the MSS) */
    if (strcmp(k, "tcpi_snd_cwnd") == 0)
        have = ((uint64_t)in->cwnd + mss - 1) / mss;
    else if (strcmp(k, "tcpi_snd_ssthresh") == 0)
        have = ((uint64_t)in->ssthresh + mss - 1) / mss;
    else if (strcmp(k, "tcpi_rto") == 0)
        have = in->rto_us;
    else if (strcmp(k, "tcpi_snd_wnd") == 0)
        have = in->snd_wnd;
    else if (strcmp(k, "tcpi_rcv_wnd") == 0)
        have = in->rcv_wnd;
    else if (strcmp(k, "tcpi_snd_mss") == 0)
        have = in->snd_mss;
    else if (strcmp(k, "tcpi_total_retrans") == 0)
        have = in->retransmits;
    else
        return snprintf(why, cap, "getsockopt(): unsupported field %s", k), -1;
    int64_t want = arg_num(v);
    if (want >= 0 && (uint64_t)want == have)
        return 0;
    snprintf(why, cap, "getsockopt(): %s is %llu, expected %s", k, (unsigned long long)have, v);
    return -1;
}

/* {tcpi_state=TCP_ESTABLISHED, tcpi_snd_cwnd=10} */
static int check_info(sc_runner *r, const sc_fd *f, const char *arg, char *why, size_t cap)
{
    sk_tcp_info in;
    if (sk_tcp_get_info(r->s, f->sock, &in) != 0)
        return bad(why, cap, "getsockopt", "no connection behind the descriptor");
    size_t n = strlen(arg);
    if (n < 2 || arg[0] != '{' || arg[n - 1] != '}')
        return bad(why, cap, "getsockopt", "TCP_INFO is {tcpi_x=v, ...}");
    char buf[SC_TEXT];
    memcpy(buf, arg + 1, n - 2);
    buf[n - 2] = '\0';
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *eq = strchr(tok, '=');
        if (eq == NULL)
            return bad(why, cap, "getsockopt", "TCP_INFO fields are name=value");
        *eq = '\0';
        char *v = eq + 1, *e = v + strlen(v);
        while (e > v && e[-1] == ' ')
            *--e = '\0';
        if (check_info_field(&in, tok, v, why, cap) != 0)
            return -1;
    }
    return 0;
}

static int do_getsockopt(sc_runner *r, sc_fd *f, const sc_call *c, char *why, size_t cap)
{
    if (c->n_args != 5 || f->kind == SC_FD_SOCKET)
        return bad(why, cap, c->name, "needs 5 arguments and a connection");
    if (strcmp(c->args[2], "TCP_INFO") == 0) {
        if (check_info(r, f, c->args[3], why, cap) != 0)
            return -1;
        return check_result(c, from_code(0), why, cap);
    }
    if (strcmp(c->args[2], "SO_ERROR") != 0)
        return bad(why, cap, c->name, "only SO_ERROR and TCP_INFO");
    sk_tcp_info in;
    int e = sk_tcp_get_info(r->s, f->sock, &in);
    if (e != 0)
        return check_result(c, from_code(e), why, cap);
    const char *have = in.error == 0 ? "0" : from_code(in.error).err;
    char want[SC_TEXT];
    snprintf(want, sizeof want, "%s", c->args[3]);
    size_t n = strlen(want);
    if (n >= 2 && want[0] == '[' && want[n - 1] == ']') {
        memmove(want, want + 1, n - 2);
        want[n - 2] = '\0';
    }
    if (strcmp(have, want) != 0) {
        snprintf(why, cap, "getsockopt(): SO_ERROR is %s, expected %s", have, want);
        return -1;
    }
    return check_result(c, from_code(0), why, cap);
}


static int do_listen(sc_runner *r, sc_fd *f, const sc_call *c, char *why, size_t cap)
{
    if (f->kind != SC_FD_SOCKET)
        return bad(why, cap, c->name, "the socket is already listening or connected");
    int64_t backlog = c->n_args == 2 ? arg_num(c->args[1]) : -1;
    if (backlog < 0 || backlog > 65535)
        return bad(why, cap, c->name, "listen(fd, backlog)");
    sk_listen_opts lo = {.backlog = (int)backlog, .mss = r->sc->setup.mss};
    int e = sk_tcp_listen(r->s, SC_LISTEN_PORT, &lo, &f->sock);
    if (e == 0) {
        f->kind = SC_FD_LISTEN;
        r->fl.lport = SC_LISTEN_PORT;
        r->fl.rport = SC_PEER_PORT;
        e = apply_opts(r, f, f->sock);
    }
    return check_result(c, from_code(e), why, cap);
}

static int do_accept(sc_runner *r, sc_fd *f, const sc_call *c, char *why, size_t cap)
{
    if (f->kind != SC_FD_LISTEN)
        return bad(why, cap, c->name, "the socket is not listening");
    int64_t fd = free_fd(r);
    if (fd < 0)
        return bad(why, cap, c->name, "no free descriptor");
    sk_sock sock;
    int e = sk_tcp_accept(r->s, f->sock, &sock, NULL);
    if (e != 0)
        return check_result(c, from_code(e), why, cap);
    sc_fd *n = &r->fds[fd];
    /* the listener's options are the stack's to pass on (RFC 1122
     * §4.2.3.6 row of docs/rfc-coverage.md): not applied again here */
    *n = *f;
    n->kind = SC_FD_CONN;
    n->sock = sock;
    return check_result(c, from_code(fd), why, cap);
}

static int do_connect(sc_runner *r, sc_fd *f, const sc_call *c, char *why, size_t cap)
{
    if (f->kind != SC_FD_SOCKET)
        return bad(why, cap, c->name, "the socket is already listening or connected");
    sk_endpoint peer = {.addr = r->fl.peer, .port = SC_LISTEN_PORT};
    sk_connect_opts co = {.mss = r->sc->setup.mss};
    int e = sk_tcp_connect(r->s, r->now, &peer, &co, &f->sock);
    if (e == 0) {
        f->kind = SC_FD_CONN;
        sk_tcp_info in;
        if (sk_tcp_get_info(r->s, f->sock, &in) == 0)
            r->fl.lport = in.local.port;
        r->fl.rport = SC_LISTEN_PORT;
        r->fl.isn_known = false;
        e = apply_opts(r, f, f->sock);
        if (e == 0) /* non-blocking: the handshake goes on */
            return check_result(c, (sc_result){-1, "EINPROGRESS"}, why, cap);
    }
    return check_result(c, from_code(e), why, cap);
}

static int do_rw(sc_runner *r, sc_fd *f, const sc_call *c, char *why, size_t cap)
{
    int64_t n = c->n_args == 3 ? arg_num(c->args[2]) : -1;
    if (n < 0 || n > (1 << 20))
        return bad(why, cap, c->name, "the length is a number up to 1048576");
    uint8_t *buf = calloc(1, (size_t)n + 1);
    if (buf == NULL)
        return bad(why, cap, c->name, "out of memory");
    ptrdiff_t got;
    if (f->kind != SC_FD_CONN && f->kind != SC_FD_LISTEN)
        got = SK_ENOTCONN;
    else if (c->name[0] == 'w')
        got = sk_tcp_send(r->s, r->now, f->sock, buf, (size_t)n);
    else
        got = sk_tcp_recv(r->s, r->now, f->sock, buf, (size_t)n);
    free(buf);
    return check_result(c, from_code(got), why, cap);
}

static int do_close(sc_runner *r, sc_fd *f, const sc_call *c, char *why, size_t cap)
{
    int e = f->kind == SC_FD_SOCKET ? 0
          : f->abort_on_close && f->kind == SC_FD_CONN ? sk_tcp_abort(r->s, r->now, f->sock)
          : sk_tcp_close(r->s, r->now, f->sock);
    memset(f, 0, sizeof *f);
    return check_result(c, from_code(e), why, cap);
}

static int do_shutdown(sc_runner *r, sc_fd *f, const sc_call *c, char *why, size_t cap)
{
    if (c->n_args != 2 || strcmp(c->args[1], "SHUT_WR") != 0)
        return bad(why, cap, c->name, "only shutdown(fd, SHUT_WR)");
    int e = f->kind == SC_FD_SOCKET ? SK_ENOTCONN : sk_tcp_shutdown(r->s, r->now, f->sock);
    return check_result(c, from_code(e), why, cap);
}

static int do_socket(sc_runner *r, const sc_call *c, char *why, size_t cap)
{
    if (c->n_args != 3 || strcmp(c->args[1], "SOCK_STREAM") != 0)
        return bad(why, cap, c->name, "only socket(..., SOCK_STREAM, IPPROTO_TCP)");
    int64_t fd = free_fd(r);
    if (fd < 0)
        return bad(why, cap, c->name, "no free descriptor");
    memset(&r->fds[fd], 0, sizeof r->fds[fd]);
    r->fds[fd].kind = SC_FD_SOCKET;
    return check_result(c, from_code(fd), why, cap);
}

int sc_do_call(sc_runner *r, const sc_call *c, char *why, size_t cap)
{
    if (strcmp(c->name, "socket") == 0)
        return do_socket(r, c, why, cap);
    sc_fd *f = arg_fd(r, c, why, cap);
    if (f == NULL)
        return -1;
    if (strcmp(c->name, "bind") == 0) /* the address is always ours, port 8080 */
        return check_result(c, from_code(f->kind == SC_FD_SOCKET ? 0 : SK_EINVAL), why, cap);
    if (strcmp(c->name, "fcntl") == 0) { /* synack's sockets are always non-blocking */
        if (c->n_args != 3 || strcmp(c->args[1], "F_SETFL") != 0 ||
            strstr(c->args[2], "O_NONBLOCK") == NULL)
            return bad(why, cap, c->name, "only fcntl(fd, F_SETFL, O_RDWR|O_NONBLOCK)");
        return check_result(c, from_code(0), why, cap);
    }
    if (strcmp(c->name, "listen") == 0)
        return do_listen(r, f, c, why, cap);
    if (strcmp(c->name, "accept") == 0)
        return do_accept(r, f, c, why, cap);
    if (strcmp(c->name, "connect") == 0)
        return do_connect(r, f, c, why, cap);
    if (strcmp(c->name, "write") == 0 || strcmp(c->name, "read") == 0)
        return do_rw(r, f, c, why, cap);
    if (strcmp(c->name, "close") == 0)
        return do_close(r, f, c, why, cap);
    if (strcmp(c->name, "shutdown") == 0)
        return do_shutdown(r, f, c, why, cap);
    if (strcmp(c->name, "setsockopt") == 0)
        return do_setsockopt(r, f, c, why, cap);
    return do_getsockopt(r, f, c, why, cap);
}
