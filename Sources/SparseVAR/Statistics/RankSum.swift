//===--- RankSum.swift ----------------------------------------------------===//
//
// The Wilcoxon rank-sum / Mann-Whitney U test of two independent samples, with the same
// conventions and numbers as scipy.stats.mannwhitneyu (scipy 1.17), and Bonferroni correction.
//
// U of x = R_x - n_x (n_x + 1) / 2, R_x the sum of x's midranks in the pooled sample.
// Asymptotic: z = (U - n_x n_y / 2 - 0.5) / s with
//   s^2 = n_x n_y / 12 * ((n + 1) - sum_g (t_g^3 - t_g) / (n (n - 1))),  n = n_x + n_y,
// t_g the sizes of the groups of tied values; p = Phi(-z), evaluated through erfc so that small
// p-values keep their relative accuracy.
// Exact: P(U >= u) under the null distribution without ties, whose generating function is the
// Gaussian binomial coefficient [n_x + n_y choose n_x]_q / C(n_x + n_y, n_x).
//
//===----------------------------------------------------------------------===//

import Glibc

/// The alternative hypothesis of `rankSumTest`.
public enum RankSumAlternative: Sendable {
  /// x is stochastically greater than y (large U of x is evidence).
  case greater
  /// x is stochastically less than y.
  case less
  /// The distributions of x and y differ.
  case twoSided
}

/// How `rankSumTest` computes its p-value.
public enum RankSumMethod: Sendable {
  /// Normal approximation with tie correction of the variance (and optional continuity correction).
  case asymptotic
  /// The exact null distribution of U without ties (see `rankSumTest` for what happens with ties).
  case exact
}

/// The result of `rankSumTest`.
public struct RankSumResult: Sendable, Equatable {
  /// U of x (scipy's `statistic`): the number of pairs (x_i, y_j) with x_i > y_j, ties counting
  /// one half. U of y is `nx * ny - statistic`.
  public var statistic: Double
  /// The p-value for the requested alternative and method, in [0, 1].
  public var pValue: Double
  /// Size of x.
  public var nx: Int
  /// Size of y.
  public var ny: Int

  public init(statistic: Double, pValue: Double, nx: Int, ny: Int) {
    self.statistic = statistic
    self.pValue = pValue
    self.nx = nx
    self.ny = ny
  }
}

/// The Wilcoxon rank-sum (Mann-Whitney U) test of x against y, equal to
/// `scipy.stats.mannwhitneyu(x, y, alternative:, method:, use_continuity:)` of scipy 1.17.
///
/// - `.asymptotic`: normal approximation; ties are handled by midranks and the tie-corrected
///   variance, and `continuity` subtracts 0.5 from U - n_x n_y / 2. When every value is equal the
///   variance is zero: the p-value is 1 with continuity correction and NaN without, as in scipy.
/// - `.exact`: P(U >= u) from the exact null distribution of U *without ties*, by a q-binomial
///   recursion in O(min(n_x, n_y) * k) time and O(k) memory, k <= n_x n_y / 2 the smaller tail
///   (exact integers while C(n_x + n_y, n_x) <= 2^53, double-double precision beyond).
///   With ties scipy makes no correction: it truncates the (half-integer) U to an integer and
///   evaluates the no-ties distribution there, i.e. p = P(U >= floor(U)). This function does the
///   same, so with ties the p-value is conservative and not exact.
///   Relative accuracy is about 1e-15 for p above ~1e-290 (smaller tails may underflow to 0);
///   scipy's own exact values are off by up to ~1e-12 for samples of a few hundred. `continuity`
///   is ignored. Cost in an optimized build: ~0.3 s for 500 x 500, 1-3 s for 1000 x 1000. When
///   both sizes exceed ~600 the recursion loses accuracy near the centre of the distribution
///   (for 1000 x 1000 only tails below ~1e-10 are reachable); this is detected, and `.numerical`
///   is thrown rather than an inaccurate p-value returned: use `.asymptotic` there. The cost is
///   bounded: when min(n_x, n_y) * (k + 1) exceeds `exactRankSumStepLimit` (10^9, a few seconds;
///   e.g. both samples above ~1400 near the centre) `.invalidArgument` is thrown at once.
///
/// For `.less` the upper tail of U of y is used, for `.twoSided` twice the upper tail of the
/// larger of the two U's, capped at 1.
///
/// - Parameters:
///   - x: first sample (at least one finite value).
///   - y: second sample (at least one finite value).
/// - Returns: U of x, the p-value and both sample sizes.
/// - Throws: `.invalidArgument` for an empty sample or an exact p-value costing more than
///   `exactRankSumStepLimit` steps, `.nonFinite` for NaN or infinity,
///   `.numerical` when the exact distribution cannot be computed accurately (see above).
public func rankSumTest(
  _ x: [Double], _ y: [Double], alternative: RankSumAlternative = .greater,
  method: RankSumMethod = .asymptotic, continuity: Bool = true
) throws -> RankSumResult {
  guard !x.isEmpty else {
    throw SparseVARError.invalidArgument("rankSumTest: x is empty; both samples need a value")
  }
  guard !y.isEmpty else {
    throw SparseVARError.invalidArgument("rankSumTest: y is empty; both samples need a value")
  }
  try requireFinite(x, "rankSumTest: x")
  try requireFinite(y, "rankSumTest: y")

  let n1 = x.count
  let n2 = y.count
  let ranking = doubledMidranks(x + y)
  var doubledRankSum = 0
  for i in 0..<n1 { doubledRankSum += ranking.doubled[i] }
  let u1 = Double(doubledRankSum) / 2 - Double(n1 * (n1 + 1)) / 2
  let product = Double(n1) * Double(n2)
  let u2 = product - u1

  let u: Double
  let factor: Double
  switch alternative {
  case .greater: (u, factor) = (u1, 1)
  case .less: (u, factor) = (u2, 1)
  case .twoSided: (u, factor) = (max(u1, u2), 2)
  }

  var p: Double
  switch method {
  case .exact:
    p = try mannWhitneyUpperTail(Int(u.rounded(.down)), n1, n2)
  case .asymptotic:
    let n = Double(n1 + n2)
    let s = (product / 12 * ((n + 1) - ranking.tieTerm / (n * (n - 1)))).squareRoot()
    var numerator = u - product / 2
    if continuity { numerator -= 0.5 }
    p = standardNormalCDF(-(numerator / s))
  }
  p *= factor
  if !p.isNaN { p = min(1, max(0, p)) }
  return RankSumResult(statistic: u1, pValue: p, nx: n1, ny: n2)
}

/// Bonferroni-adjusted p-values min(1, p * m), m = `pValues.count` (NaN stays NaN).
public func bonferroni(_ pValues: [Double]) -> [Double] {
  let m = Double(pValues.count)
  return pValues.map { $0.isNaN ? $0 : min(1, $0 * m) }
}

/// The per-test significance threshold alpha / tests; `tests < 1` is treated as one test.
public func bonferroniThreshold(alpha: Double, tests: Int) -> Double {
  alpha / Double(max(1, tests))
}

// MARK: - Implementation details

/// Twice the midranks (1-based, ties averaged) of `values`, which must hold no NaN, so that
/// every rank is an integer; and the tie term sum_g (t_g^3 - t_g) over groups of equal values.
func doubledMidranks(_ values: [Double]) -> (doubled: [Int], tieTerm: Double) {
  let order = values.indices.sorted { values[$0] < values[$1] }
  var doubled = [Int](repeating: 0, count: values.count)
  var tieTerm = 0.0
  var start = 0
  while start < order.count {
    var end = start + 1
    while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
    // Positions start..<end hold ranks start + 1 ... end; twice their mean is start + 1 + end.
    let rank2 = start + 1 + end
    for position in start..<end { doubled[order[position]] = rank2 }
    let t = Double(end - start)
    tieTerm += t * t * t - t
    start = end
  }
  return (doubled, tieTerm)
}

/// Phi(a), the standard normal CDF, via erf near 0 and erfc in the tails (full relative
/// accuracy for small results).
func standardNormalCDF(_ a: Double) -> Double {
  let x = a * 0.5.squareRoot()
  let z = abs(x)
  if z < 0.5.squareRoot() { return 0.5 + 0.5 * erf(x) }
  let tail = 0.5 * erfc(z)
  return x > 0 ? 1 - tail : tail
}

/// P(U >= k) for the Mann-Whitney U of samples of sizes n1, n2 under the null without ties.
/// The smaller tail is summed directly; by symmetry P(U >= k) = P(U <= n1 n2 - k).
/// Throws `.numerical` when the recursion cannot deliver the tail accurately (see
/// `mannWhitneyLowerCDF`).
func mannWhitneyUpperTail(_ k: Int, _ n1: Int, _ n2: Int) throws -> Double {
  let total = n1 * n2
  if k <= 0 { return 1 }
  if k > total { return 0 }
  let complement = total - k
  if k < complement { return 1 - (try mannWhitneyLowerCDF(k - 1, n1, n2)) }
  return try mannWhitneyLowerCDF(complement, n1, n2)
}

/// Most recursion steps, min(n_x, n_y) * (k + 1), the exact rank-sum runs (about 2-6 s in an
/// optimized build); larger costs are refused with `.invalidArgument`.
public let exactRankSumStepLimit = 1_000_000_000

/// P(U <= kMax) for the Mann-Whitney U of samples of sizes n1, n2 under the null without ties.
///
/// The counts are the coefficients of the Gaussian binomial
/// [n + m choose m]_q = prod_{i=1}^{m} (1 - q^{n+i}) / (1 - q^i), m = min(n1, n2), n = max(n1, n2),
/// built one factor at a time and truncated after q^kMax (Harding's recursion): dividing by
/// 1 - q^i is a strided prefix sum, multiplying by 1 - q^{n+i} a strided difference. O(m kMax)
/// time, O(kMax) memory.
///
/// - When C(n + m, m) <= 2^53 the counts are integers held exactly in Doubles.
/// - Otherwise the recursion runs on probabilities (each step also multiplies by i / (n + i)).
///   Its strided differences amplify rounding errors, mildly for small samples but by many
///   orders of magnitude near the centre of large ones (about 1e5 at m = n = 300, 1e14 at
///   m = n = 650). So it runs twice, in double and in double-double (about 32 digits) precision;
///   their relative difference estimates the amplified double-precision error, and the
///   double-double result, whose error is ~1e-16 times smaller, is returned when that difference
///   is below 1e-2 (an amplification below ~1e14). Otherwise this throws `.numerical`.
func mannWhitneyLowerCDF(_ kMax: Int, _ n1: Int, _ n2: Int) throws -> Double {
  if kMax < 0 { return 0 }
  let m = min(n1, n2)
  let n = max(n1, n2)
  if kMax >= m * n { return 1 }
  guard let steps = sizeProduct(m, kMax + 1), steps <= exactRankSumStepLimit else {
    throw SparseVARError.invalidArgument(
      "rankSumTest: the exact null distribution for sample sizes \(n1) and \(n2) at U = \(kMax) takes "
        + "\(m) x \(kMax + 1) recursion steps, more than the \(exactRankSumStepLimit) the exact method runs "
        + "(a few seconds); use the asymptotic method for samples this large")
  }
  if let total = binomialUpTo(n + m, m, limit: 1 << 53) {
    return hardingCounts(kMax, m, n) / Double(total)
  }
  let extended = hardingDoubleDouble(kMax, m, n)
  let plain = hardingDouble(kMax, m, n)
  // Below ~1e-280 the tail is at the edge of the double range (both may underflow).
  if max(plain, extended) < 1e-280 { return max(0, extended) }
  guard abs(plain - extended) <= 1e-2 * extended else {
    throw SparseVARError.numerical(
      "rankSumTest: the exact null distribution for sample sizes \(n1) and \(n2) cannot be "
        + "computed accurately at this U (rounding errors of the recursion are amplified); "
        + "use the asymptotic method")
  }
  return extended
}

/// Sum of the exact counts of U = 0...kMax (requires C(n + m, m) <= 2^53: all values are exact
/// integers).
private func hardingCounts(_ kMax: Int, _ m: Int, _ n: Int) -> Double {
  hardingRecursion(kMax, m, n, normalised: false).reduce(0, +)
}

/// P(U <= kMax) by the recursion on probabilities in double precision.
private func hardingDouble(_ kMax: Int, _ m: Int, _ n: Int) -> Double {
  let pmf = hardingRecursion(kMax, m, n, normalised: true)
  // Smallest terms (the far tail) first.
  var sum = DoubleDouble(0)
  for value in pmf { sum = sum + DoubleDouble(value) }
  return sum.value
}

/// The recursion over the second sample's size i = 1...m for U = 0...kMax in double precision:
/// the counts of each U, or, when `normalised`, their probabilities (step i scaled by
/// i / (n + i); a scale of 1 leaves the counts exact).
private func hardingRecursion(_ kMax: Int, _ m: Int, _ n: Int, normalised: Bool) -> [Double] {
  var values = [Double](repeating: 0, count: kMax + 1)
  values[0] = 1
  values.withUnsafeMutableBufferPointer { c in
    for i in 1...m {
      if i <= kMax {
        for u in i...kMax { c[u] += c[u - i] }
      }
      let shift = n + i
      let scale = normalised ? Double(i) / Double(shift) : 1
      var u = kMax
      while u >= shift {
        c[u] = (c[u] - c[u - shift]) * scale
        u -= 1
      }
      guard normalised else { continue }
      while u >= 0 {
        c[u] *= scale
        u -= 1
      }
    }
  }
  return values
}

/// P(U <= kMax) by the recursion on probabilities in double-double precision.
private func hardingDoubleDouble(_ kMax: Int, _ m: Int, _ n: Int) -> Double {
  var hi = [Double](repeating: 0, count: kMax + 1)
  var lo = [Double](repeating: 0, count: kMax + 1)
  hi[0] = 1
  hi.withUnsafeMutableBufferPointer { hi in
    lo.withUnsafeMutableBufferPointer { lo in
      for i in 1...m {
        if i <= kMax {
          for u in i...kMax {
            let s = DoubleDouble(hi[u], lo[u]) + DoubleDouble(hi[u - i], lo[u - i])
            hi[u] = s.hi
            lo[u] = s.lo
          }
        }
        let shift = n + i
        let scale = DoubleDouble.quotient(i, shift)
        var u = kMax
        while u >= shift {
          let d = (DoubleDouble(hi[u], lo[u]) - DoubleDouble(hi[u - shift], lo[u - shift])) * scale
          hi[u] = d.hi
          lo[u] = d.lo
          u -= 1
        }
        while u >= 0 {
          let d = DoubleDouble(hi[u], lo[u]) * scale
          hi[u] = d.hi
          lo[u] = d.lo
          u -= 1
        }
      }
    }
  }
  var sum = DoubleDouble(0)
  for u in 0...kMax { sum = sum + DoubleDouble(hi[u], lo[u]) }
  return sum.value
}

/// An unevaluated sum hi + lo of two doubles with |lo| <= ulp(hi) / 2: about 106 bits.
struct DoubleDouble {
  var hi: Double
  var lo: Double

  init(_ hi: Double, _ lo: Double = 0) {
    self.hi = hi
    self.lo = lo
  }

  /// a / b to double-double precision, for integers exactly representable as doubles.
  static func quotient(_ a: Int, _ b: Int) -> DoubleDouble {
    let (x, y) = (Double(a), Double(b))
    let q = x / y
    // The remainder x - q y is exact with a fused multiply-add.
    return DoubleDouble(q, x.addingProduct(-q, y) / y)
  }

  var value: Double { hi + lo }

  static func + (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let s = a.hi + b.hi
    let v = s - a.hi
    var e = (a.hi - (s - v)) + (b.hi - v)
    e += a.lo + b.lo
    let h = s + e
    return DoubleDouble(h, e - (h - s))
  }

  static func - (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    a + DoubleDouble(-b.hi, -b.lo)
  }

  static func * (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let p = a.hi * b.hi
    var e = (-p).addingProduct(a.hi, b.hi)
    e += a.hi * b.lo + a.lo * b.hi
    let h = p + e
    return DoubleDouble(h, e - (h - p))
  }
}
