import CanopyRuntime
import Foundation

/// `metrics.jsonl`: one JSON object per evaluated epoch (every loss term's mean by
/// name, every metric of every head, learning rate, images/s). Each line is appended
/// with `FileIO.append` (errors name the file); on resume the lines of epochs after the
/// checkpoint are dropped, so a resumed run's file equals an uninterrupted one's.
public final class MetricsLog {
    public let path: String
    /// The records kept from an earlier run (on resume), oldest first.
    public private(set) var kept: [ParamValue] = []

    public init(path: String, keepEpochsBelow epochs: Int?) throws {
        self.path = path
        if let epochs, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            var lines: [Substring] = []
            for line in text.split(separator: "\n") {
                guard let value = try? JSON.parse(String(line)), case let .int(e)? = value["epoch"], e < epochs else { continue }
                lines.append(line)
                kept.append(value)
            }
            try FileIO.writeAtomically([Array(lines.map { $0 + "\n" }.joined().utf8)], to: path)
        } else {
            try FileIO.writeAtomically([], to: path)
        }
    }

    /// Appends one record.
    public func append(_ record: ParamValue) throws {
        try FileIO.append(Array((JSON.serialize(record) + "\n").utf8), to: path)
    }
}
