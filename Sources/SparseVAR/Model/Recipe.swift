//===--- Recipe.swift -----------------------------------------------------===//
//
// The recipe a network trains with when the caller leaves its depth automatic (depth 0, the
// default): the latent grid is chosen from the frame size and the shortest run, because the
// per-run VARs and the group tests need few latent values next to the frames of a run.
//
//   depth = the smallest d in 1...8 (the largest latent grid) that divides the frame and gives
//           K = latentChannels * (H / 2^d) * (W / 2^d) <= shortest run / 25 frames;
//           the deepest d that divides the frame when none does.
//
// With 10 epochs at learning rate 3e-3 (TrainingOptions' defaults) this is the recipe measured
// on the synthetic small preset (96 x 64 frames, runs of 150-300 frames: depth 5, K = 3 x 2 = 6),
// where larger latents left the per-run VARs mostly estimation noise (docs/validation.md). The
// paper's own setting is depth 3 at 192 x 128 pixels and learning rate 1e-3, set explicitly.
//
//===----------------------------------------------------------------------===//

/// The automatic choices of a network's recipe.
public enum Recipe {
  /// Frames of the shortest run per latent value, at least (K <= shortest run / 25).
  public static let framesPerLatentValue = 25

  /// The automatic depth for frames of `height` x `width` with `latentChannels` latent channels
  /// and a shortest run of `shortestRun` frames, and a sentence saying why.
  /// - Throws: `.shape` when not even one 2x2 pooling divides the frame.
  public static func depth(height: Int, width: Int, latentChannels: Int, shortestRun: Int) throws
    -> (depth: Int, explanation: String)
  {
    let allowed = (1...8).filter { d in
      let f = 1 << d
      return height >= f && width >= f && height % f == 0 && width % f == 0
    }
    guard let deepest = allowed.last else {
      throw SparseVARError.shape(
        "frames of \(height) x \(width) cannot be pooled even once: height and width must be even")
    }
    let bound = max(1, shortestRun / framesPerLatentValue)
    func size(_ d: Int) -> Int { sizeProduct(latentChannels, (height >> d) * (width >> d)) ?? Int.max }
    let chosen = allowed.first { size($0) <= bound } ?? deepest
    let k = size(chosen)
    let grid = "\(latentChannels) x \(height >> chosen) x \(width >> chosen) = \(k) latent value\(k == 1 ? "" : "s")"
    let why =
      k <= bound
      ? "the largest latent grid with at most \(bound) values (the shortest run's \(shortestRun) frames / \(framesPerLatentValue))"
      : "the smallest latent grid \(height) x \(width) frames allow (the shortest run's \(shortestRun) frames / "
        + "\(framesPerLatentValue) would call for at most \(bound))"
    return (chosen, "depth \(chosen) chosen automatically: \(grid), \(why)")
  }

  /// `configuration` with an automatic depth (0) resolved for `dataset`, and the explanation
  /// (nil when the depth was set).
  public static func resolve(_ configuration: AutoencoderConfiguration, for dataset: FrameDataset) throws
    -> (configuration: AutoencoderConfiguration, explanation: String?)
  {
    guard configuration.depth == AutoencoderConfiguration.automaticDepth else { return (configuration, nil) }
    guard dataset.runCount > 0 else {
      throw SparseVARError.invalidArgument("the dataset has no runs: an automatic depth needs the run lengths")
    }
    var shortest = Int.max
    for run in 0..<dataset.runCount { shortest = min(shortest, try dataset.frameCount(run: run)) }
    var resolved = configuration
    let (depth, explanation) = try depth(
      height: dataset.outputHeight, width: dataset.outputWidth, latentChannels: configuration.latentChannels,
      shortestRun: shortest)
    resolved.depth = depth
    return (resolved, explanation)
  }
}
