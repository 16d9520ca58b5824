import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

/// `dokuen git set-branch APP BRANCH`: which branch a push deploys; `dokuen git receive-pack REPO`: a root push by
/// path.
struct GitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git", abstract: "Git push settings of an app.", subcommands: [SetBranch.self, ReceivePack.self])

    struct SetBranch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-branch", abstract: "Choose the branch whose pushes deploy.",
            discussion: """
                By default a push of main deploys (or of master while the repository has no main); pushes of \\
                other branches are accepted without a deploy. --default goes back to that. Example: dokuen git \\
                set-branch blog production. At once: a push that is deploying goes on.
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The branch, e.g. production.") var branch: String?
        @Flag(help: "Deploy main (or master) again.") var `default` = false

        func validate() throws {
            try validateApp(app)
            guard (branch != nil) != `default` else {
                throw ValidationError("give a branch or --default (one of them)")
            }
            if let branch {
                do { _ = try BranchName(branch) } catch { throw ValidationError(error.description) }
            }
        }

        func run() async throws {
            let info = try DaemonClient(options).call(
                "POST", "/v1/apps/\(app)/git", body: GitSettings(deployBranch: branch), as: AppInfo.self)
            if options.json { return try printJSON(info) }
            print("Pushes of \(info.deployBranch ?? "main (or master while there is no main)") deploy \(app)")
        }
    }
}

extension GitCommand {
    /// The receive-pack of a push by path as root (`apps create` prints the remote that uses it). An app's repository
    /// belongs to the git user, and git refuses a repository that another user owns ("detected dubious ownership");
    /// pushing as root would also leave root-owned objects that the git user's later pushes cannot write beside. So
    /// this becomes the repository's owner, with that user's groups (the one that reaches dokuend included), and
    /// runs git receive-pack as an ssh push would.
    struct ReceivePack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "receive-pack", abstract: "git-receive-pack as the repository's owner (a push by path).",
            discussion: """
                git runs it for a remote whose receivepack is set to it, as dokuen apps create prints: git remote \
                add dokuen ROOT/apps/APP/repo.git && git config remote.dokuen.receivepack 'dokuen git receive-pack'. \
                It takes an app's repository only, and as root it runs git as the repository's owner.
                """, shouldDisplay: false)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app's repository: ROOT/apps/APP/repo.git.") var repository: String

        func run() async throws {
            let root = try GitShellCommand.root(options)
            let layout = RootLayout(root: root)
            var path = repository
            while path.count > 1, path.hasSuffix("/") { path.removeLast() }
            let prefix = layout.appsDirectory + "/"
            let name =
                path.hasPrefix(prefix) && path.hasSuffix("/repo.git")
                ? String(path.dropFirst(prefix.count).dropLast("/repo.git".count)) : ""
            guard let app = try? AppName(name), layout.app(app).repository == path else {
                throw CLIError(
                    message: "unable to receive a push into \(Quoting.quoted(repository)): "
                        + "it is not an app's repository under \(root) (\(prefix)APP/repo.git)")
            }
            guard let owner = try Posix.statFollowingSymlinks(path) else {
                throw CLIError(message: "unable to receive a push for \(app): there is no app of that name")
            }
            var environment = [
                "PATH": InstanceEnvironment.defaultPath, "DOKUEN_ROOT": root, "LC_ALL": "C.UTF-8",
                "HOME": Posix.getenv("HOME") ?? "/",
            ]
            if Posix.geteuid() == 0, owner.uid != 0 {
                guard let entry = UserEntry.withID(owner.uid) else {
                    throw CLIError(
                        message: "unable to receive a push for \(app): its repository's owner, uid "
                            + "\(owner.uid), has no user entry")
                }
                do { try Posix.becomeUser(uid: entry.uid, gid: entry.gid, groups: entry.groups) } catch {
                    throw CLIError(message: "unable to become \(entry.name): \(error.code)")
                }
                environment["HOME"] = entry.home
                environment["DOKUEN_ACTOR"] = "root"
            }
            try GitShellCommand.exec(GitShellCommand.git(), ["git", "receive-pack", path], environment: environment)
        }
    }
}
