//===--- Autoencoder.swift ------------------------------------------------===//
//
// The convolutional autoencoder of DESIGN §2:
//
//   encoder: depth x [3x3 conv (channels) -> leaky ReLU -> batch norm -> 2x2 max pool], then a
//            1x1 conv to latentChannels:  x [N, 1, H, W] -> z [N, latentChannels, H/2^d, W/2^d]
//   decoder: 1x1 conv latentChannels -> channels, then depth x [2x2 max unpool (indices of the
//            matching encoder pool, same frame) -> 3x3 conv -> batch norm -> leaky ReLU]; the
//            last block's conv maps to one channel and, by default, is a plain linear conv (no
//            batch norm, no activation) so that the residual d can take any sign
//            (`literalLastBlock` keeps the paper's block there too).
//
// The skip connection (mean frame xbar) is applied by the caller (Model/Training.swift): the
// encoder sees x - xbar and xhat = (d + 1) xbar. Each layer caches what its backward pass needs,
// so one forward/backward pair runs at a time per autoencoder.
//
//===----------------------------------------------------------------------===//

/// Architecture of the autoencoder. Defaults follow DESIGN §2.
public struct AutoencoderConfiguration: Sendable, Equatable {
  /// Number of encoder (and decoder) blocks, >= 1; H and W must be divisible by 2^depth.
  public var depth: Int = 3
  /// Channels of the hidden convolutions, >= 1.
  public var channels: Int = 32
  /// Channels of the latent map, >= 1.
  public var latentChannels: Int = 1
  /// Subtract the mean frame before encoding and multiply it back after decoding.
  public var skipConnection: Bool = true
  /// Keep batch norm and leaky ReLU in the last decoder block (the paper's literal block).
  public var literalLastBlock: Bool = false
  /// Seed of the weight initialisation.
  public var seed: UInt64 = 0

  public init() {}

  func validate(height: Int, width: Int) throws {
    guard depth >= 1, depth <= 8, channels >= 1, latentChannels >= 1 else {
      throw SparseVARError.invalidArgument(
        "depth must be in 1...8 and channels, latent channels >= 1 (got depth \(depth), "
          + "channels \(channels), latent channels \(latentChannels))")
    }
    let factor = 1 << depth
    guard height >= factor, width >= factor, height % factor == 0, width % factor == 0 else {
      throw SparseVARError.shape(
        "frames of \(height) x \(width) cannot be pooled \(depth) times: height and width must "
          + "be multiples of 2^depth = \(factor)")
    }
  }
}

extension AutoencoderConfiguration {
  /// Trainable values of the network (weights and biases of every convolution, batch norm scale
  /// and shift); `.shape` when the count overflows.
  public func parameterCount() throws -> Int {
    let what = "a network of \(channels) channels and \(latentChannels) latent channels"
    let c = channels
    let hidden = try checkedSum(try checkedProduct(9, c, c, what: what), c, what: what)  // 3x3 conv c -> c
    let norm = try checkedProduct(2, c, what: what)
    let blocks = try checkedSum(
      try checkedProduct(10, c, what: what), norm,  // first encoder block, 1 -> c
      try checkedProduct(depth - 1, try checkedSum(hidden, norm, what: what), what: what),  // other encoder blocks
      try checkedProduct(depth - 1, try checkedSum(hidden, norm, what: what), what: what),  // decoder blocks c -> c
      try checkedProduct(9, c, what: what), 3,  // last decoder block, c -> 1
      what: what)
    let latent = try checkedProduct(2, c, latentChannels, what: what)  // 1x1 convs c <-> latent
    return try checkedSum(blocks, latent, c, latentChannels, what: what)
  }

  /// Floats one forward and backward pass over `frames` frames of `height` x `width` pixels
  /// holds at most, an upper estimate for the memory check that refuses sizes which cannot be
  /// allocated (before an array allocation would abort): per frame and hidden channel 16 values
  /// per pixel (each layer's output, its cached input and its gradient, over the levels, whose
  /// planes shrink by 4), per frame a weight gradient of a 3x3 convolution, and the patches of a
  /// 3x3 convolution per worker (`threads`, 0 = all cores; at most one per frame).
  public func stepValues(height: Int, width: Int, frames: Int, threads: Int) throws -> Int {
    let what = "a training step on \(frames) frames of \(height) x \(width) pixels with \(channels) channels"
    let pixels = try checkedProduct(height, width, what: what)
    let activations = try checkedProduct(16, frames, channels, pixels, what: what)
    let latent = try checkedProduct(4, frames, latentChannels, pixels, what: what)
    let weightGradients = try checkedProduct(frames, 9, channels, channels, what: what)
    let workers = max(1, min(threads <= 0 ? availableCores : threads, frames))
    let patches = try checkedProduct(2, workers, 9, channels, pixels, what: what)
    return try checkedSum(activations, latent, weightGradients, patches, what: what)
  }
}

/// One encoder block.
final class EncoderBlock<Scalar: NetworkScalar> {
  let conv: Conv2D<Scalar>
  let activation = LeakyReLU<Scalar>()
  let norm: BatchNorm2D<Scalar>
  let pool = MaxPool2x2<Scalar>()

  init<G: RandomNumberGenerator>(inputChannels: Int, channels: Int, generator: inout G) throws {
    conv = try Conv2D(inputChannels: inputChannels, outputChannels: channels, generator: &generator)
    norm = try BatchNorm2D(channels: channels)
  }

  func forward(_ x: Tensor<Scalar>, training: Bool) throws -> (Tensor<Scalar>, PoolingIndices) {
    let h = try norm.forward(try activation.forward(try conv.forward(x, training: training), training: training), training: training)
    return try pool.forward(h, training: training)
  }

  func backward(_ g: Tensor<Scalar>) throws -> Tensor<Scalar> {
    try conv.backward(try activation.backward(try norm.backward(try pool.backward(g))))
  }

  var parameters: [Parameter<Scalar>] { conv.parameters + norm.parameters }
}

/// One decoder block; `plain` = a linear conv only (the default last block).
final class DecoderBlock<Scalar: NetworkScalar> {
  let unpool = MaxUnpool2x2<Scalar>()
  let conv: Conv2D<Scalar>
  let norm: BatchNorm2D<Scalar>?
  let activation: LeakyReLU<Scalar>?

  init<G: RandomNumberGenerator>(
    inputChannels: Int, outputChannels: Int, plain: Bool, generator: inout G
  ) throws {
    conv = try Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, generator: &generator)
    norm = plain ? nil : try BatchNorm2D(channels: outputChannels)
    activation = plain ? nil : LeakyReLU()
  }

  func forward(_ x: Tensor<Scalar>, indices: PoolingIndices, training: Bool) throws -> Tensor<Scalar> {
    var h = try conv.forward(try unpool.forward(x, indices: indices, training: training), training: training)
    if let norm { h = try norm.forward(h, training: training) }
    if let activation { h = try activation.forward(h, training: training) }
    return h
  }

  func backward(_ g: Tensor<Scalar>) throws -> Tensor<Scalar> {
    var g = g
    if let activation { g = try activation.backward(g) }
    if let norm { g = try norm.backward(g) }
    return try unpool.backward(try conv.backward(g))
  }

  var parameters: [Parameter<Scalar>] { conv.parameters + (norm?.parameters ?? []) }
}

/// The encoder and decoder, for frames of `height` x `width` pixels.
public final class ConvolutionalAutoencoder<Scalar: NetworkScalar> {
  public let configuration: AutoencoderConfiguration
  public let height: Int
  public let width: Int
  let encoderBlocks: [EncoderBlock<Scalar>]
  let encoderOutput: Conv2D<Scalar>
  let decoderInput: Conv2D<Scalar>
  let decoderBlocks: [DecoderBlock<Scalar>]

  /// Builds the network with weights initialised from `configuration.seed`.
  public init(configuration: AutoencoderConfiguration, height: Int, width: Int) throws {
    try configuration.validate(height: height, width: width)
    // Weights, their gradients and Adam's two moments.
    try reserveMemory(
      try checkedProduct(4, try configuration.parameterCount(), what: "the network's parameters"), of: Scalar.self,
      what: "a network of \(configuration.channels) channels and \(configuration.latentChannels) latent channels")
    self.configuration = configuration
    self.height = height
    self.width = width
    var generator = SplitMix64(seed: configuration.seed)
    let c = configuration.channels
    var encoder: [EncoderBlock<Scalar>] = []
    for level in 0..<configuration.depth {
      encoder.append(try EncoderBlock(inputChannels: level == 0 ? 1 : c, channels: c, generator: &generator))
    }
    encoderBlocks = encoder
    encoderOutput = try Conv2D(
      inputChannels: c, outputChannels: configuration.latentChannels, kernelSize: 1, generator: &generator)
    decoderInput = try Conv2D(
      inputChannels: configuration.latentChannels, outputChannels: c, kernelSize: 1, generator: &generator)
    var decoder: [DecoderBlock<Scalar>] = []
    for level in 0..<configuration.depth {
      let last = level == configuration.depth - 1
      decoder.append(
        try DecoderBlock(
          inputChannels: c, outputChannels: last ? 1 : c,
          plain: last && !configuration.literalLastBlock, generator: &generator))
    }
    decoderBlocks = decoder
  }

  /// Latent map shape (channels, height, width) and its size K.
  public var latentShape: (channels: Int, height: Int, width: Int) {
    (configuration.latentChannels, height >> configuration.depth, width >> configuration.depth)
  }
  public var latentSize: Int {
    let s = latentShape
    return s.channels * s.height * s.width
  }

  /// All trainable parameters, encoder first, in a fixed order (used by Adam and persistence).
  public var parameters: [Parameter<Scalar>] {
    encoderBlocks.flatMap(\.parameters) + encoderOutput.parameters + decoderInput.parameters
      + decoderBlocks.flatMap(\.parameters)
  }

  /// Batch norm layers in a fixed order (their running statistics are part of the model).
  var batchNorms: [BatchNorm2D<Scalar>] {
    encoderBlocks.map(\.norm) + decoderBlocks.compactMap(\.norm)
  }

  /// Encodes [N, 1, H, W] to the latent map [N, latentChannels, h, w] and the pooling indices of
  /// each level (level 0 = full resolution).
  public func encode(_ x: Tensor<Scalar>, training: Bool) throws -> (latent: Tensor<Scalar>, indices: [PoolingIndices]) {
    var h = x
    var indices: [PoolingIndices] = []
    for block in encoderBlocks {
      let (pooled, index) = try block.forward(h, training: training)
      h = pooled
      indices.append(index)
    }
    return (try encoderOutput.forward(h, training: training), indices)
  }

  /// Decodes latents [N, latentChannels, h, w] with the pooling indices of the same N frames to
  /// the residual d [N, 1, H, W].
  public func decode(_ z: Tensor<Scalar>, indices: [PoolingIndices], training: Bool) throws -> Tensor<Scalar> {
    guard indices.count == decoderBlocks.count else {
      throw SparseVARError.shape("decoding needs \(decoderBlocks.count) levels of pooling indices, got \(indices.count)")
    }
    var h = try decoderInput.forward(z, training: training)
    for (block, index) in zip(decoderBlocks, indices.reversed()) {
      h = try block.forward(h, indices: index, training: training)
    }
    return h
  }

  /// Back-propagates dL/dd through the last `decode`, accumulating parameter gradients, and
  /// returns dL/dz.
  public func backwardDecode(_ gradient: Tensor<Scalar>) throws -> Tensor<Scalar> {
    var g = gradient
    for block in decoderBlocks.reversed() { g = try block.backward(g) }
    return try decoderInput.backward(g)
  }

  /// Back-propagates dL/dz through the last `encode`, accumulating parameter gradients.
  public func backwardEncode(_ gradient: Tensor<Scalar>) throws {
    var g = try encoderOutput.backward(gradient)
    for block in encoderBlocks.reversed() { g = try block.backward(g) }
  }

  /// Sets every parameter gradient to zero.
  public func zeroGradients() { for p in parameters { p.zeroGradient() } }
}

extension PoolingIndices {
  /// The indices of frames `range` of the batch.
  func frames(_ range: Range<Int>) -> PoolingIndices {
    let perFrame = shape[1] * shape[2] * shape[3]
    return PoolingIndices(
      validShape: [range.count, shape[1], shape[2], shape[3]],
      storage: Array(storage[(range.lowerBound * perFrame)..<(range.upperBound * perFrame)]))
  }
}
