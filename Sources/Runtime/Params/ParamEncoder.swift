/// Encodes a plugin's `Encodable` params into the `ParamValue` that `ParamDecoder`
/// reads back, so typed params (`SoftmaxParams(temperature: 3)`) can be handed to
/// anything that takes a `ParamValue` (a kernel applied by type, a plan dump).
/// Keys are snake_case (`ParamDecoder.specKey`) in the order the type encodes them;
/// nil optionals are left out.
public enum ParamEncoder {
    /// The value `params` encodes to.
    public static func encode<T: Encodable>(_ params: T) -> ParamValue {
        let slot = Slot()
        do { try params.encode(to: ValueEncoder(slot: slot, path: [])) } catch {
            preconditionFailure("params of \(T.self) do not encode: \(error)")
        }
        return slot.value
    }
}

/// Where one encoded value ends up: a scalar, or an object or array filled in by a container.
private final class Slot {
    enum Content {
        case value(ParamValue)
        case object([(key: String, slot: Slot)])
        case array([Slot])
    }

    var content = Content.value(.null)

    var value: ParamValue {
        switch content {
        case let .value(v): return v
        case let .object(pairs): return .object(pairs.map { ($0.key, $0.slot.value) })
        case let .array(items): return .array(items.map(\.value))
        }
    }

    func child(forKey key: String) -> Slot {
        var pairs: [(key: String, slot: Slot)] = []
        if case let .object(existing) = content { pairs = existing }
        if let found = pairs.first(where: { $0.key == key }) { return found.slot }
        let slot = Slot()
        pairs.append((key, slot))
        content = .object(pairs)
        return slot
    }

    func appendChild() -> Slot {
        var items: [Slot] = []
        if case let .array(existing) = content { items = existing }
        let slot = Slot()
        items.append(slot)
        content = .array(items)
        return slot
    }

    var count: Int {
        if case let .array(items) = content { return items.count }
        return 0
    }
}

private struct ValueEncoder: Encoder {
    let slot: Slot
    let path: [String]
    var codingPath: [any CodingKey] { path.map { AnyKey(stringValue: $0) } }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = slot.content {} else { slot.content = .object([]) }
        return KeyedEncodingContainer(Keyed<Key>(slot: slot, path: path))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = slot.content {} else { slot.content = .array([]) }
        return Unkeyed(slot: slot, path: path)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(slot: slot, path: path) }
}

/// Stores scalars as `ParamValue`s; floats as doubles, every integer type as `.int`.
private func scalar<T: Encodable>(_ value: T) -> ParamValue? {
    switch value {
    case let v as Bool: return .bool(v)
    case let v as String: return .string(v)
    case let v as Double: return .double(v)
    case let v as Float: return .double(Double("\(v)") ?? Double(v))  // 0.1, not 0.10000000149
    case let v as Int: return .int(v)
    case let v as Int32: return .int(Int(v))
    case let v as Int64: return .int(Int(v))
    case let v as UInt64: return Int(exactly: v).map(ParamValue.int) ?? .double(Double(v))  // no trap past Int.max
    case let v as UInt32: return .int(Int(v))
    default: return nil
    }
}

private func store<T: Encodable>(_ value: T, in slot: Slot, path: [String]) throws {
    if let v = scalar(value) {
        slot.content = .value(v)
    } else {
        try value.encode(to: ValueEncoder(slot: slot, path: path))
    }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    let path: [String]
    var codingPath: [any CodingKey] { path.map { AnyKey(stringValue: $0) } }

    mutating func encodeNil(forKey key: Key) throws { slot.child(forKey: key.specKey).content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try store(value, in: slot.child(forKey: key.specKey), path: path + [key.specKey])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(slot: slot.child(forKey: key.specKey), path: path + [key.specKey]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ValueEncoder(slot: slot.child(forKey: key.specKey), path: path + [key.specKey]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(slot: slot, path: path) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        ValueEncoder(slot: slot.child(forKey: key.specKey), path: path + [key.specKey])
    }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let slot: Slot
    let path: [String]
    var codingPath: [any CodingKey] { path.map { AnyKey(stringValue: $0) } }
    var count: Int { slot.count }

    mutating func encodeNil() throws { slot.appendChild().content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try store(value, in: slot.appendChild(), path: path + [String(count)])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(slot: slot.appendChild(), path: path + [String(count)]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        ValueEncoder(slot: slot.appendChild(), path: path + [String(count)]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(slot: slot.appendChild(), path: path) }
}

private struct Single: SingleValueEncodingContainer {
    let slot: Slot
    let path: [String]
    var codingPath: [any CodingKey] { path.map { AnyKey(stringValue: $0) } }

    mutating func encodeNil() throws { slot.content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value, in: slot, path: path) }
}

/// A coding key made from a string (a params path component), for coding paths.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { Int(stringValue) }
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = String(intValue) }
}

extension CodingKey {
    /// The key as a spec writes it (`ParamDecoder.specKey`).
    var specKey: String { ParamDecoder.specKey(stringValue) }
}
