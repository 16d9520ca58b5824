import DokuenCore

/// A user name of an htpasswd file (`dokuen access APP basic-auth USER`): 1 to 64 printable ASCII characters,
/// without `:` (the file's separator), whitespace, quotes or `\`, so that the file has one entry per line and the
/// name means the same to nginx as to the user.
public struct BasicAuthUser: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maxLength = 64
    public let rawValue: String

    public init(_ text: String) throws(RoutingError) {
        func refuse(_ reason: String) -> RoutingError { .invalidUser(text, reason: reason) }
        guard !text.isEmpty else { throw refuse("it is empty") }
        guard text.utf8.count <= Self.maxLength else {
            throw refuse("it is \(text.utf8.count) characters long; the limit is \(Self.maxLength)")
        }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case ":", " ", "\"", "'", "\\":
                throw refuse(
                    "it contains \(Quoting.describe(scalar, at: offset + 1)); ':', spaces, quotes and '\\' are not "
                        + "allowed")
            case "!"..."~": continue
            default:
                throw refuse(
                    "it contains \(Quoting.describe(scalar, at: offset + 1)); only printable ASCII is allowed")
            }
        }
        rawValue = text
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A password hash for an htpasswd file, as `openssl passwd -6` (SHA-crypt, `$6$`) or `htpasswd -B` (bcrypt,
/// `$2y$`) print it; checked character by character, since it is written into a file nginx reads.
public struct PasswordHash: Hashable, Sendable {
    public let rawValue: String

    public init(_ text: String) throws(RoutingError) {
        let alphabet = { (c: UInt8) -> Bool in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: ".")
                || c == UInt8(ascii: "/")
        }
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        let valid: Bool
        if text.hasPrefix("$6$") {
            // $6$[rounds=N$]salt$hash: salt up to 16 characters, hash 86.
            let fields = Array(parts.dropFirst(2))
            let body = fields.first?.hasPrefix("rounds=") == true ? Array(fields.dropFirst()) : fields
            valid =
                body.count == 2 && (1...16).contains(body[0].utf8.count) && body[1].utf8.count == 86
                && body.allSatisfy { $0.utf8.allSatisfy(alphabet) }
                && (fields.count == 2
                    || fields[0].dropFirst(7).allSatisfy({ $0.isASCII && $0.isNumber })
                        && fields[0].utf8.count <= 16)
        } else if parts.count == 4, ["2a", "2b", "2y"].contains(parts[1]) {
            valid =
                parts[2].utf8.count == 2 && parts[2].allSatisfy({ $0.isASCII && $0.isNumber })
                && parts[3].utf8.count == 53 && parts[3].utf8.allSatisfy(alphabet)
        } else {
            valid = false
        }
        guard valid else {
            throw .invalidPasswordHash(reason: "it is not a SHA-crypt ($6$) or bcrypt ($2y$) hash")
        }
        rawValue = text
    }
}
