/// A release id, `v<N>` with N ≥ 1 and no leading zeros. `vN` counts successful releases only.
public struct ReleaseID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maxNumber = 999_999_999
    public let number: Int

    public init(number: Int) throws(CoreError) {
        guard number >= 1, number <= Self.maxNumber else {
            throw .invalidReleaseID("v\(number)", reason: "release numbers run from 1 to \(Self.maxNumber)")
        }
        self.number = number
    }

    /// Parses `v3`. A bare `3` is refused with a hint, so that `v3` stays the one spelling in scripts and logs.
    public init(_ text: String) throws(CoreError) {
        let utf8 = Array(text.utf8)
        guard utf8.first == UInt8(ascii: "v") else {
            if !utf8.isEmpty, utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
                throw .invalidReleaseID(text, reason: "release ids start with 'v'; did you mean v\(text)?")
            }
            throw .invalidReleaseID(text, reason: "expected v<N>, e.g. v3")
        }
        let digits = utf8.dropFirst()
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw .invalidReleaseID(text, reason: "expected v<N>, e.g. v3")
        }
        guard digits.first != UInt8(ascii: "0") else {
            throw .invalidReleaseID(text, reason: "release numbers start at 1 and have no leading zeros")
        }
        try self.init(number: Int(String(decoding: digits, as: UTF8.self))!)
    }

    public var description: String { "v\(number)" }

    /// The release after this one.
    public var next: ReleaseID { ReleaseID(unchecked: number + 1) }

    public static let first = ReleaseID(unchecked: 1)

    private init(unchecked number: Int) { self.number = number }

    public static func < (lhs: ReleaseID, rhs: ReleaseID) -> Bool { lhs.number < rhs.number }
}
