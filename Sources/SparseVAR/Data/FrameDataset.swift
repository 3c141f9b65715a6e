//===--- FrameDataset.swift -----------------------------------------------===//
//
// The container of imaging runs the autoencoder trains on (docs/model.md): N runs of frames of
// one field of view, each frame preprocessed (centre crop, nearest-neighbour downscale, see
// FramePreprocessing.swift) as it arrives and stored once, compactly:
//
//     UInt16 input          -> stored as UInt16 (2 bytes per kept pixel)
//     Float / Double input  -> stored as Float  (4 bytes per kept pixel)
//
// Normalisation to [0, 1] is applied when frames are read, by the global min and max over all
// stored pixels of all runs (kept up to date as frames arrive):
//
//     x = (v - min) / (max - min)
//
// The mean frame xbar (the static component) is kept as a running per-pixel Double sum of the
// raw stored values, so appending costs O(pixels) whatever the dataset holds; since the
// normalisation is affine, xbar = (sum / N - min) / (max - min) in normalised units.
//
// Every mutating call validates all of its input (sizes, run ids, NaN / infinity anywhere in
// the raw frames, Double values beyond Float's range) before it changes anything: a call that
// throws leaves the dataset exactly as it was.
//
//===----------------------------------------------------------------------===//

/// How a dataset stores its frames.
public enum FrameStorageType: Sendable, Equatable {
  /// 2 bytes per pixel, raw camera counts; used while every frame given was UInt16.
  case uint16
  /// 4 bytes per pixel; used as soon as any Float or Double frame was given.
  case float32

  /// Bytes per stored pixel.
  public var bytesPerPixel: Int {
    switch self {
    case .uint16: return 2
    case .float32: return 4
    }
  }
}

/// One training window: frames `start ..< start + count` of run `run`.
public typealias FrameWindow = (run: Int, start: Int, count: Int)

/// Runs of frames of one field of view, preprocessed and stored compactly (docs/model.md).
///
/// Frames are given row-major, `count x height x width`, contiguous (`frames[k*H*W + r*W + c]`
/// is row r, column c of frame k), at the raw size the dataset was created with. Every input
/// method exists for `UnsafeBufferPointer` of `UInt16`, `Float` and `Double` (read during the
/// call only, never kept) and, for convenience, for arrays of the same element types.
///
/// Storage: frames are kept once, after crop and downscale, as UInt16 (UInt16 input) or Float
/// (Float or Double input). **Mixing element types**: the dataset starts in the storage of the
/// first frames it gets; when Float or Double frames arrive in a UInt16 dataset, every stored
/// frame is converted to Float storage (exactly: every UInt16 is a Float), and UInt16 frames
/// arriving later are stored as Float too. Nothing is lost, but memory doubles (see
/// `memoryBytes`); give all frames of a dataset in one type to avoid it. Double input is rounded
/// to Float; a finite Double that overflows Float is refused.
///
/// Normalisation to [0, 1] uses the global minimum and maximum over all stored pixels of all
/// runs (after crop and downscale; pixels cut away play no part), updated as frames arrive, so
/// earlier reads may differ from later ones once new frames widen the range. A constant dataset
/// (max == min) or an empty one has no normalisation: reading frames or the mean frame then
/// throws.
///
/// Thread safety: the dataset does no locking. Calls that only read (`frames`, `meanFrame`,
/// `windows`, counts, labels, ...) may run concurrently with each other from any threads, but a
/// mutating call (`beginRun`, `append`, `addRun`, `setLabel`) must have the dataset to itself:
/// never mutate one dataset from two threads at once, nor read it while another thread mutates
/// it. Distinct datasets are independent.
public final class FrameDataset: @unchecked Sendable {
  // MARK: - Stored state

  /// One run: its label and its stored pixels (one of the two arrays is used, per `storage`).
  struct Run {
    var label: Int32?
    var name: String?
    var frameCount = 0
    var u16: [UInt16] = []
    var f32: [Float] = []
    /// Sum of the run's raw stored values.
    var rawSum = 0.0
  }

  let geometry: FrameGeometry
  /// The preprocessing given at creation.
  public let preprocessing: FramePreprocessing
  var runs: [Run] = []
  /// nil until the first frame is stored.
  public internal(set) var storageType: FrameStorageType?
  /// Raw min and max over all stored pixels (+inf / -inf while empty).
  var rawMin = Double.infinity
  var rawMax = -Double.infinity
  /// Per-pixel sum of the raw stored values over all frames of all runs (h' x w').
  var pixelSums: [Double]
  /// Frames over all runs.
  public internal(set) var totalFrameCount = 0
  /// Scale each run's frames, when read, so that the run's mean normalised intensity is the
  /// dataset's (default false): a per-run gain or light factor (laser power, detector gain)
  /// cancels. The mean frame stays the one of the unscaled frames. Set it before training; it
  /// changes what every read returns. An option under study (docs/validation.md).
  public var equalizesRunBrightness = false

  // MARK: - Creation

  /// An empty dataset for raw frames of `height x width` pixels.
  /// - Throws: `.invalidArgument` / `.shape` when the sizes are not positive, the crop does not
  ///   fit, the factor is < 1, or the cropped size is not divisible by the factor; `.noMemory`
  ///   when the stored frame is too large to allocate its mean frame.
  public init(height: Int, width: Int, preprocessing: FramePreprocessing = FramePreprocessing()) throws {
    geometry = try FrameGeometry(
      input: FrameSize(height: height, width: width), preprocessing: preprocessing)
    self.preprocessing = preprocessing
    try reserveMemory(
      geometry.output.pixels, of: Double.self, what: "the mean frame of a dataset of \(geometry.output) pixels")
    pixelSums = [Double](repeating: 0, count: geometry.output.pixels)
  }

  // MARK: - Shape

  /// Raw frame height H (as given).
  public var inputHeight: Int { geometry.input.height }
  /// Raw frame width W (as given).
  public var inputWidth: Int { geometry.input.width }
  /// Stored frame height h' = (crop height) / f.
  public var outputHeight: Int { geometry.output.height }
  /// Stored frame width w' = (crop width) / f.
  public var outputWidth: Int { geometry.output.width }
  /// Number of runs (including runs without frames).
  public var runCount: Int { runs.count }

  /// Bytes held for frame data: `N * h' * w' * b + 8 * h' * w'`, with N = `totalFrameCount`,
  /// b = 2 for UInt16 storage and 4 for Float storage (`storageType.bytesPerPixel`), and the
  /// second term the Double running sum of the mean frame. Not counted: O(`runCount`) bookkeeping
  /// and the spare capacity of runs filled by `append` (their arrays grow geometrically, as
  /// Swift arrays do, so a streamed run may transiently reserve up to about twice its pixels;
  /// `addRun` allocates exactly).
  public var memoryBytes: Int {
    totalFrameCount * geometry.output.pixels * (storageType?.bytesPerPixel ?? 0)
      + MemoryLayout<Double>.stride * geometry.output.pixels
  }

  /// Global minimum over all stored pixels, in raw units (nil while the dataset holds no frames).
  public var minimum: Double? { totalFrameCount > 0 ? rawMin : nil }
  /// Global maximum over all stored pixels, in raw units (nil while the dataset holds no frames).
  public var maximum: Double? { totalFrameCount > 0 ? rawMax : nil }

  // MARK: - Runs and labels

  /// Frames in run `run`.
  /// - Throws: `.invalidArgument` for an unknown run id.
  public func frameCount(run: Int) throws -> Int {
    try requireRun(run)
    return runs[run].frameCount
  }

  /// The group label of run `run` (nil = unlabelled).
  /// - Throws: `.invalidArgument` for an unknown run id.
  public func label(run: Int) throws -> Int32? {
    try requireRun(run)
    return runs[run].label
  }

  /// Labels of all runs, by run id.
  public var labels: [Int32?] { runs.map(\.label) }

  /// Sets (or, with nil, clears) the group label of run `run`.
  /// - Throws: `.invalidArgument` for an unknown run id (nothing changes).
  public func setLabel(_ label: Int32?, run: Int) throws {
    try requireRun(run)
    runs[run].label = label
  }

  /// The name of run `run` (its source file, say; nil = unnamed), kept by a model that analyses
  /// the dataset and saved in its file.
  /// - Throws: `.invalidArgument` for an unknown run id.
  public func runName(run: Int) throws -> String? {
    try requireRun(run)
    return runs[run].name
  }

  /// Names run `run` (nil clears the name).
  /// - Throws: `.invalidArgument` for an unknown run id or a name longer than
  ///   `maximumNameBytes` UTF-8 bytes (nothing changes).
  public func setRunName(_ name: String?, run: Int) throws {
    try requireRun(run)
    try Self.checkName(name)
    runs[run].name = name
  }

  /// Condition names by group label (labels without a name are absent).
  public private(set) var conditionNames: [Int32: String] = [:]

  /// Names the condition of group label `label` (nil clears the name). Runs carry the label;
  /// the name is what tables and figures show for it.
  /// - Throws: `.invalidArgument` for a name longer than `maximumNameBytes` UTF-8 bytes, or one
  ///   another label has (nothing changes).
  public func setConditionName(_ name: String?, label: Int32) throws {
    try Self.checkName(name)
    if let name, let other = conditionNames.first(where: { $0.value == name && $0.key != label }) {
      throw SparseVARError.invalidArgument("the condition name \"\(name)\" is label \(other.key)'s already")
    }
    conditionNames[label] = name
  }

  /// The longest run or condition name, in UTF-8 bytes.
  public static let maximumNameBytes = 4096

  /// Throws `.invalidArgument` for a name longer than `maximumNameBytes`.
  public static func checkName(_ name: String?) throws {
    guard let name else { return }
    guard name.utf8.count <= maximumNameBytes else {
      throw SparseVARError.invalidArgument("a name of \(name.utf8.count) bytes: at most \(maximumNameBytes) are kept")
    }
  }

  /// Starts a new, empty run, to be filled by `append`; returns its id (0, 1, 2, ... in order
  /// of creation).
  @discardableResult
  public func beginRun(label: Int32? = nil) -> Int {
    runs.append(Run(label: label))
    return runs.count - 1
  }

  func requireRun(_ run: Int) throws {
    guard run >= 0, run < runs.count else {
      throw SparseVARError.invalidArgument(
        "unknown run id \(run): the dataset has \(runs.count) run\(runs.count == 1 ? "" : "s")"
          + (runs.isEmpty ? "" : " (ids 0..<\(runs.count))"))
    }
  }

  // MARK: - Normalisation

  /// The normalisation x = (v - min) * scale, or an error when there is none.
  func normalisation() throws -> (offset: Double, scale: Double) {
    guard totalFrameCount > 0 else {
      throw SparseVARError.notFitted(
        "the dataset holds no frames yet: normalisation to [0, 1] needs its global min and max")
    }
    guard rawMax > rawMin else {
      throw SparseVARError.numerical(
        "the dataset is constant (every stored pixel is \(rawMin)): normalisation to [0, 1] by "
          + "the global min and max needs max > min")
    }
    return (rawMin, 1 / (rawMax - rawMin))
  }

  /// The mean frame xbar over all frames of all runs, in normalised units (h' x w', row-major,
  /// values in [0, 1]).
  /// - Throws: `.notFitted` when the dataset holds no frames, `.numerical` when it is constant.
  public var meanFrame: [Float] {
    get throws {
      let (offset, scale) = try normalisation()
      let n = Double(totalFrameCount)
      return pixelSums.map { sum in
        Float(min(1, max(0, (sum / n - offset) * scale)))
      }
    }
  }

  // MARK: - Reading

  /// Frames `range` of run `run`, normalised to [0, 1]: `range.count x h' x w'`, row-major.
  /// - Throws: `.invalidArgument` for an unknown run or a range outside `0...frameCount(run:)`,
  ///   `.notFitted` / `.numerical` when the dataset is empty or constant.
  public func frames(run: Int, range: Range<Int>) throws -> [Float] {
    try checkRead(run: run, range: range)
    let count = range.count * geometry.output.pixels
    try reserveMemory(count, of: Float.self, what: "\(range.count) frames of \(geometry.output) pixels as Float")
    return try [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
      try copyFrames(run: run, range: range, into: buffer)
      initialised = count
    }
  }

  /// All frames of run `run`, normalised (`frameCount x h' x w'`).
  public func frames(run: Int) throws -> [Float] {
    try requireRun(run)
    return try frames(run: run, range: 0..<runs[run].frameCount)
  }

  /// Writes frames `range` of run `run`, normalised to [0, 1], into `output`, which must hold
  /// exactly `range.count * h' * w'` values (row-major). On error `output` is not written.
  public func copyFrames(run: Int, range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>) throws {
    try checkRead(run: run, range: range)
    let pixels = geometry.output.pixels
    guard output.count == range.count * pixels else {
      throw SparseVARError.shape(
        "\(range.count) frames of \(geometry.output) need \(range.count * pixels) values, "
          + "the output holds \(output.count)")
    }
    var (offset, scale) = try normalisation()
    if equalizesRunBrightness {
      let runMean = (runs[run].rawSum / Double(max(runs[run].frameCount * pixels, 1)) - offset) * scale
      let datasetMean = (pixelSums.reduce(0, +) / Double(max(totalFrameCount * pixels, 1)) - offset) * scale
      if runMean > 0, datasetMean > 0 { scale *= datasetMean / runMean }
    }
    let first = range.lowerBound * pixels
    switch storageType {
    case .uint16:
      runs[run].u16.withUnsafeBufferPointer { stored in
        for i in 0..<output.count { output[i] = Float((Double(stored[first + i]) - offset) * scale) }
      }
    case .float32:
      runs[run].f32.withUnsafeBufferPointer { stored in
        for i in 0..<output.count { output[i] = Float((Double(stored[first + i]) - offset) * scale) }
      }
    case nil:
      break  // unreachable: normalisation() needs frames
    }
  }

  func checkRead(run: Int, range: Range<Int>) throws {
    try requireRun(run)
    let n = runs[run].frameCount
    guard range.lowerBound >= 0, range.upperBound <= n else {
      throw SparseVARError.invalidArgument(
        "frames \(range.lowerBound)..<\(range.upperBound) are outside run \(run), which has \(n) "
          + "frame\(n == 1 ? "" : "s")")
    }
  }

  // MARK: - Training windows

  /// Cuts every run into consecutive non-overlapping windows of `length` frames, runs in id
  /// order, windows in time order (docs/model.md, "Training"). The tail of a run (its last
  /// `frameCount % length` frames) is kept as a shorter window when it has at least
  /// `minimumTail` frames, and DROPPED when it is shorter (those frames are not trained on).
  /// The trainer passes `minimumTail = p + 2`, the fewest frames a VAR of order p can be fitted
  /// on with n = T - p >= 2 rows. A run shorter than `minimumTail` gives no window at all.
  /// - Throws: `.invalidArgument` when `length < 1`, `minimumTail < 0`, or
  ///   `length < minimumTail` (full windows would themselves be too short).
  public func windows(length: Int, minimumTail: Int) throws -> [FrameWindow] {
    guard length >= 1 else {
      throw SparseVARError.invalidArgument("the window length must be >= 1, got \(length)")
    }
    guard minimumTail >= 0 else {
      throw SparseVARError.invalidArgument("the minimum tail must be >= 0, got \(minimumTail)")
    }
    guard length >= minimumTail else {
      throw SparseVARError.invalidArgument(
        "the window length \(length) is shorter than the minimum window of \(minimumTail) frames "
          + "(p + 2 for a VAR of order p)")
    }
    var out: [FrameWindow] = []
    for (id, run) in runs.enumerated() {
      var start = 0
      while start + length <= run.frameCount {
        out.append((run: id, start: start, count: length))
        start += length
      }
      let tail = run.frameCount - start
      if tail > 0, tail >= minimumTail {
        out.append((run: id, start: start, count: tail))
      }
    }
    return out
  }
}
