/* Byte-order loads and stores, public on purpose: the POSIX port (pcap
 * files) and programs that build or read headers use the same helpers as the
 * core (src/base/bytes.h is kept as a forwarding header for the core).
 * Byte-order loads and stores. Headers are read and written byte by byte:
 * no packed structs are cast onto buffers, so alignment and strict aliasing
 * never matter and the code is the same on any host byte order. */
#ifndef SK_SYNACK_BYTES_H
#define SK_SYNACK_BYTES_H

#include <stdint.h>

static inline uint16_t sk_load_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t sk_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t sk_load_be64(const uint8_t *p)
{
    return (uint64_t)sk_load_be32(p) << 32 | sk_load_be32(p + 4);
}

static inline void sk_store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void sk_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void sk_store_be64(uint8_t *p, uint64_t v)
{
    sk_store_be32(p, (uint32_t)(v >> 32));
    sk_store_be32(p + 4, (uint32_t)v);
}

static inline uint16_t sk_load_le16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}

static inline uint32_t sk_load_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline void sk_store_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void sk_store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#endif
