//===--- Document.swift ---------------------------------------------------===//
//
// A report as a list of blocks (headings, paragraphs, tables, figures) rendered both as Markdown
// and as a self-contained HTML page that shows the PNG figures written next to it.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import SparseVAR

/// One figure: images side by side, each with a caption, saved as PNG files in the report folder.
public struct Figure: Sendable {
  public var title: String
  public var panels: [(file: String, caption: String)]
  public init(title: String, panels: [(file: String, caption: String)]) {
    self.title = title
    self.panels = panels
  }
}

/// A block of the report.
public enum Block: Sendable {
  case heading(String, level: Int)
  case paragraph(String)
  /// Header row, then rows; cells are plain text.
  case table([String], [[String]])
  case figure(Figure)
  /// Preformatted text (commands, logs).
  case code(String)
}

/// A report being assembled.
public struct Document: Sendable {
  public var title: String
  public var blocks: [Block] = []

  public init(title: String) { self.title = title }

  public mutating func heading(_ text: String, level: Int = 2) { blocks.append(.heading(text, level: level)) }
  public mutating func paragraph(_ text: String) { blocks.append(.paragraph(text)) }
  public mutating func table(_ header: [String], _ rows: [[String]]) { blocks.append(.table(header, rows)) }
  public mutating func figure(_ figure: Figure) { blocks.append(.figure(figure)) }
  public mutating func code(_ text: String) { blocks.append(.code(text)) }

  /// The report as Markdown (figures as image links relative to the report folder).
  public var markdown: String {
    var out = "# \(title)\n"
    for block in blocks {
      out += "\n"
      switch block {
      case .heading(let text, let level): out += String(repeating: "#", count: max(2, min(6, level))) + " \(text)\n"
      case .paragraph(let text): out += "\(text)\n"
      case .table(let header, let rows):
        out += "| " + header.joined(separator: " | ") + " |\n"
        out += "|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
      case .figure(let figure):
        out += "**\(figure.title)**\n\n"
        out += "| " + figure.panels.map(\.caption).joined(separator: " | ") + " |\n"
        out += "|" + figure.panels.map { _ in "---" }.joined(separator: "|") + "|\n"
        out += "| " + figure.panels.map { "![\($0.caption)](\($0.file))" }.joined(separator: " | ") + " |\n"
      case .code(let text): out += "```\n\(text)\n```\n"
      }
    }
    return out
  }

  /// The report as one HTML page.
  public var html: String {
    func escape(_ s: String) -> String {
      s.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;")
    }
    var out = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
      <style>
      body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; line-height: 1.45; }
      table { border-collapse: collapse; margin: 1em 0; }
      th, td { border: 1px solid #bbb; padding: 0.3em 0.7em; text-align: right; }
      th { background: #eee; }
      td:first-child, th:first-child { text-align: left; }
      .figure { display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0; }
      .panel { text-align: center; font-size: 0.9em; }
      .panel img { image-rendering: pixelated; border: 1px solid #ccc; max-width: 520px; }
      pre { background: #f4f4f4; padding: 0.8em; overflow-x: auto; }
      </style></head><body>
      <h1>\(escape(title))</h1>

      """
    for block in blocks {
      switch block {
      case .heading(let text, let level):
        let l = max(2, min(6, level))
        out += "<h\(l)>\(escape(text))</h\(l)>\n"
      case .paragraph(let text): out += "<p>\(escape(text))</p>\n"
      case .table(let header, let rows):
        out += "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows { out += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        out += "</table>\n"
      case .figure(let figure):
        out += "<h4>\(escape(figure.title))</h4><div class=\"figure\">\n"
        for panel in figure.panels {
          out += "<div class=\"panel\"><img src=\"\(escape(panel.file))\" alt=\"\(escape(panel.caption))\"><br>\(escape(panel.caption))</div>\n"
        }
        out += "</div>\n"
      case .code(let text): out += "<pre>\(escape(text))</pre>\n"
      }
    }
    return out + "</body></html>\n"
  }

  /// Writes `report.md` and `report.html` into `folder` (which must exist; the figures' PNG files
  /// are written by whoever adds them).
  public func write(to folder: String) throws {
    try writeText(markdown, to: folder + "/report.md")
    try writeText(html, to: folder + "/report.html")
  }
}

/// Writes a text file (through a temporary file renamed into place).
public func writeText(_ text: String, to path: String) throws {
  try writeFileAtomically(Array(text.utf8), to: path)
}

/// Creates a folder (and its parents) if missing.
public func makeFolder(_ path: String) throws {
  var current = path.hasPrefix("/") ? "" : "."
  for part in path.split(separator: "/") {
    current += "/" + part
    if mkdir(current, 0o755) != 0 && errno != EEXIST {
      throw SparseVARError.io("cannot create folder \(current): \(String(cString: strerror(errno)))")
    }
  }
}

extension String {
  /// Every occurrence of `target` replaced (no Foundation).
  func replacingAll(_ target: String, _ replacement: String) -> String {
    guard !target.isEmpty else { return self }
    var out = ""
    var rest = Substring(self)
    while let range = rest.firstRange(of: target) {
      out += rest[rest.startIndex..<range.lowerBound]
      out += replacement
      rest = rest[range.upperBound...]
    }
    return out + rest
  }
}

/// `name` as a file name: every character other than ASCII letters, digits, '-', '_' and '.'
/// replaced by '_', at most 100 characters; "unnamed" when nothing (or only dots) is left.
public func safeFileName(_ name: String) -> String {
  let safe = String(name.prefix(100).map { c -> Character in
    c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".") ? c : "_"
  })
  return safe.isEmpty || safe.allSatisfy({ $0 == "." }) ? "unnamed" : safe
}

/// A run's name (its source file) as a file-name stem: the last path component without its
/// extension, made safe by `safeFileName`.
///
/// A dataset inside a file, named FILE:/PATH as the tool and the Python readers name HDF5 and NWB
/// datasets ("rec.nwb:/acquisition/TwoPhotonSeries/data"), gives the file's stem and the
/// dataset's last name ("rec_data").
public func fileStem(_ name: String) -> String {
  func stem(_ path: Substring) -> Substring {
    var base = path.split(separator: "/", omittingEmptySubsequences: true).last ?? ""
    if let dot = base.lastIndex(of: "."), dot != base.startIndex { base = base[..<dot] }
    return base
  }
  var colon = name.firstIndex(of: ":")
  while let at = colon {
    let file = name[..<at], inner = name[name.index(after: at)...]
    let fileName = file.split(separator: "/").last ?? ""
    if inner.hasPrefix("/"), let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex {
      return safeFileName(String(stem(file)) + "_" + String(stem(inner)))
    }
    colon = inner.firstIndex(of: ":")
  }
  return safeFileName(String(stem(name[...])))
}
