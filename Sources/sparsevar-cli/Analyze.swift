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

/// Group names on the command line: "F=0,N=1" or "F,N" (labels 0 and 1).
struct ConditionNames: ParsableArguments {
  @Option(name: .customLong("conditions"), help: "The two conditions as NAME=LABEL pairs, e.g. F=0,N=1 (default: the first two labels, named by their numbers).")
  var conditions: String?

  func resolve(_ labels: [Int32?]) throws -> [(label: Int32, name: String)] {
    if let conditions {
      let pairs = conditions.split(separator: ",").map { $0.split(separator: "=") }
      guard pairs.count == 2, pairs.allSatisfy({ $0.count == 2 && Int32($0[1]) != nil }) else {
        throw ValidationError("--conditions needs two NAME=LABEL pairs, e.g. F=0,N=1; got \(conditions)")
      }
      return pairs.map { (Int32($0[1])!, String($0[0])) }
    }
    var seen: [Int32] = []
    for case let label? in labels where !seen.contains(label) { seen.append(label) }
    guard seen.count >= 2 else {
      throw ValidationError("the model's runs carry fewer than two group labels: nothing to compare")
    }
    return seen.prefix(2).map { ($0, "group\($0)") }
  }
}

struct Analyze: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write the report (tests, maps, forecasts) of a saved, analysed model.")
  @Argument(help: "A model file written by `sparsevar train`.") var model: String
  @Option(name: [.short, .customLong("output")], help: "Folder for report.md, report.html and the figures.")
  var output: String = "sparsevar-report"
  @OptionGroup var names: ConditionNames

  func run() throws {
    try reportingErrors {
      let network = try SparseVARNetwork.load(from: model)
      let summary = try writeExperimentReport(
        network: network, conditions: try names.resolve(network.labels), dataset: nil, title: "sparsevar report: \(model)",
        folder: output)
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
      let conditions = try names.resolve(network.labels)
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
    abstract: "Write contribution maps (per run, per condition, and their difference) of a saved model as PNG.")
  @Argument(help: "A model file written by `sparsevar train`.") var model: String
  @Option(name: [.short, .customLong("output")], help: "Folder for the PNG files.") var output: String = "sparsevar-maps"
  @Option(help: "Visualisation gain gamma_viz applied to the influence vectors.") var gain: Double = 1
  @OptionGroup var names: ConditionNames

  func run() throws {
    try reportingErrors {
      let network = try SparseVARNetwork.load(from: model)
      let conditions = try names.resolve(network.labels)
      try makeFolder(output)
      let (h, w) = (network.height, network.width)
      let scale = max(1, 256 / max(h, w))
      for run in network.runs.indices {
        let map = try network.contributionMap(run: run, gain: gain)
        try renderImage(map, width: w, height: h, colormap: .sequential).enlarged(by: scale).writePNG(to: "\(output)/run_\(run).png")
      }
      for c in conditions {
        try renderImage(try network.groupMap(c.label, gain: gain), width: w, height: h, colormap: .sequential)
          .enlarged(by: scale).writePNG(to: "\(output)/\(c.name).png")
      }
      let difference = try network.differenceMap(conditions[0].label, conditions[1].label, gain: gain)
      try renderImage(difference, width: w, height: h, colormap: .diverging).enlarged(by: scale)
        .writePNG(to: "\(output)/difference.png")
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
