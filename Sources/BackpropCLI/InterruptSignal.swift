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
    /// Replaces the default action of SIGINT and SIGTERM (terminate) by setting the flag.
    static func install() {
        _ = interruptRequested.load(ordering: .relaxed)  // initialise the global before any signal
        signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in interruptRequested.store(true, ordering: .relaxed) }
    }

    /// Whether SIGINT or SIGTERM arrived since ``install()``.
    static var requested: Bool { interruptRequested.load(ordering: .relaxed) }

    /// The exit status of a command stopped by Ctrl-C (128 + SIGINT, the shell convention).
    static let exitStatus: Int32 = 130
}
