/// The name of a buildpack: `[a-z0-9-]{1,63}`, not starting with `-`. It is a directory name under
/// `<root>/buildpacks/` and a word in commands and messages, so nothing else is allowed (invariant 4).
public struct BuildpackName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maxLength = 63
    public let rawValue: String

    public init(_ text: String) throws(BuildError) {
        if let reason = Self.rejection(of: text) { throw .invalidName(text, reason: reason) }
        rawValue = text
    }

    public var description: String { rawValue }

    public static func < (lhs: BuildpackName, rhs: BuildpackName) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Why `text` is not a buildpack name, or nil when it is one.
    public static func rejection(of text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first else { return "it is empty; a buildpack name has 1 to \(maxLength) characters" }
        for (offset, scalar) in scalars.enumerated() {
            switch scalar {
            case "a"..."z", "0"..."9", "-": continue
            default:
                let shown = scalar.value < 0x20 || scalar.value == 0x7F ? "a control character" : "'\(scalar)'"
                return "it contains \(shown) at position \(offset + 1); only a-z, 0-9 and '-' are allowed"
            }
        }
        if first == "-" { return "it starts with '-'" }
        if scalars.count > maxLength { return "it is \(scalars.count) characters long; the limit is \(maxLength)" }
        return nil
    }
}
