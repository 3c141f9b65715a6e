//===--- StatisticsTests.swift --------------------------------------------===//
//
// The rank-sum test against scipy 1.17.1 (scipy.stats.mannwhitneyu) and the pairwise group test
// against scipy and brute-force run relabeling.
//
//===----------------------------------------------------------------------===//

import Testing
@testable import SparseVAR

/// |actual - expected| <= tolerance * |expected| (exact equality for expected == 0 or 1).
private func close(_ actual: Double, _ expected: Double, _ tolerance: Double = 1e-12) -> Bool {
  abs(actual - expected) <= tolerance * abs(expected)
}

/// The case name of the SparseVARError thrown by `body`, or nil when it does not throw.
private func thrownKind(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch let error as SparseVARError {
    switch error {
    case .invalidArgument: return "invalidArgument"
    case .shape: return "shape"
    case .nonFinite: return "nonFinite"
    case .notFitted: return "notFitted"
    case .numerical: return "numerical"
    case .interrupted: return "interrupted"
    case .format: return "format"
    case .io: return "io"
    case .noMemory: return "noMemory"
    }
  } catch {
    return "other"
  }
}

// MARK: - Rank-sum test against scipy

/// One reference value: mannwhitneyu(x, y, alternative=, method=, use_continuity=).
private struct Reference: Sendable, CustomStringConvertible {
  var name: String
  var alternative: RankSumAlternative
  var method: RankSumMethod
  var continuity: Bool
  var statistic: Double
  var pValue: Double
  var description: String { "\(name) \(alternative) \(method) continuity=\(continuity)" }
}

// A: ties within and across samples.
private let aX = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.29, 1.06]
private let aY = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
// B: no ties, small (scipy's documentation example).
private let bX: [Double] = [19, 22, 16, 29, 24]
private let bY: [Double] = [20, 11, 17, 12]
// C: 100 + 100 nearly separated: p ~ 1e-34 (asymptotic), ~ 1e-58 (exact).
private let cX = (0..<100).map { 40 + 0.37 * Double($0) }
private let cY = (0..<100).map { 0.41 * Double($0) }
// D: 40 + 45, one tie across samples, exact p ~ 3e-6.
private let dX = (0..<40).map { 0.7 * Double($0) + 9 }
private let dY = (0..<45).map { 0.61 * Double($0) }
// E: small with ties: exact uses floor(U) = 7 for U = 7.5.
private let eX: [Double] = [1, 2, 2, 3.5]
private let eY: [Double] = [2, 3, 0.5, 3.5, 4]
// S: 30 + 30 fully separated: exact p = 1 / C(60, 30).
private let sX = (0..<30).map { 30 + Double($0) }
private let sY = (0..<30).map { Double($0) }
// T: heavy ties (7 and 5 distinct values), asymptotic only.
private let tX = (0..<60).map { Double($0 % 7) }
private let tY = (0..<50).map { Double($0 % 5) - 0.5 }

private func samples(_ name: String) -> ([Double], [Double]) {
  switch name {
  case "A": return (aX, aY)
  case "B": return (bX, bY)
  case "C": return (cX, cY)
  case "D": return (dX, dY)
  case "E": return (eX, eY)
  case "S": return (sX, sY)
  default: return (tX, tY)
  }
}

// For each data set (x, y) above, written the same way in Python (e.g.
// C_x=[40+0.37*i for i in range(100)]; C_y=[0.41*i for i in range(100)]), and each alternative:
//   r = scipy.stats.mannwhitneyu(x, y, alternative=alt, method=meth, use_continuity=c)
//   print(repr(float(r.statistic)), repr(float(r.pvalue)))
// with scipy 1.17.1. (g = greater, l = less, t = two-sided; a = asymptotic, e = exact.)
private let references: [Reference] = {
  var out: [Reference] = []
  func add(
    _ name: String, _ alt: RankSumAlternative, _ method: RankSumMethod, _ continuity: Bool,
    _ u: Double, _ p: Double
  ) {
    out.append(Reference(
      name: name, alternative: alt, method: method, continuity: continuity, statistic: u,
      pValue: p))
  }
  add("A", .greater, .asymptotic, true, 61.0, 0.1020362944120835)
  add("A", .greater, .asymptotic, false, 61.0, 0.09492843628746883)
  add("A", .greater, .exact, true, 61.0, 0.10551213492389964)
  add("A", .less, .asymptotic, true, 61.0, 0.9118077788472294)
  add("A", .less, .asymptotic, false, 61.0, 0.9050715637125312)
  add("A", .less, .exact, true, 61.0, 0.9088419320617462)
  add("A", .twoSided, .asymptotic, true, 61.0, 0.204072588824167)
  add("A", .twoSided, .asymptotic, false, 61.0, 0.18985687257493766)
  add("A", .twoSided, .exact, true, 61.0, 0.2110242698477993)
  add("B", .greater, .asymptotic, true, 17.0, 0.055673443266570206)
  add("B", .greater, .asymptotic, false, 17.0, 0.04320536648685)
  add("B", .greater, .exact, true, 17.0, 0.05555555555555555)
  add("B", .less, .asymptotic, true, 17.0, 0.9669037101389033)
  add("B", .less, .asymptotic, false, 17.0, 0.95679463351315)
  add("B", .less, .exact, true, 17.0, 0.9682539682539683)
  add("B", .twoSided, .asymptotic, true, 17.0, 0.11134688653314041)
  add("B", .twoSided, .asymptotic, false, 17.0, 0.0864107329737)
  add("B", .twoSided, .exact, true, 17.0, 0.1111111111111111)
  add("C", .greater, .asymptotic, true, 9997.0, 1.4018684639945663e-34)
  add("C", .greater, .asymptotic, false, 9997.0, 1.3809774243176298e-34)
  add("C", .greater, .exact, true, 9997.0, 7.7306624261973165e-59)
  add("C", .less, .asymptotic, true, 9997.0, 1.0)
  add("C", .less, .asymptotic, false, 9997.0, 1.0)
  add("C", .less, .exact, true, 9997.0, 1.0)
  add("C", .twoSided, .asymptotic, true, 9997.0, 2.8037369279891326e-34)
  add("C", .twoSided, .asymptotic, false, 9997.0, 2.7619548486352597e-34)
  add("C", .twoSided, .exact, true, 9997.0, 1.5461324852394633e-58)
  add("D", .greater, .asymptotic, true, 1399.5, 5.577741299274826e-06)
  add("D", .greater, .asymptotic, false, 1399.5, 5.465826306232528e-06)
  add("D", .greater, .exact, true, 1399.5, 2.866927712998212e-06)
  add("D", .less, .asymptotic, true, 1399.5, 0.9999946439427828)
  add("D", .less, .asymptotic, false, 1399.5, 0.9999945341736938)
  add("D", .less, .exact, true, 1399.5, 0.9999973903425489)
  add("D", .twoSided, .asymptotic, true, 1399.5, 1.1155482598549651e-05)
  add("D", .twoSided, .asymptotic, false, 1399.5, 1.0931652612465056e-05)
  add("D", .twoSided, .exact, true, 1399.5, 5.733855425996424e-06)
  add("E", .greater, .asymptotic, true, 7.5, 0.7735689082906149)
  add("E", .greater, .asymptotic, false, 7.5, 0.7341927115591939)
  add("E", .greater, .exact, true, 7.5, 0.7936507936507936)
  add("E", .less, .asymptotic, true, 7.5, 0.3083845499673747)
  add("E", .less, .asymptotic, false, 7.5, 0.26580728844080614)
  add("E", .less, .exact, true, 7.5, 0.3650793650793651)
  add("E", .twoSided, .asymptotic, true, 7.5, 0.6167690999347494)
  add("E", .twoSided, .asymptotic, false, 7.5, 0.5316145768816123)
  add("E", .twoSided, .exact, true, 7.5, 0.7301587301587302)
  add("S", .greater, .asymptotic, true, 900.0, 1.5099296795810785e-11)
  add("S", .greater, .asymptotic, false, 900.0, 1.4359745331601617e-11)
  add("S", .greater, .exact, true, 900.0, 8.45561694607237e-18)
  add("S", .less, .asymptotic, true, 900.0, 0.9999999999863444)
  add("S", .less, .asymptotic, false, 900.0, 0.9999999999856403)
  add("S", .less, .exact, true, 900.0, 1.0)
  add("S", .twoSided, .asymptotic, true, 900.0, 3.019859359162157e-11)
  add("S", .twoSided, .asymptotic, false, 900.0, 2.8719490663203234e-11)
  add("S", .twoSided, .exact, true, 900.0, 1.691123389214474e-17)
  add("T", .greater, .asymptotic, true, 2100.0, 0.00015221708196660157)
  add("T", .greater, .asymptotic, false, 2100.0, 0.00015045840987101385)
  add("T", .less, .asymptotic, true, 2100.0, 0.9998512812190194)
  add("T", .less, .asymptotic, false, 2100.0, 0.999849541590129)
  add("T", .twoSided, .asymptotic, true, 2100.0, 0.00030443416393320313)
  add("T", .twoSided, .asymptotic, false, 2100.0, 0.0003009168197420277)
  return out
}()

@Test(arguments: references)
private func rankSumMatchesScipy(_ ref: Reference) throws {
  let (x, y) = samples(ref.name)
  let r = try rankSumTest(
    x, y, alternative: ref.alternative, method: ref.method, continuity: ref.continuity)
  #expect(r.statistic == ref.statistic)
  #expect(r.nx == x.count && r.ny == y.count)
  #expect(close(r.pValue, ref.pValue), "p = \(r.pValue), scipy \(ref.pValue)")
}

@Test func exactTailMatchesClosedForms() throws {
  // P(U <= 3) for 100 + 100 is 7 / C(200, 100) (partitions of 0..3); scipy's own value for case
  // C is 1.2e-13 away, ours must be within 1e-14.
  // python3 -c "import math; print(repr(7/math.comb(200,100)))"
  #expect(close(try mannWhitneyLowerCDF(3, 100, 100), 7.730662426198259e-59, 1e-14))
  // P(U >= k) + P(U <= k - 1) = 1 and symmetry P(U <= k) = P(U >= n1 n2 - k).
  for k in [0, 1, 17, 300, 899, 900, 1000, 1800] {
    let upper = try mannWhitneyUpperTail(k, 40, 45)
    let lower = try mannWhitneyLowerCDF(k - 1, 40, 45)
    #expect(abs(upper + lower - 1) < 1e-14)
    let mirrored = try mannWhitneyUpperTail(40 * 45 - k, 45, 40)
    #expect(close(mirrored, try mannWhitneyLowerCDF(k, 40, 45), 1e-13))
  }
}

@Test func exactLargeSamplesMatchExactRationals() throws {
  // C(620, 120) > 2^53, so this runs the double-double recursion. References: exact integer
  // counts (the same q-binomial recursion on Python ints), then
  //   float(Fraction(sum(counts[:k+1]), math.comb(620, 120)))
  let cases: [(Int, Double)] = [
    (30000, 0.5001130525232069), (29999, 0.499886947476793), (20000, 4.433030054988156e-09),
    (1000, 6.485420870902773e-99),
  ]
  for (k, reference) in cases {
    #expect(close(try mannWhitneyLowerCDF(k, 120, 500), reference, 1e-14))
  }
}

@Test func zeroVarianceMatchesScipy() throws {
  // python3 -c "from scipy.stats import mannwhitneyu as m; print(m([2.,2,2],[2.,2],
  //   alternative='greater', method=M, use_continuity=C))" -> U = 3.0 and
  // asymptotic: p = 1.0 (C=True), nan (C=False); exact: greater/less 0.6000000000000001,
  // two-sided 1.0.
  let x: [Double] = [2, 2, 2]
  let y: [Double] = [2, 2]
  for alternative in [RankSumAlternative.greater, .less, .twoSided] {
    let a = try rankSumTest(x, y, alternative: alternative, method: .asymptotic)
    #expect(a.statistic == 3 && a.pValue == 1)
    let b = try rankSumTest(x, y, alternative: alternative, method: .asymptotic, continuity: false)
    #expect(b.pValue.isNaN)
    let e = try rankSumTest(x, y, alternative: alternative, method: .exact)
    #expect(close(e.pValue, alternative == .twoSided ? 1.0 : 0.6000000000000001))
  }
  // m([5.],[1.], method=M) -> U = 1.0, p = 0.5 for both methods.
  let single = try rankSumTest([5], [1], method: .exact)
  #expect(single == RankSumResult(statistic: 1, pValue: 0.5, nx: 1, ny: 1))
  #expect(try rankSumTest([5], [1]).pValue == 0.5)
}

@Test func rankSumRejectsBadInput() {
  #expect(thrownKind { _ = try rankSumTest([], [1, 2]) } == "invalidArgument")
  #expect(thrownKind { _ = try rankSumTest([1, 2], []) } == "invalidArgument")
  #expect(thrownKind { _ = try rankSumTest([1, .nan], [1, 2]) } == "nonFinite")
  #expect(thrownKind { _ = try rankSumTest([1, 2], [.infinity]) } == "nonFinite")
  #expect(thrownKind { _ = try rankSumTest([1, 2], [-.infinity], method: .exact) } == "nonFinite")
}

@Test func bonferroniAdjusts() {
  #expect(bonferroni([0.01, 0.2, 0.5, .nan]).map { $0.isNaN ? -1 : $0 } == [0.04, 0.8, 1, -1])
  #expect(bonferroni([]) == [])
  #expect(bonferroniThreshold(alpha: 0.05, tests: 5) == 0.01)
  #expect(bonferroniThreshold(alpha: 0.05, tests: 0) == 0.05)
}

// MARK: - Pairwise group test

/// N x N: D[i][j] = ((37 i + 101 j) mod 97) / 97, plus `shift` across groups; NaN on the
/// diagonal and for runs in neither group (which must be ignored).
private func pairMatrix(_ n: Int, _ a: [Int], _ b: [Int], shift: Double) -> [Double] {
  var d = [Double](repeating: .nan, count: n * n)
  for i in 0..<n {
    for j in 0..<n where i != j {
      let gi = a.contains(i) ? 0 : (b.contains(i) ? 1 : -1)
      let gj = a.contains(j) ? 0 : (b.contains(j) ? 1 : -1)
      if gi < 0 || gj < 0 { continue }
      d[i * n + j] = Double((i * 37 + j * 101) % 97) / 97 + (gi != gj ? shift : 0)
    }
  }
  return d
}

/// U of inter vs intra for the labelling (a, b), straight from the definition.
private func bruteForceU(_ d: [Double], _ n: Int, _ a: [Int], _ b: [Int]) throws -> Double {
  var inter: [Double] = []
  var intra: [Double] = []
  let runs = a + b
  for i in runs {
    for j in runs where i != j {
      if a.contains(i) == a.contains(j) {
        intra.append(d[i * n + j])
      } else {
        inter.append(d[i * n + j])
      }
    }
  }
  return try rankSumTest(inter, intra).statistic
}

@Test func pairwiseMatchesScipyAndBruteForce() throws {
  // Python, same D (N = 9, run 6 unused): g = {0:0,2:0,4:0,7:0,1:1,3:1,5:1,8:1};
  //   v = lambda i, j: (i*37+j*101)%97/97 + (0.3 if g[i] != g[j] else 0.0)
  //   inter = [v(i,j) for i in g for j in g if i != j and g[i] != g[j]], intra likewise with ==;
  //   mannwhitneyu(inter, intra, alternative='greater', method=M)
  // gives U = 573.0 and p = 0.0009014063513866835 (asymptotic), 0.0007210486984192342 (exact);
  // relabeling the 8 runs with itertools.combinations(runs, 4), 2 of 70 labellings have
  // U >= 573.
  let n = 9
  let a = [0, 2, 4, 7]
  let b = [1, 3, 5, 8]
  let d = pairMatrix(n, a, b, shift: 0.3)
  let r = try pairwiseGroupTest(d, runs: n, groupA: a, groupB: b)
  #expect(r.statistic == 573)
  #expect(r.nInter == 32 && r.nIntra == 24)
  #expect(close(r.rankSumPValue, 0.0009014063513866835))
  #expect(r.permutationExact && r.permutationsUsed == 70)
  #expect(r.pValue == 2.0 / 70.0)
  #expect(r.smallestPValue == 2.0 / 70.0)  // 35 distinct splits of 4 + 4 runs
  let e = try pairwiseGroupTest(d, runs: n, groupA: a, groupB: b, options: .init(method: .exact))
  #expect(close(e.rankSumPValue, 0.0007210486984192342))

  // Brute force in the test: every choice of 4 of the 8 runs as group A.
  let runs = a + b
  let observed = try bruteForceU(d, n, a, b)
  var count = 0
  var total = 0
  for mask in 0..<(1 << runs.count) where mask.nonzeroBitCount == a.count {
    let newA = runs.indices.filter { mask & (1 << $0) != 0 }.map { runs[$0] }
    let newB = runs.filter { !newA.contains($0) }
    if try bruteForceU(d, n, newA, newB) >= observed { count += 1 }
    total += 1
  }
  #expect(total == 70)
  #expect(r.pValue == Double(count) / Double(total))
}

@Test func pairwiseMonteCarloIsReproducibleAndClose() throws {
  // The same Python construction with N = 14, groups 0...6 and 7...13, shift 0.08:
  // U = 5064.0, p = 0.003744459184844453 (asymptotic); relabeling: 30 of 3432 have U >= 5064.
  let n = 14
  let a = Array(0..<7)
  let b = Array(7..<14)
  let d = pairMatrix(n, a, b, shift: 0.08)
  let exact = try pairwiseGroupTest(d, runs: n, groupA: a, groupB: b)
  #expect(exact.statistic == 5064 && close(exact.rankSumPValue, 0.003744459184844453))
  #expect(exact.permutationExact && exact.permutationsUsed == 3432)
  #expect(exact.pValue == 30.0 / 3432.0)
  #expect(exact.smallestPValue == 2.0 / 3432.0)

  let options = PairwiseGroupTestOptions(permutations: 20000, seed: 42, exactLimit: 0)
  let first = try pairwiseGroupTest(d, runs: n, groupA: a, groupB: b, options: options)
  let second = try pairwiseGroupTest(d, runs: n, groupA: a, groupB: b, options: options)
  #expect(!first.permutationExact && first.permutationsUsed == 20000)
  #expect(first.pValue == second.pValue)
  #expect(first.smallestPValue == 1.0 / 20001.0)
  // p = (1 + count) / 20001; the standard error at p = 0.0087 is 0.0007.
  let count = first.pValue * 20001 - 1
  #expect(abs(count - count.rounded()) < 1e-6)
  #expect(abs(first.pValue - exact.pValue) < 0.004)
  var other = options
  other.seed = 7
  let third = try pairwiseGroupTest(d, runs: n, groupA: a, groupB: b, options: other)
  #expect(abs(third.pValue - exact.pValue) < 0.004)

  let skipped = try pairwiseGroupTest(
    d, runs: n, groupA: a, groupB: b, options: .init(permutations: 0))
  #expect(skipped.pValue.isNaN && skipped.smallestPValue.isNaN && skipped.permutationsUsed == 0)
  #expect(!skipped.permutationExact && skipped.rankSumPValue == exact.rankSumPValue)
}

@Test func generatorMatchesReference() {
  // xoshiro256** from state (1, 2, 3, 4): the published reference sequence.
  var r = Xoshiro256StarStar(state: (1, 2, 3, 4))
  #expect((0..<4).map { _ in r.next() } == [11520, 0, 1509978240, 1215971899390074240])
  // Seed 0 -> SplitMix64 state (first word 0xE220A8397B1DCDAF); outputs from a Python transcription
  // of the two published definitions (M = 2**64 - 1, rotl, the update order of xoshiro256**).
  var g = Xoshiro256StarStar(seed: 0)
  #expect((0..<4).map { _ in g.next() } == [
    11091344671253066420, 13793997310169335082, 1900383378846508768, 7684712102626143532,
  ])
  for bound: UInt64 in [1, 2, 3, 7, 1000] {
    for _ in 0..<100 { #expect(g.next(below: bound) < bound) }
  }
}

@Test func pairwiseRejectsBadInput() {
  let n = 6
  let a = [0, 1, 2]
  let b = [3, 4]
  var d = pairMatrix(n, a, b, shift: 0.1)
  /// The error case and message thrown for these arguments ("none" when nothing is thrown).
  func outcome(
    _ d: [Double], runs: Int = n, _ groupA: [Int] = a, _ groupB: [Int] = b,
    _ options: PairwiseGroupTestOptions = .init()
  ) -> (kind: String, message: String) {
    var message = ""
    let kind = thrownKind {
      do {
        _ = try pairwiseGroupTest(d, runs: runs, groupA: groupA, groupB: groupB, options: options)
      } catch let error as SparseVARError {
        message = error.message
        throw error
      }
    }
    return (kind ?? "none", message)
  }
  #expect(outcome(d).kind == "none")
  #expect(outcome(Array(d.dropLast())).kind == "shape")
  #expect(outcome(d, runs: 0).kind == "invalidArgument")
  #expect(outcome(d, [0, 6]).kind == "invalidArgument")
  #expect(
    outcome(d, [0, 6]).message == "pairwiseGroupTest: group A holds run index 6, outside 0..<6")
  #expect(outcome(d, [-1, 0]).message.contains("run index -1"))
  #expect(outcome(d, [0, 1, 1]).message.contains("run 1 appears twice in group A"))
  #expect(outcome(d, a, [2, 3]).message.contains("run 2 is in both group A and group B"))
  #expect(outcome(d, [0]).message.contains("group A needs at least 2 runs"))
  #expect(outcome(d, a, [3]).message.contains("group B needs at least 2 runs"))
  #expect(outcome(d, a, b, .init(permutations: -1)).kind == "invalidArgument")
  #expect(outcome(d, a, b, .init(exactLimit: -1)).kind == "invalidArgument")
  d[1 * n + 4] = .nan
  #expect(outcome(d) == ("nonFinite", "pairwiseGroupTest: D[1, 4] is NaN or infinite"))
  d[1 * n + 4] = .infinity
  #expect(outcome(d).kind == "nonFinite")
  // Entries of unused runs (5) and the diagonal are ignored even when NaN.
  d[1 * n + 4] = 0.5
  d[5 * n + 0] = .nan
  d[0] = .nan
  #expect(outcome(d).kind == "none")
}
