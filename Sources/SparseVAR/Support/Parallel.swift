//===--- Parallel.swift ---------------------------------------------------===//
//
// One level of parallelism: the library's own workers run independent problems, and OpenBLAS
// is kept single-threaded inside them (see docs/threading.md).
//
//===----------------------------------------------------------------------===//

import Dispatch
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Synchronization
import _COpenBLAS

/// Number of cores the process may use.
public var availableCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

/// sparsevar parallelises over independent problems with its own workers, so OpenBLAS must not
/// start threads of its own inside them (on 2 cores its spinning threads halve the speed). The
/// pthread build of OpenBLAS has one process-wide thread count; it is set to 1 the first time
/// sparsevar computes anything and left so, since restoring it would race with other threads
/// calling into sparsevar (docs/threading.md).
public func useSingleThreadedBLAS() {
  _ = blasConfigured
}

private let blasConfigured: Bool = {
  openblas_set_num_threads(1)
  return true
}()

/// Runs `body(i)` for `i in 0..<count` on up to `threads` workers (0 = all cores), handing out
/// indices dynamically. `body` must be safe to call concurrently for distinct indices.
/// BLAS inside `body` runs single-threaded (see `useSingleThreadedBLAS`).
public func parallelFor(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
  useSingleThreadedBLAS()
  let workers = min(count, threads <= 0 ? availableCores : threads)
  if workers <= 1 {
    for i in 0..<count { body(i) }
    return
  }
  let next = AtomicCounter()
  DispatchQueue.concurrentPerform(iterations: workers) { _ in
    while true {
      let i = next.increment()
      if i >= count { break }
      body(i)
    }
  }
}

/// A counter handing out consecutive indices to workers.
final class AtomicCounter: Sendable {
  private let value = Atomic<Int>(0)
  func increment() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

/// One result slot per task, written by concurrent workers (each to its own slot).
final class ConcurrentSlots<T: Sendable>: Sendable {
  private let slots: Mutex<[T]>
  init(count: Int, initial: T) { slots = Mutex(Array(repeating: initial, count: count)) }
  func store(_ i: Int, _ value: T) { slots.withLock { $0[i] = value } }
  func value(_ i: Int) -> T { slots.withLock { $0[i] } }
}

/// A raw pointer handed to workers that write disjoint parts of the memory behind it.
package struct SendablePointer<T>: @unchecked Sendable {
  package let pointer: UnsafeMutablePointer<T>
  package init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
