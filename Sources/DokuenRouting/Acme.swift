import DokuenCore

/// Why an ACME setting or name was refused: one line, `invalid --acme-email "a b": …`.
public struct AcmeRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// The account e-mail an ACME CA is given (`dokuend --acme-email`): one `@`, a local part of printable ASCII without
/// spaces, quotes, `\`, `<>`, `,;:` or parentheses, and a domain that is a hostname with a dot. lego gets it as one
/// argv word; this check is what keeps it a plain address in the account file and the CA's records.
public struct AcmeEmail: Equatable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// `what` names the value in a refusal: dokuend's option, or an alert channel's `e-mail address`.
    public init(_ text: String, what: String = "--acme-email") throws(AcmeRefusal) {
        func refuse(_ reason: String) -> AcmeRefusal {
            AcmeRefusal("invalid \(what) \(Quoting.quoted(text)): \(reason)")
        }
        guard text.utf8.count <= 254 else { throw refuse("it is longer than 254 characters") }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw refuse("it takes one @, as in admin@example.com") }
        let local = parts[0]
        guard (1...64).contains(local.utf8.count) else { throw refuse("the part before @ takes 1 to 64 characters") }
        let forbidden: Set<UInt8> = Set("\"'\\<>(),;:[]` ".utf8)
        if let bad = local.unicodeScalars.enumerated().first(where: {
            !$0.element.isASCII || $0.element.value < 0x21 || $0.element.value == 0x7F
                || forbidden.contains(UInt8($0.element.value))
        }) {
            throw refuse("it contains \(Quoting.describe(bad.element, at: bad.offset + 1))")
        }
        guard !local.hasPrefix("-") else { throw refuse("it begins with '-'") }
        let domain: Hostname
        do { domain = try Hostname(String(parts[1])) } catch { throw refuse("its domain: \(error)") }
        guard domain.rawValue.contains(".") else { throw refuse("its domain has no dot") }
        rawValue = local + "@" + domain.rawValue
    }

    public var description: String { rawValue }
}

/// An ACME CA's directory URL (`dokuend --acme-directory`, RFC 8555 §7.1.1): `https://HOST[:PORT]/PATH`, or `http://`
/// for a CA on the loopback only (a test CA); no user information, query, fragment, quotes, spaces or control
/// characters. lego gets it as one argv word.
public struct AcmeDirectory: Equatable, Sendable, CustomStringConvertible {
    public static let letsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"
    public let rawValue: String

    public init(_ text: String) throws(AcmeRefusal) {
        func refuse(_ reason: String) -> AcmeRefusal {
            AcmeRefusal("invalid --acme-directory \(Quoting.quoted(text)): \(reason)")
        }
        let secure = text.hasPrefix("https://")
        guard secure || text.hasPrefix("http://") else {
            throw refuse("it takes an https:// URL, as in \(Self.letsEncrypt)")
        }
        let rest = text.dropFirst(secure ? 8 : 7)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        guard !authority.isEmpty else { throw refuse("it has no host") }
        guard !authority.contains("@") else { throw refuse("it has user information; a directory URL needs none") }
        let pathAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/%+=".utf8)
        if let bad = path.unicodeScalars.enumerated().first(where: {
            !$0.element.isASCII || !pathAllowed.contains(UInt8($0.element.value))
        }) {
            throw refuse(
                "its path contains \(Quoting.describe(bad.element, at: bad.offset + 1)); only letters, digits and "
                    + "-._~/%+= are allowed (no query or fragment)")
        }
        var host = String(authority)
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            let port = host[host.index(after: colon)...]
            guard let number = Int(port), (1...65_535).contains(number), port.allSatisfy(\.isASCII) else {
                throw refuse("its port \(Quoting.quoted(String(port))) is not a number from 1 to 65535")
            }
            host = String(host[..<colon])
        }
        let loopback = ["127.0.0.1", "localhost", "[::1]"].contains(host.lowercased())
        if host != "[::1]" && !Self.isIPv4(host) {
            do { _ = try Hostname(host) } catch { throw refuse("its host: \(error)") }
        }
        guard secure || loopback else {
            throw refuse("plain http:// is for a CA on this machine's loopback only (127.0.0.1, [::1], localhost)")
        }
        rawValue = text
    }

    public var description: String { rawValue }

    /// Four numbers 0-255 without leading zeros, as in 127.0.0.1.
    public static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                part.allSatisfy { $0.isASCII && $0.isNumber } && (part == "0" || !part.hasPrefix("0"))
                    && Int(part).map { (0...255).contains($0) } == true
            }
    }
}

/// When dokuend next asks its CA for a certificate (docs/CERTS.md, Renewal). Pure: tested without a clock.
///
/// Rules: a certificate is renewed when it has less than `renewBefore` (30 days) left; one that dokuend has not
/// obtained yet (or cannot read) is due at once. After a failed attempt the next one waits a backoff that starts at
/// one minute and doubles with each failure in a row (1, 2, 4, … min), capped at six hours; a success resets the
/// count. A forced attempt (`dokuen certs renew`) runs at once whatever the plan says.
public struct RenewalPlan: Equatable, Sendable {
    public static let renewBefore: Int64 = 30 * 86_400
    public static let firstRetry: Int64 = 60
    public static let maximumRetry: Int64 = 6 * 3600
    /// `status` warns about a certificate that expires within this (14 days).
    public static let warnBefore: Int64 = 14 * 86_400

    /// The delay after `failures` failed attempts in a row (1 → 1 min, 2 → 2 min, … capped at 6 h).
    public static func backoff(failures: Int) -> Int64 {
        guard failures > 0 else { return 0 }
        let shift = min(failures - 1, 20)
        return min(firstRetry << Int64(shift), maximumRetry)
    }

    /// When a certificate expiring at `notAfter` (nil: none yet) is due for renewal.
    public static func renewalDue(notAfter: Int64?) -> Int64 {
        guard let notAfter else { return 0 }
        return notAfter - renewBefore
    }

    /// The next attempt: when the certificate is due, or, after `failures` failures in a row with the last at
    /// `lastAttempt`, not before that attempt plus the backoff.
    public static func nextAttempt(notAfter: Int64?, failures: Int, lastAttempt: Int64?) -> Int64 {
        let due = renewalDue(notAfter: notAfter)
        guard failures > 0, let lastAttempt else { return due }
        return max(due, lastAttempt + backoff(failures: failures))
    }

    /// Whether `status` should warn: the last attempt failed, or the certificate expires within 14 days.
    public static func needsWarning(notAfter: Int64?, failures: Int, now: Int64) -> Bool {
        failures > 0 || (notAfter.map { $0 - now < warnBefore } ?? false)
    }
}
