//===--- Font.swift -------------------------------------------------------===//
//
// A 5 x 7 pixel bitmap font, drawn into an RGBImage, for tick labels, units and titles in the
// report's figures. Letters are drawn as capitals; a character without a glyph is drawn as '?'.
//
//===----------------------------------------------------------------------===//

/// Rows of each glyph, top to bottom (ASCII capitals, digits, punctuation and µ); bit 4 is the
/// leftmost of the 5 columns.
private let glyphs: [Character: [UInt8]] = {
  let table: [(Character, [String])] = [
    ("0", ["01110", "10001", "10011", "10101", "11001", "10001", "01110"]),
    ("1", ["00100", "01100", "00100", "00100", "00100", "00100", "01110"]),
    ("2", ["01110", "10001", "00001", "00010", "00100", "01000", "11111"]),
    ("3", ["11111", "00010", "00100", "00010", "00001", "10001", "01110"]),
    ("4", ["00010", "00110", "01010", "10010", "11111", "00010", "00010"]),
    ("5", ["11111", "10000", "11110", "00001", "00001", "10001", "01110"]),
    ("6", ["00110", "01000", "10000", "11110", "10001", "10001", "01110"]),
    ("7", ["11111", "00001", "00010", "00100", "01000", "01000", "01000"]),
    ("8", ["01110", "10001", "10001", "01110", "10001", "10001", "01110"]),
    ("9", ["01110", "10001", "10001", "01111", "00001", "00010", "01100"]),
    ("A", ["01110", "10001", "10001", "11111", "10001", "10001", "10001"]),
    ("B", ["11110", "10001", "10001", "11110", "10001", "10001", "11110"]),
    ("C", ["01110", "10001", "10000", "10000", "10000", "10001", "01110"]),
    ("D", ["11100", "10010", "10001", "10001", "10001", "10010", "11100"]),
    ("E", ["11111", "10000", "10000", "11110", "10000", "10000", "11111"]),
    ("F", ["11111", "10000", "10000", "11110", "10000", "10000", "10000"]),
    ("G", ["01110", "10001", "10000", "10111", "10001", "10001", "01111"]),
    ("H", ["10001", "10001", "10001", "11111", "10001", "10001", "10001"]),
    ("I", ["01110", "00100", "00100", "00100", "00100", "00100", "01110"]),
    ("J", ["00111", "00010", "00010", "00010", "00010", "10010", "01100"]),
    ("K", ["10001", "10010", "10100", "11000", "10100", "10010", "10001"]),
    ("L", ["10000", "10000", "10000", "10000", "10000", "10000", "11111"]),
    ("M", ["10001", "11011", "10101", "10101", "10001", "10001", "10001"]),
    ("N", ["10001", "10001", "11001", "10101", "10011", "10001", "10001"]),
    ("O", ["01110", "10001", "10001", "10001", "10001", "10001", "01110"]),
    ("P", ["11110", "10001", "10001", "11110", "10000", "10000", "10000"]),
    ("Q", ["01110", "10001", "10001", "10001", "10101", "10010", "01101"]),
    ("R", ["11110", "10001", "10001", "11110", "10100", "10010", "10001"]),
    ("S", ["01111", "10000", "10000", "01110", "00001", "00001", "11110"]),
    ("T", ["11111", "00100", "00100", "00100", "00100", "00100", "00100"]),
    ("U", ["10001", "10001", "10001", "10001", "10001", "10001", "01110"]),
    ("V", ["10001", "10001", "10001", "10001", "10001", "01010", "00100"]),
    ("W", ["10001", "10001", "10001", "10101", "10101", "10101", "01010"]),
    ("X", ["10001", "10001", "01010", "00100", "01010", "10001", "10001"]),
    ("Y", ["10001", "10001", "10001", "01010", "00100", "00100", "00100"]),
    ("Z", ["11111", "00001", "00010", "00100", "01000", "10000", "11111"]),
    (".", ["00000", "00000", "00000", "00000", "00000", "01100", "01100"]),
    (",", ["00000", "00000", "00000", "00000", "01100", "00100", "01000"]),
    ("-", ["00000", "00000", "00000", "11111", "00000", "00000", "00000"]),
    ("+", ["00000", "00100", "00100", "11111", "00100", "00100", "00000"]),
    (":", ["00000", "01100", "01100", "00000", "01100", "01100", "00000"]),
    ("=", ["00000", "00000", "11111", "00000", "11111", "00000", "00000"]),
    ("/", ["00000", "00001", "00010", "00100", "01000", "10000", "00000"]),
    ("(", ["00010", "00100", "01000", "01000", "01000", "00100", "00010"]),
    (")", ["01000", "00100", "00010", "00010", "00010", "00100", "01000"]),
    ("_", ["00000", "00000", "00000", "00000", "00000", "00000", "11111"]),
    ("|", ["00100", "00100", "00100", "00100", "00100", "00100", "00100"]),
    ("?", ["01110", "10001", "00001", "00010", "00100", "00000", "00100"]),
    ("\u{00B5}", ["00000", "00000", "10001", "10001", "10011", "11101", "10000"]),  // µ, the micro sign
    ("m", ["00000", "00000", "11010", "10101", "10101", "10101", "10101"]),  // only in "µm"
    (" ", ["00000", "00000", "00000", "00000", "00000", "00000", "00000"]),
  ]
  var out: [Character: [UInt8]] = [:]
  for (c, rows) in table { out[c] = rows.map { UInt8($0, radix: 2)! } }
  return out
}()

/// The 5 x 7 font's metrics, in pixels at text scale 1.
public enum BitmapFont {
  public static let glyphWidth = 5
  public static let glyphHeight = 7
  /// Horizontal advance per character (glyph plus one pixel of space).
  public static let advance = 6

  /// The glyph rows of `c` (capitals for letters, but a lower-case m after µ, so that "µm" does
  /// not read as micromolar; the minus sign and dashes as '-'; '?' when there is none).
  static func rows(_ c: Character, after previous: Character? = nil) -> [UInt8] {
    let key: Character
    switch c {
    case "m" where previous == "\u{00B5}" || previous == "\u{03BC}": key = "m"
    case "\u{2212}", "\u{2013}", "\u{2014}": key = "-"
    case "\u{00B5}", "\u{03BC}": key = "\u{00B5}"  // micro sign and Greek mu: not capitalised
    default: key = Character(c.uppercased())
    }
    return glyphs[key] ?? glyphs["?"]!
  }

  /// Width in pixels of `text` drawn at `scale`.
  public static func width(_ text: String, scale: Int = 1) -> Int {
    text.isEmpty ? 0 : (text.count * advance - 1) * scale
  }
}

extension RGBImage {
  /// Sets pixel (x, y) when it lies inside the image.
  public mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
    guard x >= 0, x < width, y >= 0, y < height else { return }
    let i = (y * width + x) * 3
    pixels[i] = color.0
    pixels[i + 1] = color.1
    pixels[i + 2] = color.2
  }

  /// The colour of pixel (x, y), which must lie inside the image.
  public func color(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
    let i = (y * width + x) * 3
    return (pixels[i], pixels[i + 1], pixels[i + 2])
  }

  /// Fills the rectangle with top-left (x, y), clipped to the image.
  public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: (UInt8, UInt8, UInt8)) {
    for yy in y..<(y + max(0, h)) { for xx in x..<(x + max(0, w)) { set(xx, yy, color) } }
  }

  /// Draws `text` in the 5 x 7 font with its top-left corner at (x, y), each font pixel
  /// `scale` x `scale` image pixels; clipped to the image.
  public mutating func draw(_ text: String, x: Int, y: Int, scale: Int = 1, color: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
    let scale = max(1, scale)
    var previous: Character? = nil
    for (n, c) in text.enumerated() {
      let left = x + n * BitmapFont.advance * scale
      defer { previous = c }
      for (r, bits) in BitmapFont.rows(c, after: previous).enumerated() {
        for col in 0..<BitmapFont.glyphWidth where bits & (1 << (4 - col)) != 0 {
          fill(x: left + col * scale, y: y + r * scale, width: scale, height: scale, color)
        }
      }
    }
  }
}
