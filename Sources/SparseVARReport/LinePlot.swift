//===--- LinePlot.swift ---------------------------------------------------===//
//
// Line plots drawn into an RGBImage (for latent forecasts against latents): an optional title,
// axes with ticks, tick labels and axis units in the report's bitmap font, a zero line, each
// series as a polyline in its own colour, and an optional legend naming the series.
//
//===----------------------------------------------------------------------===//

import SparseVAR

/// A line plot of several series over a shared x axis (sample i is at x = xStart + i).
public struct LinePlot: Sendable {
  /// Size of the whole image in pixels, axes and labels included.
  public var width: Int
  public var height: Int
  /// (values, colour) per series; all series share the y range.
  public var series: [(values: [Double], color: (UInt8, UInt8, UInt8))]
  /// x of the first sample (e.g. the first forecast frame).
  public var xStart: Double
  /// Units of the axes and a title drawn above the plot.
  public var xLabel: String
  public var yLabel: String
  public var title: String
  /// Names of the series, in order, drawn as a legend at the top right (empty: no legend).
  public var legend: [String]

  public init(
    width: Int = 600, height: Int = 200, series: [(values: [Double], color: (UInt8, UInt8, UInt8))],
    xStart: Double = 0, xLabel: String = "frame", yLabel: String = "value", title: String = "", legend: [String] = []
  ) {
    self.width = width
    self.height = height
    self.series = series
    self.xStart = xStart
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.title = title
    self.legend = legend
  }

  /// Left, right, top and bottom edges of the plotting area in image pixels, given the y tick
  /// labels' width.
  func plotArea(labelWidth: Int) -> (left: Int, right: Int, top: Int, bottom: Int) {
    let line = BitmapFont.glyphHeight + 3
    let topLine = title.isEmpty && legend.isEmpty ? 0 : line
    return (4 + line + labelWidth + 6, width - 8, 4 + topLine + 4, height - 4 - 2 * line - 2)
  }

  /// Renders the plot.
  /// - Throws: `.invalidArgument` for a plot smaller than 120 x 80 or larger than 8192 x 8192
  ///   pixels.
  public func render() throws -> RGBImage {
    guard width >= 120, height >= 80, width <= 8192, height <= 8192 else {
      throw SparseVARError.invalidArgument("a plot needs between 120 x 80 and 8192 x 8192 pixels, got \(width) x \(height)")
    }
    var image = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 255, count: width * height * 3))
    let finite = series.flatMap(\.values).filter(\.isFinite)
    var low = finite.min() ?? -1
    var high = finite.max() ?? 1
    if high - low < 1e-12 { (low, high) = (low - 1, high + 1) }
    let count = max(2, series.map(\.values.count).max() ?? 2)
    let (xLow, xHigh) = (xStart, xStart + Double(count - 1))
    let yTicks = niceTicks(low, high)
    let yLabels = yTicks.map(tickLabel)
    let area = plotArea(labelWidth: yLabels.map { BitmapFont.width($0) }.max() ?? 0)
    let plotWidth = Double(area.right - area.left)
    let plotHeight = Double(area.bottom - area.top)
    func row(_ v: Double) -> Int { area.top + Int(((high - v) / (high - low) * plotHeight).rounded()) }
    func column(_ x: Double) -> Int { area.left + Int(((x - xLow) / (xHigh - xLow) * plotWidth).rounded()) }
    let axis: (UInt8, UInt8, UInt8) = (0, 0, 0)

    if !title.isEmpty { image.draw(title, x: area.left, y: 4) }
    // Axes, ticks and tick labels.
    image.fill(x: area.left - 1, y: area.top, width: 1, height: area.bottom - area.top + 1, axis)
    image.fill(x: area.left - 1, y: area.bottom + 1, width: area.right - area.left + 2, height: 1, axis)
    for (v, label) in zip(yTicks, yLabels) {
      let y = row(v)
      image.fill(x: area.left - 4, y: y, width: 3, height: 1, axis)
      image.draw(label, x: area.left - 6 - BitmapFont.width(label), y: y - BitmapFont.glyphHeight / 2)
    }
    let xTicks = niceTicks(xLow, xHigh, count: 6).filter { $0 == $0.rounded() }
    for v in xTicks {
      let x = column(v)
      image.fill(x: x, y: area.bottom + 2, width: 1, height: 3, axis)
      let label = tickLabel(v)
      image.draw(label, x: x - BitmapFont.width(label) / 2, y: area.bottom + 6)
    }
    image.draw(xLabel, x: (area.left + area.right - BitmapFont.width(xLabel)) / 2, y: height - 4 - BitmapFont.glyphHeight)
    // The y unit, written vertically (one character per line) left of the tick labels when it
    // fits, else horizontally at the bottom left, below the y tick labels.
    let yTextHeight = yLabel.count * (BitmapFont.glyphHeight + 1)
    if yTextHeight <= area.bottom - area.top {
      var y = (area.top + area.bottom - yTextHeight) / 2
      for c in yLabel { image.draw(String(c), x: 4, y: y); y += BitmapFont.glyphHeight + 1 }
    } else {
      image.draw(yLabel, x: 4, y: height - 4 - BitmapFont.glyphHeight)
    }
    // The legend, right-aligned on the title's line: a short line of each series' colour, then its name.
    var x = area.right
    for (s, name) in zip(series, legend).reversed() {
      x -= BitmapFont.width(name)
      image.draw(name, x: x, y: 4)
      x -= 14
      image.fill(x: x, y: 4 + BitmapFont.glyphHeight / 2 - 1, width: 10, height: 3, s.color)
      x -= 10
    }

    if low < 0 && high > 0 {
      for x in stride(from: area.left, to: area.right, by: 3) { image.set(x, row(0), (200, 200, 200)) }
    }
    for s in series where s.values.count >= 2 {
      for i in 1..<s.values.count where s.values[i].isFinite && s.values[i - 1].isFinite {
        // Bresenham between consecutive points.
        var (x0, y0) = (column(xStart + Double(i - 1)), row(s.values[i - 1]))
        let (x1, y1) = (column(xStart + Double(i)), row(s.values[i]))
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
          image.set(x0, y0, s.color)
          if x0 == x1 && y0 == y1 { break }
          let e2 = 2 * error
          if e2 >= dy { error += dy; x0 += sx }
          if e2 <= dx { error += dx; y0 += sy }
        }
      }
    }
    return image
  }
}
