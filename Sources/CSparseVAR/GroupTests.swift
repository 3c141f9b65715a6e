//===--- GroupTests.swift -------------------------------------------------===//
//
// C API of the group tests: a set of fitted runs with group labels, the coefficient-swap and
// influence-distance tests between two labels, the rank-sum test and Bonferroni's correction.
//
//===----------------------------------------------------------------------===//

import SparseVAR
import _SparseVARHandles

/// How the rank-sum p-value is computed.
@c(sparsevar_rank_sum_method) public enum RankSumMethodChoice: Int32 {
  /// Normal approximation with tie and continuity correction.
  case asymptotic = 0
  /// Exact null distribution of U (samples without ties); its cost is bounded (see
  /// sparsevar_rank_sum): larger samples give SPARSEVAR_E_INVALID_ARGUMENT.
  case exact = 1
}

/// Alternative hypothesis of the rank-sum test.
@c(sparsevar_alternative) public enum AlternativeChoice: Int32 {
  /// x is stochastically greater than y.
  case greater = 0
  /// x is stochastically less than y.
  case less = 1
  /// x and y differ in location.
  case twoSided = 2
}

final class VARSetObject {
  var runs: [FittedRun] = []
  var labels: [Int32] = []
  var settings = GroupTestSettings()

  func groups(_ a: Int32, _ b: Int32) throws -> ([Int], [Int]) {
    guard a != b else {
      throw ABIError(status: .invalidArgument, message: "the two group labels are the same (\(a))")
    }
    return (labels.indices.filter { labels[$0] == a }, labels.indices.filter { labels[$0] == b })
  }
}

final class TestResultObject {
  let outcome: GroupTestOutcome
  init(_ outcome: GroupTestOutcome) { self.outcome = outcome }
}

/// The body of every test entry point: clears `out`, requires it, runs `test` and hands its
/// outcome to the caller as a new sparsevar_test_result.
func testEntryPoint(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_test_result>?>?, _ test: () throws -> GroupTestOutcome
) -> Int32 {
  out?.pointee = nil
  return guarded {
    let result = try require(out, "out")
    result.pointee = try retainHandle(TestResultObject(try test()), as: sparsevar_test_result.self)
  }
}

/// Creates an empty set of runs.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_var_set_free.
@c public func sparsevar_var_set_create(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_var_set>?>?
) -> Int32 {
  out?.pointee = nil
  return guarded {
    try require(out, "out").pointee = try retainHandle(VARSetObject(), as: sparsevar_var_set.self)
  }
}

/// Frees a set. NULL is a no-op.
@c public func sparsevar_var_set_free(_ set: UnsafeMutablePointer<sparsevar_var_set>?) {
  release(set, VARSetObject.self)
}

/// Adds a run: copies the fitted VAR and the series it describes (z, t x k, row-major), with a
/// group label. The VAR handle stays the caller's and may be refitted afterwards. The series is
/// needed by the swap test only: z = NULL with t = 0 (k is then ignored) adds a run for the
/// influence test alone.
/// @param run_id  receives the run's index in the set (may be NULL).
@c public func sparsevar_var_set_add_f64(
  _ set: UnsafeMutablePointer<sparsevar_var_set>?, _ var_: UnsafePointer<sparsevar_var>?,
  _ z: UnsafePointer<Double>?, _ t: Int64, _ k: Int64, _ label: Int32,
  _ run_id: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let model = try object(var_, VARObject.self, "var").fitted()
    let object = try object(set, VARSetObject.self, "set")
    let series =
      t == 0
      ? try Series(length: 0, dimension: model.dimension, values: [])
      : try seriesArgument(z, t, k)
    let run = try FittedRun(model: model, series: series)
    guard series.length == 0 || series.length > model.lag else {
      throw ABIError(
        status: .shape, message: "the series needs more than p = \(model.lag) time points (or t = 0 for none)")
    }
    if let first = object.runs.first, first.model.dimension != model.dimension {
      throw ABIError(
        status: .shape, message: "the set holds K = \(first.model.dimension) runs; this one has K = \(model.dimension)")
    }
    object.runs.append(run)
    object.labels.append(label)
    run_id?.pointee = Int64(object.runs.count - 1)
  }
}

/// Number of runs in the set.
@c public func sparsevar_var_set_size(
  _ set: UnsafePointer<sparsevar_var_set>?, _ n_runs: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let object = try object(set, VARSetObject.self, "set")
    try require(n_runs, "n_runs").pointee = Int64(object.runs.count)
  }
}

func runIndex(_ object: VARSetObject, _ run: Int64) throws -> Int {
  guard run >= 0, run < Int64(object.runs.count) else {
    throw ABIError(status: .invalidArgument, message: "run \(run) is out of range (0..<\(object.runs.count))")
  }
  return Int(run)
}

/// Reads a run's group label.
@c public func sparsevar_var_set_get_label(
  _ set: UnsafePointer<sparsevar_var_set>?, _ run: Int64, _ label: UnsafeMutablePointer<Int32>?
) -> Int32 {
  guarded {
    let object = try object(set, VARSetObject.self, "set")
    let i = try runIndex(object, run)
    try require(label, "label").pointee = object.labels[i]
  }
}

/// Changes a run's group label (to test other splits, e.g. first vs second half of a condition).
@c public func sparsevar_var_set_set_label(
  _ set: UnsafeMutablePointer<sparsevar_var_set>?, _ run: Int64, _ label: Int32
) -> Int32 {
  guarded {
    let object = try object(set, VARSetObject.self, "set")
    let i = try runIndex(object, run)
    object.labels[i] = label
  }
}

/// Sets a test parameter (a sparsevar_test_param value) for the tests run on this set.
@c public func sparsevar_var_set_set_param(
  _ set: UnsafeMutablePointer<sparsevar_var_set>?, _ param: Int32, _ value: Double
) -> Int32 {
  guarded {
    try testSettings.set(param, value, on: &object(set, VARSetObject.self, "set").settings)
  }
}

/// Reads a test parameter's current value.
@c public func sparsevar_var_set_get_param(
  _ set: UnsafePointer<sparsevar_var_set>?, _ param: Int32, _ value: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    try testSettings.get(param, from: object(set, VARSetObject.self, "set").settings, to: value)
  }
}

/// Coefficient-swap test: do runs labelled label_a and label_b differ in their dynamics?
/// Delta_ij = E_{i<-j} - E_{i<-i} (run i's mean squared one-step error under run j's VAR, minus
/// under its own); inter-group pairs are compared with intra-group pairs by a one-sided rank-sum
/// test (inter greater), the paper's statistic. The test's p-value is the run-relabelling
/// permutation p-value of that statistic (sparsevar_test_result_permutation): exact enumeration
/// of the distinct splits when there are at most SPARSEVAR_TEST_PARAM_EXACT_LIMIT relabelings,
/// else Monte Carlo with the +1 correction. The rank-sum's own p-value treats pairs that share
/// runs as independent and is not calibrated at the level of runs: base no verdict on it.
/// @param out  receives the result (NULL on failure); free it with sparsevar_test_result_free.
@c public func sparsevar_swap_test(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_test_result>?>?,
  _ set: UnsafePointer<sparsevar_var_set>?, _ label_a: Int32, _ label_b: Int32
) -> Int32 {
  testEntryPoint(out) {
    let object = try object(set, VARSetObject.self, "set")
    let (a, b) = try object.groups(label_a, label_b)
    return try GroupTests.coefficientSwap(
      object.runs, groupA: a, groupB: b, options: object.settings.options, threads: object.settings.threads)
  }
}

/// Influence-distance test: d_ij = ||c_i - c_j||^2 between the runs' influence vectors, inter
/// vs intra pairs, as sparsevar_swap_test.
@c public func sparsevar_influence_test(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_test_result>?>?,
  _ set: UnsafePointer<sparsevar_var_set>?, _ label_a: Int32, _ label_b: Int32
) -> Int32 {
  testEntryPoint(out) {
    let object = try object(set, VARSetObject.self, "set")
    let (a, b) = try object.groups(label_a, label_b)
    return try GroupTests.influenceDistance(
      object.runs.map(\.model), groupA: a, groupB: b, options: object.settings.options)
  }
}

/// Frees a test result. NULL is a no-op.
@c public func sparsevar_test_result_free(_ result: UnsafeMutablePointer<sparsevar_test_result>?) {
  release(result, TestResultObject.self)
}

/// The test's numbers (any pointer may be NULL): the Mann-Whitney U of the inter-group sample,
/// p_value = the rank-sum p-value (the paper's statistic; its pairs share runs, so it is not
/// calibrated at the level of runs), p_permutation = the test's p-value, calibrated by
/// relabelling runs (NaN when SPARSEVAR_TEST_PARAM_PERMUTATIONS is 0), and the numbers of
/// inter- and intra-group ordered pairs.
@c public func sparsevar_test_result_values(
  _ result: UnsafePointer<sparsevar_test_result>?, _ statistic: UnsafeMutablePointer<Double>?,
  _ p_value: UnsafeMutablePointer<Double>?, _ p_permutation: UnsafeMutablePointer<Double>?,
  _ n_inter: UnsafeMutablePointer<Int64>?, _ n_intra: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let r = try object(result, TestResultObject.self, "result").outcome.result
    statistic?.pointee = r.statistic
    p_value?.pointee = r.rankSumPValue
    p_permutation?.pointee = r.pValue
    n_inter?.pointee = Int64(r.nInter)
    n_intra?.pointee = Int64(r.nIntra)
  }
}

/// The run-relabelling permutation test behind the test's p-value (any pointer may be NULL):
/// p_value = the permutation p-value (the one to base a verdict on; NaN when
/// SPARSEVAR_TEST_PARAM_PERMUTATIONS is 0), smallest_p = the smallest p-value the test can give
/// for these group sizes (1 / the number of distinct splits when exact, 1 / (permutations + 1)
/// for Monte Carlo; a threshold below it cannot be reached), relabelings = the relabelings
/// evaluated, exact = 1 when every relabeling was enumerated, else 0.
@c public func sparsevar_test_result_permutation(
  _ result: UnsafePointer<sparsevar_test_result>?, _ p_value: UnsafeMutablePointer<Double>?,
  _ smallest_p: UnsafeMutablePointer<Double>?, _ relabelings: UnsafeMutablePointer<Int64>?,
  _ exact: UnsafeMutablePointer<Int32>?
) -> Int32 {
  guarded {
    let r = try object(result, TestResultObject.self, "result").outcome.result
    p_value?.pointee = r.pValue
    smallest_p?.pointee = r.smallestPValue
    relabelings?.pointee = Int64(r.permutationsUsed)
    exact?.pointee = r.permutationExact ? 1 : 0
  }
}

/// The smallest p-value the run-relabelling permutation test can give for groups of size_a and
/// size_b runs with the set's test parameters (1 / the number of distinct splits when they are
/// enumerated, 1 / (permutations + 1) for Monte Carlo); NaN when permutations is 0. A
/// significance threshold below it cannot be reached by any outcome of these runs.
@c public func sparsevar_smallest_p_value(
  _ set: UnsafePointer<sparsevar_var_set>?, _ size_a: Int64, _ size_b: Int64,
  _ smallest_p: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    let object = try object(set, VARSetObject.self, "set")
    guard size_a >= 1, size_b >= 1, size_a <= Int64(Int32.max), size_b <= Int64(Int32.max) else {
      throw ABIError(status: .invalidArgument, message: "group sizes must be in [1, 2^31), got \(size_a) and \(size_b)")
    }
    try require(smallest_p, "smallest_p").pointee = smallestAttainablePValue(
      sizeA: Int(size_a), sizeB: Int(size_b), options: object.settings.options)
  }
}

/// Number of runs N of the set the test ran on (the matrix is N x N).
@c public func sparsevar_test_result_runs(
  _ result: UnsafePointer<sparsevar_test_result>?, _ n_runs: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let outcome = try object(result, TestResultObject.self, "result").outcome
    try require(n_runs, "n_runs").pointee = Int64(outcome.runs)
  }
}

/// Writes the pairwise matrix, N x N row-major: Delta_ij for the swap test, d_ij for the
/// influence test; NaN on the diagonal and for runs in neither group.
@c public func sparsevar_test_result_matrix(
  _ result: UnsafePointer<sparsevar_test_result>?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    let outcome = try object(result, TestResultObject.self, "result").outcome
    try write(outcome.matrix, to: out, capacity: len, "out")
  }
}

/// Wilcoxon rank-sum / Mann-Whitney U test of x against y, equal to scipy.stats.mannwhitneyu
/// (with continuity correction). statistic = U of x.
/// @param alternative  a sparsevar_alternative value.
/// @param method       a sparsevar_rank_sum_method value. The exact method's cost is bounded:
///                     when min(nx, ny) * (k + 1) recursion steps, k the smaller tail of U,
///                     exceed 10^9 (a few seconds; e.g. both samples above ~1400 near the
///                     centre), SPARSEVAR_E_INVALID_ARGUMENT is returned at once: use the
///                     asymptotic method.
@c public func sparsevar_rank_sum(
  _ statistic: UnsafeMutablePointer<Double>?, _ p_value: UnsafeMutablePointer<Double>?,
  _ x: UnsafePointer<Double>?, _ nx: Int64, _ y: UnsafePointer<Double>?, _ ny: Int64,
  _ alternative: Int32, _ method: Int32
) -> Int32 {
  guarded {
    guard nx >= 1, ny >= 1 else {
      throw ABIError(status: .invalidArgument, message: "both samples need at least one value (nx = \(nx), ny = \(ny))")
    }
    let xs = try readDoubles(x, count: try size(nx, "nx"), "x")
    let ys = try readDoubles(y, count: try size(ny, "ny"), "y")
    guard let alt = AlternativeChoice(rawValue: alternative) else {
      throw ABIError(status: .invalidArgument, message: "unknown alternative \(alternative)")
    }
    guard let m = RankSumMethodChoice(rawValue: method) else {
      throw ABIError(status: .invalidArgument, message: "unknown rank-sum method \(method)")
    }
    let r = try rankSumTest(
      xs, ys, alternative: alt == .greater ? .greater : alt == .less ? .less : .twoSided,
      method: m == .exact ? .exact : .asymptotic)
    statistic?.pointee = r.statistic
    p_value?.pointee = r.pValue
  }
}

/// Bonferroni-corrected p-values: out[i] = min(1, m * p_values[i]) (m values; out may equal
/// p_values).
@c public func sparsevar_bonferroni(
  _ out: UnsafeMutablePointer<Double>?, _ p_values: UnsafePointer<Double>?, _ m: Int64
) -> Int32 {
  guarded {
    let count = try size(m, "m", minimum: 1)
    let values = try readDoubles(p_values, count: count, "p_values")
    for v in values where !v.isFinite {
      throw ABIError(status: .nonFinite, message: "p_values contains NaN or infinity")
    }
    for v in values where !(v >= 0 && v <= 1) {
      throw ABIError(status: .invalidArgument, message: "p-values must lie in [0, 1], got \(v)")
    }
    let corrected = bonferroni(values)
    try write(corrected, to: out, capacity: m, "out")
  }
}
