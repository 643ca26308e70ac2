/*
 * sim/world/rng.h - a small seeded pseudo-random generator for the simulation.
 *
 * xoshiro256** seeded through splitmix64. Every function uses integer
 * arithmetic only (sim_rng_unit does one exact conversion to double), so a
 * seed gives the same sequence on every machine and compiler. Not for
 * cryptography.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_rng {
  uint64_t s[4];
} sim_rng;

/* Seed r; every seed (0 included) gives a usable, distinct stream. */
void sim_rng_seed(sim_rng *r, uint64_t seed);
/* The next 64 uniformly distributed bits. */
uint64_t sim_rng_next(sim_rng *r);
/* A uniform double in [0, 1), a multiple of 2^-53. */
double sim_rng_unit(sim_rng *r);
/* A uniform integer in [lo, hi], both inclusive, without bias (lo and hi
 * are swapped if lo > hi). Lemire's multiply-and-shift: one draw and one
 * multiplication, a division only in the rare case that may need a redraw. */
uint64_t sim_rng_range(sim_rng *r, uint64_t lo, uint64_t hi);
/* An exponentially distributed integer with the given mean (mean times a
 * standard exponential, rounded to the nearest unit; 0 when mean is 0). The
 * standard exponential comes from a ziggurat of 256 layers in fixed point
 * (one draw, a compare and a multiply for about 98.9% of values; see
 * rng.c), not from libm, so it is identical across machines and builds.
 * The largest possible result is about 51.4 * mean (saturating at
 * UINT64_MAX). */
uint64_t sim_rng_exp(sim_rng *r, uint64_t mean);
/* n values of sim_rng_exp(r, mean) into out, in order: the same values and
 * the same state of r afterwards as n calls, for about two thirds of the
 * instructions (the state stays in registers between draws). */
void sim_rng_exp_fill(sim_rng *r, uint64_t mean, uint64_t *out, uint32_t n);

#ifdef __cplusplus
}
#endif
#endif /* SIM_RNG_H */
