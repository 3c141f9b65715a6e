import Testing

@testable import SparseVAR

/// The automatic depth: the largest latent grid with K <= shortest run / 25, else the deepest.
@Test func automaticDepthFollowsTheRunLengths() throws {
  // The small synthetic preset: 96 x 64 frames, runs of 150-300 frames: 3 x 2 = 6 latent values.
  #expect(try Recipe.depth(height: 96, width: 64, latentChannels: 1, shortestRun: 150).depth == 5)
  // Runs four times as long allow four times the latent values: 6 x 4 = 24 at depth 4.
  #expect(try Recipe.depth(height: 96, width: 64, latentChannels: 1, shortestRun: 600).depth == 4)
  // Two latent channels halve the grid.
  #expect(try Recipe.depth(height: 96, width: 64, latentChannels: 2, shortestRun: 600).depth == 5)
  // Short runs: the deepest depth the frame allows (48 = 3 x 16: depth 4), said in the sentence.
  let short = try Recipe.depth(height: 48, width: 32, latentChannels: 1, shortestRun: 60)
  #expect(short.depth == 4 && short.explanation.contains("smallest latent grid"))
  // Very long runs: depth 1 at most (never 0).
  #expect(try Recipe.depth(height: 16, width: 16, latentChannels: 1, shortestRun: 1_000_000).depth == 1)
  // Odd frames cannot be pooled at all.
  #expect(throws: SparseVARError.self) { try Recipe.depth(height: 15, width: 16, latentChannels: 1, shortestRun: 100) }
  // Huge channel counts do not overflow.
  #expect(try Recipe.depth(height: 64, width: 64, latentChannels: Int.max, shortestRun: 100).depth == 6)
}

@Test func resolvingKeepsAnExplicitDepthAndResolvesAnAutomaticOne() throws {
  let dataset = try blobDataset()  // 4 runs of 48 frames, 16 x 16
  var configuration = AutoencoderConfiguration()
  configuration.depth = 2
  let kept = try Recipe.resolve(configuration, for: dataset)
  #expect(kept.configuration.depth == 2 && kept.explanation == nil)
  configuration.depth = AutoencoderConfiguration.automaticDepth
  let chosen = try Recipe.resolve(configuration, for: dataset)
  // 48 / 25 = 1 value: 16 x 16 frames pooled 4 times.
  #expect(chosen.configuration.depth == 4 && chosen.explanation?.contains("depth 4") == true)
  #expect(throws: SparseVARError.self) { try SparseVARNetwork(configuration: configuration, height: 16, width: 16) }
}

/// The estimator's lifecycle: settings change freely until the first trained window; reads never
/// build; the architecture is fixed afterwards; an automatic depth is chosen by the dataset.
@Test func estimatorLifecycle() throws {
  let dataset = try blobDataset()  // 4 runs of 48 frames, 16 x 16
  var settings = SparseVARNetworkSettings()
  settings.architecture.channels = 4
  settings.training.varOptions.lag = 2
  settings.training.window = 24
  settings.training.epochs = 1
  let estimator = SparseVARAutoencoder(height: 16, width: 16, settings: settings)
  #expect(throws: SparseVARError.self) { try estimator.trainedNetwork() }
  #expect(throws: SparseVARError.self) { try estimator.builtNetwork() }  // automatic depth, no dataset
  #expect(estimator.network == nil && !estimator.isTrained)
  settings.architecture.channels = 3
  try estimator.update(settings)  // before training: any change
  // A training that trains nothing (window shorter than lag + 2) leaves the depth automatic.
  var bad = settings
  bad.training.window = 3
  try estimator.update(bad)
  #expect(throws: SparseVARError.self) { try estimator.train(on: dataset) }
  #expect(estimator.network == nil && !estimator.isTrained)
  try estimator.update(settings)
  try estimator.train(on: dataset)
  #expect(estimator.isTrained)
  let network = try estimator.trainedNetwork()
  #expect(network.network.configuration.depth == 4 && network.network.configuration.channels == 3)
  #expect(network.recipe?.contains("depth 4") == true)
  #expect(throws: SparseVARError.self) { try estimator.analysedNetwork() }
  // The architecture is fixed now; other settings still change, and reach the network.
  settings.architecture.channels = 5
  #expect(throws: SparseVARError.self) { try estimator.update(settings) }
  settings.architecture.channels = 3
  settings.training.learningRate = 1e-4
  try estimator.update(settings)
  #expect(network.training.learningRate == 1e-4 && estimator.settings.architecture.depth == 0)
}
