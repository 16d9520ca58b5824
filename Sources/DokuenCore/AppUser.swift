/// The Unix user (and group, of the same name) an app's processes, builds, release phase and `dokuen run` run as
/// when dokuend is root (docs/DESIGN.md §2, Privileges; docs/ISOLATION.md). One per app, made at `apps create`.
///
/// The naming rule, unique and stable: Linux names are at most 32 characters and app names up to 63, so
/// - an app name of up to 29 characters becomes `dk-<app>` (`dk-blog`);
/// - a longer one becomes `dk-<its first 20 characters>_<8 hex digits of FNV-1a-32 of the whole name>`.
///
/// App names never contain `_`, so the two forms never meet; two long names with the same first 20 characters differ
/// in their hash, and in the 1-in-4-billion case that they do not, the second app's create is refused (the
/// user's comment names the app it belongs to, `comment`).
public struct AppUser: Hashable, Sendable, CustomStringConvertible {
    /// What every app user's name starts with.
    public static let prefix = "dk-"
    /// The longest app name that is kept whole.
    public static let wholeNameLimit = 29

    public let app: AppName
    /// The user's (and its group's) name.
    public let name: String

    public init(_ app: AppName) {
        self.app = app
        let raw = app.rawValue
        if raw.utf8.count <= Self.wholeNameLimit {
            name = Self.prefix + raw
        } else {
            name = Self.prefix + String(raw.prefix(20)) + "_" + Self.hex(Self.fnv1a(raw))
        }
    }

    public var description: String { name }

    /// The passwd comment (GECOS) of the user: how dokuend knows that an existing user is this app's and no one
    /// else's.
    public var comment: String { "dokuen app " + app.rawValue }

    /// Whether a passwd comment marks some app's user (the control socket refuses those, whatever their groups).
    public static func isAppComment(_ comment: String) -> Bool { comment.hasPrefix("dokuen app ") }

    static func fnv1a(_ text: String) -> UInt32 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
