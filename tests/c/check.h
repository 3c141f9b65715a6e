/*
 * check.h - a tiny test framework for the C programs of tests/c (plain C99, header + check.c).
 *
 *   CHECK(cond)                      a boolean check
 *   CHECK_MSG(cond, fmt, ...)        the same with a printf-style explanation on failure
 *   EXPECT_STATUS(expected, call)    call returns exactly `expected`; a failing status must also
 *                                    leave a non-empty sparsevar_last_error()
 *   EXPECT_STATUS2(e1, e2, call)     call returns e1 or e2 (where the header names no single code)
 *   CHECK_OK(call)                   EXPECT_STATUS(SPARSEVAR_OK, call)
 *   CHECK_NEAR(a, b, tol)            |a - b| <= tol * (1 + max(|a|, |b|)); NaN fails
 *   CHECK_IDENTICAL(a, b, bytes)     memcmp(a, b, bytes) == 0 (bit-identical arrays or structs)
 *
 * Every failure prints file:line, what was checked and the library's sparsevar_last_error() of the
 * calling thread. check_finish() prints the last line, exactly "N passed, M failed", and returns
 * the process exit code (non-zero when M > 0).
 *
 * check.c (linked into every program of tests/c) also holds a small deterministic random number
 * generator and a VAR simulator shared by the programs.
 */
#ifndef SPARSEVAR_TESTS_CHECK_H
#define SPARSEVAR_TESTS_CHECK_H

#include <stdint.h>
#include <string.h>

#include <sparsevar.h>

/* Records one check; `fmt` describes it (printed only on failure). Returns ok. */
int check_record(int ok, const char *file, int line, const char *fmt, ...);
/* Records a status check: `got` must equal e1 or e2 (and leave a message when it is an error).
 * Returns 1 when it does. */
int check_status(int32_t got, int32_t e1, int32_t e2, const char *call, const char *file,
                 int line);
/* Records |a - b| <= tol * (1 + max(|a|, |b|)). */
int check_near(double a, double b, double tol, const char *sa, const char *sb, const char *file,
               int line);
/* Prints a section heading (so that failures can be placed). */
void check_section(const char *name);
/* Prints a note that is neither a pass nor a failure (e.g. a skipped check). */
void check_note(const char *fmt, ...);
/* Prints "N passed, M failed" and returns the exit code: 0 when M == 0, 1 otherwise. */
int check_finish(void);
/* Number of failures so far. */
int check_failed_count(void);

#define CHECK(cond) check_record(!!(cond), __FILE__, __LINE__, "CHECK(%s)", #cond)
#define CHECK_MSG(cond, ...) check_record(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define EXPECT_STATUS(expected, call) \
  check_status((call), (expected), (expected), #call, __FILE__, __LINE__)
#define EXPECT_STATUS2(e1, e2, call) check_status((call), (e1), (e2), #call, __FILE__, __LINE__)
#define CHECK_OK(call) EXPECT_STATUS(SPARSEVAR_OK, call)
#define CHECK_NEAR(a, b, tol) check_near((a), (b), (tol), #a, #b, __FILE__, __LINE__)
#define CHECK_IDENTICAL(a, b, bytes)                                                     \
  check_record(memcmp((a), (b), (bytes)) == 0, __FILE__, __LINE__,                       \
               "CHECK_IDENTICAL(%s, %s, %s): contents differ", #a, #b, #bytes)

/* Deterministic xorshift64* generator and standard normals (Box-Muller). */
void tc_seed(uint64_t seed);
double tc_uniform(void);
double tc_normal(void);

/* Simulates z (t x k, row-major) from z_t = sum_{lag=1..p} A_lag z_{t-lag} + noise * e_t with
 * coef laid out as the library's: coef[(lag - 1) * k * k + j * k + l] = A_lag[j, l]. The first
 * `burn` steps are simulated and discarded. */
void tc_simulate_var(double *z, int64_t t, int64_t k, int64_t p, const double *coef, double noise,
                     int64_t burn);

#endif
