//===--- Analyze.swift ----------------------------------------------------===//
//
// `sparsevar analyze`, `sparsevar test` and `sparsevar maps`: work on a saved model.
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
import SparseVARReport

/// The two conditions to compare: by default the first two labels of the model's runs, named as
/// `train` named them (saved in the model file); on the command line by name ("F,N") or as
/// NAME=LABEL pairs ("F=0,N=1", which also names a model's unnamed labels).
struct ConditionNames: ParsableArguments {
  @Option(name: .customLong("conditions"), help: "The two conditions to compare, by the names train gave them (e.g. F,N) or as NAME=LABEL pairs (e.g. F=0,N=1). Default: the model's first two conditions.")
  var conditions: String?

  func resolve(_ network: SparseVARNetwork) throws -> [(label: Int32, name: String)] {
    var seen: [Int32] = []
    for case let label? in network.labels where !seen.contains(label) { seen.append(label) }
    if let conditions {
      let parts = conditions.split(separator: ",").map { $0.split(separator: "=", omittingEmptySubsequences: false) }
      guard parts.count == 2 else {
        throw ValidationError("--conditions needs two conditions, e.g. F,N or F=0,N=1; got \(conditions)")
      }
      return try parts.map { part in
        if part.count == 2, let label = Int32(part[1]) { return (label, String(part[0])) }
        let name = String(part[0])
        guard part.count == 1, let label = network.conditionNames.first(where: { $0.value == name })?.key else {
          let known = seen.map { network.conditionName($0) }.joined(separator: ", ")
          throw ValidationError("--conditions: the model has no condition \"\(part.joined(separator: "="))\" (its conditions: \(known))")
        }
        return (label, name)
      }
    }
    guard seen.count >= 2 else {
      throw ValidationError("the model's runs carry fewer than two group labels: nothing to compare")
    }
    if seen.count > 2 {
      let names = seen.map { network.conditionName($0) }
      print("note: the model has \(seen.count) conditions (\(names.joined(separator: ", "))); comparing \(names[0]) and \(names[1]): choose others with --conditions")
    }
    return seen.prefix(2).map { ($0, network.conditionName($0)) }
  }
}

struct Analyze: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write the report (tests, maps, forecasts) of a saved, analysed model.")
  @Argument(help: "A model file written by `sparsevar train`.") var model: String
  @Option(name: [.short, .customLong("output")], help: "Folder for report.md, report.html and the figures.")
  var output: String = "sparsevar-report"
  @OptionGroup var names: ConditionNames
  @OptionGroup var maps: MapOptions

  func run() throws {
    try reportingErrors {
      let network = try SparseVARNetwork.load(from: model)
      let summary = try writeExperimentReport(
        network: network, conditions: try names.resolve(network), dataset: nil, readout: maps.readout,
        title: "sparsevar report: \(model)", pixelSize: maps.pixelSize, folder: output)
      printSummary(summary)
      print("report written to \(output)/report.html and \(output)/report.md")
    }
  }
}

struct TestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test", abstract: "Print the coefficient-swap and influence tests of a saved model.")
  @Argument(help: "A model file written by `sparsevar train`.") var model: String
  @OptionGroup var names: ConditionNames
  @Option(help: "Random relabelings for permutation p-values when exact enumeration is too large.")
  var permutations: Int = 9999

  func run() throws {
    try reportingErrors {
      let network = try SparseVARNetwork.load(from: model)
      let conditions = try names.resolve(network)
      let (a, b) = (conditions[0], conditions[1])
      var options = PairwiseGroupTestOptions()
      options.permutations = permutations
      let swap = try network.swapTest(a.label, b.label, options: options)
      let influence = try network.influenceTest(a.label, b.label, options: options)
      print("test                  p (permutation)  smallest p  verdict at 0.05         U          p (rank-sum)*")
      for (name, r) in [("swap \(a.name) vs \(b.name)", swap.result), ("influence \(a.name) vs \(b.name)", influence.result)] {
        print(name.padding(21), formatNumber(r.pValue).padding(16), formatNumber(r.smallestPValue).padding(11),
              verdict(r, threshold: 0.05).padding(23), formatNumber(r.statistic).padding(10), formatNumber(r.rankSumPValue))
      }
      print("p (permutation): relabels whole runs (\(swap.result.permutationExact ? "exact, every distinct split" : "Monte Carlo, +1 corrected")); "
        + "the smallest p these group sizes allow is \(formatNumber(swap.result.smallestPValue)).")
      print("* the paper's statistic; its pairs share runs, so its p-value is not calibrated: base no verdict on it.")
    }
  }
}

struct Maps: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write contribution maps (per run, per condition, and their difference) of a saved model as PNG, "
      + "each with a colour bar and a scale bar; per-run files are named after the run's source file, else run_<i>.")
  @Argument(help: "A model file written by `sparsevar train`.") var model: String
  @Option(name: [.short, .customLong("output")], help: "Folder for the PNG files.") var output: String = "sparsevar-maps"
  @Option(help: "Visualisation gain gamma_viz applied to the influence vectors.") var gain: Double = 1
  @OptionGroup var names: ConditionNames
  @OptionGroup var maps: MapOptions

  func run() throws {
    try reportingErrors {
      let network = try SparseVARNetwork.load(from: model)
      let conditions = try names.resolve(network)
      try makeFolder(output)
      let (h, w) = (network.height, network.width)
      let scale = max(1, 256 / max(h, w))
      // Per-run files are named after the run (its source file, sanitised) when it has a name,
      // else run_<i>; a name already used gets the run id appended.
      var used = Set(conditions.map { safeFileName($0.name) } + ["difference"])
      for (run, analysis) in network.runs.enumerated() {
        let map = try network.contributionMap(run: run, gain: gain, readout: maps.readout)
        var stem = analysis.name.map(fileStem) ?? "run_\(run)"
        if used.contains(stem) { stem += "_run_\(run)" }
        used.insert(stem)
        let title = (analysis.name ?? "run \(run)") + (analysis.label.map { " (\(network.conditionName($0)))" } ?? "")
        try MapFigure(map, width: w, height: h, colormap: .sequential, title: title, enlargement: scale, pixelSize: maps.pixelSize)
          .render().writePNG(to: "\(output)/\(stem).png")
      }
      for c in conditions {
        try MapFigure(try network.groupMap(c.label, gain: gain, readout: maps.readout), width: w, height: h, colormap: .sequential,
                      title: "condition \(c.name)", enlargement: scale, pixelSize: maps.pixelSize)
          .render().writePNG(to: "\(output)/\(safeFileName(c.name)).png")
      }
      let difference = try network.differenceMap(conditions[0].label, conditions[1].label, gain: gain, readout: maps.readout)
      try MapFigure(difference, width: w, height: h, colormap: .diverging,
                    title: "\(conditions[0].name) - \(conditions[1].name)",
                    note: differenceNote(conditions[0].name, conditions[1].name), enlargement: scale,
                    pixelSize: maps.pixelSize)
        .render().writePNG(to: "\(output)/difference.png")
      print("\(network.runs.count + 3) maps written to \(output)/")
    }
  }
}

func printSummary(_ summary: ReportSummary) {
  func printTests(_ title: String, _ tests: TestSummary) {
    print("\(title): swap tests, p = run-relabelling permutation p (half-splits at the Bonferroni threshold "
      + "\(formatNumber(summary.bonferroniThreshold)), all runs at 0.05)")
    print("  split        kind     runs     p          smallest p  verdict                  p (rank-sum)*")
    for test in tests.splitTests {
      let r = test.result
      let threshold = test.kind == "all runs" ? 0.05 : summary.bonferroniThreshold
      print("  \(test.name.padding(12)) \(test.kind.padding(8)) \("\(test.sizes.a) + \(test.sizes.b)".padding(8)) "
        + "\(formatNumber(r.pValue).padding(10)) \(formatNumber(r.smallestPValue).padding(11)) "
        + "\(verdict(r, threshold: threshold).padding(24)) \(formatNumber(r.rankSumPValue))")
    }
    if let influence = tests.influence {
      print("  influence-distance test: p = \(formatNumber(influence.pValue)) (rank-sum* \(formatNumber(influence.rankSumPValue)))")
    }
    if let auc = tests.mapAUC { print("  difference map vs ground truth: ROC AUC = \(formatNumber(auc))") }
  }
  printTests("network", summary.network)
  if let baseline = summary.baseline { printTests("block-average baseline", baseline) }
  print("* the paper's statistic; its pairs share runs, so its p-value is not calibrated: base no verdict on it.")
}

extension String {
  func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
