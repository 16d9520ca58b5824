/// A secret of the dashboard, as `GET /v1/dashboard/token` and `POST /v1/dashboard/token/rotate` answer it
/// (docs/DASHBOARD.md): the sign-in token, or with `?metrics=1` the bearer token of `/metrics`.
public struct DashboardToken: Codable, Equatable, Sendable {
    /// `sign-in` or `metrics`.
    public var kind: String
    /// 64 lowercase hex digits (32 random bytes).
    public var token: String
    /// The 0600 file that holds it.
    public var path: String
    /// True when this answer made it (the first ask, or a rotation).
    public var created: Bool

    public init(kind: String, token: String, path: String, created: Bool) {
        self.kind = kind
        self.token = token
        self.path = path
        self.created = created
    }
}
