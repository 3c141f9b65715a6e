/*
 * test_autoencoder.c - the end-to-end model (sparsevar_autoencoder) through the C header: a tiny
 * dataset (streamed and whole runs, crop), a model trained for one epoch (with a counting and a
 * cancelling progress callback), the analysis, group tests and maps, save and load (the loaded
 * model gives the same coefficients, latents, metrics and maps), encoding, and the errors of bad
 * input (each leaving the objects as they were).
 */
#define _POSIX_C_SOURCE 200112L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

enum { RAW_H = 18, RAW_W = 16, H = 16, W = 16, PIX = H * W, RAW_PIX = RAW_H * RAW_W };
enum { RUNS = 4, FRAMES = 40, DEPTH = 2, LAG = 2, WINDOW = 20, K = 16 };
enum { COEF = LAG * K * K };

static float frames_buf[FRAMES * RAW_PIX];

/* One run of raw frames: four Gaussian blobs whose brightness follows a VAR(1), coupled
 * differently in the two groups, on a background ramp; two extra rows (cropped away). */
static void make_run(int run, float *out) {
  static const double centres[4][2] = {{4, 4}, {4, 11}, {11, 4}, {11, 11}};
  double activity[4] = {0, 0, 0, 0}, previous[4];
  double coupling = run < 2 ? 0.5 : -0.5;
  int t, b, y, x;
  for (t = 0; t < FRAMES; t++) {
    memcpy(previous, activity, sizeof previous);
    for (b = 0; b < 4; b++) activity[b] = 0.6 * previous[b] + 0.3 * tc_normal();
    activity[1] += coupling * previous[0];
    for (y = 0; y < RAW_H; y++) {
      for (x = 0; x < RAW_W; x++) {
        double v = 100 + x, yy = y - 1; /* crop keeps rows 1..16 */
        for (b = 0; b < 4; b++) {
          double r2 = (yy - centres[b][0]) * (yy - centres[b][0]) +
                      (x - centres[b][1]) * (x - centres[b][1]);
          v += (50 + 20 * activity[b]) * exp(-r2 / 6);
        }
        out[t * RAW_PIX + y * RAW_W + x] = (float)v;
      }
    }
  }
}

static sparsevar_dataset *make_dataset(void) {
  sparsevar_dataset *ds = NULL;
  int64_t run, h = 0, w = 0, ih = 0, iw = 0, n_runs = 0, n_frames = 0, count = 0, bytes = 0;
  int32_t label = -1, has = -1;
  int r;
  check_section("dataset");
  tc_seed(51);
  CHECK_OK(sparsevar_dataset_create(&ds, RAW_H, RAW_W, H, 0, 1));
  for (r = 0; r < RUNS; r++) {
    make_run(r, frames_buf);
    if (r % 2 == 0) { /* streamed in two batches */
      CHECK_OK(sparsevar_dataset_begin_run(ds, r < 2 ? 1 : 2, 1, &run));
      CHECK_OK(sparsevar_dataset_add_frames_f32(ds, run, frames_buf, 15, RAW_H, RAW_W));
      CHECK_OK(sparsevar_dataset_add_frames_f32(ds, run, frames_buf + 15 * RAW_PIX, FRAMES - 15,
                                                RAW_H, RAW_W));
    } else {
      CHECK_OK(sparsevar_dataset_add_run_f32(ds, frames_buf, FRAMES, RAW_H, RAW_W, r < 2 ? 1 : 2,
                                             1, &run));
    }
    CHECK(run == r);
  }
  CHECK_OK(sparsevar_dataset_shape(ds, &ih, &iw, &h, &w));
  CHECK(ih == RAW_H && iw == RAW_W && h == H && w == W);
  CHECK_OK(sparsevar_dataset_size(ds, &n_runs, &n_frames));
  CHECK(n_runs == RUNS && n_frames == RUNS * FRAMES);
  CHECK_OK(sparsevar_dataset_frame_count(ds, 3, &count));
  CHECK(count == FRAMES);
  CHECK_OK(sparsevar_dataset_memory_bytes(ds, &bytes));
  CHECK(bytes == (int64_t)RUNS * FRAMES * PIX * 4 + 8 * PIX);
  CHECK_OK(sparsevar_dataset_get_label(ds, 2, &label, &has));
  CHECK(label == 2 && has == 1);

  /* Bad input: nothing changes. */
  frames_buf[7] = NAN;
  EXPECT_STATUS(SPARSEVAR_E_NON_FINITE, sparsevar_dataset_add_frames_f32(ds, 0, frames_buf, 1, RAW_H, RAW_W));
  EXPECT_STATUS(SPARSEVAR_E_NON_FINITE,
                sparsevar_dataset_add_run_f32(ds, frames_buf, 2, RAW_H, RAW_W, 0, 0, &run));
  frames_buf[7] = 1;
  EXPECT_STATUS(SPARSEVAR_E_SHAPE, sparsevar_dataset_add_frames_f32(ds, 0, frames_buf, 1, H, W));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT,
                sparsevar_dataset_add_frames_f32(ds, 9, frames_buf, 1, RAW_H, RAW_W));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_dataset_get_label(ds, -1, &label, &has));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_dataset_set_label(ds, 0, 5, 2));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_dataset_frame_count(ds, RUNS, &count));
  CHECK_OK(sparsevar_dataset_size(ds, &n_runs, &n_frames));
  CHECK(n_runs == RUNS && n_frames == RUNS * FRAMES);
  {
    sparsevar_dataset *bad = (sparsevar_dataset *)frames_buf;
    EXPECT_STATUS(SPARSEVAR_E_SHAPE, sparsevar_dataset_create(&bad, 18, 16, 20, 0, 1));
    CHECK(bad == NULL);
    EXPECT_STATUS(SPARSEVAR_E_SHAPE, sparsevar_dataset_create(&bad, 18, 16, 0, 0, 3));
    EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_dataset_create(&bad, 0, 16, 0, 0, 1));
    EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_dataset_create(NULL, 8, 8, 0, 0, 1));
  }
  return ds;
}

static void set_params(sparsevar_autoencoder *m) {
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, DEPTH));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_CHANNELS, 4));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_SEED, 3));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_LAG, LAG));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_LAMBDA, 0.05));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_WINDOW, WINDOW));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_LEARNING_RATE, 3e-3));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_EPOCHS, 1));
  CHECK_OK(sparsevar_autoencoder_set_param(m, SPARSEVAR_AUTOENCODER_PARAM_TEST_PERMUTATIONS, 0));
}

typedef struct {
  int64_t calls, windows, epochs, stop_after;
  double last_loss;
} progress_state;

static int32_t on_window(int64_t epoch, int64_t epochs, int64_t window, int64_t windows,
                         double loss, void *user) {
  progress_state *s = (progress_state *)user;
  CHECK_MSG(epoch >= 0 && epoch < epochs && window >= 0 && window < windows,
            "progress indices out of range");
  s->calls++;
  s->windows = windows;
  s->epochs = epochs;
  s->last_loss = loss;
  return s->stop_after > 0 && s->calls >= s->stop_after;
}

static int32_t on_run(int64_t done, int64_t total, void *user) {
  (*(int64_t *)user)++;
  return done > total;
}

/* Everything the analysis of a model gives, for comparisons. */
typedef struct {
  double coef[RUNS][COEF];
  double latents[RUNS][FRAMES * K];
  double latent_mean[RUNS][K];
  double l_rec[RUNS], r_var[RUNS];
  float map[PIX], group[PIX], diff[PIX];
  double statistic, p_value;
} analysis;

/* The latent mean is the latents' temporal mean with SPARSEVAR_AUTOENCODER_PARAM_INTERCEPT
   SPARSEVAR_INTERCEPT_SERIES_MEAN (the default), zero with SPARSEVAR_INTERCEPT_NONE. */
static void check_latent_mean(sparsevar_autoencoder *m, const double *latents, const double *mean) {
  double intercept = -1, expected;
  int64_t t, l;
  CHECK_OK(sparsevar_autoencoder_get_param(m, SPARSEVAR_AUTOENCODER_PARAM_INTERCEPT, &intercept));
  for (l = 0; l < K; l++) {
    expected = 0;
    if (intercept == SPARSEVAR_INTERCEPT_SERIES_MEAN)
      for (t = 0; t < FRAMES; t++) expected += latents[t * K + l] / FRAMES;
    if (!CHECK_NEAR(mean[l], expected, 1e-9 * (1 + fabs(expected)))) break;
  }
}

static void read_analysis(sparsevar_autoencoder *m, analysis *a) {
  int64_t r, n_runs = 0, k = 0, p = 0, t = 0;
  sparsevar_test_result *result = NULL;
  memset(a, 0, sizeof *a);
  CHECK_OK(sparsevar_autoencoder_analysis_shape(m, &n_runs, &k, &p));
  CHECK(n_runs == RUNS && k == K && p == LAG);
  for (r = 0; r < RUNS; r++) {
    CHECK_OK(sparsevar_autoencoder_run_length(m, r, &t));
    CHECK(t == FRAMES);
    CHECK_OK(sparsevar_autoencoder_run_coef(m, r, a->coef[r], COEF));
    CHECK_OK(sparsevar_autoencoder_run_latents(m, r, a->latents[r], FRAMES * K));
    CHECK_OK(sparsevar_autoencoder_run_latent_mean(m, r, a->latent_mean[r], K));
    check_latent_mean(m, a->latents[r], a->latent_mean[r]);
    CHECK_OK(sparsevar_autoencoder_run_metrics(m, r, &a->l_rec[r], &a->r_var[r]));
  }
  CHECK_OK(sparsevar_autoencoder_contribution_map(m, 1, 2.0, a->map, PIX));
  CHECK_OK(sparsevar_autoencoder_group_map(m, 2, 2.0, a->group, PIX));
  CHECK_OK(sparsevar_autoencoder_difference_map(m, 1, 2, 2.0, a->diff, PIX));
  if (CHECK_OK(sparsevar_autoencoder_swap_test(&result, m, 1, 2)))
    CHECK_OK(sparsevar_test_result_values(result, &a->statistic, &a->p_value, NULL, NULL, NULL));
  sparsevar_test_result_free(result);
}

/* Names run 0 and the conditions 1 and 2 (F, N) of the dataset, and checks the getters. */
static void name_dataset(sparsevar_dataset *ds) {
  char name[16];
  int64_t length = 0;
  check_section("run and condition names");
  CHECK_OK(sparsevar_dataset_set_run_name(ds, 0, "run0.tif"));
  CHECK_OK(sparsevar_dataset_get_run_name(ds, 0, NULL, 0, &length));
  CHECK(length == 8);
  EXPECT_STATUS(SPARSEVAR_E_BUFFER_TOO_SMALL, sparsevar_dataset_get_run_name(ds, 0, name, 8, &length));
  CHECK_OK(sparsevar_dataset_get_run_name(ds, 0, name, sizeof name, &length));
  CHECK(strcmp(name, "run0.tif") == 0);
  CHECK_OK(sparsevar_dataset_get_run_name(ds, 1, name, sizeof name, &length));
  CHECK(length == -1 && name[0] == 0);
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_dataset_set_run_name(ds, RUNS, "x"));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_dataset_set_run_name(ds, 0, "\xff\xfe"));
  CHECK_OK(sparsevar_dataset_set_condition_name(ds, 1, "F"));
  CHECK_OK(sparsevar_dataset_set_condition_name(ds, 2, "N"));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_dataset_set_condition_name(ds, 3, "N"));
  CHECK_OK(sparsevar_dataset_get_condition_name(ds, 2, name, sizeof name, &length));
  CHECK(length == 1 && strcmp(name, "N") == 0);
}

/* The names a model kept from the dataset (and its file). */
static void check_model_names(sparsevar_autoencoder *m) {
  char name[16];
  int64_t length = 0;
  CHECK_OK(sparsevar_autoencoder_run_name(m, 0, name, sizeof name, &length));
  CHECK(length == 8 && strcmp(name, "run0.tif") == 0);
  CHECK_OK(sparsevar_autoencoder_run_name(m, 1, NULL, 0, &length));
  CHECK(length == -1);
  CHECK_OK(sparsevar_autoencoder_condition_name(m, 1, name, sizeof name, &length));
  CHECK(strcmp(name, "F") == 0);
  CHECK_OK(sparsevar_autoencoder_condition_name(m, 2, name, sizeof name, &length));
  CHECK(strcmp(name, "N") == 0);
  CHECK_OK(sparsevar_autoencoder_condition_name(m, 7, name, sizeof name, &length));
  CHECK(length == -1);
}

/* Every function refuses NULL handles and NULL outputs with SPARSEVAR_E_INVALID_ARGUMENT. */
static void test_null_arguments(void) {
  const int32_t E = SPARSEVAR_E_INVALID_ARGUMENT;
  sparsevar_autoencoder *m = NULL;
  sparsevar_test_result *r = NULL;
  int64_t i64 = 0;
  int32_t i32 = 0;
  double d = 0;
  float f = 0;
  check_section("NULL arguments");
  EXPECT_STATUS(E, sparsevar_dataset_begin_run(NULL, 0, 0, &i64));
  EXPECT_STATUS(E, sparsevar_dataset_add_frames_u16(NULL, 0, NULL, 0, 1, 1));
  EXPECT_STATUS(E, sparsevar_dataset_add_frames_f32(NULL, 0, NULL, 0, 1, 1));
  EXPECT_STATUS(E, sparsevar_dataset_add_frames_f64(NULL, 0, NULL, 0, 1, 1));
  EXPECT_STATUS(E, sparsevar_dataset_add_run_u16(NULL, NULL, 0, 1, 1, 0, 0, &i64));
  EXPECT_STATUS(E, sparsevar_dataset_add_run_f32(NULL, NULL, 0, 1, 1, 0, 0, &i64));
  EXPECT_STATUS(E, sparsevar_dataset_add_run_f64(NULL, NULL, 0, 1, 1, 0, 0, &i64));
  EXPECT_STATUS(E, sparsevar_dataset_shape(NULL, &i64, &i64, &i64, &i64));
  EXPECT_STATUS(E, sparsevar_dataset_size(NULL, &i64, &i64));
  EXPECT_STATUS(E, sparsevar_dataset_frame_count(NULL, 0, &i64));
  EXPECT_STATUS(E, sparsevar_dataset_memory_bytes(NULL, &i64));
  EXPECT_STATUS(E, sparsevar_dataset_range(NULL, &d, &d));
  EXPECT_STATUS(E, sparsevar_dataset_get_label(NULL, 0, &i32, &i32));
  EXPECT_STATUS(E, sparsevar_dataset_set_label(NULL, 0, 0, 0));
  EXPECT_STATUS(E, sparsevar_dataset_mean_frame(NULL, &f, 1));
  EXPECT_STATUS(E, sparsevar_dataset_frames(NULL, 0, 0, 0, &f, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_create(NULL, 16, 16));
  EXPECT_STATUS(E, sparsevar_autoencoder_set_param(NULL, SPARSEVAR_AUTOENCODER_PARAM_LAG, 2));
  EXPECT_STATUS(E, sparsevar_autoencoder_get_param(NULL, SPARSEVAR_AUTOENCODER_PARAM_LAG, &d));
  EXPECT_STATUS(E, sparsevar_autoencoder_shape(NULL, &i64, &i64));
  EXPECT_STATUS(E, sparsevar_autoencoder_latent_shape(NULL, &i64, &i64, &i64));
  EXPECT_STATUS(E, sparsevar_autoencoder_training_state(NULL, &i32, &i64));
  EXPECT_STATUS(E, sparsevar_autoencoder_train(NULL, NULL, NULL, NULL));
  EXPECT_STATUS(E, sparsevar_autoencoder_analyze(NULL, NULL, NULL, NULL));
  EXPECT_STATUS(E, sparsevar_autoencoder_analysis_shape(NULL, &i64, &i64, &i64));
  EXPECT_STATUS(E, sparsevar_autoencoder_run_length(NULL, 0, &i64));
  EXPECT_STATUS(E, sparsevar_autoencoder_run_coef(NULL, 0, &d, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_run_metrics(NULL, 0, &d, &d));
  EXPECT_STATUS(E, sparsevar_autoencoder_run_latents(NULL, 0, &d, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_run_influence(NULL, 0, &d, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_run_latent_mean(NULL, 0, &d, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_run_label(NULL, 0, &i32, &i32));
  EXPECT_STATUS(E, sparsevar_autoencoder_swap_test(&r, NULL, 1, 2));
  EXPECT_STATUS(E, sparsevar_autoencoder_influence_test(&r, NULL, 1, 2));
  EXPECT_STATUS(E, sparsevar_autoencoder_contribution_map(NULL, 0, 1, &f, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_group_map(NULL, 0, 1, &f, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_difference_map(NULL, 0, 1, 1, &f, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_encode_f32(NULL, NULL, 0, 1, 1, &d, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_encode_f64(NULL, NULL, 0, 1, 1, &d, 1));
  EXPECT_STATUS(E, sparsevar_autoencoder_save(NULL, "/tmp/x"));
  EXPECT_STATUS(E, sparsevar_autoencoder_load(NULL, "/tmp/x"));
  EXPECT_STATUS(E, sparsevar_autoencoder_param_bounds(12345, &d, &d, &d));
  CHECK_OK(sparsevar_autoencoder_create(&m, 16, 16));
  EXPECT_STATUS(E, sparsevar_autoencoder_train(m, NULL, NULL, NULL));
  EXPECT_STATUS(E, sparsevar_autoencoder_get_param(m, SPARSEVAR_AUTOENCODER_PARAM_LAG, NULL));
  EXPECT_STATUS(E, sparsevar_autoencoder_save(m, NULL));
  EXPECT_STATUS(SPARSEVAR_E_NOT_FITTED, sparsevar_autoencoder_encode_f32(m, &f, 1, 16, 16, &d, 16));
  sparsevar_autoencoder_free(m);
  EXPECT_STATUS(E, sparsevar_autoencoder_create(&m, 0, 16));
  CHECK(m == NULL);
}

int main(void) {
  sparsevar_dataset *ds = make_dataset();
  sparsevar_autoencoder *model = NULL, *loaded = NULL, *other = NULL;
  progress_state progress = {0, 0, 0, 0, 0};
  analysis *before = malloc(sizeof *before), *after = malloc(sizeof *after);
  char path[128], bad_path[160];
  int64_t runs_seen = 0, epochs_done = -1, c = 0, lh = 0, lw = 0, i;
  int32_t trained = -1, label = -1, has = -1;
  double value = 0, lower = 0, upper = 0, def = 0;
  float *map = malloc(PIX * sizeof(float)), *frames = malloc(FRAMES * PIX * sizeof(float));
  double *codes = malloc(FRAMES * K * sizeof(double));
  int finite = 1;

  test_null_arguments();

  check_section("model parameters");
  CHECK_OK(sparsevar_autoencoder_create(&model, H, W));
  CHECK_OK(sparsevar_autoencoder_param_bounds(SPARSEVAR_AUTOENCODER_PARAM_DEPTH, &lower, &upper, &def));
  CHECK(lower == 0 && upper == 8 && def == 0);
  /* The default depth is automatic: chosen from the first training's dataset, so no latent
     shape before. */
  EXPECT_STATUS(SPARSEVAR_E_NOT_FITTED, sparsevar_autoencoder_latent_shape(model, &c, &lh, &lw));
  CHECK_OK(sparsevar_autoencoder_get_param(model, SPARSEVAR_AUTOENCODER_PARAM_TRAINING_MODE, &value));
  CHECK(value == SPARSEVAR_TRAINING_MODE_END_TO_END);
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_autoencoder_set_param(model, 599, 1));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT,
                sparsevar_autoencoder_set_param(model, SPARSEVAR_AUTOENCODER_PARAM_LAMBDA, -1));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT,
                sparsevar_autoencoder_set_param(model, SPARSEVAR_AUTOENCODER_PARAM_LEARNING_RATE, 0));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT,
                sparsevar_autoencoder_set_param(model, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, 2.5));
  set_params(model);
  CHECK_OK(sparsevar_autoencoder_latent_shape(model, &c, &lh, &lw));
  CHECK(c == 1 && lh == H >> DEPTH && lw == W >> DEPTH);
  EXPECT_STATUS(SPARSEVAR_E_NOT_FITTED, sparsevar_autoencoder_analyze(model, ds, NULL, NULL));
  EXPECT_STATUS(SPARSEVAR_E_NOT_FITTED, sparsevar_autoencoder_save(model, "/nonexistent/x"));

  check_section("automatic depth");
  {
    /* Depth left at its default (0): the first training chooses the smallest depth whose latent
       size is at most the shortest run's frames / 25 (the deepest the frame allows when none is). */
    double depth = -1;
    int64_t deepest = 0;
    while (deepest < 8 && (H % (2 << deepest)) == 0 && (W % (2 << deepest)) == 0) deepest++;
    CHECK_OK(sparsevar_autoencoder_create(&other, H, W));
    CHECK_OK(sparsevar_autoencoder_set_param(other, SPARSEVAR_AUTOENCODER_PARAM_CHANNELS, 4));
    CHECK_OK(sparsevar_autoencoder_set_param(other, SPARSEVAR_AUTOENCODER_PARAM_LAG, LAG));
    CHECK_OK(sparsevar_autoencoder_set_param(other, SPARSEVAR_AUTOENCODER_PARAM_WINDOW, WINDOW));
    CHECK_OK(sparsevar_autoencoder_set_param(other, SPARSEVAR_AUTOENCODER_PARAM_EPOCHS, 1));
    CHECK_OK(sparsevar_autoencoder_get_param(other, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, &depth));
    CHECK(depth == 0);
    /* A failed first training (window shorter than lag + 2) leaves the depth automatic. */
    CHECK_OK(sparsevar_autoencoder_set_param(other, SPARSEVAR_AUTOENCODER_PARAM_WINDOW, LAG + 1));
    EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_autoencoder_train(other, ds, NULL, NULL));
    CHECK_OK(sparsevar_autoencoder_get_param(other, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, &depth));
    CHECK(depth == 0);
    CHECK_OK(sparsevar_autoencoder_set_param(other, SPARSEVAR_AUTOENCODER_PARAM_WINDOW, WINDOW));
    CHECK_OK(sparsevar_autoencoder_train(other, ds, NULL, NULL));
    CHECK_OK(sparsevar_autoencoder_get_param(other, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, &depth));
    CHECK(depth == 0); /* the parameter stays automatic; the latent grid says what was chosen */
    CHECK_OK(sparsevar_autoencoder_latent_shape(other, &c, &lh, &lw));
    {
      int64_t chosen = 0, bound = FRAMES / 25 > 1 ? FRAMES / 25 : 1;
      while ((H >> chosen) > lh) chosen++;
      CHECK(chosen >= 1 && chosen <= deepest && lh == H >> chosen && lw == W >> chosen);
      /* At most FRAMES / 25 latent values, or the deepest depth; one block less would be too many. */
      CHECK(c * lh * lw <= bound || chosen == deepest);
      if (chosen > 1) CHECK(c * (H >> (chosen - 1)) * (W >> (chosen - 1)) > bound);
    }
    sparsevar_autoencoder_free(other);
  }

  check_section("cancelled training");
  CHECK_OK(sparsevar_autoencoder_create(&other, H, W));
  set_params(other);
  progress.stop_after = 3;
  EXPECT_STATUS(SPARSEVAR_E_INTERRUPTED, sparsevar_autoencoder_train(other, ds, on_window, &progress));
  CHECK(progress.calls == 3);
  CHECK_OK(sparsevar_autoencoder_training_state(other, &trained, &epochs_done));
  CHECK(trained == 1 && epochs_done == 0);
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT,
                sparsevar_autoencoder_set_param(other, SPARSEVAR_AUTOENCODER_PARAM_CHANNELS, 8));
  CHECK_OK(sparsevar_autoencoder_set_param(other, SPARSEVAR_AUTOENCODER_PARAM_CHANNELS, 4)); /* unchanged */
  sparsevar_autoencoder_free(other);

  check_section("training");
  memset(&progress, 0, sizeof progress);
  CHECK_OK(sparsevar_autoencoder_train(model, ds, on_window, &progress));
  CHECK(progress.epochs == 1 && progress.windows == RUNS * (FRAMES / WINDOW));
  CHECK(progress.calls == progress.epochs * progress.windows);
  CHECK(isfinite(progress.last_loss) && progress.last_loss >= 0);
  CHECK_OK(sparsevar_autoencoder_training_state(model, &trained, &epochs_done));
  CHECK(trained == 1 && epochs_done == 1);
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT,
                sparsevar_autoencoder_set_param(model, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, 3));
  EXPECT_STATUS(SPARSEVAR_E_NOT_FITTED, sparsevar_autoencoder_run_coef(model, 0, before->coef[0], COEF));

  check_section("analysis, tests and maps");
  name_dataset(ds);
  CHECK_OK(sparsevar_autoencoder_analyze(model, ds, on_run, &runs_seen));
  check_model_names(model);
  CHECK(runs_seen == RUNS);
  read_analysis(model, before);
  for (i = 0; i < PIX; i++) finite &= isfinite(before->map[i]) && isfinite(before->diff[i]);
  CHECK(finite);
  CHECK(before->p_value >= 0 && before->p_value <= 1);
  for (i = 0; i < RUNS; i++) CHECK(isfinite(before->l_rec[i]) && isfinite(before->r_var[i]));
  CHECK_OK(sparsevar_autoencoder_run_label(model, 3, &label, &has));
  CHECK(label == 2 && has == 1);
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_autoencoder_run_coef(model, RUNS, after->coef[0], COEF));
  EXPECT_STATUS(SPARSEVAR_E_BUFFER_TOO_SMALL, sparsevar_autoencoder_run_coef(model, 0, after->coef[0], COEF - 1));
  EXPECT_STATUS(SPARSEVAR_E_BUFFER_TOO_SMALL, sparsevar_autoencoder_contribution_map(model, 0, 1, map, PIX - 1));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_autoencoder_contribution_map(model, 0, NAN, map, PIX));
  EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_autoencoder_group_map(model, 7, 1, map, PIX));

  check_section("encoding");
  CHECK_OK(sparsevar_dataset_frames(ds, 0, 0, FRAMES, frames, FRAMES * PIX));
  CHECK_OK(sparsevar_autoencoder_encode_f32(model, frames, FRAMES, H, W, codes, FRAMES * K));
  for (i = 0; i < FRAMES * K; i++)
    if (!CHECK_NEAR(codes[i], before->latents[0][i], 1e-6)) break;
  EXPECT_STATUS(SPARSEVAR_E_SHAPE, sparsevar_autoencoder_encode_f32(model, frames, 1, H, W / 2, codes, K));
  frames[3] = NAN;
  EXPECT_STATUS(SPARSEVAR_E_NON_FINITE, sparsevar_autoencoder_encode_f32(model, frames, 1, H, W, codes, K));

  check_section("save and load");
  sprintf(path, "/tmp/sparsevar_test_autoencoder_%ld.svm", (long)getpid());
  sprintf(bad_path, "%s.corrupt", path);
  CHECK_OK(sparsevar_autoencoder_save(model, path));
  CHECK_OK(sparsevar_autoencoder_load(&loaded, path));
  if (loaded != NULL) {
    CHECK_OK(sparsevar_autoencoder_get_param(loaded, SPARSEVAR_AUTOENCODER_PARAM_LAG, &value));
    CHECK(value == LAG);
    CHECK_OK(sparsevar_autoencoder_get_param(loaded, SPARSEVAR_AUTOENCODER_PARAM_DEPTH, &value));
    CHECK(value == DEPTH);
    CHECK_OK(sparsevar_autoencoder_set_param(loaded, SPARSEVAR_AUTOENCODER_PARAM_TEST_PERMUTATIONS, 0));
    read_analysis(loaded, after);
    check_model_names(loaded);
    CHECK_IDENTICAL(before->coef, after->coef, sizeof before->coef);
    CHECK_IDENTICAL(before->latents, after->latents, sizeof before->latents);
    CHECK_IDENTICAL(before->l_rec, after->l_rec, sizeof before->l_rec);
    CHECK_IDENTICAL(before->r_var, after->r_var, sizeof before->r_var);
    CHECK_IDENTICAL(before->map, after->map, sizeof before->map);
    CHECK_IDENTICAL(before->group, after->group, sizeof before->group);
    CHECK_IDENTICAL(before->diff, after->diff, sizeof before->diff);
    CHECK(before->statistic == after->statistic && before->p_value == after->p_value);
    CHECK_OK(sparsevar_autoencoder_training_state(loaded, &trained, &epochs_done));
    CHECK(trained == 1 && epochs_done == 1);
    EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT,
                  sparsevar_autoencoder_set_param(loaded, SPARSEVAR_AUTOENCODER_PARAM_LATENT_CHANNELS, 2));
  }
  {
    /* A corrupted copy (one flipped byte) and a missing file. */
    FILE *in = fopen(path, "rb"), *out = fopen(bad_path, "wb");
    int ch;
    long n = 0;
    if (CHECK(in != NULL && out != NULL)) {
      while ((ch = fgetc(in)) != EOF) {
        fputc(n == 100 ? ch ^ 0x5a : ch, out);
        n++;
      }
    }
    if (in) fclose(in);
    if (out) fclose(out);
    other = (sparsevar_autoencoder *)frames;
    EXPECT_STATUS(SPARSEVAR_E_FORMAT, sparsevar_autoencoder_load(&other, bad_path));
    CHECK(other == NULL);
    EXPECT_STATUS(SPARSEVAR_E_IO, sparsevar_autoencoder_load(&other, "/nonexistent/model.svm"));
    EXPECT_STATUS(SPARSEVAR_E_INVALID_ARGUMENT, sparsevar_autoencoder_load(&other, NULL));
    remove(bad_path);
    remove(path);
  }

  check_section("wrong dataset");
  {
    sparsevar_dataset *small = NULL;
    CHECK_OK(sparsevar_dataset_create(&small, 8, 8, 0, 0, 1));
    CHECK_OK(sparsevar_dataset_add_run_f32(small, frames_buf, 10, 8, 8, 0, 0, NULL));
    EXPECT_STATUS(SPARSEVAR_E_SHAPE, sparsevar_autoencoder_train(model, small, NULL, NULL));
    EXPECT_STATUS(SPARSEVAR_E_SHAPE, sparsevar_autoencoder_analyze(model, small, NULL, NULL));
    sparsevar_dataset_free(small);
    /* The failed calls left the model's analysis as it was. */
    CHECK_OK(sparsevar_autoencoder_run_coef(model, 0, after->coef[0], COEF));
    CHECK_IDENTICAL(before->coef[0], after->coef[0], sizeof before->coef[0]);
  }

  sparsevar_autoencoder_free(loaded);
  sparsevar_autoencoder_free(model);
  sparsevar_autoencoder_free(NULL);
  sparsevar_dataset_free(ds);
  sparsevar_dataset_free(NULL);
  free(before);
  free(after);
  free(map);
  free(frames);
  free(codes);
  return check_finish();
}
