/* sim_pair: two real synack stacks in the deterministic simulator (layer 3
 * of the test plan).
 *
 * Node 0 is the client stack (10.0.0.1), node 1 the server stack (10.0.0.2),
 * with 2001:db8::1 and 2001:db8::2 too when sc->ipv6 (then the client
 * connects over IPv6), both SK_LINK_IP, joined by one sk_simnet link whose two directions have
 * their own impairments. Each stack allocates through a counting allocator
 * and reports to a trace hook that follows every connection's state.
 *
 * The scenario driver (sp_run) plays two applications over n_conns
 * connections at once. On every connection both sides write `bytes[dir]`
 * bytes (write sizes, read sizes and reading pauses drawn from the seed;
 * byte i of a stream is a function of the seed, the connection, the
 * direction and i, so every byte read is checked), then close cleanly: one
 * side shuts down when all its data is queued, the other once it has read
 * end of stream (or both at the same instant, for a simultaneous close).
 * Both must read EOF; the active closer(s) must go through TIME-WAIT, the
 * passive one through LAST-ACK, both end CLOSED or in TIME-WAIT, with
 * nothing left in their buffers and everything acknowledged. Failure modes (the link dies, a side aborts) expect the
 * errors instead. After the applications are done the simulation runs on
 * until both stacks are quiet; then every connection the trace saw must be
 * CLOSED, and after destroy both allocators must be back to zero.
 *
 * Corruption: every copy the link delivers with a flipped bit must be
 * dropped by the stack under an integrity reason (IP header or TCP
 * checksum), counted, and never reach TCP.
 *
 * On failure sp_run prints the seed, the impairments, the configuration,
 * the progress of every unfinished connection, the stacks' counters and
 * drops by reason, the link counters, and sc->replay (the command that
 * runs just that seed). */
#ifndef SK_SIM_PAIR_H
#define SK_SIM_PAIR_H

#include "impair.h"
#include "synack/stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_MAX_CONNS 64
#define SP_CLIENT 0
#define SP_SERVER 1
#define SP_PORT 80

enum sp_close {
    SP_CLOSE_CLIENT_FIRST, /* the client shuts down first, the server after EOF */
    SP_CLOSE_SERVER_FIRST,
    SP_CLOSE_SIMULTANEOUS, /* both at the same instant, once all data is acknowledged */
};

typedef struct {
    const char *name;   /* scenario name in messages */
    const char *replay; /* shell command that replays this run, printed on failure */
    uint64_t seed;      /* application choices, data, stacks' seeds, link faults */
    bool verbose;       /* print every frame on the link */

    sk_stack_config cfg[2];   /* client, server: addr, alloc, trace are set by sp_run */
    sk_impair_config link[2]; /* [0] client -> server, [1] server -> client */

    uint32_t n_conns;
    uint32_t bytes[2];        /* per connection: [0] client -> server, [1] server -> client */
    uint16_t mss[2];          /* MSS announced by client / server; 0: from the MTU */
    uint32_t write_max;       /* largest single sk_tcp_send */
    uint32_t read_max;        /* largest single sk_tcp_recv */
    double pause_chance;      /* after a read, stop reading for up to pause_max_us */
    uint32_t pause_max_us;
    uint32_t connect_spread_us; /* connections start at random times in [0, spread] */
    enum sp_close close;
    bool second_closes;       /* the second closer calls sk_tcp_close (not shutdown) after
                                 EOF: the connection finishes in the background */
    uint64_t keepalive_us;    /* 0, or keepalive on every socket with this idle time and
                                 interval, 20 probes */
    bool nodelay[2];          /* SK_SO_NODELAY on client sockets / the server's listener */

    /* Failure modes (off by default). */
    uint64_t cut_at_us;   /* the link dies: every frame delivered from then on is lost */
    int abort_side;       /* -1, or the side that aborts each connection ... */
    uint32_t abort_after; /* ... once it has read this many bytes */
    int stall_side;       /* -1, or the side that stops reading ... */
    uint32_t stall_at;    /* ... once it has read this many bytes ... */
    uint64_t stall_us;    /* ... for this long, then resumes */

    uint64_t time_limit_us; /* virtual time limit */
    bool ipv6; /* both stacks dual-stack (10.0.0.x/24 and 2001:db8::x/64); the
                  client connects to the server's IPv6 address */
    /* optional: every trace event of either stack, with the stack (a test
     * may read its state, e.g. sk_stack_tcb, but must not call into it) */
    void (*probe)(void *ctx, int side, const sk_stack *s, const sk_trace_event *ev);
    void *probe_ctx;
} sp_scenario;

typedef struct {
    uint64_t end_us;         /* virtual time when both stacks were quiet */
    uint64_t done_us;        /* virtual time when the applications were done */
    uint64_t bytes[2];       /* bytes read and verified, per direction, all connections */
    uint64_t retransmits, timeouts, fast_retransmits, conn_timeouts;
    uint64_t persist_fired[2]; /* persist timer firings, per stack */
    uint64_t zero_wnd_acks;  /* segments sent advertising a zero window */
    uint64_t ooo_segments, dup_acks;
    uint64_t sack_blocks_out, dsack_out, ts_rtt_samples; /* both stacks (RFC 2018, 2883, 7323) */
    uint64_t spurious_rtos, spurious_frs; /* both stacks: undone (tcp_spurious.c) */
    uint64_t sack_recoveries; /* both stacks: recoveries driven by the scoreboard (RFC 6675) */
    uint64_t rack_marks, tlp_probes; /* both stacks (RFC 8985) */
    uint64_t rack_reordering; /* both stacks: ACKs that showed RACK reordering (§6.2 step 3) */
    uint64_t sack_ranges_untold; /* both stacks: ACKs with every SACK block used, ranges left out */
    uint64_t sndbuf_grown;   /* both stacks: send buffers doubled (cfg.sndbuf_max) */
    uint64_t rcvbuf_grown;   /* both stacks: receive buffers doubled (cfg.rcvbuf_max) */
    uint64_t lost, dup, reordered, corrupted, queue_drops; /* link, both directions */
    uint64_t corrupt_dropped; /* corrupted copies the stacks dropped (== corrupted delivered) */
    uint32_t n_accepted;     /* connections the server application accepted */
    uint32_t n_timedout[2];  /* connections whose application saw SK_ETIMEDOUT, per side */
    uint32_t n_reset[2];     /* ... SK_ECONNRESET */
    uint32_t n_closing[2];   /* connections that went through CLOSING */
    uint32_t n_time_wait[2]; /* connections that went through TIME-WAIT */
    uint32_t n_late_rst[2];
    uint32_t n_closed_early; /* connections the second closer closed with sk_tcp_close */  /* closed by a RST after the peer's TIME-WAIT ended */
    uint64_t drop[2][SK_DROP__COUNT]; /* each stack's drops by reason */
    size_t peak_bytes[2];    /* allocator high-water mark per stack */
    uint64_t ip6_frames, ip4_frames; /* frames sent whose version nibble is 6, 4 */
    uint64_t frames;         /* link events seen by the tap: sent, delivered, lost ... */
    uint64_t frame_hash;     /* FNV-1a over every link event: what, time, ends, flags,
                                length and the frame's bytes (two runs of a seed match
                                event for event exactly when their hashes match) */
} sp_result;

/* Defaults: one connection, 64 KiB each way, perfect link, client closes
 * first, stacks with rto_min 200 ms, initial RTO 500 ms, TIME-WAIT 1 s,
 * generous retry limits, 600 s virtual limit. */
void sp_scenario_default(sp_scenario *sc, uint64_t seed);

/* Run the scenario; true when every check passed. Fills *res (may be NULL). */
bool sp_run(const sp_scenario *sc, sp_result *res);

/* "loss=5%,delay=10ms,..." (the sk_impair_parse syntax). */
void sp_impair_str(const sk_impair_config *c, char *buf, size_t cap);

/* Byte i of the stream of connection `conn`, direction `dir`, seed `seed`. */
uint8_t sp_stream_byte(uint64_t seed, uint32_t conn, int dir, uint64_t i);

#endif
