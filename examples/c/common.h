/* Shared by the C examples: abort the example with the library's message on any error. */
#ifndef SPARSEVAR_EXAMPLES_COMMON_H
#define SPARSEVAR_EXAMPLES_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#include <sparsevar.h>

#define CHECK(call)                                                                  \
  do {                                                                               \
    int32_t status_ = (call);                                                        \
    if (status_ != SPARSEVAR_OK) {                                                   \
      fprintf(stderr, "%s:%d: %s failed: %s (%s)\n", __FILE__, __LINE__, #call,      \
              sparsevar_errstr(status_), sparsevar_last_error());                    \
      exit(1);                                                                       \
    }                                                                                \
  } while (0)

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

#endif
