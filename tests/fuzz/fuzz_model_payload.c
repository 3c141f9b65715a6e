/*
 * fuzz_model_payload.c - libFuzzer harness of the model parser behind the checksum: the input
 * is a model payload (or a whole model file, whose payload is taken: the seeds of corpus/model
 * serve both harnesses), written with a valid header and FNV-1a checksum, so that mutations
 * reach the fields instead of failing the checksum. The format version is the whole file's, or
 * for a bare payload the newest (3: with run and condition names). sparsevar_autoencoder_load must give SPARSEVAR_OK
 * or SPARSEVAR_E_FORMAT, as in fuzz_model_load.
 */
#include <string.h>

#include "fuzz_input.h"

static void put_le(uint8_t *out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; i++) out[i] = (uint8_t)(value >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint8_t magic[8] = {'S', 'P', 'V', 'A', 'R', 'N', 'E', 'T'};
  const uint8_t *payload = data;
  size_t length = size;
  uint64_t version = 3;
  if (size >= 28 && memcmp(data, magic, 8) == 0) {
    payload = data + 20;
    length = size - 28;
    version = data[8] | (uint64_t)data[9] << 8 | (uint64_t)data[10] << 16 | (uint64_t)data[11] << 24;
  }
  uint8_t *file = malloc(length + 28);
  if (file == NULL) return 0;
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < length; i++) {
    hash ^= payload[i];
    hash *= 0x100000001b3ull;
  }
  memcpy(file, magic, 8);
  put_le(file + 8, version, 4);
  put_le(file + 12, length, 8);
  if (length > 0) memcpy(file + 20, payload, length);
  put_le(file + 20 + length, hash, 8);
  const char *path = fuzz_input_file(".svnet", file, length + 28);
  free(file);
  sparsevar_autoencoder *model = NULL;
  int32_t status = sparsevar_autoencoder_load(&model, path);
  static const int32_t allowed[] = {SPARSEVAR_OK, SPARSEVAR_E_FORMAT};
  fuzz_require_status("sparsevar_autoencoder_load", status, allowed, 2);
  if (status == SPARSEVAR_OK) {
    sparsevar_autoencoder_free(model);
  } else if (model != NULL) {
    fprintf(stderr, "fuzz: a failed load returned a model\n");
    abort();
  }
  return 0;
}
