// The header's parameter constants (generated from sparsevar_param_table) against the core's
// tables: every constant has exactly one table row with its value and name, and every row a
// constant; the JSON of the tables holds every row.
import Foundation
import Testing
@testable import CSparseVAR
import SparseVAR
import _SparseVARHandles

/// The constants `PREFIX... = value` of include/sparsevar.h, by name.
func headerConstants(_ prefix: String) throws -> [String: Int32] {
  let header = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("include/sparsevar.h")
  var constants: [String: Int32] = [:]
  for line in try String(contentsOf: header, encoding: .utf8).split(separator: "\n") {
    let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
    guard parts.count == 3, parts[0].hasPrefix(prefix), parts[1] == "=" else { continue }
    constants[String(parts[0])] = Int32(parts[2].trimmingCharacters(in: CharacterSet(charactersIn: ",")))
  }
  return constants
}

func checkTable<Settings>(_ table: SettingTable<Settings>, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let rows = Dictionary(table.rows.map { (table.cName($0), $0.id) }, uniquingKeysWith: { a, _ in a })
  #expect(rows.count == table.rows.count, "two rows share a name", sourceLocation: sourceLocation)
  #expect(Set(table.rows.map(\.id)).count == table.rows.count, "two rows share an id", sourceLocation: sourceLocation)
  #expect(try headerConstants(table.prefix) == rows, sourceLocation: sourceLocation)
  for row in table.rows {
    #expect(row.kind == .choice ? row.options.count == Int(row.upper) + 1 : row.options.isEmpty, sourceLocation: sourceLocation)
    #expect(!row.doc.isEmpty && row.violation(row.defaultValue) == nil, sourceLocation: sourceLocation)
  }
}

@Test func varParametersAreTheHeaders() throws { try checkTable(varSettings) }
@Test func testParametersAreTheHeaders() throws { try checkTable(testSettings) }
@Test func modelParametersAreTheHeaders() throws { try checkTable(autoencoderSettings) }

@Test func parameterTableJSONHoldsEveryRow() throws {
  var length: Int64 = 0
  #expect(sparsevar_param_table(nil, 0, &length) == 0)
  var small = [CChar](repeating: 0, count: 8)
  #expect(sparsevar_param_table(&small, 8, nil) == -6)  // SPARSEVAR_E_BUFFER_TOO_SMALL
  var buffer = [CChar](repeating: 0, count: Int(length) + 1)
  #expect(sparsevar_param_table(&buffer, length + 1, nil) == 0)
  let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  func ids(_ key: String) -> [Int] {
    ((json[key] as? [String: Any])?["parameters"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } ?? []
  }
  #expect(ids("var") == varSettings.rows.map { Int($0.id) })
  #expect(ids("test") == testSettings.rows.map { Int($0.id) })
  #expect(ids("autoencoder") == autoencoderSettings.rows.map { Int($0.id) })
}

@Test func setGetAndBoundsGoThroughTheTable() throws {
  var handle: UnsafeMutablePointer<sparsevar_autoencoder>? = nil
  #expect(sparsevar_autoencoder_create(&handle, 16, 16) == 0)
  defer { sparsevar_autoencoder_free(handle) }
  var value = 0.0
  #expect(sparsevar_autoencoder_set_param(handle, 511, 0) == 0)
  #expect(sparsevar_autoencoder_set_param(handle, 510, 0) == 0)
  #expect(sparsevar_autoencoder_set_param(handle, 510, 2) == 0)
  // The gradient chosen before the mode is kept.
  #expect(sparsevar_autoencoder_get_param(handle, 511, &value) == 0 && value == 0)
  #expect(sparsevar_autoencoder_set_param(handle, 530, 0) != 0)
  #expect(sparsevar_autoencoder_set_param(handle, 500, 2.5) != 0)
  #expect(sparsevar_autoencoder_set_param(handle, 9999, 1) != 0)
  for row in autoencoderSettings.rows {
    var lower = 0.0, upper = 0.0, defaultValue = 0.0
    #expect(sparsevar_autoencoder_param_bounds(row.id, &lower, &upper, &defaultValue) == 0)
    #expect(lower == row.lower && upper == row.upper && defaultValue == row.defaultValue)
  }
}

@Test func parametersReachTheBuiltNetworkWhenSetNotWhenRead() throws {
  var handle: UnsafeMutablePointer<sparsevar_autoencoder>? = nil
  #expect(sparsevar_autoencoder_create(&handle, 16, 16) == 0)
  defer { sparsevar_autoencoder_free(handle) }
  #expect(sparsevar_autoencoder_set_param(handle, 500, 2) == 0)
  var c: Int64 = 0, h: Int64 = 0, w: Int64 = 0
  #expect(sparsevar_autoencoder_latent_shape(handle, &c, &h, &w) == 0)  // builds the network
  let object = try autoencoderObject(handle)
  let net = try #require(object.network)
  #expect(sparsevar_autoencoder_set_param(handle, 532, 40) == 0)
  #expect(sparsevar_autoencoder_set_param(handle, 520, 3) == 0)
  #expect(net.training == object.settings.training && net.training.window == 40 && net.training.varOptions.lag == 3)
  // Reads leave the network's options alone.
  net.training.window = 7
  var value = 0.0
  #expect(sparsevar_autoencoder_get_param(handle, 532, &value) == 0 && value == 40)
  #expect(sparsevar_autoencoder_latent_shape(handle, &c, &h, &w) == 0)
  #expect(net.training.window == 7)
  // An architecture change before training drops the network; it is rebuilt with the options.
  #expect(sparsevar_autoencoder_set_param(handle, 501, 8) == 0)
  #expect(object.network == nil)
  #expect(sparsevar_autoencoder_latent_shape(handle, &c, &h, &w) == 0)
  #expect(try #require(object.network).training.window == 40)
}

@Test func theNetworksInterceptIsTheVARsOptionWithoutColumns() throws {
  // SPARSEVAR_AUTOENCODER_PARAM_INTERCEPT = 524, SPARSEVAR_VAR_PARAM_INTERCEPT = 104, and
  // SPARSEVAR_INTERCEPT_NONE, _COLUMNS, _SERIES_MEAN = 0, 1, 2 in both.
  #expect(try headerConstants("SPARSEVAR_INTERCEPT_") == [
    "SPARSEVAR_INTERCEPT_NONE": 0, "SPARSEVAR_INTERCEPT_COLUMNS": 1, "SPARSEVAR_INTERCEPT_SERIES_MEAN": 2,
  ])
  var handle: UnsafeMutablePointer<sparsevar_autoencoder>? = nil
  #expect(sparsevar_autoencoder_create(&handle, 16, 16) == 0)
  defer { sparsevar_autoencoder_free(handle) }
  var value = -1.0
  #expect(sparsevar_autoencoder_get_param(handle, 524, &value) == 0 && value == 2)
  #expect(sparsevar_autoencoder_set_param(handle, 524, 0) == 0)
  #expect(try autoencoderObject(handle).settings.training.varOptions.intercept == .none)
  #expect(sparsevar_autoencoder_set_param(handle, 524, 1) != 0)
  #expect(String(cString: sparsevar_last_error()).contains("SPARSEVAR_AUTOENCODER_PARAM_INTERCEPT"))
  #expect(try autoencoderObject(handle).settings.training.varOptions.intercept == .none)
  for (number, intercept) in [(0.0, VARIntercept.none), (1, .columns), (2, .seriesMean)] {
    var options = SparseVAROptions()
    try varSettings.set(104, number, on: &options)
    #expect(options.intercept == intercept)
  }
}
