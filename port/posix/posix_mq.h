/* Multi-queue TAP/TUN, one stack per core, nothing shared.
 *
 * A device opened N times with IFF_MULTI_QUEUE (sk_posix_dev_open_queue,
 * or sk_posix_dev_open_queue_vnet for offloads on every queue) has N
 * queues, each its own file descriptor. sk_posix_mq_run() starts N
 * threads, thread i pinned to CPU i (modulo the CPUs the process may use),
 * and calls fn(i, ctx) in each: the caller gives each thread its own queue,
 * its own sk_stack (the same addresses and MAC, a distinct seed) and its own
 * sk_posix_loop, so nothing on the hot path is shared and nothing is
 * locked. It returns when every thread has returned.
 *
 * Which queue a frame from the kernel lands on is the kernel's choice
 * (drivers/net/tun.c, tun_automq_select_queue): a flow table keyed by the
 * flow's symmetric hash (__skb_get_hash_symmetric) remembers the queue on
 * which user space last wrote a frame of that flow (tun_flow_update, for 3 s
 * after the last one: TUN_FLOW_EXPIRE); a flow not in the table goes to the
 * queue its hash scales to. So:
 *  - a connection from Linux: its SYN lands where its hash says, that stack
 *    answers on the same queue, and the table keeps the flow there;
 *  - a connection a stack opens: its SYN, written on the stack's queue,
 *    enters the table before the SYN,ACK exists, so every reply comes back
 *    to the stack that opened it, with no need to choose ephemeral ports by
 *    the kernel's (randomly keyed) hash;
 *  - an ARP or ND exchange: the request a stack writes enters the table the
 *    same way, and the reply follows it.
 * The limit: a flow silent from our side for more than 3 s (or the table
 * full at 4096 flows) falls back to the hash, which may name another
 * stack; that stack knows no such connection and answers with a reset.
 * docs/architecture.md and docs/rfc-coverage.md say so; test_mq.sh counts
 * the frames that arrive on the wrong queue. */
#ifndef SK_PORT_POSIX_MQ_H
#define SK_PORT_POSIX_MQ_H

#include <stdbool.h>
#include <stddef.h>

#define SK_POSIX_MQ_MAX 64 /* queues (threads) at most */

/* Run fn(i, ctx) for i in 0..n-1, each in its own thread, pinned when pin is
 * true. Returns 0 when every thread ran (their results are the caller's to
 * collect through ctx), -1 with a one-line reason in err when n is out of
 * range or a thread could not be started (those started are joined). */
int sk_posix_mq_run(unsigned n, bool pin, void (*fn)(unsigned i, void *ctx), void *ctx,
                    char *err, size_t errcap);

/* The number of CPUs this process may run on (its affinity mask), >= 1. */
unsigned sk_posix_mq_cpus(void);

#endif
