import Testing
@testable import SparseVAR

/// The autoencoder's fused passes (arena, fused batch norm + leaky ReLU + pooling, unpooling
/// inside the convolutions, the eight-window Float kernels) against the same network run layer by
/// layer with the public layers, in Float: outputs, pooling indices and every parameter gradient.
@Suite struct FusedAutoencoderTests {
  func model(encoderSlope: Double, channels: Int) throws -> ConvolutionalAutoencoder<Float> {
    var configuration = AutoencoderConfiguration()
    configuration.encoderSlope = encoderSlope
    configuration.depth = 2
    configuration.channels = channels
    configuration.seed = 3
    // 40 x 36 frames: pooled rows of 20 and 10 values exercise the 8-window kernels and the
    // remainder loop.
    return try ConvolutionalAutoencoder(configuration: configuration, height: 36, width: 40)
  }

  /// |a - b| <= tolerance * max(max |b|, floor) elementwise.
  func close(_ a: [Float], _ b: [Float], _ tolerance: Float, floor: Float = 1e-6) -> Bool {
    guard a.count == b.count else { return false }
    let scale = max(b.map(abs).max() ?? 0, floor)
    return zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * scale }
  }

  /// Both encoder slopes: the default (1, no activation) and the paper's leaky 0.01.
  @Test(arguments: [true, false], [1, AutoencoderConfiguration.paperEncoderSlope])
  func fusedPassesMatchTheLayers(training: Bool, encoderSlope: Double) throws {
    try compareWithTheLayers(training: training, encoderSlope: encoderSlope, channels: 4)
  }

  /// Eight channels: the fused passes run the 8 -> 8 convolutions by Winograd F(4x4, 3x3), the
  /// layers by direct products.
  @Test(arguments: [true, false])
  func winogradConvolutionsMatchTheLayers(training: Bool) throws {
    try compareWithTheLayers(training: training, encoderSlope: 1, channels: 8)
  }

  func compareWithTheLayers(training: Bool, encoderSlope: Double, channels: Int) throws {
    var rng = TestRandom(seed: 17)
    let fused = try model(encoderSlope: encoderSlope, channels: channels)
    let reference = try model(encoderSlope: encoderSlope, channels: channels)
    fused.threads = 2
    let frames = 3
    let x = try Tensor<Float>(
      shape: [frames, 1, 36, 40], storage: (0..<(frames * 36 * 40)).map { _ in Float(rng.normal()) })
    let r = try Tensor<Float>(
      shape: [frames, 1, 36, 40], storage: (0..<(frames * 36 * 40)).map { _ in Float(rng.normal()) })

    // Fused.
    let (latent, indices) = try fused.encode(x, training: training)
    let decoded = try fused.decode(latent, indices: indices, training: training)
    let latentGradient = try fused.backwardDecode(r)
    try fused.backwardEncode(latentGradient)

    // Layer by layer, with the reference model's parameters (equal to the fused model's).
    var activations: [LeakyReLU<Float>] = []
    var pools: [MaxPool2x2<Float>] = []
    var h = x
    var referenceIndices: [PoolingIndices] = []
    for block in reference.encoderBlocks {
      let activation = LeakyReLU<Float>(slope: Float(encoderSlope))
      let pool = MaxPool2x2<Float>()
      let (pooled, index) = try pool.forward(
        try block.norm.forward(
          try activation.forward(try block.conv.forward(h, training: training), training: training),
          training: training), training: training)
      activations.append(activation)
      pools.append(pool)
      referenceIndices.append(index)
      h = pooled
    }
    let referenceLatent = try reference.encoderOutput.forward(h, training: training)
    var unpools: [MaxUnpool2x2<Float>] = []
    var decoderActivations: [LeakyReLU<Float>?] = []
    h = try reference.decoderInput.forward(referenceLatent, training: training)
    for (block, index) in zip(reference.decoderBlocks, referenceIndices.reversed()) {
      let unpool = MaxUnpool2x2<Float>()
      unpools.append(unpool)
      h = try block.conv.forward(try unpool.forward(h, indices: index, training: training), training: training)
      if let norm = block.norm {
        let activation = LeakyReLU<Float>()
        h = try activation.forward(try norm.forward(h, training: training), training: training)
        decoderActivations.append(activation)
      } else {
        decoderActivations.append(nil)
      }
    }
    #expect(indices == referenceIndices)
    #expect(close(latent.storage, referenceLatent.storage, 1e-4))
    #expect(close(decoded.storage, h.storage, 1e-4))

    var g = r
    for (j, block) in reference.decoderBlocks.enumerated().reversed() {
      if let activation = decoderActivations[j], let norm = block.norm {
        g = try norm.backward(try activation.backward(g))
      }
      g = try unpools[j].backward(try block.conv.backward(g))
    }
    g = try reference.decoderInput.backward(g)
    #expect(close(latentGradient.storage, g.storage, 1e-3))
    g = try reference.encoderOutput.backward(g)
    for (level, block) in reference.encoderBlocks.enumerated().reversed() {
      g = try block.conv.backward(
        try activations[level].backward(try block.norm.backward(try pools[level].backward(g))))
    }
    // The bias of a convolution followed by a batch norm in training has zero gradient in exact
    // arithmetic: rounding is compared against the scale of the network's gradients.
    let gradientScale = reference.parameters.map { $0.gradient.map(abs).max() ?? 0 }.max() ?? 0
    for (a, b) in zip(fused.parameters, reference.parameters) {
      #expect(close(a.gradient, b.gradient, 1e-3, floor: 1e-3 * gradientScale), "\(a.name) \(a.shape)")
    }
    for (a, b) in zip(fused.batchNorms, reference.batchNorms) {
      #expect(close(a.runningMean, b.runningMean, 1e-4))
      #expect(close(a.runningVariance, b.runningVariance, 1e-4))
    }
  }
}
