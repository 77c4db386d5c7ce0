/* A one-line text form of a TCP segment, readable by anyone who knows
 * tcpdump, used by test diffs, traces and the `synack` command:
 *
 *   client > server  [S.] seq=8000 ack=1001 win=65535 len=0 <mss 1024,sackOK,TS val 1 ecr 0,nop,wscale 7>
 *
 * Flags as tcpdump prints them (S F R P U E W, '.' for ACK, in that order;
 * "none" when no flag is set); ack= only when ACK is set; seq and ack are
 * absolute; win is the raw field; urg=N after win only when URG is set; len
 * is the payload length; options in the order sk_tcp_emit writes them, with
 * the NOP fillers it writes (so the text of any Linux-laid-out segment is
 * exactly tcpdump's "options [...]"), "sack N {l:r}..." with absolute
 * numbers, and "[bad opt]" last when opts.malformed is set; the options and
 * the angle brackets are omitted when there are none. Relative numbers are
 * the caller's business (subtract ISNs before formatting, if wanted). All
 * three functions write at most cap bytes, always NUL-terminate when cap > 0,
 * and write nothing when cap == 0. */
#ifndef SK_WIRE_SEG_TEXT_H
#define SK_WIRE_SEG_TEXT_H

#include "wire/tcp_hdr.h"
#include "wire/udp.h"

#include <stddef.h>

/* Flags as tcpdump shows them, e.g. "S.", "P.", "F.", "R", "." ; buf >= 10. */
char *sk_tcp_flags_str(uint8_t flags, char *buf, size_t cap);
/* Options as "<mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>" or "" if none.
 * Returns the length written (truncated to cap-1). */
size_t sk_tcp_opts_str(const sk_tcp_opts *o, char *buf, size_t cap);
/* The whole line (no trailing newline). `from`/`to` are labels such as
 * "client" or "192.0.2.1:80". Returns the length written (truncated to cap-1). */
size_t sk_tcp_seg_str(const char *from, const char *to, const sk_tcp_repr *r, char *buf,
                      size_t cap);

/* ICMPv6 and UDP as tcpdump prints them after its "IP6 src > dst: ":
 *   ICMP6, echo request, id 10045, seq 1, length 64
 *   ICMP6, neighbor solicitation, who has 2001:db8:1::b, length 32
 *   ICMP6, neighbor advertisement, tgt is 2001:db8:1::b, length 32
 *   ICMP6, router solicitation, length 16    (router advertisement the same)
 *   ICMP6, multicast listener report v2, 1 group record(s), length 28
 *   ICMP6, packet too big, mtu 1280, length 1240
 *   ICMP6, time exceeded in-transit for 2001:db8:2::c, length 112
 *   ICMP6, destination unreachable, unreachable port, 2001:db8:1::b udp port 9999, length 63
 *   ICMP6, parameter problem, option - octet 44, length 56
 *   UDP, length 8
 * (each checked against tcpdump 4.99 on the golden frames). Other
 * unreachable codes print "code N"; a type we do not name prints "type N".
 * msg[0..len) is a message sk_icmp6_parse accepted (at least 8 bytes); the
 * length is the ICMPv6 message's, UDP's the payload's. Both write at most
 * cap bytes, NUL-terminated when cap > 0, and return the length written. */
size_t sk_icmp6_str(const uint8_t *msg, size_t len, char *buf, size_t cap);
size_t sk_udp_str(const sk_udp_repr *r, char *buf, size_t cap);

#endif
