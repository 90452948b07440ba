import CYAML

/// Turns libyaml's 0-based marks into `SourceMark`s. A YAML snippet parsed out of a
/// larger text (the value of a `--set` override) starts at `firstLine`/`firstColumn`
/// of that text, so its marks point into it.
struct MarkMapper {
    var file: String
    /// The 1-based line of the snippet's first line.
    var firstLine = 1
    /// The 1-based column of the snippet's first character on its first line.
    var firstColumn = 1

    /// The 0-based line and column just past the snippet's last character. libyaml puts
    /// the end of the stream on the line after the last; marks there are moved back
    /// here, so they point into the snippet (and never at the next override).
    var end: (line: Int, column: Int)?

    /// The mark of 0-based `line` and `column`, spanning `length` characters if known.
    func mark(line: Int, column: Int, length: Int? = nil) -> SourceMark {
        if let end, line > end.line { return mark(line: end.line, column: end.column) }
        return SourceMark(
            file: file, line: firstLine + line, column: column + (line == 0 ? firstColumn : 1),
            length: length)
    }

    /// The mark of `start`, spanning up to `end` when both are on one line.
    func mark(_ start: yaml_mark_t, to end: yaml_mark_t? = nil) -> SourceMark {
        var length: Int?
        if let end, end.line == start.line, end.column > start.column { length = Int(end.column - start.column) }
        return mark(line: Int(start.line), column: Int(start.column), length: length)
    }
}
