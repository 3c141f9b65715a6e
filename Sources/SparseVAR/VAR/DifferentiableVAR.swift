//===--- DifferentiableVAR.swift ------------------------------------------===//
//
// The sparse VAR fitted inside every forward pass of the network (docs/model.md, "Training"): on one
// window of latents z (T x K) it fits the VAR from scratch and forecasts
//
//     zhat_t = sum_k A_k z_{t-k},   t = p+1..T   (A fitted on u = z / sigma, no intercept)
//
// or, with the intercept `VARIntercept.seriesMean`, zhat_t = m + sum_k A_k (z_{t-k} - m) with m
// the window's temporal mean (A fitted on the centred window; the mean's gradient is carried
// back to every frame);
//
// and its backward pass maps dL/dzhat to dL/dz in one of three modes:
// - coefficients constant (the "embedded" training mode): gradients reach z_{t-k} through the
//   forecast only;
// - unrolled / implicit (the "end-to-end" mode): also through the lasso solutions A(u), and so
//   through u = z / sigma, sigma included.
//
// The window's lagged design X(u) (n x pK) is built here: windows are short (T = 64), and the
// backward pass needs X itself. Long runs go through SparseVARModel.fit, which never builds it.
//
//===----------------------------------------------------------------------===//

import _COpenBLAS

/// How the backward pass treats the VAR's coefficients.
public enum VARGradientMode: Sendable, Equatable {
  /// The coefficients are constants (training mode "embedded").
  case coefficientsConstant
  /// Through the lasso solutions, by reverse mode through every LARS step.
  case unrolled
  /// Through the lasso solutions, by implicit differentiation on each output's support.
  case implicit
}

/// A VAR fitted on one window, with what its backward pass needs.
public struct DifferentiableVAR: Sendable {
  /// The fitted model (coefficients p x K x K, sigma, lambdas).
  public let model: SparseVARModel
  /// One-step forecasts zhat_t for t = p+1..T: (T - p) x K, row-major.
  public let forecast: [Double]
  /// The window's temporal mean m (K values) with a series-mean intercept, nil without intercept.
  public let mean: [Double]?
  /// The series the coefficients act on: the window, or the window minus `mean`.
  let window: Series
  let options: SparseVAROptions
  /// X(u): the lagged design of u = z / sigma, n x pK.
  let design: Matrix
  /// Each output's LARS steps from the fit, for the unrolled backward pass (nil when not
  /// recorded; an incomplete tape, over its share of `tapeBudget`, is replayed instead).
  let tapes: [LARSTape]?

  /// Bytes the recorded LARS steps of one window may take, shared evenly by its K outputs.
  static let tapeBudget = 256 << 20

  /// Fits the VAR on `window` (T x K) and forecasts it. Uses `options.lag`, `lambda`, `epsGamma`,
  /// `normalize`, `intercept` (none or seriesMean), `mask`, `maxIterations` and `threads`.
  /// `recordingSteps` keeps each output's LARS steps (within `tapeBudget`, when that much memory
  /// is available) so that an unrolled backward pass need not fit again.
  public init(window: Series, options: SparseVAROptions, recordingSteps: Bool = false) throws {
    try Self.validate(options)
    let k = window.dimension
    // Without room for the records, the backward pass fits again instead.
    let recording = recordingSteps && (try? reserveMemory(bytes: Self.tapeBudget, what: "")) != nil
    let slots = recording ? ConcurrentSlots(count: k, initial: LARSTape()) : nil
    let model = try SparseVARModel.fit(
      window, options: options, progress: nil, tapes: slots, tapeBytes: Self.tapeBudget / max(1, k))
    try self.init(window: window, options: options, model: model, tapes: slots.map { s in (0..<k).map { s.value($0) } })
  }

  /// The same with given coefficients instead of a fit (for checking the embedded mode's gradient
  /// with the coefficients held fixed); `model` forecasts around the window's own mean when it
  /// has a series mean.
  init(window: Series, options: SparseVAROptions, model: SparseVARModel, tapes: [LARSTape]? = nil) throws {
    self.model = model
    self.tapes = tapes
    forecast = try model.forecast(window)
    (self.window, mean) = try model.centring(window)
    self.options = options
    design = laggedDesign(
      self.window.values.map { $0 / model.sigma }, length: window.length, dimension: window.dimension,
      lag: options.lag)
  }

  /// Refuses the options the differentiable VAR cannot fit: an intercept from column means (its
  /// gradient is not implemented; the series-mean intercept is the one to use) and a criterion
  /// (lambda must be fixed).
  public static func validate(_ options: SparseVAROptions) throws {
    guard options.intercept != .columns else {
      throw SparseVARError.invalidArgument(
        "the VAR inside the network takes the intercept none or series_mean, not columns (an intercept from "
          + "the lagged design's column means)")
    }
    guard options.criterion == nil else {
      throw SparseVARError.invalidArgument("the VAR inside the network has a fixed lambda, not an information criterion")
    }
  }

  /// dL/dz (T x K) from dL/dzhat ((T - p) x K).
  public func backward(forecastGradient gzh: [Double], mode: VARGradientMode) throws -> [Double] {
    let fitted = try backwardToFittedSeries(forecastGradient: gzh, mode: mode)
    guard mean != nil else { return fitted }
    // zhat = m + f(z - m), m = (1/T) sum_t z_t: dL/dz_t = dL/dc_t + (dL/dm - sum_s dL/dc_s) / T
    // with dL/dm = sum_t dL/dzhat_t.
    let k = window.dimension
    var meanGradient = [Double](repeating: 0, count: k)
    for i in gzh.indices { meanGradient[i % k] += gzh[i] }
    for i in fitted.indices { meanGradient[i % k] -= fitted[i] }
    let length = Double(window.length)
    return fitted.indices.map { fitted[$0] + meanGradient[$0 % k] / length }
  }

  /// dL/d(the series the coefficients act on: z, or c = z - m with a series mean) from dL/dzhat.
  private func backwardToFittedSeries(forecastGradient gzh: [Double], mode: VARGradientMode) throws -> [Double] {
    let k = window.dimension
    let p = options.lag
    let length = window.length
    let n = length - p
    let features = p * k
    guard gzh.count == n * k else {
      throw SparseVARError.shape("the forecast gradient needs \(n * k) values, got \(gzh.count)")
    }
    // W (K x pK): W[j, (k-1)K + l] = A_k[j, l]; zhat = X(z) W^T with X(z) = sigma X(u).
    var w = [Double](repeating: 0, count: k * features)
    for lagIndex in 0..<p {
      for j in 0..<k {
        for l in 0..<k {
          w[j * features + lagIndex * k + l] = model.coefficients[lagIndex * k * k + j * k + l]
        }
      }
    }
    // Through the forecast, coefficients fixed: dL/dX(z) = gzh W.
    var dXz = [Double](repeating: 0, count: n * features)
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(features), Int32(k), 1.0, gzh,
      Int32(k), w, Int32(features), 0.0, &dXz, Int32(features))
    var dz = scatterLagged(dXz, length: length, dimension: k, lag: p)
    guard mode != .coefficientsConstant else { return dz }

    // Through the coefficients: dL/dW = gzh^T X(z) = sigma gzh^T X(u); then each output's lasso.
    let sigma = model.sigma
    var dW = [Double](repeating: 0, count: k * features)
    cblas_dgemm(
      CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(features), Int32(n), sigma, gzh,
      Int32(k), design.storage, Int32(features), 0.0, &dW, Int32(features))
    let u = window.values.map { $0 / sigma }
    let lars = LassoLARSOptions(epsGamma: options.epsGamma, maxIterations: options.maxIterations)
    // Outputs in fixed chunks, each chunk accumulating its own dX(u): the sum over chunks in a
    // fixed order makes the result independent of the thread count.
    let chunks = min(k, 8)
    let partial = ConcurrentSlots<(Matrix, [Double])>(count: chunks, initial: (Matrix(rows: 0, cols: 0), []))
    let design = self.design
    let coefficientGradient = dW
    let coefficients = w
    // The unrolled gradient reads each output's LARS steps from the fit, or replays its path on
    // the Gram matrix where they were not recorded, and works on X^T (the columns of X); the
    // implicit one needs only the solution, which the forward pass already has.
    let unrolled = mode == .unrolled
    let tapes = unrolled ? self.tapes : nil
    let replays = unrolled && (tapes?.contains { !$0.complete } ?? true)
    let gramValues = replays ? design.gram().storage : []
    let columns = unrolled ? design.transposed() : Matrix(rows: 0, cols: 0)
    let mask = options.mask
    let lambda = options.lambda
    parallelFor(chunks, threads: options.threads) { chunk in
      var dX = Matrix(rows: n, cols: features)
      var columnGradients = Matrix(rows: unrolled ? features : 0, cols: n)
      var du = [Double](repeating: 0, count: length * k)
      for j in stride(from: chunk, to: k, by: chunks) {
        let target = (0..<n).map { u[(p + $0) * k + j] }
        let g = Array(coefficientGradient[(j * features)..<((j + 1) * features)])
        var dy = [Double](repeating: 0, count: n)
        if !unrolled {
          LassoLARS.implicitGradient(
            x: design, y: target, w: Array(coefficients[(j * features)..<((j + 1) * features)]), g: g,
            dX: &dX, dy: &dy)
        } else {
          var tape: LARSTape
          if let recorded = tapes?[j], recorded.complete {
            tape = recorded
          } else {
            let xty = design.transposeTimes(target)
            let excluded = mask.map { mask in (0..<features).map { !mask[j * k + $0 % k] } }
            tape = gramValues.withUnsafeBufferPointer { gp in
              xty.withUnsafeBufferPointer { cp in
                var engine = LARSEngine(gram: gp, xty: cp, n: n, options: lars, excluded: excluded)
                return engine.recordingRun(lambda: lambda)
              }
            }
          }
          LassoLARS.unrolledGradient(
            columns: columns, y: target, tape: tape, g: g, columnGradients: &columnGradients, dy: &dy)
        }
        for r in 0..<n { du[(p + r) * k + j] += dy[r] }
      }
      if unrolled { dX.add(transposeOf: columnGradients) }
      partial.store(chunk, (dX, du))
    }
    var du = [Double](repeating: 0, count: length * k)
    for chunk in 0..<chunks {
      let (dX, duChunk) = partial.value(chunk)
      let mapped = scatterLagged(dX.storage, length: length, dimension: k, lag: p)
      for i in du.indices { du[i] += duChunk[i] + mapped[i] }
    }
    // u = z / sigma(z).
    guard options.normalize else {
      for i in dz.indices { dz[i] += du[i] }
      return dz
    }
    let count = Double(window.values.count)
    let mean = window.values.reduce(0, +) / count
    var sigmaBar = 0.0
    for i in du.indices { sigmaBar -= du[i] * window.values[i] / (sigma * sigma) }
    for i in dz.indices {
      dz[i] += du[i] / sigma + sigmaBar * (window.values[i] - mean) / (count * sigma)
    }
    return dz
  }
}

/// X(u) for a series u (T x K): n = T - p rows, row r = [u_{p+r-1}; ...; u_{r}] (pK values).
func laggedDesign(_ u: [Double], length: Int, dimension k: Int, lag p: Int) -> Matrix {
  let n = length - p
  var x = Matrix(rows: n, cols: p * k)
  for r in 0..<n {
    for lagIndex in 1...p {
      for l in 0..<k { x.storage[r * p * k + (lagIndex - 1) * k + l] = u[(p + r - lagIndex) * k + l] }
    }
  }
  return x
}

/// The adjoint of `laggedDesign`: adds each entry of dX (n x pK) to the entry of u it copied.
func scatterLagged(_ dX: [Double], length: Int, dimension k: Int, lag p: Int) -> [Double] {
  let n = length - p
  var du = [Double](repeating: 0, count: length * k)
  for r in 0..<n {
    for lagIndex in 1...p {
      for l in 0..<k { du[(p + r - lagIndex) * k + l] += dX[r * p * k + (lagIndex - 1) * k + l] }
    }
  }
  return du
}
