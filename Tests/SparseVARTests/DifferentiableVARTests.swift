import Testing
@testable import SparseVAR

@Suite struct DifferentiableVARTests {
  func window(_ rng: inout TestRandom) -> Series {
    simulateVAR(&rng, length: 30, lags: sparseTruth(5), dimension: 5)
  }

  func options(_ intercept: VARIntercept = .none) -> SparseVAROptions {
    var o = SparseVAROptions()
    o.lag = 2
    o.lambda = 0.05
    o.threads = 1
    o.intercept = intercept
    return o
  }

  /// Central finite differences of z -> sum(g * f(z)).
  func finiteDifferences(_ z: Series, _ g: [Double], _ f: (Series) throws -> [Double]) throws -> [Double] {
    let h = 1e-6
    var out = [Double](repeating: 0, count: z.values.count)
    for i in z.values.indices {
      var plus = z
      var minus = z
      plus.values[i] += h
      minus.values[i] -= h
      let up = zip(try f(plus), g).map(*).reduce(0, +)
      let down = zip(try f(minus), g).map(*).reduce(0, +)
      out[i] = (up - down) / (2 * h)
    }
    return out
  }

  @Test(arguments: [VARIntercept.none, .seriesMean])
  func endToEndGradientsMatchFiniteDifferences(intercept: VARIntercept) throws {
    var rng = TestRandom(seed: 31)
    var z = window(&rng)
    // An offset per dimension, as the network's latents have: the series mean must carry it.
    for i in z.values.indices { z.values[i] += Double(i % z.dimension + 1) }
    let fitted = try DifferentiableVAR(window: z, options: options(intercept))
    let g = (0..<fitted.forecast.count).map { _ in rng.normal() }
    let fd = try finiteDifferences(z, g) {
      try DifferentiableVAR(window: $0, options: options(intercept)).forecast
    }
    let unrolled = try fitted.backward(forecastGradient: g, mode: .unrolled)
    let implicit = try fitted.backward(forecastGradient: g, mode: .implicit)
    let scale = max(1, fd.map(abs).max()!)
    for i in fd.indices {
      #expect(abs(unrolled[i] - fd[i]) / scale < 1e-5, "unrolled, entry \(i)")
      #expect(abs(unrolled[i] - implicit[i]) / scale < 1e-9, "unrolled vs implicit, entry \(i)")
    }
  }

  @Test(arguments: [VARIntercept.none, .seriesMean])
  func embeddedGradientTreatsCoefficientsAsConstants(intercept: VARIntercept) throws {
    var rng = TestRandom(seed: 32)
    var z = window(&rng)
    for i in z.values.indices { z.values[i] += Double(i % z.dimension + 1) }
    let fitted = try DifferentiableVAR(window: z, options: options(intercept))
    let g = (0..<fitted.forecast.count).map { _ in rng.normal() }
    // The coefficients held fixed, the mean still moves with the window.
    let fd = try finiteDifferences(z, g) {
      try DifferentiableVAR(window: $0, options: options(intercept), model: fitted.model).forecast
    }
    let embedded = try fitted.backward(forecastGradient: g, mode: .coefficientsConstant)
    for i in fd.indices { #expect(abs(embedded[i] - fd[i]) < 1e-7) }
  }

  @Test func subtractingAnOffsetChecksItsLength() throws {
    var rng = TestRandom(seed: 35)
    let z = window(&rng)
    #expect(throws: SparseVARError.self) { try z.subtracting([1, 2]) }
    #expect(throws: SparseVARError.self) { try z.subtracting([Double](repeating: .nan, count: z.dimension)) }
    let mean = z.temporalMean
    let centred = try z.subtracting(mean)
    for value in centred.temporalMean { #expect(abs(value) < 1e-12) }
  }

  @Test func centredForecastAddsTheWindowMeanBack() throws {
    var rng = TestRandom(seed: 34)
    let z = window(&rng)
    let offset = (0..<z.dimension).map { Double($0) - 2 }
    let shifted = try z.subtracting(offset.map { -$0 })
    let plain = try DifferentiableVAR(window: z, options: options(.seriesMean))
    let moved = try DifferentiableVAR(window: shifted, options: options(.seriesMean))
    // A constant offset moves the forecast by itself and leaves the coefficients alone.
    #expect(zip(plain.model.coefficients, moved.model.coefficients).allSatisfy { abs($0 - $1) < 1e-12 })
    for (i, (a, b)) in zip(plain.forecast, moved.forecast).enumerated() {
      #expect(abs(b - a - offset[i % z.dimension]) < 1e-10)
    }
  }

  @Test func theSeriesMeanIsTheWindowsAndColumnsAreRefused() throws {
    var rng = TestRandom(seed: 36)
    var z = window(&rng)
    for i in z.values.indices { z.values[i] += 3 }
    let fitted = try DifferentiableVAR(window: z, options: options(.seriesMean))
    #expect(fitted.mean == z.temporalMean)
    #expect(fitted.model == (try SparseVARModel.fit(z, options: options(.seriesMean))))
    #expect(try DifferentiableVAR(window: z, options: options()).mean == nil)
    let error = try #require(throws: SparseVARError.self) { try DifferentiableVAR(window: z, options: options(.columns)) }
    guard case .invalidArgument(let message) = error else { Issue.record("\(error) is not .invalidArgument"); return }
    #expect(message.contains("series_mean") && message.contains("columns"))
  }

  @Test func threadCountDoesNotChangeGradients() throws {
    var rng = TestRandom(seed: 33)
    let z = simulateVAR(&rng, length: 40, lags: sparseTruth(12), dimension: 12)
    var o = options()
    let g = (0..<(38 * 12)).map { _ in rng.normal() }
    let serial = try DifferentiableVAR(window: z, options: o).backward(forecastGradient: g, mode: .unrolled)
    o.threads = 2
    let parallel = try DifferentiableVAR(window: z, options: o).backward(forecastGradient: g, mode: .unrolled)
    #expect(serial == parallel)
  }

  /// The unrolled backward pass from the steps recorded by the fit equals the one that replays
  /// the fit (up to the rounding of the two Gram matrices), also when the steps outgrow their
  /// budget and some outputs are replayed.
  @Test func recordedStepsGiveTheReplayedGradient() throws {
    var rng = TestRandom(seed: 34)
    let z = simulateVAR(&rng, length: 40, lags: sparseTruth(12), dimension: 12)
    let g = (0..<(38 * 12)).map { _ in rng.normal() }
    for intercept in [VARIntercept.none, .seriesMean] {
      let replayed = try DifferentiableVAR(window: z, options: options(intercept))
      let recorded = try DifferentiableVAR(window: z, options: options(intercept), recordingSteps: true)
      let tapes = try #require(recorded.tapes)
      #expect(tapes.count == 12 && tapes.allSatisfy(\.complete) && tapes.contains { $0.stepCount > 0 })
      let expected = try replayed.backward(forecastGradient: g, mode: .unrolled)
      let actual = try recorded.backward(forecastGradient: g, mode: .unrolled)
      let scale = max(1, expected.map(abs).max()!)
      for i in expected.indices { #expect(abs(actual[i] - expected[i]) / scale < 1e-9) }
      // A budget of the median tape: the longer paths are replayed, the rest read from their tape.
      let median = tapes.map(\.bytes).sorted()[6]
      let slots = ConcurrentSlots(count: 12, initial: LARSTape())
      let model = try SparseVARModel.fit(z, options: options(intercept), progress: nil, tapes: slots, tapeBytes: median)
      let cut = (0..<12).map { slots.value($0) }
      #expect(cut.contains { $0.complete } && cut.contains { !$0.complete && $0.stepCount == 0 })
      let mixed = try DifferentiableVAR(window: z, options: options(intercept), model: model, tapes: cut)
      let fromMixed = try mixed.backward(forecastGradient: g, mode: .unrolled)
      for i in expected.indices { #expect(abs(fromMixed[i] - expected[i]) / scale < 1e-9) }
    }
  }
}
