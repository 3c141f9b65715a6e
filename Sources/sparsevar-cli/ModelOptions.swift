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
  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      """
      Any architecture or training parameter of the model's table by name, as NAME=VALUE (repeatable, \
      applied after the options above; a choice by its option's name). `sparsevar parameters` lists them.
      """, valueName: "name=value"))
  var assignments: [String] = []

  func validate() throws { _ = try settings() }

  /// The model's settings: the library's defaults, then `defaults`, the options above and the
  /// `--set` assignments.
  func settings(defaults: ModelDefaults = .init()) throws -> SparseVARNetworkSettings {
    var s = SparseVARNetworkSettings()
    s.architecture.depth = depth ?? defaults.depth ?? library.architecture.depth
    s.architecture.channels = channels
    s.architecture.latentChannels = latentChannels
    s.architecture.skipConnection = !noSkip
    s.architecture.encoderSlope = encoderSlope
    s.architecture.seed = seed
    s.training.mode = mode.mode
    if case .endToEnd(let gradient) = mode.mode { s.gradient = gradient }
    s.training.varOptions.lag = lag
    s.training.varOptions.lambda = lambda
    s.training.varOptions.threads = threads
    s.training.varOptions.intercept = noCentering ? .none : .seriesMean
    s.training.epochs = epochs ?? defaults.epochs ?? library.training.epochs
    s.training.window = window
    s.training.learningRate = learningRate ?? defaults.learningRate ?? library.training.learningRate
    s.training.seed = seed
    for assignment in assignments { try assign(assignment, to: &s) }
    return s
  }

  /// The network for `dataset` with `settings(defaults:)`, an automatic depth resolved from the
  /// dataset (`Recipe`).
  func makeNetwork(for dataset: FrameDataset, defaults: ModelDefaults = .init()) throws -> SparseVARNetwork {
    let s = try settings(defaults: defaults)
    let (resolved, recipe) = try Recipe.resolve(s.architecture, for: dataset)
    let network = try SparseVARNetwork(
      configuration: resolved, height: dataset.outputHeight, width: dataset.outputWidth, training: s.training)
    network.recipe = recipe
    return network
  }
}

/// The rows of the model's parameter table that `--set` takes: those of its architecture and
/// training (the group tests and maps have options of their own), found by setting each row to a
/// value other than its default and seeing what changes.
var settableParameters: [Setting<SparseVARNetworkSettings>] {
  SparseVARNetworkSettings.parameters.filter { row in
    let other = [row.lower, row.upper, row.defaultValue + 1, row.defaultValue * 2].first {
      $0 != row.defaultValue && row.violation($0) == nil
    }
    guard let other else { return false }
    let before = SparseVARNetworkSettings()
    var after = before
    row.set(&after, other)
    return after.tests == before.tests && after.mapReadout == before.mapReadout
  }
}

/// Applies one `--set NAME=VALUE` through the model's parameter table.
private func assign(_ assignment: String, to settings: inout SparseVARNetworkSettings) throws {
  let table = settableParameters
  let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
  guard parts.count == 2, let row = table.first(where: { $0.name == parts[0] }) else {
    throw ValidationError(
      "--set takes NAME=VALUE with one of the names \(table.map(\.name).joined(separator: ", ")); got \(assignment)")
  }
  let text = parts[1]
  let value: Double
  if let option = row.options.firstIndex(of: String(text.map { $0 == "-" ? "_" : $0 })) {
    value = Double(option)
  } else if row.kind == .flag, let flag = ["false": 0.0, "true": 1.0][text] {
    value = flag
  } else if let number = Double(text) {
    value = number
  } else {
    let expected = row.options.isEmpty ? "a number" : "one of \(row.options.joined(separator: ", "))"
    throw ValidationError("--set \(row.name) takes \(expected), got \(text)")
  }
  if let range = row.violation(value) {
    throw ValidationError("--set \(row.name) must be \(range), got \(text)")
  }
  row.set(&settings, value)
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
