import Glibc
import Testing
@testable import SparseVAR

/// The gradient of the whole model's loss, checked against finite differences in Double on a tiny
/// model, in every training mode and both lasso-gradient modes, with the window's latents
/// centred before its VAR or not.
@Suite struct ModelGradientTests {
  static let modes: [TrainingMode] = [.sequential, .embedded, .endToEnd(.unrolled), .endToEnd(.implicit)]

  func tinyModel(skip: Bool) throws -> ConvolutionalAutoencoder<Double> {
    var configuration = AutoencoderConfiguration()
    configuration.depth = 2
    configuration.channels = 3
    configuration.latentChannels = 1
    configuration.skipConnection = skip
    configuration.seed = 7
    return try ConvolutionalAutoencoder(configuration: configuration, height: 8, width: 8)
  }

  /// Smooth random frames [T, 1, 8, 8] in [0, 1], with a mean frame.
  func frames(_ rng: inout TestRandom, count: Int) throws -> (Tensor<Double>, [Double]) {
    var values = [Double](repeating: 0, count: count * 64)
    for i in values.indices {
      let phase: Double = Double(i % 64) * 0.7 + Double(i / 64) * 0.3
      values[i] = 0.5 + 0.4 * sin(phase) * rng.uniform()
    }
    var mean = [Double](repeating: 0, count: 64)
    for f in 0..<count { for i in 0..<64 { mean[i] += values[f * 64 + i] / Double(count) } }
    return (try Tensor(shape: [count, 1, 8, 8], storage: values), mean)
  }

  func varOptions() -> SparseVAROptions {
    var o = SparseVAROptions()
    o.lag = 2
    o.lambda = 0.02
    o.threads = 1
    return o
  }

  @Test(arguments: modes)
  func lossGradientMatchesFiniteDifferences(mode: TrainingMode) throws {
    for (skip, intercept) in [(true, VARIntercept.none), (false, .none), (true, .seriesMean), (false, .seriesMean)] {
      var options = varOptions()
      options.intercept = intercept
      var rng = TestRandom(seed: 41)
      let model = try tinyModel(skip: skip)
      let (x, mean) = try frames(&rng, count: 14)
      model.zeroGradients()
      let (_, fitted) = try model.trainingStep(
        window: x, meanFrame: mean, mode: mode, var: options)
      // In the embedded mode the coefficients are constants of the backward pass: the loss to
      // differentiate numerically is the one with the coefficients held at their fitted values.
      let fixed = mode == .embedded ? fitted : nil
      func loss() throws -> Double {
        try model.trainingStep(
          window: x, meanFrame: mean, mode: mode, var: options, fixedVAR: fixed
        ).loss
      }
      // The loss evaluations below accumulate gradients too: keep the first pass's.
      let gradients = model.parameters.map(\.gradient)
      let h = 1e-6
      var checked = 0
      for (parameter, gradient) in zip(model.parameters, gradients) {
        for _ in 0..<2 {
          let i = Int(rng.next() % UInt64(parameter.value.count))
          let analytic = gradient[i]
          let saved = parameter.value[i]
          parameter.value[i] = saved + h
          let up = try loss()
          parameter.value[i] = saved - h
          let down = try loss()
          parameter.value[i] = saved
          let numeric = (up - down) / (2 * h)
          #expect(
            abs(analytic - numeric) <= 1e-5 * max(1e-3, abs(numeric)),
            "\(mode), skip \(skip), intercept \(intercept), \(parameter.name)[\(i)]: analytic \(analytic), numeric \(numeric)")
          checked += 1
        }
      }
      #expect(checked >= 20)
    }
  }
}
