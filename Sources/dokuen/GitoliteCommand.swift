import ArgumentParser
import DokuenCore
import DokuenPosix

/// `dokuen gitolite setup|command`: pushes and verbs through gitolite3 (etc/gitolite/README.md). `setup` wires dokuen
/// into gitolite's site-local code: a common `pre-receive` hook that deploys pushes to repositories named like an app,
/// and a gitolite command `dokuen`, so `ssh git@host dokuen VERB …` runs the CLI for GL_USER under gitolite's
/// access rules. gitolite's own user must reach dokuend's socket: setup adds it to the `dokuen` group.
struct GitoliteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gitolite", abstract: "Serve pushes and dokuen verbs through gitolite3.",
        subcommands: [Setup.self, Command.self])

    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "setup", abstract: "Install dokuen's hook and command into a gitolite3 installation.",
            discussion: """
                Writes GITOLITE_HOME/local/hooks/common/pre-receive (runs dokuen hook pre-receive --gitolite) and \
                GITOLITE_HOME/local/commands/dokuen (runs dokuen gitolite command), sets LOCAL_CODE => \
                "$ENV{HOME}/local" and adds 'dokuen' to ENABLE in GITOLITE_HOME/.gitolite.rc, then runs \
                `gitolite setup --hooks-only` as the gitolite user so every repository gets the hook. As root it \
                adds that user to the dokuen group (the socket is 0660, group dokuen). --print shows the files and \
                changes nothing. gitolite must be set up already (gitolite setup -pk ADMIN.pub).
                """)

        @OptionGroup var options: GlobalOptions
        @Option(help: "The user gitolite runs as (Debian's package: gitolite3).") var user = "gitolite3"
        @Option(help: "gitolite's home directory (default: the user's home).") var gitoliteHome: String?
        @Flag(help: "Print what would be written, change nothing.") var print = false

        func run() async throws {
            guard let entry = UserEntry.named(user) else {
                throw ValidationError("no user \(user); give the gitolite user with --user NAME")
            }
            let home = gitoliteHome ?? entry.home
            let (uid, gid) = (entry.uid, entry.gid)
            let root = try GitShellCommand.root(options)
            let dokuen = Posix.executableDirectory() + "/dokuen"
            for path in [root, dokuen, home] where path.contains(where: { "'\"\\\n$`".contains($0) }) {
                throw ValidationError("the path \(path) has a quote, a backslash, $, ` or a newline")
            }
            let hook = """
                #!/bin/sh
                # Written by dokuen gitolite setup: a push to a repository named like a dokuen app deploys it.
                exec '\(dokuen)' hook pre-receive --gitolite --root '\(root)'

                """
            let command = """
                #!/bin/sh
                # Written by dokuen gitolite setup: ssh git@host dokuen VERB … runs the dokuen CLI for $GL_USER.
                exec '\(dokuen)' gitolite command --root '\(root)' -- "$@"

                """
            let rcPath = home + "/.gitolite.rc"
            let rc = try Self.enable(String(decoding: try Posix.readFile(rcPath), as: UTF8.self))
            let files = [
                (home + "/local/hooks/common/pre-receive", hook, UInt32(0o755)),
                (home + "/local/commands/dokuen", command, UInt32(0o755)), (rcPath, rc, UInt32(0o600)),
            ]
            if print {
                for (path, text, _) in files { Swift.print("==> \(path)\n\(text)") }
                return
            }
            for directory in ["/local", "/local/hooks", "/local/hooks/common", "/local/commands"] {
                if try Posix.mkdir(home + directory, mode: 0o755, existingOK: true) {
                    try? Posix.chown(home + directory, uid: uid, gid: gid)
                }
            }
            for (path, text, mode) in files {
                try AtomicFile.write(Array(text.utf8), to: path, mode: mode)
                do { try Posix.chown(path, uid: uid, gid: gid) } catch {
                    throw CLIError(message: "unable to chown \(path): \(error.code)")
                }
                Swift.print("Wrote \(path)")
            }
            if Posix.geteuid() == 0 {
                try Self.run("/usr/sbin/usermod", ["-a", "-G", "dokuen", user], home: home)
                Swift.print("Added \(user) to the group dokuen, so gitolite's hooks and commands reach dokuend")
            }
            let candidates: [String] = ["/usr/bin/gitolite", "/usr/share/gitolite3/gitolite"]
            let gitolite = candidates.first { Posix.canExecute($0) }
            guard let gitolite else { throw CLIError(message: "unable to find gitolite: install gitolite3") }
            if Posix.geteuid() == 0, uid != 0 {
                try Self.run("/usr/sbin/runuser", ["-u", user, "--", gitolite, "setup", "--hooks-only"], home: home)
            } else {
                try Self.run(gitolite, ["setup", "--hooks-only"], home: home)
            }
            Swift.print("Ran gitolite setup --hooks-only: every repository now deploys on push when it is an app")
        }

        /// `.gitolite.rc` with LOCAL_CODE at `$ENV{HOME}/local` and `'dokuen'` in ENABLE; unchanged when both are
        /// there. Other LOCAL_CODE settings are left to the admin, with the lines to add.
        static func enable(_ rc: String) throws -> String {
            var lines = rc.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let wanted = "LOCAL_CODE                =>  \"$ENV{HOME}/local\","
            let isActive: (String) -> Bool = {
                let trimmed = $0.drop { $0 == " " }
                return trimmed.hasPrefix("LOCAL_CODE") && !trimmed.hasPrefix("#")
            }
            if let active = lines.first(where: isActive) {
                guard active.contains("\"$ENV{HOME}/local\"") else {
                    throw ValidationError(
                        "\(active.drop { $0 == " " }) is set already; dokuen needs LOCAL_CODE => \"$ENV{HOME}/local\"")
                }
            } else if let commented = lines.firstIndex(where: {
                $0.drop { $0 == " " }.hasPrefix("# LOCAL_CODE") && $0.contains("$ENV{HOME}/local")
            }) {
                lines[commented] = "        " + wanted
            } else {
                throw ValidationError("no LOCAL_CODE line in .gitolite.rc; add \(wanted) inside %RC")
            }
            if !lines.contains(where: { $0.drop { $0 == " " }.hasPrefix("'dokuen',") }) {
                guard let enable = lines.firstIndex(where: { $0.contains("ENABLE => [") }) else {
                    throw ValidationError("no ENABLE list in .gitolite.rc; add 'dokuen', to it")
                }
                lines.insert("            'dokuen',", at: enable + 1)
            }
            return lines.joined(separator: "\n")
        }

        static func run(_ program: String, _ arguments: [String], home: String) throws {
            let child = try ChildProcess.spawn(
                program, arguments: arguments,
                environment: ["PATH": InstanceEnvironment.defaultPath, "HOME": home, "LC_ALL": "C"], stdin: 0,
                stdout: 1, stderr: 2)
            guard try child.wait(milliseconds: 120_000) == .exited(0) else {
                _ = try? child.signalGroup(.kill)
                throw CLIError(message: "unable to run \(program) \(arguments.joined(separator: " ")): it failed")
            }
        }
    }

    /// Run by gitolite (`gitolite dokuen ARGS…` after gitolite-shell's own checks) through the command file that
    /// `setup` writes. It checks gitolite's access rules for the app the verb touches, then runs the CLI with
    /// GL_USER, which the event log names.
    struct Command: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "command", abstract: "Run a dokuen verb for a gitolite user (run by gitolite).",
            discussion: """
                Over gitolite the app comes right after the verb's words (dokuen logs blog --type web), or, for \
                Dokuen 2012's verbs, in --application=APP. Reading verbs (status, logs, tail, pid, releases, \
                events, apps info, config show, config --application) need R on the repository named like the \
                app; changing verbs need W (run, run_command, config_set, config_delete, scale, restart, \
                shutdown --application, and create and apps create: only gitolite's conf can give W on a \
                repository, so its admin chose beforehand who may create that app); verbs about everything \
                (status or events without an app, apps list, stop all, buildpacks, install_buildpack, \
                remove_buildpack) need W on gitolite-admin. gitolite passes plain words only (no quotes): \
                run_command joins its words into one command line (run_command --application=blog exit 3).
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(parsing: .postTerminator, help: "The verb and its arguments.") var arguments: [String] = []

        func run() async throws {
            let user = Posix.getenv("GL_USER") ?? ""
            guard !user.isEmpty else { throw ValidationError("GL_USER is not set; gitolite runs this command") }
            // gitolite split the words on spaces already; they must read back the same through the strict parser.
            let line = (["dokuen"] + arguments).joined(separator: " ")
            guard case .success(.dokuen(let parsed)) = SSHCommand.parse(line), parsed == arguments else {
                let reason: String =
                    switch SSHCommand.parse(line) {
                    case .failure(let refusal): refusal.reason
                    default: "the arguments do not read back as plain words"
                    }
                try refuse(reason, command: line)
            }
            let needs: [Dokuen2012.Need]
            switch Dokuen2012.gitoliteNeeds(arguments) {
            case .success(let found): needs = found
            case .failure(let refusal): try refuse(refusal.reason, command: line)
            }
            for need in needs where !(try Self.allowed(need.repository, user: user, need.permission)) {
                try refuse(
                    "gitolite does not give \(user) \(need.permission) on \(need.repository)", command: line)
            }
            var environment = [
                "PATH": InstanceEnvironment.defaultPath, "GL_USER": user, "LC_ALL": "C.UTF-8",
                "HOME": Posix.getenv("HOME") ?? "/",
            ]
            environment["DOKUEN_ROOT"] = try GitShellCommand.root(options)
            if let connection = Posix.getenv("SSH_CONNECTION") { environment["SSH_CONNECTION"] = connection }
            try GitShellCommand.exec(
                Posix.executableDirectory() + "/dokuen", ["dokuen"] + arguments, environment: environment)
        }

        func refuse(_ reason: String, command: String) throws -> Never {
            try GitShellCommand.refuse(reason, command: command, options: options)
        }

        /// `gitolite access -q REPO USER PERM any`: exit 0 when gitolite's rules allow it.
        static func allowed(_ repository: String, user: String, _ permission: String) throws -> Bool {
            let bindir = Posix.getenv("GL_BINDIR") ?? "/usr/share/gitolite3"
            let candidates: [String] = [bindir + "/gitolite", "/usr/bin/gitolite"]
            guard let gitolite = candidates.first(where: { Posix.canExecute($0) }) else {
                throw CLIError(message: "unable to check access: there is no gitolite program")
            }
            let null = try Posix.open("/dev/null", .readWrite)
            defer { Posix.close(null) }
            let child = try ChildProcess.spawn(
                gitolite, arguments: ["access", "-q", repository, user, permission, "any"],
                environment: Posix.environment(), stdin: null, stdout: null, stderr: null)
            guard let status = try child.wait(milliseconds: 30_000) else {
                _ = try? child.signalGroup(.kill)
                _ = try? child.wait()
                throw CLIError(message: "unable to check access: gitolite access took more than 30 s")
            }
            return status == .exited(0)
        }
    }
}
