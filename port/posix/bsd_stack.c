/* The sk_bsd stack thread, the descriptor table and readiness signalling
 * (synack_bsd.h explains the design). */
#include "bsd_priv.h"

#include "posix_sys.h"
#include "synack/error.h"
#include "synack/udp.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

pthread_mutex_t sk_bsd_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t sk_bsd_cv = PTHREAD_COND_INITIALIZER;

/* fd -> entry; written under sk_bsd_mu, read without it by
 * sk_bsd_is_socket (the preload library's test on every read/write). */
static _Atomic(sk_bsd_fd *) fd_tab[SK_BSD_MAX_FDS];

#define EFD_FULL 0xfffffffffffffffeu

sk_time_us sk_bsd_now(void) { return sk_posix_now_us(); }

bool sk_bsd_is_socket(int fd)
{
    return fd >= 0 && fd < SK_BSD_MAX_FDS &&
           atomic_load_explicit(&fd_tab[fd], memory_order_acquire) != NULL;
}

sk_bsd_fd *sk_bsd_lookup(int fd)
{
    if (fd < 0 || fd >= SK_BSD_MAX_FDS)
        return NULL;
    return atomic_load_explicit(&fd_tab[fd], memory_order_relaxed);
}

/* fork(): the child has copies of the sockets but no stack thread. It may
 * close them (daemons close every descriptor); any other use fails with
 * EBADF and one line on stderr. The lock is held across fork() so that
 * the child's copy is consistent. */
static bool forked_child;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void) { pthread_mutex_lock(&sk_bsd_mu); }
static void fork_parent(void) { pthread_mutex_unlock(&sk_bsd_mu); }
static void fork_child(void)
{
    forked_child = true;
    pthread_mutex_unlock(&sk_bsd_mu);
}
static void fork_register(void) { pthread_atfork(fork_prepare, fork_parent, fork_child); }

bool sk_bsd_refuse_child(void)
{
    if (!forked_child)
        return false;
    static int told;
    if (!told++)
        fprintf(stderr, "synack: synack sockets cannot be used in a child process after fork() "
                        "(pid %d): the stack runs in the parent\n", (int)getpid());
    return true;
}

/* In a child after fork(): drop the entry and its eventfd, nothing else. */
static int close_in_child(int fd)
{
    sk_bsd_fd *e = sk_bsd_lookup(fd);
    atomic_store_explicit(&fd_tab[fd], NULL, memory_order_release);
    syscall(SYS_close, fd);
    (void)e; /* its memory belongs to the parent's stack: left alone */
    return 0;
}

sk_bsd_fd *sk_bsd_enter(int fd)
{
    if (sk_bsd_refuse_child()) {
        errno = EBADF;
        return NULL;
    }
    pthread_mutex_lock(&sk_bsd_mu);
    sk_bsd_fd *e = sk_bsd_lookup(fd);
    if (e == NULL) {
        pthread_mutex_unlock(&sk_bsd_mu);
        errno = EBADF;
    }
    return e;
}

int sk_bsd_close_child(int fd)
{
    if (!forked_child)
        return -1;
    pthread_mutex_lock(&sk_bsd_mu);
    int r = sk_bsd_lookup(fd) != NULL ? close_in_child(fd) : -1;
    pthread_mutex_unlock(&sk_bsd_mu);
    return r;
}

void sk_bsd_leave(void) { pthread_mutex_unlock(&sk_bsd_mu); }

int sk_bsd_fail(int e)
{
    errno = e;
    return -1;
}

int sk_bsd_errno(int sk_err)
{
    switch (sk_err) {
    case SK_EINVAL: return EINVAL;
    case SK_ENOMEM: return ENOMEM;
    case SK_EAGAIN: return EAGAIN;
    case SK_EBADHANDLE: return EBADF;
    case SK_EADDRINUSE: return EADDRINUSE;
    case SK_ECONNREFUSED: return ECONNREFUSED;
    case SK_ECONNRESET: return ECONNRESET;
    case SK_ETIMEDOUT: return ETIMEDOUT;
    case SK_ENOTCONN: return ENOTCONN;
    case SK_EISCONN: return EISCONN;
    case SK_ESHUTDOWN: return EPIPE;
    case SK_ECLOSED: return EPIPE;
    case SK_ENOBUFS: return ENOBUFS;
    case SK_EMSGSIZE: return EMSGSIZE;
    case SK_EHOSTUNREACH: return EHOSTUNREACH;
    case SK_ENOSPC: return ENOBUFS;
    case SK_ENOTSUP: return EOPNOTSUPP;
    case SK_EPERM: return EPERM;
    case SK_ECONNABORTED: return ECONNABORTED;
    case SK_EAFNOSUPPORT: return EAFNOSUPPORT;
    default: return EIO;
    }
}

/* The eventfd counter for e's readiness (the table in synack_bsd.h). */
static uint64_t efd_count_of(const sk_bsd_fd *e)
{
    uint32_t ev = e->has_sock ? sk_sock_events(e->b->stack, e->sock) : 0;
    bool r = false, w = false, conn = false;
    if (e->st == SK_BSD_LISTENING) {
        r = (ev & SK_EV_ACCEPT) != 0;
    } else if (e->st == SK_BSD_FAILED) {
        r = w = true;
    } else if (e->has_sock) {
        conn = true;
        r = (ev & (SK_EV_READABLE | SK_EV_HUP | SK_EV_ERROR | SK_EV_CLOSED)) != 0 || e->rd_shut ||
            e->peek_len > 0;
        w = (ev & (SK_EV_WRITABLE | SK_EV_ERROR | SK_EV_CLOSED)) != 0 ||
            (e->st == SK_BSD_CONNECTED && e->wr_shut);
        if (e->st == SK_BSD_CONNECTING && !(ev & (SK_EV_CONNECTED | SK_EV_ERROR | SK_EV_CLOSED)))
            w = false;
    } else {
        w = true;
    }
    if (r && w)
        return 1;
    if (r)
        return EFD_FULL;
    if (w)
        return 0;
    return conn ? EFD_FULL : 0;
}

/* Record the outcome of a non-blocking connect. */
static void note_connect(sk_bsd_fd *e)
{
    if (e->st != SK_BSD_CONNECTING || !e->has_sock)
        return;
    uint32_t ev = sk_sock_events(e->b->stack, e->sock);
    if (ev & SK_EV_CONNECTED) {
        e->st = SK_BSD_CONNECTED;
    } else if (ev & (SK_EV_ERROR | SK_EV_CLOSED)) {
        sk_tcp_info info;
        int err = sk_tcp_get_info(e->b->stack, e->sock, &info) == 0 && info.error != 0
                      ? info.error
                      : SK_ECONNREFUSED;
        e->so_error = sk_bsd_errno(err);
        e->st = SK_BSD_FAILED;
    }
}

void sk_bsd_refresh(sk_bsd_fd *e)
{
    note_connect(e);
    uint64_t want = efd_count_of(e);
    if (want != e->efd_count) {
        eventfd_t v;
        (void)eventfd_read(e->fd, &v); /* to 0 (non-blocking eventfd) */
        if (want != 0)
            (void)eventfd_write(e->fd, want);
        e->efd_count = want;
    } else {
        (void)eventfd_write(e->fd, 0); /* an edge for epoll (EPOLLET) */
    }
}

/* The descriptor slot of a synack handle (NULL: out of range). */
static sk_bsd_fd **slot_of(sk_bsd_stack *b, sk_sock s)
{
    if (sk_sock_is_udp(s)) {
        uint32_t i = s.idx & ~SK_SOCK_UDP;
        return i < b->udp_max ? &b->udp_by_idx[i] : NULL;
    }
    return s.idx < b->max_sockets ? &b->by_idx[s.idx] : NULL;
}

static void process_events(sk_bsd_stack *b)
{
    sk_event ev;
    bool any = false;
    while (sk_stack_next_event(b->stack, &ev)) {
        any = true;
        sk_bsd_fd **slot = slot_of(b, ev.sock);
        sk_bsd_fd *e = slot != NULL ? *slot : NULL;
        if (e != NULL && e->has_sock && e->sock.gen == ev.sock.gen)
            sk_bsd_refresh(e);
    }
    if (any)
        pthread_cond_broadcast(&sk_bsd_cv);
}

static uint8_t *frame_buf(sk_bsd_stack *b)
{
    return b->room + SK_POSIX_LOOP_HEADROOM;
}

/* Everything the stack queued, to the device: on a vnet device with the
 * metadata, a TCP payload written from the send buffer (no capture here to
 * want it whole). */
static void drain_output(sk_bsd_stack *b, sk_time_us now)
{
    uint8_t *f = frame_buf(b);
    size_t n;
    if (!b->dev.vnet) {
        while ((n = sk_stack_output(b->stack, now, f, SK_POSIX_LOOP_FRAME_MAX)) > 0)
            (void)sk_posix_dev_write(&b->dev, f, n);
    } else {
        sk_frame_meta m;
        sk_frame_span sp[SK_FRAME_SPANS_MAX];
        size_t ns;
        while ((n = sk_stack_output_gather(b->stack, now, f, SK_POSIX_LOOP_FRAME_MAX, &m, sp,
                                           &ns)) > 0)
            (void)sk_posix_dev_write_gather_inplace(&b->dev, f, n, sp, ns, &m);
    }
    sk_posix_dev_flush(&b->dev);
}

void sk_bsd_kick(sk_bsd_stack *b)
{
    drain_output(b, sk_bsd_now());
    process_events(b);
    if (!b->caller_loop && sk_stack_poll_at(b->stack) < b->sleep_until)
        (void)eventfd_write(b->wake_fd, 1);
}

void sk_bsd_wait(sk_bsd_fd *e)
{
    (void)sk_bsd_wait_until(e, 0);
}

sk_time_us sk_bsd_deadline(uint64_t timeo_us)
{
    return timeo_us == 0 ? 0 : sk_bsd_now() + timeo_us;
}

bool sk_bsd_wait_until(sk_bsd_fd *e, sk_time_us deadline)
{
    /* the caller's loop moves the stack, and the caller is here: nothing
     * can change while we wait, so a blocking call ends as at its timeout
     * (EAGAIN, connect EINPROGRESS; synack_bsd.h) */
    if (e->b->caller_loop)
        return false;
    uint64_t wait_us = 1000000; /* bounded: re-check at least once a second */
    if (deadline != 0) {
        sk_time_us now = sk_bsd_now();
        if (now >= deadline)
            return false;
        if (deadline - now < wait_us)
            wait_us = deadline - now;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + (wait_us % 1000000) * 1000u;
    ts.tv_sec += (time_t)(wait_us / 1000000 + ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    pthread_cond_timedwait(&sk_bsd_cv, &sk_bsd_mu, &ts);
    return true;
}

/* One round under the lock: frames in, timers and output, readiness. */
static void thread_round(sk_bsd_stack *b)
{
    sk_time_us now = sk_bsd_now();
    sk_frame_meta m;
    for (int i = 0; i < 64; i++) {
        long n = sk_posix_dev_read_frame(&b->dev, frame_buf(b), SK_POSIX_LOOP_FRAME_MAX, &m);
        if (n <= 0)
            break;
        sk_stack_input_meta(b->stack, now, frame_buf(b), (size_t)n, &m);
    }
    drain_output(b, now);
    process_events(b);
    b->sleep_until = sk_stack_poll_at(b->stack);
}

static void *stack_thread(void *arg)
{
    sk_bsd_stack *b = arg;
    pthread_mutex_lock(&sk_bsd_mu);
    while (!b->stop) {
        thread_round(b);
        sk_time_us now = sk_bsd_now();
        uint64_t wait = b->sleep_until <= now ? 0 : b->sleep_until - now;
        if (wait > 1000000u)
            wait = 1000000u;
        pthread_mutex_unlock(&sk_bsd_mu);
        struct pollfd pfd[2] = {{b->dev.fd, POLLIN, 0}, {b->wake_fd, POLLIN, 0}};
        struct timespec ts = {(time_t)(wait / 1000000u), (long)(wait % 1000000u) * 1000};
        (void)ppoll(pfd, 2, &ts, NULL);
        eventfd_t v;
        if (pfd[1].revents & POLLIN)
            (void)eventfd_read(b->wake_fd, &v);
        pthread_mutex_lock(&sk_bsd_mu);
    }
    pthread_mutex_unlock(&sk_bsd_mu);
    return NULL;
}

static void *heap_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return calloc(1, size);
}

static void heap_release(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static int start_fail(sk_bsd_stack *b, char *err, size_t errcap, const char *what, int code)
{
    snprintf(err, errcap, "%s: %s", what, code < 0 ? sk_strerror(code) : strerror(code));
    if (b->stack != NULL)
        sk_stack_destroy(b->stack);
    if (b->wake_fd >= 0)
        syscall(SYS_close, b->wake_fd);
    free(b->by_idx);
    free(b->udp_by_idx);
    free(b);
    return -1;
}

int sk_bsd_start(sk_bsd_stack **out, const sk_stack_config *cfg, sk_posix_dev *dev, char *err,
                 size_t errcap)
{
    return sk_bsd_start_ex(out, cfg, dev, 0, err, errcap);
}

int sk_bsd_start_ex(sk_bsd_stack **out, const sk_stack_config *cfg, sk_posix_dev *dev,
                    unsigned flags, char *err, size_t errcap)
{
    if (flags & ~(unsigned)SK_BSD_NO_THREAD) {
        snprintf(err, errcap, "unknown flags 0x%x", flags & ~(unsigned)SK_BSD_NO_THREAD);
        return -1;
    }
    sk_bsd_stack *b = calloc(1, sizeof *b);
    if (b == NULL) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    b->wake_fd = -1;
    sk_stack_config c = *cfg;
    if (c.alloc.allocate == NULL) {
        c.alloc.allocate = heap_alloc;
        c.alloc.release = heap_release;
    }
    int r = sk_stack_create(&c, &b->stack);
    if (r != 0)
        return start_fail(b, err, errcap, "cannot create the stack", r);
    b->max_sockets = c.max_sockets ? c.max_sockets : 1024;
    b->by_idx = calloc(b->max_sockets, sizeof *b->by_idx);
    b->udp_max = c.udp_max_sockets;
    b->udp_by_idx = calloc(b->udp_max ? b->udp_max : 1, sizeof *b->udp_by_idx);
    b->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (b->by_idx == NULL || b->udp_by_idx == NULL || b->wake_fd < 0)
        return start_fail(b, err, errcap, "cannot start", errno ? errno : ENOMEM);
    b->dev = *dev;
    b->next_port = 40000;
    sk_stack_config d;
    sk_stack_config_default(&d); /* what a 0 in cfg stands for */
    b->sndbuf_max = c.sndbuf ? c.sndbuf : d.sndbuf;
    b->rcvbuf_max = c.rcvbuf ? c.rcvbuf : d.rcvbuf;
    snprintf(b->cc_default, sizeof b->cc_default, "%s",
             c.congestion_control ? c.congestion_control : "cubic");
    b->sleep_until = SK_NEVER;
    b->caller_loop = (flags & SK_BSD_NO_THREAD) != 0;
    if (!b->caller_loop) {
        r = pthread_create(&b->thread, NULL, stack_thread, b);
        if (r != 0)
            return start_fail(b, err, errcap, "cannot start the stack thread", r);
        b->running = true;
    }
    pthread_once(&fork_once, fork_register);
    *out = b;
    return 0;
}

sk_stack *sk_bsd_stack_of(sk_bsd_stack *b) { return b->stack; }

int sk_bsd_loop_poll(sk_bsd_stack *b, struct pollfd *pfd, int *timeout_ms)
{
    if (b == NULL || !b->caller_loop || pfd == NULL || timeout_ms == NULL)
        return sk_bsd_fail(EINVAL);
    pfd->fd = b->dev.fd;
    pfd->events = POLLIN;
    pfd->revents = 0;
    pthread_mutex_lock(&sk_bsd_mu);
    sk_time_us at = sk_stack_poll_at(b->stack);
    pthread_mutex_unlock(&sk_bsd_mu);
    sk_time_us now = sk_bsd_now();
    if (at == SK_NEVER) {
        *timeout_ms = -1; /* no deadline: the device alone wakes it */
    } else if (at <= now) {
        *timeout_ms = 0;
    } else {
        uint64_t ms = (at - now + 999u) / 1000u; /* rounded up: never early */
        *timeout_ms = ms > INT_MAX ? INT_MAX : (int)ms;
    }
    return 0;
}

int sk_bsd_step(sk_bsd_stack *b)
{
    if (b == NULL || !b->caller_loop)
        return sk_bsd_fail(EINVAL);
    if (sk_bsd_refuse_child())
        return sk_bsd_fail(EBADF);
    pthread_mutex_lock(&sk_bsd_mu);
    thread_round(b);
    pthread_mutex_unlock(&sk_bsd_mu);
    return 0;
}

void sk_bsd_stop(sk_bsd_stack *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&sk_bsd_mu);
    b->stop = true;
    for (int fd = 0; fd < SK_BSD_MAX_FDS; fd++) {
        sk_bsd_fd *e = sk_bsd_lookup(fd);
        if (e != NULL && e->b == b) {
            if (e->has_sock && e->udp)
                sk_udp_close(b->stack, e->sock);
            else if (e->has_sock)
                sk_tcp_abort(b->stack, sk_bsd_now(), e->sock);
            sk_bsd_fd_free(e);
        }
    }
    drain_output(b, sk_bsd_now());
    pthread_mutex_unlock(&sk_bsd_mu);
    if (b->running) {
        (void)eventfd_write(b->wake_fd, 1);
        pthread_join(b->thread, NULL);
    }
    sk_stack_destroy(b->stack);
    sk_posix_dev_close(&b->dev);
    syscall(SYS_close, b->wake_fd);
    free(b->by_idx);
    free(b->udp_by_idx);
    free(b);
}

uint32_t sk_bsd_finish(sk_bsd_stack *b, uint32_t idle_ms, uint32_t max_ms)
{
    if (b == NULL || forked_child)
        return 0;
    pthread_mutex_lock(&sk_bsd_mu);
    for (int fd = 0; fd < SK_BSD_MAX_FDS; fd++) {
        sk_bsd_fd *e = sk_bsd_lookup(fd);
        if (e != NULL && e->b == b)
            sk_bsd_close_entry(e);
    }
    sk_time_us start = sk_bsd_now(), heard = start;
    drain_output(b, start);
    uint64_t frames = sk_stack_stats(b->stack)->frames_in;
    uint32_t left;
    while ((left = sk_tcp_closing_count(b->stack)) > 0) {
        sk_time_us now = sk_bsd_now();
        if (sk_stack_stats(b->stack)->frames_in != frames) {
            frames = sk_stack_stats(b->stack)->frames_in;
            heard = now;
        }
        if (now - start >= (uint64_t)max_ms * 1000u || now - heard >= (uint64_t)idle_ms * 1000u)
            break;
        if (b->caller_loop) { /* nobody else moves this stack: a round of our own */
            pthread_mutex_unlock(&sk_bsd_mu);
            struct pollfd pfd = {b->dev.fd, POLLIN, 0};
            struct timespec ts = {0, 10 * 1000 * 1000};
            (void)ppoll(&pfd, 1, &ts, NULL);
            pthread_mutex_lock(&sk_bsd_mu);
            thread_round(b);
        } else { /* the stack's thread runs; look again in 10 ms or at its next event */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 10 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&sk_bsd_cv, &sk_bsd_mu, &ts);
        }
    }
    pthread_mutex_unlock(&sk_bsd_mu);
    return left;
}

sk_bsd_fd *sk_bsd_fd_new(sk_bsd_stack *b, int domain, bool nonblock, bool cloexec)
{
    int fd = eventfd(0, EFD_NONBLOCK | (cloexec ? EFD_CLOEXEC : 0));
    if (fd < 0)
        return NULL;
    if (fd >= SK_BSD_MAX_FDS) {
        syscall(SYS_close, fd);
        errno = EMFILE;
        return NULL;
    }
    sk_bsd_fd *e = calloc(1, sizeof *e);
    if (e == NULL) {
        syscall(SYS_close, fd);
        errno = ENOMEM;
        return NULL;
    }
    e->b = b;
    e->fd = fd;
    e->domain = domain;
    e->nonblock = nonblock;
    e->cloexec = cloexec;
    atomic_store_explicit(&fd_tab[fd], e, memory_order_release);
    return e;
}

void sk_bsd_fd_free(sk_bsd_fd *e)
{
    sk_bsd_detach(e);
    atomic_store_explicit(&fd_tab[e->fd], NULL, memory_order_release);
    /* the raw system call: in the preload library close() is ours */
    syscall(SYS_close, e->fd);
    free(e->peek);
    free(e);
}

void sk_bsd_attach(sk_bsd_fd *e, sk_sock s)
{
    e->sock = s;
    e->has_sock = true;
    sk_bsd_fd **slot = slot_of(e->b, s);
    if (slot != NULL)
        *slot = e;
}

void sk_bsd_detach(sk_bsd_fd *e)
{
    sk_bsd_fd **slot = e->has_sock ? slot_of(e->b, e->sock) : NULL;
    if (slot != NULL && *slot == e)
        *slot = NULL;
    e->has_sock = false;
}
