//===--- FrameFileIO.swift ------------------------------------------------===//
//
// File access shared by the frame file readers and writers (NPYFile.swift, TIFFFile.swift):
//
//   FrameFileReader   positioned, bounds-checked reads through fopen / fseeko / fread. Every
//                     range is checked against the file size BEFORE anything is allocated for
//                     it, so a damaged length field gives `.format`, never a huge allocation.
//                     Pixel data go straight from the file into the destination array in one
//                     fread per contiguous range; conversions that widen samples (8-bit to
//                     UInt16, Int16 to Float) pass through a 1 MiB scratch block, so reading a
//                     file needs its output array plus O(1 MiB). It opens without blocking and
//                     reads regular files only (a FIFO, device or directory is `.io` at once,
//                     never a hang).
//   FrameFileWriter   writes to a new, exclusively created temporary file in the target's
//                     directory, fsyncs it and renames it into place on `commit()` (then fsyncs
//                     the directory), so a reader never sees half a file and concurrent saves to
//                     one path both succeed; an uncommitted writer removes its file.
//
// Errors: a file that cannot be opened, read or written is `.io` (with the path and strerror);
// a file whose content is short or inconsistent is `.format`.
//
//===----------------------------------------------------------------------===//

import Glibc

/// True on a big-endian host.
package let frameFileHostIsBigEndian = 1.bigEndian == 1

/// strerror of the current errno.
package func frameFileErrnoText() -> String { String(cString: strerror(errno)) }

/// How the samples of a file are encoded.
package struct FrameSampleEncoding: Equatable {
  package enum Kind: Equatable {
    case uint8, uint16, int16, float32, float64
  }

  package var kind: Kind
  /// Byte order of multi-byte samples (ignored for 8-bit samples).
  package var bigEndian: Bool

  package init(kind: Kind, bigEndian: Bool) {
    self.kind = kind
    self.bigEndian = bigEndian
  }

  /// Bytes per sample in the file.
  package var bytes: Int {
    switch kind {
    case .uint8: return 1
    case .uint16, .int16: return 2
    case .float32: return 4
    case .float64: return 8
    }
  }

  /// The sample type the samples are stored in once read.
  package var sampleType: FrameSampleType {
    switch kind {
    case .uint8, .uint16: return .uint16
    case .int16, .float32: return .float32
    case .float64: return .float64
    }
  }

  /// E.g. "16-bit unsigned integer".
  package var name: String {
    switch kind {
    case .uint8: return "8-bit unsigned integer"
    case .uint16: return "16-bit unsigned integer"
    case .int16: return "16-bit signed integer"
    case .float32: return "32-bit float"
    case .float64: return "64-bit float"
    }
  }
}

/// Builds the storage of `samples` samples of `type`, filled by `fill` through a pointer to
/// uninitialised memory of the element type (the array is allocated exactly, never zero-filled).
package func makeFrameStorage(
  _ type: FrameSampleType, samples: Int, fill: (UnsafeMutableRawPointer) throws -> Void
) throws -> FrameStack.Storage {
  func make<T>(_: T.Type) throws -> [T] {
    guard samples > 0 else { return [] }
    return try [T](unsafeUninitializedCapacity: samples) { buffer, initialised in
      try fill(UnsafeMutableRawPointer(buffer.baseAddress!))
      initialised = samples
    }
  }
  switch type {
  case .uint16: return .uint16(try make(UInt16.self))
  case .float32: return .float32(try make(Float.self))
  case .float64: return .float64(try make(Double.self))
  }
}

/// A regular file open for reading.
package final class FrameFileReader {
  package let path: String
  /// Size in bytes when opened.
  package let size: Int
  private let file: UnsafeMutablePointer<FILE>
  /// The stream's position (to skip needless seeks, which drop stdio's buffer).
  private var position = 0

  /// Opens `path` without blocking (a FIFO or device never hangs the caller) and checks, on the
  /// open descriptor, that it is a regular file.
  /// - Throws: `.io` when it cannot be opened or is not a regular file.
  package init(path: String) throws {
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw SparseVARError.io("cannot open \(path): \(frameFileErrnoText())")
    }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
      let reason = frameFileErrnoText()
      close(descriptor)
      throw SparseVARError.io("cannot read \(path): \(reason)")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      close(descriptor)
      let kind: String
      switch info.st_mode & S_IFMT {
      case S_IFDIR: kind = "a directory"
      case S_IFIFO: kind = "a FIFO (named pipe), not a regular file"
      case S_IFCHR, S_IFBLK: kind = "a device, not a regular file"
      case S_IFSOCK: kind = "a socket, not a regular file"
      default: kind = "not a regular file"
      }
      throw SparseVARError.io("cannot read \(path): it is \(kind)")
    }
    // A regular file: reads never block, but clear O_NONBLOCK so stdio sees an ordinary stream.
    let flags = fcntl(descriptor, F_GETFL)
    if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
    guard let file = fdopen(descriptor, "rb") else {
      let reason = frameFileErrnoText()
      close(descriptor)
      throw SparseVARError.io("cannot read \(path): \(reason)")
    }
    self.path = path
    self.file = file
    self.size = Int(info.st_size)
  }

  deinit { fclose(file) }

  /// The data region at or after `offset`: where its bytes start and where the next hole (or
  /// the end of the file) starts, by SEEK_DATA / SEEK_HOLE. A hole reads as zeros and takes no
  /// time to skip; file systems that do not report holes give (offset, size).
  package func dataRegion(from offset: Int) -> (start: Int, end: Int) {
    guard offset < size else { return (size, size) }
    let descriptor = fileno(file)
    position = -1  // lseek moves the descriptor under stdio: the next read seeks again.
    let start = lseek(descriptor, off_t(offset), 3)  // SEEK_DATA (Linux; hidden by Glibc's module)
    if start < 0 { return errno == ENXIO ? (size, size) : (offset, size) }
    let end = lseek(descriptor, start, 4)  // SEEK_HOLE
    guard end >= start else { return (Int(start), size) }
    return (Int(start), min(Int(end), size))
  }

  /// Throws `.format` unless bytes `offset ..< offset + count` lie inside the file.
  /// `what` names the bytes ("the npy header", "strip 3 of page 2").
  package func requireRange(_ offset: Int, _ count: Int, _ what: @autoclosure () -> String) throws {
    guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
      let start = offset >= 0 && offset <= size ? "at byte \(offset)" : "at byte \(UInt(bitPattern: offset))"
      throw SparseVARError.format(
        "\(path) is truncated or damaged: \(what()) (\(count >= 0 ? String(count) : "?") bytes \(start)) "
          + "lies beyond the end of the \(size)-byte file")
    }
  }

  /// Reads exactly `buffer.count` bytes at `offset`.
  /// - Throws: `.format` when the range is outside the file, `.io` when reading fails.
  package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, _ what: @autoclosure () -> String) throws {
    try requireRange(offset, buffer.count, what())
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    if offset != position {
      guard fseeko(file, off_t(offset), SEEK_SET) == 0 else {
        throw SparseVARError.io("cannot read \(path): \(frameFileErrnoText())")
      }
      position = offset
    }
    let n = fread(base, 1, buffer.count, file)
    position += n
    guard n == buffer.count else {
      if ferror(file) != 0 {
        let reason = frameFileErrnoText()
        clearerr(file)
        throw SparseVARError.io("cannot read \(path): \(reason)")
      }
      clearerr(file)
      throw SparseVARError.io(
        "cannot read \(path): the file ended at byte \(position) while reading \(what()), but it had "
          + "\(size) bytes when opened (is it being written to?)")
    }
  }

  /// `count` bytes at `offset` (checked against the file size before allocating).
  package func bytes(at offset: Int, count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
    try requireRange(offset, count, what())
    var out = [UInt8](repeating: 0, count: count)
    try out.withUnsafeMutableBytes { try read(into: $0, at: offset, what()) }
    return out
  }

  /// Reads `samples` samples encoded as `encoding` at byte `offset` and stores them, converted
  /// to `encoding.sampleType` and host byte order, at `destination` (which must have room for
  /// `samples` values of that type).
  package func readSamples(
    _ samples: Int, _ encoding: FrameSampleEncoding, at offset: Int,
    into destination: UnsafeMutableRawPointer, _ what: @autoclosure () -> String
  ) throws {
    guard let byteCount = sizeProduct(samples, encoding.bytes) else {
      throw SparseVARError.format("\(path) is damaged: \(what()) would hold more bytes than a file can")
    }
    try requireRange(offset, byteCount, what())
    let swap = encoding.bigEndian != frameFileHostIsBigEndian
    switch encoding.kind {
    case .uint16:
      try read(into: UnsafeMutableRawBufferPointer(start: destination, count: byteCount), at: offset, what())
      if swap {
        let p = destination.bindMemory(to: UInt16.self, capacity: samples)
        for i in 0..<samples { p[i] = p[i].byteSwapped }
      }
    case .float32:
      try read(into: UnsafeMutableRawBufferPointer(start: destination, count: byteCount), at: offset, what())
      if swap {
        let p = destination.bindMemory(to: Float.self, capacity: samples)
        for i in 0..<samples { p[i] = Float(bitPattern: p[i].bitPattern.byteSwapped) }
      }
    case .float64:
      try read(into: UnsafeMutableRawBufferPointer(start: destination, count: byteCount), at: offset, what())
      if swap {
        let p = destination.bindMemory(to: Double.self, capacity: samples)
        for i in 0..<samples { p[i] = Double(bitPattern: p[i].bitPattern.byteSwapped) }
      }
    case .uint8:
      let p = destination.bindMemory(to: UInt16.self, capacity: samples)
      try readWidening(samples, bytesEach: 1, at: offset, what()) { raw, first, n in
        for i in 0..<n { p[first + i] = UInt16(raw[i]) }
      }
    case .int16:
      let p = destination.bindMemory(to: Float.self, capacity: samples)
      try readWidening(samples, bytesEach: 2, at: offset, what()) { raw, first, n in
        for i in 0..<n {
          let bits = raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
          p[first + i] = Float(Int16(bitPattern: swap ? bits.byteSwapped : bits))
        }
      }
    }
  }

  /// Reads `samples` samples of `bytesEach` bytes at `offset` in blocks of at most 1 MiB and
  /// hands each block to `convert(block, index of its first sample, samples in it)`.
  private func readWidening(
    _ samples: Int, bytesEach: Int, at offset: Int, _ what: @autoclosure () -> String,
    _ convert: (UnsafeRawBufferPointer, Int, Int) -> Void
  ) throws {
    let blockSamples = max(1, min(samples, (1 << 20) / bytesEach))
    var scratch = [UInt8](repeating: 0, count: blockSamples * bytesEach)
    var done = 0
    while done < samples {
      let n = min(blockSamples, samples - done)
      try scratch.withUnsafeMutableBytes { raw in
        let block = UnsafeMutableRawBufferPointer(rebasing: raw[0..<(n * bytesEach)])
        try read(into: block, at: offset + done * bytesEach, what())
        convert(UnsafeRawBufferPointer(block), done, n)
      }
      done += n
    }
  }
}

/// A file being written: a new temporary file in the target's directory until `commit()`
/// renames it to `path`.
///
/// The temporary file is `<directory>/.<name>.<16 random hex digits>.partial` (the name cut to
/// 100 bytes), created with O_CREAT | O_EXCL | O_NOFOLLOW: a new file or nothing (an existing
/// file or symbolic link of that name is never opened; another random name is tried), so
/// concurrent writers of one path never share a temporary file and the last rename wins. `commit()` flushes the file to
/// disk (fsync) before the rename and the directory after it, so after a crash `path` holds the
/// old or the new content, whole.
package final class FrameFileWriter {
  package let path: String
  package let temporary: String
  private var file: UnsafeMutablePointer<FILE>?
  /// Bytes written so far.
  package private(set) var offset = 0

  /// Creates the temporary file.
  /// - Throws: `.io` when it cannot be created.
  package init(path: String) throws {
    self.path = path
    let (directory, fullName) = frameFileSplitPath(path)
    // At most 100 bytes of the name, so that the temporary name stays within NAME_MAX.
    let name = String(decoding: fullName.utf8.prefix(100), as: UTF8.self)
    var generator = SystemRandomNumberGenerator()
    var attempt = 0
    while true {
      let suffix = String(generator.next() as UInt64, radix: 16)
      let candidate = directory + "." + name + "." + String(repeating: "0", count: 16 - suffix.count) + suffix + ".partial"
      let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0o666)
      if descriptor >= 0 {
        guard let file = fdopen(descriptor, "wb") else {
          let reason = frameFileErrnoText()
          close(descriptor)
          unlink(candidate)
          throw SparseVARError.io("cannot open \(candidate) for writing: \(reason)")
        }
        self.file = file
        temporary = candidate
        return
      }
      attempt += 1
      guard errno == EEXIST, attempt < 64 else {
        throw SparseVARError.io("cannot create a temporary file next to \(path): \(frameFileErrnoText())")
      }
    }
  }

  /// Closes and removes the temporary file unless `commit()` succeeded.
  deinit {
    if let file {
      fclose(file)
      unlink(temporary)
    }
  }

  package func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard let file else { return }
    guard bytes.count > 0, let base = bytes.baseAddress else { return }
    guard fwrite(base, 1, bytes.count, file) == bytes.count else {
      throw SparseVARError.io("cannot write \(temporary): \(frameFileErrnoText())")
    }
    offset += bytes.count
  }

  package func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  /// Writes samples `range` of `storage` little-endian.
  package func writeLittleEndian(_ storage: FrameStack.Storage, samples range: Range<Int>) throws {
    switch storage {
    case .uint16(let v): try v.withUnsafeBytes { try writeLittleEndian($0, bytesEach: 2, range) }
    case .float32(let v): try v.withUnsafeBytes { try writeLittleEndian($0, bytesEach: 4, range) }
    case .float64(let v): try v.withUnsafeBytes { try writeLittleEndian($0, bytesEach: 8, range) }
    }
  }

  private func writeLittleEndian(_ raw: UnsafeRawBufferPointer, bytesEach: Int, _ range: Range<Int>) throws {
    let bytes = UnsafeRawBufferPointer(rebasing: raw[(range.lowerBound * bytesEach)..<(range.upperBound * bytesEach)])
    guard frameFileHostIsBigEndian else { return try write(bytes) }
    // Big-endian host: reverse the bytes of every sample, a block at a time.
    var scratch = [UInt8](repeating: 0, count: min(bytes.count, 1 << 20))
    var done = 0
    while done < bytes.count {
      let n = min(scratch.count, bytes.count - done)
      for i in 0..<n {
        let inSample = i % bytesEach
        scratch[i] = bytes[done + i - inSample + (bytesEach - 1 - inSample)]
      }
      try scratch.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
      done += n
    }
  }

  /// Flushes the file to disk, closes it, renames it to `path` and flushes the directory.
  package func commit() throws {
    guard let file else { return }
    self.file = nil
    let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
    let reason = frameFileErrnoText()
    guard fclose(file) == 0, flushed else {
      let closeReason = flushed ? frameFileErrnoText() : reason
      unlink(temporary)
      throw SparseVARError.io("cannot write \(temporary): \(closeReason)")
    }
    guard rename(temporary, path) == 0 else {
      let reason = frameFileErrnoText()
      unlink(temporary)
      throw SparseVARError.io("cannot rename \(temporary) to \(path): \(reason)")
    }
    // The rename is durable once the directory is flushed. Some file systems cannot fsync a
    // directory (EINVAL); the file itself is on disk then and the rename is as durable as they allow.
    let directory = frameFileSplitPath(path).directory
    let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if descriptor >= 0 {
      let synced = fsync(descriptor) == 0 || errno == EINVAL || errno == EROFS
      let reason = frameFileErrnoText()
      close(descriptor)
      guard synced else { throw SparseVARError.io("cannot flush the directory of \(path): \(reason)") }
    }
  }
}

/// `path` split after its last "/": the directory with its trailing slash ("" for a bare name)
/// and the file name.
package func frameFileSplitPath(_ path: String) -> (directory: String, name: String) {
  let bytes = Array(path.utf8)
  guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
  return (
    String(decoding: bytes[...slash], as: UTF8.self), String(decoding: bytes[(slash + 1)...], as: UTF8.self)
  )
}

/// The whole contents of the regular file at `path`.
/// - Throws: `.io` when it cannot be opened or read, or is not a regular file.
public func readFileBytes(_ path: String) throws -> [UInt8] {
  let reader = try FrameFileReader(path: path)
  return try reader.bytes(at: 0, count: reader.size, "the file")
}

/// Writes `bytes` to `path` through a new temporary file renamed into place (`FrameFileWriter`),
/// so that a reader never sees half a file.
/// - Throws: `.io` when it cannot be written.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
  let writer = try FrameFileWriter(path: path)
  try writer.write(bytes)
  try writer.commit()
}
