//===--- Persistence.swift ------------------------------------------------===//
//
// Saving and loading a SparseVARNetwork in a versioned, checksummed binary format:
//
//   bytes 0..7    magic "SPVARNET"
//   bytes 8..11   format version, UInt32 little-endian (this code writes version 4 and reads
//                 versions 1 to 4)
//   bytes 12..19  payload length in bytes, UInt64 little-endian
//   payload       the fields below, little-endian, arrays as a UInt64 count then the values
//   last 8 bytes  FNV-1a 64-bit hash of the payload
//
// Payload (version 1): architecture (depth, channels, latent channels, skip connection, literal
// last block, seed), frame height and width, training options, epochs completed, mean frame,
// every parameter (name, shape, Float values), every batch norm's running mean and variance,
// and the analysed runs (label, latents, VAR coefficients, intercept, sigma, lambdas, L_rec,
// R_var, temporal deviation image). Version 2 adds the latent-centring option after the
// training seed (true = the VAR's intercept `.seriesMean`, false = `.none`) and each run's latent
// mean after its latents; a version 1 file reads as a model without centring (zero means). A
// run's intercept is always stored as zeros: a network's VAR has no intercept from column means,
// and that of a series-mean VAR follows from its mean and coefficients. Version 3 adds each run's name (a flag and a UTF-8 string, after
// its deviation image) and, after the runs, the condition names (a count, then label Int32 and
// name per condition, by label); older files read as runs and conditions without names.
// Version 4 adds the encoder's leaky ReLU slope (a Double in [0, 1]) after the architecture's
// seed; older files read as the paper's slope 0.01, with which they were trained. Adam's moments are not saved: training a loaded model restarts
// them.
//
// Loading validates in order, and allocates nothing for a field before it is known to fit: the
// file type (a regular file, opened without blocking), the magic, the version (a newer one is
// refused with a message naming both), the payload length against the file's length, the hash
// (streamed from the file), the declared architecture and frame size against the bytes left,
// then builds the network and checks every count and shape against the architecture, every
// value against `SparseVARNetwork.valueLimits` (NaN, infinity and absurd magnitudes are refused)
// and the mask's length against K x K. Any failure throws `.format` and no model is returned.
//
//===----------------------------------------------------------------------===//

extension SparseVARNetwork {
  static let magic: [UInt8] = Array("SPVARNET".utf8)
  static let formatVersion: UInt32 = 4

  /// The model as the bytes of the file format above.
  public func serialized() throws -> [UInt8] { try serialized(formatVersion: Self.formatVersion) }

  /// The bytes of an older format version (1 cannot hold latent centring: such a model is
  /// refused; 1 and 2 leave out the run and condition names; 1 to 3 cannot hold an encoder slope
  /// other than the paper's: such a model is refused). The file holds one intercept option for
  /// all VARs, so runs analysed with another than the model's current one are refused.
  func serialized(formatVersion version: UInt32) throws -> [UInt8] {
    try DifferentiableVAR.validate(training.varOptions)
    let centred = training.varOptions.intercept == .seriesMean
    guard version >= 2 || !centred else {
      throw SparseVARError.invalidArgument("format version 1 cannot hold a model that centres latents")
    }
    guard runs.allSatisfy({ ($0.model.mean != nil) == centred }) else {
      throw SparseVARError.invalidArgument(
        "the runs were analysed with another VAR intercept than the model's (\(training.varOptions.intercept)): "
          + "analyse them again, or set the intercept back, before saving")
    }
    guard version >= 4 || network.configuration.encoderSlope == AutoencoderConfiguration.paperEncoderSlope else {
      throw SparseVARError.invalidArgument(
        "format version \(version) cannot hold an encoder slope other than \(AutoencoderConfiguration.paperEncoderSlope)")
    }
    var w = ByteWriter()
    let c = network.configuration
    w.int(c.depth); w.int(c.channels); w.int(c.latentChannels)
    w.bool(c.skipConnection); w.bool(c.literalLastBlock); w.uint64(c.seed)
    if version >= 4 { w.double(c.encoderSlope) }
    w.int(height); w.int(width)
    let t = training
    switch t.mode {
    case .sequential: w.int(0)
    case .embedded: w.int(1)
    case .endToEnd(.unrolled): w.int(2)
    case .endToEnd(.implicit): w.int(3)
    }
    w.varOptions(t.varOptions)
    w.double(t.learningRate); w.int(t.epochs); w.int(t.window); w.uint64(t.seed)
    if version >= 2 { w.bool(centred) }
    w.int(epochsCompleted)
    w.floats(meanFrame)
    w.list(network.parameters) { w, p in
      w.string(p.name)
      w.ints(p.shape)
      w.floats(p.value)
    }
    w.list(network.batchNorms) { w, norm in
      w.floats(norm.runningMean)
      w.floats(norm.runningVariance)
    }
    w.list(runs) { w, run in
      w.bool(run.label != nil); w.int32(run.label ?? 0)
      w.int(run.latents.length); w.int(run.latents.dimension); w.doubles(run.latents.values)
      if version >= 2 { w.doubles(run.latentMean) }
      let m = run.model
      w.int(m.lag); w.int(m.dimension); w.doubles(m.coefficients); w.doubles([Double](repeating: 0, count: m.dimension))
      w.double(m.sigma); w.bool(m.normalize); w.doubles(m.lambdas)
      w.double(run.reconstructionError); w.double(run.relativeError)
      w.floats(run.deviationImage)
      if version >= 3 { w.bool(run.name != nil); w.string(run.name ?? "") }
    }
    if version >= 3 {
      w.list(conditionNames.sorted(by: { $0.key < $1.key })) { w, entry in
        w.int32(entry.key)
        w.string(entry.value)
      }
    }
    var out = Self.magic
    var header = ByteWriter()
    header.uint32(version)
    header.uint64(UInt64(w.bytes.count))
    out += header.bytes
    out += w.bytes
    var tail = ByteWriter()
    tail.uint64(fnv1a(w.bytes))
    out += tail.bytes
    return out
  }

  /// Rebuilds a model from `serialized()` bytes. Throws `.format` for anything but a complete,
  /// intact file of a version this library reads.
  public convenience init(serialized bytes: [UInt8]) throws {
    try self.init(modelBytes: .memory(bytes))
  }

  /// Rebuilds a model from a file or memory, validating in order: the header (magic, version,
  /// payload length against the total size), the checksum (streamed, nothing allocated), the
  /// architecture against the payload length (`minimumPayloadBytes`), and only then builds the
  /// network and reads each field, every count checked against the bytes left before anything
  /// is allocated for it, every value against `Self.valueLimits`. Any failure is `.format`.
  convenience init(modelBytes source: ModelBytes) throws {
    let headerSize = Self.magic.count + 4 + 8
    let size = source.count
    guard size >= headerSize + 8 else {
      throw SparseVARError.format("not a sparsevar model file (only \(size) bytes, fewer than its header and checksum)")
    }
    var header = ByteReader(source, range: 0..<headerSize)
    guard Array(try header.take(Self.magic.count)) == Self.magic else {
      throw SparseVARError.format("not a sparsevar model file (wrong magic bytes)")
    }
    let version = try header.uint32()
    guard version <= Self.formatVersion, version >= 1 else {
      throw SparseVARError.format(
        "the model file has format version \(version); this library reads versions up to \(Self.formatVersion): "
          + "use a newer sparsevar")
    }
    let length = try header.uint64()
    guard length == UInt64(size - headerSize - 8) else {
      throw SparseVARError.format(
        "the model file is truncated or has trailing bytes: \(size) bytes for a payload of \(length)")
    }
    let payload = headerSize..<(size - 8)
    var tail = ByteReader(source, range: payload.upperBound..<size)
    guard try tail.uint64() == (try source.fnv1a(payload)) else {
      throw SparseVARError.format("the model file is corrupted (checksum mismatch)")
    }
    var r = ByteReader(source, range: payload)
    do {
      try self.init(reading: &r, version: version)
    } catch SparseVARError.format(let message) {
      throw SparseVARError.format(message)
    } catch let error as SparseVARError {
      // A value a layer refuses (a negative running variance, ...): the file is corrupt.
      throw SparseVARError.format("the model file holds an invalid value: \(error.message)")
    }
  }

  /// Reads the payload (after its checksum was verified).
  private convenience init(reading r: inout ByteReader, version: UInt32) throws {
    var configuration = AutoencoderConfiguration()
    configuration.depth = try r.int(in: 1...8)
    configuration.channels = try r.int(in: 1...4096)
    configuration.latentChannels = try r.int(in: 1...4096)
    configuration.skipConnection = try r.bool()
    configuration.literalLastBlock = try r.bool()
    configuration.seed = try r.uint64()
    if version >= 4 {
      let slope = try r.double()
      guard slope >= 0, slope <= 1 else {
        throw SparseVARError.format("the encoder slope in the model file is \(slope), not a value in [0, 1]")
      }
      configuration.encoderSlope = slope
    } else {
      configuration.encoderSlope = AutoencoderConfiguration.paperEncoderSlope
    }
    let height = try r.int(in: 1...65536)
    let width = try r.int(in: 1...65536)
    var training = TrainingOptions()
    switch try r.int(in: 0...3) {
    case 0: training.mode = .sequential
    case 1: training.mode = .embedded
    case 2: training.mode = .endToEnd(.unrolled)
    default: training.mode = .endToEnd(.implicit)
    }
    training.varOptions = try r.varOptions()
    training.learningRate = try r.double()
    training.epochs = try r.int(in: 0...Int(Int32.max))
    training.window = try r.int(in: 1...Int(Int32.max))
    training.seed = try r.uint64()
    let centred = version >= 2 ? try r.bool() : false
    training.varOptions.intercept = centred ? .seriesMean : .none
    // The declared architecture must fit in what is left of the file before it is built.
    guard let needed = Self.minimumPayloadBytes(configuration, height: height, width: width), needed <= r.remaining else {
      throw SparseVARError.format(
        "the model file is damaged: it declares a network of \(configuration.channels) channels, depth "
          + "\(configuration.depth), for \(height) x \(width) frames, whose parameters need more than the "
          + "\(r.remaining) bytes left in the file")
    }
    do {
      try self.init(configuration: configuration, height: height, width: width, training: training)
    } catch let error as SparseVARError {
      throw SparseVARError.format("the model file describes an invalid model: \(error.message)")
    }
    if let mask = training.varOptions.mask, mask.count != network.latentSize * network.latentSize {
      throw SparseVARError.format(
        "the model file's mask has \(mask.count) values, K x K = \(network.latentSize) x \(network.latentSize) expected")
    }
    epochsCompleted = try r.int(in: 0...Int(Int32.max))
    meanFrame = try r.floats(count: height * width, "the mean frame")
    let parameters = network.parameters
    guard try r.int(in: 0...100_000) == parameters.count else {
      throw SparseVARError.format("the model file's parameter count does not match its architecture")
    }
    for p in parameters {
      let name = try r.string()
      let shape = try r.ints()
      guard name == p.name, shape == p.shape else {
        throw SparseVARError.format("parameter \(name) \(shape) in the file, \(p.name) \(p.shape) expected")
      }
      try p.assign(try r.floats(count: p.value.count, p.name))
    }
    let norms = network.batchNorms
    guard try r.int(in: 0...100_000) == norms.count else {
      throw SparseVARError.format("the model file's batch norm count does not match its architecture")
    }
    for norm in norms {
      let mean = try r.floats(count: norm.channels, "a running mean")
      let variance = try r.floats(count: norm.channels, "a running variance")
      try norm.setRunningStatistics(mean: mean, variance: variance)
    }
    let runCount = try r.int(in: 0...10_000_000)
    var loaded: [RunAnalysis] = []
    for _ in 0..<runCount {
      let hasLabel = try r.bool()
      let label = try r.int32()
      let length = try r.int(in: 0...Int(Int32.max))
      let k = try r.int(in: 1...Int(Int32.max))
      guard k == network.latentSize else {
        throw SparseVARError.format("a run's latent size \(k) does not match the network's \(network.latentSize)")
      }
      guard let latentCount = sizeProduct(length, k) else {
        throw SparseVARError.format("a run's latents (\(length) x \(k)) run past the end of the model file")
      }
      let latents = try Series(length: length, dimension: k, values: try r.doubles(count: latentCount, "latents"))
      let latentMean = version >= 2 ? try r.doubles(count: k, "a latent mean") : [Double](repeating: 0, count: k)
      let lag = try r.int(in: 1...1000)
      guard try r.int(in: 1...Int(Int32.max)) == k else { throw SparseVARError.format("a run's VAR has the wrong dimension") }
      guard let coefficientCount = sizeProduct(lag, k).flatMap({ sizeProduct($0, k) }) else {
        throw SparseVARError.format("a run's VAR coefficients run past the end of the model file")
      }
      let coefficients = try r.doubles(count: coefficientCount, "coefficients")
      guard try r.doubles(count: k, "an intercept").allSatisfy({ $0 == 0 }) else {
        throw SparseVARError.format("a run's VAR has an intercept from column means, which a network's VAR never has")
      }
      guard centred || latentMean.allSatisfy({ $0 == 0 }) else {
        throw SparseVARError.format("a run has a latent mean, but the model fits its VARs without centring")
      }
      let sigma = try r.double(nonNegative: "sigma")
      let normalize = try r.bool()
      let lambdas = try r.doubles(count: k, "lambdas")
      guard lambdas.allSatisfy({ $0 >= 0 }) else { throw SparseVARError.format("a run's lambdas are negative") }
      let mean = centred ? latentMean : nil
      let model = SparseVARModel(
        lag: lag, dimension: k, coefficients: coefficients,
        intercept: mean.map { SparseVARModel.intercept(around: $0, coefficients: coefficients, dimension: k, sigma: sigma) }
          ?? [Double](repeating: 0, count: k),
        mean: mean, sigma: sigma, normalize: normalize, lambdas: lambdas, criterionPaths: nil)
      let reconstructionError = try r.double(nonNegative: "a reconstruction error")
      let relativeError = try r.double(nonNegative: "an R_var")
      let deviationImage = try r.floats(count: height * width, "a deviation image")
      var name: String? = nil
      if version >= 3 {
        let named = try r.bool()
        let text = try r.name()
        name = named ? text : nil
      }
      loaded.append(
        RunAnalysis(
          latents: latents, model: model, reconstructionError: reconstructionError,
          relativeError: relativeError, label: hasLabel ? label : nil, deviationImage: deviationImage, name: name))
    }
    var names: [Int32: String] = [:]
    if version >= 3 {
      for _ in 0..<(try r.int(in: 0...1_000_000)) {
        let label = try r.int32()
        let name = try r.name()
        guard names[label] == nil, !names.values.contains(name) else {
          throw SparseVARError.format("the model file names condition \(label) twice, or gives two conditions one name")
        }
        names[label] = name
      }
    }
    guard r.atEnd else { throw SparseVARError.format("the model file has unread bytes after its last field") }
    runs = loaded
    conditionNames = names
  }

  /// Largest magnitude of a value accepted at load: network values (weights, mean frame, running
  /// statistics, deviation images; frames are normalised to [0, 1]) and analysis values
  /// (latents, VAR coefficients, intercepts, sigma, lambdas, errors). Larger values cannot come
  /// from training and would overflow to infinity in the maps.
  static let valueLimits = (network: Float(1e8), analysis: 1e12)

  /// A lower bound on the payload bytes of a model of this architecture and frame size, nil when
  /// it overflows: its mean frame and the weights of its convolutions (Autoencoder.swift: 3 x 3
  /// kernels 1 -> C and (depth - 1) times C -> C in the encoder, the same mirrored in the
  /// decoder, and the 1 x 1 kernels C -> L and L -> C), 4 bytes each. A payload shorter than
  /// this is refused before the network (and its optimizer state, a few times this size) is built.
  static func minimumPayloadBytes(_ c: AutoencoderConfiguration, height: Int, width: Int) -> Int? {
    let hidden = sizeProduct(c.channels, c.channels).flatMap { sizeProduct($0, 2 * (c.depth - 1)) }
    let outer = sizeProduct(c.channels, 2)
    let convolutions3x3 = hidden.flatMap { h in outer.flatMap { sizeSum(h, $0) } }.flatMap { sizeProduct($0, 9) }
    let convolutions1x1 = sizeProduct(c.channels, c.latentChannels).flatMap { sizeProduct($0, 2) }
    let values = [sizeProduct(height, width), convolutions3x3, convolutions1x1]
      .reduce(Optional(0)) { total, term in total.flatMap { t in term.flatMap { sizeSum(t, $0) } } }
    return values.flatMap { sizeProduct($0, 4) }
  }

  /// Writes the model to `path` (through a temporary file renamed into place, so a reader never
  /// sees half a file).
  public func save(to path: String) throws {
    try writeFileAtomically(try serialized(), to: path)
  }

  /// Reads a model written by `save(to:)`.
  public static func load(from path: String) throws -> SparseVARNetwork {
    try SparseVARNetwork(modelBytes: .file(try FrameFileReader(path: path)))
  }
}

let fnv1aOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
let fnv1aPrime: UInt64 = 0x0000_0100_0000_01b3

/// FNV-1a, 64 bits, continuing from `hash`.
func fnv1a<C: Collection>(_ bytes: C, from hash: UInt64 = fnv1aOffsetBasis) -> UInt64 where C.Element == UInt8 {
  var hash = hash
  for b in bytes {
    hash ^= UInt64(b)
    hash = hash &* fnv1aPrime
  }
  return hash
}

/// fnv1aPrime^n modulo 2^64: what FNV-1a does to the hash over n zero bytes.
func fnv1aPrimePower(_ n: Int) -> UInt64 {
  var result: UInt64 = 1
  var base = fnv1aPrime
  var e = n
  while e > 0 {
    if e & 1 == 1 { result = result &* base }
    base = base &* base
    e >>= 1
  }
  return result
}

/// Little-endian field writer.
struct ByteWriter {
  var bytes: [UInt8] = []
  mutating func uint64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
  mutating func uint32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
  mutating func int(_ v: Int) { uint64(UInt64(bitPattern: Int64(v))) }
  mutating func int32(_ v: Int32) { uint32(UInt32(bitPattern: v)) }
  mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
  mutating func double(_ v: Double) { uint64(v.bitPattern) }
  mutating func doubles(_ v: [Double]) { int(v.count); for x in v { double(x) } }
  mutating func floats(_ v: [Float]) { int(v.count); for x in v { uint32(x.bitPattern) } }
  mutating func ints(_ v: [Int]) { int(v.count); for x in v { int(x) } }
  mutating func string(_ s: String) { let u = Array(s.utf8); int(u.count); bytes += u }
  /// The count, then each item as `write` writes it.
  mutating func list<Item>(_ items: [Item], _ write: (inout ByteWriter, Item) -> Void) {
    int(items.count)
    for item in items { write(&self, item) }
  }
  mutating func varOptions(_ o: SparseVAROptions) {
    int(o.lag); double(o.lambda); double(o.epsGamma); bool(o.normalize); int(o.maxIterations); int(o.threads)
    bool(o.mask != nil)
    if let mask = o.mask { int(mask.count); bytes += mask.map { $0 ? 1 : 0 } }
  }
}

/// The bytes of a model: in memory, or a file read in place (so a file is never read whole
/// before its header and sizes are checked).
enum ModelBytes {
  case memory([UInt8])
  case file(FrameFileReader)

  var count: Int {
    switch self {
    case .memory(let bytes): return bytes.count
    case .file(let file): return file.size
    }
  }

  /// Bytes `range` (which must lie inside `count`).
  func bytes(_ range: Range<Int>) throws -> [UInt8] {
    switch self {
    case .memory(let bytes): return Array(bytes[range])
    case .file(let file): return try file.bytes(at: range.lowerBound, count: range.count, "the model payload")
    }
  }

  /// FNV-1a of bytes `range`, a file read 1 MiB at a time; the holes of a sparse file (zeros,
  /// which only multiply the hash by a power of the FNV prime) are skipped without reading, so a
  /// huge sparse file is refused in milliseconds.
  func fnv1a(_ range: Range<Int>) throws -> UInt64 {
    switch self {
    case .memory(let bytes):
      return SparseVAR.fnv1a(bytes[range])
    case .file(let file):
      var hash = fnv1aOffsetBasis
      var block = [UInt8](repeating: 0, count: min(range.count, 1 << 20))
      var position = range.lowerBound
      while position < range.upperBound {
        let region = file.dataRegion(from: position)
        let dataStart = min(max(region.start, position), range.upperBound)
        hash = hash &* fnv1aPrimePower(dataStart - position)  // the zeros of a hole
        position = dataStart
        let dataEnd = min(max(region.end, position + 1), range.upperBound)
        while position < dataEnd {
          let n = min(block.count, dataEnd - position)
          try block.withUnsafeMutableBytes { raw in
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<n]), at: position, "the model payload")
          }
          hash = SparseVAR.fnv1a(block[0..<n], from: hash)
          position += n
        }
      }
      return hash
    }
  }
}

/// Bounds-checked little-endian field reader; every failure is `.format`. A field's bytes are
/// allocated only after they are known to lie inside the range.
struct ByteReader {
  let source: ModelBytes
  var position: Int
  let end: Int
  init(_ bytes: [UInt8], range: Range<Int>) {
    self.init(.memory(bytes), range: range)
  }
  init(_ source: ModelBytes, range: Range<Int>) {
    self.source = source
    position = range.lowerBound
    end = range.upperBound
  }
  var atEnd: Bool { position == end }
  /// Bytes left to read.
  var remaining: Int { end - position }

  mutating func take(_ n: Int) throws -> [UInt8] {
    guard n >= 0, n <= end - position else { throw SparseVARError.format("the model file ends in the middle of a field") }
    defer { position += n }
    return try source.bytes(position..<(position + n))
  }
  mutating func uint64() throws -> UInt64 {
    var v: UInt64 = 0
    for (i, b) in try take(8).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
    return v
  }
  mutating func uint32() throws -> UInt32 {
    var v: UInt32 = 0
    for (i, b) in try take(4).enumerated() { v |= UInt32(b) << (8 * UInt32(i)) }
    return v
  }
  mutating func int64() throws -> Int64 { Int64(bitPattern: try uint64()) }
  mutating func int(in range: ClosedRange<Int>) throws -> Int {
    let v = try int64()
    guard v >= Int64(range.lowerBound), v <= Int64(range.upperBound) else {
      throw SparseVARError.format("a field of the model file is out of range (\(v))")
    }
    return Int(v)
  }
  mutating func int32() throws -> Int32 { Int32(bitPattern: try uint32()) }
  mutating func bool() throws -> Bool {
    let b = try take(1).first ?? 2
    guard b <= 1 else { throw SparseVARError.format("a flag of the model file is neither 0 nor 1") }
    return b == 1
  }
  mutating func double() throws -> Double { Double(bitPattern: try uint64()) }
  /// A finite value in 0...`SparseVARNetwork.valueLimits.analysis`.
  mutating func double(nonNegative what: String) throws -> Double {
    let v = try double()
    guard v >= 0, v <= SparseVARNetwork.valueLimits.analysis else {
      throw SparseVARError.format("\(what) in the model file is \(v), not a finite value >= 0")
    }
    return v
  }
  mutating func count(_ expected: Int?, _ what: String, bytesEach: Int) throws -> Int {
    let n = try int(in: 0...Int(Int32.max) * 16)
    guard let bytes = sizeProduct(n, bytesEach), bytes <= end - position else {
      throw SparseVARError.format("\(what) runs past the end of the model file")
    }
    if let expected, n != expected {
      throw SparseVARError.format("\(what) has \(n) values in the model file, \(expected) expected")
    }
    return n
  }
  /// `expected` doubles, each finite and at most `SparseVARNetwork.valueLimits.analysis` in magnitude.
  mutating func doubles(count expected: Int, _ what: String) throws -> [Double] {
    try values(count: expected, what, bytesEach: 8, limit: SparseVARNetwork.valueLimits.analysis) { bytes, offset in
      Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
    }
  }
  /// `expected` floats, each finite and at most `SparseVARNetwork.valueLimits.network` in magnitude.
  mutating func floats(count expected: Int, _ what: String) throws -> [Float] {
    try values(count: expected, what, bytesEach: 4, limit: SparseVARNetwork.valueLimits.network) { bytes, offset in
      Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }
  }
  /// `expected` values of `bytesEach` bytes, read by `decode(bytes, offset)`, each finite and at
  /// most `limit` in magnitude.
  private mutating func values<T: BinaryFloatingPoint>(
    count expected: Int, _ what: String, bytesEach: Int, limit: T, decode: (UnsafeRawBufferPointer, Int) -> T
  ) throws -> [T] {
    let n = try count(expected, what, bytesEach: bytesEach)
    let raw = try take(n * bytesEach)
    let values = raw.withUnsafeBytes { b in (0..<n).map { decode(b, bytesEach * $0) } }
    guard values.allSatisfy({ abs($0) <= limit }) else {
      throw SparseVARError.format("\(what) in the model file holds NaN, infinity or a value beyond ±\(limit)")
    }
    return values
  }
  mutating func ints() throws -> [Int] {
    let n = try count(nil, "a shape", bytesEach: 8)
    return try (0..<n).map { _ in try int(in: 0...Int(Int32.max)) }
  }
  mutating func string() throws -> String {
    let n = try count(nil, "a name", bytesEach: 1)
    return String(decoding: try take(n), as: UTF8.self)
  }
  /// A run or condition name: at most `FrameDataset.maximumNameBytes` bytes of valid UTF-8.
  mutating func name() throws -> String {
    let n = try count(nil, "a name", bytesEach: 1)
    guard n <= FrameDataset.maximumNameBytes else {
      throw SparseVARError.format("a name of \(n) bytes in the model file (at most \(FrameDataset.maximumNameBytes))")
    }
    guard let text = String(validating: try take(n), as: UTF8.self) else {
      throw SparseVARError.format("a name in the model file is not valid UTF-8")
    }
    return text
  }
  mutating func varOptions() throws -> SparseVAROptions {
    var o = SparseVAROptions()
    o.lag = try int(in: 1...1000)
    o.lambda = try double()
    o.epsGamma = try double()
    guard o.lambda >= 0, o.lambda.isFinite, o.epsGamma >= 0, o.epsGamma.isFinite else {
      throw SparseVARError.format("the model file's lambda or eps_gamma is invalid")
    }
    o.normalize = try bool()
    o.maxIterations = try int(in: 0...1_000_000_000)
    o.threads = try int(in: 0...1024)
    if try bool() {
      let n = try count(nil, "the mask", bytesEach: 1)
      o.mask = try take(n).map { $0 != 0 }
    }
    return o
  }
}
