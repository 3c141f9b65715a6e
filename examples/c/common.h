/* Shared by the C examples: abort the example with the library's message on any error. */
#ifndef SPARSEVAR_EXAMPLES_COMMON_H
#define SPARSEVAR_EXAMPLES_COMMON_H

#include <stdio.h>
#include <stdlib.h>

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

#endif
