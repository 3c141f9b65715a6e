//===--- Parameters.swift -------------------------------------------------===//
//
// `sparsevar parameters`: the model's architecture and training parameters (what `--set NAME=VALUE` takes), with
// kinds, bounds, defaults and documentation.
//
//===----------------------------------------------------------------------===//

import ArgumentParser
import SparseVAR

struct Parameters: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the model's parameters: what `--set NAME=VALUE` of train and demo takes.")

  func run() throws {
    for row in settableParameters {
      let values: String
      switch row.kind {
      case .choice: values = "one of \(row.options.joined(separator: ", ")); default \(row.options[Int(row.defaultValue)])"
      case .flag: values = "true or false; default \(row.defaultValue != 0)"
      case .integer, .real:
        let opening = row.lowerIsExclusive ? "(" : "["
        let closing = row.upper == .infinity ? "inf)" : "\(plain(row.upper))]"
        values = "\(row.kind) in \(opening)\(plain(row.lower)), \(closing); default \(plain(row.defaultValue))"
      }
      print("\(row.name)\(row.isArchitecture ? " (architecture)" : "")\n  \(values)\n  \(row.doc)")
    }
  }
}

/// A bound or default: whole numbers without a fraction, others in Swift's shortest spelling.
private func plain(_ value: Double) -> String {
  value == value.rounded() && abs(value) < 1e18 ? String(Int64(value)) : "\(value)"
}
