/* TCP connections of a capture, for `synack plot` (tools/tool_plot.h).
 * Frames are decoded leniently: a capture taken where checksums are
 * offloaded carries wrong ones, so they are not checked; a frame that is
 * not TCP over IPv4/IPv6 or is cut short is skipped. Each connection (its
 * 4-tuple, either direction) keeps its segments; plot_capture_conn then
 * infers what the sender knew: window scaling from the SYNs (RFC 7323 §2.3:
 * never applied to a SYN's window), retransmissions (a range sent before),
 * RTT samples by Karn's rule (RFC 6298 §3: none from a retransmitted
 * range), SRTT/RTO as RFC 6298 §2 computes them, flight size. */
#include "tool_plot.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define CAP_MAX_CONNS 4096
#define CAP_HASH 8192 /* slots: twice the connections, open addressing */

typedef struct {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[2][16];
    uint16_t port[2];
} cap_key;

typedef struct {
    cap_key key; /* [0]: the first packet's source */
    plot_conn segs; /* raw windows; dir 0 = key side 0 */
    uint64_t bytes[2];
    bool syn_from[2];
} cap_conn;

struct plot_capture {
    cap_conn *conn;
    size_t n, cap;
    int32_t slot[CAP_HASH]; /* connection index + 1, 0: empty */
    bool oom;
};

/* ---- frame decoding ---- */

typedef struct {
    cap_key key;
    const uint8_t *tcp;
    size_t tcp_len;
} cap_pkt;

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool ip4(const uint8_t *p, size_t len, cap_pkt *k)
{
    if (len < 20 || (p[0] >> 4) != 4)
        return false;
    size_t ihl = (size_t)(p[0] & 15) * 4, tot = be16(p + 2);
    if (ihl < 20 || tot < ihl || len < ihl || p[9] != 6 || (be16(p + 6) & 0x1fff) != 0)
        return false;
    k->key.family = 4;
    memcpy(k->key.addr[0], p + 12, 4);
    memcpy(k->key.addr[1], p + 16, 4);
    k->tcp = p + ihl;
    k->tcp_len = (tot < len ? tot : len) - ihl;
    return true;
}

static bool ip6(const uint8_t *p, size_t len, cap_pkt *k)
{
    if (len < 40 || (p[0] >> 4) != 6)
        return false;
    uint8_t nh = p[6];
    size_t off = 40, end = 40 + (size_t)be16(p + 4);
    end = end < len ? end : len;
    for (int hops = 0; nh != 6 && hops < 8; hops++) {
        if (nh != 0 && nh != 43 && nh != 60) /* a fragment or anything else: skip the frame */
            return false;
        if (end < off + 8)
            return false;
        nh = p[off];
        off += ((size_t)p[off + 1] + 1) * 8;
    }
    if (nh != 6 || off > end)
        return false;
    k->key.family = 6;
    memcpy(k->key.addr[0], p + 8, 16);
    memcpy(k->key.addr[1], p + 24, 16);
    k->tcp = p + off;
    k->tcp_len = end - off;
    return true;
}

static bool by_ethertype(uint16_t type, const uint8_t *p, size_t len, cap_pkt *k)
{
    return type == 0x0800 ? ip4(p, len, k) : type == 0x86dd ? ip6(p, len, k) : false;
}

/* Link types: 1 Ethernet (one or two VLAN tags), 101/12/14 raw IP, 228 raw
 * IPv4, 229 raw IPv6, 113 Linux cooked (SLL), 276 SLL2. */
static bool decode_link(const plot_frame *fr, cap_pkt *k)
{
    const uint8_t *p = fr->data;
    size_t len = fr->len;
    switch (fr->linktype) {
    case 1: {
        size_t off = 12;
        while (len >= off + 2 && (be16(p + off) == 0x8100 || be16(p + off) == 0x88a8) && off < 20)
            off += 4;
        return len >= off + 2 && by_ethertype(be16(p + off), p + off + 2, len - off - 2, k);
    }
    case 101:
    case 12:
    case 14: return len > 0 && ((p[0] >> 4) == 4 ? ip4(p, len, k) : ip6(p, len, k));
    case 228: return ip4(p, len, k);
    case 229: return ip6(p, len, k);
    case 113: return len >= 16 && by_ethertype(be16(p + 14), p + 16, len - 16, k);
    case 276: return len >= 20 && by_ethertype(be16(p), p + 20, len - 20, k);
    default: return false;
    }
}

static void tcp_options(const uint8_t *o, size_t n, plot_seg *s)
{
    size_t i = 0;
    while (i < n) {
        uint8_t kind = o[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
            break;
        uint8_t l = o[i + 1];
        if (kind == 2 && l == 4)
            s->mss = be16(o + i + 2);
        else if (kind == 3 && l == 3)
            s->wscale = (int8_t)(o[i + 2] > 14 ? 14 : o[i + 2]); /* RFC 7323 §2.3: at most 14 */
        else if (kind == 4 && l == 2)
            s->sack_ok = true;
        else if (kind == 5 && (l - 2) % 8 == 0) {
            for (unsigned b = 0; b < (unsigned)(l - 2) / 8 && s->n_sack < PLOT_MAX_SACK; b++, s->n_sack++) {
                s->sack[s->n_sack][0] = be32(o + i + 2 + 8 * b);
                s->sack[s->n_sack][1] = be32(o + i + 6 + 8 * b);
            }
        } else if (kind == 8 && l == 10) {
            s->has_ts = true;
            s->ts_val = be32(o + i + 2);
            s->ts_ecr = be32(o + i + 6);
        }
        i += l;
    }
}

static bool tcp_seg(const cap_pkt *k, uint64_t t_us, plot_seg *s)
{
    const uint8_t *p = k->tcp;
    if (k->tcp_len < 20)
        return false;
    size_t off = (size_t)(p[12] >> 4) * 4;
    if (off < 20 || off > k->tcp_len)
        return false;
    memset(s, 0, sizeof *s);
    s->t = t_us;
    s->seq = be32(p + 4);
    s->ack = be32(p + 8);
    s->flags = p[13] & 0x3f;
    s->win = be16(p + 14);
    s->len = (uint32_t)(k->tcp_len - off);
    s->wscale = -1;
    tcp_options(p + 20, off - 20, s);
    return true;
}

/* ---- the connection table ---- */

static bool same_dir(const cap_key *a, const cap_key *b, int swap)
{
    size_t n = a->family == 4 ? 4 : 16;
    return a->family == b->family && a->port[0] == b->port[swap] && a->port[1] == b->port[1 - swap] &&
           memcmp(a->addr[0], b->addr[swap], n) == 0 && memcmp(a->addr[1], b->addr[1 - swap], n) == 0;
}

/* The same for both directions: FNV-1a over the family and the two
 * endpoints, the smaller one first. */
static uint32_t key_hash(const cap_key *k)
{
    size_t n = k->family == 4 ? 4 : 16;
    int lo = memcmp(k->addr[0], k->addr[1], n) < 0 || (memcmp(k->addr[0], k->addr[1], n) == 0 &&
                                                        k->port[0] <= k->port[1]) ? 0 : 1;
    uint32_t h = 2166136261u ^ k->family;
    for (int e = 0; e < 2; e++) {
        int side = e == 0 ? lo : 1 - lo;
        for (size_t i = 0; i < n; i++)
            h = (h ^ k->addr[side][i]) * 16777619u;
        h = (h ^ (k->port[side] >> 8)) * 16777619u;
        h = (h ^ (k->port[side] & 0xff)) * 16777619u;
    }
    return h;
}

/* The connection of `k` and the packet's direction in it; -1 when the
 * table is full (the packet is skipped), -2 out of memory. */
static long find_conn(plot_capture *pc, const cap_key *k, int *dir)
{
    uint32_t h = key_hash(k) % CAP_HASH;
    for (;; h = (h + 1) % CAP_HASH) {
        int32_t v = pc->slot[h];
        if (v == 0)
            break;
        for (int d = 0; d < 2; d++) {
            if (same_dir(k, &pc->conn[v - 1].key, d)) {
                *dir = d;
                return v - 1;
            }
        }
    }
    if (pc->n >= CAP_MAX_CONNS)
        return -1;
    if (pc->n == pc->cap) {
        size_t nc = pc->cap == 0 ? 16 : pc->cap * 2;
        cap_conn *a = realloc(pc->conn, nc * sizeof *a);
        if (a == NULL)
            return -2;
        pc->conn = a;
        pc->cap = nc;
    }
    memset(&pc->conn[pc->n], 0, sizeof pc->conn[pc->n]);
    pc->conn[pc->n].key = *k;
    pc->slot[h] = (int32_t)pc->n + 1;
    *dir = 0;
    return (long)pc->n++;
}

static int on_frame(void *ctx, const plot_frame *fr)
{
    plot_capture *pc = ctx;
    cap_pkt k;
    memset(&k, 0, sizeof k);
    plot_seg s;
    if (!decode_link(fr, &k) || !tcp_seg(&k, fr->t_ns / 1000u, &s))
        return 0;
    k.key.port[0] = be16(k.tcp);
    k.key.port[1] = be16(k.tcp + 2);
    int dir = 0;
    long i = find_conn(pc, &k.key, &dir);
    if (i == -2)
        return -1;
    if (i < 0)
        return 0;
    cap_conn *c = &pc->conn[i];
    s.dir = (uint8_t)dir;
    s.iface = (uint8_t)(fr->iface < 255 ? fr->iface : 255);
    if (plot_add_seg(&c->segs, &s) == NULL)
        return -1;
    c->bytes[dir] += s.len;
    if (s.flags & PLOT_SYN)
        c->syn_from[dir] = true;
    return 0;
}

plot_capture *plot_capture_load(const uint8_t *buf, size_t len, char *err, size_t errcap)
{
    plot_capture *pc = calloc(1, sizeof *pc);
    if (pc == NULL) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    if (plot_cap_read(buf, len, on_frame, pc, err, errcap) != 0) {
        plot_capture_free(pc);
        return NULL;
    }
    return pc;
}

void plot_capture_free(plot_capture *pc)
{
    if (pc == NULL)
        return;
    for (size_t i = 0; i < pc->n; i++)
        plot_conn_free(&pc->conn[i].segs);
    free(pc->conn);
    free(pc);
}

size_t plot_capture_count(const plot_capture *pc)
{
    return pc->n;
}

static void endpoint_name(const cap_key *k, int side, char *buf, size_t cap)
{
    char a[INET6_ADDRSTRLEN];
    inet_ntop(k->family == 4 ? AF_INET : AF_INET6, k->addr[side], a, sizeof a);
    if (k->family == 4)
        snprintf(buf, cap, "%s:%u", a, k->port[side]);
    else
        snprintf(buf, cap, "[%s]:%u", a, k->port[side]);
}

void plot_capture_list(const plot_capture *pc, FILE *f)
{
    for (size_t i = 0; i < pc->n; i++) {
        const cap_conn *c = &pc->conn[i];
        char a[64], b[64];
        endpoint_name(&c->key, 0, a, sizeof a);
        endpoint_name(&c->key, 1, b, sizeof b);
        fprintf(f, "%3zu  %s <-> %s  packets %zu  bytes %llu / %llu\n", i + 1, a, b, c->segs.n_seg,
                (unsigned long long)c->bytes[0], (unsigned long long)c->bytes[1]);
    }
}

int plot_capture_pick(const plot_capture *pc, uint16_t port)
{
    int best = -1;
    uint64_t best_bytes = 0;
    for (size_t i = 0; i < pc->n; i++) {
        const cap_conn *c = &pc->conn[i];
        uint64_t b = c->bytes[0] + c->bytes[1];
        if (port != 0 && c->key.port[0] != port && c->key.port[1] != port)
            continue;
        if (best < 0 || b > best_bytes) {
            best = (int)i;
            best_bytes = b;
        }
    }
    return best;
}

int plot_capture_raw(const plot_capture *pc, int idx, const plot_conn **segs, char name[2][64])
{
    if (idx < 0 || (size_t)idx >= pc->n)
        return -1;
    const cap_conn *c = &pc->conn[idx];
    *segs = &c->segs;
    endpoint_name(&c->key, 0, name[0], 64);
    endpoint_name(&c->key, 1, name[1], 64);
    return 0;
}
