//===--- Demo.swift -------------------------------------------------------===//
//
// `sparsevar demo` and `sparsevar synth`: the built-in synthetic two-photon experiment.
//
//===----------------------------------------------------------------------===//

import ArgumentParser
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import SparseVAR
import SparseVARFiles
import SparseVARSynthetic
import SparseVARReport

extension SyntheticTwoPhotonOptions.Preset: ExpressibleByArgument {}

/// Seconds since an arbitrary start.
func monotonicSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Generates the synthetic experiment of `preset` into a FrameDataset, with a progress line.
func syntheticExperiment(_ preset: SyntheticTwoPhotonOptions.Preset, seed: UInt64, null: Bool)
  throws -> (SyntheticTwoPhotonGenerator, FrameDataset)
{
  let generator = try SyntheticTwoPhotonGenerator(syntheticOptions(preset, seed: seed, null: null))
  var line = ProgressLine(label: "generating \(preset.rawValue) two-photon data")
  let dataset = try generator.makeFrameDataset { done, total in
    line.update(done, total)
    return true
  }
  return (generator, dataset)
}

/// The options of a preset, as the null experiment (both conditions share one coupling matrix)
/// when `null`.
func syntheticOptions(_ preset: SyntheticTwoPhotonOptions.Preset, seed: UInt64, null: Bool) -> SyntheticTwoPhotonOptions {
  var options = SyntheticTwoPhotonOptions.preset(preset, seed: seed)
  options.nullExperiment = null
  return options
}

/// The `--null` flag of `demo` and `synth`.
let nullHelp: ArgumentHelp = """
  The null experiment: F and N share one coupling matrix (no planted difference; the same seed's \
  scene, network and per-run brightness, gain and bleaching otherwise), for checking false positives.
  """

extension ModelDefaults {
  /// The demo's model per preset: the library's recipe (an automatic depth: K = 6 on the tiny and
  /// small presets, 10 epochs at learning rate 3e-3), with fewer epochs where time asks for it:
  /// 6 on the tiny preset (unit tests), 2 at the paper's size (standard, full).
  static func demo(_ preset: SyntheticTwoPhotonOptions.Preset) -> ModelDefaults {
    switch preset {
    case .tiny: return ModelDefaults(epochs: 6)
    case .small: return ModelDefaults()
    case .standard, .full: return ModelDefaults(epochs: 2)
    }
  }
}

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Generate the built-in synthetic two-photon experiment, train, analyse, and write the report.",
    discussion: """
      The synthetic field of view has neurons in assemblies whose coupling differs between a familiar (F) \
      and a novel (N) condition in a known subset; the report says whether the tests and maps find it. \
      Besides the main model (end-to-end), the ablation trains the sequential and embedded modes too.
      """)

  @Option(help: "Size of the built-in experiment: tiny, small, standard or full.")
  var preset: SyntheticTwoPhotonOptions.Preset = .small
  @Flag(help: "The paper's full size (same as --preset full; about 25 minutes on 2 cores, 5 GB of memory).") var full = false
  @Option(name: [.short, .customLong("output")], help: "Folder for the report, figures and models.")
  var output: String = "sparsevar-demo"
  @Option(name: .customLong("data-seed"), help: "Seed of the synthetic data.") var dataSeed: UInt64 = 1
  @Flag(name: .customLong("no-ablation"), help: "Train only the end-to-end model.") var noAblation = false
  @Flag(name: .customLong("no-skip-comparison"), help: "With the ablation, leave out the model without skip connection (it only feeds a figure).")
  var noSkipComparison = false
  @Flag(name: .customLong("null"), help: nullHelp) var null = false
  @OptionGroup var model: ModelOptions
  @OptionGroup var maps: MapOptions

  func run() throws {
    try reportingErrors {
      let start = monotonicSeconds()
      let chosen = full ? SyntheticTwoPhotonOptions.Preset.full : preset
      let defaults = ModelDefaults.demo(chosen)
      let (generator, dataset) = try syntheticExperiment(chosen, seed: dataSeed, null: null)
      dataset.equalizesRunBrightness = model.equalizeRuns
      try makeFolder(output)
      let truth = try generator.groundTruth.preprocessed(
        generator.groundTruth.differingMask, generator.options.recommendedPreprocessing)

      var modes: [(String, ModeArgument)] = [("end-to-end", .endToEnd)]
      if !noAblation { modes += [("embedded", .embedded), ("sequential", .sequential)] }
      var ablation: [AblationRow] = []
      var main: SparseVARNetwork? = nil
      for (name, mode) in modes {
        var options = model
        options.mode = mode
        let network = try options.makeNetwork(for: dataset, defaults: defaults)
        try trainAndAnalyze(network, on: dataset, label: "training \(name)")
        ablation.append(
          AblationRow(
            name: name, lambda: network.training.varOptions.lambda, reconstructionErrors: network.runs.map(\.reconstructionError),
            relativeErrors: network.runs.map(\.relativeError)))
        if main == nil {
          main = network
          try network.save(to: output + "/model.svnet")
        }
      }
      guard let main else { return }
      var skipComparison: [Float]? = nil
      // The model without skip connection only feeds the latent-map figure: a third of the
      // epochs (at least one) keeps the demo short.
      let skipComparisonEpochs = max(1, (model.epochs ?? defaults.epochs ?? TrainingOptions().epochs) / 3)
      if !noAblation && !noSkipComparison {
        var options = model
        options.noSkip = true
        options.epochs = skipComparisonEpochs
        let network = try options.makeNetwork(for: dataset, defaults: defaults)
        try trainAndAnalyze(network, on: dataset, label: "training without skip connection")
        let shape = network.network.latentShape
        skipComparison = meanLatentMap(network.runs[0].latents, plane: shape.height * shape.width)
      }
      let minutes = (monotonicSeconds() - start) / 60
      // The generator's pixel size, times the downscale factor of its preprocessing.
      let pixelSize = maps.pixelSize
        ?? generator.options.micronsPerPixel * Double(generator.options.recommendedPreprocessing.downscale)
      let summary = try writeExperimentReport(
        network: main, conditions: [(0, "F"), (1, "N")], dataset: dataset, groundTruth: null ? nil : truth, ablation: ablation,
        skipComparison: skipComparison, readout: maps.readout, title: "sparsevar demo: synthetic two-photon experiment",
        notes: [
          "Built-in synthetic data, preset \(chosen.rawValue) (seed \(dataSeed)): \(dataset.runCount) runs, "
            + "\(dataset.totalFrameCount) frames of \(dataset.outputHeight) x \(dataset.outputWidth) pixels after "
            + "preprocessing; \(generator.groundTruth.assemblies.count) neural assemblies, of which "
            + (null
              ? "none couples differently in F and N: the null experiment, where any significant F vs N test is a false positive."
              : "\(generator.groundTruth.differingAssemblies) couple differently in F and N."),
          "Training: \(main.recipe ?? "depth \(main.network.configuration.depth)") (K = \(main.network.latentSize)), "
            + "\(main.training.epochs) epochs of \(model.window)-frame windows at learning rate "
            + "\(formatNumber(main.training.learningRate)) per mode; latents centred before every VAR, in training and analysis "
            + "(\(main.training.varOptions.intercept == .seriesMean ? "on" : "off"))"
            + (noAblation || noSkipComparison ? "" : "; the model without skip connection \(skipComparisonEpochs) epochs")
            + "; total time "
            + "\(formatNumber(minutes, 2)) minutes.",
        ],
        pixelSize: pixelSize, folder: output)
      printSummary(summary)
      print("report: \(output)/report.html (and \(output)/report.md); model: \(output)/model.svnet")
    }
  }
}

struct Synth: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write the synthetic two-photon experiment to disk: one stack per run, labels.csv, ground truth.")
  @Option(help: "Size: tiny, small, standard or full.") var preset: SyntheticTwoPhotonOptions.Preset = .small
  @Option(name: .customLong("data-seed"), help: "Seed of the synthetic data.") var dataSeed: UInt64 = 1
  @Option(help: "File format of the stacks: npy or tiff.") var format: String = "npy"
  @Flag(name: .customLong("null"), help: nullHelp) var null = false
  @Option(name: [.short, .customLong("output")], help: "Folder to write into.") var output: String = "sparsevar-synth"

  func validate() throws {
    guard format == "npy" || format == "tiff" else { throw ValidationError("--format must be npy or tiff, got \(format)") }
  }

  func run() throws {
    try reportingErrors {
      let generator = try SyntheticTwoPhotonGenerator(syntheticOptions(preset, seed: dataSeed, null: null))
      try makeFolder(output)
      let (h, w) = (generator.options.height, generator.options.width)
      var csv = "file,condition\n"
      var line = ProgressLine(label: "writing runs")
      for run in 0..<generator.runCount {
        let count = try generator.frameCount(run: run)
        let frames = try generator.frames(run: run, range: 0..<count)
        let name = "run_\(run < 10 ? "0" : "")\(run).\(format == "npy" ? "npy" : "tif")"
        try FrameFile.write(
          try FrameStack(count: count, height: h, width: w, storage: .uint16(frames)), to: output + "/" + name)
        csv += "\(name),\(try generator.condition(run: run) == 0 ? "F" : "N")\n"
        line.update(run + 1, generator.runCount)
      }
      try writeText(csv, to: output + "/labels.csv")
      try FrameFile.write(
        try FrameStack(count: 1, height: h, width: w, storage: .float32(generator.groundTruth.differingMask)),
        to: output + "/ground_truth_differing.npy")
      print("\(generator.runCount) runs of \(h) x \(w) frames written to \(output)/ with labels.csv; train on them with")
      print("  sparsevar train \(output)/run_*.\(format == "npy" ? "npy" : "tif") --labels-csv \(output)/labels.csv"
        + (generator.options.recommendedPreprocessing.downscale > 1 ? " --crop 768x512 --downscale 4" : ""))
    }
  }
}
