import ArgumentParser
import Backprop
import Foundation

/// A JSON value as the commands print it: objects keep their key order, and numbers are written
/// with Swift's `description`, the shortest text that reads back to the same `Float` or `Double`
/// (so a result read back from the output is bit for bit the computed one). JSON has no NaN or
/// infinity: ``JSONValue/number(_:)`` refuses them with an error instead of writing an invalid
/// document.
enum JSONValue {
    case null
    case bool(Bool)
    case int(Int)
    /// A finite number, already formatted.
    case formatted(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// A finite `Float`/`Double` at full round-trip precision; `what` names it in the error.
    static func number<T: BinaryFloatingPoint & LosslessStringConvertible>(
        _ x: T, _ what: String = "a result"
    ) throws(JSONOutputError) -> JSONValue {
        if !x.isFinite { throw .nonFinite(what) }
        return .formatted(x.description)
    }

    /// An array of finite numbers.
    static func numbers<T: BinaryFloatingPoint & LosslessStringConvertible>(
        _ xs: [T], _ what: String = "a result"
    ) throws(JSONOutputError) -> JSONValue {
        var out: [JSONValue] = []
        out.reserveCapacity(xs.count)
        for x in xs { out.append(try number(x, what)) }
        return .array(out)
    }

    /// The compact one-line text: `{"a": 1, "b": [1.5, 2.0]}`.
    var text: String {
        var s = ""
        write(to: &s)
        return s
    }

    func write(to s: inout String) {
        switch self {
        case .null: s += "null"
        case .bool(let b): s += b ? "true" : "false"
        case .int(let i): s += String(i)
        case .formatted(let f): s += f
        case .string(let str): JSONValue.writeString(str, to: &s)
        case .array(let items):
            s += "["
            for (i, item) in items.enumerated() {
                if i > 0 { s += ", " }
                item.write(to: &s)
            }
            s += "]"
        case .object(let members):
            s += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { s += ", " }
                JSONValue.writeString(key, to: &s)
                s += ": "
                value.write(to: &s)
            }
            s += "}"
        }
    }

    static func writeString(_ str: String, to s: inout String) {
        s += JSONText.quoted(str)
    }
}

/// A result that cannot be written as JSON.
enum JSONOutputError: Error, CustomStringConvertible {
    /// `what` is NaN or infinite (for training, usually an overflow).
    case nonFinite(String)

    var description: String {
        switch self {
        case .nonFinite(let what):
            return "\(what): not a finite number (NaN or infinity, usually an overflow); try a smaller learning rate"
        }
    }
}

/// Output conventions shared by every command: the result as one JSON object on stdout, errors
/// as one line on stderr with exit status 1.
enum CommandOutput {
    /// Prints `value` and a newline on stdout.
    static func print(_ value: JSONValue) {
        guard Cluster.current.isLeader else { return }
        FileHandle.standardOutput.write(Data((value.text + "\n").utf8))
    }

    /// Prints `backprop: error: MESSAGE` on stderr (the error's `description` for library errors,
    /// flattened to one line) and returns the exit code to throw.
    static func fail(_ error: Error) -> ExitCode {
        let message = String(describing: error)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
        // Under MPI every rank fails the same way (problems are agreed on first): one line.
        guard Cluster.current.isLeader else { return ExitCode(1) }
        FileHandle.standardError.write(Data("backprop: error: \(message)\n".utf8))
        return ExitCode(1)
    }

    /// Runs `body`; any error it throws is reported by ``fail(_:)`` and ends the command with
    /// exit status 1 (ArgumentParser's own exit codes pass through).
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail(error)
        }
    }
}
