/* Queue steering for a multi-queue TAP/TUN device (TUNSETSTEERINGEBPF):
 * a small eBPF program, assembled here without libbpf, that the kernel runs
 * on every frame it hands to the device and whose result picks the queue
 * (drivers/net/tun.c, tun_ebpf_select_queue: the result modulo the queue
 * count). It replaces the kernel's automatic selection, whose flow table
 * did not bring the replies of a connection a stack opens back to that
 * stack's queue on this kernel (test_mq.sh counted them; see posix_mq.h).
 *
 *   TCP over IPv4 (not a later fragment) or over IPv6 (TCP the first next
 *   header): (((sport + dport) * 2654435761) mod 2^32 >> 16) % N. The sum
 *   is the same in both directions (the multiply mixes it: Linux gives
 *   connect() ports of one parity, so the sum modulo 2 alone would pick
 *   one queue for every connection from Linux), so a stack whose ephemeral ports follow the same rule
 *   (sk_stack_config.port_partitions = N, port_partition = its queue) gets
 *   every reply of the connections it opens, and the connections Linux
 *   opens spread over the queues by their source port.
 *   Everything else (ARP, ICMP, NDP, UDP ...): a random queue
 *   (bpf_get_prandom_u32). Every stack answers ARP and ND for the shared
 *   address, and a stack resolving a neighbour retries until a reply lands
 *   on its queue (tools: every 50 ms, up to 20 times with --cores); a reply
 *   that lands elsewhere teaches that stack too (RFC 826: the target adds
 *   the sender).
 */
#ifndef SK_PORT_POSIX_STEER_H
#define SK_PORT_POSIX_STEER_H

#include "posix_dev.h"

#include <stddef.h>

/* Load the program for `queues` queues on dev's device (any queue's
 * descriptor: the program is the device's). 0, or -1 with a one-line
 * reason (no permission for bpf(), a kernel without TUNSETSTEERINGEBPF). */
int sk_posix_steer_ports(const sk_posix_dev *dev, unsigned queues, char *err, size_t errcap);

#endif
