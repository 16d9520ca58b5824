/// Where the dashboard listens: `HOST:PORT` from `dokuend --dashboard` (docs/DASHBOARD.md). The host is an IPv4
/// address, an IPv6 address in brackets, or `localhost`: an explicit address, never a name to resolve, so that what
/// listens is what the owner wrote. 127.0.0.1 is the advice; another address is taken as chosen.
public struct DashboardAddress: Equatable, Sendable, CustomStringConvertible {
    /// The address to bind, without brackets.
    public let host: String
    public let port: Int

    public init(_ text: String) throws(DashboardError) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .invalidAddress(text, reason: "an IPv6 address is written [ADDRESS]:PORT")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
            guard Self.isIPv6(hostPart) else {
                throw .invalidAddress(text, reason: "\(hostPart) is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw .invalidAddress(text, reason: "it is HOST:PORT, for example 127.0.0.1:8081")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            guard hostPart == "localhost" || Self.isIPv4(hostPart) else {
                throw .invalidAddress(
                    text, reason: "the host is an IP address (127.0.0.1, [::1]) or localhost, not a name to look up")
            }
        }
        guard portPart.utf8.count <= 5, portPart.utf8.allSatisfy({ (48...57).contains($0) }), let port = Int(portPart),
            (1...65535).contains(port)
        else {
            throw .invalidAddress(text, reason: "the port is a whole number from 1 to 65535")
        }
        host = hostPart == "localhost" ? "127.0.0.1" : String(hostPart)
        self.port = port
    }

    /// Whether only this machine can connect: 127.0.0.0/8 or ::1.
    public var isLoopback: Bool { host.hasPrefix("127.") || host == "::1" }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                (1...3).contains(part.utf8.count) && part.utf8.allSatisfy { (48...57).contains($0) }
                    && Int(part)! <= 255 && (part.utf8.count == 1 || part.utf8.first != 48)
            }
    }

    static func isIPv6(_ text: Substring) -> Bool {
        let allowed = text.utf8.allSatisfy {
            (48...58).contains($0) || (97...102).contains($0) || (65...70).contains($0)
        }
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        let compressions = text.ranges(of: "::").count
        guard allowed, (3...8).contains(groups.count), compressions <= 1 else { return false }
        guard groups.allSatisfy({ $0.utf8.count <= 4 }) else { return false }
        return compressions == 1 || groups.count == 8
    }
}
