/*
 * sim/world/rng.c - xoshiro256** seeded by splitmix64, plus the distributions the
 * simulated hardware needs.
 *
 * Contract: results depend only on the seed and the sequence of calls, never
 * on the machine, compiler, optimisation level or libm: every distribution
 * is integer arithmetic (the exponential's ziggurat and the logarithm are
 * fixed point, from generated tables), so gcc and clang, -O0 and -O2 draw
 * the same values.
 */
#include "world/rng.h"

#include <stdbool.h>
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

/* xoshiro256**'s step on the state s: the next 64 bits. */
static inline __attribute__((always_inline)) uint64_t xoshiro(uint64_t s[4])
{
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

uint64_t sim_rng_next(sim_rng *r)
{
  return xoshiro(r->s);
}

double sim_rng_unit(sim_rng *r)
{
  /* 53 random bits convert to double exactly. */
  return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* The full 128-bit product of a and b. */
static inline void mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
  unsigned __int128 p = (unsigned __int128)a * b;
  *hi = (uint64_t)(p >> 64);
  *lo = (uint64_t)p;
#else
  uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
  uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  *lo = (mid << 32) | (p00 & 0xffffffffu);
  *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* a * b / 2^63 for Q63 fixed-point operands whose product is below 2^127. */
static inline uint64_t mul_q63(uint64_t a, uint64_t b)
{
  uint64_t hi, lo;
  mul_64x64(a, b, &hi, &lo);
  return (hi << 1) | (lo >> 63);
}

/*
 * Uniform in [lo, hi]: Lemire's multiply-and-shift ("Fast random integer
 * generation in an interval", 2019). The high half of x * span is uniform
 * over [0, span) once the draws whose low half falls below 2^64 mod span are
 * rejected; the division that computes that bound runs only when the low
 * half is below span, which is rare unless span is huge.
 */
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
  uint64_t top, low;
  mul_64x64(sim_rng_next(r), span, &top, &low);
  if (low < span) {
    uint64_t reject_below = (0u - span) % span;
    while (low < reject_below)
      mul_64x64(sim_rng_next(r), span, &top, &low);
  }
  return lo + top;
}

#include "world/rng_tables.h"

/*
 * -ln(y / 2^63) for 1 <= y <= 2^63, in Q57 (the largest value, 63 ln 2, is
 * below 44, so it fits). Integer arithmetic only, so that every build gives
 * every bit of it:
 *   y = 2^k * m with m in [1, 2), and -ln(y / 2^63) = (63 - k) ln 2 - ln m;
 *   the top seven bits of m's fraction pick j, and c_j (a Q63 table) is
 *   1 / (1 + j/128) rounded up, so r = m * c_j lies in [1, 1 + 2^-7];
 *   ln m = ln r - ln c_j, the second a Q57 table; ln r = ln(1 + e) by its
 *   series to e^6/6 in Horner form (the first term left out is below e^7/7,
 *   under 2^-51), every step a positive Q63 number.
 * The error is a few units of 2^-57 at most, far below the 2^-28 of the
 * bit-by-bit method it replaces, at a fraction of its cost (no loop, no
 * branch on random bits).
 */
static uint64_t neg_ln_q57(uint64_t y)
{
  unsigned k = 63u - (unsigned)__builtin_clzll(y); /* y > 0 */
  uint64_t m = y << (63u - k);                     /* Q63 in [1, 2) */
  unsigned j = (unsigned)(m >> 56) & 127u;
  uint64_t e = mul_q63(m, rng_recip_q63[j]) - (UINT64_C(1) << 63); /* Q63 */
  const uint64_t one = UINT64_C(1) << 63;
  uint64_t p = one / 6u;
  p = one / 5u - mul_q63(e, p);
  p = one / 4u - mul_q63(e, p);
  p = one / 3u - mul_q63(e, p);
  p = one / 2u - mul_q63(e, p);
  p = one - mul_q63(e, p);
  uint64_t ln_m = (mul_q63(e, p) >> 6) + rng_neglog_q57[j]; /* Q57 */
  uint64_t whole = (uint64_t)(63u - k) * RNG_LN2_Q57;
  return whole > ln_m ? whole - ln_m : 0;
}

/* u * w / 2^56 for u < 2^56 and w < 2^61 (a layer's point, Q57). */
static inline uint64_t zig_point(uint64_t u, uint64_t w)
{
#ifdef __SIZEOF_INT128__
  return (uint64_t)(((unsigned __int128)u * w) >> 56);
#else
  uint64_t hi, lo;
  mul_64x64(u, w, &hi, &lo);
  return (hi << 8) | (lo >> 56);
#endif
}

/*
 * A standard exponential in Q57, by Marsaglia and Tsang's ziggurat (2000):
 * 256 layers of equal area under e^-x (tables and their construction in
 * tools/gen_rng_tables.py). One 64-bit draw picks a layer i (low 8 bits)
 * and a point u in it (high 56 bits); about 98.9% of draws land wholly
 * under the curve (u < k_i) and cost a compare and a multiply, inline in
 * sim_rng_exp. The rest come here: the wedge test (one more draw and a
 * fixed-point log, and a fresh draw if rejected) or, in the base layer,
 * the tail beyond r by inversion, r - ln(U). Out of line, so that the
 * common case saves no registers. All integer arithmetic, so every build
 * draws the same values.
 */
static __attribute__((noinline)) uint64_t zig_slow(sim_rng *r, unsigned i, uint64_t u)
{
  for (;;) {
    if (i == 0) /* the tail: r + Exp(1), by inversion */
      return RNG_ZIG_R_Q57 + neg_ln_q57((sim_rng_next(r) >> 1) + 1u);
    /* The wedge: accept x when a uniform height between e^-x_i and
     * e^-x_(i-1) lies under e^-x, i.e. when -ln(height) > x. */
    uint64_t x = zig_point(u, rng_zig_w[i]);
    uint64_t hi, lo;
    mul_64x64(sim_rng_next(r), rng_zig_f[i - 1] - rng_zig_f[i], &hi, &lo);
    if (x < neg_ln_q57(rng_zig_f[i] + hi))
      return x;
    uint64_t bits = sim_rng_next(r);
    i = (unsigned)bits & 255u;
    u = bits >> 8;
    if (u < rng_zig_k[i])
      return zig_point(u, rng_zig_w[i]);
  }
}

/* mean times x, a Q57 number, rounded to the nearest integer (saturating). */
static inline uint64_t scale_q57(uint64_t mean, uint64_t x)
{
#ifdef __SIZEOF_INT128__
  unsigned __int128 p = (unsigned __int128)mean * x + (UINT64_C(1) << 56); /* < 2^127 + 2^56 */
  return (uint64_t)(p >> 64) >> 57 ? UINT64_MAX : (uint64_t)(p >> 57);
#else
  uint64_t hi, lo;
  mul_64x64(mean, x, &hi, &lo);
  uint64_t lo_r = lo + (UINT64_C(1) << 56);
  if (lo_r < lo)
    hi++;
  if (hi >> 57)
    return UINT64_MAX;
  return (hi << 7) | (lo_r >> 57);
#endif
}

uint64_t sim_rng_exp(sim_rng *r, uint64_t mean)
{
  if (mean == 0)
    return 0;
  uint64_t bits = sim_rng_next(r);
  unsigned i = (unsigned)bits & 255u;
  uint64_t u = bits >> 8;
  uint64_t x = u < rng_zig_k[i] ? zig_point(u, rng_zig_w[i]) : zig_slow(r, i, u);
  return scale_q57(mean, x);
}

/* mean times x rounded, for mean < RNG_MEAN_UNSATURATED: sim_rng_exp's
 * values, below 64 in Q57 (the tail's largest, r + 63 ln 2, is under 52),
 * times such a mean stay below 2^121, so that scale_q57 never saturates
 * and is this one product, rounded. */
#define RNG_MEAN_UNSATURATED (UINT64_C(1) << 58)
static inline uint64_t scale_q57_unsaturated(uint64_t mean, uint64_t x)
{
#ifdef __SIZEOF_INT128__
  return (uint64_t)(((unsigned __int128)mean * x + (UINT64_C(1) << 56)) >> 57);
#else
  return scale_q57(mean, x);
#endif
}

/* The loop of sim_rng_exp with the state in locals: out and r->s are both
 * uint64_t, so a store to out[k] would otherwise make the compiler reload
 * the state at every draw. The rare slow path works on r itself. Inline in
 * sim_rng_exp_fill twice, unsaturated (a constant there) telling whether
 * mean is below RNG_MEAN_UNSATURATED. */
static inline __attribute__((always_inline)) void exp_fill(sim_rng *r, uint64_t mean,
                                                           uint64_t *out, uint32_t n,
                                                           bool unsaturated)
{
  uint64_t s[4] = { r->s[0], r->s[1], r->s[2], r->s[3] };
  /* (Four draws a turn of the loop: the loop's own test and the moves that
   * rotate the state between registers are paid a quarter as often, 29
   * instructions a draw becoming 25; the values and their order are the
   * same.) */
#pragma GCC unroll 4
  for (uint32_t k = 0; k < n; k++) {
    uint64_t bits = xoshiro(s);
    unsigned i = (unsigned)bits & 255u;
    uint64_t u = bits >> 8;
    uint64_t x;
    if (u < rng_zig_k[i]) {
      x = zig_point(u, rng_zig_w[i]);
    } else {
      r->s[0] = s[0], r->s[1] = s[1], r->s[2] = s[2], r->s[3] = s[3];
      x = zig_slow(r, i, u);
      s[0] = r->s[0], s[1] = r->s[1], s[2] = r->s[2], s[3] = r->s[3];
    }
#if defined(__GNUC__) && defined(__SIZEOF_INT128__)
    /* x is one word (below 2^61 or 2^63), but gcc carries zig_point's
     * 128-bit product into the scaling, a multiply and two adds more a
     * draw: the empty asm makes it a word again. */
    __asm__("" : "+r"(x));
#endif
    out[k] = unsaturated ? scale_q57_unsaturated(mean, x) : scale_q57(mean, x);
  }
  r->s[0] = s[0], r->s[1] = s[1], r->s[2] = s[2], r->s[3] = s[3];
}

void sim_rng_exp_fill(sim_rng *r, uint64_t mean, uint64_t *out, uint32_t n)
{
  if (mean == 0) {
    for (uint32_t k = 0; k < n; k++)
      out[k] = 0;
    return;
  }
  /* (Means of 2^58 ns, nine years, and more are for tests.) */
  if (mean < RNG_MEAN_UNSATURATED)
    exp_fill(r, mean, out, n, true);
  else
    exp_fill(r, mean, out, n, false);
}
