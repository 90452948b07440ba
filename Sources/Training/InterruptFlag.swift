#if canImport(Glibc)
    import Glibc
#endif

/// Turns Ctrl-C (SIGINT) and SIGTERM into a flag the training loop checks after each
/// step and before each evaluation batch, so it can save a checkpoint and exit cleanly
/// instead of dying mid-write. Further signals only set the flag again: a checkpoint
/// being written is finished, never cut (the handlers restart interrupted system calls).
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
