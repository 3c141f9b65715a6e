// The synthetic two-photon generator: determinism, shapes and labels, value range, the ground-truth
// networks, activity, masks, noise statistics, streaming and bad options. All on the tiny preset
// (fast in debug builds). The report (timing, signal levels, and sparse VARs on the latents, the
// assemblies' noise-free dF/F and their mean pixel traces, with the F vs N and F vs F group
// tests) runs only with SPARSEVAR_SYNTHETIC_REPORT=1, meant for release builds:
//   SPARSEVAR_SYNTHETIC_REPORT=1 swift test -c release -Xswiftc -enable-testing \
//     --filter SyntheticReport
// with SPARSEVAR_SYNTHETIC_PRESET (tiny, small, standard), SPARSEVAR_SYNTHETIC_LAMBDA (0.02),
// SPARSEVAR_SYNTHETIC_SET (knob overrides, see `tune`) and SPARSEVAR_SYNTHETIC_FULL=1 (time one
// run of the full preset).
import Glibc
import Testing
@testable import SparseVAR
@testable import SparseVARSynthetic
import SparseVARReport

private let tiny = SyntheticTwoPhotonOptions.preset(.tiny, seed: 7)

/// The tiny dataset, generated once for the suite.
private let tinyDataset: SyntheticTwoPhotonDataset = try! SyntheticTwoPhotonDataset.generate(tiny)

private func expectInvalid(
  _ sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record("expected an error", sourceLocation: sourceLocation)
  } catch let error as SparseVARError {
    if case .invalidArgument = error {} else {
      Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
  } catch {
    Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
  }
}

private func correlation(_ a: [Double], _ b: [Double]) -> Double {
  let n = Double(a.count)
  let ma = a.reduce(0, +) / n
  let mb = b.reduce(0, +) / n
  var sab = 0.0
  var saa = 0.0
  var sbb = 0.0
  for (x, y) in zip(a, b) {
    sab += (x - ma) * (y - mb)
    saa += (x - ma) * (x - ma)
    sbb += (y - mb) * (y - mb)
  }
  return sab / (saa * sbb).squareRoot()
}

/// Mean over the pixels with weight > 1/2 of every frame of a run (a region-of-interest trace).
private func roiTrace(_ run: SyntheticRun, mask: [Float]) -> [Double] {
  let pixels = run.height * run.width
  let roi = mask.indices.filter { mask[$0] > 0.5 }
  return (0..<run.frameCount).map { t in
    var s = 0.0
    for i in roi { s += Double(run.frames[t * pixels + i]) }
    return s / Double(max(1, roi.count))
  }
}

/// `roiTrace` relative to its mean (x / mean - 1), a dF/F-like trace.
private func relativeROITrace(_ run: SyntheticRun, mask: [Float]) -> [Double] {
  let x = roiTrace(run, mask: mask)
  let mean = x.reduce(0, +) / Double(x.count)
  return x.map { $0 / mean - 1 }
}

/// The mean influence vector (outflow of every latent) over the VARs of `runs`.
private func meanInfluence(_ models: [SparseVARModel], runs: [Int]) -> [Double] {
  var c = [Double](repeating: 0, count: models[runs[0]].dimension)
  for r in runs { for (l, v) in models[r].influence.enumerated() { c[l] += v / Double(runs.count) } }
  return c
}

/// The series x minus its mean, filtered by the calcium kernel of decay `decay` frames (rise 1.5
/// frames).
private func calciumFiltered(_ x: [Double], decay: Double) -> [Double] {
  var d = 0.0
  var r = 0.0
  let mean = x.reduce(0, +) / Double(x.count)
  return x.map { value in
    let v = value - mean
    d = d * exp(-1 / decay) + v
    r = r * exp(-1 / 1.5) + v
    return d - r
  }
}

@Suite struct SyntheticTests {
  // MARK: - Determinism

  @Test func sameSeedIsBitIdenticalAndThreadIndependent() throws {
    let a = try SyntheticTwoPhotonGenerator(tiny)
    var single = tiny
    single.threads = 1
    let b = try SyntheticTwoPhotonGenerator(single)
    for run in [0, 6] {
      let ra = try a.generateRun(index: run)
      let rb = try b.generateRun(index: run)
      #expect(ra.frames == rb.frames)
      #expect(ra.activity == rb.activity)
      #expect(ra.frames == tinyDataset.runs[run].frames)
    }
    #expect(a.groundTruth.expectedBaseline == b.groundTruth.expectedBaseline)
    #expect(a.groundTruth.network == b.groundTruth.network)
    #expect(a.groundTruth.neurons == b.groundTruth.neurons)
    #expect(a.frameCounts == b.frameCounts)
  }

  @Test func blocksOfFramesMatchTheWholeRun() throws {
    let g = try SyntheticTwoPhotonGenerator(tiny)
    let run = tinyDataset.runs[3]
    let pixels = tiny.height * tiny.width
    let activity = try g.activity(run: 3)
    let block = try g.frames(run: 3, range: 10..<17, activity: activity)
    #expect(block == Array(run.frames[(10 * pixels)..<(17 * pixels)]))
    let alone = try g.frames(run: 3, range: 16..<17)
    #expect(alone == Array(run.frames[(16 * pixels)..<(17 * pixels)]))
  }

  @Test func differentSeedsDiffer() throws {
    let other = try SyntheticTwoPhotonGenerator(.preset(.tiny, seed: 8))
    let run = try other.generateRun(index: 0)
    #expect(run.frames != tinyDataset.runs[0].frames)
    #expect(other.groundTruth.neurons != tinyDataset.groundTruth.neurons)
    #expect(other.groundTruth.network.familiar != tinyDataset.groundTruth.network.familiar)
  }

  // MARK: - Shapes, labels, run lengths, values

  @Test func shapesAndLabelsFollowThePaperPattern() throws {
    let d = tinyDataset
    #expect(d.runs.count == 10)
    #expect(d.labels == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    let pixels = tiny.height * tiny.width
    for (i, run) in d.runs.enumerated() {
      #expect(run.index == i)
      #expect(run.height == 48 && run.width == 32)
      #expect(run.frames.count == run.frameCount * pixels)
      #expect(tiny.frameCountRange.contains(run.frameCount))
      #expect(run.activity.latents.count == run.frameCount * d.groundTruth.assemblies.count)
      #expect(run.activity.deltaFOverF.count == run.frameCount * d.groundTruth.neurons.count)
      #expect(run.activity.shifts.count == 2 * run.frameCount)
    }
    let mean = Double(d.runs.map(\.frameCount).reduce(0, +)) / 10
    #expect(abs(mean - tiny.meanFrameCount) <= 0.5)
    #expect(Set(d.runs.map(\.frameCount)).count > 3)

    var twenty = tiny
    twenty.runCount = 20
    #expect((0..<20).map { twenty.condition(run: $0) } == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1])

    // The full preset's lengths (computed without rendering anything).
    let full = SyntheticTwoPhotonOptions.preset(.full)
    let lengths = SyntheticTwoPhotonGenerator.runLengths(full)
    #expect(lengths.count == 40)
    #expect(lengths.allSatisfy { (306...1206).contains($0) })
    #expect(abs(Double(lengths.reduce(0, +)) / 40 - 435) <= 0.5)
    #expect(lengths.max()! > 1000 && lengths.min()! < 320)
  }

  @Test func valuesAreInADocumentedRange() throws {
    let d = tinyDataset
    var low = UInt16.max
    var high = UInt16.min
    var sum = 0.0
    var count = 0
    for run in d.runs {
      for v in run.frames {
        low = min(low, v)
        high = max(high, v)
        sum += Double(v)
      }
      count += run.frames.count
    }
    // No clipping: dark pixels stay near the offset, the brightest far below 65535.
    #expect(low > 0)
    #expect(Double(low) < tiny.offset + 2 * tiny.photonGain)
    #expect(high < 8000)
    // The mean is offset + gain * (mean expected photons): the baseline plus transients (tonic
    // firing at about 7 Hz keeps a soma's mean dF/F near 1, so the field is up to twice as
    // bright on average as its baseline).
    let baseline = d.groundTruth.expectedBaseline.reduce(0, +) / Float(tiny.height * tiny.width)
    let mean = sum / Double(count)
    #expect(mean > tiny.offset + tiny.photonGain * Double(baseline) * 0.9)
    #expect(mean < tiny.offset + tiny.photonGain * Double(baseline) * 2)
  }

  // MARK: - Ground-truth network

  @Test func networksDifferExactlyInTheDifferingAssemblies() throws {
    let net = tinyDataset.groundTruth.network
    let m = net.assemblyCount
    #expect(m == 4)
    #expect(net.differingAssemblies.count == 2)
    #expect(tinyDataset.differingAssemblies == net.differingAssemblies)
    #expect(tinyDataset.networks == [net.familiar, net.novel])
    let differing = Set(net.differingAssemblies)
    for i in 0..<m {
      for j in 0..<m {
        let same = net.familiar[i * m + j] == net.novel[i * m + j]
        if differing.contains(j) && net.familiar[i * m + j] != 0 && i != j {
          #expect(!same, "A[\(i), \(j)] should differ")
        } else {
          #expect(same, "A[\(i), \(j)] should agree")
        }
      }
    }
    let outF = net.outflow(0)
    let outN = net.outflow(1)
    for j in 0..<m {
      if differing.contains(j) {
        #expect(outF[j] > outN[j] + 0.05, "assembly \(j) has no stronger outflow in F")
      } else {
        #expect(outF[j] == outN[j])
      }
    }
    // Stable, triangular in the topological order, unit stationary variance in both conditions.
    #expect(net.spectralRadius < 1)
    var position = [Int](repeating: 0, count: m)
    for (p, a) in net.topologicalOrder.enumerated() { position[a] = p }
    for i in 0..<m {
      for j in 0..<m where i != j && (net.familiar[i * m + j] != 0 || net.novel[i * m + j] != 0) {
        #expect(position[j] < position[i])
      }
    }
    for c: Int32 in [0, 1] {
      let s = net.stationaryCovariance(c)
      for i in 0..<m { #expect(abs(s[i * m + i] - 1) < 1e-12) }
    }
  }

  @Test func stationaryCovarianceSolvesTheLyapunovEquation() throws {
    let g = try SyntheticTwoPhotonGenerator(.preset(.standard, seed: 3).withoutScene)
    let net = g.groundTruth.network
    let m = net.assemblyCount
    for c: Int32 in [0, 1] {
      let a = net.coupling(c)
      let d = net.innovation(c)
      let s = net.stationaryCovariance(c)
      // S = A S A^T + D^2.
      var worst = 0.0
      for i in 0..<m {
        for j in 0..<m {
          var v = i == j ? d[i] * d[i] : 0
          for k in 0..<m {
            for l in 0..<m { v += a[i * m + k] * s[k * m + l] * a[j * m + l] }
          }
          worst = max(worst, abs(v - s[i * m + j]))
        }
      }
      #expect(worst < 1e-12)
      for i in 0..<m { #expect(abs(s[i * m + i] - 1) < 1e-12) }
    }
    // The differing columns differ, all else agrees, on the bigger network too.
    let differing = Set(net.differingAssemblies)
    #expect(differing.count == 4)
    for i in 0..<m {
      for j in 0..<m where !differing.contains(j) { #expect(net.familiar[i * m + j] == net.novel[i * m + j]) }
    }
    for j in differing { #expect(net.outflow(0)[j] > 0 && net.outflow(1)[j] == 0) }
  }

  @Test func aNullDatasetHasIdenticalNetworks() throws {
    var o = tiny
    o.differingAssemblyCount = 0
    let g = try SyntheticTwoPhotonGenerator(o)
    #expect(g.groundTruth.network.familiar == g.groundTruth.network.novel)
    #expect(g.groundTruth.differingAssemblies.isEmpty)
    #expect(g.groundTruth.differingMask.allSatisfy { $0 == 0 })
  }

  @Test func theNullExperimentSharesEverythingButTheDifference() throws {
    var o = tiny
    o.nullExperiment = true
    let null = try SyntheticTwoPhotonGenerator(o)
    let effect = try SyntheticTwoPhotonGenerator(tiny)
    let nullNetwork = null.groundTruth.network
    #expect(nullNetwork.familiar == nullNetwork.novel && nullNetwork.familiarNoise == nullNetwork.novelNoise)
    #expect(nullNetwork.familiar == effect.groundTruth.network.familiar)
    #expect(effect.groundTruth.network.familiar != effect.groundTruth.network.novel)
    #expect(null.groundTruth.differingAssemblies.isEmpty && null.groundTruth.differingMask.allSatisfy { $0 == 0 })
    // F runs are the same movie in both; N runs follow F's network in the null experiment.
    #expect(try null.frames(run: 0, range: 0..<8) == effect.frames(run: 0, range: 0..<8))
    let nRun = (0..<null.runCount).first { (try? null.condition(run: $0)) == 1 }!
    #expect(try null.activity(run: nRun).drift == effect.activity(run: nRun).drift)
    #expect(try null.activity(run: nRun).latents != effect.activity(run: nRun).latents)
  }

  @Test func runsDifferInGainAndBleaching() throws {
    var o = tiny
    o.runGainVariation = 0.2
    o.bleachingRate = 0.05...0.05
    o.driftAmplitude = 0
    o.runBrightnessVariation = 0
    let g = try SyntheticTwoPhotonGenerator(o)
    let gains = try (0..<g.runCount).map { try g.activity(run: $0).gain }
    #expect(Set(gains).count == g.runCount && gains.allSatisfy { $0 > 0 })
    let drift = try g.activity(run: 0).drift
    // exp(-0.05 t) at 30 Hz, from 1 at frame 0.
    #expect(abs(drift[0]) < 1e-6)
    #expect(abs(Double(drift[30]) - (exp(-0.05) - 1)) < 1e-5)
    o.bleachingRate = 0...11
    #expect(throws: SparseVARError.self) { try o.validate() }
  }

  // MARK: - Activity

  @Test func neuronActivityFollowsItsAssembly() throws {
    // Correlate each neuron's dF/F with every assembly's expected calcium signal: the latent
    // through the rate link exp(g a), filtered by a calcium kernel.
    let d = tinyDataset
    let truth = d.groundTruth
    let m = truth.assemblies.count
    let n = truth.neurons.count
    var own: [Double] = []
    var others: [Double] = []
    var independent: [Double] = []
    var fromFrames: [Double] = []
    for run in d.runs {
      let t = run.frameCount
      let expected = (0..<m).map { a in
        calciumFiltered((0..<t).map { exp(tiny.rateGain * run.activity.latents[$0 * m + a]) }, decay: 16)
      }
      for (k, neuron) in truth.neurons.enumerated() {
        let dff = (0..<t).map { Double(run.activity.deltaFOverF[$0 * n + k]) }
        guard dff.contains(where: { $0 != dff[0] }) else { continue }
        for a in 0..<m {
          let r = correlation(dff, expected[a])
          if neuron.assembly == a {
            own.append(r)
          } else if neuron.assembly >= 0 {
            others.append(r)
          } else {
            independent.append(r)
          }
        }
      }
      // The frames carry it too: an assembly's pixels follow its expected calcium signal.
      for a in 0..<m {
        let roi = roiTrace(run, mask: try truth.assemblyMask(a))
        fromFrames.append(correlation(roi, expected[a]))
      }
    }
    func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    let summary = "own \(mean(own)), other assemblies \(mean(others)), independent neurons "
      + "\(mean(independent)), assembly pixels \(mean(fromFrames))"
    #expect(mean(own) > 0.35, "\(summary)")
    #expect(mean(own) > mean(others) + 0.2, "\(summary)")
    #expect(abs(mean(independent)) < 0.1, "\(summary)")
    #expect(mean(fromFrames) > 0.4, "\(summary)")
  }

  @Test func spikesAndCalciumAreConsistent() throws {
    let truth = tinyDataset.groundTruth
    let n = truth.neurons.count
    var spikes = 0
    var frames = 0
    for run in tinyDataset.runs {
    let t = run.frameCount
    frames += t
    for k in 0..<n {
      for f in 0..<t {
        let s = Int(run.activity.spikes[f * n + k])
        spikes += s
        // dF/F never negative; without spikes it can fall no faster than its decay, so a spike
        // shows as more than that two frames later.
        #expect(run.activity.deltaFOverF[f * n + k] >= 0)
        if s > 0, f + 2 < t {
          let decayFrames = truth.neurons[k].decayTime * tiny.frameRate
          let before = Double(run.activity.deltaFOverF[max(0, f - 1) * n + k])
          let steps = Double(f + 2 - max(0, f - 1))
          #expect(Double(run.activity.deltaFOverF[(f + 2) * n + k]) > before * exp(-steps / decayFrames))
        }
      }
    }
    }
    // Tonic firing: mean rate between 4 and 12 Hz (r0 = 4-8 Hz, times exp(g^2 w^2 / 2) on average).
    let rate = Double(spikes) / Double(n * frames) * tiny.frameRate
    #expect(rate > 4 && rate < 12, "mean rate \(rate) Hz")
  }

  // MARK: - Masks

  @Test func differingMaskLiesOnTheDifferingAssemblies() throws {
    let truth = tinyDataset.groundTruth
    let mask = truth.differingMask
    #expect(mask.count == tiny.height * tiny.width)
    #expect(mask.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(mask.filter { $0 > 0.5 }.count >= 10)
    let differing = Set(truth.differingAssemblies)
    for (i, v) in mask.enumerated() where v > 0.5 {
      // The pixel is on a soma of a differing assembly.
      let onDiffering = truth.neurons.indices.contains { k in
        let a = truth.neurons[k].assembly
        return a >= 0 && differing.contains(a) && truth.maskPatches[k].image(height: 48, width: 32)[i] == v
      }
      #expect(onDiffering)
    }
    // And off the other neurons' somata (where they do not overlap a differing soma).
    for (k, neuron) in truth.neurons.enumerated() where neuron.assembly < 0 || !differing.contains(neuron.assembly) {
      let r = Int(neuron.row)
      let c = Int(neuron.column)
      if truth.neuronLabels[r * 32 + c] == Int32(k) { #expect(mask[r * 32 + c] < 0.5) }
    }
    for a in truth.differingAssemblies {
      let am = try truth.assemblyMask(a)
      for i in am.indices { #expect(mask[i] >= am[i]) }
    }
    // Labels point at neurons whose mask is >= 1/2 there.
    for (i, label) in truth.neuronLabels.enumerated() where label >= 0 {
      #expect(try truth.neuronMask(Int(label))[i] >= 0.5)
    }
  }

  // MARK: - Validation (does the planted difference come out of the method's tests?)

  /// The paper's validation criteria on the small preset with fixed seeds, applied to the
  /// assemblies' own pixel traces (each run's frames averaged over every assembly's somata,
  /// relative to their mean): a sparse VAR per run (p = 5, lambda = 0.01), the coefficient-swap
  /// tests in the paper's half-split layout, and the influence vectors painted onto the
  /// assemblies as a map. Between conditions every split must reach p < 0.003, within a
  /// condition both must stay above the Bonferroni threshold 0.05 / 6, and the F - N map must
  /// rank the differing assemblies' somata first (ROC AUC against the ground-truth mask). This
  /// checks the data and the statistics; what the autoencoder's latents make of it is measured
  /// by the demo (docs/synthetic.md).
  @Test(arguments: [1, 2] as [UInt64]) func validationOnAssemblyTraces(seed: UInt64) throws {
    let data = try SyntheticTwoPhotonDataset.generate(.preset(.small, seed: seed))
    let truth = data.groundTruth
    let m = truth.assemblies.count
    let masks = try (0..<m).map { try truth.assemblyMask($0) }
    var options = SparseVAROptions()
    options.lambda = 0.01
    let fitted = try data.runs.map { run -> FittedRun in
      var traces = [Double](repeating: 0, count: run.frameCount * m)
      for a in 0..<m {
        let x = relativeROITrace(run, mask: masks[a])
        for t in 0..<run.frameCount { traces[t * m + a] = x[t] }
      }
      let series = try Series(length: run.frameCount, dimension: m, values: traces)
      return try FittedRun(model: try SparseVARModel.fit(series, options: options), series: series)
    }
    let labels = data.labels
    let f = labels.indices.filter { labels[$0] == SyntheticTwoPhotonDataset.familiar }
    let n = labels.indices.filter { labels[$0] == SyntheticTwoPhotonDataset.novel }
    let (f1, f2) = (Array(f.prefix(f.count / 2)), Array(f.suffix(f.count - f.count / 2)))
    let (n1, n2) = (Array(n.prefix(n.count / 2)), Array(n.suffix(n.count - n.count / 2)))
    #expect(f1.count == 5 && n2.count == 5, "the paper's layout: five runs per half")
    func swapP(_ a: [Int], _ b: [Int]) throws -> Double {
      try GroupTests.coefficientSwap(fitted, groupA: a, groupB: b).result.rankSumPValue
    }
    let within = [try swapP(f1, f2), try swapP(n1, n2)]
    let between = [try swapP(f1, n1), try swapP(f1, n2), try swapP(f2, n1), try swapP(f2, n2)]
    #expect(within.allSatisfy { $0 > 0.05 / 6 }, "within-condition p \(within)")
    #expect(between.allSatisfy { $0 < 0.003 }, "between-condition p \(between)")

    // Map: each pixel gets |mean outflow in F - mean outflow in N| of the assembly it belongs to,
    // scored like the report scores the network's difference map.
    let models = fitted.map(\.model)
    let difference = zip(meanInfluence(models, runs: f), meanInfluence(models, runs: n)).map { abs($0 - $1) }
    var map = [Float](repeating: 0, count: truth.height * truth.width)
    for a in 0..<m { for i in map.indices where masks[a][i] > 0.5 { map[i] = max(map[i], Float(difference[a])) } }
    let auc = try #require(areaUnderROC(scores: map, truth: truth.differingMask.map { $0 > 0.5 ? 1 : 0 }))
    #expect(auc > 0.9, "ROC AUC of the F - N map \(auc)")
    print("validation seed \(seed): within p \(within), between p \(between), map AUC \(auc)")
  }

  @Test func layoutIsCompactAndOffVessels() throws {
    let truth = tinyDataset.groundTruth
    for assembly in truth.assemblies {
      #expect(!assembly.neurons.isEmpty)
      for k in assembly.neurons {
        let n = truth.neurons[k]
        let d = hypot(n.row - assembly.row, n.column - assembly.column)
        #expect(d <= assembly.radius + 1e-9)
      }
    }
    for (i, a) in truth.neurons.enumerated() {
      for b in truth.neurons[(i + 1)...] {
        let d = hypot(a.row - b.row, a.column - b.column) * tiny.micronsPerPixel
        #expect(d >= tiny.neuronSpacing * (a.radius + b.radius) - 1e-9)
      }
    }
    #expect(truth.assemblyOfNeuron.filter { $0 < 0 }.count == tiny.independentNeuronCount)
  }

  @Test func preprocessedMasksLineUpWithPreprocessedFrames() throws {
    let truth = tinyDataset.groundTruth
    let p = FramePreprocessing(crop: FrameSize(height: 40, width: 32), downscale: 2)
    let small = try truth.preprocessed(truth.differingMask, p)
    #expect(small.count == 20 * 16)
    for i in 0..<20 {
      for j in 0..<16 { #expect(small[i * 16 + j] == truth.differingMask[(4 + 2 * i) * 32 + 2 * j]) }
    }
    #expect(throws: SparseVARError.self) { try truth.preprocessed([0, 1], p) }
  }

  // MARK: - Noise

  @Test func noiseIsShotPlusReadNoiseAsDocumented() throws {
    var o = tiny
    o.motionAmplitude = 0
    let g = try SyntheticTwoPhotonGenerator(o)
    let run = try g.generateRun(index: 1)
    let expected = try g.expectedPhotons(run: 1, range: 0..<run.frameCount, activity: run.activity)
    // Standardised residuals: mean 0, variance 1 (+ rounding).
    var sum = 0.0
    var sum2 = 0.0
    var bins = [(n: Double, e: Double, r2: Double)](repeating: (0, 0, 0), count: 4)
    for (v, e) in zip(run.frames, expected) {
      let mean = o.offset + o.photonGain * Double(e)
      let variance = o.photonGain * o.photonGain * Double(e) + o.readNoise * o.readNoise + 1.0 / 12
      let z = (Double(v) - mean) / variance.squareRoot()
      sum += z
      sum2 += z * z
      let bin = e < 2 ? 0 : e < 4 ? 1 : e < 8 ? 2 : 3
      bins[bin].n += 1
      bins[bin].e += Double(e)
      bins[bin].r2 += (Double(v) - mean) * (Double(v) - mean)
    }
    let count = Double(run.frames.count)
    #expect(abs(sum / count) < 0.02)
    #expect(abs(sum2 / count - 1) < 0.03)
    // The pixel variance grows with the brightness, with slope gain^2 photons -> ADU^2.
    var previous = 0.0
    for bin in bins where bin.n > 500 {
      let e = bin.e / bin.n
      let variance = bin.r2 / bin.n
      let predicted = o.photonGain * o.photonGain * e + o.readNoise * o.readNoise
      #expect(variance > previous)
      #expect(abs(variance / predicted - 1) < 0.1, "variance \(variance) at \(e) photons, predicted \(predicted)")
      previous = variance
    }
  }

  @Test func motionShiftsTheScene() throws {
    var o = tiny
    o.motionAmplitude = 8  // 2 pixels
    o.integerMotion = true
    let g = try SyntheticTwoPhotonGenerator(o)
    let activity = try g.activity(run: 0)
    let shifts = activity.shifts
    #expect(shifts.allSatisfy { $0 == $0.rounded() })
    #expect(shifts.contains { $0 != 0 })
    // An integer shift moves the expected image by whole pixels.
    var still = o
    still.motionAmplitude = 0
    let s = try SyntheticTwoPhotonGenerator(still)
    let t = shifts.indices.first { shifts[$0] != 0 }! / 2
    let moved = try g.expectedPhotons(run: 0, range: t..<(t + 1), activity: activity)
    let fixed = try s.expectedPhotons(run: 0, range: t..<(t + 1))
    let dy = Int(shifts[2 * t])
    let dx = Int(shifts[2 * t + 1])
    for i in 0..<48 {
      for j in 0..<32 {
        let si = min(47, max(0, i - dy))
        let sj = min(31, max(0, j - dx))
        #expect(abs(moved[i * 32 + j] - fixed[si * 32 + sj]) <= 1e-4 * max(1, fixed[si * 32 + sj]))
      }
    }
  }

  // MARK: - FrameDataset and streaming

  @Test func frameDatasetsInMemoryAndStreamedAgree() throws {
    let whole = try tinyDataset.makeFrameDataset()
    #expect(whole.runCount == 10)
    #expect(whole.labels == tinyDataset.labels.map { Optional($0) })
    #expect(whole.outputHeight == 48 && whole.outputWidth == 32)
    let g = try SyntheticTwoPhotonGenerator(tiny)
    var calls = 0
    let streamed = try g.makeFrameDataset(chunkFrames: 25) { _, _ in
      calls += 1
      return true
    }
    #expect(calls > 10)
    #expect(streamed.labels == whole.labels)
    for run in 0..<10 {
      #expect(try streamed.frameCount(run: run) == tinyDataset.runs[run].frameCount)
      #expect(try streamed.frames(run: run) == whole.frames(run: run))
    }
    #expect(try streamed.meanFrame == whole.meanFrame)
    // Cancelling throws.
    #expect(throws: SparseVARError.self) { try g.makeFrameDataset { _, _ in false } }
    // The paper's preprocessing on a frame that fits it is recommended for the full preset only.
    #expect(SyntheticTwoPhotonOptions.preset(.full).recommendedPreprocessing == .paper)
    #expect(tiny.recommendedPreprocessing == FramePreprocessing())
  }

  @Test func generateRefusesTooMuchMemory() throws {
    expectInvalid { _ = try SyntheticTwoPhotonDataset.generate(tiny, memoryLimit: 1000) }
  }

  // MARK: - Bad input

  @Test func invalidOptionsThrow() throws {
    func bad(_ change: (inout SyntheticTwoPhotonOptions) -> Void, _ location: SourceLocation = #_sourceLocation) {
      var o = tiny
      change(&o)
      expectInvalid(location) { try o.validate() }
      expectInvalid(location) { _ = try SyntheticTwoPhotonGenerator(o) }
    }
    bad { $0.height = 0 }
    bad { $0.width = -3 }
    bad { $0.micronsPerPixel = 0 }
    bad { $0.frameRate = .nan }
    bad { $0.runCount = 0 }
    bad { $0.frameCountRange = 0...10 }
    bad { $0.meanFrameCount = 200 }
    bad { $0.meanFrameCount = 60 }
    bad { $0.blockLength = 0 }
    bad { $0.assemblyCount = 0 }
    bad { $0.differingAssemblyCount = 3 }  // 3 + out degree 2 > 4 assemblies
    bad { $0.differingAssemblyCount = -1 }
    bad { $0.novelCouplingScale = 1 }
    bad { $0.selfCoupling = 0.5...1.0 }
    bad { $0.decayTime = 0.01...0.02 }
    bad { $0.neuronRadius = 0...3 }
    bad { $0.photonGain = 0 }
    bad { $0.readNoise = -1 }
    bad { $0.offset = 70000 }
    bad { $0.vignetting = 1 }
    bad { $0.maximumDrivenVariance = 1 }
    bad { $0.threads = -1 }
    bad { $0.backgroundPhotons = .infinity }
    bad {
      $0.backgroundPhotons = 0
      $0.neuronBaselinePhotons = 0...0
    }
    // A field too crowded for its neurons (valid options, found while laying out).
    var crowded = tiny
    crowded.independentNeuronCount = 400
    crowded.neuronRadius = 8...10
    try crowded.validate()
    expectInvalid { _ = try SyntheticTwoPhotonGenerator(crowded) }
    // Unknown runs, neurons, frames.
    let g = try SyntheticTwoPhotonGenerator(tiny)
    expectInvalid { _ = try g.generateRun(index: 10) }
    expectInvalid { _ = try g.activity(run: -1) }
    expectInvalid { _ = try g.frames(run: 0, range: 0..<1000) }
    expectInvalid { _ = try g.frames(run: 0, range: 0..<2, activity: g.activity(run: 1)) }
    expectInvalid { _ = try g.groundTruth.neuronMask(g.groundTruth.neurons.count) }
    expectInvalid { _ = try g.groundTruth.assemblyMask(-1) }
    expectInvalid { _ = try g.makeFrameDataset(chunkFrames: 0) }
    // Every preset is valid.
    for preset in SyntheticTwoPhotonOptions.Preset.allCases {
      try SyntheticTwoPhotonOptions.preset(preset).validate()
    }
    #expect(SyntheticTwoPhotonOptions.preset(.standard) == SyntheticTwoPhotonOptions())
  }
}

extension SyntheticTwoPhotonOptions {
  /// The same options with nothing to draw (for network-only checks in debug builds).
  fileprivate var withoutScene: SyntheticTwoPhotonOptions {
    var o = self
    o.height = 192
    o.width = 128
    o.vesselCount = 0
    o.neuronsPerAssembly = 1...1
    o.independentNeuronCount = 0
    return o
  }
}

// MARK: - Report (opt-in)

private let reportEnabled = getenv("SPARSEVAR_SYNTHETIC_REPORT") != nil

private func environment(_ name: String, _ fallback: String) -> String {
  getenv(name).map { String(cString: $0) } ?? fallback
}

private func seconds(_ body: () throws -> Void) rethrows -> Double {
  var start = timespec()
  var end = timespec()
  clock_gettime(CLOCK_MONOTONIC, &start)
  try body()
  clock_gettime(CLOCK_MONOTONIC, &end)
  return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9
}

/// Timing, signal levels, and the method's core on ground-truth regions: a sparse VAR fitted to
/// each run's assembly-mean traces, influence per assembly by condition, and the group tests.
/// Overrides from SPARSEVAR_SYNTHETIC_SET="name=value,..." (numbers; ranges as lo:hi).
private func tune(_ o: inout SyntheticTwoPhotonOptions) {
  guard let raw = getenv("SPARSEVAR_SYNTHETIC_SET") else { return }
  for item in String(cString: raw).split(separator: ",") {
    let parts = item.split(separator: "=")
    guard parts.count == 2 else { continue }
    let bounds = parts[1].split(separator: ":").compactMap { Double($0) }
    let range = bounds.count == 2 ? bounds[0]...bounds[1] : bounds[0]...bounds[0]
    let v = bounds[0]
    switch parts[0] {
    case "selfCoupling": o.selfCoupling = range
    case "shared": o.sharedCouplingStrength = range
    case "differing": o.differingCouplingStrength = range
    case "edges": o.sharedEdgesPerAssembly = v
    case "driven": o.maximumDrivenVariance = v
    case "baseRate": o.baseRate = range
    case "rateGain": o.rateGain = v
    case "neurons": o.neuronsPerAssembly = Int(bounds[0])...Int(bounds.last!)
    case "motion": o.motionAmplitude = v
    case "drift": o.driftAmplitude = v
    case "decay": o.decayTime = range
    case "outDegree": o.differingOutDegree = Int(v)
    case "seed": o.seed = UInt64(v)
    case "radius": o.assemblyRadius = v
    case "neuropil": o.neuropilCoupling = v
    case "bg": o.backgroundPhotons = v
    case "f0": o.neuronBaselinePhotons = range
    case "amp": o.spikeAmplitude = range
    case "maxRate": o.maximumRate = v
    case "participation": o.participation = range
    case "runs": o.runCount = Int(v)
    case "assemblies": o.assemblyCount = Int(v)
    case "differingCount": o.differingAssemblyCount = Int(v)
    case "independent": o.independentNeuronCount = Int(v)
    default: print("unknown knob \(parts[0])")
    }
  }
}

@Suite(.enabled(if: reportEnabled)) struct SyntheticReport {
  @Test func standardPreset() throws {
    let presetName = environment("SPARSEVAR_SYNTHETIC_PRESET", "standard")
    let preset = SyntheticTwoPhotonOptions.Preset(rawValue: presetName) ?? .standard
    var o = SyntheticTwoPhotonOptions.preset(preset)
    tune(&o)
    var dataset: SyntheticTwoPhotonDataset!
    let time = try seconds { dataset = try SyntheticTwoPhotonDataset.generate(o) }
    let frames = dataset.runs.map(\.frameCount).reduce(0, +)
    print("preset \(preset): \(dataset.runs.count) runs, \(frames) frames of \(o.height) x \(o.width), "
      + "generated in \(time) s (\(o.threads == 0 ? availableCores : o.threads) threads)")
    print("run lengths: \(dataset.runs.map(\.frameCount))")
    let truth = dataset.groundTruth
    let net = truth.network
    let m = net.assemblyCount
    print("neurons: \(truth.neurons.count) (\(truth.assemblyOfNeuron.filter { $0 < 0 }.count) independent), "
      + "assemblies \(m), differing \(net.differingAssemblies)")
    print("outflow F: \(net.outflow(0).map { ($0 * 1000).rounded() / 1000 })")
    print("outflow N: \(net.outflow(1).map { ($0 * 1000).rounded() / 1000 })")
    print("noise F: \(net.familiarNoise.map { ($0 * 1000).rounded() / 1000 })")
    let n = truth.neurons.count
    var spikes = 0
    var values: [Double] = []
    for run in dataset.runs {
      spikes += run.activity.spikes.reduce(0) { $0 + Int($1) }
      values.append(contentsOf: run.frames.lazy.map(Double.init))
    }
    print("mean rate \(Double(spikes) / Double(n * frames) * o.frameRate) Hz; "
      + "ADU min \(values.min()!) mean \(values.reduce(0, +) / Double(values.count)) max \(values.max()!)")
    let dffs = dataset.runs.flatMap(\.activity.deltaFOverF)
    print("dF/F mean \(dffs.reduce(0, +) / Float(dffs.count)) max \(dffs.max()!)")
    print("differing mask pixels > 0.5: \(truth.differingMask.filter { $0 > 0.5 }.count) of \(truth.differingMask.count)")

    // Sparse VARs per run on three levels: latents, noise-free assembly dF/F, frame ROI traces.
    let masks = try (0..<m).map { try truth.assemblyMask($0) }
    let lambda = Double(environment("SPARSEVAR_SYNTHETIC_LAMBDA", "0.02")) ?? 0.02
    let labels = dataset.labels
    let f = labels.indices.filter { labels[$0] == 0 }
    let nn = labels.indices.filter { labels[$0] == 1 }
    for level in ["latent", "dF/F", "frames"] {
      var models: [SparseVARModel] = []
      var fitted: [FittedRun] = []
      var vopt = SparseVAROptions()
      vopt.lambda = lambda
      for run in dataset.runs {
        var traces = [Double](repeating: 0, count: run.frameCount * m)
        for a in 0..<m {
          let x: [Double]
          switch level {
          case "latent": x = (0..<run.frameCount).map { run.activity.latents[$0 * m + a] }
          case "dF/F": x = (0..<run.frameCount).map { Double(run.activity.assemblyDeltaFOverF[$0 * m + a]) }
          default: x = relativeROITrace(run, mask: masks[a])
          }
          for t in 0..<run.frameCount { traces[t * m + a] = x[t] }
        }
        let series = try Series(length: run.frameCount, dimension: m, values: traces)
        let model = try SparseVARModel.fit(series, options: vopt)
        models.append(model)
        fitted.append(try FittedRun(model: model, series: series))
      }
      let cF = meanInfluence(models, runs: f)
      let cN = meanInfluence(models, runs: nn)
      let diffs = (0..<m).map { cF[$0] - cN[$0] }
      let dSet = Set(net.differingAssemblies)
      let onD = diffs.indices.filter { dSet.contains($0) }.map { diffs[$0] }
      let offD = diffs.indices.filter { !dSet.contains($0) }.map { diffs[$0] }
      // AUC of the influence difference: differing vs other assemblies.
      let auc = areaUnderROC(scores: diffs.map(Float.init), truth: (0..<m).map { dSet.contains($0) ? 1 : 0 }) ?? .nan
      let influence = try GroupTests.influenceDistance(models, groupA: f, groupB: nn)
      let swap = try GroupTests.coefficientSwap(fitted, groupA: f, groupB: nn)
      let half = f.count / 2
      let nullInfluence = try GroupTests.influenceDistance(models, groupA: Array(f.prefix(half)), groupB: Array(f.suffix(f.count - half)))
      let nullSwap = try GroupTests.coefficientSwap(fitted, groupA: Array(f.prefix(half)), groupB: Array(f.suffix(f.count - half)))
      let r3 = { (v: Double) in (v * 1000).rounded() / 1000 }
      print("\(level): mean outflow F \(r3(cF.reduce(0, +) / Double(m))), F-N on differing \(onD.map(r3)), "
        + "others mean \(r3(offD.reduce(0, +) / Double(offD.count))) max \(r3(offD.max() ?? 0)); AUC \(auc); "
        + "F vs N rank-sum p infl \(influence.result.rankSumPValue) swap \(swap.result.rankSumPValue); F vs F p infl \(nullInfluence.result.rankSumPValue) swap \(nullSwap.result.rankSumPValue)")
    }
  }

  @Test func generationTime() throws {
    let presetName = environment("SPARSEVAR_SYNTHETIC_PRESET", "standard")
    let preset = SyntheticTwoPhotonOptions.Preset(rawValue: presetName) ?? .standard
    var o = SyntheticTwoPhotonOptions.preset(preset)
    tune(&o)
    guard preset != .full else { return }
    var setup = 0.0
    var generator: SyntheticTwoPhotonGenerator!
    setup = try seconds { generator = try SyntheticTwoPhotonGenerator(o) }
    var activity = 0.0
    var frames = 0.0
    for run in 0..<generator.runCount {
      var a: SyntheticRunActivity!
      activity += try seconds { a = try generator.activity(run: run) }
      frames += try seconds { _ = try generator.frames(run: run, range: 0..<a.frameCount, activity: a) }
    }
    print("generation of \(preset): scene \(setup) s, activity \(activity) s, frames \(frames) s")
  }

  @Test func fullPresetOneRun() throws {
    guard getenv("SPARSEVAR_SYNTHETIC_FULL") != nil else { return }
    var generator: SyntheticTwoPhotonGenerator!
    let setup = try seconds { generator = try SyntheticTwoPhotonGenerator(.preset(.full)) }
    let run = generator.frameCounts.indices.max { generator.frameCounts[$0] < generator.frameCounts[$1] }!
    var frames = 0
    let time = try seconds {
      let activity = try generator.activity(run: run)
      var start = 0
      while start < activity.frameCount {
        let end = min(activity.frameCount, start + 64)
        frames += try generator.frames(run: run, range: start..<end, activity: activity).count / (768 * 512)
        start = end
      }
    }
    // The same tissue as the standard preset, sampled 4 times finer.
    let standard = try SyntheticTwoPhotonGenerator(.preset(.standard)).groundTruth.neurons
    let full = generator.groundTruth.neurons
    let same = standard.count == full.count && zip(standard, full).allSatisfy { a, b in
      abs(a.row * 4 - b.row) < 1e-9 && abs(a.column * 4 - b.column) < 1e-9 && a.radius == b.radius
    }
    print("full preset: same neurons as the standard preset (in µm): \(same)")
    print("full preset: scene in \(setup) s; run \(run) (\(frames) frames of 768 x 512) in \(time) s; "
      + "all \(generator.totalFrameCount) frames ~ \(time / Double(frames) * Double(generator.totalFrameCount)) s")
  }
}
