/*
 * test_api.c - the happy paths of the sparsevar C API, through the header only.
 *
 * Versions; the lasso against the LARS path and the lasso's optimality conditions; the path's
 * sizes; the vector-Jacobian product in both modes (and against finite differences); a VAR fit
 * with a counting and a cancelling progress callback; coefficients, sigma, lambdas, forecasts,
 * R_var and influence checked against each other by computing them again here; parameter bounds;
 * a var set with two groups, the swap and influence tests (checked against the rank-sum call);
 * the rank-sum test against scipy's values and Bonferroni's correction.
 */
#define _POSIX_C_SOURCE 200112L

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#if (defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))) || \
    defined(__APPLE__)
#define HAVE_PTHREAD 1
#include <pthread.h>
#else
#define HAVE_PTHREAD 0
#endif

#define COUNT(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))
#define SENTINEL (-12345.678)

static int all_sentinel(const double *buf, int64_t from, int64_t to) {
  int64_t i;
  for (i = from; i < to; i++)
    if (buf[i] != SENTINEL) return 0;
  return 1;
}

static void fill(double *buf, int64_t n) {
  int64_t i;
  for (i = 0; i < n; i++) buf[i] = SENTINEL;
}

/* ------------------------------------------------------------------------------------------------
 * Versions
 * ---------------------------------------------------------------------------------------------- */

static void test_versions(void) {
  char expected[64];
  check_section("versions");
  CHECK(sparsevar_version_number() == SPARSEVAR_VERSION_NUMBER);
  CHECK(SPARSEVAR_VERSION_NUMBER == SPARSEVAR_VERSION_MAJOR * 10000 +
                                        SPARSEVAR_VERSION_MINOR * 100 + SPARSEVAR_VERSION_PATCH);
  CHECK(sparsevar_version_number() / 10000 == SPARSEVAR_VERSION_MAJOR);
  CHECK(sparsevar_version_string() != NULL);
  CHECK(sparsevar_version_string() != NULL &&
        strcmp(sparsevar_version_string(), SPARSEVAR_VERSION_STRING) == 0);
  sprintf(expected, "%d.%d.%d", SPARSEVAR_VERSION_MAJOR, SPARSEVAR_VERSION_MINOR,
          SPARSEVAR_VERSION_PATCH);
  CHECK(strcmp(expected, SPARSEVAR_VERSION_STRING) == 0);
  CHECK(sparsevar_version_string() == sparsevar_version_string()); /* static */
}

/* ------------------------------------------------------------------------------------------------
 * LARS
 * ---------------------------------------------------------------------------------------------- */

enum { LN = 40, LP = 8 };
static double lx[LN * LP], ly[LN];

static void make_lars_problem(void) {
  static const double truth[LP] = {2.0, -1.5, 0, 0, 1.0, 0, 0.5, 0};
  int i, j;
  tc_seed(2024);
  for (i = 0; i < LN; i++) {
    ly[i] = 0.3 * tc_normal();
    for (j = 0; j < LP; j++) {
      lx[i * LP + j] = tc_normal();
      ly[i] += truth[j] * lx[i * LP + j];
    }
  }
}

/* X^T (y - X w) / n, the correlation of each feature with the residual. */
static void correlations(const double *x, const double *y, const double *w, int n, int p,
                         double *c) {
  int i, j;
  for (j = 0; j < p; j++) c[j] = 0;
  for (i = 0; i < n; i++) {
    double r = y[i];
    for (j = 0; j < p; j++) r -= x[i * p + j] * w[j];
    for (j = 0; j < p; j++) c[j] += x[i * p + j] * r / n;
  }
}

static double lambda_max_of(const double *x, const double *y, int n, int p) {
  double zero[64] = {0}, c[64], m = 0;
  int j;
  correlations(x, y, zero, n, p, c);
  for (j = 0; j < p; j++)
    if (fabs(c[j]) > m) m = fabs(c[j]);
  return m;
}

/* The lasso's optimality (KKT) conditions at lambda: c_j = lambda sign(w_j) on the support,
 * |c_j| <= lambda elsewhere. Returns the largest violation. */
static double kkt_violation(const double *x, const double *y, const double *w, int n, int p,
                            double lambda) {
  double c[64], worst = 0, v;
  int j;
  correlations(x, y, w, n, p, c);
  for (j = 0; j < p; j++) {
    if (w[j] != 0)
      v = fabs(c[j] - lambda * (w[j] > 0 ? 1 : -1));
    else
      v = fabs(c[j]) > lambda ? fabs(c[j]) - lambda : 0;
    if (v > worst) worst = v;
  }
  return worst;
}

static void test_lasso_and_path(void) {
  double lmax = lambda_max_of(lx, ly, LN, LP), lambda = 0.1 * lmax;
  double w[LP], w_zero[LP], lambdas[64], coefs[64 * LP];
  int64_t active[LP], n_knots = -1, p = -1, n_active = -1, i, j, nnz = 0;
  int32_t stopped = -1;
  sparsevar_lars_path *path = NULL;

  check_section("lasso vs the LARS path");
  CHECK_OK(sparsevar_lasso_lars(w, LP, lx, LN, LP, ly, lambda, 0));
  CHECK_MSG(kkt_violation(lx, ly, w, LN, LP, lambda) < 1e-10,
            "lasso solution violates the KKT conditions by %g",
            kkt_violation(lx, ly, w, LN, LP, lambda));
  for (j = 0; j < LP; j++) nnz += w[j] != 0;
  CHECK(nnz >= 2 && nnz < LP);

  /* lambda >= lambda_max gives all zeros. */
  CHECK_OK(sparsevar_lasso_lars(w_zero, LP, lx, LN, LP, ly, lmax * 1.0000001, 0));
  {
    int zero = 1;
    for (j = 0; j < LP; j++) zero = zero && w_zero[j] == 0.0;
    CHECK_MSG(zero, "lambda >= lambda_max did not give all zeros");
  }
  CHECK_OK(sparsevar_lasso_lars(w_zero, LP, lx, LN, LP, ly, 1e6, 0));
  CHECK(w_zero[0] == 0.0 && w_zero[LP - 1] == 0.0);

  /* The path down to lambda ends at the lasso solution. */
  CHECK_OK(sparsevar_lars_path_create(&path, lx, LN, LP, ly, lambda, 0, 0));
  CHECK(path != NULL);
  if (path == NULL) return;
  CHECK_OK(sparsevar_lars_path_shape(path, &n_knots, &p, &n_active, &stopped));
  CHECK(p == LP);
  CHECK(n_knots >= 2 && n_knots <= 64);
  CHECK(stopped == 0);
  CHECK(n_active == nnz);
  if (n_knots < 2 || n_knots > 64) {
    sparsevar_lars_path_free(path);
    return;
  }
  CHECK_OK(sparsevar_lars_path_lambdas(path, lambdas, n_knots));
  CHECK_OK(sparsevar_lars_path_coefs(path, coefs, n_knots * LP));
  CHECK_OK(sparsevar_lars_path_active(path, active, n_active));
  CHECK_NEAR(lambdas[0], lmax, 1e-12);
  CHECK_NEAR(lambdas[n_knots - 1], lambda, 1e-12);
  {
    int nonincreasing = 1, first_zero = 1;
    for (i = 1; i < n_knots; i++) nonincreasing = nonincreasing && lambdas[i] <= lambdas[i - 1];
    CHECK_MSG(nonincreasing, "the path's lambdas increase somewhere");
    for (j = 0; j < LP; j++) first_zero = first_zero && coefs[j] == 0.0;
    CHECK_MSG(first_zero, "the first knot (lambda_max) has non-zero coefficients");
  }
  for (j = 0; j < LP; j++) CHECK_NEAR(coefs[(n_knots - 1) * LP + j], w[j], 1e-10);
  /* Every knot solves the lasso at its own lambda. */
  for (i = 0; i < n_knots; i++)
    CHECK_MSG(kkt_violation(lx, ly, coefs + i * LP, LN, LP, lambdas[i]) < 1e-9,
              "knot %d (lambda %g) violates the KKT conditions by %g", (int)i, lambdas[i],
              kkt_violation(lx, ly, coefs + i * LP, LN, LP, lambdas[i]));
  /* The final active set: distinct indices of exactly the non-zero coefficients. */
  for (i = 0; i < n_active; i++) {
    CHECK(active[i] >= 0 && active[i] < LP);
    if (active[i] >= 0 && active[i] < LP) CHECK(w[active[i]] != 0.0);
    for (j = 0; j < i; j++) CHECK(active[i] != active[j]);
  }
  /* A larger buffer than needed is fine and written only up to the size. */
  {
    double big[64 * LP + 8];
    fill(big, 64 * LP + 8);
    CHECK_OK(sparsevar_lars_path_lambdas(path, big, 64 * LP + 8));
    CHECK(big[n_knots - 1] == lambdas[n_knots - 1] && all_sentinel(big, n_knots, 64 * LP + 8));
  }
  sparsevar_lars_path_free(path);

  /* The whole path (lambda_min = 0) ends at least squares when n > p. */
  path = NULL;
  CHECK_OK(sparsevar_lars_path_create(&path, lx, LN, LP, ly, 0, 0, 0));
  if (path != NULL) {
    double c[LP], worst = 0;
    CHECK_OK(sparsevar_lars_path_shape(path, &n_knots, NULL, &n_active, &stopped));
    CHECK(n_knots >= LP + 1 && n_knots <= 64 && n_active == LP && stopped == 0);
    if (n_knots <= 64) {
      CHECK_OK(sparsevar_lars_path_lambdas(path, lambdas, 64));
      CHECK_OK(sparsevar_lars_path_coefs(path, coefs, 64 * LP));
      CHECK(fabs(lambdas[n_knots - 1]) < 1e-10);
      correlations(lx, ly, coefs + (n_knots - 1) * LP, LN, LP, c);
      for (j = 0; j < LP; j++)
        if (fabs(c[j]) > worst) worst = fabs(c[j]);
      CHECK_MSG(worst < 1e-10, "the end of the path is not least squares: |X^T r|/n = %g", worst);
    }
    sparsevar_lars_path_free(path);
  }

  /* max_iter bounds the steps; the path then says it stopped early. */
  path = NULL;
  CHECK_OK(sparsevar_lars_path_create(&path, lx, LN, LP, ly, 0, 0, 2));
  if (path != NULL) {
    CHECK_OK(sparsevar_lars_path_shape(path, &n_knots, &p, &n_active, &stopped));
    CHECK(stopped == 1);
    CHECK(n_knots >= 2 && n_knots <= 3);
    CHECK(n_active >= 1 && n_active <= 2);
    sparsevar_lars_path_free(path);
  }

  /* eps_gamma > 0 still gives a valid (if different) solution path. */
  CHECK_OK(sparsevar_lasso_lars(w, LP, lx, LN, LP, ly, lambda, 1e-3));
  for (j = 0; j < LP; j++) CHECK(isfinite(w[j]));
}

static double loss_of_y(const double *y, const double *g, double lambda) {
  double w[LP], l = 0;
  int j;
  if (sparsevar_lasso_lars(w, LP, lx, LN, LP, y, lambda, 0) != SPARSEVAR_OK) return NAN;
  for (j = 0; j < LP; j++) l += g[j] * w[j];
  return l;
}

static double loss_of_x(const double *x, const double *g, double lambda) {
  double w[LP], l = 0;
  int j;
  if (sparsevar_lasso_lars(w, LP, x, LN, LP, ly, lambda, 0) != SPARSEVAR_OK) return NAN;
  for (j = 0; j < LP; j++) l += g[j] * w[j];
  return l;
}

static void test_vjp(void) {
  const double g[LP] = {0.7, -1.2, 0.4, 2.0, -0.3, 1.1, 0.9, -0.5};
  double lambda = 0.3 * lambda_max_of(lx, ly, LN, LP);
  static double gx[2][LN * LP], gy[2][LN], w[2][LP], w_ref[LP], yh[LN], xh[LN * LP];
  const int32_t modes[2] = {SPARSEVAR_GRADIENT_UNROLLED, SPARSEVAR_GRADIENT_IMPLICIT};
  double worst_x = 0, worst_y = 0, scale = 0, h = 1e-6;
  int m, i, j, inactive_zero = 1;

  check_section("vector-Jacobian product, unrolled vs implicit");
  CHECK_OK(sparsevar_lasso_lars(w_ref, LP, lx, LN, LP, ly, lambda, 0));
  for (m = 0; m < 2; m++) {
    CHECK_OK(sparsevar_lasso_lars_vjp(gx[m], LN * LP, gy[m], LN, w[m], LP, lx, LN, LP, ly, lambda,
                                      0, modes[m], g, LP));
    for (j = 0; j < LP; j++) CHECK_NEAR(w[m][j], w_ref[j], 1e-10);
  }
  for (i = 0; i < LN * LP; i++) {
    if (fabs(gx[0][i] - gx[1][i]) > worst_x) worst_x = fabs(gx[0][i] - gx[1][i]);
    if (fabs(gx[1][i]) > scale) scale = fabs(gx[1][i]);
  }
  for (i = 0; i < LN; i++) {
    if (fabs(gy[0][i] - gy[1][i]) > worst_y) worst_y = fabs(gy[0][i] - gy[1][i]);
    if (fabs(gy[1][i]) > scale) scale = fabs(gy[1][i]);
  }
  CHECK(scale > 0);
  CHECK_MSG(worst_x <= 1e-8 * (1 + scale), "dL/dX differs between modes by %g", worst_x);
  CHECK_MSG(worst_y <= 1e-8 * (1 + scale), "dL/dy differs between modes by %g", worst_y);
  /* Implicit mode: zero gradient for the columns of inactive features. */
  for (j = 0; j < LP; j++)
    if (w_ref[j] == 0)
      for (i = 0; i < LN; i++) inactive_zero = inactive_zero && gx[1][i * LP + j] == 0.0;
  CHECK_MSG(inactive_zero, "implicit dL/dX is non-zero in an inactive column");

  /* Finite differences of L = g . w on a few entries of y and X. */
  for (i = 0; i < LN; i += 7) {
    double up, down;
    memcpy(yh, ly, sizeof yh);
    yh[i] += h;
    up = loss_of_y(yh, g, lambda);
    yh[i] -= 2 * h;
    down = loss_of_y(yh, g, lambda);
    CHECK_NEAR(gy[1][i], (up - down) / (2 * h), 1e-6);
  }
  for (i = 0; i < LN * LP; i += 37) {
    double up, down;
    memcpy(xh, lx, sizeof xh);
    xh[i] += h;
    up = loss_of_x(xh, g, lambda);
    xh[i] -= 2 * h;
    down = loss_of_x(xh, g, lambda);
    CHECK_NEAR(gx[0][i], (up - down) / (2 * h), 1e-6);
  }
  /* coef_out is optional. */
  CHECK_OK(sparsevar_lasso_lars_vjp(gx[0], LN * LP, gy[0], LN, NULL, 0, lx, LN, LP, ly, lambda, 0,
                                    SPARSEVAR_GRADIENT_IMPLICIT, g, LP));
  CHECK(gy[0][0] == gy[1][0]);
}

/* ------------------------------------------------------------------------------------------------
 * VAR
 * ---------------------------------------------------------------------------------------------- */

enum { K = 4, P = 2, T = 400 };
static double truth[P * K * K];
static double z[T * K], z2[T * K];

static void make_var_data(void) {
  memset(truth, 0, sizeof truth);
  truth[0 * K * K + 0 * K + 0] = 0.5;
  truth[0 * K * K + 1 * K + 1] = 0.4;
  truth[0 * K * K + 2 * K + 2] = 0.3;
  truth[0 * K * K + 3 * K + 3] = 0.45;
  truth[0 * K * K + 1 * K + 0] = 0.35;
  truth[0 * K * K + 3 * K + 2] = -0.3;
  truth[1 * K * K + 2 * K + 1] = 0.25;
  tc_seed(77);
  tc_simulate_var(z, T, K, P, truth, 1.0, 100);
  tc_simulate_var(z2, T, K, P, truth, 0.5, 100);
}

typedef struct {
  int calls;
  int cancel_at; /* return non-zero at this call (1-based); 0 = never */
  int64_t last_done;
  int increasing, totals_ok, user_ok, thread_ok;
  int64_t expected_total;
#if HAVE_PTHREAD
  pthread_t caller;
#endif
} progress_log;

static void progress_init(progress_log *log, int64_t total, int cancel_at) {
  memset(log, 0, sizeof *log);
  log->cancel_at = cancel_at;
  log->expected_total = total;
  log->increasing = log->totals_ok = log->user_ok = log->thread_ok = 1;
#if HAVE_PTHREAD
  log->caller = pthread_self();
#endif
}

static int32_t progress(int64_t done, int64_t total, void *user) {
  progress_log *log = user;
  if (log == NULL) return 0;
  log->calls++;
  if (done <= log->last_done || done > total) log->increasing = 0;
  if (total != log->expected_total) log->totals_ok = 0;
  log->last_done = done;
#if HAVE_PTHREAD
  if (!pthread_equal(pthread_self(), log->caller)) log->thread_ok = 0;
#endif
  return log->cancel_at != 0 && log->calls >= log->cancel_at;
}

/* zhat_{t} = sum_lag A_lag z_{t-lag} for t = p..T-1 (0-based rows), as the header describes. */
static void forecast_here(const double *coef, const double *series, int64_t t, int64_t k,
                          int64_t p, double *out) {
  int64_t r, j, l, lag;
  for (r = 0; r < t - p; r++)
    for (j = 0; j < k; j++) {
      double v = 0;
      for (lag = 1; lag <= p; lag++)
        for (l = 0; l < k; l++)
          v += coef[(lag - 1) * k * k + j * k + l] * series[(p + r - lag) * k + l];
      out[r * k + j] = v;
    }
}

static double population_sd(const double *v, int64_t n) {
  double mean = 0, s = 0;
  int64_t i;
  for (i = 0; i < n; i++) mean += v[i];
  mean /= (double)n;
  for (i = 0; i < n; i++) s += (v[i] - mean) * (v[i] - mean);
  return sqrt(s / (double)n);
}

static double max_rel_diff(const double *a, const double *b, int64_t n) {
  double worst = 0;
  int64_t i;
  for (i = 0; i < n; i++) {
    double d = fabs(a[i] - b[i]) / (1 + fabs(b[i]));
    if (!(d <= worst)) worst = d; /* NaN propagates */
  }
  return worst;
}

/* The VAR's coefficients solve each output's lasso on the sigma-normalised lagged design. */
static double var_kkt_violation(const double *coef, const double *series, int64_t t, int64_t k,
                                int64_t p, double sigma, const double *lambdas) {
  enum { MAXF = 64 };
  double worst = 0;
  int64_t n = t - p, j, r, f, lag, l;
  for (j = 0; j < k; j++) {
    double c[MAXF] = {0}, w[MAXF];
    for (lag = 1; lag <= p; lag++)
      for (l = 0; l < k; l++) w[(lag - 1) * k + l] = coef[(lag - 1) * k * k + j * k + l];
    for (r = 0; r < n; r++) {
      double x[MAXF], res = series[(p + r) * k + j] / sigma;
      for (lag = 1; lag <= p; lag++)
        for (l = 0; l < k; l++) x[(lag - 1) * k + l] = series[(p + r - lag) * k + l] / sigma;
      for (f = 0; f < p * k; f++) res -= x[f] * w[f];
      for (f = 0; f < p * k; f++) c[f] += x[f] * res / (double)n;
    }
    for (f = 0; f < p * k; f++) {
      double v = w[f] != 0 ? fabs(c[f] - lambdas[j] * (w[f] > 0 ? 1 : -1))
                           : (fabs(c[f]) > lambdas[j] ? fabs(c[f]) - lambdas[j] : 0);
      if (v > worst) worst = v;
    }
  }
  return worst;
}

static void test_var_fit(void) {
  sparsevar_var *var = NULL;
  progress_log log;
  double coef[P * K * K + 8], intercept[K], lambdas[K], influence[K], sigma = 0, r_var = -1;
  static double zhat[(T - P) * K], expected[(T - P) * K];
  double c_here[K], r_here = 0;
  int64_t p = 0, k = 0, j, l, lag, r, counted = 0;

  check_section("VAR fit with a counting progress callback");
  CHECK_OK(sparsevar_var_create(&var));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, P));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAMBDA, 0.02));
  progress_init(&log, K, 0);
  CHECK_OK(sparsevar_var_fit_f64(var, z, T, K, progress, &log));
  CHECK(log.calls >= 1 && log.calls <= K);
  CHECK(log.last_done == K);
  CHECK(log.increasing && log.totals_ok);
  CHECK_MSG(log.thread_ok, "the progress callback ran on another thread than the caller's");

  check_section("VAR: coefficients, sigma, lambdas, forecasts, R_var, influence");
  CHECK_OK(sparsevar_var_shape(var, &p, &k));
  CHECK(p == P && k == K);
  CHECK_OK(sparsevar_var_shape(var, NULL, &k));
  fill(coef, P * K * K + 8);
  CHECK_OK(sparsevar_var_coef(var, coef, P * K * K + 8));
  CHECK_MSG(all_sentinel(coef, P * K * K, P * K * K + 8), "coef wrote beyond p * K * K values");
  CHECK_OK(sparsevar_var_coef(var, coef, P * K * K));
  CHECK_OK(sparsevar_var_intercept(var, intercept, K));
  CHECK_OK(sparsevar_var_lambdas(var, lambdas, K));
  CHECK_OK(sparsevar_var_sigma(var, &sigma));
  CHECK_OK(sparsevar_var_influence(var, influence, K));
  for (j = 0; j < K; j++) {
    CHECK(intercept[j] == 0.0);
    CHECK(lambdas[j] == 0.02);
  }
  CHECK_NEAR(sigma, population_sd(z, T * K), 1e-12);

  /* The fit recovers the strong connections and solves the lasso it describes. */
  for (j = 0; j < K; j++) CHECK_NEAR(coef[j * K + j], truth[j * K + j], 0.15);
  CHECK(coef[1 * K + 0] > 0.15 && coef[3 * K + 2] < -0.1 && coef[K * K + 2 * K + 1] > 0.1);
  CHECK_MSG(var_kkt_violation(coef, z, T, K, P, sigma, lambdas) < 1e-9,
            "the VAR coefficients violate the lasso KKT conditions by %g",
            var_kkt_violation(coef, z, T, K, P, sigma, lambdas));

  /* Forecasts = sum_k A_k z_{t-k}, computed here. */
  fill(zhat, (T - P) * K);
  CHECK_OK(sparsevar_var_forecast_f64(var, z, T, K, zhat, (T - P) * K));
  forecast_here(coef, z, T, K, P, expected);
  CHECK_MSG(max_rel_diff(zhat, expected, (T - P) * K) < 1e-12,
            "forecast differs from sum_k A_k z_{t-k} by %g",
            max_rel_diff(zhat, expected, (T - P) * K));
  /* ... on another series of the same K, and on a short one (t = p + 1: one row). */
  CHECK_OK(sparsevar_var_forecast_f64(var, z2, T, K, zhat, (T - P) * K));
  forecast_here(coef, z2, T, K, P, expected);
  CHECK(max_rel_diff(zhat, expected, (T - P) * K) < 1e-12);
  CHECK_OK(sparsevar_var_forecast_f64(var, z2 + 10 * K, P + 1, K, zhat, K));
  forecast_here(coef, z2 + 10 * K, P + 1, K, P, expected);
  CHECK(max_rel_diff(zhat, expected, K) < 1e-12);

  /* R_var = mean_t ||z_t - zhat_t||^2 / ||z_t||^2. */
  CHECK_OK(sparsevar_var_rvar_f64(var, z, T, K, &r_var));
  forecast_here(coef, z, T, K, P, expected);
  for (r = 0; r < T - P; r++) {
    double e = 0, nz = 0;
    for (j = 0; j < K; j++) {
      double v = z[(P + r) * K + j];
      e += (v - expected[r * K + j]) * (v - expected[r * K + j]);
      nz += v * v;
    }
    if (nz > 0) {
      r_here += e / nz;
      counted++;
    }
  }
  r_here /= (double)counted;
  CHECK_NEAR(r_var, r_here, 1e-10);
  CHECK(r_var > 0 && r_var < 1);

  /* Influence c_l = sum over lags and j != l of |A_k[j, l]|. */
  for (l = 0; l < K; l++) {
    c_here[l] = 0;
    for (lag = 0; lag < P; lag++)
      for (j = 0; j < K; j++)
        if (j != l) c_here[l] += fabs(coef[lag * K * K + j * K + l]);
    CHECK_NEAR(influence[l], c_here[l], 1e-14);
  }
  CHECK(influence[0] > 0.15 && influence[2] > 0.1);

  /* The float entry point computes in double: same as fit_f64 on the float-rounded values. */
  {
    static float zf[T * K];
    static double zr[T * K];
    double coef_f[P * K * K], coef_r[P * K * K];
    sparsevar_var *vf = NULL;
    for (j = 0; j < T * K; j++) {
      zf[j] = (float)z[j];
      zr[j] = (double)zf[j];
    }
    CHECK_OK(sparsevar_var_create(&vf));
    CHECK_OK(sparsevar_var_set_param(vf, SPARSEVAR_VAR_PARAM_LAG, P));
    CHECK_OK(sparsevar_var_set_param(vf, SPARSEVAR_VAR_PARAM_LAMBDA, 0.02));
    CHECK_OK(sparsevar_var_fit_f32(vf, zf, T, K, NULL, NULL));
    CHECK_OK(sparsevar_var_coef(vf, coef_f, P * K * K));
    CHECK_OK(sparsevar_var_fit_f64(vf, zr, T, K, NULL, NULL));
    CHECK_OK(sparsevar_var_coef(vf, coef_r, P * K * K));
    CHECK(max_rel_diff(coef_f, coef_r, P * K * K) < 1e-12);
    CHECK(max_rel_diff(coef_f, coef, P * K * K) < 1e-3);
    sparsevar_var_free(vf);
  }

  /* Cancel: at the first call, and at the last (done == K); the previous fit is kept. */
  check_section("VAR fit cancelled by the progress callback");
  {
    double coef_before[P * K * K], coef_after[P * K * K], sigma_after = 0;
    int calls_full;
    memcpy(coef_before, coef, sizeof coef_before);
    progress_init(&log, K, 1);
    EXPECT_STATUS(SPARSEVAR_E_INTERRUPTED, sparsevar_var_fit_f64(var, z2, T, K, progress, &log));
    CHECK(log.calls == 1);
    CHECK_OK(sparsevar_var_coef(var, coef_after, P * K * K));
    CHECK_IDENTICAL(coef_before, coef_after, sizeof coef_before);
    CHECK_OK(sparsevar_var_sigma(var, &sigma_after));
    CHECK(sigma_after == sigma);

    /* How many calls a full fit of z2 makes, then cancel at the last one. */
    {
      sparsevar_var *other = NULL;
      CHECK_OK(sparsevar_var_create(&other));
      CHECK_OK(sparsevar_var_set_param(other, SPARSEVAR_VAR_PARAM_LAG, P));
      progress_init(&log, K, 0);
      CHECK_OK(sparsevar_var_fit_f64(other, z2, T, K, progress, &log));
      calls_full = log.calls;
      sparsevar_var_free(other);
    }
    progress_init(&log, K, calls_full);
    EXPECT_STATUS(SPARSEVAR_E_INTERRUPTED, sparsevar_var_fit_f64(var, z2, T, K, progress, &log));
    CHECK(log.calls == calls_full && log.last_done == K);
    CHECK_OK(sparsevar_var_coef(var, coef_after, P * K * K));
    CHECK_IDENTICAL(coef_before, coef_after, sizeof coef_before);
    CHECK_OK(sparsevar_var_shape(var, &p, &k));
    CHECK(p == P && k == K);
  }

  /* Many outputs: several progress calls, strictly increasing, ending at K. */
  {
    enum { KB = 40, TB = 120 };
    static double zb[TB * KB], ab[KB * KB];
    sparsevar_var *big = NULL;
    for (j = 0; j < KB; j++) ab[j * KB + j] = 0.5;
    tc_simulate_var(zb, TB, KB, 1, ab, 1.0, 20);
    CHECK_OK(sparsevar_var_create(&big));
    CHECK_OK(sparsevar_var_set_param(big, SPARSEVAR_VAR_PARAM_LAG, 1));
    progress_init(&log, KB, 0);
    CHECK_OK(sparsevar_var_fit_f64(big, zb, TB, KB, progress, &log));
    CHECK(log.calls >= 1 && log.last_done == KB && log.increasing && log.totals_ok);
    CHECK(log.thread_ok);
    /* NULL user pointer is passed through as is. */
    CHECK_OK(sparsevar_var_fit_f64(big, zb, TB, KB, progress, NULL));
    /* A refit replaces the fit: another K and lag. */
    CHECK_OK(sparsevar_var_fit_f64(var, zb, TB, KB, NULL, NULL));
    CHECK_OK(sparsevar_var_shape(var, &p, &k));
    CHECK(p == P && k == KB);
    sparsevar_var_free(big);
  }
  sparsevar_var_free(var);
}

static void test_var_options(void) {
  sparsevar_var *var = NULL;
  double coef_on[P * K * K], coef_off[P * K * K], c[K], sigma = 0, lam[K];
  double intercept[K];
  static double zoff[T * K], zhat[(T - P) * K], expected[(T - P) * K];
  uint8_t mask[K * K];
  int64_t j, l, lag;

  check_section("VAR options: normalisation, mask, intercept, criterion");
  CHECK_OK(sparsevar_var_create(&var));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, P));

  /* lambda = 0 is least squares, which does not depend on the scale. */
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAMBDA, 0));
  CHECK_OK(sparsevar_var_fit_f64(var, z, T, K, NULL, NULL));
  CHECK_OK(sparsevar_var_coef(var, coef_on, P * K * K));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_NORMALIZE, 0));
  CHECK_OK(sparsevar_var_fit_f64(var, z, T, K, NULL, NULL));
  CHECK_OK(sparsevar_var_coef(var, coef_off, P * K * K));
  CHECK_OK(sparsevar_var_sigma(var, &sigma));
  CHECK(sigma == 1.0);
  CHECK(max_rel_diff(coef_on, coef_off, P * K * K) < 1e-8);
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_NORMALIZE, 1));
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAMBDA, 0.02));

  /* A diagonal mask: no cross-connections, so no influence. */
  for (j = 0; j < K; j++)
    for (l = 0; l < K; l++) mask[j * K + l] = (uint8_t)(j == l ? 7 : 0); /* any non-zero allows */
  CHECK_OK(sparsevar_var_set_mask(var, mask, K));
  CHECK_OK(sparsevar_var_fit_f64(var, z, T, K, NULL, NULL));
  CHECK_OK(sparsevar_var_coef(var, coef_on, P * K * K));
  CHECK_OK(sparsevar_var_influence(var, c, K));
  {
    int ok = 1;
    for (lag = 0; lag < P; lag++)
      for (j = 0; j < K; j++)
        for (l = 0; l < K; l++)
          if (j != l) ok = ok && coef_on[lag * K * K + j * K + l] == 0.0;
    CHECK_MSG(ok, "a diagonal mask left off-diagonal coefficients");
    for (l = 0; l < K; l++) CHECK(c[l] == 0.0);
    CHECK(coef_on[0] > 0.2);
  }
  /* The mask is copied: changing the caller's array changes nothing. */
  memset(mask, 1, sizeof mask);
  CHECK_OK(sparsevar_var_fit_f64(var, z, T, K, NULL, NULL));
  CHECK_OK(sparsevar_var_influence(var, c, K));
  CHECK(c[0] == 0.0 && c[2] == 0.0);
  CHECK_OK(sparsevar_var_set_mask(var, NULL, 0));
  CHECK_OK(sparsevar_var_fit_f64(var, z, T, K, NULL, NULL));
  CHECK_OK(sparsevar_var_influence(var, c, K));
  CHECK(c[0] > 0.1);

  /* Intercept: the series shifted by a constant; for the fitted series, with either estimator,
     forecast = sum_k A_k z_{t-k} + sigma b. */
  for (j = 0; j < T * K; j++) zoff[j] = z[j] + 3.0;
  {
    const sparsevar_intercept kinds[2] = {SPARSEVAR_INTERCEPT_COLUMNS, SPARSEVAR_INTERCEPT_SERIES_MEAN};
    int i;
    for (i = 0; i < 2; i++) {
      CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_INTERCEPT, kinds[i]));
      CHECK_OK(sparsevar_var_fit_f64(var, zoff, T, K, NULL, NULL));
      CHECK_OK(sparsevar_var_intercept(var, intercept, K));
      CHECK_OK(sparsevar_var_coef(var, coef_on, P * K * K));
      CHECK_OK(sparsevar_var_sigma(var, &sigma));
      CHECK(fabs(intercept[0]) > 0.1);
      CHECK_OK(sparsevar_var_forecast_f64(var, zoff, T, K, zhat, (T - P) * K));
      forecast_here(coef_on, zoff, T, K, P, expected);
      for (j = 0; j < (T - P) * K; j++) expected[j] += sigma * intercept[j % K];
      CHECK_MSG(max_rel_diff(zhat, expected, (T - P) * K) < 1e-10,
                "forecast with intercept %d differs from sum_k A_k z_{t-k} + sigma b by %g", (int)kinds[i],
                max_rel_diff(zhat, expected, (T - P) * K));
      /* Close to the slopes without the shift. */
      CHECK_OK(sparsevar_var_fit_f64(var, z, T, K, NULL, NULL));
      CHECK_OK(sparsevar_var_coef(var, coef_off, P * K * K));
      CHECK(max_rel_diff(coef_on, coef_off, P * K * K) < 0.1);
    }
  }
  CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_INTERCEPT, SPARSEVAR_INTERCEPT_NONE));

  /* Information criteria: lambda per output is the path's minimiser; BIC is at most as dense. */
  {
    int64_t nnz_aic[K], nnz_bic[K], len = 0, i;
    double path_l[512], path_c[512];
    int32_t criteria[2] = {SPARSEVAR_CRITERION_AIC, SPARSEVAR_CRITERION_BIC};
    int ci;
    for (ci = 0; ci < 2; ci++) {
      CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_CRITERION, criteria[ci]));
      CHECK_OK(sparsevar_var_fit_f64(var, z, T, K, NULL, NULL));
      CHECK_OK(sparsevar_var_lambdas(var, lam, K));
      CHECK_OK(sparsevar_var_coef(var, coef_on, P * K * K));
      for (j = 0; j < K; j++) {
        int64_t best = 0, nnz = 0;
        int nonincreasing = 1;
        CHECK_OK(sparsevar_var_path_length(var, j, &len));
        CHECK(len >= 2 && len <= 512);
        if (len < 1 || len > 512) continue;
        fill(path_l, 512);
        CHECK_OK(sparsevar_var_path(var, j, path_l, path_c, len));
        CHECK(all_sentinel(path_l, len, 512));
        CHECK_OK(sparsevar_var_path(var, j, NULL, path_c, len));
        CHECK_OK(sparsevar_var_path(var, j, path_l, NULL, len));
        for (i = 1; i < len; i++) {
          nonincreasing = nonincreasing && path_l[i] <= path_l[i - 1];
          if (path_c[i] < path_c[best]) best = i;
        }
        CHECK(nonincreasing);
        CHECK(isfinite(path_c[best]));
        CHECK_MSG(lam[j] == path_l[best],
                  "output %d: lambda %g is not the path's criterion minimiser %g", (int)j, lam[j],
                  path_l[best]);
        for (lag = 0; lag < P; lag++)
          for (l = 0; l < K; l++) nnz += fabs(coef_on[lag * K * K + j * K + l]) > DBL_EPSILON;
        if (ci == 0)
          nnz_aic[j] = nnz;
        else
          nnz_bic[j] = nnz;
      }
    }
    for (j = 0; j < K; j++)
      CHECK_MSG(nnz_bic[j] <= nnz_aic[j], "output %d: BIC keeps %d coefficients, AIC %d", (int)j,
                (int)nnz_bic[j], (int)nnz_aic[j]);
  }
  sparsevar_var_free(var);
}

static void test_param_bounds(void) {
  struct expected {
    int32_t param;
    double lower, upper, def; /* upper < 0: only "upper > lower" is documented */
  };
  const struct expected table[] = {
      {SPARSEVAR_VAR_PARAM_LAG, 1, 1000, 5},
      {SPARSEVAR_VAR_PARAM_LAMBDA, 0, INFINITY, 0.01},
      {SPARSEVAR_VAR_PARAM_EPS_GAMMA, 0, INFINITY, 0},
      {SPARSEVAR_VAR_PARAM_NORMALIZE, 0, 1, 1},
      {SPARSEVAR_VAR_PARAM_INTERCEPT, 0, 2, SPARSEVAR_INTERCEPT_NONE},
      {SPARSEVAR_VAR_PARAM_MAX_ITER, 0, -1, 0},
      {SPARSEVAR_VAR_PARAM_CRITERION, 0, 2, SPARSEVAR_CRITERION_NONE},
      {SPARSEVAR_VAR_PARAM_THREADS, 0, -1, 0},
  };
  sparsevar_var *var = NULL;
  int64_t i;
  check_section("VAR parameter bounds and defaults");
  CHECK_OK(sparsevar_var_create(&var));
  for (i = 0; i < COUNT(table); i++) {
    double lower = NAN, upper = NAN, def = NAN, value = NAN;
    CHECK_OK(sparsevar_var_param_bounds(table[i].param, &lower, &upper, &def));
    CHECK_MSG(lower == table[i].lower, "parameter %d: lower bound %g, documented %g",
              table[i].param, lower, table[i].lower);
    if (table[i].upper >= 0)
      CHECK_MSG(upper == table[i].upper, "parameter %d: upper bound %g, documented %g",
                table[i].param, upper, table[i].upper);
    else
      CHECK_MSG(upper > lower, "parameter %d: upper bound %g", table[i].param, upper);
    CHECK_MSG(def == table[i].def, "parameter %d: default %g, documented %g", table[i].param, def,
              table[i].def);
    /* A fresh VAR holds the defaults. */
    CHECK_OK(sparsevar_var_get_param(var, table[i].param, &value));
    CHECK(value == def);
    /* The bounds themselves are accepted (finite ones) and read back. */
    CHECK_OK(sparsevar_var_set_param(var, table[i].param, lower));
    CHECK_OK(sparsevar_var_get_param(var, table[i].param, &value));
    CHECK(value == lower);
    if (isfinite(upper)) {
      CHECK_OK(sparsevar_var_set_param(var, table[i].param, upper));
      CHECK_OK(sparsevar_var_get_param(var, table[i].param, &value));
      CHECK(value == upper);
    }
    CHECK_OK(sparsevar_var_set_param(var, table[i].param, def));
    /* Any output may be NULL. */
    CHECK_OK(sparsevar_var_param_bounds(table[i].param, NULL, NULL, NULL));
    CHECK_OK(sparsevar_var_param_bounds(table[i].param, NULL, &upper, NULL));
  }
  /* A value inside the range reads back exactly. */
  {
    double value = 0;
    CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAMBDA, 0.123456789));
    CHECK_OK(sparsevar_var_get_param(var, SPARSEVAR_VAR_PARAM_LAMBDA, &value));
    CHECK(value == 0.123456789);
    CHECK_OK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, 17));
    CHECK_OK(sparsevar_var_get_param(var, SPARSEVAR_VAR_PARAM_LAG, &value));
    CHECK(value == 17);
  }
  sparsevar_var_free(var);
}

/* ------------------------------------------------------------------------------------------------
 * Var sets and group tests
 * ---------------------------------------------------------------------------------------------- */

enum { SK = 3, ST = 150, RUNS = 6 };
static double runs_z[RUNS][ST * SK];

static void make_runs(void) {
  static const double a_group[2][SK * SK] = {
      {0.6, 0.0, 0.0, 0.4, 0.3, 0.0, 0.0, 0.0, 0.5},
      {0.2, 0.0, -0.5, 0.0, 0.7, 0.0, 0.0, 0.5, 0.1},
  };
  int i;
  tc_seed(99);
  for (i = 0; i < RUNS; i++) tc_simulate_var(runs_z[i], ST, SK, 1, a_group[i / 3], 1.0, 50);
}

/* Splits the N x N matrix into inter (across groups) and intra (within a group) samples. */
static void split_pairs(const double *m, int64_t n, const int32_t *labels, int32_t a, int32_t b,
                        double *inter, int64_t *n_inter, double *intra, int64_t *n_intra) {
  int64_t i, j;
  *n_inter = *n_intra = 0;
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      int gi = labels[i] == a ? 1 : labels[i] == b ? 2 : 0;
      int gj = labels[j] == a ? 1 : labels[j] == b ? 2 : 0;
      if (i == j || gi == 0 || gj == 0) continue;
      if (gi == gj)
        intra[(*n_intra)++] = m[i * n + j];
      else
        inter[(*n_inter)++] = m[i * n + j];
    }
}

/* Checks a result's sizes, matrix shape, NaN diagonal and p-values, and that its statistic and
 * p-value are the rank-sum test of its own matrix's inter vs intra pairs. */
static void check_result(sparsevar_test_result *res, int64_t n_expected, const int32_t *labels,
                         int32_t a, int32_t b, int32_t method, double *matrix_out) {
  double stat = NAN, p = NAN, p_perm = NAN, stat2 = NAN, p2 = NAN;
  int64_t n_inter = -1, n_intra = -1, n = -1, i, j, ni = 0, na = 0, n_a = 0, n_b = 0;
  static double matrix[64 * 64], inter[64 * 64], intra[64 * 64];
  CHECK_OK(sparsevar_test_result_runs(res, &n));
  CHECK(n == n_expected);
  if (n != n_expected || n > 64) return;
  CHECK_OK(sparsevar_test_result_values(res, &stat, &p, &p_perm, &n_inter, &n_intra));
  for (i = 0; i < n; i++) {
    n_a += labels[i] == a;
    n_b += labels[i] == b;
  }
  CHECK(n_inter == 2 * n_a * n_b);
  CHECK(n_intra == n_a * (n_a - 1) + n_b * (n_b - 1));
  CHECK(stat >= 0 && stat <= (double)(n_inter * n_intra));
  CHECK(p >= 0 && p <= 1);
  CHECK(isnan(p_perm) || (p_perm > 0 && p_perm <= 1));
  fill(matrix, 64 * 64);
  CHECK_OK(sparsevar_test_result_matrix(res, matrix, n * n));
  CHECK(all_sentinel(matrix, n * n, 64 * 64));
  for (i = 0; i < n; i++) {
    CHECK_MSG(isnan(matrix[i * n + i]), "diagonal entry %d is %g, not NaN", (int)i,
              matrix[i * n + i]);
    for (j = 0; j < n; j++) {
      int used = (labels[i] == a || labels[i] == b) && (labels[j] == a || labels[j] == b);
      if (i == j) continue;
      CHECK_MSG(used ? isfinite(matrix[i * n + j]) : isnan(matrix[i * n + j]),
                "entry (%d, %d) = %g (runs %s)", (int)i, (int)j, matrix[i * n + j],
                used ? "in the groups: finite expected" : "outside the groups: NaN expected");
    }
  }
  split_pairs(matrix, n, labels, a, b, inter, &ni, intra, &na);
  CHECK(ni == n_inter && na == n_intra);
  CHECK_OK(sparsevar_rank_sum(&stat2, &p2, inter, ni, intra, na, SPARSEVAR_ALTERNATIVE_GREATER,
                              method));
  CHECK(stat2 == stat);
  CHECK_NEAR(p2, p, 1e-12);
  if (matrix_out) memcpy(matrix_out, matrix, (size_t)(n * n) * sizeof *matrix);
}

static void test_var_sets(void) {
  sparsevar_var *vars[RUNS];
  sparsevar_var_set *set = NULL;
  sparsevar_test_result *res = NULL;
  int32_t labels[RUNS + 1] = {1, 1, 1, 2, 2, 2, 3};
  static double delta[(RUNS + 1) * (RUNS + 1)], dist[(RUNS + 1) * (RUNS + 1)];
  static double before[(RUNS + 1) * (RUNS + 1)];
  double value = -1, p_swap = NAN, p_perm = NAN, p_infl = NAN, c[RUNS][SK];
  int64_t i, j, n = -1, run = -1;
  int32_t label = 0;

  check_section("var set with two groups");
  for (i = 0; i < RUNS; i++) {
    vars[i] = NULL;
    CHECK_OK(sparsevar_var_create(&vars[i]));
    CHECK_OK(sparsevar_var_set_param(vars[i], SPARSEVAR_VAR_PARAM_LAG, 1));
    CHECK_OK(sparsevar_var_set_param(vars[i], SPARSEVAR_VAR_PARAM_LAMBDA, 0.01));
    CHECK_OK(sparsevar_var_fit_f64(vars[i], runs_z[i], ST, SK, NULL, NULL));
    CHECK_OK(sparsevar_var_influence(vars[i], c[i], SK));
  }
  CHECK_OK(sparsevar_var_set_create(&set));
  CHECK_OK(sparsevar_var_set_size(set, &n));
  CHECK(n == 0);
  /* Documented defaults of the test parameters. */
  CHECK_OK(sparsevar_var_set_get_param(set, SPARSEVAR_TEST_PARAM_METHOD, &value));
  CHECK(value == SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC);
  CHECK_OK(sparsevar_var_set_get_param(set, SPARSEVAR_TEST_PARAM_PERMUTATIONS, &value));
  CHECK(value == 9999);
  CHECK_OK(sparsevar_var_set_get_param(set, SPARSEVAR_TEST_PARAM_SEED, &value));
  CHECK(value == 0);
  CHECK_OK(sparsevar_var_set_get_param(set, SPARSEVAR_TEST_PARAM_EXACT_LIMIT, &value));
  CHECK(value == 20000);
  CHECK_OK(sparsevar_var_set_get_param(set, SPARSEVAR_TEST_PARAM_THREADS, &value));
  CHECK(value == 0);
  CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_SEED, 7));
  CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_PERMUTATIONS, 499));
  CHECK_OK(sparsevar_var_set_get_param(set, SPARSEVAR_TEST_PARAM_SEED, &value));
  CHECK(value == 7);
  CHECK_OK(sparsevar_var_set_get_param(set, SPARSEVAR_TEST_PARAM_PERMUTATIONS, &value));
  CHECK(value == 499);

  for (i = 0; i < RUNS; i++) {
    CHECK_OK(sparsevar_var_set_add_f64(set, vars[i], runs_z[i], ST, SK, labels[i], &run));
    CHECK(run == i);
  }
  CHECK_OK(sparsevar_var_set_size(set, &n));
  CHECK(n == RUNS);
  for (i = 0; i < RUNS; i++) {
    CHECK_OK(sparsevar_var_set_get_label(set, i, &label));
    CHECK(label == labels[i]);
  }

  check_section("swap test");
  CHECK_OK(sparsevar_swap_test(&res, set, 1, 2));
  CHECK(res != NULL);
  if (res != NULL) {
    check_result(res, RUNS, labels, 1, 2, SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC, delta);
    CHECK_OK(sparsevar_test_result_values(res, NULL, &p_swap, &p_perm, NULL, NULL));
    CHECK_MSG(p_swap < 0.01, "runs with different dynamics: swap-test p = %g", p_swap);
    /* 6 runs in two groups of 3: the 20 relabelings are enumerated exactly. */
    CHECK(p_perm >= 1.0 / 20 - 1e-12 && p_perm <= 1);
    sparsevar_test_result_free(res);
    res = NULL;
  }
  /* Delta_ij = E_{i<-j} - E_{i<-i}, recomputed from the forecasts of the caller's VARs. */
  {
    static double zhat[ST * SK];
    double e[RUNS][RUNS], worst = 0;
    int64_t r, l;
    for (i = 0; i < RUNS; i++)
      for (j = 0; j < RUNS; j++) {
        double s = 0;
        CHECK_OK(sparsevar_var_forecast_f64(vars[j], runs_z[i], ST, SK, zhat, ST * SK));
        for (r = 0; r < ST - 1; r++)
          for (l = 0; l < SK; l++) {
            double d = runs_z[i][(r + 1) * SK + l] - zhat[r * SK + l];
            s += d * d;
          }
        e[i][j] = s / (ST - 1);
      }
    for (i = 0; i < RUNS; i++)
      for (j = 0; j < RUNS; j++)
        if (i != j) {
          double d = fabs(delta[i * RUNS + j] - (e[i][j] - e[i][i]));
          if (!(d <= worst)) worst = d;
        }
    CHECK_MSG(worst < 1e-10, "Delta differs from E_{i<-j} - E_{i<-i} by %g", worst);
  }

  check_section("influence test");
  CHECK_OK(sparsevar_influence_test(&res, set, 1, 2));
  CHECK(res != NULL);
  if (res != NULL) {
    double worst = 0;
    check_result(res, RUNS, labels, 1, 2, SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC, dist);
    CHECK_OK(sparsevar_test_result_values(res, NULL, &p_infl, NULL, NULL, NULL));
    CHECK_MSG(p_infl < 0.05, "runs with different connections: influence-test p = %g", p_infl);
    for (i = 0; i < RUNS; i++)
      for (j = 0; j < RUNS; j++)
        if (i != j) {
          double d = 0, diff;
          int64_t l;
          for (l = 0; l < SK; l++) d += (c[i][l] - c[j][l]) * (c[i][l] - c[j][l]);
          diff = fabs(dist[i * RUNS + j] - d);
          if (!(diff <= worst)) worst = diff;
          CHECK(dist[i * RUNS + j] == dist[j * RUNS + i]);
        }
    CHECK_MSG(worst < 1e-12, "d_ij differs from ||c_i - c_j||^2 by %g", worst);
    sparsevar_test_result_free(res);
    res = NULL;
  }

  check_section("var set: copies, options, labels, series-less runs");
  /* The set holds copies: refitting a caller's VAR changes nothing in the set. */
  memcpy(before, dist, sizeof before);
  CHECK_OK(sparsevar_var_set_param(vars[0], SPARSEVAR_VAR_PARAM_LAMBDA, 10));
  CHECK_OK(sparsevar_var_fit_f64(vars[0], runs_z[3], ST, SK, NULL, NULL));
  CHECK_OK(sparsevar_influence_test(&res, set, 1, 2));
  if (res != NULL) {
    CHECK_OK(sparsevar_test_result_matrix(res, dist, RUNS * RUNS));
    CHECK_MSG(memcmp(before, dist, RUNS * RUNS * sizeof(double)) == 0,
              "refitting a VAR after adding it changed the set's run");
    sparsevar_test_result_free(res);
    res = NULL;
  }

  /* Permutations = 0: no permutation p-value (NaN). */
  CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_PERMUTATIONS, 0));
  CHECK_OK(sparsevar_swap_test(&res, set, 1, 2));
  if (res != NULL) {
    CHECK_OK(sparsevar_test_result_values(res, NULL, NULL, &p_perm, NULL, NULL));
    CHECK_MSG(isnan(p_perm), "permutations = 0 gave a permutation p-value %g", p_perm);
    sparsevar_test_result_free(res);
    res = NULL;
  }
  /* Monte Carlo relabelings (exact limit 1): reproducible for a seed. */
  {
    double p1 = NAN, p2 = NAN;
    CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_PERMUTATIONS, 199));
    CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_EXACT_LIMIT, 1));
    CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_THREADS, 1));
    CHECK_OK(sparsevar_swap_test(&res, set, 1, 2));
    if (res != NULL) {
      CHECK_OK(sparsevar_test_result_values(res, NULL, NULL, &p1, NULL, NULL));
      sparsevar_test_result_free(res);
      res = NULL;
    }
    CHECK_OK(sparsevar_swap_test(&res, set, 1, 2));
    if (res != NULL) {
      CHECK_OK(sparsevar_test_result_values(res, NULL, NULL, &p2, NULL, NULL));
      sparsevar_test_result_free(res);
      res = NULL;
    }
    CHECK(p1 == p2 && p1 >= 1.0 / 200 && p1 <= 1);
    /* The +1 correction: p = (1 + count) / (1 + 199); the smallest attainable p is 1/200. */
    CHECK(fabs(p1 * 200 - floor(p1 * 200 + 0.5)) < 1e-9);
    {
      double p_test = NAN, smallest = NAN;
      int64_t relabelings = -1;
      int32_t exact = -1;
      CHECK_OK(sparsevar_swap_test(&res, set, 1, 2));
      if (res != NULL) {
        CHECK_OK(sparsevar_test_result_permutation(res, &p_test, &smallest, &relabelings, &exact));
        CHECK(p_test == p1 && smallest == 1.0 / 200 && relabelings == 199 && exact == 0);
        CHECK_OK(sparsevar_test_result_permutation(res, NULL, NULL, NULL, NULL));
        sparsevar_test_result_free(res);
        res = NULL;
      }
      CHECK_OK(sparsevar_smallest_p_value(set, 5, 5, &smallest));
      CHECK(smallest == 1.0 / 200);
      CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_EXACT_LIMIT, 20000));
      /* Exact: 1 / the number of distinct splits (C(10, 5) / 2 = 126; C(7, 3) = 35). */
      CHECK_OK(sparsevar_smallest_p_value(set, 5, 5, &smallest));
      CHECK(fabs(smallest - 1.0 / 126) < 1e-15);
      CHECK_OK(sparsevar_smallest_p_value(set, 3, 4, &smallest));
      CHECK(fabs(smallest - 1.0 / 35) < 1e-15);
      EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_smallest_p_value(set, 0, 4, &smallest));
      EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_smallest_p_value(set, 3, 4, NULL));
    }
  }
  /* The exact rank-sum method. */
  CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_METHOD,
                                       SPARSEVAR_RANK_SUM_METHOD_EXACT));
  CHECK_OK(sparsevar_var_set_get_param(set, SPARSEVAR_TEST_PARAM_METHOD, &value));
  CHECK(value == SPARSEVAR_RANK_SUM_METHOD_EXACT);
  CHECK_OK(sparsevar_swap_test(&res, set, 1, 2));
  if (res != NULL) {
    check_result(res, RUNS, labels, 1, 2, SPARSEVAR_RANK_SUM_METHOD_EXACT, NULL);
    sparsevar_test_result_free(res);
    res = NULL;
  }
  CHECK_OK(sparsevar_var_set_set_param(set, SPARSEVAR_TEST_PARAM_METHOD,
                                       SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC));

  /* A run for the influence test only (no series), in neither group: NaN row and column. */
  CHECK_OK(sparsevar_var_set_add_f64(set, vars[1], NULL, 0, 0, 3, &run));
  CHECK(run == RUNS);
  CHECK_OK(sparsevar_var_set_size(set, &n));
  CHECK(n == RUNS + 1);
  CHECK_OK(sparsevar_influence_test(&res, set, 1, 2));
  if (res != NULL) {
    check_result(res, RUNS + 1, labels, 1, 2, SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC, NULL);
    sparsevar_test_result_free(res);
    res = NULL;
  }
  CHECK_OK(sparsevar_swap_test(&res, set, 1, 2));
  if (res != NULL) {
    check_result(res, RUNS + 1, labels, 1, 2, SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC, NULL);
    sparsevar_test_result_free(res);
    res = NULL;
  }

  /* Another split by relabelling: {0, 1, 3} vs {2, 4, 5}. */
  CHECK_OK(sparsevar_var_set_set_label(set, 2, 2));
  CHECK_OK(sparsevar_var_set_set_label(set, 3, 1));
  labels[2] = 2;
  labels[3] = 1;
  for (i = 0; i < RUNS + 1; i++) {
    CHECK_OK(sparsevar_var_set_get_label(set, i, &label));
    CHECK(label == labels[i]);
  }
  CHECK_OK(sparsevar_influence_test(&res, set, 2, 1)); /* label order: either way */
  if (res != NULL) {
    check_result(res, RUNS + 1, labels, 2, 1, SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC, NULL);
    sparsevar_test_result_free(res);
    res = NULL;
  }

  sparsevar_var_set_free(set);
  for (i = 0; i < RUNS; i++) sparsevar_var_free(vars[i]);
}

/* ------------------------------------------------------------------------------------------------
 * Rank-sum and Bonferroni
 * ---------------------------------------------------------------------------------------------- */

static void test_rank_sum(void) {
  /* Reference values from scipy.stats.mannwhitneyu (scipy 1.x). */
  struct ref {
    int set;
    int32_t alternative, method;
    double statistic, p;
  };
  const double x0[5] = {1, 2, 3, 4, 5}, y0[5] = {6, 7, 8, 9, 10};
  const double x1[6] = {1.5, 2, 2, 3.5, 7, 8}, y1[5] = {2, 3, 3, 4, 5};
  const double x2[7] = {0.8, 3.1, 4.4, 6.0, 7.2, 9.9, 1.7}, y2[4] = {2.2, 5.5, 0.3, 8.8};
  const double *xs[3] = {x0, x1, x2}, *ys[3] = {y0, y1, y2};
  const int64_t nxs[3] = {5, 6, 7}, nys[3] = {5, 5, 4};
  const int32_t G = SPARSEVAR_ALTERNATIVE_GREATER, L = SPARSEVAR_ALTERNATIVE_LESS,
                TS = SPARSEVAR_ALTERNATIVE_TWO_SIDED;
  const int32_t A = SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC, E = SPARSEVAR_RANK_SUM_METHOD_EXACT;
  const struct ref refs[] = {
      {0, G, A, 0, 0.9966923245172357},   {0, G, E, 0, 1.0},
      {0, L, A, 0, 0.006092890177672406}, {0, L, E, 0, 0.003968253968253968},
      {0, TS, A, 0, 0.012185780355344813}, {0, TS, E, 0, 0.007936507936507936},
      {1, G, A, 14, 0.6091204704320803},  {1, L, A, 14, 0.4632129731209671},
      {1, TS, A, 14, 0.9264259462419342}, {2, G, A, 16, 0.388407002077741},
      {2, G, E, 16, 0.3939393939393939},  {2, L, A, 16, 0.6816991837181996},
      {2, L, E, 16, 0.6757575757575758},  {2, TS, A, 16, 0.776814004155482},
      {2, TS, E, 16, 0.7878787878787878},
  };
  int64_t i;
  check_section("rank-sum test against scipy");
  for (i = 0; i < COUNT(refs); i++) {
    double stat = NAN, p = NAN;
    const struct ref *r = &refs[i];
    CHECK_OK(sparsevar_rank_sum(&stat, &p, xs[r->set], nxs[r->set], ys[r->set], nys[r->set],
                                r->alternative, r->method));
    CHECK_MSG(stat == r->statistic, "case %d: U = %g, scipy %g", (int)i, stat, r->statistic);
    CHECK_MSG(fabs(p - r->p) <= 1e-12 * (1 + r->p), "case %d: p = %.17g, scipy %.17g", (int)i, p,
              r->p);
  }
  /* U of x + U of y = nx ny; "less" for (x, y) is "greater" for (y, x). */
  {
    double sx = 0, sy = 0, px = 0, py = 0;
    CHECK_OK(sparsevar_rank_sum(&sx, &px, x2, 7, y2, 4, L, A));
    CHECK_OK(sparsevar_rank_sum(&sy, &py, y2, 4, x2, 7, G, A));
    CHECK(sx + sy == 7.0 * 4.0);
    CHECK_NEAR(px, py, 1e-14);
    /* Either output may be left out. */
    CHECK_OK(sparsevar_rank_sum(NULL, &py, x2, 7, y2, 4, TS, E));
    CHECK_OK(sparsevar_rank_sum(&sy, NULL, x2, 7, y2, 4, TS, E));
    CHECK(sy == 16);
  }
  /* All values tied: scipy gives p = 1 (asymptotic, zero variance with continuity correction)
   * and 0.6 (exact, evaluated at floor(U)). */
  {
    const double a[3] = {1, 1, 1}, b[2] = {1, 1};
    double stat = NAN, p = NAN;
    CHECK_OK(sparsevar_rank_sum(&stat, &p, a, 3, b, 2, G, A));
    CHECK(stat == 3 && p == 1);
    CHECK_OK(sparsevar_rank_sum(&stat, &p, a, 3, b, 2, G, E));
    CHECK_NEAR(p, 0.6, 1e-14);
  }
  /* One value each is enough. */
  {
    double a = 1, b = 2, stat = NAN, p = NAN;
    CHECK_OK(sparsevar_rank_sum(&stat, &p, &a, 1, &b, 1, G, E));
    CHECK(stat == 0 && p == 1);
  }
}

static void test_bonferroni(void) {
  double ps[4] = {0.01, 0.2, 0.5, 0.0}, out[4] = {-1, -1, -1, -1};
  check_section("Bonferroni");
  CHECK_OK(sparsevar_bonferroni(out, ps, 4));
  CHECK_NEAR(out[0], 0.04, 1e-15);
  CHECK_NEAR(out[1], 0.8, 1e-15);
  CHECK(out[2] == 1.0 && out[3] == 0.0);
  CHECK(ps[0] == 0.01 && ps[1] == 0.2); /* input untouched */
  CHECK_OK(sparsevar_bonferroni(ps, ps, 4)); /* in place */
  CHECK(memcmp(ps, out, sizeof ps) == 0);
  {
    double one = 0.3, o = -1;
    CHECK_OK(sparsevar_bonferroni(&o, &one, 1));
    CHECK(o == 0.3);
    one = 1.0;
    CHECK_OK(sparsevar_bonferroni(&o, &one, 1));
    CHECK(o == 1.0);
  }
}

/* ---------------------------------------------------------------------------------------------- */

int main(void) {
  make_lars_problem();
  make_var_data();
  make_runs();
  test_versions();
  test_lasso_and_path();
  test_vjp();
  test_var_fit();
  test_var_options();
  test_param_bounds();
  test_var_sets();
  test_rank_sum();
  test_bonferroni();
  return check_finish();
}
