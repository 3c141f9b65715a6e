import Testing
@testable import SparseVAR

@Test func versionStringMatchesNumbers() {
  let expected = "\(SparseVARVersion.major).\(SparseVARVersion.minor).\(SparseVARVersion.patch)"
  #expect(SparseVARVersion.string.description == expected)
}
