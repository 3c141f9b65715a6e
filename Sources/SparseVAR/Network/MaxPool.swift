//===--- MaxPool.swift ----------------------------------------------------===//
//
// 2x2 max pooling (stride 2) that records where each maximum came from, and the matching max
// unpooling that puts values back at those places (zeros elsewhere), as PyTorch's
// MaxPool2d(2, return_indices=True) / MaxUnpool2d(2). The decoder unpools frame t with the
// indices of the matching encoder pool for the same frame t.
//
//     pool:    y[n, c, i, j] = x[n, c, idx]  with idx = argmax over the window
//              {(2i, 2j), (2i, 2j+1), (2i+1, 2j), (2i+1, 2j+1)}   (first maximum in that order;
//              a NaN wins over numbers, so NaN propagates)
//     unpool:  y[n, c, idx[n, c, i, j]] = x[n, c, i, j], zero elsewhere
//
// Each window holds exactly one index, so pool backward scatters and unpool backward gathers
// without collisions.
//
//===----------------------------------------------------------------------===//

/// The argmax positions of a 2x2 max pool: for every output element (n, c, i, j) of the pooled
/// [N, C, h, w] grid, the index `y * (2w) + x` of the chosen pixel in the (2h) x (2w) input plane
/// of (n, c). Every index lies inside its own 2x2 window.
public struct PoolingIndices: Sendable, Equatable {
  /// [N, C, h, w]: the shape of the pooled tensor.
  public let shape: [Int]
  /// Indices into the input plane, row-major over `shape` (one per pooled element).
  public let storage: [Int32]

  /// Validated construction: throws `.shape` when `shape` is not a rank-4 shape matching
  /// `storage.count`, and `.invalidArgument` when an index lies outside its 2x2 window.
  public init(shape: [Int], storage: [Int32]) throws {
    let count = try Tensor<Double>.elementCount(shape)
    guard shape.count == 4 else {
      throw SparseVARError.shape("pooling indices need a rank-4 shape [N, C, h, w], got \(shape)")
    }
    guard storage.count == count else {
      throw SparseVARError.shape(
        "pooling indices of shape \(shape) need \(count) values, got \(storage.count)")
    }
    let (h, w) = (shape[2], shape[3])
    guard (4 * h).multipliedReportingOverflow(by: w).partialValue <= Int(Int32.max) else {
      throw SparseVARError.shape("pooling indices: the plane \(2 * h) x \(2 * w) is too large")
    }
    let plane = h * w
    for (k, index) in storage.enumerated() {
      let position = k % max(plane, 1)
      let (i, j) = (position / max(w, 1), position % max(w, 1))
      let (y, x) = (Int(index) / max(2 * w, 1), Int(index) % max(2 * w, 1))
      guard index >= 0, y / 2 == i, x / 2 == j else {
        throw SparseVARError.invalidArgument(
          "pooling index \(index) at pooled position (\(i), \(j)) lies outside its 2x2 window")
      }
    }
    self.shape = shape
    self.storage = storage
  }

  init(validShape shape: [Int], storage: [Int32]) {
    self.shape = shape
    self.storage = storage
  }
}

/// 2x2 max pooling with stride 2: [N, C, H, W] -> [N, C, H/2, W/2] (H and W even), returning
/// the argmax indices.
///
/// `forward` keeps the indices and the input shape for `backward`.
public final class MaxPool2x2<Scalar: NetworkScalar> {
  /// Worker threads (0 = all cores). Results do not depend on it.
  public var threads: Int = 0

  private var cache: (inputShape: [Int], indices: PoolingIndices)?

  public init() {}

  /// No trainable parameters.
  public var parameters: [Parameter<Scalar>] { [] }

  /// Drops what was kept for `backward`.
  public func clearCache() { cache = nil }

  /// Pools [N, C, H, W] to [N, C, H/2, W/2] and returns the argmax indices. Throws `.shape` when
  /// the tensor is not NCHW or H or W is odd. `training` has no effect here.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) throws
    -> (output: Tensor<Scalar>, indices: PoolingIndices)
  {
    let s = try input.imageBatchShape(layer: "MaxPool2x2")
    guard s.height % 2 == 0, s.width % 2 == 0 else {
      throw SparseVARError.shape(
        "MaxPool2x2 needs an even height and width, got \(s.height) x \(s.width)")
    }
    guard s.plane <= Int(Int32.max) else {
      throw SparseVARError.shape("MaxPool2x2: the plane \(s.height) x \(s.width) is too large")
    }
    let (h, w) = (s.height / 2, s.width / 2)
    let outputShape = [s.batch, s.channels, h, w]
    var output = Tensor<Scalar>(zeros: outputShape)
    var indices = [Int32](repeating: 0, count: output.count)
    input.storage.withUnsafeBufferPointer { x in
      output.storage.withUnsafeMutableBufferPointer { y in
        indices.withUnsafeMutableBufferPointer { idx in
          guard let x = x.baseAddress, let y = y.baseAddress, let idx = idx.baseAddress else {
            return
          }
          let source = SendableConstPointer(x)
          let target = SendablePointer(y)
          let positions = SendablePointer(idx)
          let inputWidth = s.width
          parallelChunks(s.batch * s.channels, threads: threads) { planes in
            for plane in planes {
              let xp = source.pointer + plane * s.plane
              let yp = target.pointer + plane * h * w
              let ip = positions.pointer + plane * h * w
              for i in 0..<h {
                for j in 0..<w {
                  let topLeft = 2 * i * inputWidth + 2 * j
                  var best = topLeft
                  var bestValue = xp[topLeft]
                  func consider(_ candidate: Int) {
                    let v = xp[candidate]
                    if v > bestValue || (v.isNaN && !bestValue.isNaN) {
                      best = candidate
                      bestValue = v
                    }
                  }
                  consider(topLeft + 1)
                  consider(topLeft + inputWidth)
                  consider(topLeft + inputWidth + 1)
                  yp[i * w + j] = bestValue
                  ip[i * w + j] = Int32(best)
                }
              }
            }
          }
        }
      }
    }
    let poolingIndices = PoolingIndices(validShape: outputShape, storage: indices)
    cache = (input.shape, poolingIndices)
    return (output, poolingIndices)
  }

  /// Routes dLoss/doutput ([N, C, H/2, W/2]) to the argmax positions of the last `forward`;
  /// the other inputs get zero. Throws `.notFitted` before any `forward`, `.shape` for a wrong
  /// shape.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
    guard let cache else {
      throw SparseVARError.notFitted("MaxPool2x2.backward needs a forward pass first")
    }
    try gradOutput.requireGradientShape(cache.indices.shape, layer: "MaxPool2x2")
    var gradInput = Tensor<Scalar>(zeros: cache.inputShape)
    move(gradOutput, indices: cache.indices, into: &gradInput, scatter: true, threads: threads)
    return gradInput
  }
}

/// 2x2 max unpooling: [N, C, h, w] -> [N, C, 2h, 2w], each value placed where the indices of
/// the matching `MaxPool2x2` found its maximum, zeros elsewhere.
///
/// `forward` keeps the indices for `backward`.
public final class MaxUnpool2x2<Scalar: NetworkScalar> {
  /// Worker threads (0 = all cores). Results do not depend on it.
  public var threads: Int = 0

  private var cachedIndices: PoolingIndices?

  public init() {}

  /// No trainable parameters.
  public var parameters: [Parameter<Scalar>] { [] }

  /// Drops what was kept for `backward`.
  public func clearCache() { cachedIndices = nil }

  /// Unpools [N, C, h, w] to [N, C, 2h, 2w] with `indices` of shape [N, C, h, w] (from the
  /// encoder pool of the same frames). Throws `.shape` when the shapes differ. `training` has
  /// no effect here.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, indices: PoolingIndices, training: Bool) throws
    -> Tensor<Scalar>
  {
    guard input.shape == indices.shape else {
      throw SparseVARError.shape(
        "MaxUnpool2x2 got a tensor of shape \(input.shape) but pooling indices of shape "
          + "\(indices.shape)")
    }
    cachedIndices = indices
    let s = indices.shape
    var output = Tensor<Scalar>(zeros: [s[0], s[1], 2 * s[2], 2 * s[3]])
    move(input, indices: indices, into: &output, scatter: true, threads: threads)
    return output
  }

  /// dLoss/dinput[n, c, i, j] = dLoss/doutput[n, c, idx[n, c, i, j]]. Throws `.notFitted`
  /// before any `forward`, `.shape` for a wrong shape.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
    guard let indices = cachedIndices else {
      throw SparseVARError.notFitted("MaxUnpool2x2.backward needs a forward pass first")
    }
    let s = indices.shape
    let expected = [s[0], s[1], 2 * s[2], 2 * s[3]]
    try gradOutput.requireGradientShape(expected, layer: "MaxUnpool2x2")
    var gradInput = Tensor<Scalar>(zeros: s)
    move(gradOutput, indices: indices, into: &gradInput, scatter: false, threads: threads)
    return gradInput
  }
}

/// Moves values between the pooled grid of `indices` ([N, C, h, w]) and the full grid
/// ([N, C, 2h, 2w]): when `scatter`, target[n, c, idx[n, c, k]] = source[n, c, k] (`target` full,
/// zero-initialised); otherwise target[n, c, k] = source[n, c, idx[n, c, k]] (`target` pooled).
private func move<Scalar: NetworkScalar>(
  _ source: Tensor<Scalar>, indices: PoolingIndices, into target: inout Tensor<Scalar>,
  scatter: Bool, threads: Int
) {
  let s = indices.shape
  let pooledPlane = s[2] * s[3]
  let fullPlane = 4 * pooledPlane
  let (sourcePlane, targetPlane) = scatter ? (pooledPlane, fullPlane) : (fullPlane, pooledPlane)
  source.storage.withUnsafeBufferPointer { x in
    target.storage.withUnsafeMutableBufferPointer { y in
      indices.storage.withUnsafeBufferPointer { idx in
        guard let x = x.baseAddress, let y = y.baseAddress, let idx = idx.baseAddress else {
          return
        }
        let from = SendableConstPointer(x)
        let to = SendablePointer(y)
        let positions = SendableConstPointer(idx)
        parallelChunks(s[0] * s[1], threads: threads) { planes in
          for plane in planes {
            let xp = from.pointer + plane * sourcePlane
            let yp = to.pointer + plane * targetPlane
            let ip = positions.pointer + plane * pooledPlane
            if scatter {
              for k in 0..<pooledPlane { yp[Int(ip[k])] = xp[k] }
            } else {
              for k in 0..<pooledPlane { yp[k] = xp[Int(ip[k])] }
            }
          }
        }
      }
    }
  }
}
