/// An 8-bit sRGB colour, and the palettes the plots use.
public struct RGB: Equatable, Hashable, Sendable {
    /// Red, green, blue in 0…255.
    public var r: UInt8, g: UInt8, b: UInt8

    /// A colour from its components.
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `#rrggbb`.
    public var hex: String {
        "#" + [r, g, b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// `(1 − t)·self + t·other`, componentwise, rounded.
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        func m(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - t) + Double(b) * t).rounded()) }
        return RGB(m(r, other.r), m(g, other.g), m(b, other.b))
    }

    /// `#ffffff`.
    public static let white = RGB(255, 255, 255)
    /// `#000000`.
    public static let black = RGB(0, 0, 0)
    /// Axis frames and tick marks.
    public static let axis = RGB(90, 90, 90)
    /// Light grid lines.
    public static let grid = RGB(225, 225, 225)

    /// Strong colours for classes and series: blue, red, green, purple, orange, brown, pink, cyan.
    public static let palette: [RGB] = [
        RGB(31, 119, 180), RGB(214, 39, 40), RGB(44, 160, 44), RGB(148, 103, 189),
        RGB(255, 127, 14), RGB(140, 86, 75), RGB(227, 119, 194), RGB(23, 190, 207),
    ]

    /// The colour of class `c` (cycling through ``palette``; negative classes use the first).
    public static func classColor(_ c: Int) -> RGB { palette[max(0, c) % palette.count] }

    /// The light colour of class `c`'s decision region (``classColor(_:)`` mixed 78 % with white).
    public static func regionColor(_ c: Int) -> RGB { classColor(c).mixed(with: .white, 0.78) }
}
