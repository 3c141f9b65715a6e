// SparseVARError as Swift programs meet it: Foundation's localizedDescription is the message
// (except in the C library's build, -DSPARSEVAR_NO_FOUNDATION).
#if canImport(Foundation)
  import Foundation
#endif
import Testing
import SparseVAR

@Suite struct SparseVARErrorTests {
  #if canImport(Foundation) && !SPARSEVAR_NO_FOUNDATION
    @Test func localizedDescriptionIsTheLibrarysMessage() throws {
      let series = try Series(length: 3, dimension: 2, values: [0, 1, 2, 3, 4, 5])
      var options = SparseVAROptions()
      options.lag = 4
      do {
        _ = try SparseVARModel.fit(series, options: options)
        Issue.record("a VAR of lag 4 was fitted to 3 time points")
      } catch {
        let message = try #require(error as? SparseVARError).message
        #expect(message.contains("time points"))
        #expect(error.localizedDescription == message)
        #expect((error as? LocalizedError)?.errorDescription == message)
      }
    }
  #elseif canImport(Foundation)
    // The build of the C library (CMakeLists.txt, which scripts/test.sh tests) leaves the
    // conformance out, so that libsparsevar.so does not carry Foundation.
    @Test func theCLibrarysBuildHasNoFoundationConformance() {
      let error: Error = SparseVARError.invalidArgument("a")
      #expect(!(error is LocalizedError))
    }
  #endif

  @Test func descriptionIsTheMessageForEveryCase() {
    let cases: [SparseVARError] = [
      .invalidArgument("a"), .shape("b"), .nonFinite("c"), .notFitted("d"), .numerical("e"),
      .interrupted("f"), .format("g"), .io("h"),
    ]
    #expect(cases.map(\.description) == ["a", "b", "c", "d", "e", "f", "g", "h"])
    #expect(cases.map { String(describing: $0) } == cases.map(\.message))
  }
}
