#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Path arithmetic for `extends:` references, on plain strings.
enum FilePath {
    /// `path` with `.` and `a/..` segments removed, without touching the file system.
    static func normalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == "..", absolute {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// `reference` resolved against the directory of the file `from`.
    static func resolve(_ reference: String, relativeTo from: String) -> String {
        if reference.hasPrefix("/") { return normalized(reference) }
        guard let slash = from.lastIndex(of: "/") else { return normalized(reference) }
        return normalized(String(from[...slash]) + reference)
    }

    /// The canonical path (symbolic links resolved) identifying a file, or `path` itself
    /// when it cannot be resolved.
    static func identity(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
