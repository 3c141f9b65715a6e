//===--- Conv2D.swift -----------------------------------------------------===//
//
// 2-D convolution (cross-correlation, as in PyTorch) with a 3x3 kernel (padding 1, stride 1, so
// H x W is kept) or a 1x1 kernel, plus a bias, on NCHW batches:
//
//     y[n, o, p] = b[o] + sum_{i, ky, kx} W[o, i, ky, kx] * x[n, i, p + (ky - 1, kx - 1)]
//
// (x is zero outside the image). With im2col, image n's patches form a (Cin*k*k) x (H*W)
// matrix X_n (row (i*k + ky)*k + kx, column y*W + x), the weights a Cout x (Cin*k*k) matrix, and
//
//     forward   Y_n  = W X_n + b 1^T
//     backward  dW  += sum_n dY_n X_n^T,   db += sum_n dY_n 1,   dX_n = col2im(W^T dY_n)
//
// GEMM formulation: one GEMM per image, images spread over the workers (each owning its scratch),
// OpenBLAS single-threaded inside; a batch of frames gives enough independent work for the
// cores. Two forms of the 3x3 products keep the scratch and the copies small:
//
//   * the patches of the input, im2col(X_n) (Cin*9 x HW), for the forward pass when Cin <= Cout
//     and for the weight gradient when no input gradient is needed;
//   * the patches of the output gradient, S_n = im2col(dY_n) (Cout*9 x HW), for the backward pass
//     otherwise: with F the flipped weights, F[(o*9 + t), i] = W[o, i, 8 - t] (tap t at
//     (ky, kx) = (t / 3, t % 3), 8 - t its mirror),
//         dX_n = F^T S_n,    dW[o, i, t] = (S_n X_n^T)[(o*9 + 8 - t), i],
//     so no col2im is needed; and for the forward pass when Cout < Cin (the last layer, one
//     output channel): Y_n = b 1^T + col2im(F X_n), F X_n being Cout*9 x HW.
//
// The weight gradient is summed from per-image products in image order, so the result does not
// depend on how images were split among workers.
//
// This layer computes the direct products above; the autoencoder's passes run its 3x3
// convolutions between hidden layers by Winograd F(4x4, 3x3) instead (Network/Winograd.swift).
//
//===----------------------------------------------------------------------===//

/// A 2-D convolution with a 3x3 kernel (padding 1, stride 1) or a 1x1 kernel, and a bias.
///
/// - Input: NCHW, [N, `inputChannels`, H, W]. Output: [N, `outputChannels`, H, W].
/// - `weight`: [`outputChannels`, `inputChannels`, k, k] (PyTorch's layout); `bias`:
///   [`outputChannels`].
/// - Initialisation (He / Kaiming uniform for a leaky-ReLU network):
///   `weight ~ U(-bound, bound)` with `bound = sqrt(6 / ((1 + a^2) * inputChannels * k * k))`,
///   `a` = `negativeSlope` (0.01 by default; 1 gives the gain of a linear layer), drawn in
///   storage order; `bias = 0`.
///
/// `forward` keeps its input for `backward` (until the next `forward` or `clearCache()`).
/// `backward` adds to the parameters' gradients and returns the gradient for the input.
public final class Conv2D<Scalar: NetworkScalar> {
  public let inputChannels: Int
  public let outputChannels: Int
  /// 1 or 3.
  public let kernelSize: Int
  /// [outputChannels, inputChannels, kernelSize, kernelSize].
  public let weight: Parameter<Scalar>
  /// [outputChannels].
  public let bias: Parameter<Scalar>
  /// Worker threads for forward and backward (0 = all cores). Results do not depend on it.
  public var threads: Int = 0

  private var cachedInput: Tensor<Scalar>?

  /// A convolution initialised from `generator` (see the type's documentation).
  /// Throws `.invalidArgument` for channel counts below 1, a kernel size other than 1 or 3, or a
  /// non-finite `negativeSlope`.
  public init<G: RandomNumberGenerator>(
    inputChannels: Int, outputChannels: Int, kernelSize: Int = 3, negativeSlope: Double = 0.01,
    generator: inout G
  ) throws {
    guard inputChannels >= 1, outputChannels >= 1 else {
      throw SparseVARError.invalidArgument(
        "Conv2D needs at least one input and one output channel, got \(inputChannels) -> "
          + "\(outputChannels)")
    }
    guard kernelSize == 1 || kernelSize == 3 else {
      throw SparseVARError.invalidArgument(
        "Conv2D supports kernel sizes 1 and 3, got \(kernelSize)")
    }
    guard negativeSlope.isFinite else {
      throw SparseVARError.invalidArgument("Conv2D: the initialisation slope must be finite")
    }
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
    self.kernelSize = kernelSize
    let fanIn = inputChannels * kernelSize * kernelSize
    let bound = (6 / ((1 + negativeSlope * negativeSlope) * Double(fanIn))).squareRoot()
    var values = [Scalar](repeating: 0, count: outputChannels * fanIn)
    for i in values.indices { values[i] = Scalar(symmetricUniform(bound, using: &generator)) }
    weight = Parameter(
      name: "weight", shape: [outputChannels, inputChannels, kernelSize, kernelSize],
      value: values)
    bias = Parameter(
      name: "bias", shape: [outputChannels],
      value: [Scalar](repeating: 0, count: outputChannels))
  }

  /// A convolution initialised from `SplitMix64(seed: seed)`.
  public convenience init(
    inputChannels: Int, outputChannels: Int, kernelSize: Int = 3, negativeSlope: Double = 0.01,
    seed: UInt64
  ) throws {
    var generator = SplitMix64(seed: seed)
    try self.init(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
      negativeSlope: negativeSlope, generator: &generator)
  }

  /// The trainable parameters: weight, bias.
  public var parameters: [Parameter<Scalar>] { [weight, bias] }

  /// Sets the parameters' gradients to zero.
  public func zeroGradients() { for p in parameters { p.zeroGradient() } }

  /// Drops the input kept for `backward`.
  public func clearCache() { cachedInput = nil }

  /// [N, inputChannels, H, W] -> [N, outputChannels, H, W]. `training` has no effect here (the
  /// argument keeps the layers interchangeable). Throws `.shape` for a wrong shape.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
    let s = try input.imageBatchShape(channels: inputChannels, layer: "Conv2D")
    guard s.plane <= Int(Int32.max) / (inputChannels * kernelSize * kernelSize) else {
      throw SparseVARError.shape(
        "Conv2D: images of \(s.height) x \(s.width) pixels are too large for BLAS (32-bit sizes)")
    }
    cachedInput = input
    var output = Tensor<Scalar>(zeros: [s.batch, outputChannels, s.height, s.width])
    guard output.count > 0 else { return output }
    let geometry = ConvolutionGeometry(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
      height: s.height, width: s.width)
    input.storage.withUnsafeBufferPointer { x in
      weight.value.withUnsafeBufferPointer { w in
        bias.value.withUnsafeBufferPointer { b in
          output.storage.withUnsafeMutableBufferPointer { y in
            guard let x = x.baseAddress, let w = w.baseAddress, let b = b.baseAddress,
              let y = y.baseAddress
            else { return }
            geometry.forward(
              batch: s.batch, input: SendableConstPointer(x), weight: SendableConstPointer(w),
              bias: SendableConstPointer(b), output: SendablePointer(y), threads: threads)
          }
        }
      }
    }
    return output
  }

  /// Given dLoss/doutput ([N, outputChannels, H, W], the shape of the last `forward`'s output),
  /// adds dLoss/dweight and dLoss/dbias to the gradients and returns dLoss/dinput.
  /// Throws `.notFitted` before any `forward`, `.shape` for a wrong shape.
  @_specialize(exported: true, where Scalar == Float)
  @_specialize(exported: true, where Scalar == Double)
  public func backward(_ gradOutput: Tensor<Scalar>) throws -> Tensor<Scalar> {
    guard let input = cachedInput else {
      throw SparseVARError.notFitted("Conv2D.backward needs a forward pass first")
    }
    let s = try input.imageBatchShape(layer: "Conv2D")
    let expected = [s.batch, outputChannels, s.height, s.width]
    try gradOutput.requireGradientShape(expected, layer: "Conv2D")
    var gradInput = Tensor<Scalar>(zeros: input.shape)
    guard gradOutput.count > 0 else { return gradInput }
    let geometry = ConvolutionGeometry(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
      height: s.height, width: s.width)
    let weightCount = weight.value.count
    var perImageWeightGradients = [Scalar](repeating: 0, count: s.batch * weightCount)
    var biasGradient = [Double](repeating: 0, count: outputChannels)
    input.storage.withUnsafeBufferPointer { x in
      weight.value.withUnsafeBufferPointer { w in
        gradOutput.storage.withUnsafeBufferPointer { dy in
          gradInput.storage.withUnsafeMutableBufferPointer { dx in
            perImageWeightGradients.withUnsafeMutableBufferPointer { dw in
              biasGradient.withUnsafeMutableBufferPointer { db in
                guard let x = x.baseAddress, let w = w.baseAddress, let dy = dy.baseAddress,
                  let dx = dx.baseAddress, let dw = dw.baseAddress, let db = db.baseAddress
                else { return }
                geometry.backward(
                  batch: s.batch, input: SendableConstPointer(x),
                  weight: SendableConstPointer(w), gradOutput: SendableConstPointer(dy),
                  gradInput: SendablePointer(dx), perImageWeightGradients: SendablePointer(dw),
                  biasGradient: SendablePointer(db), threads: threads)
              }
            }
          }
        }
      }
    }
    accumulateGradients(
      perImageWeightGradients: perImageWeightGradients, batch: s.batch,
      biasGradient: biasGradient)
    return gradInput
  }

  /// Adds the per-image (or per-group) weight gradients ([batch, weight count], summed in order,
  /// so the result does not depend on how images were split among workers) and the bias gradient
  /// to the parameters' gradients.
  func accumulateGradients(
    perImageWeightGradients: UnsafePointer<Scalar>, batch: Int, biasGradient: [Double]
  ) {
    let weightCount = weight.value.count
    for j in 0..<weightCount {
      var sum = weight.gradient[j].asDouble
      for n in 0..<batch { sum += perImageWeightGradients[n * weightCount + j].asDouble }
      weight.gradient[j] = Scalar(sum)
    }
    for o in 0..<outputChannels {
      bias.gradient[o] = Scalar(bias.gradient[o].asDouble + biasGradient[o])
    }
  }

  /// The geometry of this convolution on images of `height` x `width` pixels.
  func geometry(height: Int, width: Int) -> ConvolutionGeometry {
    ConvolutionGeometry(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
      height: height, width: width)
  }
}

/// The sizes of one convolution call and its kernels on raw memory.
struct ConvolutionGeometry {
  var inputChannels: Int
  var outputChannels: Int
  var kernelSize: Int
  var height: Int
  var width: Int

  var plane: Int { height * width }
  /// Rows of the input's patch matrix: Cin * k * k.
  var patchRows: Int { inputChannels * kernelSize * kernelSize }
  /// The forward pass of a 3x3 kernel works on the output side (col2im(F X)) rather than on the
  /// input's patches: when it has fewer output than input channels.
  var forwardOnOutputSide: Bool { kernelSize == 3 && outputChannels < inputChannels }

  /// Values of one worker's patch scratch for a forward pass, or a backward pass with or without
  /// the input gradient (0 for 1x1).
  func patchCount(backward: Bool, inputGradient: Bool) -> Int {
    guard kernelSize == 3 else { return 0 }
    if backward { return (inputGradient ? outputChannels : inputChannels) * 9 * plane }
    return min(inputChannels, outputChannels) * 9 * plane
  }

  /// Calls `body(n, patches)` for each image n of the batch, images in parallel; `patches` is
  /// a scratch buffer of `scratch` values (at least 1) per worker.
  private func forEachImage<Scalar: NetworkScalar>(
    _ batch: Int, scratch: Int, threads: Int,
    _ body: @Sendable (_ image: Int, _ patches: UnsafeMutablePointer<Scalar>) -> Void
  ) {
    let capacity = max(1, scratch)
    parallelChunks(batch, threads: threads) { images in
      let patches = UnsafeMutablePointer<Scalar>.allocate(capacity: capacity)
      defer { patches.deallocate() }
      for n in images { body(n, patches) }
    }
  }

  func forward<Scalar: NetworkScalar>(
    batch: Int, input: SendableConstPointer<Scalar>, weight: SendableConstPointer<Scalar>,
    bias: SendableConstPointer<Scalar>, output: SendablePointer<Scalar>, threads: Int
  ) {
    let g = self
    forEachImage(batch, scratch: g.patchCount(backward: false, inputGradient: false), threads: threads) {
      n, patches in
      g.forwardImage(
        input.pointer + n * g.inputChannels * g.plane, weight: weight.pointer,
        bias: bias.pointer, output: output.pointer + n * g.outputChannels * g.plane,
        patches: patches)
    }
  }

  /// One image: y (Cout x HW) = W * x + b, with x Cin x HW; `patches` holds
  /// `patchCount(backward: false, ...)` values.
  func forwardImage<Scalar: NetworkScalar>(
    _ x: UnsafePointer<Scalar>, weight: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>,
    output y: UnsafeMutablePointer<Scalar>, patches: UnsafeMutablePointer<Scalar>
  ) {
    for o in 0..<outputChannels { (y + o * plane).update(repeating: bias[o], count: plane) }
    if kernelSize == 1 {
      // Y_n (Cout x HW) += W (Cout x Cin) * X_n (Cin x HW)
      Scalar.gemm(
        transposeA: false, transposeB: false, m: outputChannels, n: plane, k: inputChannels,
        alpha: 1, a: weight, lda: inputChannels, b: x, ldb: plane, beta: 1, c: y, ldc: plane)
    } else if forwardOnOutputSide {
      // Y_n += col2im(F (Cout*9 x Cin) * X_n (Cin x HW))
      withFlippedWeights(weight) { flipped in
        Scalar.gemm(
          transposeA: false, transposeB: false, m: outputChannels * 9, n: plane, k: inputChannels,
          alpha: 1, a: flipped, lda: inputChannels, b: x, ldb: plane, beta: 0, c: patches,
          ldc: plane)
      }
      col2im(UnsafePointer(patches), y, channels: outputChannels)
    } else {
      // Y_n (Cout x HW) += W (Cout x Cin*9) * im2col(X_n) (Cin*9 x HW)
      im2col(x, patches, channels: inputChannels)
      Scalar.gemm(
        transposeA: false, transposeB: false, m: outputChannels, n: plane, k: patchRows,
        alpha: 1, a: weight, lda: patchRows, b: patches, ldb: plane, beta: 1, c: y, ldc: plane)
    }
  }

  func backward<Scalar: NetworkScalar>(
    batch: Int, input: SendableConstPointer<Scalar>, weight: SendableConstPointer<Scalar>,
    gradOutput: SendableConstPointer<Scalar>, gradInput: SendablePointer<Scalar>,
    perImageWeightGradients: SendablePointer<Scalar>, biasGradient: SendablePointer<Double>,
    threads: Int
  ) {
    let g = self
    let weightCount = g.outputChannels * g.patchRows
    forEachImage(batch, scratch: g.patchCount(backward: true, inputGradient: true), threads: threads) {
      n, patches in
      g.backwardImage(
        input.pointer + n * g.inputChannels * g.plane, weight: weight.pointer,
        gradOutput: gradOutput.pointer + n * g.outputChannels * g.plane,
        gradInput: gradInput.pointer + n * g.inputChannels * g.plane,
        weightGradient: perImageWeightGradients.pointer + n * weightCount, patches: patches)
    }
    g.biasGradient(batch: batch, gradOutput: gradOutput, into: biasGradient, threads: threads)
  }

  /// One image: dW_n (Cout x Cin*k*k) into `weightGradient` (overwritten) and, when `gradInput`
  /// is given, dX_n (Cin x HW, overwritten). `patches` holds
  /// `patchCount(backward: true, inputGradient: gradInput != nil)` values.
  func backwardImage<Scalar: NetworkScalar>(
    _ x: UnsafePointer<Scalar>, weight: UnsafePointer<Scalar>,
    gradOutput dy: UnsafePointer<Scalar>, gradInput dx: UnsafeMutablePointer<Scalar>?,
    weightGradient: UnsafeMutablePointer<Scalar>, patches: UnsafeMutablePointer<Scalar>
  ) {
    if kernelSize == 1 {
      // dW_n (Cout x Cin) = dY_n (Cout x HW) * X_n^T;  dX_n (Cin x HW) = W^T * dY_n
      Scalar.gemm(
        transposeA: false, transposeB: true, m: outputChannels, n: inputChannels, k: plane,
        alpha: 1, a: dy, lda: plane, b: x, ldb: plane, beta: 0, c: weightGradient,
        ldc: inputChannels)
      guard let dx else { return }
      Scalar.gemm(
        transposeA: true, transposeB: false, m: inputChannels, n: plane, k: outputChannels,
        alpha: 1, a: weight, lda: inputChannels, b: dy, ldb: plane, beta: 0, c: dx, ldc: plane)
      return
    }
    guard let dx else {
      // dW_n (Cout x Cin*9) = dY_n (Cout x HW) * im2col(X_n)^T (HW x Cin*9)
      im2col(x, patches, channels: inputChannels)
      Scalar.gemm(
        transposeA: false, transposeB: true, m: outputChannels, n: patchRows, k: plane,
        alpha: 1, a: dy, lda: plane, b: patches, ldb: plane, beta: 0, c: weightGradient,
        ldc: patchRows)
      return
    }
    // S_n = im2col(dY_n) (Cout*9 x HW);  dX_n = F^T S_n;  M = S_n X_n^T (Cout*9 x Cin)
    im2col(dy, patches, channels: outputChannels)
    let rows = outputChannels * 9
    withFlippedWeights(weight) { flipped in
      Scalar.gemm(
        transposeA: true, transposeB: false, m: inputChannels, n: plane, k: rows, alpha: 1,
        a: flipped, lda: inputChannels, b: patches, ldb: plane, beta: 0, c: dx, ldc: plane)
    }
    withUnsafeTemporaryAllocation(of: Scalar.self, capacity: rows * inputChannels) { product in
      let m = product.baseAddress!
      Scalar.gemm(
        transposeA: false, transposeB: true, m: rows, n: inputChannels, k: plane, alpha: 1,
        a: patches, lda: plane, b: x, ldb: plane, beta: 0, c: m, ldc: inputChannels)
      // dW[o, i, t] = M[(o*9 + 8 - t), i]
      for o in 0..<outputChannels {
        for i in 0..<inputChannels {
          for t in 0..<9 {
            weightGradient[(o * inputChannels + i) * 9 + t] = m[(o * 9 + 8 - t) * inputChannels + i]
          }
        }
      }
    }
  }

  /// Calls `body` with the flipped weights of a 3x3 kernel, F[(o*9 + t), i] = W[o, i, 8 - t]
  /// (Cout*9 x Cin, row-major).
  private func withFlippedWeights<Scalar: NetworkScalar>(
    _ weight: UnsafePointer<Scalar>, _ body: (UnsafePointer<Scalar>) -> Void
  ) {
    withUnsafeTemporaryAllocation(of: Scalar.self, capacity: outputChannels * 9 * inputChannels) {
      flipped in
      let f = flipped.baseAddress!
      for o in 0..<outputChannels {
        for t in 0..<9 {
          for i in 0..<inputChannels {
            f[(o * 9 + t) * inputChannels + i] = weight[(o * inputChannels + i) * 9 + 8 - t]
          }
        }
      }
      body(UnsafePointer(f))
    }
  }

  /// db[o] = sum over images and pixels of dY[n, o, :], in a fixed order (overwritten; each
  /// image's plane summed by `valueSum`).
  func biasGradient<Scalar: NetworkScalar>(
    batch: Int, gradOutput: SendableConstPointer<Scalar>, into biasGradient: SendablePointer<Double>,
    threads: Int
  ) {
    let g = self
    parallelChunks(g.outputChannels, threads: threads) { channels in
      for o in channels {
        var sum = 0.0
        for n in 0..<batch {
          sum += valueSum(gradOutput.pointer + (n * g.outputChannels + o) * g.plane, count: g.plane)
        }
        biasGradient.pointer[o] = sum
      }
    }
  }

  /// Patch matrix of one image of `channels` channels (3x3, padding 1): row (i*3 + ky)*3 + kx,
  /// column y*W + x holds image[i, y + ky - 1, x + kx - 1], or 0 outside the image.
  func im2col<Scalar: NetworkScalar>(
    _ image: UnsafePointer<Scalar>, _ patches: UnsafeMutablePointer<Scalar>, channels: Int
  ) {
    precondition(kernelSize == 3, "im2col is only used for 3x3 kernels")
    let w = width
    forEachPatchRow(channels: channels) { channelOffset, rowOffset, ky, dx in
      let (channel, row) = (image + channelOffset, patches + rowOffset)
      for y in 0..<height {
        let destination = row + y * w
        let sourceY = y + ky - 1
        guard sourceY >= 0, sourceY < height else {
          destination.update(repeating: 0, count: w)
          continue
        }
        let source = channel + sourceY * w
        switch dx {
        case -1:
          destination[0] = 0
          if w > 1 { (destination + 1).update(from: source, count: w - 1) }
        case 0:
          destination.update(from: source, count: w)
        default:
          if w > 1 { destination.update(from: source + 1, count: w - 1) }
          destination[w - 1] = 0
        }
      }
    }
  }

  /// The adjoint of `im2col` for an image of `channels` channels: adds each patch-matrix entry
  /// onto the pixel it was read from.
  func col2im<Scalar: NetworkScalar>(
    _ patches: UnsafePointer<Scalar>, _ image: UnsafeMutablePointer<Scalar>, channels: Int
  ) {
    precondition(kernelSize == 3, "col2im is only used for 3x3 kernels")
    let w = width
    forEachPatchRow(channels: channels) { channelOffset, rowOffset, ky, dx in
      let (channel, row) = (image + channelOffset, patches + rowOffset)
      let lower = max(0, -dx)
      let upper = min(w, w - dx)
      for y in 0..<height {
        let targetY = y + ky - 1
        guard targetY >= 0, targetY < height, lower < upper else { continue }
        let source = row + y * w
        let target = channel + targetY * w
        for x in lower..<upper { target[x + dx] += source[x] }
      }
    }
  }

  /// Calls `body` for each row of the 3x3 patch matrix of an image of `channels` channels, in
  /// storage order: the offsets (in elements) of its channel's plane in the image and of the row
  /// in the patch matrix, the kernel row ky and the column shift dx = kx - 1.
  @inline(__always)
  private func forEachPatchRow(
    channels: Int, _ body: (_ channel: Int, _ row: Int, _ ky: Int, _ dx: Int) -> Void
  ) {
    for i in 0..<channels {
      for ky in 0..<3 {
        for kx in 0..<3 { body(i * plane, ((i * 3 + ky) * 3 + kx) * plane, ky, kx - 1) }
      }
    }
  }
}
