//===--- SparseVARTool.swift ----------------------------------------------===//
//
// The `sparsevar` command: analyse imaging experiments in two conditions with the autoencoder
// and its embedded sparse VAR, and write a report.
//
//===----------------------------------------------------------------------===//

import ArgumentParser
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import SparseVAR

@main
struct SparseVARTool: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sparsevar",
    abstract: "Find sparse, interpretable dynamics in imaging videos and compare two conditions.",
    discussion: """
      A typical session:
        sparsevar demo                                 # built-in synthetic two-photon data, report in sparsevar-demo/
        sparsevar train run*.tif --labels F,F,N,N -o model.svnet --report report/
        sparsevar test model.svnet                     # swap-test table of a saved model
        sparsevar maps model.svnet -o maps/            # contribution maps as PNG
      Recordings are .npy stacks (frames x height x width; uint16, float32 or float64), multi-page
      TIFF stacks as ScanImage writes them, suite2p's registered binary, or 3-D datasets of HDF5 and
      NWB files named FILE:/PATH (e.g. session.nwb:/acquisition/TwoPhotonSeries/data).
      --pixel-size (micrometres per analysed pixel) puts the figures' scale bars in micrometres.
      """,
    subcommands: [Demo.self, Train.self, Analyze.self, TestCommand.self, Maps.self, Synth.self, Parameters.self])
}

/// Writes `text` to standard error as it is.
func writeStandardError(_ text: String) {
  let bytes = Array(text.utf8)
  _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Prints `message` and a newline on standard error.
func printError(_ message: String) {
  writeStandardError(message + "\n")
}

/// Runs `body`, turning library errors into a one-line message and exit code 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as SparseVARError {
    printError("sparsevar: error: \(error.message)")
    throw ExitCode.failure
  }
}

/// A progress line on stderr, redrawn in place on a terminal.
struct ProgressLine {
  let label: String
  let interactive = isatty(STDERR_FILENO) != 0
  var lastPrinted = -1

  mutating func update(_ done: Int, _ total: Int, _ detail: String = "") {
    let percent = total > 0 ? done * 100 / total : 100
    if !interactive && percent / 10 == lastPrinted / 10 && done != total { return }
    lastPrinted = percent
    let width = 30
    let filled = total > 0 ? done * width / total : width
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let line = "\(label) [\(bar)] \(done)/\(total) \(detail)"
    writeStandardError(interactive ? "\r\(line)\u{1B}[K" : "\(line)\n")
    if done == total && interactive { writeStandardError("\n") }
  }
}
