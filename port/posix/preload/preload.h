/* libsynack-preload.so: unmodified programs over synack (LD_PRELOAD).
 *
 * preload.c interposes the libc socket calls: AF_INET/AF_INET6 TCP and UDP
 * sockets become synack sockets (port/posix/synack_bsd.h), every other descriptor
 * goes to libc (found with dlsym(RTLD_NEXT)). poll, select and epoll are
 * not interposed: a synack socket is a real eventfd (synack_bsd.h).
 *
 * Configuration (read once, at the first TCP or UDP socket()):
 *   SYNACK_TAP   the TAP device (required; opened, or created)
 *   SYNACK_ADDR  our IPv4 address/prefix (required), e.g. 192.0.2.2/24
 *   SYNACK_GW    default gateway (optional)
 *   SYNACK_ADDR6 an IPv6 address/prefix (optional), e.g. 2001:db8::2/64:
 *                native IPv6 for AF_INET6 sockets
 *   SYNACK_GW6   default IPv6 gateway (optional, with SYNACK_ADDR6)
 *   SYNACK_MAC   our MAC (optional; default 02:73:6b + the address's last
 *                three bytes, sk_posix_stable_mac)
 *   SYNACK_MTU   at most the device's MTU (optional)
 *   SYNACK_MAX_SOCKETS  the stack's socket table (default 65536; TIME-WAIT
 *                connections hold slots too)
 * `synack run` (tools/cmd_run.c) sets them. */
#ifndef SK_PRELOAD_H
#define SK_PRELOAD_H

#include "posix/synack_bsd.h"

/* The process's stack, started at the first call; NULL (after one line on
 * stderr saying why) when the configuration or the device is bad. */
sk_bsd_stack *sk_preload_stack(void);
/* True on the thread that is starting the stack (its own sockets are the
 * kernel's). */
bool sk_preload_starting(void);

#endif
