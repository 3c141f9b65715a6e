// swift-tools-version:6.1
// A Swift program using sparsevar's Swift module directly: `swift run` in this folder.
import PackageDescription

let package = Package(
  name: "FitSparseVARExample",
  dependencies: [.package(name: "sparsevar", path: "../..")],
  targets: [
    .executableTarget(
      name: "FitSparseVAR", dependencies: [.product(name: "SparseVAR", package: "sparsevar")])
  ]
)
