//===--- Dataset.swift ----------------------------------------------------===//
//
// C API of the frame dataset: runs of video frames of one field of view, preprocessed as they
// arrive (centre crop, then nearest-neighbour downscale) and stored once, compactly (UInt16
// frames as 2 bytes per kept pixel, float and double frames as 4). Frames are count x height x
// width, row-major, at the raw size given at creation: frames[f * height * width + r * width + c]
// is row r, column c of frame f. When read, pixels are normalised to [0, 1] by the global minimum
// and maximum over all stored pixels of all runs (a constant dataset cannot be normalised and is
// an error). A call that fails leaves the dataset as it was: no frame of a refused batch is kept.
//
//===----------------------------------------------------------------------===//

import SparseVAR
import SparseVARFiles
import _SparseVARHandles

final class DatasetObject {
  let dataset: FrameDataset
  init(_ dataset: FrameDataset) { self.dataset = dataset }
}

/// The dataset behind a handle.
func datasetObject(_ handle: UnsafePointer<sparsevar_dataset>?) throws -> FrameDataset {
  try object(handle, DatasetObject.self, "dataset").dataset
}

/// A run id argument of a dataset.
func datasetRun(_ dataset: FrameDataset, _ run: Int64) throws -> Int {
  guard run >= 0, run < Int64(dataset.runCount) else {
    throw ABIError(
      status: .invalidArgument,
      message: "unknown run id \(run): the dataset has \(dataset.runCount) run\(dataset.runCount == 1 ? "" : "s")"
        + (dataset.runCount == 0 ? "" : " (ids 0..<\(dataset.runCount))"))
  }
  return Int(run)
}

/// A label argument pair (label, has_label) as a Swift optional.
func labelArgument(_ label: Int32, _ has_label: Int32) throws -> Int32? {
  guard has_label == 0 || has_label == 1 else {
    throw ABIError(status: .invalidArgument, message: "has_label must be 0 or 1, got \(has_label)")
  }
  return has_label == 1 ? label : nil
}

/// Checks a batch's frame size against the dataset's raw size and returns its element count.
func frameBatch(_ dataset: FrameDataset, _ count: Int64, _ height: Int64, _ width: Int64) throws -> Int {
  guard count >= 0 else {
    throw ABIError(status: .invalidArgument, message: "the frame count must be >= 0, got \(count)")
  }
  guard height == Int64(dataset.inputHeight), width == Int64(dataset.inputWidth) else {
    throw ABIError(
      status: .shape,
      message: "the frames are \(height) x \(width) (height x width) but the dataset was created for raw "
        + "frames of \(dataset.inputHeight) x \(dataset.inputWidth)")
  }
  return try elementCount(
    try size(count, "count"), dataset.inputHeight, dataset.inputWidth, what: "the frames (count x height x width)")
}

/// A caller's frame array as a buffer (NULL allowed only for an empty batch).
func frameBuffer<T>(_ frames: UnsafePointer<T>?, count: Int) throws -> UnsafeBufferPointer<T> {
  if count == 0 { return UnsafeBufferPointer(start: frames, count: 0) }
  return UnsafeBufferPointer(start: try require(frames, "frames"), count: count)
}

/// Creates an empty dataset for raw frames of height x width pixels. SPARSEVAR_E_NO_MEMORY when
/// the stored frame is too large to allocate its mean frame (8 bytes per stored pixel).
/// @param out          receives the handle (NULL on failure); free it with sparsevar_dataset_free.
/// @param height       raw frame height H >= 1, as every frame will be given.
/// @param width        raw frame width W >= 1.
/// @param crop_height  centre crop to this many rows (<= H); 0 = keep all H rows.
/// @param crop_width   centre crop to this many columns (<= W); 0 = keep all W columns. The crop
///                     starts at row (H - crop_height) / 2 and column (W - crop_width) / 2,
///                     rounded down (an odd margin loses its extra pixel at the bottom / right).
/// @param downscale    nearest-neighbour downscale factor f >= 1 (0 or 1 = none): stored pixel
///                     (i, j) is cropped pixel (i * f, j * f); the cropped size must be divisible
///                     by f. Frames are stored as (crop_height / f) x (crop_width / f).
@c public func sparsevar_dataset_create(
  _ out: UnsafeMutablePointer<UnsafeMutablePointer<sparsevar_dataset>?>?,
  _ height: Int64, _ width: Int64, _ crop_height: Int64, _ crop_width: Int64, _ downscale: Int64
) -> Int32 {
  out?.pointee = nil
  return guarded {
    let result = try require(out, "out")
    guard height >= 1, width >= 1 else {
      throw ABIError(
        status: .invalidArgument, message: "frames need at least 1 x 1 pixels, got \(height) x \(width) (height x width)")
    }
    let h = try size(height, "height")
    let w = try size(width, "width")
    guard crop_height >= 0, crop_width >= 0 else {
      throw ABIError(
        status: .invalidArgument,
        message: "crop_height and crop_width must be >= 0 (0 = no crop), got \(crop_height) x \(crop_width)")
    }
    guard downscale >= 0 else {
      throw ABIError(status: .invalidArgument, message: "the downscale factor must be >= 1 (0 or 1 = none), got \(downscale)")
    }
    let ch = crop_height == 0 ? h : try size(crop_height, "crop_height")
    let cw = crop_width == 0 ? w : try size(crop_width, "crop_width")
    let crop: FrameSize? = crop_height == 0 && crop_width == 0 ? nil : FrameSize(height: ch, width: cw)
    let factor = downscale == 0 ? 1 : try size(downscale, "downscale")
    let dataset = try FrameDataset(
      height: h, width: w, preprocessing: FramePreprocessing(crop: crop, downscale: factor))
    result.pointee = try retainHandle(DatasetObject(dataset), as: sparsevar_dataset.self)
  }
}

/// Frees a dataset. NULL is a no-op.
@c public func sparsevar_dataset_free(_ dataset: UnsafeMutablePointer<sparsevar_dataset>?) {
  release(dataset, DatasetObject.self)
}

/// Starts a new, empty run to be filled with sparsevar_dataset_add_frames_* (as acquisition
/// software streams batches of frames).
/// @param label      the run's group label (used by the group tests and maps).
/// @param has_label  1 = the run has the label, 0 = the run is unlabelled (label is ignored).
/// @param run        receives the run's id: 0, 1, 2, ... in order of creation (may be NULL).
@c public func sparsevar_dataset_begin_run(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ label: Int32, _ has_label: Int32,
  _ run: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let value = try labelArgument(label, has_label)
    let id = d.beginRun(label: value)
    run?.pointee = Int64(id)
  }
}

/// Appends a batch of count UInt16 frames (count x height x width, raw size, row-major) to the end
/// of run `run`. Streaming batches gives exactly the dataset that adding their concatenation
/// at once gives. height and width must be the raw size given at creation (SPARSEVAR_E_SHAPE
/// otherwise). count may be 0 (frames may then be NULL).
@c public func sparsevar_dataset_add_frames_u16(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ run: Int64, _ frames: UnsafePointer<UInt16>?,
  _ count: Int64, _ height: Int64, _ width: Int64
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let id = try datasetRun(d, run)
    let n = try frameBatch(d, count, height, width)
    try d.append(try frameBuffer(frames, count: n), count: Int(count), to: id)
  }
}

/// As sparsevar_dataset_add_frames_u16 for float frames (stored as float). NaN or infinity
/// anywhere in the batch gives SPARSEVAR_E_NON_FINITE and nothing is stored. When float frames
/// reach a dataset holding UInt16 frames, the stored frames are converted to float (exactly; the
/// memory per pixel doubles).
@c public func sparsevar_dataset_add_frames_f32(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ run: Int64, _ frames: UnsafePointer<Float>?,
  _ count: Int64, _ height: Int64, _ width: Int64
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let id = try datasetRun(d, run)
    let n = try frameBatch(d, count, height, width)
    try d.append(try frameBuffer(frames, count: n), count: Int(count), to: id)
  }
}

/// As sparsevar_dataset_add_frames_f32 for double frames (rounded to float when stored; a finite
/// value beyond float's range gives SPARSEVAR_E_INVALID_ARGUMENT).
@c public func sparsevar_dataset_add_frames_f64(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ run: Int64, _ frames: UnsafePointer<Double>?,
  _ count: Int64, _ height: Int64, _ width: Int64
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let id = try datasetRun(d, run)
    let n = try frameBatch(d, count, height, width)
    try d.append(try frameBuffer(frames, count: n), count: Int(count), to: id)
  }
}

/// Adds a whole run of count UInt16 frames at once: sparsevar_dataset_begin_run followed by
/// sparsevar_dataset_add_frames_u16, except that on failure no run is created.
/// @param run  receives the new run's id (may be NULL).
@c public func sparsevar_dataset_add_run_u16(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ frames: UnsafePointer<UInt16>?, _ count: Int64,
  _ height: Int64, _ width: Int64, _ label: Int32, _ has_label: Int32, _ run: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let value = try labelArgument(label, has_label)
    let n = try frameBatch(d, count, height, width)
    let id = try d.addRun(try frameBuffer(frames, count: n), count: Int(count), label: value)
    run?.pointee = Int64(id)
  }
}

/// As sparsevar_dataset_add_run_u16 for float frames.
@c public func sparsevar_dataset_add_run_f32(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ frames: UnsafePointer<Float>?, _ count: Int64,
  _ height: Int64, _ width: Int64, _ label: Int32, _ has_label: Int32, _ run: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let value = try labelArgument(label, has_label)
    let n = try frameBatch(d, count, height, width)
    let id = try d.addRun(try frameBuffer(frames, count: n), count: Int(count), label: value)
    run?.pointee = Int64(id)
  }
}

/// As sparsevar_dataset_add_run_u16 for double frames.
@c public func sparsevar_dataset_add_run_f64(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ frames: UnsafePointer<Double>?, _ count: Int64,
  _ height: Int64, _ width: Int64, _ label: Int32, _ has_label: Int32, _ run: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let value = try labelArgument(label, has_label)
    let n = try frameBatch(d, count, height, width)
    let id = try d.addRun(try frameBuffer(frames, count: n), count: Int(count), label: value)
    run?.pointee = Int64(id)
  }
}

/// Adds the frames of a recording file as one new run (as sparsevar_dataset_add_run_u16 does
/// with the frames in memory), the format chosen by the extension: .npy (uint8, uint16, int16,
/// float32 or float64, either byte order, C order, shape count x height x width) or .tif/.tiff
/// (uncompressed grayscale pages, 8/16-bit unsigned, 16-bit signed, 32/64-bit float, strips or
/// tiles, classic or BigTIFF). Only regular files are read; the file is opened without blocking
/// (a FIFO or device gives SPARSEVAR_E_IO at once) and its header sizes are checked against its
/// length before anything is allocated. SPARSEVAR_E_IO when it cannot be opened or read,
/// SPARSEVAR_E_FORMAT for an unknown extension or a damaged or unsupported file,
/// SPARSEVAR_E_SHAPE when its frames are not of the dataset's raw size.
/// A TIFF stack whose pages interleave channels (ScanImage, ImageJ) gives
/// SPARSEVAR_E_INVALID_ARGUMENT: choose the channel with sparsevar_dataset_add_run_file_v2.
/// The run is named by `path` (sparsevar_dataset_get_run_name).
/// @param path  NUL-terminated path of the file.
/// @param run   receives the new run's id (may be NULL).
@c public func sparsevar_dataset_add_run_file(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ path: UnsafePointer<CChar>?, _ label: Int32,
  _ has_label: Int32, _ run: UnsafeMutablePointer<Int64>?
) -> Int32 {
  sparsevar_dataset_add_run_file_v2(dataset, path, 0, label, has_label, run)
}

/// As sparsevar_dataset_add_run_file, reading channel `channel` (1, 2, ...) of a TIFF stack
/// whose pages interleave several channels, as its ScanImage or ImageJ metadata states them
/// (frame f of channel c is page f * channels + c - 1). channel = 0: the file must hold one
/// channel (a multi-channel stack, or a ScanImage stack whose channel count its metadata does not
/// state, gives SPARSEVAR_E_INVALID_ARGUMENT naming the channels). A channel the file does not
/// have gives SPARSEVAR_E_INVALID_ARGUMENT; a .npy file holds channel 1 only.
/// @param channel  1-based channel, or 0 for a single-channel file.
@c public func sparsevar_dataset_add_run_file_v2(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ path: UnsafePointer<CChar>?, _ channel: Int64,
  _ label: Int32, _ has_label: Int32, _ run: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let value = try labelArgument(label, has_label)
    guard channel >= 0, channel <= Int64(Int32.max) else {
      throw ABIError(status: .invalidArgument, message: "channel must be 1, 2, ... (0 = a single-channel file), got \(channel)")
    }
    let file = String(cString: try require(path, "path"))
    try FrameDataset.checkName(file)
    let stack = try FrameFile.read(path: file, channel: channel == 0 ? nil : Int(channel))
    let id = try d.addRun(stack, label: value)
    try d.setRunName(file, run: id)
    run?.pointee = Int64(id)
  }
}

/// Frame sizes (any pointer may be NULL): the raw size given at creation, and the size frames
/// are stored and used at after crop and downscale (the frame size of a model trained on them).
@c public func sparsevar_dataset_shape(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ input_height: UnsafeMutablePointer<Int64>?,
  _ input_width: UnsafeMutablePointer<Int64>?, _ height: UnsafeMutablePointer<Int64>?,
  _ width: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    input_height?.pointee = Int64(d.inputHeight)
    input_width?.pointee = Int64(d.inputWidth)
    height?.pointee = Int64(d.outputHeight)
    width?.pointee = Int64(d.outputWidth)
  }
}

/// Number of runs (including runs without frames) and of frames over all runs (either pointer
/// may be NULL).
@c public func sparsevar_dataset_size(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ n_runs: UnsafeMutablePointer<Int64>?,
  _ n_frames: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    n_runs?.pointee = Int64(d.runCount)
    n_frames?.pointee = Int64(d.totalFrameCount)
  }
}

/// Number of frames in run `run`.
@c public func sparsevar_dataset_frame_count(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ run: Int64, _ count: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let id = try datasetRun(d, run)
    let out = try require(count, "count")
    out.pointee = Int64(try d.frameCount(run: id))
  }
}

/// Bytes held for frame data: n_frames * height * width * b + 8 * height * width, with the
/// stored height and width, b = 2 while every frame given was UInt16 and 4 once any float or
/// double frame was given, and the second term the running sum of the mean frame. Not counted:
/// per-run bookkeeping and the spare capacity of streamed runs (whose storage grows
/// geometrically, up to about twice their size; whole runs are allocated exactly).
@c public func sparsevar_dataset_memory_bytes(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ bytes: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    try require(bytes, "bytes").pointee = Int64(d.memoryBytes)
  }
}

/// The global minimum and maximum over all stored pixels, in raw units: the normalisation
/// x = (v - min) / (max - min) (either pointer may be NULL). SPARSEVAR_E_NOT_FITTED while the
/// dataset holds no frame.
@c public func sparsevar_dataset_range(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ minimum: UnsafeMutablePointer<Double>?,
  _ maximum: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    guard let low = d.minimum, let high = d.maximum else {
      throw ABIError(status: .notFitted, message: "the dataset holds no frames yet: it has no range")
    }
    minimum?.pointee = low
    maximum?.pointee = high
  }
}

/// Reads run `run`'s group label: *has_label = 1 and *label the label, or *has_label = 0 and
/// *label = 0 for an unlabelled run (either pointer may be NULL).
@c public func sparsevar_dataset_get_label(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ run: Int64, _ label: UnsafeMutablePointer<Int32>?,
  _ has_label: UnsafeMutablePointer<Int32>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let id = try datasetRun(d, run)
    let value = try d.label(run: id)
    label?.pointee = value ?? 0
    has_label?.pointee = value == nil ? 0 : 1
  }
}

/// Sets run `run`'s group label (has_label = 1) or makes it unlabelled (has_label = 0). A model
/// sees the labels the dataset has when sparsevar_autoencoder_analyze runs.
@c public func sparsevar_dataset_set_label(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ run: Int64, _ label: Int32, _ has_label: Int32
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let id = try datasetRun(d, run)
    let value = try labelArgument(label, has_label)
    try d.setLabel(value, run: id)
  }
}

/// Writes the mean frame xbar over all frames of all runs, in normalised units (values in
/// [0, 1]; height x width stored pixels, row-major; len >= height * width).
/// SPARSEVAR_E_NOT_FITTED for a dataset without frames, SPARSEVAR_E_NUMERICAL for a constant one.
@c public func sparsevar_dataset_mean_frame(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ out: UnsafeMutablePointer<Float>?, _ len: Int64
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    _ = try requireCapacity(out, len, needed: d.outputHeight * d.outputWidth, "out")
    try write(try d.meanFrame, to: out, capacity: len, "out")
  }
}

/// Writes frames first ..< first + count of run `run` as the model sees them: cropped,
/// downscaled and normalised to [0, 1] (count x height x width stored pixels, row-major;
/// len >= count * height * width). Such frames are what sparsevar_autoencoder_encode_f32 takes.
@c public func sparsevar_dataset_frames(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ run: Int64, _ first: Int64, _ count: Int64,
  _ out: UnsafeMutablePointer<Float>?, _ len: Int64
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let id = try datasetRun(d, run)
    let n = try d.frameCount(run: id)
    guard first >= 0, count >= 0, first <= Int64(n), count <= Int64(n) - first else {
      throw ABIError(
        status: .invalidArgument,
        message: "frames \(first)..<\(first &+ count) are outside run \(run), which has \(n) frame\(n == 1 ? "" : "s")")
    }
    let needed = Int(count) * d.outputHeight * d.outputWidth
    let base = try requireCapacity(out, len, needed: needed, "out")
    try d.copyFrames(
      run: id, range: Int(first)..<Int(first + count), into: UnsafeMutableBufferPointer(start: base, count: needed))
  }
}
