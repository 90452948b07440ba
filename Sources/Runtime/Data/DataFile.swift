#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finding and reading the files of a data set, with `DatasetError`s that name the path.
enum DataFile {
    /// Whether `path` is an existing directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether `path` exists (as anything).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// `directory/name`.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Throws unless `directory` exists; `expected` lists the files the data set needs.
    static func requireDirectory(_ directory: String, expected: [String]) throws(DatasetError) {
        guard isDirectory(directory) else { throw DatasetError(path: directory, .directoryNotFound(expected: expected)) }
    }

    /// The whole contents of `path`.
    static func read(_ path: String, expected: [String]) throws(DatasetError) -> [UInt8] {
        do {
            return try FileIO.contents(of: path)
        } catch .notFound {
            throw DatasetError(path: path, .fileNotFound(expected: expected))
        } catch {
            throw DatasetError(path: path, .readFailed(error.description))
        }
    }

    /// The contents of `path`, decompressed when they are gzip data (detected by the
    /// magic number, whatever the file's name), stopping once they pass `limit` of the
    /// part decompressed so far (`Gzip.decompress`).
    static func readMaybeCompressed(
        _ path: String, expected: [String],
        limit: (ArraySlice<UInt8>) -> Int?
    ) throws(DatasetError) -> [UInt8] {
        let bytes = try read(path, expected: expected)
        return Gzip.isCompressed(bytes) ? try Gzip.decompress(bytes, path: path, limit: limit) : bytes
    }
}
