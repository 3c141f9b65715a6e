//===--- SyntheticRandom.swift --------------------------------------------===//
//
// Random streams of the synthetic generator. Every random quantity comes from a SplitMix64
// stream whose seed is a hash of (options seed, purpose, run, frame), so that any part of the
// movie can be generated on its own, in any order and on any number of threads, with the same
// bits: run 17 does not depend on runs 0..16, and frame t of a run does not depend on the
// frames rendered before it.
//
// Distributions use fixed formulas (not the standard library's `random(in:)`), so a seed means
// the same values on every toolchain:
//   uniform   top 53 bits of one draw, in [0, 1);
//   normal    Marsaglia's polar method (the spare value is kept for the next call);
//   Poisson   inversion by sequential search for mean < 12; above, Hoermann's PTRS
//             (transformed rejection with squeeze, 1993), as numpy uses.
//
//===----------------------------------------------------------------------===//

import SparseVAR
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a stream is used for; part of its seed, so streams of different purposes never overlap.
enum SyntheticStreamPurpose: UInt64 {
  case layout = 1
  case network = 2
  case runLengths = 3
  case activity = 4
  case nuisance = 5
  case noise = 6
}

/// SplitMix64's output function, used to hash seeds.
@inline(__always)
func syntheticMix(_ value: UInt64) -> UInt64 {
  var z = value &+ 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// A deterministic stream of random numbers for one purpose (and run, frame).
struct SyntheticStream {
  var generator: SplitMix64
  private var spareNormal: Double? = nil

  init(seed: UInt64, purpose: SyntheticStreamPurpose, run: Int = 0, frame: Int = 0) {
    var h = syntheticMix(seed)
    h = syntheticMix(h ^ purpose.rawValue)
    h = syntheticMix(h ^ UInt64(bitPattern: Int64(run)))
    h = syntheticMix(h ^ UInt64(bitPattern: Int64(frame)))
    generator = SplitMix64(seed: h)
  }

  /// Uniform in [0, 1).
  @inline(__always)
  mutating func uniform() -> Double {
    Double(generator.next() >> 11) * 0x1.0p-53
  }

  /// Uniform in the range (its upper bound excluded unless the range is a single value).
  @inline(__always)
  mutating func uniform(_ range: ClosedRange<Double>) -> Double {
    range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
  }

  /// Uniform integer in the range.
  mutating func integer(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + index(range.upperBound - range.lowerBound + 1)
  }

  /// Uniform in 0..<n (n >= 1), by multiplying a 53-bit uniform (bias below 2^-40 for the sizes
  /// used here).
  @inline(__always)
  mutating func index(_ n: Int) -> Int {
    min(n - 1, Int(uniform() * Double(n)))
  }

  /// True with probability p.
  @inline(__always)
  mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }

  /// Standard normal (Marsaglia's polar method).
  @inline(__always)
  mutating func normal() -> Double {
    if let spare = spareNormal {
      spareNormal = nil
      return spare
    }
    while true {
      let u = 2 * uniform() - 1
      let v = 2 * uniform() - 1
      let s = u * u + v * v
      if s > 0, s < 1 {
        let factor = (-2 * log(s) / s).squareRoot()
        spareNormal = v * factor
        return u * factor
      }
    }
  }

  /// Poisson with the given mean (>= 0).
  @inline(__always)
  mutating func poisson(_ mean: Double) -> Int {
    syntheticReciprocals.withUnsafeBufferPointer { poisson(mean, reciprocals: $0.baseAddress!) }
  }

  /// Poisson with the given mean (>= 0); `reciprocals` points at `syntheticReciprocals` (hot
  /// loops fetch it once).
  @inline(__always)
  mutating func poisson(_ mean: Double, reciprocals: UnsafePointer<Double>) -> Int {
    if mean < 12 {
      guard mean > 0 else { return 0 }
      // Inversion: walk the cumulative distribution from 0.
      let u = uniform()
      var k = 0
      var p = exp(-mean)
      var cumulative = p
      while u > cumulative, k < 200 {
        k += 1
        p *= mean * reciprocals[k]
        cumulative += p
      }
      return k
    }
    return poissonPTRS(mean)
  }

  /// Hoermann (1993), "The transformed rejection method for generating Poisson random
  /// variables", algorithm PTRS; for mean >= 10.
  mutating func poissonPTRS(_ mean: Double) -> Int {
    let slam = mean.squareRoot()
    let loglam = log(mean)
    let b = 0.931 + 2.53 * slam
    let a = -0.059 + 0.02483 * b
    let invalpha = 1.1239 + 1.1328 / (b - 3.4)
    let vr = 0.9277 - 3.6224 / (b - 2)
    while true {
      let u = uniform() - 0.5
      let v = uniform()
      let us = 0.5 - abs(u)
      let k = (2 * a / us + b) * u + mean + 0.43
      guard k.isFinite, k < 1e12 else { continue }
      let kf = k.rounded(.down)
      if us >= 0.07, v <= vr { return Int(kf) }
      if kf < 0 || (us < 0.013 && v > us) { continue }
      if log(v) + log(invalpha) - log(a / (us * us) + b) <= -mean + kf * loglam - lgamma(kf + 1) {
        return Int(kf)
      }
    }
  }

  /// Fisher-Yates shuffle.
  mutating func shuffle<T>(_ values: inout [T]) {
    guard values.count > 1 else { return }
    for i in stride(from: values.count - 1, to: 0, by: -1) {
      values.swapAt(i, index(i + 1))
    }
  }
}

/// 1 / k for k = 0...200 (entry 0 unused), for the Poisson inversion.
let syntheticReciprocals: [Double] = (0...200).map { $0 == 0 ? 0 : 1 / Double($0) }
