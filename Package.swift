// swift-tools-version:6.1
//
// sparsevar: sparse vector autoregression by differentiable LARS-lasso, with group tests,
// shipped as a Swift module and as a C library (libsparsevar.so).
import PackageDescription

/// The test bundles are not optimised even in release builds: scripts/test.sh runs them on the
/// release build of the library (`swift test -c release`, sharing CMake's build), where
/// optimising the tests themselves would cost minutes of compilation and gain seconds. Test
/// targets are never built by packages that depend on this one.
let testSettings: [SwiftSetting] = [.unsafeFlags(["-Onone"], .when(configuration: .release))]

let package = Package(
  name: "sparsevar",
  products: [
    // MARK: - Public API
    /// The Swift module for Swift programs.
    .library(name: "SparseVAR", targets: ["SparseVAR"]),
    /// Frame-file readers and the synthetic experiment, for Swift programs that want them.
    .library(name: "SparseVARFiles", targets: ["SparseVARFiles"]),
    .library(name: "SparseVARSynthetic", targets: ["SparseVARSynthetic"]),
    /// The C library. CMakeLists.txt builds the distributable libsparsevar.so from this product,
    /// with the Swift runtime linked statically and only `sparsevar_*` symbols exported.
    .library(name: "sparsevar", type: .dynamic, targets: ["CSparseVAR"]),
    /// The command-line tool (installed as `sparsevar`): demo, train, analyze, test, maps, synth.
    .executable(name: "sparsevar-cli", targets: ["sparsevar-cli"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // MARK: - Public API
    .target(
      name: "SparseVAR",
      dependencies: ["_COpenBLAS", "_SparseVARKernels"]
    ),
    /// Frame files: .npy, TIFF (ScanImage, ImageJ), suite2p's registered binary.
    .target(name: "SparseVARFiles", dependencies: ["SparseVAR"]),
    /// The synthetic two-photon experiment with known ground truth.
    .target(name: "SparseVARSynthetic", dependencies: ["SparseVAR"]),
    .target(name: "CSparseVAR", dependencies: ["SparseVAR", "SparseVARFiles", "SparseVARSynthetic", "_SparseVARHandles"]),
    /// Figures and documents of the report (PNG through libpng); used by the command-line tool.
    .target(name: "SparseVARReport", dependencies: ["SparseVAR", "_CPNG"]),
    .executableTarget(
      name: "sparsevar-cli",
      dependencies: [
        "SparseVAR", "SparseVARFiles", "SparseVARSynthetic", "SparseVARReport", "_CHDF5",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Implementation details
    /// OpenBLAS (CBLAS) and LAPACKE from Debian's libopenblas-dev / liblapacke-dev.
    .systemLibrary(name: "_COpenBLAS"),
    /// SIMD passes of the LARS-lasso solver (AVX2 chosen at run time), not exported.
    .target(name: "_SparseVARKernels"),
    /// The opaque handle types of the C API, so that the generated header names them.
    .target(name: "_SparseVARHandles"),
    /// libpng's simplified API from Debian's libpng-dev.
    .systemLibrary(name: "_CPNG"),
    /// libhdf5 from Debian's libhdf5-dev: the tool's HDF5 and NWB input, linked into the tool only
    /// (neither SparseVAR nor libsparsevar.so depends on it).
    .systemLibrary(name: "_CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),

    // MARK: - Unit test bundles
    .testTarget(
      name: "SparseVARTests", dependencies: ["SparseVAR", "SparseVARFiles", "SparseVARSynthetic", "SparseVARReport"],
      swiftSettings: testSettings),
    .testTarget(name: "SparseVARReportTests", dependencies: ["SparseVARReport"], swiftSettings: testSettings),
    .testTarget(
      name: "CSparseVARTests", dependencies: ["CSparseVAR", "SparseVAR", "_SparseVARHandles"], swiftSettings: testSettings),
  ]
)
