import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by the SIGINT handler; read by the training loop at each step boundary.
private let interruptRequested = Atomic<Bool>(false)

/// Ctrl-C handling for long commands: after ``install()``, SIGINT (and SIGTERM) only set a flag
/// (an atomic store, which is async-signal-safe); the command polls ``requested`` at its next step
/// boundary, stops cleanly and saves what it has. Further signals while it saves change nothing,
/// so the save (an atomic rename) is never cut short.
enum InterruptSignal {
    /// Unblocks SIGINT and SIGTERM and replaces their default action (terminate) by setting the flag.
    static func install() {
        _ = interruptRequested.load(ordering: .relaxed)  // initialise the global before any signal
        // A parent may have left the signals blocked (a blocked mask is inherited across exec).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in interruptRequested.store(true, ordering: .relaxed) }
    }

    /// Whether SIGINT or SIGTERM arrived since ``install()``.
    static var requested: Bool { interruptRequested.load(ordering: .relaxed) }

    /// The exit status of a command stopped by Ctrl-C (128 + SIGINT, the shell convention).
    static let exitStatus: Int32 = 130
}
