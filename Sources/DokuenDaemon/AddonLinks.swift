import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore

/// Links (docs/ADDONS.md): for PostgreSQL a role and a database of the app's own with a generated password, and for
/// both kinds `<ALIAS>_URL` in the app's config, set as a config change (a new release, cut over like `config
/// set`). `configure` is that change (`ConfigChanger.apply`).
extension AddonSupervisor {
    /// The psql script that makes (or updates) `app`'s login role with `password` and its own database, owned by it
    /// and closed to the others: a link makes it with a new password, a restore with the one the app's URL carries.
    /// `password` is letters and digits only (`AddonServer.password()`, or checked by the restore).
    static func roleAndDatabase(_ app: AppName, password: String) -> String {
        let name = app.rawValue
        let role = AddonDatabaseName.identifier(app)
        return """
            SELECT format('CREATE ROLE %I', '\(name)')
                WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(name)') \\gexec
            ALTER ROLE \(role) WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '\(password)';
            SELECT format('CREATE DATABASE %I OWNER %I', '\(name)', '\(name)')
                WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '\(name)') \\gexec
            REVOKE ALL ON DATABASE \(role) FROM PUBLIC;
            GRANT ALL ON DATABASE \(role) TO \(role);
            """
    }

    typealias Configure = @Sendable (ConfigChange, AppName) async throws -> ConfigChangeResult

    public func link(
        _ addon: AppName, app: AppName, alias: AddonAlias?, follow: Bool, actor: String,
        configure: @Sendable (ConfigChange, AppName) async throws -> ConfigChangeResult
    ) async throws -> AddonLinkResult {
        guard let record = try await store.addon(named: addon) else { throw StoreError.addonNotFound(addon) }
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        let alias = try alias ?? AddonAlias(record.kind.defaultAlias)
        if record.kind == .postgres, AddonDatabaseName.reserved.contains(app.rawValue) {
            throw APIError(
                .invalid,
                "unable to link \(app) to \(addon): \(app) is a name PostgreSQL keeps for itself; "
                    + "link another app name")
        }
        guard !busy.contains(addon) else {
            throw APIError(.conflict, "unable to link \(app) to \(addon): the add-on is being changed; try again")
        }
        guard await isReady(record) else {
            throw APIError(.unavailable, "unable to link \(app) to \(addon): the add-on is not running")
        }
        // The record first: a second link of the same app is refused before anything changes.
        try await store.linkAddon(addon, app: app, alias: alias, follow: follow, actor: actor)
        do {
            let url: String
            switch record.kind {
            case .postgres:
                let password = AddonServer.password()
                let name = app.rawValue
                try await psql(record, Self.roleAndDatabase(app, password: password))
                url = AddonURL.postgres(user: name, password: password, port: record.port, database: name)
            case .redis:
                guard let password = AddonServer.secret(paths(addon)) else {
                    throw APIError(.internal, "unable to link \(app) to \(addon): the add-on's secret is missing")
                }
                url = AddonURL.redis(password: password, port: record.port)
            }
            let result = try await configure(ConfigChange(set: [alias.key.rawValue: url]), app)
            return AddonLinkResult(
                addon: addon.rawValue, app: app.rawValue, key: alias.key.rawValue, release: result.release)
        } catch {
            try? await store.unlinkAddon(addon, app: app, actor: actor)
            if record.kind == .postgres {
                _ = try? await psql(record, "ALTER ROLE \(AddonDatabaseName.identifier(app)) NOLOGIN;")
            }
            throw error
        }
    }

    /// Removes the app's `<ALIAS>_URL` (a config change) and, for PostgreSQL, its role's login (its sessions end);
    /// with `purge` its database and role go too. `serverOptional`: when the server does not answer (a destroy
    /// with --force of a broken add-on), the config is still cleaned.
    public func unlink(
        _ addon: AppName, app: AppName, purge: Bool, actor: String, serverOptional: Bool = false,
        configure: @Sendable (ConfigChange, AppName) async throws -> ConfigChangeResult
    ) async throws -> AddonLinkResult {
        guard let record = try await store.addon(named: addon) else { throw StoreError.addonNotFound(addon) }
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        guard let link = try await store.addonLinks(addon: addon).first(where: { $0.app == app }) else {
            throw StoreError.addonLinkNotFound(addon: addon, app: app)
        }
        let key = link.alias.key
        var release: String?
        if (try? EnvDirectory(path: layout.app(app).env).dictionary()[key]) != nil {
            release = try await configure(ConfigChange(unset: [key.rawValue]), app).release
        }
        if record.kind == .postgres {
            let role = AddonDatabaseName.identifier(app)
            var sql = """
                ALTER ROLE \(role) NOLOGIN;
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(app.rawValue)';
                """
            if purge { sql += "\nDROP DATABASE IF EXISTS \(role) WITH (FORCE);\nDROP ROLE IF EXISTS \(role);" }
            do { try await psql(record, sql) } catch { if !serverOptional { throw error } }
        }
        try await store.unlinkAddon(addon, app: app, actor: actor)
        return AddonLinkResult(addon: addon.rawValue, app: app.rawValue, key: key.rawValue, release: release)
    }

    /// Before `app` is destroyed (its links go with it): its PostgreSQL roles lose their login and their sessions
    /// end; with `purge` (`apps destroy --purge`) its databases and roles are dropped. Best effort: an add-on that
    /// does not answer is logged, and the destroy goes on.
    public func forget(app: AppName, purge: Bool) async {
        guard let links = try? await store.addonLinks() else { return }
        for link in links where link.app == app {
            guard let record = try? await store.addon(named: link.addon), record.kind == .postgres else { continue }
            let role = AddonDatabaseName.identifier(app)
            var sql = """
                ALTER ROLE \(role) NOLOGIN;
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(app.rawValue)';
                """
            if purge { sql += "\nDROP DATABASE IF EXISTS \(role) WITH (FORCE);\nDROP ROLE IF EXISTS \(role);" }
            do { try await psql(record, sql) } catch {
                DaemonLog.error("addon:\(record.name)", "unable to close the role of destroyed app \(app): \(error)")
            }
        }
    }

    /// Runs `sql` with psql as the superuser, from a 0600 file (the passwords in it never reach a command line),
    /// stopping at the first error.
    @discardableResult
    func psql(_ record: AddonRecord, _ sql: String, database: String = "postgres") async throws -> [String] {
        let paths = paths(record.name)
        guard let secret = AddonServer.secret(paths) else {
            throw APIError(.internal, "unable to reach add-on \(record.name): its secret is missing")
        }
        try Posix.mkdir(paths.scratch, mode: 0o700, existingOK: true)
        let file = paths.scratch + "/dokuend-\(AddonServer.password().prefix(8)).sql"
        try AtomicFile.write(Array(sql.utf8), to: file, mode: 0o600)
        defer { try? Posix.removeTree(file) }
        let output = try await AddonCommand.run(
            "psql", AddonServer.postgresBin(record.version) + "/psql",
            Self.psqlArguments(record, database: database) + [
                "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", file,
            ],
            environment: AddonServer.environment(paths).merging(["PGPASSWORD": secret]) { $1 })
        guard output.status == .exited(0) else {
            throw APIError(
                .internal,
                "unable to change add-on \(record.name): psql failed (\(output.status)): "
                    + output.lines.suffix(3).joined(separator: " "))
        }
        return output.lines
    }

    static func psqlArguments(_ record: AddonRecord, database: String) -> [String] {
        ["-h", "127.0.0.1", "-p", String(record.port), "-U", AddonDatabaseName.superuser, "-d", database]
    }

    /// The client `dokuen addons connect` runs: psql or redis-cli as the superuser.
    public func connectSpec(_ name: AppName) async throws -> AddonConnectSpec {
        guard let record = try await store.addon(named: name) else { throw StoreError.addonNotFound(name) }
        guard let secret = AddonServer.secret(paths(name)) else {
            throw APIError(.internal, "unable to connect to add-on \(name): its secret is missing")
        }
        switch record.kind {
        case .postgres:
            return AddonConnectSpec(
                program: AddonServer.postgresBin(record.version) + "/psql",
                arguments: Self.psqlArguments(record, database: "postgres"), environment: ["PGPASSWORD": secret])
        case .redis:
            return AddonConnectSpec(
                program: AddonServer.redisCLI, arguments: ["-h", "127.0.0.1", "-p", String(record.port)],
                environment: ["REDISCLI_AUTH": secret])
        }
    }
}
