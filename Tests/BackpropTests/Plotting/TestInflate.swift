/// A small, independent DEFLATE decoder (RFC 1951) for checking the PNG encoder: stored and
/// fixed-Huffman blocks (the encoder writes nothing else; dynamic blocks are reported as an
/// error). Returns nil on any malformed input.
enum TestInflate {
    struct Bits {
        let data: [UInt8]
        var pos = 0  // bit position
        mutating func bit() -> Int? {
            guard pos / 8 < data.count else { return nil }
            let b = Int(data[pos / 8] >> UInt8(pos % 8)) & 1
            pos += 1
            return b
        }
        /// `n` bits, least significant first.
        mutating func bits(_ n: Int) -> Int? {
            var v = 0
            for k in 0..<n {
                guard let b = bit() else { return nil }
                v |= b << k
            }
            return v
        }
        /// `n` bits, most significant first (Huffman codes).
        mutating func code(_ n: Int, prefix: Int = 0) -> Int? {
            var v = prefix
            for _ in 0..<n {
                guard let b = bit() else { return nil }
                v = v << 1 | b
            }
            return v
        }
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// Decodes a zlib stream (header, DEFLATE data, Adler-32); returns the data and the stored
    /// Adler-32.
    static func zlib(_ bytes: [UInt8]) -> (data: [UInt8], adler: UInt32)? {
        guard bytes.count >= 6, bytes[0] & 0x0F == 8, (Int(bytes[0]) << 8 | Int(bytes[1])) % 31 == 0 else { return nil }
        guard let data = inflate(Array(bytes[2..<(bytes.count - 4)])) else { return nil }
        let t = bytes.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return (data, t)
    }

    static func fixedSymbol(_ r: inout Bits) -> Int? {
        guard let v7 = r.code(7) else { return nil }
        if v7 <= 0b0010111 { return 256 + v7 }
        guard let v8 = r.code(1, prefix: v7) else { return nil }
        if v8 >= 0x30 && v8 <= 0xBF { return v8 - 0x30 }
        if v8 >= 0xC0 && v8 <= 0xC7 { return 280 + v8 - 0xC0 }
        guard let v9 = r.code(1, prefix: v8) else { return nil }
        return v9 >= 0x190 ? 144 + v9 - 0x190 : nil
    }

    static func inflate(_ input: [UInt8]) -> [UInt8]? {
        var r = Bits(data: input)
        var out: [UInt8] = []
        while true {
            guard let final = r.bits(1), let type = r.bits(2) else { return nil }
            switch type {
            case 0:
                r.pos = (r.pos + 7) / 8 * 8
                guard let len = r.bits(16), let nlen = r.bits(16), len ^ 0xFFFF == nlen else { return nil }
                for _ in 0..<len {
                    guard let b = r.bits(8) else { return nil }
                    out.append(UInt8(b))
                }
            case 1:
                while true {
                    guard let s = fixedSymbol(&r) else { return nil }
                    if s < 256 { out.append(UInt8(s)); continue }
                    if s == 256 { break }
                    let li = s - 257
                    guard li < 29, let le = r.bits(lengthExtra[li]) else { return nil }
                    let length = lengthBase[li] + le
                    guard let dc = r.code(5), dc < 30, let de = r.bits(distExtra[dc]) else { return nil }
                    let dist = distBase[dc] + de
                    guard dist <= out.count else { return nil }
                    for _ in 0..<length { out.append(out[out.count - dist]) }
                }
            default:
                return nil
            }
            if final == 1 { return out }
        }
    }
}
