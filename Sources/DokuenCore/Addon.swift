/// What kind of backing service an add-on is (docs/ADDONS.md): a PostgreSQL server or a Redis server, run from
/// Debian's packages under a `dokuen-shim`, never in a container.
public enum AddonKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case postgres
    case redis

    /// Parses `postgres` or `redis` (`postgresql` is taken for `postgres`).
    public init(parsing text: String) throws(CoreError) {
        if text == "postgresql" {
            self = .postgres
            return
        }
        guard let kind = AddonKind(rawValue: text) else {
            throw .invalidAddonKind(text, reason: "the kinds are postgres and redis")
        }
        self = kind
    }

    public var description: String { rawValue }

    /// The config key a link sets when it names no alias: Heroku's `DATABASE_URL` and `REDIS_URL`.
    public var defaultAlias: String {
        switch self {
        case .postgres: "DATABASE"
        case .redis: "REDIS"
        }
    }

    /// The URL scheme of its connection strings.
    public var scheme: String {
        switch self {
        case .postgres: "postgres"
        case .redis: "redis"
        }
    }
}

/// The config key a link puts its URL in: `<ALIAS>_URL`, ALIAS being `[A-Z][A-Z0-9_]*` (at most 60 characters).
public struct AddonAlias: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ text: String) throws(CoreError) {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first else { throw .invalidAddonAlias(text, reason: "it is empty") }
        guard ("A"..."Z").contains(first) else {
            throw .invalidAddonAlias(
                text, reason: "it starts with \(Quoting.describe(first, at: 1)); aliases match [A-Z][A-Z0-9_]*")
        }
        for (offset, scalar) in scalars.enumerated().dropFirst() {
            switch scalar {
            case "A"..."Z", "0"..."9", "_": continue
            default:
                throw .invalidAddonAlias(
                    text,
                    reason: "it contains \(Quoting.describe(scalar, at: offset + 1)); aliases match [A-Z][A-Z0-9_]*")
            }
        }
        guard scalars.count <= 60 else {
            throw .invalidAddonAlias(text, reason: "it is \(scalars.count) characters long; the limit is 60")
        }
        rawValue = text
    }

    public var description: String { rawValue }

    /// The config key it names: `DATABASE` → `DATABASE_URL`.
    public var key: EnvKey { try! EnvKey(rawValue + "_URL") }
}

/// The Unix user (and group) an add-on's server runs as when dokuend is root, apart from every app's: `dka-<name>`
/// for names of up to 28 characters, else `dka-<first 19>_<8 hex digits of FNV-1a-32 of the name>` (32 at most).
/// App users start with `dk-`, so the two never meet. Its comment is `dokuen addon <name>`.
public struct AddonUser: Hashable, Sendable, CustomStringConvertible {
    public static let prefix = "dka-"
    public static let wholeNameLimit = 28

    public let addon: AppName
    public let name: String

    public init(_ addon: AppName) {
        self.addon = addon
        let raw = addon.rawValue
        if raw.utf8.count <= Self.wholeNameLimit {
            name = Self.prefix + raw
        } else {
            name = Self.prefix + String(raw.prefix(19)) + "_" + AppUser.hex(AppUser.fnv1a(raw))
        }
    }

    public var description: String { name }

    public var comment: String { "dokuen addon " + addon.rawValue }

    /// Whether a passwd comment marks an add-on's user (the control socket refuses those, as it refuses apps').
    public static func isAddonComment(_ comment: String) -> Bool { comment.hasPrefix("dokuen addon ") }
}

/// The names a PostgreSQL link makes: a role and a database named like the app (app names are `[a-z0-9-]`, so a
/// double-quoted identifier holds them as they are). The server's own names are refused as app names here.
public enum AddonDatabaseName {
    /// The add-on's superuser; `_` never appears in an app name, so no app's role can be it.
    public static let superuser = "dokuen_admin"
    /// Names PostgreSQL has already: an app of such a name cannot link to a PostgreSQL add-on.
    public static let reserved: Set<String> = ["postgres", "template0", "template1"]

    /// `"blog"`: the app's role and database as an SQL identifier.
    public static func identifier(_ app: AppName) -> String { "\"" + app.rawValue + "\"" }
}

/// A connection URL: `postgres://USER:PASSWORD@127.0.0.1:PORT/DB`, `redis://default:PASSWORD@127.0.0.1:PORT/0`. The
/// passwords dokuend makes are hex and the names `[a-z0-9-]`, so nothing needs escaping.
public enum AddonURL {
    public static func postgres(user: String, password: String, port: Int, database: String) -> String {
        "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)"
    }

    /// The user is Redis's `default` (ACL): redis-cli 7.0 does not authenticate `redis://:PASSWORD@…`.
    public static func redis(password: String, port: Int) -> String {
        "redis://default:\(password)@127.0.0.1:\(port)/0"
    }
}

/// What `dokuen config show` prints of a value unless asked to reveal it: the password of a URL with one
/// (`postgres://blog:s3cret@…` → `postgres://blog:****@…`), every other value as it is.
public enum SecretMask {
    public static let mask = "****"

    public static func masked(_ value: String) -> String {
        guard let colon = value.firstIndex(of: ":"), value[colon...].hasPrefix("://") else { return value }
        let rest = value[value.index(colon, offsetBy: 3)...]
        // The authority ends at the first '/', '?' or '#'; its userinfo at the last '@' in it.
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":"),
            authority.index(after: colon) < at
        else { return value }
        return String(value[..<authority.index(after: colon)]) + mask + String(value[at...])
    }
}
