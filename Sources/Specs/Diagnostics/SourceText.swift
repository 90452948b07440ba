/// The lines of one source file, kept so diagnostics can quote the offending line.
/// Lines are split where libyaml counts line breaks (LF, CR, CR LF, NEL, LS, PS), so
/// line numbers agree with libyaml's marks; a leading byte-order mark is dropped, as
/// libyaml does not count it as a column.
public struct SourceText: Sendable {
    public let lines: [String]

    public init(lines: [String]) { self.lines = lines }

    public init(_ text: String) {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var iterator = text.unicodeScalars.makeIterator()
        var pending = iterator.next()
        if pending == "\u{FEFF}" { pending = iterator.next() }
        while let c = pending {
            pending = iterator.next()
            switch c {
            case "\r":
                if pending == "\n" { pending = iterator.next() }
                fallthrough
            case "\n", "\u{85}", "\u{2028}", "\u{2029}":
                lines.append(String(current))
                current = String.UnicodeScalarView()
            default:
                current.append(c)
            }
        }
        lines.append(String(current))
        self.lines = lines
    }

    /// Line `number` (1-based), or nil when out of range.
    public func line(_ number: Int) -> String? {
        number >= 1 && number <= lines.count ? lines[number - 1] : nil
    }
}
