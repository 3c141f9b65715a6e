//===--- BatchNorm2D.swift ------------------------------------------------===//
//
// Batch normalisation over the N, H, W dimensions of an NCHW batch, per channel c
// (Ioffe & Szegedy 2015; PyTorch's BatchNorm2d conventions):
//
//     xhat = (x - mu_c) / sqrt(var_c + eps),   y = gamma_c * xhat + beta_c
//
// Training: mu_c and var_c are the batch mean and the biased variance over the M = N*H*W values
// of channel c, and the running statistics move towards them with momentum m:
//     runningMean <- (1 - m) runningMean + m mu_c
//     runningVar  <- (1 - m) runningVar  + m var_c * M / (M - 1)      (unbiased variance)
// Inference: mu_c and var_c are the running statistics.
//
// Backward, with g = dL/dy and sums over the channel's M values:
//     dL/dgamma_c += sum g xhat,   dL/dbeta_c += sum g
//     training:   dL/dx = gamma_c / sqrt(var_c + eps) * (g - mean(g) - xhat * mean(g xhat))
//     inference:  dL/dx = gamma_c / sqrt(var_c + eps) * g
// (the training form includes the gradient through the batch statistics).
// Sums are accumulated in Double, channel by channel in a fixed order.
//
//===----------------------------------------------------------------------===//

/// Batch normalisation of NCHW batches, per channel, with an affine map (gamma, beta).
///
/// - Input and output: [N, `channels`, H, W].
/// - `gamma` (init 1) and `beta` (init 0): [`channels`]. `runningMean` (init 0) and
///   `runningVariance` (init 1): [`channels`].
/// - Training mode uses batch statistics (biased variance) and updates the running statistics
///   with the unbiased variance; inference mode uses the running statistics.
///
/// `forward` keeps its input and the statistics it used for `backward`, which differentiates
/// the mode of the last `forward`.
public final class BatchNorm2D<Scalar: NetworkScalar> {
  public let channels: Int
  /// Added to the variance before the square root (default 1e-5).
  public let epsilon: Double
  /// Weight of the new batch statistics in the running averages (default 0.1).
  public let momentum: Double
  /// Scale, [channels].
  public let gamma: Parameter<Scalar>
  /// Shift, [channels].
  public let beta: Parameter<Scalar>
  /// Running mean of the batch means, [channels].
  public internal(set) var runningMean: [Scalar]
  /// Running mean of the unbiased batch variances, [channels].
  public internal(set) var runningVariance: [Scalar]
  /// Worker threads (0 = all cores). Results do not depend on it.
  public var threads: Int = 0

  private struct Cache {
    var input: Tensor<Scalar>
    var training: Bool
    /// The mean and 1/sqrt(var + eps) used per channel.
    var mean: [Scalar]
    var inverseStandardDeviation: [Scalar]
  }
  private var cache: Cache?

  /// Throws `.invalidArgument` for `channels < 1`, `epsilon <= 0` or a momentum outside [0, 1].
  public init(channels: Int, epsilon: Double = 1e-5, momentum: Double = 0.1) throws {
    guard channels >= 1 else {
      throw SparseVARError.invalidArgument(
        "BatchNorm2D needs at least one channel, got \(channels)")
    }
    guard epsilon > 0, epsilon.isFinite else {
      throw SparseVARError.invalidArgument("BatchNorm2D: epsilon must be positive, got \(epsilon)")
    }
    guard momentum >= 0, momentum <= 1 else {
      throw SparseVARError.invalidArgument(
        "BatchNorm2D: momentum must lie in [0, 1], got \(momentum)")
    }
    self.channels = channels
    self.epsilon = epsilon
    self.momentum = momentum
    gamma = Parameter(
      name: "gamma", shape: [channels], value: [Scalar](repeating: 1, count: channels))
    beta = Parameter(
      name: "beta", shape: [channels], value: [Scalar](repeating: 0, count: channels))
    runningMean = [Scalar](repeating: 0, count: channels)
    runningVariance = [Scalar](repeating: 1, count: channels)
  }

  /// The trainable parameters: gamma, beta.
  public var parameters: [Parameter<Scalar>] { [gamma, beta] }

  /// Sets the parameters' gradients to zero.
  public func zeroGradients() { for p in parameters { p.zeroGradient() } }

  /// Drops what was kept for `backward`.
  public func clearCache() { cache = nil }

  /// Replaces the running statistics (e.g. when loading a model). Throws `.shape` for wrong
  /// counts, `.invalidArgument` for a negative or non-finite variance or a non-finite mean.
  public func setRunningStatistics(mean: [Scalar], variance: [Scalar]) throws {
    guard mean.count == channels, variance.count == channels else {
      throw SparseVARError.shape(
        "BatchNorm2D needs \(channels) running means and variances, got \(mean.count) and "
          + "\(variance.count)")
    }
    guard mean.allSatisfy({ $0.isFinite }), variance.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
      throw SparseVARError.invalidArgument(
        "BatchNorm2D: running means must be finite and running variances finite and >= 0")
    }
    runningMean = mean
    runningVariance = variance
  }

  /// The per-channel mean and 1 / sqrt(var + eps) to normalise with. With `batchStatistics`
  /// (the batch mean and biased variance of `valuesPerChannel` values per channel, training
  /// mode), those, and the running statistics move towards them; without, the running ones.
  func normalisation(batchStatistics: (mean: [Double], variance: [Double])?, valuesPerChannel: Int)
    -> (mean: [Scalar], inverseStandardDeviation: [Scalar])
  {
    var mean = [Scalar](repeating: 0, count: channels)
    var inverseStandardDeviation = [Scalar](repeating: 0, count: channels)
    if let batchStatistics {
      let m = momentum
      let unbiasing = Double(valuesPerChannel) / Double(valuesPerChannel - 1)
      for c in 0..<channels {
        let (batchMean, batchVariance) = (batchStatistics.mean[c], batchStatistics.variance[c])
        mean[c] = Scalar(batchMean)
        inverseStandardDeviation[c] = Scalar(1 / (batchVariance + epsilon).squareRoot())
        runningMean[c] = Scalar((1 - m) * runningMean[c].asDouble + m * batchMean)
        runningVariance[c] = Scalar(
          (1 - m) * runningVariance[c].asDouble + m * batchVariance * unbiasing)
      }
    } else {
      for c in 0..<channels {
        mean[c] = runningMean[c]
        inverseStandardDeviation[c] = Scalar(
          1 / (runningVariance[c].asDouble + epsilon).squareRoot())
      }
    }
    return (mean, inverseStandardDeviation)
  }

  /// Normalises [N, channels, H, W]. With `training`, uses and records batch statistics (needs
  /// N*H*W >= 2, else `.shape`); otherwise uses the running statistics.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
    let s = try input.imageBatchShape(channels: channels, layer: "BatchNorm2D")
    let valuesPerChannel = s.batch * s.plane
    if training && valuesPerChannel < 2 {
      throw SparseVARError.shape(
        "BatchNorm2D in training needs more than one value per channel, got shape \(input.shape)")
    }
    var output = Tensor<Scalar>(zeros: input.shape)
    var statistics: (mean: [Double], variance: [Double])? = nil
    if training {
      var batchMean = [Double](repeating: 0, count: channels)
      var batchVariance = [Double](repeating: 0, count: channels)
      input.storage.withUnsafeBufferPointer { x in
        batchMean.withUnsafeMutableBufferPointer { meanOut in
          batchVariance.withUnsafeMutableBufferPointer { varianceOut in
            guard let x = x.baseAddress, let meanOut = meanOut.baseAddress,
              let varianceOut = varianceOut.baseAddress
            else { return }
            batchStatistics(
              s, SendableConstPointer(x), SendablePointer(meanOut), SendablePointer(varianceOut),
              threads: threads, slope: 1)
          }
        }
      }
      statistics = (batchMean, batchVariance)
    }
    let (mean, inverseStandardDeviation) = normalisation(
      batchStatistics: statistics, valuesPerChannel: valuesPerChannel)
    cache = Cache(
      input: input, training: training, mean: mean,
      inverseStandardDeviation: inverseStandardDeviation)
    let applied = AppliedNormalisation(
      mean: mean, inverseStandardDeviation: inverseStandardDeviation, gamma: gamma.value,
      beta: beta.value, training: training)
    input.storage.withUnsafeBufferPointer { x in
      output.storage.withUnsafeMutableBufferPointer { y in
        guard let x = x.baseAddress, let y = y.baseAddress else { return }
        // The fused decoder pass with slope 1: its activation is then the identity (1 * v == v).
        normaliseActivate(
          SendableConstPointer(x), s, applied, slope: 1, output: SendablePointer(y), threads: threads)
      }
    }
    return output
  }

  /// Given dLoss/doutput (the shape of the last input), adds dLoss/dgamma and dLoss/dbeta to the
  /// gradients and returns dLoss/dinput, for the mode of the last `forward` (in training mode
  /// through the batch statistics). Throws `.notFitted` before any `forward`, `.shape` for a
  /// wrong shape.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
    guard let cache else {
      throw SparseVARError.notFitted("BatchNorm2D.backward needs a forward pass first")
    }
    let input = cache.input
    try gradOutput.requireGradientShape(input.shape, layer: "BatchNorm2D")
    let s = try input.imageBatchShape(channels: channels, layer: "BatchNorm2D")
    var gradInput = gradOutput  // overwritten with dLoss/dinput
    var gammaGradient = [Double](repeating: 0, count: channels)
    var betaGradient = [Double](repeating: 0, count: channels)
    let applied = AppliedNormalisation(
      mean: cache.mean, inverseStandardDeviation: cache.inverseStandardDeviation,
      gamma: gamma.value, beta: beta.value, training: cache.training)
    input.storage.withUnsafeBufferPointer { x in
      gradInput.storage.withUnsafeMutableBufferPointer { dx in
        gammaGradient.withUnsafeMutableBufferPointer { dg in
          betaGradient.withUnsafeMutableBufferPointer { db in
            guard let x = x.baseAddress, let dx = dx.baseAddress, let dg = dg.baseAddress,
              let db = db.baseAddress
            else { return }
            // As in `forward`, the fused pass with slope 1 (the identity activation).
            normaliseActivateBackward(
              SendableConstPointer(x), gradient: SendablePointer(dx), s, applied, slope: 1,
              gammaGradient: SendablePointer(dg), betaGradient: SendablePointer(db), threads: threads)
          }
        }
      }
    }
    accumulateGradients(gamma: gammaGradient, beta: betaGradient)
    return gradInput
  }

  /// Adds per-channel sums to the gradients of gamma and beta.
  func accumulateGradients(gamma gammaGradient: [Double], beta betaGradient: [Double]) {
    for c in 0..<channels {
      gamma.gradient[c] = Scalar(gamma.gradient[c].asDouble + gammaGradient[c])
      beta.gradient[c] = Scalar(beta.gradient[c].asDouble + betaGradient[c])
    }
  }
}

/// Per-channel mean and biased variance of leaky(x) (slope `slope`; 1 for x itself) over an NCHW
/// batch: two passes, Double accumulators, channels in parallel, each summed in a fixed order.
func batchStatistics<Scalar: NetworkScalar>(
  _ s: ImageBatchShape, _ input: SendableConstPointer<Scalar>, _ mean: SendablePointer<Double>,
  _ variance: SendablePointer<Double>, threads: Int, slope: Scalar
) {
  let count = Double(s.batch * s.plane)
  parallelChunks(s.channels, threads: threads) { channels in
    for c in channels {
      var sum = 0.0
      for n in 0..<s.batch {
        sum += leakySum(input.pointer + (n * s.channels + c) * s.plane, count: s.plane, slope: slope)
      }
      let mu = sum / count
      var squares = 0.0
      for n in 0..<s.batch {
        squares += leakySquaredDeviations(
          input.pointer + (n * s.channels + c) * s.plane, count: s.plane, slope: slope, from: mu)
      }
      mean.pointer[c] = mu
      variance.pointer[c] = squares / count
    }
  }
}

/// Sum of leaky(x) over `count` values, in Double (for Float: eight Float lanes over blocks of 64
/// values, each block added to Double lanes; the lanes and the remainder in a fixed order).
@inline(__always)
private func leakySum<Scalar: NetworkScalar>(_ x: UnsafePointer<Scalar>, count: Int, slope: Scalar) -> Double {
  if Scalar.self == Float.self {
    return leakyFloatSum(
      UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), count: count, slope: Float(slope.asDouble),
      deviationsFrom: nil)
  }
  var sum = 0.0
  for i in 0..<count { sum += (x[i] > 0 ? x[i] : slope * x[i]).asDouble }
  return sum
}

/// Sum of `count` values in Double (as `leakySum`, whose slope 1 keeps every value).
func valueSum<Scalar: NetworkScalar>(_ x: UnsafePointer<Scalar>, count: Int) -> Double {
  leakySum(x, count: count, slope: 1)
}

/// Sum of (leaky(x) - mean)^2 over `count` values, in Double (for Float as in `leakySum`).
@inline(__always)
private func leakySquaredDeviations<Scalar: NetworkScalar>(
  _ x: UnsafePointer<Scalar>, count: Int, slope: Scalar, from mean: Double
) -> Double {
  if Scalar.self == Float.self {
    return leakyFloatSum(
      UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), count: count, slope: Float(slope.asDouble),
      deviationsFrom: Float(mean))
  }
  var sum = 0.0
  for i in 0..<count {
    let d = (x[i] > 0 ? x[i] : slope * x[i]).asDouble - mean
    sum += d * d
  }
  return sum
}

/// Sum of leaky(x), or with `deviationsFrom` of (leaky(x) - mean)^2, over `count` Floats.
private func leakyFloatSum(_ x: UnsafePointer<Float>, count: Int, slope: Float, deviationsFrom mean: Float?)
  -> Double
{
  let slopes = SIMD8<Float>(repeating: slope)
  let means = SIMD8<Float>(repeating: mean ?? 0)
  let square = mean != nil
  var lanes = SIMD8<Double>()
  var i = 0
  while i + 64 <= count {
    var block = SIMD8<Float>()
    for j in stride(from: i, to: i + 64, by: 8) {
      let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
      var a = v.replacing(with: v * slopes, where: v .<= 0)
      if square {
        a -= means
        a *= a
      }
      block += a
    }
    lanes += SIMD8<Double>(block)
    i += 64
  }
  var sum = 0.0
  for lane in 0..<8 { sum += lanes[lane] }
  while i < count {
    var a = Double(x[i] > 0 ? x[i] : slope * x[i])
    if let mean {
      a -= Double(mean)
      a *= a
    }
    sum += a
    i += 1
  }
  return sum
}
