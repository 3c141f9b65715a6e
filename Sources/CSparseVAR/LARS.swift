//===--- LARS.swift -------------------------------------------------------===//
//
// C API of the LARS-lasso solver: the solution at one lambda, the whole path, and gradients.
// Arrays are row-major: X is n x p with X[i * p + j] the value of feature j in sample i.
//
//===----------------------------------------------------------------------===//

import SparseVAR
import _SparseVARHandles

/// How the gradient of a lasso solution is computed.
@c(sparsevar_gradient) public enum GradientMode: Int32 {
  /// Reverse mode through every LARS step.
  case unrolled = 0
  /// Implicit differentiation on the final support.
  case implicit = 1
}

final class LARSPathObject {
  let path: LassoLARSPath
  let features: Int
  init(path: LassoLARSPath, features: Int) {
    self.path = path
    self.features = features
  }
}

/// Reads a LARS problem from C arguments.
func larsProblem(
  _ x: UnsafePointer<Double>?, _ n: Int64, _ p: Int64, _ y: UnsafePointer<Double>?
) throws -> (Matrix, [Double]) {
  let rows = try size(n, "n", minimum: 1)
  let cols = try size(p, "p", minimum: 1)
  let xs = try readDoubles(x, count: try elementCount(rows, cols, what: "the design x (n x p)"), "x")
  let ys = try readDoubles(y, count: rows, "y")
  return (try Matrix(rows: rows, cols: cols, storage: xs), ys)
}

/// Solves the lasso 1/(2n) ||y - X w||^2 + lambda ||w||_1 by LARS and writes w.
/// @param coef_out   receives the p coefficients (caller-owned, coef_len >= p).
/// @param x          n x p design, row-major.
/// @param y          n responses.
/// @param lambda     penalty >= 0; lambda >= lambda_max = max|X^T y|/n gives all zeros.
/// @param eps_gamma  step-size stabiliser >= 0 (0 = plain LARS).
/// @return SPARSEVAR_OK, or an error code with sparsevar_last_error() set.
@c public func sparsevar_lasso_lars(
  _ coef_out: UnsafeMutablePointer<Double>?, _ coef_len: Int64,
  _ x: UnsafePointer<Double>?, _ n: Int64, _ p: Int64, _ y: UnsafePointer<Double>?,
  _ lambda: Double, _ eps_gamma: Double
) -> Int32 {
  guarded {
    let (xs, ys) = try larsProblem(x, n, p, y)
    let out = try requireCapacity(coef_out, coef_len, needed: xs.cols, "coef_out")
    let w = try LassoLARS.solve(x: xs, y: ys, lambda: lambda, options: .init(epsGamma: eps_gamma))
    for (i, v) in w.enumerated() { out[i] = v }
  }
}

/// Computes the LARS-lasso path from lambda_max down to lambda_min (0 = to the end of the path).
/// @param out        receives a new path handle (NULL on failure); free with sparsevar_lars_path_free.
/// @param max_iter   bound on LARS steps, 0 = no bound.
@c public func sparsevar_lars_path_create(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_lars_path>?>?,
  _ x: UnsafePointer<Double>?, _ n: Int64, _ p: Int64, _ y: UnsafePointer<Double>?,
  _ lambda_min: Double, _ eps_gamma: Double, _ max_iter: Int64
) -> Int32 {
  out?.pointee = nil
  return guarded {
    let result = try require(out, "out")
    let (xs, ys) = try larsProblem(x, n, p, y)
    guard max_iter >= 0 else {
      throw ABIError(status: .invalidArgument, message: "max_iter must be >= 0 (0 = no bound), got \(max_iter)")
    }
    let iterations = try size(max_iter, "max_iter")
    let path = try LassoLARS.path(
      x: xs, y: ys, lambdaMin: lambda_min,
      options: .init(epsGamma: eps_gamma, maxIterations: iterations))
    result.pointee = try retainHandle(LARSPathObject(path: path, features: xs.cols), as: sparsevar_lars_path.self)
  }
}

/// Frees a path. NULL is a no-op.
@c public func sparsevar_lars_path_free(_ path: UnsafeMutablePointer<sparsevar_lars_path>?) {
  release(path, LARSPathObject.self)
}

/// Sizes of a path: number of knots, number of features p, size of the final active set, and
/// 1 in *stopped_early when the path stopped before lambda_min (any pointer may be NULL).
@c public func sparsevar_lars_path_shape(
  _ path: UnsafePointer<sparsevar_lars_path>?, _ n_knots: UnsafeMutablePointer<Int64>?,
  _ p: UnsafeMutablePointer<Int64>?, _ n_active: UnsafeMutablePointer<Int64>?,
  _ stopped_early: UnsafeMutablePointer<Int32>?
) -> Int32 {
  guarded {
    let object = try object(path, LARSPathObject.self, "path")
    n_knots?.pointee = Int64(object.path.lambdas.count)
    p?.pointee = Int64(object.features)
    n_active?.pointee = Int64(object.path.active.count)
    stopped_early?.pointee = object.path.stoppedEarly ? 1 : 0
  }
}

/// Writes the lambda of each knot (n_knots values, non-increasing).
@c public func sparsevar_lars_path_lambdas(
  _ path: UnsafePointer<sparsevar_lars_path>?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    let object = try object(path, LARSPathObject.self, "path")
    try write(object.path.lambdas, to: out, capacity: len, "out")
  }
}

/// Writes the coefficients at each knot, knot-major: out[k * p + j] (n_knots x p values).
@c public func sparsevar_lars_path_coefs(
  _ path: UnsafePointer<sparsevar_lars_path>?, _ out: UnsafeMutablePointer<Double>?, _ len: Int64
) -> Int32 {
  guarded {
    let object = try object(path, LARSPathObject.self, "path")
    try write(Array(object.path.coefficients.joined()), to: out, capacity: len, "out")
  }
}

/// Writes the final active set, in order of entry (n_active indices).
@c public func sparsevar_lars_path_active(
  _ path: UnsafePointer<sparsevar_lars_path>?, _ out: UnsafeMutablePointer<Int64>?, _ len: Int64
) -> Int32 {
  guarded {
    let object = try object(path, LARSPathObject.self, "path")
    try write(object.path.active.map { Int64($0) }, to: out, capacity: len, "out")
  }
}

/// Gradient of a scalar loss through the lasso solution (a vector-Jacobian product): given
/// grad_coef = dL/dw (p values), writes dL/dX (n x p, row-major) and dL/dy (n values), and the
/// solution itself into coef_out when coef_out is not NULL.
/// @param mode  SPARSEVAR_GRADIENT_UNROLLED or SPARSEVAR_GRADIENT_IMPLICIT.
@c public func sparsevar_lasso_lars_vjp(
  _ grad_x: UnsafeMutablePointer<Double>?, _ grad_x_len: Int64,
  _ grad_y: UnsafeMutablePointer<Double>?, _ grad_y_len: Int64,
  _ coef_out: UnsafeMutablePointer<Double>?, _ coef_len: Int64,
  _ x: UnsafePointer<Double>?, _ n: Int64, _ p: Int64, _ y: UnsafePointer<Double>?,
  _ lambda: Double, _ eps_gamma: Double, _ mode: Int32,
  _ grad_coef: UnsafePointer<Double>?, _ grad_coef_len: Int64
) -> Int32 {
  guarded {
    let (xs, ys) = try larsProblem(x, n, p, y)
    guard let gradientMode = GradientMode(rawValue: mode) else {
      throw ABIError(status: .invalidArgument, message: "unknown gradient mode \(mode)")
    }
    guard grad_coef_len == Int64(xs.cols) else {
      throw ABIError(status: .shape, message: "grad_coef has \(grad_coef_len) values but p = \(xs.cols)")
    }
    let g = try readDoubles(grad_coef, count: xs.cols, "grad_coef")
    _ = try requireCapacity(grad_x, grad_x_len, needed: xs.rows * xs.cols, "grad_x")
    _ = try requireCapacity(grad_y, grad_y_len, needed: xs.rows, "grad_y")
    if coef_out != nil { _ = try requireCapacity(coef_out, coef_len, needed: xs.cols, "coef_out") }
    let result = try LassoLARS.gradient(
      x: xs, y: ys, lambda: lambda, options: .init(epsGamma: eps_gamma),
      mode: gradientMode == .unrolled ? .unrolled : .implicit, coefficientGradient: g)
    try write(result.x.storage, to: grad_x, capacity: grad_x_len, "grad_x")
    try write(result.y, to: grad_y, capacity: grad_y_len, "grad_y")
    if coef_out != nil { try write(result.coefficients, to: coef_out, capacity: coef_len, "coef_out") }
  }
}
