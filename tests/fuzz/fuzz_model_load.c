/*
 * fuzz_model_load.c - libFuzzer harness of the model loader: sparsevar_autoencoder_load on the input
 * as a model file. Every input must give SPARSEVAR_OK (then its frame size is queried and it
 * is freed) or SPARSEVAR_E_FORMAT; any other status, a trap or a sanitizer report is a
 * finding.
 */
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_input_file(".svnet", data, size);
  sparsevar_autoencoder *model = NULL;
  int32_t status = sparsevar_autoencoder_load(&model, path);
  static const int32_t allowed[] = {SPARSEVAR_OK, SPARSEVAR_E_FORMAT};
  fuzz_require_status("sparsevar_autoencoder_load", status, allowed, 2);
  if (status == SPARSEVAR_OK) {
    int64_t height = -1, width = -1;
    status = sparsevar_autoencoder_shape(model, &height, &width);
    static const int32_t shaped[] = {SPARSEVAR_OK};
    fuzz_require_status("sparsevar_autoencoder_shape", status, shaped, 1);
    sparsevar_autoencoder_free(model);
  } else if (model != NULL) {
    fprintf(stderr, "fuzz: a failed load returned a model\n");
    abort();
  }
  return 0;
}
