//===--- TIFFFile.swift ---------------------------------------------------===//
//
// Multi-page TIFF stacks as ScanImage (and ImageJ, tifffile, ...) write them: one grayscale
// image per page (image file directory, IFD), every page the same size, read in file order.
//
//   header        "II" (little-endian) or "MM" (big-endian), then
//                   classic TIFF: 42 (UInt16), first IFD offset (UInt32)
//                   BigTIFF:      43 (UInt16), 8 (UInt16), 0 (UInt16), first IFD offset (UInt64)
//   IFD           entry count (UInt16 | UInt64), entries of 12 | 20 bytes: tag (UInt16),
//                 type (UInt16), value count (UInt32 | UInt64), value or offset of the values
//                 (4 | 8 bytes; values that fit are stored in place, left-justified), then the
//                 offset of the next IFD (0 after the last page)
//
// Tags used (all others are skipped unread; 270 ImageDescription and 305 Software of page 1 only
// for the channel count):
//
//   256 ImageWidth, 257 ImageLength            required
//   258 BitsPerSample, 339 SampleFormat         8 or 16 bits unsigned (SampleFormat 1),
//                                               16 bits signed (2), 32 or 64 bits float (3)
//   259 Compression                             must be 1 (none)
//   262 PhotometricInterpretation               0 or 1 (grayscale; values are read as stored)
//   277 SamplesPerPixel                         must be 1
//   273 StripOffsets, 278 RowsPerStrip,         strips; 279 is optional (when present each
//   279 StripByteCounts                         strip must hold at least its rows' bytes)
//   322 TileWidth, 323 TileLength,              tiles (edge tiles are full-size in the file,
//   324 TileOffsets, 325 TileByteCounts         their padding is dropped)
//
//   samples                                     FrameStack storage
//   8 / 16-bit unsigned                       -> .uint16
//   16-bit signed (ScanImage's usual output)  -> .float32 (exact)
//   32-bit float                              -> .float32
//   64-bit float                              -> .float64
//
// Reading makes two passes: the first walks the IFD chain, checks every page (size, sample
// type, compression, that its image data lie inside the file and that all pages' image data
// together fit in the file) and remembers only the IFD offsets; the second allocates the output
// once and reads each page's data straight into it, contiguous strips in one fread. A loop in
// the IFD chain, a truncated file or pages of different sizes are `.format`.
//
// ScanImage and ImageJ save several channels as interleaved pages (channel 1, channel 2,
// channel 1, ...): the channel count comes from their metadata on page 1 (TIFFChannels.swift),
// and a stack of several channels is read one chosen channel at a time.
//
// The writer writes classic little-endian TIFF, one uncompressed strip per page, 16-bit
// unsigned (from .uint16) or 32-bit float (from .float32) samples, BlackIsZero; files beyond
// 4 GiB are refused (write .npy instead).
//
//===----------------------------------------------------------------------===//

import SparseVAR

enum TIFFFile {
  /// Byte order and offset width of a file.
  struct Layout {
    var bigEndian: Bool
    var bigTIFF: Bool
    var offsetBytes: Int { bigTIFF ? 8 : 4 }
    var entryBytes: Int { bigTIFF ? 20 : 12 }
    var countBytes: Int { bigTIFF ? 8 : 2 }
  }

  /// The unsigned integer of `n` bytes at `i` of `bytes` in the file's byte order.
  static func unsigned(_ bytes: [UInt8], _ i: Int, _ n: Int, _ bigEndian: Bool) -> UInt64 {
    var v: UInt64 = 0
    if bigEndian {
      for k in 0..<n { v = v << 8 | UInt64(bytes[i + k]) }
    } else {
      for k in (0..<n).reversed() { v = v << 8 | UInt64(bytes[i + k]) }
    }
    return v
  }

  /// Bytes of one value of TIFF field type `type` (0 for an unknown type).
  static func typeBytes(_ type: UInt16) -> Int {
    switch type {
    case 1, 2, 6, 7: return 1
    case 3, 8: return 2
    case 4, 9, 11, 13: return 4
    case 5, 10, 12, 16, 17, 18: return 8
    default: return 0
    }
  }

  static let tagNames: [UInt16: String] = [
    256: "ImageWidth", 257: "ImageLength", 258: "BitsPerSample", 259: "Compression",
    262: "PhotometricInterpretation", 273: "StripOffsets", 277: "SamplesPerPixel", 278: "RowsPerStrip",
    279: "StripByteCounts", 322: "TileWidth", 323: "TileLength", 324: "TileOffsets",
    325: "TileByteCounts", 339: "SampleFormat", 270: "ImageDescription", 305: "Software",
  ]

  static let compressionNames: [Int: String] = [
    2: "CCITT RLE", 3: "CCITT Group 3 fax", 4: "CCITT Group 4 fax", 5: "LZW", 6: "old-style JPEG",
    7: "JPEG", 8: "Deflate", 32773: "PackBits", 32946: "Deflate", 34712: "JPEG 2000", 34887: "LERC",
    34925: "LZMA", 50000: "Zstandard", 50001: "WebP",
  ]

  static let photometricNames: [Int: String] = [
    2: "RGB", 3: "palette colour", 4: "transparency mask", 5: "separated (CMYK)", 6: "YCbCr",
    8: "CIE L*a*b*", 9: "ICC L*a*b*", 10: "ITU L*a*b*", 32803: "colour filter array",
    32844: "LogL", 32845: "LogLuv", 34892: "linear raw",
  ]

  /// An IFD as read: its entries (raw) and the offset of the next one.
  struct Directory {
    let layout: Layout
    /// The entries and the next-IFD offset, as stored.
    let block: [UInt8]
    /// tag -> (type, count, index of the value field in `block`); the first entry of a tag wins.
    var entries: [UInt16: (type: UInt16, count: UInt64, field: Int)] = [:]
    /// Offset of the next IFD, 0 after the last.
    let next: UInt64
  }

  /// One page, checked.
  struct Page {
    var width: Int
    var height: Int
    var encoding: FrameSampleEncoding
    /// Strips of `rows` rows, or tiles of `width x height` samples.
    enum Pieces: Equatable {
      case strips(rows: Int)
      case tiles(width: Int, height: Int)
    }
    var pieces: Pieces
    /// File offset of each strip or tile, in order.
    var offsets: [Int]
    /// Bytes of image data read from the file for this page.
    var dataBytes: Int
    var next: UInt64
  }

  // MARK: - Reading

  /// The frames of channel `channel` (1-based; nil for a stack of one channel) of the stack at
  /// `path`; a stack of several interleaved channels (TIFFChannels.swift) needs `channel`.
  static func read(path: String, channel: Int? = nil) throws -> FrameStack {
    let file = try FrameFileReader(path: path)
    let (layout, firstDirectory) = try readHeader(file)

    // Pass 1: walk the chain, check every page, keep the IFD offsets.
    var directories: [Int] = []
    var seen = Set<Int>()
    var first: Page?
    var totalBytes = 0
    var next = firstDirectory
    while next != 0 {
      let number = directories.count + 1
      guard let offset = Int(exactly: next), offset <= file.size else {
        throw SparseVARError.format(
          "\(path) is truncated or damaged: the directory of page \(number) should be at byte \(next), "
            + "beyond the end of the \(file.size)-byte file\(intactNote(number))")
      }
      guard seen.insert(offset).inserted else {
        throw SparseVARError.format(
          "\(path) is damaged: the directory of page \(number) at byte \(offset) is that of an earlier "
            + "page (the chain of pages loops)")
      }
      let page: Page
      do {
        page = try readPage(file, layout, at: offset, number: number)
      } catch SparseVARError.format(let message) where number > 1 {
        throw SparseVARError.format(message + intactNote(number))
      }
      if let first {
        guard page.width == first.width, page.height == first.height else {
          throw SparseVARError.format(
            "\(path): page \(number) is \(page.height) x \(page.width) pixels (height x width) but page 1 is "
              + "\(first.height) x \(first.width); all pages of a stack must have the same size (is it a "
              + "thumbnail, or a multi-resolution or multi-series file?)")
        }
        guard page.encoding.kind == first.encoding.kind else {
          throw SparseVARError.format(
            "\(path): page \(number) has \(page.encoding.name) samples but page 1 has "
              + "\(first.encoding.name) samples; all pages of a stack must have the same sample type")
        }
      } else {
        first = page
      }
      guard let sum = sizeSum(totalBytes, page.dataBytes), sum <= file.size else {
        throw SparseVARError.format(
          "\(path) is damaged: the image data of its first \(number) pages add up to more than the "
            + "\(file.size) bytes of the file (pages that share data are not read)")
      }
      totalBytes = sum
      directories.append(offset)
      next = page.next
    }
    guard let first else {
      throw SparseVARError.format("\(path) has no pages: its first directory offset is 0")
    }
    let channels = try channelLayout(file, layout, firstPageAt: directories[0])
    let pageNumbers = try pages(of: channel, channels, Array(directories.indices), path: path)

    // Pass 2: read the pixels into one allocation (its size is bounded by twice the file size).
    let pixels = first.width * first.height
    let samples = pixels * pageNumbers.count
    let sampleBytes = first.encoding.sampleType.bytesPerSample
    let storage = try makeFrameStorage(first.encoding.sampleType, samples: samples) { destination in
      var scratch: UnsafeMutableRawPointer?  // one tile, for tiled pages
      var scratchBytes = 0
      defer { scratch?.deallocate() }
      for (k, index) in pageNumbers.enumerated() {
        let page = try readPage(file, layout, at: directories[index], number: index + 1)
        guard page.width == first.width, page.height == first.height, page.encoding == first.encoding else {
          throw SparseVARError.io("cannot read \(path): it changed while it was being read")
        }
        let pageStart = destination + k * pixels * sampleBytes
        switch page.pieces {
        case .strips(let rows):
          try readStrips(file, page, rows: rows, number: index + 1, into: pageStart)
        case .tiles(let tw, let th):
          let needed = tw * th * sampleBytes
          let buffer: UnsafeMutableRawPointer
          if let scratch, needed <= scratchBytes {
            buffer = scratch
          } else {
            scratch?.deallocate()
            buffer = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 16)
            (scratch, scratchBytes) = (buffer, needed)
          }
          try readTiles(
            file, page, tileWidth: tw, tileHeight: th, number: index + 1, scratch: buffer, into: pageStart)
        }
      }
    }
    return FrameStack(unchecked: pageNumbers.count, height: first.height, width: first.width, storage: storage)
  }

  static func intactNote(_ number: Int) -> String {
    guard number > 1 else { return "" }
    return " (page\(number > 2 ? "s 1 to \(number - 1)" : " 1") before it read fine: an interrupted recording?)"
  }

  /// Reads the byte order, the flavour and the offset of the first IFD.
  static func readHeader(_ file: FrameFileReader) throws -> (Layout, UInt64) {
    let path = file.path
    guard file.size >= 8 else {
      throw SparseVARError.format("\(path) is not a TIFF file: it has only \(file.size) bytes")
    }
    let head = try file.bytes(at: 0, count: min(16, file.size), "the TIFF header")
    let bigEndian: Bool
    switch (head[0], head[1]) {
    case (0x49, 0x49): bigEndian = false
    case (0x4D, 0x4D): bigEndian = true
    default:
      throw SparseVARError.format("\(path) is not a TIFF file: it does not start with \"II\" or \"MM\"")
    }
    switch unsigned(head, 2, 2, bigEndian) {
    case 42:
      return (Layout(bigEndian: bigEndian, bigTIFF: false), unsigned(head, 4, 4, bigEndian))
    case 43:
      guard head.count >= 16 else {
        throw SparseVARError.format("\(path) is truncated: it ends inside the BigTIFF header")
      }
      guard unsigned(head, 4, 2, bigEndian) == 8, unsigned(head, 6, 2, bigEndian) == 0 else {
        throw SparseVARError.format("\(path) is damaged: its BigTIFF header does not announce 8-byte offsets")
      }
      return (Layout(bigEndian: bigEndian, bigTIFF: true), unsigned(head, 8, 8, bigEndian))
    case let version:
      throw SparseVARError.format(
        "\(path) is not a TIFF file: its version number is \(version), not 42 (TIFF) or 43 (BigTIFF)")
    }
  }

  /// Reads the IFD at `offset`.
  static func readDirectory(
    _ file: FrameFileReader, _ layout: Layout, at offset: Int, number: Int
  ) throws -> Directory {
    let what = "the directory of page \(number)"
    let countField = try file.bytes(at: offset, count: layout.countBytes, what)
    let count = unsigned(countField, 0, layout.countBytes, layout.bigEndian)
    guard count >= 1 else {
      throw SparseVARError.format("\(file.path) is damaged: \(what) at byte \(offset) has no entries")
    }
    let start = offset + layout.countBytes
    guard count <= UInt64((file.size - min(start, file.size)) / layout.entryBytes) else {
      throw SparseVARError.format(
        "\(file.path) is truncated or damaged: \(what) at byte \(offset) announces \(count) entries, more "
          + "than the rest of the file holds")
    }
    let n = Int(count)
    let block = try file.bytes(at: start, count: n * layout.entryBytes + layout.offsetBytes, what)
    var directory = Directory(
      layout: layout, block: block,
      next: unsigned(block, n * layout.entryBytes, layout.offsetBytes, layout.bigEndian))
    let countWidth = layout.bigTIFF ? 8 : 4
    for i in 0..<n {
      let e = i * layout.entryBytes
      let tag = UInt16(unsigned(block, e, 2, layout.bigEndian))
      guard tagNames[tag] != nil, directory.entries[tag] == nil else { continue }
      directory.entries[tag] = (
        type: UInt16(unsigned(block, e + 2, 2, layout.bigEndian)),
        count: unsigned(block, e + 4, countWidth, layout.bigEndian),
        field: e + 4 + countWidth
      )
    }
    return directory
  }

  /// Up to `limit` values of the integer tag `tag`, or nil when the page does not have it.
  static func integers(
    _ tag: UInt16, of directory: Directory, limit: Int, _ file: FrameFileReader, number: Int
  ) throws -> [Int]? {
    guard let entry = directory.entries[tag] else { return nil }
    let name = "tag \(tag) (\(tagNames[tag] ?? "?")) of page \(number)"
    guard [1, 3, 4, 16].contains(entry.type) else {
      throw SparseVARError.format(
        "\(file.path) is damaged: \(name) has field type \(entry.type), not an unsigned integer type")
    }
    let size = typeBytes(entry.type)
    let layout = directory.layout
    let n = entry.count > UInt64(limit) ? limit : Int(entry.count)
    var values: [Int] = []
    values.reserveCapacity(n)
    if entry.count <= UInt64(layout.offsetBytes / size) {
      // In place, left-justified in the value field.
      for i in 0..<n {
        values.append(Int(clamping: unsigned(directory.block, entry.field + i * size, size, layout.bigEndian)))
      }
    } else {
      let at = unsigned(directory.block, entry.field, layout.offsetBytes, layout.bigEndian)
      guard let offset = Int(exactly: at) else {
        throw SparseVARError.format("\(file.path) is damaged: the values of \(name) lie beyond the end of the file")
      }
      let bytes = try file.bytes(at: offset, count: n * size, "the values of \(name)")
      for i in 0..<n { values.append(Int(clamping: unsigned(bytes, i * size, size, layout.bigEndian))) }
    }
    return values
  }

  /// The single value of `tag`, `defaultValue` when absent.
  static func integer(
    _ tag: UInt16, of directory: Directory, default defaultValue: Int?, _ file: FrameFileReader, number: Int
  ) throws -> Int {
    guard let values = try integers(tag, of: directory, limit: 1, file, number: number) else {
      guard let defaultValue else {
        throw SparseVARError.format(
          "\(file.path) is damaged: page \(number) lacks the required tag \(tag) (\(tagNames[tag] ?? "?"))")
      }
      return defaultValue
    }
    guard let value = values.first else {
      throw SparseVARError.format(
        "\(file.path) is damaged: tag \(tag) (\(tagNames[tag] ?? "?")) of page \(number) has no value")
    }
    return value
  }

  /// Reads and checks the page whose IFD is at `offset`.
  static func readPage(_ file: FrameFileReader, _ layout: Layout, at offset: Int, number: Int) throws -> Page {
    let path = file.path
    let d = try readDirectory(file, layout, at: offset, number: number)
    func value(_ tag: UInt16, _ defaultValue: Int?) throws -> Int {
      try integer(tag, of: d, default: defaultValue, file, number: number)
    }

    let compression = try value(259, 1)
    guard compression == 1 else {
      throw SparseVARError.format(
        "\(path): page \(number) is compressed (Compression = \(compression)"
          + "\(compressionNames[compression].map { ", \($0)" } ?? "")); only uncompressed TIFF "
          + "(Compression = 1) is read: save the stack uncompressed, e.g. with ImageJ (File > Save As > "
          + "Tiff) or tifffile.imwrite(path, data) without compression")
    }
    let samplesPerPixel = try value(277, 1)
    guard samplesPerPixel == 1 else {
      throw SparseVARError.format(
        "\(path): page \(number) has \(samplesPerPixel) samples per pixel (SamplesPerPixel = "
          + "\(samplesPerPixel), RGB or multi-channel pixels); only grayscale images with one sample per "
          + "pixel are read: save each channel as its own grayscale stack")
    }
    if let photometric = try integers(262, of: d, limit: 1, file, number: number)?.first, photometric > 1 {
      throw SparseVARError.format(
        "\(path): page \(number) is not grayscale (PhotometricInterpretation = \(photometric)"
          + "\(photometricNames[photometric].map { ", \($0)" } ?? "")); only grayscale images "
          + "(PhotometricInterpretation 0 or 1) are read")
    }
    let bits = try value(258, 1)
    let format = try value(339, 1)
    let kind: FrameSampleEncoding.Kind
    switch (bits, format) {
    case (8, 1), (8, 4): kind = .uint8
    case (16, 1), (16, 4): kind = .uint16
    case (16, 2): kind = .int16
    case (32, 3): kind = .float32
    case (64, 3): kind = .float64
    default:
      let formatName = [1: "unsigned integer", 2: "signed integer", 3: "float", 4: "undefined"][format] ?? "unknown"
      throw SparseVARError.format(
        "\(path): page \(number) has \(bits)-bit \(formatName) samples (BitsPerSample = \(bits), "
          + "SampleFormat = \(format)), which are not read; supported are 8- and 16-bit unsigned, 16-bit "
          + "signed and 32- and 64-bit float samples")
    }
    let encoding = FrameSampleEncoding(kind: kind, bigEndian: layout.bigEndian)
    let width = try value(256, nil)
    let height = try value(257, nil)
    guard width >= 1, height >= 1 else {
      throw SparseVARError.format("\(path) is damaged: page \(number) is \(height) x \(width) pixels")
    }
    guard let rowBytes = sizeProduct(width, encoding.bytes),
      let pageBytes = sizeProduct(rowBytes, height), pageBytes <= file.size
    else {
      throw SparseVARError.format(
        "\(path) is truncated or damaged: page \(number) is \(height) x \(width) pixels of \(encoding.bytes) "
          + "byte\(encoding.bytes == 1 ? "" : "s"), more image data than the \(file.size)-byte file holds")
    }

    let tiled = d.entries[322] != nil || d.entries[323] != nil || d.entries[324] != nil
    let pieces: Page.Pieces
    let pieceCount: Int
    let offsetsTag: UInt16
    let countsTag: UInt16
    if tiled {
      let tw = try value(322, nil)
      let th = try value(323, nil)
      guard tw >= 1, th >= 1,
        let tileBytes = sizeProduct(tw, th).flatMap({ sizeProduct($0, encoding.bytes) }),
        tileBytes <= file.size
      else {
        throw SparseVARError.format(
          "\(path) is damaged: page \(number) has tiles of \(th) x \(tw) pixels, which the file cannot hold")
      }
      pieces = .tiles(width: tw, height: th)
      let across = (width - 1) / tw + 1
      let down = (height - 1) / th + 1
      guard let n = sizeProduct(across, down) else {
        throw SparseVARError.format("\(path) is damaged: page \(number) has too many tiles")
      }
      pieceCount = n
      (offsetsTag, countsTag) = (324, 325)
    } else {
      let rows = min(try value(278, height), height)
      guard rows >= 1 else {
        throw SparseVARError.format("\(path) is damaged: page \(number) has RowsPerStrip = 0")
      }
      pieces = .strips(rows: rows)
      pieceCount = (height - 1) / rows + 1
      (offsetsTag, countsTag) = (273, 279)
    }
    let kindName = tiled ? "tile" : "strip"
    guard let offsets = try integers(offsetsTag, of: d, limit: pieceCount, file, number: number) else {
      throw SparseVARError.format(
        "\(path) is damaged: page \(number) lacks the required tag \(offsetsTag) (\(tagNames[offsetsTag] ?? "?"))")
    }
    guard offsets.count == pieceCount else {
      throw SparseVARError.format(
        "\(path) is damaged: page \(number) needs \(pieceCount) \(kindName)s but lists \(offsets.count) "
          + "\(kindName) offset\(offsets.count == 1 ? "" : "s")")
    }
    let counts = try integers(countsTag, of: d, limit: pieceCount, file, number: number)
    if let counts, counts.count < pieceCount {
      throw SparseVARError.format(
        "\(path) is damaged: page \(number) needs \(pieceCount) \(kindName)s but lists \(counts.count) "
          + "\(kindName) byte count\(counts.count == 1 ? "" : "s")")
    }
    var dataBytes = 0
    for i in 0..<pieceCount {
      let needed: Int
      switch pieces {
      case .strips(let rows): needed = min(rows, height - i * rows) * rowBytes
      case .tiles(let tw, let th): needed = tw * th * encoding.bytes
      }
      if let counts, counts[i] < needed {
        throw SparseVARError.format(
          "\(path) is damaged: \(kindName) \(i + 1) of page \(number) holds \(counts[i]) bytes but "
            + "\(needed) are needed for its pixels (is the page compressed after all?)")
      }
      try file.requireRange(offsets[i], needed, "\(kindName) \(i + 1) of page \(number)")
      guard let sum = sizeSum(dataBytes, needed) else {
        throw SparseVARError.format("\(path) is damaged: page \(number) has more image data than a file can hold")
      }
      dataBytes = sum
    }
    return Page(
      width: width, height: height, encoding: encoding, pieces: pieces, offsets: offsets, dataBytes: dataBytes,
      next: d.next)
  }

  /// Reads the strips of `page` (strips of `rows` rows) into `destination`; contiguous strips
  /// are read in one go.
  static func readStrips(
    _ file: FrameFileReader, _ page: Page, rows: Int, number: Int, into destination: UnsafeMutableRawPointer
  ) throws {
    let sampleBytes = page.encoding.sampleType.bytesPerSample
    let what = "the image data of page \(number)"
    var runOffset = 0
    var runSamples = 0
    var runFirst = 0  // index of the run's first sample in the page
    for (i, offset) in page.offsets.enumerated() {
      let samples = min(rows, page.height - i * rows) * page.width
      if runSamples > 0, offset == runOffset + runSamples * page.encoding.bytes {
        runSamples += samples
        continue
      }
      if runSamples > 0 {
        try file.readSamples(runSamples, page.encoding, at: runOffset, into: destination + runFirst * sampleBytes, what)
      }
      runOffset = offset
      runFirst = i * rows * page.width
      runSamples = samples
    }
    if runSamples > 0 {
      try file.readSamples(runSamples, page.encoding, at: runOffset, into: destination + runFirst * sampleBytes, what)
    }
  }

  /// Reads the tiles of `page` into `destination`, through `scratch` (room for one tile).
  static func readTiles(
    _ file: FrameFileReader, _ page: Page, tileWidth tw: Int, tileHeight th: Int, number: Int,
    scratch: UnsafeMutableRawPointer, into destination: UnsafeMutableRawPointer
  ) throws {
    let sampleBytes = page.encoding.sampleType.bytesPerSample
    let across = (page.width - 1) / tw + 1
    for (i, offset) in page.offsets.enumerated() {
      let (ty, tx) = i.quotientAndRemainder(dividingBy: across)
      try file.readSamples(tw * th, page.encoding, at: offset, into: scratch, "tile \(i + 1) of page \(number)")
      let rows = min(th, page.height - ty * th)
      let columns = min(tw, page.width - tx * tw)
      for r in 0..<rows {
        let target = destination + ((ty * th + r) * page.width + tx * tw) * sampleBytes
        target.copyMemory(from: scratch + r * tw * sampleBytes, byteCount: columns * sampleBytes)
      }
    }
  }

  // MARK: - Writing

  /// Writes `stack` as a classic little-endian TIFF, one uncompressed page per frame: 16-bit
  /// unsigned from .uint16, 32-bit float from .float32.
  static func write(_ stack: FrameStack, to path: String) throws {
    guard stack.count >= 1 else {
      throw SparseVARError.invalidArgument(
        "a TIFF file needs at least one page, the stack has no frames (write .npy instead)")
    }
    let bits: Int
    let sampleFormat: Int
    switch stack.storage {
    case .uint16: (bits, sampleFormat) = (16, 1)
    case .float32: (bits, sampleFormat) = (32, 3)
    case .float64:
      throw SparseVARError.invalidArgument(
        "the TIFF writer writes uint16 and float32 frames, this stack is float64: convert it, or write .npy")
    }
    let pixels = stack.pixelsPerFrame
    let pageBytes = pixels * bits / 8
    let entryCount = 15
    let directoryBytes = 2 + 12 * entryCount + 4
    let pageSpan = directoryBytes + 16 + pageBytes  // IFD, two RATIONALs, pixels
    guard let total = sizeProduct(pageSpan, stack.count).flatMap({ sizeSum($0, 8) }),
      total <= Int(UInt32.max)
    else {
      throw SparseVARError.invalidArgument(
        "\(stack.count) frames of \(stack.height) x \(stack.width) pixels need more than the 4 GiB a classic "
          + "TIFF file can hold: write .npy instead")
    }
    let writer = try FrameFileWriter(path: path)
    try writer.write([0x49, 0x49, 42, 0, 8, 0, 0, 0])
    for k in 0..<stack.count {
      let directory = writer.offset
      let rationals = directory + directoryBytes
      let data = rationals + 16
      let next = k == stack.count - 1 ? 0 : data + pageBytes
      var b: [UInt8] = []
      b.reserveCapacity(directoryBytes + 16)
      func put(_ v: Int, _ n: Int) { for i in 0..<n { b.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
      func entry(_ tag: Int, short value: Int) { put(tag, 2); put(3, 2); put(1, 4); put(value, 2); put(0, 2) }
      func entry(_ tag: Int, long value: Int) { put(tag, 2); put(4, 2); put(1, 4); put(value, 4) }
      func entry(_ tag: Int, rationalAt offset: Int) { put(tag, 2); put(5, 2); put(1, 4); put(offset, 4) }
      put(entryCount, 2)
      entry(254, long: 0)  // NewSubfileType: a full-resolution page
      entry(256, long: stack.width)
      entry(257, long: stack.height)
      entry(258, short: bits)
      entry(259, short: 1)  // no compression
      entry(262, short: 1)  // BlackIsZero
      entry(273, long: data)
      entry(277, short: 1)
      entry(278, long: stack.height)  // one strip
      entry(279, long: pageBytes)
      entry(282, rationalAt: rationals)  // XResolution 1/1
      entry(283, rationalAt: rationals + 8)  // YResolution 1/1
      entry(284, short: 1)  // PlanarConfiguration: chunky
      entry(296, short: 1)  // ResolutionUnit: none
      entry(339, short: sampleFormat)
      put(next, 4)
      for _ in 0..<4 { put(1, 4) }
      try writer.write(b)
      try writer.writeLittleEndian(stack.storage, samples: (k * pixels)..<((k + 1) * pixels))
    }
    try writer.commit()
  }
}
