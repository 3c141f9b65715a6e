// TIFF stacks whose pages interleave channels, as ScanImage and ImageJ write them: the channel
// count comes from the first page's metadata, one channel is read at a time, and a ScanImage stack
// whose channel count is unknown is refused.
import Glibc
import Testing
@testable import SparseVAR
@testable import SparseVARFiles

/// A classic little-endian TIFF of `pages` 16-bit pages (height x width), one strip each, with
/// `description` (ImageDescription) and `software` (Software) on the first page when given.
private func interleavedTIFF(
  _ pages: [[UInt16]], height: Int, width: Int, description: String?, software: String? = nil
) -> [UInt8] {
  func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
  var bytes: [UInt8] = [0x49, 0x49] + le(42, 2) + le(0, 4)
  var nextField = 4
  for (index, pixels) in pages.enumerated() {
    let strip = bytes.count
    bytes += pixels.flatMap { le(Int($0), 2) }
    var texts: [(Int, Int, Int)] = []  // (tag, offset, count)
    for (tag, text) in [(270, description), (305, software)] where index == 0 {
      guard let text else { continue }
      let utf8 = Array(text.utf8) + [0]
      texts.append((tag, bytes.count, utf8.count))
      bytes += utf8
    }
    if bytes.count % 2 == 1 { bytes.append(0) }
    var entries: [(Int, Int, Int, [UInt8])] = [  // tag, type, count, value field
      (256, 4, 1, le(width, 4)), (257, 4, 1, le(height, 4)), (258, 3, 1, le(16, 4)), (259, 3, 1, le(1, 4)),
      (262, 3, 1, le(1, 4)), (273, 4, 1, le(strip, 4)), (277, 3, 1, le(1, 4)), (278, 4, 1, le(height, 4)),
      (279, 4, 1, le(2 * pixels.count, 4)),
    ]
    entries += texts.map { ($0.0, 2, $0.2, le($0.1, 4)) }
    entries.sort { $0.0 < $1.0 }
    let ifd = bytes.count
    bytes.replaceSubrange(nextField..<(nextField + 4), with: le(ifd, 4))
    bytes += le(entries.count, 2)
    for (tag, type, count, field) in entries { bytes += le(tag, 2) + le(type, 2) + le(count, 4) + field }
    nextField = bytes.count
    bytes += le(0, 4)
  }
  return bytes
}

/// Writes `bytes` to a temporary .tif, runs `body` with its path, removes it.
private func withTIFF<T>(_ bytes: [UInt8], _ name: String, _ body: (String) throws -> T) throws -> T {
  let path = "/tmp/sparsevar-channels-\(getpid())-\(name).tif"
  let file = fopen(path, "wb")!
  _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
  fclose(file)
  defer { unlink(path) }
  return try body(path)
}

/// Six time points of two channels, interleaved: channel 1 frames hold 100 + t, channel 2 200 + t.
private let (height, width, frames) = (3, 4, 6)
private let pages: [[UInt16]] = (0..<(2 * frames)).map { (page: Int) -> [UInt16] in
  let value: Int = (page % 2 == 0 ? 100 : 200) + page / 2
  return [UInt16](repeating: UInt16(value), count: height * width)
}
private func channelFrames(_ channel: Int) -> FrameStack.Storage {
  var values: [UInt16] = []
  for t in 0..<frames {
    values += [UInt16](repeating: UInt16(channel * 100 + t), count: height * width)
  }
  return .uint16(values)
}

private func message(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch let error as SparseVARError {
    return error.message
  } catch {
    return "\(error)"
  }
}

@Suite struct TIFFChannelTests {
  static let twoChannelDescriptions: [(String, String?, String?)] = [
    ("scanimage2016", "frameNumbers = 1\nframeTimestamps_sec = 0.000\n", "SI.LINE_FORMAT_VERSION = 1\nSI.hChannels.channelSave = [1;2]\nSI.hChannels.channelsActive = [1;2]\n"),
    ("scanimage5", "scanimage.SI.VERSION_MAJOR = '5.1'\nscanimage.SI.hChannels.channelSave = [1 2]\n", nil),
    ("scanimage4", "scanimage.SI4.channelsSave = [1;2]\nscanimage.SI4.fastZEnable = 0\n", nil),
    ("scanimage3", "state.configPath='C:\\config'\nstate.acq.numberOfChannelsSave=2\n", nil),
    ("imagej", "ImageJ=1.54f\nimages=12\nchannels=2\nframes=6\nhyperstack=true\nmode=composite\n", nil),
  ]

  @Test(arguments: twoChannelDescriptions)
  func twoChannelStackIsReadOneChannelAtATime(_ name: String, _ description: String?, _ software: String?) throws {
    let bytes = interleavedTIFF(pages, height: height, width: width, description: description, software: software)
    try withTIFF(bytes, name) { path in
      #expect(try FrameFile.channels(path: path).count == 2)
      for channel in [1, 2] {
        let stack = try FrameFile.read(path: path, channel: channel)
        #expect(stack.count == frames && stack.height == height && stack.width == width)
        #expect(stack.storage == channelFrames(channel))
      }
      // Without a channel the stack is refused, naming the channels and the option.
      let refusal = message { _ = try FrameFile.read(path: path) }
      #expect(refusal?.contains("2 interleaved channels") == true)
      #expect(refusal?.contains("channel option") == true)
      #expect(message { _ = try FrameFile.read(path: path, channel: 3) }?.contains("channel 3 does not exist") == true)
    }
  }

  @Test func savedScanImageChannelNumbersAreNamed() throws {
    let software = "SI.hChannels.channelSave = [2;3]\n"
    let bytes = interleavedTIFF(pages, height: height, width: width, description: nil, software: software)
    let (layout, refusal, second) = try withTIFF(bytes, "pmt23") { path in
      (try FrameFile.channels(path: path), message { _ = try FrameFile.read(path: path) },
       try FrameFile.read(path: path, channel: 2))
    }
    #expect(layout == TIFFChannelLayout(count: 2, numbers: [2, 3], source: "ScanImage channelSave = [2;3]"))
    #expect(refusal?.contains("ScanImage channels 2, 3") == true)
    #expect(second.storage == channelFrames(2))
  }

  @Test func oneChannelStacksReadAsBefore() throws {
    let oneChannel: [(String, String?)] = [
      ("plain", nil), ("tifffile", "{\"shape\": [12, 3, 4]}"), ("imagej1", "ImageJ=1.54f\nimages=12\nframes=12\n"),
      ("scanimage1", "SI.hChannels.channelSave = 1\n"),
    ]
    for (name, description) in oneChannel {
      try withTIFF(interleavedTIFF(pages, height: height, width: width, description: description), name) { path in
        #expect(try FrameFile.channels(path: path).count == 1)
        let stack = try FrameFile.read(path: path)
        #expect(stack.count == 2 * frames)
        #expect(try FrameFile.read(path: path, channel: 1) == stack)
        #expect(message { _ = try FrameFile.read(path: path, channel: 2) }?.contains("one channel") == true)
      }
    }
  }

  @Test func scanImageStackWithoutAChannelCountIsRefused() throws {
    let description = "SI.VERSION_MAJOR = 2020\nSI.hRoiManager.scanZoomFactor = 2\n"
    try withTIFF(interleavedTIFF(pages, height: height, width: width, description: description), "unknown") { path in
      let refusal = message { _ = try FrameFile.read(path: path) }
      #expect(refusal?.contains("does not say how many channels") == true)
    }
  }

  @Test func imageJHyperstackOfSlicesIsRefused() throws {
    let description = "ImageJ=1.54f\nimages=12\nchannels=1\nslices=2\nframes=6\nhyperstack=true\n"
    let bytes = interleavedTIFF(pages, height: height, width: width, description: description)
    let refusal = try withTIFF(bytes, "slices") { path in message { _ = try FrameFile.read(path: path) } }
    #expect(refusal?.contains("2 z-slices per time point") == true)
  }

  @Test func pageCountMustBeAMultipleOfTheChannels() throws {
    let bytes = interleavedTIFF(Array(pages.dropLast()), height: height, width: width,
                                description: "ImageJ=1.54f\nchannels=2\n")
    try withTIFF(bytes, "odd") { path in
      #expect(message { _ = try FrameFile.read(path: path, channel: 1) }?.contains("not a multiple of its 2 channels") == true)
    }
  }

  @Test func npyHasOneChannel() throws {
    let path = "/tmp/sparsevar-channels-\(getpid()).npy"
    let stack = try FrameStack(count: 2, height: 2, width: 2, storage: .uint16([1, 2, 3, 4, 5, 6, 7, 8]))
    try FrameFile.write(stack, to: path)
    defer { unlink(path) }
    #expect(try FrameFile.read(path: path, channel: 1) == stack)
    #expect(try FrameFile.channels(path: path) == .single)
    #expect(message { _ = try FrameFile.read(path: path, channel: 2) }?.contains("one channel") == true)
  }
}
