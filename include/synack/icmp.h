/* Ping: ICMP echo (RFC 792) for tools. sk_ping_send queues an echo request
 * (sent by the next sk_stack_output, after ARP resolution on Ethernet);
 * echo replies addressed to us are kept in a bounded queue (cfg.ping_queue_len;
 * when it is full further replies are dropped and counted as
 * SK_DROP_PING_QUEUE_FULL) until sk_ping_next_reply takes them. The stack
 * answers echo requests to its own address by itself. */
#ifndef SYNACK_ICMP_H
#define SYNACK_ICMP_H

#include "synack/addr.h"
#include "synack/stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    sk_ip4 src;        /* who answered (IPv4; 0.0.0.0 for an IPv6 reply) */
    sk_ipaddr from;    /* who answered, either family */
    uint16_t id, seq;  /* echo identifier and sequence number */
    uint8_t ttl;       /* IPv4 TTL or IPv6 hop limit of the reply */
    uint16_t len;      /* echo data bytes (after the 8-byte ICMP header) */
    sk_time_us at;     /* `now` of the sk_stack_input call that delivered it */
} sk_ping_reply;

/* Queue an echo request to dst with `len` data bytes. Returns 0, or
 * SK_EINVAL (NULL stack, data NULL with len > 0, dst 0.0.0.0, multicast,
 * 127/8 or our own address: there is no loopback path),
 * SK_EMSGSIZE (20 + 8 + len exceeds the MTU: we never fragment),
 * SK_EHOSTUNREACH (Ethernet: off-link and no gateway), SK_ENOBUFS (the ICMP
 * output queue is full). A broadcast dst is sent to the broadcast MAC. */
int sk_ping_send(sk_stack *s, sk_time_us now, sk_ip4 dst, uint16_t id, uint16_t seq,
                 const void *data, size_t len);
/* The same for IPv6 (ICMPv6 echo, RFC 4443 §4.1): SK_EINVAL for ::,
 * multicast, loopback, IPv4-mapped or our own address, SK_EMSGSIZE when
 * 40 + 8 + len exceeds the MTU, SK_EHOSTUNREACH with no IPv6 address of
 * ours, SK_ENOBUFS when the ICMPv6 queue is full. */
int sk_ping6_send(sk_stack *s, sk_time_us now, sk_ip6 dst, uint16_t id, uint16_t seq,
                  const void *data, size_t len);
/* Take the oldest received echo reply; false when none. */
bool sk_ping_next_reply(sk_stack *s, sk_ping_reply *out);

#endif
