//===--- Arguments.swift --------------------------------------------------===//
//
// Checked conversions between C arguments (pointer + int64 size) and Swift values. Every
// exported function validates through these before touching any object.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
  import Glibc
#endif
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

/// Converts a size argument, which must be >= `minimum` and at most `MemoryLimits.maxBytes` (no
/// buffer can have more elements than a process has bytes).
func size(_ value: Int64, _ name: String, minimum: Int64 = 0) throws -> Int {
  guard value >= minimum else {
    throw ABIError(status: .shape, message: "\(name) must be >= \(minimum), got \(value)")
  }
  guard value <= Int64(MemoryLimits.maxBytes) else {
    throw ABIError(
      status: .shape, message: "\(name) = \(value) is too large (at most 2^47, the bytes a process can address)")
  }
  return Int(value)
}

/// The element count of an array argument given by its sizes (`t * k`, ...): their checked
/// product (`.shape` when it overflows).
func elementCount(_ sizes: Int..., what: @autoclosure () -> String) throws -> Int {
  try checkedProduct(sizes, what: what())
}

/// Copies `count` doubles from a caller's array (which may be NULL only when `count` is 0);
/// `.noMemory` when the copy cannot be allocated.
func readDoubles(_ pointer: UnsafePointer<Double>?, count: Int, _ name: String) throws -> [Double] {
  if count == 0 { return [] }
  let base = try require(pointer, name)
  try reserveMemory(count, of: Double.self, what: "a copy of \(name)")
  return Array(UnsafeBufferPointer(start: base, count: count))
}

/// Copies `count` floats from a caller's array, widened to Double.
func readFloats(_ pointer: UnsafePointer<Float>?, count: Int, _ name: String) throws -> [Double] {
  if count == 0 { return [] }
  let base = try require(pointer, name)
  try reserveMemory(count, of: Double.self, what: "a copy of \(name)")
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

// MARK: - Handles

/// What a C handle points at: a small header, allocated with malloc, tagging the Swift object it
/// holds (SQLite's misuse detection). `magic` is `HandleBox.live` while the handle is valid and
/// is overwritten with `HandleBox.freed` when it is freed; `type` identifies the object's class,
/// so that a handle of one type passed where another is expected is refused. Detecting a freed
/// handle is best effort: it reads memory that was freed, and works only until that memory is
/// reused. The magic comes last because malloc's free lists overwrite the first words of a freed
/// block.
struct HandleBox {
  static let live: UInt64 = 0x5350_5641_5248_444C  // "SPVARHDL"
  static let freed: UInt64 = 0x5350_5641_5246_5245  // "SPVARFRE"

  var object: Unmanaged<AnyObject>
  var type: ObjectIdentifier
  var magic: UInt64
}

/// Stores a Swift object behind a typed C handle (retained: release with `release`). Handles are
/// a few bytes, so their allocation is not expected to fail; if it does, malloc's NULL becomes
/// `.noMemory`.
func retainHandle<Handle>(_ object: AnyObject, as: Handle.Type) throws -> UnsafeMutablePointer<Handle> {
  guard let raw = malloc(MemoryLayout<HandleBox>.stride) else {
    throw ABIError(status: .noMemory, message: "no memory for a handle")
  }
  let box = raw.bindMemory(to: HandleBox.self, capacity: 1)
  box.initialize(
    to: HandleBox(object: .passRetained(object), type: ObjectIdentifier(type(of: object)), magic: HandleBox.live))
  return raw.assumingMemoryBound(to: Handle.self)
}

/// The box of a valid handle of class `T`, or nil for a handle that is freed or of another type.
private func box<Handle, T: AnyObject>(_ handle: UnsafePointer<Handle>, _: T.Type) -> UnsafeMutablePointer<HandleBox>? {
  let box = UnsafeMutableRawPointer(mutating: handle).assumingMemoryBound(to: HandleBox.self)
  guard box.pointee.magic == HandleBox.live, box.pointee.type == ObjectIdentifier(T.self) else { return nil }
  return box
}

/// The object behind a handle: `.invalidArgument` for NULL, for a handle of another type (a
/// sparsevar_var where a sparsevar_autoencoder is expected) and, where detectable, for a freed handle.
func object<Handle, T: AnyObject>(_ handle: UnsafePointer<Handle>?, _ type: T.Type, _ name: String)
  throws -> T
{
  let h = try require(handle, name)
  guard let box = box(h, T.self) else {
    let magic = UnsafeRawPointer(h).assumingMemoryBound(to: HandleBox.self).pointee.magic
    throw ABIError(
      status: .invalidArgument,
      message: magic == HandleBox.freed
        ? "\(name) is a handle that has been freed"
        : magic == HandleBox.live
          ? "\(name) is a handle of another type: it does not hold a \(Handle.self)"
          : "\(name) is not a handle made by sparsevar")
  }
  return unsafeDowncast(box.pointee.object.takeUnretainedValue(), to: T.self)
}

/// Releases the object behind a handle and frees the handle; NULL, a handle of another type and
/// (where detectable) a handle already freed are ignored.
func release<Handle, T: AnyObject>(_ handle: UnsafeMutablePointer<Handle>?, _ type: T.Type) {
  guard let handle, let box = box(UnsafePointer(handle), T.self) else { return }
  box.pointee.magic = HandleBox.freed
  box.pointee.object.release()
  free(box)
}
