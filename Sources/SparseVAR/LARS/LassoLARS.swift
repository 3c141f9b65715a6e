//===--- LassoLARS.swift --------------------------------------------------===//
//
// Least angle regression with the lasso modification (Efron, Hastie, Johnstone & Tibshirani,
// "Least angle regression", Annals of Statistics 32(2), 2004), for
//
//     w(lambda) = argmin_w  1/(2n) ||y - X w||^2 + lambda ||w||_1        (scikit-learn's scaling)
//
// The path starts at lambda_max = max_j |x_j^T y| / n with w = 0 and follows the piecewise-linear
// solution down to the target lambda, where it stops exactly (interpolating inside the last
// segment). Knots are where a variable enters the active set or, lasso modification, leaves it
// because its coefficient crosses zero.
//
// The solver works on the Gram matrix G = X^T X and c = X^T y, so many problems that share one
// design (the K outputs of a VAR) share one G. It keeps a Cholesky factor of G restricted to the
// active set, grown by a triangular solve and shrunk by Givens rotations. Per step it costs one
// GEMV with the active rows of G (|A| x p) and three vectorised passes over the p correlations
// (the largest, the step-size candidates, the update).
//
// Choices, where scikit-learn's lars_path(method="lasso") is the reference:
// - the step to the next knot is the smallest positive candidate; each candidate's denominator
//   gets a tiny (float32 tiny) or, when epsGamma > 0, the stabiliser epsGamma added with its own
//   sign (the paper's sign-aware constant, which keeps the backward pass bounded);
// - a variable whose column is (numerically) a combination of the active ones, i.e. whose new
//   Cholesky pivot is below 1e-7 times its column norm, is ignored for good (degenerate:
//   collinear, duplicated or zero columns), as mlpack does; scikit-learn warns and retries;
// - the stopping test "lambda_k <= lambda + tol" uses tol = 64 ulp * lambda_max (rounding level,
//   relative), so a lambda just above a knot is interpolated to, not snapped onto the knot;
//   scikit-learn snaps within an absolute float32 eps (1.2e-7), which violates the optimality
//   conditions by up to that much there;
// - variables whose correlation ties with the active level (to 64 ulps) enter together;
// - if numerical error makes lambda grow between knots the path stops early, as scikit-learn's.
//
//===----------------------------------------------------------------------===//

import _COpenBLAS
import _SparseVARKernels

/// Options of the LARS-lasso solver.
public struct LassoLARSOptions: Sendable, Equatable {
  /// Stabiliser added, with the denominator's sign, to the denominators of the candidate step
  /// sizes (>= 0; 0 = plain LARS).
  public var epsGamma: Double = 0
  /// Upper bound on LARS steps (0 = no bound other than a safety cap of 8 * (n + p) + 100).
  public var maxIterations: Int = 0

  public init(epsGamma: Double = 0, maxIterations: Int = 0) {
    self.epsGamma = epsGamma
    self.maxIterations = maxIterations
  }
}

/// The knots of a LARS-lasso path, from lambda_max down to the target lambda.
public struct LassoLARSPath: Sendable, Equatable {
  /// lambda at each knot, non-increasing; the last one is the target when it was reached.
  public var lambdas: [Double]
  /// Coefficients at each knot: `coefficients[k]` has p values.
  public var coefficients: [[Double]]
  /// The active set at the end, in order of entry.
  public var active: [Int]
  /// Number of LARS steps taken.
  public var iterations: Int
  /// True when the path stopped before the target lambda (iteration bound, or lambda started to
  /// grow through rounding error).
  public var stoppedEarly: Bool
}

/// Which constraint limited one LARS step (recorded for the unrolled gradient).
enum LARSStepKind: Equatable {
  /// Inactive variable j reached the active correlation with the same sign.
  case enterSame(Int)
  /// Inactive variable j reached it with the opposite sign.
  case enterOpposite(Int)
  /// No inactive candidate: the step goes to the least-squares fit of the active set.
  case toLeastSquares
  /// The coefficient of active position i crossed zero.
  case drop(Int)
}

/// One LARS step as the unrolled gradient needs it.
struct LARSStepRecord {
  var active: [Int]
  var signs: [Double]
  /// Packed lower Cholesky factor of G restricted to `active`: its first |A| (|A| + 1) / 2
  /// values (it may hold more: the tape shares one factor between the steps of a stretch).
  var cholesky: [Double]
  /// Index of the variable whose |correlation| defined C at the start of the step, and its sign.
  var correlationIndex: Int
  var correlationSign: Double
  var level: Double
  var q: [Double]
  var normalizer: Double
  var direction: [Double]
  var gamma: Double
  var kind: LARSStepKind
  /// Denominator of the limiting candidate, stabiliser included.
  var denominator: Double
  /// Coefficients of `active` before the step.
  var coefficientsBefore: [Double]
  /// Variables dropped at the end of the step.
  var dropped: [Int]
}

/// Everything the unrolled gradient needs from a forward pass. Between two drops the active set,
/// its signs and its Cholesky factor only grow at the end, so the steps of such a stretch share
/// one snapshot of them, taken when the stretch ends, and each step keeps its own size |A|.
struct LARSTape {
  /// One step's scalars; its vectors are in `values` and `droppedVariables`.
  private struct Step {
    var size: Int
    var snapshot: Int
    var values: Int
    var dropped: Range<Int>
    var correlationIndex: Int
    var correlationSign: Double
    var level: Double
    var normalizer: Double
    var gamma: Double
    var kind: LARSStepKind
    var denominator: Double
  }
  private var steps: [Step] = []
  /// q, direction and the coefficients before the step, |A| values each, step after step.
  private var values: [Double] = []
  private var droppedVariables: [Int] = []
  private var snapshots: [(active: [Int], signs: [Double], cholesky: [Double])] = []
  /// Whether the last steps wait for their stretch's snapshot.
  private var stretchOpen = false
  /// Bytes the records may take; a path that needs more is not recorded (`complete` false).
  let byteLimit: Int
  /// Bytes the records take (their values and indices).
  private(set) var bytes = 0
  /// False when the records outgrew `byteLimit` and were dropped.
  private(set) var complete = true

  init(byteLimit: Int = .max) { self.byteLimit = byteLimit }

  /// Number of recorded steps.
  var stepCount: Int { steps.count }

  /// Step k, as the unrolled gradient reads it.
  subscript(k: Int) -> LARSStepRecord {
    let step = steps[k]
    let m = step.size
    let snapshot = snapshots[step.snapshot]
    let base = step.values
    return LARSStepRecord(
      active: Array(snapshot.active.prefix(m)), signs: Array(snapshot.signs.prefix(m)),
      cholesky: snapshot.cholesky, correlationIndex: step.correlationIndex,
      correlationSign: step.correlationSign, level: step.level, q: Array(values[base..<(base + m)]),
      normalizer: step.normalizer, direction: Array(values[(base + m)..<(base + 2 * m)]), gamma: step.gamma,
      kind: step.kind, denominator: step.denominator,
      coefficientsBefore: Array(values[(base + 2 * m)..<(base + 3 * m)]),
      dropped: Array(droppedVariables[step.dropped]))
  }

  /// Every variable that was active at some recorded step.
  var everActive: [Int] { Array(Set(snapshots.flatMap(\.active))).sorted() }

  /// Records one step; `coefficientsBefore` and `dropped` are given for the active positions.
  mutating func record(
    size m: Int, correlationIndex: Int, correlationSign: Double, level: Double, q: [Double],
    normalizer: Double, direction: [Double], gamma: Double, kind: LARSStepKind, denominator: Double,
    coefficientsBefore: [Double], dropped: [Int]
  ) {
    guard reserve(8 * (3 * m + dropped.count) + MemoryLayout<Step>.stride) else { return }
    let base = values.count
    values.append(contentsOf: q)
    values.append(contentsOf: direction)
    values.append(contentsOf: coefficientsBefore)
    let first = droppedVariables.count
    droppedVariables.append(contentsOf: dropped)
    steps.append(
      Step(
        size: m, snapshot: snapshots.count, values: base, dropped: first..<droppedVariables.count,
        correlationIndex: correlationIndex, correlationSign: correlationSign, level: level,
        normalizer: normalizer, gamma: gamma, kind: kind, denominator: denominator))
    stretchOpen = true
  }

  /// Ends the current stretch (before a drop changes the active set, and at the end of the path)
  /// with a snapshot of the active set, its signs and its packed Cholesky factor.
  mutating func endStretch(active: [Int], signs: [Double], cholesky: [Double]) {
    guard stretchOpen else { return }
    stretchOpen = false
    guard reserve(8 * (2 * active.count + cholesky.count)) else { return }
    snapshots.append((active, signs, cholesky))
  }

  /// Accounts for `size` more bytes, or drops every record when they would exceed `byteLimit`.
  private mutating func reserve(_ size: Int) -> Bool {
    guard complete else { return false }
    guard size <= byteLimit - bytes else {
      complete = false
      steps = []
      values = []
      droppedVariables = []
      snapshots = []
      bytes = 0
      return false
    }
    bytes += size
    return true
  }
  /// Variable and sign defining C at the final knot (nil when no inactive variable was left).
  var finalCorrelation: (index: Int, sign: Double)? = nil
  /// Interpolation inside the last step: (ss, lambda at the knot before, lambda at the knot after).
  var interpolation: (ss: Double, before: Double, after: Double)? = nil
}

/// The LARS-lasso solver on a Gram matrix. `gram` is p x p row-major, `xty` = X^T y, `n` the
/// number of samples. Read-only buffers may be shared by several solvers on several threads.
struct LARSEngine {
  let p: Int
  let n: Int
  let gram: UnsafeBufferPointer<Double>
  let xty: UnsafeBufferPointer<Double>
  let epsGamma: Double
  let maxIterations: Int

  private(set) var coef: [Double]
  private(set) var active: [Int] = []
  private var signs: [Double] = []
  /// Correlations X^T (y - X w), padded with zeros to `lanes` values.
  private var cov: [Double]
  /// Variables that may never enter: excluded by a mask, or found degenerate.
  private var ignored: [Bool]
  /// Active or ignored: not a candidate for entering.
  private var blocked: [Bool]
  /// 1 for a candidate for entering, 0 for a blocked variable or padding (`lanes` values), so
  /// that |cov| * free is the competing correlation, without branches.
  private var free: [Double]
  /// p rounded up to whole SIMD vectors.
  private let lanes: Int
  /// Rows of G of the active variables (|A| x p), in slot order: a removed row is replaced by
  /// the last one instead of shifting all that follow.
  private var activeRows: [Double] = []
  /// Slot in `activeRows` of each active position.
  private var slotOf: [Int] = []
  /// Packed lower-triangular Cholesky factor of G[active, active] (row i holds i + 1 values).
  private var cholesky: [Double] = []

  init(
    gram: UnsafeBufferPointer<Double>, xty: UnsafeBufferPointer<Double>, n: Int,
    options: LassoLARSOptions, excluded: [Bool]? = nil
  ) {
    self.p = xty.count
    self.n = n
    self.gram = gram
    self.xty = xty
    self.epsGamma = options.epsGamma
    self.maxIterations =
      options.maxIterations > 0 ? options.maxIterations : 8 * (n + xty.count) + 100
    self.coef = [Double](repeating: 0, count: p)
    let lanes = (p + 7) / 8 * 8  // the kernels' arrays are whole vectors
    self.lanes = lanes
    self.cov = Array(xty) + [Double](repeating: 0, count: lanes - p)
    self.ignored = excluded ?? [Bool](repeating: false, count: p)
    self.blocked = self.ignored
    self.free = [Double](repeating: 0, count: lanes)
    for j in 0..<p where !ignored[j] { free[j] = 1 }
  }

  /// Marks variable j as (not) a candidate for entering.
  private mutating func setBlocked(_ j: Int, _ value: Bool) {
    blocked[j] = value
    free[j] = value ? 0 : 1
  }

  /// lambda_max = max_j |x_j^T y| / n over the variables allowed to enter.
  var lambdaMax: Double {
    var c = 0.0
    for j in 0..<p where !ignored[j] { c = max(c, abs(xty[j])) }
    return c / Double(n)
  }

  /// Runs the path down to `lambda` and returns its steps for the unrolled gradient, recorded
  /// within `byteLimit` bytes (an incomplete tape when they need more).
  mutating func recordingRun(lambda: Double, byteLimit: Int = .max) -> LARSTape {
    var tape = LARSTape(byteLimit: byteLimit)
    _ = withUnsafeMutablePointer(to: &tape) { run(lambda: lambda, tape: $0) }
    return tape
  }

  /// Runs the path down to `lambda`. `knot(lambda, coef)` is called at every knot, the last call
  /// being the solution. Returns the number of steps and whether the path stopped early.
  mutating func run(
    lambda: Double, tape: UnsafeMutablePointer<LARSTape>? = nil,
    knot: (Double, [Double]) -> Void = { _, _ in }
  ) -> (iterations: Int, stoppedEarly: Bool) {
    let tiny32 = Double(Float.leastNormalMagnitude)
    let tolerance = 64 * Double.ulpOfOne * lambdaMax
    var iterations = 0
    var justDropped = false
    var previousAlpha = Double.infinity
    // Coefficients at the previous knot; only the entries active in the last step differ.
    var previousCoef = coef
    var changedInLastStep: [Int] = []
    var a = [Double](repeating: 0, count: lanes)
    var slotDirection: [Double] = []
    var stoppedEarly = false

    while true {
      // The largest inactive correlation sets the current lambda (the first variable reaching
      // it is `best`); `ties` tells whether others are within rounding of it.
      var best = -1
      var tied: Int32 = 0
      let level = lars_kernel_largest(cov, free, lanes, 1 - 64 * Double.ulpOfOne, &best, &tied)
      let ties = tied != 0
      var alpha = level / Double(n)
      if alpha <= lambda + tolerance {
        if abs(alpha - lambda) > tolerance {
          if iterations > 0 {
            let ss = (previousAlpha - lambda) / (previousAlpha - alpha)
            for j in 0..<p { coef[j] = previousCoef[j] + ss * (coef[j] - previousCoef[j]) }
            tape?.pointee.interpolation = (ss, previousAlpha, alpha)
          }
          alpha = lambda
        }
        if best >= 0 { tape?.pointee.finalCorrelation = (best, cov[best] < 0 ? -1 : 1) }
        knot(alpha, coef)
        break
      }
      if iterations >= maxIterations || best < 0 {
        stoppedEarly = iterations >= maxIterations
        if best >= 0 { tape?.pointee.finalCorrelation = (best, cov[best] < 0 ? -1 : 1) }
        knot(alpha, coef)
        break
      }
      if !justDropped {
        if !addToActiveSet(best) {
          ignored[best] = true
          setBlocked(best, true)
          continue
        }
        // Variables tied with the level (exactly, up to rounding) enter together: their step
        // size would be 0, which the step rule cannot take.
        let tieLevel = level * (1 - 64 * Double.ulpOfOne)
        for j in 0..<(ties ? p : 0) where !blocked[j] && abs(cov[j]) >= tieLevel {
          if !addToActiveSet(j) {
            ignored[j] = true
            setBlocked(j, true)
          }
        }
      }
      if iterations > 0 && previousAlpha < alpha {
        // Rounding error now dominates the correlations: stop where we are.
        stoppedEarly = true
        knot(alpha, coef)
        break
      }
      knot(alpha, coef)

      // Equiangular direction of the active set: G_A q = s, normalised.
      let q = solveActive(signs)
      var normalizer = 1 / dot(signs, q).squareRoot()
      var direction = q
      if !normalizer.isFinite {
        (direction, normalizer) = regularizedDirection()
      } else {
        for i in direction.indices { direction[i] *= normalizer }
      }
      // a = G[:, A] * direction: how each correlation changes along the direction.
      slotDirection.removeAll(keepingCapacity: true)
      slotDirection.append(contentsOf: repeatElement(0, count: active.count))
      for (i, slot) in slotOf.enumerated() { slotDirection[slot] = direction[i] }
      cblas_dgemv(
        CblasRowMajor, CblasTrans, Int32(active.count), Int32(p), 1.0, activeRows, Int32(p),
        slotDirection, 1, 0.0, &a, 1)

      // Step size: the first inactive variable to catch up, (level -/+ c_j) / (normalizer -/+
      // a_j), or the end of the path segment.
      var gamma = level / normalizer
      var kind = LARSStepKind.toLeastSquares
      var denominator = normalizer
      let stabilizer = epsGamma > 0 ? epsGamma : tiny32
      var code = -1
      let candidate = lars_kernel_smallest_step(
        level, normalizer, cov, a, free, lanes, gamma, stabilizer, epsGamma > 0 ? 1 : 0, &code)
      if code >= 0 {
        let j = code / 2
        gamma = candidate
        if code % 2 == 0 {
          kind = .enterSame(j)
          denominator = stabilized(normalizer - a[j], tiny32)
        } else {
          kind = .enterOpposite(j)
          denominator = stabilized(normalizer + a[j], tiny32)
        }
      }
      // Lasso modification: an active coefficient reaching zero ends the step there.
      var zeroCrossing = Double.greatestFiniteMagnitude
      var crossingAt = -1
      var crossingDenominator = 0.0
      for (i, j) in active.enumerated() {
        let d = stabilized(direction[i], tiny32)
        let z = -coef[j] / d
        if z > 0 && z < zeroCrossing { zeroCrossing = z; crossingAt = i; crossingDenominator = d }
      }
      var dropped: [Int] = []
      if crossingAt >= 0 && zeroCrossing < gamma {
        gamma = zeroCrossing
        kind = .drop(crossingAt)
        denominator = crossingDenominator
        for (i, j) in active.enumerated() {
          if -coef[j] / stabilized(direction[i], tiny32) == zeroCrossing { dropped.append(i) }
        }
      }

      if let tape, tape.pointee.complete {
        tape.pointee.record(
          size: active.count, correlationIndex: best, correlationSign: cov[best] < 0 ? -1 : 1,
          level: level, q: q, normalizer: normalizer, direction: direction, gamma: gamma, kind: kind,
          denominator: denominator, coefficientsBefore: active.map { coef[$0] },
          dropped: dropped.map { active[$0] })
        if !dropped.isEmpty { tape.pointee.endStretch(active: active, signs: signs, cholesky: cholesky) }
      }

      iterations += 1
      for j in changedInLastStep { previousCoef[j] = coef[j] }
      changedInLastStep = active
      previousAlpha = alpha
      for (i, j) in active.enumerated() { coef[j] += gamma * direction[i] }
      cblas_daxpy(Int32(p), -gamma, a, 1, &cov, 1)
      justDropped = !dropped.isEmpty
      let droppedVariables = dropped.map { active[$0] }
      for i in dropped.reversed() { removeFromActiveSet(at: i) }
      for j in droppedVariables { coef[j] = 0 }
      for j in droppedVariables {
        // Recompute the dropped variable's correlation exactly: c_j - G[j, :] w.
        var c = xty[j]
        for (k, w) in coef.enumerated() where w != 0 { c -= gram[j * p + k] * w }
        cov[j] = c
      }
    }
    tape?.pointee.endStretch(active: active, signs: signs, cholesky: cholesky)
    return (iterations, stoppedEarly)
  }

  @inline(__always)
  private func stabilized(_ d: Double, _ tiny: Double) -> Double {
    epsGamma > 0 ? d + (d < 0 ? -epsGamma : epsGamma) : d + tiny
  }

  /// Adds variable j to the active set, extending the Cholesky factor. Returns false (and leaves
  /// the set as it was) when j is numerically a combination of the active variables.
  private mutating func addToActiveSet(_ j: Int) -> Bool {
    let m = active.count
    var w = active.map { gram[j * p + $0] }  // G is symmetric: row j is contiguous
    if m > 0 {
      cblas_dtpsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(m), cholesky, &w, 1)
    }
    let c = gram[j * p + j]
    let pivot = abs(c - dot(w, w)).squareRoot()
    guard c > 0, pivot.isFinite, pivot >= 1e-7 * c.squareRoot() else { return false }
    cholesky.append(contentsOf: w)
    cholesky.append(pivot)
    active.append(j)
    signs.append(cov[j] < 0 ? -1 : 1)
    setBlocked(j, true)
    slotOf.append(m)
    if activeRows.isEmpty {
      // Room for min(n, p) rows, the usual bound on the active set, so appending never copies.
      activeRows.reserveCapacity((Swift.min(n, p) + 1) * p)
    }
    activeRows.append(contentsOf: UnsafeBufferPointer(rebasing: gram[(j * p)..<((j + 1) * p)]))
    return true
  }

  /// Removes active position i, restoring the triangular factor by Givens rotations.
  private mutating func removeFromActiveSet(at i: Int) {
    let m = active.count
    // Without row i, the rows from i on carry one entry right of the diagonal; Givens rotations
    // of column pairs (k, k + 1), k = i..<m-1, take them away. Row by row, in place in the packed
    // factor: each row gets the rotations of the rows above it, then defines its own.
    var cosines = [Double](repeating: 1, count: m)
    var sines = [Double](repeating: 0, count: m)
    var rotates = [Bool](repeating: false, count: m)
    var row = [Double](repeating: 0, count: m + 1)
    cholesky.withUnsafeMutableBufferPointer { l in
      for r in i..<(m - 1) {
        let from = (r + 1) * (r + 2) / 2  // old row r + 1 becomes row r
        for c in 0...(r + 1) { row[c] = l[from + c] }
        for k in i..<r where rotates[k] {
          let x = row[k]
          let y = row[k + 1]
          row[k] = cosines[k] * x + sines[k] * y
          row[k + 1] = -sines[k] * x + cosines[k] * y
        }
        let a = row[r]
        let b = row[r + 1]
        let h = (a * a + b * b).squareRoot()
        if h > 0 {
          let c = a / h
          let s = b / h
          cosines[r] = c
          sines[r] = s
          rotates[r] = true
          row[r] = c * a + s * b
        }
        let to = r * (r + 1) / 2
        for c in 0...r { l[to + c] = row[c] }
      }
    }
    cholesky.removeLast(m)
    setBlocked(active[i], false)
    // The last slot's row moves into the freed slot.
    let freed = slotOf[i]
    let last = m - 1
    if freed != last {
      activeRows.withUnsafeMutableBufferPointer { rows in
        let base = rows.baseAddress!
        (base + freed * p).update(from: base + last * p, count: p)
      }
      slotOf[slotOf.firstIndex(of: last)!] = freed
    }
    activeRows.removeLast(p)
    slotOf.remove(at: i)
    active.remove(at: i)
    signs.remove(at: i)
  }

  /// Solves G[A, A] x = b with the Cholesky factor.
  func solveActive(_ b: [Double]) -> [Double] {
    solveCholesky(packedLower: cholesky, b)
  }

  /// The direction when G_A is too ill-conditioned for s^T G_A^{-1} s > 0: the factor's diagonal
  /// is raised by growing multiples of machine epsilon until the normaliser is finite.
  private func regularizedDirection() -> ([Double], Double) {
    var factor = cholesky
    let m = active.count
    var bump = Double.ulpOfOne
    for _ in 0..<200 {
      for k in 0..<m { factor[k * (k + 1) / 2 + k] += bump }
      let q = solveCholesky(packedLower: factor, signs)
      let normalizer = 1 / max(dot(signs, q), Double.ulpOfOne).squareRoot()
      if normalizer.isFinite { return (q.map { $0 * normalizer }, normalizer) }
      bump *= 2
    }
    return ([Double](repeating: 0, count: m), 1)
  }
}

/// Solves (L L^T) x = b for a packed lower-triangular L.
func solveCholesky(packedLower l: [Double], _ b: [Double]) -> [Double] {
  var x = b
  let m = Int32(b.count)
  guard m > 0 else { return x }
  cblas_dtpsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, m, l, &x, 1)
  cblas_dtpsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, m, l, &x, 1)
  return x
}

/// The LARS-lasso solver on a design matrix. See the file header for the objective and choices.
public enum LassoLARS {
  /// Validates a problem: X is n x p with n >= 1, y has n finite values, lambda >= 0.
  static func validate(_ x: Matrix, _ y: [Double], _ lambda: Double, _ options: LassoLARSOptions)
    throws
  {
    guard x.rows >= 1 else { throw SparseVARError.shape("X needs at least one row (sample)") }
    guard y.count == x.rows else {
      throw SparseVARError.shape("y has \(y.count) values but X has \(x.rows) rows")
    }
    try requireFinite(x.storage, "X")
    try requireFinite(y, "y")
    guard lambda >= 0, lambda.isFinite else {
      throw SparseVARError.invalidArgument("lambda must be finite and >= 0, got \(lambda)")
    }
    guard options.epsGamma >= 0, options.epsGamma.isFinite else {
      throw SparseVARError.invalidArgument("eps_gamma must be finite and >= 0, got \(options.epsGamma)")
    }
    guard options.maxIterations >= 0 else {
      throw SparseVARError.invalidArgument("max_iter must be >= 0 (0 = no limit)")
    }
    // The Gram matrix X^T X (p x p) and an n x p gradient or copy of X.
    let what = "a lasso of n = \(x.rows), p = \(x.cols)"
    try reserveMemory(
      try checkedSum(
        try checkedProduct(x.cols, x.cols, what: what), try checkedProduct(2, x.rows, x.cols, what: what), what: what),
      of: Double.self, what: what)
  }

  /// The whole path from lambda_max down to `lambdaMin` (0 = to the least-squares end).
  /// - Parameters:
  ///   - x: design, n x p.
  ///   - y: response, n values.
  public static func path(
    x: Matrix, y: [Double], lambdaMin: Double = 0, options: LassoLARSOptions = .init()
  ) throws -> LassoLARSPath {
    try validate(x, y, lambdaMin, options)
    let gram = x.gram()
    let xty = x.transposeTimes(y)
    var lambdas: [Double] = []
    var coefficients: [[Double]] = []
    let (iterations, stopped, active) = gram.storage.withUnsafeBufferPointer { g in
      xty.withUnsafeBufferPointer { c in
        var engine = LARSEngine(gram: g, xty: c, n: x.rows, options: options)
        let (iterations, stopped) = engine.run(lambda: lambdaMin) { lambda, coef in
          lambdas.append(lambda)
          coefficients.append(coef)
        }
        return (iterations, stopped, engine.active)
      }
    }
    return LassoLARSPath(
      lambdas: lambdas, coefficients: coefficients, active: active, iterations: iterations,
      stoppedEarly: stopped)
  }

  /// The lasso solution at `lambda` (p coefficients).
  public static func solve(
    x: Matrix, y: [Double], lambda: Double, options: LassoLARSOptions = .init()
  ) throws -> [Double] {
    try validate(x, y, lambda, options)
    return solve(gram: x.gram(), xty: x.transposeTimes(y), n: x.rows, lambda: lambda, options: options)
  }

  /// The lasso solution at `lambda` from G = X^T X (p x p) and X^T y, for n samples.
  /// Inputs are trusted (validated by the caller).
  static func solve(
    gram: Matrix, xty: [Double], n: Int, lambda: Double, options: LassoLARSOptions,
    excluded: [Bool]? = nil
  ) -> [Double] {
    gram.storage.withUnsafeBufferPointer { g in
      xty.withUnsafeBufferPointer { c in
        var engine = LARSEngine(gram: g, xty: c, n: n, options: options, excluded: excluded)
        _ = engine.run(lambda: lambda)
        return engine.coef
      }
    }
  }
}
