import CYAML

/// Parses one YAML document into a `Node` tree with libyaml's event API, reporting
/// every problem as a diagnostic at its line and column.
///
/// A spec file must be UTF-8 and hold exactly one document. Everything `TreeBuilder`
/// checks (tags, anchors, duplicate keys, limits) is reported too; a parse returns a
/// tree unless the text could not be read as YAML at all.
public enum YAMLParser {
    /// The deepest nesting of collections accepted, so that recursive passes over a
    /// tree stay far from the stack limit.
    public static let maxDepth = 256
    /// The most nodes a document may expand to through its aliases.
    public static let maxNodes = 1_000_000

    /// Parses `text` as the contents of `file`.
    public static func parse(_ text: String, file: String, diagnostics: DiagnosticEngine) -> Node? {
        parse(Array(text.utf8), file: file, diagnostics: diagnostics)
    }

    /// Parses UTF-8 `bytes` as the contents of `file`, recording the text in
    /// `diagnostics` for quoting. Returns nil, with at least one error reported, when
    /// the file is empty, not UTF-8, not well-formed YAML, holds no document or more
    /// than one, or exceeds a limit.
    public static func parse(_ bytes: [UInt8], file: String, diagnostics: DiagnosticEngine) -> Node? {
        if bytes.isEmpty {
            diagnostics.error("file is empty", at: .file(file))
            return nil
        }
        if let offset = firstInvalidUTF8(bytes) {
            diagnostics.addSource(file, SourceText(String(decoding: bytes, as: UTF8.self)))
            let (line, column) = position(ofByteOffset: offset, in: bytes)
            let byte = "0x" + String(bytes[offset], radix: 16, uppercase: true)
            diagnostics.error(
                "file is not valid UTF-8 (byte \(byte))",
                at: SourceMark(file: file, line: line, column: column))
            return nil
        }
        diagnostics.addSource(file, SourceText(String(decoding: bytes, as: UTF8.self)))
        switch build(bytes, marks: MarkMapper(file: file), diagnostics: diagnostics) {
        case let .node(node): return node
        case .empty:
            diagnostics.error("file holds no YAML document", at: .file(file))
            return nil
        case .failed: return nil
        }
    }

    /// The result of building a tree from a byte string.
    enum Outcome {
        case node(Node)
        /// The text held no document (only comments, or nothing).
        case empty
        /// At least one error was reported and there is no tree.
        case failed
    }

    /// Runs libyaml over `bytes` (valid UTF-8) and builds the tree.
    static func build(_ bytes: [UInt8], marks: MarkMapper, diagnostics: DiagnosticEngine) -> Outcome {
        if bytes.isEmpty { return .empty }
        var marks = marks
        let end = position(ofByteOffset: bytes.count, in: bytes)
        marks.end = (end.line - 1, end.column - 1)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            diagnostics.error("out of memory while starting the YAML parser", at: .file(marks.file))
            return .failed
        }
        defer { yaml_parser_delete(parser) }
        return bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var builder = TreeBuilder(diagnostics: diagnostics)
            var documents = 0
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) == 1 else {
                    reportError(parser.pointee, bytes: bytes, marks: marks, diagnostics: diagnostics)
                    return .failed
                }
                defer { yaml_event_delete(&event) }
                let mark = marks.mark(event.start_mark, to: event.end_mark)
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return builder.root.map { .node($0.node) } ?? .empty
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 {
                        diagnostics.error("a spec file holds one YAML document; a second one starts here", at: mark)
                        return .failed
                    }
                case YAML_ALIAS_EVENT:
                    builder.alias(string(event.data.alias.anchor) ?? "", at: mark)
                case YAML_SCALAR_EVENT:
                    let data = event.data.scalar
                    let text =
                        data.value.map {
                            String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self)
                        } ?? ""
                    let tag = coreTag(string(data.tag), scalar: true, at: mark, diagnostics: diagnostics)
                    let scalar = CoreTag.scalar(
                        text: text, style: style(data.style), tag: tag, at: mark,
                        diagnostics: diagnostics)
                    builder.scalar(scalar, anchor: string(data.anchor), at: mark)
                case YAML_SEQUENCE_START_EVENT:
                    let data = event.data.sequence_start
                    if let tag = coreTag(string(data.tag), scalar: false, at: mark, diagnostics: diagnostics),
                        tag == .map
                    {
                        diagnostics.error("tag !!map cannot apply to a list", at: mark)
                    }
                    builder.startCollection(mapping: false, anchor: string(data.anchor), at: mark)
                case YAML_MAPPING_START_EVENT:
                    let data = event.data.mapping_start
                    if let tag = coreTag(string(data.tag), scalar: false, at: mark, diagnostics: diagnostics),
                        tag == .seq
                    {
                        diagnostics.error("tag !!seq cannot apply to a mapping", at: mark)
                    }
                    builder.startCollection(mapping: true, anchor: string(data.anchor), at: mark)
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    var length: Int?
                    if let start = builder.openCollectionMark {
                        let end = marks.mark(event.end_mark)
                        if end.line == start.line, end.column > start.column { length = end.column - start.column }
                    }
                    builder.endCollection(length: length)
                default:
                    break
                }
                if builder.aborted { return .failed }
            }
        }
    }

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        p.map { String(cString: $0) }
    }

    private static func style(_ s: yaml_scalar_style_t) -> Scalar.Style {
        switch s {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    /// Checks an explicit tag: nil when absent or rejected (rejections are reported).
    private static func coreTag(
        _ tag: String?, scalar: Bool, at mark: SourceMark,
        diagnostics: DiagnosticEngine
    ) -> CoreTag? {
        guard let tag else { return nil }
        guard let core = CoreTag(resolved: tag) else {
            diagnostics.error(
                "tag '\(CoreTag.display(tag))' is not allowed: a spec is data and no tag runs code "
                    + "(allowed: \(CoreTag.allowedList))", at: mark)
            return nil
        }
        if core != .nonSpecific, core.appliesToScalars != scalar {
            diagnostics.error(
                "tag \(CoreTag.display(tag)) cannot apply to \(scalar ? "a scalar" : "a collection")",
                at: mark)
            return nil
        }
        return core
    }

    private static func reportError(
        _ p: yaml_parser_t, bytes: [UInt8], marks: MarkMapper,
        diagnostics: DiagnosticEngine
    ) {
        let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        switch p.error {
        case YAML_MEMORY_ERROR:
            diagnostics.error("out of memory while parsing", at: .file(marks.file))
        case YAML_READER_ERROR:
            let (line, column) = position(ofByteOffset: min(p.problem_offset, bytes.count), in: bytes)
            let value = p.problem_value >= 0 ? " (#x" + String(p.problem_value, radix: 16, uppercase: true) + ")" : ""
            diagnostics.error(problem + value, at: marks.mark(line: line - 1, column: column - 1))
        default:
            let at = marks.mark(p.problem_mark)
            var message = problem
            let line = SourceText(String(decoding: bytes, as: UTF8.self)).line(Int(p.problem_mark.line) + 1)
            let found = line.flatMap { Array($0.unicodeScalars).dropFirst(Int(p.problem_mark.column)).first }
            if problem.hasPrefix("did not find expected ',' or "), found == "[" {
                // `{student: branch[0].logits}`: a value reference with brackets inside a flow collection.
                message += " (inside [...] or {...}, quote a value that contains brackets: \"branch[0].logits\")"
            }
            if problem == "found character that cannot start any token" {
                if found == "\t" {
                    message = "found a tab character; YAML indents with spaces only"
                } else if let found {
                    message = "found character '\(found)' that cannot start any token"
                }
            }
            var notes: [Diagnostic] = []
            if let context = p.context.map({ String(cString: $0) }),
                p.context_mark.line != p.problem_mark.line || p.context_mark.column != p.problem_mark.column
            {
                notes.append(.note(context, at: marks.mark(p.context_mark)))
            }
            diagnostics.error(message, at: at, notes: notes)
        }
    }

    /// The byte offset of the first byte that is not valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case let .valid(encoded): offset += encoded.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }

    /// The 1-based line and column (in Unicode scalars, as libyaml counts) of a byte offset.
    static func position(ofByteOffset offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let before = SourceText(String(decoding: bytes[..<offset], as: UTF8.self))
        return (before.lines.count, (before.lines.last?.unicodeScalars.count ?? 0) + 1)
    }
}
