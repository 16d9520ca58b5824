import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

/// `dokuen apps create|list|info|destroy`.
struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps", abstract: "Create, list, inspect and destroy apps.",
        subcommands: [Create.self, List.self, Info.self, Destroy.self], defaultSubcommand: List.self)

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create an app.",
            discussion: "App names are DNS labels: lowercase letters, digits and '-', 1 to 63 characters.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The new app's name.") var name: String

        func validate() throws {
            do { _ = try AppName(name) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let app = try DaemonClient(options).call(
                "POST", "/v1/apps", body: CreateAppRequest(name: name), as: AppInfo.self)
            if options.json { return try printJSON(app) }
            print("Created \(app.name)")
            let branch = app.deployBranch ?? "main (or master while there is no main)"
            print("Pushes of \(branch) deploy it; add the remote with:")
            for line in try remote(app.name) { print("  " + line) }
        }

        /// The remote for pushes, as the person who created the app will push: over ssh as the user sshd runs this
        /// for (the git user of a forced command, gitolite's), else by path on this host. A root push by path goes
        /// through `dokuen git receive-pack`, which becomes the repository's owner (git refuses a repository another
        /// user owns, and a root push would leave objects the git user cannot write beside).
        func remote(_ app: String) throws -> [String] {
            if Posix.getenv("SSH_CONNECTION") != nil {
                let user = Posix.userName(uid: Posix.geteuid()) ?? "git"
                let hostname = (try? Posix.readFile("/proc/sys/kernel/hostname")) ?? []
                let host = hostname.split(separator: UInt8(ascii: "\n")).first.map {
                    String(decoding: $0, as: UTF8.self)
                }
                return ["git remote add dokuen \(user)@\(host ?? "HOST"):\(app)"]
            }
            let root = try GitShellCommand.root(options)
            let repository = RootLayout(root: root).app(try AppName(app)).repository
            let lines = ["git remote add dokuen \(Quoting.shellWord(repository))"]
            guard Posix.geteuid() == 0, let owner = try? Posix.statFollowingSymlinks(repository), owner.uid != 0
            else { return lines }
            let receivePack = [Posix.executableDirectory() + "/dokuen", "git", "receive-pack", "--root", root]
                .map(Quoting.shellWord).joined(separator: " ")
            return lines + ["git config remote.dokuen.receivepack \(Quoting.shell(receivePack))"]
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the apps.")

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let apps = try DaemonClient(options).call("GET", "/v1/apps", as: [AppInfo].self)
            if options.json { return try printJSON(apps) }
            if apps.isEmpty { return print("No apps yet. Create one with: dokuen apps create NAME") }
            for app in apps { print("\(app.name)\t\(app.release ?? "not deployed")") }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "Show one app.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var name: String

        func validate() throws {
            do { _ = try AppName(name) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let app = try DaemonClient(options).call("GET", "/v1/apps/\(name)", as: AppInfo.self)
            if options.json { return try printJSON(app) }
            print(
                "name:     \(app.name)\nrelease:  \(app.release ?? "not deployed")\ncreated:  \(UTCTime.text(app.createdAt))"
            )
        }
    }

    struct Destroy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "destroy",
            abstract: "Destroy an app: its processes, releases and config. data/ is kept.",
            discussion: "It does not wait for a deploy of the app in progress.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var name: String
        @Option(help: ArgumentHelp("Repeat the app's name to confirm.", valueName: "name")) var confirm: String?
        @Flag(help: "Also delete the app's data/ directory.") var purge = false

        func validate() throws {
            do { _ = try AppName(name) } catch { throw ValidationError(error.description) }
            guard confirm == name else {
                throw ValidationError("destroying \(name) needs --confirm \(name)")
            }
        }

        func run() async throws {
            try DaemonClient(options).request("DELETE", "/v1/apps/\(name)?confirm=\(name)" + (purge ? "&purge=1" : ""))
            print("Destroyed \(name)" + (purge ? "" : "; its data/ directory is kept (--purge deletes it)"))
        }
    }
}
