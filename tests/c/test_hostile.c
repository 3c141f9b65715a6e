/*
 * test_hostile.c - every entry point of include/sparsevar.h called with overflowing and huge
 * sizes, hostile run ids, lengths and parameters, and handles of the wrong type or already freed.
 *
 * Each group of calls runs in a forked child process limited to HOSTILE_ADDRESS_SPACE bytes of
 * address space (setrlimit RLIMIT_AS), so that a size whose memory cannot be had fails the same
 * way on every machine, whatever its memory and overcommit setting. The child checks the status code of every call; the
 * parent checks that the child exited normally: a signal (a trap on overflow, an abort when an
 * allocation fails, a segmentation fault) is a failure. Finally the parent reads the header and
 * checks that every function it declares was called by some child, so that a new entry point
 * cannot escape this test.
 *
 * The data passed are small valid buffers: every hostile call must be refused before the buffer
 * is read past the sizes the caller could have meant (reading a buffer shorter than its sizes
 * say is undefined behaviour, docs/robustness.md).
 */
#define _GNU_SOURCE /* fork, setrlimit, mmap(MAP_ANONYMOUS) */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* Address space of each child: the library, the Swift runtime and OpenBLAS's threads need well
 * under 1 GiB; every huge size below asks for more than 4 GiB. AddressSanitizer maps terabytes
 * of shadow memory up front, so under it no limit is set: scripts/test.sh runs it with
 * ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=4096, which makes larger
 * allocations fail in the same way. */
#define HOSTILE_ADDRESS_SPACE ((rlim_t)4 << 30)
#if defined(__SANITIZE_ADDRESS__)
#  define HOSTILE_UNDER_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define HOSTILE_UNDER_ASAN 1
#  endif
#endif
#ifndef HOSTILE_UNDER_ASAN
#  define HOSTILE_UNDER_ASAN 0
#endif
#define HEADER_PATH "../../include/sparsevar.h"

#define E_ARG SPARSEVAR_E_INVALID_ARGUMENT
#define E_SHAPE SPARSEVAR_E_SHAPE
#define E_NOMEM SPARSEVAR_E_NO_MEMORY
#define E_SMALL SPARSEVAR_E_BUFFER_TOO_SMALL

/* Sizes: two of BIG multiply past 2^64; MAX is refused on its own; HUGE_ROWS x 8 doubles
 * (64 GiB) and HUGE_ROWS x 1 (8 GiB) pass the overflow checks but exceed the address space. */
static const int64_t BIG = (int64_t)1 << 33;
static const int64_t MAX = INT64_MAX;
static const int64_t MIN = INT64_MIN;
static const int64_t HUGE_ROWS = (int64_t)1 << 30;

/* ------------------------------------------------------------------------------------------------
 * Coverage: the names of the functions called, shared by the children with the parent.
 * ---------------------------------------------------------------------------------------------- */

enum { COVERAGE_BYTES = 1 << 16 };
static char *coverage; /* MAP_SHARED: "name\n" appended by the children */

static void cover(const char *name) {
  size_t used = strlen(coverage), n = strlen(name);
  if (used + n + 2 < COVERAGE_BYTES) {
    memcpy(coverage + used, name, n);
    coverage[used + n] = '\n';
    coverage[used + n + 1] = '\0';
  }
}

/* C(fn)(args) calls fn and records that it was called. */
#define C(fn) (cover(#fn), fn)

static int covered(const char *name) {
  size_t n = strlen(name);
  const char *p = coverage;
  while ((p = strstr(p, name)) != NULL) {
    if ((p == coverage || p[-1] == '\n') && p[n] == '\n') return 1;
    p += n;
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Children
 * ---------------------------------------------------------------------------------------------- */

/* Runs `body` in a child under the address-space limit; checks it exited with status 0. */
static void in_child(const char *name, void (*body)(void)) {
  pid_t pid;
  int status = 0;
  check_section(name);
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) {
    CHECK_MSG(0, "fork failed for %s", name);
    return;
  }
  if (pid == 0) {
    struct rlimit limit;
    limit.rlim_cur = HOSTILE_ADDRESS_SPACE;
    limit.rlim_max = HOSTILE_ADDRESS_SPACE;
    if (!HOSTILE_UNDER_ASAN && setrlimit(RLIMIT_AS, &limit) != 0) {
      printf("setrlimit(RLIMIT_AS) failed\n");
      _exit(2);
    }
    int before = check_failed_count(); /* the parent's failures so far, inherited */
    body();
    printf("  %s: %d failed in the child\n", name, check_failed_count() - before);
    fflush(stdout);
    fflush(stderr);
    exit(check_failed_count() == before ? 0 : 1); /* exit, not _exit: LeakSanitizer checks the child */
  }
  if (waitpid(pid, &status, 0) != pid) {
    CHECK_MSG(0, "waitpid failed for %s", name);
    return;
  }
  CHECK_MSG(!WIFSIGNALED(status), "%s: the child was killed by signal %d (%s)", name,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0,
            WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "");
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the child's checks failed (exit %d)",
            name, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* ------------------------------------------------------------------------------------------------
 * Small valid objects
 * ---------------------------------------------------------------------------------------------- */

enum { K = 3, T = 60, P = 2, LN = 20, LP = 5, H = 8, W = 8, FRAMES = 24 };

static double series[T * K];
static double out[4096];
static float fout[4096];
static uint16_t u16[FRAMES * H * W];
static float f32[FRAMES * H * W];
static double f64[FRAMES * H * W];

static void make_data(void) {
  int64_t t, l, i;
  tc_seed(11);
  for (l = 0; l < K; l++) series[l] = tc_normal();
  for (t = 1; t < T; t++)
    for (l = 0; l < K; l++) series[t * K + l] = 0.6 * series[(t - 1) * K + (l + 1) % K] + tc_normal();
  for (i = 0; i < FRAMES * H * W; i++) {
    f64[i] = tc_uniform();
    f32[i] = (float)f64[i];
    u16[i] = (uint16_t)(f64[i] * 4000);
  }
}

static sparsevar_var *fitted_var(void) {
  sparsevar_var *var = NULL;
  CHECK_OK(sparsevar_var_create(&var));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, P));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_THREADS, 1));
  CHECK_OK(sparsevar_var_fit_f64(var, series, T, K, NULL, NULL));
  return var;
}

/* A dataset of 8 x 8 frames with four runs of FRAMES frames, labels 1, 1, 2, 2. */
static sparsevar_dataset *small_dataset(void) {
  sparsevar_dataset *d = NULL;
  int64_t r;
  CHECK_OK(sparsevar_dataset_create(&d, H, W, 0, 0, 1));
  for (r = 0; r < 4; r++) {
    int64_t i;
    for (i = 0; i < FRAMES * H * W; i++) f32[i] = (float)tc_uniform();
    CHECK_OK(sparsevar_dataset_add_run_f32(d, f32, FRAMES, H, W, r < 2 ? 1 : 2, 1, NULL));
  }
  return d;
}

/* ------------------------------------------------------------------------------------------------
 * VAR
 * ---------------------------------------------------------------------------------------------- */

static void hostile_var(void) {
  sparsevar_var *var = fitted_var(), *fresh = NULL;
  double value = 0;
  int64_t len = 0;
  static uint8_t mask[K * K];
  double *wide;
  float *wide32;

  EXPECT_STATUS(E_ARG, C(sparsevar_var_create)(NULL));
  CHECK_OK(sparsevar_var_create(&fresh));
  EXPECT_STATUS(E_ARG, C(sparsevar_var_set_param)(fresh, SPARSEVAR_VAR_PARAM_LAG, 9.2e18));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_param(fresh, SPARSEVAR_VAR_PARAM_MAX_ITER, 1e300));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_param(fresh, SPARSEVAR_VAR_PARAM_THREADS, 1e19));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_param(fresh, INT32_MIN, 1));
  EXPECT_STATUS(E_ARG, C(sparsevar_var_get_param)(fresh, INT32_MAX, &value));
  EXPECT_STATUS(E_ARG, C(sparsevar_var_param_bounds)(INT32_MIN, NULL, NULL, NULL));

  /* The mask: k x k overflows, k alone too large, k^2 booleans beyond the address space. */
  EXPECT_STATUS(E_SHAPE, C(sparsevar_var_set_mask)(fresh, mask, BIG));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_set_mask(fresh, mask, MAX));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_set_mask(fresh, mask, MIN));
  EXPECT_STATUS(E_NOMEM, sparsevar_var_set_mask(fresh, mask, (int64_t)1 << 23));

  /* Fits: t x k overflows, or its copy exceeds the address space. */
  EXPECT_STATUS(E_SHAPE, C(sparsevar_var_fit_f64)(fresh, series, BIG, BIG, NULL, NULL));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_fit_f64(fresh, series, MAX, 1, NULL, NULL));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_fit_f64(fresh, series, 1, MAX, NULL, NULL));
  EXPECT_STATUS(E_NOMEM, sparsevar_var_fit_f64(fresh, series, HUGE_ROWS, 8, NULL, NULL));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_var_fit_f32)(fresh, fout, BIG, BIG, NULL, NULL));
  EXPECT_STATUS(E_NOMEM, sparsevar_var_fit_f32(fresh, fout, HUGE_ROWS, 8, NULL, NULL));
  /* A series that fits in memory whose VAR does not: K = 2^17 at lag 5 needs a Gram matrix of
   * (5 K)^2 doubles (3 TiB). The series itself is 8 x 2^17 values (8 MiB, zeros: the memory
   * check comes before any look at the values). */
  wide = calloc((size_t)8 << 17, sizeof(double));
  wide32 = calloc((size_t)8 << 17, sizeof(float));
  CHECK(wide != NULL && wide32 != NULL);
  if (wide != NULL && wide32 != NULL) {
    CHECK_OK(sparsevar_var_set_param(fresh, SPARSEVAR_VAR_PARAM_LAG, 5));
    CHECK_OK(sparsevar_var_set_param(fresh, SPARSEVAR_VAR_PARAM_NORMALIZE, 0));
    EXPECT_STATUS(E_NOMEM, sparsevar_var_fit_f64(fresh, wide, 8, (int64_t)1 << 17, NULL, NULL));
    EXPECT_STATUS(E_NOMEM, sparsevar_var_fit_f32(fresh, wide32, 8, (int64_t)1 << 17, NULL, NULL));
  }
  free(wide);
  free(wide32);
  EXPECT_STATUS(SPARSEVAR_E_NOT_FITTED, C(sparsevar_var_shape)(fresh, NULL, NULL));

  /* Outputs: a huge capacity is fine (only what is needed is written), a negative one is not. */
  CHECK_OK(C(sparsevar_var_coef)(var, out, MAX));
  EXPECT_STATUS(E_SMALL, sparsevar_var_coef(var, out, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_var_intercept)(var, out, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_var_lambdas)(var, out, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_var_influence)(var, out, MIN));
  CHECK_OK(C(sparsevar_var_sigma)(var, &value));
  EXPECT_STATUS(E_ARG, C(sparsevar_var_path_length)(var, MAX, &len));
  EXPECT_STATUS(E_ARG, C(sparsevar_var_path)(var, MIN, out, out, MAX));

  /* Forecast and R_var of series of hostile sizes. */
  EXPECT_STATUS(E_SHAPE, C(sparsevar_var_forecast_f64)(var, series, BIG, BIG, out, MAX));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_forecast_f64(var, series, MAX, K, out, MAX));
  EXPECT_STATUS(E_NOMEM, sparsevar_var_forecast_f64(var, series, HUGE_ROWS, 8, out, MAX));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_var_rvar_f64)(var, series, BIG, BIG, &value));
  EXPECT_STATUS(E_NOMEM, sparsevar_var_rvar_f64(var, series, HUGE_ROWS, 8, &value));

  C(sparsevar_var_free)(fresh);
  sparsevar_var_free(var);
}

/* ------------------------------------------------------------------------------------------------
 * Var sets, group tests, statistics
 * ---------------------------------------------------------------------------------------------- */

static void hostile_sets(void) {
  sparsevar_var *var = fitted_var();
  sparsevar_var_set *set = NULL;
  sparsevar_test_result *result = NULL;
  double value = 0, statistic = 0, p_value = 0;
  int64_t n = 0, i;
  int32_t label = 0;
  static double p_values[4] = {0.01, 0.2, 0.5, 0.9};

  EXPECT_STATUS(E_ARG, C(sparsevar_var_set_create)(NULL));
  CHECK_OK(sparsevar_var_set_create(&set));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_var_set_add_f64)(set, var, series, BIG, BIG, 1, NULL));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_set_add_f64(set, var, series, MAX, K, 1, NULL));
  EXPECT_STATUS(E_NOMEM, sparsevar_var_set_add_f64(set, var, series, HUGE_ROWS, 8, 1, NULL));
  for (i = 0; i < 6; i++) CHECK_OK(sparsevar_var_set_add_f64(set, var, series, T, K, i < 3 ? 1 : 2, NULL));
  CHECK_OK(C(sparsevar_var_set_size)(set, &n));
  CHECK(n == 6);
  EXPECT_STATUS(E_ARG, C(sparsevar_var_set_get_label)(set, MAX, &label));
  EXPECT_STATUS(E_ARG, C(sparsevar_var_set_set_label)(set, MIN, 1));
  EXPECT_STATUS(E_ARG, C(sparsevar_var_set_set_param)(set, SPARSEVAR_TEST_PARAM_PERMUTATIONS, 1e300));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_EXACT_LIMIT, 9.3e18));
  EXPECT_STATUS(E_ARG, C(sparsevar_var_set_get_param)(set, INT32_MIN, &value));
  EXPECT_STATUS(E_ARG, C(sparsevar_swap_test)(&result, set, 1, 1));
  CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_PERMUTATIONS, 0));
  CHECK_OK(C(sparsevar_influence_test)(&result, set, 1, 2));
  CHECK_OK(C(sparsevar_test_result_values)(result, NULL, NULL, NULL, NULL, NULL));
  CHECK_OK(C(sparsevar_test_result_permutation)(result, NULL, NULL, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_test_result_permutation(NULL, &value, &value, &n, &label));
  EXPECT_STATUS2(E_ARG, E_SHAPE, C(sparsevar_smallest_p_value)(set, MAX, MAX, &value));
  EXPECT_STATUS2(E_ARG, E_SHAPE, sparsevar_smallest_p_value(set, MIN, 1, &value));
  EXPECT_STATUS2(E_ARG, E_SHAPE, sparsevar_smallest_p_value(set, BIG, BIG, &value));
  CHECK_OK(C(sparsevar_test_result_runs)(result, &n));
  CHECK_OK(C(sparsevar_test_result_matrix)(result, out, MAX));
  EXPECT_STATUS(E_SMALL, sparsevar_test_result_matrix(result, out, MIN));
  C(sparsevar_test_result_free)(result);

  /* Statistics on samples of hostile sizes. */
  EXPECT_STATUS(E_SHAPE, C(sparsevar_rank_sum)(&statistic, &p_value, out, MAX, out, 1, 2, 0));
  EXPECT_STATUS(E_SHAPE, sparsevar_rank_sum(&statistic, &p_value, out, 1, out, MAX, 2, 0));
  EXPECT_STATUS(E_NOMEM, sparsevar_rank_sum(&statistic, &p_value, out, HUGE_ROWS, out, 1, 2, 0));
  EXPECT_STATUS(E_ARG, sparsevar_rank_sum(&statistic, &p_value, out, MIN, out, 1, 2, 0));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_bonferroni)(out, p_values, MAX));
  EXPECT_STATUS(E_NOMEM, sparsevar_bonferroni(out, p_values, HUGE_ROWS));
  EXPECT_STATUS(E_SHAPE, sparsevar_bonferroni(out, p_values, MIN));

  C(sparsevar_var_set_free)(set);
  sparsevar_var_free(var);
}

/* ------------------------------------------------------------------------------------------------
 * LARS
 * ---------------------------------------------------------------------------------------------- */

static void hostile_lars(void) {
  static double x[LN * LP], y[LN], grad[LP], gx[LN * LP], gy[LN];
  sparsevar_lars_path *path = NULL;
  double *wide;
  int64_t i;
  for (i = 0; i < LN * LP; i++) x[i] = tc_normal();
  for (i = 0; i < LN; i++) y[i] = tc_normal();
  for (i = 0; i < LP; i++) grad[i] = 1;

  EXPECT_STATUS(E_SHAPE, C(sparsevar_lasso_lars)(out, MAX, x, BIG, BIG, y, 0.1, 0));
  EXPECT_STATUS(E_SHAPE, sparsevar_lasso_lars(out, MAX, x, MAX, 1, y, 0.1, 0));
  EXPECT_STATUS(E_NOMEM, sparsevar_lasso_lars(out, MAX, x, HUGE_ROWS, 8, y, 0.1, 0));
  EXPECT_STATUS(E_SMALL, sparsevar_lasso_lars(out, MIN, x, LN, LP, y, 0.1, 0));
  /* Few samples of many features: X fits in memory (4 x 2^21 doubles, 64 MiB), X^T X does not. */
  wide = calloc((size_t)4 << 21, sizeof(double));
  CHECK(wide != NULL);
  if (wide != NULL) {
    EXPECT_STATUS(E_NOMEM, sparsevar_lasso_lars(wide, (int64_t)1 << 21, wide, 4, (int64_t)1 << 21, y, 0.1, 0));
  }

  EXPECT_STATUS(E_SHAPE, C(sparsevar_lars_path_create)(&path, x, BIG, BIG, y, 0, 0, 0));
  EXPECT_STATUS(E_NOMEM, sparsevar_lars_path_create(&path, x, HUGE_ROWS, 8, y, 0, 0, 0));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_create(&path, x, LN, LP, y, 0, 0, MIN));
  if (wide != NULL) {
    EXPECT_STATUS(E_NOMEM, sparsevar_lars_path_create(&path, wide, 4, (int64_t)1 << 21, y, 0, 0, 0));
  }
  CHECK_OK(sparsevar_lars_path_create(&path, x, LN, LP, y, 0, 0, 0));
  CHECK_OK(C(sparsevar_lars_path_shape)(path, NULL, NULL, NULL, NULL));
  EXPECT_STATUS(E_SMALL, C(sparsevar_lars_path_lambdas)(path, out, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_lars_path_coefs)(path, out, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_lars_path_active)(path, (int64_t *)(void *)out, MIN));
  C(sparsevar_lars_path_free)(path);

  EXPECT_STATUS(E_SHAPE, C(sparsevar_lasso_lars_vjp)(gx, MAX, gy, MAX, NULL, 0, x, BIG, BIG, y, 0.1, 0,
                                                     SPARSEVAR_GRADIENT_IMPLICIT, grad, LP));
  EXPECT_STATUS(E_NOMEM, sparsevar_lasso_lars_vjp(gx, MAX, gy, MAX, NULL, 0, x, HUGE_ROWS, 8, y, 0.1, 0,
                                                  SPARSEVAR_GRADIENT_IMPLICIT, grad, 8));
  EXPECT_STATUS(E_SHAPE, sparsevar_lasso_lars_vjp(gx, MAX, gy, MAX, NULL, 0, x, LN, LP, y, 0.1, 0,
                                                  SPARSEVAR_GRADIENT_IMPLICIT, grad, MAX));
  EXPECT_STATUS(E_SMALL, sparsevar_lasso_lars_vjp(gx, MIN, gy, MAX, NULL, 0, x, LN, LP, y, 0.1, 0,
                                                  SPARSEVAR_GRADIENT_IMPLICIT, grad, LP));
  if (wide != NULL) {
    EXPECT_STATUS(E_NOMEM, sparsevar_lasso_lars_vjp(wide, MAX, gy, MAX, NULL, 0, wide, 4, (int64_t)1 << 21,
                                                    y, 0.1, 0, SPARSEVAR_GRADIENT_IMPLICIT, wide,
                                                    (int64_t)1 << 21));
  }
  free(wide);
}

/* ------------------------------------------------------------------------------------------------
 * Datasets and the synthetic experiment
 * ---------------------------------------------------------------------------------------------- */

static void hostile_datasets(void) {
  sparsevar_dataset *d = NULL, *bad = NULL;
  int64_t run = -1, n = 0, bytes = 0;
  int32_t label = 0, has = 0;
  double low = 0, high = 0;

  EXPECT_STATUS(E_NOMEM, C(sparsevar_dataset_create)(&bad, 100000, 100000, 0, 0, 1));
  CHECK(bad == NULL);
  EXPECT_STATUS(E_NOMEM, sparsevar_dataset_create(&bad, (int64_t)1 << 31, (int64_t)1 << 31, 0, 0, 1));
  EXPECT_STATUS(E_SHAPE, sparsevar_dataset_create(&bad, MAX, MAX, 0, 0, 1));
  EXPECT_STATUS2(E_ARG, E_SHAPE, sparsevar_dataset_create(&bad, BIG, BIG, 0, 0, 1));
  EXPECT_STATUS2(E_ARG, E_SHAPE, sparsevar_dataset_create(&bad, H, W, MAX, MAX, MAX));
  EXPECT_STATUS2(E_ARG, E_SHAPE, sparsevar_dataset_create(&bad, H, W, MIN, 0, 1));
  CHECK(bad == NULL);

  d = small_dataset();
  CHECK_OK(C(sparsevar_dataset_memory_bytes)(d, &bytes));
  /* Batches: count x height x width overflows, or its storage exceeds the address space (the
   * memory check comes before the values are read). */
  EXPECT_STATUS(E_ARG, C(sparsevar_dataset_begin_run)(d, 0, 2, &run));
  CHECK_OK(sparsevar_dataset_begin_run(d, 0, 0, &run));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_dataset_add_frames_u16)(d, run, u16, MAX, H, W));
  EXPECT_STATUS(E_NOMEM, sparsevar_dataset_add_frames_u16(d, run, u16, HUGE_ROWS, H, W));
  EXPECT_STATUS(E_SHAPE, sparsevar_dataset_add_frames_u16(d, run, u16, BIG, BIG, BIG));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_dataset_add_frames_f32)(d, run, f32, MAX, H, W));
  EXPECT_STATUS(E_NOMEM, sparsevar_dataset_add_frames_f32(d, run, f32, HUGE_ROWS, H, W));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_dataset_add_frames_f64)(d, run, f64, MAX, H, W));
  EXPECT_STATUS(E_NOMEM, sparsevar_dataset_add_frames_f64(d, run, f64, HUGE_ROWS, H, W));
  EXPECT_STATUS(E_ARG, sparsevar_dataset_add_frames_f64(d, MAX, f64, 1, H, W));
  EXPECT_STATUS(E_ARG, sparsevar_dataset_add_frames_f64(d, run, f64, MIN, H, W));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_dataset_add_run_u16)(d, u16, MAX, H, W, 0, 0, NULL));
  EXPECT_STATUS(E_NOMEM, sparsevar_dataset_add_run_u16(d, u16, HUGE_ROWS, H, W, 0, 0, NULL));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_dataset_add_run_f32)(d, f32, MAX, H, W, 0, 0, NULL));
  EXPECT_STATUS(E_NOMEM, sparsevar_dataset_add_run_f32(d, f32, HUGE_ROWS, H, W, 0, 0, NULL));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_dataset_add_run_f64)(d, f64, MAX, H, W, 0, 0, NULL));
  EXPECT_STATUS(E_NOMEM, sparsevar_dataset_add_run_f64(d, f64, HUGE_ROWS, H, W, 0, 0, NULL));
  /* Names: unknown runs, names beyond 4096 bytes, capacities below the length. */
  {
    static char long_name[5000];
    char name[8];
    int64_t length = 0;
    memset(long_name, 'a', sizeof long_name - 1);
    EXPECT_STATUS(E_ARG, C(sparsevar_dataset_add_run_file_v2)(d, NULL, 0, 0, 0, &run));
    EXPECT_STATUS2(E_ARG, SPARSEVAR_E_IO, sparsevar_dataset_add_run_file_v2(d, "/nonexistent/run.npy", MAX, 0, 0, &run));
    EXPECT_STATUS2(E_ARG, SPARSEVAR_E_IO, sparsevar_dataset_add_run_file_v2(d, "/nonexistent/run.npy", MIN, 0, 0, &run));
    EXPECT_STATUS(E_ARG, C(sparsevar_dataset_set_run_name)(d, MAX, "x"));
    EXPECT_STATUS(E_ARG, sparsevar_dataset_set_run_name(d, MIN, "x"));
    EXPECT_STATUS(E_ARG, sparsevar_dataset_set_run_name(d, 0, long_name));
    CHECK_OK(sparsevar_dataset_set_run_name(d, 0, "run"));
    EXPECT_STATUS(E_ARG, C(sparsevar_dataset_get_run_name)(d, MAX, name, (int64_t)sizeof name, &length));
    EXPECT_STATUS(E_SMALL, sparsevar_dataset_get_run_name(d, 0, name, MIN, &length));
    EXPECT_STATUS(E_SMALL, sparsevar_dataset_get_run_name(d, 0, name, 2, &length));
    EXPECT_STATUS(E_ARG, C(sparsevar_dataset_set_condition_name)(d, 1, long_name));
    CHECK_OK(sparsevar_dataset_set_condition_name(d, 1, "F"));
    EXPECT_STATUS(E_ARG, sparsevar_dataset_set_condition_name(d, 2, "F"));  /* another label's name */
    EXPECT_STATUS(E_SMALL, C(sparsevar_dataset_get_condition_name)(d, 1, name, MIN, &length));
    CHECK_OK(sparsevar_dataset_get_condition_name(d, INT32_MIN, name, (int64_t)sizeof name, &length));
    CHECK(length == -1);
  }
  /* Files: a NULL path, a FIFO instead of a regular file, and a .npy whose header declares
     2^40 frames it does not hold are refused before anything is read or allocated. */
  EXPECT_STATUS(E_ARG, C(sparsevar_dataset_add_run_file)(d, NULL, 0, 0, &run));
  {
    char dir[] = "/tmp/sparsevar-hostile-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/run.npy", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    /* Opened without blocking and refused as not a regular file: never waits for a writer. */
    EXPECT_STATUS(SPARSEVAR_E_IO, sparsevar_dataset_add_run_file(d, fifo, 0, 0, &run));
    unlink(fifo);
    rmdir(dir);
  }
  {
    char path[] = "/tmp/sparsevar-hostile-XXXXXX.npy";
    int fd = mkstemps(path, 4);
    CHECK(fd >= 0);
    if (fd >= 0) {
      static const char header[] =
          "\x93NUMPY\x01\x00\x76\x00{'descr': '<u2', 'fortran_order': False, "
          "'shape': (1099511627776, 32, 32), }";
      char block[128];
      memset(block, ' ', sizeof block);
      memcpy(block, header, sizeof header - 1);
      block[sizeof block - 1] = '\n';
      CHECK(write(fd, block, sizeof block) == (ssize_t)sizeof block);
      close(fd);
      EXPECT_STATUS(SPARSEVAR_E_FORMAT, sparsevar_dataset_add_run_file(d, path, 0, 0, &run));
      unlink(path);
    }
  }
  /* Nothing of the refused batches was kept. */
  CHECK_OK(C(sparsevar_dataset_size)(d, &n, NULL));
  CHECK(n == 5);
  CHECK_OK(C(sparsevar_dataset_frame_count)(d, run, &n));
  CHECK(n == 0);

  CHECK_OK(C(sparsevar_dataset_shape)(d, NULL, NULL, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_dataset_frame_count(d, MIN, &n));
  CHECK_OK(C(sparsevar_dataset_range)(d, &low, &high));
  EXPECT_STATUS(E_ARG, C(sparsevar_dataset_get_label)(d, MAX, &label, &has));
  EXPECT_STATUS(E_ARG, C(sparsevar_dataset_set_label)(d, MIN, 1, 1));
  EXPECT_STATUS(E_SMALL, C(sparsevar_dataset_mean_frame)(d, fout, MIN));
  EXPECT_STATUS(E_ARG, C(sparsevar_dataset_frames)(d, 0, MAX, MAX, fout, MAX));
  EXPECT_STATUS(E_ARG, sparsevar_dataset_frames(d, 0, 1, MAX, fout, MAX));
  EXPECT_STATUS(E_ARG, sparsevar_dataset_frames(d, 0, MIN, 1, fout, MAX));
  EXPECT_STATUS(E_SMALL, sparsevar_dataset_frames(d, 0, 0, 2, fout, MIN));
  C(sparsevar_dataset_free)(d);
}

static void hostile_synthetic(void) {
  sparsevar_synthetic *s = NULL;
  int64_t n = 0;
  int32_t label = 0;
  static uint16_t frames[48 * 32];
  EXPECT_STATUS(E_ARG, C(sparsevar_synthetic_create)(&s, INT32_MAX, 0));
  EXPECT_STATUS(E_ARG, sparsevar_synthetic_create(&s, SPARSEVAR_SYNTHETIC_PRESET_TINY, MIN));
  {
    sparsevar_synthetic *bad = NULL;
    const int32_t params[2] = {SPARSEVAR_SYNTHETIC_PARAM_NULL_EXPERIMENT, INT32_MAX};
    const double values[2] = {1, 1e300};
    EXPECT_STATUS2(E_ARG, E_SHAPE,
                   C(sparsevar_synthetic_create_with)(&bad, SPARSEVAR_SYNTHETIC_PRESET_TINY, 0, params, values, MAX));
    EXPECT_STATUS2(E_ARG, E_SHAPE,
                   sparsevar_synthetic_create_with(&bad, SPARSEVAR_SYNTHETIC_PRESET_TINY, 0, params, values, MIN));
    EXPECT_STATUS(E_ARG, sparsevar_synthetic_create_with(&bad, SPARSEVAR_SYNTHETIC_PRESET_TINY, 0, NULL, NULL, 1));
    EXPECT_STATUS(E_ARG, sparsevar_synthetic_create_with(&bad, SPARSEVAR_SYNTHETIC_PRESET_TINY, 0, params, values, 2));
    CHECK(bad == NULL);
  }
  CHECK_OK(sparsevar_synthetic_create(&s, SPARSEVAR_SYNTHETIC_PRESET_TINY, MAX));
  CHECK_OK(C(sparsevar_synthetic_shape)(s, &n, NULL, NULL, NULL, NULL, NULL));
  EXPECT_STATUS(E_ARG, C(sparsevar_synthetic_run)(s, MAX, &n, &label));
  EXPECT_STATUS(E_ARG, sparsevar_synthetic_run(s, MIN, &n, &label));
  /* first + count overflows. */
  EXPECT_STATUS(E_ARG, C(sparsevar_synthetic_frames)(s, 0, MAX, MAX, frames, MAX));
  EXPECT_STATUS(E_ARG, sparsevar_synthetic_frames(s, 0, 1, MAX, frames, MAX));
  EXPECT_STATUS(E_ARG, sparsevar_synthetic_frames(s, 0, MIN, 1, frames, MAX));
  EXPECT_STATUS(E_SMALL, sparsevar_synthetic_frames(s, 0, 0, 1, frames, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_synthetic_ground_truth)(s, fout, MIN));
  C(sparsevar_synthetic_free)(s);
}

/* ------------------------------------------------------------------------------------------------
 * Models
 * ---------------------------------------------------------------------------------------------- */

static void hostile_model_sizes(void) {
  sparsevar_autoencoder *m = NULL;
  sparsevar_dataset *d = NULL;
  double value = 0;
  int64_t c = 0;

  /* A frame size the header calls valid, whose network cannot be allocated here. */
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_create)(&m, MAX, MAX));
  EXPECT_STATUS(E_ARG, sparsevar_autoencoder_create(&m, 65537, 1));
  CHECK_OK(sparsevar_autoencoder_create(&m, 65536, 65536));
  /* The default depth is automatic: no latent shape before training. */
  EXPECT_STATUS(SPARSEVAR_E_NOT_FITTED, C(sparsevar_autoencoder_latent_shape)(m, &c, NULL, NULL));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, 3));
  EXPECT_STATUS(E_NOMEM, sparsevar_autoencoder_latent_shape(m, &c, NULL, NULL));
  EXPECT_STATUS(E_NOMEM, sparsevar_dataset_create(&d, 65536, 65536, 0, 0, 1));
  sparsevar_autoencoder_free(m);

  /* The largest channel counts on small frames: the parameters alone need more than the limit. */
  CHECK_OK(sparsevar_autoencoder_create(&m, 64, 64));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, 3));
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_set_param)(m, SPARSEVAR_AUTOENCODER_PARAM_CHANNELS, 1e12));
  EXPECT_STATUS(E_ARG, sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_LAG, 9.2e18));
  EXPECT_STATUS(E_ARG, sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_WINDOW, 1e300));
  EXPECT_STATUS(E_ARG, sparsevar_autoencoder_set_param(m, INT32_MIN, 1));
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_get_param)(m, INT32_MAX, &value));
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_param_bounds)(INT32_MAX, NULL, NULL, NULL));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_CHANNELS, 4096));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_LATENT_CHANNELS, 4096));
  EXPECT_STATUS(E_NOMEM, sparsevar_autoencoder_latent_shape(m, &c, NULL, NULL));
  d = small_dataset();
  EXPECT_STATUS2(E_NOMEM, E_SHAPE, C(sparsevar_autoencoder_train)(m, d, NULL, NULL));
  /* Still untrained and usable: */
  CHECK_OK(C(sparsevar_autoencoder_shape)(m, NULL, NULL));
  CHECK_OK(C(sparsevar_autoencoder_training_state)(m, NULL, NULL));
  sparsevar_autoencoder_free(m);

  /* A window of a billion frames is a valid parameter; the training step is sized by the data. */
  CHECK_OK(sparsevar_autoencoder_create(&m, H, W));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_WINDOW, 1e9));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_LAG, 1000));
  EXPECT_STATUS(E_ARG, sparsevar_autoencoder_train(m, d, NULL, NULL));
  C(sparsevar_autoencoder_free)(m);
  sparsevar_dataset_free(d);
}

static void hostile_trained_model(void) {
  sparsevar_autoencoder *m = NULL, *loaded = NULL;
  sparsevar_dataset *d = small_dataset();
  sparsevar_test_result *result = NULL;
  int64_t n = 0;
  int32_t label = 0, has = 0;
  double a = 0, b = 0;

  CHECK_OK(sparsevar_autoencoder_create(&m, H, W));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, 1));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_CHANNELS, 2));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_LAG, 1));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_WINDOW, 12));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_LAMBDA, 0.1));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_THREADS, 1));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_TEST_PERMUTATIONS, 0));
  EXPECT_STATUS(SPARSEVAR_E_NOT_FITTED, C(sparsevar_autoencoder_analyze)(m, d, NULL, NULL));
  CHECK_OK(sparsevar_autoencoder_train(m, d, NULL, NULL));
  CHECK_OK(sparsevar_autoencoder_analyze(m, d, NULL, NULL));
  CHECK_OK(C(sparsevar_autoencoder_analysis_shape)(m, &n, NULL, NULL));

  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_run_length)(m, MAX, &n));
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_run_coef)(m, MIN, out, MAX));
  EXPECT_STATUS(E_SMALL, sparsevar_autoencoder_run_coef(m, 0, out, MIN));
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_run_metrics)(m, MAX, &a, &b));
  EXPECT_STATUS(E_SMALL, C(sparsevar_autoencoder_run_latents)(m, 0, out, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_autoencoder_run_latent_mean)(m, 0, out, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_autoencoder_run_influence)(m, 0, out, MIN));
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_run_label)(m, MIN, &label, &has));
  {
    char name[8];
    int64_t length = 0;
    EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_run_name)(m, MAX, name, (int64_t)sizeof name, &length));
    EXPECT_STATUS(E_ARG, sparsevar_autoencoder_run_name(m, MIN, name, (int64_t)sizeof name, &length));
    CHECK_OK(sparsevar_autoencoder_run_name(m, 0, NULL, 0, &length));
    EXPECT_STATUS2(SPARSEVAR_OK, E_SMALL, sparsevar_autoencoder_run_name(m, 0, name, MIN, &length));
    CHECK_OK(C(sparsevar_autoencoder_condition_name)(m, INT32_MIN, name, (int64_t)sizeof name, &length));
    CHECK(length == -1);
  }
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_swap_test)(&result, m, 1, 1));
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_influence_test)(&result, m, 1, 1));
  EXPECT_STATUS(E_ARG, C(sparsevar_autoencoder_contribution_map)(m, MAX, 1, fout, MAX));
  EXPECT_STATUS(E_ARG, sparsevar_autoencoder_contribution_map(m, 0, HUGE_VAL, fout, MAX));
  EXPECT_STATUS(E_SMALL, sparsevar_autoencoder_contribution_map(m, 0, 1, fout, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_autoencoder_group_map)(m, 1, 1, fout, MIN));
  EXPECT_STATUS(E_SMALL, C(sparsevar_autoencoder_difference_map)(m, 1, 2, 1, fout, MIN));

  /* Encoding batches of hostile sizes. */
  EXPECT_STATUS(E_SHAPE, C(sparsevar_autoencoder_encode_f32)(m, f32, MAX, H, W, out, MAX));
  EXPECT_STATUS(E_SMALL, sparsevar_autoencoder_encode_f32(m, f32, BIG, H, W, out, BIG)); /* BIG x K > BIG */
  EXPECT_STATUS(E_NOMEM, sparsevar_autoencoder_encode_f32(m, f32, BIG, H, W, out, MAX));
  EXPECT_STATUS(E_NOMEM, sparsevar_autoencoder_encode_f32(m, f32, HUGE_ROWS, H, W, out, MAX));
  EXPECT_STATUS(E_SHAPE, sparsevar_autoencoder_encode_f32(m, f32, 1, MAX, MAX, out, MAX));
  EXPECT_STATUS(E_SMALL, sparsevar_autoencoder_encode_f32(m, f32, 1, H, W, out, MIN));
  EXPECT_STATUS(E_SHAPE, C(sparsevar_autoencoder_encode_f64)(m, f64, MAX, H, W, out, MAX));
  EXPECT_STATUS(E_NOMEM, sparsevar_autoencoder_encode_f64(m, f64, HUGE_ROWS, H, W, out, MAX));

  /* Files are tested in depth elsewhere; here: a path that cannot be used. */
  EXPECT_STATUS(SPARSEVAR_E_IO, C(sparsevar_autoencoder_save)(m, "/nonexistent-directory/model.svar"));
  EXPECT_STATUS(SPARSEVAR_E_IO, C(sparsevar_autoencoder_load)(&loaded, "/nonexistent-directory/model.svar"));
  CHECK(loaded == NULL);

  sparsevar_autoencoder_free(m);
  sparsevar_dataset_free(d);
}

/* ------------------------------------------------------------------------------------------------
 * Handles of the wrong type, freed handles; calls without sizes
 * ---------------------------------------------------------------------------------------------- */

static void misused_handles(void) {
  sparsevar_var *var = fitted_var(), *freed = NULL;
  sparsevar_var_set *set = NULL;
  sparsevar_dataset *d = NULL;
  sparsevar_autoencoder *m = NULL;
  sparsevar_test_result *result = NULL;
  int64_t n = 0;
  double value = 0;
  void *any;

  CHECK_OK(sparsevar_var_set_create(&set));
  CHECK_OK(sparsevar_dataset_create(&d, H, W, 0, 0, 1));
  CHECK_OK(sparsevar_autoencoder_create(&m, H, W));

  /* Every handle type where another is expected. */
  any = var;
  EXPECT_STATUS(E_ARG, sparsevar_autoencoder_shape((sparsevar_autoencoder *)any, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_dataset_size((sparsevar_dataset *)any, &n, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_size((sparsevar_var_set *)any, &n));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_shape((sparsevar_lars_path *)any, NULL, NULL, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_synthetic_shape((sparsevar_synthetic *)any, NULL, NULL, NULL, NULL, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_test_result_runs((sparsevar_test_result *)any, &n));
  any = m;
  EXPECT_STATUS(E_ARG, sparsevar_var_shape((sparsevar_var *)any, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_fit_f64((sparsevar_var *)any, series, T, K, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_add_f64(set, (sparsevar_var *)any, series, T, K, 1, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_autoencoder_train(m, (sparsevar_dataset *)any, NULL, NULL));
  any = d;
  EXPECT_STATUS(E_ARG, sparsevar_autoencoder_train((sparsevar_autoencoder *)any, d, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_get_param((sparsevar_var *)any, SPARSEVAR_VAR_PARAM_LAG, &value));
  any = set;
  EXPECT_STATUS(E_ARG, sparsevar_swap_test(&result, (sparsevar_var_set *)(void *)var, 1, 2));
  EXPECT_STATUS(E_ARG, sparsevar_dataset_memory_bytes((sparsevar_dataset *)any, &n));
  /* Freeing with the wrong function is ignored: the handle stays valid. */
  sparsevar_autoencoder_free((sparsevar_autoencoder *)(void *)var);
  sparsevar_dataset_free((sparsevar_dataset *)(void *)m);
  CHECK_OK(sparsevar_var_shape(var, NULL, NULL));
  CHECK_OK(sparsevar_autoencoder_shape(m, NULL, NULL));

  /* A freed handle, checked before its memory can be reused; a second free is ignored. */
  CHECK_OK(sparsevar_var_create(&freed));
  sparsevar_var_free(freed);
  EXPECT_STATUS(E_ARG, sparsevar_var_shape(freed, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_param(freed, SPARSEVAR_VAR_PARAM_LAG, 2));
  sparsevar_var_free(freed);

  /* NULL handles, NULL out-parameters. */
  EXPECT_STATUS(E_ARG, sparsevar_var_shape(NULL, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_create(NULL, series, T, K, series, 0, 0, 0));
  EXPECT_STATUS(E_ARG, sparsevar_synthetic_create(NULL, 0, 0));

  /* The calls without handles or sizes. */
  CHECK(strcmp(C(sparsevar_errstr)(INT32_MIN), "unknown status code") == 0);
  CHECK(strcmp(sparsevar_errstr(INT32_MAX), "unknown status code") == 0);
  CHECK(strcmp(sparsevar_errstr(SPARSEVAR_E_NO_MEMORY), "out of memory") == 0);
  CHECK(C(sparsevar_last_error)() != NULL);
  CHECK(C(sparsevar_version_number)() == SPARSEVAR_VERSION_NUMBER);
  CHECK(strcmp(C(sparsevar_version_string)(), SPARSEVAR_VERSION_STRING) == 0);
  {
    char table[16];
    int64_t length = 0;
    CHECK_OK(C(sparsevar_param_table)(NULL, 0, &length));
    CHECK(length > 1000);
    CHECK_OK(sparsevar_param_table(NULL, 0, NULL));
    EXPECT_STATUS(E_SMALL, sparsevar_param_table(table, (int64_t)sizeof table, &length));
    EXPECT_STATUS(E_SMALL, sparsevar_param_table(table, MIN, NULL));
    EXPECT_STATUS(E_SMALL, sparsevar_param_table(table, -1, NULL));
    EXPECT_STATUS2(E_ARG, E_SMALL, sparsevar_param_table(NULL, MAX, NULL));
  }

  sparsevar_var_free(var);
  sparsevar_var_set_free(set);
  sparsevar_dataset_free(d);
  sparsevar_autoencoder_free(m);
}

/* ------------------------------------------------------------------------------------------------
 * Coverage of the header
 * ---------------------------------------------------------------------------------------------- */

static void check_coverage(void) {
  FILE *header = fopen(HEADER_PATH, "r");
  char line[512];
  int declared = 0;
  check_section("every function of the header was called");
  CHECK_MSG(header != NULL, "cannot open %s (run from tests/c)", HEADER_PATH);
  if (header == NULL) return;
  while (fgets(line, sizeof line, header) != NULL) {
    char name[128];
    const char *start, *end;
    size_t n;
    if (strncmp(line, "SPARSEVAR_API ", 14) != 0) continue;
    start = strstr(line, "sparsevar_");
    end = start != NULL ? strchr(start, '(') : NULL;
    if (start == NULL || end == NULL) continue;
    /* The name is the last identifier before '(' (skips "sparsevar_var *" return types). */
    while (start != NULL && strstr(start + 1, "sparsevar_") != NULL && strstr(start + 1, "sparsevar_") < end)
      start = strstr(start + 1, "sparsevar_");
    n = (size_t)(end - start);
    if (n == 0 || n >= sizeof name) continue;
    memcpy(name, start, n);
    name[n] = '\0';
    declared++;
    CHECK_MSG(covered(name), "%s is declared in the header but not called by test_hostile.c", name);
  }
  fclose(header);
  CHECK_MSG(declared >= 90, "only %d functions found in %s", declared, HEADER_PATH);
  check_note("%d functions declared, all checked for coverage", declared);
}

int main(void) {
  coverage = mmap(NULL, COVERAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (coverage == MAP_FAILED) {
    printf("mmap failed\n");
    return 1;
  }
  coverage[0] = '\0';
  make_data();
  in_child("VAR: fits, masks, forecasts of hostile sizes", hostile_var);
  in_child("var sets, group tests, rank-sum, Bonferroni", hostile_sets);
  in_child("LARS: lasso, path, VJP", hostile_lars);
  in_child("datasets", hostile_datasets);
  in_child("synthetic experiment", hostile_synthetic);
  in_child("models: frame sizes and channels beyond memory", hostile_model_sizes);
  in_child("trained model: runs, maps, encoding", hostile_trained_model);
  in_child("handles of the wrong type, freed handles", misused_handles);
  check_coverage();
  return check_finish();
}
