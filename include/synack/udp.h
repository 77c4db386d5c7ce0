/* UDP datagram sockets (RFC 768; host rules of RFC 8085 and RFC 1122 §4.1).
 *
 * Non-blocking calls in the style of the TCP ones in stack.h. A UDP socket
 * is an sk_sock from its own table (cfg.udp_max_sockets slots); its handles
 * carry SK_SOCK_UDP in idx, so a UDP handle passed to a TCP call (or the
 * reverse) is SK_EBADHANDLE, and sk_sock_events / sk_stack_next_event serve
 * both kinds (sk_sock_is_udp tells them apart).
 *
 * Readiness: SK_EV_READABLE while a datagram is queued, SK_EV_WRITABLE while
 * the send queue holds fewer datagrams than its bound (a send refused with
 * SK_EAGAIN, by either bound, is followed by a WRITABLE event once the
 * queue has sent a datagram), SK_EV_ERROR while an error
 * is pending (an ICMP port or protocol unreachable quoting a datagram of a
 * connected socket: the next send or recv returns SK_ECONNREFUSED once, as
 * Linux's connected UDP sockets do).
 *
 * Queues are bounded per socket in datagrams and bytes (cfg.udp_rcvq_*,
 * cfg.udp_sndq_*). A datagram that finds the receive queue full is dropped
 * and counted (stats.udp_rcvq_full, drop reason UDP_QUEUE_FULL, and the
 * socket's own `overflows`); a send that finds the send queue full returns
 * SK_EAGAIN. Queue memory comes from cfg.alloc when the first datagram is
 * queued and goes back when the queue empties: an idle socket holds none.
 *
 * Datagrams are never fragmented: a payload over MTU - 28 is SK_EMSGSIZE.
 * Sending to a broadcast address is refused (SK_EINVAL) unless the socket
 * has SO_BROADCAST (sk_udp_set_broadcast); to a multicast address always.
 */
#ifndef SYNACK_UDP_H
#define SYNACK_UDP_H

#include "synack/addr.h"
#include "synack/stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bit that marks a UDP handle's idx. */
#define SK_SOCK_UDP 0x80000000u

static inline bool sk_sock_is_udp(sk_sock h)
{
    return (h.idx & SK_SOCK_UDP) != 0;
}

/* A new, unbound socket. SK_ENOSPC when the UDP table is full. */
int sk_udp_open(sk_stack *s, sk_sock *out);
/* Bind the local end. local->addr is SK_AF_UNSPEC (any address of ours)
 * or our own address; port 0 picks an ephemeral port (49152-65535, from
 * the seeded generator). SK_EADDRINUSE when another socket holds the port
 * on an overlapping address (no SO_REUSEADDR); SK_EINVAL when already bound
 * or the address is not ours; SK_EAFNOSUPPORT for a family we lack. */
int sk_udp_bind(sk_stack *s, sk_sock sock, const sk_endpoint *local);
/* SO_BROADCAST: with `on`, send and connect accept the limited broadcast
 * 255.255.255.255 and our subnet's directed broadcast (framed to the
 * Ethernet broadcast address). Sent from our address, or from 0.0.0.0 while
 * the stack has no IPv4 address (a DHCP client, RFC 2131 §4.1). */
int sk_udp_set_broadcast(sk_stack *s, sk_sock sock, bool on);
/* SO_REUSEADDR, before bind: sockets that all set it may bind the same
 * port and address (a wildcard server socket beside sockets connected to
 * its clients, say). A datagram goes to the best match: a connected
 * socket's exact match, then a specific local address, then the wildcard;
 * among equals, the lowest slot. SK_EINVAL once bound. */
int sk_udp_set_reuseaddr(sk_stack *s, sk_sock sock, bool on);
/* Fix the remote end: send goes there, and only datagrams from it are
 * received (and the ICMP errors about it are reported). An unbound socket
 * gets an ephemeral port. remote->addr.family SK_AF_UNSPEC dissolves the
 * association (POSIX connect with AF_UNSPEC); the port stays bound.
 * SK_EINVAL for port 0 or an address that is not one remote host,
 * SK_EHOSTUNREACH when it has no route. Queued datagrams from other
 * sources stay queued. */
int sk_udp_connect(sk_stack *s, sk_sock sock, const sk_endpoint *remote);
/* Queue one datagram to the connected remote end; returns len, SK_ENOTCONN
 * when not connected, SK_EAGAIN when the send queue is full, SK_EMSGSIZE,
 * or the pending error (reported once). The frame leaves with the next
 * sk_stack_output calls. */
ptrdiff_t sk_udp_send(sk_stack *s, sk_time_us now, sk_sock sock, const void *data, size_t len);
/* Queue one datagram to `to` (NULL: the connected remote). An unbound
 * socket gets an ephemeral port first. Errors as sk_udp_send, and
 * SK_EINVAL / SK_EHOSTUNREACH for `to` as sk_udp_connect. */
ptrdiff_t sk_udp_sendto(sk_stack *s, sk_time_us now, sk_sock sock, const void *data, size_t len,
                        const sk_endpoint *to);

/* What sk_udp_recvfrom tells about the datagram it returned. */
typedef struct {
    sk_endpoint from; /* its source */
    sk_endpoint to;   /* the address and port it was sent to */
    size_t len;       /* its full length: more than returned when truncated */
} sk_udp_meta;

/* Take the oldest datagram: up to cap bytes are copied and the rest of the
 * datagram is discarded (POSIX recvfrom without MSG_PEEK). Returns the
 * bytes copied, SK_EAGAIN when none is queued, or the pending error
 * (reported once, before the queued datagrams). meta may be NULL. */
ptrdiff_t sk_udp_recvfrom(sk_stack *s, sk_time_us now, sk_sock sock, void *buf, size_t cap,
                          sk_udp_meta *meta);
ptrdiff_t sk_udp_recv(sk_stack *s, sk_time_us now, sk_sock sock, void *buf, size_t cap);
/* Release the socket and its queued datagrams (datagrams not yet sent are
 * discarded). */
int sk_udp_close(sk_stack *s, sk_sock sock);

typedef struct {
    sk_endpoint local;  /* addr SK_AF_UNSPEC: any address; port 0: unbound */
    sk_endpoint remote; /* family SK_AF_UNSPEC: not connected */
    uint32_t rcvq_datagrams, sndq_datagrams;
    size_t rcvq_bytes, sndq_bytes;
    uint64_t overflows; /* datagrams dropped because the receive queue was full */
    size_t max_payload; /* the largest datagram one send takes: MTU - 28 for IPv4 */
    int error;          /* pending error or 0 */
} sk_udp_info;

int sk_udp_get_info(const sk_stack *s, sk_sock sock, sk_udp_info *out);

#endif
