//===--- ExperimentReport.swift -------------------------------------------===//
//
// The report of an experiment in two conditions: the swap-test table in the paper's layout, each
// test judged by its run-relabelling permutation p-value against the Bonferroni threshold (with
// the smallest p the group sizes allow, and the paper's rank-sum p alongside), the same tests on
// the block-average baseline, the influence-distance test,
// contribution maps next to the mean frame (and a ground-truth mask when known), the ablation
// table, latent forecasts against latents, a reconstruction next to its frame, and the skip
// connection's effect on the latent map.
//
//===----------------------------------------------------------------------===//

import Glibc
import SparseVAR

/// One row of the ablation table: a training mode's per-run L_rec and R_var.
public struct AblationRow: Sendable {
  public var name: String
  public var lambda: Double
  public var reconstructionErrors: [Double]
  public var relativeErrors: [Double]
  public init(name: String, lambda: Double, reconstructionErrors: [Double], relativeErrors: [Double]) {
    self.name = name
    self.lambda = lambda
    self.reconstructionErrors = reconstructionErrors
    self.relativeErrors = relativeErrors
  }
}

/// One swap test of the paper's table.
public struct SplitTest: Sendable {
  public var name: String
  public var kind: String  // "within", "between" or "all runs"
  /// Runs in the two groups.
  public var sizes: (a: Int, b: Int)
  public var result: PairwiseGroupTestResult
}

/// The tests and map of one set of analysed runs (the network's, or the block-average
/// baseline's).
public struct TestSummary: Sendable {
  /// The paper's six half-splits (within and between conditions), then all runs of one condition
  /// against all of the other.
  public var splitTests: [SplitTest]
  /// Influence-distance test of all runs of one condition against the other.
  public var influence: PairwiseGroupTestResult?
  /// ROC AUC of |difference map| against the ground-truth mask, when one was given.
  public var mapAUC: Double?
  /// R_var of every run.
  public var relativeErrors: [Double]
}

/// What the report found, for the caller to print or check.
public struct ReportSummary: Sendable {
  public var splitTests: [SplitTest]
  public var influence: PairwiseGroupTestResult?
  public var mapAUC: Double?
  /// How the network's maps were read out, and the AUC of the other read-out's difference map
  /// (for comparison), when there is a ground truth.
  public var mapReadout: MapReadout = .latentGrid
  public var otherReadoutMapAUC: Double? = nil
  /// 0.05 / 6: the Bonferroni threshold of the six half-split tests.
  public var bonferroniThreshold: Double
  /// The same tests and map on block averages over the network's latent grid; nil when the
  /// report was written without the recordings.
  public var baseline: TestSummary?
  /// The network's own tests, map and R_var, as `baseline` holds the baseline's.
  public var network: TestSummary {
    TestSummary(splitTests: splitTests, influence: influence, mapAUC: mapAUC, relativeErrors: relativeErrors)
  }
  /// R_var of every run of the network.
  public var relativeErrors: [Double]
  /// Rows of the ablation table.
  public var ablation: [AblationRow]
}

/// The verdict of a test at `threshold`, saying so when the threshold cannot be reached.
public func verdict(_ r: PairwiseGroupTestResult, threshold: Double) -> String {
  if r.pValue.isNaN { return "no permutation p" }
  if r.pValue < threshold { return "significant" }
  if r.smallestPValue >= threshold { return "cannot be significant" }
  return "not significant"
}

/// The paper's six half-splits of two conditions' runs (first and second half of each, in run
/// order), then all runs of one condition against the other: (name, kind, group A, group B).
public func paperSplits(
  _ labels: [Int32?], conditions: [(label: Int32, name: String)]
) -> [(name: String, kind: String, a: [Int], b: [Int])] {
  let (a, b) = (conditions[0], conditions[1])
  let runsA = labels.indices.filter { labels[$0] == a.label }
  let runsB = labels.indices.filter { labels[$0] == b.label }
  func halves(_ list: [Int]) -> ([Int], [Int]) {
    let mid = list.count / 2
    return (Array(list[..<mid]), Array(list[mid...]))
  }
  let (a1, a2) = halves(runsA)
  let (b1, b2) = halves(runsB)
  return [
    ("\(a.name)1 vs \(a.name)2", "within", a1, a2), ("\(b.name)1 vs \(b.name)2", "within", b1, b2),
    ("\(a.name)1 vs \(b.name)1", "between", a1, b1), ("\(a.name)1 vs \(b.name)2", "between", a1, b2),
    ("\(a.name)2 vs \(b.name)1", "between", a2, b1), ("\(a.name)2 vs \(b.name)2", "between", a2, b2),
    ("\(a.name) vs \(b.name)", "all runs", runsA, runsB),
  ]
}

/// The Bonferroni threshold of the six half-split tests.
public let halfSplitThreshold = 0.05 / 6

/// Runs the paper's splits (`paperSplits`) and the influence test on analysed runs, and their map
/// AUC against `groundTruth`.
public func testRuns(
  _ runs: [RunAnalysis], conditions: [(label: Int32, name: String)], options: PairwiseGroupTestOptions,
  threads: Int, differenceMap: [Float]?, groundTruth: [Float]?
) throws -> TestSummary {
  let fitted = try runs.map { try $0.fittedRun }
  let splits = paperSplits(runs.map(\.label), conditions: conditions)
  var tests: [SplitTest] = []
  for split in splits where split.a.count >= 2 && split.b.count >= 2 {
    let outcome = try GroupTests.coefficientSwap(fitted, groupA: split.a, groupB: split.b, options: options, threads: threads)
    tests.append(SplitTest(name: split.name, kind: split.kind, sizes: (split.a.count, split.b.count), result: outcome.result))
  }
  var influence: PairwiseGroupTestResult? = nil
  if let all = splits.last, all.a.count >= 2 && all.b.count >= 2 {
    influence = try GroupTests.influenceDistance(runs.map(\.model), groupA: all.a, groupB: all.b, options: options).result
  }
  var auc: Double? = nil
  if let differenceMap, let groundTruth, groundTruth.count == differenceMap.count {
    auc = areaUnderROC(scores: differenceMap.map { abs($0) }, truth: groundTruth)
  }
  return TestSummary(splitTests: tests, influence: influence, mapAUC: auc, relativeErrors: runs.map(\.relativeError))
}

/// The swap-test table: one row per split, judged by the permutation p-value.
func splitTable(_ tests: [SplitTest]) -> [[String]] {
  tests.map { test in
    let r = test.result
    let threshold = test.kind == "all runs" ? 0.05 : halfSplitThreshold
    return [
      test.name, test.kind, "\(test.sizes.a) + \(test.sizes.b)", formatNumber(r.pValue), formatNumber(r.smallestPValue),
      verdict(r, threshold: threshold) + " at \(formatNumber(threshold))", formatNumber(r.rankSumPValue),
    ]
  }
}

/// The paragraph that says what the group sizes allow.
func attainabilityNote(_ tests: [SplitTest]) -> String {
  var seen: [String: Double] = [:]
  var order: [String] = []
  for test in tests {
    let key = "\(min(test.sizes.a, test.sizes.b)) + \(max(test.sizes.a, test.sizes.b))"
    if seen[key] == nil {
      seen[key] = test.result.smallestPValue
      order.append(key)
    }
  }
  let parts = order.map { key -> String in
    let smallest = seen[key]!
    var text = "with \(key) runs the smallest attainable p is \(formatNumber(smallest))"
    if smallest >= halfSplitThreshold {
      text += ", so the half-split threshold \(formatNumber(halfSplitThreshold)) cannot be reached"
    } else if smallest >= 0.003 {
      text += " (the paper's criterion p < 0.003 cannot be met)"
    }
    return text
  }
  return "Smallest attainable p: " + parts.joined(separator: "; ") + ". No outcome of these runs, "
    + "however different the groups, gives a smaller permutation p-value (1 / the number of distinct "
    + "splits of the runs when they are enumerated, 1 / (permutations + 1) for Monte Carlo)."
}

/// Mean and sample standard deviation.
func meanAndSpread(_ values: [Double]) -> (Double, Double) {
  guard !values.isEmpty else { return (.nan, .nan) }
  let mean = values.reduce(0, +) / Double(values.count)
  guard values.count > 1 else { return (mean, 0) }
  let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
  return (mean, variance.squareRoot())
}

/// The time average of the first `plane` latents of a series (latent channel 0 of the map,
/// h x w values).
public func meanLatentMap(_ latents: Series, plane: Int) -> [Float] {
  (0..<plane).map { i in
    var s = 0.0
    for t in 0..<latents.length { s += latents.values[t * latents.dimension + i] }
    return Float(s / Double(latents.length))
  }
}

/// Area under the ROC curve of `scores` for the positives `truth[i] >= 0.5` (ties count half).
public func areaUnderROC(scores: [Float], truth: [Float]) -> Double? {
  let positives = scores.indices.filter { truth[$0] >= 0.5 }
  let negatives = scores.indices.filter { truth[$0] < 0.5 }
  guard !positives.isEmpty, !negatives.isEmpty else { return nil }
  // Rank-sum formulation: AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg).
  let order = scores.indices.sorted { scores[$0] < scores[$1] }
  var ranks = [Double](repeating: 0, count: scores.count)
  var i = 0
  while i < order.count {
    var j = i
    while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
    let rank = Double(i + j) / 2 + 1
    for k in i...j { ranks[order[k]] = rank }
    i = j + 1
  }
  let rankSum = positives.map { ranks[$0] }.reduce(0, +)
  let np = Double(positives.count)
  return (rankSum - np * (np + 1) / 2) / (np * Double(negatives.count))
}

/// A number with `digits` significant digits, in exponent form when very small or large.
public func formatNumber(_ v: Double, _ digits: Int = 3) -> String {
  guard v.isFinite else { return "n/a" }
  if v != 0 && (abs(v) < 1e-3 || abs(v) >= 1e5) {
    var buffer = [CChar](repeating: 0, count: 32)
    _ = withVaList([v]) { vsnprintf(&buffer, 32, "%.\(digits - 1)e", $0) }
    return String(cString: buffer)
  }
  var buffer = [CChar](repeating: 0, count: 32)
  _ = withVaList([v]) { vsnprintf(&buffer, 32, "%.\(digits)g", $0) }
  return String(cString: buffer)
}

/// The report's plot of one latent z (black) and its one-step forecast zhat (red), both starting at
/// frame `firstFrame` (the VAR's lag): frames on the x axis, latent units on the y axis, a legend.
public func forecastPlot(latent: [Double], forecast: [Double], firstFrame: Int, title: String) -> LinePlot {
  LinePlot(
    series: [(values: latent, color: (20, 20, 20)), (values: forecast, color: (220, 60, 30))], xStart: Double(firstFrame),
    xLabel: "frame", yLabel: "latent units", title: title, legend: ["z", "forecast zhat"])
}

/// Builds and writes the report of an analysed network into `folder`.
/// - Parameters:
///   - conditions: the two condition labels and their names, e.g. (0, "F"), (1, "N").
///   - dataset: the frames (for the mean frame, a reconstruction and latents); nil for a model
///     loaded without its recordings.
///   - groundTruth: H x W mask of where the dynamics really differ (synthetic data), for the
///     ROC of the difference map.
///   - ablation: rows of the ablation table, if the modes were compared.
///   - skipComparison: the latent map (h x w of latent channel 0) of a model trained without the
///     skip connection, to show next to this model's.
///   - pixelSize: micrometres per pixel of the network's frames (after cropping and downscaling:
///     a recording's pixel size times the downscale factor), for scale bars in µm; nil draws them
///     in pixels.
public func writeExperimentReport(
  network: SparseVARNetwork, conditions: [(label: Int32, name: String)], dataset: FrameDataset?,
  groundTruth: [Float]? = nil, ablation: [AblationRow] = [], skipComparison: [Float]? = nil,
  options: PairwiseGroupTestOptions = .init(), readout: MapReadout = .latentGrid, title: String = "sparsevar report",
  notes: [String] = [], pixelSize: Double? = nil, folder: String
) throws -> ReportSummary {
  try makeFolder(folder)
  guard conditions.count == 2 else { throw SparseVARError.invalidArgument("a report compares exactly two conditions") }
  let runs = network.runs
  guard !runs.isEmpty else { throw SparseVARError.notFitted("the network has no analysed runs: call analyze first") }
  var document = Document(title: title)
  for note in notes { document.paragraph(note) }
  let h = network.height
  let w = network.width
  let (a, b) = (conditions[0], conditions[1])
  let runsA = runs.indices.filter { runs[$0].label == a.label }
  let runsB = runs.indices.filter { runs[$0].label == b.label }
  document.paragraph(
    "\(runs.count) runs: \(runsA.count) in condition \(a.name), \(runsB.count) in condition \(b.name); "
      + "latent size K = \(network.network.latentSize), VAR lag p = \(network.training.varOptions.lag), "
      + "lambda = \(network.training.varOptions.lambda).")
  let defaults = TrainingOptions()
  let measured = network.training.epochs == defaults.epochs && network.training.learningRate == defaults.learningRate
  let slope = network.network.configuration.encoderSlope
  let encoder =
    slope == AutoencoderConfiguration().encoderSlope
    ? "an encoder without activation (encoder slope 1, the default)"
    : slope == AutoencoderConfiguration.paperEncoderSlope
      ? "the paper's leaky encoder (slope 0.01)" : "encoder slope \(formatNumber(slope))"
  document.paragraph(
    "Recipe: " + (network.recipe ?? "depth \(network.network.configuration.depth)") + "; \(encoder); "
      + "\(network.epochsCompleted) epochs of \(network.training.window)-frame windows at learning rate "
      + "\(formatNumber(network.training.learningRate))"
      + (measured ? " (the library's defaults, the recipe measured on the synthetic data)" : "")
      + "; maps read out \(readout == .latentGrid ? "on the latent grid (the default)" : "by the decoder (the paper's)").")

  // Swap tests in the paper's layout (halves of each condition, within and between, then all
  // runs), on the network's latents and on the block-average baseline.
  let threads = network.training.varOptions.threads
  let mapA = try network.groupMap(a.label, readout: readout)
  let mapB = try network.groupMap(b.label, readout: readout)
  let difference = zip(mapA, mapB).map { $0 - $1 }
  let truth = groundTruth.flatMap { $0.count == h * w ? $0 : nil }
  let otherReadout: MapReadout = readout == .latentGrid ? .decoder : .latentGrid
  let otherAUC = try truth.flatMap {
    areaUnderROC(scores: try network.differenceMap(a.label, b.label, readout: otherReadout).map { abs($0) }, truth: $0)
  }
  let tested = try testRuns(
    runs, conditions: conditions, options: options, threads: threads, differenceMap: difference, groundTruth: truth)
  var baseline: TestSummary? = nil
  var baselineAnalysis: BlockAverageBaseline? = nil
  if let dataset {
    let analysis = try BlockAverageBaseline(dataset, like: network)
    baselineAnalysis = analysis
    baseline = try testRuns(
      analysis.runs, conditions: conditions, options: options, threads: threads,
      differenceMap: try analysis.differenceMap(a.label, b.label), groundTruth: truth)
  }
  let header = ["split", "kind", "runs", "p (permutation)", "smallest attainable p", "verdict", "p (rank-sum, pairs share runs)"]
  document.heading("Coefficient-swap tests")
  document.paragraph(
    "Delta_ij = E_{i<-j} - E_{i<-i}: the extra one-step prediction error of run i's latents under run j's "
      + "VAR. Each row asks whether swaps between the two groups cost more than swaps within a group. "
      + "The p-value is the run-relabelling permutation p-value of the rank-sum statistic: every "
      + "distinct split of the row's runs into groups of these sizes is tried (Monte Carlo with the +1 "
      + "correction when there are more than \(options.exactLimit)), so it is calibrated at the level of "
      + "runs, the independent units. A half-split is significant when p is below the Bonferroni threshold "
      + "0.05 / 6 = \(formatNumber(halfSplitThreshold)) of the six half-split tests; the all-runs row is one "
      + "test at 0.05. The last column is the paper's statistic, the rank-sum p-value of inter- against "
      + "intra-group pairs: its pairs share runs, so it is not calibrated and can be far smaller than any "
      + "outcome of the runs allows; it decides nothing here.")
  document.paragraph(attainabilityNote(tested.splitTests))
  document.table(header, splitTable(tested.splitTests))
  if let baseline, let grid = baselineAnalysis?.grid {
    document.heading("Block-average baseline", level: 3)
    document.paragraph(
      "The same VAR, tests and map on plain averages of the frames over the network's latent grid "
        + "(\(grid.gridHeight) x \(grid.gridWidth) blocks of about \(grid.height / grid.gridHeight) x "
        + "\(grid.width / grid.gridWidth) pixels, K = \(grid.blockCount)), each run centred as the network's "
        + "latents are. What the network finds beyond these rows is what it adds.")
    document.table(header, splitTable(baseline.splitTests))
  } else {
    document.paragraph(
      "Block-average baseline: not computed, the report was written without the recordings "
        + "(sparsevar train and demo write it).")
  }

  // Influence-distance test between the conditions.
  let influence = tested.influence
  if let result = influence {
    document.heading("Influence-distance test")
    var text =
      "d_ij = ||c_i - c_j||^2 between influence vectors (total outflow of each latent), \(a.name) vs \(b.name): "
      + "p = \(formatNumber(result.pValue)) (permutation; smallest attainable \(formatNumber(result.smallestPValue))), "
      + "rank-sum p = \(formatNumber(result.rankSumPValue)) (the paper's statistic; its pairs share runs)."
    if let b = baseline?.influence {
      text += " Block-average baseline: p = \(formatNumber(b.pValue)) (permutation), rank-sum p = \(formatNumber(b.rankSumPValue))."
    }
    document.paragraph(text)
  }

  // Maps.
  document.heading("Contribution maps")
  document.paragraph(
    (readout == .latentGrid
      ? "Maps read out on the latent grid: each pixel gets the influence of the latent cell it lies in (summed "
        + "over latent channels), weighted by its temporal standard deviation relative to its run's mean, averaged "
        + "over all runs (one weight for every run, chosen without the labels), so the difference map is the "
        + "influence difference placed on the pixels that carry activity. "
      : "Maps read out by the decoder (the paper's): the influence vector decoded to the image, times the mean "
        + "frame. ")
      + "Each map has a colour bar in its units (normalised intensity) and a scale bar "
      + (pixelSize.map { "in micrometres (\(formatNumber($0, 6)) \u{00B5}m per pixel of the analysed frames)" }
        ?? "in pixels of the analysed frames (no pixel size was given)")
      + ". The difference map is diverging and centred on 0: red where Omega \(a.name) is "
      + "larger, blue where Omega \(b.name) is." + (truth == nil ? "" : " The magenta contour is the ground truth."))
  let scale = max(1, 256 / max(h, w))
  func save(
    _ values: [Float], _ file: String, _ colormap: Colormap, title: String, note: String = "", contour: [Float]? = nil
  ) throws -> String {
    try MapFigure(
      values, width: w, height: h, colormap: colormap, title: title, note: note, contour: contour, enlargement: scale,
      pixelSize: pixelSize
    ).render().writePNG(to: folder + "/" + file)
    return file
  }
  let contourNote = truth == nil ? "" : "magenta: ground truth"
  var panels: [(file: String, caption: String)] = [
    (try save(network.meanFrame, "mean_frame.png", .gray, title: "mean frame"), "mean frame"),
    (try save(mapA, "map_\(safeFileName(a.name)).png", .sequential, title: "Omega \(a.name)", note: contourNote, contour: truth),
     "Omega \(a.name)"),
    (try save(mapB, "map_\(safeFileName(b.name)).png", .sequential, title: "Omega \(b.name)", note: contourNote, contour: truth),
     "Omega \(b.name)"),
    (try save(difference, "map_difference.png", .diverging, title: "Omega \(a.name) - \(b.name)",
              note: differenceNote(a.name, b.name), contour: truth),
     "Omega \(a.name) - \(b.name) (red: larger in \(a.name), blue: larger in \(b.name))"),
  ]
  let auc = tested.mapAUC
  if let truth {
    panels.append((try save(truth, "ground_truth.png", .gray, title: "ground truth"), "ground truth: differing assemblies"))
  }
  if let baselineAnalysis {
    panels.append(
      (try save(try baselineAnalysis.differenceMap(a.label, b.label), "map_difference_blocks.png", .diverging,
                title: "blocks: \(a.name) - \(b.name)", note: differenceNote(a.name, b.name), contour: truth),
       "block-average baseline: \(a.name) - \(b.name)"))
  }
  document.figure(Figure(title: "Group contribution maps and their difference", panels: panels))
  if let auc {
    var text =
      "Area under the ROC curve of |Omega \(a.name) - Omega \(b.name)| against the ground-truth mask: \(formatNumber(auc)) "
      + "(0.5 = no better than chance, 1 = the map's largest values are exactly the differing assemblies)"
    if let otherAUC {
      text += "; the same influence read out \(otherReadout == .decoder ? "by the decoder (the paper's)" : "on the latent grid"): "
        + formatNumber(otherAUC)
    }
    if let baselineAUC = baseline?.mapAUC {
      text += "; the block-average baseline's difference map (its influence, read out on its blocks): \(formatNumber(baselineAUC))"
    }
    document.paragraph(text + ".")
  }

  // Ablation.
  if !ablation.isEmpty {
    document.heading("Ablation")
    var rows = ablation.map { row in
      let (l, ls) = meanAndSpread(row.reconstructionErrors)
      let (r, rs) = meanAndSpread(row.relativeErrors)
      return [row.name, formatNumber(row.lambda), "\(formatNumber(l)) ± \(formatNumber(ls))", "\(formatNumber(r)) ± \(formatNumber(rs))"]
    }
    if let baseline {
      let (r, rs) = meanAndSpread(baseline.relativeErrors)
      rows.append(["block-average baseline", formatNumber(network.training.varOptions.lambda), "n/a", "\(formatNumber(r)) ± \(formatNumber(rs))"])
    }
    document.table(["training", "lambda", "L_rec (mean ± sd over runs)", "R_var (mean ± sd over runs)"], rows)
  }

  // Latent forecasts of the first run.
  let first = runs[0]
  let firstName = first.name ?? "run 0"
  let p = first.model.lag
  let forecast = try first.forecast()
  let k = first.latents.dimension
  let variances = (0..<k).map { l -> Double in
    let column = (0..<first.latents.length).map { first.latents.values[$0 * k + l] }
    return meanAndSpread(column).1
  }
  let shown = Array(variances.indices.sorted { variances[$0] > variances[$1] }.prefix(3))
  var plotPanels: [(file: String, caption: String)] = []
  for l in shown {
    let truth = (p..<first.latents.length).map { first.latents.values[$0 * k + l] }
    let predicted = (0..<(first.latents.length - p)).map { forecast[$0 * k + l] }
    let file = "latent_\(l).png"
    try forecastPlot(latent: truth, forecast: predicted, firstFrame: p, title: "\(firstName): latent \(l)")
      .render().writePNG(to: folder + "/" + file)
    plotPanels.append((file, "latent \(l): z (black) and forecast zhat (red), latent units against frame"))
  }
  document.heading("Latent forecasts")
  document.figure(Figure(title: "\(firstName), the three most variable latents", panels: plotPanels))

  // A reconstruction next to its frame.
  if let dataset, try dataset.frameCount(run: 0) > p {
    let frames = try dataset.frames(run: 0, range: 0..<min(try dataset.frameCount(run: 0), network.training.window))
    let count = frames.count / (h * w)
    // Frame p decoded from its forecast in the run's analysis, with the pooling indices of the
    // run's first window (which the analysis encoded the same way).
    let indices = try network.encode(frames, count: count).indices
    let reconstruction = try network.decode(
      Array(forecast[0..<k]), count: 1, indices: indices, offset: p)
    let frame = Array(frames[(p * h * w)..<((p + 1) * h * w)])
    let range = Double(frame.min() ?? 0)...Double(frame.max() ?? 1)
    try MapFigure(
      frame, width: w, height: h, colormap: .gray, range: range, title: "\(firstName): x_t", enlargement: scale,
      pixelSize: pixelSize
    ).render().writePNG(to: folder + "/frame.png")
    try MapFigure(
      reconstruction, width: w, height: h, colormap: .gray, range: range, title: "\(firstName): xhat_t", enlargement: scale,
      pixelSize: pixelSize
    ).render().writePNG(to: folder + "/reconstruction.png")
    document.heading("Reconstruction")
    document.figure(
      Figure(
        title: "\(firstName), frame \(p): the frame and its reconstruction from the forecast latents",
        panels: [("frame.png", "x_t"), ("reconstruction.png", "xhat_t from zhat_t")]))
  }

  // Skip connection.
  let latentShape = network.network.latentShape
  let latentPlane = latentShape.height * latentShape.width
  let meanLatent = meanLatentMap(first.latents, plane: latentPlane)
  var latentPanels: [(file: String, caption: String)] = []
  let latentScale = max(1, 256 / max(latentShape.height, latentShape.width))
  // A latent cell covers h / latent height frame pixels.
  let latentPixelSize = pixelSize.map { $0 * Double(h) / Double(max(1, latentShape.height)) }
  try MapFigure(
    meanLatent, width: latentShape.width, height: latentShape.height, colormap: .diverging, title: "\(firstName): latent 0",
    units: "latent units", enlargement: latentScale, pixelSize: latentPixelSize
  ).render().writePNG(to: folder + "/latent_map.png")
  latentPanels.append(("latent_map.png", network.network.configuration.skipConnection ? "with skip connection" : "without skip connection"))
  if let skipComparison, skipComparison.count == latentPlane {
    try MapFigure(
      skipComparison, width: latentShape.width, height: latentShape.height, colormap: .diverging,
      title: "without skip connection", units: "latent units", enlargement: latentScale, pixelSize: latentPixelSize
    ).render().writePNG(to: folder + "/latent_map_without_skip.png")
    latentPanels.append(("latent_map_without_skip.png", "without skip connection"))
  }
  document.heading("Skip connection")
  document.paragraph(
    "Mean latent map of \(firstName) (latent channel 0). With the skip connection the static image (vessels, "
      + "neuron outlines) is carried by the mean frame, so the latent map is free to encode what changes.")
  document.figure(Figure(title: "Mean latent map", panels: latentPanels))

  try document.write(to: folder)
  let summary = ReportSummary(
    splitTests: tested.splitTests, influence: influence, mapAUC: auc, mapReadout: readout, otherReadoutMapAUC: otherAUC,
    bonferroniThreshold: halfSplitThreshold, baseline: baseline, relativeErrors: tested.relativeErrors, ablation: ablation)
  try writeText(summaryJSON(summary), to: folder + "/summary.json")
  return summary
}

// MARK: - summary.json

/// The report's numbers as JSON (for scripts: the calibration study reads it). NaN and missing
/// values are null.
public func summaryJSON(_ summary: ReportSummary) -> String {
  func number(_ v: Double?) -> String {
    guard let v, v.isFinite else { return "null" }
    return "\(v)"
  }
  func quoted(_ text: String) -> String {
    var out = "\""
    for c in text {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      default: out.append(c)
      }
    }
    return out + "\""
  }
  func list(_ values: [Double]) -> String { "[" + values.map { number($0) }.joined(separator: ", ") + "]" }
  func test(_ r: PairwiseGroupTestResult) -> String {
    "{\"pvalue\": \(number(r.pValue)), \"ranksum_pvalue\": \(number(r.rankSumPValue)), "
      + "\"smallest_pvalue\": \(number(r.smallestPValue)), \"statistic\": \(number(r.statistic)), "
      + "\"relabelings\": \(r.permutationsUsed), \"exact\": \(r.permutationExact)}"
  }
  func tests(_ t: TestSummary) -> String {
    let splits = t.splitTests.map { "{\"name\": \(quoted($0.name)), \"kind\": \(quoted($0.kind)), \"test\": \(test($0.result))}" }
    return "{\"splits\": [" + splits.joined(separator: ", ") + "], \"influence\": "
      + (t.influence.map(test) ?? "null") + ", \"map_auc\": \(number(t.mapAUC)), \"relative_errors\": "
      + list(t.relativeErrors) + "}"
  }
  let ablation = summary.ablation.map {
    "{\"name\": \(quoted($0.name)), \"lambda\": \(number($0.lambda)), \"reconstruction_errors\": "
      + list($0.reconstructionErrors) + ", \"relative_errors\": " + list($0.relativeErrors) + "}"
  }
  let readout = summary.mapReadout == .latentGrid ? "latent_grid" : "decoder"
  let other = summary.mapReadout == .latentGrid ? "decoder" : "latent_grid"
  return "{\"bonferroni_threshold\": \(number(summary.bonferroniThreshold)),\n\"map_readout\": \"\(readout)\", "
    + "\"map_auc_\(other)\": \(number(summary.otherReadoutMapAUC)),\n\"network\": " + tests(summary.network)
    + ",\n\"baseline\": " + (summary.baseline.map(tests) ?? "null") + ",\n\"ablation\": ["
    + ablation.joined(separator: ", ") + "]}\n"
}
