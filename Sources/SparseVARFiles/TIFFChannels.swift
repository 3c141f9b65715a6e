//===--- TIFFChannels.swift -----------------------------------------------===//
//
// Channels of a TIFF stack, from the metadata ScanImage and ImageJ write into its first page.
// Both store several channels as interleaved pages, the channel varying fastest (channel 1,
// channel 2, channel 1, channel 2, ... for two channels), so that reading every page as a frame
// would mix the channels in time.
//
//   ImageJ      ImageDescription (270) "ImageJ=1.54f\nimages=200\nchannels=2\n..."; no
//               "channels=" line means one channel. A hyperstack of several z-slices is refused.
//   ScanImage   ImageDescription or Software (305), MATLAB assignments, one per line:
//                 2016 and later  SI.hChannels.channelSave = [1;2]    (saved channel numbers)
//                 4 and 5         scanimage.SI4.channelsSave = [1 2] / ...channelSave = 1
//                 3               state.acq.numberOfChannelsSave=2
//               A ScanImage description without any of them is refused (the channel count is
//               unknown, so the pages cannot be told apart).
//
// Any other TIFF holds one channel.
//
//===----------------------------------------------------------------------===//

/// How a TIFF stack's pages are divided into channels.
import SparseVAR

public struct TIFFChannelLayout: Equatable, Sendable {
  /// Number of interleaved channels (>= 1).
  public var count: Int
  /// The channel numbers ScanImage saved (e.g. [2, 3]) when it lists them, else nil.
  public var numbers: [Int]?
  /// Where the count comes from, for messages: "ImageJ channels=2", "SI.hChannels.channelSave".
  public var source: String?

  public init(count: Int, numbers: [Int]? = nil, source: String? = nil) {
    self.count = count
    self.numbers = numbers
    self.source = source
  }

  /// A stack of one channel.
  public static let single = TIFFChannelLayout(count: 1)

  /// The channels as a reader names them: "1 and 2", or "PMT channels 2 and 3 (1 and 2 here)".
  var described: String {
    let positions = (1...count).map(String.init)
    let list = positions.count == 2 ? positions.joined(separator: " and ") : positions.joined(separator: ", ")
    guard let numbers, numbers != Array(1...count) else { return list }
    return list + " (ScanImage channels " + numbers.map(String.init).joined(separator: ", ") + ")"
  }
}

extension TIFFFile {
  /// Longest ImageDescription or Software text read (ScanImage's run to tens of kilobytes).
  static let metadataLimit = 1 << 22

  /// The channel layout stated by `texts` (the ImageDescription and Software tags of page 1).
  /// - Throws: `.format` for a ScanImage file whose channel count cannot be found or is invalid.
  static func channelLayout(_ texts: [String], path: String) throws -> TIFFChannelLayout {
    for text in texts {
      if text.hasPrefix("ImageJ=") {
        if let slices = assignment("slices", in: text), let count = Int(slices), count > 1 {
          throw SparseVARError.format(
            "\(path) is an ImageJ hyperstack of \(count) z-slices per time point (slices=\(count)): its "
              + "pages would be read as frames with the slices interleaved in time; save one slice as "
              + "a time series (ImageJ: Image > Hyperstacks > Reduce Dimensionality)")
        }
        guard let value = assignment("channels", in: text) else { return .single }
        guard let count = Int(value), count >= 1 else {
          throw SparseVARError.format("\(path): its ImageJ description has channels=\(value), not a channel count")
        }
        return TIFFChannelLayout(count: count, source: "ImageJ channels=\(count)")
      }
    }
    for text in texts {
      for key in ["channelSave", "channelsSave"] {
        guard let value = assignment(key, in: text) else { continue }
        let numbers = value.split(whereSeparator: { "[]; ,\t".contains($0) }).map { Int($0) }
        guard !numbers.isEmpty, numbers.allSatisfy({ ($0 ?? 0) >= 1 }) else {
          throw SparseVARError.format(
            "\(path): its ScanImage metadata has \(key) = \(value), not a list of channel numbers")
        }
        let saved = numbers.map { $0! }
        return TIFFChannelLayout(count: saved.count, numbers: saved, source: "ScanImage \(key) = \(value)")
      }
      if let value = assignment("numberOfChannelsSave", in: text) {
        guard let count = Int(value), count >= 1 else {
          throw SparseVARError.format(
            "\(path): its ScanImage metadata has numberOfChannelsSave=\(value), not a channel count")
        }
        return TIFFChannelLayout(count: count, source: "ScanImage numberOfChannelsSave=\(count)")
      }
    }
    if texts.contains(where: isScanImage) {
      throw SparseVARError.format(
        "\(path) was written by ScanImage but its metadata does not say how many channels were saved "
          + "(no channelSave or numberOfChannelsSave): its pages may interleave channels and cannot be "
          + "told apart; save one channel per file, or convert the stack to .npy")
    }
    return .single
  }

  /// Whether `text` is ScanImage metadata.
  static func isScanImage(_ text: String) -> Bool {
    text.contains("SI.") || text.contains("scanimage.") || text.contains("state.acq.")
  }

  /// The value of the line `... key = value` (the key preceded by the start of a line, a dot or a
  /// space; spaces around "=" allowed), trimmed; nil when no line assigns `key`.
  static func assignment(_ key: String, in text: String) -> String? {
    for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
      guard let range = line.firstRange(of: key) else { continue }
      if range.lowerBound != line.startIndex {
        let before = line[line.index(before: range.lowerBound)]
        guard before == "." || before == " " else { continue }
      }
      let rest = line[range.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
      guard rest.first == "=" else { continue }
      return String(rest.dropFirst()).trimmingSpaces
    }
    return nil
  }

  /// The ASCII text of tag `tag` of a page (nil when absent), at most `metadataLimit` bytes,
  /// cut at the first NUL.
  static func text(
    _ tag: UInt16, of directory: Directory, _ file: FrameFileReader, number: Int
  ) throws -> String? {
    guard let entry = directory.entries[tag], [1, 2, 7].contains(entry.type) else { return nil }
    let layout = directory.layout
    let n = entry.count > UInt64(metadataLimit) ? metadataLimit : Int(entry.count)
    let bytes: [UInt8]
    if entry.count <= UInt64(layout.offsetBytes) {
      bytes = Array(directory.block[entry.field..<(entry.field + n)])
    } else {
      let at = unsigned(directory.block, entry.field, layout.offsetBytes, layout.bigEndian)
      guard let offset = Int(exactly: at) else {
        throw SparseVARError.format(
          "\(file.path) is damaged: the text of tag \(tag) of page \(number) lies beyond the end of the file")
      }
      bytes = try file.bytes(at: offset, count: n, "the text of tag \(tag) of page \(number)")
    }
    return String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
  }

  /// The channel layout of the stack whose first page's IFD is at `offset`.
  static func channelLayout(_ file: FrameFileReader, _ layout: Layout, firstPageAt offset: Int) throws
    -> TIFFChannelLayout
  {
    let directory = try readDirectory(file, layout, at: offset, number: 1)
    let texts = try [270, 305].compactMap { try text($0, of: directory, file, number: 1) }
    return try channelLayout(texts, path: file.path)
  }

  /// The pages of channel `channel` (1-based) among `directories`, all pages of a stack of
  /// `channels` interleaved channels in file order. nil is the only channel of a one-channel
  /// stack, and refused for several.
  static func pages<Page>(
    of channel: Int?, _ channels: TIFFChannelLayout, _ directories: [Page], path: String
  ) throws -> [Page] {
    if channels.count == 1 {
      guard channel == nil || channel == 1 else {
        throw SparseVARError.invalidArgument(
          "\(path) holds one channel: channel \(channel!) does not exist")
      }
      return directories
    }
    guard let channel else {
      throw SparseVARError.invalidArgument(
        "\(path) holds \(channels.count) interleaved channels (\(channels.source ?? "metadata")): choose "
          + "one of channels \(channels.described) (the channel option) instead of reading the pages "
          + "as one channel")
    }
    guard (1...channels.count).contains(channel) else {
      throw SparseVARError.invalidArgument(
        "\(path) holds channels \(channels.described): channel \(channel) does not exist")
    }
    guard directories.count % channels.count == 0 else {
      throw SparseVARError.format(
        "\(path) has \(directories.count) pages, not a multiple of its \(channels.count) channels "
          + "(\(channels.source ?? "metadata")): the last frame is incomplete or the metadata is wrong")
    }
    return stride(from: channel - 1, to: directories.count, by: channels.count).map { directories[$0] }
  }
}

extension StringProtocol {
  fileprivate var trimmingSpaces: String {
    String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == ";" }).reversed())
  }
}
