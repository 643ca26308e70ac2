/*
 * sim/base/bytes.h - multi-byte fields in wire and on-disk byte order.
 *
 * SCSI CDBs, sense data, mode pages, Apple partition maps, HFS volume
 * headers and Disk Copy images all store integers big-endian, whatever the
 * host's order; one set of loads and stores serves them all. Each takes a
 * pointer to at least as many bytes as its width and never reads or writes
 * past them. Hex digits, for bytes written as text, are read here too.
 */
#ifndef SIM_BASE_BYTES_H
#define SIM_BASE_BYTES_H

#include <stdint.h>

/* The value of the hex digit c (either case), -1 when c is not one: for
 * bytes written as text (CDBs, numbers of the scenario language). */
static inline int sim_hex_digit(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The big-endian 16-bit value at p. */
static inline uint32_t sim_be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }

/* The big-endian 32-bit value at p. */
static inline uint32_t sim_be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The big-endian 64-bit value at p. */
static inline uint64_t sim_be64(const uint8_t *p)
{
  return (uint64_t)sim_be32(p) << 32 | sim_be32(p + 4);
}

/* The little-endian 32-bit value at p (the rare field that is, e.g. an
 * ISO 9660 both-endian number's first half). */
static inline uint32_t sim_le32(const uint8_t *p)
{
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Store the low 16 bits of v at p, big-endian. */
static inline void sim_put_be16(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* Store v at p, big-endian. */
static inline void sim_put_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Store v at p, big-endian. */
static inline void sim_put_be64(uint8_t *p, uint64_t v)
{
  sim_put_be32(p, (uint32_t)(v >> 32));
  sim_put_be32(p + 4, (uint32_t)v);
}

#endif /* SIM_BASE_BYTES_H */
