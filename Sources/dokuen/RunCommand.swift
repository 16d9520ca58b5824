import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

/// `dokuen run APP -- CMD…`: runs a one-off command in the app's current release, with its environment, as its
/// user. The CLI executes the command itself, so a terminal, stdin and the exit code behave as for a local command.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a one-off command in an app's current release.",
        discussion: "Example: dokuen run blog -- python manage.py migrate")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Argument(parsing: .postTerminator, help: "The command and its arguments.") var command: [String] = []

    func validate() throws {
        try validateApp(app)
        guard !command.isEmpty else { throw ValidationError("give the command after --, e.g. dokuen run \(app) -- ls") }
    }

    func run() async throws {
        let spec = try DaemonClient(options).call("GET", "/v1/apps/\(app)/run", as: RunSpec.self)
        do { try Posix.chdir(spec.directory) } catch {
            throw CLIError(message: "unable to enter \(spec.directory): \(error.code)")
        }
        if let user = spec.user {
            guard let entry = UserEntry.named(user) else {
                throw CLIError(message: "unable to run as \(user): no such user")
            }
            let (uid, gid) = (entry.uid, entry.gid)
            if Posix.geteuid() != uid {
                // Only root can become the app's user, and a one-off process runs as the app and no one else
                // (docs/ISOLATION.md); an admin who is not root asks sudo.
                guard Posix.geteuid() == 0 else {
                    throw CLIError(
                        message:
                            "unable to run as \(user), \(app)'s user: only root can; try sudo dokuen run \(app) -- …")
                }
                // Its own group only, as the shim gives its processes: never the groups the database adds.
                do { try Posix.becomeUser(uid: uid, gid: gid) } catch {
                    throw CLIError(message: "unable to become \(user): \(error.code)")
                }
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

/// Dokuen 2012's `run_command --application=NAME -- CMD…`, which is `run NAME -- CMD…`.
struct LegacyRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run_command", abstract: "Run a one-off command (Dokuen 2012 spelling of `run`).",
        shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The app.") var application: String
    @Argument(parsing: .postTerminator, help: "The command and its arguments.") var command: [String] = []

    var modern: RunCommand {
        var run = RunCommand()
        run.options = options
        run.app = application
        run.command = command
        return run
    }

    func validate() throws { try modern.validate() }

    func run() async throws { try await modern.run() }
}
