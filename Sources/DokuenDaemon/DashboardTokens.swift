import DokuenAPI
import DokuenCore
import DokuenPosix

/// The dashboard's two secrets (docs/DASHBOARD.md): the sign-in token and the bearer token of `/metrics`, each 32
/// random bytes written as 64 hex digits in a 0600 file of `RootLayout.dashboardDirectory` (0700). The first ask makes
/// one; a rotation replaces it, which ends every dashboard session (the dashboard compares a session's token with the
/// file's at each request). An actor, so that two first asks at once make one token, not two.
public actor DashboardTokens {
    /// Which secret.
    public enum Kind: String, Sendable {
        case signIn = "sign-in"
        case metrics
    }

    let layout: RootLayout

    public init(layout: RootLayout) { self.layout = layout }

    func path(_ kind: Kind) -> String { kind == .signIn ? layout.dashboardToken : layout.metricsToken }

    /// The current token, made first when there is none (or the file does not hold one).
    public func current(_ kind: Kind) throws -> DashboardToken {
        if let bytes = try? Posix.readFile(path(kind)) {
            let text = String(decoding: bytes, as: UTF8.self).trimmingSuffix(while: { $0 == "\n" })
            if Self.isToken(text) {
                return DashboardToken(kind: kind.rawValue, token: text, path: path(kind), created: false)
            }
        }
        return try rotate(kind)
    }

    /// A new token in place of the old one.
    public func rotate(_ kind: Kind) throws -> DashboardToken {
        try Posix.mkdir(layout.dashboardDirectory, mode: 0o700, existingOK: true)
        try Posix.chmod(layout.dashboardDirectory, 0o700)
        let token = Self.make()
        try AtomicFile.write(Array((token + "\n").utf8), to: path(kind), mode: 0o600)
        return DashboardToken(kind: kind.rawValue, token: token, path: path(kind), created: true)
    }

    /// 32 random bytes as 64 hex digits.
    static func make() -> String { RandomHex.digits(bytes: 32) }

    static func isToken(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var text = self
        while let last = text.last, predicate(last) { text.removeLast() }
        return text
    }
}
