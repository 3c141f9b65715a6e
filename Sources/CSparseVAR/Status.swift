//===--- Status.swift -----------------------------------------------------===//
//
// Status codes, static error strings, the per-thread detailed message and the version calls.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import SparseVAR

/// Status code returned by every fallible sparsevar call. The values are pinned forever; new
/// codes are only ever appended. Success is 0 and every error is negative.
@c(sparsevar_status) public enum Status: Int32, Sendable {
  /// Success.
  case ok = 0
  /// An argument is out of range, NULL where it must not be, or inconsistent.
  case invalidArgument = -1
  /// Array sizes do not match each other or the object's shape.
  case shape = -2
  /// An input array contains NaN or infinity.
  case nonFinite = -3
  /// The object has not been fitted yet.
  case notFitted = -4
  /// The computation is numerically impossible (for example a constant series).
  case numerical = -5
  /// A caller-provided output buffer is too small; the size query says how big it must be.
  case bufferTooSmall = -6
  /// A progress callback returned non-zero; the object was left as it was before the call.
  case interrupted = -7
  /// Memory could not be allocated, or the sizes given ask for more than a process can address
  /// (2^47 bytes for one buffer); the object is left as it was.
  case noMemory = -8
  /// A model file is truncated, corrupted, or of a newer format version.
  case format = -9
  /// A file could not be opened, read or written.
  case io = -10
  /// An internal error: please report it.
  case `internal` = -99
}

/// Detailed message of the last failed call on this thread.
private let lastErrorKey: pthread_key_t = {
  var key = pthread_key_t()
  pthread_key_create(&key) { pointer in free(pointer) }
  return key
}()

/// Records `message` as this thread's last error and returns `status` as a C code.
func fail(_ status: Status, _ message: String) -> Int32 {
  if let old = pthread_getspecific(lastErrorKey) { free(old) }
  pthread_setspecific(lastErrorKey, strdup(message))
  return status.rawValue
}

/// Maps an error thrown by the Swift core to its status code and records its message.
func fail(_ error: Error) -> Int32 {
  if let error = error as? ABIError { return fail(error.status, error.message) }
  guard let error = error as? SparseVARError else {
    return fail(.internal, "unexpected error: \(error)")
  }
  switch error {
  case .invalidArgument(let m): return fail(.invalidArgument, m)
  case .shape(let m): return fail(.shape, m)
  case .nonFinite(let m): return fail(.nonFinite, m)
  case .notFitted(let m): return fail(.notFitted, m)
  case .numerical(let m): return fail(.numerical, m)
  case .interrupted(let m): return fail(.interrupted, m)
  case .format(let m): return fail(.format, m)
  case .io(let m): return fail(.io, m)
  case .noMemory(let m): return fail(.noMemory, m)
  }
}

/// Runs `body`, turning a thrown error into a status code with its message.
func guarded(_ body: () throws -> Void) -> Int32 {
  do {
    try body()
    return Status.ok.rawValue
  } catch {
    return fail(error)
  }
}

/// Static, English description of a status code. Never NULL, never to be freed; unknown codes
/// give "unknown status code". Always thread-safe.
@c public func sparsevar_errstr(_ code: Int32) -> UnsafePointer<CChar> {
  let text: StaticString
  switch Status(rawValue: code) {
  case .ok: text = "success"
  case .invalidArgument: text = "invalid argument"
  case .shape: text = "array sizes do not match"
  case .nonFinite: text = "input contains NaN or infinity"
  case .notFitted: text = "object has not been fitted"
  case .numerical: text = "numerically impossible computation"
  case .bufferTooSmall: text = "output buffer too small"
  case .interrupted: text = "interrupted by the progress callback"
  case .noMemory: text = "out of memory"
  case .format: text = "invalid model file"
  case .io: text = "file input/output error"
  case .internal: text = "internal error"
  case nil: text = "unknown status code"
  }
  return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Detailed message of the last call on this thread that failed: what was wrong and what to do.
/// Never NULL ("" when no call has failed on this thread). Owned by the library and valid until
/// the next failing call on the same thread. A successful call does not clear it, so check status
/// codes, not this message. Always thread-safe.
@c public func sparsevar_last_error() -> UnsafePointer<CChar> {
  if let message = pthread_getspecific(lastErrorKey) {
    return UnsafePointer(message.assumingMemoryBound(to: CChar.self))
  }
  return UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Run-time version as MAJOR*10000 + MINOR*100 + PATCH; compare it with
/// SPARSEVAR_VERSION_NUMBER from the header. Always thread-safe.
@c public func sparsevar_version_number() -> Int32 {
  Int32(SparseVARVersion.major * 10000 + SparseVARVersion.minor * 100 + SparseVARVersion.patch)
}

/// Run-time version as a static "MAJOR.MINOR.PATCH" string. Always thread-safe.
@c public func sparsevar_version_string() -> UnsafePointer<CChar> {
  UnsafeRawPointer(SparseVARVersion.string.utf8Start).assumingMemoryBound(to: CChar.self)
}
