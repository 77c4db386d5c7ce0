/* Reading captures for `synack plot`: classic pcap (either byte order,
 * microsecond magic a1b2c3d4 or nanosecond a1b23c4d) and pcapng (the
 * pcapng draft, draft-ietf-opsawg-pcapng: Section Header, Interface
 * Description with if_tsresol/if_tsoffset, Enhanced and Simple Packet
 * blocks, the obsolete Packet block; other blocks are skipped). Every length
 * is checked against what is left of the file: a truncated file, a wrong
 * magic or a garbage block is a one-line error, never a read past the end. */
#include "tool_plot.h"

#include <string.h>

#define CAP_MAX_FRAME (1u << 18) /* 256 KiB: larger is garbage */
#define CAP_MAX_IFACES 64

typedef struct {
    const uint8_t *p;
    size_t len;
    bool swap;
} cap_buf;

static uint32_t rd32(const cap_buf *b, size_t off)
{
    const uint8_t *q = b->p + off;
    return b->swap ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]
                   : (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
}

static uint16_t rd16(const cap_buf *b, size_t off)
{
    const uint8_t *q = b->p + off;
    unsigned v = b->swap ? (unsigned)q[0] << 8 | q[1] : (unsigned)q[1] << 8 | q[0];
    return (uint16_t)v;
}

static int fail(char *err, size_t cap, const char *what, size_t off)
{
    snprintf(err, cap, "%s at byte %zu", what, off);
    return -1;
}

/* ---- classic pcap ---- */

static int read_pcap(cap_buf *b, int (*fn)(void *, const plot_frame *), void *ctx, char *err, size_t ecap)
{
    uint32_t magic = rd32(b, 0);
    bool nano = magic == 0xa1b23c4du;
    if (b->len < 24)
        return fail(err, ecap, "truncated pcap header", b->len);
    uint32_t linktype = rd32(b, 20) & 0xffffu;
    size_t off = 24;
    while (off < b->len) {
        if (b->len - off < 16)
            return fail(err, ecap, "truncated pcap record header", off);
        uint32_t sec = rd32(b, off), frac = rd32(b, off + 4), incl = rd32(b, off + 8);
        if (incl > CAP_MAX_FRAME)
            return fail(err, ecap, "garbage pcap record (captured length too large)", off);
        if (b->len - off - 16 < incl)
            return fail(err, ecap, "truncated pcap record", off);
        if (frac >= (nano ? 1000000000u : 1000000u))
            return fail(err, ecap, "garbage pcap record (fraction of a second out of range)", off);
        plot_frame fr = {(uint64_t)sec * 1000000000u + (nano ? frac : (uint64_t)frac * 1000u), linktype, 0,
                         b->p + off + 16, incl};
        if (fn(ctx, &fr) != 0)
            return fail(err, ecap, "out of memory reading the frame", off);
        off += 16 + (size_t)incl;
    }
    return 0;
}

/* ---- pcapng ---- */

typedef struct {
    uint32_t linktype;
    bool binary;  /* resolution 2^-exp, else 10^-exp */
    uint8_t exp;  /* default 6: microseconds */
    int64_t offset_s;
} cap_iface;

typedef struct {
    cap_buf b;
    cap_iface ifc[CAP_MAX_IFACES];
    unsigned n_if;
    uint64_t last_ns; /* an SPB has no time: the previous frame's */
    int (*fn)(void *, const plot_frame *);
    void *ctx;
} ng_state;

static uint64_t ts_to_ns(const cap_iface *ifc, uint64_t ts)
{
    uint64_t ns;
    if (ifc->binary) { /* a garbage resolution must not overflow the conversion */
        double v = (double)ts * 1e9 / (double)((uint64_t)1 << (ifc->exp & 63));
        ns = v < 1.8e19 ? (uint64_t)v : UINT64_MAX;
    } else if (ifc->exp <= 9) {
        uint64_t m = 1;
        for (unsigned i = ifc->exp; i < 9; i++)
            m *= 10;
        ns = ts * m;
    } else {
        uint64_t dv = 1;
        for (unsigned i = 9; i < ifc->exp && i < 28; i++)
            dv *= 10;
        ns = ts / dv;
    }
    return ns + (uint64_t)ifc->offset_s * 1000000000u; /* modulo 2^64, never signed overflow */
}

/* The IDB's options: if_tsresol (9) and if_tsoffset (14). */
static int idb_options(ng_state *s, size_t off, size_t end, cap_iface *ifc)
{
    while (end - off >= 4) {
        uint16_t code = rd16(&s->b, off), olen = rd16(&s->b, off + 2);
        size_t padded = ((size_t)olen + 3u) & ~(size_t)3u;
        if (code == 0)
            return 0;
        if (end - off - 4 < padded)
            return -1;
        if (code == 9 && olen >= 1) {
            uint8_t v = s->b.p[off + 4];
            ifc->binary = (v & 0x80) != 0;
            ifc->exp = v & 0x7f;
            if (!ifc->binary && ifc->exp > 19)
                return -1;
        } else if (code == 14 && olen == 8) {
            ifc->offset_s = (int64_t)((uint64_t)rd32(&s->b, off + 8) << 32 | rd32(&s->b, off + 4));
            if (s->b.swap)
                ifc->offset_s = (int64_t)((uint64_t)rd32(&s->b, off + 4) << 32 | rd32(&s->b, off + 8));
        }
        off += 4 + padded;
    }
    return 0;
}

static int ng_frame(ng_state *s, uint32_t ifid, uint64_t ns, size_t data_off, size_t caplen)
{
    plot_frame fr = {ns, s->ifc[ifid].linktype, ifid, s->b.p + data_off, caplen};
    s->last_ns = ns;
    return s->fn(s->ctx, &fr);
}

/* One block (type and length checked by the caller); -1 with *why set. */
static int ng_block(ng_state *s, uint32_t type, size_t off, size_t blen, const char **why)
{
    size_t body = off + 8, end = off + blen - 4;
    if (type == 1) { /* Interface Description Block */
        if (end - body < 8 || s->n_if >= CAP_MAX_IFACES)
            return *why = "garbage pcapng interface block", -1;
        cap_iface ifc = {rd16(&s->b, body), false, 6, 0};
        if (idb_options(s, body + 8, end, &ifc) != 0)
            return *why = "garbage pcapng interface options", -1;
        s->ifc[s->n_if++] = ifc;
        return 0;
    }
    if (type == 6 || type == 2) { /* Enhanced Packet Block, obsolete Packet Block */
        if (end - body < 20)
            return *why = "garbage pcapng packet block", -1;
        uint32_t ifid = type == 6 ? rd32(&s->b, body) : rd16(&s->b, body);
        uint64_t ts = (uint64_t)rd32(&s->b, body + 4) << 32 | rd32(&s->b, body + 8);
        uint32_t caplen = rd32(&s->b, body + 12);
        if (ifid >= s->n_if)
            return *why = "pcapng packet on an undeclared interface", -1;
        if (caplen > CAP_MAX_FRAME || caplen > end - body - 20)
            return *why = "garbage pcapng packet block (captured length)", -1;
        if (ng_frame(s, ifid, ts_to_ns(&s->ifc[ifid], ts), body + 20, caplen) != 0)
            return *why = "out of memory reading the frame", -1;
        return 0;
    }
    if (type == 3) { /* Simple Packet Block: interface 0, no time */
        if (end - body < 4 || s->n_if == 0)
            return *why = "garbage pcapng simple packet block", -1;
        size_t caplen = rd32(&s->b, body);
        if (caplen > end - body - 4)
            caplen = end - body - 4;
        if (ng_frame(s, 0, s->last_ns, body + 4, caplen) != 0)
            return *why = "out of memory reading the frame", -1;
    }
    return 0;
}

static int read_pcapng(cap_buf *b, int (*fn)(void *, const plot_frame *), void *ctx, char *err, size_t ecap)
{
    ng_state s;
    memset(&s, 0, sizeof s);
    s.b = *b;
    s.fn = fn;
    s.ctx = ctx;
    size_t off = 0;
    while (off < b->len) {
        if (b->len - off < 12)
            return fail(err, ecap, "truncated pcapng block", off);
        uint32_t raw_type = (uint32_t)b->p[off] | (uint32_t)b->p[off + 1] << 8 | (uint32_t)b->p[off + 2] << 16 |
                            (uint32_t)b->p[off + 3] << 24;
        if (raw_type == 0x0a0d0d0au) { /* a new section: its own byte order, its own interfaces */
            const uint8_t *m = b->p + off + 8;
            if (m[0] == 0x1a && m[1] == 0x2b && m[2] == 0x3c && m[3] == 0x4d)
                s.b.swap = true;
            else if (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0x2b && m[3] == 0x1a)
                s.b.swap = false;
            else
                return fail(err, ecap, "garbage pcapng section header (byte-order magic)", off);
            s.n_if = 0;
        } else if (off == 0) {
            return fail(err, ecap, "not a capture (wrong magic)", 0);
        }
        uint32_t type = rd32(&s.b, off), blen = rd32(&s.b, off + 4);
        if (blen < 12 || blen % 4 != 0)
            return fail(err, ecap, "garbage pcapng block length", off);
        if (blen > b->len - off)
            return fail(err, ecap, "truncated pcapng block", off);
        if (rd32(&s.b, off + blen - 4) != blen)
            return fail(err, ecap, "garbage pcapng block (trailing length differs)", off);
        const char *why = NULL;
        if (ng_block(&s, type, off, blen, &why) != 0)
            return fail(err, ecap, why, off);
        off += blen;
    }
    return 0;
}

int plot_cap_read(const uint8_t *buf, size_t len, int (*fn)(void *ctx, const plot_frame *fr), void *ctx,
                  char *err, size_t errcap)
{
    if (len < 4)
        return fail(err, errcap, "not a capture (file too short)", len);
    cap_buf b = {buf, len, false};
    uint32_t le = rd32(&b, 0);
    if (le == 0x0a0d0d0au)
        return read_pcapng(&b, fn, ctx, err, errcap);
    if (le == 0xa1b2c3d4u || le == 0xa1b23c4du)
        return read_pcap(&b, fn, ctx, err, errcap);
    b.swap = true;
    uint32_t be = rd32(&b, 0);
    if (be == 0xa1b2c3d4u || be == 0xa1b23c4du)
        return read_pcap(&b, fn, ctx, err, errcap);
    return fail(err, errcap, "not a capture (wrong magic: neither pcap nor pcapng)", 0);
}
