import ArgumentParser
import DokuenAPI

/// `dokuen buildpacks list|install|remove`.
struct BuildpacksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buildpacks", abstract: "List, install and remove buildpacks (Heroku's classic API).",
        discussion: """
            A deploy uses BUILDPACK_URL from the app's config, else the buildpacks a .buildpacks file names (one \
            per line, run in order), else the first that detects the app: installed ones, then the built-ins \
            python, node, go, static and procfile. Dokuen 2012's spellings: install_buildpack URL, \
            remove_buildpack NAME.
            """,
        subcommands: [List.self, Install.self, Remove.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List every buildpack.")

        @OptionGroup var options: GlobalOptions
        @Option(help: ArgumentHelp("Dokuen 2012: ignored, buildpacks serve every app.", visibility: .hidden))
        var application: String?

        func run() async throws {
            let buildpacks = try DaemonClient(options).call("GET", "/v1/buildpacks", as: [BuildpackEntry].self)
            if options.json { return try printJSON(buildpacks) }
            for buildpack in buildpacks {
                let from = buildpack.source.map { " from \($0)" } ?? ""
                let at = buildpack.commit.map { " at \($0.prefix(7))" } ?? ""
                print("\(buildpack.name)\t\(buildpack.origin)\(from)\(at)")
            }
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install", abstract: "Install a buildpack from a git URL or path.",
            discussion: """
                Clones SOURCE (a git URL or a local repository path; #REF picks a branch, tag or commit) and \
                checks it has bin/detect, bin/compile and bin/release. Example: dokuen buildpacks install \
                clojure https://github.com/heroku/heroku-buildpack-clojure.git#v90
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "Its name: lowercase letters, digits and '-'.") var name: String
        @Argument(help: "A git URL or path, optionally with #REF.") var source: String

        func run() async throws {
            let installed = try DaemonClient(options).call(
                "POST", "/v1/buildpacks", body: InstallBuildpackRequest(name: name, source: source),
                as: BuildpackEntry.self)
            if options.json { return try printJSON(installed) }
            print(
                "Installed \(installed.name) from \(installed.source ?? source)"
                    + (installed.commit.map { " at \($0.prefix(7))" } ?? ""))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove an installed buildpack (built-ins stay).")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The buildpack.") var name: String

        func run() async throws {
            try DaemonClient(options).request("DELETE", "/v1/buildpacks/\(name)")
            if !options.json { print("Removed \(name)") }
        }
    }
}
