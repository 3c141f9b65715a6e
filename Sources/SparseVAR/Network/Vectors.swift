//===--- Vectors.swift ----------------------------------------------------===//
//
// Loads and stores of adjacent values for the vectorised Winograd transforms, partial at the end
// of a row, and the four column phases of a row.
//
//===----------------------------------------------------------------------===//

/// `count` values from `p` (all when count >= the vector's width), the other lanes zero.
@inline(__always)
func load8<Scalar: SIMDScalar>(_ p: UnsafePointer<Scalar>, _ count: Int) -> SIMD8<Scalar> {
  if count >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Scalar>.self) }
  var v = SIMD8<Scalar>()
  for l in 0..<count { v[l] = p[l] }
  return v
}

/// Stores the first `count` lanes of `v` (all when count >= the vector's width) at `p`.
@inline(__always)
func store8<Scalar: SIMDScalar>(_ v: SIMD8<Scalar>, _ p: UnsafeMutablePointer<Scalar>, _ count: Int) {
  if count >= 8 { return UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Scalar>.self) }
  for l in 0..<count { p[l] = v[l] }
}

/// As `load8`, for 32 values.
@inline(__always)
func load32<Scalar: SIMDScalar>(_ p: UnsafePointer<Scalar>, _ count: Int) -> SIMD32<Scalar> {
  if count >= 32 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Scalar>.self) }
  var v = SIMD32<Scalar>()
  for l in 0..<count { v[l] = p[l] }
  return v
}

/// Lanes 4j + phase of `v`, phase 0...3 (a row's columns 4j + phase).
@inline(__always)
func phases<Scalar: SIMDScalar>(_ v: SIMD32<Scalar>)
  -> (SIMD8<Scalar>, SIMD8<Scalar>, SIMD8<Scalar>, SIMD8<Scalar>)
{
  let (even, odd) = (v.evenHalf, v.oddHalf)
  return (even.evenHalf, odd.evenHalf, even.oddHalf, odd.oddHalf)
}
