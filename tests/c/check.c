/* The test framework of check.h, linked into every program of tests/c. */
#include "check.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int passed_count = 0;
static int failed_count = 0;
static const char *current_section = "";

static void print_last_error(void) {
  const char *message = sparsevar_last_error();
  fprintf(stderr, "    sparsevar_last_error() [the last failure on this thread]: \"%s\"\n",
          message ? message : "(NULL)");
}

int check_record(int ok, const char *file, int line, const char *fmt, ...) {
  va_list args;
  if (ok) {
    passed_count++;
    return 1;
  }
  failed_count++;
  fprintf(stderr, "%s:%d: FAILED [%s] ", file, line, current_section);
  va_start(args, fmt);
  vfprintf(stderr, fmt, args);
  va_end(args);
  fprintf(stderr, "\n");
  print_last_error();
  return 0;
}

int check_status(int32_t got, int32_t e1, int32_t e2, const char *call, const char *file,
                 int line) {
  int ok = got == e1 || got == e2;
  const char *message = sparsevar_last_error();
  if (ok && got != SPARSEVAR_OK && (message == NULL || message[0] == '\0')) {
    return check_record(0, file, line,
                        "%s failed with %d (%s) but left no sparsevar_last_error() message", call,
                        got, sparsevar_errstr(got));
  }
  if (e1 == e2)
    return check_record(ok, file, line, "%s returned %d (%s), expected %d (%s)", call, got,
                        sparsevar_errstr(got), e1, sparsevar_errstr(e1));
  return check_record(ok, file, line, "%s returned %d (%s), expected %d (%s) or %d (%s)", call,
                      got, sparsevar_errstr(got), e1, sparsevar_errstr(e1), e2,
                      sparsevar_errstr(e2));
}

int check_near(double a, double b, double tol, const char *sa, const char *sb, const char *file,
               int line) {
  double scale = 1.0 + (fabs(a) > fabs(b) ? fabs(a) : fabs(b));
  int ok = fabs(a - b) <= tol * scale; /* false for NaN */
  return check_record(ok, file, line, "CHECK_NEAR(%s, %s, %g): %.17g vs %.17g (difference %.3g)",
                      sa, sb, tol, a, b, a - b);
}

void check_section(const char *name) {
  current_section = name;
  printf("-- %s\n", name);
  fflush(stdout);
}

void check_note(const char *fmt, ...) {
  va_list args;
  printf("NOTE: ");
  va_start(args, fmt);
  vprintf(fmt, args);
  va_end(args);
  printf("\n");
  fflush(stdout);
}

int check_failed_count(void) { return failed_count; }

int check_finish(void) {
  fflush(stderr);
  printf("%d passed, %d failed\n", passed_count, failed_count);
  fflush(stdout);
  return failed_count > 0 ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

void tc_seed(uint64_t seed) { rng_state = seed ? seed : 0x9E3779B97F4A7C15ULL; }

double tc_uniform(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0);
}

double tc_normal(void) {
  double u = tc_uniform(), v = tc_uniform();
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

void tc_simulate_var(double *z, int64_t t, int64_t k, int64_t p, const double *coef, double noise,
                     int64_t burn) {
  int64_t total = t + burn, s, j, l, lag;
  double *all = calloc((size_t)(total * k), sizeof *all);
  if (all == NULL) {
    fprintf(stderr, "tc_simulate_var: out of memory\n");
    exit(2);
  }
  for (s = 0; s < total; s++)
    for (j = 0; j < k; j++) {
      double v = noise * tc_normal();
      for (lag = 1; lag <= p && lag <= s; lag++)
        for (l = 0; l < k; l++) v += coef[(lag - 1) * k * k + j * k + l] * all[(s - lag) * k + l];
      all[s * k + j] = v;
    }
  memcpy(z, all + burn * k, (size_t)(t * k) * sizeof *z);
  free(all);
}
