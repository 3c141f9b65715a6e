//===--- ModelOptions.swift -----------------------------------------------===//
//
// Command-line options of the model and its training, shared by `train` and `demo`.
//
//===----------------------------------------------------------------------===//

import ArgumentParser
import SparseVAR
import SparseVARReport

enum ModeArgument: String, ExpressibleByArgument, CaseIterable {
  case sequential, embedded, endToEnd = "end-to-end", endToEndUnrolled = "end-to-end-unrolled"

  var mode: TrainingMode {
    switch self {
    case .sequential: return .sequential
    case .embedded: return .embedded
    case .endToEnd: return .endToEnd(.implicit)
    case .endToEndUnrolled: return .endToEnd(.unrolled)
    }
  }
}

extension MapReadout: ExpressibleByArgument {
  public init?(argument: String) {
    switch argument {
    case "latent-grid": self = .latentGrid
    case "decoder": self = .decoder
    default: return nil
    }
  }
  public static var allValueStrings: [String] { ["latent-grid", "decoder"] }
}

/// The options of every command that draws maps: `--map-readout` and `--pixel-size`.
struct MapOptions: ParsableArguments {
  @Option(
    name: .customLong("map-readout"),
    help: """
      How maps are read out of the influence vectors: latent-grid (default: each pixel gets its latent \
      cell's influence, weighted by its relative temporal standard deviation) or decoder (the paper's: \
      decoded, times the mean frame).
      """)
  var readout: MapReadout = .latentGrid

  @Option(
    name: .customLong("pixel-size"),
    help: """
      Micrometres per pixel of the analysed frames, after --crop and --downscale: a recording's \
      pixel size times the downscale factor (0.5 µm pixels downscaled 4 times: 2). Scale bars are \
      then drawn in µm, else in pixels. The demo uses its synthetic data's pixel size.
      """)
  var pixelSize: Double?

  func validate() throws {
    if let pixelSize, !(pixelSize.isFinite && pixelSize > 0 && pixelSize <= 1e9) {
      throw ValidationError("--pixel-size must be a number of micrometres > 0, got \(pixelSize)")
    }
  }
}

/// Defaults of the options a command may choose for itself (`demo`: per preset, see
/// `ModelDefaults.demo`); nil = the library's (an automatic depth, 10 epochs at 3e-3).
struct ModelDefaults {
  var depth: Int? = nil
  var epochs: Int? = nil
  var learningRate: Double? = nil
}

/// The library's defaults (its parameter tables' defaults), which the options repeat.
private let library = SparseVARNetworkSettings()

struct ModelOptions: ParsableArguments {
  @Option(help: "Training mode: sequential, embedded, end-to-end (implicit lasso gradient) or end-to-end-unrolled.")
  var mode: ModeArgument = .endToEnd
  @Option(help: "VAR lag p.") var lag: Int = library.training.varOptions.lag
  @Option(help: "l1 penalty lambda of the VAR (on the sigma-normalised latents).") var lambda: Double = library.training.varOptions.lambda
  @Flag(
    name: .customLong("no-centering"),
    help: "Fit the VARs (in training and analysis) to the raw latents, as the paper does, instead of the latents minus their mean.")
  var noCentering = false
  @Option(help: "Passes over all training windows (default 10, the measured recipe; the demo's per preset).") var epochs: Int?
  @Option(help: "Frames per training window.") var window: Int = library.training.window
  @Option(name: .customLong("learning-rate"), help: "Adam's learning rate (default 3e-3, the measured recipe; the paper's is 1e-3).")
  var learningRate: Double?
  @Option(
    help: """
      Encoder/decoder blocks (default: chosen from the data, the smallest depth whose latent has at most \
      (shortest run's frames / 25) values; the paper's is 3). Frame sides must be multiples of 2^depth; the \
      latent has (H / 2^depth) x (W / 2^depth) values per channel, and the swap tests need it small next \
      to the frames per run (docs/validation.md).
      """)
  var depth: Int?
  @Option(help: "Channels of the hidden convolutions.") var channels: Int = library.architecture.channels
  @Option(name: .customLong("latent-channels"), help: "Channels of the latent map.") var latentChannels: Int = library.architecture.latentChannels
  @Flag(name: .customLong("no-skip"), help: "Train without the mean-frame skip connection.") var noSkip = false
  @Option(
    name: .customLong("encoder-slope"),
    help: "Slope of the encoder's leaky ReLUs for negative inputs, in [0, 1] (default 1: no activation, the measured recipe; the paper's is 0.01).")
  var encoderSlope: Double = library.architecture.encoderSlope
  @Flag(
    name: .customLong("equalize-runs"),
    help: "Scale each run's frames so that its mean intensity is the dataset's (a per-run gain or light factor cancels; under study, docs/validation.md).")
  var equalizeRuns = false
  @Option(help: "Seed of the weights and of the window order.") var seed: UInt64 = library.architecture.seed
  @Option(help: "Worker threads (0 = all cores).") var threads: Int = library.training.varOptions.threads

  /// The network for `dataset` and its training options; `defaults` for the options not given,
  /// an automatic depth resolved from the dataset (`Recipe`).
  func makeNetwork(for dataset: FrameDataset, defaults: ModelDefaults = .init()) throws -> SparseVARNetwork {
    var configuration = AutoencoderConfiguration()
    configuration.depth = depth ?? defaults.depth ?? library.architecture.depth
    configuration.channels = channels
    configuration.latentChannels = latentChannels
    configuration.skipConnection = !noSkip
    configuration.encoderSlope = encoderSlope
    configuration.seed = seed
    let (resolved, recipe) = try Recipe.resolve(configuration, for: dataset)
    var training = TrainingOptions()
    training.mode = mode.mode
    training.varOptions.lag = lag
    training.varOptions.lambda = lambda
    training.varOptions.threads = threads
    training.varOptions.intercept = noCentering ? .none : .seriesMean
    training.epochs = epochs ?? defaults.epochs ?? library.training.epochs
    training.window = window
    training.learningRate = learningRate ?? defaults.learningRate ?? library.training.learningRate
    training.seed = seed
    let network = try SparseVARNetwork(
      configuration: resolved, height: dataset.outputHeight, width: dataset.outputWidth, training: training)
    network.recipe = recipe
    return network
  }
}

/// Trains with a progress line, then analyses every run.
func trainAndAnalyze(_ network: SparseVARNetwork, on dataset: FrameDataset, label: String) throws {
  var line = ProgressLine(label: label)
  try network.train(on: dataset) { p in
    line.update(p.epoch * p.windows + p.window + 1, p.epochs * p.windows, "epoch \(p.epoch + 1)/\(p.epochs), loss \(formatNumber(p.loss))")
    return true
  }
  var analysis = ProgressLine(label: "analysing runs")
  try network.analyze(dataset) { done, total in
    analysis.update(done, total)
    return true
  }
}
