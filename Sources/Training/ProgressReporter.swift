import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Shows training progress: on a terminal, one line redrawn in place (epoch, step,
/// bar, loss, images/s, ETA); otherwise a plain line every `plainEvery` seconds, so
/// logs of batch jobs stay readable.
public final class ProgressReporter {
    public let interactive: Bool
    public var quiet = false
    private let plainEvery: Double
    private var lastPlain = 0.0
    private let start = Date()

    public init(interactive: Bool = isatty(STDERR_FILENO) != 0, plainEvery: Double = 30) {
        self.interactive = interactive
        self.plainEvery = plainEvery
    }

    /// Reports step `step` of `steps` in epoch `epoch` of `epochs`.
    public func step(
        epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, imagesPerSecond: Double,
        remainingSteps: Int, secondsPerStep: Double
    ) {
        guard !quiet else { return }
        let eta = Self.duration(Double(remainingSteps) * secondsPerStep)
        let text = String(
            format: "epoch %d/%d step %d/%d loss %.4f %.0f img/s ETA %@", epoch + 1, epochs, step + 1, steps,
            loss, imagesPerSecond, eta)
        if interactive {
            let width = 24, filled = steps > 0 ? width * (step + 1) / steps : width
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
        } else {
            let now = Date().timeIntervalSince(start)
            if now - lastPlain >= plainEvery || step + 1 == steps {
                lastPlain = now
                FileHandle.standardError.write(Data((text + "\n").utf8))
            }
        }
    }

    /// Prints a line that stays (epoch summaries), ending a redrawn progress line first.
    public func line(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(((interactive ? "\r\u{1B}[K" : "") + text + "\n").utf8))
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
