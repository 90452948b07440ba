/// How a source line is laid out on a terminal, so the caret under it lines up: tabs
/// expand to the next multiple of `tabWidth`, East Asian wide characters and emoji
/// take two columns, combining marks none, and control or format characters (which a
/// terminal would act on) show as U+FFFD in one column.
struct TerminalColumns {
    static let tabWidth = 8

    /// The printable text of the line.
    private(set) var text = ""
    /// `starts[i]` is the terminal column where the i-th Unicode scalar begins;
    /// `starts[count]` is the column after the last one.
    private(set) var starts: [Int] = [0]

    init(_ line: String) {
        var column = 0
        for c in line.unicodeScalars {
            let width: Int
            if c == "\t" {
                width = Self.tabWidth - column % Self.tabWidth
                text += String(repeating: " ", count: width)
            } else {
                width = Self.width(of: c)
                if Self.isHidden(c) { text += "\u{FFFD}" } else { text.unicodeScalars.append(c) }
            }
            column += width
            starts.append(column)
        }
    }

    /// The terminal column at which scalar `index` (0-based) starts; past the end of the
    /// line each further scalar counts one column.
    func column(ofScalar index: Int) -> Int {
        index < starts.count ? starts[index] : starts[starts.count - 1] + index - (starts.count - 1)
    }

    private static func isHidden(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse: return true
        default: return false
        }
    }

    /// Terminal columns taken by one (non-tab) scalar.
    static func width(of c: Unicode.Scalar) -> Int {
        if isHidden(c) { return 1 }
        switch c.properties.generalCategory {
        case .nonspacingMark, .enclosingMark: return 0
        default: break
        }
        if c.properties.isEmojiPresentation { return 2 }
        switch c.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
