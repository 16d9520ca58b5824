import DokuenCore
import DokuenPosix

/// The state store, `dokuen.sqlite`: the desired state of every app and the audit log (docs/DESIGN.md §2).
///
/// There is one writer. `open` takes an exclusive flock on `<path>.lock` first and holds it until `close`
/// (or until the process dies, when the kernel drops it), so a second dokuend on the same root fails at once
/// with `StoreError.writerLocked` instead of racing the first. Within the process, the actor serializes every
/// call, and each call that changes state runs in one transaction that also appends its event (docs/DESIGN.md
/// invariant 6), so the log and the state can never disagree.
///
/// The methods are grouped by table in `Store+*.swift`.
public actor Store {
    /// The schema version this build writes.
    public static var schemaVersion: Int { Migrations.latestVersion }

    /// Unix seconds from the system clock.
    public static let systemClock: @Sendable () -> Int64 = { Posix.realtimeSeconds() }

    /// The database file.
    public nonisolated let path: String
    let database: Database
    /// Unix seconds. Injected so tests control time.
    let clock: @Sendable () -> Int64
    /// Held for the writer's lifetime; nil for a read-only store and after `close`.
    private var writerLock: FileLock?
    /// Told of every event as it is appended (the alerts' feed, docs/ALERTS.md); it must not block.
    private var eventObserver: (@Sendable (EventRecord) -> Void)?

    private init(path: String, database: Database, writerLock: FileLock?, clock: @escaping @Sendable () -> Int64) {
        self.path = path
        self.database = database
        self.writerLock = writerLock
        self.clock = clock
    }

    /// The path of the writer lock of the database at `path`.
    public static func lockPath(for path: String) -> String { path + ".lock" }

    /// Opens the database at `path` as its one writer, creating it if needed, and migrates it to
    /// `schemaVersion`. Fails with `writerLocked` while another process (or another `Store` in this one) has it.
    public static func open(path: String, clock: @escaping @Sendable () -> Int64 = systemClock) throws(StoreError)
        -> Store
    {
        let lockPath = lockPath(for: path)
        let lock: FileLock?
        do { lock = try FileLock.tryAcquire(lockPath) } catch { throw .posix(error) }
        guard let lock else { throw .writerLocked(lockPath: lockPath) }
        // Created 0600 before SQLite opens it: release env snapshots hold secrets. SQLite gives the -wal and
        // -shm files the mode of the database file.
        do { Posix.close(try Posix.open(path, [.readWrite, .create], mode: 0o600)) } catch { throw .posix(error) }
        let database = try Database.open(path: path)
        try Migrations.migrate(database)
        return Store(path: path, database: database, writerLock: lock, clock: clock)
    }

    /// Opens the database at `path` for reading only, without the writer lock, beside a running writer (WAL
    /// lets readers see the last commit). Every method that changes state fails. The schema must be current:
    /// only the writer migrates.
    public static func openReadOnly(path: String) throws(StoreError) -> Store {
        let database = try Database.open(path: path, readOnly: true)
        let found = try database.userVersion()
        if found > schemaVersion { throw .schemaTooNew(path: path, found: found, known: schemaVersion) }
        if found < schemaVersion { throw .schemaTooOld(path: path, found: found, needed: schemaVersion) }
        return Store(path: path, database: database, writerLock: nil, clock: systemClock)
    }

    /// Closes the database, then drops the writer lock, in that order, so the next writer finds the WAL
    /// checkpointed. Every later call fails with `StoreError.closed`.
    public func close() {
        database.close()
        writerLock = nil
    }

    /// Appends an event that no other method writes, e.g. `daemon.start`. Returns it as stored.
    @discardableResult
    public func appendEvent(actor: String, app: AppName?, action: String, detail: String = "") throws(StoreError)
        -> EventRecord
    {
        try database.transaction { () throws(StoreError) in
            try recordEvent(actor: actor, app: app, action: action, detail: detail)
        }
    }

    /// Sets the one observer told of every event appended from now on, inside the appending call (so it must only
    /// hand the event on, as `AlertFeed.send` does). An event whose transaction then rolls back was told all the
    /// same; the rollbacks that follow an event are failures of the disk, after which alerts matter least.
    public func observeEvents(_ observer: @escaping @Sendable (EventRecord) -> Void) {
        eventObserver = observer
    }

    // MARK: - Helpers for the Store+* files

    /// Appends an event inside the caller's transaction. Details name objects, never env values.
    @discardableResult
    func recordEvent(actor: String, app: AppName?, action: String, detail: String = "") throws(StoreError)
        -> EventRecord
    {
        let at = clock()
        try database.run(
            "INSERT INTO events (at, actor, app, action, detail) VALUES (?, ?, ?, ?, ?)",
            [.integer(at), .text(actor), .text(app?.rawValue), .text(action), .text(detail)])
        let record = EventRecord(
            id: database.lastInsertRowID, at: at, actor: actor, app: app, action: action, detail: detail)
        eventObserver?(record)
        return record
    }

    /// The row id of the app, or `appNotFound`.
    func appID(_ app: AppName) throws(StoreError) -> Int64 {
        guard let row = try database.query("SELECT id FROM apps WHERE name = ?", [.text(app.rawValue)]).first else {
            throw .appNotFound(app)
        }
        return try row.int64("id")
    }
}
