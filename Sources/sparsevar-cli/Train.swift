//===--- Train.swift ------------------------------------------------------===//
//
// `sparsevar train`: the user's own recordings (.npy, ScanImage TIFF stacks, suite2p's registered
// binary, HDF5 and NWB datasets), one file per run, with group labels from the command line or a small CSV file. The
// condition names and the files are saved in the model, so that later commands show them.
//
//===----------------------------------------------------------------------===//

import ArgumentParser
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import SparseVAR
import SparseVARFiles
import SparseVARReport

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train the model on recordings (one file per run), analyse every run, and save the model.",
    discussion: """
      Each file is one run: a .npy stack (frames x height x width; uint16, float32 or float64) or a
      multi-page TIFF stack (ScanImage; --channel N for a stack of interleaved channels), or suite2p's
      registered binary (a data.bin file or its plane folder, with --frame-shape LyxLx from its ops.npy,
      which is a Python pickle this tool does not read), or a 3-D dataset (frames x height x width,
      integer or float) of an HDF5 or NWB file named FILE:/PATH, e.g. rec.h5:/imaging/frames or
      session.nwb:/acquisition/TwoPhotonSeries/data (an .nwb file alone: its only TwoPhotonSeries);
      HDF5 datasets are read block by block. Give each run a condition with --labels F,F,N,N
      (one per file, in order) or --labels-csv labels.csv (lines "file,condition", the file as given
      or its base name; a header line is allowed).
      """)

  @Argument(help: "Recordings, one per run: .npy, TIFF, suite2p binaries or plane folders, HDF5/NWB datasets as FILE:/PATH.") var files: [String]
  @Option(help: "Conditions of the runs, comma-separated, in file order (e.g. F,F,N,N).") var labels: String?
  @Option(name: .customLong("labels-csv"), help: "CSV file with lines \"file,condition\".") var labelsCSV: String?
  @Option(help: "Centre crop HEIGHTxWIDTH before downscaling (e.g. 768x512).") var crop: String?
  @Option(help: "Integer nearest-neighbour downscale factor (e.g. 4).") var downscale: Int = 1
  @Option(help: "The channel to analyse (1, 2, ...) of TIFF stacks whose pages interleave several, as ScanImage and ImageJ save them (read from their metadata); required for those. For a suite2p plane folder, 2 reads data_chan2.bin.")
  var channel: Int?
  @Option(name: .customLong("frame-shape"), help: "Frame size LyxLx of suite2p binaries (data.bin or a plane folder), from their ops.npy (e.g. 512x512).")
  var frameShape: String?
  @Option(name: [.short, .customLong("output")], help: "Where to save the model.") var output: String = "model.svnet"
  @Option(help: "Also write the report into this folder.") var report: String?
  @OptionGroup var model: ModelOptions
  @OptionGroup var maps: MapOptions

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one recording") }
    if labels != nil && labelsCSV != nil { throw ValidationError("use either --labels or --labels-csv, not both") }
    if labels == nil && labelsCSV == nil { throw ValidationError("give the runs' conditions with --labels or --labels-csv") }
    if downscale < 1 { throw ValidationError("--downscale must be >= 1, got \(downscale)") }
    if let channel, channel < 1 { throw ValidationError("--channel must be >= 1, got \(channel)") }
  }

  func conditionNames() throws -> [String] {
    if let labels {
      let names = labels.split(separator: ",").map { String($0).trimmingSpaces }
      guard names.count == files.count else {
        throw ValidationError("--labels has \(names.count) entries for \(files.count) files")
      }
      return names
    }
    let csv = try readText(labelsCSV ?? "")
    var byFile: [String: String] = [:]
    for line in csv.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
      let fields = line.split(separator: ",").map { String($0).trimmingSpaces }
      guard fields.count == 2 else { throw ValidationError("\(labelsCSV ?? ""): expected \"file,condition\", got \"\(line)\"") }
      byFile[fields[0]] = fields[1]
    }
    return try files.map { file in
      let path = HDF5Recording.split(file)?.file ?? file  // FILE of FILE:/PATH
      let base = String(path.split(separator: "/").last ?? Substring(path))
      guard let name = byFile[file] ?? byFile[path] ?? byFile[base] else {
        throw ValidationError("\(labelsCSV ?? ""): no condition for \(file)")
      }
      return name
    }
  }

  func run() throws {
    try reportingErrors {
      let names = try conditionNames()
      var distinct: [String] = []
      for n in names where !distinct.contains(n) { distinct.append(n) }
      var preprocessing = FramePreprocessing(downscale: downscale)
      if let crop {
        let parts = crop.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--crop must look like 768x512, got \(crop)") }
        preprocessing.crop = FrameSize(height: parts[0], width: parts[1])
      }
      var dataset: FrameDataset? = nil
      /// The dataset, made for the first recording's frame size; a later one must match it.
      func datasetTaking(_ file: String, height: Int, width: Int) throws -> FrameDataset {
        if dataset == nil {
          let created = try FrameDataset(height: height, width: width, preprocessing: preprocessing)
          for (label, name) in distinct.enumerated() { try created.setConditionName(name, label: Int32(label)) }
          dataset = created
        }
        guard let dataset, height == dataset.inputHeight, width == dataset.inputWidth else {
          throw SparseVARError.shape(
            "\(file) has frames of \(height) x \(width), the first file \(dataset?.inputHeight ?? 0) x \(dataset?.inputWidth ?? 0)")
        }
        return dataset
      }
      var reading = ProgressLine(label: "reading recordings")
      for (index, file) in files.enumerated() {
        let label = Int32(distinct.firstIndex(of: names[index]) ?? 0)
        let run: Int
        let target: FrameDataset
        var name = file
        if let hdf5 = HDF5Recording.split(file) {
          // HDF5 and NWB: streamed into the run block by block.
          if channel != nil && channel != 1 {
            throw SparseVARError.invalidArgument("\(file) is an HDF5 dataset of one channel: channel \(channel!) does not exist")
          }
          let recording = try HDF5Recording(file: hdf5.file, dataset: hdf5.path)
          target = try datasetTaking(file, height: recording.height, width: recording.width)
          run = target.beginRun(label: label)
          try recording.read(into: target, run: run)
          name = recording.name  // FILE:/PATH, also for an .nwb file given alone
        } else {
          let stack = try readRecording(file)
          target = try datasetTaking(file, height: stack.height, width: stack.width)
          run = try target.addRun(stack, label: label)
        }
        try target.setRunName(name, run: run)
        reading.update(index + 1, files.count)
      }
      guard let dataset else { return }
      dataset.equalizesRunBrightness = model.equalizeRuns
      let network = try model.makeNetwork(for: dataset)
      try trainAndAnalyze(network, on: dataset, label: "training")
      try network.save(to: output)
      print("model saved to \(output)")
      if let report, distinct.count >= 2 {
        let summary = try writeExperimentReport(
          network: network, conditions: [(0, distinct[0]), (1, distinct[1])], dataset: dataset,
          readout: maps.readout, title: "sparsevar report", pixelSize: maps.pixelSize, folder: report)
        printSummary(summary)
        print("report written to \(report)/report.html and \(report)/report.md")
      }
    }
  }
}

extension Train {
  /// The frames of one recording other than an HDF5 dataset: suite2p's binary (a .bin file or a
  /// folder) with --frame-shape, else .npy or TIFF by the extension.
  func readRecording(_ file: String) throws -> FrameStack {
    guard file.lowercased().hasSuffix(".bin") || Suite2PBinary.isDirectory(file) else {
      guard FrameFileFormat(path: file) != nil else {
        throw SparseVARError.format(
          "cannot tell the format of \(file) from its extension: this tool reads "
            + FrameFile.supportedExtensions.joined(separator: ", ") + ", suite2p's data.bin (or its plane folder) and "
            + "datasets of HDF5 and NWB files (" + HDF5Recording.extensions.joined(separator: ", ") + ") named FILE:/PATH")
      }
      return try FrameFile.read(path: file, channel: channel)
    }
    guard let frameShape else {
      throw ValidationError(
        "\(file) is a suite2p binary: give its frame size with --frame-shape LyxLx (Ly and Lx of its ops.npy, "
          + "e.g. python3 -c \"import numpy as np; o = np.load('ops.npy', allow_pickle=True).item(); print(o['Ly'], o['Lx'])\")")
    }
    let parts = frameShape.split(separator: "x").compactMap { Int($0) }
    guard parts.count == 2 else { throw ValidationError("--frame-shape must look like 512x512, got \(frameShape)") }
    return try Suite2PBinary.read(path: file, height: parts[0], width: parts[1], channel: channel ?? 1)
  }
}

/// The contents of a text file.
func readText(_ path: String) throws -> String {
  String(decoding: try readFileBytes(path), as: UTF8.self)
}

extension String {
  var trimmingSpaces: String {
    var s = Substring(self)
    while s.first == " " || s.first == "\t" { s = s.dropFirst() }
    while s.last == " " || s.last == "\t" { s = s.dropLast() }
    return String(s)
  }
}
