import Glibc
import Testing
@testable import SparseVAR

@Suite struct PersistenceTests {
  func trainedNetwork(centerLatents: Bool = true) throws -> SparseVARNetwork {
    let dataset = try blobDataset()
    let network = try tinyNetwork(mode: .endToEnd(.implicit))
    network.training.epochs = 1
    network.training.centerLatents = centerLatents
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
    future[8] = 4
    do {
      _ = try SparseVARNetwork(serialized: future)
      Issue.record("a future version was accepted")
    } catch let error as SparseVARError {
      #expect(error.message.contains("version 4"))
    }
    #expect(throws: SparseVARError.self) { try SparseVARNetwork.load(from: "/nonexistent/model.svnet") }
  }

  @Test func runAndConditionNamesRoundTripAndOlderFormatsHaveNone() throws {
    let dataset = try blobDataset()
    let network = try tinyNetwork(mode: .endToEnd(.implicit))
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

  @Test func versionOneFilesReadAsUncentredModels() throws {
    let network = try trainedNetwork(centerLatents: false)
    let old = try network.serialized(formatVersion: 1)
    #expect(old[8] == 1)
    let loaded = try SparseVARNetwork(serialized: old)
    #expect(loaded.training == network.training)
    #expect(loaded.runs.map(\.model) == network.runs.map(\.model))
    #expect(loaded.runs.allSatisfy { $0.latentMean.allSatisfy { $0 == 0 } })
    #expect(try loaded.serialized() == network.serialized())
    #expect(throws: SparseVARError.self) { try trainedNetwork().serialized(formatVersion: 1) }
  }
}
