/*
 * Loads a model saved by `sparsevar train` (or by Python's SparseVARAutoencoder.save) and prints
 * its per-run metrics and the F vs N test table:
 *
 *   ./model_report model.svnet [label_a label_b]
 *
 * Without arguments it first makes a model itself: the built-in tiny synthetic experiment,
 * one short training, analysis, saved to model_report.svnet, then loaded back.
 *
 *   cc -std=c99 model_report.c $(pkg-config --cflags --libs sparsevar) -lm \
 *      -Wl,-rpath,$(pkg-config --variable=libdir sparsevar) -o model_report
 */
#include <stdlib.h>

#include "common.h"

/* The tiny synthetic experiment, trained for one epoch and saved to `path`. */
static void make_model(const char *path) {
  sparsevar_synthetic *synthetic = NULL;
  sparsevar_dataset *dataset = NULL;
  sparsevar_autoencoder *model = NULL;
  int64_t runs, height, width, crop_h, crop_w, downscale, run, frames, id, stored_h, stored_w;
  int32_t label;
  uint16_t *buffer;

  CHECK(sparsevar_synthetic_create(&synthetic, SPARSEVAR_SYNTHETIC_PRESET_TINY, 1));
  CHECK(sparsevar_synthetic_shape(synthetic, &runs, &height, &width, &crop_h, &crop_w, &downscale));
  CHECK(sparsevar_dataset_create(&dataset, height, width, crop_h, crop_w, downscale));
  for (run = 0; run < runs; run++) {
    CHECK(sparsevar_synthetic_run(synthetic, run, &frames, &label));
    buffer = malloc((size_t)(frames * height * width) * sizeof *buffer);
    if (buffer == NULL) return;
    CHECK(sparsevar_synthetic_frames(synthetic, run, 0, frames, buffer, frames * height * width));
    CHECK(sparsevar_dataset_add_run_u16(dataset, buffer, frames, height, width, label, 1, &id));
    free(buffer);
  }
  CHECK(sparsevar_dataset_shape(dataset, NULL, NULL, &stored_h, &stored_w));
  CHECK(sparsevar_autoencoder_create(&model, stored_h, stored_w));
  CHECK(sparsevar_autoencoder_set_param(model, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, 2));
  CHECK(sparsevar_autoencoder_set_param(model, SPARSEVAR_AUTOENCODER_PARAM_CHANNELS, 8));
  CHECK(sparsevar_autoencoder_set_param(model, SPARSEVAR_AUTOENCODER_PARAM_WINDOW, 32));
  CHECK(sparsevar_autoencoder_train(model, dataset, NULL, NULL));
  CHECK(sparsevar_autoencoder_analyze(model, dataset, NULL, NULL));
  CHECK(sparsevar_autoencoder_save(model, path));
  sparsevar_autoencoder_free(model);
  sparsevar_dataset_free(dataset);
  sparsevar_synthetic_free(synthetic);
}

static void print_test(const char *name, const sparsevar_test_result *result) {
  double statistic, p_rank_sum, p, smallest;
  int64_t inter, intra, relabelings;
  int32_t exact;
  CHECK(sparsevar_test_result_values(result, &statistic, &p_rank_sum, NULL, &inter, &intra));
  CHECK(sparsevar_test_result_permutation(result, &p, &smallest, &relabelings, &exact));
  /* p relabels whole runs (the test's p-value); the rank-sum p is the paper's statistic, whose
     pairs share runs: it is printed, not judged. */
  printf("%-22s p = %.3g (%s, smallest attainable %.3g)   rank-sum p = %.3g (U = %.1f, %lld inter, "
         "%lld intra pairs)\n",
         name, p, exact ? "exact" : "Monte Carlo", smallest, p_rank_sum, statistic, (long long)inter,
         (long long)intra);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "model_report.svnet";
  int32_t a = argc > 3 ? atoi(argv[2]) : 0, b = argc > 3 ? atoi(argv[3]) : 1;
  sparsevar_autoencoder *model = NULL;
  sparsevar_test_result *swap = NULL, *influence = NULL;
  int64_t runs, k, p, run;
  double l_rec, r_var;

  if (argc == 1) make_model(path);
  CHECK(sparsevar_autoencoder_load(&model, path));
  CHECK(sparsevar_autoencoder_analysis_shape(model, &runs, &k, &p));
  printf("%s: %lld analysed runs, K = %lld latents, VAR lag %lld\n", path, (long long)runs,
         (long long)k, (long long)p);
  printf("run   L_rec       R_var\n");
  for (run = 0; run < runs; run++) {
    CHECK(sparsevar_autoencoder_run_metrics(model, run, &l_rec, &r_var));
    printf("%3lld   %.3e   %.4f\n", (long long)run, l_rec, r_var);
  }
  CHECK(sparsevar_autoencoder_swap_test(&swap, model, a, b));
  CHECK(sparsevar_autoencoder_influence_test(&influence, model, a, b));
  printf("\ngroup %d vs group %d\n", a, b);
  print_test("coefficient swap", swap);
  print_test("influence distance", influence);
  sparsevar_test_result_free(swap);
  sparsevar_test_result_free(influence);
  sparsevar_autoencoder_free(model);
  return 0;
}
