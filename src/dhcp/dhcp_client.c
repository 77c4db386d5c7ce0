/* DHCPv4 client state machine, RFC 2131 §4.4 (figure 5).
 *
 * Numbers (RFC 2131 leaves some to us; each is documented in
 * docs/rfc-coverage.md):
 * - DISCOVER at start, at once (deviation: §4.4.1's 1-10 s random wait is
 *   left to the host, which calls sk_dhcp_start when it likes);
 *   retransmitted after 4, 8, 16, 32, 64, 64, ... s, each ±1 s uniformly
 *   (§4.1), same xid, 'secs' counting from the first.
 * - REQUEST in REQUESTING: the same backoff; after its fourth transmission
 *   times out, back to INIT (a new DISCOVER, §4.4.1).
 * - Lease times count from the last REQUEST sent (§4.4.1); T1 = option 58 or
 *   0.5 lease, T2 = option 59 or 0.875 lease (§4.4.5), the defaults also when
 *   the server's do not satisfy T1 < T2 < lease. 0xffffffff is infinite.
 * - RENEWING: REQUEST unicast to the server, ciaddr = our address (§4.3.2),
 *   again after half the time left to T2, at least 60 s (§4.4.5); at T2
 *   REBINDING: broadcast, the same rule to the expiry; at the expiry the
 *   address is lost and INIT starts over.
 * - DECLINE on a conflict, then INIT after 10 s (§3.1 step 5). */
#include "base/rng.h"
#include "dhcp/dhcp_msg.h"
#include "synack/error.h"

#include <string.h>

#define S 1000000ull
#define REQUEST_TRIES 4
#define FOREVER UINT64_MAX

static const sk_ip4 any4 = {{0, 0, 0, 0}};
static const sk_ip4 bcast4 = {{255, 255, 255, 255}};

static uint64_t rng_below(sk_dhcp_client *c, uint64_t bound)
{
    sk_rng g;
    memcpy(g.s, c->rng.s, sizeof g.s);
    uint64_t v = sk_rng_below(&g, bound);
    memcpy(c->rng.s, g.s, sizeof g.s);
    return v;
}

int sk_dhcp_init(sk_dhcp_client *c, const sk_dhcp_config *cfg)
{
    if (!c || !cfg || memchr(cfg->hostname, 0, sizeof cfg->hostname) == NULL)
        return SK_EINVAL;
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    sk_rng g;
    sk_rng_seed(&g, cfg->seed);
    memcpy(c->rng.s, g.s, sizeof g.s);
    c->state = SK_DHCP_STOPPED;
    c->deadline = FOREVER;
    return SK_OK;
}

static void push_event(sk_dhcp_client *c, const sk_dhcp_event *ev)
{
    if (c->ev_count == 4) { /* full: the oldest goes (events are rare) */
        memmove(c->ev, c->ev + 1, 3 * sizeof c->ev[0]);
        c->ev_count = 3;
    }
    c->ev[c->ev_count++] = *ev;
}

static void lose_address(sk_dhcp_client *c)
{
    if (c->state != SK_DHCP_BOUND && c->state != SK_DHCP_RENEWING &&
        c->state != SK_DHCP_REBINDING)
        return;
    sk_dhcp_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SK_DHCP_EV_LOST;
    ev.lost_addr = c->lease.addr;
    push_event(c, &ev);
    memset(&c->lease, 0, sizeof c->lease);
}

/* Queue one transmission of `type` and arm the retransmission (§4.1:
 * 4 s doubling to 64 s, each ±1 s). */
static void transmit(sk_dhcp_client *c, uint8_t type, uint64_t now)
{
    c->must_send = type;
    uint64_t base = 4 * S << (c->tries < 4 ? c->tries : 4);
    c->tries++;
    c->deadline = now + base - S + rng_below(c, 2 * S + 1);
    if (type == SK_DHCPREQUEST)
        c->sent_at = now;
}

static void new_exchange(sk_dhcp_client *c, uint8_t state, uint64_t now)
{
    c->state = state;
    c->xid = (uint32_t)rng_below(c, 1ull << 32);
    c->started_at = now;
    c->tries = 0;
}

static void enter_selecting(sk_dhcp_client *c, uint64_t now)
{
    new_exchange(c, SK_DHCP_SELECTING, now);
    transmit(c, SK_DHCPDISCOVER, now);
}

int sk_dhcp_start(sk_dhcp_client *c, uint64_t now)
{
    if (c->state != SK_DHCP_STOPPED)
        return SK_ESTATE;
    if (memcmp(c->cfg.remembered.b, any4.b, 4) == 0) {
        enter_selecting(c, now);
        return SK_OK;
    }
    new_exchange(c, SK_DHCP_REBOOTING, now); /* §3.2, §4.4.2 */
    transmit(c, SK_DHCPREQUEST, now);
    return SK_OK;
}

void sk_dhcp_stop(sk_dhcp_client *c, uint64_t now)
{
    (void)now;
    lose_address(c);
    c->state = SK_DHCP_STOPPED;
    c->must_send = 0;
    c->deadline = FOREVER;
}

int sk_dhcp_conflict(sk_dhcp_client *c, uint64_t now)
{
    if (c->state != SK_DHCP_BOUND)
        return SK_ESTATE;
    c->declined = c->lease.addr;
    c->server = c->lease.server_id;
    lose_address(c);
    c->state = SK_DHCP_INIT;
    c->must_send = SK_DHCPDECLINE;
    c->deadline = now + 10 * S; /* §3.1 step 5 */
    return SK_OK;
}

/* RENEWING and REBINDING: half the time left to `limit`, at least 60 s,
 * never past it (§4.4.5). */
static void transmit_renew(sk_dhcp_client *c, uint64_t now, uint64_t limit)
{
    c->must_send = SK_DHCPREQUEST;
    c->sent_at = now;
    c->tries++;
    uint64_t wait = limit > now ? (limit - now) / 2 : 0;
    if (wait < 60 * S)
        wait = 60 * S;
    c->deadline = (limit <= now || limit - now < wait) ? limit : now + wait;
}

static uint64_t at_s(uint64_t base, uint32_t secs)
{
    return secs == UINT32_MAX ? FOREVER : base + (uint64_t)secs * S;
}

static void bind_lease(sk_dhcp_client *c, const sk_dhcp_msg *m)
{
    sk_dhcp_lease *l = &c->lease;
    memset(l, 0, sizeof *l);
    l->addr = m->yiaddr;
    l->prefix_len = (m->has & SK_DHCP_HAS_MASK) ? sk_dhcp_prefix_len(m->mask) : 0;
    l->router = (m->has & SK_DHCP_HAS_ROUTER) ? m->router : any4;
    memcpy(l->dns, m->dns, sizeof l->dns);
    l->dns_count = m->dns_count;
    l->mtu = m->mtu;
    l->server_id = (m->has & SK_DHCP_HAS_SERVER) ? m->server_id : c->server;
    l->lease_s = m->lease;
    /* an infinite lease (0xffffffff, RFC 2132 §9.2) is never renewed unless
     * the server names T1 or T2 */
    uint32_t half = m->lease == UINT32_MAX ? UINT32_MAX : m->lease / 2;
    uint32_t most = m->lease == UINT32_MAX ? UINT32_MAX : (uint32_t)((uint64_t)m->lease * 7 / 8);
    l->t1_s = (m->has & SK_DHCP_HAS_T1) ? m->t1 : half;
    l->t2_s = (m->has & SK_DHCP_HAS_T2) ? m->t2 : most;
    if (!(l->t1_s < l->t2_s && (l->t2_s < m->lease || m->lease == UINT32_MAX))) {
        l->t1_s = half; /* the server's times are out of order: the defaults */
        l->t2_s = most;
    }
    l->t1_at = at_s(c->sent_at, l->t1_s);
    l->t2_at = at_s(c->sent_at, l->t2_s);
    l->expires_at = at_s(c->sent_at, m->lease);
    c->server = l->server_id;
    c->state = SK_DHCP_BOUND;
    c->must_send = 0;
    c->deadline = l->t1_at;
    c->stats.leases++;
    sk_dhcp_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SK_DHCP_EV_BOUND;
    ev.lease = *l;
    push_event(c, &ev);
}

static int drop(sk_dhcp_client *c, int reason)
{
    c->stats.drops[reason]++;
    return reason;
}

/* The reply is ours: BOOTREPLY, our xid, our chaddr, a type (§4.4). */
static int check_reply(const sk_dhcp_client *c, const uint8_t *data, size_t len, sk_dhcp_msg *m)
{
    int why = sk_dhcp_parse(data, len, m);
    if (why != SK_DHCP_PARSE_OK)
        return why;
    if (m->op != 2)
        return SK_DHCP_DROP_NOT_REPLY;
    if (m->xid != c->xid)
        return SK_DHCP_DROP_WRONG_XID;
    if (m->htype != 1 || m->hlen != 6 || memcmp(m->chaddr, c->cfg.chaddr.b, 6) != 0)
        return SK_DHCP_DROP_WRONG_CHADDR;
    if (m->type == 0)
        return SK_DHCP_DROP_NO_TYPE;
    return -1;
}

static bool ack_ok(const sk_dhcp_msg *m, sk_ip4 want)
{
    return (m->has & SK_DHCP_HAS_LEASE) && m->lease > 0 && memcmp(m->yiaddr.b, want.b, 4) == 0;
}

void sk_dhcp_input(sk_dhcp_client *c, uint64_t now, const uint8_t *data, size_t len)
{
    sk_dhcp_msg m;
    int why = check_reply(c, data, len, &m);
    if (why >= 0) {
        drop(c, why);
        return;
    }
    bool holding = c->state == SK_DHCP_RENEWING || c->state == SK_DHCP_REBINDING;
    bool asking = c->state == SK_DHCP_REQUESTING || c->state == SK_DHCP_REBOOTING || holding;
    /* REQUESTING and RENEWING asked one server (§4.3.2: the others stay
     * silent); an ACK or NAK naming another is not for us. REBINDING asks
     * any server. */
    bool one_server = c->state == SK_DHCP_REQUESTING || c->state == SK_DHCP_RENEWING;
    if (one_server && (m.type == SK_DHCPACK || m.type == SK_DHCPNAK) &&
        (m.has & SK_DHCP_HAS_SERVER) && memcmp(m.server_id.b, c->server.b, 4) != 0) {
        drop(c, SK_DHCP_DROP_WRONG_SERVER);
        return;
    }
    if (c->state == SK_DHCP_SELECTING && m.type == SK_DHCPOFFER) {
        if (!(m.has & SK_DHCP_HAS_SERVER) || memcmp(m.yiaddr.b, any4.b, 4) == 0) {
            drop(c, SK_DHCP_DROP_BAD_OFFER);
            return;
        }
        c->offered = m.yiaddr; /* the first valid offer is taken (§4.4.1) */
        c->server = m.server_id;
        c->state = SK_DHCP_REQUESTING;
        c->tries = 0;
        transmit(c, SK_DHCPREQUEST, now);
    } else if (asking && m.type == SK_DHCPACK) {
        sk_ip4 want = c->state == SK_DHCP_REQUESTING   ? c->offered
                      : c->state == SK_DHCP_REBOOTING ? c->cfg.remembered
                                                      : c->lease.addr;
        if (!ack_ok(&m, want)) {
            drop(c, SK_DHCP_DROP_BAD_ACK);
            return;
        }
        bind_lease(c, &m);
    } else if (asking && m.type == SK_DHCPNAK) {
        c->stats.naks++; /* §4.4.1, §4.4.5: NAK -> INIT */
        lose_address(c);
        enter_selecting(c, now);
    } else {
        drop(c, SK_DHCP_DROP_UNEXPECTED);
    }
}

static void timer_step(sk_dhcp_client *c, uint64_t now)
{
    switch (c->state) {
    case SK_DHCP_INIT:
        enter_selecting(c, now);
        break;
    case SK_DHCP_SELECTING:
        transmit(c, SK_DHCPDISCOVER, now);
        break;
    case SK_DHCP_REQUESTING:
    case SK_DHCP_REBOOTING: /* §3.2 lets a silent REBOOTING keep the address
                               for the rest of its lease; we do not know it */
        if (c->tries >= REQUEST_TRIES)
            enter_selecting(c, now);
        else
            transmit(c, SK_DHCPREQUEST, now);
        break;
    case SK_DHCP_BOUND: /* T1 */
        new_exchange(c, SK_DHCP_RENEWING, now);
        transmit_renew(c, now, c->lease.t2_at);
        break;
    case SK_DHCP_RENEWING:
        if (now >= c->lease.t2_at) /* T2 */
            c->state = SK_DHCP_REBINDING;
        transmit_renew(c, now, c->state == SK_DHCP_RENEWING ? c->lease.t2_at : c->lease.expires_at);
        break;
    case SK_DHCP_REBINDING:
        if (now >= c->lease.expires_at) { /* §4.4.5: the lease ran out */
            c->stats.expiries++;
            lose_address(c);
            enter_selecting(c, now);
        } else {
            transmit_renew(c, now, c->lease.expires_at);
        }
        break;
    default:
        c->deadline = FOREVER;
        break;
    }
}

/* A late call may be past several deadlines (T1, T2 and the expiry at
 * once): each step's new deadline is handled in the same call, so the
 * address is never kept past its expiry. Four steps reach a future deadline
 * from any state (BOUND -> RENEWING -> REBINDING -> SELECTING). */
void sk_dhcp_run_timers(sk_dhcp_client *c, uint64_t now)
{
    for (int i = 0; i < 4 && now >= c->deadline; i++)
        timer_step(c, now);
}

bool sk_dhcp_next_datagram(sk_dhcp_client *c, uint64_t now, sk_dhcp_datagram *out)
{
    if (c->must_send == 0)
        return false;
    sk_dhcp_out o;
    memset(&o, 0, sizeof o);
    o.type = c->must_send;
    o.xid = c->xid;
    uint64_t secs = (now - c->started_at) / S;
    o.secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
    o.chaddr = c->cfg.chaddr;
    o.hostname = c->cfg.hostname;
    memset(out, 0, sizeof *out);
    out->src = any4;
    out->dst = bcast4;
    out->broadcast = true;
    if (o.type == SK_DHCPDECLINE) { /* §4.4.1 table 5 */
        o.requested = c->declined;
        o.server_id = c->server;
        o.hostname = NULL;
    } else if (c->state == SK_DHCP_REQUESTING) {
        o.broadcast_flag = true;
        o.requested = c->offered;
        o.server_id = c->server;
    } else if (c->state == SK_DHCP_REBOOTING) { /* §4.3.2: 50, no 54 */
        o.broadcast_flag = true;
        o.requested = c->cfg.remembered;
    } else if (c->state == SK_DHCP_RENEWING || c->state == SK_DHCP_REBINDING) {
        o.ciaddr = c->lease.addr; /* §4.3.2: no 50, no 54 */
        out->src = c->lease.addr;
        if (c->state == SK_DHCP_RENEWING) {
            out->dst = c->lease.server_id;
            out->broadcast = false;
        }
    } else {
        o.broadcast_flag = true; /* we cannot take unicast without an address */
    }
    out->len = sk_dhcp_build(c->out, sizeof c->out, &o);
    out->data = c->out;
    out->src_port = 68;
    out->dst_port = 67;
    c->stats.sent[o.type]++;
    c->must_send = 0;
    return true;
}

bool sk_dhcp_next_event(sk_dhcp_client *c, sk_dhcp_event *out)
{
    if (c->ev_count == 0)
        return false;
    *out = c->ev[0];
    memmove(c->ev, c->ev + 1, (size_t)(c->ev_count - 1) * sizeof c->ev[0]);
    c->ev_count--;
    return true;
}

uint64_t sk_dhcp_poll_at(const sk_dhcp_client *c) { return c->deadline; }
int sk_dhcp_state_get(const sk_dhcp_client *c) { return c->state; }
const sk_dhcp_stats *sk_dhcp_get_stats(const sk_dhcp_client *c) { return &c->stats; }

const sk_dhcp_lease *sk_dhcp_lease_get(const sk_dhcp_client *c)
{
    bool held = c->state == SK_DHCP_BOUND || c->state == SK_DHCP_RENEWING ||
                c->state == SK_DHCP_REBINDING;
    return held ? &c->lease : NULL;
}

const char *sk_dhcp_state_str(int state)
{
    static const char *const msgs[] = {
#define SK_DHCP_STATE_MSG_(name, msg) msg,
        SK_DHCP_STATES(SK_DHCP_STATE_MSG_)
#undef SK_DHCP_STATE_MSG_
    };
    return state >= 0 && state < SK_DHCP_STATE_COUNT ? msgs[state] : "unknown state";
}

const char *sk_dhcp_drop_str(int reason)
{
    static const char *const msgs[] = {
#define SK_DHCP_DROP_MSG_(name, msg) msg,
        SK_DHCP_DROPS(SK_DHCP_DROP_MSG_)
#undef SK_DHCP_DROP_MSG_
    };
    return reason >= 0 && reason < SK_DHCP_DROP_COUNT ? msgs[reason] : "unknown reason";
}
