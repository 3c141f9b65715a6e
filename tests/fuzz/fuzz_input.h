/*
 * fuzz_input.h - shared by the libFuzzer harnesses of tests/fuzz: the library's file readers are
 * reached by path through the public C API, so each input is written to one temporary file per
 * process (created once with mkstemps, rewritten for every input) and read from there.
 */
#ifndef SPARSEVAR_FUZZ_INPUT_H
#define SPARSEVAR_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sparsevar.h>

/* The path of the process's input file, ending in `extension` (".svnet", ".npy", ".tif"),
 * holding exactly `size` bytes of `data`. Aborts when the file cannot be written (a harness
 * failure, not a finding). */
const char *fuzz_input_file(const char *extension, const uint8_t *data, size_t size);

/* Aborts with the call, status and sparsevar_last_error() when `status` is none of the
 * `count` allowed ones: libFuzzer records the input as a crash. */
void fuzz_require_status(const char *call, int32_t status, const int32_t *allowed, size_t count);

#endif
