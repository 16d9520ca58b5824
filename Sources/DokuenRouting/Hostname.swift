public import DokuenCore

/// A hostname that may appear in nginx's `server_name`: DNS letters, digits and hyphens only (RFC 1123 §2.1), so
/// nothing a user types can break out of the directive (docs/DESIGN.md invariant 4).
///
/// Rules, checked in this order:
/// - ASCII only. An internationalized name must be given in its IDNA form (`xn--bcher-kva.example`); there is
///   no IDNA library here, so `bücher.example` is refused with that hint rather than converted.
/// - Uppercase ASCII letters are lowered (DNS names compare without case); every other character outside
///   `a-z 0-9 - .` is refused: `_`, `*` (no wildcards), `:` (no IPv6 literals), spaces, quotes, `;`, `$`, …
/// - Dot-separated labels of 1 to 63 characters, none starting or ending with `-`; 253 characters in all.
///   No empty label, so no leading, trailing (`example.com.`) or doubled dot.
/// - The last label is not all digits (RFC 3696 §2), which refuses IPv4 literals such as `127.0.0.1`.
/// - A single label (`localhost`, `intranet`) is accepted: the base domain defaults to `localhost`.
///
/// Punycode labels (`xn--…`) pass as ordinary LDH labels; their encoding is not decoded or checked.
public struct Hostname: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maxLength = 253
    public static let maxLabelLength = 63

    /// Lowercase, validated.
    public let rawValue: String

    public init(_ text: String) throws(RoutingError) {
        switch Self.normalized(text) {
        case .success(let name): rawValue = name
        case .failure(let error): throw error
        }
    }

    /// `<app>.<base domain>`, the name every app gets.
    public init(app: AppName, base: Hostname) throws(RoutingError) {
        try self.init(app.rawValue + "." + base.rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Hostname, rhs: Hostname) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func normalized(_ text: String) -> Result<String, RoutingError> {
        func refuse(_ reason: String) -> Result<String, RoutingError> {
            .failure(.invalidHostname(text, reason: reason))
        }
        var lowered = String.UnicodeScalarView()
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "a"..."z", "0"..."9", "-", ".": lowered.append(scalar)
            case "A"..."Z": lowered.append(Unicode.Scalar(scalar.value + 32)!)
            default:
                if !scalar.isASCII {
                    return refuse(
                        "it contains \(Quoting.describe(scalar, at: offset + 1)); "
                            + "give an internationalized name in its IDNA form (xn--...)")
                }
                return refuse(
                    "it contains \(Quoting.describe(scalar, at: offset + 1)); only letters, digits, '-' and '.' are allowed"
                )
            }
        }
        let name = String(lowered)
        if name.isEmpty { return refuse("it is empty") }
        if name.utf8.count > maxLength {
            return refuse("it is \(name.utf8.count) characters long; the limit is \(maxLength)")
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for (index, label) in labels.enumerated() {
            let position = index + 1
            if label.isEmpty {
                if index == 0 { return refuse("it starts with '.'") }
                if index == labels.count - 1 { return refuse("it ends with '.'") }
                return refuse("label \(position) is empty ('..')")
            }
            if label.utf8.count > maxLabelLength {
                return refuse(
                    "label \(position) is \(label.utf8.count) characters long; the limit is \(maxLabelLength)")
            }
            if label.hasPrefix("-") { return refuse("label \(position) (\(label)) starts with '-'") }
            if label.hasSuffix("-") { return refuse("label \(position) (\(label)) ends with '-'") }
        }
        if labels.last!.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            return refuse("its last label is all digits; IP addresses are not hostnames")
        }
        return .success(name)
    }
}
