import DokuenAPI
import Foundation
import Testing

/// manifest.json, format 1: the keys docs/BACKUP.md shows, explicit nulls for an app never released, and a round
/// trip, since the restore side decodes what the backup side encodes.
@Suite struct BackupManifestTests {
    static let manifest = BackupManifest(
        createdAt: "2026-12-05T03:00:00Z", dokuenVersion: "0.1.0", hostname: "home", root: "/var/lib/dokuen",
        schemaVersion: 11, withBuilds: false, daemonArguments: ["--ports", "5000-5999"],
        apps: [
            .init(name: "blog", release: 7, commit: "0123abc", sqliteCopies: ["db/blog.sqlite"]),
            .init(name: "new", release: nil, commit: nil, sqliteCopies: []),
        ],
        addons: [
            .init(
                name: "db", kind: "postgres", version: "15",
                dumps: [.init(database: "blog", path: "backup/addons/db/blog.dump")])
        ])

    @Test func encodesAsTheContractSays() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(Self.manifest), as: UTF8.self)
        #expect(
            text
                == #"{"addons":[{"dumps":[{"database":"blog","path":"backup/addons/db/blog.dump"}],"kind":"postgres","name":"db","version":"15"}],"#
                + #""apps":[{"commit":"0123abc","name":"blog","release":7,"sqliteCopies":["db/blog.sqlite"]},"#
                + #"{"commit":null,"name":"new","release":null,"sqliteCopies":[]}],"createdAt":"2026-12-05T03:00:00Z","#
                + #""daemonArguments":["--ports","5000-5999"],"dokuenVersion":"0.1.0","format":1,"hostname":"home","#
                + #""root":"/var/lib/dokuen","schemaVersion":11,"withBuilds":false}"#)
        #expect(try JSONDecoder().decode(BackupManifest.self, from: Data(text.utf8)) == Self.manifest)
    }

    @Test func readsTheDocumentedExample() throws {
        let example = """
            {"format": 1, "createdAt": "2026-12-05T03:00:00Z", "dokuenVersion": "x", "hostname": "home",
             "root": "/var/lib/dokuen", "schemaVersion": 10, "withBuilds": false,
             "daemonArguments": ["--ports", "5000-5999", "--base-domain", "home.example"],
             "apps": [{"name": "blog", "release": 7, "commit": "0123", "sqliteCopies": ["db/blog.sqlite"]}],
             "addons": [{"name": "db", "kind": "postgres", "version": "15",
                         "dumps": [{"database": "blog", "path": "backup/addons/db/blog.dump"}]}]}
            """
        let manifest = try JSONDecoder().decode(BackupManifest.self, from: Data(example.utf8))
        #expect(manifest.format == BackupManifest.currentFormat && manifest.apps.first?.release == 7)
        #expect(manifest.addons.first?.dumps.first?.path == "backup/addons/db/blog.dump")
    }
}
