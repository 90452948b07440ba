#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Collects the diagnostics of every compiler pass. Passes append problems and carry
/// on, so one run reports everything it can; at the end `render` (or `emit`) prints
/// them all, sorted by file, line and column, each with its notes.
///
/// An exact repeat of a diagnostic (same severity, position, message and notes) is
/// kept once: a pass that visits a subtree shared through an alias, or two peer
/// branches built from the same mistake, report it once, and the counts match what is
/// printed.
///
/// The engine also keeps the text of every source it was given (spec files, the
/// `--set` overrides) so it can quote the offending line.
public final class DiagnosticEngine {
    public private(set) var diagnostics: [Diagnostic] = []
    public private(set) var sources: [String: SourceText] = [:]
    /// Errors reported so far, repeats included: a pass that compares it before and
    /// after knows whether it found a problem, even one reported earlier.
    public private(set) var errorReports = 0
    private var seen: Set<Diagnostic> = []

    public init() {}

    /// Appends a diagnostic, unless it repeats one already reported.
    public func add(_ diagnostic: Diagnostic) {
        if diagnostic.severity == .error { errorReports += 1 }
        if seen.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
    }

    /// Appends an error at `mark`.
    public func error(_ message: String, at mark: SourceMark, notes: [Diagnostic] = []) {
        add(.error(message, at: mark, notes: notes))
    }

    /// Appends a warning at `mark`.
    public func warning(_ message: String, at mark: SourceMark, notes: [Diagnostic] = []) {
        add(.warning(message, at: mark, notes: notes))
    }

    /// Records the text of `file`, for quoting source lines.
    public func addSource(_ file: String, _ text: SourceText) { sources[file] = text }

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
    public var hasErrors: Bool { errorCount > 0 }

    /// The diagnostics sorted by file, line and column (stable, so equal positions keep
    /// the order they were reported in).
    public var sorted: [Diagnostic] {
        diagnostics.enumerated()
            .sorted { ($0.element.mark, $0.offset) < ($1.element.mark, $1.offset) }
            .map(\.element)
    }

    /// Every diagnostic, sorted, as printed text.
    public func render(color: Bool = false) -> String {
        let renderer = DiagnosticRenderer(sources: sources, color: color)
        return sorted.map(renderer.render).joined()
    }

    /// "2 errors and 1 warning", or nil when there is nothing to report.
    public var summary: String? {
        func count(_ n: Int, _ word: String) -> String? { n == 0 ? nil : "\(n) \(word)\(n == 1 ? "" : "s")" }
        let parts = [count(errorCount, "error"), count(warningCount, "warning")].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " and ")
    }

    /// Writes every diagnostic and the summary to standard error, coloured only when
    /// standard error is a terminal.
    public func emit() {
        guard let summary else { return }
        let text = render(color: isatty(2) != 0) + summary + " generated.\n"
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            if written <= 0 { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
