import Foundation
import Testing
@testable import SparseVAR

/// Simulates z_t = A_1 z_{t-1} + A_2 z_{t-2} + noise with a known sparse A (K x K per lag).
func simulateVAR(_ rng: inout TestRandom, length: Int, lags: [[Double]], dimension k: Int) -> Series {
  var values = [Double](repeating: 0, count: (length + 50) * k)
  for t in lags.count..<(length + 50) {
    for j in 0..<k {
      var v = rng.normal()
      for (lagIndex, a) in lags.enumerated() {
        for l in 0..<k { v += a[j * k + l] * values[(t - lagIndex - 1) * k + l] }
      }
      values[t * k + j] = v
    }
  }
  return try! Series(length: length, dimension: k, values: Array(values[(50 * k)...]))
}

/// A stable sparse VAR(2) of dimension k >= 5: self-excitation plus a few cross-connections.
func sparseTruth(_ k: Int) -> [[Double]] {
  var a1 = [Double](repeating: 0, count: k * k)
  var a2 = [Double](repeating: 0, count: k * k)
  for j in 0..<k { a1[j * k + j] = 0.4 }
  a1[1 * k + 0] = 0.35
  a1[3 * k + 2] = -0.3
  a2[0 * k + 4] = 0.25
  return [a1, a2]
}

@Suite struct SparseVARTests {
  @Test func recoversTheSupportOfAKnownSparseVAR() throws {
    var rng = TestRandom(seed: 11)
    let k = 6
    let truth = sparseTruth(k)
    let series = simulateVAR(&rng, length: 2000, lags: truth, dimension: k)
    var options = SparseVAROptions()
    options.lag = 2
    options.lambda = 0.02
    let model = try SparseVARModel.fit(series, options: options)
    for lagIndex in 1...2 {
      for j in 0..<k {
        for l in 0..<k {
          let a = model.coefficient(lag: lagIndex, to: j, from: l)
          let t = truth[lagIndex - 1][j * k + l]
          if t != 0 { #expect(abs(a - t) < 0.1, "A\(lagIndex)[\(j),\(l)] = \(a), truth \(t)") }
          else { #expect(abs(a) < 0.05, "A\(lagIndex)[\(j),\(l)] = \(a) should be ~0") }
        }
      }
    }
    #expect(try model.relativeError(series) < 1)
  }

  @Test func threadsDoNotChangeTheResult() throws {
    var rng = TestRandom(seed: 12)
    let series = simulateVAR(&rng, length: 300, lags: sparseTruth(8), dimension: 8)
    var options = SparseVAROptions()
    options.threads = 1
    let serial = try SparseVARModel.fit(series, options: options)
    options.threads = 2
    #expect(try SparseVARModel.fit(series, options: options) == serial)
  }

  @Test func maskForbidsConnections() throws {
    var rng = TestRandom(seed: 13)
    let k = 6
    let series = simulateVAR(&rng, length: 500, lags: sparseTruth(k), dimension: k)
    var options = SparseVAROptions()
    options.lag = 2
    options.mask = (0..<(k * k)).map { $0 / k == $0 % k }  // self-connections only
    let model = try SparseVARModel.fit(series, options: options)
    for lagIndex in 1...2 {
      for j in 0..<k {
        for l in 0..<k where l != j { #expect(model.coefficient(lag: lagIndex, to: j, from: l) == 0) }
      }
    }
    #expect(model.influence.allSatisfy { $0 == 0 })
  }

  @Test func forecastMatchesTheDefinition() throws {
    var rng = TestRandom(seed: 14)
    let k = 5
    let series = simulateVAR(&rng, length: 200, lags: sparseTruth(k), dimension: k)
    var options = SparseVAROptions()
    options.lag = 2
    options.intercept = .columns
    let model = try SparseVARModel.fit(series, options: options)
    let zhat = try model.forecast(series)
    let sigma = series.standardDeviation
    #expect(abs(model.sigma - sigma) < 1e-12)
    for t in 2..<series.length {
      for j in 0..<k {
        var expected = sigma * model.intercept[j]
        for lagIndex in 1...2 {
          for l in 0..<k { expected += model.coefficient(lag: lagIndex, to: j, from: l) * series.values[(t - lagIndex) * k + l] }
        }
        #expect(abs(zhat[(t - 2) * k + j] - expected) < 1e-10)
      }
    }
  }

  /// A series with an offset per dimension, and the options of a fit with `intercept`.
  func offsetSeries(seed: UInt64, length: Int = 200, intercept: VARIntercept) -> (Series, SparseVAROptions) {
    var rng = TestRandom(seed: seed)
    var series = simulateVAR(&rng, length: length, lags: sparseTruth(5), dimension: 5)
    for i in series.values.indices { series.values[i] += Double(i % 5) - 1.5 }
    var options = SparseVAROptions()
    options.lag = 2
    options.intercept = intercept
    return (series, options)
  }

  @Test func seriesMeanFitIsThePlainFitOfTheCentredSeries() throws {
    let (series, options) = offsetSeries(seed: 16, intercept: .seriesMean)
    let model = try SparseVARModel.fit(series, options: options)
    var plain = options
    plain.intercept = .none
    let reference = try SparseVARModel.fit(try series.subtracting(series.temporalMean), options: plain)
    #expect(model.mean == series.temporalMean)
    #expect(model.coefficients == reference.coefficients && model.sigma == reference.sigma)
    #expect(model.lambdas == reference.lambdas && reference.mean == nil)
    #expect(model.coefficients.contains { $0 != 0 })
  }

  @Test func seriesMeanForecastsEverySeriesAroundItsOwnMean() throws {
    let (series, options) = offsetSeries(seed: 17, intercept: .seriesMean)
    let model = try SparseVARModel.fit(series, options: options)
    let (other, _) = offsetSeries(seed: 18, length: 60, intercept: .seriesMean)
    let k = series.dimension
    for z in [series, other] {
      let m = z.temporalMean
      let zhat = try model.forecast(z)
      var squared = 0.0
      for t in 2..<z.length {
        for j in 0..<k {
          var expected = m[j]
          for lagIndex in 1...2 {
            for l in 0..<k { expected += model.coefficient(lag: lagIndex, to: j, from: l) * (z.values[(t - lagIndex) * k + l] - m[l]) }
          }
          #expect(abs(zhat[(t - 2) * k + j] - expected) < 1e-10)
          let d = z.values[t * k + j] - zhat[(t - 2) * k + j]
          squared += d * d
        }
      }
      #expect(abs(try model.predictionError(z) - squared / Double(z.length - 2)) < 1e-10)
    }
  }

  /// For the fitted series, zhat_t = sum_k A_k z_{t-k} + sigma b in every mode, b the model's
  /// intercept; with a series mean b = (I - sum_k A_k) m / sigma.
  @Test(arguments: VARIntercept.allCases) func interceptGivesTheFittedSeriesForecasts(intercept: VARIntercept) throws {
    let (series, options) = offsetSeries(seed: 19, intercept: intercept)
    let model = try SparseVARModel.fit(series, options: options)
    let k = series.dimension
    let zhat = try model.forecast(series)
    for t in 2..<series.length {
      for j in 0..<k {
        var expected = model.sigma * model.intercept[j]
        for lagIndex in 1...2 {
          for l in 0..<k { expected += model.coefficient(lag: lagIndex, to: j, from: l) * series.values[(t - lagIndex) * k + l] }
        }
        #expect(abs(zhat[(t - 2) * k + j] - expected) < 1e-10)
      }
    }
    switch intercept {
    case .none: #expect(model.intercept.allSatisfy { $0 == 0 } && model.mean == nil)
    case .columns: #expect(model.intercept.contains { abs($0) > 0.1 } && model.mean == nil)
    case .seriesMean:
      let m = series.temporalMean
      for j in 0..<k {
        var level = m[j]
        for lagIndex in 1...2 { for l in 0..<k { level -= model.coefficient(lag: lagIndex, to: j, from: l) * m[l] } }
        #expect(abs(model.intercept[j] - level / model.sigma) < 1e-12)
      }
    }
  }

  @Test func informationCriterionChoosesAKnotOfThePath() throws {
    var rng = TestRandom(seed: 15)
    let series = simulateVAR(&rng, length: 400, lags: sparseTruth(5), dimension: 5)
    var options = SparseVAROptions()
    options.lag = 2
    options.criterion = .bic
    let model = try SparseVARModel.fit(series, options: options)
    let paths = try #require(model.criterionPaths)
    for (j, path) in paths.enumerated() {
      let best = path.values.indices.min { path.values[$0] < path.values[$1] }!
      #expect(model.lambdas[j] == path.lambdas[best])
    }
    options.lag = 80  // 400 samples, 400 features: no noise variance estimate
    #expect(throws: SparseVARError.self) { try SparseVARModel.fit(series, options: options) }
  }

  @Test func cancellationThrowsAndStopsEarly() throws {
    var rng = TestRandom(seed: 16)
    let series = simulateVAR(&rng, length: 100, lags: sparseTruth(64), dimension: 64)
    var calls = 0
    #expect(throws: SparseVARError.self) {
      try SparseVARModel.fit(series, progress: { done, total in
        calls += 1
        return done < total / 2
      })
    }
    #expect(calls >= 1)
  }

  @Test func rejectsBadInput() throws {
    var rng = TestRandom(seed: 17)
    let series = simulateVAR(&rng, length: 50, lags: sparseTruth(5), dimension: 5)
    var options = SparseVAROptions()
    options.lag = 0
    #expect(throws: SparseVARError.self) { try SparseVARModel.fit(series, options: options) }
    options = SparseVAROptions()
    options.lambda = -1
    #expect(throws: SparseVARError.self) { try SparseVARModel.fit(series, options: options) }
    options = SparseVAROptions()
    options.mask = [true]
    #expect(throws: SparseVARError.self) { try SparseVARModel.fit(series, options: options) }
    options = SparseVAROptions()
    options.lag = 49
    #expect(throws: SparseVARError.self) { try SparseVARModel.fit(series, options: options) }
    let constant = try Series(length: 20, dimension: 2, values: [Double](repeating: 3, count: 40))
    #expect(throws: SparseVARError.self) { try SparseVARModel.fit(constant) }
    #expect(throws: SparseVARError.self) {
      try Series(length: 2, dimension: 2, values: [1, 2, .infinity, 4])
    }
  }
}
