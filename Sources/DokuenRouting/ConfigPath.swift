import DokuenCore

/// An absolute path that may appear bare in an nginx directive (`root`, `ssl_certificate`): nothing in it can end
/// the directive, open a block, start a variable or a quoted string, or break the line.
///
/// Allowed: ASCII letters, digits and `/ . _ - + @`, so whitespace, `;`, `{`, `}`, quotes, `$`, `\`, `#`,
/// NUL and non-ASCII are all refused, as are relative paths, `//`, and `.` or `..` components (the path is used as
/// written, so it should say where it points). A trailing `/` is dropped.
public struct ConfigPath: Hashable, Sendable, CustomStringConvertible {
    /// PATH_MAX minus its NUL.
    public static let maxLength = 4095

    public let rawValue: String

    public init(_ text: String) throws(RoutingError) {
        func refuse(_ reason: String) -> RoutingError { .invalidPath(text, reason: reason) }
        guard text.hasPrefix("/") else { throw refuse("it is not absolute") }
        if text.utf8.count > Self.maxLength {
            throw refuse("it is \(text.utf8.count) bytes long; the limit is \(Self.maxLength)")
        }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "/", ".", "_", "-", "+", "@": continue
            default:
                throw refuse(
                    "it contains \(Quoting.describe(scalar, at: offset + 1)); "
                        + "only letters, digits and / . _ - + @ are allowed")
            }
        }
        var path = text
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        let components = path == "/" ? [] : path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for component in components {
            if component.isEmpty { throw refuse("it contains '//'") }
            if component == "." || component == ".." { throw refuse("it contains a '\(component)' component") }
        }
        rawValue = path
    }

    public var description: String { rawValue }
}
