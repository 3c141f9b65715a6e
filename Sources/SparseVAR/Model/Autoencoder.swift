//===--- Autoencoder.swift ------------------------------------------------===//
//
// The convolutional autoencoder (docs/model.md):
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
// encoder sees x - xbar and xhat = (d + 1) xbar.
//
// The passes run on one arena of buffers per autoencoder (Network/Arena.swift), reused from one
// step to the next, with batch norm, leaky ReLU and pooling fused (Network/FusedPasses.swift) and
// unpooling done inside the decoder's convolutions image by image, and the 3x3 convolutions
// between hidden layers by Winograd F(4x4, 3x3) (Network/Winograd.swift). The arena keeps what the
// backward passes need, so one forward/backward pair runs at a time per autoencoder. The layers of
// Network/ (Conv2D, LeakyReLU, BatchNorm2D, MaxPool2x2, MaxUnpool2x2) compute the same functions
// one at a time and are the reference the fused passes are tested against.
//
//===----------------------------------------------------------------------===//

/// Architecture of the autoencoder. Defaults follow the paper (docs/method.md, docs/model.md), except
/// the depth, chosen from the training dataset by default (`Recipe`).
public struct AutoencoderConfiguration: Sendable, Equatable {
  /// Number of encoder (and decoder) blocks, 1...8; H and W must be divisible by 2^depth.
  /// `automaticDepth` (0, the default) lets `Recipe.resolve` choose it from the training dataset;
  /// the paper's is 3.
  public var depth: Int = AutoencoderConfiguration.automaticDepth
  /// Channels of the hidden convolutions, >= 1.
  public var channels: Int = 32
  /// Channels of the latent map, >= 1.
  public var latentChannels: Int = 1
  /// Subtract the mean frame before encoding and multiply it back after decoding.
  public var skipConnection: Bool = true
  /// Keep batch norm and leaky ReLU in the last decoder block (the paper's literal block).
  public var literalLastBlock: Bool = false
  /// Slope of the encoder's leaky ReLUs for negative inputs, in [0, 1]: 1 (the default) makes
  /// every encoder block convolution, batch norm and max pooling, the paper's is 0.01
  /// (`paperEncoderSlope`). The decoder keeps 0.01. Measured on the synthetic small preset:
  /// the per-run VARs on latents of a more linear encoder tell the conditions apart more often
  /// (docs/validation.md).
  public var encoderSlope: Double = 1
  /// Seed of the weight initialisation.
  public var seed: UInt64 = 0

  public init() {}

  /// The depth value that means "chosen from the training dataset" (`Recipe`).
  public static let automaticDepth = 0

  /// The paper's encoder slope (the leaky ReLU's usual 0.01).
  public static let paperEncoderSlope = 0.01

  func validate(height: Int, width: Int) throws {
    guard depth != Self.automaticDepth else {
      throw SparseVARError.invalidArgument(
        "the depth is automatic (0): resolve it for the training dataset first (Recipe.resolve)")
    }
    guard encoderSlope >= 0, encoderSlope <= 1 else {
      throw SparseVARError.invalidArgument("the encoder slope must be in [0, 1], got \(encoderSlope)")
    }
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
  /// 3x3 convolution and a group of Winograd tiles per worker (`threads`, 0 = all cores; at most
  /// one per frame).
  public func stepValues(height: Int, width: Int, frames: Int, threads: Int) throws -> Int {
    let what = "a training step on \(frames) frames of \(height) x \(width) pixels with \(channels) channels"
    let pixels = try checkedProduct(height, width, what: what)
    let activations = try checkedProduct(16, frames, channels, pixels, what: what)
    let latent = try checkedProduct(4, frames, latentChannels, pixels, what: what)
    let weightGradients = try checkedProduct(frames, 9, channels, channels, what: what)
    let workers = max(1, min(threads <= 0 ? availableCores : threads, frames))
    let patches = try checkedProduct(2, workers, 9, channels, pixels, what: what)
    let winogradTiles = try checkedProduct(
      workers, 2 * WinogradTiling.elements, channels, WinogradTiling.targetTiles, what: what)
    return try checkedSum(activations, latent, weightGradients, patches, winogradTiles, what: what)
  }
}

/// One encoder block: its convolution and batch norm hold the parameters; leaky ReLU, batch norm
/// and pooling run as one fused pass (Network/FusedPasses.swift).
final class EncoderBlock<Scalar: NetworkScalar> {
  let conv: Conv2D<Scalar>
  let norm: BatchNorm2D<Scalar>
  /// The batch norm of the last forward pass.
  var applied: AppliedNormalisation<Scalar>?

  init<G: RandomNumberGenerator>(inputChannels: Int, channels: Int, generator: inout G) throws {
    conv = try Conv2D(inputChannels: inputChannels, outputChannels: channels, generator: &generator)
    norm = try BatchNorm2D(channels: channels)
  }

  var parameters: [Parameter<Scalar>] { conv.parameters + norm.parameters }
}

/// One decoder block; `plain` = a linear conv only (the default last block). Unpooling runs
/// inside the convolution, image by image; batch norm and leaky ReLU as one fused pass.
final class DecoderBlock<Scalar: NetworkScalar> {
  let conv: Conv2D<Scalar>
  let norm: BatchNorm2D<Scalar>?
  /// The batch norm of the last forward pass.
  var applied: AppliedNormalisation<Scalar>?

  init<G: RandomNumberGenerator>(
    inputChannels: Int, outputChannels: Int, plain: Bool, generator: inout G
  ) throws {
    conv = try Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, generator: &generator)
    norm = plain ? nil : try BatchNorm2D(channels: outputChannels)
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
  /// Worker threads of every pass (0 = all cores). Results do not depend on it.
  public var threads: Int = 0
  /// Every activation, gradient and scratch buffer of the passes, reused from one step to the
  /// next (see Network/Arena.swift).
  let arena = Arena()
  /// The frames of the last encoder pass and its mode, while its backward pass can run.
  var encoded: (frames: Int, training: Bool)?
  /// The frames and pooling indices of the last decoder pass.
  var decoded: (frames: Int, indices: DecoderIndices)?

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
    try encode(x, training: training, keepingIndices: true)
  }

  /// `encode`; without `keepingIndices` the pooling indices are not built (an empty list).
  func encode(_ x: Tensor<Scalar>, training: Bool, keepingIndices: Bool) throws
    -> (latent: Tensor<Scalar>, indices: [PoolingIndices])
  {
    let n = try x.imageBatchShape(channels: 1, layer: "the encoder").batch
    guard x.shape == [n, 1, height, width] else {
      throw SparseVARError.shape("the encoder expects [N, 1, \(height), \(width)] frames, got \(x.shape)")
    }
    let input = try arena.buffer(.encoderInput, count: x.count, of: Scalar.self)
    x.storage.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: x.count) }
    let z = try runEncoder(frames: n, training: training)
    let s = latentShape
    let latent = Tensor(
      validShape: [n, s.channels, s.height, s.width], storage: Array(UnsafeBufferPointer(start: z, count: n * latentSize)))
    var indices: [PoolingIndices] = []
    for level in 0..<(keepingIndices ? configuration.depth : 0) {
      let shape = [n, configuration.channels, height >> (level + 1), width >> (level + 1)]
      let codes = try arena.buffer(.poolingIndices(level: level), count: shape.reduce(1, *), of: UInt8.self)
      indices.append(PoolingCode.indices(codes, shape: shape))
    }
    return (latent, indices)
  }

  /// Decodes latents [N, latentChannels, h, w] with the pooling indices of the same N frames to
  /// the residual d [N, 1, H, W].
  public func decode(_ z: Tensor<Scalar>, indices: [PoolingIndices], training: Bool) throws -> Tensor<Scalar> {
    guard indices.count == decoderBlocks.count else {
      throw SparseVARError.shape("decoding needs \(decoderBlocks.count) levels of pooling indices, got \(indices.count)")
    }
    let s = latentShape
    let n = z.shape.first ?? 0
    guard z.shape == [n, s.channels, s.height, s.width] else {
      throw SparseVARError.shape(
        "the decoder expects latents of shape [N, \(s.channels), \(s.height), \(s.width)], got \(z.shape)")
    }
    for (level, index) in indices.enumerated() {
      let expected = [n, configuration.channels, height >> (level + 1), width >> (level + 1)]
      guard index.shape == expected else {
        throw SparseVARError.shape(
          "the decoder needs pooling indices of shape \(expected) at level \(level), got \(index.shape)")
      }
      PoolingCode.write(index, to: try arena.buffer(.decoderIndices(level: level), count: index.storage.count, of: UInt8.self))
    }
    let latent = try arena.buffer(.decoderLatent, count: z.count, of: Scalar.self)
    z.storage.withUnsafeBufferPointer { latent.update(from: $0.baseAddress!, count: z.count) }
    let d = try runDecoder(frames: n, indices: .decoder, training: training)
    return Tensor(validShape: [n, 1, height, width], storage: Array(UnsafeBufferPointer(start: d, count: n * height * width)))
  }

  /// Back-propagates dL/dd through the last `decode`, accumulating parameter gradients, and
  /// returns dL/dz.
  public func backwardDecode(_ gradient: Tensor<Scalar>) throws -> Tensor<Scalar> {
    guard let decoded else { throw SparseVARError.notFitted("backwardDecode needs a decode first") }
    let expected = [decoded.frames, 1, height, width]
    guard gradient.shape == expected else {
      throw SparseVARError.shape("backwardDecode expects a gradient of shape \(expected), got \(gradient.shape)")
    }
    let target = try arena.buffer(.gradient(level: 0), count: gradient.count, of: Scalar.self)
    gradient.storage.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: gradient.count) }
    let dz = try runDecoderBackward()
    let s = latentShape
    return Tensor(
      validShape: [decoded.frames, s.channels, s.height, s.width],
      storage: Array(UnsafeBufferPointer(start: dz, count: decoded.frames * latentSize)))
  }

  /// Back-propagates dL/dz through the last `encode`, accumulating parameter gradients (once per
  /// `encode`: the pass overwrites what it kept).
  public func backwardEncode(_ gradient: Tensor<Scalar>) throws {
    guard let encoded else { throw SparseVARError.notFitted("backwardEncode needs an encode first") }
    let s = latentShape
    let expected = [encoded.frames, s.channels, s.height, s.width]
    guard gradient.shape == expected else {
      throw SparseVARError.shape("backwardEncode expects a gradient of shape \(expected), got \(gradient.shape)")
    }
    let target = try arena.buffer(.latentGradient, count: gradient.count, of: Scalar.self)
    gradient.storage.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: gradient.count) }
    try runEncoderBackward()
  }

  /// Sets every parameter gradient to zero.
  public func zeroGradients() { for p in parameters { p.zeroGradient() } }

  /// Returns the activation, gradient and scratch buffers to the system (after inference on
  /// long runs); the next pass takes them again.
  public func clearCaches() {
    arena.release()
    encoded = nil
    decoded = nil
  }
}

// MARK: - Passes on the arena

/// The input of a convolution: a dense batch [N, Cin, H, W], or a pooled one [N, Cin, H/2, W/2]
/// unpooled image by image at the pixels of its pooling codes.
private struct ConvolutionInput<Scalar>: @unchecked Sendable {
  var values: UnsafePointer<Scalar>
  var codes: UnsafePointer<UInt8>?
}

/// One worker's scratch memory for a convolution: patches, and an unpooled image with its gradient.
private struct ConvolutionScratch<Scalar>: @unchecked Sendable {
  var patches: UnsafeMutablePointer<Scalar>
  var unpooled: UnsafeMutablePointer<Scalar>?
  var unpooledGradient: UnsafeMutablePointer<Scalar>?
}

/// One convolution pass as `ConvolutionalAutoencoder.plan` sets it up.
private struct ConvolutionPlan<Scalar>: @unchecked Sendable {
  let geometry: ConvolutionGeometry
  /// The tiling and the transformed weights when the pass runs by Winograd, else nil.
  let winograd: (WinogradTiling, SendablePointer<Scalar>)?
  /// Winograd groups or images, handed out to the workers.
  let units: Int
  /// Per worker.
  let scratch: [ConvolutionScratch<Scalar>]
}

/// Which pooling indices the decoder reads: the encoder's, from frame `first` on (training), or
/// those handed to `decode`.
enum DecoderIndices: Equatable {
  case encoder(first: Int)
  case decoder
}

extension ConvolutionalAutoencoder {
  /// The decoder's leaky ReLU slope.
  var slope: Scalar { Scalar(leakyReLUSlope) }
  /// The encoder's leaky ReLU slope (the configuration's).
  var encoderSlope: Scalar { Scalar(configuration.encoderSlope) }

  /// [N, C, H >> level, W >> level].
  func levelShape(_ level: Int, frames n: Int, channels: Int) -> ImageBatchShape {
    ImageBatchShape(batch: n, channels: channels, height: height >> level, width: width >> level)
  }

  /// Encodes the `n` frames in the arena's `.encoderInput` ([n, 1, H, W]); returns the latent map
  /// (`.latent`, [n, latentChannels, h, w]). Keeps in the arena what the backward pass needs.
  func runEncoder(frames n: Int, training: Bool) throws -> UnsafeMutablePointer<Scalar> {
    let c = configuration.channels
    var x = UnsafePointer(try arena.buffer(.encoderInput, count: n * height * width, of: Scalar.self))
    for (level, block) in encoderBlocks.enumerated() {
      let s = levelShape(level, frames: n, channels: c)
      let y = try arena.buffer(.encoderPreactivation(level: level), count: s.count, of: Scalar.self)
      try forwardConvolution(block.conv, frames: n, level: level, input: ConvolutionInput(values: x), output: y)
      let applied = try normalisation(block.norm, of: y, s, training: training, activated: true)
      block.applied = applied
      let pooled = try arena.buffer(.encoderOutput(level: level), count: s.count / 4, of: Scalar.self)
      let codes = try arena.buffer(.poolingIndices(level: level), count: s.count / 4, of: UInt8.self)
      normaliseActivatePool(
        SendableConstPointer(y), s, applied, slope: encoderSlope, pooled: SendablePointer(pooled),
        codes: SendablePointer(codes), threads: threads)
      x = UnsafePointer(pooled)
    }
    let z = try arena.buffer(.latent, count: n * latentSize, of: Scalar.self)
    try forwardConvolution(
      encoderOutput, frames: n, level: configuration.depth, input: ConvolutionInput(values: x), output: z)
    encoded = (n, training)
    return z
  }

  /// Decodes the `n` latent maps in `.decoderLatent` with the pooling indices `indices` of the
  /// same frames; returns the residual d ([n, 1, H, W], in the arena).
  func runDecoder(frames n: Int, indices: DecoderIndices, training: Bool) throws -> UnsafeMutablePointer<Scalar> {
    let codes = try poolingCodes(indices, frames: n)
    let c = configuration.channels
    let depth = configuration.depth
    let z = try arena.buffer(.decoderLatent, count: n * latentSize, of: Scalar.self)
    var v = try arena.buffer(.decoderInput, count: levelShape(depth, frames: n, channels: c).count, of: Scalar.self)
    try forwardConvolution(decoderInput, frames: n, level: depth, input: ConvolutionInput(values: z), output: v)
    for (j, block) in decoderBlocks.enumerated() {
      let level = depth - 1 - j
      let s = levelShape(level, frames: n, channels: block.conv.outputChannels)
      let y = try arena.buffer(.decoderPreactivation(block: j), count: s.count, of: Scalar.self)
      try forwardConvolution(
        block.conv, frames: n, level: level, input: ConvolutionInput(values: v, codes: codes[level]), output: y)
      guard let norm = block.norm else {
        block.applied = nil
        v = y
        continue
      }
      let applied = try normalisation(norm, of: y, s, training: training, activated: false)
      block.applied = applied
      let output = try arena.buffer(.decoderOutput(block: j), count: s.count, of: Scalar.self)
      normaliseActivate(
        SendableConstPointer(y), s, applied, slope: slope, output: SendablePointer(output), threads: threads)
      v = output
    }
    decoded = (n, indices)
    return v
  }

  /// Back-propagates dL/dd (`.gradient(level: 0)`, [n, 1, H, W]) through the last decoder pass,
  /// accumulating parameter gradients; returns dL/dz (`.latentGradient`).
  func runDecoderBackward() throws -> UnsafeMutablePointer<Scalar> {
    guard let (n, indices) = decoded else { throw SparseVARError.notFitted("backwardDecode needs a decode first") }
    let codes = try poolingCodes(indices, frames: n)
    let c = configuration.channels
    let depth = configuration.depth
    for j in decoderBlocks.indices.reversed() {
      let block = decoderBlocks[j]
      let level = depth - 1 - j
      let s = levelShape(level, frames: n, channels: block.conv.outputChannels)
      let gradient = try arena.buffer(.gradient(level: level), count: s.count, of: Scalar.self)
      let y = try arena.buffer(.decoderPreactivation(block: j), count: s.count, of: Scalar.self)
      if let norm = block.norm, let applied = block.applied {
        try normaliseActivateBackward(norm, y: y, gradient: gradient, s, applied)
      }
      let input: UnsafeMutablePointer<Scalar>
      if j == 0 {
        input = try arena.buffer(.decoderInput, count: levelShape(depth, frames: n, channels: c).count, of: Scalar.self)
      } else {
        let previous = levelShape(level + 1, frames: n, channels: c).count
        input = try arena.buffer(
          decoderBlocks[j - 1].norm == nil ? .decoderPreactivation(block: j - 1) : .decoderOutput(block: j - 1),
          count: previous, of: Scalar.self)
      }
      let gradInput = try arena.buffer(
        .gradient(level: level + 1), count: levelShape(level + 1, frames: n, channels: c).count, of: Scalar.self)
      try backwardConvolution(
        block.conv, frames: n, level: level, input: ConvolutionInput(values: input, codes: codes[level]),
        gradOutput: gradient, gradInput: gradInput)
    }
    let z = try arena.buffer(.decoderLatent, count: n * latentSize, of: Scalar.self)
    let gradient = try arena.buffer(.gradient(level: depth), count: levelShape(depth, frames: n, channels: c).count, of: Scalar.self)
    let dz = try arena.buffer(.latentGradient, count: n * latentSize, of: Scalar.self)
    try backwardConvolution(
      decoderInput, frames: n, level: depth, input: ConvolutionInput(values: z), gradOutput: gradient, gradInput: dz)
    return dz
  }

  /// Back-propagates dL/dz (`.latentGradient`) through the last encoder pass, accumulating
  /// parameter gradients. The first block's input gradient (the frames') is not computed.
  func runEncoderBackward() throws {
    guard let (n, _) = encoded else { throw SparseVARError.notFitted("backwardEncode needs an encode first") }
    encoded = nil  // the pass overwrites the convolution outputs with their gradients
    let c = configuration.channels
    let depth = configuration.depth
    let pooledCount = levelShape(depth, frames: n, channels: c).count
    let dz = try arena.buffer(.latentGradient, count: n * latentSize, of: Scalar.self)
    let x = try arena.buffer(.encoderOutput(level: depth - 1), count: pooledCount, of: Scalar.self)
    let gradient = try arena.buffer(.gradient(level: depth), count: pooledCount, of: Scalar.self)
    try backwardConvolution(
      encoderOutput, frames: n, level: depth, input: ConvolutionInput(values: x), gradOutput: dz, gradInput: gradient)
    for level in encoderBlocks.indices.reversed() {
      let block = encoderBlocks[level]
      guard let applied = block.applied else { continue }
      let s = levelShape(level, frames: n, channels: c)
      let y = try arena.buffer(.encoderPreactivation(level: level), count: s.count, of: Scalar.self)
      let gradPooled = try arena.buffer(.gradient(level: level + 1), count: s.count / 4, of: Scalar.self)
      let codes = try arena.buffer(.poolingIndices(level: level), count: s.count / 4, of: UInt8.self)
      var gammaGradient = [Double](repeating: 0, count: c)
      var betaGradient = [Double](repeating: 0, count: c)
      gammaGradient.withUnsafeMutableBufferPointer { dg in
        betaGradient.withUnsafeMutableBufferPointer { db in
          normaliseActivatePoolBackward(
            SendablePointer(y), s, applied, slope: encoderSlope, gradPooled: SendableConstPointer(gradPooled),
            codes: SendableConstPointer(codes), gammaGradient: SendablePointer(dg.baseAddress!),
            betaGradient: SendablePointer(db.baseAddress!), threads: threads)
        }
      }
      block.norm.accumulateGradients(gamma: gammaGradient, beta: betaGradient)
      let input = try level == 0
        ? arena.buffer(.encoderInput, count: n * height * width, of: Scalar.self)
        : arena.buffer(.encoderOutput(level: level - 1), count: s.count, of: Scalar.self)
      let gradInput = try level == 0 ? nil : arena.buffer(.gradient(level: level), count: s.count, of: Scalar.self)
      try backwardConvolution(
        block.conv, frames: n, level: level, input: ConvolutionInput(values: input), gradOutput: y,
        gradInput: gradInput)
    }
  }

  /// The pooling codes the decoder reads at each level, for `n` frames.
  private func poolingCodes(_ indices: DecoderIndices, frames n: Int) throws -> [UnsafePointer<UInt8>] {
    var codes: [UnsafePointer<UInt8>] = []
    for level in 0..<configuration.depth {
      let perFrame = levelShape(level + 1, frames: 1, channels: configuration.channels).count
      switch indices {
      case .decoder:
        codes.append(UnsafePointer(try arena.buffer(.decoderIndices(level: level), count: n * perFrame, of: UInt8.self)))
      case .encoder(let first):
        guard let encoded, first >= 0, first + n <= encoded.frames else {
          throw SparseVARError.notFitted("decoding with the encoder's pooling indices needs their frames encoded first")
        }
        let all = try arena.buffer(.poolingIndices(level: level), count: encoded.frames * perFrame, of: UInt8.self)
        codes.append(UnsafePointer(all + first * perFrame))
      }
    }
    return codes
  }

  /// The batch norm `norm` applies to `y` (after a leaky ReLU when `activated`): in training the
  /// batch statistics, recorded in its running statistics; otherwise the running ones.
  private func normalisation(
    _ norm: BatchNorm2D<Scalar>, of y: UnsafeMutablePointer<Scalar>, _ s: ImageBatchShape, training: Bool,
    activated: Bool
  ) throws -> AppliedNormalisation<Scalar> {
    var statistics: (mean: [Double], variance: [Double])? = nil
    if training {
      guard s.batch * s.plane >= 2 else {
        throw SparseVARError.shape(
          "BatchNorm2D in training needs more than one value per channel, got shape \(s.array)")
      }
      var mean = [Double](repeating: 0, count: s.channels)
      var variance = [Double](repeating: 0, count: s.channels)
      let slope = activated ? encoderSlope : 1  // only the encoder's statistics are of activations
      mean.withUnsafeMutableBufferPointer { mean in
        variance.withUnsafeMutableBufferPointer { variance in
          batchStatistics(
            s, SendableConstPointer(y), SendablePointer(mean.baseAddress!),
            SendablePointer(variance.baseAddress!), threads: threads, slope: slope)
        }
      }
      statistics = (mean, variance)
    }
    let (mean, inverse) = norm.normalisation(batchStatistics: statistics, valuesPerChannel: s.batch * s.plane)
    return AppliedNormalisation(
      mean: mean, inverseStandardDeviation: inverse, gamma: norm.gamma.value, beta: norm.beta.value,
      training: training)
  }

  private func normaliseActivateBackward(
    _ norm: BatchNorm2D<Scalar>, y: UnsafeMutablePointer<Scalar>, gradient: UnsafeMutablePointer<Scalar>,
    _ s: ImageBatchShape, _ applied: AppliedNormalisation<Scalar>
  ) throws {
    var gammaGradient = [Double](repeating: 0, count: s.channels)
    var betaGradient = [Double](repeating: 0, count: s.channels)
    gammaGradient.withUnsafeMutableBufferPointer { dg in
      betaGradient.withUnsafeMutableBufferPointer { db in
        SparseVAR.normaliseActivateBackward(
          SendableConstPointer(y), gradient: SendablePointer(gradient), s, applied, slope: slope,
          gammaGradient: SendablePointer(dg.baseAddress!), betaGradient: SendablePointer(db.baseAddress!),
          threads: threads)
      }
    }
    norm.accumulateGradients(gamma: gammaGradient, beta: betaGradient)
  }

  /// How one convolution pass over `n` images at resolution `level` runs: by Winograd
  /// F(4x4, 3x3) in groups of images where it applies and the images are at least
  /// `WinogradTiling.minimumSide` on each side (with the transformed weights), otherwise image by
  /// image; either way as `units` spread over the workers, each with its scratch (patches
  /// or Winograd tiles, and room for an unpooled image and its gradient).
  private func plan(
    _ conv: Conv2D<Scalar>, frames n: Int, level: Int, unpooling: Bool, backward: Bool, inputGradient: Bool
  ) throws -> ConvolutionPlan<Scalar> {
    let g = conv.geometry(height: height >> level, width: width >> level)
    let tiling = min(g.height, g.width) >= WinogradTiling.minimumSide ? WinogradTiling(g, batch: n) : nil
    let units = tiling?.groupCount(batch: n) ?? n
    let count = tiling?.scratchCount(backward: backward) ?? g.patchCount(backward: backward, inputGradient: inputGradient)
    let imageCount = g.inputChannels * g.plane
    let scratch = try (0..<workerCount(units, threads: threads)).map { worker in
      ConvolutionScratch(
        patches: try arena.buffer(.patches(worker: worker), count: count, of: Scalar.self),
        unpooled: unpooling ? try arena.buffer(.unpooled(worker: worker), count: imageCount, of: Scalar.self) : nil,
        unpooledGradient: unpooling && backward && inputGradient
          ? try arena.buffer(.unpooledGradient(worker: worker), count: imageCount, of: Scalar.self) : nil)
    }
    let winograd = try tiling.map { ($0, try transformedWeights(conv, $0)) }
    return ConvolutionPlan(geometry: g, winograd: winograd, units: units, scratch: scratch)
  }

  /// The Winograd-transformed weights of `conv` for `tiling`, in the arena.
  private func transformedWeights(_ conv: Conv2D<Scalar>, _ tiling: WinogradTiling) throws -> SendablePointer<Scalar> {
    let u = try arena.buffer(.transformedWeights, count: tiling.transformedWeightCount, of: Scalar.self)
    conv.weight.value.withUnsafeBufferPointer { tiling.transformWeights($0.baseAddress!, into: u) }
    return SendablePointer(u)
  }

  /// `output` = conv(input) for `n` images at resolution `level`: by Winograd F(4x4, 3x3) in
  /// groups of images where it applies (Network/Winograd.swift), otherwise image by image; images
  /// or groups spread over the workers.
  private func forwardConvolution(
    _ conv: Conv2D<Scalar>, frames n: Int, level: Int, input: ConvolutionInput<Scalar>,
    output: UnsafeMutablePointer<Scalar>
  ) throws {
    let plan = try plan(conv, frames: n, level: level, unpooling: input.codes != nil, backward: false, inputGradient: false)
    let (g, scratch) = (plan.geometry, plan.scratch)
    let (weight, bias) = (conv.weight.value, conv.bias.value)
    let target = SendablePointer(output)
    let outputCount = g.outputChannels * g.plane
    parallelWorkers(plan.units, threads: threads) { worker, units in
      weight.withUnsafeBufferPointer { w in
        bias.withUnsafeBufferPointer { b in
          let work = scratch[worker]
          for unit in units {
            if case let (tiling, u)? = plan.winograd {
              tiling.forward(
                tiling.images(unit, batch: n), input: { input.image($0, g, into: work.unpooled) },
                transformedWeights: u.pointer, bias: b.baseAddress!, output: { target.pointer + $0 * outputCount },
                scratch: work.patches)
            } else {
              g.forwardImage(
                input.image(unit, g, into: work.unpooled), weight: w.baseAddress!, bias: b.baseAddress!,
                output: target.pointer + unit * outputCount, patches: work.patches)
            }
          }
        }
      }
    }
  }

  /// Adds conv's weight and bias gradients for `n` images at resolution `level` and, when
  /// `gradInput` is given, writes dL/dinput there (for an unpooled input: at the pooled values).
  /// Winograd or image by image as in `forwardConvolution`; one weight gradient per group or
  /// image, summed in their order.
  private func backwardConvolution(
    _ conv: Conv2D<Scalar>, frames n: Int, level: Int, input: ConvolutionInput<Scalar>,
    gradOutput: UnsafeMutablePointer<Scalar>, gradInput: UnsafeMutablePointer<Scalar>?
  ) throws {
    let plan = try plan(
      conv, frames: n, level: level, unpooling: input.codes != nil, backward: true, inputGradient: gradInput != nil)
    let (g, scratch, units) = (plan.geometry, plan.scratch, plan.units)
    let weightCount = conv.weight.value.count
    let perUnit = try arena.buffer(.weightGradients, count: units * weightCount, of: Scalar.self)
    let weight = conv.weight.value
    let (dy, dw) = (SendablePointer(gradOutput), SendablePointer(perUnit))
    let dx = gradInput.map { SendablePointer($0) }
    let (inputCount, outputCount) = (g.inputChannels * g.plane, g.outputChannels * g.plane)
    parallelWorkers(units, threads: threads) { worker, units in
      weight.withUnsafeBufferPointer { w in
        let work = scratch[worker]
        // Where image n's input gradient is written, and its gathering at the pooled values.
        let gradient: ((Int) -> UnsafeMutablePointer<Scalar>)? = dx.map { dx in
          { image in input.codes == nil ? dx.pointer + image * inputCount : work.unpooledGradient! }
        }
        let finished = { (image: Int) in
          guard let codes = input.codes, let dx, let imageGradient = work.unpooledGradient else { return }
          let pooled = inputCount / 4
          gatherPooled(
            imageGradient, codes: codes + image * pooled, channels: g.inputChannels, height: g.height / 2,
            width: g.width / 2, into: dx.pointer + image * pooled)
        }
        for unit in units {
          if case let (tiling, u)? = plan.winograd {
            tiling.backward(
              tiling.images(unit, batch: n), input: { input.image($0, g, into: work.unpooled) },
              transformedWeights: u.pointer, gradOutput: { UnsafePointer(dy.pointer + $0 * outputCount) },
              gradInput: gradient, finished: finished, weightGradient: dw.pointer + unit * weightCount,
              scratch: work.patches)
          } else {
            g.backwardImage(
              input.image(unit, g, into: work.unpooled), weight: w.baseAddress!,
              gradOutput: dy.pointer + unit * outputCount, gradInput: gradient?(unit),
              weightGradient: dw.pointer + unit * weightCount, patches: work.patches)
            finished(unit)
          }
        }
      }
    }
    var biasGradient = [Double](repeating: 0, count: g.outputChannels)
    biasGradient.withUnsafeMutableBufferPointer { db in
      g.biasGradient(
        batch: n, gradOutput: SendableConstPointer(gradOutput), into: SendablePointer(db.baseAddress!),
        threads: threads)
    }
    conv.accumulateGradients(perImageWeightGradients: perUnit, batch: units, biasGradient: biasGradient)
  }
}

extension ConvolutionInput where Scalar: NetworkScalar {
  init(values: UnsafeMutablePointer<Scalar>, codes: UnsafePointer<UInt8>? = nil) {
    self.init(values: UnsafePointer(values), codes: codes)
  }

  /// Image `n` as the convolution reads it: in place, or unpooled into `scratch`.
  func image(_ n: Int, _ g: ConvolutionGeometry, into scratch: UnsafeMutablePointer<Scalar>?) -> UnsafePointer<Scalar> {
    guard let codes, let scratch else { return values + n * g.inputChannels * g.plane }
    let pooled = g.inputChannels * g.plane / 4
    unpoolImage(
      values + n * pooled, codes: codes + n * pooled, channels: g.inputChannels, height: g.height / 2,
      width: g.width / 2, into: scratch)
    return UnsafePointer(scratch)
  }
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
