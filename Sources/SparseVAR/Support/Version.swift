//===--- Version.swift ----------------------------------------------------===//
//
// The single source of the version: scripts/generate_header.py copies it into
// include/sparsevar.h, and CMakeLists.txt reads it from there (SONAME = major).
//
//===----------------------------------------------------------------------===//

/// The library's semantic version.
public enum SparseVARVersion {
  public static let major = 0
  public static let minor = 1
  public static let patch = 0
  /// "MAJOR.MINOR.PATCH", as a static string usable from C.
  public static let string: StaticString = "0.1.0"
}
