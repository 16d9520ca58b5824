/// The JSON bodies of dokuend's HTTP API (`/v1/…` on `run/dokuend.sock`). Keys are snake_case, times are UTC
/// seconds since the epoch. These types are the contract between dokuend and every client, curl included.

/// `GET /v1/health`.
public struct HealthResponse: Codable, Equatable, Sendable {
    public var version: String
    public var root: String
    public var apps: Int

    public init(version: String, root: String, apps: Int) {
        self.version = version
        self.root = root
        self.apps = apps
    }
}

/// One app, as `GET /v1/apps` and `GET /v1/apps/NAME` return it.
public struct AppInfo: Codable, Equatable, Sendable {
    public var name: String
    public var createdAt: Int64
    /// The current release (`v3`), nil before the first deploy.
    public var release: String?

    public init(name: String, createdAt: Int64, release: String?) {
        self.name = name
        self.createdAt = createdAt
        self.release = release
    }

    enum CodingKeys: String, CodingKey {
        case name
        case createdAt = "created_at"
        case release
    }
}

/// `POST /v1/apps`.
public struct CreateAppRequest: Codable, Equatable, Sendable {
    public var name: String

    public init(name: String) { self.name = name }
}

/// The body of every error response: one line, in the project's grammar, ready to print after `dokuen: error: `.
public struct ErrorBody: Codable, Equatable, Sendable {
    public var error: String

    public init(error: String) { self.error = error }
}
