//===--- Names.swift ------------------------------------------------------===//
//
// C API of run and condition names: a dataset names its runs (their source files) and the
// conditions its group labels stand for; a model analysing the dataset keeps both, and saves
// them in its file, so tables and figures show "F vs N" and file names instead of numbers.
// Names are NUL-terminated UTF-8 of at most 4096 bytes. A name is read into a caller's buffer:
// out = NULL with len = 0 asks for its length only.
//
//===----------------------------------------------------------------------===//

import SparseVAR
import _SparseVARHandles

/// A name argument: nil for NULL, else valid UTF-8 of at most FrameDataset.maximumNameBytes bytes.
func nameArgument(_ name: UnsafePointer<CChar>?) throws -> String? {
  guard let name else { return nil }
  guard let text = String(validatingCString: name) else {
    throw ABIError(status: .invalidArgument, message: "a name must be valid UTF-8")
  }
  return text
}

/// Writes `name` NUL-terminated into `out` (len bytes) and its byte length (without the NUL, -1
/// when there is no name; out then gets "") into `length`.
func writeName(_ name: String?, _ out: UnsafeMutablePointer<CChar>?, _ len: Int64, _ length: UnsafeMutablePointer<Int64>?) throws {
  let bytes = Array((name ?? "").utf8)
  length?.pointee = name == nil ? -1 : Int64(bytes.count)
  if out == nil && len == 0 { return }
  let base = try requireCapacity(out, len, needed: bytes.count + 1, "out")
  for (i, b) in bytes.enumerated() { base[i] = CChar(bitPattern: b) }
  base[bytes.count] = 0
}

/// Names run `run` of a dataset (its source file, say), or clears its name (name = NULL). Runs
/// added by sparsevar_dataset_add_run_file(_v2) are named by their path.
/// SPARSEVAR_E_INVALID_ARGUMENT for an unknown run, invalid UTF-8 or more than 4096 bytes.
@c public func sparsevar_dataset_set_run_name(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ run: Int64, _ name: UnsafePointer<CChar>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    let id = try datasetRun(d, run)
    try d.setRunName(try nameArgument(name), run: id)
  }
}

/// Reads run `run`'s name into out (len bytes, NUL-terminated; SPARSEVAR_E_BUFFER_TOO_SMALL when
/// it does not fit). *length receives its length in bytes without the NUL, or -1 for an unnamed
/// run (may be NULL). out = NULL with len = 0 only reads the length.
@c public func sparsevar_dataset_get_run_name(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ run: Int64, _ out: UnsafeMutablePointer<CChar>?, _ len: Int64,
  _ length: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded {
    let d = try datasetObject(dataset)
    try writeName(try d.runName(run: try datasetRun(d, run)), out, len, length)
  }
}

/// Names the condition of group label `label` (e.g. "F"), or clears its name (name = NULL).
/// SPARSEVAR_E_INVALID_ARGUMENT for invalid UTF-8, more than 4096 bytes, or a name another label
/// has.
@c public func sparsevar_dataset_set_condition_name(
  _ dataset: UnsafeMutablePointer<sparsevar_dataset>?, _ label: Int32, _ name: UnsafePointer<CChar>?
) -> Int32 {
  guarded { try datasetObject(dataset).setConditionName(try nameArgument(name), label: label) }
}

/// Reads the name of group label `label` in the dataset, as sparsevar_dataset_get_run_name
/// (*length = -1 when the label has no name).
@c public func sparsevar_dataset_get_condition_name(
  _ dataset: UnsafePointer<sparsevar_dataset>?, _ label: Int32, _ out: UnsafeMutablePointer<CChar>?, _ len: Int64,
  _ length: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded { try writeName(try datasetObject(dataset).conditionNames[label], out, len, length) }
}

/// Reads analysed run `run`'s name (as the dataset had it at sparsevar_autoencoder_analyze, kept in
/// the model's file), as sparsevar_dataset_get_run_name. SPARSEVAR_E_NOT_FITTED before analysis.
@c public func sparsevar_autoencoder_run_name(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ run: Int64, _ out: UnsafeMutablePointer<CChar>?, _ len: Int64,
  _ length: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded { try writeName(try autoencoderObject(autoencoder).run(run).name, out, len, length) }
}

/// Reads the name of group label `label` (as the dataset had it at sparsevar_autoencoder_analyze, kept
/// in the model's file), as sparsevar_dataset_get_run_name. SPARSEVAR_E_NOT_FITTED before
/// analysis.
@c public func sparsevar_autoencoder_condition_name(
  _ autoencoder: UnsafePointer<sparsevar_autoencoder>?, _ label: Int32, _ out: UnsafeMutablePointer<CChar>?, _ len: Int64,
  _ length: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded { try writeName(try autoencoderObject(autoencoder).analysedNetwork().conditionNames[label], out, len, length) }
}
