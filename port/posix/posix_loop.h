/* An event loop that runs a synack stack on a TAP/TUN device.
 *
 * One call to sk_posix_loop_step() is one round:
 *   1. drain sk_stack_output() to the device (what the application queued
 *      since the last round goes out now),
 *   2. sleep (ppoll) until the stack's next deadline (sk_stack_poll_at), a
 *      frame on the device, a watched file descriptor, or the caller's
 *      timeout, whichever comes first; with busy_poll_us, first check
 *      without sleeping for up to that long (like Linux's SO_BUSY_POLL: a
 *      CPU spent spinning buys the sleep and cross-CPU wake-up that a
 *      request/response exchange otherwise pays); with rx_coalesce_us,
 *      after a round that read a stream's worth of bytes, sleep that long
 *      without waiting on the device instead (see "Receive coalescing"),
 *   3. read frames from the device into sk_stack_input() until a read finds
 *      none (EAGAIN) or `batch` frames have been read, so that a burst is
 *      drained in one wake-up while timers and output still get their turn
 *      every `batch` frames. When a round stopped at `batch` with frames
 *      still waiting, the next round does not poll at all (the device is
 *      known to be readable): ppoll runs only after a read found the device
 *      empty, or when other descriptors are watched (their revents come
 *      from that ppoll, which then returns at once).
 * Between rounds the application reacts to sk_stack_next_event() or
 * sk_sock_events() and calls the non-blocking socket API; what the stack
 * owes (ACKs) and what the application answers leave together at step 1 of
 * the next round, so replies and FINs ride on the ACKs they answer. Before
 * exiting, call sk_posix_loop_flush() or sk_posix_loop_linger() so the last
 * round's answers go out. A typical program:
 *
 *     while (!stop) {
 *         sk_posix_loop_step(&loop, 1000000);
 *         sk_event ev;
 *         while (sk_stack_next_event(stack, &ev))
 *             handle(&ev);             // sk_tcp_accept/recv/send/close ...
 *     }
 *
 * Receive coalescing (rx_coalesce_us, like a NIC's interrupt moderation,
 * `ethtool -C rx-usecs`, adaptive as Linux's DIM): a thread asleep in ppoll
 * on the device is woken by every frame the kernel queues to it, and that
 * wake-up runs on the sender's CPU (over a TAP, in the Linux sender's
 * tun_net_xmit; on a VM a cross-CPU wake-up is an IPI and a VM exit): with
 * a Linux sender that is CPU-bound, the wake-ups are what limits the rate.
 * So after a round that read at least SK_POSIX_LOOP_STREAM_BYTES (a bulk
 * transfer arriving: ACKs, handshakes and request/response exchanges read
 * far less), the next round does not wait on the device: it sleeps
 * rx_coalesce_us (less when a timer is due sooner) with nothing for a
 * sender to wake, then looks (a ppoll that does not sleep) and reads what
 * came meanwhile. The first round that reads less goes back to ppoll, so a
 * latency-bound exchange alone never waits the extra time, and the end of
 * a stream waits it once (while a stream arrives, every frame waits up to
 * rx_coalesce_us, whatever its connection). Busy polling (busy_poll_us)
 * takes precedence: a spinning thread is not woken either.
 *
 * Options: a pcap capture of every frame the stack receives and sends (at
 * the stack's side of the impairment), and sk_impair delay lines in either
 * direction (loss, delay, jitter, reorder, duplication, rate) between the
 * device and the stack.
 *
 * Offloads: on a device opened with sk_posix_dev_open_vnet (dev->vnet) the
 * loop reads and writes every frame with its virtio-net header and passes
 * the metadata to sk_stack_input_meta / from sk_stack_output_meta, so the
 * stack's dev capabilities (which must match the ones the device was
 * opened with) take effect: TCP super-segments out, merged segments in,
 * checksums left to the device. The capture then holds one record per
 * super-segment or merged segment (snap length 262144), its partial
 * checksum completed for the record only, so it shows the frames that
 * crossed the device, not the segments on a wire. Impairment delay lines
 * keep whole frames without metadata: a vnet device with impairment is
 * refused at init (the tools open the device without offloads instead). */
#ifndef SK_PORT_POSIX_LOOP_H
#define SK_PORT_POSIX_LOOP_H

#include "impair.h"
#include "pcap_file.h"
#include "posix_dev.h"
#include "synack/stack.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#define SK_POSIX_LOOP_MAX_FDS 8      /* extra watched descriptors */
/* Largest frame read or written: on a device opened with vnet headers
 * (sk_posix_dev_open_vnet) a TCP super-segment or a merged (GRO) segment,
 * an IPv6 packet's 40 + 65535 bytes behind a 14-byte Ethernet header
 * (65,589; an IPv4 super-segment is at most 65,549) */
#define SK_POSIX_LOOP_FRAME_MAX 65600
#define SK_POSIX_LOOP_HEADROOM 18 /* >= SK_VNET_HDR_LEN, before the frame buffer */
/* Receive coalescing engages after a round that read this many bytes (a
 * window's worth of a stream: 22 full frames, or one merged segment of
 * half a super-segment). */
#define SK_POSIX_LOOP_STREAM_BYTES 32768u
/* The default rx_coalesce_us: off, as in a zeroed sk_posix_loop_config.
 * Against a Linux sender with its default congestion control (cubic, not
 * paced) a coalescing sleep holds back the ACKs that open a fixed window:
 * 10 us took a 256 KiB receive buffer from 39 to 25 Gbit/s; with a window
 * that grows (cfg.rcvbuf_max) the same 10 us took it from 40 to 72, and
 * the tools then coalesce by default (tools/tool_net.c; bench/README-
 * tap.md, sessions 19 and 20). */
#define SK_POSIX_LOOP_RX_COALESCE_DEFAULT 0u
#define SK_POSIX_LOOP_RX_COALESCE_MAX 10000u

typedef struct {
    sk_stack *stack;              /* required */
    sk_posix_dev *dev;            /* required, opened */
    const char *pcap_path;        /* NULL: no capture */
    const sk_impair_config *impair_in;  /* device -> stack; NULL: none */
    const sk_impair_config *impair_out; /* stack -> device; NULL: none */
    uint64_t impair_seed;
    unsigned batch;               /* frames read per wakeup; 0: 64 */
    uint32_t busy_poll_us;        /* spin this long before sleeping; 0: never */
    uint32_t rx_coalesce_us;      /* receive coalescing (above), at most
                                   * SK_POSIX_LOOP_RX_COALESCE_MAX; 0: never */
} sk_posix_loop_config;

typedef struct {
    uint64_t wakeups;         /* rounds (sk_posix_loop_step) */
    uint64_t polls;           /* ppoll calls (busy polling's included) */
    uint64_t polls_skipped;   /* rounds that read at once: the last batch was full */
    uint64_t empty_reads;     /* reads that found no frame (EAGAIN) */
    uint64_t frames_read;     /* from the device */
    uint64_t frames_written;  /* to the device */
    uint64_t write_drops;     /* frames the kernel had no room for */
    uint64_t spin_hits;       /* rounds where busy polling found work (no sleep) */
    uint64_t coalesced;       /* rounds that slept without waiting on the device */
    uint64_t coalesced_frames; /* frames those rounds read */
    uint64_t supers_out;      /* vnet: TCP super-segments written (gso_type set) */
    uint64_t gathered_out;    /* vnet: frames whose payload was written from the send
                               * buffer (sk_stack_output_gather), not copied first */
    uint64_t merged_in;       /* vnet: merged (GRO) segments read (gso_type set) */
} sk_posix_loop_stats;

typedef struct {
    sk_stack *stack;
    sk_posix_dev *dev;
    sk_pcap *pcap;
    uint64_t wall_offset_us;  /* realtime - monotonic, for pcap timestamps */
    bool has_imp_in, has_imp_out;
    sk_impair imp_in, imp_out;
    unsigned batch;
    uint32_t busy_poll_us;
    uint32_t rx_coalesce_us;
    bool streaming;           /* the last round read SK_POSIX_LOOP_STREAM_BYTES or more */
    bool coalescing;          /* this round slept without waiting on the device */
    bool slack_set;           /* the loop's thread has a 1 us timer slack (first coalescing) */
    bool dev_backlog;         /* the last round read `batch` frames, no EAGAIN */
    sk_time_us now;           /* the clock as of the last read */
    struct pollfd pfd[1 + SK_POSIX_LOOP_MAX_FDS];
    unsigned nfds;            /* including the device at pfd[0] */
    sk_posix_loop_stats stats;
    sk_frame_meta rx_meta, tx_meta; /* vnet: of the frame in buf; else all zero */
    /* vnet without a capture: frames come from sk_stack_output_gather, a
     * TCP payload as views of the send buffer (tx_spans[0..tx_n_spans))
     * after the headers in buf, written with them in one writev(); a
     * capture wants each frame whole, so with one every frame is copied. */
    bool gather;
    size_t tx_n_spans;
    sk_frame_span tx_spans[SK_FRAME_SPANS_MAX];
    /* The frame buffer (SK_POSIX_LOOP_FRAME_MAX bytes at
     * room + SK_POSIX_LOOP_HEADROOM) and, in front of it, room for a
     * virtio-net header: on a vnet device a frame and its header move in
     * one read() or write() of one block (sk_posix_dev_read_meta_inplace).
     * The headroom puts an Ethernet frame's IP header on 16 bytes. */
    _Alignas(16) uint8_t room[SK_POSIX_LOOP_HEADROOM + SK_POSIX_LOOP_FRAME_MAX];
} sk_posix_loop;

/* Returns 0, or -1 with a one-line reason in err (pcap file not writable,
 * bad impairment, impairment on a vnet device, rx_coalesce_us too large).
 * The loop does not own the stack or the device. */
int sk_posix_loop_init(sk_posix_loop *l, const sk_posix_loop_config *cfg, char *err,
                       size_t errcap);
/* Flush what is still queued (impaired frames are dropped), close the
 * capture. */
void sk_posix_loop_free(sk_posix_loop *l);

/* Also wake up when `fd` has any of `events` (POLLIN, POLLOUT). Returns 0,
 * or -1 when SK_POSIX_LOOP_MAX_FDS are watched already. */
int sk_posix_loop_watch(sk_posix_loop *l, int fd, short events);
void sk_posix_loop_unwatch(sk_posix_loop *l, int fd);
/* The revents the last round saw on a watched fd (0 if none). */
short sk_posix_loop_revents(const sk_posix_loop *l, int fd);

/* One round (see above), sleeping at most timeout_us. Returns 0 (also when a
 * signal cut the sleep short), or -1 when the device failed (errno set). */
int sk_posix_loop_step(sk_posix_loop *l, uint64_t timeout_us);
/* Before exiting: run rounds until no frame waits in an impairment delay
 * line (they would be lost with the process), at most max_us. Without
 * impairment this only flushes. Returns 0, or -1 when the device failed. */
int sk_posix_loop_linger(sk_posix_loop *l, uint64_t max_us);
/* Drain the stack's output to the device now (step 1 alone). */
int sk_posix_loop_flush(sk_posix_loop *l);
/* Read the monotonic clock into l->now and return it. */
sk_time_us sk_posix_loop_clock(sk_posix_loop *l);

#endif
