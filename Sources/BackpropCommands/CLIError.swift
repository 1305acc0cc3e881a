/// A command-line error with a one-line message saying what to change.
public struct CLIError: Error, CustomStringConvertible {
    /// The message printed after `backprop: error:`.
    public let description: String

    public init(_ description: String) { self.description = description }
}
