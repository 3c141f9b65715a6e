//===--- Synthetic.swift --------------------------------------------------===//
//
// C API of the built-in synthetic two-photon experiment: runs of UInt16 frames in two
// conditions (0 = familiar F, 1 = novel N) and the ground-truth mask of where the dynamics differ.
//
//===----------------------------------------------------------------------===//

import SparseVAR
import SparseVARSynthetic
import _SparseVARHandles

/// Sizes of the built-in synthetic experiment.
@c(sparsevar_synthetic_preset) public enum SyntheticPreset: Int32 {
  /// For tests: 10 runs of 60-120 frames at 48 x 32 pixels.
  case tiny = 0
  /// The default demo: 20 runs of 150-300 frames at 96 x 64 pixels.
  case small = 1
  /// 20 runs of 200-400 frames at 192 x 128 pixels (the paper's preprocessed resolution).
  case standard = 2
  /// The paper's acquisition: 40 runs of 306-1206 frames at 768 x 512 pixels (crop 768 x 512,
  /// downscale 4 -> 192 x 128); generate it run by run, it is about 14 GB in all.
  case full = 3
}

/// Options of the synthetic experiment that sparsevar_synthetic_create_with sets (the others
/// are the preset's).
@c(sparsevar_synthetic_param) public enum SyntheticParameter: Int32 {
  /// 1 = the null experiment: both conditions share one coupling matrix (no planted difference;
  /// the same seed's scene, network and nuisances otherwise; the ground truth is all zero);
  /// 0 = the planted difference (default).
  case nullExperiment = 0
  /// Standard deviation of a per-run brightness factor (laser power): [0, 0.5], default 0.03.
  case runBrightnessVariation = 1
  /// Standard deviation of a per-run detector gain factor: [0, 0.5], default 0.1.
  case runGainVariation = 2
  /// Stationary standard deviation of the slow multiplicative drift: [0, 0.5], default 0.02.
  case driftAmplitude = 3
  /// Smallest per-run bleaching rate in 1/s (light decays as exp(-rate t)): default 0.
  case bleachingRateMin = 4
  /// Largest per-run bleaching rate in 1/s (rates are uniform between the two): at most 10,
  /// default 0.02.
  case bleachingRateMax = 5
}

final class SyntheticObject {
  let generator: SyntheticTwoPhotonGenerator
  init(_ generator: SyntheticTwoPhotonGenerator) { self.generator = generator }
}

/// Creates the synthetic experiment of `preset` with `seed` (the same seed gives bit-identical
/// frames). Frames are generated on demand by sparsevar_synthetic_frames.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_synthetic_free.
@c public func sparsevar_synthetic_create(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_synthetic>?>?, _ preset: Int32, _ seed: Int64
) -> Int32 {
  sparsevar_synthetic_create_with(out, preset, seed, nil, nil, 0)
}

/// Creates the synthetic experiment of `preset` with `seed`, with n_params options changed:
/// params[i] (a sparsevar_synthetic_param value) is set to values[i], in order. n_params = 0
/// (params and values may then be NULL) is sparsevar_synthetic_create.
/// @param out  receives the handle (NULL on failure); free it with sparsevar_synthetic_free.
@c public func sparsevar_synthetic_create_with(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_synthetic>?>?, _ preset: Int32, _ seed: Int64,
  _ params: UnsafePointer<Int32>?, _ values: UnsafePointer<Double>?, _ n_params: Int64
) -> Int32 {
  out?.pointee = nil
  return guarded {
    let result = try require(out, "out")
    guard let p = SyntheticPreset(rawValue: preset) else {
      throw ABIError(status: .invalidArgument, message: "unknown synthetic preset \(preset)")
    }
    guard seed >= 0 else { throw ABIError(status: .invalidArgument, message: "the seed must be >= 0, got \(seed)") }
    guard n_params >= 0, n_params <= 64 else {
      throw ABIError(status: .invalidArgument, message: "n_params must be in [0, 64], got \(n_params)")
    }
    let choice: SyntheticTwoPhotonOptions.Preset = [.tiny, .small, .standard, .full][Int(p.rawValue)]
    var options = SyntheticTwoPhotonOptions.preset(choice, seed: UInt64(seed))
    if n_params > 0 {
      let codes = try require(params, "params")
      let numbers = try readDoubles(values, count: Int(n_params), "values")
      for i in 0..<Int(n_params) {
        guard let parameter = SyntheticParameter(rawValue: codes[i]) else {
          throw ABIError(status: .invalidArgument, message: "unknown synthetic parameter \(codes[i])")
        }
        let v = numbers[i]
        guard v.isFinite else { throw ABIError(status: .nonFinite, message: "synthetic parameter \(codes[i]) is NaN or infinite") }
        switch parameter {
        case .nullExperiment:
          guard v == 0 || v == 1 else {
            throw ABIError(status: .invalidArgument, message: "SPARSEVAR_SYNTHETIC_PARAM_NULL_EXPERIMENT must be 0 or 1, got \(v)")
          }
          options.nullExperiment = v == 1
        case .runBrightnessVariation: options.runBrightnessVariation = v
        case .runGainVariation: options.runGainVariation = v
        case .driftAmplitude: options.driftAmplitude = v
        case .bleachingRateMin, .bleachingRateMax:
          let low = parameter == .bleachingRateMin ? v : options.bleachingRate.lowerBound
          let high = parameter == .bleachingRateMax ? v : options.bleachingRate.upperBound
          guard low <= high else {
            throw ABIError(status: .invalidArgument, message: "the bleaching rate range [\(low), \(high)] is empty")
          }
          options.bleachingRate = low...high
        }
      }
    }
    let generator = try SyntheticTwoPhotonGenerator(options)
    result.pointee = try retainHandle(SyntheticObject(generator), as: sparsevar_synthetic.self)
  }
}

/// Frees a synthetic experiment. NULL is a no-op.
@c public func sparsevar_synthetic_free(_ synthetic: UnsafeMutablePointer<sparsevar_synthetic>?) {
  release(synthetic, SyntheticObject.self)
}

/// Number of runs and the raw frame size (any pointer may be NULL), and the preprocessing the
/// pipeline should apply (crop height/width, 0 = none, and downscale factor).
@c public func sparsevar_synthetic_shape(
  _ synthetic: UnsafePointer<sparsevar_synthetic>?, _ n_runs: UnsafeMutablePointer<Int64>?,
  _ height: UnsafeMutablePointer<Int64>?, _ width: UnsafeMutablePointer<Int64>?,
  _ crop_height: UnsafeMutablePointer<Int64>?, _ crop_width: UnsafeMutablePointer<Int64>?,
  _ downscale: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let g = try object(synthetic, SyntheticObject.self, "synthetic").generator
    n_runs?.pointee = Int64(g.runCount)
    height?.pointee = Int64(g.options.height)
    width?.pointee = Int64(g.options.width)
    let preprocessing = g.options.recommendedPreprocessing
    crop_height?.pointee = Int64(preprocessing.crop?.height ?? 0)
    crop_width?.pointee = Int64(preprocessing.crop?.width ?? 0)
    downscale?.pointee = Int64(preprocessing.downscale)
  }
}

/// Number of frames of run `run` and its condition label (0 = F, 1 = N); either may be NULL.
@c public func sparsevar_synthetic_run(
  _ synthetic: UnsafePointer<sparsevar_synthetic>?, _ run: Int64, _ n_frames: UnsafeMutablePointer<Int64>?,
  _ label: UnsafeMutablePointer<Int32>?
) -> Int32 {
  guarded {
    let g = try object(synthetic, SyntheticObject.self, "synthetic").generator
    guard run >= 0, run < Int64(g.runCount) else {
      throw ABIError(status: .invalidArgument, message: "run \(run) is out of range (0..<\(g.runCount))")
    }
    n_frames?.pointee = Int64(try g.frameCount(run: Int(run)))
    label?.pointee = try g.condition(run: Int(run))
  }
}

/// Generates frames first ..< first + count of run `run` into out (count x height x width
/// UInt16 values, row-major).
@c public func sparsevar_synthetic_frames(
  _ synthetic: UnsafePointer<sparsevar_synthetic>?, _ run: Int64, _ first: Int64, _ count: Int64,
  _ out: UnsafeMutablePointer<UInt16>?, _ len: Int64
) -> Int32 {
  guarded {
    let g = try object(synthetic, SyntheticObject.self, "synthetic").generator
    guard run >= 0, run < Int64(g.runCount) else {
      throw ABIError(status: .invalidArgument, message: "run \(run) is out of range (0..<\(g.runCount))")
    }
    let frames = try g.frameCount(run: Int(run))
    guard first >= 0, count >= 0, first <= Int64(frames), count <= Int64(frames) - first else {
      throw ABIError(
        status: .invalidArgument, message: "frames \(first) ..< \(first &+ count) are outside run \(run)'s \(frames) frames")
    }
    let needed = Int(count) * g.options.height * g.options.width
    _ = try requireCapacity(out, len, needed: needed, "out")
    try write(try g.frames(run: Int(run), range: Int(first)..<Int(first + count)), to: out, capacity: len, "out")
  }
}

/// Writes the ground truth: height x width floats in [0, 1], 1 on the somata of the neurons of the
/// assemblies whose coupling differs between F and N (raw resolution, before preprocessing).
@c public func sparsevar_synthetic_ground_truth(
  _ synthetic: UnsafePointer<sparsevar_synthetic>?, _ out: UnsafeMutablePointer<Float>?, _ len: Int64
) -> Int32 {
  guarded {
    let g = try object(synthetic, SyntheticObject.self, "synthetic").generator
    try write(g.groundTruth.differingMask, to: out, capacity: len, "out")
  }
}
