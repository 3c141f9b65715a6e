//===--- FrameFile.swift --------------------------------------------------===//
//
// Reading and writing recordings as frame stacks, the format chosen by the file's extension
// (case-insensitive):
//
//   .npy            NumPy array frames x height x width (NPYFile.swift)
//                   read: uint8, uint16, int16, float32, float64, either byte order, C order
//                   write: format 1.0, little-endian uint16, float32 or float64
//   .tif, .tiff     multi-page TIFF or BigTIFF, one grayscale page per frame (TIFFFile.swift)
//                   read: uncompressed 8/16-bit unsigned, 16-bit signed, 32/64-bit float,
//                   strips or tiles, either byte order
//                   write: classic little-endian, uncompressed 16-bit unsigned or 32-bit float
//
// Memory: a read allocates the output once (its size is at most twice the file's pixel data,
// for 8-bit and 16-bit signed input) plus at most 1 MiB of scratch; writes stream from the
// stack's storage.
//
//===----------------------------------------------------------------------===//

/// A file format of frame stacks.
import SparseVAR

public enum FrameFileFormat: String, Sendable, CaseIterable {
  /// NumPy .npy.
  case npy
  /// Multi-page TIFF (classic or BigTIFF).
  case tiff

  /// The extensions of the format, with their dot.
  public var extensions: [String] {
    switch self {
    case .npy: return [".npy"]
    case .tiff: return [".tif", ".tiff"]
    }
  }

  /// The format of `path` by its extension (case-insensitive), nil when unknown.
  public init?(path: String) {
    let lower = path.lowercased()
    guard let format = FrameFileFormat.allCases.first(where: { $0.extensions.contains { lower.hasSuffix($0) } }) else {
      return nil
    }
    self = format
  }
}

/// Reads and writes recordings (`FrameStack`) as .npy and multi-page TIFF files.
public enum FrameFile {
  /// Every extension read and written, with its dot: .npy, .tif, .tiff.
  public static var supportedExtensions: [String] { FrameFileFormat.allCases.flatMap(\.extensions) }

  /// The format of `path` by its extension.
  /// - Throws: `.format` naming the supported extensions when the extension is not one of them.
  public static func format(of path: String) throws -> FrameFileFormat {
    guard let format = FrameFileFormat(path: path) else {
      throw SparseVARError.format(
        "cannot tell the format of \(path) from its extension: supported are "
          + supportedExtensions.joined(separator: ", ")
          + " (convert other recordings to a NumPy array and save it with np.save)")
    }
    return format
  }

  /// Reads the frames of `path`, choosing the reader by the extension.
  /// - Throws: `.io` when the file cannot be opened or read (the message has the path and the
  ///   system's reason), `.format` for an unknown extension or a file that is truncated, damaged
  ///   or holds something other than a stack of grayscale frames (the message says what was found).
  ///
  /// `channel` (1-based) chooses one channel of a TIFF stack whose pages interleave several
  /// (ScanImage, ImageJ hyperstacks; see TIFFChannelLayout); such a stack is refused without it
  /// (`.invalidArgument` naming the channels), and so is a channel the file does not have. A
  /// .npy array holds one channel.
  public static func read(path: String, channel: Int? = nil) throws -> FrameStack {
    try read(path: path, format: format(of: path), channel: channel)
  }

  /// Reads the frames of `path` as `format`, whatever its extension.
  public static func read(path: String, format: FrameFileFormat, channel: Int? = nil) throws -> FrameStack {
    switch format {
    case .npy:
      guard channel == nil || channel == 1 else {
        throw SparseVARError.invalidArgument("\(path) is a .npy array of one channel: channel \(channel!) does not exist")
      }
      return try NPYFile.read(path: path)
    case .tiff: return try TIFFFile.read(path: path, channel: channel)
    }
  }

  /// The channels of the TIFF stack at `path`, as its ScanImage or ImageJ metadata states them
  /// (one for a TIFF without such metadata and for .npy).
  public static func channels(path: String) throws -> TIFFChannelLayout {
    guard try format(of: path) == .tiff else { return .single }
    let file = try FrameFileReader(path: path)
    let (layout, first) = try TIFFFile.readHeader(file)
    guard let offset = Int(exactly: first), first != 0 else {
      throw SparseVARError.format("\(path) has no pages: its first directory offset is 0")
    }
    return try TIFFFile.channelLayout(file, layout, firstPageAt: offset)
  }

  /// Writes `stack` to `path`, choosing the format by the extension. The file is written to a
  /// new temporary file in the same directory and renamed into place when complete.
  /// - Throws: `.format` for an unknown extension, `.invalidArgument` for a stack the format
  ///   cannot hold (TIFF: no frames, float64 samples, more than 4 GiB), `.io` when writing fails.
  public static func write(_ stack: FrameStack, to path: String) throws {
    try write(stack, to: path, format: format(of: path))
  }

  /// Writes `stack` to `path` as `format`, whatever its extension.
  public static func write(_ stack: FrameStack, to path: String, format: FrameFileFormat) throws {
    switch format {
    case .npy: try NPYFile.write(stack, to: path)
    case .tiff: try TIFFFile.write(stack, to: path)
    }
  }
}
