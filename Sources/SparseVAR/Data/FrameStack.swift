//===--- FrameStack.swift -------------------------------------------------===//
//
// The frames of one recording as read from (or written to) a file: `count x height x width`
// samples, row-major, in the sample type the file holds them in (or the nearest one the
// library stores), and the bridge that adds such a stack to a FrameDataset as one run.
//
//     file samples                 FrameStack storage
//     8-bit or 16-bit unsigned  -> .uint16   (8-bit values are widened, exactly)
//     16-bit signed             -> .float32  (exactly: every Int16 is a Float)
//     32-bit float              -> .float32
//     64-bit float              -> .float64
//
//===----------------------------------------------------------------------===//

/// The sample type of a `FrameStack`.

public enum FrameSampleType: Sendable, Equatable, CustomStringConvertible {
  case uint16
  case float32
  case float64

  /// Bytes per sample.
  public var bytesPerSample: Int {
    switch self {
    case .uint16: return 2
    case .float32: return 4
    case .float64: return 8
    }
  }

  public var description: String {
    switch self {
    case .uint16: return "uint16"
    case .float32: return "float32"
    case .float64: return "float64"
    }
  }
}

/// The frames of one recording: `count` frames of `height x width` pixels, row-major and
/// contiguous (`sample k*height*width + r*width + c` is row r, column c of frame k), as
/// `FrameDataset` takes them.
public struct FrameStack: Sendable, Equatable {
  /// The samples, `count * height * width` of them, in one of the types a dataset takes.
  public enum Storage: Sendable, Equatable {
    case uint16([UInt16])
    case float32([Float])
    case float64([Double])

    /// Number of samples.
    public var count: Int {
      switch self {
      case .uint16(let v): return v.count
      case .float32(let v): return v.count
      case .float64(let v): return v.count
      }
    }

    /// The sample type.
    public var sampleType: FrameSampleType {
      switch self {
      case .uint16: return .uint16
      case .float32: return .float32
      case .float64: return .float64
      }
    }
  }

  /// Number of frames (>= 0).
  public let count: Int
  /// Rows per frame (>= 1).
  public let height: Int
  /// Pixels per row (>= 1).
  public let width: Int
  /// The samples, `count x height x width`, row-major.
  public let storage: Storage

  /// A stack of `count` frames of `height x width` pixels.
  /// - Throws: `.invalidArgument` when `count < 0` or a side is < 1, `.shape` when `storage`
  ///   does not hold exactly `count * height * width` samples.
  public init(count: Int, height: Int, width: Int, storage: Storage) throws {
    guard count >= 0 else {
      throw SparseVARError.invalidArgument("the frame count must be >= 0, got \(count)")
    }
    guard height >= 1, width >= 1 else {
      throw SparseVARError.invalidArgument("frames must be at least 1 x 1 pixels, got \(height) x \(width)")
    }
    let (pixels, o1) = height.multipliedReportingOverflow(by: width)
    let (samples, o2) = pixels.multipliedReportingOverflow(by: count)
    guard !o1, !o2, samples == storage.count else {
      throw SparseVARError.shape(
        "\(count) frames of \(height) x \(width) pixels need \(o1 || o2 ? "more" : String(samples)) "
          + "samples, the storage holds \(storage.count)")
    }
    self.count = count
    self.height = height
    self.width = width
    self.storage = storage
  }

  /// Internal: the caller guarantees the shape (readers, after their own checks).
  package init(unchecked count: Int, height: Int, width: Int, storage: Storage) {
    self.count = count
    self.height = height
    self.width = width
    self.storage = storage
  }

  /// Pixels per frame, `height * width`.
  public var pixelsPerFrame: Int { height * width }

  /// The sample type of `storage`.
  public var sampleType: FrameSampleType { storage.sampleType }

  /// Bytes held by the samples, `count * height * width * sampleType.bytesPerSample`.
  public var byteCount: Int { storage.count * sampleType.bytesPerSample }
}

extension FrameDataset {
  /// Adds the frames of `stack` as one new run with an optional group label and returns its id.
  /// UInt16 stacks are stored as UInt16, Float and Double stacks as Float (see `FrameDataset`
  /// on mixing types). A stack of 0 frames gives an empty run.
  /// - Throws: `.shape` when the stack's frames are not `inputHeight x inputWidth`, and what
  ///   `addRun(_:count:label:)` throws (`.nonFinite` for NaN or infinity, `.invalidArgument` for
  ///   a Double beyond Float's range). On error the dataset is unchanged.
  @discardableResult
  public func addRun(_ stack: FrameStack, label: Int32? = nil) throws -> Int {
    guard stack.height == inputHeight, stack.width == inputWidth else {
      throw SparseVARError.shape(
        "the recording has frames of \(stack.height) x \(stack.width) pixels, the dataset takes "
          + "\(inputHeight) x \(inputWidth) (every run of a dataset must show the same field of view)")
    }
    switch stack.storage {
    case .uint16(let samples): return try addRun(samples, count: stack.count, label: label)
    case .float32(let samples): return try addRun(samples, count: stack.count, label: label)
    case .float64(let samples): return try addRun(samples, count: stack.count, label: label)
    }
  }
}
