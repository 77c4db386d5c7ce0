/* Internals shared by bsd_stack.c, bsd_sock.c and bsd_io.c (synack_bsd.h). */
#ifndef SK_PORT_BSD_PRIV_H
#define SK_PORT_BSD_PRIV_H

#include "posix_loop.h"
#include "synack_bsd.h"

#include <pthread.h>
#include <stdint.h>

/* Descriptors past this are never synack sockets (an eventfd numbered
 * higher is closed again and socket() fails with EMFILE). */
#define SK_BSD_MAX_FDS 65536

enum sk_bsd_state {
    SK_BSD_NEW,        /* socket() done, maybe bound */
    SK_BSD_LISTENING,
    SK_BSD_CONNECTING, /* non-blocking connect in progress */
    SK_BSD_CONNECTED,  /* established once (may have closed since) */
    SK_BSD_FAILED,     /* the connect failed: so_error tells why */
};

typedef struct {
    sk_bsd_stack *b;
    int fd;                 /* the eventfd the application sees */
    int domain;             /* AF_INET or AF_INET6 */
    enum sk_bsd_state st;
    bool nonblock, cloexec;
    bool udp;               /* SOCK_DGRAM: a synack UDP socket (bsd_udp.c) */
    bool has_sock;          /* sock is a live synack handle */
    sk_sock sock;
    uint16_t port;          /* bound port, 0: none */
    sk_ipaddr bound_addr;   /* TCP: the address bind() named; SK_AF_UNSPEC: every one */
    int so_error;           /* errno for SO_ERROR, cleared when read */
    bool rd_shut, wr_shut;
    bool reuseaddr, keepalive, nodelay, v6only;
    bool linger0;           /* SO_LINGER on with 0 s: close() resets */
    int rcvbuf, sndbuf;     /* as set and clamped (reported doubled, as Linux); 0: not set */
    uint64_t rcvtimeo_us, sndtimeo_us; /* SO_RCVTIMEO/SO_SNDTIMEO, 0: none */
    uint16_t maxseg;        /* TCP_MAXSEG set before connect/listen, 0: none */
    char cc[16];            /* TCP_CONGESTION set before connect/listen, "": the stack's */
    int backlog;
    uint64_t efd_count;     /* the counter last written (see synack_bsd.h) */
    uint8_t *peek;          /* MSG_PEEK: bytes taken from the stack, not yet read */
    size_t peek_len, peek_cap;
} sk_bsd_fd;

struct sk_bsd_stack {
    sk_stack *stack;
    sk_posix_dev dev;
    int wake_fd;            /* eventfd: wakes the thread */
    pthread_t thread;
    bool running, stop;
    bool caller_loop;       /* SK_BSD_NO_THREAD: the caller runs sk_bsd_step */
    sk_time_us sleep_until; /* the thread's planned wake-up */
    sk_bsd_fd **by_idx;     /* socket slot -> descriptor (max_sockets) */
    uint32_t max_sockets;
    sk_bsd_fd **udp_by_idx; /* UDP socket slot -> descriptor (udp_max) */
    uint32_t udp_max;
    uint16_t next_port;     /* for listen() on an unbound socket */
    uint32_t sndbuf_max, rcvbuf_max; /* the stack's buffer sizes: SO_SNDBUF/SO_RCVBUF's ceiling */
    char cc_default[16];    /* the stack's congestion control (TCP_CONGESTION when unset) */
    /* The frame buffer (SK_POSIX_LOOP_FRAME_MAX bytes at
     * room + SK_POSIX_LOOP_HEADROOM: a super-segment or a merged segment),
     * with room for a virtio-net header in front, as the event loop's
     * (posix_loop.h): on a vnet device frames move with their metadata,
     * TCP payloads out from the send buffer (sk_stack_output_gather). */
    _Alignas(16) uint8_t room[SK_POSIX_LOOP_HEADROOM + SK_POSIX_LOOP_FRAME_MAX];
};

extern pthread_mutex_t sk_bsd_mu;
extern pthread_cond_t sk_bsd_cv;

/* The entry of fd (NULL: not a synack socket); call with sk_bsd_mu held. */
sk_bsd_fd *sk_bsd_lookup(int fd);
/* Lock and look up fd: NULL with errno EBADF (unlocked) when it is not a
 * synack socket. */
sk_bsd_fd *sk_bsd_enter(int fd);
void sk_bsd_leave(void);
/* A new entry with its eventfd; NULL with errno set. */
sk_bsd_fd *sk_bsd_fd_new(sk_bsd_stack *b, int domain, bool nonblock, bool cloexec);
void sk_bsd_fd_free(sk_bsd_fd *e);
/* close() of e's socket (a reset where close() resets) and e freed; with
 * sk_bsd_mu held. */
void sk_bsd_close_entry(sk_bsd_fd *e);
/* Attach a synack handle to e (for readiness updates). */
void sk_bsd_attach(sk_bsd_fd *e, sk_sock s);
void sk_bsd_detach(sk_bsd_fd *e);
/* Send what the stack queued, update readiness from its events and wake
 * the thread when its deadline moved earlier. */
void sk_bsd_kick(sk_bsd_stack *b);
/* Set e's eventfd from its readiness now. */
void sk_bsd_refresh(sk_bsd_fd *e);
/* Wait (lock held, released while waiting) until e shows one of mask
 * (SK_EV_*) or something else changed; returns after any change. */
void sk_bsd_wait(sk_bsd_fd *e);
/* The deadline of a wait bounded by timeo_us (SO_RCVTIMEO/SO_SNDTIMEO),
 * 0 for none (timeo_us 0: wait forever, as Linux). */
sk_time_us sk_bsd_deadline(uint64_t timeo_us);
/* sk_bsd_wait that ends by deadline (0: none): false, without waiting,
 * once the deadline has passed. */
bool sk_bsd_wait_until(sk_bsd_fd *e, sk_time_us deadline);
sk_time_us sk_bsd_now(void);
/* In a child after fork(): true, after one line on stderr. */
bool sk_bsd_refuse_child(void);
/* In a child after fork(): close fd's eventfd and forget it (0); -1 in
 * the parent or for a descriptor that is not ours. */
int sk_bsd_close_child(int fd);
/* sockaddr <-> endpoint for e's family (bsd_sock.c): 0 or an errno;
 * _to truncates to *len as the kernel does. */
int sk_bsd_endpoint_from(const sk_bsd_fd *e, const struct sockaddr *sa, socklen_t len,
                         sk_endpoint *ep);
void sk_bsd_endpoint_to(const sk_bsd_fd *e, const sk_endpoint *ep, struct sockaddr *sa,
                        socklen_t *len);

/* The addresses of sendto/sendmsg and recvfrom/recvmsg (any may be NULL). */
typedef struct {
    const struct sockaddr *to;
    socklen_t tolen;
    struct sockaddr *from;
    socklen_t *fromlen;
    int *msg_flags;
} sk_bsd_addrs;

/* UDP (bsd_udp.c), lock held: open e's synack socket; bind; connect; one
 * datagram out or in (-1 with errno). */
int sk_bsd_udp_open(sk_bsd_fd *e);
int sk_bsd_udp_bind(sk_bsd_fd *e, const sk_endpoint *ep);
int sk_bsd_udp_connect(sk_bsd_fd *e, const sk_endpoint *ep);
ssize_t sk_bsd_udp_io(sk_bsd_fd *e, int fd, const struct iovec *iov, size_t cnt, int flags,
                      bool sending, const sk_bsd_addrs *a);
/* UDP ends for getsockname/getpeername: 0 or an errno. */
int sk_bsd_udp_ends(sk_bsd_fd *e, sk_endpoint *local, sk_endpoint *remote);
/* Apply SO_SNDBUF/SO_RCVBUF and TCP_CONGESTION as set on e to its TCP
 * handle (bsd_opt.c): at connect or listen. */
void sk_bsd_apply_bufs(sk_bsd_fd *e);
/* errno for an SK_E* code. */
int sk_bsd_errno(int sk_err);
/* Fail with errno e (returns -1). */
int sk_bsd_fail(int e);

#endif
