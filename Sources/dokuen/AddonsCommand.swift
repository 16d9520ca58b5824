import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

/// `dokuen addons …`: PostgreSQL and Redis servers supervised like apps, linked to apps through their config
/// (docs/ADDONS.md).
struct AddonsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addons", abstract: "PostgreSQL and Redis add-ons: backing services supervised like apps.",
        discussion: """
            An add-on is a PostgreSQL or Redis server from Debian's packages (scripts/up --addons installs them), \
            run under a dokuen-shim as a user of its own (dka-NAME), on 127.0.0.1 with a generated password, its \
            data in <root>/addons/NAME/. Linking puts DATABASE_URL (postgres) or REDIS_URL (redis), or \
            ALIAS_URL with --as ALIAS, in the app's config as a new release, like config set; for PostgreSQL the \
            app gets a role and a database of its own, which no other app can open. When an add-on's server \
            restarts, the apps linked to it restart once it answers again, unless linked with --no-follow. \
            Example: dokuen addons create postgres db && dokuen addons link blog db
            """,
        subcommands: [
            Create.self, List.self, Info.self, Destroy.self, Link.self, Unlink.self, Restart.self, Connect.self,
            Dump.self, Restore.self, Logs.self,
        ],
        defaultSubcommand: List.self)

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create an add-on and wait until its server answers.",
            discussion: """
                NAME follows the app-name rules (lowercase letters, digits and '-', up to 63). Data an add-on of \
                the same name and kind left (destroyed without --purge) is taken over, with its password.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "postgres or redis.") var kind: String
        @Argument(help: "The add-on's name.") var name: String

        func validate() throws {
            do { _ = try AddonKind(parsing: kind) } catch { throw ValidationError(error.description) }
            try validateAddon(name)
        }

        func run() async throws {
            let addon = try DaemonClient(options).call(
                "POST", "/v1/addons", body: CreateAddonRequest(kind: kind, name: name), as: AddonInfo.self)
            if options.json { return try printJSON(addon) }
            print(
                "Created \(addon.kind) \(addon.version) add-on \(addon.name) on 127.0.0.1:\(addon.port): \(addon.state)"
            )
            print("Link it to an app with: dokuen addons link APP \(addon.name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the add-ons and their state.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let addons = try DaemonClient(options).call("GET", "/v1/addons", as: [AddonInfo].self)
            if options.json { return try printJSON(addons) }
            if addons.isEmpty { return print("No add-ons yet. Create one with: dokuen addons create postgres NAME") }
            for addon in addons {
                let links = addon.links.map(\.app).joined(separator: ",")
                print(
                    "\(addon.name)\t\(addon.kind) \(addon.version)\t\(addon.state)\t127.0.0.1:\(addon.port)\t"
                        + (links.isEmpty ? "-" : links))
            }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Show an add-on: version, state, port, data size, linked apps.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The add-on.") var name: String

        func validate() throws { try validateAddon(name) }

        func run() async throws {
            let addon = try DaemonClient(options).call("GET", "/v1/addons/\(name)", as: AddonInfo.self)
            if options.json { return try printJSON(addon) }
            print(
                """
                name:     \(addon.name)
                kind:     \(addon.kind) \(addon.version)
                state:    \(addon.state)\(addon.pid.map { " (pid \($0))" } ?? "")\(addon.restarts > 0 ? ", \(addon.restarts) restart(s)" : "")
                address:  127.0.0.1:\(addon.port)
                data:     \(ByteSize.text(addon.dataBytes))
                created:  \(UTCTime.text(addon.createdAt))
                linked:   \(addon.links.isEmpty ? "no app" : addon.links.map { "\($0.app) (\($0.key)\($0.follow ? "" : ", no-follow"))" }.joined(separator: ", "))
                """)
        }
    }

    struct Destroy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "destroy",
            abstract: "Stop and forget an add-on; its data is kept unless --purge.",
            discussion: """
                Refused while apps are linked to it; --force unlinks them first (their config loses the URL, as \
                with unlink). Without --purge, <root>/addons/NAME/ stays: a later create of the same name and kind \
                takes it over.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The add-on.") var name: String
        @Option(help: ArgumentHelp("Repeat the add-on's name to confirm.", valueName: "name")) var confirm: String?
        @Flag(help: "Also delete its data and its user.") var purge = false
        @Flag(help: "Unlink the apps linked to it first.") var force = false

        func validate() throws {
            try validateAddon(name)
            guard confirm == name else { throw ValidationError("destroying add-on \(name) needs --confirm \(name)") }
        }

        func run() async throws {
            try DaemonClient(options).request(
                "DELETE",
                "/v1/addons/\(name)?confirm=\(name)" + (purge ? "&purge=1" : "") + (force ? "&force=1" : ""))
            print("Destroyed add-on \(name)" + (purge ? "" : "; its data is kept (--purge deletes it)"))
        }
    }

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "link",
            abstract: "Link an app to an add-on: its URL goes in the app's config.",
            discussion: """
                Sets DATABASE_URL (postgres) or REDIS_URL (redis), or ALIAS_URL with --as ALIAS, as a config \
                change: a new release, cut over like config set. For PostgreSQL the app gets a role and a \
                database named like it, with a password of its own. Linking an app twice to one add-on, or two \
                add-ons under one alias, is refused.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The add-on.") var name: String
        @Option(name: .customLong("as"), help: ArgumentHelp("The config key's prefix: ALIAS_URL.", valueName: "ALIAS"))
        var alias: String?
        @Flag(name: .customLong("no-follow"), help: "Do not restart the app after the add-on restarts.")
        var noFollow = false

        func validate() throws {
            try validateApp(app)
            try validateAddon(name)
            if let alias { do { _ = try AddonAlias(alias) } catch { throw ValidationError(error.description) } }
        }

        func run() async throws {
            let result = try DaemonClient(options).call(
                "POST", "/v1/addons/\(name)/links", body: LinkAddonRequest(app: app, alias: alias, follow: !noFollow),
                as: AddonLinkResult.self)
            if options.json { return try printJSON(result) }
            print("Linked \(app) to \(name) as \(result.key)" + (result.release.map { ": release \($0) is up" } ?? ""))
        }
    }

    struct Unlink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unlink",
            abstract: "Unlink an app: its URL leaves its config; a PostgreSQL role can no longer log in.",
            discussion: "The app's database stays in the add-on unless --purge (which drops it and its role).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The add-on.") var name: String
        @Flag(help: "Also drop the app's PostgreSQL database and role.") var purge = false

        func validate() throws {
            try validateApp(app)
            try validateAddon(name)
        }

        func run() async throws {
            let result = try DaemonClient(options).call(
                "DELETE", "/v1/addons/\(name)/links/\(app)" + (purge ? "?purge=1" : ""), as: AddonLinkResult.self)
            if options.json { return try printJSON(result) }
            print(
                "Unlinked \(app) from \(name); \(result.key) removed"
                    + (result.release.map { " (release \($0))" } ?? ""))
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restart",
            abstract: "Restart an add-on's server; the apps that follow it restart once it answers again.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The add-on.") var name: String

        func validate() throws { try validateAddon(name) }

        func run() async throws {
            let addon = try DaemonClient(options).call("POST", "/v1/addons/\(name)/restart", as: AddonInfo.self)
            if options.json { return try printJSON(addon) }
            print("Restarting add-on \(name)")
        }
    }

    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "connect",
            abstract: "Open psql or redis-cli on an add-on as its superuser, with this terminal.",
            discussion:
                "The password goes in the client's environment (PGPASSWORD, REDISCLI_AUTH), never on its command line.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The add-on.") var name: String

        func validate() throws { try validateAddon(name) }

        func run() async throws {
            let spec = try DaemonClient(options).call("GET", "/v1/addons/\(name)/connect", as: AddonConnectSpec.self)
            // The terminal's settings and nothing else of this shell's, then the client's own.
            var environment: [String: String] = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
            for key in ["HOME", "TERM", "LANG", "LC_ALL", "COLUMNS", "LINES"] {
                if let value = Posix.getenv(key) { environment[key] = value }
            }
            for (key, value) in spec.environment { environment[key] = value }
            Posix.flushOutput()
            do {
                try Posix.execute(
                    spec.program, arguments: [spec.program] + spec.arguments,
                    environment: environment.map { "\($0.key)=\($0.value)" })
            } catch {
                throw CLIError(message: "unable to run \(spec.program): \(error.code)")
            }
        }
    }

    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dump",
            abstract: "Write a dump of an add-on to stdout: dokuen addons dump NAME > FILE.",
            discussion: """
                PostgreSQL: pg_dump's custom format (-Fc) of one app's database: --database APP, which may be left \
                out when one app is linked. Redis: an RDB snapshot. Refused when stdout is a terminal.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The add-on.") var name: String
        @Option(help: ArgumentHelp("PostgreSQL: the linked app whose database to dump.", valueName: "APP"))
        var database: String?

        func validate() throws {
            try validateAddon(name)
            if let database { try validateApp(database) }
            guard !Posix.isTerminal(1) else {
                throw ValidationError("a dump is binary; send it to a file: dokuen addons dump \(name) > FILE")
            }
        }

        func run() async throws {
            var failed = false
            try DaemonClient(options).stream(
                "GET", "/v1/addons/\(name)/dump" + (database.map { "?database=\($0)" } ?? "")
            ) { bytes in
                if !failed && !Posix.writeToStream(1, bytes) { failed = true }
            }
            if failed { throw CLIError(message: "unable to write the dump of \(name) to stdout") }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Replace an add-on's data with a dump from stdin: dokuen addons restore NAME < FILE.",
            discussion: """
                The dump is checked whole first (pg_restore reads all of it; redis-check-rdb); a dump that is \
                truncated or not a dump is refused and nothing changes. PostgreSQL: restored into a new database \
                owned by the app's role, which then takes the app database's name (its sessions end); the old one is \
                dropped only after. Redis: the server restarts on the snapshot; the old data comes back if it does \
                not answer.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The add-on.") var name: String
        @Option(help: ArgumentHelp("PostgreSQL: the linked app whose database to replace.", valueName: "APP"))
        var database: String?

        func validate() throws {
            try validateAddon(name)
            if let database { try validateApp(database) }
            guard !Posix.isTerminal(0) else {
                throw ValidationError("the dump comes on stdin: dokuen addons restore \(name) < FILE")
            }
        }

        func run() async throws {
            let dump: [UInt8]
            do { dump = try Posix.readAll(0, path: "stdin") } catch {
                throw CLIError(message: "unable to read the dump from stdin: \(error.code)")
            }
            var answer: [UInt8] = []
            try DaemonClient(options).stream(
                "POST", "/v1/addons/\(name)/restore" + (database.map { "?database=\($0)" } ?? ""), body: dump
            ) { answer += $0 }
            let result = try decodeJSON(AddonRestoreResult.self, answer)
            if options.json { return try printJSON(result) }
            print(
                "Restored \(ByteSize.text(result.bytes)) into add-on \(name)"
                    + (result.database.map { " (database \($0))" } ?? ""))
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "logs",
            abstract: "Print the end of an add-on's server log.",
            discussion: """
                The lines as the server wrote them, with the shim's time. -f keeps printing new lines as they are \
                written, across rotation; Ctrl-C ends it. --json prints NDJSON, as dokuen logs does.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The add-on.") var name: String
        @Flag(name: .shortAndLong, help: "Keep printing new lines as they are written, until Ctrl-C.")
        var follow = false
        @Option(
            name: [.customShort("n"), .long],
            help: ArgumentHelp("How many of the last lines to print first.", valueName: "n"))
        var lines = 100

        func validate() throws {
            try validateAddon(name)
            try validateLineCount(lines)
        }

        func run() async throws {
            try printLogs(
                options, path: "/v1/addons/\(name)/logs?lines=\(lines)" + (follow ? "&follow=1" : ""), showDyno: false)
        }
    }
}

/// An add-on's name follows the app-name rules.
func validateAddon(_ name: String) throws {
    do { _ = try AppName(name) } catch {
        guard case .invalidAppName(_, let reason) = error else { throw ValidationError(error.description) }
        throw ValidationError("invalid add-on name \(Quoting.quoted(name)): \(reason)")
    }
}
