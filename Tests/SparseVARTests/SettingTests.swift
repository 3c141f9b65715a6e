// The parameter tables of the core's settings: defaults are those of a default-constructed
// value, every row writes what it reads, and bounds are enforced.
import Testing
@testable import SparseVAR

func checkRows<Settings>(
  _ rows: [Setting<Settings>], _ fresh: Settings, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(Set(rows.map(\.id)).count == rows.count, sourceLocation: sourceLocation)
  #expect(Set(rows.map(\.name)).count == rows.count, sourceLocation: sourceLocation)
  for row in rows {
    #expect(row.get(fresh) == row.defaultValue, "default of \(row.name)", sourceLocation: sourceLocation)
    #expect(row.violation(row.defaultValue) == nil, "\(row.name)", sourceLocation: sourceLocation)
    #expect(row.violation(.nan) != nil && row.violation(.infinity) != nil, sourceLocation: sourceLocation)
    #expect(row.violation(row.lower - 1) != nil, "\(row.name)", sourceLocation: sourceLocation)
    #expect(!row.doc.isEmpty, sourceLocation: sourceLocation)
    if row.kind != .real {
      #expect(row.violation(row.lower + 0.5) != nil, "\(row.name)", sourceLocation: sourceLocation)
    }
    // Every accepted value other than the default is written and read back.
    let other = row.upper.isFinite ? row.upper : row.defaultValue + 1
    var settings = fresh
    row.set(&settings, other)
    #expect(row.get(settings) == other, "\(row.name)", sourceLocation: sourceLocation)
    for each in rows where each.id != row.id {
      #expect(each.get(settings) == each.get(fresh), "\(row.name) changed \(each.name)", sourceLocation: sourceLocation)
    }
  }
}

@Test func sparseVARParameters() {
  checkRows(SparseVAROptions.parameters, SparseVAROptions())
}

@Test func groupTestParameters() {
  checkRows(GroupTestSettings.parameters, GroupTestSettings())
}

@Test func networkParameters() {
  checkRows(SparseVARNetworkSettings.parameters, SparseVARNetworkSettings())
  let rows = SparseVARNetworkSettings.parameters
  #expect(rows.filter(\.isArchitecture).map(\.id) == Array(500...506))
}

@Test func lassoGradientIsKeptAcrossModes() throws {
  let rows = SparseVARNetworkSettings.parameters
  let mode = try #require(rows.parameter(510)), gradient = try #require(rows.parameter(511))
  var s = SparseVARNetworkSettings()
  mode.set(&s, 0)
  gradient.set(&s, 0)
  #expect(s.training.mode == .sequential)
  mode.set(&s, 2)
  #expect(s.training.mode == .endToEnd(.unrolled))
  gradient.set(&s, 1)
  #expect(s.training.mode == .endToEnd(.implicit))
}

@Test func boundsMessages() throws {
  let rows = SparseVARNetworkSettings.parameters
  #expect(try #require(rows.parameter(500)).violation(9) == "an integer in [0.0, 8.0]")
  #expect(try #require(rows.parameter(530)).violation(0) == "finite and > 0.0")
  #expect(try #require(rows.parameter(521)).violation(-1) == "in [0.0, inf]")
}
