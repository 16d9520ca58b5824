import DokuenCore
import DokuenPosix
import Testing

@testable import DokuenStore

/// One writer per database, and read-only opens beside it.
@Suite(.timeLimit(.minutes(2))) struct StoreOpeningTests {
    @Test func aSecondWriterIsRefusedUntilTheFirstCloses() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/dokuen.sqlite"
            let first = try Store.open(path: path)
            let lockPath = path + ".lock"
            #expect(throws: StoreError.writerLocked(lockPath: lockPath)) { try Store.open(path: path) }
            #expect(
                StoreError.writerLocked(lockPath: lockPath).description
                    == "unable to open the store for writing: another dokuend holds the writer lock \(lockPath)")
            try await first.createApp(appName("blog"), actor: "alice")
            await first.close()
            await #expect(throws: StoreError.closed) { try await first.apps() }

            let second = try Store.open(path: path)
            #expect(try await second.apps().map(\.name) == [appName("blog")])
            await second.close()
        }
    }

    @Test func theWriterLockIsDroppedWhenTheStoreGoesAway() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/dokuen.sqlite"
            do {
                let store = try Store.open(path: path)
                try await store.createApp(appName("blog"), actor: "alice")
            }
            // No close: the last reference went away, and with it the FileLock.
            let again = try Store.open(path: path)
            await again.close()
        }
    }

    @Test func aReadOnlyStoreReadsBesideTheWriterAndWritesNothing() async throws {
        try await withStore { writer, path in
            try await writer.createApp(appName("blog"), actor: "alice")
            let reader = try Store.openReadOnly(path: path)
            #expect(try await reader.apps().map(\.name) == [appName("blog")])
            await #expect {
                try await reader.createApp(appName("other"), actor: "alice")
            } throws: { error in
                guard case .sql(let failure) = error as? StoreError else { return false }
                return failure.code == 8  // SQLITE_READONLY
            }
            try await writer.createApp(appName("later"), actor: "alice")
            #expect(try await reader.apps().count == 2)
            await reader.close()
        }
    }

    @Test func aReadOnlyOpenDoesNotMigrate() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/dokuen.sqlite"
            try withRawDatabase(path) { try Migrations.migrate($0, to: 0) }
            #expect(throws: StoreError.schemaTooOld(path: path, found: 0, needed: Store.schemaVersion)) {
                try Store.openReadOnly(path: path)
            }
            #expect(throws: (any Error).self) { try Store.openReadOnly(path: directory + "/missing.sqlite") }
            #expect(try Posix.lstat(directory + "/missing.sqlite") == nil)
        }
    }
}
