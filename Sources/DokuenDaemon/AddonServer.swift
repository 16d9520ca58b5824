import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import DokuenSupervision

/// Where an add-on's files are (docs/ADDONS.md): `addons/NAME/` holds everything of its server, owned by the
/// add-on's user and readable by no app; its shim's service directory is `run/addons/NAME/`, apart from the apps'
/// `run/svc`.
struct AddonPaths: Sendable {
    let directory: String
    let serviceDirectory: String

    init(layout: RootLayout, name: AppName) {
        directory = layout.root + "/addons/" + name.rawValue
        serviceDirectory = layout.runDirectory + "/addons/" + name.rawValue
    }

    /// The PostgreSQL cluster (`initdb`), or Redis's directory (AOF on).
    var data: String { directory + "/data" }
    /// The superuser's password (PostgreSQL) or `requirepass` (Redis), 0600.
    var secret: String { directory + "/secret" }
    /// Redis's configuration (it holds the password: 0600).
    var redisConfig: String { directory + "/redis.conf" }
    /// PostgreSQL's Unix socket directory.
    var sockets: String { directory + "/run" }
    var logs: String { directory + "/logs" }
    var log: String { logs + "/server.1.log" }
    /// Scratch files dokuend writes for the server's clients (SQL with passwords never goes on a command line).
    var scratch: String { directory + "/tmp" }
}

/// How each kind of server is found, made, run and asked whether it is ready: Debian's packages, run directly (not
/// through pg_ctlcluster or systemd). Pure descriptions and small blocking probes; `AddonSupervisor` decides.
enum AddonServer {
    static let postgresRoot = "/usr/lib/postgresql"
    static let redisServer = "/usr/bin/redis-server"
    static let redisCLI = "/usr/bin/redis-cli"
    static let environmentPath = "/usr/local/bin:/usr/bin:/bin"

    /// PostgreSQL's binaries of `major`.
    static func postgresBin(_ major: String) -> String { postgresRoot + "/" + major + "/bin" }

    /// The newest PostgreSQL major version installed (`/usr/lib/postgresql/N/bin/postgres`), nil when none is.
    static func installedPostgres() -> String? {
        let versions = ((try? Posix.listDirectory(postgresRoot)) ?? []).compactMap { Int($0) }.sorted()
        return versions.last { Posix.isExecutableFile(postgresBin(String($0)) + "/postgres") }.map { String($0) }
    }

    /// The major version of the installed redis-server (`Redis server v=7.0.15 …`), nil when it is not installed.
    static func installedRedis() async -> String? {
        guard Posix.isExecutableFile(redisServer) else { return nil }
        guard let output = try? await AddonCommand.run("redis-server --version", redisServer, ["--version"]),
            output.status == .exited(0),
            let word = output.text.split(separator: " ").first(where: { $0.hasPrefix("v=") })
        else { return nil }
        let major = word.dropFirst(2).prefix { $0 != "." }
        return major.isEmpty || !major.allSatisfy(\.isNumber) ? nil : String(major)
    }

    /// The installed version of `kind`, or an error that says what to install.
    static func installedVersion(_ kind: AddonKind) async throws -> String {
        switch kind {
        case .postgres:
            guard let version = installedPostgres() else {
                throw APIError(
                    .unavailable,
                    "unable to create a postgres add-on: PostgreSQL is not installed (Debian's postgresql package; "
                        + "scripts/up --addons installs it)")
            }
            return version
        case .redis:
            guard let version = await installedRedis() else {
                throw APIError(
                    .unavailable,
                    "unable to create a redis add-on: Redis is not installed (Debian's redis-server package; "
                        + "scripts/up --addons installs it)")
            }
            return version
        }
    }

    /// Why the server of `record` must not start on its data with what is installed, nil when it may: the data's
    /// major version must be the one recorded at create, and its binaries must be installed.
    static func versionRefusal(_ record: AddonRecord, _ paths: AddonPaths) async -> String? {
        switch record.kind {
        case .postgres:
            let onDisk =
                ((try? Posix.readFile(paths.data + "/PG_VERSION")).map {
                    String(decoding: $0, as: UTF8.self).trimmingWhitespace()
                }) ?? record.version
            if onDisk != record.version {
                return "its data is PostgreSQL \(onDisk) but it was created with \(record.version)"
            }
            guard Posix.isExecutableFile(postgresBin(record.version) + "/postgres") else {
                let found = installedPostgres().map { "only PostgreSQL \($0) is installed" } ?? "none is installed"
                return "its data is PostgreSQL \(record.version) and \(found): install postgresql-\(record.version) "
                    + "to run it, or dump it with that version and restore into a new add-on"
            }
            return nil
        case .redis:
            let found = await installedRedis()
            guard found == record.version else {
                return "its data was written by Redis \(record.version) and "
                    + (found.map { "Redis \($0) is installed" } ?? "Redis is not installed")
                    + ": install Redis \(record.version), or dump it and restore into a new add-on"
            }
            return nil
        }
    }

    /// The shim's options for the server of `record`.
    static func shimOptions(
        _ record: AddonRecord, _ paths: AddonPaths, credentials: ChildProcess.Credentials?, eventsSocket: String
    ) -> ShimOptions {
        var options = ShimOptions()
        options.directory = paths.serviceDirectory
        options.logPath = paths.log
        options.logTimestamps = true
        options.workingDirectory = paths.directory
        options.run(as: credentials)
        options.eventsSocket = eventsSocket
        // RUNNING once the port accepts; dokuend then asks the server itself (`isReady`).
        options.machine.readiness = .port(Int32(record.port))
        switch record.kind {
        case .postgres:
            // SIGINT is PostgreSQL's fast shutdown; SIGTERM (smart) would wait for every client to leave.
            options.machine.stopSignal = Signals.interrupt
            options.command = [
                postgresBin(record.version) + "/postgres", "-D", paths.data, "-c", "listen_addresses=127.0.0.1",
                "-c", "port=\(record.port)", "-c", "unix_socket_directories=\(paths.sockets)",
                "-c", "logging_collector=off",
            ]
        case .redis:
            options.command = [redisServer, paths.redisConfig]
        }
        return options
    }

    /// The environment the server and its tools run with: nothing of dokuend's.
    static func environment(_ paths: AddonPaths) -> [String: String] {
        ["PATH": environmentPath, "HOME": paths.directory, "LC_ALL": "C.UTF-8", "TZ": "UTC"]
    }

    /// pg_hba.conf: the superuser from anywhere local, and every other role only to the database of its own name
    /// (`sameuser`), always with a SCRAM password. Two linked apps cannot reach each other's databases.
    static let postgresHBA = """
        # Written by dokuend (docs/ADDONS.md). The superuser anywhere, every app's role only to its own database.
        local   all        \(AddonDatabaseName.superuser)                 scram-sha-256
        host    all        \(AddonDatabaseName.superuser)  127.0.0.1/32   scram-sha-256
        host    sameuser   all           127.0.0.1/32   scram-sha-256

        """

    /// redis.conf for `record`: loopback only, a password, AOF on, in its data directory.
    static func redisConfig(_ record: AddonRecord, _ paths: AddonPaths, password: String) -> String {
        """
        # Written by dokuend (docs/ADDONS.md) at each start; changes here are lost.
        bind 127.0.0.1
        port \(record.port)
        protected-mode yes
        daemonize no
        logfile ""
        dir \(paths.data)
        requirepass \(password)
        appendonly yes
        appendfsync always
        dbfilename dump.rdb
        save 3600 1 300 100 60 10000

        """
    }

    /// Whether the server answers: `pg_isready` for PostgreSQL, `AUTH` + `PING` for Redis.
    static func isReady(_ record: AddonRecord, _ paths: AddonPaths) async -> Bool {
        switch record.kind {
        case .postgres:
            let result = try? await AddonCommand.run(
                "pg_isready", postgresBin(record.version) + "/pg_isready",
                ["-q", "-h", "127.0.0.1", "-p", String(record.port), "-t", "2"])
            return result?.status == .exited(0)
        case .redis:
            guard let password = secret(paths) else { return false }
            let answer = try? LoopbackProbe.exchange(
                port: record.port, request: Array("AUTH \(password)\r\nPING\r\nQUIT\r\n".utf8), milliseconds: 2_000)
            return answer.map { String(decoding: $0, as: UTF8.self).contains("+PONG") } ?? false
        }
    }

    /// The superuser's password, nil when it cannot be read.
    static func secret(_ paths: AddonPaths) -> String? {
        guard let bytes = try? Posix.readFile(paths.secret) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        return text.isEmpty ? nil : text
    }

    /// 32 hex digits from the system's random generator (getrandom(2)).
    static func password() -> String { RandomHex.digits(bytes: 16) }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
