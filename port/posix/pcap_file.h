/* Writing capture files that Wireshark and tshark read: the classic libpcap
 * format (microsecond timestamps), or pcapng for a name ending in ".pcapng". Link types: Ethernet frames
 * (LINKTYPE_ETHERNET = 1) or raw IPv4 packets (LINKTYPE_RAW = 101). */
#ifndef SK_PORT_PCAP_FILE_H
#define SK_PORT_PCAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_PCAP_LINK_ETHERNET 1
#define SK_PCAP_LINK_RAW 101

typedef struct sk_pcap sk_pcap;

/* Create or truncate `path` and write the file header. snaplen 0 means 65535.
 * Returns NULL (errno set) on failure. */
sk_pcap *sk_pcap_open(const char *path, uint32_t linktype, uint32_t snaplen);
/* Append one record; ts_us is the capture time in microseconds (the virtual
 * clock in simulations). Frames longer than snaplen are cut, keeping their
 * original length in the record. Returns 0, or -1 on a write error. */
int sk_pcap_write(sk_pcap *p, uint64_t ts_us, const void *frame, size_t len);
/* pcapng (a path ending in ".pcapng", see sk_pcap_name_is_ng): the same
 * calls write a Section Header Block, interface 0 (named if0_name when not
 * NULL) and Enhanced Packet Blocks on interface 0. sk_pcap_open is
 * sk_pcap_open_named with no name. */
sk_pcap *sk_pcap_open_named(const char *path, uint32_t linktype, uint32_t snaplen,
                            const char *if0_name);
bool sk_pcap_name_is_ng(const char *path);
bool sk_pcap_is_ng(const sk_pcap *p);
/* pcapng only: describe one more interface (same link type and snaplen);
 * returns its id (1, 2, ...), or -1 for a classic pcap file or an error. */
int sk_pcap_add_interface(sk_pcap *p, const char *name);
/* sk_pcap_write on interface `ifid` with a packet comment (NULL: none). A
 * classic pcap file has neither: both are ignored there. -1 for an
 * interface not described. */
int sk_pcap_write_on(sk_pcap *p, uint32_t ifid, uint64_t ts_us, const void *frame, size_t len,
                     const char *comment);
/* Flush and close; returns 0, or -1 if any write failed. NULL is ignored. */
int sk_pcap_close(sk_pcap *p);

/* Encode the 24-byte file header and 16-byte record headers into buffers
 * (pure functions, tested byte for byte). */
void sk_pcap_encode_file_header(uint8_t out[24], uint32_t linktype, uint32_t snaplen);
void sk_pcap_encode_record_header(uint8_t out[16], uint64_t ts_us, uint32_t caplen,
                                  uint32_t origlen);

#endif
