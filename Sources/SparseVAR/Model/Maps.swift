//===--- Maps.swift -------------------------------------------------------===//
//
// After training: the group tests on the runs' VARs by label, and contribution maps (docs/method.md,
// "Influence vector and contribution map"). A run's influence vector c_i has one value per latent
// value (channel k, grid cell l); a map shows it in the image, read out in one of two ways:
//
//   latent grid (default): Omega_i[p] = gain * sum_k c_i[k, cell(p)] * w[p]
//       the influence of the latent cell that pixel p lies in, weighted by w[p], the pixel's
//       temporal standard deviation relative to its run's mean, averaged over the analysed runs
//       (one weight for every run, so a difference of two groups' maps is their influence
//       difference, placed on the pixels that carry activity; no label takes part).
//   decoder (the paper's): Omega_i = (f_dec(gain * unvec(c_i)) + 1) * xbar
//       (f_dec(...) without the skip connection). The decoder needs unpooling indices; sparsevar
//       takes them, deterministically, from encoding run i's per-pixel temporal standard
//       deviation image (as one frame, through the same input path as frames: minus xbar with
//       the skip connection). The decoder runs in inference mode.
//
// A group's map is the mean of its runs' maps; a difference map is group map A - group map B.
// Measured on the small synthetic preset (docs/validation.md), the decoder spreads the latent
// grid's localisation over the frame (difference-map ROC AUC about 0.6), the latent-grid read-out
// keeps it (about 0.8-0.9).
//
//===----------------------------------------------------------------------===//

/// How a contribution map is read out of a run's influence vector.
public enum MapReadout: Int, Sendable, CaseIterable, CustomStringConvertible {
  /// The influence of each pixel's latent grid cell (summed over latent channels), weighted by the
  /// pixel's relative temporal standard deviation pooled over the analysed runs (default).
  case latentGrid = 0
  /// The paper's: the influence decoded to the image and multiplied by the mean frame.
  case decoder = 1

  public var description: String { self == .latentGrid ? "latent grid" : "decoder" }
}

/// The latent-grid read-out's pixel weights (H x W): each run's temporal standard deviation image
/// divided by its mean over the pixels, averaged over the runs (runs with a flat image are left
/// out; all ones when every image is flat or there is none).
func pooledRelativeDeviation(_ images: [[Float]], pixels: Int) -> [Double] {
  var sum = [Double](repeating: 0, count: pixels)
  var used = 0
  for image in images where image.count == pixels {
    let mean = image.reduce(0.0) { $0 + Double($1) } / Double(max(pixels, 1))
    guard mean > 0, mean.isFinite else { continue }
    for p in 0..<pixels { sum[p] += Double(image[p]) / mean }
    used += 1
  }
  guard used > 0 else { return [Double](repeating: 1, count: pixels) }
  return sum.map { $0 / Double(used) }
}

/// The latent-grid read-out of one influence vector (`channels` x grid cells, channel-major):
/// gain * sum_k c[k, cell(p)] * weights[p] for every pixel p of `grid` (H x W).
func paintLatentGrid(_ influence: [Double], channels: Int, grid: BlockGrid, weights: [Double], gain: Double) -> [Float] {
  let cells = grid.blockCount
  return grid.blockOfPixel.enumerated().map { p, cell in
    var total = 0.0
    for k in 0..<channels { total += influence[k * cells + cell] }
    return Float(gain * total * weights[p])
  }
}

extension SparseVARNetwork {
  /// Labels of the analysed runs (as the dataset had them when `analyze` ran).
  public var labels: [Int32?] { runs.map(\.label) }

  /// The name of group label `label` as the analysed dataset named it, else "group <label>".
  public func conditionName(_ label: Int32) -> String { conditionNames[label] ?? "group \(label)" }

  /// Coefficient-swap test between the analysed runs labelled `a` and `b`.
  public func swapTest(_ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions = .init()) throws -> GroupTestOutcome {
    try runs.swapTest(a, b, options: options, threads: training.varOptions.threads)
  }

  /// Influence-distance test between the analysed runs labelled `a` and `b`.
  public func influenceTest(_ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions = .init()) throws -> GroupTestOutcome {
    try runs.influenceTest(a, b, options: options)
  }

  /// Contribution map of analysed run `run` (H x W, normalised image units); `gain` = gamma_viz.
  /// Needs only the model (a loaded model has everything).
  public func contributionMap(run: Int, gain: Double = 1, readout: MapReadout = .latentGrid) throws -> [Float] {
    try checkMapArguments(run: run, gain: gain)
    switch readout {
    case .latentGrid: return try latentGridMap(run: run, gain: gain, weights: latentGridWeights)
    case .decoder: return try decodedMap(run: run, gain: gain)
    }
  }

  /// Mean contribution map of the analysed runs labelled `label`.
  public func groupMap(_ label: Int32, gain: Double = 1, readout: MapReadout = .latentGrid) throws -> [Float] {
    let members = runs.indices.filter { runs[$0].label == label }
    guard !members.isEmpty else { throw SparseVARError.invalidArgument("no analysed run has label \(label)") }
    try checkMapArguments(run: members[0], gain: gain)
    let weights = readout == .latentGrid ? latentGridWeights : []
    var sum = [Double](repeating: 0, count: height * width)
    for run in members {
      let map = readout == .latentGrid
        ? try latentGridMap(run: run, gain: gain, weights: weights) : try decodedMap(run: run, gain: gain)
      for (i, v) in map.enumerated() { sum[i] += Double(v) }
    }
    return sum.map { Float($0 / Double(members.count)) }
  }

  /// Group map of `a` minus group map of `b`.
  public func differenceMap(_ a: Int32, _ b: Int32, gain: Double = 1, readout: MapReadout = .latentGrid) throws -> [Float] {
    let first = try groupMap(a, gain: gain, readout: readout)
    let second = try groupMap(b, gain: gain, readout: readout)
    return zip(first, second).map { $0 - $1 }
  }

  private func checkMapArguments(run: Int, gain: Double) throws {
    guard !runs.isEmpty else {
      throw SparseVARError.notFitted("the runs have not been analysed yet: call analyze first")
    }
    guard run >= 0, run < runs.count else {
      throw SparseVARError.invalidArgument("run \(run) is out of range (0..<\(runs.count))")
    }
    guard gain.isFinite else { throw SparseVARError.invalidArgument("the gain must be finite, got \(gain)") }
  }

  /// The latent-grid read-out's pixel weights, pooled over every analysed run.
  private var latentGridWeights: [Double] { pooledRelativeDeviation(runs.map(\.deviationImage), pixels: height * width) }

  private func latentGridMap(run: Int, gain: Double, weights: [Double]) throws -> [Float] {
    let shape = network.latentShape
    let grid = try BlockGrid(height: height, width: width, gridHeight: shape.height, gridWidth: shape.width)
    return paintLatentGrid(runs[run].model.influence, channels: shape.channels, grid: grid, weights: weights, gain: gain)
  }

  private func decodedMap(run: Int, gain: Double) throws -> [Float] {
    let (_, indices) = try encode(runs[run].deviationImage, count: 1)
    let influence = runs[run].model.influence.map { gain * $0 }
    let map = try decode(influence, count: 1, indices: indices)
    network.clearCaches()
    return map
  }
}
