import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

/// `dokuen config APP`, `config get|set|unset|import`: the app's environment. A change makes a new release that
/// is cut over like a deploy, unless `--no-restart`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show and change an app's config (its environment).",
        subcommands: [Show.self, Get.self, Set.self, Unset.self, Import.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print every KEY=value.",
            discussion: """
                The password in a URL (postgres://blog:****@127.0.0.1:5001/blog, as add-on links make) is shown \
                as **** unless --reveal; config get APP KEY prints a value whole. Dokuen 2012's spelling works \
                too: dokuen config --application=blog
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String?
        @Option(help: ArgumentHelp("Dokuen 2012: the app.", visibility: .hidden)) var application: String?
        @Flag(help: "Show the passwords in URLs too.") var reveal = false

        var name: String { app ?? application ?? "" }

        func validate() throws {
            guard (app == nil) != (application == nil) else {
                throw ValidationError("name the app once: dokuen config show APP (or --application=APP)")
            }
            try validateApp(name)
        }

        func run() async throws {
            var config = try DaemonClient(options).call("GET", "/v1/apps/\(name)/config", as: [String: String].self)
            if !reveal { config = config.mapValues(SecretMask.masked) }
            if options.json { return try printJSON(config) }
            for (key, value) in config.sorted(by: { $0.key < $1.key }) { print("\(key)=\(value)") }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Print one value.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The key.") var key: String

        func validate() throws {
            try validateApp(app)
            do { _ = try EnvKey(key) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let config = try DaemonClient(options).call("GET", "/v1/apps/\(app)/config", as: [String: String].self)
            guard let value = config[key] else { throw CLIError(message: "\(app) has no config key \(key)") }
            print(value)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set KEY=VALUE pairs.",
            discussion: """
                Example: dokuen config set blog DATABASE_URL=postgres://…

                The change goes out as a new release. During a deploy it waits for it to finish first (and says so \
                on stderr), then changes what that deploy released.
                """)

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Change the config only; the running release keeps its env.") var noRestart = false
        @Argument(help: "The app.") var app: String
        @Argument(help: "KEY=VALUE pairs.") var pairs: [String] = []

        func validate() throws {
            try validateApp(app)
            _ = try parsePairs(pairs)
        }

        func run() async throws {
            try await send(ConfigChange(set: try parsePairs(pairs), restart: !noRestart), app: app, options: options)
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unset",
            abstract: "Remove keys.",
            discussion: "As config set: a new release, which waits for a deploy in progress to finish first.")

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Change the config only; the running release keeps its env.") var noRestart = false
        @Argument(help: "The app.") var app: String
        @Argument(help: "Keys.") var keys: [String] = []

        func validate() throws {
            try validateApp(app)
            guard !keys.isEmpty else { throw ValidationError("name at least one key to unset") }
            for key in keys { do { _ = try EnvKey(key) } catch { throw ValidationError(error.description) } }
        }

        func run() async throws {
            try await send(ConfigChange(unset: keys, restart: !noRestart), app: app, options: options)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Set every variable of a .env file (foreman / python-dotenv style).",
            discussion: "As config set: a new release, which waits for a deploy in progress to finish first.")

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Change the config only; the running release keeps its env.") var noRestart = false
        @Argument(help: "The app.") var app: String
        @Argument(help: "The .env file.") var file: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let bytes: [UInt8]
            do { bytes = try Posix.readFile(file) } catch { throw CLIError(message: "\(error)") }
            let variables: [DotEnv.Variable]
            do { variables = try DotEnv.parse(String(decoding: bytes, as: UTF8.self)) } catch {
                throw ValidationError("unable to import \(file): \(error.description)")
            }
            for variable in variables {
                do { try EnvDir.validate(variable.value, for: variable.key) } catch {
                    throw ValidationError("unable to import \(file): \(error.description)")
                }
            }
            let set = Dictionary(uniqueKeysWithValues: variables.map { ($0.key.rawValue, $0.value) })
            try await send(ConfigChange(set: set, restart: !noRestart), app: app, options: options)
        }
    }
}

/// `KEY=VALUE` arguments, each checked as the envdir will store it; values are never echoed in errors.
func parsePairs(_ pairs: [String]) throws -> [String: String] {
    guard !pairs.isEmpty else { throw ValidationError("give at least one KEY=VALUE pair") }
    var result: [String: String] = [:]
    for pair in pairs {
        guard let equals = pair.firstIndex(of: "=") else {
            throw ValidationError(
                "invalid config pair (\(pair.count) characters, not shown: it may be a secret): expected KEY=VALUE")
        }
        let key = String(pair[..<equals])
        let value = String(pair[pair.index(after: equals)...])
        do {
            let envKey = try EnvKey(key)
            try EnvDir.validate(value, for: envKey)
        } catch { throw ValidationError(error.description) }
        result[key] = value
    }
    return result
}

func send(_ change: ConfigChange, app: String, options: GlobalOptions) async throws {
    let client = try DaemonClient(options)
    if change.restart { DeployNotice.sayIfWaiting(app: app, client: client) }
    let result = try client.call("POST", "/v1/apps/\(app)/config", body: change, as: ConfigChangeResult.self)
    if options.json { return try printJSON(result) }
    if let release = result.release {
        print("Config of \(app) changed; release \(release) is up")
    } else {
        print("Config of \(app) changed; it takes effect with the next release")
    }
}
