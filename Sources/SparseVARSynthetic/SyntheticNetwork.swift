//===--- SyntheticNetwork.swift -------------------------------------------===//
//
// The ground-truth network of the synthetic generator: a sparse, stable VAR(1) among the M
// assembly latents, one coupling matrix per condition,
//
//     a_t = A_c a_{t-1} + D_c e_t,      e_t ~ N(0, I_M),   c in {F = 0, N = 1},
//
// A_c[i, j] = the effect of assembly j at t-1 on assembly i at t (row-major, `[i * M + j]`, the
// convention of SparseVARModel's A_k[j, l]).
//
// Construction (from the seed; SyntheticTwoPhotonOptions names the knobs):
//   1. a random topological order of the assemblies; every edge j -> i goes from an earlier to a
//      later assembly in it, so A_c is triangular up to that permutation: its eigenvalues are
//      the self couplings A[m, m] < 1, the dynamics are stable in both conditions, and the
//      spectral radius is the largest self coupling;
//   2. the D differing assemblies are drawn among the first M - outDegree positions; each gets
//      `differingOutDegree` excitatory edges to distinct later assemblies, of weight w in F and
//      `novelCouplingScale` * w in N. These columns are the ONLY entries where A_F and A_N
//      differ: the differing assemblies are exactly those whose outflow
//      c_j = sum_{i != j} |A[i, j]| differs;
//   3. round(M * sharedEdgesPerAssembly) shared edges, from non-differing sources to later
//      assemblies, with the same signed weight in F and N (inhibitory with probability
//      `inhibitoryFraction`);
//   4. the innovation scales D_c are solved, assembly by assembly in topological order, so that
//      every latent has unit stationary variance in BOTH conditions (firing-rate distributions
//      are then alike in F and N; only the dynamics differ). If the inputs alone would explain
//      more than `maximumDrivenVariance` of an assembly's variance in either condition, that
//      assembly's incoming off-diagonal weights are scaled down, in both conditions alike (so
//      step 2's property holds), to give exactly that fraction.
//
// With `nullExperiment` the network is built exactly as above and then N gets F's matrix and
// innovation scales (A_N = A_F, D_N = D_F): no assembly differs, and the same seed's scene,
// activity streams and nuisances are those of the planted-difference experiment.
//
// The stationary covariance solves the discrete Lyapunov equation S = A S A^T + D^2. With A
// triangular in the topological order it is solved exactly by substitution over the pairs
// (i, j), j <= i, in that order: S_ij (1 - A_ii A_jj) = sum over (k, l) != (i, j) of
// A_ik A_jl S_kl + [i == j] d_i^2.
//
//===----------------------------------------------------------------------===//

/// The ground-truth coupling of the assembly latents in the two conditions.
import SparseVAR

public struct SyntheticAssemblyNetwork: Sendable, Equatable {
  /// Number of assemblies M.
  public let assemblyCount: Int
  /// A_F, M x M row-major: `familiar[i * M + j]` = effect of assembly j at t-1 on i at t.
  public let familiar: [Double]
  /// A_N, M x M row-major, as `familiar`.
  public let novel: [Double]
  /// Innovation standard deviation D_F of each assembly (unit stationary variance in F).
  public let familiarNoise: [Double]
  /// Innovation standard deviation D_N of each assembly (unit stationary variance in N).
  public let novelNoise: [Double]
  /// The assemblies in topological order: every edge goes from an earlier to a later one.
  public let topologicalOrder: [Int]
  /// The assemblies whose outgoing coupling differs between F and N, ascending.
  public let differingAssemblies: [Int]
  /// Stationary covariances (M x M) of the latents in F and N; unit diagonal.
  let familiarCovariance: [Double]
  let novelCovariance: [Double]

  /// The coupling matrix of a condition (0 = F, anything else = N).
  public func coupling(_ condition: Int32) -> [Double] { condition == 0 ? familiar : novel }

  /// The innovation standard deviations of a condition (0 = F, anything else = N).
  public func innovation(_ condition: Int32) -> [Double] { condition == 0 ? familiarNoise : novelNoise }

  /// The stationary covariance (M x M, row-major, unit diagonal) of a condition's latents.
  public func stationaryCovariance(_ condition: Int32) -> [Double] {
    condition == 0 ? familiarCovariance : novelCovariance
  }

  /// Outflow of every assembly in a condition: c_j = sum_{i != j} |A[i, j]| (the ground-truth
  /// counterpart of a VAR's influence vector).
  public func outflow(_ condition: Int32) -> [Double] {
    let a = coupling(condition)
    let m = assemblyCount
    return (0..<m).map { j in
      var c = 0.0
      for i in 0..<m where i != j { c += abs(a[i * m + j]) }
      return c
    }
  }

  /// The spectral radius of A_F and of A_N: the largest self coupling (A is triangular up to a
  /// permutation).
  public var spectralRadius: Double {
    (0..<assemblyCount).map { abs(familiar[$0 * assemblyCount + $0]) }.max() ?? 0
  }

  /// Builds the network from the options' seed (see the file header).
  static func make(_ options: SyntheticTwoPhotonOptions) -> SyntheticAssemblyNetwork {
    var random = SyntheticStream(seed: options.seed, purpose: .network)
    let m = options.assemblyCount
    var order = Array(0..<m)
    random.shuffle(&order)
    var position = [Int](repeating: 0, count: m)
    for (p, a) in order.enumerated() { position[a] = p }

    // Differing assemblies among the first M - outDegree positions.
    let d = options.differingAssemblyCount
    var differing: [Int] = []
    if d > 0 {
      var candidates = Array(0..<(m - options.differingOutDegree))
      random.shuffle(&candidates)
      differing = candidates.prefix(d).map { order[$0] }.sorted()
    }
    let isDiffering = (0..<m).map { differing.contains($0) }

    var familiar = [Double](repeating: 0, count: m * m)
    for a in 0..<m { familiar[a * m + a] = random.uniform(options.selfCoupling) }
    var novel = familiar

    // Differing edges, in the order of their sources' positions.
    for j in differing.sorted(by: { position[$0] < position[$1] }) {
      var later = Array((position[j] + 1)..<m)
      random.shuffle(&later)
      for p in later.prefix(options.differingOutDegree) {
        let i = order[p]
        let w = random.uniform(options.differingCouplingStrength)
        familiar[i * m + j] = w
        novel[i * m + j] = w * options.novelCouplingScale
      }
    }

    // Shared edges between free (source position < target position) pairs.
    var pairs: [(Int, Int)] = []
    for sp in 0..<m where !isDiffering[order[sp]] {
      for tp in (sp + 1)..<max(sp + 1, m) { pairs.append((order[sp], order[tp])) }
    }
    random.shuffle(&pairs)
    let sharedCount = min(pairs.count, Int((Double(m) * options.sharedEdgesPerAssembly).rounded()))
    for (j, i) in pairs.prefix(sharedCount) {
      let magnitude = random.uniform(options.sharedCouplingStrength)
      let w = random.bernoulli(options.inhibitoryFraction) ? -magnitude : magnitude
      familiar[i * m + j] = w
      novel[i * m + j] = w
    }

    // Innovation scales for unit stationary variance; scale rows that are driven too hard.
    var lyapunovF = TriangularLyapunov(order: order)
    var lyapunovN = TriangularLyapunov(order: order)
    var noiseF = [Double](repeating: 0, count: m)
    var noiseN = [Double](repeating: 0, count: m)
    for p in 0..<m {
      let i = order[p]
      var vF = lyapunovF.solveRow(p, familiar)
      var vN = lyapunovN.solveRow(p, novel)
      let worst = max(vF, vN)
      if worst > options.maximumDrivenVariance {
        let f = (options.maximumDrivenVariance / worst).squareRoot()
        for j in 0..<m where j != i {
          familiar[i * m + j] *= f
          novel[i * m + j] *= f
        }
        vF = lyapunovF.solveRow(p, familiar)
        vN = lyapunovN.solveRow(p, novel)
      }
      let self2 = familiar[i * m + i] * familiar[i * m + i]
      noiseF[i] = (max(0, 1 - vF) * (1 - self2)).squareRoot()
      noiseN[i] = (max(0, 1 - vN) * (1 - self2)).squareRoot()
      lyapunovF.finishRow(p, familiar, noise: noiseF[i])
      lyapunovN.finishRow(p, novel, noise: noiseN[i])
    }

    if options.nullExperiment {
      // The null experiment: N runs with F's network, drawn exactly as above so that A_F, the
      // scene and every other stream are those of the same seed's planted-difference experiment.
      return SyntheticAssemblyNetwork(
        assemblyCount: m, familiar: familiar, novel: familiar, familiarNoise: noiseF, novelNoise: noiseF,
        topologicalOrder: order, differingAssemblies: [],
        familiarCovariance: lyapunovF.covariance(), novelCovariance: lyapunovF.covariance())
    }
    return SyntheticAssemblyNetwork(
      assemblyCount: m, familiar: familiar, novel: novel, familiarNoise: noiseF, novelNoise: noiseN,
      topologicalOrder: order, differingAssemblies: differing,
      familiarCovariance: lyapunovF.covariance(), novelCovariance: lyapunovN.covariance())
  }
}

/// The stationary covariance of a VAR(1) whose matrix is lower triangular in a given order,
/// built row by row in that order (see the file header). Indices below are positions.
struct TriangularLyapunov {
  let order: [Int]
  /// S by positions, M x M, filled for pairs (i, j) with j <= i.
  var s: [Double]

  init(order: [Int]) {
    self.order = order
    s = [Double](repeating: 0, count: order.count * order.count)
  }

  @inline(__always)
  func entry(_ i: Int, _ j: Int) -> Double {
    let m = order.count
    return i >= j ? s[i * m + j] : s[j * m + i]
  }

  /// Inputs of position i: (position k, weight A[order i, order k]) for k <= i, nonzero.
  func inputs(_ i: Int, _ a: [Double]) -> [(Int, Double)] {
    let m = order.count
    var out: [(Int, Double)] = []
    for k in 0...i {
      let w = a[order[i] * m + order[k]]
      if w != 0 { out.append((k, w)) }
    }
    return out
  }

  /// Fills S[i, j] for j < i and returns the driven variance of position i (its variance with
  /// its own innovation set to zero).
  mutating func solveRow(_ i: Int, _ a: [Double]) -> Double {
    let m = order.count
    let rowI = inputs(i, a)
    let selfI = a[order[i] * m + order[i]]
    for j in 0...i {
      let rowJ = j == i ? rowI : inputs(j, a)
      let selfJ = a[order[j] * m + order[j]]
      var sum = 0.0
      for (k, wk) in rowI {
        for (l, wl) in rowJ where !(k == i && l == j) { sum += wk * wl * entry(k, l) }
      }
      if j < i {
        s[i * m + j] = sum / (1 - selfI * selfJ)
      } else {
        s[i * m + i] = sum / (1 - selfI * selfI)
      }
    }
    return s[i * m + i]
  }

  /// Adds position i's own innovation (standard deviation `noise`) to its variance.
  mutating func finishRow(_ i: Int, _ a: [Double], noise: Double) {
    let m = order.count
    let selfI = a[order[i] * m + order[i]]
    s[i * m + i] += noise * noise / (1 - selfI * selfI)
  }

  /// The covariance by assembly index, M x M row-major.
  func covariance() -> [Double] {
    let m = order.count
    var out = [Double](repeating: 0, count: m * m)
    for i in 0..<m {
      for j in 0..<m { out[order[i] * m + order[j]] = entry(i, j) }
    }
    return out
  }
}
