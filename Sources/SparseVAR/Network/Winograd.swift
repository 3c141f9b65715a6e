//===--- Winograd.swift ---------------------------------------------------===//
//
// The 3x3 convolutions (padding 1, stride 1) between hidden layers by Winograd's minimal
// filtering F(4x4, 3x3): the output is cut into 4 x 4 tiles, tile (ty, tx) covering output
// pixels (4ty...4ty+3, 4tx...4tx+3) and reading the 6 x 6 input pixels from (4ty - 1, 4tx - 1)
// (zero outside the image; the last tiles reach beyond an image whose height or width is not a
// multiple of 4, and what they compute there is dropped). With the interpolation points
// 0, 1, -1, 2, -2 and infinity,
//
//     B^T = [4  0 -5  0 1 0;  0 -4 -4  1 1 0;  0  4 -4 -1 1 0;
//            0 -2 -1  2 1 0;  0  2 -1 -2 1 0;  0  4  0 -5 0 1],
//     G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1],
//     A^T = [1 1 1 1 1 0;  0 1 -1 2 -2 0;  0 1 1 4 4 0;  0 1 -1 8 -8 1],
//
// the transformed input V[i] = B^T d[i] B and weights U[o, i] = G w[o, i] G^T (6 x 6 each), the
// output tile is y[o] = b[o] + A^T (sum_i U[o, i] * V[i]) A, * element-wise. For each of the 36
// elements e of a 6 x 6 tile the sum over i is a matrix product over every tile of a group of
// images:
//
//     forward         M_e (Cout x T)  = U_e (Cout x Cin) V_e (Cin x T)
//     backward        dM = A dY A^T per tile (the adjoint of the output transform), then
//                     dU_e (Cout x Cin) = dM_e V_e^T,   dV_e (Cin x T) = U_e^T dM_e,
//                     dW[o, i] = G^T dU[o, i] G,        dX = sum over tiles of B dV B^T
//
// 36 GEMMs of the group's T tiles instead of one of 9 * Cin rows per image: 36/144 = 1/4 of the
// multiplications of the direct products. In Float the results are within a few 1e-6 of the
// direct products relative to their largest value (Tests/SparseVARTests/WinogradTests.swift).
// The transforms work a tile row at a time, eight tiles per vector (the columns of tile phase j,
// 4tx + j, taken apart from a row with `phases`).
//
// Groups: the images are processed in groups whose size depends only on the geometry and the
// batch, never on the thread count, and the weight gradient is one per group, summed in group
// order by the caller: results do not depend on how groups are split among workers.
//
//===----------------------------------------------------------------------===//

/// The tiling of one 3x3 convolution geometry for Winograd F(4x4, 3x3), and its passes on raw
/// memory. Transformed matrices are stored element-major: element e (0..<36, e = 6k + j for
/// tile row k and column j) of channel c and tile t of a group of T tiles at `[(e * C + c) * T + t]`.
struct WinogradTiling {
  /// The elements of a transformed 6 x 6 tile.
  static let elements = 36
  /// The tiles of a group the GEMMs aim at (their N, or K for the weight gradient).
  static let targetTiles = 384
  /// The fewest channels on either side for which Winograd is used (below, the direct products
  /// are as fast and the first and last layers keep their special forms).
  static let minimumChannels = 8
  /// The smallest height and width for which the network uses Winograd: on smaller images the
  /// transforms of partly filled tile rows cost more than the products they save (the small
  /// demo's training was 5-13% faster with its 24 x 16 and smaller layers direct).
  static let minimumSide = 32

  let geometry: ConvolutionGeometry
  /// Images per group.
  let groupSize: Int

  var tileRows: Int { (geometry.height + 3) / 4 }
  var tileColumns: Int { (geometry.width + 3) / 4 }
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
    // Every size below 2^31: the largest matrix is 36 x max(Cin, Cout) x T (T < tiles + targetTiles).
    let limit = Int(Int32.max)
    guard let tiles = sizeProduct((g.height - 1) / 4 + 1, (g.width - 1) / 4 + 1),
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

  /// Values of the transformed weights U: 36 * Cout * Cin.
  var transformedWeightCount: Int { Self.elements * geometry.outputChannels * geometry.inputChannels }

  /// Values of one worker's scratch: V (36 * Cin * T), M or dM (36 * Cout * T), the plane
  /// scratch, and for the backward pass dU (36 * Cout * Cin).
  func scratchCount(backward: Bool) -> Int {
    let g = geometry
    let tiles = Self.elements * groupTiles * (g.inputChannels + g.outputChannels)
    return tiles + planeScratchCount + (backward ? transformedWeightCount : 0)
  }
  /// The plane scratch: one channel padded with zeros (rows -1...4 * tileRows, columns
  /// -1...4 * tileColumns and 31 more for the last vectors of a row), then six rows of column
  /// transforms, then the tile scratch of 64 vectors of eight values.
  private var planeStride: Int { (4 * tileColumns + 32 + 7) / 8 * 8 }
  private var planeCount: Int { (4 * tileRows + 2) * planeStride }
  private var tileScratchOffset: Int { planeCount + 6 * planeStride }
  private var planeScratchCount: Int { tileScratchOffset + 64 * 8 }

  // MARK: Passes over a group

  /// U[e, o, i] = (G w[o, i] G^T)[e] for weights [Cout, Cin, 3, 3]; `u` holds
  /// `transformedWeightCount` values.
  func transformWeights<Scalar: NetworkScalar>(
    _ weight: UnsafePointer<Scalar>, into u: UnsafeMutablePointer<Scalar>
  ) {
    let (cout, cin) = (geometry.outputChannels, geometry.inputChannels)
    withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 18) { buffer in
      let columns = buffer.baseAddress!  // G w, 6 x 3
      for o in 0..<cout {
        for i in 0..<cin {
          let w = weight + (o * cin + i) * 9
          for c in 0..<3 { Self.kernel((w[c], w[3 + c], w[6 + c]), into: columns + c, stride: 3) }
          for k in 0..<6 {
            Self.kernel(
              (columns[3 * k], columns[3 * k + 1], columns[3 * k + 2]), into: u + ((6 * k) * cout + o) * cin + i,
              stride: cout * cin)
          }
        }
      }
    }
  }

  /// The 36 element-wise products C_e = op(A_e) op(B_e), one GEMM each; every operand is given as
  /// (base, leading dimension, distance from element e to element e + 1).
  private func eachElement<Scalar: NetworkScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    a: (UnsafePointer<Scalar>, Int, Int), b: (UnsafePointer<Scalar>, Int, Int),
    c: (UnsafeMutablePointer<Scalar>, Int, Int)
  ) {
    for e in 0..<Self.elements {
      Scalar.gemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
        a: a.0 + e * a.2, lda: a.1, b: b.0 + e * b.2, ldb: b.1, beta: 0, c: c.0 + e * c.2, ldc: c.1)
    }
  }

  /// A worker's scratch (`scratchCount`) cut into V (36 * Cin * T), M or dM (36 * Cout * T) and
  /// the plane scratch that follows them.
  private func parts<Scalar>(of scratch: UnsafeMutablePointer<Scalar>) -> (
    v: UnsafeMutablePointer<Scalar>, m: UnsafeMutablePointer<Scalar>, plane: UnsafeMutablePointer<Scalar>
  ) {
    let m = scratch + Self.elements * geometry.inputChannels * groupTiles
    return (scratch, m, m + Self.elements * geometry.outputChannels * groupTiles)
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
    let (v, m, plane) = parts(of: scratch)
    for (k, n) in images.enumerated() {
      transformInput(input(n), into: v + k * tilesPerImage, stride: groupTiles, plane: plane)
    }
    // M_e (Cout x T) = U_e V_e
    eachElement(
      transposeA: false, transposeB: false, m: cout, n: t, k: cin, a: (u, cin, cout * cin),
      b: (UnsafePointer(v), groupTiles, cin * groupTiles), c: (m, groupTiles, cout * groupTiles))
    for (k, n) in images.enumerated() {
      transformOutput(
        m + k * tilesPerImage, stride: groupTiles, bias: bias, into: output(n), tile: plane + tileScratchOffset)
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
    let (v, dm, plane) = parts(of: scratch)
    let du = plane + planeScratchCount
    for (k, n) in images.enumerated() {
      transformInput(input(n), into: v + k * tilesPerImage, stride: groupTiles, plane: plane)
      transformOutputGradient(gradOutput(n), into: dm + k * tilesPerImage, stride: groupTiles)
    }
    // dU_e (Cout x Cin) = dM_e (Cout x T) V_e^T
    eachElement(
      transposeA: false, transposeB: true, m: cout, n: cin, k: t, a: (UnsafePointer(dm), groupTiles, cout * groupTiles),
      b: (UnsafePointer(v), groupTiles, cin * groupTiles), c: (du, cin, cout * cin))
    untransformWeightGradient(du, into: weightGradient)
    guard let gradInput else { return }
    // dV_e (Cin x T) = U_e^T dM_e, over V_e (no longer needed)
    eachElement(
      transposeA: true, transposeB: false, m: cin, n: t, k: cout, a: (u, cin, cout * cin),
      b: (UnsafePointer(dm), groupTiles, cout * groupTiles), c: (v, groupTiles, cin * groupTiles))
    for (k, n) in images.enumerated() {
      untransformInputGradient(v + k * tilesPerImage, stride: groupTiles, into: gradInput(n), plane: plane)
      finished(n)
    }
  }

  // MARK: Transforms of one image

  /// V = B^T d B for every tile of one image x ([Cin, H, W]) into `v` (element-major, channel
  /// stride `stride`, the image's first tile at `v`); `plane` is the plane scratch.
  private func transformInput<Scalar: NetworkScalar>(
    _ x: UnsafePointer<Scalar>, into v: UnsafeMutablePointer<Scalar>, stride: Int,
    plane: UnsafeMutablePointer<Scalar>
  ) {
    let (h, w, ps, tc) = (geometry.height, geometry.width, planeStride, tileColumns)
    let elementStride = geometry.inputChannels * stride
    // Six rows of B^T d, computed over the columns the tiles read (rounded up to whole vectors),
    // zero beyond.
    let columns = plane + planeCount
    let computed = min(ps, (4 * tc + 2 + 7) / 8 * 8)
    for k in 0..<6 { (columns + k * ps + computed).update(repeating: 0, count: ps - computed) }
    plane.update(repeating: 0, count: planeCount)
    for i in 0..<geometry.inputChannels {
      for y in 0..<h { (plane + (y + 1) * ps + 1).update(from: x + (i * h + y) * w, count: w) }
      for ty in 0..<tileRows {
        // Columns: B^T d over the six padded rows 4ty...4ty + 5, eight columns at a time.
        let d = plane + 4 * ty * ps
        for c in Swift.stride(from: 0, to: computed, by: 8) {
          let t = Self.input((
            load8(d + c, 8), load8(d + ps + c, 8), load8(d + 2 * ps + c, 8), load8(d + 3 * ps + c, 8),
            load8(d + 4 * ps + c, 8), load8(d + 5 * ps + c, 8)
          ))
          storeSix(t, columns + c, stride: ps, count: 8)
        }
        // Rows: (B^T d) B, tile tx reading padded columns 4tx...4tx + 5, eight tiles at a time.
        let base = v + i * stride + ty * tc
        for tx in Swift.stride(from: 0, to: tc, by: 8) {
          let lanes = min(8, tc - tx)
          for k in 0..<6 {
            let row = columns + k * ps + 4 * tx
            let (d0, d1, d2, d3) = phases(load32(row, 32))
            let next = phases(load32(row + 4, 32))
            let t = Self.input((d0, d1, d2, d3, next.0, next.1))
            storeSix(t, base + 6 * k * elementStride + tx, stride: elementStride, count: lanes)
          }
        }
      }
    }
  }

  /// y = b + A^T M A for every tile of one image from `m` (element-major, channel stride
  /// `stride`) into y ([Cout, H, W], overwritten); `tile` is the tile scratch.
  private func transformOutput<Scalar: NetworkScalar>(
    _ m: UnsafePointer<Scalar>, stride: Int, bias: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>,
    tile: UnsafeMutablePointer<Scalar>
  ) {
    let (h, w, tc) = (geometry.height, geometry.width, tileColumns)
    let columnsOut = tile + 8 * 24
    let elementStride = geometry.outputChannels * stride
    for o in 0..<geometry.outputChannels {
      let b = bias[o]
      for ty in 0..<tileRows {
        let base = m + o * stride + ty * tc
        for tx in Swift.stride(from: 0, to: tc, by: 8) {
          let lanes = min(8, tc - tx)
          // Rows: p_k = M_k A (tile row k) into the tile scratch (4 x 6 vectors, column-major),
          // then columns: A^T p, one output row r of the four tile columns c at a time.
          for k in 0..<6 {
            let p = Self.output(loadSix(base + 6 * k * elementStride + tx, stride: elementStride, count: lanes))
            store8(p.0, tile + 8 * k, 8)
            store8(p.1, tile + 8 * (6 + k), 8)
            store8(p.2, tile + 8 * (12 + k), 8)
            store8(p.3, tile + 8 * (18 + k), 8)
          }
          for c in 0..<4 {
            let p = tile + 8 * 6 * c
            let y = Self.output((
              load8(p, 8), load8(p + 8, 8), load8(p + 16, 8), load8(p + 24, 8), load8(p + 32, 8), load8(p + 40, 8)
            ))
            store8(y.0, columnsOut + 8 * c, 8)
            store8(y.1, columnsOut + 8 * (4 + c), 8)
            store8(y.2, columnsOut + 8 * (8 + c), 8)
            store8(y.3, columnsOut + 8 * (12 + c), 8)
          }
          // Output row r, column 4l + c of the block: lane l of y_rc.
          let top = y + (o * h + 4 * ty) * w + 4 * tx
          for r in 0..<min(4, h - 4 * ty) {
            let (q, row) = (columnsOut + 32 * r, top + r * w)
            for x in 0..<min(32, w - 4 * tx) { row[x] = b + q[8 * (x & 3) + (x >> 2)] }
          }
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
        let top = dy + (o * h + 4 * ty) * w
        let base = dm + o * stride + ty * tc
        for tx in Swift.stride(from: 0, to: tc, by: 8) {
          let (lanes, columns) = (min(8, tc - tx), min(32, w - 4 * tx))
          @inline(__always) func row(_ r: Int) -> Four<SIMD8<Scalar>> {
            4 * ty + r < h ? phases(load32(top + r * w + 4 * tx, columns)) : (.zero, .zero, .zero, .zero)
          }
          // Columns: q = A dY (per tile column phase c), then rows: q_k A^T.
          let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3))
          let q0 = Self.outputAdjoint((r0.0, r1.0, r2.0, r3.0))
          let q1 = Self.outputAdjoint((r0.1, r1.1, r2.1, r3.1))
          let q2 = Self.outputAdjoint((r0.2, r1.2, r2.2, r3.2))
          let q3 = Self.outputAdjoint((r0.3, r1.3, r2.3, r3.3))
          @inline(__always) func store(_ k: Int, _ q: Four<SIMD8<Scalar>>) {
            let t = Self.outputAdjoint(q)
            storeSix(t, base + 6 * k * elementStride + tx, stride: elementStride, count: lanes)
          }
          store(0, (q0.0, q1.0, q2.0, q3.0))
          store(1, (q0.1, q1.1, q2.1, q3.1))
          store(2, (q0.2, q1.2, q2.2, q3.2))
          store(3, (q0.3, q1.3, q2.3, q3.3))
          store(4, (q0.4, q1.4, q2.4, q3.4))
          store(5, (q0.5, q1.5, q2.5, q3.5))
        }
      }
    }
  }

  /// dX = sum over tiles of B dV B^T, the adjoint of `transformInput`, from `dv` (element-major,
  /// channel stride `stride`) into dx ([Cin, H, W], overwritten), accumulated on the plane
  /// scratch (values beyond the image are dropped), with the tile scratch after it.
  private func untransformInputGradient<Scalar: NetworkScalar>(
    _ dv: UnsafePointer<Scalar>, stride: Int, into dx: UnsafeMutablePointer<Scalar>,
    plane: UnsafeMutablePointer<Scalar>
  ) {
    let (h, w, ps, tc) = (geometry.height, geometry.width, planeStride, tileColumns)
    let tile = plane + tileScratchOffset
    let elementStride = geometry.inputChannels * stride
    for i in 0..<geometry.inputChannels {
      plane.update(repeating: 0, count: planeCount)
      for ty in 0..<tileRows {
        let base = dv + i * stride + ty * tc
        for tx in Swift.stride(from: 0, to: tc, by: 8) {
          let lanes = min(8, tc - tx)
          // Columns: B (dV column j) into the tile scratch (6 x 6 vectors, row-major); then each
          // row . B^T onto padded columns 4tx...4tx + 5, the last two shared with the next tile.
          for j in 0..<6 {
            let s = Self.inputAdjoint(loadSix(base + j * elementStride + tx, stride: 6 * elementStride, count: lanes))
            storeSix(s, tile + 8 * j, stride: 8 * 6, count: 8)
          }
          for r in 0..<6 {
            let t = tile + 48 * r
            let c = Self.inputAdjoint((
              load8(t, 8), load8(t + 8, 8), load8(t + 16, 8), load8(t + 24, 8), load8(t + 32, 8), load8(t + 40, 8)
            ))
            // Padded column 4(tx + l) + j gets lane l of c_j.
            let row = t  // the tile scratch's row r is read: reuse it for c
            store8(c.0, row, 8)
            store8(c.1, row + 8, 8)
            store8(c.2, row + 16, 8)
            store8(c.3, row + 24, 8)
            store8(c.4, row + 32, 8)
            store8(c.5, row + 40, 8)
            let target = plane + (4 * ty + r) * ps + 4 * tx
            for l in 0..<lanes {
              let p = target + 4 * l
              p[0] += row[l]
              p[1] += row[8 + l]
              p[2] += row[16 + l]
              p[3] += row[24 + l]
              p[4] += row[32 + l]
              p[5] += row[40 + l]
            }
          }
        }
      }
      for y in 0..<h { (dx + (i * h + y) * w).update(from: plane + (y + 1) * ps + 1, count: w) }
    }
  }

  /// dW[o, i] = G^T dU[o, i] G, the adjoint of `transformWeights`, from `du` (36 x Cout x Cin)
  /// into [Cout, Cin, 3, 3] (overwritten).
  private func untransformWeightGradient<Scalar: NetworkScalar>(
    _ du: UnsafePointer<Scalar>, into weightGradient: UnsafeMutablePointer<Scalar>
  ) {
    let (cout, cin) = (geometry.outputChannels, geometry.inputChannels)
    let elementStride = cout * cin
    withUnsafeTemporaryAllocation(of: Scalar.self, capacity: 18) { buffer in
      let rows = buffer.baseAddress!  // dU G, 6 x 3
      for o in 0..<cout {
        for i in 0..<cin {
          for k in 0..<6 {
            Self.kernelAdjoint(du + (6 * k * cout + o) * cin + i, stride: elementStride, into: rows + 3 * k, stride: 1)
          }
          let dw = weightGradient + (o * cin + i) * 9
          for c in 0..<3 { Self.kernelAdjoint(rows + c, stride: 3, into: dw + c, stride: 3) }
        }
      }
    }
  }

  // MARK: The one-dimensional transforms

  /// B^T d for the six values of a tile's column or row.
  @inline(__always)
  private static func input<V: SIMD>(_ d: Six<V>) -> Six<V> where V.Scalar: FloatingPoint {
    (
      4 * d.0 - 5 * d.2 + d.4, (d.3 + d.4) - 4 * (d.1 + d.2), (d.4 - d.3) + 4 * (d.1 - d.2),
      (d.4 - d.2) + 2 * (d.3 - d.1), (d.4 - d.2) + 2 * (d.1 - d.3), 4 * d.1 - 5 * d.3 + d.5
    )
  }

  /// B t, the adjoint of `input`.
  @inline(__always)
  private static func inputAdjoint<V: SIMD>(_ t: Six<V>) -> Six<V> where V.Scalar: FloatingPoint {
    (
      4 * t.0, 4 * (t.2 - t.1 + t.5) + 2 * (t.4 - t.3), -5 * t.0 - 4 * (t.1 + t.2) - (t.3 + t.4),
      (t.1 - t.2) + 2 * (t.3 - t.4) - 5 * t.5, t.0 + t.1 + t.2 + t.3 + t.4, t.5
    )
  }

  /// A^T m: four outputs from six products.
  @inline(__always)
  private static func output<V: SIMD>(_ m: Six<V>) -> Four<V> where V.Scalar: FloatingPoint {
    (
      m.0 + m.1 + m.2 + m.3 + m.4, (m.1 - m.2) + 2 * (m.3 - m.4), (m.1 + m.2) + 4 * (m.3 + m.4),
      (m.1 - m.2) + 8 * (m.3 - m.4) + m.5
    )
  }

  /// A y, the adjoint of `output`.
  @inline(__always)
  private static func outputAdjoint<V: SIMD>(_ y: Four<V>) -> Six<V> where V.Scalar: FloatingPoint {
    (
      y.0, y.0 + y.1 + y.2 + y.3, y.0 - y.1 + y.2 - y.3, y.0 + 2 * y.1 + 4 * y.2 + 8 * y.3,
      y.0 - 2 * y.1 + 4 * y.2 - 8 * y.3, y.3
    )
  }

  /// G g for a kernel row or column g, written at `target`, `target + stride`, ...
  @inline(__always)
  private static func kernel<Scalar: NetworkScalar>(
    _ g: (Scalar, Scalar, Scalar), into target: UnsafeMutablePointer<Scalar>, stride: Int
  ) {
    let values = (
      g.0 / 4, -(g.0 + g.1 + g.2) / 6, -(g.0 - g.1 + g.2) / 6, g.0 / 24 + g.1 / 12 + g.2 / 6,
      g.0 / 24 - g.1 / 12 + g.2 / 6, g.2
    )
    target[0] = values.0
    target[stride] = values.1
    target[2 * stride] = values.2
    target[3 * stride] = values.3
    target[4 * stride] = values.4
    target[5 * stride] = values.5
  }

  /// G^T u, the adjoint of `kernel`, for the six values at `u`, `u + stride`, ..., written at
  /// `target`, `target + targetStride`, `target + 2 * targetStride`.
  @inline(__always)
  private static func kernelAdjoint<Scalar: NetworkScalar>(
    _ u: UnsafePointer<Scalar>, stride: Int, into target: UnsafeMutablePointer<Scalar>, stride targetStride: Int
  ) {
    let (u0, u1, u2, u3, u4, u5) = (u[0], u[stride], u[2 * stride], u[3 * stride], u[4 * stride], u[5 * stride])
    target[0] = u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24
    target[targetStride] = (u2 - u1) / 6 + (u3 - u4) / 12
    target[2 * targetStride] = (u3 + u4 - u1 - u2) / 6 + u5
  }
}

/// Six and four values of a one-dimensional transform.
typealias Six<V> = (V, V, V, V, V, V)
typealias Four<V> = (V, V, V, V)

/// Six vectors of `count` lanes (the others zero) from `p`, `p + stride`, ..., `p + 5 * stride`.
@inline(__always)
func loadSix<Scalar: SIMDScalar>(_ p: UnsafePointer<Scalar>, stride: Int, count: Int) -> Six<SIMD8<Scalar>> {
  (load8(p, count), load8(p + stride, count), load8(p + 2 * stride, count), load8(p + 3 * stride, count),
   load8(p + 4 * stride, count), load8(p + 5 * stride, count))
}

/// Stores the first `count` lanes of six vectors at `p`, `p + stride`, ..., `p + 5 * stride`.
@inline(__always)
func storeSix<Scalar: SIMDScalar>(_ t: Six<SIMD8<Scalar>>, _ p: UnsafeMutablePointer<Scalar>, stride: Int, count: Int) {
  store8(t.0, p, count)
  store8(t.1, p + stride, count)
  store8(t.2, p + 2 * stride, count)
  store8(t.3, p + 3 * stride, count)
  store8(t.4, p + 4 * stride, count)
  store8(t.5, p + 5 * stride, count)
}
