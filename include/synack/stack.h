/* The synack stack: a sans-I/O TCP/IPv4 engine.
 *
 * Frames go in with sk_stack_input(), frames come out of sk_stack_output(),
 * and the caller asks sk_stack_poll_at() when it must call again. A device
 * that offloads (checksums, TCP segmentation, merged segments in) passes
 * frame metadata beside them: sk_stack_input_meta / sk_stack_output_meta
 * and the capabilities in sk_stack_config.dev. Every call
 * takes `now` (microseconds on any monotonic clock the caller chooses); the
 * stack never reads a clock, never does I/O, never calls back into the
 * application (the only callback is the optional trace hook, which must not
 * call the stack). Applications learn what happened from readiness
 * (sk_sock_events) or the event queue (sk_stack_next_event).
 *
 * Memory: the stack allocates through the allocator in its configuration,
 * at creation (socket table, demux table) and for socket buffers, which are
 * taken when data is queued and given back when they empty, so an idle
 * connection holds no buffer memory.
 *
 * Pointers passed in are read during the call only.
 */
#ifndef SYNACK_STACK_H
#define SYNACK_STACK_H

#include "synack/addr.h"
#include "synack/stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t sk_time_us;
#define SK_NEVER UINT64_MAX

typedef struct sk_stack sk_stack;

/* A socket handle: a slot index plus a generation count, so that a handle
 * kept after its socket is gone is an error (SK_EBADHANDLE), never a
 * use-after-free. The zero handle is never valid. */
typedef struct {
    uint32_t idx;
    uint32_t gen;
} sk_sock;

/* Memory for the stack. allocate returns NULL on failure; release gets the
 * size that was allocated. */
typedef struct {
    void *(*allocate)(void *ctx, size_t size);
    void (*release)(void *ctx, void *ptr, size_t size);
    void *ctx;
} sk_allocator;

/* ---------------------------------------------------------------------------
 * Trace: every segment in and out, state change, timer, retransmission,
 * RTT sample and drop. The event and everything it points to are valid
 * during the call only. The hook must not call into the stack.
 * ------------------------------------------------------------------------- */
enum sk_trace_kind {
    SK_TRACE_SEG_IN,     /* a TCP segment arrived (before processing) */
    SK_TRACE_SEG_OUT,    /* a TCP segment was emitted */
    SK_TRACE_STATE,      /* a connection changed state */
    SK_TRACE_TIMER,      /* a timer fired */
    SK_TRACE_RETRANSMIT, /* the emitted segment is a retransmission */
    SK_TRACE_RTT,        /* an RTT sample was taken */
    SK_TRACE_DROP,       /* a frame or segment was dropped (reason set) */
};

enum sk_timer_kind {
    SK_TIMER_RETRANSMIT,
    SK_TIMER_DELACK,
    SK_TIMER_PERSIST,
    SK_TIMER_KEEPALIVE,
    SK_TIMER_TIME_WAIT,
    SK_TIMER__COUNT
};

enum sk_tcp_state {
    SK_TCP_CLOSED,
    SK_TCP_LISTEN,
    SK_TCP_SYN_SENT,
    SK_TCP_SYN_RECEIVED,
    SK_TCP_ESTABLISHED,
    SK_TCP_FIN_WAIT_1,
    SK_TCP_FIN_WAIT_2,
    SK_TCP_CLOSE_WAIT,
    SK_TCP_CLOSING,
    SK_TCP_LAST_ACK,
    SK_TCP_TIME_WAIT,
    SK_TCP__STATE_COUNT
};

/* Why a segment was sent again: the cause of an SK_TRACE_RETRANSMIT event,
 * and the index of sk_stats.retransmits_by_cause. Set by the path that
 * scheduled the resend (the timer, the ACK that revealed a loss), never
 * guessed afterwards. X(name, short name, text).
 * A zero-window probe repeated by the persist timer is not a retransmission
 * (its byte lies past the window, not in flight); WINDOW_PROBE is that byte
 * sent again in the first segment once the window opens. */
#define SK_REXMIT_CAUSES(X)                                                                        \
    X(NONE, "none", "not a retransmission")                                                        \
    X(TIMEOUT, "timeout",                                                                          \
      "after a retransmission timeout (RFC 6298 §5.4), the go-back-N resends of the same timeout " \
      "included")                                                                                  \
    X(FAST, "fast", "three duplicate ACKs: fast retransmit (RFC 5681 §3.2)")                       \
    X(PARTIAL_ACK, "partial-ack", "a partial ACK during fast recovery (RFC 6582 §3.2 step 5)")    \
    X(SACK, "sack", "SACK-based loss detection (RFC 6675)")                                        \
    X(RACK, "rack", "RACK time-based loss detection (RFC 8985)")                                   \
    X(TLP, "tlp", "tail loss probe (RFC 8985 §7)")                                                 \
    X(WINDOW_PROBE, "window-probe", "the byte of a zero-window probe, sent again as the window opened") \
    X(SYN, "syn", "SYN or SYN,ACK sent again (its timer, or the peer's SYN again)")              \
    X(PMTU, "pmtu", "the path MTU shrank: resent in smaller segments (RFC 1191, RFC 5927)")

enum sk_rexmit_cause {
#define SK_REXMIT_ENUM_(name, shortname, text) SK_REXMIT_##name,
    SK_REXMIT_CAUSES(SK_REXMIT_ENUM_)
#undef SK_REXMIT_ENUM_
    SK_REXMIT__COUNT
};

/* "fast", "partial-ack" ... ("?" when out of range). */
const char *sk_rexmit_cause_name(enum sk_rexmit_cause c);
/* The sentence above ("unknown retransmission cause" when out of range). */
const char *sk_rexmit_cause_str(enum sk_rexmit_cause c);

/* The fields of a TCP segment as the trace reports it (host order). */
typedef struct {
    sk_endpoint src;
    sk_endpoint dst;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags; /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 */
    uint16_t window; /* raw field */
    uint32_t len;    /* payload bytes */
    const uint8_t *payload;
    /* options */
    bool has_mss, has_wscale, sack_permitted, has_ts;
    uint16_t mss;
    uint8_t wscale;
    uint32_t ts_val, ts_ecr;
    uint8_t n_sack;
    uint32_t sack[4][2];
    /* a super-segment (TSO out, GRO in): the payload is cut on the wire
     * into segments of gso_size bytes (the last may be shorter); 0: one
     * segment as it stands */
    uint16_t gso_size;
} sk_trace_seg;

typedef struct {
    enum sk_trace_kind kind;
    sk_time_us now;
    sk_sock sock;              /* zero handle when no connection */
    const sk_trace_seg *seg;   /* SEG_IN, SEG_OUT, RETRANSMIT; DROP when a TCP segment */
    enum sk_tcp_state old_state, new_state; /* STATE */
    enum sk_timer_kind timer;  /* TIMER */
    uint32_t rtt_us, srtt_us, rttvar_us, rto_us; /* RTT */
    int drop_reason;           /* DROP: an SK_DROP_* value */
    enum sk_rexmit_cause rexmit_cause; /* RETRANSMIT: why; SK_REXMIT_NONE otherwise */
    sk_endpoint local, remote; /* the connection's ends when sock is set */
} sk_trace_event;

typedef void (*sk_trace_fn)(void *ctx, const sk_trace_event *ev);

/* ---------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------- */
enum sk_link_type {
    SK_LINK_IP,       /* frames are raw IPv4 packets (TUN, the simulator) */
    SK_LINK_ETHERNET, /* frames are Ethernet II (TAP), with ARP for next hops */
};

/* One of our addresses with its on-link prefix (sk_stack_config.addrs). */
typedef struct {
    sk_ipaddr addr;     /* SK_AF_INET4 or SK_AF_INET6 */
    uint8_t prefix_len; /* at most 32 (IPv4) or 128 (IPv6) */
} sk_ifaddr;

/* A route (sk_stack_config.routes): destinations in dst/prefix_len go
 * through `gateway`, a host on the link of one of our addresses of the
 * same family. prefix_len 0 is the default route of that family. */
typedef struct {
    sk_ipaddr dst;
    uint8_t prefix_len;
    sk_ipaddr gateway;
} sk_route;

#define SK_CFG_ADDRS 4  /* addresses per stack: room for IPv4, IPv6 global and link-local */
#define SK_CFG_ROUTES 4 /* routes per stack: room for a default gateway per family */

/* What the device under the stack can do (sk_stack_config.dev), as a
 * virtio-net device or a Linux TAP with IFF_VNET_HDR and TUNSETOFFLOAD
 * offers it. All zero (the default): a plain device, every frame complete
 * and at most one MTU, every checksum checked in software. */
typedef struct {
    /* The device completes a TCP checksum from csum_start to the end of the
     * frame (TUN_F_CSUM, VIRTIO_NET_F_CSUM): outgoing TCP segments carry
     * only the pseudo-header sum in their checksum field and
     * SK_FRAME_NEEDS_CSUM in sk_stack_output_meta's metadata. IPv4 header
     * checksums are always computed. */
    bool tx_csum;
    /* Trust SK_FRAME_DATA_VALID and SK_FRAME_NEEDS_CSUM on input: such TCP
     * segments skip the software checksum (the device or the kernel checked
     * it, or the frame never left this host). Off: the flags are ignored. */
    bool rx_csum;
    /* TCP segmentation offload (TUN_F_TSO4 | TUN_F_TSO6): payload bytes of
     * one super-segment, cut by the device into MSS-sized segments; 0: off.
     * At most SK_TSO_MAX, at least the MTU; needs tx_csum (virtio's
     * GUEST/HOST_TSO features require checksum offload). Output frames are
     * then up to SK_TSO_MAX + headers long: sk_stack_output_meta's cap
     * limits them further. */
    uint32_t tso_max;
    /* The device may hand us merged TCP segments longer than the MTU
     * (GRO; gso_type and gso_size set in the input metadata): the port asks
     * the device for them only when this is set. The core processes a TCP
     * segment of any length its IP header allows either way (ACK counting
     * by segments, RFC 5681 §4.2); with gro it takes the input's gso_size
     * as the sender's segment size, without it the metadata's GSO fields
     * are ignored. */
    bool gro;
} sk_dev_caps;

/* Largest TSO payload: an IPv4 packet's 65535 bytes less 20 of IPv4 and
 * 60 of TCP header at most. */
#define SK_TSO_MAX 65455u

typedef struct {
    enum sk_link_type link;
    /* Our addresses, either as the list (addrs, n_addrs) or, when n_addrs
     * is 0, as the single IPv4 shorthand (addr, prefix_len, gateway): the
     * stack turns the shorthand into addrs[0] = addr/prefix_len and, for a
     * gateway other than 0.0.0.0, routes[0] = 0.0.0.0/0 via gateway. Giving
     * both (n_addrs > 0 with a non-zero addr or gateway) is SK_EINVAL.
     * For now the interface speaks IPv4 only: at most one IPv4 address;
     * IPv6 entries are checked and kept for the IPv6 layer. Routes: the
     * longest matching prefix of the destination's family wins; a
     * destination on the link of one of our addresses needs none. */
    sk_ifaddr addrs[SK_CFG_ADDRS];
    uint8_t n_addrs;
    sk_route routes[SK_CFG_ROUTES];
    uint8_t n_routes;
    sk_ip4 addr;            /* shorthand: our IPv4 address (with n_addrs 0) */
    uint8_t prefix_len;     /* shorthand: its on-link prefix, default 24 */
    sk_ip4 gateway;         /* shorthand: default IPv4 gateway, 0.0.0.0: none */
    sk_mac mac;             /* SK_LINK_ETHERNET only */
    uint16_t mtu;           /* link MTU (IP packet size), default 1500 */
    uint32_t max_sockets;   /* socket table size, default 1024 */
    uint32_t sndbuf;        /* per-connection send buffer limit, default 256 KiB */
    /* Send buffer auto-tuning (Linux's tcp_sndbuf_expand): a connection
     * whose sending waits only for its buffer (everything it holds is in
     * flight, the buffer at least three quarters full, the congestion and
     * the peer's windows larger) doubles it at an ACK, up to sndbuf_max
     * bytes (at most 64 MiB - 1 KiB); a grown buffer is allocated on its
     * own, outside the spare-buffer cache, and given back when the
     * connection's send buffer empties. Not for a connection with
     * SK_SO_SNDBUF set (Linux's SOCK_SNDBUF_LOCK). Default 0: off (the
     * memory a stack uses stays what sndbuf says); the tools turn it on. */
    uint32_t sndbuf_max;
    uint32_t rcvbuf;        /* per-connection receive buffer limit, default 256 KiB */
    /* Receive buffer auto-tuning (Linux's dynamic right-sizing, by
     * doubling): a connection whose peer filled the window it was offered
     * while the application read everything it got doubles its buffer at
     * that read, up to rcvbuf_max bytes (at most 64 MiB - 1 KiB), and
     * announces the larger window; with it on, a SYN offers the window
     * scale of rcvbuf_max (RFC 7323 §2.2: the scale is fixed then), unless
     * SK_SO_RCVBUF was set. Not for a connection with SK_SO_RCVBUF set.
     * Default 0: off; the tools turn it on (6 MiB, Linux's tcp_rmem). */
    uint32_t rcvbuf_max;
    bool window_scaling;    /* RFC 7323 window scale option, default on */
    bool sack;              /* RFC 2018 SACK-permitted on SYNs and SACK blocks, default on */
    bool rack_tlp;          /* RFC 8985 RACK-TLP loss detection with SACK, default on */
    bool timestamps;        /* RFC 7323 timestamps (RTTM, PAWS), default on */
    /* TCP pacing (not an RFC requirement; Linux's internal pacing, see
     * docs/rfc-coverage.md), default off. On: once a connection has an RTT
     * sample, new data leaves no faster than ratio x max(cwnd, flight) /
     * SRTT, with
     * ratio pacing_ss_ratio percent in slow start (cwnd < ssthresh) and
     * pacing_ca_ratio percent after (Linux's tcp_pacing_ss_ratio and
     * _ca_ratio, defaults 200 and 120; 0 selects the default, above 1000
     * fails sk_stack_create with SK_EINVAL). Retransmissions, ACKs and
     * control segments are never held; a connection without an RTT sample
     * (a handshake with a retransmitted SYN) sends its first flight as a
     * burst, after a timed handshake the initial window is paced; with TSO
     * a frame carries about 1 ms of the pacing rate. */
    bool pacing;
    uint16_t pacing_ss_ratio;
    uint16_t pacing_ca_ratio;
    uint64_t seed;          /* keys ISNs, ephemeral ports and hashes */
    sk_allocator alloc;     /* required */
    /* One stack per queue of a multi-queue device (port/posix/posix_mq.h):
     * this stack picks only the TCP ephemeral ports p for which
     * (((p + remote port) * 2654435761) mod 2^32 >> 16) % port_partitions
     * == port_partition, the function the device's queue steering applies
     * to both directions of a flow (the sum is symmetric, the multiply
     * mixes it: Linux picks client ports of one parity, so the bare sum
     * modulo 2 would name one queue), so the replies to a connection it
     * opens come back to its queue. Default 1 and 0: every port. port_partition >= port_partitions fails
     * sk_stack_create with SK_EINVAL; 0 partitions count as 1. */
    uint16_t port_partitions;
    uint16_t port_partition;

    /* Congestion control: "cubic" (RFC 9438 with HyStart++, RFC 9406) or
     * "newreno" (RFC 5681, RFC 6582); NULL means "cubic". An unknown name
     * fails sk_stack_create with SK_ENOENT. Per connection: sk_tcp_set_cc. */
    const char *congestion_control;
    /* Initial window in segments (RFC 6928: min(N*MSS, max(2*MSS,
     * N*1460)) bytes), default 10, at most SK_IW_SEGMENTS_MAX; 0 selects
     * RFC 5681 §3.1's 2 to 4 segments. */
    uint8_t initial_window_segments;

    /* RFC 6298 retransmission timer */
    uint32_t rto_initial_us; /* default 1 s */
    uint32_t rto_min_us;     /* default 200 ms (Linux's; RFC 6298 §2.4's 1 s is a SHOULD: see docs/rfc-coverage.md) */
    uint32_t rto_var_min_us; /* floor on the variance term: RTO = SRTT + max(G, 4*RTTVAR,
                                this), default 200 ms (Linux's); 0: RFC 6298 §2.3 as written */
    uint32_t rto_max_us;     /* default 60 s */
    uint8_t max_retries;     /* data retransmissions before ETIMEDOUT, default 12 */
    uint8_t syn_retries;     /* SYN retransmissions before ETIMEDOUT, default 6 */
    uint32_t delack_us;      /* delayed-ACK timer, default 40 ms */
    /* SACK compression (as Linux's tcp_comp_sack_*; a deviation from RFC
     * 5681 §4.2's duplicate ACK per out-of-order segment, docs/rfc-coverage.md):
     * with SACK in use, the first 3 out-of-order segments at one RCV.NXT are
     * answered at once, later ones by one ACK after min(sack_compress_us,
     * SRTT/20), or at once when sack_compress_nr of them are held. nr 0: every
     * one at once. Defaults 44 and 1 ms (Linux's); us < 500 ms (RFC 1122). */
    uint8_t sack_compress_nr;
    uint32_t sack_compress_us;
    /* ACK at once when the application has read everything received and
     * data since our last ACK carried PSH (the end of a sender's write), as
     * Linux does, rather than at the delayed-ACK timer. Default true; false:
     * the delayed-ACK rule alone (RFC 5681 §4.2 as a textbook shows it). */
    bool push_ack;
    /* Quick-ACK mode, as Linux's receiver (tcp_enter_quickack_mode): at a
     * connection's first data and after a duplicate segment (the peer
     * retransmits what we hold), the next in-order arrivals are each ACKed
     * at once, up to this many and at most half the window in segments (at
     * least 2), so a sender in slow start or restarting from a cut window
     * is not held a delayed-ACK interval per odd segment. Sending data ends
     * the mode (an exchange's ACKs ride on its replies). Default
     * SK_QUICK_ACKS_MAX (Linux's 16 less one: four bits of the connection's
     * core); 0: the delayed-ACK rule alone. Counted in stats.acks_quick. */
    uint8_t quick_acks;
    uint32_t time_wait_us;   /* TIME-WAIT = 2*MSL, default 60 s */
    uint32_t challenge_ack_limit; /* RFC 5961 challenge ACKs per second, default 1000 */

    /* Interface layer (ARP, IPv4 reassembly, ICMP). Every table below is
     * allocated at creation and fails in a counted way when full. */
    uint16_t arp_cache_size;   /* neighbour entries, default 64 (Ethernet only) */
    uint16_t arp_queue_len;    /* packets held while resolving, default 16, each up to the MTU */
    uint32_t arp_timeout_us;   /* a learned entry is used this long, default 60 s */
    uint32_t arp_retry_us;     /* interval between requests, default 1 s */
    uint8_t arp_tries;         /* requests before held packets are dropped, default 3 */
    uint8_t ip_reass_max;      /* datagrams reassembled at once (64 KiB each), default 4; 0: off */
    uint32_t ip_reass_timeout_us; /* default 30 s */
    uint16_t icmp_queue_len;   /* echo replies, pings and ICMP errors waiting to go out, default 8 */
    uint16_t ping_queue_len;   /* echo replies kept for sk_ping_next_reply, default 16 */
    uint32_t icmp_error_rate;  /* ICMP errors we send per second, default 100; 0: none */
    uint32_t icmp_error_burst; /* token bucket depth, default 10 */
    bool icmp_echo_broadcast;  /* answer echo requests sent to a broadcast address, default off */
    bool mld_reports;          /* Ethernet: MLDv2 reports of our solicited-node groups at
                                  start and after SLAAC (RFC 3810 §6.1), default off (the
                                  frame-exact tests expect none; the tools turn it on) */
    uint8_t ip6_dad_transmits; /* Ethernet: RFC 4862 DupAddrDetectTransmits for the link-local
                                  and autoconfigured addresses, default 1; 0: used at once.
                                  Configured addresses (addrs) are used at once (no DAD) */
    bool ip6_router_solicit;   /* Ethernet: router solicitations at start (RFC 4861 §6.3.7,
                                  up to 3, 4 s apart, until an RA names a router), default on */

    /* UDP (include/synack/udp.h). Queue memory is taken per socket when the
     * first datagram is queued and given back when the queue empties. */
    uint32_t udp_max_sockets;    /* UDP socket table size, default 64; 0: no UDP sockets */
    uint32_t udp_rcvq_datagrams; /* datagrams queued for the application per socket, default 64 */
    uint32_t udp_rcvq_bytes;     /* their payload bytes per socket, default 256 KiB */
    uint32_t udp_sndq_datagrams; /* datagrams waiting to be sent per socket, default 64 */
    uint32_t udp_sndq_bytes;     /* their payload bytes per socket, default 256 KiB */

    sk_trace_fn trace;       /* optional */
    void *trace_ctx;

    /* What the device offloads (sk_dev_caps above); zero: nothing. */
    sk_dev_caps dev;

    /* Neighbour caches under pressure (ARP and IPv6 ND alike, sized by
     * arp_cache_size and arp_queue_len above; docs/rfc-coverage.md). */
    uint16_t arp_held_per_entry; /* packets held per unresolved next hop, default 3, at most
                                    arp_queue_len (RFC 1122 §2.3.2.2, RFC 4861 §7.2.2: >= 1);
                                    0: 1 */
    uint16_t arp_unresolved_max; /* entries being resolved for next hops never seen to answer,
                                    at once; default 0: half of arp_cache_size (at least 1).
                                    A new one past it reuses the oldest such entry, so a flood
                                    of unanswered next hops never pushes out neighbours in use */
    /* RSTs answering segments for no connection (closed ports, RFC 9293
     * §3.10.7.1): a token bucket, default 200 per second and 200 deep (as
     * FreeBSD's net.inet.icmp.icmplim); rate 0: none are sent. */
    uint32_t tcp_rst_rate;
    uint32_t tcp_rst_burst;
    /* TIME-WAIT records (RFC 9293 §3.10.7.4): a connection the application
     * has closed waits out time_wait_us in a 64-byte record outside the
     * socket table, so TIME-WAIT never takes a socket slot. At most this
     * many records; when full, the oldest is recycled (TCP_TW_RECYCLED).
     * 0 (the default): 4 x max_sockets, at most 65536 (72 bytes each). */
    uint32_t max_time_wait;
    /* Listeners under load (src/tcp/tcp_listen.c, docs/rfc-coverage.md).
     * A listener keeps at most min(backlog, syn_backlog) half-open
     * connections and at most `backlog` in its accept queue. A SYN it cannot
     * keep is answered with a SYN cookie (RFC 4987 §3.6) when syn_cookies is
     * SK_SYNCOOKIES_WHEN_FULL (the default, as Linux's tcp_syncookies=1);
     * SK_SYNCOOKIES_ALWAYS answers every SYN so; with SK_SYNCOOKIES_OFF the
     * oldest half-open connection whose SYN,ACK was already retransmitted
     * makes room, else the SYN is dropped (TCP_BACKLOG_FULL). */
    uint8_t syn_cookies;      /* enum sk_syncookies, default SK_SYNCOOKIES_WHEN_FULL */
    uint32_t syn_backlog;     /* half-open connections per listener, default 256 */
    /* SYN,ACK retransmissions (1 s doubling, RFC 6298 §5.5) before a
     * half-open connection is dropped; 0 (the default): syn_retries */
    uint8_t synack_retries;
    /* The final ACK of a handshake finds the accept queue full: false (the
     * default, as Linux): the ACK is dropped and the peer's retransmission
     * or the next SYN,ACK tries again; true: answer with RST (Linux's
     * tcp_abort_on_overflow). Counted as TCP_ACCEPTQ_FULL either way. */
    bool accept_overflow_reset;
    /* Half-open connections wait in 88-byte records outside the socket
     * table (src/tcp/tcp_halfopen.c), 96 bytes each with their hash slots:
     * a SYN takes no socket slot, the final ACK makes the connection. At
     * most this many records over all listeners; when full, a SYN is
     * answered with a cookie (or, cookies off, evicts an old record of its
     * listener or is dropped, TCP_HALFOPEN_FULL). 0 (the default): 4 x
     * max_sockets, at most 65536. */
    uint32_t max_half_open;
} sk_stack_config;

enum sk_syncookies { SK_SYNCOOKIES_OFF, SK_SYNCOOKIES_WHEN_FULL, SK_SYNCOOKIES_ALWAYS };

#define SK_IW_SEGMENTS_MAX 64
/* sk_stack_config.quick_acks at most */
#define SK_QUICK_ACKS_MAX 15

/* Fill `cfg` with the defaults above (addresses zero, no allocator). */
void sk_stack_config_default(sk_stack_config *cfg);

/* Create a stack; SK_EINVAL for a bad configuration (with no allocator,
 * mtu < 68, max_sockets 0, Ethernet with a multicast MAC or no ARP cache,
 * an address that is not one host, a gateway off the link, more than one
 * IPv4 address, a route whose gateway is off our link or of another family,
 * a prefix longer than its family's bits, both the address list and the
 * IPv4 shorthand, an initial
 * window over SK_IW_SEGMENTS_MAX ...), SK_ENOENT for an unknown congestion
 * control name, SK_ENOTSUP for an unknown link type, SK_ENOMEM when allocation
 * fails. On Ethernet the first sk_stack_output sends a gratuitous ARP. */
int sk_stack_create(const sk_stack_config *cfg, sk_stack **out);
/* Change our IPv4 address at run time (a DHCP lease, RFC 2131 §4.4.5):
 * addr/prefix_len replaces the IPv4 entry of cfg.addrs and, for a gateway
 * other than 0.0.0.0, a default route through it replaces the IPv4
 * default route (0.0.0.0 removes it; other routes stay). addr 0.0.0.0
 * removes the IPv4 address (and the default route): the stack then sends
 * only from 0.0.0.0 (UDP to the limited broadcast, as a DHCP client).
 * TCP connections on an address that goes away are closed with
 * SK_ECONNABORTED and no RST (RFC 2131 §4.4.5; Linux leaves them to time
 * out instead); UDP sockets bound to it stay and receive nothing. A new
 * address is announced by gratuitous ARP. SK_EINVAL for what
 * sk_stack_create refuses (an address that is not one host, a gateway off
 * the link, no room in the lists) and for a gateway without an address. */
int sk_stack_set_ipv4(sk_stack *s, sk_time_us now, sk_ip4 addr, uint8_t prefix_len, sk_ip4 gateway);
/* The IPv6 DNS servers the routers advertised (RDNSS, RFC 8106 §5.1) whose
 * lifetime has not run out at `now`, at most `max` of them (at most 3 are
 * kept) into out; returns how many. For a resolver when none is given. */
int sk_stack_dns6_servers(const sk_stack *s, sk_time_us now, sk_ip6 *out, int max);
/* The IPv6 addresses in use (configured, link-local and autoconfigured ones
 * whose DAD passed, RFC 4862 §5.4), at most max into out; returns how many. */
int sk_stack_ip6_addrs(const sk_stack *s, sk_ifaddr *out, int max);
/* Is `a` one of the stack's unicast addresses in use now (its IPv4 address,
 * an IPv6 one whose DAD passed)? For bind(). */
bool sk_stack_is_our_addr(const sk_stack *s, const sk_ipaddr *a);
/* Change the link MTU at run time (a DHCP lease's option 26, RFC 2132
 * §5.1), between 576 and the MTU the stack was created with (its buffers
 * are sized by it; raising back up to it is allowed). Lowering it shrinks
 * the MSS of open connections as a path MTU drop would (RFC 1191 §6.5);
 * UDP datagrams already queued and now too big are dropped
 * (UDP_OVER_MTU). SK_EINVAL outside the range. */
int sk_stack_set_mtu(sk_stack *s, uint16_t mtu);
/* Free the stack and every socket (no segments are sent). NULL is ignored. */
void sk_stack_destroy(sk_stack *s);

/* ---------------------------------------------------------------------------
 * Frame metadata: what travels beside a frame between the stack and a
 * device that offloads (sk_dev_caps). The fields and values are those of
 * the virtio-net header (struct virtio_net_hdr, virtio 1.x §5.1.6; Linux's
 * TAP with IFF_VNET_HDR), in host order, so a port translates it field by
 * field. Offsets count from the first byte of the frame (the Ethernet
 * header on SK_LINK_ETHERNET, the IP header on SK_LINK_IP).
 * ------------------------------------------------------------------------- */
enum {
    /* out: the checksum at csum_start + csum_offset holds the pseudo-header
     * sum; the device adds the one's-complement sum of csum_start..end and
     * stores its complement there (VIRTIO_NET_HDR_F_NEEDS_CSUM). in: the
     * same (a frame from this host), taken as checked when dev.rx_csum. */
    SK_FRAME_NEEDS_CSUM = 1,
    /* in: the device checked the transport checksum
     * (VIRTIO_NET_HDR_F_DATA_VALID, Linux's CHECKSUM_UNNECESSARY) */
    SK_FRAME_DATA_VALID = 2,
};

enum sk_gso_type {
    SK_GSO_NONE = 0,  /* VIRTIO_NET_HDR_GSO_NONE */
    SK_GSO_TCPV4 = 1, /* VIRTIO_NET_HDR_GSO_TCPV4 */
    SK_GSO_TCPV6 = 4, /* VIRTIO_NET_HDR_GSO_TCPV6 */
};

typedef struct {
    uint8_t flags;        /* SK_FRAME_* */
    uint8_t gso_type;     /* enum sk_gso_type */
    uint16_t hdr_len;     /* GSO: link + IP + TCP header bytes, options included */
    uint16_t gso_size;    /* GSO: payload bytes per segment on the wire */
    uint16_t csum_start;  /* NEEDS_CSUM: where the checksummed part starts */
    uint16_t csum_offset; /* NEEDS_CSUM: the checksum field, from csum_start */
} sk_frame_meta;

/* One frame arrived. Bad frames are dropped and counted; never an error.
 * The same as sk_stack_input_meta with no metadata (all zero). */
void sk_stack_input(sk_stack *s, sk_time_us now, const uint8_t *frame, size_t len);
/* One frame arrived with the device's metadata (NULL: none). With
 * dev.rx_csum, a frame flagged DATA_VALID or NEEDS_CSUM skips the TCP
 * checksum check (never the IPv4 header's, never a fragment's); with
 * dev.gro, a TCP frame's gso_size is the sender's segment size. */
void sk_stack_input_meta(sk_stack *s, sk_time_us now, const uint8_t *frame, size_t len,
                         const sk_frame_meta *meta);
/* Write at most one frame into buf and return its length (0: nothing to
 * send now). Fires due timers first. Call until it returns 0. cap must be
 * at least the MTU (plus 14 for Ethernet) or frames may be held back.
 * Every frame is complete and at most one MTU: the same as
 * sk_stack_output_meta on a stack whose dev capabilities are all zero;
 * on a stack with capabilities it completes what the device would have
 * (the checksum; a super-segment is not made: the frame stays one MTU). */
size_t sk_stack_output(sk_stack *s, sk_time_us now, uint8_t *buf, size_t cap);
/* As sk_stack_output, and fill *meta (never NULL) for the frame. With
 * dev.tx_csum a TCP segment leaves with NEEDS_CSUM (csum_start at its TCP
 * header, csum_offset 16) while the next hop's link address is known;
 * with dev.tso_max and cap room, a TCP frame may carry up to
 * min(tso_max, cap - headers) payload bytes, with gso_type TCPV4/TCPV6 and
 * gso_size the payload of each segment on the wire (the MSS less this
 * segment's options; the last one may be shorter). Every other frame has
 * meta all zero. */
size_t sk_stack_output_meta(sk_stack *s, sk_time_us now, uint8_t *buf, size_t cap,
                            sk_frame_meta *meta);
/* A piece of an outgoing frame that stays where the stack keeps it
 * (sk_stack_output_gather). */
typedef struct {
    const uint8_t *data;
    size_t len;
} sk_frame_span;
#define SK_FRAME_SPANS_MAX 2
/* As sk_stack_output_meta (the same frames, cap and *meta), except that a
 * TCP segment's payload may stay in its connection's send buffer instead
 * of being copied into buf: then buf[0..return) holds the frame up to the
 * end of the TCP header, spans[0..*n_spans) the payload in order (at most
 * SK_FRAME_SPANS_MAX: the buffer wraps), and the frame is their
 * concatenation, for a gathering write (writev) or a device's scatter
 * list. The views stay valid until the next call into the stack (any
 * function taking it: an ACK that arrives, a send or a close may move or
 * free what they point at), so write the frame first. Only a segment whose
 * checksum the device completes (SK_FRAME_NEEDS_CSUM) and that leaves at
 * once goes out this way: without dev.tx_csum, while the next hop's link
 * address is being resolved, and while a trace callback is installed (the
 * trace shows the payload) every frame is whole, with *n_spans 0, as
 * sk_stack_output_meta gives it. 0 with *meta and *n_spans zero when any
 * pointer is NULL or cap is too small. */
size_t sk_stack_output_gather(sk_stack *s, sk_time_us now, uint8_t *buf, size_t cap,
                              sk_frame_meta *meta, sk_frame_span spans[SK_FRAME_SPANS_MAX],
                              size_t *n_spans);
/* Complete a NEEDS_CSUM frame in software, as the device would (for a
 * capture, or a device that lost its offload): the one's-complement sum
 * of frame[csum_start..len) stored at csum_start + csum_offset, and the
 * flag cleared. SK_EINVAL when the offsets do not fit the frame; 0 and
 * nothing done without the flag. */
int sk_frame_csum_complete(uint8_t *frame, size_t len, sk_frame_meta *meta);
/* When the caller must call sk_stack_output next: a time <= now when output
 * is pending, SK_NEVER when nothing will happen without input. */
sk_time_us sk_stack_poll_at(const sk_stack *s);

/* ---------------------------------------------------------------------------
 * TCP sockets (non-blocking)
 * ------------------------------------------------------------------------- */
typedef struct {
    int backlog;      /* the accept queue's limit, and the half-open one's with
                       * cfg.syn_backlog (the smaller of the two), default 128 */
    uint16_t mss;     /* MSS to announce; 0: from the MTU */
    bool fixed_isn;   /* use `isn` instead of the RFC 6528 ISN (teaching, tests) */
    uint32_t isn;
} sk_listen_opts;

typedef struct {
    uint16_t local_port; /* 0: ephemeral */
    uint16_t mss;        /* MSS to announce; 0: from the MTU */
    bool fixed_isn;
    uint32_t isn;
} sk_connect_opts;

/* Listen on `port`. SK_ENOSPC when the socket table (max_sockets) is full:
 * half-open and unaccepted connections hold slots too (TIME-WAIT does not once
 * the application has closed the socket: it waits in a record, max_time_wait). */
int sk_tcp_listen(sk_stack *s, uint16_t port, const sk_listen_opts *opts, sk_sock *out);
/* Listen on local->port for segments to local->addr only (a BSD listener
 * bound to one address): a SYN to another of the stack's addresses finds
 * no listener and is answered with RST (RFC 9293 §3.10.7.1). local->addr
 * of family SK_AF_UNSPEC: every address, as sk_tcp_listen. One listener
 * per port still (SK_EADDRINUSE for a second, whatever its address);
 * SK_EINVAL for an address that is not the stack's (sk_stack_is_our_addr)
 * or port 0. */
int sk_tcp_listen_on(sk_stack *s, const sk_endpoint *local, const sk_listen_opts *opts,
                     sk_sock *out);
/* Take one established connection from the listener's queue; SK_EAGAIN when
 * none. `peer` may be NULL. */
int sk_tcp_accept(sk_stack *s, sk_sock listener, sk_sock *out, sk_endpoint *peer);
/* Start an active open (SYN is sent by the next sk_stack_output).
 * SK_EINVAL for port 0 or an address that is not one remote host (0.0.0.0,
 * broadcast, multicast, 127/8, our own address: there is no loopback).
 * SK_ENOSPC when the socket table is full; SK_EADDRINUSE when every
 * ephemeral port (49152-65535) towards this destination is taken, TIME-WAIT
 * included (RFC 9293 §3.6.1; a TIME-WAIT tuple is reused only when the old
 * connection had timestamps and ours are on, RFC 6191), or the given local
 * port's 4-tuple is. */
int sk_tcp_connect(sk_stack *s, sk_time_us now, const sk_endpoint *remote,
                   const sk_connect_opts *opts, sk_sock *out);
/* Queue bytes to send; returns bytes taken (may be fewer than len), or
 * SK_EAGAIN when the send buffer is full, or an error. send, recv and
 * shutdown on a listener return SK_ENOTCONN. */
ptrdiff_t sk_tcp_send(sk_stack *s, sk_time_us now, sk_sock sock, const void *data, size_t len);
/* Read received bytes; returns bytes read, 0 at end of stream (the peer
 * sent FIN and everything before it was read), SK_EAGAIN when nothing is
 * ready, or an error (SK_ECONNRESET, SK_ETIMEDOUT ...). */
ptrdiff_t sk_tcp_recv(sk_stack *s, sk_time_us now, sk_sock sock, void *buf, size_t cap);
/* Bytes sk_tcp_send would take now (0: the send buffer is at its limit),
 * as lwIP's tcp_sndbuf; or sk_tcp_send's errors (SK_ESHUTDOWN after
 * shutdown, SK_ENOTCONN on a listener or a closed connection ...). An
 * application that reads its data from a file or a socket waits for a
 * worthwhile amount of room before each read, not one per ACK. */
ptrdiff_t sk_tcp_send_space(sk_stack *s, sk_sock sock);
/* Zero-copy send and receive (as smoltcp's closures, lwIP's tcp_write
 * without TCP_WRITE_FLAG_COPY): the application writes into and reads
 * from the connection's own buffers instead of copying through one of its
 * own. The callbacks run inside the call, must not call into the stack,
 * and get spans that are valid only while they run. */
/* fill(ctx, buf, cap) writes up to cap bytes of the stream at buf and
 * returns how many it wrote (0..cap). It is called with the free space
 * under the connection's limit (SK_SO_SNDBUF), in at most two spans when
 * the space wraps; a fill shorter than its span ends the call. Returns the
 * bytes queued (0: fill wrote nothing), or sk_tcp_send's errors (SK_EAGAIN:
 * the send buffer is full and fill was not called; SK_EINVAL: fill NULL). */
typedef size_t (*sk_tcp_fill_fn)(void *ctx, uint8_t *buf, size_t cap);
ptrdiff_t sk_tcp_send_fill(sk_stack *s, sk_time_us now, sk_sock sock, sk_tcp_fill_fn fill,
                           void *ctx);
/* view(ctx, data, len) reads len in-order received bytes in place and
 * returns how many it consumed (0..len); the rest stay for the next read.
 * It is called with at most two spans (the buffer wraps); consuming less
 * than a span ends the call. Returns the bytes consumed, 0 at end of
 * stream, SK_EAGAIN when nothing is ready or view consumed nothing, or
 * sk_tcp_recv's errors (SK_EINVAL: view NULL). Consumed bytes open the
 * window as a read does. */
typedef size_t (*sk_tcp_view_fn)(void *ctx, const uint8_t *data, size_t len);
ptrdiff_t sk_tcp_recv_view(sk_stack *s, sk_time_us now, sk_sock sock, sk_tcp_view_fn view,
                           void *ctx);
/* Half-close: send FIN after the queued data. Receiving goes on. */
int sk_tcp_shutdown(sk_stack *s, sk_time_us now, sk_sock sock);
/* Graceful close and release of the handle: FIN after queued data; the
 * connection finishes in the background (FIN-WAIT, TIME-WAIT). Data
 * arriving after close is answered with RST (RFC 1122 §4.2.2.13). */
int sk_tcp_close(sk_stack *s, sk_time_us now, sk_sock sock);
/* Abortive close: RST now, release the handle. */
int sk_tcp_abort(sk_stack *s, sk_time_us now, sk_sock sock);
/* How many connections the application closed (sk_tcp_close) are still
 * delivering: data or our FIN not yet acknowledged (FIN-WAIT-1, CLOSING,
 * LAST-ACK; SYN-RECEIVED with the FIN queued). The kernel keeps such
 * orphans after a process exits; a process that embeds the stack must run
 * it until this is 0 (or it gives up) before it exits, or the peer never
 * gets the tail of the stream. Walks the connection table: O(max_sockets).
 * 0 for NULL. */
uint32_t sk_tcp_closing_count(const sk_stack *s);

enum sk_sockopt {
    SK_SO_NODELAY,        /* disable Nagle (bool) */
    SK_SO_KEEPALIVE,      /* enable keepalive (bool) */
    SK_SO_KEEPIDLE_US,    /* idle time before the first probe, default 2 h */
    SK_SO_KEEPINTVL_US,   /* interval between probes, default 75 s */
    SK_SO_KEEPCNT,        /* probes before the connection is dropped, default 9 */
    SK_SO_SNDBUF,         /* send buffer limit in bytes, default cfg.sndbuf */
    SK_SO_RCVBUF,         /* receive buffer limit in bytes, default cfg.rcvbuf */
};
/* SK_ERANGE for a value out of range (0; a time over 365 days; over 255
 * probes). The three keepalive settings are shared by the connections that
 * use the same combination: besides the defaults, at most 63 combinations
 * are in use at once per stack; one more is refused with SK_ENOBUFS and
 * the socket keeps its settings. */
/* Buffer limits (SK_SO_SNDBUF, SK_SO_RCVBUF), per connection, with Linux's
 * semantics: bytes from SK_TCP_BUF_MIN (2048) to the stack's cfg.sndbuf /
 * cfg.rcvbuf (the size of the buffer blocks; more is SK_ERANGE, as is less),
 * kept rounded up to a KiB. Send: sk_tcp_send takes no more than the limit
 * holds and SK_EV_WRITABLE follows it. Receive: the window offered is at
 * most the limit less what is unread; a smaller limit set on a live
 * connection never moves an advertised right edge back (RFC 9293
 * §3.8.6.2.2, RFC 7323 §2.4): the bytes the peer may still send are
 * accepted, and the window shrinks as they are read. The window scale is
 * chosen once, from the receive limit when the SYN is built (RFC 7323
 * §2.2): set SK_SO_RCVBUF right after sk_tcp_connect, before the next
 * sk_stack_output sends the SYN, or on the listener before the peer's SYN
 * arrives; a later change moves the window, not the scale. On a listener the limits
 * apply to the connections it creates afterwards. The limits in force:
 * sk_tcp_info.sndbuf / .rcvbuf. */
#define SK_TCP_BUF_MIN_BYTES 2048u
int sk_tcp_setopt(sk_stack *s, sk_sock sock, enum sk_sockopt opt, uint64_t value);
/* Choose the congestion control algorithm of one connection, like Linux's
 * TCP_CONGESTION: "cubic" or "newreno". On a listener it applies to the
 * connections it accepts afterwards. A live connection keeps its cwnd and
 * ssthresh; the new algorithm starts with fresh state. SK_EINVAL for a NULL
 * name, SK_ENOENT for an unknown one. */
int sk_tcp_set_cc(sk_stack *s, sk_sock sock, const char *name);

/* Readiness bits */
enum {
    SK_EV_READABLE = 0x01,  /* recv would return data or end of stream */
    SK_EV_WRITABLE = 0x02,  /* send would take bytes */
    SK_EV_ACCEPT = 0x04,    /* listener: accept would succeed */
    SK_EV_CONNECTED = 0x08, /* the connection is established */
    SK_EV_HUP = 0x10,       /* the peer closed its side (FIN received) */
    SK_EV_ERROR = 0x20,     /* the connection failed: see sk_tcp_info.error */
    SK_EV_CLOSED = 0x40,    /* fully closed (both FINs acknowledged or reset) */
};

/* Current readiness of a socket, TCP or UDP (0 for a stale handle). */
uint32_t sk_sock_events(const sk_stack *s, sk_sock sock);

typedef struct {
    sk_sock sock;
    uint32_t events; /* SK_EV_* that became true since the socket was last reported */
} sk_event;

/* Pop the next socket, TCP or UDP (sk_sock_is_udp), whose readiness
 * changed; false when none. */
bool sk_stack_next_event(sk_stack *s, sk_event *ev);

typedef struct {
    enum sk_tcp_state state;
    sk_endpoint local, remote;
    uint32_t iss, irs;
    uint32_t snd_una, snd_nxt, snd_max, snd_wnd;
    uint32_t rcv_nxt, rcv_wnd;
    uint32_t snd_mss;     /* effective send MSS */
    uint8_t snd_wscale, rcv_wscale;
    uint32_t srtt_us, rttvar_us, rto_us;
    uint32_t cwnd, ssthresh;
    const char *cc;       /* congestion control algorithm ("cubic", "newreno"), static */
    uint32_t min_rtt_us;  /* windowed minimum RTT, 0: no sample yet */
    uint32_t unacked;     /* bytes in flight */
    size_t sndbuf_used, rcvbuf_used;
    uint32_t sndbuf, rcvbuf; /* the buffer limits in force (SK_SO_SNDBUF, SK_SO_RCVBUF) */
    uint32_t retransmits; /* segments retransmitted on this connection */
    int error;            /* pending error (SK_ECONNRESET ...) or 0 */
    int soft_error;       /* last ICMP soft error (SK_EHOSTUNREACH ...) or 0 (RFC 1122 §4.2.3.9) */
} sk_tcp_info;

int sk_tcp_get_info(const sk_stack *s, sk_sock sock, sk_tcp_info *out);
const char *sk_tcp_state_name(enum sk_tcp_state st);
const char *sk_timer_name(enum sk_timer_kind t);

/* ---------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------- */
typedef struct {
    uint64_t frames_in, frames_out;
    uint64_t segs_in, segs_out;
    uint64_t bytes_in, bytes_out;     /* TCP payload */
    uint64_t retransmits;             /* segments retransmitted */
    uint64_t fast_retransmits;
    uint64_t timeouts;                /* RTO expirations */
    uint64_t active_opens, passive_opens;
    uint64_t established;
    uint64_t resets_in, resets_out;
    uint64_t challenge_acks;
    uint64_t conn_timeouts;           /* connections aborted by the retry limit */
    uint64_t dup_acks_in;
    uint64_t ooo_segments;            /* out-of-order segments queued */
    uint64_t opts_malformed;          /* segments with a malformed option list */
    uint64_t acks_merged;             /* owed ACKs merged into a later one: queue full */
    uint64_t acks_quick;              /* ACKs sent at once in quick-ACK mode (cfg.quick_acks) */
    uint64_t sack_compressed;         /* out-of-order segments whose duplicate ACK was
                                         held for a later one (cfg.sack_compress_nr) */
    uint64_t acks_pushed;             /* ACKs sent at a read, for data that ended with
                                         PSH, before the delayed-ACK timer (cfg.push_ack) */
    /* interface layer */
    uint64_t arp_requests_in, arp_replies_in;
    uint64_t arp_requests_out, arp_replies_out; /* requests include gratuitous ARP */
    uint64_t ip_frags_in;             /* fragments accepted into reassembly */
    uint64_t ip_reassembled;          /* datagrams completed from fragments */
    uint64_t icmp_in, icmp_out;       /* all ICMP messages parsed / sent */
    uint64_t icmp_echo_requests_in, icmp_echo_replies_out;
    uint64_t icmp_echo_requests_out, icmp_echo_replies_in; /* sk_ping_send and its replies */
    uint64_t icmp_unreach_in;         /* destination unreachable, fragmentation needed included */
    uint64_t icmp_time_exceeded_in;
    uint64_t icmp_unreach_out, icmp_time_exceeded_out;
    uint64_t icmp_rate_limited;       /* ICMP errors we did not send (token bucket empty) */
    uint64_t pmtu_lowered;            /* connections whose MSS a valid frag-needed lowered */
    uint64_t slaac_addrs;             /* IPv6 addresses taken from router advertisements */
    /* SACK (RFC 2018, RFC 2883) and timestamps (RFC 7323) */
    uint64_t sack_blocks_in;          /* SACK blocks taken from arriving ACKs */
    uint64_t sack_blocks_bad;         /* ignored: not within [snd_una, snd_max] */
    uint64_t dsack_in, dsack_out;     /* duplicate reports received / sent */
    uint64_t sack_blocks_out;         /* SACK blocks sent (DSACK included) */
    uint64_t sack_ranges_untold;      /* ACKs sent with every block used while more
                                       * out-of-order ranges were held: the sender
                                       * learns of the rest later, and may take them
                                       * for reordering (RFC 8985 §6.2 step 3) */
    uint64_t ts_rtt_samples;          /* RTT samples taken from TSecr (RTTM) */
    /* spurious retransmissions found and undone (RFC 3522, 5682, 3708) */
    uint64_t spurious_rtos;           /* timeouts: Eifel or F-RTO */
    uint64_t spurious_fast_retransmits; /* fast retransmits: Eifel or DSACK */
    /* loss recovery (RFC 6675, RFC 6937) and the record of what was sent */
    uint64_t sack_recoveries;         /* loss recoveries driven by the SACK scoreboard */
    uint64_t sack_scoreboard_full;    /* SACK blocks the scoreboard had no room for */
    uint64_t rtb_coarse;              /* transmissions recorded coarser: record full */
    uint64_t sndbuf_grown;            /* send buffers doubled by auto-tuning (cfg.sndbuf_max) */
    uint64_t sndbuf_grow_failed;      /* ... and not, for want of memory (kept as they were) */
    uint64_t rcvbuf_grown;            /* receive buffers doubled by auto-tuning (cfg.rcvbuf_max) */
    uint64_t rcvbuf_grow_failed;      /* ... and not, for want of memory */
    uint64_t rack_marks;              /* ranges RACK judged lost by time (RFC 8985 §6) */
    uint64_t tlp_probes;              /* tail loss probes sent (RFC 8985 §7) */
    uint64_t pacing_waits;            /* new data held for its pacing turn (cfg.pacing) */
    uint64_t tlp_losses;              /* probes that repaired a loss (§7.4) */
    uint64_t rack_reordering;         /* ACKs that showed reordering: a range sent once
                                       * delivered below the highest delivered (§6.2
                                       * step 3; Linux's TCPSACKReorder) */
    /* UDP (RFC 768; the names of Linux's Udp: counters in brackets) */
    uint64_t udp_in, udp_out;         /* datagrams delivered to a socket / sent [InDatagrams, OutDatagrams] */
    uint64_t udp_no_port;             /* datagrams for no socket [NoPorts] */
    uint64_t udp_rcvq_full;           /* dropped: receive queue full or no memory [RcvbufErrors] */
    uint64_t udp_bad_checksum;        /* [InCsumErrors] */
    uint64_t udp_bad_length;          /* shorter than 8, or a length field past the IP payload */
    uint64_t drops;                   /* total of drop[] */
    uint64_t drop[SK_DROP__COUNT];
    /* retransmits, by cause (index SK_REXMIT_NONE stays 0) */
    uint64_t retransmits_by_cause[SK_REXMIT__COUNT];
    /* neighbour caches under pressure, rate limits */
    uint64_t arp_evict_unresolved;    /* ARP entries being resolved reused for another next hop */
    uint64_t arp_evict_resolved;      /* resolved ARP entries reused, least recently used first */
    uint64_t nd_evict_unresolved;     /* the same for IPv6 neighbour discovery (INCOMPLETE) */
    uint64_t nd_evict_resolved;       /* ... and its STALE, REACHABLE, DELAY or PROBE entries */
    uint64_t tcp_rst_rate_limited;    /* RSTs for closed ports not sent: token bucket empty */
    /* TIME-WAIT records (cfg.max_time_wait) */
    uint64_t time_wait;   /* records now (a gauge, not a counter) */
    uint64_t tw_records;  /* connections whose TIME-WAIT became a record */
    uint64_t tw_segments; /* segments a record answered or dropped */
    uint64_t tw_reopened; /* by a new SYN (RFC 6191, RFC 9293 §3.6.1) */
    uint64_t tw_reused;   /* by an active open on the same tuple (timestamps on) */
    uint64_t tw_expired;  /* records whose 2*MSL ran out */
    /* listeners (RFC 4987 §3.6; Linux's SyncookiesSent, Recv, Failed) */
    uint64_t syncookies_sent;         /* SYN,ACKs carrying a cookie */
    uint64_t syncookies_recv;         /* valid cookie ACKs: connections made from them */
    uint64_t syncookies_failed;       /* ACKs to a listener whose cookie did not check */
    /* half-open records (cfg.max_half_open) */
    uint64_t half_open;   /* records now (a gauge, not a counter) */
    uint64_t ho_records;  /* SYNs kept as records */
    uint64_t ho_promoted; /* records whose final ACK made the connection */
    uint64_t ho_orphaned; /* records discarded, without a RST, when their listener closed */
} sk_stats;

const sk_stats *sk_stack_stats(const sk_stack *s);
/* Bytes one half-open connection costs (its record and two hash slots,
 * cfg.max_half_open): taken from the pool made at creation, never from
 * the socket table. */
size_t sk_stack_half_open_bytes(void);
/* Bytes one connection in TIME-WAIT costs once the application has closed
 * it (its record and two hash slots, cfg.max_time_wait): the socket slot
 * and its buffers are free again. */
size_t sk_stack_time_wait_bytes(void);

#endif
