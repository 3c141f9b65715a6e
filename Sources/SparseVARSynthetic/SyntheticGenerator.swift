//===--- SyntheticGenerator.swift -----------------------------------------===//
//
// A seeded synthetic two-photon calcium-imaging movie with known ground truth: the built-in
// dataset of the demo, and the check that the method finds what is there.
//
// What a frame is. With the static scene of SyntheticScene.swift (background B, soma baselines
// P_n, neuropil profiles) and the time courses of SyntheticActivity.swift, the expected photons
// of pixel p in frame t are
//
//     E(p, t) = max(0.05, 1 + drift_t) * [ B(p) + sum_n P_n(p) (1 + dF/F_n(t))
//                                          + sum_m npl B(p) G_m(p) dF/F_m(t) ]
//
// moved by the frame's rigid shift (bilinear interpolation, edges clamped), and the frame's
// value in ADU is
//
//     v(p, t) = round(offset + gain * Poisson(E(p, t)) + readNoise * N(0, 1)),  clamped to 0...65535
//
// so that E[v] = offset + gain * E and Var[v] = gain^2 * E + readNoise^2 (+ 1/12 of rounding):
// the variance grows linearly with the brightness (shot noise). The scale: one photon is `gain`
// ADU above the `offset` (defaults 30 and 100); with the default light (background 6, somata
// 10-20 photons per pixel per frame) the frames average about 290 ADU and bursting somata reach
// a few thousand ADU.
//
// Runs. Run i has condition label (i / blockLength) % 2 (0 = familiar F, 1 = novel N; the
// paper's five F then five N), a length from SyntheticTwoPhotonOptions.meanFrameCount's rule,
// and its own random streams: any run, and any frame of it, can be generated on its own with
// the same bits, on any number of threads. `SyntheticTwoPhotonGenerator` builds the static scene
// and ground truth once and renders runs (or blocks of frames) on demand, so the `.full` preset
// (about 13.7 GB of raw frames) streams run by run, 64 frames at a time, into a FrameDataset;
// `SyntheticTwoPhotonDataset.generate` holds everything at once, for the smaller presets.
//
//===----------------------------------------------------------------------===//

import SparseVAR
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// MARK: - Ground truth

/// Everything known about a synthetic field of view: geometry, neurons, assemblies, network.
public struct SyntheticGroundTruth: Sendable {
  /// Frame height H and width W in pixels.
  public let height: Int
  public let width: Int
  /// Pixel size in µm.
  public let micronsPerPixel: Double
  /// Frames per second.
  public let frameRate: Double
  /// The neurons; assembly members come first, grouped by assembly, then independent neurons.
  public let neurons: [SyntheticNeuron]
  /// The assemblies.
  public let assemblies: [SyntheticAssembly]
  /// The coupling of the assembly latents in F and N.
  public let network: SyntheticAssemblyNetwork
  /// H x W: 1 on the somata of the differing assemblies' neurons, soft at their edges (the
  /// largest soma mask there), 0 elsewhere. The ground truth for a ROC analysis of a
  /// difference map F - N.
  public let differingMask: [Float]
  /// H x W: the neuron whose soma mask is largest at the pixel, where it is >= 1/2; else -1.
  public let neuronLabels: [Int32]
  /// H x W: expected photons per pixel per frame of the static scene with every soma at its
  /// baseline (no activity, drift or motion).
  public let expectedBaseline: [Float]
  /// H x W: expected background photons (neuropil, haze, illumination, vessels; no somata).
  public let background: [Float]
  let maskPatches: [SyntheticPatch]

  /// Assembly of each neuron (-1 = none).
  public var assemblyOfNeuron: [Int] { neurons.map(\.assembly) }
  /// The assemblies whose outgoing coupling differs between F and N, ascending.
  public var differingAssemblies: [Int] { network.differingAssemblies }
  /// [A_F, A_N]: the coupling matrices indexed by condition label (M x M row-major each).
  public var networks: [[Double]] { [network.familiar, network.novel] }

  /// The soft soma mask of neuron `index` (H x W, in [0, 1]; no nucleus darkening).
  /// - Throws: `.invalidArgument` for an unknown neuron.
  public func neuronMask(_ index: Int) throws -> [Float] {
    guard index >= 0, index < neurons.count else {
      throw SparseVARError.invalidArgument("neuron \(index) is out of range (0..<\(neurons.count))")
    }
    return maskPatches[index].image(height: height, width: width)
  }

  /// The mask of assembly `index`: per pixel the largest soma mask of its neurons (H x W).
  /// - Throws: `.invalidArgument` for an unknown assembly.
  public func assemblyMask(_ index: Int) throws -> [Float] {
    guard index >= 0, index < assemblies.count else {
      throw SparseVARError.invalidArgument("assembly \(index) is out of range (0..<\(assemblies.count))")
    }
    return Self.maximumMask(of: assemblies[index].neurons, maskPatches, height: height, width: width)
  }

  /// Per pixel the largest of the soma masks of `members` (H x W).
  static func maximumMask(of members: [Int], _ patches: [SyntheticPatch], height: Int, width: Int) -> [Float] {
    var out = [Float](repeating: 0, count: height * width)
    for k in members {
      let patch = patches[k]
      for r in 0..<patch.rows {
        for c in 0..<patch.columns {
          let i = (patch.top + r) * width + patch.left + c
          out[i] = max(out[i], patch.values[r * patch.columns + c])
        }
      }
    }
    return out
  }

  /// An H x W image (a mask, a map) after the same crop and nearest-neighbour downscale that
  /// `preprocessing` applies to frames, so that ground truth lines up with what the pipeline
  /// sees (e.g. `differingMask` of the `.full` preset under `FramePreprocessing.paper`).
  /// - Throws: `.shape` when the image is not H x W or the preprocessing does not fit.
  public func preprocessed(_ image: [Float], _ preprocessing: FramePreprocessing) throws -> [Float] {
    guard image.count == height * width else {
      throw SparseVARError.shape("the image must have \(height) x \(width) = \(height * width) values, got \(image.count)")
    }
    let g = try FrameGeometry(input: FrameSize(height: height, width: width), preprocessing: preprocessing)
    var out = [Float](repeating: 0, count: g.output.pixels)
    for i in 0..<g.output.height {
      for j in 0..<g.output.width { out[i * g.output.width + j] = image[g.sourceIndex(row: i, column: j)] }
    }
    return out
  }
}

// MARK: - Runs and datasets

/// One synthetic run: its frames and its ground-truth time courses.
public struct SyntheticRun: Sendable {
  /// Run index.
  public let index: Int
  /// Condition label: 0 = familiar (F), 1 = novel (N).
  public let condition: Int32
  /// Frame height and width in pixels.
  public let height: Int
  public let width: Int
  /// T x H x W, row-major, in ADU (see the file header for the scale).
  public let frames: [UInt16]
  /// The run's latents, spikes, dF/F, drift and motion.
  public let activity: SyntheticRunActivity

  /// Frames T.
  public var frameCount: Int { activity.frameCount }
}

/// A whole synthetic dataset in memory (use `SyntheticTwoPhotonGenerator` to stream large ones).
public struct SyntheticTwoPhotonDataset: Sendable {
  /// Condition labels.
  public static let familiar: Int32 = 0
  public static let novel: Int32 = 1

  /// The options it was generated with.
  public let options: SyntheticTwoPhotonOptions
  /// The ground truth.
  public let groundTruth: SyntheticGroundTruth
  /// The runs, by index.
  public let runs: [SyntheticRun]

  /// Condition label of every run.
  public var labels: [Int32] { runs.map(\.condition) }
  /// Assembly of each neuron (-1 = none).
  public var assemblyOfNeuron: [Int] { groundTruth.assemblyOfNeuron }
  /// The assemblies whose outgoing coupling differs between F and N.
  public var differingAssemblies: [Int] { groundTruth.differingAssemblies }
  /// H x W ground-truth mask of the differing assemblies' somata.
  public var differingMask: [Float] { groundTruth.differingMask }
  /// [A_F, A_N], M x M row-major each.
  public var networks: [[Double]] { groundTruth.networks }

  /// Generates every run in memory.
  /// - Parameter memoryLimit: refuse (`.invalidArgument`) when the frames would take more
  ///   bytes than this (default 4 GiB): generate such datasets run by run with
  ///   `SyntheticTwoPhotonGenerator` instead.
  /// - Throws: `.invalidArgument` for invalid options, a field too crowded for its neurons, or
  ///   the memory limit.
  public static func generate(
    _ options: SyntheticTwoPhotonOptions, memoryLimit: Int = 4 << 30
  ) throws -> SyntheticTwoPhotonDataset {
    let generator = try SyntheticTwoPhotonGenerator(options)
    let perFrame = options.height * options.width * 2
    let (bytes, overflow) = generator.totalFrameCount.multipliedReportingOverflow(by: perFrame)
    guard !overflow, bytes <= memoryLimit else {
      throw SparseVARError.invalidArgument(
        "the synthetic dataset would hold \(overflow ? "too many" : "\(bytes >> 20) MiB of") frames, more than the limit of "
          + "\(memoryLimit >> 20) MiB: generate it run by run with SyntheticTwoPhotonGenerator "
          + "(generateRun(index:) or makeFrameDataset(preprocessing:))")
    }
    let runs = try (0..<generator.runCount).map { try generator.generateRun(index: $0) }
    return SyntheticTwoPhotonDataset(options: options, groundTruth: generator.groundTruth, runs: runs)
  }

  /// A FrameDataset holding every run with its condition label, after `preprocessing`
  /// (default: the options' `recommendedPreprocessing`).
  public func makeFrameDataset(preprocessing: FramePreprocessing? = nil) throws -> FrameDataset {
    let dataset = try FrameDataset(
      height: options.height, width: options.width,
      preprocessing: preprocessing ?? options.recommendedPreprocessing)
    for run in runs {
      try dataset.addRun(run.frames, count: run.frameCount, label: run.condition)
    }
    return dataset
  }
}

// MARK: - Generator

/// The synthetic movie, generated on demand: the static scene and ground truth are built once
/// (in `init`), runs and blocks of frames whenever asked, always with the same bits.
///
/// Thread safety: a generator is immutable; every method may be called concurrently.
public struct SyntheticTwoPhotonGenerator: Sendable {
  /// The options.
  public let options: SyntheticTwoPhotonOptions
  /// The ground truth.
  public let groundTruth: SyntheticGroundTruth
  /// Frames of every run.
  public let frameCounts: [Int]
  let scene: SyntheticScene

  /// Validates the options, builds the network, lays out and renders the static scene, and
  /// draws the run lengths.
  /// - Throws: `.invalidArgument` for invalid options or a field too crowded for its neurons.
  public init(_ options: SyntheticTwoPhotonOptions) throws {
    try options.validate()
    self.options = options
    let network = SyntheticAssemblyNetwork.make(options)
    let scene = try SyntheticScene.make(options, network: network)
    self.scene = scene

    let h = options.height
    let w = options.width
    var labels = [Int32](repeating: -1, count: h * w)
    var best = [Float](repeating: 0, count: h * w)
    for (k, patch) in scene.maskPatches.enumerated() {
      for r in 0..<patch.rows {
        for c in 0..<patch.columns {
          let i = (patch.top + r) * w + patch.left + c
          let v = patch.values[r * patch.columns + c]
          if v >= 0.5, v > best[i] {
            best[i] = v
            labels[i] = Int32(k)
          }
        }
      }
    }
    let differingNeurons = scene.neurons.indices.filter {
      scene.neurons[$0].assembly >= 0 && scene.assemblies[scene.neurons[$0].assembly].differing
    }
    groundTruth = SyntheticGroundTruth(
      height: h, width: w, micronsPerPixel: options.micronsPerPixel, frameRate: options.frameRate,
      neurons: scene.neurons, assemblies: scene.assemblies, network: network,
      differingMask: SyntheticGroundTruth.maximumMask(of: differingNeurons, scene.maskPatches, height: h, width: w),
      neuronLabels: labels, expectedBaseline: scene.baseline, background: scene.background,
      maskPatches: scene.maskPatches)
    frameCounts = Self.runLengths(options)
  }

  /// Number of runs.
  public var runCount: Int { frameCounts.count }
  /// Frames over all runs.
  public var totalFrameCount: Int { frameCounts.reduce(0, +) }
  /// Condition label of every run (0 = F, 1 = N).
  public var labels: [Int32] { (0..<runCount).map { options.condition(run: $0) } }

  func requireRun(_ run: Int) throws {
    guard run >= 0, run < runCount else {
      throw SparseVARError.invalidArgument("run \(run) is out of range (0..<\(runCount))")
    }
  }

  /// Condition label of run `run`: 0 = familiar (F), 1 = novel (N).
  public func condition(run: Int) throws -> Int32 {
    try requireRun(run)
    return options.condition(run: run)
  }

  /// Frames in run `run`.
  public func frameCount(run: Int) throws -> Int {
    try requireRun(run)
    return frameCounts[run]
  }

  /// The ground-truth time courses of run `run` (cheap next to its frames).
  public func activity(run: Int) throws -> SyntheticRunActivity {
    try requireRun(run)
    return simulateActivity(run: run, frameCount: frameCounts[run])
  }

  /// The whole run `index`: frames and time courses.
  public func generateRun(index: Int) throws -> SyntheticRun {
    let activity = try activity(run: index)
    let frames = try frames(run: index, range: 0..<activity.frameCount, activity: activity)
    return SyntheticRun(
      index: index, condition: activity.condition, height: options.height, width: options.width,
      frames: frames, activity: activity)
  }

  /// Frames `range` of run `run` (range.count x H x W, ADU), identical to the same frames of
  /// `generateRun(index: run)`. `activity` must be `activity(run: run)` (pass it when rendering
  /// a run block by block, so it is simulated once).
  /// - Throws: `.invalidArgument` for an unknown run, a range outside the run, or an activity
  ///   of another run.
  public func frames(run: Int, range: Range<Int>, activity: SyntheticRunActivity? = nil) throws -> [UInt16] {
    let options = options
    return try syntheticReciprocals.withUnsafeBufferPointer { table in
      let reciprocals = SendableConstPointer(table.baseAddress!)
      return try renderedFrames(run: run, range: range, activity: activity) {
        activity, frame, expected, target in
        var noise = SyntheticStream(seed: options.seed, purpose: .noise, run: run, frame: frame)
        let gain = activity.gain
        let offset = options.offset
        let read = options.readNoise
        for i in 0..<options.height * options.width {
          let photons = Double(noise.poisson(Double(expected[i]), reciprocals: reciprocals.pointer))
          var v = offset + gain * photons
          if read > 0 { v += read * noise.normal() }
          // Round half up (v >= 0 after the clamp), saturate at 65535.
          target[i] = UInt16(min(65535, Int(max(0, v) + 0.5)))
        }
      }
    }
  }

  /// The expected photons E(p, t) of frames `range` of run `run` (range.count x H x W): the mean
  /// of the Poisson draw of each pixel, after drift and motion. Frame values are
  /// offset + gain * Poisson(E) + read noise.
  public func expectedPhotons(run: Int, range: Range<Int>, activity: SyntheticRunActivity? = nil) throws -> [Float] {
    let pixels = options.height * options.width
    return try renderedFrames(run: run, range: range, activity: activity) { _, _, expected, target in
      target.update(from: expected, count: pixels)
    }
  }

  /// Frames `range` of run `run` (range.count x H x W values), each written by
  /// `write(activity, frame, E, target)` from its expected photons E (H x W) to its H x W values
  /// at `target`, concurrently for distinct frames. `activity` as in `frames(run:range:activity:)`.
  private func renderedFrames<Value>(
    run: Int, range: Range<Int>, activity: SyntheticRunActivity?,
    _ write: @Sendable (SyntheticRunActivity, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Value>) -> Void
  ) throws -> [Value] {
    let activity = try checkedActivity(run: run, range: range, activity)
    let pixels = options.height * options.width
    let count = range.count * pixels
    guard count > 0 else { return [] }
    return [Value](unsafeUninitializedCapacity: count) { buffer, initialised in
      let out = SendablePointer(buffer.baseAddress!)
      render(activity: activity, range: range) { frame, expected in
        write(activity, frame, expected, out.pointer + (frame - range.lowerBound) * pixels)
      }
      initialised = count
    }
  }

  func checkedActivity(run: Int, range: Range<Int>, _ activity: SyntheticRunActivity?) throws -> SyntheticRunActivity {
    try requireRun(run)
    guard range.lowerBound >= 0, range.upperBound <= frameCounts[run] else {
      throw SparseVARError.invalidArgument(
        "frames \(range.lowerBound)..<\(range.upperBound) are outside run \(run), which has \(frameCounts[run]) frames")
    }
    if let activity {
      guard activity.run == run, activity.frameCount == frameCounts[run],
        activity.neuronCount == groundTruth.neurons.count
      else {
        throw SparseVARError.invalidArgument("the activity given is not the activity of run \(run)")
      }
      return activity
    }
    return simulateActivity(run: run, frameCount: frameCounts[run])
  }

  /// Computes E(p, t) for every frame of `range` (on the options' threads, one scratch image per
  /// worker) and hands each to `body(frame, E)`, concurrently for distinct frames.
  func render(
    activity: SyntheticRunActivity, range: Range<Int>,
    _ body: @Sendable (Int, UnsafeMutablePointer<Float>) -> Void
  ) {
    let h = options.height
    let w = options.width
    let pixels = h * w
    let n = activity.neuronCount
    let m = activity.assemblyCount
    let scene = self.scene
    let first = range.lowerBound
    parallelChunks(range.count, threads: options.threads) { chunk in
      let image = UnsafeMutablePointer<Float>.allocate(capacity: pixels)
      let moved = UnsafeMutablePointer<Float>.allocate(capacity: pixels)
      defer {
        image.deallocate()
        moved.deallocate()
      }
      for offset in chunk {
        let t = first + offset
        scene.baseline.withUnsafeBufferPointer { image.update(from: $0.baseAddress!, count: pixels) }
        for k in 0..<n {
          let v = activity.deltaFOverF[t * n + k]
          if v != 0 { scene.photonPatches[k].add(scale: v, into: image, width: w) }
        }
        if !scene.neuropilPatches.isEmpty {
          for a in 0..<m {
            let v = activity.assemblyDeltaFOverF[t * m + a]
            if v != 0 { scene.neuropilPatches[a].add(scale: v, into: image, width: w) }
          }
        }
        let light = max(Float(0.05), 1 + activity.drift[t])
        for i in 0..<pixels { image[i] = max(0, image[i] * light) }
        let dy = activity.shifts[2 * t]
        let dx = activity.shifts[2 * t + 1]
        if dy == 0 && dx == 0 {
          body(t, image)
        } else {
          shift(image, into: moved, height: h, width: w, dy: dy, dx: dx)
          body(t, moved)
        }
      }
    }
  }

  /// out(i, j) = image(i - dy, j - dx), bilinear, coordinates clamped to the frame.
  func shift(
    _ image: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
    height h: Int, width w: Int, dy: Float, dx: Float
  ) {
    // Column weights are the same for every row: precompute them.
    var columns0 = [Int](repeating: 0, count: w)
    var columns1 = [Int](repeating: 0, count: w)
    var columnWeights = [Float](repeating: 0, count: w)
    for j in 0..<w {
      let x = min(Float(w - 1), max(0, Float(j) - dx))
      let x0 = Int(x.rounded(.down))
      columns0[j] = x0
      columns1[j] = min(w - 1, x0 + 1)
      columnWeights[j] = x - Float(x0)
    }
    for i in 0..<h {
      let y = min(Float(h - 1), max(0, Float(i) - dy))
      let y0 = Int(y.rounded(.down))
      let y1 = min(h - 1, y0 + 1)
      let fy = y - Float(y0)
      let row0 = image + y0 * w
      let row1 = image + y1 * w
      let target = out + i * w
      for j in 0..<w {
        let fx = columnWeights[j]
        let top = row0[columns0[j]] + fx * (row0[columns1[j]] - row0[columns0[j]])
        let bottom = row1[columns0[j]] + fx * (row1[columns1[j]] - row1[columns0[j]])
        target[j] = top + fy * (bottom - top)
      }
    }
  }

  /// Streams every run into a new FrameDataset, `chunkFrames` frames at a time, with its
  /// condition label, after `preprocessing` (default: the options' `recommendedPreprocessing`).
  /// At most one chunk of raw frames is in memory at a time.
  /// - Parameter progress: called after each chunk with (frames done, total frames); return
  ///   false to cancel (throws `.interrupted`; the partial dataset is discarded).
  public func makeFrameDataset(
    preprocessing: FramePreprocessing? = nil, chunkFrames: Int = 64, progress: ProgressHandler? = nil
  ) throws -> FrameDataset {
    guard chunkFrames >= 1 else {
      throw SparseVARError.invalidArgument("chunkFrames must be >= 1, got \(chunkFrames)")
    }
    let dataset = try FrameDataset(
      height: options.height, width: options.width,
      preprocessing: preprocessing ?? options.recommendedPreprocessing)
    let total = totalFrameCount
    var done = 0
    for run in 0..<runCount {
      let activity = try activity(run: run)
      let id = dataset.beginRun(label: activity.condition)
      var start = 0
      while start < activity.frameCount {
        let end = min(activity.frameCount, start + chunkFrames)
        let block = try frames(run: run, range: start..<end, activity: activity)
        try dataset.append(block, count: end - start, to: id)
        done += end - start
        start = end
        if let progress, !progress(done, total) {
          throw SparseVARError.interrupted("synthetic generation was cancelled after \(done) of \(total) frames")
        }
      }
    }
    return dataset
  }

  // MARK: - Run lengths

  /// Run lengths: quantiles min + (max - min) q^k at q = (i + 1/2) / N with the mean on target
  /// (k by bisection), rounded; then dealt to the condition blocks so that every block, hence
  /// F, N and any union of blocks, gets a stratified sample of the lengths (the sorted lengths
  /// go one by one to a block with the smallest share of its runs served so far, ties by the
  /// seed), and shuffled within each block. Matched lengths matter: a sparse VAR fitted to a
  /// shorter run has more spurious coefficients, so unequal lengths alone would make groups of
  /// runs differ.
  static func runLengths(_ o: SyntheticTwoPhotonOptions) -> [Int] {
    let n = o.runCount
    let low = Double(o.frameCountRange.lowerBound)
    let high = Double(o.frameCountRange.upperBound)
    guard high > low else { return [Int](repeating: o.frameCountRange.lowerBound, count: n) }
    let target = (o.meanFrameCount - low) / (high - low)  // in (0, 1)
    let quantiles = (0..<n).map { (Double($0) + 0.5) / Double(n) }
    func meanFraction(_ k: Double) -> Double {
      quantiles.reduce(0) { $0 + pow($1, k) } / Double(n)
    }
    // meanFraction decreases from 1 (k = 0) towards 0; bisect on log k.
    var lo = -30.0
    var hi = 30.0
    for _ in 0..<200 {
      let mid = (lo + hi) / 2
      if meanFraction(exp(mid)) > target { lo = mid } else { hi = mid }
    }
    let k = exp((lo + hi) / 2)
    let sorted = quantiles.map { q -> Int in
      let length = Int((low + (high - low) * pow(q, k)).rounded())
      return min(o.frameCountRange.upperBound, max(o.frameCountRange.lowerBound, length))
    }
    // Deal the sorted lengths to the condition blocks (runs b*L ..< (b+1)*L).
    var random = SyntheticStream(seed: o.seed, purpose: .runLengths)
    let blockLength = max(1, o.blockLength)
    let blocks = (0..<((n + blockLength - 1) / blockLength)).map { b in
      Array((b * blockLength)..<min(n, (b + 1) * blockLength))
    }
    var dealt = [[Int]](repeating: [], count: blocks.count)
    for length in sorted {
      var best: [Int] = []
      var bestShare = Double.infinity
      for b in blocks.indices where dealt[b].count < blocks[b].count {
        let share = Double(dealt[b].count) / Double(blocks[b].count)
        if share < bestShare {
          bestShare = share
          best = [b]
        } else if share == bestShare {
          best.append(b)
        }
      }
      dealt[best[random.index(best.count)]].append(length)
    }
    var lengths = [Int](repeating: 0, count: n)
    for b in blocks.indices {
      random.shuffle(&dealt[b])
      for (run, length) in zip(blocks[b], dealt[b]) { lengths[run] = length }
    }
    return lengths
  }
}
