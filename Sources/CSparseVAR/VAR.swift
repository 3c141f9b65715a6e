//===--- VAR.swift --------------------------------------------------------===//
//
// C API of the sparse VAR: a handle holds parameters (set by enum, zstd style) and, after a fit,
// the coefficients. Series are T x K row-major: z[t * K + l] is latent l at time t.
//
//===----------------------------------------------------------------------===//

import SparseVAR
import _SparseVARHandles

/// How lambda is chosen (parameter SPARSEVAR_VAR_PARAM_CRITERION).
@c(sparsevar_criterion) public enum CriterionChoice: Int32 {
  /// Use the lambda parameter for every output.
  case none = 0
  /// Akaike's criterion along each output's full lasso path (as scikit-learn's LassoLarsIC).
  case aic = 1
  /// Bayes' criterion along each output's full lasso path.
  case bic = 2
}

/// How a VAR's intercept b (one per output, unpenalised, in units of the normalised series
/// u = z / sigma) is estimated (parameters SPARSEVAR_VAR_PARAM_INTERCEPT and
/// SPARSEVAR_AUTOENCODER_PARAM_INTERCEPT).
@c(sparsevar_intercept) public enum InterceptChoice: Int32 {
  /// No intercept: u_t ~ sum over lags of A_lag u_{t-lag}.
  case none = 0
  /// scikit-learn's fit_intercept: the lagged design's columns and the targets are centred on
  /// their means, b_j = mean(u_j) - mean(x)^T w_j. Not accepted by the autoencoder.
  case columns = 1
  /// The mean-adjusted VAR: fitted to the series minus its temporal mean m (over all t), and
  /// every series z' is forecast around its own temporal mean m':
  /// zhat_t = m' + sum over lags of A_lag (z'_{t-lag} - m'); b = (I - sum of A_lag) m / sigma.
  case seriesMean = 2
}

/// A progress callback: called with (done, total) units of work and the caller's user pointer.
/// Return 0 to continue, anything else to cancel the call (which then returns
/// SPARSEVAR_E_INTERRUPTED and leaves the object as it was).
public typealias ProgressCallback = @convention(c) (Int64, Int64, UnsafeMutableRawPointer?) -> Int32

final class VARObject {
  var options = SparseVAROptions()
  var model: SparseVARModel?

  func fitted() throws -> SparseVARModel {
    guard let model else {
      throw SparseVARError.notFitted("the VAR has not been fitted: call sparsevar_var_fit_f64 first")
    }
    return model
  }
}

/// Creates a VAR with default parameters and no fit.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_var_free.
@c public func sparsevar_var_create(_ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_var>?>?) -> Int32 {
  out?.pointee = nil
  return guarded {
    let result = try require(out, "out")
    result.pointee = try retainHandle(VARObject(), as: sparsevar_var.self)
  }
}

/// Frees a VAR. NULL is a no-op.
@c public func sparsevar_var_free(_ var_: UnsafeMutablePointer<sparsevar_var>?) {
  release(var_, VARObject.self)
}

/// Sets one parameter (a sparsevar_var_param value). Integer parameters must be given whole
/// numbers. Takes effect at the next fit; an existing fit is kept.
@c public func sparsevar_var_set_param(
  _ var_: UnsafeMutablePointer<sparsevar_var>?, _ param: Int32, _ value: Double
) -> Int32 {
  guarded {
    try varSettings.set(param, value, on: &object(var_, VARObject.self, "var").options)
  }
}

/// Reads one parameter's current value.
@c public func sparsevar_var_get_param(
  _ var_: UnsafePointer<sparsevar_var>?, _ param: Int32, _ value: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    try varSettings.get(param, from: object(var_, VARObject.self, "var").options, to: value)
  }
}

/// Lower and upper bound and default of a parameter. Bounds are inclusive, except an upper bound
/// of +inf, which means "any finite value": values must always be finite. Any output pointer may
/// be NULL. Always thread-safe.
@c public func sparsevar_var_param_bounds(
  _ param: Int32, _ lower: UnsafeMutablePointer<Double>?, _ upper: UnsafeMutablePointer<Double>?,
  _ default_value: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    try varSettings.bounds(param, lower, upper, default_value)
  }
}

/// Restricts the connections the VAR may use: mask is K x K row-major, mask[j * K + l] != 0
/// allows latent l to drive latent j (at every lag). mask = NULL with k = 0 removes the
/// restriction. The mask is copied; it applies to fits of K-dimensional series.
@c public func sparsevar_var_set_mask(
  _ var_: UnsafeMutablePointer<sparsevar_var>?, _ mask: UnsafePointer<UInt8>?, _ k: Int64
) -> Int32 {
  guarded {
    let object = try object(var_, VARObject.self, "var")
    let dimension = try size(k, "k")
    if dimension == 0 {
      object.options.mask = nil
      return
    }
    let base = try require(mask, "mask")
    let entries = try elementCount(dimension, dimension, what: "the mask (k x k)")
    try reserveMemory(entries, of: Bool.self, what: "the mask")
    object.options.mask = UnsafeBufferPointer(start: base, count: entries).map { $0 != 0 }
  }
}

func fitVAR(
  _ var_: UnsafeMutablePointer<sparsevar_var>?, _ values: () throws -> [Double], _ t: Int64, _ k: Int64,
  _ progress: ProgressCallback?, _ user: UnsafeMutableRawPointer?
) -> Int32 {
  guarded {
    let object = try object(var_, VARObject.self, "var")
    let series = try Series(length: try size(t, "t"), dimension: try size(k, "k", minimum: 1), values: try values())
    if let mask = object.options.mask, mask.count != series.dimension * series.dimension {
      throw ABIError(
        status: .shape,
        message: "the mask is for K = \(Int(Double(mask.count).squareRoot())) but the series has K = \(series.dimension)")
    }
    let handler: ProgressHandler? = progress.map { callback in
      { done, total in callback(Int64(done), Int64(total), user) == 0 }
    }
    object.model = try SparseVARModel.fit(series, options: object.options, progress: handler)
  }
}

/// Fits the VAR to a series z (t x k, row-major, double). Replaces any previous fit; on failure
/// the previous fit is kept.
/// @param progress  optional; called on the calling thread with (outputs done, K, user) after each
///                  batch of outputs; returning non-zero cancels the fit.
/// @param user      passed to progress as is.
@c public func sparsevar_var_fit_f64(
  _ var_: UnsafeMutablePointer<sparsevar_var>?, _ z: UnsafePointer<Double>?, _ t: Int64, _ k: Int64,
  _ progress: ProgressCallback?, _ user: UnsafeMutableRawPointer?
) -> Int32 {
  fitVAR(var_, { try readDoubles(z, count: try seriesCount(t, k), "z") }, t, k, progress, user)
}

/// As sparsevar_var_fit_f64 for a float series (computation in double precision).
@c public func sparsevar_var_fit_f32(
  _ var_: UnsafeMutablePointer<sparsevar_var>?, _ z: UnsafePointer<Float>?, _ t: Int64, _ k: Int64,
  _ progress: ProgressCallback?, _ user: UnsafeMutableRawPointer?
) -> Int32 {
  fitVAR(var_, { try readFloats(z, count: try seriesCount(t, k), "z") }, t, k, progress, user)
}

/// Lag p and dimension K of the fitted VAR (SPARSEVAR_E_NOT_FITTED before a fit).
@c public func sparsevar_var_shape(
  _ var_: UnsafePointer<sparsevar_var>?, _ p: UnsafeMutablePointer<Int64>?, _ k: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let model = try object(var_, VARObject.self, "var").fitted()
    p?.pointee = Int64(model.lag)
    k?.pointee = Int64(model.dimension)
  }
}

/// Writes the coefficients, p x K x K: out[(lag - 1) * K * K + j * K + l] = A_lag[j, l], the
/// effect of latent l at time t - lag on latent j at time t. len >= p * K * K.
@c public func sparsevar_var_coef(
  _ var_: UnsafePointer<sparsevar_var>?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    let model = try object(var_, VARObject.self, "var").fitted()
    try write(model.coefficients, to: out, capacity: len, "out")
  }
}

/// Writes the intercept b per output (K values, in units of the normalised series u = z / sigma;
/// zeros with SPARSEVAR_INTERCEPT_NONE), such that the forecasts of the fitted series are
/// sum over lags of A_lag z_{t-lag} + sigma * b. With SPARSEVAR_INTERCEPT_SERIES_MEAN,
/// b = (I - sum over lags of A_lag) m / sigma for the fitted series' temporal mean m.
@c public func sparsevar_var_intercept(
  _ var_: UnsafePointer<sparsevar_var>?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    let model = try object(var_, VARObject.self, "var").fitted()
    try write(model.intercept, to: out, capacity: len, "out")
  }
}

/// The scale sigma the fit divided the series by (1 when normalisation is off).
@c public func sparsevar_var_sigma(
  _ var_: UnsafePointer<sparsevar_var>?, _ sigma: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    let model = try object(var_, VARObject.self, "var").fitted()
    try require(sigma, "sigma").pointee = model.sigma
  }
}

/// Writes the lambda used for each output (K values): the lambda parameter, or each output's
/// choice by the information criterion.
@c public func sparsevar_var_lambdas(
  _ var_: UnsafePointer<sparsevar_var>?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    let model = try object(var_, VARObject.self, "var").fitted()
    try write(model.lambdas, to: out, capacity: len, "out")
  }
}

/// Number of knots of output j's lasso path, recorded when the fit used an information criterion
/// (SPARSEVAR_E_INVALID_ARGUMENT otherwise).
@c public func sparsevar_var_path_length(
  _ var_: UnsafePointer<sparsevar_var>?, _ output: Int64, _ len: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let path = try criterionPath(var_, output)
    try require(len, "len").pointee = Int64(path.lambdas.count)
  }
}

/// Writes output j's path: the lambda at each knot and the criterion value there (len values
/// each; either pointer may be NULL).
@c public func sparsevar_var_path(
  _ var_: UnsafePointer<sparsevar_var>?, _ output: Int64, _ lambdas: UnsafeMutablePointer<Double>?,
  _ criterion: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    let path = try criterionPath(var_, output)
    if lambdas != nil { try write(path.lambdas, to: lambdas, capacity: len, "lambdas") }
    if criterion != nil { try write(path.values, to: criterion, capacity: len, "criterion") }
  }
}

func criterionPath(_ var_: UnsafePointer<sparsevar_var>?, _ output: Int64) throws -> CriterionPath {
  let model = try object(var_, VARObject.self, "var").fitted()
  guard let paths = model.criterionPaths else {
    throw ABIError(
      status: .invalidArgument,
      message: "paths are recorded only by fits with an information criterion (SPARSEVAR_VAR_PARAM_CRITERION)")
  }
  guard output >= 0, output < Int64(paths.count) else {
    throw ABIError(status: .invalidArgument, message: "output \(output) is out of range (0..<\(paths.count))")
  }
  return paths[Int(output)]
}

/// The number of values t * k of a series argument (t >= 0, k >= 1).
func seriesCount(_ t: Int64, _ k: Int64) throws -> Int {
  try elementCount(try size(t, "t"), try size(k, "k", minimum: 1), what: "the series (t x k)")
}

/// Reads a series argument of a fitted VAR's dimension.
func seriesArgument(_ z: UnsafePointer<Double>?, _ t: Int64, _ k: Int64) throws -> Series {
  let values = try readDoubles(z, count: try seriesCount(t, k), "z")
  return try Series(length: try size(t, "t"), dimension: try size(k, "k", minimum: 1), values: values)
}

/// One-step forecasts of a series z (t x k) by the fitted VAR: out holds (t - p) x K values,
/// row r being the forecast of z at time p + r: sum_k A_k z_{t-k}, plus, with
/// SPARSEVAR_INTERCEPT_COLUMNS, sigma_z * intercept where sigma_z is z's own scale (as the swap
/// test needs; for the series the VAR was fitted on, sigma_z is the fitted sigma). With
/// SPARSEVAR_INTERCEPT_SERIES_MEAN, m_z + sum_k A_k (z_{t-k} - m_z) where m_z is z's own
/// temporal mean (for the fitted series, its mean: the same as sum_k A_k z_{t-k} + sigma * intercept).
@c public func sparsevar_var_forecast_f64(
  _ var_: UnsafePointer<sparsevar_var>?, _ z: UnsafePointer<Double>?, _ t: Int64, _ k: Int64,
  _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    let model = try object(var_, VARObject.self, "var").fitted()
    let series = try seriesArgument(z, t, k)
    let zhat = try model.forecast(series)
    try write(zhat, to: out, capacity: len, "out")
  }
}

/// R_var of the fitted VAR on a series z (t x k): mean over t of ||z_t - zhat_t||^2 / ||z_t||^2.
@c public func sparsevar_var_rvar_f64(
  _ var_: UnsafePointer<sparsevar_var>?, _ z: UnsafePointer<Double>?, _ t: Int64, _ k: Int64,
  _ r_var: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    let model = try object(var_, VARObject.self, "var").fitted()
    let out = try require(r_var, "r_var")
    out.pointee = try model.relativeError(try seriesArgument(z, t, k))
  }
}

/// Writes the influence vector (K values): c_l = sum over lags and j != l of |A_k[j, l]|.
@c public func sparsevar_var_influence(
  _ var_: UnsafePointer<sparsevar_var>?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    let model = try object(var_, VARObject.self, "var").fitted()
    try write(model.influence, to: out, capacity: len, "out")
  }
}
