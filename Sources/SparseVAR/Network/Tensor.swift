//===--- Tensor.swift -----------------------------------------------------===//
//
// The dense tensor the network layers work on, the scalar types they run in (Float for speed,
// Double for gradient checks) with their BLAS routines, trainable parameters, and the small
// deterministic generator that initialises them.
//
// Layout: row-major and contiguous. A batch of images is NCHW: element (n, c, y, x) of a
// [N, C, H, W] tensor is storage[((n * C + c) * H + y) * W + x].
//
//===----------------------------------------------------------------------===//

import _COpenBLAS

// MARK: - Scalars

/// A floating-point type the network layers run in: `Float` (training) or `Double` (gradient
/// checks). The requirements are the few BLAS routines the layers use, so that each layer is
/// written once and dispatches to `cblas_s*` or `cblas_d*`.
///
/// The BLAS requirements take raw pointers and trust their sizes; they are building blocks for
/// the layers, which validate shapes before calling them.
public protocol NetworkScalar: BinaryFloatingPoint, SIMDScalar, Sendable {
  /// Conversion from Double (rounding to nearest).
  init(_ value: Double)
  /// The value as a Double (exact for Float and Double).
  var asDouble: Double { get }

  /// Row-major C = alpha * op(A) * op(B) + beta * C, with op(A) m x k, op(B) k x n, C m x n;
  /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
    a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int, beta: Self,
    c: UnsafeMutablePointer<Self>, ldc: Int)
}

private func cblasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE {
  transpose ? CblasTrans : CblasNoTrans
}

extension Float: NetworkScalar {
  @inlinable public var asDouble: Double { Double(self) }

  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    cblas_sgemm(
      CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB), Int32(m), Int32(n),
      Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}

extension Double: NetworkScalar {
  @inlinable public var asDouble: Double { self }

  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double,
    c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    cblas_dgemm(
      CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB), Int32(m), Int32(n),
      Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}

// MARK: - Tensor

/// A dense, contiguous, row-major tensor. The layers use rank 4, NCHW: a [N, C, H, W] tensor
/// holds N images of C channels of H x W pixels, element (n, c, y, x) at
/// `storage[((n * C + c) * H + y) * W + x]`.
public struct Tensor<Scalar: NetworkScalar>: Sendable, Equatable {
  /// The size of each dimension (all >= 0); `storage.count` is their product.
  public private(set) var shape: [Int]
  /// The values, row-major; `shape.reduce(1, *)` of them (build a new tensor with
  /// `init(shape:storage:)` to change them).
  public internal(set) var storage: [Scalar]

  /// A tensor of the given shape with every value `value`. Throws `.shape` for a negative
  /// dimension or a size that overflows.
  public init(shape: [Int], repeating value: Scalar = 0) throws {
    let count = try Tensor.elementCount(shape)
    self.shape = shape
    self.storage = [Scalar](repeating: value, count: count)
  }

  /// Wraps `storage` (row-major). Throws `.shape` when its count is not the product of `shape`.
  public init(shape: [Int], storage: [Scalar]) throws {
    let count = try Tensor.elementCount(shape)
    guard storage.count == count else {
      throw SparseVARError.shape(
        "a tensor of shape \(shape) needs \(count) values, got \(storage.count)")
    }
    self.shape = shape
    self.storage = storage
  }

  /// Internal: a zero tensor of a shape known to be valid.
  init(zeros shape: [Int]) {
    var count = 1
    for d in shape {
      precondition(d >= 0, "negative tensor dimension")
      count *= d
    }
    self.shape = shape
    self.storage = [Scalar](repeating: 0, count: count)
  }

  /// Internal: wraps storage whose count is known to match `shape`.
  init(validShape shape: [Int], storage: [Scalar]) {
    precondition(storage.count == shape.reduce(1, *), "tensor storage does not match its shape")
    self.shape = shape
    self.storage = storage
  }

  /// Number of values.
  public var count: Int { storage.count }

  /// Number of dimensions.
  public var rank: Int { shape.count }

  /// The same values under another shape with the same number of values.
  public func reshaped(to newShape: [Int]) throws -> Tensor {
    let newCount = try Tensor.elementCount(newShape)
    guard newCount == count else {
      throw SparseVARError.shape(
        "cannot reshape a tensor of shape \(shape) (\(count) values) to \(newShape)")
    }
    return Tensor(validShape: newShape, storage: storage)
  }

  /// The same tensor in another scalar type (rounded to nearest).
  public func converted<Other: NetworkScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
    Tensor<Other>(validShape: shape, storage: storage.map { Other($0.asDouble) })
  }

  static func elementCount(_ shape: [Int]) throws -> Int {
    try checkedProduct(shape, what: "tensor shape \(shape)")
  }
}

/// The four sizes of an NCHW tensor.
struct ImageBatchShape: Equatable {
  var batch: Int
  var channels: Int
  var height: Int
  var width: Int
  var plane: Int { height * width }
  /// Number of values.
  var count: Int { batch * channels * plane }
  var array: [Int] { [batch, channels, height, width] }
}

extension Tensor {
  /// Checks that the tensor is NCHW (rank 4), with `channels` channels when given, and returns
  /// its sizes; `layer` names the caller in the error.
  func imageBatchShape(channels: Int? = nil, layer: String) throws -> ImageBatchShape {
    guard shape.count == 4 else {
      throw SparseVARError.shape(
        "\(layer) expects an NCHW tensor of rank 4, got shape \(shape)")
    }
    if let channels, shape[1] != channels {
      throw SparseVARError.shape(
        "\(layer) expects \(channels) input channels, got shape \(shape)")
    }
    return ImageBatchShape(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3])
  }

  /// Checks that a gradient handed to `layer`'s backward pass has the `expected` shape.
  func requireGradientShape(_ expected: [Int], layer: String) throws {
    guard shape == expected else {
      throw SparseVARError.shape(
        "\(layer).backward expects a gradient of shape \(expected), got \(shape)")
    }
  }
}

// MARK: - Parameters

/// A trainable array of a layer and the gradient accumulated for it. Backward passes add to
/// `gradient`; `zeroGradient()` resets it (call it before each mini-batch). The optimiser
/// updates `value` in place, so a layer and its optimiser share the same `Parameter` object.
public final class Parameter<Scalar: NetworkScalar> {
  /// What the array is, e.g. "weight", "bias", "gamma", "beta".
  public let name: String
  /// The array's shape (e.g. [Cout, Cin, kh, kw] for a convolution weight).
  public let shape: [Int]
  /// The values, row-major; `shape.reduce(1, *)` of them.
  public internal(set) var value: [Scalar]
  /// dLoss/dvalue, accumulated over backward passes; same count as `value`.
  public internal(set) var gradient: [Scalar]

  init(name: String, shape: [Int], value: [Scalar]) {
    precondition(value.count == shape.reduce(1, *), "parameter values do not match their shape")
    self.name = name
    self.shape = shape
    self.value = value
    self.gradient = [Scalar](repeating: 0, count: value.count)
  }

  /// Replaces the values (e.g. when loading a model). Throws `.shape` for a wrong count and
  /// `.nonFinite` for NaN or infinity; the parameter is unchanged then.
  public func assign(_ newValue: [Scalar]) throws {
    guard newValue.count == value.count else {
      throw SparseVARError.shape(
        "parameter \(name) of shape \(shape) needs \(value.count) values, got \(newValue.count)")
    }
    try requireFinite(newValue, "parameter \(name)")
    value = newValue
  }

  /// Sets every gradient entry to zero.
  public func zeroGradient() {
    for i in gradient.indices { gradient[i] = 0 }
  }
}

// MARK: - Random numbers

/// SplitMix64 (Steele, Lea & Flood 2014, as in Vigna's reference code): a small, fast,
/// deterministic generator, so that a seed gives the same initial network on every machine
/// and toolchain.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public private(set) var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Uniform in [-bound, bound) from the top 53 bits of one draw: a fixed formula, independent of
/// the standard library's `random(in:using:)`, so a seed means the same values everywhere.
func symmetricUniform<G: RandomNumberGenerator>(_ bound: Double, using generator: inout G)
  -> Double
{
  let unit = Double(generator.next() >> 11) * 0x1.0p-53
  return (2 * unit - 1) * bound
}

// MARK: - Parallel helpers

/// Splits 0..<count into at most `threads` (0 = all cores) contiguous chunks and runs `body` on
/// each, concurrently. Each chunk can own its scratch memory. Callers keep every result
/// independent of the chunking (per-item results, reductions in a fixed order), so outputs are
/// bit-identical whatever the thread count. BLAS inside `body` is single-threaded.
package func parallelChunks(_ count: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
  parallelWorkers(count, threads: threads) { _, chunk in body(chunk) }
}

/// As `parallelChunks`, also passing each chunk's number in 0..<workerCount(count, threads:), so
/// that a chunk can use scratch memory taken for it beforehand.
package func parallelWorkers(_ count: Int, threads: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
  guard count > 0 else { return }
  let workers = workerCount(count, threads: threads)
  parallelFor(workers, threads: workers) { chunk in
    body(chunk, (chunk * count / workers)..<((chunk + 1) * count / workers))
  }
}

/// The number of chunks `parallelChunks` and `parallelWorkers` split `count` items into.
package func workerCount(_ count: Int, threads: Int) -> Int {
  max(1, min(count, threads <= 0 ? availableCores : threads))
}

/// A read-only pointer handed to concurrent workers.
package struct SendableConstPointer<T>: @unchecked Sendable {
  package let pointer: UnsafePointer<T>
  package init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}
