import Backprop
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Training progress on stderr, in one of three forms:
/// - ``Mode/terminal`` (stderr is a terminal): one live line rewritten with `\r` at most ten times
///   a second: step, loss, training accuracy, samples/s and time left;
/// - ``Mode/plain`` (stderr is a file or pipe): the same fields as plain lines, no control
///   characters, at step 1, every `every` steps, at least every 10 s, and at the last step;
/// - ``Mode/json`` (`--json`): one JSON object per line at the same moments as `plain`:
///   `{"step": s, "steps": T, "loss": E, "accuracy": a, "samples_per_second": r,
///   "elapsed_seconds": e, "remaining_seconds": r}`.
///
/// The loss and accuracy are those of the step's batch before its update (see
/// ``TrainingProgress``).
final class ProgressReporter {
    enum Mode { case terminal, plain, json }

    let mode: Mode
    let every: Int
    private var lastReport: Double = -1e300
    private var lineOpen = false
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    /// `every`: the step interval of plain and JSON reports.
    init(mode: Mode, every: Int) {
        self.mode = mode
        self.every = max(1, every)
        start = clock.now
    }

    /// The mode for stderr: JSON when asked, else terminal or plain by `isatty(2)`.
    static func mode(json: Bool) -> Mode {
        json ? .json : (isatty(STDERR_FILENO) == 1 ? .terminal : .plain)
    }

    private var now: Double { (clock.now - start).seconds }

    /// Prints `p` if it is time to.
    func report(_ p: TrainingProgress) {
        let t = now
        let last = p.step == p.totalSteps
        switch mode {
        case .terminal:
            guard last || t - lastReport >= 0.1 else { return }
            write("\r" + line(p) + "\u{1B}[K")
            lineOpen = true
        case .plain, .json:
            guard p.step == 1 || p.step % every == 0 || last || t - lastReport >= 10 else { return }
            write((mode == .json ? json(p) : line(p)) + "\n")
        }
        lastReport = t
    }

    /// Ends the live line (terminal mode), so that what follows starts on a new line.
    func finish() {
        if lineOpen { write("\n") }
        lineOpen = false
    }

    func line(_ p: TrainingProgress) -> String {
        let width = String(p.totalSteps).count
        let step = String(repeating: " ", count: max(0, width - String(p.step).count)) + String(p.step)
        return "step \(step)/\(p.totalSteps)  loss \(String(format: "%.6g", p.loss))  accuracy \(String(format: "%.1f", p.accuracy * 100))%  \(String(format: "%.0f", p.samplesPerSecond)) samples/s  \(Self.duration(p.remainingSeconds)) left"
    }

    func json(_ p: TrainingProgress) -> String {
        func number(_ x: Double) -> JSONValue { (try? JSONValue.number(x)) ?? .null }
        return JSONValue.object([
            ("step", .int(p.step)), ("steps", .int(p.totalSteps)), ("loss", number(p.loss)),
            ("accuracy", number(p.accuracy)), ("samples_per_second", number(p.samplesPerSecond)),
            ("elapsed_seconds", number(p.elapsedSeconds)), ("remaining_seconds", number(p.remainingSeconds)),
        ]).text
    }

    /// `42s`, `3m05s`, `2h01m`.
    static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "?" }
        let n = Int(s.rounded())
        if n < 60 { return "\(n)s" }
        if n < 3600 { return "\(n / 60)m" + String(format: "%02d", n % 60) + "s" }
        return "\(n / 3600)h" + String(format: "%02d", (n % 3600) / 60) + "m"
    }

    private func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
