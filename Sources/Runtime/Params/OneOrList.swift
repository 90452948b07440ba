/// A param given as one value or a list of them (`k: 5` or `k: [1, 5]`); always a list
/// once decoded, and encoded as one.
public struct OneOrList<Element: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var values: [Element]

    public init(_ values: [Element]) { self.values = values }

    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let one = try? single.decode(Element.self) {
            values = [one]
        } else {
            values = try single.decode([Element].self)
        }
    }

    public func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }
}

extension OneOrList: ParamTypeNamed where Element: ParamTypeNamed {
    public static var paramTypeName: String { "\(Element.paramTypeName) or [\(Element.paramTypeName)]" }
    public static var paramIsInteger: Bool { Element.paramIsInteger }
    public static var paramIsList: Bool { true }
}
