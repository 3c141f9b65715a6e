//===--- Maps.swift -------------------------------------------------------===//
//
// After training: the group tests on the runs' VARs by label, and contribution maps (DESIGN §2,
// "Influence vector and contribution map"):
//
//     Omega_i = (f_dec(gain * unvec(c_i)) + 1) * xbar      (f_dec(...) without the skip connection)
//
// with c_i run i's influence vector. The decoder needs unpooling indices; sparsevar takes them,
// deterministically, from encoding run i's per-pixel temporal standard deviation image (as one
// frame, through the same input path as frames: minus xbar with the skip connection). The
// decoder runs in inference mode. A group's map is the mean of its runs' maps; a difference map
// is group map A - group map B.
//
//===----------------------------------------------------------------------===//

extension SparseVARNetwork {
  func analyzedRuns(_ labels: [Int32?], _ a: Int32, _ b: Int32) throws -> ([Int], [Int]) {
    guard !runs.isEmpty else {
      throw SparseVARError.notFitted("the runs have not been analysed yet: call analyze first")
    }
    guard labels.count == runs.count else {
      throw SparseVARError.shape("\(labels.count) labels for \(runs.count) analysed runs")
    }
    guard a != b else { throw SparseVARError.invalidArgument("the two group labels are the same (\(a))") }
    return (labels.indices.filter { labels[$0] == a }, labels.indices.filter { labels[$0] == b })
  }

  /// Coefficient-swap test between the analysed runs labelled `a` and `b` (labels by run, e.g.
  /// `dataset.labels`).
  public func swapTest(labels: [Int32?], _ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions = .init())
    throws -> GroupTestOutcome
  {
    let (groupA, groupB) = try analyzedRuns(labels, a, b)
    let fitted = try runs.map { try FittedRun(model: $0.model, series: $0.latents) }
    return try GroupTests.coefficientSwap(
      fitted, groupA: groupA, groupB: groupB, options: options, threads: training.varOptions.threads)
  }

  /// Influence-distance test between the analysed runs labelled `a` and `b`.
  public func influenceTest(labels: [Int32?], _ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions = .init())
    throws -> GroupTestOutcome
  {
    let (groupA, groupB) = try analyzedRuns(labels, a, b)
    return try GroupTests.influenceDistance(runs.map(\.model), groupA: groupA, groupB: groupB, options: options)
  }

  /// Contribution map of run `run` (H x W, normalised image units). `gain` = gamma_viz.
  public func contributionMap(run: Int, dataset: FrameDataset, gain: Double = 1) throws -> [Float] {
    guard !runs.isEmpty else {
      throw SparseVARError.notFitted("the runs have not been analysed yet: call analyze first")
    }
    guard run >= 0, run < runs.count else {
      throw SparseVARError.invalidArgument("run \(run) is out of range (0..<\(runs.count))")
    }
    guard gain.isFinite else { throw SparseVARError.invalidArgument("the gain must be finite, got \(gain)") }
    let pixels = height * width
    let count = try dataset.frameCount(run: run)
    let frames = try dataset.frames(run: run)
    // Per-pixel temporal standard deviation image.
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
    let (_, indices) = try encode(deviation, count: 1)
    let influence = runs[run].model.influence.map { gain * $0 }
    let map = try decode(influence, count: 1, indices: indices)
    network.clearCaches()
    return map
  }

  /// Mean contribution map of the analysed runs labelled `label`.
  public func groupMap(labels: [Int32?], _ label: Int32, dataset: FrameDataset, gain: Double = 1) throws -> [Float] {
    let members = labels.indices.filter { labels[$0] == label }
    guard !members.isEmpty else { throw SparseVARError.invalidArgument("no run has label \(label)") }
    var sum = [Double](repeating: 0, count: height * width)
    for run in members {
      for (i, v) in try contributionMap(run: run, dataset: dataset, gain: gain).enumerated() { sum[i] += Double(v) }
    }
    return sum.map { Float($0 / Double(members.count)) }
  }

  /// Group map of `a` minus group map of `b`.
  public func differenceMap(labels: [Int32?], _ a: Int32, _ b: Int32, dataset: FrameDataset, gain: Double = 1) throws -> [Float] {
    let first = try groupMap(labels: labels, a, dataset: dataset, gain: gain)
    let second = try groupMap(labels: labels, b, dataset: dataset, gain: gain)
    return zip(first, second).map { $0 - $1 }
  }
}
