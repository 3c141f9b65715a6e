//===--- Training.swift ---------------------------------------------------===//
//
// One training step of the autoencoder with the embedded sparse VAR (DESIGN §2, "Training"), on
// one window of T frames (one mini-batch; batch norm statistics over its frames):
//
//   sequential:  xhat_t = dec(z_t) for every t; the VAR is fitted only after training;
//   embedded:    the VAR is fitted on the window's latents, xhat_t = dec(zhat_t) for
//                t = p+1..T with frame t's pooling indices; its coefficients are constants in
//                the backward pass (gradients still reach z_{t-k} through the forecast);
//   end-to-end:  as embedded, with gradients also through the lasso solutions (unrolled or
//                implicit).
//
// Centred (TrainingOptions.centerLatents), the window's VAR is fitted to its latents minus their
// temporal mean m and forecasts zhat_t = m + sum_k A_k (z_{t-k} - m).
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
  /// connection). `var` gives the VAR's lag, lambda, eps_gamma, mask and threads; `centered`
  /// fits it to the window's latents minus their temporal mean (`TrainingOptions.centerLatents`).
  /// - Returns: L_rec of the window.
  public func trainingLoss(
    window frames: Tensor<Scalar>, meanFrame: [Scalar], mode: TrainingMode, var options: SparseVAROptions,
    centered: Bool = false
  ) throws -> Double {
    try trainingStep(window: frames, meanFrame: meanFrame, mode: mode, var: options, centered: centered).loss
  }

  /// `trainingLoss`, also returning the VAR fitted on the window; with `fixedVAR` that VAR is
  /// used instead of a fit (the embedded mode's loss as a function of the network alone).
  func trainingStep(
    window frames: Tensor<Scalar>, meanFrame: [Scalar], mode: TrainingMode, var options: SparseVAROptions,
    centered: Bool = false, fixedVAR: SparseVARModel? = nil
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
    var input = frames
    if skip {
      for f in 0..<t { for i in 0..<pixels { input.storage[f * pixels + i] -= meanFrame[i] } }
    }
    let (latent, indices) = try encode(input, training: true)
    let k = latentSize
    let s = latentShape

    // The frames that are decoded, and the latents they are decoded from.
    let first: Int
    let decoded: Tensor<Scalar>
    var fitted: DifferentiableVAR? = nil
    switch mode {
    case .sequential:
      first = 0
      decoded = try decode(latent, indices: indices, training: true)
    case .embedded, .endToEnd:
      first = options.lag
      guard options.lag <= t - 2 else {
        throw SparseVARError.shape("a window of \(t) frames is too short for a VAR of lag \(options.lag)")
      }
      let series = try Series(length: t, dimension: k, values: latent.storage.map(\.asDouble))
      let var_ =
        try fixedVAR.map {
          try DifferentiableVAR(
            window: series, options: options, mean: centered ? series.temporalMean : nil, model: $0)
        } ?? DifferentiableVAR(window: series, options: options, centered: centered)
      fitted = var_
      let forecast = try Tensor<Scalar>(
        shape: [t - first, s.channels, s.height, s.width], storage: var_.forecast.map { Scalar($0) })
      decoded = try decode(forecast, indices: indices.map { $0.frames(first..<t) }, training: true)
    }

    // L_rec and dL/dd.
    let count = Double((t - first) * pixels)
    var loss = 0.0
    var gradient = try Tensor<Scalar>(shape: decoded.shape)
    for f in first..<t {
      for i in 0..<pixels {
        let d = decoded.storage[(f - first) * pixels + i].asDouble
        let scale = skip ? meanFrame[i].asDouble : 1
        let xhat = skip ? (d + 1) * scale : d
        let error = xhat - frames.storage[f * pixels + i].asDouble
        loss += error * error
        gradient.storage[(f - first) * pixels + i] = Scalar(2 * error * scale / count)
      }
    }
    loss /= count

    let latentGradient = try backwardDecode(gradient)
    switch mode {
    case .sequential:
      try backwardEncode(latentGradient)
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
        forecastGradient: latentGradient.storage.map(\.asDouble), mode: varMode)
      try backwardEncode(try Tensor(shape: latent.shape, storage: dz.map { Scalar($0) }))
    }
    return (loss, fitted?.model)
  }
}
