/// A height and a width, written in params as one integer (both the same) or as a
/// list `[h, w]`: the kernel size, stride, padding and dilation of 2-D windows.
public struct SpatialPair: Decodable, Sendable, Hashable, CustomStringConvertible {
    public var h: Int
    public var w: Int

    public init(_ h: Int, _ w: Int) {
        self.h = h
        self.w = w
    }

    /// The same value for height and width.
    public init(_ both: Int) { self.init(both, both) }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let v = try? single.decode(Int.self) {
            self.init(v)
            return
        }
        if var list = try? decoder.unkeyedContainer(), list.count == 2,
            let h = try? list.decode(Int.self), let w = try? list.decode(Int.self)
        {
            self.init(h, w)
            return
        }
        throw ParamError(path: decoder.codingPath.map(\.stringValue), "expected an integer or a list [h, w] of two integers")
    }

    public var description: String { h == w ? "\(h)" : "[\(h), \(w)]" }
}
