//===--- Arena.swift ------------------------------------------------------===//
//
// The reusable memory of a network. A training step of the autoencoder works on activation and
// gradient tensors of hundreds of MB; allocated afresh each step, glibc maps them with mmap and
// the kernel zero-fills every page on first touch (about 40% of a step at 192 x 128). The
// autoencoder instead keeps every activation, gradient and scratch buffer in one arena, each in
// its own slot, allocated on first use (or when a larger size is asked for) and reused by every
// later step, so that no step after the first maps fresh memory and no allocator setting is
// needed in the host program.
//
//===----------------------------------------------------------------------===//

/// Names a buffer of an `Arena`. `level` is a resolution level (0 = full frames, l = pooled l
/// times); `block` a decoder block; `worker` one of the concurrent workers.
enum ArenaSlot: Hashable {
  /// The encoder's input, the frames minus the mean frame: [N, 1, H, W].
  case encoderInput
  /// Encoder block `level`'s convolution output, overwritten in place by its gradient in the
  /// backward pass: [N, C, H_l, W_l].
  case encoderPreactivation(level: Int)
  /// Encoder block `level`'s pooled output: [N, C, H_(l+1), W_(l+1)].
  case encoderOutput(level: Int)
  /// Encoder block `level`'s pooling indices, one byte per pooled element (see `PooledWindow`).
  case poolingIndices(level: Int)
  /// The encoder's latent map [N, latentChannels, h, w].
  case latent
  /// The decoder's input latents (the latent map or its forecast) and their gradient.
  case decoderLatent
  case latentGradient
  /// Pooling indices handed to the decoder (as codes), per level.
  case decoderIndices(level: Int)
  /// The decoder's 1x1 convolution output [N, C, h, w].
  case decoderInput
  /// Decoder block `block`'s convolution output (before batch norm) and its block output.
  case decoderPreactivation(block: Int)
  case decoderOutput(block: Int)
  /// The gradient of an activation at resolution `level` (at most C channels).
  case gradient(level: Int)
  /// Per-image (or per-group) weight gradients of one convolution, summed in order afterwards.
  case weightGradients
  /// One convolution's Winograd-transformed weights (Network/Winograd.swift).
  case transformedWeights
  /// One worker's scratch: a patch matrix or Winograd tiles, and one unpooled image with its
  /// gradient.
  case patches(worker: Int)
  case unpooled(worker: Int)
  case unpooledGradient(worker: Int)
}

/// Buffers that keep their memory from one call to the next (see the file comment). A buffer's
/// contents are undefined when it is first handed out or grown, and kept otherwise; callers write
/// before they read. Not thread-safe: take every buffer before starting workers. The arena owns
/// the memory; pointers stay valid until the same slot is asked for with a larger count, or
/// `release()`.
final class Arena {
  private var buffers: [ArenaSlot: (memory: UnsafeMutableRawPointer, bytes: Int)] = [:]

  init() {}

  deinit { release() }

  /// The buffer of `slot` with room for `count` values of `T`, grown if it is smaller. Throws
  /// `.shape` when the size overflows.
  func buffer<T>(_ slot: ArenaSlot, count: Int, of type: T.Type = T.self) throws
    -> UnsafeMutablePointer<T>
  {
    let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
    guard count >= 0, !overflow else {
      throw SparseVARError.shape("a buffer of \(count) values is too large")
    }
    if let held = buffers[slot], held.bytes >= bytes {
      return held.memory.bindMemory(to: T.self, capacity: count)
    }
    if let held = buffers[slot] { held.memory.deallocate() }
    buffers[slot] = nil
    let memory = try Arena.allocate(bytes: bytes)
    buffers[slot] = (memory, bytes)
    return memory.bindMemory(to: T.self, capacity: count)
  }

  /// The one place the arena takes memory from the system.
  private static func allocate(bytes: Int) throws -> UnsafeMutableRawPointer {
    UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
  }

  /// Bytes held.
  var bytes: Int { buffers.values.reduce(0) { $0 + $1.bytes } }

  /// Returns every buffer to the system.
  func release() {
    for held in buffers.values { held.memory.deallocate() }
    buffers = [:]
  }
}
