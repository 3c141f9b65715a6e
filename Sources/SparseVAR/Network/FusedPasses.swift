//===--- FusedPasses.swift ------------------------------------------------===//
//
// The element-wise layers of the autoencoder's blocks fused into single sweeps over the
// convolution outputs, so that a block streams its large tensors once per pass and stores only
// what cannot be recomputed cheaply:
//
//   encoder block  y = conv(x);  pooled = maxpool2x2(BN(leaky(y)))  in one sweep after the batch
//                  statistics, each window's argmax kept as one byte (`PoolingCode`); only y,
//                  pooled and the bytes are stored. Backward: the batch norm sums over the pooled
//                  gradient (the gradient is zero off the argmax pixels), then one sweep that
//                  recomputes leaky(y) and xhat and writes dL/dy over y in place.
//   decoder block  y = conv(unpool(v));  out = leaky(BN(y)).  Backward: the sums, then one sweep
//                  writing dL/dy over dL/dout in place.
//
// The formulas and the order of operations are those of LeakyReLU, BatchNorm2D (statistics and
// sums in Double, per channel in a fixed order) and MaxPool2x2 (first maximum in window order, a
// NaN wins), so results do not depend on the thread count.
//
//===----------------------------------------------------------------------===//

/// Where a 2x2 window's maximum lies, stored in one byte: 0 top left, 1 top right, 2 bottom left,
/// 3 bottom right.
enum PoolingCode {
  /// The offset of `code`'s pixel from its window's top-left pixel, in a plane `width` wide.
  @inline(__always)
  static func offset(_ code: UInt8, width: Int) -> Int { Int(code & 1) + Int(code >> 1) * width }

  /// `PoolingIndices` (indices into the input plane) of `codes` for the pooled `shape`
  /// [N, C, h, w].
  static func indices(_ codes: UnsafePointer<UInt8>, shape: [Int]) -> PoolingIndices {
    let (h, w) = (shape[2], shape[3])
    let planes = shape[0] * shape[1]
    var storage = [Int32](repeating: 0, count: planes * h * w)
    for plane in 0..<planes {
      for i in 0..<h {
        for j in 0..<w {
          let k = (plane * h + i) * w + j
          storage[k] = Int32(2 * i * 2 * w + 2 * j + offset(codes[k], width: 2 * w))
        }
      }
    }
    return PoolingIndices(validShape: shape, storage: storage)
  }

  /// Writes the codes of validated `indices` (each inside its own window) to `codes`.
  static func write(_ indices: PoolingIndices, to codes: UnsafeMutablePointer<UInt8>) {
    let (h, w) = (indices.shape[2], indices.shape[3])
    for (k, index) in indices.storage.enumerated() {
      let position = k % max(h * w, 1)
      let (i, j) = (position / w, position % w)
      let (y, x) = (Int(index) / (2 * w), Int(index) % (2 * w))
      codes[k] = UInt8((y - 2 * i) * 2 + (x - 2 * j))
    }
  }
}

/// The affine map a batch norm applied in a forward pass, per channel c:
/// out = gamma_c * ((a - mean_c) * inverseStandardDeviation_c) + beta_c.
struct AppliedNormalisation<Scalar: NetworkScalar>: Sendable {
  var mean: [Scalar]
  var inverseStandardDeviation: [Scalar]
  var gamma: [Scalar]
  var beta: [Scalar]
  /// Batch statistics (their gradient is part of the backward pass) or running ones.
  var training: Bool

  /// Channel c's mean, 1 / sqrt(var + eps), gamma and beta.
  @inline(__always)
  func channel(_ c: Int) -> (mean: Scalar, inverse: Scalar, gamma: Scalar, beta: Scalar) {
    (mean[c], inverseStandardDeviation[c], gamma[c], beta[c])
  }

  /// Channel c's sums dL/dbeta and dL/dgamma divided by the `count` values they ran over: the
  /// terms through which batch statistics pass the gradient (0 for running statistics).
  @inline(__always)
  func meanGradients(
    _ c: Int, gammaGradient: SendablePointer<Double>, betaGradient: SendablePointer<Double>,
    count: Double
  ) -> (gradient: Scalar, gradientXhat: Scalar) {
    training ? (Scalar(betaGradient.pointer[c] / count), Scalar(gammaGradient.pointer[c] / count)) : (0, 0)
  }
}

@inline(__always)
private func leaky<Scalar: NetworkScalar>(_ v: Scalar, _ slope: Scalar) -> Scalar {
  v > 0 ? v : slope * v
}

/// MaxPool2x2's rule: a larger value, or a NaN over a number.
@inline(__always)
private func wins<Scalar: NetworkScalar>(_ v: Scalar, over best: Scalar) -> Bool {
  v > best || (v.isNaN && !best.isNaN)
}

/// Encoder forward: pooled = maxpool2x2(BN(leaky(y))) for y of shape `s` (even H and W), with
/// the argmax codes; pooled and codes are [N, C, H/2, W/2].
func normaliseActivatePool<Scalar: NetworkScalar>(
  _ y: SendableConstPointer<Scalar>, _ s: ImageBatchShape, _ norm: AppliedNormalisation<Scalar>,
  slope: Scalar, pooled: SendablePointer<Scalar>, codes: SendablePointer<UInt8>, threads: Int
) {
  let (h, w, width) = (s.height / 2, s.width / 2, s.width)
  parallelChunks(s.batch * s.channels, threads: threads) { planes in
    for plane in planes {
      let c = plane % s.channels
      let (m, k, scale, shift) = norm.channel(c)
      let yp = y.pointer + plane * s.plane
      let op = pooled.pointer + plane * h * w
      let cp = codes.pointer + plane * h * w
      for i in 0..<h {
        let top = yp + 2 * i * width
        let bottom = top + width
        var first = 0
        if Scalar.self == Float.self {
          // Eight windows at a time, with the same arithmetic as the loop below.
          let float = { (v: Scalar) in Float(v.asDouble) }
          while first + 8 <= w {
            poolEightWindows(
              top: UnsafeRawPointer(top + 2 * first), bottom: UnsafeRawPointer(bottom + 2 * first),
              mean: float(m), inverse: float(k), scale: float(scale), shift: float(shift), slope: float(slope),
              pooled: UnsafeMutableRawPointer(op + i * w + first), codes: cp + i * w + first)
            first += 8
          }
        }
        for j in first..<w {
          var best = scale * ((leaky(top[2 * j], slope) - m) * k) + shift
          var code: UInt8 = 0
          let v1 = scale * ((leaky(top[2 * j + 1], slope) - m) * k) + shift
          if wins(v1, over: best) { (best, code) = (v1, 1) }
          let v2 = scale * ((leaky(bottom[2 * j], slope) - m) * k) + shift
          if wins(v2, over: best) { (best, code) = (v2, 2) }
          let v3 = scale * ((leaky(bottom[2 * j + 1], slope) - m) * k) + shift
          if wins(v3, over: best) { (best, code) = (v3, 3) }
          op[i * w + j] = best
          cp[i * w + j] = code
        }
      }
    }
  }
}

/// Encoder backward: given dL/dpooled and the codes of the forward pass, overwrites y (shape
/// `s`) with dL/dy and writes the per-channel sums dL/dgamma (sum g xhat) and dL/dbeta (sum g)
/// to `gammaGradient` and `betaGradient` ([C], overwritten).
func normaliseActivatePoolBackward<Scalar: NetworkScalar>(
  _ y: SendablePointer<Scalar>, _ s: ImageBatchShape, _ norm: AppliedNormalisation<Scalar>,
  slope: Scalar, gradPooled: SendableConstPointer<Scalar>, codes: SendableConstPointer<UInt8>,
  gammaGradient: SendablePointer<Double>, betaGradient: SendablePointer<Double>, threads: Int
) {
  let (h, w, width) = (s.height / 2, s.width / 2, s.width)
  // The gradient at the batch norm's output is dL/dpooled at each argmax pixel, zero elsewhere.
  channelGradientSums(
    s, gammaGradient: gammaGradient, betaGradient: betaGradient, threads: threads
  ) { c, plane, sumGradient, sumGradientXhat in
    let (m, k) = (norm.mean[c], norm.inverseStandardDeviation[c])
    let yp = y.pointer + plane * s.plane
    let gp = gradPooled.pointer + plane * h * w
    let cp = codes.pointer + plane * h * w
    for i in 0..<h {
      for j in 0..<w {
        let q = i * w + j
        let position = 2 * i * width + 2 * j + PoolingCode.offset(cp[q], width: width)
        let xhat = (leaky(yp[position], slope) - m) * k
        sumGradient += gp[q].asDouble
        sumGradientXhat += (gp[q] * xhat).asDouble
      }
    }
  }
  let count = Double(s.batch * s.plane)
  parallelChunks(s.batch * s.channels, threads: threads) { planes in
    for plane in planes {
      let c = plane % s.channels
      let (m, k) = (norm.mean[c], norm.inverseStandardDeviation[c])
      let scale = norm.gamma[c] * k
      let (meanGradient, meanGradientXhat) = norm.meanGradients(
        c, gammaGradient: gammaGradient, betaGradient: betaGradient, count: count)
      let yp = y.pointer + plane * s.plane
      let gp = gradPooled.pointer + plane * h * w
      let cp = codes.pointer + plane * h * w
      for i in 0..<h {
        var first = 0
        if Scalar.self == Float.self {
          // Eight windows at a time, each row half on its own, with the same arithmetic as the
          // loop below.
          let float = { (v: Scalar) in Float(v.asDouble) }
          while first + 8 <= w {
            for half in 0..<2 {
              poolGradientEightWindows(
                row: UnsafeMutableRawPointer(yp + (2 * i + half) * width + 2 * first),
                gradient: UnsafeRawPointer(gp + i * w + first), codes: UnsafeRawPointer(cp + i * w + first),
                corner: UInt32(2 * half), mean: float(m), inverse: float(k), scale: float(scale),
                meanGradient: float(meanGradient), meanGradientXhat: float(meanGradientXhat), slope: float(slope))
            }
            first += 8
          }
        }
        for j in first..<w {
          let q = i * w + j
          let (g, code) = (gp[q], cp[q])
          for corner in 0..<UInt8(4) {
            let position = 2 * i * width + 2 * j + PoolingCode.offset(corner, width: width)
            let v = yp[position]
            let xhat = (leaky(v, slope) - m) * k
            let gradient = scale * ((corner == code ? g : 0) - meanGradient - xhat * meanGradientXhat)
            yp[position] = v > 0 ? gradient : slope * gradient
          }
        }
      }
    }
  }
}

/// The second sweep of `normaliseActivatePoolBackward` on one half (top: corners `corner` 0 and
/// 1, bottom: 2 and 3) of eight adjacent windows: sixteen Float pixels of a row, overwritten, from
/// the windows' eight gradients and codes.
@inline(__always)
private func poolGradientEightWindows(
  row: UnsafeMutableRawPointer, gradient: UnsafeRawPointer, codes: UnsafeRawPointer, corner: UInt32,
  mean m: Float, inverse k: Float, scale: Float, meanGradient: Float, meanGradientXhat: Float, slope: Float
) {
  // Each window's gradient and code on both of its pixels: a 32-bit value x widened to 64 bits
  // and multiplied by 2^32 + 1 is x twice.
  let twice = SIMD8<UInt64>(repeating: 0x1_0000_0001)
  let g = unsafeBitCast(
    SIMD8<UInt64>(truncatingIfNeeded: gradient.loadUnaligned(as: SIMD8<UInt32>.self)) &* twice,
    to: SIMD16<Float>.self)
  let code = unsafeBitCast(
    SIMD8<UInt64>(truncatingIfNeeded: codes.loadUnaligned(as: SIMD8<UInt8>.self)) &* twice,
    to: SIMD16<UInt32>.self)
  let corners = SIMD16<UInt32>(corner, corner + 1, corner, corner + 1, corner, corner + 1, corner, corner + 1,
    corner, corner + 1, corner, corner + 1, corner, corner + 1, corner, corner + 1)
  let selected = g.replacing(with: 0, where: code .!= corners)
  let v = row.loadUnaligned(as: SIMD16<Float>.self)
  let positive = v .> 0
  let xhat = ((slope * v).replacing(with: v, where: positive) - m) * k
  let result = scale * (selected - meanGradient - xhat * meanGradientXhat)
  row.storeBytes(of: (slope * result).replacing(with: result, where: positive), as: SIMD16<Float>.self)
}

/// `normaliseActivatePool` on eight adjacent windows of Float rows `top` and `bottom` (16 values
/// each from the given addresses): eight pooled values and codes.
@inline(__always)
private func poolEightWindows(
  top: UnsafeRawPointer, bottom: UnsafeRawPointer, mean m: Float, inverse k: Float, scale: Float,
  shift: Float, slope: Float, pooled: UnsafeMutableRawPointer, codes: UnsafeMutablePointer<UInt8>
) {
  let t = top.loadUnaligned(as: SIMD16<Float>.self)
  let b = bottom.loadUnaligned(as: SIMD16<Float>.self)
  func normalised(_ v: SIMD8<Float>) -> SIMD8<Float> {
    scale * ((v.replacing(with: v * slope, where: v .<= 0) - m) * k) + shift
  }
  var best = normalised(t.evenHalf)
  var code = SIMD8<Int32>(repeating: 0)
  func consider(_ v: SIMD8<Float>, _ corner: Int32) {
    let wins = (v .> best) .| ((v .!= v) .& (best .== best))
    best.replace(with: v, where: wins)
    code.replace(with: corner, where: wins)
  }
  consider(normalised(t.oddHalf), 1)
  consider(normalised(b.evenHalf), 2)
  consider(normalised(b.oddHalf), 3)
  pooled.storeBytes(of: best, as: SIMD8<Float>.self)
  for l in 0..<8 { codes[l] = UInt8(truncatingIfNeeded: code[l]) }
}

/// Decoder forward: output = leaky(BN(y)), both of shape `s`.
func normaliseActivate<Scalar: NetworkScalar>(
  _ y: SendableConstPointer<Scalar>, _ s: ImageBatchShape, _ norm: AppliedNormalisation<Scalar>,
  slope: Scalar, output: SendablePointer<Scalar>, threads: Int
) {
  parallelChunks(s.batch * s.channels, threads: threads) { planes in
    for plane in planes {
      let c = plane % s.channels
      let (m, k, scale, shift) = norm.channel(c)
      let yp = y.pointer + plane * s.plane
      let op = output.pointer + plane * s.plane
      for p in 0..<s.plane { op[p] = leaky(scale * ((yp[p] - m) * k) + shift, slope) }
    }
  }
}

/// Decoder backward: overwrites `gradient` (dL/doutput, shape `s`) with dL/dy and writes the
/// per-channel sums dL/dgamma and dL/dbeta to `gammaGradient` and `betaGradient` ([C]).
func normaliseActivateBackward<Scalar: NetworkScalar>(
  _ y: SendableConstPointer<Scalar>, gradient: SendablePointer<Scalar>, _ s: ImageBatchShape,
  _ norm: AppliedNormalisation<Scalar>, slope: Scalar, gammaGradient: SendablePointer<Double>,
  betaGradient: SendablePointer<Double>, threads: Int
) {
  channelGradientSums(
    s, gammaGradient: gammaGradient, betaGradient: betaGradient, threads: threads
  ) { c, plane, sumGradient, sumGradientXhat in
    let (m, k, scale, shift) = norm.channel(c)
    let yp = y.pointer + plane * s.plane
    let gp = gradient.pointer + plane * s.plane
    for p in 0..<s.plane {
      let xhat = (yp[p] - m) * k
      let g = scale * xhat + shift > 0 ? gp[p] : slope * gp[p]
      sumGradient += g.asDouble
      sumGradientXhat += (g * xhat).asDouble
    }
  }
  let count = Double(s.batch * s.plane)
  parallelChunks(s.batch * s.channels, threads: threads) { planes in
    for plane in planes {
      let c = plane % s.channels
      let (m, k, gamma, shift) = norm.channel(c)
      let scale = gamma * k
      let (meanGradient, meanGradientXhat) = norm.meanGradients(
        c, gammaGradient: gammaGradient, betaGradient: betaGradient, count: count)
      let yp = y.pointer + plane * s.plane
      let gp = gradient.pointer + plane * s.plane
      for p in 0..<s.plane {
        let xhat = (yp[p] - m) * k
        let g = gamma * xhat + shift > 0 ? gp[p] : slope * gp[p]
        gp[p] = scale * (g - meanGradient - xhat * meanGradientXhat)
      }
    }
  }
}

/// The per-channel sums of a batch norm's backward pass, channels in parallel:
/// `betaGradient[c]` = sum of g and `gammaGradient[c]` = sum of g * xhat over the planes
/// n * C + c (n = 0..<N, in that order), in Double. `addPlane(c, plane, &sumG, &sumGXhat)` adds
/// one plane's terms.
@inline(__always)
func channelGradientSums(
  _ s: ImageBatchShape, gammaGradient: SendablePointer<Double>,
  betaGradient: SendablePointer<Double>, threads: Int,
  _ addPlane: @Sendable (_ channel: Int, _ plane: Int, _ sumGradient: inout Double,
    _ sumGradientXhat: inout Double) -> Void
) {
  parallelChunks(s.channels, threads: threads) { channels in
    for c in channels {
      var sumGradient = 0.0
      var sumGradientXhat = 0.0
      for n in 0..<s.batch { addPlane(c, n * s.channels + c, &sumGradient, &sumGradientXhat) }
      gammaGradient.pointer[c] = sumGradientXhat
      betaGradient.pointer[c] = sumGradient
    }
  }
}

/// One image's unpooling: `image` [C, 2h, 2w] gets `values` [C, h, w] at the pixels of `codes`
/// and zeros elsewhere.
func unpoolImage<Scalar: NetworkScalar>(
  _ values: UnsafePointer<Scalar>, codes: UnsafePointer<UInt8>, channels: Int, height h: Int,
  width w: Int, into image: UnsafeMutablePointer<Scalar>
) {
  image.update(repeating: 0, count: channels * 4 * h * w)
  for c in 0..<channels {
    let target = image + c * 4 * h * w
    for i in 0..<h {
      for j in 0..<w {
        let k = (c * h + i) * w + j
        target[2 * i * 2 * w + 2 * j + PoolingCode.offset(codes[k], width: 2 * w)] = values[k]
      }
    }
  }
}

/// The adjoint of `unpoolImage`: `values` [C, h, w] = `image` [C, 2h, 2w] at the pixels of
/// `codes`.
func gatherPooled<Scalar: NetworkScalar>(
  _ image: UnsafePointer<Scalar>, codes: UnsafePointer<UInt8>, channels: Int, height h: Int,
  width w: Int, into values: UnsafeMutablePointer<Scalar>
) {
  for c in 0..<channels {
    let source = image + c * 4 * h * w
    for i in 0..<h {
      for j in 0..<w {
        let k = (c * h + i) * w + j
        values[k] = source[2 * i * 2 * w + 2 * j + PoolingCode.offset(codes[k], width: 2 * w)]
      }
    }
  }
}
