import Glibc
import Testing
@testable import SparseVAR

/// Four runs of 16 x 16 frames: four Gaussian blobs whose brightness follows a VAR(1), coupled
/// differently in the two groups, on a static background.
func blobDataset(seed: UInt64 = 51) throws -> FrameDataset {
  var rng = TestRandom(seed: seed)
  let dataset = try FrameDataset(height: 16, width: 16)
  let centres = [(4.0, 4.0), (4.0, 11.0), (11.0, 4.0), (11.0, 11.0)]
  for run in 0..<4 {
    let coupling = run < 2 ? 0.5 : -0.5
    var activity = [0.0, 0.0, 0.0, 0.0]
    var frames: [Float] = []
    for _ in 0..<48 {
      let previous = activity
      for b in 0..<4 { activity[b] = 0.6 * previous[b] + 0.3 * rng.normal() }
      activity[1] += coupling * previous[0]
      for y in 0..<16 {
        for x in 0..<16 {
          var v = 0.2 + 0.01 * Double(x)
          for (b, c) in centres.enumerated() {
            let r2 = (Double(y) - c.0) * (Double(y) - c.0) + (Double(x) - c.1) * (Double(x) - c.1)
            v += (0.5 + 0.2 * activity[b]) * exp(-r2 / 6)
          }
          frames.append(Float(v))
        }
      }
    }
    try dataset.addRun(frames, count: 48, label: run < 2 ? 1 : 2)
  }
  return dataset
}

func tinyNetwork(mode: TrainingMode, encoderSlope: Double = AutoencoderConfiguration().encoderSlope) throws
  -> SparseVARNetwork
{
  var configuration = AutoencoderConfiguration()
  configuration.encoderSlope = encoderSlope
  configuration.depth = 2
  configuration.channels = 4
  configuration.seed = 3
  var training = TrainingOptions()
  training.mode = mode
  training.varOptions.lag = 2
  training.varOptions.lambda = 0.05
  training.window = 24
  training.epochs = 4
  training.learningRate = 3e-3
  return try SparseVARNetwork(configuration: configuration, height: 16, width: 16, training: training)
}

@Suite struct ModelTrainingTests {
  @Test(arguments: [TrainingMode.sequential, .embedded, .endToEnd(.implicit), .endToEnd(.unrolled)])
  func trainingIsDeterministicAndLearns(mode: TrainingMode) throws {
    let dataset = try blobDataset()
    let first = try tinyNetwork(mode: mode)
    let losses = try first.train(on: dataset)
    let second = try tinyNetwork(mode: mode)
    #expect(try second.train(on: dataset) == losses)
    #expect(first.network.parameters.map(\.value) == second.network.parameters.map(\.value))
    #expect(losses.allSatisfy { $0.isFinite })
    #expect(losses.last! < losses.first!, "losses \(losses)")
    #expect(first.epochsCompleted == 4)
  }

  @Test func analysisTestsAndMaps() throws {
    let dataset = try blobDataset()
    let network = try tinyNetwork(mode: .endToEnd(.implicit))
    try network.train(on: dataset)
    let runs = try network.analyze(dataset)
    #expect(runs.count == 4)
    for run in runs {
      #expect(run.latents.length == 48 && run.latents.dimension == 16)
      #expect(run.reconstructionError.isFinite && run.reconstructionError >= 0)
      #expect(run.relativeError.isFinite && run.relativeError >= 0)
    }
    let swap = try network.swapTest(1, 2, options: .init(permutations: 0))
    #expect(swap.result.nInter == 8 && swap.result.nIntra == 4)
    #expect(swap.result.rankSumPValue >= 0 && swap.result.rankSumPValue <= 1)
    #expect(swap.result.pValue.isNaN && swap.result.smallestPValue.isNaN)  // no permutations asked for
    // 2 + 2 runs: 3 distinct splits, so no outcome gives p below 1/3.
    let permuted = try network.swapTest(1, 2)
    #expect(permuted.result.permutationExact && permuted.result.smallestPValue == 1.0 / 3)
    #expect(permuted.result.pValue >= 1.0 / 3 && permuted.result.pValue <= 1)
    for readout in MapReadout.allCases {
      let map = try network.contributionMap(run: 0, gain: 2, readout: readout)
      #expect(map.count == 256 && map.allSatisfy { $0.isFinite })
      let difference = try network.differenceMap(1, 2, readout: readout)
      let groupA = try network.groupMap(1, readout: readout)
      let groupB = try network.groupMap(2, readout: readout)
      for i in 0..<256 { #expect(abs(difference[i] - (groupA[i] - groupB[i])) < 1e-6) }
    }
    // The latent-grid read-out: pixel p gets gain * c[cell(p)] * w[p], w the runs' mean relative
    // temporal standard deviation; the same weights for every run.
    let shape = network.network.latentShape
    let side = 16 / shape.height
    var weight = [Double](repeating: 0, count: 256)
    for run in network.runs {
      let image = run.deviationImage.map(Double.init)
      let average = image.reduce(0, +) / 256
      for p in 0..<256 { weight[p] += image[p] / average / Double(network.runs.count) }
    }
    let map = try network.contributionMap(run: 3, gain: 2)
    let influence = network.runs[3].model.influence
    for p in 0..<256 {
      let cell = (p / 16 / side) * shape.width + (p % 16) / side
      let expected = 2 * influence[cell] * weight[p]
      #expect(abs(Double(map[p]) - expected) <= 1e-5 * max(1, abs(expected)))
    }
  }

  /// With the series-mean intercept, a run's VAR is the plain sparse VAR of its latents minus
  /// their temporal mean, its forecasts add the mean back, and the swap test forecasts each run
  /// around its own mean; without intercept, the mean is zero and the VAR is fitted to the raw
  /// latents.
  @Test(arguments: [true, false]) func analysisCentresEachRunsLatents(center: Bool) throws {
    let dataset = try blobDataset()
    let network = try tinyNetwork(mode: .embedded)
    network.training.varOptions.intercept = center ? .seriesMean : .none
    try network.train(on: dataset)
    for run in try network.analyze(dataset) {
      let z = run.latents
      let k = z.dimension
      var mean = [Double](repeating: 0, count: k)
      for t in 0..<z.length { for l in 0..<k { mean[l] += z.values[t * k + l] / Double(z.length) } }
      if !center { mean = [Double](repeating: 0, count: k) }
      for l in 0..<k { #expect(abs(run.latentMean[l] - mean[l]) <= 1e-9 * (1 + abs(mean[l]))) }
      let centered = try Series(length: z.length, dimension: k, values: z.values.enumerated().map { $0.element - run.latentMean[$0.offset % k] })
      var plainOptions = network.training.varOptions
      plainOptions.intercept = .none
      let plainModel = try SparseVARModel.fit(centered, options: plainOptions)
      #expect(run.model.coefficients == plainModel.coefficients && run.model.sigma == plainModel.sigma)
      let plain = try plainModel.forecast(centered)
      let forecast = try run.forecast()
      for i in forecast.indices { #expect(abs(forecast[i] - (plain[i] + run.latentMean[i % k])) <= 1e-12 * (1 + abs(forecast[i]))) }
      #expect(try run.fittedRun.series == z)
      #expect(abs(try run.model.predictionError(z) - plainModel.predictionError(centered)) <= 1e-12)
      if center {
        // R_var is measured on the raw latents, the centred forecast plus the mean.
        let p = run.model.lag
        var total = 0.0
        for t in p..<z.length {
          var error = 0.0, norm = 0.0
          for l in 0..<k {
            let d = z.values[t * k + l] - forecast[(t - p) * k + l]
            error += d * d
            norm += z.values[t * k + l] * z.values[t * k + l]
          }
          total += error / norm
        }
        #expect(abs(run.relativeError - total / Double(z.length - p)) <= 1e-12)
      }
    }
  }

  /// The series-mean intercept centres the training windows' VARs too (their gradient is checked in
  /// ModelGradientTests): with a VAR in training, the same network trains differently; in the
  /// sequential mode, which has none, identically.
  @Test(arguments: [TrainingMode.endToEnd(.implicit), .embedded, .sequential])
  func centringReachesTheTrainingWindows(mode: TrainingMode) throws {
    let dataset = try blobDataset()
    var histories: [[Double]] = []
    for center in [true, false] {
      let network = try tinyNetwork(mode: mode)
      network.training.varOptions.intercept = center ? .seriesMean : .none
      histories.append(try network.train(on: dataset))
    }
    #expect((histories[0] == histories[1]) == (mode == .sequential))
  }

  @Test func cancellationStopsTraining() throws {
    let dataset = try blobDataset()
    let network = try tinyNetwork(mode: .embedded)
    var calls = 0
    #expect(throws: SparseVARError.self) {
      try network.train(on: dataset) { progress in
        calls += 1
        return progress.window < 1
      }
    }
    #expect(calls == 2)
    #expect(network.epochsCompleted == 0)
  }

  @Test func rejectsMismatchedDataset() throws {
    let dataset = try FrameDataset(height: 12, width: 12)
    let network = try tinyNetwork(mode: .sequential)
    #expect(throws: SparseVARError.self) { try network.train(on: dataset) }
    #expect(throws: SparseVARError.self) {
      try SparseVARNetwork(configuration: AutoencoderConfiguration(), height: 20, width: 16)
    }
  }
}
