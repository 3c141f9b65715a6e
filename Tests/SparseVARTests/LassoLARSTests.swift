import Foundation
import Testing
@testable import SparseVAR

/// KKT conditions of 1/(2n)||y - Xw||^2 + lambda ||w||_1: |x_j^T r|/n <= lambda, with equality
/// and the sign of w_j on the support.
func kktViolation(_ x: Matrix, _ y: [Double], _ w: [Double], _ lambda: Double) -> Double {
  let fitted = x.times(w)
  let residual = zip(y, fitted).map { $0 - $1 }
  let correlation = x.transposeTimes(residual).map { $0 / Double(x.rows) }
  var worst = 0.0
  for j in w.indices {
    if w[j] == 0 {
      worst = max(worst, abs(correlation[j]) - lambda)
    } else {
      worst = max(worst, abs(correlation[j] - lambda * (w[j] > 0 ? 1 : -1)))
    }
  }
  return worst / max(lambda, 1e-300)
}

@Suite struct LassoLARSTests {
  @Test func solutionsSatisfyKKTOnRandomProblems() throws {
    var rng = TestRandom(seed: 1)
    for trial in 0..<100 {
      let n = 5 + Int(rng.next() % 40)
      let p = 3 + Int(rng.next() % 30)
      let (x, y) = regressionProblem(&rng, n: n, p: p)
      let lambda = lambdaMax(x, y) * (0.02 + 0.9 * rng.uniform())
      let w = try LassoLARS.solve(x: x, y: y, lambda: lambda)
      let path = try LassoLARS.path(x: x, y: y, lambdaMin: lambda)
      #expect(path.coefficients.last == w, "trial \(trial)")
      #expect(path.lambdas.last == lambda || path.stoppedEarly)
      #expect(kktViolation(x, y, w, lambda) < 1e-8, "trial \(trial): n = \(n), p = \(p)")
    }
  }

  @Test func lambdaAtOrAboveLambdaMaxGivesZeros() throws {
    var rng = TestRandom(seed: 2)
    let (x, y) = regressionProblem(&rng, n: 20, p: 6)
    for factor in [1.0, 1.5, 100] {
      let w = try LassoLARS.solve(x: x, y: y, lambda: lambdaMax(x, y) * factor)
      #expect(w.allSatisfy { $0 == 0 })
    }
  }

  @Test func degenerateColumnsAreHandled() throws {
    var rng = TestRandom(seed: 3)
    var (x, y) = regressionProblem(&rng, n: 30, p: 6)
    // Column 3 duplicates column 0, column 4 is zero, column 5 = column 1 + column 2.
    for i in 0..<x.rows {
      x[i, 3] = x[i, 0]
      x[i, 4] = 0
      x[i, 5] = x[i, 1] + x[i, 2]
    }
    for lambda in [0.5, 0.1, 0.01, 0.0] {
      let w = try LassoLARS.solve(x: x, y: y, lambda: lambda)
      #expect(w.allSatisfy { $0.isFinite })
      #expect(w[4] == 0)
      if lambda > 0 { #expect(kktViolation(x, y, w, lambda) < 1e-7, "lambda \(lambda)") }
    }
    y = [Double](repeating: 0, count: x.rows)
    #expect(try LassoLARS.solve(x: x, y: y, lambda: 0.1).allSatisfy { $0 == 0 })
  }

  @Test func moreFeaturesThanSamples() throws {
    var rng = TestRandom(seed: 4)
    let (x, y) = regressionProblem(&rng, n: 10, p: 50)
    let path = try LassoLARS.path(x: x, y: y, lambdaMin: 0)
    #expect(path.active.count <= 10)
    let w = try LassoLARS.solve(x: x, y: y, lambda: 1e-3)
    #expect(kktViolation(x, y, w, 1e-3) < 1e-6)
  }

  @Test func rejectsBadInput() {
    let x = try! Matrix(rows: 2, cols: 2, storage: [1, 0, 0, 1])
    #expect(throws: SparseVARError.self) { try LassoLARS.solve(x: x, y: [1], lambda: 0.1) }
    #expect(throws: SparseVARError.self) { try LassoLARS.solve(x: x, y: [1, .nan], lambda: 0.1) }
    #expect(throws: SparseVARError.self) { try LassoLARS.solve(x: x, y: [1, 2], lambda: -1) }
    #expect(throws: SparseVARError.self) {
      try LassoLARS.solve(x: x, y: [1, 2], lambda: 0.1, options: .init(epsGamma: -1))
    }
  }
}

@Suite struct LassoLARSGradientTests {
  /// Central finite differences of g . w(X, y).
  func finiteDifferences(_ x: Matrix, _ y: [Double], _ lambda: Double, _ g: [Double], epsGamma: Double)
    throws -> (Matrix, [Double])
  {
    let h = 1e-6
    let options = LassoLARSOptions(epsGamma: epsGamma)
    func value(_ x: Matrix, _ y: [Double]) throws -> Double {
      zip(try LassoLARS.solve(x: x, y: y, lambda: lambda, options: options), g).map(*).reduce(0, +)
    }
    var dX = Matrix(rows: x.rows, cols: x.cols)
    for i in x.storage.indices {
      var plus = x
      var minus = x
      plus.storage[i] += h
      minus.storage[i] -= h
      dX.storage[i] = (try value(plus, y) - value(minus, y)) / (2 * h)
    }
    var dy = [Double](repeating: 0, count: y.count)
    for i in y.indices {
      var plus = y
      var minus = y
      plus[i] += h
      minus[i] -= h
      dy[i] = (try value(x, plus) - value(x, minus)) / (2 * h)
    }
    return (dX, dy)
  }

  @Test(arguments: [0.0, 1e-3])
  func unrolledAndImplicitMatchFiniteDifferences(epsGamma: Double) throws {
    var rng = TestRandom(seed: 5)
    for _ in 0..<8 {
      let n = 10 + Int(rng.next() % 10)
      let p = 4 + Int(rng.next() % 6)
      let (x, y) = regressionProblem(&rng, n: n, p: p)
      let lambda = lambdaMax(x, y) * (0.1 + 0.5 * rng.uniform())
      let g = (0..<p).map { _ in rng.normal() }
      let options = LassoLARSOptions(epsGamma: epsGamma)
      let unrolled = try LassoLARS.gradient(
        x: x, y: y, lambda: lambda, options: options, mode: .unrolled, coefficientGradient: g)
      let (fdX, fdY) = try finiteDifferences(x, y, lambda, g, epsGamma: epsGamma)
      let scale = max(1, fdX.storage.map(abs).max()!)
      for i in fdX.storage.indices { #expect(abs(unrolled.x.storage[i] - fdX.storage[i]) / scale < 1e-5) }
      for i in fdY.indices { #expect(abs(unrolled.y[i] - fdY[i]) / scale < 1e-5) }
      if epsGamma == 0 {
        let implicit = try LassoLARS.gradient(
          x: x, y: y, lambda: lambda, mode: .implicit, coefficientGradient: g)
        for i in fdX.storage.indices { #expect(abs(unrolled.x.storage[i] - implicit.x.storage[i]) / scale < 1e-9) }
        for i in fdY.indices { #expect(abs(unrolled.y[i] - implicit.y[i]) / scale < 1e-9) }
      }
    }
  }

  /// Paths on correlated columns, where variables leave the active set: the unrolled gradient
  /// (read from the compact tape, whose steps between drops share one snapshot) equals the
  /// implicit one.
  @Test func unrolledMatchesImplicitOnPathsWithDrops() throws {
    var rng = TestRandom(seed: 17)
    var drops = 0
    for _ in 0..<60 {
      let n = 8 + Int(rng.next() % 30)
      let p = 6 + Int(rng.next() % 40)
      var (x, y) = regressionProblem(&rng, n: n, p: p)
      for i in 0..<n { for j in stride(from: 2, to: p, by: 2) { x[i, j] = 0.8 * x[i, j - 1] + 0.2 * x[i, j] } }
      let lambda = lambdaMax(x, y) * (0.02 + 0.3 * rng.uniform())
      let g = (0..<p).map { _ in rng.normal() }
      let gram = x.gram()
      let xty = x.transposeTimes(y)
      let tape = gram.storage.withUnsafeBufferPointer { gp in
        xty.withUnsafeBufferPointer { cp in
          var engine = LARSEngine(gram: gp, xty: cp, n: n, options: .init())
          return engine.recordingRun(lambda: lambda)
        }
      }
      drops += (0..<tape.stepCount).filter { !tape[$0].dropped.isEmpty }.count
      let unrolled = try LassoLARS.gradient(x: x, y: y, lambda: lambda, mode: .unrolled, coefficientGradient: g)
      let implicit = try LassoLARS.gradient(x: x, y: y, lambda: lambda, mode: .implicit, coefficientGradient: g)
      let scale = max(1, implicit.x.storage.map(abs).max()!, implicit.y.map(abs).max()!)
      for i in implicit.x.storage.indices { #expect(abs(unrolled.x.storage[i] - implicit.x.storage[i]) / scale < 1e-9) }
      for i in implicit.y.indices { #expect(abs(unrolled.y[i] - implicit.y[i]) / scale < 1e-9) }
    }
    #expect(drops >= 10)
  }
}
