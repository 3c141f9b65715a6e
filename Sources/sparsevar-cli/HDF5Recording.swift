//===--- HDF5Recording.swift ----------------------------------------------===//
//
// Recordings in HDF5 files, and so in NWB files (which are HDF5), for `sparsevar train`: a 3-D
// dataset (frames x height x width, as stored) of integer or floating-point numbers, named on the
// command line as FILE:/PATH (e.g. session.nwb:/acquisition/TwoPhotonSeries/data). An NWB file
// named without a path gives its only TwoPhotonSeries.
//
// The file is read through Debian's libhdf5, which only the tool links (the SparseVAR module and
// libsparsevar.so do not depend on it). Everything is checked before memory is allocated: a
// regular file, a dataset at the path, rank 3, sizes whose products fit, a numeric sample type.
// The frames are then read and added to the run block by block (at most 64 MiB of samples at a
// time, a whole number of the dataset's chunks along frames where it is chunked), so a recording
// is never held whole in memory besides the dataset's preprocessed copy.
//
//     file samples                         read as (HDF5 converts)
//     unsigned integers of 8 or 16 bits    UInt16
//     signed integers of 8 or 16 bits,     Float (exactly)
//     floats of up to 32 bits
//     wider integers, 64-bit floats        Double (stored as Float by the dataset; values beyond
//                                          Float's range and NaN are refused by it)
//
//===----------------------------------------------------------------------===//

import _CHDF5
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import SparseVAR

/// A 3-D dataset of an HDF5 (or NWB) file, open for reading frame blocks.
final class HDF5Recording {
  /// Extensions (lower case) of files read through HDF5.
  static let extensions = [".h5", ".hdf5", ".hdf", ".nwb"]
  /// Most bytes of samples read at a time.
  static let blockBytes = 64 << 20

  /// The command-line name, FILE:/PATH.
  let name: String
  /// Frames, rows per frame, pixels per row.
  let count: Int, height: Int, width: Int
  private let file: hid_t
  private let dataset: hid_t
  private let memoryType: MemoryType
  private let chunkFrames: Int

  /// How samples are read into memory (see the table above).
  enum MemoryType { case uint16, float32, float64 }

  /// Splits a command-line recording into its HDF5 file and dataset path: "a.h5:/x/data" gives
  /// ("a.h5", "/x/data"), "a.nwb" gives ("a.nwb", nil); nil when it names no HDF5 file (by the
  /// extensions, case-insensitive).
  static func split(_ argument: String) -> (file: String, path: String?)? {
    func isHDF5(_ file: Substring) -> Bool {
      let lower = file.lowercased()
      return extensions.contains { lower.hasSuffix($0) }
    }
    if isHDF5(argument[...]) { return (argument, nil) }
    var colon = argument.firstIndex(of: ":")
    while let at = colon {
      if isHDF5(argument[..<at]) { return (String(argument[..<at]), String(argument[argument.index(after: at)...])) }
      colon = argument[argument.index(after: at)...].firstIndex(of: ":")
    }
    return nil
  }

  /// Opens the dataset `path` of `file` (for an NWB file, nil: its only TwoPhotonSeries).
  /// - Throws: `.io` when the file cannot be opened (missing, not a regular file), `.format` when
  ///   HDF5 cannot read it (truncated, damaged, not HDF5), when the path names no dataset (the
  ///   message lists the file's 3-D datasets) or a dataset that is not 3-D or not numeric,
  ///   `.shape` for sizes whose products overflow or frames below 1 x 1.
  init(file path: String, dataset datasetPath: String?) throws {
    sparsevar_h5_silence()
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw SparseVARError.io("cannot open \(path): \(String(cString: strerror(errno)))")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw SparseVARError.io("cannot open \(path): not a regular file")
    }
    file = sparsevar_h5_open_readonly(path)
    guard file >= 0 else {
      throw SparseVARError.format("\(path) cannot be read as an HDF5 file (\(HDF5Recording.lastError()))")
    }
    var datasetID: hid_t = -1
    do {
      guard datasetPath != nil || path.lowercased().hasSuffix(".nwb") else {
        throw SparseVARError.invalidArgument(
          "\(path): name the dataset to read as \(path):/PATH; its 3-D datasets: \(HDF5Recording.listing(file))")
      }
      let inner = try datasetPath ?? HDF5Recording.onlyTwoPhotonSeries(file, path)
      name = "\(path):\(inner)"
      guard sparsevar_h5_dataset_rank(file, inner) >= 0 else {
        _ = HDF5Recording.lastError()
        throw SparseVARError.format("\(path) has no dataset \(inner); its 3-D datasets: \(HDF5Recording.listing(file))")
      }
      datasetID = H5Dopen2(file, inner, sparsevar_h5_default())
      guard datasetID >= 0 else { throw SparseVARError.format("\(name): \(HDF5Recording.lastError())") }
      (count, height, width) = try HDF5Recording.frameShape(datasetID, name)
      memoryType = try HDF5Recording.memoryType(datasetID, name)
      chunkFrames = HDF5Recording.chunkFrames(datasetID)
      dataset = datasetID
    } catch {
      if datasetID >= 0 { H5Dclose(datasetID) }
      H5Fclose(file)
      throw error
    }
  }

  deinit {
    H5Dclose(dataset)
    H5Fclose(file)
  }

  /// Reads every frame and appends it to run `run` of `target`, block by block.
  /// - Throws: `.noMemory` when a block cannot be allocated, `.format` when HDF5 fails to read
  ///   (a truncated or damaged file, a compression filter it lacks), and what
  ///   `FrameDataset.append` throws (NaN, values beyond Float's range, a frame size that differs).
  func read(into target: FrameDataset, run: Int) throws {
    let pixels = try checkedProduct(height, width, what: "the frame size of \(name)")
    let frameBytes = try checkedBytes(pixels, of: Double.self, what: "a frame of \(name)")
    var block = max(1, min(count, HDF5Recording.blockBytes / frameBytes))
    if chunkFrames > 1 && chunkFrames <= block { block -= block % chunkFrames }
    let samples = try checkedProduct(block, pixels, what: "a block of \(name)")
    switch memoryType {
    case .uint16: try read(UInt16.self, sparsevar_h5_native_ushort(), block, samples, into: target, run: run)
    case .float32: try read(Float.self, sparsevar_h5_native_float(), block, samples, into: target, run: run)
    case .float64: try read(Double.self, sparsevar_h5_native_double(), block, samples, into: target, run: run)
    }
  }

  private func read<T: HDF5Sample>(
    _: T.Type, _ type: hid_t, _ block: Int, _ samples: Int, into target: FrameDataset, run: Int
  ) throws {
    try reserveMemory(samples, of: T.self, what: "a block of \(block) frames of \(name)")
    var buffer = [T](repeating: T.zero, count: samples)
    let fileSpace = H5Dget_space(dataset)
    guard fileSpace >= 0 else { throw SparseVARError.format("\(name): \(HDF5Recording.lastError())") }
    defer { H5Sclose(fileSpace) }
    var first = 0
    while first < count {
      let frames = min(block, count - first)
      var start: [hsize_t] = [hsize_t(first), 0, 0]
      var size: [hsize_t] = [hsize_t(frames), hsize_t(height), hsize_t(width)]
      let memorySpace = H5Screate_simple(3, &size, nil)
      guard memorySpace >= 0 else { throw SparseVARError.format("\(name): \(HDF5Recording.lastError())") }
      defer { H5Sclose(memorySpace) }
      let status = buffer.withUnsafeMutableBytes { bytes -> herr_t in
        guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &size, nil) >= 0 else { return -1 }
        return H5Dread(dataset, type, memorySpace, fileSpace, sparsevar_h5_default(), bytes.baseAddress)
      }
      guard status >= 0 else {
        throw SparseVARError.format("\(name): frames \(first)..<\(first + frames) cannot be read (\(HDF5Recording.lastError()))")
      }
      try buffer.withUnsafeBufferPointer { all in
        try T.append(UnsafeBufferPointer(rebasing: all[..<(frames * height * width)]), count: frames, to: run, of: target)
      }
      first += frames
    }
  }

  // MARK: - Checks before reading

  /// (frames, height, width) of a 3-D dataset, each within Int, with frames at least 1 x 1.
  private static func frameShape(_ dataset: hid_t, _ name: String) throws -> (Int, Int, Int) {
    let space = H5Dget_space(dataset)
    guard space >= 0 else { throw SparseVARError.format("\(name): \(lastError())") }
    defer { H5Sclose(space) }
    let rank = H5Sget_simple_extent_ndims(space)
    guard rank == 3 else {
      throw SparseVARError.format(
        "\(name) has \(rank < 0 ? "no simple shape" : "\(rank) dimension\(rank == 1 ? "" : "s")"): a recording is a "
          + "3-D dataset, frames x height x width")
    }
    var dims = [hsize_t](repeating: 0, count: 3)
    guard H5Sget_simple_extent_dims(space, &dims, nil) == 3 else { throw SparseVARError.format("\(name): \(lastError())") }
    guard dims.allSatisfy({ $0 <= UInt64(Int.max) }) else {
      throw SparseVARError.shape("\(name) declares sizes \(dims.map(String.init).joined(separator: " x ")) beyond a 64-bit count")
    }
    let (count, height, width) = (Int(dims[0]), Int(dims[1]), Int(dims[2]))
    guard height >= 1, width >= 1 else {
      throw SparseVARError.shape("\(name) has frames of \(height) x \(width) pixels: at least 1 x 1 are needed")
    }
    _ = try checkedProduct(count, height, width, what: "the samples of \(name)")
    return (count, height, width)
  }

  /// The memory type for the dataset's sample type (see the table above).
  private static func memoryType(_ dataset: hid_t, _ name: String) throws -> MemoryType {
    let type = H5Dget_type(dataset)
    guard type >= 0 else { throw SparseVARError.format("\(name): \(lastError())") }
    defer { H5Tclose(type) }
    let size = H5Tget_size(type)
    switch H5Tget_class(type) {
    case H5T_INTEGER:
      if size <= 2 { return H5Tget_sign(type) == H5T_SGN_NONE ? .uint16 : .float32 }
      return .float64
    case H5T_FLOAT:
      return size <= 4 ? .float32 : .float64
    case let kind:
      throw SparseVARError.format("\(name) holds \(describe(kind)), not integer or floating-point samples")
    }
  }

  private static func describe(_ kind: H5T_class_t) -> String {
    switch kind {
    case H5T_STRING: return "strings"
    case H5T_COMPOUND: return "compound records"
    case H5T_ENUM: return "enumerated values (such as booleans)"
    case H5T_ARRAY: return "arrays"
    case H5T_VLEN: return "variable-length sequences"
    case H5T_REFERENCE: return "references"
    case H5T_BITFIELD: return "bit fields"
    case H5T_OPAQUE: return "opaque data"
    case H5T_TIME: return "times"
    default: return "data of HDF5 class \(kind.rawValue)"
    }
  }

  /// Frames per chunk of a chunked dataset (1 otherwise, or when it cannot be told).
  private static func chunkFrames(_ dataset: hid_t) -> Int {
    let plist = H5Dget_create_plist(dataset)
    guard plist >= 0 else { _ = lastError(); return 1 }
    defer { H5Pclose(plist) }
    guard H5Pget_layout(plist) == H5D_CHUNKED else { return 1 }
    var chunk = [hsize_t](repeating: 0, count: 3)
    guard H5Pget_chunk(plist, 3, &chunk) == 3, chunk[0] >= 1, chunk[0] <= 1 << 20 else { _ = lastError(); return 1 }
    return Int(chunk[0])
  }

  // MARK: - Finding datasets

  /// The paths (without the leading slash) of the 3-D datasets of `file`, through hard links.
  private static func threeDimensionalDatasets(_ file: hid_t) -> [String] {
    final class Found { var paths: [String] = [] }
    let found = Found()
    withExtendedLifetime(found) {
      sparsevar_h5_visit_3d_datasets(file, { path, context in
        let found = Unmanaged<Found>.fromOpaque(context!).takeUnretainedValue()
        if let path, found.paths.count < 1000 { found.paths.append(String(cString: path)) }
      }, Unmanaged.passUnretained(found).toOpaque())
    }
    return found.paths
  }

  /// The 3-D datasets of `file` as a list for a message ("/a/data, /b" or "none").
  private static func listing(_ file: hid_t) -> String {
    let found = threeDimensionalDatasets(file)
    return found.isEmpty ? "none" : found.map { "/" + $0 }.joined(separator: ", ")
  }

  /// The data path of the only TwoPhotonSeries of an NWB file: a 3-D dataset named "data" whose
  /// group's neurodata_type is TwoPhotonSeries.
  private static func onlyTwoPhotonSeries(_ file: hid_t, _ path: String) throws -> String {
    let series = threeDimensionalDatasets(file).filter { dataPath in
      guard dataPath.hasSuffix("/data") else { return false }
      let group = "/" + dataPath.dropLast("/data".count)
      var text = [CChar](repeating: 0, count: 64)
      guard sparsevar_h5_string_attribute(file, group, "neurodata_type", &text, text.count) == 0 else { return false }
      return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } == "TwoPhotonSeries"
    }
    guard series.count == 1 else {
      let listed = series.isEmpty ? "" : " (" + series.map { "/" + $0 }.joined(separator: ", ") + ")"
      throw SparseVARError.invalidArgument(
        "\(path) has \(series.count) TwoPhotonSeries\(listed): name the dataset to read as \(path):/PATH "
          + "(e.g. \(path):/acquisition/<series>/data); its 3-D datasets: \(listing(file))")
    }
    return "/" + series[0]
  }

  /// HDF5's description of the last failure (and the error stack cleared).
  private static func lastError() -> String {
    var text = [CChar](repeating: 0, count: 512)
    sparsevar_h5_error_message(&text, text.count)
    let message = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return message.isEmpty ? "HDF5 error" : message
  }
}

/// A sample type blocks are read in (UInt16, Float, Double), with the dataset's `append` for it.
protocol HDF5Sample {
  static var zero: Self { get }
  static func append(_ frames: UnsafeBufferPointer<Self>, count: Int, to run: Int, of dataset: FrameDataset) throws
}

extension UInt16: HDF5Sample {
  static func append(_ frames: UnsafeBufferPointer<UInt16>, count: Int, to run: Int, of dataset: FrameDataset) throws {
    try dataset.append(frames, count: count, to: run)
  }
}

extension Float: HDF5Sample {
  static func append(_ frames: UnsafeBufferPointer<Float>, count: Int, to run: Int, of dataset: FrameDataset) throws {
    try dataset.append(frames, count: count, to: run)
  }
}

extension Double: HDF5Sample {
  static func append(_ frames: UnsafeBufferPointer<Double>, count: Int, to run: Int, of dataset: FrameDataset) throws {
    try dataset.append(frames, count: count, to: run)
  }
}
