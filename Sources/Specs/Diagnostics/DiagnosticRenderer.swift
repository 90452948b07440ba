/// Formats diagnostics the way compilers do:
///
///     specs/x.yaml:12:7: error: unknown key 'lerning_rate' (did you mean 'learning_rate'?)
///        12 |   lerning_rate: 0.1
///           |   ^~~~~~~~~~~~
///
/// The quoted line has tabs expanded and wide characters accounted for, so the caret
/// sits under the marked character; `~` underlines the rest of the token when its
/// length is known (a lone caret otherwise). A line longer than `maxQuoted`
/// characters is cut around the mark. With `color`, ANSI escapes highlight severity
/// and caret.
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

    /// The most characters of a source line quoted; a longer line is cut to a window
    /// around the marked column, with "..." where text was left out.
    static let maxQuoted = 160

    private func snippet(at mark: SourceMark) -> String {
        guard mark.line > 0, let line = sources[mark.file]?.line(mark.line) else { return "" }
        let scalars = Array(line.unicodeScalars)
        let first = max(0, mark.column - 1)
        let shown = Self.window(scalars.count, column: first)
        let head = shown.lowerBound > 0 ? "..." : ""
        let tail = shown.upperBound < scalars.count ? "..." : ""
        let layout = TerminalColumns(String(String.UnicodeScalarView(scalars[shown])))
        let number = String(mark.line)
        let gutter = String(repeating: " ", count: max(0, 5 - number.count)) + number + " | "
        let blank = String(repeating: " ", count: max(5, number.count)) + " | "
        var out = gutter + head + layout.text + tail + "\n"
        guard mark.column > 0 else { return out }
        let local = first - shown.lowerBound
        let start = head.count + layout.column(ofScalar: local)
        let stop = mark.length.map { min(first + $0, shown.upperBound) - shown.lowerBound }
        let end = stop.map { max(start + 1, head.count + layout.column(ofScalar: $0)) } ?? start + 1
        out += blank + String(repeating: " ", count: start)
        out += paint("^" + String(repeating: "~", count: end - start - 1), Style.green) + "\n"
        return out
    }

    /// The scalars of a line of `count` quoted for a mark at scalar `column`: the whole
    /// line when it is short enough, else `maxQuoted` scalars starting a little before
    /// the column.
    static func window(_ count: Int, column: Int) -> Range<Int> {
        guard count > maxQuoted else { return 0..<count }
        let lower = max(0, min(column - maxQuoted / 4, count - maxQuoted))
        return lower..<(lower + maxQuoted)
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
