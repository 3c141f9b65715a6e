// Frame files: .npy and multi-page TIFF readers and writers, FrameStack, FrameDataset.addRun(stack).
// Files are hand-built byte by byte (npy headers of versions 1.0 / 2.0 / 3.0, classic and
// BigTIFF in both byte orders, strips and tiles) so that the readers are checked against the
// formats, not only against the library's own writers.
import Glibc
import Testing
@testable import SparseVAR
@testable import SparseVARFiles

// MARK: - Helpers

/// A path in /tmp unique to this process and `name`.
private func temporaryPath(_ name: String) -> String { "/tmp/sparsevar-framefile-\(getpid())-\(name)" }

private func writeFile(_ bytes: [UInt8], _ path: String) {
  let file = fopen(path, "wb")!
  _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
  fclose(file)
}

/// Writes `bytes` to a temporary file named `name`, reads it back, removes it.
private func readBytes(_ bytes: [UInt8], as name: String) throws -> FrameStack {
  let path = temporaryPath(name)
  writeFile(bytes, path)
  defer { unlink(path) }
  return try FrameFile.read(path: path)
}

/// The error of reading `bytes` as the file `name`, nil when it reads.
private func readError(_ bytes: [UInt8], as name: String) -> SparseVARError? {
  do {
    _ = try readBytes(bytes, as: name)
    return nil
  } catch let error as SparseVARError {
    return error
  } catch {
    Issue.record("not a SparseVARError: \(error)")
    return nil
  }
}

/// Expects `.format` whose message contains every one of `parts`.
private func expectFormat(
  _ error: SparseVARError?, _ parts: [String], sourceLocation: SourceLocation = #_sourceLocation
) {
  guard case .format(let message) = error else {
    Issue.record("expected a .format error, got \(String(describing: error))", sourceLocation: sourceLocation)
    return
  }
  for part in parts where !message.contains(part) {
    Issue.record("the message \"\(message)\" lacks \"\(part)\"", sourceLocation: sourceLocation)
  }
}

/// `v` as `n` bytes in the given byte order.
private func integerBytes(_ v: UInt64, _ n: Int, bigEndian: Bool) -> [UInt8] {
  let le = (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
  return bigEndian ? le.reversed() : le
}

private func bytes16(_ v: [UInt16], bigEndian: Bool) -> [UInt8] {
  v.flatMap { integerBytes(UInt64($0), 2, bigEndian: bigEndian) }
}

private func bytes32(_ v: [Float], bigEndian: Bool) -> [UInt8] {
  v.flatMap { integerBytes(UInt64($0.bitPattern), 4, bigEndian: bigEndian) }
}

private func bytes64(_ v: [Double], bigEndian: Bool) -> [UInt8] {
  v.flatMap { integerBytes($0.bitPattern, 8, bigEndian: bigEndian) }
}

/// A hand-built .npy file: preamble of format `major`.0, `dict` padded to 64 bytes, `data`.
private func npyFile(_ dict: String, major: UInt8 = 1, data: [UInt8]) -> [UInt8] {
  var header = Array(dict.utf8)
  let lengthBytes = major == 1 ? 2 : 4
  let unpadded = 8 + lengthBytes + header.count + 1
  header += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64)
  header.append(0x0A)
  return [0x93] + Array("NUMPY".utf8) + [major, 0]
    + integerBytes(UInt64(header.count), lengthBytes, bigEndian: false) + header + data
}

private func npyDict(_ descr: String, _ shape: String, fortran: String = "False") -> String {
  "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
}

/// Values 0, 1, 2, ... (mod 60000) as UInt16.
private func ramp(_ n: Int) -> [UInt16] { (0..<n).map { UInt16($0 % 60000) } }

/// A TIFF assembled by hand: pixel data and out-of-line values first, each IFD after them, the
/// chain of next-IFD offsets patched as pages are added.
private struct HandTIFF {
  let bigEndian: Bool
  let bigTIFF: Bool
  var bytes: [UInt8] = []
  /// Where the offset of the next IFD goes (the header's first-IFD field, then each IFD's last).
  var nextField = 0

  init(bigEndian: Bool, bigTIFF: Bool) {
    self.bigEndian = bigEndian
    self.bigTIFF = bigTIFF
    bytes = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
    bytes += int(bigTIFF ? 43 : 42, 2)
    if bigTIFF { bytes += int(8, 2) + int(0, 2) }
    nextField = bytes.count
    bytes += int(0, offsetBytes)
  }

  var offsetBytes: Int { bigTIFF ? 8 : 4 }
  func int(_ v: UInt64, _ n: Int) -> [UInt8] { integerBytes(v, n, bigEndian: bigEndian) }

  static func typeBytes(_ type: UInt16) -> Int {
    switch type {
    case 1, 2, 7: return 1
    case 3: return 2
    case 4: return 4
    default: return 8  // 5 RATIONAL, 16 LONG8
    }
  }

  /// Appends `blob` at an even offset and returns that offset.
  mutating func blob(_ blob: [UInt8]) -> UInt64 {
    if bytes.count % 2 == 1 { bytes.append(0) }
    let at = bytes.count
    bytes += blob
    return UInt64(at)
  }

  /// Appends a page whose IFD holds `entries` (tag, field type, values) and links it in.
  mutating func page(_ entries: [(UInt16, UInt16, [UInt64])]) {
    var fields: [[UInt8]] = []
    for (_, type, values) in entries {
      let v = values.flatMap { int($0, HandTIFF.typeBytes(type)) }
      if v.count <= offsetBytes {
        fields.append(v + [UInt8](repeating: 0, count: offsetBytes - v.count))
      } else {
        fields.append(int(blob(v), offsetBytes))
      }
    }
    let ifd = blob([])
    bytes.replaceSubrange(nextField..<(nextField + offsetBytes), with: int(ifd, offsetBytes))
    bytes += int(UInt64(entries.count), bigTIFF ? 8 : 2)
    for (i, (tag, type, values)) in entries.enumerated() {
      bytes += int(UInt64(tag), 2) + int(UInt64(type), 2) + int(UInt64(values.count), bigTIFF ? 8 : 4) + fields[i]
    }
    nextField = bytes.count
    bytes += int(0, offsetBytes)
  }

  /// A grayscale page of one strip per `rowsPerStrip` rows; `strips` are the file offsets.
  mutating func stripPage(
    width: Int, height: Int, bits: Int, format: Int = 1, strips: [UInt64], counts: [UInt64],
    rowsPerStrip: Int, extra: [(UInt16, UInt16, [UInt64])] = []
  ) {
    let offsetType: UInt16 = bigTIFF ? 16 : 4
    var entries: [(UInt16, UInt16, [UInt64])] = [
      (256, 4, [UInt64(width)]), (257, 3, [UInt64(height)]), (258, 3, [UInt64(bits)]), (259, 3, [1]),
      (262, 3, [1]), (273, offsetType, strips), (277, 3, [1]), (278, 4, [UInt64(rowsPerStrip)]),
      (279, 4, counts), (339, 3, [UInt64(format)]),
    ]
    entries += extra
    entries.sort { $0.0 < $1.0 }
    page(entries)
  }
}

/// The ScanImage-like text a page's ImageDescription may hold (thousands of characters).
private let longDescription: [UInt64] =
  Array(
    ("frameNumbers = 1\nacquisitionNumbers = 1\n"
      + String(repeating: "SI.hChannels.channelSave = 1\n", count: 120)).utf8
  ).map(UInt64.init) + [0]

// MARK: - Tests

@Suite struct FrameFileTests {
  // MARK: FrameStack and dispatch

  @Test func frameStackChecksItsShape() throws {
    let stack = try FrameStack(count: 2, height: 3, width: 4, storage: .uint16(ramp(24)))
    #expect(stack.pixelsPerFrame == 12 && stack.byteCount == 48 && stack.sampleType == .uint16)
    #expect(throws: SparseVARError.self) { try FrameStack(count: 2, height: 3, width: 4, storage: .uint16(ramp(23))) }
    #expect(throws: SparseVARError.self) { try FrameStack(count: -1, height: 3, width: 4, storage: .uint16([])) }
    #expect(throws: SparseVARError.self) { try FrameStack(count: 0, height: 0, width: 4, storage: .uint16([])) }
    #expect(throws: SparseVARError.self) {
      try FrameStack(count: Int.max, height: Int.max, width: 2, storage: .float32([]))
    }
  }

  @Test func formatIsChosenByExtension() throws {
    #expect(FrameFileFormat(path: "a/b.npy") == .npy)
    #expect(FrameFileFormat(path: "rec.TIF") == .tiff)
    #expect(FrameFileFormat(path: "rec.ome.tiff") == .tiff)
    #expect(FrameFileFormat(path: "rec.h5") == nil)
    #expect(FrameFile.supportedExtensions == [".npy", ".tif", ".tiff"])
    let error = #expect(throws: SparseVARError.self) { try FrameFile.read(path: "/tmp/recording.h5") }
    expectFormat(error, ["recording.h5", ".npy, .tif, .tiff"])
    let stack = try FrameStack(count: 1, height: 1, width: 1, storage: .uint16([7]))
    #expect(throws: SparseVARError.self) { try FrameFile.write(stack, to: "/tmp/recording.avi") }
    // Upper-case extensions work.
    let path = temporaryPath("upper.NPY")
    defer { unlink(path) }
    try FrameFile.write(stack, to: path)
    #expect(try FrameFile.read(path: path) == stack)
  }

  @Test func missingAndUnreadableFilesAreIOErrors() throws {
    let missing = temporaryPath("does-not-exist.npy")
    let error = #expect(throws: SparseVARError.self) { try FrameFile.read(path: missing) }
    guard case .io(let message) = error else {
      Issue.record("expected .io, got \(String(describing: error))")
      return
    }
    #expect(message.contains(missing) && message.contains("No such file or directory"))
    // A directory.
    let directory = temporaryPath("folder.tif")
    mkdir(directory, 0o755)
    defer { rmdir(directory) }
    let dirError = #expect(throws: SparseVARError.self) { try FrameFile.read(path: directory) }
    guard case .io(let dirMessage) = dirError else {
      Issue.record("expected .io, got \(String(describing: dirError))")
      return
    }
    #expect(dirMessage.contains(directory) && dirMessage.contains("directory"))
    // Writing into a missing folder.
    let stack = try FrameStack(count: 1, height: 1, width: 1, storage: .uint16([7]))
    let writeError = #expect(throws: SparseVARError.self) {
      try FrameFile.write(stack, to: temporaryPath("no-such-folder") + "/x.tif")
    }
    guard case .io = writeError else {
      Issue.record("expected .io, got \(String(describing: writeError))")
      return
    }
  }

  @Test func stacksAreAddedToDatasets() throws {
    let dataset = try FrameDataset(height: 3, width: 4)
    let u = try FrameStack(count: 2, height: 3, width: 4, storage: .uint16(ramp(24)))
    let f = try FrameStack(count: 3, height: 3, width: 4, storage: .float32((0..<36).map { Float($0) / 2 }))
    let d = try FrameStack(count: 1, height: 3, width: 4, storage: .float64((0..<12).map { Double($0) }))
    #expect(try dataset.addRun(u, label: 1) == 0)
    #expect(try dataset.addRun(f) == 1)
    #expect(try dataset.addRun(d, label: 2) == 2)
    #expect(dataset.totalFrameCount == 6 && dataset.labels == [1, nil, 2])
    #expect(dataset.minimum == 0 && dataset.maximum == 23)
    let wrong = try FrameStack(count: 1, height: 4, width: 3, storage: .uint16(ramp(12)))
    let error = #expect(throws: SparseVARError.self) { try dataset.addRun(wrong) }
    guard case .shape(let message) = error else {
      Issue.record("expected .shape, got \(String(describing: error))")
      return
    }
    #expect(message.contains("4 x 3") && message.contains("3 x 4"))
    #expect(dataset.runCount == 3)
  }

  // MARK: npy

  @Test func npyRoundTrips() throws {
    let stacks = [
      try FrameStack(count: 3, height: 5, width: 7, storage: .uint16(ramp(105).map { $0 &* 611 })),
      try FrameStack(count: 2, height: 4, width: 3, storage: .float32((0..<24).map { Float($0) * -0.37 + 1e-20 })),
      try FrameStack(count: 2, height: 2, width: 2, storage: .float64([0, -1, .pi, 1e300, -0.0, 5e-324, 7, 8])),
      try FrameStack(count: 0, height: 4, width: 5, storage: .uint16([])),
    ]
    for (i, stack) in stacks.enumerated() {
      let path = temporaryPath("round-\(i).npy")
      defer { unlink(path) }
      try FrameFile.write(stack, to: path)
      #expect(try FrameFile.read(path: path) == stack)
      // The data start at a multiple of 64 bytes, after a format 1.0 header.
      let file = try FrameFileReader(path: path)
      let header = try NPYFile.readHeader(file)
      #expect(header.dataOffset % 64 == 0)
      #expect(file.size == header.dataOffset + stack.byteCount)
      #expect(try file.bytes(at: 6, count: 2, "version") == [1, 0])
    }
    // No temporary file is left behind.
    #expect(access(temporaryPath("round-0.npy") + ".partial", F_OK) != 0)
  }

  @Test func npyHeaderVersions() throws {
    let values = ramp(2 * 3 * 4).map { $0 * 1000 }
    let data = bytes16(values, bigEndian: false)
    for major: UInt8 in [1, 2, 3] {
      let file = npyFile(npyDict("<u2", "(2, 3, 4)"), major: major, data: data)
      let stack = try readBytes(file, as: "v\(major).npy")
      #expect(stack.count == 2 && stack.height == 3 && stack.width == 4)
      #expect(stack.storage == .uint16(values))
    }
    // Key order, double quotes, Python 2 long integers, no trailing comma, and an unknown key.
    let odd = "{\"shape\": (2L, 3L, 4L), 'fortran_order': False, \"descr\": \"<u2\", 'note': [1, (2,), None]}"
    #expect(try readBytes(npyFile(odd, data: data), as: "odd.npy").storage == .uint16(values))
    // Bytes after the data are ignored, as numpy ignores them.
    #expect(try readBytes(npyFile(npyDict("<u2", "(2, 3, 4)"), data: data + [1, 2, 3]), as: "tail.npy").count == 2)
  }

  @Test func npyByteOrdersAndTypes() throws {
    let u = ramp(12).map { $0 * 5000 + 1 }
    let f = (0..<12).map { Float($0) * 1.5 - 7 }
    let d = (0..<12).map { Double($0) * -2.25 + 1e10 }
    let shape = "(1, 3, 4)"
    for bigEndian in [false, true] {
      let o = bigEndian ? ">" : "<"
      func read(_ descr: String, _ data: [UInt8]) throws -> FrameStack.Storage {
        try readBytes(npyFile(npyDict(o + descr, shape), data: data), as: descr + ".npy").storage
      }
      #expect(try read("u2", bytes16(u, bigEndian: bigEndian)) == .uint16(u))
      #expect(try read("f4", bytes32(f, bigEndian: bigEndian)) == .float32(f))
      #expect(try read("f8", bytes64(d, bigEndian: bigEndian)) == .float64(d))
      // int16 becomes float32, exactly.
      let s: [Int16] = [-32768, -1, 0, 1, 32767, -300, 300, 2, 3, 4, 5, 6]
      let signed = bytes16(s.map { UInt16(bitPattern: $0) }, bigEndian: bigEndian)
      #expect(try read("i2", signed) == .float32(s.map(Float.init)))
    }
    // uint8 becomes uint16.
    let bytes: [UInt8] = [0, 1, 2, 127, 128, 254, 255, 9, 10, 11, 12, 13]
    for descr in ["|u1", "<u1"] {
      let stack = try readBytes(npyFile(npyDict(descr, shape), data: bytes), as: "u1.npy")
      #expect(stack.storage == .uint16(bytes.map(UInt16.init)))
    }
  }

  @Test func npyRefusesWhatItCannotRead() throws {
    let data = [UInt8](repeating: 0, count: 2 * 3 * 4 * 8)
    func error(_ dict: String, major: UInt8 = 1, _ bytes: [UInt8]? = nil) -> SparseVARError? {
      readError(npyFile(dict, major: major, data: bytes ?? data), as: "bad.npy")
    }
    expectFormat(error(npyDict("<u2", "(2, 3, 4)", fortran: "True")), ["Fortran", "C order"])
    expectFormat(error(npyDict("<i4", "(2, 3, 4)")), ["'<i4'", "32-bit signed integer", "uint16"])
    expectFormat(error(npyDict("<c8", "(2, 3, 4)")), ["'<c8'", "complex"])
    expectFormat(error(npyDict("|b1", "(2, 3, 4)")), ["'|b1'", "boolean"])
    expectFormat(error(npyDict("|O", "(2, 3, 4)")), ["'|O'"])
    expectFormat(error(npyDict("|u2", "(2, 3, 4)")), ["'|u2'", "byte order"])
    expectFormat(error("{'descr': [('a', '<u2')], 'fortran_order': False, 'shape': (2, 3, 4), }"), ["structured"])
    expectFormat(error(npyDict("<u2", "(6, 4)")), ["(6, 4)", "2 dimensions", "3-D"])
    expectFormat(error(npyDict("<u2", "(24,)")), ["(24,)", "1 dimension"])
    expectFormat(error(npyDict("<u2", "(1, 2, 3, 4)")), ["(1, 2, 3, 4)", "4 dimensions"])
    expectFormat(error(npyDict("<u2", "()")), ["0 dimensions"])
    expectFormat(error(npyDict("<u2", "(2, 0, 4)")), ["(2, 0, 4)", "0 x 4"])
    expectFormat(error(npyDict("<u2", "(2, -3, 4)")), ["shape"])
    expectFormat(error(npyDict("<u2", "(2, 3, 99999999999999999999999)")), ["too large"])
    expectFormat(error(npyDict("<u2", "(4611686018427387904, 4, 4)")), ["truncated", "more bytes than a file can hold"])
    expectFormat(error("{'descr': '<u2', 'shape': (2, 3, 4)}"), ["'fortran_order' is missing"])
    expectFormat(error("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3, 4)"), ["damaged npy header"])
    expectFormat(error("['descr', '<u2']"), ["not a Python dict"])
    expectFormat(error(String(repeating: "(", count: 5000)), ["nesting too deep"])
    // Versions and preambles.
    expectFormat(error(npyDict("<u2", "(2, 3, 4)"), major: 4), ["version 4.0", "1.0, 2.0 and 3.0"])
    expectFormat(readError(Array("hello, world\n".utf8), as: "text.npy"), ["not a NumPy .npy file", "\\x93NUMPY"])
    expectFormat(readError([0x93, 0x4E, 0x55], as: "short.npy"), ["not a NumPy .npy file", "3 bytes"])
    // Truncated data: the message says how much is missing.
    let full = npyFile(npyDict("<f8", "(2, 3, 4)"), data: data)
    expectFormat(
      readError(Array(full.dropLast(8)), as: "cut.npy"), ["truncated", "(2, 3, 4)", "192 bytes", "holds 184"])
    // A header length beyond the file.
    var long = full
    long[8] = 0xFF
    long[9] = 0xFF
    expectFormat(readError(long, as: "long.npy"), ["truncated", "65535"])
  }

  // MARK: TIFF

  @Test func tiffRoundTrips() throws {
    let stacks = [
      try FrameStack(count: 4, height: 5, width: 7, storage: .uint16(ramp(140).map { $0 &* 467 })),
      try FrameStack(count: 1, height: 1, width: 1, storage: .uint16([65535])),
      try FrameStack(count: 3, height: 2, width: 9, storage: .float32((0..<54).map { Float($0) * -1.25 + 0.1 })),
    ]
    for (i, stack) in stacks.enumerated() {
      let path = temporaryPath("round-\(i).tif")
      defer { unlink(path) }
      try FrameFile.write(stack, to: path)
      #expect(try FrameFile.read(path: path) == stack)
    }
    // What the writer refuses.
    let empty = try FrameStack(count: 0, height: 2, width: 2, storage: .uint16([]))
    #expect(throws: SparseVARError.self) { try FrameFile.write(empty, to: temporaryPath("empty.tif")) }
    let doubles = try FrameStack(count: 1, height: 1, width: 2, storage: .float64([1, 2]))
    #expect(throws: SparseVARError.self) { try FrameFile.write(doubles, to: temporaryPath("doubles.tif")) }
    #expect(access(temporaryPath("empty.tif"), F_OK) != 0 && access(temporaryPath("doubles.tif.partial"), F_OK) != 0)
  }

  @Test func tiffWriterLayout() throws {
    // Classic little-endian, one uncompressed BlackIsZero strip per page, checked field by field.
    let stack = try FrameStack(count: 2, height: 3, width: 2, storage: .uint16([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))
    let path = temporaryPath("layout.tif")
    defer { unlink(path) }
    try FrameFile.write(stack, to: path)
    let file = try FrameFileReader(path: path)
    let (layout, first) = try TIFFFile.readHeader(file)
    #expect(!layout.bigEndian && !layout.bigTIFF && first == 8)
    let page = try TIFFFile.readPage(file, layout, at: 8, number: 1)
    #expect(page.width == 2 && page.height == 3 && page.pieces == .strips(rows: 3) && page.offsets.count == 1)
    #expect(try file.bytes(at: page.offsets[0], count: 4, "pixels") == [1, 0, 2, 0])
    let directory = try TIFFFile.readDirectory(file, layout, at: 8, number: 1)
    #expect(try TIFFFile.integer(259, of: directory, default: nil, file, number: 1) == 1)
    #expect(try TIFFFile.integer(262, of: directory, default: nil, file, number: 1) == 1)
    #expect(try TIFFFile.integer(279, of: directory, default: nil, file, number: 1) == 12)
    #expect(page.next != 0)
    #expect(try TIFFFile.readPage(file, layout, at: Int(page.next), number: 2).next == 0)
  }

  @Test func handBuiltClassicTIFF() throws {
    // Little- and big-endian, 8 and 16 bits, strips of 2 rows stored out of order with a long
    // ImageDescription (ScanImage-like), two pages.
    let (width, height) = (5, 5)
    for bigEndian in [false, true] {
      for bits in [8, 16] {
        var t = HandTIFF(bigEndian: bigEndian, bigTIFF: false)
        var expected: [UInt16] = []
        for p in 0..<2 {
          // 16-bit values whose two bytes differ, so that a wrong byte order shows.
          let pixels = (0..<(width * height)).map { UInt16((p * 100 + $0 * 7) % 256) &* (bits == 8 ? 1 : 263) }
          expected += pixels
          let raw = bits == 8 ? pixels.map { UInt8($0) } : bytes16(pixels, bigEndian: bigEndian)
          let rowBytes = width * bits / 8
          // Strips: rows 0-1, 2-3, 4; written last strip first.
          let s2 = t.blob(Array(raw[(4 * rowBytes)...]))
          let s1 = t.blob(Array(raw[(2 * rowBytes)..<(4 * rowBytes)]))
          let s0 = t.blob(Array(raw[0..<(2 * rowBytes)]))
          t.stripPage(
            width: width, height: height, bits: bits, strips: [s0, s1, s2],
            counts: [UInt64(2 * rowBytes), UInt64(2 * rowBytes), UInt64(rowBytes)], rowsPerStrip: 2,
            extra: [(270, 2, longDescription)])
        }
        let stack = try readBytes(t.bytes, as: "classic-\(bigEndian)-\(bits).tif")
        #expect(stack.count == 2 && stack.height == height && stack.width == width)
        #expect(stack.storage == .uint16(expected))
      }
    }
  }

  @Test func handBuiltBigTIFF() throws {
    // BigTIFF in both byte orders: 16-bit unsigned (LONG8 offsets), float32, int16 and float64,
    // one contiguous strip per page, three pages.
    let (width, height) = (4, 3)
    let n = width * height
    for bigEndian in [false, true] {
      for (bits, format) in [(16, 1), (32, 3), (16, 2), (64, 3)] {
        var t = HandTIFF(bigEndian: bigEndian, bigTIFF: true)
        var expected: [Double] = []
        for p in 0..<3 {
          let values = (0..<n).map { Double(p * 50 + $0 * 3) - (format == 1 ? 0 : 20) }
          expected += values
          let raw: [UInt8]
          switch (bits, format) {
          case (16, 1): raw = bytes16(values.map { UInt16($0) }, bigEndian: bigEndian)
          case (16, 2): raw = bytes16(values.map { UInt16(bitPattern: Int16($0)) }, bigEndian: bigEndian)
          case (32, _): raw = bytes32(values.map { Float($0) + 0.5 }, bigEndian: bigEndian)
          default: raw = bytes64(values.map { $0 + 0.25 }, bigEndian: bigEndian)
          }
          let at = t.blob(raw)
          t.stripPage(
            width: width, height: height, bits: bits, format: format, strips: [at], counts: [UInt64(raw.count)],
            rowsPerStrip: height, extra: [(270, 2, longDescription)])
        }
        let stack = try readBytes(t.bytes, as: "big-\(bigEndian)-\(bits)-\(format).tif")
        #expect(stack.count == 3 && stack.height == height && stack.width == width)
        switch (bits, format) {
        case (16, 1): #expect(stack.storage == .uint16(expected.map { UInt16($0) }))
        case (16, 2): #expect(stack.storage == .float32(expected.map { Float($0) }))
        case (32, _): #expect(stack.storage == .float32(expected.map { Float($0) + 0.5 }))
        default: #expect(stack.storage == .float64(expected.map { $0 + 0.25 }))
        }
      }
    }
  }

  @Test func handBuiltTiledTIFF() throws {
    // 7 x 6 pixels in 4 x 4 tiles (2 x 2 tiles, edge tiles padded with 0xEEEE), two pages.
    let (width, height, tile) = (6, 7, 4)
    for bigTIFF in [false, true] {
      var t = HandTIFF(bigEndian: false, bigTIFF: bigTIFF)
      var expected: [UInt16] = []
      for p in 0..<2 {
        let image = (0..<(width * height)).map { UInt16(p * 1000 + $0) }
        expected += image
        var offsets: [UInt64] = []
        for ty in 0..<2 {
          for tx in 0..<2 {
            var samples: [UInt16] = []
            for r in 0..<tile {
              for c in 0..<tile {
                let (y, x) = (ty * tile + r, tx * tile + c)
                samples.append(y < height && x < width ? image[y * width + x] : 0xEEEE)
              }
            }
            offsets.append(t.blob(bytes16(samples, bigEndian: false)))
          }
        }
        t.page([
          (256, 3, [UInt64(width)]), (257, 3, [UInt64(height)]), (258, 3, [16]), (259, 3, [1]), (262, 3, [1]),
          (277, 3, [1]), (322, 3, [UInt64(tile)]), (323, 3, [UInt64(tile)]), (324, bigTIFF ? 16 : 4, offsets),
          (325, 4, [UInt64](repeating: UInt64(tile * tile * 2), count: 4)),
        ])
      }
      let stack = try readBytes(t.bytes, as: "tiled-\(bigTIFF).tif")
      #expect(stack.count == 2 && stack.height == height && stack.width == width)
      #expect(stack.storage == .uint16(expected))
    }
  }

  /// A valid two-page 3 x 2 16-bit classic TIFF whose page 2 gets `page2Extra` entries replacing
  /// its standard ones of the same tag.
  private func twoPages(_ replace: [(UInt16, UInt16, [UInt64])] = [], bigEndian: Bool = false) -> [UInt8] {
    var t = HandTIFF(bigEndian: bigEndian, bigTIFF: false)
    for p in 0..<2 {
      let at = t.blob(bytes16(ramp(6), bigEndian: bigEndian))
      var entries: [(UInt16, UInt16, [UInt64])] = [
        (256, 3, [2]), (257, 3, [3]), (258, 3, [16]), (259, 3, [1]), (262, 3, [1]), (273, 4, [at]),
        (277, 3, [1]), (278, 3, [3]), (279, 4, [12]),
      ]
      if p == 1 {
        for entry in replace {
          entries.removeAll { $0.0 == entry.0 }
          if !entry.2.isEmpty { entries.append(entry) }
        }
        entries.sort { $0.0 < $1.0 }
      }
      t.page(entries)
    }
    return t.bytes
  }

  @Test func tiffRefusesWhatItCannotRead() throws {
    #expect(try readBytes(twoPages(), as: "ok.tif").count == 2)
    #expect(try readBytes(twoPages(bigEndian: true), as: "ok-be.tif").storage == .uint16(ramp(6) + ramp(6)))
    func error(_ replace: [(UInt16, UInt16, [UInt64])]) -> SparseVARError? {
      readError(twoPages(replace), as: "bad.tif")
    }
    expectFormat(error([(259, 3, [5])]), ["page 2", "Compression = 5", "LZW", "uncompressed"])
    expectFormat(error([(259, 3, [32773])]), ["Compression = 32773", "PackBits"])
    expectFormat(error([(259, 3, [7])]), ["Compression = 7", "JPEG"])
    expectFormat(error([(277, 3, [3])]), ["page 2", "SamplesPerPixel = 3", "grayscale"])
    expectFormat(error([(262, 3, [2])]), ["PhotometricInterpretation = 2", "RGB"])
    expectFormat(error([(262, 3, [3])]), ["PhotometricInterpretation = 3", "palette"])
    expectFormat(error([(258, 3, [32]), (279, 4, [24])]), ["BitsPerSample = 32", "SampleFormat = 1", "32-bit unsigned"])
    expectFormat(error([(258, 3, [12])]), ["BitsPerSample = 12"])
    expectFormat(error([(258, 3, [16]), (339, 3, [3])]), ["16-bit float", "SampleFormat = 3"])
    expectFormat(error([(256, 3, [3]), (279, 4, [18])]), ["page 2 is 3 x 3", "page 1 is 3 x 2", "same size"])
    expectFormat(
      error([(258, 3, [8]), (279, 4, [6])]), ["page 2 has 8-bit unsigned integer samples", "page 1 has 16-bit"])
    expectFormat(error([(273, 4, [])]), ["page 2", "lacks the required tag 273 (StripOffsets)"])
    expectFormat(error([(256, 3, [])]), ["lacks the required tag 256 (ImageWidth)"])
    expectFormat(error([(279, 4, [10])]), ["strip 1 of page 2 holds 10 bytes", "12 are needed"])
    expectFormat(error([(278, 3, [1])]), ["page 2 needs 3 strips but lists 1 strip offset"])
    expectFormat(error([(278, 3, [0])]), ["RowsPerStrip = 0"])
    expectFormat(
      error([(273, 4, [1 << 30])]), ["truncated", "strip 1 of page 2", "page 1 before it read fine", "interrupted"])
    expectFormat(error([(273, 5, [8])]), ["field type 5"])
    expectFormat(error([(257, 3, [60000]), (256, 4, [60000])]), ["page 2 is 60000 x 60000", "more image data"])
    // Pages sharing one strip can add up to more data than the file holds: refused.
    var t = HandTIFF(bigEndian: false, bigTIFF: false)
    let shared = t.blob(bytes16(ramp(1024), bigEndian: false))
    for _ in 0..<4 { t.stripPage(width: 32, height: 32, bits: 16, strips: [shared], counts: [2048], rowsPerStrip: 32) }
    expectFormat(readError(t.bytes, as: "shared.tif"), ["first 2 pages add up to more than"])
  }

  @Test func tiffStructureErrors() throws {
    let good = twoPages()
    expectFormat(readError(Array("GIF89a and more".utf8), as: "x.tif"), ["not a TIFF file", "\"II\" or \"MM\""])
    expectFormat(readError([0x49, 0x49, 41, 0, 8, 0, 0, 0], as: "x.tif"), ["version number is 41"])
    expectFormat(readError([0x49, 0x49, 42, 0], as: "x.tif"), ["only 4 bytes"])
    expectFormat(readError([0x49, 0x49, 42, 0, 0, 0, 0, 0], as: "x.tif"), ["no pages"])
    expectFormat(readError([0x49, 0x49, 43, 0, 4, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0], as: "x.tif"), ["8-byte offsets"])
    expectFormat(readError([0x49, 0x49, 43, 0, 8, 0, 0, 0, 16], as: "x.tif"), ["BigTIFF header"])
    expectFormat(readError([0x49, 0x49, 42, 0, 200, 0, 0, 0], as: "x.tif"), ["truncated", "page 1", "200"])
    // A chain of pages that loops back to page 1.
    var looping = good
    let file = temporaryPath("loop-probe.tif")
    writeFile(good, file)
    defer { unlink(file) }
    let reader = try FrameFileReader(path: file)
    let (layout, first) = try TIFFFile.readHeader(reader)
    let page1 = try TIFFFile.readPage(reader, layout, at: Int(first), number: 1)
    let lastNextField = good.count - 4
    looping.replaceSubrange(lastNextField..<good.count, with: integerBytes(first, 4, bigEndian: false))
    expectFormat(readError(looping, as: "loop.tif"), ["page 3", "loops"])
    #expect(page1.next != 0)
    // Every truncation is refused, with the pages read intact named once page 1 was.
    for length in [8, 20, good.count / 2, good.count - 1] {
      expectFormat(readError(Array(good[0..<length]), as: "cut.tif"), ["truncated"])
    }
    expectFormat(readError(Array(good.dropLast(1)), as: "cut.tif"), ["page 2", "page 1 before it read fine"])
  }

  // MARK: Fuzz

  /// Reads `bytes`; it may read or throw a SparseVARError, nothing else (a trap fails the run).
  private func survives(_ bytes: [UInt8], _ name: String) -> Bool {
    do {
      _ = try readBytes(bytes, as: name)
      return true
    } catch is SparseVARError {
      return false
    } catch {
      Issue.record("not a SparseVARError: \(error)")
      return false
    }
  }

  @Test func truncationsAndByteFlipsNeverTrap() throws {
    let stack = try FrameStack(count: 3, height: 4, width: 5, storage: .uint16(ramp(60).map { $0 &* 997 }))
    let npyPath = temporaryPath("fuzz-source.npy")
    let tiffPath = temporaryPath("fuzz-source.tif")
    defer {
      unlink(npyPath)
      unlink(tiffPath)
    }
    try FrameFile.write(stack, to: npyPath)
    try FrameFile.write(stack, to: tiffPath)
    func contents(_ path: String) throws -> [UInt8] {
      let reader = try FrameFileReader(path: path)
      return try reader.bytes(at: 0, count: reader.size, "all")
    }
    var bigTIFF = HandTIFF(bigEndian: true, bigTIFF: true)
    for _ in 0..<2 {
      let at = bigTIFF.blob(bytes16(ramp(12), bigEndian: true))
      bigTIFF.stripPage(
        width: 4, height: 3, bits: 16, strips: [at], counts: [24], rowsPerStrip: 3,
        extra: [(270, 2, [UInt64](repeating: 65, count: 40) + [0])])
    }
    let sources: [(String, [UInt8])] = [
      ("fuzz.npy", try contents(npyPath)), ("fuzz.tif", try contents(tiffPath)), ("fuzz-big.tif", bigTIFF.bytes),
    ]
    var rng = TestRandom(seed: 2024)
    var cases = 0
    for (name, bytes) in sources {
      #expect(survives(bytes, name))
      // Every truncation of these files is an error.
      for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 150)) {
        #expect(!survives(Array(bytes[0..<length]), name), "\(name) cut to \(length) bytes was read")
        cases += 1
      }
      // Random damage: 1 to 4 bytes set to random values, or bits flipped, anywhere; reading it
      // may succeed (a flipped pixel) or throw, but must not trap.
      for round in 0..<200 {
        var damaged = bytes
        for _ in 0..<(1 + Int(rng.next() % 4)) {
          let i = Int(rng.next() % UInt64(bytes.count))
          if round % 2 == 0 {
            damaged[i] = UInt8(truncatingIfNeeded: rng.next())
          } else {
            damaged[i] ^= UInt8(1) << UInt8(rng.next() % 8)
          }
        }
        _ = survives(damaged, name)
        cases += 1
      }
      // Damage in the header area specifically (where the lengths and offsets are).
      for _ in 0..<100 {
        var damaged = bytes
        damaged[Int(rng.next() % UInt64(min(bytes.count, 64)))] = [0, 0xFF, 0x7F, 0x80][Int(rng.next() % 4)]
        _ = survives(damaged, name)
        cases += 1
      }
    }
    #expect(cases > 900)
  }
}

// MARK: - suite2p binary

@Suite struct Suite2PBinaryTests {
  @Test func readsInt16FramesOfTheGivenSizeFromTheFileOrItsFolder() throws {
    let folder = temporaryPath("suite2p-plane0")
    mkdir(folder, 0o755)
    let path = folder + "/data.bin"
    defer { unlink(path); rmdir(folder) }
    let values: [Int16] = (0..<(3 * 2 * 5)).map { Int16($0 * 37 - 400) }  // 3 frames of 2 x 5
    writeFile(values.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }, path)
    for source in [path, folder, folder + "/"] {
      let stack = try Suite2PBinary.read(path: source, height: 2, width: 5)
      #expect(stack.count == 3 && stack.height == 2 && stack.width == 5)
      #expect(stack.storage == .float32(values.map { Float($0) }))
    }
    #expect(try Suite2PBinary.read(path: path, height: 5, width: 2).count == 3)
    #expect(throws: SparseVARError.self) { try Suite2PBinary.read(path: path, height: 4, width: 4) }
    #expect(throws: SparseVARError.self) { try Suite2PBinary.read(path: path, height: 0, width: 4) }
    #expect(throws: SparseVARError.self) { try Suite2PBinary.read(path: folder, height: 2, width: 5, channel: 2) }
  }
}
