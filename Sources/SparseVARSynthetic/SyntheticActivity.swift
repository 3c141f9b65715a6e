//===--- SyntheticActivity.swift ------------------------------------------===//
//
// The time courses of one synthetic run (everything but the pixels), simulated frame by frame
// at frame rate f (dt = 1 / f), from the run's own random streams:
//
//   latents   a_t = A_c a_{t-1} + D_c e_t for the M assemblies (condition c of the run), and an
//             independent unit-variance AR(1) b_t = rho b_{t-1} + sqrt(1 - rho^2) e_t per
//             independent neuron;
//   rates     r_n(t) = min(maxRate, r0_n exp(g w_n a_{m(n)}(t)))   (b_n(t) for independent ones);
//   spikes    s_n(t) ~ Poisson(r_n(t) dt) in the interval (t - 1, t] (in frames), each at a
//             uniform time inside it;
//   calcium   dF/F_n(t) = amp_n / peak_n * sum over spikes t_s <= t of h_n(t - t_s),
//             h_n(x) = exp(-x / decay_n) - exp(-x / rise), peak_n = max_x h_n(x), computed
//             exactly by two first-order recursions (one per exponential);
//   neuropil  the mean dF/F of each assembly's neurons;
//   drift     1 + drift_t multiplies the light: 1 + drift_t = (1 + o_run + d_t) exp(-beta t dt),
//             o_run ~ N(0, runVar^2), d_t a stationary AR(1) of standard deviation
//             driftAmplitude, time constant tau, beta ~ U(bleachingRate) per run (bleaching);
//   gain      the run's detector gain photonGain * max(0.2, 1 + runGainVariation N(0, 1));
//   motion    shifts (dy, dx) in pixels, independent stationary AR(1) per axis of standard
//             deviation motionAmplitude / micronsPerPixel, time constant motionTimeConstant;
//             rounded to whole pixels with `integerMotion`.
//
// The latents, spikes and calcium are simulated from zero for a burn-in of
// max(5 latent time constants, 6 longest decay times, 30 frames) before frame 0, so that every
// run starts in the stationary regime.
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

/// The ground-truth time courses of one run. Matrices are frame-major: `latents[t * M + m]`.
public struct SyntheticRunActivity: Sendable, Equatable {
  /// Run index.
  public let run: Int
  /// Condition label: 0 = familiar (F), 1 = novel (N).
  public let condition: Int32
  /// Frames T.
  public let frameCount: Int
  /// Assemblies M.
  public let assemblyCount: Int
  /// Neurons (assembly members and independent neurons).
  public let neuronCount: Int
  /// T x M: assembly latents a_t (unit stationary variance).
  public let latents: [Double]
  /// T x N: spikes of each neuron in each frame interval.
  public let spikes: [UInt8]
  /// T x N: dF/F of each neuron at each frame.
  public let deltaFOverF: [Float]
  /// T x M: mean dF/F of each assembly's neurons (0 for an empty assembly); drives its neuropil.
  public let assemblyDeltaFOverF: [Float]
  /// T: the light is multiplied by max(0.05, 1 + drift[t]) (laser power, drift and bleaching).
  public let drift: [Float]
  /// The run's detector gain in ADU per photon.
  public let gain: Double
  /// T x 2: the rigid shift (dy, dx) of each frame in pixels; frame pixel (i, j) shows the
  /// scene at (i - dy, j - dx).
  public let shifts: [Float]
}

extension SyntheticTwoPhotonGenerator {
  /// Simulates the time courses of run `run` with `frameCount` frames.
  func simulateActivity(run: Int, frameCount t: Int) -> SyntheticRunActivity {
    let o = options
    let network = groundTruth.network
    let neurons = groundTruth.neurons
    let condition = o.condition(run: run)
    let m = network.assemblyCount
    let n = neurons.count
    let dt = 1 / o.frameRate

    // Sparse rows of A_c and the innovation scales.
    let a = network.coupling(condition)
    let noise = network.innovation(condition)
    let rows: [[(Int, Double)]] = (0..<m).map { i in
      (0..<m).compactMap { j in a[i * m + j] != 0 ? (j, a[i * m + j]) : nil }
    }

    // Per-neuron constants.
    let riseFactor = exp(-dt / o.riseTime)
    let decayFactors = neurons.map { exp(-dt / $0.decayTime) }
    let scales = neurons.map { neuron -> Double in
      let tr = o.riseTime
      let td = neuron.decayTime
      let peakTime = log(td / tr) * td * tr / (td - tr)
      return neuron.spikeAmplitude / (exp(-peakTime / td) - exp(-peakTime / tr))
    }
    let independentNoise = neurons.map { (1 - $0.independentCoupling * $0.independentCoupling).squareRoot() }
    let maxRatePerFrame = o.maximumRate * dt

    // Burn-in.
    let slowest = max(o.selfCoupling.upperBound, neurons.map(\.independentCoupling).max() ?? 0)
    let latentFrames = slowest > 0 ? -5 / log(slowest) : 0
    let burnIn = Int(max(30, latentFrames, 6 * o.decayTime.upperBound * o.frameRate).rounded(.up))

    var random = SyntheticStream(seed: o.seed, purpose: .activity, run: run)
    var state = [Double](repeating: 0, count: m)
    var next = [Double](repeating: 0, count: m)
    var own = [Double](repeating: 0, count: n)
    var decayState = [Double](repeating: 0, count: n)
    var riseState = [Double](repeating: 0, count: n)

    var latents = [Double](repeating: 0, count: t * m)
    var spikes = [UInt8](repeating: 0, count: t * n)
    var dff = [Float](repeating: 0, count: t * n)
    var assemblyDFF = [Float](repeating: 0, count: t * m)
    let members = groundTruth.assemblies.map(\.neurons)

    for step in 0..<(burnIn + t) {
      for i in 0..<m {
        var v = noise[i] * random.normal()
        for (j, w) in rows[i] { v += w * state[j] }
        next[i] = v
      }
      swap(&state, &next)
      let frame = step - burnIn
      for k in 0..<n {
        let neuron = neurons[k]
        let x: Double
        if neuron.assembly >= 0 {
          x = neuron.participation * state[neuron.assembly]
        } else {
          own[k] = neuron.independentCoupling * own[k] + independentNoise[k] * random.normal()
          x = own[k]
        }
        let mean = min(maxRatePerFrame, neuron.baseRate * dt * exp(o.rateGain * x))
        let count = random.poisson(mean)
        decayState[k] *= decayFactors[k]
        riseState[k] *= riseFactor
        for _ in 0..<count {
          // A spike at a uniform time inside the frame interval, (1 - u) frames before its end.
          let age = (1 - random.uniform()) * dt
          decayState[k] += exp(-age / neuron.decayTime)
          riseState[k] += exp(-age / o.riseTime)
        }
        if frame >= 0 {
          spikes[frame * n + k] = UInt8(min(count, 255))
          dff[frame * n + k] = Float(scales[k] * (decayState[k] - riseState[k]))
        }
      }
      if frame >= 0 {
        for i in 0..<m { latents[frame * m + i] = state[i] }
        for (i, group) in members.enumerated() where !group.isEmpty {
          var sum: Float = 0
          for k in group { sum += dff[frame * n + k] }
          assemblyDFF[frame * m + i] = sum / Float(group.count)
        }
      }
    }

    // Drift and motion from their own stream.
    var nuisance = SyntheticStream(seed: o.seed, purpose: .nuisance, run: run)
    var drift = [Float](repeating: 0, count: t)
    let runOffset = o.runBrightnessVariation * nuisance.normal()
    // Drawn after the drift and motion, so that adding them left those streams unchanged.
    var extra = SyntheticStream(seed: o.seed, purpose: .nuisance, run: run, frame: -1)
    let bleaching = extra.uniform(o.bleachingRate)
    let gain = o.photonGain * max(0.2, 1 + o.runGainVariation * extra.normal())
    let driftRho = exp(-dt / o.driftTimeConstant)
    var d = o.driftAmplitude * nuisance.normal()
    for frame in 0..<t {
      if frame > 0 { d = driftRho * d + o.driftAmplitude * (1 - driftRho * driftRho).squareRoot() * nuisance.normal() }
      drift[frame] = Float((1 + runOffset + d) * exp(-bleaching * Double(frame) * dt) - 1)
    }
    var shifts = [Float](repeating: 0, count: 2 * t)
    if o.motionAmplitude > 0 {
      let sd = o.motionAmplitude / o.micronsPerPixel
      let rho = exp(-dt / o.motionTimeConstant)
      var dy = sd * nuisance.normal()
      var dx = sd * nuisance.normal()
      for frame in 0..<t {
        if frame > 0 {
          dy = rho * dy + sd * (1 - rho * rho).squareRoot() * nuisance.normal()
          dx = rho * dx + sd * (1 - rho * rho).squareRoot() * nuisance.normal()
        }
        shifts[2 * frame] = Float(o.integerMotion ? dy.rounded() : dy)
        shifts[2 * frame + 1] = Float(o.integerMotion ? dx.rounded() : dx)
      }
    }

    return SyntheticRunActivity(
      run: run, condition: condition, frameCount: t, assemblyCount: m, neuronCount: n,
      latents: latents, spikes: spikes, deltaFOverF: dff, assemblyDeltaFOverF: assemblyDFF,
      drift: drift, gain: gain, shifts: shifts)
  }
}
