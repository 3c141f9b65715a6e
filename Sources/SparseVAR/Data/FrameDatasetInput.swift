//===--- FrameDatasetInput.swift ------------------------------------------===//
//
// Adding frames to a FrameDataset: `addRun` (a whole run) and `append` (a batch of frames to a
// run started with `beginRun`, as acquisition software streams them), for UInt16, Float and
// Double frames given as UnsafeBufferPointer or array.
//
// Every call runs in two phases. Validate: count, size, run id, and every raw value (NaN or
// infinity anywhere, also in pixels the crop cuts away; Double beyond Float's range). Commit:
// only then, and infallibly, convert the storage if needed, crop / downscale into the run's
// storage, and update the global min / max and the mean frame's running sums.
//
//===----------------------------------------------------------------------===//

/// An element type frames may be given in.
protocol FrameInputPixel {
  static var framePixelIsFloatingPoint: Bool { get }
  /// False for NaN, infinity, or a value that overflows Float.
  var framePixelIsStorable: Bool { get }
  var framePixelIsNonFinite: Bool { get }
  var framePixelFloat: Float { get }
}

extension UInt16: FrameInputPixel {
  static var framePixelIsFloatingPoint: Bool { false }
  var framePixelIsStorable: Bool { true }
  var framePixelIsNonFinite: Bool { false }
  var framePixelFloat: Float { Float(self) }
}

extension Float: FrameInputPixel {
  static var framePixelIsFloatingPoint: Bool { true }
  var framePixelIsStorable: Bool { isFinite }
  var framePixelIsNonFinite: Bool { !isFinite }
  var framePixelFloat: Float { self }
}

extension Double: FrameInputPixel {
  static var framePixelIsFloatingPoint: Bool { true }
  var framePixelIsStorable: Bool { Float(self).isFinite }
  var framePixelIsNonFinite: Bool { !isFinite }
  var framePixelFloat: Float { Float(self) }
}

/// An element type frames are stored in.
protocol FrameStoredPixel {
  static var zero: Self { get }
  var framePixelDouble: Double { get }
}

extension UInt16: FrameStoredPixel {
  var framePixelDouble: Double { Double(self) }
}

extension Float: FrameStoredPixel {
  var framePixelDouble: Double { Double(self) }
}

extension FrameDataset {
  // MARK: - Public input: whole runs

  /// Adds a whole run of `count` frames (`count x H x W`, row-major, raw size) with an optional
  /// group label and returns its id. `count` may be 0 (an empty run, which `append` can fill).
  /// - Throws: `.invalidArgument` (count < 0, Double beyond Float's range), `.shape` (the buffer
  ///   does not hold `count * H * W` values), `.nonFinite` (NaN or infinity anywhere). On error
  ///   the dataset is unchanged and no run is created.
  @discardableResult
  public func addRun(_ frames: UnsafeBufferPointer<UInt16>, count: Int, label: Int32? = nil) throws -> Int {
    try ingest(frames, count: count, run: nil, label: label)
  }

  /// Adds a whole run of Float frames; see `addRun(_:count:label:)` for UInt16.
  @discardableResult
  public func addRun(_ frames: UnsafeBufferPointer<Float>, count: Int, label: Int32? = nil) throws -> Int {
    try ingest(frames, count: count, run: nil, label: label)
  }

  /// Adds a whole run of Double frames (stored as Float); see `addRun(_:count:label:)` for UInt16.
  @discardableResult
  public func addRun(_ frames: UnsafeBufferPointer<Double>, count: Int, label: Int32? = nil) throws -> Int {
    try ingest(frames, count: count, run: nil, label: label)
  }

  /// Array form of `addRun(_:count:label:)`.
  @discardableResult
  public func addRun(_ frames: [UInt16], count: Int, label: Int32? = nil) throws -> Int {
    try frames.withUnsafeBufferPointer { try ingest($0, count: count, run: nil, label: label) }
  }

  /// Array form of `addRun(_:count:label:)`.
  @discardableResult
  public func addRun(_ frames: [Float], count: Int, label: Int32? = nil) throws -> Int {
    try frames.withUnsafeBufferPointer { try ingest($0, count: count, run: nil, label: label) }
  }

  /// Array form of `addRun(_:count:label:)`.
  @discardableResult
  public func addRun(_ frames: [Double], count: Int, label: Int32? = nil) throws -> Int {
    try frames.withUnsafeBufferPointer { try ingest($0, count: count, run: nil, label: label) }
  }

  // MARK: - Public input: streamed batches

  /// Appends `count` frames (`count x H x W`, row-major, raw size) to the end of run `run`
  /// (from `beginRun` or `addRun`). Appending batches gives exactly the dataset that adding
  /// their concatenation as one run gives.
  /// - Throws: `.invalidArgument` (unknown run id, count < 0, Double beyond Float's range),
  ///   `.shape` (the buffer does not hold `count * H * W` values), `.nonFinite` (NaN or
  ///   infinity anywhere). On error the dataset is unchanged: no frame of the batch is stored.
  public func append(_ frames: UnsafeBufferPointer<UInt16>, count: Int, to run: Int) throws {
    _ = try ingest(frames, count: count, run: run, label: nil)
  }

  /// Appends Float frames; see `append(_:count:to:)` for UInt16.
  public func append(_ frames: UnsafeBufferPointer<Float>, count: Int, to run: Int) throws {
    _ = try ingest(frames, count: count, run: run, label: nil)
  }

  /// Appends Double frames (stored as Float); see `append(_:count:to:)` for UInt16.
  public func append(_ frames: UnsafeBufferPointer<Double>, count: Int, to run: Int) throws {
    _ = try ingest(frames, count: count, run: run, label: nil)
  }

  /// Array form of `append(_:count:to:)`.
  public func append(_ frames: [UInt16], count: Int, to run: Int) throws {
    _ = try frames.withUnsafeBufferPointer { try ingest($0, count: count, run: run, label: nil) }
  }

  /// Array form of `append(_:count:to:)`.
  public func append(_ frames: [Float], count: Int, to run: Int) throws {
    _ = try frames.withUnsafeBufferPointer { try ingest($0, count: count, run: run, label: nil) }
  }

  /// Array form of `append(_:count:to:)`.
  public func append(_ frames: [Double], count: Int, to run: Int) throws {
    _ = try frames.withUnsafeBufferPointer { try ingest($0, count: count, run: run, label: nil) }
  }

  // MARK: - Validation and commit

  /// Validates `count` raw frames, then stores them in run `run` or, when `run` is nil, in a new
  /// run labelled `label`. Returns the run id.
  func ingest<T: FrameInputPixel>(
    _ frames: UnsafeBufferPointer<T>, count: Int, run: Int?, label: Int32?
  ) throws -> Int {
    // Validate: nothing below may change the dataset before the commit.
    guard count >= 0 else {
      throw SparseVARError.invalidArgument("the frame count must be >= 0, got \(count)")
    }
    if let run { try requireRun(run) }
    let rawPixels = geometry.input.pixels
    let (expected, overflow) = count.multipliedReportingOverflow(by: rawPixels)
    guard !overflow, frames.count == expected else {
      throw SparseVARError.shape(
        "\(count) frame\(count == 1 ? "" : "s") of \(geometry.input) (height x width) need "
          + (overflow ? "more values than can be addressed" : "\(expected) values")
          + ", got \(frames.count)")
    }
    // Memory first: a batch that cannot be stored is refused before it is read.
    try reserveStorage(count: count, run: run, floatingPoint: T.framePixelIsFloatingPoint)
    if T.framePixelIsFloatingPoint, let bad = frames.firstIndex(where: { !$0.framePixelIsStorable }) {
      let frame = bad / rawPixels
      let row = (bad % rawPixels) / geometry.input.width
      let column = bad % geometry.input.width
      let place = "at frame \(frame) of the batch, row \(row), column \(column)"
      if frames[bad].framePixelIsNonFinite {
        throw SparseVARError.nonFinite("the frames contain NaN or infinity (\(frames[bad]) \(place))")
      }
      throw SparseVARError.invalidArgument(
        "the frame value \(frames[bad]) \(place) is beyond Float's range (frames are stored as Float)")
    }

    // Commit: infallible from here on.
    let id: Int
    if let run {
      id = run
    } else {
      runs.append(Run(label: label))
      id = runs.count - 1
    }
    guard count > 0 else { return id }
    if T.framePixelIsFloatingPoint, storageType == .uint16 { convertToFloatStorage() }
    if storageType == nil { storageType = T.framePixelIsFloatingPoint ? .float32 : .uint16 }
    let fresh = run == nil
    let added: Double
    switch storageType! {
    case .uint16:
      // Only UInt16 input reaches UInt16 storage.
      let source = UnsafeRawBufferPointer(frames).assumingMemoryBound(to: UInt16.self)
      added = store(source, count: count, into: &runs[id].u16, exact: fresh) { $0 }
    case .float32:
      added = store(frames, count: count, into: &runs[id].f32, exact: fresh) { $0.framePixelFloat }
    }
    runs[id].rawSum += added
    runs[id].frameCount += count
    totalFrameCount += count
    return id
  }

  /// Checks that storing `count` more frames in run `run` (nil = a new run) can be allocated:
  /// their stored pixels, the array the run's storage grows into, and, when floating-point frames
  /// reach UInt16 storage, the Float copy of every stored frame. Throws `.noMemory` (or `.shape`
  /// when the sizes overflow) before anything changes.
  func reserveStorage(count: Int, run: Int?, floatingPoint: Bool) throws {
    let what = "storing \(count) frame\(count == 1 ? "" : "s") of \(geometry.output) pixels"
    let pixels = geometry.output.pixels
    let added = try checkedProduct(count, pixels, what: what)
    let toFloat = floatingPoint || storageType == .float32
    let bytesPerPixel = toFloat ? FrameStorageType.float32.bytesPerPixel : FrameStorageType.uint16.bytesPerPixel
    var elements = added
    if let run {
      // Appending: the run's array grows into a new buffer of at least twice its capacity.
      let held = try checkedProduct(runs[run].frameCount, pixels, what: what)
      let capacity = storageType == .float32 ? runs[run].f32.capacity : runs[run].u16.capacity
      elements = max(try checkedSum(held, added, what: what), 2 * capacity)
    }
    if floatingPoint, storageType == .uint16 {
      // Every stored frame is converted to Float first.
      elements = try checkedSum(elements, try checkedProduct(totalFrameCount, pixels, what: what), what: what)
    }
    try reserveMemory(bytes: try checkedProduct(elements, bytesPerPixel, what: what), what: what)
  }

  /// Crops / downscales `count` validated raw frames onto the end of `storage`, updating the
  /// global min / max and the per-pixel sums; returns the sum of the stored values. `exact`: the
  /// storage is new, allocate just enough.
  func store<S, D: FrameStoredPixel>(
    _ frames: UnsafeBufferPointer<S>, count: Int, into storage: inout [D], exact: Bool,
    convert: (S) -> D
  ) -> Double {
    let g = geometry
    let outPixels = g.output.pixels
    let rawPixels = g.input.pixels
    let old = storage.count
    if exact { storage.reserveCapacity(old + count * outPixels) }
    storage.append(contentsOf: repeatElement(D.zero, count: count * outPixels))
    var low = rawMin
    var high = rawMax
    var added = 0.0
    storage.withUnsafeMutableBufferPointer { out in
      pixelSums.withUnsafeMutableBufferPointer { sums in
        var o = old
        for k in 0..<count {
          let base = k * rawPixels
          var p = 0
          for i in 0..<g.output.height {
            let rowStart = base + g.sourceIndex(row: i, column: 0)
            for j in 0..<g.output.width {
              let v = convert(frames[rowStart + j * g.factor])
              out[o] = v
              let d = v.framePixelDouble
              if d < low { low = d }
              if d > high { high = d }
              sums[p] += d
              added += d
              o += 1
              p += 1
            }
          }
        }
      }
    }
    rawMin = low
    rawMax = high
    return added
  }

  /// Converts every run's UInt16 storage to Float storage (exact).
  func convertToFloatStorage() {
    for id in runs.indices {
      runs[id].f32 = runs[id].u16.map { Float($0) }
      runs[id].u16 = []
    }
    storageType = .float32
  }
}
