//===--- Maps.swift -------------------------------------------------------===//
//
// After training: the group tests on the runs' VARs by label, and contribution maps (docs/method.md,
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
  /// Labels of the analysed runs (as the dataset had them when `analyze` ran).
  public var labels: [Int32?] { runs.map(\.label) }

  /// The name of group label `label` as the analysed dataset named it, else "group <label>".
  public func conditionName(_ label: Int32) -> String { conditionNames[label] ?? "group \(label)" }

  /// Coefficient-swap test between the analysed runs labelled `a` and `b`.
  public func swapTest(_ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions = .init()) throws -> GroupTestOutcome {
    try runs.swapTest(a, b, options: options, threads: training.varOptions.threads)
  }

  /// Influence-distance test between the analysed runs labelled `a` and `b`.
  public func influenceTest(_ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions = .init()) throws -> GroupTestOutcome {
    try runs.influenceTest(a, b, options: options)
  }

  /// Contribution map of analysed run `run` (H x W, normalised image units); `gain` = gamma_viz.
  /// Needs only the model (a loaded model has everything).
  public func contributionMap(run: Int, gain: Double = 1) throws -> [Float] {
    guard !runs.isEmpty else {
      throw SparseVARError.notFitted("the runs have not been analysed yet: call analyze first")
    }
    guard run >= 0, run < runs.count else {
      throw SparseVARError.invalidArgument("run \(run) is out of range (0..<\(runs.count))")
    }
    guard gain.isFinite else { throw SparseVARError.invalidArgument("the gain must be finite, got \(gain)") }
    let (_, indices) = try encode(runs[run].deviationImage, count: 1)
    let influence = runs[run].model.influence.map { gain * $0 }
    let map = try decode(influence, count: 1, indices: indices)
    network.clearCaches()
    return map
  }

  /// Mean contribution map of the analysed runs labelled `label`.
  public func groupMap(_ label: Int32, gain: Double = 1) throws -> [Float] {
    let members = runs.indices.filter { runs[$0].label == label }
    guard !members.isEmpty else { throw SparseVARError.invalidArgument("no analysed run has label \(label)") }
    var sum = [Double](repeating: 0, count: height * width)
    for run in members {
      for (i, v) in try contributionMap(run: run, gain: gain).enumerated() { sum[i] += Double(v) }
    }
    return sum.map { Float($0 / Double(members.count)) }
  }

  /// Group map of `a` minus group map of `b`.
  public func differenceMap(_ a: Int32, _ b: Int32, gain: Double = 1) throws -> [Float] {
    let first = try groupMap(a, gain: gain)
    let second = try groupMap(b, gain: gain)
    return zip(first, second).map { $0 - $1 }
  }
}
