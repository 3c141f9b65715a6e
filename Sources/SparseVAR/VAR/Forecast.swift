//===--- Forecast.swift ---------------------------------------------------===//
//
// One-step forecasts of a fitted VAR on any series of the same dimension, the prediction errors
// built on them (R_var, and E_{i<-j} of the swap test), and the influence vector.
//
//===----------------------------------------------------------------------===//

import _COpenBLAS

extension SparseVARModel {
  /// One-step forecasts zhat_t for t = p+1..T of any series z' of the VAR's dimension:
  /// (T - p) x K, row-major. Without a series mean, zhat_t = sum_k A_k z'_{t-k} + sigma' b, with
  /// sigma' the forecast series' own scale (only the intercept depends on it; without intercept
  /// sigma cancels). With a series mean (`VARIntercept.seriesMean`), zhat_t = m' + sum_k A_k
  /// (z'_{t-k} - m'), with m' the forecast series' own temporal mean: a series' level, like its
  /// scale, is its own, and the VAR carries only the dynamics (for the series the VAR was fitted
  /// on, m' = `mean` and zhat_t = sum_k A_k z_{t-k} + sigma b).
  public func forecast(_ series: Series) throws -> [Double] {
    let (centred, mean) = try centring(series)
    var out = try linearForecast(centred)
    if let mean { for i in out.indices { out[i] += mean[i % dimension] } }
    return out
  }

  /// Mean over t = p+1..T of ||z_t - zhat_t||^2: E_{i<-j} when this is run j's VAR and the series
  /// is run i's. With a series mean the residuals are taken on the centred series (the same
  /// values, without adding the mean back and taking it away again).
  public func predictionError(_ series: Series) throws -> Double {
    let (centred, _) = try centring(series)
    let zhat = try linearForecast(centred)
    let k = dimension
    let n = centred.length - lag
    var total = 0.0
    for t in 0..<n {
      for j in 0..<k {
        let d = centred.values[(t + lag) * k + j] - zhat[t * k + j]
        total += d * d
      }
    }
    return total / Double(n)
  }

  /// The series the coefficients act on, and the mean to add back to their forecasts: `series`
  /// minus its own temporal mean for a VAR with a series mean, `series` itself otherwise.
  func centring(_ series: Series) throws -> (Series, [Double]?) {
    guard series.dimension == dimension else {
      throw SparseVARError.shape(
        "the series has K = \(series.dimension) dimensions but the VAR has \(dimension)")
    }
    guard mean != nil else { return (series, nil) }
    let own = series.temporalMean
    return (try series.subtracting(own), own)
  }

  /// sum_k A_k z_{t-k} (+ sigma_z b when the intercept comes from column means), t = p+1..T.
  private func linearForecast(_ series: Series) throws -> [Double] {
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
    if mean == nil, intercept.contains(where: { $0 != 0 }) {
      let scale = normalize ? series.standardDeviation : 1
      for t in 0..<n { for j in 0..<k { out[t * k + j] += scale * intercept[j] } }
    }
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
