//===--- LassoLARSGradient.swift ------------------------------------------===//
//
// Gradients of the LARS-lasso solution w(X, y) with respect to X and y, as vector-Jacobian
// products: given g = dL/dw, return dL/dX and dL/dy.
//
// - unrolled: reverse mode through every LARS step: the Cholesky solve for the equiangular
//   direction, the correlation updates, the choice of step size (the limiting candidate's
//   formula, stabiliser included) and the final interpolation.
// - implicit: on the final support S with signs s, w_S = (X_S^T X_S)^{-1} (X_S^T y - n lambda s),
//   so with v = (X_S^T X_S)^{-1} g_S:  dL/dy = X_S v,
//   dL/dX_S = (y - X_S w_S) v^T - (X_S v) w_S^T, and 0 for the other columns.
// Both agree wherever the support is locally constant.
//
//===----------------------------------------------------------------------===//

import _COpenBLAS

/// How the gradient of the lasso solution is computed.
public enum LassoGradientMode: Sendable, Equatable {
  /// Reverse mode through every LARS step (the paper's approach).
  case unrolled
  /// Implicit differentiation of the optimality conditions on the final support.
  case implicit
}

/// The lasso solution and the gradients of a scalar loss L with respect to the inputs.
public struct LassoLARSGradient: Sendable {
  /// w(lambda), p values.
  public var coefficients: [Double]
  /// dL/dX, n x p.
  public var x: Matrix
  /// dL/dy, n values.
  public var y: [Double]
}

extension LassoLARS {
  /// Solves the lasso at `lambda` and back-propagates `coefficientGradient` (dL/dw, p values).
  public static func gradient(
    x: Matrix, y: [Double], lambda: Double, options: LassoLARSOptions = .init(),
    mode: LassoGradientMode, coefficientGradient: [Double]
  ) throws -> LassoLARSGradient {
    try validate(x, y, lambda, options)
    guard coefficientGradient.count == x.cols else {
      throw SparseVARError.shape(
        "the coefficient gradient has \(coefficientGradient.count) values but X has \(x.cols) columns")
    }
    try requireFinite(coefficientGradient, "the coefficient gradient")
    let gram = x.gram()
    let xty = x.transposeTimes(y)
    var dX = Matrix(rows: x.rows, cols: x.cols)
    var dy = [Double](repeating: 0, count: x.rows)
    let w = gram.storage.withUnsafeBufferPointer { g in
      xty.withUnsafeBufferPointer { c in
        vectorJacobianProduct(
          x: x, gram: g, xty: c, y: y, lambda: lambda, options: options, mode: mode,
          coefficientGradient: coefficientGradient, addingTo: &dX, &dy)
      }
    }
    return LassoLARSGradient(coefficients: w, x: dX, y: dy)
  }

  /// Solves the lasso from a precomputed G = X^T X and X^T y, and adds the gradients of
  /// g . w with respect to X and y to `dX` (n x p) and `dy` (n); returns w. Inputs are trusted.
  /// Many problems sharing one design (the outputs of a VAR) share `gram` and accumulate into
  /// one `dX`.
  static func vectorJacobianProduct(
    x: Matrix, gram: UnsafeBufferPointer<Double>, xty: UnsafeBufferPointer<Double>, y: [Double],
    lambda: Double, options: LassoLARSOptions, mode: LassoGradientMode,
    coefficientGradient g: [Double], excluded: [Bool]? = nil, addingTo dX: inout Matrix,
    _ dy: inout [Double]
  ) -> [Double] {
    var tape = LARSTape()
    var engine = LARSEngine(gram: gram, xty: xty, n: x.rows, options: options, excluded: excluded)
    _ = withUnsafeMutablePointer(to: &tape) { engine.run(lambda: lambda, tape: mode == .unrolled ? $0 : nil) }
    let w = engine.coef
    switch mode {
    case .implicit: implicitGradient(x: x, y: y, w: w, g: g, dX: &dX, dy: &dy)
    case .unrolled: unrolledGradient(x: x, y: y, w: w, tape: tape, g: g, dX: &dX, dy: &dy)
    }
    return w
  }

  static func implicitGradient(
    x: Matrix, y: [Double], w: [Double], g: [Double], dX: inout Matrix, dy: inout [Double]
  ) {
    let n = x.rows
    let support = w.indices.filter { w[$0] != 0 }
    guard !support.isEmpty else { return }
    let m = support.count
    var xs = Matrix(rows: n, cols: m)
    for i in 0..<n { for (k, j) in support.enumerated() { xs[i, k] = x[i, j] } }
    var gs = xs.gram()
    var v = support.map { g[$0] }
    // v = (X_S^T X_S)^{-1} g_S (symmetric positive definite on a lasso support).
    let info = LAPACKE_dposv(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(m), 1, &gs.storage, Int32(m), &v, 1)
    if info != 0 { return }
    let xv = xs.times(v)
    let ws = support.map { w[$0] }
    let residual = zip(y, xs.times(ws)).map { $0 - $1 }
    for i in 0..<n {
      dy[i] += xv[i]
      for (k, j) in support.enumerated() { dX[i, j] += residual[i] * v[k] - xv[i] * ws[k] }
    }
  }

  static func unrolledGradient(
    x: Matrix, y: [Double], w: [Double], tape: LARSTape, g: [Double], dX: inout Matrix,
    dy: inout [Double]
  ) {
    let n = x.rows
    let p = x.cols
    let steps = tape.steps
    var wBar = g
    var covBar = [Double](repeating: 0, count: p)
    var levelBar = [Double](repeating: 0, count: steps.count + 1)
    var pendingWBar: [Double]? = nil

    // Rank-one update dX += a b^T.
    func addOuter(_ a: [Double], _ b: [Double]) {
      cblas_dger(CblasRowMajor, Int32(n), Int32(p), 1.0, a, 1, b, 1, &dX.storage, Int32(p))
    }
    // Coefficients after step k, as a full vector.
    func coefficientsAfter(_ r: LARSStepRecord) -> [Double] {
      var out = [Double](repeating: 0, count: p)
      for (i, j) in r.active.enumerated() { out[j] = r.coefficientsBefore[i] + r.gamma * r.direction[i] }
      for j in r.dropped { out[j] = 0 }
      return out
    }

    if let (ss, before, after) = tape.interpolation, let last = steps.last {
      // w = w_{S-1} + ss (w_S - w_{S-1}), ss = (lambda_{S-1} - lambda) / (lambda_{S-1} - lambda_S).
      pendingWBar = g.map { (1 - ss) * $0 }
      wBar = g.map { ss * $0 }
      var ssBar = 0.0
      for (i, j) in last.active.enumerated() {
        ssBar += g[j] * last.gamma * last.direction[i]
      }
      let lambda = before - ss * (before - after)
      let delta = before - after
      levelBar[steps.count - 1] += ssBar * (lambda - after) / (delta * delta) / Double(n)
      levelBar[steps.count] += ssBar * (before - lambda) / (delta * delta) / Double(n)
    }
    if let final = tape.finalCorrelation { covBar[final.index] += final.sign * levelBar[steps.count] }

    for k in stride(from: steps.count - 1, through: 0, by: -1) {
      let r = steps[k]
      let m = r.active.count
      // Dropped variables: w_{k+1}[d] = 0 and c_d = x_d^T (y - X w_{k+1}) recomputed.
      if !r.dropped.isEmpty {
        let wAfter = coefficientsAfter(r)
        let residual = zip(y, x.times(wAfter)).map { $0 - $1 }
        for d in r.dropped where covBar[d] != 0 {
          let cb = covBar[d]
          let xd = x.column(d)
          for i in 0..<n {
            dy[i] += cb * xd[i]
            dX[i, d] += cb * residual[i]
          }
          addOuter(xd.map { -cb * $0 }, wAfter)
          let xtxd = x.transposeTimes(xd)
          for j in 0..<p { wBar[j] -= cb * xtxd[j] }
          covBar[d] = 0
        }
        for d in r.dropped { wBar[d] = 0 }
      }
      // u = X_A direction, a = X^T u.
      var directionFull = [Double](repeating: 0, count: p)
      for (i, j) in r.active.enumerated() { directionFull[j] = r.direction[i] }
      let u = x.times(directionFull)
      let a = x.transposeTimes(u)
      // w_{k+1}[A] = w_k[A] + gamma direction;  c_{k+1} = c_k - gamma a.
      var gammaBar = 0.0
      for (i, j) in r.active.enumerated() { gammaBar += wBar[j] * r.direction[i] }
      gammaBar -= dot(covBar, a)
      var directionBar = r.active.map { r.gamma * wBar[$0] }
      var aBar = covBar.map { -r.gamma * $0 }
      var normalizerBar = 0.0
      let d = r.denominator
      switch r.kind {
      case .enterSame(let j):
        levelBar[k] += gammaBar / d
        covBar[j] -= gammaBar / d
        normalizerBar -= gammaBar * r.gamma / d
        aBar[j] += gammaBar * r.gamma / d
      case .enterOpposite(let j):
        levelBar[k] += gammaBar / d
        covBar[j] += gammaBar / d
        normalizerBar -= gammaBar * r.gamma / d
        aBar[j] -= gammaBar * r.gamma / d
      case .toLeastSquares:
        levelBar[k] += gammaBar / r.normalizer
        normalizerBar -= gammaBar * r.gamma / r.normalizer
      case .drop(let i):
        wBar[r.active[i]] -= gammaBar / d
        directionBar[i] -= gammaBar * r.gamma / d
      }
      // a = X^T u.
      addOuter(u, aBar)
      let uBar = x.times(aBar)
      // u = X_A direction.
      var uBarOuter = [Double](repeating: 0, count: p)
      for (i, j) in r.active.enumerated() { uBarOuter[j] = r.direction[i] }
      addOuter(uBar, uBarOuter)
      let xtuBar = x.transposeTimes(uBar)
      for (i, j) in r.active.enumerated() { directionBar[i] += xtuBar[j] }
      // direction = normalizer q.
      normalizerBar += dot(directionBar, r.q)
      var qBar = directionBar.map { r.normalizer * $0 }
      // normalizer = (s^T q)^(-1/2).
      let cube = r.normalizer * r.normalizer * r.normalizer
      for i in 0..<m { qBar[i] -= normalizerBar * cube / 2 * r.signs[i] }
      // q = G_A^{-1} s with G_A = X_A^T X_A:  dX_A += -(X_A v) q^T - (X_A q) v^T, v = G_A^{-1} qBar.
      let v = solveCholesky(packedLower: r.cholesky, qBar)
      var vFull = [Double](repeating: 0, count: p)
      var qFull = [Double](repeating: 0, count: p)
      for (i, j) in r.active.enumerated() {
        vFull[j] = v[i]
        qFull[j] = r.q[i]
      }
      let xv = x.times(vFull)
      let xq = x.times(qFull)
      addOuter(xv.map { -$0 }, qFull)
      addOuter(xq.map { -$0 }, vFull)
      // The level C_k = sign * c_k[j].
      covBar[r.correlationIndex] += r.correlationSign * levelBar[k]
      if k == steps.count - 1, let pending = pendingWBar {
        for j in 0..<p { wBar[j] += pending[j] }
      }
    }
    // c_0 = X^T y.
    addOuter(y, covBar)
    let xCovBar = x.times(covBar)
    for i in 0..<n { dy[i] += xCovBar[i] }
  }
}
