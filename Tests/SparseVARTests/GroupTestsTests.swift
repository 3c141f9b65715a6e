import Foundation
import Testing
@testable import SparseVAR

/// Fits `count` runs simulated from one VAR (or from `other` for the second half).
func fittedRuns(
  _ rng: inout TestRandom, count: Int, length: Int, k: Int, first: [[Double]], second: [[Double]]
) throws -> [FittedRun] {
  var options = SparseVAROptions()
  options.lag = 2
  options.lambda = 0.02
  options.threads = 1
  return try (0..<count).map { i in
    let series = simulateVAR(&rng, length: length, lags: i < count / 2 ? first : second, dimension: k)
    return try FittedRun(model: try SparseVARModel.fit(series, options: options), series: series)
  }
}

@Suite struct GroupTestsTests {
  @Test func swapMatrixFollowsTheDefinition() throws {
    var rng = TestRandom(seed: 21)
    let k = 5
    let runs = try fittedRuns(&rng, count: 6, length: 150, k: k, first: sparseTruth(k), second: sparseTruth(k))
    let outcome = try GroupTests.coefficientSwap(runs, groupA: [0, 1, 2], groupB: [3, 4, 5])
    for i in 0..<6 {
      #expect(outcome.matrix[i * 6 + i].isNaN)
      for j in 0..<6 where j != i {
        let expected =
          try runs[j].model.predictionError(runs[i].series) - runs[i].model.predictionError(runs[i].series)
        #expect(abs(outcome.matrix[i * 6 + j] - expected) < 1e-12)
      }
    }
    #expect(outcome.result.nInter == 18)
    #expect(outcome.result.nIntra == 12)
  }

  @Test func detectsDifferentDynamics() throws {
    var rng = TestRandom(seed: 22)
    let k = 5
    var other = sparseTruth(k)
    other[0][1 * k + 0] = -0.35
    other[0][2 * k + 4] = 0.4
    let runs = try fittedRuns(&rng, count: 8, length: 400, k: k, first: sparseTruth(k), second: other)
    let swap = try GroupTests.coefficientSwap(runs, groupA: [0, 1, 2, 3], groupB: [4, 5, 6, 7])
    #expect(swap.result.rankSumPValue < 1e-4)
    #expect(swap.result.pValue <= 1.0 / 35 + 1e-12)  // the smallest possible of C(8,4)/2 relabelings
    let influence = try GroupTests.influenceDistance(runs.map(\.model), groupA: [0, 1, 2, 3], groupB: [4, 5, 6, 7])
    #expect(influence.result.rankSumPValue < 0.05)
  }

  @Test func rejectsBadGroups() throws {
    var rng = TestRandom(seed: 23)
    let runs = try fittedRuns(&rng, count: 4, length: 60, k: 5, first: sparseTruth(5), second: sparseTruth(5))
    #expect(throws: SparseVARError.self) { try GroupTests.coefficientSwap(runs, groupA: [0], groupB: [1, 2]) }
    #expect(throws: SparseVARError.self) { try GroupTests.coefficientSwap(runs, groupA: [0, 1], groupB: [1, 2]) }
    #expect(throws: SparseVARError.self) { try GroupTests.coefficientSwap(runs, groupA: [0, 1], groupB: [2, 9]) }
  }

  /// Both groups from the same VAR: how often does each p-value fall below 0.05? The pairs that
  /// share a run are dependent, so the rank-sum p-value is expected to reject too often; the
  /// permutation p-value over run labels must hold its level. The rates are printed for the docs.
  @Test func calibrationUnderTheNull() throws {
    var rng = TestRandom(seed: 24)
    let k = 5
    let repetitions = 400
    var rankSumRejections = 0
    var permutationRejections = 0
    for _ in 0..<repetitions {
      let runs = try fittedRuns(&rng, count: 10, length: 120, k: k, first: sparseTruth(k), second: sparseTruth(k))
      let outcome = try GroupTests.coefficientSwap(
        runs, groupA: [0, 1, 2, 3, 4], groupB: [5, 6, 7, 8, 9], threads: 1)
      if outcome.result.rankSumPValue < 0.05 { rankSumRejections += 1 }
      if outcome.result.pValue < 0.05 { permutationRejections += 1 }
    }
    let rankSumRate = Double(rankSumRejections) / Double(repetitions)
    let permutationRate = Double(permutationRejections) / Double(repetitions)
    print("null rejection rate at 0.05 over \(repetitions) experiments (5 vs 5 runs, K = \(k), T = 120): "
      + "rank-sum \(rankSumRate), permutation \(permutationRate)")
    // Binomial(400, 0.05): mean 20, the 99.9% quantile is 35.
    #expect(permutationRejections <= 35)
  }
}
