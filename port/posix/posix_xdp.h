/* An AF_XDP socket as synack's device: Ethernet frames straight from and to
 * one receive queue of a Linux interface (a veth end, a NIC queue), below
 * the kernel's IP stack. The interface's own addresses go unused: synack
 * answers for its address itself, as on a TAP.
 *
 * The socket shares one UMEM (frame memory) with its four rings (kernel
 * Documentation/networking/af_xdp.rst): the fill ring gives the kernel
 * empty frames to receive into, the RX ring hands back received ones, the
 * TX ring carries frames to send and the completion ring returns them once
 * sent. libxdp attaches its built-in redirect program (no BPF object of our
 * own), native XDP first and the generic (SKB) hook when the driver has
 * none; frames are copied (XDP_COPY: veth has no zero-copy).
 *
 * sk_posix_xdp_open fills a sk_posix_dev whose ops (posix_dev.h) the event
 * loop uses unchanged: one frame per read, writes queued on the TX ring and
 * sent by sk_posix_dev_flush (one sendto kick per batch), dev->fd pollable.
 * (A ppoll on dev->fd drives copy-mode TX too; the flush is for rounds that
 * skip the ppoll, and sends before the sleep.) */
#ifndef SK_PORT_POSIX_XDP_H
#define SK_PORT_POSIX_XDP_H

#include "posix_dev.h"

#include <stdbool.h>
#include <stddef.h>

/* true when this build has AF_XDP (libxdp and libbpf found by CMake). */
bool sk_posix_xdp_available(void);

/* Parse "IFNAME" or "IFNAME:QUEUE" (queue 0 by default). 0, or -1 when the
 * name is empty or too long or the queue is not a number up to 4095. */
int sk_posix_xdp_parse(const char *spec, char *ifname, size_t cap, unsigned *queue);

/* Open an AF_XDP socket on `ifname`'s receive queue `queue` and make *dev
 * an Ethernet device (kind SK_DEV_TAP) that reads and writes through it;
 * the MTU is the interface's. Returns 0, or -1 with a one-line reason in
 * err (no AF_XDP in this build, no such interface, no permission, the
 * kernel refused the socket or the program). sk_posix_dev_close frees it
 * and detaches the program. */
int sk_posix_xdp_open(sk_posix_dev *dev, const char *ifname, unsigned queue, char *err,
                      size_t errcap);
/* The same at the generic (SKB) hook only, without trying native XDP. */
int sk_posix_xdp_open_generic(sk_posix_dev *dev, const char *ifname, unsigned queue, char *err,
                              size_t errcap);

/* Which hook the program runs at: "native", "generic", or "" when closed
 * or not open over AF_XDP. */
const char *sk_posix_xdp_mode(const sk_posix_dev *dev);

#endif
