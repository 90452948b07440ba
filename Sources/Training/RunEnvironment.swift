import CBLAS
import CanopyRuntime
import Foundation

/// What `env.json` records about the machine and build a run used.
public enum RunEnvironment {
    public static func describe(threads: Int) -> ParamValue {
        var pairs: [(key: String, value: ParamValue)] = [
            ("canopy", .string(CanopyVersion.string)),
            ("commit", .string(commit() ?? "unknown")),
            ("swift", .string(swiftVersion)),
            ("threads", .int(threads)),
            ("openblas_core", .string(String(cString: openblas_get_corename()))),
            ("openblas_config", .string(String(cString: openblas_get_config()))),
            ("cpu", .string(cpuModel() ?? "unknown")),
            ("cores", .int(ProcessInfo.processInfo.activeProcessorCount)),
        ]
        pairs.append(("hostname", .string(ProcessInfo.processInfo.hostName)))
        return .object(pairs)
    }

    static var swiftVersion: String {
        #if compiler(>=6.3)
            return "6.3 or later"
        #elseif compiler(>=6.0)
            return "6.x"
        #else
            return "5.x"
        #endif
    }

    static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The git commit of the working directory, if it is a checkout.
    static func commit() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "--short", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
