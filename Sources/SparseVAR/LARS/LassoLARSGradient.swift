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
    var engine = LARSEngine(gram: gram, xty: xty, n: x.rows, options: options, excluded: excluded)
    switch mode {
    case .implicit:
      _ = engine.run(lambda: lambda)
      implicitGradient(x: x, y: y, w: engine.coef, g: g, dX: &dX, dy: &dy)
    case .unrolled:
      let tape = engine.recordingRun(lambda: lambda)
      var columnGradients = Matrix(rows: x.cols, cols: x.rows)
      unrolledGradient(columns: x.transposed(), y: y, tape: tape, g: g, columnGradients: &columnGradients, dy: &dy)
      dX.add(transposeOf: columnGradients)
    }
    return engine.coef
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

  /// Reverse mode through the recorded steps, on X stored by columns: `columns` is X^T (p x n,
  /// row j = column j of X) and the gradient is added to `columnGradients`, (dL/dX)^T (p x n).
  /// Per step it costs O(n |A| + |A|^2): only the active columns of X are touched, except through
  /// dL/dc (the correlations' gradient), which is sparse (only variables that set a step's level or
  /// limited its size get a value) and whose dense products are carried implicitly: X dL/dc is
  /// kept up to date, and the rank-one terms u_k (-gamma_k dL/dc)^T of every step k are summed per
  /// change of dL/dc[j] as delta (S_end - S_then) in column j, where S is the running sum of
  /// -gamma_k u_k.
  static func unrolledGradient(
    columns: Matrix, y: [Double], tape: LARSTape, g: [Double], columnGradients: inout Matrix,
    dy: inout [Double]
  ) {
    columns.storage.withUnsafeBufferPointer { xt in
      columnGradients.storage.withUnsafeMutableBufferPointer { dt in
        unrolledGradient(columns: xt, n: columns.cols, y: y, tape: tape, g: g, columnGradients: dt, dy: &dy)
      }
    }
  }

  private static func unrolledGradient(
    columns xt: UnsafeBufferPointer<Double>, n: Int, y: [Double], tape: LARSTape, g: [Double],
    columnGradients dt: UnsafeMutableBufferPointer<Double>, dy: inout [Double]
  ) {
    let p = g.count
    let stepCount = tape.stepCount
    let everActive = tape.everActive
    var wBar = g
    var covBar = [Double](repeating: 0, count: p)
    var touched = [Bool](repeating: false, count: p)
    var touchedList: [Int] = []
    var xCovBar = [Double](repeating: 0, count: n)
    var runningU = [Double](repeating: 0, count: n)
    var levelBar = [Double](repeating: 0, count: stepCount + 1)
    var pendingWBar: [Double]? = nil

    /// X_A v (n values) for columns `a` and their values `v`.
    func times(_ a: [Int], _ v: [Double]) -> [Double] {
      var out = [Double](repeating: 0, count: n)
      out.withUnsafeMutableBufferPointer { o in
        for (k, j) in a.enumerated() where v[k] != 0 {
          let value = v[k]
          for i in 0..<n { o[i] += xt[j * n + i] * value }
        }
      }
      return out
    }
    /// X_A^T v (|A| values) for a vector v of n values.
    func transposeTimes(_ a: [Int], _ v: [Double]) -> [Double] {
      v.withUnsafeBufferPointer { vp in
        a.map { j in
          var sum = 0.0
          for i in 0..<n { sum += xt[j * n + i] * vp[i] }
          return sum
        }
      }
    }
    /// dX[:, a] += scale * left values^T.
    func addOuter(_ left: [Double], _ scale: Double, _ a: [Int], _ values: [Double]) {
      left.withUnsafeBufferPointer { l in
        for (k, j) in a.enumerated() where values[k] != 0 {
          let s = scale * values[k]
          for i in 0..<n { dt[j * n + i] += s * l[i] }
        }
      }
    }
    /// covBar[j] += delta, with X covBar and the deferred rank-one terms kept in step.
    func changeCov(_ j: Int, _ delta: Double) {
      guard delta != 0 else { return }
      if !touched[j] {
        touched[j] = true
        touchedList.append(j)
      }
      covBar[j] += delta
      xCovBar.withUnsafeMutableBufferPointer { xc in
        runningU.withUnsafeBufferPointer { s in
          for i in 0..<n {
            xc[i] += delta * xt[j * n + i]
            dt[j * n + i] -= delta * s[i]
          }
        }
      }
    }

    if let (ss, before, after) = tape.interpolation, stepCount > 0 {
      // w = w_{S-1} + ss (w_S - w_{S-1}), ss = (lambda_{S-1} - lambda) / (lambda_{S-1} - lambda_S).
      let last = tape[stepCount - 1]
      pendingWBar = g.map { (1 - ss) * $0 }
      wBar = g.map { ss * $0 }
      var ssBar = 0.0
      for (i, j) in last.active.enumerated() {
        ssBar += g[j] * last.gamma * last.direction[i]
      }
      let lambda = before - ss * (before - after)
      let delta = before - after
      levelBar[stepCount - 1] += ssBar * (lambda - after) / (delta * delta) / Double(n)
      levelBar[stepCount] += ssBar * (before - lambda) / (delta * delta) / Double(n)
    }
    if let final = tape.finalCorrelation { changeCov(final.index, final.sign * levelBar[stepCount]) }

    for k in stride(from: stepCount - 1, through: 0, by: -1) {
      let r = tape[k]
      let m = r.active.count
      // Dropped variables: w_{k+1}[d] = 0 and c_d = x_d^T (y - X w_{k+1}) recomputed.
      if !r.dropped.isEmpty {
        let kept = r.active.indices.filter { !r.dropped.contains(r.active[$0]) }
        let support = kept.map { r.active[$0] }
        let wAfter = kept.map { r.coefficientsBefore[$0] + r.gamma * r.direction[$0] }
        let fitted = times(support, wAfter)
        for d in r.dropped where covBar[d] != 0 {
          let cb = covBar[d]
          let xd = Array(xt[(d * n)..<((d + 1) * n)])
          for i in 0..<n {
            dy[i] += cb * xd[i]
            dt[d * n + i] += cb * (y[i] - fitted[i])
          }
          addOuter(xd, -cb, support, wAfter)
          // wBar -= cb X^T x_d, where wBar is read again: on the variables ever active.
          for (j, value) in zip(everActive, transposeTimes(everActive, xd)) { wBar[j] -= cb * value }
          changeCov(d, -cb)
        }
        for d in r.dropped { wBar[d] = 0 }
      }
      // u = X_A direction; a = X^T u, whose gradient aBar = -gamma covBar (+ the limiting
      // candidate's term) is applied through X covBar and the running sum of -gamma u.
      // direction = normalizer q, so u = normalizer X_A q.
      let xq = times(r.active, r.q)
      let u = xq.map { r.normalizer * $0 }
      // w_{k+1}[A] = w_k[A] + gamma direction;  c_{k+1} = c_k - gamma a.
      var gammaBar = 0.0
      for (i, j) in r.active.enumerated() { gammaBar += wBar[j] * r.direction[i] }
      gammaBar -= dot(xCovBar, u)
      var directionBar = r.active.map { r.gamma * wBar[$0] }
      var uBar = xCovBar.map { -r.gamma * $0 }
      for i in 0..<n { runningU[i] -= r.gamma * u[i] }
      var normalizerBar = 0.0
      let d = r.denominator
      /// aBar[j] += value: dX[:, j] += value u, uBar += value x_j.
      func addToABar(_ j: Int, _ value: Double) {
        addOuter(u, value, [j], [1])
        for i in 0..<n { uBar[i] += value * xt[j * n + i] }
      }
      switch r.kind {
      case .enterSame(let j):
        levelBar[k] += gammaBar / d
        changeCov(j, -gammaBar / d)
        normalizerBar -= gammaBar * r.gamma / d
        addToABar(j, gammaBar * r.gamma / d)
      case .enterOpposite(let j):
        levelBar[k] += gammaBar / d
        changeCov(j, gammaBar / d)
        normalizerBar -= gammaBar * r.gamma / d
        addToABar(j, -gammaBar * r.gamma / d)
      case .toLeastSquares:
        levelBar[k] += gammaBar / r.normalizer
        normalizerBar -= gammaBar * r.gamma / r.normalizer
      case .drop(let i):
        wBar[r.active[i]] -= gammaBar / d
        directionBar[i] -= gammaBar * r.gamma / d
      }
      // u = X_A direction (its dX term is added with those of q below).
      let xtuBar = transposeTimes(r.active, uBar)
      for i in 0..<m { directionBar[i] += xtuBar[i] }
      // direction = normalizer q.
      normalizerBar += dot(directionBar, r.q)
      var qBar = directionBar.map { r.normalizer * $0 }
      // normalizer = (s^T q)^(-1/2).
      let cube = r.normalizer * r.normalizer * r.normalizer
      for i in 0..<m { qBar[i] -= normalizerBar * cube / 2 * r.signs[i] }
      // q = G_A^{-1} s with G_A = X_A^T X_A:  dX_A += -(X_A v) q^T - (X_A q) v^T, v = G_A^{-1} qBar.
      let v = solveCholesky(packedLower: r.cholesky, qBar)
      // With direction = normalizer q: dX_A += (normalizer uBar - X_A v) q^T - (X_A q) v^T.
      let xv = times(r.active, v)
      let left = (0..<n).map { r.normalizer * uBar[$0] - xv[$0] }
      left.withUnsafeBufferPointer { l in
        xq.withUnsafeBufferPointer { xqp in
          for (c, j) in r.active.enumerated() {
            let a = r.q[c]
            let b = v[c]
            for i in 0..<n { dt[j * n + i] += a * l[i] - b * xqp[i] }
          }
        }
      }
      // The level C_k = sign * c_k[j].
      changeCov(r.correlationIndex, r.correlationSign * levelBar[k])
      if k == stepCount - 1, let pending = pendingWBar {
        for j in 0..<p { wBar[j] += pending[j] }
      }
    }
    // c_0 = X^T y, and the deferred terms: dX[:, j] += covBar[j] (y + S_end).
    for j in touchedList where covBar[j] != 0 {
      for i in 0..<n { dt[j * n + i] += covBar[j] * (y[i] + runningU[i]) }
    }
    for i in 0..<n { dy[i] += xCovBar[i] }
  }
}
