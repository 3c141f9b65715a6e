//===--- PairwiseGroupTestParameters.swift --------------------------------===//
//
// The parameter table of the group tests (the C sparsevar_test_param values). A model holds the
// same options under its own ids (SparseVARNetworkSettings.parameters lifts these rows).
//
//===----------------------------------------------------------------------===//

extension PairwiseGroupTestOptions {
  /// The options set by number.
  public static var parameters: [Setting<PairwiseGroupTestOptions>] {
    [
      .choice(
        300, "method", \.method, ["asymptotic": RankSumMethod.asymptotic, "exact": .exact], default: .asymptotic,
        "How the rank-sum p-value (the paper's statistic, not the test's p-value) is computed: the normal approximation with tie and continuity correction, or the exact null distribution."),
      .integer(
        301, "permutations", \.permutations, in: 0...1e15, default: 9999,
        "Random relabelings of the runs for the tests' permutation p-value (the test's p-value) when exact enumeration is too large; 9999 gives a smallest Monte Carlo p of 1e-4; 0 = no permutation p-value (reported as NaN)."),
      .integer(302, "seed", \.seed, in: 0...1e15, default: 0, "Seed of the Monte Carlo relabelings."),
      .integer(
        303, "exact_limit", \.exactLimit, in: 1...1e15, default: 20000,
        "Largest number of relabelings enumerated exactly."),
    ]
  }
}

/// The settings of the tests run on a set of fitted runs: the tests' options and the threads of
/// the swap test's forecasts.
public struct GroupTestSettings: Sendable, Equatable {
  public var options = PairwiseGroupTestOptions()
  /// Worker threads of the swap test's forecasts (0 = all cores).
  public var threads = 0

  public init() {}

  /// The tests' options and the threads (the C sparsevar_test_param values).
  public static var parameters: [Setting<GroupTestSettings>] {
    PairwiseGroupTestOptions.parameters.map { $0.lifted(to: \.options, id: $0.id, name: $0.name) }
      + [.threads(400, \.threads, "Worker threads of the swap test's forecasts (0 = all cores). Results do not depend on it.")]
  }
}
