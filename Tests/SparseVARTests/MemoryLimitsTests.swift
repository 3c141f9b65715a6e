// Checked size arithmetic and fallible reservations (Support/MemoryLimits.swift), and the objects
// that go through them refusing sizes that overflow or cannot be allocated, unchanged.
import Testing
@testable import SparseVAR

/// The error `body` throws, nil when it returns.
private func thrown(_ body: () throws -> Void) -> SparseVARError? {
  do {
    try body()
    return nil
  } catch let error as SparseVARError {
    return error
  } catch {
    Issue.record("unexpected error \(error)")
    return nil
  }
}

private func isShape(_ error: SparseVARError?) -> Bool {
  if case .shape = error { return true }
  return false
}

private func isNoMemory(_ error: SparseVARError?) -> Bool {
  if case .noMemory = error { return true }
  return false
}

@Suite("Checked size arithmetic")
struct CheckedArithmeticTests {
  @Test("products: exact up to Int.max, overflow and negative sizes refused")
  func products() throws {
    #expect(try checkedProduct(3, 5, 7, what: "x") == 105)
    #expect(try checkedProduct([], what: "x") == 1)
    #expect(try checkedProduct(0, Int.max, what: "x") == 0)
    #expect(try checkedProduct(1 << 31, 1 << 31, what: "x") == 1 << 62)
    #expect(try checkedProduct(Int.max, 1, what: "x") == Int.max)
    #expect(isShape(thrown { _ = try checkedProduct(1 << 33, 1 << 33, what: "the series (t x k)") }))
    #expect(isShape(thrown { _ = try checkedProduct(1 << 32, 1 << 31, what: "x") }))
    #expect(isShape(thrown { _ = try checkedProduct(Int.max, 2, what: "x") }))
    #expect(isShape(thrown { _ = try checkedProduct(3, -1, what: "x") }))
    let error = thrown { _ = try checkedProduct(1 << 33, 1 << 33, what: "the series (t x k)") }
    #expect(error?.message.contains("the series (t x k) = 8589934592 x 8589934592") == true)
  }

  @Test("sums: exact up to Int.max, overflow and negative sizes refused")
  func sums() throws {
    #expect(try checkedSum(1, 2, 3, what: "x") == 6)
    #expect(try checkedSum(Int.max - 1, 1, what: "x") == Int.max)
    #expect(isShape(thrown { _ = try checkedSum(Int.max, 1, what: "first + count") }))
    #expect(isShape(thrown { _ = try checkedSum(1, -2, what: "x") }))
  }

  @Test("bytes: bounded by the address space")
  func bytes() throws {
    #expect(MemoryLimits.maxBytes == 1 << 47)
    #expect(MemoryLimits.maxCount(of: Double.self) == 1 << 44)
    #expect(try checkedBytes(10, of: Double.self, what: "x") == 80)
    #expect(try checkedBytes(1 << 44, of: Double.self, what: "x") == 1 << 47)
    #expect(isNoMemory(thrown { _ = try checkedBytes((1 << 44) + 1, of: Double.self, what: "x") }))
    #expect(isNoMemory(thrown { _ = try checkedBytes(Int.max, of: UInt16.self, what: "x") }))
    #expect(isShape(thrown { _ = try checkedBytes(-1, of: Float.self, what: "x") }))
  }

  @Test("reservations: small and feasible ones pass, impossible ones are errors, not aborts")
  func reservations() throws {
    try reserveMemory(bytes: 0, what: "nothing")
    try reserveMemory(bytes: 100, what: "a little")
    try reserveMemory(1 << 20, of: Double.self, what: "8 MiB")
    #expect(isNoMemory(thrown { try reserveMemory(bytes: MemoryLimits.maxBytes + 1, what: "x") }))
    #expect(isNoMemory(thrown { try reserveMemory(bytes: -1, what: "x") }))
    // Whether a feasible size can be had depends on the machine (tests/c/test_hostile.c checks
    // that under an address-space limit); beyond the address space it never can.
    let error = thrown { try reserveMemory((1 << 44) + 1, of: Double.self, what: "the hostile buffer") }
    #expect(isNoMemory(error))
    #expect(error?.message.contains("the hostile buffer") == true)
  }
}

@Suite("Sizes beyond memory are errors")
struct HostileSizeTests {
  // Sizes here exceed the address space, so that they fail on any machine; sizes that fail only
  // for lack of memory are checked by tests/c/test_hostile.c under an address-space limit.
  @Test("a dataset of 2^24 x 2^24 or 2^31 x 2^31 pixels is refused at creation")
  func hugeDatasets() {
    #expect(isNoMemory(thrown { _ = try FrameDataset(height: 1 << 24, width: 1 << 24) }))
    #expect(isNoMemory(thrown { _ = try FrameDataset(height: 1 << 31, width: 1 << 31) }))
    #expect(thrown { _ = try FrameDataset(height: 1 << 40, width: 1 << 40) } != nil)
  }

  @Test("a batch whose storage cannot be allocated is refused before it is read; the dataset is unchanged")
  func hugeBatch() throws {
    let dataset = try FrameDataset(height: 4, width: 4)
    let run = dataset.beginRun()
    try dataset.append([Float](repeating: 1, count: 32), count: 2, to: run)
    let before = dataset.memoryBytes
    // A buffer claiming 2^42 frames: only its count is looked at.
    let frames = [Float](repeating: 0, count: 16)
    let error = frames.withUnsafeBufferPointer { small in
      thrown {
        try dataset.append(UnsafeBufferPointer(start: small.baseAddress, count: (1 << 42) * 16), count: 1 << 42, to: run)
      }
    }
    #expect(isNoMemory(error))
    #expect(dataset.memoryBytes == before)
    #expect(try dataset.frameCount(run: run) == 2)
  }

  @Test("a VAR whose Gram matrix cannot be allocated is refused before fitting")
  func hugeVAR() throws {
    let k = 1 << 20
    let series = try Series(length: 8, dimension: k, values: [Double](repeating: 0, count: 8 * k))
    var options = SparseVAROptions()
    options.normalize = false
    #expect(isNoMemory(thrown { _ = try SparseVARModel.fit(series, options: options) }))
    options.lag = Int.max
    #expect(isShape(thrown { _ = try SparseVARModel.fit(series, options: options) }))
  }

  @Test("a network whose parameters or training step cannot be allocated is refused when built")
  func hugeNetworks() {
    var configuration = AutoencoderConfiguration()
    configuration.depth = 3
    configuration.channels = 100_000_000
    #expect(isNoMemory(thrown { _ = try SparseVARNetwork(configuration: configuration, height: 64, width: 64) }))
    configuration.channels = 32
    configuration.latentChannels = 1_000_000_000_000
    #expect(isNoMemory(thrown { _ = try SparseVARNetwork(configuration: configuration, height: 64, width: 64) }))
    configuration.latentChannels = 1
    configuration.channels = 1024
    #expect(isNoMemory(thrown { _ = try SparseVARNetwork(configuration: configuration, height: 65536, width: 65536) }))
    var training = TrainingOptions()
    training.varOptions.lag = Int.max
    #expect(thrown { _ = try SparseVARNetwork(configuration: configuration, height: 64, width: 64, training: training) } != nil)
  }

  @Test("parameter count of the default network")
  func parameterCount() throws {
    var configuration = AutoencoderConfiguration()
    configuration.depth = 1
    configuration.channels = 2
    configuration.latentChannels = 1
    // encoder 3x3 1->2 (18 + 2), batch norm (4), 1x1 2->1 (2 + 1), 1x1 1->2 (2 + 2), decoder 3x3 2->1 (18 + 1)
    let net = try ConvolutionalAutoencoder<Float>(configuration: configuration, height: 8, width: 8)
    let actual = net.parameters.reduce(0) { $0 + $1.value.count }
    #expect(try configuration.parameterCount() >= actual)
    #expect(try configuration.parameterCount() <= actual + 8)
  }
}

@Suite("Network sizes at the edges of Int")
struct NetworkSizeEdgeTests {
  @Test("channel counts near Int.max are errors, not traps")
  func hugeChannelCounts() {
    var configuration = AutoencoderConfiguration()
    configuration.depth = 3
    configuration.channels = Int.max
    #expect(thrown { _ = try configuration.parameterCount() } != nil)
    #expect(thrown { _ = try configuration.stepValues(height: 8, width: 8, frames: 7, threads: 2) } != nil)
    #expect(thrown { _ = try SparseVARNetwork(configuration: configuration, height: 8, width: 8) } != nil)
    configuration.channels = -1
    #expect(thrown { _ = try SparseVARNetwork(configuration: configuration, height: 8, width: 8) } == .invalidArgument(
      "depth must be in 1...8 and channels, latent channels >= 1 (got depth 3, channels -1, latent channels 1)"))
  }
}
