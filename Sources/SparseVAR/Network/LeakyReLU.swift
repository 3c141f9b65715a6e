//===--- LeakyReLU.swift --------------------------------------------------===//
//
// The leaky rectifier, elementwise:  y = x (x > 0),  y = slope * x (x <= 0),
// with derivative 1 or slope (slope at x = 0, as PyTorch).
//
//===----------------------------------------------------------------------===//

/// Leaky ReLU on a tensor of any shape (the network uses NCHW), slope 0.01 by default.
///
/// `forward` keeps its input for `backward` (until the next `forward` or `clearCache()`).
public final class LeakyReLU<Scalar: NetworkScalar> {
  /// The slope for x <= 0.
  public let slope: Scalar
  /// Worker threads (0 = all cores). Results do not depend on it.
  public var threads: Int = 0

  private var cachedInput: Tensor<Scalar>?

  public init(slope: Scalar = 0.01) { self.slope = slope }

  /// No trainable parameters.
  public var parameters: [Parameter<Scalar>] { [] }

  /// Drops the input kept for `backward`.
  public func clearCache() { cachedInput = nil }

  /// Elementwise; the output has the input's shape. `training` has no effect here.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
    cachedInput = input
    var output = Tensor<Scalar>(zeros: input.shape)
    let slope = slope
    input.storage.withUnsafeBufferPointer { x in
      output.storage.withUnsafeMutableBufferPointer { y in
        guard let x = x.baseAddress, let y = y.baseAddress else { return }
        let source = SendableConstPointer(x)
        let target = SendablePointer(y)
        parallelChunks(elementBlocks(input.count), threads: threads) { blocks in
          for i in elementRange(blocks, input.count) {
            let v = source.pointer[i]
            target.pointer[i] = v > 0 ? v : slope * v
          }
        }
      }
    }
    return output
  }

  /// dLoss/dinput = dLoss/doutput * (1 or slope). Throws `.notFitted` before any `forward`,
  /// `.shape` when the gradient's shape differs from the last input's.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
    guard let input = cachedInput else {
      throw SparseVARError.notFitted("LeakyReLU.backward needs a forward pass first")
    }
    try gradOutput.requireGradientShape(input.shape, layer: "LeakyReLU")
    var gradInput = Tensor<Scalar>(zeros: input.shape)
    let slope = slope
    input.storage.withUnsafeBufferPointer { x in
      gradOutput.storage.withUnsafeBufferPointer { dy in
        gradInput.storage.withUnsafeMutableBufferPointer { dx in
          guard let x = x.baseAddress, let dy = dy.baseAddress, let dx = dx.baseAddress else {
            return
          }
          let source = SendableConstPointer(x)
          let gradient = SendableConstPointer(dy)
          let target = SendablePointer(dx)
          parallelChunks(elementBlocks(input.count), threads: threads) { blocks in
            for i in elementRange(blocks, input.count) {
              let g = gradient.pointer[i]
              target.pointer[i] = source.pointer[i] > 0 ? g : slope * g
            }
          }
        }
      }
    }
    return gradInput
  }
}

/// The slope of the leaky ReLUs of the autoencoder (LeakyReLU's default, 0.01).
let leakyReLUSlope = 0.01

/// Elementwise work is handed out in blocks of this many values.
let elementBlockSize = 1 << 16

/// Number of blocks covering `count` values.
func elementBlocks(_ count: Int) -> Int { (count + elementBlockSize - 1) / elementBlockSize }

/// The values covered by a range of blocks.
func elementRange(_ blocks: Range<Int>, _ count: Int) -> Range<Int> {
  (blocks.lowerBound * elementBlockSize)..<min(count, blocks.upperBound * elementBlockSize)
}
