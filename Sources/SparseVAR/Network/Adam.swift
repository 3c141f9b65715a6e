//===--- Adam.swift -------------------------------------------------------===//
//
// Adam (Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015) with bias
// correction, in PyTorch's arrangement. At step t, for each parameter value theta with gradient g:
//
//     m <- beta1 m + (1 - beta1) g
//     v <- beta2 v + (1 - beta2) g^2
//     theta <- theta - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// m and v start at zero and are kept in the parameters' scalar type.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The Adam optimiser over a fixed list of parameters (defaults: lr 1e-3, betas 0.9 / 0.999,
/// eps 1e-8). `step()` reads each parameter's accumulated gradient and updates its value; it
/// does not reset the gradients (call `zeroGradients()` before the next backward pass).
public final class Adam<Scalar: NetworkScalar> {
  /// The parameters updated by `step()`, in the order given.
  public let parameters: [Parameter<Scalar>]
  /// Step size (may be changed between steps, e.g. for a schedule).
  public var learningRate: Double
  public let beta1: Double
  public let beta2: Double
  public let epsilon: Double
  /// Number of steps taken so far.
  public private(set) var stepCount = 0

  private var firstMoments: [[Scalar]]
  private var secondMoments: [[Scalar]]

  /// Throws `.invalidArgument` for a negative or non-finite learning rate, betas outside [0, 1),
  /// a non-positive epsilon, or a parameter listed twice.
  public init(
    parameters: [Parameter<Scalar>], learningRate: Double = 1e-3, beta1: Double = 0.9,
    beta2: Double = 0.999, epsilon: Double = 1e-8
  ) throws {
    guard learningRate >= 0, learningRate.isFinite else {
      throw SparseVARError.invalidArgument(
        "Adam: the learning rate must be finite and >= 0, got \(learningRate)")
    }
    guard beta1 >= 0, beta1 < 1, beta2 >= 0, beta2 < 1 else {
      throw SparseVARError.invalidArgument(
        "Adam: beta1 and beta2 must lie in [0, 1), got \(beta1) and \(beta2)")
    }
    guard epsilon > 0, epsilon.isFinite else {
      throw SparseVARError.invalidArgument("Adam: epsilon must be positive, got \(epsilon)")
    }
    var seen = Set<ObjectIdentifier>()
    for p in parameters where !seen.insert(ObjectIdentifier(p)).inserted {
      throw SparseVARError.invalidArgument("Adam: parameter \(p.name) is listed twice")
    }
    self.parameters = parameters
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    firstMoments = parameters.map { [Scalar](repeating: 0, count: $0.value.count) }
    secondMoments = parameters.map { [Scalar](repeating: 0, count: $0.value.count) }
  }

  /// Sets every parameter's gradient to zero.
  public func zeroGradients() { for p in parameters { p.zeroGradient() } }

  /// One Adam update of every parameter from its current gradient.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func step() {
    stepCount += 1
    let t = Double(stepCount)
    let stepSize = Scalar(learningRate / (1 - pow(beta1, t)))
    let correction2 = Scalar((1 - pow(beta2, t)).squareRoot())
    let (b1, b2, eps) = (Scalar(beta1), Scalar(beta2), Scalar(epsilon))
    let (c1, c2) = (Scalar(1 - beta1), Scalar(1 - beta2))
    for (k, parameter) in parameters.enumerated() {
      parameter.value.withUnsafeMutableBufferPointer { theta in
        parameter.gradient.withUnsafeBufferPointer { g in
          firstMoments[k].withUnsafeMutableBufferPointer { m in
            secondMoments[k].withUnsafeMutableBufferPointer { v in
              for i in 0..<theta.count {
                m[i] = b1 * m[i] + c1 * g[i]
                v[i] = b2 * v[i] + c2 * g[i] * g[i]
                theta[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + eps)
              }
            }
          }
        }
      }
    }
  }
}
