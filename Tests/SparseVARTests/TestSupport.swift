// Deterministic random problems shared by the test suites.
@testable import SparseVAR

/// SplitMix64: a small deterministic generator so that test problems are the same everywhere.
struct TestRandom {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// Uniform in [0, 1).
  mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
  /// Standard normal (Box-Muller).
  mutating func normal() -> Double {
    let u = max(uniform(), 1e-300)
    let v = uniform()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
  mutating func matrix(_ rows: Int, _ cols: Int) -> Matrix {
    var m = Matrix(rows: rows, cols: cols)
    for i in m.storage.indices { m.storage[i] = normal() }
    return m
  }
}

/// A regression problem y = X b + noise with a sparse b (first three columns).
func regressionProblem(_ rng: inout TestRandom, n: Int, p: Int) -> (Matrix, [Double]) {
  let x = rng.matrix(n, p)
  var y = [Double](repeating: 0, count: n)
  for i in 0..<n {
    y[i] = 0.3 * rng.normal()
    for j in 0..<min(3, p) { y[i] += Double(j + 1) * x[i, j] * (j % 2 == 0 ? 1 : -1) }
  }
  return (x, y)
}

/// lambda_max = max |X^T y| / n.
func lambdaMax(_ x: Matrix, _ y: [Double]) -> Double {
  x.transposeTimes(y).map(abs).max()! / Double(x.rows)
}

import Foundation
