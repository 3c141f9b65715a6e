import Glibc
import Testing
@testable import SparseVAR

@Suite struct PersistenceTests {
  func trainedNetwork(intercept: VARIntercept = .seriesMean, encoderSlope: Double = AutoencoderConfiguration().encoderSlope)
    throws -> SparseVARNetwork
  {
    let dataset = try blobDataset()
    let network = try tinyNetwork(mode: .endToEnd(.implicit), encoderSlope: encoderSlope)
    network.training.epochs = 1
    network.training.varOptions.intercept = intercept
    try network.train(on: dataset)
    try network.analyze(dataset)
    return network
  }

  @Test func roundTripKeepsEverything() throws {
    let network = try trainedNetwork()
    let path = "/tmp/sparsevar-persistence-\(getpid()).svnet"
    defer { unlink(path) }
    try network.save(to: path)
    let loaded = try SparseVARNetwork.load(from: path)
    #expect(loaded.network.configuration == network.network.configuration)
    #expect(loaded.training == network.training)
    #expect(loaded.meanFrame == network.meanFrame)
    #expect(loaded.epochsCompleted == network.epochsCompleted)
    #expect(loaded.network.parameters.map(\.value) == network.network.parameters.map(\.value))
    #expect(loaded.network.batchNorms.map(\.runningMean) == network.network.batchNorms.map(\.runningMean))
    #expect(loaded.network.batchNorms.map(\.runningVariance) == network.network.batchNorms.map(\.runningVariance))
    #expect(loaded.runs.map(\.model) == network.runs.map(\.model))
    #expect(loaded.runs.map(\.latents) == network.runs.map(\.latents))
    #expect(loaded.runs.map(\.latentMean) == network.runs.map(\.latentMean))
    #expect(network.runs.allSatisfy { $0.latentMean.contains { $0 != 0 } })
    #expect(loaded.labels == network.labels)
    #expect(try loaded.contributionMap(run: 1, gain: 3) == network.contributionMap(run: 1, gain: 3))
    #expect(try loaded.serialized() == network.serialized())
  }

  @Test func damagedFilesAreRefused() throws {
    let bytes = try trainedNetwork().serialized()
    // Truncated anywhere.
    for length in [0, 4, 8, 19, 20, 100, bytes.count / 2, bytes.count - 1] {
      #expect(throws: SparseVARError.self) { try SparseVARNetwork(serialized: Array(bytes[0..<length])) }
    }
    // One flipped bit in the payload, in the checksum, or in the magic.
    for position in [0, 25, bytes.count / 2, bytes.count - 3] {
      var damaged = bytes
      damaged[position] ^= 0x10
      #expect(throws: SparseVARError.self) { try SparseVARNetwork(serialized: damaged) }
    }
    // A newer format version.
    var future = bytes
    future[8] = 5
    do {
      _ = try SparseVARNetwork(serialized: future)
      Issue.record("a future version was accepted")
    } catch let error as SparseVARError {
      #expect(error.message.contains("version 5"))
    }
    #expect(throws: SparseVARError.self) { try SparseVARNetwork.load(from: "/nonexistent/model.svnet") }
  }

  @Test func runAndConditionNamesRoundTripAndOlderFormatsHaveNone() throws {
    let dataset = try blobDataset()
    let network = try tinyNetwork(mode: .endToEnd(.implicit), encoderSlope: AutoencoderConfiguration.paperEncoderSlope)
    network.training.epochs = 1
    try network.train(on: dataset)
    let labels = Set(dataset.labels.compactMap { $0 })
    #expect(labels.count >= 2)
    for label in labels { try dataset.setConditionName("condition é\(label)", label: label) }
    for run in 0..<dataset.runCount { try dataset.setRunName(run == 1 ? nil : "/data/run_\(run).tif", run: run) }
    #expect(throws: SparseVARError.self) { try dataset.setConditionName("condition é\(labels.min()!)", label: 99) }
    #expect(throws: SparseVARError.self) { try dataset.setRunName(String(repeating: "x", count: 5000), run: 0) }
    try network.analyze(dataset)
    #expect(network.runs[0].name == "/data/run_0.tif" && network.runs[1].name == nil)
    let loaded = try SparseVARNetwork(serialized: try network.serialized())
    #expect(loaded.runs.map(\.name) == network.runs.map(\.name))
    #expect(loaded.conditionNames == network.conditionNames && loaded.conditionNames.count == labels.count)
    #expect(loaded.conditionName(labels.min()!) == "condition é\(labels.min()!)")
    #expect(loaded.conditionName(77) == "group 77")
    let old = try SparseVARNetwork(serialized: try network.serialized(formatVersion: 2))
    #expect(old.runs.allSatisfy { $0.name == nil } && old.conditionNames.isEmpty)
    #expect(old.runs.map(\.model) == network.runs.map(\.model))
  }

  /// The file's centring flag is the series-mean intercept: a model whose runs were analysed
  /// with another intercept than its own, or with the column intercept, is not saved.
  @Test func onlyTheNetworksInterceptsAreSaved() throws {
    let network = try trainedNetwork()
    let loaded = try SparseVARNetwork(serialized: try network.serialized())
    #expect(loaded.training.varOptions.intercept == .seriesMean)
    #expect(loaded.runs.map(\.model.intercept) == network.runs.map(\.model.intercept))
    network.training.varOptions.intercept = .none
    #expect(throws: SparseVARError.self) { try network.serialized() }
    network.training.varOptions.intercept = .columns
    #expect(throws: SparseVARError.self) { try network.serialized() }
  }

  @Test func versionOneFilesReadAsUncentredModels() throws {
    let network = try trainedNetwork(intercept: .none, encoderSlope: AutoencoderConfiguration.paperEncoderSlope)
    let old = try network.serialized(formatVersion: 1)
    #expect(old[8] == 1)
    let loaded = try SparseVARNetwork(serialized: old)
    #expect(loaded.training == network.training)
    #expect(loaded.runs.map(\.model) == network.runs.map(\.model))
    #expect(loaded.runs.allSatisfy { $0.latentMean.allSatisfy { $0 == 0 } })
    #expect(try loaded.serialized() == network.serialized())
    #expect(throws: SparseVARError.self) { try trainedNetwork().serialized(formatVersion: 1) }
  }

  @Test func encoderSlopeRoundTripsAndOlderFormatsReadThePapersSlope() throws {
    let dataset = try blobDataset()
    let frames = try dataset.frames(run: 0)
    let count = try dataset.frameCount(run: 0)
    let linear = try trainedNetwork()
    #expect(linear.network.configuration.encoderSlope == 1)
    let loaded = try SparseVARNetwork(serialized: try linear.serialized())
    #expect(loaded.network.configuration == linear.network.configuration)
    #expect(try loaded.encodeLatents(frames, count: count) == linear.encodeLatents(frames, count: count))
    // Formats 1-3 hold no slope: a model with another slope is refused, and their files read as 0.01.
    #expect(throws: SparseVARError.self) { try linear.serialized(formatVersion: 3) }
    let paper = try trainedNetwork(encoderSlope: AutoencoderConfiguration.paperEncoderSlope)
    #expect(try paper.encodeLatents(frames, count: count) != linear.encodeLatents(frames, count: count))
    let old = try SparseVARNetwork(serialized: try paper.serialized(formatVersion: 3))
    #expect(old.network.configuration == paper.network.configuration)
    #expect(try old.encodeLatents(frames, count: count) == paper.encodeLatents(frames, count: count))
    // A slope outside [0, 1] in a file (checksum recomputed) is refused.
    var bytes = try paper.serialized()
    let offset = 20 + 3 * 8 + 2 + 8  // header; depth, channels, latent channels; two flags; seed
    #expect(Double(bitPattern: bytes[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) }) == 0.01)
    for (i, byte) in (0..<8).map({ UInt8(truncatingIfNeeded: (2.0).bitPattern >> (8 * UInt64($0))) }).enumerated() {
      bytes[offset + i] = byte
    }
    var hash = ByteWriter()
    hash.uint64(fnv1a(Array(bytes[20..<bytes.count - 8])))
    bytes.replaceSubrange(bytes.count - 8..<bytes.count, with: hash.bytes)
    #expect(throws: SparseVARError.self) { try SparseVARNetwork(serialized: bytes) }
  }
}
