//===--- Autoencoder.swift ------------------------------------------------===//
//
// C API of the whole model, the sparsevar_autoencoder handle (docs/method.md): a convolutional
// autoencoder whose latent dynamics are a sparse VAR, trained on a sparsevar_dataset; after
// training every run of a dataset is analysed (its latents and its own VAR), the runs' VARs are
// compared between groups (swap and influence tests) and shown as contribution maps; models are
// saved to and loaded from files.
//
// Life of a model: create it for the frame size after preprocessing, set parameters (by enum,
// zstd style), train it (as often as wanted: each call runs SPARSEVAR_AUTOENCODER_PARAM_EPOCHS
// more epochs), analyse a dataset, then query runs, tests and maps, or save it. The network is
// built from the architecture parameters when first needed; once the model has been trained (or
// was loaded) its architecture is fixed. Frames given to a model are normalised to [0, 1] and of
// the size after preprocessing, as sparsevar_dataset_frames returns them.
//
//===----------------------------------------------------------------------===//

import SparseVAR
import _SparseVARHandles

/// How contribution maps are read out (parameter SPARSEVAR_AUTOENCODER_PARAM_MAP_READOUT).
@c(sparsevar_map_readout) public enum MapReadoutChoice: Int32 {
  /// Pixel p gets gain * sum over latent channels of the influence of the latent grid cell it lies
  /// in, times p's temporal standard deviation relative to its run's mean, averaged over the
  /// analysed runs (one weight for all runs, so a difference map is an influence difference).
  /// Keeps the grid's localisation; measured difference-map ROC AUC about 0.8-0.9 on the small
  /// synthetic preset against about 0.6 for the decoder.
  case latentGrid = 0
  /// The paper's: (f_dec(gain * c) + 1) * xbar, the influence decoded with the unpooling indices
  /// of the run's temporal standard deviation image.
  case decoder = 1
}

/// How the VAR takes part in training (parameter SPARSEVAR_AUTOENCODER_PARAM_TRAINING_MODE).
@c(sparsevar_training_mode) public enum TrainingModeChoice: Int32 {
  /// The autoencoder is trained alone (the decoder decodes every z_t); the VARs are fitted only
  /// in the analysis.
  case sequential = 0
  /// A VAR is fitted on every window in the forward pass and the decoder decodes its forecasts;
  /// its coefficients are constants in the backward pass.
  case embedded = 1
  /// As embedded, with gradients also through the lasso solutions
  /// (SPARSEVAR_AUTOENCODER_PARAM_LASSO_GRADIENT).
  case endToEnd = 2
}

/// A training progress callback: called after every window with the 0-based index of the epoch
/// (of this call) and of the window (in this epoch's order) just trained on, their totals, the
/// window's loss L_rec and the caller's user pointer. Return 0 to continue, non-zero to stop.
public typealias TrainingProgressCallback =
  @convention(c) (Int64, Int64, Int64, Int64, Double, UnsafeMutableRawPointer?) -> Int32

/// The object behind a sparsevar_autoencoder handle: the core's estimator, with its lifecycle.
typealias AutoencoderObject = SparseVARAutoencoder

extension SparseVARAutoencoder {
  /// Analysed run `run` (a C index).
  func run(_ run: Int64) throws -> RunAnalysis {
    guard let index = Int(exactly: run) else {
      throw ABIError(status: .invalidArgument, message: "unknown run \(run)")
    }
    return try self.run(index)
  }
}

func autoencoderObject(_ handle: UnsafePointer<sparsevar_autoencoder>?) throws -> AutoencoderObject {
  try object(handle, AutoencoderObject.self, "autoencoder")
}

/// Creates an untrained model with default parameters for frames of height x width pixels (the
/// size after preprocessing: sparsevar_dataset_shape's height and width). Both must be
/// multiples of 2^depth, which is checked when the network is built (at the first training, or
/// by sparsevar_autoencoder_latent_shape), since depth may still change; so is memory: a network whose
/// parameters and smallest training step cannot be allocated gives SPARSEVAR_E_NO_MEMORY then.
/// @param out     receives the handle (NULL on failure); free it with sparsevar_autoencoder_free.
/// @param height  frame height in [1, 65536].
/// @param width   frame width in [1, 65536].
@c public func sparsevar_autoencoder_create(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_autoencoder>?>?, _ height: Int64, _ width: Int64
) -> Int32 {
  out?.pointee = nil
  return guarded {
    let result = try require(out, "out")
    guard height >= 1, height <= 65536, width >= 1, width <= 65536 else {
      throw ABIError(
        status: .invalidArgument, message: "the frame size must be in [1, 65536] x [1, 65536], got \(height) x \(width)")
    }
    result.pointee = try retainHandle(AutoencoderObject(height: Int(height), width: Int(width)), as: sparsevar_autoencoder.self)
  }
}

/// Frees a model. NULL is a no-op.
@c public func sparsevar_autoencoder_free(_ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?) {
  release(autoencoder, AutoencoderObject.self)
}

/// Sets one parameter (a sparsevar_autoencoder_param value). Integer parameters must be given whole
/// numbers. An architecture parameter of a trained or loaded model can only be set to its current
/// value.
@c public func sparsevar_autoencoder_set_param(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ param: Int32, _ value: Double
) -> Int32 {
  guarded {
    let m = try autoencoderObject(autoencoder)
    var settings = m.settings
    let row = try autoencoderSettings.set(param, value, on: &settings)
    do {
      try m.update(settings)
    } catch SparseVARError.invalidArgument(let message) {
      throw ABIError(status: .invalidArgument, message: "\(autoencoderSettings.cName(row)): \(message)")
    }
  }
}

/// Reads one parameter's current value.
@c public func sparsevar_autoencoder_get_param(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ param: Int32, _ value: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    try autoencoderSettings.get(param, from: autoencoderObject(autoencoder).settings, to: value)
  }
}

/// Lower and upper bound and default of a model parameter. Bounds are inclusive, except an upper
/// bound of +inf, which means "any finite value", and the learning rate's lower bound 0, which is
/// excluded. Any output pointer may be NULL. Always thread-safe.
@c public func sparsevar_autoencoder_param_bounds(
  _ param: Int32, _ lower: UnsafeMutablePointer<Double>?, _ upper: UnsafeMutablePointer<Double>?,
  _ default_value: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    try autoencoderSettings.bounds(param, lower, upper, default_value)
  }
}

/// Frame size the model was created for (either pointer may be NULL).
@c public func sparsevar_autoencoder_shape(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ height: UnsafeMutablePointer<Int64>?,
  _ width: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let m = try autoencoderObject(autoencoder)
    height?.pointee = Int64(m.height)
    width?.pointee = Int64(m.width)
  }
}

/// Shape of the latent map z_t under the current architecture: latent_channels x
/// (height / 2^depth) x (width / 2^depth), K = the product (any pointer may be NULL).
/// SPARSEVAR_E_SHAPE when the frame size is not a multiple of 2^depth. Builds the network.
/// SPARSEVAR_E_NOT_FITTED while the depth is automatic (0, the default) and the model has not
/// been trained: the depth is chosen from the first training's dataset.
@c public func sparsevar_autoencoder_latent_shape(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ channels: UnsafeMutablePointer<Int64>?,
  _ height: UnsafeMutablePointer<Int64>?, _ width: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let s = try autoencoderObject(autoencoder).builtNetwork().network.latentShape
    channels?.pointee = Int64(s.channels)
    height?.pointee = Int64(s.height)
    width?.pointee = Int64(s.width)
  }
}

/// Training state (either pointer may be NULL): *trained = 1 once the model has been trained on
/// at least one window (or was loaded), and the number of whole epochs completed over all
/// sparsevar_autoencoder_train calls (an interrupted epoch does not count).
@c public func sparsevar_autoencoder_training_state(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ trained: UnsafeMutablePointer<Int32>?,
  _ epochs_completed: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let m = try autoencoderObject(autoencoder)
    trained?.pointee = m.isTrained ? 1 : 0
    epochs_completed?.pointee = Int64(m.network?.epochsCompleted ?? 0)
  }
}

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
@c public func sparsevar_autoencoder_train(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ dataset: UnsafePointer<sparsevar_dataset>?,
  _ progress: TrainingProgressCallback?, _ user: UnsafeMutableRawPointer?
) -> Int32 {
  guarded {
    let m = try autoencoderObject(autoencoder)
    let d = try datasetObject(dataset)
    try m.train(on: d) { report in
      guard let progress else { return true }
      return progress(
        Int64(report.epoch), Int64(report.epochs), Int64(report.window), Int64(report.windows), report.loss, user)
        == 0
    }
  }
}

/// Analyses every run of a dataset with the trained model: encodes it in inference mode, fits
/// its own VAR on the whole run (with the current lag, lambda and eps_gamma) and measures L_rec
/// and R_var; records each run's label as the dataset has it now. Replaces any previous
/// analysis; on failure or when stopped the previous analysis is kept. Every run needs at least
/// lag + 2 frames.
/// @param progress  optional; called on the calling thread with (runs done, runs, user) after each
///                  run; returning non-zero stops (SPARSEVAR_E_INTERRUPTED).
/// @param user      passed to progress as is.
@c public func sparsevar_autoencoder_analyze(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ dataset: UnsafePointer<sparsevar_dataset>?,
  _ progress: ProgressCallback?, _ user: UnsafeMutableRawPointer?
) -> Int32 {
  guarded {
    let m = try autoencoderObject(autoencoder)
    let d = try datasetObject(dataset)
    let net = try m.trainedNetwork()
    guard d.runCount > 0 else {
      throw ABIError(status: .invalidArgument, message: "the dataset has no runs to analyse")
    }
    let handler: ProgressHandler? = progress.map { callback in
      { done, total in callback(Int64(done), Int64(total), user) == 0 }
    }
    try net.analyze(d, progress: handler)
  }
}

/// Size of the analysis (any pointer may be NULL): number of analysed runs, latent size K and
/// the VARs' lag p. SPARSEVAR_E_NOT_FITTED before sparsevar_autoencoder_analyze.
@c public func sparsevar_autoencoder_analysis_shape(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ n_runs: UnsafeMutablePointer<Int64>?,
  _ k: UnsafeMutablePointer<Int64>?, _ p: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let runs = try autoencoderObject(autoencoder).analysedNetwork().runs
    n_runs?.pointee = Int64(runs.count)
    k?.pointee = Int64(runs[0].model.dimension)
    p?.pointee = Int64(runs[0].model.lag)
  }
}

/// Number of frames T of analysed run `run` (the rows of its latents).
@c public func sparsevar_autoencoder_run_length(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ run: Int64, _ t: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let r = try autoencoderObject(autoencoder).run(run)
    try require(t, "t").pointee = Int64(r.latents.length)
  }
}

/// Writes analysed run `run`'s VAR coefficients, p x K x K: out[(lag - 1) * K * K + j * K + l] =
/// A_lag[j, l], the effect of latent l at time t - lag on latent j at time t. len >= p * K * K.
@c public func sparsevar_autoencoder_run_coef(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ run: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  writeRunValues(autoencoder, run, out, len) { $0.model.coefficients }
}

/// Metrics of analysed run `run` (either pointer may be NULL): L_rec, the mean over
/// t = p+1..T and pixels of (x_t - xhat_t)^2 (xhat decoded from the VAR's forecast, or from z_t
/// itself for a model trained in the sequential mode; normalised units), and R_var, the mean over
/// t = p+1..T of ||z_t - zhat_t||^2 / ||z_t||^2.
@c public func sparsevar_autoencoder_run_metrics(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ run: Int64, _ l_rec: UnsafeMutablePointer<Double>?,
  _ r_var: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    let r = try autoencoderObject(autoencoder).run(run)
    l_rec?.pointee = r.reconstructionError
    r_var?.pointee = r.relativeError
  }
}

/// Writes analysed run `run`'s latents z, T x K row-major (out[t * K + l]); len >= T * K.
@c public func sparsevar_autoencoder_run_latents(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ run: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  writeRunValues(autoencoder, run, out, len) { $0.latents.values }
}

/// Writes analysed run `run`'s latent mean (K values): the temporal mean removed from its latents
/// before its VAR was fitted (SPARSEVAR_AUTOENCODER_PARAM_INTERCEPT = SPARSEVAR_INTERCEPT_SERIES_MEAN),
/// all zero with SPARSEVAR_INTERCEPT_NONE. Its forecasts are
/// zhat_t = mean + sum over lags of A_lag (z_{t-lag} - mean).
@c public func sparsevar_autoencoder_run_latent_mean(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ run: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  writeRunValues(autoencoder, run, out, len) { $0.latentMean }
}

/// Writes analysed run `run`'s influence vector (K values): c_l = sum over lags and j != l of
/// |A_lag[j, l]|, the total outflow of latent l.
@c public func sparsevar_autoencoder_run_influence(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ run: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  writeRunValues(autoencoder, run, out, len) { $0.model.influence }
}

/// The shared body of the run getters that fill a caller's buffer: validates the model and the
/// run, then writes `values` of the run (SPARSEVAR_E_BUFFER_TOO_SMALL when len is short).
func writeRunValues(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ run: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64,
  _ values: (RunAnalysis) -> [Double]
) -> Int32 {
  guarded { try write(values(try autoencoderObject(autoencoder).run(run)), to: out, capacity: len, "out") }
}

/// Analysed run `run`'s group label as the dataset had it at the analysis: *has_label = 1 and
/// *label, or *has_label = 0 and *label = 0 (either pointer may be NULL).
@c public func sparsevar_autoencoder_run_label(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ run: Int64, _ label: UnsafeMutablePointer<Int32>?,
  _ has_label: UnsafeMutablePointer<Int32>?
) -> Int32 {
  guarded {
    let r = try autoencoderObject(autoencoder).run(run)
    label?.pointee = r.label ?? 0
    has_label?.pointee = r.label == nil ? 0 : 1
  }
}

/// Coefficient-swap test between the analysed runs labelled label_a and label_b (as
/// sparsevar_swap_test, on the runs' latents and VARs; test parameters from the
/// SPARSEVAR_AUTOENCODER_PARAM_TEST_* parameters). The result's matrix covers all analysed runs. Base
/// a verdict on the permutation p-value (sparsevar_test_result_permutation), which relabels
/// whole runs, and check its smallest attainable value for the group sizes.
/// @param out  receives the result (NULL on failure); free it with sparsevar_test_result_free.
@c public func sparsevar_autoencoder_swap_test(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_test_result>?>?,
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ label_a: Int32, _ label_b: Int32
) -> Int32 {
  testEntryPoint(out) {
    let m = try autoencoderObject(autoencoder)
    return try m.analysedNetwork().swapTest(label_a, label_b, options: m.settings.tests)
  }
}

/// Influence-distance test between the analysed runs labelled label_a and label_b (as
/// sparsevar_influence_test).
/// @param out  receives the result (NULL on failure); free it with sparsevar_test_result_free.
@c public func sparsevar_autoencoder_influence_test(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_test_result>?>?,
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ label_a: Int32, _ label_b: Int32
) -> Int32 {
  testEntryPoint(out) {
    let m = try autoencoderObject(autoencoder)
    return try m.analysedNetwork().influenceTest(label_a, label_b, options: m.settings.tests)
  }
}

/// Checks a map's gain and the capacity of its output buffer.
func mapBuffer(_ m: AutoencoderObject, _ gain: Double, _ out: UnsafeMutablePointer<Float>?, _ len: Int64) throws {
  guard gain.isFinite else {
    throw ABIError(status: .invalidArgument, message: "the gain must be finite, got \(gain)")
  }
  _ = try requireCapacity(out, len, needed: m.height * m.width, "out")
}

/// Writes the contribution map of analysed run `run`, height x width row-major (len >= height *
/// width), read out as SPARSEVAR_AUTOENCODER_PARAM_MAP_READOUT says. Latent grid (default): pixel p
/// gets gain * sum_k c[k, cell(p)] * w[p], with c the run's influence vector and w[p] p's temporal
/// standard deviation relative to its run's mean, averaged over the analysed runs. Decoder (the
/// paper's): Omega = (f_dec(gain * unvec(c)) + 1) * xbar (without the skip connection:
/// f_dec(gain * unvec(c))), in normalised image units; the decoder runs in inference mode with
/// the unpooling indices of the encoding of the run's per-pixel temporal standard deviation
/// image (recorded at the analysis). gain is gamma_viz (finite; 1 is a neutral choice).
@c public func sparsevar_autoencoder_contribution_map(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ run: Int64, _ gain: Double,
  _ out: UnsafeMutablePointer<Float>?, _ len: Int64
) -> Int32 {
  guarded {
    let m = try autoencoderObject(autoencoder)
    _ = try m.run(run)
    try mapBuffer(m, gain, out, len)
    try write(try m.analysedNetwork().contributionMap(run: Int(run), gain: gain, readout: m.settings.mapReadout), to: out, capacity: len, "out")
  }
}

/// Writes the mean contribution map of the analysed runs labelled `label` (height x width).
@c public func sparsevar_autoencoder_group_map(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ label: Int32, _ gain: Double,
  _ out: UnsafeMutablePointer<Float>?, _ len: Int64
) -> Int32 {
  guarded {
    let m = try autoencoderObject(autoencoder)
    let net = try m.analysedNetwork()
    try mapBuffer(m, gain, out, len)
    try write(try net.groupMap(label, gain: gain, readout: m.settings.mapReadout), to: out, capacity: len, "out")
  }
}

/// Writes the difference map: group map of label_a minus group map of label_b (height x width).
@c public func sparsevar_autoencoder_difference_map(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ label_a: Int32, _ label_b: Int32, _ gain: Double,
  _ out: UnsafeMutablePointer<Float>?, _ len: Int64
) -> Int32 {
  guarded {
    let m = try autoencoderObject(autoencoder)
    let net = try m.analysedNetwork()
    guard label_a != label_b else {
      throw ABIError(status: .invalidArgument, message: "the two group labels are the same (\(label_a))")
    }
    try mapBuffer(m, gain, out, len)
    try write(try net.differenceMap(label_a, label_b, gain: gain, readout: m.settings.mapReadout), to: out, capacity: len, "out")
  }
}

/// The number of values count * height * width of a frames argument.
func frameCount(_ count: Int64, _ height: Int64, _ width: Int64) throws -> Int {
  try elementCount(
    try size(count, "count"), try size(height, "height"), try size(width, "width"),
    what: "the frames (count x height x width)")
}

/// A float copy of the count x height x width frames at `frames`.
func copyFrames<T>(
  _ frames: UnsafePointer<T>?, _ count: Int64, _ height: Int64, _ width: Int64, _ convert: (T) -> Float
) throws -> [Float] {
  let n = try frameCount(count, height, width)
  if n == 0 { return [] }
  try reserveMemory(n, of: Float.self, what: "a copy of the frames")
  return UnsafeBufferPointer(start: try require(frames, "frames"), count: n).map(convert)
}

func encodeFrames(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ frames: () throws -> [Float], _ count: Int64,
  _ height: Int64, _ width: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) throws {
  let m = try autoencoderObject(autoencoder)
  let net = try m.trainedNetwork()
  guard count >= 0 else {
    throw ABIError(status: .invalidArgument, message: "the frame count must be >= 0, got \(count)")
  }
  guard height == Int64(m.height), width == Int64(m.width) else {
    throw ABIError(
      status: .shape,
      message: "the frames are \(height) x \(width) but the model takes frames of \(m.height) x \(m.width) "
        + "(the size after preprocessing)")
  }
  let n = try size(count, "count")
  _ = try requireCapacity(out, len, needed: try elementCount(n, net.network.latentSize, what: "the latents (count x K)"), "out")
  let values = try frames()
  guard values.allSatisfy({ $0.isFinite }) else {
    throw ABIError(status: .nonFinite, message: "the frames contain NaN or infinity")
  }
  let latents = try net.encodeLatents(values, count: n)
  try write(latents, to: out, capacity: len, "out")
}

/// Encodes count frames (count x height x width row-major, the model's frame size, normalised to
/// [0, 1] as sparsevar_dataset_frames gives them) with the trained encoder in inference mode,
/// and writes their latents, count x K row-major (len >= count * K).
@c public func sparsevar_autoencoder_encode_f32(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ frames: UnsafePointer<Float>?, _ count: Int64,
  _ height: Int64, _ width: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded { try encodeFrames(autoencoder, { try copyFrames(frames, count, height, width) { $0 } }, count, height, width, out, len) }
}

/// As sparsevar_autoencoder_encode_f32 for double frames (rounded to float: the network runs in single
/// precision).
@c public func sparsevar_autoencoder_encode_f64(
  _ autoencoder: UnsafeMutablePointer<sparsevar_autoencoder>?, _ frames: UnsafePointer<Double>?, _ count: Int64,
  _ height: Int64, _ width: Int64, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    try encodeFrames(autoencoder, { try copyFrames(frames, count, height, width) { Float($0) } }, count, height, width, out, len)
  }
}

/// Saves the trained model to a file at `path` (replaced if it exists; written to a new
/// temporary file in the same directory, created exclusively under a random name without
/// following links, fsynced and renamed into place, then the directory fsynced, so concurrent
/// saves to one path both succeed and a crash leaves the old or the new file whole): architecture, frame size, the parameters other than
/// the SPARSEVAR_AUTOENCODER_PARAM_TEST_* ones, epochs completed, mean frame, weights, batch norm
/// statistics and the analysis. Adam's moments are not saved (training a loaded model restarts
/// them). SPARSEVAR_E_NOT_FITTED for an untrained model, SPARSEVAR_E_IO when the file cannot be
/// written; window must be >= lag + 2 (a model file holds valid training parameters).
@c public func sparsevar_autoencoder_save(_ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ path: UnsafePointer<CChar>?) -> Int32 {
  guarded {
    let m = try autoencoderObject(autoencoder)
    let file = String(cString: try require(path, "path"))
    let net = try m.trainedNetwork()
    let o = m.settings.training
    guard o.window >= o.varOptions.lag + 2 else {
      throw ABIError(
        status: .invalidArgument,
        message: "the window of \(o.window) frames is too short for a VAR of lag \(o.varOptions.lag) (it needs at "
          + "least lag + 2): a model file holds valid training parameters")
    }
    try net.save(to: file)
  }
}

/// Loads a model saved by sparsevar_autoencoder_save. The loaded model is trained: its architecture is
/// fixed; its test parameters are the defaults. SPARSEVAR_E_IO when the file cannot be read or
/// is not a regular file (it is opened without blocking: a FIFO fails at once),
/// SPARSEVAR_E_FORMAT when it is not an intact sparsevar model file of a version this library
/// reads, declares sizes its length cannot hold (checked before anything is allocated), or holds
/// NaN, infinite or absurd values or a mask of the wrong length.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_autoencoder_free.
@c public func sparsevar_autoencoder_load(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_autoencoder>?>?, _ path: UnsafePointer<CChar>?
) -> Int32 {
  out?.pointee = nil
  return guarded {
    let result = try require(out, "out")
    let file = String(cString: try require(path, "path"))
    let net = try SparseVARNetwork.load(from: file)
    result.pointee = try retainHandle(AutoencoderObject(trained: net), as: sparsevar_autoencoder.self)
  }
}
