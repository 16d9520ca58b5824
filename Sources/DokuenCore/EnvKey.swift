/// The name of a config variable: `[A-Za-z_][A-Za-z0-9_]*`, what a POSIX shell accepts as a variable name.
/// It is also a file name in the app's envdir, so the rule keeps it out of path tricks.
public struct EnvKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Well under NAME_MAX (255), since the key is a file name.
    public static let maxLength = 200
    public let rawValue: String

    public init(_ text: String) throws(CoreError) {
        if let reason = Self.rejection(of: text) { throw .invalidEnvKey(text, reason: reason) }
        rawValue = text
    }

    public var description: String { rawValue }

    public static func < (lhs: EnvKey, rhs: EnvKey) -> Bool { lhs.rawValue < rhs.rawValue }

    static func rejection(of text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first else { return "it is empty" }
        switch first {
        case "a"..."z", "A"..."Z", "_": break
        case "0"..."9": return "it starts with a digit; keys start with a letter or '_'"
        default:
            return "it contains \(Quoting.describe(first, at: 1)); keys match [A-Za-z_][A-Za-z0-9_]*"
        }
        for (offset, scalar) in scalars.enumerated().dropFirst() {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": continue
            default:
                return "it contains \(Quoting.describe(scalar, at: offset + 1)); keys match [A-Za-z_][A-Za-z0-9_]*"
            }
        }
        if scalars.count > maxLength { return "it is \(scalars.count) characters long; the limit is \(maxLength)" }
        return nil
    }
}
