//===--- Matrix.swift -----------------------------------------------------===//
//
// A dense, row-major matrix of Double, and the few BLAS/LAPACK products the solvers need.
//
//===----------------------------------------------------------------------===//

import _COpenBLAS

/// A dense `rows x cols` matrix of Double stored row-major: element (i, j) is `storage[i * cols + j]`.
public struct Matrix: Sendable, Equatable {
  public var rows: Int
  public var cols: Int
  public var storage: [Double]

  /// A zero matrix.
  public init(rows: Int, cols: Int) {
    self.rows = rows
    self.cols = cols
    self.storage = [Double](repeating: 0, count: rows * cols)
  }

  /// Wraps `storage` (row-major, `rows * cols` values).
  public init(rows: Int, cols: Int, storage: [Double]) throws {
    let count = try checkedProduct(rows, cols, what: "a matrix of \(rows) x \(cols)")
    guard storage.count == count else {
      throw SparseVARError.shape("a matrix of \(rows) x \(cols) needs \(count) values, got \(storage.count)")
    }
    self.rows = rows
    self.cols = cols
    self.storage = storage
  }

  @inlinable public subscript(i: Int, j: Int) -> Double {
    get { storage[i * cols + j] }
    set { storage[i * cols + j] = newValue }
  }

  /// Column `j` as an array.
  public func column(_ j: Int) -> [Double] { (0..<rows).map { storage[$0 * cols + j] } }

  /// X^T X (cols x cols), by one symmetric rank-k update.
  public func gram() -> Matrix {
    var g = Matrix(rows: cols, cols: cols)
    guard rows > 0, cols > 0 else { return g }
    storage.withUnsafeBufferPointer { x in
      g.storage.withUnsafeMutableBufferPointer { out in
        cblas_dsyrk(
          CblasRowMajor, CblasUpper, CblasTrans, Int32(cols), Int32(rows), 1.0,
          x.baseAddress, Int32(cols), 0.0, out.baseAddress, Int32(cols))
      }
    }
    g.symmetrizeFromUpper()
    return g
  }

  /// X^T v for a vector of length `rows`.
  public func transposeTimes(_ v: [Double]) -> [Double] { product(v, transposed: true) }

  /// X v for a vector of length `cols`.
  public func times(_ v: [Double]) -> [Double] { product(v, transposed: false) }

  /// X v, or X^T v when `transposed` (one BLAS dgemv; zeros for an empty matrix).
  private func product(_ v: [Double], transposed: Bool) -> [Double] {
    var out = [Double](repeating: 0, count: transposed ? cols : rows)
    guard rows > 0, cols > 0 else { return out }
    cblas_dgemv(
      CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols), 1.0, storage,
      Int32(cols), v, 1, 0.0, &out, 1)
    return out
  }

  /// X^T (cols x rows).
  func transposed() -> Matrix {
    var t = Matrix(rows: cols, cols: rows)
    for i in 0..<rows { for j in 0..<cols { t.storage[j * rows + i] = storage[i * cols + j] } }
    return t
  }

  /// self += other^T (`other` is cols x rows).
  mutating func add(transposeOf other: Matrix) {
    for i in 0..<rows { for j in 0..<cols { storage[i * cols + j] += other.storage[j * rows + i] } }
  }

  /// Copies the upper triangle onto the lower one.
  mutating func symmetrizeFromUpper() {
    let n = cols
    for i in 0..<n {
      for j in 0..<i { storage[i * n + j] = storage[j * n + i] }
    }
  }
}

/// Dot product of two equally long vectors.
@inlinable
func dot(_ a: [Double], _ b: [Double]) -> Double {
  var s = 0.0
  for i in a.indices { s += a[i] * b[i] }
  return s
}
