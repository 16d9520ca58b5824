import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenSupervision

/// `dokuen run APP -- CMD…`: runs a one-off command in the app's current release, with its environment, as its
/// user. When the CLI can be that user (it is root, or apps run as the caller), it executes the command itself, so
/// a terminal, stdin and the exit code behave as for a local command; otherwise dokuend runs it and streams its
/// output back (`POST /v1/apps/NAME/run`).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a one-off command in an app's current release.",
        discussion: """
            Example: dokuen run blog -- python manage.py migrate. The command runs in the current release's build \
            with the app's environment (DYNO=run.1), as the app's user, after the build's .profile.d scripts; \
            its words are exec'ed as they are, with no shell re-reading them. Who runs it: when this CLI may \
            become the app's user (it runs as root, or dokuend runs apps as the caller's own user), it executes \
            the command itself, with this terminal and stdin. Otherwise (an admin who is not root, every \
            command over ssh: the ssh user is the platform's), or with --through-daemon, dokuend runs it: no \
            stdin (/dev/null), no terminal, stdout and stderr merged and streamed line by line, stopped with its \
            whole process group after --timeout seconds (default 3600) or when this client goes away. Either \
            way the exit status is the command's, or 128+N when signal N ended it. It does not wait for a \
            deploy in progress: it runs in the release that is current when it starts.
            """)

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Let dokuend run it even when this CLI could (no stdin, no terminal).") var throughDaemon = false
    @Option(help: "Let dokuend run it, and stop it after this many seconds, 1 to 86400 (default 3600).")
    var timeout: Int?
    @Argument(help: "The app.") var app: String
    @Argument(parsing: .postTerminator, help: "The command and its arguments.") var command: [String] = []

    func validate() throws {
        try validateApp(app)
        if let timeout, !(1...86_400).contains(timeout) {
            throw ValidationError("invalid timeout \(timeout): it is a whole number of seconds from 1 to 86400")
        }
        guard !command.isEmpty else { throw ValidationError("give the command after --, e.g. dokuen run \(app) -- ls") }
    }

    func run() async throws {
        if throughDaemon || timeout != nil { return try await Self.throughDaemon(app, command, timeout, options) }
        let spec = try DaemonClient(options).call("GET", "/v1/apps/\(app)/run", as: RunSpec.self)
        var becomes: (uid: UInt32, gid: UInt32, user: String)?
        if let user = spec.user {
            guard let entry = UserEntry.named(user) else {
                throw CLIError(message: "unable to run as \(user): no such user")
            }
            if Posix.geteuid() != entry.uid {
                // Only root can become the app's user, and a one-off process runs as the app and no one else
                // (docs/ISOLATION.md): anyone else asks dokuend, which is root.
                guard Posix.geteuid() == 0 else { return try await Self.throughDaemon(app, command, nil, options) }
                becomes = (entry.uid, entry.gid, user)
            }
        }
        do { try Posix.chdir(spec.directory) } catch {
            throw CLIError(message: "unable to enter \(spec.directory): \(error.code)")
        }
        if let becomes {
            // Its own group only, as the shim gives its processes: never the groups the database adds.
            do { try Posix.becomeUser(uid: becomes.uid, gid: becomes.gid) } catch {
                throw CLIError(message: "unable to become \(becomes.user): \(error.code)")
            }
        }
        // The command runs through sh after the build's .profile.d scripts, as Procfile commands do; its words are
        // positional parameters, so nothing is re-parsed: `dokuen run blog -- echo '$HOME'` prints $HOME literally.
        let argv = ProcessCommand.oneOff(command)
        let envp = spec.environment.map { "\($0.key)=\($0.value)" }
        do { try Posix.execute("/bin/sh", arguments: argv, environment: envp) } catch {
            throw CLIError(message: "unable to run \(command[0]): \(error.code)")
        }
    }
}

extension RunCommand {
    /// Asks dokuend to run `command` and prints its output as it arrives (the NDJSON events as they are, with
    /// --json); then exits as the command did: its code, or 128+N for signal N.
    static func throughDaemon(_ app: String, _ command: [String], _ timeout: Int?, _ options: GlobalOptions)
        async throws
    {
        let body = try encodeJSON(RunRequest(command: command, timeout: timeout))
        try streamRun(
            "/v1/apps/\(app)/run", body: body, options: options,
            cutShort: "the connection to dokuend ended before the command did; see dokuen events \(app)")
    }

    /// POSTs to a route that answers a run's NDJSON events (`RunEvent`: `dokuen run`, `dokuen cron run`), prints
    /// its output as it arrives (the events as they are, with --json), then exits as the command did: its code, or
    /// 128+N for signal N; `cutShort` is the error when the stream ends without an outcome.
    static func streamRun(_ path: String, body: [UInt8]? = nil, options: GlobalOptions, cutShort: String) throws {
        var lines = LineSplitter()
        var outcome: RunEvent?
        try DaemonClient(options).stream("POST", path, body: body) { chunk in
            for line in lines.feed(chunk) {
                // `{}` is dokuend's keepalive while the command is silent (docs/API.md, Runs).
                guard let event = try? decodeJSON(RunEvent.self, line), event != RunEvent() else { continue }
                if options.json {
                    print(String(decoding: line, as: UTF8.self))
                } else if let text = event.line {
                    print(text)
                }
                Posix.flushOutput()
                if event.line == nil { outcome = event }
            }
        }
        if let error = outcome?.error {
            if options.json { throw ExitCode.failure }
            throw CLIError(message: error)
        }
        if let code = outcome?.exit { throw ExitCode(code) }
        if let signal = outcome?.signal { throw ExitCode(128 + signal) }
        throw CLIError(message: cutShort)
    }
}
