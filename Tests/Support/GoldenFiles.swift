import CanopyRuntime
import Foundation
import Testing

/// The golden reference cases: every `*.safetensors` file directly in the repository's
/// copy (Tests/Fixtures/golden/<subfolder>) and, when it exists, in ../shared/golden/<subfolder>.
/// A file present in both with identical bytes is taken once.
public enum GoldenFiles {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public static var folders: [URL] {
        [
            packageRoot.appendingPathComponent("Tests/Fixtures/golden"),
            packageRoot.deletingLastPathComponent().appendingPathComponent("shared/golden"),
            packageRoot.appendingPathComponent("Tests/Fixtures/golden-variants"),
        ]
    }

    /// Paths of every case file in every golden folder and subfolder.
    public static var allPaths: [String] { ["", "methods", "models"].flatMap { cases(in: $0).map(\.path) } }

    /// Case files in `subfolder` ("" for the kernel cases) of every golden folder.
    public static func cases(in subfolder: String) -> [GoldenFile] {
        var seen: [String: Data] = [:]
        var files: [GoldenFile] = []
        for folder in folders {
            let dir = subfolder.isEmpty ? folder : folder.appendingPathComponent(subfolder)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
            for name in names.sorted() where name.hasSuffix(".safetensors") {
                let path = dir.appendingPathComponent(name).path
                let data = FileManager.default.contents(atPath: path) ?? Data()
                if seen[name] == data { continue }
                seen[name] = data
                files.append(
                    GoldenFile(
                        path: path,
                        label: ["repo", "shared", "variants"][folders.firstIndex(of: folder) ?? 0] + "/" + (subfolder.isEmpty ? "" : subfolder + "/")
                            + name))
            }
        }
        return files
    }
}

/// One golden case file.
public struct GoldenFile: Sendable, CustomTestStringConvertible {
    public var path: String
    public var label: String
    public var testDescription: String { label }
}

/// A loaded case: metadata, attrs and tensors, tracking which tensors a test used, so
/// a tensor nobody checks fails the case.
public final class GoldenCase {
    public let file: SafetensorsFile
    public let op: String
    public let attrs: ParamValue
    public let tolerance: Double
    public private(set) var used: Set<String> = []

    public init(_ g: GoldenFile) throws {
        file = try SafetensorsFile(contentsOf: g.path)
        op = file.metadata["op"] ?? ""
        attrs = try JSON.parse(file.metadata["attrs"] ?? "{}")
        guard let t = file.metadata["tolerance"].flatMap(Double.init) else {
            throw GoldenError("\(g.label): metadata has no numeric tolerance")
        }
        tolerance = t
    }

    public func has(_ name: String) -> Bool { file[name] != nil }

    /// The tensor's values as float32, marking it used.
    public func floats(_ name: String) -> [Float]? {
        guard let t = file[name] else { return nil }
        used.insert(name)
        return t.floats()
    }

    /// Copies tensor `name` into `tensor` (shapes must agree), marking it used.
    public func load(_ name: String, into tensor: Tensor) throws {
        guard let t = file[name] else { throw GoldenError("missing tensor \(name)") }
        guard t.shape == tensor.shape.dims else { throw GoldenError("\(name): file shape \(t.shape), kernel shape \(tensor.shape)") }
        used.insert(name)
        try t.copy(into: tensor)
    }

    /// Names of tensors no test looked at.
    public var unused: [String] { file.names.filter { !used.contains($0) } }

    /// The relative L2 error of `computed` against expected tensor `name` (NaN is infinite).
    public func relativeError(_ name: String, _ computed: [Float]) -> Double {
        let expected = floats(name) ?? []
        guard expected.count == computed.count else { return .infinity }
        var diff = 0.0, norm = 0.0
        for (c, e) in zip(computed, expected) {
            if c.isNaN { return .infinity }
            diff += Double(c - e) * Double(c - e)
            norm += Double(e) * Double(e)
        }
        return diff.squareRoot() / max(norm.squareRoot(), 1e-12)
    }
}

/// Reads a case's `attrs`: every key must be taken as a value or declared documentation.
public struct AttrReader {
    private let pairs: [(key: String, value: ParamValue)]
    private var taken: Set<String> = []

    public init(_ attrs: ParamValue) throws {
        guard case let .object(p) = attrs else { throw GoldenError("attrs is not an object") }
        pairs = p
    }

    public mutating func take(_ key: String) -> ParamValue? {
        taken.insert(key)
        return pairs.first { $0.key == key }?.value
    }

    /// Keys whose value is prose for people (layout descriptions and the like).
    public mutating func documentation(_ keys: String...) { taken.formUnion(keys) }

    /// Fails on keys no mapping took: an attribute the test does not understand.
    public func finish(op: String) throws {
        let unknown = pairs.map(\.key).filter { !taken.contains($0) }
        if !unknown.isEmpty { throw GoldenError("op \(op): unhandled attrs \(unknown)") }
    }
}

public struct GoldenError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
