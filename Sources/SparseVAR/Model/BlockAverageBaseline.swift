//===--- BlockAverageBaseline.swift ---------------------------------------===//
//
// The block-average baseline: what the method finds without a network. Each frame is averaged
// over the blocks of a grid (the network's latent grid, H / 2^depth x W / 2^depth blocks), each
// run's series of block averages gets its own sparse VAR exactly as a run's latents do, and the
// same group tests and maps follow. A network that learns latents worth having should find at
// least what these plain averages find; the report shows both side by side.
//
//     z_t[r * gw + c] = mean of x_t over block (r, c),   rows r H / gh ..< (r + 1) H / gh,
//                                                        columns c W / gw ..< (c + 1) W / gw
//
// The map of a run is the network's latent-grid read-out (Maps.swift): pixel p gets c_l of the
// block l it lies in times p's temporal standard deviation relative to its run's mean, averaged
// over the runs (no decoder, so the grid's localisation is kept as it is).
//
//===----------------------------------------------------------------------===//

/// A grid of gh x gw blocks over H x W frames (blocks differ by at most one pixel in size).
public struct BlockGrid: Sendable, Equatable {
  public let height: Int
  public let width: Int
  public let gridHeight: Int
  public let gridWidth: Int

  /// - Throws: `.invalidArgument` unless 1 <= gridHeight <= height and 1 <= gridWidth <= width.
  public init(height: Int, width: Int, gridHeight: Int, gridWidth: Int) throws {
    guard height >= 1, width >= 1, gridHeight >= 1, gridWidth >= 1, gridHeight <= height, gridWidth <= width else {
      throw SparseVARError.invalidArgument(
        "a block grid of \(gridHeight) x \(gridWidth) blocks needs 1 to \(height) x \(width) blocks on \(height) x \(width) frames")
    }
    self.height = height
    self.width = width
    self.gridHeight = gridHeight
    self.gridWidth = gridWidth
  }

  /// Number of blocks K = gh * gw.
  public var blockCount: Int { gridHeight * gridWidth }

  /// The block index r * gw + c of every pixel (H x W, row-major).
  public var blockOfPixel: [Int] {
    var owner = [Int](repeating: 0, count: height * width)
    for i in 0..<height {
      let r = i * gridHeight / height
      for j in 0..<width { owner[i * width + j] = r * gridWidth + j * gridWidth / width }
    }
    return owner
  }

  /// Block averages of `count` frames (count x H x W, row-major): a count x K series.
  public func averages(_ frames: [Float], count: Int) throws -> Series {
    let pixels = height * width
    guard frames.count == count * pixels else {
      throw SparseVARError.shape("expected \(count) frames of \(height) x \(width) pixels, got \(frames.count) values")
    }
    let owner = blockOfPixel
    var sizes = [Double](repeating: 0, count: blockCount)
    for b in owner { sizes[b] += 1 }
    var values = [Double](repeating: 0, count: count * blockCount)
    for t in 0..<count {
      let base = t * blockCount
      for p in 0..<pixels { values[base + owner[p]] += Double(frames[t * pixels + p]) }
      for b in 0..<blockCount { values[base + b] /= sizes[b] }
    }
    return try Series(length: count, dimension: blockCount, values: values)
  }

  /// Paints one value per block onto the H x W pixels.
  public func paint(_ blockValues: [Double]) -> [Float] {
    blockOfPixel.map { Float(blockValues[$0]) }
  }
}

/// The baseline's analysis of a dataset: per run, the block averages and their VAR.
public struct BlockAverageBaseline: Sendable {
  public let grid: BlockGrid
  /// One analysis per run, in run order: `latents` are the block averages; `relativeError` is
  /// R_var of the block averages; `reconstructionError` is NaN (there is no decoder).
  public let runs: [RunAnalysis]

  /// Averages every run of `dataset` over `grid` and fits each run's VAR with `varOptions` (with
  /// the network's default intercept `.seriesMean`, around the series' temporal mean).
  public init(_ dataset: FrameDataset, grid: BlockGrid, varOptions: SparseVAROptions) throws {
    guard grid.height == dataset.outputHeight, grid.width == dataset.outputWidth else {
      throw SparseVARError.shape(
        "the grid covers \(grid.height) x \(grid.width) frames but the dataset's are \(dataset.outputHeight) x \(dataset.outputWidth)")
    }
    self.grid = grid
    var runs: [RunAnalysis] = []
    for run in 0..<dataset.runCount {
      let count = try dataset.frameCount(run: run)
      guard count >= varOptions.lag + 2 else {
        throw SparseVARError.shape("run \(run) has \(count) frames, fewer than lag + 2 = \(varOptions.lag + 2)")
      }
      let frames = try dataset.frames(run: run)
      let series = try grid.averages(frames, count: count)
      var analysis = try RunAnalysis(
        fitting: series, options: varOptions, label: try dataset.label(run: run),
        deviationImage: temporalDeviation(frames, count: count, pixels: grid.height * grid.width))
      analysis.relativeError = try relativeForecastError(series, try analysis.forecast(), lag: varOptions.lag)
      analysis.reconstructionError = .nan
      runs.append(analysis)
    }
    self.runs = runs
  }

  /// The baseline on the latent grid of `network` (H / 2^depth x W / 2^depth blocks), with the
  /// network's VAR options.
  public init(_ dataset: FrameDataset, like network: SparseVARNetwork) throws {
    let shape = network.network.latentShape
    try self.init(
      dataset,
      grid: try BlockGrid(height: network.height, width: network.width, gridHeight: shape.height, gridWidth: shape.width),
      varOptions: network.training.varOptions)
  }

  /// Coefficient-swap test between the runs labelled `a` and `b`.
  public func swapTest(_ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions = .init(), threads: Int = 0)
    throws -> GroupTestOutcome
  {
    try runs.swapTest(a, b, options: options, threads: threads)
  }

  /// Influence-distance test between the runs labelled `a` and `b`.
  public func influenceTest(_ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions = .init()) throws
    -> GroupTestOutcome
  {
    try runs.influenceTest(a, b, options: options)
  }

  /// Run `run`'s map (H x W): the latent-grid read-out of its influence vector.
  public func contributionMap(run: Int) throws -> [Float] {
    guard run >= 0, run < runs.count else {
      throw SparseVARError.invalidArgument("run \(run) is out of range (0..<\(runs.count))")
    }
    return paintLatentGrid(runs[run].model.influence, channels: 1, grid: grid, weights: weights, gain: 1)
  }

  /// Mean map of the runs labelled `label`.
  public func groupMap(_ label: Int32) throws -> [Float] {
    let members = runs.indices.filter { runs[$0].label == label }
    guard !members.isEmpty else { throw SparseVARError.invalidArgument("no run has label \(label)") }
    var sum = [Double](repeating: 0, count: grid.blockCount)
    for run in members {
      for (l, c) in runs[run].model.influence.enumerated() { sum[l] += c }
    }
    return paintLatentGrid(
      sum.map { $0 / Double(members.count) }, channels: 1, grid: grid, weights: weights, gain: 1)
  }

  /// Group map of `a` minus group map of `b`.
  public func differenceMap(_ a: Int32, _ b: Int32) throws -> [Float] {
    zip(try groupMap(a), try groupMap(b)).map { $0 - $1 }
  }

  /// The read-out's pixel weights, pooled over every run.
  private var weights: [Double] { pooledRelativeDeviation(runs.map(\.deviationImage), pixels: grid.height * grid.width) }
}

extension Array where Element == RunAnalysis {
  /// The indices of the runs labelled `a` and of those labelled `b`.
  func groups(_ a: Int32, _ b: Int32) throws -> ([Int], [Int]) {
    guard !isEmpty else {
      throw SparseVARError.notFitted("the runs have not been analysed yet: call analyze first")
    }
    guard a != b else { throw SparseVARError.invalidArgument("the two group labels are the same (\(a))") }
    return (indices.filter { self[$0].label == a }, indices.filter { self[$0].label == b })
  }

  /// Coefficient-swap test between the runs labelled `a` and `b`.
  func swapTest(_ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions, threads: Int) throws -> GroupTestOutcome {
    let (groupA, groupB) = try groups(a, b)
    return try GroupTests.coefficientSwap(
      try map { try $0.fittedRun }, groupA: groupA, groupB: groupB, options: options, threads: threads)
  }

  /// Influence-distance test between the runs labelled `a` and `b`.
  func influenceTest(_ a: Int32, _ b: Int32, options: PairwiseGroupTestOptions) throws -> GroupTestOutcome {
    let (groupA, groupB) = try groups(a, b)
    return try GroupTests.influenceDistance(map(\.model), groupA: groupA, groupB: groupB, options: options)
  }
}
