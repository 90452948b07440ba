/// Decodes a plugin's `Decodable` params from a `ParamValue`, strictly: a key that the
/// params type never reads is an error (with a did-you-mean), as is a value of the
/// wrong kind. All unknown keys are reported, each with its path.
public enum ParamDecoder {
    /// Decodes `T` from `value`; throws `ParamErrors` listing every problem found.
    public static func decode<T: Decodable>(_ type: T.Type, from value: ParamValue) throws(ParamErrors) -> T {
        let usage = KeyUsage()
        let result: T
        do {
            result = try decodeScalar(T.self, value, [], usage)
        } catch let e as ParamError {
            // Keys after the failing one were never read: reporting them as unknown would mislead.
            throw ParamErrors(errors: [e])
        } catch let e as ParamErrors {
            throw e
        } catch {
            throw ParamErrors(errors: [ParamError(path: [], "\(error)")])
        }
        // A params type with no stored properties never opens a container: every key is unknown.
        if case let .object(pairs) = value, !usage.objects.contains(where: { $0.path.isEmpty }) {
            _ = usage.register(path: [], keys: pairs.map(\.key))
        }
        let problems = usage.missingRequired + usage.unknownKeyErrors() + ((result as? any PluginParams)?.rangeErrors(path: []) ?? [])
        if !problems.isEmpty { throw ParamErrors(errors: problems) }
        return result
    }
}

extension ParamDecoder {
    /// The spec key of a Swift property or coding key: camelCase becomes snake_case
    /// (`teacherEps` -> `teacher_eps`), an acronym stays one word (`branchwiseKD` ->
    /// `branchwise_kd`, `lambdaBW` -> `lambda_bw`), so keys are derived, not written out.
    public static func specKey(_ name: String) -> String {
        let chars = Array(name)
        var key = ""
        for (i, c) in chars.enumerated() {
            if c.isUppercase && i > 0 {
                let afterLower = !chars[i - 1].isUppercase && chars[i - 1] != "_"
                let endsAcronym = chars[i - 1].isUppercase && i + 1 < chars.count && chars[i + 1].isLowercase
                if afterLower || endsAcronym { key += "_" }
            }
            key += c.lowercased()
        }
        return key
    }

    /// `value` with every key of `defaults` it leaves out filled in, mapping by mapping;
    /// the keys it gives keep their order (unknown ones are reported in that order).
    static func overlay(_ value: ParamValue, on defaults: ParamValue) -> ParamValue {
        guard case let .object(given) = value, case let .object(fallback) = defaults else { return value }
        var pairs = given.map { pair in (key: pair.key, value: defaults[pair.key].map { overlay(pair.value, on: $0) } ?? pair.value) }
        for pair in fallback where !given.contains(where: { $0.key == pair.key }) { pairs.append(pair) }
        return .object(pairs)
    }
}

/// Several parameter problems found in one decode.
public struct ParamErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ParamError]
    public init(errors: [ParamError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Which keys of which objects the params type read.
private final class KeyUsage {
    var objects: [(path: [String], keys: [String], read: Set<String>)] = []
    /// Required keys the spec left out, each at its path.
    var missingRequired: [ParamError] = []

    func register(path: [String], keys: [String]) -> Int {
        objects.append((path, keys, []))
        return objects.count - 1
    }

    func read(_ key: String, in index: Int) { objects[index].read.insert(key) }

    func unknownKeyErrors() -> [ParamError] {
        objects.flatMap { object in
            object.keys.filter { !object.read.contains($0) }.map { key in
                ParamError(path: object.path + [key], "unknown key '\(key)'" + Suggestion.noteOrList(for: key, in: object.read.sorted()))
            }
        }
    }
}

private struct ValueDecoder: Decoder {
    let value: ParamValue
    let path: [String]
    let usage: KeyUsage
    var codingPath: [any CodingKey] { path.map { AnyKey(stringValue: $0) } }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case let .object(pairs) = value else {
            throw ParamError(path: path, "expected a mapping, found \(value.kindName)")
        }
        let index = usage.register(path: path, keys: pairs.map(\.key))
        return KeyedDecodingContainer(Keyed<Key>(pairs: pairs, path: path, usage: usage, index: index))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case let .array(items) = value else {
            throw ParamError(path: path, "expected a list, found \(value.kindName)")
        }
        return Unkeyed(items: items, path: path, usage: usage)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, path: path, usage: usage) }
}

private func decodeScalar<T: Decodable>(_ type: T.Type, _ value: ParamValue, _ path: [String], _ usage: KeyUsage) throws -> T {
    func mismatch(_ expected: String) -> ParamError {
        ParamError(path: path, "expected \(expected), found \(value.kindName) \(value)")
    }
    switch type {
    case is ParamValue.Type:
        return value as! T
    case is Bool.Type:
        guard case let .bool(b) = value else { throw mismatch("a boolean") }
        return b as! T
    case is String.Type:
        guard case let .string(s) = value else { throw mismatch("a string") }
        return s as! T
    case is Int.Type:
        switch value {
        case let .int(i): return i as! T
        case let .double(d) where d.rounded() == d && abs(d) < 9e15: return Int(d) as! T
        default: throw mismatch("an integer")
        }
    case is Double.Type, is Float.Type:
        let d: Double
        switch value {
        case let .int(i): d = Double(i)
        case let .double(x): d = x
        default: throw mismatch("a number")
        }
        return (type is Float.Type ? Float(d) as! T : d as! T)
    case let params as any PluginParams.Type:
        return try T(from: ValueDecoder(value: params.filled(value, at: path, usage), path: path, usage: usage))
    default:
        return try T(from: ValueDecoder(value: value, path: path, usage: usage))
    }
}

extension PluginParams {
    /// `value` with the defaults of every key it leaves out. A required key left out is
    /// recorded in `usage` and filled too, so the rest of the mapping is still checked.
    fileprivate static func filled(_ value: ParamValue, at path: [String], _ usage: KeyUsage) -> ParamValue {
        let given: [String]? =
            switch value {
            case let .object(pairs): pairs.map(\.key)
            case .null: []
            default: nil  // not a mapping: decoding reports that
            }
        let missing = given.map { keys in requiredKeys.filter { !keys.contains($0) } } ?? []
        usage.missingRequired += missing.map { ParamError(path: path + [$0], "missing required key '\($0)'") }
        return ParamDecoder.overlay(value == .null ? .object([]) : value, on: ParamEncoder.encode(Self()))
    }
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let pairs: [(key: String, value: ParamValue)]
    let path: [String]
    let usage: KeyUsage
    let index: Int
    var codingPath: [any CodingKey] { path.map { AnyKey(stringValue: $0) } }
    var allKeys: [Key] { pairs.compactMap { Key(stringValue: $0.key) } }

    func lookup(_ key: Key) -> ParamValue? {
        let name = key.specKey
        usage.read(name, in: index)
        return pairs.first { $0.key == name }?.value
    }

    func contains(_ key: Key) -> Bool { lookup(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = lookup(key) ?? .null { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let v = lookup(key) else {
            throw ParamError(path: path + [key.specKey], "missing required key '\(key.specKey)'")
        }
        return try decodeScalar(type, v, path + [key.specKey], usage)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = lookup(key) else { return nil }
        if case .null = v { return nil }
        return try decodeScalar(type, v, path + [key.specKey], usage)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: lookup(key) ?? .null, path: path + [key.specKey], usage: usage).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: lookup(key) ?? .null, path: path + [key.specKey], usage: usage).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { ValueDecoder(value: .object(pairs), path: path, usage: usage) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: lookup(key) ?? .null, path: path + [key.specKey], usage: usage)
    }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let items: [ParamValue]
    let path: [String]
    let usage: KeyUsage
    var currentIndex = 0
    var codingPath: [any CodingKey] { path.map { AnyKey(stringValue: $0) } }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [ParamValue], path: [String], usage: KeyUsage) {
        self.items = items
        self.path = path
        self.usage = usage
    }

    mutating func next() throws -> (ParamValue, [String]) {
        guard !isAtEnd else { throw ParamError(path: path, "list is too short") }
        defer { currentIndex += 1 }
        return (items[currentIndex], path + [String(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = items[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, p) = try next()
        return try decodeScalar(type, v, p, usage)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (v, p) = try next()
        return try ValueDecoder(value: v, path: p, usage: usage).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, p) = try next()
        return try ValueDecoder(value: v, path: p, usage: usage).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (v, p) = try next()
        return ValueDecoder(value: v, path: p, usage: usage)
    }
}

private struct Single: SingleValueDecodingContainer {
    let value: ParamValue
    let path: [String]
    let usage: KeyUsage
    var codingPath: [any CodingKey] { path.map { AnyKey(stringValue: $0) } }

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeScalar(type, value, path, usage) }
}
