//===--- Suite2PBinary.swift ----------------------------------------------===//
//
// suite2p's registered binary: a plane folder's data.bin (data_chan2.bin for the second
// channel) holds int16 frames of Ly x Lx pixels, little-endian, row-major, one after the other,
// with no header. Ly and Lx are in the folder's ops.npy (or settings.npy), a pickled Python dict
// this library does not read (unpickling is code execution and a pickle parser is out of
// scope): the caller gives the frame size. The frame count is the file's size / (2 Ly Lx),
// which must be whole. Frames are read as float32 (exactly), as a .npy int16 stack is.
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

/// Reads suite2p's registered binary (`data.bin`).
public enum Suite2PBinary {
  /// The binary of `path`: the file itself, or a plane folder's data.bin (channel 1) or
  /// data_chan<channel>.bin.
  public static func binaryPath(_ path: String, channel: Int = 1) throws -> String {
    guard isDirectory(path) else { return path }
    let name = channel == 1 ? "data.bin" : "data_chan\(channel).bin"
    return path.hasSuffix("/") ? path + name : path + "/" + name
  }

  /// Reads the int16 frames of `height` x `width` (suite2p's Ly x Lx) of `path` (a data.bin or
  /// a plane folder, see `binaryPath`) as float32.
  /// - Throws: `.io` when the file cannot be opened or read, `.invalidArgument` for a frame size
  ///   below 1 x 1, `.shape` when the file's size is not a whole number of frames of that size.
  public static func read(path: String, height: Int, width: Int, channel: Int = 1) throws -> FrameStack {
    guard height >= 1, width >= 1 else {
      throw SparseVARError.invalidArgument("suite2p frames need at least 1 x 1 pixels, got \(height) x \(width)")
    }
    let file = try FrameFileReader(path: try binaryPath(path, channel: channel))
    guard let pixels = sizeProduct(height, width), let frameBytes = sizeProduct(pixels, 2),
      file.size % frameBytes == 0
    else {
      throw SparseVARError.shape(
        "\(file.path) has \(file.size) bytes, not a whole number of \(height) x \(width) int16 frames: is the frame "
          + "size (Ly x Lx of its ops.npy) right?")
    }
    let count = file.size / frameBytes
    let samples = count * pixels
    let storage = try makeFrameStorage(.float32, samples: samples) { destination in
      try file.readSamples(
        samples, FrameSampleEncoding(kind: .int16, bigEndian: false), at: 0, into: destination, "the frames")
    }
    return FrameStack(unchecked: count, height: height, width: width, storage: storage)
  }

  /// True when `path` is a directory (a suite2p plane folder).
  public static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }
}
