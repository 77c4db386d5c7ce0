/* sk_simnet: a deterministic discrete-event network on a virtual clock.
 *
 * Nodes are abstract sans-I/O endpoints (an sk_stack, or a fake node in a
 * test) driven through three callbacks. Links join two nodes; each direction
 * is an sk_impair delay line (loss, delay, rate, ...). The simulator owns the
 * clock: it moves straight to the next event (a frame due on a link, or a
 * node's poll_at deadline), delivers the due frames, then drains every
 * node's output onto its links.
 *
 * Topology: a node may have several links; every frame it outputs is sent on
 * all of them (like a hub port). Address-based routing is the nodes' job, so
 * point-to-point pairs (one link per node) are the common case.
 *
 * Determinism: with the same seed, the same nodes and links created in the
 * same order, and nodes that are themselves deterministic, a run is the same
 * event for event. Ties are broken by fixed orders (node id, link id, then
 * submission order).
 *
 * Callbacks (node ops and the tap) must not call back into the simnet.
 */
#ifndef SK_SIM_SIMNET_H
#define SK_SIM_SIMNET_H

#include "impair.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The output buffer handed to nodes (an IPv4 packet of 65535 bytes plus an
 * Ethernet header fits). */
#define SK_SIM_FRAME_MAX 65600u
/* Livelock guards: frames drained from one node in one flush, and steps taken
 * without the clock moving. Hitting either counts an overrun. */
#define SK_SIM_FLUSH_CAP 100000u
#define SK_SIM_INSTANT_CAP 100000u

typedef struct sk_simnet sk_simnet;

/* A node. Any callback may be NULL: no input (a sink that ignores frames),
 * no output (a silent node), no poll_at (no timers). output() is called with
 * the current time until it returns 0; it runs the node's due timers, like
 * sk_stack_output(). poll_at() returns the next deadline, UINT64_MAX for
 * none; a deadline in the past means "now". */
typedef struct {
    void (*input)(void *node, uint64_t now, const uint8_t *frame, size_t len);
    size_t (*output)(void *node, uint64_t now, uint8_t *buf, size_t cap);
    uint64_t (*poll_at)(void *node);
} sk_sim_node_ops;

enum sk_sim_what {
    SK_SIM_SENT,       /* a node output a frame onto a link (as the node wrote it) */
    SK_SIM_DELIVERED,  /* a copy reached the peer (as delivered: maybe corrupted) */
    SK_SIM_LOST,       /* lost on the wire */
    SK_SIM_QUEUE_DROP, /* tail-dropped: the link's transmit queue was full */
    SK_SIM_MTU_DROP,   /* longer than the link MTU */
    SK_SIM_UNLINKED,   /* output by a node with no link: discarded */
};

typedef struct {
    enum sk_sim_what what;
    uint64_t now;
    int from, to;  /* node ids; to = -1 for UNLINKED */
    int link;      /* link id; -1 for UNLINKED */
    unsigned flags; /* DELIVERED: SK_IMPAIR_F_* bits of the copy */
    const uint8_t *frame;
    size_t len;
} sk_sim_event;

/* The event and its frame are valid during the call only. */
typedef void (*sk_sim_tap_fn)(void *ctx, const sk_sim_event *ev);

/* A network at time 0. NULL when out of memory. */
sk_simnet *sk_simnet_new(uint64_t seed);
void sk_simnet_free(sk_simnet *net);

/* Returns the node id (0, 1, ... in order), or -1 when out of memory. The
 * ops are copied; `node` is passed back to them. */
int sk_simnet_add_node(sk_simnet *net, const sk_sim_node_ops *ops, void *node);

/* Join nodes a and b (a != b). A NULL config is a perfect link. Each
 * direction gets its own random stream, derived from the network seed and
 * the link id. Returns the link id (0, 1, ...), or -1 on bad node ids, an
 * invalid config or no memory. */
int sk_simnet_link(sk_simnet *net, int a, int b, const sk_impair_config *a_to_b,
                   const sk_impair_config *b_to_a);

void sk_simnet_set_tap(sk_simnet *net, sk_sim_tap_fn tap, void *ctx);

uint64_t sk_simnet_now(const sk_simnet *net);

/* Drain every node's output at the current time onto its links. */
void sk_simnet_flush(sk_simnet *net);

/* Flush; move the clock to the next event if it is at or before `limit`,
 * deliver the frames due, flush again, and return true. Return false when
 * nothing is scheduled up to `limit` (the clock then moves to `limit`; it
 * never goes backwards), or on a livelock (the clock stays, an overrun is
 * counted): SK_SIM_INSTANT_CAP steps ran at one instant, or a flush drained
 * SK_SIM_FLUSH_CAP frames from one node. */
bool sk_simnet_step(sk_simnet *net, uint64_t limit);

/* Step until time t. Returns true with now == max(now, t), or false if a
 * livelock stopped the run early (see sk_simnet_overruns). With t ==
 * UINT64_MAX (and in sk_simnet_step with limit UINT64_MAX) the run ends when
 * nothing is scheduled any more, and the clock stays at the last event. */
bool sk_simnet_run_until(sk_simnet *net, uint64_t t);

/* Statistics of the direction of `link` whose sender is node `from`; NULL if
 * the link does not exist or `from` is not one of its ends. */
const sk_impair_stats *sk_simnet_link_stats(const sk_simnet *net, int link, int from);

/* How many times a livelock guard fired (SK_SIM_FLUSH_CAP reached by a
 * node, or SK_SIM_INSTANT_CAP steps at one instant). 0 in a healthy run. */
uint64_t sk_simnet_overruns(const sk_simnet *net);

/* "sent", "delivered", "lost", "queue-drop", "mtu-drop", "unlinked". */
const char *sk_sim_what_name(enum sk_sim_what what);

#endif
