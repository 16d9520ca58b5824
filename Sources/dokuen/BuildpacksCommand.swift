import ArgumentParser
import DokuenAPI

/// `dokuen buildpacks list|install|remove|set|show`.
struct BuildpacksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buildpacks", abstract: "List, install and remove buildpacks; pin an app to one.",
        discussion: """
            Which buildpacks build an app: the first of these rules that applies wins.
              1. BUILDPACK_URL in the app's config (`dokuen config set`);
              2. `dokuen buildpacks set APP NAME|URL`;
              3. a .buildpacks file in the pushed tree (a NAME or URL a line, in order);
              4. detection: the first buildpack whose bin/detect accepts the app, in
                 the order `dokuen buildpacks` numbers: the built-ins (python, node,
                 go, static, procfile), then the installed ones in install order.
            So installing a buildpack never changes how an app a built-in detects is built (a catch-all one, \
            such as the null buildpack, gets only the apps no built-in accepts); pin the app to it with rule 1, 2 \
            or 3 instead. A URL in rules 1 to 3 must have been installed first: builds never clone. \
            `dokuen buildpacks show APP` tells which rule the next deploy follows, and the deploy output names it: \
            "-----> python buildpack (detected)". Dokuen 2012's spellings: install_buildpack URL, \
            remove_buildpack NAME.
            """,
        subcommands: [List.self, Install.self, Remove.self, SetBuildpack.self, Show.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List every buildpack, numbered in detection order.")

        @OptionGroup var options: GlobalOptions
        @Option(help: ArgumentHelp("Dokuen 2012: ignored, buildpacks serve every app.", visibility: .hidden))
        var application: String?

        func run() async throws {
            let buildpacks = try DaemonClient(options).call("GET", "/v1/buildpacks", as: [BuildpackEntry].self)
            if options.json { return try printJSON(buildpacks) }
            for buildpack in buildpacks {
                let number = buildpack.position.map { "\($0)." } ?? "-"
                let replaces = buildpack.replacesBuiltIn == true ? ", replacing the built-in" : ""
                let from = buildpack.source.map { " from \($0)" } ?? ""
                let at = buildpack.commit.map { " at \($0.prefix(7))" } ?? ""
                print("\(number)\t\(buildpack.name)\t\(buildpack.origin)\(replaces)\(from)\(at)")
            }
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install", abstract: "Install a buildpack from a git URL or path.",
            discussion: """
                Clones SOURCE (a git URL or a local repository path; #REF picks a branch, tag or commit) and \
                checks it has bin/detect, bin/compile and bin/release. Detection tries it after the built-ins and \
                the buildpacks installed before it. Example: dokuen buildpacks install clojure \
                https://github.com/heroku/heroku-buildpack-clojure.git#v90
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

    /// `dokuen buildpacks set blog null`, `dokuen buildpacks set blog --clear`.
    struct SetBuildpack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Pin an app to a buildpack, or --clear to let detection choose.",
            discussion: """
                NAME is a built-in or installed buildpack (heroku/NAME means NAME); URL is the source of an \
                installed one. It applies from the app's next deploy, wins over .buildpacks and detection, and \
                loses to BUILDPACK_URL. It does not wait for a deploy in progress, which keeps the buildpacks it \
                chose.
                """)

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Unpin the app.") var clear = false
        @Argument(help: "The app.") var app: String
        @Argument(help: "A buildpack name or an installed buildpack's URL.") var buildpack: String?

        func validate() throws {
            try validateApp(app)
            guard clear != (buildpack != nil) else {
                throw ValidationError(clear ? "give a buildpack or --clear, not both" : "give a buildpack, or --clear")
            }
        }

        func run() async throws {
            let client = try DaemonClient(options)
            let choice =
                if let buildpack {
                    try client.call(
                        "PUT", "/v1/apps/\(app)/buildpack", body: SetBuildpackRequest(buildpack: buildpack),
                        as: BuildpackChoice.self)
                } else {
                    try client.call("DELETE", "/v1/apps/\(app)/buildpack", as: BuildpackChoice.self)
                }
            if options.json { return try printJSON(choice) }
            print(buildpack.map { "Pinned \(app) to \($0)" } ?? "Unpinned \(app)")
            BuildpacksCommand.printChoice(choice)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show which buildpacks the app's next deploy uses, and why.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let choice = try DaemonClient(options).call("GET", "/v1/apps/\(app)/buildpack", as: BuildpackChoice.self)
            if options.json { return try printJSON(choice) }
            BuildpacksCommand.printChoice(choice)
        }
    }

    /// `rule:`, `buildpacks:` and the lines that explain them.
    static func printChoice(_ choice: BuildpackChoice) {
        print("rule:        \(choice.rule)")
        let separator = choice.rule == "detection" ? " > " : ", "
        print("buildpacks:  \(choice.buildpacks.joined(separator: separator))")
        if !choice.overridden.isEmpty { print("overrides:   \(choice.overridden.joined(separator: ", "))") }
        print("why:         \(choice.note)")
    }
}
