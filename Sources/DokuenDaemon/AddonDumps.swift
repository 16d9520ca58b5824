import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import DokuenSupervision

/// Dumps and restores (docs/ADDONS.md): PostgreSQL's custom format (`pg_dump -Fc`) of one app's database, and Redis
/// RDB snapshots. A restore checks that the dump is whole first, and leaves the old data as it was when the check or
/// the restore fails.
extension AddonSupervisor {
    /// Writes a dump of `name` (for PostgreSQL, of `database`: the linked app's database, which may be left out when
    /// exactly one app is linked) to a new 0600 file and returns its path; the caller sends it and removes it. The
    /// dumping program dies with dokuend (PR_SET_PDEATHSIG), so a `kill -9` leaves at most a partial file in the
    /// scratch directory, which the next start removes (docs/BACKUP.md).
    public func dump(_ name: AppName, database: String?) async throws -> String {
        guard let record = try await store.addon(named: name) else { throw StoreError.addonNotFound(name) }
        guard await isReady(record) else {
            throw APIError(.unavailable, "unable to dump add-on \(name): it is not running")
        }
        let paths = paths(name)
        guard let secret = AddonServer.secret(paths) else {
            throw APIError(.internal, "unable to dump add-on \(name): its secret is missing")
        }
        try Posix.mkdir(paths.scratch, mode: 0o700, existingOK: true)
        let file = paths.scratch + "/dump-\(AddonServer.password().prefix(12))"
        let output: AddonCommand.Output
        switch record.kind {
        case .postgres:
            let target = try await targetDatabase(record, database, verb: "dump")
            output = try await AddonCommand.run(
                "pg_dump", AddonServer.postgresBin(record.version) + "/pg_dump",
                Self.psqlArguments(record, database: target.rawValue) + ["-Fc", "-f", file],
                environment: AddonServer.environment(paths).merging(["PGPASSWORD": secret]) { $1 },
                timeout: .seconds(3600), dieWithParent: true)
        case .redis:
            guard database == nil else {
                throw APIError(.invalid, "unable to dump add-on \(name): a redis add-on has no databases to choose")
            }
            output = try await AddonCommand.run(
                "redis-cli --rdb", AddonServer.redisCLI,
                ["-h", "127.0.0.1", "-p", String(record.port), "--rdb", file],
                environment: AddonServer.environment(paths).merging(["REDISCLI_AUTH": secret]) { $1 },
                timeout: .seconds(3600), dieWithParent: true)
        }
        guard output.status == .exited(0), Posix.exists(file) else {
            try? Posix.removeTree(file)
            throw APIError(
                .internal,
                "unable to dump add-on \(name): \(output.status): " + output.lines.suffix(3).joined(separator: " "))
        }
        return file
    }

    /// Replaces the data of `name` (for PostgreSQL, of `database`) with the dump in `file` (removed at the end).
    public func restore(_ name: AppName, database: String?, from file: String, actor: String) async throws -> String {
        defer { try? Posix.removeTree(file) }
        guard let record = try await store.addon(named: name) else { throw StoreError.addonNotFound(name) }
        guard !busy.contains(name) else {
            throw APIError(.conflict, "unable to restore add-on \(name): it is being changed; try again")
        }
        guard await isReady(record) else {
            throw APIError(.unavailable, "unable to restore add-on \(name): it is not running")
        }
        busy.insert(name)
        defer { busy.remove(name) }
        switch record.kind {
        case .postgres:
            let target = try await targetDatabase(record, database, verb: "restore")
            try await restorePostgres(record, into: target, from: file)
            try? await store.appendEvent(
                actor: actor, app: nil, action: "addon.restore", detail: "\(name): database \(target) replaced")
            return target.rawValue
        case .redis:
            guard database == nil else {
                throw APIError(.invalid, "unable to restore add-on \(name): a redis add-on has no databases to choose")
            }
            try await restoreRedis(record, from: file)
            try? await store.appendEvent(
                actor: actor, app: nil, action: "addon.restore", detail: "\(name): data replaced")
            return ""
        }
    }

    /// The database a dump or restore of a PostgreSQL add-on is about: the one named, which must be a linked app's,
    /// or the only linked app's.
    func targetDatabase(_ record: AddonRecord, _ given: String?, verb: String) async throws -> AppName {
        let linked = try await store.addonLinks(addon: record.name).map(\.app)
        if let given {
            guard let app = try? AppName(given), linked.contains(app) else {
                throw APIError(
                    .invalid,
                    "invalid database \(Quoting.quoted(given)): it is not the database of an app linked to "
                        + "\(record.name)"
                        + (linked.isEmpty ? "" : " (\(linked.map(\.rawValue).joined(separator: ", ")))"))
            }
            return app
        }
        guard linked.count == 1, let only = linked.first else {
            throw APIError(
                .invalid,
                "unable to \(verb) add-on \(record.name): "
                    + (linked.isEmpty
                        ? "no app is linked to it, so it has no app database; link one first"
                        : "give --database, one of \(linked.map(\.rawValue).joined(separator: ", "))"))
        }
        return only
    }

    /// Checks the dump (`pg_restore -l`, then a full read with `pg_restore -f /dev/null`: a truncated dump fails
    /// there), restores it into a new database owned by the app's role, then swaps the two with renames. The old
    /// database is dropped only after the new one has its name; any failure before drops the new one instead.
    func restorePostgres(_ record: AddonRecord, into app: AppName, from file: String) async throws {
        let paths = paths(record.name)
        let bin = AddonServer.postgresBin(record.version)
        for arguments in [["-l", file], ["-f", "/dev/null", file]] {
            let check = try await AddonCommand.run(
                "pg_restore", bin + "/pg_restore", arguments, environment: AddonServer.environment(paths),
                timeout: .seconds(3600))
            guard check.status == .exited(0) else {
                throw APIError(
                    .invalid,
                    "unable to restore add-on \(record.name): the file is not a whole PostgreSQL custom-format dump "
                        + "(pg_dump -Fc): " + (check.lines.last ?? "\(check.status)") + "; nothing was changed")
            }
        }
        guard let secret = AddonServer.secret(paths) else {
            throw APIError(.internal, "unable to restore add-on \(record.name): its secret is missing")
        }
        // Names no app database can have (app names never contain '_'), short enough for PostgreSQL's 63 bytes.
        let suffix = AddonServer.password().prefix(8)
        let fresh = "\"dokuen_restore_\(suffix)\""
        let old = "\"dokuen_old_\(suffix)\""
        let database = AddonDatabaseName.identifier(app)
        try await psql(
            record,
            """
            CREATE DATABASE \(fresh) OWNER \(database);
            REVOKE ALL ON DATABASE \(fresh) FROM PUBLIC;
            GRANT ALL ON DATABASE \(fresh) TO \(database);
            """)
        let restored = try await AddonCommand.run(
            "pg_restore", bin + "/pg_restore",
            Self.psqlArguments(record, database: "dokuen_restore_\(suffix)") + [
                "--no-owner", "--no-privileges", "--role=" + app.rawValue, "--exit-on-error", file,
            ], environment: AddonServer.environment(paths).merging(["PGPASSWORD": secret]) { $1 },
            timeout: .seconds(3600))
        guard restored.status == .exited(0) else {
            _ = try? await psql(record, "DROP DATABASE IF EXISTS \(fresh) WITH (FORCE);")
            throw APIError(
                .invalid,
                "unable to restore add-on \(record.name): pg_restore failed: "
                    + (restored.lines.last ?? "\(restored.status)") + "; \(app)'s database was not changed")
        }
        do {
            try await psql(
                record,
                """
                ALTER DATABASE \(database) ALLOW_CONNECTIONS false;
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(app.rawValue)';
                ALTER DATABASE \(database) RENAME TO \(old);
                ALTER DATABASE \(fresh) RENAME TO \(database);
                """)
        } catch {
            _ = try? await psql(
                record,
                "ALTER DATABASE \(database) ALLOW_CONNECTIONS true;\nDROP DATABASE IF EXISTS \(fresh) WITH (FORCE);")
            throw error
        }
        try await psql(record, "DROP DATABASE IF EXISTS \(old) WITH (FORCE);")
    }

    /// Checks the snapshot (`redis-check-rdb`), makes a new data directory whose AOF base is the snapshot (Redis
    /// loads the AOF, not dump.rdb, when AOF is on), and starts the server on it; the old directory comes back when
    /// the server does not answer on the new one.
    func restoreRedis(_ record: AddonRecord, from file: String) async throws {
        let paths = paths(record.name)
        let check = try await AddonCommand.run(
            "redis-check-rdb", "/usr/bin/redis-check-rdb", [file], environment: AddonServer.environment(paths),
            timeout: .seconds(3600))
        guard check.status == .exited(0) else {
            let reason = check.lines.first { $0.contains("ERROR") || $0.contains("Unexpected") || $0.contains("Wrong") }
            throw APIError(
                .invalid,
                "unable to restore add-on \(record.name): the file is not a whole Redis RDB snapshot"
                    + (reason.map { ": \($0)" } ?? "") + "; nothing was changed")
        }
        let credentials = try await credentials(record.name)
        let fresh = paths.directory + "/data.new"
        let old = paths.directory + "/data.old"
        try? Posix.removeTree(fresh)
        try? Posix.removeTree(old)
        try Posix.mkdir(fresh, mode: 0o700)
        try Posix.mkdir(fresh + "/appendonlydir", mode: 0o700)
        try Posix.rename(file, fresh + "/appendonlydir/appendonly.aof.1.base.rdb")
        try AtomicFile.write([], to: fresh + "/appendonlydir/appendonly.aof.1.incr.aof", mode: 0o600)
        try AtomicFile.write(
            Array(
                "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n".utf8),
            to: fresh + "/appendonlydir/appendonly.aof.manifest", mode: 0o600)
        if let credentials { try Ownership.give(fresh, uid: credentials.uid, gid: credentials.gid) }
        await stopShim(record.name)
        try Posix.rename(paths.data, old)
        try Posix.rename(fresh, paths.data)
        do {
            try await start(record, credentials: credentials)
            try await waitUntilReady(record)
        } catch {
            await stopShim(record.name)
            try? Posix.removeTree(paths.data)
            try? Posix.rename(old, paths.data)
            try? await start(record, credentials: credentials)
            throw error
        }
        lastPIDs[record.name] = status(record.name)?.pid
        try Posix.removeTree(old)
    }
}
