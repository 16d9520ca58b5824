import DokuenCore

/// Where a proxy sends requests (`dokuen proxies add NAME URL`): an address Dokuen does not run, for nginx's
/// `proxy_pass`. Parsed strictly and rendered from its parts, so nothing typed reaches nginx as typed.
///
/// Rules: the scheme is `http://` or `https://` (lowercase); the host is an IPv4 address, an IPv6 address in
/// brackets (`[fd00::10]`) or a hostname (`Hostname`'s rules); an optional port 1-65535; an optional path starting
/// with `/` of letters, digits and `-._~/%!*+,=:@&` only (no quotes, spaces, `;`, `{}`, `$`, `#`, `?`, `\`);
/// nothing else (no user info, no query, no fragment). 2048 characters at most. An alert's webhook or ntfy URL
/// (`dokuen notify add`, docs/ALERTS.md) may also have a query (`?` then the same characters and `?`), since hooks
/// often carry a token there.
public struct UpstreamURL: Hashable, Sendable, CustomStringConvertible {
    public let isHTTPS: Bool
    /// As rendered: dotted IPv4, `[…]` IPv6 in our canonical form, or a lowercase hostname.
    public let host: String
    public let port: Port?
    /// Empty, or starting with `/`.
    public let path: String

    public init(_ text: String, allowingQuery: Bool = false) throws(RoutingError) {
        func refuse(_ reason: String) -> RoutingError { .invalidUpstream(text, reason: reason) }
        guard text.utf8.count <= 2048 else { throw refuse("it is longer than 2048 characters") }
        for (offset, scalar) in text.unicodeScalars.enumerated() where !("!"..."~").contains(scalar) {
            throw refuse("it contains \(Quoting.describe(scalar, at: offset + 1))")
        }
        let rest: Substring
        if text.hasPrefix("http://") {
            isHTTPS = false
            rest = text.dropFirst(7)
        } else if text.hasPrefix("https://") {
            isHTTPS = true
            rest = text.dropFirst(8)
        } else {
            throw refuse("it must start with http:// or https://")
        }
        let authority = rest.prefix { $0 != "/" }
        let path = String(rest.dropFirst(authority.count))
        guard !authority.isEmpty else { throw refuse("it has no host") }
        guard !authority.contains("@") else { throw refuse("user information (user@host) is not allowed") }
        var hostText: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("its IPv6 address has no ']'") }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw refuse("only ':PORT' may follow the IPv6 address") }
                portText = after.dropFirst()
            }
            guard let bytes = CIDR.ipv6(String(hostText)) else {
                throw refuse("\(hostText) is not an IPv6 address")
            }
            host = "[" + CIDR.render(bytes) + "]"
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw refuse("an IPv6 address must be in brackets, as in http://[fd00::1]/") }
            hostText = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
            if let bytes = CIDR.ipv4(String(hostText)) {
                host = CIDR.render(bytes)
            } else {
                do throws(RoutingError) { host = try Hostname(String(hostText)).rawValue } catch {
                    throw refuse("its host is neither an IP address nor a valid hostname (\(error))")
                }
            }
        }
        if let portText {
            guard !portText.isEmpty, portText.utf8.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                !portText.hasPrefix("0"), let value = Int(portText), (1...65_535).contains(value)
            else { throw refuse("the port must be a number from 1 to 65535") }
            port = try Port(value)
        } else {
            port = nil
        }
        let query = allowingQuery ? path.firstIndex(of: "?") : nil
        for (offset, scalar) in path.unicodeScalars.enumerated() {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_", "~", "/", "%", "!", "*", "+", ",", "=", ":", "@", "&":
                continue
            case "?" where query != nil:
                continue
            default:
                throw refuse(
                    "its path contains \(Quoting.describe(scalar, at: offset + 1)); a path has letters, digits and "
                        + "-._~/%!*+,=:@& only (\(allowingQuery ? "and a query, " : "")no \(allowingQuery ? "" : "query or ")fragment)"
                )
            }
        }
        self.path = path
    }

    public var description: String {
        (isHTTPS ? "https://" : "http://") + host + (port.map { ":\($0)" } ?? "") + path
    }
}
