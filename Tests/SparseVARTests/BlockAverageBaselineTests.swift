import Testing
@testable import SparseVAR
@testable import SparseVARSynthetic

@Suite struct BlockAverageBaselineTests {
  @Test func gridAveragesAndPaintsBlocks() throws {
    // 5 x 4 frames on a 2 x 2 grid: row i is in block row 2 i / 5 (rows 0-2 | 3-4), columns 0-1 | 2-3.
    let grid = try BlockGrid(height: 5, width: 4, gridHeight: 2, gridWidth: 2)
    #expect(grid.blockOfPixel == [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3])
    let frames = (0..<40).map { Float($0) }  // two frames
    let series = try grid.averages(frames, count: 2)
    #expect(series.length == 2 && series.dimension == 4)
    for t in 0..<2 {
      for block in 0..<4 {
        let members = grid.blockOfPixel.indices.filter { grid.blockOfPixel[$0] == block }
        let mean = members.map { Double(frames[t * 20 + $0]) }.reduce(0, +) / Double(members.count)
        #expect(abs(series.values[t * 4 + block] - mean) < 1e-12)
      }
    }
    #expect(grid.paint([1, 2, 3, 4]) == grid.blockOfPixel.map { Float($0 + 1) })
    #expect(throws: SparseVARError.self) { try BlockGrid(height: 5, width: 4, gridHeight: 6, gridWidth: 1) }
    #expect(throws: SparseVARError.self) { try grid.averages(frames, count: 3) }
  }

  @Test func baselineRunsTheSameTestsAsTheNetwork() throws {
    var options = SyntheticTwoPhotonOptions.preset(.tiny, seed: 2)
    options.threads = 1
    let dataset = try SyntheticTwoPhotonGenerator(options).makeFrameDataset()
    var var_ = SparseVAROptions()
    var_.lag = 3
    var_.lambda = 0.01
    var_.threads = 1
    var_.intercept = .seriesMean
    let grid = try BlockGrid(height: dataset.outputHeight, width: dataset.outputWidth, gridHeight: 3, gridWidth: 2)
    let baseline = try BlockAverageBaseline(dataset, grid: grid, varOptions: var_)
    #expect(baseline.runs.count == dataset.runCount)
    // Each run's VAR is the one fitted on its centred block averages.
    let run = baseline.runs[4]
    let series = try grid.averages(try dataset.frames(run: 4), count: try dataset.frameCount(run: 4))
    #expect(run.latents.values == series.values && run.latentMean == series.temporalMean)
    var plain = var_
    plain.intercept = .none
    let refit = try SparseVARModel.fit(try series.subtracting(series.temporalMean), options: plain)
    #expect(refit.coefficients == run.model.coefficients)
    // The tests are the group tests on these runs.
    let swap = try baseline.swapTest(0, 1, threads: 1)
    let direct = try GroupTests.coefficientSwap(
      try baseline.runs.map { try $0.fittedRun }, groupA: Array(0..<5), groupB: Array(5..<10), threads: 1)
    #expect(swap.result.pValue == direct.result.pValue)
    #expect(zip(swap.matrix, direct.matrix).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    // The difference map is the groups' mean influence difference, painted on the blocks and
    // weighted per pixel by the runs' mean relative temporal standard deviation.
    let map = try baseline.differenceMap(0, 1)
    let f = (0..<5).map { baseline.runs[$0].model.influence }
    let n = (5..<10).map { baseline.runs[$0].model.influence }
    func mean(_ runs: [[Double]], _ l: Int) -> Double { runs.map { $0[l] }.reduce(0, +) / Double(runs.count) }
    let expected: [Double] = (0..<6).map { mean(f, $0) - mean(n, $0) }
    let pixels = grid.height * grid.width
    var weight = [Double](repeating: 0, count: pixels)
    for r in 0..<dataset.runCount {
      let count = try dataset.frameCount(run: r)
      let frames = try dataset.frames(run: r).map(Double.init)
      var deviation = [Double](repeating: 0, count: pixels)
      for p in 0..<pixels {
        let values = (0..<count).map { frames[$0 * pixels + p] }
        let m = values.reduce(0, +) / Double(count)
        deviation[p] = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(count)).squareRoot()
      }
      let average = deviation.reduce(0, +) / Double(pixels)
      for p in 0..<pixels { weight[p] += deviation[p] / average / Double(dataset.runCount) }
    }
    for (pixel, block) in grid.blockOfPixel.enumerated() {
      #expect(abs(Double(map[pixel]) - expected[block] * weight[pixel]) < 1e-4 * max(1, abs(expected[block] * weight[pixel])))
    }
  }
}
