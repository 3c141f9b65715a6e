//===--- FramePreprocessing.swift -----------------------------------------===//
//
// Geometry of the preprocessing (docs/model.md): an optional centre crop, then an optional
// nearest-neighbour downscale by an integer factor. Normalisation to [0, 1] is the dataset's
// business (it needs the global min and max, see FrameDataset.swift).
//
//     raw frame H x W --crop--> h x w --downscale f--> h/f x w/f
//
// Crop: the kept block starts at row top = (H - h) / 2 and column left = (W - w) / 2 (integer
// division), so when a margin H - h (or W - w) is odd the extra pixel is cut from the BOTTOM (or
// RIGHT) edge, as numpy's frame[(H-h)//2 : (H-h)//2 + h] does.
// Downscale: output pixel (i, j) = cropped pixel (i*f, j*f), the top-left pixel of its f x f
// block (no averaging); h and w must be divisible by f.
//
//===----------------------------------------------------------------------===//

/// A frame size in pixels: `height` rows of `width` pixels.
public struct FrameSize: Sendable, Hashable, CustomStringConvertible {
  public var height: Int
  public var width: Int

  public init(height: Int, width: Int) {
    self.height = height
    self.width = width
  }

  /// Pixels per frame, height * width.
  public var pixels: Int { height * width }

  public var description: String { "\(height) x \(width)" }
}

/// The geometric preprocessing applied to every frame before it is stored: centre crop, then
/// nearest-neighbour downscale (docs/method.md). Normalisation to [0, 1] follows when frames are read.
public struct FramePreprocessing: Sendable, Hashable {
  /// Centre crop to this size (must fit inside the raw frame); nil keeps the whole frame.
  /// When a margin is odd, the extra pixel is cut from the bottom / right edge: the crop starts
  /// at row (H - h) / 2 and column (W - w) / 2, rounded down.
  public var crop: FrameSize?
  /// Integer downscale factor f >= 1 (1 = none). Output pixel (i, j) is pixel (i*f, j*f) of the
  /// cropped frame (nearest neighbour, the top-left pixel of each f x f block); the cropped height
  /// and width must be divisible by f.
  public var downscale: Int

  public init(crop: FrameSize? = nil, downscale: Int = 1) {
    self.crop = crop
    self.downscale = downscale
  }

  /// The paper's setting: crop 768 x 512 (height x width), downscale 4 -> 192 x 128.
  public static let paper = FramePreprocessing(crop: FrameSize(height: 768, width: 512), downscale: 4)
}

/// The resolved geometry of a preprocessing applied to raw frames of a given size.
package struct FrameGeometry: Sendable, Equatable {
  /// Raw (input) frame size.
  package let input: FrameSize
  /// Size after the crop, before the downscale.
  package let cropped: FrameSize
  /// First kept row and column of the raw frame.
  package let top: Int
  package let left: Int
  /// Downscale factor f.
  package let factor: Int
  /// Stored (output) frame size, cropped / f.
  package let output: FrameSize

  /// Validates `preprocessing` against raw frames of `input` size.
  package init(input: FrameSize, preprocessing: FramePreprocessing) throws {
    guard input.height >= 1, input.width >= 1 else {
      throw SparseVARError.invalidArgument(
        "frames need at least 1 x 1 pixels, got \(input.height) x \(input.width)")
    }
    guard input.height.multipliedReportingOverflow(by: input.width).overflow == false else {
      throw SparseVARError.invalidArgument("a frame of \(input) pixels is too large")
    }
    let cropped = preprocessing.crop ?? input
    guard cropped.height >= 1, cropped.width >= 1 else {
      throw SparseVARError.invalidArgument(
        "the crop must be at least 1 x 1 pixels, got \(cropped.height) x \(cropped.width)")
    }
    guard cropped.height <= input.height, cropped.width <= input.width else {
      throw SparseVARError.shape(
        "the crop \(cropped) does not fit inside frames of \(input) (height x width)")
    }
    let f = preprocessing.downscale
    guard f >= 1 else {
      throw SparseVARError.invalidArgument("the downscale factor must be >= 1, got \(f)")
    }
    guard cropped.height % f == 0, cropped.width % f == 0 else {
      let what = preprocessing.crop == nil ? "the frame size" : "the cropped size"
      throw SparseVARError.shape(
        "\(what) \(cropped) (height x width) is not divisible by the downscale factor \(f)")
    }
    self.input = input
    self.cropped = cropped
    self.top = (input.height - cropped.height) / 2
    self.left = (input.width - cropped.width) / 2
    self.factor = f
    self.output = FrameSize(height: cropped.height / f, width: cropped.width / f)
  }

  /// Index in a raw frame of output pixel (i, j).
  @inline(__always)
  package func sourceIndex(row i: Int, column j: Int) -> Int {
    (top + i * factor) * input.width + left + j * factor
  }
}
