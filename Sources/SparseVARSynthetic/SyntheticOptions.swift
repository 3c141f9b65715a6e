//===--- SyntheticOptions.swift -------------------------------------------===//
//
// The knobs of the synthetic two-photon calcium-imaging generator (SyntheticGenerator.swift),
// its four presets, and their validation. Physical units throughout: micrometres (µm) for
// lengths in the tissue, seconds for times, Hz for rates, photons per pixel per frame for light,
// ADU (analog-to-digital units, the values of the UInt16 frames) for the detector.
//
// Lengths are given in µm, not pixels, so that the tissue (vessels, haze, neurons, assemblies)
// is laid out independently of the sampling: the `.standard` preset (192 x 128 pixels of 4 µm)
// and the `.full` preset (768 x 512 pixels of 1 µm) show the same 768 x 512 µm field for the same
// seed, the first at the resolution the paper's pipeline reaches after crop and downscale 4.
//
//===----------------------------------------------------------------------===//

/// Options of the synthetic two-photon generator. `init()` gives the `.standard` preset; every
/// knob has a documented unit and default, and `validate()` says what is wrong with a bad set.
///
/// The model (details in SyntheticGenerator.swift and the docs of each knob):
///
///     assembly latents      a_t = A_c a_{t-1} + D_c e_t        (c = condition of the run)
///     neuron rates          r_n(t) = min(maxRate, r0_n exp(g w_n a_{m(n)}(t)))       [Hz]
///     spikes                s_n(t) ~ Poisson(r_n(t) / frameRate), uniform times in the frame
///     calcium               dF/F_n(t) = amp_n * sum_spikes h(t - t_s) / max h,
///                           h(t) = exp(-t / decay_n) - exp(-t / rise)
///     expected photons      E(p, t) = (1 + drift_t) exp(-beta t) * [ B(p) (1 + sum_m npl G_m(p) dF/F_m(t))
///                                       + sum_n P_n(p) (1 + dF/F_n(t)) ],  moved by the motion
///     frame (ADU, UInt16)   round(offset + gain_run * Poisson(E) + readNoise * N(0, 1)),
///                           clamped to 0...65535
import SparseVAR

public struct SyntheticTwoPhotonOptions: Sendable, Equatable {
  /// Named option sets; see `preset(_:seed:)` for their values.
  public enum Preset: String, Sendable, CaseIterable {
    /// For unit tests: 10 runs of 60-120 frames (mean 80) at 48 x 32 pixels of 4 µm, 4
    /// assemblies (2 differing). About 2.5 MB of frames.
    case tiny
    /// The default demo: 20 runs of 150-300 frames (mean 200) at 96 x 64 pixels of 4 µm, 8
    /// assemblies (3 differing), in the paper's blocks of five (so each half of a condition has
    /// five runs, as in the paper's split tests). About 50 MB of frames, generated in about
    /// 0.7 s. On the assemblies' own pixel traces (seeds 1-4) a sparse VAR separates every
    /// half of F from every half of N (coefficient-swap p < 1e-4) while the within-condition
    /// halves stay near p = 0.3-0.8 (`SyntheticTests.validationOnAssemblyTraces`).
    case small
    /// The paper's preprocessed resolution: 20 runs of 200-400 frames (mean 260, about 5200
    /// frames) at 192 x 128 pixels of 4 µm, 16 assemblies (4 differing). About 255 MB of
    /// frames, generated in 2.5-5 s on 2 cores (release); training at depth 3 takes about 3.5
    /// minutes per epoch and model on 2 cores.
    case standard
    /// The paper's acquisition: 40 runs of 306-1206 frames (mean 435) at 768 x 512 pixels of
    /// 1 µm, the same tissue as `.standard` sampled 4 times finer; the pipeline crops to
    /// 768 x 512 and downscales by 4 to 192 x 128 (`FramePreprocessing.paper`). About 13.7 GB of
    /// raw frames: generate it run by run (`SyntheticTwoPhotonGenerator`), never at once
    /// (about 135 s for all frames on 2 cores, release).
    case full
  }

  // MARK: - Seed and threads

  /// Determines everything: the same options give a bit-identical movie and ground truth
  /// (on the same machine and toolchain; the thread count plays no part).
  public var seed: UInt64 = 1
  /// Worker threads for rendering frames (0 = all cores). Results do not depend on it.
  public var threads: Int = 0

  // MARK: - Field of view and acquisition

  /// Frame height H in pixels (rows).
  public var height: Int = 192
  /// Frame width W in pixels (columns).
  public var width: Int = 128
  /// Pixel size in µm: the field of view is (H x W) * micronsPerPixel µm.
  public var micronsPerPixel: Double = 4
  /// Frames per second (Hz). All time constants below are in seconds and converted with it.
  public var frameRate: Double = 30

  // MARK: - Runs

  /// Number of runs N.
  public var runCount: Int = 20
  /// Shortest and longest run, in frames. Every run length lies in this range.
  public var frameCountRange: ClosedRange<Int> = 200...400
  /// Target mean run length in frames (inside `frameCountRange`). Lengths are the quantiles
  /// min + (max - min) q^k at q = (i + 1/2) / N, i = 0..<N, with k chosen so that their mean is
  /// this value (a right-skewed spread like the paper's 306-1206 frames, mean 435), rounded to
  /// whole frames (their mean is within 0.5 frame of the target), dealt to the condition blocks
  /// so that every block gets a stratified sample of them (so F, N and any union of blocks have
  /// matched lengths: a VAR fitted to a shorter run has more spurious coefficients, which alone
  /// would make groups differ), and shuffled within each block by the seed. With min == max
  /// every run has that length.
  public var meanFrameCount: Double = 260
  /// Condition blocks: runs 0..<b are familiar (F, label 0), runs b..<2b novel (N, label 1), and
  /// so on: label(i) = (i / b) % 2. The paper's pattern is b = 5.
  public var blockLength: Int = 5

  // MARK: - Tissue: assemblies and neurons

  /// Number of neural assemblies M (spatially compact groups of co-active neurons).
  public var assemblyCount: Int = 16
  /// Assemblies whose outgoing coupling differs between F and N (0 = identical networks: a null
  /// dataset for checking false positives). At most M - `differingOutDegree`.
  public var differingAssemblyCount: Int = 4
  /// The null experiment: both conditions share one coupling matrix (A_N = A_F, D_N = D_F), so
  /// that F and N differ in nothing but chance, per-run brightness and the run lengths; the
  /// network and scene are those of the planted-difference experiment of the same seed, and the
  /// ground truth lists no differing assembly (an all-zero mask). For measuring false positives
  /// of the whole pipeline. Default false.
  public var nullExperiment: Bool = false
  /// Neurons per assembly (uniform in the range, per assembly).
  public var neuronsPerAssembly: ClosedRange<Int> = 14...20
  /// Neurons that belong to no assembly (assembly -1); each fires from its own independent
  /// unit-variance AR(1) latent with a coefficient drawn from `selfCoupling`.
  public var independentNeuronCount: Int = 60
  /// Radius in µm of the disk an assembly's neurons are scattered in (uniformly). Assembly
  /// centres are at least 1.8 radii apart where the field allows (else closer, down to 0.6).
  public var assemblyRadius: Double = 45
  /// Soma radius in µm (uniform per neuron); somata are ellipses of axis ratio 0.75-1.
  public var neuronRadius: ClosedRange<Double> = 5...8
  /// Minimum distance between two neuron centres as a fraction of the sum of their radii
  /// (1 = disks just touch; below 1 they may overlap a little).
  public var neuronSpacing: Double = 0.9
  /// Darkening of the soma's centre by the nucleus (GCaMP is cytosolic): the footprint is
  /// multiplied by 1 - nucleusDarkening * exp(-(d / 0.45)^2), d the normalised soma radius.
  public var nucleusDarkening: Double = 0.35

  // MARK: - Latent dynamics of the assemblies

  /// Self coupling A[m, m] of each assembly latent (uniform per assembly, same in F and N).
  /// 0.5-0.7 at 30 Hz: latent time constants of 1.5-3 frames (50-100 ms), so that a source's
  /// bursts are followed by its targets' within the 5 lags of the paper's VAR.
  /// The network is a DAG in a random topological order, so A is triangular up to a
  /// permutation and its spectral radius is the largest self coupling: stable when < 1.
  public var selfCoupling: ClosedRange<Double> = 0.5...0.7
  /// Edges between assemblies that are the same in F and N, per assembly: round(M * this)
  /// edges j -> i between a non-differing source j and a later assembly i in the topological
  /// order (fewer when the DAG has fewer free pairs).
  public var sharedEdgesPerAssembly: Double = 1
  /// |A[i, j]| of a shared edge (uniform).
  public var sharedCouplingStrength: ClosedRange<Double> = 0.1...0.2
  /// Probability that a shared edge is inhibitory (negative).
  public var inhibitoryFraction: Double = 0.25
  /// Outgoing edges of each differing assembly (to distinct later assemblies), all excitatory.
  public var differingOutDegree: Int = 3
  /// A[i, j] of a differing assembly's edges in the familiar condition F (uniform; usually
  /// scaled down by `maximumDrivenVariance`, so that the sources drive their targets as hard as
  /// stationarity allows).
  public var differingCouplingStrength: ClosedRange<Double> = 0.5...0.7
  /// In the novel condition N the differing assemblies' edges are multiplied by this factor
  /// (0 = absent in N: F has the higher outflow, as the paper reports). Must not be 1 when
  /// there are differing assemblies.
  public var novelCouplingScale: Double = 0
  /// Innovation standard deviations D_c are chosen per condition so that every assembly latent
  /// has unit stationary variance in both conditions (so firing rates have the same distribution
  /// in F and N: only the dynamics differ). When the inputs alone would give an assembly more
  /// than this fraction of its variance, its incoming off-diagonal weights (in both conditions
  /// alike) are scaled down until they give exactly this fraction.
  public var maximumDrivenVariance: Double = 0.9

  // MARK: - Spiking

  /// Baseline rate r0_n in Hz (uniform per neuron): the rate at latent 0. With the defaults
  /// (r0 = 4-8 Hz, g = 0.7, unit-variance latents) neurons fire tonically at a mean of about
  /// 7 Hz, their rate following the latent almost linearly (a factor of 2 up or down at one
  /// standard deviation), so that the assemblies' dF/F is close to a linear filter of their
  /// latents and a linear VAR can see the coupling through the indicator. Measured on the small
  /// preset (seeds 1-3): with bursty firing instead (r0 = 0.02-0.05 Hz, g = 3, mean 0.75 Hz)
  /// the coefficient-swap tests on the assemblies' own pixel traces reached only p = 0.04-0.6
  /// between conditions; with these defaults they reach p < 1e-5 (docs/synthetic.md).
  public var baseRate: ClosedRange<Double> = 4...8
  /// Gain g of the exponential link from the unit-variance latent to the log rate.
  public var rateGain: Double = 0.7
  /// Participation w_n of an assembly neuron in its assembly's latent (uniform per neuron).
  public var participation: ClosedRange<Double> = 0.7...1.0
  /// Upper limit of the rate in Hz.
  public var maximumRate: Double = 40

  // MARK: - Calcium indicator (GCaMP6-like)

  /// Rise time constant of the indicator kernel in seconds.
  public var riseTime: Double = 0.05
  /// Decay time constant in seconds (uniform per neuron).
  public var decayTime: ClosedRange<Double> = 0.4...0.7
  /// Peak dF/F of one spike's transient (uniform per neuron). Transients add linearly.
  public var spikeAmplitude: ClosedRange<Double> = 0.25...0.5

  // MARK: - Optics: the static scene

  /// Mean neuropil and autofluorescence background in photons per pixel per frame, before the
  /// haze, illumination and vessel factors.
  public var backgroundPhotons: Double = 6
  /// Relative RMS of the neuropil haze, a smooth random field (16 plane waves of wavelengths
  /// 60-400 µm, amplitude proportional to the wavelength), floored at 5% of the mean.
  public var hazeContrast: Double = 0.3
  /// Illumination ramp: the light varies by this fraction across the field along a random
  /// direction (1 + gradient * s, s in [-1/2, 1/2]).
  public var illuminationGradient: Double = 0.3
  /// Vignetting: the light falls to 1 - vignetting at the corners (quadratic, around a centre
  /// offset randomly by up to 10% of the field).
  public var vignetting: Double = 0.3
  /// Number of dark vessels (quadratic Bezier curves from one edge of the field to another).
  public var vesselCount: Int = 3
  /// Vessel width in µm (uniform per vessel): the transmission is
  /// 1 - vesselDarkening * exp(-2 (d / width)^2), d the distance to the centre line.
  public var vesselWidth: ClosedRange<Double> = 8...16
  /// Darkening at a vessel's centre line (0 = invisible, 1 = black).
  public var vesselDarkening: Double = 0.75
  /// Baseline (F0) of a soma in photons per pixel per frame at full footprint (uniform per
  /// neuron), before the illumination and vessel factors.
  public var neuronBaselinePhotons: ClosedRange<Double> = 10...20
  /// Neuropil contamination: around assembly m the background brightens by
  /// npl * G_m(p) * (mean dF/F of m's neurons), G_m a Gaussian of sigma = assemblyRadius, peak 1.
  public var neuropilCoupling: Double = 0.15

  // MARK: - Detector

  /// ADU per detected photon.
  public var photonGain: Double = 30
  /// ADU at zero light (dark offset).
  public var offset: Double = 100
  /// Standard deviation of the Gaussian read noise in ADU.
  public var readNoise: Double = 10

  // MARK: - Nuisances

  /// Slow multiplicative brightness drift: stationary standard deviation of an AR(1) with time
  /// constant `driftTimeConstant` (0 = none).
  public var driftAmplitude: Double = 0.02
  /// Time constant of the drift in seconds.
  public var driftTimeConstant: Double = 10
  /// Standard deviation of a per-run brightness offset (laser power, run to run).
  public var runBrightnessVariation: Double = 0.03
  /// Standard deviation of a per-run detector gain (photomultiplier voltage, run to run): the
  /// run's ADU per photon is photonGain * max(0.2, 1 + runGainVariation * N(0, 1)); the offset
  /// and read noise are not scaled. Default 0.1.
  public var runGainVariation: Double = 0.1
  /// Photobleaching: each run's light decays as exp(-rate * t), t in seconds from the run's
  /// first frame, with a rate drawn per run uniformly from this range (1/s). The default
  /// 0...0.02 loses up to 10% of the light over a 5 s run of the small preset.
  public var bleachingRate: ClosedRange<Double> = 0...0.02
  /// Rigid motion jitter: stationary standard deviation in µm of the shift along each axis, an
  /// AR(1) with time constant `motionTimeConstant` (0 = no motion). Frame pixel (i, j) shows the
  /// scene at (i - dy, j - dx) pixels, bilinearly interpolated, edges clamped. Off by default
  /// (registered data, as the pipeline expects): motion is common to every pixel, so even 1 µm
  /// (a quarter pixel at 4 µm) adds a shared slow signal at every soma edge that swamps the
  /// assemblies' couplings in a VAR; use it to test robustness to unregistered data.
  public var motionAmplitude: Double = 0
  /// Time constant of the motion in seconds.
  public var motionTimeConstant: Double = 0.5
  /// Round the shifts to whole pixels (no interpolation).
  public var integerMotion: Bool = false

  /// The `.standard` preset with seed 1.
  public init() {}

  /// The options of a preset. Only the sizes, counts and run lengths differ between presets;
  /// the physics (rates, kernels, photons, noise) is the same.
  public static func preset(_ preset: Preset, seed: UInt64 = 1) -> SyntheticTwoPhotonOptions {
    var o = SyntheticTwoPhotonOptions()
    o.seed = seed
    switch preset {
    case .tiny:
      o.height = 48
      o.width = 32
      o.runCount = 10
      o.frameCountRange = 60...120
      o.meanFrameCount = 80
      o.assemblyCount = 4
      o.differingAssemblyCount = 2
      o.differingOutDegree = 2
      o.neuronsPerAssembly = 5...7
      o.independentNeuronCount = 6
      o.assemblyRadius = 20
      o.vesselCount = 1
    case .small:
      o.height = 96
      o.width = 64
      o.runCount = 20
      o.frameCountRange = 150...300
      o.meanFrameCount = 200
      o.assemblyCount = 8
      o.differingAssemblyCount = 3
      o.independentNeuronCount = 20
      o.assemblyRadius = 40
      o.vesselCount = 2
    case .standard:
      break
    case .full:
      o.height = 768
      o.width = 512
      o.micronsPerPixel = 1
      o.runCount = 40
      o.frameCountRange = 306...1206
      o.meanFrameCount = 435
    }
    return o
  }

  /// The preprocessing the pipeline should apply: the paper's (crop 768 x 512, downscale 4)
  /// when the frames are at least 768 x 512, none otherwise.
  public var recommendedPreprocessing: FramePreprocessing {
    height >= 768 && width >= 512 ? .paper : FramePreprocessing()
  }

  /// Condition label of run `index`: 0 = familiar (F), 1 = novel (N); (index / blockLength) % 2.
  public func condition(run index: Int) -> Int32 {
    Int32((index / max(1, blockLength)) % 2)
  }

  // MARK: - Validation

  /// Checks every knob; throws `.invalidArgument` naming the first bad one and its valid range.
  public func validate() throws {
    func fail(_ message: String) -> SparseVARError { .invalidArgument("synthetic options: " + message) }
    func finite(_ name: String, _ values: Double...) throws {
      for v in values where !v.isFinite { throw fail("\(name) must be finite, got \(v)") }
    }
    func positive(_ name: String, _ v: Double) throws {
      try finite(name, v)
      guard v > 0 else { throw fail("\(name) must be > 0, got \(v)") }
    }
    func nonNegative(_ name: String, _ v: Double) throws {
      try finite(name, v)
      guard v >= 0 else { throw fail("\(name) must be >= 0, got \(v)") }
    }
    func positiveRange(_ name: String, _ r: ClosedRange<Double>) throws {
      try finite(name, r.lowerBound, r.upperBound)
      guard r.lowerBound > 0 else { throw fail("\(name) must be > 0, got \(r)") }
    }
    func fraction(_ name: String, _ v: Double) throws {
      try finite(name, v)
      guard v >= 0, v <= 1 else { throw fail("\(name) must be in [0, 1], got \(v)") }
    }

    guard height >= 1, width >= 1 else {
      throw fail("the frame size must be at least 1 x 1 pixels, got \(height) x \(width)")
    }
    guard height <= 1 << 15, width <= 1 << 15 else {
      throw fail("the frame size \(height) x \(width) is too large (at most 32768 per side)")
    }
    try positive("micronsPerPixel", micronsPerPixel)
    try positive("frameRate", frameRate)
    guard threads >= 0 else { throw fail("threads must be >= 0 (0 = all cores), got \(threads)") }

    guard runCount >= 1, runCount <= 100_000 else { throw fail("runCount must be in 1...100000, got \(runCount)") }
    guard frameCountRange.lowerBound >= 1 else {
      throw fail("runs need at least 1 frame, got frameCountRange \(frameCountRange)")
    }
    guard frameCountRange.upperBound <= 1 << 20 else {
      throw fail("frameCountRange \(frameCountRange) exceeds 1048576 frames per run")
    }
    try finite("meanFrameCount", meanFrameCount)
    guard meanFrameCount >= Double(frameCountRange.lowerBound),
      meanFrameCount <= Double(frameCountRange.upperBound)
    else {
      throw fail("meanFrameCount \(meanFrameCount) is outside frameCountRange \(frameCountRange)")
    }
    if frameCountRange.lowerBound < frameCountRange.upperBound {
      guard meanFrameCount > Double(frameCountRange.lowerBound),
        meanFrameCount < Double(frameCountRange.upperBound)
      else {
        throw fail(
          "meanFrameCount \(meanFrameCount) must lie strictly inside frameCountRange "
            + "\(frameCountRange) when the range is not a single length")
      }
    }
    guard blockLength >= 1 else { throw fail("blockLength must be >= 1, got \(blockLength)") }

    guard assemblyCount >= 1 else { throw fail("assemblyCount must be >= 1, got \(assemblyCount)") }
    guard assemblyCount <= 4096 else { throw fail("assemblyCount must be <= 4096, got \(assemblyCount)") }
    guard differingAssemblyCount >= 0 else {
      throw fail("differingAssemblyCount must be >= 0, got \(differingAssemblyCount)")
    }
    if differingAssemblyCount > 0 {
      guard differingOutDegree >= 1 else {
        throw fail("differingOutDegree must be >= 1 when there are differing assemblies, got \(differingOutDegree)")
      }
      guard differingAssemblyCount + differingOutDegree <= assemblyCount else {
        throw fail(
          "differingAssemblyCount (\(differingAssemblyCount)) + differingOutDegree "
            + "(\(differingOutDegree)) must be <= assemblyCount (\(assemblyCount)): every differing "
            + "assembly needs that many later assemblies to drive")
      }
      try finite("novelCouplingScale", novelCouplingScale)
      guard novelCouplingScale != 1 else {
        throw fail("novelCouplingScale must not be 1: F and N would not differ")
      }
      try positiveRange("differingCouplingStrength", differingCouplingStrength)
    } else {
      guard differingOutDegree >= 0 else { throw fail("differingOutDegree must be >= 0, got \(differingOutDegree)") }
      try finite("novelCouplingScale", novelCouplingScale)
      try finite("differingCouplingStrength", differingCouplingStrength.lowerBound, differingCouplingStrength.upperBound)
    }
    guard neuronsPerAssembly.lowerBound >= 1 else {
      throw fail("neuronsPerAssembly must be >= 1, got \(neuronsPerAssembly)")
    }
    guard independentNeuronCount >= 0 else {
      throw fail("independentNeuronCount must be >= 0, got \(independentNeuronCount)")
    }
    let neurons = assemblyCount.multipliedReportingOverflow(by: neuronsPerAssembly.upperBound)
    guard !neurons.overflow, neurons.partialValue + independentNeuronCount <= 100_000 else {
      throw fail("at most 100000 neurons, got up to \(assemblyCount) x \(neuronsPerAssembly.upperBound) + \(independentNeuronCount)")
    }
    try positive("assemblyRadius", assemblyRadius)
    try positiveRange("neuronRadius", neuronRadius)
    try finite("neuronSpacing", neuronSpacing)
    guard neuronSpacing >= 0, neuronSpacing <= 2 else {
      throw fail("neuronSpacing must be in [0, 2], got \(neuronSpacing)")
    }
    try fraction("nucleusDarkening", nucleusDarkening)

    try finite("selfCoupling", selfCoupling.lowerBound, selfCoupling.upperBound)
    guard selfCoupling.lowerBound >= 0, selfCoupling.upperBound < 1 else {
      throw fail("selfCoupling must lie in [0, 1) for stable dynamics, got \(selfCoupling)")
    }
    try nonNegative("sharedEdgesPerAssembly", sharedEdgesPerAssembly)
    guard sharedEdgesPerAssembly <= Double(assemblyCount) else {
      throw fail("sharedEdgesPerAssembly must be <= assemblyCount, got \(sharedEdgesPerAssembly)")
    }
    try finite("sharedCouplingStrength", sharedCouplingStrength.lowerBound, sharedCouplingStrength.upperBound)
    guard sharedCouplingStrength.lowerBound >= 0 else {
      throw fail("sharedCouplingStrength must be >= 0, got \(sharedCouplingStrength)")
    }
    try fraction("inhibitoryFraction", inhibitoryFraction)
    try finite("maximumDrivenVariance", maximumDrivenVariance)
    guard maximumDrivenVariance > 0, maximumDrivenVariance < 1 else {
      throw fail("maximumDrivenVariance must be in (0, 1), got \(maximumDrivenVariance)")
    }

    try positiveRange("baseRate", baseRate)
    try nonNegative("rateGain", rateGain)
    guard rateGain <= 10 else { throw fail("rateGain must be <= 10, got \(rateGain)") }
    try finite("participation", participation.lowerBound, participation.upperBound)
    guard participation.lowerBound >= 0 else { throw fail("participation must be >= 0, got \(participation)") }
    try positive("maximumRate", maximumRate)
    guard maximumRate <= 4 * frameRate else {
      throw fail("maximumRate (\(maximumRate) Hz) must be <= 4 spikes per frame (\(4 * frameRate) Hz)")
    }

    try positive("riseTime", riseTime)
    try positiveRange("decayTime", decayTime)
    guard decayTime.lowerBound > riseTime else {
      throw fail("decayTime (\(decayTime) s) must be longer than riseTime (\(riseTime) s)")
    }
    try finite("spikeAmplitude", spikeAmplitude.lowerBound, spikeAmplitude.upperBound)
    guard spikeAmplitude.lowerBound >= 0 else { throw fail("spikeAmplitude must be >= 0, got \(spikeAmplitude)") }

    try nonNegative("backgroundPhotons", backgroundPhotons)
    try nonNegative("hazeContrast", hazeContrast)
    try nonNegative("illuminationGradient", illuminationGradient)
    guard illuminationGradient < 2 else {
      throw fail("illuminationGradient must be < 2 (the light would vanish), got \(illuminationGradient)")
    }
    try fraction("vignetting", vignetting)
    guard vignetting < 1 else { throw fail("vignetting must be < 1 (the corners would be black), got \(vignetting)") }
    guard vesselCount >= 0, vesselCount <= 1000 else {
      throw fail("vesselCount must be in 0...1000, got \(vesselCount)")
    }
    try positiveRange("vesselWidth", vesselWidth)
    try fraction("vesselDarkening", vesselDarkening)
    try finite("neuronBaselinePhotons", neuronBaselinePhotons.lowerBound, neuronBaselinePhotons.upperBound)
    guard neuronBaselinePhotons.lowerBound >= 0 else {
      throw fail("neuronBaselinePhotons must be >= 0, got \(neuronBaselinePhotons)")
    }
    guard backgroundPhotons > 0 || neuronBaselinePhotons.upperBound > 0 else {
      throw fail("backgroundPhotons and neuronBaselinePhotons are both 0: the movie would be dark")
    }
    try nonNegative("neuropilCoupling", neuropilCoupling)

    try positive("photonGain", photonGain)
    try finite("offset", offset)
    guard offset >= 0, offset <= 65535 else { throw fail("offset must be in 0...65535 ADU, got \(offset)") }
    try nonNegative("readNoise", readNoise)

    try nonNegative("driftAmplitude", driftAmplitude)
    guard driftAmplitude <= 0.5 else { throw fail("driftAmplitude must be <= 0.5, got \(driftAmplitude)") }
    try positive("driftTimeConstant", driftTimeConstant)
    try nonNegative("runBrightnessVariation", runBrightnessVariation)
    guard runBrightnessVariation <= 0.5 else {
      throw fail("runBrightnessVariation must be <= 0.5, got \(runBrightnessVariation)")
    }
    try nonNegative("runGainVariation", runGainVariation)
    guard runGainVariation <= 0.5 else {
      throw fail("runGainVariation must be <= 0.5, got \(runGainVariation)")
    }
    try finite("bleachingRate", bleachingRate.lowerBound, bleachingRate.upperBound)
    guard bleachingRate.lowerBound >= 0, bleachingRate.upperBound <= 10 else {
      throw fail("bleachingRate must lie in [0, 10] per second, got \(bleachingRate)")
    }
    try nonNegative("motionAmplitude", motionAmplitude)
    try positive("motionTimeConstant", motionTimeConstant)

    // The brightest pixel must fit a Poisson draw comfortably (and UInt16 sensibly).
    let peak = backgroundPhotons * (1 + 3 * hazeContrast) * (1 + illuminationGradient)
      + neuronBaselinePhotons.upperBound * (1 + illuminationGradient) * 20
    guard peak * photonGain < 1e7 else {
      throw fail("the light levels and photonGain are far beyond the 16-bit range of the frames")
    }
  }
}
