/// A position in a spec source: file path, 1-based line and column (columns count
/// Unicode scalars, as libyaml does), and the length of the token that starts there
/// when it is known and fits on the line. Line 0 means "the file as a whole", column
/// 0 "the line as a whole".
public struct SourceMark: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file name shown for values given as `--set path=value` overrides; line `n`
    /// of it is the `n`th override.
    public static let commandLine = "<command line>"

    public var file: String
    public var line: Int
    public var column: Int
    /// How many characters, from `column` on, the token spans on its line; nil when unknown.
    public var length: Int?

    public init(file: String, line: Int, column: Int, length: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.length = length
    }

    /// A mark for a whole file, with no line (missing files, empty files).
    public static func file(_ path: String) -> SourceMark { SourceMark(file: path, line: 0, column: 0) }

    /// `file:line:column`, `file:line` or `file`, as far as the position is known.
    public var description: String {
        if line <= 0 { return file }
        if column <= 0 { return "\(file):\(line)" }
        return "\(file):\(line):\(column)"
    }

    /// Orders by file, then line, then column.
    public static func < (a: SourceMark, b: SourceMark) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}
