//===--- Settings.swift ---------------------------------------------------===//
//
// The set/get/bounds calls of every handle with parameters, as loops over the core's parameter
// tables (SparseVAROptions, GroupTestSettings, SparseVARNetworkSettings), and the tables
// themselves as JSON (sparsevar_param_table), from which scripts/generate_header.py writes the
// header's parameter constants and the Python binding builds its parameters.
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
  /// The C function that sets these parameters, as "sparsevar_var_set_param".
  let setter: String
  /// The C type of the parameter numbers, as "sparsevar_var_param".
  let type: String
  /// What the parameters are set on; opens the header's comment of the constants.
  let doc: String

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
  SettingTable(
    rows: SparseVAROptions.parameters, prefix: "SPARSEVAR_VAR_PARAM_", what: "VAR", setter: "sparsevar_var_set_param",
    type: "sparsevar_var_param",
    doc: """
      Parameters of a sparse VAR, set with sparsevar_var_set_param. Values are pinned; the bounds and \
      defaults are also available from sparsevar_var_param_bounds.
      """)
}
var testSettings: SettingTable<GroupTestSettings> {
  SettingTable(
    rows: GroupTestSettings.parameters, prefix: "SPARSEVAR_TEST_PARAM_", what: "test",
    setter: "sparsevar_var_set_set_param", type: "sparsevar_test_param",
    doc: "Parameters of the tests run on a set of fitted runs, set with sparsevar_var_set_set_param.")
}
var autoencoderSettings: SettingTable<SparseVARNetworkSettings> {
  SettingTable(
    rows: SparseVARNetworkSettings.parameters, prefix: "SPARSEVAR_AUTOENCODER_PARAM_", what: "autoencoder",
    setter: "sparsevar_autoencoder_set_param", type: "sparsevar_autoencoder_param",
    doc: """
      Parameters of a model, set with sparsevar_autoencoder_set_param. Values are pinned; bounds and \
      defaults are also available from sparsevar_autoencoder_param_bounds. The architecture parameters can only \
      be changed before the model's first training: afterwards, and for a loaded model, setting one to a \
      different value gives SPARSEVAR_E_INVALID_ARGUMENT. The others take effect at the next call that uses \
      them.
      """)
}

// MARK: - The tables as JSON

extension SettingTable {
  /// The table as a JSON object: {"type", "prefix", "setter", "doc", "parameters": [row...]}, each
  /// row {"id", "name", "constant", "kind", "lower", "upper" (null = no upper bound),
  /// "lower_exclusive", "default", "options", "architecture", "doc"}.
  var json: String {
    let parameters = rows.map { row in
      let fields: [(String, String)] = [
        ("id", String(row.id)), ("name", jsonString(row.name)), ("constant", jsonString(cName(row))),
        ("kind", jsonString("\(row.kind)")), ("lower", jsonNumber(row.lower)), ("upper", jsonNumber(row.upper)),
        ("lower_exclusive", String(row.lowerIsExclusive)), ("default", jsonNumber(row.defaultValue)),
        ("options", "[" + row.options.map(jsonString).joined(separator: ", ") + "]"),
        ("architecture", String(row.isArchitecture)), ("doc", jsonString(row.doc)),
      ]
      return "{" + fields.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }
    return """
      {"type": \(jsonString(type)), "prefix": \(jsonString(prefix)), "setter": \(jsonString(setter)), \
      "doc": \(jsonString(doc)), "parameters": [
      \(parameters.joined(separator: ",\n"))
      ]}
      """
  }
}

/// `text` as a JSON string literal.
private func jsonString(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case _ where scalar.value < 0x20: out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out + "\""
}

/// A finite number as JSON (Swift's shortest round-trip spelling), +-infinity as null.
private func jsonNumber(_ value: Double) -> String {
  value.isFinite ? "\(value)" : "null"
}

/// Every parameter table: {"var": ..., "test": ..., "autoencoder": ...}.
let parameterTablesJSON = """
  {"var": \(varSettings.json),
  "test": \(testSettings.json),
  "autoencoder": \(autoencoderSettings.json)}

  """

/// Writes the parameter tables of the sparse VAR, the group tests and the model as JSON
/// (UTF-8, NUL-terminated) into out (len bytes; SPARSEVAR_E_BUFFER_TOO_SMALL when it does not
/// fit), and its length in bytes without the NUL into *length (may be NULL); out = NULL with
/// len = 0 only reads the length. The object has the keys "var", "test" and "autoencoder", each
/// {"type", "prefix", "setter", "doc", "parameters"}; every parameter is {"id", "name",
/// "constant", "kind" ("integer", "real", "flag" or "choice"), "lower", "upper" (null = no upper
/// bound), "lower_exclusive", "default", "options" (a choice's option names, the option at index
/// i being the value i), "architecture", "doc"}. The header's parameter constants are generated
/// from it, and bindings can build their parameter lists from it.
@c public func sparsevar_param_table(
  _ out: UnsafeMutablePointer<CChar>?, _ len: Int64, _ length: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded { try writeName(parameterTablesJSON, out, len, length) }
}
