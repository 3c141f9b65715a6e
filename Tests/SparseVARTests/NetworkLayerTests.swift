// The network layers: every backward pass against central finite differences (in Double),
// forward passes against direct loops, Adam against a hand computation, Float against Double,
// and bit-identical results whatever the thread count.
import Foundation
import Testing

@testable import SparseVAR

// MARK: - Helpers

extension TestRandom {
  /// A tensor of standard normal values.
  mutating func tensor(_ shape: [Int]) -> Tensor<Double> {
    let count = shape.reduce(1, *)
    return Tensor(validShape: shape, storage: (0..<count).map { _ in normal() })
  }

  /// A tensor of distinct values 0.01 apart (a shuffled ramp), so that no max pool window has a
  /// tie within a finite-difference step.
  mutating func distinctTensor(_ shape: [Int]) -> Tensor<Double> {
    let count = shape.reduce(1, *)
    var values = (0..<count).map { Double($0) * 0.01 - Double(count) * 0.005 }
    for i in stride(from: count - 1, to: 0, by: -1) {
      values.swapAt(i, Int(next() % UInt64(i + 1)))
    }
    return Tensor(validShape: shape, storage: values)
  }
}

/// Central differences of `f` at `x`, one coordinate at a time.
func finiteDifferences(_ x: [Double], step h: Double = 1e-5, _ f: ([Double]) throws -> Double)
  rethrows -> [Double]
{
  var shifted = x
  var gradient = [Double](repeating: 0, count: x.count)
  for i in x.indices {
    shifted[i] = x[i] + h
    let plus = try f(shifted)
    shifted[i] = x[i] - h
    let minus = try f(shifted)
    shifted[i] = x[i]
    gradient[i] = (plus - minus) / (2 * h)
  }
  return gradient
}

/// max |a - b| / max |b|: the error of `a` relative to the scale of the reference `b`.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
  precondition(a.count == b.count)
  var error = 0.0
  var scale = 0.0
  for i in a.indices {
    error = max(error, abs(a[i] - b[i]))
    scale = max(scale, abs(b[i]))
  }
  return error / max(scale, 1e-300)
}

/// The scalar test loss L = sum(weights * y), whose gradient dL/dy is `weights`.
func weightedSum(_ y: Tensor<Double>, _ weights: Tensor<Double>) -> Double {
  zip(y.storage, weights.storage).reduce(0) { $0 + $1.0 * $1.1 }
}

/// Direct-loop reference of a 3x3 (padding 1) or 1x1 convolution.
func referenceConvolution(
  _ x: Tensor<Double>, weight: [Double], bias: [Double], outputChannels: Int, kernelSize: Int
) -> Tensor<Double> {
  let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let k = kernelSize
  let pad = k / 2
  var y = Tensor<Double>(zeros: [n, outputChannels, h, w])
  for b in 0..<n {
    for o in 0..<outputChannels {
      for i in 0..<h {
        for j in 0..<w {
          var sum = bias[o]
          for c in 0..<cin {
            for ky in 0..<k {
              for kx in 0..<k {
                let (yy, xx) = (i + ky - pad, j + kx - pad)
                guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                sum +=
                  weight[((o * cin + c) * k + ky) * k + kx]
                  * x.storage[((b * cin + c) * h + yy) * w + xx]
              }
            }
          }
          y.storage[((b * outputChannels + o) * h + i) * w + j] = sum
        }
      }
    }
  }
  return y
}

// MARK: - Tests

@Suite struct NetworkLayerTests {
  // MARK: Tensor

  @Test func tensorValidatesShapes() throws {
    #expect(throws: SparseVARError.self) { try Tensor<Float>(shape: [2, -1]) }
    #expect(throws: SparseVARError.self) { try Tensor<Float>(shape: [2, 3], storage: [1, 2]) }
    #expect(throws: SparseVARError.self) { try Tensor<Float>(shape: [Int.max, 3]) }
    let t = try Tensor<Double>(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
    #expect(try t.reshaped(to: [3, 2]).shape == [3, 2])
    #expect(throws: SparseVARError.self) { try t.reshaped(to: [4, 2]) }
    #expect(t.converted(to: Float.self).storage == [1, 2, 3, 4, 5, 6])
  }

  // MARK: Conv2D

  @Test(arguments: [3, 1])
  func convolutionForwardMatchesDirectLoops(kernelSize: Int) throws {
    var rng = TestRandom(seed: 10)
    let conv = try Conv2D<Double>(
      inputChannels: 3, outputChannels: 4, kernelSize: kernelSize, seed: 1)
    try conv.bias.assign((0..<4).map { _ in rng.normal() })
    let x = rng.tensor([2, 3, 5, 6])
    let y = try conv.forward(x, training: true)
    let reference = referenceConvolution(
      x, weight: conv.weight.value, bias: conv.bias.value, outputChannels: 4,
      kernelSize: kernelSize)
    #expect(y.shape == [2, 4, 5, 6])
    #expect(relativeError(y.storage, reference.storage) < 1e-13)
  }

  @Test(arguments: [3, 1])
  func convolutionGradientsMatchFiniteDifferences(kernelSize: Int) throws {
    var rng = TestRandom(seed: 11)
    let conv = try Conv2D<Double>(
      inputChannels: 3, outputChannels: 4, kernelSize: kernelSize, seed: 2)
    try conv.bias.assign((0..<4).map { _ in rng.normal() })
    let x = rng.tensor([2, 3, 5, 6])
    let r = rng.tensor([2, 4, 5, 6])
    _ = try conv.forward(x, training: true)
    conv.zeroGradients()
    let gradInput = try conv.backward(r)

    let numericInput = try finiteDifferences(x.storage) { values in
      weightedSum(try conv.forward(Tensor(validShape: x.shape, storage: values), training: true), r)
    }
    #expect(relativeError(gradInput.storage, numericInput) < 1e-6)
    for parameter in conv.parameters {
      let original = parameter.value
      let numeric = try finiteDifferences(original) { values in
        parameter.value = values
        return weightedSum(try conv.forward(x, training: true), r)
      }
      parameter.value = original
      #expect(relativeError(parameter.gradient, numeric) < 1e-6, "\(parameter.name)")
    }

    // A second backward pass accumulates.
    let once = conv.weight.gradient
    _ = try conv.forward(x, training: true)
    _ = try conv.backward(r)
    #expect(relativeError(conv.weight.gradient, once.map { 2 * $0 }) < 1e-14)
  }

  @Test func convolutionInitialisationIsSeededHeUniform() throws {
    let a = try Conv2D<Float>(inputChannels: 8, outputChannels: 16, seed: 7)
    let b = try Conv2D<Float>(inputChannels: 8, outputChannels: 16, seed: 7)
    let c = try Conv2D<Float>(inputChannels: 8, outputChannels: 16, seed: 8)
    #expect(a.weight.value == b.weight.value)
    #expect(a.weight.value != c.weight.value)
    #expect(a.weight.shape == [16, 8, 3, 3])
    #expect(a.bias.value.allSatisfy { $0 == 0 })
    let bound = Float((6 / ((1 + 0.01 * 0.01) * 72.0)).squareRoot())
    #expect(a.weight.value.allSatisfy { abs($0) <= bound })
    #expect(a.weight.value.map(abs).max()! > 0.9 * bound)
  }

  @Test func convolutionRejectsBadInput() throws {
    #expect(throws: SparseVARError.self) {
      try Conv2D<Float>(inputChannels: 3, outputChannels: 4, kernelSize: 5, seed: 1)
    }
    #expect(throws: SparseVARError.self) {
      try Conv2D<Float>(inputChannels: 0, outputChannels: 4, seed: 1)
    }
    let conv = try Conv2D<Float>(inputChannels: 3, outputChannels: 4, seed: 1)
    #expect(throws: SparseVARError.self) { try conv.backward(Tensor(zeros: [1, 4, 2, 2])) }
    #expect(throws: SparseVARError.self) {
      try conv.forward(Tensor(zeros: [1, 2, 4, 4]), training: true)
    }
    #expect(throws: SparseVARError.self) {
      try conv.forward(Tensor(zeros: [3, 4, 4]), training: true)
    }
    _ = try conv.forward(Tensor(zeros: [1, 3, 4, 4]), training: true)
    #expect(throws: SparseVARError.self) { try conv.backward(Tensor(zeros: [1, 4, 4, 2])) }
    // Empty batches pass through.
    #expect(try conv.forward(Tensor(zeros: [0, 3, 4, 4]), training: true).shape == [0, 4, 4, 4])
  }

  // MARK: LeakyReLU

  @Test func leakyReLUForwardAndGradient() throws {
    var rng = TestRandom(seed: 20)
    let relu = LeakyReLU<Double>()
    var x = rng.tensor([2, 3, 4, 4])
    // Keep every value away from the kink at 0.
    for i in x.storage.indices where abs(x.storage[i]) < 1e-3 { x.storage[i] = 0.5 }
    let y = try relu.forward(x, training: true)
    for (a, b) in zip(x.storage, y.storage) { #expect(b == (a > 0 ? a : 0.01 * a)) }
    let r = rng.tensor(x.shape)
    let gradInput = try relu.backward(r)
    let numeric = try finiteDifferences(x.storage) { values in
      weightedSum(try relu.forward(Tensor(validShape: x.shape, storage: values), training: true), r)
    }
    #expect(relativeError(gradInput.storage, numeric) < 1e-6)
    #expect(throws: SparseVARError.self) { try relu.backward(rng.tensor([2, 3, 4, 5])) }
  }

  // MARK: BatchNorm2D

  @Test func batchNormTrainingStatisticsAndRunningAverages() throws {
    var rng = TestRandom(seed: 30)
    let bn = try BatchNorm2D<Double>(channels: 3)
    try bn.gamma.assign([1.5, -0.5, 2])
    try bn.beta.assign([0.1, 0.2, -0.3])
    var x = rng.tensor([2, 3, 4, 5])
    for i in x.storage.indices { x.storage[i] = 3 * x.storage[i] + 1 }
    let y = try bn.forward(x, training: true)
    let m = 2 * 4 * 5
    for c in 0..<3 {
      var values: [Double] = []
      var outputs: [Double] = []
      for n in 0..<2 {
        for p in 0..<20 {
          values.append(x.storage[(n * 3 + c) * 20 + p])
          outputs.append(y.storage[(n * 3 + c) * 20 + p])
        }
      }
      let mean = values.reduce(0, +) / Double(m)
      let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(m)
      for (v, out) in zip(values, outputs) {
        let expected =
          bn.gamma.value[c] * (v - mean) / (variance + 1e-5).squareRoot()
          + bn.beta.value[c]
        #expect(abs(out - expected) < 1e-12)
      }
      #expect(abs(bn.runningMean[c] - 0.1 * mean) < 1e-14)
      #expect(
        abs(bn.runningVariance[c] - (0.9 + 0.1 * variance * Double(m) / Double(m - 1))) < 1e-13)
    }
    // Inference uses the running statistics.
    let z = try bn.forward(x, training: false)
    let expected0 =
      bn.gamma.value[0] * (x.storage[0] - bn.runningMean[0])
      / (bn.runningVariance[0] + 1e-5).squareRoot() + bn.beta.value[0]
    #expect(abs(z.storage[0] - expected0) < 1e-12)
    // One value per channel cannot be normalised in training.
    #expect(throws: SparseVARError.self) {
      try bn.forward(Tensor(zeros: [1, 3, 1, 1]), training: true)
    }
    #expect(throws: SparseVARError.self) { try BatchNorm2D<Double>(channels: 3, momentum: 2) }
  }

  @Test(arguments: [true, false])
  func batchNormGradientsMatchFiniteDifferences(training: Bool) throws {
    var rng = TestRandom(seed: training ? 31 : 32)
    let bn = try BatchNorm2D<Double>(channels: 3)
    try bn.gamma.assign([1.5, -0.5, 2])
    try bn.beta.assign([0.1, 0.2, -0.3])
    try bn.setRunningStatistics(mean: [0.2, -0.1, 0.4], variance: [0.8, 1.7, 0.5])
    let x = rng.tensor([2, 3, 4, 4])
    let r = rng.tensor(x.shape)
    _ = try bn.forward(x, training: training)
    let gradInput = try bn.backward(r)
    // The running statistics move with every training forward, but outputs in training mode do
    // not depend on them; in inference mode they stay fixed.
    let numericInput = try finiteDifferences(x.storage) { values in
      weightedSum(
        try bn.forward(Tensor(validShape: x.shape, storage: values), training: training), r)
    }
    #expect(relativeError(gradInput.storage, numericInput) < 1e-6)
    for parameter in bn.parameters {
      let original = parameter.value
      let numeric = try finiteDifferences(original) { values in
        parameter.value = values
        return weightedSum(try bn.forward(x, training: training), r)
      }
      parameter.value = original
      #expect(relativeError(parameter.gradient, numeric) < 1e-6, "\(parameter.name)")
    }
    if training {
      // Through the batch statistics, the input gradient sums to zero per channel.
      for c in 0..<3 {
        var sum = 0.0
        for n in 0..<2 { for p in 0..<16 { sum += gradInput.storage[(n * 3 + c) * 16 + p] } }
        #expect(abs(sum) < 1e-12)
      }
    }
  }

  // MARK: Max pool / unpool

  @Test func maxPoolForwardIndicesAndRoundTrip() throws {
    let pool = MaxPool2x2<Double>()
    let unpool = MaxUnpool2x2<Double>()
    // One 4x4 plane; window maxima at known places, one tie (first in scan order wins).
    let plane: [Double] = [
      1, 5, 2, 2,
      3, 4, 2, 0,
      9, 0, -1, -4,
      0, 0, -3, -2,
    ]
    let x = try Tensor(shape: [1, 1, 4, 4], storage: plane)
    let (y, indices) = try pool.forward(x, training: true)
    #expect(y.storage == [5, 2, 9, -1])
    #expect(indices.storage == [1, 2, 8, 10])
    #expect(indices.shape == [1, 1, 2, 2])
    let back = try unpool.forward(y, indices: indices, training: true)
    #expect(
      back.storage == [0, 5, 2, 0, 0, 0, 0, 0, 9, 0, -1, 0, 0, 0, 0, 0])

    // Random batch: unpool(pool(x)) keeps exactly the maxima and zeros elsewhere.
    var rng = TestRandom(seed: 40)
    let z = rng.tensor([2, 3, 6, 4])
    let (pooled, zIndices) = try pool.forward(z, training: true)
    let restored = try unpool.forward(pooled, indices: zIndices, training: true)
    #expect(restored.shape == z.shape)
    for plane in 0..<6 {
      for i in 0..<3 {
        for j in 0..<2 {
          let window = [0, 1, 4, 5].map { plane * 24 + (2 * i) * 4 + 2 * j + $0 }
          let maximum = window.map { z.storage[$0] }.max()!
          let kept = window.filter { restored.storage[$0] != 0 }
          #expect(kept.count == 1)
          #expect(restored.storage[kept[0]] == maximum)
          #expect(z.storage[kept[0]] == maximum)
        }
      }
    }
    #expect(throws: SparseVARError.self) {
      try pool.forward(Tensor<Double>(zeros: [1, 1, 3, 4]), training: true)
    }
  }

  @Test func maxPoolAndUnpoolGradients() throws {
    var rng = TestRandom(seed: 41)
    let pool = MaxPool2x2<Double>()
    let unpool = MaxUnpool2x2<Double>()
    let x = rng.distinctTensor([2, 3, 4, 6])
    let (_, indices) = try pool.forward(x, training: true)
    let r = rng.tensor([2, 3, 2, 3])
    let gradInput = try pool.backward(r)
    // Routing: each pooled gradient lands on its argmax, everything else is zero.
    for k in 0..<r.count {
      let plane = k / 6
      #expect(gradInput.storage[plane * 24 + Int(indices.storage[k])] == r.storage[k])
    }
    #expect(gradInput.storage.filter { $0 != 0 }.count == r.count)
    let numeric = try finiteDifferences(x.storage) { values in
      weightedSum(
        try pool.forward(Tensor(validShape: x.shape, storage: values), training: true).output, r)
    }
    #expect(relativeError(gradInput.storage, numeric) < 1e-6)

    // Unpool with the encoder's indices: the gradient gathers from the argmax positions.
    let u = rng.tensor([2, 3, 2, 3])
    let s = rng.tensor([2, 3, 4, 6])
    _ = try unpool.forward(u, indices: indices, training: true)
    let gradUnpool = try unpool.backward(s)
    let numericUnpool = try finiteDifferences(u.storage) { values in
      weightedSum(
        try unpool.forward(
          Tensor(validShape: u.shape, storage: values), indices: indices, training: true), s)
    }
    #expect(relativeError(gradUnpool.storage, numericUnpool) < 1e-6)
    #expect(throws: SparseVARError.self) {
      try unpool.forward(rng.tensor([2, 3, 3, 3]), indices: indices, training: true)
    }
  }

  @Test func poolingIndicesAreValidated() throws {
    #expect(try PoolingIndices(shape: [1, 1, 1, 2], storage: [1, 2]).storage == [1, 2])
    // Index 1 belongs to window (0, 0), not (0, 1).
    #expect(throws: SparseVARError.self) {
      try PoolingIndices(shape: [1, 1, 1, 2], storage: [0, 1])
    }
    #expect(throws: SparseVARError.self) {
      try PoolingIndices(shape: [1, 1, 1, 2], storage: [-1, 2])
    }
    #expect(throws: SparseVARError.self) { try PoolingIndices(shape: [1, 1, 2], storage: [0, 2]) }
    #expect(throws: SparseVARError.self) { try PoolingIndices(shape: [1, 1, 1, 2], storage: [0]) }
  }

  // MARK: Composition

  @Test func encoderDecoderStackGradient() throws {
    // conv3 -> leaky -> BN -> pool -> conv1 -> conv1 -> unpool (encoder's indices) -> conv3:
    // checks that the layers compose, in training mode.
    var rng = TestRandom(seed: 50)
    var generator = SplitMix64(seed: 5)
    let conv1 = try Conv2D<Double>(inputChannels: 1, outputChannels: 3, generator: &generator)
    let relu = LeakyReLU<Double>()
    let bn = try BatchNorm2D<Double>(channels: 3)
    let pool = MaxPool2x2<Double>()
    let toLatent = try Conv2D<Double>(
      inputChannels: 3, outputChannels: 1, kernelSize: 1, generator: &generator)
    let fromLatent = try Conv2D<Double>(
      inputChannels: 1, outputChannels: 3, kernelSize: 1, generator: &generator)
    let unpool = MaxUnpool2x2<Double>()
    let conv2 = try Conv2D<Double>(
      inputChannels: 3, outputChannels: 1, negativeSlope: 1, generator: &generator)
    var indices: PoolingIndices?
    func run(_ x: Tensor<Double>) throws -> Tensor<Double> {
      let (pooled, poolIndices) = try pool.forward(
        try bn.forward(
          try relu.forward(try conv1.forward(x, training: true), training: true),
          training: true), training: true)
      indices = poolIndices
      let latent = try toLatent.forward(pooled, training: true)
      let decoded = try unpool.forward(
        try fromLatent.forward(latent, training: true), indices: poolIndices, training: true)
      return try conv2.forward(decoded, training: true)
    }
    let x = rng.tensor([3, 1, 4, 4])
    let r = rng.tensor([3, 1, 4, 4])
    _ = try run(x)
    let frozen = indices
    var g = try conv2.backward(r)
    g = try fromLatent.backward(try unpool.backward(g))
    g = try conv1.backward(
      try relu.backward(try bn.backward(try pool.backward(try toLatent.backward(g)))))
    // Perturbations must not move an argmax for the check to be meaningful.
    let numeric = try finiteDifferences(x.storage) { values in
      let out = try run(Tensor(validShape: x.shape, storage: values))
      #expect(indices == frozen)
      return weightedSum(out, r)
    }
    #expect(relativeError(g.storage, numeric) < 1e-6)
  }

  // MARK: Adam

  @Test func adamMatchesHandComputation() throws {
    let p = Parameter<Double>(name: "w", shape: [3], value: [1, -2, 0.5])
    let adam = try Adam(parameters: [p])
    let gradients: [[Double]] = [[0.1, -0.3, 0], [0.2, 0.1, -0.05]]
    var m = [0.0, 0, 0]
    var v = [0.0, 0, 0]
    var theta = p.value
    for (t, g) in gradients.enumerated() {
      p.gradient = g
      adam.step()
      let step = Double(t + 1)
      for i in 0..<3 {
        m[i] = 0.9 * m[i] + 0.1 * g[i]
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
        let mHat = m[i] / (1 - pow(0.9, step))
        let vHat = v[i] / (1 - pow(0.999, step))
        theta[i] -= 1e-3 * mHat / (vHat.squareRoot() + 1e-8)
      }
      #expect(relativeError(p.value, theta) < 1e-12)
    }
    // First step of Adam moves each value by about lr * sign(g).
    let q = Parameter<Double>(name: "q", shape: [2], value: [0, 0])
    q.gradient = [5, -0.001]
    try Adam(parameters: [q]).step()
    #expect(abs(q.value[0] + 1e-3) < 1e-9 && abs(q.value[1] - 1e-3) < 1e-8)
    #expect(adam.stepCount == 2)
    #expect(throws: SparseVARError.self) { try Adam(parameters: [p, p]) }
    #expect(throws: SparseVARError.self) { try Adam(parameters: [p], learningRate: -1) }
    #expect(throws: SparseVARError.self) { try Adam(parameters: [p], beta2: 1) }
  }

  // MARK: Float and Double, threads

  /// A small encoder-like stack in either precision from the same seed; returns the output and
  /// the input and parameter gradients of L = sum(r * y).
  static func stackResults<S: NetworkScalar>(
    _ type: S.Type, input: Tensor<Double>, r: Tensor<Double>, threads: Int
  ) throws -> (output: [Double], gradients: [[Double]]) {
    var generator = SplitMix64(seed: 9)
    let conv = try Conv2D<S>(inputChannels: 2, outputChannels: 4, generator: &generator)
    let relu = LeakyReLU<S>()
    let bn = try BatchNorm2D<S>(channels: 4)
    let pool = MaxPool2x2<S>()
    let head = try Conv2D<S>(
      inputChannels: 4, outputChannels: 2, kernelSize: 1, generator: &generator)
    for layer in [conv, head] { layer.threads = threads }
    relu.threads = threads
    bn.threads = threads
    pool.threads = threads
    let x = input.converted(to: S.self)
    let (pooled, _) = try pool.forward(
      try bn.forward(
        try relu.forward(try conv.forward(x, training: true), training: true),
        training: true), training: true)
    let y = try head.forward(pooled, training: true)
    let gradInput = try conv.backward(
      try relu.backward(
        try bn.backward(try pool.backward(try head.backward(r.converted(to: S.self))))))
    let parameters = conv.parameters + bn.parameters + head.parameters
    return (
      y.storage.map { $0.asDouble },
      [gradInput.storage.map { $0.asDouble }]
        + parameters.map { $0.gradient.map { $0.asDouble } }
    )
  }

  @Test func floatAndDoubleAgree() throws {
    var rng = TestRandom(seed: 60)
    let x = rng.tensor([3, 2, 6, 8])
    let r = rng.tensor([3, 2, 3, 4])
    let single = try Self.stackResults(Float.self, input: x, r: r, threads: 1)
    let double = try Self.stackResults(Double.self, input: x, r: r, threads: 1)
    #expect(relativeError(single.output, double.output) < 1e-5)
    for (a, b) in zip(single.gradients, double.gradients) { #expect(relativeError(a, b) < 1e-4) }
  }

  @Test func resultsAreBitIdenticalAcrossThreadCounts() throws {
    var rng = TestRandom(seed: 61)
    let x = rng.tensor([5, 2, 8, 8])
    let r = rng.tensor([5, 2, 4, 4])
    let reference = try Self.stackResults(Float.self, input: x, r: r, threads: 1)
    for threads in [2, 3, 0] {
      let other = try Self.stackResults(Float.self, input: x, r: r, threads: threads)
      #expect(other.output == reference.output, "threads \(threads)")
      #expect(other.gradients == reference.gradients, "threads \(threads)")
    }
  }
}
