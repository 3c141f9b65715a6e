//===--- PNG.swift --------------------------------------------------------===//
//
// Images for the report: float images rendered through a colour map and written as PNG by
// libpng's simplified API (no hand-written encoder).
//
//===----------------------------------------------------------------------===//

import SparseVAR
import _CPNG

/// An 8-bit RGB image, row-major, 3 bytes per pixel.
public struct RGBImage: Sendable, Equatable {
  public var width: Int
  public var height: Int
  public var pixels: [UInt8]

  public init(width: Int, height: Int, pixels: [UInt8]) {
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// Each pixel repeated `factor` x `factor` times (nearest neighbour), so that small maps are
  /// visible.
  public func enlarged(by factor: Int) -> RGBImage {
    guard factor > 1 else { return self }
    var out = [UInt8](repeating: 0, count: width * factor * height * factor * 3)
    for y in 0..<(height * factor) {
      for x in 0..<(width * factor) {
        let source = ((y / factor) * width + x / factor) * 3
        let target = (y * width * factor + x) * 3
        out[target] = pixels[source]
        out[target + 1] = pixels[source + 1]
        out[target + 2] = pixels[source + 2]
      }
    }
    return RGBImage(width: width * factor, height: height * factor, pixels: out)
  }

  /// Writes the image as a PNG file.
  public func writePNG(to path: String) throws {
    guard width > 0, height > 0, pixels.count == width * height * 3 else {
      throw SparseVARError.shape("an RGB image of \(width) x \(height) needs \(width * height * 3) bytes, got \(pixels.count)")
    }
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = UInt32(PNG_FORMAT_RGB)
    let ok = pixels.withUnsafeBytes { buffer in
      png_image_write_to_file(&image, path, 0, buffer.baseAddress, Int32(width * 3), nil)
    }
    let message = withUnsafeBytes(of: image.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    png_image_free(&image)
    guard ok != 0 else { throw SparseVARError.io("cannot write \(path): \(message)") }
  }

  /// Reads an 8-bit RGB image from a PNG file (any PNG libpng reads, converted to RGB).
  /// - Throws: `.io` when the file cannot be read or decoded; `.invalidArgument` for an image
  ///   larger than 2^26 pixels (checked before allocating).
  public static func readPNG(from path: String) throws -> RGBImage {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    func message() -> String {
      withUnsafeBytes(of: image.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
    guard png_image_begin_read_from_file(&image, path) != 0 else {
      let text = message()
      png_image_free(&image)
      throw SparseVARError.io("cannot read \(path): \(text)")
    }
    let (width, height) = (Int(image.width), Int(image.height))
    guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16, width * height <= 1 << 26 else {
      png_image_free(&image)
      throw SparseVARError.invalidArgument("\(path): a PNG of \(width) x \(height) pixels is too large")
    }
    image.format = UInt32(PNG_FORMAT_RGB)
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    let ok = pixels.withUnsafeMutableBytes { buffer in
      png_image_finish_read(&image, nil, buffer.baseAddress, Int32(width * 3), nil)
    }
    let text = message()
    png_image_free(&image)
    guard ok != 0 else { throw SparseVARError.io("cannot decode \(path): \(text)") }
    return RGBImage(width: width, height: height, pixels: pixels)
  }
}

/// Colour maps from [0, 1] to RGB.
public enum Colormap: Sendable {
  /// Dark blue through green to yellow (perceptually ordered), for non-negative maps.
  case sequential
  /// Blue (negative) through white (0) to red (positive), for differences.
  case diverging
  /// Black to white.
  case gray

  /// RGB of `t` in [0, 1] (clamped).
  public func color(_ t: Double) -> (UInt8, UInt8, UInt8) {
    let t = t.isNaN ? 0 : min(1, max(0, t))
    func byte(_ v: Double) -> UInt8 { UInt8(max(0, min(255, (v * 255).rounded()))) }
    switch self {
    case .gray:
      return (byte(t), byte(t), byte(t))
    case .diverging:
      if t < 0.5 {
        let s = t / 0.5
        return (byte(0.02 + 0.98 * s), byte(0.19 + 0.81 * s), byte(0.38 + 0.62 * s))
      }
      let s = (t - 0.5) / 0.5
      return (byte(1 - 0.6 * s), byte(1 - 0.95 * s), byte(1 - 0.9 * s))
    case .sequential:
      // Piecewise-linear through five anchor colours (dark violet, blue, teal, green, yellow).
      let anchors: [(Double, Double, Double)] = [
        (0.27, 0.00, 0.33), (0.23, 0.32, 0.55), (0.13, 0.57, 0.55), (0.37, 0.79, 0.38), (0.99, 0.91, 0.14),
      ]
      let x = t * Double(anchors.count - 1)
      let i = min(Int(x), anchors.count - 2)
      let f = x - Double(i)
      let (a, b) = (anchors[i], anchors[i + 1])
      return (byte(a.0 + f * (b.0 - a.0)), byte(a.1 + f * (b.1 - a.1)), byte(a.2 + f * (b.2 - a.2)))
    }
  }
}

/// Renders a float image (height x width, row-major) through a colour map. The range defaults to
/// the image's min and max; for the diverging map to a range symmetric about 0.
public func renderImage(
  _ values: [Float], width: Int, height: Int, colormap: Colormap, range: ClosedRange<Double>? = nil
) throws -> RGBImage {
  guard width > 0, height > 0, values.count == width * height else {
    throw SparseVARError.shape("an image of \(width) x \(height) needs \(width * height) values, got \(values.count)")
  }
  var (low, high) = colormap.dataRange(of: values)
  if let range { (low, high) = (range.lowerBound, range.upperBound) }
  let span = high > low ? high - low : 1
  var pixels = [UInt8](repeating: 0, count: width * height * 3)
  for (i, v) in values.enumerated() {
    let (r, g, b) = colormap.color((Double(v) - low) / span)
    pixels[3 * i] = r
    pixels[3 * i + 1] = g
    pixels[3 * i + 2] = b
  }
  return RGBImage(width: width, height: height, pixels: pixels)
}

extension Colormap {
  /// The finite minimum and maximum of `values` (0 and 1 when none is finite), made symmetric
  /// about 0 for the diverging map: the default colour range of a rendered map.
  func dataRange(of values: [Float]) -> (low: Double, high: Double) {
    let finite = values.filter { $0.isFinite }.map(Double.init)
    let low = finite.min() ?? 0
    let high = finite.max() ?? 1
    guard self == .diverging else { return (low, high) }
    let m = max(abs(low), abs(high))
    return (-m, m)
  }
}
