//===--- SparseVAR.swift --------------------------------------------------===//
//
// Sparse vector autoregression of order p by LARS-lasso (docs/method.md):
//
//     sigma = std of all entries of z (population),  u_t = z_t / sigma
//     u_t ~ A_1 u_{t-1} + ... + A_p u_{t-p} (+ b),   t = p+1..T,  n = T - p
//     row j of [A_1 ... A_p] = argmin_w 1/(2n) ||U_j - X w||^2 + lambda ||w||_1
//
// with the intercept b estimated as `VARIntercept` says: none, from the column means of X and the
// targets (scikit-learn's fit_intercept), or from the series' temporal mean m (z replaced by
// z - m before everything above; b = (I - sum_k A_k) m / sigma).
//
// X (n x pK, row t = [u_{t-1}; ...; u_{t-p}]) is shared by the K problems and never built: its
// Gram matrix is assembled block by block, G_km = U_k^T U_m with U_k the n rows of u lagged by k,
// by one GEMM per block, and so is X^T Y. The K problems then run on both cores.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import _COpenBLAS

/// Information criterion for choosing lambda per output along the lasso path, as scikit-learn's
/// LassoLarsIC (with fit_intercept matching the model's intercept option):
/// n log(2 pi s2) + RSS / s2 + c * df, with s2 the residual variance of the least-squares fit,
/// df the number of non-zero coefficients, c = 2 (AIC) or log n (BIC).
public enum InformationCriterion: Sendable, Equatable {
  case aic
  case bic
}

/// How a VAR's intercept b (one per output, unpenalised) is estimated. Each value's C number is
/// its position here.
public enum VARIntercept: Sendable, Equatable, CaseIterable {
  /// No intercept: u_t ~ sum_k A_k u_{t-k}.
  case none
  /// scikit-learn's fit_intercept: the lagged design's columns and the targets are centred on
  /// their means over t = p+1..T, and b_j = mean(u_j) - mean(x)^T w_j (units of u).
  case columns
  /// The mean-adjusted VAR: fitted to the series minus its temporal mean m (K values, over all T
  /// time points), forecasting m + sum_k A_k (z_{t-k} - m); b = (I - sum_k A_k) m / sigma.
  case seriesMean
}

/// Options of a sparse VAR fit. Defaults follow the paper (docs/method.md, docs/model.md).
public struct SparseVAROptions: Sendable, Equatable {
  /// VAR order p (>= 1).
  public var lag: Int = 5
  /// l1 penalty on the sigma-normalised problem (>= 0); ignored when `criterion` is set.
  public var lambda: Double = 0.01
  /// LARS step-size stabiliser (>= 0).
  public var epsGamma: Double = 0
  /// Divide the series by the standard deviation of all its entries before fitting.
  public var normalize: Bool = true
  /// How the intercept per output is estimated (none by default).
  public var intercept: VARIntercept = .none
  /// Choose lambda per output by AIC or BIC along the full path instead of using `lambda`.
  public var criterion: InformationCriterion? = nil
  /// Bound on LARS steps per output (0 = no bound).
  public var maxIterations: Int = 0
  /// Worker threads (0 = all cores).
  public var threads: Int = 0
  /// Allowed connections, K x K row-major: `mask[j * K + l]` allows latent l to drive latent j
  /// (at every lag). nil = all allowed.
  public var mask: [Bool]? = nil

  public init() {}
}

/// The lambdas of one output's path and the criterion value at each, when a criterion was used.
public struct CriterionPath: Sendable, Equatable {
  public var lambdas: [Double]
  public var values: [Double]
}

/// A fitted sparse VAR.
public struct SparseVARModel: Sendable, Equatable {
  /// VAR order p.
  public let lag: Int
  /// Series dimension K.
  public let dimension: Int
  /// p x K x K: `coefficients[(k - 1) * K * K + j * K + l]` = A_k[j, l], the effect of latent l at
  /// time t - k on latent j at time t.
  public var coefficients: [Double]
  /// Intercept b per output in units of u (all zero without the intercept option): for the series
  /// the VAR was fitted on, zhat_t = sum_k A_k z_{t-k} + sigma b.
  public var intercept: [Double]
  /// The temporal mean m of the series the VAR was fitted on (K values, units of z) when fitted
  /// with `VARIntercept.seriesMean`, nil otherwise. Such a VAR forecasts every series around
  /// that series' own temporal mean (see `forecast`).
  public var mean: [Double]?
  /// The scale of the series the VAR was fitted on, minus `mean` when there is one (1 when
  /// normalisation is off).
  public var sigma: Double
  /// Whether forecasts rescale by the forecast series' own sigma.
  public var normalize: Bool
  /// lambda used for each output (the option, or the criterion's choice).
  public var lambdas: [Double]
  /// Per-output path and criterion values, when a criterion was used.
  public var criterionPaths: [CriterionPath]?

  /// A_k[j, l] for k in 1...p.
  public func coefficient(lag k: Int, to j: Int, from l: Int) -> Double {
    coefficients[(k - 1) * dimension * dimension + j * dimension + l]
  }

  /// The intercept in units of u of a VAR fitted around `mean` (units of z):
  /// b = (I - sum_k A_k) mean / sigma.
  static func intercept(around mean: [Double], coefficients: [Double], dimension k: Int, sigma: Double) -> [Double] {
    (0..<k).map { j in
      var level = mean[j]
      for lagOffset in stride(from: 0, to: coefficients.count, by: k * k) {
        for l in 0..<k { level -= coefficients[lagOffset + j * k + l] * mean[l] }
      }
      return level / sigma
    }
  }
}

/// A multivariate series: T x K, row-major (`values[t * K + l]`).
public struct Series: Sendable, Equatable {
  public var length: Int
  public var dimension: Int
  public var values: [Double]

  public init(length: Int, dimension: Int, values: [Double]) throws {
    guard length >= 0, dimension >= 1 else {
      throw SparseVARError.shape("a series needs K >= 1 dimensions, got \(dimension)")
    }
    let count = try checkedProduct(length, dimension, what: "a series of \(length) x \(dimension)")
    guard values.count == count else {
      throw SparseVARError.shape(
        "a series of \(length) x \(dimension) needs \(count) values, got \(values.count)")
    }
    try requireFinite(values, "the series")
    self.length = length
    self.dimension = dimension
    self.values = values
  }

  /// Population standard deviation of all entries.
  public var standardDeviation: Double {
    let count = Double(values.count)
    let mean = values.reduce(0, +) / count
    var s = 0.0
    for v in values { s += (v - mean) * (v - mean) }
    return (s / count).squareRoot()
  }

  /// The temporal mean of every dimension (K values; zeros for an empty series).
  public var temporalMean: [Double] {
    var mean = [Double](repeating: 0, count: dimension)
    for (i, v) in values.enumerated() { mean[i % dimension] += v }
    return mean.map { length > 0 ? $0 / Double(length) : 0 }
  }

  /// The series with `offset` (K values) subtracted at every time step.
  public func subtracting(_ offset: [Double]) throws -> Series {
    guard offset.count == dimension else {
      throw SparseVARError.shape("the offset needs K = \(dimension) values, got \(offset.count)")
    }
    try requireFinite(offset, "the offset")
    var shifted = self
    for i in shifted.values.indices { shifted.values[i] -= offset[i % dimension] }
    return shifted
  }
}

/// Progress of a long call: (done, total) -> continue? Returning false cancels.
public typealias ProgressHandler = (Int, Int) -> Bool

extension SparseVARModel {
  /// Fits a sparse VAR to `series` (docs/method.md).
  /// - Parameter progress: called on the calling thread after each batch of outputs; return
  ///   false to cancel (throws `.interrupted`).
  public static func fit(
    _ series: Series, options: SparseVAROptions = .init(), progress: ProgressHandler? = nil
  ) throws -> SparseVARModel {
    try fit(series, options: options, progress: progress, tapes: nil)
  }

  /// The same, also recording each output's LARS steps into `tapes` (K slots, each tape at most
  /// `tapeBytes` bytes; a longer path leaves its slot incomplete). Not with a criterion.
  static func fit(
    _ series: Series, options: SparseVAROptions, progress: ProgressHandler?,
    tapes: ConcurrentSlots<LARSTape>?, tapeBytes: Int = .max
  ) throws -> SparseVARModel {
    try validate(series, options)
    let mean = options.intercept == .seriesMean ? series.temporalMean : nil
    let series = try mean.map { try series.subtracting($0) } ?? series
    let p = options.lag
    let k = series.dimension
    let n = series.length - p
    let features = p * k
    var sigma = 1.0
    if options.normalize {
      sigma = series.standardDeviation
      guard sigma > 0, sigma.isFinite else {
        throw SparseVARError.numerical(
          "the series is constant, so it has no scale to normalise by (sigma = 0)")
      }
    }
    let u = series.values.map { $0 / sigma }
    var (gram, xty, yty) = laggedProducts(u, length: series.length, dimension: k, lag: p, threads: options.threads)
    var featureMeans = [Double](repeating: 0, count: features)
    var targetMeans = [Double](repeating: 0, count: k)
    if options.intercept == .columns {
      (featureMeans, targetMeans) = laggedMeans(u, length: series.length, dimension: k, lag: p)
      center(&gram, &xty, &yty, featureMeans, targetMeans, n: n)
    }
    var noiseVariance: [Double]? = nil
    if options.criterion != nil {
      noiseVariance = try leastSquaresNoiseVariance(
        gram: gram, xty: xty, yty: yty, n: n, intercept: options.intercept != .none)
    }

    let lars = LassoLARSOptions(epsGamma: options.epsGamma, maxIterations: options.maxIterations)
    let results = ConcurrentSlots<([Double], Double, CriterionPath?)>(count: k, initial: ([], 0, nil))
    let batch = max(1, min(k, max(4 * availableCores, k / 50)))
    let gramValues = gram.storage
    let xtyValues = xty.storage
    let targetNorms = yty
    let noise = noiseVariance
    var done = 0
    while done < k {
      let count = min(batch, k - done)
      let start = done
      parallelFor(count, threads: options.threads) { offset in
        let j = start + offset
        let target = (0..<features).map { xtyValues[$0 * k + j] }
        let excluded = options.mask.map { mask in (0..<features).map { !mask[j * k + $0 % k] } }
        gramValues.withUnsafeBufferPointer { g in
          target.withUnsafeBufferPointer { c in
            var engine = LARSEngine(gram: g, xty: c, n: n, options: lars, excluded: excluded)
            if let criterion = options.criterion, let noise {
              results.store(
                j,
                fitByCriterion(
                  &engine, criterion: criterion, noiseVariance: noise[j], yty: targetNorms[j], n: n))
            } else if let tapes {
              tapes.store(j, engine.recordingRun(lambda: options.lambda, byteLimit: tapeBytes))
              results.store(j, (engine.coef, options.lambda, nil))
            } else {
              _ = engine.run(lambda: options.lambda)
              results.store(j, (engine.coef, options.lambda, nil))
            }
          }
        }
      }
      done += count
      if let progress, !progress(done, k) {
        throw SparseVARError.interrupted("the VAR fit was cancelled after \(done) of \(k) outputs")
      }
    }

    var coefficients = [Double](repeating: 0, count: p * k * k)
    var intercept = [Double](repeating: 0, count: k)
    var lambdas = [Double](repeating: 0, count: k)
    var paths: [CriterionPath]? = options.criterion == nil ? nil : []
    for j in 0..<k {
      let (w, lambda, path) = results.value(j)
      for lagIndex in 0..<p {
        for l in 0..<k { coefficients[lagIndex * k * k + j * k + l] = w[lagIndex * k + l] }
      }
      if options.intercept == .columns { intercept[j] = targetMeans[j] - dot(featureMeans, w) }
      lambdas[j] = lambda
      if let path { paths?.append(path) }
    }
    if let mean { intercept = Self.intercept(around: mean, coefficients: coefficients, dimension: k, sigma: sigma) }
    return SparseVARModel(
      lag: p, dimension: k, coefficients: coefficients, intercept: intercept, mean: mean, sigma: sigma,
      normalize: options.normalize, lambdas: lambdas, criterionPaths: paths)
  }

  static func validate(_ series: Series, _ options: SparseVAROptions) throws {
    let k = series.dimension
    guard options.lag >= 1 else {
      throw SparseVARError.invalidArgument("the lag p must be >= 1, got \(options.lag)")
    }
    guard options.lag <= series.length - 2 else {
      throw SparseVARError.shape(
        "a VAR of lag \(options.lag) needs at least lag + 2 time points, got \(series.length)")
    }
    guard options.lambda >= 0, options.lambda.isFinite else {
      throw SparseVARError.invalidArgument("lambda must be finite and >= 0, got \(options.lambda)")
    }
    guard options.epsGamma >= 0, options.epsGamma.isFinite else {
      throw SparseVARError.invalidArgument("eps_gamma must be finite and >= 0, got \(options.epsGamma)")
    }
    guard options.maxIterations >= 0, options.threads >= 0 else {
      throw SparseVARError.invalidArgument("max_iter and threads must be >= 0")
    }
    if let mask = options.mask, mask.count != (try checkedProduct(k, k, what: "the mask (K x K)")) {
      throw SparseVARError.shape("the mask must be K x K = \(k * k) values, got \(mask.count)")
    }
    try reserveMemory(try workingValues(series, options), of: Double.self, what: "a VAR fit of K = \(k), p = \(options.lag)")
  }

  /// Doubles a fit holds at once, for the memory check before it starts: with pK features, the
  /// Gram matrix and its GEMM output (2 (pK)^2), X^T Y and its output, the solutions and the
  /// coefficients (4 pK K), and the normalised series (T K).
  static func workingValues(_ series: Series, _ options: SparseVAROptions) throws -> Int {
    let what = "a VAR fit of K = \(series.dimension), p = \(options.lag)"
    let features = try checkedProduct(options.lag, series.dimension, what: what)
    return try checkedSum(
      try checkedProduct(2, features, features, what: what),
      try checkedProduct(4, features, series.dimension, what: what),
      series.values.count, what: what)
  }

  /// Runs one output's full path and keeps the knot with the smallest criterion.
  static func fitByCriterion(
    _ engine: inout LARSEngine, criterion: InformationCriterion, noiseVariance: Double,
    yty: Double, n: Int
  ) -> ([Double], Double, CriterionPath?) {
    let factor = criterion == .aic ? 2.0 : log(Double(n))
    let constant = Double(n) * log(2 * Double.pi * noiseVariance)
    var best: (value: Double, lambda: Double, w: [Double]) = (.infinity, 0, [])
    var lambdas: [Double] = []
    var values: [Double] = []
    let gram = engine.gram
    let xty = engine.xty
    let p = engine.p
    _ = engine.run(lambda: 0) { lambda, w in
      // RSS = y'y - 2 w'X'y + w'G w over the support.
      let support = w.indices.filter { w[$0] != 0 }
      var rss = yty
      for a in support {
        rss -= 2 * w[a] * xty[a]
        for b in support { rss += w[a] * gram[a * p + b] * w[b] }
      }
      let df = support.filter { abs(w[$0]) > Double.ulpOfOne }.count
      let value = constant + rss / noiseVariance + factor * Double(df)
      lambdas.append(lambda)
      values.append(value)
      if value < best.value { best = (value, lambda, w) }
    }
    return (best.w, best.lambda, CriterionPath(lambdas: lambdas, values: values))
  }

  /// Residual variance of the least-squares fit of every output, RSS / (n - pK - intercept), as
  /// LassoLarsIC estimates the noise (an estimated intercept, from column means or the series'
  /// mean, costs one degree of freedom); needs more samples than features.
  static func leastSquaresNoiseVariance(
    gram: Matrix, xty: Matrix, yty: [Double], n: Int, intercept: Bool
  ) throws -> [Double] {
    let features = gram.rows
    let k = xty.cols
    let dof = n - features - (intercept ? 1 : 0)
    guard dof > 0 else {
      throw SparseVARError.invalidArgument(
        "an information criterion needs more samples than features to estimate the noise variance: "
          + "n = \(n) samples, \(features) features (lag x K); use a fixed lambda or a longer series")
    }
    var a = gram.storage
    var b = xty.storage
    let info = LAPACKE_dposv(
      LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(features), Int32(k), &a, Int32(features), &b,
      Int32(k))
    guard info == 0 else {
      throw SparseVARError.numerical(
        "the lagged design is rank-deficient, so the noise variance for the information criterion "
          + "cannot be estimated; use a fixed lambda")
    }
    return (0..<k).map { j in
      var explained = 0.0
      for f in 0..<features { explained += b[f * k + j] * xty.storage[f * k + j] }
      return max(yty[j] - explained, 0) / Double(dof)
    }
  }

  /// G = X^T X (pK x pK), X^T Y (pK x K) and y_j^T y_j for the lagged design of u, by GEMM on
  /// lagged views of u; X itself is never formed.
  static func laggedProducts(_ u: [Double], length: Int, dimension k: Int, lag p: Int, threads: Int)
    -> (Matrix, Matrix, [Double])
  {
    let n = length - p
    let features = p * k
    var gram = Matrix(rows: features, cols: features)
    var xty = Matrix(rows: features, cols: k)
    var yty = [Double](repeating: 0, count: k)
    // One GEMM per block of G (upper triangle) and of X^T Y, run by the workers.
    let blocks = (1...p).flatMap { a in (a...p).map { b in (a, b) } } + (1...p).map { ($0, 0) }
    let gramOut = UnsafeMutableBufferPointer<Double>.allocate(capacity: features * features)
    let xtyOut = UnsafeMutableBufferPointer<Double>.allocate(capacity: features * k)
    defer {
      gramOut.deallocate()
      xtyOut.deallocate()
    }
    let gramBase = SendablePointer(gramOut.baseAddress!)
    let xtyBase = SendablePointer(xtyOut.baseAddress!)
    parallelFor(blocks.count, threads: threads) { index in
      let (a, b) = blocks[index]
      u.withUnsafeBufferPointer { ub in
        // Rows p - lag ..< p - lag + n of u are the design's block for this lag (lag 0 = target).
        let base = ub.baseAddress!
        let left = base + (p - a) * k
        let right = base + (p - b) * k
        let (out, ld) =
          b == 0
          ? (xtyBase.pointer + (a - 1) * k * k, k)
          : (gramBase.pointer + (a - 1) * k * features + (b - 1) * k, features)
        cblas_dgemm(
          CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(k), Int32(n), 1.0, left,
          Int32(k), right, Int32(k), 0.0, out, Int32(ld))
      }
    }
    gram.storage = Array(gramOut)
    xty.storage = Array(xtyOut)
    for t in p..<length {
      for j in 0..<k { yty[j] += u[t * k + j] * u[t * k + j] }
    }
    gram.symmetrizeFromUpper()
    return (gram, xty, yty)
  }

  /// Column means of the lagged design (pK) and of the targets (K).
  static func laggedMeans(_ u: [Double], length: Int, dimension k: Int, lag p: Int)
    -> ([Double], [Double])
  {
    let n = length - p
    func mean(ofLag lagIndex: Int) -> [Double] {
      var m = [Double](repeating: 0, count: k)
      for t in p..<length {
        for l in 0..<k { m[l] += u[(t - lagIndex) * k + l] }
      }
      return m.map { $0 / Double(n) }
    }
    return ((1...p).flatMap { mean(ofLag: $0) }, mean(ofLag: 0))
  }

  /// Turns the products of the raw design into those of the column-centred design.
  static func center(
    _ gram: inout Matrix, _ xty: inout Matrix, _ yty: inout [Double], _ xMean: [Double],
    _ yMean: [Double], n: Int
  ) {
    let nn = Double(n)
    let f = gram.rows
    let k = xty.cols
    for a in 0..<f {
      for b in 0..<f { gram.storage[a * f + b] -= nn * xMean[a] * xMean[b] }
      for j in 0..<k { xty.storage[a * k + j] -= nn * xMean[a] * yMean[j] }
    }
    for j in 0..<k { yty[j] -= nn * yMean[j] * yMean[j] }
  }
}
