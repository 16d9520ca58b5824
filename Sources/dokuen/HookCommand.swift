import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

/// `dokuen hook pre-receive`: git runs it (through the stub in the repository's `hooks/`) with one `old new ref`
/// line per pushed ref. A push of the deploy branch is deployed before git moves the ref, so a failed deploy
/// rejects the push and the branch stays where it was (docs/DESIGN.md §2).
struct HookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook", abstract: "Git hooks (run by git, not by hand).", subcommands: [PreReceive.self])

    struct PreReceive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pre-receive", abstract: "Deploy a push of the deploy branch (git's pre-receive hook).",
            discussion: """
                Reads `OLD NEW REF` lines on stdin. The deploy branch is main, or master while the repository has \\
                no main. Other branches are accepted without a deploy; deleting the deploy branch is refused.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(help: "The app (default: from the repository's name: apps/APP/repo.git or APP.git).")
        var app: String?
        @Flag(
            help: """
                Run under gitolite: the app is $GL_REPO, a repository that is not an app passes untouched, and a \
                deploy needs gitolite's write access to the ref ($GL_USER) before gitolite's update hook runs.
                """)
        var gitolite = false

        func run() async throws {
            var updates: [(old: String, new: String, ref: String)] = []
            while let line = readLine() {
                let fields = line.split(separator: " ").map(String.init)
                guard fields.count == 3 else { throw CLIError(message: "unexpected hook input line: \(line)") }
                updates.append((fields[0], fields[1], fields[2]))
            }
            let app: String
            let chosen: String?
            if gitolite {
                // gitolite hosts other repositories too (gitolite-admin, …): only those named like an app of this
                // dokuend deploy.
                let repository = Posix.getenv("GL_REPO") ?? ""
                guard (try? AppName(repository)) != nil,
                    let info = try DaemonClient(options).call("GET", "/v1/apps", as: [AppInfo].self).first(where: {
                        $0.name == repository
                    })
                else { return }
                app = repository
                chosen = info.deployBranch
            } else {
                app = try self.app ?? Self.appFromRepository()
                do { _ = try AppName(app) } catch { throw ValidationError(error.description) }
                chosen = try DaemonClient(options).call("GET", "/v1/apps/\(app)", as: AppInfo.self).deployBranch
            }
            let branch = try chosen ?? Self.deployBranch(pushing: updates.map(\.ref))
            for update in updates where update.ref != "refs/heads/" + branch {
                say("Not deploying \(update.ref): \(app) deploys its \(branch) branch")
            }
            guard let update = updates.first(where: { $0.ref == "refs/heads/" + branch }) else { return }
            if update.new.allSatisfy({ $0 == "0" }) {
                refuse("Deleting \(branch), the deploy branch of \(app), is refused")
            }
            guard update.new.utf8.count >= 7, update.new.utf8.allSatisfy({ Self.isHex($0) }) else {
                refuse("\(update.new) is not a commit id")
            }
            if gitolite { try checkGitoliteAccess(app: app, update: update) }
            say("Deploying \(app) from \(branch) at \(update.new.prefix(7))")
            let tarball = try Self.archive(update.new)
            let release = try DeployCommand.stream(
                tarball: tarball, to: app, commit: update.new,
                push: (try Self.repositoryPath(), update.ref, update.old), options: options,
                failure: { message in say("Deploy failed: \(message)") })
            if release == nil {
                print(" !     Hint: fix what the lines above say, commit, and push again; `dokuen logs \(app)` shows")
                print(" !     what the app printed, `dokuen releases \(app)` what serves.")
                refuse(
                    "Push rejected: the deploy failed, so \(branch) stays where it was and the release before keeps serving"
                )
            }
        }

        /// gitolite checks each ref in its update hook, which runs after this one: a push that rule would deny must
        /// not deploy first. `gitolite access -q REPO USER PERM REF` exits 0 when allowed; a push that is not a
        /// fast-forward needs `+` (gitolite's "RW+"), else `W`.
        func checkGitoliteAccess(app: String, update: (old: String, new: String, ref: String)) throws {
            let user = Posix.getenv("GL_USER") ?? ""
            guard !user.isEmpty else { refuse("GL_USER is not set; is this hook running under gitolite?") }
            var permission = "W"
            if !update.old.allSatisfy({ $0 == "0" }),
                try Self.git(["merge-base", "--is-ancestor", update.old, update.new]).status != .exited(0)
            {
                permission = "+"
            }
            let bindir = Posix.getenv("GL_BINDIR") ?? "/usr/share/gitolite3"
            let candidates: [String] = [bindir + "/gitolite", "/usr/bin/gitolite"]
            let gitolite = candidates.first { Posix.canExecute($0) }
            let allowed = try gitolite.map {
                try Self.run($0, ["access", "-q", app, user, permission, update.ref]).status == .exited(0)
            }
            guard allowed == true else {
                refuse("gitolite does not give \(user) \(permission == "+" ? "RW+" : "W") on \(update.ref) of \(app)")
            }
        }

        func say(_ text: String) {
            print("-----> " + text)
            Posix.flushOutput()
        }

        func refuse(_ text: String) -> Never {
            print(" !     " + text)
            Posix.flushOutput()
            Posix.exit(1)
        }

        static func isHex(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (97...102).contains(byte) }

        /// The repository's absolute path (git runs hooks in it).
        static func repositoryPath() throws -> String {
            guard let directory = Posix.realpath(".") else {
                throw CLIError(message: "unable to find the repository")
            }
            return directory
        }

        /// The app a repository belongs to: `apps/APP/repo.git` (a plain repository) or `APP.git` (gitolite).
        static func appFromRepository() throws -> String {
            guard let path = Posix.realpath(".") else {
                throw CLIError(message: "unable to find the repository")
            }
            let parts = path.split(separator: "/")
            guard let last = parts.last, last.hasSuffix(".git") else {
                throw ValidationError("unable to tell the app from the repository path \(path); give --app APP")
            }
            if last == "repo.git", parts.count >= 2 { return String(parts[parts.count - 2]) }
            return String(last.dropLast(4))
        }

        /// main, or master while the repository has no main and this push does not create one.
        static func deployBranch(pushing refs: [String]) throws -> String {
            if refs.contains("refs/heads/main") { return "main" }
            let hasMain = try git(["rev-parse", "--verify", "--quiet", "refs/heads/main"]).status == .exited(0)
            return hasMain ? "main" : (refs.contains("refs/heads/master") ? "master" : "main")
        }

        /// `git archive` of the pushed commit, run here: the pushed objects sit in a quarantine that only the hook's
        /// environment (GIT_QUARANTINE_PATH and friends) can see.
        static func archive(_ commit: String) throws -> [UInt8] {
            let result = try git(["archive", "--format=tar", commit])
            guard result.status == .exited(0) else {
                throw CLIError(
                    message: "git archive \(commit) failed: \(String(decoding: result.errors, as: UTF8.self))")
            }
            return result.output
        }

        static func git(_ arguments: [String]) throws -> (status: ExitStatus?, output: [UInt8], errors: [UInt8]) {
            let candidates: [String] = ["/usr/bin/git", "/usr/local/bin/git"]
            return try run(candidates.first { Posix.canExecute($0) } ?? "/usr/bin/git", arguments)
        }

        static func run(_ program: String, _ arguments: [String]) throws -> (
            status: ExitStatus?, output: [UInt8], errors: [UInt8]
        ) {
            let scratch = try Posix.makeTemporaryDirectory(prefix: "/tmp/dokuen-hook-")
            defer { try? Posix.removeTree(scratch) }
            let null = try Posix.open("/dev/null", .readOnly)
            let output = try Posix.open(scratch + "/out", [.writeOnly, .create, .truncate])
            let errors = try Posix.open(scratch + "/err", [.writeOnly, .create, .truncate])
            defer {
                Posix.close(null)
                Posix.close(output)
                Posix.close(errors)
            }
            let child = try ChildProcess.spawn(
                program, arguments: arguments, environment: Posix.environment(), stdin: null, stdout: output,
                stderr: errors)
            let status = try child.wait(milliseconds: 300_000)
            if status == nil {
                _ = try? child.signalGroup(.kill)
                _ = try? child.wait()
            }
            return (status, try Posix.readFile(scratch + "/out"), try Posix.readFile(scratch + "/err"))
        }
    }
}
