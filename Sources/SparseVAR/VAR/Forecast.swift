//===--- Forecast.swift ---------------------------------------------------===//
//
// One-step forecasts of a fitted VAR on any series of the same dimension, the prediction errors
// built on them (R_var, and E_{i<-j} of the swap test), and the influence vector.
//
//===----------------------------------------------------------------------===//

import _COpenBLAS

extension SparseVARModel {
  /// One-step forecasts zhat_t for t = p+1..T: (T - p) x K, row-major.
  /// zhat_t = sum_k A_k z_{t-k} + sigma_z b, with sigma_z the forecast series' own scale (only
  /// the intercept depends on it; without intercept sigma cancels).
  public func forecast(_ series: Series) throws -> [Double] {
    guard series.dimension == dimension else {
      throw SparseVARError.shape(
        "the series has K = \(series.dimension) dimensions but the VAR has \(dimension)")
    }
    guard series.length > lag else {
      throw SparseVARError.shape(
        "forecasting with lag \(lag) needs more than \(lag) time points, got \(series.length)")
    }
    let k = dimension
    let n = series.length - lag
    var out = [Double](repeating: 0, count: n * k)
    series.values.withUnsafeBufferPointer { z in
      coefficients.withUnsafeBufferPointer { a in
        for lagIndex in 1...lag {
          // Zhat += Z_{lagged} * A_lag^T
          cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(k), Int32(k), 1.0,
            z.baseAddress! + (lag - lagIndex) * k, Int32(k), a.baseAddress! + (lagIndex - 1) * k * k,
            Int32(k), 1.0, &out, Int32(k))
        }
      }
    }
    if intercept.contains(where: { $0 != 0 }) {
      let scale = normalize ? series.standardDeviation : 1
      for t in 0..<n { for j in 0..<k { out[t * k + j] += scale * intercept[j] } }
    }
    return out
  }

  /// Mean over t = p+1..T of ||z_t - zhat_t||^2: E_{i<-j} when this is run j's VAR and the series
  /// is run i's.
  public func predictionError(_ series: Series) throws -> Double {
    let zhat = try forecast(series)
    let k = dimension
    let n = series.length - lag
    var total = 0.0
    for t in 0..<n {
      for j in 0..<k {
        let d = series.values[(t + lag) * k + j] - zhat[t * k + j]
        total += d * d
      }
    }
    return total / Double(n)
  }

  /// One-step forecasts of `series` around `mean` (K values): zhat_t = mean + sum_k A_k
  /// (z_{t-k} - mean), for a VAR fitted to a series minus its mean; (T - p) x K, row-major.
  public func forecast(_ series: Series, around mean: [Double]) throws -> [Double] {
    guard series.dimension == dimension else {
      throw SparseVARError.shape(
        "the series has K = \(series.dimension) dimensions but the VAR has \(dimension)")
    }
    var out = try forecast(try series.subtracting(mean))
    for i in out.indices { out[i] += mean[i % dimension] }
    return out
  }

  /// R_var = mean over t = p+1..T of ||z_t - zhat_t||^2 / ||z_t||^2 (time points with z_t = 0
  /// are skipped).
  public func relativeError(_ series: Series) throws -> Double {
    try relativeForecastError(series, try forecast(series), lag: lag)
  }

  /// Influence vector c_l = sum_k sum_{j != l} |A_k[j, l]|: the total outflow of latent l,
  /// self-connections excluded (K values).
  public var influence: [Double] {
    let k = dimension
    var c = [Double](repeating: 0, count: k)
    for lagIndex in 0..<lag {
      for j in 0..<k {
        for l in 0..<k where l != j { c[l] += abs(coefficients[lagIndex * k * k + j * k + l]) }
      }
    }
    return c
  }
}

/// R_var of one-step forecasts `zhat` ((T - lag) x K) of `series`: mean over t = p+1..T of
/// ||z_t - zhat_t||^2 / ||z_t||^2 (time points with z_t = 0 are skipped).
func relativeForecastError(_ series: Series, _ zhat: [Double], lag: Int) throws -> Double {
  let k = series.dimension
  let n = series.length - lag
  var total = 0.0
  var counted = 0
  for t in 0..<n {
    var error = 0.0
    var norm = 0.0
    for j in 0..<k {
      let z = series.values[(t + lag) * k + j]
      error += (z - zhat[t * k + j]) * (z - zhat[t * k + j])
      norm += z * z
    }
    if norm > 0 {
      total += error / norm
      counted += 1
    }
  }
  guard counted > 0 else {
    throw SparseVARError.numerical("R_var is undefined: every forecast target z_t is zero")
  }
  return total / Double(counted)
}
