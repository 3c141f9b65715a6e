//===--- Setting.swift ----------------------------------------------------===//
//
// A settings value's parameters as one declarative table. Each row gives a parameter's id (the
// value of its C constant), name, kind, bounds, default, the names of a choice's options, its
// documentation, whether it defines a network's architecture, and how it is read from and written
// to the settings value, as a number. Everything else is derived from these tables: the C layer's
// set/get/bounds calls loop over them, the C header's parameter constants and their comments are
// generated from them (sparsevar_param_table), the Python binding builds its parameters from them
// at import, and the command-line tool's `--set NAME=VALUE` takes any row by name.
//
//===----------------------------------------------------------------------===//

/// What values a parameter takes, all passed as a Double.
public enum SettingKind: Sendable, Equatable {
  /// A whole number in the bounds.
  case integer
  /// Any finite number in the bounds.
  case real
  /// 0 (off) or 1 (on).
  case flag
  /// One of the whole numbers 0 ... upper, each naming an option.
  case choice
}

/// One parameter of a `Settings` value (a row of its table).
public struct Setting<Settings> {
  /// Stable number of the parameter (the value of its C constant).
  public let id: Int32
  /// snake_case name; the C constant is the object's prefix followed by the name in capitals.
  public let name: String
  public let kind: SettingKind
  /// Inclusive lower bound, excluded when `lowerIsExclusive`.
  public let lower: Double
  /// Inclusive upper bound; +inf means any finite value.
  public let upper: Double
  public let lowerIsExclusive: Bool
  /// The value of a default-constructed `Settings`.
  public let defaultValue: Double
  /// For a choice, the snake_case name of each option (the option at index i is the value i);
  /// empty for other kinds.
  public let options: [String]
  /// Whether the parameter defines a network's architecture (fixed once it has been trained).
  public let isArchitecture: Bool
  /// What the parameter is and does, with its unit, in sentences; its kind, bounds, default and
  /// options are stated apart (the C header and the Python docstrings add them).
  public let doc: String
  /// The parameter's current value in `settings`.
  public let get: (Settings) -> Double
  /// Writes a value that `violation(_:)` accepts.
  public let set: (inout Settings, Double) -> Void

  public init(
    id: Int32, name: String, kind: SettingKind, lower: Double, upper: Double, lowerIsExclusive: Bool = false,
    default defaultValue: Double, options: [String] = [], isArchitecture: Bool = false, doc: String,
    get: @escaping (Settings) -> Double, set: @escaping (inout Settings, Double) -> Void
  ) {
    self.id = id
    self.name = name
    self.kind = kind
    self.lower = lower
    self.upper = upper
    self.lowerIsExclusive = lowerIsExclusive
    self.defaultValue = defaultValue
    self.options = options
    self.isArchitecture = isArchitecture
    self.doc = doc
    self.get = get
    self.set = set
  }

  /// What `value` must be when the parameter does not accept it (as "an integer in [1, 8]"),
  /// nil when it does.
  public func violation(_ value: Double) -> String? {
    let whole = kind != .real
    let aboveLower = lowerIsExclusive ? value > lower : value >= lower
    if value.isFinite, aboveLower, value <= upper, !whole || value == value.rounded() { return nil }
    if lowerIsExclusive && upper == .infinity { return "finite and > \(lower)" }
    return "\(whole ? "an integer " : "")in \(lowerIsExclusive ? "(" : "[")\(lower), \(upper)]"
  }

  /// The same parameter on a value that holds a `Settings` at `path`, under another id and name.
  public func lifted<Outer>(to path: WritableKeyPath<Outer, Settings>, id: Int32, name: String) -> Setting<Outer> {
    let get = self.get
    let set = self.set
    return Setting<Outer>(
      id: id, name: name, kind: kind, lower: lower, upper: upper, lowerIsExclusive: lowerIsExclusive,
      default: defaultValue, options: options, isArchitecture: isArchitecture, doc: doc,
      get: { get($0[keyPath: path]) }, set: { set(&$0[keyPath: path], $1) })
  }
}

extension Setting {
  /// A whole-number parameter stored as any integer type.
  public static func integer<Value: BinaryInteger>(
    _ id: Int32, _ name: String, _ path: WritableKeyPath<Settings, Value>, in range: ClosedRange<Double>,
    default defaultValue: Double, architecture: Bool = false, _ doc: String
  ) -> Setting {
    Setting(
      id: id, name: name, kind: .integer, lower: range.lowerBound, upper: range.upperBound, default: defaultValue,
      isArchitecture: architecture, doc: doc,
      get: { Double($0[keyPath: path]) }, set: { $0[keyPath: path] = Value($1) })
  }

  /// A real parameter: finite, >= lower (> lower when `excludingLower`), <= upper.
  public static func real(
    _ id: Int32, _ name: String, _ path: WritableKeyPath<Settings, Double>, from lower: Double,
    to upper: Double = .infinity, excludingLower: Bool = false, default defaultValue: Double,
    architecture: Bool = false, _ doc: String
  ) -> Setting {
    Setting(
      id: id, name: name, kind: .real, lower: lower, upper: upper, lowerIsExclusive: excludingLower,
      default: defaultValue, isArchitecture: architecture, doc: doc, get: { $0[keyPath: path] }, set: { $0[keyPath: path] = $1 })
  }

  /// An on/off parameter (0 or 1).
  public static func flag(
    _ id: Int32, _ name: String, _ path: WritableKeyPath<Settings, Bool>, default defaultValue: Bool,
    architecture: Bool = false, _ doc: String
  ) -> Setting {
    Setting(
      id: id, name: name, kind: .flag, lower: 0, upper: 1, default: defaultValue ? 1 : 0,
      isArchitecture: architecture, doc: doc,
      get: { $0[keyPath: path] ? 1 : 0 }, set: { $0[keyPath: path] = $1 != 0 })
  }

  /// A choice among `options`, each with its snake_case name (the option at index i is the
  /// value i).
  public static func choice<Value: Equatable>(
    _ id: Int32, _ name: String, _ path: WritableKeyPath<Settings, Value>, _ options: KeyValuePairs<String, Value>,
    default defaultValue: Value, _ doc: String
  ) -> Setting {
    let values = options.map(\.value)
    return Setting(
      id: id, name: name, kind: .choice, lower: 0, upper: Double(values.count - 1),
      default: Double(values.firstIndex(of: defaultValue)!), options: options.map(\.key), doc: doc,
      get: { Double(values.firstIndex(of: $0[keyPath: path])!) }, set: { $0[keyPath: path] = values[Int($1)] })
  }
}

extension Array {
  /// The row with id `id` of a parameter table, nil when there is none.
  public func parameter<Settings>(_ id: Int32) -> Setting<Settings>? where Element == Setting<Settings> {
    first { $0.id == id }
  }
}

extension Setting {
  /// Worker threads: an integer in [0, 1024], default 0 = all cores; results do not depend on it.
  public static func threads(_ id: Int32, _ path: WritableKeyPath<Settings, Int>, _ doc: String) -> Setting {
    .integer(id, "threads", path, in: 0...1024, default: 0, doc)
  }
}
