/*
 * Simulates a known sparse VAR(2) with K = 8 latents, fits it with sparsevar, and prints the
 * recovered connections against the truth.
 *
 *   cc -std=c99 fit_sparse_var.c $(pkg-config --cflags --libs sparsevar) -lm \
 *      -Wl,-rpath,$(pkg-config --variable=libdir sparsevar) -o fit_sparse_var
 */
#include <math.h>

#include "common.h"

/* A small deterministic generator (xorshift64*), and standard normals by Box-Muller. */
static unsigned long long example_state = 0x2545F4914F6CDD1DULL;

static double example_uniform(void) {
  example_state ^= example_state >> 12;
  example_state ^= example_state << 25;
  example_state ^= example_state >> 27;
  return (double)((example_state * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0);
}

static double example_normal(void) {
  double u = example_uniform(), v = example_uniform();
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

enum { K = 8, P = 2, T = 1500 };

static int print_progress(int64_t done, int64_t total, void *user) {
  (void)user;
  fprintf(stderr, "\rfitted %lld of %lld outputs", (long long)done, (long long)total);
  if (done == total) fprintf(stderr, "\n");
  return 0; /* non-zero would cancel the fit */
}

int main(void) {
  static double truth[P][K][K]; /* truth[lag][to][from] */
  static double z[T][K];
  static double coef[P * K * K];
  sparsevar_var *var = NULL;
  int lag, j, l, t, true_positives = 0, false_positives = 0, missed = 0;

  if (sparsevar_version_number() / 10000 != SPARSEVAR_VERSION_MAJOR) {
    fprintf(stderr, "header %s does not match library %s\n", SPARSEVAR_VERSION_STRING,
            sparsevar_version_string());
    return 1;
  }

  /* A stable sparse VAR(2): self-excitation and a chain of cross-connections. */
  for (j = 0; j < K; j++) truth[0][j][j] = 0.4;
  for (j = 1; j < K; j += 2) truth[0][j][j - 1] = 0.3;
  truth[1][0][K - 1] = -0.25;
  truth[1][3][5] = 0.2;

  for (t = 0; t < T; t++)
    for (j = 0; j < K; j++) {
      double v = example_normal();
      for (lag = 0; lag < P && lag < t; lag++)
        for (l = 0; l < K; l++) v += truth[lag][j][l] * z[t - lag - 1][l];
      z[t][j] = v;
    }

  CHECK(sparsevar_var_create(&var));
  CHECK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAG, P));
  CHECK(sparsevar_var_set_param(var, SPARSEVAR_VAR_PARAM_LAMBDA, 0.02));
  CHECK(sparsevar_var_fit_f64(var, &z[0][0], T, K, print_progress, NULL));
  CHECK(sparsevar_var_coef(var, coef, P * K * K));

  printf("lag  to  from     truth    fitted\n");
  for (lag = 0; lag < P; lag++)
    for (j = 0; j < K; j++)
      for (l = 0; l < K; l++) {
        double fitted = coef[(lag * K + j) * K + l];
        int in_truth = truth[lag][j][l] != 0.0, in_fit = fabs(fitted) > 0.05;
        if (in_truth || in_fit)
          printf("%3d %3d %5d %9.3f %9.3f%s\n", lag + 1, j, l, truth[lag][j][l], fitted,
                 in_truth && in_fit ? "" : in_truth ? "   missed" : "   spurious");
        true_positives += in_truth && in_fit;
        false_positives += !in_truth && in_fit;
        missed += in_truth && !in_fit;
      }
  printf("recovered %d of %d true connections, %d spurious (|A| > 0.05)\n", true_positives,
         true_positives + missed, false_positives);

  sparsevar_var_free(var);
  return missed == 0 && false_positives == 0 ? 0 : 1;
}
