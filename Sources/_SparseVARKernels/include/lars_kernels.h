/*
 * The passes over all p correlations that every LARS-lasso step makes, as SIMD kernels (AVX2
 * when the processor has it, chosen once at run time; plain C otherwise, with the same results).
 * Internal to the library: not part of the C API.
 *
 * Arrays hold `count` doubles, count a multiple of 8 (the solver pads them); `free_mask` is 1 for
 * a variable that may enter the active set and 0 for a blocked one or padding.
 */
#ifndef SPARSEVAR_LARS_KERNELS_H
#define SPARSEVAR_LARS_KERNELS_H

/**
 * The largest |cov[j]| over free j (returned; 0 when none is non-zero), in *best the first j
 * reaching it (-1 when it is 0), in *ties whether another free j has |cov[j]| >= tie_factor times
 * it.
 */
double lars_kernel_largest(const double *cov, const double *free_mask, long count,
                           double tie_factor, long *best, int *ties);

/**
 * The smallest step size below `bound` at which a free variable's correlation catches up with
 * the active level: over the candidates (level - cov[j]) / d1 with code 2j and
 * (level + cov[j]) / d2 with code 2j + 1, where d1 = normalizer - a[j] and
 * d2 = normalizer + a[j], each with `stabilizer` added (with the denominator's sign when
 * `signed_stabilizer` is non-zero), only positive candidates counting. Ties go to the smaller
 * code, as a scan in order would. Returns the step (bound when none is below it) and sets *code
 * (-1 then).
 */
double lars_kernel_smallest_step(double level, double normalizer, const double *cov,
                                 const double *a, const double *free_mask, long count,
                                 double bound, double stabilizer, int signed_stabilizer,
                                 long *code);

#endif
