/// The name of an app: a DNS label, so that `<app>.<base domain>` is a valid hostname and the name is safe in
/// paths, nginx configs and shells. Lowercase letters, digits and `-`, 1 to 63 characters, no `-` at either end.
public struct AppName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maxLength = 63
    public let rawValue: String

    public init(_ text: String) throws(CoreError) {
        if let reason = Self.rejection(of: text) { throw .invalidAppName(text, reason: reason) }
        rawValue = text
    }

    public var description: String { rawValue }

    public static func < (lhs: AppName, rhs: AppName) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Why `text` is not an app name, or nil when it is one.
    static func rejection(of text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        if scalars.isEmpty { return "it is empty; an app name has 1 to \(maxLength) characters" }
        for (offset, scalar) in scalars.enumerated() {
            switch scalar {
            case "a"..."z", "0"..."9", "-": continue
            case "A"..."Z":
                return "it contains uppercase \(Quoting.describe(scalar, at: offset + 1)); app names are lowercase"
            default:
                return "it contains \(Quoting.describe(scalar, at: offset + 1)); "
                    + "only lowercase letters, digits and '-' are allowed"
            }
        }
        if scalars.count > maxLength {
            return "it is \(scalars.count) characters long; the limit is \(maxLength) (a DNS label)"
        }
        if scalars.first == "-" { return "it starts with '-'" }
        if scalars.last == "-" { return "it ends with '-'" }
        return nil
    }
}
