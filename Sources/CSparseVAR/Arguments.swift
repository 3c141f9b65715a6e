//===--- Arguments.swift --------------------------------------------------===//
//
// Checked conversions between C arguments (pointer + int64 size) and Swift values. Every
// exported function validates through these before touching any object.
//
//===----------------------------------------------------------------------===//

import SparseVAR

/// An error of the C layer itself (a buffer too small, a NULL handle), with its status code.
struct ABIError: Error {
  var status: Status
  var message: String
}

/// Throws `.invalidArgument` when a required pointer is NULL.
func require<T>(_ pointer: T?, _ name: String) throws -> T {
  guard let pointer else { throw ABIError(status: .invalidArgument, message: "\(name) is NULL") }
  return pointer
}

/// Converts a size argument, which must be >= `minimum`.
func size(_ value: Int64, _ name: String, minimum: Int64 = 0) throws -> Int {
  guard value >= minimum else {
    throw ABIError(status: .shape, message: "\(name) must be >= \(minimum), got \(value)")
  }
  guard value <= Int64(Int32.max) * 64 else {
    throw ABIError(status: .shape, message: "\(name) = \(value) is too large")
  }
  return Int(value)
}

/// Copies `count` doubles from a caller's array (which may be NULL only when `count` is 0).
func readDoubles(_ pointer: UnsafePointer<Double>?, count: Int, _ name: String) throws -> [Double] {
  if count == 0 { return [] }
  let base = try require(pointer, name)
  return Array(UnsafeBufferPointer(start: base, count: count))
}

/// Copies `count` floats from a caller's array, widened to Double.
func readFloats(_ pointer: UnsafePointer<Float>?, count: Int, _ name: String) throws -> [Double] {
  if count == 0 { return [] }
  let base = try require(pointer, name)
  return UnsafeBufferPointer(start: base, count: count).map(Double.init)
}

/// Checks that an output buffer of `capacity` elements can hold `needed` ones.
func requireCapacity<T>(_ pointer: UnsafeMutablePointer<T>?, _ capacity: Int64, needed: Int, _ name: String)
  throws -> UnsafeMutablePointer<T>
{
  let base = try require(pointer, name)
  guard capacity >= Int64(needed) else {
    throw ABIError(
      status: .bufferTooSmall, message: "\(name) holds \(capacity) values but \(needed) are needed")
  }
  return base
}

/// Writes `values` into a caller's buffer of `capacity` elements.
func write<T>(_ values: [T], to pointer: UnsafeMutablePointer<T>?, capacity: Int64, _ name: String) throws {
  let base = try requireCapacity(pointer, capacity, needed: values.count, name)
  for (i, v) in values.enumerated() { base[i] = v }
}

/// Stores a Swift object behind a typed C handle (retained: release with `release`).
func retainHandle<Handle>(_ object: AnyObject, as: Handle.Type) -> UnsafeMutablePointer<Handle> {
  Unmanaged.passRetained(object).toOpaque().assumingMemoryBound(to: Handle.self)
}

/// The object behind a handle, or `.invalidArgument` for NULL.
func object<Handle, T: AnyObject>(_ handle: UnsafePointer<Handle>?, _ type: T.Type, _ name: String)
  throws -> T
{
  let h = try require(handle, name)
  return Unmanaged<T>.fromOpaque(UnsafeRawPointer(h)).takeUnretainedValue()
}

/// Releases the object behind a handle; NULL is a no-op.
func release<Handle, T: AnyObject>(_ handle: UnsafeMutablePointer<Handle>?, _ type: T.Type) {
  guard let handle else { return }
  Unmanaged<T>.fromOpaque(UnsafeRawPointer(handle)).release()
}
