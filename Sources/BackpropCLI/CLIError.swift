/// A command-line error with a one-line message saying what to change.
struct CLIError: Error, CustomStringConvertible {
    /// The message printed after `backprop: error:`.
    let description: String

    init(_ description: String) { self.description = description }
}
