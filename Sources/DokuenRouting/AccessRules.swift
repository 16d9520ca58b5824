/// Who may reach an app (`dokuen access`): nginx's `allow`/`deny` on the client address, and HTTP basic auth from
/// an htpasswd file. Rendered at the level of the server that serves the app; ACME http-01 challenges stay open
/// to everyone.
///
/// Order, as nginx reads it (the first rule that matches decides): every `deny` first, then every `allow`, then
/// `deny all` when there is at least one `allow` (an allow list makes the app private). With both address rules
/// and basic auth, a client needs both (`satisfy all`, nginx's default).
public struct AccessRules: Hashable, Sendable {
    public var deny: [CIDR]
    public var allow: [CIDR]
    /// The htpasswd file; nil: no basic auth.
    public var passwordFile: ConfigPath?

    public init(deny: [CIDR] = [], allow: [CIDR] = [], passwordFile: ConfigPath? = nil) {
        self.deny = deny
        self.allow = allow
        self.passwordFile = passwordFile
    }

    public static let open = AccessRules()

    public var isOpen: Bool { deny.isEmpty && allow.isEmpty && passwordFile == nil }
}
