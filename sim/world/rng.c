/*
 * sim/world/rng.c - xoshiro256** seeded by splitmix64, plus the distributions the
 * simulated hardware needs.
 *
 * Contract: results depend only on the seed and the sequence of calls, never
 * on the machine, compiler or libm; hence the fixed-point logarithm below.
 */
#include "world/rng.h"

#include <stdint.h>

static uint64_t rotl(uint64_t x, unsigned k)
{
  return (x << k) | (x >> (64u - k));
}

/* splitmix64: spreads any seed, even 0 or a small counter, over all 256 bits
 * of xoshiro state so that the state is never all zero. */
static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&seed);
}

uint64_t sim_rng_next(sim_rng *r)
{
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5u, 7) * 9u;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

double sim_rng_unit(sim_rng *r)
{
  /* 53 random bits convert to double exactly. */
  return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t sim_rng_range(sim_rng *r, uint64_t lo, uint64_t hi)
{
  if (lo > hi) {
    uint64_t t = lo;
    lo = hi;
    hi = t;
  }
  uint64_t span = hi - lo + 1u; /* 0 means all 2^64 values */
  if (span == 0)
    return sim_rng_next(r);
  /* Reject the 2^64 mod span smallest draws, so that the rest is a whole
   * number of copies of [0, span) and the modulo is unbiased. */
  uint64_t reject_below = (0u - span) % span;
  uint64_t x;
  do
    x = sim_rng_next(r);
  while (x < reject_below);
  return lo + x % span;
}

/* Full 128-bit product of a and b, from 32-bit halves (portable C11). */
static void mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
  uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
  uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  *lo = (mid << 32) | (p00 & 0xffffffffu);
  *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* floor(log2(y)) for y > 0. */
static unsigned ilog2(uint64_t y)
{
  unsigned k = 0;
  for (unsigned step = 32; step > 0; step >>= 1)
    if (y >> step) {
      y >>= step;
      k += step;
    }
  return k;
}

/* log2(y) in unsigned Q32 fixed point, for y > 0. The fraction comes from the
 * classic bit-by-bit method: squaring a mantissa in [1, 2) doubles its
 * logarithm, so whether the square reaches 2 is the next bit. */
static uint64_t log2_q32(uint64_t y)
{
  unsigned k = ilog2(y);
  uint64_t m = k >= 31 ? y >> (k - 31) : y << (31 - k); /* Q1.31 in [1, 2) */
  uint64_t frac = 0;
  for (int bit = 31; bit >= 0; bit--) {
    m = (m * m) >> 31; /* m < 2^32, so the square fits */
    if (m >= (UINT64_C(1) << 32)) {
      m >>= 1;
      frac |= UINT64_C(1) << bit;
    }
  }
  return ((uint64_t)k << 32) | frac;
}

uint64_t sim_rng_exp(sim_rng *r, uint64_t mean)
{
  if (mean == 0)
    return 0;
  /* Inverse transform: X = -mean * ln(U) with U = y / 2^63 in (0, 1]. */
  uint64_t y = (sim_rng_next(r) >> 1) + 1u;
  uint64_t neg_log2_u = (UINT64_C(63) << 32) - log2_q32(y); /* Q32, <= 63 */
  const uint64_t ln2_q64 = UINT64_C(0xb17217f7d1cf79ac);
  uint64_t hi, lo;
  mul_64x64(neg_log2_u, ln2_q64, &hi, &lo);
  uint64_t neg_ln_u = hi; /* Q32 */
  mul_64x64(mean, neg_ln_u, &hi, &lo);
  /* Round the Q32 product to the nearest integer. */
  uint64_t lo_r = lo + (UINT64_C(1) << 31);
  if (lo_r < lo)
    hi++;
  if (hi >> 32)
    return UINT64_MAX;
  return (hi << 32) | (lo_r >> 32);
}
