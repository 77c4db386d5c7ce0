/* sk_simnet: the event loop of the simulator. See simnet.h. */
#include "simnet.h"

#include <stdlib.h>
#include <string.h>

struct sim_node {
    sk_sim_node_ops ops;
    void *ctx;
};

/* dir[d] carries frames from end[d] to end[1 - d]. */
struct sim_link {
    int end[2];
    sk_impair dir[2];
};

struct sk_simnet {
    uint64_t now;
    uint64_t seed;
    struct sim_node *nodes;
    size_t n_nodes, cap_nodes;
    struct sim_link *links;
    size_t n_links, cap_links;
    sk_sim_tap_fn tap;
    void *tap_ctx;
    uint8_t *buf; /* SK_SIM_FRAME_MAX bytes: node output and delivered copies */
    uint64_t overruns;
    uint64_t instant_steps; /* steps taken since the clock last moved */
    bool stalled;           /* the last step stopped on SK_SIM_INSTANT_CAP */
};

sk_simnet *sk_simnet_new(uint64_t seed)
{
    sk_simnet *net = calloc(1, sizeof *net);
    if (net == NULL)
        return NULL;
    net->seed = seed;
    net->buf = malloc(SK_SIM_FRAME_MAX);
    if (net->buf == NULL) {
        free(net);
        return NULL;
    }
    return net;
}

void sk_simnet_free(sk_simnet *net)
{
    if (net == NULL)
        return;
    for (size_t i = 0; i < net->n_links; i++) {
        sk_impair_free(&net->links[i].dir[0]);
        sk_impair_free(&net->links[i].dir[1]);
    }
    free(net->links);
    free(net->nodes);
    free(net->buf);
    free(net);
}

/* Make room for one more element in a growable array. */
static int reserve(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *p = realloc(*arr, ncap * elem);
    if (p == NULL)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

int sk_simnet_add_node(sk_simnet *net, const sk_sim_node_ops *ops, void *node)
{
    void *arr = net->nodes;
    if (reserve(&arr, &net->cap_nodes, net->n_nodes, sizeof *net->nodes) != 0)
        return -1;
    net->nodes = arr;
    net->nodes[net->n_nodes] = (struct sim_node){*ops, node};
    return (int)net->n_nodes++;
}

/* Each direction of each link has its own stream: mixing the id into the
 * seed (sk_rng_seed runs it through splitmix64) keeps a link's faults the
 * same when links are added after it. */
static uint64_t link_seed(uint64_t seed, size_t link, int dir)
{
    sk_rng r;
    sk_rng_seed(&r, seed ^ (((uint64_t)link * 2u + (uint64_t)dir + 1u) * 0x9e3779b97f4a7c15ull));
    return sk_rng_next(&r);
}

static bool node_ok(const sk_simnet *net, int id)
{
    return id >= 0 && (size_t)id < net->n_nodes;
}

int sk_simnet_link(sk_simnet *net, int a, int b, const sk_impair_config *a_to_b,
                   const sk_impair_config *b_to_a)
{
    static const sk_impair_config perfect = {0};
    if (!node_ok(net, a) || !node_ok(net, b) || a == b)
        return -1;
    void *arr = net->links;
    if (reserve(&arr, &net->cap_links, net->n_links, sizeof *net->links) != 0)
        return -1;
    net->links = arr;
    size_t id = net->n_links;
    struct sim_link *l = &net->links[id];
    l->end[0] = a;
    l->end[1] = b;
    int rc0 = sk_impair_init(&l->dir[0], a_to_b ? a_to_b : &perfect, link_seed(net->seed, id, 0));
    int rc1 = sk_impair_init(&l->dir[1], b_to_a ? b_to_a : &perfect, link_seed(net->seed, id, 1));
    if (rc0 != 0 || rc1 != 0)
        return -1; /* nothing allocated yet: the slot is simply not used */
    net->n_links++;
    return (int)id;
}

void sk_simnet_set_tap(sk_simnet *net, sk_sim_tap_fn tap, void *ctx)
{
    net->tap = tap;
    net->tap_ctx = ctx;
}

uint64_t sk_simnet_now(const sk_simnet *net) { return net->now; }

uint64_t sk_simnet_overruns(const sk_simnet *net) { return net->overruns; }

const sk_impair_stats *sk_simnet_link_stats(const sk_simnet *net, int link, int from)
{
    if (link < 0 || (size_t)link >= net->n_links)
        return NULL;
    const struct sim_link *l = &net->links[link];
    if (l->end[0] == from)
        return &l->dir[0].stats;
    if (l->end[1] == from)
        return &l->dir[1].stats;
    return NULL;
}

const char *sk_sim_what_name(enum sk_sim_what what)
{
    switch (what) {
    case SK_SIM_SENT: return "sent";
    case SK_SIM_DELIVERED: return "delivered";
    case SK_SIM_LOST: return "lost";
    case SK_SIM_QUEUE_DROP: return "queue-drop";
    case SK_SIM_MTU_DROP: return "mtu-drop";
    case SK_SIM_UNLINKED: return "unlinked";
    }
    return "?";
}

/* ------------------------------------------------------------------------
 * Sending and delivering
 * ---------------------------------------------------------------------- */
static void emit(sk_simnet *net, enum sk_sim_what what, int from, int to, int link,
                 unsigned flags, const uint8_t *frame, size_t len)
{
    if (net->tap == NULL)
        return;
    sk_sim_event ev = {.what = what, .now = net->now, .from = from, .to = to, .link = link,
                       .flags = flags, .frame = frame, .len = len};
    net->tap(net->tap_ctx, &ev);
}

static enum sk_sim_what fate_what(enum sk_impair_fate fate)
{
    switch (fate) {
    case SK_IMPAIR_LOST: return SK_SIM_LOST;
    case SK_IMPAIR_QUEUE_DROP: return SK_SIM_QUEUE_DROP;
    case SK_IMPAIR_MTU_DROP: return SK_SIM_MTU_DROP;
    case SK_IMPAIR_QUEUED: break;
    }
    return SK_SIM_SENT;
}

/* A node's frame goes onto every link it is an end of. */
static void send_frame(sk_simnet *net, int from, const uint8_t *frame, size_t len)
{
    bool linked = false;
    for (size_t i = 0; i < net->n_links; i++) {
        struct sim_link *l = &net->links[i];
        for (int d = 0; d < 2; d++) {
            if (l->end[d] != from)
                continue;
            int to = l->end[1 - d];
            linked = true;
            emit(net, SK_SIM_SENT, from, to, (int)i, 0, frame, len);
            enum sk_impair_fate fate = sk_impair_submit(&l->dir[d], net->now, frame, len);
            if (fate != SK_IMPAIR_QUEUED)
                emit(net, fate_what(fate), from, to, (int)i, 0, frame, len);
        }
    }
    if (!linked)
        emit(net, SK_SIM_UNLINKED, from, -1, -1, 0, frame, len);
}

static void drain_node(sk_simnet *net, int id)
{
    const struct sim_node *n = &net->nodes[id];
    if (n->ops.output == NULL)
        return;
    for (uint32_t count = 0;; count++) {
        if (count == SK_SIM_FLUSH_CAP) { /* output at one instant never ends */
            net->overruns++;
            return;
        }
        size_t len = n->ops.output(n->ctx, net->now, net->buf, SK_SIM_FRAME_MAX);
        if (len == 0)
            return;
        if (len > SK_SIM_FRAME_MAX)
            len = SK_SIM_FRAME_MAX;
        send_frame(net, id, net->buf, len);
    }
}

void sk_simnet_flush(sk_simnet *net)
{
    for (size_t i = 0; i < net->n_nodes; i++)
        drain_node(net, (int)i);
}

/* Every copy due now, link by link (all due copies carry time == now: the
 * clock only ever moves to the earliest event). */
static void deliver_due(sk_simnet *net)
{
    for (size_t i = 0; i < net->n_links; i++) {
        for (int d = 0; d < 2; d++) {
            struct sim_link *l = &net->links[i];
            size_t len;
            unsigned flags;
            while (sk_impair_pop(&l->dir[d], net->now, net->buf, SK_SIM_FRAME_MAX, &len, &flags)) {
                int from = l->end[d], to = l->end[1 - d];
                size_t n = len < SK_SIM_FRAME_MAX ? len : SK_SIM_FRAME_MAX;
                emit(net, SK_SIM_DELIVERED, from, to, (int)i, flags, net->buf, n);
                const struct sim_node *dst = &net->nodes[to];
                if (dst->ops.input != NULL)
                    dst->ops.input(dst->ctx, net->now, net->buf, n);
            }
        }
    }
}

/* ------------------------------------------------------------------------
 * The clock
 * ---------------------------------------------------------------------- */
static uint64_t next_event(const sk_simnet *net)
{
    uint64_t t = UINT64_MAX;
    for (size_t i = 0; i < net->n_links; i++) {
        for (int d = 0; d < 2; d++) {
            uint64_t lt = sk_impair_next_time(&net->links[i].dir[d]);
            t = lt < t ? lt : t;
        }
    }
    for (size_t i = 0; i < net->n_nodes; i++) {
        const struct sim_node *n = &net->nodes[i];
        if (n->ops.poll_at == NULL)
            continue;
        uint64_t pt = n->ops.poll_at(n->ctx);
        t = pt < t ? pt : t;
    }
    return t;
}

/* A flush that hit SK_SIM_FLUSH_CAP ends the run: a node whose output
 * never ends at one instant would otherwise be drained again at the next
 * step of that instant, up to SK_SIM_INSTANT_CAP times (10^10 frames, a
 * hang rather than a failure). */
static bool flush_overran(sk_simnet *net)
{
    uint64_t before = net->overruns;
    sk_simnet_flush(net);
    if (net->overruns == before)
        return false;
    net->stalled = true;
    return true;
}

bool sk_simnet_step(sk_simnet *net, uint64_t limit)
{
    net->stalled = false;
    if (flush_overran(net))
        return false;
    uint64_t t = next_event(net);
    if (t == UINT64_MAX || t > limit) {
        if (limit > net->now && limit != UINT64_MAX) {
            net->now = limit;
            net->instant_steps = 0;
        }
        return false;
    }
    /* t <= now (a deadline in the past is due now) leaves the clock where it
     * is; too many steps without it moving is a livelock. */
    if (t > net->now) {
        net->now = t;
        net->instant_steps = 0;
    } else if (++net->instant_steps > SK_SIM_INSTANT_CAP) {
        net->overruns++;
        net->instant_steps = 0;
        net->stalled = true;
        return false;
    }
    deliver_due(net);
    return !flush_overran(net);
}

bool sk_simnet_run_until(sk_simnet *net, uint64_t t)
{
    while (sk_simnet_step(net, t)) {
    }
    return !net->stalled;
}
