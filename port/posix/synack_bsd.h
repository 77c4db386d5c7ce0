/* A BSD-socket-compatible API over the POSIX port, with Linux's errno
 * semantics: every call returns what the libc call of the same name
 * returns (-1 and errno on failure), so a program written for Linux
 * sockets (or the LD_PRELOAD library, port/posix/preload/) can use it
 * unchanged.
 *
 * Two ways to run the stack.
 *
 * Its own thread (sk_bsd_start): the thread sleeps in ppoll() on the
 * device and a wake-up eventfd until the stack's next deadline, feeds
 * arriving frames to the stack, sends what the stack queued and updates
 * the readiness of every socket. One mutex (shared by all sk_bsd stacks of
 * the process) guards the stacks and the descriptor table; application
 * threads take it for each call, and after each call send what it queued
 * at once (no wait for the stack thread). Blocking calls wait on a
 * condition variable with the lock released. The LD_PRELOAD library runs
 * the stack this way.
 *
 * The caller's loop (sk_bsd_start_ex with SK_BSD_NO_THREAD): no thread is
 * started. The caller adds the descriptor sk_bsd_loop_poll gives (the
 * device) to its own poll/epoll set, with the timeout it gives (the
 * stack's next timer, in ms, rounded up; -1: none), and calls sk_bsd_step
 * whenever the device is readable or the timeout ran out; sk_bsd_step
 * reads the frames waiting, runs the timers that are due, sends what the
 * stack queued and updates every socket's eventfd, so the sockets' own
 * descriptors in the same poll set report readiness as usual. Ask for the
 * timeout again before each wait: a call on a socket (send, connect ...)
 * can bring the next timer nearer. Calls on sockets send their segments at
 * once, as in the threaded mode. Nothing moves the stack while the caller
 * waits inside a call, so a call that would block does not wait: it
 * returns as if its timeout (SO_RCVTIMEO, SO_SNDTIMEO) had run out at
 * once: EAGAIN/EWOULDBLOCK from accept, recv, send (or the bytes taken),
 * EINPROGRESS from connect (it goes on; poll for POLLOUT, then SO_ERROR),
 * whatever O_NONBLOCK says. The mutex is still taken, so other threads may
 * make calls, but only the caller's loop moves the stack.
 *
 * Descriptors. Each synack socket is a real kernel eventfd, so its number
 * never collides with another descriptor of the process and poll(),
 * select() and epoll work on it unchanged, mixed with ordinary
 * descriptors. The stack sets the eventfd's counter from the socket's
 * readiness (the kernel reports POLLIN when the counter is > 0 and POLLOUT
 * while it is below 0xfffffffffffffffe):
 *     readable and writable    1
 *     writable only            0
 *     readable only            0xfffffffffffffffe
 *     neither                  0xfffffffffffffffe on a connection (an
 *                              extra POLLIN: recv answers EAGAIN), 0 on a
 *                              listener or an unconnected socket (an extra
 *                              POLLOUT nobody waits for)
 * so "neither" is the one state an eventfd cannot show. Each change of a
 * socket's readiness also writes to the eventfd, so epoll's edge-triggered
 * mode sees an edge per event.
 *
 * What is supported: TCP and UDP over IPv4 and IPv6 (AF_INET; AF_INET6
 * sockets with the stack's IPv6 addresses, and IPv4 through IPv4-mapped
 * addresses), see port/posix/README.md for the list of calls, options and
 * limits. */
#ifndef SK_PORT_SYNACK_BSD_H
#define SK_PORT_SYNACK_BSD_H

#include "posix_dev.h"
#include "synack/stack.h"

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct sk_bsd_stack sk_bsd_stack;

/* Create a stack from cfg (the allocator may be left empty: malloc is
 * used) on `dev`, an opened device the sk_bsd_stack then owns, and start
 * its thread. Returns 0, or -1 with a one-line reason in err. */
int sk_bsd_start(sk_bsd_stack **out, const sk_stack_config *cfg, sk_posix_dev *dev,
                 char *err, size_t errcap);
/* sk_bsd_start with flags: SK_BSD_NO_THREAD runs the stack in the
 * caller's loop (above). Other bits: -1 with a reason. */
#define SK_BSD_NO_THREAD 0x1u
int sk_bsd_start_ex(sk_bsd_stack **out, const sk_stack_config *cfg, sk_posix_dev *dev,
                    unsigned flags, char *err, size_t errcap);
/* SK_BSD_NO_THREAD stacks: what to wait for before the next sk_bsd_step,
 * the device's descriptor in *pfd (POLLIN) and the poll timeout in ms (-1:
 * no timer pending). 0, or -1 with EINVAL for a stack with its own thread
 * or NULL arguments. */
int sk_bsd_loop_poll(sk_bsd_stack *b, struct pollfd *pfd, int *timeout_ms);
/* SK_BSD_NO_THREAD stacks: one step, without waiting: frames in (up to 64),
 * timers that are due, frames out, readiness. 0, or -1 with EINVAL for a
 * stack with its own thread (its thread steps it). */
int sk_bsd_step(sk_bsd_stack *b);
/* Stop the thread (if any), close every socket of this stack (abortively), close
 * the device and free the stack. */
void sk_bsd_stop(sk_bsd_stack *b);
/* What the kernel does for a process's sockets when it exits, for a
 * process whose stack dies with it: close every socket of b as close()
 * would (FIN after what is queued; a reset where close() resets), then run
 * the stack until every connection closed so far has delivered its data
 * and FIN (sk_tcp_closing_count 0), or nothing has come from the network
 * for idle_ms, or max_ms have passed. Returns how many connections were
 * left undelivered. Nothing in a forked child (0). The LD_PRELOAD library
 * calls it when the program exits. */
uint32_t sk_bsd_finish(sk_bsd_stack *b, uint32_t idle_ms, uint32_t max_ms);
/* The stack itself, for statistics (take no action on it while running). */
sk_stack *sk_bsd_stack_of(sk_bsd_stack *b);

/* Is fd a synack socket? */
bool sk_bsd_is_socket(int fd);

/* socket(2) on stack b: domain AF_INET or AF_INET6, type SOCK_STREAM or
 * SOCK_DGRAM (with SOCK_NONBLOCK, SOCK_CLOEXEC), protocol 0 or the type's. */
int sk_bsd_socket(sk_bsd_stack *b, int domain, int type, int protocol);
int sk_bsd_bind(int fd, const struct sockaddr *addr, socklen_t len);
int sk_bsd_listen(int fd, int backlog);
int sk_bsd_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int sk_bsd_connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t sk_bsd_send(int fd, const void *buf, size_t len, int flags);
ssize_t sk_bsd_recv(int fd, void *buf, size_t len, int flags);
ssize_t sk_bsd_sendto(int fd, const void *buf, size_t len, int flags,
                      const struct sockaddr *to, socklen_t tolen);
ssize_t sk_bsd_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                        socklen_t *fromlen);
ssize_t sk_bsd_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t sk_bsd_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t sk_bsd_writev(int fd, const struct iovec *iov, int iovcnt);
ssize_t sk_bsd_readv(int fd, const struct iovec *iov, int iovcnt);
int sk_bsd_shutdown(int fd, int how);
/* Close the socket (graceful: FIN after queued data, the connection
 * finishes in the background) and its eventfd. */
int sk_bsd_close(int fd);
int sk_bsd_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int sk_bsd_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
int sk_bsd_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int sk_bsd_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
/* fcntl F_GETFL / F_SETFL (O_NONBLOCK), F_GETFD / F_SETFD (FD_CLOEXEC);
 * others EINVAL. */
int sk_bsd_fcntl(int fd, int cmd, long arg);
/* ioctl FIONREAD (bytes readable), FIONBIO; others ENOTTY. */
int sk_bsd_ioctl(int fd, unsigned long req, void *arg);

#endif
