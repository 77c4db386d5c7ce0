/* pcapng blocks (draft-ietf-opsawg-pcapng §4): every block is
 * type, total length, body, total length again; every field is 32-bit
 * aligned. Written LITTLE-ENDIAN, with the byte-order magic telling readers
 * so (§4.1), so a deterministic simulation's capture is byte-identical on
 * every host, as in pcap_file.c. */
#include "posix/pcapng_file.h"

#include <string.h>

#include "synack/bytes.h"

#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1 /* §3.5: UTF-8 text, any block */
#define SHB_USERAPPL 4
#define IF_NAME 2

static size_t pad4(size_t n)
{
    return (n + 3u) & ~(size_t)3u;
}

/* One option (code, length, value padded to 32 bits); 0 bytes for an empty
 * value. Options longer than 65535 bytes are cut (the length is 16 bits). */
static size_t opt_len(const char *text)
{
    if (text == NULL || text[0] == '\0')
        return 0;
    size_t n = strlen(text);
    return 4 + pad4(n > 65535u ? 65535u : n);
}

static size_t put_opt(uint8_t *p, uint16_t code, const char *text)
{
    size_t len = opt_len(text);
    if (len == 0)
        return 0;
    size_t n = len - 4;
    size_t raw = strlen(text) > 65535u ? 65535u : strlen(text);
    sk_store_le16(p, code);
    sk_store_le16(p + 2, (uint16_t)raw);
    memset(p + 4, 0, n);
    memcpy(p + 4, text, raw);
    return len;
}

/* opt_endofopt ends a non-empty option list (§3.5). */
static size_t put_end(uint8_t *p, size_t opts)
{
    if (opts == 0)
        return 0;
    sk_store_le32(p, OPT_ENDOFOPT);
    return 4;
}

static void frame_block(uint8_t *out, uint32_t type, size_t total)
{
    sk_store_le32(out, type);
    sk_store_le32(out + 4, (uint32_t)total);
    sk_store_le32(out + total - 4, (uint32_t)total);
}

size_t sk_pcapng_encode_shb(uint8_t *out, size_t cap, const char *app)
{
    size_t opts = opt_len(app);
    size_t total = 12 + 16 + opts + (opts ? 4 : 0);
    if (total > cap)
        return total;
    frame_block(out, SK_PCAPNG_SHB_TYPE, total);
    sk_store_le32(out + 8, SK_PCAPNG_BYTE_ORDER_MAGIC);
    sk_store_le16(out + 12, 1); /* major version */
    sk_store_le16(out + 14, 0); /* minor version */
    /* section length -1: not given (§4.1) */
    sk_store_le32(out + 16, 0xffffffffu);
    sk_store_le32(out + 20, 0xffffffffu);
    size_t o = 24 + put_opt(out + 24, SHB_USERAPPL, app);
    put_end(out + o, opts);
    return total;
}

size_t sk_pcapng_encode_idb(uint8_t *out, size_t cap, uint16_t linktype, uint32_t snaplen,
                            const char *name)
{
    size_t opts = opt_len(name);
    size_t total = 12 + 8 + opts + (opts ? 4 : 0);
    if (total > cap)
        return total;
    frame_block(out, SK_PCAPNG_IDB_TYPE, total);
    sk_store_le16(out + 8, linktype);
    sk_store_le16(out + 10, 0); /* reserved */
    sk_store_le32(out + 12, snaplen);
    size_t o = 16 + put_opt(out + 16, IF_NAME, name);
    put_end(out + o, opts);
    return total;
}

size_t sk_pcapng_encode_epb(uint8_t *out, size_t cap, uint32_t ifid, uint64_t ts_us,
                            const void *data, uint32_t caplen, uint32_t origlen, const char *comment)
{
    size_t opts = opt_len(comment);
    size_t total = 12 + 20 + pad4(caplen) + opts + (opts ? 4 : 0);
    if (total > cap)
        return total;
    frame_block(out, SK_PCAPNG_EPB_TYPE, total);
    sk_store_le32(out + 8, ifid);
    sk_store_le32(out + 12, (uint32_t)(ts_us >> 32));
    sk_store_le32(out + 16, (uint32_t)ts_us);
    sk_store_le32(out + 20, caplen);
    sk_store_le32(out + 24, origlen);
    if (caplen > 0)
        memcpy(out + 28, data, caplen);
    memset(out + 28 + caplen, 0, pad4(caplen) - caplen);
    size_t o = 28 + pad4(caplen);
    o += put_opt(out + o, OPT_COMMENT, comment);
    put_end(out + o, opts);
    return total;
}
