/// Formats diagnostics the way compilers do:
///
///     specs/x.yaml:12:7: error: unknown key 'lerning_rate' (did you mean 'learning_rate'?)
///        12 |   lerning_rate: 0.1
///           |   ^~~~~~~~~~~~
///
/// The quoted line has tabs expanded and wide characters accounted for, so the caret
/// sits under the marked character; `~` underlines the rest of the token when its
/// length is known (a lone caret otherwise). With `color`, ANSI escapes highlight
/// severity and caret.
public struct DiagnosticRenderer {
    public var sources: [String: SourceText]
    public var color: Bool

    public init(sources: [String: SourceText], color: Bool) {
        self.sources = sources
        self.color = color
    }

    /// The diagnostic, its quoted source line, and its notes, each line ending in "\n".
    public func render(_ d: Diagnostic) -> String {
        var out = paint("\(d.mark): ", Style.bold)
        switch d.severity {
        case .error: out += paint("error: ", Style.red)
        case .warning: out += paint("warning: ", Style.magenta)
        case .note: out += paint("note: ", Style.cyan)
        }
        out += paint(d.message, Style.bold) + "\n"
        out += snippet(at: d.mark)
        for note in d.notes { out += render(note) }
        return out
    }

    private func snippet(at mark: SourceMark) -> String {
        guard mark.line > 0, let line = sources[mark.file]?.line(mark.line) else { return "" }
        let layout = TerminalColumns(line)
        let number = String(mark.line)
        let gutter = String(repeating: " ", count: max(0, 5 - number.count)) + number + " | "
        let blank = String(repeating: " ", count: max(5, number.count)) + " | "
        var out = gutter + layout.text + "\n"
        guard mark.column > 0 else { return out }
        let first = mark.column - 1
        let start = layout.column(ofScalar: first)
        let end = mark.length.map { max(start + 1, layout.column(ofScalar: first + $0)) } ?? start + 1
        out += blank + String(repeating: " ", count: start)
        out += paint("^" + String(repeating: "~", count: end - start - 1), Style.green) + "\n"
        return out
    }

    private enum Style {
        static let bold = "\u{1B}[1m"
        static let red = "\u{1B}[1;31m"
        static let magenta = "\u{1B}[1;35m"
        static let cyan = "\u{1B}[1;36m"
        static let green = "\u{1B}[1;32m"
        static let reset = "\u{1B}[0m"
    }

    private func paint(_ text: String, _ style: String) -> String {
        color ? style + text + Style.reset : text
    }
}
