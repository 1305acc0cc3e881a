/// A failed MPI call: the function, MPI's error code and MPI's own message for it
/// (`MPI_Error_string`), or a misuse detected before calling MPI.
public struct MPIError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The MPI function that failed (e.g. `"MPI_Allgather"`).
    public var function: String
    /// The return code (`MPI_SUCCESS` is 0; never 0 here).
    public var code: Int32
    /// MPI's description of `code`, or what was wrong.
    public var message: String

    /// An error from an explicit code and message.
    public init(function: String, code: Int32, message: String) {
        self.function = function
        self.code = code
        self.message = message
    }

    /// One line: `MPI_Allgather failed (code 5): MPI_ERR_COUNT: invalid count argument`.
    public var description: String { "\(function) failed (code \(code)): \(message)" }
}
