import Glibc
import Testing
@testable import SparseVARReport

/// Reads figures back from PNG files and finds their parts by their pixels.
@Suite struct FigureTests {
  /// A 32 x 24 map with structure in both directions (so that no column of the map itself is a
  /// monotone ramp) and a rectangular mask.
  static let (mapWidth, mapHeight) = (32, 24)
  static let values: [Float] = (0..<(mapWidth * mapHeight)).map { i in
    let (x, y) = (i % mapWidth, i / mapWidth)
    return Float(sin(Double(x) * 0.7) * cos(Double(y) * 0.9) * 3)
  }
  static let mask: [Float] = (0..<(mapWidth * mapHeight)).map { i in
    let (x, y) = (i % mapWidth, i / mapWidth)
    return x >= 8 && x < 20 && y >= 6 && y < 16 ? 1 : 0
  }

  func writeAndReadBack(_ image: RGBImage) throws -> RGBImage {
    let path = "/tmp/sparsevar-figure-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).png"
    defer { unlink(path) }
    try image.writePNG(to: path)
    return try RGBImage.readPNG(from: path)
  }

  /// The colour-map parameter t of each of the map's colours (the smallest t giving it), sampled
  /// finely enough to hit every byte value along the map.
  func parameters(_ colormap: Colormap) -> [Int: Double] {
    var table: [Int: Double] = [:]
    let n = 1 << 16
    for i in stride(from: n, through: 0, by: -1) {
      let t = Double(i) / Double(n)
      let c = colormap.color(t)
      table[Int(c.0) << 16 | Int(c.1) << 8 | Int(c.2)] = t
    }
    return table
  }

  /// Columns holding a vertical run of at least `length` colour-map colours whose parameter
  /// never increases downwards and spans most of [0, 1]: colour bars.
  func colorBarColumns(_ image: RGBImage, _ colormap: Colormap, length: Int) -> [Int] {
    let table = parameters(colormap)
    func parameter(of c: (UInt8, UInt8, UInt8), in colormap: Colormap) -> Double? {
      table[Int(c.0) << 16 | Int(c.1) << 8 | Int(c.2)]
    }
    var found: [Int] = []
    for x in 0..<image.width {
      var run = 0
      var first = -1.0
      var previous = 2.0
      for y in 0..<image.height {
        if let t = parameter(of: image.color(x, y), in: colormap), t <= previous + 1e-9 {
          if run == 0 { first = t }
          run += 1
          previous = t
          if run >= length && first - t >= 0.9 { found.append(x); break }
        } else {
          run = 0
          previous = 2
          if let t = parameter(of: image.color(x, y), in: colormap) { run = 1; first = t; previous = t }
        }
      }
    }
    return found
  }

  func isDark(_ c: (UInt8, UInt8, UInt8)) -> Bool { Int(c.0) + Int(c.1) + Int(c.2) < 200 }

  @Test(arguments: [Colormap.sequential, .diverging])
  func mapFigureHasColourBarScaleBarContourAndLabels(colormap: Colormap) throws {
    let (w, h) = (Self.mapWidth, Self.mapHeight)
    let figure = MapFigure(
      Self.values, width: w, height: h, colormap: colormap, title: "run_007",
      note: colormap == .diverging ? differenceNote("F", "N") : "", contour: Self.mask, enlargement: 4)
    let (rendered, layout) = try figure.renderWithLayout()
    let image = try writeAndReadBack(rendered)
    #expect(image == rendered)

    // Dimensions: the enlarged map plus the colour bar, its labels and margins.
    #expect(layout.mapWidth == w * 4 && layout.mapHeight == h * 4)
    #expect(image.width >= layout.mapX + w * 4 + layout.barWidth + 16)
    #expect(image.height >= layout.mapY + h * 4 + 16)
    #expect(layout.barX >= layout.mapX + layout.mapWidth && layout.barX + layout.barWidth < image.width)

    // The map's pixels outside the contour are the colour map's colours of the values.
    let plain = try renderImage(Self.values, width: w, height: h, colormap: colormap, range: figure.colorRange).enlarged(by: 4)
    #expect(image.color(layout.mapX, layout.mapY) == plain.color(0, 0))
    #expect(image.color(layout.mapX + w * 4 - 1, layout.mapY + h * 4 - 1) == plain.color(w * 4 - 1, h * 4 - 1))

    // A colour bar, found by its pixels, to the right of the map and as tall as it.
    let bars = colorBarColumns(image, colormap, length: h * 4 - 2)
    #expect(!bars.isEmpty)
    #expect(bars.allSatisfy { $0 >= layout.barX && $0 < layout.barX + layout.barWidth })
    if colormap == .diverging {
      // Centred on 0: the bar's middle is white, red above (positive), blue below.
      let middle = image.color(layout.barX, layout.barY + (layout.barHeight - 1) / 2)
      #expect(middle.0 > 240 && middle.1 > 240 && middle.2 > 240)
      let top = image.color(layout.barX, layout.barY), bottom = image.color(layout.barX, layout.barY + layout.barHeight - 1)
      #expect(top.0 > top.2 && bottom.2 > bottom.0)
    }

    // Tick labels: dark pixels right of the bar, within its height.
    var labelPixels = 0
    for y in layout.barY..<(layout.barY + layout.barHeight) {
      for x in (layout.barX + layout.barWidth + 1)..<image.width where isDark(image.color(x, y)) { labelPixels += 1 }
    }
    let ticks = niceTicks(figure.colorRange.lowerBound, figure.colorRange.upperBound)
    #expect(ticks.count >= 3 && labelPixels >= 10 * ticks.count)
    // Tick marks: black pixels just left of the bar, one per tick.
    let marks = (layout.barY..<(layout.barY + layout.barHeight)).filter { image.color(layout.barX - 1, $0) == (0, 0, 0) }
    #expect(marks.count == ticks.count)
    // Title and units above the map.
    var textPixels = 0
    for y in 0..<layout.mapY { for x in 0..<image.width where isDark(image.color(x, y)) { textPixels += 1 } }
    #expect(textPixels >= 60)

    // A scale bar: a black run below the map of the stated number of source pixels.
    var longest = 0
    for y in (layout.mapY + layout.mapHeight)..<image.height {
      var run = 0
      for x in 0..<image.width {
        run = image.color(x, y) == (0, 0, 0) ? run + 1 : 0
        longest = max(longest, run)
      }
    }
    #expect(layout.scaleBarPixels == 5 && longest == layout.scaleBarLength && longest == 5 * 4)

    // The contour: magenta pixels, all on the mask and none far inside or outside it.
    var contour = 0
    for y in 0..<layout.mapHeight {
      for x in 0..<layout.mapWidth where image.color(layout.mapX + x, layout.mapY + y) == contourColor {
        contour += 1
        #expect(Self.mask[(y / 4) * w + x / 4] >= 0.5)
      }
    }
    #expect(contour == 2 * (12 * 4 + 10 * 4) - 4)
  }

  /// The longest horizontal run of black pixels below the map: the scale bar.
  func scaleBarLength(_ image: RGBImage, _ layout: MapFigureLayout) -> Int {
    var longest = 0
    for y in (layout.mapY + layout.mapHeight)..<image.height {
      var run = 0
      for x in 0..<image.width {
        run = image.color(x, y) == (0, 0, 0) ? run + 1 : 0
        longest = max(longest, run)
      }
    }
    return longest
  }

  @Test(arguments: [(1.5, 10.0, 27), (0.25, 2.0, 32), (40, 200, 20)])
  func scaleBarInMicrometresWithAPixelSize(pixelSize: Double, micrometres: Double, length: Int) throws {
    // 32 map pixels of `pixelSize` µm, enlarged 4 times: a round length of about a quarter of the
    // width (1, 2 or 5 times a power of ten, at most the quarter), drawn to scale.
    let figure = MapFigure(
      Self.values, width: Self.mapWidth, height: Self.mapHeight, colormap: .sequential, title: "F", enlargement: 4,
      pixelSize: pixelSize)
    let (rendered, layout) = try figure.renderWithLayout()
    let image = try writeAndReadBack(rendered)
    #expect(layout.scaleBarMicrometres == micrometres)
    #expect(layout.scaleBarLength == length && scaleBarLength(image, layout) == length)
    #expect(Int((micrometres / pixelSize * 4).rounded()) == length)
    let label = "\(formatNumber(micrometres, 6)) \u{00B5}m"
    #expect(layout.scaleBarLabel == label)
    // The label beside the bar is exactly that text, µ and a lower-case m.
    let (x, y, t) = (layout.scaleBarX + length + 3 * layout.textScale, layout.scaleBarY - 2 * layout.textScale, layout.textScale)
    var expected = RGBImage(width: image.width, height: image.height, pixels: [UInt8](repeating: 255, count: image.width * image.height * 3))
    expected.draw(label, x: x, y: y, scale: t)
    for yy in y..<(y + BitmapFont.glyphHeight * t) {
      for xx in x..<min(image.width, x + BitmapFont.width(label, scale: t)) {
        #expect(isDark(image.color(xx, yy)) == isDark(expected.color(xx, yy)))
      }
    }
    // Without a pixel size the same figure's bar is in pixels.
    var inPixels = figure
    inPixels.pixelSize = nil
    let plain = try inPixels.renderWithLayout().layout
    #expect(plain.scaleBarMicrometres == nil && plain.scaleBarLabel == "5 px" && plain.scaleBarLength == 20)
  }

  @Test(arguments: [0, -1, Double.nan, Double.infinity])
  func pixelSizeMustBePositiveAndFinite(pixelSize: Double) {
    #expect(throws: (any Error).self) {
      try MapFigure([1, 2, 3, 4], width: 2, height: 2, colormap: .gray, title: "", pixelSize: pixelSize).render()
    }
  }

  @Test func micrometresAreNotMicromolar() {
    func dark(_ text: String) -> [Bool] {
      var image = RGBImage(width: 40, height: 9, pixels: [UInt8](repeating: 255, count: 40 * 9 * 3))
      image.draw(text, x: 1, y: 1)
      return (0..<(40 * 9)).map { image.color($0 % 40, $0 / 40) == (0, 0, 0) }
    }
    #expect(dark("\u{00B5}m") != dark("\u{00B5}M"))  // a lower-case m after µ
    #expect(dark("mm") == dark("MM"))  // letters elsewhere are capitals
    #expect(dark("\u{03BC}m") == dark("\u{00B5}m"))  // Greek mu is the micro sign
  }

  @Test func noContourWithoutAMask() throws {
    let image = try MapFigure(Self.values, width: Self.mapWidth, height: Self.mapHeight, colormap: .sequential, title: "F")
      .render()
    var magenta = 0
    for y in 0..<image.height { for x in 0..<image.width where image.color(x, y) == contourColor { magenta += 1 } }
    #expect(magenta == 0)
    #expect(throws: (any Error).self) {
      try MapFigure([1, 2, 3, 4], width: 2, height: 2, colormap: .gray, title: "", contour: [1]).render()
    }
    // A flat map still gets a colour bar with a range.
    #expect(try MapFigure([2, 2, 2, 2], width: 2, height: 2, colormap: .gray, title: "").render().width > 0)
  }

  @Test func linePlotHasAxesTicksAndLabels() throws {
    let values = (0..<50).map { sin(Double($0) / 5) * 2 }
    let plot = LinePlot(width: 300, height: 160, series: [(values: values, color: (255, 0, 0))], xStart: 3, title: "run_1")
    let image = try writeAndReadBack(try plot.render())
    #expect(image.width == 300 && image.height == 160)
    let area = plot.plotArea(labelWidth: niceTicks(-2, 2).map { BitmapFont.width(tickLabel($0)) }.max()!)
    // The y axis: a black column along the plotting area's left edge; the x axis below it.
    #expect((area.top...area.bottom).allSatisfy { image.color(area.left - 1, $0) == (0, 0, 0) })
    #expect((area.left..<area.right).allSatisfy { image.color($0, area.bottom + 1) == (0, 0, 0) })
    // Tick labels left of the y axis and below the x axis.
    var left = 0, below = 0
    for y in area.top...area.bottom { for x in 0..<(area.left - 4) where isDark(image.color(x, y)) { left += 1 } }
    for y in (area.bottom + 5)..<image.height { for x in 0..<image.width where isDark(image.color(x, y)) { below += 1 } }
    #expect(left >= 40 && below >= 40)
    var red = 0
    for y in 0..<image.height { for x in 0..<image.width where image.color(x, y) == (255, 0, 0) { red += 1 } }
    #expect(red >= 100)
  }

  @Test func reportForecastPlotHasAxesTicksUnitsAndLegend() throws {
    let latent = (0..<80).map { sin(Double($0) / 6) * 0.4 }
    let forecast = latent.map { $0 * 0.9 + 0.01 }
    let plot = forecastPlot(latent: latent, forecast: forecast, firstFrame: 2, title: "run_00.npy: latent 3")
    let image = try writeAndReadBack(try plot.render())
    #expect(plot.xLabel == "frame" && plot.yLabel == "latent units" && plot.xStart == 2)
    let yLabels = niceTicks(-0.4, 0.4).map(tickLabel)
    let area = plot.plotArea(labelWidth: yLabels.map { BitmapFont.width($0) }.max()!)
    // Axes.
    #expect((area.top...area.bottom).allSatisfy { image.color(area.left - 1, $0) == (0, 0, 0) })
    #expect((area.left..<area.right).allSatisfy { image.color($0, area.bottom + 1) == (0, 0, 0) })
    // Tick marks: on the y axis' left (3 pixels) and below the x axis (3 pixels), several of each.
    let yMarks = (area.top...area.bottom).filter { y in ((area.left - 4)...(area.left - 2)).allSatisfy { image.color($0, y) == (0, 0, 0) } }
    let xMarks = (area.left..<area.right).filter { x in (2...4).allSatisfy { image.color(x, area.bottom + $0) == (0, 0, 0) } }
    #expect(yMarks.count >= 3 && xMarks.count >= 3)
    // The y unit, written vertically in the leftmost glyph column, and the x unit under the tick labels.
    var unitPixels = 0
    for y in area.top...area.bottom { for x in 4..<(4 + BitmapFont.glyphWidth) where isDark(image.color(x, y)) { unitPixels += 1 } }
    #expect(unitPixels >= 8 * "latentunits".count)
    var xUnit = 0
    for y in (image.height - 4 - BitmapFont.glyphHeight)..<(image.height - 4) {
      for x in area.left..<area.right where isDark(image.color(x, y)) { xUnit += 1 }
    }
    #expect(xUnit >= 8 * "frame".count)
    // The legend on the title's line, at the right: both series' colours, the forecast's rightmost.
    func columns(of color: (UInt8, UInt8, UInt8)) -> [Int] {
      (0..<image.width).filter { x in (4..<(4 + BitmapFont.glyphHeight)).contains { image.color(x, $0) == color } }
    }
    let black = columns(of: (20, 20, 20)), red = columns(of: (220, 60, 30))
    #expect(black.count == 10 && red.count == 10)
    #expect(black.max()! < red.min()! && red.min()! > image.width / 2)
  }

  @Test func ticksAreRoundAndInsideTheRange() {
    func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 } }
    #expect(close(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]))
    #expect(close(niceTicks(-3, 3), [-2, 0, 2]))
    #expect(close(niceTicks(-0.3, 0.7), [-0.2, 0, 0.2, 0.4, 0.6]))
    #expect(niceTicks(0.0012, 0.0049).allSatisfy { $0 >= 0.0012 && $0 <= 0.0049 })
    #expect(niceTicks(1, 1) == [1])
  }

  @Test func fontDrawsEachGlyphsPixels() {
    var image = RGBImage(width: 20, height: 9, pixels: [UInt8](repeating: 255, count: 20 * 9 * 3))
    image.draw("1-", x: 1, y: 1)
    var dark = 0
    for y in 0..<9 { for x in 0..<20 where image.color(x, y) == (0, 0, 0) { dark += 1 } }
    #expect(dark == 10 + 5)  // '1' has 10 pixels, '-' 5
    #expect(BitmapFont.width("ab") == 11)
  }

  @Test func fileNamesFromRunNames() {
    #expect(fileStem("/data/mouse 1/run_003.npy") == "run_003")
    #expect(fileStem("a.b.tif") == "a.b")
    #expect(fileStem("../..") == "unnamed")
    #expect(fileStem("/data/s1.nwb:/acquisition/TwoPhotonSeries/data") == "s1_data")
    #expect(fileStem("rec.h5:/imaging/frames.raw") == "rec_frames")
    #expect(fileStem("/data/a:b/run.npy") == "run")
    #expect(safeFileName("F/N ü") == "F_N__")
  }
}
