import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

/// `dokuen git-shell`: the authorized_keys forced command (`command="… git-shell --root ROOT --key NAME"`, written by
/// `dokuen keys add`). sshd runs it for every connection with the client's command in SSH_ORIGINAL_COMMAND, which is
/// parsed (`SSHCommand`), never given to a shell: a push or fetch of one app's repository, or a `dokuen` verb.
/// Anything else is refused with one line on stderr and recorded in the event log as `ssh.refused`.
struct GitShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git-shell", abstract: "The ssh forced command for pushes and remote verbs (see dokuen keys).",
        discussion: """
            sshd runs it with the client's command in SSH_ORIGINAL_COMMAND. Accepted:
              git-receive-pack 'APP.git'   a push (also '/APP.git', APP.git, APP)
              git-upload-pack 'APP.git'    a fetch or clone
              dokuen VERB ARGS…            one of: apps config ps status stop start restart signal pid releases \
            rollback logs tail events git buildpacks run version help, and Dokuen 2012's create config_set \
            config_delete scale run_command shutdown --application install_buildpack remove_buildpack
            Every key holder acts as the git user, an admin of the platform (docs/ISOLATION.md). run and \
            run_command run through dokuend (output streamed, no stdin, the command's exit status). A bare \
            shutdown is refused: no one could start dokuend again over ssh.
            Words are plain (letters, digits, -_.,:/=@+%^) or single-quoted; anything a shell would interpret \
            (; | & $ ` ( ) < > \\ " globs, newlines) is refused, and so is every other command. A refusal prints \
            one line, exits 1 and is recorded in the event log. Git runs on ROOT/apps/APP/repo.git with a clean \
            environment; the key name is exported as DOKUEN_ACTOR, and the event log names it beside the unix user.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The name of the key that connected (from dokuen keys add); the event log names it.")
    var key: String?
    @Flag(help: "A push to an app that does not exist yet creates it.")
    var allowCreate = false

    func validate() throws {
        if let key { try KeysCommand.validateName(key) }
    }

    func run() async throws {
        if let key { try Posix.setenv("DOKUEN_ACTOR", key) }
        let original = Posix.getenv("SSH_ORIGINAL_COMMAND") ?? ""
        let command: SSHCommand
        switch SSHCommand.parse(original) {
        case .success(let parsed): command = parsed
        case .failure(let refusal): try refuse(refusal.reason, command: original)
        }
        let root = try Self.root(options)
        var environment = [
            "PATH": InstanceEnvironment.defaultPath, "DOKUEN_ROOT": root, "LC_ALL": "C.UTF-8",
            "HOME": Posix.getenv("HOME") ?? "/",
        ]
        if let key { environment["DOKUEN_ACTOR"] = key }
        // Whether a verb runs over ssh (`apps create` then prints an ssh remote): addresses and ports, nothing secret.
        if let connection = Posix.getenv("SSH_CONNECTION") { environment["SSH_CONNECTION"] = connection }
        switch command {
        case .receivePack(let app), .uploadPack(let app):
            let isPush = if case .receivePack = command { true } else { false }
            let repository = RootLayout(root: root).app(app).repository
            if !Posix.isDirectory(repository) {
                guard isPush, allowCreate else {
                    try refuse(
                        "there is no app \(app) here; create it first: dokuen apps create \(app)", command: original)
                }
                _ = try DaemonClient(options).call(
                    "POST", "/v1/apps", body: CreateAppRequest(name: app.rawValue), as: AppInfo.self)
                let note = "Created the app \(app) for this push\n"
                Posix.writeToStandardError(note)
            }
            // Protocol v2 arrives in GIT_PROTOCOL when sshd accepts it (AcceptEnv); it is a short list of keys.
            if let version = Posix.getenv("GIT_PROTOCOL"),
                version.utf8.allSatisfy({ Self.isProtocolByte($0) })
            {
                environment["GIT_PROTOCOL"] = version
            }
            try Self.exec(
                Self.git(), ["git", isPush ? "receive-pack" : "upload-pack", repository], environment: environment)
        case .dokuen(let arguments):
            try Self.exec(
                Posix.executableDirectory() + "/dokuen", ["dokuen"] + arguments, environment: environment)
        }
    }

    /// Records the refusal (best effort: a daemon that is down must not turn a refusal into a hang or a crash),
    /// then fails with the reason as the one line the client sees.
    func refuse(_ reason: String, command: String) throws -> Never {
        try Self.refuse(reason, command: command, options: options)
    }

    /// The refusal of `git-shell` and of `gitolite`: an `ssh.refused` event, then the reason.
    static func refuse(_ reason: String, command: String, options: GlobalOptions) throws -> Never {
        let detail = reason + " (command: " + Quoting.printable(command, limit: 200) + ")"
        _ = try? DaemonClient(options).request(
            "POST", "/v1/events", body: ["action": "ssh.refused", "detail": detail])
        throw CLIError(message: "refused: " + reason)
    }

    /// The root as the client finds it (flag, DOKUEN_ROOT, the user's, the system's), so git gets an absolute path.
    static func root(_ options: GlobalOptions) throws -> String {
        var environment: [String: String] = [:]
        for key in ["HOME", "DOKUEN_ROOT"] { if let value = Posix.getenv(key) { environment[key] = value } }
        do {
            return try RootDiscovery.clientRoot(flag: options.root, environment: environment) { path in
                Posix.exists(path)
            }
        } catch {
            throw ValidationError(error.description)
        }
    }

    static func git() -> String {
        let candidates: [String] = ["/usr/bin/git", "/usr/local/bin/git", "/bin/git"]
        return candidates.first { Posix.canExecute($0) } ?? "/usr/bin/git"
    }

    static func isProtocolByte(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (97...122).contains(byte) || byte == 61 || byte == 58
    }

    /// Replaces this process (git-shell(1) does the same): stdin and stdout stay the ssh channel.
    static func exec(_ program: String, _ argv: [String], environment: [String: String]) throws -> Never {
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        do { try Posix.execute(program, arguments: argv, environment: envp) } catch {
            throw CLIError(message: "unable to run \(program): \(error.code)")
        }
    }
}
