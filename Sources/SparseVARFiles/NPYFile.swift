//===--- NPYFile.swift ----------------------------------------------------===//
//
// NumPy .npy files (format versions 1.0, 2.0 and 3.0) holding a 3-D array frames x height x
// width in C order:
//
//   bytes 0..5    magic "\x93NUMPY"
//   bytes 6, 7    format version, major and minor (1.0, 2.0 or 3.0)
//   then          header length L: UInt16 little-endian (1.0) or UInt32 little-endian (2.0, 3.0)
//   then          L bytes of header: a Python dict literal, ASCII / latin-1 (1.0, 2.0) or UTF-8
//                 (3.0), padded with spaces and ended by "\n", e.g.
//                 {'descr': '<u2', 'fortran_order': False, 'shape': (100, 512, 512), }
//   then          the samples, frames * height * width of them, C order
//
// Read dtypes ('<' little-endian, '>' big-endian, '|' not applicable, '=' the host's order):
//
//   |u1 <u1 >u1   uint8    -> FrameStack .uint16 (widened)
//   <u2 >u2       uint16   -> .uint16
//   <i2 >i2       int16    -> .float32 (exact)
//   <f4 >f4       float32  -> .float32
//   <f8 >f8       float64  -> .float64
//
// Anything else (other dtypes, structured dtypes, Fortran order, rank != 3) is `.format` with a
// message naming what was found. Bytes after the data are ignored, as numpy does.
//
// The writer writes format 1.0, little-endian ('<u2', '<f4' or '<f8'), header padded so that the
// data start at a multiple of 64 bytes.
//
//===----------------------------------------------------------------------===//

import SparseVAR

enum NPYFile {
  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
  /// Longest header read; numpy's own headers for 3-D arrays are about 128 bytes.
  static let maximumHeaderLength = 1 << 20

  /// The parts of a header this reader uses.
  struct Header {
    var encoding: FrameSampleEncoding
    /// frames, height, width
    var shape: (Int, Int, Int)
    /// Byte offset of the first sample.
    var dataOffset: Int
  }

  // MARK: - Reading

  static func read(path: String) throws -> FrameStack {
    let file = try FrameFileReader(path: path)
    let header = try readHeader(file)
    let (frames, height, width) = header.shape
    guard let samples = sizeProduct(frames, height).flatMap({ sizeProduct($0, width) }),
      let dataBytes = sizeProduct(samples, header.encoding.bytes),
      dataBytes <= file.size - header.dataOffset
    else {
      throw SparseVARError.format(
        "\(path) is truncated: its header announces shape (\(frames), \(height), \(width)) of "
          + "\(header.encoding.name) samples, \(describeBytes(frames, height, width, header.encoding.bytes)) "
          + "of data after the \(header.dataOffset)-byte header, but the file holds "
          + "\(file.size - header.dataOffset)")
    }
    let storage = try makeFrameStorage(header.encoding.sampleType, samples: samples) { destination in
      try file.readSamples(samples, header.encoding, at: header.dataOffset, into: destination, "the array data")
    }
    return FrameStack(unchecked: frames, height: height, width: width, storage: storage)
  }

  /// "N bytes", or "more bytes than a file can hold" when the product overflows.
  static func describeBytes(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> String {
    if let n = sizeProduct(a, b).flatMap({ sizeProduct($0, c) }).flatMap({ sizeProduct($0, d) }) {
      return "\(n) bytes"
    }
    return "more bytes than a file can hold"
  }

  /// Reads and checks the preamble and header.
  static func readHeader(_ file: FrameFileReader) throws -> Header {
    let path = file.path
    guard file.size >= 10 else {
      throw SparseVARError.format(
        "\(path) is not a NumPy .npy file: it has only \(file.size) bytes, fewer than the 10-byte preamble")
    }
    let preamble = try file.bytes(at: 0, count: min(12, file.size), "the npy preamble")
    guard Array(preamble[0..<6]) == magic else {
      throw SparseVARError.format(
        "\(path) is not a NumPy .npy file: it does not start with the bytes \\x93NUMPY (was it saved "
          + "with np.save? .npz archives and text files are not read)")
    }
    let (major, minor) = (preamble[6], preamble[7])
    let headerLength: Int
    let lengthBytes: Int
    switch (major, minor) {
    case (1, 0):
      lengthBytes = 2
      headerLength = Int(preamble[8]) | Int(preamble[9]) << 8
    case (2, 0), (3, 0):
      lengthBytes = 4
      guard preamble.count >= 12 else {
        throw SparseVARError.format("\(path) is truncated: it ends inside the npy preamble")
      }
      headerLength = Int(preamble[8]) | Int(preamble[9]) << 8 | Int(preamble[10]) << 16 | Int(preamble[11]) << 24
    default:
      throw SparseVARError.format(
        "\(path) is npy format version \(major).\(minor), which this reader does not know (it reads "
          + "1.0, 2.0 and 3.0)")
    }
    let headerStart = 8 + lengthBytes
    guard headerLength <= maximumHeaderLength else {
      throw SparseVARError.format(
        "\(path) is damaged or not a plain array: its npy header claims \(headerLength) bytes (at most "
          + "\(maximumHeaderLength) are read)")
    }
    guard headerLength <= file.size - headerStart else {
      throw SparseVARError.format(
        "\(path) is truncated: its npy header needs \(headerLength) bytes after byte \(headerStart), the "
          + "file has \(file.size) bytes in all")
    }
    let text = try file.bytes(at: headerStart, count: headerLength, "the npy header")
    let (encoding, shape) = try parseHeader(text, path: path)
    return Header(encoding: encoding, shape: shape, dataOffset: headerStart + headerLength)
  }

  /// Interprets the header dict.
  static func parseHeader(_ text: [UInt8], path: String) throws -> (FrameSampleEncoding, (Int, Int, Int)) {
    var parser = PythonLiteralParser(text, path: path)
    let value = try parser.parseHeader()
    guard case .dict(let entries) = value else {
      throw SparseVARError.format("\(path) has a damaged npy header: it is not a Python dict")
    }
    func entry(_ key: String) throws -> PythonLiteral {
      guard let v = entries.first(where: { $0.0 == key })?.1 else {
        throw SparseVARError.format("\(path) has a damaged npy header: the key '\(key)' is missing")
      }
      return v
    }
    // dtype
    let encoding: FrameSampleEncoding
    switch try entry("descr") {
    case .string(let descr):
      encoding = try sampleEncoding(descr, path: path)
    case .list:
      throw SparseVARError.format(
        "\(path) holds a structured (record) array; frames must be a plain numeric array of dtype "
          + "uint8, uint16, int16, float32 or float64")
    default:
      throw SparseVARError.format("\(path) has a damaged npy header: 'descr' is not a dtype string")
    }
    // order
    switch try entry("fortran_order") {
    case .bool(false):
      break
    case .bool(true):
      throw SparseVARError.format(
        "\(path) holds an array in Fortran (column-major) order; frames must be in C order: save it "
          + "with np.save(path, np.ascontiguousarray(a))")
    default:
      throw SparseVARError.format("\(path) has a damaged npy header: 'fortran_order' is not True or False")
    }
    // shape
    guard case .tuple(let items) = try entry("shape") else {
      throw SparseVARError.format("\(path) has a damaged npy header: 'shape' is not a tuple")
    }
    var shape: [Int] = []
    for item in items {
      guard case .int(let n) = item, n >= 0 else {
        throw SparseVARError.format("\(path) has a damaged npy header: 'shape' holds something other than sizes")
      }
      shape.append(n)
    }
    let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    guard shape.count == 3 else {
      throw SparseVARError.format(
        "\(path) holds an array of shape \(shapeText) (\(shape.count) dimension\(shape.count == 1 ? "" : "s")); "
          + "frames must be a 3-D array frames x height x width"
          + (shape.count == 2 ? " (for a single frame use a[np.newaxis])" : ""))
    }
    guard shape[1] >= 1, shape[2] >= 1 else {
      throw SparseVARError.format(
        "\(path) holds an array of shape \(shapeText): frames of \(shape[1]) x \(shape[2]) pixels have no pixels")
    }
    return (encoding, (shape[0], shape[1], shape[2]))
  }

  /// The encoding of a numpy dtype string such as '<u2'.
  static func sampleEncoding(_ descr: String, path: String) throws -> FrameSampleEncoding {
    let chars = Array(descr)
    let supported = "supported are uint8 ('|u1'), uint16 ('<u2', '>u2'), int16 ('<i2', '>i2'), float32 "
      + "('<f4', '>f4') and float64 ('<f8', '>f8'); convert with e.g. a.astype(np.float32)"
    guard chars.count >= 2 else {
      throw SparseVARError.format("\(path) holds samples of dtype '\(descr)', which is not supported: \(supported)")
    }
    let order = chars[0]
    let type = String(chars[1...])
    let kind: FrameSampleEncoding.Kind
    switch type {
    case "u1": kind = .uint8
    case "u2": kind = .uint16
    case "i2": kind = .int16
    case "f4": kind = .float32
    case "f8": kind = .float64
    default:
      throw SparseVARError.format(
        "\(path) holds samples of dtype '\(descr)'\(dtypeName(type).map { " (\($0))" } ?? ""), which is not "
          + "supported: \(supported)")
    }
    let bigEndian: Bool
    switch order {
    case "<": bigEndian = false
    case ">": bigEndian = true
    case "=": bigEndian = frameFileHostIsBigEndian
    case "|" where kind == .uint8: bigEndian = false
    default:
      throw SparseVARError.format(
        "\(path) has a damaged npy header: the dtype '\(descr)' has no valid byte order ('<', '>' or, for "
          + "one-byte types, '|')")
    }
    return FrameSampleEncoding(kind: kind, bigEndian: bigEndian)
  }

  /// A readable name for a numpy kind-and-size code such as "i4", when it is a known one.
  static func dtypeName(_ type: String) -> String? {
    guard let kind = type.first else { return nil }
    let size = type.dropFirst()
    let bits = Int(size).map { $0 * 8 }
    switch kind {
    case "b": return "boolean"
    case "i": return bits.map { "\($0)-bit signed integer" }
    case "u": return bits.map { "\($0)-bit unsigned integer" }
    case "f": return bits.map { "\($0)-bit float" }
    case "c": return bits.map { "\($0)-bit complex" }
    case "O": return "Python objects"
    case "S", "a": return "byte strings"
    case "U": return "unicode strings"
    case "V": return "raw bytes"
    case "M": return "datetime"
    case "m": return "timedelta"
    default: return nil
    }
  }

  // MARK: - Writing

  /// Writes `stack` as a format 1.0 .npy file: little-endian uint16, float32 or float64.
  static func write(_ stack: FrameStack, to path: String) throws {
    let descr: String
    switch stack.storage {
    case .uint16: descr = "<u2"
    case .float32: descr = "<f4"
    case .float64: descr = "<f8"
    }
    let shape = "(\(stack.count), \(stack.height), \(stack.width))"
    var dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }".utf8)
    // magic (6) + version (2) + length (2) + dict + spaces + "\n" = a multiple of 64.
    let unpadded = 10 + dict.count + 1
    dict += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64)
    dict.append(0x0A)
    let writer = try FrameFileWriter(path: path)
    try writer.write(magic + [1, 0, UInt8(dict.count & 0xFF), UInt8(dict.count >> 8)] + dict)
    try writer.writeLittleEndian(stack.storage, samples: 0..<stack.storage.count)
    try writer.commit()
  }
}

// MARK: - Python literals

/// The Python literals an npy header may hold.
indirect enum PythonLiteral {
  case string(String)
  case int(Int)
  case bool(Bool)
  case none
  case tuple([PythonLiteral])
  case list([PythonLiteral])
  case dict([(String, PythonLiteral)])
}

/// A parser of the Python literal subset numpy writes in npy headers: dicts with string keys,
/// strings ('...' or "..."), integers (optionally with Python 2's L suffix), True, False, None,
/// tuples and lists, nested at most 32 deep.
struct PythonLiteralParser {
  let text: [UInt8]
  let path: String
  var position = 0
  static let maximumDepth = 32

  init(_ text: [UInt8], path: String) {
    self.text = text
    self.path = path
  }

  func failure(_ what: String) -> SparseVARError {
    SparseVARError.format("\(path) has a damaged npy header: \(what) at character \(position) of the header")
  }

  mutating func skipSpace() {
    while position < text.count, [0x20, 0x09, 0x0A, 0x0D].contains(text[position]) { position += 1 }
  }

  /// One value, then nothing but whitespace (and numpy's padding).
  mutating func parseHeader() throws -> PythonLiteral {
    let value = try parseValue(depth: 0)
    skipSpace()
    guard position == text.count || text[position] == 0 else { throw failure("unexpected text after the dict") }
    return value
  }

  mutating func parseValue(depth: Int) throws -> PythonLiteral {
    guard depth < Self.maximumDepth else { throw failure("nesting too deep") }
    skipSpace()
    guard position < text.count else { throw failure("the header ends early") }
    let c = text[position]
    switch c {
    case UInt8(ascii: "'"), UInt8(ascii: "\""):
      return .string(try parseString())
    case UInt8(ascii: "("):
      position += 1
      return .tuple(try parseItems(until: UInt8(ascii: ")"), depth: depth))
    case UInt8(ascii: "["):
      position += 1
      return .list(try parseItems(until: UInt8(ascii: "]"), depth: depth))
    case UInt8(ascii: "{"):
      position += 1
      return try parseDict(depth: depth)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return .int(try parseInt())
    default:
      for (word, value) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)] {
        let w = Array(word.utf8)
        if text.count - position >= w.count, Array(text[position..<(position + w.count)]) == w {
          position += w.count
          return value
        }
      }
      throw failure("unexpected character '\(Unicode.Scalar(c))'")
    }
  }

  mutating func parseString() throws -> String {
    let quote = text[position]
    position += 1
    let start = position
    while position < text.count, text[position] != quote {
      if text[position] == UInt8(ascii: "\\") { position += 1 }
      position += 1
    }
    guard position < text.count else { throw failure("a string is not closed") }
    let bytes = text[start..<position]
    position += 1
    return String(decoding: bytes, as: UTF8.self)
  }

  mutating func parseInt() throws -> Int {
    var negative = false
    if text[position] == UInt8(ascii: "-") {
      negative = true
      position += 1
    }
    var value = 0
    var digits = 0
    while position < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[position]) {
      let (m, o1) = value.multipliedReportingOverflow(by: 10)
      let (s, o2) = m.addingReportingOverflow(Int(text[position] - UInt8(ascii: "0")))
      guard !o1, !o2 else { throw failure("a number is too large") }
      value = s
      digits += 1
      position += 1
    }
    guard digits > 0 else { throw failure("a '-' without digits") }
    if position < text.count, text[position] == UInt8(ascii: "L") || text[position] == UInt8(ascii: "l") {
      position += 1
    }
    return negative ? -value : value
  }

  /// Comma-separated values up to `close` (a trailing comma is allowed).
  mutating func parseItems(until close: UInt8, depth: Int) throws -> [PythonLiteral] {
    var items: [PythonLiteral] = []
    while true {
      skipSpace()
      guard position < text.count else { throw failure("the header ends inside a tuple or list") }
      if text[position] == close {
        position += 1
        return items
      }
      items.append(try parseValue(depth: depth + 1))
      skipSpace()
      guard position < text.count else { throw failure("the header ends inside a tuple or list") }
      if text[position] == UInt8(ascii: ",") {
        position += 1
      } else if text[position] != close {
        throw failure("expected ',' or a closing bracket")
      }
    }
  }

  mutating func parseDict(depth: Int) throws -> PythonLiteral {
    var entries: [(String, PythonLiteral)] = []
    while true {
      skipSpace()
      guard position < text.count else { throw failure("the header ends inside the dict") }
      if text[position] == UInt8(ascii: "}") {
        position += 1
        return .dict(entries)
      }
      guard case .string(let key) = try parseValue(depth: depth + 1) else {
        throw failure("a dict key is not a string")
      }
      skipSpace()
      guard position < text.count, text[position] == UInt8(ascii: ":") else { throw failure("expected ':'") }
      position += 1
      entries.append((key, try parseValue(depth: depth + 1)))
      skipSpace()
      guard position < text.count else { throw failure("the header ends inside the dict") }
      if text[position] == UInt8(ascii: ",") {
        position += 1
      } else if text[position] != UInt8(ascii: "}") {
        throw failure("expected ',' or '}'")
      }
    }
  }
}
