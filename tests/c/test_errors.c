/*
 * test_errors.c - the C API of sparsevar on bad input, through the header only.
 *
 * Every function given bad input returns the documented status, leaves a message in
 * sparsevar_last_error() and leaves every object as it was (compared bit for bit through the
 * query calls); constructors set their out-parameter to NULL on failure; too-small buffers give
 * SPARSEVAR_E_BUFFER_TOO_SMALL with nothing written beyond the stated length; *_free(NULL) is a
 * no-op; sparsevar_errstr is never empty; sparsevar_last_error is never NULL and per-thread.
 *
 * Where the header documents no single code for a case (for example a negative size, which may
 * be read as an invalid argument or as a shape error) EXPECT_STATUS2 accepts either.
 */
#define _POSIX_C_SOURCE 200112L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* pthread_create is in libc itself from glibc 2.34 on (and on macOS), so the fixed compile line,
 * which has no -pthread, links it; elsewhere the per-thread check is skipped with a note. */
#if (defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))) || \
    defined(__APPLE__)
#define HAVE_PTHREAD 1
#include <pthread.h>
#else
#define HAVE_PTHREAD 0
#endif

#define E_ARG SPARSEVAR_E_INVALID_ARGUMENT
#define E_SHAPE SPARSEVAR_E_SHAPE
#define E_NONFINITE SPARSEVAR_E_NON_FINITE
#define E_NOTFIT SPARSEVAR_E_NOT_FITTED
#define E_SMALL SPARSEVAR_E_BUFFER_TOO_SMALL

#define SENTINEL (-12345.678)
#define COUNT(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------------------------------------------
 * Snapshots of objects, compared bit for bit before and after a failing call.
 * ---------------------------------------------------------------------------------------------- */

static const int32_t var_params[] = {
    SPARSEVAR_VAR_PARAM_LAG,       SPARSEVAR_VAR_PARAM_LAMBDA,   SPARSEVAR_VAR_PARAM_EPS_GAMMA,
    SPARSEVAR_VAR_PARAM_NORMALIZE, SPARSEVAR_VAR_PARAM_INTERCEPT, SPARSEVAR_VAR_PARAM_MAX_ITER,
    SPARSEVAR_VAR_PARAM_CRITERION, SPARSEVAR_VAR_PARAM_THREADS};
enum { N_VAR_PARAMS = 8, SNAP_COEF = 1024, SNAP_K = 32 };

typedef struct {
  double params[N_VAR_PARAMS];
  double coef[SNAP_COEF];
  double intercept[SNAP_K];
  double lambdas[SNAP_K];
  double influence[SNAP_K];
  double sigma;
  int64_t p, k;
  int32_t param_status[N_VAR_PARAMS];
  int32_t shape_status;
  int32_t padding;
} var_snapshot;

static void snapshot_var(const sparsevar_var *var, var_snapshot *s) {
  int i;
  memset(s, 0, sizeof *s);
  for (i = 0; i < N_VAR_PARAMS; i++)
    s->param_status[i] = sparsevar_var_get_param(var, var_params[i], &s->params[i]);
  s->shape_status = sparsevar_var_shape(var, &s->p, &s->k);
  if (s->shape_status == SPARSEVAR_OK) {
    sparsevar_var_coef(var, s->coef, SNAP_COEF);
    sparsevar_var_intercept(var, s->intercept, SNAP_K);
    sparsevar_var_lambdas(var, s->lambdas, SNAP_K);
    sparsevar_var_influence(var, s->influence, SNAP_K);
    sparsevar_var_sigma(var, &s->sigma);
  }
}

/* CHECK that a VAR is bit-identical to an earlier snapshot. */
#define CHECK_VAR_UNCHANGED(var, before)                                                   \
  do {                                                                                     \
    var_snapshot after_;                                                                   \
    snapshot_var((var), &after_);                                                          \
    CHECK_MSG(memcmp(&after_, (before), sizeof after_) == 0,                               \
              "the VAR changed after a failed call (params, fit or coefficients differ)"); \
  } while (0)

enum { SNAP_RUNS = 16 };
static const int32_t test_params[] = {
    SPARSEVAR_TEST_PARAM_METHOD, SPARSEVAR_TEST_PARAM_PERMUTATIONS, SPARSEVAR_TEST_PARAM_SEED,
    SPARSEVAR_TEST_PARAM_EXACT_LIMIT, SPARSEVAR_TEST_PARAM_THREADS};
typedef struct {
  double params[5];
  int64_t n_runs;
  int32_t labels[SNAP_RUNS];
  int32_t status[5];
  int32_t size_status;
  int32_t padding;
} set_snapshot;

static void snapshot_set(const sparsevar_var_set *set, set_snapshot *s) {
  int64_t i;
  memset(s, 0, sizeof *s);
  for (i = 0; i < 5; i++)
    s->status[i] = sparsevar_var_set_get_param(set, test_params[i], &s->params[i]);
  s->size_status = sparsevar_var_set_size(set, &s->n_runs);
  for (i = 0; i < s->n_runs && i < SNAP_RUNS; i++)
    sparsevar_var_set_get_label(set, i, &s->labels[i]);
}

#define CHECK_SET_UNCHANGED(set, before)                                                      \
  do {                                                                                        \
    set_snapshot after_;                                                                      \
    snapshot_set((set), &after_);                                                             \
    CHECK_MSG(memcmp(&after_, (before), sizeof after_) == 0,                                  \
              "the var set changed after a failed call (size, labels or parameters differ)"); \
  } while (0)

/* True when buf[from..to) all hold SENTINEL. */
static int untouched(const double *buf, int64_t from, int64_t to) {
  int64_t i;
  for (i = from; i < to; i++)
    if (memcmp(&buf[i], &(double){SENTINEL}, sizeof(double)) != 0) return 0;
  return 1;
}

static void fill(double *buf, int64_t n) {
  int64_t i;
  for (i = 0; i < n; i++) buf[i] = SENTINEL;
}

/* A dummy non-NULL value for handle out-parameters, to see that failures reset them to NULL. */
static char dummy_storage[16];
#define DUMMY(type) ((type *)(void *)dummy_storage)

/* ------------------------------------------------------------------------------------------------
 * Data
 * ---------------------------------------------------------------------------------------------- */

enum { K = 3, T = 80, P = 2 };
static double series[T * K];       /* a VAR(2) series */
static double series2[T * K];      /* another one */
static float series_f32[T * K];

static void make_series(void) {
  double coef[P * K * K];
  int64_t i;
  memset(coef, 0, sizeof coef);
  coef[0 * K * K + 0 * K + 0] = 0.5;
  coef[0 * K * K + 1 * K + 1] = 0.4;
  coef[0 * K * K + 2 * K + 2] = 0.3;
  coef[0 * K * K + 1 * K + 0] = 0.3;
  coef[1 * K * K + 2 * K + 1] = -0.2;
  tc_seed(11);
  tc_simulate_var(series, T, K, P, coef, 1.0, 50);
  tc_simulate_var(series2, T, K, P, coef, 2.0, 50);
  for (i = 0; i < T * K; i++) series_f32[i] = (float)series[i];
}

static sparsevar_var *fitted_var(int64_t lag, const double *z) {
  sparsevar_var *var = NULL;
  CHECK_OK(sparsevar_var_create(&var));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, (double)lag));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_THREADS, 1));
  CHECK_OK(sparsevar_var_fit_f64(var, z, T, K, NULL, NULL));
  return var;
}

/* ------------------------------------------------------------------------------------------------
 * Status strings, last error, free(NULL)
 * ---------------------------------------------------------------------------------------------- */

static void test_initial_last_error(void) {
  const char *message = sparsevar_last_error();
  check_section("last error before any failure");
  CHECK(message != NULL);
  CHECK_MSG(message != NULL && message[0] == '\0',
            "sparsevar_last_error() before any failing call is \"%s\", documented \"\"",
            message ? message : "(NULL)");
}

static void test_errstr(void) {
  static const int32_t known[] = {SPARSEVAR_OK,
                                  SPARSEVAR_E_INVALID_ARGUMENT,
                                  SPARSEVAR_E_SHAPE,
                                  SPARSEVAR_E_NON_FINITE,
                                  SPARSEVAR_E_NOT_FITTED,
                                  SPARSEVAR_E_NUMERICAL,
                                  SPARSEVAR_E_BUFFER_TOO_SMALL,
                                  SPARSEVAR_E_INTERRUPTED,
                                  SPARSEVAR_E_NO_MEMORY,
                                  SPARSEVAR_E_FORMAT,
                                  SPARSEVAR_E_IO,
                                  SPARSEVAR_E_INTERNAL};
  static const int32_t unknown[] = {1, 2, -11, -98, -100, 100, 12345, INT32_MAX, INT32_MIN};
  int64_t i, j;
  check_section("sparsevar_errstr");
  /* The pinned values of the header. */
  CHECK(SPARSEVAR_OK == 0 && SPARSEVAR_E_INVALID_ARGUMENT == -1 && SPARSEVAR_E_SHAPE == -2 &&
        SPARSEVAR_E_NON_FINITE == -3 && SPARSEVAR_E_NOT_FITTED == -4 &&
        SPARSEVAR_E_NUMERICAL == -5 && SPARSEVAR_E_BUFFER_TOO_SMALL == -6 &&
        SPARSEVAR_E_INTERRUPTED == -7 && SPARSEVAR_E_NO_MEMORY == -8 &&
        SPARSEVAR_E_FORMAT == -9 && SPARSEVAR_E_IO == -10 && SPARSEVAR_E_INTERNAL == -99);
  for (i = 0; i < COUNT(known); i++) {
    const char *s = sparsevar_errstr(known[i]);
    CHECK_MSG(s != NULL && s[0] != '\0', "sparsevar_errstr(%d) is NULL or empty", known[i]);
    CHECK_MSG(s == sparsevar_errstr(known[i]), "sparsevar_errstr(%d) is not a static string",
              known[i]);
    CHECK_MSG(s != NULL && strcmp(s, "unknown status code") != 0,
              "sparsevar_errstr(%d) says \"unknown status code\"", known[i]);
    for (j = 0; j < i; j++)
      CHECK_MSG(s != NULL && strcmp(s, sparsevar_errstr(known[j])) != 0,
                "sparsevar_errstr(%d) == sparsevar_errstr(%d)", known[i], known[j]);
  }
  for (i = 0; i < COUNT(unknown); i++) {
    const char *s = sparsevar_errstr(unknown[i]);
    CHECK_MSG(s != NULL && s[0] != '\0', "sparsevar_errstr(%d) is NULL or empty", unknown[i]);
    CHECK_MSG(s != NULL && strcmp(s, "unknown status code") == 0,
              "sparsevar_errstr(%d) = \"%s\", documented \"unknown status code\"", unknown[i],
              s ? s : "(NULL)");
    CHECK(s == sparsevar_errstr(unknown[i]));
  }
}

static void test_last_error_persistence(void) {
  char saved[512];
  sparsevar_var *var = NULL;
  double value = 0;
  check_section("last error: set by failures, kept by successes");
  EXPECT_STATUS(E_ARG, sparsevar_var_set_param(NULL, SPARSEVAR_VAR_PARAM_LAG, 3));
  CHECK(sparsevar_last_error() != NULL && sparsevar_last_error()[0] != '\0');
  strncpy(saved, sparsevar_last_error(), sizeof saved - 1);
  saved[sizeof saved - 1] = '\0';
  CHECK_OK(sparsevar_var_create(&var));
  CHECK_OK(sparsevar_var_get_param(var, SPARSEVAR_VAR_PARAM_LAG, &value));
  CHECK_MSG(strcmp(saved, sparsevar_last_error()) == 0,
            "a successful call changed sparsevar_last_error() from \"%s\"", saved);
  /* A different failure gives a different message. */
  EXPECT_STATUS(E_ARG, sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, 0));
  CHECK_MSG(strcmp(saved, sparsevar_last_error()) != 0,
            "two different failures left the same message \"%s\"", saved);
  sparsevar_var_free(var);
}

static void test_free_null(void) {
  check_section("*_free(NULL)");
  sparsevar_var_free(NULL);
  sparsevar_lars_path_free(NULL);
  sparsevar_var_set_free(NULL);
  sparsevar_test_result_free(NULL);
  CHECK_MSG(1, "the four *_free(NULL) calls returned");
}

/* ------------------------------------------------------------------------------------------------
 * Constructors with NULL out
 * ---------------------------------------------------------------------------------------------- */

static void test_constructors_null_out(void) {
  double x[4] = {1, 2, 3, 4}, y[2] = {1, 2};
  check_section("constructors with out = NULL");
  EXPECT_STATUS(E_ARG, sparsevar_var_create(NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_create(NULL));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_create(NULL, x, 2, 2, y, 0, 0, 0));
  EXPECT_STATUS(E_ARG, sparsevar_swap_test(NULL, NULL, 1, 2));
  EXPECT_STATUS(E_ARG, sparsevar_influence_test(NULL, NULL, 1, 2));
}

/* ------------------------------------------------------------------------------------------------
 * VAR parameters
 * ---------------------------------------------------------------------------------------------- */

static void test_var_params(void) {
  static const int32_t unknown_ids[] = {0,   1,   -1,  99,  106, 107, 199, 201,
                                        300, 301, 399, 401, INT32_MAX, INT32_MIN};
  struct bad {
    int32_t param;
    double value;
  };
  const double nan = NAN, inf = INFINITY;
  const struct bad bad_values[] = {
      {SPARSEVAR_VAR_PARAM_LAG, 0},          {SPARSEVAR_VAR_PARAM_LAG, -1},
      {SPARSEVAR_VAR_PARAM_LAG, 1001},       {SPARSEVAR_VAR_PARAM_LAG, 2.5},
      {SPARSEVAR_VAR_PARAM_LAG, nan},        {SPARSEVAR_VAR_PARAM_LAG, inf},
      {SPARSEVAR_VAR_PARAM_LAG, -inf},       {SPARSEVAR_VAR_PARAM_LAG, 1e300},
      {SPARSEVAR_VAR_PARAM_LAMBDA, -1e-12},  {SPARSEVAR_VAR_PARAM_LAMBDA, -1},
      {SPARSEVAR_VAR_PARAM_LAMBDA, nan},     {SPARSEVAR_VAR_PARAM_LAMBDA, -inf},
      {SPARSEVAR_VAR_PARAM_EPS_GAMMA, -0.1}, {SPARSEVAR_VAR_PARAM_EPS_GAMMA, nan},
      {SPARSEVAR_VAR_PARAM_EPS_GAMMA, -inf}, {SPARSEVAR_VAR_PARAM_NORMALIZE, -1},
      {SPARSEVAR_VAR_PARAM_NORMALIZE, 2},    {SPARSEVAR_VAR_PARAM_NORMALIZE, 0.5},
      {SPARSEVAR_VAR_PARAM_NORMALIZE, nan},  {SPARSEVAR_VAR_PARAM_INTERCEPT, -1},
      {SPARSEVAR_VAR_PARAM_INTERCEPT, 3},    {SPARSEVAR_VAR_PARAM_INTERCEPT, 0.5},
      {SPARSEVAR_VAR_PARAM_INTERCEPT, nan},  {SPARSEVAR_VAR_PARAM_MAX_ITER, -1},
      {SPARSEVAR_VAR_PARAM_MAX_ITER, 0.5},   {SPARSEVAR_VAR_PARAM_MAX_ITER, nan},
      {SPARSEVAR_VAR_PARAM_MAX_ITER, inf},   {SPARSEVAR_VAR_PARAM_MAX_ITER, -inf},
      {SPARSEVAR_VAR_PARAM_CRITERION, -1},   {SPARSEVAR_VAR_PARAM_CRITERION, 3},
      {SPARSEVAR_VAR_PARAM_CRITERION, 1.5},  {SPARSEVAR_VAR_PARAM_CRITERION, nan},
      {SPARSEVAR_VAR_PARAM_THREADS, -1},     {SPARSEVAR_VAR_PARAM_THREADS, 0.5},
      {SPARSEVAR_VAR_PARAM_THREADS, nan},    {SPARSEVAR_VAR_PARAM_THREADS, inf},
  };
  sparsevar_var *var = NULL;
  var_snapshot before;
  double value, lower, upper, def;
  int64_t i;

  check_section("VAR parameters: unknown ids, NULL, out-of-range values");
  CHECK_OK(sparsevar_var_create(&var));
  /* Non-default values, so that "unchanged" is not "reset to default". */
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, 2));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAMBDA, 0.05));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_EPS_GAMMA, 1e-6));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_NORMALIZE, 0));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_INTERCEPT, 1));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_MAX_ITER, 50));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_CRITERION, SPARSEVAR_CRITERION_BIC));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_THREADS, 1));
  snapshot_var(var, &before);

  for (i = 0; i < COUNT(unknown_ids); i++) {
    value = SENTINEL;
    EXPECT_STATUS(E_ARG, sparsevar_var_set_param(var, unknown_ids[i], 1));
    EXPECT_STATUS(E_ARG, sparsevar_var_get_param(var, unknown_ids[i], &value));
    CHECK_MSG(value == SENTINEL, "get_param of unknown id %d wrote its output", unknown_ids[i]);
    EXPECT_STATUS(E_ARG, sparsevar_var_param_bounds(unknown_ids[i], &lower, &upper, &def));
    EXPECT_STATUS(E_ARG, sparsevar_var_param_bounds(unknown_ids[i], NULL, NULL, NULL));
  }
  CHECK_VAR_UNCHANGED(var, &before);

  for (i = 0; i < N_VAR_PARAMS; i++) {
    EXPECT_STATUS(E_ARG, sparsevar_var_set_param(NULL, var_params[i], 1));
    EXPECT_STATUS(E_ARG, sparsevar_var_get_param(NULL, var_params[i], &value));
    EXPECT_STATUS(E_ARG, sparsevar_var_get_param(var, var_params[i], NULL));
  }

  for (i = 0; i < COUNT(bad_values); i++) {
    int32_t status = sparsevar_var_set_param(var, bad_values[i].param, bad_values[i].value);
    CHECK_MSG(status == E_ARG, "sparsevar_var_set_param(var, %d, %g) returned %d (%s), expected %d",
              bad_values[i].param, bad_values[i].value, status, sparsevar_errstr(status), E_ARG);
    CHECK_VAR_UNCHANGED(var, &before);
  }

  /* The header gives lambda and eps_gamma the range [0, inf): infinity itself is outside it
   * (and a fit rejects an infinite lambda), so set_param must refuse it. */
  if (EXPECT_STATUS(E_ARG, sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAMBDA, INFINITY)))
    CHECK_VAR_UNCHANGED(var, &before);
  else /* accepted: put the old value back so that the failure does not cascade */
    CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAMBDA, 0.05));
  if (EXPECT_STATUS(E_ARG, sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_EPS_GAMMA, INFINITY)))
    CHECK_VAR_UNCHANGED(var, &before);
  else
    CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_EPS_GAMMA, 1e-6));

  /* Each parameter's bounds: just outside is refused (integers and finite uppers). */
  for (i = 0; i < N_VAR_PARAMS; i++) {
    CHECK_OK(sparsevar_var_param_bounds(var_params[i], &lower, &upper, &def));
    EXPECT_STATUS(E_ARG, sparsevar_var_set_param(var, var_params[i], lower - 1));
    if (isfinite(upper))
      EXPECT_STATUS(E_ARG, sparsevar_var_set_param(var, var_params[i], upper + 1));
    CHECK_VAR_UNCHANGED(var, &before);
  }
  sparsevar_var_free(var);
}

/* ------------------------------------------------------------------------------------------------
 * Not fitted
 * ---------------------------------------------------------------------------------------------- */

static void test_not_fitted(void) {
  sparsevar_var *var = NULL;
  sparsevar_var_set *set = NULL;
  double buf[256], sigma = SENTINEL, r_var = SENTINEL;
  int64_t p = -7, k = -7, len = -7;
  var_snapshot before;

  check_section("queries on a VAR that was never fitted");
  CHECK_OK(sparsevar_var_create(&var));
  snapshot_var(var, &before);
  fill(buf, 256);
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_shape(var, &p, &k));
  CHECK(p == -7 && k == -7);
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_coef(var, buf, 256));
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_intercept(var, buf, 256));
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_sigma(var, &sigma));
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_lambdas(var, buf, 256));
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_influence(var, buf, 256));
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_forecast_f64(var, series, T, K, buf, 256));
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_rvar_f64(var, series, T, K, &r_var));
  EXPECT_STATUS2(E_NOTFIT, E_ARG, sparsevar_var_path_length(var, 0, &len));
  EXPECT_STATUS2(E_NOTFIT, E_ARG, sparsevar_var_path(var, 0, buf, buf + 128, 128));
  CHECK(untouched(buf, 0, 256) && sigma == SENTINEL && r_var == SENTINEL && len == -7);
  CHECK_VAR_UNCHANGED(var, &before);

  CHECK_OK(sparsevar_var_set_create(&set));
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_set_add_f64(set, var, series, T, K, 1, NULL));
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_set_add_f64(set, var, NULL, 0, 0, 1, NULL));
  CHECK_OK(sparsevar_var_set_size(set, &len));
  CHECK(len == 0);
  sparsevar_var_set_free(set);
  sparsevar_var_free(var);
}

/* ------------------------------------------------------------------------------------------------
 * Fits that fail keep the previous fit
 * ---------------------------------------------------------------------------------------------- */

static int32_t cancel_at_once(int64_t done, int64_t total, void *user) {
  (void)done;
  (void)total;
  (*(int *)user)++;
  return 1;
}

static void test_failed_fits(void) {
  static double bad[T * K], constant[T * K];
  static float bad_f32[T * K];
  const double specials[] = {NAN, INFINITY, -INFINITY};
  sparsevar_var *var = fitted_var(P, series);
  var_snapshot before;
  uint8_t mask[4] = {1, 0, 0, 1};
  int64_t i;
  int calls = 0;

  check_section("failed fits keep the previous fit bit for bit");
  snapshot_var(var, &before);
  CHECK(before.shape_status == SPARSEVAR_OK && before.p == P && before.k == K);

  EXPECT_STATUS(E_ARG, sparsevar_var_fit_f64(NULL, series, T, K, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_fit_f32(NULL, series_f32, T, K, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_fit_f64(var, NULL, T, K, NULL, NULL));
  CHECK_VAR_UNCHANGED(var, &before);
  EXPECT_STATUS(E_ARG, sparsevar_var_fit_f32(var, NULL, T, K, NULL, NULL));
  CHECK_VAR_UNCHANGED(var, &before);
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_fit_f64(var, series, -1, K, NULL, NULL));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_fit_f64(var, series, T, -1, NULL, NULL));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_fit_f64(var, series, T, 0, NULL, NULL));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_fit_f64(var, series, INT64_MIN, K, NULL, NULL));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_fit_f32(var, series_f32, -5, K, NULL, NULL));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_fit_f64(var, NULL, 0, K, NULL, NULL));
  CHECK_VAR_UNCHANGED(var, &before);
  /* Too short for lag P: needs more than P + 1 time points. */
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_fit_f64(var, series, P + 1, K, NULL, NULL));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_fit_f64(var, series, 1, K, NULL, NULL));
  CHECK_VAR_UNCHANGED(var, &before);

  for (i = 0; i < COUNT(specials); i++) {
    memcpy(bad, series2, sizeof bad);
    bad[T * K / 2 + 1] = specials[i];
    EXPECT_STATUS(E_NONFINITE, sparsevar_var_fit_f64(var, bad, T, K, NULL, NULL));
    CHECK_VAR_UNCHANGED(var, &before);
    memcpy(bad, series2, sizeof bad);
    bad[T * K - 1] = specials[i]; /* the very last entry */
    EXPECT_STATUS(E_NONFINITE, sparsevar_var_fit_f64(var, bad, T, K, NULL, NULL));
    memcpy(bad, series2, sizeof bad);
    bad[0] = specials[i]; /* the first entry (used only as a lagged value) */
    EXPECT_STATUS(E_NONFINITE, sparsevar_var_fit_f64(var, bad, T, K, NULL, NULL));
    memcpy(bad_f32, series_f32, sizeof bad_f32);
    bad_f32[7] = (float)specials[i];
    EXPECT_STATUS(E_NONFINITE, sparsevar_var_fit_f32(var, bad_f32, T, K, NULL, NULL));
    CHECK_VAR_UNCHANGED(var, &before);
  }
  /* A constant series has no scale: numerically impossible. */
  for (i = 0; i < T * K; i++) constant[i] = 3.0;
  EXPECT_STATUS(SPARSEVAR_E_NUMERICAL, sparsevar_var_fit_f64(var, constant, T, K, NULL, NULL));
  CHECK_VAR_UNCHANGED(var, &before);

  /* A mask of the wrong size. */
  CHECK_OK(sparsevar_var_set_mask(var, mask, 2));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_fit_f64(var, series2, T, K, NULL, NULL));
  CHECK_OK(sparsevar_var_set_mask(var, NULL, 0));
  CHECK_VAR_UNCHANGED(var, &before);

  /* A lag too large for the series. */
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, T));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_fit_f64(var, series2, T, K, NULL, NULL));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, P));
  CHECK_VAR_UNCHANGED(var, &before);

  /* An information criterion without enough samples for the noise variance (n <= p K). */
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, 30));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_CRITERION, SPARSEVAR_CRITERION_AIC));
  CHECK_MSG(sparsevar_var_fit_f64(var, series2, T, K, NULL, NULL) < 0,
            "an AIC fit with n = %d samples and pK = %d features succeeded", T - 30, 30 * K);
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_CRITERION, SPARSEVAR_CRITERION_NONE));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, P));
  CHECK_VAR_UNCHANGED(var, &before);

  /* Cancelled by the progress callback. */
  EXPECT_STATUS(SPARSEVAR_E_INTERRUPTED,
                sparsevar_var_fit_f64(var, series2, T, K, cancel_at_once, &calls));
  CHECK(calls == 1);
  CHECK_VAR_UNCHANGED(var, &before);
  EXPECT_STATUS(SPARSEVAR_E_INTERRUPTED,
                sparsevar_var_fit_f32(var, series_f32, T, K, cancel_at_once, &calls));
  CHECK(calls == 2);
  CHECK_VAR_UNCHANGED(var, &before);

  /* A parameter changed after the fit does not change the fit ("an existing fit is kept"). */
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, 4));
  {
    int64_t p = 0, k = 0;
    CHECK_OK(sparsevar_var_shape(var, &p, &k));
    CHECK(p == P && k == K);
  }
  sparsevar_var_free(var);
}

/* ------------------------------------------------------------------------------------------------
 * Queries on a fitted VAR with bad arguments
 * ---------------------------------------------------------------------------------------------- */

/* Calls query(var, buf, needed - 1): BUFFER_TOO_SMALL, nothing written at or beyond needed - 1. */
#define CHECK_SMALL_BUFFER(call_with_len, needed)                                              \
  do {                                                                                          \
    double small_[512];                                                                         \
    int64_t len;                                                                                \
    fill(small_, 512);                                                                          \
    len = (needed) - 1;                                                                         \
    EXPECT_STATUS(E_SMALL, call_with_len);                                                      \
    CHECK_MSG(untouched(small_, len, 512), "a too-small buffer was written beyond its length"); \
    len = 0;                                                                                    \
    EXPECT_STATUS(E_SMALL, call_with_len);                                                      \
    CHECK_MSG(untouched(small_, 0, 512), "a zero-length buffer was written");                   \
  } while (0)

static void test_fitted_queries(void) {
  sparsevar_var *var = fitted_var(P, series);
  sparsevar_var *aic = NULL;
  var_snapshot before;
  static double zbad[T * K], zeros[T * K];
  double buf[T * K], sigma = SENTINEL, r = SENTINEL;
  int64_t len = -7;
  uint8_t diag[K * K];
  int64_t j, l, lag;

  check_section("queries on a fitted VAR with bad arguments");
  snapshot_var(var, &before);

  EXPECT_STATUS(E_ARG, sparsevar_var_shape(NULL, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_coef(NULL, buf, T * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_intercept(NULL, buf, T * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_sigma(NULL, &sigma));
  EXPECT_STATUS(E_ARG, sparsevar_var_lambdas(NULL, buf, T * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_influence(NULL, buf, T * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_path_length(NULL, 0, &len));
  EXPECT_STATUS(E_ARG, sparsevar_var_path(NULL, 0, buf, NULL, T * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_forecast_f64(NULL, series, T, K, buf, T * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_rvar_f64(NULL, series, T, K, &r));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_mask(NULL, NULL, 0));

  /* NULL outputs. */
  EXPECT_STATUS(E_ARG, sparsevar_var_coef(var, NULL, P * K * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_intercept(var, NULL, K));
  EXPECT_STATUS(E_ARG, sparsevar_var_sigma(var, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_var_lambdas(var, NULL, K));
  EXPECT_STATUS(E_ARG, sparsevar_var_influence(var, NULL, K));
  EXPECT_STATUS(E_ARG, sparsevar_var_forecast_f64(var, series, T, K, NULL, (T - P) * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_rvar_f64(var, series, T, K, NULL));
  CHECK_VAR_UNCHANGED(var, &before);

  /* Buffers too small. */
  CHECK_SMALL_BUFFER(sparsevar_var_coef(var, small_, len), P * K * K);
  CHECK_SMALL_BUFFER(sparsevar_var_intercept(var, small_, len), K);
  CHECK_SMALL_BUFFER(sparsevar_var_lambdas(var, small_, len), K);
  CHECK_SMALL_BUFFER(sparsevar_var_influence(var, small_, len), K);
  CHECK_SMALL_BUFFER(sparsevar_var_forecast_f64(var, series, 20, K, small_, len), (20 - P) * K);
  {
    double small_[64];
    fill(small_, 64);
    EXPECT_STATUS2(E_SMALL, E_ARG, sparsevar_var_coef(var, small_, -1));
    EXPECT_STATUS2(E_SMALL, E_ARG, sparsevar_var_lambdas(var, small_, INT64_MIN));
    CHECK(untouched(small_, 0, 64));
  }
  CHECK_VAR_UNCHANGED(var, &before);

  /* Paths exist only for fits with an information criterion. */
  EXPECT_STATUS(E_ARG, sparsevar_var_path_length(var, 0, &len));
  EXPECT_STATUS(E_ARG, sparsevar_var_path(var, 0, buf, buf, T * K));
  CHECK(len == -7);

  /* Forecast and R_var inputs. */
  fill(buf, T * K);
  EXPECT_STATUS(E_ARG, sparsevar_var_forecast_f64(var, NULL, T, K, buf, T * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_rvar_f64(var, NULL, T, K, &r));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_forecast_f64(var, series, T * K / 2, 2, buf, T * K));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_rvar_f64(var, series, T * K / 2, 2, &r));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_forecast_f64(var, series, -1, K, buf, T * K));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_forecast_f64(var, series, T, -1, buf, T * K));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_forecast_f64(var, series, T, 0, buf, T * K));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_rvar_f64(var, series, -3, K, &r));
  /* A series no longer than the lag has nothing to forecast. */
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_forecast_f64(var, series, P, K, buf, T * K));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_rvar_f64(var, series, P, K, &r));
  memcpy(zbad, series, sizeof zbad);
  zbad[5] = NAN;
  EXPECT_STATUS(E_NONFINITE, sparsevar_var_forecast_f64(var, zbad, T, K, buf, T * K));
  EXPECT_STATUS(E_NONFINITE, sparsevar_var_rvar_f64(var, zbad, T, K, &r));
  zbad[5] = -INFINITY;
  EXPECT_STATUS(E_NONFINITE, sparsevar_var_forecast_f64(var, zbad, T, K, buf, T * K));
  EXPECT_STATUS(E_NONFINITE, sparsevar_var_rvar_f64(var, zbad, T, K, &r));
  CHECK(untouched(buf, 0, T * K) && r == SENTINEL);
  /* R_var of an all-zero series divides by ||z_t|| = 0 at every t. */
  memset(zeros, 0, sizeof zeros);
  EXPECT_STATUS2(SPARSEVAR_E_NUMERICAL, E_ARG, sparsevar_var_rvar_f64(var, zeros, T, K, &r));
  CHECK(r == SENTINEL);
  CHECK_VAR_UNCHANGED(var, &before);

  /* Masks. */
  EXPECT_STATUS(E_ARG, sparsevar_var_set_mask(var, NULL, K));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_set_mask(var, diag, -1));
  CHECK_VAR_UNCHANGED(var, &before);
  /* A failed set_mask keeps the previous mask: a diagonal mask, then failures, then a fit. */
  for (j = 0; j < K; j++)
    for (l = 0; l < K; l++) diag[j * K + l] = (uint8_t)(j == l);
  CHECK_OK(sparsevar_var_set_mask(var, diag, K));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_mask(var, NULL, K));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_set_mask(var, diag, -2));
  CHECK_OK(sparsevar_var_fit_f64(var, series, T, K, NULL, NULL));
  CHECK_OK(sparsevar_var_coef(var, buf, P * K * K));
  {
    int off_diagonal_zero = 1;
    for (lag = 0; lag < P; lag++)
      for (j = 0; j < K; j++)
        for (l = 0; l < K; l++)
          if (j != l && buf[lag * K * K + j * K + l] != 0.0) off_diagonal_zero = 0;
    CHECK_MSG(off_diagonal_zero, "a failed set_mask dropped the previous (diagonal) mask");
  }

  /* Criterion paths: output index out of range, NULL len, small buffers. */
  aic = fitted_var(P, series);
  CHECK_OK(sparsevar_var_set_param(aic, SPARSEVAR_VAR_PARAM_CRITERION, SPARSEVAR_CRITERION_AIC));
  CHECK_OK(sparsevar_var_fit_f64(aic, series, T, K, NULL, NULL));
  snapshot_var(aic, &before);
  EXPECT_STATUS(E_ARG, sparsevar_var_path_length(aic, -1, &len));
  EXPECT_STATUS(E_ARG, sparsevar_var_path_length(aic, K, &len));
  EXPECT_STATUS(E_ARG, sparsevar_var_path_length(aic, INT64_MAX, &len));
  EXPECT_STATUS(E_ARG, sparsevar_var_path_length(aic, 0, NULL));
  CHECK(len == -7);
  CHECK_OK(sparsevar_var_path_length(aic, 1, &len));
  CHECK(len >= 1);
  EXPECT_STATUS(E_ARG, sparsevar_var_path(aic, K, buf, buf, T * K));
  EXPECT_STATUS(E_ARG, sparsevar_var_path(aic, -1, buf, buf, T * K));
  if (len >= 1 && len < 256) {
    double lam[256], crit[256];
    fill(lam, 256);
    fill(crit, 256);
    EXPECT_STATUS(E_SMALL, sparsevar_var_path(aic, 1, lam, crit, len - 1));
    CHECK(untouched(lam, len - 1, 256) && untouched(crit, len - 1, 256));
    EXPECT_STATUS(E_SMALL, sparsevar_var_path(aic, 1, lam, NULL, len - 1));
    EXPECT_STATUS(E_SMALL, sparsevar_var_path(aic, 1, NULL, crit, len - 1));
    CHECK(untouched(lam, len - 1, 256) && untouched(crit, len - 1, 256));
  }
  CHECK_VAR_UNCHANGED(aic, &before);
  sparsevar_var_free(aic);
  sparsevar_var_free(var);
}

/* ------------------------------------------------------------------------------------------------
 * LARS
 * ---------------------------------------------------------------------------------------------- */

enum { LN = 20, LP = 5 };
static double lx[LN * LP], ly[LN];

static void make_lars_problem(void) {
  int i, j;
  tc_seed(5);
  for (i = 0; i < LN; i++) {
    ly[i] = 0;
    for (j = 0; j < LP; j++) lx[i * LP + j] = tc_normal();
    ly[i] = 2 * lx[i * LP + 0] - lx[i * LP + 3] + 0.1 * tc_normal();
  }
}

static void test_lasso_errors(void) {
  static double bx[LN * LP], by[LN];
  double w[64];
  const double specials[] = {NAN, INFINITY, -INFINITY};
  int64_t i;

  check_section("sparsevar_lasso_lars with bad input");
  fill(w, 64);
  EXPECT_STATUS(E_ARG, sparsevar_lasso_lars(NULL, LP, lx, LN, LP, ly, 0.1, 0));
  EXPECT_STATUS(E_ARG, sparsevar_lasso_lars(w, LP, NULL, LN, LP, ly, 0.1, 0));
  EXPECT_STATUS(E_ARG, sparsevar_lasso_lars(w, LP, lx, LN, LP, NULL, 0.1, 0));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_lasso_lars(w, LP, lx, -1, LP, ly, 0.1, 0));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_lasso_lars(w, LP, lx, LN, -1, ly, 0.1, 0));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_lasso_lars(w, LP, lx, 0, LP, ly, 0.1, 0));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_lasso_lars(w, LP, lx, LN, 0, ly, 0.1, 0));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_lasso_lars(w, LP, NULL, LN, -1, NULL, 0.1, 0));
  CHECK(untouched(w, 0, 64));
  EXPECT_STATUS(E_ARG, sparsevar_lasso_lars(w, LP, lx, LN, LP, ly, -0.1, 0));
  EXPECT_STATUS(E_ARG, sparsevar_lasso_lars(w, LP, lx, LN, LP, ly, -1e-300, 0));
  EXPECT_STATUS(E_ARG, sparsevar_lasso_lars(w, LP, lx, LN, LP, ly, -INFINITY, 0));
  EXPECT_STATUS2(E_ARG, E_NONFINITE, sparsevar_lasso_lars(w, LP, lx, LN, LP, ly, NAN, 0));
  EXPECT_STATUS(E_ARG, sparsevar_lasso_lars(w, LP, lx, LN, LP, ly, 0.1, -0.5));
  EXPECT_STATUS2(E_ARG, E_NONFINITE, sparsevar_lasso_lars(w, LP, lx, LN, LP, ly, 0.1, NAN));
  CHECK(untouched(w, 0, 64));
  for (i = 0; i < COUNT(specials); i++) {
    memcpy(bx, lx, sizeof bx);
    memcpy(by, ly, sizeof by);
    bx[LN * LP - 1] = specials[i];
    EXPECT_STATUS(E_NONFINITE, sparsevar_lasso_lars(w, LP, bx, LN, LP, ly, 0.1, 0));
    by[3] = specials[i];
    EXPECT_STATUS(E_NONFINITE, sparsevar_lasso_lars(w, LP, lx, LN, LP, by, 0.1, 0));
    CHECK(untouched(w, 0, 64));
  }
  /* coef_out too small: nothing written beyond coef_len. */
  EXPECT_STATUS(E_SMALL, sparsevar_lasso_lars(w, LP - 1, lx, LN, LP, ly, 0.1, 0));
  CHECK(untouched(w, LP - 1, 64));
  EXPECT_STATUS(E_SMALL, sparsevar_lasso_lars(w, 0, lx, LN, LP, ly, 0.1, 0));
  EXPECT_STATUS2(E_SMALL, E_ARG, sparsevar_lasso_lars(w, -1, lx, LN, LP, ly, 0.1, 0));
  CHECK(untouched(w, 0, 64));
  /* An infinite lambda is either refused or (lambda >= lambda_max) gives all zeros. */
  {
    int32_t status = sparsevar_lasso_lars(w, LP, lx, LN, LP, ly, INFINITY, 0);
    CHECK_MSG(status == E_ARG || status == SPARSEVAR_OK,
              "lambda = +inf returned %d (%s), expected E_INVALID_ARGUMENT or all zeros", status,
              sparsevar_errstr(status));
    if (status == SPARSEVAR_OK)
      for (i = 0; i < LP; i++) CHECK(w[i] == 0.0);
  }
}

typedef struct {
  int64_t n_knots, p, n_active;
  int32_t stopped, status;
  double lambdas[64];
  double coefs[64 * LP];
  int64_t active[LP];
} path_snapshot;

static void snapshot_path(const sparsevar_lars_path *path, path_snapshot *s) {
  memset(s, 0, sizeof *s);
  s->status = sparsevar_lars_path_shape(path, &s->n_knots, &s->p, &s->n_active, &s->stopped);
  sparsevar_lars_path_lambdas(path, s->lambdas, 64);
  sparsevar_lars_path_coefs(path, s->coefs, 64 * LP);
  sparsevar_lars_path_active(path, s->active, LP);
}

static void test_lars_path_errors(void) {
  static double bx[LN * LP], by[LN];
  sparsevar_lars_path *path = NULL;
  path_snapshot before, after;
  int64_t n_knots = 0, n_active = 0, i;
  int64_t active[LP + 8];

  check_section("sparsevar_lars_path_* with bad input");
#define EXPECT_PATH_FAILS(e1, e2, call)                                             \
  do {                                                                              \
    path = DUMMY(sparsevar_lars_path);                                              \
    EXPECT_STATUS2(e1, e2, call);                                                   \
    CHECK_MSG(path == NULL, "a failed sparsevar_lars_path_create left *out non-NULL"); \
    if (path != NULL && path != DUMMY(sparsevar_lars_path)) sparsevar_lars_path_free(path); \
  } while (0)
  EXPECT_PATH_FAILS(E_ARG, E_ARG, sparsevar_lars_path_create(&path, NULL, LN, LP, ly, 0, 0, 0));
  EXPECT_PATH_FAILS(E_ARG, E_ARG, sparsevar_lars_path_create(&path, lx, LN, LP, NULL, 0, 0, 0));
  EXPECT_PATH_FAILS(E_SHAPE, E_ARG, sparsevar_lars_path_create(&path, lx, -1, LP, ly, 0, 0, 0));
  EXPECT_PATH_FAILS(E_SHAPE, E_ARG, sparsevar_lars_path_create(&path, lx, LN, -1, ly, 0, 0, 0));
  EXPECT_PATH_FAILS(E_SHAPE, E_ARG, sparsevar_lars_path_create(&path, lx, 0, LP, ly, 0, 0, 0));
  EXPECT_PATH_FAILS(E_SHAPE, E_ARG, sparsevar_lars_path_create(&path, lx, LN, 0, ly, 0, 0, 0));
  EXPECT_PATH_FAILS(E_ARG, E_ARG, sparsevar_lars_path_create(&path, lx, LN, LP, ly, -0.1, 0, 0));
  EXPECT_PATH_FAILS(E_ARG, E_NONFINITE,
                    sparsevar_lars_path_create(&path, lx, LN, LP, ly, NAN, 0, 0));
  EXPECT_PATH_FAILS(E_ARG, E_ARG, sparsevar_lars_path_create(&path, lx, LN, LP, ly, 0, -1, 0));
  EXPECT_PATH_FAILS(E_ARG, E_ARG, sparsevar_lars_path_create(&path, lx, LN, LP, ly, 0, 0, -1));
  EXPECT_PATH_FAILS(E_ARG, E_ARG,
                    sparsevar_lars_path_create(&path, lx, LN, LP, ly, 0, 0, INT64_MIN));
  memcpy(bx, lx, sizeof bx);
  bx[17] = NAN;
  EXPECT_PATH_FAILS(E_NONFINITE, E_NONFINITE,
                    sparsevar_lars_path_create(&path, bx, LN, LP, ly, 0, 0, 0));
  memcpy(by, ly, sizeof by);
  by[LN - 1] = INFINITY;
  EXPECT_PATH_FAILS(E_NONFINITE, E_NONFINITE,
                    sparsevar_lars_path_create(&path, lx, LN, LP, by, 0, 0, 0));
#undef EXPECT_PATH_FAILS

  path = NULL;
  CHECK_OK(sparsevar_lars_path_create(&path, lx, LN, LP, ly, 0, 0, 0));
  CHECK(path != NULL);
  if (path == NULL) return;
  snapshot_path(path, &before);
  n_knots = before.n_knots;
  n_active = before.n_active;
  CHECK(n_knots >= 2 && n_knots <= 64 && n_active >= 1 && n_active <= LP);

  EXPECT_STATUS(E_ARG, sparsevar_lars_path_shape(NULL, &n_knots, NULL, NULL, NULL));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_lambdas(NULL, before.lambdas, 64));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_coefs(NULL, before.coefs, 64 * LP));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_active(NULL, active, LP));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_lambdas(path, NULL, 64));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_coefs(path, NULL, 64 * LP));
  EXPECT_STATUS(E_ARG, sparsevar_lars_path_active(path, NULL, LP));
  CHECK_OK(sparsevar_lars_path_shape(path, NULL, NULL, NULL, NULL));

  CHECK_SMALL_BUFFER(sparsevar_lars_path_lambdas(path, small_, len), n_knots);
  CHECK_SMALL_BUFFER(sparsevar_lars_path_coefs(path, small_, len), n_knots * LP);
  for (i = 0; i < LP + 8; i++) active[i] = -77;
  EXPECT_STATUS(E_SMALL, sparsevar_lars_path_active(path, active, n_active - 1));
  {
    int ok = 1;
    for (i = n_active - 1; i < LP + 8; i++) ok = ok && active[i] == -77;
    CHECK_MSG(ok, "a too-small active buffer was written beyond its length");
  }
  snapshot_path(path, &after);
  CHECK_IDENTICAL(&before, &after, sizeof before);
  sparsevar_lars_path_free(path);
}

static void test_vjp_errors(void) {
  double gx[LN * LP + 16], gy[LN + 16], w[LP + 16], g[LP] = {1, -1, 0.5, 2, 0};
  double gbad[LP];
  static double bx[LN * LP];
  const int32_t un = SPARSEVAR_GRADIENT_UNROLLED, NX = LN * LP;

  check_section("sparsevar_lasso_lars_vjp with bad input");
#define VJP(gxp, gxl, gyp, gyl, wp, wl, xp, n, p, yp, lam, eps, mode, gp, gl) \
  sparsevar_lasso_lars_vjp(gxp, gxl, gyp, gyl, wp, wl, xp, n, p, yp, lam, eps, mode, gp, gl)
  fill(gx, NX + 16);
  fill(gy, LN + 16);
  fill(w, LP + 16);
  CHECK_OK(VJP(gx, NX, gy, LN, NULL, 0, lx, LN, LP, ly, 0.1, 0, un, g, LP));
  fill(gx, NX + 16);
  fill(gy, LN + 16);
  EXPECT_STATUS(E_ARG, VJP(NULL, NX, gy, LN, w, LP, lx, LN, LP, ly, 0.1, 0, un, g, LP));
  EXPECT_STATUS(E_ARG, VJP(gx, NX, NULL, LN, w, LP, lx, LN, LP, ly, 0.1, 0, un, g, LP));
  EXPECT_STATUS(E_ARG, VJP(gx, NX, gy, LN, w, LP, NULL, LN, LP, ly, 0.1, 0, un, g, LP));
  EXPECT_STATUS(E_ARG, VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, NULL, 0.1, 0, un, g, LP));
  EXPECT_STATUS(E_ARG, VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, ly, 0.1, 0, un, NULL, LP));
  EXPECT_STATUS2(E_SHAPE, E_ARG,
                 VJP(gx, NX, gy, LN, w, LP, lx, -1, LP, ly, 0.1, 0, un, g, LP));
  EXPECT_STATUS2(E_SHAPE, E_ARG,
                 VJP(gx, NX, gy, LN, w, LP, lx, LN, -1, ly, 0.1, 0, un, g, LP));
  EXPECT_STATUS(E_SHAPE, VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, ly, 0.1, 0, un, g, LP - 1));
  EXPECT_STATUS2(E_SHAPE, E_ARG,
                 VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, ly, 0.1, 0, un, g, -1));
  EXPECT_STATUS(E_ARG, VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, ly, 0.1, 0, 2, g, LP));
  EXPECT_STATUS(E_ARG, VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, ly, 0.1, 0, -1, g, LP));
  EXPECT_STATUS(E_ARG, VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, ly, -0.1, 0, un, g, LP));
  EXPECT_STATUS(E_ARG, VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, ly, 0.1, -1, un, g, LP));
  memcpy(gbad, g, sizeof gbad);
  gbad[2] = NAN;
  EXPECT_STATUS(E_NONFINITE, VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, ly, 0.1, 0, un, gbad, LP));
  gbad[2] = INFINITY;
  EXPECT_STATUS(E_NONFINITE,
                VJP(gx, NX, gy, LN, w, LP, lx, LN, LP, ly, 0.1, 0, SPARSEVAR_GRADIENT_IMPLICIT,
                    gbad, LP));
  memcpy(bx, lx, sizeof bx);
  bx[0] = -INFINITY;
  EXPECT_STATUS(E_NONFINITE, VJP(gx, NX, gy, LN, w, LP, bx, LN, LP, ly, 0.1, 0, un, g, LP));
  CHECK(untouched(gx, 0, NX + 16) && untouched(gy, 0, LN + 16) && untouched(w, 0, LP + 16));
  /* Each output buffer too small in turn: nothing beyond its length is written. */
  EXPECT_STATUS(E_SMALL, VJP(gx, NX - 1, gy, LN, w, LP, lx, LN, LP, ly, 0.1, 0, un, g, LP));
  CHECK(untouched(gx, NX - 1, NX + 16));
  EXPECT_STATUS(E_SMALL, VJP(gx, NX, gy, LN - 1, w, LP, lx, LN, LP, ly, 0.1, 0, un, g, LP));
  CHECK(untouched(gy, LN - 1, LN + 16));
  EXPECT_STATUS(E_SMALL, VJP(gx, NX, gy, LN, w, LP - 1, lx, LN, LP, ly, 0.1, 0, un, g, LP));
  CHECK(untouched(w, LP - 1, LP + 16));
  EXPECT_STATUS(E_SMALL, VJP(gx, 0, gy, 0, w, 0, lx, LN, LP, ly, 0.1, 0, un, g, LP));
  CHECK(untouched(gx, 0, NX + 16) && untouched(gy, 0, LN + 16) && untouched(w, 0, LP + 16));
#undef VJP
}

/* ------------------------------------------------------------------------------------------------
 * Var sets and tests
 * ---------------------------------------------------------------------------------------------- */

static void test_var_set_errors(void) {
  sparsevar_var_set *set = NULL;
  sparsevar_test_result *result = NULL;
  sparsevar_var *vars[5];
  sparsevar_var *var2 = NULL, *unfitted = NULL;
  set_snapshot before;
  static double zbad[T * K], z2[T * 2];
  int64_t run = -7, n = 0, i;
  int32_t label = -7;
  double value = SENTINEL;
  const double nan = NAN, inf = INFINITY;
  struct bad {
    int32_t param;
    double value;
  };
  const struct bad bad_values[] = {
      {SPARSEVAR_TEST_PARAM_METHOD, -1},        {SPARSEVAR_TEST_PARAM_METHOD, 2},
      {SPARSEVAR_TEST_PARAM_METHOD, 0.5},       {SPARSEVAR_TEST_PARAM_METHOD, nan},
      {SPARSEVAR_TEST_PARAM_PERMUTATIONS, -1},  {SPARSEVAR_TEST_PARAM_PERMUTATIONS, 10.5},
      {SPARSEVAR_TEST_PARAM_PERMUTATIONS, nan}, {SPARSEVAR_TEST_PARAM_PERMUTATIONS, inf},
      {SPARSEVAR_TEST_PARAM_SEED, -1},          {SPARSEVAR_TEST_PARAM_SEED, 0.25},
      {SPARSEVAR_TEST_PARAM_SEED, nan},         {SPARSEVAR_TEST_PARAM_SEED, -inf},
      {SPARSEVAR_TEST_PARAM_EXACT_LIMIT, 0},    {SPARSEVAR_TEST_PARAM_EXACT_LIMIT, -3},
      {SPARSEVAR_TEST_PARAM_EXACT_LIMIT, 2.5},  {SPARSEVAR_TEST_PARAM_EXACT_LIMIT, nan},
      {SPARSEVAR_TEST_PARAM_THREADS, -1},       {SPARSEVAR_TEST_PARAM_THREADS, 1.5},
      {SPARSEVAR_TEST_PARAM_THREADS, nan},      {SPARSEVAR_TEST_PARAM_THREADS, inf},
  };
  static const int32_t unknown_ids[] = {0, 100, 101, 105, 200, 299, 304, 399, 401, -300, INT32_MIN};

  check_section("var sets: bad runs, labels, parameters");
  for (i = 0; i < 5; i++) vars[i] = fitted_var(P, i % 2 ? series2 : series);
  CHECK_OK(sparsevar_var_create(&unfitted));
  for (i = 0; i < T * 2; i++) z2[i] = series[i];
  CHECK_OK(sparsevar_var_create(&var2));
  CHECK_OK(sparsevar_var_set_param(var2, SPARSEVAR_VAR_PARAM_LAG, P));
  CHECK_OK(sparsevar_var_fit_f64(var2, z2, T, 2, NULL, NULL));

  EXPECT_STATUS(E_ARG, sparsevar_var_set_size(NULL, &n));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_add_f64(NULL, vars[0], series, T, K, 1, &run));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_get_label(NULL, 0, &label));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_set_label(NULL, 0, 1));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_set_param(NULL, SPARSEVAR_TEST_PARAM_SEED, 1));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_get_param(NULL, SPARSEVAR_TEST_PARAM_SEED, &value));
  result = DUMMY(sparsevar_test_result);
  EXPECT_STATUS(E_ARG, sparsevar_swap_test(&result, NULL, 1, 2));
  CHECK(result == NULL);
  result = DUMMY(sparsevar_test_result);
  EXPECT_STATUS(E_ARG, sparsevar_influence_test(&result, NULL, 1, 2));
  CHECK(result == NULL);

  CHECK_OK(sparsevar_var_set_create(&set));
  CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_SEED, 42));
  CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_PERMUTATIONS, 99));
  CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_THREADS, 1));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_size(set, NULL));

  /* Empty set: every run id is unknown; tests have no groups. */
  snapshot_set(set, &before);
  EXPECT_STATUS(E_ARG, sparsevar_var_set_get_label(set, 0, &label));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_set_label(set, 0, 1));
  result = DUMMY(sparsevar_test_result);
  EXPECT_STATUS(E_ARG, sparsevar_swap_test(&result, set, 1, 2));
  CHECK(result == NULL);
  CHECK_SET_UNCHANGED(set, &before);

  /* Bad runs are refused and the set is unchanged. */
  EXPECT_STATUS(E_ARG, sparsevar_var_set_add_f64(set, NULL, series, T, K, 1, &run));
  EXPECT_STATUS(E_NOTFIT, sparsevar_var_set_add_f64(set, unfitted, series, T, K, 1, &run));
  EXPECT_STATUS(E_ARG, sparsevar_var_set_add_f64(set, vars[0], NULL, T, K, 1, &run));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_set_add_f64(set, vars[0], series, -1, K, 1, &run));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_set_add_f64(set, vars[0], series, T, -1, 1, &run));
  /* A series whose K is not the VAR's. */
  EXPECT_STATUS(E_SHAPE, sparsevar_var_set_add_f64(set, vars[0], z2, T, 2, 1, &run));
  /* A series no longer than the lag. */
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_var_set_add_f64(set, vars[0], series, P, K, 1, &run));
  memcpy(zbad, series, sizeof zbad);
  zbad[10] = NAN;
  EXPECT_STATUS(E_NONFINITE, sparsevar_var_set_add_f64(set, vars[0], zbad, T, K, 1, &run));
  zbad[10] = INFINITY;
  EXPECT_STATUS(E_NONFINITE, sparsevar_var_set_add_f64(set, vars[0], zbad, T, K, 1, &run));
  CHECK(run == -7);
  CHECK_SET_UNCHANGED(set, &before);

  /* Two runs per group, and one run for the influence test only. */
  CHECK_OK(sparsevar_var_set_add_f64(set, vars[0], series, T, K, 1, &run));
  CHECK(run == 0);
  CHECK_OK(sparsevar_var_set_add_f64(set, vars[1], series2, T, K, 1, &run));
  CHECK_OK(sparsevar_var_set_add_f64(set, vars[2], series, T, K, 2, &run));
  CHECK_OK(sparsevar_var_set_add_f64(set, vars[3], series2, T, K, 2, NULL));
  CHECK_OK(sparsevar_var_set_add_f64(set, vars[4], NULL, 0, 0, 3, &run));
  CHECK(run == 4);
  snapshot_set(set, &before);
  CHECK(before.n_runs == 5);

  /* A VAR of another dimension cannot join. */
  EXPECT_STATUS(E_SHAPE, sparsevar_var_set_add_f64(set, var2, z2, T, 2, 1, &run));
  EXPECT_STATUS(E_SHAPE, sparsevar_var_set_add_f64(set, var2, NULL, 0, 0, 1, &run));
  CHECK_SET_UNCHANGED(set, &before);

  /* Unknown run ids. */
  {
    const int64_t bad_runs[] = {-1, 5, 6, 1000, INT64_MAX, INT64_MIN};
    for (i = 0; i < COUNT(bad_runs); i++) {
      label = -7;
      EXPECT_STATUS(E_ARG, sparsevar_var_set_get_label(set, bad_runs[i], &label));
      CHECK(label == -7);
      EXPECT_STATUS(E_ARG, sparsevar_var_set_set_label(set, bad_runs[i], 9));
    }
    EXPECT_STATUS(E_ARG, sparsevar_var_set_get_label(set, 0, NULL));
  }
  CHECK_SET_UNCHANGED(set, &before);

  /* Test parameters. */
  for (i = 0; i < COUNT(unknown_ids); i++) {
    value = SENTINEL;
    EXPECT_STATUS(E_ARG, sparsevar_var_set_set_param(set, unknown_ids[i], 1));
    EXPECT_STATUS(E_ARG, sparsevar_var_set_get_param(set, unknown_ids[i], &value));
    CHECK(value == SENTINEL);
  }
  EXPECT_STATUS(E_ARG, sparsevar_var_set_get_param(set, SPARSEVAR_TEST_PARAM_SEED, NULL));
  for (i = 0; i < COUNT(bad_values); i++) {
    int32_t status = sparsevar_var_set_set_param(set, bad_values[i].param, bad_values[i].value);
    CHECK_MSG(status == E_ARG,
              "sparsevar_var_set_set_param(set, %d, %g) returned %d (%s), expected %d",
              bad_values[i].param, bad_values[i].value, status, sparsevar_errstr(status), E_ARG);
    CHECK_SET_UNCHANGED(set, &before);
  }

  /* Groups: the same label twice (overlapping groups), an absent label, a one-run group. */
#define EXPECT_TEST_FAILS(call)                                                     \
  do {                                                                              \
    result = DUMMY(sparsevar_test_result);                                          \
    EXPECT_STATUS(E_ARG, call);                                                     \
    CHECK_MSG(result == NULL, "a failed test left its result pointer non-NULL");    \
    if (result != NULL && result != DUMMY(sparsevar_test_result))                   \
      sparsevar_test_result_free(result);                                           \
  } while (0)
  EXPECT_TEST_FAILS(sparsevar_swap_test(&result, set, 1, 1));
  EXPECT_TEST_FAILS(sparsevar_influence_test(&result, set, 2, 2));
  EXPECT_TEST_FAILS(sparsevar_swap_test(&result, set, 1, 7));
  EXPECT_TEST_FAILS(sparsevar_influence_test(&result, set, 7, 2));
  EXPECT_TEST_FAILS(sparsevar_swap_test(&result, set, 7, 8));
  /* Run 4 (label 3) is alone in its group. */
  EXPECT_TEST_FAILS(sparsevar_influence_test(&result, set, 1, 3));
  EXPECT_TEST_FAILS(sparsevar_swap_test(&result, set, 3, 2));
  /* Run 4 has no series: the swap test cannot use it even in a group of two. */
  CHECK_OK(sparsevar_var_set_set_label(set, 3, 3));
  EXPECT_TEST_FAILS(sparsevar_swap_test(&result, set, 1, 3));
  result = NULL;
  CHECK_OK(sparsevar_influence_test(&result, set, 1, 3)); /* series-less runs are fine here */
  CHECK(result != NULL);
  CHECK_OK(sparsevar_var_set_set_label(set, 3, 2));
  CHECK_SET_UNCHANGED(set, &before);
#undef EXPECT_TEST_FAILS

  /* Result queries. */
  if (result != NULL) {
    int64_t runs = -7;
    double matrix[64];
    EXPECT_STATUS(E_ARG, sparsevar_test_result_values(NULL, NULL, NULL, NULL, NULL, NULL));
    EXPECT_STATUS(E_ARG, sparsevar_test_result_runs(NULL, &runs));
    EXPECT_STATUS(E_ARG, sparsevar_test_result_runs(result, NULL));
    EXPECT_STATUS(E_ARG, sparsevar_test_result_matrix(NULL, matrix, 64));
    EXPECT_STATUS(E_ARG, sparsevar_test_result_matrix(result, NULL, 64));
    CHECK(runs == -7);
    CHECK_OK(sparsevar_test_result_values(result, NULL, NULL, NULL, NULL, NULL));
    CHECK_OK(sparsevar_test_result_runs(result, &runs));
    CHECK(runs == 5);
    CHECK_SMALL_BUFFER(sparsevar_test_result_matrix(result, small_, len), runs * runs);
    sparsevar_test_result_free(result);
  }

  sparsevar_var_set_free(set);
  for (i = 0; i < 5; i++) sparsevar_var_free(vars[i]);
  sparsevar_var_free(var2);
  sparsevar_var_free(unfitted);
}

/* ------------------------------------------------------------------------------------------------
 * Rank-sum and Bonferroni
 * ---------------------------------------------------------------------------------------------- */

static void test_statistics_errors(void) {
  const double x[4] = {1, 2, 3, 4}, y[3] = {2.5, 5, 6};
  double xbad[4], stat = SENTINEL, p = SENTINEL;
  double ps[3] = {0.01, 0.2, 0.5}, out[8];
  int32_t greater = SPARSEVAR_ALTERNATIVE_GREATER;

  check_section("rank-sum and Bonferroni with bad input");
  EXPECT_STATUS(E_ARG, sparsevar_rank_sum(&stat, &p, NULL, 4, y, 3, greater, 0));
  EXPECT_STATUS(E_ARG, sparsevar_rank_sum(&stat, &p, x, 4, NULL, 3, greater, 0));
  EXPECT_STATUS2(E_ARG, E_SHAPE, sparsevar_rank_sum(&stat, &p, x, 0, y, 3, greater, 0));
  EXPECT_STATUS2(E_ARG, E_SHAPE, sparsevar_rank_sum(&stat, &p, x, 4, y, 0, greater, 0));
  EXPECT_STATUS2(E_ARG, E_SHAPE, sparsevar_rank_sum(&stat, &p, x, -1, y, 3, greater, 0));
  EXPECT_STATUS2(E_ARG, E_SHAPE, sparsevar_rank_sum(&stat, &p, x, 4, y, INT64_MIN, greater, 0));
  EXPECT_STATUS(E_ARG, sparsevar_rank_sum(&stat, &p, x, 4, y, 3, 3, 0));
  EXPECT_STATUS(E_ARG, sparsevar_rank_sum(&stat, &p, x, 4, y, 3, -1, 0));
  EXPECT_STATUS(E_ARG, sparsevar_rank_sum(&stat, &p, x, 4, y, 3, greater, 2));
  EXPECT_STATUS(E_ARG, sparsevar_rank_sum(&stat, &p, x, 4, y, 3, greater, -1));
  memcpy(xbad, x, sizeof xbad);
  xbad[2] = NAN;
  EXPECT_STATUS(E_NONFINITE, sparsevar_rank_sum(&stat, &p, xbad, 4, y, 3, greater, 0));
  EXPECT_STATUS(E_NONFINITE, sparsevar_rank_sum(&stat, &p, y, 3, xbad, 4, greater, 1));
  xbad[2] = INFINITY;
  EXPECT_STATUS(E_NONFINITE, sparsevar_rank_sum(&stat, &p, xbad, 4, y, 3, greater, 0));
  CHECK(stat == SENTINEL && p == SENTINEL);

  fill(out, 8);
  EXPECT_STATUS(E_ARG, sparsevar_bonferroni(NULL, ps, 3));
  EXPECT_STATUS(E_ARG, sparsevar_bonferroni(out, NULL, 3));
  EXPECT_STATUS2(E_SHAPE, E_ARG, sparsevar_bonferroni(out, ps, -1));
  {
    double bad[3] = {0.01, NAN, 0.5};
    EXPECT_STATUS(E_NONFINITE, sparsevar_bonferroni(out, bad, 3));
    bad[1] = INFINITY;
    EXPECT_STATUS(E_NONFINITE, sparsevar_bonferroni(out, bad, 3));
    bad[1] = 1.5;
    EXPECT_STATUS(E_ARG, sparsevar_bonferroni(out, bad, 3));
    bad[1] = -0.1;
    EXPECT_STATUS(E_ARG, sparsevar_bonferroni(out, bad, 3));
    CHECK(untouched(out, 0, 8));
    /* In place (out == p_values) a failure must not touch the caller's values. */
    bad[1] = 1.5;
    EXPECT_STATUS(E_ARG, sparsevar_bonferroni(bad, bad, 3));
    CHECK(bad[0] == 0.01 && bad[1] == 1.5 && bad[2] == 0.5);
  }
}

/* ------------------------------------------------------------------------------------------------
 * Per-thread last error
 * ---------------------------------------------------------------------------------------------- */

#if HAVE_PTHREAD
typedef struct {
  char initial[256];
  int initial_was_null;
  int32_t status;
  char after[256];
} thread_report;

static void *thread_body(void *arg) {
  thread_report *report = arg;
  const char *message = sparsevar_last_error();
  report->initial_was_null = message == NULL;
  strncpy(report->initial, message ? message : "", sizeof report->initial - 1);
  /* A different failure from the main thread's. */
  report->status = sparsevar_lasso_lars(NULL, 1, NULL, 1, 1, NULL, 0, 0);
  message = sparsevar_last_error();
  strncpy(report->after, message ? message : "", sizeof report->after - 1);
  return NULL;
}
#endif

static void test_per_thread_last_error(void) {
  check_section("sparsevar_last_error is per-thread");
#if HAVE_PTHREAD
  {
    char mine[512];
    thread_report report;
    pthread_t thread;
    memset(&report, 0, sizeof report);
    {
      sparsevar_var *var = NULL;
      double c[4];
      CHECK_OK(sparsevar_var_create(&var));
      EXPECT_STATUS(E_NOTFIT, sparsevar_var_coef(var, c, 4));
      sparsevar_var_free(var);
    }
    strncpy(mine, sparsevar_last_error(), sizeof mine - 1);
    mine[sizeof mine - 1] = '\0';
    CHECK(mine[0] != '\0');
    CHECK(pthread_create(&thread, NULL, thread_body, &report) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK_MSG(!report.initial_was_null, "sparsevar_last_error() was NULL on a new thread");
    CHECK_MSG(report.initial[0] == '\0',
              "a new thread sees \"%s\" before any failure of its own (expected \"\")",
              report.initial);
    CHECK(report.status == E_ARG);
    CHECK_MSG(report.after[0] != '\0' && strcmp(report.after, mine) != 0,
              "the other thread's message \"%s\" is empty or the main thread's", report.after);
    CHECK_MSG(strcmp(sparsevar_last_error(), mine) == 0,
              "a failure on another thread changed this thread's message to \"%s\"",
              sparsevar_last_error());
  }
#else
  check_note("per-thread sparsevar_last_error check skipped: pthreads need -pthread on this "
             "platform and the test compile line has none (and C11 <threads.h> is not C99)");
#endif
}

/* ---------------------------------------------------------------------------------------------- */

int main(void) {
  test_initial_last_error(); /* first: no call has failed yet */
  make_series();
  make_lars_problem();
  test_errstr();
  test_last_error_persistence();
  test_free_null();
  test_constructors_null_out();
  test_var_params();
  test_not_fitted();
  test_failed_fits();
  test_fitted_queries();
  test_lasso_errors();
  test_lars_path_errors();
  test_vjp_errors();
  test_var_set_errors();
  test_statistics_errors();
  test_per_thread_last_error();
  return check_finish();
}
