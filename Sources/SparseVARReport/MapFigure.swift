//===--- MapFigure.swift --------------------------------------------------===//
//
// A map as a figure that can be read quantitatively: a title, the map (enlarged), an optional
// ground-truth contour over it, a colour bar with tick labels and its units, a scale bar (in
// micrometres when the pixel size is known, else in pixels), and a note line (e.g. which sign of a
// difference means what).
//
//===----------------------------------------------------------------------===//

import SparseVAR

/// Round tick values (1, 2 or 5 times a power of ten apart) inside [low, high], about `count` of
/// them (at most `count` + 1).
public func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
  guard low.isFinite, high.isFinite, high > low, count >= 2 else { return low.isFinite ? [low] : [] }
  let raw = (high - low) / Double(count)
  let power = pow10(floorLog10(raw))
  let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw * 0.999 } ?? 10 * power
  let first = (low / step - 1e-9).rounded(.up)
  let last = (high / step + 1e-9).rounded(.down)
  guard last >= first, last - first <= Double(4 * count) else { return [low, high] }
  return stride(from: first, through: last, by: 1).map { k in k == 0 ? 0 : k * step }
}

private func floorLog10(_ v: Double) -> Int {
  var e = 0
  var x = v
  while x >= 10 { x /= 10; e += 1 }
  while x < 1 && e > -300 { x *= 10; e -= 1 }
  return e
}

private func pow10(_ e: Int) -> Double {
  var p = 1.0
  for _ in 0..<abs(e) { p *= 10 }
  return e < 0 ? 1 / p : p
}

/// A tick label: two significant digits, exponent form for very small or large values.
func tickLabel(_ v: Double) -> String { formatNumber(v, 2) }

/// Colour of the ground-truth contour drawn over maps (magenta, absent from the colour maps).
public let contourColor: (UInt8, UInt8, UInt8) = (255, 0, 255)

/// Where the parts of a rendered map figure lie, in image pixels (x, y of the top-left corner).
public struct MapFigureLayout: Sendable, Equatable {
  public var mapX: Int, mapY: Int, mapWidth: Int, mapHeight: Int
  public var barX: Int, barY: Int, barWidth: Int, barHeight: Int
  public var scaleBarX: Int, scaleBarY: Int, scaleBarLength: Int
  /// Source pixels the scale bar spans (rounded to a whole number when it is drawn in µm).
  public var scaleBarPixels: Int
  /// Micrometres the scale bar spans, nil when it is drawn in pixels (no pixel size).
  public var scaleBarMicrometres: Double?
  /// The scale bar's label, e.g. "50 µm" or "5 px".
  public var scaleBarLabel: String
  /// Text scale (font pixels per image pixel).
  public var textScale: Int
}

/// A float map (height x width, row-major) with everything needed to read it.
public struct MapFigure: Sendable {
  public var values: [Float]
  public var width: Int
  public var height: Int
  public var colormap: Colormap
  /// Colour range; nil for the map's min and max (symmetric about 0 for the diverging map).
  public var range: ClosedRange<Double>?
  /// Drawn above the map, e.g. the run or condition name.
  public var title: String
  /// Units of the colour bar.
  public var units: String
  /// A line below the map, e.g. "F - N: red = larger in F".
  public var note: String
  /// A height x width mask (>= 0.5 inside) drawn as a contour over the map, e.g. the ground truth.
  public var contour: [Float]?
  /// Each map pixel becomes `enlargement` x `enlargement` image pixels.
  public var enlargement: Int
  /// Micrometres per map pixel (> 0), for a scale bar in µm; nil draws it in pixels.
  public var pixelSize: Double?

  public init(
    _ values: [Float], width: Int, height: Int, colormap: Colormap, range: ClosedRange<Double>? = nil,
    title: String, units: String = "normalised intensity", note: String = "", contour: [Float]? = nil,
    enlargement: Int? = nil, pixelSize: Double? = nil
  ) {
    self.values = values
    self.width = width
    self.height = height
    self.colormap = colormap
    self.range = range
    self.title = title
    self.units = units
    self.note = note
    self.contour = contour
    self.enlargement = enlargement ?? max(1, 256 / max(1, max(width, height)))
    self.pixelSize = pixelSize
  }

  /// The scale bar: a round length about a quarter of the map's width, in µm when the pixel size
  /// is known (1, 2 or 5 times a power of ten), else in whole pixels.
  /// - Throws: `.invalidArgument` for a pixel size that is not finite and > 0.
  func scaleBar() throws -> (sourcePixels: Double, micrometres: Double?, label: String) {
    guard let pixelSize else {
      let target = max(1, width / 4)
      let pixels = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].last { $0 <= target } ?? 1
      return (Double(pixels), nil, "\(pixels) px")
    }
    let target = Double(max(1, width)) * pixelSize / 4
    guard pixelSize.isFinite, pixelSize > 0, target.isFinite, target >= 1e-9, target <= 1e12 else {
      throw SparseVARError.invalidArgument("the pixel size must be a finite number of micrometres > 0 (and a map's width at most 1e12 µm), got \(pixelSize)")
    }
    let power = pow10(floorLog10(target))
    let micrometres = [5.0, 2, 1].map { $0 * power }.first { $0 <= target * 1.000001 } ?? power
    return (micrometres / pixelSize, micrometres, "\(formatNumber(micrometres, 6)) \u{00B5}m")
  }

  /// The colour range used: `range`, or the map's finite min and max (symmetric about 0 for the
  /// diverging map); a flat map gets a unit-wide range.
  public var colorRange: ClosedRange<Double> {
    if let range { return range }
    var (low, high) = colormap.dataRange(of: values)
    if !(high > low) { (low, high) = (low - 0.5, low + 0.5) }
    return low...high
  }

  /// Renders the figure and says where its parts lie.
  /// - Throws: `.shape` when `values` or `contour` do not hold width x height values;
  ///   `.invalidArgument` for an image too large to draw.
  public func renderWithLayout() throws -> (image: RGBImage, layout: MapFigureLayout) {
    let scale = max(1, enlargement)
    guard width > 0, height > 0, width <= 1 << 14, height <= 1 << 14, scale <= 1 << 14,
      width * scale <= 1 << 14, height * scale <= 1 << 14
    else { throw SparseVARError.invalidArgument("a map figure of \(width) x \(height) pixels enlarged \(scale) times is too large") }
    if let contour, contour.count != width * height {
      throw SparseVARError.shape("a contour mask of \(width) x \(height) needs \(width * height) values, got \(contour.count)")
    }
    let range = colorRange
    let map = try renderImage(values, width: width, height: height, colormap: colormap, range: range).enlarged(by: scale)
    let t = map.width >= 192 && map.height >= 192 ? 2 : 1
    let line = (BitmapFont.glyphHeight + 3) * t
    let margin = 8
    let ticks = niceTicks(range.lowerBound, range.upperBound)
    let labels = ticks.map(tickLabel)
    let labelWidth = labels.map { BitmapFont.width($0, scale: t) }.max() ?? 0
    let barWidth = 6 * t + 4
    let barGap = 6 * t
    let tickLength = 3 * t

    let bar = try scaleBar()
    let scaleLabel = bar.label
    let units = "units: " + self.units

    let mapX = margin
    let mapY = margin + (title.isEmpty ? 0 : line) + line  // the title, then the colour bar's units
    let barX = mapX + map.width + barGap
    let scaleBarY = mapY + map.height + 3 * t
    let textLines = [title, units, note, scaleLabel].map { BitmapFont.width($0, scale: t) }
    let imageWidth = max(barX + barWidth + 2 * t + labelWidth, margin + (textLines.max() ?? 0)) + margin
    let imageHeight = scaleBarY + 2 * t + 2 + line + (note.isEmpty ? 0 : line) + margin
    var image = RGBImage(width: imageWidth, height: imageHeight, pixels: [UInt8](repeating: 255, count: imageWidth * imageHeight * 3))

    // Title and units.
    var y = margin
    if !title.isEmpty { image.draw(title, x: margin, y: y, scale: t); y += line }
    image.draw(units, x: margin, y: y, scale: t, color: (60, 60, 60))

    // The map, then the contour: map pixels inside the mask with a neighbour outside it.
    for yy in 0..<map.height { for xx in 0..<map.width { image.set(mapX + xx, mapY + yy, map.color(xx, yy)) } }
    if let contour {
      func inside(_ x: Int, _ y: Int) -> Bool {
        guard x >= 0, x < map.width, y >= 0, y < map.height else { return false }
        return contour[(y / scale) * width + x / scale] >= 0.5
      }
      for yy in 0..<map.height {
        for xx in 0..<map.width where inside(xx, yy) {
          if !inside(xx - 1, yy) || !inside(xx + 1, yy) || !inside(xx, yy - 1) || !inside(xx, yy + 1) {
            image.set(mapX + xx, mapY + yy, contourColor)
          }
        }
      }
    }

    // Colour bar: the top row is the range's upper bound, the bottom row its lower bound.
    let span = range.upperBound - range.lowerBound
    for yy in 0..<map.height {
      let f = map.height > 1 ? 1 - Double(yy) / Double(map.height - 1) : 0.5
      let c = colormap.color(f)
      for xx in 0..<barWidth { image.set(barX + xx, mapY + yy, c) }
    }
    for (v, label) in zip(ticks, labels) {
      let row = mapY + Int(((range.upperBound - v) / span * Double(map.height - 1)).rounded())
      // The tick on the bar's left edge (so that it is not read as a minus sign), its label right.
      image.fill(x: barX - tickLength, y: row, width: tickLength, height: 1, (0, 0, 0))
      let top = min(max(row - BitmapFont.glyphHeight * t / 2, 0), imageHeight - BitmapFont.glyphHeight * t)
      image.draw(label, x: barX + barWidth + 2 * t, y: top, scale: t)
    }

    // Scale bar and its label, then the note.
    let length = max(1, Int((bar.sourcePixels * Double(scale)).rounded()))
    image.fill(x: mapX, y: scaleBarY, width: length, height: 2 * t + 1, (0, 0, 0))
    image.draw(scaleLabel, x: mapX + length + 3 * t, y: scaleBarY - t * 2, scale: t)
    y = scaleBarY + 2 * t + 2 + line / 3
    if !note.isEmpty { image.draw(note, x: margin, y: y + line - BitmapFont.glyphHeight * t, scale: t) }
    let layout = MapFigureLayout(
      mapX: mapX, mapY: mapY, mapWidth: map.width, mapHeight: map.height, barX: barX, barY: mapY, barWidth: barWidth,
      barHeight: map.height, scaleBarX: mapX, scaleBarY: scaleBarY, scaleBarLength: length,
      scaleBarPixels: Int(bar.sourcePixels.rounded()), scaleBarMicrometres: bar.micrometres, scaleBarLabel: scaleLabel,
      textScale: t)
    return (image, layout)
  }

  /// Renders the figure.
  public func render() throws -> RGBImage { try renderWithLayout().image }
}

/// The note that says which sign of an "A - B" difference map means what.
public func differenceNote(_ a: String, _ b: String) -> String {
  "\(a) - \(b): red = larger in \(a), blue = larger in \(b)"
}
