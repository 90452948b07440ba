/// A param whose value is one of a fixed set of strings (a String-backed enum). Decoding
/// an unknown string fails with the list of choices and a did-you-mean, at the key's path.
public protocol ParamChoice: RawRepresentable, CaseIterable, Codable, Sendable, ParamTypeNamed where RawValue == String {}

extension ParamChoice {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            let names = Self.allCases.map(\.rawValue)
            throw ParamError(
                path: decoder.codingPath.map(\.stringValue),
                "unknown value '\(text)', expected one of \(Self.choices)" + Suggestion.note(for: text, in: names))
        }
        self = value
    }

    public static var paramTypeName: String { choices }

    /// The accepted values, "a | b | c", for documentation and messages.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: " | ") }
}
