// Hostile files and saves: every damaged or lying model file is `.format` before anything is
// allocated for it, FIFOs never block, saves never follow a link and may run concurrently, and
// the exact rank-sum refuses costs it cannot finish quickly.
import Foundation
import Glibc
import Testing
@testable import SparseVAR
@testable import SparseVARFiles

private func hostilePath(_ name: String) -> String { "/tmp/sparsevar-hostile-\(getpid())-\(name)" }

/// A model file around `payload`: magic, version 2, length, payload, FNV-1a.
private func modelFile(payload: [UInt8]) -> [UInt8] {
  var header = ByteWriter()
  header.uint32(2)
  header.uint64(UInt64(payload.count))
  var tail = ByteWriter()
  tail.uint64(fnv1a(payload))
  return SparseVARNetwork.magic + header.bytes + payload + tail.bytes
}

/// The start of a version 2 payload (architecture, frame size, training options), as
/// `serialized()` writes it.
private func payloadPrefix(channels: Int, height: Int, width: Int) -> ByteWriter {
  var w = ByteWriter()
  w.int(1); w.int(channels); w.int(4)  // depth, channels, latent channels
  w.bool(false); w.bool(true); w.uint64(3)
  w.int(height); w.int(width)
  w.int(0)  // sequential
  var options = SparseVAROptions()
  options.lag = 1
  w.varOptions(options)
  w.double(1e-3); w.int(1); w.int(20); w.uint64(1); w.bool(false)
  return w
}

/// The message of the `.format` error `body` throws (nil, recorded as an issue, otherwise).
private func formatMessage(_ body: () throws -> Void) -> String? {
  do {
    try body()
    Issue.record("accepted")
  } catch SparseVARError.format(let message) {
    return message
  } catch {
    Issue.record("\(error) is not .format")
  }
  return nil
}

/// Runs `body` on a thread and waits at most `seconds`; false when it did not finish.
private func finishes(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
  let done = DispatchSemaphore(value: 0)
  Thread.detachNewThread {
    body()
    done.signal()
  }
  return done.wait(timeout: .now() + seconds) == .success
}

@Suite struct HostileFileTests {
  @Test func hugeSparseFilesAreRefusedWithoutReadingThem() throws {
    let path = hostilePath("sparse.svnet")
    defer { unlink(path) }
    for gibibytes in [8, 64] {
      let size = gibibytes << 30
      // Zeros: the magic is wrong.
      let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      #expect(fd >= 0 && ftruncate(fd, off_t(size)) == 0)
      close(fd)
      #expect(formatMessage { _ = try SparseVARNetwork.load(from: path) } != nil)
      // A valid header declaring the whole sparse file as its payload: the checksum skips the
      // holes (no 8 GiB read, nothing allocated) and does not match.
      let file = modelFile(payload: payloadPrefix(channels: 4, height: 16, width: 16).bytes)
      var header = Array(file[0..<12])
      var length = ByteWriter()
      length.uint64(UInt64(size - 28))
      header += length.bytes
      let out = open(path, O_WRONLY)
      _ = header.withUnsafeBytes { pwrite(out, $0.baseAddress, $0.count, 0) }
      close(out)
      let started = Date()
      let message = formatMessage { _ = try SparseVARNetwork.load(from: path) }
      #expect(message?.contains("checksum") == true)
      #expect(Date().timeIntervalSince(started) < 30)
    }
  }

  @Test func declaredSizesBeyondThePayloadAreRefusedBeforeBuilding() throws {
    // Checksum-valid 12 KB files declaring 4096 channels, or 65536 x 65536 frames.
    for (channels, side) in [(4096, 16), (4, 65536)] {
      var w = payloadPrefix(channels: channels, height: side, width: side)
      w.bytes += [UInt8](repeating: 0, count: 12_000 - w.bytes.count)
      let message = formatMessage { _ = try SparseVARNetwork(serialized: modelFile(payload: w.bytes)) }
      #expect(message?.contains("need more than") == true)
    }
    // A count that runs past the end of the payload.
    var w = payloadPrefix(channels: 1, height: 2, width: 2)
    w.int(0)  // epochs completed
    w.int(1 << 40)  // the mean frame's count
    #expect(formatMessage { _ = try SparseVARNetwork(serialized: modelFile(payload: w.bytes)) } != nil)
  }

  @Test func theMinimumPayloadIsALowerBound() throws {
    for (depth, channels, latent, skip) in [(1, 1, 1, false), (2, 4, 1, true), (3, 8, 2, false), (2, 16, 3, true)] {
      var configuration = AutoencoderConfiguration()
      configuration.depth = depth
      configuration.channels = channels
      configuration.latentChannels = latent
      configuration.skipConnection = skip
      let network = try SparseVARNetwork(configuration: configuration, height: 16, width: 24)
      let weights = network.network.parameters.filter { $0.name == "weight" }.map(\.value.count).reduce(0, +)
      let bound = try #require(SparseVARNetwork.minimumPayloadBytes(configuration, height: 16, width: 24))
      #expect(bound == 4 * (16 * 24 + weights))
      #expect(bound <= (try network.serialized()).count - 28)
    }
  }

  @Test func nonFiniteAndAbsurdValuesAndWrongMasksAreRefused() throws {
    let network = try PersistenceTests().trainedNetwork()
    let intact = try network.serialized()
    func refused(_ change: (SparseVARNetwork) -> Void) throws {
      let copy = try SparseVARNetwork(serialized: intact)
      change(copy)
      let bytes = try copy.serialized()
      #expect(formatMessage { _ = try SparseVARNetwork(serialized: bytes) } != nil)
      // The same through a file.
      let path = hostilePath("bad.svnet")
      defer { unlink(path) }
      try copy.save(to: path)
      #expect(formatMessage { _ = try SparseVARNetwork.load(from: path) } != nil)
    }
    try refused { $0.runs[0].model.coefficients[0] = .nan }
    try refused { $0.runs[1].model.coefficients[0] = 1e300 }
    try refused { $0.runs[0].model.mean?[0] = .nan }
    try refused { $0.runs[0].model.sigma = -1 }
    try refused { $0.meanFrame[3] = .nan }
    try refused { $0.meanFrame[3] = 1e30 }
    try refused { $0.runs[0].deviationImage[0] = -.infinity }
    try refused { $0.network.parameters[0].value[0] = .nan }
    try refused { $0.training.varOptions.mask = [true, false, true] }
    // A mask of the right length loads.
    let k = network.network.latentSize
    let masked = try SparseVARNetwork(serialized: intact)
    masked.training.varOptions.mask = [Bool](repeating: true, count: k * k)
    #expect(try SparseVARNetwork(serialized: masked.serialized()).training.varOptions.mask?.count == k * k)
  }

  @Test func fifosNeverBlock() throws {
    for name in ["model.svnet", "frames.npy", "frames.tif"] {
      let path = hostilePath("fifo-" + name)
      unlink(path)
      #expect(mkfifo(path, 0o600) == 0)
      defer { unlink(path) }
      let finished = finishes(within: 10) {
        do {
          if name.hasSuffix(".svnet") {
            _ = try SparseVARNetwork.load(from: path)
          } else {
            _ = try FrameFile.read(path: path)
          }
          Issue.record("a FIFO was read")
        } catch SparseVARError.io(let message) {
          #expect(message.contains("FIFO"))
        } catch {
          Issue.record("\(error)")
        }
      }
      #expect(finished, "reading the FIFO \(name) blocked")
      if !finished {
        // Release the blocked reader.
        let writer = open(path, O_WRONLY | O_NONBLOCK)
        if writer >= 0 { close(writer) }
      }
    }
  }

  @Test func savesNeverFollowALinkAtATemporaryName() throws {
    let network = try PersistenceTests().trainedNetwork()
    let path = hostilePath("linked.svnet")
    let victim = hostilePath("victim.txt")
    let (directory, name) = frameFileSplitPath(path)
    let names = [path + ".partial", directory + "." + name + ".partial", path + ".tmp"]
    defer { for p in [path, victim] + names { unlink(p) } }
    try writeFileAtomically(Array("keep me".utf8), to: victim)
    for link in names { #expect(symlink(victim, link) == 0) }
    try network.save(to: path)
    #expect(try readFileBytes(victim) == Array("keep me".utf8))
    for link in names {
      var info = stat()
      #expect(lstat(link, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK)
    }
    #expect(try SparseVARNetwork.load(from: path).serialized() == network.serialized())
    // A link at the target itself is replaced, not written through.
    unlink(path)
    #expect(symlink(victim, path) == 0)
    try network.save(to: path)
    #expect(try readFileBytes(victim) == Array("keep me".utf8))
    var info = stat()
    #expect(lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG)
    // No temporary file is left behind (the planted links aside).
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter {
      $0.hasPrefix("." + name) && $0.hasSuffix(".partial") && !names.contains("/tmp/" + $0)
    }
    #expect(leftovers.isEmpty)
  }

  @Test func concurrentSavesToOnePathBothSucceed() throws {
    let network = try PersistenceTests().trainedNetwork()
    let bytes = try network.serialized()
    let path = hostilePath("concurrent.svnet")
    defer { unlink(path) }
    let failures = ConcurrentSlots<String?>(count: 4, initial: nil)
    // save(to:) is writeFileAtomically(serialized(), to:): the bytes are shared, not the model.
    DispatchQueue.concurrentPerform(iterations: 4) { thread in
      for _ in 0..<25 {
        do {
          try writeFileAtomically(bytes, to: path)
        } catch {
          failures.store(thread, "\(error)")
        }
      }
    }
    for thread in 0..<4 { #expect(failures.value(thread) == nil) }
    #expect(try readFileBytes(path) == bytes)
  }

  @Test func frameFileHeadersThatLieAreRefused() throws {
    let path = hostilePath("lying.npy")
    defer { unlink(path) }
    for shape in ["(1000000, 1000, 1000)", "(4611686018427387904, 2, 2)", "(2, 3037000500, 3037000500)"] {
      var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }".utf8)
      header += [UInt8](repeating: 0x20, count: (64 - (10 + header.count + 1) % 64) % 64) + [0x0A]
      let bytes = NPYFile.magic + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
        + [UInt8](repeating: 0, count: 4096)
      try writeFileAtomically(bytes, to: path)
      #expect(formatMessage { _ = try FrameFile.read(path: path) } != nil)
    }
  }

  @Test func exactRankSumRefusesExcessiveCost() throws {
    let x = (0..<3000).map { Double($0) * 2 }
    let y = (0..<3000).map { Double($0) * 2 + 1 }
    let started = Date()
    do {
      _ = try rankSumTest(x, y, method: .exact)
      Issue.record("an exact rank-sum of 3000 x 3000 near the centre ran")
    } catch SparseVARError.invalidArgument(let message) {
      #expect(message.contains("asymptotic"))
    }
    #expect(Date().timeIntervalSince(started) < 5)
    // Far tails stay exact at this size (few recursion steps).
    let separated = try rankSumTest(x.map { $0 + 1e5 }, y, method: .exact)
    #expect(separated.pValue < 1e-300)
    // The asymptotic method answers at any size.
    #expect(try rankSumTest(x, y, method: .asymptotic).pValue > 0.1)
  }
}
