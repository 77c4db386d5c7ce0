/* TAP and TUN devices (Linux /dev/net/tun): where synack's frames meet the
 * kernel. A TUN device carries raw IPv4 packets (the stack's SK_LINK_IP), a
 * TAP device carries Ethernet II frames (SK_LINK_ETHERNET). The kernel side
 * of the device is an ordinary Linux interface; synack is the other end of
 * the wire, so on a TAP synack needs a MAC address of its own, different
 * from the interface's.
 *
 * The device is opened with IFF_NO_PI (no 4-byte packet-information prefix)
 * and its file descriptor is non-blocking: reads return one frame each, or
 * fail with EAGAIN when none is waiting. */
#ifndef SK_PORT_POSIX_DEV_H
#define SK_PORT_POSIX_DEV_H

#include "posix_vnet.h"
#include "synack/addr.h"
#include "synack/stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sk_dev_kind { SK_DEV_TUN, SK_DEV_TAP };

/* Another backend behind the same calls (posix_xdp.h: an AF_XDP socket):
 * when sk_posix_dev.ops is set, sk_posix_dev_read, _write, _flush and
 * _close go through it with dev->impl, and dev->fd is the backend's
 * pollable descriptor. Same return conventions as the TAP calls below. */
typedef struct {
    long (*read)(void *impl, uint8_t *buf, size_t cap);
    int (*write)(void *impl, const uint8_t *frame, size_t len);
    void (*flush)(void *impl); /* send what write() queued */
    void (*close)(void *impl);
} sk_posix_dev_ops;

typedef struct {
    int fd;                /* non-blocking, -1 when closed */
    enum sk_dev_kind kind;
    char name[16];         /* the kernel's name for it (IFNAMSIZ) */
    uint16_t mtu;          /* the interface MTU (IP packet size) */
    sk_mac kernel_mac;     /* TAP: the Linux interface's own MAC */
    bool vnet;             /* opened with IFF_VNET_HDR: use the _meta calls */
    const sk_posix_dev_ops *ops; /* NULL: the TAP/TUN file descriptor */
    void *impl;                  /* the backend's state, for ops */
} sk_posix_dev;

/* Create the device `name` or attach to an existing one (persistent devices
 * made with `ip tuntap add`), switch it non-blocking and bring the interface
 * up. The MTU and, on a TAP, the kernel's MAC are read into *dev. Returns 0,
 * or -1 with a one-line reason in err (permission denied, device busy, wrong
 * kind ...). */
int sk_posix_dev_open(sk_posix_dev *dev, enum sk_dev_kind kind, const char *name, char *err,
                      size_t errcap);
/* The same with IFF_VNET_HDR (every frame read or written has a
 * virtio-net header in front, posix_vnet.h) and TUNSETOFFLOAD set to what
 * caps says we can read: partial checksums (rx_csum), merged TCP segments
 * (rx_csum and gro). Frames go through sk_posix_dev_read_meta and
 * sk_posix_dev_write_meta. */
int sk_posix_dev_open_vnet(sk_posix_dev *dev, enum sk_dev_kind kind, const char *name,
                           const sk_dev_caps *caps, char *err, size_t errcap);
/* One queue of a multi-queue device (IFF_MULTI_QUEUE): call it N times with
 * the same name for N queues, each its own descriptor (posix_mq.h). The
 * kernel hands each frame it sends to one queue (tun.c's automatic queue
 * selection: a flow table keyed by the flow's symmetric hash, filled by the
 * frames user space writes on a queue, else the hash scaled to the queue
 * count). A device first opened without the flag cannot take queues. */
int sk_posix_dev_open_queue(sk_posix_dev *dev, enum sk_dev_kind kind, const char *name,
                            char *err, size_t errcap);
/* The same with IFF_VNET_HDR and the offloads caps allows, as
 * sk_posix_dev_open_vnet: every queue of the device must be opened this way
 * (the flags are the device's). */
int sk_posix_dev_open_queue_vnet(sk_posix_dev *dev, enum sk_dev_kind kind, const char *name,
                                 const sk_dev_caps *caps, char *err, size_t errcap);
void sk_posix_dev_close(sk_posix_dev *dev);

/* Read one frame: its length, 0 when none is waiting, -1 on an error. */
long sk_posix_dev_read(sk_posix_dev *dev, uint8_t *buf, size_t cap);
/* Write one frame: 0, 1 when the kernel had no room or refused the frame
 * as malformed (it is dropped, as a full queue or a bad frame on a real link
 * would be), -1 on an error (the device is gone). */
int sk_posix_dev_write(sk_posix_dev *dev, const uint8_t *frame, size_t len);
/* Hand the frames written so far to the kernel: a backend that queues
 * writes (AF_XDP) sends them here; a TAP wrote each at once (no-op). */
void sk_posix_dev_flush(sk_posix_dev *dev);

/* With IFF_VNET_HDR (sk_posix_dev_open_vnet): the same, the frame's
 * virtio-net header translated to or from *meta. A frame read without a
 * whole header counts as an error-free empty read (0). */
long sk_posix_dev_read_meta(sk_posix_dev *dev, uint8_t *buf, size_t cap, sk_frame_meta *meta);
int sk_posix_dev_write_meta(sk_posix_dev *dev, const uint8_t *frame, size_t len,
                            const sk_frame_meta *meta);
/* The same with the header in the caller's buffer: the SK_VNET_HDR_LEN
 * bytes before buf (or frame) must be writable; the header is read into
 * them or encoded there, and the frame and its header move in one read()
 * or write() of one block instead of a readv()/writev() of two. For the
 * kernel that is one iovec to import and one copy instead of two per
 * frame (the loop, posix_loop.h, keeps that headroom). */
long sk_posix_dev_read_meta_inplace(sk_posix_dev *dev, uint8_t *buf, size_t cap,
                                    sk_frame_meta *meta);
int sk_posix_dev_write_meta_inplace(sk_posix_dev *dev, uint8_t *frame, size_t len,
                                    const sk_frame_meta *meta);
/* One frame for sk_stack_input_meta, whatever the device: on a vnet device
 * (the SK_VNET_HDR_LEN bytes before buf writable, as for _read_meta_inplace)
 * its metadata, with a partial checksum of anything but TCP (UDP from this
 * host: DHCP, DNS; the stack takes the device's word for TCP only)
 * completed here as a device would; else *meta all zero. Returns as
 * sk_posix_dev_read. */
long sk_posix_dev_read_frame(sk_posix_dev *dev, uint8_t *buf, size_t cap, sk_frame_meta *meta);
/* As sk_posix_dev_write_meta_inplace for a frame from sk_stack_output_gather:
 * header in the headroom, frame[0..len) and then the spans, in one writev();
 * the kernel copies the payload straight from the stack's send buffer. -1
 * for more than SK_FRAME_SPANS_MAX spans. */
int sk_posix_dev_write_gather_inplace(sk_posix_dev *dev, uint8_t *frame, size_t len,
                                      const sk_frame_span *spans, size_t n_spans,
                                      const sk_frame_meta *meta);

/* A random locally administered unicast MAC (02:xx:xx:xx:xx:xx family) for
 * synack's end of a TAP. */
sk_mac sk_posix_random_mac(void);
/* A locally administered MAC derived from synack's address,
 * 02:73:6b:<the address's last three bytes>: the same on every run, so a
 * restarted program does not meet a Linux neighbour entry that still holds
 * the previous run's MAC (Linux ignores ARP updates within its 1 s
 * locktime, and then sends to the old MAC until the entry goes stale). */
sk_mac sk_posix_stable_mac(sk_ip4 addr);

#endif
