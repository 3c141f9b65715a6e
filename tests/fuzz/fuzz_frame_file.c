/*
 * fuzz_frame_file.c - libFuzzer harness of the frame file readers: the input is written as a
 * file with the extension FUZZ_EXTENSION (".npy" or ".tif", set when compiling; one binary per
 * reader) and added to an 8 x 8 dataset with sparsevar_dataset_add_run_file. Allowed results:
 * SPARSEVAR_OK, SPARSEVAR_E_FORMAT (damaged or unsupported file), SPARSEVAR_E_SHAPE (frames of
 * another size), SPARSEVAR_E_NON_FINITE and SPARSEVAR_E_INVALID_ARGUMENT (samples the dataset
 * refuses: NaN, infinity, doubles beyond float's range). Anything else is a finding.
 */
#include "fuzz_input.h"

#ifndef FUZZ_EXTENSION
#error "compile with -DFUZZ_EXTENSION='\".npy\"' or '\".tif\"'"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_input_file(FUZZ_EXTENSION, data, size);
  sparsevar_dataset *dataset = NULL;
  int32_t status = sparsevar_dataset_create(&dataset, 8, 8, 0, 0, 1);
  static const int32_t created[] = {SPARSEVAR_OK};
  fuzz_require_status("sparsevar_dataset_create", status, created, 1);
  int64_t run = -1;
  status = sparsevar_dataset_add_run_file(dataset, path, 1, 1, &run);
  static const int32_t allowed[] = {SPARSEVAR_OK, SPARSEVAR_E_FORMAT, SPARSEVAR_E_SHAPE,
                                    SPARSEVAR_E_NON_FINITE, SPARSEVAR_E_INVALID_ARGUMENT};
  fuzz_require_status("sparsevar_dataset_add_run_file", status, allowed, 5);
  int64_t runs = -1, frames = -1;
  status = sparsevar_dataset_size(dataset, &runs, &frames);
  fuzz_require_status("sparsevar_dataset_size", status, created, 1);
  if (runs != (run >= 0 ? 1 : 0)) {
    fprintf(stderr, "fuzz: the dataset has %lld runs after add_run_file returned run %lld\n",
            (long long)runs, (long long)run);
    abort();
  }
  sparsevar_dataset_free(dataset);
  return 0;
}
