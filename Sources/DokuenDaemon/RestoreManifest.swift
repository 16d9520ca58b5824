#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `backup/manifest.json` of a snapshot (docs/BACKUP.md, the snapshot, format 1), as a restore reads it: only what a
/// restore needs, so that keys a later format adds are ignored rather than refused (`format` says when a snapshot is
/// too new to read).
struct RestoreManifest: Decodable, Sendable {
    /// The newest snapshot format this build reads.
    static let knownFormat = 1

    struct App: Decodable, Sendable {
        var name: String
        /// The SQLite databases of `data/`, relative to it, whose online copies are in `backup/data/APP/`.
        var sqliteCopies: [String]?
    }

    struct Dump: Decodable, Sendable {
        var database: String?
        var path: String
    }

    struct Addon: Decodable, Sendable {
        var name: String
        var kind: String
        var version: String?
        var dumps: [Dump]?
    }

    var format: Int
    var createdAt: String?
    var hostname: String?
    var root: String?
    var schemaVersion: Int
    var withBuilds: Bool?
    var daemonArguments: [String]?
    var apps: [App]
    var addons: [Addon]?

    static func decode(_ bytes: [UInt8]) throws -> RestoreManifest {
        try JSONDecoder().decode(RestoreManifest.self, from: Data(bytes))
    }
}
