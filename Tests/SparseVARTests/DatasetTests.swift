// FrameDataset: preprocessing geometry, normalisation, mean frame, streaming, storage, windows.
import Testing
@testable import SparseVAR

/// Everything observable about a dataset, to check that a failed call changed nothing.
private struct Snapshot: Equatable {
  var runCount: Int
  var labels: [Int32?]
  var frameCounts: [Int]
  var storageType: FrameStorageType?
  var totalFrameCount: Int
  var minimum: Double?
  var maximum: Double?
  var memoryBytes: Int
  var u16: [[UInt16]]
  var f32: [[Float]]
  var pixelSums: [Double]

  init(_ d: FrameDataset) {
    runCount = d.runCount
    labels = d.labels
    frameCounts = d.runs.map(\.frameCount)
    storageType = d.storageType
    totalFrameCount = d.totalFrameCount
    minimum = d.minimum
    maximum = d.maximum
    memoryBytes = d.memoryBytes
    u16 = d.runs.map(\.u16)
    f32 = d.runs.map(\.f32)
    pixelSums = d.pixelSums
  }
}

/// Raw frames with pixel (k, r, c) = 100 k + 10 r + c.
private func coordinateFrames(count: Int, height: Int, width: Int) -> [UInt16] {
  var out: [UInt16] = []
  for k in 0..<count {
    for r in 0..<height {
      for c in 0..<width { out.append(UInt16(100 * k + 10 * r + c)) }
    }
  }
  return out
}

private func expectError(
  _ kind: (SparseVARError) -> Bool, _ sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record("expected an error", sourceLocation: sourceLocation)
  } catch let error as SparseVARError {
    #expect(kind(error), "unexpected error \(error)", sourceLocation: sourceLocation)
  } catch {
    Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
  }
}

private func isShape(_ e: SparseVARError) -> Bool { if case .shape = e { return true }; return false }
private func isInvalid(_ e: SparseVARError) -> Bool {
  if case .invalidArgument = e { return true }; return false
}
private func isNonFinite(_ e: SparseVARError) -> Bool {
  if case .nonFinite = e { return true }; return false
}
private func isNumerical(_ e: SparseVARError) -> Bool {
  if case .numerical = e { return true }; return false
}
private func isNotFitted(_ e: SparseVARError) -> Bool {
  if case .notFitted = e { return true }; return false
}

@Suite struct DatasetTests {
  // MARK: - Equal run brightness

  /// A run recorded at twice the gain reads, with the option, at the dataset's mean intensity,
  /// as does the other run; the pattern within each run is kept up to that factor.
  @Test func equalizedRunsReadAtTheDatasetsMeanIntensity() throws {
    let pattern: [Float] = (0..<(3 * 4)).map { 10 + Float($0 % 5) }  // 3 frames of 2 x 2
    let d = try FrameDataset(height: 2, width: 2)
    try d.addRun(pattern, count: 3)
    try d.addRun(pattern.map { 2 * $0 }, count: 3)
    func mean(_ v: [Float]) -> Double { v.reduce(0.0) { $0 + Double($1) } / Double(v.count) }
    let plain = (try d.frames(run: 0), try d.frames(run: 1))
    #expect(abs(mean(plain.0) - mean(plain.1)) > 0.3)
    d.equalizesRunBrightness = true
    let both = try d.frames(run: 0) + d.frames(run: 1)
    let equal = (try d.frames(run: 0), try d.frames(run: 1))
    #expect(abs(mean(equal.0) - mean(both)) < 1e-5 && abs(mean(equal.1) - mean(both)) < 1e-5)
    for i in 0..<pattern.count {
      #expect(abs(equal.0[i] / Float(mean(equal.0)) - plain.0[i] / Float(mean(plain.0))) < 1e-5)
    }
  }

  // MARK: - Geometry

  @Test func centreCropPutsTheOddPixelBottomRight() throws {
    // 5 x 7 -> crop 2 x 4: margins 3 and 3, top = left = 1 (the extra row / column is cut from
    // the bottom / right).
    let d = try FrameDataset(
      height: 5, width: 7, preprocessing: FramePreprocessing(crop: FrameSize(height: 2, width: 4)))
    #expect(d.outputHeight == 2 && d.outputWidth == 4)
    try d.addRun(coordinateFrames(count: 2, height: 5, width: 7), count: 2)
    #expect(d.runs[0].u16 == [11, 12, 13, 14, 21, 22, 23, 24, 111, 112, 113, 114, 121, 122, 123, 124])
    #expect(d.minimum == 11 && d.maximum == 124)
    // Even margins: 6 x 6 -> 2 x 2 keeps rows and columns 2...3.
    let e = try FrameDataset(
      height: 6, width: 6, preprocessing: FramePreprocessing(crop: FrameSize(height: 2, width: 2)))
    try e.addRun(coordinateFrames(count: 1, height: 6, width: 6), count: 1)
    #expect(e.runs[0].u16 == [22, 23, 32, 33])
  }

  @Test func downscaleTakesTheTopLeftPixelOfEachBlock() throws {
    // No crop: 4 x 6, f = 2 -> 2 x 3 from rows 0, 2 and columns 0, 2, 4.
    let d = try FrameDataset(height: 4, width: 6, preprocessing: FramePreprocessing(downscale: 2))
    #expect(d.outputHeight == 2 && d.outputWidth == 3)
    try d.addRun(coordinateFrames(count: 2, height: 4, width: 6), count: 2)
    #expect(d.runs[0].u16 == [0, 2, 4, 20, 22, 24, 100, 102, 104, 120, 122, 124])

    // Crop then downscale: 5 x 7 -> crop 4 x 4 (top 0, left 1) -> f = 2 -> 2 x 2.
    let e = try FrameDataset(
      height: 5, width: 7,
      preprocessing: FramePreprocessing(crop: FrameSize(height: 4, width: 4), downscale: 2))
    try e.addRun(coordinateFrames(count: 1, height: 5, width: 7), count: 1)
    #expect(e.runs[0].u16 == [1, 3, 21, 23])
    // Normalised read: (v - 1) / 22.
    let x = try e.frames(run: 0, range: 0..<1)
    for (a, b) in zip(x, [0, 2.0 / 22, 20.0 / 22, 1]) { #expect(abs(Double(a) - b) < 1e-7) }

    // f = 3 on a 6 x 9 crop of 7 x 9.
    let f = try FrameDataset(
      height: 7, width: 9,
      preprocessing: FramePreprocessing(crop: FrameSize(height: 6, width: 9), downscale: 3))
    try f.addRun(coordinateFrames(count: 1, height: 7, width: 9), count: 1)
    #expect(f.runs[0].u16 == [0, 3, 6, 30, 33, 36])
  }

  @Test func paperGeometry() throws {
    let d = try FrameDataset(height: 1024, width: 640, preprocessing: .paper)
    #expect(d.outputHeight == 192 && d.outputWidth == 128)
  }

  @Test func invalidGeometryThrows() {
    expectError(isInvalid) { _ = try FrameDataset(height: 0, width: 4) }
    expectError(isInvalid) { _ = try FrameDataset(height: 4, width: -1) }
    expectError(isShape) {
      _ = try FrameDataset(
        height: 4, width: 4, preprocessing: FramePreprocessing(crop: FrameSize(height: 5, width: 2)))
    }
    expectError(isInvalid) {
      _ = try FrameDataset(
        height: 4, width: 4, preprocessing: FramePreprocessing(crop: FrameSize(height: 0, width: 2)))
    }
    expectError(isInvalid) {
      _ = try FrameDataset(height: 4, width: 4, preprocessing: FramePreprocessing(downscale: 0))
    }
    do {
      _ = try FrameDataset(
        height: 10, width: 10,
        preprocessing: FramePreprocessing(crop: FrameSize(height: 6, width: 5), downscale: 2))
      Issue.record("expected an error")
    } catch let error as SparseVARError {
      #expect(isShape(error))
      #expect(error.message.contains("6 x 5") && error.message.contains("2"), "\(error)")
    } catch {
      Issue.record("\(error)")
    }
  }

  // MARK: - Normalisation and mean frame

  @Test func normalisationAndMeanFrameMatchADirectComputation() throws {
    var rng = TestRandom(seed: 71)
    let (h, w) = (6, 5)
    let lengths = [4, 7]
    let runs = lengths.map { n in (0..<(n * h * w)).map { _ in rng.normal() * 3 + 1 } }
    let d = try FrameDataset(height: h, width: w)
    for r in runs { try d.addRun(r, count: r.count / (h * w)) }

    // Direct: Double -> Float storage, global min / max, then per-pixel mean of normalised frames.
    let stored = runs.map { $0.map { Double(Float($0)) } }
    let all = stored.flatMap { $0 }
    let lo = all.min()!
    let hi = all.max()!
    #expect(d.minimum == lo && d.maximum == hi)
    for (i, r) in stored.enumerated() {
      let x = try d.frames(run: i, range: 0..<lengths[i])
      #expect(x.count == r.count)
      for k in r.indices { #expect(abs(Double(x[k]) - (r[k] - lo) / (hi - lo)) < 1e-6) }
      #expect(x.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
    var mean = [Double](repeating: 0, count: h * w)
    for r in stored {
      for k in r.indices { mean[k % (h * w)] += (r[k] - lo) / (hi - lo) }
    }
    let total = Double(lengths.reduce(0, +))
    let xbar = try d.meanFrame
    #expect(xbar.count == h * w)
    for p in mean.indices { #expect(abs(Double(xbar[p]) - mean[p] / total) < 1e-6) }

    // A sub-range reads the right frames.
    let part = try d.frames(run: 1, range: 2..<4)
    let whole = try d.frames(run: 1)
    #expect(part == Array(whole[(2 * h * w)..<(4 * h * w)]))
    #expect(try d.frames(run: 1, range: 3..<3).isEmpty)
  }

  @Test func normalisationFollowsNewFrames() throws {
    let d = try FrameDataset(height: 1, width: 2)
    try d.addRun([UInt16(10), 20], count: 1)
    #expect(try d.frames(run: 0) == [0, 1])
    #expect(try d.meanFrame == [0, 1])
    try d.addRun([UInt16(0), 40], count: 1)
    #expect(try d.frames(run: 0) == [0.25, 0.5])
    #expect(try d.frames(run: 1) == [0, 1])
    #expect(try d.meanFrame == [0.125, 0.75])
  }

  @Test func constantOrEmptyDatasetCannotBeNormalised() throws {
    let d = try FrameDataset(height: 2, width: 2)
    expectError(isNotFitted) { _ = try d.meanFrame }
    let r = d.beginRun(label: nil)
    expectError(isNotFitted) { _ = try d.frames(run: r, range: 0..<0) }
    try d.append([Float](repeating: 7, count: 8), count: 2, to: r)
    expectError(isNumerical) { _ = try d.frames(run: r, range: 0..<2) }
    expectError(isNumerical) { _ = try d.meanFrame }
    #expect(d.minimum == 7 && d.maximum == 7)
    // The error is at read time only: more frames make the dataset usable.
    try d.append([Float(7), 7, 7, 9], count: 1, to: r)
    #expect(try d.frames(run: r, range: 2..<3) == [0, 0, 0, 1])
  }

  // MARK: - Input types, streaming, storage

  @Test func streamingInBatchesEqualsAddingWhole() throws {
    var rng = TestRandom(seed: 72)
    let pre = FramePreprocessing(crop: FrameSize(height: 4, width: 6), downscale: 2)
    let (h, w, n) = (5, 7, 6)
    let doubles = (0..<(n * h * w)).map { _ in rng.normal() * 100 }
    let floats = doubles.map { Float($0) }
    let ints = doubles.map { UInt16(abs($0) * 50) }
    let batches = [0..<1, 1..<4, 4..<4, 4..<6]

    func check(_ whole: FrameDataset, _ streamed: FrameDataset) throws {
      #expect(Snapshot(whole) == Snapshot(streamed))
      #expect(try whole.frames(run: 0) == streamed.frames(run: 0))
      #expect(try whole.meanFrame == streamed.meanFrame)
      #expect(try whole.label(run: 0) == 3 && streamed.label(run: 0) == 3)
    }

    let wholeU = try FrameDataset(height: h, width: w, preprocessing: pre)
    let streamU = try FrameDataset(height: h, width: w, preprocessing: pre)
    try wholeU.addRun(ints, count: n, label: 3)
    let ru = streamU.beginRun(label: 3)
    for b in batches {
      try streamU.append(Array(ints[(b.lowerBound * h * w)..<(b.upperBound * h * w)]), count: b.count, to: ru)
    }
    try check(wholeU, streamU)

    let wholeF = try FrameDataset(height: h, width: w, preprocessing: pre)
    let streamF = try FrameDataset(height: h, width: w, preprocessing: pre)
    _ = try floats.withUnsafeBufferPointer { try wholeF.addRun($0, count: n, label: 3) }
    let rf = streamF.beginRun(label: 3)
    for b in batches {
      try floats.withUnsafeBufferPointer {
        try streamF.append(
          UnsafeBufferPointer(rebasing: $0[(b.lowerBound * h * w)..<(b.upperBound * h * w)]),
          count: b.count, to: rf)
      }
    }
    try check(wholeF, streamF)

    let wholeD = try FrameDataset(height: h, width: w, preprocessing: pre)
    let streamD = try FrameDataset(height: h, width: w, preprocessing: pre)
    try wholeD.addRun(doubles, count: n, label: 3)
    let rd = streamD.beginRun(label: 3)
    for b in batches {
      try streamD.append(Array(doubles[(b.lowerBound * h * w)..<(b.upperBound * h * w)]), count: b.count, to: rd)
    }
    try check(wholeD, streamD)
    // Double input is stored as the Float it rounds to.
    #expect(Snapshot(wholeD).f32 == Snapshot(wholeF).f32)
  }

  @Test func storageTypesAndMemoryFormula() throws {
    let (h, w) = (8, 6)
    let pre = FramePreprocessing(crop: FrameSize(height: 4, width: 6), downscale: 2)
    let pixels = 2 * 3
    let frames = coordinateFrames(count: 5, height: h, width: w)

    let u = try FrameDataset(height: h, width: w, preprocessing: pre)
    #expect(u.storageType == nil)
    #expect(u.memoryBytes == 8 * pixels)
    try u.addRun(frames, count: 5)
    #expect(u.storageType == .uint16)
    #expect(u.memoryBytes == 5 * pixels * 2 + 8 * pixels)
    #expect(u.runs[0].u16.count == 5 * pixels && u.runs[0].f32.isEmpty)

    let f = try FrameDataset(height: h, width: w, preprocessing: pre)
    try f.addRun(frames.map { Float($0) }, count: 5)
    #expect(f.storageType == .float32)
    #expect(f.memoryBytes == 5 * pixels * 4 + 8 * pixels)

    let d = try FrameDataset(height: h, width: w, preprocessing: pre)
    try d.addRun(frames.map { Double($0) + 0.1 }, count: 5)
    #expect(d.storageType == .float32)
    #expect(d.memoryBytes == 5 * pixels * 4 + 8 * pixels)
    #expect(d.runs[0].f32 == u.runs[0].u16.map { Float(Double($0) + 0.1) })

    // Mixing: UInt16 frames are converted exactly to Float storage when Float frames arrive,
    // and later UInt16 frames are stored as Float.
    let m = try FrameDataset(height: h, width: w, preprocessing: pre)
    try m.addRun(frames, count: 5)
    let before = try m.frames(run: 0)
    let r = m.beginRun()
    try m.append(frames.map { Float($0) }, count: 5, to: r)
    #expect(m.storageType == .float32)
    #expect(m.runs[0].f32 == u.runs[0].u16.map { Float($0) } && m.runs[0].u16.isEmpty)
    #expect(try m.frames(run: 0) == before && m.frames(run: 1) == before)
    try m.addRun(frames, count: 5)
    #expect(m.storageType == .float32 && m.runs[2].u16.isEmpty)
    #expect(try m.frames(run: 2) == before)
    #expect(m.memoryBytes == 15 * pixels * 4 + 8 * pixels)
    #expect(try m.meanFrame == f.meanFrame)
  }

  // MARK: - Invalid input leaves the dataset unchanged

  @Test func invalidInputThrowsAndChangesNothing() throws {
    let pre = FramePreprocessing(crop: FrameSize(height: 2, width: 2))
    let d = try FrameDataset(height: 4, width: 4, preprocessing: pre)
    try d.addRun(coordinateFrames(count: 3, height: 4, width: 4), count: 3, label: 1)
    let open = d.beginRun(label: 2)
    try d.append(coordinateFrames(count: 1, height: 4, width: 4), count: 1, to: open)
    let snapshot = Snapshot(d)
    let good = [Float](repeating: 5, count: 2 * 16)

    // Wrong sizes and counts.
    expectError(isShape) { try d.addRun([UInt16](repeating: 0, count: 31), count: 2) }
    expectError(isShape) { try d.addRun([Float](repeating: 0, count: 16), count: 2, label: 9) }
    expectError(isShape) { try d.append([Double](repeating: 0, count: 17), count: 1, to: open) }
    expectError(isShape) { try d.append(good, count: 0, to: open) }
    expectError(isInvalid) { try d.addRun([UInt16](), count: -1) }
    expectError(isInvalid) { try d.append([Float](), count: -1, to: open) }
    expectError(isShape) { try d.append([UInt16](), count: Int.max / 2, to: open) }
    // Unknown run ids.
    expectError(isInvalid) { try d.append(good, count: 2, to: 2) }
    expectError(isInvalid) { try d.append(good, count: 2, to: -1) }
    expectError(isInvalid) { try d.setLabel(4, run: 7) }
    // NaN / infinity anywhere, also in pixels the crop cuts away and in the last frame.
    for bad in [Float.nan, .infinity, -.infinity] {
      for index in [0, 15, 16 + 5, 31] {
        var frames = good
        frames[index] = bad
        expectError(isNonFinite) { try d.append(frames, count: 2, to: open) }
        expectError(isNonFinite) { try d.addRun(frames, count: 2, label: 3) }
        expectError(isNonFinite) { try d.addRun(frames.map { Double($0) }, count: 2) }
      }
    }
    // A finite Double that overflows Float.
    var huge = good.map { Double($0) }
    huge[30] = 1e39
    expectError(isInvalid) { try d.append(huge, count: 2, to: open) }
    huge[30] = -.greatestFiniteMagnitude
    expectError(isInvalid) { try d.addRun(huge, count: 2) }
    // A UInt16 dataset is not converted to Float storage by a batch that fails.
    #expect(d.storageType == .uint16)
    #expect(Snapshot(d) == snapshot)

    // Reads with bad arguments throw too (and change nothing).
    expectError(isInvalid) { _ = try d.frames(run: 2, range: 0..<1) }
    expectError(isInvalid) { _ = try d.frames(run: 0, range: 2..<4) }
    expectError(isInvalid) { _ = try d.frames(run: 0, range: -1..<1) }
    expectError(isInvalid) { _ = try d.frameCount(run: 5) }
    expectError(isInvalid) { _ = try d.label(run: -1) }
    var small = [Float](repeating: -1, count: 3)
    expectError(isShape) {
      try small.withUnsafeMutableBufferPointer { try d.copyFrames(run: 0, range: 0..<1, into: $0) }
    }
    #expect(small == [-1, -1, -1])
    #expect(Snapshot(d) == snapshot)

    // The same dataset still accepts good input afterwards.
    try d.append(good, count: 2, to: open)
    #expect(try d.frameCount(run: open) == 3)
  }

  // MARK: - Runs, labels, windows

  @Test func runsAndLabels() throws {
    let d = try FrameDataset(height: 1, width: 1)
    #expect(d.runCount == 0)
    let a = d.beginRun(label: 4)
    let b = try d.addRun([UInt16(1), 2, 3], count: 3)
    let c = try d.addRun([UInt16](), count: 0, label: 8)
    #expect((a, b, c) == (0, 1, 2))
    #expect(d.runCount == 3 && d.totalFrameCount == 3)
    #expect(try d.frameCount(run: a) == 0 && d.frameCount(run: b) == 3 && d.frameCount(run: c) == 0)
    #expect(d.labels == [4, nil, 8])
    try d.setLabel(5, run: b)
    try d.setLabel(nil, run: a)
    #expect(try d.label(run: a) == nil && d.label(run: b) == 5 && d.label(run: c) == 8)
  }

  @Test func windowsDropShortTailsAndKeepLongerOnes() throws {
    let d = try FrameDataset(height: 1, width: 1)
    for n in [10, 7, 3, 0, 8, 2] {
      try d.addRun((0..<n).map { Float($0) }, count: n)
    }
    // length 4, minimum tail 3: run 0 = 4 + 4 + (2 dropped); run 1 = 4 + 3 (kept);
    // run 2 = 3 (kept); run 3 = nothing; run 4 = 4 + 4 (no tail); run 5 = (2 dropped).
    let w = try d.windows(length: 4, minimumTail: 3)
    #expect(w.map { [$0.run, $0.start, $0.count] } == [
      [0, 0, 4], [0, 4, 4], [1, 0, 4], [1, 4, 3], [2, 0, 3], [4, 0, 4], [4, 4, 4],
    ])
    // minimum tail 0 or 1 keeps every tail; a tail exactly at the minimum is kept.
    let all = try d.windows(length: 4, minimumTail: 0)
    #expect(all.map(\.count).reduce(0, +) == 30)
    #expect(try d.windows(length: 4, minimumTail: 2).map(\.count).reduce(0, +) == 30)
    // Windows as long as the longest run: whole runs (those long enough).
    #expect(try d.windows(length: 10, minimumTail: 7).map { [$0.run, $0.count] } == [[0, 10], [1, 7], [4, 8]])
    expectError(isInvalid) { _ = try d.windows(length: 0, minimumTail: 0) }
    expectError(isInvalid) { _ = try d.windows(length: 4, minimumTail: -1) }
    expectError(isInvalid) { _ = try d.windows(length: 4, minimumTail: 7) }
  }
}
