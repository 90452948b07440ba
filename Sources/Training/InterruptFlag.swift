#if canImport(Glibc)
import Glibc
#endif

/// Turns Ctrl-C (SIGINT) and SIGTERM into a flag the training loop checks after each
/// step, so it can save a checkpoint and exit cleanly instead of dying mid-write.
public enum InterruptFlag {
    nonisolated(unsafe) private static var raised: sig_atomic_t = 0

    /// Installs the handlers.
    public static func install() {
        signal(SIGINT) { _ in InterruptFlag.raised = 1 }
        signal(SIGTERM) { _ in InterruptFlag.raised = 1 }
    }

    /// Whether an interrupt arrived since `install`.
    public static var isRaised: Bool { raised != 0 }
}
