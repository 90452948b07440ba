/// A problem with a plugin's parameters, located by its key path inside the params
/// object so the spec layer can point at the YAML line.
public struct ParamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Keys and list indices from the params object down to the offending value.
    public var path: [String]
    public var message: String

    public init(path: [String], _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path.joined(separator: ".")): \(message)" }
}

/// Finds the closest known name to a misspelled one, for "did you mean" notes.
public enum Suggestion {
    /// The candidate nearest to `name` by edit distance, if it is close enough to be a
    /// likely typo; else the only candidate that `name` begins, if there is one.
    public static func closest<S: Sequence>(to name: String, in candidates: S) -> String? where S.Element == String {
        let candidates = Array(candidates)
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(name.lowercased(), c.lowercased())
            if d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        if let (c, d) = best, d <= max(2, c.count / 3) { return c }
        // A name that starts the one candidate (`conv` for `convnext`).
        let lowered = name.lowercased()
        let extensions = candidates.filter { $0.lowercased().hasPrefix(lowered) }
        return lowered.count >= 3 && extensions.count == 1 ? extensions[0] : nil
    }

    /// Levenshtein distance between two strings.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var prev = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }

    /// " (did you mean 'x'?)", or else " (valid keys: a, b, c)" (nothing when there are none).
    public static func noteOrList(for name: String, in candidates: [String]) -> String {
        let note = note(for: name, in: candidates)
        return note.isEmpty && !candidates.isEmpty ? " (valid keys: \(candidates.joined(separator: ", ")))" : note
    }

    /// " (did you mean 'x'?)" or the empty string.
    public static func note<S: Sequence>(for name: String, in candidates: S) -> String where S.Element == String {
        closest(to: name, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }
}
