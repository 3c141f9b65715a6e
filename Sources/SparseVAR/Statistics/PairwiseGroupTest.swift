//===--- PairwiseGroupTest.swift ------------------------------------------===//
//
// The intra- versus inter-group test on a matrix of pairwise values between runs, shared by the
// coefficient-swap test (D = Delta, Delta_ij = E_{i<-j} - E_{i<-i}) and the influence-distance
// test (D_ij = ||c^(i) - c^(j)||^2): a rank-sum test that the values of pairs across the two
// groups are stochastically greater than those of pairs within a group (the paper's statistic),
// calibrated by a permutation test that relabels whole runs: the values of pairs sharing a run
// are not independent, so the rank-sum's own p-value claims more than the runs can carry, and
// the run-relabelling p-value is the one a verdict rests on.
//
//===----------------------------------------------------------------------===//

/// The result of `pairwiseGroupTest`.
public struct PairwiseGroupTestResult: Sendable {
  /// U of the inter-group sample (scipy's `mannwhitneyu(inter, intra).statistic`).
  public var statistic: Double
  /// The test's p-value: the run-relabelling permutation p-value (exact or Monte Carlo, see
  /// `pairwiseGroupTest`), calibrated at the level of runs; NaN when `permutations` was 0.
  public var pValue: Double
  /// The paper's statistic: the rank-sum p-value of inter against intra pairs, alternative
  /// "inter greater", with the method of the options. Its pairs share runs, so it is not
  /// calibrated at the level of runs and can be far smaller than any run-level p-value.
  public var rankSumPValue: Double
  /// The smallest p-value the permutation test can return for these group sizes and options
  /// (`smallestAttainablePValue`); NaN when `permutations` was 0.
  public var smallestPValue: Double
  /// Number of inter-group ordered pairs, 2 |A| |B|.
  public var nInter: Int
  /// Number of intra-group ordered pairs, |A| (|A| - 1) + |B| (|B| - 1).
  public var nIntra: Int
  /// Relabelings evaluated: C(|A| + |B|, |A|) when exact, `permutations` for Monte Carlo, else 0.
  public var permutationsUsed: Int
  /// Whether `pValue` comes from enumerating every relabeling.
  public var permutationExact: Bool
}

/// Options of `pairwiseGroupTest`.
public struct PairwiseGroupTestOptions: Sendable, Equatable {
  /// Method of the rank-sum p-value.
  public var method: RankSumMethod
  /// Random relabelings for the Monte Carlo permutation p-value; 0 skips the permutation p-value.
  public var permutations: Int
  /// Seed of the relabeling generator (xoshiro256** seeded by SplitMix64; the same on every
  /// platform).
  public var seed: UInt64
  /// Enumerate all C(|A| + |B|, |A|) relabelings exactly when there are at most this many.
  public var exactLimit: Int

  public init(
    method: RankSumMethod = .asymptotic, permutations: Int = 9999, seed: UInt64 = 0,
    exactLimit: Int = 20000
  ) {
    self.method = method
    self.permutations = permutations
    self.seed = seed
    self.exactLimit = exactLimit
  }
}

/// Tests whether the pairwise values between runs of different groups exceed those between runs
/// of the same group.
///
/// intra = D[i, j] for all ordered pairs i != j within A or within B; inter = D[i, j] for i in A,
/// j in B and for i in B, j in A. Runs in neither group, and the diagonal, are ignored (they may
/// hold NaN). The p-value is `rankSumTest(inter, intra, alternative: .greater, method:)` with
/// continuity correction.
///
/// Permutation p-value (the result's `pValue`): D stays fixed and |A| of the |A| + |B| runs are
/// relabeled A (the rest B); p is the fraction of relabelings whose U is >= the observed U. With
/// at most `exactLimit` relabelings all are enumerated (the observed one included) and
/// p = count / total; otherwise `permutations` uniformly random relabelings give
/// p = (1 + count) / (1 + permutations) (the observed labelling counted once, so that p is
/// never 0 and the test is valid at every level). The smallest attainable p is
/// `smallestAttainablePValue(sizeA:sizeB:options:)`.
///
/// - Parameters:
///   - d: the N x N matrix, row-major (`d[i * n + j]` is the value of the ordered pair (i, j)).
///   - n: the number of runs N.
///   - groupA: indices in 0..<N of group A's runs (at least 2, no duplicates).
///   - groupB: indices of group B's runs (at least 2, no duplicates, disjoint from A).
/// - Throws: `.shape` when `d.count != n * n`; `.invalidArgument` for bad indices, duplicated or
///   overlapping runs, a group with fewer than 2 runs, or negative options; `.nonFinite` when a
///   used entry is NaN or infinite; `.numerical` when `.exact` is requested for samples too
///   large for it (see `rankSumTest`).
public func pairwiseGroupTest(
  _ d: [Double], runs n: Int, groupA: [Int], groupB: [Int],
  options: PairwiseGroupTestOptions = .init()
) throws -> PairwiseGroupTestResult {
  guard n >= 1 else {
    throw SparseVARError.invalidArgument("pairwiseGroupTest: runs must be >= 1, got \(n)")
  }
  let (square, overflow) = n.multipliedReportingOverflow(by: n)
  guard !overflow, d.count == square else {
    throw SparseVARError.shape(
      "pairwiseGroupTest: D must hold runs * runs = \(n) * \(n) values, got \(d.count)")
  }
  guard options.permutations >= 0 else {
    throw SparseVARError.invalidArgument(
      "pairwiseGroupTest: permutations must be >= 0, got \(options.permutations)")
  }
  guard options.exactLimit >= 0 else {
    throw SparseVARError.invalidArgument(
      "pairwiseGroupTest: exactLimit must be >= 0, got \(options.exactLimit)")
  }
  var owner = [String?](repeating: nil, count: n)
  for (name, group) in [("A", groupA), ("B", groupB)] {
    guard group.count >= 2 else {
      throw SparseVARError.invalidArgument(
        "pairwiseGroupTest: group \(name) needs at least 2 runs, got \(group.count)")
    }
    for run in group {
      guard run >= 0 && run < n else {
        throw SparseVARError.invalidArgument(
          "pairwiseGroupTest: group \(name) holds run index \(run), outside 0..<\(n)")
      }
      if let other = owner[run] {
        throw SparseVARError.invalidArgument(
          other == name
            ? "pairwiseGroupTest: run \(run) appears twice in group \(name)"
            : "pairwiseGroupTest: run \(run) is in both group A and group B")
      }
      owner[run] = name
    }
  }

  // Local indices: 0..<sizeA are A's runs, sizeA..<s are B's.
  let runs = groupA + groupB
  let s = runs.count
  let sizeA = groupA.count
  for a in 0..<s {
    for b in 0..<s where a != b {
      guard d[runs[a] * n + runs[b]].isFinite else {
        throw SparseVARError.nonFinite(
          "pairwiseGroupTest: D[\(runs[a]), \(runs[b])] is NaN or infinite")
      }
    }
  }
  func inA(_ a: Int) -> Bool { a < sizeA }
  var inter: [Double] = []
  var intra: [Double] = []
  inter.reserveCapacity(2 * sizeA * (s - sizeA))
  intra.reserveCapacity(s * (s - 1) - 2 * sizeA * (s - sizeA))
  for a in 0..<s {
    for b in 0..<s where a != b {
      let value = d[runs[a] * n + runs[b]]
      if inA(a) == inA(b) { intra.append(value) } else { inter.append(value) }
    }
  }
  let test = try rankSumTest(inter, intra, alternative: .greater, method: options.method)

  var permutationPValue = Double.nan
  var smallest = Double.nan
  var used = 0
  var exact = false
  if options.permutations > 0 {
    let labels = RunLabelStatistic(d, n: n, runs: runs)
    var members = Array(0..<sizeA)
    let observed = labels.crossSum(members: members)
    if let total = binomialUpTo(s, sizeA, limit: options.exactLimit) {
      // Enumerate every subset of size |A| in lexicographic order.
      var count = 0
      while true {
        if labels.crossSum(members: members) >= observed { count += 1 }
        var i = sizeA - 1
        while i >= 0 && members[i] == s - sizeA + i { i -= 1 }
        if i < 0 { break }
        members[i] += 1
        for j in (i + 1)..<sizeA { members[j] = members[j - 1] + 1 }
      }
      permutationPValue = Double(count) / Double(total)
      used = total
      exact = true
    } else {
      var generator = Xoshiro256StarStar(seed: options.seed)
      var order = Array(0..<s)
      var count = 0
      for _ in 0..<options.permutations {
        // Partial Fisher-Yates: the first sizeA entries are a uniform random subset.
        for i in 0..<sizeA {
          let j = i + Int(generator.next(below: UInt64(s - i)))
          order.swapAt(i, j)
        }
        if labels.crossSum(members: Array(order[0..<sizeA])) >= observed { count += 1 }
      }
      permutationPValue = Double(1 + count) / Double(1 + options.permutations)
      used = options.permutations
    }
    smallest = smallestAttainablePValue(sizeA: sizeA, sizeB: s - sizeA, options: options)
  }
  return PairwiseGroupTestResult(
    statistic: test.statistic, pValue: permutationPValue, rankSumPValue: test.pValue,
    smallestPValue: smallest,
    nInter: inter.count, nIntra: intra.count, permutationsUsed: used, permutationExact: exact)
}

/// The smallest p-value the run-relabelling permutation test of `pairwiseGroupTest` can return
/// for groups of `sizeA` and `sizeB` runs: 1 / (number of distinct splits) when the relabelings
/// are enumerated (C(a + b, a) splits, half as many when a == b, because a split and its mirror
/// image give the same statistic), 1 / (permutations + 1) for Monte Carlo. No outcome of the
/// runs, however extreme, gives a smaller p; a threshold below it cannot be reached. NaN when
/// `permutations` is 0 (no permutation test) or a size is below 1.
public func smallestAttainablePValue(sizeA: Int, sizeB: Int, options: PairwiseGroupTestOptions = .init())
  -> Double
{
  guard options.permutations > 0, sizeA >= 1, sizeB >= 1 else { return .nan }
  if let total = binomialUpTo(sizeA + sizeB, sizeA, limit: options.exactLimit) {
    return sizeA == sizeB ? 2 / Double(total) : 1 / Double(total)
  }
  return 1 / Double(options.permutations + 1)
}

// MARK: - Implementation details

/// The U statistic of a relabeling, up to a constant: the pooled sample (all ordered pairs of the
/// s runs) never changes, so its midranks are computed once, and twice the rank sum of the
/// inter-group pairs of a labelling is sum_{a in A', b not in A'} w[a][b], with
/// w[a][b] = 2 rank(a, b) + 2 rank(b, a). U = that / 2 - nInter (nInter + 1) / 2, and nInter is
/// the same for every relabeling, so comparing these integer sums compares the U's exactly.
struct RunLabelStatistic {
  let s: Int
  /// s x s, row-major, symmetric, zero diagonal.
  var weights: [Int]

  init(_ d: [Double], n: Int, runs: [Int]) {
    s = runs.count
    var values: [Double] = []
    values.reserveCapacity(s * (s - 1))
    for a in 0..<s {
      for b in 0..<s where a != b { values.append(d[runs[a] * n + runs[b]]) }
    }
    let ranks = doubledMidranks(values).doubled
    weights = [Int](repeating: 0, count: s * s)
    var k = 0
    for a in 0..<s {
      for b in 0..<s where a != b {
        weights[a * s + b] += ranks[k]
        weights[b * s + a] += ranks[k]
        k += 1
      }
    }
  }

  /// Twice the rank sum of the pairs between `members` (distinct local indices) and the others.
  func crossSum(members: [Int]) -> Int {
    var isMember = [Bool](repeating: false, count: s)
    for a in members { isMember[a] = true }
    var total = 0
    for a in members {
      for b in 0..<s where !isMember[b] { total += weights[a * s + b] }
    }
    return total
  }
}

/// C(n, k) when it is <= limit, else nil (computed without overflow).
func binomialUpTo(_ n: Int, _ k: Int, limit: Int) -> Int? {
  var c = 1
  if k > 0 {
    for i in 1...k {
      // C(n - k + i, i) = C(n - k + i - 1, i - 1) * (n - k + i) / i, increasing in i.
      let (product, overflow) = c.multipliedReportingOverflow(by: n - k + i)
      if overflow { return nil }
      c = product / i
      if c > limit { return nil }
    }
  }
  return c <= limit ? c : nil
}

/// xoshiro256** (Blackman and Vigna), seeded by SplitMix64: a small, fast generator whose
/// output depends only on the seed, on every platform and Swift version.
struct Xoshiro256StarStar: RandomNumberGenerator {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  init(seed: UInt64) {
    var x = seed
    func splitMix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  /// Starts from a given state (not all zero), for reference tests.
  init(state: (UInt64, UInt64, UInt64, UInt64)) { self.state = state }

  mutating func next() -> UInt64 {
    let result = rotateLeft(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotateLeft(state.3, 45)
    return result
  }

  /// A uniform integer in 0..<bound (bound >= 1), by Lemire's multiply-and-reject method.
  mutating func next(below bound: UInt64) -> UInt64 {
    var m = next().multipliedFullWidth(by: bound)
    if m.low < bound {
      let threshold = (0 &- bound) % bound
      while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
    }
    return m.high
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }
}
