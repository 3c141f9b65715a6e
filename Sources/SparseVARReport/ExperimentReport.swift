//===--- ExperimentReport.swift -------------------------------------------===//
//
// The report of an experiment in two conditions (issue "main job", item 3): the swap-test table in
// the paper's layout with Bonferroni-corrected significance, the influence-distance test,
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
  public var kind: String  // "within" or "between"
  public var result: PairwiseGroupTestResult
}

/// What the report found, for the caller to print or check.
public struct ReportSummary: Sendable {
  public var splitTests: [SplitTest]
  public var influence: PairwiseGroupTestResult?
  /// The time average of the first `plane` latents of a series (latent channel 0 of the map,
/// h x w values).
public func meanLatentMap(_ latents: Series, plane: Int) -> [Float] {
  (0..<plane).map { i in
    var s = 0.0
    for t in 0..<latents.length { s += latents.values[t * latents.dimension + i] }
    return Float(s / Double(latents.length))
  }
}

/// Area under the ROC curve of |difference map| against the ground-truth mask (when given).
  public var mapAUC: Double?
  public var bonferroniThreshold: Double
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
public func writeExperimentReport(
  network: SparseVARNetwork, conditions: [(label: Int32, name: String)], dataset: FrameDataset?,
  groundTruth: [Float]? = nil, ablation: [AblationRow] = [], skipComparison: [Float]? = nil,
  options: PairwiseGroupTestOptions = .init(), title: String = "sparsevar report", notes: [String] = [],
  folder: String
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

  // Swap tests in the paper's layout: halves of each condition, within and between.
  func halves(_ list: [Int]) -> ([Int], [Int]) {
    let mid = list.count / 2
    return (Array(list[..<mid]), Array(list[mid...]))
  }
  let (a1, a2) = halves(runsA)
  let (b1, b2) = halves(runsB)
  let fitted = try runs.map { try $0.fittedRun }
  let splits: [(String, String, [Int], [Int])] = [
    ("\(a.name)1 vs \(a.name)2", "within", a1, a2), ("\(b.name)1 vs \(b.name)2", "within", b1, b2),
    ("\(a.name)1 vs \(b.name)1", "between", a1, b1), ("\(a.name)1 vs \(b.name)2", "between", a1, b2),
    ("\(a.name)2 vs \(b.name)1", "between", a2, b1), ("\(a.name)2 vs \(b.name)2", "between", a2, b2),
  ]
  let threshold = 0.05 / Double(splits.count)
  var splitTests: [SplitTest] = []
  var rows: [[String]] = []
  // The paper's six half-splits, then all runs of one condition against all of the other.
  let allRuns = [("\(a.name) vs \(b.name)", "all runs", runsA, runsB)]
  for (name, kind, x, y) in splits + allRuns where x.count >= 2 && y.count >= 2 {
    let outcome = try GroupTests.coefficientSwap(
      fitted, groupA: x, groupB: y, options: options, threads: network.training.varOptions.threads)
    let r = outcome.result
    splitTests.append(SplitTest(name: name, kind: kind, result: r))
    rows.append([
      name, kind, "\(x.count) + \(y.count)", formatNumber(r.statistic), formatNumber(r.pValue), formatNumber(r.permutationPValue),
      r.pValue < threshold ? "yes" : "no",
    ])
  }
  document.heading("Coefficient-swap tests")
  document.paragraph(
    "Delta_ij = E_{i<-j} - E_{i<-i}: the extra one-step prediction error of run i's latents under run j's "
      + "VAR. Each row compares inter-group with intra-group swaps by a one-sided Wilcoxon rank-sum test; "
      + "the permutation p-value relabels runs (pairs sharing a run are not independent). Significant = "
      + "rank-sum p below the Bonferroni threshold 0.05 / \(splits.count) = \(formatNumber(threshold)) "
      + "of the six half-split tests; the last row compares all runs of the two conditions.")
  document.table(["split", "kind", "runs", "U", "p (rank-sum)", "p (permutation)", "significant"], rows)

  // Influence-distance test between the conditions.
  var influence: PairwiseGroupTestResult? = nil
  if runsA.count >= 2 && runsB.count >= 2 {
    let outcome = try GroupTests.influenceDistance(runs.map(\.model), groupA: runsA, groupB: runsB, options: options)
    influence = outcome.result
    document.heading("Influence-distance test")
    document.paragraph(
      "d_ij = ||c_i - c_j||^2 between influence vectors (total outflow of each latent), \(a.name) vs \(b.name): "
        + "U = \(formatNumber(outcome.result.statistic)), p = \(formatNumber(outcome.result.pValue)) (rank-sum), "
        + "\(formatNumber(outcome.result.permutationPValue)) (permutation).")
  }

  // Maps.
  document.heading("Contribution maps")
  let mapA = try network.groupMap(a.label)
  let mapB = try network.groupMap(b.label)
  let difference = zip(mapA, mapB).map { $0 - $1 }
  let scale = max(1, 256 / max(h, w))
  func save(_ values: [Float], _ file: String, _ colormap: Colormap) throws -> String {
    try renderImage(values, width: w, height: h, colormap: colormap).enlarged(by: scale).writePNG(to: folder + "/" + file)
    return file
  }
  var panels: [(file: String, caption: String)] = [
    (try save(network.meanFrame, "mean_frame.png", .gray), "mean frame"),
    (try save(mapA, "map_\(a.name).png", .sequential), "Omega \(a.name)"),
    (try save(mapB, "map_\(b.name).png", .sequential), "Omega \(b.name)"),
    (try save(difference, "map_difference.png", .diverging), "Omega \(a.name) - \(b.name)"),
  ]
  var auc: Double? = nil
  if let groundTruth, groundTruth.count == h * w {
    panels.append((try save(groundTruth, "ground_truth.png", .gray), "ground truth: differing assemblies"))
    auc = areaUnderROC(scores: difference.map { abs($0) }, truth: groundTruth)
  }
  document.figure(Figure(title: "Group contribution maps and their difference", panels: panels))
  if let auc {
    document.paragraph(
      "Area under the ROC curve of |Omega \(a.name) - Omega \(b.name)| against the ground-truth mask: \(formatNumber(auc)) "
        + "(0.5 = no better than chance, 1 = the map's largest values are exactly the differing assemblies).")
  }

  // Ablation.
  if !ablation.isEmpty {
    document.heading("Ablation")
    document.table(
      ["training", "lambda", "L_rec (mean ± sd over runs)", "R_var (mean ± sd over runs)"],
      ablation.map { row in
        let (l, ls) = meanAndSpread(row.reconstructionErrors)
        let (r, rs) = meanAndSpread(row.relativeErrors)
        return [row.name, formatNumber(row.lambda), "\(formatNumber(l)) ± \(formatNumber(ls))", "\(formatNumber(r)) ± \(formatNumber(rs))"]
      })
  }

  // Latent forecasts of the first run.
  let first = runs[0]
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
    let plot = LinePlot(series: [(values: truth, color: (20, 20, 20)), (values: predicted, color: (220, 60, 30))])
    let file = "latent_\(l).png"
    try plot.render().writePNG(to: folder + "/" + file)
    plotPanels.append((file, "latent \(l): z (black) and forecast zhat (red)"))
  }
  document.heading("Latent forecasts")
  document.figure(Figure(title: "Run 0, the three most variable latents", panels: plotPanels))

  // A reconstruction next to its frame.
  if let dataset, try dataset.frameCount(run: 0) > p {
    let frames = try dataset.frames(run: 0, range: 0..<min(try dataset.frameCount(run: 0), network.training.window))
    let count = frames.count / (h * w)
    let (latents, indices) = try network.encode(frames, count: count)
    let series = try Series(length: count, dimension: k, values: latents)
    let zhat = try first.forecast(series)
    let reconstruction = try network.decode(
      Array(zhat[0..<k]), count: 1, indices: indices, offset: p)
    let frame = Array(frames[(p * h * w)..<((p + 1) * h * w)])
    let range = Double(frame.min() ?? 0)...Double(frame.max() ?? 1)
    try renderImage(frame, width: w, height: h, colormap: .gray, range: range).enlarged(by: scale)
      .writePNG(to: folder + "/frame.png")
    try renderImage(reconstruction, width: w, height: h, colormap: .gray, range: range).enlarged(by: scale)
      .writePNG(to: folder + "/reconstruction.png")
    document.heading("Reconstruction")
    document.figure(
      Figure(
        title: "Run 0, frame \(p): the frame and its reconstruction from the forecast latents",
        panels: [("frame.png", "x_t"), ("reconstruction.png", "xhat_t from zhat_t")]))
  }

  // Skip connection.
  let latentShape = network.network.latentShape
  let latentPlane = latentShape.height * latentShape.width
  let meanLatent = meanLatentMap(first.latents, plane: latentPlane)
  var latentPanels: [(file: String, caption: String)] = []
  let latentScale = max(1, 256 / max(latentShape.height, latentShape.width))
  try renderImage(meanLatent, width: latentShape.width, height: latentShape.height, colormap: .diverging)
    .enlarged(by: latentScale).writePNG(to: folder + "/latent_map.png")
  latentPanels.append(("latent_map.png", network.network.configuration.skipConnection ? "with skip connection" : "without skip connection"))
  if let skipComparison, skipComparison.count == latentPlane {
    try renderImage(skipComparison, width: latentShape.width, height: latentShape.height, colormap: .diverging)
      .enlarged(by: latentScale).writePNG(to: folder + "/latent_map_without_skip.png")
    latentPanels.append(("latent_map_without_skip.png", "without skip connection"))
  }
  document.heading("Skip connection")
  document.paragraph(
    "Mean latent map of run 0 (latent channel 0). With the skip connection the static image (vessels, "
      + "neuron outlines) is carried by the mean frame, so the latent map is free to encode what changes.")
  document.figure(Figure(title: "Mean latent map", panels: latentPanels))

  try document.write(to: folder)
  return ReportSummary(splitTests: splitTests, influence: influence, mapAUC: auc, bonferroniThreshold: threshold)
}
