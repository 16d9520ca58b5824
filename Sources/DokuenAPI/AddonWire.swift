/// `GET /v1/addons`, `GET /v1/addons/NAME` (docs/ADDONS.md): an add-on and the apps linked to it. `state` is
/// `RUNNING` only when the server answers (pg_isready, Redis PING), not when its process exists.
public struct AddonInfo: Codable, Equatable, Sendable {
    public var name: String
    public var kind: String
    /// The server's major version recorded at create.
    public var version: String
    public var state: String
    public var port: Int
    public var pid: Int32?
    public var restarts: Int
    /// The bytes of its data directory.
    public var dataBytes: Int64
    public var createdAt: Int64
    public var links: [AddonLinkInfo]

    public init(
        name: String, kind: String, version: String, state: String, port: Int, pid: Int32?, restarts: Int,
        dataBytes: Int64, createdAt: Int64, links: [AddonLinkInfo]
    ) {
        self.name = name
        self.kind = kind
        self.version = version
        self.state = state
        self.port = port
        self.pid = pid
        self.restarts = restarts
        self.dataBytes = dataBytes
        self.createdAt = createdAt
        self.links = links
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, version, state, port, pid, restarts, links
        case dataBytes = "data_bytes"
        case createdAt = "created_at"
    }
}

/// One app linked to an add-on: the config key its URL is in, and whether it restarts after the add-on did.
public struct AddonLinkInfo: Codable, Equatable, Sendable {
    public var app: String
    public var key: String
    public var follow: Bool

    public init(app: String, key: String, follow: Bool) {
        self.app = app
        self.key = key
        self.follow = follow
    }
}

/// `POST /v1/addons`.
public struct CreateAddonRequest: Codable, Equatable, Sendable {
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }
}

/// `POST /v1/addons/NAME/links`: link `app`, its URL in `<alias>_URL` (default `DATABASE` or `REDIS`).
public struct LinkAddonRequest: Codable, Equatable, Sendable {
    public var app: String
    public var alias: String?
    /// Restart the app after the add-on restarts (default true).
    public var follow: Bool?

    public init(app: String, alias: String? = nil, follow: Bool? = nil) {
        self.app = app
        self.alias = alias
        self.follow = follow
    }
}

/// The answer of a link or an unlink: the config key and the release the change made (nil before the app's first
/// release).
public struct AddonLinkResult: Codable, Equatable, Sendable {
    public var addon: String
    public var app: String
    public var key: String
    public var release: String?

    public init(addon: String, app: String, key: String, release: String?) {
        self.addon = addon
        self.app = app
        self.key = key
        self.release = release
    }
}

/// `GET /v1/addons/NAME/connect`: the client to run as the add-on's superuser (`dokuen addons connect`), with the
/// password in its environment, never on its command line.
public struct AddonConnectSpec: Codable, Equatable, Sendable {
    public var program: String
    public var arguments: [String]
    public var environment: [String: String]

    public init(program: String, arguments: [String], environment: [String: String]) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
    }
}

/// `POST /v1/addons/NAME/restore`: what was replaced (`database`: the app database of a PostgreSQL add-on).
public struct AddonRestoreResult: Codable, Equatable, Sendable {
    public var addon: String
    public var database: String?
    public var bytes: Int64

    public init(addon: String, database: String?, bytes: Int64) {
        self.addon = addon
        self.database = database
        self.bytes = bytes
    }
}
