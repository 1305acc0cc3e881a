/// An 8-bit RGB raster, row-major from the top-left pixel: pixel `(x, y)` is bytes
/// `3·(y·width + x) ..< 3·(y·width + x) + 3`.
public struct RGBImage: Equatable, Sendable {
    /// Size in pixels.
    public let width: Int
    /// Size in pixels.
    public let height: Int
    /// `3·width·height` bytes, R G B per pixel.
    public var pixels: [UInt8]

    /// A `width × height` image filled with `background`.
    public init(width: Int, height: Int, background: RGB = .white) {
        if width < 1 || height < 1 { fatalError("RGBImage: size \(width)×\(height) must be at least 1×1") }
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for k in 0..<(width * height) {
            pixels[3 * k] = background.r
            pixels[3 * k + 1] = background.g
            pixels[3 * k + 2] = background.b
        }
    }

    /// Pixel `(x, y)`; writes outside the image are ignored, reads outside trap.
    public subscript(x: Int, y: Int) -> RGB {
        get {
            if x < 0 || y < 0 || x >= width || y >= height { fatalError("RGBImage: pixel (\(x), \(y)) outside \(width)×\(height)") }
            let k = 3 * (y * width + x)
            return RGB(pixels[k], pixels[k + 1], pixels[k + 2])
        }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let k = 3 * (y * width + x)
            pixels[k] = newValue.r
            pixels[k + 1] = newValue.g
            pixels[k + 2] = newValue.b
        }
    }
}

/// PNG encoding without external libraries (ISO/IEC 15948): signature, `IHDR` (8-bit truecolour,
/// no interlace), one `IDAT` holding a zlib stream (RFC 1950) and `IEND`; every chunk carries a
/// CRC-32 of its type and data.
///
/// Each scanline is filtered with whichever of None, Sub and Up gives the smallest sum of
/// absolute (signed) bytes; the filtered bytes are compressed by a real DEFLATE (RFC 1951) in one
/// block with the fixed Huffman code, using only run matches at distance 1 — flat colour areas
/// become long runs of zeros after filtering, so plots compress well.
public enum PNGEncoder {
    /// The 8-byte PNG signature.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file of `image`.
    public static func encode(_ image: RGBImage) -> [UInt8] {
        var out = signature
        var ihdr: [UInt8] = []
        appendBigEndian(&ihdr, UInt32(image.width))
        appendBigEndian(&ihdr, UInt32(image.height))
        ihdr += [8, 2, 0, 0, 0]  // bit depth 8, colour type 2 (RGB), deflate, adaptive filters, no interlace
        appendChunk(&out, "IHDR", ihdr)
        appendChunk(&out, "IDAT", zlib(filteredScanlines(image)))
        appendChunk(&out, "IEND", [])
        return out
    }

    /// The scanlines, each prefixed by its filter type byte (0 None, 1 Sub, 2 Up).
    static func filteredScanlines(_ image: RGBImage) -> [UInt8] {
        let stride = image.width * 3
        var out: [UInt8] = []
        out.reserveCapacity((stride + 1) * image.height)
        var sub = [UInt8](repeating: 0, count: stride)
        var up = [UInt8](repeating: 0, count: stride)
        image.pixels.withUnsafeBufferPointer { px in
            for y in 0..<image.height {
                let row = y * stride
                var costNone = 0, costSub = 0, costUp = 0
                for i in 0..<stride {
                    let raw = px[row + i]
                    let left: UInt8 = i >= 3 ? px[row + i - 3] : 0
                    let above: UInt8 = y > 0 ? px[row - stride + i] : 0
                    sub[i] = raw &- left
                    up[i] = raw &- above
                    costNone += Int(Int8(bitPattern: raw).magnitude)
                    costSub += Int(Int8(bitPattern: sub[i]).magnitude)
                    costUp += Int(Int8(bitPattern: up[i]).magnitude)
                }
                if costUp <= costSub && costUp <= costNone {
                    out.append(2); out.append(contentsOf: up)
                } else if costSub <= costNone {
                    out.append(1); out.append(contentsOf: sub)
                } else {
                    out.append(0); out.append(contentsOf: px[row..<(row + stride)])
                }
            }
        }
        return out
    }

    // MARK: zlib / DEFLATE

    /// A zlib stream: header `78 01`, one fixed-Huffman DEFLATE block, Adler-32 (big-endian).
    static func zlib(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out += deflateFixed(data)
        appendBigEndian(&out, adler32(data))
        return out
    }

    /// Writes bits least-significant first, as DEFLATE requires.
    struct BitWriter {
        var bytes: [UInt8] = []
        var buffer: UInt64 = 0
        var count = 0

        mutating func write(_ value: UInt32, bits: Int) {
            buffer |= UInt64(value) << UInt64(count)
            count += bits
            while count >= 8 {
                bytes.append(UInt8(truncatingIfNeeded: buffer))
                buffer >>= 8
                count -= 8
            }
        }

        /// A Huffman code, whose bits DEFLATE stores most-significant first.
        mutating func writeCode(_ code: UInt32, bits: Int) {
            var reversed: UInt32 = 0
            for k in 0..<bits where code & (1 << UInt32(k)) != 0 { reversed |= 1 << UInt32(bits - 1 - k) }
            write(reversed, bits: bits)
        }

        mutating func finish() -> [UInt8] {
            if count > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
            buffer = 0
            count = 0
            return bytes
        }
    }

    /// Fixed Huffman code of literal/length symbol `s` (RFC 1951 §3.2.6).
    static func writeSymbol(_ w: inout BitWriter, _ s: Int) {
        switch s {
        case 0...143: w.writeCode(UInt32(0x30 + s), bits: 8)
        case 144...255: w.writeCode(UInt32(0x190 + s - 144), bits: 9)
        case 256...279: w.writeCode(UInt32(s - 256), bits: 7)
        default: w.writeCode(UInt32(0xC0 + s - 280), bits: 8)
        }
    }

    /// Base lengths and extra bits of length symbols 257…285.
    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]

    /// One final fixed-Huffman block: literals, and runs of the previous byte as
    /// `(length, distance 1)` matches of 3…258 bytes.
    static func deflateFixed(_ data: [UInt8]) -> [UInt8] {
        var w = BitWriter()
        w.write(1, bits: 1)  // BFINAL
        w.write(1, bits: 2)  // BTYPE = 01, fixed Huffman
        var i = 0
        while i < data.count {
            var run = 0
            if i > 0 {
                let prev = data[i - 1]
                while run < 258 && i + run < data.count && data[i + run] == prev { run += 1 }
            }
            if run >= 3 {
                var code = lengthBase.count - 1
                while lengthBase[code] > run { code -= 1 }
                writeSymbol(&w, 257 + code)
                if lengthExtra[code] > 0 { w.write(UInt32(run - lengthBase[code]), bits: lengthExtra[code]) }
                w.writeCode(0, bits: 5)  // distance code 0 = distance 1
                i += run
            } else {
                writeSymbol(&w, Int(data[i]))
                i += 1
            }
        }
        writeSymbol(&w, 256)
        return w.finish()
    }

    /// Adler-32 of `data` (RFC 1950): `(B << 16) | A`, `A = 1 + Σ d`, `B = Σ A`, both mod 65521.
    public static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        while i < data.count {
            let end = min(data.count, i + 5552)  // largest block without UInt32 overflow
            while i < end {
                a += UInt32(data[i])
                b += a
                i += 1
            }
            a %= 65521
            b %= 65521
        }
        return b << 16 | a
    }

    /// CRC-32 (polynomial 0xEDB88320, reflected) table.
    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 of `bytes` as used by PNG chunks.
    public static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func appendBigEndian(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func appendChunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        appendBigEndian(&out, UInt32(data.count))
        let typed = Array(type.utf8) + data
        out += typed
        appendBigEndian(&out, crc32(typed))
    }
}
