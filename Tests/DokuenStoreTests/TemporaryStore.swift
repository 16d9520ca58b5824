import DokuenCore
import TestSupport
import Testing

@testable import DokuenStore

// Helpers for the store's tests (docs/ARCHITECTURE.md, test layers): each test gets a fresh SQLite file in its own
// temporary directory, and a clock it controls.

/// The time every test store reads from its clock: 2026-01-01T00:00:00Z.
let testNow: Int64 = 1_767_225_600

/// Runs `body` with a new directory `/tmp/dk-store-XXXXXX`, removed afterwards whatever happens.
@discardableResult
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory("store")
    defer { directory.remove() }
    return try await body(directory.path)
}

/// Runs `body` with a freshly created, fully migrated store and its path; the store is closed afterwards.
@discardableResult
func withStore<T>(_ body: (Store, String) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let path = directory + "/dokuen.sqlite"
        let store = try Store.open(path: path, clock: { testNow })
        do {
            let result = try await body(store, path)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

/// A second, raw connection to the store's file, for what the Store API deliberately cannot do: write rows
/// that break the rules, or read the schema. WAL lets it run beside the store's own connection.
func withRawDatabase<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
    let database = try Database.open(path: path)
    defer { database.close() }
    return try body(database)
}

/// The one value of the first row of `sql`.
func scalar(_ database: Database, _ sql: String, _ values: [SQLValue] = []) throws -> SQLValue {
    try database.query(sql, values).first?.values.first ?? .null
}

/// Whether `body` fails with an SQLite error, and which: nil when it succeeds.
func sqliteFailure(_ body: () throws -> Void) -> SQLiteFailure? {
    do {
        try body()
        return nil
    } catch StoreError.sql(let failure) {
        return failure
    } catch {
        Issue.record("expected an SQLite error or none, got \(error)")
        return nil
    }
}

// Literals that are valid by construction, so tests read as data rather than as `try` chains.
func appName(_ text: String) -> AppName { try! AppName(text) }
func processType(_ text: String) -> ProcessType { try! ProcessType(text) }
func envKey(_ text: String) -> EnvKey { try! EnvKey(text) }
func releaseID(_ number: Int) -> ReleaseID { try! ReleaseID(number: number) }
/// The build stamp `seconds` after 2026-01-01T00:00:00Z.
func stamp(_ seconds: Int64) -> BuildStamp { try! BuildStamp(microsecondsSinceEpoch: (testNow + seconds) * 1_000_000) }

/// An app with one build (web and worker) and that build's first release, the fixture most tests start from.
@discardableResult
func makeReleasedApp(_ store: Store, _ name: String, env: [EnvKey: String] = [:]) async throws -> BuildRecord {
    try await store.createApp(appName(name), actor: "alice")
    let build = try await store.createBuild(
        app: appName(name), stamp: stamp(0), buildpack: "python", commit: "1a2b3c4",
        processes: [processType("web"): "gunicorn app:app", processType("worker"): "celery worker"], actor: "alice")
    try await store.createRelease(
        app: appName(name), buildID: build.id, env: env,
        formation: Formation(scales: [
            .init(type: processType("web"), count: 1), .init(type: processType("worker"), count: 1),
        ]),
        summary: "Deploy 1a2b3c4", actor: "alice")
    return build
}
