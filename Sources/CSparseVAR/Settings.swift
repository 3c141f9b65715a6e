//===--- Settings.swift ---------------------------------------------------===//
//
// The set/get/bounds calls of every handle with parameters, as loops over the core's parameter
// tables (SparseVAROptions, GroupTestSettings, SparseVARNetworkSettings).
//
//===----------------------------------------------------------------------===//

import SparseVAR

/// A handle type's parameter table and the names its messages use.
struct SettingTable<Settings> {
  let rows: [Setting<Settings>]
  /// Prefix of the C constants' names, as "SPARSEVAR_VAR_PARAM_".
  let prefix: String
  /// The kind of parameter, as "VAR".
  let what: String

  /// The C constant's name of a row.
  func cName(_ row: Setting<Settings>) -> String { prefix + row.name.uppercased() }

  func row(_ raw: Int32) throws -> Setting<Settings> {
    guard let row = rows.parameter(raw) else {
      throw ABIError(status: .invalidArgument, message: "unknown \(what) parameter \(raw)")
    }
    return row
  }

  /// Validates `value` and writes it to `settings`; returns the row.
  @discardableResult
  func set(_ raw: Int32, _ value: Double, on settings: inout Settings) throws -> Setting<Settings> {
    let row = try row(raw)
    if let range = row.violation(value) {
      throw ABIError(status: .invalidArgument, message: "\(cName(row)) must be \(range), got \(value)")
    }
    row.set(&settings, value)
    return row
  }

  func get(_ raw: Int32, from settings: Settings, to value: UnsafeMutablePointer<Double>?) throws {
    let row = try row(raw)
    try require(value, "value").pointee = row.get(settings)
  }

  func bounds(
    _ raw: Int32, _ lower: UnsafeMutablePointer<Double>?, _ upper: UnsafeMutablePointer<Double>?,
    _ defaultValue: UnsafeMutablePointer<Double>?
  ) throws {
    let row = try row(raw)
    lower?.pointee = row.lower
    upper?.pointee = row.upper
    defaultValue?.pointee = row.defaultValue
  }
}

var varSettings: SettingTable<SparseVAROptions> {
  SettingTable(rows: SparseVAROptions.parameters, prefix: "SPARSEVAR_VAR_PARAM_", what: "VAR")
}
var testSettings: SettingTable<GroupTestSettings> {
  SettingTable(rows: GroupTestSettings.parameters, prefix: "SPARSEVAR_TEST_PARAM_", what: "test")
}
var autoencoderSettings: SettingTable<SparseVARNetworkSettings> {
  SettingTable(rows: SparseVARNetworkSettings.parameters, prefix: "SPARSEVAR_AUTOENCODER_PARAM_", what: "autoencoder")
}
