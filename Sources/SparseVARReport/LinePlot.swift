//===--- LinePlot.swift ---------------------------------------------------===//
//
// Minimal line plots drawn into an RGBImage (for latent forecasts against latents): a frame,
// a zero line, and each series as a polyline in its own colour. No text: captions live in the
// report next to the image.
//
//===----------------------------------------------------------------------===//

import SparseVAR

/// A line plot of several series over a shared x axis (sample index).
public struct LinePlot: Sendable {
  public var width: Int
  public var height: Int
  /// (values, colour) per series; all series share the y range.
  public var series: [(values: [Double], color: (UInt8, UInt8, UInt8))]

  public init(width: Int = 600, height: Int = 160, series: [(values: [Double], color: (UInt8, UInt8, UInt8))]) {
    self.width = width
    self.height = height
    self.series = series
  }

  /// Renders the plot.
  public func render() throws -> RGBImage {
    guard width >= 16, height >= 16 else { throw SparseVARError.invalidArgument("a plot needs at least 16 x 16 pixels") }
    var pixels = [UInt8](repeating: 255, count: width * height * 3)
    func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
      guard x >= 0, x < width, y >= 0, y < height else { return }
      let i = (y * width + x) * 3
      pixels[i] = c.0
      pixels[i + 1] = c.1
      pixels[i + 2] = c.2
    }
    let finite = series.flatMap(\.values).filter(\.isFinite)
    var low = finite.min() ?? -1
    var high = finite.max() ?? 1
    if high - low < 1e-12 { (low, high) = (low - 1, high + 1) }
    let margin = 4
    let plotHeight = Double(height - 2 * margin - 1)
    func row(_ v: Double) -> Int { margin + Int(((high - v) / (high - low) * plotHeight).rounded()) }
    // Frame and zero line.
    for x in 0..<width { set(x, 0, (160, 160, 160)); set(x, height - 1, (160, 160, 160)) }
    for y in 0..<height { set(0, y, (160, 160, 160)); set(width - 1, y, (160, 160, 160)) }
    if low < 0 && high > 0 { for x in stride(from: 1, to: width - 1, by: 3) { set(x, row(0), (200, 200, 200)) } }
    for s in series where s.values.count >= 2 {
      let n = s.values.count
      func column(_ i: Int) -> Int { margin + Int((Double(i) / Double(n - 1) * Double(width - 2 * margin - 1)).rounded()) }
      for i in 1..<n where s.values[i].isFinite && s.values[i - 1].isFinite {
        // Bresenham between consecutive points.
        var (x0, y0) = (column(i - 1), row(s.values[i - 1]))
        let (x1, y1) = (column(i), row(s.values[i]))
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
          set(x0, y0, s.color)
          if x0 == x1 && y0 == y1 { break }
          let e2 = 2 * error
          if e2 >= dy { error += dy; x0 += sx }
          if e2 <= dx { error += dx; y0 += sy }
        }
      }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
  }
}
