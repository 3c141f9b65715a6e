//===--- Training.swift ---------------------------------------------------===//
//
// One training step of the autoencoder with the embedded sparse VAR (docs/model.md, "Training"), on
// one window of T frames (one mini-batch; batch norm statistics over its frames):
//
//   sequential:  xhat_t = dec(z_t) for every t; the VAR is fitted only after training;
//   embedded:    the VAR is fitted on the window's latents, xhat_t = dec(zhat_t) for
//                t = p+1..T with frame t's pooling indices; its coefficients are constants in
//                the backward pass (gradients still reach z_{t-k} through the forecast);
//   end-to-end:  as embedded, with gradients also through the lasso solutions (unrolled or
//                implicit).
//
// With the VAR's intercept `.seriesMean` (the network's default), the window's VAR is fitted to
// its latents minus their temporal mean m and forecasts zhat_t = m + sum_k A_k (z_{t-k} - m)
// (DifferentiableVAR, which also carries the mean's gradient).
//
//   L_rec = mean over the decoded frames and their pixels of (x_t - xhat_t)^2, with
//   xhat = (d + 1) * xbar when the skip connection is on and xhat = d otherwise.
//
// The network runs in `Scalar` (Float for training, Double for gradient checks); the VAR always
// runs in double precision.
//
//===----------------------------------------------------------------------===//

/// How the autoencoder and the VAR are trained together.
public enum TrainingMode: Sendable, Equatable {
  /// Autoencoder alone; the VAR is fitted after training.
  case sequential
  /// VAR fitted in every forward pass, coefficients constant in the backward pass.
  case embedded
  /// VAR fitted in every forward pass, gradients through the lasso solutions.
  case endToEnd(LassoGradientMode)
}

extension ConvolutionalAutoencoder {
  /// Loss of one window of frames [T, 1, H, W] (normalised to [0, 1]) and, accumulated into the
  /// parameters' gradients, its gradient. `meanFrame` has H * W values (used with the skip
  /// connection). `var` gives the VAR's lag, lambda, eps_gamma, intercept (none or seriesMean),
  /// mask and threads.
  /// - Returns: L_rec of the window.
  public func trainingLoss(
    window frames: Tensor<Scalar>, meanFrame: [Scalar], mode: TrainingMode, var options: SparseVAROptions
  ) throws -> Double {
    try trainingStep(window: frames, meanFrame: meanFrame, mode: mode, var: options).loss
  }

  /// `trainingLoss`, also returning the VAR fitted on the window; with `fixedVAR` that VAR is
  /// used instead of a fit (the embedded mode's loss as a function of the network alone).
  func trainingStep(
    window frames: Tensor<Scalar>, meanFrame: [Scalar], mode: TrainingMode, var options: SparseVAROptions,
    fixedVAR: SparseVARModel? = nil
  ) throws -> (loss: Double, var: SparseVARModel?) {
    let t = try frames.imageBatchShape(channels: 1, layer: "the autoencoder").batch
    let pixels = height * width
    guard frames.shape == [t, 1, height, width] else {
      throw SparseVARError.shape(
        "a window must be [T, 1, \(height), \(width)] frames, got \(frames.shape)")
    }
    guard meanFrame.count == pixels else {
      throw SparseVARError.shape("the mean frame needs \(pixels) values, got \(meanFrame.count)")
    }
    let skip = configuration.skipConnection
    // The encoder reads x - xbar (or x) from the arena.
    let input = try arena.buffer(.encoderInput, count: t * pixels, of: Scalar.self)
    frames.storage.withUnsafeBufferPointer { x in
      for f in 0..<t {
        for i in 0..<pixels { input[f * pixels + i] = skip ? x[f * pixels + i] - meanFrame[i] : x[f * pixels + i] }
      }
    }
    let latent = try runEncoder(frames: t, training: true)
    let k = latentSize

    // The frames that are decoded, and the latents they are decoded from.
    let first: Int
    var fitted: DifferentiableVAR? = nil
    switch mode {
    case .sequential:
      first = 0
      try arena.buffer(.decoderLatent, count: t * k, of: Scalar.self).update(from: latent, count: t * k)
    case .embedded, .endToEnd:
      first = options.lag
      guard options.lag <= t - 2 else {
        throw SparseVARError.shape("a window of \(t) frames is too short for a VAR of lag \(options.lag)")
      }
      let series = try Series(
        length: t, dimension: k, values: UnsafeBufferPointer(start: latent, count: t * k).map(\.asDouble))
      let var_ =
        try fixedVAR.map { try DifferentiableVAR(window: series, options: options, model: $0) }
        ?? DifferentiableVAR(window: series, options: options, recordingSteps: mode == .endToEnd(.unrolled))
      fitted = var_
      let forecast = var_.forecast
      guard forecast.count == (t - first) * k else {
        throw SparseVARError.shape("the VAR forecast has \(forecast.count) values, expected \((t - first) * k)")
      }
      let target = try arena.buffer(.decoderLatent, count: forecast.count, of: Scalar.self)
      for i in forecast.indices { target[i] = Scalar(forecast[i]) }
    }
    let decodedFrames = t - first
    let decoded = try runDecoder(frames: decodedFrames, indices: .encoder(first: first), training: true)

    // L_rec and dL/dd.
    let count = Double(decodedFrames * pixels)
    var loss = 0.0
    let gradient = try arena.buffer(.gradient(level: 0), count: decodedFrames * pixels, of: Scalar.self)
    for f in first..<t {
      for i in 0..<pixels {
        let d = decoded[(f - first) * pixels + i].asDouble
        let scale = skip ? meanFrame[i].asDouble : 1
        let xhat = skip ? (d + 1) * scale : d
        let error = xhat - frames.storage[f * pixels + i].asDouble
        loss += error * error
        gradient[(f - first) * pixels + i] = Scalar(2 * error * scale / count)
      }
    }
    loss /= count

    // dL/dz of the decoded latents, in `.latentGradient`, which the encoder's backward pass reads.
    let latentGradient = try runDecoderBackward()
    switch mode {
    case .sequential:
      try runEncoderBackward()
      return (loss, nil)
    case .embedded, .endToEnd:
      let varMode: VARGradientMode
      switch mode {
      case .endToEnd(.unrolled): varMode = .unrolled
      case .endToEnd(.implicit): varMode = .implicit
      default: varMode = .coefficientsConstant
      }
      guard let fitted else { return (loss, nil) }
      let dz = try fitted.backward(
        forecastGradient: UnsafeBufferPointer(start: latentGradient, count: decodedFrames * k).map(\.asDouble),
        mode: varMode)
      guard dz.count == t * k else {
        throw SparseVARError.shape("the VAR's latent gradient has \(dz.count) values, expected \(t * k)")
      }
      let target = try arena.buffer(.latentGradient, count: t * k, of: Scalar.self)
      for i in dz.indices { target[i] = Scalar(dz[i]) }
      try runEncoderBackward()
    }
    return (loss, fitted?.model)
  }
}
