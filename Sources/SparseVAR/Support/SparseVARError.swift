//===--- SparseVARError.swift ---------------------------------------------===//
//
// The one error type of the Swift API. Each case maps to a pinned C status code
// (see Sources/CSparseVAR/Status.swift), and carries a message a user can act on.
//
//===----------------------------------------------------------------------===//

#if !SPARSEVAR_NO_FOUNDATION
  #if canImport(FoundationEssentials)
    import FoundationEssentials
  #elseif canImport(Foundation)
    import Foundation
  #endif
#endif

/// An error raised by sparsevar. `message` says what was wrong and, where possible, what to do.
public enum SparseVARError: Error, Equatable, CustomStringConvertible {
  /// An argument is out of range or inconsistent (negative lambda, lag < 1, ...).
  case invalidArgument(String)
  /// Array sizes do not match each other or the object's shape.
  case shape(String)
  /// The input contains NaN or infinity.
  case nonFinite(String)
  /// The object has not been fitted yet.
  case notFitted(String)
  /// The computation is numerically impossible (e.g. a constant series has no scale).
  case numerical(String)
  /// A progress callback asked to stop.
  case interrupted(String)
  /// A model file is not a complete, intact file of a version this library reads.
  case format(String)
  /// A file could not be opened, read or written.
  case io(String)
  /// Memory for the call could not be allocated, or the sizes ask for more than a process can
  /// address (see `MemoryLimits`); the object is unchanged.
  case noMemory(String)

  public var message: String {
    switch self {
    case .invalidArgument(let m), .shape(let m), .nonFinite(let m), .notFitted(let m),
      .numerical(let m), .interrupted(let m), .format(let m), .io(let m), .noMemory(let m):
      return m
    }
  }

  public var description: String { message }
}

#if canImport(FoundationEssentials) || canImport(Foundation)
  #if !SPARSEVAR_NO_FOUNDATION
    /// `error.localizedDescription` (Foundation) is the library's message. The C library is built
    /// with `-DSPARSEVAR_NO_FOUNDATION` (CMakeLists.txt): C callers read the message through
    /// `sparsevar_last_error`, and the shared object need not carry Foundation.
    extension SparseVARError: LocalizedError {
      public var errorDescription: String? { message }
    }
  #endif
#endif

/// Throws `.nonFinite` naming `what` when `values` holds a NaN or an infinity.
@inlinable
public func requireFinite<C: Collection>(_ values: C, _ what: String) throws
where C.Element: BinaryFloatingPoint {
  for v in values where !v.isFinite {
    throw SparseVARError.nonFinite("\(what) contains NaN or infinity")
  }
}
