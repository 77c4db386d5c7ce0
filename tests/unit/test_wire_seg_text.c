/* wire/seg_text: the one-line text form of a TCP segment.
 *
 * The segments are real Linux traffic (tests/support/golden_tcp.h, with
 * the recipe that captured them); the option text of each is compared with
 * what tcpdump printed for the same packet (quoted below). */
#include "golden_tcp.h"
#include "sk_test.h"
#include "wire/seg_text.h"

/* What tcpdump 4.99 printed for the segments of golden_tcp.h
 * (`tcpdump -r X.pcap -nn -S`); the option text below must match it.
 *  k_syn:      10.99.0.1.43196 > 10.99.0.2.5000: Flags [S], seq 1066163377, win 65495,
 *              options [mss 65495,sackOK,TS val 617830073 ecr 0,nop,wscale 10], length 0
 *  k_synack:   10.99.0.2.5000 > 10.99.0.1.43196: Flags [S.], seq 3468595895, ack 1066163378,
 *              win 65483, options [mss 65495,sackOK,TS val 2361115470 ecr 617830073,nop,wscale 10]
 *  k_psh:      Flags [P.], seq 1066163378:1066163384, ack 3468595896, win 64,
 *              options [nop,nop,TS val 617830073 ecr 2361115470], length 6
 *  k_fin:      Flags [F.], seq 1066163384, ack 3468595896, win 64,
 *              options [nop,nop,TS val 617830073 ecr 2361115470], length 0
 *  k_sack3ts:  Flags [.], ack 997473918, win 2067, options [nop,nop,TS val 2424712737
 *              ecr 3337048632,nop,nop,sack 3 {997481614:997483062}{997478718:997480166}
 *              {997474374:997477270}], length 0
 *  k_sack4:    Flags [.], ack 1876378980, win 1713, options [nop,nop,sack 4
 *              {1876402340:1876403800}{1876392120:1876400880}{1876387740:1876390660}
 *              {1876380440:1876386280}], length 0
 *  k_syn_nots: Flags [S], seq 1875527011, win 64240,
 *              options [mss 1460,nop,nop,sackOK,nop,wscale 10], length 0 */

static sk_tcp_repr parse(const uint8_t *seg, size_t len)
{
    sk_tcp_repr r;
    int rc = sk_tcp_parse(seg, len, &r);
    SK_CHECK_EQ_I(rc, 0);
    return r;
}

static void check_line(const uint8_t *seg, size_t len, const char *from, const char *to,
                       const char *want)
{
    char buf[512];
    sk_tcp_repr r = parse(seg, len);
    size_t n = sk_tcp_seg_str(from, to, &r, buf, sizeof buf);
    SK_CHECK_STR(buf, want);
    SK_CHECK_EQ(n, strlen(want));
}

/* ---- whole lines for the captured segments ----------------------------- */

static void test_line_syn(void)
{
    check_line(k_syn, sizeof k_syn, "client", "server",
               "client > server  [S] seq=1066163377 win=65495 len=0 "
               "<mss 65495,sackOK,TS val 617830073 ecr 0,nop,wscale 10>");
}

static void test_line_synack(void)
{
    check_line(k_synack, sizeof k_synack, "server", "client",
               "server > client  [S.] seq=3468595895 ack=1066163378 win=65483 len=0 "
               "<mss 65495,sackOK,TS val 2361115470 ecr 617830073,nop,wscale 10>");
}

static void test_line_psh(void)
{
    check_line(k_psh, sizeof k_psh, "10.99.0.1:43196", "10.99.0.2:5000",
               "10.99.0.1:43196 > 10.99.0.2:5000  [P.] seq=1066163378 ack=3468595896 "
               "win=64 len=6 <nop,nop,TS val 617830073 ecr 2361115470>");
}

/* A super-segment (TSO out, GRO in) says so: gso= the size of the
 * segments the device cuts it into; a parsed segment never has one. */
static void test_line_super_segment(void)
{
    char buf[512];
    sk_tcp_repr r = parse(k_psh, sizeof k_psh);
    SK_CHECK_EQ(r.gso_size, 0u);
    r.gso_size = 1448;
    sk_tcp_seg_str("a", "b", &r, buf, sizeof buf);
    SK_CHECK_STR(buf, "a > b  [P.] seq=1066163378 ack=3468595896 win=64 len=6 gso=1448 "
                      "<nop,nop,TS val 617830073 ecr 2361115470>");
}

static void test_line_fin(void)
{
    check_line(k_fin, sizeof k_fin, "client", "server",
               "client > server  [F.] seq=1066163384 ack=3468595896 win=64 len=0 "
               "<nop,nop,TS val 617830073 ecr 2361115470>");
}

static void test_line_sack_with_ts(void)
{
    check_line(k_sack3ts, sizeof k_sack3ts, "server", "client",
               "server > client  [.] seq=2610129436 ack=997473918 win=2067 len=0 "
               "<nop,nop,TS val 2424712737 ecr 3337048632,nop,nop,sack 3 "
               "{997481614:997483062}{997478718:997480166}{997474374:997477270}>");
}

static void test_line_sack_four_blocks(void)
{
    check_line(k_sack4, sizeof k_sack4, "server", "client",
               "server > client  [.] seq=372728348 ack=1876378980 win=1713 len=0 "
               "<nop,nop,sack 4 {1876402340:1876403800}{1876392120:1876400880}"
               "{1876387740:1876390660}{1876380440:1876386280}>");
}

static void test_line_syn_without_ts(void)
{
    check_line(k_syn_nots, sizeof k_syn_nots, "client", "server",
               "client > server  [S] seq=1875527011 win=64240 len=0 "
               "<mss 1460,nop,nop,sackOK,nop,wscale 10>");
}

/* No options: no brackets and no trailing space; URG shows urg=. */
static void test_line_no_options_and_urgent(void)
{
    sk_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.seq = sk_seq_make(4294967295u);
    r.flags = SK_TCP_RST;
    char buf[128];
    const char *want = "a > b  [R] seq=4294967295 win=0 len=0";
    SK_CHECK_EQ(sk_tcp_seg_str("a", "b", &r, buf, sizeof buf), strlen(want));
    SK_CHECK_STR(buf, want);
    r.flags = SK_TCP_URG | SK_TCP_ACK | SK_TCP_PSH;
    r.ack = sk_seq_make(0);
    r.urgent = 3;
    r.window = 65535;
    r.payload_len = 1000000;
    sk_tcp_seg_str("a", "b", &r, buf, sizeof buf);
    SK_CHECK_STR(buf, "a > b  [PU.] seq=4294967295 ack=0 win=65535 urg=3 len=1000000");
    r.flags = 0;
    sk_tcp_seg_str(NULL, NULL, &r, buf, sizeof buf);
    SK_CHECK_STR(buf, "? > ?  [none] seq=4294967295 win=65535 len=1000000");
}

/* ---- flags -------------------------------------------------------------- */

static void test_flags_str(void)
{
    char buf[16];
    SK_CHECK_STR(sk_tcp_flags_str(0, buf, sizeof buf), "none");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_SYN, buf, sizeof buf), "S");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_SYN | SK_TCP_ACK, buf, sizeof buf), "S.");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_PSH | SK_TCP_ACK, buf, sizeof buf), "P.");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_FIN | SK_TCP_ACK, buf, sizeof buf), "F.");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_RST | SK_TCP_ACK, buf, sizeof buf), "R.");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_RST, buf, sizeof buf), "R");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_ACK, buf, sizeof buf), ".");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_URG, buf, sizeof buf), "U");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_ECE, buf, sizeof buf), "E");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_CWR, buf, sizeof buf), "W");
    SK_CHECK_STR(sk_tcp_flags_str(SK_TCP_SYN | SK_TCP_ECE | SK_TCP_CWR, buf, sizeof buf), "SEW");
    SK_CHECK_STR(sk_tcp_flags_str(0xff, buf, sizeof buf), "SFRPUEW.");
    SK_CHECK(sk_tcp_flags_str(0xff, buf, 9) == buf);
    SK_CHECK_STR(buf, "SFRPUEW.");
}

static void test_flags_str_truncates(void)
{
    char buf[16];
    memset(buf, 'x', sizeof buf);
    SK_CHECK(sk_tcp_flags_str(0xff, buf, 0) == buf);
    SK_CHECK_EQ(buf[0], 'x'); /* cap 0: untouched */
    sk_tcp_flags_str(0xff, buf, 1);
    SK_CHECK_STR(buf, "");
    SK_CHECK_EQ(buf[1], 'x');
    sk_tcp_flags_str(0xff, buf, 3);
    SK_CHECK_STR(buf, "SF");
    SK_CHECK_EQ(buf[3], 'x');
    sk_tcp_flags_str(0, buf, 3);
    SK_CHECK_STR(buf, "no");
}

/* ---- options ------------------------------------------------------------ */

static void test_opts_str(void)
{
    char buf[128];
    sk_tcp_opts o;
    memset(&o, 0, sizeof o);
    memset(buf, 'x', sizeof buf);
    SK_CHECK_EQ(sk_tcp_opts_str(&o, buf, sizeof buf), 0);
    SK_CHECK_STR(buf, "");
    /* The contract's example. */
    o.has_mss = true;
    o.mss = 1460;
    o.sack_permitted = true;
    o.has_ts = true;
    o.ts_val = 1;
    o.has_wscale = true;
    o.wscale = 7;
    const char *want = "<mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>";
    SK_CHECK_EQ(sk_tcp_opts_str(&o, buf, sizeof buf), strlen(want));
    SK_CHECK_STR(buf, want);
    /* Timestamps alone, SACK-permitted alone: Linux's NOP fillers shown. */
    memset(&o, 0, sizeof o);
    o.has_ts = true;
    o.ts_val = 4294967295u;
    o.ts_ecr = 2;
    sk_tcp_opts_str(&o, buf, sizeof buf);
    SK_CHECK_STR(buf, "<nop,nop,TS val 4294967295 ecr 2>");
    memset(&o, 0, sizeof o);
    o.sack_permitted = true;
    sk_tcp_opts_str(&o, buf, sizeof buf);
    SK_CHECK_STR(buf, "<nop,nop,sackOK>");
}

/* A malformed option list is flagged tcpdump-style at the end of the list. */
static void test_opts_str_malformed(void)
{
    char buf[128];
    sk_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.malformed = true;
    sk_tcp_opts_str(&o, buf, sizeof buf);
    SK_CHECK_STR(buf, "<[bad opt]>");
    o.has_mss = true;
    o.mss = 536;
    sk_tcp_opts_str(&o, buf, sizeof buf);
    SK_CHECK_STR(buf, "<mss 536,[bad opt]>");
    /* From real bytes: MSS then an option of length 0. */
    uint8_t seg[24] = {0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, SK_TCP_ACK, 0, 0,
                       0, 0, 0, 0, 2, 4, 2, 24};
    uint8_t bad[28];
    memcpy(bad, seg, sizeof seg);
    bad[12] = 0x70;
    bad[24] = 0x99;
    bad[25] = 0;
    bad[26] = 0;
    bad[27] = 0;
    sk_tcp_repr r = parse(bad, sizeof bad);
    sk_tcp_seg_str("a", "b", &r, buf, sizeof buf);
    SK_CHECK_STR(buf, "a > b  [.] seq=0 ack=0 win=0 len=0 <mss 536,[bad opt]>");
    r = parse(seg, sizeof seg);
    sk_tcp_seg_str("a", "b", &r, buf, sizeof buf);
    SK_CHECK_STR(buf, "a > b  [.] seq=0 ack=0 win=0 len=0 <mss 536>");
}

/* ---- truncation --------------------------------------------------------- */

/* Every cap from 0 to past the full length: the output is the longest
 * prefix that fits, NUL-terminated, and nothing past cap is touched. */
static void test_seg_str_truncates_safely_at_every_cap(void)
{
    sk_tcp_repr r = parse(k_sack3ts, sizeof k_sack3ts);
    char full[512];
    size_t full_len = sk_tcp_seg_str("server", "client", &r, full, sizeof full);
    SK_CHECK_EQ(full_len, strlen(full));
    for (size_t cap = 0; cap <= full_len + 2; cap++) {
        char buf[520];
        memset(buf, 'x', sizeof buf);
        size_t n = sk_tcp_seg_str("server", "client", &r, buf, cap);
        size_t want = cap == 0 ? 0 : (cap - 1 < full_len ? cap - 1 : full_len);
        SK_CHECK_MSG(n == want, "cap %zu: returned %zu, want %zu", cap, n, want);
        if (cap > 0) {
            SK_CHECK_MSG(buf[want] == '\0', "cap %zu: not terminated", cap);
            SK_CHECK_MSG(memcmp(buf, full, want) == 0, "cap %zu: not a prefix", cap);
        }
        SK_CHECK_MSG(buf[cap] == 'x', "cap %zu: wrote past cap", cap);
    }
}

static void test_opts_str_truncates_safely(void)
{
    sk_tcp_repr r = parse(k_syn, sizeof k_syn);
    char buf[8];
    memset(buf, 'x', sizeof buf);
    SK_CHECK_EQ(sk_tcp_opts_str(&r.opts, buf, 0), 0);
    SK_CHECK_EQ(buf[0], 'x');
    SK_CHECK_EQ(sk_tcp_opts_str(&r.opts, buf, 1), 0);
    SK_CHECK_STR(buf, "");
    SK_CHECK_EQ(sk_tcp_opts_str(&r.opts, buf, 7), 6);
    SK_CHECK_STR(buf, "<mss 6");
    SK_CHECK_EQ(buf[7], 'x');
}

int main(void)
{
    SK_RUN(test_line_syn);
    SK_RUN(test_line_synack);
    SK_RUN(test_line_psh);
    SK_RUN(test_line_fin);
    SK_RUN(test_line_super_segment);
    SK_RUN(test_line_sack_with_ts);
    SK_RUN(test_line_sack_four_blocks);
    SK_RUN(test_line_syn_without_ts);
    SK_RUN(test_line_no_options_and_urgent);
    SK_RUN(test_flags_str);
    SK_RUN(test_flags_str_truncates);
    SK_RUN(test_opts_str);
    SK_RUN(test_opts_str_malformed);
    SK_RUN(test_seg_str_truncates_safely_at_every_cap);
    SK_RUN(test_opts_str_truncates_safely);
    return sk_test_finish();
}
