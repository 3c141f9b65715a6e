// Winograd F(4x4, 3x3) (Network/Winograd.swift) against the direct products of the Conv2D layer:
// outputs, weight and input gradients, on odd and even sizes and groups of several images with a
// partial last group; exact up to rounding in Double, close in Float.
import Testing

@testable import SparseVAR

@Suite struct WinogradTests {
  /// Input channels, output channels, height, width, images.
  static let shapes = [
    (8, 8, 6, 4, 1), (8, 9, 5, 7, 9), (12, 8, 1, 1, 4), (9, 16, 7, 3, 5), (8, 8, 2, 9, 13), (8, 8, 5, 37, 3),
    (10, 8, 4, 18, 2), (32, 32, 24, 16, 2),
  ]

  /// max |a - b| / max |b| of the Winograd and direct output, weight gradient and input gradient.
  func errors<Scalar: NetworkScalar>(
    _ scalar: Scalar.Type, inputChannels cin: Int, outputChannels cout: Int, height: Int, width: Int,
    images n: Int, seed: UInt64
  ) throws -> (output: Double, weight: Double, input: Double) {
    var rng = TestRandom(seed: seed)
    let conv = try Conv2D<Scalar>(inputChannels: cin, outputChannels: cout, seed: seed)
    try conv.bias.assign((0..<cout).map { _ in Scalar(rng.normal()) })
    let x = rng.tensor([n, cin, height, width]).converted(to: Scalar.self)
    let r = rng.tensor([n, cout, height, width]).converted(to: Scalar.self)
    let y = try conv.forward(x, training: true)
    conv.zeroGradients()
    let dx = try conv.backward(r)

    let g = conv.geometry(height: height, width: width)
    let tiling = try #require(WinogradTiling(g, batch: n))
    let (inputCount, outputCount) = (cin * g.plane, cout * g.plane)
    var output = [Scalar](repeating: .nan, count: n * outputCount)
    var gradInput = [Scalar](repeating: .nan, count: n * inputCount)
    var weightGradient = [Double](repeating: 0, count: conv.weight.value.count)
    var u = [Scalar](repeating: 0, count: tiling.transformedWeightCount)
    var scratch = [Scalar](repeating: .nan, count: tiling.scratchCount(backward: true))
    var groupGradient = [Scalar](repeating: .nan, count: weightGradient.count)
    var finished: [Int] = []
    x.storage.withUnsafeBufferPointer { x in
      r.storage.withUnsafeBufferPointer { r in
        let (x, r) = (x.baseAddress!, r.baseAddress!)
        conv.weight.value.withUnsafeBufferPointer { tiling.transformWeights($0.baseAddress!, into: &u) }
        for group in 0..<tiling.groupCount(batch: n) {
          let images = tiling.images(group, batch: n)
          output.withUnsafeMutableBufferPointer { y in
            tiling.forward(
              images, input: { x + $0 * inputCount }, transformedWeights: u, bias: conv.bias.value,
              output: { y.baseAddress! + $0 * outputCount }, scratch: &scratch)
          }
          gradInput.withUnsafeMutableBufferPointer { dx in
            let dx = dx.baseAddress!
            tiling.backward(
              images, input: { x + $0 * inputCount }, transformedWeights: u,
              gradOutput: { r + $0 * outputCount }, gradInput: { dx + $0 * inputCount },
              finished: { finished.append($0) }, weightGradient: &groupGradient, scratch: &scratch)
          }
          for j in weightGradient.indices { weightGradient[j] += groupGradient[j].asDouble }
        }
      }
    }
    #expect(finished == Array(0..<n))
    let double = { (values: [Scalar]) in values.map(\.asDouble) }
    return (
      relativeError(double(output), double(y.storage)),
      relativeError(weightGradient, double(conv.weight.gradient)),
      relativeError(double(gradInput), double(dx.storage))
    )
  }

  @Test func doubleMatchesTheDirectProducts() throws {
    for (k, (cin, cout, h, w, n)) in Self.shapes.enumerated() {
      let e = try errors(Double.self, inputChannels: cin, outputChannels: cout, height: h, width: w, images: n, seed: UInt64(k))
      #expect(e.output < 1e-13 && e.weight < 1e-13 && e.input < 1e-13, "\((cin, cout, h, w, n)): \(e)")
    }
  }

  @Test func floatIsCloseToTheDirectProducts() throws {
    for (k, (cin, cout, h, w, n)) in Self.shapes.enumerated() {
      let e = try errors(Float.self, inputChannels: cin, outputChannels: cout, height: h, width: w, images: n, seed: UInt64(k))
      #expect(e.output < 1e-5 && e.weight < 1e-5 && e.input < 1e-5, "\((cin, cout, h, w, n)): \(e)")
    }
  }

  @Test func appliesToHiddenThreeByThreeLayersOnly() {
    func tiling(_ cin: Int, _ cout: Int, kernel: Int = 3) -> WinogradTiling? {
      WinogradTiling(
        ConvolutionGeometry(inputChannels: cin, outputChannels: cout, kernelSize: kernel, height: 8, width: 8),
        batch: 8)
    }
    #expect(tiling(1, 32) == nil)
    #expect(tiling(32, 1) == nil)
    #expect(tiling(32, 32, kernel: 1) == nil)
    #expect(tiling(32, 32) != nil)
    #expect(tiling(Int.max / 4, 32) == nil)
    // Groups: about targetTiles tiles, at most a quarter of the batch.
    let g = ConvolutionGeometry(inputChannels: 32, outputChannels: 32, kernelSize: 3, height: 48, width: 32)
    let tiles = 12 * 8
    #expect(WinogradTiling(g, batch: 64)?.tilesPerImage == tiles)
    #expect(WinogradTiling(g, batch: 64)?.groupSize == min((WinogradTiling.targetTiles + tiles - 1) / tiles, 16))
    #expect(WinogradTiling(g, batch: 7)?.groupSize == 1)
  }
}
