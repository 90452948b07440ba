/// Loads a spec file and the bases it `extends`.
///
/// `extends: path` (or a list of paths) at the top level of a document names base
/// specs, relative to the including file. Each base is loaded the same way
/// (recursively), later bases are merged over earlier ones, and the including file is
/// merged over them all (`Node.merged`); the `extends` key itself is dropped. A base
/// that cannot be loaded, or whose document is not a mapping, is an error at its
/// `extends` value; a cycle is an error there too, naming the chain of files.
public struct SpecLoader {
    public let diagnostics: DiagnosticEngine

    public init(diagnostics: DiagnosticEngine) { self.diagnostics = diagnostics }

    /// The spec at `path` with its bases merged in, or nil if the file itself could not
    /// be parsed. Problems in bases are reported, and the bases that loaded are used.
    public func load(_ path: String) -> Node? {
        load(FilePath.normalized(path), chain: [], reference: nil)
    }

    private struct Link {
        var identity: String
        var path: String
    }

    private func load(_ path: String, chain: [Link], reference: (text: String, mark: SourceMark)?) -> Node? {
        let bytes: [UInt8]
        switch FileReader.contents(of: path) {
        case let .success(b): bytes = b
        case let .failure(failure):
            if let reference {
                diagnostics.error("cannot extend '\(reference.text)': \(failure) (\(path))", at: reference.mark)
            } else {
                diagnostics.error(failure.description, at: .file(path))
            }
            return nil
        }
        guard let node = YAMLParser.parse(bytes, file: path, diagnostics: diagnostics) else { return nil }
        guard var pairs = node.pairs, let at = pairs.firstIndex(where: { $0.name == "extends" }) else { return node }
        let extends = pairs.remove(at: at).value
        let own = Node(.mapping(pairs), at: node.mark)
        let chain = chain + [Link(identity: FilePath.identity(path), path: path)]

        let references: [Node]
        if extends.string != nil {
            references = [extends]
        } else if let items = extends.items {
            references = items
        } else {
            diagnostics.error(
                "'extends' takes a file path or a list of file paths, found \(extends.kindAndValue)",
                at: extends.mark)
            return own
        }
        var base: Node?
        for reference in references {
            guard let text = reference.string else {
                diagnostics.error("expected a file path, found \(reference.kindAndValue)", at: reference.mark)
                continue
            }
            let target = FilePath.resolve(text, relativeTo: path)
            let identity = FilePath.identity(target)
            if let i = chain.firstIndex(where: { $0.identity == identity }) {
                let cycle = (chain[i...].map(\.path) + [target]).joined(separator: " -> ")
                diagnostics.error("extends cycle: \(cycle)", at: reference.mark)
                continue
            }
            guard let loaded = load(target, chain: chain, reference: (text, reference.mark)) else { continue }
            guard loaded.pairs != nil else {
                diagnostics.error(
                    "cannot extend '\(text)': its document is \(loaded.kindAndValue), "
                        + "not a mapping of spec keys (\(target))", at: reference.mark)
                continue
            }
            base = base.map { Node.merged($0, loaded, diagnostics: diagnostics) } ?? loaded
        }
        return base.map { Node.merged($0, own, diagnostics: diagnostics) } ?? own
    }
}
