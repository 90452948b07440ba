/// One problem found in a spec: a severity, where it is, what is wrong, and notes
/// that point at related places (the first definition of a duplicate key, the
/// producer of a mismatched value, ...).
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How serious a diagnostic is. Notes only appear attached to another diagnostic.
    public enum Severity: String, Sendable, Hashable {
        case error, warning, note
    }

    public var severity: Severity
    public var mark: SourceMark
    public var message: String
    /// Related places, printed after this diagnostic in the order given.
    public var notes: [Diagnostic]

    public init(_ severity: Severity, _ message: String, at mark: SourceMark, notes: [Diagnostic] = []) {
        self.severity = severity
        self.message = message
        self.mark = mark
        self.notes = notes
    }

    /// An error at `mark`.
    public static func error(_ message: String, at mark: SourceMark, notes: [Diagnostic] = []) -> Diagnostic {
        Diagnostic(.error, message, at: mark, notes: notes)
    }

    /// A warning at `mark`.
    public static func warning(_ message: String, at mark: SourceMark, notes: [Diagnostic] = []) -> Diagnostic {
        Diagnostic(.warning, message, at: mark, notes: notes)
    }

    /// A note at `mark`, to attach to another diagnostic.
    public static func note(_ message: String, at mark: SourceMark) -> Diagnostic {
        Diagnostic(.note, message, at: mark)
    }

    /// The first line as printed: `file:line:col: error: message`.
    public var description: String { "\(mark): \(severity.rawValue): \(message)" }
}
