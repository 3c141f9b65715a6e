//===--- MemoryLimits.swift -----------------------------------------------===//
//
// The one path every size a caller controls goes through before memory is touched: checked
// products and sums of sizes (element counts), their byte counts, and a fallible reservation of
// a large allocation. Swift traps on integer overflow and aborts when an allocation fails, so
// both are turned into errors here, before the arrays are made:
//
//     element count   product / sum of sizes, overflow       -> SparseVARError.shape
//     byte count      count * element size > MemoryLimits    -> SparseVARError.noMemory
//     reservation     malloc of the byte count fails         -> SparseVARError.noMemory
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Upper bounds on what one object may hold, derived from what a process can address.
public enum MemoryLimits {
  /// Largest byte count of any one buffer: 2^47 bytes (128 TiB), the user address space of a
  /// 64-bit Linux process with 4-level page tables (x86-64, aarch64). No allocation can exceed it,
  /// so every element count times its element size is checked against it.
  public static let maxBytes = 1 << 47

  /// Largest element count of `T` that one buffer can hold (`maxBytes / stride`): the bound on
  /// pixels, channels x pixels, parameters and series values.
  public static func maxCount<T>(of _: T.Type) -> Int {
    maxBytes / MemoryLayout<T>.stride
  }
}

/// `a * b` of two sizes, or nil when one is negative or the product overflows (for callers that
/// turn it into an error of their own, such as a file's format error).
@inline(__always)
package func sizeProduct(_ a: Int, _ b: Int) -> Int? {
  guard a >= 0, b >= 0 else { return nil }
  let (p, o) = a.multipliedReportingOverflow(by: b)
  return o ? nil : p
}

/// `a + b` of two sizes, or nil when one is negative or the sum overflows.
@inline(__always)
package func sizeSum(_ a: Int, _ b: Int) -> Int? {
  guard a >= 0, b >= 0 else { return nil }
  let (s, o) = a.addingReportingOverflow(b)
  return o ? nil : s
}

/// The product of `factors` (sizes, all >= 0), or `.shape` naming `what` when it overflows a
/// 64-bit count.
public func checkedProduct(_ factors: Int..., what: @autoclosure () -> String) throws -> Int {
  try checkedProduct(factors, what: what())
}

/// The product of `factors` (sizes, all >= 0), or `.shape` naming `what` when it overflows.
public func checkedProduct(_ factors: [Int], what: @autoclosure () -> String) throws -> Int {
  var result = 1
  for factor in factors {
    guard factor >= 0 else {
      throw SparseVARError.shape("\(what()): a negative size \(factor)")
    }
    guard let value = sizeProduct(result, factor) else {
      throw SparseVARError.shape(
        "\(what()) = \(factors.map(String.init).joined(separator: " x ")) is too large: it overflows a 64-bit count")
    }
    result = value
  }
  return result
}

/// The sum of `terms` (sizes, all >= 0), or `.shape` naming `what` when it overflows.
public func checkedSum(_ terms: Int..., what: @autoclosure () -> String) throws -> Int {
  var result = 0
  for term in terms {
    guard term >= 0 else { throw SparseVARError.shape("\(what()): a negative size \(term)") }
    guard let value = sizeSum(result, term) else {
      throw SparseVARError.shape(
        "\(what()) = \(terms.map(String.init).joined(separator: " + ")) is too large: it overflows a 64-bit count")
    }
    result = value
  }
  return result
}

/// Bytes of `count` elements of `T`, or `.noMemory` naming `what` when they exceed
/// `MemoryLimits.maxBytes` (nothing that large can be allocated).
public func checkedBytes<T>(_ count: Int, of _: T.Type, what: @autoclosure () -> String) throws -> Int {
  guard count >= 0 else { throw SparseVARError.shape("\(what()): a negative size \(count)") }
  guard count <= MemoryLimits.maxCount(of: T.self) else {
    throw SparseVARError.noMemory(
      "out of memory: \(what()) needs \(count) values of \(MemoryLayout<T>.stride) bytes, more than the "
        + "\(MemoryLimits.maxBytes >> 40) TiB a process can address")
  }
  return count * MemoryLayout<T>.stride
}

/// Checks that `bytes` can be allocated now, by allocating (without touching) and freeing them,
/// or throws `.noMemory` naming `what`. Call it with the total of an operation's large buffers
/// before making them: Swift arrays abort the process when their allocation fails, this does
/// not. Below 1 MiB it does nothing (such allocations are not worth a system call).
public func reserveMemory(bytes: Int, what: @autoclosure () -> String) throws {
  guard bytes >= 0, bytes <= MemoryLimits.maxBytes else {
    throw SparseVARError.noMemory(
      "out of memory: \(what()) needs \(bytes) bytes, more than the \(MemoryLimits.maxBytes >> 40) TiB a process can address")
  }
  if bytes < 1 << 20 { return }
  guard let probe = malloc(bytes) else {
    throw SparseVARError.noMemory(
      "out of memory: \(what()) needs \(formatBytes(bytes)), which could not be allocated")
  }
  // The probe must reach the allocator: without a use, the optimiser removes a malloc that is
  // freed at once (assuming it succeeded). Passing it to an external call is such a use.
  guard usableSize(probe) >= bytes else {
    free(probe)
    throw SparseVARError.noMemory("out of memory: \(what()) needs \(formatBytes(bytes))")
  }
  free(probe)
}

/// glibc's malloc_usable_size (malloc.h, which the Glibc module does not import): the bytes a
/// block from malloc can hold.
@_silgen_name("malloc_usable_size")
private func usableSize(_ pointer: UnsafeMutableRawPointer) -> Int

/// Checks that `count` elements of `T` can be allocated now (`checkedBytes`, then
/// `reserveMemory`).
public func reserveMemory<T>(_ count: Int, of type: T.Type, what: @autoclosure () -> String) throws {
  try reserveMemory(bytes: try checkedBytes(count, of: type, what: what()), what: what())
}

/// A byte count for messages: "12.0 GiB".
func formatBytes(_ bytes: Int) -> String {
  let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
  var value = Double(bytes)
  var unit = 0
  while value >= 1024, unit < units.count - 1 {
    value /= 1024
    unit += 1
  }
  if unit == 0 { return "\(bytes) bytes" }
  return "\((value * 10).rounded() / 10) \(units[unit])"
}
