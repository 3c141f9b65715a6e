/*
 * sparsevar.h - the C API of libsparsevar 0.1.0: sparse vector autoregression fitted by
 * differentiable LARS-lasso, with group tests on the fitted models.
 *
 * GENERATED FILE - DO NOT EDIT. scripts/generate_header.py writes it from the `@c` declarations of
 * the CSparseVAR Swift module with their `///` doc comments (the documentation below), from the
 * handle types of Sources/_SparseVARHandles and from the preamble scripts/sparsevar.h.in. Edit
 * those, then run `python3 scripts/generate_header.py`; the ABI tests fail when this file is stale.
 *
 * Conventions
 * -----------
 * Names      Functions are sparsevar_<object>_<verb>, opaque handle types sparsevar_<object>,
 *            macros and enumeration constants SPARSEVAR_*. Nothing else is exported.
 * Status     Every function that can fail returns an int32_t status code: SPARSEVAR_OK (0) on
 *            success, a negative SPARSEVAR_E_* code on failure. Values are pinned forever and new
 *            codes are only ever appended, so treat any unknown negative value as a failure.
 *            sparsevar_errstr(code) gives a static description of a code.
 * Errors     After a failure, sparsevar_last_error() explains it in words a user can act on. The
 *            message is thread-local: it belongs to the calling thread, stays valid until the next
 *            failing call on that thread and is not cleared by a successful call (so test the status
 *            code, not the message). A failed call leaves every object as it was and sets handle
 *            out-parameters to NULL. The library never aborts, traps or prints on behalf of the host.
 * Arrays     Arrays are contiguous and row-major (C order): a T x K series z has element (t, l) at
 *            z[t * K + l]. Sizes, counts and indices are int64_t. Every array is passed as a
 *            pointer together with its length or with the dimensions that determine it.
 * Buffers    Output arrays are allocated and owned by the caller and passed with their capacity; a
 *            buffer that is too small gives SPARSEVAR_E_BUFFER_TOO_SMALL, and the shape/length
 *            queries say how much to allocate. Memory never crosses allocators: a handle is
 *            released with its own sparsevar_<object>_free, which accepts NULL.
 * Pointers   The library never keeps a caller's pointer after a call returns: inputs are copied.
 *            An array shorter than its sizes say is undefined behaviour (it cannot be detected).
 * Sizes      Every product and sum of sizes is checked: one that overflows a 64-bit count gives
 *            SPARSEVAR_E_SHAPE. Large buffers are reserved before they are made: sizes whose
 *            memory cannot be allocated (or exceeds the 2^47 bytes a process can address) give
 *            SPARSEVAR_E_NO_MEMORY, with the object left as it was (docs/robustness.md).
 * Handles    Each handle carries a type tag checked on entry: a handle of another type (a
 *            sparsevar_var where a sparsevar_autoencoder is expected) gives SPARSEVAR_E_INVALID_ARGUMENT,
 *            and so does a handle already freed, on a best-effort basis (until its memory is
 *            reused); freeing it again is then a no-op. Any other pointer posing as a handle is
 *            undefined behaviour.
 * Callbacks  A progress callback takes the caller's `void *user` pointer as its last argument and
 *            cancels the call by returning non-zero (the call then returns SPARSEVAR_E_INTERRUPTED).
 * Threads    Distinct handles may be used concurrently from distinct threads; one handle must not be
 *            used from two threads at once. sparsevar_errstr, sparsevar_last_error and the version
 *            calls are always safe.
 * Versions   The SPARSEVAR_VERSION_* macros describe this header, sparsevar_version_number() the
 *            library loaded at run time; the shared object's SONAME (libsparsevar.so.MAJOR) changes
 *            with the major version. A program can check at start-up that
 *            sparsevar_version_number() / 10000 == SPARSEVAR_VERSION_MAJOR.
 */
#ifndef SPARSEVAR_H
#define SPARSEVAR_H

#include <stddef.h>
#include <stdint.h>

/* Version of this header (from Sources/SparseVAR/Support/Version.swift). */
#define SPARSEVAR_VERSION_MAJOR 0
#define SPARSEVAR_VERSION_MINOR 1
#define SPARSEVAR_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, as returned by sparsevar_version_number(). */
#define SPARSEVAR_VERSION_NUMBER 100
#define SPARSEVAR_VERSION_STRING "0.1.0"

/*
 * SPARSEVAR_API marks every function of the library. Which symbols libsparsevar.so exports is
 * fixed when the library is linked (a version script exports exactly the sparsevar_* functions
 * declared here and hides everything else, including the statically linked Swift runtime), so
 * the macro only matters on the caller's side: with GCC and Clang it gives the declarations
 * default visibility, so that code which includes this header inside
 * `#pragma GCC visibility push(hidden)` still links against the shared library. Define
 * SPARSEVAR_API before including this header to override it.
 */
#ifndef SPARSEVAR_API
#  if defined(__GNUC__) && __GNUC__ >= 4
#    define SPARSEVAR_API __attribute__((visibility("default")))
#  else
#    define SPARSEVAR_API
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==============================================================================================
 * Handle types
 *
 * Opaque: created and freed only by the library.
 * ============================================================================================== */

/** A sparse VAR model: parameters, and after a fit its coefficients. */
typedef struct sparsevar_var sparsevar_var;

/** A LARS-lasso path: knots, coefficients at each knot, and the final active set. */
typedef struct sparsevar_lars_path sparsevar_lars_path;

/** A set of fitted VARs with group labels, for the swap and influence tests. */
typedef struct sparsevar_var_set sparsevar_var_set;

/** Runs of video frames of one field of view, cropped, downscaled and stored compactly. */
typedef struct sparsevar_dataset sparsevar_dataset;

/** The result of a group test: statistic, p-values, sample sizes, Delta matrix. */
typedef struct sparsevar_test_result sparsevar_test_result;

/** The autoencoder with its embedded sparse VAR: parameters, trained weights, per-run analysis. */
typedef struct sparsevar_autoencoder sparsevar_autoencoder;

/** A seeded synthetic two-photon experiment with known ground truth, generated run by run. */
typedef struct sparsevar_synthetic sparsevar_synthetic;

/* ==============================================================================================
 * Enumerations
 *
 * Each is an int32_t type with its values as constants (pinned: they never change).
 * ============================================================================================== */

/// Status code returned by every fallible sparsevar call. The values are pinned forever; new
/// codes are only ever appended. Success is 0 and every error is negative.
typedef int32_t sparsevar_status;
enum {
  /// Success.
  SPARSEVAR_OK = 0,
  /// An argument is out of range, NULL where it must not be, or inconsistent.
  SPARSEVAR_E_INVALID_ARGUMENT = -1,
  /// Array sizes do not match each other or the object's shape.
  SPARSEVAR_E_SHAPE = -2,
  /// An input array contains NaN or infinity.
  SPARSEVAR_E_NON_FINITE = -3,
  /// The object has not been fitted yet.
  SPARSEVAR_E_NOT_FITTED = -4,
  /// The computation is numerically impossible (for example a constant series).
  SPARSEVAR_E_NUMERICAL = -5,
  /// A caller-provided output buffer is too small; the size query says how big it must be.
  SPARSEVAR_E_BUFFER_TOO_SMALL = -6,
  /// A progress callback returned non-zero; the object was left as it was before the call.
  SPARSEVAR_E_INTERRUPTED = -7,
  /// Memory could not be allocated, or the sizes given ask for more than a process can address
  /// (2^47 bytes for one buffer); the object is left as it was.
  SPARSEVAR_E_NO_MEMORY = -8,
  /// A model file is truncated, corrupted, or of a newer format version.
  SPARSEVAR_E_FORMAT = -9,
  /// A file could not be opened, read or written.
  SPARSEVAR_E_IO = -10,
  /// An internal error: please report it.
  SPARSEVAR_E_INTERNAL = -99
};

/// Parameters of a sparse VAR, set with sparsevar_var_set_param. Values are pinned; the bounds and
/// defaults are also available from sparsevar_var_param_bounds.
typedef int32_t sparsevar_var_param;
enum {
  /// VAR order p. Values: integer in [1, 1000], default 5.
  SPARSEVAR_VAR_PARAM_LAG = 100,
  /// l1 penalty lambda on the sigma-normalised problem. Values: real in [0, inf), default 0.01.
  SPARSEVAR_VAR_PARAM_LAMBDA = 101,
  /// LARS step-size stabiliser eps_gamma (0 = plain LARS). Values: real in [0, inf), default 0.
  SPARSEVAR_VAR_PARAM_EPS_GAMMA = 102,
  /// 1 = divide the series by the standard deviation of all its entries, 0 = do not. Values: 0 or
  /// 1, default 1.
  SPARSEVAR_VAR_PARAM_NORMALIZE = 103,
  /// Unpenalised intercept per output: none; columns (scikit-learn's fit_intercept: the lagged
  /// design's columns and the targets are centred, b_j = mean(u_j) - mean(x)^T w_j); or series_mean
  /// (the mean-adjusted VAR: fitted to the series minus its temporal mean m, forecasting m + sum_k
  /// A_k (z_{t-k} - m), so b = (I - sum_k A_k) m / sigma). Values: a sparsevar_intercept value,
  /// default SPARSEVAR_INTERCEPT_NONE.
  SPARSEVAR_VAR_PARAM_INTERCEPT = 104,
  /// Bound on LARS steps per output (0 = no bound). Values: integer in [0, 1e9], default 0.
  SPARSEVAR_VAR_PARAM_MAX_ITER = 105,
  /// Choice of lambda per output: none (the lambda parameter for every output), or Akaike's or
  /// Bayes' criterion along each output's full lasso path. Values: a sparsevar_criterion value,
  /// default SPARSEVAR_CRITERION_NONE.
  SPARSEVAR_VAR_PARAM_CRITERION = 200,
  /// Worker threads of a fit (0 = all cores). Results do not depend on it. Values: integer in
  /// [0, 1024], default 0.
  SPARSEVAR_VAR_PARAM_THREADS = 400
};

/// How lambda is chosen (parameter SPARSEVAR_VAR_PARAM_CRITERION).
typedef int32_t sparsevar_criterion;
enum {
  /// Use the lambda parameter for every output.
  SPARSEVAR_CRITERION_NONE = 0,
  /// Akaike's criterion along each output's full lasso path (as scikit-learn's LassoLarsIC).
  SPARSEVAR_CRITERION_AIC = 1,
  /// Bayes' criterion along each output's full lasso path.
  SPARSEVAR_CRITERION_BIC = 2
};

/// How a VAR's intercept b (one per output, unpenalised, in units of the normalised series
/// u = z / sigma) is estimated (parameters SPARSEVAR_VAR_PARAM_INTERCEPT and
/// SPARSEVAR_AUTOENCODER_PARAM_INTERCEPT).
typedef int32_t sparsevar_intercept;
enum {
  /// No intercept: u_t ~ sum over lags of A_lag u_{t-lag}.
  SPARSEVAR_INTERCEPT_NONE = 0,
  /// scikit-learn's fit_intercept: the lagged design's columns and the targets are centred on
  /// their means, b_j = mean(u_j) - mean(x)^T w_j. Not accepted by the autoencoder.
  SPARSEVAR_INTERCEPT_COLUMNS = 1,
  /// The mean-adjusted VAR: fitted to the series minus its temporal mean m (over all t), and
  /// every series z' is forecast around its own temporal mean m':
  /// zhat_t = m' + sum over lags of A_lag (z'_{t-lag} - m'); b = (I - sum of A_lag) m / sigma.
  SPARSEVAR_INTERCEPT_SERIES_MEAN = 2
};

/// How the gradient of a lasso solution is computed.
typedef int32_t sparsevar_gradient;
enum {
  /// Reverse mode through every LARS step.
  SPARSEVAR_GRADIENT_UNROLLED = 0,
  /// Implicit differentiation on the final support.
  SPARSEVAR_GRADIENT_IMPLICIT = 1
};

/// Parameters of the tests run on a set of fitted runs, set with sparsevar_var_set_set_param.
typedef int32_t sparsevar_test_param;
enum {
  /// How the rank-sum p-value (the paper's statistic, not the test's p-value) is computed: the
  /// normal approximation with tie and continuity correction, or the exact null distribution.
  /// Values: a sparsevar_rank_sum_method value, default SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC.
  SPARSEVAR_TEST_PARAM_METHOD = 300,
  /// Random relabelings of the runs for the tests' permutation p-value (the test's p-value) when
  /// exact enumeration is too large; 9999 gives a smallest Monte Carlo p of 1e-4; 0 = no
  /// permutation p-value (reported as NaN). Values: integer in [0, 1e15], default 9999.
  SPARSEVAR_TEST_PARAM_PERMUTATIONS = 301,
  /// Seed of the Monte Carlo relabelings. Values: integer in [0, 1e15], default 0.
  SPARSEVAR_TEST_PARAM_SEED = 302,
  /// Largest number of relabelings enumerated exactly. Values: integer in [1, 1e15], default 20000.
  SPARSEVAR_TEST_PARAM_EXACT_LIMIT = 303,
  /// Worker threads of the swap test's forecasts (0 = all cores). Results do not depend on it.
  /// Values: integer in [0, 1024], default 0.
  SPARSEVAR_TEST_PARAM_THREADS = 400
};

/// How the rank-sum p-value is computed.
typedef int32_t sparsevar_rank_sum_method;
enum {
  /// Normal approximation with tie and continuity correction.
  SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC = 0,
  /// Exact null distribution of U (samples without ties); its cost is bounded (see
  /// sparsevar_rank_sum): larger samples give SPARSEVAR_E_INVALID_ARGUMENT.
  SPARSEVAR_RANK_SUM_METHOD_EXACT = 1
};

/// Alternative hypothesis of the rank-sum test.
typedef int32_t sparsevar_alternative;
enum {
  /// x is stochastically greater than y.
  SPARSEVAR_ALTERNATIVE_GREATER = 0,
  /// x is stochastically less than y.
  SPARSEVAR_ALTERNATIVE_LESS = 1,
  /// x and y differ in location.
  SPARSEVAR_ALTERNATIVE_TWO_SIDED = 2
};

/// Parameters of a model, set with sparsevar_autoencoder_set_param. Values are pinned; bounds and
/// defaults are also available from sparsevar_autoencoder_param_bounds. The architecture parameters
/// can only be changed before the model's first training: afterwards, and for a loaded model,
/// setting one to a different value gives SPARSEVAR_E_INVALID_ARGUMENT. The others take effect at
/// the next call that uses them.
typedef int32_t sparsevar_autoencoder_param;
enum {
  /// Encoder (and decoder) blocks; 0 = automatic: chosen at the first training from the frame size
  /// and the shortest run, as the smallest depth whose latent size K is at most the shortest run's
  /// frames / 25 (the deepest the frame allows when none is); the parameter keeps reading 0, the
  /// model's latent shape gives the grid chosen. The paper's is 3. The frame height and width must
  /// be multiples of 2^depth. Values: integer in [0, 8], default 0. Architecture.
  SPARSEVAR_AUTOENCODER_PARAM_DEPTH = 500,
  /// Channels of the hidden 3x3 convolutions. Values: integer in [1, 4096], default 32.
  /// Architecture.
  SPARSEVAR_AUTOENCODER_PARAM_CHANNELS = 501,
  /// Channels of the latent map. The latent size is K = latent_channels * (height / 2^depth) *
  /// (width / 2^depth). Values: integer in [1, 4096], default 1. Architecture.
  SPARSEVAR_AUTOENCODER_PARAM_LATENT_CHANNELS = 502,
  /// 1 = skip connection: the encoder sees x_t - xbar and xhat_t = (d_t + 1) * xbar, with xbar the
  /// training dataset's mean frame; 0 = none (xhat_t = d_t). Values: 0 or 1, default 1.
  /// Architecture.
  SPARSEVAR_AUTOENCODER_PARAM_SKIP_CONNECTION = 503,
  /// 1 = the last decoder block keeps batch norm and leaky ReLU (the paper's literal block); 0 = a
  /// plain linear 3x3 convolution there, so that the residual can take any sign. Values: 0 or 1,
  /// default 0. Architecture.
  SPARSEVAR_AUTOENCODER_PARAM_LITERAL_LAST_BLOCK = 504,
  /// Seed of the weight initialisation. Values: integer in [0, 1e15], default 0. Architecture.
  SPARSEVAR_AUTOENCODER_PARAM_SEED = 505,
  /// Slope of the encoder's leaky ReLUs for negative inputs: 1 = no activation in the encoder
  /// (convolution, batch norm and max pooling per block), which separated the synthetic conditions
  /// more often than the paper's 0.01 (docs/validation.md). The decoder keeps 0.01. Values: real in
  /// [0, 1], default 1. Architecture.
  SPARSEVAR_AUTOENCODER_PARAM_ENCODER_SLOPE = 506,
  /// How the VAR takes part in training: sequential (the autoencoder is trained alone and the VARs
  /// are fitted only in the analysis), embedded (a VAR is fitted on every window in the forward
  /// pass and the decoder decodes its forecasts; its coefficients are constants in the backward
  /// pass) or end-to-end (as embedded, with gradients also through the lasso solutions, see
  /// lasso_gradient). Values: a sparsevar_training_mode value, default
  /// SPARSEVAR_TRAINING_MODE_END_TO_END.
  SPARSEVAR_AUTOENCODER_PARAM_TRAINING_MODE = 510,
  /// Gradient through the lasso solutions in the end-to-end mode: unrolled (through every LARS
  /// step) or implicit (from the optimality conditions at the solution). Values: a
  /// sparsevar_gradient value, default SPARSEVAR_GRADIENT_IMPLICIT.
  SPARSEVAR_AUTOENCODER_PARAM_LASSO_GRADIENT = 511,
  /// VAR order p. Values: integer in [1, 1000], default 5.
  SPARSEVAR_AUTOENCODER_PARAM_LAG = 520,
  /// l1 penalty lambda on the sigma-normalised problem. Values: real in [0, inf), default 0.01.
  SPARSEVAR_AUTOENCODER_PARAM_LAMBDA = 521,
  /// LARS step-size stabiliser eps_gamma (0 = plain LARS). Values: real in [0, inf), default 0.
  SPARSEVAR_AUTOENCODER_PARAM_EPS_GAMMA = 522,
  /// The VARs' intercept: series_mean fits every VAR to latents minus their temporal mean, each
  /// training window's and in the analysis each run's, so that a run's constant offset in latent
  /// space (brightness, baseline) enters neither its coefficients nor the group tests; forecasts
  /// add the mean back. none = the paper's literal fit on the raw latents. columns is refused
  /// (invalid argument). Takes effect at the next training and analysis. Values: a
  /// sparsevar_intercept value, default SPARSEVAR_INTERCEPT_SERIES_MEAN.
  SPARSEVAR_AUTOENCODER_PARAM_INTERCEPT = 524,
  /// Adam's learning rate (the default is the measured recipe; the paper's is 0.001). Values: real
  /// in (0, inf), default 0.003.
  SPARSEVAR_AUTOENCODER_PARAM_LEARNING_RATE = 530,
  /// Epochs run by each training call (the default is the measured recipe). Values: integer in
  /// [0, 1e9], default 10.
  SPARSEVAR_AUTOENCODER_PARAM_EPOCHS = 531,
  /// Frames per training window (one mini-batch); must be >= lag + 2 when training. Runs are cut
  /// into non-overlapping windows; a run's tail shorter than lag + 2 frames is not trained on, a
  /// longer one is a shorter window. Values: integer in [3, 1e9], default 64.
  SPARSEVAR_AUTOENCODER_PARAM_WINDOW = 532,
  /// Seed of the window order, shuffled anew every epoch. Values: integer in [0, 1e15], default 0.
  SPARSEVAR_AUTOENCODER_PARAM_SHUFFLE_SEED = 533,
  /// How the rank-sum p-value (the paper's statistic, not the test's p-value) is computed: the
  /// normal approximation with tie and continuity correction, or the exact null distribution.
  /// Values: a sparsevar_rank_sum_method value, default SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC.
  SPARSEVAR_AUTOENCODER_PARAM_TEST_METHOD = 540,
  /// Random relabelings of the runs for the tests' permutation p-value (the test's p-value) when
  /// exact enumeration is too large; 9999 gives a smallest Monte Carlo p of 1e-4; 0 = no
  /// permutation p-value (reported as NaN). Values: integer in [0, 1e15], default 9999.
  SPARSEVAR_AUTOENCODER_PARAM_TEST_PERMUTATIONS = 541,
  /// Seed of the Monte Carlo relabelings. Values: integer in [0, 1e15], default 0.
  SPARSEVAR_AUTOENCODER_PARAM_TEST_SEED = 542,
  /// Largest number of relabelings enumerated exactly. Values: integer in [1, 1e15], default 20000.
  SPARSEVAR_AUTOENCODER_PARAM_TEST_EXACT_LIMIT = 543,
  /// How contribution maps are read out of the runs' influence vectors: latent_grid (each pixel
  /// gets its latent cell's influence, weighted by its relative temporal standard deviation; keeps
  /// the grid's localisation) or decoder (the paper's: the influence decoded, times the mean
  /// frame). Takes effect at the next map. Values: a sparsevar_map_readout value, default
  /// SPARSEVAR_MAP_READOUT_LATENT_GRID.
  SPARSEVAR_AUTOENCODER_PARAM_MAP_READOUT = 550,
  /// Worker threads of the whole model: network layers, VAR fits, swap test (0 = all cores).
  /// Results do not depend on it. Values: integer in [0, 1024], default 0.
  SPARSEVAR_AUTOENCODER_PARAM_THREADS = 600
};

/// How contribution maps are read out (parameter SPARSEVAR_AUTOENCODER_PARAM_MAP_READOUT).
typedef int32_t sparsevar_map_readout;
enum {
  /// Pixel p gets gain * sum over latent channels of the influence of the latent grid cell it lies
  /// in, times p's temporal standard deviation relative to its run's mean, averaged over the
  /// analysed runs (one weight for all runs, so a difference map is an influence difference).
  /// Keeps the grid's localisation; measured difference-map ROC AUC about 0.8-0.9 on the small
  /// synthetic preset against about 0.6 for the decoder.
  SPARSEVAR_MAP_READOUT_LATENT_GRID = 0,
  /// The paper's: (f_dec(gain * c) + 1) * xbar, the influence decoded with the unpooling indices
  /// of the run's temporal standard deviation image.
  SPARSEVAR_MAP_READOUT_DECODER = 1
};

/// How the VAR takes part in training (parameter SPARSEVAR_AUTOENCODER_PARAM_TRAINING_MODE).
typedef int32_t sparsevar_training_mode;
enum {
  /// The autoencoder is trained alone (the decoder decodes every z_t); the VARs are fitted only
  /// in the analysis.
  SPARSEVAR_TRAINING_MODE_SEQUENTIAL = 0,
  /// A VAR is fitted on every window in the forward pass and the decoder decodes its forecasts;
  /// its coefficients are constants in the backward pass.
  SPARSEVAR_TRAINING_MODE_EMBEDDED = 1,
  /// As embedded, with gradients also through the lasso solutions
  /// (SPARSEVAR_AUTOENCODER_PARAM_LASSO_GRADIENT).
  SPARSEVAR_TRAINING_MODE_END_TO_END = 2
};

/// Sizes of the built-in synthetic experiment.
typedef int32_t sparsevar_synthetic_preset;
enum {
  /// For tests: 10 runs of 60-120 frames at 48 x 32 pixels.
  SPARSEVAR_SYNTHETIC_PRESET_TINY = 0,
  /// The default demo: 20 runs of 150-300 frames at 96 x 64 pixels.
  SPARSEVAR_SYNTHETIC_PRESET_SMALL = 1,
  /// 20 runs of 200-400 frames at 192 x 128 pixels (the paper's preprocessed resolution).
  SPARSEVAR_SYNTHETIC_PRESET_STANDARD = 2,
  /// The paper's acquisition: 40 runs of 306-1206 frames at 768 x 512 pixels (crop 768 x 512,
  /// downscale 4 -> 192 x 128); generate it run by run, it is about 14 GB in all.
  SPARSEVAR_SYNTHETIC_PRESET_FULL = 3
};

/// Options of the synthetic experiment that sparsevar_synthetic_create_with sets (the others
/// are the preset's).
typedef int32_t sparsevar_synthetic_param;
enum {
  /// 1 = the null experiment: both conditions share one coupling matrix (no planted difference;
  /// the same seed's scene, network and nuisances otherwise; the ground truth is all zero);
  /// 0 = the planted difference (default).
  SPARSEVAR_SYNTHETIC_PARAM_NULL_EXPERIMENT = 0,
  /// Standard deviation of a per-run brightness factor (laser power): [0, 0.5], default 0.03.
  SPARSEVAR_SYNTHETIC_PARAM_RUN_BRIGHTNESS_VARIATION = 1,
  /// Standard deviation of a per-run detector gain factor: [0, 0.5], default 0.1.
  SPARSEVAR_SYNTHETIC_PARAM_RUN_GAIN_VARIATION = 2,
  /// Stationary standard deviation of the slow multiplicative drift: [0, 0.5], default 0.02.
  SPARSEVAR_SYNTHETIC_PARAM_DRIFT_AMPLITUDE = 3,
  /// Smallest per-run bleaching rate in 1/s (light decays as exp(-rate t)): default 0.
  SPARSEVAR_SYNTHETIC_PARAM_BLEACHING_RATE_MIN = 4,
  /// Largest per-run bleaching rate in 1/s (rates are uniform between the two): at most 10,
  /// default 0.02.
  SPARSEVAR_SYNTHETIC_PARAM_BLEACHING_RATE_MAX = 5
};

/* ==============================================================================================
 * Status (Sources/CSparseVAR/Status.swift)
 *
 * Status codes, static error strings, the per-thread detailed message and the version calls.
 * ============================================================================================== */

/// Static, English description of a status code. Never NULL, never to be freed; unknown codes
/// give "unknown status code". Always thread-safe.
SPARSEVAR_API const char *sparsevar_errstr(int32_t code);

/// Detailed message of the last call on this thread that failed: what was wrong and what to do.
/// Never NULL ("" when no call has failed on this thread). Owned by the library and valid until
/// the next failing call on the same thread. A successful call does not clear it, so check status
/// codes, not this message. Always thread-safe.
SPARSEVAR_API const char *sparsevar_last_error(void);

/// Run-time version as MAJOR*10000 + MINOR*100 + PATCH; compare it with
/// SPARSEVAR_VERSION_NUMBER from the header. Always thread-safe.
SPARSEVAR_API int32_t sparsevar_version_number(void);

/// Run-time version as a static "MAJOR.MINOR.PATCH" string. Always thread-safe.
SPARSEVAR_API const char *sparsevar_version_string(void);

/* ==============================================================================================
 * VAR (Sources/CSparseVAR/VAR.swift)
 *
 * C API of the sparse VAR: a handle holds parameters (set by enum, zstd style) and, after a fit,
 * the coefficients. Series are T x K row-major: z[t * K + l] is latent l at time t.
 * ============================================================================================== */

/// Creates a VAR with default parameters and no fit.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_var_free.
SPARSEVAR_API int32_t sparsevar_var_create(sparsevar_var **out);

/// Frees a VAR. NULL is a no-op.
SPARSEVAR_API void sparsevar_var_free(sparsevar_var *var);

/// Sets one parameter (a sparsevar_var_param value). Integer parameters must be given whole
/// numbers. Takes effect at the next fit; an existing fit is kept.
SPARSEVAR_API int32_t sparsevar_var_set_param(sparsevar_var *var, int32_t param, double value);

/// Reads one parameter's current value.
SPARSEVAR_API int32_t sparsevar_var_get_param(
    const sparsevar_var *var, int32_t param, double *value);

/// Lower and upper bound and default of a parameter. Bounds are inclusive, except an upper bound
/// of +inf, which means "any finite value": values must always be finite. Any output pointer may
/// be NULL. Always thread-safe.
SPARSEVAR_API int32_t sparsevar_var_param_bounds(
    int32_t param, double *lower, double *upper, double *default_value);

/// Restricts the connections the VAR may use: mask is K x K row-major, mask[j * K + l] != 0
/// allows latent l to drive latent j (at every lag). mask = NULL with k = 0 removes the
/// restriction. The mask is copied; it applies to fits of K-dimensional series.
SPARSEVAR_API int32_t sparsevar_var_set_mask(sparsevar_var *var, const uint8_t *mask, int64_t k);

/// Fits the VAR to a series z (t x k, row-major, double). Replaces any previous fit; on failure
/// the previous fit is kept.
/// @param progress  optional; called on the calling thread with (outputs done, K, user) after each
///                  batch of outputs; returning non-zero cancels the fit.
/// @param user      passed to progress as is.
SPARSEVAR_API int32_t sparsevar_var_fit_f64(
    sparsevar_var *var,
    const double *z,
    int64_t t,
    int64_t k,
    int32_t (*progress)(int64_t, int64_t, void *),
    void *user);

/// As sparsevar_var_fit_f64 for a float series (computation in double precision).
SPARSEVAR_API int32_t sparsevar_var_fit_f32(
    sparsevar_var *var,
    const float *z,
    int64_t t,
    int64_t k,
    int32_t (*progress)(int64_t, int64_t, void *),
    void *user);

/// Lag p and dimension K of the fitted VAR (SPARSEVAR_E_NOT_FITTED before a fit).
SPARSEVAR_API int32_t sparsevar_var_shape(const sparsevar_var *var, int64_t *p, int64_t *k);

/// Writes the coefficients, p x K x K: out[(lag - 1) * K * K + j * K + l] = A_lag[j, l], the
/// effect of latent l at time t - lag on latent j at time t. len >= p * K * K.
SPARSEVAR_API int32_t sparsevar_var_coef(const sparsevar_var *var, double *out, int64_t len);

/// Writes the intercept b per output (K values, in units of the normalised series u = z / sigma;
/// zeros with SPARSEVAR_INTERCEPT_NONE), such that the forecasts of the fitted series are
/// sum over lags of A_lag z_{t-lag} + sigma * b. With SPARSEVAR_INTERCEPT_SERIES_MEAN,
/// b = (I - sum over lags of A_lag) m / sigma for the fitted series' temporal mean m.
SPARSEVAR_API int32_t sparsevar_var_intercept(const sparsevar_var *var, double *out, int64_t len);

/// The scale sigma the fit divided the series by (1 when normalisation is off).
SPARSEVAR_API int32_t sparsevar_var_sigma(const sparsevar_var *var, double *sigma);

/// Writes the lambda used for each output (K values): the lambda parameter, or each output's
/// choice by the information criterion.
SPARSEVAR_API int32_t sparsevar_var_lambdas(const sparsevar_var *var, double *out, int64_t len);

/// Number of knots of output j's lasso path, recorded when the fit used an information criterion
/// (SPARSEVAR_E_INVALID_ARGUMENT otherwise).
SPARSEVAR_API int32_t sparsevar_var_path_length(
    const sparsevar_var *var, int64_t output, int64_t *len);

/// Writes output j's path: the lambda at each knot and the criterion value there (len values
/// each; either pointer may be NULL).
SPARSEVAR_API int32_t sparsevar_var_path(
    const sparsevar_var *var, int64_t output, double *lambdas, double *criterion, int64_t len);

/// One-step forecasts of a series z (t x k) by the fitted VAR: out holds (t - p) x K values,
/// row r being the forecast of z at time p + r: sum_k A_k z_{t-k}, plus, with
/// SPARSEVAR_INTERCEPT_COLUMNS, sigma_z * intercept where sigma_z is z's own scale (as the swap
/// test needs; for the series the VAR was fitted on, sigma_z is the fitted sigma). With
/// SPARSEVAR_INTERCEPT_SERIES_MEAN, m_z + sum_k A_k (z_{t-k} - m_z) where m_z is z's own
/// temporal mean (for the fitted series, its mean: the same as sum_k A_k z_{t-k} + sigma * intercept).
SPARSEVAR_API int32_t sparsevar_var_forecast_f64(
    const sparsevar_var *var, const double *z, int64_t t, int64_t k, double *out, int64_t len);

/// R_var of the fitted VAR on a series z (t x k): mean over t of ||z_t - zhat_t||^2 / ||z_t||^2.
SPARSEVAR_API int32_t sparsevar_var_rvar_f64(
    const sparsevar_var *var, const double *z, int64_t t, int64_t k, double *r_var);

/// Writes the influence vector (K values): c_l = sum over lags and j != l of |A_k[j, l]|.
SPARSEVAR_API int32_t sparsevar_var_influence(const sparsevar_var *var, double *out, int64_t len);

/* ==============================================================================================
 * LARS (Sources/CSparseVAR/LARS.swift)
 *
 * C API of the LARS-lasso solver: the solution at one lambda, the whole path, and gradients.
 * Arrays are row-major: X is n x p with X[i * p + j] the value of feature j in sample i.
 * ============================================================================================== */

/// Solves the lasso 1/(2n) ||y - X w||^2 + lambda ||w||_1 by LARS and writes w.
/// @param coef_out   receives the p coefficients (caller-owned, coef_len >= p).
/// @param x          n x p design, row-major.
/// @param y          n responses.
/// @param lambda     penalty >= 0; lambda >= lambda_max = max|X^T y|/n gives all zeros.
/// @param eps_gamma  step-size stabiliser >= 0 (0 = plain LARS).
/// @return SPARSEVAR_OK, or an error code with sparsevar_last_error() set.
SPARSEVAR_API int32_t sparsevar_lasso_lars(
    double *coef_out,
    int64_t coef_len,
    const double *x,
    int64_t n,
    int64_t p,
    const double *y,
    double lambda,
    double eps_gamma);

/// Computes the LARS-lasso path from lambda_max down to lambda_min (0 = to the end of the path).
/// @param out        receives a new path handle (NULL on failure); free with sparsevar_lars_path_free.
/// @param max_iter   bound on LARS steps, 0 = no bound.
SPARSEVAR_API int32_t sparsevar_lars_path_create(
    sparsevar_lars_path **out,
    const double *x,
    int64_t n,
    int64_t p,
    const double *y,
    double lambda_min,
    double eps_gamma,
    int64_t max_iter);

/// Frees a path. NULL is a no-op.
SPARSEVAR_API void sparsevar_lars_path_free(sparsevar_lars_path *path);

/// Sizes of a path: number of knots, number of features p, size of the final active set, and
/// 1 in *stopped_early when the path stopped before lambda_min (any pointer may be NULL).
SPARSEVAR_API int32_t sparsevar_lars_path_shape(
    const sparsevar_lars_path *path,
    int64_t *n_knots,
    int64_t *p,
    int64_t *n_active,
    int32_t *stopped_early);

/// Writes the lambda of each knot (n_knots values, non-increasing).
SPARSEVAR_API int32_t sparsevar_lars_path_lambdas(
    const sparsevar_lars_path *path, double *out, int64_t len);

/// Writes the coefficients at each knot, knot-major: out[k * p + j] (n_knots x p values).
SPARSEVAR_API int32_t sparsevar_lars_path_coefs(
    const sparsevar_lars_path *path, double *out, int64_t len);

/// Writes the final active set, in order of entry (n_active indices).
SPARSEVAR_API int32_t sparsevar_lars_path_active(
    const sparsevar_lars_path *path, int64_t *out, int64_t len);

/// Gradient of a scalar loss through the lasso solution (a vector-Jacobian product): given
/// grad_coef = dL/dw (p values), writes dL/dX (n x p, row-major) and dL/dy (n values), and the
/// solution itself into coef_out when coef_out is not NULL.
/// @param mode  SPARSEVAR_GRADIENT_UNROLLED or SPARSEVAR_GRADIENT_IMPLICIT.
SPARSEVAR_API int32_t sparsevar_lasso_lars_vjp(
    double *grad_x,
    int64_t grad_x_len,
    double *grad_y,
    int64_t grad_y_len,
    double *coef_out,
    int64_t coef_len,
    const double *x,
    int64_t n,
    int64_t p,
    const double *y,
    double lambda,
    double eps_gamma,
    int32_t mode,
    const double *grad_coef,
    int64_t grad_coef_len);

/* ==============================================================================================
 * GroupTests (Sources/CSparseVAR/GroupTests.swift)
 *
 * C API of the group tests: a set of fitted runs with group labels, the coefficient-swap and
 * influence-distance tests between two labels, the rank-sum test and Bonferroni's correction.
 * ============================================================================================== */

/// Creates an empty set of runs.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_var_set_free.
SPARSEVAR_API int32_t sparsevar_var_set_create(sparsevar_var_set **out);

/// Frees a set. NULL is a no-op.
SPARSEVAR_API void sparsevar_var_set_free(sparsevar_var_set *set);

/// Adds a run: copies the fitted VAR and the series it describes (z, t x k, row-major), with a
/// group label. The VAR handle stays the caller's and may be refitted afterwards. The series is
/// needed by the swap test only: z = NULL with t = 0 (k is then ignored) adds a run for the
/// influence test alone.
/// @param run_id  receives the run's index in the set (may be NULL).
SPARSEVAR_API int32_t sparsevar_var_set_add_f64(
    sparsevar_var_set *set,
    const sparsevar_var *var,
    const double *z,
    int64_t t,
    int64_t k,
    int32_t label,
    int64_t *run_id);

/// Number of runs in the set.
SPARSEVAR_API int32_t sparsevar_var_set_size(const sparsevar_var_set *set, int64_t *n_runs);

/// Reads a run's group label.
SPARSEVAR_API int32_t sparsevar_var_set_get_label(
    const sparsevar_var_set *set, int64_t run, int32_t *label);

/// Changes a run's group label (to test other splits, e.g. first vs second half of a condition).
SPARSEVAR_API int32_t sparsevar_var_set_set_label(
    sparsevar_var_set *set, int64_t run, int32_t label);

/// Sets a test parameter (a sparsevar_test_param value) for the tests run on this set.
SPARSEVAR_API int32_t sparsevar_var_set_set_param(
    sparsevar_var_set *set, int32_t param, double value);

/// Reads a test parameter's current value.
SPARSEVAR_API int32_t sparsevar_var_set_get_param(
    const sparsevar_var_set *set, int32_t param, double *value);

/// Coefficient-swap test: do runs labelled label_a and label_b differ in their dynamics?
/// Delta_ij = E_{i<-j} - E_{i<-i} (run i's mean squared one-step error under run j's VAR, minus
/// under its own); inter-group pairs are compared with intra-group pairs by a one-sided rank-sum
/// test (inter greater), the paper's statistic. The test's p-value is the run-relabelling
/// permutation p-value of that statistic (sparsevar_test_result_permutation): exact enumeration
/// of the distinct splits when there are at most SPARSEVAR_TEST_PARAM_EXACT_LIMIT relabelings,
/// else Monte Carlo with the +1 correction. The rank-sum's own p-value treats pairs that share
/// runs as independent and is not calibrated at the level of runs: base no verdict on it.
/// @param out  receives the result (NULL on failure); free it with sparsevar_test_result_free.
SPARSEVAR_API int32_t sparsevar_swap_test(
    sparsevar_test_result **out, const sparsevar_var_set *set, int32_t label_a, int32_t label_b);

/// Influence-distance test: d_ij = ||c_i - c_j||^2 between the runs' influence vectors, inter
/// vs intra pairs, as sparsevar_swap_test.
SPARSEVAR_API int32_t sparsevar_influence_test(
    sparsevar_test_result **out, const sparsevar_var_set *set, int32_t label_a, int32_t label_b);

/// Frees a test result. NULL is a no-op.
SPARSEVAR_API void sparsevar_test_result_free(sparsevar_test_result *result);

/// The test's numbers (any pointer may be NULL): the Mann-Whitney U of the inter-group sample,
/// p_value = the rank-sum p-value (the paper's statistic; its pairs share runs, so it is not
/// calibrated at the level of runs), p_permutation = the test's p-value, calibrated by
/// relabelling runs (NaN when SPARSEVAR_TEST_PARAM_PERMUTATIONS is 0), and the numbers of
/// inter- and intra-group ordered pairs.
SPARSEVAR_API int32_t sparsevar_test_result_values(
    const sparsevar_test_result *result,
    double *statistic,
    double *p_value,
    double *p_permutation,
    int64_t *n_inter,
    int64_t *n_intra);

/// The run-relabelling permutation test behind the test's p-value (any pointer may be NULL):
/// p_value = the permutation p-value (the one to base a verdict on; NaN when
/// SPARSEVAR_TEST_PARAM_PERMUTATIONS is 0), smallest_p = the smallest p-value the test can give
/// for these group sizes (1 / the number of distinct splits when exact, 1 / (permutations + 1)
/// for Monte Carlo; a threshold below it cannot be reached), relabelings = the relabelings
/// evaluated, exact = 1 when every relabeling was enumerated, else 0.
SPARSEVAR_API int32_t sparsevar_test_result_permutation(
    const sparsevar_test_result *result,
    double *p_value,
    double *smallest_p,
    int64_t *relabelings,
    int32_t *exact);

/// The smallest p-value the run-relabelling permutation test can give for groups of size_a and
/// size_b runs with the set's test parameters (1 / the number of distinct splits when they are
/// enumerated, 1 / (permutations + 1) for Monte Carlo); NaN when permutations is 0. A
/// significance threshold below it cannot be reached by any outcome of these runs.
SPARSEVAR_API int32_t sparsevar_smallest_p_value(
    const sparsevar_var_set *set, int64_t size_a, int64_t size_b, double *smallest_p);

/// Number of runs N of the set the test ran on (the matrix is N x N).
SPARSEVAR_API int32_t sparsevar_test_result_runs(
    const sparsevar_test_result *result, int64_t *n_runs);

/// Writes the pairwise matrix, N x N row-major: Delta_ij for the swap test, d_ij for the
/// influence test; NaN on the diagonal and for runs in neither group.
SPARSEVAR_API int32_t sparsevar_test_result_matrix(
    const sparsevar_test_result *result, double *out, int64_t len);

/// Wilcoxon rank-sum / Mann-Whitney U test of x against y, equal to scipy.stats.mannwhitneyu
/// (with continuity correction). statistic = U of x.
/// @param alternative  a sparsevar_alternative value.
/// @param method       a sparsevar_rank_sum_method value. The exact method's cost is bounded:
///                     when min(nx, ny) * (k + 1) recursion steps, k the smaller tail of U,
///                     exceed 10^9 (a few seconds; e.g. both samples above ~1400 near the
///                     centre), SPARSEVAR_E_INVALID_ARGUMENT is returned at once: use the
///                     asymptotic method.
SPARSEVAR_API int32_t sparsevar_rank_sum(
    double *statistic,
    double *p_value,
    const double *x,
    int64_t nx,
    const double *y,
    int64_t ny,
    int32_t alternative,
    int32_t method);

/// Bonferroni-corrected p-values: out[i] = min(1, m * p_values[i]) (m values; out may equal
/// p_values).
SPARSEVAR_API int32_t sparsevar_bonferroni(double *out, const double *p_values, int64_t m);

/* ==============================================================================================
 * Dataset (Sources/CSparseVAR/Dataset.swift)
 *
 * C API of the frame dataset: runs of video frames of one field of view, preprocessed as they
 * arrive (centre crop, then nearest-neighbour downscale) and stored once, compactly (UInt16
 * frames as 2 bytes per kept pixel, float and double frames as 4). Frames are count x height x
 * width, row-major, at the raw size given at creation: frames[f * height * width + r * width + c]
 * is row r, column c of frame f. When read, pixels are normalised to [0, 1] by the global minimum
 * and maximum over all stored pixels of all runs (a constant dataset cannot be normalised and is
 * an error). A call that fails leaves the dataset as it was: no frame of a refused batch is kept.
 * ============================================================================================== */

/// Creates an empty dataset for raw frames of height x width pixels. SPARSEVAR_E_NO_MEMORY when
/// the stored frame is too large to allocate its mean frame (8 bytes per stored pixel).
/// @param out          receives the handle (NULL on failure); free it with sparsevar_dataset_free.
/// @param height       raw frame height H >= 1, as every frame will be given.
/// @param width        raw frame width W >= 1.
/// @param crop_height  centre crop to this many rows (<= H); 0 = keep all H rows.
/// @param crop_width   centre crop to this many columns (<= W); 0 = keep all W columns. The crop
///                     starts at row (H - crop_height) / 2 and column (W - crop_width) / 2,
///                     rounded down (an odd margin loses its extra pixel at the bottom / right).
/// @param downscale    nearest-neighbour downscale factor f >= 1 (0 or 1 = none): stored pixel
///                     (i, j) is cropped pixel (i * f, j * f); the cropped size must be divisible
///                     by f. Frames are stored as (crop_height / f) x (crop_width / f).
SPARSEVAR_API int32_t sparsevar_dataset_create(
    sparsevar_dataset **out,
    int64_t height,
    int64_t width,
    int64_t crop_height,
    int64_t crop_width,
    int64_t downscale);

/// Frees a dataset. NULL is a no-op.
SPARSEVAR_API void sparsevar_dataset_free(sparsevar_dataset *dataset);

/// Starts a new, empty run to be filled with sparsevar_dataset_add_frames_* (as acquisition
/// software streams batches of frames).
/// @param label      the run's group label (used by the group tests and maps).
/// @param has_label  1 = the run has the label, 0 = the run is unlabelled (label is ignored).
/// @param run        receives the run's id: 0, 1, 2, ... in order of creation (may be NULL).
SPARSEVAR_API int32_t sparsevar_dataset_begin_run(
    sparsevar_dataset *dataset, int32_t label, int32_t has_label, int64_t *run);

/// Appends a batch of count UInt16 frames (count x height x width, raw size, row-major) to the end
/// of run `run`. Streaming batches gives exactly the dataset that adding their concatenation
/// at once gives. height and width must be the raw size given at creation (SPARSEVAR_E_SHAPE
/// otherwise). count may be 0 (frames may then be NULL).
SPARSEVAR_API int32_t sparsevar_dataset_add_frames_u16(
    sparsevar_dataset *dataset,
    int64_t run,
    const uint16_t *frames,
    int64_t count,
    int64_t height,
    int64_t width);

/// As sparsevar_dataset_add_frames_u16 for float frames (stored as float). NaN or infinity
/// anywhere in the batch gives SPARSEVAR_E_NON_FINITE and nothing is stored. When float frames
/// reach a dataset holding UInt16 frames, the stored frames are converted to float (exactly; the
/// memory per pixel doubles).
SPARSEVAR_API int32_t sparsevar_dataset_add_frames_f32(
    sparsevar_dataset *dataset,
    int64_t run,
    const float *frames,
    int64_t count,
    int64_t height,
    int64_t width);

/// As sparsevar_dataset_add_frames_f32 for double frames (rounded to float when stored; a finite
/// value beyond float's range gives SPARSEVAR_E_INVALID_ARGUMENT).
SPARSEVAR_API int32_t sparsevar_dataset_add_frames_f64(
    sparsevar_dataset *dataset,
    int64_t run,
    const double *frames,
    int64_t count,
    int64_t height,
    int64_t width);

/// Adds a whole run of count UInt16 frames at once: sparsevar_dataset_begin_run followed by
/// sparsevar_dataset_add_frames_u16, except that on failure no run is created.
/// @param run  receives the new run's id (may be NULL).
SPARSEVAR_API int32_t sparsevar_dataset_add_run_u16(
    sparsevar_dataset *dataset,
    const uint16_t *frames,
    int64_t count,
    int64_t height,
    int64_t width,
    int32_t label,
    int32_t has_label,
    int64_t *run);

/// As sparsevar_dataset_add_run_u16 for float frames.
SPARSEVAR_API int32_t sparsevar_dataset_add_run_f32(
    sparsevar_dataset *dataset,
    const float *frames,
    int64_t count,
    int64_t height,
    int64_t width,
    int32_t label,
    int32_t has_label,
    int64_t *run);

/// As sparsevar_dataset_add_run_u16 for double frames.
SPARSEVAR_API int32_t sparsevar_dataset_add_run_f64(
    sparsevar_dataset *dataset,
    const double *frames,
    int64_t count,
    int64_t height,
    int64_t width,
    int32_t label,
    int32_t has_label,
    int64_t *run);

/// Adds the frames of a recording file as one new run (as sparsevar_dataset_add_run_u16 does
/// with the frames in memory), the format chosen by the extension: .npy (uint8, uint16, int16,
/// float32 or float64, either byte order, C order, shape count x height x width) or .tif/.tiff
/// (uncompressed grayscale pages, 8/16-bit unsigned, 16-bit signed, 32/64-bit float, strips or
/// tiles, classic or BigTIFF). Only regular files are read; the file is opened without blocking
/// (a FIFO or device gives SPARSEVAR_E_IO at once) and its header sizes are checked against its
/// length before anything is allocated. SPARSEVAR_E_IO when it cannot be opened or read,
/// SPARSEVAR_E_FORMAT for an unknown extension or a damaged or unsupported file,
/// SPARSEVAR_E_SHAPE when its frames are not of the dataset's raw size.
/// A TIFF stack whose pages interleave channels (ScanImage, ImageJ) gives
/// SPARSEVAR_E_INVALID_ARGUMENT: choose the channel with sparsevar_dataset_add_run_file_v2.
/// The run is named by `path` (sparsevar_dataset_get_run_name).
/// @param path  NUL-terminated path of the file.
/// @param run   receives the new run's id (may be NULL).
SPARSEVAR_API int32_t sparsevar_dataset_add_run_file(
    sparsevar_dataset *dataset, const char *path, int32_t label, int32_t has_label, int64_t *run);

/// As sparsevar_dataset_add_run_file, reading channel `channel` (1, 2, ...) of a TIFF stack
/// whose pages interleave several channels, as its ScanImage or ImageJ metadata states them
/// (frame f of channel c is page f * channels + c - 1). channel = 0: the file must hold one
/// channel (a multi-channel stack, or a ScanImage stack whose channel count its metadata does not
/// state, gives SPARSEVAR_E_INVALID_ARGUMENT naming the channels). A channel the file does not
/// have gives SPARSEVAR_E_INVALID_ARGUMENT; a .npy file holds channel 1 only.
/// @param channel  1-based channel, or 0 for a single-channel file.
SPARSEVAR_API int32_t sparsevar_dataset_add_run_file_v2(
    sparsevar_dataset *dataset,
    const char *path,
    int64_t channel,
    int32_t label,
    int32_t has_label,
    int64_t *run);

/// Frame sizes (any pointer may be NULL): the raw size given at creation, and the size frames
/// are stored and used at after crop and downscale (the frame size of a model trained on them).
SPARSEVAR_API int32_t sparsevar_dataset_shape(
    const sparsevar_dataset *dataset,
    int64_t *input_height,
    int64_t *input_width,
    int64_t *height,
    int64_t *width);

/// Number of runs (including runs without frames) and of frames over all runs (either pointer
/// may be NULL).
SPARSEVAR_API int32_t sparsevar_dataset_size(
    const sparsevar_dataset *dataset, int64_t *n_runs, int64_t *n_frames);

/// Number of frames in run `run`.
SPARSEVAR_API int32_t sparsevar_dataset_frame_count(
    const sparsevar_dataset *dataset, int64_t run, int64_t *count);

/// Bytes held for frame data: n_frames * height * width * b + 8 * height * width, with the
/// stored height and width, b = 2 while every frame given was UInt16 and 4 once any float or
/// double frame was given, and the second term the running sum of the mean frame. Not counted:
/// per-run bookkeeping and the spare capacity of streamed runs (whose storage grows
/// geometrically, up to about twice their size; whole runs are allocated exactly).
SPARSEVAR_API int32_t sparsevar_dataset_memory_bytes(
    const sparsevar_dataset *dataset, int64_t *bytes);

/// The global minimum and maximum over all stored pixels, in raw units: the normalisation
/// x = (v - min) / (max - min) (either pointer may be NULL). SPARSEVAR_E_NOT_FITTED while the
/// dataset holds no frame.
SPARSEVAR_API int32_t sparsevar_dataset_range(
    const sparsevar_dataset *dataset, double *minimum, double *maximum);

/// Reads run `run`'s group label: *has_label = 1 and *label the label, or *has_label = 0 and
/// *label = 0 for an unlabelled run (either pointer may be NULL).
SPARSEVAR_API int32_t sparsevar_dataset_get_label(
    const sparsevar_dataset *dataset, int64_t run, int32_t *label, int32_t *has_label);

/// Sets run `run`'s group label (has_label = 1) or makes it unlabelled (has_label = 0). A model
/// sees the labels the dataset has when sparsevar_autoencoder_analyze runs.
SPARSEVAR_API int32_t sparsevar_dataset_set_label(
    sparsevar_dataset *dataset, int64_t run, int32_t label, int32_t has_label);

/// Writes the mean frame xbar over all frames of all runs, in normalised units (values in
/// [0, 1]; height x width stored pixels, row-major; len >= height * width).
/// SPARSEVAR_E_NOT_FITTED for a dataset without frames, SPARSEVAR_E_NUMERICAL for a constant one.
SPARSEVAR_API int32_t sparsevar_dataset_mean_frame(
    const sparsevar_dataset *dataset, float *out, int64_t len);

/// Writes frames first ..< first + count of run `run` as the model sees them: cropped,
/// downscaled and normalised to [0, 1] (count x height x width stored pixels, row-major;
/// len >= count * height * width). Such frames are what sparsevar_autoencoder_encode_f32 takes.
SPARSEVAR_API int32_t sparsevar_dataset_frames(
    const sparsevar_dataset *dataset,
    int64_t run,
    int64_t first,
    int64_t count,
    float *out,
    int64_t len);

/* ==============================================================================================
 * Autoencoder (Sources/CSparseVAR/Autoencoder.swift)
 *
 * C API of the whole model, the sparsevar_autoencoder handle (docs/method.md): a convolutional
 * autoencoder whose latent dynamics are a sparse VAR, trained on a sparsevar_dataset; after
 * training every run of a dataset is analysed (its latents and its own VAR), the runs' VARs are
 * compared between groups (swap and influence tests) and shown as contribution maps; models are
 * saved to and loaded from files.
 *
 * Life of a model: create it for the frame size after preprocessing, set parameters (by enum,
 * zstd style), train it (as often as wanted: each call runs SPARSEVAR_AUTOENCODER_PARAM_EPOCHS
 * more epochs), analyse a dataset, then query runs, tests and maps, or save it. The network is
 * built from the architecture parameters when first needed; once the model has been trained (or
 * was loaded) its architecture is fixed. Frames given to a model are normalised to [0, 1] and of
 * the size after preprocessing, as sparsevar_dataset_frames returns them.
 * ============================================================================================== */

/// Creates an untrained model with default parameters for frames of height x width pixels (the
/// size after preprocessing: sparsevar_dataset_shape's height and width). Both must be
/// multiples of 2^depth, which is checked when the network is built (at the first training, or
/// by sparsevar_autoencoder_latent_shape), since depth may still change; so is memory: a network whose
/// parameters and smallest training step cannot be allocated gives SPARSEVAR_E_NO_MEMORY then.
/// @param out     receives the handle (NULL on failure); free it with sparsevar_autoencoder_free.
/// @param height  frame height in [1, 65536].
/// @param width   frame width in [1, 65536].
SPARSEVAR_API int32_t sparsevar_autoencoder_create(
    sparsevar_autoencoder **out, int64_t height, int64_t width);

/// Frees a model. NULL is a no-op.
SPARSEVAR_API void sparsevar_autoencoder_free(sparsevar_autoencoder *autoencoder);

/// Sets one parameter (a sparsevar_autoencoder_param value). Integer parameters must be given whole
/// numbers. An architecture parameter of a trained or loaded model can only be set to its current
/// value.
SPARSEVAR_API int32_t sparsevar_autoencoder_set_param(
    sparsevar_autoencoder *autoencoder, int32_t param, double value);

/// Reads one parameter's current value.
SPARSEVAR_API int32_t sparsevar_autoencoder_get_param(
    const sparsevar_autoencoder *autoencoder, int32_t param, double *value);

/// Lower and upper bound and default of a model parameter. Bounds are inclusive, except an upper
/// bound of +inf, which means "any finite value", and the learning rate's lower bound 0, which is
/// excluded. Any output pointer may be NULL. Always thread-safe.
SPARSEVAR_API int32_t sparsevar_autoencoder_param_bounds(
    int32_t param, double *lower, double *upper, double *default_value);

/// Frame size the model was created for (either pointer may be NULL).
SPARSEVAR_API int32_t sparsevar_autoencoder_shape(
    const sparsevar_autoencoder *autoencoder, int64_t *height, int64_t *width);

/// Shape of the latent map z_t under the current architecture: latent_channels x
/// (height / 2^depth) x (width / 2^depth), K = the product (any pointer may be NULL).
/// SPARSEVAR_E_SHAPE when the frame size is not a multiple of 2^depth. Builds the network.
/// SPARSEVAR_E_NOT_FITTED while the depth is automatic (0, the default) and the model has not
/// been trained: the depth is chosen from the first training's dataset.
SPARSEVAR_API int32_t sparsevar_autoencoder_latent_shape(
    sparsevar_autoencoder *autoencoder, int64_t *channels, int64_t *height, int64_t *width);

/// Training state (either pointer may be NULL): *trained = 1 once the model has been trained on
/// at least one window (or was loaded), and the number of whole epochs completed over all
/// sparsevar_autoencoder_train calls (an interrupted epoch does not count).
SPARSEVAR_API int32_t sparsevar_autoencoder_training_state(
    const sparsevar_autoencoder *autoencoder, int32_t *trained, int64_t *epochs_completed);

/// Trains the model for SPARSEVAR_AUTOENCODER_PARAM_EPOCHS epochs on every window of the dataset's
/// runs (Adam, window order shuffled every epoch). The dataset's frames must have the model's
/// size after preprocessing (SPARSEVAR_E_SHAPE otherwise). The first call builds the network;
/// the mean frame xbar is taken from the dataset as long as no epoch has been completed, and kept
/// afterwards. Later calls continue from the weights reached so far, on the same or another
/// dataset. An existing analysis is kept but describes the network as it was: call
/// sparsevar_autoencoder_analyze again. The dataset is only read: several models may train on one
/// dataset at the same time, provided nothing adds frames to it meanwhile.
/// Errors found before training starts (sizes, parameters: window >= lag + 2, a dataset without
/// a window of lag + 2 frames) leave the model unchanged. Stopping by the callback returns
/// SPARSEVAR_E_INTERRUPTED and leaves a resumable state: the weight updates of the windows
/// trained so far are kept, whole epochs completed are counted (sparsevar_autoencoder_training_state),
/// and the next call starts a new epoch (the interrupted one's windows are trained again). A
/// numerical failure in the middle of training (such as a VAR fit on constant latents) leaves
/// the same state.
/// @param progress  optional; called on the calling thread after every window as
///                  progress(epoch, epochs, window, windows, loss, user): the 0-based indices of
///                  the epoch (of this call) and of the window (in the epoch's shuffled order)
///                  just trained on, their totals, and that window's loss L_rec; returning
///                  non-zero stops training.
/// @param user      passed to progress as is.
SPARSEVAR_API int32_t sparsevar_autoencoder_train(
    sparsevar_autoencoder *autoencoder,
    const sparsevar_dataset *dataset,
    int32_t (*progress)(int64_t, int64_t, int64_t, int64_t, double, void *),
    void *user);

/// Analyses every run of a dataset with the trained model: encodes it in inference mode, fits
/// its own VAR on the whole run (with the current lag, lambda and eps_gamma) and measures L_rec
/// and R_var; records each run's label as the dataset has it now. Replaces any previous
/// analysis; on failure or when stopped the previous analysis is kept. Every run needs at least
/// lag + 2 frames.
/// @param progress  optional; called on the calling thread with (runs done, runs, user) after each
///                  run; returning non-zero stops (SPARSEVAR_E_INTERRUPTED).
/// @param user      passed to progress as is.
SPARSEVAR_API int32_t sparsevar_autoencoder_analyze(
    sparsevar_autoencoder *autoencoder,
    const sparsevar_dataset *dataset,
    int32_t (*progress)(int64_t, int64_t, void *),
    void *user);

/// Size of the analysis (any pointer may be NULL): number of analysed runs, latent size K and
/// the VARs' lag p. SPARSEVAR_E_NOT_FITTED before sparsevar_autoencoder_analyze.
SPARSEVAR_API int32_t sparsevar_autoencoder_analysis_shape(
    const sparsevar_autoencoder *autoencoder, int64_t *n_runs, int64_t *k, int64_t *p);

/// Number of frames T of analysed run `run` (the rows of its latents).
SPARSEVAR_API int32_t sparsevar_autoencoder_run_length(
    const sparsevar_autoencoder *autoencoder, int64_t run, int64_t *t);

/// Writes analysed run `run`'s VAR coefficients, p x K x K: out[(lag - 1) * K * K + j * K + l] =
/// A_lag[j, l], the effect of latent l at time t - lag on latent j at time t. len >= p * K * K.
SPARSEVAR_API int32_t sparsevar_autoencoder_run_coef(
    const sparsevar_autoencoder *autoencoder, int64_t run, double *out, int64_t len);

/// Metrics of analysed run `run` (either pointer may be NULL): L_rec, the mean over
/// t = p+1..T and pixels of (x_t - xhat_t)^2 (xhat decoded from the VAR's forecast, or from z_t
/// itself for a model trained in the sequential mode; normalised units), and R_var, the mean over
/// t = p+1..T of ||z_t - zhat_t||^2 / ||z_t||^2.
SPARSEVAR_API int32_t sparsevar_autoencoder_run_metrics(
    const sparsevar_autoencoder *autoencoder, int64_t run, double *l_rec, double *r_var);

/// Writes analysed run `run`'s latents z, T x K row-major (out[t * K + l]); len >= T * K.
SPARSEVAR_API int32_t sparsevar_autoencoder_run_latents(
    const sparsevar_autoencoder *autoencoder, int64_t run, double *out, int64_t len);

/// Writes analysed run `run`'s latent mean (K values): the temporal mean removed from its latents
/// before its VAR was fitted (SPARSEVAR_AUTOENCODER_PARAM_INTERCEPT = SPARSEVAR_INTERCEPT_SERIES_MEAN),
/// all zero with SPARSEVAR_INTERCEPT_NONE. Its forecasts are
/// zhat_t = mean + sum over lags of A_lag (z_{t-lag} - mean).
SPARSEVAR_API int32_t sparsevar_autoencoder_run_latent_mean(
    const sparsevar_autoencoder *autoencoder, int64_t run, double *out, int64_t len);

/// Writes analysed run `run`'s influence vector (K values): c_l = sum over lags and j != l of
/// |A_lag[j, l]|, the total outflow of latent l.
SPARSEVAR_API int32_t sparsevar_autoencoder_run_influence(
    const sparsevar_autoencoder *autoencoder, int64_t run, double *out, int64_t len);

/// Analysed run `run`'s group label as the dataset had it at the analysis: *has_label = 1 and
/// *label, or *has_label = 0 and *label = 0 (either pointer may be NULL).
SPARSEVAR_API int32_t sparsevar_autoencoder_run_label(
    const sparsevar_autoencoder *autoencoder, int64_t run, int32_t *label, int32_t *has_label);

/// Coefficient-swap test between the analysed runs labelled label_a and label_b (as
/// sparsevar_swap_test, on the runs' latents and VARs; test parameters from the
/// SPARSEVAR_AUTOENCODER_PARAM_TEST_* parameters). The result's matrix covers all analysed runs. Base
/// a verdict on the permutation p-value (sparsevar_test_result_permutation), which relabels
/// whole runs, and check its smallest attainable value for the group sizes.
/// @param out  receives the result (NULL on failure); free it with sparsevar_test_result_free.
SPARSEVAR_API int32_t sparsevar_autoencoder_swap_test(
    sparsevar_test_result **out,
    const sparsevar_autoencoder *autoencoder,
    int32_t label_a,
    int32_t label_b);

/// Influence-distance test between the analysed runs labelled label_a and label_b (as
/// sparsevar_influence_test).
/// @param out  receives the result (NULL on failure); free it with sparsevar_test_result_free.
SPARSEVAR_API int32_t sparsevar_autoencoder_influence_test(
    sparsevar_test_result **out,
    const sparsevar_autoencoder *autoencoder,
    int32_t label_a,
    int32_t label_b);

/// Writes the contribution map of analysed run `run`, height x width row-major (len >= height *
/// width), read out as SPARSEVAR_AUTOENCODER_PARAM_MAP_READOUT says. Latent grid (default): pixel p
/// gets gain * sum_k c[k, cell(p)] * w[p], with c the run's influence vector and w[p] p's temporal
/// standard deviation relative to its run's mean, averaged over the analysed runs. Decoder (the
/// paper's): Omega = (f_dec(gain * unvec(c)) + 1) * xbar (without the skip connection:
/// f_dec(gain * unvec(c))), in normalised image units; the decoder runs in inference mode with
/// the unpooling indices of the encoding of the run's per-pixel temporal standard deviation
/// image (recorded at the analysis). gain is gamma_viz (finite; 1 is a neutral choice).
SPARSEVAR_API int32_t sparsevar_autoencoder_contribution_map(
    sparsevar_autoencoder *autoencoder, int64_t run, double gain, float *out, int64_t len);

/// Writes the mean contribution map of the analysed runs labelled `label` (height x width).
SPARSEVAR_API int32_t sparsevar_autoencoder_group_map(
    sparsevar_autoencoder *autoencoder, int32_t label, double gain, float *out, int64_t len);

/// Writes the difference map: group map of label_a minus group map of label_b (height x width).
SPARSEVAR_API int32_t sparsevar_autoencoder_difference_map(
    sparsevar_autoencoder *autoencoder,
    int32_t label_a,
    int32_t label_b,
    double gain,
    float *out,
    int64_t len);

/// Encodes count frames (count x height x width row-major, the model's frame size, normalised to
/// [0, 1] as sparsevar_dataset_frames gives them) with the trained encoder in inference mode,
/// and writes their latents, count x K row-major (len >= count * K).
SPARSEVAR_API int32_t sparsevar_autoencoder_encode_f32(
    sparsevar_autoencoder *autoencoder,
    const float *frames,
    int64_t count,
    int64_t height,
    int64_t width,
    double *out,
    int64_t len);

/// As sparsevar_autoencoder_encode_f32 for double frames (rounded to float: the network runs in single
/// precision).
SPARSEVAR_API int32_t sparsevar_autoencoder_encode_f64(
    sparsevar_autoencoder *autoencoder,
    const double *frames,
    int64_t count,
    int64_t height,
    int64_t width,
    double *out,
    int64_t len);

/// Saves the trained model to a file at `path` (replaced if it exists; written to a new
/// temporary file in the same directory, created exclusively under a random name without
/// following links, fsynced and renamed into place, then the directory fsynced, so concurrent
/// saves to one path both succeed and a crash leaves the old or the new file whole): architecture, frame size, the parameters other than
/// the SPARSEVAR_AUTOENCODER_PARAM_TEST_* ones, epochs completed, mean frame, weights, batch norm
/// statistics and the analysis. Adam's moments are not saved (training a loaded model restarts
/// them). SPARSEVAR_E_NOT_FITTED for an untrained model, SPARSEVAR_E_IO when the file cannot be
/// written; window must be >= lag + 2 (a model file holds valid training parameters).
SPARSEVAR_API int32_t sparsevar_autoencoder_save(
    const sparsevar_autoencoder *autoencoder, const char *path);

/// Loads a model saved by sparsevar_autoencoder_save. The loaded model is trained: its architecture is
/// fixed; its test parameters are the defaults. SPARSEVAR_E_IO when the file cannot be read or
/// is not a regular file (it is opened without blocking: a FIFO fails at once),
/// SPARSEVAR_E_FORMAT when it is not an intact sparsevar model file of a version this library
/// reads, declares sizes its length cannot hold (checked before anything is allocated), or holds
/// NaN, infinite or absurd values or a mask of the wrong length.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_autoencoder_free.
SPARSEVAR_API int32_t sparsevar_autoencoder_load(sparsevar_autoencoder **out, const char *path);

/* ==============================================================================================
 * Synthetic (Sources/CSparseVAR/Synthetic.swift)
 *
 * C API of the built-in synthetic two-photon experiment: runs of UInt16 frames in two
 * conditions (0 = familiar F, 1 = novel N) and the ground-truth mask of where the dynamics differ.
 * ============================================================================================== */

/// Creates the synthetic experiment of `preset` with `seed` (the same seed gives bit-identical
/// frames). Frames are generated on demand by sparsevar_synthetic_frames.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_synthetic_free.
SPARSEVAR_API int32_t sparsevar_synthetic_create(
    sparsevar_synthetic **out, int32_t preset, int64_t seed);

/// Creates the synthetic experiment of `preset` with `seed`, with n_params options changed:
/// params[i] (a sparsevar_synthetic_param value) is set to values[i], in order. n_params = 0
/// (params and values may then be NULL) is sparsevar_synthetic_create.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_synthetic_free.
SPARSEVAR_API int32_t sparsevar_synthetic_create_with(
    sparsevar_synthetic **out,
    int32_t preset,
    int64_t seed,
    const int32_t *params,
    const double *values,
    int64_t n_params);

/// Frees a synthetic experiment. NULL is a no-op.
SPARSEVAR_API void sparsevar_synthetic_free(sparsevar_synthetic *synthetic);

/// Number of runs and the raw frame size (any pointer may be NULL), and the preprocessing the
/// pipeline should apply (crop height/width, 0 = none, and downscale factor).
SPARSEVAR_API int32_t sparsevar_synthetic_shape(
    const sparsevar_synthetic *synthetic,
    int64_t *n_runs,
    int64_t *height,
    int64_t *width,
    int64_t *crop_height,
    int64_t *crop_width,
    int64_t *downscale);

/// Number of frames of run `run` and its condition label (0 = F, 1 = N); either may be NULL.
SPARSEVAR_API int32_t sparsevar_synthetic_run(
    const sparsevar_synthetic *synthetic, int64_t run, int64_t *n_frames, int32_t *label);

/// Generates frames first ..< first + count of run `run` into out (count x height x width
/// UInt16 values, row-major).
SPARSEVAR_API int32_t sparsevar_synthetic_frames(
    const sparsevar_synthetic *synthetic,
    int64_t run,
    int64_t first,
    int64_t count,
    uint16_t *out,
    int64_t len);

/// Writes the ground truth: height x width floats in [0, 1], 1 on the somata of the neurons of the
/// assemblies whose coupling differs between F and N (raw resolution, before preprocessing).
SPARSEVAR_API int32_t sparsevar_synthetic_ground_truth(
    const sparsevar_synthetic *synthetic, float *out, int64_t len);

/* ==============================================================================================
 * Names (Sources/CSparseVAR/Names.swift)
 *
 * C API of run and condition names: a dataset names its runs (their source files) and the
 * conditions its group labels stand for; a model analysing the dataset keeps both, and saves
 * them in its file, so tables and figures show "F vs N" and file names instead of numbers.
 * Names are NUL-terminated UTF-8 of at most 4096 bytes. A name is read into a caller's buffer:
 * out = NULL with len = 0 asks for its length only.
 * ============================================================================================== */

/// Names run `run` of a dataset (its source file, say), or clears its name (name = NULL). Runs
/// added by sparsevar_dataset_add_run_file(_v2) are named by their path.
/// SPARSEVAR_E_INVALID_ARGUMENT for an unknown run, invalid UTF-8 or more than 4096 bytes.
SPARSEVAR_API int32_t sparsevar_dataset_set_run_name(
    sparsevar_dataset *dataset, int64_t run, const char *name);

/// Reads run `run`'s name into out (len bytes, NUL-terminated; SPARSEVAR_E_BUFFER_TOO_SMALL when
/// it does not fit). *length receives its length in bytes without the NUL, or -1 for an unnamed
/// run (may be NULL). out = NULL with len = 0 only reads the length.
SPARSEVAR_API int32_t sparsevar_dataset_get_run_name(
    const sparsevar_dataset *dataset, int64_t run, char *out, int64_t len, int64_t *length);

/// Names the condition of group label `label` (e.g. "F"), or clears its name (name = NULL).
/// SPARSEVAR_E_INVALID_ARGUMENT for invalid UTF-8, more than 4096 bytes, or a name another label
/// has.
SPARSEVAR_API int32_t sparsevar_dataset_set_condition_name(
    sparsevar_dataset *dataset, int32_t label, const char *name);

/// Reads the name of group label `label` in the dataset, as sparsevar_dataset_get_run_name
/// (*length = -1 when the label has no name).
SPARSEVAR_API int32_t sparsevar_dataset_get_condition_name(
    const sparsevar_dataset *dataset, int32_t label, char *out, int64_t len, int64_t *length);

/// Reads analysed run `run`'s name (as the dataset had it at sparsevar_autoencoder_analyze, kept in
/// the model's file), as sparsevar_dataset_get_run_name. SPARSEVAR_E_NOT_FITTED before analysis.
SPARSEVAR_API int32_t sparsevar_autoencoder_run_name(
    const sparsevar_autoencoder *autoencoder, int64_t run, char *out, int64_t len, int64_t *length);

/// Reads the name of group label `label` (as the dataset had it at sparsevar_autoencoder_analyze, kept
/// in the model's file), as sparsevar_dataset_get_run_name. SPARSEVAR_E_NOT_FITTED before
/// analysis.
SPARSEVAR_API int32_t sparsevar_autoencoder_condition_name(
    const sparsevar_autoencoder *autoencoder,
    int32_t label,
    char *out,
    int64_t len,
    int64_t *length);

/* ==============================================================================================
 * Settings (Sources/CSparseVAR/Settings.swift)
 *
 * The set/get/bounds calls of every handle with parameters, as loops over the core's parameter
 * tables (SparseVAROptions, GroupTestSettings, SparseVARNetworkSettings), and the tables
 * themselves as JSON (sparsevar_param_table), from which scripts/generate_header.py writes the
 * header's parameter constants and the Python binding builds its parameters.
 * ============================================================================================== */

/// Writes the parameter tables of the sparse VAR, the group tests and the model as JSON
/// (UTF-8, NUL-terminated) into out (len bytes; SPARSEVAR_E_BUFFER_TOO_SMALL when it does not
/// fit), and its length in bytes without the NUL into *length (may be NULL); out = NULL with
/// len = 0 only reads the length. The object has the keys "var", "test" and "autoencoder", each
/// {"type", "prefix", "setter", "doc", "parameters"}; every parameter is {"id", "name",
/// "constant", "kind" ("integer", "real", "flag" or "choice"), "lower", "upper" (null = no upper
/// bound), "lower_exclusive", "default", "options" (a choice's option names, the option at index
/// i being the value i), "architecture", "doc"}. The header's parameter constants are generated
/// from it, and bindings can build their parameter lists from it.
SPARSEVAR_API int32_t sparsevar_param_table(char *out, int64_t len, int64_t *length);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SPARSEVAR_H */
