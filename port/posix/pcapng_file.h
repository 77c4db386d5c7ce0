/* Encoding pcapng blocks (the PCAP Next Generation capture format,
 * draft-ietf-opsawg-pcapng): a Section Header Block, one Interface
 * Description Block per interface, and Enhanced Packet Blocks that name
 * their interface and may carry a comment (opt_comment). Pure functions,
 * tested byte for byte; posix/pcap_file.c writes them to a file. */
#ifndef SK_PORT_PCAPNG_FILE_H
#define SK_PORT_PCAPNG_FILE_H

#include <stddef.h>
#include <stdint.h>

#define SK_PCAPNG_SHB_TYPE 0x0a0d0d0au
#define SK_PCAPNG_IDB_TYPE 0x00000001u
#define SK_PCAPNG_EPB_TYPE 0x00000006u
#define SK_PCAPNG_BYTE_ORDER_MAGIC 0x1a2b3c4du

/* Each returns the block's length in bytes (a multiple of 4), written into
 * out when it fits in cap; the caller retries with a larger buffer when the
 * result exceeds cap (nothing is written then). */
size_t sk_pcapng_encode_shb(uint8_t *out, size_t cap, const char *app);
size_t sk_pcapng_encode_idb(uint8_t *out, size_t cap, uint16_t linktype, uint32_t snaplen,
                            const char *name);
/* ts_us in microseconds (the IDB's default if_tsresol, 10^-6). comment may
 * be NULL or "" for none. */
size_t sk_pcapng_encode_epb(uint8_t *out, size_t cap, uint32_t ifid, uint64_t ts_us,
                            const void *data, uint32_t caplen, uint32_t origlen, const char *comment);

#endif
