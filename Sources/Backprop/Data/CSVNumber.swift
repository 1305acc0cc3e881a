import Glibc

/// Decimal numbers in CSV cells, parsed straight from the file's bytes.
///
/// Accepted: `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` — what spreadsheets and
/// `printf("%g")` write. Not accepted: hexadecimal floats, thousands separators, a decimal comma,
/// `nan`, `inf`. The value is the correctly rounded `strtod`/`strtof` result (C locale), so a cell
/// written with Swift's `description` or `%.17g` reads back to the same bits.
enum CSVNumber {
    enum Outcome<T> {
        case value(T)
        case notANumber
        case notFinite
        case overflow
    }

    /// Whether bytes `s..<e` match the decimal grammar above.
    @inline(__always)
    static func isDecimal(_ b: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        var i = s
        if i < e && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
        var digits = 0
        while i < e && b[i] &- 48 < 10 {
            i += 1
            digits += 1
        }
        if i < e && b[i] == UInt8(ascii: ".") {
            i += 1
            while i < e && b[i] &- 48 < 10 {
                i += 1
                digits += 1
            }
        }
        if digits == 0 { return false }
        if i < e && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            if i < e && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            var exponentDigits = 0
            while i < e && b[i] &- 48 < 10 {
                i += 1
                exponentDigits += 1
            }
            if exponentDigits == 0 { return false }
        }
        return i == e
    }

    /// Whether bytes `s..<e` spell NaN or infinity (any case, optional sign): `nan`, `inf`,
    /// `infinity`.
    static func isNonFiniteWord(_ b: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        var i = s
        if i < e && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
        var word: [UInt8] = []
        while i < e && word.count <= 8 {
            word.append(b[i] | 0x20)  // ASCII lower case
            i += 1
        }
        if i != e { return false }
        let text = String(decoding: word, as: UTF8.self)
        return text == "nan" || text == "inf" || text == "infinity"
    }

    /// Parses bytes `s..<e` as `T`. The byte at `e` must not continue a number (it is a
    /// delimiter, a quote, a blank or the terminating 0 the loader appends), so `strtod` stops
    /// exactly at `e`. Call between ``withCLocale(_:)``.
    @inline(__always)
    static func parse<T: BLASScalar>(_ b: UnsafeMutablePointer<UInt8>, _ s: Int, _ e: Int)
        -> Outcome<T>
    {
        if !isDecimal(b, s, e) {
            return isNonFiniteWord(b, s, e) ? .notFinite : .notANumber
        }
        let start = UnsafeMutableRawPointer(b + s).assumingMemoryBound(to: CChar.self)
        var end: UnsafeMutablePointer<CChar>? = nil
        let value: T
        if T.self == Float.self {
            value = T(strtof(start, &end))
        } else {
            value = T(strtod(start, &end))
        }
        if end != start + (e - s) { return .notANumber }
        return value.isFinite ? .value(value) : .overflow
    }

    /// Runs `body` with the calling thread's numeric locale set to "C" (decimal point `.`),
    /// whatever the process locale is.
    static func withCLocale<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        guard let c = newlocale(LC_NUMERIC_MASK, "C", nil) else { return try body() }
        let previous = uselocale(c)
        defer {
            uselocale(previous)
            freelocale(c)
        }
        return try body()
    }
}
