//===--- GroupTests.swift -------------------------------------------------===//
//
// Tests of whether two groups of runs differ in their dynamics (docs/method.md):
// - coefficient swap: Delta_ij = E_{i<-j} - E_{i<-i}, the extra prediction error of run i's
//   series under run j's VAR; inter-group swaps should cost more than intra-group ones;
// - influence distance: d_ij = ||c_i - c_j||^2 between influence vectors.
// Both compare the inter-group pairs with the intra-group pairs by a one-sided rank-sum test,
// plus a permutation p-value over run labels (pairs sharing a run are not independent).
//
//===----------------------------------------------------------------------===//

/// A group test's pairwise matrix (N x N over all runs given; NaN for pairs not computed) and
/// its result.
public struct GroupTestOutcome: Sendable {
  /// N x N row-major; entry (i, j) is Delta_ij (swap test) or d_ij (influence test). The diagonal
  /// and pairs involving runs in neither group are NaN.
  public var matrix: [Double]
  public var runs: Int
  public var result: PairwiseGroupTestResult
}

/// One fitted run: its VAR and the series it was fitted on.
public struct FittedRun: Sendable {
  public var model: SparseVARModel
  public var series: Series
  public init(model: SparseVARModel, series: Series) throws {
    guard model.dimension == series.dimension else {
      throw SparseVARError.shape(
        "the VAR has K = \(model.dimension) but its series has K = \(series.dimension)")
    }
    self.model = model
    self.series = series
  }
}

public enum GroupTests {
  /// Coefficient-swap test of group A against group B (indices into `runs`).
  /// - Parameter threads: worker threads for the N^2 forecasts (0 = all cores).
  public static func coefficientSwap(
    _ runs: [FittedRun], groupA: [Int], groupB: [Int],
    options: PairwiseGroupTestOptions = .init(), threads: Int = 0
  ) throws -> GroupTestOutcome {
    try checkGroups(runs.count, groupA, groupB)
    let k = runs[groupA[0]].model.dimension
    for i in groupA + groupB where runs[i].model.dimension != k {
      throw SparseVARError.shape("all runs must have the same dimension K = \(k); run \(i) has \(runs[i].model.dimension)")
    }
    let used = groupA + groupB
    for i in used where runs[i].series.length <= runs[i].model.lag {
      throw SparseVARError.invalidArgument(
        "run \(i) has no series longer than its lag: the swap test forecasts every run's series")
    }
    let n = runs.count
    let pairs = used.flatMap { i in used.map { j in (i, j) } }
    let errors = ConcurrentSlots<Double>(count: pairs.count, initial: .nan)
    parallelFor(pairs.count, threads: threads) { index in
      let (i, j) = pairs[index]
      errors.store(index, (try? runs[j].model.predictionError(runs[i].series)) ?? .nan)
    }
    var error = [Double](repeating: .nan, count: n * n)
    for (index, (i, j)) in pairs.enumerated() { error[i * n + j] = errors.value(index) }
    var delta = [Double](repeating: .nan, count: n * n)
    for i in used {
      for j in used where j != i { delta[i * n + j] = error[i * n + j] - error[i * n + i] }
    }
    let result = try pairwiseGroupTest(delta, runs: n, groupA: groupA, groupB: groupB, options: options)
    return GroupTestOutcome(matrix: delta, runs: n, result: result)
  }

  /// Influence-distance test of group A against group B, from each run's VAR.
  public static func influenceDistance(
    _ models: [SparseVARModel], groupA: [Int], groupB: [Int],
    options: PairwiseGroupTestOptions = .init()
  ) throws -> GroupTestOutcome {
    try checkGroups(models.count, groupA, groupB)
    let n = models.count
    let used = groupA + groupB
    let k = models[used[0]].dimension
    for i in used where models[i].dimension != k {
      throw SparseVARError.shape("all runs must have the same dimension K = \(k); run \(i) has \(models[i].dimension)")
    }
    var influence = [[Double]](repeating: [], count: n)
    for i in used { influence[i] = models[i].influence }
    var distance = [Double](repeating: .nan, count: n * n)
    for i in used {
      for j in used where j != i {
        var d = 0.0
        for l in 0..<k {
          let diff = influence[i][l] - influence[j][l]
          d += diff * diff
        }
        distance[i * n + j] = d
      }
    }
    let result = try pairwiseGroupTest(distance, runs: n, groupA: groupA, groupB: groupB, options: options)
    return GroupTestOutcome(matrix: distance, runs: n, result: result)
  }

  static func checkGroups(_ n: Int, _ a: [Int], _ b: [Int]) throws {
    guard a.count >= 2, b.count >= 2 else {
      throw SparseVARError.invalidArgument(
        "each group needs at least 2 runs, got \(a.count) and \(b.count)")
    }
    for i in a + b where i < 0 || i >= n {
      throw SparseVARError.invalidArgument("run index \(i) is out of range (0..<\(n))")
    }
    guard Set(a + b).count == a.count + b.count else {
      throw SparseVARError.invalidArgument("the groups overlap or repeat a run")
    }
  }
}
