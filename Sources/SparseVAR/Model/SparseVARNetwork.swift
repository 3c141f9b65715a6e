//===--- SparseVARNetwork.swift -------------------------------------------===//
//
// The whole model (docs/model.md): the autoencoder (Float), its training on a FrameDataset in one
// of the three modes, and what comes after training: every run encoded in inference mode, its
// own VAR fitted on the whole run (around its latents' mean, by default), L_rec and R_var per
// run, forecasts and reconstructions.
//
//===----------------------------------------------------------------------===//

/// Options of training. Defaults follow the paper (docs/method.md, docs/model.md).
public struct TrainingOptions: Sendable, Equatable {
  /// How the VAR takes part in training.
  public var mode: TrainingMode = .endToEnd(.implicit)
  /// The VAR: lag p, lambda, eps_gamma, intercept, mask, and `threads`, the worker threads of the
  /// whole model (network layers and VAR fits; 0 = all cores), used in training and after it.
  /// The intercept is `.seriesMean` by default: every VAR (each training window's, after training
  /// each run's) is fitted to latents minus their temporal mean, and forecasts add it back. A
  /// run's constant offset in latent space (its brightness, baseline, field of view) then enters
  /// neither its coefficients nor the group tests, and training optimises the forecasts the
  /// analysis uses. `.none` = the paper's literal fit on the raw latents; `.columns` is refused.
  public var varOptions: SparseVAROptions = {
    var options = SparseVAROptions()
    options.intercept = .seriesMean
    return options
  }()
  /// Adam's learning rate (default 3e-3, the measured recipe of `Recipe`; the paper's is 1e-3).
  public var learningRate: Double = 3e-3
  /// Passes over all windows by each `train` call (default 10, the measured recipe).
  public var epochs: Int = 10
  /// Frames per window (one mini-batch). Runs are cut into non-overlapping windows; a tail
  /// shorter than lag + 2 frames is dropped, a longer one is kept as a shorter window.
  public var window: Int = 64
  /// Seed of the window order (shuffled anew every epoch).
  public var seed: UInt64 = 0

  public init() {}

  func validate() throws {
    guard learningRate > 0, learningRate.isFinite else {
      throw SparseVARError.invalidArgument("the learning rate must be finite and > 0, got \(learningRate)")
    }
    guard epochs >= 0 else { throw SparseVARError.invalidArgument("epochs must be >= 0, got \(epochs)") }
    guard varOptions.lag >= 1, varOptions.lag <= window - 2 else {
      throw SparseVARError.invalidArgument(
        "a window of \(window) frames is too short for a VAR of lag \(varOptions.lag): it needs at least lag + 2")
    }
    try DifferentiableVAR.validate(varOptions)
  }
}

/// Where training is, reported after every window.
public struct TrainingProgress: Sendable, Equatable {
  /// 0-based epoch and window within it, and their totals.
  public var epoch: Int
  public var epochs: Int
  public var window: Int
  public var windows: Int
  /// L_rec of the window just trained on.
  public var loss: Double
}

/// One run after training: its latents, its own VAR, and the two metrics.
public struct RunAnalysis: Sendable {
  /// The run's latents z (T x K), encoded in inference mode.
  public var latents: Series
  /// The VAR fitted on the whole run's latents (around their temporal mean with the intercept
  /// `.seriesMean`).
  public var model: SparseVARModel
  /// Mean over t = p+1..T and pixels of (x_t - xhat_t)^2, xhat decoded from the forecast zhat_t
  /// (from z_t itself for a model trained in the sequential mode).
  public var reconstructionError: Double
  /// R_var: mean over t = p+1..T of ||z_t - zhat_t||^2 / ||z_t||^2.
  public var relativeError: Double
  /// The run's group label in the dataset when it was analysed.
  public var label: Int32?
  /// Per-pixel temporal standard deviation of the run's frames (H x W, normalised units): the
  /// image whose encoding gives the unpooling indices of the run's contribution map.
  public var deviationImage: [Float]
  /// The run's name in the dataset when it was analysed (its source file; nil when unnamed).
  public var name: String? = nil
}

extension RunAnalysis {
  /// Fits the run's VAR to `latents`; the two metrics start at zero.
  init(fitting latents: Series, options: SparseVAROptions, label: Int32?, deviationImage: [Float]) throws {
    self.init(
      latents: latents, model: try SparseVARModel.fit(latents, options: options), reconstructionError: 0,
      relativeError: 0, label: label, deviationImage: deviationImage)
  }

  /// The temporal mean of the latents (K values) the run's VAR was fitted around (intercept
  /// `.seriesMean`); zeros without it.
  public var latentMean: [Double] { model.mean ?? [Double](repeating: 0, count: latents.dimension) }

  /// One-step forecasts zhat_t, t = p+1..T ((T - p) x K), of `series` (its own latents by
  /// default) by the run's VAR (`SparseVARModel.forecast`: around the series' own mean with the
  /// intercept `.seriesMean`).
  public func forecast(_ series: Series? = nil) throws -> [Double] {
    try model.forecast(series ?? latents)
  }

  /// The run as the swap test sees it: its VAR and its latents.
  public var fittedRun: FittedRun {
    get throws { try FittedRun(model: model, series: latents) }
  }
}

/// The autoencoder with its embedded sparse VAR, trained on the runs of a FrameDataset.
public final class SparseVARNetwork {
  public let network: ConvolutionalAutoencoder<Float>
  public var training: TrainingOptions
  /// Mean frame xbar (H * W, normalised units) of the dataset trained on.
  public internal(set) var meanFrame: [Float]
  /// Epochs completed so far (training may continue where it stopped).
  /// How the architecture was chosen when its depth was automatic (`Recipe`), for reports; nil
  /// when the caller set it. Not saved with the model.
  public var recipe: String? = nil
  public internal(set) var epochsCompleted = 0
  /// Per-run results of the last `analyze`.
  public internal(set) var runs: [RunAnalysis] = []
  /// Condition names by group label, as the dataset of the last `analyze` named them.
  public internal(set) var conditionNames: [Int32: String] = [:]
  var optimizer: Adam<Float>

  public var height: Int { network.height }
  public var width: Int { network.width }

  public init(configuration: AutoencoderConfiguration, height: Int, width: Int, training: TrainingOptions = .init()) throws {
    try training.validate()
    try configuration.validate(height: height, width: width)
    // A network whose smallest training step (a window of lag + 2 frames) and mean frame cannot
    // be allocated is refused now, before its arrays are made.
    try reserveMemory(
      try checkedSum(
        try configuration.stepValues(
          height: height, width: width, frames: training.varOptions.lag + 2, threads: training.varOptions.threads),
        try checkedProduct(height, width, what: "the mean frame"), what: "a network for \(height) x \(width) frames"),
      of: Float.self, what: "a network for \(height) x \(width) frames")
    network = try ConvolutionalAutoencoder(configuration: configuration, height: height, width: width)
    self.training = training
    meanFrame = [Float](repeating: 0, count: height * width)
    optimizer = try Adam(parameters: network.parameters, learningRate: training.learningRate)
  }

  func checkDataset(_ dataset: FrameDataset) throws {
    guard dataset.outputHeight == height, dataset.outputWidth == width else {
      throw SparseVARError.shape(
        "the dataset's frames are \(dataset.outputHeight) x \(dataset.outputWidth) after preprocessing, "
          + "the network's \(height) x \(width)")
    }
  }

  /// Trains for `training.epochs` epochs on every window of the dataset's runs. The mean frame is
  /// taken from the dataset when training starts from scratch.
  /// - Parameter progress: called after every window; return false to stop. Stopping keeps the
  ///   updates made so far (a resumable state: `epochsCompleted` counts whole epochs) and throws
  ///   `.interrupted`.
  /// - Returns: the mean window loss of each epoch.
  @discardableResult
  public func train(on dataset: FrameDataset, progress: ((TrainingProgress) -> Bool)? = nil) throws -> [Double] {
    try training.validate()
    try checkDataset(dataset)
    let windows = try dataset.windows(length: training.window, minimumTail: training.varOptions.lag + 2)
    guard !windows.isEmpty else {
      throw SparseVARError.invalidArgument(
        "the dataset has no window of at least \(training.varOptions.lag + 2) frames to train on")
    }
    let longest = windows.map(\.count).max() ?? 0
    try reserveMemory(
      try network.configuration.stepValues(height: height, width: width, frames: longest, threads: training.varOptions.threads),
      of: Float.self, what: "training on windows of \(longest) frames of \(height) x \(width) pixels")
    if epochsCompleted == 0 { meanFrame = try dataset.meanFrame }
    network.threads = training.varOptions.threads
    optimizer.learningRate = training.learningRate
    var losses: [Double] = []
    for epoch in 0..<training.epochs {
      var generator = SplitMix64(seed: training.seed &+ UInt64(epochsCompleted))
      var order = Array(windows.indices)
      for i in stride(from: order.count - 1, to: 0, by: -1) {
        order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
      }
      var total = 0.0
      for (position, index) in order.enumerated() {
        let w = windows[index]
        let frames = try dataset.frames(run: w.run, range: w.start..<(w.start + w.count))
        let batch = try Tensor<Float>(shape: [w.count, 1, height, width], storage: frames)
        network.zeroGradients()
        let loss = try network.trainingLoss(
          window: batch, meanFrame: meanFrame, mode: training.mode, var: training.varOptions)
        optimizer.step()
        total += loss
        let report = TrainingProgress(
          epoch: epoch, epochs: training.epochs, window: position, windows: windows.count, loss: loss)
        if let progress, !progress(report) {
          throw SparseVARError.interrupted(
            "training was stopped in epoch \(epoch + 1), after window \(position + 1) of \(windows.count)")
        }
      }
      epochsCompleted += 1
      losses.append(total / Double(windows.count))
    }
    return losses
  }

  /// Encodes frames (count x H x W, normalised) in inference mode, in chunks of `training.window`
  /// frames: latents (count x K) and, per chunk, the pooling indices.
  public func encode(_ frames: [Float], count: Int) throws -> (latents: [Double], indices: [[PoolingIndices]]) {
    try encode(frames, count: count, keepingIndices: true)
  }

  /// The latents alone (count x K) of `encode`, without building the pooling indices.
  public func encodeLatents(_ frames: [Float], count: Int) throws -> [Double] {
    try encode(frames, count: count, keepingIndices: false).latents
  }

  private func encode(_ frames: [Float], count: Int, keepingIndices: Bool) throws
    -> (latents: [Double], indices: [[PoolingIndices]])
  {
    let pixels = height * width
    let needed = try checkedProduct(count, pixels, what: "\(count) frames of \(height) x \(width)")
    guard frames.count == needed else {
      throw SparseVARError.shape("\(count) frames of \(height) x \(width) need \(needed) values, got \(frames.count)")
    }
    let chunk = max(1, training.window)
    // One chunk's pass, and the pooling indices of every frame (a quarter of the first level's
    // activations, a third over all levels), kept for decoding.
    let what = "encoding \(count) frames of \(height) x \(width) pixels"
    try reserveMemory(
      try checkedSum(
        try network.configuration.stepValues(
          height: height, width: width, frames: min(chunk, count), threads: training.varOptions.threads),
        try checkedProduct(count, network.configuration.channels, pixels, what: what) / 3, what: what),
      of: Float.self, what: what)
    var latents: [Double] = []
    var indices: [[PoolingIndices]] = []
    for start in stride(from: 0, to: count, by: chunk) {
      let n = min(chunk, count - start)
      var input = Array(frames[(start * pixels)..<((start + n) * pixels)])
      if network.configuration.skipConnection {
        for f in 0..<n { for i in 0..<pixels { input[f * pixels + i] -= meanFrame[i] } }
      }
      let (z, index) = try network.encode(
        try Tensor(shape: [n, 1, height, width], storage: input), training: false, keepingIndices: keepingIndices)
      latents.append(contentsOf: z.storage.map(\.asDouble))
      if keepingIndices { indices.append(index) }
    }
    return (latents, indices)
  }

  /// Decodes latents (count x K) with the pooling indices of the same frames (as `encode` returns
  /// them, for frames `offset ..< offset + count` of the encoded batch) to reconstructions
  /// xhat (count x H x W, normalised units), in inference mode.
  public func decode(_ latents: [Double], count: Int, indices: [[PoolingIndices]], offset: Int = 0) throws -> [Float] {
    let k = network.latentSize
    let s = network.latentShape
    let pixels = height * width
    let needed = try checkedProduct(count, k, what: "\(count) latent vectors of K = \(k)")
    guard latents.count == needed else {
      throw SparseVARError.shape("\(count) latent vectors of K = \(k) need \(needed) values, got \(latents.count)")
    }
    let chunk = max(1, training.window)
    let values = try checkedProduct(count, pixels, what: "\(count) decoded frames of \(height) x \(width)")
    try reserveMemory(values, of: Float.self, what: "\(count) decoded frames of \(height) x \(width)")
    var out = [Float](repeating: 0, count: values)
    var done = 0
    while done < count {
      let frame = offset + done
      let (chunkIndex, within) = (frame / chunk, frame % chunk)
      guard chunkIndex < indices.count else {
        throw SparseVARError.shape("no pooling indices for frame \(frame)")
      }
      let available = indices[chunkIndex][0].shape[0] - within
      let n = min(available, count - done)
      let z = try Tensor<Float>(
        shape: [n, s.channels, s.height, s.width],
        storage: latents[(done * k)..<((done + n) * k)].map { Float($0) })
      let d = try network.decode(z, indices: indices[chunkIndex].map { $0.frames(within..<(within + n)) }, training: false)
      for i in 0..<(n * pixels) {
        out[done * pixels + i] = network.configuration.skipConnection ? (d.storage[i] + 1) * meanFrame[i % pixels] : d.storage[i]
      }
      done += n
    }
    return out
  }

  /// After training: encodes every run in inference mode, fits each run's own VAR on the whole
  /// run, and measures L_rec and R_var (stored in `runs`, in run order).
  /// - Parameter progress: called after each run with (runs done, runs); return false to stop
  ///   (throws `.interrupted`; `runs` is then left as it was).
  @discardableResult
  public func analyze(_ dataset: FrameDataset, progress: ProgressHandler? = nil) throws -> [RunAnalysis] {
    try checkDataset(dataset)
    network.threads = training.varOptions.threads
    let p = training.varOptions.lag
    var results: [RunAnalysis] = []
    for run in 0..<dataset.runCount {
      let count = try dataset.frameCount(run: run)
      guard p <= count - 2 else {
        throw SparseVARError.shape("run \(run) has \(count) frames, fewer than lag + 2 = \(p &+ 2)")
      }
      let frames = try dataset.frames(run: run)
      let pixels = height * width
      let (latents, indices) = try encode(frames, count: count)
      let series = try Series(length: count, dimension: network.latentSize, values: latents)
      var analysis = try RunAnalysis(
        fitting: series, options: training.varOptions,
        label: try dataset.label(run: run), deviationImage: temporalDeviation(frames, count: count, pixels: pixels))
      let forecast = try analysis.forecast()
      let source = training.mode == .sequential ? Array(latents[(p * series.dimension)...]) : forecast
      let reconstruction = try decode(source, count: count - p, indices: indices, offset: p)
      var error = 0.0
      for i in reconstruction.indices {
        let d = Double(reconstruction[i]) - Double(frames[p * pixels + i])
        error += d * d
      }
      analysis.reconstructionError = error / Double(reconstruction.count)
      analysis.relativeError = try relativeForecastError(series, forecast, lag: p)
      analysis.name = try dataset.runName(run: run)
      results.append(analysis)
      if let progress, !progress(results.count, dataset.runCount) {
        throw SparseVARError.interrupted("the analysis was stopped after run \(results.count) of \(dataset.runCount)")
      }
    }
    network.clearCaches()
    runs = results
    conditionNames = dataset.conditionNames
    return results
  }
}

/// Per-pixel standard deviation over `count` frames of `pixels` values.
func temporalDeviation(_ frames: [Float], count: Int, pixels: Int) -> [Float] {
  var deviation = [Float](repeating: 0, count: pixels)
  for i in 0..<pixels {
    var mean = 0.0
    for f in 0..<count { mean += Double(frames[f * pixels + i]) }
    mean /= Double(count)
    var s = 0.0
    for f in 0..<count {
      let d = Double(frames[f * pixels + i]) - mean
      s += d * d
    }
    deviation[i] = Float((s / Double(count)).squareRoot())
  }
  return deviation
}
