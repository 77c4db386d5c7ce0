/* wire/tcp_hdr: parse, emit, options and checksum of TCP segments.
 *
 * Golden segments: real Linux traffic, in tests/support/golden_tcp.h with
 * the recipe that captured them. */
#include "base/bytes.h"
#include "golden_tcp.h"
#include "sk_test.h"
#include "synack/stats.h"
#include "wire/tcp_hdr.h"

static const sk_ip4 k_client = {{10, 99, 0, 1}};
static const sk_ip4 k_server = {{10, 99, 0, 2}};

typedef struct {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    sk_ip4 src, dst;
} golden;

#define G(name, arr, s, d) {name, arr, sizeof arr, {{s}}, {{d}}}
#define CLI 10, 99, 0, 1
#define SRV 10, 99, 0, 2
static const golden k_goldens[] = {
    G("syn", k_syn, CLI, SRV),         G("synack", k_synack, SRV, CLI),
    G("psh", k_psh, CLI, SRV),         G("fin", k_fin, CLI, SRV),
    G("sack3ts", k_sack3ts, SRV, CLI), G("sack4", k_sack4, SRV, CLI),
    G("syn_nots", k_syn_nots, CLI, SRV),
};
#define N_GOLDEN (sizeof k_goldens / sizeof k_goldens[0])

/* ---- golden parses, field by field ------------------------------------- */

static void test_parse_syn(void)
{
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(k_syn, sizeof k_syn, &r), 0);
    SK_CHECK_EQ(r.src_port, 43196);
    SK_CHECK_EQ(r.dst_port, 5000);
    SK_CHECK_EQ(r.seq.v, 1066163377u);
    SK_CHECK_EQ(r.ack.v, 0);
    SK_CHECK_EQ(r.hdr_len, 40);
    SK_CHECK_EQ(r.flags, SK_TCP_SYN);
    SK_CHECK_EQ(r.window, 65495);
    SK_CHECK_EQ(r.checksum, 0x652a);
    SK_CHECK_EQ(r.urgent, 0);
    SK_CHECK(r.opts.has_mss);
    SK_CHECK_EQ(r.opts.mss, 65495);
    SK_CHECK(r.opts.sack_permitted);
    SK_CHECK(r.opts.has_ts);
    SK_CHECK_EQ(r.opts.ts_val, 617830073u);
    SK_CHECK_EQ(r.opts.ts_ecr, 0);
    SK_CHECK(r.opts.has_wscale);
    SK_CHECK_EQ(r.opts.wscale, 10);
    SK_CHECK_EQ(r.opts.n_sack, 0);
    SK_CHECK(!r.opts.malformed);
    SK_CHECK(r.payload == k_syn + 40);
    SK_CHECK_EQ(r.payload_len, 0);
    SK_CHECK(sk_tcp_checksum_ok4(k_client, k_server, k_syn, sizeof k_syn));
}

static void test_parse_synack(void)
{
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(k_synack, sizeof k_synack, &r), 0);
    SK_CHECK_EQ(r.src_port, 5000);
    SK_CHECK_EQ(r.dst_port, 43196);
    SK_CHECK_EQ(r.seq.v, 3468595895u);
    SK_CHECK_EQ(r.ack.v, 1066163378u);
    SK_CHECK_EQ(r.hdr_len, 40);
    SK_CHECK_EQ(r.flags, SK_TCP_SYN | SK_TCP_ACK);
    SK_CHECK_EQ(r.window, 65483);
    SK_CHECK_EQ(r.checksum, 0xb3a4);
    SK_CHECK_EQ(r.urgent, 0);
    SK_CHECK(r.opts.has_mss && r.opts.mss == 65495);
    SK_CHECK(r.opts.sack_permitted);
    SK_CHECK(r.opts.has_ts);
    SK_CHECK_EQ(r.opts.ts_val, 2361115470u);
    SK_CHECK_EQ(r.opts.ts_ecr, 617830073u);
    SK_CHECK(r.opts.has_wscale && r.opts.wscale == 10);
    SK_CHECK_EQ(r.opts.n_sack, 0);
    SK_CHECK(!r.opts.malformed);
    SK_CHECK_EQ(r.payload_len, 0);
    SK_CHECK(sk_tcp_checksum_ok4(k_server, k_client, k_synack, sizeof k_synack));
}

static void test_parse_psh_data(void)
{
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(k_psh, sizeof k_psh, &r), 0);
    SK_CHECK_EQ(r.src_port, 43196);
    SK_CHECK_EQ(r.dst_port, 5000);
    SK_CHECK_EQ(r.seq.v, 1066163378u);
    SK_CHECK_EQ(r.ack.v, 3468595896u);
    SK_CHECK_EQ(r.hdr_len, 32);
    SK_CHECK_EQ(r.flags, SK_TCP_PSH | SK_TCP_ACK);
    SK_CHECK_EQ(r.window, 64);
    SK_CHECK_EQ(r.checksum, 0x9839);
    SK_CHECK(!r.opts.has_mss && !r.opts.has_wscale && !r.opts.sack_permitted);
    SK_CHECK(r.opts.has_ts && r.opts.ts_val == 617830073u && r.opts.ts_ecr == 2361115470u);
    SK_CHECK(!r.opts.malformed);
    SK_CHECK_EQ(r.payload_len, 6);
    SK_CHECK(r.payload == k_psh + 32);
    SK_CHECK_MEM(r.payload, "hello\n", 6);
    SK_CHECK_EQ(sk_tcp_seg_len(&r), 6);
    SK_CHECK(sk_tcp_checksum_ok4(k_client, k_server, k_psh, sizeof k_psh));
}

static void test_parse_fin(void)
{
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(k_fin, sizeof k_fin, &r), 0);
    SK_CHECK_EQ(r.seq.v, 1066163384u);
    SK_CHECK_EQ(r.ack.v, 3468595896u);
    SK_CHECK_EQ(r.hdr_len, 32);
    SK_CHECK_EQ(r.flags, SK_TCP_FIN | SK_TCP_ACK);
    SK_CHECK_EQ(r.window, 64);
    SK_CHECK_EQ(r.checksum, 0xdc1c);
    SK_CHECK(r.opts.has_ts && r.opts.ts_val == 617830073u && r.opts.ts_ecr == 2361115470u);
    SK_CHECK_EQ(r.payload_len, 0);
    SK_CHECK_EQ(sk_tcp_seg_len(&r), 1);
    SK_CHECK(sk_tcp_checksum_ok4(k_client, k_server, k_fin, sizeof k_fin));
}

static void test_parse_sack_with_ts(void)
{
    static const uint32_t left[] = {997481614u, 997478718u, 997474374u};
    static const uint32_t right[] = {997483062u, 997480166u, 997477270u};
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(k_sack3ts, sizeof k_sack3ts, &r), 0);
    SK_CHECK_EQ(r.src_port, 5000);
    SK_CHECK_EQ(r.dst_port, 45794);
    SK_CHECK_EQ(r.seq.v, 2610129436u);
    SK_CHECK_EQ(r.ack.v, 997473918u);
    SK_CHECK_EQ(r.hdr_len, 60);
    SK_CHECK_EQ(r.flags, SK_TCP_ACK);
    SK_CHECK_EQ(r.window, 2067);
    SK_CHECK(r.opts.has_ts);
    SK_CHECK_EQ(r.opts.ts_val, 2424712737u);
    SK_CHECK_EQ(r.opts.ts_ecr, 3337048632u);
    SK_CHECK_EQ(r.opts.n_sack, 3);
    for (size_t i = 0; i < 3; i++) {
        SK_CHECK_EQ(r.opts.sack[i].left.v, left[i]);
        SK_CHECK_EQ(r.opts.sack[i].right.v, right[i]);
    }
    SK_CHECK(!r.opts.malformed);
    SK_CHECK(sk_tcp_checksum_ok4(k_server, k_client, k_sack3ts, sizeof k_sack3ts));
}

static void test_parse_sack_four_blocks(void)
{
    static const uint32_t left[] = {1876402340u, 1876392120u, 1876387740u, 1876380440u};
    static const uint32_t right[] = {1876403800u, 1876400880u, 1876390660u, 1876386280u};
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(k_sack4, sizeof k_sack4, &r), 0);
    SK_CHECK_EQ(r.seq.v, 372728348u);
    SK_CHECK_EQ(r.ack.v, 1876378980u);
    SK_CHECK_EQ(r.hdr_len, 56);
    SK_CHECK_EQ(r.window, 1713);
    SK_CHECK(!r.opts.has_ts);
    SK_CHECK_EQ(r.opts.n_sack, 4);
    for (size_t i = 0; i < 4; i++) {
        SK_CHECK_EQ(r.opts.sack[i].left.v, left[i]);
        SK_CHECK_EQ(r.opts.sack[i].right.v, right[i]);
    }
    SK_CHECK(!r.opts.malformed);
    SK_CHECK(sk_tcp_checksum_ok4(k_server, k_client, k_sack4, sizeof k_sack4));
}

static void test_parse_syn_without_ts(void)
{
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(k_syn_nots, sizeof k_syn_nots, &r), 0);
    SK_CHECK_EQ(r.seq.v, 1875527011u);
    SK_CHECK_EQ(r.hdr_len, 32);
    SK_CHECK_EQ(r.flags, SK_TCP_SYN);
    SK_CHECK_EQ(r.window, 64240);
    SK_CHECK(r.opts.has_mss && r.opts.mss == 1460);
    SK_CHECK(r.opts.sack_permitted);
    SK_CHECK(!r.opts.has_ts);
    SK_CHECK(r.opts.has_wscale && r.opts.wscale == 10);
    SK_CHECK(!r.opts.malformed);
    SK_CHECK(sk_tcp_checksum_ok4(k_client, k_server, k_syn_nots, sizeof k_syn_nots));
}

/* ---- re-emit ------------------------------------------------------------ */

/* Parse, emit into a fresh buffer (payload copied from the golden array),
 * fill the checksum: the bytes must be the captured ones. */
static void test_reemit_goldens_identical(void)
{
    for (size_t g = 0; g < N_GOLDEN; g++) {
        const golden *k = &k_goldens[g];
        sk_tcp_repr r;
        uint8_t buf[128];
        memset(buf, 0xee, sizeof buf);
        SK_CHECK_EQ_I(sk_tcp_parse(k->bytes, k->len, &r), 0);
        SK_CHECK_EQ(sk_tcp_hdr_len(&r), r.hdr_len);
        size_t n = sk_tcp_emit(&r, buf, sizeof buf);
        SK_CHECK_MSG(n == k->len, "%s: emit wrote %zu, want %zu", k->name, n, k->len);
        SK_CHECK_EQ(sk_load_be16(buf + 16), 0); /* emit leaves checksum zero */
        sk_tcp_fill_checksum4(k->src, k->dst, buf, n);
        SK_CHECK_MSG(memcmp(buf, k->bytes, k->len) == 0, "%s differs", k->name);
        SK_CHECK_EQ(buf[k->len], 0xee); /* nothing written past the segment */
    }
}

/* Build the SYN from values alone (no parse) and get the captured bytes. */
static void test_emit_syn_from_scratch(void)
{
    sk_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.src_port = 43196;
    r.dst_port = 5000;
    r.seq = sk_seq_make(1066163377u);
    r.flags = SK_TCP_SYN;
    r.window = 65495;
    r.opts.has_mss = true;
    r.opts.mss = 65495;
    r.opts.sack_permitted = true;
    r.opts.has_ts = true;
    r.opts.ts_val = 617830073u;
    r.opts.has_wscale = true;
    r.opts.wscale = 10;
    SK_CHECK_EQ(sk_tcp_opts_len(&r.opts), 20);
    SK_CHECK_EQ(sk_tcp_hdr_len(&r), 40);
    uint8_t buf[64];
    SK_CHECK_EQ(sk_tcp_emit(&r, buf, sizeof buf), 40);
    sk_tcp_fill_checksum4(k_client, k_server, buf, 40);
    SK_CHECK_MEM(buf, k_syn, sizeof k_syn);
}

static void test_emit_sack_ts_from_scratch_fills_40_bytes(void)
{
    sk_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.src_port = 5000;
    r.dst_port = 45794;
    r.seq = sk_seq_make(2610129436u);
    r.ack = sk_seq_make(997473918u);
    r.flags = SK_TCP_ACK;
    r.window = 2067;
    r.opts.has_ts = true;
    r.opts.ts_val = 2424712737u;
    r.opts.ts_ecr = 3337048632u;
    r.opts.n_sack = 3;
    r.opts.sack[0] = (sk_sack_block){sk_seq_make(997481614u), sk_seq_make(997483062u)};
    r.opts.sack[1] = (sk_sack_block){sk_seq_make(997478718u), sk_seq_make(997480166u)};
    r.opts.sack[2] = (sk_sack_block){sk_seq_make(997474374u), sk_seq_make(997477270u)};
    SK_CHECK_EQ(sk_tcp_opts_len(&r.opts), 40);
    uint8_t buf[64];
    SK_CHECK_EQ(sk_tcp_emit(&r, buf, sizeof buf), 60);
    sk_tcp_fill_checksum4(k_server, k_client, buf, 60);
    SK_CHECK_MEM(buf, k_sack3ts, sizeof k_sack3ts);
}

/* ---- emit option layout (Linux's) --------------------------------------- */

static size_t emit_opts_only(const sk_tcp_opts *o, uint8_t *buf, size_t cap)
{
    sk_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.opts = *o;
    return sk_tcp_emit(&r, buf, cap);
}

static void test_emit_layout_each_option_alone(void)
{
    uint8_t buf[64];
    sk_tcp_opts o;

    memset(&o, 0, sizeof o);
    SK_CHECK_EQ(sk_tcp_opts_len(&o), 0);
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 20);
    SK_CHECK_EQ(buf[12], 0x50);

    memset(&o, 0, sizeof o);
    o.has_ts = true;
    o.ts_val = 0x01020304u;
    o.ts_ecr = 0x05060708u;
    static const uint8_t ts[] = {1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8};
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 32);
    SK_CHECK_EQ(buf[12], 0x80);
    SK_CHECK_MEM(buf + 20, ts, sizeof ts);

    memset(&o, 0, sizeof o);
    o.sack_permitted = true;
    static const uint8_t sp[] = {1, 1, 4, 2};
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 24);
    SK_CHECK_MEM(buf + 20, sp, sizeof sp);

    memset(&o, 0, sizeof o);
    o.has_wscale = true;
    o.wscale = 14;
    static const uint8_t ws[] = {1, 3, 3, 14};
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 24);
    SK_CHECK_MEM(buf + 20, ws, sizeof ws);

    memset(&o, 0, sizeof o);
    o.has_mss = true;
    o.mss = 1460;
    static const uint8_t mss[] = {2, 4, 0x05, 0xb4};
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 24);
    SK_CHECK_MEM(buf + 20, mss, sizeof mss);

    memset(&o, 0, sizeof o);
    o.n_sack = 1;
    o.sack[0] = (sk_sack_block){sk_seq_make(0x11223344u), sk_seq_make(0x55667788u)};
    static const uint8_t sk[] = {1, 1, 5, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 32);
    SK_CHECK_MEM(buf + 20, sk, sizeof sk);
}

/* Every option at once: MSS, SACK-perm+TS, NOP+wscale, NOP NOP+1 SACK = 40. */
static void test_emit_layout_all_options(void)
{
    sk_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.has_mss = true;
    o.mss = 536;
    o.sack_permitted = true;
    o.has_ts = true;
    o.ts_val = 7;
    o.ts_ecr = 9;
    o.has_wscale = true;
    o.wscale = 0;
    o.n_sack = 1;
    o.sack[0] = (sk_sack_block){sk_seq_make(100), sk_seq_make(200)};
    static const uint8_t want[] = {2, 4, 2, 24, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
                                   1, 3, 3, 0, 1, 1, 5, 10, 0, 0, 0, 100, 0, 0, 0, 200};
    uint8_t buf[64];
    SK_CHECK_EQ(sk_tcp_opts_len(&o), sizeof want);
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 20 + sizeof want);
    SK_CHECK_MEM(buf + 20, want, sizeof want);
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(buf, 20 + sizeof want, &r), 0);
    SK_CHECK(r.opts.has_mss && r.opts.mss == 536 && r.opts.sack_permitted);
    SK_CHECK(r.opts.has_ts && r.opts.ts_val == 7 && r.opts.ts_ecr == 9);
    SK_CHECK(r.opts.has_wscale && r.opts.wscale == 0);
    SK_CHECK(r.opts.n_sack == 1 && r.opts.sack[0].left.v == 100 && r.opts.sack[0].right.v == 200);
}

/* Timestamps + 4 SACK blocks need 48 bytes: emit refuses, the caller must
 * send at most 3 blocks with timestamps (RFC 2018 §3). */
static void test_emit_refuses_options_over_40_bytes(void)
{
    sk_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.has_ts = true;
    o.n_sack = 4;
    SK_CHECK_EQ(sk_tcp_opts_len(&o), 48);
    uint8_t buf[128];
    memset(buf, 0xee, sizeof buf);
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 0);
    SK_CHECK_EQ(buf[0], 0xee);
    o.n_sack = 3;
    SK_CHECK_EQ(sk_tcp_opts_len(&o), 40);
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 60);
    o.has_ts = false;
    o.n_sack = 4;
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 56);
    o.n_sack = SK_TCP_MAX_SACK + 1; /* more blocks than the struct holds */
    SK_CHECK_EQ(emit_opts_only(&o, buf, sizeof buf), 0);
}

static void test_emit_too_small_buffer(void)
{
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(k_psh, sizeof k_psh, &r), 0);
    uint8_t buf[64];
    for (size_t cap = 0; cap < sizeof k_psh; cap++) {
        memset(buf, 0xee, sizeof buf);
        SK_CHECK_MSG(sk_tcp_emit(&r, buf, cap) == 0, "cap %zu accepted", cap);
        SK_CHECK_MSG(buf[0] == 0xee, "cap %zu: buffer written", cap);
    }
    SK_CHECK_EQ(sk_tcp_emit(&r, buf, sizeof k_psh), sizeof k_psh);
}

static void test_emit_payload_null_with_length_refused(void)
{
    sk_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.payload_len = 5;
    uint8_t buf[64];
    SK_CHECK_EQ(sk_tcp_emit(&r, buf, sizeof buf), 0);
    r.payload_len = 0;
    SK_CHECK_EQ(sk_tcp_emit(&r, buf, sizeof buf), 20);
}

/* Payload already in place (zero-copy build) and payload overlapping the
 * destination (memmove) both give the captured segment. */
static void test_emit_payload_in_place_and_overlapping(void)
{
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(k_psh, sizeof k_psh, &r), 0);
    uint8_t buf[64];
    memset(buf, 0, sizeof buf);
    memcpy(buf + 32, "hello\n", 6);
    r.payload = buf + 32;
    SK_CHECK_EQ(sk_tcp_emit(&r, buf, sizeof buf), sizeof k_psh);
    sk_tcp_fill_checksum4(k_client, k_server, buf, sizeof k_psh);
    SK_CHECK_MEM(buf, k_psh, sizeof k_psh);

    memset(buf, 0, sizeof buf);
    memcpy(buf + 34, "hello\n", 6);
    r.payload = buf + 34;
    SK_CHECK_EQ(sk_tcp_emit(&r, buf, sizeof buf), sizeof k_psh);
    sk_tcp_fill_checksum4(k_client, k_server, buf, sizeof k_psh);
    SK_CHECK_MEM(buf, k_psh, sizeof k_psh);
}

/* ---- rejections (one per rule) ----------------------------------------- */

static void test_reject_truncated_every_length(void)
{
    sk_tcp_repr r;
    for (size_t len = 0; len < SK_TCP_HDR_LEN; len++)
        SK_CHECK_MSG(sk_tcp_parse(k_fin, len, &r) == SK_DROP_TCP_TRUNCATED, "len %zu", len);
}

static void test_reject_data_offset_below_5(void)
{
    uint8_t seg[32];
    memcpy(seg, k_fin, sizeof seg);
    sk_tcp_repr r;
    for (uint8_t doff = 0; doff < 5; doff++) {
        seg[12] = (uint8_t)(doff << 4);
        SK_CHECK_MSG(sk_tcp_parse(seg, sizeof seg, &r) == SK_DROP_TCP_DATA_OFFSET, "doff %u",
                     doff);
    }
    seg[12] = 0x50;
    SK_CHECK_EQ_I(sk_tcp_parse(seg, sizeof seg, &r), 0);
}

static void test_reject_data_offset_past_len(void)
{
    sk_tcp_repr r;
    /* k_fin says 32 header bytes: fine at 32, refused at 21..31. */
    SK_CHECK_EQ_I(sk_tcp_parse(k_fin, 32, &r), 0);
    for (size_t len = 20; len < 32; len++)
        SK_CHECK_MSG(sk_tcp_parse(k_fin, len, &r) == SK_DROP_TCP_DATA_OFFSET, "len %zu", len);
    uint8_t seg[40];
    memcpy(seg, k_syn, sizeof seg);
    seg[12] = 0xf0; /* 60 bytes claimed, 40 present */
    SK_CHECK_EQ_I(sk_tcp_parse(seg, sizeof seg, &r), SK_DROP_TCP_DATA_OFFSET);
}

static void test_reject_syn_rst(void)
{
    uint8_t seg[40];
    memcpy(seg, k_syn, sizeof seg);
    seg[13] = SK_TCP_SYN | SK_TCP_RST;
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(seg, sizeof seg, &r), SK_DROP_TCP_SYN_RST);
    seg[13] = SK_TCP_SYN | SK_TCP_RST | SK_TCP_ACK | SK_TCP_FIN;
    SK_CHECK_EQ_I(sk_tcp_parse(seg, sizeof seg, &r), SK_DROP_TCP_SYN_RST);
    seg[13] = SK_TCP_RST | SK_TCP_ACK; /* a plain RST is fine */
    SK_CHECK_EQ_I(sk_tcp_parse(seg, sizeof seg, &r), 0);
}

/* SYN+FIN is parsed: a SYN,ACK may carry a FIN (RFC 9293 §3.10.7.3) and a
 * connection challenges any SYN (RFC 5961 §4.2); LISTEN and closed ports
 * drop it (test_tcp_conform.c). */
static void test_syn_fin_parsed(void)
{
    uint8_t seg[40];
    memcpy(seg, k_syn, sizeof seg);
    seg[13] = SK_TCP_SYN | SK_TCP_FIN;
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(seg, sizeof seg, &r), 0);
    SK_CHECK_EQ(r.flags, SK_TCP_SYN | SK_TCP_FIN);
    SK_CHECK(r.opts.has_mss);
    seg[13] = SK_TCP_SYN | SK_TCP_FIN | SK_TCP_ACK | SK_TCP_PSH;
    SK_CHECK_EQ_I(sk_tcp_parse(seg, sizeof seg, &r), 0);
    SK_CHECK_EQ(r.flags, SK_TCP_SYN | SK_TCP_FIN | SK_TCP_ACK | SK_TCP_PSH);
}

static void test_reserved_bits_ignored(void)
{
    uint8_t seg[32];
    memcpy(seg, k_fin, sizeof seg);
    seg[12] = 0x8f; /* data offset 8, the four reserved bits set */
    sk_tcp_repr r;
    SK_CHECK_EQ_I(sk_tcp_parse(seg, sizeof seg, &r), 0);
    SK_CHECK_EQ(r.hdr_len, 32);
    SK_CHECK_EQ(r.flags, SK_TCP_FIN | SK_TCP_ACK);
}

/* ---- malformed options (RFC 9293 §3.1 MUST-7, Linux's policy) ---------- */

/* A bare header (ports 1 -> 2, ACK) followed by the given option bytes,
 * which must be a multiple of 4 long. */
static sk_tcp_repr parse_with_opts(const uint8_t *opts, size_t n)
{
    uint8_t seg[SK_TCP_MAX_HDR_LEN];
    memset(seg, 0, sizeof seg);
    seg[1] = 1;
    seg[3] = 2;
    seg[12] = (uint8_t)(((20 + n) / 4) << 4);
    seg[13] = SK_TCP_ACK;
    memcpy(seg + 20, opts, n);
    sk_tcp_repr r;
    int rc = sk_tcp_parse(seg, 20 + n, &r);
    SK_CHECK_EQ_I(rc, 0);
    SK_CHECK_EQ(r.hdr_len, 20 + n);
    r.payload = NULL; /* points into this frame */
    return r;
}

static void test_opt_length_zero_stops(void)
{
    static const uint8_t o[] = {2, 4, 0x05, 0xb4, 0x99, 0, 1, 1, 4, 2, 0, 0};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(r.opts.has_mss && r.opts.mss == 1460); /* read before the bad one */
    SK_CHECK(!r.opts.sack_permitted);                /* after it: not read */
    SK_CHECK(r.opts.malformed);
}

static void test_opt_length_one_stops(void)
{
    static const uint8_t o[] = {2, 4, 0x05, 0xb4, 5, 1, 4, 2};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(r.opts.has_mss);
    SK_CHECK(!r.opts.sack_permitted);
    SK_CHECK_EQ(r.opts.n_sack, 0);
    SK_CHECK(r.opts.malformed);
}

static void test_opt_length_past_header_stops(void)
{
    static const uint8_t o[] = {2, 4, 0x05, 0xb4, 8, 10, 0, 0};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(r.opts.has_mss);
    SK_CHECK(!r.opts.has_ts);
    SK_CHECK(r.opts.malformed);
}

static void test_opt_kind_without_length_byte_stops(void)
{
    static const uint8_t o[] = {1, 1, 1, 3};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(!r.opts.has_wscale);
    SK_CHECK(r.opts.malformed);
}

static void test_opt_mss_len_3_ignored_and_parsing_goes_on(void)
{
    /* MSS claims 3 bytes; the next option starts right after them. */
    static const uint8_t o[] = {2, 3, 0x05, 4, 2, 0, 0, 0};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(!r.opts.has_mss);
    SK_CHECK(r.opts.sack_permitted);
    SK_CHECK(r.opts.malformed);
}

static void test_opt_wscale_len_4_ignored(void)
{
    static const uint8_t o[] = {3, 4, 7, 0, 4, 2, 1, 1};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(!r.opts.has_wscale);
    SK_CHECK(r.opts.sack_permitted);
    SK_CHECK(r.opts.malformed);
}

static void test_opt_ts_len_9_ignored(void)
{
    static const uint8_t o[] = {8, 9, 0, 0, 0, 1, 0, 0, 0, 4, 2, 0};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(!r.opts.has_ts);
    SK_CHECK(r.opts.sack_permitted);
    SK_CHECK(r.opts.malformed);
}

static void test_opt_sack_perm_len_3_ignored(void)
{
    static const uint8_t o[] = {4, 3, 0, 2, 4, 0x05, 0xb4, 0};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(!r.opts.sack_permitted);
    SK_CHECK(r.opts.has_mss && r.opts.mss == 1460);
    SK_CHECK(r.opts.malformed);
}

static void test_opt_sack_len_11_ignored(void)
{
    static const uint8_t o[] = {1, 1, 5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 9,
                                2, 4, 0x05, 0xb4, 0, 0, 0};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK_EQ(r.opts.n_sack, 0);
    SK_CHECK(r.opts.has_mss && r.opts.mss == 1460);
    SK_CHECK(r.opts.malformed);
}

static void test_opt_sack_without_blocks_ignored(void)
{
    static const uint8_t o[] = {1, 1, 5, 2};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK_EQ(r.opts.n_sack, 0);
    SK_CHECK(r.opts.malformed);
}

static void test_opt_unknown_kind_skipped(void)
{
    static const uint8_t o[] = {0x99, 6, 0xde, 0xad, 0xbe, 0xef, 2, 4, 0x05, 0xb4, 1, 1};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(r.opts.has_mss && r.opts.mss == 1460);
    SK_CHECK(!r.opts.malformed);
}

static void test_opt_eol_ends_list(void)
{
    static const uint8_t o[] = {0, 2, 4, 0x05, 0xb4, 0, 0, 0};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(!r.opts.has_mss);
    SK_CHECK(!r.opts.malformed);
}

/* Bytes after EOL are padding, whatever they hold: not parsed, not counted
 * as malformed even when they would be (kind 5 length 1). */
static void test_opt_after_eol_ignored(void)
{
    static const uint8_t o[] = {2, 4, 0x05, 0xb4, 0, 3, 3, 7, 5, 1, 0, 0};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(r.opts.has_mss && r.opts.mss == 1460);
    SK_CHECK(!r.opts.has_wscale);
    SK_CHECK(!r.opts.malformed);
}

/* The parser reports what was sent; RFC 7323 §2.3's clamp to 14 is the TCP
 * layer's job. */
static void test_opt_wscale_above_14_kept_as_sent(void)
{
    static const uint8_t o[] = {1, 3, 3, 15};
    sk_tcp_repr r = parse_with_opts(o, sizeof o);
    SK_CHECK(r.opts.has_wscale);
    SK_CHECK_EQ(r.opts.wscale, 15);
    SK_CHECK(!r.opts.malformed);
}

/* ---- checksum and sequence length --------------------------------------- */

static void test_checksum_detects_any_bit_flip(void)
{
    uint8_t seg[sizeof k_psh];
    for (size_t i = 0; i < sizeof seg; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(seg, k_psh, sizeof seg);
            seg[i] ^= (uint8_t)(1u << bit);
            SK_CHECK_MSG(!sk_tcp_checksum_ok4(k_client, k_server, seg, sizeof seg),
                         "flip byte %zu bit %d not detected", i, bit);
        }
    }
    sk_ip4 other = sk_ip4_make(10, 99, 0, 3);
    SK_CHECK(!sk_tcp_checksum_ok4(other, k_server, k_psh, sizeof k_psh));
    SK_CHECK(!sk_tcp_checksum_ok4(k_client, k_server, k_psh, sizeof k_psh - 1));
}

static void test_checksum_fill_and_short_segments(void)
{
    uint8_t seg[sizeof k_psh];
    memcpy(seg, k_psh, sizeof seg);
    seg[16] = 0x12;
    seg[17] = 0x34;
    SK_CHECK(!sk_tcp_checksum_ok4(k_client, k_server, seg, sizeof seg));
    sk_tcp_fill_checksum4(k_client, k_server, seg, sizeof seg);
    SK_CHECK_EQ(sk_load_be16(seg + 16), 0x9839);
    SK_CHECK(sk_tcp_checksum_ok4(k_client, k_server, seg, sizeof seg));
    /* Shorter than a header: nothing to check, nothing written. */
    uint8_t tiny[19];
    memset(tiny, 0xee, sizeof tiny);
    sk_tcp_fill_checksum4(k_client, k_server, tiny, sizeof tiny);
    SK_CHECK_EQ(tiny[16], 0xee);
    SK_CHECK(!sk_tcp_checksum_ok4(k_client, k_server, tiny, sizeof tiny));
}

static void test_seg_len(void)
{
    sk_tcp_repr r;
    memset(&r, 0, sizeof r);
    SK_CHECK_EQ(sk_tcp_seg_len(&r), 0);
    r.flags = SK_TCP_ACK;
    SK_CHECK_EQ(sk_tcp_seg_len(&r), 0);
    r.flags = SK_TCP_SYN;
    SK_CHECK_EQ(sk_tcp_seg_len(&r), 1);
    r.flags = SK_TCP_SYN | SK_TCP_FIN; /* never parsed, but emit can build it */
    r.payload_len = 10;
    SK_CHECK_EQ(sk_tcp_seg_len(&r), 12);
    r.flags = SK_TCP_FIN | SK_TCP_ACK | SK_TCP_PSH;
    r.payload_len = 6;
    SK_CHECK_EQ(sk_tcp_seg_len(&r), 7);
    SK_CHECK_EQ_I(sk_tcp_parse(k_syn, sizeof k_syn, &r), 0);
    SK_CHECK_EQ(sk_tcp_seg_len(&r), 1);
    SK_CHECK_EQ_I(sk_tcp_parse(k_sack4, sizeof k_sack4, &r), 0);
    SK_CHECK_EQ(sk_tcp_seg_len(&r), 0);
}

int main(void)
{
    SK_RUN(test_parse_syn);
    SK_RUN(test_parse_synack);
    SK_RUN(test_parse_psh_data);
    SK_RUN(test_parse_fin);
    SK_RUN(test_parse_sack_with_ts);
    SK_RUN(test_parse_sack_four_blocks);
    SK_RUN(test_parse_syn_without_ts);
    SK_RUN(test_reemit_goldens_identical);
    SK_RUN(test_emit_syn_from_scratch);
    SK_RUN(test_emit_sack_ts_from_scratch_fills_40_bytes);
    SK_RUN(test_emit_layout_each_option_alone);
    SK_RUN(test_emit_layout_all_options);
    SK_RUN(test_emit_refuses_options_over_40_bytes);
    SK_RUN(test_emit_too_small_buffer);
    SK_RUN(test_emit_payload_null_with_length_refused);
    SK_RUN(test_emit_payload_in_place_and_overlapping);
    SK_RUN(test_reject_truncated_every_length);
    SK_RUN(test_reject_data_offset_below_5);
    SK_RUN(test_reject_data_offset_past_len);
    SK_RUN(test_reject_syn_rst);
    SK_RUN(test_syn_fin_parsed);
    SK_RUN(test_reserved_bits_ignored);
    SK_RUN(test_opt_length_zero_stops);
    SK_RUN(test_opt_length_one_stops);
    SK_RUN(test_opt_length_past_header_stops);
    SK_RUN(test_opt_kind_without_length_byte_stops);
    SK_RUN(test_opt_mss_len_3_ignored_and_parsing_goes_on);
    SK_RUN(test_opt_wscale_len_4_ignored);
    SK_RUN(test_opt_ts_len_9_ignored);
    SK_RUN(test_opt_sack_perm_len_3_ignored);
    SK_RUN(test_opt_sack_len_11_ignored);
    SK_RUN(test_opt_sack_without_blocks_ignored);
    SK_RUN(test_opt_unknown_kind_skipped);
    SK_RUN(test_opt_eol_ends_list);
    SK_RUN(test_opt_after_eol_ignored);
    SK_RUN(test_opt_wscale_above_14_kept_as_sent);
    SK_RUN(test_checksum_detects_any_bit_flip);
    SK_RUN(test_checksum_fill_and_short_segments);
    SK_RUN(test_seg_len);
    return sk_test_finish();
}
