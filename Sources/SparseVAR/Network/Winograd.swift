//===--- Winograd.swift ---------------------------------------------------===//
//
// The 3x3 convolutions (padding 1, stride 1) between hidden layers by Winograd's minimal
// filtering F(2x2, 3x3): the output is cut into 2 x 2 tiles, tile (ty, tx) covering output pixels
// (2ty...2ty+1, 2tx...2tx+1) and reading the 4 x 4 input pixels from (2ty - 1, 2tx - 1) (zero
// outside the image; the last tiles of an odd height or width reach one row or column beyond
// it, which is dropped). With
//
//     B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//     A^T = [1 1 1 0; 0 1 -1 -1],
//
// the transformed input V[i] = B^T d[i] B and weights U[o, i] = G w[o, i] G^T (4 x 4 each), the
// output tile is y[o] = b[o] + A^T (sum_i U[o, i] * V[i]) A, * element-wise. For each of the 16
// elements e of a 4 x 4 tile the sum over i is a matrix product over every tile of a group of
// images:
//
//     forward         M_e (Cout x T)  = U_e (Cout x Cin) V_e (Cin x T)
//     backward        dM = A dY A^T per tile (the adjoint of the output transform), then
//                     dU_e (Cout x Cin) = dM_e V_e^T,   dV_e (Cin x T) = U_e^T dM_e,
//                     dW[o, i] = G^T dU[o, i] G,        dX = sum over tiles of B dV B^T
//
// 16 GEMMs of the group's T tiles instead of one of 9 * Cin rows per image: 16/36 of the
// multiplications of the direct products. The transforms work a tile row at a time, over all
// tiles of the row at once (contiguous in tx, so the compiler vectorises them).
//
// Groups: the images are processed in groups whose size depends only on the geometry and the
// batch, never on the thread count, and the weight gradient is one per group, summed in group
// order by the caller: results do not depend on how groups are split among workers.
//
//===----------------------------------------------------------------------===//

/// The tiling of one 3x3 convolution geometry for Winograd F(2x2, 3x3), and its passes on raw
/// memory. Transformed matrices are stored element-major: element e (0..<16, e = 4k + j for
/// tile row k and column j) of channel c and tile t of a group of T tiles at `[(e * C + c) * T + t]`.
struct WinogradTiling {
  /// The elements of a transformed 4 x 4 tile.
  static let elements = 16
  /// The tiles of a group the GEMMs aim at (their N, or K for the weight gradient).
  static let targetTiles = 1536
  /// The fewest channels on either side for which Winograd is used (below, the direct products
  /// are as fast and the first and last layers keep their special forms).
  static let minimumChannels = 8

  let geometry: ConvolutionGeometry
  /// Images per group.
  let groupSize: Int

  var tileRows: Int { (geometry.height + 1) / 2 }
  var tileColumns: Int { (geometry.width + 1) / 2 }
  var tilesPerImage: Int { tileRows * tileColumns }
  /// Tiles of a full group: the T of its GEMMs.
  var groupTiles: Int { groupSize * tilesPerImage }

  /// The tiling of `geometry` for a batch of `batch` images, or nil when Winograd is not used:
  /// not a 3x3 kernel, fewer than `minimumChannels` channels on a side, or matrices too large for
  /// BLAS's 32-bit sizes. Groups of about `targetTiles` tiles, at most a quarter of the batch (so
  /// that a batch still spreads over several workers).
  init?(_ geometry: ConvolutionGeometry, batch: Int) {
    let g = geometry
    guard g.kernelSize == 3, g.inputChannels >= Self.minimumChannels,
      g.outputChannels >= Self.minimumChannels, g.height >= 1, g.width >= 1, batch >= 1
    else { return nil }
    // Every size below 2^31: the largest matrix is 16 x max(Cin, Cout) x T (T <= 2 x 1536 tiles).
    let limit = Int(Int32.max)
    guard let tiles = sizeProduct(g.height / 2 + g.height % 2, g.width / 2 + g.width % 2),
      let perTile = sizeProduct(Self.elements, max(g.inputChannels, g.outputChannels)),
      let padded = sizeSum(tiles, Self.targetTiles), let largest = sizeProduct(perTile, padded),
      largest <= limit
    else { return nil }
    let size = max(1, min((Self.targetTiles + tiles - 1) / tiles, batch / 4))
    self.geometry = geometry
    self.groupSize = size
  }

  /// The number of groups of a batch of `batch` images; group `k` is `images(k, batch:)`.
  func groupCount(batch: Int) -> Int { (batch + groupSize - 1) / groupSize }
  func images(_ group: Int, batch: Int) -> Range<Int> {
    (group * groupSize)..<min(batch, (group + 1) * groupSize)
  }

  /// Values of the transformed weights U: 16 * Cout * Cin.
  var transformedWeightCount: Int { Self.elements * geometry.outputChannels * geometry.inputChannels }

  /// Values of one worker's scratch: V (16 * Cin * T), M or dM (16 * Cout * T), rows, and for
  /// the backward pass dU (16 * Cout * Cin).
  func scratchCount(backward: Bool) -> Int {
    let g = geometry
    let tiles = Self.elements * groupTiles * (g.inputChannels + g.outputChannels)
    return tiles + planeCount + (backward ? transformedWeightCount : 0)
  }
  /// The padded-plane scratch of one channel: rows -1...2 * tileRows, columns -1...2 * tileColumns
  /// and 16 more for the last vectors of a row (zero, or ignored).
  private var planeStride: Int { 2 * tileColumns + 18 }
  private var planeCount: Int { (2 * tileRows + 2) * planeStride }

  // MARK: Passes over a group

  /// U[e, o, i] = (G w[o, i] G^T)[e] for weights [Cout, Cin, 3, 3]; `u` holds
  /// `transformedWeightCount` values.
  func transformWeights<Scalar: NetworkScalar>(
    _ weight: UnsafePointer<Scalar>, into u: UnsafeMutablePointer<Scalar>
  ) {
    let (cout, cin) = (geometry.outputChannels, geometry.inputChannels)
    for o in 0..<cout {
      for i in 0..<cin {
        let w = weight + (o * cin + i) * 9
        // Columns first (G w, 4 x 3), then rows ((G w) G^T, 4 x 4).
        var columns = [Scalar](repeating: 0, count: 12)
        for c in 0..<3 {
          let t = Self.kernel(w[c], w[3 + c], w[6 + c])
          for k in 0..<4 { columns[k * 3 + c] = t[k] }
        }
        for k in 0..<4 {
          let t = Self.kernel(columns[k * 3], columns[k * 3 + 1], columns[k * 3 + 2])
          for j in 0..<4 { u[((k * 4 + j) * cout + o) * cin + i] = t[j] }
        }
      }
    }
  }

  /// Output images `images` (group `group`): output(n) = conv(input(n)) + bias. `u` from
  /// `transformWeights`; `scratch` holds `scratchCount(backward: false)` values. `input(n)` may
  /// reuse one buffer: each image is read before the next is asked for.
  func forward<Scalar: NetworkScalar>(
    _ images: Range<Int>, input: (Int) -> UnsafePointer<Scalar>, transformedWeights u: UnsafePointer<Scalar>,
    bias: UnsafePointer<Scalar>, output: (Int) -> UnsafeMutablePointer<Scalar>,
    scratch: UnsafeMutablePointer<Scalar>
  ) {
    let (cin, cout) = (geometry.inputChannels, geometry.outputChannels)
    let t = images.count * tilesPerImage
    let v = scratch
    let m = v + Self.elements * cin * groupTiles
    let plane = m + Self.elements * cout * groupTiles
    for (k, n) in images.enumerated() {
      transformInput(input(n), into: v + k * tilesPerImage, stride: groupTiles, plane: plane)
    }
    for e in 0..<Self.elements {
      Scalar.gemm(
        transposeA: false, transposeB: false, m: cout, n: t, k: cin, alpha: 1,
        a: u + e * cout * cin, lda: cin, b: v + e * cin * groupTiles, ldb: groupTiles, beta: 0,
        c: m + e * cout * groupTiles, ldc: groupTiles)
    }
    for (k, n) in images.enumerated() {
      transformOutput(m + k * tilesPerImage, stride: groupTiles, bias: bias, into: output(n))
    }
  }

  /// The backward pass of images `images`: their summed weight gradient into `weightGradient`
  /// ([Cout, Cin, 3, 3], overwritten) and, when `gradInput` is given, each image's input gradient
  /// into `gradInput(n)` (overwritten), after which `finished(n)` is called. `scratch` holds
  /// `scratchCount(backward: true)` values.
  func backward<Scalar: NetworkScalar>(
    _ images: Range<Int>, input: (Int) -> UnsafePointer<Scalar>, transformedWeights u: UnsafePointer<Scalar>,
    gradOutput: (Int) -> UnsafePointer<Scalar>, gradInput: ((Int) -> UnsafeMutablePointer<Scalar>)?,
    finished: (Int) -> Void, weightGradient: UnsafeMutablePointer<Scalar>,
    scratch: UnsafeMutablePointer<Scalar>
  ) {
    let (cin, cout) = (geometry.inputChannels, geometry.outputChannels)
    let t = images.count * tilesPerImage
    let v = scratch
    let dm = v + Self.elements * cin * groupTiles
    let plane = dm + Self.elements * cout * groupTiles
    let du = plane + planeCount
    for (k, n) in images.enumerated() {
      transformInput(input(n), into: v + k * tilesPerImage, stride: groupTiles, plane: plane)
      transformOutputGradient(gradOutput(n), into: dm + k * tilesPerImage, stride: groupTiles)
    }
    for e in 0..<Self.elements {
      // dU_e (Cout x Cin) = dM_e (Cout x T) V_e^T
      Scalar.gemm(
        transposeA: false, transposeB: true, m: cout, n: cin, k: t, alpha: 1,
        a: dm + e * cout * groupTiles, lda: groupTiles, b: v + e * cin * groupTiles, ldb: groupTiles,
        beta: 0, c: du + e * cout * cin, ldc: cin)
    }
    untransformWeightGradient(du, into: weightGradient)
    guard let gradInput else { return }
    for e in 0..<Self.elements {
      // dV_e (Cin x T) = U_e^T dM_e, over V_e (no longer needed)
      Scalar.gemm(
        transposeA: true, transposeB: false, m: cin, n: t, k: cout, alpha: 1,
        a: u + e * cout * cin, lda: cin, b: dm + e * cout * groupTiles, ldb: groupTiles, beta: 0,
        c: v + e * cin * groupTiles, ldc: groupTiles)
    }
    for (k, n) in images.enumerated() {
      untransformInputGradient(v + k * tilesPerImage, stride: groupTiles, into: gradInput(n), plane: plane)
      finished(n)
    }
  }

  // MARK: Transforms of one image

  /// V = B^T d B for every tile of one image x ([Cin, H, W]) into `v` (element-major, channel
  /// stride `stride`, the image's first tile at `v`); `plane` is the padded-plane scratch.
  private func transformInput<Scalar: NetworkScalar>(
    _ x: UnsafePointer<Scalar>, into v: UnsafeMutablePointer<Scalar>, stride: Int,
    plane: UnsafeMutablePointer<Scalar>
  ) {
    let (h, w, ps, tc) = (geometry.height, geometry.width, planeStride, tileColumns)
    let elementStride = geometry.inputChannels * stride
    plane.update(repeating: 0, count: planeCount)
    for i in 0..<geometry.inputChannels {
      for y in 0..<h { (plane + (y + 1) * ps + 1).update(from: x + (i * h + y) * w, count: w) }
      for ty in 0..<tileRows {
        let rows = plane + 2 * ty * ps
        let base = v + i * stride + ty * tc
        for tx in Swift.stride(from: 0, to: tc, by: 8) {
          // Columns (B^T d) over 16 padded columns from 2tx and from 2tx + 2, then rows (. B):
          // tile tx reads left columns (2tx, 2tx + 1) and right ones (2tx + 2, 2tx + 3).
          let lanes = min(8, tc - tx)
          let left = rows + 2 * tx
          let (d0, d1, d2, d3) = (
            load16(left, 16), load16(left + ps, 16), load16(left + 2 * ps, 16), load16(left + 3 * ps, 16)
          )
          let (s0, s1, s2, s3) = (
            load16(left + 2, 16), load16(left + ps + 2, 16), load16(left + 2 * ps + 2, 16),
            load16(left + 3 * ps + 2, 16)
          )
          @inline(__always) func rowTransform(_ k: Int, _ l: SIMD16<Scalar>, _ r: SIMD16<Scalar>) {
            let (a, b, c, d) = (l.evenHalf, l.oddHalf, r.evenHalf, r.oddHalf)
            let e = base + 4 * k * elementStride + tx
            store8(a - c, e, lanes)
            store8(b + c, e + elementStride, lanes)
            store8(c - b, e + 2 * elementStride, lanes)
            store8(b - d, e + 3 * elementStride, lanes)
          }
          rowTransform(0, d0 - d2, s0 - s2)
          rowTransform(1, d1 + d2, s1 + s2)
          rowTransform(2, d2 - d1, s2 - s1)
          rowTransform(3, d1 - d3, s1 - s3)
        }
      }
    }
  }

  /// y = b + A^T M A for every tile of one image from `m` (element-major, channel stride
  /// `stride`) into y ([Cout, H, W], overwritten).
  private func transformOutput<Scalar: NetworkScalar>(
    _ m: UnsafePointer<Scalar>, stride: Int, bias: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>
  ) {
    let (h, w, tc) = (geometry.height, geometry.width, tileColumns)
    let elementStride = geometry.outputChannels * stride
    for o in 0..<geometry.outputChannels {
      let b = SIMD8<Scalar>(repeating: bias[o])
      for ty in 0..<tileRows {
        let base = m + o * stride + ty * tc
        let top = y + (o * h + 2 * ty) * w
        for tx in Swift.stride(from: 0, to: tc, by: 8) {
          let lanes = min(8, tc - tx)
          // Rows: p_k = (m_k0 + m_k1 + m_k2, m_k1 - m_k2 - m_k3) of tile row k; columns:
          // p_0 + p_1 + p_2 and p_1 - p_2 - p_3.
          @inline(__always) func rowTransform(_ k: Int) -> (SIMD8<Scalar>, SIMD8<Scalar>) {
            let e = base + 4 * k * elementStride + tx
            let (m0, m1, m2, m3) = (
              load8(e, lanes), load8(e + elementStride, lanes), load8(e + 2 * elementStride, lanes),
              load8(e + 3 * elementStride, lanes)
            )
            return (m0 + m1 + m2, m1 - m2 - m3)
          }
          let (p0, p1, p2, p3) = (rowTransform(0), rowTransform(1), rowTransform(2), rowTransform(3))
          let columns = min(16, w - 2 * tx)
          var upper = SIMD16<Scalar>()
          upper.evenHalf = b + p0.0 + p1.0 + p2.0
          upper.oddHalf = b + p0.1 + p1.1 + p2.1
          store16(upper, top + 2 * tx, columns)
          guard 2 * ty + 1 < h else { continue }
          var lower = SIMD16<Scalar>()
          lower.evenHalf = b + p1.0 - p2.0 - p3.0
          lower.oddHalf = b + p1.1 - p2.1 - p3.1
          store16(lower, top + w + 2 * tx, columns)
        }
      }
    }
  }

  /// dM = A dY A^T for every tile of one image's output gradient dy ([Cout, H, W]) into `dm`
  /// (element-major, channel stride `stride`); pixels beyond the image count as 0.
  private func transformOutputGradient<Scalar: NetworkScalar>(
    _ dy: UnsafePointer<Scalar>, into dm: UnsafeMutablePointer<Scalar>, stride: Int
  ) {
    let (h, w, tc) = (geometry.height, geometry.width, tileColumns)
    let elementStride = geometry.outputChannels * stride
    for o in 0..<geometry.outputChannels {
      for ty in 0..<tileRows {
        let top = dy + (o * h + 2 * ty) * w
        let base = dm + o * stride + ty * tc
        for tx in Swift.stride(from: 0, to: tc, by: 8) {
          let (lanes, columns) = (min(8, tc - tx), min(16, w - 2 * tx))
          let upper = load16(top + 2 * tx, columns)
          let lower = 2 * ty + 1 < h ? load16(top + w + 2 * tx, columns) : SIMD16()
          // Columns: q_k = (A dY)_k = (upper, upper + lower, upper - lower, -lower); rows:
          // dM_k = q_k A^T = (l, l + r, l - r, -r) for q_k's even and odd columns (l, r).
          @inline(__always) func rowTransform(_ k: Int, _ q: SIMD16<Scalar>) {
            let (l, r) = (q.evenHalf, q.oddHalf)
            let e = base + 4 * k * elementStride + tx
            store8(l, e, lanes)
            store8(l + r, e + elementStride, lanes)
            store8(l - r, e + 2 * elementStride, lanes)
            store8(-r, e + 3 * elementStride, lanes)
          }
          rowTransform(0, upper)
          rowTransform(1, upper + lower)
          rowTransform(2, upper - lower)
          rowTransform(3, -lower)
        }
      }
    }
  }

  /// dX = sum over tiles of B dV B^T, the adjoint of `transformInput`, from `dv` (element-major,
  /// channel stride `stride`) into dx ([Cin, H, W], overwritten), accumulated on the padded-plane
  /// scratch `plane` (values beyond the image are dropped).
  private func untransformInputGradient<Scalar: NetworkScalar>(
    _ dv: UnsafePointer<Scalar>, stride: Int, into dx: UnsafeMutablePointer<Scalar>,
    plane: UnsafeMutablePointer<Scalar>
  ) {
    let (h, w, ps, tc) = (geometry.height, geometry.width, planeStride, tileColumns)
    let elementStride = geometry.inputChannels * stride
    for i in 0..<geometry.inputChannels {
      plane.update(repeating: 0, count: planeCount)
      for ty in 0..<tileRows {
        let base = dv + i * stride + ty * tc
        for tx in Swift.stride(from: 0, to: tc, by: 8) {
          let lanes = min(8, tc - tx)
          @inline(__always) func tileRow(_ k: Int) -> (SIMD8<Scalar>, SIMD8<Scalar>, SIMD8<Scalar>, SIMD8<Scalar>) {
            let e = base + 4 * k * elementStride + tx
            return (
              load8(e, lanes), load8(e + elementStride, lanes), load8(e + 2 * elementStride, lanes),
              load8(e + 3 * elementStride, lanes)
            )
          }
          let (t0, t1, t2, t3) = (tileRow(0), tileRow(1), tileRow(2), tileRow(3))
          // Columns: the tile's four rows B dV = (t_0, t_1 - t_2 + t_3, t_1 + t_2 - t_0, -t_3);
          // then each row . B^T onto padded columns 2tx...2tx + 3, the last two shared with the
          // next tile.
          @inline(__always) func addRow(
            _ r: Int, _ u: (SIMD8<Scalar>, SIMD8<Scalar>, SIMD8<Scalar>, SIMD8<Scalar>)
          ) {
            let target = plane + (2 * ty + r) * ps + 2 * tx
            var own = SIMD16<Scalar>()
            own.evenHalf = u.0
            own.oddHalf = u.1 - u.2 + u.3
            store16(load16(target, 16) + own, target, 16)
            var next = SIMD16<Scalar>()
            next.evenHalf = u.1 + u.2 - u.0
            next.oddHalf = -u.3
            store16(load16(target + 2, 16) + next, target + 2, 16)
          }
          addRow(0, t0)
          addRow(1, (t1.0 - t2.0 + t3.0, t1.1 - t2.1 + t3.1, t1.2 - t2.2 + t3.2, t1.3 - t2.3 + t3.3))
          addRow(2, (t1.0 + t2.0 - t0.0, t1.1 + t2.1 - t0.1, t1.2 + t2.2 - t0.2, t1.3 + t2.3 - t0.3))
          addRow(3, (-t3.0, -t3.1, -t3.2, -t3.3))
        }
      }
      for y in 0..<h { (dx + (i * h + y) * w).update(from: plane + (y + 1) * ps + 1, count: w) }
    }
  }

  /// dW[o, i] = G^T dU[o, i] G, the adjoint of `transformWeights`, from `du` (16 x Cout x Cin)
  /// into [Cout, Cin, 3, 3] (overwritten).
  private func untransformWeightGradient<Scalar: NetworkScalar>(
    _ du: UnsafePointer<Scalar>, into weightGradient: UnsafeMutablePointer<Scalar>
  ) {
    let (cout, cin) = (geometry.outputChannels, geometry.inputChannels)
    for o in 0..<cout {
      for i in 0..<cin {
        // Rows first (dU G, 4 x 3), then columns (G^T (dU G), 3 x 3).
        var rows = [Scalar](repeating: 0, count: 12)
        for k in 0..<4 {
          let e = { (j: Int) in du[((k * 4 + j) * cout + o) * cin + i] }
          let t = Self.kernelAdjoint(e(0), e(1), e(2), e(3))
          for c in 0..<3 { rows[k * 3 + c] = t[c] }
        }
        let dw = weightGradient + (o * cin + i) * 9
        for c in 0..<3 {
          let t = Self.kernelAdjoint(rows[c], rows[3 + c], rows[6 + c], rows[9 + c])
          for r in 0..<3 { dw[r * 3 + c] = t[r] }
        }
      }
    }
  }

  /// G g for a kernel row or column g: (g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2).
  private static func kernel<Scalar: NetworkScalar>(_ g0: Scalar, _ g1: Scalar, _ g2: Scalar) -> [Scalar] {
    [g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2]
  }

  /// G^T u, the adjoint of `kernel`.
  private static func kernelAdjoint<Scalar: NetworkScalar>(
    _ u0: Scalar, _ u1: Scalar, _ u2: Scalar, _ u3: Scalar
  ) -> [Scalar] {
    [u0 + (u1 + u2) / 2, (u1 - u2) / 2, (u1 + u2) / 2 + u3]
  }
}
