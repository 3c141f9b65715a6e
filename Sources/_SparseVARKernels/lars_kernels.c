/* SIMD passes of the LARS-lasso solver over the correlations; see include/lars_kernels.h. */
#include "lars_kernels.h"

#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define LARS_HAVE_AVX2_PATH 1
#endif

/* --- plain C -------------------------------------------------------------------------------- */

static double largest_generic(const double *cov, const double *free_mask, long count,
                              double tie_factor, long *best, int *ties) {
  double level = 0;
  for (long j = 0; j < count; j++) {
    double v = fabs(cov[j]) * free_mask[j];
    if (v > level) level = v;
  }
  *best = -1;
  *ties = 0;
  if (!(level > 0)) return 0;
  double tie_level = level * tie_factor;
  long reaching = 0;
  for (long j = 0; j < count; j++) {
    double v = fabs(cov[j]) * free_mask[j];
    if (v >= tie_level) {
      reaching++;
      if (*best < 0 && v == level) *best = j;
    }
  }
  *ties = reaching > 1;
  return level;
}

static inline double stabilize(double d, double stabilizer, int signed_stabilizer) {
  return d + ((signed_stabilizer && d < 0) ? -stabilizer : stabilizer);
}

static double smallest_step_generic(double level, double normalizer, const double *cov,
                                    const double *a, const double *free_mask, long count,
                                    double bound, double stabilizer, int signed_stabilizer,
                                    long *code) {
  double gamma = bound;
  *code = -1;
  for (long j = 0; j < count; j++) {
    if (!(free_mask[j] > 0)) continue;
    double g1 = (level - cov[j]) / stabilize(normalizer - a[j], stabilizer, signed_stabilizer);
    if (g1 > 0 && g1 < gamma) { gamma = g1; *code = 2 * j; }
    double g2 = (level + cov[j]) / stabilize(normalizer + a[j], stabilizer, signed_stabilizer);
    if (g2 > 0 && g2 < gamma) { gamma = g2; *code = 2 * j + 1; }
  }
  return gamma;
}

/* --- AVX2 ----------------------------------------------------------------------------------- */

#ifdef LARS_HAVE_AVX2_PATH
__attribute__((target("avx2")))
static double largest_avx2(const double *cov, const double *free_mask, long count,
                           double tie_factor, long *best, int *ties) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  __m256d top = _mm256_setzero_pd();
  for (long j = 0; j < count; j += 4) {
    __m256d v = _mm256_mul_pd(_mm256_andnot_pd(sign, _mm256_loadu_pd(cov + j)),
                              _mm256_loadu_pd(free_mask + j));
    top = _mm256_max_pd(top, v);
  }
  double lanes[4];
  _mm256_storeu_pd(lanes, top);
  double level = lanes[0];
  for (int i = 1; i < 4; i++) if (lanes[i] > level) level = lanes[i];
  *best = -1;
  *ties = 0;
  if (!(level > 0)) return 0;
  double tie_level = level * tie_factor;
  const __m256d tie = _mm256_set1_pd(tie_level);
  long reaching = 0;
  for (long j = 0; j < count; j += 4) {
    __m256d v = _mm256_mul_pd(_mm256_andnot_pd(sign, _mm256_loadu_pd(cov + j)),
                              _mm256_loadu_pd(free_mask + j));
    if (!_mm256_movemask_pd(_mm256_cmp_pd(v, tie, _CMP_GE_OQ))) continue;
    _mm256_storeu_pd(lanes, v);
    for (int i = 0; i < 4; i++) {
      if (lanes[i] >= tie_level) {
        reaching++;
        if (*best < 0 && lanes[i] == level) *best = j + i;
      }
    }
  }
  *ties = reaching > 1;
  return level;
}

/* One side of smallest_step_avx2, four lanes: step = numerator / (denominator + the signed
 * stabilizer); where the lane is free and 0 < step < best, best takes the step and codes take
 * candidate. */
__attribute__((target("avx2"), always_inline))
static inline void consider_steps_avx2(__m256d numerator, __m256d denominator, __m256d is_free,
                                       __m256d plus, __m256d minus, __m256i candidate,
                                       __m256d *best, __m256i *codes) {
  const __m256d zero = _mm256_setzero_pd();
  __m256d d = _mm256_add_pd(
      denominator, _mm256_blendv_pd(plus, minus, _mm256_cmp_pd(denominator, zero, _CMP_LT_OQ)));
  __m256d step = _mm256_div_pd(numerator, d);
  __m256d take = _mm256_and_pd(
      is_free, _mm256_and_pd(_mm256_cmp_pd(step, zero, _CMP_GT_OQ), _mm256_cmp_pd(step, *best, _CMP_LT_OQ)));
  *best = _mm256_blendv_pd(*best, step, take);
  *codes = _mm256_castpd_si256(
      _mm256_blendv_pd(_mm256_castsi256_pd(*codes), _mm256_castsi256_pd(candidate), take));
}

__attribute__((target("avx2")))
static double smallest_step_avx2(double level, double normalizer, const double *cov,
                                 const double *a, const double *free_mask, long count,
                                 double bound, double stabilizer, int signed_stabilizer,
                                 long *code) {
  const __m256d zero = _mm256_setzero_pd();
  const __m256d lv = _mm256_set1_pd(level);
  const __m256d nv = _mm256_set1_pd(normalizer);
  const __m256d plus = _mm256_set1_pd(stabilizer);
  const __m256d minus = _mm256_set1_pd(signed_stabilizer ? -stabilizer : stabilizer);
  __m256d best = _mm256_set1_pd(bound);
  __m256i codes = _mm256_set1_epi64x(-1);
  __m256i index = _mm256_setr_epi64x(0, 2, 4, 6);
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i advance = _mm256_set1_epi64x(8);
  for (long j = 0; j < count; j += 4) {
    __m256d c = _mm256_loadu_pd(cov + j);
    __m256d av = _mm256_loadu_pd(a + j);
    __m256d is_free = _mm256_cmp_pd(_mm256_loadu_pd(free_mask + j), zero, _CMP_GT_OQ);
    consider_steps_avx2(_mm256_sub_pd(lv, c), _mm256_sub_pd(nv, av), is_free, plus, minus, index,
                        &best, &codes);
    consider_steps_avx2(_mm256_add_pd(lv, c), _mm256_add_pd(nv, av), is_free, plus, minus,
                        _mm256_add_epi64(index, one), &best, &codes);
    index = _mm256_add_epi64(index, advance);
  }
  double values[4];
  long long lane_codes[4];
  _mm256_storeu_pd(values, best);
  _mm256_storeu_si256((__m256i *)lane_codes, codes);
  double gamma = bound;
  long chosen = -1;
  for (int i = 0; i < 4; i++) {
    if (lane_codes[i] < 0) continue;
    if (values[i] < gamma || (values[i] == gamma && lane_codes[i] < chosen)) {
      gamma = values[i];
      chosen = (long)lane_codes[i];
    }
  }
  *code = chosen;
  return gamma;
}

/* Whether the processor has AVX2, looked up once (threads racing to look it up store the same). */
static int has_avx2(void) {
  static int known = -1;
  int value = __atomic_load_n(&known, __ATOMIC_RELAXED);
  if (value < 0) {
    __builtin_cpu_init();
    value = __builtin_cpu_supports("avx2") ? 1 : 0;
    __atomic_store_n(&known, value, __ATOMIC_RELAXED);
  }
  return value;
}
#endif

/* --- dispatch ------------------------------------------------------------------------------- */

double lars_kernel_largest(const double *cov, const double *free_mask, long count,
                           double tie_factor, long *best, int *ties) {
#ifdef LARS_HAVE_AVX2_PATH
  if (has_avx2()) return largest_avx2(cov, free_mask, count, tie_factor, best, ties);
#endif
  return largest_generic(cov, free_mask, count, tie_factor, best, ties);
}

double lars_kernel_smallest_step(double level, double normalizer, const double *cov,
                                 const double *a, const double *free_mask, long count,
                                 double bound, double stabilizer, int signed_stabilizer,
                                 long *code) {
#ifdef LARS_HAVE_AVX2_PATH
  if (has_avx2()) {
    return smallest_step_avx2(level, normalizer, cov, a, free_mask, count, bound, stabilizer,
                              signed_stabilizer, code);
  }
#endif
  return smallest_step_generic(level, normalizer, cov, a, free_mask, count, bound, stabilizer,
                               signed_stabilizer, code);
}
